"""Every public callable refuses every kind of bad value, by name.

Generated from the signatures: each parameter gets a kind (from its
annotation, its default, or the table below), each kind a table of values
no caller may pass, and each call must raise a `ValueError` or `TypeError`
whose message names the argument in the Keras form (`` `name` ``), before
any work. The valid arguments each call starts from are in `CALLS`.
"""

import inspect
import math

import keras
import numpy as np
import pytest

import keras_clr
import keras_clr.addons
from tests import policies

BAD = {
    "number": [
        True,
        "1",
        float("nan"),
        float("inf"),
        np.array([1.0, 2.0]),
        [1],
        object(),
    ],
    "string": [3, b"x", "", object()],
    "bool": ["yes", 2, object()],
    "path": [b"dir", 3, ""],
    "schedule": ["x", 3.0, object()],
    "axes": ["x", 3.0],
    # A count of steps, or the steps themselves.
    "steps": [True, "1", float("nan"), 0, -1, np.array([0.5, 1.5]), object()],
}
# Kinds that annotations do not tell.
KINDS = {
    "steps": "steps",
    "learning_rate": "schedule",
    "ax": "axes",
    "schedule": "schedule",
    "scale_fn": "skip",
}


def _model():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def _result():
    lrs = np.geomspace(1e-5, 1.0, 51)
    return keras_clr.LRRangeTestResult(lrs, 2.0 - np.tanh(np.log10(lrs) + 3))


def _clr():
    return keras_clr.CyclicalLearningRate(0.001, 0.006, 20)


ADDONS = dict(
    initial_learning_rate=0.001, maximal_learning_rate=0.006, step_size=20
)
CALLS = {
    "CyclicalLearningRate": (keras_clr.CyclicalLearningRate, dict),
    "OneCycle": (
        keras_clr.OneCycle,
        lambda: dict(max_lr=0.1, total_steps=100),
    ),
    "OneCycle.from_epochs": (
        keras_clr.OneCycle.from_epochs,
        lambda: dict(max_lr=0.1, epochs=2, steps_per_epoch=10),
    ),
    "AdjustedSchedule": (
        keras_clr.AdjustedSchedule,
        lambda: dict(schedule=_clr()),
    ),
    "addons.CyclicalLearningRate": (
        keras_clr.addons.CyclicalLearningRate,
        lambda: dict(ADDONS, scale_fn=policies.third_per_cycle),
    ),
    "addons.TriangularCyclicalLearningRate": (
        keras_clr.addons.TriangularCyclicalLearningRate,
        lambda: dict(ADDONS),
    ),
    "addons.Triangular2CyclicalLearningRate": (
        keras_clr.addons.Triangular2CyclicalLearningRate,
        lambda: dict(ADDONS),
    ),
    "addons.ExponentialCyclicalLearningRate": (
        keras_clr.addons.ExponentialCyclicalLearningRate,
        lambda: dict(ADDONS, gamma=0.99),
    ),
    "cyclical_momentum": (
        keras_clr.cyclical_momentum,
        lambda: dict(optimizer=keras.optimizers.SGD(_clr())),
    ),
    **{
        f"CyclicalMomentum{name}": (
            getattr(keras_clr, f"CyclicalMomentum{name}"),
            lambda: dict(learning_rate=_clr()),
        )
        for name in ("SGD", "Adam", "AdamW", "Nadam", "Adamax", "Lion")
    },
    "CyclicLR": (keras_clr.CyclicLR, dict),
    "CyclicLR.reset": (lambda **kw: keras_clr.CyclicLR().reset(**kw), dict),
    "LearningRateLogger": (keras_clr.LearningRateLogger, dict),
    "ReduceLRBoundsOnPlateau": (keras_clr.ReduceLRBoundsOnPlateau, dict),
    "ScheduleGuard": (keras_clr.ScheduleGuard, dict),
    "lr_range_test": (
        keras_clr.lr_range_test,
        lambda: dict(
            model=_model(), x=np.ones((8, 2)), y=np.ones((8, 1)), verbose=0
        ),
    ),
    "LRRangeTestResult": (
        keras_clr.LRRangeTestResult,
        lambda: dict(lrs=[1e-3, 1e-2, 1e-1], losses=[1.0, 0.5, 2.0]),
    ),
    "LRRangeTestResult.suggest_bounds": (
        lambda **kw: _result().suggest_bounds(**kw),
        dict,
    ),
    "LRRangeTestResult.cyclical_learning_rate": (
        lambda **kw: _result().cyclical_learning_rate(**kw),
        lambda: dict(step_size=10),
    ),
    "LRRangeTestResult.one_cycle": (
        lambda **kw: _result().one_cycle(**kw),
        lambda: dict(total_steps=10),
    ),
    "plot_schedule": (
        keras_clr.plot_schedule,
        lambda: dict(schedule=_clr(), steps=10),
    ),
}
# The methods called through a lambda: their own signatures.
SIGNATURES = {
    "CyclicLR.reset": keras_clr.CyclicLR.reset,
    "LRRangeTestResult.suggest_bounds": (
        keras_clr.LRRangeTestResult.suggest_bounds
    ),
    "LRRangeTestResult.cyclical_learning_rate": (
        keras_clr.LRRangeTestResult.cyclical_learning_rate
    ),
    "LRRangeTestResult.one_cycle": keras_clr.LRRangeTestResult.one_cycle,
}


