"""TensorBoard event files written with the `tensorboard` package alone.

As `torch.utils.tensorboard` does: TensorBoard's protobuf classes and its
TFRecord framing (`RecordWriter`, pure Python), on a plain file, so nothing
here imports TensorFlow on any backend. (TensorBoard's `EventFileWriter`
is not used: it imports TensorFlow when TensorFlow is installed.) Scalars
are written as TensorFlow 2's `tf.summary.scalar` writes them (a float32
tensor with the scalar plugin's metadata), so TensorBoard and its
`EventAccumulator` read them alike.
"""

import itertools
import os
import socket
import time

_INSTALL = (
    "LearningRateLogger(log_dir=...) writes TensorBoard event files with the "
    "`tensorboard` package, which is not installed: pip install tensorboard "
    "(or pip install 'keras-clr[tensorboard]')."
)

_counter = itertools.count()


def require_tensorboard():
    """Raises an `ImportError` naming the fix when tensorboard is missing."""
    try:
        from tensorboard.compat.proto import event_pb2  # noqa: F401
        from tensorboard.summary.writer import record_writer  # noqa: F401
    except ImportError as error:
        raise ImportError(_INSTALL) from error


class EventWriter:
    """Appends scalar events to one new event file in `log_dir`."""

    def __init__(self, log_dir: str):
        from tensorboard.compat.proto import event_pb2
        from tensorboard.compat.proto import summary_pb2
        from tensorboard.compat.proto import tensor_pb2
        from tensorboard.compat.proto import tensor_shape_pb2
        from tensorboard.compat.proto import types_pb2
        from tensorboard.plugins.scalar import metadata
        from tensorboard.summary.writer.record_writer import RecordWriter

        self._event = event_pb2.Event
        self._summary = summary_pb2.Summary
        self._shape = tensor_shape_pb2.TensorShapeProto
        self._tensor = tensor_pb2.TensorProto
        self._dtype = types_pb2.DT_FLOAT
        self._metadata = metadata
        os.makedirs(log_dir, exist_ok=True)
        name = (
            f"events.out.tfevents.{int(time.time())}."
            f"{socket.gethostname()}.{os.getpid()}.{next(_counter)}.v2"
        )
        self.path = os.path.join(log_dir, name)
        self._file = open(self.path, "wb")  # noqa: SIM115 (closed in close())
        self._records = RecordWriter(self._file)
        self._described = set()
        first = self._event(wall_time=time.time(), file_version="brain.Event:2")
        self._records.write(first.SerializeToString())
        self.flush()

    def scalars(self, tag: str, steps, values, description: str = ""):
        """Writes `values[i]` at `steps[i]` under `tag`."""
        wall_time = time.time()
        for step, value in zip(steps, values, strict=True):
            value = self._summary.Value(
                tag=tag,
                tensor=self._tensor(
                    dtype=self._dtype,
                    tensor_shape=self._shape(),
                    float_val=[float(value)],
                ),
            )
            # The metadata travels with a tag's first value only.
            if tag not in self._described:
                value.metadata.CopyFrom(
                    self._metadata.create_summary_metadata(
                        display_name=tag, description=description
                    )
                )
                self._described.add(tag)
            event = self._event(
                wall_time=wall_time,
                step=int(step),
                summary=self._summary(value=[value]),
            )
            self._records.write(event.SerializeToString())

    def flush(self):
        self._file.flush()

    def close(self):
        if not self._file.closed:
            self._file.close()
