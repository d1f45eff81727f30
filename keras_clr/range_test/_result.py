"""What a range test found: the curve, the suggestions, JSON I/O."""

import json
import math
import os

from keras_clr import _validation
from keras_clr.range_test import _suggest

_REQUIRED_KEYS = ("lrs", "losses", "smoothing")


class LRRangeTestResult:
    """What an LR range test found, and what to do with it.

    `keras_clr.lr_range_test` returns one; `LRRangeTestResult.load` reads
    one saved with `save`. The suggestions come from the smoothed loss
    curve by three rules, and `DEFAULT_RULE`, Smith's `"steepest"`, is
    used by `suggestion`, `suggest_bounds()`, `cyclical_learning_rate()`
    and `one_cycle()` unless another rule is named:

    - `"steepest"` (default, Smith): the LR where the smoothed loss falls
      fastest per unit of log LR, ignoring the first 10 and last 5 points
      of curves longer than 30.
    - `"valley"` (fastai's default): half way through the second third of
      the longest stretch of falling loss.
    - `"minimum_over_10"`: the LR of the lowest smoothed loss, over 10.

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
        lrs: List of floats.
        losses: List of floats (`nan` where a loaded file had `null`).
        smoothed_losses: Bias-corrected exponential moving average of
            `losses` with factor `smoothing`.
        suggestions: `{rule: lr}` for every rule; `{}` when fewer than 3
            points of the curve are finite.
        stopped_early: A string saying why the test stopped, or `None`.

    Raises:
        ValueError: If `lrs` and `losses` differ in length or `smoothing`
            is not in `[0, 1)`.
    """

    def __init__(
        self,
        lrs,
        losses,
        smoothing: float = 0.98,
        stopped_early: str | None = None,
    ):
        self.lrs = [float(v) for v in lrs]
        self.losses = [float(v) for v in losses]
        if len(self.lrs) != len(self.losses):
            raise ValueError(
                "Arguments `lrs` and `losses` must have the same length. "
                f"Received: len(lrs)={len(self.lrs)}, "
                f"len(losses)={len(self.losses)}"
            )
        _validation.check_in_unit_interval("smoothing", smoothing)
        self.smoothing = smoothing
        self.stopped_early = stopped_early
        self.smoothed_losses = _suggest.smooth(self.losses, smoothing)
        self.suggestions = _suggest.suggest(self.lrs, self.smoothed_losses)

    @property
    def suggestion(self) -> float | None:
        """The default rule's (`"steepest"`) LR, `None` if there is none."""
        return self.suggestions.get(_suggest.DEFAULT_RULE)

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
        self, total_steps: int, rule: str = _suggest.DEFAULT_RULE, **kwargs
    ):
        """A `keras_clr.OneCycle` peaking at `suggest_bounds(rule)`'s max.

        `kwargs` go to `OneCycle` (`div_factor`, `pct_start`, ...).
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
        the plot leave out exactly as they leave out `inf`.
        """
        return json.dumps(
            {
                "lrs": [_json_float(v) for v in self.lrs],
                "losses": [_json_float(v) for v in self.losses],
                "smoothing": self.smoothing,
                "stopped_early": self.stopped_early,
                "suggestions": {
                    rule: _json_float(lr)
                    for rule, lr in self.suggestions.items()
                },
            },
            allow_nan=False,
        )

    def save(self, path) -> None:
        """Writes `to_json()` to the file `path`."""
        with open(path, "w") as f:
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
        """Reads a result saved by `save` (this version or 0.1.0).

        Raises:
            ValueError: Naming the file and what is wrong with it (empty,
                not JSON or truncated, missing keys, values of the wrong
                type or length).
            OSError: If the file cannot be read.
        """
        with open(path) as f:
            text = f.read()
        return cls._from_text(
            text,
            f"The file {os.fspath(path)!r}",
            f"path={os.fspath(path)!r}",
        )

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
        lrs = _float_list(data["lrs"], "lrs", fail)
        losses = _float_list(data["losses"], "losses", fail)
        if len(lrs) != len(losses):
            raise fail(
                f"'lrs' has {len(lrs)} values but 'losses' has {len(losses)}"
            )
        smoothing = data["smoothing"]
        if (
            not isinstance(smoothing, (int, float))
            or isinstance(smoothing, bool)
            or not 0 <= smoothing < 1
        ):
            raise fail(f"'smoothing' must be in [0, 1), found {smoothing!r}")
        stopped_early = data.get("stopped_early")
        if stopped_early is not None and not isinstance(stopped_early, str):
            raise fail(
                f"'stopped_early' must be a string or null, found "
                f"{stopped_early!r}"
            )
        return cls(lrs, losses, smoothing, stopped_early)

    def __repr__(self):
        best = self.suggestion
        best = "none" if best is None else f"{best:.3g}"
        return (
            f"<LRRangeTestResult: {len(self.lrs)} points, "
            f"{_suggest.DEFAULT_RULE} {best}>"
        )


def _json_float(value):
    return value if math.isfinite(value) else None


def _float_list(values, key, fail):
    """`values` as floats (`null` as nan), or raises `fail(...)`."""
    if not isinstance(values, list):
        raise fail(f"'{key}' must be a list, found {type(values).__name__}")
    out = []
    for i, v in enumerate(values):
        if v is None:
            out.append(math.nan)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(float(v))
        else:
            raise fail(f"'{key}'[{i}] is not a number or null: {v!r}")
    return out
