"""`from_config` refuses a config with a missing or an unknown key (issue
21), naming the class and the key; configs of 0.1.0 and 0.2.0 load
(test_compat_0_1_0.py), as every key today's `get_config` writes was
written by both."""

import json

import numpy as np
import pytest

import keras_clr
import keras_clr.addons
from tests import policies

SCHEDULES = {
    "CyclicalLearningRate": lambda: keras_clr.CyclicalLearningRate(),
    "OneCycle": lambda: keras_clr.OneCycle(0.1, 100),
    "AdjustedSchedule": lambda: keras_clr.AdjustedSchedule(
        keras_clr.CyclicalLearningRate(), scale=0.5, start_step=3
    ),
    "addons.CyclicalLearningRate": lambda: (
        keras_clr.addons.CyclicalLearningRate(
            0.1, 1.0, 2.5, policies.third_per_cycle
        )
    ),
    "addons.TriangularCyclicalLearningRate": lambda: (
        keras_clr.addons.TriangularCyclicalLearningRate(0.1, 1.0, 2.5)
    ),
    "addons.Triangular2CyclicalLearningRate": lambda: (
        keras_clr.addons.Triangular2CyclicalLearningRate(0.1, 1.0, 2.5)
    ),
    "addons.ExponentialCyclicalLearningRate": lambda: (
        keras_clr.addons.ExponentialCyclicalLearningRate(
            0.1, 1.0, 2.5, gamma=0.9
        )
    ),
}
KEYS = [
    (label, key)
    for label, make in SCHEDULES.items()
    for key in make().get_config()
]


@pytest.mark.parametrize("label, key", KEYS)
def test_a_missing_key_is_refused_by_name(label, key):
    schedule = SCHEDULES[label]()
    config = schedule.get_config()
    del config[key]
    with pytest.raises(ValueError) as error:
        type(schedule).from_config(config)
    message = str(error.value)
    assert f"`{type(schedule).__name__}`" in message
    assert f"missing key(s) '{key}'" in message


@pytest.mark.parametrize("label", SCHEDULES)
def test_an_unknown_key_is_refused_by_name(label):
    schedule = SCHEDULES[label]()
    config = {**schedule.get_config(), "step_sise": 10}
    with pytest.raises(ValueError) as error:
        type(schedule).from_config(config)
    message = str(error.value)
    assert f"`{type(schedule).__name__}`" in message
    assert "unknown key(s) 'step_sise'" in message
    assert "missing" not in message


@pytest.mark.parametrize("label", SCHEDULES)
def test_a_full_config_round_trips_through_json(label):
    schedule = SCHEDULES[label]()
    config = json.loads(json.dumps(schedule.get_config()))
    assert type(schedule).from_config(config).get_config() == config


@pytest.mark.parametrize(
    "value", [np.float32(2.5), np.float64(2.5), np.array(2.5), np.int8(4)]
)
def test_numpy_numbers_are_stored_as_python_numbers(value):
    made = [
        keras_clr.addons.TriangularCyclicalLearningRate(0.001, 0.006, value),
        keras_clr.CyclicalLearningRate(
            np.float32(0.001), 0.006, step_size=np.int16(4), gamma=value / 5
        ),
        keras_clr.OneCycle(value, np.int64(100), div_factor=value),
        keras_clr.AdjustedSchedule(
            keras_clr.CyclicalLearningRate(), scale=value, start_step=value * 0
        ),
    ]
    for schedule in made:
        config = schedule.get_config()
        for key, item in config.items():
            if isinstance(item, (int, float)):
                assert type(item) in (int, float, bool), (key, type(item))
        json.dumps(config)
        assert type(schedule).from_config(config).get_config() == config
