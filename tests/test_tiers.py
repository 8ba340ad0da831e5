"""One compiled turn loop per tier of bot families (bots.dispatch): each battle uses the smallest one, and
every tier plays a battle exactly as the full loop does."""
import pytest
from numba import njit

import sim.engine.battle as battle_mod
from bots.dispatch import TIER_SAMPLES, TIER_CLASSIC, TIER_LEARNING
from bots.registry import parse_bot, scripted_bot
from sim.engine.loop import PLAY_ROUNDS, play_rounds_nb
from sim.engine.rules import Rules
from sim.engine.variants import variant


@pytest.mark.parametrize("spec,tier", [
    ("sample.Walls", TIER_SAMPLES), ("sample.RamFire", TIER_SAMPLES),
    ("lock+circular+orbit", TIER_CLASSIC), ("spin+headon+ram", TIER_CLASSIC), ("lock+none+stopgo", TIER_CLASSIC),
    ("lock+gf+still", TIER_LEARNING), ("lock+knn+orbit", TIER_LEARNING), ("lock+learned", TIER_LEARNING),
    ("lock+virtual+stopgo", TIER_LEARNING), ("lock+none+surf", TIER_LEARNING), ("lock+circular+surf", TIER_LEARNING),
])
def test_bot_tiers(spec, tier):
    assert parse_bot(spec).tier == tier


def test_scripted_bots_use_the_samples_loop():
    assert scripted_bot().tier == TIER_SAMPLES


def test_the_full_loop_is_the_learning_tier():
    assert PLAY_ROUNDS[TIER_LEARNING] is play_rounds_nb
    assert len({id(f) for f in PLAY_ROUNDS}) == 3


def _trace(res):
    return (res.robots_trace.tobytes(), res.bullets_trace.tobytes(), res.round_scores.tobytes(),
            res.round_stats.tobytes())


@pytest.mark.parametrize("bots,tier", [
    (["sample.Walls", "sample.SpinBot"], TIER_SAMPLES),
    (["sample.Tracker", "sample.Crazy"], TIER_SAMPLES),
    (["lock+circular+orbit", "sample.Crazy"], TIER_CLASSIC),
    (["spin+linear:power=2+stopgo", "lock+headon+ram"], TIER_CLASSIC),
])
def test_a_lower_tier_plays_exactly_as_the_full_loop(monkeypatch, bots, tier):
    rules = Rules(rounds=3)
    used = []

    def spy(loop):
        def play(*args):
            used.append(loop)
            return loop(*args)
        return play

    monkeypatch.setattr(battle_mod, "PLAY_ROUNDS", tuple(spy(f) for f in PLAY_ROUNDS))
    own = battle_mod.run_battle(bots, rules, seed=11, record=True)
    assert used and all(f is PLAY_ROUNDS[tier] for f in used)
    monkeypatch.setattr(battle_mod, "PLAY_ROUNDS", (play_rounds_nb,) * 3)
    full = battle_mod.run_battle(bots, rules, seed=11, record=True)
    assert own.total_turns > 500
    assert _trace(own) == _trace(full)


@pytest.mark.parametrize("spec,tier", [("lock+circular+orbit", TIER_SAMPLES), ("lock+gf+orbit", TIER_CLASSIC),
                                       ("lock+headon+surf", TIER_CLASSIC)])
def test_a_lower_tier_has_no_code_for_the_families_it_leaves_out(monkeypatch, spec, tier):
    """Routed to a loop compiled without its family, a bot reaches the stub, which raises: that code is not
    in the loop (which is the point: it is not compiled for battles that do not need it)."""
    monkeypatch.setattr(battle_mod, "PLAY_ROUNDS", (PLAY_ROUNDS[tier],) * 3)
    with pytest.raises(RuntimeError, match="leaves out"):
        battle_mod.run_battle([spec, "sample.SittingDuck"], Rules(rounds=1), seed=1, max_turns=5)


@njit(cache=False)
def _double(x):
    return 2.0 * x


@njit(cache=False)
def _triple(x):
    return 3.0 * x


@njit(cache=False)
def _apply(x):
    return _double(x) + 1.0


def test_variant_swaps_the_named_callee_and_nothing_else():
    tripled = variant(_apply, "_tripled", _double=_triple)
    assert tripled(2.0) == 7.0
    assert _apply(2.0) == 5.0
    assert tripled.py_func.__qualname__ == _apply.py_func.__qualname__ + "_tripled"


