"""Pre-seeded hazard tables of the play-it-forward gun (issue 17): the velocity-command counts of earlier battles,
one member per mover, as a plain npz (no pickle). Written by benchmarks/hazard_corpus.py; read by the `forecast`
gun (bots/guns/forecast.py, the shipped bots/models/forecast-corpus.npz by default) and the offline probe
(benchmarks/play_forward.py --corpus)."""
import zipfile

import numpy as np

from bots.guns.forecast_kernels import empty_tables

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


def corpus_members(path, fail):
    """The number of members of the corpus at `path`, from its header only (what the gun's memory size needs)."""
    from sim.io.npyzip import open_archive
    with open_archive(path, fail, "hazard corpus file", methods=(zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)) as z:
        return _members(z, path, fail)


def _members(z, path, fail):
    missing = [k for k in ("version", "names", "sources") + CORPUS_KEYS if k not in z.files]
    if missing:
        raise fail(f"{path}: not a hazard corpus file (no {missing[0]!r})")
    version = int(z.get("version", shape=(), kinds="iu"))
    if version != CORPUS_VERSION:
        raise fail(f"{path}: corpus version {version}, this reader reads {CORPUS_VERSION}")
    shape, _ = z.header("names")
    if len(shape) != 1 or not 0 < shape[0] <= MAX_CORPUS_MEMBERS:
        raise fail(f"{path}: {shape} names (1 to {MAX_CORPUS_MEMBERS} members)")
    return shape[0]


def read_corpus(path, fail):
    """(member names, their sources, tables, has the geometry table) of a save_corpus file; `fail(message)` makes
    the exception a file that is not one raises (one line). Read through sim.io.npyzip: every member's shape and
    dtype is checked against what this version writes before its data is read (a crafted header cannot make it
    allocate or inflate)."""
    from sim.io.npyzip import open_archive
    with open_archive(path, fail, "hazard corpus file", methods=(zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)) as z:
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
