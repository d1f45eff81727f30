"""TensorBoard event files written with the `tensorboard` package alone.

As `torch.utils.tensorboard` does, but without TensorBoard's own file
writer, which imports TensorFlow when it is installed: the records are
written with TensorBoard's `RecordWriter` to a plain file, so nothing here
imports TensorFlow on any backend. Scalars are written as TensorFlow 2's
`tf.summary.scalar` writes them (a float32 tensor with the scalar plugin's
metadata), so TensorBoard and its `EventAccumulator` read them alike.
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
        _modules()
    except ImportError as error:
        raise ImportError(_INSTALL) from error


def _modules():
    from tensorboard.compat.proto import event_pb2
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.compat.proto import tensor_pb2
    from tensorboard.compat.proto import tensor_shape_pb2
    from tensorboard.compat.proto import types_pb2
    from tensorboard.plugins.scalar import metadata
    from tensorboard.summary.writer.record_writer import RecordWriter

    return (
        event_pb2,
        summary_pb2,
        tensor_pb2,
        tensor_shape_pb2,
        types_pb2,
        metadata,
        RecordWriter,
    )


class EventWriter:
    """Appends scalar events to one new event file in `log_dir`."""

    def __init__(self, log_dir: str):
        (
            self._event_pb2,
            self._summary_pb2,
            self._tensor_pb2,
            self._shape_pb2,
            self._types_pb2,
            self._metadata,
            record_writer,
        ) = _modules()
        os.makedirs(log_dir, exist_ok=True)
        name = (
            f"events.out.tfevents.{int(time.time())}."
            f"{socket.gethostname()}.{os.getpid()}.{next(_counter)}.v2"
        )
        self.path = os.path.join(log_dir, name)
        self._file = open(self.path, "wb")  # noqa: SIM115 (closed in close())
        self._records = record_writer(self._file)
        self._described = set()
        first = self._event_pb2.Event(
            wall_time=time.time(), file_version="brain.Event:2"
        )
        self._records.write(first.SerializeToString())
        self.flush()

    def scalars(self, tag: str, steps, values, description: str = ""):
        """Writes `values[i]` at `steps[i]` under `tag`."""
        wall_time = time.time()
        for step, value in zip(steps, values, strict=True):
            summary_value = self._summary_pb2.Summary.Value(
                tag=tag,
                tensor=self._tensor_pb2.TensorProto(
                    dtype=self._types_pb2.DT_FLOAT,
                    tensor_shape=self._shape_pb2.TensorShapeProto(),
                    float_val=[float(value)],
                ),
            )
            # The metadata travels with a tag's first value only.
            if tag not in self._described:
                summary_value.metadata.CopyFrom(
                    self._metadata.create_summary_metadata(
                        display_name=tag, description=description
                    )
                )
                self._described.add(tag)
            event = self._event_pb2.Event(
                wall_time=wall_time,
                step=int(step),
                summary=self._summary_pb2.Summary(value=[summary_value]),
            )
            self._records.write(event.SerializeToString())

    def flush(self):
        self._records.flush()

    def close(self):
        if not self._file.closed:
            self._records.close()
