"""Bad input across a restart: a backup written by another schedule, or
with another epoch length, is refused by `ScheduleGuard`; without it Keras
continues the cycle from the restored step count (its behaviour).

The interruption is an exception raised by a callback mid-epoch (Keras'
own tests of BackupAndRestore do the same); a real SIGKILL is in
test_crash_resume.py.
"""

import keras
import numpy as np
import pytest

import keras_clr
from tests.distributed import jobs

STEPS = 4


class Interrupt(keras.callbacks.Callback):
    def __init__(self, at_step):
        super().__init__()
        self.at_step = at_step

    def on_train_batch_begin(self, batch, logs=None):
        if int(self.model.optimizer.iterations) == self.at_step:
            raise RuntimeError("interrupted")


def fit(model, backup, steps=STEPS, guard=True, extra=()):
    """Three epochs of `steps` steps with BackupAndRestore; the records."""
    recorder = jobs.Recorder()
    x, y, _ = jobs.data(0, STEPS)
    callbacks = [recorder, *extra]
    if guard:
        callbacks.append(keras_clr.ScheduleGuard(backup))
    callbacks.append(keras.callbacks.BackupAndRestore(backup))
    model.fit(
        x,
        y,
        batch_size=len(x) // steps,
        epochs=3,
        shuffle=False,
        verbose=0,
        callbacks=callbacks,
    )
    return recorder.steps


def interrupted(backup, guard=True):
    """A run stopped in its second epoch, after one epoch's backup."""
    model, _ = jobs.build("clr")
    with pytest.raises(RuntimeError, match="interrupted"):
        fit(model, backup, guard=guard, extra=[Interrupt(STEPS + 2)])


def test_same_schedule_resumes(tmp_path):
    backup = tmp_path / "backup"
    interrupted(backup)
    steps = fit(jobs.build("clr")[0], backup)
    assert [s[0] for s in steps] == list(range(STEPS, 3 * STEPS))
    assert not backup.exists()  # removed with Keras' backup at the end


def test_backup_of_another_schedule_is_refused(tmp_path):
    backup = tmp_path / "backup"
    interrupted(backup)
    model, _ = jobs.build("clr")
    model.compile(
        optimizer=keras.optimizers.Adam(
            keras_clr.CyclicalLearningRate(0.01, 0.05, 4)
        ),
        loss="sparse_categorical_crossentropy",
    )
    recorder = jobs.Recorder()
    with pytest.raises(ValueError, match="another schedule") as error:
        fit(model, backup, extra=[recorder])
    assert "'step_size': 4" in str(error.value)
    assert recorder.steps == []  # refused before any step
    assert (backup / "keras_clr_schedule.json").exists()  # nothing lost


def test_backup_with_another_epoch_length_is_refused(tmp_path):
    backup = tmp_path / "backup"
    interrupted(backup)
    recorder = jobs.Recorder()
    with pytest.raises(ValueError, match="4 steps per epoch; this run has 2"):
        fit(jobs.build("clr")[0], backup, steps=2, extra=[recorder])
    assert recorder.steps == []


def test_without_the_guard_keras_continues_from_the_restored_step(tmp_path):
    # Keras' behaviour, documented in README: another epoch length resumes
    # at the restored step count (no restart of the cycle), with epochs
    # that end elsewhere in the cycle.
    backup = tmp_path / "backup"
    interrupted(backup, guard=False)
    model, _ = jobs.build("clr")
    schedule = model.optimizer._learning_rate
    steps = fit(model, backup, steps=2, guard=False)
    assert [s[0] for s in steps] == [STEPS, STEPS + 1, STEPS + 2, STEPS + 3]
    np.testing.assert_allclose(
        [s[1] for s in steps],
        [float(schedule(s[0])) for s in steps],
        rtol=1e-7,
    )
