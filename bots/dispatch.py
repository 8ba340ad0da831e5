"""The one place the turn loop calls into bot code: dispatch on the bot's kind.

Integer kinds (rather than first-class functions, which numba's on-disk cache cannot key) keep one
compiled turn loop per *tier* of bot families, so the cache serves every matchup. A battle uses the
smallest tier that holds its bots (registry.BotSpec.tier): sample and scripted robots only, + the
composite parts that do not learn, + the parts that learn, + the heavy parts (Part.heavy: large compiled
code that only the battles playing them should compile). bots.registry links these functions with the
tier's generated composite dispatch (bots/composite.py) and hands them to the engine (sim.engine.loop).
"""
from numba import njit

from sim.engine.geometry import hold
from sim.engine.variants import not_compiled_in

from bots.api import begin_turn, validate_commands
from bots.scripted import scripted_think
from bots.samples import sample_round_start, sample_think

KIND_SCRIPTED = 0
KIND_COMPOSITE = 1
KIND_SAMPLE = 100   # sample k has kind KIND_SAMPLE + k

# bots.registry swaps these for a tier's generated functions (sim/engine/variants.py)
composite_round_start = composite_think = composite_round_end = not_compiled_in

# forceinline=False, explicitly: numba lets a function compiled from inside another inherit the
# caller's unset flags, and the bot code called from here must be compiled the same way whatever
# the engine does (never forced inline into the turn loop).
NB = dict(cache=True, error_model="numpy", forceinline=False)


@njit(**NB)
def bot_round_start(kind, params, mem, rng, st, cmd):
    if kind == KIND_COMPOSITE:
        composite_round_start(params, mem, rng, st, cmd)
    elif kind >= KIND_SAMPLE:
        sample_round_start(kind - KIND_SAMPLE, params, mem, rng, st, cmd)
    hold(params, mem, rng, st, cmd)


@njit(inline="always", **NB)
def bot_think(kind, params, mem, rng, st, cmd, ev, nev, script):
    """The robot's code between two execute() calls: read events, set next turn's commands.

    Inlined into the turn loop at numba-IR level (inline="always"), so that the refcount operations
    on its row arguments are resolved at compile time (the engine passes borrowed views); a call
    of its own would cost a call and a null-tested incref/decref per array per robot per turn.
    The bot functions it calls are typed in the turn loop's context and so inherit its explicit
    forceinline=False."""
    begin_turn(cmd)
    if kind == KIND_SCRIPTED:
        scripted_think(st, cmd, script)
    elif kind == KIND_COMPOSITE:
        composite_think(params, mem, rng, st, cmd, ev, nev)
    else:
        sample_think(kind - KIND_SAMPLE, mem, st, cmd, ev, nev)
    validate_commands(cmd)
    hold(params, mem, rng, st, cmd, ev, script)  # see sim.engine.geometry.hold


@njit(**NB)
def bot_round_end(kind, params, mem, rng, st, cmd, won):
    if kind == KIND_COMPOSITE:
        composite_round_end(params, mem, rng, st, cmd, won)
    hold(params, mem, rng, st, cmd)
