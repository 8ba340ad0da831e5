"""A continuous reversal hazard for the play-it-forward probe (issue 17): the mover's next velocity-command label
(GO_ON / REVERSE / STOP relative to the direction of travel) and whether a moving command's max velocity changes,
as multinomial logistic models on a piecewise-linear basis of continuous geometry, fitted per corpus member.

    PYTHONPATH=$PWD python benchmarks/hazard_fit.py fit MODEL.npz [--movers orbit,...] [--seeds 1000..1011]
        [--l2 1] [--rounds 35] [--cache DIR]
    PYTHONPATH=$PWD python benchmarks/hazard_fit.py score MODEL.npz --corpus CORPUS.npz [--movers orbit,...]
        [--seeds 0..2] [--rounds 35] [--cache DIR] [--json]

The binned tables (benchmarks/play_forward.py, `label_probs`) cut the wall pressure into 0.1 rad bins and leave
the distance to the shooter and the other direction out; orbit's wall reversal is a sharp threshold on those
together. Here every transition the tables learn (`play_forward.battle_transitions`, the same rows in the same
order) gets continuous features -- the command's age, turns since the shooter fired, the speed along the travel,
the wall pressure (`play_forward.wall_pressure`) of the direction of travel and of the reverse one, the distance
to the shooter, the angle between the travel heading and the line to the shooter, the room ahead and behind --
and the model is softmax(sum of hat-function weights) with one weight table per previous label (per next label for
the speed change): a bias, a hat basis of each feature, and bilinear grids of (pressure, distance) and (age, turns
since fire). No mover parameter, no mover name. Fitted by L-BFGS (scipy) on the exact gradient with an L2
penalty, one member per corpus mover.

`fit` writes the model (plain arrays, atomically: sim.io.atomic); `score` reads it back (sim.io.npyzip, every
shape checked) and scores it exactly as benchmarks/hazard_score.py scores the tables -- nats per observed
transition, open (wall pressure 0) and wall turns, the label part and the speed-change part -- paired with the
binned corpus member of the same name (geometry none, --prior) on the same transitions. `hazard_probs` is the
per-turn function the futures would call. --cache DIR keeps each battle's transitions (plain npz) between runs.
"""
import argparse
import math
import os
import sys

import numpy as np
from numba import njit

from bots.guns.forecast_corpus import FIT_VERSION as MODEL_VERSION
from bots.guns.forecast_corpus import read_hazard_fit, save_hazard_fit
from bots.guns.forecast_kernels import (  # noqa: F401  (the kernels live in the product; re-exported for tests)
    N_RAW,
    HazardFit,
    fit_probs,
    fit_scratch,
    hat,
    raw_features,
    softmax_row,
    sparse_basis,
)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import play_forward as pf  # noqa: E402

DEFAULT_MOVERS = ("orbit,orbit:speed_prob=0.1,stopgo:flip=0.5,stopgo,surf,sample.Crazy,sample.Walls,"
                  "sample.SpinBot")
SCORED_MOVERS = "orbit,orbit:speed_prob=0.1,stopgo:flip=0.5"
DEFAULT_L2 = 1.0

# The continuous features of a transition (`raw_features`), each clamped to its knots' range by the basis.
FEATURES = ("command age", "since fire", "speed along travel", "wall pressure", "distance", "reverse pressure",
            "heading to shooter", "room ahead", "room behind", "turn to the smoothed orbit")
(AGE, SINCE_FIRE, SPEED, PRESSURE, DISTANCE, REVERSE_PRESSURE, TO_SHOOTER, ROOM_AHEAD, ROOM_BEHIND,
 TURN_TO_ORBIT) = range(10)
