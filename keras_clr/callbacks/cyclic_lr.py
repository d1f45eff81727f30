"""The classic `CyclicLR` callback's API, backed by an in-graph schedule."""

import operator
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
_first = operator.itemgetter(0)


class CyclicLR(LearningRateLogger):
    """Drop-in for the classic Keras `CyclicLR` callback (`clr_callback.py`).

    Only the import changes. At `fit` it gives the optimizer the
    equivalent schedule, computed in the compiled step
    (`keras_clr.CyclicalLearningRate`'s formula; TF Addons' for a
    fractional `step_size`), which follows `optimizer.iterations` and is
    saved with the model; `reset()`/`_reset()` restart it at the next
    `fit`. `history` is the classic one: `'lr'` and `'iterations'` per
    step, batch log keys per execution (at `log_iterations`).

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
        gamma: Factor of `"exp_range"`, in `(0, 1]`.
        scale_fn: Custom scale policy, registered for Keras serialization
            (see `keras_clr.CyclicalLearningRate`); no lambdas.
        scale_mode: `"cycle"` or `"iterations"`, used with `scale_fn`.
        log_dir: Optional directory for per-step TensorBoard scalars.
        chief_only: Write event files from worker 0 only.

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
        self.mode, self.gamma = mode, gamma
        self.scale_fn, self.scale_mode = scale_fn, scale_mode
        self.base_lr, self.max_lr, self.step_size = None, None, None
        self.reset(base_lr, max_lr, step_size)  # validates them now
        # (iteration, batch logs) per execution: confirmed, this epoch's.
        self._batch_logs, self._pending = [], []

    def _make_schedule(self, base_lr, max_lr, step_size, start=0):
        _validation.check_finite("step_size", step_size)
        args = (base_lr, max_lr, step_size)
        if step_size > 0 and float(step_size).is_integer():
            # As the classic callback: `scale_mode` only applies to a
            # custom `scale_fn`; the modes bring their own.
            scale_mode = self.scale_mode if self.scale_fn else None
            schedule = CyclicalLearningRate(
                *args, self.mode, self.gamma, self.scale_fn, scale_mode
            )
        else:
            # The bounds are checked under the callback's argument names.
            check_bounds("base_lr", base_lr, "max_lr", max_lr)
            if self.scale_fn is not None:
                schedule = addons.CyclicalLearningRate(
                    *args, self.scale_fn, self.scale_mode
                )
            elif self.mode == "exp_range":
                schedule = addons.ExponentialCyclicalLearningRate(
                    *args, gamma=self.gamma
                )
            elif self.mode == "triangular2":
                schedule = addons.Triangular2CyclicalLearningRate(*args)
            else:
                schedule = addons.TriangularCyclicalLearningRate(*args)
        return AdjustedSchedule(schedule, start_step=start, name=SCHEDULE_NAME)

    def reset(
        self,
        base_lr: float | None = None,
        max_lr: float | None = None,
        step_size: float | None = None,
    ):
        """Restarts the cycle at `base_lr` at the next `fit`.

        Args:
            base_lr: New lower bound, or `None` to keep it.
            max_lr: New upper bound, or `None` to keep it.
            step_size: New step size, or `None` to keep it.

        Raises:
            ValueError: For an invalid value; the callback stays as it was.
        """
        base_lr = self.base_lr if base_lr is None else base_lr
        max_lr = self.max_lr if max_lr is None else max_lr
        step_size = self.step_size if step_size is None else step_size
        self.schedule = self._make_schedule(base_lr, max_lr, step_size)
        self.base_lr, self.max_lr, self.step_size = base_lr, max_lr, step_size

    def _reset(self, new_base_lr=None, new_max_lr=None, new_step_size=None):
        """The classic callback's `_reset`: `reset()` with its keywords."""
        self.reset(new_base_lr, new_max_lr, new_step_size)

    def _history(self) -> dict:
        history = super()._history()
        for _, entry in self._batch_logs + sorted(self._pending, key=_first):
            for key, value in entry.items():
                history.setdefault(key, []).append(value)
        return history

    @property
    def log_iterations(self) -> list:
        """The iteration at which each batch-log entry of `history` ended."""
        with self._lock:
            logged = self._batch_logs + sorted(self._pending, key=_first)
        return [iteration for iteration, _ in logged]

    def set_model(self, model):
        super().set_model(model)
        optimizer = getattr(model, "optimizer", None)
        if optimizer is None:
            return
        current = _keras.learning_rate_object(optimizer)
        if current is self.schedule:
            return  # a later `fit`: the cycle goes on
        schedule_cls = keras.optimizers.schedules.LearningRateSchedule
        if isinstance(current, schedule_cls) and not (
            isinstance(current, AdjustedSchedule)
            and current.name == SCHEDULE_NAME
        ):
            raise ValueError(
                "CyclicLR sets the optimizer's learning rate itself, but the "
                f"optimizer already has a schedule: {current!r}. Compile the "
                "model with a float learning rate to use CyclicLR, or pass "
                "a keras_clr.CyclicalLearningRate to the optimizer and drop "
                "the callback."
            )
        # A float LR, a CyclicLR's earlier schedule, or a `reset()`: the
        # cycle starts at `base_lr` now, as the classic callback's did.
        bounds = (self.base_lr, self.max_lr, self.step_size)
        start = _keras.step_counter(optimizer)
        self.schedule = self._make_schedule(*bounds, start)
        _keras.install_schedule(optimizer, self.schedule)
        # `set_model` runs before `fit` makes its train function; dropping a
        # previous one makes `fit` trace anew, with the schedule.
        _keras.retrace(model)

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        if logs is not None:
            iteration = self._epoch_start + self._steps_done(batch)
            entry = {k: v for k, v in logs.items() if k != self.name}
            with self._lock:
                self._pending.append((iteration, entry))

    def on_epoch_begin(self, epoch, logs=None):
        super().on_epoch_begin(epoch, logs)
        self._pending = []  # an interrupted epoch's are not confirmed

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        # Where the data ran out inside an execution, or a step was
        # skipped, the epoch ended earlier than its batches say.
        last = self._epoch_start
        with self._lock:
            self._batch_logs += [
                (min(iteration, last), entry)
                for iteration, entry in sorted(self._pending, key=_first)
            ]
            self._pending = []
