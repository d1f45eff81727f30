"""The training jobs of the distributed and crash tests.

Each job is imported by the test and by the worker processes it starts, as
a user's own training script would be: a tiny model, data in a fixed
order, and a recorder of the learning rate and momentum every step applied.
"""

import keras
import numpy as np

import keras_clr

KINDS = ("clr_momentum", "one_cycle", "cyclic_lr")
GLOBAL_BATCH = 8
FEATURES = 6


def deterministic():
    # Seeded initializers, not `keras.utils.set_random_seed`: that imports
    # TensorFlow (seconds) on every backend.
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def build(kind, **compile_kwargs):
    """(model, callbacks) of a job; the same weights for every process."""
    deterministic()
    callbacks = []
    if kind == "clr_momentum":
        schedule = keras_clr.CyclicalLearningRate(
            0.01, 0.05, 3, mode="triangular2", step_size_down=2
        )
        optimizer = keras_clr.cyclical_momentum(
            keras.optimizers.SGD(learning_rate=schedule, nesterov=True)
        )
    elif kind in ("clr", "clr_wider"):
        schedule = keras_clr.CyclicalLearningRate(
            0.01,
            0.06 if kind == "clr_wider" else 0.05,
            3,
            mode="triangular2",
            step_size_down=2,
        )
        optimizer = keras.optimizers.Adam(learning_rate=schedule)
    elif kind == "plateau":
        schedule = keras_clr.CyclicalLearningRate(0.01, 0.05, 3)
        optimizer = keras.optimizers.Adam(learning_rate=schedule)
        # Never an improvement: the bounds halve at every epoch's end.
        callbacks.append(
            keras_clr.ReduceLRBoundsOnPlateau(
                monitor="loss", factor=0.5, patience=0, min_delta=1e9
            )
        )
    elif kind == "one_cycle":
        schedule = keras_clr.OneCycle(0.05, 20, pct_start=0.25)
        optimizer = keras_clr.cyclical_momentum(
            keras.optimizers.Adam(learning_rate=schedule), 0.8, 0.9
        )
    elif kind == "constant":
        optimizer = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)
    elif kind == "cyclic_lr":
        optimizer = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)
        callbacks.append(
            keras_clr.CyclicLR(0.01, 0.05, step_size=3.0, mode="triangular")
        )
    else:
        raise ValueError(f"Unknown job kind: {kind!r}")
    model = keras.Sequential(
        [
            keras.Input((FEATURES,)),
            keras.layers.Dense(8, "relu", kernel_initializer=_init(1)),
            keras.layers.Dense(3, "softmax", kernel_initializer=_init(2)),
        ]
    )
    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        **compile_kwargs,
    )
    return model, callbacks


def _init(seed):
    return keras.initializers.GlorotUniform(seed=seed)


def data(first_step, steps, shard=0, num_shards=1):
    """Global batches `first_step ..`, or one process's share of each.

    Shard `i` of a global batch is its `i`-th slice of
    `GLOBAL_BATCH / num_shards` rows, so the shards of all processes make up
    exactly the batches a single process sees.
    """
    rng = np.random.default_rng(42)
    x = rng.normal(size=(200 * GLOBAL_BATCH, FEATURES)).astype("float32")
    y = rng.integers(0, 3, 200 * GLOBAL_BATCH)
    rows = slice(first_step * GLOBAL_BATCH, (first_step + steps) * GLOBAL_BATCH)
    x, y = x[rows], y[rows]
    local = GLOBAL_BATCH // num_shards
    x = x.reshape(steps, num_shards, local, FEATURES)[:, shard]
    y = y.reshape(steps, num_shards, local)[:, shard]
    return x.reshape(-1, FEATURES), y.reshape(-1), local


def to_float(value):
    return float(np.asarray(keras.ops.convert_to_numpy(value)))


class Recorder(keras.callbacks.Callback):
    """[iteration, LR, momentum] of every step, read before it applies."""

    def __init__(self):
        super().__init__()
        self.steps = []

    def on_train_batch_begin(self, batch, logs=None):
        optimizer = self.model.optimizer
        momentum = getattr(optimizer, "current_momentum", None)
        self.steps.append(
            [
                int(to_float(optimizer.iterations)),
                to_float(optimizer.learning_rate),
                None if momentum is None else to_float(momentum),
            ]
        )


def weights(model):
    return [
        np.asarray(keras.ops.convert_to_numpy(w)).tolist()
        for w in model.weights
    ]


def train(model, callbacks, first_step, steps, shard=0, num_shards=1, epochs=1):
    """Trains `epochs` epochs of `steps` steps (the same batches each
    epoch); returns (per-step records, weights)."""
    recorder = Recorder()
    x, y, batch_size = data(first_step, steps, shard, num_shards)
    model.fit(
        x,
        y,
        batch_size=batch_size,
        epochs=epochs,
        shuffle=False,
        verbose=0,
        callbacks=[recorder, *callbacks],
    )
    return recorder.steps, weights(model)