assert N_RAW == len(FEATURES)
# The basis: blocks of hat functions, one feature (second -1) or a bilinear grid of two; knots ascending.
# Turns since the shooter fired end at 15: the corpus's shooter (power 3) fires every 16 turns, so a longer gap is
# only seen at a round's start; a gun that holds fire longer (`forecast`'s hold_chance) would read weights fitted on
# round starts, or none at all (docs/learning.md, "The per-shot rate, corrected"). hat() clamps beyond the last knot.
BLOCKS = (
    (AGE, -1, (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 17, 20, 25, 30, 40), ()),
    (SINCE_FIRE, -1, (0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15), ()),
    (SPEED, -1, (-8, -4, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8), ()),
    (PRESSURE, DISTANCE, (0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0, 1.3, 1.7, math.pi),
     (100, 250, 350, 450, 550, 650, 800, 1100)),
    (REVERSE_PRESSURE, -1, (0, 0.1, 0.3, 0.5, 0.7, 1.0, 1.5, math.pi), ()),
    (TO_SHOOTER, -1, tuple(k * math.pi / 12 for k in range(13)), ()),
    (ROOM_AHEAD, -1, (0, 20, 40, 80, 120, 160, 240, 400), ()),
    (ROOM_BEHIND, -1, (0, 20, 40, 80, 120, 160, 240, 400), ()),
    (AGE, SINCE_FIRE, (1, 3, 6, 10, 20, 40), (0, 1, 2, 4, 8, 15)),
    (TURN_TO_ORBIT, -1, (-math.pi, -1.5, -1, -0.6, -0.3, -0.15, 0, 0.15, 0.3, 0.6, 1, 1.5, math.pi), ()),
    (TURN_TO_ORBIT, SPEED, (-math.pi, -1, -0.5, 0, 0.5, 1, math.pi), (-8, 0, 2, 4, 6, 8)),
)


def basis_arrays(blocks=BLOCKS):
    """(block features (nb, 2), knot starts (nb, 2), knot counts (nb, 2), block offsets (nb,), knots, basis size)
    of `blocks`: the plain arrays the kernels and the saved model carry. Offset 0 is the bias."""
    nb = len(blocks)
    feat = np.full((nb, 2), -1, dtype=np.int64)
    start = np.zeros((nb, 2), dtype=np.int64)
    count = np.zeros((nb, 2), dtype=np.int64)
    offset = np.zeros(nb, dtype=np.int64)
    knots = []
    size = 1
    for b, (fa, fb, ka, kb) in enumerate(blocks):
        feat[b] = (fa, fb)
        start[b, 0], count[b, 0] = len(knots), len(ka)
        knots.extend(ka)
        if fb >= 0:
            start[b, 1], count[b, 1] = len(knots), len(kb)
            knots.extend(kb)
        offset[b] = size
        size += len(ka) * (len(kb) if fb >= 0 else 1)
    return feat, start, count, offset, np.array(knots, dtype=np.float64), size


BLOCK_FEAT, KNOT_START, KNOT_COUNT, BLOCK_OFFSET, KNOTS, N_BASIS = basis_arrays()
MAX_NNZ = 1 + sum(4 if fb >= 0 else 2 for _, fb, _, _ in BLOCKS)


def hazard_probs(label_w, speed_w, feat, start, count, offset, knots, prev_label, age, since_fire, speed, x, y, h,
                 travel, sx, sy, width, height, probs, change):
    """One turn of the continuous hazard, what a future calls (the product's forecast_kernels.fit_probs on one
    member): probs[:3] = P(next label GO_ON, REVERSE, STOP | previous label, state) and change[:2] = P(a moving
    command changes its max velocity | next label GO_ON, REVERSE), given one member's weights (label_w (3, N_BASIS,
    3), speed_w (2, N_BASIS, 2)) and the basis arrays. `speed` = velocity * travel; travel = the sign of the last
    non-zero velocity."""
    fit = HazardFit(label_w[None], speed_w[None], feat, start, count, offset, knots)
    fit_probs(fit, 0, prev_label, age, since_fire, speed, x, y, h, travel, sx, sy, width, height, fit_scratch(fit),
              probs, change)


