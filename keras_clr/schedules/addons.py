"""TensorFlow Addons' cyclical learning rates, for Keras 3 on any backend.

`tfa.optimizers.CyclicalLearningRate` and its three named subclasses, with
TF Addons' argument names (`initial_learning_rate`,
`maximal_learning_rate`, `step_size`, `scale_fn`, `scale_mode`),
signatures, defaults and values, including fractional step sizes such as
`step_size=2.5`; `keras_clr.CyclicalLearningRate` has PyTorch's names
instead. They are public as `keras_clr.addons.*`.

One thing changes by design: `scale_fn` must be a function registered with
`keras.saving.register_keras_serializable` (or a registered
`keras_clr.ScalePolicy`), not a lambda, so that a model using it can be
saved and loaded. A lambda is refused with an error that says how to fix it.

They are registered under the package `keras_clr.addons`; the keys of
keras_clr 0.1.0 (`keras_clr>TriangularCyclicalLearningRate` etc.) still
load, as these classes.

Unlike TF Addons, which computed in float32, the values are the formula's
rounded once to float32 at any step the counter holds, and int64 steps are
accepted (TF Addons' `ExponentialCyclicalLearningRate` crashed on them).
"""

import keras
import numpy as np

from keras_clr import _validation
from keras_clr.schedules._ops import json_number as _json_number
from keras_clr.schedules.cyclical import SCALE_MODES
from keras_clr.schedules.cyclical import _CyclicalSchedule
from keras_clr.schedules.cyclical import check_bounds
from keras_clr.schedules.scale import check_scale_fn

_PACKAGE = "keras_clr.addons"


