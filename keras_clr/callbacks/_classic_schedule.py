"""The classic callback's formula, for step sizes that are not integral."""

import math

import keras
from keras import ops

from keras_clr import _validation
from keras_clr.schedules._momentum import BASE_MOMENTUM
from keras_clr.schedules._momentum import MAX_MOMENTUM
from keras_clr.schedules._momentum import MomentumSchedule
from keras_clr.schedules.cyclical import MODES
from keras_clr.schedules.cyclical import SCALE_MODES
from keras_clr.schedules.scale import check_scale_fn


@keras.saving.register_keras_serializable(package="keras_clr.callbacks")
class FractionalCyclicalLearningRate(
    keras.optimizers.schedules.LearningRateSchedule, MomentumSchedule
):
    """The classic `CyclicLR` callback's formula, with any step size.

    Private to `keras_clr.CyclicLR`, which uses it only when `step_size` is
    not integral (integral step sizes get `keras_clr.CyclicalLearningRate`,
    exact in integer arithmetic). As the classic callback, with `t` the
    step and `s` the step size, in float32:

    ```
    cycle = floor(1 + t / (2 s))
    x = |t / s - 2 cycle + 1|
    lr = base_lr + (max_lr - base_lr) * max(0, 1 - x) * scale
    ```

    Example:

    >>> from keras_clr.callbacks._classic_schedule import (
    ...     FractionalCyclicalLearningRate)
    >>> schedule = FractionalCyclicalLearningRate(0.0, 1.0, step_size=2.5)
    >>> [round(float(schedule(s)), 3) for s in (0, 1, 2, 3, 5)]
    [0.0, 0.4, 0.8, 0.8, 0.0]
    """

    def __init__(
        self,
        base_lr: float = 0.001,
        max_lr: float = 0.006,
        step_size: float = 2000.0,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn=None,
        scale_mode: str = "cycle",
        name: str = "FractionalCyclicalLearningRate",
    ):
        super().__init__()
        _validation.check_non_negative("base_lr", base_lr)
        _validation.check_finite("max_lr", max_lr)
        if max_lr < base_lr:
            raise ValueError(
                "Argument `max_lr` must be >= `base_lr`. "
                f"Received: base_lr={base_lr}, max_lr={max_lr}"
            )
        _validation.check_finite("step_size", step_size)
        if step_size <= 0:
            raise ValueError(
                f"Argument `step_size` must be > 0. Received: "
                f"step_size={step_size}"
            )
        _validation.check_string_choice("mode", mode, MODES)
        _validation.check_finite("gamma", gamma)
        if not 0 < gamma <= 1:
            raise ValueError(
                f"Argument `gamma` must be in (0, 1]. Received: gamma={gamma}"
            )
        _validation.check_string_choice("scale_mode", scale_mode, SCALE_MODES)
        self.base_lr = base_lr
        self.max_lr = max_lr
        self.step_size = float(step_size)
        self.mode = mode
        self.gamma = gamma
        self.scale_fn = check_scale_fn(scale_fn)
        self.scale_mode = scale_mode
        self.name = _validation.check_name("name", name)

    def _height(self, step):
        t = ops.cast(step, "float32")
        s = ops.convert_to_tensor(self.step_size, "float32")
        cycle = ops.floor(1.0 + t / (2.0 * s))
        x = ops.abs(t / s - 2.0 * cycle + 1.0)
        height = ops.maximum(0.0, 1.0 - x)
        if self.scale_fn is not None:
            arg = cycle if self.scale_mode == "cycle" else t
            return height * ops.cast(self.scale_fn(arg), "float32")
        if self.mode == "triangular2":
            return height / ops.power(2.0, cycle - 1.0)
        if self.mode == "exp_range":
            return height * ops.exp(t * math.log(self.gamma))
        return height

    def __call__(self, step):
        with keras.name_scope(self.name):
            base = ops.convert_to_tensor(self.base_lr, "float32")
            span = ops.convert_to_tensor(self.max_lr - self.base_lr, "float32")
            return base + span * self._height(step)

    def momentum(
        self,
        step,
        base_momentum: float = BASE_MOMENTUM,
        max_momentum: float = MAX_MOMENTUM,
    ):
        """High where the LR is low, and back (the LR's mirror image)."""
        with keras.name_scope(self.name):
            return max_momentum - (max_momentum - base_momentum) * (
                self._height(step)
            )

    def get_config(self):
        scale_fn = self.scale_fn
        if scale_fn is not None:
            scale_fn = keras.saving.serialize_keras_object(scale_fn)
        return {
            "base_lr": self.base_lr,
            "max_lr": self.max_lr,
            "step_size": self.step_size,
            "mode": self.mode,
            "gamma": self.gamma,
            "scale_fn": scale_fn,
            "scale_mode": self.scale_mode,
            "name": self.name,
        }
