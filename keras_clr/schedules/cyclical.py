"""Cyclical learning rates: Smith's triangular, triangular2 and exp_range."""

import math
from fractions import Fraction

import keras
from keras import ops

from keras_clr import _validation
from keras_clr.schedules import _ops
from keras_clr.schedules._momentum import BASE_MOMENTUM
from keras_clr.schedules._momentum import MAX_MOMENTUM
from keras_clr.schedules._momentum import Schedule
from keras_clr.schedules.scale import check_scale_fn

MODES = ("triangular", "triangular2", "exp_range")
SCALE_MODES = ("cycle", "iterations")


class _Cycle:
    """Where a step falls in a cycle that rises for `up`, falls for `down`
    (exact fractions of steps: TF Addons' step sizes may be fractional)."""

    # In units of `1 / q` (q the common denominator) the cycle is an
    # integer `period` long: position and cycle index are exact integers,
    # unless they would overflow the counter.

    def __init__(self, up, down):
        up, down = Fraction(up), Fraction(down)
        self.q = math.lcm(up.denominator, down.denominator)
        self.up = int(up * self.q)
        self.down = int(down * self.q)
        self.period = self.up + self.down

    def locate(self, step, need_cycle: bool):
        """`(height, cycle index or None)`: height 0 at the bottom, 1 at
        the top, in the work dtype."""
        work = _ops.work_dtype()
        top = _ops.int_max(step.dtype)
        if self.q > 1 and self.period * self.q > top:
            return self._locate_float(step, work, need_cycle)
        cycle = None
        if self.period > top:
            # A cycle longer than the counter can count is never completed.
            position = step
            cycle = ops.zeros_like(step) if need_cycle else None
            remaining = _ops.constant(self.period, work) - ops.cast(step, work)
        else:
            period = _ops.constant(self.period, step.dtype)
            if self.q == 1:
                position = ops.mod(step, period)
                if need_cycle:
                    cycle = _ops.floor_divide(step, period)
            else:
                # step * q mod period, without forming step * q (which
                # could overflow): reduce first, then scale the remainder.
                q = _ops.constant(self.q, step.dtype)
                scaled = ops.multiply(ops.mod(step, period), q)
                position = ops.mod(scaled, period)
                if need_cycle:
                    cycle = ops.add(
                        ops.multiply(_ops.floor_divide(step, period), q),
                        _ops.floor_divide(scaled, period),
                    )
            remaining = ops.cast(period - position, work)
        rising = ops.cast(position, work) / _ops.constant(self.up, work)
        falling = remaining / _ops.constant(self.down, work)
        # `position <= up`, with `up` clipped to what the counter holds.
        is_rising = position <= _ops.constant(min(self.up, top), step.dtype)
        return ops.where(is_rising, rising, falling), cycle

    def _locate_float(self, step, work, need_cycle):
        # A fractional step size whose exact integer form would overflow
        # the counter: TF Addons' arithmetic, in the work dtype.
        q = self.q
        t = ops.cast(step, work)
        period = _ops.constant(self.period / q, work)
        cycle = _ops.floor(t / period)
        position = _ops.clip(t - cycle * period, 0.0, None)
        up = _ops.constant(self.up / q, work)
        rising = position / up
        falling = (period - position) / _ops.constant(self.down / q, work)
        # Near the counter's top, float32 (JAX without x64) can put the
        # position a rounding outside [0, period]: keep the height in
        # [0, 1], so the LR never leaves its bounds.
        height = _ops.clip(ops.where(position <= up, rising, falling), 0.0, 1.0)
        return height, cycle if need_cycle else None


