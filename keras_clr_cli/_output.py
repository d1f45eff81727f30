"""Where keras-clr writes: checked before any work, published as a set.

A directory output (the demo's report) is prepared before training: the
directory is created, its free space checked and a staging directory made
inside it, on its own filesystem, with a probe file written and synced.
The command writes its files into the staging directory. Publishing then
swaps the set: a journal naming the staged and the earlier files is
written atomically, the earlier report's files are moved aside, the new
ones moved in, the manifest (the list of the report's own files) replaced,
the journal removed. SIGINT and SIGTERM are held during these renames, so
they cannot split them; a crash between them (SIGKILL, power loss) leaves
the journal, and the next keras-clr run in that directory finishes the
swap before anything else. Files the report does not own are never
touched. If publishing fails, the renames done so far are undone and the
complete new set stays in its staging directory, whose path the error
names.

A file output (a plot, a range-test result) is written to a hidden
temporary file beside it and renamed over it.
"""

import contextlib
import json
import os
import shutil
import tempfile

JOURNAL = ".keras-clr-journal.json"
MANIFEST = ".keras-clr-manifest.json"
STAGE_PREFIX = ".keras-clr-stage-"
OLD_PREFIX = ".keras-clr-old-"
# The demo writes about 2 MB; refuse a disk that cannot hold several times.
MIN_FREE_BYTES = 20 * 2**20
_PROBE = b"keras-clr write probe\n" * 200


class OutputError(Exception):
    """The output cannot be written; the message says where and why."""


def _why(error):
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)


_held = {"depth": 0, "pending": None}


def deliver(exception_type):
    """For signal handlers: raises now, or when the held block ends.

    Blocking the signal itself would not do: TensorFlow's threads would
    take it, and Python runs its handler in the main thread anyway.
    """
    if _held["depth"]:
        _held["pending"] = _held["pending"] or exception_type
        return
    raise exception_type


@contextlib.contextmanager
def held_signals():
    """Defers SIGINT and SIGTERM (as `deliver` raises them) to the end."""
    _held["depth"] += 1
    try:
        yield
    finally:
        _held["depth"] -= 1
        pending = _held["pending"]
        if pending is not None and not _held["depth"]:
            _held["pending"] = None
            raise pending


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _make_parents(path):
    """Creates `path` and missing parents; returns the topmost created."""
    missing = None
    head = path
    while not os.path.exists(head):
        missing = head
        parent = os.path.dirname(head)
        if parent == head:
            break
        head = parent
    if os.path.exists(head) and not os.path.isdir(head):
        raise OutputError(f"a parent of the output is a file: {head}")
    os.makedirs(path, exist_ok=True)
    return missing


