"""Cyclical learning rates: Smith's triangular, triangular2 and exp_range."""

import math

import keras
import numpy as np
from keras import ops

from keras_clr import _validation
from keras_clr.schedules._momentum import MomentumSchedule
from keras_clr.schedules._ops import constant as _constant
from keras_clr.schedules._ops import float_dtype as _float_dtype
from keras_clr.schedules._ops import integer_step as _integer_step
from keras_clr.schedules._ops import json_number as _json_number
from keras_clr.schedules.scale import check_scale_fn

MODES = ("triangular", "triangular2", "exp_range")
SCALE_MODES = ("cycle", "iterations")
_DEFAULT_SCALE_MODE = {
    "triangular": "cycle",
    "triangular2": "cycle",
    "exp_range": "iterations",
}


@keras.saving.register_keras_serializable(package="keras_clr")
class CyclicalLearningRate(
    keras.optimizers.schedules.LearningRateSchedule, MomentumSchedule
):
    """A learning rate that cycles between two bounds (Smith, 2015).

    Use it instead of a decaying schedule to let the learning rate swing
    between `base_lr` and `max_lr`: it starts at `base_lr`, rises linearly
    for `step_size` steps to the cycle's peak, falls for `step_size_down`
    steps back to `base_lr`, and repeats. Smith suggests a `step_size` of 2
    to 10 epochs' worth of steps, and bounds found with an LR range test.
    The numbers match PyTorch's `CyclicLR` and the classic Keras `CyclicLR`
    callback.

    For a step `t`, with `u = step_size` and `d = step_size_down`:

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

    The cycle number and the position come from integer division of the
    integer step, so the result is exact to the rounding of the learning
    rate's dtype at any step the step counter can hold.

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
        base_lr: Lower bound of the learning rate, and its value at step 0.
            Float, `>= 0`.
        max_lr: Upper bound: the peak of the first cycle. Float,
            `>= base_lr`.
        step_size: Steps from a cycle's start to its peak (half a cycle when
            `step_size_down` is not given). Positive integer; an integral
            float such as `2000.` is accepted.
        mode: Built-in scale policy: `"triangular"` (constant amplitude),
            `"triangular2"` (amplitude halved each cycle) or `"exp_range"`
            (amplitude times `gamma**step`). Ignored when `scale_fn` is
            given.
        gamma: Decay factor of `"exp_range"`, in `(0, 1]`.
        scale_fn: Custom scale policy: a function registered with
            `keras.saving.register_keras_serializable`, or a registered
            `keras_clr.ScalePolicy` instance. It receives a float tensor
            (`x` above) and returns the amplitude factor. Lambdas are
            refused: they cannot be saved.
        scale_mode: `"cycle"` or `"iterations"`: what the scale policy
            receives. Defaults to `"iterations"` for `"exp_range"` and to
            `"cycle"` otherwise, as in the paper and PyTorch.
        step_size_down: Steps from the peak back to `base_lr`. Positive
            integer; defaults to `step_size`.
        name: Name of the operation.

    Returns:
        A 1-arg callable that takes the optimizer step and returns the
        learning rate, a scalar tensor of the dtype of `base_lr` (float32
        unless `keras.config.floatx()` says otherwise).

    Raises:
        ValueError: If an argument is out of range, not a finite number, not
            an allowed value, or `scale_fn` is not serializable.

    References:
        - Smith, "Cyclical Learning Rates for Training Neural Networks",
          2015, arXiv:1506.01186.
    """

    # Public argument names used in error messages; subclasses that rename
    # arguments (the TF Addons drop-ins) override these.
    _base_lr_arg = "base_lr"
    _max_lr_arg = "max_lr"

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
        self.base_lr = base_lr
        self.max_lr = max_lr
        self.step_size = step_size
        self.mode = mode
        self.gamma = gamma
        self.scale_fn = scale_fn
        self.scale_mode = scale_mode
        self.step_size_down = step_size_down
        self.name = name
        self._validate()

    def _validate(self):
        base_arg, max_arg = self._base_lr_arg, self._max_lr_arg
        _validation.check_non_negative(base_arg, self.base_lr)
        _validation.check_finite(max_arg, self.max_lr)
        if self.max_lr < self.base_lr:
            raise ValueError(
                f"Argument `{max_arg}` must be >= `{base_arg}`. "
                f"Received: {base_arg}={self.base_lr}, "
                f"{max_arg}={self.max_lr}"
            )
        self.step_size = _validation.check_positive_int(
            "step_size", self.step_size
        )
        if self.step_size_down is not None:
            self.step_size_down = _validation.check_positive_int(
                "step_size_down", self.step_size_down
            )
        _validation.check_choice("mode", self.mode, MODES)
        _validation.check_finite("gamma", self.gamma)
        if not 0 < self.gamma <= 1:
            raise ValueError(
                "Argument `gamma` must be in (0, 1]. "
                f"Received: gamma={self.gamma}"
            )
        self.scale_fn = check_scale_fn(self.scale_fn)
        if self.scale_mode is not None:
            _validation.check_choice("scale_mode", self.scale_mode, SCALE_MODES)
        _validation.check_name("name", self.name)

    @property
    def cycle_length(self) -> int:
        """Steps in one full cycle: `step_size + step_size_down`."""
        return self.step_size + (self.step_size_down or self.step_size)

    def _resolved_scale_mode(self) -> str:
        if self.scale_mode is not None:
            return self.scale_mode
        if self.scale_fn is not None:
            return "cycle"
        return _DEFAULT_SCALE_MODE[self.mode]

    def __call__(self, step):
        with keras.name_scope(self.name):
            dtype = _float_dtype(self.base_lr)
            base_lr = _constant(self.base_lr, dtype)
            max_lr = _constant(self.max_lr, dtype)
            return base_lr + (max_lr - base_lr) * self._height(step, dtype)

    def momentum(
        self, step, base_momentum: float = 0.85, max_momentum: float = 0.95
    ):
        """The cyclical momentum at `step`: the LR's mirror image.

        It is `max_momentum` where the LR is `base_lr` and falls to
        `base_momentum` where the LR peaks, scaled like the LR's amplitude
        (PyTorch's `CyclicLR(cycle_momentum=True)`). Optimizers made with
        `keras_clr.cyclical_momentum` read it at every step.
        """
        with keras.name_scope(self.name):
            dtype = keras.config.floatx()
            low = _constant(base_momentum, dtype)
            high = _constant(max_momentum, dtype)
            return high - (high - low) * self._height(step, dtype)

    def _height(self, step, dtype):
        """Where `step` is between the bounds: 0 at `base_lr`, 1 at `max_lr`."""
        step = _integer_step(step)
        period = self.cycle_length
        height = _triangle(
            _position(step, period), self.step_size, period, dtype
        )
        scale = self._scale(step, dtype)
        return height if scale is None else height * scale

    def _scale(self, step, dtype):
        """The amplitude factor, or None when it is constantly 1."""
        if self.scale_fn is None and self.mode == "triangular":
            return None
        if self._resolved_scale_mode() == "cycle":
            x = ops.cast(_cycle_index(step, self.cycle_length) + 1, dtype)
        else:
            x = ops.cast(step, dtype)
        if self.scale_fn is not None:
            return ops.cast(self.scale_fn(x), dtype)
        if self.mode == "triangular2":
            return ops.power(_constant(0.5, dtype), x - 1.0)
        # gamma**x as exp(x * log(gamma)): log(gamma) is taken in float64,
        # so a gamma such as 1 - 1e-9 does not round to 1 in float32.
        log_gamma = _constant(math.log(self.gamma), dtype)
        return ops.exp(x * log_gamma)

    def get_config(self):
        scale_fn = self.scale_fn
        if scale_fn is not None:
            scale_fn = keras.saving.serialize_keras_object(scale_fn)
        return {
            "base_lr": _json_number(self.base_lr),
            "max_lr": _json_number(self.max_lr),
            "step_size": self.step_size,
            "mode": self.mode,
            "gamma": _json_number(self.gamma),
            "scale_fn": scale_fn,
            "scale_mode": self.scale_mode,
            "step_size_down": self.step_size_down,
            "name": self.name,
        }