def _kind(parameter):
    if parameter.name in KINDS:
        return KINDS[parameter.name]
    text = str(parameter.annotation)
    if "PathLike" in text:
        return "path"
    for kind, names in (
        ("bool", ("bool",)),
        ("number", ("float", "int")),
        ("string", ("str",)),
    ):
        if any(n in text.replace("'", "").split(" | ") for n in names):
            return kind
    default = parameter.default
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, (int, float)):
        return "number"
    if isinstance(default, str):
        return "string"
    return "skip"


def _cases():
    for label, (call, _) in CALLS.items():
        target = SIGNATURES.get(label, call)
        for parameter in inspect.signature(target).parameters.values():
            if parameter.name == "self" or parameter.kind in (
                parameter.VAR_KEYWORD,
                parameter.VAR_POSITIONAL,
            ):
                continue
            kind = _kind(parameter)
            if kind == "skip":
                continue
            bad = list(BAD[kind])
            if parameter.default is not None:
                bad.append(None)
            for value in bad:
                yield pytest.param(
                    label,
                    parameter.name,
                    value,
                    id=f"{label}-{parameter.name}-{_short(value)}",
                )


def _short(value):
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    text = type(value).__name__ if isinstance(value, object) else ""
    return (
        f"{text}:{value!r}"[:24]
        if not isinstance(value, object)
        else (f"{type(value).__name__}({str(value)[:12]})")
    )


@pytest.mark.parametrize("label, name, value", list(_cases()))
def test_a_bad_value_is_refused_by_name(label, name, value):
    call, valid = CALLS[label]
    kwargs = valid()
    kwargs[name] = value
    with pytest.raises((ValueError, TypeError)) as error:
        call(**kwargs)
    assert f"`{name}`" in str(error.value)


@pytest.mark.parametrize("label", list(CALLS))
def test_the_valid_arguments_are_valid(label):
    call, valid = CALLS[label]
    call(**valid())  # the baseline each bad value changes one thing of


@pytest.mark.parametrize(
    "value", [np.float32(2.5), np.float16(2.5), np.int8(2), np.array(2.5)]
)
def test_numpy_scalars_and_0d_arrays_are_numbers(value):
    keras_clr.CyclicLR(0.001, 0.006, value).reset(step_size=value)
    schedule = keras_clr.addons.TriangularCyclicalLearningRate(
        0.001, 0.006, step_size=value
    )
    assert (
        keras.saving.deserialize_keras_object(
            keras.saving.serialize_keras_object(schedule)
        ).get_config()
        == schedule.get_config()
    )
