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


BUDGET_TARGET = 0.975


def budget_targets(reported=None):
    """The budget search's targets: the article's CLR accuracy, 97.5%."""
    reported = reported or article.REPORTED
    return [reported["article_clr"]["val_accuracy"], BUDGET_TARGET]


def smallest_budget(run, target):
    """The first tried budget whose final accuracy reaches `target`."""
    for budget in run["budgets"]:
        if budget["final_val_accuracy"] >= target:
            return budget
    return None


def _stats(values):
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return {"mean": statistics.fmean(values), "std": std}


def budget_table(results):
    """The article's runs and the control against one-cycle on a budget."""
    rows = [
        "| run | batch | epochs | wall time (s) | final val acc |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name in ("article_constant", "article_clr", "control_base_lr"):
        c = results["configurations"][name]
        s = summarize(c["runs"])
        rows.append(
            f"| {c['label']} | {c['batch']} | {results['epochs']} "
            f"| {_pm(s['time_s'], 2)} | {_pm(s['final_val_accuracy'])} |"
        )
    b = results["budget"]
    for target in b["targets"]:
        found = [smallest_budget(r, target) for r in b["runs"]]
        hit = [f for f in found if f]
        epochs = ", ".join(str(f["epochs"]) if f else "-" for f in found)
        times = accuracy = "-"
        if hit:
            times = _pm(_stats([f["time_s"] for f in hit]), 2)
            accuracy = _pm(_stats([f["final_val_accuracy"] for f in hit]))
        if len(hit) < len(found):
            epochs += f" (not reached in 1-{b['max_epochs']})"
        rows.append(
            f"| {b['label']}, smallest budget reaching {target:g} "
            f"| {b['batch']} | {epochs} | {times} | {accuracy} |"
        )
    return "\n".join(rows)


def _first_epoch(accuracies, target):
    for epoch, value in enumerate(accuracies, start=1):
        if value >= target:
            return str(epoch)
    return "-"


def budget_findings(results):
    """What the cycling, the batch and one-cycle each add."""
    c, b = results["configurations"], results["budget"]

    def mean(name, key):
        return summarize(c[name]["runs"])[key]["mean"]

    clr, control = (
        mean(n, "final_val_accuracy")
        for n in ("article_clr", "control_base_lr")
    )
    slow, fast = (
        mean(n, "time_s") for n in ("article_constant", "control_base_lr")
    )
    lines = [
        f"What the cycling adds: CLR {clr:.4f} against {control:.4f} for a "
        "constant LR at its base_lr, same batch and steps "
        f"({clr - control:+.4f}).",
        "What the bigger batch (with the lower LR) adds: the control took "
        f"{fast:.2f} s at batch {c['control_base_lr']['batch']} against "
        f"{slow:.2f} s at batch {c['article_constant']['batch']} "
        f"({slow / fast:.1f}x faster) and reached {control:.4f} against "
        f"{mean('article_constant', 'final_val_accuracy'):.4f}.",
    ]
    lrs = ", ".join(f"{r['max_lr']:.3g}" for r in b["runs"])
    tests = _stats([r["range_test"]["time_s"] for r in b["runs"]])["mean"]
    parts = []
    for target in b["targets"]:
        found = [smallest_budget(r, target) for r in b["runs"]]
        hit = [f for f in found if f]
        if not hit:
            parts.append(f"{target:g} in none of {len(found)} seeds")
            continue
        epochs = sorted(f["epochs"] for f in hit)
        seconds = _stats([f["time_s"] for f in hit])["mean"]
        span = f"{epochs[0]}" + (
            f"-{epochs[-1]}" if epochs[-1] > epochs[0] else ""
        )
        plural = "s" if epochs[-1] > 1 else ""
        parts.append(
            f"{target:g} in {span} epoch{plural} (mean {seconds:.2f} s) in "
            f"{len(hit)} of {len(found)} seeds"
        )
    firsts = [
        _first_epoch(r["history"]["val_accuracy"], BUDGET_TARGET)
        for r in c["relu_constant"]["runs"]
    ]
    relu_text = (
        f"first reached {BUDGET_TARGET:g} at epoch {', '.join(firsts)} (per "
        f"seed; - for never in {results['epochs']})"
        if any(f != "-" for f in firsts)
        else f"did not reach {BUDGET_TARGET:g} in {results['epochs']} epochs "
        "in any seed"
    )
    lines.append(
        "What one-cycle adds: on the relu network at batch "
        f"{b['batch']}, with max_lr from keras_clr's range test ({lrs}; "
        f"the test takes {tests:.1f} s more), one-cycle reached "
        + " and ".join(parts)
        + f". The article's CLR ran {results['epochs']} epochs "
        f"({mean('article_clr', 'time_s'):.2f} s) for {clr:.4f}. The network "
        "differs (relu hidden layers), so compare with the relu constant LR "
        f"at batch {c['relu_constant']['batch']}: it {relu_text}."
    )
    return lines


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
        *_budget_section(results),
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


def _budget_section(results):
    if "budget" not in results:  # results.json of an older demo
        return []
    return [
        "## One-cycle on a budget",
        "",
        "Each budget trains a fresh model for exactly that many epochs, the "
        "one-cycle schedule sized to it; epochs are per seed.",
        "",
        budget_table(results),
        "",
        *[f"- {line}" for line in budget_findings(results)],
        "",
    ]


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
