"""PyTorch: the fused cyclical-momentum updates equal the generic ones.

On PyTorch the `CyclicalMomentum*` classes extend Keras' fused
`torch._foreach_*` optimizers with updates of their own that take the
momentum as a tensor (`keras_clr._torch_fused`). Oracle: the same class
built on the plain Keras class, which runs Keras' generic per-variable
`update_step` (checked against hand-set Keras optimizers in
tests/test_momentum.py), stepped side by side on the same gradients while
the momentum cycles.
"""

import keras
import numpy as np
import pytest
from keras import ops

import keras_clr
from keras_clr import momentum as momentum_module
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(
    BACKEND != "torch", reason="Keras' fused optimizers are PyTorch's"
)

STEPS = 9
CASES = {
    "SGD": {},
    "SGD_nesterov": {"nesterov": True},
    "Adam": {},
    "Adam_amsgrad": {"amsgrad": True},
    "AdamW": {"weight_decay": 0.05},
    "Nadam": {},
    "Adamax": {},
    "Lion": {},
}


def generic_twin(cls):
    """`cls` on the plain Keras class: Keras' per-variable update path."""
    plain = next(
        base
        for base in cls.__mro__
        if base.__module__.startswith("keras.src.optimizers.")
    )
    body = {"_momentum_attr": cls._momentum_attr}
    for name in ("build", "update_step"):
        if name in vars(cls):
            body[name] = vars(cls)[name]
    return type(
        f"Generic{cls.__name__}",
        (momentum_module._CyclicalMomentum, plain),
        body,
    )


def fused_path(cls):
    return any(
        base.__name__ == "TorchParallelOptimizer" for base in cls.__mro__
    )


def run(optimizer, variables, gradients):
    for grads in gradients:
        optimizer.apply_gradients(zip(grads, variables, strict=True))
    return [np.asarray(ops.convert_to_numpy(v)) for v in variables] + [
        np.asarray(ops.convert_to_numpy(v)) for v in optimizer.variables
    ]


# float64: the same maths, to the float32 rounding that Keras' generic
# rules make of some constants and results on PyTorch (`1 - beta_2`,
# Adamax's `u`; about 1e-7 relative here, where a wrong formula is off by
# 1e-3 or more). float32: within float32 rounding, which Nadam's bias
# corrections amplify.
TOLERANCE = {"float64": (1e-6, 1e-8), "float32": (1e-5, 5e-6)}


@pytest.mark.parametrize("dtype", sorted(TOLERANCE))
@pytest.mark.parametrize("case", sorted(CASES))
def test_fused_update_equals_the_generic_one(case, dtype):
    name = case.split("_")[0]
    cls = getattr(keras_clr, f"CyclicalMomentum{name}")
    rng = np.random.default_rng(7)
    shapes = [(4, 3), (3,), (2, 2, 2)]
    start = [rng.normal(size=s) for s in shapes]
    gradients = [
        [ops.convert_to_tensor(rng.normal(size=s), dtype) for s in shapes]
        for _ in range(STEPS)
    ]
    results = []
    for klass in (cls, generic_twin(cls)):
        schedule = keras_clr.CyclicalLearningRate(
            0.01, 0.05, 2, step_size_down=3
        )
        optimizer = klass(
            learning_rate=schedule,
            base_momentum=0.6,
            max_momentum=0.95,
            **CASES[case],
        )
        variables = [keras.Variable(s, dtype=dtype) for s in start]
        results.append(run(optimizer, variables, gradients))
    fused, generic = results
    # The paths differ: only the class under test is Keras' fused one.
    assert fused_path(cls) and not fused_path(generic_twin(cls))
    assert len(fused) == len(generic)
    for got, want in zip(fused, generic, strict=True):
        rtol, atol = TOLERANCE[dtype]
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    # The variables moved, and the momentum did cycle (0.95 .. 0.6).
    assert not np.allclose(fused[0], start[0])
