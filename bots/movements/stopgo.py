"""Stop-and-go: stand still, and step aside each time the enemy fires."""
import math

from numba import njit

from sim.engine.constants import ST_X, ST_Y, ST_HEADING, ST_VEL, ST_TIME, ST_WIDTH, ST_HEIGHT, C_DIST
from sim.engine import jrandom
from bots.api import set_ahead, set_turn_body, set_max_velocity
from bots.enemy import EN_TIME, EN_X, EN_Y, EN_DROP_TIME
from bots.movements.steering import (MEM, short_turn, DISTANCING_PARAMS, MP_DISTANCE, MP_DISTANCING, MP_MAX_APPROACH,
                                     MP_MARGIN, in_field, orbit_angle, room, steering_round_start, wall_smooth)
from bots.part import Part, Param

NB = dict(cache=True, error_model="numpy")
# hooks are inlined into the generated dispatch at numba-IR level: no context tuple is passed at run time
HOOK = dict(NB, inline="always")

PARAMS = DISTANCING_PARAMS + (
    Param("step", 40.0, 5.0, 400.0, "pixels moved per detected shot"),
    Param("flip", 0.0, 0.0, 1.0,
          "probability of reversing at each dodge (reversals revisit spots head-on guns aimed at)"),
    Param("velocity", 8.0, 1.0, 8.0, "max velocity while moving"))
MP_STEP, MP_FLIP, MP_SG_VEL = range(len(DISTANCING_PARAMS), len(PARAMS))


@njit(**NB)
def _dodge_angle(p, m, x, y, en, w, h):
    """Where the next step goes: sideways around the enemy, the other way if a wall is in the way."""
    d = m[MEM.dir]
    margin = p[MP_MARGIN]
    step = p[MP_STEP]
    angle = orbit_angle(x, y, en[EN_X], en[EN_Y], d, p[MP_DISTANCE], p[MP_DISTANCING], p[MP_MAX_APPROACH])
    if in_field(x + step * math.sin(angle), y + step * math.cos(angle), margin, w, h):
        return angle
    other = orbit_angle(x, y, en[EN_X], en[EN_Y], -d, p[MP_DISTANCE], p[MP_DISTANCING], p[MP_MAX_APPROACH])
    if in_field(x + step * math.sin(other), y + step * math.cos(other), margin, w, h):
        m[MEM.dir] = -d
        return other
    return wall_smooth(x, y, angle, d, step, margin, w, h)


@njit(**NB)
def move_stopgo(p, m, rng, st, cmd, en):
    """Dodge one short step per detected enemy shot; otherwise stand still, lined up for the next step.

    Standing, the body turns (10 degrees per turn at rest) onto the line of the
    next step, so a dodge starts at once and nearly straight; a step is not
    steered once started, and is cut short where its line meets the wall margin.
    """
    if en[EN_TIME] < 0.0:
        return
    t = st[ST_TIME]
    x = st[ST_X]
    y = st[ST_Y]
    w = st[ST_WIDTH]
    h = st[ST_HEIGHT]
    set_max_velocity(cmd, p[MP_SG_VEL])
    moving = cmd[C_DIST] != 0.0 or st[ST_VEL] != 0.0
    if en[EN_DROP_TIME] == t:
        if p[MP_FLIP] > 0.0 and jrandom.next_double(rng) < p[MP_FLIP]:
            m[MEM.dir] = -m[MEM.dir]
        angle = _dodge_angle(p, m, x, y, en, w, h)
        turn, sign = short_turn(angle, st[ST_HEADING])
        heading = st[ST_HEADING] if sign > 0.0 else st[ST_HEADING] + math.pi
        # the path bends from the current heading to the target one: both must have room
        dist = min(p[MP_STEP], room(x, y, heading, p[MP_MARGIN], w, h),
                   room(x, y, heading + turn, p[MP_MARGIN], w, h))
        set_turn_body(st, cmd, turn)
        set_ahead(st, cmd, sign * dist)
        m[MEM.sign] = sign
        m[MEM.dodges] += 1.0
        return
    if not moving:
        turn, _ = short_turn(_dodge_angle(p, m, x, y, en, w, h), st[ST_HEADING])
        set_turn_body(st, cmd, turn)

@njit(**HOOK)
def round_start(ctx):
    steering_round_start(ctx.mem, ctx.rng)


@njit(**HOOK)
def think(ctx):
    move_stopgo(ctx.params, ctx.mem, ctx.rng, ctx.st, ctx.cmd, ctx.en)


PART = Part("stopgo", "movement", "Stop-and-go: stands perpendicular to the enemy; when its energy drops by 0.1..3 (a shot) "
              "moves `step` pixels, reversing with probability `flip` and away from walls.",
            think=think, round_start=round_start, params=PARAMS, memory=MEM)