@njit(cache=True, error_model="numpy")
def battle_rows(rnd, x, y, h, v, fired, live, sx, sy, width, height):
    """Per transition the tables learn (play_forward.battle_transitions' rows, in order): the continuous features
    (n, N_RAW), the previous label, the next label, the speed change (1 / 0, -1 where the command does not stay
    moving) and the binned tables' inputs (previous / next command, travel, wall / fire / age bins), (n, 7)."""
    since_fire, travel, cmd_dir, cmd_vel, age, rows = pf.battle_transitions(rnd, v, fired, live)
    n = rows.shape[0]
    raw = np.empty((n, N_RAW))
    prev = np.empty(n, dtype=np.int64)
    label = np.empty(n, dtype=np.int64)
    change = np.full(n, -1, dtype=np.int64)
    binned = np.empty((n, 8))
    for r in range(n):
        j = rows[r]
        tv = travel[j]
        raw_features(age[j], since_fire[j], tv * v[j], x[j], y[j], h[j], tv, sx[j], sy[j], width, height, raw[r])
        prev[r] = pf.command_label(cmd_dir[j - 1], tv)
        label[r] = pf.command_label(cmd_dir[j], tv)
        if cmd_dir[j] != 0.0 and cmd_dir[j - 1] != 0.0:
            change[r] = 1 if abs(cmd_vel[j] - cmd_vel[j - 1]) > 1e-9 else 0
        wb, fb, ab = pf.hazard_bins(raw[r, PRESSURE], since_fire[j], age[j])
        binned[r, 0] = cmd_dir[j - 1]
        binned[r, 1] = cmd_vel[j - 1]
        binned[r, 2] = cmd_dir[j]
        binned[r, 3] = cmd_vel[j]
        binned[r, 4] = tv
        binned[r, 5] = wb
        binned[r, 6] = fb
        binned[r, 7] = ab
    return raw, prev, label, change, binned


BATTLE_KEYS = ("raw", "prev", "label", "change", "binned")


def battle_data(spec, seed, rules, cache=None):
    """battle_rows of the shooter's recorded battle against `spec` on `seed` (play_forward.recorded_battle), as a
    dict; with `cache` (a directory) read from / written to a plain npz there."""
    path = None
    if cache:
        safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in spec)
        path = os.path.join(cache, f"{safe}_s{seed}_r{rules.rounds}_v{MODEL_VERSION}_{N_RAW}.npz")
        if os.path.exists(path):
            with np.load(path, allow_pickle=False) as z:
                return {k: z[k] for k in BATTLE_KEYS}
    _, _, r1, r0, fired, live, _ = pf.recorded_battle(spec, seed, rules)
    out = dict(zip(BATTLE_KEYS, battle_rows(r1[:, 0].astype(np.int64), r1[:, 3], r1[:, 4], r1[:, 5], r1[:, 8], fired,
                                            live, r0[:, 3], r0[:, 4], float(rules.width), float(rules.height))))
    if path:
        from sim.io.atomic import atomic_output
        with atomic_output(path) as f:
            np.savez(f, **out)
    return out


@njit(cache=True, error_model="numpy")
def design(raw, feat, start, count, offset, knots):
    """The sparse basis of every row of raw: (indices (n, MAX_NNZ), values (n, MAX_NNZ), counts (n,))."""
    n = raw.shape[0]
    idx = np.zeros((n, MAX_NNZ), dtype=np.int64)
    wt = np.zeros((n, MAX_NNZ))
    nnz = np.empty(n, dtype=np.int64)
    for r in range(n):
        nnz[r] = sparse_basis(raw[r], feat, start, count, offset, knots, idx[r], wt[r])
    return idx, wt, nnz


@njit(cache=True, error_model="numpy")
def loss_grad(w, group, target, idx, wt, nnz, l2, grad):
    """Penalised negative log-likelihood sum_r -log p(target[r] | group[r], row r) + l2 / 2 * |w|^2 of the softmax
    model w (groups, basis, classes) on the sparse rows, and its exact gradient into grad (same shape)."""
    c = w.shape[2]
    p = np.empty(c)
    loss = 0.0
    for i in range(w.shape[0]):
        for b in range(w.shape[1]):
            for j in range(c):
                grad[i, b, j] = l2 * w[i, b, j]
                loss += 0.5 * l2 * w[i, b, j] * w[i, b, j]
    for r in range(group.shape[0]):
        g = group[r]
        softmax_row(w, g, idx[r], wt[r], nnz[r], p)
        loss -= math.log(max(p[target[r]], 1e-300))
        for j in range(c):
            e = p[j] - (1.0 if j == target[r] else 0.0)
            for k in range(nnz[r]):
                grad[g, idx[r, k], j] += e * wt[r, k]
    return loss


@njit(cache=True, error_model="numpy")
def log_probs(w, group, target, idx, wt, nnz):
    """log p(target[r] | group[r], row r) per row."""
    p = np.empty(w.shape[2])
    out = np.empty(group.shape[0])
    for r in range(group.shape[0]):
        softmax_row(w, group[r], idx[r], wt[r], nnz[r], p)
        out[r] = math.log(max(p[target[r]], 1e-300))
    return out


