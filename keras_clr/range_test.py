"""Smith's LR range test: find a cyclical schedule's bounds.

Trains the compiled model for a few hundred steps while the learning rate
grows, in the graph, from `start_lr` to `end_lr`, records the loss of every
step, and suggests bounds from the loss curve. Everything the model and its
optimizer had is restored afterwards, however the test ends.
"""

import json
import math

import keras
import numpy as np
from keras import ops

from keras_clr import _validation
from keras_clr.schedules._ops import constant
from keras_clr.schedules._ops import float_dtype
from keras_clr.schedules._ops import integer_step

MODES = ("exp", "linear")
SUGGESTION_RULES = ("steepest", "valley", "minimum_over_10")
DEFAULT_RULE = "valley"


class _RangeSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """start -> end over `num_steps` steps from `first_step`, then held."""

    def __init__(self, start_lr, end_lr, num_steps, mode, first_step):
        super().__init__()
        self.start_lr, self.end_lr = start_lr, end_lr
        self.num_steps, self.mode = num_steps, mode
        self.first_step = first_step

    def __call__(self, step):
        dtype = float_dtype(self.start_lr)
        step = integer_step(step)
        k = step - constant(self.first_step, step.dtype)
        k = ops.clip(k, 0, self.num_steps - 1)
        fraction = ops.cast(k, dtype) / constant(self.num_steps - 1, dtype)
        if self.mode == "linear":
            return (
                constant(self.start_lr, dtype)
                + constant(self.end_lr - self.start_lr, dtype) * fraction
            )
        ratio = math.log(self.end_lr / self.start_lr)
        return constant(self.start_lr, dtype) * ops.exp(
            constant(ratio, dtype) * fraction
        )

    def get_config(self):  # pragma: no cover - never saved
        raise NotImplementedError("The range test's schedule is not saved.")

    def values(self, count):
        """The LRs of the first `count` steps, in NumPy float64."""
        k = np.minimum(np.arange(count), self.num_steps - 1)
        fraction = k / (self.num_steps - 1)
        if self.mode == "linear":
            return self.start_lr + (self.end_lr - self.start_lr) * fraction
        return self.start_lr * (self.end_lr / self.start_lr) ** fraction


class LRRangeTestResult:
    """What an LR range test found, and what to do with it.

    Attributes:
        lrs: The learning rate of each recorded step (or execution).
        losses: Its training loss.
        smoothed_losses: Bias-corrected exponential moving average of
            `losses` with factor `smoothing`.
        suggestions: `{rule: lr}` for the rules `"steepest"` (steepest
            descent of the smoothed loss, in log LR), `"valley"` (fastai's
            default: the middle of the longest stretch of falling loss) and
            `"minimum_over_10"` (the LR of the smoothed loss' minimum over
            10).
        stopped_early: Why the test stopped before `num_steps`, or `None`.
    """

    def __init__(self, lrs, losses, smoothing=0.98, stopped_early=None):
        self.lrs = [float(v) for v in lrs]
        self.losses = [float(v) for v in losses]
        self.smoothing = smoothing
        self.stopped_early = stopped_early
        self.smoothed_losses = _smooth(self.losses, smoothing)
        self.suggestions = _suggest(self.lrs, self.smoothed_losses)

    @property
    def suggestion(self):
        """The default suggestion, fastai's `"valley"`."""
        return self.suggestions.get(DEFAULT_RULE)

    def suggest_bounds(self):
        """`(base_lr, max_lr)` following Smith.

        Smith reads `max_lr` off the curve where the loss still falls well
        before it flattens and turns, and sets `base_lr` to "1/3 or 1/4 of
        max_lr". Here `max_lr` is the `"steepest"` suggestion (the fastest
        fall of the smoothed loss; `"valley"` if there is none) and
        `base_lr` is `max_lr / 4`. Run the cyclical schedule for whole
        cycles, so that training ends at `base_lr`.
        """
        max_lr = self.suggestions.get("steepest") or self.suggestion
        if max_lr is None:
            raise ValueError(
                "The range test recorded too few finite losses to suggest "
                "bounds; run it over more steps or a wider LR range."
            )
        return max_lr / 4.0, max_lr

    def cyclical_learning_rate(self, step_size, **kwargs):
        """A `keras_clr.CyclicalLearningRate` between the suggested bounds."""
        from keras_clr.schedules.cyclical import CyclicalLearningRate

        base_lr, max_lr = self.suggest_bounds()
        return CyclicalLearningRate(
            base_lr=base_lr, max_lr=max_lr, step_size=step_size, **kwargs
        )

    def one_cycle(self, total_steps, **kwargs):
        """A `keras_clr.OneCycle` peaking at the suggested `max_lr`."""
        from keras_clr.schedules.one_cycle import OneCycle

        _, max_lr = self.suggest_bounds()
        return OneCycle(max_lr=max_lr, total_steps=total_steps, **kwargs)

    def plot(self, ax=None):
        """Loss (raw and smoothed) against LR, log scale, suggestions marked.

        Returns the axes.
        """
        from keras_clr.plotting import _axes

        ax = _axes(ax)
        ax.plot(self.lrs, self.losses, ".", alpha=0.3, markersize=3,
                label="loss")  # fmt: skip
        ax.plot(self.lrs, self.smoothed_losses, label="smoothed loss")
        markers = {"steepest": "v", "valley": "o", "minimum_over_10": "s"}
        for rule, lr in self.suggestions.items():
            index = int(np.argmin(np.abs(np.log(self.lrs) - np.log(lr))))
            ax.plot(lr, self.smoothed_losses[index], markers[rule],
                    markersize=9, label=f"{rule}: {lr:.2e}")  # fmt: skip
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        finite = [v for v in self.smoothed_losses if math.isfinite(v)]
        if finite:
            low, high = min(finite), finite[0]
            ax.set_ylim(low - 0.1 * abs(low), max(high, low) * 1.5 + 1e-12)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, which="both")
        return ax

    def to_json(self):
        return json.dumps(
            {
                "lrs": self.lrs,
                "losses": self.losses,
                "smoothing": self.smoothing,
                "stopped_early": self.stopped_early,
                "suggestions": self.suggestions,
            }
        )

    def save(self, path):
        with open(path, "w") as f:
            f.write(self.to_json())

    @classmethod
    def from_json(cls, text):
        data = json.loads(text)
        return cls(
            data["lrs"],
            data["losses"],
            smoothing=data["smoothing"],
            stopped_early=data["stopped_early"],
        )

    @classmethod
    def load(cls, path):
        with open(path) as f:
            return cls.from_json(f.read())


