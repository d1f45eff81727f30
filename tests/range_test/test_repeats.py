"""lr_range_test(..., repeats=k): sweeps, restoration, medians, warning.

Hand-made curves carry their suggestions by construction: a loss of
`2 - tanh(log10(lr) - c)` falls fastest at `lr = 10**c`, so the oracle
for each sweep is `10**c`, never the code under test.
"""

import json
import math
import os
import warnings

import keras
import numpy as np
import pytest

import keras_clr
from keras_clr.range_test import SuggestionSpreadWarning
from keras_clr.range_test import _suggest
from tests.conftest import BACKEND
from tests.range_test.conftest import RaiseAt
from tests.range_test.conftest import compiled_model
from tests.range_test.conftest import task
from tests.range_test.conftest import trained
from tests.range_test.test_restore import OPTIMIZERS
from tests.range_test.test_restore import everything
from tests.range_test.test_restore import twin

DATA = os.path.join(os.path.dirname(__file__), "data")
LRS = np.geomspace(1e-5, 1.0, 51)  # 10 points per decade: 10**(-5 + i/10)
T = np.log10(LRS)


def sweep(centre, minimum=None, lrs=LRS, noise=0.0, seed=0, **kwargs):
    """A one-sweep result whose steepest fall is at 10**centre and, with
    `minimum`, whose lowest loss is at 10**minimum."""
    t = np.log10(lrs)
    losses = 2.0 - np.tanh(t - centre)
    if minimum is not None:
        losses = losses + np.where(t > minimum, 20 * (t - minimum) ** 2, 0)
    losses = losses * (
        1 + noise * np.random.default_rng(seed).normal(size=t.size)
    )
    return keras_clr.LRRangeTestResult(lrs, losses, smoothing=0.0, **kwargs)


def combined(*sweeps):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuggestionSpreadWarning)
        return keras_clr.LRRangeTestResult.from_sweeps(list(sweeps))


# --- medians and spreads against hand-made curves -------------------------


def test_median_spread_and_quartiles_of_five_sweeps():
    result = combined(*(sweep(c) for c in (-3.8, -3.0, -2.5, -2.0, -3.0)))
    assert result.sweep_suggestions["steepest"] == pytest.approx(
        [10**-3.8, 1e-3, 10**-2.5, 1e-2, 1e-3], rel=1e-9
    )
    assert result.suggestion == pytest.approx(1e-3, rel=1e-9)
    spread = result.spreads["steepest"]
    assert spread["ratio"] == pytest.approx(10**1.8, rel=1e-9)
    # Sorted: 10^-3.8, 10^-3, 10^-3, 10^-2.5, 10^-2 (NumPy's quartiles
    # fall on the 2nd and 4th values).
    assert spread["quartiles"] == pytest.approx((1e-3, 10**-2.5), rel=1e-9)
    # Everything downstream uses the median.
    assert result.suggest_bounds() == pytest.approx((2.5e-4, 1e-3), rel=1e-9)
    assert result.cyclical_learning_rate(100).max_lr == result.suggestion
    assert result.one_cycle(1000, rule="steepest").max_lr == result.suggestion


def test_median_of_an_even_count_is_the_geometric_middle():
    result = combined(*(sweep(c) for c in (-3.0, -2.0, -2.5, -3.8)))
    assert result.suggestion == pytest.approx(10**-2.75, rel=1e-9)


def test_minimum_rule_median_and_spread():
    result = combined(*(sweep(-3.0, m) for m in (-1.5, -1.0, -0.5)))
    assert result.sweep_suggestions["minimum_over_10"] == pytest.approx(
        [10**-2.5, 1e-2, 10**-1.5], rel=1e-9
    )
    assert result.suggestions["minimum_over_10"] == pytest.approx(1e-2)
    assert result.spreads["minimum_over_10"]["ratio"] == pytest.approx(10.0)
    assert result.suggest_bounds("minimum_over_10")[1] == pytest.approx(1e-2)


