import json
import os
import re
import subprocess
import sys

import pytest

from keras_clr import cli
from tests.helpers import ROOT
from tests.mnist_files import write_mnist

pytest.importorskip("matplotlib")


def run_cli(*args):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT)
    return subprocess.run(
        [sys.executable, "-m", "keras_clr.cli", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=900,
    )  # fmt: skip


def own_lines(stderr):
    """stderr without TensorFlow's native start-up log lines."""
    native = ("WARNING: All log messages before absl", "I0000 ", "W0000 ")
    return [
        line
        for line in stderr.strip().splitlines()
        if not line.startswith(native) and "rebuild TensorFlow" not in line
    ]


@pytest.fixture(scope="module")
def quick_demo(tmp_path_factory):
    data = tmp_path_factory.mktemp("mnist")
    write_mnist(data, n_train=400, n_test=100)
    out = tmp_path_factory.mktemp("demo") / "out"
    result = run_cli(
        "demo", "--quick", "--data-dir", str(data), "--output", str(out)
    )
    assert result.returncode == 0, result.stderr
    return out, result.stdout


def test_quick_demo_writes_report_results_and_plots(quick_demo):
    out, stdout = quick_demo
    assert sorted(os.listdir(out)) == [
        "lr.png", "report.md", "results.json", "val_accuracy.png",
        "val_loss.png",
    ]  # fmt: skip
    for png in ("lr.png", "val_accuracy.png", "val_loss.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (out / "report.md").read_text()
    assert report.startswith("# keras-clr demo")
    assert "## Findings" in report and "![Learning rate" in report
    assert "| configuration | batch | steps |" in stdout


def test_every_number_in_the_report_comes_from_a_run(quick_demo):
    out, _ = quick_demo
    results = json.loads((out / "results.json").read_text())
    report = (out / "report.md").read_text()
    assert results["epochs"] == 2 and results["seeds"] == 1
    assert len(results["configurations"]) == 7
    for c in results["configurations"].values():
        (run,) = c["runs"]
        history = run["history"]
        assert len(history["val_accuracy"]) == 2
        assert run["final_val_accuracy"] == history["val_accuracy"][-1]
        assert run["best_val_accuracy"] == max(history["val_accuracy"])
        assert run["steps"] == 2 * -(-400 // c["batch"])
        assert run["time_s"] > 0
        s = c["summary"]
        assert s["final_val_accuracy"]["mean"] == run["final_val_accuracy"]
        row = next(line for line in report.splitlines() if c["label"] in line)
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[1] == str(c["batch"]) and cells[2] == str(run["steps"])
        assert cells[3] == f"{run['time_s']:.2f} ± 0.00"
        assert cells[4] == f"{run['final_val_accuracy']:.4f} ± 0.0000"
        assert cells[5] == f"{run['best_val_accuracy']:.4f} ± 0.0000"
        if c["lr"][0] != "constant":
            assert len(run["lr"]) == run["steps"]
    article = next(
        line for line in report.splitlines() if "article: constant" in line
    )
    assert article.rstrip(" |").endswith("30.2 s, 0.7598")


@pytest.mark.parametrize(
    "args, message",
    [
        (["dance"], "invalid choice: 'dance'"),
        (["demo", "--epochs", "0"], "must be > 0, got 0"),
        (["demo", "--seeds", "-2"], "must be > 0, got -2"),
        (["demo", "--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["plot", "--step-size", "x"], "not an integer: 'x'"),
    ],
)
def test_bad_usage_exits_2_with_one_line(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert message in err


def test_data_dir_without_files_leaves_nothing_behind(tmp_path, capsys):
    out = tmp_path / "out"
    code = cli.main(
        ["demo", "--data-dir", str(tmp_path / "empty"), "--output", str(out)]
    )
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert re.search(r"MNIST data directory not found", err)
    assert not out.exists()
    assert os.listdir(tmp_path) == []


def test_unwritable_output(tmp_path, capsys):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert cli.main(["demo", "--output", str(a_file)]) == 2
    assert "output directory is a file" in capsys.readouterr().err
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        assert cli.main(["demo", "--output", str(locked / "out")]) == 2


def test_plot_command(tmp_path, capsys):
    path = tmp_path / "s.png"
    args = ["plot", "--mode", "triangular2", "--steps", "500",
            "--step-size", "50", "--output", str(path)]  # fmt: skip
    assert cli.main(args) == 0
    assert path.read_bytes()[:4] == b"\x89PNG"
    bad = ["plot", "--base-lr", "0.1", "--max-lr", "0.01",
           "--output", str(tmp_path / "t.png")]  # fmt: skip
    assert cli.main(bad) == 2
    assert "Argument `max_lr` must be >= `base_lr`" in capsys.readouterr().err


def test_range_test_command(tmp_path):
    data = tmp_path / "mnist"
    write_mnist(data, n_train=300, n_test=50)
    out = tmp_path / "out" / "rt.png"
    result = run_cli(
        "range-test", "--data-dir", str(data), "--num-steps", "40",
        "--batch-size", "30", "--output", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "valley:" in result.stdout and "bounds (base_lr, max_lr)" in (
        result.stdout
    )
    assert out.read_bytes()[:4] == b"\x89PNG"
    saved = json.loads((tmp_path / "out" / "rt.json").read_text())
    assert 0 < len(saved["lrs"]) == len(saved["losses"]) <= 40
    missing = run_cli("range-test", "--data-dir", str(tmp_path / "none"))
    assert missing.returncode == 2
    assert len(own_lines(missing.stderr)) == 1


@pytest.mark.parametrize("command", [[], ["demo"], ["plot"], ["range-test"]])
def test_help(command):
    result = run_cli(*command, "--help")
    assert result.returncode == 0 and "usage: keras-clr" in result.stdout
