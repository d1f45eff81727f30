"""A callback that records the learning rate of every optimizer step."""

import logging
import os
import threading
import warnings

import keras
import numpy as np
from keras import ops

from keras_clr import _keras
from keras_clr import _validation
from keras_clr.callbacks import _events
from keras_clr.schedules._ops import widest_int

logger = logging.getLogger(__name__)

EPOCH_TAG_SUFFIX = "_of_last_step"
"""Appended to `name` for the epoch scalar the logger writes itself."""

_EPOCH_DESCRIPTION = (
    "The learning rate the epoch's last optimizer step applied (the value "
    "History.history[{name!r}] holds). Keras' TensorBoard callback writes "
    "`epoch_learning_rate` as the learning rate of the next step."
)
_STEP_DESCRIPTION = (
    "The learning rate each optimizer step applied; the step is "
    "optimizer.iterations after the step."
)


class LearningRateLogger(keras.callbacks.Callback):
    """Records the learning rate every optimizer step applied.

    Use it to see (and plot) what a schedule did, step by step, whatever
    the learning rate is: a keras_clr or Keras `LearningRateSchedule`, or a
    plain (variable) learning rate that other callbacks change. It

    - keeps `history`: `'iterations'` and `'lr'`, one entry per optimizer
      step, also inside an execution of `steps_per_execution > 1`;
      readable at any time, also while `fit` runs;
    - adds `name` (`"learning_rate"`) to the batch logs, so Keras'
      `TensorBoard(update_freq="batch")` plots `batch_learning_rate` (list
      the logger before the `TensorBoard` in `callbacks`: Keras calls them
      in order, and a callback cannot see its list through public API),
      and to the epoch logs, so it lands in `History.history`;
    - with a `log_dir`, writes TensorBoard event files: a `name` scalar for
      every step (the step is the optimizer iteration), so cycles shorter
      than an epoch are visible whatever `update_freq` and
      `steps_per_execution` are, and a `name + "_of_last_step"` scalar per
      epoch. The files are written with the `tensorboard` package alone, on
      every backend, without TensorFlow.

    The off-by-one: Keras increments `optimizer.iterations` after applying
    the gradients. The step that moved `iterations` from `i` to `i + 1`
    applied `lr(i)`; it is recorded as iteration `i + 1`, with that LR, as
    the classic `CyclicLR` callback did. The epoch value in the logs (and
    so in `History.history["learning_rate"]`) is the LR the epoch's *last*
    step applied. Keras' `TensorBoard` writes `epoch_learning_rate` as
    `optimizer.learning_rate` at the epoch's end: `lr(iterations)`, the LR
    of the *next* step, one step later. The epoch scalar this logger
    writes is named `learning_rate_of_last_step` so the two cannot be
    mistaken for each other.

    Nothing is added to the train step, and no device read to a batch, so
    Keras keeps dispatching batch callbacks asynchronously (the callback is
    `async_safe`): a schedule is a function of the step, so its LRs for an
    epoch come from one vectorized call when the epoch begins; `history`
    is filled from them when read, and the steps the epoch took are read
    from the optimizer once, when it ends (steps a `LossScaleOptimizer`
    skipped are not optimizer steps and are dropped then). A plain
    learning rate is read before each execution.

    In a multi-worker or multi-process run every worker keeps its own
    `history`; with `chief_only=True` only worker 0 writes event files.

    Example:

    >>> import keras, numpy as np
    >>> import keras_clr
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer=keras.optimizers.SGD(
    ...     keras_clr.CyclicalLearningRate(0.1, 0.5, step_size=2)), loss="mse")
    >>> lr_log = keras_clr.LearningRateLogger()
    >>> _ = model.fit(np.ones((8, 2)), np.ones((8, 1)), batch_size=2,
    ...               callbacks=[lr_log], verbose=0)
    >>> lr_log.history["iterations"]
    [1, 2, 3, 4]
    >>> [round(lr, 2) for lr in lr_log.history["lr"]]
    [0.1, 0.3, 0.5, 0.3]

    Args:
        log_dir: Optional directory for TensorBoard event files (created if
            missing). Needs the `tensorboard` package.
        name: Name of the logged value in the logs and in TensorBoard,
            `"learning_rate"` by default. It must not be a name Keras puts
            in the logs itself (`"loss"`, a metric, `"val_..."`).
        chief_only: In a multi-worker or multi-process run, write event
            files from worker 0 only (every worker still records
            `history`). `False`: every worker writes to `log_dir`.

    Raises:
        ValueError: At construction for an invalid argument; when training
            starts, if `name` is the name of one of the model's metrics.
        ImportError: At construction, with a `log_dir` but no `tensorboard`
            package.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike | None = None,
        name: str = "learning_rate",
        chief_only: bool = True,
    ):
        super().__init__()
        self.log_dir = (
            None
            if log_dir is None
            else _validation.check_directory("log_dir", log_dir)
        )
        self.name = _check_log_name(name)
        self.chief_only = _validation.check_bool("chief_only", chief_only)
        if self.log_dir is not None:
            _events.require_tensorboard()
        self.errors = []
        self._reported = set()
        self._committed = {}
        self._writer = None
        self._lock = threading.Lock()
        self._optimizer_ref = None
        self._schedule_ref = None
        self._epoch_start = 0
        self._epoch_lrs = None
        self._planned = 0
        self._done = 0
        self._plain_lrs = {}

    # Batch-end hooks may run on Keras' callback thread pool, out of order.
    async_safe = True

    @property
    def history(self) -> dict:
        """`{'iterations': [...], 'lr': [...]}`: every step completed so far.

        A new dict at each read. Inside an epoch, the steps are those whose
        batch has ended; the epoch's end confirms them against the
        optimizer's step counter.
        """
        with self._lock:
            history = {key: list(v) for key, v in self._committed.items()}
            steps, lrs = self._provisional()
        if len(steps):
            history.setdefault("iterations", []).extend((steps + 1).tolist())
            history.setdefault("lr", []).extend(lrs.tolist())
        return history

    def _provisional(self):
        """The steps of the running epoch whose batch has ended, and LRs."""
        count = self._done
        if not count or self._optimizer_ref is None:
            return np.zeros(0, np.int64), np.zeros(0)
        steps = np.arange(self._epoch_start, self._epoch_start + count)
        if self._epoch_lrs is not None:
            return steps, np.asarray(self._epoch_lrs[:count])
        if self._schedule_ref is not None:
            # An epoch of unknown length: evaluated on demand.
            return steps, self._schedule_lrs(self._epoch_start, count)
        return steps, self._plain_step_lrs(count)

    # -- What the optimizer holds ---------------------------------------

    def _schedule_lrs(self, first, count):
        """`schedule(step)` for `count` steps from `first`, vectorized."""
        steps = ops.convert_to_tensor(
            np.arange(first, first + count), widest_int()
        )
        lrs = ops.convert_to_numpy(self._schedule_ref(steps))
        return np.broadcast_to(np.asarray(lrs, np.float64), (count,))

    def _plain_step_lrs(self, count):
        begins = sorted(self._plain_lrs)
        if not begins:
            return np.full(count, self._plain_lr())
        index = np.searchsorted(begins, np.arange(count), side="right") - 1
        values = np.array([self._plain_lrs[b] for b in begins])
        return values[np.maximum(index, 0)]

    def _plain_lr(self) -> float:
        # Through `self.model`: on JAX that syncs the state, so a value
        # another callback just assigned is seen.
        lr = _keras.inner_optimizer(self.model.optimizer).learning_rate
        return float(ops.convert_to_numpy(lr))

    def _bind_optimizer(self):
        """Caches the optimizer and its schedule (one model access)."""
        optimizer = self.model.optimizer
        self._optimizer_ref = optimizer
        lr = _keras.learning_rate_object(optimizer)
        schedule_cls = keras.optimizers.schedules.LearningRateSchedule
        self._schedule_ref = lr if isinstance(lr, schedule_cls) else None

    # -- Hooks ------------------------------------------------------------

    def on_train_begin(self, logs=None):
        _check_not_a_metric(self.name, self.model)
        if self._writes_events() and self._writer is None:
            try:
                self._writer = _events.EventWriter(self.log_dir)
            except OSError as error:
                raise ValueError(
                    "Cannot write TensorBoard events to argument `log_dir`: "
                    f"{error}. Received: log_dir={self.log_dir!r}"
                ) from error

    def _writes_events(self) -> bool:
        if self.log_dir is None:
            return False
        return not self.chief_only or _keras.is_chief()

    def on_epoch_begin(self, epoch, logs=None):
        self._bind_optimizer()
        self._planned = (self.params or {}).get("steps") or 0
        self._epoch_start = _keras.step_counter(self._optimizer_ref)
        epoch_lrs = None
        if self._schedule_ref is not None:
            # An epoch of unknown length gets them in growing chunks.
            epoch_lrs = self._schedule_lrs(
                self._epoch_start, self._planned or 64
            )
        with self._lock:
            self._epoch_lrs = epoch_lrs
            self._done = 0
            # Plain learning rates, by the epoch index of an execution's
            # first step.
            self._plain_lrs = {}

    def on_train_batch_begin(self, batch, logs=None):
        if self._schedule_ref is None:
            # Read before the execution's steps apply it (another callback
            # may just have changed it).
            self._plain_lrs[batch] = self._plain_lr()

    def on_train_batch_end(self, batch, logs=None):
        # `batch` is the epoch index of the execution's last step (Keras
        # reports a full execution even where the data ran out).
        done = batch + 1
        if self._planned:
            done = min(done, self._planned)
        elif self._epoch_lrs is not None and done > len(self._epoch_lrs):
            more = self._schedule_lrs(
                self._epoch_start + len(self._epoch_lrs),
                max(done, 2 * len(self._epoch_lrs)) - len(self._epoch_lrs),
            )
            self._epoch_lrs = np.concatenate([self._epoch_lrs, more])
        with self._lock:
            self._done = max(self._done, done)
        if logs is None:
            return
        if self._epoch_lrs is not None:
            logs[self.name] = float(self._epoch_lrs[done - 1])
        elif self._plain_lrs:
            begin = max(b for b in list(self._plain_lrs) if b <= batch)
            logs[self.name] = self._plain_lrs[begin]

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        count = _keras.step_counter(self.model.optimizer) - self._epoch_start
        steps = np.arange(self._epoch_start, self._epoch_start + max(count, 0))
        lrs = self._epoch_step_lrs(len(steps))
        with self._lock:
            self._committed.setdefault("iterations", []).extend(
                (steps + 1).tolist()
            )
            self._committed.setdefault("lr", []).extend(lrs.tolist())
            self._done = 0
            self._epoch_start += len(steps)
            self._epoch_lrs = None
        last = self._committed["lr"][-1] if self._committed["lr"] else None
        if last is not None:
            logs[self.name] = last
        if self._writer is not None:
            self._write(self.name, steps + 1, lrs, _STEP_DESCRIPTION)
            if last is not None:
                self._write(
                    self.name + EPOCH_TAG_SUFFIX,
                    [epoch],
                    [last],
                    _EPOCH_DESCRIPTION.format(name=self.name),
                )
            self._flush()

    def _epoch_step_lrs(self, count):
        """The LRs of the `count` steps this epoch took."""
        if self._schedule_ref is not None:
            if self._epoch_lrs is not None and count <= len(self._epoch_lrs):
                return np.asarray(self._epoch_lrs[:count], np.float64)
            return self._schedule_lrs(self._epoch_start, count)
        return self._plain_step_lrs(count)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._flush()

    # -- TensorBoard --------------------------------------------------------

    def _write(self, tag, steps, values, description):
        if not len(steps):
            return
        try:
            self._writer.scalars(tag, steps, values, description)
        except Exception as error:  # training goes on; reported once
            self._report(error)

    def _flush(self):
        try:
            self._writer.flush()
        except Exception as error:
            self._report(error)

    def _report(self, error):
        cause = f"{type(error).__name__}: {str(error).splitlines()[0]}"
        self.errors.append(cause)
        if cause in self._reported:
            return
        self._reported.add(cause)
        message = (
            f"{type(self).__name__} could not write TensorBoard events "
            f"to {self.log_dir!r} ({cause}); training goes on, `history` "
            "keeps every step."
        )
        logger.error(message)
        warnings.warn(message, RuntimeWarning, stacklevel=3)


_KERAS_LOG_NAMES = ("loss", "steps_per_second")


def _check_log_name(name) -> str:
    _validation.check_name("name", name)
    if name in _KERAS_LOG_NAMES or name.startswith("val_"):
        raise ValueError(
            f"Argument `name` must not be a name Keras puts in the logs "
            f"itself ({', '.join(_KERAS_LOG_NAMES)}, 'val_...'): the value "
            f"would overwrite it. Received: name={name!r}"
        )
    return name


def _metric_names(model):
    """The names the model's metrics log under, as far as known now."""
    names = set()
    for metric in getattr(model, "metrics", None) or []:
        inner = getattr(metric, "metrics", None)
        for m in inner if inner is not None else [metric]:
            names.add(m.name)
    if _keras.metrics_known_before_training():
        return names
    # Not built yet: the compile config names them (it imports TensorFlow,
    # so only where the metrics are not known).
    try:
        config = model.get_compile_config() or {}
    except Exception:  # not compiled, or not serializable
        config = {}
    for key in ("metrics", "weighted_metrics"):
        _collect_names(config.get(key), names)
    return names


def _collect_names(value, names):
    if isinstance(value, str):
        names.add(value)
    elif isinstance(value, dict):
        config = value.get("config")
        if isinstance(config, dict) and isinstance(config.get("name"), str):
            names.add(config["name"])
        else:
            for item in value.values():
                _collect_names(item, names)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect_names(item, names)


def _check_not_a_metric(name, model):
    if name in _metric_names(model):
        raise ValueError(
            f"Argument `name` must not be the name of one of the model's "
            f"metrics, whose value it would overwrite in the logs. "
            f"Received: name={name!r}"
        )
