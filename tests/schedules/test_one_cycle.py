import math

import keras
import numpy as np
import pytest
from keras import ops

import keras_clr
from tests.helpers import WeightRecorder
from tests.helpers import unit_gradient_data
from tests.helpers import unit_gradient_model
from tests.schedules.conftest import HAS_INT64
from tests.schedules.conftest import INT
from tests.schedules.conftest import JIT
from tests.schedules.conftest import one_cycle_reference
from tests.schedules.conftest import values


# PyTorch's OneCycleLR test vectors (test/optim/test_lrscheduler.py).
def test_pytorch_two_phase_linear_vector():
    schedule = keras_clr.OneCycle(
        max_lr=25,
        total_steps=10,
        div_factor=25,
        final_div_factor=2,
        anneal_strategy="linear",
    )
    expected = [1, 13, 25, 21.5, 18, 14.5, 11, 7.5, 4, 0.5]
    np.testing.assert_allclose(values(schedule, range(10)), expected, rtol=1e-6)


def test_pytorch_three_phase_linear_vector():
    schedule = keras_clr.OneCycle(
        max_lr=25,
        total_steps=10,
        pct_start=0.4,
        div_factor=25,
        final_div_factor=4,
        anneal_strategy="linear",
        three_phase=True,
    )
    expected = [1, 9, 17, 25, 17, 9, 1, 0.75, 0.5, 0.25]
    np.testing.assert_allclose(values(schedule, range(10)), expected, rtol=1e-6)


def test_cosine_anneal_hand_values():
    # initial 0.1, minimum 0.01; warm-up ends at step 1, the anneal runs
    # over steps 1..7, so steps 3, 4, 5 sit at 1/3, 1/2, 2/3 of it, where
    # (1 + cos(pi f)) / 2 is 3/4, 1/2, 1/4.
    schedule = keras_clr.OneCycle(
        max_lr=1.0,
        total_steps=8,
        pct_start=0.25,
        div_factor=10,
        final_div_factor=10,
    )
    expected = {
        0: 0.1,
        1: 1.0,
        3: 0.01 + 0.99 * 0.75,
        4: 0.505,
        5: 0.01 + 0.99 * 0.25,
        7: 0.01,
    }
    got = values(schedule, list(expected))
    np.testing.assert_allclose(got, list(expected.values()), rtol=1e-6)


def test_three_phase_cosine_midpoints():
    # Up over steps 0..4, down over 4..8, final anneal over 8..19.
    schedule = keras_clr.OneCycle(
        max_lr=2.0,
        total_steps=20,
        pct_start=0.25,
        div_factor=4,
        final_div_factor=5,
        three_phase=True,
    )
    got = values(schedule, [0, 2, 4, 6, 8, 19])
    np.testing.assert_allclose(got, [0.5, 1.25, 2.0, 1.25, 0.5, 0.1], rtol=1e-6)


def test_fractional_warmup_end():
    # pct_start * total_steps = 2.5: the warm-up ends at step 1.5, as in
    # PyTorch, so step 1 is 2/3 of the way up and step 2 is 1/15 down.
    schedule = keras_clr.OneCycle(
        max_lr=25,
        total_steps=10,
        pct_start=0.25,
        div_factor=25,
        final_div_factor=2,
        anneal_strategy="linear",
    )
    got = values(schedule, [0, 1, 2, 9])
    np.testing.assert_allclose(got, [1, 17, 25 - 24.5 / 15, 0.5], rtol=1e-6)


def test_pytorch_defaults():
    schedule = keras_clr.OneCycle(max_lr=0.1, total_steps=100)
    got = values(schedule, [0, 29, 99])
    np.testing.assert_allclose(got, [0.004, 0.1, 4e-7], rtol=1e-5)
    assert schedule.initial_lr == pytest.approx(0.004)
    assert schedule.min_lr == pytest.approx(4e-7)


def test_holds_the_minimum_past_total_steps():
    schedule = keras_clr.OneCycle(
        max_lr=25, total_steps=10, div_factor=25, final_div_factor=2
    )
    steps = [9, 10, 11, 1000, 2**31 - 1]
    np.testing.assert_allclose(values(schedule, steps), [0.5] * 5, rtol=1e-6)
    if HAS_INT64:
        np.testing.assert_allclose(
            values(schedule, [2**40, 2**63 - 1]), [0.5] * 2, rtol=1e-6
        )