def test_one_sweep_is_its_own_median_exactly():
    one = sweep(-3.0)
    assert one.sweeps == (one,)
    assert one.spreads["steepest"] == {"ratio": 1.0, "quartiles": (1e-3,) * 2}
    assert one.suggestion == LRS[20]  # bit for bit, no log/exp round trip


def test_summary_says_median_and_spread_per_rule():
    result = combined(*(sweep(c) for c in (-3.8, -3.0, -2.5, -2.0, -3.0)))
    text = str(result)
    assert text == result.summary()
    assert "5 sweeps" in text
    row = next(line for line in text.splitlines() if "steepest" in line)
    assert "(default)" in row and "1.000e-03" in row and "x63.1" in row
    assert all(rule in text for rule in keras_clr.range_test.RULES)
    single = str(sweep(-3.0))
    assert "1 sweep " in single and "1.000e-03" in single


# --- the warning ------------------------------------------------------------


def test_no_warning_when_the_sweeps_agree():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = keras_clr.LRRangeTestResult.from_sweeps(
            [sweep(c) for c in (-3.2, -3.0, -2.8)]
        )
    assert result.spreads["steepest"]["ratio"] < _suggest.SPREAD_LIMIT


FEW = np.geomspace(1e-5, 1.0, 21)  # 4 points per decade


@pytest.mark.parametrize(
    "sweeps, causes, not_causes",
    [
        (
            lambda: [sweep(c, lrs=FEW) for c in (-4.0, -3.0, -2.0)],
            ["4.0 steps per decade"],
            ["noisy", "divergence"],
        ),
        (
            lambda: [sweep(-3.0, noise=0.3, seed=s) for s in range(5)],
            ["noisy loss"],
            ["steps per decade", "divergence"],
        ),
        (
            lambda: [
                sweep(-3.0),
                sweep(-4.0, lrs=LRS[:16], stopped_early="diverged"),
                sweep(-3.0),
            ],
            ["divergence reached early in sweep(s) [1]"],
            ["steps per decade", "noisy"],
        ),
    ],
    ids=["few_steps", "noisy", "early_divergence"],
)
def test_one_warning_names_the_visible_causes(sweeps, causes, not_causes):
    with pytest.warns(SuggestionSpreadWarning) as caught:
        result = keras_clr.LRRangeTestResult.from_sweeps(sweeps())
    assert len(caught) == 1
    message = str(caught[0].message)
    assert result.spreads["steepest"]["ratio"] > 3
    assert "more than 3" in message and "median" in message
    for cause in causes:
        assert cause in message
    for cause in not_causes:
        assert cause not in message


@pytest.mark.parametrize("sigma", [0.02, 0.2])
def test_noise_measure_finds_the_noise_put_in(sigma):
    rng = np.random.default_rng(0)
    losses = 3.0 + 3.0 * sigma * rng.normal(size=4000)
    losses[-1] = -100.0  # the measure stops at the lowest loss
    assert _suggest.noise(losses) == pytest.approx(sigma, rel=0.1)


# --- JSON -------------------------------------------------------------------


def test_json_round_trip_keeps_every_sweep(tmp_path):
    diverged = list(2.0 - np.tanh(T[:30] + 2))
    diverged[-2:] = [math.inf, math.nan]
    sweeps = [
        sweep(-3.0),
        keras_clr.LRRangeTestResult(
            LRS[:30], diverged, smoothing=0.0, stopped_early="loss inf"
        ),
        sweep(-2.6),
    ]
    result = combined(*sweeps)
    path = tmp_path / "sweeps.json"
    result.save(path)
    data = json.loads(path.read_text(), parse_constant=pytest.fail)
    assert len(data["sweeps"]) == 3 and data["lrs"] == list(LRS)
    assert data["sweeps"][1]["losses"][-2:] == [None, None]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # loading does not warn again
        loaded = keras_clr.LRRangeTestResult.load(path)
    assert len(loaded.sweeps) == 3
    for old, new in zip(sweeps, loaded.sweeps, strict=True):
        assert new.lrs == old.lrs and new.stopped_early == old.stopped_early
        finite = np.isfinite(old.losses)  # inf and nan come back as nan
        np.testing.assert_array_equal(np.isfinite(new.losses), finite)
        np.testing.assert_array_equal(
            np.array(new.losses)[finite], np.array(old.losses)[finite]
        )
    assert loaded.sweep_suggestions == result.sweep_suggestions
    assert loaded.suggestions == result.suggestions
    assert loaded.spreads == result.spreads


