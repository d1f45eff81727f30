"""`lr_and_momentum`: the LR and the momentum of one evaluation, against the
float64 references (PyTorch's `OneCycleLR` and `CyclicLR` formulas), in
every shape a one-cycle can take: rising then falling (a tent), a
first phase that falls (`div_factor < 1`),
a final phase that rises (`final_div_factor < 1`), three phases, and a
warm-up that ends before step 0."""

import numpy as np
import pytest
from hypothesis import assume
from hypothesis import given
from hypothesis import strategies as st
from keras import ops

import keras_clr
from tests.conftest import BACKEND
from tests.schedules.conftest import HAS_INT64
from tests.schedules.conftest import INT
from tests.schedules.conftest import one_cycle_reference
from tests.schedules.test_properties import SETTINGS

# Float32 results; JAX without x64 also works in float32.
RTOL = 2e-7 if HAS_INT64 else 2e-6
BASE_M, MAX_M = 0.85, 0.95


def _momentum_reference(step, total_steps, pct_start, strategy, three):
    # The momentum anneals like an LR peaking at BASE_M that starts and ends
    # at MAX_M (and stays there through a third phase).
    return one_cycle_reference(
        step,
        BASE_M,
        total_steps,
        pct_start,
        strategy,
        div_factor=BASE_M / MAX_M,
        final_div_factor=1.0,
        three_phase=three,
    )


def _evaluate(schedule, steps):
    tensor = ops.convert_to_tensor(np.array(steps), dtype=INT)
    lr, momentum = schedule.lr_and_momentum(tensor, BASE_M, MAX_M)
    alone = (schedule(tensor), schedule.momentum(tensor, BASE_M, MAX_M))
    return [ops.convert_to_numpy(x) for x in (lr, momentum, *alone)]


def _evaluate_scalars(schedule, steps):
    """The same four, one scalar step at a time, compiled as training
    compiles them (a `tf.function` graph on TensorFlow; `jax.jit`; eager
    PyTorch)."""

    def four(step):
        lr, momentum = schedule.lr_and_momentum(step, BASE_M, MAX_M)
        return (
            lr,
            momentum,
            schedule(step),
            schedule.momentum(step, BASE_M, MAX_M),
        )

    if BACKEND == "tensorflow":
        import tensorflow as tf

        four = tf.function(four)  # traced once: the step is a tensor
    elif BACKEND == "jax":
        import jax

        four = jax.jit(four)
    got = [four(ops.convert_to_tensor(s, dtype=INT)) for s in steps]
    got = np.array([ops.convert_to_numpy(x) for x in got], dtype=np.float64)
    return list(got.T)


def _check(schedule, steps, **kwargs):
    lr, momentum, lr_alone, momentum_alone = _evaluate(schedule, steps)
    expected_lr = [one_cycle_reference(s, **kwargs) for s in steps]
    expected_momentum = [
        _momentum_reference(
            s,
            kwargs["total_steps"],
            kwargs["pct_start"],
            kwargs["anneal_strategy"],
            kwargs["three_phase"],
        )
        for s in steps
    ]
    np.testing.assert_allclose(lr, expected_lr, rtol=RTOL)
    np.testing.assert_allclose(lr_alone, expected_lr, rtol=RTOL)
    np.testing.assert_allclose(momentum, expected_momentum, rtol=RTOL)
    np.testing.assert_allclose(momentum_alone, expected_momentum, rtol=RTOL)


@SETTINGS
@given(
    total_steps=st.integers(4, 5000),
    pct_start=st.floats(0.05, 0.95),
    anneal_strategy=st.sampled_from(["cos", "linear"]),
    div_factor=st.sampled_from([25.0, 1.0, 0.5, 3.0]),
    final_div_factor=st.sampled_from([1e4, 1.0, 0.25]),
    three_phase=st.booleans(),
    offsets=st.lists(st.integers(0, 5000), min_size=1, max_size=12),
)
def test_one_cycle_matches_pytorch_in_every_shape(
    total_steps,
    pct_start,
    anneal_strategy,
    div_factor,
    final_div_factor,
    three_phase,
    offsets,
):
    if three_phase:
        pct_start = pct_start / 2
    # Phases of at least two steps: the reference divides by their length.
    assume(pct_start * total_steps >= 3)
    assume(total_steps - 2 * pct_start * total_steps >= 3)
    kwargs = dict(
        max_lr=0.1,
        total_steps=total_steps,
        pct_start=pct_start,
        anneal_strategy=anneal_strategy,
        div_factor=div_factor,
        final_div_factor=final_div_factor,
        three_phase=three_phase,
    )
    schedule = keras_clr.OneCycle(**kwargs)
    # Steps in the run, at its phase ends, and past its end.
    ends = [int(pct_start * total_steps) - 1, total_steps - 1, total_steps]
    steps = sorted({o % (total_steps + 3) for o in offsets} | set(ends))
    _check(schedule, [s for s in steps if s >= 0], **kwargs)


