"""How many of a gun's shots were still flying when the mover died (issue 17).

    python benchmarks/shots_in_flight.py GUN MOVEMENT[,MOVEMENT..] [--seeds 16..25] [--oracle-file ORACLE.json ..]
                                         [--battles RUN.json ..] [--rounds 35] [--jobs 1] [--json]

Why: `gfsim challenge` scores a gun by hits / shots, and a round ends when the mover dies, so every bullet still in
the air then is a miss no aim could have turned into a hit; the Bayes-limit oracle (`gfsim oracle`) scores every
situation against a mover that keeps moving. This plays the challenge's battles (the shooter
``lock+GUN:power=3,energy_rule=0+still`` against ``lock+none+MOVEMENT``, the same seeds), records them, and splits
each battle's shots into hits, misses and shots *in flight* -- fired before the mover's death turn and still flying
in it (not a hit, not gone into a wall or another bullet). It prints, per movement, mean ± 95% Student-t interval
over the seasons: the hit rate (the challenge's), the share of shots in flight, and the hit rate *up to the kill*:
of the shots fired up to and including each round's killing bullet (in the order they left). That one estimates
what an aim earns a shot, the oracle's quantity. A round is a run of shots stopped at its 7th hit, a stopping time
of the shots' outcomes, so by Wald's identity the hits up to it are the sum of the shots' hit probabilities up to
it on average: pooled hits / shots up to the kill is consistent for the mean per-shot probability. Leaving the
killing bullet out is not: a season's (hits - 1) / (shots - 1), pooled over its rounds, is p (r - 1) / (r - p) on
average for r hits a round (0.90 p at p = 0.35, r = 7; `per_shot_rate`'s test). With --oracle-file (`gfsim oracle
--json` of the same seeds) both rates as % of the oracle of each seed. A gun that never fires while its bullets
in flight can still kill (hold_fire, hold_chance) moves the first towards the second, as long as holding does not
make its shots worse.

Pooling seed sets: --oracle-file may be given once per oracle report (each holding some of the seeds), and
--battles RUN.json (once per earlier `--json` run of the same gun; RUN.json#KEY for a run a results file keeps
under KEY) scores those runs' battles instead of playing them again: one figure over every fresh seed set a gun
was run on, with one interval.
"""
import argparse
import os
import sys


def battle_counts(shooter, mover, seed, rounds):
    """The shooter's (robot 0) counts over one recorded battle: dict(shots, hits, in_flight: fired before the mover's
    death turn and still flying in it, before_kill / hits_before_kill: the shots fired before each round's killing
    bullet, in the order they left, and their hits; a round the mover survived counts whole)."""
    import numpy as np

    from sim.engine.battle import run_battle
    from sim.engine.constants import BS_FIRED, BS_HIT_VICTIM, BS_MOVING, RS_DEAD
    from sim.engine.rules import Rules
    res = run_battle([shooter, mover], Rules(rounds=rounds), seed, record=True, compile_progress=False)
    bul, rob = res.bullets_trace, res.robots_trace
    bul = bul[bul[:, 2] == 0]                            # columns: round, turn, owner, id, x, y, heading, power, state
    shots = hits = flying = before = hits_before = 0
    for rnd in np.unique(rob[:, 0]):
        mine = bul[bul[:, 0] == rnd]
        mv = rob[(rob[:, 0] == rnd) & (rob[:, 2] == 1)]  # columns: round, turn, robot, ..., state (11)
        dead = mv[mv[:, 11] == RS_DEAD, 1]
        death = dead.min() if dead.size else np.inf
        left, hit = [], []
        for bid in np.unique(mine[:, 3]):
            rows = mine[mine[:, 3] == bid]
            left.append(rows[:, 1].min())
            hit.append(bool((rows[:, 8] == BS_HIT_VICTIM).any()))
            if not hit[-1] and rows[:, 1].min() < death:
                at_death = rows[rows[:, 1] == death, 8]        # still flying then: not gone into a wall or bullet
                flying += int(at_death.size > 0 and at_death[0] in (BS_FIRED, BS_MOVING))
        order = np.argsort(left, kind="stable")
        hit = np.array(hit, dtype=bool)[order]
        shots += hit.size
        hits += int(hit.sum())
        # the killing bullet: the hit that ended the round (the last hit in fire order, when the mover died)
        kill = int(np.flatnonzero(hit)[-1]) if np.isfinite(death) and hit.any() else hit.size
        before += kill
        hits_before += int(hit[:kill].sum())
    return dict(shots=shots, hits=hits, in_flight=flying, before_kill=before, hits_before_kill=hits_before)


def _task(args):
    movement, shooter, mover, seed, rounds = args
    return dict(movement=movement, seed=seed, **battle_counts(shooter, mover, seed, rounds))


