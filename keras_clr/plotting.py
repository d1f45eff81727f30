"""Plots of schedules and of what the learning rate did (matplotlib)."""

import numpy as np
from keras import ops

from keras_clr import _validation

MAX_PLOT_STEPS = 1_000_000
"""The most steps `plot_schedule` draws: a readable image, a 4 MB array."""


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "keras_clr's plots need matplotlib: "
            "pip install 'keras-clr[plot]' (or pip install matplotlib)"
        ) from error
    return plt


def _axes(ax):
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(7, 3.5))
        return ax
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise ValueError(
            "Argument `ax` must be matplotlib axes or None. "
            f"Received: ax={ax!r} of type {type(ax).__name__}"
        )
    return ax


def plot_schedule(schedule, steps, ax=None):
    """Draws `schedule(step)` against the step, to check a schedule (its
    bounds, cycle length, phases) before training with it.

    Example:

    >>> import keras_clr
    >>> ax = keras_clr.plot_schedule(
    ...     keras_clr.CyclicalLearningRate(0.001, 0.006, step_size=50), 201)
    >>> ax.get_ylabel()
    'learning rate'

    Args:
        schedule: A learning rate schedule (any callable of the step).
        steps: How many steps to draw (from 0), or the steps themselves.
        ax: Matplotlib axes to draw on; a new figure if `None`.

    Returns:
        The axes.

    Raises:
        ValueError: If `schedule` is not callable, `steps` is not a
            positive count (at most `MAX_PLOT_STEPS`) or a non-empty list
            of integer steps, or `ax` is not matplotlib axes.
        ImportError: If matplotlib is not installed.
    """
    if not callable(schedule):
        raise ValueError(
            "Argument `schedule` must be a learning rate schedule (a callable "
            f"of the step). Received: schedule={schedule!r}"
        )
    if np.ndim(steps) == 0:
        count = _validation.check_positive_int("steps", steps)
        steps = np.arange(
            _validation.check_at_most("steps", count, MAX_PLOT_STEPS)
        )
    else:
        steps = np.asarray(steps)
        if steps.size == 0 or steps.dtype.kind not in "iu":
            raise ValueError(
                "Argument `steps` must be a count or a list of integer steps "
                f"and must not be empty. Received: steps={steps!r}"
            )
        _validation.check_at_most("steps", steps.size, MAX_PLOT_STEPS)
    ax = _axes(ax)
    lrs = ops.convert_to_numpy(schedule(ops.convert_to_tensor(steps)))
    ax.plot(steps, np.broadcast_to(lrs, steps.shape))
    ax.set_xlabel("step (optimizer.iterations)")
    ax.set_ylabel("learning rate")
    ax.set_title(getattr(schedule, "name", type(schedule).__name__))
    ax.grid(alpha=0.3)
    return ax


def plot_history(history_or_callback, ax=None, metric: str | None = None):
    """Draws the LR against the iteration or, with `metric` (`"loss"`,
    ...), that metric against the LR it was trained with (the CLR plot).

    Example:

    >>> import keras_clr
    >>> history = {"iterations": [1, 2, 3], "lr": [0.1, 0.3, 0.5],
    ...            "loss": [1.0, 0.7, 0.9]}
    >>> ax = keras_clr.plot_history(history, metric="loss")
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('learning rate', 'loss')

    Args:
        history_or_callback: A `CyclicLR` or `LearningRateLogger` (per
            step), a Keras `History` (per epoch), or their `history` dict.
        ax: Matplotlib axes to draw on; a new figure if `None`.
        metric: Optional metric to draw against the learning rate.

    Returns:
        The axes.

    Raises:
        ValueError: If the history has no LR, or no `metric` that pairs
            with the LRs.
        ImportError: If matplotlib is not installed.
    """
    history = getattr(history_or_callback, "history", history_or_callback)
    if not isinstance(history, dict):
        raise ValueError(
            "Argument `history_or_callback` must be a CyclicLR or "
            "LearningRateLogger callback, a Keras History, or a history "
            f"dict. Received: {history_or_callback!r}"
        )
    if "lr" in history and "iterations" in history:
        x, lrs, unit = history["iterations"], history["lr"], "iteration"
    elif "learning_rate" in history:
        lrs = history["learning_rate"]
        x, unit = np.arange(1, len(lrs) + 1), "epoch"
    else:
        raise ValueError(
            "The history has no learning rate: expected 'lr' and "
            "'iterations' (keras_clr callbacks) or 'learning_rate' (a Keras "
            f"History with a LearningRateLogger). Keys: {sorted(history)}"
        )
    ax = _axes(ax)
    if metric is None:
        ax.plot(x, lrs)
        ax.set_xlabel(unit)
        ax.set_ylabel("learning rate")
    else:
        if metric not in history:
            raise ValueError(
                f"Argument `metric` is not in the history. Received: "
                f"metric={metric!r}; keys: {sorted(history)}"
            )
        values = history[metric]
        log_iterations = getattr(history_or_callback, "log_iterations", None)
        lrs = _align(history, values, lrs, log_iterations)
        ax.plot(lrs, values, ".", markersize=3)
        ax.set_xlabel("learning rate")
        ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    return ax


