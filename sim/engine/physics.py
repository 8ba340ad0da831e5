"""Robot motion rules of Robocode 1.9 (RobotPeer), one robot at a time.

Each function mirrors one RobotPeer method so that the turn loop in
``engine`` reads like Robocode's and every floating-point operation happens
in the same order (bit-exact traces are the conformance target).

The per-robot functions take the whole state arrays and the robot's index
(``rob, cmd, i``) rather than row views: they are LLVM-inlined into the turn
loop, and a row view is a new array reference whose NRT refcount (an atomic
increment and decrement) cost more than the physics itself.
"""
import math

import numpy as np

from numba import njit

from sim.engine.constants import (I64, ACCELERATION, DECELERATION, MAX_VELOCITY, MAX_TURN_RATE_RADIANS,
                        GUN_TURN_RATE_RADIANS, RADAR_TURN_RATE_RADIANS, HALF_ROBOT, N_ROB,
                        R_X, R_Y, R_HEADING, R_GUN, R_RADAR, R_VEL, R_OVERDRIVE,
                        C_DIST, C_BODY, C_GUN, C_RADAR, C_MAX_VEL, C_MAX_TURN, C_ADJ_GUN,
                        C_ADJ_RADAR_GUN, C_ADJ_RADAR_BODY, MIN_BULLET_POWER, MAX_BULLET_POWER)
from sim.engine import jtrig
from sim.engine.geometry import normal_absolute_angle, normal_near_absolute_angle, normal_relative_angle, is_near, hold

# inlined into the turn loop (see the module docstring); set explicitly so that it is never inherited
NB = dict(cache=True, error_model="numpy", forceinline=True)

# engine-private robot columns after sim.engine.constants' R_*: (angle, sin, cos) of the last heading the
# robot moved along and of the radar heading its last scan ended at (see sin_cos)
R_MOVE_ANGLE, R_MOVE_SIN, R_MOVE_COS, R_SCAN_ANGLE, R_SCAN_SIN, R_SCAN_COS = range(N_ROB, N_ROB + 6)
N_ROB_ENGINE = N_ROB + 6


@njit(**NB)
def sin_cos(rob, i, col, angle):
    """(sin(angle), cos(angle)), remembered in rob[i, col:col + 3] as (angle, sin, cos).

    A robot often moves along the same heading for many turns, and a scan starts at the heading
    the last one ended at; Java's Math.sin/cos (sim.engine.jtrig) give the same doubles for the
    same angle, so reusing them changes no result. Zero is never reused (it would not tell 0.0 from -0.0); a NaN key (a
    fresh robot) never matches.
    """
    if rob[i, col] != angle or angle == 0.0:
        rob[i, col] = angle
        rob[i, col + 1] = jtrig.sin(angle)
        rob[i, col + 2] = jtrig.cos(angle)
    s = rob[i, col + 1]
    c = rob[i, col + 2]
    hold(rob)
    return s, c


@njit(**NB)
def max_velocity_for(distance):
    """Highest speed from which the robot can still stop within `distance` (getMaxVelocity)."""
    decel_time = max(1.0, math.ceil((math.sqrt((4.0 * 2.0 / DECELERATION) * distance + 1.0) - 1.0) / 2.0))
    if decel_time == math.inf:
        return MAX_VELOCITY
    decel_dist = (decel_time / 2.0) * (decel_time - 1.0) * DECELERATION
    return ((decel_time - 1.0) * DECELERATION) + ((distance - decel_dist) / decel_time)


@njit(**NB)
def max_decel(speed):
    decel_time = speed / DECELERATION
    accel_time = 1.0 - decel_time
    return min(1.0, decel_time) * DECELERATION + max(0.0, accel_time) * ACCELERATION


