"""keras_clr.tf_keras: values, serialization names and wrong-world errors."""

import inspect

import keras
import numpy as np
import pytest

import keras_clr
from tests.tf_keras.conftest import require_tf_keras

tf_keras = require_tf_keras()
import tensorflow as tf  # noqa: E402

import keras_clr.tf_keras as kt  # noqa: E402
from keras_clr.tf_keras import addons as kt_addons  # noqa: E402


@keras.saving.register_keras_serializable(package="keras_clr_tests")
def _thirds(cycle):
    return keras.ops.power(1.0 / 3.0, cycle - 1.0)


# (twin, Keras 3 class, arguments, {step: value by hand}).
CASES = [
    (
        kt.CyclicalLearningRate,
        keras_clr.CyclicalLearningRate,
        dict(base_lr=1.0, max_lr=5.0, step_size=4),
        {0: 1.0, 2: 3.0, 4: 5.0, 6: 3.0, 8: 1.0, 12: 5.0},
    ),
    (
        kt.CyclicalLearningRate,
        keras_clr.CyclicalLearningRate,
        dict(base_lr=1.0, max_lr=5.0, step_size=4, step_size_down=6),
        {5: 13.0 / 3.0, 10: 1.0, 14: 5.0},
    ),
    (
        kt.CyclicalLearningRate,
        keras_clr.CyclicalLearningRate,
        dict(base_lr=1.0, max_lr=5.0, step_size=4, mode="triangular2"),
        {4: 5.0, 12: 3.0, 20: 2.0},
    ),
    (
        kt.CyclicalLearningRate,
        keras_clr.CyclicalLearningRate,
        dict(
            base_lr=0.0, max_lr=1.0, step_size=10, mode="exp_range", gamma=0.5
        ),
        {10: 0.5**10, 5: 0.5 * 0.5**5},
    ),
    (
        kt.OneCycle,
        keras_clr.OneCycle,
        dict(
            max_lr=25.0,
            total_steps=10,
            div_factor=25.0,
            final_div_factor=2.0,
            anneal_strategy="linear",
        ),
        {0: 1.0, 1: 13.0, 2: 25.0, 3: 21.5, 8: 4.0, 9: 0.5, 50: 0.5},
    ),
    (
        # TF Addons' generic class with a fractional step size: the LR is
        # 1 - |step / 2.5 - 2 * cycle + 1|, times (1/3)**(cycle - 1).
        kt_addons.CyclicalLearningRate,
        keras_clr.addons.CyclicalLearningRate,
        dict(
            initial_learning_rate=0.0,
            maximal_learning_rate=1.0,
            step_size=2.5,
            scale_fn=_thirds,
        ),
        {0: 0.0, 1: 0.4, 2: 0.8, 3: 0.8, 5: 0.0, 6: 0.4 / 3.0},
    ),
    (
        kt.TriangularCyclicalLearningRate,
        keras_clr.addons.TriangularCyclicalLearningRate,
        dict(
            initial_learning_rate=0.1, maximal_learning_rate=1.0, step_size=40
        ),
        {20: 0.55, 40: 1.0, 80: 0.1},
    ),
    (
        kt.Triangular2CyclicalLearningRate,
        keras_clr.addons.Triangular2CyclicalLearningRate,
        dict(
            initial_learning_rate=0.1, maximal_learning_rate=1.0, step_size=30
        ),
        {30: 1.0, 90: 0.55, 150: 0.325},
    ),
    (
        kt.ExponentialCyclicalLearningRate,
        keras_clr.addons.ExponentialCyclicalLearningRate,
        dict(
            initial_learning_rate=0.0,
            maximal_learning_rate=1.0,
            step_size=10,
            gamma=0.5,
        ),
        {10: 0.5**10},
    ),
]
IDS = [f"{case[0].__name__}-{i}" for i, case in enumerate(CASES)]


@pytest.mark.parametrize("twin, keras3, kwargs, expected", CASES, ids=IDS)
@pytest.mark.parametrize("step_dtype", ["int32", "int64", "variable"])
def test_values_by_hand_and_equal_to_keras3(
    twin, keras3, kwargs, expected, step_dtype
):
    schedule = twin(**kwargs)
    reference = keras3(**kwargs)
    assert isinstance(
        schedule, tf_keras.optimizers.schedules.LearningRateSchedule
    )
    for step, value in expected.items():
        if step_dtype == "variable":
            # What a tf_keras optimizer passes: its int64 `iterations`.
            step_value = tf.Variable(step, dtype="int64")
        else:
            step_value = tf.constant(step, dtype=step_dtype)
        lr = schedule(step_value)
        assert isinstance(lr, tf.Tensor)
        np.testing.assert_allclose(float(lr), value, rtol=1e-6, atol=1e-7)
        assert float(lr) == float(reference(step))


def test_values_in_a_tf_function():
    schedule = kt.CyclicalLearningRate(1.0, 5.0, step_size=4)
    step = tf.Variable(0, dtype="int64")

    @tf.function(jit_compile=True)
    def lr_at():
        return schedule(step)

    values = []
    for i in range(9):
        step.assign(i)
        values.append(float(lr_at()))
    assert values == [1.0, 2.0, 3.0, 4.0, 5.0, 4.0, 3.0, 2.0, 1.0]


