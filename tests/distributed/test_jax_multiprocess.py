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

import glob
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


def event_files(log_dir):
    """{pid of the writer: {step: learning rate}} of each event file."""
    files = {}
    for path in sorted(glob.glob(os.path.join(log_dir, "events.out.*"))):
        # events.out.tfevents.<time>.<host>.<pid>.<counter>.v2
        pid = int(os.path.basename(path).split(".")[-3])
        assert pid not in files
        files[pid] = read_scalars_file(path)
    return files


def read_scalars_file(path):
    from tensorboard.backend.event_processing import event_file_loader

    values = {}
    for event in event_file_loader.EventFileLoader(path).Load():
        for value in event.summary.value:
            tensor = value.tensor
            number = tensor.float_val[0] if tensor.float_val else None
            if number is None:
                number = float(np.frombuffer(tensor.tensor_content, "<f4")[0])
            values.setdefault(value.tag, {})[event.step] = number
    return values


def test_event_files_from_the_chief_only_by_default(workers):
    out, results = workers
    pids = [r["pid"] for r in results]
    applied = [s[1] for s in results[0]["logging"]["steps"]]
    steps = list(range(1, jax_worker.STEPS + 1))
    for folder, tag in (
        ("cyclic_lr", "learning_rate"),
        ("logger", "learning_rate"),
    ):
        files = event_files(out / folder)
        assert list(files) == [pids[0]], folder  # one file, process 0's
        scalars = files[pids[0]][tag]
        assert sorted(scalars) == steps
        np.testing.assert_allclose(
            [scalars[s] for s in steps], applied, rtol=1e-6
        )


def test_event_files_from_every_worker_with_the_switch(workers):
    out, results = workers
    files = event_files(out / "every_worker")
    assert sorted(files) == sorted(r["pid"] for r in results)
    for result in results:
        scalars = files[result["pid"]]["lr_every_worker"]
        applied = [s[1] for s in result["logging"]["steps"]]
        assert sorted(scalars) == list(range(1, jax_worker.STEPS + 1))
        np.testing.assert_allclose(
            [scalars[s] for s in sorted(scalars)], applied, rtol=1e-6
        )


def test_every_worker_history_holds_the_lr_it_applied(workers):
    _, results = workers
    for result in results:
        steps = result["logging"]["steps"]
        assert len({round(s[1], 6) for s in steps}) > 3
        for history in result["logging"]["histories"]:
            assert history["iterations"] == [s[0] + 1 for s in steps]
            np.testing.assert_allclose(
                history["lr"], [s[1] for s in steps], rtol=1e-7
            )


def test_processes_with_different_schedules_are_refused(workers):
    # Without the guard each process would apply its own LR to its copy of
    # the weights, silently; ScheduleGuard refuses before the first step.
    _, results = workers
    for i, result in enumerate(results):
        error = result["disagree"].get("error")
        assert error is not None, result["disagree"]
        assert "do not build the same learning rate schedule" in error
        assert f"processes [{1 - i}] differ from process {i}" in error
