import numpy as np
import pytest
from keras import ops

import keras_clr
from tests.oracles import cyclical_reference


def test_scale_and_start_step():
    inner = keras_clr.CyclicalLearningRate(0.1, 0.5, step_size=4)
    adjusted = keras_clr.AdjustedSchedule(inner, scale=0.5, start_step=10)
    steps = np.arange(0, 40)
    got = ops.convert_to_numpy(adjusted(ops.convert_to_tensor(steps)))
    shifted = np.maximum(steps - 10, 0)
    expected = 0.5 * cyclical_reference(shifted, 0.1, 0.5, 4)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    adjusted.scale.assign(0.25)
    assert float(adjusted(12)) == pytest.approx(0.25 * 0.3)


def test_momentum_follows_the_shift():
    inner = keras_clr.CyclicalLearningRate(0.1, 0.5, step_size=4)
    adjusted = keras_clr.AdjustedSchedule(inner, scale=0.5, start_step=10)
    # Momentum mirrors the height, not the (scaled) LR: scaling the
    # bounds does not change it.
    assert float(adjusted.momentum(14, 0.8, 0.9)) == pytest.approx(0.8)
    assert float(adjusted.momentum(12, 0.8, 0.9)) == pytest.approx(0.85)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(scale=0.0), r"Argument `scale` must be > 0\. Received: scale=0"),
        (dict(start_step=-1), r"Argument `start_step` must be an integer"),
        (dict(start_step=1.5), r"Received: start_step=1\.5"),
        (dict(start_step=2**63), r"`start_step` must be at most 2\*\*63"),
        (dict(scale=1e39), r"Argument `scale` must be finite in float32"),
        (dict(name=b"adj"), r"Argument `name` must be a non-empty string"),
    ],
)
def test_invalid_arguments(kwargs, message):
    inner = keras_clr.CyclicalLearningRate()
    with pytest.raises(ValueError, match=message):
        keras_clr.AdjustedSchedule(inner, **kwargs)
    with pytest.raises(ValueError, match=r"must be a `LearningRateSchedule`"):
        keras_clr.AdjustedSchedule(0.1)
