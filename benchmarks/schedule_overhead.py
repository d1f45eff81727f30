"""Throughput of `model.fit` with keras_clr's schedules and callbacks.

The seed's MLP (784-100-50-10) on MNIST-shaped random data, batch 100,
Adam. For each setting (`steps_per_execution`, `jit_compile`) every variant
is its own compiled model; the variants are timed in interleaved
repetitions (one epoch each, after a warm-up epoch, alternating the order),
and each row prints the median over repetitions of the ratio

    throughput of the variant / throughput of its reference

measured side by side, which is robust to a noisy machine (absolute times
are not). An epoch is timed from the first callback's `on_epoch_begin` to
the last callback's `on_epoch_end`, so it includes every callback's work,
the TensorBoard writes included. The A/A row compares two identical models:
how far from 1.0 noise alone moves a ratio.

    python benchmarks/schedule_overhead.py [--reps 15] [--samples 32000]
"""

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from common import build_seed_mlp as build_model  # noqa: E402

import keras_clr  # noqa: E402

CLR = dict(base_lr=0.001, max_lr=0.006, step_size=2000)


class ClassicCyclicLR(keras.callbacks.Callback):
    """The classic callback's approach: set the LR from Python each batch."""

    def on_train_batch_begin(self, batch, logs=None):
        optimizer = self.model.optimizer
        step = int(keras.ops.convert_to_numpy(optimizer.iterations))
        cycle = np.floor(1 + step / (2 * CLR["step_size"]))
        x = np.abs(step / CLR["step_size"] - 2 * cycle + 1)
        height = (CLR["max_lr"] - CLR["base_lr"]) * max(0.0, 1 - x)
        optimizer.learning_rate = CLR["base_lr"] + height


class _EpochStart(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()


class _EpochEnd(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        self.end = time.perf_counter()


def build(learning_rate, spe, jit, momentum=False):
    keras.utils.set_random_seed(0)
    model = build_model("relu")
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    if momentum:
        optimizer = keras_clr.cyclical_momentum(optimizer)
    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=spe,
        jit_compile=jit,
    )
    return model


def variants(spe, jit, log_dir):
    """name -> (model, callbacks); one model per variant."""
    clr = keras_clr.CyclicalLearningRate
    return {
        "constant": (build(0.003, spe, jit), []),
        "CLR": (build(clr(**CLR), spe, jit), []),
        "CLR copy": (build(clr(**CLR), spe, jit), []),
        "CLR + LearningRateLogger": (
            build(clr(**CLR), spe, jit),
            [keras_clr.LearningRateLogger(log_dir=log_dir)],
        ),
        "CyclicLR shim": (build(0.003, spe, jit), [keras_clr.CyclicLR()]),
        "classic Python CLR callback": (
            build(0.003, spe, jit),
            [ClassicCyclicLR()],
        ),
        "CLR + cyclical momentum": (
            build(clr(**CLR), spe, jit, momentum=True),
            [],
        ),
    }


# (variant, reference, target or None)
ROWS = [
    ("CLR", "constant", 0.99),
    ("CLR copy", "CLR", None),
    ("CLR + LearningRateLogger", "CLR", 0.97),
    ("CyclicLR shim", "CLR", 0.99),
    ("classic Python CLR callback", "CLR", None),
    ("CLR + cyclical momentum", "CLR", None),
]


def timed_epoch(model, callbacks, x, y):
    start, end = _EpochStart(), _EpochEnd()
    model.fit(
        x,
        y,
        batch_size=100,
        epochs=1,
        shuffle=False,
        verbose=0,
        callbacks=[start, *callbacks, end],
    )
    return end.end - start.start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--samples", type=int, default=32_000)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="TensorFlow intra/inter-op threads (0: TensorFlow's default); "
        "one thread makes the side-by-side timings far less noisy",
    )
    args = parser.parse_args()
    backend = keras.backend.backend()
    if backend == "tensorflow" and args.threads:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)

    rng = np.random.default_rng(0)
    x = rng.random((args.samples, 784), dtype=np.float32)
    y = rng.integers(0, 10, args.samples)
    settings = [(1, False), (1, True), (32, False), (32, True)]
    if backend == "torch":
        settings = [(1, False)]
    print(
        f"keras {keras.__version__}, backend {backend}, "
        f"{args.samples // 100} steps/epoch, {args.reps} repetitions, "
        f"threads {args.threads or 'default'}"
    )
    print(
        f"{'spe':>3} {'jit':>5}  {'variant':<28} {'vs':<9} "
        f"{'ms/step':>8} {'ratio':>6} {'target':>6}"
    )
    for spe, jit in settings:
        with tempfile.TemporaryDirectory() as log_dir:
            runs = variants(spe, jit, log_dir)
            for model, callbacks in runs.values():  # warm-up: compile
                timed_epoch(model, callbacks, x, y)
            times = {name: [] for name in runs}
            names = list(runs)
            for rep in range(args.reps):
                for name in names if rep % 2 == 0 else names[::-1]:
                    model, callbacks = runs[name]
                    times[name].append(timed_epoch(model, callbacks, x, y))
        steps = args.samples // 100
        for name, reference, target in ROWS:
            ratios = [
                r / v
                for r, v in zip(times[reference], times[name], strict=True)
            ]
            ms = 1e3 * statistics.median(times[name]) / steps
            print(
                f"{spe:>3} {str(jit):>5}  {name:<28} {reference:<9} "
                f"{ms:>8.3f} {statistics.median(ratios):>6.3f} "
                f"{'' if target is None else target:>6}"
            )


if __name__ == "__main__":
    main()
