"""Configs and `.keras` files written by keras_clr 0.1.0 still load.

`data/v0_1_0/` was written by `make_files.py` with the 0.1.0 code (commit
eb33c46), before the TF Addons classes moved to `keras_clr.addons`. Each is
loaded with today's code and its values checked against the references.
"""

import json
import os

import keras
import numpy as np
import pytest

import keras_clr
import keras_clr.addons
from tests import policies  # noqa: F401  (registers the custom policy)
from tests.schedules.conftest import fraction_reference
from tests.schedules.conftest import one_cycle_reference
from tests.schedules.conftest import values

DATA = os.path.join(os.path.dirname(__file__), "data", "v0_1_0")
with open(os.path.join(DATA, "configs.json")) as f:
    CONFIGS = json.load(f)

STEPS = np.arange(0, 300, 7)


def halving(cycle, step):
    return 0.5 ** (cycle - 1)


EXPECTED = {
    "clr_triangular2": (
        keras_clr.CyclicalLearningRate,
        lambda s: fraction_reference(s, 0.01, 0.1, 50, 70, scale=halving),
    ),
    "clr_exp_range": (
        keras_clr.CyclicalLearningRate,
        lambda s: fraction_reference(
            s, 0.001, 0.01, 30, scale=lambda c, t: 0.999**c
        ),
    ),
    "clr_custom_policy": (
        keras_clr.CyclicalLearningRate,
        lambda s: fraction_reference(
            s, 0.1, 0.5, 4, scale=lambda c, t: 0.3 ** ((c - 1) // 3)
        ),
    ),
    "tfa_triangular": (
        keras_clr.addons.TriangularCyclicalLearningRate,
        lambda s: fraction_reference(s, 0.1, 1.0, 40),
    ),
    "tfa_triangular2": (
        keras_clr.addons.Triangular2CyclicalLearningRate,
        lambda s: fraction_reference(
            s, 0.1, 1.0, 30, scale=lambda c, t: 0.5 ** (t - 1)
        ),
    ),
    "tfa_exponential": (
        keras_clr.addons.ExponentialCyclicalLearningRate,
        lambda s: fraction_reference(
            s, 0.1, 1.0, 30, scale=lambda c, t: 0.98**t
        ),
    ),
    "one_cycle": (
        keras_clr.OneCycle,
        lambda s: np.array(
            [
                one_cycle_reference(
                    t, 0.2, 250, 0.2, "linear", 10, 100, three_phase=True
                )
                for t in s
            ]
        ),
    ),
    "adjusted": (
        keras_clr.AdjustedSchedule,
        lambda s: (
            0.25 * fraction_reference(np.maximum(s - 30, 0), 0.01, 0.1, 20)
        ),
    ),
}


def test_every_saved_config_is_covered():
    assert sorted(CONFIGS) == sorted(EXPECTED)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_0_1_0_config_loads_with_its_values(key):
    cls, reference = EXPECTED[key]
    schedule = keras.saving.deserialize_keras_object(CONFIGS[key])
    assert type(schedule) is cls
    np.testing.assert_allclose(
        values(schedule, STEPS), reference(STEPS), rtol=2e-6, atol=1e-12
    )


# The .keras files were written by keras_clr 0.1.0 under Keras 3.15.1; an
# older Keras cannot read a newer one's layer configs (Dense's
# `quantization_config`), whatever the schedule, so the floor env skips them.
WRITTEN_BY_KERAS = (3, 15)


@pytest.mark.skipif(
    tuple(int(p) for p in keras.version().split(".")[:2]) < WRITTEN_BY_KERAS,
    reason="the files were written by Keras 3.15; older Keras cannot read "
    "its layer configs",
)
@pytest.mark.parametrize(
    "key", ["tfa_triangular2", "tfa_exponential", "adjusted", "one_cycle"]
)
def test_0_1_0_keras_file_loads_and_resumes(key):
    model = keras.models.load_model(os.path.join(DATA, f"{key}.keras"))
    optimizer = model.optimizer
    assert int(keras.ops.convert_to_numpy(optimizer.iterations)) == 7
    lr = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    cls, reference = EXPECTED[key]
    assert lr == pytest.approx(reference(np.array([7]))[0], rel=2e-6)
    saved_again = keras.saving.serialize_keras_object(
        keras_clr_schedule(optimizer)
    )
    if key.startswith("tfa"):
        # Saved again, it is the keras_clr.addons class.
        assert saved_again["registered_name"].startswith("keras_clr.addons>")


def keras_clr_schedule(optimizer):
    from keras_clr import _keras

    return _keras.learning_rate_object(optimizer)
