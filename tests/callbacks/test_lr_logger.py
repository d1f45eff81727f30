import os
import warnings

import keras
import numpy as np
import pytest

import keras_clr
from keras_clr import _keras as _distribute
from tests.callbacks.conftest import SPE
from tests.callbacks.conftest import final_weight
from tests.callbacks.conftest import needs_tf
from tests.callbacks.conftest import read_descriptions
from tests.callbacks.conftest import read_events
from tests.conftest import BACKEND
from tests.helpers import run_fresh
from tests.helpers import unit_gradient_data
from tests.helpers import unit_gradient_model
from tests.oracles import cyclical_reference

CLR = dict(base_lr=0.01, max_lr=0.05, step_size=3, step_size_down=5)


def clr_model(**compile_kwargs):
    return unit_gradient_model(
        keras.optimizers.SGD(keras_clr.CyclicalLearningRate(**CLR)),
        **compile_kwargs,
    )


def fit(model, callbacks, steps, epochs=1):
    x, y = unit_gradient_data(steps)
    return model.fit(
        x,
        y,
        batch_size=2,
        epochs=epochs,
        shuffle=False,
        verbose=0,
        callbacks=callbacks,
    )


@pytest.mark.parametrize("steps_per_execution", SPE)
def test_history_has_the_lr_of_every_step(steps_per_execution):
    model = clr_model(steps_per_execution=steps_per_execution)
    logger = keras_clr.LearningRateLogger()
    history = fit(model, [logger], 20, epochs=2)
    assert logger.history["iterations"] == list(range(1, 41))
    np.testing.assert_allclose(
        logger.history["lr"], cyclical_reference(range(40), **CLR), rtol=1e-6
    )
    # The weights moved by exactly the recorded LRs (gradient 1).
    assert final_weight(model) == pytest.approx(
        -sum(logger.history["lr"]), rel=1e-5
    )
    # Epoch logs: the LR the epoch's last step applied.
    np.testing.assert_allclose(
        history.history["learning_rate"],
        [logger.history["lr"][19], logger.history["lr"][39]],
    )


def test_plain_learning_rate_changed_by_another_callback():
    model = unit_gradient_model(keras.optimizers.SGD(0.1))
    logger = keras_clr.LearningRateLogger()
    # Keras' scheduler sets a float LR at each epoch begin.
    scheduler = keras.callbacks.LearningRateScheduler(lambda e: 0.1 / (e + 1))
    fit(model, [scheduler, logger], 4, epochs=3)
    expected = [0.1] * 4 + [0.05] * 4 + [0.1 / 3] * 4
    np.testing.assert_allclose(logger.history["lr"], expected, rtol=1e-6)
    assert final_weight(model) == pytest.approx(-sum(expected), rel=1e-5)


@pytest.mark.parametrize("steps_per_execution", SPE)
def test_per_step_and_epoch_scalars_in_tensorboard(
    tmp_path, steps_per_execution
):
    log_dir = str(tmp_path / "lr")
    model = clr_model(steps_per_execution=steps_per_execution)
    logger = keras_clr.LearningRateLogger(log_dir=log_dir)
    history = fit(model, [logger], 12, epochs=2)
    events = read_events(log_dir)
    scalars = events["learning_rate"]
    assert sorted(scalars) == list(range(1, 25))
    expected = cyclical_reference(range(24), **CLR)
    np.testing.assert_allclose(
        [scalars[s] for s in range(1, 25)], expected, rtol=1e-6
    )
    # The epoch scalar says which LR it is: the epoch's last step's, as in
    # History (Keras' TensorBoard `epoch_learning_rate` is the next one's).
    epoch = events["learning_rate_of_last_step"]
    np.testing.assert_allclose([epoch[0], epoch[1]], expected[[11, 23]])
    np.testing.assert_allclose(
        history.history["learning_rate"], expected[[11, 23]]
    )
    description = read_descriptions(log_dir)["learning_rate_of_last_step"]
    assert "last optimizer step" in description
    assert "epoch_learning_rate" in description


