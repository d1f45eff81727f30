"""Whole-step throughput of `model.fit` with each schedule vs a constant LR.

The article's MLP (784-100-50-10 relu, Adam) on MNIST-shaped random data,
at batch 100 and batch 2000, on the backend named by KERAS_BACKEND. Every
variant is its own compiled model; after a warm-up epoch the variants are
timed in interleaved repetitions (one epoch each, the order alternating),
and each row prints the median (and quartiles) over repetitions of

    throughput of the variant / throughput of the constant-LR model

The A/A row is a second constant-LR model: how far noise alone moves a
ratio from 1.0; the Keras CosineDecay row is what Keras' own schedule costs.

    KERAS_BACKEND=jax python benchmarks/step_throughput.py [--reps 7]
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from common import build_seed_mlp  # noqa: E402

import keras_clr  # noqa: E402
import keras_clr.addons  # noqa: E402

SCHEDULES = {
    "constant (A/A)": lambda: 0.003,
    "CLR triangular": lambda: keras_clr.CyclicalLearningRate(
        0.001, 0.006, step_size=2000
    ),
    "CLR exp_range": lambda: keras_clr.CyclicalLearningRate(
        0.001, 0.006, step_size=2000, mode="exp_range", gamma=0.99994
    ),
    "OneCycle cos": lambda: keras_clr.OneCycle(0.01, total_steps=10**6),
    "addons Exponential": lambda: (
        keras_clr.addons.ExponentialCyclicalLearningRate(
            0.001, 0.006, step_size=2000, gamma=0.99994
        )
    ),
    # The anchor: Keras' own warmup-cosine schedule costs what a schedule
    # costs on each backend (on eager PyTorch, a few dozen small ops).
    "Keras CosineDecay": lambda: keras.optimizers.schedules.CosineDecay(
        0.001, 10**6, warmup_target=0.01, warmup_steps=1000
    ),
}
# (batch size, steps per timed epoch)
BATCHES = [(100, 200), (2000, 20)]


class _Clock(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = time.perf_counter() - self.start


def build(learning_rate):
    keras.utils.set_random_seed(0)
    model = build_seed_mlp("relu")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
    )
    return model


def epoch(model, x, y, batch):
    clock = _Clock()
    model.fit(x, y, batch_size=batch, shuffle=False, verbose=0,
              callbacks=[clock])  # fmt: skip
    return clock.seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    # One thread each: far less noisy side-by-side timings on a shared CPU.
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    elif keras.backend.backend() == "torch":
        import torch

        torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    samples = max(batch * steps for batch, steps in BATCHES)
    x = rng.random((samples, 784), dtype=np.float32)
    y = rng.integers(0, 10, samples)
    print(
        f"keras {keras.__version__}, backend {keras.backend.backend()}, "
        f"{args.reps} interleaved repetitions, median ratios"
    )
    print(
        f"{'batch':>5}  {'schedule':<20} {'ms/step':>8} "
        f"{'vs constant':>11} {'p25-p75':>11}"
    )
    for batch, steps in BATCHES:
        xs, ys = x[: batch * steps], y[: batch * steps]
        models = {"constant": build(0.003)}
        models.update({name: build(make()) for name, make in SCHEDULES.items()})
        for model in models.values():  # warm-up: compile
            epoch(model, xs, ys, batch)
        times = {name: [] for name in models}
        names = list(models)
        for rep in range(args.reps):
            for name in names if rep % 2 == 0 else names[::-1]:
                times[name].append(epoch(models[name], xs, ys, batch))
        for name in SCHEDULES:
            ratios = [
                c / t
                for c, t in zip(times["constant"], times[name], strict=True)
            ]
            ms = 1e3 * statistics.median(times[name]) / steps
            low, _, high = statistics.quantiles(ratios, n=4)
            print(
                f"{batch:>5}  {name:<20} {ms:>8.3f} "
                f"{statistics.median(ratios):>11.3f} {low:>5.3f}-{high:.3f}"
            )


if __name__ == "__main__":
    main()