class CyclicalSchedule(Schedule):
    """The maths shared by `CyclicalLearningRate` and the TF Addons classes.

    Subclasses validate their arguments (`gamma` and `scale_fn` stored
    under those names), then call `_configure`.
    """

    def _configure(self, raw_low, low, high, up, down, scale, x_mode):
        self._dtype = _ops.float_dtype(raw_low)  # The argument's, e.g. float64.
        self._low, self._high = low, high
        self._cycle = _Cycle(up, down)
        self._scale_kind = scale  # None, "halve", "exp" or "fn"
        self._x_mode = x_mode

    def _lr(self, step):
        height, invalid = self._height(step)
        return _ops.nan_where(invalid, self._lr_at(height))

    def lr_and_momentum(
        self,
        step,
        base_momentum: float = BASE_MOMENTUM,
        max_momentum: float = MAX_MOMENTUM,
    ):
        """The LR and the cyclical momentum at `step`, computed together.

        The momentum is the LR's mirror image: `max_momentum` where the LR
        is at its lower bound, `base_momentum` where it peaks, scaled like
        its amplitude (PyTorch's `CyclicLR(cycle_momentum=True)`).
        `momentum(step, base_momentum, max_momentum)` returns it alone.

        >>> import keras_clr
        >>> schedule = keras_clr.CyclicalLearningRate(
        ...     base_lr=0.001, max_lr=0.006, step_size=2000)
        >>> lr, momentum = schedule.lr_and_momentum(1000, 0.85, 0.95)
        >>> round(float(lr), 6), round(float(momentum), 4)
        (0.0035, 0.9)
        """
        with keras.name_scope(self.name):
            height, invalid = self._height(step)
            momentum = _ops.lerp(height, max_momentum, base_momentum)
            momentum = ops.cast(momentum, keras.config.floatx())
            return (
                _ops.nan_where(invalid, self._lr_at(height)),
                _ops.nan_where(invalid, momentum),
            )

    def _lr_at(self, height):
        lr = _ops.lerp(height, self._low, self._high)
        return ops.cast(lr, self._dtype)

    def _height(self, step):
        """0 at the lower bound, 1 at the upper, times the scale policy,
        in the work dtype."""
        step, invalid = _ops.normalize_step(step)
        need_cycle = self._scale_kind is not None and self._x_mode == "cycle"
        height, cycle = self._cycle.locate(step, need_cycle)
        if self._scale_kind is None:
            return height, invalid
        work = height.dtype
        if self._x_mode == "cycle":
            x = ops.cast(cycle, work) + 1.0
        else:
            x = ops.cast(step, work)
        if self._scale_kind == "fn":
            scale = ops.cast(self.scale_fn(ops.cast(x, self._dtype)), work)
        elif self._scale_kind == "halve":
            scale = ops.power(_ops.constant(0.5, work), x - 1.0)
        else:
            # gamma**x as exp(x * log(gamma)), log(gamma) in float64: a
            # gamma such as 1 - 1e-9 does not round to 1.
            scale = ops.exp(x * _ops.constant(math.log(self.gamma), work))
        return height * scale, invalid


