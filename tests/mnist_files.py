"""Writes small MNIST-format IDX files, the way the real ones are laid out."""

import gzip
import os

import numpy as np


def idx_bytes(array):
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim])
    header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.tobytes()


def write_mnist(directory, n_train=600, n_test=200, compress=True, seed=0):
    """Random but learnable digits: each class lights its own pixel band."""
    rng = np.random.default_rng(seed)
    os.makedirs(directory, exist_ok=True)

    def split(n):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, label in enumerate(labels):
            images[i, 2 * label : 2 * label + 3, :] = 250
        return images, labels

    arrays = {}
    arrays["train-images-idx3-ubyte"], arrays["train-labels-idx1-ubyte"] = (
        split(n_train)
    )
    arrays["t10k-images-idx3-ubyte"], arrays["t10k-labels-idx1-ubyte"] = split(
        n_test
    )
    for stem, array in arrays.items():
        data = idx_bytes(array)
        if compress:
            with gzip.open(os.path.join(directory, stem + ".gz"), "wb") as f:
                f.write(data)
        else:
            with open(os.path.join(directory, stem), "wb") as f:
                f.write(data)
    return arrays
