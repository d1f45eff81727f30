"""Shared pieces of the benchmark and figure scripts (not part of the
package): the seed MLP of the article and the project's MNIST copy."""

import os

import keras

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST_DIR = os.path.join(REPO, "data", "mnist")


def build_seed_mlp(activation="relu"):
    """The article's MLP 784-100-50-10 (softmax output), not compiled."""
    return keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(100, activation=activation),
            keras.layers.Dense(50, activation=activation),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def prepare_mnist(data):
    """uint8 MNIST as flat float32 images in [0, 1] and one-hot labels."""
    (x_train, y_train), (x_test, y_test) = data

    def flat(x):
        return x.reshape(len(x), -1).astype("float32") / 255.0

    return (
        (flat(x_train), keras.utils.to_categorical(y_train, 10)),
        (flat(x_test), keras.utils.to_categorical(y_test, 10)),
    )
