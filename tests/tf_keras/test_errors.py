"""keras_clr.tf_keras without tf_keras, or with Keras 3 on another backend.

These run everywhere: the module imports without tf_keras.
"""

import pytest

import keras_clr.tf_keras as kt
from keras_clr.tf_keras import _mirror


def test_without_tf_keras_says_what_to_install(monkeypatch):
    monkeypatch.setattr(_mirror, "tf_keras", None)
    with pytest.raises(ImportError, match="pip install tf_keras"):
        kt.CyclicalLearningRate(0.1, 0.5, step_size=2)


def test_on_another_keras3_backend_says_which(monkeypatch):
    if _mirror.tf_keras is None:
        pytest.skip("tf_keras is not installed")
    monkeypatch.setattr(_mirror.keras.backend, "backend", lambda: "jax")
    with pytest.raises(RuntimeError, match="KERAS_BACKEND=tensorflow"):
        kt.OneCycle(0.1, total_steps=10)
