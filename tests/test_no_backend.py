"""`import keras_clr` with the configured backend missing: one clear line."""

import subprocess
import sys

import pytest

from tests.helpers import ROOT

CODE = """
import sys


class Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == {backend!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)


sys.meta_path.insert(0, Hide())
try:
    import keras_clr
except ImportError as error:
    print(str(error))
"""


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_a_missing_backend_names_the_extra(backend):
    run = subprocess.run(
        [sys.executable, "-c", CODE.format(backend=backend)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"KERAS_BACKEND": backend, "PATH": "/usr/bin:/bin"},
    )
    lines = run.stdout.splitlines()
    assert len(lines) == 1, run.stdout + run.stderr
    assert f"pip install 'keras-clr[{backend}]'" in lines[0]
