"""Deprecated: keras_clr 0.1.0's path of the TF Addons classes; new code
imports `keras_clr.addons`."""

from keras_clr.schedules.addons import ExponentialCyclicalLearningRate
from keras_clr.schedules.addons import Triangular2CyclicalLearningRate
from keras_clr.schedules.addons import TriangularCyclicalLearningRate

__all__ = [
    "ExponentialCyclicalLearningRate",
    "Triangular2CyclicalLearningRate",
    "TriangularCyclicalLearningRate",
]
