"""How far the sweeps of a repeated range test agree (pure NumPy)."""

import math
import warnings

import numpy as np

from keras_clr.range_test._suggest import RULES

SPREAD_LIMIT = 3.0
"""A warning is due when the largest sweep suggestion of the default rule
exceeds this factor times the smallest."""

# What the warning calls few points per decade, and a noisy loss.
_MIN_PER_DECADE, _NOISE_LIMIT = 10, 0.1


class SuggestionSpreadWarning(UserWarning):
    """The sweeps of a repeated range test disagree on the suggestion."""


def combine(values) -> tuple[float, dict]:
    """The median of the sweeps' suggestions for one rule, and the spread.

    The median of an even count is the geometric mean of the middle two.
    The spread is `{"ratio": largest / smallest, "quartiles": (q1, q3)}`
    (NumPy's default, linearly interpolated, quartiles).
    """
    values = np.sort(np.asarray(values, dtype=float))
    middle = values[(len(values) - 1) // 2 : len(values) // 2 + 1]
    median = math.sqrt(middle[0] * middle[-1]) if len(middle) > 1 else middle[0]
    q1, q3 = np.quantile(values, [0.25, 0.75])
    ratio = float(values[-1] / values[0])
    return float(median), {"ratio": ratio, "quartiles": (float(q1), float(q3))}


def noise(losses) -> float:
    """The raw loss' noise relative to its level, up to its lowest value.

    A robust estimate of the standard deviation around a local straight
    line, `median(|second difference|) / (0.6745 sqrt(6))` (a second
    difference of noise has 6 times its variance; 0.6745 is the median of
    `|N(0, 1)|`), over `median(|loss|)`;
    `0.0` for curves of fewer than 5 finite points.
    """
    losses = np.asarray(losses, dtype=float)
    losses = losses[np.isfinite(losses)]
    losses = losses[: int(np.argmin(losses)) + 1] if losses.size else losses
    if losses.size < 5:
        return 0.0
    wiggle = np.median(np.abs(np.diff(losses, 2))) / (0.6745 * math.sqrt(6))
    return float(wiggle / max(np.median(np.abs(losses)), 1e-12))


def warn_if_unsure(result, stacklevel=3):
    """Warns once if `result`'s default rule spreads over `SPREAD_LIMIT`.

    The warning names the causes the curves show and what to change.
    """
    rule = result.default_rule
    spread = result.spreads.get(rule)
    if spread is None or spread["ratio"] <= SPREAD_LIMIT:
        return
    values = result.sweep_suggestions[rule]
    causes = []
    sweeps = result.sweeps
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
    if not causes:
        causes.append(
            "none visible in the curves: the data order itself moves the "
            "suggestion; use more `repeats` or the `valley` rule"
        )
    warnings.warn(
        f"The {len(sweeps)} sweeps of the LR range test disagree: the "
        f"`{rule}` suggestions span a factor of {spread['ratio']:.3g} "
        f"({min(values):.2e} to {max(values):.2e}), more than "
        f"{SPREAD_LIMIT:g}; the median {result.suggestions[rule]:.2e} is "
        "used. Likely causes: " + "; ".join(causes) + ".",
        SuggestionSpreadWarning,
        stacklevel=stacklevel,
    )


def summary(result) -> str:
    """`LRRangeTestResult.summary`: per rule, the median and the spread."""
    n = len(result.sweeps)
    lines = [
        f"LR range test: {n} sweep{'s' * (n > 1)} of up to "
        f"{max(len(s.lrs) for s in result.sweeps)} points"
    ]
    head = "median      max/min  quartiles" if n > 1 else "suggestion"
    lines.append(f"  {'rule':<20} {head}")
    for rule in RULES:
        name = rule + " (default)" * (rule == result.default_rule)
        lr, spread = result.suggestions.get(rule), result.spreads.get(rule)
        row = f"  {name:<20} " + ("none" if lr is None else f"{lr:.3e}")
        if lr is not None and n > 1:
            q1, q3 = spread["quartiles"]
            row += f"   x{spread['ratio']:<8.3g}{q1:.2e} to {q3:.2e}"
        lines.append(row)
    for i, sweep in enumerate(result.sweeps):
        if sweep.stopped_early:
            lines.append(f"  sweep {i} stopped: {sweep.stopped_early}")
    return "\n".join(lines)
