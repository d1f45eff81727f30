"""Argument checks that raise `ValueError` in the Keras form, shared:
"Argument `step_size` must be > 0. Received: step_size=0"."""

import math
import numbers
import os

import numpy as np

FLOAT32_MAX = float(np.finfo(np.float32).max)
"""The largest finite float32: a learning rate must stay below it."""

INT64_MAX = int(np.iinfo(np.int64).max)
"""The largest step count an int64 step counter can hold."""


def as_number(name: str, value):
    """`value` as a Python `int` or `float`, else a `ValueError`.

    Takes Python and NumPy ints and floats of any width, and 0-d arrays
    and tensors (a step count read from a model); refuses bools, strings,
    `None` and anything with more than one element, naming the argument.
    """
    shape = getattr(value, "shape", None)
    if (
        not isinstance(value, numbers.Number)
        and shape is not None
        and len(shape)
    ):
        raise ValueError(
            f"Argument `{name}` must be a number, not an array of shape "
            f"{tuple(shape)}. Received: {name}={value!r}"
        )
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        try:  # 0-d arrays and tensors of every backend
            value = np.asarray(value).item()
        except Exception:
            pass
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, numbers.Real
    ):
        raise ValueError(
            f"Argument `{name}` must be a number. Received: {name}={value!r}"
            f" of type {type(value).__name__}"
        )
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def check_finite(name: str, value):
    """Returns `value` (see `as_number`) if it is finite, else raises."""
    value = as_number(name, value)
    if not math.isfinite(value):
        raise ValueError(
            f"Argument `{name}` must be a finite number. "
            f"Received: {name}={value}"
        )
    return value


def check_float32(name: str, value):
    """Returns `value` if it is a number that is finite in float32.

    Learning rates are float32 under every precision policy but float64, so
    a bound such as `1e39` would be `inf` (and the rate NaN) at step 0.
    """
    value = check_finite(name, value)
    if abs(value) > FLOAT32_MAX:
        raise ValueError(
            f"Argument `{name}` must be finite in float32 (at most "
            f"{FLOAT32_MAX:.8g} in magnitude), the learning rate's dtype. "
            f"Received: {name}={value}"
        )
    return value


def _bounded(name: str, value, ok, rule: str):
    """`value` as a number if `ok(value)`, else "must be {rule}"."""
    value = check_finite(name, value)
    if not ok(value):
        raise ValueError(
            f"Argument `{name}` must be {rule}. Received: {name}={value}"
        )
    return value


def check_non_negative(name: str, value):
    return _bounded(name, value, lambda v: v >= 0, ">= 0")


def check_positive(name: str, value):
    return _bounded(name, value, lambda v: v > 0, "> 0")


def check_above(name: str, value, bound):
    return _bounded(name, value, lambda v: v > bound, f"> {bound}")


def check_in_unit_interval(name: str, value):
    return _bounded(name, value, lambda v: 0 <= v < 1, "in [0, 1)")


def check_in_range(name, value, low, high, *, low_open=True, high_open=False):
    """Returns `value` if it lies in the interval; `(0, 1]` by default."""
    interval = (
        f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    )

    def ok(v):
        above = v > low if low_open else v >= low
        return above and (v < high if high_open else v <= high)

    return _bounded(name, value, ok, f"in {interval}")


def _check_step_limit(name: str, value):
    if value > INT64_MAX:
        raise ValueError(
            f"Argument `{name}` must be at most 2**63 - 1, the largest step "
            f"an int64 step counter can hold. Received: {name}={value}"
        )


def check_positive_int(name: str, value) -> int:
    """Returns `value` as an `int`; integral floats such as `2000.` pass.

    Counts of steps are also refused beyond int64.
    """
    value = check_finite(name, value)
    if int(value) != value:
        raise ValueError(
            f"Argument `{name}` must be an integer number of steps (an "
            f"integral float such as 2000.0 is accepted). "
            f"Received: {name}={value}"
        )
    if value <= 0:
        raise ValueError(
            f"Argument `{name}` must be > 0. Received: {name}={value}"
        )
    _check_step_limit(name, value)
    return int(value)


def check_positive_steps(name: str, value):
    """Returns a positive, possibly fractional, number of steps.

    For step sizes that may be fractional (TF Addons' `step_size=2.5`).
    """
    value = check_positive(name, value)
    _check_step_limit(name, value)
    return value


def check_int_at_least(name: str, value, minimum: int) -> int:
    """`value` as an `int` if it is an integer >= `minimum` (and a count an
    int64 step counter holds)."""
    ok = lambda v: v >= minimum and int(v) == v  # noqa: E731
    value = _bounded(name, value, ok, f"an integer >= {minimum}")
    _check_step_limit(name, value)
    return int(value)


def check_choice(name: str, value, allowed):
    """Returns `value` if it is one of the `allowed` strings."""
    choices = ", ".join(repr(a) for a in allowed)
    if not isinstance(value, str) or value not in allowed:
        received = repr(value)
        if not isinstance(value, str):
            received += f" of type {type(value).__name__}"
        raise ValueError(
            f"Argument `{name}` must be one of {choices}. "
            f"Received: {name}={received}"
        )
    return value


def check_bool(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(
            f"Argument `{name}` must be True or False. "
            f"Received: {name}={value!r}"
        )
    return bool(value)


def check_name(name: str, value) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(
            f"Argument `{name}` must be a non-empty string. "
            f"Received: {name}={value!r}"
        )
    return value


def check_above_argument(name: str, value, other_name: str, other):
    """Returns `value` if it is a finite number `> other`, else raises."""
    value = check_finite(name, value)
    if not value > other:
        raise ValueError(
            f"Argument `{name}` must be > `{other_name}`. Received: "
            f"{other_name}={other}, {name}={value}"
        )
    return value


def check_at_most(name: str, value, maximum, why: str = ""):
    """Returns `value` if it is `<= maximum`, else raises (with `why`)."""
    if value > maximum:
        raise ValueError(
            f"Argument `{name}` must be <= {maximum}{why}. "
            f"Received: {name}={value}"
        )
    return value


def check_directory(name: str, value) -> str:
    """Returns a directory path (`str` or `os.PathLike`) as a `str`.

    The directory may be missing (the caller creates it); an empty path,
    bytes, a non-path and an existing file are refused.
    """
    if isinstance(value, bytes) or not isinstance(value, (str, os.PathLike)):
        raise ValueError(
            f"Argument `{name}` must be a path (a string or os.PathLike). "
            f"Received: {name}={value!r} of type {type(value).__name__}"
        )
    path = os.fspath(value)
    if isinstance(path, bytes) or not path:
        raise ValueError(
            f"Argument `{name}` must be a non-empty path (a string). "
            f"Received: {name}={value!r}"
        )
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(
            f"Argument `{name}` must be a directory (it is created if "
            f"missing), but it is a file. Received: {name}={path!r}"
        )
    return path


def check_count(name: str, value) -> int:
    """Returns `value` if it is an `int` > 0; bools and floats are refused."""
    if (
        not isinstance(value, numbers.Integral)
        or isinstance(value, bool)
        or value <= 0
    ):
        raise ValueError(
            f"Argument `{name}` must be a positive integer. "
            f"Received: {name}={value!r}"
        )
    return int(value)
