"""`gfsim oracle`: the Bayes limit of targeting a movement -- the best hit rate any gun could reach.

    gfsim oracle MOVEMENT [--seasons N | --seeds S] [--samples M] [--rounds 35] [--jobs N] [--json]
                 [--soft-targets OUT.npz [--soft-bins B]]

The situations. A stationary power-3 shooter (``lock+headon:power=3,energy_rule=0+still``, the challenge's
shooter with the head-on gun) plays the movement (``lock+none+MOVEMENT``, or a sample robot / whole spec)
for --rounds rounds per season, seeded as in `gfsim challenge` (same seeds, same start positions, same
mover randomness while the mover does not react to the shooter's hits). Every bullet the shooter fires
while both robots are alive is a *firing situation*.

The futures. A gun aims a bullet fired in turn F with what it knew at turn F-2 (the gun turn set at
F-2 happens in F-1, the bullet leaves in F with the gun heading of F-1: docs/writing-a-strategy.md,
"Timing"), so the oracle copies the whole engine state at the turn boundary after F-3 -- after the mover
decided its move of F-2, which the gun sees -- and plays it on M times (BattleRun.copy/play_turns, the engine's
own turn loop). In each copy the mover's ``java.util.Random`` gets a fresh 48-bit state (numpy SeedSequence of
the season seed, the shot number and --future-seed): its later draws are then independent of the real ones
and distributed as they would be (the generator's outputs stand for iid uniforms, as everywhere in gfsim).
Everything else is cloned: the mover's memory (its direction, timers, what it knows of the shooter), the
shooter and its gun, bullets in flight, the engine's own random order. The mover is made immortal in the
copies (energy 1e9) so that no future is cut short by a kill: the oracle is the hit probability of a wave
against a mover that keeps moving. (Movers that read their own energy would behave differently; orbit,
stop-and-go and the sample movers here do not.)

The interval of a future. The copy records the mover's centre each turn; sim.waves.gf.track_wave (the precise
intersection of the datasets) turns the path into the exact set of bullet headings that hit it -- a union of
intervals of offsets from the direct bearing at F-1. The mover's recorded centre is its hit box except right
after a ram it caused (sim/waves/tracking.py), which these movers do not do.

The estimate. At each situation the oracle fires at the heading covered by the most futures (a compiled sweep
over the interval ends) and scores the fraction of futures it covers: ``oracle`` = its mean over the season's
situations, the in-sample maximum, which is biased upward by the noise of M samples (never below the true
coverage on average: E[max] >= max E) and whose bias shrinks as M grows (it is non-increasing in M in
expectation: the maximum of an average of leave-one-out averages is at most their average of maxima).
``oracle_xfit`` is the honest other side: the heading chosen on one half of the futures scored on the other
half, and vice versa (cross-fitting), an unbiased estimate of what an achievable, state-aware gun would hit,
so at most the Bayes limit on average. Always xfit <= oracle per situation; as M grows both converge to the
Bayes limit of a gun that knows the mover's state. A deterministic mover gives 1 on both.

Statistics: per season the mean over its situations; reported the mean over seasons with a 95% Student-t
interval (gfsim challenge's mean_ci). A gun's hit rate in `gfsim challenge` (hits / shots) cannot exceed it
as long as the gun fires when its gun is cool, as the challenge's guns do (one that picked its moments could
choose easier situations); it also counts the shots in flight when the mover dies, which no aim can hit.
`gfsim challenge --oracle` prints each gun's percentage of it.

Soft targets (``--soft-targets OUT.npz``, sim/io/soft_targets.py, read by `gfsim distill`): each season's
battle is played once more, recorded (a battle is a pure function of its seed), and every situation that is
a real wave of its dataset table (sim.io.dataset) is written with that row -- the wave's fire-time features
and its real [gf_lo, gf_hi] -- and its futures' hit sets turned into the row's guess factors (offset x
lat_dir / classic MEA), with their coverage of a GF grid. Note the timing: the row's features describe the
state at the end of F-1, the futures branch after F-3, so the soft target E[hard target | state after F-3]
knows two turns of the mover's draws less than the features do.
"""
import argparse
import math
import os
import sys
import time

import numpy as np
from numba import njit

