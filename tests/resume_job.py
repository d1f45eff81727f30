"""The training job of the resume tests, shared by the test and the fresh
process that continues it (as a user's own training script would be)."""

import keras
import numpy as np

import keras_clr

BATCH = 4


def build(kind):
    keras.utils.set_random_seed(0)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    if kind.startswith("clr"):
        schedule = keras_clr.CyclicalLearningRate(
            0.01, 0.05, 5, mode="triangular2", step_size_down=4
        )
    else:
        schedule = keras_clr.OneCycle(0.05, 24, pct_start=0.25)
    if kind == "clr":
        optimizer = keras.optimizers.Adam(learning_rate=schedule)
    elif kind == "clr_momentum":
        optimizer = keras_clr.cyclical_momentum(
            keras.optimizers.SGD(learning_rate=schedule, nesterov=True)
        )
    elif kind == "one_cycle":
        optimizer = keras.optimizers.SGD(learning_rate=schedule, momentum=0.9)
    else:
        optimizer = keras_clr.cyclical_momentum(
            keras.optimizers.Adam(learning_rate=schedule), 0.8, 0.9
        )
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


def data(first_step, steps):
    rng = np.random.default_rng(42)
    x = rng.normal(size=(200 * BATCH, 6)).astype("float32")
    y = rng.integers(0, 3, 200 * BATCH)
    window = slice(first_step * BATCH, (first_step + steps) * BATCH)
    return x[window], y[window]


class Recorder(keras.callbacks.Callback):
    """The LR and momentum each step is about to apply."""

    def __init__(self):
        super().__init__()
        self.steps = []

    def on_train_batch_begin(self, batch, logs=None):
        optimizer = self.model.optimizer
        momentum = getattr(optimizer, "current_momentum", None)
        self.steps.append(
            [
                int(keras.ops.convert_to_numpy(optimizer.iterations)),
                float(keras.ops.convert_to_numpy(optimizer.learning_rate)),
                None if momentum is None else float(momentum),
            ]
        )


def train(model, first_step, steps):
    recorder = Recorder()
    x, y = data(first_step, steps)
    model.fit(
        x, y, batch_size=BATCH, shuffle=False, verbose=0, callbacks=[recorder]
    )
    weights = [keras.ops.convert_to_numpy(w).tolist() for w in model.weights]
    return recorder.steps, weights
