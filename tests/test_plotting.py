import sys
import types

import keras
import numpy as np
import pytest

import keras_clr
from tests.conftest import BACKEND
from tests.helpers import unit_gradient_data
from tests.helpers import unit_gradient_model

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


def test_plot_schedule_renders(tmp_path):
    schedule = keras_clr.CyclicalLearningRate(0.001, 0.006, 50)
    ax = keras_clr.plot_schedule(schedule, 201)
    x, y = ax.lines[0].get_data()
    np.testing.assert_array_equal(x, np.arange(201))
    assert y[0] == pytest.approx(0.001) and y[50] == pytest.approx(0.006)
    assert ax.get_ylabel() == "learning rate"
    path = tmp_path / "schedule.png"
    ax.figure.savefig(path)
    assert path.stat().st_size > 5000


def test_plot_schedule_on_given_axes():
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    out = keras_clr.plot_schedule(keras_clr.OneCycle(0.1, 100), [0, 29, 99], ax)
    assert out is ax
    np.testing.assert_allclose(
        ax.lines[0].get_ydata(), [0.004, 0.1, 4e-7], rtol=1e-5
    )
    with pytest.raises(ValueError, match="must not be empty"):
        keras_clr.plot_schedule(keras_clr.OneCycle(0.1, 100), [])


def run_cyclic_lr(steps_per_execution=1):
    model = unit_gradient_model(
        keras.optimizers.SGD(0.1), steps_per_execution=steps_per_execution
    )
    clr = keras_clr.CyclicLR(base_lr=0.01, max_lr=0.05, step_size=4)
    x, y = unit_gradient_data(32)
    model.fit(x, y, batch_size=2, verbose=0, callbacks=[clr])
    return clr


def test_plot_history_lr_and_metric(tmp_path):
    clr = run_cyclic_lr()
    ax = keras_clr.plot_history(clr)
    x, y = ax.lines[0].get_data()
    assert list(x) == clr.history["iterations"]
    assert list(y) == clr.history["lr"]
    ax = keras_clr.plot_history(clr, metric="loss")
    x, y = ax.lines[0].get_data()
    assert list(x) == clr.history["lr"] and list(y) == clr.history["loss"]
    assert ax.get_xlabel() == "learning rate" and ax.get_ylabel() == "loss"
    ax.figure.savefig(tmp_path / "history.png")


def test_plot_history_pairs_metrics_logged_once_per_execution():
    if keras.backend.backend() == "torch":
        pytest.skip("steps_per_execution must be 1 on torch")
    clr = run_cyclic_lr(steps_per_execution=8)
    ax = keras_clr.plot_history(clr, metric="loss")
    x, _ = ax.lines[0].get_data()
    assert list(x) == [clr.history["lr"][i] for i in (7, 15, 23, 31)]
    with pytest.raises(ValueError, match="Cannot pair 4 metric values"):
        keras_clr.plot_history(dict(clr.history), metric="loss")


def test_plot_history_reads_only_public_attributes(tmp_path):
    # Anything with the callback's documented attributes plots the same.
    clr = run_cyclic_lr(steps_per_execution=1 if BACKEND == "torch" else 8)
    public = types.SimpleNamespace(
        history=clr.history, log_iterations=clr.log_iterations
    )
    ax = keras_clr.plot_history(public, metric="loss")
    x, y = ax.lines[0].get_data()
    assert list(y) == clr.history["loss"]
    history = clr.history
    by_iteration = dict(zip(history["iterations"], history["lr"], strict=True))
    assert list(x) == [by_iteration[i] for i in clr.log_iterations]
    path = tmp_path / "loss_vs_lr.png"
    ax.figure.savefig(path)
    assert path.stat().st_size > 5000


def test_plot_history_of_a_non_integral_cyclic_lr(tmp_path):
    model = unit_gradient_model(keras.optimizers.SGD(0.1))
    clr = keras_clr.CyclicLR(base_lr=0.01, max_lr=0.05, step_size=2.5)
    x, y = unit_gradient_data(20)
    model.fit(x, y, batch_size=2, verbose=0, callbacks=[clr])
    ax = keras_clr.plot_history(clr)
    assert max(ax.lines[0].get_ydata()) == pytest.approx(0.01 + 0.04 * 0.8)
    ax.figure.savefig(tmp_path / "fractional.png")


def test_plot_history_of_a_keras_history():
    model = unit_gradient_model(
        keras.optimizers.SGD(keras_clr.CyclicalLearningRate(0.01, 0.05, 4))
    )
    x, y = unit_gradient_data(4)
    history = model.fit(
        x,
        y,
        batch_size=2,
        epochs=3,
        verbose=0,
        callbacks=[keras_clr.LearningRateLogger()],
    )
    ax = keras_clr.plot_history(history)
    assert list(ax.lines[0].get_xdata()) == [1, 2, 3]
    with pytest.raises(ValueError, match="has no learning rate"):
        keras_clr.plot_history({"loss": [1.0]})
    with pytest.raises(ValueError, match="`metric` is not in the history"):
        keras_clr.plot_history(history, metric="accuracy")


def test_missing_matplotlib_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'keras-clr\[plot\]'"):
        keras_clr.plot_schedule(keras_clr.CyclicalLearningRate(), 10)


def test_plotting_imports_nothing_from_the_range_test():
    # Issue 19: plotting views the result; the result imports plotting.
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(sys.modules["keras_clr.plotting"]))
    imported = [
        getattr(node, "module", None) or alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    ]
    assert not [name for name in imported if "range_test" in name]


def test_plot_range_test_of_several_sweeps(tmp_path):
    import warnings

    from matplotlib.figure import Figure

    lrs = np.geomspace(1e-5, 1.0, 51)
    sweeps = [
        keras_clr.LRRangeTestResult(
            lrs, 2.0 - np.tanh(np.log10(lrs) - c), smoothing=0.0
        )
        for c in (-3.5, -3.0, -2.0)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = keras_clr.LRRangeTestResult.from_sweeps(sweeps)
    figure = Figure(figsize=(9, 3.8), layout="constrained")
    ax = keras_clr.plot_range_test(result, ax=figure.add_subplot())
    lines = ax.get_lines()
    faint = [line for line in lines if line.get_alpha() == 0.5]
    assert len(faint) == 3  # one per sweep
    np.testing.assert_array_equal(faint[2].get_xdata(), lrs)
    medians = {
        line.get_label().split(":")[0]: line.get_xdata()[0]
        for line in lines
        if line.get_linestyle() == "--"
    }
    assert medians["steepest (default)"] == pytest.approx(1e-3)
    assert list(medians)[0] == "steepest (default)"
    assert len(medians) == 3
    legend = ax.get_legend()
    assert legend.get_bbox_to_anchor().x0 > ax.bbox.x1  # outside the data
    figure.savefig(tmp_path / "sweeps.png")