def _smooth(losses, smoothing):
    """Bias-corrected exponential moving average (fastai, torch-lr-finder)."""
    out, average = [], 0.0
    for i, loss in enumerate(losses, start=1):
        average = smoothing * average + (1 - smoothing) * loss
        out.append(average / (1 - smoothing**i))
    return out


def _suggest(lrs, smoothed):
    """The named suggestions, from the finite part of the curve."""
    lrs, smoothed = np.asarray(lrs, float), np.asarray(smoothed, float)
    finite = np.isfinite(smoothed) & (lrs > 0)
    lrs, smoothed = lrs[finite], smoothed[finite]
    if len(lrs) < 3:
        return {}
    suggestions = {}
    gradient = np.gradient(smoothed, np.log(lrs))
    # As torch-lr-finder, skip the noisy first 10 and last 5 points.
    window = slice(10, -5) if len(lrs) > 30 else slice(None)
    steepest = int(np.argmin(gradient[window])) + (window.start or 0)
    suggestions["steepest"] = float(lrs[steepest])
    suggestions["valley"] = float(_valley(lrs, smoothed))
    suggestions["minimum_over_10"] = float(lrs[int(np.argmin(smoothed))] / 10)
    return suggestions


def _valley(lrs, losses):
    """fastai's `valley`: the longest run of falling loss, 1/2 of the way
    past its first third (fastai.callback.schedule.valley)."""
    n = len(losses)
    longest = [1] * n
    max_start = max_end = 0
    for i in range(1, n):
        for j in range(i):
            if losses[i] < losses[j] and longest[i] < longest[j] + 1:
                longest[i] = longest[j] + 1
            if longest[max_end] < longest[i]:
                max_end = i
                max_start = max_end - longest[max_end]
    sections = (max_end - max_start) / 3
    return lrs[max_start + int(sections) + int(sections / 2)]


