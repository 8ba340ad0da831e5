"""Safe reading of ``.npy`` members in a zip archive (replays ``.gfr``, datasets ``.npz``).

``np.load`` trusts a member's header: it allocates whatever shape the header claims
(10**12 elements: a MemoryError) and inflates whatever the deflate stream holds
before anyone can look at the shape. Here every check happens before data is read:

* the archive: no encrypted member, only the compression methods the format uses,
  no member whose size is impossible for its compressed size (deflate tops out
  near 1032:1), no duplicate names, compressed sizes that fit in the file;
* the member: its ``.npy`` header (read alone, a few hundred bytes) names a plain
  little-endian numeric or text dtype (no objects, no structured or sub-array
  dtypes), a shape whose byte count matches the member's size, and the shape and
  dtype kind the caller expects from the metadata;
* a load budget: the bytes the caller will hold after decoding are charged
  before reading; over the budget the load stops with one line naming it.

The budget is ``max(LOAD_FLOOR_MB, LOAD_RATIO x the file's size)`` (real files
need far less than that ratio; a crafted one gets the floor), or
``GFSIM_LOAD_BUDGET_MB`` when set.
"""
import os
import zipfile

import numpy as np

LOAD_FLOOR_MB = 80
LOAD_RATIO = 16
MAX_DEFLATE_RATIO = 1100           # deflate cannot do better than ~1032:1
MAX_HEADER = 4096
_KINDS = set("biufU")


def load_budget(path):
    """Bytes a loader may hold for `path` (see the module docstring)."""
    env = os.environ.get("GFSIM_LOAD_BUDGET_MB")
    if env:
        try:
            return int(float(env) * (1 << 20))
        except ValueError:
            pass
    try:
        size = os.path.getsize(path)
    except OSError:
        size = 0
    return max(LOAD_FLOOR_MB << 20, LOAD_RATIO * size)


class Budget:
    """Bytes charged so far against a limit; `fail(msg)` builds the caller's exception."""

    def __init__(self, limit, fail):
        self.limit = int(limit)
        self.used = 0
        self.fail = fail

    def charge(self, nbytes, what):
        self.used += int(nbytes)
        if self.used > self.limit:
            raise self.fail(f"{what} would take the load past its memory budget of "
                            f"{self.limit / (1 << 20):.0f} MB (set GFSIM_LOAD_BUDGET_MB to allow more)")


def check_archive(zf, fail, methods=(zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED), file_size=None):
    """Refuse encrypted members, other compression methods, impossible sizes and duplicate names."""
    seen = set()
    total = 0
    for info in zf.infolist():
        name = info.filename
        if name in seen:
            raise fail(f"member {name} appears twice")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise fail(f"member {name} is encrypted")
        if info.compress_type not in methods:
            raise fail(f"member {name} uses compression method {info.compress_type} "
                       f"(this format uses {', '.join(_METHOD_NAMES.get(m, str(m)) for m in methods)})")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise fail(f"member {name} is stored but its sizes differ")
        if info.file_size > MAX_DEFLATE_RATIO * max(info.compress_size, 1) + 1024:
            raise fail(f"member {name} claims {info.file_size} bytes from {info.compress_size} compressed "
                       f"(a zip bomb or a corrupt directory)")
        total += info.compress_size
    if file_size is not None and total > file_size:
        raise fail("member sizes exceed the file (corrupt zip directory)")


_METHOD_NAMES = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}


def read_header(f, fail, name):
    """(shape, dtype, header bytes) of the .npy stream `f`, positioned after the header."""
    try:
        version = np.lib.format.read_magic(f)
    except ValueError as e:
        raise fail(f"member {name} has a damaged .npy header ({' '.join(str(e).split())[:120]})") from None
    readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    if version not in readers:
        raise fail(f"member {name} has .npy version {version}")
    try:
        shape, fortran, dtype = readers[version](f, max_header_size=MAX_HEADER)
    except (ValueError, TypeError, SyntaxError) as e:
        raise fail(f"member {name} has a damaged .npy header ({' '.join(str(e).split())[:120]})") from None
    if fortran:
        raise fail(f"member {name} is in Fortran order")
    if dtype.hasobject:
        raise fail(f"member {name} holds Python objects (reading it would need pickle, which gfsim never uses)")
    if dtype.names is not None or dtype.subdtype is not None or dtype.kind not in _KINDS:
        raise fail(f"member {name} has dtype {dtype.str!r} (plain numbers or text only)")
    if dtype.byteorder == ">":
        raise fail(f"member {name} is big-endian")
    if not isinstance(shape, tuple) or any(not isinstance(d, int) or d < 0 for d in shape):
        raise fail(f"member {name} has an invalid shape")
    return shape, dtype, f.tell()


