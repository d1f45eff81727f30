"""MNIST, the way users get it: IDX files, Keras' own copy, or tfds."""

import gzip
import hashlib
import os
import zlib

import numpy as np

ENV_VAR = "KERAS_CLR_MNIST_DIR"
SOURCES = ("auto", "idx", "keras", "tfds")
CHECKSUMS = "SHA256SUMS"
FILES = {
    "x_train": ("train-images-idx3-ubyte", 3, (60000, 28, 28)),
    "y_train": ("train-labels-idx1-ubyte", 1, (60000,)),
    "x_test": ("t10k-images-idx3-ubyte", 3, (10000, 28, 28)),
    "y_test": ("t10k-labels-idx1-ubyte", 1, (10000,)),
}
_HOW = (
    "To work offline, point keras_clr at the four IDX files with "
    f"--data-dir DIR (or data_dir=..., or the {ENV_VAR} environment "
    "variable); the repository carries them in data/mnist."
)


class DataError(ValueError):
    """MNIST could not be loaded; the message says which file and why."""


def load_mnist(data_dir: str | None = None, source: str = "auto"):
    """Loads MNIST as `((x_train, y_train), (x_test, y_test))`, uint8.

    Use it to get the real MNIST set from local files with no network, or
    from where Keras users usually already have it.

    Sources:

    - `"idx"`: the four standard IDX files in `data_dir`,
      `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
      `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, gzipped or
      not (the files of Yann LeCun's page, torchvision and
      tensorflow-datasets). Nothing is downloaded. When a `SHA256SUMS`
      file sits beside them, every file it lists is checked against it.
    - `"keras"`: `keras.datasets.mnist.load_data()`, Keras' cached copy
      `~/.keras/datasets/mnist.npz` (downloaded the first time).
    - `"tfds"`: tensorflow-datasets' `mnist`
      (`pip install "keras-clr[tfds]"`; downloaded the first time).
    - `"auto"` (default): `"idx"` when a data directory is given (or the
      `KERAS_CLR_MNIST_DIR` environment variable names one), else
      `"keras"`, then `"tfds"` if Keras cannot get it.

    Images are `(n, 28, 28)` uint8 and labels `(n,)` uint8; the sizes are
    whatever the files hold (the real set: 60,000 and 10,000).

    Example:

    >>> from keras_clr_cli.mnist import load_mnist
    >>> (x_train, y_train), (x_test, y_test) = load_mnist("data/mnist")
    >>> x_train.shape, y_test[:5].tolist()
    ((60000, 28, 28), [7, 2, 1, 0, 4])

    Args:
        data_dir: Directory with the four IDX files; `None` to use the
            environment variable or a downloading source.
        source: One of `"auto"`, `"idx"`, `"keras"`, `"tfds"`.

    Returns:
        `((x_train, y_train), (x_test, y_test))` as NumPy uint8 arrays.

    Raises:
        ValueError: for an unknown `source`, or a `data_dir` given with a
            source that downloads.
        DataError: (a `ValueError`) naming the file and what is wrong with
            it: missing, truncated, corrupt, of the wrong kind, or not
            matching `SHA256SUMS`; or naming the source that could not
            load MNIST and how to use local files instead.
    """
    if source not in SOURCES:
        raise ValueError(
            f"Argument `source` must be one of {', '.join(SOURCES)}. "
            f"Received: source={source!r}"
        )
    if data_dir is not None and source in ("keras", "tfds"):
        raise ValueError(
            f"Argument `data_dir` reads local files; source {source!r} "
            "downloads. Pass one or the other. Received: "
            f"data_dir={os.fspath(data_dir)!r}, source={source!r}"
        )
    if source in ("auto", "idx"):
        data_dir = data_dir or os.environ.get(ENV_VAR) or None
        if data_dir is not None:
            return _load_idx_dir(os.fspath(data_dir))
        if source == "idx":
            raise DataError(
                "MNIST source 'idx' needs a data directory: pass "
                f"--data-dir DIR (or data_dir=..., or set {ENV_VAR})."
            )
    loaders = {
        "keras": [_load_keras],
        "tfds": [_load_tfds],
        "auto": [_load_keras, _load_tfds],
    }[source]
    reasons = []
    for loader in loaders:
        try:
            return loader()
        except _Unavailable as error:
            reasons.append(str(error))
            cause = error.__cause__
    raise DataError(f"{'; then '.join(reasons)}. {_HOW}") from cause


