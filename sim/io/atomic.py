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
