"""The suggestion rules on hand-made loss curves with known answers."""

import importlib.util
import sys

import numpy as np
import pytest

import keras_clr
from keras_clr.range_test import _suggest

LRS = np.geomspace(1e-5, 1.0, 51)  # log10 steps of 0.1; 1e-3 is LRS[20]


def test_the_maths_imports_without_keras(monkeypatch):
    # A None entry makes `import keras` raise ImportError.
    monkeypatch.setitem(sys.modules, "keras", None)
    for name in ("_suggest", "_sweep"):
        path = keras_clr.range_test.__path__[0] + f"/{name}.py"
        spec = importlib.util.spec_from_file_location(f"isolated_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    assert module.MODES == ("exp", "linear")


def test_smoothing_by_hand():
    # beta 0.5: a = 0.5*4 = 2, 0.5*2 + 0.5*2 = 2, 0.5*2 + 0.5*6 = 4,
    # over 1 - beta^i = 0.5, 0.75, 0.875.
    assert _suggest.smooth([4.0, 2.0, 6.0], 0.5) == pytest.approx(
        [4.0, 2.0 / 0.75, 4.0 / 0.875]
    )
    # Bias correction keeps a constant curve constant.
    assert _suggest.smooth([3.0] * 20, 0.98) == pytest.approx([3.0] * 20)
    assert _suggest.smooth([1.0, 2.0], 0.0) == [1.0, 2.0]


def test_steepest_is_the_inflection_of_a_tanh_fall():
    # 2 - tanh(log10(lr) + 3) falls fastest at lr = 1e-3, symmetrically.
    losses = 2.0 - np.tanh(np.log10(LRS) + 3)
    assert _suggest.steepest(LRS, losses) == LRS[20]


def test_steepest_ignores_the_noisy_ends_of_long_curves():
    losses = 2.0 - np.tanh(np.log10(LRS) + 3)
    losses[3] -= 5.0  # a huge drop among the first 10 points
    losses[-2] -= 5.0  # and among the last 5
    assert _suggest.steepest(LRS, losses) == LRS[20]
    # A curve of 30 points or fewer is read whole. Central differences
    # (per step of log LR): -0.5, -1.25, -1.0, -0.25 at points 3 to 6.
    short = np.array([3, 3, 3, 3, 2, 0.5, 0, 0, 0, 0], float)
    assert _suggest.steepest(LRS[:10], short) == LRS[4]


def test_valley_by_hand():
    # The longest strict fall: one of the 3s, then 2.5, 2, 1.5, 1, 0.5
    # (ending at i=8): 6 points. fastai's bookkeeping gives start =
    # 8 - 6 = 2, d = (8 - 2) / 3 = 2, index 2 + 2 + int(1.0) = 5.
    losses = [3, 3, 3, 3, 2.5, 2, 1.5, 1, 0.5, 1, 2, 3]
    assert _suggest.valley(LRS[:12], np.array(losses, float)) == LRS[5]


def test_minimum_over_10_by_hand():
    losses = np.array([5.0, 4.0, 1.0, 0.5, 2.0, 9.0])
    assert _suggest.minimum_over_10(LRS[:6], losses) == LRS[3] / 10


def test_suggest_leaves_out_non_finite_points():
    losses = 2.0 - np.tanh(np.log10(LRS) + 3)
    with_nan = np.concatenate([losses, [np.nan, np.inf]])
    lrs = np.concatenate([LRS, [2.0, 3.0]])
    assert _suggest.suggest(lrs, with_nan) == _suggest.suggest(LRS, losses)
    assert _suggest.suggest([1e-3, 1e-2, 1e-1], [1.0, np.nan, np.inf]) == {}


def test_every_rule_named_and_steepest_is_the_default():
    assert _suggest.RULES == ("steepest", "valley", "minimum_over_10")
    assert _suggest.DEFAULT_RULE == "steepest"
    assert keras_clr.range_test.DEFAULT_RULE == "steepest"


def test_one_cycle_takes_the_lowest_loss_over_10():
    # The top of the usable range (fastai), not the steepest fall.
    assert _suggest.ONE_CYCLE_RULE == "minimum_over_10"
    lrs = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]
    losses = [2.0, 1.5, 1.0, 0.5, 3.0]  # lowest at 0.1
    assert _suggest.suggest(lrs, losses)[_suggest.ONE_CYCLE_RULE] == 0.01
