"""Movements: still, stop-and-go, random orbit with wall smoothing, circle, oscillate, ram.

Conventions shared by the kernels: `dir` is the orbit direction (+1 = clockwise
around the enemy, i.e. heading = bearing to enemy + 90 degrees), bodies drive
"back-as-front" (turn at most 90 degrees and reverse instead), and walls are
kept away with the iterative stick method: the heading is rotated towards the
enemy side in small steps until a point `stick` pixels ahead lies inside the
field shrunk by `margin`.
"""
import math

from numba import njit

from sim.engine.constants import (ST_X, ST_Y, ST_HEADING, ST_VEL, ST_TIME, ST_WIDTH, ST_HEIGHT, C_DIST, DEG,
                           MAX_VELOCITY)
from sim.engine.geometry import normal_relative_angle
from sim.engine import jrandom
from .api import set_ahead, set_turn_body, set_max_velocity, set_max_turn_rate
from .parts import Component, Param
from .radar import EN_TIME, EN_X, EN_Y, EN_HEADING, EN_VEL, EN_DROP_TIME

NB = dict(cache=True, error_model="numpy")

MOVE_STILL, MOVE_STOPGO, MOVE_ORBIT, MOVE_CIRCLE, MOVE_OSCILLATE, MOVE_RAM = range(6)
MOVE_SURF = 6   # bots/surf.py (its Component is there: it builds on this module's helpers)
MOVE_MEM = 8
# movement memory slots (per part; MM_FLIPS and MM_DODGES count over the whole battle)
MM_DIR, MM_LAST_FLIP, MM_MAXV, MM_FLIPS, MM_SIGN, MM_DODGES, MM_WALL_FLIPS = range(7)

SMOOTH_STEP = 0.05   # radians per wall-smoothing iteration
SMOOTH_ITERS = 126   # enough to rotate a full turn
SLOW_TURN = 30.0 * DEG  # drive() slows down when the body must turn more than this
WALL_REVERSE_COS = 0.5   # orbit reverses when smoothing would drive it within 60 degrees of the enemy

_DISTANCING = (
    Param("distance", 450.0, 50.0, 2000.0, "preferred distance to the enemy"),
    Param("distancing", 20.0, 0.0, 90.0,
          "degrees turned towards (too far) or away from (too close) the enemy per 100 px of distance error"),
    Param("max_approach", 40.0, 0.0, 85.0, "largest such turn off the perpendicular, degrees"),
    Param("margin", 22.0, 18.0, 200.0, "wall margin: the robot's centre is kept this far inside the field"),
)

MOVEMENTS = (
    Component("still", "movement", MOVE_STILL, "Does not move.", (), MOVE_MEM),
    Component("stopgo", "movement", MOVE_STOPGO,
              "Stop-and-go: stands perpendicular to the enemy; when its energy drops by 0.1..3 (a shot) "
              "moves `step` pixels, reversing with probability `flip` and away from walls.",
              _DISTANCING + (
                  Param("step", 40.0, 5.0, 400.0, "pixels moved per detected shot"),
                  Param("flip", 0.0, 0.0, 1.0,
                        "probability of reversing at each dodge (reversals revisit spots head-on guns aimed at)"),
                  Param("velocity", 8.0, 1.0, 8.0, "max velocity while moving")),
              MOVE_MEM),
    Component("orbit", "movement", MOVE_ORBIT,
              "Random orbit: perpendicular to the enemy at a preferred distance, iterative wall smoothing with a "
              "`stick`-pixel stick, random direction reversals (per-turn probability after a minimum interval, "
              "optionally on detected shots) and optional random max-velocity changes.",
              _DISTANCING + (
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
                  Param("velocity", 8.0, 0.0, 8.0, "max velocity")),
              MOVE_MEM),
    Component("circle", "movement", MOVE_CIRCLE,
              "Drives in circles forever (like sample.SpinBot): constant max velocity and turn rate; no wall care.",
              (Param("velocity", 8.0, 0.0, 8.0, "max velocity"),
               Param("turn", 10.0, -10.0, 10.0,
                     "max turn rate, degrees per turn (negative = anticlockwise); Robocode caps it at "
                     "10 - 0.75|v|")),
              MOVE_MEM),
    Component("oscillate", "movement", MOVE_OSCILLATE,
              "Back and forth along a line: `length` pixels each way (or to the wall), body kept perpendicular "
              "to the enemy when `perpendicular` is 1.",
              (Param("length", 200.0, 10.0, 5000.0, "leg length, pixels"),
               Param("perpendicular", 1.0, 0.0, 1.0, "1 = keep the line perpendicular to the enemy"),
               Param("velocity", 8.0, 1.0, 8.0, "max velocity")),
              MOVE_MEM),
    Component("ram", "movement", MOVE_RAM,
              "Drives into the enemy's (linearly predicted) position at full speed.",
              (Param("velocity", 8.0, 1.0, 8.0, "max velocity"),
               Param("lead", 1.0, 0.0, 1.0, "1 = aim at where the enemy will be when we arrive")),
              MOVE_MEM),
)

