"""LRRangeTestResult: rules by name, ready schedules, JSON, plot."""

import json
import math
import os
import re

import numpy as np
import pytest

import keras_clr

DATA = os.path.join(os.path.dirname(__file__), "data")
LRS = np.geomspace(1e-5, 1.0, 51)
# Falls fastest at 1e-3 (LRS[20]); lowest at 1e-1 (LRS[40]); then rises.
T = np.log10(LRS)
LOSSES = 2.0 - np.tanh(T + 3) + np.where(T > -1, 20 * (T + 1) ** 2, 0)


def hand_result(**kwargs):
    return keras_clr.LRRangeTestResult(LRS, LOSSES, smoothing=0.0, **kwargs)


def test_steepest_is_the_default_everywhere_but_one_cycle():
    result = hand_result()
    assert result.suggestions["steepest"] == LRS[20]
    assert result.suggestions["minimum_over_10"] == LRS[40] / 10
    assert result.suggestion == LRS[20]
    assert result.suggest_bounds() == (LRS[20] / 4, LRS[20])
    clr = result.cyclical_learning_rate(step_size=500, mode="triangular2")
    assert (clr.base_lr, clr.max_lr, clr.step_size) == (
        LRS[20] / 4,
        LRS[20],
        500,
    )
    # One-cycle takes the top of the usable range: the lowest loss, at
    # 1e-1, over 10.
    one = result.one_cycle(total_steps=1000)
    assert one.max_lr == pytest.approx(1e-2, rel=1e-12)
    assert one.total_steps == 1000
    assert result.one_cycle(1000, rule="steepest").max_lr == LRS[20]


@pytest.mark.parametrize("rule", ["valley", "minimum_over_10"])
def test_other_rules_by_name(rule):
    result = hand_result()
    lr = result.suggestions[rule]
    assert lr != result.suggestion
    assert result.suggest_bounds(rule) == (lr / 4, lr)
    assert result.cyclical_learning_rate(100, rule=rule).max_lr == lr
    assert result.one_cycle(1000, rule=rule).max_lr == lr


def test_unknown_rule_and_too_few_points():
    with pytest.raises(ValueError, match="Argument `rule` must be one of"):
        hand_result().suggest_bounds("fastest")
    result = keras_clr.LRRangeTestResult([1e-3, 1e-2], [1.0, float("nan")])
    assert result.suggestions == {} and result.suggestion is None
    with pytest.raises(ValueError, match="too few finite losses"):
        result.suggest_bounds()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            dict(lrs=[1, 2], losses=[1.0]),
            r"same length\. Received: "
            r"len\(lrs\)=2, len\(losses\)=1",
        ),
        (dict(smoothing=1.0), r"`smoothing` must be in \[0, 1\)"),
        (
            dict(lrs=[], losses=[]),
            r"Argument `lrs` must be a non-empty .* "
            r"Received: lrs=\[\]",
        ),
        (dict(lrs=[0.1, float("nan")]), r"`lrs` .* Received: lrs\[1\]=nan"),
        (dict(lrs=[-0.1, 0.2]), r"> 0\. Received: lrs\[0\]=-0\.1"),
        (dict(lrs=[0.1, 0.0]), r"Received: lrs\[1\]=0\.0"),
        (dict(lrs=[0.1, float("inf")]), r"Received: lrs\[1\]=inf"),
    ],
)
def test_constructor_checks(kwargs, message):
    kwargs = {"lrs": [1, 2], "losses": [1.0, 2.0], **kwargs}
    with pytest.raises(ValueError, match=message):
        keras_clr.LRRangeTestResult(**kwargs)


def test_json_round_trip_is_standard_json_with_null(tmp_path):
    losses = list(LOSSES)
    losses[45:] = [math.inf, math.nan, -math.inf, math.nan, math.inf, 1.0]
    result = keras_clr.LRRangeTestResult(
        LRS, losses, smoothing=0.5, stopped_early="the loss became inf"
    )
    path = tmp_path / "result.json"
    result.save(path)
    text = path.read_text()
    # Standard JSON: a strict parser accepts it; non-finite is null.
    data = json.loads(text, parse_constant=pytest.fail)
    assert data["losses"][45:] == [None] * 5 + [1.0]
    assert data["lrs"] == list(LRS)
    loaded = keras_clr.LRRangeTestResult.load(path)
    assert loaded.lrs == result.lrs
    assert loaded.losses[:45] == result.losses[:45]
    assert all(math.isnan(v) for v in loaded.losses[45:50])
    assert (loaded.smoothing, loaded.stopped_early) == (
        0.5,
        "the loss became inf",
    )
    assert loaded.suggestions == result.suggestions


