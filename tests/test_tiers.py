"""Compile tiers derived from the part declarations: each battle uses the smallest turn loop that holds its
bots, every tier plays a battle exactly as the full loop does, and a cold compile's parallel groups compile
each part with the signature the loop calls it with."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from numba import njit, typeof

import sim.engine.battle as battle_mod
from bots import registry as R
from bots.registry import (
    TIER_CLASSIC,
    TIER_HEAVY,
    TIER_LEARNING,
    TIER_SAMPLES,
    TOP_TIER,
    parse_bot,
    scripted_bot,
)
from sim.engine.loop import play_rounds_nb
from sim.engine.rules import Rules
from sim.engine.variants import variant

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("spec,tier", [
    ("sample.Walls", TIER_SAMPLES), ("sample.RamFire", TIER_SAMPLES),
    ("lock+circular+orbit", TIER_CLASSIC), ("spin+headon+ram", TIER_CLASSIC), ("lock+none+stopgo", TIER_CLASSIC),
    ("lock+gf+still", TIER_LEARNING), ("lock+knn+orbit", TIER_LEARNING), ("lock+learned", TIER_LEARNING),
    ("lock+virtual+stopgo", TIER_LEARNING), ("lock+none+surf", TIER_LEARNING), ("lock+circular+surf", TIER_LEARNING),
    ("lock+learned+surf", TIER_LEARNING), ("lock+forecast+still", TIER_HEAVY), ("spin+forecast+surf", TIER_HEAVY),
])
def test_bot_tiers(spec, tier):
    assert parse_bot(spec).tier == tier


def test_scripted_bots_use_the_samples_loop():
    assert scripted_bot().tier == TIER_SAMPLES


def test_tiers_are_derived_from_what_each_part_declares():
    entries = R.builtin_parts().values()
    classic = [e for e in entries if not e.part.learns and not e.part.heavy]
    learning = [e for e in entries if not e.part.heavy]
    for tier, wanted in ((TIER_CLASSIC, classic), (TIER_LEARNING, learning), (TIER_HEAVY, list(entries))):
        got = sorted(m for role in R.tier_parts(tier).values() for _, m in role)
        assert got == sorted(e.module for e in wanted)
    assert R.tier_parts(TIER_SAMPLES) == {"radar": [], "gun": [], "movement": []}
    assert TOP_TIER == TIER_HEAVY == len(R.TIER_NAMES) - 1
    for tier, wanted in ((TIER_CLASSIC, []), (TIER_LEARNING, [e for e in learning if e.part.learns]),
                         (TIER_HEAVY, [e for e in entries if e.part.learns or e.part.heavy])):
        families = R.tier_families(tier)
        assert sorted(p.name for ps in families.values() for p in ps) == sorted(e.part.name for e in wanted)


def test_the_tiers_are_nested():
    """Each tier's loop holds every part of the tiers below it: a battle can always take a higher one."""
    from sim.engine import prebuild as P
    held = [{m for role in R.tier_parts(t).values() for _, m in role} for t in range(len(R.TIER_NAMES))]
    groups = [set(P.tier_groups(t)) for t in range(len(R.TIER_NAMES))]
    for lower in range(len(R.TIER_NAMES) - 1):
        assert held[lower] < held[lower + 1] and groups[lower] < groups[lower + 1]
    assert held[TOP_TIER] == {e.module for e in R.builtin_parts().values()}
    assert set(P.tier_groups(TOP_TIER)) == set(P.groups())


def test_the_forecast_gun_alone_is_heavy_and_the_learning_tier_leaves_it_out():
    """The forecast gun's cold compile is paid only by the battles that play it (its own tier): a battle of
    the learned gun and the surfer compiles a loop without its code."""
    from bots.composite import dispatch_source
    from sim.engine import prebuild as P
    heavy = {e.part.name for e in R.builtin_parts().values() if e.part.heavy}
    assert "forecast" in heavy and not heavy & {"gf", "knn", "learned", "virtual", "surf"}
    tier = max(parse_bot("lock+learned+surf").tier, parse_bot("lock+gf+orbit").tier)
    assert tier == TIER_LEARNING
    src = dispatch_source(R.TIER_NAMES[tier], R.tier_parts(tier), True)
    assert "bots.guns.forecast" not in src and "bots.guns.learned" in src and "bots.movements.surf" in src
    assert "forecast" not in P.tier_groups(tier) and "forecast" in P.tier_groups(TIER_HEAVY)
    heavy = dispatch_source(R.TIER_NAMES[TIER_HEAVY], R.tier_parts(TIER_HEAVY), True)
    assert "from bots.guns.forecast import PART" in heavy


