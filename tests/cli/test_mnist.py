import gzip
import hashlib
import importlib.metadata
import os
import shutil

import numpy as np
import pytest

from keras_clr_cli import mnist as datasets
from tests.helpers import ROOT
from tests.mnist_files import idx_bytes
from tests.mnist_files import write_mnist

MNIST = os.path.join(ROOT, "data", "mnist")


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
        (
            "train-images-idx3-ubyte",
            b"\x00\x00\x0d\x03" + b"\x00" * 12,
            "IDX type 0x0d, not unsigned bytes",
        ),
        (
            "train-labels-idx1-ubyte",
            idx_bytes(np.zeros((10, 2))),
            "2 dimensions, expected 1",
        ),
        (
            "train-labels-idx1-ubyte",
            idx_bytes(np.zeros(7)),
            "train images and labels differ in number",
        ),
        (
            "t10k-labels-idx1-ubyte",
            idx_bytes(np.full(10, 12)),
            "labels .* go up to 12",
        ),
        (
            "t10k-images-idx3-ubyte",
            idx_bytes(np.zeros((1, 28, 28)))[:10],
            "truncated in its header",
        ),
    ],
)
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


def test_gzip_corrupted_mid_stream_names_the_file(tmp_path):
    write_mnist(tmp_path, 200, 10)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # zeroed deflate blocks
    path.write_bytes(bytes(data))
    with pytest.raises(datasets.DataError) as error:
        datasets.load_mnist(str(tmp_path))
    assert str(path) in str(error.value)
    assert "\n" not in str(error.value)


def test_missing_file_and_directory(tmp_path):
    write_mnist(tmp_path, 10, 10)
    os.remove(tmp_path / "t10k-images-idx3-ubyte.gz")
    with pytest.raises(datasets.DataError, match="file missing.*t10k-images"):
        datasets.load_mnist(str(tmp_path))
    with pytest.raises(datasets.DataError, match="directory not found"):
        datasets.load_mnist(str(tmp_path / "nowhere"))


def test_gzip_detection_does_not_trust_the_name(tmp_path):
    write_mnist(tmp_path, 10, 10, compress=False)
    raw = tmp_path / "train-labels-idx1-ubyte"
    with gzip.open(str(raw) + ".gz", "wb") as f:
        f.write(raw.read_bytes())
    os.remove(raw)
    (_, y_train), _ = datasets.load_mnist(str(tmp_path))
    assert len(y_train) == 10


