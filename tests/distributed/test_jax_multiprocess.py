"""Multi-process data parallel on JAX: two real processes on 127.0.0.1.

Each process has one CPU device; they join through
`keras.distribution.initialize` (gloo CPU collectives) and train under
`DataParallel` with `auto_shard_dataset = False`, each feeding its own half
of every global batch. Oracle: the same jobs in this (single) process on the
whole global batches. The LR and momentum every step applied must be the
same on both processes and equal to the single-process run; the weights
equal within 1e-6; and the model process 0 saved must load and continue
exactly as the single-process run continues.
"""

import json
import os

import keras
import numpy as np
import pytest

from tests.conftest import BACKEND
from tests.distributed import jax_worker
from tests.distributed import jobs
from tests.distributed import procs

pytestmark = pytest.mark.skipif(
    BACKEND != "jax", reason="JAX multi-process (runs in the jax env)"
)

PROCESSES = 2
RESUME = 6  # steps trained after loading process 0's model


def assert_same_steps(got, want):
    assert [s[0] for s in got] == [s[0] for s in want]
    np.testing.assert_allclose(
        [s[1] for s in got], [s[1] for s in want], rtol=1e-7
    )
    if want[0][2] is not None:
        np.testing.assert_allclose(
            [s[2] for s in got], [s[2] for s in want], rtol=1e-7
        )


def assert_close_weights(got, want):
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6, rtol=0)


@pytest.fixture(scope="module")
def workers(tmp_path_factory):
    """Runs the two worker processes once; their results and files."""
    out = tmp_path_factory.mktemp("jax_multiprocess")
    port = procs.free_port()
    env = procs.worker_env(
        "jax", JAX_COORDINATOR_BIND_ADDRESS=f"127.0.0.1:{port}"
    )
    with procs.group() as started:
        for i in range(PROCESSES):
            args = ["-m", "tests.distributed.jax_worker"]
            args += [str(i), str(PROCESSES), str(port), str(out)]
            started.append(procs.start(args, env, out / f"worker_{i}.log"))
        try:
            codes = procs.wait(started, timeout=150)
        except procs.WorkerTimeout:
            logs = [procs.tail(out / f"worker_{i}.log") for i in range(2)]
            raise procs.WorkerTimeout("\n".join(logs)) from None
    for i, code in enumerate(codes):
        assert code == 0, procs.tail(out / f"worker_{i}.log")
    results = []
    for i in range(PROCESSES):
        with open(out / f"process_{i}.json") as f:
            results.append(json.load(f))
    return out, results


def test_workers_form_one_group(workers):
    _, results = workers
    assert [r["process_index"] for r in results] == [0, 1]
    assert all(r["process_count"] == PROCESSES for r in results)
    assert all(r["devices"] == PROCESSES for r in results)


@pytest.fixture(scope="module")
def single_process():
    """The oracle: each job in this process on the whole global batches,
    `STEPS` steps, then `RESUME` more (a second `fit` continues exactly)."""
    runs = {}
    for kind in jobs.KINDS:
        model, callbacks = jobs.build(kind)
        first = jobs.train(model, callbacks, 0, jax_worker.STEPS)
        history = callbacks[0].history["lr"][:] if callbacks else None
        rest = jobs.train(model, callbacks, jax_worker.STEPS, RESUME)
        runs[kind] = dict(first=first, history_lr=history, rest=rest)
    return runs


@pytest.mark.parametrize("kind", jobs.KINDS)
def test_both_processes_match_a_single_process_run(
    workers, single_process, kind
):
    _, results = workers
    want_steps, want_weights = single_process[kind]["first"]
    assert len({round(s[1], 6) for s in want_steps}) > 3  # it does cycle
    for result in results:
        got = result["jobs"][kind]
        assert_same_steps(got["steps"], want_steps)
        assert_close_weights(got["weights"], want_weights)
        if kind == "cyclic_lr":
            # The callback's own history: the LRs its process applied.
            np.testing.assert_allclose(
                got["history_lr"], [s[1] for s in want_steps], rtol=1e-7
            )


@pytest.mark.parametrize("kind", jobs.KINDS)
def test_model_saved_by_process_0_resumes(workers, single_process, kind):
    out, _ = workers
    want_steps, want_weights = single_process[kind]["rest"]
    model = keras.models.load_model(os.path.join(out, f"{kind}.keras"))
    assert int(model.optimizer.iterations) == jax_worker.STEPS
    steps, weights = jobs.train(model, [], jax_worker.STEPS, RESUME)
    assert_same_steps(steps, want_steps)
    assert_close_weights(weights, want_weights)
