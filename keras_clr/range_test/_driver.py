"""The range test's driver: swap in the sweep, train, restore everything."""

import math

import keras
import numpy as np
from keras import ops
from keras.optimizers.schedules import LearningRateSchedule

from keras_clr import _keras
from keras_clr import _validation
from keras_clr.range_test import _data
from keras_clr.range_test import _suggest
from keras_clr.range_test import _sweep
from keras_clr.range_test._result import LRRangeTestResult
from keras_clr.schedules._momentum import MAX_MOMENTUM
from keras_clr.schedules._momentum import MomentumSchedule
from keras_clr.schedules._ops import constant
from keras_clr.schedules._ops import float_dtype
from keras_clr.schedules._ops import integer_step

MAX_NUM_STEPS = 2**31 - 1
"""The most steps a range test takes: the largest count an int32 step
counter holds (JAX without x64 counts in int32)."""


class _RangeSchedule(LearningRateSchedule, MomentumSchedule):
    """The sweep over `num_steps` steps from `first_step`, then held; and
    the optimizer's fixed nominal momentum (`max_momentum`)."""

    def __init__(self, start_lr, end_lr, num_steps, mode, first_step):
        super().__init__()
        self.sweep = (start_lr, end_lr, mode)
        self.num_steps, self.first_step = num_steps, first_step
        self.dtype = float_dtype(start_lr)

    def __call__(self, step):
        step = integer_step(step)
        k = step - constant(self.first_step, step.dtype)
        k = ops.cast(ops.clip(k, 0, self.num_steps - 1), self.dtype)
        fraction = k / constant(self.num_steps - 1, self.dtype)
        return _sweep.sweep_lr(fraction, *self.sweep, exp=ops.exp)

    def momentum(self, step, base_momentum=None, max_momentum=MAX_MOMENTUM):
        # The test varies the LR alone (README, "Momentum during the test").
        return constant(max_momentum, self.dtype)

    def get_config(self):  # pragma: no cover - never saved
        raise NotImplementedError("The range test's schedule is not saved.")


_ABSENT = object()
# Apart from the sweep's seeds, so that no sweep replays another's draws
# (PyTorch seeds with the sum of a SeedGenerator's two numbers).
_SEED_STRIDE = 1_000_003


class _Snapshot:
    """Copies of everything the test changes (see `lr_range_test`)."""

    def __init__(self, model, optimizer):
        self.model, self.optimizer = model, optimizer
        state = _keras.global_seed_generator_state()
        variables = {
            id(v): v
            for v in (
                *model.variables,
                *optimizer.variables,
                *model.metrics_variables,
                *([] if state is None else [state]),
            )
        }
        self.values = [
            (v, np.array(ops.convert_to_numpy(v))) for v in variables.values()
        ]
        self.rng_state = _keras.backend_rng_state()
        self.learning_rate = _keras.learning_rate_object(optimizer)
        self.history = model.__dict__.get("history", _ABSENT)
        self.stop_training = model.stop_training

    def restore(self, sweep=0):
        """Puts everything back; `sweep > 0` only puts the variables back,
        then moves every random generator to a seed of that sweep's own."""
        for variable, value in self.values:
            if sweep and variable.name == "seed_generator_state":
                seeds = value.astype(np.int64)
                seeds[0] = (seeds[0] + sweep * _SEED_STRIDE) % 2**31
                value = seeds.astype(value.dtype)
            variable.assign(value)
        _keras.set_backend_rng_state(self.rng_state)
        if sweep:
            self.model.stop_training = False
            if self.rng_state is not None:  # torch's global generators
                import torch

                torch.manual_seed(int(torch.randint(2**62, ())) + sweep)
            return
        _keras.set_learning_rate_object(self.optimizer, self.learning_rate)
        _keras.retrace(self.model)  # the next `fit` traces the original LR
        self.model.stop_training = self.stop_training
        if self.history is _ABSENT:
            self.model.__dict__.pop("history", None)
        else:
            self.model.history = self.history


class _Recorder(keras.callbacks.Callback):
    """Per-step (per-execution) losses from Keras' running means."""

    def __init__(self, smoothing, threshold):
        super().__init__()
        self.smoothing, self.threshold = smoothing, threshold
        self.losses, self.ends, self.stopped_early = [], [], None
        self._done, self._sum, self._average, self._best = 0, 0.0, 0.0, math.inf

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
        beta = self.smoothing
        self._average = beta * self._average + (1 - beta) * loss
        smoothed = self._average / (1 - beta ** len(self.losses))
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