@needs_tf
@pytest.mark.parametrize("make", ["logger", "cyclic_lr"])
def test_keras_tensorboard_gets_the_batch_lr_from_a_callback_before_it(
    tmp_path, make
):
    if make == "logger":
        model = clr_model()
        ours = keras_clr.LearningRateLogger()
        expected = cyclical_reference(range(11), **CLR)
    else:
        model = unit_gradient_model(keras.optimizers.SGD(0.5))
        ours = keras_clr.CyclicLR(base_lr=0.01, max_lr=0.05, step_size=3)
        expected = cyclical_reference(range(11), 0.01, 0.05, 3)
    board = keras.callbacks.TensorBoard(str(tmp_path), update_freq="batch")
    callbacks = [ours, board]
    fit(model, callbacks, 10)
    events = read_events(str(tmp_path / "train"))
    scalars = events["batch_learning_rate"]
    assert sorted(scalars) == list(range(1, 11))
    np.testing.assert_allclose(
        [scalars[s] for s in range(1, 11)], expected[:10], rtol=1e-6
    )
    # Keras' own epoch value: the LR of the next step (step 10).
    np.testing.assert_allclose(
        events["epoch_learning_rate"][0], expected[10], rtol=1e-6
    )
    assert callbacks == [ours, board]  # the user's list is untouched


class FailingWriter:
    def __init__(self, message):
        self.message = message

    def scalars(self, *args):
        raise OSError(self.message)

    def flush(self):
        pass


def test_a_write_failure_warns_once_per_cause_in_two_lines(tmp_path):
    model = clr_model()
    log_dir = str(tmp_path / "lr")
    logger = keras_clr.LearningRateLogger(log_dir=log_dir)
    logger._writer = FailingWriter("disk full\n" + "stack line\n" * 70)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(model, [logger], 6, epochs=3)
    ours = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(ours) == 1
    message = str(ours[0].message)
    assert len(message.splitlines()) <= 2
    assert "OSError: disk full" in message and log_dir in message
    assert len(logger.errors) == 6  # every failed write is kept
    assert len(logger.history["lr"]) == 18
    # A different cause warns again.
    logger._writer = FailingWriter("permission denied")
    with pytest.warns(RuntimeWarning, match="permission denied"):
        fit(model, [logger], 2)
    assert final_weight(model) == pytest.approx(
        -sum(cyclical_reference(range(20), **CLR)), rel=1e-5
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(name=""), r"Argument `name` must be a non-empty string"),
        (dict(name=3), r"Argument `name` must be a non-empty string"),
        (dict(name="loss"), r"Argument `name` must not be a name Keras"),
        (dict(name="val_lr"), r"Argument `name` must not be a name Keras"),
        (dict(log_dir=7), r"Argument `log_dir` must be a path"),
        (dict(chief_only=1), r"Argument `chief_only` must be True or False"),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras_clr.LearningRateLogger(**kwargs)


