"""What the movements share: steering, wall smoothing, distancing and their common memory.

Conventions shared by the kernels: `dir` is the orbit direction (+1 = clockwise
around the enemy, i.e. heading = bearing to enemy + 90 degrees), bodies drive
"back-as-front" (turn at most 90 degrees and reverse instead), and walls are
kept away with the iterative stick method: the heading is rotated towards the
enemy side in small steps until a point `stick` pixels ahead lies inside the
field shrunk by `margin`.
"""
import math

from numba import njit

from sim.engine.constants import (ST_HEADING, DEG)
from sim.engine.geometry import normal_relative_angle
from sim.engine import jrandom
from bots.api import set_ahead, set_turn_body, set_max_velocity
from bots.part import Param, layout

NB = dict(cache=True, error_model="numpy")

# the memory every moving part starts with (flips and dodges count over the whole battle)
MEM = layout("MovementMemory", dir=1, last_flip=1, max_velocity=1, flips=1, sign=1, dodges=1, wall_flips=1)

SMOOTH_STEP = 0.05   # radians per wall-smoothing iteration
SMOOTH_ITERS = 126   # enough to rotate a full turn
SLOW_TURN = 30.0 * DEG  # drive() slows down when the body must turn more than this
WALL_REVERSE_COS = 0.5   # orbit reverses when smoothing would drive it within 60 degrees of the enemy

DISTANCING_PARAMS = (
    Param("distance", 450.0, 50.0, 2000.0, "preferred distance to the enemy"),
    Param("distancing", 20.0, 0.0, 90.0,
          "degrees turned towards (too far) or away from (too close) the enemy per 100 px of distance error"),
    Param("max_approach", 40.0, 0.0, 85.0, "largest such turn off the perpendicular, degrees"),
    Param("margin", 22.0, 18.0, 200.0, "wall margin: the robot's centre is kept this far inside the field"),
)


# the distancing parameters' indices in ctx.params (stopgo, orbit and surf declare them first)
MP_DISTANCE, MP_DISTANCING, MP_MAX_APPROACH, MP_MARGIN = range(len(DISTANCING_PARAMS))


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
def short_turn(angle, heading):
    """Back-as-front: the body turn (at most 90 degrees either way) that lines the robot up with `angle`, and
    the direction it then travels along it (1.0 ahead, -1.0 back)."""
    turn = normal_relative_angle(angle - heading)
    if abs(turn) > math.pi / 2.0:
        return normal_relative_angle(turn + math.pi), -1.0
    return turn, 1.0


@njit(**NB)
def drive(st, cmd, angle, distance, max_velocity):
    """Back-as-front: turn at most 90 degrees towards `angle` and go ahead or back `distance`; returns the sign.

    Speed is cut while the body still has to turn a lot (full speed up to
    SLOW_TURN, zero at 90 degrees): a robot that accelerates before it has
    turned runs into the wall it is trying to avoid.
    """
    turn, sign = short_turn(angle, st[ST_HEADING])
    slow = max(0.0, min(1.0, (math.pi / 2.0 - abs(turn)) / (math.pi / 2.0 - SLOW_TURN)))
    set_max_velocity(cmd, max_velocity * slow)
    set_turn_body(st, cmd, turn)
    set_ahead(st, cmd, sign * distance)
    return sign


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
def steering_round_start(m, rng):
    """Every movement draws its first orbit direction from the bot's java.util.Random at a round's start."""
    m[MEM.dir] = 1.0 if jrandom.next_double(rng) < 0.5 else -1.0
    m[MEM.last_flip] = 0.0
    m[MEM.sign] = 0.0
