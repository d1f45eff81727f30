"""Shared constants and fixtures of the callback tests."""

import glob
import importlib.util
import os

import keras
import numpy as np
import pytest

import keras_clr
from tests.conftest import BACKEND

CLR = dict(base_lr=0.01, max_lr=0.05, step_size=3)
"""A small cycle: 3 steps up, 3 down."""

SPE = [1, 8] if BACKEND != "torch" else [1]
"""`steps_per_execution` values the backend accepts (torch: only 1)."""

JIT = [False, True]

HAS_TF = importlib.util.find_spec("tensorflow") is not None
needs_tf = pytest.mark.skipif(not HAS_TF, reason="needs TensorFlow")


def final_weight(model) -> float:
    return float(keras.ops.convert_to_numpy(model.weights[0]).item())


def iterations(model) -> int:
    return int(keras.ops.convert_to_numpy(model.optimizer.iterations))


def read_events(log_dir):
    """{tag: {step: value}} of every scalar in `log_dir`'s event files.

    Read with TensorBoard's own `EventAccumulator`, which takes scalars
    written as tensors (TF 2, keras_clr) and as `simple_value` alike.
    """
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.util import tensor_util

    found = {}
    pattern = os.path.join(log_dir, "events.out.tfevents.*")
    for path in sorted(glob.glob(pattern)):
        reader = event_accumulator.EventAccumulator(
            path, size_guidance={event_accumulator.TENSORS: 0}
        )
        reader.Reload()
        tags = reader.Tags()
        for tag in tags.get("tensors", []):
            for event in reader.Tensors(tag):
                array = np.asarray(tensor_util.make_ndarray(event.tensor_proto))
                if array.dtype.kind != "f" or array.size != 1:
                    break  # not a scalar (Keras' model config, ...)
                found.setdefault(tag, {})[event.step] = float(array.item())
        for tag in tags.get("scalars", []):
            for event in reader.Scalars(tag):
                found.setdefault(tag, {})[event.step] = float(event.value)
    return found


def read_descriptions(log_dir):
    """{tag: description} from the summary metadata in `log_dir`."""
    from tensorboard.backend.event_processing import event_accumulator

    found = {}
    for path in glob.glob(os.path.join(log_dir, "events.out.tfevents.*")):
        reader = event_accumulator.EventAccumulator(path)
        reader.Reload()
        for tag in reader.Tags().get("tensors", []):
            found[tag] = reader.SummaryMetadata(tag).summary_description
    return found


class TraceCounting(keras_clr.CyclicalLearningRate):
    """Counts the schedule's calls made while a step is being compiled.

    TensorFlow: inside a `tf.function`; JAX: with a tracer for the step;
    PyTorch: while `torch.compile` traces (run with `jit_compile=True`).
    """

    traces = 0

    def __call__(self, step):
        TraceCounting.traces += int(_is_tracing(step))
        return super().__call__(step)


def _is_tracing(step) -> bool:
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return tf.inside_function()
    if BACKEND == "jax":
        import jax

        # The optimizer passes its step variable; inside `jit` its value
        # is a tracer.
        return isinstance(keras.ops.convert_to_tensor(step), jax.core.Tracer)
    import torch

    return torch.compiler.is_compiling()


@pytest.fixture
def trace_counting():
    if keras.backend.backend() == "torch":
        import torch

        # torch.compile keeps what it compiled for earlier tests: without a
        # reset, a step it saw before is not traced again (and not counted).
        torch._dynamo.reset()
    TraceCounting.traces = 0
    yield TraceCounting
    TraceCounting.traces = 0


@pytest.fixture
def worker(monkeypatch):
    """Sets the worker index `keras_clr._distribute` reports."""
    from keras_clr import _keras as _distribute

    def set_index(index):
        monkeypatch.setattr(_distribute, "worker_index", lambda: index)

    return set_index
