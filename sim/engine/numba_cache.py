"""Point numba's on-disk cache at a directory keyed by a hash of gfsim's compiled sources.

numba invalidates a cached function only when *its own* file changes, so a
turn loop cached before an edit to a bot module it calls would silently keep
the old bot. Keying the cache directory on every source file that feeds the
compiled loop makes any edit (or upgrade) recompile, and keeps caches of
different versions apart. A user's own NUMBA_CACHE_DIR is respected.
"""
import hashlib
import os
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
# Every module whose compiled code ends up in the turn loop: all of bots/, and these of sim/.
# A new compiled module that the loop calls must be added here.
_SIM_COMPILED = ("engine/constants.py", "engine/jrandom.py", "engine/jmath.py", "engine/geometry.py",
                 "engine/physics.py", "engine/loop.py", "waves/gf.py", "engine/variants.py")


def _compiled_sources():
    files = [_ROOT / "sim" / name for name in _SIM_COMPILED]
    files += sorted((_ROOT / "bots").glob("*.py"))
    return [f for f in files if f.is_file()]


def source_hash():
    h = hashlib.sha256()
    for path in _compiled_sources():
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def configure():
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.environ["NUMBA_CACHE_DIR"]
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gfsim" / "numba"
    path = base / source_hash()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # unwritable home: numba falls back to its own locations
    import numba
    numba.config.CACHE_DIR = str(path)
    os.environ["NUMBA_CACHE_DIR"] = str(path)
    return str(path)
