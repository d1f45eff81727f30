"""The range test's data: a never-ending source of batches.

A `tf.data.Dataset` is recognised only when TensorFlow is already loaded,
so the test runs on JAX or PyTorch without TensorFlow installed.
"""

import sys

import keras
import numpy as np

from keras_clr import _validation

DEFAULT_BATCH_SIZE = 32
SHUFFLE_BUFFER = 256

_ACCEPTED = (
    "NumPy arrays (with `y`), a `tf.data.Dataset` or a "
    "`keras.utils.PyDataset` yielding `(x, y)` batches"
)


def _is_tf_dataset(x) -> bool:
    tf = sys.modules.get("tensorflow")
    data = getattr(tf, "data", None)
    return data is not None and isinstance(x, data.Dataset)


def cycling_batches(x, y=None, batch_size=None, seed=None):
    """A never-ending source of batches for `fit`, and its first batch.

    NumPy data is cut into equal batches that wrap around its end, so that
    every step weighs the same in Keras' running mean. A `seed` permutes
    rows or `PyDataset` batches, or shuffles a `tf.data.Dataset`.
    """
    if _is_tf_dataset(x) or isinstance(x, keras.utils.PyDataset):
        kind = type(x).__name__
        if y is not None:
            raise ValueError(
                f"Argument `y` must be None when `x` is a {kind} (it yields "
                f"`(x, y)` batches). Received: y={type(y).__name__}"
            )
        if batch_size is not None:
            raise ValueError(
                f"Argument `batch_size` must be None when `x` is a {kind} "
                f"(it is batched already). Received: batch_size={batch_size}"
            )
        if _is_tf_dataset(x):
            return _from_tf_dataset(x, seed)
        return _from_py_dataset(x, seed)
    batch_size = DEFAULT_BATCH_SIZE if batch_size is None else batch_size
    batch_size = _validation.check_positive_int("batch_size", batch_size)
    return _from_arrays(x, y, batch_size, seed)


def _order(n, seed):
    return None if seed is None else np.random.default_rng(seed).permutation(n)


def _from_tf_dataset(dataset, seed):
    first = next(iter(dataset), None)
    if first is None:
        raise ValueError(
            "Argument `x` is an empty dataset: the range test needs data."
        )
    if seed is not None:
        dataset = dataset.shuffle(SHUFFLE_BUFFER, seed=seed)
    return dataset.repeat(), first


def _from_py_dataset(dataset, seed):
    if len(dataset) == 0:
        raise ValueError(
            "Argument `x` is an empty PyDataset: the range test needs data."
        )
    n = len(dataset)
    return _cycle(n, 1, _order(n, seed), lambda i: dataset[int(i[0])])


def _cycle(n, size, order, get):
    """`get(index)` of `size` indices at a time, wrapping around `n`."""

    def batches():
        start = 0
        while True:
            index = np.arange(start, start + size) % n
            index = index if order is None else order[index]
            start = (start + size) % n
            yield get(index)

    return batches(), next(batches())


def _as_array(name, value):
    if value is None:
        raise ValueError(
            f"Argument `{name}` must be given: the range test trains on "
            f"{_ACCEPTED}. Received: {name}=None"
        )
    try:
        array = np.asarray(value)
    except Exception as error:  # e.g. ragged lists
        raise ValueError(
            f"Argument `{name}` must be array-like ({_ACCEPTED}). "
            f"Received: {name} of type {type(value).__name__} ({error})"
        ) from error
    if array.ndim == 0 or array.dtype.kind not in "biuf":
        raise ValueError(
            f"Argument `{name}` must be {_ACCEPTED}: an array of numbers "
            f"with a batch axis. Received: {name} of type "
            f"{type(value).__name__}, shape {array.shape}, dtype {array.dtype}"
        )
    return array


def _from_arrays(x, y, batch_size, seed):
    arrays = [_as_array("x", x)]
    if y is not None:
        arrays.append(_as_array("y", y))
    n = len(arrays[0])
    if n == 0:
        raise ValueError("Argument `x` is empty: the range test needs data.")
    if any(len(a) != n for a in arrays):
        raise ValueError(
            "Arguments `x` and `y` must have the same length. Received: "
            f"len(x)={n}, len(y)={len(arrays[-1])}"
        )

    order = _order(n, seed)
    return _cycle(n, batch_size, order, lambda i: tuple(a[i] for a in arrays))