@njit(**NB)
def new_velocity(velocity, distance, max_vel):
    """getNewVelocity (the 1.7.1.4 rules): speed after one turn towards `distance`."""
    sign = 1.0
    if distance < 0.0:
        sign = -1.0
        velocity = -velocity
        distance = -distance
    if distance == math.inf or (distance >= 20.0 and max_vel <= MAX_VELOCITY):
        # getMaxVelocity(distance) >= MAX_VELOCITY for every distance >= 20 (its deceleration time
        # is >= 4 turns), so the min below is max_vel: skip its sqrt, ceil and division
        goal = max_vel
    else:
        goal = min(max_velocity_for(distance), max_vel)
    if velocity >= 0.0:
        v = max(velocity - DECELERATION, min(goal, velocity + ACCELERATION))
    else:
        v = max(velocity - ACCELERATION, min(goal, velocity + max_decel(-velocity)))
    return sign * v


@njit(**NB)
def distance_until_stop(velocity, max_vel):
    distance = 0.0
    velocity = abs(velocity)
    if max_vel >= 0.0:
        # new_velocity(velocity, 0.0, max_vel) for 0 < velocity, 0 <= max_vel (always so: validateCommands
        # takes abs): getMaxVelocity(0) is exactly 0.0, so goal = min(0.0, max_vel) = 0.0 and
        # min(goal, velocity + 1) = 0.0; what is left is max(velocity - 2, 0.0), the same doubles without
        # the sqrt, ceil and divisions of getMaxVelocity on every step
        while velocity > 0.0:
            velocity = max(velocity - DECELERATION, 0.0)
            distance += velocity
        return distance
    while velocity > 0.0:
        velocity = new_velocity(velocity, 0.0, max_vel)
        distance += velocity
    return distance


@njit(**NB)
def turn_rate(velocity, max_turn):
    return min(max_turn, (0.4 + 0.6 * (1.0 - (abs(velocity) / MAX_VELOCITY))) * MAX_TURN_RATE_RADIANS)


@njit(**NB)
def turn_body(heading, remaining, rate):
    """updateHeading's body turn: (heading, step) after turning at most `rate` towards `remaining` radians.
    The heading is normalised as Robocode does: near-absolute once the turn is complete. The engine and
    the surfer's path prediction (robot_step) both turn with it."""
    if remaining > 0.0:
        step = remaining if remaining < rate else rate
    elif remaining < 0.0:
        step = remaining if remaining > -rate else -rate
    else:
        return heading, 0.0
    heading += step
    if step == remaining:   # rem - step == 0 exactly when step == rem (finite floats)
        return normal_near_absolute_angle(heading), step
    return normal_absolute_angle(heading), step


@njit(**NB)
def update_heading(rob, cmd, i):
    """Body turn; the gun and radar turn with the body unless adjusted (updateHeading)."""
    rem = cmd[i, C_BODY]
    if rem == 0.0:
        hold(rob, cmd)
        return
    heading, step = turn_body(rob[i, R_HEADING], rem, turn_rate(rob[i, R_VEL], cmd[i, C_MAX_TURN]))
    rob[i, R_HEADING] = heading
    rob[i, R_GUN] += step
    rob[i, R_RADAR] += step
    if cmd[i, C_ADJ_GUN] != 0.0:
        cmd[i, C_GUN] -= step
    if cmd[i, C_ADJ_RADAR_BODY] != 0.0:
        cmd[i, C_RADAR] -= step
    cmd[i, C_BODY] = 0.0 if step == rem else rem - step
    hold(rob, cmd)


@njit(**NB)
def update_gun_heading(rob, cmd, i):
    """updateGunHeading: the radar turns with the gun unless adjusted."""
    rem = cmd[i, C_GUN]
    if rem > 0.0:
        step = rem if rem < GUN_TURN_RATE_RADIANS else GUN_TURN_RATE_RADIANS
    elif rem < 0.0:
        step = rem if rem > -GUN_TURN_RATE_RADIANS else -GUN_TURN_RATE_RADIANS
    else:
        step = 0.0
    if step != 0.0:
        rob[i, R_GUN] += step
        rob[i, R_RADAR] += step
        if cmd[i, C_ADJ_RADAR_GUN] != 0.0:
            cmd[i, C_RADAR] -= step
        cmd[i, C_GUN] = 0.0 if step == rem else rem - step
    rob[i, R_GUN] = normal_absolute_angle(rob[i, R_GUN])
    hold(rob, cmd)


