"""Writes range_test_0.2.0_run_<backend>.json into the folder argv[1]."""

import sys

import keras_clr
from tests.conftest import BACKEND
from tests.range_test.conftest import task
from tests.range_test.test_restore import OPTIMIZERS
from tests.range_test.test_restore import twin


def main(folder):
    model = twin(OPTIMIZERS["adam"], run_eagerly=False)  # Dropout + BatchNorm
    x, y = task()
    result = keras_clr.lr_range_test(
        model,
        x,
        y,
        batch_size=32,
        start_lr=1e-4,
        end_lr=10.0,
        num_steps=40,
        verbose=0,
    )
    result.save(f"{folder}/range_test_0.2.0_run_{BACKEND}.json")


if __name__ == "__main__":
    main(sys.argv[1])
