"""Smith's LR range test: find a cyclical schedule's bounds.

- `_sweep.py`: the learning-rate sweep (linear or exponential), defined
  once for the compiled step and for the recorded LRs.
- `_suggest.py`: the suggestion rules, pure NumPy (no Keras).
- `_data.py`: the never-ending batch source (TensorFlow only if loaded).
- `_result.py`: `LRRangeTestResult`, its suggestions and JSON I/O
  (one sweep's JSON in `_json.py`).
- `_spread.py`: how far repeated sweeps agree: median, spread, warning
  and summary (pure NumPy).
- `_driver.py`: `lr_range_test`: swap in the sweep, train, restore.

The plot is `keras_clr.plotting.plot_range_test`.
"""

from keras_clr.range_test._driver import MAX_NUM_STEPS
from keras_clr.range_test._driver import lr_range_test
from keras_clr.range_test._result import LRRangeTestResult
from keras_clr.range_test._spread import SPREAD_LIMIT
from keras_clr.range_test._spread import SuggestionSpreadWarning
from keras_clr.range_test._suggest import DEFAULT_RULE
from keras_clr.range_test._suggest import RULES
from keras_clr.range_test._sweep import MODES

SUGGESTION_RULES = RULES  # the 0.1.0 name

__all__ = [
    "DEFAULT_RULE",
    "LRRangeTestResult",
    "lr_range_test",
    "MAX_NUM_STEPS",
    "MODES",
    "RULES",
    "SPREAD_LIMIT",
    "SUGGESTION_RULES",
    "SuggestionSpreadWarning",
]
