"""Cyclical momentum: momentum that moves inversely to the learning rate.

Registered subclasses of Keras' optimizers whose `momentum` (SGD) or
`beta_1` is, at every step inside the compiled step, their schedule's
`momentum(step)`; the update is Keras' own (on PyTorch the fused one, with
the momentum kept a tensor: `keras_clr._torch_fused`).
"""

import inspect

import keras
from keras import ops

from keras_clr import _keras
from keras_clr import _torch_fused
from keras_clr import _validation
from keras_clr.schedules._momentum import BASE_MOMENTUM
from keras_clr.schedules._momentum import MAX_MOMENTUM
from keras_clr.schedules._momentum import supports_momentum


class _CyclicalMomentum(_keras.StepLearningRate):
    """Mixin: the optimizer's momentum attribute follows the schedule."""

    _momentum_attr = "beta_1"

    def __init__(
        self,
        learning_rate: keras.optimizers.schedules.LearningRateSchedule,
        base_momentum: float = BASE_MOMENTUM,
        max_momentum: float = MAX_MOMENTUM,
        **kwargs,
    ):
        base_momentum, max_momentum = _check_momenta(
            base_momentum, max_momentum
        )
        nominal = kwargs.pop(self._momentum_attr, None)
        if nominal is not None and nominal != max_momentum:
            attr = self._momentum_attr
            raise ValueError(
                f"`{attr}` is cycled between `base_momentum` and "
                f"`max_momentum`; set those instead. Received: {attr}="
                f"{nominal}, max_momentum={max_momentum}"
            )
        if not supports_momentum(learning_rate):
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
        """The momentum the next step will use (a scalar float32 tensor).

        While the optimizer's learning rate is not a keras_clr schedule
        (for example during `keras_clr.lr_range_test`, which sweeps the LR
        with a schedule of its own), it is the nominal `max_momentum`.
        """
        schedule = _keras.learning_rate_object(self)
        if not supports_momentum(schedule):
            return ops.convert_to_tensor(self.max_momentum, dtype="float32")
        return schedule.momentum(
            self.iterations, self.base_momentum, self.max_momentum
        )

    def apply(self, grads, trainable_variables=None):
        # Every update goes through here (`apply_gradients`, the three
        # trainers, JAX's `stateless_apply`, `LossScaleOptimizer`): for one
        # step the momentum attribute is this step's tensor, and the LR
        # computed with it is served to Keras' update.
        schedule = _keras.learning_rate_object(self)
        if supports_momentum(schedule):
            lr, momentum = schedule.lr_and_momentum(
                self.iterations, self.base_momentum, self.max_momentum
            )
        else:
            lr, momentum = None, self.current_momentum
        attr = self._momentum_attr
        nominal = getattr(self, attr)
        setattr(self, attr, momentum)
        try:
            with _keras.step_learning_rate(self, lr):
                return super().apply(grads, trainable_variables)
        finally:
            setattr(self, attr, nominal)

    def get_config(self):
        config = super().get_config()
        config["base_momentum"] = self.base_momentum
        config["max_momentum"] = self.max_momentum
        return config


def _check_momenta(base_momentum, max_momentum):
    base = _validation.check_in_unit_interval("base_momentum", base_momentum)
    top = _validation.check_in_unit_interval("max_momentum", max_momentum)
    if base > top:
        raise ValueError(
            "Argument `base_momentum` must be <= `max_momentum`. "
            f"Received: base_momentum={base}, max_momentum={top}"
        )
    return base, top


_DOC = """`keras.optimizers.{base}` whose `{attr}` cycles inversely to the LR.

Use it (or `keras_clr.cyclical_momentum(keras.optimizers.{base}(...))`)
{use} At step `t`, `{attr}` is the schedule's `momentum(t)`:

```
{attr}_t = max_momentum - (max_momentum - base_momentum) * h_t
```

where `h_t` in [0, 1] is how high the LR stands in its cycle.{note}

Example:

>>> import keras
>>> import keras_clr
>>> optimizer = keras_clr.CyclicalMomentum{base}(
...     learning_rate=keras_clr.OneCycle(max_lr=0.01, total_steps=100),
...     base_momentum=0.8, max_momentum=0.9)
>>> config = optimizer.get_config()
>>> config["{attr}"], round(float(optimizer.current_momentum), 4)
(0.9, 0.9)

Args:
    learning_rate: A keras_clr schedule (cyclical, TF Addons or one-cycle).
    base_momentum: `{attr}` where the LR peaks, in `[0, 1)`.
    max_momentum: `{attr}` where the LR is lowest, in `[base_momentum, 1)`;
        the nominal `{attr}` of `get_config`.
    **kwargs: The other arguments of `keras.optimizers.{base}`.

Raises:
    ValueError: If `learning_rate` defines no momentum, the momenta are out
        of range, or `{attr}` is given and differs from `max_momentum`.

References:
    - Smith, "A disciplined approach to neural network hyper-parameters",
      2018, arXiv:1803.09820.
"""


def _cycling(base, update, use, note="", attr="beta_1", methods=None):
    """A registered `CyclicalMomentum<base>` class, documented by `_DOC`."""
    name = f"CyclicalMomentum{base.__name__}"
    namespace = {
        "__doc__": _DOC.format(
            base=base.__name__, attr=attr, use=use, note=note
        ),
        "__module__": __name__,
        "__qualname__": name,
        "_momentum_attr": attr,
        **(methods or {}),
    }
    parents = (_CyclicalMomentum, _keras.torch_fused_base(base, update))
    cls = type(name, parents, namespace)
    return keras.saving.register_keras_serializable(package="keras_clr")(cls)


