"""``gfsim train``: fit the learned-distance k-NN gun model to a guess-factor dataset.

    gfsim train DATA.npz [MORE.npz ...] --out MODEL.json [--kernel box] [--k 100] [--epochs 10]
                [--optimizer lbfgs|adam] [--embedding power|linear] [--features F1,F2,...]
                [--real-only] [--queries all|real] [--shooter both|0|1] [--val-fraction 0.25] [--json]
                [--plot LOSS.png]

What it does (see learning/model.py for the model):

* Rows: gun waves with a valid hit interval (finite gf_lo <= gf_hi; others are
  skipped), real bullets and virtual waves (``--real-only``: real bullets only),
  of the chosen shooter(s). A *stream* is one (battle, shooter): the memory of
  one gun against one target. Several files are one corpus (``Corpus``): battles
  renumbered file after file, the last ``--val-fraction`` of each file's battles
  held out (so every mover of a corpus is in the validation set).
* Queries (``--queries``): every wave (default) or only those that carried a real
  bullet, the ones a gun is scored on; a mover that reacts to bullets (stop-and-go)
  moves differently after them, and 15 of 16 waves are virtual. Their neighbours
  are every stored wave either way.
* Chronology: a query (a wave whose GF interval is to be predicted) sees only
  waves of its own stream whose label was known before it was fired
  (model.availability_keys), at most ``--max-points`` of them. Queries with no
  such wave are not scored (every model and baseline skips the same ones).
* Held-out battles (``--val-fraction``, default the last quarter by battle id)
  are held out: their waves are never used to fit parameters (their own earlier waves
  still fill their guns' memories, as in a real battle). Normalisation ranges,
  the GF domain and the baselines' constants come from the training battles.
* Labels (BeepBoop's): the query's target is its interval [gf_lo, gf_hi];
  each neighbour contributes a kernel over its own interval (box: centre,
  half-width at least ``--min-half-width``).
* Fitting: up to ``--max-queries`` training queries (a fixed random sample).
  Each epoch retrieves neighbours with the current embedding (exact, a
  stop-gradient), then optimises with them held fixed: ``--lbfgs-iters``
  L-BFGS-B iterations (scipy.optimize; bounds b >= 0, c > 0) or one Adam pass
  over minibatches. Before the first epoch the temperature is set by a
  coarse search. ``--damping`` (default relax: move half way to the
  optimiser's parameters) keeps the alternation from overshooting what the
  next retrieval rewards. Gaussian/Laplace models optimise the binned loss
  when a check against the exact loss on 500 training queries finds it within
  1e-4 (``--bins``); box/indicator always use the exact edge sweep. After
  every epoch neighbours are retrieved again and the train and validation
  metrics recorded (always exact): loss in nats and bits, KL (loss minus the
  target's entropy log(b - a)), expected hit rate (predicted mass inside
  [a, b]) and fire hit rate (argmax inside [a, b]), next to the baselines of
  learning/baselines.py (``--help`` explains each).
* Kept epoch: the model file holds the epoch with the lowest validation loss
  (of ``--objective``), not the last; the output names it.
* Split: ``--val-fraction`` of the battles, the last ones or, with
  ``--split-seed``, a seeded random choice.

Bad input (unreadable or foreign dataset, unknown feature, impossible split,
unwritable output) is one line on stderr and exit code 2, and nothing is
written. The model file and the plot are written atomically at the end.
"""
import argparse
import io
import math
import os
import sys
import time

import numpy as np

from sim.cli.args import (add_progress_flags, bounded_int, bounded_float, MAX_K, MAX_POINTS, MAX_BINS, MAX_EPOCHS,
                          MAX_QUERIES, SEED_LIMIT)
from sim.cli.errors import UsageError, OneLineParser, run_command, check_outputs, EXIT_BAD_INPUT  # noqa: F401
from sim.cli.output import json_text, jsonable
from sim.io.atomic import write_atomic

DAMPING = {
    "backtrack": "halve a step that raises the retrieved training loss, up to 3 times, else reject the epoch "
                 "(with L-BFGS training then stops: it would repeat the same step)",
    "relax": "move half way from the old parameters to the optimiser's (an average that damps the "
             "alternation without stopping it)",
    "none": "take every optimiser step in full",
}
DEFAULT_DAMPING = "relax"
TrainError = UsageError   # the name this module used before sim.cli.errors
_Parser = OneLineParser


def held_out_battles(battles, val_fraction, split_seed=None, files=None):
    """The battles (sorted unique ids, at least 2 when val_fraction > 0) held out for validation:
    round(val_fraction x their number), at least 1 and never all; the last ones (chronological) or, with
    `split_seed`, a reproducible random choice; with `files` (each battle's file in a corpus) and no seed, the
    last ones of every file. gfsim train and gfsim distill split alike."""
    n_val = min(len(battles) - 1, max(1, int(round(val_fraction * len(battles))))) if val_fraction > 0 else 0
    if split_seed is None and files is not None:   # a corpus: the last battles of every file are held out
        held = []
        for f in np.unique(files):
            own = battles[files == f]
            k = min(len(own) - 1, max(1, int(round(val_fraction * len(own))))) if n_val and len(own) > 1 else 0
            held.extend(own[len(own) - k:])
        return np.array(sorted(held), dtype=np.int64)
    if split_seed is None:                         # chronological: the last battles are held out
        return battles[len(battles) - n_val:]
    # a reproducible random choice of battles
    return np.sort(np.random.default_rng(split_seed).choice(battles, n_val, replace=False)) if n_val \
        else battles[:0]


def _number(lo=None, hi=None, lo_open=False, hi_open=False):
    return bounded_float(lo, hi, lo_open=lo_open, hi_open=hi_open)


