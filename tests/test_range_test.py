import json

import keras
import numpy as np
import pytest

import keras_clr
from tests.conftest import BACKEND
from tests.helpers import WeightRecorder
from tests.helpers import unit_gradient_data
from tests.helpers import unit_gradient_model

SPE = [1, 4] if BACKEND != "torch" else [1]


def task(n=512, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype("float32")
    y = (x[:, :4].sum(axis=1, keepdims=True) > 0).astype("float32")
    return x, y


def compiled_model(learning_rate=0.01, steps_per_execution=1, seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy",
        steps_per_execution=steps_per_execution,
    )
    return model


def state(model):
    weights = [np.array(keras.ops.convert_to_numpy(v)) for v in model.weights]
    optimizer = [
        np.array(keras.ops.convert_to_numpy(v))
        for v in model.optimizer.variables
    ]
    return weights, optimizer, model.optimizer._learning_rate


def assert_same_state(before, model):
    weights, optimizer, learning_rate = state(model)
    for a, b in zip(before[0] + before[1], weights + optimizer, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert learning_rate is before[2]


def trained(model):
    """Trains a few steps so that the optimizer has real state."""
    x, y = task(64, seed=1)
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    return model


class RaiseAt(keras.callbacks.Callback):
    def __init__(self, step, error):
        super().__init__()
        self.step, self.error = step, error

    def on_train_batch_end(self, batch, logs=None):
        if batch >= self.step:
            raise self.error


@pytest.mark.parametrize("steps_per_execution", SPE)
@pytest.mark.parametrize("ending", ["finished", "diverged", "raised", "ctrl_c"])
def test_everything_is_restored_bit_for_bit(ending, steps_per_execution):
    model = trained(compiled_model(steps_per_execution=steps_per_execution))
    before = state(model)
    x, y = task()
    kwargs = dict(batch_size=32, num_steps=40, verbose=0)
    if ending == "finished":
        result = keras_clr.lr_range_test(model, x, y, end_lr=0.1, **kwargs)
        assert result.stopped_early is None
    elif ending == "diverged":
        result = keras_clr.lr_range_test(
            model, x, y, start_lr=1.0, end_lr=1e7, diverge_threshold=1.5,
            **kwargs,
        )  # fmt: skip
        assert result.stopped_early is not None
        assert len(result.losses) < 40 // steps_per_execution
    elif ending == "raised":
        with pytest.raises(RuntimeError, match="boom"):
            keras_clr.lr_range_test(
                model, x, y, callbacks=[RaiseAt(8, RuntimeError("boom"))],
                **kwargs,
            )  # fmt: skip
    else:
        with pytest.raises(KeyboardInterrupt):
            keras_clr.lr_range_test(
                model, x, y, callbacks=[RaiseAt(8, KeyboardInterrupt())],
                **kwargs,
            )  # fmt: skip
    assert_same_state(before, model)
    # And it trains on as if the test never happened.
    twin = trained(compiled_model(steps_per_execution=steps_per_execution))
    more_x, more_y = task(64, seed=2)
    for m in (model, twin):
        m.fit(more_x, more_y, batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(model.weights, twin.weights, strict=True):
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b)
        )


def test_a_schedule_is_restored_too():
    schedule = keras_clr.CyclicalLearningRate(0.001, 0.01, 10)
    model = trained(compiled_model(schedule))
    before = state(model)
    x, y = task()
    keras_clr.lr_range_test(model, x, y, num_steps=20, verbose=0)
    assert_same_state(before, model)
    assert model.optimizer._learning_rate is schedule


@pytest.mark.parametrize("mode", ["exp", "linear"])
def test_every_step_applies_its_lr_in_the_graph(mode):
    # Unit gradient, plain SGD: each step moves the weight by -lr.
    model = unit_gradient_model(keras.optimizers.SGD(0.5))
    recorder = WeightRecorder()
    x, y = unit_gradient_data(3)  # 3 batches of 2: the data is cycled
    result = keras_clr.lr_range_test(
        model, x, y, batch_size=2, start_lr=1e-3, end_lr=1.0, num_steps=13,
        mode=mode, callbacks=[recorder], verbose=0,
    )  # fmt: skip
    if mode == "exp":
        expected = np.geomspace(1e-3, 1.0, 13)
    else:
        expected = np.linspace(1e-3, 1.0, 13)
    weights = np.array([w for _, w in recorder.points])
    np.testing.assert_allclose(-np.diff(weights, prepend=0.0), expected,
                               rtol=1e-5)  # fmt: skip
    np.testing.assert_allclose(result.lrs, expected, rtol=1e-12)
    # The loss is w - y = 1e6 + w: known at every step.
    np.testing.assert_allclose(
        result.losses, 1e6 + np.concatenate([[0.0], weights[:-1]]), rtol=1e-6
    )


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.data")
def test_tf_data_and_py_dataset():
    import tensorflow as tf

    x, y = task(96)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
    result = keras_clr.lr_range_test(
        compiled_model(), dataset, num_steps=10, verbose=0
    )
    assert len(result.losses) == 10


def test_py_dataset():
    x, y = task(64)

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return x[32 * i : 32 * (i + 1)], y[32 * i : 32 * (i + 1)]

    result = keras_clr.lr_range_test(
        compiled_model(), Batches(), num_steps=7, verbose=0
    )
    assert len(result.losses) == 7


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


INVALID = [
    (dict(start_lr=0.0), r"Argument `start_lr` must be > 0"),
    (dict(start_lr=1e-3, end_lr=1e-4), r"Argument `end_lr` must be > "
     r"`start_lr`\. Received: start_lr=0\.001, end_lr=0\.0001"),
    (dict(num_steps=1), r"Argument `num_steps` must be an integer >= 2\. "
     r"Received: num_steps=1"),
    (dict(mode="log"), r"Argument `mode` must be one of 'exp', 'linear'"),
    (dict(smoothing=1.0), r"Argument `smoothing` must be in \[0, 1\)"),
    (dict(diverge_threshold=1.0), r"`diverge_threshold` must be > 1"),
    (dict(batch_size=0), r"Argument `batch_size` must be > 0"),
]  # fmt: skip


@pytest.mark.parametrize("kwargs, message", INVALID)
def test_bad_arguments_change_nothing(kwargs, message):
    model = trained(compiled_model())
    before = state(model)
    x, y = task()
    with pytest.raises(ValueError, match=message):
        keras_clr.lr_range_test(model, x, y, verbose=0, **kwargs)
    assert_same_state(before, model)


def test_not_compiled_and_empty_data():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
    x, y = task()
    with pytest.raises(ValueError, match=r"call `model.compile\(...\)` first"):
        keras_clr.lr_range_test(model, x, y)
    with pytest.raises(ValueError, match="empty"):
        keras_clr.lr_range_test(compiled_model(), x[:0], y[:0])


def test_suggestions_on_a_known_curve():
    lrs = np.geomspace(1e-5, 1.0, 101)
    t = np.log10(lrs)
    # Falls fastest at 1e-3 (a tanh step), bottoms out at 1e-1, then rises.
    losses = 2.0 - np.tanh(2 * (t + 3)) + np.where(t > -1, 20 * (t + 1) ** 2, 0)
    result = keras_clr.LRRangeTestResult(lrs, losses, smoothing=0.0)
    assert result.smoothed_losses == pytest.approx(list(losses))
    assert result.suggestions["steepest"] == pytest.approx(1e-3, rel=0.15)
    assert result.suggestions["minimum_over_10"] == pytest.approx(
        lrs[np.argmin(losses)] / 10
    )
    # The longest falling run is the whole fall up to the minimum; fastai
    # takes the point half way through its second third.
    valley = result.suggestions["valley"]
    assert lrs[0] < valley < lrs[np.argmin(losses)]
    assert result.suggestion == valley
    steepest = result.suggestions["steepest"]
    assert result.suggest_bounds() == (steepest / 4, steepest)


def test_smoothing_is_the_bias_corrected_average():
    result = keras_clr.LRRangeTestResult([1, 2, 3], [4.0, 2.0, 6.0], 0.5)
    # by hand: 4; (0.5*2 + 0.25*4... ) = (0.5*0.5*4 + 0.5*2)/(1-0.25)
    assert result.smoothed_losses == pytest.approx(
        [4.0, (1.0 + 1.0) / 0.75, (0.5 * 2.0 + 3.0) / 0.875]
    )


def test_ready_schedules_json_and_plot(tmp_path):
    lrs = np.geomspace(1e-5, 1.0, 60)
    losses = 1 + (np.log10(lrs) + 2) ** 2
    result = keras_clr.LRRangeTestResult(lrs, losses)
    base_lr, max_lr = result.suggest_bounds()
    clr = result.cyclical_learning_rate(step_size=500, mode="triangular2")
    assert (clr.base_lr, clr.max_lr, clr.step_size) == (base_lr, max_lr, 500)
    one = result.one_cycle(total_steps=1000)
    assert one.max_lr == max_lr and one.total_steps == 1000
    path = tmp_path / "result.json"
    result.save(path)
    loaded = keras_clr.LRRangeTestResult.load(path)
    assert loaded.lrs == result.lrs and loaded.losses == result.losses
    assert loaded.suggestions == result.suggestions
    assert json.loads(result.to_json())["suggestions"] == result.suggestions
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = result.plot()
    assert ax.get_xscale() == "log" and len(ax.lines) == 5
    ax.figure.savefig(tmp_path / "range.png")


def test_too_few_points_to_suggest():
    result = keras_clr.LRRangeTestResult([1e-3, 1e-2], [1.0, float("nan")])
    assert result.suggestions == {}
    with pytest.raises(ValueError, match="too few finite losses"):
        result.suggest_bounds()
