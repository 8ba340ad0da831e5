"""gfsim's side of a scripted scenario: play it in the engine and shape the trace like Robocode's record."""
import math

import numpy as np

from bots.registry import scripted_bot
from bots.scripted import SCRIPT_FIELDS
from sim.engine.battle import run_battle
from sim.engine.constants import BULLET_STATE_NAMES, BS_MOVING, BS_HIT_VICTIM, BS_HIT_WALL, BS_HIT_BULLET
from sim.engine.rules import Rules
from sim.io.scenario import (COMMAND_FIELDS, Scenario, TRACE_DTYPE, BULLET_DTYPE, start_heading_radians,
                       sort_trace, sort_bullets)

assert tuple(COMMAND_FIELDS) == tuple(SCRIPT_FIELDS), "scenario and scripted-bot field orders must agree"

_STOP_STATES = (BS_HIT_VICTIM, BS_HIT_WALL, BS_HIT_BULLET)


def scenario_rules(s: Scenario) -> Rules:
    return Rules(width=int(s.width), height=int(s.height), rounds=int(s.rounds),
                 gun_cooling_rate=float(s.gun_cooling_rate), inactivity_time=int(s.inactivity_time))


def run_scenario(s: Scenario, seed=0):
    """Play a scenario; returns (robot rows, bullet rows) as sim.io.scenario structured arrays."""
    n = len(s.names)
    setups = np.array([(x, y, start_heading_radians(h)) for x, y, h in s.start], dtype=np.float64)
    res = run_battle([scripted_bot(name) for name in s.names], scenario_rules(s), seed=seed, setups=setups,
                     scripts=np.asarray(s.commands, dtype=np.float64), max_turns=s.turns, record=True)
    return robots_rows(res.robots_trace), bullet_rows(res.bullets_trace)


def robots_rows(rec):
    out = np.zeros(len(rec), dtype=TRACE_DTYPE)
    for k, name in enumerate(("round", "turn", "robot", "x", "y", "heading", "gun_heading", "radar_heading",
                              "velocity", "energy", "gun_heat")):
        out[name] = rec[:, k]
    return sort_trace(out)


def bullet_rows(rec):
    """Keep what Robocode's record shows: MOVING rows and the one row of the turn a bullet stops."""
    keep = []
    stopped = set()
    for k in range(len(rec)):
        state = int(rec[k, 8])
        key = (int(rec[k, 0]), int(rec[k, 2]), int(rec[k, 3]))
        if state == BS_MOVING:
            keep.append(k)
        elif state in _STOP_STATES and key not in stopped:
            stopped.add(key)
            keep.append(k)
    sel = rec[keep]
    out = np.zeros(len(sel), dtype=BULLET_DTYPE)
    for k, name in enumerate(("round", "turn", "owner", "bullet", "x", "y", "heading", "power")):
        out[name] = sel[:, k]
    out["state"] = [BULLET_STATE_NAMES[int(v)] for v in sel[:, 8]]
    return sort_bullets(out)
