"""Guns: head-on, linear and circular targeting, and the firing rule they share.

Timing (why the prediction loop looks the way it does): an aim set at turn t
turns the gun during turn t+1; at turn t+1 the gun fires if it got there, and
the bullet leaves in turn t+2 from our position at the end of turn t+1. During
turn t+1+k it has flown k·v_b and is tested against the enemy's box as it was at
the end of turn t+k. So the enemy predicted k turns past the scan is the one a
bullet meets at radius k·v_b from our *next* position.
"""
import math

from numba import njit

from sim.engine.constants import (ST_X, ST_Y, ST_HEADING, ST_GUN, ST_VEL, ST_ENERGY, ST_HEAT, ST_TIME, ST_OTHERS,
                           ST_WIDTH, ST_HEIGHT, C_GUN, HALF_ROBOT, MIN_BULLET_POWER, MAX_BULLET_POWER,
                           MAX_TURN_RATE_RADIANS, MAX_VELOCITY)
from sim.engine.geometry import normal_relative_angle
from .api import set_turn_gun, set_fire
from .parts import Component, Param
from .radar import EN_TIME, EN_X, EN_Y, EN_HEADING, EN_VEL, EN_ENERGY, EN_TURN_RATE, EN_ALIVE

NB = dict(cache=True, error_model="numpy")

GUN_HEADON, GUN_LINEAR, GUN_CIRCULAR, GUN_NONE = 0, 1, 2, 3
GUN_MEM = 8
GM_AIM_TIME, GM_AIM_POWER, GM_AIM_ANGLE, GM_SHOTS = 0, 1, 2, 3   # GM_SHOTS counts over the whole battle

# parameter slots shared by every firing gun
GP_POWER, GP_RULE, GP_LOW_ENERGY, GP_RESERVE, GP_TOLERANCE, GP_MAX_AGE = range(6)

_FIRING = (
    Param("power", 2.0, MIN_BULLET_POWER, MAX_BULLET_POWER, "bullet power (speed 20 - 3 power, damage 4p + 2(p-1)+)"),
    Param("energy_rule", 1.0, 0.0, 1.0,
          "0 = always `power`; 1 = energy-aware: below low_energy scale power by energy/low_energy, "
          "and never more than needed to kill the enemy"),
    Param("low_energy", 20.0, 0.0, 100.0, "own energy under which the energy-aware rule lowers power"),
    Param("reserve", 0.1, 0.0, 50.0,
          "energy always kept after firing (> 0 means a shot never disables us); no shot below 0.1 power"),
    Param("tolerance", 1.0, 0.0, 20.0,
          "fire only when the remaining gun turn is within this many enemy half-widths, atan(18/distance)"),
    Param("max_age", 10.0, 0.0, 100.0, "do not fire on a scan older than this many turns"),
)

GUNS = (
    Component("headon", "gun", GUN_HEADON, "Aims straight at the enemy's last scanned position.", _FIRING, GUN_MEM),
    Component("linear", "gun", GUN_LINEAR,
              "Linear targeting: iterates the enemy along its heading at its last velocity until the bullet "
              "reaches it; the path stops at the walls.", _FIRING, GUN_MEM),
    Component("circular", "gun", GUN_CIRCULAR,
              "Circular targeting: as linear, but the heading turns by the turn rate measured between "
              "successive scans (clipped to the body's limit); the path stops at the walls.", _FIRING, GUN_MEM),
    Component("none", "gun", GUN_NONE, "Never fires; the gun stays where it is.", (), GUN_MEM),
)


@njit(**NB)
def kill_power(energy):
    """Smallest power whose damage (4p, +2(p-1) above 1) takes `energy` to zero."""
    if energy <= 4.0:
        p = energy / 4.0
    else:
        p = (energy + 2.0) / 6.0
    return p + 0.001


