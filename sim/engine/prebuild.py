"""A cold compile on every core: the turn loop's independent parts compile in parallel processes.

numba compiles under one lock per process, so a first battle used one core
however many the machine has. The parts of a turn loop do not call each other:
the engine's per-turn helpers, the sample robots, the classic composite parts,
the wave guns and the surfer. When a loop is neither compiled in this process
nor in numba's on-disk cache, ``ensure_compiled`` hands the bot families to
worker processes (``python -m sim.engine.prebuild GROUP ...``: each compiles its
group with the signature the loop calls it with and writes numba's cache),
compiles the engine's helpers here meanwhile (through a copy of the loop with
every bot call stubbed), waits, and returns; the loop itself then compiles in
this process, loading each part from the cache instead of compiling it again.
The compiled code is the same either way (numba caches LLVM bitcode with the
object code for inlining). Nothing is lost if a worker fails: the loop then
compiles the missing parts itself. ``GFSIM_PARALLEL_COMPILE=0`` turns it off.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

from numba import types, typeof

F1 = types.float64[::1]       # a bot's row of params / memory, the status and command rows, part slices
F2 = types.float64[:, ::1]    # a bot's event table, a scripted bot's script
U1 = types.uint64[::1]        # a bot's java.util.Random state
I8 = types.int64


COMPOSITE_SIG = (F1, F1, U1, F1, F1, F2, I8)          # composite_think(params, mem, rng, st, cmd, ev, nev)
COMPOSITE_START_SIG = (F1, F1, U1, F1, F1)            # composite_round_start(params, mem, rng, st, cmd)
COMPOSITE_END_SIG = (F1, F1, U1, F1, F1, types.boolean)   # composite_round_end(params, mem, rng, st, cmd, won)


DEFAULT_SECONDS = 15.0   # a group's estimate before it was ever measured on this machine
# what each group took on the project's 2-core machine (a first cold compile packs the groups with these
# until this machine has measured its own; a plug-in family or a new group falls back to DEFAULT_SECONDS)
SHIPPED_ESTIMATES = {"engine": 20.0, "samples": 12.0, "classic": 6.0, "surf": 12.0, "wave guns": 22.0,
                     "forecast": 25.0}


def context_type():
    """The numba type of the PartContext every hook is called with (bots/part.py)."""
    import numpy as np
    from bots.part import PartContext
    f1 = np.zeros(1)
    return typeof(PartContext(f1, f1, f1, f1, f1, np.zeros((1, 1)), 0, np.zeros(1, np.uint64), f1, 0))


def groups():
    """group -> [(get dispatcher, signature)], derived from the registry: the sample robots, the composite
    dispatch of the parts that do not learn, and one group per family of learning or heavy parts (its
    hooks). Each group holds functions the turn loop links (calls of their own), with the signatures it calls
    them with (tests/test_tiers.py checks them). bot_think is inlined into the loop (bots/dispatch.py): compiling it
    alone would only optimise and emit the sample robots once more, so the group compiles what it calls."""
    from bots import registry as R
    from bots.api import begin_turn, validate_commands
    from bots.samples import sample_think
    from bots.scripted import scripted_think
    out = {"samples": [(lambda: R.tier_dispatch(R.TIER_SAMPLES)[0], (I8, F1, F1, U1, F1, F1)),
                       (lambda: sample_think, (I8, F1, F1, F1, F2, I8)), (lambda: scripted_think, (F1, F1, F2)),
                       (lambda: begin_turn, (F1,)), (lambda: validate_commands, (F1,))],
           "classic": [(lambda: R.composite_module(R.TIER_CLASSIC).composite_think, COMPOSITE_SIG),
                       (lambda: R.composite_module(R.TIER_CLASSIC).composite_round_start, COMPOSITE_START_SIG),
                       (lambda: R.composite_module(R.TIER_CLASSIC).composite_round_end, COMPOSITE_END_SIG)]}
    ctx = (context_type(),)
    for family, parts in R.tier_families().items():
        out[family] = [((lambda fn=fn: fn), ctx) for part in parts for fn in part.hooks().values() if fn is not None]
    return out


def tier_groups(tier):
    """The groups (of groups()) that compile tier `tier`'s turn loop: its own and every lower tier's."""
    from bots import registry as R
    names = ["samples"]
    if tier >= R.TIER_CLASSIC:
        names.append("classic")
    return names + list(R.tier_families(tier))


def _times_path():
    from sim.engine.numba_cache import times_file
    return times_file()


def compile_times():
    """Seconds each group (and 'engine', and each whole tier) took when last compiled cold on this machine."""
    import json
    path = _times_path()
    try:
        data = json.loads(path.read_text()) if path else {}
    except (OSError, ValueError):
        return {}
    return {k: float(v) for k, v in data.items() if isinstance(v, (int, float))} if isinstance(data, dict) else {}


def _remember(seconds):
    import json
    path = _times_path()
    if path is None:
        return
    data = compile_times()
    data.update(seconds)
    try:
        from sim.io.atomic import write_atomic
        write_atomic(str(path), json.dumps(data, indent=1, sort_keys=True).encode())
    except OSError:
        pass


def _members_cached(members):
    return all(_cached_on_disk(get()) for get, _ in members)


def group_cached(name):
    """Whether every function of a group is in numba's on-disk cache already (it would load, not compile)."""
    return _members_cached(groups()[name])


