"""Real worker processes on 127.0.0.1, always cleaned up.

Every worker starts in a new session (its own process group), so a worker
and anything it spawned are killed together, in a `finally`, whatever
happens to the test: a failed assertion, a timeout or Ctrl-C.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

from tests.helpers import ROOT


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (bound to 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_env(backend, **extra):
    env = dict(
        os.environ,
        PYTHONPATH=ROOT,
        KERAS_BACKEND=backend,
        TF_CPP_MIN_LOG_LEVEL="3",
        # One thread each: the workers share the machine's cores.
        XLA_FLAGS="--xla_cpu_multi_thread_eigen=false",
        OMP_NUM_THREADS="1",
        PYTHONUNBUFFERED="1",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def start(args, env, log_path):
    """Starts `python args...` in its own process group, output to a file."""
    log = open(log_path, "wb")
    try:
        return subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        log.close()  # the child holds its own copy


def kill(process):
    """SIGKILL to the process group of `process` (if it still exists)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


class WorkerTimeout(RuntimeError):
    """Workers were still running at the deadline (and were killed)."""


@contextlib.contextmanager
def group():
    """Yields a list to append started processes to; kills them all after."""
    processes = []
    try:
        yield processes
    finally:
        for process in processes:
            kill(process)


def wait(processes, timeout):
    """Waits for all; returns their exit codes; WorkerTimeout at deadline."""
    deadline = time.monotonic() + timeout
    codes = []
    for process in processes:
        left = max(deadline - time.monotonic(), 0.1)
        try:
            codes.append(process.wait(timeout=left))
        except subprocess.TimeoutExpired:
            raise WorkerTimeout(
                f"worker {process.args} still running after {timeout} s"
            ) from None
    return codes


def tail(path, lines=40):
    with open(path, errors="replace") as f:
        return "".join(f.readlines()[-lines:])
