"""`gfsim distill`: fit a compact student gun to a teacher with Hinton's distillation loss.

    gfsim distill TEACHER DATA --student table[:dist_segs=3,...,bins=47] --out STUDENT.json
                  [--alpha 0.5] [--temperature 2] [--val-fraction 0.25] [--split-seed N] [--json]

TEACHER is a learned gun model (`gfsim train`, bots/models/*.json: its box/Gaussian/Laplace density over
the neighbours its gun had stored, learning/model.py) or ``oracle``: the soft targets of a file written by
``gfsim oracle --soft-targets`` (DATA must then be that file). DATA is a wave dataset (`gfsim collect`) or a
soft-target file; its waves are the queries, split by battle (season) into training and held-out rows.

The student is a segmented GF table (learning/gf_table.py): the `gf` gun's segments (five fire-time
features) x its bins, one softmax distribution over the bins' cells per segment, q_s = softmax(u_s).
With the teacher's cell distribution p (its density's mass in each cell, renormalised over [-1, 1]) and
the wave's hard target y (the share of its hit interval [gf_lo, gf_hi] in each cell), each wave costs

    alpha * CE(y, q_s) + (1 - alpha) * T^2 * KL(p_T || q_s,T),     p_T ∝ p^(1/T),  q_s,T = softmax(u_s / T)

averaged over the training waves (CE over the waves with a label, KL over all), plus l2/2 |u|^2.
CE(y, q) is the BeepBoop loss of the table's piecewise-constant density up to the constant
sum_c y_c log(cell width): the loss reduces to softmax cross-entropy for a histogram (docs/learning.md).
The T^2 keeps the soft term's gradient on the scale of the hard one as T changes (Hinton et al. 2015); as
T grows, T^2 KL(p_T || q_T) tends to half the variance over cells of the logit difference (logit matching).
Fitted by scipy's L-BFGS-B with the exact gradient: alpha (q - y) + (1 - alpha) T (q_T - p_T) per wave.
The table is written scaled per segment to a largest value of 1 (the gun's visit scale) and plays as
``gf:table=STUDENT.json`` (add ``rolling=1000000`` to keep it frozen).

For the oracle the teacher is the mean over the situation's M futures of the uniform density on each
future's hit set: the expectation of the hard target under the mover's own randomness (so alpha does not
change what a perfect teacher asks for, only how noisy the target is).
"""
import argparse
import math
import os
import sys
import time

import numpy as np

from sim.cli.args import add_progress_flags, bounded_float, bounded_int, progress_bar
from sim.cli.errors import OneLineParser, UsageError, check_outputs, run_command
from sim.cli.output import json_text

FLOOR = 1e-12
CONFIDENCE = 0.95

METRICS_HELP = """\
metrics (held-out rows unless marked train; the teacher and the student are scored the same way, as
distributions over the table's cells -- the teacher's density binned to those cells):
  nats, bits   BeepBoop loss of the density against the uniform target on the wave's hit interval
               [gf_lo, gf_hi] (clipped to [-1, 1]): -sum_c y_c log(m_c / width_c); lower is better.
               Waves without a label (the target died, the round ended) have no loss.
  kl_nats      KL(teacher || student) at T = 1, mean over waves: what the student fails to copy.
  expected_hit_rate
               the density's mass inside [gf_lo, gf_hi] (mean): the hit rate of a gun that fired at a
               random GF drawn from its density.
  fire_hit_rate
               the fraction of waves whose hit interval holds the GF the gun fires at: the bin point of
               the largest cell (the gf gun's rule), first one on ties. A real gun in battle differs: it
               aims a turn earlier and with a memory that grows (see gfsim evaluate / challenge).
  oracle_hit_rate (oracle data only)
               the mean fraction of the situation's M futures whose hit set holds the fired GF: the hit
               probability of that shot given everything the gun could know, less noisy than the one
               real outcome.
  size         numbers the student plays with (segments x bins); the teacher's are its parameters plus
               the waves it stores (up to max_points x features).
  diff_*       student minus teacher, paired per held-out wave: the mean difference with a 95%
               interval that treats each (battle, round) as one cluster (waves of one round are not
               independent: cluster-robust standard error, Student t over the clusters).
"""


# --------------------------------------------------------------------------- the loss

