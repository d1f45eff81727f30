"""Smith's one-cycle learning rate policy, with PyTorch `OneCycleLR` numbers."""

import math

import keras
from keras import ops

from keras_clr import _validation
from keras_clr.schedules._momentum import MomentumSchedule
from keras_clr.schedules._ops import constant
from keras_clr.schedules._ops import float_dtype
from keras_clr.schedules._ops import integer_step
from keras_clr.schedules._ops import json_number

ANNEAL_STRATEGIES = ("cos", "linear")


@keras.saving.register_keras_serializable(package="keras_clr")
class OneCycle(
    keras.optimizers.schedules.LearningRateSchedule, MomentumSchedule
):
    """The one-cycle learning rate policy (Smith & Topin, 2017).

    Use it for a run of known length: the learning rate warms up from
    `max_lr / div_factor` to `max_lr`, then anneals to a minimum far below
    the start, which Smith found trains in far fewer steps ("super-
    convergence"). The numbers are those of PyTorch's `OneCycleLR`, except
    that past `total_steps` the rate holds its minimum instead of raising.

    With `initial = max_lr / div_factor`,
    `minimum = initial / final_div_factor` and `p = pct_start * total_steps`,
    the phases end at these (possibly fractional) steps:

    - two-phase: `initial -> max_lr` until step `p - 1`, then
      `max_lr -> minimum` until step `total_steps - 1`;
    - three-phase: `initial -> max_lr` until `p - 1`, `max_lr -> initial`
      until `2p - 2`, then `initial -> minimum` until `total_steps - 1`.

    Inside a phase from step `a` (the previous phase's end, or 0) to `b`,
    going from `lr_a` to `lr_b`, with `f = (step - a) / (b - a)`:

    ```
    lr = lr_a + (lr_b - lr_a) * f                     anneal "linear"
         lr_b + (lr_a - lr_b) * (1 + cos(pi * f)) / 2  anneal "cos"
    ```

    Example:

    >>> import keras
    >>> import keras_clr
    >>> schedule = keras_clr.OneCycle(
    ...     max_lr=25.0, total_steps=10, div_factor=25.0,
    ...     final_div_factor=2.0, anneal_strategy="linear")
    >>> [round(float(schedule(s)), 4) for s in range(10)]
    [1.0, 13.0, 25.0, 21.5, 18.0, 14.5, 11.0, 7.5, 4.0, 0.5]
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule),
    ...               loss="mse")

    Args:
        max_lr: Peak learning rate. Float, `> 0`.
        total_steps: Length of the cycle in optimizer steps. Positive
            integer. `OneCycle.from_epochs` computes it from epochs and
            steps per epoch.
        pct_start: Fraction of the steps spent warming up, in `(0, 1)`;
            below `0.5` with `three_phase=True`.
        anneal_strategy: `"cos"` or `"linear"`.
        div_factor: `initial = max_lr / div_factor`. Float, `> 0`.
        final_div_factor: `minimum = initial / final_div_factor`. Float,
            `> 0`.
        three_phase: Whether to come back down to `initial` symmetrically
            before the final anneal (fastai's and Smith's shape) rather than
            anneal straight from the peak to the minimum (PyTorch's default).
        name: Name of the operation.

    Returns:
        A 1-arg callable that takes the optimizer step and returns the
        learning rate, a scalar tensor of dtype `keras.config.floatx()`.

    Raises:
        ValueError: If an argument is out of range or not an allowed value.

    References:
        - Smith & Topin, "Super-Convergence: Very Fast Training of Neural
          Networks Using Large Learning Rates", 2017, arXiv:1708.07120.
        - Smith, "A disciplined approach to neural network hyper-parameters",
          2018, arXiv:1803.09820.
    """

    def __init__(
        self,
        max_lr: float,
        total_steps: int,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        name: str = "OneCycle",
    ):
        super().__init__()
        self.max_lr = max_lr
        self.total_steps = total_steps
        self.pct_start = pct_start
        self.anneal_strategy = anneal_strategy
        self.div_factor = div_factor
        self.final_div_factor = final_div_factor
        self.three_phase = three_phase
        self.name = name
        self._validate()

    @classmethod
    def from_epochs(
        cls, max_lr: float, epochs: int, steps_per_epoch: int, **kwargs
    ) -> "OneCycle":
        """A `OneCycle` over `epochs * steps_per_epoch` steps.

        >>> import keras_clr
        >>> keras_clr.OneCycle.from_epochs(0.1, epochs=5,
        ...                                steps_per_epoch=600).total_steps
        3000
        """
        epochs = _validation.check_positive_int("epochs", epochs)
        steps_per_epoch = _validation.check_positive_int(
            "steps_per_epoch", steps_per_epoch
        )
        return cls(max_lr, epochs * steps_per_epoch, **kwargs)

    def _validate(self):
        _validation.check_finite("max_lr", self.max_lr)
        if self.max_lr <= 0:
            raise ValueError(
                f"Argument `max_lr` must be > 0. Received: max_lr={self.max_lr}"
            )
        self.total_steps = _validation.check_positive_int(
            "total_steps", self.total_steps
        )
        _validation.check_finite("pct_start", self.pct_start)
        if not 0 < self.pct_start < 1:
            raise ValueError(
                "Argument `pct_start` must be in (0, 1). "
                f"Received: pct_start={self.pct_start}"
            )
        _validation.check_choice(
            "anneal_strategy", self.anneal_strategy, ANNEAL_STRATEGIES
        )
        for arg in ("div_factor", "final_div_factor"):
            value = _validation.check_finite(arg, getattr(self, arg))
            if value <= 0:
                raise ValueError(
                    f"Argument `{arg}` must be > 0. Received: {arg}={value}"
                )
        if not isinstance(self.three_phase, bool):
            raise ValueError(
                "Argument `three_phase` must be True or False. "
                f"Received: three_phase={self.three_phase!r}"
            )
        if self.three_phase and self.pct_start >= 0.5:
            raise ValueError(
                "With `three_phase=True`, argument `pct_start` must be < 0.5 "
                "so that the warm-up and its mirror fit in the run. "
                f"Received: pct_start={self.pct_start}"
            )
        _validation.check_name("name", self.name)

    @property
    def initial_lr(self) -> float:
        return self.max_lr / self.div_factor

    @property
    def min_lr(self) -> float:
        return self.initial_lr / self.final_div_factor

    def phases(self):
        """`(end_step, start_lr, end_lr)` of each phase, as in PyTorch."""
        lrs = [self.initial_lr, self.max_lr, self.min_lr]
        if self.three_phase:
            lrs = [self.initial_lr, self.max_lr, self.initial_lr, self.min_lr]
        ends = self._phase_ends()
        return [(ends[i], lrs[i], lrs[i + 1]) for i in range(len(ends))]

    def _phase_ends(self):
        warmup = self.pct_start * self.total_steps
        if self.three_phase:
            return [warmup - 1, 2 * warmup - 2, self.total_steps - 1]
        return [warmup - 1, self.total_steps - 1]

    def __call__(self, step):
        with keras.name_scope(self.name):
            lrs = [start for _, start, _ in self.phases()] + [self.min_lr]
            return self._interpolate(step, lrs, float_dtype(self.max_lr))

    def momentum(
        self, step, base_momentum: float = 0.85, max_momentum: float = 0.95
    ):
        """The cyclical momentum at `step`, as in PyTorch's `OneCycleLR`.

        `max_momentum` at the start, `base_momentum` at the LR's peak, back
        to `max_momentum` as the LR anneals (and held there through the
        third phase). Optimizers made with `keras_clr.cyclical_momentum`
        read it at every step.
        """
        with keras.name_scope(self.name):
            values = [max_momentum, base_momentum, max_momentum]
            if self.three_phase:
                values.append(max_momentum)
            return self._interpolate(step, values, keras.config.floatx())

    def _interpolate(self, step, values, dtype):
        """Anneals from `values[i]` to `values[i + 1]` over phase `i`."""
        # Past the end the value holds; clipping first also keeps the
        # integer arithmetic below from overflowing.
        step = ops.clip(integer_step(step), 0, self.total_steps)
        anneal = _cosine if self.anneal_strategy == "cos" else _linear
        ends = self._phase_ends()
        starts = [0.0] + ends[:-1]
        result = None
        # From the last phase back: an earlier phase takes every step up to
        # its end, as PyTorch picks the first phase that isn't over.
        for i in reversed(range(len(ends))):
            value = anneal(
                constant(values[i], dtype),
                constant(values[i + 1], dtype),
                _fraction(step, starts[i], ends[i], dtype),
            )
            if result is None:
                result = value
            else:
                in_phase = step <= constant(math.floor(ends[i]), step.dtype)
                result = ops.where(in_phase, value, result)
        return result

    def get_config(self):
        return {
            "max_lr": json_number(self.max_lr),
            "total_steps": self.total_steps,
            "pct_start": json_number(self.pct_start),
            "anneal_strategy": self.anneal_strategy,
            "div_factor": json_number(self.div_factor),
            "final_div_factor": json_number(self.final_div_factor),
            "three_phase": self.three_phase,
            "name": self.name,
        }


def _fraction(step, start: float, end: float, dtype):
    """How far `step` is from `start` to `end`, clipped to [0, 1]."""
    if end <= start:
        return constant(1.0, dtype)  # An empty phase is over at once.
    # The integer part of `step - start` is formed in integers: exact.
    whole = math.floor(start)
    offset = ops.cast(step - constant(whole, step.dtype), dtype)
    offset = offset - constant(start - whole, dtype)
    return ops.clip(offset / constant(end - start, dtype), 0.0, 1.0)


def _linear(start, end, fraction):
    return start + (end - start) * fraction


def _cosine(start, end, fraction):
    return end + (start - end) * 0.5 * (1.0 + ops.cos(math.pi * fraction))
