"""The range test's learning-rate sweep, defined once.

Pure Python and NumPy: the same function computes the sweep inside the
compiled step (with `keras.ops.exp` and a tensor `fraction`) and the
recorded learning rates afterwards (with `numpy.exp`, in float64).
"""

import math

import numpy as np

MODES = ("exp", "linear")


def sweep_lr(fraction, start_lr: float, end_lr: float, mode: str, exp=np.exp):
    """The learning rate `fraction` of the way from `start_lr` to `end_lr`.

    $$
    \\text{lr}(f) = \\begin{cases}
      l_0 \\, (l_1 / l_0)^{f} & \\text{mode = "exp"} \\\\
      l_0 + (l_1 - l_0) \\, f & \\text{mode = "linear"}
    \\end{cases}
    $$

    where $l_0$ is `start_lr`, $l_1$ is `end_lr` and $f \\in [0, 1]$.

    Args:
        fraction: How far through the sweep, a number, NumPy array or
            tensor in `[0, 1]`.
        start_lr: The learning rate at `fraction=0`, `> 0` for `"exp"`.
        end_lr: The learning rate at `fraction=1`.
        mode: `"exp"` (geometric) or `"linear"`.
        exp: The exponential matching `fraction`'s type (`numpy.exp`,
            `keras.ops.exp`).

    Returns:
        The learning rate(s), of `fraction`'s type.
    """
    if mode == "linear":
        return start_lr + (end_lr - start_lr) * fraction
    return start_lr * exp(math.log(end_lr / start_lr) * fraction)


def recorded_lrs(steps, start_lr, end_lr, num_steps, mode):
    """The float64 learning rates of the test's steps `steps` (0-based).

    Only the steps given are computed, never one value per possible step.
    """
    steps = np.minimum(np.asarray(steps, dtype=np.int64), num_steps - 1)
    return sweep_lr(steps / (num_steps - 1), start_lr, end_lr, mode)
