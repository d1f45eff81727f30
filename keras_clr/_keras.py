"""The one seam between keras_clr and Keras' private internals.

Every use of a private Keras attribute or method goes through a helper in
this module, so that a Keras upgrade that moves one of them breaks here and
nowhere else. Each helper says which Keras versions it was checked against;
re-check them (and update the note) when the Keras floor or ceiling moves.

Public Keras API is preferred wherever it does the same job; a helper here
exists only because no public way exists (or the public way has a side
effect keras_clr cannot accept, noted beside it).
"""

import contextlib
import json
import os
import sys

import keras
import numpy as np


def inner_optimizer(optimizer):
    """The optimizer that holds the learning rate (unwraps loss scaling).

    Public API (`LossScaleOptimizer.inner_optimizer`); kept here so callers
    have one way to ask. Checked: Keras 3.5 - 3.15.
    """
    return getattr(optimizer, "inner_optimizer", optimizer)


def learning_rate_object(optimizer):
    """The schedule, variable or float the optimizer holds as its LR.

    The public `optimizer.learning_rate` property evaluates a schedule at
    the current step, so it cannot tell which schedule is installed.
    Private: `BaseOptimizer._learning_rate`. Checked: Keras 3.5 - 3.15.
    """
    return inner_optimizer(optimizer)._learning_rate


def set_learning_rate_object(optimizer, value):
    """Puts `value` (a schedule, or what the optimizer held before) back.

    Private write of `BaseOptimizer._learning_rate`, used only to restore
    exactly the object read by `learning_rate_object`. Checked: Keras
    3.5 - 3.15.
    """
    inner_optimizer(optimizer)._learning_rate = value


def iterations(optimizer) -> int:
    """The optimizer's step counter as a Python int (one device read).

    Public `optimizer.iterations`. Checked: Keras 3.5 - 3.15.
    """
    counter = inner_optimizer(optimizer).iterations
    return int(keras.ops.convert_to_numpy(counter))


def retrace(model):
    """Makes the next `fit`/`evaluate`/`predict` trace its step anew.

    Needed after the optimizer's learning rate object changes, since the
    traced step captured the old one. `train_function` is a public
    attribute of `keras.Model` but resetting it is not documented API.
    Checked: Keras 3.5 - 3.15.
    """
    model.train_function = None


def variable_index(optimizer, variable) -> int:
    """The position of `variable` in the optimizer's per-variable slots.

    An optimizer's slot lists (`momentums`, ...) are ordered like the
    variables it was built on; Keras' own `update_step`s find a variable's
    slot this way. Private: `BaseOptimizer._get_variable_index`. Checked:
    Keras 3.5 - 3.15.
    """
    return optimizer._get_variable_index(variable)


def torch_fused_base(cls, update):
    """The base class of a cycling optimizer: fused on PyTorch.

    On PyTorch, `keras.optimizers.Adam(...)` (and SGD, AdamW, Nadam,
    Adamax, Lion) is an instance of a backend subclass that updates every
    variable at once with `torch._foreach_*` ops; Keras picks it by exact
    class in `TorchOptimizer.__new__`, so a plain subclass of
    `keras.optimizers.Adam` gets the per-variable path. Returned here on
    PyTorch: a subclass of that fused class whose collective update is
    `update(optimizer, grads, variables, learning_rate)` (Keras' own reads the
    momentum as a Python number, a host read for a tensor). Elsewhere, or
    if the fused class is not found, `cls` itself. Private:
    `keras.src.backend.torch.optimizers.torch_<name>.<Name>` and its hook
    `_parallel_update_step(grads, variables, learning_rate)`. Checked:
    Keras 3.15.1 (the floor env does not run PyTorch).
    """
    if keras.backend.backend() != "torch":
        return cls
    import importlib

    name = cls.__name__
    try:
        module = importlib.import_module(
            f"keras.src.backend.torch.optimizers.torch_{name.lower()}"
        )
    except ImportError:
        return cls
    fused = getattr(module, name, None)
    if not (isinstance(fused, type) and issubclass(fused, cls)):
        return cls
    if not callable(getattr(fused, "_parallel_update_step", None)):
        return cls

    def _parallel_update_step(self, grads, variables, learning_rate):
        update(self, grads, variables, learning_rate)

    return type(
        f"Fused{name}",
        (fused,),
        {
            "_parallel_update_step": _parallel_update_step,
            "__module__": __name__,
        },
    )


