"""The one seam between keras_clr and Keras' internals and backends.

Every private Keras attribute used, and every place where backends differ
in meaning, is a helper here, dated by the Keras versions checked.
"""

import contextlib
import importlib
import json
import os
import sys

import keras
import numpy as np


def inner_optimizer(optimizer):
    """The optimizer that holds the LR (public `inner_optimizer` of a
    `LossScaleOptimizer`)."""
    return getattr(optimizer, "inner_optimizer", optimizer)


def learning_rate_object(optimizer):
    """The schedule, variable or float the optimizer holds as its LR (the
    public property evaluates a schedule instead). Private:
    `BaseOptimizer._learning_rate`. Checked: Keras 3.5 - 3.15."""
    return inner_optimizer(optimizer)._learning_rate


def set_learning_rate_object(optimizer, value):
    """Puts back exactly what `learning_rate_object` read. Private write of
    `BaseOptimizer._learning_rate`. Checked: Keras 3.5 - 3.15."""
    inner_optimizer(optimizer)._learning_rate = value


def iterations(optimizer) -> int:
    """The public `optimizer.iterations` as a Python int (one read)."""
    counter = inner_optimizer(optimizer).iterations
    return int(keras.ops.convert_to_numpy(counter))


def step_counter(optimizer) -> int:
    """The raw step count a schedule is called with (with gradient
    accumulation `iterations` counts updates). Private:
    `BaseOptimizer._iterations`. Checked: Keras 3.5 - 3.15."""
    counter = inner_optimizer(optimizer)._iterations
    return int(keras.ops.convert_to_numpy(counter))


def retrace(model):
    """The next `fit` traces its step anew (the traced step captured the
    old LR object). Resetting `train_function` is undocumented. Checked:
    Keras 3.5 - 3.15."""
    model.train_function = None


def install_schedule(optimizer, schedule):
    """Sets `schedule` as the optimizer's LR, still exportable.

    The public setter untracks the float LR's variable with a list
    removal, which TensorFlow marks as a mutation that `model.export` and
    `tf.train.Checkpoint.save` then refuse; the list as it stands is the
    new state, so the mutation is acknowledged. Private: TensorFlow's
    `ListWrapper._non_append_mutation`, `_update_snapshot` (TF 2.16 -
    2.21); `BaseOptimizer._variables`. Checked: Keras 3.5 - 3.15.
    """
    inner = inner_optimizer(optimizer)
    inner.learning_rate = schedule
    tracked = getattr(inner, "_variables", None)
    if getattr(tracked, "_non_append_mutation", False):
        tracked._non_append_mutation = False
        tracked._update_snapshot()


class StepLearningRate:
    """Mixin: inside `step_learning_rate(optimizer, lr)` the update reads
    `lr` (computed with the momentum) instead of evaluating the schedule
    again. Private: overrides `BaseOptimizer._get_current_learning_rate`.
    Checked: Keras 3.11 - 3.15."""

    _step_lr = None

    def _get_current_learning_rate(self):
        if self._step_lr is not None:
            return self._step_lr
        return super()._get_current_learning_rate()


@contextlib.contextmanager
def step_learning_rate(optimizer, learning_rate):
    """Serves `learning_rate` to a `StepLearningRate` optimizer's update."""
    optimizer._step_lr = learning_rate
    try:
        yield
    finally:
        optimizer._step_lr = None


def variable_index(optimizer, variable) -> int:
    """The position of `variable` in the optimizer's slot lists. Private:
    `BaseOptimizer._get_variable_index`. Checked: Keras 3.5 - 3.15."""
    return optimizer._get_variable_index(variable)


def torch_fused_base(cls, update):
    """`cls`, or on PyTorch a subclass of Keras' fused version of it whose
    collective update is `update(optimizer, grads, variables, lr)`.

    Keras' PyTorch optimizers update every variable at once with
    `torch._foreach_*` ops, in a backend class it picks by exact class (a
    plain subclass of `keras.optimizers.Adam` gets the per-variable path),
    and read the momentum as a Python number (a host read for a tensor).
    Private: `keras.src.backend.torch.optimizers.torch_<name>.<Name>` and
    its `_parallel_update_step`. Checked: Keras 3.15.1.
    """
    if keras.backend.backend() != "torch":
        return cls
    name = cls.__name__
    try:
        module = importlib.import_module(
            f"keras.src.backend.torch.optimizers.torch_{name.lower()}"
        )
    except ImportError:
        return cls
    fused = getattr(module, name, None)
    if not (
        isinstance(fused, type)
        and issubclass(fused, cls)
        and callable(getattr(fused, "_parallel_update_step", None))
    ):
        return cls

    def _parallel_update_step(self, grads, variables, learning_rate):
        update(self, grads, variables, learning_rate)

    namespace = {"_parallel_update_step": _parallel_update_step}
    return type(f"Fused{name}", (fused,), {**namespace, "__module__": __name__})