@pytest.mark.parametrize(
    "name",
    [
        "range_test_0.1.0_finite.json",
        "range_test_0.1.0_nonfinite.json",
        f"range_test_0.2.0_run_{BACKEND}.json",
    ],
)
def test_older_files_load_as_one_sweep(name):
    loaded = keras_clr.LRRangeTestResult.load(os.path.join(DATA, name))
    assert loaded.sweeps == (loaded,)
    assert list(loaded.sweep_suggestions) == list(loaded.suggestions)


# --- the driver ---------------------------------------------------------------

RUN = dict(batch_size=32, start_lr=1e-4, end_lr=10.0, num_steps=40, verbose=0)


def test_repeats_1_returns_what_0_2_0_returned():
    with open(os.path.join(DATA, f"range_test_0.2.0_run_{BACKEND}.json")) as f:
        recorded = json.load(f)
    x, y = task()
    result = keras_clr.lr_range_test(
        twin(OPTIMIZERS["adam"], run_eagerly=False), x, y, **RUN
    )
    assert result.lrs == recorded["lrs"]
    assert result.losses == recorded["losses"]
    assert result.suggestions == recorded["suggestions"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuggestionSpreadWarning)
        three = keras_clr.lr_range_test(
            twin(OPTIMIZERS["adam"], run_eagerly=False), x, y, repeats=3, **RUN
        )
    assert len(three.sweeps) == 3
    # The first sweep is the one-sweep test; the others see other orders
    # and other dropout masks.
    assert three.sweeps[0].losses == recorded["losses"]
    assert three.losses == recorded["losses"]
    assert three.sweeps[1].losses[0] != three.sweeps[0].losses[0]
    assert three.sweeps[2].losses[0] != three.sweeps[1].losses[0]


class RaiseInSweep(RaiseAt):
    """Raises `error` at batch `step` of sweep `sweep` (0-based)."""

    def __init__(self, sweep, step, error):
        super().__init__(step, error)
        self.sweep, self.fits = sweep, -1

    def on_train_begin(self, logs=None):
        self.fits += 1

    def on_train_batch_end(self, batch, logs=None):
        if self.fits == self.sweep:
            super().on_train_batch_end(batch, logs)


def range_test_ending(model, ending, **kwargs):
    x, y = task(64)
    kwargs = dict(
        batch_size=16,
        num_steps=6,
        start_lr=1e-4,
        end_lr=1.0,
        verbose=0,
        repeats=3,
        **kwargs,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuggestionSpreadWarning)
        if ending == "finished":
            return keras_clr.lr_range_test(model, x, y, **kwargs)
        if ending == "diverged":
            return keras_clr.lr_range_test(
                model, x, y, diverge_threshold=1.01, **kwargs
            )
        error = (
            RuntimeError("boom") if ending == "raised" else KeyboardInterrupt()
        )
        expected = RuntimeError if ending == "raised" else KeyboardInterrupt
        with pytest.raises(expected):
            keras_clr.lr_range_test(
                model, x, y, callbacks=[RaiseInSweep(1, 2, error)], **kwargs
            )