from sim.cli.args import (
    add_parts_flag,
    add_progress_flags,
    add_rules_args,
    bounded_int,
    jobs_type,
    progress_bar,
)
from sim.cli.errors import OneLineParser, UsageError, run_command
from sim.cli.output import json_text
from sim.engine.constants import (
    B_FIRE_TIME,
    B_ID,
    B_OWNER,
    B_POWER,
    BT_N_BULLETS,
    BT_TIME,
    R_ALIVE,
    R_ENERGY,
    R_HEAT,
    R_SHOTS,
    R_X,
    R_Y,
)
from sim.waves.gf import (
    LAG,
    MAX_CAND,
    MAX_FLIGHT,
    MAX_PARTS,
    best_heading,
    bullet_speed,
    track_wave,
)

SHOOTER = "lock+headon:power=3,energy_rule=0+still"   # the challenge's shooter (robot 0); its gun only fires
IMMORTAL = 1e9           # the mover's energy in the futures: nothing ends them early
SILENT_HEAT = 1e9        # a silent shooter's gun heat in the futures: it never cools enough to fire
DEFAULT_SAMPLES = 64
MAX_SAMPLES = 100_000
CONFIDENCE = 0.95
WIDE_BRACKET = 0.02      # oracle - cross-fit above which the report says the estimate has not converged


# ---------------------------------------------------------------- compiled kernels

@njit(cache=True, error_model="numpy")
def coverage(lo, hi, point):
    """How many of the intervals [lo[k], hi[k]] contain `point`."""
    c = 0
    for q in range(lo.shape[0]):
        if lo[q] <= point <= hi[q]:
            c += 1
    return c


@njit(cache=True, error_model="numpy")
def situation_scores(lo, hi, owner, m):
    """(in-sample maximum coverage, cross-fitted coverage) of one situation's m futures, whose hit sets
    are the pieces [lo, hi] of future owner[k]. Cross-fitting: the futures are split into even and odd
    numbers; each future is scored once, by whether the best heading of the other half hits it; the
    fraction of futures hit. It never exceeds the in-sample maximum: c_odd(at_even) + c_even(at_odd) <=
    c_odd(at_even) + c_even(at_even) <= the most futures any heading covers."""
    best, _ = best_heading(lo, hi)
    if m < 2:
        return best / max(m, 1), math.nan
    even = owner % 2 == 0
    odd = ~even
    _, at_e = best_heading(lo[even], hi[even])
    _, at_o = best_heading(lo[odd], hi[odd])
    xe = 0 if math.isnan(at_e) else coverage(lo[odd], hi[odd], at_e)
    xo = 0 if math.isnan(at_o) else coverage(lo[even], hi[even], at_o)
    return best / m, (xe + xo) / m


@njit(cache=True, error_model="numpy")
def future_hit_set(rec, n_rows, mover, first_turn, fire_turn, sx, sy, speed, width, height, out):
    """The exact hit set of the wave fired in `fire_turn` from (sx, sy) against the mover's recorded path
    (rows rec[:n_rows] of the engine's recording, turns first_turn, first_turn + 1, ...): the wave's
    bearing is the mover's centre at the end of fire_turn - 1. Fills out[:n] with offset intervals
    (radians); returns (n, status) as track_wave (0 = the wave passed the mover, 2 = the path ended first)."""
    n_rob = 0
    for r in range(n_rows):
        if rec[r, 2] == mover:
            n_rob += 1
    cx = np.empty(n_rob)
    cy = np.empty(n_rob)
    k = 0
    for r in range(n_rows):
        if rec[r, 2] == mover:
            cx[k] = rec[r, 3]
            cy[k] = rec[r, 4]
            k += 1
    alive = np.ones(n_rob, dtype=np.bool_)
    j0 = fire_turn - 1 - first_turn          # the path index of the end of turn F-1
    if j0 < 0 or j0 >= n_rob:
        return 0, 2
    b = math.atan2(cx[j0] - sx, cy[j0] - sy)
    acc, parts, cand = np.empty((MAX_PARTS, 2)), np.empty((8, 2)), np.empty((3, MAX_CAND))   # gf.new_work
    n, status, _, _, _ = track_wave(sx, sy, b, speed, fire_turn - first_turn, cx, cy, alive, j0, n_rob - 1, width,
                                    height, 8.0, acc, parts, cand)
    for q in range(n):
        out[q, 0] = acc[q, 0]
        out[q, 1] = acc[q, 1]
    return n, status