# --------------------------------------------------------------------------- data

class Prepared:
    """The rows used for training and evaluation, with everything retrieval and the loss need."""

    def __init__(self, ds, features, *, real_only=False, shooter="both", val_fraction=0.25,
                 min_half_width=None, split_seed=None):
        from learning import model as M
        g = ds.gun
        n_all = len(g["turn"])
        keep = M.valid_interval(g["gf_lo"], g["gf_hi"])
        self.skipped_invalid = int(n_all - keep.sum())
        if real_only:
            keep &= g["real_bullet"].astype(bool)
        if shooter != "both":
            keep &= g["shooter"] == int(shooter)
        rows = np.flatnonzero(keep)
        if len(rows) == 0:
            raise TrainError(f"{ds.path}: no usable waves (valid interval"
                             + (", real bullet" if real_only else "")
                             + (f", shooter {shooter}" if shooter != "both" else "") + ")")
        t = {c: g[c][rows] for c in g}
        self.rows = rows
        self.real = t["real_bullet"].astype(bool)
        self.features = M.check_feature_names(features)
        for f in self.features:
            base = f.removeprefix("abs:")
            if base in getattr(ds, "missing", ()):
                from sim.io.dataset import missing_message
                where = getattr(ds, "missing_path", {}).get(base, ds.path)
                raise TrainError(missing_message(where, base, ds.schema_version))
        self.raw = M.feature_matrix(t, self.features)
        if not np.isfinite(self.raw).all():
            bad = [f for f, ok in zip(self.features, np.isfinite(self.raw).all(axis=0)) if not ok]
            raise TrainError(f"{ds.path}: feature {bad[0]} has NaN or inf values")
        self.battle = t["battle"].astype(np.int64)
        self.stream = self.battle * 2 + t["shooter"].astype(np.int64)
        self.fire, self.avail = M.availability_keys(t)
        self.gf_lo = t["gf_lo"].astype(np.float64)
        self.gf_hi = t["gf_hi"].astype(np.float64)
        mhw = M.MIN_HALF_WIDTH if min_half_width is None else min_half_width
        self.xc, self.hw = M.interval_labels(self.gf_lo, self.gf_hi, mhw)
        self.a, self.b = self.xc - self.hw, self.xc + self.hw      # target intervals, same guard
        battles = np.unique(self.battle)
        if val_fraction > 0 and len(battles) < 2:
            raise TrainError(f"{ds.path}: a held-out split needs at least 2 battles, the usable waves come "
                             f"from {len(battles)} (collect more seeds, or --val-fraction 0)")
        files = getattr(ds, "battle_files", None)
        held = held_out_battles(battles, val_fraction, split_seed, None if files is None else files[battles])
        self.val_battles = [int(v) for v in held]
        self.train_battles = [int(v) for v in battles if v not in set(self.val_battles)]
        self.is_val = np.isin(self.battle, self.val_battles)

    def seen_counts(self, rows, max_points):
        """Waves each row's gun had stored when it fired (same rule as causal_neighbours)."""
        out = np.zeros(len(rows), dtype=np.int64)
        for s in np.unique(self.stream[rows]):
            pool = np.flatnonzero(self.stream == s)
            av = np.sort(self.avail[pool])
            sel = np.flatnonzero(self.stream[rows] == s)
            stop = np.searchsorted(av, self.fire[rows[sel]], side="left")
            out[sel] = np.minimum(stop, max_points)
        return out


class Corpus:
    """Several datasets read as one gun table (`gfsim train A.npz B.npz ...`): battle ids are renumbered
    file after file, `battle_files[battle]` says which file a battle came from (each file's last battles
    are held out), and only the gun rows of `shooter` (if not "both") are kept, to bound memory."""

    def __init__(self, paths, shooter="both"):
        from sim.io.dataset import load_dataset
        self.path = ",".join(os.fspath(p) for p in paths)
        self.meta = {"bots": []}
        cols, files, offset, rows = {}, [], 0, 0
        from sim.io.dataset import SCHEMA_VERSION
        self.missing_path, self.schema_version = {}, SCHEMA_VERSION
        for k, path in enumerate(paths):
            ds = load_dataset(path, tables=("gun",))
            g = ds.gun
            keep = np.ones(len(ds), bool) if shooter == "both" else g["shooter"] == int(shooter)
            for c, v in g.items():
                cols.setdefault(c, []).append(v[keep])
            cols["battle"][-1] = cols["battle"][-1].astype(np.int64) + offset
            n_b = int(g["battle"].max()) + 1 if len(ds) else 0
            files.extend([k] * n_b)
            offset += n_b
            rows += len(ds)
            self.meta["bots"].extend(ds.meta.get("bots", []))
            self.schema_version = min(self.schema_version, ds.schema_version)
            for c in ds.missing:         # an older schema's file: say which one lacks the column
                self.missing_path.setdefault(c, os.fspath(path))
        self.missing = tuple(self.missing_path)
        self.gun = {c: np.concatenate(v) for c, v in cols.items()}
        self.battle_files = np.array(files, dtype=np.int64)
        self.rows = rows

    def __len__(self):
        return self.rows


