"""Smith's LR range test: `lr_range_test` and its `LRRangeTestResult`."""

from keras_clr.range_test._driver import MAX_NUM_STEPS
from keras_clr.range_test._driver import lr_range_test
from keras_clr.range_test._result import LRRangeTestResult
from keras_clr.range_test._suggest import DEFAULT_RULE
from keras_clr.range_test._suggest import RULES
from keras_clr.range_test._suggest import SPREAD_LIMIT
from keras_clr.range_test._suggest import SuggestionSpreadWarning
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
