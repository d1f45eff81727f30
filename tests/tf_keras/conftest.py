"""The tf_keras tests need tf_keras, and Keras 3 on TensorFlow."""

import keras
import pytest


def require_tf_keras():
    """tf_keras, or a skip of the calling test module."""
    tf_keras = pytest.importorskip("tf_keras")
    if keras.backend.backend() != "tensorflow":
        pytest.skip(
            "keras_clr.tf_keras needs Keras 3 on its TensorFlow backend",
            allow_module_level=True,
        )
    return tf_keras
