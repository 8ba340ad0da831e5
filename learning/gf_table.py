"""A segmented guess-factor table: the `gf` gun's statistics as a file (`gfsim distill --student table`).

The `gf` gun (bots/guns/gf.py, bots/guns/wave_kernels.py ``_gf_segment``/``gf_aim``) splits waves into
segments by five fire-time features -- distance, |lateral velocity|, acceleration, wall ahead and time
since the last reversal relative to the flight time -- and keeps ``bins`` values per segment at the GF
points x_b = -1 + 2 b / (bins - 1); it fires at the segment's largest value. Here the same numbers are a
file, so a table fitted offline can be played: ``gf:table=T.json`` starts the gun's memory from it (the
gun's own segmentation parameters are replaced by the table's; ``rolling=1000000`` keeps it practically
frozen, a smaller depth lets the battle's own waves take over).

The file is versioned JSON (FORMAT, VERSION): the segmentation and ``values`` (segments x bins, segment-major
in the gun's order, each segment scaled so its largest value is 1: a visit adds at most 1 to a bin, so a
table and the battle's visits are on one scale; only the argmax matters while the table is frozen).

``segment_index`` is the numpy twin of the compiled ``_gf_segment`` (tests/test_distill.py checks them
against each other); ``cell_edges`` the cells of the bin points (bin b owns [x_b - h, x_b + h] within
[-1, 1], h = 1 / (bins - 1)) over which a table is a distribution.
"""
import json
import math
import os

import numpy as np

from sim.io.atomic import write_atomic
from sim.io.jsonfile import read_json

FORMAT = "gfsim-gf-table"
VERSION = 1
MAX_TABLE_BYTES = 64 << 20
# (name, default, lo, hi): the gf gun's segmentation parameters (bots/guns/wave_memory.GF_PARAMS)
SEGMENTATION = (("dist_segs", 3, 1, 10), ("lat_segs", 3, 1, 10), ("accel_segs", 3, 1, 3), ("wall_segs", 2, 1, 5),
                ("timer_segs", 3, 1, 5), ("bins", 47, 11, 101), ("max_distance", 900.0, 100.0, 5000.0))
SEG_FEATURES = ("distance", "lat_vel", "accel", "wall_ahead", "dir_change_rel")


class TableError(ValueError):
    """A table file or segmentation that cannot be used (one-line message)."""


def check_segmentation(seg):
    """{name: value} with every SEGMENTATION entry, whole numbers where the gun wants them, in range."""
    out = {}
    for name, default, lo, hi in SEGMENTATION:
        v = seg.get(name, default)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not lo <= v <= hi:
            raise TableError(f"segmentation {name} must be a number from {lo} to {hi}, got {v!r}")
        if name != "max_distance":
            if int(v) != v:
                raise TableError(f"segmentation {name} must be a whole number, got {v!r}")
            v = int(v)
        out[name] = float(v) if name == "max_distance" else v
    extra = set(seg) - {s[0] for s in SEGMENTATION}
    if extra:
        raise TableError(f"unknown segmentation parameter {sorted(extra)[0]!r}")
    return out


def n_segments(seg):
    return seg["dist_segs"] * seg["lat_segs"] * seg["accel_segs"] * seg["wall_segs"] * seg["timer_segs"]


def segment_index(seg, table):
    """Segment number (0 .. n_segments - 1) of each row of a dataset table (dict column -> array), as the
    compiled gun computes it from the same features (bots/guns/wave_kernels._gf_segment)."""
    d = np.asarray(table["distance"], dtype=np.float64)
    lat = np.abs(np.asarray(table["lat_vel"], dtype=np.float64))
    acc = np.asarray(table["accel"], dtype=np.float64)
    wall = np.clip(np.asarray(table["wall_ahead"], dtype=np.float64), 0.0, 1.0)
    timer = np.clip(np.asarray(table["dir_change_rel"], dtype=np.float64), 0.0, 1.0)
    ds, ls, acs, ws, ts = (seg[k] for k in ("dist_segs", "lat_segs", "accel_segs", "wall_segs", "timer_segs"))
    # int() in the kernel truncates towards 0; the features here are >= 0 except accel (handled apart)
    di = np.minimum(ds - 1, np.trunc(d / seg["max_distance"] * ds).astype(np.int64))
    li = np.minimum(ls - 1, np.trunc(lat / 8.0001 * ls).astype(np.int64))
    if acs == 3:
        ai = np.where(acc < -0.5, 0, np.where(acc > 0.5, 2, 1))
    elif acs == 2:
        ai = np.where(acc < -0.5, 0, 1)
    else:
        ai = np.zeros(len(d), dtype=np.int64)
    wi = np.minimum(ws - 1, np.trunc(wall * ws).astype(np.int64))
    ti = np.minimum(ts - 1, np.trunc(timer * ts).astype(np.int64))
    return ((((di * ls + li) * acs + ai) * ws + wi) * ts + ti).astype(np.int64)


