"""Point numba's on-disk cache at a directory keyed by a hash of gfsim's compiled sources.

numba invalidates a cached function only when *its own* file changes, so a
turn loop cached before an edit to a bot module it calls would silently keep
the old bot. Keying the cache directory on every source file that feeds the
compiled loop makes any edit (or upgrade) recompile, and keeps caches of
different versions apart. A user's own NUMBA_CACHE_DIR is respected.
"""
import ast
import hashlib
import os
import shutil
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
# Whose compiled code can end up in a turn loop: the engine, the wave kernels, and every module of bots/.
_COMPILED = (("sim/engine", "*.py"), ("sim/waves", "*.py"), ("bots", "**/*.py"))
KEEP_STALE = 3   # cache folders of other gfsim sources always kept (the most recently used ones)
STALE_DAYS = 14  # older ones go once unused for this long


def _compiled_sources():
    files = []
    for folder, pattern in _COMPILED:
        files += sorted((_ROOT / folder).glob(pattern))
    return [f for f in files if f.is_file()]


_DECLARATIONS = ("Part", "Param")


class _WithoutDocs(ast.NodeTransformer):
    """Drops what cannot change compiled code: docstrings and the strings of Part(...) and Param(...)
    declarations (docs, names), so editing documentation does not force a cold compile. (What the
    declarations decide for the compiled code, the generated dispatch, is keyed by its own digest.)"""

    def _body(self, node):
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
        return node

    def visit_Module(self, node):
        self.generic_visit(node)
        return self._body(node)

    def visit_FunctionDef(self, node):
        self.generic_visit(node)
        return self._body(node)

    visit_ClassDef = visit_FunctionDef

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name in _DECLARATIONS:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    sub.value = ""
        return node


def _code_of(path):
    data = path.read_bytes()
    try:
        return ast.dump(_WithoutDocs().visit(ast.parse(data))).encode()
    except (SyntaxError, ValueError):
        return data


def source_hash():
    h = hashlib.sha256()
    for path in _compiled_sources():
        h.update(str(path.relative_to(_ROOT)).encode())
        h.update(_code_of(path))
    return h.hexdigest()[:16]


def sweep(base, keep=KEEP_STALE, current=None, max_age_days=STALE_DAYS):
    """Remove the cache folders of other gfsim sources (each a full set of compiled turn loops, tens of MB)
    that no process has used for `max_age_days`, keeping the `keep` most recently used anyway: another
    checkout or version may be using its folder right now."""
    import time
    try:
        dirs = [d for d in base.iterdir() if d.is_dir() and d.name != current and len(d.name) == 16]
        dirs.sort(key=lambda d: d.stat().st_mtime, reverse=True)
    except OSError:
        return
    cutoff = time.time() - max_age_days * 86400.0
    for d in dirs[keep:]:
        try:
            if d.stat().st_mtime < cutoff:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass


def times_file():
    """Where measured compile times are kept: beside gfsim's cache folders (or in the user's NUMBA_CACHE_DIR),
    so that they outlive a change of sources."""
    import numba
    if _ours():
        return Path(numba.config.CACHE_DIR).parent / "compile-times.json"
    return Path(numba.config.CACHE_DIR) / "compile-times.json" if numba.config.CACHE_DIR else None


def _ours():
    """Whether NUMBA_CACHE_DIR is the folder gfsim chose (inherited by a child process), not the user's."""
    return bool(os.environ.get("NUMBA_CACHE_DIR")) and os.environ.get("NUMBA_CACHE_DIR") == os.environ.get(
        "GFSIM_OWN_CACHE")


def configure():
    if os.environ.get("NUMBA_CACHE_DIR") and not _ours():
        return os.environ["NUMBA_CACHE_DIR"]
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gfsim" / "numba"
    path = base / source_hash()
    try:
        path.mkdir(parents=True, exist_ok=True)
        os.utime(path)   # most recently used: sweep() keeps it
    except OSError:
        return None  # unwritable home: numba falls back to its own locations
    sweep(base, current=path.name)
    import numba
    numba.config.CACHE_DIR = str(path)
    os.environ["NUMBA_CACHE_DIR"] = str(path)
    os.environ["GFSIM_OWN_CACHE"] = str(path)   # child processes know this NUMBA_CACHE_DIR is gfsim's choice
    return str(path)