# distancing parameter slots (stopgo and orbit)
MP_DISTANCE, MP_DISTANCING, MP_MAX_APPROACH, MP_MARGIN = 0, 1, 2, 3
# stopgo
MP_STEP, MP_FLIP, MP_SG_VEL = 4, 5, 6
# orbit
MP_STICK, MP_FLIP_PROB, MP_FLIP_MIN, MP_FLIP_FIRE, MP_SPEED_PROB, MP_MIN_SPEED, MP_VEL = 4, 5, 6, 7, 8, 9, 10


@njit(**NB)
def in_field(x, y, margin, width, height):
    return x >= margin and y >= margin and x <= width - margin and y <= height - margin


@njit(**NB)
def orbit_angle(x, y, ex, ey, direction, pref, distancing, max_approach):
    """Heading perpendicular to the enemy, turned towards it when too far and away when too close."""
    b = math.atan2(ex - x, ey - y)
    d = math.hypot(ex - x, ey - y)
    a = distancing * DEG * (d - pref) / 100.0
    lim = max_approach * DEG
    a = max(-lim, min(lim, a))
    return b + direction * (math.pi / 2.0 - a)


@njit(**NB)
def wall_smooth(x, y, angle, direction, stick, margin, width, height):
    """Iterative stick wall smoothing: rotate towards the enemy side until the stick's end is inside."""
    for _ in range(SMOOTH_ITERS):
        if in_field(x + stick * math.sin(angle), y + stick * math.cos(angle), margin, width, height):
            break
        angle -= direction * SMOOTH_STEP
    return angle


@njit(**NB)
def drive(st, cmd, angle, distance, max_velocity):
    """Back-as-front: turn at most 90 degrees towards `angle` and go ahead or back `distance`; returns the sign.

    Speed is cut while the body still has to turn a lot (full speed up to
    SLOW_TURN, zero at 90 degrees): a robot that accelerates before it has
    turned runs into the wall it is trying to avoid.
    """
    turn = normal_relative_angle(angle - st[ST_HEADING])
    sign = 1.0
    if abs(turn) > math.pi / 2.0:
        turn = normal_relative_angle(turn + math.pi)
        sign = -1.0
    slow = max(0.0, min(1.0, (math.pi / 2.0 - abs(turn)) / (math.pi / 2.0 - SLOW_TURN)))
    set_max_velocity(cmd, max_velocity * slow)
    set_turn_body(st, cmd, turn)
    set_ahead(st, cmd, sign * distance)
    return sign


@njit(**NB)
def move_round_start(kind, p, m, rng, st, cmd):
    m[MM_DIR] = 1.0 if jrandom.next_double(rng) < 0.5 else -1.0
    m[MM_LAST_FLIP] = 0.0
    m[MM_SIGN] = 0.0
    if kind == MOVE_ORBIT:
        m[MM_MAXV] = p[MP_VEL]
    elif kind == MOVE_CIRCLE:
        m[MM_MAXV] = p[0]


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
    if t - m[MM_LAST_FLIP] >= p[MP_FLIP_MIN]:
        flip = False
        if p[MP_FLIP_PROB] > 0.0 and jrandom.next_double(rng) < p[MP_FLIP_PROB]:
            flip = True
        if en[EN_DROP_TIME] == t and p[MP_FLIP_FIRE] > 0.0 and jrandom.next_double(rng) < p[MP_FLIP_FIRE]:
            flip = True
        if flip:
            m[MM_DIR] = -m[MM_DIR]
            m[MM_LAST_FLIP] = t
            m[MM_FLIPS] += 1.0
    if p[MP_SPEED_PROB] > 0.0 and jrandom.next_double(rng) < p[MP_SPEED_PROB]:
        lo = min(p[MP_MIN_SPEED], p[MP_VEL])
        m[MM_MAXV] = lo + (p[MP_VEL] - lo) * jrandom.next_double(rng)
    x = st[ST_X]
    y = st[ST_Y]
    d = m[MM_DIR]
    raw = orbit_angle(x, y, en[EN_X], en[EN_Y], d, p[MP_DISTANCE], p[MP_DISTANCING], p[MP_MAX_APPROACH])
    angle = wall_smooth(x, y, raw, d, p[MP_STICK], p[MP_MARGIN], st[ST_WIDTH], st[ST_HEIGHT])
    b = math.atan2(en[EN_X] - x, en[EN_Y] - y)
    if math.cos(angle - b) > max(WALL_REVERSE_COS, math.cos(raw - b) + 0.05):
        # the wall turns us into the enemy: go the other way round if that is less so
        other = _smoothed_orbit(p, x, y, en, -d, st)
        if math.cos(other - b) < math.cos(angle - b):
            d = -d
            angle = other
            m[MM_DIR] = d
            m[MM_WALL_FLIPS] += 1.0
    m[MM_SIGN] = drive(st, cmd, angle, 100.0, m[MM_MAXV])


