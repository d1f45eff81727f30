"""Drop-ins for TensorFlow Addons' cyclical learning rates.

`tfa.optimizers.TriangularCyclicalLearningRate` and its siblings with the
same argument names, defaults and values, so migrating is an import change.
They are `CyclicalLearningRate`s underneath, so they run on every backend,
accept int64 steps and serialize without custom objects.
"""

import keras

from keras_clr.schedules.cyclical import CyclicalLearningRate


class _AddonsCyclicalLearningRate(CyclicalLearningRate):
    _base_lr_arg = "initial_learning_rate"
    _max_lr_arg = "maximal_learning_rate"

    @property
    def initial_learning_rate(self):
        return self.base_lr

    @property
    def maximal_learning_rate(self):
        return self.max_lr

    def get_config(self):
        config = super().get_config()
        return {
            "initial_learning_rate": config["base_lr"],
            "maximal_learning_rate": config["max_lr"],
            "step_size": self.step_size,
            "scale_mode": self.scale_mode,
            "name": self.name,
        }


@keras.saving.register_keras_serializable(package="keras_clr")
class TriangularCyclicalLearningRate(_AddonsCyclicalLearningRate):
    """TF Addons' `TriangularCyclicalLearningRate`, for Keras 3.

    A `keras_clr.CyclicalLearningRate` with `mode="triangular"` and TF
    Addons' argument names.

    Example:

    >>> import keras_clr
    >>> schedule = keras_clr.TriangularCyclicalLearningRate(
    ...     initial_learning_rate=0.1, maximal_learning_rate=1.0,
    ...     step_size=40)
    >>> [round(float(schedule(s)), 4) for s in (20, 40, 80)]
    [0.55, 1.0, 0.1]

    Args:
        initial_learning_rate: Lower bound, and the rate at step 0.
        maximal_learning_rate: Upper bound.
        step_size: Steps in half a cycle.
        scale_mode: `"cycle"` or `"iterations"`; with a constant amplitude
            both give the same values.
        name: Name of the operation.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        maximal_learning_rate: float,
        step_size: int,
        scale_mode: str = "cycle",
        name: str = "TriangularCyclicalLearningRate",
    ):
        super().__init__(
            base_lr=initial_learning_rate,
            max_lr=maximal_learning_rate,
            step_size=step_size,
            mode="triangular",
            scale_mode=scale_mode,
            name=name,
        )


@keras.saving.register_keras_serializable(package="keras_clr")
class Triangular2CyclicalLearningRate(_AddonsCyclicalLearningRate):
    """TF Addons' `Triangular2CyclicalLearningRate`, for Keras 3.

    A `keras_clr.CyclicalLearningRate` with `mode="triangular2"`: the
    amplitude halves every cycle.

    Example:

    >>> import keras_clr
    >>> schedule = keras_clr.Triangular2CyclicalLearningRate(
    ...     initial_learning_rate=0.1, maximal_learning_rate=1.0,
    ...     step_size=30)
    >>> [round(float(schedule(s)), 4) for s in (30, 90, 150)]
    [1.0, 0.55, 0.325]

    Args:
        initial_learning_rate: Lower bound, and the rate at step 0.
        maximal_learning_rate: Peak of the first cycle.
        step_size: Steps in half a cycle.
        scale_mode: `"cycle"` (halve per cycle) or `"iterations"` (TF
            Addons' `1 / 2**(step - 1)`, which vanishes within a few steps).
        name: Name of the operation.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        maximal_learning_rate: float,
        step_size: int,
        scale_mode: str = "cycle",
        name: str = "Triangular2CyclicalLearningRate",
    ):
        super().__init__(
            base_lr=initial_learning_rate,
            max_lr=maximal_learning_rate,
            step_size=step_size,
            mode="triangular2",
            scale_mode=scale_mode,
            name=name,
        )


@keras.saving.register_keras_serializable(package="keras_clr")
class ExponentialCyclicalLearningRate(_AddonsCyclicalLearningRate):
    """TF Addons' `ExponentialCyclicalLearningRate`, for Keras 3.

    A `keras_clr.CyclicalLearningRate` with `mode="exp_range"`: the
    amplitude is multiplied by `gamma**step` (or `gamma**cycle` with
    `scale_mode="cycle"`). Unlike TF Addons it accepts int64 steps.

    Example:

    >>> import keras_clr
    >>> schedule = keras_clr.ExponentialCyclicalLearningRate(
    ...     initial_learning_rate=0.0, maximal_learning_rate=1.0,
    ...     step_size=10, gamma=0.5)
    >>> round(float(schedule(10)), 8)
    0.00097656

    Args:
        initial_learning_rate: Lower bound, and the rate at step 0.
        maximal_learning_rate: Upper bound before scaling.
        step_size: Steps in half a cycle.
        scale_mode: `"iterations"` (default) or `"cycle"`.
        gamma: Decay factor in `(0, 1]`.
        name: Name of the operation.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        maximal_learning_rate: float,
        step_size: int,
        scale_mode: str = "iterations",
        gamma: float = 1.0,
        name: str = "ExponentialCyclicalLearningRate",
    ):
        super().__init__(
            base_lr=initial_learning_rate,
            max_lr=maximal_learning_rate,
            step_size=step_size,
            mode="exp_range",
            gamma=gamma,
            scale_mode=scale_mode,
            name=name,
        )

    def get_config(self):
        config = super().get_config()
        config["gamma"] = CyclicalLearningRate.get_config(self)["gamma"]
        return config
