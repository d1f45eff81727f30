"""lr_range_test: the sweep in the graph, what it records, bad input."""

import keras
import numpy as np
import pytest

import keras_clr
from tests.conftest import BACKEND
from tests.helpers import WeightRecorder
from tests.helpers import unit_gradient_data
from tests.helpers import unit_gradient_model
from tests.range_test.conftest import STEPS_PER_EXECUTION
from tests.range_test.conftest import RaiseAt
from tests.range_test.conftest import assert_same_state
from tests.range_test.conftest import compiled_model
from tests.range_test.conftest import state
from tests.range_test.conftest import task
from tests.range_test.conftest import trained


@pytest.mark.parametrize("steps_per_execution", STEPS_PER_EXECUTION)
@pytest.mark.parametrize("ending", ["finished", "diverged", "raised", "ctrl_c"])
def test_everything_is_restored_bit_for_bit(ending, steps_per_execution):
    model = trained(compiled_model(steps_per_execution=steps_per_execution))
    before = state(model)
    history = model.history
    x, y = task()
    kwargs = dict(batch_size=32, num_steps=40, verbose=0)
    if ending == "finished":
        result = keras_clr.lr_range_test(model, x, y, end_lr=0.1, **kwargs)
        assert result.stopped_early is None
    elif ending == "diverged":
        result = keras_clr.lr_range_test(
            model,
            x,
            y,
            start_lr=1.0,
            end_lr=1e7,
            diverge_threshold=1.5,
            **kwargs,
        )
        assert result.stopped_early is not None
        assert len(result.losses) < 40 // steps_per_execution
    elif ending == "raised":
        with pytest.raises(RuntimeError, match="boom"):
            keras_clr.lr_range_test(
                model,
                x,
                y,
                callbacks=[RaiseAt(8, RuntimeError("boom"))],
                **kwargs,
            )
    else:
        with pytest.raises(KeyboardInterrupt):
            keras_clr.lr_range_test(
                model,
                x,
                y,
                callbacks=[RaiseAt(8, KeyboardInterrupt())],
                **kwargs,
            )
    assert_same_state(before, model)
    assert model.history is history and not model.stop_training


def test_a_schedule_is_restored_too():
    schedule = keras_clr.CyclicalLearningRate(0.001, 0.01, 10)
    model = trained(compiled_model(schedule))
    before = state(model)
    x, y = task()
    keras_clr.lr_range_test(model, x, y, num_steps=20, verbose=0)
    assert_same_state(before, model)
    assert model.optimizer._learning_rate is schedule


def test_a_model_never_fitted_gets_no_history():
    model = compiled_model()
    x, y = task()
    keras_clr.lr_range_test(model, x, y, num_steps=5, verbose=0)
    assert not hasattr(model, "history")


@pytest.mark.parametrize("mode", ["exp", "linear"])
def test_every_step_applies_its_lr_in_the_graph(mode):
    # Unit gradient, plain SGD: each step moves the weight by -lr.
    model = unit_gradient_model(keras.optimizers.SGD(0.5))
    recorder = WeightRecorder()
    x, y = unit_gradient_data(3)  # 3 batches of 2: the data is cycled
    result = keras_clr.lr_range_test(
        model,
        x,
        y,
        batch_size=2,
        start_lr=1e-3,
        end_lr=1.0,
        num_steps=13,
        mode=mode,
        callbacks=[recorder],
        verbose=0,
    )
    if mode == "exp":
        expected = np.geomspace(1e-3, 1.0, 13)
    else:
        expected = np.linspace(1e-3, 1.0, 13)
    weights = np.array([w for _, w in recorder.points])
    np.testing.assert_allclose(
        -np.diff(weights, prepend=0.0), expected, rtol=1e-5
    )
    np.testing.assert_allclose(result.lrs, expected, rtol=1e-12)
    # The loss is w - y = 1e6 + w: known at every step.
    np.testing.assert_allclose(
        result.losses, 1e6 + np.concatenate([[0.0], weights[:-1]]), rtol=1e-6
    )


def test_steps_per_execution_gives_one_entry_per_execution():
    if BACKEND == "torch":
        pytest.skip("steps_per_execution must be 1 on torch")
    model = compiled_model(steps_per_execution=4)
    x, y = task()
    result = keras_clr.lr_range_test(
        model, x, y, start_lr=1e-3, end_lr=1.0, num_steps=20, verbose=0
    )
    assert len(result.lrs) == 5
    np.testing.assert_allclose(
        result.lrs, np.geomspace(1e-3, 1.0, 20)[3::4], rtol=1e-12
    )