def test_variant_refuses_a_name_the_function_cannot_see():
    with pytest.raises(NameError, match="_quadruple"):
        variant(_apply, "_x", _quadruple=_triple)


# --- parallel cold compiles (sim/engine/prebuild.py) ---------------------------------------------------------

def _loop_args(monkeypatch, bots):
    """The arguments run_battle hands a turn loop."""
    seen = {}

    def spy(*args):
        seen["args"] = args
        return play_rounds_nb(*args)

    monkeypatch.setattr(battle_mod, "PLAY_ROUNDS", (spy,) * 3)
    battle_mod.run_battle(bots, Rules(rounds=1), seed=1, max_turns=2)
    return seen["args"]


def _sigs(dispatcher):
    return {tuple(s) for s in dispatcher.signatures}


def test_prebuild_compiles_each_part_with_the_signature_the_turn_loop_calls_it_with(monkeypatch):
    """A worker that compiled a part with another signature would leave the loop to compile it again (and
    waste the worker): type the loop and the composite dispatch afresh (uncached copies, so they type their
    callees again) and compare what they call with prebuild's table."""
    import bots.composite as C
    import bots.samples as SA
    import bots.scripted as SC
    import bots.surf as S
    import bots.waveguns as W
    from bots.dispatch import bot_round_start
    from numba import typeof
    from sim.engine import prebuild as P
    args = _loop_args(monkeypatch, ["lock+learned+surf", "sample.Walls"])
    variant(play_rounds_nb, "_sigcheck", cache=False).compile(tuple(typeof(a) for a in args))
    assert _sigs(C.composite_think) == {P.COMPOSITE_SIG}   # bot_think is inlined: typed again with the loop
    (_, start_sig), (_, think_sig) = P.GROUPS["samples"][0]
    assert _sigs(bot_round_start) == {start_sig}
    variant(bot_round_start, "_sigcheck", cache=False).compile(start_sig)   # it may have come from the cache
    assert _sigs(C.composite_round_start) == {P.COMPOSITE_START_SIG}
    loop_calls = (_sigs(SA.sample_think), _sigs(SC.scripted_think))
    variant(P._samples_dispatch(1), "_sigcheck", cache=False).compile(think_sig)
    assert (_sigs(SA.sample_think), _sigs(SC.scripted_think)) == loop_calls   # nothing new: the same calls
    variant(C.composite_think, "_sigcheck", cache=False).compile(P.COMPOSITE_SIG)
    variant(C.composite_round_start, "_sigcheck", cache=False).compile(P.COMPOSITE_START_SIG)
    for name, part in (("waveguns", W), ("surf", S)):
        for get, sig in P.GROUPS[name][0]:
            assert _sigs(get()) == {sig}, get().py_func.__name__
    for get, sig in P.GROUPS["classic"][0]:
        assert get().py_func.__code__ is getattr(C, get().py_func.__name__.removesuffix("_classic")).py_func.__code__


def test_prebuild_plan_puts_every_group_somewhere_once():
    from sim.engine import prebuild as P
    for tier_groups in P.TIER_GROUPS:
        for workers in (1, 2, 3, 8):
            children, own = P._plan(tier_groups, workers)
            assert len(children) == workers
            placed = [g for b in children for g in b] + own
            assert sorted(placed) == sorted(tier_groups)
    children, own = P._plan(P.TIER_GROUPS[2], 1)
    assert children == [["surf", "samples", "classic"]] and own == ["waveguns"]   # longest first, least loaded


def test_prebuild_does_nothing_for_a_loop_already_compiled_or_when_turned_off(monkeypatch):
    from sim.engine import prebuild as P
    args = _loop_args(monkeypatch, ["sample.Walls", "sample.SpinBot"])
    assert P.ensure_compiled(PLAY_ROUNDS[TIER_SAMPLES], TIER_SAMPLES, args) == 0.0
    fresh = variant(play_rounds_nb, "_never_compiled", cache=False)
    monkeypatch.setenv("GFSIM_PARALLEL_COMPILE", "0")
    assert P.ensure_compiled(fresh, TIER_SAMPLES, args) == 0.0
    assert not fresh.overloads


def test_prebuild_worker_refuses_unknown_groups():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "sim.engine.prebuild", "lasers"], capture_output=True, text=True)
    assert out.returncode == 2
    assert "invalid choice: 'lasers'" in out.stderr and "'waveguns'" in out.stderr
