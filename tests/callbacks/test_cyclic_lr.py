import os

import keras
import numpy as np
import pytest

import keras_clr
from keras_clr import _keras
from tests.callbacks.conftest import CLR
from tests.callbacks.conftest import JIT
from tests.callbacks.conftest import SPE
from tests.callbacks.conftest import final_weight
from tests.callbacks.conftest import iterations
from tests.callbacks.conftest import needs_tf
from tests.callbacks.conftest import read_events
from tests.conftest import BACKEND
from tests.helpers import run_fresh
from tests.helpers import unit_gradient_data
from tests.helpers import unit_gradient_model
from tests.oracles import cyclical_reference


def fit(model, clr, steps, epochs=1, **kwargs):
    x, y = unit_gradient_data(steps)
    return model.fit(
        x,
        y,
        batch_size=2,
        epochs=epochs,
        shuffle=False,
        verbose=0,
        callbacks=[clr, *kwargs.pop("more", [])],
        **kwargs,
    )


def test_the_articles_snippet_runs_and_draws_the_triangle():
    # The article's model and call, only the import changed.
    rng = np.random.default_rng(0)
    x = rng.random((4000, 784), dtype=np.float32)
    y = keras.utils.to_categorical(rng.integers(0, 10, 4000), 10)
    model = keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(100, activation="softmax"),
            keras.layers.Dense(50, activation="softmax"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.1),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    clr = keras_clr.CyclicLR(mode="triangular", step_size=10.0)
    model.fit(x, y, batch_size=100, epochs=2, callbacks=[clr], verbose=0)
    assert clr.history["iterations"] == list(range(1, 81))
    np.testing.assert_allclose(
        clr.history["lr"],
        cyclical_reference(range(80), 0.001, 0.006, 10),
        rtol=1e-6,
    )
    assert len(clr.history["loss"]) == len(clr.history["accuracy"]) == 80
    assert max(clr.history["lr"]) == pytest.approx(0.006)


@pytest.mark.parametrize("jit_compile", JIT)
@pytest.mark.parametrize("steps_per_execution", SPE)
def test_every_step_gets_its_lr_no_staircase(steps_per_execution, jit_compile):
    model = unit_gradient_model(
        keras.optimizers.SGD(0.5),
        steps_per_execution=steps_per_execution,
        jit_compile=jit_compile,
    )
    clr = keras_clr.CyclicLR(**CLR)
    fit(model, clr, 32)
    expected = cyclical_reference(range(32), **CLR)
    np.testing.assert_allclose(clr.history["lr"], expected, rtol=1e-6)
    # What the steps applied, seen through the weights (gradient 1).
    assert final_weight(model) == pytest.approx(-expected.sum(), rel=1e-5)
    assert len(clr.history["loss"]) == 32 // steps_per_execution


def test_later_fit_continues_and_reset_restarts():
    model = unit_gradient_model(keras.optimizers.SGD(0.5))
    clr = keras_clr.CyclicLR(**CLR, mode="triangular2")
    fit(model, clr, 10)
    fit(model, clr, 10)
    halving = lambda cycle, step: 0.5 ** (cycle - 1)  # noqa: E731
    first = cyclical_reference(range(20), **CLR, scale=halving)
    np.testing.assert_allclose(clr.history["lr"], first, rtol=1e-6)
    clr.reset(max_lr=0.03, step_size=2)
    fit(model, clr, 10)
    again = cyclical_reference(range(10), 0.01, 0.03, 2, scale=halving)
    np.testing.assert_allclose(clr.history["lr"][20:], again, rtol=1e-6)
    assert clr.history["iterations"][-1] == 30
    total = first.sum() + again.sum()
    assert final_weight(model) == pytest.approx(-total, rel=1e-5)


def test_the_classic_reset_keywords():
    # The classic notebook: `clr._reset(new_base_lr=..., new_max_lr=...)`.
    model = unit_gradient_model(keras.optimizers.SGD(0.5))
    clr = keras_clr.CyclicLR(**CLR)
    fit(model, clr, 4)
    clr._reset(new_base_lr=0.003, new_max_lr=0.009, new_step_size=2)
    assert (clr.base_lr, clr.max_lr, clr.step_size) == (0.003, 0.009, 2)
    fit(model, clr, 6)
    np.testing.assert_allclose(
        clr.history["lr"][4:],
        cyclical_reference(range(6), 0.003, 0.009, 2),
        rtol=1e-6,
    )
    clr._reset()  # no arguments: only restarts the cycle
    fit(model, clr, 3)
    np.testing.assert_allclose(
        clr.history["lr"][10:],
        cyclical_reference(range(3), 0.003, 0.009, 2),
        rtol=1e-6,
    )


