"""`keras_clr.addons`: TF Addons' four classes, checked against TF Addons'.

The cases and expected values are those of TF Addons' own test file
(tensorflow_addons/optimizers/tests/cyclical_learning_rate_test.py): the
same configurations, the expected values as `np.linspace` segments and hand
formulas, each with and without a config round trip. Only the import and
the scale function (registered here instead of a local function or lambda)
differ. Beyond TF Addons: fractional step sizes against an exact rational
reference, large steps, and the 0.1.0 names.
"""

import json

import keras
import numpy as np
import pytest
from keras import ops

import keras_clr
import keras_clr.addons
from tests.schedules.conftest import HAS_INT64
from tests.schedules.conftest import INT
from tests.schedules.conftest import fraction_reference
from tests.schedules.conftest import value
from tests.schedules.conftest import values


@keras.saving.register_keras_serializable(package="keras_clr_tests")
def fifth_per_10k(x):
    """TF Addons' test policy: 1 / 5**(x / 10000)."""
    return 1 / (5 ** (x * 0.0001))


def maybe_round_trip(schedule, how):
    if how == "config":  # TF Addons' own round trip.
        return schedule.from_config(schedule.get_config())
    if how == "json":
        text = json.dumps(keras.saving.serialize_keras_object(schedule))
        return keras.saving.deserialize_keras_object(json.loads(text))
    return schedule


ROUND_TRIPS = ["none", "config", "json"]


@pytest.mark.parametrize("how", ROUND_TRIPS)
def test_triangular_addons_case(how):
    schedule = maybe_round_trip(
        keras_clr.addons.TriangularCyclicalLearningRate(
            initial_learning_rate=0.1, maximal_learning_rate=1, step_size=40
        ),
        how,
    )
    expected = np.concatenate(
        [np.linspace(0.1, 1, 41), np.linspace(1, 0.1, 41)[1:]]
    )
    np.testing.assert_allclose(
        values(schedule, range(len(expected))), expected, rtol=1e-6
    )
    # And step by step with Python ints, as TF Addons' test calls it.
    for step in (0, 1, 39, 40, 41, 80):
        assert value(schedule, step) == pytest.approx(expected[step], 1e-6)


@pytest.mark.parametrize("how", ROUND_TRIPS)
def test_triangular2_addons_case(how):
    schedule = maybe_round_trip(
        keras_clr.addons.Triangular2CyclicalLearningRate(
            initial_learning_rate=0.1, maximal_learning_rate=1, step_size=30
        ),
        how,
    )
    middle = (1 + 0.1) / 2
    expected = np.concatenate(
        [
            np.linspace(0.1, 1, 31),
            np.linspace(1, 0.1, 31)[1:],
            np.linspace(0.1, middle, 31)[1:],
            np.linspace(middle, 0.1, 31)[1:],
        ]
    )
    np.testing.assert_allclose(
        values(schedule, range(len(expected))), expected, rtol=1e-6
    )


@pytest.mark.parametrize("how", ROUND_TRIPS)
def test_exponential_addons_case(how):
    schedule = maybe_round_trip(
        keras_clr.addons.ExponentialCyclicalLearningRate(
            initial_learning_rate=0.1,
            maximal_learning_rate=1,
            step_size=2000,
            gamma=0.996,
        ),
        how,
    )
    steps = np.arange(0, 8001)
    expected = fraction_reference(
        steps, 0.1, 1.0, 2000, scale=lambda cycle, step: 0.996**step
    )
    np.testing.assert_allclose(values(schedule, steps), expected, rtol=1e-6)


@pytest.mark.parametrize("how", ROUND_TRIPS)
@pytest.mark.parametrize("scale_mode", ["cycle", "iterations"])
def test_custom_addons_cases(how, scale_mode):
    kwargs = dict(
        initial_learning_rate=0.1,
        maximal_learning_rate=1,
        step_size=4000,
        scale_fn=fifth_per_10k,
    )
    if scale_mode == "iterations":
        kwargs["scale_mode"] = scale_mode  # The default is "cycle".
    schedule = maybe_round_trip(
        keras_clr.addons.CyclicalLearningRate(**kwargs), how
    )
    steps = np.arange(1, 8001)

    def scale(cycle, step):
        x = cycle if scale_mode == "cycle" else step
        return 1 / 5 ** (x * 0.0001)

    expected = fraction_reference(steps, 0.1, 1.0, 4000, scale=scale)
    np.testing.assert_allclose(
        values(schedule, steps), expected, rtol=1e-6, atol=1e-6
    )


