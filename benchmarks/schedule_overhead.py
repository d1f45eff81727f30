"""Throughput of `model.fit` with a `CyclicalLearningRate` vs a constant LR.

The seed's MLP (784-100-50-10) on MNIST-shaped random data, batch 100. For
each setting the two models are timed in interleaved repetitions (one epoch
each, after a warm-up epoch; per-step time is the median over the epoch's
executions), and the median of the per-repetition ratios
is printed: throughput with the schedule / throughput with a constant LR.
Ratios measured side by side are robust to a noisy machine; absolute times
are not.

    python benchmarks/schedule_overhead.py [--reps 15] [--samples 32000]
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_clr  # noqa: E402


def build(learning_rate, steps_per_execution, jit_compile):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(100, activation="relu"),
            keras.layers.Dense(50, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
        jit_compile=jit_compile,
    )
    return model


class _StepTimer(keras.callbacks.Callback):
    """Wall time between consecutive batch-end callbacks."""

    def on_epoch_begin(self, epoch, logs=None):
        self.ends = []

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())


def timed_epoch(model, x, y):
    """Median seconds per train step over one epoch.

    The median over the epoch's executions ignores the epoch's set-up and
    the occasional stall of a shared machine.
    """
    timer = _StepTimer()
    model.fit(
        x,
        y,
        batch_size=100,
        epochs=1,
        shuffle=False,
        verbose=0,
        callbacks=[timer],
    )
    steps = model.steps_per_execution
    gaps = [b - a for a, b in zip(timer.ends[:-1], timer.ends[1:], strict=True)]
    return statistics.median(gaps) / steps


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
    if keras.backend.backend() == "tensorflow" and args.threads:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)

    rng = np.random.default_rng(0)
    x = rng.random((args.samples, 784), dtype=np.float32)
    y = rng.integers(0, 10, args.samples)
    backend = keras.backend.backend()
    spes = [1, 32] if backend != "torch" else [1]
    print(
        f"keras {keras.__version__}, backend {backend}, "
        f"{args.samples // 100} steps/epoch, {args.reps} repetitions, "
        f"threads {args.threads or 'default'}"
    )
    print(
        "throughput ratio = constant-LR step time / CLR step time; "
        "A/A = constant / an identical constant model (the noise floor)"
    )
    print(
        f"{'steps_per_execution':>19} {'jit_compile':>11} "
        f"{'constant ms':>11} {'CLR ms':>8} {'CLR ratio':>9} {'A/A ratio':>9}"
    )
    for spe in spes:
        for jit in (False, True):
            models = [
                build(0.003, spe, jit),
                build(keras_clr.CyclicalLearningRate(), spe, jit),
                build(0.003, spe, jit),
            ]
            for model in models:  # warm-up: tracing and compiling
                timed_epoch(model, x, y)
            times = [[] for _ in models]
            for rep in range(args.reps):
                # Alternate the order, so drift hits all alike.
                order = range(3) if rep % 2 == 0 else reversed(range(3))
                for i in order:
                    times[i].append(timed_epoch(models[i], x, y))
            clr = [c / s for c, s in zip(times[0], times[1], strict=True)]
            control = [c / a for c, a in zip(times[0], times[2], strict=True)]
            print(
                f"{spe:>19} {str(jit):>11} "
                f"{1e3 * statistics.median(times[0]):>11.3f} "
                f"{1e3 * statistics.median(times[1]):>8.3f} "
                f"{statistics.median(clr):>9.3f} "
                f"{statistics.median(control):>9.3f}"
            )


if __name__ == "__main__":
    main()
