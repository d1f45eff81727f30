"""Suggested LRs from a range test's loss curve, and how far repeated
sweeps agree. Pure NumPy: the rules work on any curve. The rules are
described in `LRRangeTestResult`'s docstring."""

import math
import warnings

import numpy as np

DEFAULT_RULE = "steepest"
"""Smith's rule, used unless another is named (`one_cycle()` aside)."""

ONE_CYCLE_RULE = "minimum_over_10"
"""`one_cycle()`'s rule: one-cycle wants the top of the usable range, not
the steepest fall (benchmarks/time_to_accuracy.py)."""

RULES = ("steepest", "valley", "minimum_over_10")

SPREAD_LIMIT = 3.0
"""A warning is due when the largest sweep suggestion of the default rule
exceeds this factor times the smallest."""

# As torch-lr-finder, the steepest fall ignores the noisy ends of longer
# curves. Then what the warning calls few points per decade, a noisy loss.
_SKIP_START, _SKIP_END, _SKIP_ABOVE = 10, 5, 30
_MIN_PER_DECADE, _NOISE_LIMIT = 10, 0.1


class SuggestionSpreadWarning(UserWarning):
    """The sweeps of a repeated range test disagree on the suggestion."""


def smooth(losses, smoothing: float) -> list:
    """Bias-corrected exponential moving average of `losses`, as fastai.

    $$
    a_i = \\beta a_{i-1} + (1 - \\beta) x_i, \\quad a_0 = 0, \\qquad
    s_i = a_i / (1 - \\beta^i)
    $$

    where $\\beta$ is `smoothing`, in `[0, 1)` (`0` changes nothing). Once
    a loss is not finite, every later smoothed value is not finite either.
    """
    out, average = [], 0.0
    for i, loss in enumerate(losses, start=1):
        average = smoothing * average + (1 - smoothing) * loss
        out.append(average / (1 - smoothing**i))
    return out


def steepest(lrs, losses) -> float:
    """The LR at the minimum of `numpy.gradient(losses, log(lrs))`."""
    gradient = np.gradient(losses, np.log(lrs))
    start, stop = 0, len(lrs)
    if len(lrs) > _SKIP_ABOVE:
        start, stop = _SKIP_START, len(lrs) - _SKIP_END
    return float(lrs[start + int(np.argmin(gradient[start:stop]))])


def valley(lrs, losses) -> float:
    """fastai's `valley`, in its longest strictly decreasing subsequence.

    With `start` one before its first point and `end` its last, the LR at
    `start + int(d) + int(d / 2)` where `d = (end - start) / 3`.
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


def suggest(lrs, smoothed_losses) -> dict:
    """`{rule: lr}` for every rule; `{}` below 3 usable points.

    Points whose LR is not positive or smoothed loss not finite are left
    out.
    """
    lrs = np.asarray(lrs, dtype=float)
    losses = np.asarray(smoothed_losses, dtype=float)
    keep = np.isfinite(losses) & np.isfinite(lrs) & (lrs > 0)
    lrs, losses = lrs[keep], losses[keep]
    if len(lrs) < 3:
        return {}
    rules = (steepest, valley, minimum_over_10)
    return {rule.__name__: rule(lrs, losses) for rule in rules}


def combine(values) -> tuple[float, dict]:
    """The median of one rule's sweep suggestions, and their spread.

    An even count's median is the geometric mean of the middle two; the
    spread is `{"ratio": largest / smallest, "quartiles": (q1, q3)}`.
    """
    values = np.sort(np.asarray(values, dtype=float))
    middle = values[(len(values) - 1) // 2 : len(values) // 2 + 1]
    median = math.sqrt(middle[0] * middle[-1]) if len(middle) > 1 else middle[0]
    q1, q3 = np.quantile(values, [0.25, 0.75])
    ratio = float(values[-1] / values[0])
    return float(median), {"ratio": ratio, "quartiles": (float(q1), float(q3))}


def noise(losses) -> float:
    """The raw loss' noise relative to its level, up to its lowest value.

    `median(|second difference|) / (0.6745 sqrt(6))`, a robust standard
    deviation around a local line, over `median(|loss|)`; `0.0` for fewer
    than 5 finite points.
    """
    losses = np.asarray(losses, dtype=float)
    losses = losses[np.isfinite(losses)]
    losses = losses[: int(np.argmin(losses)) + 1] if losses.size else losses
    if losses.size < 5:
        return 0.0
    wiggle = np.median(np.abs(np.diff(losses, 2))) / (0.6745 * math.sqrt(6))
    return float(wiggle / max(np.median(np.abs(losses)), 1e-12))


def warn_if_unsure(result, stacklevel=3):
    """Warns, naming the likely causes, if the default rule's sweep
    suggestions spread over `SPREAD_LIMIT`."""
    rule, sweeps = result.default_rule, result.sweeps
    spread = result.spreads.get(rule)
    if spread is None or spread["ratio"] <= SPREAD_LIMIT:
        return
    values, causes = result.sweep_suggestions[rule], []
    longest = max(sweeps, key=lambda s: len(s.lrs)).lrs
    decades = math.log10(longest[-1] / longest[0]) if len(longest) > 1 else 0
    per_decade = (len(longest) - 1) / decades if decades > 0 else math.inf
    if per_decade < _MIN_PER_DECADE:
        causes.append(
            f"only {per_decade:.1f} steps per decade of LR (fewer than "
            f"{_MIN_PER_DECADE}): raise `num_steps` or narrow `start_lr` to "
            "`end_lr`"
        )
    level = float(np.median([noise(s.losses) for s in sweeps]))
    if level > _NOISE_LIMIT:
        causes.append(
            f"a noisy loss (its step-to-step noise is {level:.0%} of its "
            f"level, over {_NOISE_LIMIT:.0%}): use a larger `batch_size` "
            "or a `smoothing` closer to 1"
        )
    ends = [s.lrs[-1] for s in sweeps]
    early = [i for i, s in enumerate(sweeps) if s.stopped_early]
    if early and max(ends) / min(ends) > SPREAD_LIMIT:
        causes.append(
            f"divergence reached early in sweep(s) {early} (last LRs "
            f"{min(ends):.2e} to {max(ends):.2e}): lower `end_lr`, raise "
            "`diverge_threshold`, or use the `valley` rule"
        )
    causes = causes or [
        "none visible in the curves: the data order itself moves the "
        "suggestion; use more `repeats` or the `valley` rule"
    ]
    warnings.warn(
        f"The {len(sweeps)} sweeps of the LR range test disagree: the "
        f"`{rule}` suggestions span a factor of {spread['ratio']:.3g} "
        f"({min(values):.2e} to {max(values):.2e}), more than "
        f"{SPREAD_LIMIT:g}; the median {result.suggestions[rule]:.2e} is "
        "used. Likely causes: " + "; ".join(causes) + ".",
        SuggestionSpreadWarning,
        stacklevel=stacklevel,
    )