@keras.saving.register_keras_serializable(package="keras_clr")
class CyclicalLearningRate(CyclicalSchedule):
    """A learning rate that cycles between two bounds (Smith, 2015).

    Instead of decaying, the LR swings between `base_lr` and `max_lr`
    (Smith: a `step_size` of 2-10 epochs), with PyTorch's `CyclicLR` names
    and values (`keras_clr.addons` has TF Addons'). For a step `t`, with
    `u = step_size` and `d = step_size_down`:

    ```
    lr(t) = base_lr + (max_lr - base_lr) * f(p) * scale(x)

    f(p) = p / u              if p <= u
           (u + d - p) / d    otherwise

    where p = t mod (u + d) is the position inside the cycle,
          c = t div (u + d) + 1 is the 1-based cycle number,
          x = c if scale_mode == "cycle" else t, and
          scale(x) = 1               mode "triangular"
                     1 / 2^(x - 1)   mode "triangular2"
                     gamma^x         mode "exp_range"
                     scale_fn(x)     when `scale_fn` is given.
    ```

    Values are rounded once to the LR's dtype at any step (JAX without
    x64: a few roundings); negative steps give step 0's value, float steps
    are floored (NaN for NaN or infinity).

    Example:

    >>> import keras
    >>> import keras_clr
    >>> schedule = keras_clr.CyclicalLearningRate(
    ...     base_lr=0.001, max_lr=0.006, step_size=2000)
    >>> [round(float(schedule(s)), 6) for s in (0, 1000, 2000, 3000, 4000)]
    [0.001, 0.0035, 0.006, 0.0035, 0.001]
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule),
    ...               loss="mse")

    Args:
        base_lr: Lower bound, the value at step 0. Float, `>= 0`.
        max_lr: Peak of the first cycle. Float, `>= base_lr`.
        step_size: `u` above: a positive integer up to `2**63 - 1`.
        mode: `"triangular"`, `"triangular2"` or `"exp_range"`.
        gamma: Decay factor of `"exp_range"`, in `(0, 1]`.
        scale_fn: Custom scale policy, replacing `mode`: a function
            registered with `keras.saving.register_keras_serializable` or a
            registered `keras_clr.ScalePolicy` (not a lambda), called on `x`
            as a float tensor; keep it in `[0, 1]` to stay within bounds.
        scale_mode: `"cycle"` or `"iterations"`; by default `"iterations"`
            for `"exp_range"`, else `"cycle"` (as in the paper and PyTorch).
        step_size_down: `d` above, a positive integer; `step_size` if None.
        name: Name of the operation.

    Returns:
        A callable of the optimizer step: the LR, a scalar tensor of
        `base_lr`'s dtype (`floatx()` for a Python float).

    Raises:
        ValueError: For an argument out of range or not allowed, a
            `scale_fn` that is not serializable, or (`from_config`) a
            missing or unknown key.

    References:
        - Smith, "Cyclical Learning Rates for Training Neural Networks",
          2015, arXiv:1506.01186.
    """

    _tf_keras_twin = "keras_clr.tf_keras.CyclicalLearningRate"

    def __init__(
        self,
        base_lr: float = 0.001,
        max_lr: float = 0.006,
        step_size: int = 2000,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn=None,
        scale_mode: str | None = None,
        step_size_down: int | None = None,
        name: str = "CyclicalLearningRate",
    ):
        super().__init__()
        self.base_lr, self.max_lr = check_bounds(
            "base_lr", base_lr, "max_lr", max_lr
        )
        self.step_size = _validation.check_positive_int("step_size", step_size)
        if step_size_down is not None:
            step_size_down = _validation.check_positive_int(
                "step_size_down", step_size_down
            )
        self.step_size_down = step_size_down
        self.mode = _validation.check_choice("mode", mode, MODES)
        self.gamma = _validation.check_in_range("gamma", gamma, 0, 1)
        self.scale_fn = check_scale_fn(scale_fn)
        if scale_mode is not None:
            _validation.check_choice("scale_mode", scale_mode, SCALE_MODES)
        self.scale_mode = scale_mode
        self.name = _validation.check_name("name", name)
        if self.scale_fn is not None:
            scale, x_mode = "fn", "cycle"
        else:
            scale = {"triangular": None, "triangular2": "halve"}.get(
                mode, "exp"
            )
            x_mode = "iterations" if mode == "exp_range" else "cycle"
        self._configure(
            base_lr,
            self.base_lr,
            self.max_lr,
            self.step_size,
            self.step_size_down or self.step_size,
            scale,
            scale_mode or x_mode,
        )

    @property
    def cycle_length(self) -> int:
        """Steps in one full cycle: `step_size + step_size_down`."""
        return self.step_size + (self.step_size_down or self.step_size)


def check_bounds(low_name: str, low, high_name: str, high):
    """Returns `(low, high)` as Python numbers if `0 <= low <= high`, both
    finite in float32."""
    low = _validation.check_float32(low_name, low)
    _validation.check_non_negative(low_name, low)
    high = _validation.check_float32(high_name, high)
    if high < low:
        raise ValueError(
            f"Argument `{high_name}` must be >= `{low_name}`. "
            f"Received: {low_name}={low}, {high_name}={high}"
        )
    return low, high
