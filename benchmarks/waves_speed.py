"""Wave tracking speed: battle turns/s with and without waves + precise intersection, in one run.

For each matchup the same seeded battle is played (best of --repeat, after a
warm-up that compiles everything):

* plain      -- run_battle as `gfsim battle` plays it (no recording, no waves);
* waves      -- run_battle(record=True) followed by sim.waves.tracking.gun_waves: one
                wave per robot per turn, followed to the end with the precise
                intersection, features and MEAs (what a gun dataset needs);
* dataset    -- the same plus the surfer-side enemy waves (everything
                `gfsim collect` computes per battle, without the file write).

The cost factor is plain turns/s divided by waves turns/s (target: <= 2). Wall
time and process CPU time are both reported; the machine may be shared, so
the best of the repeats is used. --json adds a per-stage breakdown (ns per gun
wave: recording, _Prepared, gun_waves).

    python benchmarks/waves_speed.py [--rounds 35] [--repeat 5] [--json]

Python puts benchmarks/ (not the current directory) first on sys.path, so an
installed gfsim (e.g. an editable install of another checkout) is what gets
measured; run it as ``PYTHONPATH=. python benchmarks/waves_speed.py`` to time
this checkout (the report's first line names the sim package it imported).
"""
import argparse
import json
import time
from pathlib import Path

from sim.engine.battle import run_battle
from sim.engine.rules import Rules
from sim.waves import tracking as W

MATCHUPS = [
    ("lock+circular+orbit", "lock+linear+orbit"),
    ("sample.Walls", "sample.SpinBot"),
]
TARGET_FACTOR = 2.0


def _timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def measure(a, b, rounds, seed, repeat):
    rules = Rules(rounds=rounds)
    best = {}

    def keep(key, wall, cpu):
        w, c = best.get(key, (float("inf"), float("inf")))
        best[key] = (min(w, wall), min(c, cpu))

    turns = None
    rows = None
    for _ in range(repeat):
        res, w, c = _timed(lambda: run_battle([a, b], rules, seed=seed))
        keep("plain", w, c)
        turns = res.total_turns
        rec, w_rec, c_rec = _timed(lambda: run_battle([a, b], rules, seed=seed, record=True))
        keep("record", w_rec, c_rec)
        pr, w_p, c_p = _timed(lambda: W._Prepared(rec))
        gun, w_g, c_g = _timed(lambda: W.gun_waves(rec, prepared=pr))
        keep("waves", w_rec + w_p + w_g, c_rec + c_p + c_g)
        keep("waves_only", w_p + w_g, c_p + c_g)
        keep("prepared", w_p, c_p)          # per-stage breakdown (JSON only)
        keep("gun_waves", w_g, c_g)
        enemy, w_e, c_e = _timed(lambda: W.enemy_waves(rec, prepared=pr))
        keep("dataset", w_rec + w_p + w_g + w_e, c_rec + c_p + c_g + c_e)
        rows = (len(gun["columns"]["turn"]), len(enemy["columns"]["turn"]))
    rate = {k: (turns / v[0], turns / v[1]) for k, v in best.items()}
    return {
        "bots": [a, b], "rounds": rounds, "turns": turns, "gun_waves": rows[0], "enemy_waves": rows[1],
        "turns_per_s": {k: {"wall": r[0], "cpu": r[1]} for k, r in rate.items()},
        "seconds": {k: {"wall": v[0], "cpu": v[1]} for k, v in best.items()},
        "waves_per_s": {"wall": rows[0] / best["waves_only"][0], "cpu": rows[0] / best["waves_only"][1]},
        # CPU ns per gun wave of each stage (recording: its extra time over the plain battle)
        "ns_per_wave_cpu": {"recording": (best["record"][1] - best["plain"][1]) / rows[0] * 1e9,
                            "prepared": best["prepared"][1] / rows[0] * 1e9,
                            "gun_waves": best["gun_waves"][1] / rows[0] * 1e9},
        "cost_factor": {"wall": rate["plain"][0] / rate["waves"][0], "cpu": rate["plain"][1] / rate["waves"][1]},
        "cost_factor_dataset": {"wall": rate["plain"][0] / rate["dataset"][0],
                                "cpu": rate["plain"][1] / rate["dataset"][1]},
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Prints turns/s without and with wave tracking and their ratio.")
    ap.add_argument("--rounds", type=int, default=35, help="rounds per battle (default 35)")
    ap.add_argument("--repeat", type=int, default=5, help="repeats per matchup; the best is reported (default 5)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="machine-readable report")
    args = ap.parse_args(argv)
    # warm-up: compile (or load from the cache) the turn loop and every wave kernel
    warm = run_battle(list(MATCHUPS[0]), Rules(rounds=1), seed=0, record=True)
    W.battle_waves(warm)
    report = {"sim": str(Path(W.__file__).resolve().parent), "target_cost_factor": TARGET_FACTOR, "matchups": []}
    for a, b in MATCHUPS:
        report["matchups"].append(measure(a, b, args.rounds, args.seed, max(1, args.repeat)))
    worst = max(m["cost_factor"]["cpu"] for m in report["matchups"])
    report["worst_cost_factor_cpu"] = worst
    report["ok"] = worst <= TARGET_FACTOR
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"sim package: {report['sim']}")
    for m in report["matchups"]:
        t = m["turns_per_s"]
        print(f"{m['bots'][0]} vs {m['bots'][1]}: {m['rounds']} rounds, {m['turns']} turns, "
              f"{m['gun_waves']} gun waves, {m['enemy_waves']} enemy waves")
        print(f"  battle alone            {t['plain']['wall']:>12,.0f} turns/s wall  {t['plain']['cpu']:>12,.0f} cpu")
        print(f"  battle + waves          {t['waves']['wall']:>12,.0f} turns/s wall  {t['waves']['cpu']:>12,.0f} cpu"
              f"   (recording alone {t['record']['wall']:,.0f} turns/s)")
        print(f"  battle + whole dataset  {t['dataset']['wall']:>12,.0f} turns/s wall  "
              f"{t['dataset']['cpu']:>12,.0f} cpu")
        print(f"  wave tracking           {m['waves_per_s']['wall']:>12,.0f} waves/s wall")
        print(f"  cost factor (alone / with waves): {m['cost_factor']['wall']:.2f} wall, "
              f"{m['cost_factor']['cpu']:.2f} cpu; with the whole dataset {m['cost_factor_dataset']['cpu']:.2f} cpu")
    print(f"worst cost factor {worst:.2f} (target <= {TARGET_FACTOR:g}): {'OK' if report['ok'] else 'OVER'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
