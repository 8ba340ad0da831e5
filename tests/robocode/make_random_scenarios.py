#!/usr/bin/env python3
"""Write long seeded random command sequences as scenarios: sim/scenarios/random_<k>.json.

Each robot gets a new command every 1..14 turns with a random subset of the setters:
distances (some fractional, some infinite), body/gun/radar turns (some infinite), max velocity
and max turn rate (some fractional, some out of range), adjust flags, and bullets (some powers
out of range). Speeds and fire rates are kept moderate so that no robot dies within the
scenario (wall hits cost up to 3 energy, every shot costs its power); inactivity_time is
long so the inactivity zap stays out of these scenarios (tests it separately).

The sequences are open-loop, so robots may ram each other or cross bullets in ways whose
outcome depends on Robocode's random robot/bullet order; record_goldens.py rejects such a
scenario (it records every scenario with two seeds), and the ``SEEDS`` table below lists the
generator seeds whose scenarios passed.

    python tests/robocode/make_random_scenarios.py
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sim.io.scenario import scenario_from_dict  # noqa: E402

OUT = ROOT / "sim" / "scenarios"

# name: (generator seed, turns, width, height, start positions (x, y))
SEEDS = {
    "random_0": (1001, 2200, 800, 600, [(200, 300), (600, 300)]),
    "random_1": (2002, 2500, 1000, 800, [(250, 400), (750, 400)]),
    "random_2": (3003, 2000, 800, 600, [(150, 150), (650, 450), (400, 300)]),
}


def r6(x: float) -> float:
    return round(x, 6)


def random_command(rng: random.Random, turn: int) -> dict:
    c: dict = {"turn": turn}
    if rng.random() < 0.55:
        u = rng.random()
        if u < 0.08:
            c["ahead"] = rng.choice(["inf", "-inf"])
        elif u < 0.2:
            c["ahead"] = r6(rng.uniform(-6, 6))
        elif u < 0.25:
            c["ahead"] = 0
        else:
            c["ahead"] = r6(rng.uniform(-160, 160))
    if rng.random() < 0.5:
        u = rng.random()
        c["turn_right"] = rng.choice(["inf", "-inf"]) if u < 0.07 else r6(rng.uniform(-200, 200))
    if rng.random() < 0.45:
        u = rng.random()
        c["turn_gun_right"] = rng.choice(["inf", "-inf"]) if u < 0.07 else r6(rng.uniform(-400, 400))
    if rng.random() < 0.35:
        u = rng.random()
        c["turn_radar_right"] = rng.choice(["inf", "-inf"]) if u < 0.1 else r6(rng.uniform(-800, 800))
    if rng.random() < 0.25:
        u = rng.random()
        c["max_velocity"] = (rng.choice([0, 8, 100, -3, "inf"]) if u < 0.15 else
                             rng.choice([1, 2, 3, 4, 5, 6]) if u < 0.5 else r6(rng.uniform(0.2, 6.5)))
    if rng.random() < 0.12:
        u = rng.random()
        c["max_turn_rate"] = rng.choice([0, 10, 20, -4, "inf"]) if u < 0.2 else r6(rng.uniform(0.5, 10))
    for flag in ("adjust_gun_for_robot_turn", "adjust_radar_for_gun_turn", "adjust_radar_for_robot_turn"):
        if rng.random() < 0.06:
            c[flag] = rng.random() < 0.5
    if rng.random() < 0.17:
        u = rng.random()
        c["fire"] = rng.choice([0, -1, 0.01, 3.5, 5]) if u < 0.08 else r6(rng.uniform(0.1, 1.6))
    return c


def make(name: str, seed: int, turns: int, width: int, height: int, starts) -> dict:
    rng = random.Random(seed)
    robots = []
    for i, (x, y) in enumerate(starts):
        cmds = []
        t = 1
        while t <= turns:
            c = random_command(rng, t)
            if len(c) > 1:
                cmds.append(c)
            t += rng.randint(1, 14)
        robots.append({"name": f"r{i}", "x": x, "y": y, "heading": r6(rng.uniform(0, 360)), "commands": cmds})
    d = {"comment": f"Seeded random command sequences (tests/robocode/make_random_scenarios.py, seed {seed}): "
                    f"{len(starts)} robots, {turns} turns, a new command every 1..14 turns. Recorded with two "
                    "Robocode seeds and found independent of Robocode's random robot/bullet order.",
         "rules": {"width": width, "height": height, "gun_cooling_rate": 0.1, "inactivity_time": 3000, "rounds": 1},
         "turns": turns,
         "robots": robots}
    scenario_from_dict(d, name)
    return d


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (seed, turns, w, h, starts) in SEEDS.items():
        d = make(name, seed, turns, w, h, starts)
        p = OUT / f"{name}.json"
        tmp = p.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(d, indent=None, separators=(",", ":")) + "\n")
        tmp.replace(p)
        print(f"{p.relative_to(ROOT)}: {turns} turns, {sum(len(r['commands']) for r in d['robots'])} commands")
    return 0


if __name__ == "__main__":
    sys.exit(main())