@pytest.mark.parametrize(
    "name", ["range_test_0.1.0_nonfinite.json", "range_test_0.1.0_finite.json"]
)
def test_files_written_by_0_1_0_load(name):
    path = os.path.join(DATA, name)
    with open(path) as f:
        data = json.load(f)  # Python reads the NaN/Infinity tokens
    loaded = keras_clr.LRRangeTestResult.load(path)
    assert loaded.lrs == data["lrs"]
    assert len(loaded.losses) == len(data["losses"])
    for a, b in zip(loaded.losses, data["losses"], strict=True):
        assert a == b or (not math.isfinite(a) and not math.isfinite(b))
    assert loaded.smoothing == data["smoothing"]
    assert loaded.stopped_early == data["stopped_early"]
    # The rules have not changed: 0.1.0 stored the same LRs per rule.
    assert loaded.suggestions == pytest.approx(data["suggestions"])
    # And it saves back as standard JSON.
    json.loads(loaded.to_json(), parse_constant=pytest.fail)


BAD_FILES = [
    ("", "it is empty"),
    ("   \n", "it is empty"),
    ("garbage", "not valid JSON or is truncated"),
    ('{"lrs": [0.1, 0.2], "losses": [1.0,', "not valid JSON or is truncated"),
    ("[1, 2]", "expected a JSON object, found list"),
    ('{"lrs": [0.1], "smoothing": 0.9}', "missing key\\(s\\) 'losses'"),
    (
        '{"lrs": [0.1, 0.2], "losses": [1.0], "smoothing": 0.9}',
        "'lrs' has 2 values but 'losses' has 1",
    ),
    (
        '{"lrs": "x", "losses": [], "smoothing": 0.9}',
        "'lrs' must be a list, found str",
    ),
    (
        '{"lrs": [0.1], "losses": ["a"], "smoothing": 0.9}',
        "'losses'\\[0\\] is not a number or null: 'a'",
    ),
    (
        '{"lrs": [0.1], "losses": [1.0], "smoothing": 1}',
        "'smoothing' must be in \\[0, 1\\), found 1",
    ),
    (
        '{"lrs": [0.1], "losses": [1.0], "smoothing": 0.5, "stopped_early": 3}',
        "'stopped_early' must be a string or null",
    ),
    (
        '{"lrs": [0.1, -0.2], "losses": [1.0, 0.5], "smoothing": 0.5}',
        r"Argument `lrs` must be .* Received: lrs\[1\]=-0\.2",
    ),
    (
        '{"lrs": [0.1], "losses": [1.0], "smoothing": 0.5, "sweeps": '
        '[{"lrs": [0.1], "losses": [1.0]}, {"lrs": [null], "losses": [1]}]}',
        r"'sweeps'\[1\] Argument `lrs` .* Received: lrs\[0\]=nan",
    ),
    (
        '{"lrs": [0.1], "losses": [1.0], "smoothing": 0.5, "sweeps": 3}',
        "'sweeps' must be a non-empty list",
    ),
]


def test_load_of_bytes_that_are_not_utf8_names_the_file(tmp_path):
    path = tmp_path / "binary.json"
    path.write_bytes(b'{"lrs": [0.1], "losses": [1.0], "smoothing": 0.5\xff}')
    with pytest.raises(ValueError) as info:
        keras_clr.LRRangeTestResult.load(path)
    message = str(info.value)
    assert f"The file '{path}'" in message and "not UTF-8 text" in message


@pytest.mark.parametrize("text, what", BAD_FILES)
def test_load_errors_name_the_file_and_the_fault(tmp_path, text, what):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        keras_clr.LRRangeTestResult.load(path)
    message = str(info.value)
    assert f"The file '{path}' is not an LR range test result" in message
    assert f"Received: path='{path}'" in message
    assert re.search(what, message), message


def test_plot_draws_curve_and_marks_each_rule(tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    result = hand_result()
    figure = Figure()
    ax = figure.add_subplot()
    assert result.plot(ax=ax) is ax
    assert ax.get_xscale() == "log"
    # Raw, smoothed, one marker per rule (legend labels name them).
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[:2] == ["loss", "smoothed loss"]
    assert [label.split(":")[0] for label in labels[2:]] == [
        "steepest (default)",
        "valley",
        "minimum_over_10",
    ]
    marker = ax.get_lines()[2]
    assert marker.get_xdata()[0] == LRS[20]
    new = keras_clr.plot_range_test(result)  # a new pyplot figure
    assert new is not ax and new.get_xscale() == "log"
    __import__("matplotlib.pyplot").pyplot.close(new.figure)
    figure.savefig(tmp_path / "range.png")
    assert (tmp_path / "range.png").stat().st_size > 0


def test_from_json_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match="Argument `text` must be a string"):
        keras_clr.LRRangeTestResult.from_json(b"{}")
    with pytest.raises(
        ValueError, match=r"Argument `text` is not .* missing key\(s\) 'lrs'"
    ):
        keras_clr.LRRangeTestResult.from_json('{"losses": [], "smoothing": 0}')
