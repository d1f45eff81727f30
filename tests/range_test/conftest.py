"""Shared data, models and state checks for the range test's tests."""

import keras
import numpy as np

from tests.conftest import BACKEND

# steps_per_execution > 1 is refused by Keras on PyTorch.
STEPS_PER_EXECUTION = [1, 4] if BACKEND != "torch" else [1]


def task(n=512, seed=0):
    """A small binary task: 8 features, the label is the sign of a sum."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype("float32")
    y = (x[:, :4].sum(axis=1, keepdims=True) > 0).astype("float32")
    return x, y


def compiled_model(learning_rate=0.01, steps_per_execution=1, seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy",
        steps_per_execution=steps_per_execution,
    )
    return model


def numpy_values(variables):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in variables]


def state(model):
    """Copies of every variable the next `fit` depends on, and the LR."""
    return (
        numpy_values(model.variables),
        numpy_values(model.optimizer.variables),
        numpy_values(model.metrics_variables),
        model.optimizer._learning_rate,
    )


def assert_same_state(before, model):
    after = state(model)
    for old, new in zip(before[:3], after[:3], strict=True):
        for a, b in zip(old, new, strict=True):
            assert a.dtype == b.dtype and np.array_equal(a, b)
    assert after[3] is before[3]


def trained(model, seed=1):
    """Trains a few steps so that the optimizer has real state."""
    x, y = task(64, seed=seed)
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    return model


class RaiseAt(keras.callbacks.Callback):
    """Raises `error` at the end of batch `step`."""

    def __init__(self, step, error):
        super().__init__()
        self.step, self.error = step, error

    def on_train_batch_end(self, batch, logs=None):
        if batch >= self.step:
            raise self.error
