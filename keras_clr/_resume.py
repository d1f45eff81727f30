"""`ScheduleGuard`: no silent schedule change across workers or restarts."""

import hashlib
import json
import os

import keras
import numpy as np

from keras_clr import _keras
from keras_clr import _validation

RECORD = "keras_clr_schedule.json"


def schedule_config(optimizer) -> dict:
    """What decides the LR and momentum of every step, as JSON values."""
    lr = _keras.learning_rate_object(optimizer)
    if isinstance(lr, keras.optimizers.schedules.LearningRateSchedule):
        learning_rate = keras.saving.serialize_keras_object(lr)
    else:
        learning_rate = float(keras.ops.convert_to_numpy(lr))
    inner = _keras.inner_optimizer(optimizer)
    config = {
        "optimizer": type(inner).__name__,
        "learning_rate": learning_rate,
    }
    for name in ("base_momentum", "max_momentum"):
        if hasattr(inner, name):
            config[name] = float(getattr(inner, name))
    # Through JSON, so that what is compared is what a file would hold.
    return json.loads(json.dumps(config, sort_keys=True, default=str))


class ScheduleGuard(keras.callbacks.Callback):
    """Stops a run whose schedule differs between workers or since a crash.

    For multi-process runs and `keras.callbacks.BackupAndRestore` (which
    restores `optimizer.iterations` and compares nothing else): before the
    first step it compares the schedule's configuration across a JAX run's
    processes and, with `backup_dir`, with what the interrupted run
    recorded there (`keras_clr_schedule.json`), steps per epoch included.

    Example:

    >>> import keras, numpy as np
    >>> import keras_clr
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer=keras.optimizers.SGD(
    ...     keras_clr.CyclicalLearningRate(0.1, 0.5, step_size=2)), loss="mse")
    >>> guard = keras_clr.ScheduleGuard()
    >>> _ = model.fit(np.ones((8, 2)), np.ones((8, 1)), batch_size=2,
    ...               callbacks=[guard], verbose=0)

    Args:
        backup_dir: The `backup_dir` of the run's `BackupAndRestore`, or
            `None` to check only across processes.

    Raises:
        ValueError: Before the first training step, if the processes'
            schedules differ, or if `backup_dir` was written by a run with
            another schedule or another number of steps per epoch.
    """

    def __init__(self, backup_dir: str | os.PathLike | None = None):
        super().__init__()
        if backup_dir is not None:
            backup_dir = _validation.check_directory("backup_dir", backup_dir)
        self.backup_dir = backup_dir
        self._checked = False

    def on_train_begin(self, logs=None):
        self._checked = False

    def on_epoch_begin(self, epoch, logs=None):
        # After every callback's `on_train_begin`: `CyclicLR` has installed
        # its schedule and `BackupAndRestore` has restored the backup.
        if self._checked:
            return
        self._checked = True
        config = schedule_config(self.model.optimizer)
        self._check_processes(config)
        if self.backup_dir is not None:
            self._check_backup(config, (self.params or {}).get("steps"))

    def _check_processes(self, config):
        digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
        fingerprint = np.frombuffer(digest.digest()[:8], np.uint32).copy()
        everyone = _keras.all_gather(fingerprint)
        differ = [i for i, x in enumerate(everyone) if np.any(x != fingerprint)]
        if differ:
            raise ValueError(
                "The processes of this run do not build the same learning "
                f"rate schedule: processes {differ} differ from process "
                f"{_keras.worker_index()}, whose schedule is {config}. "
                "Every process must compile the model with the same "
                "schedule and optimizer arguments."
            )

    def _check_backup(self, config, steps):
        path = os.path.join(self.backup_dir, RECORD)
        if not os.path.exists(path):
            if _keras.is_chief():
                os.makedirs(self.backup_dir, exist_ok=True)
                with open(path, "w") as f:
                    json.dump({"schedule": config, "steps": steps}, f)
            return
        with open(path) as f:
            recorded = json.load(f)
        if recorded["schedule"] != config:
            raise ValueError(
                f"The backup in {self.backup_dir!r} was written by a run "
                f"with another schedule: {recorded['schedule']}; this run "
                f"has {config}. Resume with the schedule of the interrupted "
                "run, or delete the backup directory to start afresh."
            )
        if recorded["steps"] != steps:
            raise ValueError(
                f"The backup in {self.backup_dir!r} was written by a run "
                f"with {recorded['steps']} steps per epoch; this run has "
                f"{steps}, so its epochs would end at other points of the "
                "cycle. Resume with the same data and batch size, or delete "
                "the backup directory to start afresh."
            )
