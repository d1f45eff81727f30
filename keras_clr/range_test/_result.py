"""What a range test found: the curves, the suggestions, JSON I/O."""

import json
import math
import os

from keras_clr import _validation
from keras_clr.range_test import _suggest


class LRRangeTestResult:
    """What an LR range test found, and what to do with it.

    From `keras_clr.lr_range_test` or `load`. Three rules suggest an LR
    from the smoothed loss; `suggestion`, `suggest_bounds()` and
    `cyclical_learning_rate()` use `"steepest"` unless told otherwise,
    `one_cycle()` `"minimum_over_10"`:

    - `"steepest"` (default, Smith): the LR where the smoothed loss falls
      fastest per unit of log LR, ignoring the first 10 and last 5 points
      of curves longer than 30.
    - `"valley"` (fastai's default): half way through the second third of
      the longest stretch of falling loss.
    - `"minimum_over_10"`: the LR of the lowest smoothed loss, over 10.

    Non-finite points are left out; below 3 there is no suggestion. With
    several sweeps (`from_sweeps`) each suggestion is the median of the
    sweeps' and `spreads` says how far they disagree (see `print(result)`).

    Example:

    >>> import numpy as np
    >>> import keras_clr
    >>> lrs = np.geomspace(1e-5, 1.0, 51)
    >>> losses = 2.0 - np.tanh(np.log10(lrs) + 3)  # falls fastest at 1e-3
    >>> result = keras_clr.LRRangeTestResult(lrs, losses, smoothing=0.0)
    >>> round(result.suggestion, 6)
    0.001
    >>> [round(v, 6) for v in result.suggest_bounds()]
    [0.00025, 0.001]

    Args:
        lrs: The learning rate of each recorded step (or execution).
        losses: The training loss of each; non-finite values allowed.
        smoothing: Factor of the losses' moving average, in `[0, 1)`.
        stopped_early: Why the test stopped early, or `None`.

    Attributes:
        lrs, losses, smoothing, stopped_early: The first sweep's (lists
            of floats; `nan` where a loaded file had `null`).
        smoothed_losses: The bias-corrected moving average of `losses`.
        sweeps: Tuple of one-sweep results, `(self,)` for one sweep.
        sweep_suggestions: `{rule: [lr of each sweep that has one]}`.
        suggestions: `{rule: median of sweep_suggestions[rule]}`.
        spreads: `{rule: {"ratio": max / min, "quartiles": (q1, q3)}}`.
        default_rule: `DEFAULT_RULE`.

    Raises:
        ValueError: If `lrs` is empty or not all finite and > 0, differs
            from `losses` in length, or `smoothing` is not in `[0, 1)`.
    """

    default_rule = _suggest.DEFAULT_RULE

    def __init__(
        self,
        lrs,
        losses,
        smoothing: float = 0.98,
        stopped_early: str | None = None,
    ):
        self.lrs = [float(v) for v in lrs]
        self.losses = [float(v) for v in losses]
        bad = [i for i, v in enumerate(self.lrs) if not 0 < v < math.inf]
        if not self.lrs or bad:
            where = f"lrs[{bad[0]}]={self.lrs[bad[0]]}" if bad else "lrs=[]"
            raise ValueError(
                "Argument `lrs` must be a non-empty list of finite learning "
                f"rates > 0. Received: {where}"
            )
        if len(self.lrs) != len(self.losses):
            raise ValueError(
                "Arguments `lrs` and `losses` must have the same length. "
                f"Received: len(lrs)={len(self.lrs)}, "
                f"len(losses)={len(self.losses)}"
            )
        _validation.check_in_unit_interval("smoothing", smoothing)
        if stopped_early is not None and (
            not isinstance(stopped_early, str) or not stopped_early
        ):
            raise ValueError(
                "Argument `stopped_early` must be a non-empty string or None. "
                f"Received: stopped_early={stopped_early!r}"
            )
        self.smoothing, self.stopped_early = smoothing, stopped_early
        self.smoothed_losses = _suggest.smooth(self.losses, smoothing)
        self._own = _suggest.suggest(self.lrs, self.smoothed_losses)
        self._set_sweeps((self,))

    def _set_sweeps(self, sweeps):
        self.sweeps = tuple(sweeps)
        self.sweep_suggestions, self.suggestions, self.spreads = {}, {}, {}
        for rule in _suggest.RULES:
            values = [s._own[rule] for s in self.sweeps if rule in s._own]
            if values:
                self.sweep_suggestions[rule] = values
                median, spread = _suggest.combine(values)
                self.suggestions[rule], self.spreads[rule] = median, spread

    @classmethod
    def from_sweeps(cls, sweeps) -> "LRRangeTestResult":
        """One result from the sweeps of a repeated range test.

        Its curves are the first sweep's, its suggestions the medians. One
        `SuggestionSpreadWarning` names the likely causes when the default
        rule's sweep suggestions spread over `SPREAD_LIMIT` (3).

        Example:

        >>> import numpy as np
        >>> import keras_clr
        >>> lrs = np.geomspace(1e-5, 1.0, 51)
        >>> sweeps = [keras_clr.LRRangeTestResult(
        ...     lrs, 2.0 - np.tanh(np.log10(lrs) + c), smoothing=0.0)
        ...     for c in (3.2, 3.0, 2.8)]  # steepest near 6e-4, 1e-3, 1.6e-3
        >>> result = keras_clr.LRRangeTestResult.from_sweeps(sweeps)
        >>> spread = result.spreads["steepest"]
        >>> round(result.suggestion, 6), round(spread["ratio"], 2)
        (0.001, 2.51)

        Raises `ValueError` unless `sweeps` is a non-empty list of one-sweep
        results with one `smoothing`.
        """
        result = cls._combined(sweeps)
        _suggest.warn_if_unsure(result)
        return result

    @classmethod
    def _combined(cls, sweeps):
        if (
            not isinstance(sweeps, (list, tuple))
            or not sweeps
            or not all(isinstance(s, cls) and s.sweeps == (s,) for s in sweeps)
        ):
            raise ValueError(
                "Argument `sweeps` must be a non-empty list of one-sweep "
                f"`LRRangeTestResult`s. Received: sweeps={sweeps!r}"
            )
        if len({s.smoothing for s in sweeps}) > 1:
            raise ValueError(
                "Argument `sweeps` must share one `smoothing`. Received: "
                f"{[s.smoothing for s in sweeps]}"
            )
        first = sweeps[0]
        result = cls(first.lrs, first.losses, first.smoothing)
        result.stopped_early = first.stopped_early
        result._set_sweeps(sweeps)
        return result

    @property
    def suggestion(self) -> float | None:
        """The default rule's (`"steepest"`) LR, `None` if there is none."""
        return self.suggestions.get(self.default_rule)

    def summary(self) -> str:
        """Per rule, the suggestion and the sweeps' spread; also `str`."""
        n = len(self.sweeps)
        lines = [
            f"LR range test: {n} sweep{'s' * (n > 1)} of up to "
            f"{max(len(s.lrs) for s in self.sweeps)} points",
            f"  {'rule':<20} "
            + ("median      max/min  quartiles" if n > 1 else "suggestion"),
        ]
        for rule in _suggest.RULES:
            name = rule + " (default)" * (rule == self.default_rule)
            lr, spread = self.suggestions.get(rule), self.spreads.get(rule)
            row = f"  {name:<20} " + ("none" if lr is None else f"{lr:.3e}")
            if lr is not None and n > 1:
                q1, q3 = spread["quartiles"]
                row += f"   x{spread['ratio']:<8.3g}{q1:.2e} to {q3:.2e}"
            lines.append(row)
        lines += [
            f"  sweep {i} stopped: {s.stopped_early}"
            for i, s in enumerate(self.sweeps)
            if s.stopped_early
        ]
        return "\n".join(lines)

    __str__ = summary

    def suggest_bounds(
        self, rule: str = _suggest.DEFAULT_RULE
    ) -> tuple[float, float]:
        """`(max_lr / 4, max_lr)`, `max_lr` the suggestion of `rule`.

        Smith: `base_lr` is "1/3 or 1/4 of max_lr". Run whole cycles, so
        that training ends at `base_lr`.

        Raises:
            ValueError: For an unknown rule, or when the curve had too few
                finite points to suggest anything.
        """
        _validation.check_choice("rule", rule, _suggest.RULES)
        max_lr = self.suggestions.get(rule)
        if max_lr is None:
            raise ValueError(
                "The range test recorded too few finite losses to suggest "
                "bounds; run it over more steps or a wider LR range."
            )
        return max_lr / 4.0, max_lr

    def cyclical_learning_rate(
        self, step_size: int, rule: str = _suggest.DEFAULT_RULE, **kwargs
    ):
        """A `keras_clr.CyclicalLearningRate(**kwargs)` between
        `suggest_bounds(rule)`."""
        from keras_clr.schedules.cyclical import CyclicalLearningRate

        base_lr, max_lr = self.suggest_bounds(rule)
        return CyclicalLearningRate(
            base_lr=base_lr, max_lr=max_lr, step_size=step_size, **kwargs
        )

    def one_cycle(
        self, total_steps: int, rule: str = _suggest.ONE_CYCLE_RULE, **kwargs
    ):
        """A `keras_clr.OneCycle` peaking at the top of the usable range.

        Its `max_lr` is near the largest LR at which the loss still falls
        (Smith 2018, arXiv:1803.09820): fastai's `"minimum_over_10"` by
        default (docs/results/time_to_accuracy.md, issue 23).

        `kwargs` go to `OneCycle` (`div_factor`, `pct_start`, ...).
        """
        from keras_clr.schedules.one_cycle import OneCycle

        _, max_lr = self.suggest_bounds(rule)
        return OneCycle(max_lr=max_lr, total_steps=total_steps, **kwargs)

    def plot(self, ax=None):
        """Draws the curve and returns the axes: `keras_clr.plot_range_test`."""
        from keras_clr.plotting import plot_range_test

        return plot_range_test(self, ax=ax)

    def to_json(self) -> str:
        """The result as standard JSON, each non-finite value as `null`.

        `from_json` reads `null` back as `nan`, which the suggestions and
        the plot leave out like `inf`. Several sweeps add `"sweeps"`, a
        list of `{"lrs", "losses", "stopped_early"}` (the first sweep is
        also at the top, so that 0.2.0 reads the file as one sweep).
        """
        data = _curve_json(self)
        data["smoothing"] = self.smoothing
        data["suggestions"] = {
            rule: _finite(lr) for rule, lr in self.suggestions.items()
        }
        if len(self.sweeps) > 1:
            data["sweeps"] = [_curve_json(s) for s in self.sweeps]
        return json.dumps(data, allow_nan=False)

    def save(self, path) -> None:
        """Writes `to_json()` to the file `path`."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_json())

    @classmethod
    def from_json(cls, text: str) -> "LRRangeTestResult":
        """Reads a result from `to_json`'s text (or 0.1.0's, with `NaN`).

        The stored suggestions are recomputed, not trusted.

        Raises ValueError saying what is wrong with the text.
        """
        if not isinstance(text, str):
            raise ValueError(
                "Argument `text` must be a string of JSON. "
                f"Received: text of type {type(text).__name__}"
            )
        return cls._from_text(text, "Argument `text`", f"text={text[:80]!r}")

    @classmethod
    def load(cls, path) -> "LRRangeTestResult":
        """Reads a file of `save` (0.1.0 and 0.2.0 files: one sweep).

        Raises:
            ValueError: Naming the file and what is wrong with it.
            OSError: If the file cannot be read.
        """
        with open(path, "rb") as f:
            raw = f.read()
        path = os.fspath(path)
        return cls._from_text(raw, f"The file {path!r}", f"path={path!r}")

    @classmethod
    def _from_text(cls, text, subject, received):
        try:
            return cls._parse(text)
        except ValueError as error:
            raise ValueError(
                f"{subject} is not an LR range test result saved by "
                f"`LRRangeTestResult.save`: {error}. Received: {received}"
            ) from None

    @classmethod
    def _parse(cls, text):
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError as error:
                raise ValueError(f"it is not UTF-8 text ({error})") from None
        if not text.strip():
            raise ValueError("it is empty")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"it is not valid JSON or is truncated ({error})"
            ) from None
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, found {_type(data)}")
        _check_keys(data, ("lrs", "losses", "smoothing"))
        smoothing = data["smoothing"]
        if not _is_number(smoothing) or not 0 <= smoothing < 1:
            raise ValueError(
                f"'smoothing' must be in [0, 1), found {smoothing!r}"
            )
        curves = data.get("sweeps", [data])
        if not isinstance(curves, list) or not curves:
            raise ValueError("'sweeps' must be a non-empty list")
        sweeps = []
        for i, curve in enumerate(curves):
            try:
                sweeps.append(cls(*_curve(curve, smoothing)))
            except ValueError as error:  # e.g. negative learning rates
                where = f"'sweeps'[{i}] " if "sweeps" in data else ""
                raise ValueError(f"{where}{error}") from None
        return sweeps[0] if len(sweeps) == 1 else cls._combined(sweeps)

    def __repr__(self):
        best = "none" if self.suggestion is None else f"{self.suggestion:.3g}"
        n, rule = len(self.lrs), self.default_rule
        return f"<LRRangeTestResult: {n} points, {rule} {best}>"


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _type(value):
    return type(value).__name__


def _finite(value):
    return value if math.isfinite(value) else None


def _curve_json(sweep):
    return {
        "lrs": [_finite(v) for v in sweep.lrs],
        "losses": [_finite(v) for v in sweep.losses],
        "stopped_early": sweep.stopped_early,
    }


def _check_keys(data, keys):
    missing = [key for key in keys if key not in data]
    if missing:
        raise ValueError("missing key(s) " + ", ".join(map(repr, missing)))


def _curve(curve, smoothing):
    """The arguments of one sweep's result, from its JSON object."""
    if not isinstance(curve, dict):
        raise ValueError("must be an object")
    _check_keys(curve, ("lrs", "losses"))
    lrs, losses = (_floats(curve[key], key) for key in ("lrs", "losses"))
    if len(lrs) != len(losses):
        raise ValueError(
            f"'lrs' has {len(lrs)} values but 'losses' has {len(losses)}"
        )
    stopped = curve.get("stopped_early")
    if stopped is not None and not isinstance(stopped, str):
        raise ValueError(
            f"'stopped_early' must be a string or null, found {stopped!r}"
        )
    return lrs, losses, smoothing, stopped


def _floats(values, key):
    if not isinstance(values, list):
        raise ValueError(f"'{key}' must be a list, found {_type(values)}")
    for i, v in enumerate(values):
        if v is not None and not _is_number(v):
            raise ValueError(f"'{key}'[{i}] is not a number or null: {v!r}")
    return [math.nan if v is None else float(v) for v in values]
