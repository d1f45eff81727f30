"""Learning rate schedules."""

from keras_clr.schedules.adjusted import AdjustedSchedule
from keras_clr.schedules.cyclical import CyclicalLearningRate
from keras_clr.schedules.one_cycle import OneCycle
from keras_clr.schedules.scale import ScalePolicy
from keras_clr.schedules.tfa_compat import ExponentialCyclicalLearningRate
from keras_clr.schedules.tfa_compat import Triangular2CyclicalLearningRate
from keras_clr.schedules.tfa_compat import TriangularCyclicalLearningRate

__all__ = [
    "AdjustedSchedule",
    "CyclicalLearningRate",
    "ExponentialCyclicalLearningRate",
    "OneCycle",
    "ScalePolicy",
    "Triangular2CyclicalLearningRate",
    "TriangularCyclicalLearningRate",
]
