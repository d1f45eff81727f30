"""Event files written by keras_clr, read back by TensorBoard's own reader."""

import os
import subprocess
import sys

import numpy as np
import pytest

from keras_clr.callbacks import _events
from tests.callbacks.conftest import read_descriptions
from tests.callbacks.conftest import read_events

pytest.importorskip("tensorboard")


def test_scalars_read_back_with_their_steps_and_description(tmp_path):
    rng = np.random.default_rng(0)
    steps = [1, 127, 128, 300, 2**31 + 5, 2**40]
    values = rng.random(len(steps)).astype(np.float32)
    writer = _events.EventWriter(str(tmp_path))
    writer.scalars("learning_rate", steps[:3], values[:3], "the description")
    writer.scalars("learning_rate", steps[3:], values[3:], "ignored later")
    writer.scalars("other", [0], [2.5])
    writer.close()
    found = read_events(str(tmp_path))
    assert found["learning_rate"] == dict(
        zip(steps, values.tolist(), strict=True)
    )
    assert found["other"] == {0: 2.5}
    assert read_descriptions(str(tmp_path))["learning_rate"] == (
        "the description"
    )


def test_writing_imports_no_tensorflow(tmp_path):
    pytest.importorskip("tensorflow")
    pytest.importorskip("jax")
    code = (
        "import sys\n"
        "from keras_clr.callbacks import _events\n"
        "w = _events.EventWriter(sys.argv[1]); w.scalars('a', [1], [0.5])\n"
        "w.close()\n"
        "assert 'tensorflow' not in sys.modules, 'TensorFlow was imported'\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "KERAS_BACKEND": "jax"},
    )
    assert run.returncode == 0, run.stderr
