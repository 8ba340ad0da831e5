"""Write a whole file or nothing: the one home of gfsim's atomic writes.

Every writer (replays, datasets, models, CSV traces, plots) writes into a temporary
file in the target's directory, fsyncs it and renames it over the target, so a
reader never sees a partial file and an existing file survives any failure.

Temporary names carry the writer's pid (``.gfsim-<pid>-<random>.<name>.tmp``,
spill folders ``.gfsim-<pid>-<random>.spill``): on SIGINT/SIGTERM (see
sim.cli.errors) the writer removes them itself, and after a SIGKILL the next
writer into the same folder sweeps those whose process is gone
(``sweep_stale``). A symlink at the target is replaced, never written through.
"""
import contextlib
import os
import re
import shutil
import tempfile

PREFIX = ".gfsim-"
_STALE = re.compile(r"^\.gfsim-(\d+)-[A-Za-z0-9_]+(\..*)?\.(tmp|spill)$")
_LIVE = set()          # temporary paths this process is writing now (removed on a signal)


def _pid_alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:    # someone else's live process
        return True
    return True


def sweep_stale(directory):
    """Remove temporary files and spill folders left in `directory` by gfsim processes that are gone
    (killed with SIGKILL, power loss); only our own files are touched. Returns how many were removed."""
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    uid = os.getuid()
    for e in entries:
        m = _STALE.match(e.name)
        if not m or _pid_alive(int(m.group(1))):
            continue
        try:
            st = e.stat(follow_symlinks=False)
            if st.st_uid != uid:
                continue
            if e.is_dir(follow_symlinks=False):
                shutil.rmtree(e.path, ignore_errors=True)
            else:
                os.unlink(e.path)
            removed += 1
        except OSError:
            pass
    return removed


def temp_path_for(path, kind="tmp"):
    """A fresh, registered temporary name next to `path` (a file for kind "tmp", a folder for "spill").
    The caller must hand it to `discard` (or rename it away) when done."""
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    sweep_stale(d)
    tag = f"{PREFIX}{os.getpid()}-"
    if kind == "spill":
        tmp = tempfile.mkdtemp(prefix=tag, suffix=".spill", dir=d)
    else:
        fd, tmp = tempfile.mkstemp(prefix=tag, suffix=f".{os.path.basename(path)}.tmp", dir=d)
        os.close(fd)
    _LIVE.add(tmp)
    return tmp


def discard(tmp):
    """Remove a temporary file or folder made by temp_path_for (no error if it is gone)."""
    _LIVE.discard(tmp)
    try:
        if os.path.isdir(tmp) and not os.path.islink(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.unlink(tmp)
    except OSError:
        pass


def remove_live_temps():
    """Remove every temporary file this process is still writing (called on SIGINT/SIGTERM)."""
    for tmp in list(_LIVE):
        discard(tmp)


def _file_mode():
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_output(path, mode="wb"):
    """``with atomic_output(path) as f: f.write(...)``: the file appears at `path` complete, fsynced
    and with the usual permissions only if the block succeeds; otherwise nothing changes at `path`."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(21, "Is a directory", path)
    tmp = temp_path_for(path)
    try:
        with open(tmp, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
        _LIVE.discard(tmp)
    except BaseException:
        discard(tmp)
        raise
    try:
        dfd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def write_atomic(path, data):
    """Write `data` (str as UTF-8, or bytes) to `path`; on any failure the temporary file is removed
    and an existing `path` is left untouched."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    with atomic_output(path) as f:
        f.write(data)


class AtomicFile:
    """A binary file written in pieces over a long time (a GIF, frame by frame) that appears at `path` only
    when complete (commit()); abort() or an exception inside `with` removes it. Its temporary file is
    registered like atomic_output's, so SIGINT/SIGTERM clean it up; a symlink at `path` is replaced, not
    followed."""

    def __init__(self, path):
        self.path = os.fspath(path)
        if os.path.isdir(self.path):
            raise IsADirectoryError(21, "Is a directory", self.path)
        self.tmp = temp_path_for(self.path)
        self.file = open(self.tmp, "wb")

    def write(self, data):
        return self.file.write(data)

    def commit(self):
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.chmod(self.tmp, _file_mode())
        os.replace(self.tmp, self.path)
        _LIVE.discard(self.tmp)

    def abort(self):
        if not self.file.closed:
            self.file.close()
        discard(self.tmp)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            self.commit()
        else:
            self.abort()
        return False
