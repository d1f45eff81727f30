"""Smith's one-cycle learning rate policy, with PyTorch `OneCycleLR` numbers."""

import math

import keras
from keras import ops

from keras_clr import _validation
from keras_clr.schedules import _ops
from keras_clr.schedules._momentum import BASE_MOMENTUM
from keras_clr.schedules._momentum import MAX_MOMENTUM
from keras_clr.schedules._momentum import Schedule

ANNEAL_STRATEGIES = ("cos", "linear")


@keras.saving.register_keras_serializable(package="keras_clr")
class OneCycle(Schedule):
    """The one-cycle learning rate policy (Smith & Topin, 2017).

    For a run of known length: the LR warms up to `max_lr`, then anneals
    far below its start, with PyTorch's `OneCycleLR` numbers (holding its
    minimum past `total_steps`). With `initial = max_lr / div_factor`,
    `minimum = initial / final_div_factor`, `p = pct_start * total_steps`:

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

    Within float32 rounding of PyTorch's formulas in float64, exactly
    `min_lr` from step `total_steps - 1` on.

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
        max_lr: Peak learning rate. Float, `> 0`, finite in float32.
        total_steps: Steps of the cycle, a positive integer up to
            `2**63 - 1` (`OneCycle.from_epochs` computes it).
        pct_start: Fraction of the steps spent warming up, in `(0, 1)`;
            below `0.5` with `three_phase=True`.
        anneal_strategy: `"cos"` or `"linear"`.
        div_factor: `initial = max_lr / div_factor`. Float, `> 0`.
        final_div_factor: `minimum = initial / final_div_factor`. Float,
            `> 0`.
        three_phase: Come back down to `initial` before the final anneal
            (Smith's shape), not straight to the minimum (PyTorch's).
        name: Name of the operation.

    Returns:
        A callable of the optimizer step: the LR, a `floatx()` scalar.

    Raises:
        ValueError: If an argument is out of range or not an allowed value.
            `from_config` also raises it for a missing or unknown key.

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
        self.max_lr = _validation.check_float32("max_lr", max_lr)
        _validation.check_positive("max_lr", max_lr)
        self.total_steps = _validation.check_positive_int(
            "total_steps", total_steps
        )
        self.pct_start = _validation.check_in_range(
            "pct_start", pct_start, 0, 1, high_open=True
        )
        self.anneal_strategy = _validation.check_choice(
            "anneal_strategy", anneal_strategy, ANNEAL_STRATEGIES
        )
        self.div_factor = _validation.check_positive("div_factor", div_factor)
        self.final_div_factor = _validation.check_positive(
            "final_div_factor", final_div_factor
        )
        # The derived rates are bounds too: finite in float32.
        for arg, value, formula in (
            ("div_factor", self.initial_lr, "max_lr / div_factor"),
            ("final_div_factor", self.min_lr, "initial_lr / final_div_factor"),
        ):
            if not abs(value) <= _validation.FLOAT32_MAX:
                raise ValueError(
                    f"Argument `{arg}` is too small: `{formula}` must be "
                    "finite in float32, the learning rate's dtype. Received: "
                    f"max_lr={max_lr}, div_factor={div_factor}, "
                    f"final_div_factor={final_div_factor}"
                )
        self.three_phase = _validation.check_bool("three_phase", three_phase)
        if self.three_phase and self.pct_start >= 0.5:
            raise ValueError(
                "With `three_phase=True`, argument `pct_start` must be < 0.5 "
                "so that the warm-up and its mirror fit in the run. "
                f"Received: pct_start={pct_start}"
            )
        self.name = _validation.check_name("name", name)
        self._dtype = _ops.float_dtype(max_lr)  # The argument's, e.g. float64.

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

    @property
    def initial_lr(self) -> float:
        """The rate at step 0: `max_lr / div_factor`."""
        return self.max_lr / self.div_factor

    @property
    def min_lr(self) -> float:
        """The rate at and after the last step (exactly, rounded once):
        `max_lr / (div_factor * final_div_factor)`."""
        return self.max_lr / (self.div_factor * self.final_div_factor)

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

    _tf_keras_twin = "keras_clr.tf_keras.OneCycle"

    def _lr(self, step):
        lrs = [start for _, start, _ in self.phases()] + [self.min_lr]
        return self._anneal(step, lrs, self._dtype)

    def momentum(
        self,
        step,
        base_momentum: float = BASE_MOMENTUM,
        max_momentum: float = MAX_MOMENTUM,
    ):
        """The momentum at `step`, as PyTorch's `OneCycleLR`'s: a scalar
        tensor of dtype `keras.config.floatx()`, `max_momentum` at the
        start, `base_momentum` at the LR's peak, back to `max_momentum` as
        the LR anneals (and held there through a third phase)."""
        values = [max_momentum, base_momentum, max_momentum]
        if self.three_phase:
            values.append(max_momentum)
        with keras.name_scope(self.name):
            return self._anneal(step, values, keras.config.floatx())

    def _anneal(self, step, values, dtype):
        """Anneals from `values[i]` to `values[i + 1]` over phase `i`."""
        step, invalid = _ops.normalize_step(step)
        # From the last step on the value holds (the final phase ends there
        # exactly); this also keeps the integer arithmetic in range.
        step = _ops.clip(step, None, self.total_steps - 1)
        ends = self._phase_ends()
        lasts = [math.floor(end) for end in ends]
        # A phase whose last step the counter cannot reach takes the rest.
        top = _ops.int_max(step.dtype)
        used = next((i + 1 for i, n in enumerate(lasts) if n >= top), len(ends))
        result = None
        # PyTorch's rule: a step belongs to the first phase not yet over.
        for i in reversed(range(used)):
            if result is not None and lasts[i] < 0:
                continue  # A phase that ends before step 0 is never used.
            start = ends[i - 1] if i else 0.0
            cos = self.anneal_strategy == "cos"
            value = _interpolate(
                step, start, ends[i], values[i], values[i + 1], cos
            )
            if result is not None:
                in_phase = step <= _ops.constant(lasts[i], step.dtype)
                value = ops.where(in_phase, value, result)
            result = value
        return _ops.nan_where(invalid, ops.cast(result, dtype))


def _interpolate(step, start, end, first, last, cos):
    """`first -> last` over the (possibly fractional) steps `start..end`.

    The value is `low + (high - low) * w(u)`, `u` in [0, 1] the fraction of
    the phase measured from its lower end and `w(u)` either `u` or
    `(1 - cos(pi u)) / 2`, so that nothing cancels near the low value.
    """
    work = _ops.work_dtype()
    low, high = min(first, last), max(first, last)
    if end <= start or first == last:
        # An empty (or flat) phase is its final value at once.
        start, end, low, high = 0.0, 1.0, float(last), float(last)
    sign, anchor = (-1.0, end) if first > last else (1.0, start)
    # `step - whole` in integers (exact), with `whole` the integer part of
    # the lower end, kept within the counter's range.
    whole = min(max(math.floor(anchor), 0), _ops.int_max(step.dtype))
    scale = sign / (end - start) * (math.pi / 2 if cos else 1.0)
    offset = -(anchor - whole) * scale
    u = ops.cast(step - _ops.constant(whole, step.dtype), work)
    u = u * _ops.constant(scale, work) + _ops.constant(offset, work)
    if cos:
        # (1 - cos(pi f)) / 2 as sin(pi f / 2)**2: no cancellation.
        w = ops.square(ops.sin(u))
    else:
        w = _ops.clip(u, 0.0, 1.0)
    return _ops.lerp(w, low, high)