def write_synthetic_dataset(path, *, battles=3, rounds=2, turns=400, seed=0, noise=0.04, signal="abs:lat_vel",
                            real_every=16):
    """A small synthetic gun dataset where the GF is a function of |lat_vel| (for tests and demos).

    Per battle, round and shooter, one wave per turn; the target's lateral velocity
    is piecewise constant (runs of 5-30 turns, uniform in [-8, 8]); every other
    feature is independent noise. The hit interval is centred on
    1.6 * |lat_vel| / 8 - 0.8 (+ N(0, noise)) with half-width 0.04-0.12
    (``signal="none"``: the centre is uniform noise in [-0.8, 0.8] instead).
    Waves reach the target's centre after distance / speed turns. Written through
    sim.io.dataset.DatasetWriter, so it is a valid dataset file.
    """
    from sim.io import dataset as D
    from sim.engine.physics import bullet_speeds
    rng = np.random.default_rng(seed)
    meta = {"synthetic": True, "signal": signal, "bots": [{"spec": "synthetic-a"}, {"spec": "synthetic-b"}],
            "battles": []}
    with D.DatasetWriter(path, meta) as wr:
        for bt in range(battles):
            cols = {c: [] for c, _, _ in D.GUN_SCHEMA}
            for rnd in range(rounds):
                for sh in (0, 1):
                    n = turns
                    lat = np.empty(n)
                    i = 0
                    while i < n:
                        run = int(rng.integers(5, 31))
                        lat[i:i + run] = rng.uniform(-8, 8)
                        i += run
                    turn = np.arange(1, n + 1)
                    dist = rng.uniform(150, 700, n)
                    power = np.full(n, 2.0)
                    speed = bullet_speeds(power)   # the engine's formula, over the array
                    bft = dist / speed
                    if signal == "none":
                        centre = rng.uniform(-0.8, 0.8, n)
                    else:
                        centre = 1.6 * np.abs(lat) / 8 - 0.8 + rng.normal(0, noise, n)
                    half = rng.uniform(0.04, 0.12, n)
                    real = (turn % real_every) == 0
                    c = {name: rng.uniform(0, 1, n) for name, _, _ in D.GUN_SCHEMA}
                    c.update(battle=np.full(n, bt), seed=np.full(n, 100 + bt), round=np.full(n, rnd), turn=turn,
                             shooter=np.full(n, sh), target=np.full(n, 1 - sh), real_bullet=real,
                             bullet_id=np.where(real, np.cumsum(real), -1), hit=real & (np.abs(centre) < 0.1),
                             collided=np.zeros(n, bool), exact=np.ones(n, bool), status=np.zeros(n),
                             n_parts=np.ones(n), center_turn=turn + np.ceil(bft).astype(int),
                             bullet_speed=speed, mea=np.arcsin(8 / speed), gf_lo=centre - half, gf_hi=centre + half,
                             gf_center=centre, gf_fired=np.where(real, 0.0, np.nan), distance=dist, bft=bft,
                             lat_vel=lat, velocity=lat, abs_velocity=np.abs(lat), lat_dir=np.sign(lat) + (lat == 0),
                             power=power, shots_fired=np.cumsum(real) + rnd * n / real_every)
                    for k in cols:
                        cols[k].append(np.asarray(c[k]))
            wr.append("gun", {k: np.concatenate(v) for k, v in cols.items()})
            wr.meta["battles"].append({"battle": bt, "seed": 100 + bt, "rounds": rounds})
        for t in ("enemy", "parts"):
            wr.append(t, D.empty_table(t))
        return wr.close()


# --------------------------------------------------------------------------- training