def _probe(directory):
    fd, probe = tempfile.mkstemp(prefix=".keras-clr-probe-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(_PROBE)
            f.flush()
            os.fsync(f.fileno())
    finally:
        with contextlib.suppress(OSError):
            os.remove(probe)


def _check_free(directory, label):
    try:
        stats = os.statvfs(directory)
    except (OSError, AttributeError):
        return
    if getattr(stats, "f_flag", 0) & getattr(os, "ST_RDONLY", 0):
        # Such a file system often reports no free space at all.
        raise OutputError(f"{label} is on a read-only file system: {directory}")
    free = stats.f_bavail * stats.f_frsize
    if free < MIN_FREE_BYTES:
        raise OutputError(
            f"{label} has only {free // 2**20} MiB free, keras-clr needs "
            f"{MIN_FREE_BYTES // 2**20} MiB: {directory}"
        )


class OutputDir:
    """A directory that receives a set of files, published together."""

    def __init__(self, path, label="--output"):
        self.path = os.path.abspath(path)
        self.label = label
        self.created = None
        self.stage = None
        self.keep_stage = False
        self.published = False

    def prepare(self):
        """Checks and creates everything before any work; OutputError."""
        if os.path.lexists(self.path) and not os.path.isdir(self.path):
            raise OutputError(
                f"{self.label} is a file, not a directory: {self.path}"
            )
        try:
            self.created = _make_parents(self.path)
            recover(self.path)
            remove_stale(self.path)
            _check_free(self.path, self.label)
            self.stage = tempfile.mkdtemp(
                prefix=f"{STAGE_PREFIX}{os.getpid()}-", dir=self.path
            )
            _probe(self.stage)
        except OSError as error:
            self.discard()
            raise OutputError(
                f"cannot write in {self.label} {self.path}: {_why(error)}"
            ) from error
        except OutputError:
            self.discard()
            raise

    def discard(self):
        """Removes the staging directory and any directory we created."""
        if self.stage and not self.keep_stage:
            shutil.rmtree(self.stage, ignore_errors=True)
            self.stage = None
        if self.created and not self.keep_stage:
            with contextlib.suppress(OSError):
                _remove_empty_tree(self.created)
            self.created = None

    def publish(self, names):
        """Moves the staged `names` in; the earlier report's files out."""
        staged = os.path.basename(self.stage)
        owned = {*read_manifest(self.path), *names, MANIFEST}
        old = sorted(
            n for n in owned if os.path.lexists(os.path.join(self.path, n))
        )
        backup = tempfile.mkdtemp(
            prefix=f"{OLD_PREFIX}{os.getpid()}-", dir=self.path
        )
        journal = {
            "stage": staged,
            "backup": os.path.basename(backup),
            "new": list(names),
            "old": old,
        }
        _write_json_atomic(
            os.path.join(self.stage, MANIFEST), {"files": list(names)}
        )
        done = []  # (source, destination) renames, for undoing
        with held_signals():
            try:
                _write_json_atomic(os.path.join(self.path, JOURNAL), journal)
                _apply(self.path, journal, done)
            except OSError as error:
                undone = _undo(done)
                if undone:
                    with contextlib.suppress(OSError):
                        os.remove(os.path.join(self.path, JOURNAL))
                self.keep_stage = True
                where = (
                    f"the complete new set is in {self.stage}; the earlier "
                    f"files in {self.path} are unchanged"
                    if undone
                    else f"{self.path} is mid-swap; run keras-clr again "
                    "there to finish it (the journal "
                    f"{JOURNAL} lists the files)"
                )
                raise OutputError(
                    f"could not publish into {self.path} ({_why(error)}); "
                    f"{where}"
                ) from error
            os.remove(os.path.join(self.path, JOURNAL))
            shutil.rmtree(backup, ignore_errors=True)
            shutil.rmtree(self.stage, ignore_errors=True)
            self.stage = None
            self.created = None
            self.published = True


def _apply(directory, journal, done):
    """The renames of a publish; `done` records each, for undoing."""
    stage = os.path.join(directory, journal["stage"])
    backup = os.path.join(directory, journal["backup"])
    for name in journal["old"]:
        src = os.path.join(directory, name)
        if os.path.lexists(src):
            os.replace(src, os.path.join(backup, name))
            done.append((src, os.path.join(backup, name)))
    for name in [*journal["new"], MANIFEST]:
        src = os.path.join(stage, name)
        if os.path.lexists(src):
            os.replace(src, os.path.join(directory, name))
            done.append((src, os.path.join(directory, name)))


def _undo(done):
    try:
        for src, dst in reversed(done):
            os.replace(dst, src)
    except OSError:
        return False
    return True


def recover(directory):
    """Finishes a publish that a crash interrupted (rolls it forward)."""
    path = os.path.join(directory, JOURNAL)
    if not os.path.exists(path):
        return
    with open(path) as f:
        journal = json.load(f)
    stage = os.path.join(directory, journal["stage"])
    backup = os.path.join(directory, journal["backup"])
    os.makedirs(backup, exist_ok=True)
    new = [*journal["new"], MANIFEST]
    for name in journal["old"]:
        src = os.path.join(directory, name)
        staged = os.path.lexists(os.path.join(stage, name))
        # A name of the new set whose staged copy is gone was swapped in.
        if os.path.lexists(src) and (staged or name not in new):
            os.replace(src, os.path.join(backup, name))
    for name in new:
        src = os.path.join(stage, name)
        if os.path.lexists(src):
            os.replace(src, os.path.join(directory, name))
    os.remove(path)
    shutil.rmtree(backup, ignore_errors=True)
    shutil.rmtree(stage, ignore_errors=True)


def remove_stale(directory):
    """Removes staging directories of keras-clr runs that were killed.

    Their names carry the process id; a live process keeps its own.
    """
    for name in os.listdir(directory):
        for prefix in (STAGE_PREFIX, OLD_PREFIX):
            if not name.startswith(prefix):
                continue
            pid = name[len(prefix) :].split("-")[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(os.path.join(directory, name), ignore_errors=True)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def read_manifest(directory):
    try:
        with open(os.path.join(directory, MANIFEST)) as f:
            files = json.load(f)["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    # Only plain names inside the directory.
    return [n for n in files if isinstance(n, str) and n == os.path.basename(n)]


def _write_json_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _remove_empty_tree(top):
    """Removes `top` and the empty directories under it, bottom-up."""
    for root, dirs, files in os.walk(top, topdown=False):
        if files:
            return
        for d in dirs:
            with contextlib.suppress(OSError):
                os.rmdir(os.path.join(root, d))
    os.rmdir(top)


class OutputFile:
    """One file written atomically (temporary file beside it, renamed)."""

    def __init__(self, path, default_name, label="--output"):
        path = os.path.abspath(path)
        if os.path.isdir(path):
            path = os.path.join(path, default_name)
        self.path = path
        self.label = label
        self.created = None
        self.tmp = None
        self.published = False

    def prepare(self):
        directory = os.path.dirname(self.path)
        if os.path.isdir(self.path):
            raise OutputError(f"{self.label} is a directory: {self.path}")
        try:
            self.created = _make_parents(directory)
            _check_free(directory, self.label)
            stem, ext = os.path.splitext(os.path.basename(self.path))
            fd, self.tmp = tempfile.mkstemp(
                prefix=f".{stem}.keras-clr-", suffix=ext, dir=directory
            )
            with os.fdopen(fd, "wb") as f:
                f.write(_PROBE)
                f.flush()
                os.fsync(f.fileno())
        except OSError as error:
            self.discard()
            raise OutputError(
                f"cannot write {self.label} {self.path}: {_why(error)}"
            ) from error
        except OutputError:
            self.discard()
            raise

    def write(self, write_to):
        """Calls `write_to(temporary_path)`, then renames it into place."""
        try:
            write_to(self.tmp)
            with open(self.tmp, "rb+") as f:
                os.fsync(f.fileno())
            # mkstemp made it private (0600); the file gets what the
            # user's umask gives a new file.
            os.chmod(self.tmp, 0o666 & ~_umask())
            with held_signals():
                os.replace(self.tmp, self.path)
                self.tmp = None
                self.created = None
                self.published = True
        except OSError as error:
            raise OutputError(
                f"could not write {self.label} {self.path} ({_why(error)})"
            ) from error

    def discard(self):
        if self.tmp:
            with contextlib.suppress(OSError):
                os.remove(self.tmp)
            self.tmp = None
        if self.created:
            with contextlib.suppress(OSError):
                _remove_empty_tree(self.created)
            self.created = None
