"""Cyclical momentum, checked against independent oracles.

- The schedules' `momentum` against PyTorch's published momentum vectors.
- Each optimizer against the plain Keras optimizer run eagerly, one step at
  a time, with its `beta_1` / `momentum` and learning rate set by hand to
  the expected values before each step.
- SGD and Adam inside `model.fit` against updates computed by hand.
"""

import json

import keras
import numpy as np
import pytest
from keras import ops

import keras_clr
from keras_clr import _keras
from tests.conftest import BACKEND
from tests.helpers import WeightRecorder
from tests.helpers import unit_gradient_data
from tests.helpers import unit_gradient_model
from tests.oracles import cyclical_reference


def numbers(tensor):
    return np.asarray(ops.convert_to_numpy(tensor), dtype=np.float64)


def momenta(schedule, steps, base, top):
    steps = ops.convert_to_tensor(np.asarray(steps), dtype="int32")
    return numbers(schedule.momentum(steps, base, top))


# PyTorch test/optim/test_lrscheduler.py: CyclicLR with base_lr=1, max_lr=5,
# step_size_up=4, base_momentum=1, max_momentum=5; OneCycleLR with
# base_momentum=1, max_momentum=22.
def test_cyclic_momentum_published_vectors():
    triangular = keras_clr.CyclicalLearningRate(1.0, 5.0, 4)
    np.testing.assert_allclose(
        momenta(triangular, range(11), 1, 5),
        [5, 4, 3, 2, 1, 2, 3, 4, 5, 4, 3],
        rtol=1e-6,
    )
    halving = keras_clr.CyclicalLearningRate(1.0, 5.0, 4, mode="triangular2")
    np.testing.assert_allclose(
        momenta(halving, range(22), 1, 5),
        [5, 4, 3, 2, 1, 2, 3, 4, 5, 4.5, 4, 3.5, 3, 3.5, 4, 4.5, 5, 4.75]
        + [4.5, 4.25, 4, 4.25],
        rtol=1e-6,
    )


def test_one_cycle_momentum_published_vectors():
    kwargs = dict(
        max_lr=25, total_steps=10, div_factor=25, anneal_strategy="linear"
    )
    two = keras_clr.OneCycle(final_div_factor=2, **kwargs)
    np.testing.assert_allclose(
        momenta(two, range(10), 1, 22),
        [22, 11.5, 1, 4, 7, 10, 13, 16, 19, 22],
        rtol=1e-6,
    )
    three = keras_clr.OneCycle(
        final_div_factor=4, pct_start=0.4, three_phase=True, **kwargs
    )
    np.testing.assert_allclose(
        momenta(three, range(12), 1, 22),
        [22, 15, 8, 1, 8, 15, 22, 22, 22, 22, 22, 22],
        rtol=1e-6,
    )


CLR = dict(base_lr=0.01, max_lr=0.05, step_size=3, step_size_down=5)
BASE_M, MAX_M = 0.8, 0.95


def expected_clr_sequences(steps, mode="triangular"):
    """LR from the NumPy reference; momentum mirrors its height."""
    scale = None
    if mode == "triangular2":
        scale = lambda cycle, step: 0.5 ** (cycle - 1)  # noqa: E731
    lrs = cyclical_reference(range(steps), scale=scale, **CLR)
    height = (lrs - CLR["base_lr"]) / (CLR["max_lr"] - CLR["base_lr"])
    return lrs, MAX_M - (MAX_M - BASE_M) * height


BETA_1_OPTIMIZERS = ["Adam", "AdamW", "Nadam", "Adamax", "Lion"]


