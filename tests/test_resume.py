"""Resume proven identical: N steps, save, load in a fresh process, M more
steps give the per-step LR (and momentum) and the weights of N + M steps
without the interruption.

One fresh process continues every case (a process start costs more than
the training it does)."""

import numpy as np
import pytest

from tests import resume_job
from tests.helpers import run_fresh

N, M = 13, 17  # stop mid-cycle; continue past a cycle's end / the end
KINDS = ["clr", "clr_momentum", "one_cycle", "one_cycle_momentum"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """{kind: (uninterrupted, first N steps, what the fresh process did)}."""
    folder = tmp_path_factory.mktemp("resume")
    whole, first, paths = {}, {}, {}
    for kind in KINDS:
        whole[kind] = resume_job.train(resume_job.build(kind), 0, N + M)
        model = resume_job.build(kind)
        first[kind], _ = resume_job.train(model, 0, N)
        paths[kind] = str(folder / f"{kind}.keras")
        model.save(paths[kind])
    rest = run_fresh(
        f"""
        import json
        import keras
        import keras_clr
        from tests import resume_job

        out = {{}}
        for kind, path in {paths!r}.items():
            model = keras.models.load_model(path)
            steps, weights = resume_job.train(model, {N}, {M})
            out[kind] = dict(steps=steps, weights=weights)
        print(json.dumps(out))
        """
    )
    return {kind: (whole[kind], first[kind], rest[kind]) for kind in KINDS}


@pytest.mark.parametrize("kind", KINDS)
def test_resume_in_a_fresh_process_is_identical(kind, runs):
    (whole, whole_weights), first, rest = runs[kind]
    resumed = first + rest["steps"]
    assert [s[0] for s in resumed] == list(range(N + M))
    np.testing.assert_allclose(
        [s[1] for s in resumed], [s[1] for s in whole], rtol=1e-7
    )
    if kind.endswith("momentum"):
        moms = [s[2] for s in whole]
        assert len(set(moms)) > 3  # it does cycle
        np.testing.assert_allclose([s[2] for s in resumed], moms, rtol=1e-7)
    for got, want in zip(rest["weights"], whole_weights, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-6)
