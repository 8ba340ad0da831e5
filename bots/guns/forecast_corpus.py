"""Pre-seeded hazard tables of the play-it-forward gun (issue 17): the velocity-command counts of earlier battles,
one member per mover, as a plain npz (no pickle). Written by benchmarks/hazard_corpus.py; read by the `forecast`
gun (bots/guns/forecast.py, the shipped bots/models/forecast-corpus.npz by default) and the offline probe
(benchmarks/play_forward.py --corpus)."""
import zipfile

import numpy as np

from bots.guns.forecast_kernels import HazardFit, empty_tables

CORPUS_KEYS = ("c1", "c2", "c3", "c4", "c5", "s1", "s2", "change_ring", "start_ring", "ring_n")
CORPUS_VERSION = 2
MAX_CORPUS_MEMBERS = 256


def save_corpus(path, names, sources, tables, geometry=True):
    """Write pre-seeded hazard tables (member axis first, empty_tables' order), one member per name, to an npz
    of plain arrays (no pickle), atomically (sim.io.atomic). geometry=False drops the geometry-level table c5
    (written empty: the tables then serve geometry 0 only, as the gun uses them, at a tenth of the size)."""
    from sim.io.atomic import atomic_output
    arrays = dict(zip(CORPUS_KEYS, tables))
    if not geometry:
        arrays["c5"] = arrays["c5"][:, :0]
    with atomic_output(path) as f:
        np.savez_compressed(f, version=np.array(CORPUS_VERSION), names=np.array(names, dtype=str),
                            sources=np.array(sources, dtype=str), **arrays)


def _open(path, fail, what):
    """The npz at `path` through sim.io.npyzip (headers checked before data; stored or deflated members only)."""
    from sim.io.npyzip import open_archive
    return open_archive(path, fail, what, methods=(zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED))


def corpus_members(path, fail):
    """The number of members of the corpus at `path`, from its header only (what the gun's memory size needs)."""
    with _open(path, fail, "hazard corpus file") as z:
        return _members(z, path, fail)


def _check_kind(z, path, fail, keys, what, version):
    """Refuse an archive that lacks one of `keys` or is not `version` of `what` (one line through fail)."""
    missing = [k for k in keys if k not in z.files]
    if missing:
        raise fail(f"{path}: not a hazard {what} file (no {missing[0]!r})")
    got = int(z.get("version", shape=(), kinds="iu"))
    if got != version:
        raise fail(f"{path}: {what} version {got}, this reader reads {version}")


def _members(z, path, fail):
    _check_kind(z, path, fail, ("version", "names", "sources") + CORPUS_KEYS, "corpus", CORPUS_VERSION)
    shape, _ = z.header("names")
    if len(shape) != 1 or not 0 < shape[0] <= MAX_CORPUS_MEMBERS:
        raise fail(f"{path}: {shape} names (1 to {MAX_CORPUS_MEMBERS} members)")
    return shape[0]


def read_corpus(path, fail):
    """(member names, their sources, tables, has the geometry table) of a save_corpus file; `fail(message)` makes
    the exception a file that is not one raises (one line). Read through sim.io.npyzip: every member's shape and
    dtype is checked against what this version writes before its data is read (a crafted header cannot make it
    allocate or inflate)."""
    with _open(path, fail, "hazard corpus file") as z:
        n = _members(z, path, fail)
        names = [str(x) for x in z.get("names", shape=(n,), kinds="U")]
        sources = [str(x) for x in z.get("sources", shape=(n,), kinds="U")]
        c5_shape, _ = z.header("c5")
        geometry = not (len(c5_shape) == 8 and c5_shape[1] == 0)     # an empty c5: dropped (save_corpus)
        tables = []
        for k, t in zip(CORPUS_KEYS, empty_tables(n, 3 if geometry else 0)):
            a = z.get(k, shape=t.shape, dtype=t.dtype)
            if not np.isfinite(a).all() or (a < 0).any():
                raise fail(f"{path}: {k} holds negative or non-finite counts")
            tables.append(a)
    return names, sources, tuple(tables), geometry


# The corpus members' continuous hazard (forecast_kernels.HazardFit), fitted by benchmarks/hazard_fit.py.
FIT_KEYS = ("version", "names", "sources", "l2", "block_feat", "knot_start", "knot_count", "block_offset", "knots",
            "label_weights", "speed_weights")
FIT_VERSION = 1
# a fit file's arrays in forecast_kernels.HazardFit's field order
FIT_ARRAYS = ("label_weights", "speed_weights", "block_feat", "knot_start", "knot_count", "block_offset", "knots")
MAX_FIT_BLOCKS = 64
MAX_FIT_KNOTS = 4096
MAX_FIT_BASIS = 100_000


