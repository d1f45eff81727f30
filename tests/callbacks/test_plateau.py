import json
import warnings

import keras
import numpy as np
import pytest

import keras_clr
from keras_clr import _keras
from tests.callbacks.conftest import CLR
from tests.callbacks.conftest import final_weight
from tests.conftest import BACKEND
from tests.helpers import unit_gradient_data
from tests.helpers import unit_gradient_model
from tests.oracles import cyclical_reference


def fit_with_plateau(plateau, epochs=4, steps=6, cls=None, **compile_kwargs):
    schedule = (cls or keras_clr.CyclicalLearningRate)(**CLR)
    model = unit_gradient_model(
        keras.optimizers.SGD(schedule), **compile_kwargs
    )
    logger = keras_clr.LearningRateLogger()
    x, y = unit_gradient_data(steps)
    model.fit(
        x,
        y,
        batch_size=2,
        epochs=epochs,
        shuffle=False,
        verbose=0,
        callbacks=[plateau, logger],
    )
    return model, logger


def test_scales_the_bounds_after_patience(trace_counting):
    # The loss keeps falling, but never by min_delta: a plateau each epoch
    # once patience (2 epochs) has run out.
    # Compiled on every backend (PyTorch: torch.compile traces the step).
    jit = True if BACKEND != "tensorflow" else "auto"
    fit_with_plateau(
        keras_clr.ReduceLRBoundsOnPlateau(monitor="loss"),
        cls=trace_counting,
        jit_compile=jit,
    )
    traces_without_change = trace_counting.traces
    assert traces_without_change > 0  # the counter sees this backend
    trace_counting.traces = 0
    plateau = keras_clr.ReduceLRBoundsOnPlateau(
        monitor="loss", factor=0.5, patience=2, min_delta=1e9
    )
    model, logger = fit_with_plateau(
        plateau, cls=trace_counting, jit_compile=jit
    )
    # Epoch 0 improves on nothing; epoch 1 waits (wait 1); epoch 2 reduces
    # (wait 2 >= patience, as Keras); epoch 3 waits.
    assert plateau.history == [(2, 0.5)]
    scale = np.repeat([1.0, 1.0, 1.0, 0.5], 6)
    expected = cyclical_reference(range(24), **CLR) * scale
    np.testing.assert_allclose(logger.history["lr"], expected, rtol=1e-6)
    assert final_weight(model) == pytest.approx(-expected.sum(), rel=1e-5)
    # The change reached the compiled step through the variable: no retrace
    # on TensorFlow and PyTorch; JAX traces once more per change.
    extra = len(plateau.history) if BACKEND == "jax" else 0
    assert trace_counting.traces == traces_without_change * (1 + extra)


def test_min_lr_floors_the_upper_bound():
    plateau = keras_clr.ReduceLRBoundsOnPlateau(
        monitor="loss", factor=0.1, patience=1, min_delta=1e9, min_lr=0.02
    )
    fit_with_plateau(plateau, epochs=4)
    # 0.05 * 0.4 = 0.02: the floor, reached at once and then held.
    assert plateau.history == [(1, pytest.approx(0.4))]


def test_scale_survives_save_and_json(tmp_path):
    plateau = keras_clr.ReduceLRBoundsOnPlateau(
        monitor="loss", factor=0.5, patience=1, min_delta=1e9
    )
    model, _ = fit_with_plateau(plateau, epochs=3)
    schedule = _keras.learning_rate_object(model.optimizer)
    assert isinstance(schedule, keras_clr.AdjustedSchedule)
    assert schedule.get_config()["scale"] == 0.25
    text = json.dumps(keras.saving.serialize_keras_object(schedule))
    restored = keras.saving.deserialize_keras_object(json.loads(text))
    assert float(keras.ops.convert_to_numpy(restored.scale)) == 0.25
    assert float(restored(3)) == pytest.approx(0.05 * 0.25)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    loaded_schedule = _keras.learning_rate_object(loaded.optimizer)
    assert float(keras.ops.convert_to_numpy(loaded_schedule.scale)) == 0.25


def test_refuses_a_float_learning_rate_before_training():
    model = unit_gradient_model(keras.optimizers.SGD(0.1))
    x, y = unit_gradient_data(4)
    with pytest.raises(ValueError, match=r"needs an optimizer whose learning"):
        model.fit(
            x,
            y,
            batch_size=2,
            verbose=0,
            callbacks=[keras_clr.ReduceLRBoundsOnPlateau()],
        )
    assert final_weight(model) == 0.0


@pytest.mark.parametrize("plateau_first", [True, False])
def test_works_with_the_cyclic_lr_shim_in_any_order(plateau_first):
    model = unit_gradient_model(keras.optimizers.SGD(0.1))
    plateau = keras_clr.ReduceLRBoundsOnPlateau(
        monitor="loss", factor=0.5, patience=1, min_delta=1e9
    )
    clr = keras_clr.CyclicLR(**CLR)
    x, y = unit_gradient_data(6)
    callbacks = [plateau, clr] if plateau_first else [clr, plateau]
    model.fit(
        x,
        y,
        batch_size=2,
        epochs=3,
        shuffle=False,
        verbose=0,
        callbacks=callbacks,
    )
    scale = np.repeat([1.0, 1.0, 0.5], 6)
    expected = cyclical_reference(range(18), **CLR) * scale
    np.testing.assert_allclose(clr.history["lr"], expected, rtol=1e-6)


