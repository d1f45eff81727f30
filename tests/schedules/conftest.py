"""Shared constants, helpers and oracles of the schedule tests.

One place for the step dtype, the compile settings and the references, so
that a new test file imports them instead of copying them.
"""

from fractions import Fraction

import numpy as np
from keras import ops

from tests.conftest import BACKEND


def _widest_int() -> str:
    if BACKEND == "jax":
        import jax

        if not jax.config.jax_enable_x64:
            return "int32"
    return "int64"


INT = _widest_int()
"""The dtype of `optimizer.iterations` here: int64, int32 on JAX."""

HAS_INT64 = INT == "int64"
HAS_FLOAT64 = HAS_INT64  # JAX without x64 has neither.
INT_MAX = int(np.iinfo(INT).max)

JIT = [False, True]
# Keras refuses steps_per_execution > 1 on the PyTorch backend.
SPE = [1, 8] if BACKEND != "torch" else [1]

# The `model.fit` tests' schedule: an asymmetric cycle of 8 steps.
CLR_KWARGS = dict(base_lr=0.01, max_lr=0.05, step_size=5, step_size_down=3)

# Scale policies for the references: f(cycle, step) -> amplitude factor.
SCALES = {
    "triangular": None,
    "triangular2": lambda cycle, step: 0.5 ** (cycle - 1),
    "exp_range": lambda cycle, step: 0.97**step,
}

F32_EPS = float(np.finfo(np.float32).eps)


def values(schedule, steps, dtype=INT):
    """The schedule at `steps` (an integer tensor of `dtype`), as float64."""
    lrs = schedule(ops.convert_to_tensor(np.asarray(steps), dtype=dtype))
    return np.asarray(ops.convert_to_numpy(lrs), dtype=np.float64)


def value(schedule, step) -> float:
    """The schedule at one step given as is (Python, NumPy or tensor)."""
    return float(np.asarray(ops.convert_to_numpy(schedule(step))))


def fraction_reference(steps, low, high, up, down=None, scale=None):
    """A cyclical LR in exact rational arithmetic, for any step sizes.

    `up` and `down` may be fractional (TF Addons' `step_size=2.5`): the
    position in the cycle is `Fraction(step) % period`, computed exactly,
    and only the final value is rounded to float64. `scale(cycle, step)`
    gets the 1-based cycle number.
    """
    up = Fraction(up)
    down = up if down is None else Fraction(down)
    period = up + down
    out = []
    for step in steps:
        step = max(int(step), 0)
        cycle, position = divmod(Fraction(step), period)
        if position <= up:
            height = position / up
        else:
            height = (period - position) / down
        factor = 1.0 if scale is None else scale(int(cycle) + 1, step)
        out.append(low + (high - low) * float(height) * factor)
    return np.array(out, dtype=np.float64)


def one_cycle_reference(
    step,
    max_lr,
    total_steps,
    pct_start=0.3,
    anneal_strategy="cos",
    div_factor=25.0,
    final_div_factor=1e4,
    three_phase=False,
):
    """PyTorch's `OneCycleLR` formulas in float64 (past the end: the min).

    Written from PyTorch's documented phases: each phase anneals from its
    start value to its end value with `pct = (step - start) / (end -
    start)`, cosine as `end + (start - end) / 2 * (cos(pi pct) + 1)`.
    """
    initial = max_lr / div_factor
    minimum = max_lr / (div_factor * final_div_factor)
    warm = float(pct_start * total_steps) - 1
    if three_phase:
        phases = [
            (warm, initial, max_lr),
            (2 * warm, max_lr, initial),
            (total_steps - 1, initial, minimum),
        ]
    else:
        phases = [(warm, initial, max_lr), (total_steps - 1, max_lr, minimum)]
    if step >= total_steps - 1:
        return minimum
    start_step = 0.0
    for end_step, start, end in phases:
        if step <= end_step or end_step == phases[-1][0]:
            pct = (step - start_step) / (end_step - start_step)
            if anneal_strategy == "cos":
                return end + (start - end) / 2.0 * (np.cos(np.pi * pct) + 1)
            return (end - start) * pct + start
        start_step = end_step
    raise AssertionError("unreachable")
