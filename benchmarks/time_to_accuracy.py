"""Constant LR vs cyclic policies on MNIST, over several seeds.

The article's architecture with relu hidden layers (784-100-50-10), Adam,
batch 100, on the real MNIST set (`data/mnist` in this repository, or
`--data-dir` with the four IDX files). For each seed it trains a small grid
of constant learning rates, `CyclicalLearningRate` and `OneCycle` for
`--epochs` epochs each, evaluating the test set after every epoch, and
measures two things:

- epochs to target: the first epoch whose test accuracy reaches
  `--target` (97.5%), as a ratio against the best constant LR of that seed
  (the constant that gets there in the fewest epochs);
- best accuracy at the budget: the highest test accuracy within the
  `--epochs` epochs, against the best constant LR of that seed (the
  constant with the highest best accuracy).

It prints a table per seed, then per policy the mean, standard deviation
and range over seeds of both measures, and finally the claims that hold in
every seed. The best constant LR is chosen per seed, per measure, so the
constant LR gets the benefit of the doubt.

    python benchmarks/time_to_accuracy.py [--data-dir DIR] [--seeds 3]
        [--epochs 12] [--json results.json]
    python benchmarks/time_to_accuracy.py --from-json results.json
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

CONSTANTS = (0.0003, 0.001, 0.003, 0.005)


class _Clock(keras.callbacks.Callback):
    """Training seconds (evaluation excluded) and test accuracy per epoch."""

    def __init__(self, x_test, y_test):
        super().__init__()
        self.x_test, self.y_test = x_test, y_test
        self.seconds, self.accuracy, self.train_time = [], [], 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.train_time += time.perf_counter() - self._start
        self.seconds.append(self.train_time)
        _, accuracy = self.model.evaluate(
            self.x_test, self.y_test, batch_size=1000, verbose=0
        )
        self.accuracy.append(float(accuracy))


def policies(steps_per_epoch):
    """name -> a function building the learning rate (fresh per run)."""
    made = {f"constant {lr:g}": (lambda lr=lr: lr) for lr in CONSTANTS}
    # Smith: bounds from a range test, step size 2-10 epochs.
    made["CLR 0.0005-0.005, step 2 epochs"] = lambda: (
        keras_clr.CyclicalLearningRate(
            0.0005, 0.005, step_size=2 * steps_per_epoch
        )
    )
    made["OneCycle max 0.005 over 4 epochs"] = lambda: (
        keras_clr.OneCycle.from_epochs(
            0.005, epochs=4, steps_per_epoch=steps_per_epoch
        )
    )
    return made


def run(learning_rate, data, epochs, seed):
    """Test accuracy and cumulative training seconds after each epoch."""
    (x_train, y_train), (x_test, y_test) = data
    keras.utils.set_random_seed(seed)
    model = build_seed_mlp("relu")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    clock = _Clock(x_test, y_test)
    model.fit(
        x_train,
        y_train,
        batch_size=100,
        epochs=epochs,
        verbose=0,
        callbacks=[clock],
    )
    return {"accuracy": clock.accuracy, "seconds": clock.seconds}


def first_epoch(accuracy, target):
    for epoch, value in enumerate(accuracy, start=1):
        if value >= target:
            return epoch
    return None


def analyse(per_seed, target):
    """Both measures per seed, each against that seed's best constant."""
    rows = {}
    for seed, runs in per_seed.items():
        reached = {
            name: first_epoch(r["accuracy"], target) for name, r in runs.items()
        }
        best_acc = {name: max(r["accuracy"]) for name, r in runs.items()}
        constants = [n for n in runs if n.startswith("constant")]
        fastest = [(reached[n], n) for n in constants if reached[n]]
        best_epochs, fastest_name = min(fastest) if fastest else (None, None)
        best_constant_acc, most_accurate = max(
            (best_acc[n], n) for n in constants
        )
        rows[seed] = {
            "fastest_constant": fastest_name,
            "most_accurate_constant": most_accurate,
            "policies": {
                name: {
                    "epochs": reached[name],
                    "seconds": (
                        runs[name]["seconds"][reached[name] - 1]
                        if reached[name]
                        else None
                    ),
                    "epochs_ratio": (
                        reached[name] / best_epochs
                        if reached[name] and best_epochs
                        else None
                    ),
                    "best_accuracy": best_acc[name],
                    "accuracy_gain": best_acc[name] - best_constant_acc,
                }
                for name in runs
            },
        }
    return rows


def _spread(values, fmt):
    """'mean ± std [min, max] (n)' of the values that are not None."""
    present = [v for v in values if v is not None]
    if not present:
        return "-"
    std = statistics.stdev(present) if len(present) > 1 else 0.0
    text = (
        f"{statistics.mean(present):{fmt}} ± {std:{fmt.lstrip('+')}} "
        f"[{min(present):{fmt}}, {max(present):{fmt}}]"
    )
    if len(present) < len(values):
        text += f" ({len(present)}/{len(values)} seeds)"
    return text


