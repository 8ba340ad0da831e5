"""The surfer's re-planning (bots/movements/surf.py, issue 19's fifth round): `replan_deaths=0` (the default)
re-plans at the death of one of our bullets only when that takes a shadow off a wave; `keep_ref=1` (off by default:
it measured no better) keeps the distance-control reference of a plan while the same wave is surfed, so the option
being driven is predicted on exactly the path it drives. S.BEFORE_FIFTH_ROUND plays the surfer before them, checked
by digests recorded with the code before them.
"""
from itertools import pairwise

import pytest

from bots import layout
from bots.movements import surf as S
from bots.registry import parse_bot
from sim.engine.battle import run_battle
from sim.engine.rules import Rules
from tests.digests import battle_digest

# Digests of 5-round battles (robots_trace, round_stats, round_scores, round_turns) of `lock+circular+surf`,
# recorded with main at bf49e78, before this round's parameters existed: S.BEFORE_FIFTH_ROUND must play that
# surfer exactly.
BEFORE_FIFTH_ROUND_DIGESTS = {
    ("sample.VelociRobot", 2): "b90dcb9759f9019b5e6c97319e6d088104d5ad183c2a7c061f00dd8bdb4813e2",
    ("sample.Crazy", 3): "e774b4d8c3268a81591ffcc99b1d3890b9d21671d0f1c1bb9e95e1fd04e2231a",
    ("lock+gf:power=3,energy_rule=0+orbit", 7): "848d2a1ca28b0031a01393752414f42112f4124eed6521fdf0b1d84174b55eec",
}


@pytest.mark.parametrize("enemy,seed", list(BEFORE_FIFTH_ROUND_DIGESTS))
def test_before_fifth_round_is_the_surfer_before_it(enemy, seed):
    old = f"lock+circular+surf:{S.BEFORE_FIFTH_ROUND}"
    r = run_battle([old, enemy], Rules(rounds=5), seed=seed, record=True)
    assert battle_digest(r) == BEFORE_FIFTH_ROUND_DIGESTS[(enemy, seed)]
    new = run_battle(["lock+circular+surf", enemy], Rules(rounds=5), seed=seed, record=True)
    assert battle_digest(new) != battle_digest(r)          # and the new rules do change the battle


def _plans(spec, enemy, seed, rounds):
    res = run_battle([spec, enemy], Rules(rounds=rounds), seed=seed, record=True, diagnostics=True)
    d = res.diagnostics
    d = d[d[:, 0] == 0]
    plans = d[d[:, 1] == S.TK_SURF_PLAN]
    devs = d[d[:, 1] == S.TK_SURF_DEVIATION]
    return plans, {(int(r), int(t)) for r, t in devs[:, 2:4]}


def _kept_covers(spec, enemy="lock+gf:power=2+orbit", seed=4, rounds=6):
    """For consecutive plans of a round that surf the same nearest wave with no deviation from the prediction in
    between, where the first drove a single option (no switch) and the second met the wave later than its own
    first tick: (the first plan's cover of the wave under the driven option, the second plan's cover under that
    same option). The second plan's paths start on the first's driven path, so with the same orbit centre and
    reference the same option drives on the very same path and covers the same guess factors."""
    P = S.DIAG_PLAN
    plans, devs = _plans(spec, enemy, seed, rounds)
    out = []
    for a, b in pairwise(plans):
        (ra, ta), va = (int(a[2]), int(a[3])), a[4:]
        (rb, tb), vb = (int(b[2]), int(b[3])), b[4:]
        if ra != rb or va[P.fire_a] != vb[P.fire_a] or va[P.switch] >= 0.0:
            continue
        if any((ra, t) in devs for t in range(ta + 1, tb + 1)):
            continue
        ka = next(k for k in range(3) if va[P.opt + k] == va[P.chosen])
        kb = next(k for k in range(3) if vb[P.opt + k] == va[P.chosen])
        if not vb[P.a_first + kb] > 0.0:
            continue                               # the front had already reached us: the hull is a part
        out.append(((va[P.a_lo + ka], va[P.a_hi + ka]), (vb[P.a_lo + kb], vb[P.a_hi + kb])))
    return out


def test_keep_ref_replans_the_driven_option_on_the_same_path():
    """keep_ref=1: a re-plan of the same wave finds the driven option's cover exactly where the plan before
    predicted it (a dodge found stays found); keep_ref=0 (the enemy's latest position as the reference) shifts the
    paths, and the covers differ in most such re-plans."""
    kept = _kept_covers("lock+none+surf:keep_ref=1")
    assert len(kept) > 50
    assert all(a == b for a, b in kept)
    moved = _kept_covers("lock+none+surf")
    assert len(moved) > 50
    assert sum(a != b for a, b in moved) > 0.5 * len(moved)


def test_replan_deaths_off_plans_less_often():
    """replan_deaths=0: the death of one of our bullets with no shadow to come on any wave changes no danger and
    is no reason to re-plan; the surfer plans measurably less often per turn (the planner is most of its cost)."""
    rate = []
    for spec in ("lock+circular+surf", "lock+circular+surf:replan_deaths=1"):
        res = run_battle([spec, "sample.Walls"], Rules(rounds=5), seed=3, keep_memory=True)
        m = res.memory[0, int(parse_bot(spec).params[layout.P.movement_mem]):]
        assert m[S.S_TURNS] > 1000
        rate.append(m[S.S_PLANS] / m[S.S_TURNS])
    assert rate[0] < 0.9 * rate[1]