def softmax(u, T=1.0):
    v = np.asarray(u, dtype=np.float64) / T
    v = v - v.max(axis=-1, keepdims=True)
    e = np.exp(v)
    return e / e.sum(axis=-1, keepdims=True)


def tempered(p, T):
    """p_T ∝ p^(1/T) (rows of a distribution), with p floored at FLOOR."""
    return softmax(np.log(np.maximum(p, FLOOR)), T)


def kl(p, q):
    """KL(p || q) per row (nats); 0 * log 0 = 0, q floored at FLOOR."""
    p = np.asarray(p, dtype=np.float64)
    return np.sum(np.where(p > 0, p * (np.log(np.maximum(p, FLOOR)) - np.log(np.maximum(q, FLOOR))), 0.0), axis=-1)


def distill_loss(u, y, p, alpha, T, has_label=None):
    """Mean alpha * CE(y, softmax(u)) + (1 - alpha) * T^2 * KL(p_T || softmax(u / T)) over rows, and its gradient
    w.r.t. u (rows, cells). CE over the rows with a label (`has_label`), KL over all rows."""
    u = np.asarray(u, dtype=np.float64)
    n = len(u)
    lab = np.ones(n, dtype=bool) if has_label is None else np.asarray(has_label, dtype=bool)
    q = softmax(u)
    loss = 0.0
    g = np.zeros_like(u)
    if alpha > 0 and lab.any():
        ce = -np.sum(y[lab] * np.log(np.maximum(q[lab], FLOOR)), axis=1)
        loss += alpha * float(ce.mean())
        g[lab] += alpha * (q[lab] - y[lab]) / lab.sum()
    if alpha < 1 and n:
        pT, qT = tempered(p, T), softmax(u, T)
        loss += (1.0 - alpha) * T * T * float(kl(pT, qT).mean())
        g += (1.0 - alpha) * T * (qT - pT) / n
    return loss, g


# --------------------------------------------------------------------------- the student

def parse_student(text):
    """'table' or 'table:key=value,...' -> checked segmentation (learning.gf_table.SEGMENTATION)."""
    from learning.gf_table import check_segmentation, TableError
    kind, _, rest = str(text).partition(":")
    if kind.strip() != "table":
        raise UsageError(f"--student: unknown student {kind.strip()!r} (this gfsim distils into: table)")
    seg = {}
    for item in filter(None, (s.strip() for s in rest.split(","))):
        key, eq, val = item.partition("=")
        if not eq:
            raise UsageError(f"--student: {item!r} is not key=value")
        try:
            seg[key.strip()] = float(val)
        except ValueError:
            raise UsageError(f"--student: {key.strip()} must be a number, got {val!r}") from None
    try:
        return check_segmentation(seg)
    except TableError as e:
        raise UsageError(f"--student: {e}") from None


def fit_table(seg_idx, n_segments, y, p, alpha, T, has_label=None, l2=1e-6, max_iter=500, progress=None):
    """Student logits u (segments, cells) minimising the mean distillation loss of the rows (row r in segment
    seg_idx[r]) + l2/2 |u|^2 with scipy's L-BFGS-B. The loss of a segment depends on its rows only through
    the sums of y and p_T and the counts, so those are aggregated first. Returns (u, scipy result)."""
    from scipy.optimize import minimize
    n, B = p.shape
    lab = np.ones(n, dtype=bool) if has_label is None else np.asarray(has_label, dtype=bool)
    n_ce = max(int(lab.sum()), 1)
    Y = np.zeros((n_segments, B))
    np.add.at(Y, seg_idx[lab], y[lab])
    c_ce = np.bincount(seg_idx[lab], minlength=n_segments).astype(np.float64)
    pT = tempered(p, T)
    P = np.zeros((n_segments, B))
    np.add.at(P, seg_idx, pT)
    c_kl = np.bincount(seg_idx, minlength=n_segments).astype(np.float64)
    # constant part of the KL (the teacher's entropy), so that the objective is the loss itself
    ent = float(np.sum(np.where(pT > 0, pT * np.log(np.maximum(pT, FLOOR)), 0.0)))
    wa = alpha / n_ce if (alpha > 0 and lab.any()) else 0.0
    wk = (1.0 - alpha) / max(n, 1)

    def f(flat):
        u = flat.reshape(n_segments, B)
        q = softmax(u)
        lq = np.log(np.maximum(q, FLOOR))
        qT = softmax(u, T)
        lqT = np.log(np.maximum(qT, FLOOR))
        val = -wa * np.sum(Y * lq) + wk * T * T * (ent - np.sum(P * lqT)) + 0.5 * l2 * np.sum(u * u)
        g = wa * (c_ce[:, None] * q - Y) + wk * T * (c_kl[:, None] * qT - P) + l2 * u
        return val, g.ravel()

    it = [0]

    def cb(_):
        it[0] += 1
        if progress:
            progress(min(it[0], max_iter))
    res = minimize(f, np.zeros(n_segments * B), jac=True, method="L-BFGS-B", callback=cb,
                   options={"maxiter": max_iter, "maxfun": 4 * max_iter, "gtol": 1e-10, "ftol": 1e-13})
    return res.x.reshape(n_segments, B), res