def lr_range_test(
    model,
    x,
    y=None,
    *,
    batch_size: int | None = None,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_steps: int = 100,
    mode: str = "exp",
    smoothing: float = 0.98,
    diverge_threshold: float = 4.0,
    callbacks=None,
    verbose="auto",
) -> LRRangeTestResult:
    """Runs Smith's LR range test on a compiled model; restores it after.

    The model trains with its own loss and optimizer for up to `num_steps`
    steps while the learning rate grows from `start_lr` to `end_lr`,
    exponentially (`mode="exp"`) or linearly, step by step inside the
    compiled train step. The data is cycled if it runs out. The test stops
    early when the smoothed loss exceeds `diverge_threshold` times the best
    smoothed loss, or is not finite.

    Afterwards every model weight, every optimizer variable (iteration
    count, moments) and the optimizer's learning rate or schedule are what
    they were, bit for bit, whether the test finished, diverged, raised or
    was interrupted with Ctrl-C (the interrupt is then re-raised).

    Example:

    >>> import keras, numpy as np
    >>> import keras_clr
    >>> x = np.random.default_rng(0).normal(size=(256, 8)).astype("float32")
    >>> y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    >>> model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> result = keras_clr.lr_range_test(
    ...     model, x, y, batch_size=32, start_lr=1e-4, end_lr=10.0,
    ...     num_steps=60, verbose=0)
    >>> sorted(result.suggestions)
    ['minimum_over_10', 'steepest', 'valley']
    >>> base_lr, max_lr = result.suggest_bounds()
    >>> schedule = result.cyclical_learning_rate(step_size=200)

    Args:
        model: A compiled Keras model.
        x: NumPy array(s), a `tf.data.Dataset` or a `keras.utils.PyDataset`
            (the last two yield `(x, y)` batches).
        y: Targets, with NumPy `x`.
        batch_size: Batch size with NumPy data (default 32).
        start_lr: First learning rate, `> 0`.
        end_lr: Last learning rate, `> start_lr`.
        num_steps: Steps of the test, `>= 2`.
        mode: `"exp"` (geometric steps, the usual choice) or `"linear"`.
        smoothing: Factor of the loss' exponential moving average, in
            `[0, 1)`.
        diverge_threshold: Stop when the smoothed loss exceeds this times
            its best; `> 1`.
        callbacks: More Keras callbacks for the test's `fit`.
        verbose: Keras' progress bar setting.

    Returns:
        An `LRRangeTestResult`: `lrs`, `losses`, `smoothed_losses`,
        `suggestions`, `suggest_bounds()`, `plot()`, ready schedules, JSON.
        With `steps_per_execution > 1` there is one entry per execution
        (Keras reports losses once per execution): its mean loss, at the LR
        of its last step.

    Raises:
        ValueError: For bad arguments, a model that is not compiled, or
            empty data, before any weight changes.
    """
    _check_arguments(start_lr, end_lr, num_steps, mode, smoothing,
                     diverge_threshold)  # fmt: skip
    if getattr(model, "optimizer", None) is None or not getattr(
        model, "compiled", False
    ):
        raise ValueError(
            "The range test trains the model with its own loss and "
            "optimizer: call `model.compile(...)` first."
        )
    data, first_batch = _cycling(x, y, batch_size)
    optimizer = model.optimizer
    inner = getattr(optimizer, "inner_optimizer", optimizer)
    if not model.built:
        model(first_batch[0])
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    saved = _Snapshot(model, optimizer, inner)
    schedule = _RangeSchedule(
        start_lr,
        end_lr,
        num_steps,
        mode,
        int(ops.convert_to_numpy(inner._iterations)),
    )
    recorder = _Recorder(smoothing, diverge_threshold)
    try:
        # The step is traced anew with the test's schedule; the original
        # is put back, and traced anew, afterwards.
        inner._learning_rate = schedule
        model.train_function = None
        model.fit(
            data,
            steps_per_epoch=num_steps,
            epochs=1,
            shuffle=False,
            verbose=verbose,
            callbacks=[recorder, *(callbacks or [])],
        )
    finally:
        saved.restore()
    lrs = schedule.values(num_steps)[np.asarray(recorder.ends, int)]
    return LRRangeTestResult(
        lrs[: len(recorder.losses)],
        recorder.losses,
        smoothing=smoothing,
        stopped_early=recorder.stopped_early,
    )


