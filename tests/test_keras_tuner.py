"""The KerasTuner example: a tiny search that tunes the CLR schedule."""

import importlib.util
import os

import keras
import numpy as np
import pytest

import keras_clr
from keras_clr import _keras

keras_tuner = pytest.importorskip("keras_tuner")

EXAMPLE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    "examples",
    "keras_tuner_clr.py",
)


def load_example():
    spec = importlib.util.spec_from_file_location("keras_tuner_clr", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def schedule_of(model):
    return _keras.learning_rate_object(model.optimizer)


def test_build_makes_the_schedule_from_the_trial_values():
    example = load_example()
    hypermodel = example.CyclicalLRHyperModel(steps_per_epoch=7)
    hp = keras_tuner.HyperParameters()
    hp.Fixed("base_lr", 2e-4)
    hp.Fixed("max_lr", 5e-3)
    hp.Fixed("step_size_epochs", 3)
    schedule = schedule_of(hypermodel.build(hp))
    assert isinstance(schedule, keras_clr.CyclicalLearningRate)
    assert (schedule.base_lr, schedule.max_lr, schedule.step_size) == (
        2e-4,
        5e-3,
        21,
    )


def test_tiny_search(tmp_path):
    example = load_example()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 784)).astype("float32")
    y = rng.integers(0, 10, size=64)
    steps_per_epoch = 4  # 48 samples, batch 12
    tuner = keras_tuner.RandomSearch(
        example.CyclicalLRHyperModel(steps_per_epoch),
        objective="val_loss",
        max_trials=3,
        seed=1,
        directory=str(tmp_path),
        project_name="clr",
    )
    tuner.search(
        x[:48],
        y[:48],
        batch_size=12,
        epochs=1,
        validation_data=(x[48:], y[48:]),
        verbose=0,
    )
    trials = tuner.oracle.get_best_trials(num_trials=3)
    assert len(trials) == 3
    # Random search drew different schedules, each within its range.
    values = {tuple(sorted(t.hyperparameters.values.items())) for t in trials}
    assert len(values) == 3
    for trial in trials:
        hp = trial.hyperparameters.values
        assert 1e-4 <= hp["base_lr"] <= 1e-3 <= hp["max_lr"] <= 1e-2
        assert 1 <= hp["step_size_epochs"] <= 4
        assert np.isfinite(trial.score)
    # The best model comes back with the best trial's schedule in its
    # optimizer: KerasTuner rebuilds it with build(hp), then loads weights.
    best = tuner.get_best_hyperparameters(1)[0].values
    model = tuner.get_best_models(1)[0]
    schedule = schedule_of(model)
    assert isinstance(schedule, keras_clr.CyclicalLearningRate)
    assert schedule.base_lr == best["base_lr"]
    assert schedule.max_lr == best["max_lr"]
    assert schedule.step_size == best["step_size_epochs"] * steps_per_epoch
    assert isinstance(model, keras.Model)
