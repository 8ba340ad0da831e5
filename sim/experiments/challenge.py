"""`gfsim challenge`: the Robocode wiki's targeting and movement challenges, played inside gfsim.

    gfsim challenge [targeting|movement|both] [--guns G,..] [--movements M,..] [--rounds 35] [--seasons 10]
                    [--baseline NAME] [--jobs N | --scheduler ADDRESS] [--csv PATH] [--plot PATH.png] [--json]

Battles. Every gun is played against every reference movement, once per seed:
the shooter is ``lock+GUN:power=3,energy_rule=0+still`` (a radar lock, the gun
firing power-3 bullets, never moving); a movement is a sample robot as it is
(samples fire back, as in Robocode) or ``lock+none+MOVEMENT`` (a radar lock, no
gun). The shooter is robot 0, the movement robot 1. `energy_rule=0` means the
gun always asks for `power`; the engine only lowers it when the shooter's own
energy is below power + reserve (0.1), as Robocode's setFire would fail.

Statistics (the unit of the confidence intervals):

* one **season** = one seed's battle of --rounds rounds (default 35) for one
  (gun, movement) pair; seasons differ only by the seed (start positions, the
  engine's processing order and the bots' own randomness), and the same seeds
  are used for every pair;
* per-season **hit rate** = the shooter's bullet hits / its shots in that
  season (a season where it fired no shot has no hit rate and is left out:
  `seasons` counts the seasons that went in);
* per-season **damage per round** = the shooter's bullet damage (Robocode's
  bullet-damage score: damage dealt, capped by the victim's remaining energy)
  / rounds;
* reported: the mean of the per-season values over the seasons, with a 95%
  Student-t confidence interval mean ± t(0.975, n-1) · s / sqrt(n), s the
  sample standard deviation (ddof=1) of the n season values (scipy.stats.t).
  With a single season the interval is undefined (zero degrees of freedom):
  its bounds are NaN — "n/a" in the table, empty in CSV, null in JSON, no error
  bar in the plot. Identical seasons give a zero-width interval.
* **ALL**: per season, the mean over the row's pairs (targeting: a gun over all
  movements; movement: a movement over all guns), then mean and t-interval of
  those season means over the seeds.

The targeting challenge reports the gun's hit rate and damage per round against
each movement (higher is better); the movement challenge reports, from the same
battles seen from the other side, the gun's hit rate against the movement and
the damage the movement takes per round (lower is better).

Battles are independent and deterministic, so they run in a process pool
(--jobs, default: the number of CPUs; --jobs 1 plays them in this process) or on
a Dask distributed cluster (--scheduler ADDRESS, needs `dask.distributed`
installed here and gfsim importable on the workers); results never depend on
how they were run. Output files (--csv, --plot) are written atomically at the
end: on any error nothing is written. Bad input is one line on stderr, exit 2.
"""
import argparse
import csv
import io
import os
import math
import sys
import time

import numpy as np

from sim.engine.rules import rules_from_args
from sim.cli.args import add_parts_flag, progress_bar, add_progress_flags, add_rules_args, bounded_int, jobs_type, seed_list, MAX_JOBS
from sim.cli.errors import UsageError, OneLineParser, run_command, check_outputs, EXIT_BAD_INPUT  # noqa: F401
from sim.cli import output
from sim.io.atomic import write_atomic
CONFIDENCE = 0.95
MODES = ("targeting", "movement", "both")
DEFAULT_GUNS = ("headon", "linear", "circular", "gf", "knn", "learned")
# "samples" = every sample robot; the random movers: random orbit (reversals, and with random speeds) and
# stop-and-go that reverses at random, beside the deterministic stop-and-go; the wave surfer
DEFAULT_MOVEMENTS = ("samples", "orbit", "orbit:speed_prob=0.1", "stopgo", "stopgo:flip=0.5", "surf")
SHOOTER_PARAMS = {"power": "3", "energy_rule": "0"}
ALL = "ALL"
MAX_SEASONS = 100_000
MAX_ORACLE_REPORT_BYTES = 64 << 20     # a gfsim oracle report: ~0.3 kB a season

CSV_FIELDS = ("mode", "gun", "movement", "shooter", "mover", "seasons", "rounds", "shots", "hits",
              "pooled_hit_rate", "hit_rate", "hit_rate_ci_low", "hit_rate_ci_high", "hit_rate_ci_half",
              "dmg_per_round", "dmg_per_round_ci_low", "dmg_per_round_ci_high", "dmg_per_round_ci_half")


ChallengeError = UsageError   # the name this module used before sim.cli.errors


# ---------------------------------------------------------------- statistics

def mean_ci(values, confidence=CONFIDENCE):
    """Mean of the finite `values` with a two-sided Student-t interval.

    Returns dict(mean, low, high, half, n). n == 0: everything NaN. n == 1: the
    mean, NaN bounds (the interval needs n - 1 >= 1 degrees of freedom).
    """
    from scipy import stats
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    n = int(v.size)
    nan = float("nan")
    if n == 0:
        return dict(mean=nan, low=nan, high=nan, half=nan, n=0)
    m = float(v.mean())
    if n == 1:
        return dict(mean=m, low=nan, high=nan, half=nan, n=1)
    sem = float(v.std(ddof=1)) / math.sqrt(n)
    half = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1)) * sem
    return dict(mean=m, low=m - half, high=m + half, half=half, n=n)


# ---------------------------------------------------------------- names -> specs

def _split_names(text):
    """'headon,circular:power=2,tolerance=2,linear' -> ['headon', 'circular:power=2,tolerance=2', 'linear'].

    Commas separate names, except before a `key=value` (no ':' or '+', has '='), which continues the
    previous name's parameter list.
    """
    out = []
    for piece in str(text).split(","):
        piece = piece.strip()
        if not piece:
            continue
        if out and "=" in piece and ":" not in piece and "+" not in piece:
            out[-1] += "," + piece
        else:
            out.append(piece)
    return out


