"""The cost of one schedule evaluation, in isolation, per backend.

Whole-`fit` ratios on a shared machine carry more noise than a schedule
costs, so this times the schedule alone: a compiled loop of `--steps`
iterations that adds the learning rate at each step to an accumulator
(a `tf.while_loop` in a `tf.function` on TensorFlow, `lax.fori_loop` under
`jax.jit` on JAX, a Python loop over an int64 step tensor on PyTorch, which
runs eagerly), minus the same loop adding only the cast step (the loop's
own overhead). Keras' `CosineDecay(warmup_target=...)` is the anchor; the
"anchor copy" row is a second, identical CosineDecay: the A/A control that
shows how far noise alone moves a ratio.

Variants are timed in interleaved repetitions (the order rotates each
repetition); each row prints the median cost per evaluation and the median
of the per-repetition ratios to the anchor.

    KERAS_BACKEND=tensorflow python benchmarks/schedule_cost.py \
        [--reps 15] [--steps 20000]
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

import keras_clr  # noqa: E402
import keras_clr.addons  # noqa: E402

BACKEND = keras.backend.backend()


def variants():
    clr = dict(base_lr=0.001, max_lr=0.006, step_size=2000)

    def anchor():
        return keras.optimizers.schedules.CosineDecay(
            0.0, 7000, warmup_target=0.01, warmup_steps=3000
        )

    return {
        "anchor: CosineDecay(warmup)": anchor(),
        "anchor copy (A/A)": anchor(),
        "CLR triangular": keras_clr.CyclicalLearningRate(**clr),
        "CLR triangular2": keras_clr.CyclicalLearningRate(
            mode="triangular2", **clr
        ),
        "CLR exp_range": keras_clr.CyclicalLearningRate(
            mode="exp_range", gamma=0.9999, **clr
        ),
        "addons triangular, step 2.5": (
            keras_clr.addons.TriangularCyclicalLearningRate(0.001, 0.006, 2.5)
        ),
        "OneCycle cos": keras_clr.OneCycle(0.01, 10_000),
        "OneCycle linear": keras_clr.OneCycle(
            0.01, 10_000, anneal_strategy="linear"
        ),
        "OneCycle three-phase cos": keras_clr.OneCycle(
            0.01, 10_000, pct_start=0.25, three_phase=True
        ),
    }


def _tensorflow_runner(schedule, steps):
    import tensorflow as tf

    def lr(step):
        return tf.cast(step, tf.float32) if schedule is None else schedule(step)

    @tf.function(jit_compile=False)
    def loop():
        def body(step, total):
            return step + 1, total + tf.cast(lr(step), tf.float32)

        return tf.while_loop(
            lambda step, total: step < steps,
            body,
            (tf.constant(0, tf.int64), tf.constant(0.0)),
        )[1]

    loop().numpy()  # Trace and warm up.
    return lambda: loop().numpy()


def _jax_runner(schedule, steps):
    import jax
    import jax.numpy as jnp

    def lr(step):
        if schedule is None:
            return step.astype(jnp.float32)
        return schedule(step).astype(jnp.float32)

    @jax.jit
    def loop():
        return jax.lax.fori_loop(
            0, steps, lambda step, total: total + lr(step), jnp.float32(0.0)
        )

    loop().block_until_ready()
    return lambda: loop().block_until_ready()


def _torch_runner(schedule, steps):
    import torch

    step = torch.zeros((), dtype=torch.int64)

    def loop():
        total = torch.zeros(())
        step.zero_()
        for _ in range(steps):
            value = step.float() if schedule is None else schedule(step)
            total = total + value
            step.add_(1)
        return float(total)

    loop()
    return loop


RUNNERS = {
    "tensorflow": _tensorflow_runner,
    "jax": _jax_runner,
    "torch": _torch_runner,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--steps", type=int, default=20_000)
    args = parser.parse_args()
    if BACKEND == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    if BACKEND == "torch":
        import torch

        torch.set_num_threads(1)
    # XLA fuses the loop into a few ns per step: more steps on JAX; eager
    # PyTorch is ~1000x slower per step: fewer.
    scale = {"jax": 50, "torch": 0.1}.get(BACKEND, 1)
    steps = max(int(args.steps * scale), 100)
    make = RUNNERS[BACKEND]
    schedules = variants()
    runners = {"loop": make(None, steps)}
    runners.update({k: make(s, steps) for k, s in schedules.items()})
    names = list(runners)
    times = {name: [] for name in names}
    for rep in range(args.reps):
        shift = rep % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            runners[name]()
            times[name].append(time.perf_counter() - start)
    loop = times["loop"]
    cost = {
        name: [
            (t - base) / steps * 1e9
            for t, base in zip(times[name], loop, strict=True)
        ]
        for name in schedules
    }
    anchor = "anchor: CosineDecay(warmup)"
    print(
        f"keras {keras.__version__}, backend {BACKEND}, {steps} steps per "
        f"loop, {args.reps} repetitions, one thread, "
        f"loop overhead {statistics.median(loop) / steps * 1e9:.0f} ns/step"
    )
    print(f"{'schedule':32s} {'ns/eval':>8s} {'vs anchor':>9s}")
    for name in schedules:
        ratios = [c / a for c, a in zip(cost[name], cost[anchor], strict=True)]
        print(
            f"{name:32s} {statistics.median(cost[name]):8.0f} "
            f"{statistics.median(ratios):9.2f}"
        )


if __name__ == "__main__":
    main()
