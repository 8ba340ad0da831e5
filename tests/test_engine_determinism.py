"""A battle is a pure function of (rules, bots, seed): re-running it gives bit-identical traces,
and another seed gives another battle.

These guard the engine's speed work too: the turn loop hands bot code borrowed array views and
reuses per-battle work arrays, so any read of stale or uninitialised memory would show up here
as a difference between two runs of the same battle.
"""
import numpy as np
import pytest

from sim.engine.battle import run_battle
from sim.engine.rules import Rules

MATCHUPS = [
    ("sample.Walls", "sample.SpinBot"),
    ("lock+circular+orbit", "sample.Tracker"),          # composite bots draw from their own java.util.Random
    ("sample.Crazy", "sample.RamFire", "sample.Fire"),  # melee: deaths, rams, bullet hits
]


def _run(bots, seed, **kw):
    return run_battle(list(bots), Rules(rounds=3), seed=seed, record=True, **kw)


def _arrays(res):
    return {"robots_trace": res.robots_trace, "bullets_trace": res.bullets_trace,
            "round_scores": res.round_scores, "round_stats": res.round_stats, "round_turns": res.round_turns}


def _assert_bit_identical(a, b):
    for name, x in _arrays(a).items():
        y = _arrays(b)[name]
        assert x.shape == y.shape, name
        assert x.dtype == y.dtype, name
        assert x.tobytes() == y.tobytes(), f"{name} differs between two runs of the same battle"


@pytest.mark.parametrize("bots", MATCHUPS, ids=lambda b: " vs ".join(b))
def test_same_seed_is_bit_identical(bots):
    first = _run(bots, seed=7)
    # another battle in between must not leak into the next one
    _run(("sample.SittingDuck", "sample.Crazy"), seed=99)
    second = _run(bots, seed=7)
    assert first.total_turns > 0 and len(first.bullets_trace) > 0
    _assert_bit_identical(first, second)


@pytest.mark.parametrize("bots", MATCHUPS, ids=lambda b: " vs ".join(b))
def test_rounds_played_in_chunks_match_one_go(bots):
    # with a progress callback the battle is played one round per compiled call, state in arrays
    whole = _run(bots, seed=11)
    seen = []
    chunked = _run(bots, seed=11, progress=seen.append)
    assert seen == [1, 2, 3]
    _assert_bit_identical(whole, chunked)


@pytest.mark.parametrize("bots", MATCHUPS, ids=lambda b: " vs ".join(b))
def test_another_seed_gives_another_battle(bots):
    a = _run(bots, seed=7)
    b = _run(bots, seed=8)
    # start positions come from the seed (Battle.computeInitialPositions / initializeRound)
    n = len(bots)
    assert not np.array_equal(a.robots_trace[:n, 3:6], b.robots_trace[:n, 3:6])
    assert a.robots_trace.tobytes() != b.robots_trace.tobytes()
