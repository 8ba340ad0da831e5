"""What the classic guns share: the firing rule, the bullet power rule and predict() (head-on, linear,
circular); bots/guns/headon.py, linear.py and circular.py are the parts built on it.

Timing (why the prediction loop looks the way it does): an aim set at turn t
turns the gun during turn t+1; at turn t+1 the gun fires if it got there, and
the bullet leaves in turn t+2 from our position at the end of turn t+1. During
turn t+1+k it has flown k·v_b and is tested against the enemy's box as it was at
the end of turn t+k. So the enemy predicted k turns past the scan is the one a
bullet meets at radius k·v_b from our *next* position.
"""
import math

from numba import njit

from sim.engine.constants import (I64, ST_X, ST_Y, ST_HEADING, ST_GUN, ST_VEL, ST_ENERGY, ST_HEAT, ST_TIME, ST_OTHERS,
                           ST_WIDTH, ST_HEIGHT, C_GUN, HALF_ROBOT, MIN_BULLET_POWER, MAX_BULLET_POWER,
                           MAX_TURN_RATE_RADIANS)
from sim.engine.geometry import normal_relative_angle
from sim.engine.physics import bullet_speed, turn_rate
from bots.api import set_turn_gun, set_fire
from bots.part import Param, layout
from bots.enemy import EN_TIME, EN_X, EN_Y, EN_HEADING, EN_VEL, EN_ENERGY, EN_TURN_RATE, EN_ALIVE

NB = dict(cache=True, error_model="numpy")

# what predict() assumes about the enemy's path (also the wave guns' classic aimers)
AIM_HEADON, AIM_LINEAR, AIM_CIRCULAR = I64(0), I64(1), I64(2)   # typed: sim/engine/constants.I64 says why
# the memory of a gun that aims with predict(): the pending aim and the shots fired (over the whole battle)
MEM = layout("AimingGunMemory", aim_time=1, aim_power=1, aim_angle=1, shots=1)

# parameters every firing gun declares first (GP_*: their indices in ctx.params)
FIRING_PARAMS = (
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
GP_POWER, GP_RULE, GP_LOW_ENERGY, GP_RESERVE, GP_TOLERANCE, GP_MAX_AGE = range(len(FIRING_PARAMS))


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
    if kind == AIM_HEADON:
        return math.atan2(x - ox, y - oy), x, y
    vb = bullet_speed(power)
    h = en[EN_HEADING]
    v = en[EN_VEL]
    w = 0.0
    if kind == AIM_CIRCULAR:
        limit = turn_rate(v, MAX_TURN_RATE_RADIANS)
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
def driven_on(x, y, heading, velocity, turns):
    """Where a robot at (x, y) is `turns` turns on at its velocity along its heading: the origin a gun aims
    from for a bullet that leaves then (aiming_think: one turn; the surfer's simulated guns, bots/movements/surf.py)."""
    return x + turns * velocity * math.sin(heading), y + turns * velocity * math.cos(heading)


@njit(**NB)
def on_its_way(t, fire_time, speed, sx, sy, ex, ey):
    """Whether a bullet that left (sx, sy) in turn `fire_time` is, at turn t, still short of the enemy at (ex, ey):
    it counts until its front is within the enemy's reach (18 sqrt 2) -- then it has hit or is about to pass.
    The guns that hold fire while their bullets in flight are expected to finish the enemy count with it."""
    reach = HALF_ROBOT * math.sqrt(2.0)
    r = (t - fire_time + 1.0) * speed
    return r + speed < math.hypot(ex - sx, ey - sy) - reach


@njit(**NB)
def aiming_round_start(m):
    m[MEM.aim_time] = -1.0


@njit(**NB)
def aiming_think(kind, p, m, st, cmd, en):
    """Fire the aim set last turn if the gun got there and is cool, then aim for the next shot with
    predict(kind, ...)."""
    t = st[ST_TIME]
    if en[EN_TIME] < 0.0 or st[ST_OTHERS] < 1.0 or en[EN_ALIVE] == 0.0:
        m[MEM.aim_time] = -1.0
        return
    ox = st[ST_X]
    oy = st[ST_Y]
    dist = max(math.hypot(en[EN_X] - ox, en[EN_Y] - oy), 1.0)
    if m[MEM.aim_time] == t - 1.0 and st[ST_HEAT] == 0.0 and t - en[EN_TIME] <= p[GP_MAX_AGE]:
        tol = p[GP_TOLERANCE] * math.atan(HALF_ROBOT / dist)
        if abs(cmd[C_GUN]) <= tol:
            power = min(m[MEM.aim_power], gun_power(p, st[ST_ENERGY], en[EN_ENERGY]))
            if power >= MIN_BULLET_POWER:
                if set_fire(st, cmd, power) > 0.0:
                    m[MEM.shots] += 1.0
    # aim for a shot at the next turn, from where we will be then
    power = gun_power(p, st[ST_ENERGY], en[EN_ENERGY])
    if power == 0.0:
        power = MIN_BULLET_POWER
        m[MEM.aim_time] = -1.0
    else:
        m[MEM.aim_time] = t
    nx, ny = driven_on(ox, oy, st[ST_HEADING], st[ST_VEL], 1.0)
    aim, _, _ = predict(kind, en, t, nx, ny, power, st[ST_WIDTH], st[ST_HEIGHT])
    m[MEM.aim_power] = power
    m[MEM.aim_angle] = aim
    set_turn_gun(cmd, normal_relative_angle(aim - st[ST_GUN]))