def _align(history, values, lrs, log_iterations):
    """The LR for each metric value (metrics come once per execution).

    `log_iterations` is `CyclicLR.log_iterations` (public): the iteration
    at which each metric value was logged.
    """
    if len(values) == len(lrs):
        return lrs
    if log_iterations and len(log_iterations) == len(values):
        index = {it: i for i, it in enumerate(history["iterations"])}
        return [lrs[index[it]] for it in log_iterations]
    raise ValueError(
        f"Cannot pair {len(values)} metric values with {len(lrs)} learning "
        "rates; pass the CyclicLR callback itself, which knows at which "
        "iteration each metric was logged."
    )


_RULE_STYLES = {"steepest": "v", "valley": "o", "minimum_over_10": "s"}


def plot_range_test(result, ax=None):
    """Draws an LR range test's loss against the learning rate (log axis).

    One sweep: raw losses as dots, the smoothed curve, each rule's
    suggestion on it. Several: every smoothed curve, faint; each rule's
    median dashed, its quartiles as a band, its range as whiskers.

    Example:

    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> import keras_clr
    >>> lrs = np.geomspace(1e-5, 1.0, 51)
    >>> result = keras_clr.LRRangeTestResult(
    ...     lrs, 2.0 - np.tanh(np.log10(lrs) + 3))
    >>> ax = keras_clr.plot_range_test(result, ax=Figure().add_subplot())
    >>> ax.get_xscale()
    'log'

    Args:
        result: A `keras_clr.LRRangeTestResult` (only its public
            attributes are read).
        ax: Matplotlib axes to draw on; a new figure if `None`.

    Returns:
        The axes.
    """
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(9, 3.8), layout="constrained")
    sweeps = result.sweeps
    many = len(sweeps) > 1
    if not many:
        ax.plot(result.lrs, result.losses, ".", alpha=0.3, markersize=3)
        ax.lines[-1].set_label("loss")
    faint = dict(color="0.45", alpha=0.5, linewidth=1) if many else {}
    for i, sweep in enumerate(sweeps):
        label = (
            f"smoothed loss, {len(sweeps)} sweeps" if many else "smoothed loss"
        )
        ax.plot(
            sweep.lrs,
            sweep.smoothed_losses,
            **faint,
            label=label if i == 0 else "_sweep",
        )
    rules = sorted(result.suggestions, key=lambda r: r != result.default_rule)
    for j, rule in enumerate(rules):
        lr, marker = result.suggestions[rule], _RULE_STYLES.get(rule, "x")
        default = " (default)" if rule == result.default_rule else ""
        label = f"{rule}{default}: {lr:.2e}"
        if not many:
            index = int(np.argmin(np.abs(np.log(result.lrs) - np.log(lr))))
            y = result.smoothed_losses[index]
            ax.plot(lr, y, marker, markersize=9, label=label)
            continue
        color = f"C{j + 1}"
        spread, values = result.spreads[rule], result.sweep_suggestions[rule]
        label += f" (median), x{spread['ratio']:.2g} spread"
        ax.axvline(lr, color=color, linestyle="--", linewidth=1.5, label=label)
        ax.axvspan(*spread["quartiles"], color=color, alpha=0.12, linewidth=0)
        whiskers = [[lr - min(values)], [max(values) - lr]]
        transform = ax.get_xaxis_transform()
        ax.errorbar(
            lr,
            0.95 - 0.07 * j,
            xerr=whiskers,
            fmt=marker,
            color=color,
            capsize=4,
            transform=transform,
        )
    ax.set(xscale="log", xlabel="learning rate", ylabel="loss")
    curves = [np.asarray(s.smoothed_losses, dtype=float) for s in sweeps]
    curves = [c[np.isfinite(c)] for c in curves]
    curves = [c for c in curves if c.size]
    if curves:  # from the lowest loss to 1.5 x the highest start
        low = min(c.min() for c in curves)
        high = max(c[0] for c in curves)
        ax.set_ylim(low - 0.1 * abs(low), max(high, low) * 1.5 + 1e-12)
    title = "band: quartiles, bar: min to max" if many else None
    ax.legend(
        fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        title=title,
        title_fontsize=8,
    )
    ax.grid(alpha=0.3, which="both")
    return ax
