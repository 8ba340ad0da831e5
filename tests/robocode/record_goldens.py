#!/usr/bin/env python3
"""Record golden traces of sim/scenarios/*.json from real Robocode into tests/golden/.

For every scenario it plays the scenario three times in real Robocode (1.9.3.9, headless):
twice with seed 0 (the runs must be identical: determinism) and once with seed 1 (a different
random robot/bullet processing order: the traces must still be identical, otherwise the
scenario depends on Robocode's random order and is rejected). It then writes
tests/golden/<name>.robots.csv.gz and <name>.bullets.csv.gz (full precision) and prints a
one-line summary per scenario (turns, bullet end states, closest robot approach, wall contacts).

    python tests/robocode/record_goldens.py                 # all scenarios
    python tests/robocode/record_goldens.py -k ram_ --dry   # check some, write nothing
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sim.io.robocode import RobocodeError, robocode_available, run_real_scenario  # noqa: E402
from sim.io.scenario import (ScenarioError, compare_traces, load_scenario, read_bullets_csv,  # noqa: E402
                          read_trace_csv, write_bullets_csv, write_trace_csv)

SCENARIOS = ROOT / "sim" / "scenarios"
GOLDEN = ROOT / "tests" / "golden"


def golden_paths(name: str) -> tuple[Path, Path]:
    return GOLDEN / f"{name}.robots.csv.gz", GOLDEN / f"{name}.bullets.csv.gz"


def summary(s, robots: np.ndarray, bullets: np.ndarray) -> str:
    last = int(robots["turn"].max()) if len(robots) else -1
    states = Counter(bullets["state"].tolist())
    # closest approach between robot boxes (|dx| and |dy| both < 36 means touching)
    closest = np.inf
    touch_turns = []
    for (rnd, t), idx in _group(robots):
        if len(idx) < 2:
            continue
        x, y = robots["x"][idx], robots["y"][idx]
        dx = np.abs(x[:, None] - x[None, :])
        dy = np.abs(y[:, None] - y[None, :])
        cheb = np.maximum(dx, dy)
        np.fill_diagonal(cheb, np.inf)
        m = float(cheb.min())
        closest = min(closest, m)
        if m < 36.0 + 1e-9:
            touch_turns.append(t)
    w, h = s.width, s.height
    at_wall = np.count_nonzero((robots["x"] <= 18) | (robots["x"] >= w - 18) | (robots["y"] <= 18) |
                               (robots["y"] >= h - 18))
    dead = np.count_nonzero(robots["energy"] == 0)
    touch = f" touching at turns {touch_turns[0]}..{touch_turns[-1]} ({len(touch_turns)})" if touch_turns else ""
    return (f"turns 0..{last} (asked {s.turns}), bullets {dict(sorted(states.items()))}, "
            f"closest box distance {closest:.2f}{touch}, robot-rows at a wall {at_wall}, energy-0 rows {dead}")


def _group(robots):
    key = robots["round"].astype(np.int64) * 1_000_000 + robots["turn"]
    order = np.argsort(key, kind="stable")
    k = key[order]
    cuts = np.flatnonzero(np.diff(k)) + 1
    for grp in np.split(order, cuts):
        yield (int(robots["round"][grp[0]]), int(robots["turn"][grp[0]])), grp


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", dest="pattern", default="", help="only scenarios whose name contains this")
    ap.add_argument("--dry", action="store_true", help="record and check, but write no golden files")
    ap.add_argument("--verify", action="store_true",
                    help="one run per scenario, compared with the existing golden files")
    args = ap.parse_args()
    if not robocode_available():
        print("real Robocode is not installed (java + robocode.jar)", file=sys.stderr)
        return 2
    files = sorted(p for p in SCENARIOS.glob("*.json") if args.pattern in p.stem)
    if not files:
        print("no scenarios match", file=sys.stderr)
        return 2
    failed = 0
    for p in files:
        t0 = time.perf_counter()
        try:
            s = load_scenario(p)
            if args.verify:
                rp, bp = golden_paths(s.name)
                ref = (read_trace_csv(rp), read_bullets_csv(bp))
                got = run_real_scenario(s, seed=0)
                d = compare_traces(got, ref, tol=0.0)
                status = "matches golden" if d is None else f"DIFFERS from golden: {d}"
                failed += d is not None
                print(f"{s.name:24s} {status} ({time.perf_counter() - t0:.1f} s)", flush=True)
                continue
            a = run_real_scenario(s, seed=0)
            b = run_real_scenario(s, seed=0)
            c = run_real_scenario(s, seed=1)
        except (ScenarioError, RobocodeError, OSError, ValueError) as e:
            failed += 1
            print(f"{p.stem:24s} ERROR {e}", flush=True)
            continue
        d_same = compare_traces(a, b, tol=0.0)
        d_seed = compare_traces(a, c, tol=0.0)
        if d_same is not None:
            failed += 1
            print(f"{s.name:24s} NOT DETERMINISTIC (seed 0 twice): {d_same}", flush=True)
            continue
        if d_seed is not None:
            failed += 1
            print(f"{s.name:24s} DEPENDS ON ROBOCODE'S RANDOM ORDER (seed 0 vs 1): {d_seed}", flush=True)
            continue
        if not args.dry:
            GOLDEN.mkdir(parents=True, exist_ok=True)
            rp, bp = golden_paths(s.name)
            write_trace_csv(rp, a[0])
            write_bullets_csv(bp, a[1])
        print(f"{s.name:24s} ok ({time.perf_counter() - t0:.1f} s) {summary(s, *a)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
