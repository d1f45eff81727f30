"""The sdist and the wheel, built offline from a copy of the checkout.

Skipped where `build` is not installed; the `test` extra (and so tox)
installs it, with a setuptools new enough for the license metadata.
"""

import email
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

from tests.helpers import ROOT

pytest.importorskip("build")

IGNORED = shutil.ignore_patterns(
    ".git",
    ".tox",
    ".venv*",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "clr-demo",
    "out",
)


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    source = tmp_path_factory.mktemp("checkout") / "keras-clr"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return wheel, sdist


def test_wheel_holds_the_packages_license_and_entry_point(dists):
    wheel, _ = dists
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = email.message_from_string(z.read(info).decode())
        entry_points = z.read(
            info.replace("METADATA", "entry_points.txt")
        ).decode()
        license_text = z.read(
            info.replace("METADATA", "licenses/LICENSE")
        ).decode()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"keras_clr", "keras_clr_cli", info.split("/")[0]}
    for module in (
        "keras_clr/__init__.py",
        "keras_clr_cli/demo/report.py",
        "keras_clr/callbacks/cyclic_lr.py",
        "keras_clr_cli/__init__.py",
        "keras_clr_cli/_output.py",
    ):
        assert module in names
    assert not [n for n in names if "mnist" in n and n.endswith(".gz")]
    assert "keras-clr = keras_clr_cli:main" in entry_points
    assert metadata["License-Expression"] == "Apache-2.0"
    assert not [
        c for c in metadata.get_all("Classifier") if c.startswith("License")
    ]
    assert "Apache License" in license_text
    assert "Version 2.0, January 2004" in license_text
    assert "END OF TERMS AND CONDITIONS" in license_text


def test_sdist_ships_license_and_no_tests_or_data(dists):
    _, sdist = dists
    with tarfile.open(sdist) as t:
        names = [n.split("/", 1)[1] for n in t.getnames() if "/" in n]
    assert "LICENSE" in names and "README.md" in names
    assert "keras_clr_cli/__main__.py" in names
    for excluded in ("tests/", "data/", "benchmarks/", "docs/", ".ci/"):
        assert not [n for n in names if n.startswith(excluded)], excluded


def test_twine_check_strict(dists):
    pytest.importorskip("twine")
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, dists)],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, NO_COLOR="1"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2