def print_seed(seed, row, names):
    print(
        f"\nseed {seed}: fastest constant {row['fastest_constant']}, "
        f"most accurate constant {row['most_accurate_constant']}"
    )
    print(
        f"{'policy':<34} {'epochs':>6} {'seconds':>8} "
        f"{'vs best':>7} {'best acc':>8} {'gain':>8}"
    )
    for name in names:
        p = row["policies"][name]
        seconds = f"{p['seconds']:.1f}" if p["seconds"] else "-"
        ratio = f"{p['epochs_ratio']:.2f}" if p["epochs_ratio"] else "-"
        print(
            f"{name:<34} {p['epochs'] or '-':>6} {seconds:>8} "
            f"{ratio:>7} {p['best_accuracy']:>8.4f} "
            f"{p['accuracy_gain']:>+8.4f}"
        )


def report(rows, names, target, epochs):
    print(f"\nover {len(rows)} seeds (mean ± std [min, max]):")
    fastest, most_accurate = [], []
    for row in rows.values():
        best = row["fastest_constant"]
        fastest.append(row["policies"][best]["epochs"] if best else None)
        best = row["most_accurate_constant"]
        most_accurate.append(row["policies"][best]["best_accuracy"])
    print("best constant LR, chosen per seed")
    print(f"  epochs to {target}: {_spread(fastest, '.1f')}")
    print(
        f"  best accuracy in {epochs} epochs: {_spread(most_accurate, '.4f')}"
    )
    for name in names:
        column = [row["policies"][name] for row in rows.values()]
        print(f"{name}")
        print(
            f"  epochs to {target}: "
            f"{_spread([p['epochs'] for p in column], '.1f')}"
        )
        print(
            "  epochs vs best constant: "
            f"{_spread([p['epochs_ratio'] for p in column], '.2f')}"
        )
        print(
            f"  best accuracy in {epochs} epochs: "
            f"{_spread([p['best_accuracy'] for p in column], '.4f')}"
        )
        print(
            "  gain over best constant: "
            f"{_spread([p['accuracy_gain'] for p in column], '+.4f')}"
        )
    print("\nholds in every seed:")
    for name in names:
        if name.startswith("constant"):
            continue
        column = [row["policies"][name] for row in rows.values()]
        gains = [p["accuracy_gain"] for p in column]
        if all(gain > 0 for gain in gains):
            print(
                f"  {name}: best accuracy in {epochs} epochs above the best "
                f"constant LR's (by {min(gains):.4f} to {max(gains):.4f})"
            )
        epochs_needed = [p["epochs"] for p in column]
        if None in epochs_needed:
            continue
        # Seeds where no constant LR reached the target count as faster.
        ratios = [p["epochs_ratio"] for p in column]
        timed = [r for r in ratios if r is not None]
        if timed and all(r <= 1 for r in timed):
            missed = len(ratios) - len(timed)
            word = "fewer" if all(r < 1 for r in timed) else "no more"
            print(
                f"  {name}: reaches {target} in {min(epochs_needed)}-"
                f"{max(epochs_needed)} epochs, {word} than the best constant "
                f"LR (ratio {min(timed):.2f}-{max(timed):.2f} in "
                f"{len(timed)} seeds; in {missed} no constant LR reached it "
                f"within {epochs} epochs)"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=MNIST_DIR)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--target", type=float, default=0.975)
    parser.add_argument("--json", help="write every number to this file")
    parser.add_argument(
        "--from-json",
        help="report on the runs saved by an earlier --json, training nothing",
    )
    args = parser.parse_args()
    if args.seeds < 1 or args.epochs < 1:
        parser.error("--seeds and --epochs must be >= 1")
    if args.from_json:
        with open(args.from_json) as f:
            runs = json.load(f)["runs"]
        per_seed = {int(seed): r for seed, r in runs.items()}
        names = list(next(iter(per_seed.values())))
        rows = analyse(per_seed, args.target)
        for seed, row in rows.items():
            print_seed(seed, row, names)
        epochs = len(next(iter(per_seed[min(per_seed)].values()))["accuracy"])
        report(rows, names, args.target, epochs)
        return
    data = prepare_mnist(datasets.load_mnist(args.data_dir))
    steps_per_epoch = -(-len(data[0][0]) // 100)
    made = policies(steps_per_epoch)
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    print(
        f"keras {keras.__version__}, backend {keras.backend.backend()}, "
        f"target test accuracy {args.target}, {args.epochs} epochs, "
        f"seeds {list(seeds)}",
        flush=True,
    )
    per_seed = {}
    for seed in seeds:
        per_seed[seed] = {}
        for name, make in made.items():
            start = time.perf_counter()
            per_seed[seed][name] = run(make(), data, args.epochs, seed)
            print(
                f"  seed {seed} {name}: "
                f"{time.perf_counter() - start:.0f} s, best acc "
                f"{max(per_seed[seed][name]['accuracy']):.4f}",
                flush=True,
            )
        print_seed(
            seed, analyse({seed: per_seed[seed]}, args.target)[seed], list(made)
        )
        # Written after every seed, so an interrupted run keeps its numbers.
        rows = analyse(per_seed, args.target)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"runs": per_seed, "analysis": rows}, f, indent=1)
    report(rows, list(made), args.target, args.epochs)


if __name__ == "__main__":
    main()
