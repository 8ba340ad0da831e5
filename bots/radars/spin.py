"""The simplest radar: spin forever."""
import math

from numba import njit

from bots.api import set_turn_radar
from bots.part import Part, Param, layout
from bots.radars.search import search_direction

NB = dict(cache=True, error_model="numpy")
# hooks are inlined into the generated dispatch at numba-IR level: no context tuple is passed at run time
HOOK = dict(NB, inline="always")

PARAMS = (Param("direction", 1.0, -1.0, 1.0, "1 = clockwise, -1 = anticlockwise, 0 = towards the field centre"),)
DIRECTION = 0
MEM = layout("SpinRadarMemory", spin_dir=1)


@njit(**HOOK)
def round_start(ctx):
    ctx.mem[MEM.spin_dir] = search_direction(ctx.params[DIRECTION], ctx.st)


@njit(**HOOK)
def think(ctx):
    set_turn_radar(ctx.cmd, ctx.mem[MEM.spin_dir] * math.inf)


PART = Part("spin", "radar", "Spins the radar at its full 45 degrees per turn, forever (a full sweep every 8 turns).",
            think=think, round_start=round_start, params=PARAMS, memory=MEM)
