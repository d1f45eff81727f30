"""keras_clr.tf_keras in tf_keras training, saving and loading."""

import numpy as np
import pytest

from tests.helpers import run_fresh
from tests.tf_keras.conftest import require_tf_keras

tf_keras = require_tf_keras()

import keras_clr.tf_keras as kt  # noqa: E402
from tests.policies import third_per_cycle  # noqa: E402

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
import tests.policies  # registers the scale_fn some twins use
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


TWINS = [
    (kt.CyclicalLearningRate, dict(base_lr=0.1, max_lr=0.5, step_size=2)),
    (
        kt.addons.CyclicalLearningRate,
        dict(
            initial_learning_rate=0.1,
            maximal_learning_rate=0.5,
            step_size=2,
            scale_fn=third_per_cycle,
        ),
    ),
    (
        kt.addons.TriangularCyclicalLearningRate,
        dict(initial_learning_rate=0.1, maximal_learning_rate=0.5, step_size=2),
    ),
    (
        kt.addons.Triangular2CyclicalLearningRate,
        dict(initial_learning_rate=0.1, maximal_learning_rate=0.5, step_size=2),
    ),
    (
        kt.addons.ExponentialCyclicalLearningRate,
        dict(
            initial_learning_rate=0.1,
            maximal_learning_rate=0.5,
            step_size=2,
            gamma=0.5,
        ),
    ),
    (kt.OneCycle, dict(max_lr=0.5, total_steps=12)),
]


# Every twin, in both of tf_keras' formats, in a fresh process without
# `custom_objects`: `.keras` finds it by registered name, `.h5` (the
# legacy loader) by class name. The optimizer state comes back with it.
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize(
    "twin, kwargs",
    TWINS,
    ids=[t.__module__ + "." + t.__name__ for t, _ in TWINS],
)
def test_every_twin_saves_and_loads_in_a_fresh_process(
    tmp_path, suffix, twin, kwargs
):
    schedule = twin(**kwargs, name="my_schedule")
    model = unit_gradient_model(
        tf_keras.optimizers.SGD(learning_rate=schedule, momentum=0.5)
    )
    model.fit(*unit_gradient_data(5), batch_size=1, epochs=1, verbose=0)
    path = str(tmp_path / f"model{suffix}")
    model.save(path)
    result = run_fresh(
        LOAD_AND_CONTINUE.format(path=path, custom_objects="None")
    )
    assert result["class"] == f"{twin.__module__}.{twin.__name__}"
    assert result["config"] == schedule.get_config()
    assert result["iterations"] == 5
    # The momentum slot came back: three more steps from the saved state
    # end where three more steps here end.
    model.fit(
        np.ones((3, 1), "float32"),
        np.full((3, 1), -1e6, "float32"),
        batch_size=1,
        epochs=1,
        verbose=0,
    )
    np.testing.assert_allclose(
        result["weight"], float(model.get_weights()[0].item()), rtol=1e-6
    )


@pytest.mark.parametrize(
    "legacy_env", [False, True], ids=["tf_keras", "tf.keras"]
)
def test_save_and_load_through_tf_keras_and_tf_keras_legacy_env(
    tmp_path, legacy_env
):
    schedule = kt.CyclicalLearningRate(0.1, 0.5, step_size=2, name="my_clr")
    model = unit_gradient_model(tf_keras.optimizers.SGD(learning_rate=schedule))
    model.fit(*unit_gradient_data(5), batch_size=1, epochs=1, verbose=0)
    path = str(tmp_path / "model.h5")
    model.save(path)
    result = run_fresh(
        LOAD_AND_CONTINUE.format(path=path, custom_objects="None"),
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