@pytest.mark.parametrize("name", ["SGD", "SGD_nesterov"] + BETA_1_OPTIMIZERS)
def test_each_optimizer_matches_keras_with_hand_set_momentum(name):
    steps = 14
    lrs, moms = expected_clr_sequences(steps, "triangular2")
    cls_name, nesterov = name.split("_")[0], name.endswith("nesterov")
    cls = getattr(keras.optimizers, cls_name)
    extra = dict(nesterov=True) if nesterov else {}
    schedule = keras_clr.CyclicalLearningRate(mode="triangular2", **CLR)
    cycling = keras_clr.cyclical_momentum(
        cls(learning_rate=schedule, **extra), BASE_M, MAX_M
    )
    attr = "momentum" if cls_name == "SGD" else "beta_1"
    plain = cls(learning_rate=0.01, **{attr: MAX_M}, **extra)
    # A second twin keeps the nominal momentum fixed: the check below
    # must be able to tell cycling from not cycling.
    fixed = cls(learning_rate=0.01, **{attr: MAX_M}, **extra)
    rng = np.random.default_rng(1)
    grads = rng.normal(size=(steps, 3)).astype("float32")
    ours = keras.Variable(np.ones(3, "float32"))
    theirs = keras.Variable(np.ones(3, "float32"))
    not_cycled = keras.Variable(np.ones(3, "float32"))
    for step in range(steps):
        plain.learning_rate = float(lrs[step])
        fixed.learning_rate = float(lrs[step])
        setattr(plain, attr, float(moms[step]))
        assert float(ops.convert_to_numpy(cycling.current_momentum)) == (
            pytest.approx(moms[step], rel=1e-6)
        )
        cycling.apply([ops.convert_to_tensor(grads[step])], [ours])
        plain.apply([ops.convert_to_tensor(grads[step])], [theirs])
        fixed.apply([ops.convert_to_tensor(grads[step])], [not_cycled])
        np.testing.assert_allclose(
            numbers(ours), numbers(theirs), rtol=2e-5, atol=1e-7
        )
    # The fixed-momentum twin ends far outside the tolerance above.
    gap = np.abs(numbers(not_cycled) - numbers(theirs))
    assert gap.max() > 100 * (2e-5 * np.abs(numbers(theirs)).max() + 1e-7)


def sgd_by_hand(lrs, moms):
    velocity, weight, out = 0.0, 0.0, []
    for lr, momentum in zip(lrs, moms, strict=True):
        velocity = momentum * velocity - lr  # the gradient is 1
        weight += velocity
        out.append(weight)
    return np.array(out)


def adam_by_hand(lrs, moms, beta_2=0.999, epsilon=1e-7):
    m = v = weight = 0.0
    out = []
    for t, (lr, beta_1) in enumerate(zip(lrs, moms, strict=True), start=1):
        m += (1.0 - m) * (1 - beta_1)
        v += (1.0 - v) * (1 - beta_2)
        alpha = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        weight -= alpha * m / (np.sqrt(v) + epsilon)
        out.append(weight)
    return np.array(out)


JIT = [False, True] if BACKEND != "torch" else [False]
SPE = [1, 8] if BACKEND != "torch" else [1]


@pytest.mark.parametrize("jit_compile", JIT)
@pytest.mark.parametrize("steps_per_execution", SPE)
@pytest.mark.parametrize(
    "cls, by_hand",
    [
        (keras.optimizers.SGD, sgd_by_hand),
        (keras.optimizers.Adam, adam_by_hand),
    ],
)
def test_fit_applies_the_momentum_of_every_step(
    cls, by_hand, steps_per_execution, jit_compile
):
    schedule = keras_clr.CyclicalLearningRate(**CLR)
    optimizer = keras_clr.cyclical_momentum(
        cls(learning_rate=schedule), BASE_M, MAX_M
    )
    model = unit_gradient_model(
        optimizer,
        steps_per_execution=steps_per_execution,
        jit_compile=jit_compile,
    )
    recorder = WeightRecorder()
    x, y = unit_gradient_data(32)
    model.fit(
        x, y, batch_size=2, shuffle=False, verbose=0, callbacks=[recorder]
    )
    expected = by_hand(*expected_clr_sequences(32))
    iterations = np.array([it for it, _ in recorder.points])
    weights = np.array([w for _, w in recorder.points])
    np.testing.assert_allclose(weights, expected[iterations - 1], rtol=1e-5)


