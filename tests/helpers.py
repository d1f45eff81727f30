"""Shared test helpers: a model with a known gradient, a fresh process."""

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def unit_gradient_model(optimizer, **compile_kwargs):
    """`y = w * x` with w = 0, whose loss has gradient exactly 1 in w.

    With x = 1 and targets far below any prediction, the mean absolute error
    is `w - y`, so plain SGD moves w by exactly `-lr` each step: after n steps
    w = -(lr_0 + ... + lr_{n-1}), the learning rates the steps applied.
    """
    model = keras.Sequential(
        [
            keras.Input((1,)),
            keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros"),
        ]
    )
    model.compile(
        optimizer=optimizer, loss="mean_absolute_error", **compile_kwargs
    )
    return model


def unit_gradient_data(steps, batch_size=2):
    x = np.ones((steps * batch_size, 1), dtype="float32")
    y = np.full((steps * batch_size, 1), -1e6, dtype="float32")
    return x, y


class WeightRecorder(keras.callbacks.Callback):
    """Records (optimizer iterations, weight) after every batch callback."""

    def __init__(self):
        super().__init__()
        self.points = []

    def on_train_batch_end(self, batch, logs=None):
        # The inner optimizer counts the steps: before Keras 3.6 a
        # LossScaleOptimizer's own `iterations` stayed at 0.
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        iterations = int(keras.ops.convert_to_numpy(optimizer.iterations))
        weight = float(keras.ops.convert_to_numpy(self.model.weights[0]).item())
        self.points.append((iterations, weight))


def run_fresh(code, env=None):
    """Runs `code` in a new Python process; returns the JSON it prints last."""
    full_env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="3")
    full_env.update(env or {})
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=full_env,
        timeout=600,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"fresh process failed ({result.returncode}):\n{result.stderr}"
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def read_scalars(log_dir, tag):
    """{step: value} of a scalar tag, read back from TensorBoard events."""
    import glob

    import tensorflow as tf

    values = {}
    pattern = os.path.join(log_dir, "**", "events.out.tfevents.*")
    for path in glob.glob(pattern, recursive=True):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.tag == tag:
                    values[event.step] = float(tf.make_ndarray(value.tensor))
    return values