@njit(**NB)
def gun_power(p, own_energy, enemy_energy):
    """Bullet power under the gun's rule, or 0.0 when we must not fire (would drop under `reserve`)."""
    power = p[GP_POWER]
    if p[GP_RULE] >= 1.0:
        low = p[GP_LOW_ENERGY]
        if own_energy < low:
            power = min(power, max(MIN_BULLET_POWER, power * own_energy / low))
        power = min(power, max(MIN_BULLET_POWER, kill_power(enemy_energy)))
    power = min(power, own_energy - p[GP_RESERVE], MAX_BULLET_POWER)
    if power < MIN_BULLET_POWER:
        return 0.0
    return power


@njit(**NB)
def predict(kind, en, t, ox, oy, power, width, height):
    """Where to aim from (ox, oy) for a bullet of `power`: returns (absolute angle, predicted x, y).

    Head-on aims at the last scan; linear/circular iterate the enemy one turn at a
    time (Robocode order: turn, then move along the new heading), from the scan up
    to now and then until the bullet's radius k·v_b reaches it. At a wall the
    predicted robot stops, as the real one would.
    """
    x = en[EN_X]
    y = en[EN_Y]
    if kind == GUN_HEADON:
        return math.atan2(x - ox, y - oy), x, y
    vb = 20.0 - 3.0 * power
    h = en[EN_HEADING]
    v = en[EN_VEL]
    w = 0.0
    if kind == GUN_CIRCULAR:
        limit = (0.4 + 0.6 * (1.0 - abs(v) / MAX_VELOCITY)) * MAX_TURN_RATE_RADIANS
        w = max(-limit, min(limit, en[EN_TURN_RATE]))
    lo = HALF_ROBOT
    hx = width - HALF_ROBOT
    hy = height - HALF_ROBOT
    lag = int(t - en[EN_TIME])
    k = -lag
    while True:
        if v != 0.0:
            h += w
            x += v * math.sin(h)
            y += v * math.cos(h)
            if x < lo or x > hx or y < lo or y > hy:
                x = min(max(x, lo), hx)
                y = min(max(y, lo), hy)
                v = 0.0
        k += 1
        if k >= 1 and (k * vb >= math.hypot(x - ox, y - oy) or k > 500):
            break
    return math.atan2(x - ox, y - oy), x, y


@njit(**NB)
def gun_round_start(kind, p, m):
    m[GM_AIM_TIME] = -1.0


@njit(**NB)
def gun_think(kind, p, m, st, cmd, en, tele):
    """Fire the aim set last turn if the gun got there and is cool, then aim for the next shot."""
    if kind == GUN_NONE:
        return
    t = st[ST_TIME]
    if en[EN_TIME] < 0.0 or st[ST_OTHERS] < 1.0 or en[EN_ALIVE] == 0.0:
        m[GM_AIM_TIME] = -1.0
        return
    ox = st[ST_X]
    oy = st[ST_Y]
    dist = max(math.hypot(en[EN_X] - ox, en[EN_Y] - oy), 1.0)
    if m[GM_AIM_TIME] == t - 1.0 and st[ST_HEAT] == 0.0 and t - en[EN_TIME] <= p[GP_MAX_AGE]:
        tol = p[GP_TOLERANCE] * math.atan(HALF_ROBOT / dist)
        if abs(cmd[C_GUN]) <= tol:
            power = min(m[GM_AIM_POWER], gun_power(p, st[ST_ENERGY], en[EN_ENERGY]))
            if power >= MIN_BULLET_POWER:
                if set_fire(st, cmd, power) > 0.0:
                    m[GM_SHOTS] += 1.0
    # aim for a shot at the next turn, from where we will be then
    power = gun_power(p, st[ST_ENERGY], en[EN_ENERGY])
    if power == 0.0:
        power = MIN_BULLET_POWER
        m[GM_AIM_TIME] = -1.0
    else:
        m[GM_AIM_TIME] = t
    nx = ox + st[ST_VEL] * math.sin(st[ST_HEADING])
    ny = oy + st[ST_VEL] * math.cos(st[ST_HEADING])
    aim, _, _ = predict(kind, en, t, nx, ny, power, st[ST_WIDTH], st[ST_HEIGHT])
    m[GM_AIM_POWER] = power
    m[GM_AIM_ANGLE] = aim
    set_turn_gun(cmd, normal_relative_angle(aim - st[ST_GUN]))
