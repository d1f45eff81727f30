"""The demo's runs: one frozen `Run` per configuration, and the training.

The controls separate what the cycling does from what the lower learning
rate and the bigger batch do: a constant LR at CLR's `base_lr` with CLR's
batch, and the same comparisons on a network with relu hidden layers.
"""

import dataclasses
import os
import platform
import sys
import time

import keras

import keras_clr
from keras_clr_cli.demo import article
from keras_clr_cli.demo import report


@dataclasses.dataclass(frozen=True)
class ConstantLR:
    """A constant learning rate."""

    learning_rate: float

    def describe(self):
        return ["constant", self.learning_rate]

    def build(self, run, data, seed):
        return self.learning_rate, None


@dataclasses.dataclass(frozen=True)
class ClassicCyclicLR:
    """The classic `CyclicLR` callback with the article's settings."""

    def describe(self):
        return ["cyclic_lr"]

    def build(self, run, data, seed):
        callback = keras_clr.CyclicLR(mode="triangular", **article.CLR)
        # The callback replaces the optimizer's LR, as in the article.
        return article.CLR["base_lr"], callback


@dataclasses.dataclass(frozen=True)
class OneCyclePolicy:
    """`OneCycle` over the whole training."""

    max_lr: float
    total_steps: int

    def describe(self):
        return ["one_cycle", self.max_lr, self.total_steps]

    def build(self, run, data, seed):
        schedule = keras_clr.OneCycle(
            max_lr=self.max_lr, total_steps=self.total_steps
        )
        return schedule, keras_clr.LearningRateLogger()


@dataclasses.dataclass(frozen=True)
class RangeTestCLR:
    """A triangular CLR between the bounds an LR range test suggests."""

    step_size: int

    def describe(self):
        return ["range_test_clr", self.step_size]

    def build(self, run, data, seed):
        result = range_test(data, run.activation, run.batch, seed)
        schedule = result.cyclical_learning_rate(step_size=self.step_size)
        return schedule, keras_clr.LearningRateLogger()


@dataclasses.dataclass(frozen=True)
class Run:
    """One configuration of the demo, trained once per seed."""

    name: str
    label: str
    activation: str
    batch: int
    policy: ConstantLR | ClassicCyclicLR | OneCyclePolicy | RangeTestCLR