def test_one_cycle_momentum_in_fit():
    schedule = keras_clr.OneCycle(
        max_lr=0.25,
        total_steps=10,
        div_factor=25,
        final_div_factor=2,
        anneal_strategy="linear",
    )
    optimizer = keras_clr.cyclical_momentum(
        keras.optimizers.SGD(learning_rate=schedule), 0.1, 0.5
    )
    model = unit_gradient_model(optimizer)
    recorder = WeightRecorder()
    x, y = unit_gradient_data(12)
    model.fit(
        x, y, batch_size=2, shuffle=False, verbose=0, callbacks=[recorder]
    )
    lrs = np.array([1, 13, 25, 21.5, 18, 14.5, 11, 7.5, 4] + [0.5] * 3) / 100
    # PyTorch's vector [22, 11.5, 1, 4, ...] mapped from [1, 22] to
    # [0.1, 0.5]; held at the top after the end.
    torch_moms = np.array([22, 11.5, 1, 4, 7, 10, 13, 16, 19] + [22] * 3)
    moms = 0.1 + (torch_moms - 1) / 21 * 0.4
    weights = [w for _, w in recorder.points]
    np.testing.assert_allclose(weights, sgd_by_hand(lrs, moms), rtol=1e-5)


INVALID = [
    (
        dict(base_momentum=0.96),
        r"Argument `base_momentum` must be <= "
        r"`max_momentum`\. Received: base_momentum=0\.96, max_momentum=0\.95",
    ),
    (
        dict(max_momentum=1.0),
        r"Argument `max_momentum` must be in \[0, 1\)\. "
        r"Received: max_momentum=1\.0",
    ),
    (dict(base_momentum=-0.1), r"Argument `base_momentum` must be in \[0, 1\)"),
    (dict(max_momentum=float("nan")), r"`max_momentum` must be a finite"),
]


@pytest.mark.parametrize("kwargs, message", INVALID)
def test_invalid_momenta(kwargs, message):
    schedule = keras_clr.CyclicalLearningRate()
    with pytest.raises(ValueError, match=message):
        keras_clr.cyclical_momentum(
            keras.optimizers.SGD(learning_rate=schedule), **kwargs
        )
    with pytest.raises(ValueError, match=message):
        keras_clr.CyclicalMomentumAdam(learning_rate=schedule, **kwargs)


@pytest.mark.parametrize("cls", ["RMSprop", "Adagrad", "Adadelta", "Ftrl"])
def test_optimizers_without_momentum_are_refused(cls):
    optimizer = getattr(keras.optimizers, cls)(
        learning_rate=keras_clr.CyclicalLearningRate()
    )
    with pytest.raises(
        ValueError,
        match=r"has no momentum term that keras_clr can cycle; supported "
        r"optimizers: SGD, Lion, Adamax, Nadam, Adam, AdamW\. "
        rf"Received: optimizer={cls}",
    ):
        keras_clr.cyclical_momentum(optimizer)


def test_other_refusals():
    with pytest.raises(ValueError, match=r"must be a keras_clr schedule"):
        keras_clr.cyclical_momentum(keras.optimizers.Adam(learning_rate=0.01))
    decay = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)
    with pytest.raises(ValueError, match=r"must be a keras_clr schedule"):
        keras_clr.CyclicalMomentumSGD(learning_rate=decay)
    used = keras.optimizers.Adam(keras_clr.CyclicalLearningRate())
    used.build([keras.Variable(1.0)])
    with pytest.raises(ValueError, match=r"already been used"):
        keras_clr.cyclical_momentum(used)
    cycling = keras_clr.cyclical_momentum(
        keras.optimizers.Adam(keras_clr.CyclicalLearningRate())
    )
    with pytest.raises(ValueError, match=r"already cycles its momentum"):
        keras_clr.cyclical_momentum(cycling)
    with pytest.raises(ValueError, match=r"`beta_1` is cycled between"):
        keras_clr.CyclicalMomentumAdam(
            keras_clr.CyclicalLearningRate(), beta_1=0.9
        )
    # A momentum the user set on the plain optimizer is not dropped.
    with pytest.raises(
        ValueError,
        match=r"`beta_1` is cycled between .* Received: beta_1=0\.5, "
        r"max_momentum=0\.95",
    ):
        keras_clr.cyclical_momentum(
            keras.optimizers.Adam(keras_clr.CyclicalLearningRate(), beta_1=0.5)
        )
    with pytest.raises(ValueError, match=r"Received: momentum=0\.9,"):
        keras_clr.cyclical_momentum(
            keras.optimizers.SGD(keras_clr.CyclicalLearningRate(), momentum=0.9)
        )
    # The class default, or the same value as `max_momentum`, is accepted.
    for momentum in (0.0, 0.95):
        keras_clr.cyclical_momentum(
            keras.optimizers.SGD(
                keras_clr.CyclicalLearningRate(), momentum=momentum
            )
        )


