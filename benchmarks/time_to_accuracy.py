"""The smallest budget at which each LR policy reaches a test accuracy.

One-cycle training is used with a fixed, short budget: the schedule is
sized to the budget and the model is judged when it ends (Smith & Topin,
super-convergence, arXiv:1708.07120). So, for each policy and for budgets
of 1, 2, ... `--max-epochs` epochs, this trains a fresh model (the
article's 784-100-50-10 relu MLP, Adam, the repository's MNIST) for exactly
that budget and records its final test accuracy and training seconds. Per
seed it reports the smallest budget reaching each target (97.5% and 98%),
in epochs and seconds, and the ratios to the best constant LR at batch 100.

Policies, at batch 100 and at batch 500:

- the constant grid `CONSTANTS`; a constant LR trained for `b` epochs is
  the first `b` epochs of one longer run (same seed, same data order), so
  one run with a test evaluation after each epoch gives every budget;
- `CLR, range test`: `result.cyclical_learning_rate()` with one whole
  cycle over the budget (step size = half the budget), ending at base_lr;
- `OneCycle, range test`: `result.one_cycle(total_steps=budget)`;
- `OneCycle, hand-picked`: the max LRs found by hand in issue 23.

The range-test rows use keras_clr alone: `lr_range_test` (200 steps, 1e-6
to 1) on a fresh model of the same seed at the same batch; the test's own
seconds are reported apart. A policy's search stops at its first budget
reaching the highest target. Seconds count training only (no evaluation);
a 2-epoch reference run at batch 100, repeated at the start and the end of
each seed, gives the timing noise (A/A). Runs are deterministic per seed
(`keras_clr_cli.demo.experiment.deterministic`).

    python benchmarks/time_to_accuracy.py [--seeds 3] [--max-epochs 8]
        [--json docs/results/time_to_accuracy.json]
    python benchmarks/time_to_accuracy.py --from-json FILE
"""

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
from common import MNIST_DIR  # noqa: E402
from common import build_seed_mlp  # noqa: E402
from common import prepare_mnist  # noqa: E402

import keras_clr  # noqa: E402
from keras_clr_cli import mnist as datasets  # noqa: E402
from keras_clr_cli.demo.experiment import deterministic  # noqa: E402

CONSTANTS = (0.0005, 0.001, 0.002)
BATCHES = (100, 500)
HAND_PICKED = {100: 0.005, 500: 0.02}  # issue 23, OneCycle max_lr by hand
TARGETS = (0.975, 0.98)
REFERENCE = ("constant 0.001", 100, 2)  # the A/A run: name, batch, epochs


class _Clock(keras.callbacks.Callback):
    """Cumulative training seconds and, if asked, test accuracy per epoch."""

    def __init__(self, test=None, stop_at=None):
        super().__init__()
        self.test, self.stop_at = test, stop_at
        self.seconds, self.accuracy, self._total = [], [], 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self._total += time.perf_counter() - self._start
        self.seconds.append(self._total)
        if self.test is not None:
            self.accuracy.append(_accuracy(self.model, self.test))
            if self.stop_at and self.accuracy[-1] >= self.stop_at:
                self.model.stop_training = True


def _accuracy(model, test):
    return float(model.evaluate(*test, batch_size=1000, verbose=0)[1])


def train(learning_rate, data, batch, epochs, seed, every_epoch=False):
    """Accuracy and training seconds: per epoch, or after the last."""
    train_data, test = data
    deterministic(seed)
    model = build_seed_mlp("relu")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    clock = _Clock(test if every_epoch else None, max(TARGETS))
    model.fit(
        *train_data,
        batch_size=batch,
        epochs=epochs,
        verbose=0,
        callbacks=[clock],
    )
    if every_epoch:
        return {"accuracy": clock.accuracy, "seconds": clock.seconds}
    return {"accuracy": _accuracy(model, test), "seconds": clock.seconds[-1]}


def range_test(data, batch, seed):
    """keras_clr's range test on a fresh model of this seed and batch."""
    deterministic(seed)
    model = build_seed_mlp("relu")
    model.compile(
        optimizer=keras.optimizers.Adam(), loss="categorical_crossentropy"
    )
    start = time.perf_counter()
    result = keras_clr.lr_range_test(
        model,
        *data[0],
        batch_size=batch,
        start_lr=1e-6,
        end_lr=1.0,
        num_steps=200,
        verbose=0,
    )
    return result, time.perf_counter() - start


