"""keras_clr.tf_keras in tf_keras training, saving and loading."""

import numpy as np
import pytest

from tests.helpers import run_fresh
from tests.tf_keras.conftest import require_tf_keras

tf_keras = require_tf_keras()

import keras_clr.tf_keras as kt  # noqa: E402

# CyclicalLearningRate(0.1, 0.5, step_size=2): by hand, steps 0-7.
LRS = [0.1, 0.3, 0.5, 0.3, 0.1, 0.3, 0.5, 0.3]


def unit_gradient_model(optimizer, **compile_kwargs):
    """tf_keras `y = w * x`, w = 0, whose loss has gradient exactly 1 in w:
    plain SGD moves w by `-lr` each step (see tests/helpers.py)."""
    model = tf_keras.Sequential(
        [
            tf_keras.Input((1,)),
            tf_keras.layers.Dense(
                1, use_bias=False, kernel_initializer="zeros"
            ),
        ]
    )
    model.compile(
        optimizer=optimizer, loss="mean_absolute_error", **compile_kwargs
    )
    return model


def unit_gradient_data(steps):
    return np.ones((steps, 1), "float32"), np.full((steps, 1), -1e6, "float32")


def weight(model):
    return float(model.get_weights()[0].item())


@pytest.mark.parametrize(
    "compile_kwargs",
    [{}, {"steps_per_execution": 4}, {"jit_compile": True}],
    ids=["plain", "steps_per_execution_4", "jit_compile"],
)
def test_each_step_applies_its_own_lr(compile_kwargs):
    schedule = kt.CyclicalLearningRate(0.1, 0.5, step_size=2)
    model = unit_gradient_model(
        tf_keras.optimizers.SGD(learning_rate=schedule), **compile_kwargs
    )
    model.fit(*unit_gradient_data(8), batch_size=1, epochs=1, verbose=0)
    assert int(model.optimizer.iterations) == 8
    np.testing.assert_allclose(weight(model), -sum(LRS), rtol=1e-6)


def test_adam_trains_a_small_model():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("int64")
    model = tf_keras.Sequential(
        [tf_keras.Input((4,)), tf_keras.layers.Dense(2, activation="softmax")]
    )
    schedule = kt.OneCycle.from_epochs(0.1, epochs=5, steps_per_epoch=8)
    model.compile(
        optimizer=tf_keras.optimizers.Adam(learning_rate=schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(x, y, batch_size=32, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9


LOAD_AND_CONTINUE = """
import json, os
import numpy as np
import keras_clr.tf_keras
if os.environ.get("TF_USE_LEGACY_KERAS") == "1":
    import tensorflow as tf
    models = tf.keras.models
else:
    import tf_keras
    models = tf_keras.models
model = models.load_model({path!r}, custom_objects={custom_objects})
schedule = model.optimizer._learning_rate
iterations = int(model.optimizer.iterations)
x, y = np.ones((3, 1), "float32"), np.full((3, 1), -1e6, "float32")
model.fit(x, y, batch_size=1, epochs=1, verbose=0)
print(json.dumps({{
    "class": type(schedule).__module__ + "." + type(schedule).__name__,
    "config": schedule.get_config(),
    "iterations": iterations,
    "weight": float(model.get_weights()[0].item()),
}}))
"""


# HDF5 is tf_keras' legacy format: its loader looks custom objects up by
# class name only, never by registered name, so it needs `custom_objects`
# (as for any registered custom schedule); `.keras` needs nothing.
@pytest.mark.parametrize(
    "suffix, custom_objects",
    [
        (".keras", "None"),
        (
            ".h5",
            '{"CyclicalLearningRate": keras_clr.tf_keras.CyclicalLearningRate}',
        ),
    ],
    ids=[".keras", ".h5"],
)
@pytest.mark.parametrize(
    "legacy_env", [False, True], ids=["tf_keras", "tf.keras"]
)
def test_save_and_load_in_a_fresh_process(
    tmp_path, suffix, custom_objects, legacy_env
):
    schedule = kt.CyclicalLearningRate(0.1, 0.5, step_size=2, name="my_clr")
    model = unit_gradient_model(tf_keras.optimizers.SGD(learning_rate=schedule))
    model.fit(*unit_gradient_data(5), batch_size=1, epochs=1, verbose=0)
    path = str(tmp_path / f"model{suffix}")
    model.save(path)
    result = run_fresh(
        LOAD_AND_CONTINUE.format(path=path, custom_objects=custom_objects),
        env={"TF_USE_LEGACY_KERAS": "1" if legacy_env else "0"},
    )
    assert result["class"] == "keras_clr.tf_keras.CyclicalLearningRate"
    assert result["config"] == schedule.get_config()
    assert result["iterations"] == 5
    # Three more steps continue the cycle: steps 5, 6, 7.
    np.testing.assert_allclose(result["weight"], -sum(LRS), rtol=1e-6)


def test_addons_class_saves_and_loads(tmp_path):
    schedule = kt.TriangularCyclicalLearningRate(
        initial_learning_rate=0.1, maximal_learning_rate=0.5, step_size=2
    )
    model = unit_gradient_model(tf_keras.optimizers.SGD(learning_rate=schedule))
    model.fit(*unit_gradient_data(5), batch_size=1, epochs=1, verbose=0)
    path = str(tmp_path / "model.keras")
    model.save(path)
    result = run_fresh(
        LOAD_AND_CONTINUE.format(path=path, custom_objects="None")
    )
    assert result["class"] == (
        "keras_clr.tf_keras.addons.TriangularCyclicalLearningRate"
    )
    assert result["config"] == schedule.get_config()
    np.testing.assert_allclose(result["weight"], -sum(LRS), rtol=1e-6)
