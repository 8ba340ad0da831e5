"""Drives into the enemy."""
import math

from numba import njit

from sim.engine.constants import ST_X, ST_Y, ST_TIME, ST_WIDTH, ST_HEIGHT, MAX_VELOCITY
from bots.enemy import EN_TIME, EN_X, EN_Y, EN_HEADING, EN_VEL
from bots.movements.steering import (MEM, drive, steering_round_start)
from bots.part import Part, Param

NB = dict(cache=True, error_model="numpy")
# hooks are inlined into the generated dispatch at numba-IR level: no context tuple is passed at run time
HOOK = dict(NB, inline="always")

PARAMS = (Param("velocity", 8.0, 1.0, 8.0, "max velocity"),
          Param("lead", 1.0, 0.0, 1.0, "1 = aim at where the enemy will be when we arrive"))


@njit(**NB)
def move_ram(p, m, st, cmd, en):
    if en[EN_TIME] < 0.0:
        return
    x = st[ST_X]
    y = st[ST_Y]
    ex = en[EN_X]
    ey = en[EN_Y]
    if p[1] != 0.0:
        # where the enemy will be when we get there, at our top speed (linear, a few iterations)
        eh = en[EN_HEADING]
        ev = en[EN_VEL]
        lag = st[ST_TIME] - en[EN_TIME]
        tt = lag
        px = ex
        py = ey
        for _ in range(4):
            px = en[EN_X] + ev * tt * math.sin(eh)
            py = en[EN_Y] + ev * tt * math.cos(eh)
            tt = lag + math.hypot(px - x, py - y) / MAX_VELOCITY
        ex = min(max(px, 18.0), st[ST_WIDTH] - 18.0)
        ey = min(max(py, 18.0), st[ST_HEIGHT] - 18.0)
    drive(st, cmd, math.atan2(ex - x, ey - y), math.hypot(ex - x, ey - y) + 40.0, p[0])


@njit(**HOOK)
def round_start(ctx):
    steering_round_start(ctx.mem, ctx.rng)


@njit(**HOOK)
def think(ctx):
    move_ram(ctx.params, ctx.mem, ctx.st, ctx.cmd, ctx.en)


PART = Part("ram", "movement", "Drives into the enemy's (linearly predicted) position at full speed.",
            think=think, round_start=round_start, params=PARAMS, memory=MEM)
