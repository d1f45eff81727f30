"""Independent float64 references for the schedules under test.

They are built differently from the code they check: Python's exact integer
`divmod` locates the step in its cycle, and `np.interp` over the cycle's
three corner points gives the position on the triangle.
"""

import numpy as np


def cyclical_reference(
    steps, base_lr, max_lr, step_size, step_size_down=None, scale=None
):
    """LR at each step; `scale(cycle, step)` gets the 1-based cycle."""
    down = step_size if step_size_down is None else step_size_down
    period = step_size + down
    out = []
    for step in steps:
        cycle, position = divmod(int(step), period)
        height = np.interp(position, [0, step_size, period], [0.0, 1.0, 0.0])
        factor = 1.0 if scale is None else scale(cycle + 1, int(step))
        out.append(base_lr + (max_lr - base_lr) * height * factor)
    return np.array(out, dtype=np.float64)
