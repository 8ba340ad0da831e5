"""Test helper: battles of scripted robots, with a per-robot, per-turn trace."""
import math

import numpy as np

from bots.registry import scripted_bot
from bots.scripted import SCRIPT_FIELDS, N_SCRIPT
from sim.engine.battle import run_battle
from sim.engine.rules import Rules

COL = dict(x=3, y=4, heading=5, gun=6, radar=7, velocity=8, energy=9, gun_heat=10, state=11)


class Trace:
    """trace.get('x', robot, turn); turn 0 is the start state."""

    def __init__(self, result, n):
        self.result = result
        rows = result.robots_trace
        self.rows = rows
        self.n = n
        self.turns = int(rows[:, 1].max())
        self.bullets = result.bullets_trace

    def get(self, field, robot, turn, rnd=0):
        r = self.rows
        sel = (r[:, 0] == rnd) & (r[:, 1] == turn) & (r[:, 2] == robot)
        return float(r[sel, COL[field]][0])

    def series(self, field, robot, rnd=0):
        r = self.rows
        sel = (r[:, 0] == rnd) & (r[:, 2] == robot)
        return r[sel, COL[field]]


def run_scripted(robots, turns, rules=None, seed=0):
    """robots: list of (x, y, heading_deg, {turn: {field: value}}). Returns a Trace."""
    rules = rules or Rules(rounds=1)
    n = len(robots)
    scripts = np.full((n, turns + 1, N_SCRIPT), np.nan)
    setups = np.zeros((n, 3))
    for i, (x, y, h, cmds) in enumerate(robots):
        setups[i] = (x, y, math.radians(h))
        for t, fields in cmds.items():
            for k, v in fields.items():
                scripts[i, t, SCRIPT_FIELDS.index(k)] = float(v)
    res = run_battle([scripted_bot(f"r{i}") for i in range(n)], rules, seed=seed, setups=setups, scripts=scripts,
                     max_turns=turns, record=True)
    return Trace(res, n)
