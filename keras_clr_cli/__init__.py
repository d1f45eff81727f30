"""The `keras-clr` command: arguments first, Keras only for real work.

The command, its demo (the article's experiment and report) and the MNIST
loading it needs live here, outside the library: `keras_clr` never
imports this package. Importing `keras_clr` imports Keras and its backend
(seconds, and TensorFlow's start-up lines), which `--help` and a usage
error must not pay for, so this module parses and checks every argument,
the optional dependencies and the output location first, and only then
imports `commands`, which does the work, with TensorFlow's log lines
captured (`_capture`) and the output published as a set (`_output`).
"""

import argparse
import gc
import importlib.util
import os
import signal
import sys

from keras_clr_cli import _output
from keras_clr_cli._capture import CapturedStderr
from keras_clr_cli._output import OutputDir
from keras_clr_cli._output import OutputError
from keras_clr_cli._output import OutputFile

SOURCES = ("auto", "idx", "keras", "tfds")
# The points a plot may draw: a schedule evaluated at a million steps is a
# 4 MB array and a readable PNG; far more only exhausts memory.
MAX_PLOT_STEPS = 1_000_000
# The formats every matplotlib >= 3.7 writes (tests compare with it).
IMAGE_FORMATS = (
    "eps",
    "jpeg",
    "jpg",
    "pdf",
    "pgf",
    "png",
    "ps",
    "raw",
    "rgba",
    "svg",
    "svgz",
    "tif",
    "tiff",
    "webp",
)
EXTRAS = {
    "matplotlib": "matplotlib (pip install 'keras-clr[plot]')",
    "tensorflow_datasets": "tensorflow-datasets (pip install "
    "'keras-clr[tfds]')",
    "importlib_resources": "importlib_resources, which tensorflow-datasets "
    "imports (pip install 'keras-clr[tfds]')",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # One clear line and exit code 2, not the usage block.
        self.exit(2, f"{self.prog}: error: {message}\n")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def _plot_steps(text):
    value = _positive_int(text)
    if value > MAX_PLOT_STEPS:
        raise argparse.ArgumentTypeError(
            f"must be <= {MAX_PLOT_STEPS:,}, got {value:,}"
        )
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def _path(text):
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def _add_data_arguments(parser):
    parser.add_argument(
        "--data-dir",
        type=_path,
        help="directory with the four MNIST IDX files, e.g. data/mnist of "
        "the repository (default: the KERAS_CLR_MNIST_DIR environment "
        "variable)",
    )
    parser.add_argument(
        "--source",
        choices=SOURCES,
        default="auto",
        help="where MNIST comes from: idx (the --data-dir files), keras "
        "(keras.datasets.mnist, cached in ~/.keras/datasets), tfds "
        "(tensorflow-datasets); auto (default): idx with a data "
        "directory, else keras, then tfds",
    )


def build_parser():
    """The argument parser of `keras-clr` (no Keras import)."""
    parser = _Parser(
        prog="keras-clr",
        description="Cyclical learning rates for Keras 3.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    demo = commands.add_parser(
        "demo",
        help="reproduce the original CLR-on-MNIST experiment, with controls",
        description="Trains the article's MLP on MNIST: constant LR with "
        "batch 100 against CyclicLR with batch 2000, plus controls (constant "
        "LR at CLR's base_lr, relu hidden layers, one-cycle), over several "
        "seeds; prints a table and writes report.md, results.json and plots "
        "into the output directory, all together when every run is done.",
    )
    _add_data_arguments(demo)
    demo.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        help="epochs per run (default 15; 2 with --quick)",
    )
    demo.add_argument(
        "--seeds",
        type=_positive_int,
        default=None,
        help="seeds per configuration (default 3; 1 with --quick)",
    )
    demo.add_argument(
        "--output",
        type=_path,
        default="clr-demo",
        help="output directory, created if missing; an earlier report in "
        "it is replaced as a set, other files are kept (default ./clr-demo)",
    )
    demo.add_argument(
        "--quick",
        action="store_true",
        help="a small fast variant for smoke tests: 5,000 training and "
        "1,000 test images",
    )

    plot = commands.add_parser(
        "plot",
        help="render a cyclical schedule to an image",
        description="Renders a CyclicalLearningRate to an image file.",
    )
    plot.add_argument(
        "--mode",
        default="triangular",
        choices=["triangular", "triangular2", "exp_range"],
    )
    plot.add_argument("--base-lr", type=float, default=0.001)
    plot.add_argument("--max-lr", type=float, default=0.006)
    plot.add_argument("--step-size", type=_positive_int, default=2000)
    plot.add_argument("--step-size-down", type=_positive_int, default=None)
    plot.add_argument("--gamma", type=_positive_float, default=1.0)
    plot.add_argument(
        "--steps",
        type=_plot_steps,
        default=12000,
        help=f"steps to draw, at most {MAX_PLOT_STEPS:,} (default 12000)",
    )
    plot.add_argument(
        "--output",
        type=_path,
        default="schedule.png",
        help="image file (.png, .pdf, .svg, ...); a directory gets "
        "schedule.png inside it",
    )

    test = commands.add_parser(
        "range-test",
        help="run the LR range test on the article's model",
        description="Runs Smith's LR range test on the article's network "
        "(dense 100-50-10, Adam) on MNIST, prints the suggested learning "
        "rates and bounds, and writes the result (JSON) and then the curve "
        "(image).",
    )
    _add_data_arguments(test)
    test.add_argument(
        "--activation", default="relu", choices=["relu", "softmax"]
    )
    test.add_argument("--batch-size", type=_positive_int, default=100)
    test.add_argument("--num-steps", type=_positive_int, default=300)
    test.add_argument("--start-lr", type=_positive_float, default=1e-7)
    test.add_argument("--end-lr", type=_positive_float, default=10.0)
    test.add_argument(
        "--repeats",
        type=_positive_int,
        default=1,
        help="sweeps from the same start, each with its own data order; the "
        "suggestions are their median, printed with their spread (default 1)",
    )
    test.add_argument(
        "--output",
        type=_path,
        default="range_test.png",
        help="image of the curve (.png, .pdf, .svg, ...); a directory gets "
        "range_test.png inside it",
    )
    test.add_argument(
        "--output-json",
        type=_path,
        default=None,
        help="the result as JSON (default: beside the image, same name "
        ".json); written before the image",
    )
    parser.commands = {"demo": demo, "plot": plot, "range-test": test}
    return parser