def compile_group(name):
    """Compile a group into numba's cache; its time is remembered only when it really compiled (a group that
    loads from the cache in a fraction of a second would make the next estimate far too low)."""
    members = groups()[name]
    cold = not _members_cached(members)
    t0 = time.perf_counter()
    for get, sig in members:
        get().compile(sig)
    if cold:
        _remember({name: time.perf_counter() - t0})


def _cpus():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not Linux
        return os.cpu_count() or 1


def _cached_on_disk(dispatcher):
    """Whether numba's cache holds an index for this function (numba's own file layout; any doubt: no)."""
    try:
        return Path(dispatcher._cache._cache_file._index_path).is_file()
    except AttributeError:
        return False


def _plan(names, workers, times):
    """Longest first onto the least loaded of `workers` worker processes and this one (which starts with
    the engine); returns the groups for each worker and for this process."""
    est = lambda g: times.get(g, SHIPPED_ESTIMATES.get(g, DEFAULT_SECONDS))  # noqa: E731
    loads = [0.0] * workers + [est("engine")]
    bins = [[] for _ in loads]
    for name in sorted(names, key=lambda g: -est(g)):
        k = min(range(len(loads)), key=lambda i: loads[i])
        bins[k].append(name)
        loads[k] += est(name)
    return bins[:-1], bins[-1], max(loads)


def _say(progress, text):
    if progress is True:
        print(text, file=sys.stderr, flush=True)
    elif callable(progress):
        progress(text)


def ensure_compiled(loop, tier, args, progress=True):
    """Before the first call of `loop` (a tier's turn loop) with `args`: if it would compile from scratch,
    say so (`progress`: True = a line on stderr, a callable gets the line, False = silent) and, when more
    than one CPU is free to us, compile its parts in parallel first. Returns the seconds spent."""
    if getattr(loop, "overloads", True) or _cached_on_disk(loop):
        return 0.0   # compiled here already, or in the cache, or not a numba function at all (a wrapper)
    from bots.registry import TIER_NAMES
    from sim.engine.loop import ENGINE_ONLY
    names = tier_groups(tier)
    cold_names = [g for g in names if not group_cached(g)]
    engine_cold = not _cached_on_disk(ENGINE_ONLY)
    all_cold = engine_cold and len(cold_names) == len(names)   # a first compile from an empty cache
    times = compile_times()
    cpus = _cpus()
    parallel = cpus >= 2 and os.environ.get("GFSIM_PARALLEL_COMPILE") != "0"
    tier_key = f"tier:{TIER_NAMES[tier]}:{'parallel' if parallel else 'serial'}"
    if all_cold and tier_key in times:
        guess = f"about {times[tier_key]:.0f} s last time"
    else:
        todo = cold_names + (["engine"] if engine_cold else [])
        serial = sum(times.get(g, SHIPPED_ESTIMATES.get(g, DEFAULT_SECONDS)) for g in todo)
        guess = f"roughly {(_plan(cold_names, min(cpus - 1, len(names)), times)[2] if parallel else serial):.0f} s"
    _say(progress, f"gfsim: compiling the {TIER_NAMES[tier]} turn loop ({', '.join(['engine'] + names)}) with "
                   f"numba on {cpus if parallel else 1} core{'s' if parallel and cpus > 1 else ''}: {guess}; "
                   "once, then cached")
    t0 = time.perf_counter()
    if parallel:
        child_groups, own_groups, _ = _plan(names, min(cpus - 1, len(names)), times)
        root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([root] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
        procs = [subprocess.Popen([sys.executable, "-m", "sim.engine.prebuild", *group_names], env=env, cwd=root,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for group_names in child_groups if group_names]
        try:
            te = time.perf_counter()
            ENGINE_ONLY.compile(tuple(typeof(a) for a in args))
            if engine_cold:
                _remember({"engine": time.perf_counter() - te})
            for name in own_groups:
                compile_group(name)
        finally:
            for p in procs:
                try:
                    p.wait(timeout=900)
                except subprocess.TimeoutExpired:
                    p.kill()
    loop.compile(tuple(typeof(a) for a in args))
    spent = time.perf_counter() - t0
    if all_cold:   # what a first battle of this tier costs; a partly cached compile says nothing about it
        _remember({tier_key: spent})
    return spent


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(prog="python -m sim.engine.prebuild",
                                 description="Compile groups of gfsim's turn-loop parts into numba's cache (the "
                                             "worker side of a parallel cold compile; see sim/engine/prebuild.py).")
    ap.add_argument("groups", nargs="+", help="what to compile (sample robots, classic parts, or a family "
                    "of learning or heavy parts: see groups())")
    args = ap.parse_args(argv)
    import sim  # noqa: F401  (points numba's cache at gfsim's directory)
    unknown = sorted(set(args.groups) - set(groups()))
    if unknown:
        ap.error(f"unknown group {unknown[0]!r} (known: {', '.join(groups())})")
    for name in args.groups:
        compile_group(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