def bin_points(bins):
    """The gun's GF points x_b = -1 + 2 b / (bins - 1)."""
    return -1.0 + 2.0 * np.arange(bins) / (bins - 1)


def cell_edges(bins):
    """(lo, hi) of each bin's cell: [x_b - h, x_b + h] clipped to [-1, 1], h = 1 / (bins - 1)."""
    x = bin_points(bins)
    h = 1.0 / (bins - 1)
    return np.maximum(x - h, -1.0), np.minimum(x + h, 1.0)


def interval_cells(lo, hi, bins):
    """(N, bins): the share of each interval [lo, hi] (clipped to [-1, 1]) in each cell, rows summing to 1.
    An interval entirely outside [-1, 1] (GFs are not clipped; the gun cannot aim there) goes to the nearest
    end cell; a zero-width one to the cell holding it."""
    lo = np.asarray(lo, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    cl, ch = cell_edges(bins)
    a = np.clip(lo, -1.0, 1.0)[:, None]
    b = np.clip(hi, -1.0, 1.0)[:, None]
    ov = np.maximum(0.0, np.minimum(b, ch[None, :]) - np.maximum(a, cl[None, :]))
    tot = ov.sum(axis=1)
    out = np.zeros((len(lo), bins))
    ok = tot > 0
    out[ok] = ov[ok] / tot[ok, None]
    if (~ok).any():   # a point (or a set beyond +-1): the cell of its clipped midpoint
        mid = np.clip(0.5 * (lo[~ok] + hi[~ok]), -1.0, 1.0)
        out[np.flatnonzero(~ok), np.clip(np.rint((mid + 1.0) * (bins - 1) / 2.0).astype(np.int64), 0, bins - 1)] = 1.0
    return out


class GFTable:
    """A segmented GF table: segmentation (SEGMENTATION) and values (segments, bins)."""

    def __init__(self, segmentation, values, training=None):
        self.segmentation = check_segmentation(dict(segmentation))
        self.values = np.array(values, dtype=np.float64)
        self.training = dict(training or {})
        want = (n_segments(self.segmentation), self.segmentation["bins"])
        if self.values.shape != want:
            raise TableError(f"values have shape {self.values.shape}, the segmentation needs {want}")
        if not np.isfinite(self.values).all() or (self.values < 0).any() or (self.values > 1).any():
            raise TableError("values must be finite numbers in [0, 1]")

    @property
    def size(self):
        """Numbers the gun plays with (segments x bins)."""
        return int(self.values.size)

    def aim(self, table):
        """The GF the gun fires at for each row of a dataset table: its segment's first largest value."""
        seg = segment_index(self.segmentation, table)
        return bin_points(self.segmentation["bins"])[np.argmax(self.values[seg], axis=1)]

    def to_dict(self):
        return {"format": FORMAT, "version": VERSION,
                "meaning": "gf gun statistics: values[segment][b] at GF -1 + 2 b / (bins - 1); the gun fires at "
                           "the segment's largest value; segment = ((((d * lat_segs + l) * accel_segs + a) * "
                           "wall_segs + w) * timer_segs + t) from distance, |lat_vel|, accel, wall_ahead, "
                           "dir_change_rel as bots/guns/wave_kernels._gf_segment",
                "segmentation": dict(self.segmentation), "values": [[float(v) for v in row] for row in self.values],
                "training": self.training}

    def save(self, path):
        """Write the table as JSON atomically (sim.io.atomic)."""
        write_atomic(path, json.dumps(self.to_dict(), allow_nan=False) + "\n")


def load_table(path):
    """Read and check a table file; TableError (one line) on anything that is not a valid table."""
    path = os.fspath(path)
    d = read_json(path, MAX_TABLE_BYTES, "GF table", TableError)
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise TableError(f"{path}: not a gfsim GF table (format {d.get('format') if isinstance(d, dict) else None!r})")
    if d.get("version") != VERSION:
        raise TableError(f"{path}: GF table version {d.get('version')!r}, this gfsim reads version {VERSION}")
    seg, values = d.get("segmentation"), d.get("values")
    if not isinstance(seg, dict) or not isinstance(values, list) or not all(isinstance(r, list) for r in values):
        raise TableError(f"{path}: incomplete GF table (segmentation and values)")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for r in values for v in r):
        raise TableError(f"{path}: values must be numbers")
    if len({len(r) for r in values}) > 1:
        raise TableError(f"{path}: rows of values differ in length")
    try:
        return GFTable(seg, np.array(values, dtype=np.float64).reshape(len(values), -1) if values else
                       np.zeros((0, 0)), training=d.get("training") if isinstance(d.get("training"), dict) else {})
    except TableError as e:
        raise TableError(f"{path}: {e}") from None