def _check_arguments(parser, args):
    """Checks that involve several arguments or the file system's names."""
    sub = parser.commands[args.command]
    if getattr(args, "data_dir", None) and args.source in ("keras", "tfds"):
        sub.error(
            f"argument --data-dir: reads local files, but --source "
            f"{args.source} downloads; give one or the other"
        )
    data_dir = getattr(args, "data_dir", None)
    if data_dir and not os.path.isdir(data_dir):
        sub.error(
            f"argument --data-dir: {data_dir!r} is not a directory; give "
            "the directory that holds the four MNIST IDX files"
        )
    if args.command in ("plot", "range-test") and not os.path.isdir(
        args.output
    ):
        ext = os.path.splitext(args.output)[1].lower().lstrip(".")
        if ext not in IMAGE_FORMATS:
            sub.error(
                f"argument --output: unsupported image format "
                f"{'.' + ext if ext else '(no extension)'} in "
                f"{args.output!r}; use one of "
                f"{', '.join('.' + f for f in IMAGE_FORMATS)}"
            )


def _missing_extras(args):
    """The first optional dependency the command needs and lacks."""
    needed = ["matplotlib"]
    if getattr(args, "source", None) == "tfds":
        needed += ["tensorflow_datasets", "importlib_resources"]
    for module in needed:
        if importlib.util.find_spec(module) is None:
            return f"keras-clr {args.command} needs {EXTRAS[module]}"
    return None


def _outputs(args):
    if args.command == "demo":
        return [OutputDir(args.output)]
    name = "schedule.png" if args.command == "plot" else "range_test.png"
    image = OutputFile(args.output, name)
    if args.command == "plot":
        return [image]
    json_path = args.output_json or os.path.splitext(image.path)[0] + ".json"
    return [image, OutputFile(json_path, "range_test.json", "--output-json")]


class _Terminated(BaseException):
    """SIGTERM, raised where the program is, so clean-up runs."""


def _on_signal(signum, frame):
    _output.deliver(
        _Terminated if signum == signal.SIGTERM else (KeyboardInterrupt)
    )


def _fail(message, code=2):
    print(f"keras-clr: error: {message}", file=sys.stderr)
    return code


def main(argv=None):
    """Runs `keras-clr` with `argv`; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _check_arguments(parser, args)
    missing = _missing_extras(args)
    if missing:
        return _fail(missing)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Only the command picks the backend: off-screen, files only.
    os.environ.setdefault("MPLBACKEND", "Agg")
    outputs = _outputs(args)
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[signum] = signal.signal(signum, _on_signal)
        except ValueError:  # not the main thread
            pass
    try:
        for output in outputs:
            output.prepare()
        return _run(args, outputs)
    except OutputError as error:
        return _fail(str(error))
    except (KeyboardInterrupt, _Terminated) as interrupt:
        what = "SIGTERM" if isinstance(interrupt, _Terminated) else "Ctrl-C"
        state = (
            "after the output was written"
            if any(output.published for output in outputs)
            else f"{args.output} was left as it was"
        )
        return _fail(
            f"interrupted ({what}); {state}",
            143 if what == "SIGTERM" else 130,
        )
    finally:
        for output in outputs:
            output.discard()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _run(args, outputs):
    capture = CapturedStderr()
    commands = None
    try:
        with capture:
            try:
                from keras_clr_cli import commands

                commands.COMMANDS[args.command](args, *outputs)
                # Finalize datasets and iterators now, not at exit.
                gc.collect()
            except Exception:
                capture.record_exception()
                raise
    except (KeyboardInterrupt, _Terminated, OutputError):
        capture.discard()
        raise
    except Exception as error:
        if commands is not None and isinstance(error, commands.CommandError):
            capture.discard()
            return _fail(str(error))
        return _fail(
            f"{type(error).__name__}: {_first_line(error)} (the traceback "
            f"and TensorFlow's log are in {capture.path})",
            1,
        )
    capture.discard()
    return 0


def _first_line(error):
    lines = str(error).strip().splitlines()
    return lines[0][:300] if lines else "(no message)"
