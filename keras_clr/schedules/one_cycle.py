"""Smith's one-cycle learning rate policy, with PyTorch `OneCycleLR` numbers."""

import math

import keras
import numpy as np
from keras import ops

from keras_clr import _validation
from keras_clr.schedules._momentum import BASE_MOMENTUM
from keras_clr.schedules._momentum import MAX_MOMENTUM
from keras_clr.schedules._momentum import MomentumSchedule
from keras_clr.schedules._ops import cached_constant
from keras_clr.schedules._ops import clip
from keras_clr.schedules._ops import constant
from keras_clr.schedules._ops import float_dtype
from keras_clr.schedules._ops import int_max
from keras_clr.schedules._ops import json_number
from keras_clr.schedules._ops import missing_step
from keras_clr.schedules._ops import nan_where
from keras_clr.schedules._ops import normalize_step
from keras_clr.schedules._ops import widest_int

ANNEAL_STRATEGIES = ("cos", "linear")
# A plan's tables: one constant per row and phase (`_phase_constants`).
_TABLES = ("wholes", "scales", "offsets", "lows", "spans")


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

    It is computed as `low + (high - low) * w` without cancellation (in
    float64 where the backend has it), so every value is within float32
    rounding of PyTorch's formulas evaluated in float64, and from step
    `total_steps - 1` on the rate is exactly `max_lr / (div_factor *
    final_div_factor)`. Negative steps give the value at step 0; float steps
    are floored (NaN for a NaN or infinite step).

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
        total_steps: Length of the cycle in optimizer steps. Positive
            integer up to `2**63 - 1`. `OneCycle.from_epochs` computes it
            from epochs and steps per epoch.
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
        _validation.check_float32("max_lr", self.max_lr)
        _validation.check_positive("max_lr", self.max_lr)
        self.total_steps = _validation.check_positive_int(
            "total_steps", self.total_steps
        )
        _validation.check_in_range(
            "pct_start", self.pct_start, 0, 1, high_open=True
        )
        _validation.check_choice(
            "anneal_strategy", self.anneal_strategy, ANNEAL_STRATEGIES
        )
        _validation.check_positive("div_factor", self.div_factor)
        _validation.check_positive("final_div_factor", self.final_div_factor)
        # The derived rates are bounds too: finite in float32.
        for arg, value, formula in (
            ("div_factor", self.initial_lr, "max_lr / div_factor"),
            (
                "final_div_factor",
                self.min_lr,
                "max_lr / (div_factor * final_div_factor)",
            ),
        ):
            if not abs(value) <= _validation.FLOAT32_MAX:
                raise ValueError(
                    f"Argument `{arg}` is too small: `{formula}` must be "
                    "finite in float32, the learning rate's dtype. "
                    f"Received: max_lr={self.max_lr}, "
                    f"div_factor={self.div_factor}, "
                    f"final_div_factor={self.final_div_factor}"
                )
        self.three_phase = _validation.check_bool(
            "three_phase", self.three_phase
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
        """The rate at step 0: `max_lr / div_factor`."""
        return self.max_lr / self.div_factor

    @property
    def min_lr(self) -> float:
        """The rate at and after the last step.

        `max_lr / (div_factor * final_div_factor)`, the value the schedule
        returns exactly (rounded once to its dtype).
        """
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

    def __call__(self, step=None):
        if step is None:
            raise missing_step(self)
        with keras.name_scope(self.name):
            dtype = float_dtype(self.max_lr)
            return self._anneal(step, [self._lr_values()], dtype)[0]

    def momentum(
        self,
        step,
        base_momentum: float = BASE_MOMENTUM,
        max_momentum: float = MAX_MOMENTUM,
    ):
        """The cyclical momentum at `step`, as in PyTorch's `OneCycleLR`.

        `max_momentum` at the start, `base_momentum` at the LR's peak, back
        to `max_momentum` as the LR anneals (and held there through the
        third phase). Optimizers made with `keras_clr.cyclical_momentum`
        read it at every step.

        Args:
            step: The optimizer step (see `__call__`).
            base_momentum: Momentum at the LR's peak.
            max_momentum: Momentum at the start and the end.

        Returns:
            A scalar tensor of dtype `keras.config.floatx()`.
        """
        with keras.name_scope(self.name):
            values = self._momentum_values(base_momentum, max_momentum)
            return self._anneal(step, [values], keras.config.floatx())[0]

    def lr_and_momentum(
        self,
        step,
        base_momentum: float = BASE_MOMENTUM,
        max_momentum: float = MAX_MOMENTUM,
    ):
        """`(self(step), self.momentum(step, ...))`, computed together.

        Both follow the same phases, so one evaluation anneals both: the
        cyclical-momentum optimizers call this once per step.

        >>> import keras_clr
        >>> schedule = keras_clr.OneCycle(max_lr=0.1, total_steps=100)
        >>> lr, momentum = schedule.lr_and_momentum(29, 0.85, 0.95)
        >>> round(float(lr), 4), round(float(momentum), 4)
        (0.1, 0.85)

        Args:
            step: The optimizer step (see `__call__`).
            base_momentum: Momentum at the LR's peak.
            max_momentum: Momentum at the start and the end.

        Returns:
            `(learning_rate, momentum)`, scalar tensors.
        """
        dtype = float_dtype(self.max_lr)
        if dtype != keras.config.floatx():
            # Two calls, each in its own dtype: the protocol's default.
            return super().lr_and_momentum(step, base_momentum, max_momentum)
        with keras.name_scope(self.name):
            rows = [
                self._lr_values(),
                self._momentum_values(base_momentum, max_momentum),
            ]
            lr, momentum = self._anneal(step, rows, dtype)
            return lr, momentum

    def _lr_values(self):
        return [start for _, start, _ in self.phases()] + [self.min_lr]

    def _momentum_values(self, base_momentum, max_momentum):
        values = [max_momentum, base_momentum, max_momentum]
        if self.three_phase:
            values.append(max_momentum)
        return values

    def _anneal(self, step, rows, dtype):
        """Anneals each row from `row[i]` to `row[i + 1]` over phase `i`.

        Every phase of every row is computed at once, as one small tensor
        of shape `(rows, phases)` (the same handful of ops however many
        phases and rows), and then the step's phase is taken: PyTorch's
        first phase that is not over. Returns a list, a scalar per row.
        """
        step, invalid = normalize_step(step)
        # From the last step on the value holds (the final phase ends there
        # exactly); this also keeps the integer arithmetic below in range.
        step = clip(step, None, self.total_steps - 1)
        plan = self._plan(rows, step)
        flips, lead, lasts = plan["flips"], plan["lead"], plan["lasts"]
        # The whole cycle is a tent (two phases); the tent may also be only
        # the head of a three-phase cycle, which `_phase_by_cond` takes.
        tent = all(flips) and len(lasts) == 2
        cos = self.anneal_strategy == "cos"
        work = _work_dtype(dtype)

        def table(name, dtype):
            return cached_constant(
                plan["tensors"], name, plan[name], dtype, step
            )

        if plan["by_cond"] and not tent:
            result = self._phase_by_cond(step, plan, cos, work)
        elif cos and keras.backend.backend() == "jax":
            # XLA fuses all this into the loop, where what costs is the
            # `sin`: take the step's phase first (its `u`, low and span),
            # then one `sin` instead of one per phase.
            def pick(x):
                return self._select(step, x, lead, lasts)

            u = pick(_fraction(step, table, work, plan["offsets"].any()))
            u = ops.square(ops.sin(u))
            result = pick(table("lows", work)) + pick(table("spans", work)) * u
        else:
            u = _fraction(step, table, work, plan["offsets"].any())
            values = _values(u, table, tent, flips, cos, work)
            if tent:
                result = ops.min(values, axis=len(lead))
            else:
                result = self._select(step, values, lead, lasts)
        result = ops.cast(result, dtype)
        results = [result[r] for r in range(len(rows))] if lead else [result]
        return [
            nan_where(invalid, -value if flip < 0 else value)
            for value, flip in zip(results, flips, strict=True)
        ]

    @staticmethod
    def _phase_by_cond(step, plan, cos, work):
        """Only the step's phase, chosen by `ops.cond` (TensorFlow, scalar
        step: a graph runs one branch), not every phase then a `where`; a
        three-phase cycle's first two phases, a tent, as one branch.

        The same constants and formulas as the table, sliced to a phase.
        """
        flips, lasts = plan["flips"], plan["lasts"]
        head = 2 if all(flips) else 1  # phases in the first branch

        def phase(i, count=1):
            def value():
                # A scalar step: the phase axis is the last.
                picked = {
                    name: plan[name][..., i : i + count]
                    if count > 1
                    else plan[name][..., i]
                    for name in _TABLES
                }

                def at(name, dtype):
                    return constant(picked[name], dtype)

                u = _fraction(step, at, work, picked["offsets"].any())
                values = _values(u, at, count > 1, flips, cos, work)
                if count > 1:
                    values = ops.min(values, axis=len(plan["lead"]))
                return values

            return value

        def from_phase(i):
            if i == len(lasts) - 1:
                return phase(i)
            if i == 0 and head == 2:
                last = constant(lasts[1], step.dtype)
                return lambda: ops.cond(
                    step <= last, phase(0, 2), from_phase(2)
                )
            if lasts[i] < 0:
                return from_phase(i + 1)  # Ends before step 0: never used.
            last = constant(lasts[i], step.dtype)
            later = from_phase(i + 1)
            return lambda: ops.cond(step <= last, phase(i), later)

        return from_phase(0)()

    def _plan(self, rows, step):
        """The phases' constants for `rows` and this step's dtype and rank,
        worked out once (host-side NumPy) and kept, with their tensors on
        PyTorch (`tensors`)."""
        key = (
            tuple(tuple(row) for row in rows),
            str(step.dtype),
            len(step.shape),
            # The arguments, in case one was changed since the last call.
            self.max_lr,
            self.total_steps,
            self.pct_start,
            self.anneal_strategy,
            self.div_factor,
            self.final_div_factor,
            self.three_phase,
        )
        plans = self.__dict__.setdefault("_plans", {})
        if key in plans:
            return plans[key]
        top = int_max(step.dtype)
        ends = self._phase_ends()
        lasts = [math.floor(end) for end in ends]
        # A phase whose last step the counter cannot reach takes all steps.
        used = next(
            (i + 1 for i, last in enumerate(lasts) if last >= top), len(ends)
        )
        # Two phases that rise then fall (or fall then rise: the momentum)
        # meet at the peak: the value is the lower (higher) of the two,
        # each held at its end beyond it. Rows that fall then rise are
        # negated, so that one `min` takes every row.
        # (In three phases, the first two may be a tent: see
        # `_phase_by_cond`; the sign of a row does not matter elsewhere.)
        flips = [
            _tent(row[:3]) if used == len(ends) >= 2 else 0 for row in rows
        ]
        cos = self.anneal_strategy == "cos"
        table = [
            [
                self._phase_constants(i, row, top, cos, flip or 1)
                for i in range(used)
            ]
            for row, flip in zip(rows, flips, strict=True)
        ]
        # Axes (row, phase) + the step's shape; a single row has no row
        # axis, so a scalar step gives a scalar with no slicing.
        lead = (len(rows),) if len(rows) > 1 else ()
        shape = lead + (used,) + (1,) * len(step.shape)
        # On TensorFlow a graph's `cond` runs one branch: with one scalar
        # step, a cycle that is not a tent computes only the step's phase.
        by_cond = (
            keras.backend.backend() == "tensorflow"
            and len(step.shape) == 0
            and used > 1
        )
        plan = dict(
            lasts=lasts[:used],
            flips=flips,
            lead=lead,
            tensors={},
            by_cond=by_cond,
        )
        for k, name in enumerate(_TABLES):
            plan[name] = np.reshape(
                [[phase[k] for phase in row] for row in table], shape
            )
        plans[key] = plan
        return plan

    @staticmethod
    def _select(step, values, lead, lasts):
        """The value of the first phase whose last step `step` is within."""

        def phase(i):
            return values[:, i] if lead else values[i]

        result = phase(len(lasts) - 1)
        for i in reversed(range(len(lasts) - 1)):
            if lasts[i] < 0:
                continue  # A phase that ends before step 0 is never used.
            in_phase = step <= constant(lasts[i], step.dtype)
            result = ops.where(in_phase, phase(i), result)
        return result

    def _phase_constants(self, i, values, top, cos, flip):
        """`(whole, scale, offset, low, span)` of phase `i`.

        In the phase from `(start, first)` to `(end, last)` the value is
        `low + span * w(u)`, `u = (step - whole) * scale + offset` the
        fraction of the phase measured from its lower end (its start if the
        value rises, its end if it falls; `whole` that anchor's integer
        part), so that nothing cancels: near the lower end the result is
        `low` plus a small correction, and at the lower end exactly `low`
        (PyTorch's `start + (end - start) * f` lost 0.6% of a 4e-7 minimum
        in float32). `flip=-1` negates the value (exactly).
        """
        ends = self._phase_ends()
        start, end = (ends[i - 1] if i else 0.0), ends[i]
        first, last = values[i], values[i + 1]
        if end <= start or first == last:
            # An empty (or flat) phase is its final value at once.
            return 0, 0.0, 0.0, flip * float(last), 0.0
        sign, anchor = (-1, end) if first > last else (1, start)
        # A whole in [0, top]: `step - whole` cannot overflow.
        whole = min(max(math.floor(anchor), 0), top)
        scale = sign / (end - start) * (math.pi / 2 if cos else 1.0)
        offset = -(anchor - whole) * scale
        low, high = min(first, last), max(first, last)
        return whole, scale, offset, flip * low, flip * (high - low)

    def get_config(self) -> dict:
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


def _fraction(step, at, work, offsets):
    """`u = (step - whole) * scale + offset` of each phase (`at(name,
    dtype)` gives the table as a tensor); `step - whole` is exact in
    integers, and only then a float. `offsets`: whether any is not 0."""
    u = ops.cast(step - at("wholes", step.dtype), work) * at("scales", work)
    return u + at("offsets", work) if offsets else u


def _values(u, at, tent, flips, cos, work):
    """`low + span * w(u)` of each phase.

    In its own phase `u` is in [0, 1] (times pi/2 for "cos"), to a
    rounding, and sin**2 needs no bound there. Outside it, a tent holds
    each phase at its ends: a rising phase goes past 1 after its end; a
    falling one, measured from its end, below 0 (only in a phase that ends
    before the last step: the momentum's).
    """
    if tent or not cos:
        low = 0.0 if tent and min(flips) < 0 else None
        u = clip(u, low, math.pi / 2 if cos else 1.0)
    if cos:
        # (1 - cos(pi f)) / 2 as sin(pi f / 2)**2: no cancellation.
        u = ops.square(ops.sin(u))
    return at("lows", work) + at("spans", work) * u


def _tent(values) -> int:
    """1 if two phases rise then fall, -1 if they fall then rise, else 0."""
    first, peak, last = values
    if first <= peak >= last:
        return 1
    return -1 if first >= peak <= last else 0


def _work_dtype(dtype: str) -> str:
    """float64 where the backend has it (one rounding at the end)."""
    if dtype == "float32" and widest_int() == "int64":
        return "float64"
    return dtype
