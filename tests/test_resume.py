"""Resume proven identical: N steps, save, load in a fresh process, M more
steps give the per-step LR (and momentum) and the weights of N + M steps
without the interruption."""

import numpy as np
import pytest

from tests import resume_job
from tests.helpers import run_fresh

N, M = 13, 17  # stop mid-cycle; continue past a cycle's end / the end


@pytest.mark.parametrize(
    "kind", ["clr", "clr_momentum", "one_cycle", "one_cycle_momentum"]
)
def test_resume_in_a_fresh_process_is_identical(kind, tmp_path):
    whole, whole_weights = resume_job.train(resume_job.build(kind), 0, N + M)

    model = resume_job.build(kind)
    first, _ = resume_job.train(model, 0, N)
    path = str(tmp_path / "model.keras")
    model.save(path)
    rest = run_fresh(
        f"""
        import json
        import keras
        import keras_clr
        from tests import resume_job

        model = keras.models.load_model({path!r})
        steps, weights = resume_job.train(model, {N}, {M})
        print(json.dumps(dict(steps=steps, weights=weights)))
        """
    )
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
