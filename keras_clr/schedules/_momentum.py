"""What a keras_clr schedule is: the momentum protocol and the base class.

A schedule that can drive cyclical momentum subclasses `MomentumSchedule`;
everything else asks `supports_momentum(schedule)`, not attributes.
"""

import keras

from keras_clr.schedules import _ops

BASE_MOMENTUM = 0.85  # Smith's defaults: where the LR peaks,
MAX_MOMENTUM = 0.95  # and where it is lowest.


class MomentumSchedule:
    """Mixin for a learning-rate schedule that also defines a momentum."""

    def momentum(
        self,
        step,
        base_momentum: float = BASE_MOMENTUM,
        max_momentum: float = MAX_MOMENTUM,
    ):
        """The momentum at `step`: high where the LR is low, and back."""
        return self.lr_and_momentum(step, base_momentum, max_momentum)[1]

    def lr_and_momentum(
        self,
        step,
        base_momentum: float = BASE_MOMENTUM,
        max_momentum: float = MAX_MOMENTUM,
    ):
        """`(self(step), self.momentum(step, ...))`, which the cyclical-
        momentum optimizers call once per step. A subclass overrides this
        or `momentum` (this where LR and momentum share work)."""
        return self(step), self.momentum(step, base_momentum, max_momentum)


def supports_momentum(schedule) -> bool:
    """True if `schedule` can drive cyclical momentum."""
    return isinstance(schedule, MomentumSchedule)


class Schedule(
    keras.optimizers.schedules.LearningRateSchedule, MomentumSchedule
):
    """Base of keras_clr's schedules: `__call__` checks the step is given
    and opens the name scope around `_lr(step)`; the config is the
    constructor's arguments (`_ops.get_config`, `_ops.from_config`)."""

    _tf_keras_twin = None  # The class a tf_keras optimizer needs instead.
    _optional_keys = ()  # Keys an older release's configs may lack.

    def __call__(self, step=None):
        if step is None:
            raise _ops.missing_step(self, self._tf_keras_twin)
        with keras.name_scope(self.name):
            return self._lr(step)

    def get_config(self) -> dict:
        return _ops.get_config(self)

    @classmethod
    def from_config(cls, config: dict):
        return _ops.from_config(cls, config, cls._optional_keys)