def save_hazard_fit(path, names, sources, l2, basis, label_weights, speed_weights):
    """Write fitted members (label weights (M, 3, basis, 3), speed weights (M, 2, basis, 2)) and their hat basis
    (block features, knot starts, knot counts, block offsets, knots) to an npz of plain arrays (no pickle),
    atomically (sim.io.atomic)."""
    from sim.io.atomic import atomic_output
    feat, start, count, offset, knots = basis
    with atomic_output(path) as f:
        np.savez_compressed(f, version=np.array(FIT_VERSION), names=np.array(names, dtype=str),
                            sources=np.array(sources, dtype=str), l2=np.array(float(l2)),
                            block_feat=np.asarray(feat, dtype=np.int64), knot_start=np.asarray(start, dtype=np.int64),
                            knot_count=np.asarray(count, dtype=np.int64),
                            block_offset=np.asarray(offset, dtype=np.int64), knots=np.asarray(knots, dtype=np.float64),
                            label_weights=np.asarray(label_weights, dtype=np.float64),
                            speed_weights=np.asarray(speed_weights, dtype=np.float64))


def _fit_header(z, path, fail):
    """(members, basis size, blocks, knots) from a fit file's headers, each bounded, before any data is read."""
    _check_kind(z, path, fail, FIT_KEYS, "fit", FIT_VERSION)
    shape, _ = z.header("label_weights")
    fshape, _ = z.header("block_feat")
    kshape, _ = z.header("knots")
    if (len(shape) != 4 or shape[1] != 3 or shape[3] != 3 or not 0 < shape[0] <= MAX_CORPUS_MEMBERS
            or not 0 < shape[2] <= MAX_FIT_BASIS):
        raise fail(f"{path}: label weights of shape {shape} (members, 3, basis, 3 expected)")
    if len(fshape) != 2 or fshape[1] != 2 or not 0 < fshape[0] <= MAX_FIT_BLOCKS:
        raise fail(f"{path}: basis blocks of shape {fshape} (1 to {MAX_FIT_BLOCKS} blocks, 2 expected)")
    if len(kshape) != 1 or not 1 < kshape[0] <= MAX_FIT_KNOTS:
        raise fail(f"{path}: knots of shape {kshape} (2 to {MAX_FIT_KNOTS} expected)")
    return shape[0], shape[2], fshape[0], kshape[0]


def hazard_fit_shape(path, fail):
    """(members, basis size, blocks, knots) of the fit file at `path`, from its headers only (the gun's memory
    size)."""
    with _open(path, fail, "hazard fit file") as z:
        return _fit_header(z, path, fail)


def read_hazard_fit(path, fail, n_raw):
    """dict of a save_hazard_fit file: names, sources, l2, the basis arrays and the weights; `fail(message)` makes
    the exception a file that is not one raises (one line). Shapes and dtypes are checked before data is read
    (sim.io.npyzip); the basis must index only features below `n_raw`, knots within the file, ascending within each
    block of at least two, and blocks laid out one after another from index 1 (0 is the bias) to the weights' basis
    size: a crafted file cannot make the kernels read outside their arrays."""
    with _open(path, fail, "hazard fit file") as z:
        n, basis, blocks, n_knots = _fit_header(z, path, fail)
        out = dict(names=[str(x) for x in z.get("names", shape=(n,), kinds="U")],
                   sources=[str(x) for x in z.get("sources", shape=(n,), kinds="U")],
                   l2=float(z.get("l2", shape=(), dtype=np.float64)))
        feat = z.get("block_feat", shape=(blocks, 2), dtype=np.int64)
        start = z.get("knot_start", shape=(blocks, 2), dtype=np.int64)
        count = z.get("knot_count", shape=(blocks, 2), dtype=np.int64)
        offset = z.get("block_offset", shape=(blocks,), dtype=np.int64)
        knots = z.get("knots", shape=(n_knots,), dtype=np.float64)
        size = 1
        for b in range(blocks):
            used = (0, 1) if feat[b, 1] >= 0 else (0,)
            for a in used:
                s, c = start[b, a], count[b, a]
                if not (0 <= feat[b, a] < n_raw and c >= 2 and 0 <= s and s + c <= n_knots
                        and np.all(np.diff(knots[s:s + c]) > 0.0)):
                    raise fail(f"{path}: basis block {b} is not a valid hat basis")
            if feat[b, 1] < -1 or offset[b] != size:
                raise fail(f"{path}: basis block {b} is not laid out after the previous one")
            size += count[b, 0] * (count[b, 1] if feat[b, 1] >= 0 else 1)
        if size != basis or not np.isfinite(knots).all():
            raise fail(f"{path}: the basis has {size} functions, the weights {basis}")
        for k, shape in (("label_weights", (n, 3, basis, 3)), ("speed_weights", (n, 2, basis, 2))):
            a = z.get(k, shape=shape, dtype=np.float64)
            if not np.isfinite(a).all():
                raise fail(f"{path}: {k} holds non-finite weights")
            out[k] = a
        out.update(block_feat=feat, knot_start=start, knot_count=count, block_offset=offset, knots=knots)
    return out


def hazard_fit_of(model):
    """The HazardFit of a read_hazard_fit dict (its arrays, not copies)."""
    return HazardFit(*(model[k] for k in FIT_ARRAYS))
