"""MNIST, the way users get it: standard IDX files, or tensorflow-datasets."""

import gzip
import os

import numpy as np

ENV_VAR = "KERAS_CLR_MNIST_DIR"
FILES = {
    "x_train": ("train-images-idx3-ubyte", 3, (60000, 28, 28)),
    "y_train": ("train-labels-idx1-ubyte", 1, (60000,)),
    "x_test": ("t10k-images-idx3-ubyte", 3, (10000, 28, 28)),
    "y_test": ("t10k-labels-idx1-ubyte", 1, (10000,)),
}


class DataError(ValueError):
    """MNIST could not be loaded; the message says which file and why."""


def load_mnist(data_dir: str | None = None):
    """Loads MNIST as `((x_train, y_train), (x_test, y_test))`, uint8.

    With a `data_dir` (or the `KERAS_CLR_MNIST_DIR` environment variable)
    it reads the four standard IDX files there,
    `train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`,
    `t10k-images-idx3-ubyte[.gz]` and `t10k-labels-idx1-ubyte[.gz]`
    (gzipped or not; the files Yann LeCun's page, torchvision and
    tensorflow-datasets use), and downloads nothing. Without one it uses
    tensorflow-datasets' `mnist` (`pip install "keras-clr[tfds]"`).

    Images are `(n, 28, 28)` uint8 and labels `(n,)` uint8; the sizes are
    whatever the files hold (the real set: 60,000 and 10,000).

    Raises:
        DataError: (a `ValueError`) naming the file and what is wrong with
            it: missing, truncated, corrupt or of the wrong kind; or, with
            no data directory, saying how to point at local files when
            tensorflow-datasets cannot load or download MNIST.
    """
    data_dir = data_dir or os.environ.get(ENV_VAR)
    if data_dir:
        return _load_idx_dir(os.fspath(data_dir))
    return _load_tfds()


def _load_idx_dir(data_dir):
    if not os.path.isdir(data_dir):
        raise DataError(f"MNIST data directory not found: {data_dir}")
    arrays = {}
    for key, (stem, ndim, _) in FILES.items():
        arrays[key] = read_idx(_find(data_dir, stem), ndim)
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if len(x) != len(y):
            raise DataError(
                f"MNIST {split} images and labels differ in number in "
                f"{data_dir}: {len(x)} images, {len(y)} labels"
            )
        if x.shape[1:] != (28, 28):
            raise DataError(
                f"MNIST {split} images in {data_dir} are {x.shape[1:]}, "
                "not 28x28"
            )
        if y.size and y.max() > 9:
            raise DataError(
                f"MNIST {split} labels in {data_dir} go up to {y.max()}, "
                "not 0..9"
            )
    return (arrays["x_train"], arrays["y_train"]), (
        arrays["x_test"],
        arrays["y_test"],
    )


def _find(data_dir, stem):
    # Both the standard dashed names and the original dotted ones.
    dotted = stem.replace("-idx", ".idx")
    for name in (stem + ".gz", stem, dotted + ".gz", dotted):
        path = os.path.join(data_dir, name)
        if os.path.isfile(path):
            return path
    raise DataError(
        f"MNIST file missing: {os.path.join(data_dir, stem)}[.gz] "
        f"(a data directory needs the four IDX files: "
        f"{', '.join(f[0] + '.gz' for f in FILES.values())})"
    )


def read_idx(path, ndim=None):
    """Reads one IDX file (gzipped or not) into a uint8 array."""
    try:
        opener = gzip.open if _is_gzip(path) else open
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as error:
        raise DataError(f"MNIST file unreadable: {path}: {error}") from error
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataError(f"MNIST file is not an IDX file: {path}")
    if raw[2] != 0x08:
        raise DataError(
            f"MNIST file holds IDX type 0x{raw[2]:02x}, not unsigned bytes "
            f"(0x08): {path}"
        )
    dims = raw[3]
    if ndim is not None and dims != ndim:
        raise DataError(
            f"MNIST file has {dims} dimensions, expected {ndim}: {path}"
        )
    header = 4 + 4 * dims
    if len(raw) < header:
        raise DataError(f"MNIST file is truncated in its header: {path}")
    shape = tuple(
        int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)
    )
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        what = (
            "truncated"
            if len(raw) < expected
            else "longer than its header says"
        )
        raise DataError(
            f"MNIST file is {what}: {path} has {len(raw)} bytes, its header "
            f"{shape} needs {expected}"
        )
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape)


def _is_gzip(path):
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def _load_tfds():
    how = (
        f"Point keras_clr at local IDX files with --data-dir DIR (or "
        f"data_dir=..., or the {ENV_VAR} environment variable)."
    )
    try:
        import tensorflow_datasets as tfds
    except ImportError as error:
        raise DataError(
            "MNIST needs tensorflow-datasets (pip install "
            f"'keras-clr[tfds]') or local files. {how}"
        ) from error
    try:
        splits = tfds.load("mnist", split=["train", "test"], as_supervised=True)
        (x_train, y_train), (x_test, y_test) = [_to_numpy(s) for s in splits]
    except Exception as error:  # offline, no cache, broken download
        reason = str(error).strip().splitlines()[0] if str(error) else ""
        raise DataError(
            f"tensorflow-datasets could not load MNIST ({type(error).__name__}"
            f"{': ' + reason[:200] if reason else ''}). {how}"
        ) from error
    return (x_train, y_train), (x_test, y_test)


def _to_numpy(dataset):
    """A split as (uint8 images (n, 28, 28), uint8 labels (n,))."""
    import tensorflow_datasets as tfds

    images, labels = [], []
    # Batches, not `batch_size=-1`, which aborts on generator datasets.
    for x, y in tfds.as_numpy(dataset.batch(10_000)):
        images.append(x[..., 0])
        labels.append(y)
    return (
        np.concatenate(images).astype(np.uint8),
        np.concatenate(labels).astype(np.uint8),
    )