def test_a_plugin_part_picks_its_tier_by_learns_alone(tmp_path):
    """A plug-in's hooks compile on their own: `heavy` does not move it above the learning tier."""
    from bots.plugins import load_plugin
    for learns, heavy, tier in ((False, False, TIER_CLASSIC), (True, False, TIER_LEARNING),
                                (False, True, TIER_CLASSIC), (True, True, TIER_LEARNING)):
        path = tmp_path / f"plug_{int(learns)}{int(heavy)}.py"
        path.write_text(PLUGIN_GUN.format(name=f"plug{int(learns)}{int(heavy)}", learns=learns, heavy=heavy))
        spec = parse_bot(f"lock+plug{int(learns)}{int(heavy)}+orbit", [load_plugin(str(path))])
        assert spec.tier == tier, (learns, heavy)


PLUGIN_GUN = """
from numba import njit
from bots.part import Part


@njit(cache=True)
def think(ctx):
    pass


GUN = Part("{name}", "gun", "does nothing", think=think, learns={learns}, heavy={heavy})
"""


def test_the_generated_dispatch_routes_every_part_of_its_tier():
    from bots.composite import dispatch_source
    src = dispatch_source("classic", R.tier_parts(TIER_CLASSIC), True)
    compile(src, "<dispatch>", "exec")
    for e in R.builtin_parts().values():
        if not e.part.learns:
            assert f"from {e.module} import PART as {e.part.role}_{e.kind}" in src
        else:
            assert e.module not in src
    assert src.count("k == PLUGIN") == 9 and src.count("raise RuntimeError(LEFT_OUT)") == 9


def _trace(res):
    return (res.robots_trace.tobytes(), res.bullets_trace.tobytes(), res.round_scores.tobytes(),
            res.round_stats.tobytes())


@pytest.mark.parametrize("bots,tier", [
    (["sample.Walls", "sample.SpinBot"], TIER_SAMPLES),
    (["sample.Tracker", "sample.Crazy"], TIER_SAMPLES),
    (["lock+circular+orbit", "sample.Crazy"], TIER_CLASSIC),
    (["spin+linear:power=2+stopgo", "lock+headon+ram"], TIER_CLASSIC),
    (["lock+learned+surf", "lock+gf+orbit"], TIER_LEARNING),
])
def test_a_lower_tier_plays_exactly_as_the_full_loop(monkeypatch, bots, tier):
    rules = Rules(rounds=3)
    used = []

    def spy(t):
        used.append(t)
        return R.play_rounds(t)

    monkeypatch.setattr(battle_mod, "tier_loop", spy)
    own = battle_mod.run_battle(bots, rules, seed=11, record=True)
    assert used == [tier]
    monkeypatch.setattr(battle_mod, "tier_loop", lambda t: R.play_rounds(TOP_TIER))
    full = battle_mod.run_battle(bots, rules, seed=11, record=True)
    assert own.total_turns > 500
    assert _trace(own) == _trace(full)


@pytest.mark.parametrize("bots", [["lock+forecast+still", "lock+none+orbit"],
                                  ["lock+none+orbit", "lock+forecast+still"]])
def test_a_battle_with_a_forecast_gun_on_either_side_plays_the_heavy_loop(monkeypatch, bots):
    used = []

    def spy(t):
        used.append(t)
        return R.play_rounds(t)

    monkeypatch.setattr(battle_mod, "tier_loop", spy)
    battle_mod.run_battle(bots, Rules(rounds=1), seed=3, max_turns=2)
    assert used == [TIER_HEAVY]


@pytest.mark.parametrize("spec,tier", [("lock+circular+orbit", TIER_SAMPLES), ("lock+gf+orbit", TIER_CLASSIC),
                                       ("lock+headon+surf", TIER_CLASSIC), ("lock+forecast+still", TIER_LEARNING)])