# --------------------------------------------------------------------------- teachers

def oracle_cells(st, rows, bins):
    """Cell distributions (len(rows), bins) of the oracle's teacher: per situation, the mean over its M futures
    of the uniform density on the future's hit set (clipped to [-1, 1]; a set entirely outside goes to the
    nearest end cell)."""
    from learning.gf_table import cell_edges, interval_cells
    rows = np.asarray(rows, dtype=np.int64)
    pos = np.full(len(st), -1, dtype=np.int64)
    pos[rows] = np.arange(len(rows))
    fr = st.futures["row"]
    sel = pos[fr] >= 0
    r, f = pos[fr[sel]], st.futures["future"][sel].astype(np.int64)
    lo, hi = st.futures["gf_lo"][sel], st.futures["gf_hi"][sel]
    cl, ch = cell_edges(bins)
    a, b = np.clip(lo, -1, 1)[:, None], np.clip(hi, -1, 1)[:, None]
    ov = np.maximum(0.0, np.minimum(b, ch[None, :]) - np.maximum(a, cl[None, :]))
    M = st.samples
    key = r * M + f
    per = np.zeros((len(rows) * M, bins))
    np.add.at(per, key, ov)
    tot = per.sum(axis=1)
    has = np.zeros(len(rows) * M, dtype=bool)
    has[key] = True
    # futures whose whole set lies beyond +-1 (or is a point): the cell of the clipped midpoint of their hull
    empty = np.flatnonzero(has & (tot <= 0))
    if len(empty):
        hl = np.full(len(rows) * M, np.inf)
        hh = np.full(len(rows) * M, -np.inf)
        np.minimum.at(hl, key, lo)
        np.maximum.at(hh, key, hi)
        per[empty] = interval_cells(hl[empty], hh[empty], bins)
        tot[empty] = 1.0
    per[has] /= tot[has, None]
    count = has.reshape(len(rows), M).sum(axis=1)
    out = per.reshape(len(rows), M, bins).sum(axis=1)
    ok = count > 0
    out[ok] /= count[ok, None]
    out[~ok] = 1.0 / bins
    return out


def futures_coverage(st, rows, gf):
    """Fraction of each situation's futures whose hit set holds gf[i] (rows[i]'s situation)."""
    rows = np.asarray(rows, dtype=np.int64)
    pos = np.full(len(st), -1, dtype=np.int64)
    pos[rows] = np.arange(len(rows))
    fr = st.futures["row"]
    sel = pos[fr] >= 0
    r = pos[fr[sel]]
    x = np.asarray(gf)[r]
    inside = (st.futures["gf_lo"][sel] <= x) & (x <= st.futures["gf_hi"][sel])
    key = r * st.samples + st.futures["future"][sel].astype(np.int64)
    hit = np.zeros(len(rows) * st.samples, dtype=bool)
    np.logical_or.at(hit, key, inside)
    return hit.reshape(len(rows), st.samples).mean(axis=1)


