"""Circles forever, like sample.SpinBot."""
import math

from numba import njit

from sim.engine.constants import DEG
from bots.api import set_ahead, set_turn_body, set_max_velocity, set_max_turn_rate
from bots.movements.steering import (MEM, steering_round_start)
from bots.part import Part, Param

NB = dict(cache=True, error_model="numpy")
# hooks are inlined into the generated dispatch at numba-IR level: no context tuple is passed at run time
HOOK = dict(NB, inline="always")

PARAMS = (Param("velocity", 8.0, 0.0, 8.0, "max velocity"),
          Param("turn", 10.0, -10.0, 10.0,
                "max turn rate, degrees per turn (negative = anticlockwise); Robocode caps it at "
                "10 - 0.75|v|"))


@njit(**NB)
def move_circle(p, m, st, cmd):
    set_max_velocity(cmd, p[0])
    set_max_turn_rate(cmd, abs(p[1]) * DEG)
    set_turn_body(st, cmd, math.inf if p[1] >= 0.0 else -math.inf)
    set_ahead(st, cmd, math.inf)


@njit(**HOOK)
def round_start(ctx):
    steering_round_start(ctx.mem, ctx.rng)
    ctx.mem[MEM.max_velocity] = ctx.params[0]


@njit(**HOOK)
def think(ctx):
    move_circle(ctx.params, ctx.mem, ctx.st, ctx.cmd)


PART = Part("circle", "movement", "Drives in circles forever (like sample.SpinBot): constant max velocity and turn rate; no wall care.",
            think=think, round_start=round_start, params=PARAMS, memory=MEM)