# Keras' optimizers keep their per-variable state in lists named by
# private attributes (SGD's `momentums` is public), here by what they
# hold. Checked: Keras 3.11 - 3.15.1.
_SLOTS = {
    "sgd_momentum": "momentums",  # SGD
    "first_moment": "_momentums",  # Adam, AdamW, Nadam, Lion
    "second_moment": "_velocities",  # Adam, AdamW, Nadam
    "max_second_moment": "_velocity_hats",  # Adam, AdamW with amsgrad
    "adamax_first_moment": "_m",  # Adamax
    "adamax_infinity_norm": "_u",  # Adamax
}


def slot_values(optimizer, slot, variables):
    """The torch tensors of the optimizer's `slot` (a `_SLOTS` key) for
    `variables`, in order."""
    state = getattr(optimizer, _SLOTS[slot])
    return [state[variable_index(optimizer, v)].value for v in variables]


def nadam_u_product(optimizer):
    """Nadam's momentum-cache product variable (`_u_product`).

    Private: `keras.optimizers.Nadam._u_product`. Checked: Keras 3.15.1.
    """
    return optimizer._u_product


def global_seed_generator_state():
    """The state variable of Keras' global `SeedGenerator`, or `None`.

    Random ops called without a seed (outside JAX tracing) draw from a
    global generator Keras creates on first use; its state changes the
    next `fit` like a layer's own generator does. Private:
    `keras.src.backend.common.global_state` attribute
    `"global_seed_generator"`. Checked: Keras 3.5 - 3.15.
    """
    from keras.src.backend.common import global_state

    generator = global_state.get_global_attribute("global_seed_generator")
    return None if generator is None else generator.state


def backend_rng_state():
    """The backend's own global random state that Keras layers draw from.

    On PyTorch, Keras' `Dropout` without an explicit `seed` does not use
    its `SeedGenerator`: it falls back to `torch.nn.functional.dropout`,
    which draws from torch's global generators (keras/src/backend/torch/
    random.py, `dropout`). Returns an opaque state for
    `set_backend_rng_state`, or `None` on other backends (their layers
    draw from `SeedGenerator` variables only). Checked: Keras 3.5 - 3.15.
    """
    if keras.backend.backend() != "torch":
        return None
    import torch

    cuda = (
        torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None
    )
    return torch.get_rng_state(), cuda


def set_backend_rng_state(state):
    """Puts back what `backend_rng_state` returned."""
    if state is None:
        return
    import torch

    cpu, cuda = state
    torch.set_rng_state(cpu)
    if cuda is not None:
        torch.cuda.set_rng_state_all(cuda)


def step_counter(optimizer) -> int:
    """The raw step count a schedule sees, as a Python int (one read).

    With gradient accumulation the public `iterations` counts updates; the
    schedule is called with the raw counter. Private:
    `BaseOptimizer._iterations`. Checked: Keras 3.5 - 3.15.
    """
    counter = inner_optimizer(optimizer)._iterations
    return int(keras.ops.convert_to_numpy(counter))


def install_schedule(optimizer, schedule):
    """Sets `schedule` as the optimizer's learning rate, exportably.

    The public setter untracks the float learning rate's variable with a
    list removal; on TensorFlow that marks the tracked variable list as
    mutated, and `model.export` or `tf.train.Checkpoint.save` then refuse
    the optimizer ("A list element was replaced ... or deleted"). The list
    as it now stands is what every later save and load sees (`model.save`,
    `save_weights`, `BackupAndRestore`), so it is acknowledged as the new
    state. Private: TensorFlow's `ListWrapper._non_append_mutation` and
    `_update_snapshot` (TF 2.16 - 2.21); `BaseOptimizer._variables`.
    Checked: Keras 3.5 - 3.15.
    """
    inner = inner_optimizer(optimizer)
    inner.learning_rate = schedule
    tracked = getattr(inner, "_variables", None)
    if getattr(tracked, "_non_append_mutation", False):
        tracked._non_append_mutation = False
        tracked._update_snapshot()


