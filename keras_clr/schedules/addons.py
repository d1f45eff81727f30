"""TensorFlow Addons' cyclical learning rates, for Keras 3 on any backend.

`tfa.optimizers.CyclicalLearningRate` and its three named subclasses, with
TF Addons' argument names, defaults and values (fractional step sizes
included), public as `keras_clr.addons.*`; `scale_fn` must be registered
(not a lambda). Values are rounded once to the LR's dtype at any step the
counter holds; a step size whose exact fraction overflows the counter
uses TF Addons' formula in float64.
"""

import keras
import numpy as np

from keras_clr import _validation
from keras_clr.schedules.cyclical import SCALE_MODES
from keras_clr.schedules.cyclical import CyclicalSchedule
from keras_clr.schedules.cyclical import check_bounds
from keras_clr.schedules.scale import check_scale_fn

_PACKAGE = "keras_clr.addons"
__all__ = [
    "CyclicalLearningRate",
    "ExponentialCyclicalLearningRate",
    "Triangular2CyclicalLearningRate",
    "TriangularCyclicalLearningRate",
]

_DOC = """TF Addons' `{name}`: {summary}.

    Use it to migrate `tfa.optimizers.{name}`
    code unchanged but for the import. The rate rises linearly from
    `initial_learning_rate` to `maximal_learning_rate` over `step_size`
    steps, falls back over as many, and repeats{scaled}:

    ```
    lr(t) = initial + (maximal - initial) * max(0, 1 - |t / s - 2c + 1|){factor}

    where s = step_size (may be fractional, e.g. 2.5),
          c = floor(1 + t / (2 s)) is the 1-based cycle number, and
          x = c if scale_mode == "cycle" else t.
    ```

    Example:

    >>> import keras
    >>> import keras_clr.addons
{example}

    Args:
        initial_learning_rate: Lower bound, and the rate at step 0. Float,
            `>= 0`, finite in float32.
        maximal_learning_rate: Upper bound before scaling. Float,
            `>= initial_learning_rate`, finite in float32.
        step_size: Steps in half a cycle, `> 0`; may be fractional.{args}
        scale_mode: `"cycle"` or `"iterations"`: `x` above.
        name: Name of the operation.

    Returns:
        A 1-arg callable that takes the optimizer step and returns the
        learning rate, a scalar tensor of dtype `keras.config.floatx()`.

    Raises:
        ValueError: If an argument is out of range, not finite in float32
            or not an allowed value, or `from_config` gets a missing or
            unknown key.

    References:
        - Smith, "Cyclical Learning Rates for Training Neural Networks",
          2015, arXiv:1506.01186.
    """


def _doc(name, summary, factor, example, args=""):
    return _DOC.format(
        name=name,
        summary=summary,
        scaled=f", with the amplitude times `{factor}`" if factor else "",
        factor=f"\n{' ' * 42}* {factor}" if factor else "",
        example=example,
        args=args,
    )


class _AddonsSchedule(CyclicalSchedule):
    """Validation and set-up shared by the four TF Addons classes."""

    _scale = None  # The built-in policy of a named subclass.

    @property
    def _tf_keras_twin(self) -> str:
        return f"keras_clr.tf_keras.addons.{type(self).__name__}"

    def _setup(self, args: dict):
        """Checks and stores `args`, the constructor's `locals()`."""
        low, scale_mode = args["initial_learning_rate"], args["scale_mode"]
        self.initial_learning_rate, self.maximal_learning_rate = check_bounds(
            "initial_learning_rate",
            low,
            "maximal_learning_rate",
            args["maximal_learning_rate"],
        )
        step_size = args["step_size"]
        step_size = _validation.check_positive_steps("step_size", step_size)
        if float(np.float32(step_size)) < np.finfo(np.float32).tiny:
            # It would be 0 (or subnormal, flushed to 0) in float32.
            raise ValueError(
                "Argument `step_size` must be at least the smallest normal "
                f"float32, {np.finfo(np.float32).tiny}. "
                f"Received: step_size={step_size}"
            )
        self.step_size = step_size
        self.scale_mode = _validation.check_choice(
            "scale_mode", scale_mode, SCALE_MODES
        )
        self.name = _validation.check_name("name", args["name"])
        self._configure(
            low,
            self.initial_learning_rate,
            self.maximal_learning_rate,
            step_size,
            step_size,
            self._scale,
            scale_mode,
        )


