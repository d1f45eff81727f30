import numpy as np
import pytest
from keras import ops

import keras_clr
from tests.oracles import cyclical_reference


def lr(schedule, step):
    return float(ops.convert_to_numpy(schedule(step)))


# Values from TF Addons' cyclical_learning_rate_test.py.
def test_triangular_addons_values():
    schedule = keras_clr.TriangularCyclicalLearningRate(
        initial_learning_rate=0.1, maximal_learning_rate=1.0, step_size=40
    )
    assert lr(schedule, 20) == pytest.approx(0.55)
    assert lr(schedule, 40) == pytest.approx(1.0)
    assert lr(schedule, 80) == pytest.approx(0.1)


def test_triangular2_addons_values():
    schedule = keras_clr.Triangular2CyclicalLearningRate(
        initial_learning_rate=0.1, maximal_learning_rate=1.0, step_size=30
    )
    assert lr(schedule, 90) == pytest.approx(0.55)
    assert lr(schedule, 150) == pytest.approx(0.325)


def test_exponential_matches_reference_including_int64_steps():
    schedule = keras_clr.ExponentialCyclicalLearningRate(
        initial_learning_rate=0.1,
        maximal_learning_rate=1.0,
        step_size=25,
        gamma=0.99,
    )
    steps = np.arange(0, 400)
    expected = cyclical_reference(
        steps, 0.1, 1.0, 25, scale=lambda cycle, step: 0.99**step
    )
    # TF Addons crashed here: `gamma ** step` on an int64 step tensor.
    dtype = "int32" if ops.convert_to_tensor(0).dtype == "int32" else "int64"
    got = schedule(ops.convert_to_tensor(steps, dtype=dtype))
    np.testing.assert_allclose(ops.convert_to_numpy(got), expected, rtol=2e-6)


@pytest.mark.parametrize(
    "cls, mode",
    [
        (keras_clr.TriangularCyclicalLearningRate, "triangular"),
        (keras_clr.Triangular2CyclicalLearningRate, "triangular2"),
        (keras_clr.ExponentialCyclicalLearningRate, "exp_range"),
    ],
)
def test_same_values_as_the_native_schedule(cls, mode):
    addons = cls(0.01, 0.05, 7)
    native = keras_clr.CyclicalLearningRate(0.01, 0.05, 7, mode=mode)
    steps = ops.convert_to_tensor(np.arange(100), dtype="int32")
    np.testing.assert_array_equal(
        ops.convert_to_numpy(addons(steps)), ops.convert_to_numpy(native(steps))
    )
    assert addons.initial_learning_rate == 0.01
    assert addons.maximal_learning_rate == 0.05


def test_errors_use_addons_argument_names():
    with pytest.raises(
        ValueError,
        match=r"Argument `maximal_learning_rate` must be >= "
        r"`initial_learning_rate`\. Received: initial_learning_rate=0\.5, "
        r"maximal_learning_rate=0\.1",
    ):
        keras_clr.TriangularCyclicalLearningRate(0.5, 0.1, 10)
    with pytest.raises(ValueError, match=r"initial_learning_rate=-1"):
        keras_clr.Triangular2CyclicalLearningRate(-1, 0.1, 10)
    with pytest.raises(ValueError, match=r"Received: gamma=2"):
        keras_clr.ExponentialCyclicalLearningRate(0.1, 1.0, 10, gamma=2)
