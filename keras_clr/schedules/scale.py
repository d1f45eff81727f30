"""Custom scale policies: serializable factors on a cycle's amplitude.

The built-in policies are chosen by `mode`; a custom one, passed as
`scale_fn`, must be a function registered with
`keras.saving.register_keras_serializable` or a registered `ScalePolicy`
subclass, so that a model using it can be saved and loaded (Keras cannot
rebuild a lambda from a config).
"""

import types

import keras

_HOW_TO_REGISTER = (
    "A custom scale function must be serializable so that models using "
    "the schedule can be saved and loaded. Define a named function (not a "
    "lambda) and decorate it with "
    '`@keras.saving.register_keras_serializable(package="my_package")`, '
    "or subclass `keras_clr.ScalePolicy`, implement `get_config()`, and "
    "register the subclass the same way."
)


@keras.saving.register_keras_serializable(package="keras_clr")
class ScalePolicy:
    """Base class for serializable custom scale policies.

    For a policy with parameters (else a registered function will do).
    `__call__` takes a float tensor, the 1-based cycle (`scale_mode=
    "cycle"`) or the step, and returns the factor on the amplitude, with
    `keras.ops`.

    Example:

    >>> import keras
    >>> import keras_clr
    >>> @keras.saving.register_keras_serializable(package="my_package")
    ... class HalvingEvery(keras_clr.ScalePolicy):
    ...     def __init__(self, cycles=2):
    ...         self.cycles = cycles
    ...     def __call__(self, x):
    ...         return 0.5 ** keras.ops.floor((x - 1.0) / self.cycles)
    ...     def get_config(self):
    ...         return {"cycles": self.cycles}
    >>> schedule = keras_clr.CyclicalLearningRate(
    ...     base_lr=0.0, max_lr=1.0, step_size=2, scale_fn=HalvingEvery(2))
    >>> [round(float(schedule(s)), 3) for s in (2, 6, 10)]
    [1.0, 1.0, 0.5]

    Returns:
        From `__call__`: the amplitude factor, a float tensor; keep it in
        `[0, 1]` for the rate to stay within the schedule's bounds.

    Raises:
        NotImplementedError: From `__call__`, unless a subclass defines it.
    """

    def __call__(self, x):
        raise NotImplementedError(
            f"Scale policy '{self.__class__.__name__}' must override "
            "`__call__(self, x)`."
        )

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _is_registered(obj) -> bool:
    name = keras.saving.get_registered_name(obj)
    return keras.saving.get_registered_object(name) is obj


def check_scale_fn(scale_fn, required: bool = False):
    """Returns a usable scale policy (a serialized one is deserialized), or
    `None` where allowed; else raises a `ValueError`."""
    if scale_fn is None and not required:
        return None
    if isinstance(scale_fn, dict):
        scale_fn = keras.saving.deserialize_keras_object(scale_fn)
    if isinstance(scale_fn, type) or not callable(scale_fn):
        raise ValueError(
            "Argument `scale_fn` must be a callable (a registered function or "
            "a `keras_clr.ScalePolicy` instance). "
            f"Received: scale_fn={scale_fn!r}"
        )
    if isinstance(scale_fn, types.FunctionType):
        if scale_fn.__name__ == "<lambda>":
            raise ValueError(
                "Argument `scale_fn` cannot be a lambda. "
                f"{_HOW_TO_REGISTER} Received: scale_fn={scale_fn!r}"
            )
        registered = _is_registered(scale_fn)
    else:
        registered = hasattr(scale_fn, "get_config") and _is_registered(
            type(scale_fn)
        )
    if not registered:
        raise ValueError(
            "Argument `scale_fn` is not registered for Keras serialization. "
            f"{_HOW_TO_REGISTER} Received: scale_fn={scale_fn!r}"
        )
    return scale_fn
