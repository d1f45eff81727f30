"""The hand-framed TensorBoard records against tensorboard's own code."""

import numpy as np
import pytest

from keras_clr.callbacks import _events

pytest.importorskip("tensorboard")


@pytest.mark.parametrize("seed", range(3))
def test_masked_crc32c_matches_tensorboards(seed):
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import (
        masked_crc32c,
    )

    rng = np.random.default_rng(seed)
    for length in (1, 8, 37, 64):
        rows = rng.integers(0, 256, size=(5, length), dtype=np.uint8)
        ours = _events.masked_crc32c(rows)
        theirs = [masked_crc32c(row.tobytes()) for row in rows]
        assert ours.tolist() == theirs


def test_crc32c_of_the_published_check_value():
    # CRC-32C("123456789") = 0xE3069283 (RFC 3720, iSCSI); masked by hand.
    crc = 0xE3069283
    masked = ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) % 2**32
    rows = np.frombuffer(b"123456789", dtype=np.uint8)[None, :]
    assert int(_events.masked_crc32c(rows)[0]) == masked


@pytest.mark.parametrize("with_metadata", [False, True])
def test_scalar_events_are_the_bytes_protobuf_writes(with_metadata):
    from tensorboard.compat.proto import event_pb2
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.compat.proto import tensor_pb2
    from tensorboard.compat.proto import tensor_shape_pb2
    from tensorboard.compat.proto import types_pb2
    from tensorboard.plugins.scalar import metadata

    rng = np.random.default_rng(0)
    meta = metadata.create_summary_metadata("lr", "the description")
    for step in (0, 1, 127, 128, 300, 2**31 + 5, 2**40):
        value = float(rng.random())
        wall_time = 1.7e9 + float(rng.random())
        summary_value = summary_pb2.Summary.Value(
            tag="learning_rate",
            tensor=tensor_pb2.TensorProto(
                dtype=types_pb2.DT_FLOAT,
                tensor_shape=tensor_shape_pb2.TensorShapeProto(),
                float_val=[value],
            ),
        )
        if with_metadata:
            summary_value.metadata.CopyFrom(meta)
        expected = event_pb2.Event(
            wall_time=wall_time,
            step=step,
            summary=summary_pb2.Summary(value=[summary_value]),
        ).SerializeToString()
        ours = _events.encode_scalar_event(
            wall_time,
            step,
            "learning_rate",
            value,
            meta.SerializeToString() if with_metadata else b"",
        )
        assert ours == expected