# ---------------------------------------------------------------- one season

def _future_states(seed, shot, future_seed, m):
    """m fresh java.util.Random states (48 bits), a pure function of (season seed, shot number, future seed)."""
    ss = np.random.SeedSequence([int(seed) & 0xFFFFFFFFFFFFFFFF, int(shot), int(future_seed)])
    return ss.generate_state(m, dtype=np.uint64) & np.uint64((1 << 48) - 1)


def _fired_power(session, fire_time):
    """Power of the bullet robot 0 fired in the current turn (NaN if none is in the table)."""
    st = session.state
    bul = st["bul"]
    for q in range(int(st["bat"][BT_N_BULLETS])):
        b = st["blist"][q]
        if bul[b, B_OWNER] == 0 and bul[b, B_FIRE_TIME] == fire_time and bul[b, B_ID] > 0:
            return float(bul[b, B_POWER])
    return math.nan


def _play_future(snap, rng_state, fire_time, sx, sy, speed, rules, work, silent_shooter=False):
    """One future from the snapshot at the boundary after F-3: the mover reseeded and immortal, played until
    the wave has passed it (or its round ended). Returns the hit set pieces (n, 2) and turns played.
    `silent_shooter`: the shooter's gun is kept too hot to fire (or to aim, for a gun that aims only when it is
    about to be cool): cheap for a costly gun, and exact only for a mover that does not see the shooter's shots."""
    f = snap.copy()
    f.brng[1, 0] = rng_state
    f.state["rob"][1, R_ENERGY] = IMMORTAL
    if silent_shooter:
        f.state["rob"][0, R_HEAT] = SILENT_HEAT
    f.record = True
    first = int(f.state["bat"][BT_TIME]) + 1
    dist = math.hypot(f.state["rob"][1, R_X] - sx, f.state["rob"][1, R_Y] - sy)
    turns = min(MAX_FLIGHT, LAG + 1 + int((dist + 30.0) / speed) + 4)
    # the robots' rows only: the engine records them before the bullets' (loop._record), so a one-row bullet
    # table that fills at once (status 1) loses nothing the hit set needs
    f.rec_rob = np.zeros((2 * (MAX_FLIGHT + LAG + 8), f.rec_rob.shape[1]))
    f.rec_bul = np.zeros((1, f.rec_bul.shape[1]))
    f.rec_n = np.zeros(2, dtype=np.int64)
    rnd = f.next_round
    played = 0
    while True:
        before = f.total_turns
        f.play_turns(turns - played, end_round=rnd + 1, compile_progress=False)
        played += f.total_turns - before
        n, status = future_hit_set(f.rec_rob, int(f.rec_n[0]), 1, first, fire_time, sx, sy, speed,
                                   float(rules.width), float(rules.height), work)
        if status != 2 or not f.paused or played >= MAX_FLIGHT:
            return work[:n].copy(), played
        turns = min(MAX_FLIGHT, played + 20)


def firing_situations(mover_spec, seed, rules, parts=None, shooter=SHOOTER):
    """Play one season of the stationary `shooter` against `mover_spec`; yield each firing situation as
    (snapshot at the boundary after F-3, round, F, shooter x, y, bullet speed) while the battle goes on.
    The battle is stepped several turns at a time while the gun is too hot to fire within LAG + 1 turns,
    then one turn at a time with a copy kept of the last LAG + 2 boundaries."""
    from sim.engine.battle import open_battle
    s = open_battle([shooter, mover_spec], rules, seed, parts=parts)
    cooling = float(rules.gun_cooling_rate)
    arm = (LAG + 1) * cooling + 1e-9       # gun heat at which a bullet may leave within LAG + 1 turns
    snaps = {}
    while not s.finished:
        rob = s.state["rob"]
        if not (s.paused and rob[0, R_HEAT] <= arm):
            snaps.clear()
            step = int((rob[0, R_HEAT] - arm) / cooling) - 1 if s.paused else 1
            s.play_turns(max(1, step))
            continue
        snaps[s.total_turns] = s.copy()
        for key in [k for k in snaps if k < s.total_turns - LAG - 1]:
            del snaps[key]
        shots_before = rob[0, R_SHOTS]
        rnd = s.next_round
        s.play_turns(1)
        rob = s.state["rob"]
        if not (s.paused and s.next_round == rnd and rob[0, R_SHOTS] > shots_before):
            continue
        snap = snaps.get(s.total_turns - LAG - 1)
        if snap is None or not snap.paused or snap.next_round != rnd:
            continue
        if rob[1, R_ALIVE] == 0.0 or snap.state["rob"][1, R_ALIVE] == 0.0:
            continue
        fire_time = int(s.state["bat"][BT_TIME])
        power = _fired_power(s, fire_time)
        if np.isfinite(power):
            # the bullet left from where the shooter stood at the end of F-1 (it never moves)
            yield snap, rnd, fire_time, float(rob[0, R_X]), float(rob[0, R_Y]), float(bullet_speed(power))


