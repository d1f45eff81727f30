import keras
import numpy as np
import pytest

import keras_clr
from tests.conftest import BACKEND
from tests.helpers import read_scalars
from tests.helpers import unit_gradient_data
from tests.helpers import unit_gradient_model
from tests.oracles import cyclical_reference

CLR = dict(base_lr=0.01, max_lr=0.05, step_size=3, step_size_down=5)
SPE = [1, 8] if BACKEND != "torch" else [1]


def final_weight(model):
    return float(keras.ops.convert_to_numpy(model.weights[0]).item())


@pytest.mark.parametrize("steps_per_execution", SPE)
def test_history_has_the_lr_of_every_step(steps_per_execution):
    model = unit_gradient_model(
        keras.optimizers.SGD(keras_clr.CyclicalLearningRate(**CLR)),
        steps_per_execution=steps_per_execution,
    )
    logger = keras_clr.LearningRateLogger()
    x, y = unit_gradient_data(20)
    history = model.fit(x, y, batch_size=2, epochs=2, shuffle=False,
                        callbacks=[logger], verbose=0)  # fmt: skip
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
    x, y = unit_gradient_data(4)
    model.fit(x, y, batch_size=2, epochs=3, shuffle=False, verbose=0,
              callbacks=[scheduler, logger])  # fmt: skip
    expected = [0.1] * 4 + [0.05] * 4 + [0.1 / 3] * 4
    np.testing.assert_allclose(logger.history["lr"], expected, rtol=1e-6)
    assert final_weight(model) == pytest.approx(-sum(expected), rel=1e-5)


@pytest.mark.parametrize("steps_per_execution", SPE)
def test_per_step_scalars_in_tensorboard(tmp_path, steps_per_execution):
    log_dir = str(tmp_path / "lr")
    model = unit_gradient_model(
        keras.optimizers.Adam(keras_clr.CyclicalLearningRate(**CLR)),
        steps_per_execution=steps_per_execution,
    )
    x, y = unit_gradient_data(24)
    logger = keras_clr.LearningRateLogger(log_dir=log_dir)
    model.fit(x, y, batch_size=2, shuffle=False, verbose=0,
              callbacks=[logger])  # fmt: skip
    scalars = read_scalars(log_dir, "learning_rate")
    assert sorted(scalars) == list(range(1, 25))
    expected = cyclical_reference(range(24), **CLR)
    np.testing.assert_allclose(
        [scalars[s] for s in range(1, 25)], expected, rtol=1e-6
    )


def test_keras_tensorboard_batch_logs_get_the_lr(tmp_path):
    model = unit_gradient_model(
        keras.optimizers.SGD(keras_clr.CyclicalLearningRate(**CLR))
    )
    x, y = unit_gradient_data(10)
    board = keras.callbacks.TensorBoard(str(tmp_path), update_freq="batch")
    # The logger must run before TensorBoard reads the batch logs.
    model.fit(x, y, batch_size=2, shuffle=False, verbose=0,
              callbacks=[keras_clr.LearningRateLogger(), board])  # fmt: skip
    scalars = read_scalars(str(tmp_path / "train"), "batch_learning_rate")
    expected = cyclical_reference(range(10), **CLR)
    assert sorted(scalars) == list(range(1, 11))
    np.testing.assert_allclose(
        [scalars[s] for s in range(1, 11)], expected, rtol=1e-6
    )


def test_a_failure_writing_events_is_reported_and_training_goes_on(tmp_path):
    model = unit_gradient_model(
        keras.optimizers.SGD(keras_clr.CyclicalLearningRate(**CLR))
    )
    logger = keras_clr.LearningRateLogger(log_dir=str(tmp_path / "lr"))

    class BrokenWriter:
        def as_default(self):
            raise OSError("disk full")

    x, y = unit_gradient_data(6)
    logger._writer = BrokenWriter()
    with pytest.warns(RuntimeWarning, match="disk full"):
        model.fit(x, y, batch_size=2, shuffle=False, verbose=0,
                  callbacks=[logger])  # fmt: skip
    assert "disk full" in logger.history["errors"][0]
    assert len(logger.history["lr"]) == 6
    assert final_weight(model) == pytest.approx(
        -sum(cyclical_reference(range(6), **CLR)), rel=1e-5
    )


def test_invalid_arguments(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(ValueError, match=r"Argument `log_dir` must be a dir"):
        keras_clr.LearningRateLogger(log_dir=str(a_file))
    with pytest.raises(ValueError, match=r"Argument `name` must be"):
        keras_clr.LearningRateLogger(name="")


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.data")
def test_epoch_of_unknown_length_ending_inside_an_execution():
    import tensorflow as tf

    x, y = unit_gradient_data(20)
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(2)
    data = data.filter(lambda *_: True)  # the length is now unknown
    model = unit_gradient_model(
        keras.optimizers.SGD(keras_clr.CyclicalLearningRate(**CLR)),
        steps_per_execution=8,
    )
    logger = keras_clr.LearningRateLogger()
    model.fit(data, epochs=2, verbose=0, callbacks=[logger])
    assert logger.history["iterations"] == list(range(1, 41))
    np.testing.assert_allclose(
        logger.history["lr"], cyclical_reference(range(40), **CLR), rtol=1e-6
    )


@pytest.mark.skipif(BACKEND == "torch", reason="float16 matmul on torch CPU")
def test_under_a_loss_scale_optimizer():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = unit_gradient_model(
            keras.optimizers.SGD(keras_clr.CyclicalLearningRate(**CLR))
        )
        logger = keras_clr.LearningRateLogger()
        x, y = unit_gradient_data(12)
        model.fit(x, y, batch_size=2, shuffle=False, verbose=0,
                  callbacks=[logger])  # fmt: skip
    finally:
        keras.config.set_dtype_policy(previous)
    assert logger.history["iterations"] == list(range(1, 13))
    np.testing.assert_allclose(
        logger.history["lr"], cyclical_reference(range(12), **CLR), rtol=1e-6
    )