def _check_arguments(start_lr, end_lr, num_steps, mode, smoothing, threshold):
    _validation.check_finite("start_lr", start_lr)
    if start_lr <= 0:
        raise ValueError(
            f"Argument `start_lr` must be > 0. Received: start_lr={start_lr}"
        )
    _validation.check_finite("end_lr", end_lr)
    if end_lr <= start_lr:
        raise ValueError(
            "Argument `end_lr` must be > `start_lr`. "
            f"Received: start_lr={start_lr}, end_lr={end_lr}"
        )
    _validation.check_int_at_least("num_steps", num_steps, 2)
    _validation.check_choice("mode", mode, MODES)
    _validation.check_finite("smoothing", smoothing)
    if not 0 <= smoothing < 1:
        raise ValueError(
            "Argument `smoothing` must be in [0, 1). "
            f"Received: smoothing={smoothing}"
        )
    _validation.check_finite("diverge_threshold", threshold)
    if threshold <= 1:
        raise ValueError(
            "Argument `diverge_threshold` must be > 1. "
            f"Received: diverge_threshold={threshold}"
        )


class _Snapshot:
    """Copies of everything the test changes, and their restoration."""

    def __init__(self, model, optimizer, inner):
        self.model, self.optimizer, self.inner = model, optimizer, inner
        self.weights = [
            np.array(ops.convert_to_numpy(v)) for v in model.weights
        ]
        self.optimizer_values = [
            np.array(ops.convert_to_numpy(v)) for v in optimizer.variables
        ]
        self.learning_rate = inner._learning_rate
        self.train_function = model.train_function
        self.stop_training = model.stop_training

    def restore(self):
        for variable, value in zip(
            self.model.weights, self.weights, strict=True
        ):
            variable.assign(value)
        for variable, value in zip(
            self.optimizer.variables, self.optimizer_values, strict=True
        ):
            variable.assign(value)
        self.inner._learning_rate = self.learning_rate
        # The next `fit` traces its step again, with the original LR.
        self.model.train_function = None
        self.model.stop_training = self.stop_training


class _Recorder(keras.callbacks.Callback):
    """Per-step (per-execution) losses from Keras' running means."""

    def __init__(self, smoothing, threshold):
        super().__init__()
        self.smoothing, self.threshold = smoothing, threshold
        self.losses, self.ends = [], []
        self.stopped_early = None
        self._done, self._sum = 0, 0.0
        self._average, self._best = 0.0, math.inf

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        if "loss" not in logs:
            return
        # Keras logs the mean loss of the epoch so far; the batches have
        # equal weight, so this execution's mean is a difference of sums.
        end = min(batch + 1, self.params.get("steps") or batch + 1)
        total = float(logs["loss"]) * end
        loss = (total - self._sum) / max(end - self._done, 1)
        self._sum, self._done = total, end
        self.losses.append(loss)
        self.ends.append(end - 1)
        n = len(self.losses)
        self._average = (
            self.smoothing * self._average + (1 - self.smoothing) * loss
        )
        smoothed = self._average / (1 - self.smoothing**n)
        if not math.isfinite(smoothed):
            self.stopped_early = f"the loss became {smoothed} at step {end}"
        elif smoothed > self.threshold * self._best:
            self.stopped_early = (
                f"the smoothed loss {smoothed:.4g} exceeded "
                f"{self.threshold} x its best {self._best:.4g} at step {end}"
            )
        self._best = min(self._best, smoothed)
        if self.stopped_early:
            self.model.stop_training = True


def _cycling(x, y, batch_size):
    """A never-ending source of batches, and its first batch."""
    try:
        import tensorflow as tf

        is_dataset = isinstance(x, tf.data.Dataset)
    except ImportError:  # pragma: no cover
        is_dataset = False
    if is_dataset:
        first = next(iter(x), None)
        if first is None:
            raise ValueError("Argument `x` is an empty dataset.")
        return x.repeat(), first
    if isinstance(x, keras.utils.PyDataset):
        if len(x) == 0:
            raise ValueError("Argument `x` is an empty PyDataset.")

        def from_py_dataset():
            while True:
                for i in range(len(x)):
                    yield x[i]

        return from_py_dataset(), x[0]
    arrays = [np.asarray(a) for a in ([x] if y is None else [x, y])]
    n = len(arrays[0])
    if n == 0:
        raise ValueError("Argument `x` is empty: the range test needs data.")
    if any(len(a) != n for a in arrays):
        raise ValueError(
            "Arguments `x` and `y` must have the same length. Received: "
            f"len(x)={n}, len(y)={len(arrays[-1])}"
        )
    batch_size = 32 if batch_size is None else batch_size
    batch_size = _validation.check_positive_int("batch_size", batch_size)

    def batches():
        # Equal batches, wrapping around the end of the data.
        start = 0
        while True:
            index = np.arange(start, start + batch_size) % n
            start = (start + batch_size) % n
            yield tuple(a[index] for a in arrays)

    source = batches()
    first = next(batches())
    return source, first
