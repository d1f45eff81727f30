"""Cyclical momentum: momentum that moves inversely to the learning rate.

Keras 3 optimizers keep `momentum` (SGD) and `beta_1` (the Adam family,
Lion) as Python numbers baked into the compiled step. The optimizers here
are registered subclasses that, once per training step and inside the
compiled step, evaluate their learning rate schedule's `momentum(step)` and
use that tensor in place of the number. Everything else is the Keras
optimizer unchanged.
"""

import keras

from keras_clr import _validation

_ARGS_DOC = """
    Args:
        learning_rate: A keras_clr schedule with a `momentum` method:
            `keras_clr.CyclicalLearningRate` (or a TF Addons drop-in) or
            `keras_clr.OneCycle`.
        base_momentum: Momentum where the learning rate is highest.
        max_momentum: Momentum where the learning rate is lowest; also the
            nominal `{attr}` that `get_config` reports.
        **kwargs: The other arguments of `keras.optimizers.{base}`.
"""


class _CyclicalMomentum:
    """Mixin: swaps the momentum attribute for the schedule's value."""

    _momentum_attr = "beta_1"

    def __init__(
        self,
        learning_rate,
        base_momentum: float = 0.85,
        max_momentum: float = 0.95,
        **kwargs,
    ):
        _check_momenta(base_momentum, max_momentum)
        nominal = kwargs.pop(self._momentum_attr, None)
        if nominal is not None and nominal != max_momentum:
            attr = self._momentum_attr
            raise ValueError(
                f"`{attr}` is cycled between `base_momentum` and "
                f"`max_momentum`; set those instead. Received: {attr}="
                f"{nominal}, max_momentum={max_momentum}"
            )
        if not callable(getattr(learning_rate, "momentum", None)):
            raise ValueError(
                "Cyclical momentum follows the learning rate schedule, so "
                "argument `learning_rate` must be a keras_clr schedule "
                "(`keras_clr.CyclicalLearningRate` or `keras_clr.OneCycle`). "
                f"Received: learning_rate={learning_rate!r}"
            )
        super().__init__(
            learning_rate=learning_rate,
            **{self._momentum_attr: float(max_momentum)},
            **kwargs,
        )
        self.base_momentum = base_momentum
        self.max_momentum = max_momentum

    @property
    def current_momentum(self):
        """The momentum the next step will use (a scalar tensor)."""
        return self._learning_rate.momentum(
            self._iterations, self.base_momentum, self.max_momentum
        )

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        # Once per step, before any variable is updated: every update_step
        # (and Nadam's own pre-update) reads the attribute as this tensor.
        attr = self._momentum_attr
        nominal = getattr(self, attr)
        setattr(self, attr, self.current_momentum)
        try:
            super()._backend_update_step(
                grads, trainable_variables, learning_rate
            )
        finally:
            setattr(self, attr, nominal)

    def get_config(self):
        config = super().get_config()
        config["base_momentum"] = self.base_momentum
        config["max_momentum"] = self.max_momentum
        return config


def _check_momenta(base_momentum, max_momentum):
    for name, value in (
        ("base_momentum", base_momentum),
        ("max_momentum", max_momentum),
    ):
        _validation.check_finite(name, value)
        if not 0 <= value < 1:
            raise ValueError(
                f"Argument `{name}` must be in [0, 1). Received: {name}={value}"
            )
    if base_momentum > max_momentum:
        raise ValueError(
            "Argument `base_momentum` must be <= `max_momentum`. "
            f"Received: base_momentum={base_momentum}, "
            f"max_momentum={max_momentum}"
        )


@keras.saving.register_keras_serializable(package="keras_clr")
class CyclicalMomentumSGD(_CyclicalMomentum, keras.optimizers.SGD):
    __doc__ = (
        "`keras.optimizers.SGD` whose `momentum` cycles with the LR.\n"
        + _ARGS_DOC.format(attr="momentum", base="SGD")
    )
    _momentum_attr = "momentum"

    def build(self, variables):
        if self.built:
            return
        # SGD makes no momentum slots when `max_momentum` is 0; always make
        # them, since the momentum is a tensor at update time.
        keras.optimizers.Optimizer.build(self, variables)
        self.momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        # Keras' SGD rule without its Python `momentum != 0` test, which a
        # tensor momentum cannot answer while tracing.
        learning_rate = keras.ops.cast(learning_rate, variable.dtype)
        gradient = keras.ops.cast(gradient, variable.dtype)
        momentum = keras.ops.cast(self.momentum, variable.dtype)
        m = self.momentums[self._get_variable_index(variable)]
        self.assign(m, m * momentum - gradient * learning_rate)
        if self.nesterov:
            self.assign_add(variable, m * momentum - gradient * learning_rate)
        else:
            self.assign_add(variable, m)


