"""Small `keras.ops` helpers shared by the schedules."""

import keras
import numpy as np
from keras import ops


def constant(value, dtype):
    # Not ops.cast: that would round a Python float through float32 first.
    return ops.convert_to_tensor(value, dtype=dtype)


def float_dtype(value) -> str:
    """The dtype of a NumPy float, else `keras.config.floatx()`."""
    dtype = keras.backend.standardize_dtype(getattr(value, "dtype", "int"))
    return dtype if "float" in dtype else keras.config.floatx()


def json_number(value):
    """`value` as a JSON-serializable number (NumPy float64 already is)."""
    if isinstance(value, (int, float)):
        return value
    return float(value) if isinstance(value, np.floating) else int(value)


def integer_step(step):
    """The step as an integer tensor; float steps are floored."""
    step = ops.convert_to_tensor(step)
    if "int" in keras.backend.standardize_dtype(step.dtype):
        return step
    return ops.cast(ops.floor(step), widest_int())


def widest_int() -> str:
    if keras.backend.backend() == "jax":
        import jax

        if not jax.config.jax_enable_x64:
            return "int32"
    return "int64"