def oracle_season(mover_spec, seed, rules, samples=DEFAULT_SAMPLES, future_seed=0, parts=None, on_wave=None,
                  keep_futures=False, shooter=SHOOTER, silent_shooter=False):
    """Score every firing situation of one season with `samples` futures (`on_wave(round)` after each).
    `shooter`: whose firing situations (the challenge's head-on shooter by default; any stationary power-3
    shooter, e.g. a gun's own, benchmarks/oracle_at_gun.py); `silent_shooter`: see _play_future.
    Returns dict(seed, waves, oracle, oracle_xfit, future_turns, seconds, per-wave lists
    upper/xfit/round/turn; with `keep_futures` also "futures": per wave the (lo, hi, future) arrays of
    its futures' hit-set pieces, offsets from the direct bearing in radians)."""
    t0 = time.perf_counter()
    uppers, xfits, rounds, turns_at = [], [], [], []
    future_turns = 0
    kept = []
    work = np.empty((MAX_PARTS, 2))
    situations = firing_situations(mover_spec, seed, rules, parts, shooter)
    for shot, (snap, rnd, fire_time, sx, sy, speed) in enumerate(situations):
        states = _future_states(seed, shot, future_seed, samples)
        los, his, owners = [], [], []
        for k in range(samples):
            pieces, played = _play_future(snap, states[k], fire_time, sx, sy, speed, rules, work, silent_shooter)
            future_turns += played
            los.append(pieces[:, 0])
            his.append(pieces[:, 1])
            owners.append(np.full(pieces.shape[0], k, dtype=np.int64))
        lo_all, hi_all, own_all = np.concatenate(los), np.concatenate(his), np.concatenate(owners)
        up, xf = situation_scores(lo_all, hi_all, own_all, samples)
        if keep_futures:
            kept.append((lo_all, hi_all, own_all))
        uppers.append(up)
        xfits.append(xf)
        rounds.append(rnd)
        turns_at.append(fire_time)
        if on_wave:
            on_wave(rnd)
    up = np.array(uppers)
    xf = np.array(xfits)
    out = dict(seed=int(seed), waves=int(up.size), oracle=float(up.mean()) if up.size else math.nan,
               oracle_xfit=float(np.nanmean(xf)) if up.size else math.nan,
               future_turns=int(future_turns), seconds=time.perf_counter() - t0, upper=up.tolist(),
               xfit=xf.tolist(), round=rounds, turn=turns_at)
    if keep_futures:
        out["futures"] = kept
    return out


