"""Shared pieces of the benchmark and figure scripts (not part of the
package): the seed MLP of the article and the project's MNIST copy, as the
demo builds and prepares them."""

import os

from keras_clr_cli.demo.experiment import build_model
from keras_clr_cli.demo.experiment import prepare as prepare_mnist

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST_DIR = os.path.join(REPO, "data", "mnist")

__all__ = ["MNIST_DIR", "REPO", "build_seed_mlp", "prepare_mnist"]


def build_seed_mlp(activation="relu"):
    """The article's MLP 784-100-50-10 (softmax output), not compiled."""
    return build_model(activation)