def _components(role, parts=None):
    """name -> Part of every `role` part: the built-in ones and those of the plug-in files `parts`."""
    from bots.registry import list_bots, BotSpecError
    try:
        entries = list_bots(parts)["parts"]
    except BotSpecError as e:
        raise ChallengeError(str(e)) from None
    return {e.part.name: e.part for e in entries if e.part.role == role}


def _kv(text, what):
    """'a=1,b=2' -> {'a': '1', 'b': '2'} (values kept as text for the bot spec)."""
    out = {}
    for kv in _split_names(text):
        for item in kv.split(","):
            key, eq, val = item.partition("=")
            if not eq or not key.strip() or not val.strip():
                raise ChallengeError(f"{what}: expected key=value, got {item!r}")
            out[key.strip()] = val.strip()
    return out


def _is_file(name):
    from sim.experiments.runner import is_bot_file
    return is_bot_file(name)


def _bot_file(path):
    """A `gfsim tune` best.json named as a gun or movement: its bot spec."""
    from sim.experiments.runner import load_bot_arg, TaskError
    try:
        return load_bot_arg(path)
    except TaskError as e:
        raise ChallengeError(str(e)) from None


def gun_spec(name, gun_params=None, parts=None):
    """Shooter spec for a gun: 'circular' -> 'lock+circular:power=3,energy_rule=0+still'.

    Parameters: power=3, energy_rule=0 (where the gun has them), then `gun_params` (where the gun has
    them), then the name's own ':key=value' list. A name containing '+' is a whole bot spec, used as is.
    """
    if "+" in name:
        return name
    if _is_file(name):
        return _bot_file(name)
    cname, _, own = name.partition(":")
    comp = _components("gun", parts).get(cname)
    if comp is None:
        return None
    declared = {p.name for p in comp.params}
    values = {k: v for k, v in SHOOTER_PARAMS.items() if k in declared}
    values.update({k: v for k, v in (gun_params or {}).items() if k in declared})
    if own:
        values.update(_kv(own, cname))
    args = ",".join(f"{k}={v}" for k, v in values.items())
    return f"lock+{cname}{':' + args if args else ''}+still"


def movement_specs(name, parts=None):
    """Movement name -> list of (label, spec): a sample robot as is, 'samples' = every sample robot,
    a movement part 'orbit[:k=v]' -> 'lock+none+orbit[:k=v]', a name containing '+' as is. None if unknown."""
    from bots.samples import SAMPLES
    if name == "samples":
        return [(n, n) for n, _, _ in SAMPLES]
    if _is_file(name):
        return [(name, _bot_file(name))]
    if "+" in name or name.startswith("sample."):
        return [(name, name)]
    cname = name.partition(":")[0]
    if cname not in _components("movement", parts):
        return None
    return [(name, f"lock+none+{name}")]


def resolve(guns=None, movements=None, gun_params=None, parts=None):
    """Turn gun and movement names into (label, spec) lists.

    `guns` / `movements` None: the defaults (DEFAULT_GUNS, DEFAULT_MOVEMENTS), where names not
    registered in this build are skipped (returned in `skipped` as one-line notes). Names given
    explicitly must exist: ChallengeError otherwise. Returns (gun_list, movement_list, skipped).
    """
    from bots.registry import parse_bot, BotSpecError
    skipped = []
    gp = _kv(gun_params, "--gun-params") if gun_params else {}
    if gp:
        declared = {p.name for c in _components("gun", parts).values() for p in c.params}
        bad = [k for k in gp if k not in declared]
        if bad:
            raise ChallengeError(f"--gun-params: no gun has a parameter {bad[0]!r}")

    def build(names, explicit, what, make):
        out = []
        for name in names:
            pairs = make(name)
            problem = None
            unknown = pairs is None
            if unknown:
                problem = f"unknown {what} {name!r}; `gfsim bots` lists them"
            else:
                for label, spec in pairs:
                    try:
                        parse_bot(spec, parts)
                    except BotSpecError as e:
                        problem = f"{what} {name!r}: {e}"
                        break
            if problem is not None:
                if explicit:
                    raise ChallengeError(problem)
                skipped.append(f"default {what} {name!r} is not registered in this build; skipped" if unknown
                               else f"default {problem}; skipped")
                continue
            for label, spec in pairs:
                if any(label == l for l, _ in out):
                    raise ChallengeError(f"{what} {label!r} is listed twice")
                out.append((label, spec))
        if not out:
            raise ChallengeError(f"no {what}s to play")
        return out

    def make_gun(name):
        try:
            spec = gun_spec(name, gp, parts)
        except ChallengeError as e:
            raise ChallengeError(f"gun {name!r}: {e}") from None
        return None if spec is None else [(name, spec)]

    gun_names = list(DEFAULT_GUNS) if guns is None else list(guns)
    mov_names = list(DEFAULT_MOVEMENTS) if movements is None else list(movements)
    gun_list = build(gun_names, guns is not None, "gun", make_gun)
    mov_list = build(mov_names, movements is not None, "movement", lambda n: movement_specs(n, parts))
    return gun_list, mov_list, skipped


# ---------------------------------------------------------------- battles

def default_jobs():
    from sim.experiments.runner import default_jobs as jobs
    return jobs()


def run_tasks(tasks, rules, jobs=1, scheduler=None, progress=None, parts=()):
    """Play every (shooter, mover, seed) task; returns their results in task order.

    jobs == 1: in this process. jobs > 1: a process pool (forked after compiling, where the platform
    forks). scheduler: a Dask distributed scheduler address. `progress(done)` after each battle.
    File parameters (a learned gun's model=) are made absolute here, before any task is sent: a Dask
    worker runs in its own folder. `parts`: absolute paths of plug-in files the specs may name.
    """
    from sim.experiments import runner as R
    work = [R.make_task((R.absolute_spec(s), R.absolute_spec(m)), parts, rules, seed) for s, m, seed in tasks]
    done = [0]

    def one(k, r):
        done[0] += 1
        if progress:
            progress(done[0])
    try:
        with R.Runner(jobs=max(1, min(int(jobs), len(work))), scheduler=scheduler) as runner:
            return runner.run(work, on_result=one)
    except R.TaskError as e:
        raise ChallengeError(str(e)) from None


