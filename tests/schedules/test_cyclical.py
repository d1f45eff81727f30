import math

import keras
import numpy as np
import pytest
from keras import ops

import keras_clr
from tests import policies
from tests.conftest import BACKEND
from tests.oracles import cyclical_reference
from tests.schedules.conftest import HAS_FLOAT64
from tests.schedules.conftest import HAS_INT64
from tests.schedules.conftest import INT
from tests.schedules.conftest import values

# PyTorch's `CyclicLR` test vectors (base_lr=1, max_lr=5, step_size_up=4),
# from test/optim/test_lrscheduler.py.
PYTORCH_VECTORS = [
    (
        dict(mode="triangular"),
        [1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3],
    ),
    (
        dict(mode="triangular2"),
        [1, 2, 3, 4, 5, 4, 3, 2, 1, 1.5, 2, 2.5, 3, 2.5, 2, 1.5, 1, 1.25]
        + [1.5, 1.75, 2, 1.75],
    ),
    (
        dict(mode="triangular", step_size_down=6),
        [1, 2, 3, 4, 5, 13 / 3, 11 / 3, 3, 7 / 3, 5 / 3, 1],
    ),
]


@pytest.mark.parametrize("kwargs, expected", PYTORCH_VECTORS)
def test_pytorch_published_vectors(kwargs, expected):
    schedule = keras_clr.CyclicalLearningRate(
        base_lr=1.0, max_lr=5.0, step_size=4, **kwargs
    )
    got = values(schedule, range(len(expected)))
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_hand_values_at_start_peaks_and_second_cycle():
    schedule = keras_clr.CyclicalLearningRate()  # 0.001 .. 0.006, 2000
    steps = [0, 1, 1000, 1999, 2000, 2001, 3000, 4000, 5000, 6000, 8000]
    expected = [
        0.001,
        0.0010025,
        0.0035,
        0.0059975,
        0.006,
        0.0059975,
        0.0035,
        0.001,
        0.0035,
        0.006,
        0.001,
    ]
    np.testing.assert_allclose(values(schedule, steps), expected, rtol=1e-6)


def test_exp_range_hand_values():
    # gamma**step scales the amplitude, per iteration.
    schedule = keras_clr.CyclicalLearningRate(
        base_lr=0.0, max_lr=1.0, step_size=2, mode="exp_range", gamma=0.5
    )
    expected = [0.0, 0.5 * 0.5, 1.0 * 0.25, 0.5 * 0.125, 0.0, 0.5 / 32]
    np.testing.assert_allclose(values(schedule, range(6)), expected, rtol=1e-6)


def test_rise_and_fall_are_linear_segments():
    schedule = keras_clr.CyclicalLearningRate(
        base_lr=0.1, max_lr=0.7, step_size=30, step_size_down=60
    )
    up = np.linspace(0.1, 0.7, 31)
    down = np.linspace(0.7, 0.1, 61)
    np.testing.assert_allclose(values(schedule, range(31)), up, rtol=1e-6)
    np.testing.assert_allclose(values(schedule, range(30, 91)), down, rtol=1e-6)
    # Second cycle starts again from the bottom.
    np.testing.assert_allclose(values(schedule, range(90, 121)), up, rtol=1e-6)


SCALES = {
    "triangular": None,
    "triangular2": lambda cycle, step: 0.5 ** (cycle - 1),
    "exp_range": lambda cycle, step: 0.9995**step,
}


@pytest.mark.parametrize("mode", sorted(SCALES))
@pytest.mark.parametrize("step_size_down", [None, 700])
def test_long_sweep_matches_numpy_reference(mode, step_size_down):
    kwargs = dict(base_lr=0.001, max_lr=0.006, step_size=400)
    schedule = keras_clr.CyclicalLearningRate(
        mode=mode, gamma=0.9995, step_size_down=step_size_down, **kwargs
    )
    steps = np.arange(0, 12_000)
    expected = cyclical_reference(
        steps, step_size_down=step_size_down, scale=SCALES[mode], **kwargs
    )
    np.testing.assert_allclose(values(schedule, steps), expected, rtol=2e-6)


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_steps_near_int32_limit(dtype):
    schedule = keras_clr.CyclicalLearningRate()
    steps = [2**31 - 7, 2**31 - 2, 2**31 - 1, 2**31 - 4000, 2**31 - 2000]
    expected = cyclical_reference(steps, 0.001, 0.006, 2000)
    # TF Addons' float arithmetic gave 0.001625 at 2**31 - 7.
    assert expected[0] == pytest.approx(0.0018975, rel=1e-12)
    np.testing.assert_allclose(
        values(schedule, steps, dtype if HAS_INT64 else INT), expected, 1e-6
    )