# Fractional step sizes, which TF Addons accepts: hand values first.
def test_step_size_two_and_a_half_hand_values():
    schedule = keras_clr.addons.TriangularCyclicalLearningRate(0.0, 1.0, 2.5)
    # Up over 2.5 steps, down over 2.5: step 3 is 0.5 past the peak.
    expected = [0.0, 0.4, 0.8, 0.8, 0.4, 0.0, 0.4, 0.8, 0.8, 0.4, 0.0]
    np.testing.assert_allclose(values(schedule, range(11)), expected, atol=1e-7)


@pytest.mark.parametrize("step_size", [2.5, 0.75, 1000.125, 3.0])
@pytest.mark.parametrize(
    "cls",
    [
        keras_clr.addons.TriangularCyclicalLearningRate,
        keras_clr.addons.Triangular2CyclicalLearningRate,
    ],
)
def test_fractional_step_sizes_match_the_exact_reference(cls, step_size):
    schedule = cls(0.2, 1.2, step_size)
    halving = cls is keras_clr.addons.Triangular2CyclicalLearningRate
    scale = (lambda c, s: 0.5 ** (c - 1)) if halving else None
    steps = np.arange(0, 5000, 3)
    expected = fraction_reference(steps, 0.2, 1.2, step_size, scale=scale)
    np.testing.assert_allclose(values(schedule, steps), expected, rtol=2e-7)


def test_fractional_step_size_exact_at_large_steps():
    # TF Addons' float32 arithmetic has a spacing of 128 steps here.
    schedule = keras_clr.addons.TriangularCyclicalLearningRate(0.0, 1.0, 2.5)
    steps = [2**31 - 2, 2**31 - 5, 2**30 + 1]
    if HAS_INT64:
        steps += [2**40 + 3, 2**62 + 1, 2**63 - 1]
    expected = fraction_reference(steps, 0.0, 1.0, 2.5)
    np.testing.assert_allclose(values(schedule, steps), expected, atol=1e-7)


def test_step_size_without_a_small_fraction_uses_float_arithmetic():
    # 0.1 is 3602879701896397 / 2**55: too large for exact integers, so
    # TF Addons' formula runs in float64 (float32 on JAX without x64).
    schedule = keras_clr.addons.TriangularCyclicalLearningRate(0.0, 1.0, 0.1)
    # Every integer step is a multiple of 0.2 = one full cycle: the bottom.
    steps = [0, 1, 2, 7, 1000]
    got = values(schedule, steps)
    tolerance = 1e-9 if HAS_INT64 else 2e-6
    np.testing.assert_allclose(got, np.zeros(5), atol=tolerance)
    schedule = keras_clr.addons.TriangularCyclicalLearningRate(0.0, 1.0, 1.7)
    expected = fraction_reference(range(40), 0.0, 1.0, 1.7)
    np.testing.assert_allclose(
        values(schedule, range(40)), expected, rtol=1e-6, atol=tolerance
    )


def test_int64_steps_for_the_exponential_policy():
    # TF Addons crashed here: `gamma ** step` on an int64 step tensor.
    schedule = keras_clr.addons.ExponentialCyclicalLearningRate(
        0.1, 1.0, 25, gamma=0.99
    )
    steps = np.arange(0, 400)
    expected = fraction_reference(
        steps, 0.1, 1.0, 25, scale=lambda cycle, step: 0.99**step
    )
    np.testing.assert_allclose(values(schedule, steps, INT), expected, 2e-6)


def test_momentum_mirrors_the_rate():
    schedule = keras_clr.addons.TriangularCyclicalLearningRate(0.1, 0.5, 2.5)
    momenta = ops.convert_to_numpy(
        schedule.momentum(ops.convert_to_tensor([0, 1, 5], INT), 0.8, 0.9)
    )
    np.testing.assert_allclose(momenta, [0.9, 0.9 - 0.1 * 0.4, 0.9], 1e-6)
    assert keras_clr.cyclical_momentum(
        keras.optimizers.SGD(learning_rate=schedule)
    )


