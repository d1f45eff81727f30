"""Learning rate schedules.

The TF Addons classes are also importable from here, as keras_clr 0.1.0
exported them; their public home is `keras_clr.addons`.
"""

from keras_clr.schedules.addons import ExponentialCyclicalLearningRate
from keras_clr.schedules.addons import Triangular2CyclicalLearningRate
from keras_clr.schedules.addons import TriangularCyclicalLearningRate
from keras_clr.schedules.adjusted import AdjustedSchedule
from keras_clr.schedules.cyclical import CyclicalLearningRate
from keras_clr.schedules.one_cycle import OneCycle
from keras_clr.schedules.scale import ScalePolicy

__all__ = [
    "AdjustedSchedule",
    "CyclicalLearningRate",
    "ExponentialCyclicalLearningRate",
    "OneCycle",
    "ScalePolicy",
    "Triangular2CyclicalLearningRate",
    "TriangularCyclicalLearningRate",
]