def test_conversion_keeps_the_other_arguments():
    schedule = keras_clr.OneCycle(0.1, 100)
    optimizer = keras_clr.cyclical_momentum(
        keras.optimizers.AdamW(
            learning_rate=schedule,
            weight_decay=0.01,
            beta_2=0.98,
            clipnorm=1.0,
            name="my_adamw",
        ),
        0.8,
        0.9,
    )
    assert isinstance(optimizer, keras_clr.CyclicalMomentumAdamW)
    config = optimizer.get_config()
    assert config["weight_decay"] == 0.01 and config["beta_2"] == 0.98
    assert config["clipnorm"] == 1.0 and config["name"] == "my_adamw"
    assert config["beta_1"] == 0.9
    assert (config["base_momentum"], config["max_momentum"]) == (0.8, 0.9)
    assert optimizer._learning_rate is schedule


@pytest.mark.parametrize("name", ["SGD"] + BETA_1_OPTIMIZERS)
def test_json_round_trip(name):
    cls = getattr(keras_clr, f"CyclicalMomentum{name}")
    optimizer = cls(
        learning_rate=keras_clr.OneCycle(0.1, 100, three_phase=True),
        base_momentum=0.8,
        max_momentum=0.9,
    )
    text = json.dumps(keras.optimizers.serialize(optimizer))
    restored = keras.optimizers.deserialize(json.loads(text))
    assert type(restored) is cls
    assert restored.get_config() == optimizer.get_config()
    assert isinstance(restored._learning_rate, keras_clr.OneCycle)


@pytest.mark.parametrize("name", ["SGD"] + BETA_1_OPTIMIZERS)
def test_the_update_path_is_the_plain_keras_optimizers(name):
    # The cycling class extends the class Keras instantiates for the plain
    # optimizer and leaves its collective update alone, except on PyTorch,
    # where Keras' fused class reads the momentum as a Python scalar (a
    # host read per step for a tensor, tests/gpu/test_no_host_sync.py):
    # there its fused update is replaced by keras_clr._torch_fused's
    # (equal to the generic one, tests/test_momentum_torch_fused.py).
    plain = type(getattr(keras.optimizers, name)(learning_rate=0.01))
    cycling = getattr(keras_clr, f"CyclicalMomentum{name}")
    assert issubclass(cycling, plain)
    ours = [k for k in cycling.__mro__ if k.__module__.startswith("keras_clr")]
    assert not any("_backend_update_step" in vars(k) for k in ours)
    replaced = [k for k in ours if "_parallel_update_step" in vars(k)]
    assert len(replaced) == (1 if BACKEND == "torch" else 0)


@pytest.mark.skipif(BACKEND == "torch", reason="float16 matmul on torch CPU")
@pytest.mark.parametrize(
    "cls, by_hand",
    [
        (keras.optimizers.SGD, sgd_by_hand),
        (keras.optimizers.Adam, adam_by_hand),
    ],
)
def test_under_a_loss_scale_optimizer(cls, by_hand, mixed_float16):
    schedule = keras_clr.CyclicalLearningRate(**CLR)
    optimizer = keras_clr.cyclical_momentum(
        cls(learning_rate=schedule), BASE_M, MAX_M
    )
    model = unit_gradient_model(optimizer)
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    recorder = WeightRecorder()
    x, y = unit_gradient_data(12)
    model.fit(
        x, y, batch_size=2, shuffle=False, verbose=0, callbacks=[recorder]
    )
    expected = by_hand(*expected_clr_sequences(12))
    iterations = np.array([it for it, _ in recorder.points])
    weights = np.array([w for _, w in recorder.points])
    np.testing.assert_allclose(weights, expected[iterations - 1], rtol=1e-5)


