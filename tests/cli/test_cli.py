"""The keras-clr command: arguments, extras, outputs, faults, progress.

Almost everything runs in-process through `keras_clr_cli.main`; the demo's
training is replaced by hand-made results where only the writing is under
test. Two fresh processes (batched): the real quick demo as a user runs
it, and the front's imports.
"""

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap

import pytest

import keras_clr
import keras_clr_cli
from keras_clr_cli import _output
from keras_clr_cli import commands
from keras_clr_cli.demo import experiment
from keras_clr_cli.demo import report
from tests.demo_results import hand_results
from tests.helpers import ROOT
from tests.mnist_files import write_mnist

pytest.importorskip("matplotlib")

REPORT_FILES = sorted(report.FILES)


def one_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def hidden(directory):
    return [n for n in os.listdir(directory) if n.startswith(".keras-clr-")]


@pytest.fixture(scope="module")
def mnist_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("mnist")
    write_mnist(data, n_train=300, n_test=60)
    return str(data)


@pytest.fixture
def fake_training(monkeypatch):
    """Replaces the demo's training with hand-made results; counts calls."""
    calls = []

    def run_demo(data, epochs, seeds, progress=None):
        calls.append((epochs, seeds))
        results = hand_results()
        results["findings"] = report.findings(results)
        return results

    monkeypatch.setattr(experiment, "run_demo", run_demo)
    return calls


def demo(mnist_dir, out):
    return keras_clr_cli.main(
        ["demo", "--quick", "--data-dir", mnist_dir, "--output", str(out)]
    )


