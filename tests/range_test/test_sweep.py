"""The sweep, against NumPy's own geometric and linear spacing."""

import numpy as np
import pytest

from keras_clr.range_test import _sweep


@pytest.mark.parametrize(
    "mode, spacing", [("exp", np.geomspace), ("linear", np.linspace)]
)
def test_recorded_lrs_are_numpy_spacing(mode, spacing):
    lrs = _sweep.recorded_lrs(np.arange(13), 1e-3, 1.0, 13, mode)
    np.testing.assert_allclose(lrs, spacing(1e-3, 1.0, 13), rtol=1e-14)


def test_steps_past_the_end_hold_the_last_lr():
    lrs = _sweep.recorded_lrs([0, 4, 5, 100], 0.1, 10.0, 5, "exp")
    np.testing.assert_allclose(lrs, [0.1, 10.0, 10.0, 10.0], rtol=1e-14)


def test_only_the_recorded_steps_are_computed():
    # A sweep of 2**31 - 1 steps: three values, not one per step.
    lrs = _sweep.recorded_lrs(
        [0, 2**30, 2**31 - 2], 1e-7, 10.0, 2**31 - 1, "exp"
    )
    assert lrs.shape == (3,)
    np.testing.assert_allclose(lrs[[0, 2]], [1e-7, 10.0], rtol=1e-12)
    # Half way in log space: the geometric mean.
    np.testing.assert_allclose(lrs[1], np.sqrt(1e-7 * 10.0), rtol=1e-8)