def soft_target_season(mover_spec, seed, rules, samples=DEFAULT_SAMPLES, future_seed=0, parts=None, on_wave=None,
                       grid_bins=101):
    """One season's oracle with its soft targets: (season dict as oracle_season, rows) where rows holds,
    per firing situation that is a real wave of the recorded battle (shooter 0, a real bullet), the wave's
    dataset row (sim.io.dataset.GUN_SCHEMA: its features and real [gf_lo, gf_hi]), the situation's
    upper/xfit and its futures' hit-set pieces in that row's GF frame (offset x lat_dir / classic MEA,
    the datasets' convention) with their coverage of `grid_bins` GF points. The same battle is played
    again, recorded (a battle is a pure function of its seed), to get the rows."""
    from sim.engine.battle import run_battle
    from sim.io.dataset import battle_tables
    from sim.io.soft_targets import coverage_on_grid, grid_points
    res = oracle_season(mover_spec, seed, rules, samples, future_seed, parts=parts, on_wave=on_wave,
                        keep_futures=True)
    real = run_battle([SHOOTER, mover_spec], rules, seed=seed, record=True, parts=parts, compile_progress=False)
    g = battle_tables(real, 0, specs=[SHOOTER, mover_spec])[0]["gun"]
    where = {(int(r), int(t)): k for k, (r, t, sh, rl) in
             enumerate(zip(g["round"], g["turn"], g["shooter"], g["real_bullet"])) if sh == 0 and rl}
    pick, fl, fh, fr, ff = [], [], [], [], []
    for w, (rnd, turn) in enumerate(zip(res["round"], res["turn"])):
        k = where.get((int(rnd), int(turn)))
        if k is None:
            continue
        lo, hi, own = res["futures"][w]
        lat, mea = float(g["lat_dir"][k]), float(g["mea"][k])
        glo, ghi = (lo / mea, hi / mea) if lat >= 0 else (-hi / mea, -lo / mea)
        fr.append(np.full(len(lo), len(pick), dtype=np.int64))
        pick.append((w, k))
        fl.append(glo)
        fh.append(ghi)
        ff.append(own.astype(np.int32))
    ws = np.array([p[0] for p in pick], dtype=np.int64)
    ks = np.array([p[1] for p in pick], dtype=np.int64)
    cat = (lambda parts_, dt: np.concatenate(parts_).astype(dt) if parts_ else np.zeros(0, dt))
    futures = {"row": cat(fr, np.int64), "future": cat(ff, np.int32), "gf_lo": cat(fl, np.float64),
               "gf_hi": cat(fh, np.float64)}
    rows = {"gun": {c: v[ks] for c, v in g.items()},
            "upper": np.asarray(res["upper"])[ws] if len(ws) else np.zeros(0),
            "xfit": np.asarray(res["xfit"])[ws] if len(ws) else np.zeros(0),
            "futures": futures,
            "coverage": coverage_on_grid(futures["row"], futures["future"], futures["gf_lo"], futures["gf_hi"],
                                         len(ks), samples, grid_points(grid_bins))}
    del res["futures"]
    return res, rows


# ---------------------------------------------------------------- many seasons

def _season_task(task, on_wave=None):
    label, spec, seed, rules, samples, future_seed, parts, grid_bins = task
    if grid_bins:
        res, rows = soft_target_season(spec, seed, rules, samples, future_seed, parts=parts, on_wave=on_wave,
                                       grid_bins=grid_bins)
    else:
        res, rows = oracle_season(spec, seed, rules, samples, future_seed, parts=parts, on_wave=on_wave), None
    out = {k: res[k] for k in ("seed", "waves", "oracle", "oracle_xfit", "future_turns", "seconds")}
    if rows is not None:
        out["soft"] = rows
    return label, out


def merge_soft_targets(movements, seeds, seasons):
    """The seasons' soft-target rows in (movement, seed) order -- never the order the workers finished in --
    as one file's arrays: (gun, oracle, futures, coverage); the gun rows' `battle` is the season's number in
    that order (one stream per season)."""
    from sim.io.dataset import GUN_SCHEMA
    gun = {c: [] for c, _, _ in GUN_SCHEMA}
    oracle = {"movement": [], "upper": [], "xfit": []}
    futures = {"row": [], "future": [], "gf_lo": [], "gf_hi": []}
    cov = []
    n = 0
    b = 0
    for m, (label, _) in enumerate(movements):
        for d in sorted(seasons[label], key=lambda d: seeds.index(d["seed"])):
            r = d["soft"]
            k = len(r["upper"])
            for c in gun:
                gun[c].append(np.full(k, b) if c == "battle" else r["gun"][c])
            oracle["movement"].append(np.full(k, m))
            oracle["upper"].append(r["upper"])
            oracle["xfit"].append(r["xfit"])
            for c in futures:
                futures[c].append(r["futures"][c] + (n if c == "row" else 0))
            cov.append(r["coverage"])
            n += k
            b += 1
    cat = {k: np.concatenate(v) for k, v in gun.items()}
    return (cat, {k: np.concatenate(v) for k, v in oracle.items()}, {k: np.concatenate(v) for k, v in futures.items()},
            np.concatenate(cov, axis=0))


