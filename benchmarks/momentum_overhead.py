"""Throughput of cyclical momentum against the same optimizer with fixed
momentum, per backend.

For Adam and SGD: `keras_clr.cyclical_momentum(Opt(schedule))` against
`Opt(schedule, <momentum fixed at max_momentum>)`, the same
`CyclicalLearningRate` in both, on the seed MLP (784-100-50-10, batch 100,
MNIST-shaped random data), `model.fit` with each backend's defaults. Each
variant is built `--models` times (identical models, compiled separately);
every model trains one epoch per repetition, in interleaved repetitions
whose order rotates, after a warm-up epoch. A repetition's ratio is

    mean throughput of the cycling models / mean of the fixed models

and the row prints the median over repetitions (target >= 0.97), beside
the spread between identical models (the max/min throughput ratio among
the fixed models, median over repetitions): a difference smaller than
that spread is noise, not cost. The best epoch of each variant is
compared too (the least disturbed sample of each). Throughput is steps
per second of the process's CPU time (one intra-op thread by default),
which a busy shared machine disturbs less than wall time.

    python benchmarks/momentum_overhead.py [--backends tensorflow,jax,torch]
        [--reps 15] [--models 2] [--steps 50] [--threads 1]

Each backend runs in its own process (KERAS_BACKEND is read at import).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def extends(cls):
    """The Keras class a CyclicalMomentum* class builds on (module.Name)."""
    base = next(
        c for c in cls.__mro__[1:] if not c.__module__.startswith("keras_clr")
    )
    return f"{base.__module__.rsplit('.', 1)[-1]}.{base.__name__}"


def measure(args):
    """Runs in a process whose KERAS_BACKEND is set; prints JSON rows."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path[:0] = [REPO, HERE]
    import keras
    import numpy as np
    from common import build_seed_mlp

    if keras.backend.backend() == "torch":
        import torch

        torch.set_num_threads(args.threads)
    elif keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)

    import keras_clr

    class Timer(keras.callbacks.Callback):
        # Process CPU time, not wall time: on a shared machine the wait for
        # a core is noise; the work the step does is what differs.
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds = time.process_time() - self.start

    rng = np.random.default_rng(0)
    x = rng.random((args.steps * 100, 784), dtype="float32")
    y = rng.integers(0, 10, args.steps * 100)

    def schedule():
        return keras_clr.CyclicalLearningRate(0.001, 0.006, 2000)

    makers = {
        "Adam": (
            lambda: keras.optimizers.Adam(schedule(), beta_1=0.95),
            lambda: keras_clr.cyclical_momentum(
                keras.optimizers.Adam(schedule())
            ),
        ),
        "SGD": (
            lambda: keras.optimizers.SGD(schedule(), momentum=0.95),
            lambda: keras_clr.cyclical_momentum(
                keras.optimizers.SGD(schedule())
            ),
        ),
    }
    rows = []
    for name, (fixed, cycling) in makers.items():
        models = []
        for variant, make in (("fixed", fixed), ("cycling", cycling)):
            for _ in range(args.models):
                keras.utils.set_random_seed(0)
                model = build_seed_mlp()
                model.compile(
                    optimizer=make(), loss="sparse_categorical_crossentropy"
                )
                models.append((variant, model))
        timer = Timer()

        def epoch(model, timer=timer):
            model.fit(
                x,
                y,
                batch_size=100,
                epochs=1,
                verbose=0,
                shuffle=False,
                callbacks=[timer],
            )
            return args.steps / timer.seconds

        for _, model in models:
            epoch(model)  # warm-up: tracing and compilation
        ratios, spreads, fixed_rates = [], [], []
        best = {"fixed": 0.0, "cycling": 0.0}
        for rep in range(args.reps):
            shift = rep % len(models)
            order = models[shift:] + models[:shift]
            rate = {id(m): epoch(m) for _, m in order}
            by = {
                v: [rate[id(m)] for w, m in models if w == v]
                for v in ("fixed", "cycling")
            }
            ratios.append(
                statistics.mean(by["cycling"]) / statistics.mean(by["fixed"])
            )
            spreads.append(max(by["fixed"]) / min(by["fixed"]))
            fixed_rates.append(statistics.mean(by["fixed"]))
            for v in best:
                best[v] = max(best[v], *by[v])
        rows.append(
            dict(
                backend=keras.backend.backend(),
                optimizer=name,
                ratio=statistics.median(ratios),
                ratio_min=min(ratios),
                ratio_max=max(ratios),
                spread=statistics.median(spreads),
                best=best["cycling"] / best["fixed"],
                steps_per_s=statistics.median(fixed_rates),
                extends=extends(type(models[-1][1].optimizer)),
            )
        )
    print(json.dumps(rows))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="tensorflow,jax,torch")
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--models", type=int, default=2)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="intra-op threads (a busy shared machine punishes more)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(args)
        return
    print(
        f"seed MLP, batch 100, {args.steps} steps per epoch, {args.models} "
        f"models per variant, {args.reps} interleaved repetitions, "
        f"{args.threads} intra-op thread(s)"
    )
    print(
        "| backend | optimizer | cycling / fixed (median) | min-max | "
        "best cycling / best fixed | "
        "spread of identical models | fixed steps/CPU-s | "
        "cycling class extends |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for backend in args.backends.split(","):
        command = [sys.executable, __file__, "--child"] + [
            f"--{k}={getattr(args, k)}"
            for k in ("reps", "models", "steps", "threads")
        ]
        out = subprocess.run(
            command,
            env=dict(
                os.environ,
                KERAS_BACKEND=backend,
                XLA_FLAGS="--xla_cpu_multi_thread_eigen=false "
                f"intra_op_parallelism_threads={args.threads}",
            ),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for row in json.loads(out.strip().splitlines()[-1]):
            print(
                f"| {row['backend']} | {row['optimizer']} | "
                f"{row['ratio']:.3f} | {row['ratio_min']:.3f}-"
                f"{row['ratio_max']:.3f} | {row['best']:.3f} | "
                f"{row['spread']:.3f} | "
                f"{row['steps_per_s']:.0f} | `{row['extends']}` |"
            )


if __name__ == "__main__":
    main()