class _SGDMethods:
    def build(self, variables):
        if self.built:
            return
        # Keras' SGD makes no momentum slots when `momentum` is 0; always
        # make them, since the momentum is a tensor at update time.
        super(keras.optimizers.SGD, self).build(variables)
        self.momentums = _momentum_slots(self, variables)

    def update_step(self, gradient, variable, learning_rate):
        # Keras' SGD rule without its Python `momentum != 0` test, which a
        # tensor momentum cannot answer while tracing.
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        momentum = ops.cast(self.momentum, variable.dtype)
        m = self.momentums[_keras.variable_index(self, variable)]
        self.assign(m, m * momentum - gradient * learning_rate)
        if self.nesterov:
            self.assign_add(variable, m * momentum - gradient * learning_rate)
        else:
            self.assign_add(variable, m)


def _momentum_slots(optimizer, variables):
    """One zero `momentum` slot per variable, as Keras' SGD makes them.

    `add_variable_from_reference` is public since Keras 3.0 (Keras 3.10's
    `add_optimizer_variables` is not on the floor). Like that method, a
    variable that is overwritten with its gradient (float8 training) gets
    `None`, so the optimizer's variables, and so saved files, match Keras'
    own SGD with momentum.
    """
    return [
        None
        if getattr(variable, "overwrite_with_gradient", False)
        else optimizer.add_variable_from_reference(variable, name="momentum")
        for variable in variables
    ]


CyclicalMomentumSGD = _cycling(
    keras.optimizers.SGD,
    _torch_fused.sgd,
    "for Smith's pairing of a high learning rate with a low momentum, with\n"
    "`keras_clr.OneCycle` or `keras_clr.CyclicalLearningRate`.",
    " The update is Keras' SGD rule, with Nesterov if asked; momentum "
    "slots\nare always made.",
    attr="momentum",
    methods={
        "build": _SGDMethods.build,
        "update_step": _SGDMethods.update_step,
    },
)
CyclicalMomentumAdam = _cycling(
    keras.optimizers.Adam,
    _torch_fused.adam,
    "to cycle Adam's first-moment decay with the learning rate, as PyTorch\n"
    "cycles `betas[0]`.",
    " The bias correction uses the\ncurrent `beta_1`, as PyTorch's does.",
)
CyclicalMomentumAdamW = _cycling(
    keras.optimizers.AdamW,
    _torch_fused.adam,
    "for one-cycle training with decoupled weight decay, the fast.ai\nrecipe.",
)
CyclicalMomentumNadam = _cycling(
    keras.optimizers.Nadam,
    _torch_fused.nadam,
    "to cycle Nadam's first-moment decay with the learning rate.",
    " Nadam's\nmomentum-cache product accumulates the cycled values.",
)
CyclicalMomentumAdamax = _cycling(
    keras.optimizers.Adamax,
    _torch_fused.adamax,
    "to cycle Adamax's first-moment decay with the learning rate.",
)
CyclicalMomentumLion = _cycling(
    keras.optimizers.Lion,
    _torch_fused.lion,
    "to cycle the interpolation factor of Lion's update direction with the\n"
    "learning rate.",
    " Lion's `beta_2` (the slot's own\ndecay) stays fixed.",
)


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
    optimizer: keras.optimizers.Optimizer,
    base_momentum: float = BASE_MOMENTUM,
    max_momentum: float = MAX_MOMENTUM,
) -> keras.optimizers.Optimizer:
    """Returns `optimizer` with its momentum cycling inversely to the LR.

    Smith pairs a high LR with a low momentum: as the LR rises to its peak
    the momentum (SGD's `momentum`, the others' `beta_1`, as PyTorch
    cycles `betas[0]`) falls from `max_momentum` to `base_momentum`. Call
    it on an unused optimizer: it builds the `CyclicalMomentum*` twin.

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
        optimizer: An unused `SGD`, `Adam`, `AdamW`, `Nadam`, `Adamax` or
            `Lion` whose `learning_rate` is a keras_clr schedule.
        base_momentum: Momentum at the LR's peak, in `[0, 1)`.
        max_momentum: Momentum at its bottom, in `[base_momentum, 1)`.

    Returns:
        A new optimizer of the `keras_clr.CyclicalMomentum*` class.

    Raises:
        ValueError: If the optimizer has no momentum keras_clr can cycle,
            was used, has no keras_clr schedule, has its momentum set (to
            other than its default and `max_momentum`), or the momenta are
            out of range.

    References:
        - Smith, "A disciplined approach to neural network hyper-parameters",
          2018, arXiv:1803.09820.
    """
    if isinstance(optimizer, _CyclicalMomentum):
        raise ValueError(
            "Argument `optimizer` already cycles its momentum. "
            f"Received: optimizer={type(optimizer).__name__}"
        )
    base, target = next(
        (pair for pair in _CYCLING if isinstance(optimizer, pair[0])),
        (None, None),
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
    attr = target._momentum_attr
    nominal = config.pop(attr, None)
    default = inspect.signature(base.__init__).parameters[attr].default
    if nominal not in (None, default, max_momentum):
        # A value the user chose (not the class default) would be lost.
        raise ValueError(
            f"`{attr}` is cycled between `base_momentum` and "
            f"`max_momentum`; pass those to `cyclical_momentum` instead of "
            f"setting `{attr}`. Received: {attr}={nominal}, "
            f"max_momentum={max_momentum}"
        )
    config["learning_rate"] = _keras.learning_rate_object(optimizer)
    return target(
        base_momentum=base_momentum, max_momentum=max_momentum, **config
    )