def test_long_run_is_monotone_in_each_phase_and_exact_at_the_ends():
    schedule = keras_clr.OneCycle(max_lr=0.01, total_steps=1_000_000)
    lrs = values(schedule, np.arange(0, 1_000_000, 97))
    peak = int(np.argmax(lrs))
    assert np.all(np.diff(lrs[: peak + 1]) > 0)
    # Near the peak the cosine changes by less than float32's resolution.
    assert np.all(np.diff(lrs[peak:]) <= 0)
    assert np.all(np.diff(lrs[peak + 100 :]) < 0)
    ends = values(schedule, [0, 299_999, 999_999])
    np.testing.assert_allclose(ends, [0.0004, 0.01, 4e-8], rtol=1e-5)


def test_from_epochs():
    schedule = keras_clr.OneCycle.from_epochs(
        0.5, epochs=3, steps_per_epoch=7, pct_start=0.2, name="oc"
    )
    assert schedule.total_steps == 21
    assert schedule.get_config()["name"] == "oc"
    with pytest.raises(ValueError, match=r"Received: epochs=0"):
        keras_clr.OneCycle.from_epochs(0.5, epochs=0, steps_per_epoch=7)
    with pytest.raises(ValueError, match=r"Received: steps_per_epoch=1\.5"):
        keras_clr.OneCycle.from_epochs(0.5, epochs=2, steps_per_epoch=1.5)


@pytest.mark.skipif(not HAS_INT64, reason="JAX defaults to 32-bit")
def test_float64(floatx_float64):
    schedule = keras_clr.OneCycle(max_lr=0.3, total_steps=7, pct_start=3 / 7)
    lr = schedule(ops.convert_to_tensor(np.arange(7), dtype="int64"))
    assert keras.backend.standardize_dtype(lr.dtype) == "float64"
    # Warm-up ends at step 2; anneal over steps 2..6: step 4 is half way.
    got = ops.convert_to_numpy(lr)
    assert got[2] == pytest.approx(0.3, rel=1e-15)
    assert got[4] == pytest.approx((0.3 + 0.3 / 25 / 1e4) / 2, rel=1e-15)


def random_configs(seed, count):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        three_phase = bool(rng.integers(2))
        yield dict(
            max_lr=float(10 ** rng.uniform(-5, 1)),
            total_steps=int(rng.integers(2, 3000)),
            pct_start=float(rng.uniform(0.02, 0.49 if three_phase else 0.98)),
            anneal_strategy=str(rng.choice(["cos", "linear"])),
            div_factor=float(10 ** rng.uniform(0, 3)),
            final_div_factor=float(10 ** rng.uniform(0, 5)),
            three_phase=three_phase,
        )


FINAL_DIV_1E5 = [
    dict(max_lr=0.1, total_steps=1000, final_div_factor=1e5),
    dict(
        max_lr=0.1,
        total_steps=1000,
        final_div_factor=1e5,
        anneal_strategy="linear",
    ),
    dict(
        max_lr=3.0,
        total_steps=977,
        pct_start=0.25,
        div_factor=7.0,
        final_div_factor=1e5,
        three_phase=True,
    ),
    dict(max_lr=0.1, total_steps=100),  # PyTorch's defaults.
]


@pytest.mark.parametrize(
    "config", FINAL_DIV_1E5 + list(random_configs(seed=11, count=24))
)
def test_float32_exact_against_pytorch_formulas_in_float64(config):
    """Relative error <= 2e-6 at every step; the end is float32(min)."""
    schedule = keras_clr.OneCycle(**config)
    total = config["total_steps"]
    steps = np.arange(total + 3)
    got = values(schedule, steps)
    expected = np.array([one_cycle_reference(s, **config) for s in steps])
    error = np.abs(got - expected) / expected
    worst = int(np.argmax(error))
    assert error[worst] <= 2e-6, (worst, got[worst], expected[worst])
    minimum = config["max_lr"] / (
        config.get("div_factor", 25.0) * config.get("final_div_factor", 1e4)
    )
    at_end = ops.convert_to_numpy(
        schedule(ops.convert_to_tensor(steps[total - 1 :], dtype=INT))
    )
    assert at_end.dtype == np.float32
    assert (at_end == np.float32(minimum)).all(), (at_end, minimum)


