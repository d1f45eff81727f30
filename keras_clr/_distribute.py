"""Which worker of a multi-worker or multi-process run this process is.

Used by the callbacks to write TensorBoard event files from one worker only
(the chief, index 0). Each check looks only at a backend that is already in
use: nothing here imports TensorFlow on JAX or PyTorch, or the reverse.
"""

import json
import os
import sys

import keras


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