def test_the_real_mnist_files_in_the_repository():
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist(MNIST)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    # data/mnist/README.md lists these, as the data set's own page does.
    assert list(y_train[:10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert list(y_test[:10]) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(y_test).tolist()[:3] == [980, 1135, 1032]
    assert x_train.mean() / 255 == pytest.approx(0.1307, abs=1e-4)


def with_checksums(directory):
    """A SHA256SUMS in `sha256sum` format, written with hashlib."""
    lines = []
    for name in sorted(os.listdir(directory)):
        digest = hashlib.sha256((directory / name).read_bytes()).hexdigest()
        lines.append(f"{digest}  {name}\n")
    (directory / "SHA256SUMS").write_text("".join(lines))


def test_checksums_pass_and_name_the_file_that_differs(tmp_path):
    write_mnist(tmp_path, 10, 10)
    with_checksums(tmp_path)
    (x_train, _), _ = datasets.load_mnist(str(tmp_path))
    assert len(x_train) == 10
    # Swapped: each file is a valid IDX file of the wrong name.
    a = tmp_path / "train-labels-idx1-ubyte.gz"
    b = tmp_path / "t10k-labels-idx1-ubyte.gz"
    a_bytes, b_bytes = a.read_bytes(), b.read_bytes()
    a.write_bytes(b_bytes)
    b.write_bytes(a_bytes)
    with pytest.raises(datasets.DataError, match="SHA256SUMS") as error:
        datasets.load_mnist(str(tmp_path))
    assert str(a) in str(error.value)


def test_the_repository_copy_against_its_checksums(tmp_path):
    # data/mnist's own SHA256SUMS, with one byte of a copy changed.
    copy = tmp_path / "mnist"
    shutil.copytree(MNIST, copy)
    path = copy / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(path.read_bytes())
    data[-9] ^= 0xFF  # inside the gzip trailer's CRC: still "gzip"
    path.write_bytes(bytes(data))
    with pytest.raises(datasets.DataError, match="checksum") as error:
        datasets.load_mnist(str(copy))
    assert str(path) in str(error.value)


def test_malformed_checksum_file(tmp_path):
    write_mnist(tmp_path, 10, 10)
    (tmp_path / "SHA256SUMS").write_text("not a checksum line\n")
    with pytest.raises(datasets.DataError, match="sha256sum format"):
        datasets.load_mnist(str(tmp_path))


def test_sources_are_checked(tmp_path):
    with pytest.raises(ValueError, match="Argument `source` must be one of"):
        datasets.load_mnist(source="mnist.org")
    with pytest.raises(ValueError, match="source 'keras' downloads"):
        datasets.load_mnist(str(tmp_path), source="keras")
    with pytest.raises(ValueError, match="source 'tfds' downloads"):
        datasets.load_mnist(str(tmp_path), source="tfds")


def test_idx_source_needs_a_directory(monkeypatch):
    monkeypatch.delenv("KERAS_CLR_MNIST_DIR", raising=False)
    with pytest.raises(datasets.DataError, match="needs a data directory"):
        datasets.load_mnist(source="idx")


def write_mnist_npz(path, arrays):
    """mnist.npz laid out as Keras' copy: x_train, y_train, x_test, y_test."""
    np.savez_compressed(
        path,
        x_train=arrays["train-images-idx3-ubyte"],
        y_train=arrays["train-labels-idx1-ubyte"],
        x_test=arrays["t10k-images-idx3-ubyte"],
        y_test=arrays["t10k-labels-idx1-ubyte"],
    )


@pytest.fixture
def keras_origin(tmp_path, monkeypatch):
    """Keras' real `get_file` download and cache, served from a file:// URL.

    `keras.datasets.mnist.load_data` asks `get_file` for Google's URL and
    the published hash; the test swaps in its own origin and that file's
    hash (through Keras' module, test-only) and keeps everything else.
    """
    import keras
    from keras.src.datasets import mnist as keras_mnist

    arrays = write_mnist(tmp_path / "idx", 40, 20)
    served = tmp_path / "served" / "mnist.npz"
    served.parent.mkdir()
    write_mnist_npz(served, arrays)
    digest = hashlib.sha256(served.read_bytes()).hexdigest()
    cache = tmp_path / "keras_home"
    cache.mkdir()  # else Keras falls back to /tmp/.keras
    calls = []

    def get_file(fname, origin, file_hash=None, **kwargs):
        calls.append(origin)
        return keras.utils.get_file(
            fname,
            origin=served.as_uri(),
            file_hash=digest,
            cache_dir=str(cache),
        )

    monkeypatch.setattr(keras_mnist, "get_file", get_file)
    monkeypatch.delenv("KERAS_CLR_MNIST_DIR", raising=False)
    return arrays, cache, calls


def test_keras_source_downloads_and_caches_mnist_npz(keras_origin):
    arrays, cache, calls = keras_origin
    for _ in range(2):  # the download, then the cached copy
        (x_train, y_train), (x_test, y_test) = datasets.load_mnist(
            source="keras"
        )
        np.testing.assert_array_equal(
            x_train, arrays["train-images-idx3-ubyte"]
        )
        np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte"])
    assert x_train.dtype == np.uint8 and y_train.shape == (40,)
    assert (cache / "datasets" / "mnist.npz").is_file()
    assert calls[0].endswith("/mnist.npz")


def test_auto_without_a_directory_tries_keras_first(keras_origin):
    arrays, _, calls = keras_origin
    (_, y_train), _ = datasets.load_mnist()
    np.testing.assert_array_equal(y_train, arrays["train-labels-idx1-ubyte"])
    assert len(calls) == 1


def test_offline_names_each_source_and_the_fix(monkeypatch):
    import keras

    def offline(*args, **kwargs):
        raise ConnectionError("Failed to establish a new connection")

    monkeypatch.delenv("KERAS_CLR_MNIST_DIR", raising=False)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        tfds = None
    if tfds is not None:
        monkeypatch.setattr(tfds, "load", offline)
    with pytest.raises(datasets.DataError) as error:
        datasets.load_mnist()
    message = str(error.value)
    assert "source 'keras'" in message and "source 'tfds'" in message
    assert "ConnectionError" in message and "--data-dir DIR" in message
    assert "data/mnist" in message and "\n" not in message


def _tfds_installed():
    try:
        importlib.metadata.version("tensorflow-datasets")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@pytest.mark.skipif(not _tfds_installed(), reason="needs tensorflow-datasets")
def test_tfds_source_runs_the_real_builder(tmp_path, monkeypatch):
    """tensorflow-datasets' own MNIST builder, download_and_prepare and all.

    Only the download is replaced: the download manager hands the builder
    local IDX files. A dependency tensorflow-datasets imports but does not
    declare (importlib_resources in 4.9.x) fails this test, as it fails
    users.
    """
    import tensorflow_datasets as tfds
    from tensorflow_datasets.image_classification import mnist as tfds_mnist

    arrays = write_mnist(tmp_path / "idx", 60, 20, compress=False)
    by_url_name = {
        name + ".gz": str(tmp_path / "idx" / name) for name in arrays
    }

    def download_and_extract(self, url_or_urls):
        return {
            key: by_url_name[url.rsplit("/", 1)[-1]]
            for key, url in url_or_urls.items()
        }

    monkeypatch.setattr(
        tfds.download.DownloadManager,
        "download_and_extract",
        download_and_extract,
    )
    # The builder reads as many examples as the real set holds.
    monkeypatch.setattr(tfds_mnist, "_TRAIN_EXAMPLES", 60)
    monkeypatch.setattr(tfds_mnist, "_TEST_EXAMPLES", 20)
    real_load = tfds.load
    data_dir = str(tmp_path / "tensorflow_datasets")
    monkeypatch.setattr(
        tfds, "load", lambda *a, **k: real_load(*a, data_dir=data_dir, **k)
    )
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist(source="tfds")
    assert os.path.isdir(os.path.join(data_dir, "mnist"))
    # tfds shuffles the examples; compare as sets of (label, image).
    for (x, y), stem in (
        ((x_train, y_train), "train"),
        ((x_test, y_test), "t10k"),
    ):
        expected = sorted(
            (int(label), image.tobytes())
            for image, label in zip(
                arrays[f"{stem}-images-idx3-ubyte"],
                arrays[f"{stem}-labels-idx1-ubyte"],
                strict=True,
            )
        )
        got = sorted(
            (int(label), image.tobytes())
            for image, label in zip(x, y, strict=True)
        )
        assert got == expected
    assert x_train.dtype == np.uint8 and x_train.shape == (60, 28, 28)


def test_the_old_path_says_where_the_loader_went():
    with pytest.raises(ImportError, match="keras_clr_cli.mnist import"):
        from keras_clr.datasets import load_mnist  # noqa: F401
