"""The range test's learning-rate sweep, defined once (pure NumPy).

The same function gives the LR inside the compiled step (`keras.ops.exp`,
a tensor `fraction`) and the recorded LRs afterwards (`numpy.exp`, float64).
"""

import math

import numpy as np

MODES = ("exp", "linear")


def sweep_lr(fraction, start_lr: float, end_lr: float, mode: str, exp=np.exp):
    """The LR `fraction` (in `[0, 1]`) of the way from `start_lr` to `end_lr`.

    Geometric for `mode="exp"`, else linear: the formula is in
    `lr_range_test`'s docstring. `exp` matches `fraction`'s type.
    """
    if mode == "linear":
        return start_lr + (end_lr - start_lr) * fraction
    return start_lr * exp(math.log(end_lr / start_lr) * fraction)


def recorded_lrs(steps, start_lr, end_lr, num_steps, mode):
    """The float64 LRs of the test's 0-based `steps` (only those)."""
    steps = np.minimum(np.asarray(steps, dtype=np.int64), num_steps - 1)
    return sweep_lr(steps / (num_steps - 1), start_lr, end_lr, mode)
