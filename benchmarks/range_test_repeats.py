"""Does `repeats=3` make the range test's suggestion steadier? MNIST.

For each of `--seeds` seeds (model initialisation and the order of the
training data both depend on the seed), runs `lr_range_test(...,
repeats=3)` on the article's network (784-100-50-10 relu, Adam, batch
100, 1e-7 to 10 over 300 steps) on the repository's MNIST. Its first
sweep is exactly what `repeats=1` returns (the single-sweep suggestion);
its `suggestions` are the medians of the three sweeps. Across seeds it
prints, per rule, the spread (largest / smallest) of both, and the test
accuracy that a `keras_clr.CyclicalLearningRate` between each rule's
bounds reaches in `--epochs` epochs (one whole cycle, ending at base_lr),
from the seed's own initialisation. Prints a Markdown table.

    python benchmarks/range_test_repeats.py [--seeds 5] [--epochs 2]
"""

import argparse
import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from common import MNIST_DIR  # noqa: E402
from common import build_seed_mlp  # noqa: E402
from common import prepare_mnist  # noqa: E402

import keras_clr  # noqa: E402
from keras_clr import datasets  # noqa: E402

BATCH = 100


def compiled(seed, learning_rate=0.001):
    keras.utils.set_random_seed(seed)
    model = build_seed_mlp("relu")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def accuracy(seed, bounds, data, epochs, cache):
    """Test accuracy after `epochs` of CLR between `bounds` (cached)."""
    if (seed, bounds) not in cache:
        (x_train, y_train), (x_test, y_test) = data
        step_size = -(-len(x_train) // BATCH) * epochs // 2
        clr = keras_clr.CyclicalLearningRate(*bounds, step_size=step_size)
        model = compiled(seed, clr)
        model.fit(x_train, y_train, batch_size=BATCH, epochs=epochs, verbose=0)
        cache[seed, bounds] = model.evaluate(x_test, y_test, verbose=0)[1]
    return cache[seed, bounds]


def spread(values):
    return max(values) / min(values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=MNIST_DIR)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    data = prepare_mnist(datasets.load_mnist(args.data_dir))
    (x_train, y_train), test = data
    start = time.perf_counter()
    single, median, within, warned = {}, {}, [], 0
    cache, scores = {}, {}
    for seed in range(args.seeds):
        order = np.random.default_rng(seed).permutation(len(x_train))
        seed_data = ((x_train[order], y_train[order]), test)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter(
                "always", keras_clr.range_test.SuggestionSpreadWarning
            )
            result = keras_clr.lr_range_test(
                compiled(seed),
                x_train[order],
                y_train[order],
                batch_size=BATCH,
                start_lr=1e-7,
                end_lr=10.0,
                num_steps=300,
                verbose=0,
                repeats=3,
            )
        warned += any(
            issubclass(w.category, keras_clr.range_test.SuggestionSpreadWarning)
            for w in caught
        )
        within.append(result.spreads[result.default_rule]["ratio"])
        for rule in keras_clr.range_test.RULES:
            for kind, lr in (
                ("single", result.sweeps[0].suggestions[rule]),
                ("median", result.suggestions[rule]),
            ):
                (single if kind == "single" else median).setdefault(
                    rule, []
                ).append(lr)
                bounds = (lr / 4, lr)
                scores.setdefault((rule, kind), []).append(
                    accuracy(seed, bounds, seed_data, args.epochs, cache)
                )
        print(f"seed {seed} done at {time.perf_counter() - start:.0f} s")
    print()
    print(
        "| rule | single sweep: suggestions | spread | median of 3: "
        "suggestions | spread | test acc. single | test acc. median of 3 |"
    )
    print("|---|---|---|---|---|---|---|")
    for rule in keras_clr.range_test.RULES:
        cells = [rule]
        for values in (single[rule], median[rule]):
            cells += [
                f"{min(values):.2e} to {max(values):.2e}",
                f"x{spread(values):.3g}",
            ]
        for kind in ("single", "median"):
            acc = np.array(scores[rule, kind])
            cells.append(
                f"{acc.mean():.4f} ± {acc.std():.4f} (min {acc.min():.4f})"
            )
        print("| " + " | ".join(cells) + " |")
    print()
    print(
        f"{args.seeds} seeds, {args.epochs} epochs per training; within-run "
        f"spread of steepest (3 sweeps): "
        + ", ".join(f"x{r:.3g}" for r in within)
        + f"; SuggestionSpreadWarning in {warned} of {args.seeds} runs; "
        f"{time.perf_counter() - start:.0f} s in all."
    )


if __name__ == "__main__":
    main()
