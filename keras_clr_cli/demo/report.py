"""The demo's report: every figure and finding computed from the results.

`results` is plain data, what `results.json` holds: per configuration its
label, batch, learning-rate policy and runs (one per seed, with the
per-epoch history and, for the cyclic runs, the per-step LR), plus the
article's reported figures.
"""

import json
import os
import statistics

from keras_clr_cli.demo import article

FILES = (
    "results.json",
    "report.md",
    "lr.png",
    "val_accuracy.png",
    "val_loss.png",
)


def summarize(runs):
    """Mean and sample std over seeds of each run's figures."""

    def stats(key):
        values = [r[key] for r in runs]
        std = statistics.stdev(values) if len(values) > 1 else 0.0
        return {"mean": statistics.fmean(values), "std": std}

    return {
        "steps": runs[0]["steps"],
        "time_s": stats("time_s"),
        "final_val_accuracy": stats("final_val_accuracy"),
        "best_val_accuracy": stats("best_val_accuracy"),
    }


def _pm(stat, digits=4):
    return f"{stat['mean']:.{digits}f} ± {stat['std']:.{digits}f}"


def table(results):
    """The Markdown table: one row per configuration, mean ± std."""
    reported = results.get("article", article.REPORTED)
    rows = [
        "| configuration | batch | steps | wall time (s) | final val acc "
        "| best val acc | article |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, c in results["configurations"].items():
        s = summarize(c["runs"])
        figures = reported.get(name)
        note = (
            f"{figures['time_s']} s, {figures['val_accuracy']}"
            if figures
            else ""
        )
        rows.append(
            f"| {c['label']} | {c['batch']} | {s['steps']} "
            f"| {_pm(s['time_s'], 2)} | {_pm(s['final_val_accuracy'])} "
            f"| {_pm(s['best_val_accuracy'])} | {note} |"
        )
    return "\n".join(rows)


def findings(results):
    """Plain statements computed from the numbers, for the report."""
    c = results["configurations"]
    reported = results.get("article", article.REPORTED)

    def mean(name, key):
        return summarize(c[name]["runs"])[key]["mean"]

    def spread(name):
        values = [r["final_val_accuracy"] for r in c[name]["runs"]]
        return f"{min(values):.4f}-{max(values):.4f}"

    constant, clr = reported["article_constant"], reported["article_clr"]
    ratio = mean("article_constant", "time_s") / mean("article_clr", "time_s")
    lines = [
        f"Wall time: the CLR run with batch {c['article_clr']['batch']} took "
        f"{1 / ratio:.2f}x the time of the constant-LR run with batch "
        f"{c['article_constant']['batch']} ({ratio:.1f}x faster; the article "
        f"reports {constant['time_s'] / clr['time_s']:.1f}x).",
        "Final validation accuracy, article configurations: constant LR "
        f"{mean('article_constant', 'final_val_accuracy'):.4f}, CLR "
        f"{mean('article_clr', 'final_val_accuracy'):.4f} (article: "
        f"{constant['val_accuracy']} and {clr['val_accuracy']}). Across "
        "seeds the softmax-everywhere network ranged "
        f"{spread('article_constant')} (constant) and "
        f"{spread('article_clr')} (CLR).",
    ]
    clr_acc, control = (
        summarize(c[name]["runs"])["final_val_accuracy"]
        for name in ("article_clr", "control_base_lr")
    )
    diff = clr_acc["mean"] - control["mean"]
    within = abs(diff) <= max(clr_acc["std"], control["std"])
    verdict = (
        "within the seed-to-seed spread: at this batch and LR, cycling "
        "adds nothing measurable; the gain over the batch-"
        f"{c['article_constant']['batch']} run comes from the lower LR and "
        "the bigger batch."
        if within
        else "larger than the seed-to-seed spread: that much is the "
        "cycling's; the rest of the gap to the batch-"
        f"{c['article_constant']['batch']} run comes from the lower LR and "
        "the bigger batch."
    )
    control_lr = c["control_base_lr"]["lr"][1]
    lines.append(
        "Control: a constant LR equal to CLR's base_lr "
        f"({control_lr}) with the same batch "
        f"{c['control_base_lr']['batch']} reached {control['mean']:.4f} "
        f"against CLR's {clr_acc['mean']:.4f}, a difference of "
        f"{diff:+.4f}, {verdict}"
    )
    lines.append(_half_cycle_finding(c["article_clr"]))
    lines.append(
        "relu hidden layers (same batch "
        f"{c['relu_constant']['batch']} and steps): constant LR "
        f"{mean('relu_constant', 'final_val_accuracy'):.4f}, CLR "
        f"{mean('relu_clr', 'final_val_accuracy'):.4f}, one-cycle "
        f"{mean('relu_one_cycle', 'final_val_accuracy'):.4f}, CLR with "
        "range-test bounds "
        f"{mean('relu_range_test_clr', 'final_val_accuracy'):.4f}."
    )
    return lines


def _half_cycle_finding(clr_config):
    """Whether the article's CLR run climbs a whole half cycle."""
    steps = clr_config["runs"][0]["steps"]
    half_cycle = int(article.CLR["step_size"])
    peak = max(clr_config["runs"][0]["lr"] or [0.0])
    reached = peak >= article.CLR["max_lr"] * (1 - 1e-6)
    head = (
        f"With batch {clr_config['batch']} the CLR run takes {steps} steps, "
        f"while one half cycle of step_size {half_cycle} needs {half_cycle}: "
    )
    if reached:
        return head + "it completes at least one half cycle."
    return (
        head + "the LR never reaches max_lr, it only climbs part of the "
        f"first half cycle (highest LR {peak:.4g} of {article.CLR['max_lr']})."
    )


def markdown(results):
    """The whole `report.md`."""
    lines = [
        "# keras-clr demo: cyclical learning rates on MNIST",
        "",
        f"Date: {results['date']}. Machine: {results['machine']}.",
        f"{results['epochs']} epochs, {results['seeds']} seeds, "
        f"{results['train_size']} training and {results['test_size']} "
        "validation (test-set) images. Values are mean ± std over seeds.",
        "",
        table(results),
        "",
        "## Findings",
        "",
        *[f"- {line}" for line in findings(results)],
        "",
        "## Plots",
        "",
        "![Learning rate of the cyclic runs](lr.png)",
        "",
        "![Validation accuracy per epoch](val_accuracy.png)",
        "",
        "![Validation loss per epoch](val_loss.png)",
        "",
    ]
    return "\n".join(lines)


def write_results(results, directory):
    """Writes `results.json` alone (the numbers, before anything else)."""
    with open(os.path.join(directory, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
        f.flush()
        os.fsync(f.fileno())


def write_report(results, directory):
    """Writes `report.md` and the three plots into `directory`."""
    from keras_clr_cli.demo import figures

    configs = results["configurations"]
    figures.save(figures.plot_lr(configs), os.path.join(directory, "lr.png"))
    for key, title in (
        ("val_accuracy", "Validation accuracy"),
        ("val_loss", "Validation loss"),
    ):
        fig = figures.plot_curves(configs, key, title)
        figures.save(fig, os.path.join(directory, f"{key}.png"))
    with open(os.path.join(directory, "report.md"), "w") as f:
        f.write(markdown(results))
        f.flush()
        os.fsync(f.fileno())