@njit(**NB)
def room(x, y, heading, margin, width, height):
    """Distance along `heading` before the robot's centre leaves the field shrunk by `margin`."""
    sx = math.sin(heading)
    sy = math.cos(heading)
    r = math.inf
    if sx > 1e-9:
        r = min(r, (width - margin - x) / sx)
    elif sx < -1e-9:
        r = min(r, (margin - x) / sx)
    if sy > 1e-9:
        r = min(r, (height - margin - y) / sy)
    elif sy < -1e-9:
        r = min(r, (margin - y) / sy)
    return max(r, 0.0)


@njit(**NB)
def _dodge_angle(p, m, x, y, en, w, h):
    """Where the next step goes: sideways around the enemy, the other way if a wall is in the way."""
    d = m[MM_DIR]
    margin = p[MP_MARGIN]
    step = p[MP_STEP]
    angle = orbit_angle(x, y, en[EN_X], en[EN_Y], d, p[MP_DISTANCE], p[MP_DISTANCING], p[MP_MAX_APPROACH])
    if in_field(x + step * math.sin(angle), y + step * math.cos(angle), margin, w, h):
        return angle
    other = orbit_angle(x, y, en[EN_X], en[EN_Y], -d, p[MP_DISTANCE], p[MP_DISTANCING], p[MP_MAX_APPROACH])
    if in_field(x + step * math.sin(other), y + step * math.cos(other), margin, w, h):
        m[MM_DIR] = -d
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
            m[MM_DIR] = -m[MM_DIR]
        angle = _dodge_angle(p, m, x, y, en, w, h)
        turn = normal_relative_angle(angle - st[ST_HEADING])
        sign = 1.0
        if abs(turn) > math.pi / 2.0:
            turn = normal_relative_angle(turn + math.pi)
            sign = -1.0
        heading = st[ST_HEADING] if sign > 0.0 else st[ST_HEADING] + math.pi
        # the path bends from the current heading to the target one: both must have room
        dist = min(p[MP_STEP], room(x, y, heading, p[MP_MARGIN], w, h),
                   room(x, y, heading + turn, p[MP_MARGIN], w, h))
        set_turn_body(st, cmd, turn)
        set_ahead(st, cmd, sign * dist)
        m[MM_SIGN] = sign
        m[MM_DODGES] += 1.0
        return
    if not moving:
        angle = _dodge_angle(p, m, x, y, en, w, h)
        turn = normal_relative_angle(angle - st[ST_HEADING])
        if abs(turn) > math.pi / 2.0:
            turn = normal_relative_angle(turn + math.pi)
        set_turn_body(st, cmd, turn)


@njit(**NB)
def move_circle(p, m, st, cmd):
    set_max_velocity(cmd, p[0])
    set_max_turn_rate(cmd, abs(p[1]) * DEG)
    set_turn_body(st, cmd, math.inf if p[1] >= 0.0 else -math.inf)
    set_ahead(st, cmd, math.inf)


@njit(**NB)
def move_oscillate(p, m, st, cmd, en):
    """Reverse whenever a leg is done (or a wall stopped us); optionally stay perpendicular to the enemy."""
    set_max_velocity(cmd, p[2])
    if abs(cmd[C_DIST]) < 1e-6:
        m[MM_DIR] = -m[MM_DIR]
        set_ahead(st, cmd, m[MM_DIR] * p[0])
    if p[1] != 0.0 and en[EN_TIME] >= 0.0:
        b = math.atan2(en[EN_X] - st[ST_X], en[EN_Y] - st[ST_Y])
        turn = normal_relative_angle(b + math.pi / 2.0 - st[ST_HEADING])
        if abs(turn) > math.pi / 2.0:
            turn = normal_relative_angle(turn + math.pi)
        set_turn_body(st, cmd, turn)


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
