"""A callback that records the learning rate of every optimizer step."""

import logging
import os
import warnings

import keras
import numpy as np
from keras import ops

logger = logging.getLogger(__name__)


class LearningRateLogger(keras.callbacks.Callback):
    """Records the learning rate every optimizer step applied.

    Works with any learning rate: a keras_clr or Keras
    `LearningRateSchedule`, or a plain (variable) learning rate that other
    callbacks change. It

    - keeps `history`: `'iterations'` and `'lr'`, one entry per optimizer
      step, also inside an execution of `steps_per_execution > 1`;
    - adds `learning_rate` to the batch logs (so Keras' `TensorBoard` with
      `update_freq="batch"` plots it) and to the epoch logs (so it lands in
      `History.history`);
    - with a `log_dir`, writes a `learning_rate` scalar for every step
      (the step is the optimizer iteration) to TensorBoard event files, so
      cycles shorter than an epoch are visible whatever `update_freq` and
      `steps_per_execution` are.

    The off-by-one: Keras increments `optimizer.iterations` after applying
    the gradients. The step that moved `iterations` from `i` to `i + 1`
    applied `schedule(i)`; it is recorded as iteration `i + 1`, with that LR,
    as the classic `CyclicLR` callback did. The logged `learning_rate` of a
    batch or epoch is the LR its last step applied.

    Nothing is added to the train step, and almost nothing to a batch, so
    Keras keeps dispatching batch callbacks asynchronously (the callback is
    `async_safe`): a schedule is a function of the step, so its LRs for an
    epoch come from one vectorized call when the epoch begins, and the
    steps the epoch took are read from `optimizer.iterations` once, when it
    ends (steps a `LossScaleOptimizer` skipped are not optimizer steps and
    are not recorded). `history` is therefore complete at the end of each
    epoch. The TensorBoard scalars are written in one compiled call per
    epoch. A plain learning rate is read before each execution.

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
        log_dir: Optional directory for TensorBoard event files.
        name: Name of the logged value, `"learning_rate"` by default.
    """

    def __init__(self, log_dir: str | None = None, name: str = "learning_rate"):
        super().__init__()
        if log_dir is not None:
            log_dir = os.fspath(log_dir)
            if os.path.exists(log_dir) and not os.path.isdir(log_dir):
                raise ValueError(
                    "Argument `log_dir` must be a directory (it is created if "
                    f"missing). Received: log_dir={log_dir!r}, a file"
                )
        if not isinstance(name, str) or not name:
            raise ValueError(
                "Argument `name` must be a non-empty string. "
                f"Received: name={name!r}"
            )
        self.log_dir = log_dir
        self.name = name
        self.history = {}
        self._writer = None
        self._write = None
        self._pending_events = []
        self._epoch_lrs = None
        self._plain_lrs = {}

    # Batch-end hooks may run on Keras' callback thread pool, out of order.
    async_safe = True

    def _optimizer(self):
        optimizer = self.model.optimizer
        # A LossScaleOptimizer steps its inner optimizer.
        return getattr(optimizer, "inner_optimizer", optimizer)

    def _iterations(self) -> int:
        # The raw step count, which the schedule sees (with gradient
        # accumulation `iterations` counts updates instead).
        return int(ops.convert_to_numpy(self._optimizer()._iterations))

    def _schedule(self):
        lr = self._optimizer()._learning_rate
        schedule_cls = keras.optimizers.schedules.LearningRateSchedule
        return lr if isinstance(lr, schedule_cls) else None

    def _schedule_lrs(self, first, count):
        """`schedule(step)` for `count` steps from `first`, vectorized."""
        dtype = "int32" if keras.backend.backend() == "jax" else "int64"
        steps = ops.convert_to_tensor(np.arange(first, first + count), dtype)
        lrs = ops.convert_to_numpy(self._schedule()(steps))
        return np.broadcast_to(np.asarray(lrs, np.float64), (count,))

    def on_train_begin(self, logs=None):
        if self.log_dir is not None and self._writer is None:
            self._writer = self._make_writer()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = self._iterations()
        self._planned = (self.params or {}).get("steps") or 0
        self._epoch_lrs = None
        if self._schedule() is not None and self._planned:
            self._epoch_lrs = self._schedule_lrs(
                self._epoch_start, self._planned
            )
        # Plain learning rates, by the epoch index of an execution's first
        # step.
        self._plain_lrs = {}

    def on_train_batch_begin(self, batch, logs=None):
        if self._schedule() is None:
            # Read before the execution's steps apply it (another callback
            # may just have changed it).
            lr = self._optimizer().learning_rate
            self._plain_lrs[batch] = float(ops.convert_to_numpy(lr))

    def on_train_batch_end(self, batch, logs=None):
        if logs is None:
            return
        # `batch` is the epoch index of the execution's last step (Keras
        # reports a full execution even where the data ran out).
        if self._epoch_lrs is not None:
            index = min(batch, len(self._epoch_lrs) - 1)
            logs[self.name] = float(self._epoch_lrs[index])
        elif self._plain_lrs:
            begin = max(b for b in list(self._plain_lrs) if b <= batch)
            logs[self.name] = self._plain_lrs[begin]

    def _epoch_step_lrs(self, count):
        """The LRs of the `count` steps this epoch took."""
        if self._schedule() is not None:
            if self._epoch_lrs is not None and count <= len(self._epoch_lrs):
                return np.asarray(self._epoch_lrs[:count])
            return self._schedule_lrs(self._epoch_start, count)
        begins = sorted(self._plain_lrs)
        if not begins:
            return np.full(
                count,
                float(ops.convert_to_numpy(self._optimizer().learning_rate)),
            )
        index = np.searchsorted(begins, np.arange(count), side="right") - 1
        values = np.array([self._plain_lrs[b] for b in begins])
        return values[np.maximum(index, 0)]

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        count = self._iterations() - self._epoch_start
        if count > 0:
            lrs = self._epoch_step_lrs(count)
            steps = np.arange(self._epoch_start, self._epoch_start + count)
            self.history.setdefault("iterations", []).extend(
                (steps + 1).tolist()
            )
            self.history.setdefault("lr", []).extend(lrs.tolist())
            if self.log_dir is not None:
                self._pending_events.append((steps, lrs))
        if self.history.get("lr"):
            logs[self.name] = self.history["lr"][-1]
        self._flush()

    def on_train_end(self, logs=None):
        self._flush()

    def _make_writer(self):
        import tensorflow as tf

        try:
            os.makedirs(self.log_dir, exist_ok=True)
            return tf.summary.create_file_writer(self.log_dir)
        except Exception as error:
            raise ValueError(
                "Cannot write TensorBoard events to argument `log_dir`: "
                f"{error}. Received: log_dir={self.log_dir!r}"
            ) from error

    def _flush(self):
        """Writes the buffered per-step scalars; reports any failure."""
        if not self._pending_events or self._writer is None:
            return
        import tensorflow as tf

        steps = np.concatenate([s for s, _ in self._pending_events]) + 1
        lrs = np.concatenate([v for _, v in self._pending_events])
        self._pending_events = []
        try:
            if self._write is None:
                self._write = _compiled_writer(self._writer, self.name)
            self._write(
                tf.constant(steps, tf.int64), tf.constant(lrs, tf.float32)
            )
            self._writer.flush()
        except Exception as error:
            # Training goes on; the failure is reported, not dropped.
            message = (
                f"LearningRateLogger could not write TensorBoard events to "
                f"{self.log_dir!r}: {error}"
            )
            logger.error(message)
            self.history.setdefault("errors", []).append(message)
            warnings.warn(message, RuntimeWarning, stacklevel=2)


def _compiled_writer(writer, name):
    """One compiled call writes a scalar per step (eager: 200 us each)."""
    import tensorflow as tf
    from tensorboard.plugins.scalar import metadata

    # What `tf.summary.scalar` writes, without its name-scope prefix
    # (inside the loop the tag would become "while/<name>").
    scalar_metadata = metadata.create_summary_metadata(
        display_name=None, description=None
    )

    @tf.function(
        input_signature=[
            tf.TensorSpec([None], tf.int64),
            tf.TensorSpec([None], tf.float32),
        ],
        autograph=False,
    )
    def write(steps, values):
        # `fit` may have switched summaries off (Keras' TensorBoard does).
        with writer.as_default(), tf.summary.record_if(True):

            def body(i):
                tf.summary.write(
                    tag=name,
                    tensor=values[i],
                    step=steps[i],
                    metadata=scalar_metadata,
                )
                return [i + 1]

            tf.while_loop(lambda i: i < tf.size(steps), body, [tf.constant(0)])

    return write
