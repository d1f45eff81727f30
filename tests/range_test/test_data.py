"""The range test's data: datasets, PyDataset, arrays."""

import keras
import numpy as np
import pytest

import keras_clr
from tests.conftest import BACKEND
from tests.range_test.conftest import compiled_model
from tests.range_test.conftest import task


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, batches):
        super().__init__()
        self.x, self.y, self.batches = x, y, batches

    def __len__(self):
        return self.batches

    def __getitem__(self, i):
        return self.x[32 * i : 32 * (i + 1)], self.y[32 * i : 32 * (i + 1)]


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.data")
def test_tf_data_is_cycled():
    import tensorflow as tf

    x, y = task(96)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
    result = keras_clr.lr_range_test(
        compiled_model(), dataset, num_steps=10, verbose=0
    )
    assert len(result.losses) == 10
    with pytest.raises(ValueError, match="Argument `y` must be None"):
        keras_clr.lr_range_test(compiled_model(), dataset, y, verbose=0)
    with pytest.raises(ValueError, match="empty dataset"):
        keras_clr.lr_range_test(compiled_model(), dataset.take(0), verbose=0)


def test_py_dataset_is_cycled():
    x, y = task(64)
    result = keras_clr.lr_range_test(
        compiled_model(), Batches(x, y, 2), num_steps=7, verbose=0
    )
    assert len(result.losses) == 7
    with pytest.raises(ValueError, match="Argument `batch_size` must be None"):
        keras_clr.lr_range_test(
            compiled_model(), Batches(x, y, 2), batch_size=8, verbose=0
        )
    with pytest.raises(ValueError, match="empty PyDataset"):
        keras_clr.lr_range_test(compiled_model(), Batches(x, y, 0), verbose=0)


def test_arrays_wrap_around_in_equal_batches():
    # 5 samples, batch 2: batches (0,1), (2,3), (4,0), (1,2), ...
    x = np.arange(5, dtype="float32")[:, None]
    source, first = keras_clr.range_test._data.cycling_batches(x, x, 2)
    got = [next(source)[0][:, 0].tolist() for _ in range(4)]
    assert got == [[0, 1], [2, 3], [4, 0], [1, 2]]
    assert first[0][:, 0].tolist() == [0, 1]


# The range test on JAX with TensorFlow hidden (no tf.data path taken, no
# import of TensorFlow) is checked by tests/test_no_tensorflow.py, in the
# same fresh process as a fit with LearningRateLogger.