def assert_twins_alike(make_optimizer, ending, run_eagerly=True):
    tested = twin(make_optimizer, run_eagerly=run_eagerly)
    untested = twin(make_optimizer, run_eagerly=run_eagerly)
    range_test_ending(tested, ending)
    more_x, more_y = task(48, seed=2)
    histories = [
        model.fit(more_x, more_y, batch_size=16, shuffle=False, verbose=0)
        for model in (tested, untested)
    ]
    assert histories[0].history == histories[1].history
    for a, b in zip(everything(tested), everything(untested), strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("ending", ["finished", "diverged", "raised", "ctrl_c"])
def test_every_ending_of_three_sweeps_restores_bit_for_bit(ending):
    assert_twins_alike(OPTIMIZERS["adam"], ending, run_eagerly=False)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_three_sweeps_restore_every_optimizer(name):
    assert_twins_alike(OPTIMIZERS[name], "finished")


def test_unseeded_dropout_restored_after_three_sweeps():
    make = OPTIMIZERS["sgd"]
    tested, untested = (twin(make, dropout_seed=None) for _ in range(2))
    rng_before = keras_clr._keras.backend_rng_state()
    range_test_ending(tested, "ctrl_c")
    rng_after = keras_clr._keras.backend_rng_state()
    if rng_before is not None:  # torch's global generator
        assert np.array_equal(rng_after[0].numpy(), rng_before[0].numpy())
    for a, b in zip(everything(tested), everything(untested), strict=True):
        np.testing.assert_array_equal(a, b)


def test_keep_partial_returns_the_complete_sweeps_on_ctrl_c():
    model = twin(OPTIMIZERS["adam"])
    before = everything(model)
    x, y = task(64)
    kwargs = dict(batch_size=16, num_steps=6, verbose=0)
    one = keras_clr.lr_range_test(model, x, y, **kwargs)
    interrupted = RaiseInSweep(1, 2, KeyboardInterrupt())
    partial = keras_clr.lr_range_test(
        model,
        x,
        y,
        repeats=3,
        keep_partial=True,
        callbacks=[interrupted],
        **kwargs,
    )
    assert partial.sweeps == (partial,) and partial.losses == one.losses
    with pytest.raises(KeyboardInterrupt):  # no sweep complete
        keras_clr.lr_range_test(
            model,
            x,
            y,
            repeats=3,
            keep_partial=True,
            callbacks=[RaiseInSweep(0, 2, KeyboardInterrupt())],
            **kwargs,
        )
    for a, b in zip(everything(model), before, strict=True):
        np.testing.assert_array_equal(a, b)


class Started(keras.callbacks.Callback):
    started = False

    def on_train_begin(self, logs=None):
        self.started = True


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            dict(repeats=0),
            "Argument `repeats` must be a positive integer. "
            "Received: repeats=0",
        ),
        (dict(repeats=-2), "Received: repeats=-2"),
        (dict(repeats=True), "Received: repeats=True"),
        (dict(repeats=2.0), "Received: repeats=2.0"),
        (dict(repeats=None), "Received: repeats=None"),
        (dict(repeats="3"), "Received: repeats='3'"),
        (dict(keep_partial=1), "Argument `keep_partial` must be True or False"),
        (dict(end_lr=1e39), "Argument `end_lr` must be finite in float32"),
    ],
)
def test_bad_repeats_refused_before_any_training(kwargs, message):
    model = twin(OPTIMIZERS["adam"])
    x, y = task(64)
    started = Started()
    with pytest.raises(ValueError) as info:
        keras_clr.lr_range_test(
            model, x, y, num_steps=5, verbose=0, callbacks=[started], **kwargs
        )
    assert message in str(info.value)
    assert not started.started


def test_every_sweep_starts_from_the_same_state():
    # One example repeated: every data order gives the same batches, and
    # the model has no random layer, so restored sweeps draw one curve.
    x, y = task(1)
    model = trained(compiled_model())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuggestionSpreadWarning)
        result = keras_clr.lr_range_test(
            model,
            np.repeat(x, 64, axis=0),
            np.repeat(y, 64, axis=0),
            batch_size=16,
            start_lr=1e-3,
            end_lr=10.0,
            num_steps=20,
            verbose=0,
            repeats=3,
        )
    first = result.sweeps[0].losses
    assert result.sweeps[1].losses == first
    assert result.sweeps[2].losses == first
