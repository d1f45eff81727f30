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


def _budget(first_epochs_reached=(1, 1, 2)):
    """A budget search over three seeds, worked out by hand below."""

    def budgets(*rows):
        return [
            {"epochs": e, "time_s": t, "final_val_accuracy": a}
            for e, t, a in rows
        ]

    return {
        "label": "relu: OneCycle, max_lr from the range test",
        "activation": "relu",
        "batch": 500,
        "max_epochs": 3,
        "targets": [0.8352, 0.975],
        "runs": [
            {
                "seed": 0,
                "max_lr": 0.01,
                "range_test": {"time_s": 4.0},
                "budgets": budgets((1, 2.0, 0.96), (2, 4.0, 0.976)),
            },
            {
                "seed": 1,
                "max_lr": 0.012,
                "range_test": {"time_s": 5.0},
                "budgets": budgets(
                    (1, 3.0, 0.97), (2, 5.0, 0.974), (3, 7.0, 0.977)
                ),
            },
            {
                "seed": 2,
                "max_lr": 0.014,
                "range_test": {"time_s": 6.0},
                # Never reaches 0.975 within the 3 epochs.
                "budgets": budgets(
                    (1, 1.0, 0.80), (2, 3.0, 0.95), (3, 5.0, 0.96)
                ),
            },
        ],
    }


def budget_results():
    results = hand_results()
    results["budget"] = _budget()
    # The relu constant LR first reaches 0.975 at epoch 2 in seed 1 only.
    runs = results["configurations"]["relu_constant"]["runs"]
    runs[1]["history"]["val_accuracy"] = [0.97, 0.98]
    return results


def test_budget_targets_are_the_article_clr_accuracy_and_97_5():
    assert report.budget_targets() == [0.8352, 0.975]


def test_budget_table_takes_the_smallest_budget_per_seed():
    rows = report.budget_table(budget_results()).splitlines()
    assert len(rows) == 2 + 3 + 2
    assert rows[2] == (
        "| article: constant LR 0.1 | 100 | 2 | 32.00 ± 2.00 "
        "| 0.8000 ± 0.1000 |"
    )
    assert rows[4] == (
        "| control: constant LR 0.001 (CLR's base_lr) | 2000 | 2 "
        "| 1.00 ± 0.00 | 0.8100 ± 0.0200 |"
    )
    # 0.8352: budgets 1, 1, 2 at 2, 3, 3 s (mean 8/3, std sqrt(1/3)) with
    # accuracies 0.96, 0.97, 0.95.
    assert rows[5] == (
        "| relu: OneCycle, max_lr from the range test, smallest budget "
        "reaching 0.8352 | 500 | 1, 1, 2 | 2.67 ± 0.58 | 0.9600 ± 0.0100 |"
    )
    # 0.975: budgets 2 and 3 at 4 and 7 s (std 3/sqrt(2)); seed 2 never.
    assert rows[6] == (
        "| relu: OneCycle, max_lr from the range test, smallest budget "
        "reaching 0.975 | 500 | 2, 3, - (not reached in 1-3) "
        "| 5.50 ± 2.12 | 0.9765 ± 0.0007 |"
    )


def test_budget_findings_say_what_each_part_adds():
    lines = report.budget_findings(budget_results())
    assert lines[0] == (
        "What the cycling adds: CLR 0.8200 against 0.8100 for a constant LR "
        "at its base_lr, same batch and steps (+0.0100)."
    )
    assert lines[1] == (
        "What the bigger batch (with the lower LR) adds: the control took "
        "1.00 s at batch 2000 against 32.00 s at batch 100 (32.0x faster) "
        "and reached 0.8100 against 0.8000."
    )
    assert lines[2] == (
        "What one-cycle adds: on the relu network at batch 500, with max_lr "
        "from keras_clr's range test (0.01, 0.012, 0.014; the test takes "
        "5.0 s more), one-cycle reached 0.8352 in 1-2 epochs (mean 2.67 s) "
        "in 3 of 3 seeds and 0.975 in 2-3 epochs (mean 5.50 s) in 2 of 3 "
        "seeds. The article's CLR ran 2 epochs (8.00 s) for 0.8200. The "
        "network differs (relu "
        "hidden layers), so compare with the relu constant LR at batch "
        "2000: it first reached 0.975 at epoch -, 2, - (per seed; - for "
        "never in 2)."
    )


def test_one_budget_for_every_seed_is_named_once():
    results = budget_results()
    for run in results["budget"]["runs"]:
        run["budgets"] = [
            {"epochs": 1, "time_s": 2.0, "final_val_accuracy": 0.98}
        ]
    line = report.budget_findings(results)[2]
    assert "reached 0.8352 in 1 epoch (mean 2.00 s) in 3 of 3 seeds" in line
    assert "0.975 in 1 epoch (mean 2.00 s) in 3 of 3 seeds." in line


def test_markdown_shows_the_budget_section_when_there_is_one():
    text = report.markdown(budget_results())
    assert "## One-cycle on a budget" in text
    assert report.budget_table(budget_results()) in text
    assert text.count("\n- ") == 5 + 3
    assert "## One-cycle on a budget" not in report.markdown(hand_results())


def test_budget_search_trains_each_budget_afresh_until_the_top_target(
    monkeypatch,
):
    import numpy as np

    class Result:
        def one_cycle(self, total_steps):
            return keras_clr.OneCycle(max_lr=0.02, total_steps=total_steps)

    tried = []

    def run_one(run, data, epochs, seed, callbacks=()):
        tried.append((seed, epochs, run.batch, run.policy.describe()))
        accuracy = {1: 0.9, 2: 0.976}.get(epochs, 0.99)
        return {"time_s": float(epochs), "final_val_accuracy": accuracy}

    monkeypatch.setattr(experiment, "range_test", lambda *a, **k: Result())
    monkeypatch.setattr(experiment, "run_one", run_one)
    # 1001 images make ceil(1001 / 500) = 3 steps an epoch.
    data = ((np.zeros((1001, 784)), None), None)
    found = experiment.budget_search(data, epochs=15, seeds=2)
    assert tried == [
        (seed, epochs, 500, ["one_cycle", 0.02, 3 * epochs])
        for seed in (0, 1)
        for epochs in (1, 2)
    ]
    assert found["max_epochs"] == 6
    assert [b["epochs"] for b in found["runs"][1]["budgets"]] == [1, 2]
    # Capped by the demo's own epochs (as --quick's 2).
    tried.clear()
    monkeypatch.setattr(
        experiment,
        "run_one",
        lambda run, data, epochs, seed, callbacks=(): {
            "time_s": 1.0,
            "final_val_accuracy": 0.5,
        },
    )
    found = experiment.budget_search(data, epochs=2, seeds=1)
    assert [b["epochs"] for b in found["runs"][0]["budgets"]] == [1, 2]


def test_a_relu_constant_that_never_reaches_the_target_is_said_plainly():
    results = budget_results()
    for run in results["configurations"]["relu_constant"]["runs"]:
        run["history"]["val_accuracy"] = [0.96, 0.97]
    line = report.budget_findings(results)[2]
    assert line.endswith(
        "relu constant LR at batch 2000: it did not reach 0.975 in 2 epochs "
        "in any seed."
    )