def model_cells(model, table, rows, stream, bins, progress=None):
    """Cell distributions (len(rows), bins) of a learned model: its density over the neighbours its gun had
    stored when it fired (learning.model.causal_neighbours over every row of `table` in the row's stream),
    binned to the cells and renormalised over [-1, 1]. Rows whose gun had stored nothing: uniform."""
    from scipy.special import ndtr
    from learning import model as M
    from learning.gf_table import cell_edges
    raw = M.feature_matrix(table, model.features)
    if not np.isfinite(raw).all():
        bad = [f for f, ok in zip(model.features, np.isfinite(raw).all(axis=0)) if not ok]
        raise UsageError(f"the data's feature {bad[0]} has NaN or inf values")
    N = model.normalise(raw)
    E = model.embed(N)
    fire, avail = M.availability_keys(table)
    ok = M.valid_interval(table["gf_lo"], table["gf_hi"])
    avail = np.where(ok, avail, np.iinfo(np.int64).max)       # unlabelled waves are never stored
    xc_all, hw_all = M.interval_labels(np.where(ok, table["gf_lo"], 0.0), np.where(ok, table["gf_hi"], 0.0),
                                       model.min_half_width)
    cl, ch = cell_edges(bins)
    out = np.full((len(rows), bins), 1.0 / bins)
    step = 2000
    for s in range(0, len(rows), step):
        q = np.asarray(rows[s:s + step])
        idx, _ = M.causal_neighbours(E, stream, fire, avail, q, model)
        if idx.shape[1] == 0:
            continue
        has = (idx >= 0).any(axis=1)
        if not has.any():
            continue
        idx, qh = idx[has], q[has]
        z, mask = M.logits(model, N[qh], N, np.maximum(idx, 0))
        mask &= idx >= 0
        zm = np.where(mask, z, -np.inf)
        S = np.exp(zm - zm.max(axis=1, keepdims=True))
        S /= S.sum(axis=1, keepdims=True)
        x, w = xc_all[np.maximum(idx, 0)], hw_all[np.maximum(idx, 0)]
        if model.kernel in ("box", "indicator"):
            lo, hi = x - w, x + w
            share = (np.maximum(0.0, np.minimum(hi[:, :, None], ch) - np.maximum(lo[:, :, None], cl))
                     / (2 * w)[:, :, None])
            if model.kernel == "indicator":
                share = share * (2 * w)[:, :, None]
        elif model.kernel == "gaussian":
            h = model.bandwidth
            share = ndtr((ch - x[:, :, None]) / h) - ndtr((cl - x[:, :, None]) / h)
        else:   # laplace: CDF(t) = 1/2 e^t (t < 0), 1 - 1/2 e^-t
            h = model.bandwidth
            cdf = (lambda t: np.where(t < 0, 0.5 * np.exp(np.minimum(t, 0)), 1 - 0.5 * np.exp(-np.maximum(t, 0))))
            share = cdf((ch - x[:, :, None]) / h) - cdf((cl - x[:, :, None]) / h)
        m = np.einsum("qk,qkc->qc", np.where(mask, S, 0.0), share)
        dom_lo, dom_hi = model.gf_domain
        m = (1.0 - model.uniform_mix) * m + model.uniform_mix * (ch - cl) / (dom_hi - dom_lo)
        tot = m.sum(axis=1, keepdims=True)
        good = tot[:, 0] > 0
        sub = out[s:s + step]
        pos = np.flatnonzero(has)
        sub[pos[good]] = m[good] / tot[good]
        if progress:
            progress(min(s + step, len(rows)))
    return out


# --------------------------------------------------------------------------- metrics

def cell_metrics(m, lo, hi, bins, has_label):
    """Per-row arrays: nats (NaN without label), expected hit, fire hit (NaN without label), fired GF."""
    from learning.gf_table import bin_points, cell_edges, interval_cells
    cl, ch = cell_edges(bins)
    width = ch - cl
    nats = np.full(len(m), np.nan)
    exp_hit = np.full(len(m), np.nan)
    fire_hit = np.full(len(m), np.nan)
    gf = bin_points(bins)[np.argmax(m, axis=1)]
    if has_label.any():
        y = interval_cells(lo[has_label], hi[has_label], bins)
        nats[has_label] = -np.sum(y * (np.log(np.maximum(m[has_label], FLOOR)) - np.log(width)), axis=1)
        a, b = lo[has_label][:, None], hi[has_label][:, None]
        inside = np.maximum(0.0, np.minimum(b, ch) - np.maximum(a, cl)) / width
        exp_hit[has_label] = np.sum(m[has_label] * inside, axis=1)
        fire_hit[has_label] = ((lo[has_label] <= gf[has_label]) & (gf[has_label] <= hi[has_label])).astype(float)
    return {"nats": nats, "expected_hit_rate": exp_hit, "fire_hit_rate": fire_hit, "gf": gf}