def run_challenge(guns=None, movements=None, seeds=range(10), rules=None, jobs=1, scheduler=None,
                  gun_params=None, progress=None, resolved=None, baseline=None, parts=(), oracle_samples=None,
                  oracle_progress=None, oracle_report=None):
    """Play the challenge battles and summarize both modes. Returns a dict (see `summarize`).

    `guns` / `movements`: names (None = defaults, unregistered ones skipped); `seeds`: one season each;
    `resolved`: an already resolved (gun_list, movement_list, skipped) from `resolve`. `oracle_samples` M:
    also the Bayes-limit oracle of every movement on the same seeds with M futures per situation
    (sim/experiments/oracle.py; local processes only), and each gun's hit rate as a fraction of it.
    `oracle_report`: instead, an oracle already computed (load_oracle_report).
    """
    from sim.engine.rules import Rules
    rules = rules or Rules()
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ChallengeError("no seeds: a challenge needs at least one season")
    parts = [os.path.abspath(p) for p in parts or ()]
    gun_list, mov_list, skipped = resolved or resolve(guns, movements, gun_params, parts)
    tasks = [(gs, ms, seed) for _, gs in gun_list for _, ms in mov_list for seed in seeds]
    t0 = time.perf_counter()
    raw = run_tasks(tasks, rules, jobs=jobs, scheduler=scheduler, progress=progress, parts=parts)
    wall = time.perf_counter() - t0
    ng, nm, ns = len(gun_list), len(mov_list), len(seeds)
    arr = lambda key, who: np.array([r[key][who] for r in raw], dtype=np.float64).reshape(ng, nm, ns)  # noqa: E731
    data = dict(shots=arr("shots", 0), hits=arr("hits", 0), damage=arr("damage", 0),
                enemy_shots=arr("shots", 1), enemy_hits=arr("hits", 1), enemy_damage=arr("damage", 1))
    out = summarize(gun_list, mov_list, seeds, rules, data, baseline=baseline)
    if oracle_samples or oracle_report:
        if oracle_report:
            orc = oracle_report
        else:
            from sim.experiments.oracle import run_oracle
            orc = run_oracle(mov_list, seeds, rules, oracle_samples, jobs=jobs, parts=parts,
                             progress=oracle_progress)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(data["shots"] > 0, data["hits"] / np.where(data["shots"] > 0, data["shots"], 1), np.nan)
        add_oracle(out, orc, {(g, m): rate[i, j] for i, (g, _) in enumerate(gun_list)
                              for j, (m, _) in enumerate(mov_list)})
    out.update(skipped=skipped, battles=len(tasks), turns=int(sum(r["turns"] for r in raw)),
               battle_time=float(sum(r["wall"] for r in raw)), wall_time=wall,
               jobs=None if scheduler else max(1, min(int(jobs), len(tasks))), scheduler=scheduler)
    return out


def _row(mode, gun, movement, shooter, mover, rounds, shots, hits, dmg):
    """Numbers for one (gun, movement) pair or ALL margin: per-season arrays over the seeds."""
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(shots > 0, hits / np.where(shots > 0, shots, 1), np.nan)
    return _row_from(mode, gun, movement, shooter, mover, rounds, rate, dmg / rounds,
                     int(shots.sum()), int(hits.sum()))


def _row_from(mode, gun, movement, shooter, mover, rounds, rate, dpr, shots, hits):
    h = mean_ci(rate)
    d = mean_ci(dpr)
    return dict(mode=mode, gun=gun, movement=movement, shooter=shooter, mover=mover, seasons=h["n"],
                rounds=rounds, shots=shots, hits=hits, pooled_hit_rate=hits / shots if shots else float("nan"),
                hit_rate=h["mean"], hit_rate_ci_low=h["low"], hit_rate_ci_high=h["high"],
                hit_rate_ci_half=h["half"], dmg_per_round=d["mean"], dmg_per_round_ci_low=d["low"],
                dmg_per_round_ci_high=d["high"], dmg_per_round_ci_half=d["half"])


def add_oracle(summary, orc, season_rates):
    """Put the oracle (run_oracle's report) beside the challenge: summary["oracle"][movement] and, in every
    targeting pair, `oracle` (the movement's mean) and `hit_rate_of_oracle`: per season the gun's hit rate
    (season_rates[(gun, movement)], over summary["seeds"]) divided by that season's oracle (the same seed),
    mean ± 95% CI over the seasons; `hit_rate_of_xfit` the same against the cross-fit. The oracle is an upper
    estimate of the Bayes limit and the cross-fit a lower one (sim/experiments/oracle.py), so a gun's share of
    the limit lies between the two ratios; where futures spread widely (random speeds) they differ by points at
    M = 256."""
    by_mov = {m["name"]: m for m in orc["movements"]}
    summary["oracle"] = {name: {k: m[k] for k in ("oracle", "oracle_xfit", "waves", "seconds_per_season", "seasons")}
                         for name, m in by_mov.items()}
    summary["oracle_samples"] = orc["samples"]
    summary["oracle_wall_time"] = orc["wall_time"]
    summary["oracle_source"] = orc.get("source")
    seeds = summary["seeds"]
    for p in summary["targeting"]["pairs"]:
        m = by_mov.get(p["movement"])
        if m is None:
            continue
        rates = season_rates[(p["gun"], p["movement"])]
        for key, name in (("oracle", "oracle"), ("oracle_xfit", "xfit")):
            per_seed = {d["seed"]: d[key] for d in m["seasons"]}
            c = mean_ci([r / per_seed[s] if per_seed.get(s) else np.nan for s, r in zip(seeds, rates)])
            p.update({f"hit_rate_of_{name}": c["mean"], f"hit_rate_of_{name}_ci_half": c["half"]})
        p.update(oracle=m["oracle"]["mean"], oracle_xfit=m["oracle_xfit"]["mean"])