class _Unavailable(Exception):
    """A downloading source could not deliver (the message says why)."""


def _load_idx_dir(data_dir):
    if not os.path.isdir(data_dir):
        raise DataError(f"MNIST data directory not found: {data_dir}")
    expected = _read_checksums(data_dir)
    arrays = {}
    for key, (stem, ndim, _) in FILES.items():
        path = _find(data_dir, stem)
        _verify(path, expected)
        arrays[key] = read_idx(path, ndim)
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


def _read_checksums(data_dir):
    """{file name: sha256} from `SHA256SUMS` (`sha256sum` format), or {}."""
    path = os.path.join(data_dir, CHECKSUMS)
    if not os.path.isfile(path):
        return {}
    sums = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            parts = line.split(maxsplit=1)
            if len(parts) != 2 or len(parts[0]) != 64:
                raise DataError(
                    f"MNIST checksum file is not in sha256sum format at "
                    f"line {number}: {path}"
                )
            sums[parts[1].strip().lstrip("*")] = parts[0].lower()
    return sums


def _verify(path, expected):
    want = expected.get(os.path.basename(path))
    if want is None:
        return
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != want:
        raise DataError(
            f"MNIST file does not match its checksum in {CHECKSUMS}: {path} "
            f"(sha256 {digest.hexdigest()[:12]}..., expected "
            f"{want[:12]}...); the file is corrupt or swapped"
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
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(
            f"MNIST file unreadable: {path}: {type(error).__name__}: {error}"
        ) from error
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


def _first_line(error):
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}{': ' + text[:200] if text else ''}"


def _load_keras():
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as error:  # offline, no cache, broken download
        raise _Unavailable(
            "source 'keras': keras.datasets.mnist.load_data() could not get "
            f"~/.keras/datasets/mnist.npz ({_first_line(error)})"
        ) from error
    return (_uint8(x_train), _uint8(y_train)), (_uint8(x_test), _uint8(y_test))


def _uint8(array):
    return np.asarray(array).astype(np.uint8, copy=False)


def _load_tfds():
    try:
        import tensorflow_datasets as tfds
    except ImportError as error:
        raise _Unavailable(
            "source 'tfds' needs tensorflow-datasets: pip install "
            f"'keras-clr[tfds]' ({_first_line(error)})"
        ) from error
    try:
        splits = tfds.load("mnist", split=["train", "test"], as_supervised=True)
        (x_train, y_train), (x_test, y_test) = [_to_numpy(s) for s in splits]
    except ImportError as error:  # a dependency tfds did not declare
        raise _Unavailable(
            "source 'tfds': tensorflow-datasets is missing a dependency "
            f"({_first_line(error)}): pip install 'keras-clr[tfds]'"
        ) from error
    except Exception as error:  # offline, no cache, broken download
        raise _Unavailable(
            "source 'tfds': tensorflow-datasets could not load MNIST "
            f"({_first_line(error)})"
        ) from error
    return (x_train, y_train), (x_test, y_test)


def _to_numpy(dataset):
    """A split as (uint8 images (n, 28, 28), uint8 labels (n,))."""
    import tensorflow_datasets as tfds

    images, labels = [], []
    # Batches, not `batch_size=-1`, which aborts on generator datasets.
    iterator = tfds.as_numpy(dataset.batch(10_000))
    for x, y in iterator:
        images.append(x[..., 0])
        labels.append(y)
    del iterator  # close the dataset iterator now, not at exit
    return (
        np.concatenate(images).astype(np.uint8),
        np.concatenate(labels).astype(np.uint8),
    )
