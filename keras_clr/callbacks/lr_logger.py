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

_EPOCH_DESCRIPTION = (
    "The learning rate the epoch's last optimizer step applied, as in "
    "History; Keras' TensorBoard writes `epoch_learning_rate` as the next's."
)
_STEP_DESCRIPTION = (
    "The LR each step applied, at optimizer.iterations after it."
)
_KERAS_LOG_NAMES = ("loss", "steps_per_second")


class LearningRateLogger(keras.callbacks.Callback):
    """Records the learning rate every optimizer step applied.

    For a schedule or a plain LR that callbacks change. `history` holds
    `'iterations'` and `'lr'` per step, readable during `fit`; `name` goes
    to the batch logs (for a `TensorBoard(update_freq="batch")` listed
    after it) and epoch logs; with `log_dir`, event files get a `name`
    scalar per step and `name + "_of_last_step"` per epoch. The step that
    moved `iterations` from `i` to `i + 1` applied `lr(i)`: iteration
    `i + 1`, as in the classic `CyclicLR`.

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
        name: Name of the value in the logs and in TensorBoard; not one
            Keras logs itself (`"loss"`, a metric, `"val_..."`).
        chief_only: In a multi-worker run, write event files from worker 0
            only (every worker keeps its own `history`).

    Raises:
        ValueError: For an invalid argument; when training starts, if `name`
            is one of the model's metrics.
        ImportError: With a `log_dir` but no `tensorboard` package.
    """

    # Batch-end hooks may run on Keras' callback thread pool, out of order.
    async_safe = True

    def __init__(
        self,
        log_dir: str | os.PathLike | None = None,
        name: str = "learning_rate",
        chief_only: bool = True,
    ):
        super().__init__()
        if log_dir is not None:
            log_dir = _validation.check_directory("log_dir", log_dir)
        _validation.check_name("name", name)
        if name in _KERAS_LOG_NAMES or name.startswith("val_"):
            raise ValueError(
                "Argument `name` must not be a name Keras puts in the logs "
                f"itself ({', '.join(_KERAS_LOG_NAMES)}, 'val_...'): the "
                f"value would overwrite it. Received: name={name!r}"
            )
        self.log_dir, self.name = log_dir, name
        self.chief_only = _validation.check_bool("chief_only", chief_only)
        if log_dir is not None:
            _events.require_tensorboard()
        self.errors = []
        self._writer = None
        self._lock = threading.Lock()
        self._iterations, self._lrs = [], []  # the confirmed steps
        # The running epoch: the step counter at its start, its steps (0:
        # unknown), those whose batch ended, and its per-step LRs known so
        # far (a schedule's, computed ahead; a plain LR's, per execution).
        self._epoch_start = self._planned = self._done = 0
        self._schedule, self._known = None, []

    @property
    def history(self) -> dict:
        """`{'iterations': [...], 'lr': [...]}` of every step so far (a copy;
        the epoch's end confirms them against the optimizer's counter)."""
        with self._lock:
            return self._history()

    def _history(self) -> dict:
        start, done = self._epoch_start, self._done
        iterations = self._iterations + [*range(start + 1, start + done + 1)]
        lrs = self._lrs + self._epoch_lrs(0, done).tolist()
        return {"iterations": iterations, "lr": lrs} if iterations else {}

    def _epoch_lrs(self, first, stop) -> np.ndarray:
        """The LRs of the running epoch's steps `first` to `stop - 1`."""
        known = self._known
        if stop > len(known) and self._schedule is not None:
            # In one vectorized call; an epoch of unknown length in chunks.
            size = max(stop, 2 * len(known), self._planned or 64)
            steps = np.arange(self._epoch_start, self._epoch_start + size)
            lrs = self._schedule(ops.convert_to_tensor(steps, widest_int()))
            lrs = ops.convert_to_numpy(lrs)
            known = self._known = np.broadcast_to(lrs, (size,))
        elif stop > len(known):
            # A plain LR holds until the next execution reads it anew.
            last = known[-1] if known else self._plain_lr()
            known = known + [last] * (stop - len(known))
        return np.asarray(known[first:stop], np.float64)

    def _plain_lr(self) -> float:
        # Through `self.model`: on JAX that syncs the state, so a value
        # another callback just assigned is seen.
        lr = _keras.inner_optimizer(self.model.optimizer).learning_rate
        return float(ops.convert_to_numpy(lr))

    def _steps_done(self, batch) -> int:
        # `batch` is the epoch index of the execution's last step; Keras
        # reports a full execution even where the data ran out.
        return min(batch + 1, self._planned or batch + 1)

    def on_train_begin(self, logs=None):
        _check_not_a_metric(self.name, self.model)
        writes = self.log_dir is not None and (
            not self.chief_only or _keras.is_chief()
        )
        if writes and self._writer is None:
            try:
                self._writer = _events.EventWriter(self.log_dir)
            except OSError as error:
                raise ValueError(
                    "Cannot write TensorBoard events to argument `log_dir`: "
                    f"{error}. Received: log_dir={self.log_dir!r}"
                ) from error

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        lr = _keras.learning_rate_object(optimizer)
        schedule_cls = keras.optimizers.schedules.LearningRateSchedule
        with self._lock:
            self._schedule = lr if isinstance(lr, schedule_cls) else None
            self._planned = (self.params or {}).get("steps") or 0
            self._epoch_start = _keras.step_counter(optimizer)
            self._done, self._known = 0, []
            if self._schedule is not None:
                self._epoch_lrs(0, 1)  # computed ahead, in one call

    def on_train_batch_begin(self, batch, logs=None):
        if self._schedule is None:
            # Read before the execution's steps apply it (another callback
            # may just have changed it).
            lr = self._plain_lr()
            with self._lock:
                known = self._known
                known.extend((known[-1:] or [lr]) * (batch - len(known)))
                known.append(lr)

    def on_train_batch_end(self, batch, logs=None):
        done = self._steps_done(batch)
        with self._lock:
            self._done = max(self._done, done)
            if logs is not None:
                logs[self.name] = float(self._epoch_lrs(done - 1, done)[0])

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        count = _keras.step_counter(self.model.optimizer) - self._epoch_start
        with self._lock:
            start = self._epoch_start
            steps = list(range(start + 1, start + 1 + max(count, 0)))
            lrs = self._epoch_lrs(0, len(steps)).tolist()
            self._iterations += steps
            self._lrs += lrs
            self._epoch_start += len(steps)
            self._done, self._known = 0, []
        if not self._lrs:
            return
        logs[self.name] = last = self._lrs[-1]
        if self._writer is not None:
            self._try("scalars", self.name, steps, lrs, _STEP_DESCRIPTION)
            about = _EPOCH_DESCRIPTION.format(name=self.name)
            tag = self.name + "_of_last_step"
            self._try("scalars", tag, [epoch], [last], about)
            self._try("flush")

    def _try(self, method, *args):
        """Calls the event writer; a failure warns once per cause."""
        try:
            getattr(self._writer, method)(*args)
        except Exception as error:  # training goes on
            line = str(error).partition("\n")[0]
            cause = f"{type(error).__name__}: {line}"
            if cause not in self.errors:
                message = (
                    f"{type(self).__name__} could not write TensorBoard "
                    f"events to {self.log_dir!r} ({cause}); training goes "
                    "on, `history` keeps every step."
                )
                logger.error(message)
                warnings.warn(message, RuntimeWarning, stacklevel=2)
            self.errors.append(cause)