class Trainer:
    """Fits a GunModel on Prepared data; ``run()`` returns the history and the baselines."""

    def __init__(self, data, model, *, optimizer="lbfgs", lbfgs_iters=20, lr=0.02, batch=2048,
                 max_queries=20000, max_val=20000, seed=0, hist_bins=51, hist_smooth=1.0, bins="auto",
                 damping=None, max_halvings=3, relax=0.5, objective="beepboop", queries="all"):
        self.d = data
        self.objective = objective
        self.bins_setting = bins
        self.bins = None if bins in ("auto", "exact") else int(bins)
        self.bins_check = None
        damping = DEFAULT_DAMPING if damping is None else damping
        if damping not in DAMPING:
            raise TrainError(f"unknown damping {damping!r}; expected one of {list(DAMPING)}")
        self.damping = damping
        self.relax = relax
        self.max_halvings = max_halvings
        self.best = None
        self.model = model
        self.optimizer = optimizer
        self.lbfgs_iters = lbfgs_iters
        self.lr = lr
        self.batch = batch
        self.rng = np.random.default_rng(seed)
        self.hist_bins = hist_bins
        self.hist_smooth = hist_smooth
        d = data
        train_rows = np.flatnonzero(~d.is_val)
        val_rows = np.flatnonzero(d.is_val)
        seen_t = d.seen_counts(train_rows, model.max_points)
        seen_v = d.seen_counts(val_rows, model.max_points) if len(val_rows) else np.zeros(0, np.int64)
        self.no_history = {"train": int((seen_t == 0).sum()), "val": int((seen_v == 0).sum())}
        train_q = train_rows[seen_t > 0]
        val_q = val_rows[seen_v > 0]
        if queries == "real":     # score only the waves a gun fires on; neighbours still come from every wave
            train_q = train_q[data.real[train_q]]
            val_q = val_q[data.real[val_q]]
        if len(train_q) == 0:
            raise TrainError("no training query has an earlier wave in its stream"
                             + (" (--queries real: among the real-bullet waves)" if queries == "real" else ""))
        self.train_q = np.sort(self.rng.choice(train_q, min(max_queries, len(train_q)), replace=False))
        self.val_q = np.sort(self.rng.choice(val_q, min(max_val, len(val_q)), replace=False)) if len(val_q) \
            else val_q
        self.Np = None
        self.history = []
        self.optimizer_state = None

    # -- batches
    def _batch(self, queries):
        from learning.model import Batch, causal_neighbours
        m, d = self.model, self.d
        nq = m.at_aim_time(self.Np[queries])      # a query's anti-surfer flags are 0, as when the gun aims
        idx, _ = causal_neighbours(m.embed(self.Np), d.stream, d.fire, d.avail, queries, m, query_E=m.embed(nq))
        return Batch(nq, self.Np, idx, d.a[queries], d.b[queries], d.xc, d.hw)

    def _retrieve(self, val=True):
        self.Np = self.model.normalise(self.d.raw)
        tb = self._batch(self.train_q)
        vb = self._batch(self.val_q) if val and len(self.val_q) else None
        return tb, vb

    def _objective(self, batch, metrics):
        """The training objective's mean loss on a batch (the BeepBoop loss is already in the metrics)."""
        from learning.model import loss_and_grad
        if self.objective == "beepboop":
            return metrics["loss_nats"]
        return loss_and_grad(self.model, batch, objective=self.objective)[0]

    def _record(self, epoch, tb, vb, seconds, train_metrics=None, train_objective=None, **extra):
        from learning.model import model_metrics
        tm = train_metrics or model_metrics(self.model, tb)
        vm = model_metrics(self.model, vb) if vb is not None else None
        entry = {"epoch": epoch, "train": tm, "val": vm, "scale": self.model.scale, "seconds": seconds, **extra}
        if self.objective != "beepboop":
            entry["objective"] = {"name": self.objective,
                                  "train": train_objective if train_objective is not None else
                                  self._objective(tb, tm),
                                  "val": self._objective(vb, vm) if vb is not None else None}
        self.history.append(entry)
        # the epoch kept: lowest validation loss of the objective trained (training loss without a held-out
        # split); ties keep the earlier
        key = self._entry_loss(entry, "val" if vm is not None else "train")
        if self.best is None or key < self.best["loss"]:
            self.best = {"epoch": epoch, "loss": key, "theta": self.model.theta()}
        return entry

    def _entry_loss(self, entry, part):
        return entry["objective"][part] if "objective" in entry else entry[part]["loss_nats"]

    def baselines(self):
        from learning.baselines import all_baselines
        d, m = self.d, self.model
        out = {}
        for name, q in (("train", self.train_q), ("val", self.val_q)):
            if len(q) == 0:
                out[name] = None
                continue
            out[name] = all_baselines(m, d.raw, d.stream, d.fire, d.avail, d.gf_lo, d.gf_hi, d.xc, d.hw, q,
                                      d.a[q], d.b[q], head_on_half_width=float(np.median(d.hw[~d.is_val])),
                                      hist_bins=self.hist_bins, hist_smooth=self.hist_smooth)
        return out

    def init_temperature(self, tb):
        """Coarse search of the softmax scale on the training batch (embedding as initialised)."""
        from learning.model import loss_and_grad
        best = None
        for s in np.linspace(-2.0, 6.0, 17):
            th = self.model.theta()
            th[0] = s
            L, _ = loss_and_grad(self.model, tb, th, bins=self.bins, objective=self.objective)
            if best is None or L < best[0]:
                best = (L, s)
        th = self.model.theta()
        th[0] = best[1]
        self.model.set_theta(th)

    # -- one epoch of optimisation with neighbours held fixed
    def step(self, tb):
        from learning.model import loss_and_grad
        m = self.model
        if self.optimizer == "lbfgs":
            from scipy.optimize import minimize
            res = minimize(lambda th: loss_and_grad(m, tb, th, bins=self.bins, objective=self.objective), m.theta(), jac=True, method="L-BFGS-B",
                           bounds=m.bounds(), options={"maxiter": self.lbfgs_iters})
            m.set_theta(res.x)
            return
        th = m.theta()
        st = self.optimizer_state
        if st is None:
            st = self.optimizer_state = {"m": np.zeros_like(th), "v": np.zeros_like(th), "t": 0}
        b1, b2, eps = 0.9, 0.999, 1e-8
        perm = self.rng.permutation(len(tb))
        for i in range(0, len(perm), self.batch):
            _, g = loss_and_grad(m, tb.subset(perm[i:i + self.batch]), th, bins=self.bins,
                                 objective=self.objective)
            st["t"] += 1
            st["m"] = b1 * st["m"] + (1 - b1) * g
            st["v"] = b2 * st["v"] + (1 - b2) * g * g
            mh = st["m"] / (1 - b1 ** st["t"])
            vh = st["v"] / (1 - b2 ** st["t"])
            th = m.project(th - self.lr * mh / (np.sqrt(vh) + eps))
        m.set_theta(th)

    def choose_bins(self, tb, sample=500, candidates=(8, 16, 32, 64, 128), tol=1e-4):
        """Pick the optimisation path: the binned midpoint rule where it is accurate, exact where it must be.

        Box/indicator: always exact (the edge sweep is exact and as fast as binning, and binning misplaces
        box edges by up to a bin). Gaussian/Laplace with bins="auto": the fewest bins whose loss and
        parameter gradient on a sample of training queries are within ``tol`` (relative) of the exact
        path's; exact if none is. The check is recorded in the summary.
        """
        from learning.model import loss_and_grad
        m = self.model
        if self.objective != "beepboop":
            self.bins = None
            self.bins_check = {"path": "exact", "why": f"objective {self.objective} has no integral to bin"}
            return
        if self.bins_setting == "exact" or (self.bins_setting == "auto" and m.kernel in ("box", "indicator")):
            self.bins = None
            self.bins_check = {"path": "exact", "why": "requested" if self.bins_setting == "exact" else
                               "box/indicator: the exact edge sweep is exact and fast"}
            return
        rows = np.sort(self.rng.choice(len(tb), min(sample, len(tb)), replace=False))
        sub = tb.subset(rows)
        th = m.theta()
        t0 = time.perf_counter()
        L0, g0 = loss_and_grad(m, sub, th)
        t_exact = time.perf_counter() - t0
        scale = max(np.max(np.abs(g0)), 1e-12)
        tried = []
        for B in ([self.bins] if self.bins is not None else candidates):
            t0 = time.perf_counter()
            L, g = loss_and_grad(m, sub, th, bins=B)
            t_b = time.perf_counter() - t0
            err_l = abs(L - L0) / max(1.0, abs(L0))
            err_g = float(np.max(np.abs(g - g0)) / scale)
            tried.append({"bins": B, "loss_rel_err": err_l, "grad_rel_err": err_g, "seconds": t_b})
            if self.bins is not None or (err_l <= tol and err_g <= tol):
                self.bins = B
                self.bins_check = {"path": f"binned ({B} bins)", "sample": len(rows), "exact_seconds": t_exact,
                                   "tried": tried, "tolerance": tol}
                return
        self.bins = None
        self.bins_check = {"path": "exact", "why": f"no bin count met the tolerance {tol}", "sample": len(rows),
                           "exact_seconds": t_exact, "tried": tried, "tolerance": tol}

    def run(self, epochs, progress=None):
        """Alternate retrieval (exact, stop-gradient) and optimisation with the neighbours fixed.

        Damping: the optimiser's step is taken in full only if, after re-retrieving, the training loss
        (exact, over the same fixed queries) did not rise; otherwise it is halved up to ``max_halvings``
        times, and an epoch whose every step raised it is rejected (parameters unchanged; with L-BFGS,
        which would repeat the same step, training stops there). At the end the model is set to the epoch
        with the lowest validation loss (``self.best``), which may be earlier than the last.
        """
        from learning.model import model_metrics
        t0 = time.perf_counter()
        tb, vb = self._retrieve()
        self.init_temperature(tb)
        self.choose_bins(tb)
        self._record(0, tb, vb, time.perf_counter() - t0, step=None)
        if progress:
            progress(0, self.history[-1])
        self.stopped_early = None
        for e in range(1, epochs + 1):
            m = self.model
            th_old = m.theta()
            loss_old = self._entry_loss(self.history[-1], "train")
            self.step(tb)
            th_opt = m.theta()
            alpha = self.relax if self.damping == "relax" else 1.0
            tries = 0
            while True:
                tries += 1
                m.set_theta(th_old + alpha * (th_opt - th_old))   # a convex combination stays inside the bounds
                tb_new, _ = self._retrieve(val=False)
                tm = model_metrics(m, tb_new)
                to = self._objective(tb_new, tm)
                if self.damping != "backtrack" or to <= loss_old or tries > self.max_halvings:
                    break
                alpha *= 0.5
            accepted = self.damping != "backtrack" or to <= loss_old
            if accepted:
                tb = tb_new
            else:                   # back to the previous parameters and their neighbours
                m.set_theta(th_old)
                self.Np = m.normalise(self.d.raw)
                tm = self.history[-1]["train"]
                to = self._entry_loss(self.history[-1], "train")
            vb = self._batch(self.val_q) if len(self.val_q) else None
            self._record(e, tb, vb, time.perf_counter() - t0, train_metrics=tm, train_objective=to,
                         step={"fraction": alpha if accepted else 0.0, "tries": tries, "accepted": accepted})
            if progress:
                progress(e, self.history[-1])
            if not accepted and self.optimizer == "lbfgs":
                self.stopped_early = e
                break
        m = self.model
        m.set_theta(self.best["theta"])
        return self.history

