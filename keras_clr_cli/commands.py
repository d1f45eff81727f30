"""The work of the `keras-clr` command, after its arguments are checked.

`keras_clr_cli.main` parses and checks the arguments, the optional
dependencies and the output location without importing Keras, then calls
one of `COMMANDS` here with the parsed arguments and the prepared outputs.
"""

import os
import sys
import tempfile
import time
import warnings

import keras

import keras_clr
from keras_clr.range_test import SuggestionSpreadWarning
from keras_clr_cli import mnist
from keras_clr_cli.demo import figures

_ERASE_LINE = "\r\x1b[K"


class CommandError(ValueError):
    """Bad input found while working; reported in one line, exit code 2."""


class Progress:
    """One line per run on a terminal, one plain line per epoch otherwise.

    On a terminal the run's line is rewritten in place after every epoch
    and ends when the run does; elsewhere (a log file, CI) each epoch
    prints its own line, without terminal control codes.
    """

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        isatty = getattr(self.stream, "isatty", None)
        self.tty = bool(isatty and isatty())
        self.callback = _EpochCallback(self)

    def start(self, run, seed, index, total, epochs):
        self.title = f"[{index + 1}/{total}] {run.label}, seed {seed}"
        self.epochs = epochs
        self.started = time.perf_counter()
        if self.tty:
            self._write(f"{self.title}: starting", end="")

    def epoch_end(self, epoch, logs):
        done = epoch + 1
        elapsed = time.perf_counter() - self.started
        left = elapsed / done * (self.epochs - done)
        accuracy = logs.get("val_accuracy")
        text = (
            f"{self.title}: epoch {done}/{self.epochs}"
            + (f", val acc {accuracy:.4f}" if accuracy is not None else "")
            + f", {elapsed:.0f} s elapsed, {left:.0f} s left"
        )
        last = done == self.epochs
        self._write(text, end="\n" if last or not self.tty else "")

    def _write(self, text, end):
        prefix = _ERASE_LINE if self.tty else ""
        self.stream.write(prefix + text + end)
        self.stream.flush()


class _EpochCallback(keras.callbacks.Callback):
    def __init__(self, progress):
        super().__init__()
        self.progress = progress

    def on_epoch_end(self, epoch, logs=None):
        self.progress.epoch_end(epoch, logs or {})


def _load(args):
    try:
        return mnist.load_mnist(args.data_dir, source=args.source)
    except ValueError as error:
        raise CommandError(str(error)) from error


def demo(args, output):
    """`keras-clr demo`: trains every run, then publishes the report."""
    from keras_clr_cli.demo import experiment
    from keras_clr_cli.demo import report

    data = _load(args)
    epochs = args.epochs or (2 if args.quick else 15)
    seeds = args.seeds or (1 if args.quick else 3)
    if args.quick:
        (x_train, y_train), (x_test, y_test) = data
        data = (x_train[:5000], y_train[:5000]), (x_test[:1000], y_test[:1000])
    results = experiment.run_demo(data, epochs, seeds, progress=Progress())
    try:
        report.write_results(results, output.stage)
    except OSError as error:
        kept = _keep_results(results, report)
        raise CommandError(
            f"could not write the results in {output.path} "
            f"({error.strerror or error}); they are kept in {kept}"
        ) from error
    try:
        report.write_report(results, output.stage)
    except OSError as error:
        output.keep_stage = True
        raise CommandError(
            f"could not write the report in {output.path} "
            f"({error.strerror or error}); the results are kept in "
            f"{os.path.join(output.stage, 'results.json')}"
        ) from error
    output.publish(report.FILES)
    print(report.table(results))
    print(f"report: {os.path.join(output.path, 'report.md')}")


def _keep_results(results, report):
    """Writes the results where there is room; returns where."""
    directory = tempfile.mkdtemp(prefix="keras-clr-results-")
    try:
        report.write_results(results, directory)
    except OSError:
        return "no file: the temporary directory failed too"
    return os.path.join(directory, "results.json")


def _save(ax, path):
    figures.save(ax.figure, path)


def plot(args, image):
    """`keras-clr plot`: a `CyclicalLearningRate` drawn to an image."""
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
        raise CommandError(str(error)) from error
    image.write(
        lambda path: _save(keras_clr.plot_schedule(schedule, args.steps), path)
    )
    print(image.path)


def range_test(args, image, result_json):
    """`keras-clr range-test`: the result as JSON first, then the plot."""
    from keras_clr_cli.demo import experiment

    data = experiment.prepare(_load(args))
    sweeps = f", {args.repeats} sweeps" if args.repeats > 1 else ""
    print(
        f"LR range test: {args.num_steps} steps from {args.start_lr:g} to "
        f"{args.end_lr:g}, batch {args.batch_size}{sweeps}",
        flush=True,
    )
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SuggestionSpreadWarning)
            result = experiment.range_test(
                data,
                args.activation,
                args.batch_size,
                seed=0,
                num_steps=args.num_steps,
                start_lr=args.start_lr,
                end_lr=args.end_lr,
                repeats=args.repeats,
            )
    except ValueError as error:  # bad data or arguments: one line
        raise CommandError(str(error)) from error
    print(result)
    for warning in caught:
        if issubclass(warning.category, SuggestionSpreadWarning):
            print(f"warning: {warning.message}")
    try:
        base_lr, max_lr = result.suggest_bounds()
        print(f"bounds (base_lr, max_lr): ({base_lr:.3g}, {max_lr:.3g})")
    except ValueError as error:
        print(error)
    result_json.write(result.save)
    print(result_json.path)

    def draw(path):
        ax = result.plot()
        ax.set_title(f"LR range test: {args.activation} MLP on MNIST")
        _save(ax, path)

    try:
        image.write(draw)
    except Exception as error:
        raise CommandError(
            f"the result is saved in {result_json.path}, but the plot "
            f"{image.path} failed: {type(error).__name__}: {error}"
        ) from error
    print(image.path)


COMMANDS = {"demo": demo, "plot": plot, "range-test": range_test}