def fit_softmax(group, target, idx, wt, nnz, groups, classes, l2, max_iter=2000):
    """The weights (groups, N_BASIS, classes) minimising loss_grad, by L-BFGS from zero; and scipy's result."""
    from scipy.optimize import minimize
    shape = (groups, N_BASIS, classes)
    grad = np.zeros(shape)

    def f(flat):
        loss = loss_grad(flat.reshape(shape), group, target, idx, wt, nnz, float(l2), grad)
        return loss, grad.ravel().copy()
    res = minimize(f, np.zeros(int(np.prod(shape))), jac=True, method="L-BFGS-B",
                   options=dict(maxiter=max_iter, maxcor=20, gtol=1e-6, ftol=1e-12))
    return res.x.reshape(shape), res


def member_rows(battles):
    """The label rows and the speed-change rows (where the command stays moving, grouped by the next label) of a
    list of battle_data dicts: ((group, target, idx, wt, nnz), (group, target, idx, wt, nnz))."""
    raw = np.concatenate([b["raw"] for b in battles])
    prev = np.concatenate([b["prev"] for b in battles])
    label = np.concatenate([b["label"] for b in battles])
    change = np.concatenate([b["change"] for b in battles])
    idx, wt, nnz = design(raw, BLOCK_FEAT, KNOT_START, KNOT_COUNT, BLOCK_OFFSET, KNOTS)
    s = change >= 0
    return (prev, label, idx, wt, nnz), (label[s], change[s], idx[s], wt[s], nnz[s])


def fit_member(battles, l2):
    """(label weights (3, N_BASIS, 3), speed weights (2, N_BASIS, 2), training nats per transition) of one member."""
    lab, spd = member_rows(battles)
    label_w, r1 = fit_softmax(*lab, 3, 3, l2)
    speed_w, r2 = fit_softmax(*spd, 2, 2, l2)
    turns = len(lab[0])
    nll = (log_probs(label_w, *lab).sum() + log_probs(speed_w, *spd).sum()) / turns
    return label_w, speed_w, nll, (r1, r2)


def save_model(path, names, sources, l2, label_weights, speed_weights):
    """Write the fitted members (label weights (M, 3, N_BASIS, 3), speed weights (M, 2, N_BASIS, 2)) and this version's
    basis: bots/guns/forecast_corpus.save_hazard_fit, the file the forecast gun reads."""
    save_hazard_fit(path, names, sources, l2, (BLOCK_FEAT, KNOT_START, KNOT_COUNT, BLOCK_OFFSET, KNOTS), label_weights,
                    speed_weights)


def load_model(path):
    """dict of a save_model file (names, sources, l2, the basis arrays, label_weights, speed_weights), read by the
    gun's reader (forecast_corpus.read_hazard_fit: every header checked before data is read); the basis must also be
    the one this version fits. Anything else is a one-line UsageError."""
    from sim.cli.errors import UsageError

    def fail(msg):
        return UsageError(f"model {msg}")
    out = read_hazard_fit(path, fail, N_RAW)
    for k, want in (("block_feat", BLOCK_FEAT), ("knot_start", KNOT_START), ("knot_count", KNOT_COUNT),
                    ("block_offset", BLOCK_OFFSET), ("knots", KNOTS)):
        if not np.array_equal(out[k], want):
            raise fail(f"{path}: its {k} differ from this version's basis")
    return out


@njit(cache=True, error_model="numpy")
def binned_log_probs(c1, c2, c3, c4, c5, s1, s2, binned, strength):
    """Per row (label part, speed-change part) of play_forward.command_log_prob under one member's tables
    (geometry none): the log-probability of the label, and the rest of the command's."""
    n = binned.shape[0]
    out = np.zeros((n, 2))
    probs = np.empty(3)
    for r in range(n):
        pd, pv, d, mv, tv = binned[r, 0], binned[r, 1], binned[r, 2], binned[r, 3], binned[r, 4]
        w, f, a = int(binned[r, 5]), int(binned[r, 6]), int(binned[r, 7])
        total = pf.command_log_prob(c1, c2, c3, c4, c5, s1, s2, pd, pv, d, mv, tv, w, f, a, 0, 0, 0, strength, probs)
        pf.label_probs(c1, c2, c3, c4, c5, pf.command_label(pd, tv), w, f, a, 0, 0, 0, strength, probs)
        out[r, 0] = math.log(probs[pf.command_label(d, tv)])
        out[r, 1] = total - out[r, 0]
    return out


