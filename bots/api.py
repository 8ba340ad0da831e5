"""What a bot may do: Robocode's AdvancedRobot setters, as compiled helpers.

A bot is handed only its own status row ``st`` (ST_* columns, what
RobotStatus exposes), its command row ``cmd`` (C_* columns, the ExecCommands a
Robocode robot fills in) and its events of the last turn. These setters apply
the same client-side rules as Robocode's robot proxies (a disabled robot cannot
move or turn its body, a hot gun does not fire, setAdjustRadarForGunTurn also
sets the body flag unless that was set explicitly), so a ported Java robot calls
them exactly where the Java code calls its setter.
"""
import math


from numba import njit

from sim.engine.geometry import normal_relative_angle, normal_absolute_angle

from sim.engine.constants import (C_DIST, C_BODY, C_GUN, C_RADAR, C_MAX_VEL, C_MAX_TURN, C_ADJ_GUN,
                           C_ADJ_RADAR_GUN, C_ADJ_RADAR_BODY, C_ADJ_RADAR_BODY_SET, C_FIRE,
                           C_FIRE_ASSIST, C_FIRE_ASSIST_ANGLE, C_SCAN, ST_ENERGY, ST_HEAT, ST_X, ST_Y,
                           ST_HEADING, ST_GUN, ST_RADAR, DEG,
                           MAX_VELOCITY, MAX_TURN_RATE_RADIANS)
from sim.engine.geometry import hold
from sim.engine.physics import fire_power, gun_heat

# The setters run every turn inside bot code: LLVM-inlined (forceinline) so that a call costs no
# atomic NRT incref/decref of the status and command rows. Set explicitly so that it is never inherited.
NB = dict(cache=True, error_model="numpy", forceinline=True)


@njit(**NB)
def set_ahead(st, cmd, distance):
    """setAhead / setBack(-d): ignored while the robot is disabled (energy 0)."""
    if st[ST_ENERGY] == 0.0:
        return
    cmd[C_DIST] = distance


@njit(**NB)
def set_turn_body(st, cmd, radians):
    """setTurnRightRadians (negative = left); ignored while disabled."""
    if st[ST_ENERGY] > 0.0:
        cmd[C_BODY] = radians


@njit(**NB)
def set_turn_gun(cmd, radians):
    cmd[C_GUN] = radians


@njit(**NB)
def set_turn_radar(cmd, radians):
    cmd[C_RADAR] = radians


@njit(**NB)
def set_max_velocity(cmd, v):
    if not math.isnan(v):
        cmd[C_MAX_VEL] = v


@njit(**NB)
def set_max_turn_rate(cmd, radians):
    if not math.isnan(radians):
        cmd[C_MAX_TURN] = radians


@njit(**NB)
def set_adjust_gun_for_robot_turn(cmd, flag):
    cmd[C_ADJ_GUN] = 1.0 if flag else 0.0


@njit(**NB)
def set_adjust_radar_for_gun_turn(cmd, flag):
    cmd[C_ADJ_RADAR_GUN] = 1.0 if flag else 0.0
    if cmd[C_ADJ_RADAR_BODY_SET] == 0.0:
        cmd[C_ADJ_RADAR_BODY] = cmd[C_ADJ_RADAR_GUN]


@njit(**NB)
def set_adjust_radar_for_robot_turn(cmd, flag):
    cmd[C_ADJ_RADAR_BODY] = 1.0 if flag else 0.0
    cmd[C_ADJ_RADAR_BODY_SET] = 1.0


@njit(**NB)
def set_fire(st, cmd, power):
    """setFire: returns the power actually fired, or 0.0 when the gun is hot / robot disabled.

    Like Robocode's proxy, the bot's own view of energy and gun heat changes at
    once, so a second setFire in the same turn does nothing.
    """
    if math.isnan(power):
        return 0.0
    if st[ST_HEAT] > 0.0 or st[ST_ENERGY] == 0.0:
        return 0.0
    power = fire_power(power, st[ST_ENERGY])
    cmd[C_FIRE] = power
    cmd[C_FIRE_ASSIST] = 0.0
    st[ST_ENERGY] -= power
    st[ST_HEAT] += gun_heat(power)
    return power


@njit(**NB)
def set_fire_assisted(st, cmd, power, angle):
    """setFire from a plain Robot's onScannedRobot: Robocode aims such a bullet exactly at `angle`
    when the gun and radar headings were equal (the 'fire assist')."""
    p = set_fire(st, cmd, power)
    if p > 0.0:
        cmd[C_FIRE_ASSIST] = 1.0
        cmd[C_FIRE_ASSIST_ANGLE] = angle
    hold(st, cmd)
    return p


@njit(**NB)
def set_scan(cmd):
    cmd[C_SCAN] = 1.0


@njit(**NB)
def begin_turn(cmd):
    """A fresh ExecCommands from the robot carries no bullets and no scan request."""
    cmd[C_FIRE] = math.nan
    cmd[C_FIRE_ASSIST] = 0.0
    cmd[C_SCAN] = 0.0


@njit(**NB)
def validate_commands(cmd):
    """RobotPeer.validateCommands, applied when the robot calls execute()."""
    cmd[C_MAX_TURN] = min(abs(cmd[C_MAX_TURN]), MAX_TURN_RATE_RADIANS)
    cmd[C_MAX_VEL] = min(abs(cmd[C_MAX_VEL]), MAX_VELOCITY)


# --- small geometry helpers every strategy uses --------------------------------

@njit(**NB)
def absolute_bearing(x, y, tx, ty):
    return math.atan2(tx - x, ty - y)


# robocode.util.Utils.normalRelativeAngle / normalAbsoluteAngle, shared with the engine (Java's % is C fmod)
rel_angle = normal_relative_angle
abs_angle = normal_absolute_angle
