"""Suggested learning rates from a range test's loss curve (pure NumPy).

Nothing here imports Keras: the rules can be used and tested on any loss
curve. Each rule takes the learning rates and the smoothed losses of the
finite part of the curve and returns one learning rate.
"""

import numpy as np

DEFAULT_RULE = "steepest"
"""Smith's rule, the one `suggestion`, `suggest_bounds()` and the ready
schedules use unless told otherwise."""

ONE_CYCLE_RULE = "minimum_over_10"
"""The rule `one_cycle()` uses: one-cycle wants the top of the usable
range, not the steepest fall (benchmarks/time_to_accuracy.py)."""

RULES = ("steepest", "valley", "minimum_over_10")

# As torch-lr-finder, the steepest fall ignores the noisy ends of longer
# curves: the first 10 and the last 5 points.
_SKIP_START, _SKIP_END, _SKIP_ABOVE = 10, 5, 30


def smooth(losses, smoothing: float) -> list:
    """Bias-corrected exponential moving average of `losses`.

    $$
    a_i = \\beta a_{i-1} + (1 - \\beta) x_i, \\quad a_0 = 0, \\qquad
    s_i = a_i / (1 - \\beta^i)
    $$

    where $\\beta$ is `smoothing` (fastai and torch-lr-finder smooth the
    same way). A constant curve stays constant; once a loss is not finite,
    every later smoothed value is not finite either.

    Args:
        losses: The raw losses, in order.
        smoothing: $\\beta$, in `[0, 1)`; `0` returns the losses unchanged.

    Returns:
        A list of floats, one per loss.
    """
    out, average = [], 0.0
    for i, loss in enumerate(losses, start=1):
        average = smoothing * average + (1 - smoothing) * loss
        out.append(average / (1 - smoothing**i))
    return out


def steepest(lrs, losses) -> float:
    """Smith's rule: the LR where the loss falls fastest.

    The fall is measured per unit of log LR: the minimum of
    `numpy.gradient(losses, log(lrs))` (central differences). With more
    than 30 points the first 10 and the last 5 are ignored.
    """
    gradient = np.gradient(losses, np.log(lrs))
    start, stop = 0, len(lrs)
    if len(lrs) > _SKIP_ABOVE:
        start, stop = _SKIP_START, len(lrs) - _SKIP_END
    return float(lrs[start + int(np.argmin(gradient[start:stop]))])


def valley(lrs, losses) -> float:
    """fastai's `valley`: inside the longest falling stretch of the curve.

    The stretch is the longest strictly decreasing subsequence of the
    losses; with `start` one before its first point and `end` its last,
    the rule returns the LR at `start + int(d) + int(d / 2)` where
    `d = (end - start) / 3`: half way through the stretch's second third.
    """
    n = len(losses)
    longest = [1] * n
    start = end = 0
    for i in range(1, n):
        for j in range(i):
            if losses[i] < losses[j] and longest[i] < longest[j] + 1:
                longest[i] = longest[j] + 1
            if longest[end] < longest[i]:
                end = i
                start = end - longest[end]
    third = (end - start) / 3
    return float(lrs[start + int(third) + int(third / 2)])


def minimum_over_10(lrs, losses) -> float:
    """The LR of the lowest loss, divided by 10 (fastai's older rule)."""
    return float(lrs[int(np.argmin(losses))] / 10)


_RULE_FUNCTIONS = {
    "steepest": steepest,
    "valley": valley,
    "minimum_over_10": minimum_over_10,
}


def suggest(lrs, smoothed_losses) -> dict:
    """`{rule: lr}` for every rule, from the finite part of the curve.

    Points whose learning rate is not positive or whose smoothed loss is
    not finite are left out; with fewer than 3 points left the result is
    `{}` (no suggestion).
    """
    lrs = np.asarray(lrs, dtype=float)
    losses = np.asarray(smoothed_losses, dtype=float)
    keep = np.isfinite(losses) & np.isfinite(lrs) & (lrs > 0)
    lrs, losses = lrs[keep], losses[keep]
    if len(lrs) < 3:
        return {}
    return {rule: _RULE_FUNCTIONS[rule](lrs, losses) for rule in RULES}
