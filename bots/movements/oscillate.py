"""Back and forth along a line."""
import math

from numba import njit

from sim.engine.constants import ST_X, ST_Y, ST_HEADING, C_DIST
from bots.api import set_ahead, set_turn_body, set_max_velocity
from bots.enemy import EN_TIME, EN_X, EN_Y
from bots.movements.steering import (MEM, short_turn, steering_round_start)
from bots.part import Part, Param

NB = dict(cache=True, error_model="numpy")
# hooks are inlined into the generated dispatch at numba-IR level: no context tuple is passed at run time
HOOK = dict(NB, inline="always")

PARAMS = (Param("length", 200.0, 10.0, 5000.0, "leg length, pixels"),
          Param("perpendicular", 1.0, 0.0, 1.0, "1 = keep the line perpendicular to the enemy"),
          Param("velocity", 8.0, 1.0, 8.0, "max velocity"))


@njit(**NB)
def move_oscillate(p, m, st, cmd, en):
    """Reverse whenever a leg is done (or a wall stopped us); optionally stay perpendicular to the enemy."""
    set_max_velocity(cmd, p[2])
    if abs(cmd[C_DIST]) < 1e-6:
        m[MEM.dir] = -m[MEM.dir]
        set_ahead(st, cmd, m[MEM.dir] * p[0])
    if p[1] != 0.0 and en[EN_TIME] >= 0.0:
        b = math.atan2(en[EN_X] - st[ST_X], en[EN_Y] - st[ST_Y])
        turn, _ = short_turn(b + math.pi / 2.0, st[ST_HEADING])
        set_turn_body(st, cmd, turn)


@njit(**HOOK)
def round_start(ctx):
    steering_round_start(ctx.mem, ctx.rng)


@njit(**HOOK)
def think(ctx):
    move_oscillate(ctx.params, ctx.mem, ctx.st, ctx.cmd, ctx.en)


PART = Part("oscillate", "movement", "Back and forth along a line: `length` pixels each way (or to the wall), body kept perpendicular "
              "to the enemy when `perpendicular` is 1.",
            think=think, round_start=round_start, params=PARAMS, memory=MEM)