def per_shot_rate(b):
    """Hit % of a battle's shots up to and including each round's killing bullet (the docstring says why these):
    battle_counts' before_kill and hits_before_kill leave the killing bullets out, and every hit but the kill is
    before it, so hits - hits_before_kill is the number of rounds that ended in a kill."""
    kills = b["hits"] - b["hits_before_kill"]
    return 100.0 * b["hits"] / max(b["before_kill"] + kills, 1)


def summarize(battles, oracle=None):
    """Per movement: the seasons' hit %, in-flight %, hit % up to the kill (mean_ci), and with an oracle report
    both rates as % of each seed's oracle."""
    from sim.experiments.challenge import mean_ci
    out = []
    for movement in dict.fromkeys(b["movement"] for b in battles):
        rows = [b for b in battles if b["movement"] == movement]
        hit = [100.0 * b["hits"] / b["shots"] for b in rows]
        aim = [per_shot_rate(b) for b in rows]
        r = dict(movement=movement, seeds=[b["seed"] for b in rows], hit=mean_ci(hit),
                 in_flight=mean_ci([100.0 * b["in_flight"] / b["shots"] for b in rows]), to_kill=mean_ci(aim))
        if oracle is not None:
            orc = [oracle[(movement, b["seed"])] for b in rows]
            r["hit_of_oracle"] = mean_ci([100.0 * h / o for h, o in zip(hit, orc)])
            r["to_kill_of_oracle"] = mean_ci([100.0 * h / o for h, o in zip(aim, orc)])
        out.append(r)
    return out


def _checked(cond, where, what):
    from sim.cli.errors import UsageError
    if not cond:
        raise UsageError(f"{where}: not a {what}")


def oracle_of(paths):
    """{(movement, seed): oracle hit %} of one or more `gfsim oracle --json` reports; a (movement, seed) that two of
    them give different values is a one-line error, as is a report of another shape."""
    from play_forward_vs_oracle import _load, oracle_by_seed
    out = {}
    for path in paths:
        report = _load(path, "--oracle-file", "oracle report (gfsim oracle --json)")
        for key, value in oracle_by_seed(report, path).items():
            _checked(out.get(key, value) == value, path,
                     f"report that agrees with the others on {key[0]!r} seed {key[1]}")
            out[key] = value
    return out


BATTLE_COUNTS = ("shots", "hits", "in_flight", "before_kill", "hits_before_kill")


def saved_battles(paths, gun, rounds):
    """The battles of earlier `--json` runs of `gun` over `rounds` rounds, each a path or PATH#KEY (the run a
    results file keeps under KEY): one list; a (movement, seed) in two of them, a run of another gun, of other
    rounds or of another shape is a one-line error."""
    from play_forward_vs_oracle import _load
    out, seen = [], set()
    for path in paths:
        key = None
        if "#" in path and not os.path.exists(path):      # RUN.json#KEY: the run a results file keeps under KEY
            path, _, key = path.rpartition("#")
        what = "shots_in_flight.py --json run"
        run = _load(path, "--battles", "run (shots_in_flight.py --json)")
        if key is not None:
            _checked(isinstance(run, dict) and isinstance(run.get(key), dict), path, f"file with a run under {key!r}")
            run = run[key]
        keys = [k for k, v in run.items() if isinstance(v, dict) and "battles" in v] if isinstance(run, dict) else []
        _checked(isinstance(run, dict) and isinstance(run.get("battles"), list), path,
                 what + (f" (it keeps runs: name one, {path}#{keys[0]})" if keys else ""))
        _checked(run.get("gun") == gun, path, f"run of {gun!r} (it is of {run.get('gun')!r})")
        _checked(run.get("rounds") == rounds, path, f"run of {rounds} rounds (it is of {run.get('rounds')!r})")
        for b in run["battles"]:
            _checked(isinstance(b, dict) and isinstance(b.get("movement"), str) and type(b.get("seed")) is int
                     and all(type(b.get(k)) is int and b[k] >= 0 for k in BATTLE_COUNTS)
                     and 0 < b["shots"] and b["hits"] <= b["shots"]
                     and b["hits_before_kill"] <= b["before_kill"] <= b["shots"],
                     path, what)
            cell = (b["movement"], b["seed"])
            _checked(cell not in seen, path,
                     f"run of battles no other --battles file holds ({cell[0]!r} seed {cell[1]})")
            seen.add(cell)
            out.append({k: b[k] for k in ("movement", "seed", *BATTLE_COUNTS)})
    return out


def _covering(table, names, seeds, option):
    """`table` (by (movement, seed)), once every movement of `names` has every seed: else a one-line error naming
    `option` and the first (movement, seed) it lacks."""
    from sim.cli.errors import UsageError
    missing = [(m, s) for m in names for s in seeds if (m, s) not in table]
    if missing:
        raise UsageError(f"{option} has no {missing[0][0]!r} seed {missing[0][1]}")
    return table


def _cell(c):
    return f"{c['mean']:.1f} ± {c['half']:.1f}"


