"""Does not move (the target of targeting challenges)."""
from numba import njit

from bots.movements.steering import MEM, steering_round_start
from bots.part import Part

NB = dict(cache=True, error_model="numpy")


@njit(**NB)
def round_start(ctx):
    steering_round_start(ctx.mem, ctx.rng)   # draws from the bot's Random like every movement, so seeds line up


@njit(**NB)
def think(ctx):
    pass


PART = Part("still", "movement", "Does not move.", think=think, round_start=round_start, memory=MEM)