# Registration: its own package, never a key of the Keras-named class.
@pytest.mark.parametrize("name", keras_clr.addons.__all__)
def test_registered_under_keras_clr_addons(name):
    cls = getattr(keras_clr.addons, name)
    key = keras.saving.get_registered_name(cls)
    assert key == f"keras_clr.addons>{name}"
    assert keras.saving.get_registered_object(key) is cls
    native = keras.saving.get_registered_name(keras_clr.CyclicalLearningRate)
    assert native == "keras_clr>CyclicalLearningRate"
    assert keras.saving.get_registered_object(native) is (
        keras_clr.CyclicalLearningRate
    )


def test_both_cyclical_learning_rates_round_trip_as_themselves():
    native = keras_clr.CyclicalLearningRate(0.1, 0.5, 4, name="native")
    addons = keras_clr.addons.CyclicalLearningRate(
        0.1, 0.5, 4, scale_fn=fifth_per_10k, name="addons"
    )
    serialized = [keras.saving.serialize_keras_object(native)]
    serialized.append(keras.saving.serialize_keras_object(addons))
    configs = json.loads(json.dumps(serialized))
    restored = [keras.saving.deserialize_keras_object(c) for c in configs]
    assert type(restored[0]) is keras_clr.CyclicalLearningRate
    assert type(restored[1]) is keras_clr.addons.CyclicalLearningRate


@pytest.mark.parametrize(
    "name",
    [
        "TriangularCyclicalLearningRate",
        "Triangular2CyclicalLearningRate",
        "ExponentialCyclicalLearningRate",
    ],
)
def test_0_1_0_names_are_aliases(name):
    cls = getattr(keras_clr.addons, name)
    assert getattr(keras_clr, name) is cls
    assert getattr(keras_clr.schedules, name) is cls
    from keras_clr.schedules import tfa_compat

    assert getattr(tfa_compat, name) is cls
    assert keras.saving.get_registered_object(f"keras_clr>{name}") is cls


def test_get_config_is_tf_addons_signature():
    schedule = keras_clr.addons.CyclicalLearningRate(
        0.1, 1.0, 2.5, fifth_per_10k, "iterations", "mine"
    )
    config = schedule.get_config()
    assert config["step_size"] == 2.5
    assert config["scale_fn"]["config"] == "keras_clr_tests>fifth_per_10k"
    assert list(config) == [
        "initial_learning_rate",
        "maximal_learning_rate",
        "step_size",
        "scale_fn",
        "scale_mode",
        "name",
    ]


INVALID = [
    (
        dict(scale_fn=lambda x: 1.0),
        r"`scale_fn` cannot be a lambda.*"
        r"register_keras_serializable",
    ),
    (dict(scale_fn=None), r"Argument `scale_fn` must be .*scale_fn=None"),
    (
        dict(step_size=0),
        r"Argument `step_size` must be > 0\. "
        r"Received: step_size=0",
    ),
    (dict(step_size=float("inf")), r"`step_size` must be a finite number"),
    (
        dict(step_size=2.0**63),
        r"Argument `step_size` must be at most "
        r"2\*\*63 - 1",
    ),
    (
        dict(maximal_learning_rate=1e39),
        r"Argument `maximal_learning_rate` "
        r"must be finite in float32",
    ),
    (
        dict(initial_learning_rate=0.5, maximal_learning_rate=0.1),
        r"Argument `maximal_learning_rate` must be >= "
        r"`initial_learning_rate`\. "
        r"Received: initial_learning_rate=0\.5, maximal_learning_rate=0\.1",
    ),
    (
        dict(scale_mode="epoch"),
        r"Argument `scale_mode` must be one of "
        r"'cycle', 'iterations'\. Received: scale_mode='epoch'",
    ),
    (dict(name=3), r"Argument `name` must be a non-empty string"),
]


@pytest.mark.parametrize("kwargs, message", INVALID)
def test_invalid_arguments(kwargs, message):
    kwargs = {
        "initial_learning_rate": 0.1,
        "maximal_learning_rate": 1.0,
        "step_size": 10,
        "scale_fn": fifth_per_10k,
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        keras_clr.addons.CyclicalLearningRate(**kwargs)


def test_named_classes_errors_use_addons_names():
    with pytest.raises(ValueError, match=r"initial_learning_rate=-1"):
        keras_clr.addons.Triangular2CyclicalLearningRate(-1, 0.1, 10)
    with pytest.raises(ValueError, match=r"Received: gamma=2"):
        keras_clr.addons.ExponentialCyclicalLearningRate(0.1, 1.0, 10, gamma=2)