def load_oracle_report(path, mov_list, seeds, rules):
    """A `gfsim oracle --json` report standing in for --oracle (an oracle takes about a minute a season at M =
    256): run_oracle's form, cut to this challenge's seeds, its means taken over them. The report must hold
    the same rules and shooter, every movement played (matched by spec) and every seed; otherwise a one-line
    ChallengeError names what differs."""
    from sim.experiments.oracle import SHOOTER
    from sim.io.jsonfile import read_json
    d = read_json(path, MAX_ORACLE_REPORT_BYTES, "oracle report (gfsim oracle --json)", ChallengeError)

    def bad(what):
        return ChallengeError(f"--oracle-file {path}: {what}")
    try:
        if d["shooter"] != SHOOTER:
            raise bad(f"its shooter is {d['shooter']!r}, the challenge's is {SHOOTER!r}")
        if d["rules"] != rules.as_dict():
            raise bad(f"its rules {d['rules']} are not the challenge's {rules.as_dict()}")
        by_spec = {m["spec"]: m for m in d["movements"]}
        movements = []
        for label, spec in mov_list:
            m = by_spec.get(spec)
            if m is None:
                raise bad(f"no oracle of movement {label} ({spec}); it has {', '.join(sorted(by_spec)) or 'none'}")
            by_seed = {int(x["seed"]): x for x in m["seasons"]}
            missing = [s for s in seeds if s not in by_seed]
            if missing:
                raise bad(f"movement {label} has no season of seed{'s' if len(missing) > 1 else ''} "
                          f"{', '.join(str(s) for s in missing[:5])}{' ...' if len(missing) > 5 else ''}")
            seasons = [by_seed[s] for s in seeds]
            for x in seasons:
                for key in ("oracle", "oracle_xfit"):
                    v = x[key]
                    if v is not None and not (isinstance(v, (int, float)) and 0.0 <= v <= 1.0):
                        raise bad(f"movement {label}, seed {x['seed']}: {key} {v!r} is not a fraction")
            fraction = lambda key: [math.nan if x[key] is None else float(x[key]) for x in seasons]  # noqa: E731
            movements.append(dict(name=label, oracle=mean_ci(fraction("oracle")),
                                  oracle_xfit=mean_ci(fraction("oracle_xfit")),
                                  waves=int(sum(int(x["waves"]) for x in seasons)),
                                  seconds_per_season=float(m["seconds_per_season"]), seasons=seasons))
        samples = int(d["samples"])
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise bad(f"not a gfsim oracle report ({type(e).__name__}: {e})".splitlines()[0]) from None
    return dict(movements=movements, samples=samples, wall_time=0.0, source=os.fspath(path))


def _ci(d):
    return {k: d[k] for k in ("mean", "low", "high", "half", "n")}


def paired_rows(gun_list, mov_list, rate, dpr, baseline):
    """Paired differences against `baseline` (a gun label, or a movement label) on the shared seeds.

    A gun baseline: for every other gun and every movement (and ALL movements, per season the mean over
    them), per season gun - baseline; a movement baseline: for every other movement and gun (and ALL guns),
    movement - baseline. Then mean and 95% t-interval of the per-season differences (runner.paired_ci).
    """
    from sim.experiments.runner import paired_ci
    import warnings
    guns = [g for g, _ in gun_list]
    movs = [m for m, _ in mov_list]

    def smean(a):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmean(a, axis=0)
    rows = []
    if baseline in guns:
        b = guns.index(baseline)
        for i, g in enumerate(guns):
            if i == b:
                continue
            for j, m in enumerate(movs + [ALL]):
                pick = (lambda a, k: a[k, j]) if m != ALL else (lambda a, k: smean(a[k]))
                rows.append(dict(gun=g, movement=m, hit_rate=_ci(paired_ci(pick(rate, i), pick(rate, b))),
                                 dmg_per_round=_ci(paired_ci(pick(dpr, i), pick(dpr, b)))))
        return dict(baseline=baseline, kind="gun", rows=rows)
    b = movs.index(baseline)
    for j, m in enumerate(movs):
        if j == b:
            continue
        for i, g in enumerate(guns + [ALL]):
            pick = (lambda a, k: a[i, k]) if g != ALL else (lambda a, k: smean(a[:, k]))
            rows.append(dict(gun=g, movement=m, hit_rate=_ci(paired_ci(pick(rate, j), pick(rate, b))),
                             dmg_per_round=_ci(paired_ci(pick(dpr, j), pick(dpr, b)))))
    return dict(baseline=baseline, kind="movement", rows=rows)


def summarize(gun_list, mov_list, seeds, rules, data, baseline=None):
    """Per-pair and ALL rows for both modes from the per-season arrays (guns, movements, seeds).

    targeting rows: gun's hit rate / damage per round against each movement, plus ALL over movements
    per gun. movement rows: the same pairs grouped by movement (damage = what the movement took), plus
    ALL over guns per movement.
    """
    R = rules.rounds
    shots, hits, dmg = data["shots"], data["hits"], data["damage"]
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(shots > 0, hits / np.where(shots > 0, shots, 1), np.nan)
    dpr = dmg / R
    pairs = []
    for i, (g, gs) in enumerate(gun_list):
        for j, (m, ms) in enumerate(mov_list):
            pairs.append(_row(None, g, m, gs, ms, R, shots[i, j], hits[i, j], dmg[i, j]))

    def season_mean(a, axis):
        """Per-season mean over the pairs that have a value (NaN where none has: 'Mean of empty slice')."""
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmean(a, axis=axis)

    targeting = [dict(p, mode="targeting") for p in pairs]
    overall_t = [_row_from("targeting", g, ALL, gs, "", R, season_mean(rate[i], 0), season_mean(dpr[i], 0),
                           int(shots[i].sum()), int(hits[i].sum())) for i, (g, gs) in enumerate(gun_list)]
    nm = len(mov_list)
    movement = [dict(pairs[i * nm + j], mode="movement") for j in range(nm) for i in range(len(gun_list))]
    overall_m = [_row_from("movement", ALL, m, "", ms, R, season_mean(rate[:, j], 0), season_mean(dpr[:, j], 0),
                           int(shots[:, j].sum()), int(hits[:, j].sum())) for j, (m, ms) in enumerate(mov_list)]
    paired = paired_rows(gun_list, mov_list, rate, dpr, baseline) if baseline else None
    return dict(rules=rules.as_dict(), seeds=list(seeds), confidence=CONFIDENCE, paired=paired,
                guns=[dict(name=g, spec=s) for g, s in gun_list],
                movements=[dict(name=m, spec=s) for m, s in mov_list],
                targeting=dict(pairs=targeting, overall=overall_t),
                movement=dict(pairs=movement, overall=overall_m),
                enemy=dict(shots=data["enemy_shots"].sum(axis=2).tolist(),
                           hits=data["enemy_hits"].sum(axis=2).tolist(),
                           damage=data["enemy_damage"].sum(axis=2).tolist()))


