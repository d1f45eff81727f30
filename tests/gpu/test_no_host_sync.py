"""The schedule adds no host round trip to a training step.

A schedule computed on the host (the classic callback) costs a transfer
per step and, on a GPU, a sync that stalls the pipeline. keras_clr's
schedules and cyclical momentum are computed inside the compiled step, so:

- JAX: the compiled train step runs under `jax.transfer_guard("disallow")`
  (any host-device transfer raises), on CPU here and on GPU by
  `benchmarks/gpu_check.sh`;
- PyTorch: the profiler counts the ops that read a tensor back to the host
  (`aten::_local_scalar_dense`, behind `.item()`) and, on a GPU, the
  device-to-host copies, per `fit` step: the same as with a constant LR.
"""

import keras
import numpy as np
import pytest

import keras_clr
from tests.conftest import BACKEND

STEPS = 6


def build(lr):
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(8, "relu"),
            keras.layers.Dense(3, "softmax"),
        ]
    )
    if lr == "constant":
        optimizer = keras.optimizers.Adam(0.01)
    elif lr == "cyclical":
        optimizer = keras.optimizers.Adam(
            keras_clr.CyclicalLearningRate(0.01, 0.05, 2, mode="triangular2")
        )
    else:  # one-cycle with cyclical momentum, "one_cycle_momentum[_Name]"
        name = lr.split("_")[-1] if lr.count("_") > 2 else "Adam"
        kwargs = {"nesterov": True} if name == "SGD" else {}
        optimizer = keras_clr.cyclical_momentum(
            getattr(keras.optimizers, name)(
                keras_clr.OneCycle(0.05, 20), **kwargs
            )
        )
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


def data(rows=16):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, 6)).astype("float32")
    return x, rng.integers(0, 3, rows)


@pytest.mark.skipif(BACKEND != "jax", reason="jax.transfer_guard")
@pytest.mark.parametrize("lr", ["cyclical", "one_cycle_momentum"])
def test_jax_train_step_under_transfer_guard(lr):
    import jax

    model = build(lr)
    x, y = data()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)  # builds everything
    state = (
        [v.value for v in model.trainable_variables],
        [v.value for v in model.non_trainable_variables],
        [v.value for v in model.optimizer.variables],
        [v.value for v in model.metrics_variables],
    )
    batch = (jax.device_put(x[:8]), jax.device_put(y[:8]))
    step = jax.jit(model.train_step)
    _, state = step(state, batch)  # traced and compiled outside the guard
    with jax.transfer_guard("disallow"):
        for _ in range(STEPS):
            _, state = step(state, batch)
        # The guard is live: a host batch is refused.
        with pytest.raises(Exception, match="[Dd]isallowed"):
            step(state, (x[:8], y[:8]))
    # The state advanced on the device: the step counter moved.
    counters = [
        np.asarray(v)
        for v, var in zip(state[2], model.optimizer.variables, strict=True)
        if var.path.endswith("iteration")
    ]
    # 2 steps in `fit`, 1 to compile, STEPS under the guard.
    assert [int(c) for c in counters] == [3 + STEPS]


def _host_reads(lr, device):
    """Host reads per `fit` step, counted by the PyTorch profiler."""
    import torch
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile

    model = build(lr)
    x, y = data(8 * (STEPS + 1))
    model.fit(x[:8], y[:8], batch_size=8, verbose=0)  # warm-up
    activities = [ProfilerActivity.CPU]
    if device == "cuda":
        activities.append(ProfilerActivity.CUDA)
    with profile(activities=activities) as prof:
        model.fit(x[8:], y[8:], batch_size=8, verbose=0)
        if device == "cuda":
            torch.cuda.synchronize()
    events = prof.events()
    scalar_reads = sum(e.name == "aten::_local_scalar_dense" for e in events)
    d2h = sum("DtoH" in e.name or "Device -> " in e.name for e in events)
    return scalar_reads / STEPS, d2h / STEPS


@pytest.mark.skipif(BACKEND != "torch", reason="PyTorch profiler")
@pytest.mark.parametrize(
    "lr",
    ["cyclical", "one_cycle_momentum"]
    # PyTorch: the fused cyclical-momentum updates (keras_clr._torch_fused)
    + [
        f"one_cycle_momentum_{name}"
        for name in ("SGD", "AdamW", "Nadam", "Adamax", "Lion")
    ],
)
def test_torch_fit_step_reads_nothing_more_than_a_constant_lr(lr):
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    constant = _host_reads("constant", device)
    scheduled = _host_reads(lr, device)
    assert scheduled[0] <= constant[0], (scheduled, constant)
    if device == "cuda":
        assert scheduled[1] <= constant[1], (scheduled, constant)