@pytest.mark.skipif(not HAS_INT64, reason="JAX counts steps in int32")
@pytest.mark.parametrize("mode", ["triangular", "triangular2"])
def test_int64_steps_beyond_int32(mode):
    schedule = keras_clr.CyclicalLearningRate(
        base_lr=0.5,
        max_lr=2.5,
        step_size=3,
        step_size_down=5,
        mode=mode,
        scale_mode="iterations" if mode == "triangular" else "cycle",
    )
    steps = [2**31, 2**40 + 1, 2**53 - 3, 2**62 + 7, 2**63 - 1]
    # triangular2 halves the amplitude per cycle: after ~2**28 cycles it is
    # 0, so only the bottom remains.
    scale = None if mode == "triangular" else SCALES[mode]
    expected = cyclical_reference(steps, 0.5, 2.5, 3, 5, scale=scale)
    np.testing.assert_allclose(values(schedule, steps), expected, rtol=1e-6)


def test_exp_range_with_gamma_close_to_one():
    # 1 - 1e-9 is 1.0 in float32; the schedule must not lose it.
    schedule = keras_clr.CyclicalLearningRate(
        base_lr=0.0,
        max_lr=1.0,
        step_size=10**9,
        mode="exp_range",
        gamma=1 - 1e-9,
    )
    got = values(schedule, [10**9], dtype="int32")
    np.testing.assert_allclose(got, [(1 - 1e-9) ** (10**9)], rtol=1e-5)
    assert got[0] == pytest.approx(math.exp(-1), rel=1e-5)


def test_cycle_longer_than_int32_counter():
    schedule = keras_clr.CyclicalLearningRate(
        base_lr=0.0, max_lr=1.0, step_size=2**30, step_size_down=2**31
    )
    steps = [0, 2**29, 2**30, 2**30 + 2**29, 2**31 - 1]
    expected = cyclical_reference(steps, 0.0, 1.0, 2**30, 2**31)
    np.testing.assert_allclose(
        values(schedule, steps, "int32"), expected, rtol=1e-6, atol=1e-9
    )


def test_step_variables_of_both_integer_dtypes():
    schedule = keras_clr.CyclicalLearningRate(
        base_lr=1.0, max_lr=5.0, step_size=4
    )
    for dtype in ("int32", "int64"):
        variable = keras.Variable(6, dtype=dtype, trainable=False)
        assert float(schedule(variable)) == pytest.approx(3.0)
        variable.assign(8)
        assert float(schedule(variable)) == pytest.approx(1.0)


def test_python_numpy_and_float_steps():
    schedule = keras_clr.CyclicalLearningRate(
        base_lr=1.0, max_lr=5.0, step_size=4
    )
    assert float(schedule(3)) == pytest.approx(4.0)
    assert float(schedule(np.int64(5))) == pytest.approx(4.0)
    # A float step is floored to the step it is in.
    assert float(schedule(3.7)) == pytest.approx(4.0)


def test_returns_float32_by_default():
    step = keras.Variable(3, dtype="int32", trainable=False)
    lr = keras_clr.CyclicalLearningRate()(step)
    assert keras.backend.standardize_dtype(lr.dtype) == "float32"


@pytest.mark.skipif(not HAS_FLOAT64, reason="JAX defaults to 32-bit")
@pytest.mark.parametrize("mode", sorted(SCALES))
def test_float64_floatx_keeps_float64(floatx_float64, mode):
    base, top = 0.1 + 1e-12, 0.3
    schedule = keras_clr.CyclicalLearningRate(
        base_lr=base, max_lr=top, step_size=3, mode=mode, gamma=0.9995
    )
    lr = schedule(ops.convert_to_tensor(np.arange(20), dtype=INT))
    assert keras.backend.standardize_dtype(lr.dtype) == "float64"
    expected = cyclical_reference(range(20), base, top, 3, scale=SCALES[mode])
    np.testing.assert_allclose(ops.convert_to_numpy(lr), expected, rtol=1e-14)


