"""Write a whole file or nothing: a temporary file in the target directory, fsynced, then os.replace."""
import os
import tempfile


def write_atomic(path, data):
    """Write `data` (str as UTF-8, or bytes) to `path`; on any failure the temporary file is removed
    and an existing `path` is left untouched."""
    path = os.fspath(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".gfsim-", suffix=".tmp", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class AtomicFile:
    """A binary file written in pieces that appears at `path` only when complete (commit()); abort() or
    an exception inside `with` removes it. Like write_atomic, it never writes into an existing file
    and replaces a symlink at `path` rather than the file the link points to."""

    def __init__(self, path):
        self.path = os.fspath(path)
        d = os.path.dirname(os.path.abspath(self.path))
        fd, self.tmp = tempfile.mkstemp(prefix=".gfsim-", suffix=".tmp", dir=d)
        self.file = os.fdopen(fd, "wb")

    def write(self, data):
        return self.file.write(data)

    def commit(self):
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.chmod(self.tmp, 0o644)
        os.replace(self.tmp, self.path)

    def abort(self):
        if not self.file.closed:
            self.file.close()
        try:
            os.unlink(self.tmp)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            self.commit()
        else:
            self.abort()
        return False
