"""The BeepBoop loss of each recorded density against its wave, for the viewer's `loss` overlay (no pygame).

A telemetry row (sim/io/replay.py) is a density over guess factors -1..1 in the
bot's own frame (its bearing, lateral direction and MEA) for one wave: a gun's
aim (TK_AIM) for the wave it fired in that turn, or a surfer's danger (TK_DANGER)
along the enemy's wave of that turn. It is matched to the recorded wave of the
same round, fire turn and shooter; the wave's hit interval [gf_lo, gf_hi] (in the
wave's frame) is carried over, angle by angle, into the row's frame as [a, b];
and the loss is learning.loss.kde_cross_entropy of the row's bins read as a
histogram (box kernels one bin wide, weights = the bins) against the uniform
target on [a, b]. The loss counts from the turn the wave breaks (its front
reaches the target's centre, ``center_turn``); waves that never break (the round
ended, the target died) have no loss.
"""
import math

import numpy as np

from sim.io.replay import TK_AIM, TK_DANGER

LN2 = math.log(2.0)
KINDS = (TK_AIM, TK_DANGER)


def bin_half_width(nbins):
    """Half the spacing of bins centred at -1 + 2k/(nbins-1): one box kernel per bin, edge to edge."""
    return 1.0 / (nbins - 1)


def histogram_loss(bins, a, b, base="e"):
    """BeepBoop loss (uniform target on [a, b], learning.loss) of densities given as bins over GF -1..1.

    bins: (Q, B) non-negative weights (any scale; empty bins take no part); a, b: (Q,). Returns (Q,) losses.
    The density is sum_j S_j * box_j with S_j = bins_j / sum(bins) and box_j of height 1/(2w) on
    [x_j - w, x_j + w]: exactly the histogram the bot wrote, normalised."""
    from learning.loss import kde_cross_entropy
    bins = np.asarray(bins, dtype=np.float64)
    Q, B = bins.shape
    out = np.empty(Q)
    if Q == 0:
        return out
    x = np.broadcast_to(np.linspace(-1.0, 1.0, B), (Q, B))
    w = np.full((Q, B), bin_half_width(B))
    mask = bins > 0.0
    logits = np.log(np.where(mask, bins, 1.0))
    for q in range(Q):   # one query at a time: the batch call reports only the mean
        out[q], _ = kde_cross_entropy(logits[q], x[q], float(a[q]), float(b[q]), kernel="box", width=w[q],
                                      mask=mask[q], base=base)
    return out


def density_on_grid(bins):
    """The normalised histogram density (per unit GF) of one row's bins: the curve the GF panel draws."""
    bins = np.asarray(bins, dtype=np.float64)
    s = bins.sum()
    return bins / s / (2.0 * bin_half_width(len(bins))) if s > 0 else np.zeros_like(bins)


def _wrap(angle):
    return (angle + math.pi) % (2.0 * math.pi) - math.pi


def to_row_gf(gf, wave_bearing, wave_lat, wave_mea, row_bearing, row_lat, row_mea):
    """A guess factor of a wave's frame expressed in a telemetry row's frame (same absolute angle)."""
    angle = wave_bearing + np.asarray(gf, dtype=np.float64) * wave_lat * wave_mea
    return _wrap(angle - row_bearing) * row_lat / row_mea


