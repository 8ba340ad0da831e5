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


def _samples_dispatch(which):
    from bots.dispatch import TIER_DISPATCH, TIER_SAMPLES
    return TIER_DISPATCH[TIER_SAMPLES][which]   # (bot_round_start, bot_think, bot_round_end) of the samples tier


def _attr(module, name):
    def get():
        import importlib
        return getattr(importlib.import_module(module), name)
    return get


# group -> [(get dispatcher, signature)], with the signatures the turn loops call them with (checked by
# tests/test_tiers.py against a loop compiled from scratch) and the seconds each takes alone, cold, on this
# project's machine (waveguns and surf both include sim/waves/gf.py's wave tracking)
COMPOSITE_SIG = (F1, F1, U1, F1, F1, F2, I8)          # composite_think(params, mem, rng, st, cmd, ev, nev)
COMPOSITE_START_SIG = (F1, F1, U1, F1, F1)            # composite_round_start(params, mem, rng, st, cmd)
GROUPS = {
    "samples": ([(lambda: _samples_dispatch(0), (I8, F1, F1, U1, F1, F1)),
                 (lambda: _samples_dispatch(1), (I8, F1, F1, U1, F1, F1, F2, I8, F2))], 12.0),
    "classic": ([(_attr("bots.composite", "composite_think_classic"), COMPOSITE_SIG),
                 (_attr("bots.composite", "composite_round_start_classic"), COMPOSITE_START_SIG)], 7.0),
    "waveguns": ([(_attr("bots.waveguns", "wave_gun_think"), (F1, F1, F1, F1, F1, F1)),
                  (_attr("bots.waveguns", "wave_gun_round_start"), (F1,))], 23.0),
    "surf": ([(_attr("bots.surf", "move_surf"), (F1, F1, F1, F1, F1, F2, I8, F1)),
              (_attr("bots.surf", "surf_round_start"), (F1, F1, F1))], 29.0),
}
TIER_GROUPS = (("samples",), ("samples", "classic"), ("samples", "classic", "waveguns", "surf"))
ENGINE_SECONDS = 20.0


def compile_group(name):
    for get, sig in GROUPS[name][0]:
        get().compile(sig)


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


def _plan(groups, workers):
    """Longest first onto the least loaded of `workers` worker processes and this one (which starts with
    the engine); returns the groups for each worker and for this process."""
    loads = [0.0] * workers + [ENGINE_SECONDS]
    bins = [[] for _ in loads]
    for name in sorted(groups, key=lambda g: -GROUPS[g][1]):
        k = min(range(len(loads)), key=lambda i: loads[i])
        bins[k].append(name)
        loads[k] += GROUPS[name][1]
    return bins[:-1], bins[-1]


def ensure_compiled(loop, tier, args):
    """Before the first call of `loop` (a tier's turn loop) with `args`: if it would compile from scratch
    and more than one CPU is free to us, compile its parts in parallel first. Returns the seconds spent."""
    if getattr(loop, "overloads", True) or _cached_on_disk(loop) or os.environ.get("GFSIM_PARALLEL_COMPILE") == "0":
        return 0.0   # compiled here already, or in the cache, or not a numba function at all (a wrapper), or off
    cpus = _cpus()
    if cpus < 2:
        return 0.0
    t0 = time.perf_counter()
    groups = TIER_GROUPS[tier]
    child_groups, own_groups = _plan(groups, min(cpus - 1, len(groups)))
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    procs = [subprocess.Popen([sys.executable, "-m", "sim.engine.prebuild", *names], env=env, cwd=root,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for names in child_groups if names]
    try:
        from sim.engine.loop import ENGINE_ONLY
        ENGINE_ONLY.compile(tuple(typeof(a) for a in args))
        for name in own_groups:
            compile_group(name)
    finally:
        for p in procs:
            try:
                p.wait(timeout=900)
            except subprocess.TimeoutExpired:
                p.kill()
    return time.perf_counter() - t0


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(prog="python -m sim.engine.prebuild",
                                 description="Compile groups of gfsim's turn-loop parts into numba's cache (the "
                                             "worker side of a parallel cold compile; see sim/engine/prebuild.py).")
    ap.add_argument("groups", nargs="+", choices=list(GROUPS), help="what to compile")
    args = ap.parse_args(argv)
    import sim  # noqa: F401  (points numba's cache at gfsim's directory)
    for name in args.groups:
        compile_group(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