# ---------------------------------------------------------------- output

def _n(k, word):
    return f"{k} {word}{'' if k == 1 else 's'}"


def _modes(mode):
    return ("targeting", "movement") if mode == "both" else (mode,)


def _cell(mean, half, scale, digits):
    if not np.isfinite(mean):
        return "-"
    ci = "n/a" if not np.isfinite(half) else f"{half * scale:.{digits}f}"
    return f"{mean * scale:.{digits}f} ± {ci}"


def format_tables(summary, mode="both"):
    """Text tables: rows = movements, columns = guns; hit % and damage per round, each mean ± 95% CI."""
    guns = [g["name"] for g in summary["guns"]]
    movs = [m["name"] for m in summary["movements"]]
    R = summary["rules"]["rounds"]
    lines = []
    for md in _modes(mode):
        sec = summary[md]
        cells = {(p["gun"], p["movement"]): p for p in sec["pairs"] + sec["overall"]}
        cols = guns + ([ALL] if md == "movement" else [])
        rows = movs + ([ALL] if md == "targeting" else [])
        if md == "targeting":
            title = (f"Targeting challenge: each gun fires power-3 bullets standing still "
                     f"({_n(len(summary['seeds']), 'season')} x {_n(R, 'round')}; mean ± {summary['confidence']:.0%} CI "
                     f"over seasons; higher is better)")
        else:
            title = (f"Movement challenge: the guns' hit rate and the damage each movement takes "
                     f"({_n(len(summary['seeds']), 'season')} x {_n(R, 'round')}; mean ± {summary['confidence']:.0%} CI "
                     f"over seasons; lower is better)")
        lines.append(title)
        for key, half, scale, digits, what in (("hit_rate", "hit_rate_ci_half", 100.0, 1, "hit %"),
                                               ("dmg_per_round", "dmg_per_round_ci_half", 1.0, 1,
                                                "damage per round" if md == "targeting"
                                                else "damage taken per round")):
            table = [[r] + [_cell(cells[(c, r)][key], cells[(c, r)][half], scale, digits) if (c, r) in cells
                            else "-" for c in cols] for r in rows]
            head = [f"{what} (movement \\ gun)"] + cols
            orc = summary.get("oracle")
            if md == "targeting" and key == "hit_rate" and orc:
                head.append("oracle")
                for t in table:
                    o = orc.get(t[0], {}).get("oracle")
                    t.append(_cell(o["mean"], o["half"], 100.0, 1) if o else "-")
            _put_table(lines, head, table)
        if md == "targeting" and summary.get("oracle"):
            orc = summary["oracle"]
            lines.append("")
            lines.append(f"Each gun's hit rate as % of the Bayes-limit oracle (gfsim oracle, "
                         f"{summary['oracle_samples']} futures per situation; per season gun / oracle on the same "
                         f"seed, mean ± {summary['confidence']:.0%} CI)")
            for name, what in (("oracle", "% of oracle (movement \\ gun)"),
                               ("xfit", "% of cross-fit (movement \\ gun)")):
                table = [[r] + [_cell(cells[(c, r)].get(f"hit_rate_of_{name}", math.nan),
                                      cells[(c, r)].get(f"hit_rate_of_{name}_ci_half", math.nan), 100.0, 0)
                                if (c, r) in cells else "-" for c in cols] for r in movs if r in orc]
                if table:
                    if name == "xfit":
                        lines.append("")
                        lines.append("The oracle is an upper estimate of the Bayes limit, its cross-fit a lower one: "
                                     "a gun's share of the limit lies between the two tables.")
                    _put_table(lines, [what] + cols, table)
        lines.append("")
    if summary.get("paired"):
        lines += paired_table(summary)
    return "\n".join(lines).rstrip("\n")


def _put_table(lines, head, table):
    widths = [max(len(head[k]), *(len(t[k]) for t in table)) for k in range(len(head))]
    lines.append("")
    lines.append("  ".join(h.ljust(widths[k]) if k == 0 else h.rjust(widths[k]) for k, h in enumerate(head)))
    for t in table:
        if t[0] == ALL:
            lines.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
        lines.append("  ".join(c.ljust(widths[k]) if k == 0 else c.rjust(widths[k]) for k, c in enumerate(t)))


def paired_table(summary):
    """Lines: the paired differences against the baseline, hit % and damage per round, mean ± 95% CI."""
    pr = summary["paired"]
    gun_base = pr["kind"] == "gun"
    cols = list(dict.fromkeys(r["gun"] if gun_base else r["movement"] for r in pr["rows"]))
    rows = list(dict.fromkeys(r["movement"] if gun_base else r["gun"] for r in pr["rows"]))
    cells = {((r["gun"], r["movement"]) if gun_base else (r["movement"], r["gun"])): r for r in pr["rows"]}
    lines = [f"Paired differences against {pr['kind']} {pr['baseline']} on the same seeds "
             f"(per season {pr['kind']} - {pr['baseline']}; mean ± {summary['confidence']:.0%} CI; "
             f"* = the interval excludes 0)"]
    for key, scale, what in (("hit_rate", 100.0, "hit % difference"), ("dmg_per_round", 1.0, "damage/round difference")):
        head = [f"{what} ({'movement' if gun_base else 'gun'} \\ {pr['kind']})"] + cols

        def cell(c):
            if not c["n"] or not np.isfinite(c["mean"]):
                return "-"
            if not np.isfinite(c["half"]):
                return f"{c['mean'] * scale:+.1f} ± n/a"
            star = "*" if c["low"] > 0 or c["high"] < 0 else " "
            return f"{c['mean'] * scale:+.1f} ± {c['half'] * scale:.1f}{star}"
        table = [[r] + [cell(cells[(c, r)][key]) if (c, r) in cells else "-" for c in cols] for r in rows]
        _put_table(lines, head, table)
    lines.append("")
    return lines