class SafeZip:
    """Members of a zip of .npy files, each read only after its header, shape and size were checked.

    `fail`: the caller's exception class (called with a message, prefixed by `path`)."""

    def __init__(self, path, fail, methods=(zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED), budget=None):
        self.path = os.fspath(path)
        self._fail_cls = fail
        self.zf = zipfile.ZipFile(self.path, "r")
        try:
            check_archive(self.zf, self.fail, methods, os.path.getsize(self.path))
        except BaseException:
            self.zf.close()
            raise
        self.budget = Budget(load_budget(self.path) if budget is None else budget, self.fail)
        self.files = [n[:-4] if n.endswith(".npy") else n for n in self.zf.namelist()]

    def fail(self, msg):
        return self._fail_cls(f"{self.path}: {msg}")

    def close(self):
        self.zf.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def header(self, name):
        """(shape, dtype) of member `name` (without .npy), reading only its header."""
        with self.zf.open(name + ".npy") as f:
            shape, dtype, _ = read_header(f, self.fail, name)
        return shape, dtype

    def get(self, name, shape=None, kinds=None, decoded_itemsize=None, max_bytes=None, dtype=None):
        """Read member `name` after checking its header: `shape` (a tuple; None entries match any
        length; None: any shape), dtype `kinds` (e.g. "iu"), the bytes it will occupy once decoded
        (`decoded_itemsize` per element, default its own) against the budget."""
        want_dtype = None if dtype is None else np.dtype(dtype)
        info = self.zf.getinfo(name + ".npy")
        with self.zf.open(info) as f:
            got, dtype, hlen = read_header(f, self.fail, name)
            if shape is not None and (len(got) != len(shape)
                                      or any(w is not None and w != g for w, g in zip(shape, got))):
                want = "(" + ", ".join("n" if w is None else str(w) for w in shape) + ("," if len(shape) == 1 else "") + ")"
                raise self.fail(f"member {name} has shape {got}, expected {want}")
            if kinds is not None and dtype.kind not in kinds:
                raise self.fail(f"member {name} has dtype {dtype}, expected kind {kinds!r}")
            if want_dtype is not None and dtype != want_dtype:
                raise self.fail(f"member {name} has dtype {dtype}, expected {want_dtype}")
            count = 1
            for d in got:
                count *= d
            nbytes = count * dtype.itemsize
            if hlen + nbytes != info.file_size:
                raise self.fail(f"member {name}: its header claims {nbytes} bytes of data, the member holds "
                                f"{max(info.file_size - hlen, 0)}")
            if max_bytes is not None and nbytes > max_bytes:
                raise self.fail(f"member {name} is larger than {max_bytes} bytes")
            self.budget.charge(nbytes + count * (decoded_itemsize or 0), f"member {name} ({got})")
            arr = np.empty(got, dtype=dtype)
            view = memoryview(arr.reshape(-1).view(np.uint8)) if nbytes else memoryview(b"")
            done = 0
            while done < nbytes:
                k = f.readinto(view[done:])
                if not k:
                    raise self.fail(f"member {name} is truncated")
                done += k
            if f.read(1):
                raise self.fail(f"member {name} has trailing data")
        return arr


def open_archive(path, fail, what, methods=(zipfile.ZIP_STORED,)):
    """A SafeZip of the ``.npz`` at `path`, or `fail` with one line naming the file: missing, a directory,
    not readable, or not a complete archive. `what` names the format for that last case ("dataset")."""
    path = os.fspath(path)
    try:
        return SafeZip(path, fail, methods=methods)
    except FileNotFoundError:
        raise fail(f"{path}: no such file") from None
    except IsADirectoryError:
        raise fail(f"{path}: is a directory") from None
    except PermissionError:
        raise fail(f"{path}: permission denied") from None
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise fail(f"{path}: not a gfsim {what} (not a complete .npz archive: {e})") from None
