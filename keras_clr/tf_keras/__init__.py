"""keras_clr for tf_keras (Keras 2) models.

The tf_keras twins of keras_clr's schedules: the same arguments, checks
and values (computed by the Keras 3 schedule, on Keras 3's TensorFlow
backend), registered with tf_keras' serialization so `.keras` and `.h5`
files load once this module is imported. TF Addons' classes are in
`keras_clr.tf_keras.addons`. Needs `pip install tf_keras`; the Keras 3
callbacks have no twin (importing them says what to use instead).
"""

import keras_clr
from keras_clr.tf_keras import addons
from keras_clr.tf_keras._mirror import mirror
from keras_clr.tf_keras._mirror import unavailable_callback

_MODULE = "keras_clr.tf_keras"

CyclicalLearningRate = mirror(
    keras_clr.CyclicalLearningRate,
    "keras_clr.CyclicalLearningRate",
    _MODULE,
    package=_MODULE,
)
OneCycle = mirror(
    keras_clr.OneCycle, "keras_clr.OneCycle", _MODULE, package=_MODULE
)

_INSTEAD = {
    "CyclicLR": (
        "pass `keras_clr.tf_keras.CyclicalLearningRate(base_lr, max_lr, "
        "step_size, mode, ...)`, which takes the callback's arguments and "
        "gives every step the same LR, as the optimizer's `learning_rate`."
    ),
    "LearningRateLogger": (
        "`tf_keras.callbacks.TensorBoard` logs a schedule's `learning_rate` "
        "once per epoch; for every step, evaluate the schedule at "
        "`model.optimizer.iterations - 1` in a "
        "`tf_keras.callbacks.LambdaCallback(on_train_batch_end=...)`."
    ),
    "ReduceLRBoundsOnPlateau": (
        "there is no equivalent: it needs a Keras 3 model (`keras.optimizers`)."
    ),
}


def __getattr__(name):
    if name in _INSTEAD:
        raise unavailable_callback(f"keras_clr.{name}", _INSTEAD[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "addons",
    "CyclicalLearningRate",
    "OneCycle",
]

# Aliases of 0.2.0 (documented path: `keras_clr.tf_keras.addons`).
ExponentialCyclicalLearningRate = addons.ExponentialCyclicalLearningRate
Triangular2CyclicalLearningRate = addons.Triangular2CyclicalLearningRate
TriangularCyclicalLearningRate = addons.TriangularCyclicalLearningRate
