"""The oracle's soft targets as a file (`gfsim oracle --soft-targets OUT.npz`, read by `gfsim distill`).

One row per firing situation of the oracle (sim/experiments/oracle.py): what a gun knew and what might
have happened. Same conventions as the wave datasets (sim/io/dataset.py): a zip of stored ``.npy``
members (readable by ``numpy.load``, no pickle), ``meta.npy`` a JSON string, written atomically and
byte-for-byte deterministic, read back only after every member's header, shape and dtype were checked
(sim/io/npyzip.py).

Members (N situations, P future pieces, B grid points):

* ``gun/<column>.npy`` (N,): the real wave of the situation as a dataset row, every column of
  sim.io.dataset.GUN_SCHEMA (features, MEA, the real [gf_lo, gf_hi] -- the hard label --, ...): the
  learning code reads the features as from a dataset (``SoftTargets.gun``).
* ``oracle/movement.npy`` (N,) int16: index into meta["movements"]; ``oracle/upper.npy``,
  ``oracle/xfit.npy`` (N,): the situation's in-sample best coverage and cross-fitted coverage.
* ``futures/row.npy`` (P,) int64, ``futures/future.npy`` (P,) int32, ``futures/gf_lo.npy``,
  ``futures/gf_hi.npy`` (P,): the hit set of future ``future`` of situation ``row``, one piece per entry,
  in the row's GF frame (offset x lat_dir / classic MEA, not clipped).
* ``coverage.npy`` (N, B): the fraction of the situation's M futures whose hit set holds the GF
  ``meta["grid"][b]`` = -1 + 2 b / (B - 1): the hit probability of a shot at that GF.
"""
import json
import os
import zipfile

import numpy as np

from sim.io.atomic import atomic_output
from sim.io.dataset import GUN_SCHEMA, MAX_META_BYTES, _check_values, _zipinfo
from sim.waves.features import SCHEMA2_FEATURE_NAMES, SCHEMA3_FEATURE_NAMES

FORMAT = "gfsim-soft-targets"
VERSION = 1
MAX_GRID = 1001
ORACLE_COLUMNS = (("movement", "<i2"), ("upper", "<f8"), ("xfit", "<f8"))
FUTURE_COLUMNS = (("row", "<i8"), ("future", "<i4"), ("gf_lo", "<f8"), ("gf_hi", "<f8"))


class SoftTargetError(ValueError):
    """A soft-target file that cannot be used (message names the file and the problem)."""


def _members(n, p, b):
    """{member name: (dtype, shape)} of a file with n situations, p future pieces and b grid points."""
    out = {f"gun/{c}": (np.dtype(dt), (n,)) for c, dt, _ in GUN_SCHEMA}
    out.update({f"oracle/{c}": (np.dtype(dt), (n,)) for c, dt in ORACLE_COLUMNS})
    out.update({f"futures/{c}": (np.dtype(dt), (p,)) for c, dt in FUTURE_COLUMNS})
    out["coverage"] = (np.dtype("<f8"), (n, b))
    return out


def grid_points(bins):
    return -1.0 + 2.0 * np.arange(bins) / (bins - 1)


def coverage_on_grid(row, future, lo, hi, n_rows, samples, grid):
    """(n_rows, len(grid)): fraction of each row's `samples` futures whose pieces hold each grid point
    (a future's pieces are disjoint, but it is counted once even if two pieces share an end)."""
    inside = (lo[:, None] <= grid[None, :]) & (grid[None, :] <= hi[:, None])
    held = np.zeros((n_rows * samples, len(grid)), dtype=bool)
    np.logical_or.at(held, np.asarray(row, dtype=np.int64) * samples + np.asarray(future, dtype=np.int64), inside)
    return held.reshape(n_rows, samples, len(grid)).mean(axis=1)


