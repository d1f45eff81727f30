import keras
import numpy as np
import pytest

import keras_clr
from tests.conftest import BACKEND
from tests.helpers import run_fresh
from tests.helpers import unit_gradient_data
from tests.helpers import unit_gradient_model
from tests.oracles import cyclical_reference

JIT = [False, True]
SPE = [1, 8] if BACKEND != "torch" else [1]


def final_weight(model):
    return float(keras.ops.convert_to_numpy(model.weights[0]).item())


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
    clr = keras_clr.CyclicLR(base_lr=0.01, max_lr=0.05, step_size=3)
    x, y = unit_gradient_data(32)
    model.fit(x, y, batch_size=2, shuffle=False, verbose=0, callbacks=[clr])
    expected = cyclical_reference(range(32), 0.01, 0.05, 3)
    np.testing.assert_allclose(clr.history["lr"], expected, rtol=1e-6)
    # What the steps applied, seen through the weights (gradient 1).
    assert final_weight(model) == pytest.approx(-expected.sum(), rel=1e-5)
    assert len(clr.history["loss"]) == 32 // steps_per_execution


def test_later_fit_continues_and_reset_restarts():
    model = unit_gradient_model(keras.optimizers.SGD(0.5))
    clr = keras_clr.CyclicLR(base_lr=0.01, max_lr=0.05, step_size=3,
                             mode="triangular2")  # fmt: skip
    x, y = unit_gradient_data(10)
    model.fit(x, y, batch_size=2, shuffle=False, verbose=0, callbacks=[clr])
    model.fit(x, y, batch_size=2, shuffle=False, verbose=0, callbacks=[clr])
    halving = lambda cycle, step: 0.5 ** (cycle - 1)  # noqa: E731
    first = cyclical_reference(range(20), 0.01, 0.05, 3, scale=halving)
    np.testing.assert_allclose(clr.history["lr"], first, rtol=1e-6)
    clr.reset(max_lr=0.03, step_size=2)
    model.fit(x, y, batch_size=2, shuffle=False, verbose=0, callbacks=[clr])
    again = cyclical_reference(range(10), 0.01, 0.03, 2, scale=halving)
    np.testing.assert_allclose(clr.history["lr"][20:], again, rtol=1e-6)
    assert clr.history["iterations"][-1] == 30
    total = first.sum() + again.sum()
    assert final_weight(model) == pytest.approx(-total, rel=1e-5)


def test_refuses_an_optimizer_with_another_schedule_before_training():
    decay = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    model = unit_gradient_model(keras.optimizers.SGD(decay))
    x, y = unit_gradient_data(4)
    with pytest.raises(ValueError, match=r"already has a schedule"):
        model.fit(x, y, batch_size=2, verbose=0,
                  callbacks=[keras_clr.CyclicLR()])  # fmt: skip
    assert final_weight(model) == 0.0
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(step_size=0), r"Argument `step_size` must be > 0"),
        (dict(base_lr=0.1, max_lr=0.01), r"`max_lr` must be >= `base_lr`"),
        (dict(mode="tri"), r"Argument `mode` must be one of"),
        (dict(scale_fn=lambda x: 1.0), r"cannot be a lambda"),
    ],
)
def test_invalid_arguments_fail_at_construction(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras_clr.CyclicLR(**kwargs)


def test_optimizer_keeps_the_schedule_and_the_model_saves(tmp_path):
    model = unit_gradient_model(keras.optimizers.Adam(0.1))
    clr = keras_clr.CyclicLR(base_lr=0.01, max_lr=0.05, step_size=3)
    x, y = unit_gradient_data(7)
    model.fit(x, y, batch_size=2, shuffle=False, verbose=0, callbacks=[clr])
    assert model.optimizer._learning_rate is clr.schedule
    next_lr = cyclical_reference([7], 0.01, 0.05, 3)[0]
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
