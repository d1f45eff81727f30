"""Property tests: any accepted configuration gives finite, bounded rates.

For the built-in modes and policies, any configuration the constructor
accepts gives a finite learning rate within `[min, max]` of its bounds (to
float32 rounding: one ulp) at any step the step counter can hold; anything
else is refused with a `ValueError` that names the argument. A user's own
`scale_fn` is the user's responsibility and is not covered here.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck
from hypothesis import assume
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from keras import ops

import keras_clr
import keras_clr.addons
from keras_clr._validation import FLOAT32_MAX
from tests.schedules.conftest import INT
from tests.schedules.conftest import INT_MAX

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)

# Any float, including the ones that must be refused.
any_float = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e40, max_value=1e40),
    st.floats(min_value=0, max_value=10),
)
# Mostly plausible values, so that many configurations are accepted.
plausible = st.one_of(any_float, st.floats(min_value=1e-30, max_value=1e3))
steps = st.lists(
    st.one_of(
        st.integers(0, INT_MAX),
        st.integers(0, 10_000),
        st.sampled_from([0, 1, INT_MAX - 1, INT_MAX]),
    ),
    min_size=1,
    max_size=16,
)


def within(lrs, low, high):
    """Finite and in [low, high] up to one float32 ulp."""
    lrs = np.asarray(lrs, np.float64)
    assert np.isfinite(lrs).all(), lrs
    low32, high32 = np.float32(low), np.float32(high)
    below = np.nextafter(low32, np.float32(-np.inf))
    if abs(low) < np.finfo(np.float32).tiny:
        below = 0.0  # Subnormal bounds may flush to zero (TF on CPU does).
    above = np.nextafter(high32, np.float32(np.inf))
    assert (lrs >= below).all() and (lrs <= above).all(), (lrs, low, high)


def evaluate(schedule, step_list):
    tensor = ops.convert_to_tensor(np.array(step_list), dtype=INT)
    return ops.convert_to_numpy(schedule(tensor))


def construct(cls, **kwargs):
    """The schedule, or None if refused (by a ValueError naming an arg)."""
    try:
        return cls(**kwargs)
    except ValueError as error:
        assert "Argument `" in str(error) or "With `" in str(error), error
        return None


@SETTINGS
@given(
    base_lr=plausible,
    max_lr=plausible,
    step_size=st.one_of(
        st.integers(-5, 2**64), st.integers(1, 10**4), any_float
    ),
    step_size_down=st.one_of(
        st.none(), st.integers(-5, 2**64), st.integers(1, 10**4)
    ),
    mode=st.sampled_from(["triangular", "triangular2", "exp_range", "x"]),
    gamma=st.one_of(any_float, st.floats(min_value=1e-300, max_value=1.0)),
    scale_mode=st.sampled_from([None, "cycle", "iterations", "epoch"]),
    step_list=steps,
)
def test_cyclical_learning_rate(
    base_lr,
    max_lr,
    step_size,
    step_size_down,
    mode,
    gamma,
    scale_mode,
    step_list,
):
    schedule = construct(
        keras_clr.CyclicalLearningRate,
        base_lr=base_lr,
        max_lr=max_lr,
        step_size=step_size,
        step_size_down=step_size_down,
        mode=mode,
        gamma=gamma,
        scale_mode=scale_mode,
    )

    def steps_ok(n):
        return math.isfinite(n) and n == int(n) and 1 <= n <= 2**63 - 1

    valid = (
        math.isfinite(base_lr)
        and math.isfinite(max_lr)
        and 0 <= base_lr <= max_lr <= FLOAT32_MAX
        and steps_ok(step_size)
        and (step_size_down is None or steps_ok(step_size_down))
        and mode != "x"
        and math.isfinite(gamma)
        and 0 < gamma <= 1
        and scale_mode != "epoch"
    )
    assert (schedule is not None) == valid
    if schedule is None:
        return
    within(evaluate(schedule, step_list), base_lr, max_lr)


@SETTINGS
@given(
    initial=any_float,
    maximal=any_float,
    step_size=st.one_of(
        any_float, st.fractions(1, 10**6, max_denominator=64).map(float)
    ),
    kind=st.sampled_from(["tri", "tri2", "exp"]),
    scale_mode=st.sampled_from(["cycle", "iterations", 5]),
    gamma=any_float,
    step_list=steps,
)
# Found by hypothesis on JAX (float32 fallback near the int32 counter's
# top left the bounds; a step size that is 0 in float32 gave NaN).
@example(
    initial=0.0,
    maximal=1.0,
    step_size=41.666666666666664,
    kind="tri",
    scale_mode="cycle",
    gamma=0.0,
    step_list=[2_147_483_584],
)
@example(
    initial=0.0,
    maximal=0.0,
    step_size=5.213165837638505e-98,
    kind="tri",
    scale_mode="cycle",
    gamma=0.0,
    step_list=[0],
)
def test_addons_classes(
    initial, maximal, step_size, kind, scale_mode, gamma, step_list
):
    cls = {
        "tri": keras_clr.addons.TriangularCyclicalLearningRate,
        "tri2": keras_clr.addons.Triangular2CyclicalLearningRate,
        "exp": keras_clr.addons.ExponentialCyclicalLearningRate,
    }[kind]
    kwargs = dict(scale_mode=scale_mode)
    if kind == "exp":
        kwargs["gamma"] = gamma
    schedule = construct(
        cls,
        initial_learning_rate=initial,
        maximal_learning_rate=maximal,
        step_size=step_size,
        **kwargs,
    )
    if schedule is None:
        return
    assert 0 <= initial <= maximal and step_size > 0
    assert scale_mode in ("cycle", "iterations")
    within(evaluate(schedule, step_list), initial, maximal)


@SETTINGS
@given(
    max_lr=plausible,
    total_steps=st.one_of(st.integers(-3, 2**64), st.integers(1, 5000)),
    pct_start=st.one_of(any_float, st.floats(0.01, 0.99)),
    anneal_strategy=st.sampled_from(["cos", "linear", "cosine"]),
    div_factor=plausible,
    final_div_factor=plausible,
    three_phase=st.sampled_from([False, True, False, "yes"]),
    step_list=steps,
)
def test_one_cycle(
    max_lr,
    total_steps,
    pct_start,
    anneal_strategy,
    div_factor,
    final_div_factor,
    three_phase,
    step_list,
):
    schedule = construct(
        keras_clr.OneCycle,
        max_lr=max_lr,
        total_steps=total_steps,
        pct_start=pct_start,
        anneal_strategy=anneal_strategy,
        div_factor=div_factor,
        final_div_factor=final_div_factor,
        three_phase=three_phase,
    )
    if schedule is None:
        return
    assert max_lr > 0 and div_factor > 0 and final_div_factor > 0
    assert 1 <= total_steps <= 2**63 - 1 and 0 < pct_start < 1
    values = (schedule.initial_lr, schedule.max_lr, schedule.min_lr)
    within(evaluate(schedule, step_list), min(values), max(values))


@SETTINGS
@given(scale=any_float, start_step=st.integers(-3, 2**64), step_list=steps)
def test_adjusted_schedule(scale, start_step, step_list):
    inner = keras_clr.CyclicalLearningRate(0.001, 0.006, 50)
    schedule = construct(
        keras_clr.AdjustedSchedule,
        schedule=inner,
        scale=scale,
        start_step=start_step,
    )
    if schedule is None:
        return
    assume(0.006 * scale < 3e38)
    within(evaluate(schedule, step_list), 0.001 * scale, 0.006 * scale)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(base_lr=0.0, max_lr=3.4e38, step_size=1),
        dict(base_lr=1e-45, max_lr=1e-45, step_size=2**62),
        dict(
            base_lr=0.5, max_lr=1.0, step_size=1, mode="exp_range", gamma=5e-324
        ),
        dict(
            base_lr=0.5,
            max_lr=1.0,
            step_size=2**31 - 1,
            mode="triangular2",
            step_size_down=2**63 - 2**31,
        ),
    ],
)
def test_extreme_accepted_configurations(kwargs):
    schedule = keras_clr.CyclicalLearningRate(**kwargs)
    step_list = [0, 1, 2, 3, 2**20, INT_MAX - 1, INT_MAX]
    within(evaluate(schedule, step_list), kwargs["base_lr"], kwargs["max_lr"])


# Valid configurations only: each must be accepted and stay in bounds.
lr = st.floats(min_value=0.0, max_value=3.4e38)
positive_lr = st.floats(min_value=1e-38, max_value=1e30)
step_count = st.one_of(st.integers(1, 10**4), st.integers(1, 2**63 - 1))


@SETTINGS
@given(
    bounds=st.tuples(lr, lr).map(sorted),
    step_size=step_count,
    step_size_down=st.one_of(st.none(), step_count),
    mode=st.sampled_from(["triangular", "triangular2", "exp_range"]),
    gamma=st.floats(min_value=5e-324, max_value=1.0, exclude_min=False),
    scale_mode=st.sampled_from([None, "cycle", "iterations"]),
    step_list=steps,
)
def test_valid_cyclical_configurations(
    bounds, step_size, step_size_down, mode, gamma, scale_mode, step_list
):
    assume(gamma > 0)
    schedule = keras_clr.CyclicalLearningRate(
        bounds[0],
        bounds[1],
        step_size,
        mode,
        gamma,
        scale_mode=scale_mode,
        step_size_down=step_size_down,
    )
    within(evaluate(schedule, step_list), *bounds)


@SETTINGS
@given(
    bounds=st.tuples(lr, lr).map(sorted),
    step_size=st.one_of(
        step_count,
        st.floats(min_value=1e-3, max_value=1e12),
        st.fractions(1, 10**6, max_denominator=1024).map(float),
    ),
    kind=st.sampled_from(["tri", "tri2", "exp"]),
    scale_mode=st.sampled_from(["cycle", "iterations"]),
    gamma=st.floats(min_value=1e-300, max_value=1.0),
    step_list=steps,
)
def test_valid_addons_configurations(
    bounds, step_size, kind, scale_mode, gamma, step_list
):
    args = (bounds[0], bounds[1], step_size, scale_mode)
    if kind == "exp":
        schedule = keras_clr.addons.ExponentialCyclicalLearningRate(
            *args, gamma=gamma
        )
    elif kind == "tri2":
        schedule = keras_clr.addons.Triangular2CyclicalLearningRate(*args)
    else:
        schedule = keras_clr.addons.TriangularCyclicalLearningRate(*args)
    within(evaluate(schedule, step_list), *bounds)


@SETTINGS
@given(
    max_lr=positive_lr,
    total_steps=step_count,
    pct_start=st.floats(min_value=1e-6, max_value=0.999999),
    anneal_strategy=st.sampled_from(["cos", "linear"]),
    div_factor=st.floats(min_value=1e-3, max_value=1e6),
    final_div_factor=st.floats(min_value=1e-3, max_value=1e6),
    three_phase=st.booleans(),
    step_list=steps,
)
def test_valid_one_cycle_configurations(
    max_lr,
    total_steps,
    pct_start,
    anneal_strategy,
    div_factor,
    final_div_factor,
    three_phase,
    step_list,
):
    if three_phase:
        pct_start = pct_start / 2
    assume(max_lr / div_factor < 3e38)
    assume(max_lr / (div_factor * final_div_factor) < 3e38)
    schedule = keras_clr.OneCycle(
        max_lr,
        total_steps,
        pct_start,
        anneal_strategy,
        div_factor,
        final_div_factor,
        three_phase,
    )
    values = (schedule.initial_lr, schedule.max_lr, schedule.min_lr)
    within(evaluate(schedule, step_list), min(values), max(values))
