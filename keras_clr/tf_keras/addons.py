"""TF Addons' cyclical learning rates for tf_keras (Keras 2) models.

The tf_keras twins of `keras_clr.addons`: TF Addons' class names,
signatures and values (fractional step sizes included), for a model that
stayed on Keras 2 (`tf_keras`, or TensorFlow 2.16+ with
`TF_USE_LEGACY_KERAS=1`), which the end-of-life TF Addons does not
support. Migrating is an import change, plus a registered `scale_fn` in
place of a lambda:

```python
# import tensorflow_addons as tfa
# tfa.optimizers.TriangularCyclicalLearningRate(...)
import keras_clr.tf_keras.addons
keras_clr.tf_keras.addons.TriangularCyclicalLearningRate(...)
```

Registered with tf_keras' serialization under the package
`keras_clr.tf_keras.addons`.
"""

from keras_clr import addons as _keras3_addons
from keras_clr.tf_keras._mirror import mirror

_MODULE = "keras_clr.tf_keras.addons"


def _twin(name):
    return mirror(
        getattr(_keras3_addons, name),
        f"keras_clr.addons.{name}",
        _MODULE,
        package=_MODULE,
    )


CyclicalLearningRate = _twin("CyclicalLearningRate")
ExponentialCyclicalLearningRate = _twin("ExponentialCyclicalLearningRate")
Triangular2CyclicalLearningRate = _twin("Triangular2CyclicalLearningRate")
TriangularCyclicalLearningRate = _twin("TriangularCyclicalLearningRate")

__all__ = [
    "CyclicalLearningRate",
    "ExponentialCyclicalLearningRate",
    "Triangular2CyclicalLearningRate",
    "TriangularCyclicalLearningRate",
]
