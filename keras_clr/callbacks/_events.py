"""TensorBoard event files written with the `tensorboard` package alone
(as `torch.utils.tensorboard` does), so nothing here imports TensorFlow;
the scalars are those `tf.summary.scalar` writes in TensorFlow 2."""

import itertools
import os
import socket
import time

_counter = itertools.count()


def require_tensorboard():
    """Raises an `ImportError` naming the fix when tensorboard is missing."""
    try:
        from tensorboard.compat.proto import event_pb2  # noqa: F401
        from tensorboard.summary.writer import record_writer  # noqa: F401
    except ImportError as error:
        raise ImportError(
            "LearningRateLogger(log_dir=...) writes TensorBoard event files "
            "with the `tensorboard` package, which is not installed: pip "
            "install tensorboard (or pip install 'keras-clr[tensorboard]')."
        ) from error


class EventWriter:
    """Appends scalar events to one new event file in `log_dir`."""

    def __init__(self, log_dir: str):
        from tensorboard.compat.proto import event_pb2
        from tensorboard.plugins.scalar import summary_v2
        from tensorboard.summary.writer.record_writer import RecordWriter

        self._event, self._scalar = event_pb2.Event, summary_v2.scalar_pb
        os.makedirs(log_dir, exist_ok=True)
        name = (
            f"events.out.tfevents.{int(time.time())}."
            f"{socket.gethostname()}.{os.getpid()}.{next(_counter)}.v2"
        )
        self.path = os.path.join(log_dir, name)
        self._file = open(self.path, "wb")  # noqa: SIM115 (closed in close())
        self._records = RecordWriter(self._file)
        self._described = set()
        self._add(file_version="brain.Event:2")
        self.flush()

    def _add(self, **fields):
        event = self._event(wall_time=time.time(), **fields)
        self._records.write(event.SerializeToString())

    def scalars(self, tag: str, steps, values, description: str = ""):
        """Writes `values[i]` at `steps[i]` under `tag`."""
        for step, value in zip(steps, values, strict=True):
            summary = self._scalar(tag, float(value), description)
            if tag in self._described:
                # The metadata travels with a tag's first value only.
                summary.value[0].ClearField("metadata")
            self._described.add(tag)
            self._add(step=int(step), summary=summary)

    def flush(self):
        self._file.flush()

    def close(self):
        if not self._file.closed:
            self._file.close()