# --------------------------------------------------------------------------- output

def render_plot(history, baselines, title, best_epoch=None):
    """PNG bytes of the loss and hit-rate curves (matplotlib, Agg)."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
    ep = [h["epoch"] for h in history]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    colors = {"uniform": "#999999", "head_on": "#d95f02", "histogram": "#7570b3", "knn": "#1b9e77"}
    for ax, key, label in ((axes[0], "loss_nats", "loss (nats)"), (axes[1], "expected_hit_rate", "expected hit rate")):
        ax.plot(ep, [h["train"][key] for h in history], "o-", color="#1f77b4", label="model, train")
        if history[0]["val"] is not None:
            ax.plot(ep, [h["val"][key] for h in history], "s-", color="#d62728", label="model, validation")
        ref = baselines.get("val") or baselines.get("train") or {}
        part = "val" if baselines.get("val") else "train"
        vals = [h[p][key] for h in history for p in ("train", "val") if h[p] is not None]
        top = None
        if key == "loss_nats":
            # keep the model's curves readable: baselines far above (head-on) are noted, not drawn to scale
            top = max(vals + [r[key] for n, r in ref.items() if n == "uniform"])
            top += 0.1 * (top - min(vals + [r[key] for r in ref.values()])) + 1e-9
        for name, r in ref.items():
            off = top is not None and r[key] > top
            ax.axhline(min(r[key], top) if off else r[key], ls=":" if off else "--", lw=1,
                       color=colors.get(name, "k"),
                       label=f"{name} ({part}{f': {r[key]:.2f}, off scale' if off else ''})")
        if top is not None:
            ax.set_ylim(top=top + 0.02 * abs(top))
        if best_epoch is not None:
            ax.axvline(best_epoch, color="k", lw=0.8, alpha=0.5, label=f"kept: epoch {best_epoch}")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()




METRICS_HELP = """\
metrics (every number is on held-out battles when labelled validation; all are exact, never binned):
  nats, bits   the BeepBoop loss: cross-entropy -(1/(b-a)) integral_a^b log p(x) dx of the uniform target on
               the wave's hit interval [a, b] against the predicted GF density p; lower is better; bits = nats
               / ln 2. It can be negative: p is a density and [a, b] is narrow.
  KL           KL(target || p) = CE - log(b - a), the loss minus the target's own entropy: 0 only for a
               perfect density, comparable across interval widths.
  hit          expected hit rate: the predicted probability mass inside [a, b], i.e. the chance a GF drawn
               from p hits (a gun that fired at random from its own density).
  fire         argmax-fire hit rate: how often the density's peak lies in [a, b] (what a gun that fires at
               the peak gets on these waves). Usually well above `hit`.
  Why in-battle differs: these waves include virtual ones fired every turn and are scored on features
  as recorded; a gun fires only when cool, aims with one-turn-old features, turns its gun to the angle
  (aim execution), its bullets can collide, and the mover may react to real bullets.
  kept epoch   the epoch with the lowest validation loss is the one saved (so its validation number is
               slightly optimistic: it was chosen on those battles)."""


def _fmt(r):
    return (f"{r['loss_nats']:8.4f} nats {r['loss_bits']:8.4f} bits  KL {r['kl_nats']:7.4f}  "
            f"hit {r['expected_hit_rate']:.4f}  fire {r['fire_hit_rate']:.4f}")


# --------------------------------------------------------------------------- CLI


def _bins_arg(text):
    if text in ("auto", "exact"):
        return text
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected auto, exact or a positive whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected auto, exact or a positive whole number, got {text!r}")
    return v


def build_parser():
    from learning.model import DEFAULT_FEATURES, MIN_HALF_WIDTH, OBJECTIVES, OBJECTIVE_DOCS
    p = _Parser(prog="gfsim train",
                description="Fit the learned-distance k-NN gun model (BeepBoop's form) to a guess-factor dataset "
                            "written by `gfsim collect`, chronologically, with a held-out split by battle; report "
                            "the BeepBoop loss (nats, bits), KL and expected hit rate against baselines. The epoch "
                            "with the lowest validation loss is the one saved.",
                epilog=METRICS_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("data", metavar="DATA.npz", nargs="+",
                   help="dataset(s) from `gfsim collect`; several are trained on as one corpus (battles renumbered "
                        "file after file; without --split-seed the last battles of every file are held out)")
    p.add_argument("--out", required=True, metavar="MODEL.json", help="where to write the model (versioned JSON)")
    p.add_argument("--kernel", choices=("box", "indicator", "gaussian", "laplace"), default="box",
                   help="neighbour kernel (default box: 1/(2w) over the neighbour's own hit interval)")
    p.add_argument("--bandwidth", type=_number(0, lo_open=True), default=0.1,
                   help="bandwidth of the gaussian/laplace kernels (default 0.1)")
    p.add_argument("--k", "--max-neighbours", dest="k", type=bounded_int(1, MAX_K), default=100,
                   help=f"max neighbours, 1 to {MAX_K:,}; k = min(K, max(5, n/divider)) with n stored waves "
                        f"(default 100)")
    p.add_argument("--min-neighbours", type=bounded_int(1, MAX_K), default=5,
                   help=f"the 5 in that rule, 1 to {MAX_K:,} (default 5)")
    p.add_argument("--divider", type=_number(1, 1e6), default=5.0, help="the divider in that rule, 1 to 1e6 (default 5)")
    p.add_argument("--max-points", type=bounded_int(1, MAX_POINTS), default=50_000,
                   help=f"waves a gun stores, oldest dropped first, 1 to {MAX_POINTS:,} (default 50000)")
    p.add_argument("--epochs", type=bounded_int(0, MAX_EPOCHS), default=10,
                   help=f"epochs, 0 to {MAX_EPOCHS:,} (default 10; 0 = evaluate only)")
    p.add_argument("--optimizer", choices=("lbfgs", "adam"), default="lbfgs", help="default lbfgs")
    p.add_argument("--lbfgs-iters", type=bounded_int(1, MAX_EPOCHS), default=20,
                   help=f"L-BFGS iterations per epoch, 1 to {MAX_EPOCHS:,} (default 20)")
    p.add_argument("--lr", type=_number(0, 1e3, lo_open=True), default=0.02, help="Adam step size, (0, 1000] (default 0.02)")
    p.add_argument("--batch", type=bounded_int(1, MAX_QUERIES), default=2048,
                   help=f"Adam minibatch (queries), 1 to {MAX_QUERIES:,} (default 2048)")
    p.add_argument("--embedding", choices=("power", "linear"), default="power",
                   help="power: e = a*(1e-4+b+n)^c per feature; linear: e = a*n (default power)")
    p.add_argument("--features", default=",".join(DEFAULT_FEATURES),
                   help="comma-separated feature names (sim/waves/features.py; abs:NAME for |NAME|); default: "
                        + ",".join(DEFAULT_FEATURES))
    p.add_argument("--normalisation", choices=("fixed", "data"), default="fixed",
                   help="feature scales: fixed = the documented ranges of docs/features.md (default; the same for "
                        "every model), data = the training rows' min and max (models before schema 2)")
    p.add_argument("--real-only", action="store_true", help="use only waves that carried real bullets")
    p.add_argument("--queries", choices=("all", "real"), default="all",
                   help="waves the loss is measured on: all (default) or real: only those that carried a real "
                        "bullet (what a gun is scored on; a mover that reacts to bullets, like stop-and-go, moves "
                        "differently after them), their neighbours still drawn from every stored wave")
    p.add_argument("--shooter", choices=("both", "0", "1"), default="both",
                   help="waves fired by robot 0, 1 or both (each (battle, shooter) is its own memory)")
    p.add_argument("--val-fraction", type=_number(0, 1, hi_open=True), default=0.25,
                   help="fraction of battles held out for validation (default 0.25; 0 = none)")
    p.add_argument("--max-queries", type=bounded_int(1, MAX_QUERIES), default=20_000,
                   help=f"training queries sampled (fixed for all epochs), 1 to {MAX_QUERIES:,} (default 20000)")
    p.add_argument("--max-val", type=bounded_int(1, MAX_QUERIES), default=20_000,
                   help=f"validation queries sampled, 1 to {MAX_QUERIES:,} (default 20000)")
    p.add_argument("--uniform-mix", type=_number(0, 1, hi_open=True), default=None,
                   help="weight of the uniform component in every density (box/indicator only; default 0.02 "
                        "there, 0 for gaussian/laplace, which never need it: they are evaluated in log space)")
    p.add_argument("--min-half-width", type=_number(0, lo_open=True), default=MIN_HALF_WIDTH,
                   help=f"minimum half-width of hit intervals in GF (default {MIN_HALF_WIDTH})")
    p.add_argument("--hist-bins", type=bounded_int(2, MAX_BINS), default=51,
                   help=f"bins of the histogram baseline, 2 to {MAX_BINS:,} (default 51)")
    p.add_argument("--hist-smooth", type=_number(0, MAX_BINS, lo_open=True), default=1.0,
                   help="bin smoothing of the histogram baseline, in bins (default 1)")
    p.add_argument("--split-seed", type=bounded_int(0, SEED_LIMIT), default=None,
                   help="hold out a random choice of battles drawn with this seed (default: the last battles, "
                        "chronologically)")
    p.add_argument("--seed", type=bounded_int(0, SEED_LIMIT), default=0,
                   help="seed of the query sampling, the bins check and Adam's order, 0 to 2**53 (default 0)")
    p.add_argument("--bins", default="auto", type=_bins_arg,
                   help="loss path while optimising: auto (binned midpoint rule for gaussian/laplace when a check "
                        "on 500 training queries finds it within 1e-4 of exact; exact for box/indicator), exact, or "
                        "a bin count. Reported metrics are always exact (default auto)")
    p.add_argument("--objective", choices=OBJECTIVES, default="beepboop",
                   help="training loss (default beepboop; the others are the loss ablation's alternatives: "
                        + "; ".join(f"{k}: {v}" for k, v in OBJECTIVE_DOCS.items() if k != "beepboop")
                        + "). Metrics are always the density's, and the kept epoch is the objective's best")
    p.add_argument("--damping", choices=DAMPING, default=DEFAULT_DAMPING,
                   help="how the retrieve/optimise alternation is damped: " + "; ".join(
                       f"{k}: {v}" for k, v in DAMPING.items()) + f" (default {DEFAULT_DAMPING})")
    p.add_argument("--no-damping", dest="damping", action="store_const", const="none",
                   help="same as --damping none")
    p.add_argument("--json", action="store_true", help="print the run's summary as JSON")
    p.add_argument("--plot", metavar="PATH", help="write the loss curves as a PNG")
    add_progress_flags(p)
    return p




def run(args, progress=None):
    """Train per parsed arguments; returns (summary dict, model, plot PNG bytes or None). Writes nothing."""
    from sim.io.dataset import load_dataset, DatasetError
    from learning import model as M
    t0 = time.perf_counter()
    features = [f.strip() for f in args.features.split(",") if f.strip()]
    try:
        M.check_feature_names(features)
    except M.ModelError as e:
        raise TrainError(str(e)) from None
    if args.uniform_mix is None:
        args.uniform_mix = 0.02 if args.kernel in ("box", "indicator") else 0.0
    if args.split_seed is not None and args.val_fraction == 0:
        raise TrainError("--split-seed chooses held-out battles, so it needs --val-fraction > 0")
    if args.uniform_mix > 0 and args.kernel in ("gaussian", "laplace"):
        raise TrainError("--uniform-mix needs the box or indicator kernel (use --uniform-mix 0 with "
                         f"{args.kernel})")
    if args.objective in ("bin-ce", "hit-likelihood") and args.uniform_mix == 0:
        raise TrainError(f"--objective {args.objective} needs --uniform-mix > 0 (a miss would have probability 0)")
    if args.min_neighbours > args.k:
        raise TrainError(f"--min-neighbours {args.min_neighbours} exceeds --k {args.k}")
    try:
        ds = (load_dataset(args.data[0], tables=("gun",)) if len(args.data) == 1
              else Corpus(args.data, shooter=args.shooter))
    except DatasetError as e:
        raise TrainError(str(e)) from None
    data = Prepared(ds, features, real_only=args.real_only, shooter=args.shooter, val_fraction=args.val_fraction,
                    min_half_width=args.min_half_width, split_seed=args.split_seed)
    tr = ~data.is_val
    lo, hi = M.fixed_ranges(features) if args.normalisation == "fixed" else M.normalisation_ranges(data.raw[tr])
    domain = (min(-1.0, float(data.gf_lo[tr].min())), max(1.0, float(data.gf_hi[tr].max())))
    model = M.GunModel(features, lo, hi, embedding=args.embedding, kernel=args.kernel, bandwidth=args.bandwidth,
                       max_neighbours=args.k, min_neighbours=args.min_neighbours, divider=args.divider,
                       max_points=args.max_points, min_half_width=args.min_half_width,
                       uniform_mix=args.uniform_mix, gf_domain=domain)
    trainer = Trainer(data, model, optimizer=args.optimizer, lbfgs_iters=args.lbfgs_iters, lr=args.lr,
                      batch=args.batch, max_queries=args.max_queries, max_val=args.max_val, seed=args.seed,
                      hist_bins=args.hist_bins, hist_smooth=args.hist_smooth, bins=args.bins,
                      damping=args.damping, objective=args.objective, queries=args.queries)
    baselines = trainer.baselines()
    history = trainer.run(args.epochs, progress=progress)
    best = trainer.best["epoch"]
    final = history[best]
    last = history[-1]
    summary = {
        "dataset": ",".join(os.fspath(d) for d in args.data),
        "bots": [b.get("spec") for b in ds.meta.get("bots", [])],
        "battles": {"train": data.train_battles, "val": data.val_battles},
        "rows": {"dataset": len(ds), "used": int(len(data.rows)), "skipped_invalid_interval": data.skipped_invalid,
                 "train": int(tr.sum()), "val": int(data.is_val.sum())},
        "queries": {"train": int(len(trainer.train_q)), "val": int(len(trainer.val_q)),
                    "without_history": trainer.no_history},
        "settings": {k: (v if not isinstance(v, float) or math.isfinite(v) else None)
                     for k, v in vars(args).items() if k not in ("json", "progress")},
        "epochs": history,
        "baselines": baselines,
        "best_epoch": best,
        "kept": ("the epoch with the lowest " + ("validation" if final["val"] is not None else "training")
                 + " loss is saved"),
        "stopped_early": trainer.stopped_early,
        "optimisation_path": trainer.bins_check,
        "final": {"train": final["train"], "val": final["val"]},
        "last": {"epoch": last["epoch"], "train": last["train"], "val": last["val"]},
        "metrics_help": METRICS_HELP,
        "model": {"out": os.fspath(args.out), "scale": model.scale, "features": features,
                  "a": model.a.tolist(), "b": model.b.tolist(), "c": model.c.tolist()},
        "seconds": time.perf_counter() - t0,
    }
    summary = jsonable(summary)
    model.training = {"dataset": ",".join(os.path.basename(os.fspath(d)) for d in args.data), "bots": summary["bots"],
                      "optimizer": args.optimizer, "epochs": args.epochs, "real_only": bool(args.real_only),
                      "query_waves": args.queries,
                      "shooter": args.shooter, "battles": summary["battles"], "queries": summary["queries"],
                      "best_epoch": best, "final": summary["final"], "baselines_val": summary["baselines"]["val"]}
    plot = None
    if args.plot:
        names = ", ".join(os.path.basename(os.fspath(d)) for d in args.data)
        title = (f"{names[:60]}: {args.embedding} embedding, {args.kernel} kernel, "
                 f"k <= {args.k}, {args.optimizer}")
        plot = render_plot(summary["epochs"], summary["baselines"], title, best_epoch=best)
    return summary, model, plot


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    return run_command("gfsim train", _main, argv)


def _main(argv):
    parser = build_parser()
    bar = None
    try:
        args = parser.parse_args(argv)
        check_outputs([("--out", args.out), ("--plot", args.plot)], inputs=[("DATA.npz", d) for d in args.data])
        show = args.progress if args.progress is not None else (sys.stderr.isatty() and not args.json)
        progress = None
        if show:
            from tqdm import tqdm
            bar = tqdm(total=args.epochs + 1, desc="train", unit="epoch", file=sys.stderr, leave=False)

            def progress(e, entry):
                v = entry["val"] or entry["train"]
                bar.set_postfix(loss=f"{v['loss_nats']:.4f}", hit=f"{v['expected_hit_rate']:.4f}")
                bar.update(1)
        summary, model, plot = run(args, progress)
        if bar is not None:
            bar.close()
            bar = None
        if plot is not None:
            write_atomic(args.plot, plot)
        model.save(args.out)
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        sys.stdout.write(json_text(summary))
    else:
        print(f"{summary['dataset']}: {summary['rows']['used']} waves ({summary['rows']['train']} train, "
              f"{summary['rows']['val']} validation in battles {summary['battles']['val']}); "
              f"{summary['queries']['train']} train / {summary['queries']['val']} validation queries")
        for part in ("train", "val"):
            bl = summary["baselines"][part]
            if bl is None:
                continue
            print(f"baselines ({'validation' if part == 'val' else 'train'}):")
            for name, r in bl.items():
                print(f"  {name:<10} {_fmt(r)}")
        op = summary["optimisation_path"] or {}
        print(f"optimising with the {op.get('path', 'exact')} loss"
              + (f" ({op['why']})" if op.get("why") else "")
              + (f"; checked on {op['sample']} training queries: " + ", ".join(
                  f"{t['bins']} bins loss err {t['loss_rel_err']:.1e} grad err {t['grad_rel_err']:.1e}"
                  for t in op["tried"]) if op.get("tried") else ""))
        for h in summary["epochs"]:
            st = h.get("step")
            note = ""
            if st:
                note = ("  step rejected (every fraction raised the training loss)" if not st["accepted"]
                        else f"  step x{st['fraction']:g}" if st["fraction"] < 1 else "")
            mark = "  <- kept" if h["epoch"] == summary["best_epoch"] else ""
            line = f"epoch {h['epoch']:3d}  train {_fmt(h['train'])}{note}{mark if h['val'] is None else ''}"
            if h["val"] is not None:
                line += f"\n           val   {_fmt(h['val'])}{mark}"
            print(line)
        fin, last = summary["final"], summary["last"]
        part = "val" if fin["val"] is not None else "train"
        print(f"kept epoch {summary['best_epoch']} ({'validation' if part == 'val' else 'training'} loss "
              f"{fin[part]['loss_nats']:.4f} nats); the last epoch, {last['epoch']}, had "
              f"{last[part]['loss_nats']:.4f}"
              + (f"; stopped after epoch {summary['stopped_early']}: no step lowered the training loss"
                 if summary["stopped_early"] else ""))
        print("(nats/bits: BeepBoop loss, lower is better; KL = loss - log(b - a); hit: expected hit rate = "
              "mass in [a, b]; fire: argmax in [a, b]. `gfsim train --help` explains each and why in-battle "
              "hit rates differ)")
        print(f"model written to {args.out}" + (f", loss curves to {args.plot}" if args.plot else "")
              + f" ({summary['seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    from sim.cli.errors import exit_with
    exit_with(main())