@pytest.mark.parametrize("strategy", ["cos", "linear"])
def test_warm_up_shorter_than_a_step(strategy):
    # pct_start * total_steps < 1: the warm-up ends before step 0, so the
    # run starts in the anneal (as PyTorch's first phase that is not over).
    kwargs = dict(
        max_lr=0.1,
        total_steps=20,
        pct_start=0.04,
        anneal_strategy=strategy,
        div_factor=25.0,
        final_div_factor=1e4,
        three_phase=False,
    )
    lr, momentum, _, _ = _evaluate(keras_clr.OneCycle(**kwargs), range(21))
    # Phase 2 runs from step -0.2 to 19: at step 0 it is 0.2 / 19.2 along.
    np.testing.assert_allclose(
        lr, [one_cycle_reference(s, **kwargs) for s in range(21)], rtol=RTOL
    )
    assert lr[0] < 0.1 and lr[-1] == np.float32(0.1 / 25e4)
    # The LR's last value is exact; the momentum's is to a rounding (in
    # float32 arithmetic on JAX without x64).
    np.testing.assert_allclose(momentum[-1], MAX_M, rtol=RTOL)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(mode="triangular"),
        dict(mode="triangular2"),
        dict(mode="exp_range", gamma=0.99),
        dict(mode="triangular", step_size_down=3),
    ],
    ids=["triangular", "triangular2", "exp_range", "asymmetric"],
)
def test_cyclical_matches_the_references(kwargs):
    from tests.oracles import cyclical_reference

    step_size, down = 5, kwargs.get("step_size_down")
    schedule = keras_clr.CyclicalLearningRate(0.01, 0.05, step_size, **kwargs)
    mode = kwargs["mode"]
    scale = {
        "triangular": None,
        "triangular2": lambda cycle, step: 0.5 ** (cycle - 1),
        "exp_range": lambda cycle, step: 0.99**step,
    }[mode]
    steps = list(range(40))
    lr, momentum, lr_alone, momentum_alone = _evaluate(schedule, steps)
    expected_lr = cyclical_reference(steps, 0.01, 0.05, step_size, down, scale)
    # The momentum mirrors the LR: MAX_M at the LR's bottom, BASE_M at a
    # full-height peak.
    expected_momentum = cyclical_reference(
        steps, MAX_M, BASE_M, step_size, down, scale
    )
    np.testing.assert_allclose(lr, expected_lr, rtol=RTOL)
    np.testing.assert_allclose(lr_alone, expected_lr, rtol=RTOL)
    np.testing.assert_allclose(momentum, expected_momentum, rtol=RTOL)
    np.testing.assert_allclose(momentum_alone, expected_momentum, rtol=RTOL)


SHAPES = {
    "tent cos": dict(),
    "tent linear": dict(anneal_strategy="linear"),
    "first phase falls": dict(div_factor=0.5),
    "last phase rises": dict(final_div_factor=0.25),
    "three-phase cos": dict(three_phase=True, pct_start=0.2),
    "three-phase linear": dict(
        three_phase=True, pct_start=0.2, anneal_strategy="linear"
    ),
    "warm-up under a step": dict(pct_start=0.01),
}


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_a_scalar_step_compiled_gives_the_same_bits(shape):
    """One scalar step at a time, compiled as training compiles it: every
    value must be the vector's (to the last bit on TensorFlow, whose graph
    runs the same kernels), and the float64 reference's to a rounding."""
    kwargs = dict(
        max_lr=0.1,
        # Phases that end between two steps (at 13.1, 8.4 and 16.8), so
        # that a step given to the wrong phase shows.
        total_steps=47,
        pct_start=0.3,
        anneal_strategy="cos",
        div_factor=25.0,
        final_div_factor=1e4,
        three_phase=False,
    )
    kwargs.update(shape)
    schedule = keras_clr.OneCycle(**kwargs)
    steps = list(range(50))
    vectors = _evaluate(schedule, steps)
    for name, vector, scalars in zip(
        ["lr", "momentum", "lr alone", "momentum alone"],
        vectors,
        _evaluate_scalars(schedule, steps),
        strict=True,
    ):
        if BACKEND == "tensorflow":
            np.testing.assert_array_equal(scalars, vector, err_msg=name)
        else:  # XLA's fused float32 may round differently from eager ops
            np.testing.assert_allclose(scalars, vector, rtol=RTOL, err_msg=name)
    _check(schedule, steps, **kwargs)