def configurations(epochs, train_size):
    """The demo's runs, the article's two first."""
    clr_steps = epochs * -(-train_size // article.CLR_BATCH)
    return (
        Run(
            "article_constant",
            f"article: constant LR {article.CONSTANT_LR}",
            "softmax",
            article.CONSTANT_BATCH,
            ConstantLR(article.CONSTANT_LR),
        ),
        Run(
            "article_clr",
            "article: CyclicLR triangular",
            "softmax",
            article.CLR_BATCH,
            ClassicCyclicLR(),
        ),
        Run(
            "control_base_lr",
            f"control: constant LR {article.CLR['base_lr']} (CLR's base_lr)",
            "softmax",
            article.CLR_BATCH,
            ConstantLR(article.CLR["base_lr"]),
        ),
        Run(
            "relu_constant",
            f"relu: constant LR {article.CLR['base_lr']}",
            "relu",
            article.CLR_BATCH,
            ConstantLR(article.CLR["base_lr"]),
        ),
        Run(
            "relu_clr",
            "relu: CyclicLR triangular",
            "relu",
            article.CLR_BATCH,
            ClassicCyclicLR(),
        ),
        Run(
            "relu_one_cycle",
            f"relu: OneCycle max_lr {article.CLR['max_lr']}",
            "relu",
            article.CLR_BATCH,
            OneCyclePolicy(article.CLR["max_lr"], clr_steps),
        ),
        Run(
            "relu_range_test_clr",
            "relu: CLR, bounds from the LR range test",
            "relu",
            article.CLR_BATCH,
            # Three whole cycles, ending at base_lr.
            RangeTestCLR(max(1, clr_steps // 6)),
        ),
    )


BUDGET_BATCH = 500
BUDGET_MAX_EPOCHS = 6


def budget_search(data, epochs, seeds):
    """One-cycle under a budget, with `max_lr` from keras_clr alone.

    Per seed: the range test at batch `BUDGET_BATCH` on the relu network,
    then for budgets of 1, 2, ... epochs (at most `min(epochs,
    BUDGET_MAX_EPOCHS)`) a fresh model trained with `result.one_cycle()`
    over exactly that budget, until one reaches the highest of
    `report.budget_targets()`: one-cycle is judged where its cycle ends.
    """
    targets = report.budget_targets()
    cap = min(epochs, BUDGET_MAX_EPOCHS)
    steps_per_epoch = -(-len(data[0][0]) // BUDGET_BATCH)
    runs = []
    for seed in range(seeds):
        start = time.perf_counter()
        result = range_test(
            data, "relu", BUDGET_BATCH, seed, num_steps=200, start_lr=1e-6
        )
        tested = time.perf_counter() - start
        max_lr = result.one_cycle(steps_per_epoch).max_lr
        budgets = []
        for budget in range(1, cap + 1):
            run = Run(
                "budget_one_cycle",
                f"relu: OneCycle from the range test, {budget} epochs",
                "relu",
                BUDGET_BATCH,
                OneCyclePolicy(max_lr, budget * steps_per_epoch),
            )
            outcome = run_one(run, data, budget, seed)
            budgets.append(
                {
                    "epochs": budget,
                    "time_s": outcome["time_s"],
                    "final_val_accuracy": outcome["final_val_accuracy"],
                }
            )
            if outcome["final_val_accuracy"] >= max(targets):
                break
        runs.append(
            {
                "seed": seed,
                "max_lr": max_lr,
                "range_test": {"time_s": tested},
                "budgets": budgets,
            }
        )
    return {
        "label": "relu: OneCycle, max_lr from the range test",
        "activation": "relu",
        "batch": BUDGET_BATCH,
        "max_epochs": cap,
        "targets": targets,
        "runs": runs,
    }


def build_model(activation):
    """The article's MLP 784-100-50-10 with a softmax output."""
    return keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(100, activation=activation),
            keras.layers.Dense(50, activation=activation),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def range_test(
    data,
    activation,
    batch_size,
    seed,
    num_steps=100,
    start_lr=1e-5,
    end_lr=1.0,
    verbose=0,
    repeats=1,
):
    """The LR range test on a fresh model of the demo, with Adam."""
    (x_train, y_train), _ = data
    deterministic(seed)
    model = build_model(activation)
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss="categorical_crossentropy",
    )
    return keras_clr.lr_range_test(
        model,
        x_train,
        y_train,
        batch_size=batch_size,
        start_lr=start_lr,
        end_lr=end_lr,
        num_steps=num_steps,
        verbose=verbose,
        repeats=repeats,
    )


def prepare(data):
    """uint8 MNIST as flat float32 images in [0, 1] and one-hot labels."""
    (x_train, y_train), (x_test, y_test) = data

    def flat(x):
        return x.reshape(len(x), -1).astype("float32") / 255.0

    return (
        (flat(x_train), keras.utils.to_categorical(y_train, 10)),
        (flat(x_test), keras.utils.to_categorical(y_test, 10)),
    )


def deterministic(seed):
    """The same numbers for the same seed, run after run.

    Seeds Python, NumPy and the backend (Keras' global seed too), and makes
    TensorFlow's ops deterministic: its multi-threaded kernels otherwise
    sum in a varying order, and a run at a high LR amplifies the last-bit
    differences into different accuracies. JAX and PyTorch on the CPU are
    deterministic once seeded.
    """
    keras.utils.set_random_seed(seed)
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        tf.config.experimental.enable_op_determinism()


def run_one(run, data, epochs, seed, callbacks=()):
    """Trains `run` once with `seed`; returns its numbers as plain data."""
    (x_train, y_train), (x_test, y_test) = data
    deterministic(seed)
    model = build_model(run.activation)
    learning_rate, logger = run.policy.build(run, data, seed)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    history = model.fit(
        x_train,
        y_train,
        batch_size=run.batch,
        epochs=epochs,
        validation_data=(x_test, y_test),
        callbacks=[c for c in (logger, *callbacks) if c is not None],
        verbose=0,
    )
    seconds = time.perf_counter() - start
    h = {k: [float(v) for v in vs] for k, vs in history.history.items()}
    return {
        "seed": seed,
        "time_s": seconds,
        "steps": int(keras.ops.convert_to_numpy(model.optimizer.iterations)),
        "final_val_accuracy": h["val_accuracy"][-1],
        "best_val_accuracy": max(h["val_accuracy"]),
        "history": h,
        "lr": None if logger is None else logger.history["lr"],
    }


def run_demo(data, epochs=15, seeds=3, progress=None):
    """Trains every configuration over `seeds` seeds; returns the results.

    Args:
        data: uint8 MNIST, `((x_train, y_train), (x_test, y_test))`.
        epochs: Epochs per run.
        seeds: Seeds per configuration.
        progress: Optional object with `start(run, seed, index, total,
            epochs)` and a Keras callback `callback`, told about each run.

    Returns:
        The results as plain data (what `results.json` holds), findings
        included.
    """
    data = prepare(data)
    train_size = len(data[0][0])
    runs = configurations(epochs, train_size)
    results = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "epochs": epochs,
        "seeds": seeds,
        "train_size": train_size,
        "test_size": len(data[1][0]),
        "article": article.REPORTED,
        "configurations": {},
    }
    total = len(runs) * seeds
    for number, run in enumerate(runs):
        outcomes = []
        for seed in range(seeds):
            callbacks = ()
            if progress is not None:
                progress.start(run, seed, number * seeds + seed, total, epochs)
                callbacks = (progress.callback,)
            outcomes.append(run_one(run, data, epochs, seed, callbacks))
        results["configurations"][run.name] = {
            "label": run.label,
            "activation": run.activation,
            "batch": run.batch,
            "lr": run.policy.describe(),
            "summary": report.summarize(outcomes),
            "runs": outcomes,
        }
    results["budget"] = budget_search(data, epochs, seeds)
    results["findings"] = report.findings(results)
    return results


def machine():
    """The machine and versions, importing no other backend."""
    backend = keras.backend.backend()
    # Keras has already imported its backend's package.
    module = sys.modules.get(backend)
    version = getattr(module, "__version__", "unknown")
    return (
        f"{platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, {backend} {version}, Keras "
        f"{keras.__version__}, backend {backend}"
    )
