"""A schedule moved in time and scaled in height, while training runs."""

import keras
from keras import ops

from keras_clr import _validation
from keras_clr.schedules import _ops
from keras_clr.schedules._momentum import BASE_MOMENTUM
from keras_clr.schedules._momentum import MAX_MOMENTUM
from keras_clr.schedules._momentum import Schedule


@keras.saving.register_keras_serializable(package="keras_clr")
class AdjustedSchedule(Schedule):
    """A schedule moved in time and scaled in height, while training runs.

    Restarts a schedule at a later step or lowers it without rebuilding
    the optimizer, as `CyclicLR.reset()` and `ReduceLRBoundsOnPlateau` do.
    `scale` is a variable read in the compiled step; `get_config` stores
    its current value.

    ```
    lr(t) = scale * schedule(max(t - start_step, 0))
    ```

    Example:

    >>> import keras_clr
    >>> clr = keras_clr.CyclicalLearningRate(0.1, 0.5, step_size=2)
    >>> adjusted = keras_clr.AdjustedSchedule(clr, scale=0.5, start_step=10)
    >>> [round(float(adjusted(s)), 3) for s in (10, 11, 12)]
    [0.05, 0.15, 0.25]

    Args:
        schedule: The schedule to adjust (a serialized one is accepted).
        scale: Factor on the learning rate, `> 0`, finite in float32.
        start_step: Step at which the wrapped schedule's step 0 falls: an
            integer from 0 to `2**63 - 1`.
        name: Name of the operation.

    Returns:
        A callable of the optimizer step: the LR, in the schedule's dtype.

    Raises:
        ValueError: If `schedule` is not a `LearningRateSchedule`, or
            `scale` or `start_step` is out of range.
    """

    def __init__(
        self,
        schedule,
        scale: float = 1.0,
        start_step: int = 0,
        name: str = "AdjustedSchedule",
    ):
        super().__init__()
        if isinstance(schedule, dict):
            schedule = keras.saving.deserialize_keras_object(schedule)
        if not isinstance(
            schedule, keras.optimizers.schedules.LearningRateSchedule
        ):
            raise ValueError(
                "Argument `schedule` must be a `LearningRateSchedule`. "
                f"Received: schedule={schedule!r}"
            )
        scale = _validation.check_float32("scale", scale)
        _validation.check_positive("scale", scale)
        self.schedule = schedule
        self.start_step = _validation.check_int_at_least(
            "start_step", start_step, 0
        )
        self.name = _validation.check_name("name", name)
        self.scale = keras.Variable(
            float(scale), dtype="float32", trainable=False, name="lr_scale"
        )

    def _shifted(self, step):
        step, invalid = _ops.normalize_step(step)
        if not self.start_step:
            return step, invalid
        if self.start_step > _ops.int_max(step.dtype):
            return ops.zeros_like(step), invalid  # Never reached.
        # `step - start_step`, floored at 0 (the wrapped schedule's start).
        step = _ops.clip(step, self.start_step, None)
        return step - _ops.constant(self.start_step, step.dtype), invalid

    def _lr(self, step):
        step, invalid = self._shifted(step)
        lr = self.schedule(step)
        return _ops.nan_where(invalid, lr * ops.cast(self.scale, lr.dtype))

    def lr_and_momentum(
        self,
        step,
        base_momentum: float = BASE_MOMENTUM,
        max_momentum: float = MAX_MOMENTUM,
    ):
        """The wrapped schedule's LR and momentum, moved by `start_step`
        (the LR scaled by `scale`)."""
        with keras.name_scope(self.name):
            step, invalid = self._shifted(step)
            lr, momentum = self.schedule.lr_and_momentum(
                step, base_momentum, max_momentum
            )
            lr = _ops.nan_where(invalid, lr * ops.cast(self.scale, lr.dtype))
            return lr, _ops.nan_where(invalid, momentum)