def test_log_dir_that_is_a_file_and_tensor_names(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(ValueError, match=r"Argument `log_dir` must be a dir"):
        keras_clr.LearningRateLogger(log_dir=str(a_file))
    tensor = keras.ops.convert_to_tensor(1.0)
    with pytest.raises(ValueError, match=r"Argument `name` must be"):
        keras_clr.LearningRateLogger(name=tensor)


def test_a_name_colliding_with_a_metric_is_refused_before_training():
    model = unit_gradient_model(keras.optimizers.SGD(0.1), metrics=["mae"])
    logger = keras_clr.LearningRateLogger(name="mae")
    with pytest.raises(ValueError, match=r"name of one of the model's metr"):
        fit(model, [logger], 4)
    assert final_weight(model) == 0.0


def test_missing_tensorboard_says_what_to_install(monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto", None)
    with pytest.raises(ImportError, match=r"pip install tensorboard"):
        keras_clr.LearningRateLogger(log_dir=str(tmp_path))
    keras_clr.LearningRateLogger()  # no log_dir: no need


@pytest.mark.parametrize("index, writes", [(0, True), (1, False)])
def test_chief_only_writes_from_worker_zero(tmp_path, worker, index, writes):
    worker(index)
    model = clr_model()
    logger = keras_clr.LearningRateLogger(log_dir=str(tmp_path))
    clr_dir = str(tmp_path / "clr")
    clr = keras_clr.CyclicLR(log_dir=clr_dir)
    fit(model, [logger], 5)
    fit(unit_gradient_model(keras.optimizers.SGD(0.1)), [clr], 5)
    assert bool(read_events(str(tmp_path))) == writes
    assert bool(read_events(clr_dir)) == writes
    # Every worker keeps the LRs it applied.
    np.testing.assert_allclose(
        logger.history["lr"], cyclical_reference(range(5), **CLR), rtol=1e-6
    )
    assert len(clr.history["lr"]) == 5


def test_chief_only_false_writes_from_every_worker(tmp_path, worker):
    worker(3)
    logger = keras_clr.LearningRateLogger(
        log_dir=str(tmp_path), chief_only=False
    )
    fit(clr_model(), [logger], 5)
    assert sorted(read_events(str(tmp_path))["learning_rate"]) == [
        1,
        2,
        3,
        4,
        5,
    ]


@pytest.mark.skipif(BACKEND == "tensorflow", reason="JAX and PyTorch")
def test_events_without_importing_tensorflow(tmp_path):
    # A fresh process: nothing in keras_clr may import TensorFlow here.
    found = run_fresh(
        f"""
        import json, sys
        import keras, numpy as np
        import keras_clr
        model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.SGD(
            keras_clr.CyclicalLearningRate(0.1, 0.5, 2)), loss="mse")
        logger = keras_clr.LearningRateLogger(log_dir={str(tmp_path)!r})
        model.fit(np.ones((8, 1)), np.ones((8, 1)), batch_size=2,
                  callbacks=[logger], verbose=0)
        print(json.dumps("tensorflow" in sys.modules))
        """
    )
    assert found is False
    scalars = read_events(str(tmp_path))["learning_rate"]
    np.testing.assert_allclose(
        [scalars[s] for s in (1, 2, 3, 4)], [0.1, 0.3, 0.5, 0.3], rtol=1e-6
    )


def test_worker_index_per_backend(monkeypatch):
    assert _distribute.worker_index() == 0
    if BACKEND == "jax":
        import jax

        monkeypatch.setattr(jax, "process_index", lambda: 2)
    elif BACKEND == "torch":
        import torch.distributed as dist

        monkeypatch.setattr(dist, "is_initialized", lambda: True)
        monkeypatch.setattr(dist, "get_rank", lambda: 2)
    else:
        monkeypatch.setenv(
            "TF_CONFIG",
            '{"cluster": {"worker": ["a:1", "b:2", "c:3"]},'
            ' "task": {"type": "worker", "index": 2}}',
        )
    assert _distribute.worker_index() == 2
    assert not _distribute.is_chief()


@pytest.mark.skipif(BACKEND != "tensorflow", reason="TF_CONFIG")
@pytest.mark.parametrize(
    "task, index",
    [
        ('{"type": "chief", "index": 0}', 0),
        ('{"type": "worker", "index": 0}', 1),
        ('{"type": "evaluator", "index": 0}', 1),
    ],
)
def test_tf_config_with_a_chief(monkeypatch, task, index):
    monkeypatch.setenv(
        "TF_CONFIG",
        '{"cluster": {"chief": ["a:1"], "worker": ["b:2"]}, "task": '
        + task
        + "}",
    )
    assert _distribute.worker_index() == index


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.data")
def test_epoch_of_unknown_length_ending_inside_an_execution():
    import tensorflow as tf

    x, y = unit_gradient_data(20)
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(2)
    data = data.filter(lambda *_: True)  # the length is now unknown
    model = clr_model(steps_per_execution=8)
    logger = keras_clr.LearningRateLogger()
    model.fit(data, epochs=2, verbose=0, callbacks=[logger])
    assert logger.history["iterations"] == list(range(1, 41))
    np.testing.assert_allclose(
        logger.history["lr"], cyclical_reference(range(40), **CLR), rtol=1e-6
    )


@pytest.mark.skipif(BACKEND == "torch", reason="float16 matmul on torch CPU")
def test_under_a_loss_scale_optimizer(mixed_float16):
    model = clr_model()
    logger = keras_clr.LearningRateLogger()
    fit(model, [logger], 12)
    assert logger.history["iterations"] == list(range(1, 13))
    np.testing.assert_allclose(
        logger.history["lr"], cyclical_reference(range(12), **CLR), rtol=1e-6
    )


def test_event_file_is_in_log_dir(tmp_path):
    logger = keras_clr.LearningRateLogger(log_dir=str(tmp_path / "new"))
    fit(clr_model(), [logger], 2)
    names = os.listdir(tmp_path / "new")
    assert len(names) == 1 and names[0].startswith("events.out.tfevents.")
