"""keras_clr: cyclical learning rates for Keras 3.

Every public name has one documented path: the names below, and the TF
Addons drop-ins in `keras_clr.addons` (TF Addons' argument names). The
other paths that earlier releases documented are kept as aliases (see
CHANGELOG); the serialization keys never change.
"""

try:
    import keras  # noqa: F401 (first, for the message below)
except ModuleNotFoundError as error:
    if error.name not in ("tensorflow", "jax", "torch"):
        raise
    raise ImportError(
        f"keras_clr needs a Keras backend, and Keras is set to "
        f"{error.name!r}, which is not installed: pip install "
        f"'keras-clr[{error.name}]' (or keras-clr[tensorflow|jax|torch] "
        "with KERAS_BACKEND set to match)"
    ) from None

from keras_clr import addons  # noqa: E402
from keras_clr._resume import ScheduleGuard  # noqa: E402
from keras_clr.callbacks import CyclicLR  # noqa: E402
from keras_clr.callbacks import LearningRateLogger  # noqa: E402
from keras_clr.callbacks import ReduceLRBoundsOnPlateau  # noqa: E402
from keras_clr.momentum import CyclicalMomentumAdam  # noqa: E402
from keras_clr.momentum import CyclicalMomentumAdamax  # noqa: E402
from keras_clr.momentum import CyclicalMomentumAdamW  # noqa: E402
from keras_clr.momentum import CyclicalMomentumLion  # noqa: E402
from keras_clr.momentum import CyclicalMomentumNadam  # noqa: E402
from keras_clr.momentum import CyclicalMomentumSGD  # noqa: E402
from keras_clr.momentum import cyclical_momentum  # noqa: E402
from keras_clr.plotting import plot_history  # noqa: E402
from keras_clr.plotting import plot_range_test  # noqa: E402
from keras_clr.plotting import plot_schedule  # noqa: E402
from keras_clr.range_test import LRRangeTestResult  # noqa: E402
from keras_clr.range_test import lr_range_test  # noqa: E402
from keras_clr.schedules import AdjustedSchedule  # noqa: E402
from keras_clr.schedules import CyclicalLearningRate  # noqa: E402
from keras_clr.schedules import OneCycle  # noqa: E402
from keras_clr.schedules import ScalePolicy  # noqa: E402

__version__ = "0.2.0"

__all__ = [
    "addons",
    "AdjustedSchedule",
    "cyclical_momentum",
    "CyclicalLearningRate",
    "CyclicalMomentumAdam",
    "CyclicalMomentumAdamax",
    "CyclicalMomentumAdamW",
    "CyclicalMomentumLion",
    "CyclicalMomentumNadam",
    "CyclicalMomentumSGD",
    "CyclicLR",
    "LearningRateLogger",
    "lr_range_test",
    "LRRangeTestResult",
    "OneCycle",
    "plot_history",
    "plot_range_test",
    "plot_schedule",
    "ReduceLRBoundsOnPlateau",
    "ScalePolicy",
    "ScheduleGuard",
]

# Aliases of 0.1.0 and 0.2.0 (documented path: `keras_clr.addons`).
ExponentialCyclicalLearningRate = addons.ExponentialCyclicalLearningRate
Triangular2CyclicalLearningRate = addons.Triangular2CyclicalLearningRate
TriangularCyclicalLearningRate = addons.TriangularCyclicalLearningRate
