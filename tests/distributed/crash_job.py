"""The training script of the crash-and-resume tests.

`python -m tests.distributed.crash_job OUT KIND [KIND ...]` trains each job
for `EPOCHS` epochs of `STEPS` steps (the same batches each epoch, in a
fixed order) with `keras.callbacks.BackupAndRestore(save_freq="epoch")`,
appending the iteration, LR and momentum of every step to
`OUT/<KIND>/steps.jsonl` as it goes, and writes the final weights to
`OUT/<KIND>/result.json`. A finished job is skipped, so rerunning the same
command after a crash picks up where the crash left off.

With `KILL_AT_STEP=n` in the environment, the first job that has not been
killed yet stops before step `n` (mid-epoch), creates `OUT/<KIND>/killed`
and waits there to be killed (SIGKILL, by the test).
"""

import json
import os
import sys
import time

import keras

from tests.distributed import jobs

EPOCHS = 3
STEPS = 4


class StepLog(jobs.Recorder):
    """Appends every step's record to a file, line by line, unbuffered."""

    def __init__(self, path, kill_at, killed_marker):
        super().__init__()
        self.file = open(path, "a", buffering=1)
        self.kill_at = kill_at
        self.killed_marker = killed_marker

    def on_train_batch_begin(self, batch, logs=None):
        super().on_train_batch_begin(batch, logs)
        step = self.steps[-1]
        self.file.write(json.dumps(step) + "\n")
        if step[0] == self.kill_at and not os.path.exists(self.killed_marker):
            open(self.killed_marker, "w").close()
            time.sleep(120)  # the test kills the process here
            sys.exit("crash_job: was not killed")

    def on_train_end(self, logs=None):
        self.file.close()


def run(out, kind, kill_at):
    folder = os.path.join(out, kind)
    os.makedirs(folder, exist_ok=True)
    result = os.path.join(folder, "result.json")
    if os.path.exists(result):
        return
    model, callbacks = jobs.build(kind)
    log = StepLog(
        os.path.join(folder, "steps.jsonl"),
        kill_at,
        os.path.join(folder, "killed"),
    )
    backup = keras.callbacks.BackupAndRestore(
        os.path.join(folder, "backup"), save_freq="epoch"
    )
    x, y, batch_size = jobs.data(0, STEPS)
    model.fit(
        x,
        y,
        batch_size=batch_size,
        epochs=EPOCHS,
        shuffle=False,
        verbose=0,
        callbacks=[log, *callbacks, backup],
    )
    with open(result, "w") as f:
        json.dump(dict(weights=jobs.weights(model)), f)


if __name__ == "__main__":
    kill_at = int(os.environ.get("KILL_AT_STEP", -1))
    for kind in sys.argv[2:]:
        run(sys.argv[1], kind, kill_at)