def lr_range_test(
    model: keras.Model,
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
    callbacks: list | None = None,
    verbose="auto",
    repeats: int = 1,
    keep_partial: bool = False,
) -> LRRangeTestResult:
    """Runs Smith's LR range test on a compiled model; restores it after.

    To choose a schedule's bounds: the model trains with its own loss and
    optimizer for up to `num_steps` steps while the LR grows:

    $$
    \\text{lr}_k = \\begin{cases}
      l_0 \\, (l_1 / l_0)^{k / (n - 1)} & \\text{mode = "exp"} \\\\
      l_0 + (l_1 - l_0) \\, k / (n - 1) & \\text{mode = "linear"}
    \\end{cases}
    $$

    ($k$ the step, $n$ `num_steps`, $l_0$ `start_lr`, $l_1$ `end_lr`),
    stopping when the smoothed loss exceeds `diverge_threshold` times its
    best or is not finite.

    With `repeats=k > 1` it sweeps `k` times from the same start (the
    others than the first with shuffled data and new random seeds); see
    `LRRangeTestResult.from_sweeps`. Cyclical-momentum optimizers keep
    their nominal `max_momentum` throughout.

    Afterwards, whether the test finished, diverged, raised or was
    interrupted (the interrupt is re-raised unless `keep_partial=True`
    and a sweep is complete), everything that affects the next `fit` is
    what it was, bit for bit: the model's, optimizer's and metrics'
    variables (seed generators, iterations and loss scale included), the
    optimizer's learning rate or schedule, Keras' global seed generator,
    torch's global random state on PyTorch, `model.history` and
    `model.stop_training`.

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
        x: NumPy array(s) (or anything `numpy.asarray` takes), a
            `tf.data.Dataset` or a `keras.utils.PyDataset`; the last two
            yield `(x, y)` batches.
        y: Targets, with array `x`.
        batch_size: Batch size with array data (default 32).
        start_lr: First learning rate, `> 0`.
        end_lr: Last learning rate, `> start_lr`.
        num_steps: Steps of the test, from 2 to `MAX_NUM_STEPS`.
        mode: `"exp"` (geometric steps, the usual choice) or `"linear"`.
        smoothing: Factor of the loss' moving average, in `[0, 1)`.
        diverge_threshold: Stop when the smoothed loss exceeds this times
            its best; `> 1`.
        callbacks: More Keras callbacks for the test's `fit` (every sweep).
        verbose: Keras' progress bar setting.
        repeats: How many sweeps, a positive int.
        keep_partial: On Ctrl-C, after restoring, return the sweeps
            already complete instead of re-raising (if there is one).

    Returns:
        An `LRRangeTestResult`. With `steps_per_execution > 1` it has one
        point per execution: its mean loss, at the LR of its last step.

    Raises:
        ValueError: For bad arguments, a model that is not compiled, or
            missing, empty or malformed data, before any weight changes.
    """
    _validation.check_above("start_lr", start_lr, 0)
    _validation.check_float32("end_lr", end_lr)
    _validation.check_above_argument("end_lr", end_lr, "start_lr", start_lr)
    _validation.check_int_at_least("num_steps", num_steps, 2)
    _validation.check_at_most(
        "num_steps", num_steps, MAX_NUM_STEPS, " (MAX_NUM_STEPS, 2**31 - 1)"
    )
    _validation.check_choice("mode", mode, _sweep.MODES)
    _validation.check_in_unit_interval("smoothing", smoothing)
    _validation.check_above("diverge_threshold", diverge_threshold, 1)
    callbacks = [] if callbacks is None else callbacks
    if not isinstance(callbacks, (list, tuple)) or not all(
        isinstance(c, keras.callbacks.Callback) for c in callbacks
    ):
        raise ValueError(
            "Argument `callbacks` must be a list of `keras.callbacks."
            f"Callback` instances. Received: callbacks={callbacks!r}"
        )
    repeats = _validation.check_count("repeats", repeats)
    keep_partial = _validation.check_bool("keep_partial", keep_partial)
    if isinstance(verbose, bool) or verbose not in ("auto", 0, 1, 2):
        raise ValueError(
            "Argument `verbose` must be 'auto', 0, 1 or 2. "
            f"Received: verbose={verbose!r}"
        )
    if not isinstance(model, keras.Model):
        raise ValueError(
            "Argument `model` must be a compiled `keras.Model`. "
            f"Received: model={model!r}"
        )
    if getattr(model, "optimizer", None) is None or not model.compiled:
        raise ValueError(
            "The range test trains the model with its own loss and "
            "optimizer: call `model.compile(...)` first."
        )
    data, first_batch = _data.cycling_batches(x, y, batch_size)
    optimizer = model.optimizer
    if not model.built:
        model(first_batch[0])
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    saved = _Snapshot(model, optimizer)
    plan = (start_lr, end_lr, num_steps, mode)
    schedule = _RangeSchedule(*plan, _keras.iterations(optimizer))
    sweeps = []
    try:
        # The step is traced anew with the test's schedule.
        _keras.set_learning_rate_object(optimizer, schedule)
        _keras.retrace(model)
        for sweep in range(repeats):
            if sweep:
                saved.restore(sweep)
                data, _ = _data.cycling_batches(x, y, batch_size, seed=sweep)
            rec = _Recorder(smoothing, diverge_threshold)
            model.fit(
                data,
                steps_per_epoch=num_steps,
                epochs=1,
                shuffle=False,
                verbose=verbose,
                callbacks=[rec, *callbacks],
            )
            lrs = _sweep.recorded_lrs(rec.ends, *plan)
            sweeps.append(
                LRRangeTestResult(lrs, rec.losses, smoothing, rec.stopped_early)
            )
    except KeyboardInterrupt:
        if not (keep_partial and sweeps):
            raise
    finally:
        saved.restore()
    if len(sweeps) == 1:
        return sweeps[0]
    result = LRRangeTestResult._combined(sweeps)
    _suggest.warn_if_unsure(result, stacklevel=3)  # at the caller's line
    return result
