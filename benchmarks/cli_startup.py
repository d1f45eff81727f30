"""Start-up time of `keras-clr --help` and of a usage error vs `import keras`.

Each repetition runs, in a fresh Python process and in an order that
alternates between repetitions: `keras-clr --help`, a usage error
(`keras-clr demo --epochs 0`), `python -c "import keras"` (with its
backend) and `keras-clr --help` again. Each row prints the median over
repetitions of the per-repetition ratio of wall times, measured side by
side; the A/A row (`--help` against itself) shows how far noise alone
moves a ratio. Target: both keras-clr rows under 0.25.

    python benchmarks/cli_startup.py [--reps 9]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = [sys.executable, "-m", "keras_clr_cli"]
COMMANDS = {
    "help": [*CLI, "--help"],
    "usage_error": [*CLI, "demo", "--epochs", "0"],
    "import_keras": [sys.executable, "-c", "import keras"],
    "help_again": [*CLI, "--help"],
}


def timed(command, env):
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if command[-1] != "import keras":
        # keras-clr's own words only: no TensorFlow lines on stderr.
        own = result.stdout + result.stderr
        assert own.startswith(("usage: keras-clr", "keras-clr demo: error")), (
            own
        )
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=9)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=REPO)
    env.setdefault("KERAS_BACKEND", "tensorflow")
    times = {name: [] for name in COMMANDS}
    for rep in range(args.reps):
        order = list(COMMANDS) if rep % 2 == 0 else list(COMMANDS)[::-1]
        for name in order:
            times[name].append(timed(COMMANDS[name], env))
    keras_times = times["import_keras"]

    def ratio(name, reference):
        return statistics.median(
            a / b for a, b in zip(times[name], reference, strict=True)
        )

    backend = env["KERAS_BACKEND"]
    python = sys.version.split()[0]
    print(f"{args.reps} interleaved repetitions, {backend}, Python {python}")
    print(f"{'row':44} {'median s':>9} {'ratio':>7}")
    rows = [
        ("keras-clr --help / import keras", "help", keras_times),
        (
            "keras-clr demo --epochs 0 / import keras",
            "usage_error",
            keras_times,
        ),
        ("import keras (the reference)", "import_keras", keras_times),
        ("A/A: keras-clr --help / itself (noise)", "help_again", times["help"]),
    ]
    for label, name, reference in rows:
        print(
            f"{label:44} {statistics.median(times[name]):9.3f} "
            f"{ratio(name, reference):7.3f}"
        )


if __name__ == "__main__":
    main()
