"""Renders the README's figures: docs/cyclical_modes.png, docs/one_cycle.png.

python docs/make_figures.py
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

import keras_clr  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    steps = np.arange(0, 12_001)
    schedules = [
        keras_clr.CyclicalLearningRate(mode="triangular"),
        keras_clr.CyclicalLearningRate(mode="triangular2"),
        keras_clr.CyclicalLearningRate(mode="exp_range", gamma=0.99994),
        keras_clr.CyclicalLearningRate(step_size=1000, step_size_down=3000),
    ]
    labels = [
        "triangular",
        "triangular2",
        "exp_range, gamma=0.99994",
        "triangular, step_size=1000, step_size_down=3000",
    ]
    fig, axes = plt.subplots(len(schedules), 1, figsize=(8, 8), sharex=True)
    for ax, schedule, label in zip(axes, schedules, labels, strict=True):
        lr = ops.convert_to_numpy(schedule(ops.convert_to_tensor(steps)))
        ax.plot(steps, lr)
        ax.set_title(f"CyclicalLearningRate: {label}", fontsize=10)
        ax.set_ylabel("learning rate")
        ax.set_ylim(0, 0.0065)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("step (optimizer.iterations)")
    fig.tight_layout()
    path = os.path.join(HERE, "cyclical_modes.png")
    fig.savefig(path, dpi=80)
    print(path)
    one_cycle()


def one_cycle():
    steps = np.arange(0, 3_001)
    fig, axes = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True)
    for ax, three_phase in zip(axes, (False, True), strict=True):
        schedule = keras_clr.OneCycle(
            max_lr=0.1, total_steps=3_000, three_phase=three_phase
        )
        tensor = ops.convert_to_tensor(steps)
        lr = ops.convert_to_numpy(schedule(tensor))
        momentum = ops.convert_to_numpy(schedule.momentum(tensor, 0.85, 0.95))
        ax.plot(steps, lr, color="tab:blue")
        ax.set_ylabel("learning rate", color="tab:blue")
        twin = ax.twinx()
        twin.plot(steps, momentum, color="tab:orange")
        twin.set_ylabel("momentum", color="tab:orange")
        ax.set_title(
            "OneCycle(max_lr=0.1, total_steps=3000"
            + (", three_phase=True)" if three_phase else ")")
            + " with cyclical_momentum(0.85, 0.95)",
            fontsize=10,
        )
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("step (optimizer.iterations)")
    fig.tight_layout()
    path = os.path.join(HERE, "one_cycle.png")
    fig.savefig(path, dpi=80)
    print(path)


if __name__ == "__main__":
    main()
