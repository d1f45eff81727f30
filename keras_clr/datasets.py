"""Moved: the MNIST loader is `keras_clr_cli.mnist.load_mnist` since 1.0
(it serves the command, outside the library); this says where it went."""

_MOVED = ("DataError", "ENV_VAR", "load_mnist", "read_idx", "SOURCES")


def __getattr__(name):
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise ImportError(
        f"keras_clr.datasets.{name} moved to keras_clr_cli.mnist in "
        "keras_clr 1.0 (installed with keras_clr): use "
        f"`from keras_clr_cli.mnist import {name}`"
    )