def _fits(value: int, int_dtype) -> bool:
    return value <= np.iinfo(keras.backend.standardize_dtype(int_dtype)).max


def _position(step, period: int):
    """`step mod period`, the integer position inside the cycle."""
    if not _fits(period, step.dtype):
        return step  # A counter of this dtype never completes a cycle.
    return ops.mod(step, _constant(period, step.dtype))


def _cycle_index(step, period: int):
    """`step div period`, the 0-based integer cycle index."""
    if not _fits(period, step.dtype):
        return ops.zeros_like(step)
    period = _constant(period, step.dtype)
    if keras.backend.backend() == "torch":
        import torch

        # keras.ops.floor_divide narrows int64 to int32 on torch.
        return torch.div(step, period, rounding_mode="floor")
    return ops.floor_divide(step, period)


def _triangle(position, up: int, period: int, dtype):
    """Rises 0 -> 1 over `up` steps, then falls back to 0 at `period`."""
    rising = ops.cast(position, dtype) / _constant(up, dtype)
    if _fits(period, position.dtype):
        # `period - position` is formed in integers: exact at any step.
        remaining = _constant(period, position.dtype) - position
        remaining = ops.cast(remaining, dtype)
        is_rising = position <= _constant(up, position.dtype)
    else:
        # A cycle longer than the counter can count (int32 steps on JAX);
        # exact to the rounding of `dtype`.
        position = ops.cast(position, dtype)
        remaining = _constant(period, dtype) - position
        is_rising = position <= _constant(up, dtype)
    falling = remaining / _constant(period - up, dtype)
    # Not ops.minimum: on torch it narrows float64 to float32.
    return ops.where(is_rising, rising, falling)
