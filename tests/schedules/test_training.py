"""The schedule inside `model.fit`, checked through the weights it moves.

`unit_gradient_model` has gradient exactly 1, so with SGD the weight after n
steps is minus the sum of the first n learning rates: an oracle for the LR
every step actually applied, independent of the schedule's code.
"""

import keras
import numpy as np
import pytest

import keras_clr
from tests.conftest import BACKEND
from tests.helpers import WeightRecorder
from tests.helpers import run_fresh
from tests.helpers import unit_gradient_data
from tests.helpers import unit_gradient_model
from tests.oracles import cyclical_reference
from tests.schedules.conftest import CLR_KWARGS as KWARGS
from tests.schedules.conftest import JIT
from tests.schedules.conftest import SCALES
from tests.schedules.conftest import SPE


def expected_weights(mode, steps):
    lrs = cyclical_reference(range(steps), scale=SCALES[mode], **KWARGS)
    return -np.cumsum(lrs)


def check_trajectory(recorder, mode):
    iterations = [it for it, _ in recorder.points]
    weights = np.array([w for _, w in recorder.points])
    expected = expected_weights(mode, max(iterations))
    np.testing.assert_allclose(
        weights, expected[np.array(iterations) - 1], rtol=1e-5
    )


@pytest.mark.parametrize("mode", sorted(SCALES))
@pytest.mark.parametrize("steps_per_execution", SPE)
@pytest.mark.parametrize("jit_compile", JIT)
def test_fit_applies_the_schedule_at_every_step(
    mode, steps_per_execution, jit_compile
):
    schedule = keras_clr.CyclicalLearningRate(mode=mode, gamma=0.97, **KWARGS)
    model = unit_gradient_model(
        keras.optimizers.SGD(learning_rate=schedule),
        steps_per_execution=steps_per_execution,
        jit_compile=jit_compile,
    )
    recorder = WeightRecorder()
    x, y = unit_gradient_data(48)
    model.fit(
        x,
        y,
        batch_size=2,
        epochs=1,
        shuffle=False,
        verbose=0,
        callbacks=[recorder],
    )
    assert recorder.points[-1][0] == 48
    if steps_per_execution > 1:
        # The callback only sees the end of each execution; the weights
        # there still carry every step's LR, not one LR per execution.
        assert [it for it, _ in recorder.points] == list(range(8, 49, 8))
    check_trajectory(recorder, mode)


def test_second_fit_resumes_mid_cycle():
    schedule = keras_clr.CyclicalLearningRate(mode="triangular2", **KWARGS)
    model = unit_gradient_model(keras.optimizers.SGD(learning_rate=schedule))
    recorder = WeightRecorder()
    x, y = unit_gradient_data(11)
    model.fit(
        x, y, batch_size=2, shuffle=False, verbose=0, callbacks=[recorder]
    )
    x, y = unit_gradient_data(20)
    model.fit(
        x, y, batch_size=2, shuffle=False, verbose=0, callbacks=[recorder]
    )
    assert recorder.points[-1][0] == 31
    check_trajectory(recorder, "triangular2")


@pytest.mark.parametrize(
    "make",
    [
        lambda s: keras.optimizers.Adam(learning_rate=s),
        lambda s: keras.optimizers.AdamW(learning_rate=s),
        lambda s: keras.optimizers.RMSprop(learning_rate=s),
    ],
)
def test_optimizer_reports_the_schedules_lr(make):
    schedule = keras_clr.CyclicalLearningRate(**KWARGS)
    model = unit_gradient_model(make(schedule))
    x, y = unit_gradient_data(6)
    model.fit(x, y, batch_size=2, shuffle=False, verbose=0)
    # The LR the next step (step 6) will use.
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == (
        pytest.approx(0.01 + 0.04 * 2 / 3, rel=1e-6)
    )


@pytest.mark.skipif(BACKEND == "torch", reason="float16 matmul on torch CPU")
def test_mixed_float16_keeps_the_lr_in_float32(mixed_float16):
    schedule = keras_clr.CyclicalLearningRate(**KWARGS)
    model = unit_gradient_model(keras.optimizers.SGD(learning_rate=schedule))
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    recorder = WeightRecorder()
    x, y = unit_gradient_data(16)
    model.fit(
        x, y, batch_size=2, shuffle=False, verbose=0, callbacks=[recorder]
    )
    lr = model.optimizer.learning_rate
    assert keras.backend.standardize_dtype(lr.dtype) == "float32"
    assert model.weights[0].dtype == "float32"
    check_trajectory(recorder, "triangular")


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.distribute")
def test_mirrored_strategy_on_two_logical_cpus_matches_one_device():
    # Logical devices must be set before TensorFlow starts: a new process.
    result = run_fresh(
        """
        import json
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        import keras
        import keras_clr
        from tests.helpers import (
            WeightRecorder, unit_gradient_data, unit_gradient_model)

        def run(strategy, momentum=False):
            with strategy.scope():
                schedule = keras_clr.CyclicalLearningRate(
                    base_lr=0.01, max_lr=0.05, step_size=5, step_size_down=3,
                    mode="triangular2")
                optimizer = keras.optimizers.SGD(learning_rate=schedule)
                if momentum:
                    optimizer = keras_clr.cyclical_momentum(optimizer)
                model = unit_gradient_model(optimizer)
            recorder = WeightRecorder()
            x, y = unit_gradient_data(20, batch_size=4)
            model.fit(x, y, batch_size=4, shuffle=False, verbose=0,
                      callbacks=[recorder])
            return recorder.points

        mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        print(json.dumps(dict(
            replicas=mirrored.num_replicas_in_sync,
            mirrored=run(mirrored),
            single=run(tf.distribute.get_strategy()),
            mirrored_momentum=run(mirrored, momentum=True),
            single_momentum=run(tf.distribute.get_strategy(), momentum=True),
        )))
        """
    )
    assert result["replicas"] == 2
    assert result["mirrored"] == result["single"]
    # Cyclical momentum too (the momentum tensor crosses into the merge).
    assert result["mirrored_momentum"] == result["single_momentum"]
    assert result["mirrored_momentum"] != result["mirrored"]
    iterations = [it for it, _ in result["mirrored"]]
    assert iterations == list(range(1, 21))
    weights = np.array([w for _, w in result["mirrored"]])
    np.testing.assert_allclose(
        weights, expected_weights("triangular2", 20), rtol=1e-5
    )