@pytest.mark.parametrize("twin, keras3, kwargs, expected", CASES, ids=IDS)
def test_same_signature_checks_and_attributes(twin, keras3, kwargs, expected):
    assert inspect.signature(twin) == inspect.signature(keras3)
    schedule = twin(**kwargs)
    assert schedule.get_config() == keras3(**kwargs).get_config()
    for name, value in kwargs.items():
        assert getattr(schedule, name) == value
    bad = "total_steps" if "total_steps" in kwargs else "step_size"
    with pytest.raises(ValueError, match=f"Argument `{bad}` must be"):
        twin(**dict(kwargs, **{bad: 0}))


def test_one_cycle_from_epochs():
    schedule = kt.OneCycle.from_epochs(0.1, epochs=5, steps_per_epoch=600)
    assert type(schedule) is kt.OneCycle
    assert schedule.total_steps == 3000
    assert "epochs" in inspect.signature(kt.OneCycle.from_epochs).parameters


def test_registered_names_are_their_own():
    twins = {
        kt.CyclicalLearningRate: "keras_clr.tf_keras>CyclicalLearningRate",
        kt_addons.CyclicalLearningRate: (
            "keras_clr.tf_keras.addons>CyclicalLearningRate"
        ),
        kt.OneCycle: "keras_clr.tf_keras>OneCycle",
        kt_addons.TriangularCyclicalLearningRate: (
            "keras_clr.tf_keras.addons>TriangularCyclicalLearningRate"
        ),
        kt_addons.Triangular2CyclicalLearningRate: (
            "keras_clr.tf_keras.addons>Triangular2CyclicalLearningRate"
        ),
        kt_addons.ExponentialCyclicalLearningRate: (
            "keras_clr.tf_keras.addons>ExponentialCyclicalLearningRate"
        ),
    }
    for twin, name in twins.items():
        assert tf_keras.saving.get_registered_name(twin) == name
        assert tf_keras.saving.get_registered_object(name) is twin
        # Not in Keras 3's registry, where keras_clr's own classes are.
        assert keras.saving.get_registered_object(name) is None
    keras3_names = {
        keras.saving.get_registered_name(getattr(module, n))
        for module in (keras_clr, keras_clr.addons)
        for n in module.__all__
        if inspect.isclass(getattr(module, n))
    }
    assert len(set(twins.values())) == len(twins)
    assert keras3_names.isdisjoint(twins.values())
    # The Keras 3 classes still resolve to themselves in Keras 3's registry.
    assert (
        keras.saving.get_registered_object("keras_clr>CyclicalLearningRate")
        is keras_clr.CyclicalLearningRate
    )
    assert tf_keras.saving.get_registered_object(
        "keras_clr.tf_keras.addons>CyclicalLearningRate"
    ) is not tf_keras.saving.get_registered_object(
        "keras_clr.tf_keras>CyclicalLearningRate"
    )


@pytest.mark.parametrize("twin, keras3, kwargs, expected", CASES, ids=IDS)
def test_tf_keras_serialization_round_trip(twin, keras3, kwargs, expected):
    import json

    schedule = twin(**dict(kwargs, name="custom_name"))
    config = tf_keras.optimizers.schedules.serialize(schedule)
    restored = tf_keras.optimizers.schedules.deserialize(
        json.loads(json.dumps(config))
    )
    assert type(restored) is twin
    assert restored.get_config() == schedule.get_config()
    assert restored.name == "custom_name"


def test_registered_scale_fn_round_trips():
    schedule = kt.CyclicalLearningRate(0.0, 0.9, step_size=5, scale_fn=_thirds)
    config = tf_keras.optimizers.schedules.serialize(schedule)
    restored = tf_keras.optimizers.schedules.deserialize(config)
    assert [round(float(restored(s)), 6) for s in (5, 15, 25)] == [
        0.9,
        0.3,
        0.1,
    ]


def test_twin_in_a_keras3_optimizer_names_the_keras3_class():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(
        optimizer=keras.optimizers.SGD(
            kt.CyclicalLearningRate(0.1, 0.5, step_size=2)
        ),
        loss="mse",
    )
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(
        TypeError, match=r"use `keras_clr\.CyclicalLearningRate`"
    ):
        model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)
    for old, new in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)


@pytest.mark.parametrize(
    "schedule, twin",
    [
        (
            lambda: keras_clr.CyclicalLearningRate(),
            r"keras_clr\.tf_keras\.CyclicalLearningRate`",
        ),
        (
            lambda: keras_clr.OneCycle(0.1, 100),
            r"keras_clr\.tf_keras\.OneCycle`",
        ),
        (
            lambda: keras_clr.addons.Triangular2CyclicalLearningRate(
                0.1, 1.0, 2.5
            ),
            r"keras_clr\.tf_keras\.addons\.Triangular2CyclicalLearningRate`",
        ),
    ],
)
def test_keras3_schedule_in_a_tf_keras_optimizer_names_the_twin(schedule, twin):
    with pytest.raises(TypeError, match=twin):
        tf_keras.optimizers.Adam(schedule())


@pytest.mark.parametrize(
    "name, advice",
    [
        ("CyclicLR", r"keras_clr\.tf_keras\.CyclicalLearningRate"),
        ("LearningRateLogger", r"tf_keras\.callbacks\.TensorBoard"),
        ("ReduceLRBoundsOnPlateau", "Keras 3 model"),
    ],
)
def test_keras3_callbacks_say_what_to_use(name, advice):
    with pytest.raises(ImportError, match=advice):
        exec(f"from keras_clr.tf_keras import {name}", {})
    with pytest.raises(AttributeError):
        kt.NoSuchThing  # noqa: B018
