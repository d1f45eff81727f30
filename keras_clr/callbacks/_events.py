"""TensorBoard event files written with the `tensorboard` package alone.

As `torch.utils.tensorboard` does, but without TensorBoard's own file
writer, which imports TensorFlow when it is installed: the records are
framed here (TFRecord: length, masked CRC-32C, data, masked CRC-32C) in a
plain file, so nothing here imports TensorFlow on any backend. Scalars
are written as TensorFlow 2's `tf.summary.scalar` writes them (a float32
tensor with the scalar plugin's metadata), so TensorBoard and its
`EventAccumulator` read them alike.
"""

import itertools
import os
import socket
import struct
import time

import numpy as np

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

    return (
        event_pb2,
        summary_pb2,
        tensor_pb2,
        tensor_shape_pb2,
        types_pb2,
        metadata,
        None,
    )


def _crc32c_table():
    poly = 0x82F63B78  # Castagnoli, reflected
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ poly, table >> 1)
    return table.astype(np.uint32)


_TABLE = _crc32c_table()


def masked_crc32c(rows):
    """TFRecord's masked CRC-32C of each row of a uint8 array, vectorized.

    TensorBoard's own pure-Python CRC costs about 30 us a record; a column
    at a time over all records of one length costs well under 1 us each.
    """
    crc = np.full(rows.shape[0], 0xFFFFFFFF, dtype=np.uint32)
    for column in rows.T:
        crc = _TABLE[(crc ^ column) & 0xFF] ^ (crc >> 8)
    crc ^= np.uint32(0xFFFFFFFF)
    rotated = ((crc >> 15) | (crc << 17)).astype(np.uint64)
    return ((rotated + 0xA282EAD8) & 0xFFFFFFFF).astype(np.uint32)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        if not value:
            out.append(low)
            return bytes(out)
        out.append(low | 0x80)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


# A float32 scalar `TensorProto`: dtype DT_FLOAT (field 1), an empty shape
# (field 2), then `float_val` (field 5, packed) follows.
_SCALAR_PREFIX = b"\x08\x01\x12\x00\x2a\x04"


def encode_scalar_event(wall_time, step, tag, value, metadata=b""):
    """The bytes protobuf would write for one scalar `Event`.

    Encoded by hand (about 5 us against 40 us through the protobuf
    classes); a test checks them against `Event.SerializeToString()`.
    """
    tensor = _SCALAR_PREFIX + struct.pack("<f", value)
    summary_value = _field(1, tag.encode()) + _field(8, tensor)
    if metadata:
        summary_value += _field(9, metadata)
    summary = _field(1, summary_value)
    # proto3 leaves out fields at their default (0).
    head = b"\x09" + struct.pack("<d", wall_time) if wall_time else b""
    if step:
        head += b"\x10" + _varint(int(step))
    return head + _field(5, summary)


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
            _,
        ) = _modules()
        os.makedirs(log_dir, exist_ok=True)
        name = (
            f"events.out.tfevents.{int(time.time())}."
            f"{socket.gethostname()}.{os.getpid()}.{next(_counter)}.v2"
        )
        self.path = os.path.join(log_dir, name)
        self._file = open(self.path, "wb")  # noqa: SIM115 (closed in close())
        self._described = set()
        first = self._event_pb2.Event(
            wall_time=time.time(), file_version="brain.Event:2"
        )
        self._write_records([first.SerializeToString()])
        self.flush()

    def scalars(self, tag: str, steps, values, description: str = ""):
        """Writes `values[i]` at `steps[i]` under `tag`."""
        wall_time = time.time()
        records = []
        for step, value in zip(steps, values, strict=True):
            metadata = b""
            # The metadata travels with a tag's first value only.
            if tag not in self._described:
                metadata = self._metadata.create_summary_metadata(
                    display_name=tag, description=description
                ).SerializeToString()
                self._described.add(tag)
            records.append(
                encode_scalar_event(
                    wall_time, step, tag, float(value), metadata
                )
            )
        self._write_records(records)

    def _write_records(self, records):
        """TFRecord framing: length, its CRC, the data, its CRC."""
        by_length = {}
        for index, record in enumerate(records):
            by_length.setdefault(len(record), []).append(index)
        data_crcs = [None] * len(records)
        header_crcs = {}
        for length, indices in by_length.items():
            rows = np.frombuffer(
                b"".join(records[i] for i in indices), dtype=np.uint8
            ).reshape(len(indices), length)
            for i, crc in zip(indices, masked_crc32c(rows), strict=True):
                data_crcs[i] = int(crc)
            header = np.frombuffer(struct.pack("<Q", length), dtype=np.uint8)
            header_crcs[length] = int(masked_crc32c(header[None, :])[0])
        out = bytearray()
        for record, crc in zip(records, data_crcs, strict=True):
            out += struct.pack("<Q", len(record))
            out += struct.pack("<I", header_crcs[len(record)])
            out += record
            out += struct.pack("<I", crc)
        self._file.write(bytes(out))

    def flush(self):
        self._file.flush()

    def close(self):
        if not self._file.closed:
            self._file.close()