def summarize(movements, seeds, rules, samples, future_seed, seasons):
    """{movement label: [season dicts]} -> the report: per movement mean ± 95% CI over seasons of the oracle
    and its cross-fitted side, waves, seconds per season."""
    from sim.experiments.challenge import mean_ci
    rows = []
    for label, spec in movements:
        got = sorted(seasons[label], key=lambda d: seeds.index(d["seed"]))
        rows.append(dict(name=label, spec=spec, oracle=mean_ci([d["oracle"] for d in got]),
                         oracle_xfit=mean_ci([d["oracle_xfit"] for d in got]),
                         waves=int(sum(d["waves"] for d in got)),
                         seconds_per_season=float(np.mean([d["seconds"] for d in got])),
                         future_turns=int(sum(d["future_turns"] for d in got)), seasons=got))
    return dict(rules=rules.as_dict(), seeds=list(seeds), samples=int(samples), future_seed=int(future_seed),
                shooter=SHOOTER, lag=LAG, confidence=CONFIDENCE, movements=rows)


def run_oracle(movements, seeds, rules, samples=DEFAULT_SAMPLES, future_seed=0, jobs=1, parts=(), progress=None,
               soft_bins=None):
    """The oracle of every (label, spec) in `movements` on every seed; `progress(done)` after each season.
    Seasons run in a process pool when jobs > 1 (forked after compiling here); results never depend on it.
    `soft_bins`: also keep the soft targets (soft_target_season with that grid): the summary's "soft"
    holds merge_soft_targets' arrays."""
    from sim.engine.battle import open_battle
    from sim.engine.rules import Rules
    parts = [os.path.abspath(p) for p in parts or ()]
    tasks = [(label, spec, int(seed), rules, int(samples), int(future_seed), parts or None, soft_bins)
             for label, spec in movements for seed in seeds]
    seasons = {label: [] for label, _ in movements}
    t0 = time.perf_counter()
    jobs = max(1, min(int(jobs), len(tasks)))
    for _, spec in movements:   # compile (or load) every loop here, once: forked workers inherit them
        open_battle([SHOOTER, spec], Rules(rounds=1), parts=parts or None).play_turns(1)
    if jobs == 1:
        for k, task in enumerate(tasks):
            # in this process the bar moves with the rounds of a season: a season takes minutes
            on_wave = (lambda rnd, k=k: progress(round(k + rnd / rules.rounds, 2))) if progress else None
            label, res = _season_task(task, on_wave)
            seasons[label].append(res)
            if progress:
                progress(k + 1)
    else:
        from sim.experiments.workers import map_tasks
        for label, res in map_tasks(_season_task, tasks, jobs, progress):
            seasons[label].append(res)
    soft = merge_soft_targets(movements, list(seeds), seasons) if soft_bins else None
    for label in seasons:
        for d in seasons[label]:
            d.pop("soft", None)
    out = summarize(movements, list(seeds), rules, samples, future_seed, seasons)
    out.update(wall_time=time.perf_counter() - t0, jobs=jobs)
    if soft is not None:
        out["soft"] = soft
    return out


# ---------------------------------------------------------------- command line

def _pct(c):
    if c["n"] == 0 or not np.isfinite(c["mean"]):
        return "-"
    half = "n/a" if not np.isfinite(c["half"]) else f"{100 * c['half']:.1f}"
    return f"{100 * c['mean']:.1f} ± {half}"


