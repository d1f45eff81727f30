"""Small `keras.ops` helpers shared by the schedules, and their configs.

Steps: integers are widened exactly to int64 (int32 on JAX without x64),
unsigned ones that would wrap are refused, negative steps count as 0;
float steps are floored (NaN for NaN, infinite or too large).
"""

import inspect
import math
import numbers

import keras
import numpy as np
from keras import ops

_UNSIGNED_LIMITS = {"uint8": 8, "uint16": 16, "uint32": 32, "uint64": 64}


def constant(value, dtype):
    # Not ops.cast: that would round a Python float through float32 first.
    return ops.convert_to_tensor(value, dtype=dtype)


def float_dtype(value) -> str:
    """The dtype of a NumPy float, else `keras.config.floatx()`."""
    dtype = keras.backend.standardize_dtype(getattr(value, "dtype", "int"))
    return dtype if "float" in dtype else keras.config.floatx()


def _arguments(cls):
    return [
        p.name
        for p in inspect.signature(cls).parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]


def get_config(schedule) -> dict:
    """The constructor's arguments, each read from the attribute of its
    name (constructors store Python numbers), as JSON values."""
    config = {}
    for key in _arguments(type(schedule)):
        value = getattr(schedule, key)
        if isinstance(value, keras.Variable):
            value = float(ops.convert_to_numpy(value))
        elif callable(value):  # A schedule or a scale policy.
            value = keras.saving.serialize_keras_object(value)
        config[key] = value
    return config


def from_config(cls, config: dict, optional=()):
    """`cls(**config)` if `config` has every key `get_config` writes (but
    the `optional` ones, absent from older releases' files) and no other;
    else a `ValueError` naming the class and the keys."""
    keys = _arguments(cls)
    missing = [k for k in keys if k not in config and k not in optional]
    unknown = [k for k in config if k not in keys]
    if missing or unknown:
        problems = [
            f"{what} key(s) {', '.join(map(repr, found))}"
            for what, found in (("missing", missing), ("unknown", unknown))
            if found
        ]
        raise ValueError(
            f"Cannot build a `{cls.__name__}` from this config: "
            f"{'; '.join(problems)}. Its keys are {', '.join(keys)}, as "
            f"`get_config()` writes them. Received: config={config!r}"
        )
    return cls(**config)


def widest_int() -> str:
    """int64, or int32 on JAX without `jax_enable_x64`."""
    # JAX without x64 has no 64-bit integers (nor floats).
    if keras.backend.backend() == "jax":
        import jax

        if not jax.config.jax_enable_x64:
            return "int32"
    return "int64"


def work_dtype() -> str:
    """The float dtype of the schedules' arithmetic before their last
    rounding: float64, or float32 where the backend has no float64."""
    return "float64" if widest_int() == "int64" else "float32"


def int_max(dtype) -> int:
    return int(np.iinfo(keras.backend.standardize_dtype(dtype)).max)


def _host_step(step):
    """A Python or NumPy step as (NumPy int array, NumPy bool mask or None)."""
    array = np.asarray(step)
    if array.dtype.kind == "b":
        raise ValueError(f"A step must be a number. Received: step={step!r}")
    widest = widest_int()
    top = int_max(widest)
    if array.dtype.kind in "iu" or isinstance(step, numbers.Integral):
        if array.dtype == object or array.size and array.max() > top:
            raise ValueError(
                f"A step must be at most {top}, the largest value of the "
                f"step counter ({widest}). Received: step={step!r}"
            )
        return np.maximum(array, 0).astype(widest), None
    array = array.astype(np.float64)
    floored = np.floor(array)
    valid = np.isfinite(floored) & (floored <= top)
    steps = np.where(valid, np.maximum(floored, 0.0), 0.0).astype(widest)
    return steps, (None if valid.all() else ~valid)