@pytest.mark.skipif(BACKEND != "jax", reason="JAX's stateless path")
@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_jax_stateless_apply_matches_the_fixed_momentum_twin(name):
    import jax

    steps = 9
    lrs, moms = expected_clr_sequences(steps)
    attr = "momentum" if name == "SGD" else "beta_1"
    cls = getattr(keras.optimizers, name)
    cycling = keras_clr.cyclical_momentum(
        cls(learning_rate=keras_clr.CyclicalLearningRate(**CLR)), BASE_M, MAX_M
    )
    twin = cls(learning_rate=0.01, **{attr: MAX_M})
    ours = keras.Variable(np.ones(3, "float32"))
    theirs = keras.Variable(np.ones(3, "float32"))
    cycling.build([ours])
    state = [v.value for v in cycling.variables]
    weights = [ours.value]
    apply = jax.jit(cycling.stateless_apply)
    grads = np.random.default_rng(2).normal(size=(steps, 3)).astype("f4")
    for step in range(steps):
        twin.learning_rate = float(lrs[step])
        setattr(twin, attr, float(moms[step]))
        weights, state = apply(state, [grads[step]], weights)
        twin.apply([ops.convert_to_tensor(grads[step])], [theirs])
        np.testing.assert_allclose(
            numbers(weights[0]), numbers(theirs), rtol=2e-5, atol=1e-7
        )
    # Stateless: the optimizer's own variables did not move.
    assert int(ops.convert_to_numpy(cycling.iterations)) == 0


def test_nominal_momentum_while_the_lr_is_no_keras_clr_schedule():
    # As during `lr_range_test`, which installs a sweep of its own.
    cycling = keras_clr.cyclical_momentum(
        keras.optimizers.SGD(keras_clr.CyclicalLearningRate(**CLR)),
        BASE_M,
        MAX_M,
    )
    decay = keras.optimizers.schedules.ExponentialDecay(0.05, 3, 0.5)
    _keras.set_learning_rate_object(cycling, decay)
    twin = keras.optimizers.SGD(decay, momentum=MAX_M)
    assert float(ops.convert_to_numpy(cycling.current_momentum)) == (
        pytest.approx(MAX_M)
    )
    ours = keras.Variable(np.ones(2, "float32"))
    theirs = keras.Variable(np.ones(2, "float32"))
    for grad in ([1.0, -2.0], [0.5, 0.5], [-1.0, 3.0]):
        cycling.apply([ops.convert_to_tensor(grad)], [ours])
        twin.apply([ops.convert_to_tensor(grad)], [theirs])
    np.testing.assert_allclose(numbers(ours), numbers(theirs), rtol=1e-6)


class _Counting(keras_clr.OneCycle):
    """A OneCycle that counts how the optimizer evaluates it (not saved)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = {"lr": 0, "momentum": 0, "both": 0}

    def __call__(self, step=None):
        self.calls["lr"] += 1
        return super().__call__(step)

    def momentum(self, step, *args):
        self.calls["momentum"] += 1
        return super().momentum(step, *args)

    def lr_and_momentum(self, step, *args):
        # One joint evaluation, whatever the parent calls inside it.
        saved = dict(self.calls)
        both = super().lr_and_momentum(step, *args)
        self.calls.update(saved, both=saved["both"] + 1)
        return both


@pytest.mark.parametrize("make", ["SGD", "Adam", "AdamW"])
def test_one_evaluation_of_the_schedule_per_step(make):
    # The LR and the momentum come from one `lr_and_momentum` per update,
    # however often Keras' update reads the LR (AdamW's decoupled weight
    # decay reads it again on PyTorch); the update still uses this step's
    # LR: one plain SGD step moves the weight by exactly -lr * gradient.
    schedule = _Counting(max_lr=0.1, total_steps=10, div_factor=4.0)
    kwargs = {"weight_decay": 0.1} if make == "AdamW" else {}
    optimizer = keras_clr.cyclical_momentum(
        getattr(keras.optimizers, make)(learning_rate=schedule, **kwargs)
    )
    weight = keras.Variable(np.ones((2,), "float32"))
    optimizer.build([weight])
    schedule.calls.update(lr=0, momentum=0, both=0)
    for _ in range(3):
        optimizer.apply([ops.ones((2,))], [weight])
    assert schedule.calls == {"lr": 0, "momentum": 0, "both": 3}
    if make == "SGD":
        # Momentum slots start at 0: step 1 is m = -lr * g, w += m, with
        # lr at step 0 = 0.1 / 4.
        fresh = keras.Variable(np.ones((2,), "float32"))
        single = keras_clr.cyclical_momentum(
            keras.optimizers.SGD(learning_rate=schedule)
        )
        single.build([fresh])
        single.apply([ops.ones((2,))], [fresh])
        np.testing.assert_allclose(
            ops.convert_to_numpy(fresh), 1.0 - 0.025, rtol=1e-6
        )