def format_table(summary):
    r = summary["rules"]
    head = ["movement", "oracle %", "cross-fit %", "waves", "s/season"]
    rows = [[m["name"], _pct(m["oracle"]), _pct(m["oracle_xfit"]), f"{m['waves']:,}", f"{m['seconds_per_season']:.1f}"]
            for m in summary["movements"]]
    widths = [max(len(head[k]), *(len(t[k]) for t in rows)) for k in range(len(head))]
    n = len(summary["seeds"])
    lines = [f"Bayes-limit oracle: {summary['shooter']} (still, power 3); {summary['samples']} futures per firing "
             f"situation; {n} season{'s' if n != 1 else ''} x {r['rounds']} rounds; mean ± "
             f"{summary['confidence']:.0%} CI over seasons",
             "oracle = mean best coverage (in-sample, biased up); cross-fit = heading chosen on half the futures, "
             "scored on the other half (achievable, biased down)", ""]
    lines.append("  ".join(h.ljust(widths[k]) if k == 0 else h.rjust(widths[k]) for k, h in enumerate(head)))
    for t in rows:
        lines.append("  ".join(c.ljust(widths[k]) if k == 0 else c.rjust(widths[k]) for k, c in enumerate(t)))
    wide = [(m["name"], m["oracle"]["mean"] - m["oracle_xfit"]["mean"]) for m in summary["movements"]
            if m["oracle"]["mean"] - m["oracle_xfit"]["mean"] > WIDE_BRACKET]
    if wide:
        lines.append("")
        lines.append("the Bayes limit lies between cross-fit and oracle; "
                     + ", ".join(f"{name}: {100 * w:.1f} points apart" for name, w in wide)
                     + f" at {summary['samples']} futures (more --samples narrow it)")
    lines.append("")
    lines.append(f"wall {summary['wall_time']:.1f} s ({summary['jobs']} job{'s' if summary['jobs'] != 1 else ''})")
    st = summary.get("soft_targets")
    if st:
        lines.append(f"soft targets: {st['situations']:,} situations, {st['pieces']:,} future pieces, "
                     f"{st['grid_bins']} grid points -> {st['path']}")
    return "\n".join(lines)


HELP_EPILOG = """\
what it computes:
  A stationary power-3 shooter (lock+headon:power=3,energy_rule=0+still) plays MOVEMENT for
  --rounds rounds per season, seeded as in `gfsim challenge`. At every bullet it fires (turn F)
  the engine state of turn F-3 (what the gun knew when it aimed) is copied --samples times; each
  copy gives the mover's java.util.Random a fresh state and plays on (the mover immortal) until
  the wave has passed it, and the precise intersection of the wave with its path is that
  future's hit set. The oracle fires at the heading covered by the most futures: its coverage,
  averaged over the season's bullets, is the best hit rate any gun could expect (in-sample,
  biased up for small --samples). cross-fit chooses the heading on half the futures and scores
  it on the other half (an achievable gun: biased down). Both converge as --samples grows;
  a deterministic mover gives 100%.

soft targets:
  --soft-targets OUT.npz also writes, per firing situation, its dataset row (features, real
  [gf_lo, gf_hi]), its futures' hit intervals in guess factors and their coverage of --soft-bins
  GF points (the hit probability of a shot there): the teacher of `gfsim distill oracle OUT.npz`.

statistics:
  per season the mean over its firing situations; mean ± 95% Student-t CI over the seasons.

examples:
  gfsim oracle orbit --seasons 3
  gfsim oracle orbit:speed_prob=0.1,stopgo:flip=0.5 --seeds 0..4 --samples 128 --json
  gfsim oracle stopgo:flip=0.5 --seasons 6 --soft-targets soft.npz
"""


def build_parser(prog="gfsim oracle"):
    from sim.experiments.challenge import MAX_SEASONS, default_jobs
    p = OneLineParser(prog=prog, formatter_class=argparse.RawDescriptionHelpFormatter, epilog=HELP_EPILOG,
                      description="The Bayes limit of targeting a movement: the best hit probability any "
                                  "stationary power-3 gun could reach, from re-simulated futures of the "
                                  "mover's own randomness.")
    p.add_argument("movement", metavar="MOVEMENT",
                   help="movement part (orbit, stopgo:flip=0.5, ...: played as lock+none+PART), sample robot, "
                        "whole bot spec or `gfsim tune` best.json; several separated by commas")
    add_rules_args(p, rounds_help="rounds per season")
    add_parts_flag(p)
    sg = p.add_mutually_exclusive_group()
    sg.add_argument("--seasons", type=bounded_int(1, MAX_SEASONS), default=None,
                    help=f"number of seasons, seeds 0..N-1, 1 to {MAX_SEASONS:,} (default 3)")
    sg.add_argument("--seeds", default=None,
                    help="the seasons' seeds instead: 7, 1,2,5 or 0..9 (as in gfsim challenge)")
    p.add_argument("--samples", type=bounded_int(2, MAX_SAMPLES), default=DEFAULT_SAMPLES, metavar="M",
                   help=f"futures per firing situation, 2 to {MAX_SAMPLES:,} (default {DEFAULT_SAMPLES})")
    p.add_argument("--future-seed", type=bounded_int(0, 2 ** 32 - 1), default=0,
                   help="seed of the futures' random states (default 0)")
    p.add_argument("--jobs", type=jobs_type, default=None,
                   help=f"seasons in parallel processes (default: the number of CPUs, here {default_jobs()})")
    p.add_argument("--soft-targets", metavar="OUT.npz", default=None,
                   help="also write every firing situation's soft targets (its dataset row with the features, "
                        "its futures' hit intervals in GF and their coverage of a GF grid) for `gfsim distill` "
                        "(sim/io/soft_targets.py; written atomically)")
    p.add_argument("--soft-bins", type=bounded_int(3, 1001), default=101, metavar="B",
                   help="GF points of the soft targets' coverage grid, -1..1 (default 101)")
    p.add_argument("--json", action="store_true", help="print the results as JSON on stdout instead of a table")
    add_progress_flags(p)
    return p


