import json

import keras
import numpy as np
import pytest

import keras_clr
from tests.conftest import BACKEND
from tests.helpers import unit_gradient_data
from tests.helpers import unit_gradient_model
from tests.oracles import cyclical_reference

CLR = dict(base_lr=0.01, max_lr=0.05, step_size=3)


class TraceCounting(keras_clr.CyclicalLearningRate):
    """Counts the calls made while TensorFlow traces a function."""

    traces = 0

    def __call__(self, step):
        if BACKEND == "tensorflow":
            import tensorflow as tf

            TraceCounting.traces += tf.inside_function()
        return super().__call__(step)


def fit_with_plateau(plateau, epochs=4, steps=6, cls=None):
    schedule = (cls or keras_clr.CyclicalLearningRate)(**CLR)
    model = unit_gradient_model(keras.optimizers.SGD(schedule))
    logger = keras_clr.LearningRateLogger()
    x, y = unit_gradient_data(steps)
    model.fit(x, y, batch_size=2, epochs=epochs, shuffle=False, verbose=0,
              callbacks=[plateau, logger])  # fmt: skip
    return model, logger


def test_scales_the_bounds_after_patience_without_retrace():
    # The loss keeps falling, but never by min_delta: a plateau each epoch
    # once patience (1 epoch) has run out.
    TraceCounting.traces = 0
    fit_with_plateau(
        keras_clr.ReduceLRBoundsOnPlateau(monitor="loss"), cls=TraceCounting
    )
    traces_without_change = TraceCounting.traces
    TraceCounting.traces = 0
    plateau = keras_clr.ReduceLRBoundsOnPlateau(
        monitor="loss", factor=0.5, patience=1, min_delta=1e9
    )
    model, logger = fit_with_plateau(plateau, cls=TraceCounting)
    # Epoch 0 improves on +inf; epoch 1 waits; epoch 2 reduces; epoch 3
    # waits (patience 1).
    assert plateau.history == [(2, 0.5)]
    scale = np.repeat([1.0, 1.0, 1.0, 0.5], 6)
    expected = cyclical_reference(range(24), **CLR) * scale
    np.testing.assert_allclose(logger.history["lr"], expected, rtol=1e-6)
    weight = float(keras.ops.convert_to_numpy(model.weights[0]).item())
    assert weight == pytest.approx(-expected.sum(), rel=1e-5)
    # The change reached the compiled step through the variable: no retrace.
    assert TraceCounting.traces == traces_without_change


def test_min_lr_floors_the_upper_bound():
    plateau = keras_clr.ReduceLRBoundsOnPlateau(
        monitor="loss", factor=0.1, patience=0, min_delta=1e9, min_lr=0.02
    )
    fit_with_plateau(plateau, epochs=4)
    # 0.05 * 0.4 = 0.02: the floor, reached at once and then held.
    assert plateau.history == [(1, pytest.approx(0.4))]


def test_scale_survives_save_and_json(tmp_path):
    plateau = keras_clr.ReduceLRBoundsOnPlateau(
        monitor="loss", factor=0.5, patience=0, min_delta=1e9
    )
    model, _ = fit_with_plateau(plateau, epochs=3)
    schedule = model.optimizer._learning_rate
    assert isinstance(schedule, keras_clr.AdjustedSchedule)
    assert schedule.get_config()["scale"] == 0.25
    text = json.dumps(keras.saving.serialize_keras_object(schedule))
    restored = keras.saving.deserialize_keras_object(json.loads(text))
    assert float(keras.ops.convert_to_numpy(restored.scale)) == 0.25
    assert float(restored(3)) == pytest.approx(0.05 * 0.25)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path).optimizer._learning_rate
    assert float(keras.ops.convert_to_numpy(loaded.scale)) == 0.25


def test_refuses_a_float_learning_rate_before_training():
    model = unit_gradient_model(keras.optimizers.SGD(0.1))
    x, y = unit_gradient_data(4)
    with pytest.raises(ValueError, match=r"needs an optimizer whose learning"):
        model.fit(x, y, batch_size=2, verbose=0,
                  callbacks=[keras_clr.ReduceLRBoundsOnPlateau()])  # fmt: skip
    assert float(keras.ops.convert_to_numpy(model.weights[0]).item()) == 0.0


def test_works_with_the_cyclic_lr_shim_in_any_order():
    model = unit_gradient_model(keras.optimizers.SGD(0.1))
    plateau = keras_clr.ReduceLRBoundsOnPlateau(
        monitor="loss", factor=0.5, patience=0, min_delta=1e9
    )
    clr = keras_clr.CyclicLR(**CLR)
    x, y = unit_gradient_data(6)
    model.fit(x, y, batch_size=2, epochs=3, shuffle=False, verbose=0,
              callbacks=[plateau, clr])  # fmt: skip
    scale = np.repeat([1.0, 1.0, 0.5], 6)
    expected = cyclical_reference(range(18), **CLR) * scale
    np.testing.assert_allclose(clr.history["lr"], expected, rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(factor=1.0), r"Argument `factor` must be in \(0, 1\)\. "
         r"Received: factor=1\.0"),
        (dict(patience=-1), r"Argument `patience` must be an integer >= 0"),
        (dict(cooldown=1.5), r"Argument `cooldown` must be an integer"),
        (dict(mode="up"), r"Argument `mode` must be one of"),
        (dict(min_lr=-1.0), r"Argument `min_lr` must be >= 0"),
    ],
)  # fmt: skip
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras_clr.ReduceLRBoundsOnPlateau(**kwargs)