class WaveLosses:
    """Every telemetry row that has a recorded, broken wave, with its loss (nats), sorted by break frame.

    Columns (1-D arrays): ``row`` (telemetry row), ``wave`` (waves row), ``kind``, ``robot`` (whose
    density), ``shooter``, ``round``, ``turn``, ``frame`` (the frame the wave breaks), ``a``, ``b`` (hit
    interval in the row's GF frame), ``fired`` (the bullet's GF in the row's frame, NaN for danger rows
    and virtual waves), ``real``, ``hit`` (the wave's bullet hit its target) and ``loss``."""

    def __init__(self, replay):
        self.replay = replay
        self.cols = _build(replay)
        self.n = len(self.cols["row"])
        c = self.cols
        # running sums per (robot, kind) over real waves, indexed by the number of waves broken so far
        self._cum = {}
        for i in range(replay.n):
            for kind in KINDS:
                m = (c["robot"] == i) & (c["kind"] == kind) & (c["real"] == 1)
                self._cum[i, kind] = (np.concatenate([[0], np.cumsum(m)]),
                                      np.concatenate([[0.0], np.cumsum(np.where(m, c["loss"], 0.0))]),
                                      np.concatenate([[0], np.cumsum(m & (c["hit"] == 1))]))

    def __len__(self):
        return self.n

    def broken(self, frame):
        """Number of rows whose wave has broken by a frame (they are the first ones)."""
        return int(np.searchsorted(self.cols["frame"], frame, side="right"))

    def running(self, frame, robot, kind):
        """(waves, mean loss in nats or NaN, hit rate or NaN) of a robot's rows of a kind over real waves
        broken by a frame, from the battle's start. For danger rows the hit rate is how often the enemy's
        bullet hit the surfer."""
        k = self.broken(frame)
        count, loss, hits = self._cum[robot, kind]
        n = int(count[k])
        if n == 0:
            return 0, math.nan, math.nan
        return n, float(loss[k]) / n, float(hits[k]) / n

    def recent(self, frame, since):
        """Rows whose wave broke in (frame - since, frame] and in the same round, newest first."""
        c = self.cols
        k = self.broken(frame)
        r = self.replay.frame_round[frame]
        out = []
        for q in range(k - 1, -1, -1):
            if c["frame"][q] <= frame - since or c["round"][q] != r:
                break
            out.append(q)
        return out


def _build(rp):
    names = ("row", "wave", "kind", "robot", "shooter", "round", "turn", "frame", "a", "b", "fired", "real",
             "hit", "loss")
    empty = {k: np.zeros(0, dtype=np.float64 if k in ("a", "b", "fired", "loss") else np.int64) for k in names}
    tm, w = rp.telemetry, rp.waves
    if tm is None or w is None or len(tm["round"]) == 0 or len(w["round"]) == 0 or rp.n != 2:
        return empty
    key = {(int(r), int(t), int(s)): k for k, (r, t, s) in enumerate(zip(w["round"], w["turn"], w["shooter"]))}
    rows, waves = [], []
    for q in range(len(tm["round"])):
        kind, robot = int(tm["kind"][q]), int(tm["robot"][q])
        shooter = robot if kind == TK_AIM else 1 - robot
        k = key.get((int(tm["round"][q]), int(tm["turn"][q]), shooter))
        if k is not None and w["center_turn"][k] >= 0:
            rows.append(q)
            waves.append(k)
    if not rows:
        return empty
    q, k = np.array(rows), np.array(waves)
    mea = rp.wave_mea(k)
    frame_args = (w["bearing"][k], w["lat_dir"][k], mea, tm["bearing"][q], tm["lat_dir"][q], tm["mea"][q])
    lo = to_row_gf(w["gf_lo"][k], *frame_args)
    hi = to_row_gf(w["gf_hi"][k], *frame_args)
    a, b = np.minimum(lo, hi), np.maximum(lo, hi)
    ok = b > a   # a zero-width interval has no uniform target
    q, k, a, b = q[ok], k[ok], a[ok], b[ok]
    fired = np.where((tm["kind"][q] == TK_AIM) & (w["real"][k] == 1),
                     to_row_gf(np.nan_to_num(w["gf_fired"][k]), w["bearing"][k], w["lat_dir"][k], rp.wave_mea(k),
                               tm["bearing"][q], tm["lat_dir"][q], tm["mea"][q]), np.nan)
    out = {"row": q, "wave": k, "kind": tm["kind"][q], "robot": tm["robot"][q], "shooter": w["shooter"][k],
           "round": w["round"][k], "turn": w["turn"][k],
           "frame": rp.round_start[w["round"][k]] + w["center_turn"][k], "a": a, "b": b, "fired": fired,
           "real": w["real"][k], "hit": w["hit"][k], "loss": histogram_loss(tm["bins"][q], a, b)}
    order = np.lexsort((out["robot"], out["kind"], out["frame"]))
    return {name: np.asarray(out[name])[order] for name in names}
