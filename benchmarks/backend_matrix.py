"""What works on this Keras backend: the checks behind README's table.

Each row is a tiny training run (`y = w * x` with a loss whose gradient in
`w` is exactly 1, so SGD moves `w` by exactly `-lr` each step) or a
feature's smallest use, and prints `ok` or the first line of the error
that Keras or keras_clr raised. Run it once per backend:

    KERAS_BACKEND=tensorflow python benchmarks/backend_matrix.py
    KERAS_BACKEND=jax python benchmarks/backend_matrix.py
    KERAS_BACKEND=torch python benchmarks/backend_matrix.py

`--float-lr` runs the compile-option rows with a plain float learning rate
too, to tell a keras_clr limit from an upstream one. On TensorFlow the
tf.distribute rows use two logical CPU devices.
"""

import argparse
import glob
import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_clr  # noqa: E402
from keras_clr import _keras  # noqa: E402

BACKEND = keras.backend.backend()
# CyclicalLearningRate(0.1, 0.5, step_size=2) over 8 steps, by hand.
LR_SUM = 0.1 + 0.3 + 0.5 + 0.3 + 0.1 + 0.3 + 0.5 + 0.3


def schedule():
    return keras_clr.CyclicalLearningRate(0.1, 0.5, step_size=2)


def unit_model(optimizer, **compile_kwargs):
    model = keras.Sequential(
        [
            keras.Input((1,)),
            keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros"),
        ]
    )
    model.compile(
        optimizer=optimizer, loss="mean_absolute_error", **compile_kwargs
    )
    return model


def data(samples=8):
    return (
        np.ones((samples, 1), "float32"),
        np.full((samples, 1), -1e6, "float32"),
    )


def weight(model):
    return float(keras.ops.convert_to_numpy(model.weights[0]).item())


def fit_and_check(
    learning_rate=None,
    expected=-LR_SUM,
    callbacks=None,
    optimizer=None,
    batch_size=1,
    **compile_kwargs,
):
    optimizer = optimizer or keras.optimizers.SGD(
        learning_rate=schedule() if learning_rate is None else learning_rate
    )
    model = unit_model(optimizer, **compile_kwargs)
    # 8 steps whatever the batch: the mean loss keeps the gradient at 1.
    model.fit(
        *data(8 * batch_size),
        batch_size=batch_size,
        epochs=1,
        verbose=0,
        callbacks=callbacks or [],
    )
    if expected is not None and not np.isclose(
        weight(model), expected, rtol=1e-3
    ):
        raise AssertionError(f"weight {weight(model)}, expected {expected}")
    return model


def check_mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        fit_and_check()
    finally:
        keras.mixed_precision.set_global_policy("float32")


def check_save_load():
    model = fit_and_check()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.keras")
        model.save(path)
        loaded = keras.models.load_model(path)
    restored = _keras.learning_rate_object(loaded.optimizer)
    if restored.get_config() != schedule().get_config():
        raise AssertionError("schedule config differs after load")
    if _keras.iterations(loaded.optimizer) != 8:
        raise AssertionError("iterations not restored")


def check_cyclic_lr():
    clr = keras_clr.CyclicLR(base_lr=0.1, max_lr=0.5, step_size=2)
    fit_and_check(learning_rate=0.01, callbacks=[clr])
    if len(clr.history["lr"]) != 8:
        raise AssertionError(f"history has {len(clr.history['lr'])} steps")


def check_logger_tensorboard():
    with tempfile.TemporaryDirectory() as tmp:
        logger = keras_clr.LearningRateLogger(log_dir=tmp)
        fit_and_check(callbacks=[logger])
        files = glob.glob(os.path.join(tmp, "**", "events.*"), recursive=True)
        if not files or logger.history.get("errors"):
            raise AssertionError(
                f"no event files: {logger.history.get('errors')}"
            )


def check_keras_tensorboard():
    with tempfile.TemporaryDirectory() as tmp:
        fit_and_check(callbacks=[keras.callbacks.TensorBoard(tmp)])


def check_plateau():
    callback = keras_clr.ReduceLRBoundsOnPlateau(monitor="loss", patience=0)
    fit_and_check(callbacks=[callback], expected=None)


def check_range_test():
    model = unit_model(keras.optimizers.SGD())
    result = keras_clr.lr_range_test(
        model, *data(32), batch_size=4, num_steps=8, verbose=0
    )
    if len(result.lrs) != 8:
        raise AssertionError(f"{len(result.lrs)} points")


def check_momentum():
    optimizer = keras_clr.cyclical_momentum(
        keras.optimizers.SGD(learning_rate=schedule())
    )
    fit_and_check(optimizer=optimizer, expected=None)


def mirrored(**compile_kwargs):
    import tensorflow as tf

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        fit_and_check(batch_size=2, **compile_kwargs)


def mirrored_float(**compile_kwargs):
    import tensorflow as tf

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        fit_and_check(
            learning_rate=0.1, expected=-0.8, batch_size=2, **compile_kwargs
        )


def rows(float_lr):
    checks = {
        "schedule in the compiled step": lambda: fit_and_check(),
        "jit_compile=True": lambda: fit_and_check(jit_compile=True),
        "steps_per_execution=4": lambda: fit_and_check(steps_per_execution=4),
        "steps_per_execution=4, jit_compile": lambda: fit_and_check(
            steps_per_execution=4, jit_compile=True
        ),
    }
    if float_lr:
        checks["steps_per_execution=4, float LR"] = lambda: fit_and_check(
            learning_rate=0.1, expected=-0.8, steps_per_execution=4
        )
        checks["jit_compile=True, float LR"] = lambda: fit_and_check(
            learning_rate=0.1, expected=-0.8, jit_compile=True
        )
    checks.update(
        {
            "mixed_float16": check_mixed_precision,
            ".keras save/load": check_save_load,
            "cyclical momentum": check_momentum,
            "CyclicLR callback": check_cyclic_lr,
            "ReduceLRBoundsOnPlateau": check_plateau,
            "LearningRateLogger(log_dir=...)": check_logger_tensorboard,
            "keras.callbacks.TensorBoard": check_keras_tensorboard,
            "lr_range_test": check_range_test,
        }
    )
    if BACKEND == "tensorflow":
        checks["MirroredStrategy"] = lambda: mirrored()
        checks["MirroredStrategy, steps_per_execution=4"] = lambda: mirrored(
            steps_per_execution=4
        )
        checks["MirroredStrategy, jit_compile"] = lambda: mirrored(
            jit_compile=True
        )
        if float_lr:
            checks["MirroredStrategy, spe=4, float LR"] = lambda: (
                mirrored_float(steps_per_execution=4)
            )
            checks["MirroredStrategy, jit_compile, float LR"] = lambda: (
                mirrored_float(jit_compile=True)
            )
    return checks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--float-lr", action="store_true")
    args = parser.parse_args()
    if BACKEND == "tensorflow":
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
    print(f"keras {keras.__version__}, backend {BACKEND}")
    for name, check in rows(args.float_lr).items():
        try:
            check()
            outcome = "ok"
        except Exception as error:  # noqa: BLE001 - the row reports it
            first = (str(error).strip().splitlines() or [""])[0]
            outcome = f"FAILS: {type(error).__name__}: {first[:150]}"
        print(f"{name:<42} {outcome}", flush=True)


if __name__ == "__main__":
    main()