def cluster_diff(d, cluster, confidence=CONFIDENCE):
    """Mean of the finite per-wave differences d with a cluster-robust Student-t interval: waves of one
    cluster (battle, round) are not independent, so the standard error comes from the clusters' summed
    deviations (the sandwich estimator, C / (C - 1) small-sample factor, C - 1 degrees of freedom).
    Returns dict(mean, low, high, half, n = clusters) like sim.experiments.challenge.mean_ci."""
    from scipy import stats
    d = np.asarray(d, dtype=np.float64)
    ok = np.isfinite(d)
    d = d[ok]
    nan = float("nan")
    if not len(d):
        return dict(mean=nan, low=nan, high=nan, half=nan, n=0)
    mean = float(d.mean())
    _, inv = np.unique(np.asarray(cluster)[ok], return_inverse=True)
    C = int(inv.max()) + 1
    if C < 2:
        return dict(mean=mean, low=nan, high=nan, half=nan, n=C)
    tot = np.bincount(inv, weights=d - mean)
    se = math.sqrt(C / (C - 1) * float(np.sum(tot * tot))) / len(d)
    half = float(stats.t.ppf(0.5 + confidence / 2.0, C - 1)) * se
    return dict(mean=mean, low=mean - half, high=mean + half, half=half, n=C)


# --------------------------------------------------------------------------- data

class Data:
    """The queries: dataset-table rows (dict column -> array), their streams, labels, split and teacher source."""

    def __init__(self, path, shooter="both", waves="all"):
        from sim.io.soft_targets import SoftTargetError, is_soft_target_file, load_soft_targets
        from sim.io.dataset import DatasetError, load_dataset
        self.path = os.fspath(path)
        self.soft = None
        if is_soft_target_file(self.path):
            try:
                self.soft = load_soft_targets(self.path)
            except SoftTargetError as e:
                raise UsageError(str(e)) from None
            self.table = self.soft.gun
            self.kind = "oracle soft targets"
        else:
            try:
                ds = load_dataset(self.path, tables=("gun",))
            except DatasetError as e:
                raise UsageError(str(e)) from None
            self.table = ds.gun
            self.kind = "wave dataset"
        g = self.table
        keep = np.ones(len(g["turn"]), dtype=bool)
        if shooter != "both":
            keep &= g["shooter"] == int(shooter)
        if waves == "real":
            keep &= g["real_bullet"].astype(bool)
        self.rows = np.flatnonzero(keep)
        if not len(self.rows):
            raise UsageError(f"{self.path}: no waves left (shooter {shooter}, waves {waves})")
        self.stream = g["battle"].astype(np.int64) * 2 + g["shooter"].astype(np.int64)
        self.battle = g["battle"].astype(np.int64)
        from learning.model import valid_interval
        self.has_label = valid_interval(g["gf_lo"], g["gf_hi"])

    def split(self, val_fraction, split_seed):
        """(train rows, held-out rows, held-out battles) by battle, as gfsim train splits."""
        from learning.train import held_out_battles
        battles = np.unique(self.battle[self.rows])
        if val_fraction > 0 and len(battles) < 2:
            raise UsageError(f"{self.path}: a held-out split needs at least 2 battles (seasons), the waves "
                             f"come from {len(battles)} (use --val-fraction 0)")
        held = held_out_battles(battles, val_fraction, split_seed)
        is_val = np.isin(self.battle[self.rows], held)
        return self.rows[~is_val], self.rows[is_val], [int(b) for b in held]


def subsample(rows, limit, rng):
    if limit and len(rows) > limit:
        return np.sort(rng.choice(rows, limit, replace=False))
    return rows


# --------------------------------------------------------------------------- the command