def _beta_1_class(base):
    name = f"CyclicalMomentum{base.__name__}"
    cls = type(
        name,
        (_CyclicalMomentum, base),
        {
            "__doc__": f"`keras.optimizers.{base.__name__}` whose `beta_1` "
            "cycles with the LR.\n"
            + _ARGS_DOC.format(attr="beta_1", base=base.__name__),
            "__module__": __name__,
            "__qualname__": name,
        },
    )
    return keras.saving.register_keras_serializable(package="keras_clr")(cls)


CyclicalMomentumAdam = _beta_1_class(keras.optimizers.Adam)
CyclicalMomentumAdamW = _beta_1_class(keras.optimizers.AdamW)
CyclicalMomentumNadam = _beta_1_class(keras.optimizers.Nadam)
CyclicalMomentumAdamax = _beta_1_class(keras.optimizers.Adamax)
CyclicalMomentumLion = _beta_1_class(keras.optimizers.Lion)

# Subclasses first: AdamW is an Adam.
_CYCLING = [
    (keras.optimizers.AdamW, CyclicalMomentumAdamW),
    (keras.optimizers.Adam, CyclicalMomentumAdam),
    (keras.optimizers.Nadam, CyclicalMomentumNadam),
    (keras.optimizers.Adamax, CyclicalMomentumAdamax),
    (keras.optimizers.Lion, CyclicalMomentumLion),
    (keras.optimizers.SGD, CyclicalMomentumSGD),
]


def cyclical_momentum(
    optimizer, base_momentum: float = 0.85, max_momentum: float = 0.95
):
    """Returns `optimizer` with its momentum cycling inversely to the LR.

    Smith's recipe pairs a high learning rate with low momentum: while the
    LR rises from its lower bound to its peak, the momentum falls from
    `max_momentum` to `base_momentum`, and back. For SGD this is
    `momentum`; for Adam, AdamW, Nadam, Adamax and Lion it is `beta_1`
    (as PyTorch cycles `betas[0]`). The momentum is computed from the
    optimizer's schedule inside the compiled train step, so it works with
    `steps_per_execution > 1` and `jit_compile=True`, and the optimizer
    saves to `.keras` and loads without `custom_objects`.

    Call it before the optimizer is used: it builds a new optimizer of the
    matching `keras_clr.CyclicalMomentum*` class from `optimizer`'s config.

    Example:

    >>> import keras
    >>> import keras_clr
    >>> schedule = keras_clr.OneCycle(max_lr=0.1, total_steps=1000)
    >>> optimizer = keras_clr.cyclical_momentum(
    ...     keras.optimizers.SGD(learning_rate=schedule, nesterov=True))
    >>> type(optimizer).__name__
    'CyclicalMomentumSGD'
    >>> [round(float(schedule.momentum(s)), 4) for s in (0, 299, 999)]
    [0.95, 0.85, 0.95]

    Args:
        optimizer: An unused `keras.optimizers.SGD`, `Adam`, `AdamW`,
            `Nadam`, `Adamax` or `Lion` whose `learning_rate` is a keras_clr
            schedule.
        base_momentum: Momentum at the LR's peak. In `[0, 1)`.
        max_momentum: Momentum at the LR's lower bound. In
            `[base_momentum, 1)`.

    Returns:
        A new optimizer of the `keras_clr.CyclicalMomentum*` class.

    Raises:
        ValueError: If the optimizer has no momentum term keras_clr can
            cycle, was already used, has no keras_clr schedule, or the
            momenta are out of range.

    References:
        - Smith, "A disciplined approach to neural network hyper-parameters",
          2018, arXiv:1803.09820.
    """
    if isinstance(optimizer, _CyclicalMomentum):
        raise ValueError(
            "Argument `optimizer` already cycles its momentum. "
            f"Received: optimizer={type(optimizer).__name__}"
        )
    target = next(
        (cls for base, cls in _CYCLING if isinstance(optimizer, base)), None
    )
    if target is None:
        names = ", ".join(base.__name__ for base, _ in reversed(_CYCLING))
        raise ValueError(
            "Argument `optimizer` has no momentum term that keras_clr can "
            f"cycle; supported optimizers: {names}. "
            f"Received: optimizer={type(optimizer).__name__}"
        )
    if optimizer.built:
        raise ValueError(
            "Argument `optimizer` has already been used; its state would be "
            "lost. Call `keras_clr.cyclical_momentum` on a new optimizer, "
            "before `model.compile`."
        )
    config = optimizer.get_config()
    config.pop(target._momentum_attr, None)
    config["learning_rate"] = optimizer._learning_rate
    return target(
        base_momentum=base_momentum, max_momentum=max_momentum, **config
    )
