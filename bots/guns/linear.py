"""Linear targeting: the enemy keeps its heading and velocity."""
from numba import njit

from bots.guns.aiming import AIM_LINEAR, FIRING_PARAMS, MEM, aiming_round_start, aiming_think
from bots.part import Part

NB = dict(cache=True, error_model="numpy")
# hooks are inlined into the generated dispatch at numba-IR level: no context tuple is passed at run time
HOOK = dict(NB, inline="always")


@njit(**HOOK)
def round_start(ctx):
    aiming_round_start(ctx.mem)


@njit(**HOOK)
def think(ctx):
    aiming_think(AIM_LINEAR, ctx.params, ctx.mem, ctx.st, ctx.cmd, ctx.en)


PART = Part("linear", "gun", ("Linear targeting: iterates the enemy along its heading at its last velocity until the bullet "
             "reaches it; the path stops at the walls."),
            think=think, round_start=round_start, params=FIRING_PARAMS, memory=MEM)