def build_parser(prog="gfsim distill"):
    p = OneLineParser(prog=prog, formatter_class=argparse.RawDescriptionHelpFormatter,
                      description="Distil a teacher (a learned gun model, or the oracle's soft targets) into a "
                                  "compact student: a segmented GF table the gf gun plays (gf:table=OUT.json).",
                      epilog=METRICS_HELP + "\nexamples:\n"
                      "  gfsim distill bots/models/learned-orbit.json orbit.npz --student table --out t.json\n"
                      "  gfsim oracle stopgo:flip=0.5 --seasons 4 --soft-targets soft.npz\n"
                      "  gfsim distill oracle soft.npz --student table:bins=31 --alpha 0.3 -T 2 --out t.json --json\n"
                      "  gfsim battle lock+gf:table=t.json,rolling=1000000+still lock+none+stopgo:flip=0.5\n")
    p.add_argument("teacher", metavar="TEACHER",
                   help="a gun model file (gfsim train, bots/models/*.json) or `oracle` (DATA's soft targets)")
    p.add_argument("data", metavar="DATA", help="wave dataset (gfsim collect) or soft-target file (gfsim oracle "
                                                "--soft-targets)")
    p.add_argument("--student", default="table",
                   help="table[:dist_segs=3,lat_segs=3,accel_segs=3,wall_segs=2,timer_segs=3,bins=47,"
                        "max_distance=900]: the gf gun's segmentation (default: its defaults)")
    p.add_argument("--out", required=True, metavar="STUDENT.json", help="the student's file (written atomically; "
                                                                         "never one of the inputs)")
    p.add_argument("--alpha", type=bounded_float(0.0, 1.0, allow_zero=True), default=0.5,
                   help="weight of the hard-label cross-entropy; 1 - alpha goes to T^2 KL (default 0.5)")
    p.add_argument("-T", "--temperature", type=bounded_float(0.05, 100.0), default=2.0,
                   help="softmax temperature of teacher and student in the KL term, 0.05 to 100 (default 2)")
    p.add_argument("--l2", type=bounded_float(0.0, 1.0, allow_zero=True), default=1e-6,
                   help="L2 penalty l2/2 |u|^2 on the student's logits: keeps empty cells finite (default 1e-6)")
    p.add_argument("--teacher-mix", type=bounded_float(0.0, 0.5, allow_zero=True), default=0.02,
                   help="uniform share mixed into the oracle's teacher (M futures leave cells at exactly 0; the "
                        "learned models mix in 0.02 the same way), 0 to 0.5 (default 0.02)")
    p.add_argument("--val-fraction", type=bounded_float(0.0, 0.9, allow_zero=True), default=0.25,
                   help="fraction of battles (seasons) held out, at least one if > 0 (default 0.25)")
    p.add_argument("--split-seed", type=bounded_int(0, 2 ** 32 - 1), default=None,
                   help="choose the held-out battles at random with this seed (default: the last ones)")
    p.add_argument("--seed", type=bounded_int(0, 2 ** 32 - 1), default=0,
                   help="seed of the query subsampling (default 0)")
    p.add_argument("--shooter", choices=("both", "0", "1"), default="both",
                   help="waves of this robot's gun only (default both)")
    p.add_argument("--waves", choices=("all", "real"), default="all",
                   help="all waves (virtual too) or only those that carried a real bullet (default all)")
    p.add_argument("--max-queries", type=bounded_int(1, 10_000_000), default=30_000,
                   help="training waves used at most, a random subset (default 30,000)")
    p.add_argument("--max-val", type=bounded_int(1, 10_000_000), default=20_000,
                   help="held-out waves scored at most (default 20,000)")
    p.add_argument("--max-iter", type=bounded_int(1, 100_000), default=500, help="L-BFGS iterations (default 500)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    add_progress_flags(p)
    return p


def run(args, progress_enabled=False, teacher_cache=None):
    """Distil per parsed arguments: (summary dict, GFTable). Writes nothing. `teacher_cache` (a dict) keeps the
    teacher's cell distributions between calls on the same teacher, data, rows and bins (benchmarks)."""
    from learning.gf_table import SEG_FEATURES as G_SEG_FEATURES, GFTable, interval_cells, n_segments, segment_index
    t0 = time.perf_counter()
    seg = parse_student(args.student)
    bins = seg["bins"]
    teacher_model = None
    if args.teacher != "oracle":
        from learning.model import ModelError, load_model
        try:
            teacher_model = load_model(args.teacher)
        except ModelError as e:
            raise UsageError(str(e)) from None
    data = Data(args.data, args.shooter, args.waves)
    if args.teacher == "oracle" and data.soft is None:
        raise UsageError(f"TEACHER oracle needs a soft-target file (gfsim oracle --soft-targets); {args.data} is "
                         f"a {data.kind}")
    rng = np.random.default_rng(args.seed)
    train, val, held = data.split(args.val_fraction, args.split_seed)
    train = subsample(train, args.max_queries, rng)
    val = subsample(val, args.max_val, rng)
    both = np.concatenate([train, val])
    g = data.table
    key = (args.teacher, data.path, both.tobytes(), bins, args.teacher_mix)
    cached = None if teacher_cache is None else teacher_cache.get(key)
    bar, update = progress_bar(len(both), progress_enabled and cached is None, "teacher", unit="wave")
    try:
        if cached is not None:
            P = cached
        elif teacher_model is None:
            P = oracle_cells(data.soft, both, bins)
            # M futures leave cells no future reached at exactly 0: mix in the uniform density, as the learned
            # gun's models do, so the teacher's own loss stays finite where the real wave fell elsewhere
            from learning.gf_table import cell_edges
            cl, ch = cell_edges(bins)
            P = (1.0 - args.teacher_mix) * P + args.teacher_mix * (ch - cl) / 2.0
        else:
            P = model_cells(teacher_model, g, both, data.stream, bins, progress=update)
    finally:
        if bar is not None:
            bar.close()
    if teacher_cache is not None:
        teacher_cache[key] = P
    lab = data.has_label[both]
    lo, hi = g["gf_lo"][both].astype(np.float64), g["gf_hi"][both].astype(np.float64)
    Y = np.zeros((len(both), bins))
    if lab.any():
        Y[lab] = interval_cells(lo[lab], hi[lab], bins)
    seg_cols = {c: np.asarray(g[c][both], dtype=np.float64) for c in G_SEG_FEATURES}
    for c, v in seg_cols.items():
        if not np.isfinite(v).all():
            raise UsageError(f"{data.path}: feature {c} (a table segment) has NaN or inf values")
    segs = segment_index(seg, seg_cols)
    nt = len(train)
    S = n_segments(seg)
    bar, update = progress_bar(args.max_iter, progress_enabled, "fit", unit="iter")
    try:
        u, res = fit_table(segs[:nt], S, Y[:nt], P[:nt], args.alpha, args.temperature, has_label=lab[:nt],
                           l2=args.l2, max_iter=args.max_iter, progress=update)
    finally:
        if bar is not None:
            bar.close()
    q = softmax(u)[segs]
    train_loss, _ = distill_loss(np.log(np.maximum(q[:nt], FLOOR)), Y[:nt], P[:nt], args.alpha, args.temperature,
                                 lab[:nt])

    def score(sel):
        out = {}
        cl = g["battle"][both][sel].astype(np.int64) * 1_000_000 + g["round"][both][sel].astype(np.int64)
        per = {}
        for who, m in (("teacher", P[sel]), ("student", q[sel])):
            r = cell_metrics(m, lo[sel], hi[sel], bins, lab[sel])
            if data.soft is not None:
                r["oracle_hit_rate"] = futures_coverage(data.soft, both[sel], r["gf"])
            per[who] = r
            out[who] = {k: float(np.nanmean(v)) if np.isfinite(v).any() else None
                        for k, v in r.items() if k != "gf"}
            if out[who]["nats"] is not None:
                out[who]["bits"] = out[who]["nats"] / math.log(2.0)
        out["student"]["kl_nats"] = float(np.mean(kl(P[sel], q[sel]))) if sel.any() else None
        out["diff"] = {k: cluster_diff(per["student"][k] - per["teacher"][k], cl)
                       for k in out["student"] if k in per["student"] and k != "gf"}
        out["waves"] = int(sel.sum())
        out["labelled"] = int(lab[sel].sum())
        return out

    is_val = np.zeros(len(both), dtype=bool)
    is_val[nt:] = True
    values = softmax(u)
    values = values / values.max(axis=1, keepdims=True)
    teacher_size = None
    if teacher_model is not None:
        teacher_size = int(len(teacher_model.theta()) + teacher_model.max_points * (teacher_model.n_features + 2))
    summary = {
        "teacher": args.teacher, "data": data.path, "data_kind": data.kind,
        "student": {"kind": "table", "segmentation": seg, "segments": S, "bins": bins, "size": int(S * bins),
                    "segments_with_training_waves": int(len(np.unique(segs[:nt])))},
        "teacher_size": teacher_size,
        "settings": {"alpha": args.alpha, "temperature": args.temperature, "l2": args.l2,
                     "teacher_mix": args.teacher_mix if args.teacher == "oracle" else None,
                     "val_fraction": args.val_fraction, "split_seed": args.split_seed, "seed": args.seed,
                     "shooter": args.shooter, "waves": args.waves},
        "battles_held_out": held,
        "waves": {"train": int(nt), "val": int(len(val))},
        "optimiser": {"iterations": int(res.nit), "converged": bool(res.success), "message": str(res.message),
                      "objective": float(res.fun), "train_loss": float(train_loss)},
        "train": score(~is_val),
        "val": score(is_val) if len(val) else None,
        "metrics_help": METRICS_HELP,
        "seconds": time.perf_counter() - t0,
    }
    table = GFTable(seg, values, training={k: summary[k] for k in ("teacher", "settings", "battles_held_out")}
                    | {"data": os.path.basename(data.path),
                       "val": ({w: summary["val"][w] for w in ("teacher", "student")} if summary["val"] else None)})
    return summary, table


def format_text(s):
    def pct(v):
        return "-" if v is None else f"{100 * v:.2f}"

    def ci(c, scale=100.0, unit=""):
        if not c or c["n"] == 0:
            return "-"
        half = "n/a" if not math.isfinite(c["half"]) else f"{scale * c['half']:.2f}"
        return f"{scale * c['mean']:+.2f} ± {half}{unit}"
    st = s["student"]
    lines = [f"distil {s['teacher']} on {s['data']} ({s['data_kind']}) into a GF table: {st['segments']} segments x "
             f"{st['bins']} bins = {st['size']:,} numbers ({st['segments_with_training_waves']} segments with "
             f"training waves); alpha {s['settings']['alpha']}, T {s['settings']['temperature']}",
             f"waves: {s['waves']['train']:,} training, {s['waves']['val']:,} held out (battles "
             f"{s['battles_held_out']}); L-BFGS {s['optimiser']['iterations']} iterations, "
             f"training loss {s['optimiser']['train_loss']:.4f}", ""]
    part = s["val"] or s["train"]
    which = "held-out" if s["val"] else "training"
    keys = [k for k in ("nats", "expected_hit_rate", "fire_hit_rate", "oracle_hit_rate") if k in part["student"]]
    lines.append(f"{which:10s}  " + "  ".join(f"{k:>18s}" for k in keys) + "           kl_nats")
    for who in ("teacher", "student"):
        row = [f"{part[who][k]:.4f}" if k == "nats" and part[who][k] is not None else pct(part[who][k])
               for k in keys]
        kln = part[who].get("kl_nats")
        lines.append(f"{who:10s}  " + "  ".join(f"{v:>18s}" for v in row) + (f"  {kln:16.4f}" if kln is not None
                                                                              else ""))
    row = [ci(part["diff"][k], 1000.0, " mnats") if k == "nats" else ci(part["diff"][k]) for k in keys]
    lines.append(f"{'diff':10s}  " + "  ".join(f"{v:>18s}" for v in row))
    lines.append("(hit rates in %; diff = student - teacher paired per wave ± 95% CI clustered by (battle, round); "
                 "`gfsim distill --help` explains every metric)")
    return "\n".join(lines)


def main(argv=None, prog="gfsim distill"):
    argv = list(sys.argv[1:] if argv is None else argv)
    return run_command(prog, lambda a: _main(a, prog), argv)


def _main(argv, prog):
    args = build_parser(prog).parse_args(argv)
    if not args.out.endswith(".json"):
        raise UsageError(f"--out must name a .json file, got {args.out!r}")
    check_outputs([("--out", args.out)], [("DATA", args.data)] + ([] if args.teacher == "oracle"
                                                                   else [("TEACHER", args.teacher)]))
    show = args.progress if args.progress is not None else (sys.stderr.isatty() and not args.json)
    summary, table = run(args, progress_enabled=show)
    table.save(args.out)
    summary["out"] = args.out
    if args.json:
        sys.stdout.write(json_text(summary))
    else:
        sys.stdout.write(format_text(summary) + f"\nwritten {args.out}\n")
    return 0


if __name__ == "__main__":
    from sim.cli.errors import exit_with
    exit_with(main())