def run_twins(values, monitor, **kwargs):
    """Feeds the same epoch logs to Keras' callback and to ours.

    Keras' `ReduceLROnPlateau` drives a float learning rate equal to the
    schedule's upper bound; ours scales a `CyclicalLearningRate`'s bounds.
    Returns the epochs each reduced at, and the final upper bounds.
    """
    twin = unit_gradient_model(keras.optimizers.SGD(0.05))
    keras_cb = keras.callbacks.ReduceLROnPlateau(monitor=monitor, **kwargs)
    model = unit_gradient_model(
        keras.optimizers.SGD(keras_clr.CyclicalLearningRate(**CLR))
    )
    ours = keras_clr.ReduceLRBoundsOnPlateau(monitor=monitor, **kwargs)
    for callback, target in ((keras_cb, twin), (ours, model)):
        callback.set_model(target)
        callback.on_train_begin()
    keras_epochs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch, value in enumerate(values):
            before = _lr(twin)
            keras_cb.on_epoch_end(epoch, {monitor: value})
            # Keras reduces only while the LR is above min_lr: a reduction
            # always changes it.
            if _lr(twin) != before:
                keras_epochs.append(epoch)
            ours.on_epoch_end(epoch, {monitor: value})
    scale = float(keras.ops.convert_to_numpy(ours.schedule.scale))
    return (
        keras_epochs,
        [epoch for epoch, _ in ours.history],
        _lr(twin),
        CLR["max_lr"] * scale,
    )


def _lr(model):
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


@pytest.mark.parametrize("seed", range(8))
def test_reduces_on_exactly_the_epochs_keras_does(seed):
    rng = np.random.default_rng(seed)
    for _ in range(12):
        mode = str(rng.choice(["auto", "min", "max"]))
        monitor = "val_loss" if mode == "auto" else "score"
        kwargs = dict(
            mode=mode,
            factor=float(rng.choice([0.1, 0.5, 0.8])),
            patience=int(rng.integers(0, 4)),
            cooldown=int(rng.integers(0, 3)),
            min_delta=float(rng.choice([0.0, 1e-4, 0.05, 0.3])),
            min_lr=float(rng.choice([0.0, 0.001, 0.02])),
        )
        # A metric that drifts, stalls (repeated values) and jumps.
        steps = rng.choice([-0.2, -0.04, 0.0, 0.0, 0.03, 0.25], size=30)
        values = np.round(1.0 + np.cumsum(steps), 6).tolist()
        keras_epochs, our_epochs, keras_lr, our_upper = run_twins(
            values, monitor, **kwargs
        )
        assert our_epochs == keras_epochs, (kwargs, values)
        assert our_upper == pytest.approx(keras_lr, rel=1e-6), kwargs


def test_the_first_epochs_as_keras_with_patience_zero_and_one():
    # Hand-checked against Keras' rule (wait >= patience).
    flat = [1.0] * 5
    for patience, expected in (
        (0, [1, 2, 3, 4]),
        (1, [1, 2, 3, 4]),
        (2, [2, 4]),
        (3, [3]),
    ):
        keras_epochs, ours, _, _ = run_twins(
            flat, "loss", patience=patience, factor=0.5
        )
        assert ours == keras_epochs == expected, patience


def test_auto_mode_reads_the_metric_direction():
    model = unit_gradient_model(
        keras.optimizers.SGD(keras_clr.CyclicalLearningRate(**CLR)),
        metrics=["accuracy"],
    )
    x, y = unit_gradient_data(2)
    model.fit(x, y, batch_size=2, verbose=0)  # builds the metrics
    plateau = keras_clr.ReduceLRBoundsOnPlateau(
        monitor="val_accuracy", patience=0, factor=0.5
    )
    plateau.set_model(model)
    plateau.on_train_begin()
    for epoch, value in enumerate([0.5, 0.6, 0.7, 0.4]):
        plateau.on_epoch_end(epoch, {"val_accuracy": value})
    assert [epoch for epoch, _ in plateau.history] == [3]  # it must rise
    unknown = keras_clr.ReduceLRBoundsOnPlateau(monitor="score")
    unknown.set_model(model)
    unknown.on_train_begin()
    with pytest.raises(ValueError, match=r"Pass mode='max' or mode='min'"):
        unknown.on_epoch_end(0, {"score": 1.0})


def test_a_missing_metric_warns():
    plateau = keras_clr.ReduceLRBoundsOnPlateau(monitor="val_loss")
    with pytest.warns(UserWarning, match=r"`val_loss` is not in the logs"):
        fit_with_plateau(plateau, epochs=1)
    assert plateau.history == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            dict(factor=1.0),
            r"Argument `factor` must be in \(0, 1\)\. "
            r"Received: factor=1\.0",
        ),
        (dict(patience=-1), r"Argument `patience` must be an integer >= 0"),
        (dict(cooldown=1.5), r"Argument `cooldown` must be an integer"),
        (dict(mode="up"), r"Argument `mode` must be one of"),
        (dict(min_lr=-1.0), r"Argument `min_lr` must be >= 0"),
        (dict(min_delta=-0.1), r"Argument `min_delta` must be >= 0"),
        (dict(monitor=None), r"Argument `monitor` must be a non-empty str"),
        (dict(monitor=""), r"Argument `monitor` must be a non-empty str"),
        (dict(verbose="yes"), r"Argument `verbose` must be"),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras_clr.ReduceLRBoundsOnPlateau(**kwargs)


@pytest.mark.parametrize("argument", ["monitor", "mode"])
def test_string_arguments_refuse_tensors(argument):
    tensor = keras.ops.convert_to_tensor(1.0)
    with pytest.raises(ValueError, match=rf"Argument `{argument}` must be"):
        keras_clr.ReduceLRBoundsOnPlateau(**{argument: tensor})
