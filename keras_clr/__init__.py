"""keras_clr: cyclical learning rates for Keras 3.

Every public name has one documented path: the names below, and the TF
Addons drop-ins in `keras_clr.addons` (TF Addons' argument names). The
other paths that earlier releases documented are kept as aliases (see
CHANGELOG); the serialization keys never change.
"""

from keras_clr import addons
from keras_clr._resume import ScheduleGuard
from keras_clr.callbacks import CyclicLR
from keras_clr.callbacks import LearningRateLogger
from keras_clr.callbacks import ReduceLRBoundsOnPlateau
from keras_clr.momentum import CyclicalMomentumAdam
from keras_clr.momentum import CyclicalMomentumAdamax
from keras_clr.momentum import CyclicalMomentumAdamW
from keras_clr.momentum import CyclicalMomentumLion
from keras_clr.momentum import CyclicalMomentumNadam
from keras_clr.momentum import CyclicalMomentumSGD
from keras_clr.momentum import cyclical_momentum
from keras_clr.plotting import plot_history
from keras_clr.plotting import plot_range_test
from keras_clr.plotting import plot_schedule
from keras_clr.range_test import LRRangeTestResult
from keras_clr.range_test import lr_range_test
from keras_clr.schedules import AdjustedSchedule
from keras_clr.schedules import CyclicalLearningRate
from keras_clr.schedules import OneCycle
from keras_clr.schedules import ScalePolicy

__version__ = "0.2.0"

__all__ = [
    "addons",
    "AdjustedSchedule",
    "cyclical_momentum",
    "CyclicalLearningRate",
    "CyclicalMomentumAdam",
    "CyclicalMomentumAdamax",
    "CyclicalMomentumAdamW",
    "CyclicalMomentumLion",
    "CyclicalMomentumNadam",
    "CyclicalMomentumSGD",
    "CyclicLR",
    "LearningRateLogger",
    "lr_range_test",
    "LRRangeTestResult",
    "OneCycle",
    "plot_history",
    "plot_range_test",
    "plot_schedule",
    "ReduceLRBoundsOnPlateau",
    "ScalePolicy",
    "ScheduleGuard",
]

# Aliases of 0.1.0 and 0.2.0 (documented path: `keras_clr.addons`).
ExponentialCyclicalLearningRate = addons.ExponentialCyclicalLearningRate
Triangular2CyclicalLearningRate = addons.Triangular2CyclicalLearningRate
TriangularCyclicalLearningRate = addons.TriangularCyclicalLearningRate
