"""What a range test found: the curves, the suggestions, JSON I/O."""

import json
import os

from keras_clr import _validation
from keras_clr.range_test import _json
from keras_clr.range_test import _spread
from keras_clr.range_test import _suggest

_REQUIRED_KEYS = ("lrs", "losses", "smoothing")


class LRRangeTestResult:
    """What an LR range test found, and what to do with it.

    `keras_clr.lr_range_test` returns one; `LRRangeTestResult.load` reads
    one saved with `save`. The suggestions come from the smoothed loss
    curve by three rules, and `DEFAULT_RULE`, Smith's `"steepest"`, is
    used by `suggestion`, `suggest_bounds()` and `cyclical_learning_rate()`
    unless another rule is named (`one_cycle()` uses `"minimum_over_10"`):

    - `"steepest"` (default, Smith): the LR where the smoothed loss falls
      fastest per unit of log LR, ignoring the first 10 and last 5 points
      of curves longer than 30.
    - `"valley"` (fastai's default): half way through the second third of
      the longest stretch of falling loss.
    - `"minimum_over_10"`: the LR of the lowest smoothed loss, over 10.

    A test run with `repeats=k` (see `from_sweeps`) keeps every sweep in
    `sweeps`; each rule's suggestion is then the median of the sweeps'
    and `spreads` says how far they disagree. `print(result)` shows both.

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
        stopped_early: Why the test stopped before its last step, or
            `None`.

    Attributes:
        lrs: List of floats (of the first sweep, like the next three).
        losses: List of floats (`nan` where a loaded file had `null`).
        smoothed_losses: Bias-corrected exponential moving average of
            `losses` with factor `smoothing`.
        stopped_early: A string saying why the test stopped, or `None`.
        sweeps: Tuple of one-sweep results, `(self,)` for one sweep.
        sweep_suggestions: `{rule: [lr of each sweep that has one]}`.
        suggestions: `{rule: median of sweep_suggestions[rule]}`; `{}`
            when no sweep has 3 finite points.
        spreads: `{rule: {"ratio": largest / smallest, "quartiles":
            (q1, q3)}}` of `sweep_suggestions`.
        default_rule: `DEFAULT_RULE`.

    Raises:
        ValueError: If `lrs` is empty, holds a value that is not a finite
            number > 0, differs from `losses` in length, or `smoothing`
            is not in `[0, 1)`.
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
        bad = [i for i, v in enumerate(self.lrs) if not 0 < v < float("inf")]
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
        self.smoothing = smoothing
        if stopped_early is not None and (
            not isinstance(stopped_early, str) or not stopped_early
        ):
            raise ValueError(
                "Argument `stopped_early` must be a non-empty string or None. "
                f"Received: stopped_early={stopped_early!r}"
            )
        self.stopped_early = stopped_early
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
                median, spread = _spread.combine(values)
                self.suggestions[rule], self.spreads[rule] = median, spread

    @classmethod
    def from_sweeps(cls, sweeps) -> "LRRangeTestResult":
        """One result from the sweeps of a repeated range test.

        Its curve attributes are the first sweep's; its suggestions are
        the medians over the sweeps. Emits one `SuggestionSpreadWarning`,
        with the likely causes, when the default rule's largest sweep
        suggestion is more than `SPREAD_LIMIT` (3) times its smallest.

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

        Args:
            sweeps: One-sweep `LRRangeTestResult`s, all with the same
                `smoothing`.

        Returns:
            An `LRRangeTestResult` whose `sweeps` are `sweeps`.

        Raises:
            ValueError: If `sweeps` is empty, holds something else, or the
                smoothings differ.
        """
        result = cls._combined(sweeps)
        _spread.warn_if_unsure(result)
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
        sweeps = tuple(sweeps)
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
        """Per rule, the suggestion (the sweeps' median) and their spread.

        `str(result)` and `print(result)` give the same text.
        """
        return _spread.summary(self)

    def __str__(self):
        return self.summary()

    def suggest_bounds(
        self, rule: str = _suggest.DEFAULT_RULE
    ) -> tuple[float, float]:
        """`(base_lr, max_lr)` following Smith.

        Smith reads `max_lr` off the curve where the loss still falls well
        before it flattens and turns, and sets `base_lr` to "1/3 or 1/4 of
        max_lr". Here `max_lr` is the suggestion of `rule` (by default the
        steepest fall) and `base_lr = max_lr / 4`. Run the cyclical
        schedule for whole cycles, so that training ends at `base_lr`.

        Args:
            rule: `"steepest"` (default), `"valley"` or
                `"minimum_over_10"`.

        Returns:
            `(max_lr / 4, max_lr)`.

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
        """A `keras_clr.CyclicalLearningRate` between `suggest_bounds(rule)`.

        `kwargs` go to `CyclicalLearningRate` (`mode`, `gamma`, ...).
        """
        from keras_clr.schedules.cyclical import CyclicalLearningRate

        base_lr, max_lr = self.suggest_bounds(rule)
        return CyclicalLearningRate(
            base_lr=base_lr, max_lr=max_lr, step_size=step_size, **kwargs
        )

    def one_cycle(
        self, total_steps: int, rule: str = _suggest.ONE_CYCLE_RULE, **kwargs
    ):
        """A `keras_clr.OneCycle` peaking at the top of the usable range.

        One-cycle climbs to `max_lr` once and anneals far below it, so
        Smith takes `max_lr` near the largest LR at which the loss still
        falls, not at the steepest fall that CLR's bounds use (Smith 2018,
        arXiv:1803.09820). The default rule is fastai's: the LR of the
        lowest smoothed loss, divided by 10 (`"minimum_over_10"`). On MNIST
        (docs/results/time_to_accuracy.md, 3 seeds) it reached 97.5% in the
        budget of a hand-picked `max_lr` at batch 100 in every seed, and at
        batch 500 in 2 (one epoch more in the third); the steepest fall's,
        2-6x lower, missed 97.5% in 4 epochs at batch 500 (issue 23).

        Args:
            total_steps: Steps of the whole training.
            rule: `"minimum_over_10"` (default), `"steepest"` or `"valley"`.
            **kwargs: Go to `OneCycle` (`div_factor`, `pct_start`, ...).
        """
        from keras_clr.schedules.one_cycle import OneCycle

        _, max_lr = self.suggest_bounds(rule)
        return OneCycle(max_lr=max_lr, total_steps=total_steps, **kwargs)

    def plot(self, ax=None):
        """Draws the curve; see `keras_clr.plot_range_test`.

        Returns:
            The matplotlib axes.
        """
        from keras_clr.plotting import plot_range_test

        return plot_range_test(self, ax=ax)

    def to_json(self) -> str:
        """The result as standard JSON.

        Every value that is not finite (a loss that became `nan` or
        `inf`) is written as `null`: read it as "not a finite number".
        `from_json` reads `null` back as `nan`, which the suggestions and
        the plot leave out exactly as they leave out `inf`. A result of
        several sweeps adds `"sweeps"`, a list of `{"lrs", "losses",
        "stopped_early"}` objects (the first sweep is also at the top, so
        that 0.2.0 reads the file as one sweep).
        """
        data = _json.curve_json(self)
        data["smoothing"] = self.smoothing
        data["suggestions"] = {
            rule: _json.json_float(lr) for rule, lr in self.suggestions.items()
        }
        if len(self.sweeps) > 1:
            data["sweeps"] = [_json.curve_json(s) for s in self.sweeps]
        return json.dumps(data, allow_nan=False)

    def save(self, path) -> None:
        """Writes `to_json()` to the file `path`."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_json())

    @classmethod
    def from_json(cls, text: str) -> "LRRangeTestResult":
        """Reads a result from `to_json`'s text.

        Also reads what keras_clr 0.1.0 wrote (`NaN` and `Infinity`
        tokens). The stored suggestions are recomputed, not trusted.

        Raises:
            ValueError: Saying what is wrong (not JSON, missing keys,
                values of the wrong type or length).
        """
        if not isinstance(text, str):
            raise ValueError(
                "Argument `text` must be a string of JSON. "
                f"Received: text of type {type(text).__name__}"
            )
        return cls._from_text(text, "Argument `text`", f"text={text[:80]!r}")

    @classmethod
    def load(cls, path) -> "LRRangeTestResult":
        """Reads a result saved by `save` (this version, 0.2.0 or 0.1.0).

        Files of 0.1.0 and 0.2.0 load as one-sweep results.

        Raises:
            ValueError: Naming the file and what is wrong with it (empty,
                not UTF-8, not JSON or truncated, missing keys, values of
                the wrong type, length or sign).
            OSError: If the file cannot be read.
        """
        subject = f"The file {os.fspath(path)!r}"
        received = f"path={os.fspath(path)!r}"
        with open(path, "rb") as f:
            raw = f.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValueError(
                f"{subject} is not an LR range test result saved by "
                f"`LRRangeTestResult.save`: it is not UTF-8 text ({error}). "
                f"Received: {received}"
            ) from None
        return cls._from_text(text, subject, received)

    @classmethod
    def _from_text(cls, text, subject, received):
        def fail(what):
            return ValueError(
                f"{subject} is not an LR range test result saved by "
                f"`LRRangeTestResult.save`: {what}. Received: {received}"
            )

        if not text.strip():
            raise fail("it is empty")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise fail(
                f"it is not valid JSON or is truncated ({error})"
            ) from None
        if not isinstance(data, dict):
            raise fail(f"expected a JSON object, found {type(data).__name__}")
        missing = [key for key in _REQUIRED_KEYS if key not in data]
        if missing:
            raise fail("missing key(s) " + ", ".join(map(repr, missing)))
        smoothing = data["smoothing"]
        if (
            not isinstance(smoothing, (int, float))
            or isinstance(smoothing, bool)
            or not 0 <= smoothing < 1
        ):
            raise fail(f"'smoothing' must be in [0, 1), found {smoothing!r}")
        curves = data.get("sweeps", [data])
        if not isinstance(curves, list) or not curves:
            raise fail("'sweeps' must be a non-empty list")
        sweeps = []
        for i, curve in enumerate(curves):
            where = f"'sweeps'[{i}] " if "sweeps" in data else ""
            if not isinstance(curve, dict):
                raise fail(f"{where}must be an object")
            try:
                lrs, losses, stopped = _json.curve(curve, where, fail)
                sweeps.append(cls(lrs, losses, smoothing, stopped))
            except ValueError as error:  # e.g. negative learning rates
                if "is not an LR range test result" in str(error):
                    raise
                raise fail(f"{where}{error}") from None
        return sweeps[0] if len(sweeps) == 1 else cls._combined(sweeps)

    def __repr__(self):
        best = self.suggestion
        best = "none" if best is None else f"{best:.3g}"
        return (
            f"<LRRangeTestResult: {len(self.lrs)} points, "
            f"{self.default_rule} {best}>"
        )
