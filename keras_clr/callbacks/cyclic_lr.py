"""The classic `CyclicLR` callback's API, backed by an in-graph schedule."""

import os

import keras

from keras_clr import _keras
from keras_clr import _validation
from keras_clr import addons
from keras_clr.callbacks.lr_logger import LearningRateLogger
from keras_clr.schedules.adjusted import AdjustedSchedule
from keras_clr.schedules.cyclical import MODES
from keras_clr.schedules.cyclical import SCALE_MODES
from keras_clr.schedules.cyclical import CyclicalLearningRate
from keras_clr.schedules.cyclical import check_bounds

SCHEDULE_NAME = "CyclicLR"
"""The name of the schedule `CyclicLR` installs (how a later one knows it)."""


class CyclicLR(LearningRateLogger):
    """Drop-in for the classic Keras `CyclicLR` callback (`clr_callback.py`).

    Use it to keep notebook code written for the classic callback: only
    the import changes.

    ```python
    from keras_clr import CyclicLR  # was: from clr_callback import *

    clr = CyclicLR(base_lr=0.001, max_lr=0.006, step_size=2000.,
                   mode="triangular")
    model.fit(x, y, callbacks=[clr])
    plt.plot(clr.history["iterations"], clr.history["lr"])
    clr._reset(new_base_lr=0.003, new_max_lr=0.009)  # the classic reset
    ```

    Instead of setting the learning rate from Python before every batch
    (a host round trip per step, and a staircase with
    `steps_per_execution > 1`), it gives the model's optimizer the
    equivalent schedule, computed inside the compiled train step, when
    `fit` starts. With `t` the steps since the cycle started and `s` the
    step size (as the classic callback):

    ```
    lr(t) = base_lr + (max_lr - base_lr) * max(0, 1 - x) * scale
    where cycle = floor(1 + t / (2 s)), x = |t / s - 2 cycle + 1|,
          scale = 1                    mode "triangular"
                  1 / 2^(cycle - 1)    mode "triangular2"
                  gamma^t              mode "exp_range"
                  scale_fn(cycle or t) with `scale_fn` (per `scale_mode`)
    ```

    An integral `step_size` (`2000.` too) gives a
    `keras_clr.CyclicalLearningRate`, exact in integer arithmetic; a
    non-integral one (`2.5`) gives the classic float32 formula above.

    The cycle follows `optimizer.iterations`, so a later `fit` with the
    same callback continues it. A new `CyclicLR` (or `reset()` / the
    classic `_reset()`) restarts it at `base_lr` at the next `fit`: the
    schedule a `CyclicLR` installed is replaced, while a schedule of your
    own is refused. After training the optimizer keeps the schedule:
    `optimizer.learning_rate` is the LR of the next step, `model.save`,
    `model.export`, `tf.train.Checkpoint` and `BackupAndRestore` save it,
    and a loaded model resumes the cycle without the callback.

    `history` is the classic one: `'lr'` and `'iterations'`, one entry per
    optimizer step, plus each batch log key (`loss`, `accuracy`, ...) as
    Keras reports them (once per execution; `log_iterations` says at which
    iteration). It can be read at any time, also while `fit` runs, and
    holds every completed step (see `keras_clr.LearningRateLogger`).

    Example:

    >>> import keras, numpy as np
    >>> import keras_clr
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    >>> clr = keras_clr.CyclicLR(base_lr=0.1, max_lr=0.5, step_size=2.)
    >>> _ = model.fit(np.ones((8, 2)), np.ones((8, 1)), batch_size=2,
    ...               callbacks=[clr], verbose=0)
    >>> [round(lr, 2) for lr in clr.history["lr"]]
    [0.1, 0.3, 0.5, 0.3]
    >>> clr._reset(new_max_lr=0.9)
    >>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), batch_size=2,
    ...               callbacks=[clr], verbose=0)
    >>> [round(lr, 2) for lr in clr.history["lr"][4:]]
    [0.1, 0.5]

    Args:
        base_lr: Lower bound of the learning rate, `>= 0`.
        max_lr: Upper bound, `>= base_lr`.
        step_size: Steps per half cycle, `> 0` (need not be integral).
        mode: `"triangular"`, `"triangular2"` or `"exp_range"`.
        gamma: Factor of `"exp_range"`, in `(0, 1]`: the amplitude is
            `gamma**iterations`.
        scale_fn: Custom scale policy. It must be registered for Keras
            serialization (see `keras_clr.CyclicalLearningRate`); lambdas are
            refused, since the schedule is saved with the model.
        scale_mode: `"cycle"` or `"iterations"`, used with `scale_fn`.
        log_dir: Optional directory for per-step TensorBoard scalars (see
            `keras_clr.LearningRateLogger`).
        chief_only: In a multi-worker or multi-process run, write event
            files from worker 0 only (every worker keeps `history`).

    Raises:
        ValueError: At construction for invalid arguments; when training
            starts, if the optimizer already has a schedule that no
            `CyclicLR` installed.
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
        log_dir: str | os.PathLike | None = None,
        chief_only: bool = True,
    ):
        super().__init__(log_dir=log_dir, chief_only=chief_only)
        _validation.check_choice("mode", mode, MODES)
        _validation.check_choice("scale_mode", scale_mode, SCALE_MODES)
        self.mode = mode
        self.gamma = gamma
        self.scale_fn = scale_fn
        self.scale_mode = scale_mode
        # Validates every argument now, before any training.
        self.schedule = self._make_schedule(base_lr, max_lr, step_size, 0)
        self.base_lr = base_lr
        self.max_lr = max_lr
        self.step_size = step_size
        self._installed = []
        self._logs = {}
        self._log_iterations = []
        self._batch_logs = {}
        self._epoch_first = 0

    def _make_schedule(self, base_lr, max_lr, step_size, start: int):
        _validation.check_finite("step_size", step_size)
        kwargs = dict(
            base_lr=base_lr,
            max_lr=max_lr,
            step_size=step_size,
            mode=self.mode,
            gamma=self.gamma,
            scale_fn=self.scale_fn,
        )
        if step_size > 0 and float(step_size).is_integer():
            # As the classic callback: `scale_mode` only applies to a
            # custom `scale_fn`; the modes bring their own.
            schedule = CyclicalLearningRate(
                **kwargs, scale_mode=self.scale_mode if self.scale_fn else None
            )
        else:
            # A fractional step size, as the classic callback (and TF
            # Addons) allow: the keras_clr.addons classes place it exactly.
            schedule = _fractional_schedule(
                base_lr,
                max_lr,
                step_size,
                self.mode,
                self.gamma,
                self.scale_fn,
                self.scale_mode,
            )
        return AdjustedSchedule(schedule, start_step=start, name=SCHEDULE_NAME)

    def reset(
        self,
        base_lr: float | None = None,
        max_lr: float | None = None,
        step_size: float | None = None,
    ):
        """Restarts the cycle at `base_lr`, optionally with new bounds.

        It takes effect at the next `fit` (which traces the train step once
        more). All or nothing: if a new value is invalid, the `ValueError`
        leaves the callback as it was.

        Args:
            base_lr: New lower bound, or `None` to keep it.
            max_lr: New upper bound, or `None` to keep it.
            step_size: New step size, or `None` to keep it.
        """
        base_lr = self.base_lr if base_lr is None else base_lr
        max_lr = self.max_lr if max_lr is None else max_lr
        step_size = self.step_size if step_size is None else step_size
        start = 0
        model = self.model
        if getattr(model, "optimizer", None) is not None:
            start = _keras.step_counter(model.optimizer)
        schedule = self._make_schedule(base_lr, max_lr, step_size, start)
        self.base_lr, self.max_lr, self.step_size = base_lr, max_lr, step_size
        self.schedule = schedule

    def _reset(
        self,
        new_base_lr: float | None = None,
        new_max_lr: float | None = None,
        new_step_size: float | None = None,
    ):
        """The classic callback's `_reset`: `reset()` with its keywords."""
        self.reset(
            base_lr=new_base_lr, max_lr=new_max_lr, step_size=new_step_size
        )

    # -- History ------------------------------------------------------------

    @property
    def history(self) -> dict:
        """`'iterations'`, `'lr'` and the batch logs, up to the last batch."""
        history = super().history
        with self._lock:
            for key, values in self._logs.items():
                history[key] = list(values)
            for batch in sorted(self._batch_logs):
                for key, value in self._batch_logs[batch].items():
                    history.setdefault(key, []).append(value)
        return history

    @property
    def log_iterations(self) -> list:
        """The iteration at which each batch-log entry of `history` ended."""
        with self._lock:
            pending = [
                self._batch_iteration(b) for b in sorted(self._batch_logs)
            ]
            return self._log_iterations + pending

    def _batch_iteration(self, batch, last=None):
        # The iteration of an execution's last step, clipped where the
        # data ran out.
        iteration = self._epoch_first + batch + 1
        planned = (self.params or {}).get("steps")
        if planned:
            iteration = min(iteration, self._epoch_first + planned)
        return iteration if last is None else min(iteration, last)

    # -- Hooks ------------------------------------------------------------

    def set_model(self, model):
        super().set_model(model)
        self._install(model)

    def _install(self, model):
        optimizer = getattr(model, "optimizer", None)
        if optimizer is None:
            return
        current = _keras.learning_rate_object(optimizer)
        if current is self.schedule:
            return
        schedule_cls = keras.optimizers.schedules.LearningRateSchedule
        mine = any(current is s for s in self._installed)
        if isinstance(current, schedule_cls) and not (
            mine or _installed_by_a_cyclic_lr(current)
        ):
            raise ValueError(
                "CyclicLR sets the optimizer's learning rate itself, but the "
                f"optimizer already has a schedule: {current!r}. Compile the "
                "model with a float learning rate to use CyclicLR, or pass "
                "a keras_clr.CyclicalLearningRate to the optimizer and drop "
                "the callback."
            )
        if not mine:
            # A float learning rate, or another CyclicLR's schedule: the
            # cycle starts at `base_lr` now, as the classic callback's did.
            self.schedule = self._make_schedule(
                self.base_lr,
                self.max_lr,
                self.step_size,
                _keras.step_counter(optimizer),
            )
        _keras.install_schedule(optimizer, self.schedule)
        self._installed.append(self.schedule)
        # `set_model` runs before `fit` makes its train function; dropping a
        # previous one makes `fit` trace anew, with the schedule.
        _keras.retrace(model)

    def on_epoch_begin(self, epoch, logs=None):
        super().on_epoch_begin(epoch, logs)
        with self._lock:
            self._epoch_first = self._epoch_start
            self._batch_logs = {}

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        if logs is not None:
            entry = {k: v for k, v in logs.items() if k != self.name}
            with self._lock:
                self._batch_logs[batch] = entry

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        last = self._epoch_start  # the epoch's last iteration
        with self._lock:
            for batch in sorted(self._batch_logs):
                self._log_iterations.append(self._batch_iteration(batch, last))
                for key, value in self._batch_logs[batch].items():
                    self._logs.setdefault(key, []).append(value)
            self._batch_logs = {}
            self._epoch_first = last


def _installed_by_a_cyclic_lr(schedule) -> bool:
    return (
        isinstance(schedule, AdjustedSchedule)
        and schedule.name == SCHEDULE_NAME
    )


def _fractional_schedule(
    base_lr, max_lr, step_size, mode, gamma, scale_fn, scale_mode
):
    """The TF Addons class with the classic callback's numbers for `mode`
    (the classic modes are TF Addons' three named classes)."""
    # The bounds are checked under the callback's own argument names.
    check_bounds("base_lr", base_lr, "max_lr", max_lr)
    if scale_fn is not None:
        return addons.CyclicalLearningRate(
            base_lr, max_lr, step_size, scale_fn, scale_mode
        )
    if mode == "triangular":
        return addons.TriangularCyclicalLearningRate(base_lr, max_lr, step_size)
    if mode == "triangular2":
        return addons.Triangular2CyclicalLearningRate(
            base_lr, max_lr, step_size
        )
    return addons.ExponentialCyclicalLearningRate(
        base_lr, max_lr, step_size, gamma=gamma
    )
