"""TensorFlow Addons' cyclical learning rates, for Keras 3 on any backend.

Migrating from `tfa.optimizers` is an import change: `import
keras_clr.addons`, then `keras_clr.addons.TriangularCyclicalLearningRate(...)`
where the code said `tfa.optimizers.TriangularCyclicalLearningRate(...)`.
"""

from keras_clr.schedules.addons import *  # noqa: F403
from keras_clr.schedules.addons import __all__  # noqa: F401