def test_a_new_cyclic_lr_replaces_an_earlier_ones_schedule():
    # The notebook habit: a fresh callback for a second fit of the same
    # compiled model restarts at base_lr (the classic callback did).
    model = unit_gradient_model(keras.optimizers.SGD(0.5))
    fit(model, keras_clr.CyclicLR(**CLR), 4)
    second = keras_clr.CyclicLR(base_lr=0.02, max_lr=0.08, step_size=2)
    fit(model, second, 5)
    expected = cyclical_reference(range(5), 0.02, 0.08, 2)
    np.testing.assert_allclose(second.history["lr"], expected, rtol=1e-6)
    assert second.history["iterations"] == [5, 6, 7, 8, 9]
    first = cyclical_reference(range(4), **CLR)
    assert final_weight(model) == pytest.approx(
        -(first.sum() + expected.sum()), rel=1e-5
    )


def test_a_new_cyclic_lr_replaces_a_saved_models_schedule(tmp_path):
    model = unit_gradient_model(keras.optimizers.SGD(0.5))
    fit(model, keras_clr.CyclicLR(**CLR), 4)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    clr = keras_clr.CyclicLR(**CLR)
    fit(loaded, clr, 3)
    np.testing.assert_allclose(
        clr.history["lr"], cyclical_reference(range(3), **CLR), rtol=1e-6
    )


def test_refuses_an_optimizer_with_another_schedule_before_training():
    decay = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    model = unit_gradient_model(keras.optimizers.SGD(decay))
    with pytest.raises(ValueError, match=r"already has a schedule"):
        fit(model, keras_clr.CyclicLR(), 4)
    assert final_weight(model) == 0.0
    assert iterations(model) == 0
    # Also a keras_clr schedule the user chose.
    own = keras_clr.AdjustedSchedule(keras_clr.CyclicalLearningRate())
    model = unit_gradient_model(keras.optimizers.SGD(own))
    with pytest.raises(ValueError, match=r"already has a schedule"):
        fit(model, keras_clr.CyclicLR(), 4)


class HistoryReader(keras.callbacks.Callback):
    """Reads `clr.history` after every batch, as another callback would."""

    def __init__(self, clr):
        super().__init__()
        self.clr = clr
        self.seen = []

    def on_train_batch_end(self, batch, logs=None):
        history = self.clr.history
        self.seen.append(
            (
                list(history.get("iterations", [])),
                list(history.get("lr", [])),
                len(history.get("loss", [])),
            )
        )


@pytest.mark.parametrize("steps_per_execution", SPE)
def test_history_during_training_has_every_completed_step(
    steps_per_execution, monkeypatch
):
    reads = []
    counter = _keras.step_counter

    def counting(optimizer):
        reads.append(1)
        return counter(optimizer)

    monkeypatch.setattr(_keras, "step_counter", counting)
    model = unit_gradient_model(
        keras.optimizers.SGD(0.5), steps_per_execution=steps_per_execution
    )
    clr = keras_clr.CyclicLR(**CLR)
    reader = HistoryReader(clr)
    fit(model, clr, 16, epochs=2, more=[reader])
    expected = cyclical_reference(range(32), **CLR)
    assert len(reader.seen) == 32 // steps_per_execution
    for n, (its, lrs, losses) in enumerate(reader.seen, start=1):
        done = n * steps_per_execution
        assert its == list(range(1, done + 1))
        np.testing.assert_allclose(lrs, expected[:done], rtol=1e-6)
        assert losses == n
    # No device read per batch: the step counter is read when fit starts
    # and at each epoch's begin and end.
    assert len(reads) <= 1 + 2 * 2