@njit(**NB)
def update_radar_heading(rob, cmd, i):
    """updateRadarHeading."""
    rem = cmd[i, C_RADAR]
    if rem > 0.0:
        if rem < RADAR_TURN_RATE_RADIANS:
            rob[i, R_RADAR] += rem
            cmd[i, C_RADAR] = 0.0
        else:
            rob[i, R_RADAR] += RADAR_TURN_RATE_RADIANS
            cmd[i, C_RADAR] = rem - RADAR_TURN_RATE_RADIANS
    elif rem < 0.0:
        if rem > -RADAR_TURN_RATE_RADIANS:
            rob[i, R_RADAR] += rem
            cmd[i, C_RADAR] = 0.0
        else:
            rob[i, R_RADAR] -= RADAR_TURN_RATE_RADIANS
            cmd[i, C_RADAR] = rem + RADAR_TURN_RATE_RADIANS
    rob[i, R_RADAR] = normal_absolute_angle(rob[i, R_RADAR])
    hold(rob, cmd)


@njit(**NB)
def update_movement(rob, cmd, i):
    """Velocity and position update with the overdrive rule (updateMovement)."""
    distance = cmd[i, C_DIST]
    if math.isnan(distance):
        distance = 0.0
    v = new_velocity(rob[i, R_VEL], distance, cmd[i, C_MAX_VEL])
    rob[i, R_VEL] = v
    if is_near(v, 0.0) and rob[i, R_OVERDRIVE] != 0.0:
        cmd[i, C_DIST] = 0.0
        distance = 0.0
        rob[i, R_OVERDRIVE] = 0.0
    prod = distance * v
    if not prod < 0.0:  # Math.signum(distance * velocity) != -1
        rob[i, R_OVERDRIVE] = 1.0 if distance_until_stop(v, cmd[i, C_MAX_VEL]) > abs(distance) else 0.0
    cmd[i, C_DIST] = distance - v
    if v != 0.0:
        sin_h, cos_h = sin_cos(rob, i, I64(R_MOVE_ANGLE), rob[i, R_HEADING])
        rob[i, R_X] += v * sin_h
        rob[i, R_Y] += v * cos_h
    hold(rob, cmd)


@njit(**NB)
def wall_push(x, y, heading, width, height):
    """checkWallCollision's geometry: (x, y, hit, bearing of the wall relative to the heading) of a robot
    at (x, y) pushed back inside the field along its heading. The engine (wall_collision) and the
    surfer's path prediction (robot_step) both use it."""
    min_x = HALF_ROBOT
    min_y = HALF_ROBOT
    max_x = float(int(width)) - HALF_ROBOT
    max_y = float(int(height)) - HALF_ROBOT
    adjust_x = 0.0
    adjust_y = 0.0
    if x < min_x:
        adjust_x = min_x - x
        angle = normal_relative_angle(3.0 * math.pi / 2.0 - heading)
    elif x > max_x:
        adjust_x = max_x - x
        angle = normal_relative_angle(math.pi / 2.0 - heading)
    elif y < min_y:
        adjust_y = min_y - y
        angle = normal_relative_angle(math.pi - heading)
    elif y > max_y:
        adjust_y = max_y - y
        angle = normal_relative_angle(-heading)
    else:
        return x, y, False, 0.0
    if np.fmod(heading, math.pi / 2.0) != 0.0:
        tan_h = jtrig.tan(heading)
        if adjust_x == 0.0:
            adjust_x = adjust_y * tan_h
        elif adjust_y == 0.0:
            adjust_y = adjust_x / tan_h
    x += adjust_x
    y += adjust_y
    if x < min_x:
        x = min_x
    elif x > max_x:
        x = max_x
    if y < min_y:
        y = min_y
    elif y > max_y:
        y = max_y
    return x, y, True, angle


