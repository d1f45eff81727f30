"""Epochs and seconds to 97.5% MNIST test accuracy: constant LR vs cyclic.

The article's architecture with relu hidden layers (784-100-50-10), Adam,
batch 100, on the real MNIST set loaded the way a user would
(`--data-dir` with the four IDX files). Runs a small grid of constant
learning rates, `CyclicalLearningRate` and `OneCycle`, each for up to
`--epochs` epochs, and prints for each the first epoch (and the training
seconds up to it) at which test accuracy reaches the target, and the ratio
of epochs against the best constant LR.

    python benchmarks/time_to_accuracy.py [--data-dir data/mnist] [--epochs 12]
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
from common import MNIST_DIR  # noqa: E402
from common import build_seed_mlp as build_model  # noqa: E402
from common import prepare_mnist as prepare  # noqa: E402

import keras_clr  # noqa: E402
from keras_clr import datasets  # noqa: E402

TARGET = 0.975


class _Clock(keras.callbacks.Callback):
    """Training seconds (validation excluded) and accuracy per epoch."""

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
        self.accuracy.append(accuracy)


def run(learning_rate, data, epochs, seed):
    (x_train, y_train), (x_test, y_test) = data
    keras.utils.set_random_seed(seed)
    model = build_model("relu")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    clock = _Clock(x_test, y_test)
    model.fit(x_train, y_train, batch_size=100, epochs=epochs, verbose=0,
              callbacks=[clock])  # fmt: skip
    for epoch, accuracy in enumerate(clock.accuracy, start=1):
        if accuracy >= TARGET:
            return epoch, clock.seconds[epoch - 1], max(clock.accuracy)
    return None, None, max(clock.accuracy)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=MNIST_DIR)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = prepare(datasets.load_mnist(args.data_dir))
    steps_per_epoch = -(-len(data[0][0]) // 100)
    policies = {
        "constant 0.0003": 0.0003,
        "constant 0.001": 0.001,
        "constant 0.003": 0.003,
        # Smith: bounds from a range test, step size 2-10 epochs.
        "CLR 0.0005-0.005, step 2 epochs": keras_clr.CyclicalLearningRate(
            0.0005, 0.005, step_size=2 * steps_per_epoch
        ),
        "OneCycle max 0.005 over 4 epochs": keras_clr.OneCycle.from_epochs(
            0.005, epochs=4, steps_per_epoch=steps_per_epoch
        ),
    }
    print(
        f"keras {keras.__version__}, backend {keras.backend.backend()}, "
        f"target test accuracy {TARGET}, up to {args.epochs} epochs, "
        f"seed {args.seed}"
    )
    results = {}
    for name, lr in policies.items():
        results[name] = run(lr, data, args.epochs, args.seed)
    constants = [
        (r[0], name)
        for name, r in results.items()
        if name.startswith("constant") and r[0] is not None
    ]
    best = min(constants)[0] if constants else None
    print(f"{'policy':<34} {'epochs':>6} {'seconds':>8} {'best acc':>8} "
          f"{'epochs vs best constant':>24}")  # fmt: skip
    for name, (epoch, seconds, best_acc) in results.items():
        ratio = f"{epoch / best:.2f}" if epoch and best else "-"
        print(
            f"{name:<34} {epoch or '-':>6} "
            f"{f'{seconds:.1f}' if seconds else '-':>8} {best_acc:>8.4f} "
            f"{ratio:>24}"
        )


if __name__ == "__main__":
    main()
