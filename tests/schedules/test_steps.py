"""What a step means: every integer width, negatives, floats, NaN, infinity.

The promises (README "Steps, dtypes and backends"): integer steps of every
width are exact; negative steps give the value at step 0; float steps are
floored exactly (no float32 rounding of large Python floats); NaN or
infinite float steps give NaN; uint64 is refused with a clear error.
"""

import math

import keras
import numpy as np
import pytest
from keras import ops

import keras_clr
import keras_clr.addons
from tests.conftest import BACKEND
from tests.schedules.conftest import HAS_INT64
from tests.schedules.conftest import INT_MAX
from tests.schedules.conftest import fraction_reference
from tests.schedules.conftest import one_cycle_reference
from tests.schedules.conftest import value

CLR = dict(base_lr=0.001, max_lr=0.006, step_size=20, step_size_down=30)


def make(kind):
    if kind == "triangular":
        return keras_clr.CyclicalLearningRate(**CLR)
    if kind == "triangular2":
        return keras_clr.CyclicalLearningRate(mode="triangular2", **CLR)
    if kind == "exp_range":
        return keras_clr.CyclicalLearningRate(
            mode="exp_range", gamma=0.999, **CLR
        )
    if kind == "addons":
        return keras_clr.addons.Triangular2CyclicalLearningRate(
            0.001, 0.006, 2.5
        )
    if kind == "one_cycle":
        return keras_clr.OneCycle(0.01, 100)
    return keras_clr.AdjustedSchedule(  # "adjusted"
        keras_clr.CyclicalLearningRate(**CLR), scale=0.5, start_step=7
    )


KINDS = [
    "triangular",
    "triangular2",
    "exp_range",
    "addons",
    "one_cycle",
    "adjusted",
]


def reference(kind, step):
    """The float64 value at one integer step, from the test oracles."""
    step = max(int(step), 0)
    if kind == "one_cycle":
        return one_cycle_reference(step, 0.01, 100)
    if kind == "addons":
        return fraction_reference(
            [step], 0.001, 0.006, 2.5, scale=lambda c, s: 0.5 ** (c - 1)
        )[0]
    if kind == "adjusted":
        inner = fraction_reference([max(step - 7, 0)], 0.001, 0.006, 20, 30)
        return 0.5 * inner[0]
    scale = {
        "triangular": None,
        "triangular2": lambda c, s: 0.5 ** (c - 1),
        "exp_range": lambda c, s: 0.999**s,
    }[kind]
    return fraction_reference([step], 0.001, 0.006, 20, 30, scale=scale)[0]


def _supported(dtype):
    """Whether the backend makes tensors of exactly this dtype."""
    try:
        tensor = ops.convert_to_tensor(np.array([1], dtype))
    except Exception:
        return False
    return keras.backend.standardize_dtype(tensor.dtype) == dtype


INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_every_integer_width_is_exact(kind, dtype):
    if not _supported(dtype):
        pytest.skip(f"{BACKEND} has no {dtype} tensors")
    if dtype in ("uint32", "int64") and not HAS_INT64:
        pytest.skip("wider than JAX's int32 counter")
    top = min(int(np.iinfo(dtype).max), INT_MAX)
    steps = [0, 1, 19, 20, 21, 49, 50, 51, 99, 100, 101, top - 1, top]
    steps = sorted({s for s in steps if s <= top})
    tensor = ops.convert_to_tensor(np.array(steps, dtype))
    assert keras.backend.standardize_dtype(tensor.dtype) == dtype
    got = np.asarray(ops.convert_to_numpy(make(kind)(tensor)), np.float64)
    expected = [reference(kind, s) for s in steps]
    np.testing.assert_allclose(got, expected, rtol=2e-6, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64"])
def test_negative_steps_give_the_value_at_step_0(kind, dtype):
    if dtype == "int64" and not HAS_INT64:
        dtype = "int32"
    low = int(np.iinfo(dtype).min)
    steps = np.array([low, low + 1, max(low, -2000), -1, 0], dtype)
    got = ops.convert_to_numpy(make(kind)(ops.convert_to_tensor(steps)))
    np.testing.assert_allclose(got, reference(kind, 0), rtol=1e-6)
    # Python and NumPy negatives too.
    assert value(make(kind), -5) == pytest.approx(reference(kind, 0), 1e-6)


def test_int8_one_cycle_step_50():
    # 0.1.0 gave 0.004 at int8 step 50 (the phase constants wrapped).
    schedule = keras_clr.OneCycle(0.0105, 100, pct_start=0.5)
    got = value(schedule, ops.convert_to_tensor(np.int8(50)))
    assert got == pytest.approx(one_cycle_reference(50, 0.0105, 100, 0.5))


def test_uint32_on_an_int32_counter_is_refused():
    if HAS_INT64 or not _supported("uint32"):
        pytest.skip("only where the widest integer is int32")
    step = ops.convert_to_tensor(np.array(5, "uint32"))
    with pytest.raises(ValueError, match=r"Steps of dtype uint32 cannot"):
        keras_clr.CyclicalLearningRate()(step)


def test_uint64_is_refused_with_a_clear_error():
    if not _supported("uint64"):
        pytest.skip(f"{BACKEND} has no uint64 tensors")
    step = ops.convert_to_tensor(np.array(5, "uint64"))
    with pytest.raises(ValueError, match=r"Steps of dtype uint64 cannot be"):
        keras_clr.CyclicalLearningRate()(step)


@pytest.mark.parametrize("kind", KINDS)
def test_python_floats_are_floored_exactly(kind):
    if not HAS_INT64:
        steps = [2.0**24 + 1, 2.0**30 + 0.5, 2.0**31 - 1.5]
    else:
        steps = [2.0**24 + 1, 2.0**31 + 1000, 2.0**40 + 0.5, 2.0**52 + 1]
    schedule = make(kind)
    for step in steps:
        expected = reference(kind, math.floor(step))
        assert value(schedule, step) == pytest.approx(expected, rel=2e-6)
        assert value(schedule, np.float64(step)) == pytest.approx(
            expected, rel=2e-6
        )


def test_issue_14_large_python_float():
    # 0.1.0 rounded 2.0**31 + 1000 through float32: 0.00268, not 0.00262.
    if not HAS_INT64:
        pytest.skip("beyond JAX's int32 counter")
    schedule = keras_clr.CyclicalLearningRate()
    assert value(schedule, 2.0**31 + 1000) == pytest.approx(
        value(schedule, 2**31 + 1000), rel=1e-7
    )
    expected = fraction_reference([2**31 + 1000], 0.001, 0.006, 2000)[0]
    assert value(schedule, 2.0**31 + 1000) == pytest.approx(expected, 1e-6)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_float_tensors_are_floored(dtype):
    if dtype == "float64" and not HAS_INT64:
        pytest.skip("JAX without x64 has no float64")
    schedule = make("triangular2")
    steps = np.array([0.0, 0.5, 19.99, 20.0, 20.5, 1000.25, -3.5], dtype)
    got = ops.convert_to_numpy(schedule(ops.convert_to_tensor(steps)))
    expected = [reference("triangular2", math.floor(s)) for s in steps]
    np.testing.assert_allclose(got, expected, rtol=2e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_nan_and_infinite_steps_give_nan(kind):
    schedule = make(kind)
    for step in (math.nan, math.inf, -math.inf):
        assert math.isnan(value(schedule, step))
    steps = ops.convert_to_tensor(np.array([np.nan, np.inf, 3.0], "float32"))
    got = ops.convert_to_numpy(schedule(steps))
    assert np.isnan(got[:2]).all()
    assert got[2] == pytest.approx(reference(kind, 3), rel=2e-6)


def test_float_steps_beyond_the_counter_give_nan():
    schedule = make("triangular")
    assert math.isnan(value(schedule, 1e30))
    big = ops.convert_to_tensor(np.array([3e38], "float32"))
    assert np.isnan(ops.convert_to_numpy(schedule(big))).all()


def test_momentum_follows_the_same_step_rules():
    schedule = make("triangular")
    m0 = float(ops.convert_to_numpy(schedule.momentum(0)))
    assert float(ops.convert_to_numpy(schedule.momentum(-9))) == m0
    assert math.isnan(float(ops.convert_to_numpy(schedule.momentum(math.nan))))


def test_python_int_beyond_the_counter_is_refused():
    with pytest.raises(ValueError, match=r"A step must be at most"):
        keras_clr.CyclicalLearningRate()(2**64)
