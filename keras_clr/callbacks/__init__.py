"""Callbacks: the classic CyclicLR shim, LR logging, plateau-aware bounds."""

from keras_clr.callbacks.cyclic_lr import CyclicLR
from keras_clr.callbacks.lr_logger import LearningRateLogger
from keras_clr.callbacks.plateau import ReduceLRBoundsOnPlateau

__all__ = ["CyclicLR", "LearningRateLogger", "ReduceLRBoundsOnPlateau"]
