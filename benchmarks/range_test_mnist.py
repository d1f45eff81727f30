"""The LR range test's bounds, used for real: MNIST, relu MLP, Adam.

Runs `lr_range_test` on the article's network with relu hidden layers
(784-100-50-10, Adam, batch 100) on the real MNIST set, loaded the way a
user would (`--data-dir` with the four IDX files), then trains a fresh
model for at most 5 epochs with a `CyclicalLearningRate` between the
suggested bounds (step size 2.5 epochs: one whole cycle in 5 epochs,
ending at base_lr, as Smith advises), and prints the suggestions and the
test accuracy after each epoch. Writes the range test's curve to `--plot`.

    python benchmarks/range_test_mnist.py [--data-dir DIR] [--plot FILE.png]

(`--data-dir` defaults to the repository's data/mnist.)
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
from common import MNIST_DIR  # noqa: E402
from common import build_seed_mlp  # noqa: E402
from common import prepare_mnist  # noqa: E402

import keras_clr  # noqa: E402
from keras_clr_cli import mnist as datasets  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=MNIST_DIR)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--plot", default="range_test.png")
    args = parser.parse_args()
    data = prepare_mnist(datasets.load_mnist(args.data_dir))
    (x_train, y_train), (x_test, y_test) = data
    keras.utils.set_random_seed(0)
    probe = build_seed_mlp("relu")
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
    base_lr, max_lr = result.suggest_bounds()
    print(
        "suggestions:", {k: f"{v:.3g}" for k, v in result.suggestions.items()}
    )
    print(f"bounds: base_lr {base_lr:.3g}, max_lr {max_lr:.3g}")
    import matplotlib

    matplotlib.use("Agg")
    ax = result.plot()
    ax.set_title("LR range test: relu MLP on MNIST, Adam, batch 100")
    ax.figure.tight_layout()  # keeps the x label inside the image
    ax.figure.savefig(args.plot, dpi=80)

    steps_per_epoch = -(-len(x_train) // 100)
    keras.utils.set_random_seed(0)
    model = build_seed_mlp("relu")
    model.compile(
        optimizer=keras.optimizers.Adam(
            result.cyclical_learning_rate(step_size=steps_per_epoch * 5 // 2)
        ),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        x_train,
        y_train,
        batch_size=100,
        epochs=args.epochs,
        validation_data=(x_test, y_test),
        verbose=2,
    )
    accuracy = history.history["val_accuracy"]
    print("test accuracy per epoch:", [f"{a:.4f}" for a in accuracy])
    print(f"final test accuracy {accuracy[-1]:.4f} (goal >= 0.97)")


if __name__ == "__main__":
    main()
