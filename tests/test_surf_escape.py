"""The surfer's escape options (bots/movements/surf.py `escape`; issue 19's seventh round): the command drives
`escape` degrees off the perpendicular away from the enemy, and the planner offers (and sometimes drives) them
only while the enemy is within close_distance; escape=0 never does.
"""
import math

import numpy as np
import pytest

from bots.movements import surf as S
from bots.registry import parse_bot
from sim.engine.battle import run_battle
from sim.engine.rules import Rules
from sim.experiments.surfreport import DIAG_CAPACITY, _Battle
from tests.test_surf import surf_params


@pytest.mark.parametrize("escape", [15.0, 30.0, 60.0, 89.0])
@pytest.mark.parametrize("direction", [1.0, -1.0])
@pytest.mark.parametrize("dist", [100.0, 450.0, 900.0])
def test_escape_command_heads_away_from_the_enemy(escape, direction, dist):
    """Whatever the distance error, the commanded course is `escape` degrees off the orbit's perpendicular,
    turned away from the centre (a field too large for walls, random start bearings and headings)."""
    p = surf_params(f"lock+none+surf:escape={escape}")
    rng = np.random.default_rng(int(escape) * 7 + int(dist))
    cx, cy = 2500.0, 2500.0
    for _ in range(20):
        b = rng.uniform(-math.pi, math.pi)
        hd = rng.uniform(-math.pi, math.pi)
        x, y = cx + dist * math.sin(b), cy + dist * math.cos(b)
        t_ret = S.escape_limit(p)
        turn, ahead, _ = S.surf_command(p, x, y, math.sin(hd), math.cos(hd), cx, cy, cx, cy, direction, False,
                                        -t_ret, t_ret, 5000.0, 5000.0)
        course = hd + turn + (0.0 if ahead > 0 else math.pi)
        away = math.atan2(x - cx, y - cy)
        off = abs(math.degrees((course - away + math.pi) % (2 * math.pi) - math.pi))
        assert off == pytest.approx(90.0 - min(escape, 89.0), abs=1e-6)


def _escape_plans(spec, seed, rounds):
    """(plans, escape plans, largest distance to the enemy at an escape plan) of a battle against VelociRobot."""
    res = run_battle([parse_bot(spec), parse_bot("sample.VelociRobot")], Rules(rounds=rounds), seed=seed,
                     record=True, diagnostics=True, telemetry_capacity=DIAG_CAPACITY)
    B = _Battle(res, 0)
    a = B.a
    plans = escapes = 0
    far = 0.0
    for r in range(rounds):
        turn, vals = B.kind(S.TK_SURF_PLAN, r)
        plans += len(turn)
        for tt in turn[vals[:, S.DIAG_PLAN.escape] == 1.0]:
            j = B.j(r, tt)
            escapes += 1
            far = max(far, math.hypot(a["x"][0, j] - a["x"][1, j], a["y"][0, j] - a["y"][1, j]))
    return plans, escapes, far


def test_escape_options_are_driven_only_when_close():
    plans, escapes, far = _escape_plans("lock+learned+surf:escape=30", 4, 12)
    assert plans > 100 and escapes > 0
    # the gate reads the enemy's last scan (the lock radar's, at most a turn or two old): a few px of slack
    assert far < surf_params("lock+none+surf")[S.SP_CLOSE_DISTANCE] + 20.0
    plans, escapes, _ = _escape_plans("lock+learned+surf", 4, 12)
    assert plans > 100 and escapes == 0
