"""Argument checks that raise `ValueError` in the Keras form."""

import math
import numbers


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_finite(name: str, value):
    """Returns `value` if it is a finite real number, else raises."""
    if not _is_number(value):
        raise ValueError(
            f"Argument `{name}` must be a finite number. "
            f"Received: {name}={value!r}"
        )
    if not math.isfinite(float(value)):
        raise ValueError(
            f"Argument `{name}` must be a finite number. "
            f"Received: {name}={value}"
        )
    return value


def check_non_negative(name: str, value):
    check_finite(name, value)
    if value < 0:
        raise ValueError(
            f"Argument `{name}` must be >= 0. Received: {name}={value}"
        )
    return value


def check_positive_int(name: str, value) -> int:
    """Returns `value` as an `int`; integral floats such as `2000.` pass."""
    check_finite(name, value)
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
    return int(value)


def check_int_at_least(name: str, value, minimum: int) -> int:
    """Returns `value` as an `int` if it is an integer >= `minimum`."""
    check_finite(name, value)
    if value < minimum or int(value) != value:
        raise ValueError(
            f"Argument `{name}` must be an integer >= {minimum}. "
            f"Received: {name}={value}"
        )
    return int(value)


def check_choice(name: str, value, allowed):
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(
            f"Argument `{name}` must be one of {choices}. "
            f"Received: {name}={value!r}"
        )
    return value


def check_name(name: str, value) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(
            f"Argument `{name}` must be a non-empty string. "
            f"Received: {name}={value!r}"
        )
    return value


def check_bool(name: str, value) -> bool:
    """Returns `value` if it is a Python or NumPy bool, else raises."""
    if not isinstance(value, bool) and type(value).__name__ != "bool_":
        raise ValueError(
            f"Argument `{name}` must be True or False. "
            f"Received: {name}={value!r}"
        )
    return bool(value)


def check_string_choice(name: str, value, allowed):
    """`check_choice` for strings: a non-string (a tensor) is refused."""
    if not isinstance(value, str):
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(
            f"Argument `{name}` must be a string, one of {choices}. "
            f"Received: {name}={value!r} of type {type(value).__name__}"
        )
    return check_choice(name, value, allowed)
