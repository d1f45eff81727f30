"""`exp_range` and TF Addons' exponential class against float64 maths, at
every depth of the decay: `gamma**x` from e^-1 down past e^-60.

The oracle is Python's own: the step's place in its cycle from exact
`Fraction` division, the decay as `gamma ** step` (a float64 power, not an
exponential of a logarithm), and the documented formula in float64.
"""

from fractions import Fraction

import numpy as np
import pytest

import keras_clr
from tests.schedules.conftest import HAS_FLOAT64
from tests.schedules.conftest import INT_MAX
from tests.schedules.conftest import values

F32_HALF_ULP = 2.0**-24
SUBNORMAL_ULP = 2.0**-149


def _rtol(depth):
    """The result's own float32 rounding (half an ulp: 6e-8) and a little.

    JAX without x64 has no float64: the step and `step * log(gamma)` are
    rounded to float32, an error of a few ulps times the depth `-x log(g)`.
    """
    if HAS_FLOAT64:
        return 2e-7
    return (8 + 2 * depth) * F32_HALF_ULP


def _reference(step, low, high, step_size, gamma):
    half = Fraction(step_size)
    cycle, position = divmod(Fraction(step), 2 * half)
    height = 1 - abs(position / half - 1)
    return low + (high - low) * float(height) * gamma**step


def _configs(seed, count):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        low = 0.0 if rng.integers(2) else float(10 ** rng.uniform(-6, -2))
        high = low + float(10 ** rng.uniform(-4, 0))
        last = int(rng.integers(1000, min(INT_MAX, 10**12)))
        # gamma**last is e^-depth: from a mild decay to one far below e^-60
        # (kept above float32's normal range for the largest amplitude).
        depth = float(rng.uniform(1.0, 80.0))
        gamma = float(np.exp(-depth / last))
        step_size = int(rng.integers(1, 5000)) / (2 if rng.integers(2) else 1)
        steps = np.unique(np.r_[rng.integers(0, last, 300), last])
        yield low, high, step_size, gamma, steps


@pytest.mark.parametrize("addons", [False, True], ids=["clr", "addons"])
@pytest.mark.parametrize("seed", range(4))
def test_float32_rounding_of_the_float64_formula_at_any_depth(seed, addons):
    for low, high, step_size, gamma, steps in _configs(seed, 5):
        if addons:
            schedule = keras_clr.addons.ExponentialCyclicalLearningRate(
                low, high, step_size, gamma=gamma
            )
        else:
            step_size = int(step_size)
            schedule = keras_clr.CyclicalLearningRate(
                low, high, step_size, mode="exp_range", gamma=gamma
            )
        got = values(schedule, steps)
        expected = np.array(
            [_reference(int(s), low, high, step_size, gamma) for s in steps]
        )
        error = np.abs(got - expected)
        depth = -np.log(gamma) * steps
        bound = _rtol(depth) * expected + SUBNORMAL_ULP
        worst = int(np.argmax(error / bound))
        assert error[worst] <= bound[worst], (
            dict(low=low, high=high, step_size=step_size, gamma=gamma),
            int(steps[worst]),
            got[worst],
            expected[worst],
        )