def continuous_log_probs(model, k, battle):
    """Per row (label part, speed-change part) of the continuous member k's log-probability of a battle_data."""
    idx, wt, nnz = design(battle["raw"], model["block_feat"], model["knot_start"], model["knot_count"],
                          model["block_offset"], model["knots"])
    out = np.zeros((len(battle["prev"]), 2))
    out[:, 0] = log_probs(model["label_weights"][k], battle["prev"], battle["label"], idx, wt, nnz)
    s = battle["change"] >= 0
    out[s, 1] = log_probs(model["speed_weights"][k], battle["label"][s], battle["change"][s], idx[s], wt[s], nnz[s])
    return out


def score_battle(model, k, tables, battle, prior):
    """Sums (binned / continuous, label / speed part, open / wall) of one battle's transitions, (2, 2, 2), and the
    turns (open, wall)."""
    wall = battle["binned"][:, 5] > 0
    out = np.zeros((2, 2, 2))
    for m, lp in enumerate((binned_log_probs(*tables[:7], battle["binned"], float(prior)),
                            continuous_log_probs(model, k, battle))):
        for part in range(2):
            out[m, part, 0] = lp[~wall, part].sum()
            out[m, part, 1] = lp[wall, part].sum()
    return out, np.array([(~wall).sum(), wall.sum()], dtype=float)


def _movers(text, split, specs):
    from sim.cli.errors import UsageError
    out = []
    for name in split(text):
        pairs = specs(name)
        if not pairs or len(pairs) != 1:
            raise UsageError(f"unknown movement {name!r}; `gfsim bots` lists them")
        if any(name == m for m, _ in out):
            raise UsageError(f"movement {name!r} is listed twice")
        out.append(pairs[0])
    if not out:
        raise UsageError("no movement given")
    return out