@keras.saving.register_keras_serializable(package=_PACKAGE)
class CyclicalLearningRate(_AddonsSchedule):
    __doc__ = _doc(
        "CyclicalLearningRate",
        "a cycle with your scale policy",
        "scale_fn(x)",
        """\
    >>> @keras.saving.register_keras_serializable(package="my_project")
    ... def halve(x):
    ...     return 0.5 ** (x - 1.0)
    >>> schedule = keras_clr.addons.CyclicalLearningRate(
    ...     initial_learning_rate=0.1, maximal_learning_rate=1.0,
    ...     step_size=2.5, scale_fn=halve)
    >>> [round(float(schedule(s)), 4) for s in (0, 1, 2, 5, 7)]
    [0.1, 0.46, 0.82, 0.1, 0.46]""",
        """
        scale_fn: Required: a registered function or `keras_clr.ScalePolicy`
            instance (not a lambda), called on `x` as a float tensor.""",
    )

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
        self.scale_fn = check_scale_fn(scale_fn, required=True)
        self._setup(locals())


@keras.saving.register_keras_serializable(package=_PACKAGE)
class TriangularCyclicalLearningRate(_AddonsSchedule):
    __doc__ = _doc(
        "TriangularCyclicalLearningRate",
        "a constant amplitude",
        "",
        """\
    >>> schedule = keras_clr.addons.TriangularCyclicalLearningRate(
    ...     initial_learning_rate=0.1, maximal_learning_rate=1.0,
    ...     step_size=40)
    >>> [round(float(schedule(s)), 4) for s in (20, 40, 80)]
    [0.55, 1.0, 0.1]""",
    )

    def __init__(
        self,
        initial_learning_rate: float,
        maximal_learning_rate: float,
        step_size: float,
        scale_mode: str = "cycle",
        name: str = "TriangularCyclicalLearningRate",
    ):
        super().__init__()
        self._setup(locals())


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Triangular2CyclicalLearningRate(_AddonsSchedule):
    __doc__ = _doc(
        "Triangular2CyclicalLearningRate",
        "the amplitude halved",
        "2^(1 - x)",
        """\
    >>> schedule = keras_clr.addons.Triangular2CyclicalLearningRate(
    ...     initial_learning_rate=0.1, maximal_learning_rate=1.0,
    ...     step_size=30)
    >>> [round(float(schedule(s)), 4) for s in (30, 90, 150)]
    [1.0, 0.55, 0.325]""",
    )

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
        self._setup(locals())


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ExponentialCyclicalLearningRate(_AddonsSchedule):
    __doc__ = _doc(
        "ExponentialCyclicalLearningRate",
        "the amplitude times `gamma**x`",
        "gamma^x",
        """\
    >>> schedule = keras_clr.addons.ExponentialCyclicalLearningRate(
    ...     initial_learning_rate=0.0, maximal_learning_rate=1.0,
    ...     step_size=10, gamma=0.5)
    >>> round(float(schedule(10)), 8)
    0.00097656""",
        "\n        gamma: Decay factor, in `(0, 1]`.",
    )

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
        self.gamma = _validation.check_in_range("gamma", gamma, 0, 1)
        self._setup(locals())


# Files saved by keras_clr 0.1.0 name the package `keras_clr`.
for _cls in set(_AddonsSchedule.__subclasses__()) - {CyclicalLearningRate}:
    keras.saving.get_custom_objects().setdefault(
        f"keras_clr>{_cls.__name__}", _cls
    )