class _AddonsSchedule(_CyclicalSchedule):
    """Validation and config shared by the four TF Addons classes."""

    _scale = None  # The built-in policy of a named subclass.

    @property
    def _tf_keras_twin(self) -> str:
        return f"keras_clr.tf_keras.addons.{type(self).__name__}"

    def _setup(self, scale_fn=None, gamma=1.0):
        check_bounds(
            "initial_learning_rate",
            self.initial_learning_rate,
            "maximal_learning_rate",
            self.maximal_learning_rate,
        )
        _validation.check_positive_steps("step_size", self.step_size)
        if float(np.float32(self.step_size)) < np.finfo(np.float32).tiny:
            # It would be 0 (or subnormal, flushed to 0) in float32.
            raise ValueError(
                "Argument `step_size` must be at least the smallest normal "
                f"float32, {np.finfo(np.float32).tiny}. "
                f"Received: step_size={self.step_size}"
            )
        _validation.check_choice("scale_mode", self.scale_mode, SCALE_MODES)
        _validation.check_name("name", self.name)
        self._configure(
            self.initial_learning_rate,
            self.maximal_learning_rate,
            self.step_size,
            self.step_size,
            self._scale,
            gamma,
            scale_fn,
            self.scale_mode,
        )

    def get_config(self) -> dict:
        # In the signature's order.
        config = {
            "initial_learning_rate": _json_number(self.initial_learning_rate),
            "maximal_learning_rate": _json_number(self.maximal_learning_rate),
            "step_size": _json_number(self.step_size),
        }
        if self._scale == "fn":
            serialized = keras.saving.serialize_keras_object(self.scale_fn)
            config["scale_fn"] = serialized
        config["scale_mode"] = self.scale_mode
        if self._scale == "exp":
            config["gamma"] = _json_number(self.gamma)
        return {**config, "name": self.name}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class CyclicalLearningRate(_AddonsSchedule):
    """TF Addons' `CyclicalLearningRate`: a cycle with your scale policy.

    Use it to migrate code that built `tfa.optimizers.CyclicalLearningRate`
    with its own `scale_fn`: it takes TF Addons' argument names. For new
    code, `keras_clr.CyclicalLearningRate` has PyTorch's argument names
    (`base_lr`, `max_lr`, `step_size`, `mode`, ...) and asymmetric cycles.
    The rate rises from `initial_learning_rate` for `step_size` steps,
    falls back for `step_size` steps, and repeats, with the amplitude
    multiplied by `scale_fn`:

    ```
    lr(t) = initial + (maximal - initial) * max(0, 1 - |t / s - 2c + 1|)
                                          * scale_fn(x)

    where s = step_size (may be fractional, e.g. 2.5),
          c = floor(1 + t / (2 s)) is the 1-based cycle number, and
          x = c if scale_mode == "cycle" else t.
    ```

    The values are the formula's rounded once to the learning rate's
    dtype at any step the counter holds (TF Addons' float32 arithmetic
    rounded steps beyond 2^24), except for a step size whose exact fraction
    overflows the counter's integers (a float such as 0.1 is `n / 2**55`):
    those use TF Addons' formula in float64 (float32 on JAX without x64).
    Negative steps give the value at step 0.

    Example:

    >>> import keras
    >>> import keras_clr.addons
    >>> @keras.saving.register_keras_serializable(package="my_project")
    ... def halve(x):
    ...     return 0.5 ** (x - 1.0)
    >>> schedule = keras_clr.addons.CyclicalLearningRate(
    ...     initial_learning_rate=0.1, maximal_learning_rate=1.0,
    ...     step_size=2.5, scale_fn=halve)
    >>> [round(float(schedule(s)), 4) for s in (0, 1, 2, 5, 7)]
    [0.1, 0.46, 0.82, 0.1, 0.46]

    Args:
        initial_learning_rate: Lower bound, and the rate at step 0. Float,
            `>= 0`, finite in float32.
        maximal_learning_rate: Upper bound before scaling. Float,
            `>= initial_learning_rate`, finite in float32.
        step_size: Steps in half a cycle, `> 0`; fractional values such as
            `2.5` are accepted, as in TF Addons.
        scale_fn: The scale policy: a registered function or registered
            `keras_clr.ScalePolicy` instance (not a lambda). It receives a
            float tensor (`x` above). Its values are the caller's
            responsibility.
        scale_mode: `"cycle"` or `"iterations"`: what `scale_fn` receives.
        name: Name of the operation.

    Returns:
        A 1-arg callable that takes the optimizer step and returns the
        learning rate, a scalar tensor of dtype `keras.config.floatx()`.

    Raises:
        ValueError: If an argument is out of range, not finite in float32,
            not an allowed value, or `scale_fn` is a lambda or not
            registered for serialization.

    References:
        - Smith, "Cyclical Learning Rates for Training Neural Networks",
          2015, arXiv:1506.01186.
    """

    _scale = "fn"

    def __init__(
        self,
        initial_learning_rate: float,
        maximal_learning_rate: float,
        step_size: float,
        scale_fn,
        scale_mode: str = "cycle",
        name: str = "CyclicalLearningRate",
    ):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.maximal_learning_rate = maximal_learning_rate
        self.step_size = step_size
        self.scale_fn = check_scale_fn(scale_fn)
        if self.scale_fn is None:
            raise ValueError(
                "Argument `scale_fn` is required: a registered function or "
                "`keras_clr.ScalePolicy` (for no scaling, use "
                "`TriangularCyclicalLearningRate`). Received: scale_fn=None"
            )
        self.scale_mode = scale_mode
        self.name = name
        self._setup(scale_fn=self.scale_fn)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class TriangularCyclicalLearningRate(_AddonsSchedule):
    """TF Addons' `TriangularCyclicalLearningRate`: a constant amplitude.

    Use it to migrate `tfa.optimizers.TriangularCyclicalLearningRate` code
    unchanged but for the import. The rate rises linearly from
    `initial_learning_rate` to `maximal_learning_rate` over `step_size`
    steps, falls back over `step_size` steps, and repeats:

    ```
    lr(t) = initial + (maximal - initial) * max(0, 1 - |t / s - 2c + 1|)

    where s = step_size and c = floor(1 + t / (2 s)).
    ```

    Example:

    >>> import keras_clr.addons
    >>> schedule = keras_clr.addons.TriangularCyclicalLearningRate(
    ...     initial_learning_rate=0.1, maximal_learning_rate=1.0,
    ...     step_size=40)
    >>> [round(float(schedule(s)), 4) for s in (20, 40, 80)]
    [0.55, 1.0, 0.1]

    Args:
        initial_learning_rate: Lower bound, and the rate at step 0. Float,
            `>= 0`, finite in float32.
        maximal_learning_rate: Upper bound. Float,
            `>= initial_learning_rate`, finite in float32.
        step_size: Steps in half a cycle, `> 0` (may be fractional).
        scale_mode: `"cycle"` or `"iterations"`; with a constant amplitude
            both give the same values.
        name: Name of the operation.

    Returns:
        A 1-arg callable that takes the optimizer step and returns the
        learning rate, a scalar tensor of dtype `keras.config.floatx()`.

    Raises:
        ValueError: If an argument is out of range, not finite in float32,
            or not an allowed value.

    References:
        - Smith, "Cyclical Learning Rates for Training Neural Networks",
          2015, arXiv:1506.01186.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        maximal_learning_rate: float,
        step_size: float,
        scale_mode: str = "cycle",
        name: str = "TriangularCyclicalLearningRate",
    ):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.maximal_learning_rate = maximal_learning_rate
        self.step_size = step_size
        self.scale_mode = scale_mode
        self.name = name
        self._setup()


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Triangular2CyclicalLearningRate(_AddonsSchedule):
    """TF Addons' `Triangular2CyclicalLearningRate`: amplitude halved.

    Use it to migrate `tfa.optimizers.Triangular2CyclicalLearningRate`
    code. The triangle of `TriangularCyclicalLearningRate`, with the
    amplitude multiplied by `1 / 2**(x - 1)`:

    ```
    lr(t) = initial + (maximal - initial) * max(0, 1 - |t / s - 2c + 1|)
                                          / 2^(x - 1)

    where c = floor(1 + t / (2 s)) and x = c if scale_mode == "cycle"
    else t.
    ```

    Example:

    >>> import keras_clr.addons
    >>> schedule = keras_clr.addons.Triangular2CyclicalLearningRate(
    ...     initial_learning_rate=0.1, maximal_learning_rate=1.0,
    ...     step_size=30)
    >>> [round(float(schedule(s)), 4) for s in (30, 90, 150)]
    [1.0, 0.55, 0.325]

    Args:
        initial_learning_rate: Lower bound, and the rate at step 0. Float,
            `>= 0`, finite in float32.
        maximal_learning_rate: Peak of the first cycle. Float,
            `>= initial_learning_rate`, finite in float32.
        step_size: Steps in half a cycle, `> 0` (may be fractional).
        scale_mode: `"cycle"` (halve per cycle) or `"iterations"` (TF
            Addons' `1 / 2**(step - 1)`, which vanishes within a few steps).
        name: Name of the operation.

    Returns:
        A 1-arg callable that takes the optimizer step and returns the
        learning rate, a scalar tensor of dtype `keras.config.floatx()`.

    Raises:
        ValueError: If an argument is out of range, not finite in float32,
            or not an allowed value.

    References:
        - Smith, "Cyclical Learning Rates for Training Neural Networks",
          2015, arXiv:1506.01186.
    """

    _scale = "halve"

    def __init__(
        self,
        initial_learning_rate: float,
        maximal_learning_rate: float,
        step_size: float,
        scale_mode: str = "cycle",
        name: str = "Triangular2CyclicalLearningRate",
    ):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.maximal_learning_rate = maximal_learning_rate
        self.step_size = step_size
        self.scale_mode = scale_mode
        self.name = name
        self._setup()


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ExponentialCyclicalLearningRate(_AddonsSchedule):
    """TF Addons' `ExponentialCyclicalLearningRate`: amplitude `gamma**x`.

    Use it to migrate `tfa.optimizers.ExponentialCyclicalLearningRate`
    code. The triangle of `TriangularCyclicalLearningRate`, with the
    amplitude multiplied by `gamma**x`:

    ```
    lr(t) = initial + (maximal - initial) * max(0, 1 - |t / s - 2c + 1|)
                                          * gamma^x

    where c = floor(1 + t / (2 s)) and x = t if scale_mode == "iterations"
    (the default) else c.
    ```

    Unlike TF Addons it accepts int64 steps.

    Example:

    >>> import keras_clr.addons
    >>> schedule = keras_clr.addons.ExponentialCyclicalLearningRate(
    ...     initial_learning_rate=0.0, maximal_learning_rate=1.0,
    ...     step_size=10, gamma=0.5)
    >>> round(float(schedule(10)), 8)
    0.00097656

    Args:
        initial_learning_rate: Lower bound, and the rate at step 0. Float,
            `>= 0`, finite in float32.
        maximal_learning_rate: Upper bound before scaling. Float,
            `>= initial_learning_rate`, finite in float32.
        step_size: Steps in half a cycle, `> 0` (may be fractional).
        scale_mode: `"iterations"` (default) or `"cycle"`.
        gamma: Decay factor, in `(0, 1]`.
        name: Name of the operation.

    Returns:
        A 1-arg callable that takes the optimizer step and returns the
        learning rate, a scalar tensor of dtype `keras.config.floatx()`.

    Raises:
        ValueError: If an argument is out of range, not finite in float32,
            or not an allowed value.

    References:
        - Smith, "Cyclical Learning Rates for Training Neural Networks",
          2015, arXiv:1506.01186.
    """

    _scale = "exp"

    def __init__(
        self,
        initial_learning_rate: float,
        maximal_learning_rate: float,
        step_size: float,
        scale_mode: str = "iterations",
        gamma: float = 1.0,
        name: str = "ExponentialCyclicalLearningRate",
    ):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.maximal_learning_rate = maximal_learning_rate
        self.step_size = step_size
        self.scale_mode = scale_mode
        self.gamma = _validation.check_in_range("gamma", gamma, 0, 1)
        self.name = name
        self._setup(gamma=self.gamma)


def _register_0_1_0_names():
    # Files saved by keras_clr 0.1.0 name the package `keras_clr`.
    objects = keras.saving.get_custom_objects()
    for cls in (
        TriangularCyclicalLearningRate,
        Triangular2CyclicalLearningRate,
        ExponentialCyclicalLearningRate,
    ):
        objects.setdefault(f"keras_clr>{cls.__name__}", cls)


_register_0_1_0_names()