def write_soft_targets(path, meta, gun, oracle, futures, coverage):
    """Write a soft-target file atomically. gun: GUN_SCHEMA columns (N,); oracle: ORACLE_COLUMNS (N,);
    futures: FUTURE_COLUMNS (P,); coverage (N, B). The arrays are checked against each other first."""
    n = len(oracle["upper"])
    p = len(futures["row"])
    coverage = np.asarray(coverage, dtype=np.float64)
    if coverage.ndim != 2 or coverage.shape[0] != n or not 2 <= coverage.shape[1] <= MAX_GRID:
        raise SoftTargetError(f"{path}: coverage must be ({n}, B) with 2 <= B <= {MAX_GRID}, got {coverage.shape}")
    arrays = {}
    for c, dt, _ in GUN_SCHEMA:
        arrays[f"gun/{c}"] = np.asarray(gun[c]).astype(dt)
    for c, dt in ORACLE_COLUMNS:
        arrays[f"oracle/{c}"] = np.asarray(oracle[c]).astype(dt)
    for c, dt in FUTURE_COLUMNS:
        arrays[f"futures/{c}"] = np.asarray(futures[c]).astype(dt)
    arrays["coverage"] = coverage
    for name, (dt, shape) in _members(n, p, coverage.shape[1]).items():
        if arrays[name].shape != shape:
            raise SoftTargetError(f"{path}: {name} has shape {arrays[name].shape}, expected {shape}")
    meta = dict(meta, format=FORMAT, version=VERSION, situations=n, pieces=p, grid_bins=int(coverage.shape[1]))
    text = json.dumps(meta, sort_keys=True, allow_nan=True)
    with atomic_output(path) as raw:
        with zipfile.ZipFile(raw, "w", allowZip64=True) as zf:
            for name in sorted(arrays):
                with zf.open(_zipinfo(name + ".npy"), "w", force_zip64=True) as f:
                    np.lib.format.write_array(f, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            with zf.open(_zipinfo("meta.npy"), "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.array(text), allow_pickle=False)
    return meta


class SoftTargets:
    """A loaded soft-target file: meta, ``gun`` (dataset columns), ``oracle``, ``futures``, ``coverage``, ``grid``."""

    def __init__(self, path, meta, gun, oracle, futures, coverage):
        self.path, self.meta, self.gun, self.oracle, self.futures = path, meta, gun, oracle, futures
        self.coverage = coverage
        self.grid = grid_points(coverage.shape[1])
        self.samples = int(meta["samples"])

    def __len__(self):
        return len(self.oracle["upper"])


def is_soft_target_file(path):
    """Does `path` look like a soft-target file (a readable zip whose meta.npy names this format)? Never raises:
    anything else (another format, damage) is for the caller's other reader or load_soft_targets to report."""
    from sim.io.npyzip import SafeZip
    try:
        with SafeZip(path, SoftTargetError, methods=(zipfile.ZIP_STORED,)) as z:
            meta = json.loads(str(z.get("meta", shape=(), kinds="U", max_bytes=MAX_META_BYTES)))
        return isinstance(meta, dict) and meta.get("format") == FORMAT
    except (SoftTargetError, OSError, zipfile.BadZipFile, EOFError, KeyError, ValueError, RecursionError):
        return False


def _meta(z, path):
    if "meta" not in z.files:
        raise SoftTargetError(f"{path}: not a gfsim soft-target file (no meta.npy member)")
    m = z.get("meta", shape=(), kinds="U", max_bytes=MAX_META_BYTES)
    try:
        meta = json.loads(str(m))
    except (ValueError, RecursionError):
        raise SoftTargetError(f"{path}: not a gfsim soft-target file (meta.npy is not valid JSON)") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise SoftTargetError(f"{path}: not a gfsim soft-target file (format "
                              f"{meta.get('format') if isinstance(meta, dict) else None!r})")
    if meta.get("version") != VERSION:
        raise SoftTargetError(f"{path}: soft-target version {meta.get('version')!r}, this gfsim reads {VERSION}")
    for k, lo, hi in (("situations", 0, 10 ** 9), ("pieces", 0, 10 ** 10), ("grid_bins", 2, MAX_GRID),
                      ("samples", 2, 10 ** 6)):
        v = meta.get(k)
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise SoftTargetError(f"{path}: corrupt metadata ({k} = {v!r})")
    if not isinstance(meta.get("movements"), list) or not meta["movements"]:
        raise SoftTargetError(f"{path}: corrupt metadata (movements)")
    return meta


def load_soft_targets(path):
    """Load and check a soft-target file; SoftTargetError (one line) on anything but an intact file."""
    from sim.io.npyzip import open_archive
    path = os.fspath(path)
    with open_archive(path, SoftTargetError, "soft-target file") as z:
        meta = _meta(z, path)
        n, p, b = meta["situations"], meta["pieces"], meta["grid_bins"]
        want = _members(n, p, b)
        # files written before dataset schema 3 lack its feature columns, before schema 2 also schema 2's (all of
        # them in either case): NaN, as in sim.io.dataset
        for names in (SCHEMA2_FEATURE_NAMES + SCHEMA3_FEATURE_NAMES, SCHEMA3_FEATURE_NAMES):
            older = {f"gun/{c}" for c in names}
            if not older & set(z.files):
                want = {k: v for k, v in want.items() if k not in older}
                break
        extra = set(z.files) - set(want) - {"meta"}
        missing = set(want) - set(z.files)
        if missing or extra:
            raise SoftTargetError(f"{path}: members {sorted(missing or extra)[:3]} "
                                  f"{'missing' if missing else 'not written by gfsim'}")
        try:
            got = {name: z.get(name, shape=shape, dtype=dt) for name, (dt, shape) in want.items()}
        except (zipfile.BadZipFile, EOFError, OSError) as e:
            raise SoftTargetError(f"{path}: corrupt or truncated ({e})") from None
    gun = {c: got[f"gun/{c}"] if f"gun/{c}" in got else np.full(n, np.nan, dtype=dt) for c, dt, _ in GUN_SCHEMA}
    try:
        _check_values(path, "gun", gun)
    except ValueError as e:
        raise SoftTargetError(str(e)) from None
    oracle = {c: got[f"oracle/{c}"] for c, _ in ORACLE_COLUMNS}
    futures = {c: got[f"futures/{c}"] for c, _ in FUTURE_COLUMNS}
    cov = got["coverage"]
    if n and (oracle["movement"].min() < 0 or oracle["movement"].max() >= len(meta["movements"])):
        raise SoftTargetError(f"{path}: oracle/movement out of range")
    if p and (futures["row"].min() < 0 or futures["row"].max() >= n or futures["future"].min() < 0
              or futures["future"].max() >= meta["samples"]):
        raise SoftTargetError(f"{path}: futures/row or futures/future out of range")
    for name, a in (("futures/gf_lo", futures["gf_lo"]), ("futures/gf_hi", futures["gf_hi"])):
        if not np.isfinite(a).all() or np.abs(a).max(initial=0) > 1e3:
            raise SoftTargetError(f"{path}: {name} has non-finite or absurd values")
    if (futures["gf_hi"] < futures["gf_lo"]).any():
        raise SoftTargetError(f"{path}: a future piece has gf_hi < gf_lo")
    if not np.isfinite(cov).all() or (cov < 0).any() or (cov > 1).any():
        raise SoftTargetError(f"{path}: coverage outside [0, 1]")
    return SoftTargets(path, meta, gun, oracle, futures, cov)
