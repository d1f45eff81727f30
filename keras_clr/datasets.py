"""Moved: the MNIST loader is `keras_clr_cli.mnist.load_mnist` since 1.0.

The loader serves the `keras-clr` command and its demo, which live outside
the library; this module only says where it went.
"""


def __getattr__(name):
    raise ImportError(
        f"keras_clr.datasets.{name} moved to keras_clr_cli.mnist in "
        "keras_clr 1.0 (installed with keras_clr): use "
        f"`from keras_clr_cli.mnist import {name}`"
    )