@njit(**NB)
def wall_collision(rob, cmd, i, width, height):
    """Push a robot back inside the field (checkWallCollision). Returns (hit, bearing, velocity before stop).

    One exit only (see geometry.hold)."""
    x, y, hit, angle = wall_push(rob[i, R_X], rob[i, R_Y], rob[i, R_HEADING], width, height)
    v = 0.0
    if hit:
        rob[i, R_X] = x
        rob[i, R_Y] = y
        v = rob[i, R_VEL]
        cmd[i, C_DIST] = 0.0
        rob[i, R_VEL] = 0.0
    hold(rob, cmd)
    return hit, angle, v


@njit(cache=True, error_model="numpy")   # not forceinline: the surfer calls it from four places
def robot_step(x, y, heading, v, turn, dist, max_vel, width, height):
    """One turn of a robot's body for body turn `turn`, distance `dist` and max velocity `max_vel` set at
    think time, with the engine's own operations (updateHeading, updateMovement, checkWallCollision; max
    turn rate 10 degrees, no overdrive rule: the caller's distance is what it sets each turn). The surfer
    predicts its paths with it. Returns (x, y, heading, velocity, sin, cos of the heading) after the turn."""
    heading, _ = turn_body(heading, turn, turn_rate(v, MAX_TURN_RATE_RADIANS))
    v = new_velocity(v, dist, max_vel)
    sh = jtrig.sin(heading)
    ch = jtrig.cos(heading)
    if v != 0.0:
        x += v * sh
        y += v * ch
    x, y, hit, _ = wall_push(x, y, heading, width, height)
    if hit:
        v = 0.0
    return x, y, heading, v, sh, ch


@njit(**NB)
def wall_hit_damage(velocity):
    return max(abs(velocity) / 2.0 - 1.0, 0.0)


@njit(**NB)
def clamp_power(power):
    """A bullet power as Robocode's setFire takes it: clamped to [MIN_BULLET_POWER, MAX_BULLET_POWER] (0.1, 3)."""
    return min(max(power, MIN_BULLET_POWER), MAX_BULLET_POWER)


@njit(**NB)
def fire_power(power, energy):
    """The power a setFire(power) fires with `energy` left: clamped, and no more than the energy (a robot firing
    its last energy below 0.1 fires a bullet of that power)."""
    return min(energy, clamp_power(power))


@njit(**NB)
def gun_heat(power):
    """Rules.getGunHeat: the heat a bullet of `power` (already clamped by the firing rule, and below 0.1 when a
    robot fires its last energy) puts on the gun."""
    return 1.0 + power / 5.0


@njit(**NB)
def cool_turns(heat, cooling):
    """Turns of cooling until a gun at `heat` reads exactly 0 (the engine subtracts `cooling` each turn
    and clamps at 0; 3.0 - 30 * 0.1 is still 2.8e-17, so a round's first shot comes in turn 32).
    Predicts an enemy's next shot for the surfer and the gun waves' virtuality."""
    n = 0
    while heat > 0.0 and n < 100000:
        heat -= cooling
        n += 1
    return n


@njit(**NB)
def bullet_speed(power):
    """Rules.getBulletSpeed: 20 - 3 * power, pixels per turn, with the power clamped to [0.1, 3] first. A robot
    firing its last energy below 0.1 fires a bullet of that power (its damage and bonus) that flies at 19.7
    (seen in Robocode: TrackFire vs VelociRobot, seed 79, tests/test_exact_battles.py)."""
    return 20.0 - 3.0 * clamp_power(power)


def bullet_speeds(powers):
    """bullet_speed over a numpy array of powers, outside compiled code (replays, wave checks, synthetic data):
    the same Python function element by element, so the clamp and the bits are the engine's."""
    return _BULLET_SPEEDS(powers)


_BULLET_SPEEDS = np.vectorize(bullet_speed.py_func, otypes=[np.float64])


@njit(**NB)
def bullet_damage(power):
    """Rules.getBulletDamage: 4 * power, plus 2 * (power - 1) above power 1."""
    return 4.0 * power + 2.0 * max(power - 1.0, 0.0)