def main(argv=None):
    from sim.cli.args import positive_int
    from sim.cli.errors import OneLineParser, UsageError, run_command
    from sim.cli.output import json_text
    from sim.engine.rules import Rules
    from sim.experiments.challenge import _split_names, movement_specs, parse_seeds

    def run(argv):
        p = OneLineParser(prog="hazard_fit.py", description=__doc__.split("\n\n")[0],
                          formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
        sub = p.add_subparsers(dest="cmd", required=True)
        pf_ = sub.add_parser("fit", help="fit one member per mover on its corpus battles and write MODEL.npz")
        pf_.add_argument("out", metavar="MODEL.npz")
        pf_.add_argument("--movers", default=DEFAULT_MOVERS, help=f"corpus movers, one member each (default "
                         f"{DEFAULT_MOVERS})")
        pf_.add_argument("--seeds", default="1000..1011", help="corpus seeds (default 1000..1011)")
        pf_.add_argument("--l2", type=float, default=DEFAULT_L2, help=f"L2 penalty (default {DEFAULT_L2:g})")
        ps = sub.add_parser("score", help="nats per transition of MODEL.npz and the binned corpus, paired")
        ps.add_argument("model", metavar="MODEL.npz")
        ps.add_argument("--corpus", required=True, help="the binned tables (benchmarks/hazard_corpus.py)")
        ps.add_argument("--movers", default=SCORED_MOVERS, help=f"scored movers, each a member of both files "
                        f"(default {SCORED_MOVERS})")
        ps.add_argument("--seeds", default="0..2", help="scored seeds (default 0..2)")
        ps.add_argument("--prior", type=float, default=pf.DEFAULT_PRIOR, help="the tables' pseudo-counts "
                        f"(default {pf.DEFAULT_PRIOR:g})")
        ps.add_argument("--json", action="store_true")
        for q in (pf_, ps):
            q.add_argument("--rounds", type=positive_int, default=35, help="rounds per battle (default 35)")
            q.add_argument("--cache", metavar="DIR", help="keep each battle's transitions in DIR (plain npz)")
        a = p.parse_args(argv)
        if a.cache and not os.path.isdir(a.cache):
            raise UsageError(f"--cache {a.cache}: not a directory")
        movers = _movers(a.movers, _split_names, movement_specs)
        seeds = parse_seeds(a.seeds)
        rules = Rules(rounds=a.rounds)
        if a.cmd == "fit":
            if not math.isfinite(a.l2) or a.l2 < 0:
                raise UsageError(f"--l2 takes a number >= 0, got {a.l2:g}")
            if not a.out.endswith(".npz") or os.path.isdir(a.out) or \
                    not os.path.isdir(os.path.dirname(os.path.abspath(a.out))):
                raise UsageError(f"cannot write {a.out}: name it MODEL.npz in an existing directory")
            label_ws, speed_ws = [], []
            for name, spec in movers:
                lw, sw, nll, (r1, r2) = fit_member([battle_data(spec, s, rules, a.cache) for s in seeds], a.l2)
                label_ws.append(lw)
                speed_ws.append(sw)
                print(f"{name}: training {nll:.5f} nats/transition (L-BFGS {r1.nit} + {r2.nit} iterations, "
                      f"{'converged' if r1.success and r2.success else 'NOT converged'})", flush=True)
            sources = [f"{spec} vs {pf.SHOOTER}, seeds {','.join(str(s) for s in seeds)}, {a.rounds} rounds"
                       for _, spec in movers]
            save_model(a.out, [n for n, _ in movers], sources, a.l2, label_ws, speed_ws)
            print(f"wrote {a.out}: {len(movers)} members, {N_BASIS} basis functions, l2 {a.l2:g}")
            return 0
        if not (0 < a.prior < 1e6):
            raise UsageError(f"--prior takes a number in (0, 1e6), got {a.prior:g}")
        model = load_model(a.model)
        names, _, corpus = pf.load_corpus(a.corpus)
        report = []
        for name, spec in movers:
            if name not in names or name not in model["names"]:
                raise UsageError(f"{name!r} is not a member of both {a.model} and {a.corpus}")
            k, kc = model["names"].index(name), names.index(name)
            tables = [t[kc] for t in corpus]
            sums, turns, per_seed = np.zeros((2, 2, 2)), np.zeros(2), []
            for s in seeds:
                sm, tn = score_battle(model, k, tables, battle_data(spec, s, rules, a.cache), a.prior)
                sums, turns = sums + sm, turns + tn
                per_seed.append((sm[1].sum() - sm[0].sum()) / tn.sum())
            row = dict(mover=name, turns_open=int(turns[0]), turns_wall=int(turns[1]), per_seed_gain=per_seed)
            for m, model_name in enumerate(("binned", "continuous")):
                for part, part_name in enumerate(("label", "speed")):
                    row[f"{model_name}_{part_name}_open"] = sums[m, part, 0] / turns[0]
                    row[f"{model_name}_{part_name}_wall"] = sums[m, part, 1] / turns[1]
                    row[f"{model_name}_{part_name}_all"] = sums[m, part].sum() / turns.sum()
                row[f"{model_name}_open"] = sums[m, :, 0].sum() / turns[0]
                row[f"{model_name}_wall"] = sums[m, :, 1].sum() / turns[1]
                row[f"{model_name}_all"] = sums[m].sum() / turns.sum()
            report.append(row)
        if a.json:
            sys.stdout.write(json_text(dict(model=a.model, corpus=a.corpus, seeds=seeds, prior=a.prior,
                                            rounds=a.rounds, movers=report)))
            return 0
        print(f"nats per transition, seeds {a.seeds}, binned (geometry none, prior {a.prior:g}) -> continuous "
              f"(gain); label + speed-change parts")
        for r in report:
            for where in ("open", "wall", "all"):
                b, c = r[f"binned_{where}"], r[f"continuous_{where}"]
                print(f"{r['mover']:<22} {where:<4} {b:.5f} -> {c:.5f} ({c - b:+.5f})  label "
                      f"{r[f'binned_label_{where}']:.5f} -> {r[f'continuous_label_{where}']:.5f}  speed "
                      f"{r[f'binned_speed_{where}']:.5f} -> {r[f'continuous_speed_{where}']:.5f}")
            print(f"{r['mover']:<22} turns open {r['turns_open']}, wall {r['turns_wall']}; gain per seed "
                  + " / ".join(f"{g:+.5f}" for g in r["per_seed_gain"]))
        return 0
    return run_command("hazard_fit.py", run, list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