def test_issue_11_last_step_with_final_div_factor_1e4():
    # 0.1.0 gave 4.0233e-7 (+0.58%) at the last step.
    schedule = keras_clr.OneCycle(max_lr=0.1, total_steps=100)
    last = ops.convert_to_numpy(schedule(99))
    assert last == np.float32(4e-7)


def test_momentum_float32_exact():
    schedule = keras_clr.OneCycle(max_lr=0.1, total_steps=1000, pct_start=0.3)
    steps = ops.convert_to_tensor(np.arange(1000), dtype=INT)
    got = ops.convert_to_numpy(schedule.momentum(steps, 0.85, 0.95))
    # Momentum anneals 0.95 -> 0.85 -> 0.95: a one-cycle "LR" peaking at
    # 0.85 that starts and ends at 0.95.
    expected = [
        one_cycle_reference(
            s, 0.85, 1000, div_factor=0.85 / 0.95, final_div_factor=1.0
        )
        for s in range(1000)
    ]
    np.testing.assert_allclose(got, expected, rtol=2e-7)


INVALID = [
    (
        dict(total_steps=0),
        r"Argument `total_steps` must be > 0\. "
        r"Received: total_steps=0",
    ),
    (dict(total_steps=10.5), r"Received: total_steps=10\.5"),
    (dict(max_lr=0.0), r"Argument `max_lr` must be > 0\. Received: max_lr=0"),
    (dict(max_lr=float("nan")), r"`max_lr` must be a finite number"),
    (
        dict(pct_start=0.0),
        r"Argument `pct_start` must be in \(0, 1\)\. "
        r"Received: pct_start=0\.0",
    ),
    (dict(pct_start=1.0), r"Received: pct_start=1\.0"),
    (
        dict(anneal_strategy="cosine"),
        r"Argument `anneal_strategy` must be "
        r"one of 'cos', 'linear'\. Received: anneal_strategy='cosine'",
    ),
    (
        dict(div_factor=0),
        r"Argument `div_factor` must be > 0\. "
        r"Received: div_factor=0",
    ),
    (dict(final_div_factor=-1.0), r"Argument `final_div_factor` must be > 0"),
    (dict(three_phase="yes"), r"`three_phase` must be True or False"),
    (
        dict(three_phase=True, pct_start=0.5),
        r"With `three_phase=True`, "
        r"argument `pct_start` must be < 0\.5",
    ),
    (dict(max_lr=1e39), r"Argument `max_lr` must be finite in float32"),
    (dict(div_factor=1e-300), r"Argument `div_factor` is too small"),
    (
        dict(final_div_factor=1e-300),
        r"Argument `final_div_factor` is too "
        r"small",
    ),
    (
        dict(total_steps=2**63),
        r"Argument `total_steps` must be at most "
        r"2\*\*63 - 1",
    ),
    (
        dict(anneal_strategy=b"cos"),
        r"Argument `anneal_strategy` must be "
        r"one of 'cos', 'linear'\. Received: anneal_strategy=b'cos' of type "
        r"bytes",
    ),
]


@pytest.mark.parametrize("kwargs, message", INVALID)
def test_invalid_arguments(kwargs, message):
    kwargs = {"max_lr": 0.1, "total_steps": 100, **kwargs}
    with pytest.raises(ValueError, match=message):
        keras_clr.OneCycle(**kwargs)


@pytest.mark.parametrize("jit_compile", JIT)
def test_fit_applies_every_step_and_holds_after_the_end(jit_compile):
    # The PyTorch two-phase vector, scaled by 1/100, then the held minimum.
    schedule = keras_clr.OneCycle(
        max_lr=0.25,
        total_steps=10,
        div_factor=25,
        final_div_factor=2,
        anneal_strategy="linear",
    )
    model = unit_gradient_model(
        keras.optimizers.SGD(learning_rate=schedule), jit_compile=jit_compile
    )
    recorder = WeightRecorder()
    x, y = unit_gradient_data(14)
    model.fit(
        x, y, batch_size=2, shuffle=False, verbose=0, callbacks=[recorder]
    )
    lrs = np.array([1, 13, 25, 21.5, 18, 14.5, 11, 7.5, 4] + [0.5] * 5) / 100
    weights = [w for _, w in recorder.points]
    np.testing.assert_allclose(weights, -np.cumsum(lrs), rtol=1e-5)
    assert math.isclose(
        float(ops.convert_to_numpy(model.optimizer.learning_rate)),
        0.005,
        rel_tol=1e-6,
    )