# --- arguments ----------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["demo"], ["plot"], ["range-test"]])
def test_help_in_process(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        keras_clr_cli.main([*command, "--help"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("usage: keras-clr")


@pytest.mark.parametrize(
    "args, message",
    [
        (["dance"], "invalid choice: 'dance'"),
        (["demo", "--epochs", "0"], "must be > 0, got 0"),
        (["demo", "--seeds", "-2"], "must be > 0, got -2"),
        (["demo", "--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["demo", "--source", "web"], "invalid choice: 'web'"),
        (["demo", "--output", ""], "--output: must not be empty"),
        (
            ["demo", "--data-dir", "d", "--source", "tfds"],
            "--data-dir: reads local files, but --source tfds downloads",
        ),
        (
            ["range-test", "--data-dir", "d", "--source", "keras"],
            "--source keras downloads",
        ),
        (["plot", "--step-size", "x"], "not an integer: 'x'"),
        (
            ["plot", "--steps", "100000000000"],
            "--steps: must be <= 1,000,000, got 100,000,000,000",
        ),
        (["plot", "--output", "p.xyz"], "unsupported image format .xyz"),
        (["plot", "--output", "schedule"], "format (no extension)"),
        (["range-test", "--output", "curve.doc"], "unsupported image format"),
    ],
)
def test_bad_usage_exits_2_with_one_line(
    args, message, capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        keras_clr_cli.main(args)
    assert exit_info.value.code == 2
    assert message in one_line(capsys.readouterr().err)
    assert os.listdir(tmp_path) == []


def test_image_formats_are_the_ones_matplotlib_writes():
    from matplotlib.figure import Figure

    supported = Figure().canvas.get_supported_filetypes()
    assert set(keras_clr_cli.IMAGE_FORMATS) <= set(supported)
    # What every matplotlib >= 3.7 writes (3.11 adds avif and gif).
    assert len(keras_clr_cli.IMAGE_FORMATS) == 14


@pytest.mark.parametrize(
    "args, module, fix",
    [
        (["plot"], "matplotlib", "keras-clr[plot]"),
        (["range-test"], "matplotlib", "keras-clr[plot]"),
        (["demo"], "matplotlib", "keras-clr[plot]"),
        (
            ["demo", "--source", "tfds"],
            "tensorflow_datasets",
            "keras-clr[tfds]",
        ),
        (
            ["demo", "--source", "tfds"],
            "importlib_resources",
            "keras-clr[tfds]",
        ),
    ],
)
def test_missing_extras_fail_before_any_work(
    args, module, fix, monkeypatch, capsys, tmp_path, fake_training
):
    real = keras_clr_cli.importlib.util.find_spec
    monkeypatch.setattr(
        keras_clr_cli.importlib.util,
        "find_spec",
        lambda name, *a: None if name == module else real(name, *a),
    )
    monkeypatch.chdir(tmp_path)
    assert keras_clr_cli.main(args) == 2
    assert fix in one_line(capsys.readouterr().err)
    assert os.listdir(tmp_path) == [] and fake_training == []


# --- the demo's output ----------------------------------------------------


def test_demo_creates_missing_parents_and_publishes_the_set(
    mnist_dir, tmp_path, fake_training, capsys
):
    out = tmp_path / "new" / "parent" / "out"
    assert demo(mnist_dir, out) == 0
    assert sorted(os.listdir(out)) == sorted([*REPORT_FILES, _output.MANIFEST])
    assert json.loads((out / "results.json").read_text())["seeds"] == 3
    for png in ("lr.png", "val_accuracy.png", "val_loss.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "(4.0x faster" in (out / "report.md").read_text()
    stdout = capsys.readouterr().out
    assert "| configuration | batch | steps |" in stdout
    assert f"report: {out / 'report.md'}" in stdout


def test_an_earlier_report_is_replaced_as_a_set_other_files_kept(
    mnist_dir, tmp_path, fake_training
):
    out = tmp_path / "out"
    out.mkdir()
    for name in REPORT_FILES:
        (out / name).write_text("old")
    (out / "notes.txt").write_text("mine")
    # An earlier report that owned a file this one does not write.
    (out / "old_plot.png").write_text("old")
    (out / _output.MANIFEST).write_text(
        json.dumps({"files": [*REPORT_FILES, "old_plot.png"]})
    )
    assert demo(mnist_dir, out) == 0
    assert (out / "notes.txt").read_text() == "mine"
    assert not (out / "old_plot.png").exists()
    for name in REPORT_FILES:
        assert (out / name).read_bytes() != b"old"
    assert hidden(out) == [_output.MANIFEST]


@pytest.mark.parametrize("kind", ["file", "parent_file"])
def test_a_file_in_the_way_is_refused_before_training(
    kind, mnist_dir, tmp_path, fake_training, capsys
):
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    out = blocker if kind == "file" else blocker / "out"
    assert demo(mnist_dir, out) == 2
    assert str(blocker) in one_line(capsys.readouterr().err)
    assert blocker.read_text() == "keep me" and fake_training == []


def raising(code, when=lambda *args: True, real=None):
    def fail(*args, **kwargs):
        if when(*args):
            raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)

    return fail


@pytest.mark.parametrize(
    "target, code",
    [
        ("fsync", errno.ENOSPC),  # a full disk refuses the probe's data
        ("mkdir", errno.EROFS),  # a read-only file system
    ],
)
def test_unwritable_output_is_refused_before_training(
    target, code, mnist_dir, tmp_path, monkeypatch, fake_training, capsys
):
    out = tmp_path / "parent" / "out"
    monkeypatch.setattr(os, target, raising(code, real=getattr(os, target)))
    assert demo(mnist_dir, out) == 2
    monkeypatch.undo()
    message = one_line(capsys.readouterr().err)
    assert os.strerror(code) in message and str(out) in message
    assert fake_training == []
    assert os.listdir(tmp_path) == []  # the created parents are gone too


@pytest.mark.parametrize(
    "read_only, said, not_said",
    [
        (False, "has only 0 MiB free", "read-only"),
        (True, "read-only file system", "MiB"),
    ],
    ids=["full", "read_only"],
)
def test_no_room_is_refused_before_training_with_its_cause(
    read_only,
    said,
    not_said,
    mnist_dir,
    tmp_path,
    monkeypatch,
    fake_training,
    capsys,
):
    real = os.statvfs

    class Stats:  # no free blocks, as full and read-only systems report
        def __init__(self, path):
            stats = real(path)
            self.f_frsize, self.f_bavail = stats.f_frsize, 0
            self.f_flag = stats.f_flag | (os.ST_RDONLY if read_only else 0)

    monkeypatch.setattr(os, "statvfs", Stats)
    assert demo(mnist_dir, tmp_path / "out") == 2
    message = one_line(capsys.readouterr().err)
    assert said in message and not_said not in message
    assert fake_training == [] and os.listdir(tmp_path) == []


def test_cross_device_publish_keeps_both_sets(
    mnist_dir, tmp_path, monkeypatch, fake_training, capsys
):
    """EXDEV from the publishing renames: the new set stays staged."""
    out = tmp_path / "out"
    out.mkdir()
    for name in REPORT_FILES:
        (out / name).write_text("old")
    real = os.replace
    monkeypatch.setattr(
        os, "replace", raising(errno.EXDEV, lambda src, dst: _swap(src), real)
    )
    assert demo(mnist_dir, out) == 2
    monkeypatch.undo()
    message = one_line(capsys.readouterr().err)
    assert "Invalid cross-device link" in message
    stage = message.split("the complete new set is in ")[1].split(";")[0]
    assert sorted(os.listdir(stage)) == sorted(
        [*REPORT_FILES, _output.MANIFEST]
    )
    for name in REPORT_FILES:
        assert (out / name).read_text() == "old"
    assert not (out / _output.JOURNAL).exists()


def _swap(src):
    # The renames that swap a new file in come from the staging directory.
    return _output.STAGE_PREFIX in str(src) and (
        os.path.basename(src) == "report.md"
    )


@pytest.mark.parametrize("failing", ["results", "report"])
def test_a_full_disk_after_training_keeps_the_results(
    failing, mnist_dir, tmp_path, monkeypatch, fake_training, capsys
):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.md").write_text("old")
    if failing == "results":
        real = report.write_results
        calls = []

        def write_results(results, directory):
            calls.append(directory)
            if len(calls) == 1:  # the output's file system is full
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            real(results, directory)

        monkeypatch.setattr(report, "write_results", write_results)
    else:
        from keras_clr_cli.demo import figures

        monkeypatch.setattr(figures, "save", raising(errno.ENOSPC))
    assert demo(mnist_dir, out) == 2
    message = one_line(capsys.readouterr().err)
    assert "No space left on device" in message
    kept = message.split("kept in ")[1]
    assert json.loads(open(kept).read())["seeds"] == 3
    if failing == "results":  # kept in a temporary directory: tidy up
        shutil.rmtree(os.path.dirname(kept))
    assert (out / "report.md").read_text() == "old"


def test_a_crash_mid_swap_is_finished_by_the_next_run(
    mnist_dir, tmp_path, monkeypatch, fake_training, capsys
):
    out = tmp_path / "out"
    out.mkdir()
    for name in REPORT_FILES:
        (out / name).write_text("old")
    real = os.replace
    count = []

    def crash_after_four(src, dst):
        count.append(src)
        if len(count) == 5 + 4:  # 5 old files moved aside, 4 new moved in
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", crash_after_four)
    monkeypatch.setattr(_output, "_undo", lambda done: False)  # and undo
    assert demo(mnist_dir, out) == 2
    monkeypatch.undo()
    assert "mid-swap; run keras-clr again" in capsys.readouterr().err
    assert (out / _output.JOURNAL).exists()
    _output.recover(str(out))
    assert sorted(os.listdir(out)) == sorted([*REPORT_FILES, _output.MANIFEST])
    for name in REPORT_FILES:
        assert (out / name).read_bytes() != b"old"


def test_staging_left_by_a_killed_run_is_removed(
    mnist_dir, tmp_path, fake_training
):
    out = tmp_path / "out"
    out.mkdir()
    dead = 2**22 + 1  # above Linux's largest process id: never running
    stale = out / f"{_output.STAGE_PREFIX}{dead}-abc"
    stale.mkdir()
    (stale / "results.json").write_text("{}")
    mine = out / f"{_output.STAGE_PREFIX}{os.getpid()}-live"
    mine.mkdir()  # a live process's staging stays
    assert demo(mnist_dir, out) == 0
    assert not stale.exists() and mine.exists()


def test_signals_are_held_during_the_swap(
    mnist_dir, tmp_path, monkeypatch, fake_training, capsys
):
    out = tmp_path / "out"
    out.mkdir()
    for name in REPORT_FILES:
        (out / name).write_text("old")
    real = os.replace

    def replace(src, dst):
        if os.path.basename(src) == "report.md" and "stage" in src:
            os.kill(os.getpid(), signal.SIGTERM)
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    code = demo(mnist_dir, out)
    monkeypatch.undo()
    assert code == 143
    # The signal arrived after the swap: the new set, whole.
    for name in REPORT_FILES:
        assert (out / name).read_bytes() != b"old"
    assert hidden(out) == [_output.MANIFEST]


@pytest.mark.parametrize(
    "signum, code, word",
    [(signal.SIGINT, 130, "Ctrl-C"), (signal.SIGTERM, 143, "SIGTERM")],
)
def test_interrupt_during_training_leaves_nothing(
    signum, code, word, mnist_dir, tmp_path, monkeypatch, capsys
):
    def run_demo(*args, **kwargs):
        os.kill(os.getpid(), signum)

    monkeypatch.setattr(experiment, "run_demo", run_demo)
    out = tmp_path / "parent" / "out"
    assert demo(mnist_dir, out) == code
    assert f"interrupted ({word})" in one_line(capsys.readouterr().err)
    assert os.listdir(tmp_path) == []


def test_data_dir_without_files_leaves_nothing_behind(tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        keras_clr_cli.main(
            ["demo", "--data-dir", str(tmp_path / "none"), "--output", str(out)]
        )
    assert exit_info.value.code == 2
    message = one_line(capsys.readouterr().err)
    assert "--data-dir" in message and "is not a directory" in message
    assert os.listdir(tmp_path) == []


def test_a_bad_data_dir_is_refused_before_keras_is_imported(tmp_path):
    code = (
        "import sys, keras_clr_cli\n"
        "rc = keras_clr_cli.main(['demo', '--data-dir', sys.argv[1]])\n"
        "assert 'keras' not in sys.modules, 'Keras was imported'\n"
        "sys.exit(rc)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1
    assert "is not a directory" in run.stderr


def test_an_unexpected_error_names_the_log_with_native_lines(
    tmp_path, monkeypatch, capfd
):
    def broken(args, image):
        os.write(2, b"I0000 native start-up line\n")
        raise RuntimeError("CUDA_ERROR_OUT_OF_MEMORY\nmore detail")

    monkeypatch.setitem(commands.COMMANDS, "plot", broken)
    code = keras_clr_cli.main(["plot", "--output", str(tmp_path / "s.png")])
    assert code == 1
    message = one_line(capfd.readouterr().err)
    assert "RuntimeError: CUDA_ERROR_OUT_OF_MEMORY" in message
    log = message.split("are in ")[1].rstrip(")")
    text = open(log).read()
    os.remove(log)
    assert "I0000 native start-up line" in text and "Traceback" in text
    assert os.listdir(tmp_path) == []


# --- plot and range-test ------------------------------------------------


def test_plot_command(tmp_path, capsys):
    path = tmp_path / "s.png"
    args = [
        "plot",
        "--mode",
        "triangular2",
        "--steps",
        "500",
        "--step-size",
        "50",
        "--output",
        str(path),
    ]
    assert keras_clr_cli.main(args) == 0
    assert path.read_bytes()[:4] == b"\x89PNG"
    bad = [
        "plot",
        "--base-lr",
        "0.1",
        "--max-lr",
        "0.01",
        "--output",
        str(tmp_path / "t.png"),
    ]
    assert keras_clr_cli.main(bad) == 2
    err = one_line(capsys.readouterr().err)
    assert "Argument `max_lr` must be >= `base_lr`" in err
    assert sorted(os.listdir(tmp_path)) == ["s.png"]


def test_plot_draws_every_argument(tmp_path, monkeypatch):
    drawn = []
    monkeypatch.setattr(
        commands, "_save", lambda ax, path: drawn.append(ax.lines[0])
    )
    args = [
        "plot",
        "--base-lr",
        "0.25",
        "--max-lr",
        "1.25",
        "--step-size",
        "10",
        "--step-size-down",
        "30",
        "--mode",
        "exp_range",
        "--gamma",
        "0.5",
        "--steps",
        "81",
        "--output",
        str(tmp_path / "s.png"),
    ]
    assert keras_clr_cli.main(args) == 0
    steps, lrs = drawn[0].get_data()
    lr = dict(zip(steps.tolist(), lrs.tolist(), strict=True))
    # Hand values: up over 10 steps, down over 30, the height scaled by
    # 0.5**step in exp_range.
    assert lr[0] == pytest.approx(0.25)
    assert lr[10] == pytest.approx(0.25 + 1.0 * 0.5**10)
    assert lr[20] == pytest.approx(0.25 + 2 / 3 * 0.5**20)
    assert lr[31] == pytest.approx(0.25 + 0.3 * 0.5**31)
    assert lr[40] == pytest.approx(0.25)
    assert lr[45] == pytest.approx(0.25 + 0.5 * 0.5**45)


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_written_files_follow_the_umask(umask, tmp_path):
    previous = os.umask(umask)
    try:
        assert keras_clr_cli.main(["plot", "--output", str(tmp_path)]) == 0
    finally:
        os.umask(previous)
    mode = os.stat(tmp_path / "schedule.png").st_mode & 0o777
    assert mode == 0o666 & ~umask


def test_plot_into_an_existing_directory_and_other_formats(tmp_path):
    assert keras_clr_cli.main(["plot", "--output", str(tmp_path)]) == 0
    assert (tmp_path / "schedule.png").read_bytes()[:4] == b"\x89PNG"
    svg = tmp_path / "sub" / "s.svg"
    assert keras_clr_cli.main(["plot", "--output", str(svg)]) == 0
    assert b"<svg" in svg.read_bytes()[:500]
    assert sorted(os.listdir(tmp_path)) == ["schedule.png", "sub"]


def test_range_test_writes_json_then_image(mnist_dir, tmp_path, capsys):
    out = tmp_path / "out" / "rt.png"
    args = [
        "range-test",
        "--data-dir",
        mnist_dir,
        "--num-steps",
        "30",
        "--batch-size",
        "30",
        "--output",
        str(out),
    ]
    assert keras_clr_cli.main(args) == 0
    stdout = capsys.readouterr().out
    assert "valley" in stdout and "bounds (base_lr, max_lr)" in stdout
    assert out.read_bytes()[:4] == b"\x89PNG"
    saved = json.loads((tmp_path / "out" / "rt.json").read_text())
    assert 0 < len(saved["lrs"]) == len(saved["losses"]) <= 30
    assert "sweeps" not in saved  # one sweep: the 0.2.0 file


def test_range_test_repeats_prints_the_spread_and_saves_every_sweep(
    mnist_dir, tmp_path, capsys
):
    out = tmp_path / "rt.png"
    args = ["range-test", "--data-dir", mnist_dir, "--num-steps", "30"]
    args += ["--batch-size", "30", "--repeats", "3", "--output", str(out)]
    assert keras_clr_cli.main(args) == 0
    stdout = capsys.readouterr().out
    assert "3 sweeps" in stdout and "max/min" in stdout
    saved = json.loads((tmp_path / "rt.json").read_text())
    assert len(saved["sweeps"]) == 3
    loaded = keras_clr.LRRangeTestResult.load(str(tmp_path / "rt.json"))
    assert len(loaded.sweeps) == 3


def test_range_test_keeps_the_json_when_the_plot_fails(
    mnist_dir, tmp_path, monkeypatch, capsys
):
    import keras_clr

    def broken_plot(self, ax=None):
        raise RuntimeError("no display")

    monkeypatch.setattr(keras_clr.LRRangeTestResult, "plot", broken_plot)
    json_path = tmp_path / "results" / "r.json"
    args = [
        "range-test",
        "--data-dir",
        mnist_dir,
        "--num-steps",
        "20",
        "--batch-size",
        "30",
        "--output",
        str(tmp_path / "c.png"),
        "--output-json",
        str(json_path),
    ]
    assert keras_clr_cli.main(args) == 2
    message = one_line(capsys.readouterr().err)
    assert f"the result is saved in {json_path}" in message
    assert "no display" in message
    assert json.loads(json_path.read_text())["lrs"]
    assert sorted(os.listdir(tmp_path)) == ["results"]


# --- progress -------------------------------------------------------------


class _Stream:
    def __init__(self, tty):
        self.tty, self.text = tty, ""

    def isatty(self):
        return self.tty

    def write(self, text):
        self.text += text

    def flush(self):
        pass


@pytest.mark.parametrize("tty", [True, False])
def test_progress_line_per_run_or_plain_line_per_epoch(tty):
    stream = _Stream(tty)
    progress = commands.Progress(stream)
    (run,) = experiment.configurations(3, 6000)[:1]
    for seed in range(2):
        progress.start(run, seed, seed, 2, epochs=3)
        for epoch in range(3):
            progress.callback.on_epoch_end(epoch, {"val_accuracy": 0.5})
    lines = stream.text.split("\n")
    assert lines[-1] == ""
    if tty:
        assert len(lines) == 2 + 1  # one line per run, updated in place
        assert lines[0].count("\r\x1b[K") == 4  # starting + 3 epochs
    else:
        assert len(lines) == 6 + 1 and "\x1b" not in stream.text
    assert (
        "[2/2] article: constant LR 0.1, seed 1: epoch 3/3, val acc "
        in (lines[-2])
    )
    assert lines[-2].endswith("s elapsed, 0 s left")


# --- fresh processes, batched -----------------------------------------------


def test_fresh_front_imports_nothing_heavy():
    code = textwrap.dedent(
        """
        import contextlib, io, sys
        import keras_clr_cli
        for argv in (["--help"], ["demo", "--help"], ["demo", "--epochs", "0"]):
            with contextlib.redirect_stdout(io.StringIO()):
                with contextlib.redirect_stderr(io.StringIO()):
                    try:
                        keras_clr_cli.main(argv)
                    except SystemExit:
                        pass
        heavy = [m for m in ("keras", "tensorflow", "keras_clr", "numpy")
                 if m in sys.modules]
        print(heavy)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=ROOT),
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_quick_demo_as_a_user_runs_it(mnist_dir, tmp_path):
    """Not a terminal: plain lines per epoch, no ANSI, nothing on stderr."""
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the command sets its own
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_clr_cli",
            "demo",
            "--quick",
            "--data-dir",
            mnist_dir,
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "\x1b" not in result.stdout
    epoch_lines = [
        line for line in result.stdout.splitlines() if ": epoch " in line
    ]
    assert len(epoch_lines) == 7 * 2
    assert sorted(os.listdir(out)) == sorted([*REPORT_FILES, _output.MANIFEST])
    results = json.loads((out / "results.json").read_text())
    for c in results["configurations"].values():
        (run,) = c["runs"]
        assert len(run["history"]["val_accuracy"]) == 2
        assert run["steps"] == 2 * -(-300 // c["batch"])
        if c["lr"][0] != "constant":
            assert len(run["lr"]) == run["steps"]


def _without_times(value):
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if k != "time_s"}
    if isinstance(value, list):
        # The findings' wall-time line quotes the timings too.
        return [_without_times(v) for v in value if "Wall time" not in str(v)]
    return value


def test_the_same_seed_gives_the_same_results(tmp_path):
    """Two quick demos on the real MNIST: identical results.json apart from
    the timings (the article's LR 0.1 runs amplify any last-bit
    difference, which TensorFlow's threads made before)."""
    mnist_dir = os.path.join(ROOT, "data", "mnist")
    results = []
    for name in ("a", "b"):
        out = tmp_path / name
        result = subprocess.run(
            [sys.executable, "-m", "keras_clr_cli", "demo", "--quick"]
            + ["--data-dir", mnist_dir, "--output", str(out)],
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONPATH=ROOT),
            cwd=ROOT,
            timeout=900,
        )
        assert result.returncode == 0, result.stderr
        results.append(json.loads((out / "results.json").read_text()))
    assert results[0]["configurations"]  # something to compare
    assert _without_times(results[0]) == _without_times(results[1])
