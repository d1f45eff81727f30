"""The `keras-clr` command."""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


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


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def build_parser():
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
        "seeds; prints a table and writes report.md, results.json and plots.",
    )
    demo.add_argument(
        "--data-dir",
        help="directory with the four MNIST IDX files (default: the "
        "KERAS_CLR_MNIST_DIR environment variable, else "
        "tensorflow-datasets)",
    )
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
        default="clr-demo",
        help="output directory (default ./clr-demo)",
    )
    demo.add_argument(
        "--quick",
        action="store_true",
        help="a small fast variant for smoke tests: 5,000 training and "
        "1,000 test images",
    )

    plot = commands.add_parser(
        "plot",
        help="render a cyclical schedule to PNG",
        description="Renders a CyclicalLearningRate to a PNG file.",
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
    plot.add_argument("--steps", type=_positive_int, default=12000)
    plot.add_argument("--output", default="schedule.png")
    test = commands.add_parser(
        "range-test",
        help="run the LR range test on the article's model",
        description="Runs Smith's LR range test on the article's network "
        "(dense 100-50-10, Adam) on MNIST, prints the suggested learning "
        "rates and bounds, and writes the curve (PNG) and the result (JSON).",
    )
    test.add_argument("--data-dir", help="directory with the MNIST IDX files")
    test.add_argument(
        "--activation", default="relu", choices=["relu", "softmax"]
    )
    test.add_argument("--batch-size", type=_positive_int, default=100)
    test.add_argument("--num-steps", type=_positive_int, default=300)
    test.add_argument("--start-lr", type=_positive_float, default=1e-7)
    test.add_argument("--end-lr", type=_positive_float, default=10.0)
    test.add_argument(
        "--output",
        default="range_test.png",
        help="PNG of the curve; the result goes to the same name .json",
    )
    return parser


def _fail(message):
    print(f"keras-clr: error: {message}", file=sys.stderr)
    return 2


def _check_writable_dir(path):
    path = os.path.abspath(path)
    if os.path.exists(path) and not os.path.isdir(path):
        return f"output directory is a file: {path}"
    parent = path if os.path.isdir(path) else os.path.dirname(path)
    while parent and not os.path.isdir(parent):
        parent = os.path.dirname(parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"output directory is not writable: {path}"
    return None


def _save_figure(draw, args):
    """Draws off-screen with `draw()` and writes the PNG to `--output`."""
    import matplotlib

    matplotlib.use("Agg")
    ax = draw()
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    ax.figure.savefig(args.output, dpi=80)
    print(args.output)


def demo(args):
    from keras_clr import datasets

    problem = _check_writable_dir(args.output)
    if problem:
        return _fail(problem)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return _fail("the demo's plots need matplotlib: pip install "
                     "'keras-clr[plot]'")  # fmt: skip
    try:
        data = datasets.load_mnist(args.data_dir)
    except datasets.DataError as error:
        return _fail(str(error))
    epochs = args.epochs or (2 if args.quick else 15)
    seeds = args.seeds or (1 if args.quick else 3)
    if args.quick:
        (x_train, y_train), (x_test, y_test) = data
        data = (x_train[:5000], y_train[:5000]), (x_test[:1000], y_test[:1000])
    from keras_clr import demo as demo_lib

    demo_lib.run_demo(data, epochs=epochs, seeds=seeds, output=args.output)
    print(f"report: {os.path.join(args.output, 'report.md')}")
    return 0


def plot(args):
    import keras_clr

    problem = _check_writable_dir(os.path.dirname(args.output) or ".")
    if problem:
        return _fail(problem)
    try:
        schedule = keras_clr.CyclicalLearningRate(
            base_lr=args.base_lr,
            max_lr=args.max_lr,
            step_size=args.step_size,
            step_size_down=args.step_size_down,
            mode=args.mode,
            gamma=args.gamma,
        )
    except ValueError as error:
        return _fail(str(error))
    _save_figure(lambda: keras_clr.plot_schedule(schedule, args.steps), args)
    return 0


def range_test(args):
    from keras_clr import datasets
    from keras_clr import demo as demo_lib

    problem = _check_writable_dir(os.path.dirname(args.output) or ".")
    if problem:
        return _fail(problem)
    try:
        data = demo_lib.prepare(datasets.load_mnist(args.data_dir))
        result = demo_lib.range_test(
            data, args.activation, args.batch_size, seed=0,
            num_steps=args.num_steps, start_lr=args.start_lr,
            end_lr=args.end_lr, verbose="auto",
        )  # fmt: skip
    except ValueError as error:  # bad data or arguments: one line
        return _fail(str(error))
    for rule, lr in result.suggestions.items():
        print(f"{rule:>16}: {lr:.3g}")
    if result.stopped_early:
        print(f"stopped early: {result.stopped_early}")
    try:
        base_lr, max_lr = result.suggest_bounds()
        print(f"bounds (base_lr, max_lr): ({base_lr:.3g}, {max_lr:.3g})")
    except ValueError as error:
        print(error)

    def draw():
        ax = result.plot()
        ax.set_title(f"LR range test: {args.activation} MLP on MNIST")
        return ax

    _save_figure(draw, args)
    result.save(os.path.splitext(args.output)[0] + ".json")
    return 0


def main(argv=None):
    args = build_parser().parse_args(argv)
    commands = {"demo": demo, "plot": plot, "range-test": range_test}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
