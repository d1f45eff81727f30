"""The classic `CyclicLR` callback's API, backed by an in-graph schedule."""

import keras

from keras_clr.callbacks.lr_logger import LearningRateLogger
from keras_clr.schedules.adjusted import AdjustedSchedule
from keras_clr.schedules.cyclical import CyclicalLearningRate


class CyclicLR(LearningRateLogger):
    """Drop-in for the classic Keras `CyclicLR` callback (`clr_callback.py`).

    Only the import changes:

    ```python
    from keras_clr import CyclicLR  # was: from clr_callback import *

    clr = CyclicLR(base_lr=0.001, max_lr=0.006, step_size=2000.,
                   mode="triangular")
    model.fit(x, y, callbacks=[clr])
    plt.plot(clr.history["iterations"], clr.history["lr"])
    ```

    Instead of setting the learning rate from Python before every batch
    (a host round trip per step, and a staircase with
    `steps_per_execution > 1`), it gives the model's optimizer the
    equivalent `keras_clr.CyclicalLearningRate`, computed inside the
    compiled train step, when `fit` starts. The cycle follows
    `optimizer.iterations`, so a later `fit` continues it; `reset()`
    restarts it.

    After training the optimizer keeps the schedule: `optimizer.learning_rate`
    is the cyclical LR of the next step, `model.save` saves it, and a
    loaded model resumes the cycle without the callback.

    `history` is the classic one: `'lr'` and `'iterations'`, one entry per
    optimizer step, plus each batch log key (`loss`, `accuracy`, ...) as
    Keras reports them (once per execution), completed at the end of each
    epoch; see `LearningRateLogger`.

    Args:
        base_lr: Lower bound of the learning rate.
        max_lr: Upper bound.
        step_size: Steps per half cycle (an integral float like `2000.` is
            fine).
        mode: `"triangular"`, `"triangular2"` or `"exp_range"`.
        gamma: Factor of `"exp_range"`: the amplitude is `gamma**iterations`.
        scale_fn: Custom scale policy. It must be registered for Keras
            serialization (see `keras_clr.CyclicalLearningRate`); lambdas are
            refused, since the schedule is saved with the model.
        scale_mode: `"cycle"` or `"iterations"`, used with `scale_fn`.
        log_dir: Optional directory for per-step TensorBoard scalars.

    Raises:
        ValueError: At construction for invalid arguments; when training
            starts, if the optimizer already has a different schedule.
    """

    def __init__(
        self,
        base_lr: float = 0.001,
        max_lr: float = 0.006,
        step_size: float = 2000.0,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn=None,
        scale_mode: str = "cycle",
        log_dir: str | None = None,
    ):
        super().__init__(log_dir=log_dir)
        self.base_lr = base_lr
        self.max_lr = max_lr
        self.step_size = step_size
        self.mode = mode
        self.gamma = gamma
        self.scale_fn = scale_fn
        self.scale_mode = scale_mode
        # Validates every argument now, before any training.
        self.schedule = self._make_schedule(0)
        self._installed = []
        self._batch_logs = {}
        # The iteration of each batch-log entry (one per execution).
        self.log_iterations = []

    def _make_schedule(self, start: int):
        schedule = CyclicalLearningRate(
            base_lr=self.base_lr,
            max_lr=self.max_lr,
            step_size=self.step_size,
            mode=self.mode,
            gamma=self.gamma,
            scale_fn=self.scale_fn,
            # As the classic callback: `scale_mode` only applies to a
            # custom `scale_fn`; the modes bring their own.
            scale_mode=self.scale_mode if self.scale_fn else None,
        )
        return AdjustedSchedule(schedule, start_step=start, name="CyclicLR")

    def reset(self, base_lr=None, max_lr=None, step_size=None):
        """Restarts the cycle at the next step, optionally with new bounds.

        The classic callback's `_reset`. It takes effect at the next `fit`
        (which retraces the train step once).
        """
        for name, value in (
            ("base_lr", base_lr),
            ("max_lr", max_lr),
            ("step_size", step_size),
        ):
            if value is not None:
                setattr(self, name, value)
        start = 0
        if self.model is not None:
            start = self._iterations()
        self.schedule = self._make_schedule(start)

    _reset = reset  # the classic name

    def on_epoch_begin(self, epoch, logs=None):
        super().on_epoch_begin(epoch, logs)
        self._batch_logs = {}

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        if logs is not None:
            self._batch_logs[batch] = dict(logs)

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        # Batch logs in order, each at the iteration of its execution's
        # last step (clipped where the data ran out).
        last = self.history["iterations"][-1] if self.history else 0
        for batch in sorted(self._batch_logs):
            self.log_iterations.append(min(self._epoch_start + batch + 1, last))
            for key, value in self._batch_logs[batch].items():
                if key != self.name:
                    self.history.setdefault(key, []).append(value)
        self._batch_logs = {}

    def set_model(self, model):
        super().set_model(model)
        optimizer = getattr(model, "optimizer", None)
        if optimizer is None:
            return
        inner = getattr(optimizer, "inner_optimizer", optimizer)
        current = inner._learning_rate
        if current is self.schedule:
            return
        schedule_cls = keras.optimizers.schedules.LearningRateSchedule
        if isinstance(current, schedule_cls) and not any(
            current is mine for mine in self._installed
        ):
            raise ValueError(
                "CyclicLR sets the optimizer's learning rate itself, but the "
                f"optimizer already has a schedule: {current!r}. Compile the "
                "model with a float learning rate to use CyclicLR, or pass "
                "a keras_clr.CyclicalLearningRate to the optimizer and drop "
                "the callback."
            )
        # Replaces a float learning rate, or this callback's previous
        # schedule after `reset()`. `set_model` runs before `fit` makes its
        # train function; dropping a previous one makes `fit` trace anew,
        # with the schedule.
        inner.learning_rate = self.schedule
        self._installed.append(self.schedule)
        model.train_function = None