def _rows(summary, mode):
    out = []
    for md in _modes(mode):
        out += summary[md]["pairs"] + summary[md]["overall"]
    return out


def csv_text(summary, mode="both"):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for r in _rows(summary, mode):
        w.writerow({k: ("" if isinstance(r[k], float) and not np.isfinite(r[k]) else
                        (repr(r[k]) if isinstance(r[k], float) else r[k])) for k in CSV_FIELDS})
    return buf.getvalue()


def json_text(summary, mode="both"):
    d = {k: v for k, v in summary.items() if k not in ("targeting", "movement")}
    d["mode"] = mode
    for md in _modes(mode):
        d[md] = summary[md]
    return output.json_text(d)


def _zoom(ends, floor=0.0, ceiling=100.0):
    """y limits around the bars and their error bars (10% margin), inside [floor, ceiling]: differences of a
    few points stay visible, where a fixed 0-100 axis would flatten them."""
    ends = [e for e in ends if np.isfinite(e)]
    if not ends:
        return floor, ceiling
    lo, hi = min(ends), max(ends)
    pad = max(0.1 * (hi - lo), 0.5)
    return max(floor, lo - pad), min(ceiling, hi + pad) if hi + pad > max(floor, lo - pad) else ceiling


def _paired_panel(ax, pr, plt, names):
    """Bars of the paired hit % differences against the baseline with their 95% intervals, a line at 0."""
    gun_base = pr["kind"] == "gun"
    series = list(dict.fromkeys(r["gun"] if gun_base else r["movement"] for r in pr["rows"]))
    groups = list(dict.fromkeys(r["movement"] if gun_base else r["gun"] for r in pr["rows"]))
    cells = {((r["gun"], r["movement"]) if gun_base else (r["movement"], r["gun"])): r["hit_rate"] for r in pr["rows"]}
    width = 0.8 / max(1, len(series))
    x = np.arange(len(groups))
    cmap = plt.get_cmap("tab20" if len(names) > 10 else "tab10")   # each one's colour in the panels above
    for k, sname in enumerate(series):
        c = [cells.get((sname, g)) for g in groups]
        vals = [100.0 * d["mean"] if d and np.isfinite(d["mean"]) else 0.0 for d in c]
        errs = [100.0 * d["half"] if d and np.isfinite(d["half"]) else 0.0 for d in c]
        ax.bar(x - 0.4 + width * (k + 0.5), vals, width, yerr=errs, capsize=2, label=sname.replace("sample.", ""),
               color=cmap(names.index(sname) % cmap.N), error_kw=dict(elinewidth=0.8))
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels([g.replace("sample.", "") for g in groups], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(f"hit % minus {pr['baseline']} (paired, 95% CI)")
    ax.set_title(f"Paired differences against {pr['kind']} {pr['baseline']} on the same seeds", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.005, 1.0), borderaxespad=0.0)


def plot_png(summary, mode="both"):
    """PNG bytes: one panel per mode, grouped bars with 95% CI error bars (hit rate %).

    targeting: groups = movements (+ ALL), one bar per gun; movement: groups = guns (+ ALL), one bar per
    movement.
    """
    import matplotlib
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    guns = [g["name"] for g in summary["guns"]]
    movs = [m["name"] for m in summary["movements"]]
    modes = _modes(mode)
    panels = len(modes) + (1 if summary.get("paired") else 0)
    fig, axes = plt.subplots(panels, 1, figsize=(max(8.0, 0.9 * (max(len(guns), len(movs)) + 1) + 3),
                                                 4.8 * panels), squeeze=False)
    if summary.get("paired"):
        _paired_panel(axes[-1, 0], summary["paired"], plt, guns if summary["paired"]["kind"] == "gun" else movs)
    for ax, md in zip(axes[:, 0], modes):
        sec = summary[md]
        cells = {(p["gun"], p["movement"]): p for p in sec["pairs"] + sec["overall"]}
        if md == "targeting":
            groups, series = movs + [ALL], guns
            key = lambda grp, s: (s, grp)   # noqa: E731
            title = "Targeting challenge: gun hit rate (higher is better)"
        else:
            groups, series = guns + [ALL], movs
            key = lambda grp, s: (grp, s)   # noqa: E731
            title = "Movement challenge: enemy gun hit rate (lower is better)"
        width = 0.8 / max(1, len(series))
        x = np.arange(len(groups))
        ends = []
        cmap = plt.get_cmap("tab20" if len(series) > 10 else "tab10")
        for k, s in enumerate(series):
            vals, errs = [], []
            for grp in groups:
                c = cells.get(key(grp, s))
                m = c["hit_rate"] if c else float("nan")
                h = c["hit_rate_ci_half"] if c else float("nan")
                vals.append(100.0 * m if np.isfinite(m) else 0.0)
                errs.append(100.0 * h if np.isfinite(h) else 0.0)
            ends += [v - e for v, e in zip(vals, errs)] + [v + e for v, e in zip(vals, errs)]
            ax.bar(x - 0.4 + width * (k + 0.5), vals, width, yerr=errs, capsize=2, label=s.replace("sample.", ""),
                   color=cmap(k % cmap.N), error_kw=dict(elinewidth=0.8))
        ax.set_xticks(x)
        ax.set_xticklabels([g.replace("sample.", "") for g in groups], rotation=30, ha="right", fontsize=8)
        ax.set_ylabel("hit rate % (mean ± 95% CI over seasons)")
        ax.set_title(title, fontsize=10)
        ax.set_ylim(*_zoom(ends))
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=7, ncol=max(1, (len(series) + 15) // 16), loc="upper left", bbox_to_anchor=(1.005, 1.0),
                  borderaxespad=0.0)
    fig.suptitle(f"gfsim challenge: {_n(len(summary['seeds']), 'season')} x {_n(summary['rules']['rounds'], 'round')}, "
                 f"{summary['rules']['width']}x{summary['rules']['height']}", fontsize=11)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def write_outputs(summary, mode="both", csv_path=None, plot_path=None):
    """Render everything first, then write each file atomically (a rendering error writes nothing)."""
    files = []
    if csv_path:
        files.append((csv_path, csv_text(summary, mode)))
    if plot_path:
        files.append((plot_path, plot_png(summary, mode)))
    for path, data in files:
        write_atomic(path, data)


