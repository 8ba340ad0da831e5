"""Random orbit: perpendicular to the enemy at a preferred distance, with wall smoothing and random
reversals and speed changes drawn from the bot's own java.util.Random."""
import math

from numba import njit

from sim.engine.constants import ST_X, ST_Y, ST_TIME, ST_WIDTH, ST_HEIGHT
from sim.engine import jrandom
from bots.enemy import EN_TIME, EN_X, EN_Y, EN_DROP_TIME
from bots.movements.steering import (MEM, DISTANCING_PARAMS, MP_DISTANCE, MP_DISTANCING, MP_MAX_APPROACH,
                                     MP_MARGIN, WALL_REVERSE_COS, drive, orbit_angle, steering_round_start, wall_smooth)
from bots.part import Part, Param

NB = dict(cache=True, error_model="numpy")
# hooks are inlined into the generated dispatch at numba-IR level: no context tuple is passed at run time
HOOK = dict(NB, inline="always")

PARAMS = DISTANCING_PARAMS + (
    Param("stick", 160.0, 0.0, 500.0, "wall-smoothing stick length, pixels"),
    Param("flip_prob", 0.03, 0.0, 1.0,
          "per-turn probability of reversing once flip_min turns passed since the last reversal "
          "(mean interval flip_min - 1 + 1/flip_prob)"),
    Param("flip_min", 10.0, 0.0, 1000.0, "turns between reversals at least"),
    Param("flip_fire", 0.0, 0.0, 1.0,
          "probability of reversing when an enemy shot is detected (also waits flip_min)"),
    Param("speed_prob", 0.0, 0.0, 1.0,
          "per-turn probability of drawing a new max velocity uniformly in [min_speed, velocity]"),
    Param("min_speed", 2.0, 0.0, 8.0, "lowest random max velocity"),
    Param("velocity", 8.0, 0.0, 8.0, "max velocity"))
(MP_STICK, MP_FLIP_PROB, MP_FLIP_MIN, MP_FLIP_FIRE, MP_SPEED_PROB, MP_MIN_SPEED,
 MP_VEL) = range(len(DISTANCING_PARAMS), len(PARAMS))


@njit(**NB)
def _smoothed_orbit(p, x, y, en, d, st):
    angle = orbit_angle(x, y, en[EN_X], en[EN_Y], d, p[MP_DISTANCE], p[MP_DISTANCING], p[MP_MAX_APPROACH])
    return wall_smooth(x, y, angle, d, p[MP_STICK], p[MP_MARGIN], st[ST_WIDTH], st[ST_HEIGHT])


@njit(**NB)
def move_orbit(p, m, rng, st, cmd, en):
    """Random orbit: reversals and speed changes drawn from the bot's own java.util.Random."""
    if en[EN_TIME] < 0.0:
        return
    t = st[ST_TIME]
    if t - m[MEM.last_flip] >= p[MP_FLIP_MIN]:
        flip = False
        if p[MP_FLIP_PROB] > 0.0 and jrandom.next_double(rng) < p[MP_FLIP_PROB]:
            flip = True
        if en[EN_DROP_TIME] == t and p[MP_FLIP_FIRE] > 0.0 and jrandom.next_double(rng) < p[MP_FLIP_FIRE]:
            flip = True
        if flip:
            m[MEM.dir] = -m[MEM.dir]
            m[MEM.last_flip] = t
            m[MEM.flips] += 1.0
    if p[MP_SPEED_PROB] > 0.0 and jrandom.next_double(rng) < p[MP_SPEED_PROB]:
        lo = min(p[MP_MIN_SPEED], p[MP_VEL])
        m[MEM.max_velocity] = lo + (p[MP_VEL] - lo) * jrandom.next_double(rng)
    x = st[ST_X]
    y = st[ST_Y]
    d = m[MEM.dir]
    raw = orbit_angle(x, y, en[EN_X], en[EN_Y], d, p[MP_DISTANCE], p[MP_DISTANCING], p[MP_MAX_APPROACH])
    angle = wall_smooth(x, y, raw, d, p[MP_STICK], p[MP_MARGIN], st[ST_WIDTH], st[ST_HEIGHT])
    b = math.atan2(en[EN_X] - x, en[EN_Y] - y)
    if math.cos(angle - b) > max(WALL_REVERSE_COS, math.cos(raw - b) + 0.05):
        # the wall turns us into the enemy: go the other way round if that is less so
        other = _smoothed_orbit(p, x, y, en, -d, st)
        if math.cos(other - b) < math.cos(angle - b):
            d = -d
            angle = other
            m[MEM.dir] = d
            m[MEM.wall_flips] += 1.0
    m[MEM.sign] = drive(st, cmd, angle, 100.0, m[MEM.max_velocity])

@njit(**HOOK)
def round_start(ctx):
    steering_round_start(ctx.mem, ctx.rng)
    ctx.mem[MEM.max_velocity] = ctx.params[MP_VEL]


@njit(**HOOK)
def think(ctx):
    move_orbit(ctx.params, ctx.mem, ctx.rng, ctx.st, ctx.cmd, ctx.en)


PART = Part("orbit", "movement", "Random orbit: perpendicular to the enemy at a preferred distance, iterative wall smoothing with a "
              "`stick`-pixel stick, random direction reversals (per-turn probability after a minimum interval, "
              "optionally on detected shots) and optional random max-velocity changes.",
            think=think, round_start=round_start, params=PARAMS, memory=MEM)
