import inspect
import json

import keras
import numpy as np
import pytest
from keras import ops

import keras_clr
import keras_clr.addons
from tests import policies
from tests.helpers import run_fresh
from tests.helpers import unit_gradient_data
from tests.helpers import unit_gradient_model

SCHEDULES = {
    "default": lambda: keras_clr.CyclicalLearningRate(),
    "triangular2_named": lambda: keras_clr.CyclicalLearningRate(
        0.01, 0.1, 50, mode="triangular2", step_size_down=70, name="my_clr"
    ),
    "exp_range": lambda: keras_clr.CyclicalLearningRate(
        0.001, 0.01, 30, mode="exp_range", gamma=0.999, scale_mode="cycle"
    ),
    "custom_function": lambda: keras_clr.CyclicalLearningRate(
        0.1, 0.5, 4, scale_fn=policies.third_per_cycle, name="thirds"
    ),
    "custom_policy": lambda: keras_clr.CyclicalLearningRate(
        0.1, 0.5, 4, scale_fn=policies.StepDown(0.3, 3), scale_mode="cycle"
    ),
    "tfa_triangular": lambda: keras_clr.TriangularCyclicalLearningRate(
        0.1, 1.0, 40, name="tri"
    ),
    "tfa_triangular2": lambda: keras_clr.Triangular2CyclicalLearningRate(
        0.1, 1.0, 30, scale_mode="iterations"
    ),
    "tfa_exponential": lambda: keras_clr.ExponentialCyclicalLearningRate(
        0.1, 1.0, 30, gamma=0.98, name="expo"
    ),
    "addons_generic_fractional": lambda: keras_clr.addons.CyclicalLearningRate(
        0.1, 1.0, 2.5, scale_fn=policies.third_per_cycle, name="gen"
    ),
    "one_cycle": lambda: keras_clr.OneCycle(0.1, 300),
    "adjusted": lambda: keras_clr.AdjustedSchedule(
        keras_clr.CyclicalLearningRate(0.01, 0.1, 20, mode="triangular2"),
        scale=0.25,
        start_step=30,
        name="adj",
    ),
    "one_cycle_three_phase": lambda: keras_clr.OneCycle(
        0.2,
        250,
        pct_start=0.2,
        anneal_strategy="linear",
        div_factor=10,
        final_div_factor=100,
        three_phase=True,
        name="oc3",
    ),
}
STEPS = np.arange(0, 400, 7)


def lrs(schedule):
    steps = ops.convert_to_tensor(STEPS, dtype="int32")
    return ops.convert_to_numpy(schedule(steps))


@pytest.mark.parametrize("key", sorted(SCHEDULES))
def test_get_config_holds_exactly_the_constructor_arguments(key):
    schedule = SCHEDULES[key]()
    config = schedule.get_config()
    params = inspect.signature(type(schedule).__init__).parameters
    assert set(config) == set(params) - {"self"}
    assert config["name"] == schedule.name
    rebuilt = type(schedule)(**config)
    np.testing.assert_array_equal(lrs(rebuilt), lrs(schedule))


@pytest.mark.parametrize("key", sorted(SCHEDULES))
def test_json_round_trip(key):
    schedule = SCHEDULES[key]()
    text = json.dumps(keras.saving.serialize_keras_object(schedule))
    restored = keras.saving.deserialize_keras_object(json.loads(text))
    assert type(restored) is type(schedule)
    assert restored.get_config() == schedule.get_config()
    np.testing.assert_array_equal(lrs(restored), lrs(schedule))


def test_keras_schedule_serialize_api_round_trip():
    schedule = SCHEDULES["custom_policy"]()
    config = keras.optimizers.schedules.serialize(schedule)
    restored = keras.optimizers.schedules.deserialize(
        json.loads(json.dumps(config))
    )
    assert isinstance(restored.scale_fn, policies.StepDown)
    assert restored.scale_fn.get_config() == {"factor": 0.3, "every": 3}


FRESH_KEYS = [
    "triangular2_named",
    "custom_policy",
    "tfa_exponential",
    "addons_generic_fractional",
    "one_cycle",
    "adjusted",
]


@pytest.fixture(scope="module")
def fresh_round_trips(tmp_path_factory):
    """Each schedule's model saved after 7 steps, then loaded and trained 5
    more steps in ONE fresh process (one start-up for all of them); also
    the uninterrupted runs' next LR and weight, computed here."""
    folder = tmp_path_factory.mktemp("fresh_round_trips")
    expected, paths = {}, {}
    for key in FRESH_KEYS:
        schedule = SCHEDULES[key]()
        optimizer = keras.optimizers.Adam(learning_rate=schedule)
        model = unit_gradient_model(optimizer)
        x, y = unit_gradient_data(7)
        model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
        paths[key] = str(folder / f"{key}.keras")
        model.save(paths[key])
        # The uninterrupted run: 5 more steps.
        x_more, y_more = unit_gradient_data(5)
        next_lr = float(ops.convert_to_numpy(schedule(7)))
        model.fit(x_more, y_more, batch_size=2, shuffle=False, verbose=0)
        expected[key] = dict(
            cls=type(schedule).__name__,
            config=json.loads(json.dumps(schedule.get_config())),
            next_lr=next_lr,
            weight=float(ops.convert_to_numpy(model.weights[0]).item()),
        )
    loaded = run_fresh(
        f"""
        import json
        import keras
        import keras_clr
        import tests.policies  # the user's own module with their policy
        from tests.helpers import unit_gradient_data

        out = {{}}
        for key, path in {paths!r}.items():
            model = keras.models.load_model(path)
            optimizer = model.optimizer
            schedule = optimizer._learning_rate
            lr = keras.ops.convert_to_numpy(optimizer.learning_rate)
            out[key] = dict(
                cls=type(schedule).__name__,
                config=schedule.get_config(),
                iterations=int(
                    keras.ops.convert_to_numpy(optimizer.iterations)
                ),
                next_lr=float(lr),
            )
            x, y = unit_gradient_data(5)
            model.fit(x, y, batch_size=2, shuffle=False, verbose=0)
            weight = keras.ops.convert_to_numpy(model.weights[0])
            out[key]["weight"] = float(weight.item())
        print(json.dumps(out))
        """
    )
    return expected, loaded


@pytest.mark.parametrize("key", FRESH_KEYS)
def test_keras_file_round_trip_in_a_fresh_process(key, fresh_round_trips):
    expected, loaded = (side[key] for side in fresh_round_trips)
    assert loaded["cls"] == expected["cls"]
    assert loaded["config"] == expected["config"]
    assert loaded["iterations"] == 7
    assert loaded["next_lr"] == pytest.approx(expected["next_lr"], rel=1e-7)
    assert loaded["weight"] == pytest.approx(expected["weight"], abs=1e-6)


@pytest.mark.parametrize(
    "cls, peak",
    [
        (keras_clr.CyclicalLearningRate, 2.0),  # triangular
        (keras_clr.ExponentialCyclicalLearningRate, 0.25 + 1.75 * 0.5**4),
    ],
)
def test_numpy_scalar_arguments_give_a_json_config(cls, peak):
    schedule = cls(
        np.float32(0.25), np.int64(2), np.int32(4), gamma=np.float32(0.5)
    )
    config = json.loads(json.dumps(schedule.get_config()))
    assert cls.from_config(config).get_config() == config
    assert float(ops.convert_to_numpy(schedule(4))) == pytest.approx(peak)
