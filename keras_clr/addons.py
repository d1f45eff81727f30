"""TensorFlow Addons' cyclical learning rates, for Keras 3 on any backend.

Public home of the classes defined in `keras_clr.schedules.addons`:
migrating from `tfa.optimizers` is an import change.

```python
# import tensorflow_addons as tfa
# tfa.optimizers.TriangularCyclicalLearningRate(...)
import keras_clr.addons
keras_clr.addons.TriangularCyclicalLearningRate(...)
```
"""

from keras_clr.schedules.addons import CyclicalLearningRate
from keras_clr.schedules.addons import ExponentialCyclicalLearningRate
from keras_clr.schedules.addons import Triangular2CyclicalLearningRate
from keras_clr.schedules.addons import TriangularCyclicalLearningRate

__all__ = [
    "CyclicalLearningRate",
    "ExponentialCyclicalLearningRate",
    "Triangular2CyclicalLearningRate",
    "TriangularCyclicalLearningRate",
]
