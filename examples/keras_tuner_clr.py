"""Tune a cyclical learning rate's bounds and step size with KerasTuner.

The schedule is built inside the hypermodel's `build(hp)`, from the
trial's hyperparameters: `base_lr` and `max_lr` (log-uniform, in ranges
that do not overlap, so `max_lr >= base_lr` in every trial) and the step
size in epochs, turned into optimizer steps. Each trial gets its own
schedule in its own optimizer, and `tuner.get_best_models()` rebuilds it
with the best values (KerasTuner rebuilds models with `build(hp)` and then
loads the trial's weights).

    pip install keras-tuner
    python examples/keras_tuner_clr.py [--data-dir DIR] [--max-trials 10]
        [--epochs 6] [--directory kt_clr]

`--data-dir` holds the four MNIST IDX files (this repository has them in
`data/mnist`); without it, `load_mnist` takes Keras' own `mnist.npz`
(downloaded once), then tensorflow-datasets'.
"""

import argparse

import keras
import keras_tuner

import keras_clr
from keras_clr_cli.mnist import load_mnist


class CyclicalLRHyperModel(keras_tuner.HyperModel):
    """A dense MNIST classifier whose CLR schedule is a hyperparameter.

    Args:
        steps_per_epoch: Optimizer steps in one epoch (training samples
            divided by the batch size, rounded up), to turn the step size
            in epochs into steps.
        input_dim: Features per sample.
        num_classes: Classes of the sparse integer labels.
    """

    def __init__(self, steps_per_epoch, input_dim=784, num_classes=10):
        super().__init__()
        self.steps_per_epoch = steps_per_epoch
        self.input_dim = input_dim
        self.num_classes = num_classes

    def build(self, hp):
        base_lr = hp.Float("base_lr", 1e-4, 1e-3, sampling="log")
        max_lr = hp.Float("max_lr", 1e-3, 1e-2, sampling="log")
        # Smith suggests 2 to 10 epochs' worth of steps; a quick search
        # on MNIST tries 1 to 4.
        step_epochs = hp.Int("step_size_epochs", 1, 4)
        schedule = keras_clr.CyclicalLearningRate(
            base_lr=base_lr,
            max_lr=max_lr,
            step_size=step_epochs * self.steps_per_epoch,
        )
        model = keras.Sequential(
            [
                keras.Input((self.input_dim,)),
                keras.layers.Dense(100, activation="relu"),
                keras.layers.Dense(50, activation="relu"),
                keras.layers.Dense(self.num_classes, activation="softmax"),
            ]
        )
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=schedule),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--max-trials", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--directory", default="kt_clr")
    args = parser.parse_args()

    (x_train, y_train), (x_test, y_test) = load_mnist(args.data_dir)
    x_train = x_train.reshape(len(x_train), -1).astype("float32") / 255.0
    x_test = x_test.reshape(len(x_test), -1).astype("float32") / 255.0
    # The tuner validates on a slice of the training set; the test set is
    # kept for the final figure.
    x_val, y_val = x_train[-10000:], y_train[-10000:]
    x_train, y_train = x_train[:-10000], y_train[:-10000]

    steps_per_epoch = -(-len(x_train) // args.batch_size)
    tuner = keras_tuner.RandomSearch(
        CyclicalLRHyperModel(steps_per_epoch),
        objective="val_accuracy",
        max_trials=args.max_trials,
        directory=args.directory,
        project_name="cyclical_lr",
        overwrite=True,
    )
    tuner.search(
        x_train,
        y_train,
        batch_size=args.batch_size,
        epochs=args.epochs,
        validation_data=(x_val, y_val),
        verbose=0,
    )
    best = tuner.get_best_hyperparameters(1)[0]
    print("best:", {name: best.get(name) for name in best.values})
    model = tuner.get_best_models(1)[0]
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy of the best trial's model: {accuracy:.4f}")


if __name__ == "__main__":
    main()
