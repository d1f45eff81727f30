"""keras_clr: cyclical learning rates for Keras 3."""

from keras_clr.schedules import CyclicalLearningRate
from keras_clr.schedules import ExponentialCyclicalLearningRate
from keras_clr.schedules import OneCycle
from keras_clr.schedules import ScalePolicy
from keras_clr.schedules import Triangular2CyclicalLearningRate
from keras_clr.schedules import TriangularCyclicalLearningRate

__version__ = "0.1.0"

__all__ = [
    "CyclicalLearningRate",
    "ExponentialCyclicalLearningRate",
    "OneCycle",
    "ScalePolicy",
    "Triangular2CyclicalLearningRate",
    "TriangularCyclicalLearningRate",
]
