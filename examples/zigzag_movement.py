"""A movement with its own parameters: zigzag perpendicular to the enemy, reversing at random intervals.

A plug-in: play it with
    gfsim battle 'lock+circular+zigzag:period=25,jitter=10' sample.Tracker --parts examples/zigzag_movement.py

It keeps a preferred distance by angling in or out, reverses every `period` turns plus a random
0..`jitter` (drawn from the bot's own java.util.Random in ctx.rng, so a battle stays a pure function of
its seed), and turns away from walls it is about to hit.
"""
import math

from numba import njit

from bots.api import set_ahead, set_max_velocity, set_turn_body
from bots.enemy import EN_TIME, EN_X, EN_Y
from bots.part import Param, Part, layout
from sim.engine import jrandom
from sim.engine.constants import ST_HEADING, ST_HEIGHT, ST_TIME, ST_WIDTH, ST_X, ST_Y
from sim.engine.geometry import normal_relative_angle

PARAMS = (Param("distance", 400.0, 100.0, 1000.0, "preferred distance to the enemy, px"),
          Param("period", 20.0, 2.0, 200.0, "turns between reversals at least"),
          Param("jitter", 10.0, 0.0, 100.0, "up to this many more turns, at random"),
          Param("velocity", 8.0, 1.0, 8.0, "max velocity"))
DISTANCE, PERIOD, JITTER, VELOCITY = range(len(PARAMS))
MEM = layout("ZigzagMemory", direction=1, next_reverse=1)


@njit(cache=True)
def _next_reverse(ctx):
    return ctx.st[ST_TIME] + ctx.params[PERIOD] + math.floor(jrandom.next_double(ctx.rng) * (ctx.params[JITTER] + 1.0))


@njit(cache=True)
def round_start(ctx):
    ctx.mem[MEM.direction] = 1.0
    ctx.mem[MEM.next_reverse] = _next_reverse(ctx)


@njit(cache=True)
def think(ctx):
    p, m, st, cmd, en = ctx.params, ctx.mem, ctx.st, ctx.cmd, ctx.en
    if en[EN_TIME] < 0.0:
        return
    if st[ST_TIME] >= m[MEM.next_reverse]:
        m[MEM.direction] = -m[MEM.direction]
        m[MEM.next_reverse] = _next_reverse(ctx)
    bearing = math.atan2(en[EN_X] - st[ST_X], en[EN_Y] - st[ST_Y])
    dist = math.hypot(en[EN_X] - st[ST_X], en[EN_Y] - st[ST_Y])
    # perpendicular, angled up to 30 degrees in (too far) or out (too close)
    approach = max(-0.5, min(0.5, (dist - p[DISTANCE]) / 400.0))
    heading = bearing + m[MEM.direction] * (math.pi / 2.0 - approach)
    # a wall within 120 px ahead: reverse now
    ax = st[ST_X] + 120.0 * math.sin(heading)
    ay = st[ST_Y] + 120.0 * math.cos(heading)
    if ax < 30.0 or ay < 30.0 or ax > st[ST_WIDTH] - 30.0 or ay > st[ST_HEIGHT] - 30.0:
        m[MEM.direction] = -m[MEM.direction]
        heading = bearing + m[MEM.direction] * (math.pi / 2.0 - approach)
    # drive back-as-front: never turn more than 90 degrees
    turn = normal_relative_angle(heading - st[ST_HEADING])
    sign = 1.0
    if abs(turn) > math.pi / 2.0:
        turn = normal_relative_angle(turn + math.pi)
        sign = -1.0
    set_max_velocity(cmd, p[VELOCITY])
    set_turn_body(st, cmd, turn)
    set_ahead(st, cmd, sign * 100.0)


ZIGZAG = Part("zigzag", "movement", "Zigzags perpendicular to the enemy, reversing at random intervals (an example "
              "plug-in).", think=think, round_start=round_start, params=PARAMS, memory=MEM)
