"""TF Addons' cyclical learning rates for tf_keras (Keras 2) models.

The tf_keras twins of `keras_clr.addons` (TF Addons' names, signatures and
values), registered under `keras_clr.tf_keras.addons`. Migrating from
`tfa.optimizers.X` is `keras_clr.tf_keras.addons.X`, with a registered
`scale_fn` in place of a lambda.
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
