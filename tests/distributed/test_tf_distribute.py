"""tf.distribute: MirroredStrategy works; MultiWorkerMirroredStrategy and
`steps_per_execution > 1` under a strategy are broken upstream.

The upstream failures are strict xfails that only count when the worker
failed with the known error: the test then raises `KnownUpstreamFailure`,
the one exception its xfail accepts. A port clash, a timeout or any other
error fails the test, and so does a pass: the day Keras fixes the bug, the
strict xfail turns red and README's limits can be updated.
"""

import json

import numpy as np
import pytest

from tests.conftest import BACKEND
from tests.distributed import jobs
from tests.distributed import procs

pytestmark = pytest.mark.skipif(
    BACKEND != "tensorflow", reason="tf.distribute (tensorflow env)"
)

MWMS_ERROR = "Attempt to convert a value (PerReplica"
SPE_ERROR = "You must feed a value for placeholder tensor"


class KnownUpstreamFailure(Exception):
    """A worker failed with the upstream error its test expects."""


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory):
    out = tmp_path_factory.mktemp("mirrored")
    log = out / "mirrored.log"
    with procs.group() as started:
        args = ["-m", "tests.distributed.tf_worker", "mirrored", str(out)]
        started.append(procs.start(args, procs.worker_env("tensorflow"), log))
        (code,) = procs.wait(started, timeout=400)
    assert code == 0, procs.tail(log)
    with open(out / "mirrored.json") as f:
        return json.load(f)


@pytest.mark.parametrize("variant", ["mirrored", "mirrored_jit"])
@pytest.mark.parametrize("kind", jobs.KINDS)
def test_mirrored_strategy_matches_one_device(mirrored, kind, variant):
    assert mirrored["replicas"] == 2
    want = mirrored["jobs"][kind]["single"]
    got = mirrored["jobs"][kind][variant]
    assert len({round(s[1], 6) for s in want["steps"]}) > 3
    # Same per-step LR and momentum, exactly; weights within 1e-6.
    assert got["steps"] == want["steps"]
    for a, b in zip(got["weights"], want["weights"], strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6, rtol=0)


@pytest.mark.xfail(
    strict=True,
    raises=KnownUpstreamFailure,
    reason="Keras 3.15: fit under MirroredStrategy with steps_per_execution "
    "> 1 fails even with a float learning rate",
)
def test_mirrored_strategy_with_steps_per_execution(mirrored):
    error = mirrored["steps_per_execution_error"]
    if error is not None and SPE_ERROR in error:
        raise KnownUpstreamFailure(error.splitlines()[0])
    assert error is None, error


@pytest.mark.xfail(
    strict=True,
    raises=KnownUpstreamFailure,
    reason="keras-team/keras#20585: MultiWorkerMirroredStrategy fit raises "
    "'Attempt to convert a value (PerReplica...)' in Keras 3.15",
)
def test_multi_worker_mirrored_strategy_two_local_workers(tmp_path):
    ports = f"{procs.free_port()},{procs.free_port()}"
    env = procs.worker_env("tensorflow")
    logs = [tmp_path / f"worker_{i}.log" for i in range(2)]
    with procs.group() as started:
        for i, log in enumerate(logs):
            args = ["-m", "tests.distributed.tf_worker", "mwms"]
            args += [str(tmp_path), str(i), ports]
            started.append(procs.start(args, env, log))
        codes = procs.wait(started, timeout=300)
    outputs = [procs.tail(log, 400) for log in logs]
    if all(
        c != 0 and MWMS_ERROR in o for c, o in zip(codes, outputs, strict=True)
    ):
        raise KnownUpstreamFailure(MWMS_ERROR)
    assert codes == [0, 0], "\n".join(outputs)
    results = []
    for i in range(2):
        with open(tmp_path / f"worker_{i}.json") as f:
            results.append(json.load(f))
    # Once it works: both workers applied the same LR and momentum each
    # step, the schedule's own, and hold the same weights.
    model, _ = jobs.build("clr_momentum")
    schedule = model.optimizer._learning_rate
    assert results[0]["replicas"] == 2
    assert results[0]["steps"] == results[1]["steps"]
    lrs = [float(schedule(s[0])) for s in results[0]["steps"]]
    np.testing.assert_allclose([s[1] for s in results[0]["steps"]], lrs)
    for a, b in zip(results[0]["weights"], results[1]["weights"], strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6, rtol=0)