def flat_metrics(model):
    """The model's metrics, those inside a compile container included."""
    for metric in getattr(model, "metrics", None) or []:
        inner = getattr(metric, "metrics", None)
        yield from inner if inner is not None else [metric]


def _check_not_a_metric(name, model):
    names = {metric.name for metric in flat_metrics(model)}
    if not _keras.metrics_known_before_training():
        # Not built yet: the compile config names them (it imports
        # TensorFlow, so only where the metrics are not known).
        try:
            config = model.get_compile_config() or {}
        except Exception:  # not compiled, or not serializable
            config = {}
        names |= _names(config.get("metrics"), config.get("weighted_metrics"))
    if name in names:
        raise ValueError(
            "Argument `name` must not be the name of one of the model's "
            "metrics, whose value it would overwrite in the logs. "
            f"Received: name={name!r}"
        )


def _names(*values) -> set:
    """The metric names in compile-config values (strings, serialized
    metrics, lists and dicts of them)."""
    names = set()
    for value in values:
        if isinstance(value, str):
            names.add(value)
        elif isinstance(value, dict):
            config = value.get("config")
            name = config.get("name") if isinstance(config, dict) else None
            if isinstance(name, str):
                names.add(name)
            else:
                names |= _names(*value.values())
        elif isinstance(value, (list, tuple)):
            names |= _names(*value)
    return names
