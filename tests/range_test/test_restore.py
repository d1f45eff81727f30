"""After a range test, training goes on as if it never happened.

A model with Dropout and BatchNorm, trained a little, then range-tested,
then trained one more epoch, ends bit-identical to its twin that was
never tested, for every optimizer Keras and keras_clr offer.
"""

import keras
import numpy as np
import pytest

import keras_clr
from keras_clr import _keras
from tests.conftest import BACKEND
from tests.range_test.conftest import numpy_values
from tests.range_test.conftest import task

# Tracing five train steps per optimizer would take most of the suite's
# time; the state restored is the same in eager mode. The graph-mode path
# is the loss-scaling test below and tests/range_test/test_driver.py.
RUN_EAGERLY = True


def clr():
    return keras_clr.CyclicalLearningRate(0.001, 0.01, 3)


OPTIMIZERS = {
    "sgd": lambda: keras.optimizers.SGD(0.01, momentum=0.9, nesterov=True),
    "adam": lambda: keras.optimizers.Adam(0.001),
    "adamw": lambda: keras.optimizers.AdamW(0.001),
    "rmsprop": lambda: keras.optimizers.RMSprop(0.001, momentum=0.5),
    "nadam": lambda: keras.optimizers.Nadam(0.001),
    "adamax": lambda: keras.optimizers.Adamax(0.001),
    "lion": lambda: keras.optimizers.Lion(0.0001),
    "adagrad": lambda: keras.optimizers.Adagrad(0.01),
    "adadelta": lambda: keras.optimizers.Adadelta(1.0),
    "ftrl": lambda: keras.optimizers.Ftrl(0.01),
    "adafactor": lambda: keras.optimizers.Adafactor(0.01),
    "adam_ema": lambda: keras.optimizers.Adam(0.001, use_ema=True),
    "schedule_adam": lambda: keras.optimizers.Adam(clr()),
    "cyclical_momentum_sgd": lambda: keras_clr.cyclical_momentum(
        keras.optimizers.SGD(clr())
    ),
    "cyclical_momentum_adam": lambda: keras_clr.cyclical_momentum(
        keras.optimizers.Adam(clr())
    ),
    "cyclical_momentum_lion": lambda: keras_clr.CyclicalMomentumLion(clr()),
    "cyclical_momentum_nadam": lambda: keras_clr.cyclical_momentum(
        keras.optimizers.Nadam(clr())
    ),
}


def twin(
    make_optimizer,
    metrics=("accuracy",),
    run_eagerly=RUN_EAGERLY,
    dropout_seed=3,
):
    keras.utils.set_random_seed(7)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("relu"),
            # Seeded: its SeedGenerator drives it on every backend (unseeded,
            # PyTorch draws from torch's global generator; tested below).
            keras.layers.Dropout(0.5, seed=dropout_seed),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=make_optimizer(),
        loss="binary_crossentropy",
        metrics=list(metrics),
        run_eagerly=run_eagerly,
    )
    x, y = task(32, seed=1)
    model.fit(x, y, batch_size=16, shuffle=False, verbose=0)
    return model


def everything(model):
    return (
        numpy_values(model.variables)
        + numpy_values(model.optimizer.variables)
        + numpy_values(model.metrics_variables)
    )


def assert_twins_train_alike(
    make_optimizer, range_test_kwargs=None, run_eagerly=RUN_EAGERLY
):
    tested = twin(make_optimizer, run_eagerly=run_eagerly)
    untested = twin(make_optimizer, run_eagerly=run_eagerly)
    x, y = task(64, seed=0)
    keras_clr.lr_range_test(
        tested,
        x,
        y,
        batch_size=16,
        num_steps=6,
        start_lr=1e-4,
        end_lr=1.0,
        verbose=0,
        **(range_test_kwargs or {}),
    )
    more_x, more_y = task(48, seed=2)
    histories = [
        model.fit(more_x, more_y, batch_size=16, shuffle=False, verbose=0)
        for model in (tested, untested)
    ]
    assert histories[0].history == histories[1].history
    for a, b in zip(everything(tested), everything(untested), strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_twin_trains_bit_identically(name):
    assert_twins_train_alike(OPTIMIZERS[name])


@pytest.mark.parametrize("name", ["adam", "cyclical_momentum_sgd"])
def test_twin_trains_bit_identically_in_the_compiled_step(name):
    assert_twins_train_alike(OPTIMIZERS[name], run_eagerly=False)


def test_twin_trains_bit_identically_with_loss_scaling(mixed_float16):
    make = OPTIMIZERS["cyclical_momentum_adam"]
    model = twin(make)
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert_twins_train_alike(make, run_eagerly=False)


def test_diverging_test_restores_the_random_state_too():
    # Stopped early by divergence: the seed generators moved a few steps.
    assert_twins_train_alike(OPTIMIZERS["sgd"], dict(diverge_threshold=1.01))


def test_seed_generator_state_is_put_back():
    model = twin(OPTIMIZERS["adam"])
    dropout = model.layers[3]
    state = dropout.seed_generator.state
    before = np.array(keras.ops.convert_to_numpy(state))
    x, y = task(64)
    keras_clr.lr_range_test(model, x, y, num_steps=5, verbose=0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(state), before)


def test_unseeded_dropout_random_state_is_put_back():
    model = twin(OPTIMIZERS["sgd"], dropout_seed=None)
    generator = model.layers[3].seed_generator.state
    seed_before = np.array(keras.ops.convert_to_numpy(generator))
    rng_before = _keras.backend_rng_state()  # torch's generators, or None
    x, y = task(64)
    keras_clr.lr_range_test(model, x, y, num_steps=5, verbose=0)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(generator), seed_before
    )
    rng_after = _keras.backend_rng_state()
    if BACKEND == "torch":
        assert np.array_equal(rng_after[0].numpy(), rng_before[0].numpy())
    else:
        assert rng_before is None and rng_after is None


class _GlobalNoise(keras.layers.Layer):
    """Adds noise drawn from Keras' global SeedGenerator (no seed given)."""

    def call(self, x, training=False):
        if training:
            return x + 0.01 * keras.random.normal(keras.ops.shape(x))
        return x


@pytest.mark.skipif(
    BACKEND == "jax", reason="JAX refuses unseeded random ops in a train step"
)
def test_keras_global_seed_generator_is_put_back():
    keras.random.normal((1,))  # makes Keras' global generator exist
    state = _keras.global_seed_generator_state()
    before = np.array(keras.ops.convert_to_numpy(state))
    model = keras.Sequential(
        [keras.Input((4,)), _GlobalNoise(), keras.layers.Dense(2)]
    )
    model.compile(optimizer="adam", loss="mse", run_eagerly=True)
    x = np.ones((64, 4), "float32")
    keras_clr.lr_range_test(model, x, np.zeros((64, 2)), num_steps=5, verbose=0)
    after = keras.ops.convert_to_numpy(_keras.global_seed_generator_state())
    assert not np.array_equal(before, [0, 0])  # it has drawn
    np.testing.assert_array_equal(after, before)