def unit_momentum_losses(momentum, lrs):
    """Float64 reference: SGD with momentum on the unit-gradient model.

    Keras' rule: m = momentum * m - lr * g, w = w + m, with g = 1; the
    loss of a step is 1e6 + w before it.
    """
    m = w = 0.0
    losses = []
    for lr in lrs:
        losses.append(1e6 + w)
        m = momentum * m - lr
        w += m
    return np.array(losses)


@pytest.mark.parametrize(
    "base_momentum, max_momentum", [(0.85, 0.95), (0.5, 0.9)]
)
def test_cyclical_momentum_holds_its_nominal_momentum(
    base_momentum, max_momentum
):
    schedule = keras_clr.CyclicalLearningRate(0.001, 0.01, 4)
    optimizer = keras_clr.cyclical_momentum(
        keras.optimizers.SGD(schedule),
        base_momentum=base_momentum,
        max_momentum=max_momentum,
    )
    model = unit_gradient_model(optimizer)
    x, y = unit_gradient_data(4)
    result = keras_clr.lr_range_test(
        model,
        x,
        y,
        batch_size=2,
        start_lr=1e-3,
        end_lr=1.0,
        num_steps=12,
        verbose=0,
    )
    expected = unit_momentum_losses(max_momentum, np.geomspace(1e-3, 1, 12))
    np.testing.assert_allclose(result.losses, expected, rtol=1e-6)
    # base_momentum would give a curve far from this one.
    other = unit_momentum_losses(base_momentum, np.geomspace(1e-3, 1, 12))
    assert np.abs(other - expected).max() > 1e-2
    assert model.optimizer._learning_rate is schedule


def test_cyclical_momentum_adam_draws_the_plain_adam_curve():
    x, y = task()
    curves = []
    for make in (
        lambda: keras_clr.cyclical_momentum(
            keras.optimizers.Adam(keras_clr.OneCycle(0.01, 100))
        ),
        lambda: keras.optimizers.Adam(0.001, beta_1=0.95),
    ):
        keras.utils.set_random_seed(0)
        model = compiled_model()
        model.compile(optimizer=make(), loss="binary_crossentropy")
        result = keras_clr.lr_range_test(
            model, x, y, start_lr=1e-4, end_lr=1.0, num_steps=15, verbose=0
        )
        curves.append(result.losses)
    np.testing.assert_allclose(curves[0], curves[1], rtol=1e-5)


def not_a_model():
    return object()


INVALID = [
    (
        dict(start_lr=0.0),
        r"Argument `start_lr` must be > 0\. "
        r"Received: start_lr=0\.0",
    ),
    (dict(start_lr=float("nan")), r"`start_lr` must be a finite number"),
    (
        dict(start_lr=1e-3, end_lr=1e-4),
        r"Argument `end_lr` must be > "
        r"`start_lr`\. Received: start_lr=0\.001, end_lr=0\.0001",
    ),
    (
        dict(num_steps=1),
        r"Argument `num_steps` must be an integer >= 2\. "
        r"Received: num_steps=1",
    ),
    (
        dict(num_steps=2**40),
        r"Argument `num_steps` must be <= 2147483647 "
        r"\(MAX_NUM_STEPS, 2\*\*31 - 1\)\. Received: num_steps=1099511627776",
    ),
    (dict(mode="log"), r"Argument `mode` must be one of 'exp', 'linear'"),
    (dict(smoothing=1.0), r"Argument `smoothing` must be in \[0, 1\)"),
    (dict(diverge_threshold=1.0), r"`diverge_threshold` must be > 1\."),
    (dict(batch_size=0), r"Argument `batch_size` must be > 0"),
    (dict(callbacks=print), r"Argument `callbacks` must be a list of"),
    (
        dict(x=None),
        r"Argument `x` must be given: the range test trains on "
        r"NumPy arrays",
    ),
    (
        dict(x="abc"),
        r"Argument `x` must be NumPy arrays .* an array of "
        r"numbers with a batch axis",
    ),
    (dict(x=np.zeros((0, 8), "float32")), r"Argument `x` is empty"),
    (
        dict(y=np.zeros((3, 1), "float32")),
        r"same length\. Received: "
        r"len\(x\)=512, len\(y\)=3",
    ),
]


@pytest.mark.parametrize("kwargs, message", INVALID)
def test_bad_arguments_change_nothing(kwargs, message):
    model = trained(compiled_model())
    before = state(model)
    x, y = task()
    kwargs = {"x": x, "y": y, **kwargs}
    with pytest.raises(ValueError, match=message):
        keras_clr.lr_range_test(model, verbose=0, **kwargs)
    assert_same_state(before, model)


def test_not_a_compiled_model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
    x, y = task()
    with pytest.raises(ValueError, match=r"call `model.compile\(...\)` first"):
        keras_clr.lr_range_test(model, x, y)
    with pytest.raises(ValueError, match=r"must be a compiled `keras.Model`"):
        keras_clr.lr_range_test(not_a_model(), x, y)
