"""Renders the figures of README and the docs site into docs/.

python docs/make_figures.py

cyclical_modes.png, one_cycle.png, cyclic_lr_history.png and
range_test.png (the range test on the repository's MNIST, data/mnist).
The demo's figures in docs/demo/ come from `keras-clr demo`.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

import keras_clr  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

sys.path.insert(0, os.path.join(os.path.dirname(HERE), "benchmarks"))
from common import MNIST_DIR  # noqa: E402
from common import build_seed_mlp as build_model  # noqa: E402
from common import prepare_mnist  # noqa: E402


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
    cyclic_lr_history()
    range_test()


def cyclic_lr_history():
    """The article's snippet (import changed) on a synthetic 10-class task."""
    import keras

    rng = np.random.default_rng(0)
    x = rng.random((6000, 784), dtype=np.float32)
    y = keras.utils.to_categorical(np.argmax(x @ rng.normal(size=(784, 10)), 1))
    keras.utils.set_random_seed(0)
    model = build_model("relu")
    model.compile(
        optimizer=keras.optimizers.Adam(0.1),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=8,
    )
    clr = keras_clr.CyclicLR(mode="triangular2", step_size=120.0)
    model.fit(x, y, batch_size=50, epochs=6, callbacks=[clr], verbose=0)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
    keras_clr.plot_history(clr, ax=left)
    left.set_title("CyclicLR(mode='triangular2'): clr.history['lr']")
    left.set_xlabel("iteration (optimizer step)")
    keras_clr.plot_history(clr, ax=right, metric="loss")
    right.set_title("training loss against the LR it was trained with")
    right.set_ylabel("training loss")
    fig.tight_layout()
    path = os.path.join(HERE, "cyclic_lr_history.png")
    fig.savefig(path, dpi=80)
    print(path)


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
        (lr_line,) = ax.plot(
            steps, lr, color="tab:blue", label="learning rate (left axis)"
        )
        ax.set_ylabel("learning rate", color="tab:blue")
        twin = ax.twinx()
        (momentum_line,) = twin.plot(
            steps,
            momentum,
            color="tab:orange",
            linestyle="--",
            label="momentum (right axis)",
        )
        twin.set_ylabel("momentum", color="tab:orange")
        ax.set_title(
            "OneCycle(max_lr=0.1, total_steps=3000"
            + (", three_phase=True)" if three_phase else ")")
            + " with cyclical_momentum(0.85, 0.95)",
            fontsize=10,
        )
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("step (optimizer.iterations)")
    fig.legend(
        handles=[lr_line, momentum_line],
        loc="upper center",
        ncol=2,
        frameon=False,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    path = os.path.join(HERE, "one_cycle.png")
    fig.savefig(path, dpi=80)
    print(path)


def range_test():
    """The range test of benchmarks/range_test_mnist.py, legend outside."""
    import keras

    from keras_clr_cli.mnist import load_mnist

    (x_train, y_train), _ = prepare_mnist(load_mnist(MNIST_DIR))
    keras.utils.set_random_seed(0)
    probe = build_model("relu")
    probe.compile(
        optimizer=keras.optimizers.Adam(), loss="categorical_crossentropy"
    )
    result = keras_clr.lr_range_test(
        probe,
        x_train,
        y_train,
        batch_size=100,
        start_lr=1e-7,
        end_lr=10.0,
        num_steps=300,
        verbose=0,
    )
    fig, ax = plt.subplots(figsize=(9, 3.6))
    keras_clr.plot_range_test(result, ax=ax)
    ax.set_title("LR range test: relu MLP on MNIST, Adam, batch 100")
    ax.set_ylabel("training loss")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    path = os.path.join(HERE, "range_test.png")
    fig.savefig(path, dpi=80)
    print(path)


if __name__ == "__main__":
    main()
