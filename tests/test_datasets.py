import gzip
import os

import numpy as np
import pytest

from keras_clr import datasets
from tests.mnist_files import idx_bytes
from tests.mnist_files import write_mnist

SHARED_MNIST = os.path.join(
    os.path.dirname(__file__), "..", "..", "shared", "data", "mnist"
)


@pytest.mark.parametrize("compress", [True, False])
def test_reads_the_four_idx_files(tmp_path, compress):
    arrays = write_mnist(tmp_path, 30, 10, compress=compress)
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist(str(tmp_path))
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_train, arrays["train-labels-idx1-ubyte"])
    np.testing.assert_array_equal(x_test, arrays["t10k-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte"])
    assert x_train.dtype == np.uint8 and x_train.shape == (30, 28, 28)


def test_environment_variable(tmp_path, monkeypatch):
    write_mnist(tmp_path, 12, 4)
    monkeypatch.setenv("KERAS_CLR_MNIST_DIR", str(tmp_path))
    (x_train, _), (x_test, _) = datasets.load_mnist()
    assert len(x_train) == 12 and len(x_test) == 4


def test_original_dotted_names(tmp_path):
    write_mnist(tmp_path, 5, 5, compress=False)
    for name in os.listdir(tmp_path):
        os.rename(tmp_path / name, tmp_path / name.replace("-idx", ".idx"))
    (x_train, _), _ = datasets.load_mnist(str(tmp_path))
    assert len(x_train) == 5


def corrupt(tmp_path, stem, data):
    write_mnist(tmp_path, 10, 10, compress=False)
    (tmp_path / stem).write_bytes(data)
    return str(tmp_path / stem)


@pytest.mark.parametrize(
    "stem, data, message",
    [
        ("t10k-labels-idx1-ubyte", idx_bytes(np.zeros(10))[:-3], "truncated"),
        ("train-images-idx3-ubyte", b"\x01\x02\x03", "not an IDX file"),
        ("train-images-idx3-ubyte", b"\x00\x00\x0d\x03" + b"\x00" * 12,
         "IDX type 0x0d, not unsigned bytes"),
        ("train-labels-idx1-ubyte", idx_bytes(np.zeros((10, 2))),
         "2 dimensions, expected 1"),
        ("train-labels-idx1-ubyte", idx_bytes(np.zeros(7)),
         "train images and labels differ in number"),
        ("t10k-labels-idx1-ubyte", idx_bytes(np.full(10, 12)),
         "labels .* go up to 12"),
        ("t10k-images-idx3-ubyte", idx_bytes(np.zeros((1, 28, 28)))[:10],
         "truncated in its header"),
    ],
)  # fmt: skip
def test_bad_files_are_named(tmp_path, stem, data, message):
    path = corrupt(tmp_path, stem, data)
    with pytest.raises(datasets.DataError, match=message) as error:
        datasets.load_mnist(str(tmp_path))
    if "differ" not in message and "go up" not in message:
        assert path in str(error.value)


def test_corrupt_gzip(tmp_path):
    write_mnist(tmp_path, 10, 10)
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(datasets.DataError, match="unreadable.*train-labels"):
        datasets.load_mnist(str(tmp_path))


def test_missing_file_and_directory(tmp_path):
    write_mnist(tmp_path, 10, 10)
    os.remove(tmp_path / "t10k-images-idx3-ubyte.gz")
    with pytest.raises(datasets.DataError, match="file missing.*t10k-images"):
        datasets.load_mnist(str(tmp_path))
    with pytest.raises(datasets.DataError, match="directory not found"):
        datasets.load_mnist(str(tmp_path / "nowhere"))


def test_tensorflow_datasets_path_with_mock_data(monkeypatch):
    tfds = pytest.importorskip("tensorflow_datasets")
    monkeypatch.delenv("KERAS_CLR_MNIST_DIR", raising=False)
    with tfds.testing.mock_data(num_examples=20):
        (x_train, y_train), (x_test, y_test) = datasets.load_mnist()
    assert x_train.shape == (20, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (20,) and y_test.max() <= 9
    assert x_test.shape == (20, 28, 28)


def test_offline_without_data_dir_says_how_to_fix(monkeypatch):
    tfds = pytest.importorskip("tensorflow_datasets")
    monkeypatch.delenv("KERAS_CLR_MNIST_DIR", raising=False)

    def offline(*args, **kwargs):
        raise ConnectionError("Failed to establish a new connection")

    monkeypatch.setattr(tfds, "load", offline)
    with pytest.raises(datasets.DataError, match=r"--data-dir DIR") as error:
        datasets.load_mnist()
    assert "ConnectionError" in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.skipif(
    not os.environ.get("KERAS_CLR_SLOW"), reason="opt-in: KERAS_CLR_SLOW=1"
)
def test_the_real_mnist_files():
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist(SHARED_MNIST)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    # The README of the data set lists these.
    assert list(y_train[:10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert list(y_test[:10]) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(y_test).tolist()[:3] == [980, 1135, 1032]
    assert x_train.mean() / 255 == pytest.approx(0.1307, abs=1e-4)


def test_gzip_detection_does_not_trust_the_name(tmp_path):
    write_mnist(tmp_path, 10, 10, compress=False)
    raw = tmp_path / "train-labels-idx1-ubyte"
    with gzip.open(str(raw) + ".gz", "wb") as f:
        f.write(raw.read_bytes())
    os.remove(raw)
    (_, y_train), _ = datasets.load_mnist(str(tmp_path))
    assert len(y_train) == 10
