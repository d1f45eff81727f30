"""Learning rate schedules."""

from keras_clr.schedules.adjusted import AdjustedSchedule
from keras_clr.schedules.cyclical import CyclicalLearningRate
from keras_clr.schedules.one_cycle import OneCycle
from keras_clr.schedules.scale import ScalePolicy

# 0.1.0 exported the TF Addons classes here; they live in `keras_clr.addons`
# (which imports this package, hence the lazy lookup).
_ADDONS_NAMES = (
    "ExponentialCyclicalLearningRate",
    "Triangular2CyclicalLearningRate",
    "TriangularCyclicalLearningRate",
)


def __getattr__(name):
    if name in _ADDONS_NAMES:
        from keras_clr import addons

        return getattr(addons, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AdjustedSchedule",
    "CyclicalLearningRate",
    "OneCycle",
    "ScalePolicy",
]