# ---------------------------------------------------------------- command line

def parse_seeds(text):
    """'0..9' (inclusive), '3', '1,4,9' or a mix -> list of ints (the seasons' seeds)."""
    try:
        return seed_list(text, MAX_SEASONS, "season")
    except ValueError as e:
        raise ChallengeError(str(e)) from None


_seasons = bounded_int(1, MAX_SEASONS)


HELP_EPILOG = """\
names:
  --guns takes gun parts (`gfsim bots`), each GUN or GUN:key=value,...; the shooter is
  lock+GUN:power=3,energy_rule=0+still (power 3, never moving). A name containing '+' is
  a whole bot spec used as is. --movements takes sample robots (sample.Walls; `samples` =
  all of them), movement parts (orbit, stopgo:step=60, ...: played as lock+none+PART) or
  whole bot specs; a `gfsim tune` best.json stands for its tuned spec in either list.
  Default names not registered in this build (gf, knn, learned, surf
  until they land) are skipped with a note; unknown names given explicitly are errors.

statistics:
  one season = one seed's battle of --rounds rounds for one (gun, movement) pair, the
  same seeds for every pair. Per season: hit rate = the gun's hits / shots (seasons
  without a shot are left out), damage per round = the gun's bullet damage / rounds.
  Table cells are the mean over seasons ± the half-width of a 95% Student-t interval,
  t(0.975, n-1) * s / sqrt(n) (s: standard deviation of the n season values, ddof=1).
  With one season the interval is undefined: "n/a" (empty in CSV, null in JSON, no
  error bar). ALL = per season the mean over the row's pairs, then mean ± CI over the
  seasons. Samples fire back; composite movements do not fire.
  --oracle [M]: the Bayes limit of each movement (`gfsim oracle --help`) on the same
  seeds: an "oracle" column in the targeting hit % table and a table of each gun's hit
  rate as % of it (per season gun / oracle of that seed, mean ± 95% CI), then the same
  against the oracle's cross-fit. The oracle (in-sample) estimates the limit from above,
  the cross-fit from below, so a gun's share of the limit lies between the two tables;
  they draw together as M grows. JSON: "oracle" per movement; "oracle", "oracle_xfit",
  "hit_rate_of_oracle" and "hit_rate_of_xfit" in each targeting pair. --oracle-file
  REPORT.json reads an oracle computed before (`gfsim oracle ... --json > REPORT.json`)
  instead: same rules, every movement, every seed (its means are taken over these seeds).
  --baseline NAME (a gun, or a movement): per season, every other gun's (movement's)
  value minus the baseline's on the same seed, then mean ± 95% CI of those paired
  differences (a table per measure, a JSON "paired" section, a plot panel); "*"
  marks an interval that excludes 0.

output:
  stdout: the tables (rows = movements, columns = guns; targeting adds an ALL row per
  gun, movement an ALL column per movement), then battles, turns and wall time; --json
  prints everything as JSON instead. --csv: one row per (mode, gun, movement) with
  mean, CI low/high/half-width, seasons, shots, hits. --plot: grouped bars with CI
  error bars, one panel per mode. Files are written atomically, only on success.

examples:
  gfsim challenge targeting --guns headon,linear,circular --movements samples,orbit,stopgo
  gfsim challenge movement --movements orbit:flip_prob=0.05 --seasons 20 --csv mc.csv
  gfsim challenge both --rounds 35 --seasons 10 --plot challenge.png --jobs 2
  gfsim challenge targeting --guns knn,studies/knn/best.json --movements orbit --baseline knn
"""


def build_parser(prog="gfsim challenge"):
    p = OneLineParser(prog=prog, formatter_class=argparse.RawDescriptionHelpFormatter, epilog=HELP_EPILOG,
                description="Targeting and movement challenges (after the Robocode wiki's): every gun fires "
                            "power-3 bullets without moving at every reference movement, one battle (a season) "
                            "per seed; prints hit rate and damage per round with 95% confidence intervals.")
    p.add_argument("mode", nargs="?", default="both", choices=MODES,
                   help="targeting: how well each gun hits each movement; movement: how hard each movement is "
                        "to hit, by the same battles; both (default)")
    p.add_argument("--guns", default=None, metavar="G,G,...",
                   help="guns to test (default: " + ",".join(DEFAULT_GUNS) + ")")
    p.add_argument("--movements", default=None, metavar="M,M,...",
                   help="reference movements (default: " + ",".join(DEFAULT_MOVEMENTS)
                        + "; samples = every sample robot)")
    p.add_argument("--gun-params", default=None, metavar="K=V,...",
                   help="extra parameters for every gun that has them (e.g. tolerance=2,max_age=5); "
                        "power and energy_rule may be overridden here too")
    p.add_argument("--baseline", default=None, metavar="NAME",
                   help="a gun (or movement) of the list: also report every other one's paired difference "
                        "against it per season, mean ± 95%% CI (the seeds are shared)")
    add_rules_args(p, rounds_help="rounds per season")
    add_parts_flag(p)
    sg = p.add_mutually_exclusive_group()
    sg.add_argument("--seasons", type=_seasons, default=None,
                    help=f"number of seasons, seeds 0..N-1, 1 to {MAX_SEASONS:,} (default 10)")
    sg.add_argument("--seeds", default=None,
                    help=f"the seasons' seeds instead: 7, 1,2,5 or 0..9 (at most {MAX_SEASONS:,}, each within +-2**53)")
    p.add_argument("--jobs", type=jobs_type, default=None,
                   help=f"battles played in parallel processes, 1 to {MAX_JOBS} (default: the number of CPUs, "
                        f"here {default_jobs()}; 1 = in this process); results do not depend on it")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="play the battles on a Dask distributed cluster (e.g. tcp://host:8786) instead of "
                        "local processes; needs dask.distributed here and gfsim on the workers")
    p.add_argument("--oracle", nargs="?", type=bounded_int(2, 100_000), const=64, default=None, metavar="M",
                   help="also compute the Bayes-limit oracle of every movement on the same seeds (`gfsim oracle`, "
                        "M futures per firing situation, default 64; in local processes, about as long as "
                        "M battles per season) and print an oracle column and each gun's %% of it")
    p.add_argument("--oracle-file", default=None, metavar="REPORT.json",
                   help="the same, from an oracle already computed: `gfsim oracle --json` output with these "
                        "rules, every movement and every seed (e.g. benchmarks/results/oracle_8_15.json)")
    p.add_argument("--csv", default=None, metavar="PATH", help="write one CSV row per (mode, gun, movement)")
    p.add_argument("--plot", default=None, metavar="PATH.png", help="write a PNG bar chart with CI error bars")
    p.add_argument("--json", action="store_true", help="print the results as JSON on stdout instead of tables")
    add_progress_flags(p)
    return p




