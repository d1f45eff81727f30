"""Deprecated: the TF Addons classes moved to `keras_clr.addons`.

keras_clr 0.1.0 defined them here; this module keeps the old import path
working. New code imports `keras_clr.addons`.
"""

from keras_clr.schedules.addons import ExponentialCyclicalLearningRate
from keras_clr.schedules.addons import Triangular2CyclicalLearningRate
from keras_clr.schedules.addons import TriangularCyclicalLearningRate

__all__ = [
    "ExponentialCyclicalLearningRate",
    "Triangular2CyclicalLearningRate",
    "TriangularCyclicalLearningRate",
]