def test_non_integral_step_size_as_the_classic_callback():
    model = unit_gradient_model(keras.optimizers.SGD(0.5))
    clr = keras_clr.CyclicLR(base_lr=0.0, max_lr=1.0, step_size=2.5)
    fit(model, clr, 11)
    # The triangle peaks between steps 2 and 3; hand values.
    hand = [0.0, 0.4, 0.8, 0.8, 0.4, 0.0, 0.4, 0.8, 0.8, 0.4, 0.0]
    np.testing.assert_allclose(clr.history["lr"], hand, atol=1e-6)
    assert final_weight(model) == pytest.approx(-sum(hand), rel=1e-5)


@pytest.mark.parametrize("mode", ["triangular2", "exp_range"])
def test_non_integral_step_size_modes(mode):
    gamma = 0.99
    scales = {
        "triangular2": lambda cycle, step: 0.5 ** (cycle - 1),
        "exp_range": lambda cycle, step: gamma**step,
    }
    clr = keras_clr.CyclicLR(0.01, 0.05, step_size=3.5, mode=mode, gamma=gamma)
    model = unit_gradient_model(keras.optimizers.SGD(0.5))
    fit(model, clr, 30)
    expected = cyclical_reference(
        range(30), 0.01, 0.05, 3.5, scale=scales[mode]
    )
    np.testing.assert_allclose(clr.history["lr"], expected, rtol=1e-5)


def test_optimizer_keeps_the_schedule_and_the_model_saves(tmp_path):
    model = unit_gradient_model(keras.optimizers.Adam(0.1))
    clr = keras_clr.CyclicLR(**CLR)
    fit(model, clr, 7)
    assert _keras.learning_rate_object(model.optimizer) is clr.schedule
    next_lr = cyclical_reference([7], **CLR)[0]
    assert float(
        keras.ops.convert_to_numpy(model.optimizer.learning_rate)
    ) == pytest.approx(next_lr, rel=1e-6)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = run_fresh(
        f"""
        import json, keras, keras_clr
        model = keras.models.load_model({path!r})
        lr = model.optimizer.learning_rate
        print(json.dumps(float(keras.ops.convert_to_numpy(lr))))
        """
    )
    assert loaded == pytest.approx(next_lr, rel=1e-6)


@needs_tf
@pytest.mark.skipif(BACKEND != "tensorflow", reason="TF SavedModel")
def test_export_and_checkpoint_after_fit(tmp_path):
    import tensorflow as tf

    model = unit_gradient_model(keras.optimizers.Adam(0.1))
    fit(model, keras_clr.CyclicLR(**CLR), 5)
    model.export(str(tmp_path / "exported"), verbose=False)
    served = tf.saved_model.load(str(tmp_path / "exported"))
    out = served.serve(tf.ones((1, 1)))
    np.testing.assert_allclose(
        out.numpy(), keras.ops.convert_to_numpy(model(np.ones((1, 1))))
    )
    prefix = tf.train.Checkpoint(model=model, optimizer=model.optimizer).save(
        str(tmp_path / "ckpt" / "c")
    )
    # Restored into a twin set up the same way (the callback installed).
    twin = unit_gradient_model(keras.optimizers.Adam(0.1))
    fit(twin, keras_clr.CyclicLR(**CLR), 1)
    tf.train.Checkpoint(model=twin, optimizer=twin.optimizer).restore(
        prefix
    ).assert_existing_objects_matched()
    assert final_weight(twin) == final_weight(model)
    assert iterations(twin) == 5


class StopAtEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("interrupted")