def test_a_lower_tier_has_no_code_for_the_families_it_leaves_out(monkeypatch, spec, tier):
    """Routed to a loop compiled without its family, a bot reaches a branch that raises: that code is not
    in the loop (which is the point: it is not compiled for battles that do not need it)."""
    monkeypatch.setattr(battle_mod, "tier_loop", lambda t: R.play_rounds(tier))
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

    def spy_for(tier):
        def spy(*args):
            seen["args"] = args
            return R.play_rounds(tier)(*args)
        return spy

    monkeypatch.setattr(battle_mod, "tier_loop", spy_for)
    battle_mod.run_battle(bots, Rules(rounds=1), seed=1, max_turns=2)
    return seen["args"]


def _sigs(dispatcher):
    return {tuple(s) for s in dispatcher.signatures}


def test_prebuild_compiles_each_part_with_the_signature_the_turn_loop_calls_it_with(monkeypatch):
    """A worker that compiled a part with another signature would leave the loop to compile it again (and
    waste the worker): type a fresh, uncached copy of the top tier's loop (every part) and compare what it calls with
    prebuild's groups. bot_think is inlined into the loop and never compiled on its own (that would only
    optimise and emit the sample robots once more)."""
    from sim.engine import prebuild as P
    args = _loop_args(monkeypatch, ["lock+learned+surf", "sample.Walls"])
    start, think, end = R.tier_dispatch(TOP_TIER)
    loop = variant(play_rounds_nb, "_sigcheck", cache=False, bot_round_start=start, bot_think=think,
                   bot_round_end=end)
    loop.compile(tuple(typeof(a) for a in args))
    groups = P.groups()
    start_sig = groups["samples"][0][1]
    # round start and end are calls of their own (perhaps loaded from the cache): type uncached copies too
    variant(start, "_sigcheck", cache=False).compile(start_sig)
    variant(end, "_sigcheck", cache=False).compile(start_sig + (P.types.boolean,))
    mod = R.composite_module(TOP_TIER)
    assert _sigs(think) == set() and _sigs(R.tier_dispatch(TIER_SAMPLES)[1]) == set()   # inlined
    assert _sigs(mod.composite_think) == {P.COMPOSITE_SIG}   # bot_think is inlined: typed again with the loop
    assert _sigs(mod.composite_round_start) == {P.COMPOSITE_START_SIG}
    assert _sigs(mod.composite_round_end) == {P.COMPOSITE_END_SIG}
    assert _sigs(start) == {start_sig}
    for get, sig in groups["samples"][1:]:   # what bot_think calls: the sample robots, scripted bots, the API
        assert _sigs(get()) == {tuple(sig)}, get().py_func.__name__
    for fn, sig in ((mod.composite_think, P.COMPOSITE_SIG), (mod.composite_round_start, P.COMPOSITE_START_SIG),
                    (mod.composite_round_end, P.COMPOSITE_END_SIG)):
        variant(fn, "_sigcheck", cache=False).compile(sig)   # types the hooks they call, cached or not
    ctx = (P.context_type(),)
    for family, parts in R.tier_families().items():
        assert [sig for _, sig in groups[family]] == [ctx] * len(groups[family])
        for part in parts:
            for hook in part.hooks().values():
                if hook is not None:
                    assert _sigs(hook) == {ctx}, (family, hook.py_func.__name__)


def test_prebuild_plan_puts_every_group_somewhere_once():
    from sim.engine import prebuild as P
    times = {"engine": 20.0, "samples": 12.0, "classic": 7.0, "wave guns": 23.0, "surf": 29.0, "forecast": 8.0}
    for tier in (TIER_SAMPLES, TIER_CLASSIC, TIER_LEARNING, TIER_HEAVY):
        names = P.tier_groups(tier)
        for workers in (1, 2, 3, 8):
            children, own, longest = P._plan(names, workers, times)
            assert len(children) == workers
            placed = [g for b in children for g in b] + own
            assert sorted(placed) == sorted(names)
            assert longest >= max(times[g] for g in names)
    children, own, longest = P._plan(P.tier_groups(TIER_HEAVY), 1, times)
    assert children == [["surf", "samples", "forecast"]] and own == ["wave guns", "classic"]   # longest first,
    assert longest == 50.0                                                                   # least loaded
    children, own, longest = P._plan(P.tier_groups(TIER_LEARNING), 1, times)
    assert children == [["surf", "samples", "classic"]] and own == ["wave guns"] and longest == 48.0


