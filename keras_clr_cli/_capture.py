"""Keeps TensorFlow's native log lines out of the terminal, not lost.

TensorFlow writes its start-up lines (oneDNN, CUDA, CPU features) from C++
straight to file descriptor 2, whatever `TF_CPP_MIN_LOG_LEVEL` says in
recent versions. While a command works, descriptor 2 points at a temporary
log file; keras-clr's own messages go to the terminal it saved. The log is
deleted after a success and kept, and named, after a failure.
"""

import os
import sys
import tempfile
import traceback


class CapturedStderr:
    """Redirects descriptor 2 to a temporary log file while active."""

    def __init__(self):
        self.path = None
        self._saved = None

    def __enter__(self):
        sys.stderr.flush()
        fd, self.path = tempfile.mkstemp(prefix="keras-clr-", suffix=".log")
        self._saved = os.dup(2)
        os.dup2(fd, 2)
        os.close(fd)
        return self

    def record_exception(self):
        """Appends the traceback being handled to the log."""
        sys.stderr.flush()
        with open(self.path, "a") as f:
            traceback.print_exc(file=f)

    def __exit__(self, *exc_info):
        sys.stderr.flush()
        os.dup2(self._saved, 2)
        os.close(self._saved)
        self._saved = None
        return False

    def discard(self):
        if self.path:
            try:
                os.remove(self.path)
            except OSError:
                pass
            self.path = None

    def tail(self, lines=20):
        """The last lines of the log (to show with an error)."""
        try:
            with open(self.path, errors="replace") as f:
                return f.read().splitlines()[-lines:]
        except OSError:
            return []