def parse_args(argv, prog="gfsim challenge", defaults=None):
    """Parse and validate everything that can be checked before playing; ChallengeError on bad input."""
    parser = build_parser(prog)
    if defaults:
        parser.set_defaults(**defaults)
    args = parser.parse_args(argv)
    args.seed_list = parse_seeds(args.seeds) if args.seeds is not None else list(range(args.seasons or 10))
    args.rules = rules_from_args(args, error=ChallengeError)
    if args.plot and not args.plot.lower().endswith(".png"):
        raise ChallengeError(f"--plot must name a .png file, got {args.plot!r}")
    check_outputs([("--csv", args.csv), ("--plot", args.plot)], inputs=[("--oracle-file", args.oracle_file)])
    if args.scheduler:
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            raise ChallengeError("--scheduler needs dask.distributed (pip install 'dask[distributed]')") from None
    args.parts = [os.path.abspath(p) for p in args.parts]
    for p in args.parts:
        if not os.path.isfile(p):
            raise ChallengeError(f"--parts: no such plug-in file {p}")
    args.resolved = resolve(None if args.guns is None else _split_names(args.guns),
                            None if args.movements is None else _split_names(args.movements),
                            args.gun_params, args.parts)
    args.oracle_report = None
    if args.oracle_file is not None:
        if args.oracle is not None:
            raise ChallengeError("--oracle computes the oracle, --oracle-file reads one: give one of them")
        args.oracle_report = load_oracle_report(args.oracle_file, args.resolved[1], args.seed_list, args.rules)
    if args.baseline is not None:
        names = [g for g, _ in args.resolved[0]] + [m for m, _ in args.resolved[1]]
        if args.baseline not in names:
            raise ChallengeError(f"--baseline {args.baseline!r} is none of the guns or movements played "
                                 f"({', '.join(names)})")
        if len(args.seed_list) < 2:
            raise ChallengeError("--baseline needs at least 2 seasons for an interval")
    return args


def execute(args, name="gfsim challenge"):
    """Play the parsed challenge, print the skip notes, show progress; returns the summary."""
    for note in args.resolved[2]:
        print(f"{name}: note: {note}", file=sys.stderr)
    n = len(args.resolved[0]) * len(args.resolved[1]) * len(args.seed_list)
    show = args.progress if args.progress is not None else (sys.stderr.isatty() and not args.json)
    bar, update = progress_bar(n, show, "challenge", unit="battle")
    bars = [bar]

    def oracle_progress(done):
        if not show:
            return
        if len(bars) == 1:
            if bars[0] is not None:
                bars[0].close()
            bars.append(progress_bar(len(args.resolved[1]) * len(args.seed_list), True, "oracle", unit="season"))
        bars[1][1](done)
    try:
        summary = run_challenge(seeds=args.seed_list, rules=args.rules, jobs=args.jobs or default_jobs(),
                                scheduler=args.scheduler, progress=update, resolved=args.resolved,
                                baseline=args.baseline, parts=args.parts, oracle_samples=args.oracle,
                                oracle_progress=oracle_progress, oracle_report=args.oracle_report)
    finally:
        for b in bars:
            b = b[0] if isinstance(b, tuple) else b
            if b is not None:
                b.close()
    write_outputs(summary, args.mode, args.csv, args.plot)
    return summary


def footer(summary):
    how = f"scheduler {summary['scheduler']}" if summary["scheduler"] else _n(summary['jobs'], 'job')
    rate = summary["turns"] / summary["battle_time"] if summary["battle_time"] > 0 else float("inf")
    return (f"{_n(summary['battles'], 'battle')} ({_n(len(summary['guns']), 'gun')} x "
            f"{_n(len(summary['movements']), 'movement')} x "
            f"{_n(len(summary['seeds']), 'season')} x {_n(summary['rules']['rounds'], 'round')}), {summary['turns']:,} turns "
            f"in {summary['wall_time']:.1f} s wall ({how}; {summary['battle_time']:.1f} s in battles, "
            f"{rate:,.0f} turns/s)"
            + (f"; oracle from {summary['oracle_source']} ({summary['oracle_samples']} futures per situation)"
               if summary.get("oracle") and summary.get("oracle_source") else
               f"; oracle {summary['oracle_wall_time']:.1f} s wall ({summary['oracle_samples']} futures per situation)"
               if summary.get("oracle") else ""))


def main(argv=None, prog="gfsim challenge", defaults=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    return run_command(prog, lambda a: _main(a, prog, defaults), argv)


def _main(argv, prog, defaults):
    args = parse_args(argv, prog, defaults)
    summary = execute(args, prog)
    if args.json:
        sys.stdout.write(json_text(summary, args.mode))
    else:
        print(format_tables(summary, args.mode))
        print()
        print(footer(summary))
        for path in (args.csv, args.plot):
            if path:
                print(f"written: {path}")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    from sim.cli.errors import exit_with
    exit_with(main())