def test_prebuild_does_nothing_for_a_loop_already_compiled(monkeypatch):
    from sim.engine import prebuild as P
    args = _loop_args(monkeypatch, ["sample.Walls", "sample.SpinBot"])
    loop = R.play_rounds(TIER_SAMPLES)
    loop(*args)
    said = []
    assert P.ensure_compiled(loop, TIER_SAMPLES, args, said.append) == 0.0
    assert said == []


def test_a_cold_compile_says_what_it_compiles_and_how_long_it_took_last_time(monkeypatch):
    from sim.engine import prebuild as P
    monkeypatch.setenv("GFSIM_PARALLEL_COMPILE", "0")
    # an empty cache, as a new user's (whatever earlier tests left in this one)
    monkeypatch.setattr(P, "group_cached", lambda name: False)
    monkeypatch.setattr(P, "_cached_on_disk", lambda d: False)
    fresh = njit(cache=False)(lambda x: x + 1.0)   # stands in for a turn loop nobody compiled yet
    said = []
    spent = P.ensure_compiled(fresh, TIER_SAMPLES, (1.0,), said.append)
    assert fresh.overloads and spent > 0.0
    assert len(said) == 1 and "compiling the samples turn loop (engine, samples)" in said[0]
    assert P.compile_times()["tier:samples:serial"] == pytest.approx(spent)


def test_a_partly_cached_compile_does_not_become_the_next_estimate(monkeypatch):
    """Only a compile from an empty cache says what a first battle costs: one that loads the engine and the
    groups from the cache (a second checkout, an upgrade of one part) must not leave its few seconds as
    the next 'about N s last time'."""
    from sim.engine import prebuild as P
    from sim.engine.loop import ENGINE_ONLY
    monkeypatch.setenv("GFSIM_PARALLEL_COMPILE", "0")
    monkeypatch.setattr(P, "group_cached", lambda name: True)
    monkeypatch.setattr(P, "_cached_on_disk", lambda d: d is ENGINE_ONLY)
    before = P.compile_times().get("tier:samples:serial")
    fresh = njit(cache=False)(lambda x: x + 2.0)
    said = []
    P.ensure_compiled(fresh, TIER_SAMPLES, (1.0,), said.append)
    assert fresh.overloads and len(said) == 1 and "roughly" in said[0] and "last time" not in said[0]
    assert P.compile_times().get("tier:samples:serial") == before


def test_prebuild_worker_refuses_unknown_groups():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "sim.engine.prebuild", "lasers"], capture_output=True, text=True)
    assert out.returncode == 2
    assert "unknown group 'lasers'" in out.stderr and "wave guns" in out.stderr


LITERAL_CHECK = r"""
import gc, sys
from numba.core import types
from numba.core.registry import CPUDispatcher
import sim  # noqa: F401
from sim.engine import prebuild
for group in prebuild.groups():
    prebuild.compile_group(group)
for obj in gc.get_objects():
    if isinstance(obj, CPUDispatcher) and (obj.py_func.__module__ or "").split(".")[0] in ("sim", "bots", "learning"):
        for sig in obj.signatures:
            lits = [str(a) for a in sig if isinstance(a, types.Literal)]
            if lits:
                print(f"{obj.py_func.__module__}.{obj.py_func.__qualname__}{lits}")
"""


def test_no_part_is_compiled_once_per_constant_argument(tmp_path):
    """A bare constant argument (0, -1, True, a layout offset) makes numba compile the callee again for
    that literal value (sim/engine/constants.I64): the copies cost a third of the surfer's cold compile.
    Every group of parts, compiled from an empty cache, holds one copy of each gfsim function."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    env.pop("GFSIM_OWN_CACHE", None)
    out = subprocess.run([sys.executable, "-c", LITERAL_CHECK], capture_output=True, text=True, env=env, cwd=ROOT,
                         timeout=1200)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "", "compiled per literal argument:\n" + out.stdout


def test_the_start_up_benchmark_times_one_battle_of_each_tier():
    """benchmarks/engine_speed.py's cold-compile rows: one per tier, each battle playing the tier it names."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("engine_speed", ROOT / "benchmarks" / "engine_speed.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert [label for label, _, _ in bench.STARTUP_BATTLES] == list(R.TIER_NAMES)
    for label, a, b in bench.STARTUP_BATTLES:
        assert R.TIER_NAMES[max(parse_bot(a).tier, parse_bot(b).tier)] == label