# Keras' optimizers keep per-variable state in lists named by private
# attributes (SGD's `momentums` is public). Checked: Keras 3.11 - 3.15.1.
_SLOTS = {
    "sgd_momentum": "momentums",  # SGD
    "first_moment": "_momentums",  # Adam, AdamW, Nadam, Lion
    "second_moment": "_velocities",  # Adam, AdamW, Nadam
    "max_second_moment": "_velocity_hats",  # Adam, AdamW with amsgrad
    "adamax_first_moment": "_m",  # Adamax
    "adamax_infinity_norm": "_u",  # Adamax
}


def slot_values(optimizer, slot, variables):
    """The torch tensors of `slot` (a `_SLOTS` key) for `variables`."""
    state = getattr(optimizer, _SLOTS[slot])
    return [state[variable_index(optimizer, v)].value for v in variables]


def nadam_u_product(optimizer):
    """Nadam's momentum-cache product. Private: `Nadam._u_product`.
    Checked: Keras 3.15.1."""
    return optimizer._u_product


def global_seed_generator_state():
    """The state variable of Keras' global `SeedGenerator` (unseeded random
    ops draw from it), or `None`. Private: `keras.src.backend.common.
    global_state`'s `"global_seed_generator"`. Checked: Keras 3.5 - 3.15."""
    from keras.src.backend.common import global_state

    generator = global_state.get_global_attribute("global_seed_generator")
    return None if generator is None else generator.state


def backend_rng_state():
    """torch's global generators' state on PyTorch, else `None`.

    Keras' unseeded `Dropout` on PyTorch draws from torch's generators
    (keras/src/backend/torch/random.py); elsewhere layers draw from
    `SeedGenerator` variables only. Checked: Keras 3.5 - 3.15.
    """
    if keras.backend.backend() != "torch":
        return None
    import torch

    cuda = torch.cuda.is_initialized()
    return (
        torch.get_rng_state(),
        torch.cuda.get_rng_state_all() if cuda else None,
    )


def set_backend_rng_state(state):
    """Puts back what `backend_rng_state` returned."""
    if state is None:
        return
    import torch

    torch.set_rng_state(state[0])
    if state[1] is not None:
        torch.cuda.set_rng_state_all(state[1])


def refresh_compiled_variables(model):
    """Makes a changed non-model variable (a schedule's own) reach the
    compiled step: JAX compiles it as a constant, so the step is traced
    again; the other backends read it at every step."""
    if keras.backend.backend() == "jax":
        model.make_train_function(force=True)


def metrics_known_before_training() -> bool:
    """Whether compiled metrics are built before the first step (not on
    TensorFlow, where the compile config names them). Checked: Keras 3.11
    - 3.15."""
    return keras.backend.backend() != "tensorflow"


# -- Which worker this process is (public APIs of each backend) ------------


def worker_index() -> int:
    """This process's index among the workers; 0 on a single process.

    Only the backend in use is asked: nothing here imports TensorFlow on
    JAX or PyTorch, or the reverse.
    """
    backend = keras.backend.backend()
    module = sys.modules.get(backend)
    if module is None:
        return 0
    if backend == "jax":
        return int(module.process_index())
    if backend == "torch":
        dist = getattr(module, "distributed", None)
        if dist is None or not dist.is_available() or not dist.is_initialized():
            return 0
        return int(dist.get_rank())
    if backend == "tensorflow":
        return _tensorflow_index(module)
    return 0


def _tensorflow_index(tf) -> int:
    try:
        config = json.loads(os.environ.get("TF_CONFIG") or "{}")
        task = config.get("task") or {}
        has_chief = bool((config.get("cluster") or {}).get("chief"))
    except (ValueError, AttributeError):
        task, has_chief = {}, False
    task_type, task_id = task.get("type"), task.get("index") or 0
    # Inside a strategy's scope its resolver says; outside (where callbacks
    # run) TF_CONFIG does.
    if tf.distribute.has_strategy():
        resolver = getattr(
            tf.distribute.get_strategy(), "cluster_resolver", None
        )
        if getattr(resolver, "task_type", None) is not None:
            task_type, task_id = resolver.task_type, resolver.task_id or 0
    # The chief, or worker 0 where there is no chief, is index 0.
    if task_type in (None, "chief"):
        return 0
    if task_type == "worker":
        return int(task_id) + (1 if has_chief else 0)
    return 1 + int(task_id)  # evaluators, parameter servers


def is_chief() -> bool:
    """True on the worker that writes shared files (index 0)."""
    return worker_index() == 0


def all_gather(array: np.ndarray) -> list:
    """`array` from every process of a JAX multi-process run, else ours
    (TensorFlow and PyTorch workers each check their own)."""
    if keras.backend.backend() != "jax":
        return [array]
    import jax

    if jax.process_count() == 1:
        return [array]
    from jax.experimental import multihost_utils

    return list(np.asarray(multihost_utils.process_allgather(array)))
