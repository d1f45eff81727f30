"""Scale a cyclical schedule's bounds down when a metric plateaus."""

import logging
import warnings

import keras
import numpy as np
from keras import ops

from keras_clr import _keras
from keras_clr import _validation
from keras_clr.callbacks.lr_logger import flat_metrics
from keras_clr.schedules._momentum import supports_momentum
from keras_clr.schedules.adjusted import AdjustedSchedule

logger = logging.getLogger(__name__)


class ReduceLRBoundsOnPlateau(keras.callbacks.Callback):
    """`ReduceLROnPlateau` for cyclical schedules: lowers both bounds.

    Keras' `ReduceLROnPlateau` refuses a schedule; this multiplies the
    whole keras_clr schedule (both bounds) by `factor` on the epochs Keras'
    callback would reduce a plain LR:

    ```
    improved = best is None or current < best - min_delta   ("min")
                               current > best + min_delta   ("max")
    wait = 0 if improved (or in cooldown) else wait + 1
    reduce when wait >= patience, outside cooldown, while the upper bound
        is above min_lr: scale <- max(scale * factor, min_lr / max_lr)
    ```

    `mode="auto"` follows the metric's direction, as Keras does. The scale
    lives in a `keras_clr.AdjustedSchedule` around the schedule (saved with
    the model), from the next step; each change is logged, in `history` as
    `(epoch, scale)` and in `logs["lr_bounds_scale"]`.

    Example:

    >>> import keras, numpy as np
    >>> import keras_clr
    >>> schedule = keras_clr.CyclicalLearningRate(0.01, 0.1, step_size=4)
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer=keras.optimizers.SGD(schedule), loss="mse")
    >>> plateau = keras_clr.ReduceLRBoundsOnPlateau(
    ...     monitor="loss", factor=0.5, patience=0, min_delta=1e9)
    >>> _ = model.fit(np.ones((8, 2)), np.ones((8, 1)), batch_size=4,
    ...               epochs=3, callbacks=[plateau], verbose=0)
    >>> plateau.history
    [(1, 0.5), (2, 0.25)]

    Args:
        monitor: Quantity to monitor.
        factor: Factor on the bounds at each reduction, in `(0, 1)`.
        patience: Epochs without improvement before a reduction.
        verbose: 1 prints each change.
        mode: `"auto"`, `"min"` or `"max"`.
        min_delta: Least change that counts as an improvement.
        cooldown: Epochs to wait after a reduction before counting again.
        min_lr: The schedule's upper bound is not scaled below this.

    Raises:
        ValueError: For an invalid argument; when training starts, if the
            learning rate is not a keras_clr schedule; at the first epoch's
            end, with `mode="auto"`, if `monitor`'s direction is unknown.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
    ):
        super().__init__()
        _validation.check_name("monitor", monitor)
        _validation.check_finite("factor", factor)
        if not 0 < factor < 1:
            raise ValueError(
                "Argument `factor` must be in (0, 1). "
                f"Received: factor={factor}"
            )
        patience = _validation.check_int_at_least("patience", patience, 0)
        cooldown = _validation.check_int_at_least("cooldown", cooldown, 0)
        verbose = _validation.check_int_at_least("verbose", verbose, 0)
        _validation.check_choice("mode", mode, ("auto", "min", "max"))
        _validation.check_non_negative("min_delta", min_delta)
        _validation.check_non_negative("min_lr", min_lr)
        self.monitor, self.factor, self.patience = monitor, factor, patience
        self.verbose, self.mode, self.min_delta = verbose, mode, min_delta
        self.cooldown, self.min_lr = cooldown, min_lr
        self.history, self.schedule = [], None
        self._reset_counters()

    def _reset_counters(self):
        # As Keras' ReduceLROnPlateau: the first value is an improvement.
        self.best, self.wait, self.cooldown_counter = None, 0, 0
        self._minimize = None

    def _direction(self) -> bool:
        """True to minimize; Keras' `MonitorCallback` rule for "auto"."""
        if self.mode != "auto":
            return self.mode == "min"
        name = self.monitor.removeprefix("val_")
        minimize = True if name == "loss" else None
        for metric in flat_metrics(self.model):
            direction = getattr(metric, "_direction", None)
            if metric.name == name and direction is not None:
                minimize = direction != "up"
        if minimize is None:
            raise ValueError(
                f"ReduceLRBoundsOnPlateau received monitor={self.monitor!r} "
                "but cannot tell whether it should be maximized or "
                "minimized. Pass mode='max' or mode='min'."
            )
        return minimize

    def _bind(self, strict):
        """Wraps the optimizer's schedule; True when it is in place."""
        optimizer = self.model.optimizer
        current = _keras.learning_rate_object(optimizer)
        if isinstance(current, AdjustedSchedule):
            self.schedule = current
            return True
        if supports_momentum(current):
            self.schedule = AdjustedSchedule(current)
            _keras.install_schedule(optimizer, self.schedule)
            _keras.retrace(self.model)
            return True
        if strict:
            raise ValueError(
                "ReduceLRBoundsOnPlateau needs an optimizer whose learning "
                "rate is a keras_clr schedule (CyclicalLearningRate, "
                "OneCycle, or the CyclicLR callback's). For a float learning "
                "rate use keras.callbacks.ReduceLROnPlateau. Received: "
                f"learning_rate={current!r}"
            )
        return False

    def set_model(self, model):
        super().set_model(model)
        if getattr(model, "optimizer", None) is not None:
            # Before `fit` makes its train function; a CyclicLR callback
            # later in the list installs its schedule afterwards.
            self._bind(strict=False)

    def on_train_begin(self, logs=None):
        self._bind(strict=True)
        self._reset_counters()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        if self._minimize is None:
            # Here, as Keras does: the model's metrics are built by now.
            self._minimize = self._direction()
        scale = float(ops.convert_to_numpy(self.schedule.scale))
        logs["lr_bounds_scale"] = scale
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"ReduceLRBoundsOnPlateau: metric `{self.monitor}` is not in "
                f"the logs; available: {', '.join(logs)}.",
                stacklevel=2,
            )
            return
        # Keras' ReduceLROnPlateau, step for step.
        if self.cooldown_counter > 0:
            self.cooldown_counter, self.wait = self.cooldown_counter - 1, 0
        if self._is_improvement(current, self.best):
            self.best, self.wait = current, 0
            return
        if self.cooldown_counter > 0:
            return
        self.wait += 1
        if self.wait >= self.patience and self._reduce(epoch, scale):
            self.cooldown_counter, self.wait = self.cooldown, 0

    def _is_improvement(self, current, best) -> bool:
        if best is None:
            return True
        # In float32, as Keras' `ops.less`/`ops.greater` compare them.
        if self._minimize:
            return bool(np.float32(current + self.min_delta) < np.float32(best))
        return bool(np.float32(current - self.min_delta) > np.float32(best))

    def _reduce(self, epoch, scale) -> bool:
        """Scales the bounds; False where `min_lr` allows no reduction."""
        upper = float(getattr(self.schedule.schedule, "max_lr", 0.0) or 0.0)
        if upper > 0:
            # The upper bound as Keras would hold the LR: in float32.
            old = float(np.float32(upper * scale))
            # Keras holds min_lr itself once reached; `upper * scale` can be
            # one float32 rounding above it.
            if not old > np.float32(self.min_lr) * (1 + 1e-6):
                return False
            new_scale = max(scale * self.factor, self.min_lr / upper)
        else:
            new_scale = scale * self.factor
        self.schedule.scale.assign(new_scale)
        _keras.refresh_compiled_variables(self.model)
        self.history.append((epoch, new_scale))
        message = (
            f"Epoch {epoch + 1}: ReduceLRBoundsOnPlateau scaled the "
            f"learning rate bounds to {new_scale:.4g}x."
        )
        logger.info(message)
        if self.verbose:
            print(message)
        return True
