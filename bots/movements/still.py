"""Does not move (the target of targeting challenges)."""
from numba import njit

from bots.movements.steering import MEM, steering_round_start
from bots.part import Part

NB = dict(cache=True, error_model="numpy")
# hooks are inlined into the generated dispatch at numba-IR level: no context tuple is passed at run time
HOOK = dict(NB, inline="always")


@njit(**HOOK)
def round_start(ctx):
    steering_round_start(ctx.mem, ctx.rng)   # draws from the bot's Random like every movement, so seeds line up


@njit(**HOOK)
def think(ctx):
    pass


PART = Part("still", "movement", "Does not move.", think=think, round_start=round_start, memory=MEM)
