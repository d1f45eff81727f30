"""The demo's report against hand-worked results (tests/demo_results.py)."""

import keras_clr
from keras_clr_cli.demo import experiment
from keras_clr_cli.demo import report
from tests.demo_results import hand_results


def test_table_rows_are_the_hand_worked_means_and_stds():
    rows = report.table(hand_results()).splitlines()
    # mean/std of (30, 32, 34) = 32 ± 2; of (0.7, 0.8, 0.9) = 0.8 ± 0.1.
    assert rows[2] == (
        "| article: constant LR 0.1 | 100 | 9000 | 32.00 ± 2.00 "
        "| 0.8000 ± 0.1000 | 0.8500 ± 0.1000 | 30.2 s, 0.7598 |"
    )
    assert rows[3] == (
        "| article: CyclicLR triangular | 2000 | 450 | 8.00 ± 1.00 "
        "| 0.8200 ± 0.0200 | 0.8200 ± 0.0200 | 5.47 s, 0.8352 |"
    )
    assert rows[4].endswith("| 0.8100 ± 0.0200 | 0.8100 ± 0.0200 |  |")
    assert len(rows) == 2 + 7


def test_findings_within_the_seed_spread():
    lines = report.findings(hand_results())
    assert lines[0] == (
        "Wall time: the CLR run with batch 2000 took 0.25x the time of the "
        "constant-LR run with batch 100 (4.0x faster; the article reports "
        "5.5x)."
    )
    assert lines[1] == (
        "Final validation accuracy, article configurations: constant LR "
        "0.8000, CLR 0.8200 (article: 0.7598 and 0.8352). Across seeds the "
        "softmax-everywhere network ranged 0.7000-0.9000 (constant) and "
        "0.8000-0.8400 (CLR)."
    )
    # CLR 0.82 against control 0.81: +0.01, within the std of 0.02.
    assert lines[2].startswith(
        "Control: a constant LR equal to CLR's base_lr (0.001) with the same "
        "batch 2000 reached 0.8100 against CLR's 0.8200, a difference of "
        "+0.0100, within the seed-to-seed spread"
    )
    assert lines[3] == (
        "With batch 2000 the CLR run takes 450 steps, while one half cycle "
        "of step_size 2000 needs 2000: the LR never reaches max_lr, it only "
        "climbs part of the first half cycle (highest LR 0.0015 of 0.006)."
    )
    assert lines[4] == (
        "relu hidden layers (same batch 2000 and steps): constant LR "
        "0.9600, CLR 0.9700, one-cycle 0.9750, CLR with range-test bounds "
        "0.9720."
    )


def test_findings_beyond_the_seed_spread_and_a_whole_half_cycle():
    results = hand_results(control_finals=(0.7, 0.7, 0.7), clr_lr_peak=0.006)
    lines = report.findings(results)
    assert "a difference of +0.1200, larger than the seed-to-seed" in lines[2]
    assert lines[3].endswith("it completes at least one half cycle.")


def test_markdown_holds_table_findings_and_plots():
    text = report.markdown(hand_results())
    assert text.startswith("# keras-clr demo: cyclical learning rates")
    assert "Date: 2026-01-02. Machine: a test machine." in text
    assert "2 epochs, 3 seeds, 60000 training and 10000 validation" in text
    assert text.count("\n- ") == 5
    for png in ("lr.png", "val_accuracy.png", "val_loss.png"):
        assert f"]({png})" in text


def test_runs_follow_the_article():
    # The article: constant 0.1 at batch 100; CyclicLR (0.001-0.006, step
    # size 2000) at batch 2000; MNIST's 60,000 images make 30 such steps a
    # epoch, 450 in 15 epochs.
    runs = {r.name: r for r in experiment.configurations(15, 60000)}
    assert list(runs) == [
        "article_constant",
        "article_clr",
        "control_base_lr",
        "relu_constant",
        "relu_clr",
        "relu_one_cycle",
        "relu_range_test_clr",
    ]
    assert runs["article_constant"].policy.describe() == ["constant", 0.1]
    assert runs["article_constant"].batch == 100
    assert runs["control_base_lr"].policy.describe() == ["constant", 0.001]
    assert runs["relu_one_cycle"].policy.describe() == ["one_cycle", 0.006, 450]
    assert runs["relu_range_test_clr"].policy.describe() == [
        "range_test_clr",
        75,
    ]
    assert {r.batch for n, r in runs.items() if n != "article_constant"} == {
        2000
    }
    # The article's CyclicLR is the classic callback with its defaults.
    learning_rate, callback = runs["article_clr"].policy.build(
        runs["article_clr"], None, 0
    )
    default = keras_clr.CyclicLR()
    assert learning_rate == 0.001
    assert (
        (callback.base_lr, callback.max_lr, callback.step_size)
        == (default.base_lr, default.max_lr, default.step_size)
        == (0.001, 0.006, 2000)
    )


def test_machine_names_the_running_backend_only(monkeypatch):
    import sys
    import types

    import keras

    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    monkeypatch.setitem(
        sys.modules, "jax", types.SimpleNamespace(__version__="9.9.9")
    )
    assert "jax 9.9.9, Keras" in experiment.machine()