@pytest.mark.skipif(BACKEND != "tensorflow", reason="NumPy float64 on TF")
def test_numpy_float64_base_lr_keeps_float64():
    schedule = keras_clr.CyclicalLearningRate(
        base_lr=np.float64(0.1), max_lr=0.3, step_size=3
    )
    lr = schedule(2)
    assert keras.backend.standardize_dtype(lr.dtype) == "float64"
    assert float(lr) == pytest.approx(0.1 + 0.2 * 2 / 3, rel=1e-14)


def test_compiled_call():
    schedule = keras_clr.CyclicalLearningRate(
        base_lr=1.0, max_lr=5.0, step_size=4, mode="triangular2"
    )
    expected = [1, 3, 5, 3, 1, 2, 3, 2]
    steps = np.arange(0, 16, 2)
    if BACKEND == "tensorflow":
        import tensorflow as tf

        compiled = tf.function(schedule, jit_compile=True)
        got = [float(compiled(tf.constant(s, tf.int64))) for s in steps]
    elif BACKEND == "jax":
        import jax

        compiled = jax.jit(schedule)
        got = [float(compiled(np.int32(s))) for s in steps]
    else:
        pytest.skip("torch compiles through model.fit; see test_training")
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_constant_when_bounds_are_equal():
    schedule = keras_clr.CyclicalLearningRate(base_lr=0.01, max_lr=0.01)
    np.testing.assert_allclose(
        values(schedule, [0, 1000, 2000, 3999]), [0.01] * 4, rtol=1e-6
    )


def test_default_scale_modes():
    kwargs = dict(base_lr=0.0, max_lr=1.0, step_size=2)
    # triangular2 halves per cycle by default, per step when asked.
    per_cycle = keras_clr.CyclicalLearningRate(mode="triangular2", **kwargs)
    per_step = keras_clr.CyclicalLearningRate(
        mode="triangular2", scale_mode="iterations", **kwargs
    )
    assert float(per_cycle(6)) == pytest.approx(0.5)
    assert float(per_step(6)) == pytest.approx(0.5**5)
    # exp_range scales per step by default, per cycle when asked.
    exp_step = keras_clr.CyclicalLearningRate(
        mode="exp_range", gamma=0.5, **kwargs
    )
    exp_cycle = keras_clr.CyclicalLearningRate(
        mode="exp_range", gamma=0.5, scale_mode="cycle", **kwargs
    )
    assert float(exp_step(6)) == pytest.approx(0.5**6)
    assert float(exp_cycle(6)) == pytest.approx(0.5**2)