def challenge_parser(prog, doc, seeds="16..25", seeds_are="the held-out ones"):
    """The arguments every per-gun challenge script takes: GUN, MOVEMENTS, --seeds (default `seeds`, which are
    `seeds_are`), --rounds, --jobs, --json and the progress flags (add its own before parse_args)."""
    from sim.cli.args import add_progress_flags, bounded_int, positive_int
    from sim.cli.errors import OneLineParser
    p = OneLineParser(prog=prog, description=doc.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                      epilog=doc)
    p.add_argument("gun", help="a gun as in gfsim challenge --guns (forecast, learned:hold_fire=0, ...)")
    p.add_argument("movements", help="movements as in gfsim challenge --movements, comma-separated")
    p.add_argument("--seeds", default=seeds, help=f"seasons' seeds (default {seeds}, {seeds_are})")
    p.add_argument("--rounds", type=positive_int, default=35, help="rounds per season (default 35)")
    p.add_argument("--jobs", type=bounded_int(1, 256), default=1, help="processes (default 1)")
    p.add_argument("--json", action="store_true")
    add_progress_flags(p)
    return p


def challenge_bots(gun, movements):
    """(shooter spec, {movement: mover spec}) of a gun and comma-separated movements named as in `gfsim challenge`
    (the shooter ``lock+GUN:power=3,energy_rule=0+still``); an unknown name is a one-line UsageError."""
    from sim.cli.errors import UsageError
    from sim.experiments.challenge import gun_spec, movement_specs
    shooter = gun_spec(gun)
    if shooter is None:
        raise UsageError(f"unknown gun {gun!r} (gfsim bots lists them)")
    names = [m.strip() for m in movements.split(",") if m.strip()]
    if not names:
        raise UsageError("no movement given")
    movers = {}
    for m in names:
        specs = movement_specs(m)
        if specs is None or len(specs) != 1:
            raise UsageError(f"unknown movement {m!r} (one movement part or robot each; gfsim bots lists them)")
        movers[m] = specs[0][1]
    return shooter, movers


def played(fn, tasks, jobs, progress, specs, unit):
    """[fn(task) for task in tasks] on `jobs` processes (workers.map_tasks_shown) with a progress bar of `unit`s (shown
    on a terminal unless --progress / --no-progress said otherwise), the bots' loop compiled here first: forked
    workers inherit it."""
    from sim.engine.battle import warm_up
    from sim.experiments.workers import map_tasks_shown
    warm_up(specs)
    return map_tasks_shown(fn, tasks, jobs, progress if progress is not None else sys.stderr.isatty(), f"{unit}s", unit)


def main(argv=None):
    from sim.cli.errors import run_command
    from sim.cli.output import json_text
    from sim.experiments.challenge import parse_seeds

    def run(argv):
        p = challenge_parser("shots_in_flight.py", __doc__)
        p.add_argument("--oracle-file", metavar="ORACLE.json", action="append",
                       help="gfsim oracle --json of these movements and seeds (again for more reports: their seeds "
                            "pooled)")
        p.add_argument("--battles", metavar="RUN.json", action="append",
                       help="score the battles of an earlier --json run of this gun instead of playing them "
                            "(RUN.json#KEY: the run a results file keeps under KEY; again for more runs; --seeds and "
                            "the movements pick from them)")
        a = p.parse_args(argv)
        seeds = parse_seeds(a.seeds)
        shooter, movers = challenge_bots(a.gun, a.movements)
        names = list(movers)
        oracle = None
        if a.oracle_file:
            oracle = _covering(oracle_of(a.oracle_file), names, seeds, "--oracle-file")   # hit %, by (movement, seed)
        if a.battles:
            saved = _covering({(b["movement"], b["seed"]): b for b in saved_battles(a.battles, a.gun, a.rounds)},
                              names, seeds, "--battles")
            battles = [saved[(m, s)] for m in names for s in seeds]
        else:
            tasks = [(m, shooter, movers[m], s, a.rounds) for m in names for s in seeds]
            battles = played(_task, tasks, a.jobs, a.progress, [shooter, *movers.values()], "battle")
        rows = summarize(battles, oracle)
        if a.json:
            sys.stdout.write(json_text(dict(gun=a.gun, shooter=shooter, rounds=a.rounds, rows=rows, battles=battles)))
            return 0
        for r in rows:
            line = (f"{a.gun} vs {r['movement']} ({len(r['seeds'])} seasons): hit {_cell(r['hit'])}%, in flight at "
                    f"the mover's death {_cell(r['in_flight'])}% of shots, hit up to the kill "
                    f"{_cell(r['to_kill'])}%")
            if oracle is not None:
                line += f"; of the oracle: {_cell(r['hit_of_oracle'])}% and {_cell(r['to_kill_of_oracle'])}%"
            print(line)
        return 0
    return run_command("shots_in_flight.py", run, list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