def parse_args(argv, prog="gfsim oracle"):
    from bots.registry import BotSpecError, parse_bot
    from sim.engine.rules import rules_from_args
    from sim.experiments.challenge import _split_names, movement_specs, parse_seeds
    args = build_parser(prog).parse_args(argv)
    args.seed_list = parse_seeds(args.seeds) if args.seeds is not None else list(range(args.seasons or 3))
    args.rules = rules_from_args(args, error=UsageError)
    args.parts = [os.path.abspath(p) for p in args.parts]
    for p in args.parts:
        if not os.path.isfile(p):
            raise UsageError(f"--parts: no such plug-in file {p}")
    movements = []
    for name in _split_names(args.movement):
        pairs = movement_specs(name, args.parts)
        if pairs is None:
            raise UsageError(f"unknown movement {name!r}; `gfsim bots` lists them")
        for label, spec in pairs:
            try:
                parse_bot(spec, args.parts)
            except BotSpecError as e:
                raise UsageError(f"movement {name!r}: {e}") from None
            if any(label == m for m, _ in movements):
                raise UsageError(f"movement {label!r} is listed twice")
            movements.append((label, spec))
    if not movements:
        raise UsageError("no movement to play")
    args.movements = movements
    if args.soft_targets is not None:
        from sim.cli.errors import check_outputs
        if not args.soft_targets.endswith(".npz"):
            raise UsageError(f"--soft-targets must name a .npz file, got {args.soft_targets!r}")
        check_outputs([("--soft-targets", args.soft_targets)], [("--parts", p) for p in args.parts])
    return args


def execute(args):
    from sim.experiments.challenge import default_jobs
    n = len(args.movements) * len(args.seed_list)
    show = args.progress if args.progress is not None else (sys.stderr.isatty() and not args.json)
    bar, update = progress_bar(n, show, "oracle", unit="season")
    try:
        return run_oracle(args.movements, args.seed_list, args.rules, args.samples, args.future_seed,
                          jobs=args.jobs or default_jobs(), parts=args.parts, progress=update,
                          soft_bins=args.soft_bins if args.soft_targets else None)
    finally:
        if bar is not None:
            bar.close()


def main(argv=None, prog="gfsim oracle"):
    argv = list(sys.argv[1:] if argv is None else argv)
    return run_command(prog, lambda a: _main(a, prog), argv)


def _main(argv, prog):
    args = parse_args(argv, prog)
    summary = execute(args)
    soft = summary.pop("soft", None)
    if soft is not None:
        from sim.io.soft_targets import write_soft_targets
        meta = {"rules": summary["rules"], "seeds": summary["seeds"], "samples": summary["samples"],
                "future_seed": summary["future_seed"], "shooter": SHOOTER, "lag": LAG,
                "movements": [{"name": label, "spec": spec} for label, spec in args.movements]}
        write_soft_targets(args.soft_targets, meta, *soft)
        summary["soft_targets"] = {"path": args.soft_targets, "situations": int(len(soft[1]["upper"])),
                                   "pieces": int(len(soft[2]["row"])), "grid_bins": int(soft[3].shape[1])}
    sys.stdout.write(json_text(summary) if args.json else format_table(summary) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    from sim.cli.errors import exit_with
    exit_with(main())