@pytest.mark.parametrize(
    "scale_fn, scale",
    [
        (policies.third_per_cycle, lambda cycle, step: 3.0 ** (1 - cycle)),
        (policies.StepDown(0.25, 2), lambda c, s: 0.25 ** ((c - 1) // 2)),
    ],
)
def test_custom_scale_policies(scale_fn, scale):
    kwargs = dict(base_lr=0.5, max_lr=1.5, step_size=5)
    # `mode` is ignored when a scale function is given.
    schedule = keras_clr.CyclicalLearningRate(
        mode="exp_range", gamma=0.1, scale_fn=scale_fn, **kwargs
    )
    steps = np.arange(60)
    expected = cyclical_reference(steps, scale=scale, **kwargs)
    np.testing.assert_allclose(values(schedule, steps), expected, rtol=1e-6)


def test_custom_scale_policy_per_iteration():
    schedule = keras_clr.CyclicalLearningRate(
        base_lr=0.0,
        max_lr=1.0,
        step_size=2,
        scale_fn=policies.third_per_cycle,
        scale_mode="iterations",
    )
    assert float(schedule(3)) == pytest.approx(0.5 / 9)


def _unregistered(x):
    return x


class _UnregisteredPolicy(keras_clr.ScalePolicy):
    def __call__(self, x):
        return x


INVALID = [
    (
        dict(base_lr=-0.1),
        r"Argument `base_lr` must be >= 0\. "
        r"Received: base_lr=-0\.1",
    ),
    (
        dict(base_lr=float("nan")),
        r"`base_lr` must be a finite number\. "
        r"Received: base_lr=nan",
    ),
    (dict(base_lr="0.1"), r"`base_lr` must be a number"),
    (
        dict(max_lr=float("inf")),
        r"`max_lr` must be a finite number\. "
        r"Received: max_lr=inf",
    ),
    (
        dict(base_lr=0.01, max_lr=0.001),
        r"Argument `max_lr` must be >= "
        r"`base_lr`\. Received: base_lr=0\.01, max_lr=0\.001",
    ),
    (
        dict(step_size=0),
        r"Argument `step_size` must be > 0\. "
        r"Received: step_size=0",
    ),
    (dict(step_size=-5), r"Received: step_size=-5"),
    (
        dict(step_size=2.5),
        r"`step_size` must be an integer.*"
        r"Received: step_size=2\.5",
    ),
    (dict(step_size=True), r"`step_size` must be a number"),
    (dict(step_size=None), r"Received: step_size=None"),
    (
        dict(step_size_down=0),
        r"Argument `step_size_down` must be > 0\. "
        r"Received: step_size_down=0",
    ),
    (
        dict(mode="triangle"),
        r"Argument `mode` must be one of 'triangular', "
        r"'triangular2', 'exp_range'\. Received: mode='triangle'",
    ),
    (
        dict(scale_mode="epoch"),
        r"Argument `scale_mode` must be one of "
        r"'cycle', 'iterations'\. Received: scale_mode='epoch'",
    ),
    (
        dict(gamma=0.0),
        r"Argument `gamma` must be in \(0, 1\]\. "
        r"Received: gamma=0\.0",
    ),
    (dict(gamma=1.01), r"Received: gamma=1\.01"),
    (dict(gamma=float("nan")), r"`gamma` must be a finite number"),
    (
        dict(scale_fn=lambda x: 1.0),
        r"`scale_fn` cannot be a lambda.*"
        r"register_keras_serializable",
    ),
    (
        dict(scale_fn=_unregistered),
        r"`scale_fn` is not registered.*"
        r"register_keras_serializable",
    ),
    (dict(scale_fn=_UnregisteredPolicy()), r"`scale_fn` is not registered"),
    (dict(scale_fn=0.5), r"`scale_fn` must be a callable"),
    (dict(scale_fn=policies.StepDown), r"`scale_fn` must be a callable"),
    (dict(name=""), r"Argument `name` must be a non-empty string"),
    (
        dict(max_lr=1e39),
        r"Argument `max_lr` must be finite in float32 .*"
        r"Received: max_lr=1e\+39",
    ),
    (dict(base_lr=-1e39), r"Argument `base_lr` must be finite in float32"),
    (
        dict(step_size=2**63),
        r"Argument `step_size` must be at most "
        r"2\*\*63 - 1.* Received: step_size=9223372036854775808",
    ),
    (dict(step_size_down=2.0**64), r"`step_size_down` must be at most"),
    (
        dict(mode=ops.convert_to_tensor(1.0)),
        r"Argument `mode` must be one "
        r"of 'triangular', 'triangular2', 'exp_range'\. Received: mode=.* of "
        r"type",
    ),
    (
        dict(mode=None),
        r"Argument `mode` must be one of .*Received: "
        r"mode=None of type NoneType",
    ),
    (
        dict(scale_mode=ops.convert_to_tensor(1)),
        r"Argument `scale_mode` "
        r"must be one of 'cycle', 'iterations'\. Received: .* of type",
    ),
    (
        dict(name=ops.convert_to_tensor(1)),
        r"Argument `name` must be a "
        r"non-empty string",
    ),
]


@pytest.mark.parametrize("kwargs, message", INVALID)
def test_invalid_arguments_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras_clr.CyclicalLearningRate(**kwargs)


def test_integral_float_step_sizes_are_accepted_as_int():
    schedule = keras_clr.CyclicalLearningRate(
        step_size=2000.0, step_size_down=np.float64(1000.0)
    )
    assert schedule.step_size == 2000 and type(schedule.step_size) is int
    assert schedule.step_size_down == 1000
    assert type(schedule.step_size_down) is int


def test_integer_bounds_give_a_float_learning_rate():
    schedule = keras_clr.CyclicalLearningRate(
        base_lr=np.int64(1), max_lr=2, step_size=4
    )
    lr = schedule(2)
    assert keras.backend.standardize_dtype(lr.dtype) == "float32"
    assert float(lr) == pytest.approx(1.5)
