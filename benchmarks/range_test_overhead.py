"""Cost of `lr_range_test` against the same number of plain training steps.

Both start from a freshly compiled model (so both trace their train step
once), on the seed's MLP (784-100-50-10) with MNIST-shaped random data,
batch 100: the range test (snapshot, sweep, restore included) against
`model.fit` for the same number of steps. Interleaved repetitions, median
of the per-repetition time ratios, and an A/A row (plain fit against a
second plain fit) that shows the machine's noise.

    python benchmarks/range_test_overhead.py [--steps 300] [--reps 9]
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from common import build_seed_mlp as build_model  # noqa: E402

import keras_clr  # noqa: E402


def fresh_model():
    keras.utils.set_random_seed(0)
    model = build_model("relu")
    model.compile(
        optimizer=keras.optimizers.Adam(0.001),
        loss="sparse_categorical_crossentropy",
    )
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--reps", type=int, default=9)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.random((args.steps * 100, 784), dtype=np.float32)
    y = rng.integers(0, 10, args.steps * 100)

    def plain():
        model = fresh_model()
        start = time.perf_counter()
        model.fit(x, y, batch_size=100, epochs=1, shuffle=False, verbose=0)
        return time.perf_counter() - start

    def range_test():
        model = fresh_model()
        start = time.perf_counter()
        keras_clr.lr_range_test(
            model,
            x,
            y,
            batch_size=100,
            num_steps=args.steps,
            end_lr=1.0,
            verbose=0,
        )
        return time.perf_counter() - start

    plain(), range_test()  # warm-up: imports, first traces
    ratios, aa_ratios = [], []
    plain_times, other_plain_times, test_times = [], [], []
    for rep in range(args.reps):
        runs = [
            (plain, plain_times),
            (range_test, test_times),
            (plain, other_plain_times),
        ]
        for fn, times in runs if rep % 2 == 0 else runs[::-1]:
            times.append(fn())
        ratios.append(test_times[-1] / plain_times[-1])
        aa_ratios.append(other_plain_times[-1] / plain_times[-1])
    print(
        f"keras {keras.__version__}, backend {keras.backend.backend()}, "
        f"{args.steps} steps, {args.reps} repetitions"
    )
    print(
        f"plain fit {statistics.median(plain_times):.3f} s, range test "
        f"{statistics.median(test_times):.3f} s, time ratio (median) "
        f"{statistics.median(ratios):.3f} (target <= 1.1)"
    )
    print(
        f"A/A plain fit / plain fit: median {statistics.median(aa_ratios):.3f}"
        f", range {min(aa_ratios):.3f} - {max(aa_ratios):.3f}"
    )


if __name__ == "__main__":
    main()