def _tensor_step(step):
    """A tensor step as (integer tensor, bool tensor or None)."""
    dtype = keras.backend.standardize_dtype(step.dtype)
    widest = widest_int()
    if dtype == "bool" or not ("int" in dtype or "float" in dtype):
        raise ValueError(
            f"A step must be an integer or float tensor. Received a tensor "
            f"of dtype {dtype}."
        )
    if dtype in _UNSIGNED_LIMITS:
        if _UNSIGNED_LIMITS[dtype] >= int(widest[3:]):
            raise ValueError(
                f"Steps of dtype {dtype} cannot be widened to {widest} "
                f"without wrapping around. Pass the step as {widest} (Keras' "
                "`optimizer.iterations` already is)."
            )
        return ops.cast(step, widest), None  # Never negative.
    if "int" in dtype:
        if dtype != widest:
            step = ops.cast(step, widest)
        return clip(step, 0, None), None
    floored = floor(step)
    # 2**31 and 2**63 are exact in every float dtype, unlike int_max.
    limit = constant(float(int_max(widest)) + 1.0, dtype)
    valid = ops.logical_and(ops.isfinite(floored), floored < limit)
    zero = ops.zeros_like(floored)
    floored = ops.where(ops.logical_and(valid, floored > zero), floored, zero)
    return ops.cast(floored, widest), ops.logical_not(valid)


def _torch():
    """The torch module on the PyTorch backend, else None."""
    # Keras 3.15's ops.floor, floor_divide, maximum and minimum narrow int64
    # to int32 and float64 to float32 on torch.
    if keras.backend.backend() == "torch":
        import torch

        return torch


def floor(x):
    """`ops.floor` that keeps float64."""
    return torch.floor(x) if (torch := _torch()) else ops.floor(x)


def floor_divide(a, b):
    """Integer floor division that keeps int64."""
    if torch := _torch():
        return torch.div(a, b, rounding_mode="floor")
    return ops.floor_divide(a, b)


def clip(x, low, high):
    """Clips a tensor to `[low, high]` (either may be None), in its dtype;
    for integers, bounds beyond the dtype's range are left out."""
    if "int" in keras.backend.standardize_dtype(x.dtype):
        top = int_max(x.dtype)
        low = None if low is None or low <= -top - 1 else low
        high = None if high is None or high >= top else high
    if low is None and high is None:
        return x
    if torch := _torch():
        return torch.clamp(x, min=low, max=high)
    if high is not None:
        x = ops.minimum(x, constant(high, x.dtype))
    if low is not None:
        x = ops.maximum(x, constant(low, x.dtype))
    return x


def normalize_step(step):
    """The step as `(integer tensor >= 0, invalid mask or None)`; the mask
    (float steps only) is true where the caller returns NaN."""
    if isinstance(step, (numbers.Number, np.ndarray, np.generic, list)):
        steps, invalid = _host_step(step)
        steps = ops.convert_to_tensor(steps, dtype=widest_int())
        if invalid is not None:
            invalid = ops.convert_to_tensor(invalid)
        return steps, invalid
    return _tensor_step(ops.convert_to_tensor(step))


def integer_step(step):
    """The step as a non-negative integer tensor (float steps floored)."""
    return normalize_step(step)[0]


def lerp(w, at_0, at_1):
    """`at_0 + (at_1 - at_0) * w` in `w`'s dtype, the difference taken in
    float64 (Python floats)."""
    span = constant(float(at_1) - float(at_0), w.dtype)
    return constant(at_0, w.dtype) + span * w


def nan_where(invalid, value):
    """`value`, with NaN where the step had no integer meaning."""
    if invalid is None:
        return value
    nan = ops.full_like(value, math.nan)
    return ops.where(invalid, nan, value)


def missing_step(schedule, twin: str | None = None) -> TypeError:
    """The error for a schedule called without a step, as tf_keras (Keras 2)
    optimizers call it; `twin` names the class to use with them instead."""
    name = type(schedule).__name__
    advice = f" With a tf_keras optimizer, use `{twin}`." if twin else ""
    return TypeError(
        f"`keras_clr` schedule {name} was called without a step: it is a "
        "Keras 3 schedule, and a tf_keras (Keras 2) optimizer calls its "
        f"learning rate with no argument. Call it as `schedule(step)`.{advice}"
    )