class StepLearningRate:
    """Mixin: an optimizer update that reads a learning rate given to it.

    Keras evaluates the schedule wherever an update needs the rate (the
    update itself, AdamW's decoupled weight decay on PyTorch) through
    `BaseOptimizer._get_current_learning_rate`. Inside
    `step_learning_rate(optimizer, lr)` that returns `lr`, so a rate
    computed together with the momentum is not evaluated again. Outside
    it (callbacks reading `optimizer.learning_rate`), Keras' own. Private:
    overrides `BaseOptimizer._get_current_learning_rate()`. Checked: Keras
    3.11 - 3.15.
    """

    _step_lr = None

    def _get_current_learning_rate(self):
        if self._step_lr is not None:
            return self._step_lr
        return super()._get_current_learning_rate()


@contextlib.contextmanager
def step_learning_rate(optimizer, learning_rate):
    """Serves `learning_rate` to `optimizer`'s update (see above)."""
    optimizer._step_lr = learning_rate
    try:
        yield
    finally:
        optimizer._step_lr = None


# -- Which worker this process is ------------------------------------------
# The callbacks write shared files from one worker only (index 0). Each
# check looks only at a backend already in use: nothing here imports
# TensorFlow on JAX or PyTorch, or the reverse. Public APIs of each
# backend; backends differ in how a run names its workers.


def _jax_index() -> int:
    jax = sys.modules.get("jax")
    if jax is None:
        return 0
    # 0 unless `jax.distributed` (or `keras.distribution.initialize`) set
    # up several processes.
    return int(jax.process_index())


def _tensorflow_index() -> int:
    tf = sys.modules.get("tensorflow")
    if tf is not None and tf.distribute.has_strategy():
        strategy = tf.distribute.get_strategy()
        resolver = getattr(strategy, "cluster_resolver", None)
        task_type = getattr(resolver, "task_type", None)
        if task_type is not None:
            return _task_index(task_type, resolver.task_id or 0)
    # Outside the strategy's scope (callbacks run there), TF_CONFIG says.
    config = os.environ.get("TF_CONFIG")
    if not config:
        return 0
    try:
        task = json.loads(config).get("task") or {}
    except (ValueError, AttributeError):
        return 0
    return _task_index(task.get("type"), task.get("index") or 0)


def _task_index(task_type, task_id: int) -> int:
    # The chief (or worker 0 where there is no chief) writes.
    if task_type in (None, "chief"):
        return 0
    if task_type == "worker":
        return int(task_id) + (1 if _has_chief() else 0)
    return 1 + int(task_id)  # evaluators, parameter servers: not the chief


def _has_chief() -> bool:
    try:
        cluster = json.loads(os.environ.get("TF_CONFIG", "{}")).get("cluster")
    except ValueError:
        return False
    return bool(cluster and cluster.get("chief"))


def _torch_index() -> int:
    torch = sys.modules.get("torch")
    if torch is None:
        return 0
    distributed = getattr(torch, "distributed", None)
    if distributed is None or not distributed.is_available():
        return 0
    if not distributed.is_initialized():
        return 0
    return int(distributed.get_rank())


def worker_index() -> int:
    """This process's index among the workers; 0 on a single process."""
    backend = keras.backend.backend()
    if backend == "jax":
        return _jax_index()
    if backend == "tensorflow":
        return _tensorflow_index()
    if backend == "torch":
        return _torch_index()
    return 0


def is_chief() -> bool:
    """True on the worker that writes shared files (index 0)."""
    return worker_index() == 0


def all_gather(array: np.ndarray) -> list:
    """`array` from every process of a JAX multi-process run, else ours.

    (TensorFlow's and PyTorch's multi-worker runs are not gathered: each
    worker checks its own.) Public: `jax.experimental.multihost_utils`.
    """
    if keras.backend.backend() != "jax":
        return [array]
    import jax

    if jax.process_count() == 1:
        return [array]
    from jax.experimental import multihost_utils

    return list(np.asarray(multihost_utils.process_allgather(array)))


def refresh_compiled_variables(model):
    """Makes a changed non-model variable reach the compiled step.

    JAX compiles a variable that is not part of the model's state (a
    schedule's own) as a constant, so the step is traced again; the other
    backends read the variable at every step. Public:
    `Model.make_train_function(force=True)`. Checked: Keras 3.11 - 3.15.
    """
    if keras.backend.backend() == "jax":
        model.make_train_function(force=True)


def metrics_known_before_training() -> bool:
    """Whether a compiled model's metrics are built before the first step.

    On TensorFlow they are built at the first step (the compile config
    names them before); on JAX and PyTorch before `on_train_begin`.
    Checked: Keras 3.11 - 3.15.
    """
    return keras.backend.backend() != "tensorflow"
