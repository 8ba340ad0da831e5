"""The one place the turn loop calls into bot code: dispatch on the bot's kind.

Integer kinds (rather than first-class functions) keep a single compiled turn
loop for every matchup, so numba's on-disk cache serves all battles.
"""
from numba import njit

from .api import begin_turn, validate_commands
from .scripted import scripted_think
from .composite import composite_round_start, composite_think, composite_round_end
from .samples import sample_round_start, sample_think

KIND_SCRIPTED = 0
KIND_COMPOSITE = 1
KIND_SAMPLE = 100   # sample k has kind KIND_SAMPLE + k


@njit(cache=True, error_model="numpy")
def bot_round_start(kind, params, mem, rng, st, cmd):
    if kind == KIND_COMPOSITE:
        composite_round_start(params, mem, rng, st, cmd)
    elif kind >= KIND_SAMPLE:
        sample_round_start(kind - KIND_SAMPLE, params, mem, rng, st, cmd)


@njit(cache=True, error_model="numpy")
def bot_think(kind, params, mem, rng, st, cmd, ev, nev, script):
    """The robot's code between two execute() calls: read events, set next turn's commands."""
    begin_turn(cmd)
    if kind == KIND_SCRIPTED:
        scripted_think(st, cmd, script)
    elif kind == KIND_COMPOSITE:
        composite_think(params, mem, rng, st, cmd, ev, nev)
    else:
        sample_think(kind - KIND_SAMPLE, params, mem, rng, st, cmd, ev, nev)
    validate_commands(cmd)


@njit(cache=True, error_model="numpy")
def bot_round_end(kind, params, mem, rng, won):
    if kind == KIND_COMPOSITE:
        composite_round_end(params, mem, rng, won)