def schedules(result, batch, steps_per_epoch):
    """name -> (max LR, function of the budget in epochs -> schedule)."""
    base_lr, clr_max = result.suggest_bounds()
    one_cycle_max = result.one_cycle(steps_per_epoch).max_lr
    hand = HAND_PICKED[batch]
    return {
        f"CLR, range test, batch {batch}": (
            [base_lr, clr_max],
            lambda b: result.cyclical_learning_rate(
                step_size=max(1, b * steps_per_epoch // 2)
            ),
        ),
        f"OneCycle, range test, batch {batch}": (
            one_cycle_max,
            lambda b: result.one_cycle(total_steps=b * steps_per_epoch),
        ),
        f"OneCycle, hand-picked, batch {batch}": (
            hand,
            lambda b: keras_clr.OneCycle.from_epochs(hand, b, steps_per_epoch),
        ),
    }


def run_seed(data, seed, max_epochs):
    """Every policy's accuracy and seconds per budget, for one seed."""
    runs, info = {}, {}
    name, ref_batch, ref_epochs = REFERENCE
    ref_lr = float(name.split()[1])
    reference = [train(ref_lr, data, ref_batch, ref_epochs, seed)["seconds"]]
    for batch in BATCHES:
        steps_per_epoch = -(-len(data[0][0]) // batch)
        for lr in CONSTANTS:
            run = train(lr, data, batch, max_epochs, seed, every_epoch=True)
            runs[f"constant {lr:g}, batch {batch}"] = run
            _log(seed, f"constant {lr:g}, batch {batch}", run)
        result, seconds = range_test(data, batch, seed)
        info[f"range test, batch {batch}"] = {
            "seconds": seconds,
            "suggestions": result.suggestions,
        }
        for name, (max_lr, make) in schedules(
            result, batch, steps_per_epoch
        ).items():
            run = {"accuracy": [], "seconds": [], "lr": max_lr}
            for budget in range(1, max_epochs + 1):
                one = train(make(budget), data, batch, budget, seed)
                run["accuracy"].append(one["accuracy"])
                run["seconds"].append(one["seconds"])
                if one["accuracy"] >= max(TARGETS):
                    break
            runs[name] = run
            _log(seed, name, run)
    reference.append(
        train(ref_lr, data, ref_batch, ref_epochs, seed)["seconds"]
    )
    info["reference_seconds"] = reference
    return {"runs": runs, "info": info}


def _log(seed, name, run):
    accuracy = " ".join(f"{a:.4f}" for a in run["accuracy"])
    print(f"  seed {seed} {name}: {accuracy}", flush=True)


def smallest(run, target):
    """(epochs, seconds) of the smallest budget reaching `target`."""
    for budget, value in enumerate(run["accuracy"], start=1):
        if value >= target:
            return budget, run["seconds"][budget - 1]
    return None


def analyse(seed_runs, target):
    """Per policy: budget reached, and ratios to the best batch-100 constant.

    When no constant reaches `target` within the budgets, it needs at least
    one epoch more and more seconds than its longest run: the ratios are
    then upper bounds (`"bound": True`).
    """
    runs = seed_runs["runs"]
    reached = {n: smallest(r, target) for n, r in runs.items()}
    grid = [n for n in runs if n.startswith("constant") and "batch 100" in n]
    constants = [(reached[n], n) for n in grid if reached[n]]
    best = min(constants)[1] if constants else None
    reference = reached[best] if best else None
    if best is None:
        longest = max(len(runs[n]["accuracy"]) for n in grid)
        fastest = min(runs[n]["seconds"][-1] for n in grid)
        reference = (longest + 1, fastest)
    row = {"best_constant": best, "bound": best is None, "policies": {}}
    for name, value in reached.items():
        entry = {"epochs": None, "seconds": None}
        if value:
            entry = {"epochs": value[0], "seconds": value[1]}
            entry["epochs_ratio"] = value[0] / reference[0]
            entry["seconds_ratio"] = value[1] / reference[1]
        row["policies"][name] = entry
    return row


def _fmt(value, spec):
    return "-" if value is None else f"{value:{spec}}"


def _spread(values):
    present = [v for v in values if v is not None]
    if not present:
        return "-"
    std = statistics.stdev(present) if len(present) > 1 else 0.0
    text = f"{statistics.fmean(present):.2f} ± {std:.2f}"
    text += f" [{min(present):.2f}, {max(present):.2f}]"
    if len(present) < len(values):
        text += f" ({len(present)}/{len(values)} seeds)"
    return text


def report(per_seed, max_epochs):
    names = list(next(iter(per_seed.values()))["runs"])
    library = [n for n in names if "range test" in n]
    closing = []
    for target in TARGETS:
        rows = {s: analyse(r, target) for s, r in per_seed.items()}
        if not any(
            p["epochs"]
            for row in rows.values()
            for p in row["policies"].values()
        ):
            continue
        print(f"\n## Target {target:.3f}: smallest budget (of 1-{max_epochs})")
        print("\n| policy | " + " | ".join(f"seed {s}" for s in rows))
        print("|---" * (len(rows) + 1) + "|")
        for name in names:
            cells = []
            for seed, row in rows.items():
                p = row["policies"][name]
                cell = "not reached"
                if p["epochs"]:
                    cell = f"{p['epochs']} ep, {p['seconds']:.1f} s"
                    if "epochs_ratio" in p:
                        at_most = "<" if row["bound"] else ""
                        cell += (
                            f" ({at_most}x{p['epochs_ratio']:.2f} ep, "
                            f"{at_most}x{p['seconds_ratio']:.2f} s)"
                        )
                lr = per_seed[seed]["runs"][name].get("lr")
                if isinstance(lr, list):
                    cell += f"; lr {lr[0]:.2g}-{lr[1]:.2g}"
                elif lr:
                    cell += f"; max_lr {lr:.3g}"
                cells.append(cell)
            print(f"| {name} | " + " | ".join(cells) + " |")
        print(
            "\nbest constant at batch 100: "
            + ", ".join(
                f"seed {s}: {r['best_constant']}" for s, r in rows.items()
            )
        )
        bounds = [str(s) for s, r in rows.items() if r["bound"]]
        print(
            "\nratios to the best batch-100 constant, mean ± std [min, max]"
            + (
                f" (upper bounds in seeds {', '.join(bounds)})"
                if bounds
                else ""
            )
            + ":"
        )
        means = {}
        for name in names:
            column = [rows[s]["policies"][name] for s in rows]
            epochs = [p.get("epochs_ratio") for p in column]
            seconds = [p.get("seconds_ratio") for p in column]
            print(
                f"- {name}: epochs {_spread(epochs)}; "
                f"seconds {_spread(seconds)}"
            )
            if name in library and None not in seconds:
                means[name] = (
                    statistics.fmean(epochs),
                    statistics.fmean(seconds),
                )
        if means:
            best = min(means, key=lambda n: means[n][1])
            closing.append((target, best, *means[best], bool(bounds)))
    print(
        "\nclosing figures (best keras_clr policy, from its range test alone):"
    )
    for target, name, epochs, seconds, bound in closing:
        at_most = "at most " if bound else ""
        print(
            f"- {target:.3f}: {name}: mean ratio to the best batch-100 "
            f"constant {at_most}x{epochs:.2f} in epochs, {at_most}"
            f"x{seconds:.2f} in seconds"
        )
    for seed, r in per_seed.items():
        a, b = r["info"]["reference_seconds"]
        tests = ", ".join(
            f"batch {k.split()[-1]} {v['seconds']:.1f} s"
            for k, v in r["info"].items()
            if k.startswith("range test")
        )
        print(
            f"seed {seed}: A/A reference {a:.1f} s then {b:.1f} s "
            f"(x{b / a:.2f}); range tests {tests}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=MNIST_DIR)
    parser.add_argument("--max-epochs", type=int, default=8)
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1")
    parser.add_argument("--json", help="write every number to this file")
    parser.add_argument("--limit", type=int, help="first N training images")
    parser.add_argument("--from-json", help="report on a saved --json file")
    args = parser.parse_args()
    if args.from_json:
        with open(args.from_json) as f:
            saved = json.load(f)
        per_seed = {int(s): r for s, r in saved["seeds"].items()}
        report(per_seed, saved["max_epochs"])
        return
    data = prepare_mnist(datasets.load_mnist(args.data_dir))
    if args.limit:  # a smoke test of the script, not a measurement
        data = ((data[0][0][: args.limit], data[0][1][: args.limit]), data[1])
    start = time.perf_counter()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, keras "
        f"{keras.__version__}, backend {keras.backend.backend()}, "
        f"{os.cpu_count()} CPUs, budgets 1-{args.max_epochs} epochs",
        flush=True,
    )
    saved = {"max_epochs": args.max_epochs, "targets": TARGETS, "seeds": {}}
    for seed in range(args.seeds):
        saved["seeds"][seed] = run_seed(data, seed, args.max_epochs)
        if args.json:  # after every seed: an interrupted run keeps its numbers
            saved["wall_s"] = time.perf_counter() - start
            with open(args.json, "w") as f:
                json.dump(saved, f, indent=1)
    report(saved["seeds"], args.max_epochs)
    print(f"\n{time.perf_counter() - start:.0f} s in all")


if __name__ == "__main__":
    main()
