"""Custom scale policies registered the way a user would register them.

A fresh process that loads a model using them imports this module, as a
user's program imports its own.
"""

import keras

import keras_clr


@keras.saving.register_keras_serializable(package="keras_clr_tests")
def third_per_cycle(x):
    """Amplitude divided by 3 each cycle."""
    return keras.ops.power(1.0 / 3.0, x - 1.0)


@keras.saving.register_keras_serializable(package="keras_clr_tests")
class StepDown(keras_clr.ScalePolicy):
    """Amplitude `factor**floor((x - 1) / every)`."""

    def __init__(self, factor=0.5, every=2):
        self.factor = factor
        self.every = every

    def __call__(self, x):
        return keras.ops.power(
            self.factor, keras.ops.floor((x - 1.0) / self.every)
        )

    def get_config(self):
        return {"factor": self.factor, "every": self.every}
