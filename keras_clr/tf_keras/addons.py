"""TF Addons' cyclical learning rates for tf_keras (Keras 2) models.

The tf_keras twins of keras_clr's TF Addons-named schedules: TF Addons'
class names, arguments and values, for a model that stayed on Keras 2
(`tf_keras`, or TensorFlow 2.16+ with `TF_USE_LEGACY_KERAS=1`), which the
end-of-life TF Addons does not support. Registered with tf_keras'
serialization under the package `keras_clr.tf_keras.addons`.
"""

import keras_clr
from keras_clr.tf_keras._mirror import mirror

_MODULE = "keras_clr.tf_keras.addons"

ExponentialCyclicalLearningRate = mirror(
    keras_clr.ExponentialCyclicalLearningRate,
    "keras_clr.ExponentialCyclicalLearningRate",
    _MODULE,
    package=_MODULE,
)
Triangular2CyclicalLearningRate = mirror(
    keras_clr.Triangular2CyclicalLearningRate,
    "keras_clr.Triangular2CyclicalLearningRate",
    _MODULE,
    package=_MODULE,
)
TriangularCyclicalLearningRate = mirror(
    keras_clr.TriangularCyclicalLearningRate,
    "keras_clr.TriangularCyclicalLearningRate",
    _MODULE,
    package=_MODULE,
)

__all__ = [
    "ExponentialCyclicalLearningRate",
    "Triangular2CyclicalLearningRate",
    "TriangularCyclicalLearningRate",
]