def test_backup_and_restore_resumes_the_cycle(tmp_path):
    backup = str(tmp_path / "backup")
    model = unit_gradient_model(keras.optimizers.SGD(0.5))
    clr = keras_clr.CyclicLR(**CLR)
    interrupted = [keras.callbacks.BackupAndRestore(backup), StopAtEpoch(2)]
    with pytest.raises(RuntimeError, match="interrupted"):
        fit(model, clr, 4, epochs=3, more=interrupted)
    assert os.listdir(backup)
    # A fresh process would build all of this anew.
    model = unit_gradient_model(keras.optimizers.SGD(0.5))
    clr = keras_clr.CyclicLR(**CLR)
    fit(
        model, clr, 4, epochs=3, more=[keras.callbacks.BackupAndRestore(backup)]
    )
    expected = cyclical_reference(range(12), **CLR)
    assert clr.history["iterations"] == list(range(9, 13))
    np.testing.assert_allclose(clr.history["lr"], expected[8:], rtol=1e-6)
    assert final_weight(model) == pytest.approx(-expected.sum(), rel=1e-5)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(step_size=0), r"Argument `step_size` must be > 0"),
        (dict(step_size="2"), r"Argument `step_size` must be a number"),
        (dict(base_lr=0.1, max_lr=0.01), r"`max_lr` must be >= `base_lr`"),
        (dict(mode="tri"), r"Argument `mode` must be one of"),
        (dict(scale_mode="bogus"), r"Argument `scale_mode` must be one of"),
        (dict(gamma=1.5), r"Argument `gamma` must be in"),
        (dict(scale_fn=lambda x: 1.0), r"cannot be a lambda"),
        (dict(chief_only="yes"), r"Argument `chief_only` must be True or"),
        (dict(log_dir=3), r"Argument `log_dir` must be a path"),
    ],
)
def test_invalid_arguments_fail_at_construction(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras_clr.CyclicLR(**kwargs)


@pytest.mark.parametrize("argument", ["mode", "scale_mode"])
def test_string_arguments_refuse_tensors(argument):
    tensor = keras.ops.convert_to_tensor(1.0)
    with pytest.raises(
        ValueError,
        match=rf"Argument `{argument}` must be one of .* of type \w+",
    ):
        keras_clr.CyclicLR(**{argument: tensor})
    # A 0-d tensor is a number (as a NumPy scalar is); more is refused.
    clr = keras_clr.CyclicLR(base_lr=keras.ops.convert_to_tensor(0.002))
    config = clr.schedule.get_config()["schedule"]["config"]
    assert type(config["base_lr"]) is float
    with pytest.raises(ValueError, match=r"Argument `base_lr` must be a"):
        keras_clr.CyclicLR(base_lr=keras.ops.ones((2,)))


def test_a_failed_reset_keeps_the_previous_state():
    model = unit_gradient_model(keras.optimizers.SGD(0.5))
    clr = keras_clr.CyclicLR(**CLR)
    fit(model, clr, 4)
    schedule = clr.schedule
    with pytest.raises(ValueError, match=r"Argument `base_lr` must be a"):
        clr.reset(base_lr="x")
    with pytest.raises(ValueError, match=r"`max_lr` must be >= `base_lr`"):
        clr._reset(new_max_lr=0.001)
    assert (clr.base_lr, clr.max_lr, clr.step_size) == (0.01, 0.05, 3)
    assert clr.schedule is schedule
    clr.reset()  # still works
    fit(model, clr, 3)
    np.testing.assert_allclose(
        clr.history["lr"][4:], cyclical_reference(range(3), **CLR), rtol=1e-6
    )


def test_per_step_scalars_in_tensorboard(tmp_path):
    model = unit_gradient_model(keras.optimizers.SGD(0.5))
    clr = keras_clr.CyclicLR(**CLR, log_dir=str(tmp_path))
    fit(model, clr, 9)
    scalars = read_events(str(tmp_path))["learning_rate"]
    assert sorted(scalars) == list(range(1, 10))
    np.testing.assert_allclose(
        [scalars[s] for s in range(1, 10)],
        cyclical_reference(range(9), **CLR),
        rtol=1e-6,
    )


def test_a_non_integral_schedule_saves_and_loads(tmp_path):
    model = unit_gradient_model(keras.optimizers.SGD(0.5))
    fit(model, keras_clr.CyclicLR(base_lr=0.0, max_lr=1.0, step_size=2.5), 2)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    # The next step is step 2 of the triangle: 0.8 (hand value).
    lr = keras.ops.convert_to_numpy(loaded.optimizer.learning_rate)
    assert float(lr) == pytest.approx(0.8, rel=1e-6)
    config = _keras.learning_rate_object(loaded.optimizer).get_config()
    assert config["schedule"]["config"]["step_size"] == 2.5


def test_non_integral_step_size_errors_name_the_callbacks_arguments():
    with pytest.raises(ValueError, match=r"`max_lr` must be >= `base_lr`"):
        keras_clr.CyclicLR(base_lr=1.0, max_lr=0.5, step_size=2.5)
