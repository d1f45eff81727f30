"""The momentum protocol shared by keras_clr's schedules.

A schedule that can drive cyclical momentum subclasses `MomentumSchedule`
and implements `momentum(step, base_momentum, max_momentum)` (and, where
the two share work, `lr_and_momentum`). Everything
else asks `supports_momentum(schedule)` rather than probing attributes.
"""

BASE_MOMENTUM = 0.85
"""Smith's default lower momentum (used where the learning rate peaks)."""

MAX_MOMENTUM = 0.95
"""Smith's default upper momentum (used where the learning rate is lowest)."""


class MomentumSchedule:
    """Mixin for a learning-rate schedule that also defines a momentum."""

    def momentum(
        self,
        step,
        base_momentum: float = BASE_MOMENTUM,
        max_momentum: float = MAX_MOMENTUM,
    ):
        """The momentum at `step`: high where the LR is low, and back."""
        raise NotImplementedError

    def lr_and_momentum(
        self,
        step,
        base_momentum: float = BASE_MOMENTUM,
        max_momentum: float = MAX_MOMENTUM,
    ):
        """`(self(step), self.momentum(step, ...))`.

        The cyclical-momentum optimizers call this once per step; a
        schedule whose LR and momentum share work overrides it to compute
        both at once (same values, fewer ops).
        """
        return self(step), self.momentum(step, base_momentum, max_momentum)


def supports_momentum(schedule) -> bool:
    """True if `schedule` can drive cyclical momentum."""
    return isinstance(schedule, MomentumSchedule)
