"""Robocode's sample robots (package ``sample`` of Robocode 1.9.3.9), ported faithfully.

Each sample is its Java source turned into a state machine over bots.sample_vm:
``run()`` and every event handler are branches of one function, ``pc`` values
mark the statements after blocking calls, and the VM reproduces the robot
thread around them (event queue and priorities, handler nesting and
interruption, stop/resume, waitFor). Comments quote the Java lines.

None of these samples calls Math.random(), so a battle between them is a pure
function of the battle seed, exactly as in Robocode with -DRANDOMSEED.
"""
import math

import numpy as np
from numba import njit

from sim.engine.constants import (ST_ENERGY, ST_HEAT, ST_OTHERS, ST_WIDTH, ST_HEIGHT, ST_ROUND, E_A, EA_OTHER,
                           EA_BEARING, EA_DISTANCE, EV_SCANNED, EV_HIT_BY_BULLET, EV_HIT_WALL, EV_HIT_ROBOT,
                           EV_DEATH, EV_WIN)
from sim.engine.geometry import borrowed

from .api import (set_ahead, set_turn_body, set_turn_gun, set_turn_radar, set_max_velocity,
                  set_adjust_gun_for_robot_turn)
from .sample_vm import (fields, EXEC, RET, H_RUN, EV_STATUS, EV_CUSTOM, N_EV_KINDS, F_TYPE, F_PC, F_PRIO, F_L, M_FIELD, M_STATIC,
                        M_CUSTOM, M_DEAD, M_QN, PRIO_STATUS, VM_MEM_SIZE, vm_round_start, vm_queue_events,
                        vm_status_only, vm_add_custom_event, q_sort, top_frame,
                        vm_next, vm_return, vm_die, before_execute, get_heading, get_gun_heading,
                        get_radar_heading, to_radians, to_degrees, ev_get, ev_bearing_deg,
                        normal_relative_angle_degrees, ahead, back, turn_right, turn_left, turn_gun_right,
                        turn_gun_left, fire, scan, stop, resume, execute, wait_for_turn_complete)

NB = dict(cache=True, error_model="numpy")

# name, Java superclass is AdvancedRobot?, one-line description
SAMPLES = (
    ("sample.SittingDuck", True, "Sits still; never fires (AdvancedRobot)."),
    ("sample.Target", True, "Sits still; turns 65 degrees left and moves 100 each time its energy drops by 20."),
    ("sample.Walls", False, "Drives along the walls, gun pointing inward; fires 2 at what it scans."),
    ("sample.SpinBot", True, "Circles at speed 5 turning right; fires 3 at anything scanned."),
    ("sample.Crazy", True, "Wiggles (turns 90 right, 180 left, 180 right) while driving; bounces off walls; fires 1."),
    ("sample.Fire", False, "Stands still spinning its gun; fires 3 close up, else 1; dodges when hit."),
    ("sample.Tracker", False, "Locks onto one robot, drives to 140 away from it and fires 3 when close."),
    ("sample.TrackFire", False, "Stands still, tracks the nearest robot with its gun and fires when aimed."),
    ("sample.RamFire", False, "Drives straight at its target to ram it, firing when it rams."),
    ("sample.VelociRobot", True, "RateControlRobot: drives forward and back at set rates, gun spinning."),
    ("sample.Corners", False, "Drives to a corner and sweeps its gun; changes corner after dying early."),
)
SAMPLE_INDEX = {name: k for k, (name, _, _) in enumerate(SAMPLES)}
MEM_SIZE = VM_MEM_SIZE

SITTING_DUCK, TARGET, WALLS, SPIN_BOT, CRAZY, FIRE, TRACKER, TRACK_FIRE, RAM_FIRE, VELOCI_ROBOT, CORNERS = range(11)
N_SAMPLES = len(SAMPLES)

# which events each sample handles (the others reach Robot's empty default handlers)
_HANDLERS = {
    SITTING_DUCK: (),
    TARGET: (EV_CUSTOM,),
    WALLS: (EV_HIT_ROBOT, EV_SCANNED),
    SPIN_BOT: (EV_SCANNED, EV_HIT_ROBOT),
    CRAZY: (EV_HIT_WALL, EV_SCANNED, EV_HIT_ROBOT),
    FIRE: (EV_SCANNED, EV_HIT_BY_BULLET, EV_HIT_ROBOT),
    TRACKER: (EV_SCANNED, EV_HIT_ROBOT, EV_WIN),
    TRACK_FIRE: (EV_SCANNED, EV_WIN),
    RAM_FIRE: (EV_SCANNED, EV_HIT_ROBOT),
    VELOCI_ROBOT: (EV_SCANNED, EV_HIT_BY_BULLET, EV_HIT_WALL),
    CORNERS: (EV_SCANNED, EV_DEATH),
}
HANDLED = np.zeros((N_SAMPLES, N_EV_KINDS), dtype=np.bool_)
for _k, _kinds in _HANDLERS.items():
    for _e in _kinds:
        HANDLED[_k, _e] = True
assert not HANDLED[:, EV_STATUS].any()  # sample_think's status-only turn relies on it (sample_vm.vm_status_only)

# payload columns of the events (sim.engine.constants)
HR_BEARING, HR_ENERGY, HR_FAULT = E_A + 1, E_A + 2, E_A + 3     # HitRobotEvent
HB_BEARING, HB_HEADING = E_A, E_A + 1                          # HitByBulletEvent


# --- the samples ----------------------------------------------------------------------------

@njit(**NB)
def sitting_duck(mem, f, st, cmd):
    # run(): reads and writes count.dat, prints, returns. The proxy then executes forever.
    return RET


# Target: int trigger
T_TRIGGER = M_FIELD


@njit(**NB)
def target(mem, f, st, cmd):
    kind = int(mem[f + F_TYPE])
    pc = int(mem[f + F_PC])
    if kind == H_RUN:
        mem[T_TRIGGER] = 80.0        # trigger = 80;
        mem[M_CUSTOM] = 1.0          # addCustomEvent(new Condition("triggerhit") {...});
        return RET
    # onCustomEvent(e): "triggerhit"
    if pc == 0:
        mem[T_TRIGGER] -= 20.0       # trigger -= 20;
        return turn_left(mem, f, st, cmd, 65.0, 1.0)
    if pc == 1:
        return ahead(mem, f, st, cmd, 100.0, 2.0)
    return RET


# Walls: boolean peek; double moveAmount
W_PEEK, W_MOVE = fields(M_FIELD, "peek", "move")


@njit(**NB)
def walls(mem, f, st, cmd):
    kind = int(mem[f + F_TYPE])
    pc = int(mem[f + F_PC])
    if kind == H_RUN:
        if pc == 0:
            mem[W_MOVE] = max(st[ST_WIDTH], st[ST_HEIGHT])   # moveAmount = max(width, height)
            mem[W_PEEK] = 0.0
            return turn_left(mem, f, st, cmd, np.fmod(get_heading(st), 90.0), 1.0)   # turnLeft(getHeading() % 90)
        if pc == 1:
            return ahead(mem, f, st, cmd, mem[W_MOVE], 2.0)
        if pc == 2:
            mem[W_PEEK] = 1.0
            return turn_gun_right(mem, f, cmd, 90.0, 3.0)
        if pc == 3:
            return turn_right(mem, f, st, cmd, 90.0, 4.0)
        if pc == 4:                  # while (true) {
            mem[W_PEEK] = 1.0
            return ahead(mem, f, st, cmd, mem[W_MOVE], 5.0)
        mem[W_PEEK] = 0.0            # pc 5
        return turn_right(mem, f, st, cmd, 90.0, 4.0)
    if kind == EV_HIT_ROBOT:
        if pc == 0:
            b = ev_bearing_deg(mem, f, HR_BEARING)
            if b > -90.0 and b < 90.0:
                return back(mem, f, st, cmd, 100.0, 1.0)
            return ahead(mem, f, st, cmd, 100.0, 1.0)
        return RET
    # onScannedRobot
    if pc == 0:
        return fire(mem, f, st, cmd, 2.0, 1.0)
    if pc == 1:
        if mem[W_PEEK] != 0.0:
            return scan(mem, f, cmd, 2.0)
    return RET


@njit(**NB)
def spin_bot(mem, f, st, cmd):
    kind = int(mem[f + F_TYPE])
    pc = int(mem[f + F_PC])
    if kind == H_RUN:
        set_turn_body(st, cmd, to_radians(10000.0))   # setTurnRight(10000);
        set_max_velocity(cmd, 5.0)                    # setMaxVelocity(5);
        return ahead(mem, f, st, cmd, 10000.0, 0.0)   # ahead(10000);
    if kind == EV_SCANNED:
        if pc == 0:
            return fire(mem, f, st, cmd, 3.0, 1.0)
        return RET
    # onHitRobot
    if pc == 0:
        b = ev_bearing_deg(mem, f, HR_BEARING)
        if b > -10.0 and b < 10.0:
            return fire(mem, f, st, cmd, 3.0, 1.0)
        pc = 1
    if pc == 1:
        if ev_get(mem, f, HR_FAULT) != 0.0:
            return turn_right(mem, f, st, cmd, 10.0, 2.0)
    return RET


# Crazy: boolean movingForward
C_FORWARD = M_FIELD


@njit(**NB)
def _crazy_reverse(mem, st, cmd):
    if mem[C_FORWARD] != 0.0:
        set_ahead(st, cmd, -40000.0)   # setBack(40000)
        mem[C_FORWARD] = 0.0
    else:
        set_ahead(st, cmd, 40000.0)
        mem[C_FORWARD] = 1.0


@njit(**NB)
def crazy(mem, f, st, cmd):
    kind = int(mem[f + F_TYPE])
    pc = int(mem[f + F_PC])
    if kind == H_RUN:
        if pc == 0:
            set_ahead(st, cmd, 40000.0)
            mem[C_FORWARD] = 1.0
            set_turn_body(st, cmd, to_radians(90.0))            # setTurnRight(90)
            return wait_for_turn_complete(mem, f, 1.0)
        if pc == 1:
            set_turn_body(st, cmd, -to_radians(180.0))          # setTurnLeft(180)
            return wait_for_turn_complete(mem, f, 2.0)
        set_turn_body(st, cmd, to_radians(180.0))               # setTurnRight(180)
        return wait_for_turn_complete(mem, f, 0.0)
    if kind == EV_HIT_WALL:
        _crazy_reverse(mem, st, cmd)
        return RET
    if kind == EV_SCANNED:
        if pc == 0:
            return fire(mem, f, st, cmd, 1.0, 1.0)
        return RET
    # onHitRobot
    if ev_get(mem, f, HR_FAULT) != 0.0:
        _crazy_reverse(mem, st, cmd)
    return RET


# Fire: int dist = 50
FI_DIST = M_FIELD


@njit(**NB)
def fire_bot(mem, f, st, cmd):
    kind = int(mem[f + F_TYPE])
    pc = int(mem[f + F_PC])
    if kind == H_RUN:
        return turn_gun_right(mem, f, cmd, 5.0, 0.0)
    if kind == EV_SCANNED:
        if pc == 0:
            if ev_get(mem, f, EA_DISTANCE) < 50.0 and st[ST_ENERGY] > 50.0:
                return fire(mem, f, st, cmd, 3.0, 1.0)
            return fire(mem, f, st, cmd, 1.0, 1.0)
        if pc == 1:
            return scan(mem, f, cmd, 2.0)
        return RET
    if kind == EV_HIT_BY_BULLET:
        if pc == 0:
            # turnRight(normalRelativeAngleDegrees(90 - (getHeading() - e.getHeading())));
            a = normal_relative_angle_degrees(90.0 - (get_heading(st) - to_degrees(ev_get(mem, f, HB_HEADING))))
            return turn_right(mem, f, st, cmd, a, 1.0)
        if pc == 1:
            return ahead(mem, f, st, cmd, mem[FI_DIST], 2.0)
        if pc == 2:
            mem[FI_DIST] = -mem[FI_DIST]
            return scan(mem, f, cmd, 3.0)
        return RET
    # onHitRobot
    if pc == 0:
        a = normal_relative_angle_degrees(ev_bearing_deg(mem, f, HR_BEARING) + get_heading(st) - get_gun_heading(st))
        return turn_gun_right(mem, f, cmd, a, 1.0)
    if pc == 1:
        return fire(mem, f, st, cmd, 3.0, 2.0)
    return RET


# Tracker: int count; double gunTurnAmt; String trackName (robot index, -1 = null)
TR_COUNT, TR_GUN, TR_NAME = fields(M_FIELD, "count", "gun_turn", "target_name")


@njit(**NB)
def tracker(mem, f, st, cmd):
    kind = int(mem[f + F_TYPE])
    pc = int(mem[f + F_PC])
    if kind == H_RUN:
        while True:
            if pc == 0:
                mem[TR_NAME] = -1.0
                set_adjust_gun_for_robot_turn(cmd, np.bool_(True))
                mem[TR_GUN] = 10.0
                pc = 1
            if pc == 1:
                return turn_gun_right(mem, f, cmd, mem[TR_GUN], 2.0)
            # pc 2
            mem[TR_COUNT] += 1.0
            if mem[TR_COUNT] > 2.0:
                mem[TR_GUN] = -10.0
            if mem[TR_COUNT] > 5.0:
                mem[TR_GUN] = 10.0
            if mem[TR_COUNT] > 11.0:
                mem[TR_NAME] = -1.0
            pc = 1
    if kind == EV_SCANNED:
        d = ev_get(mem, f, EA_DISTANCE)
        b = ev_bearing_deg(mem, f, EA_BEARING)
        if pc == 0:
            name = ev_get(mem, f, EA_OTHER)
            if mem[TR_NAME] >= 0.0 and name != mem[TR_NAME]:
                return RET
            if mem[TR_NAME] < 0.0:
                mem[TR_NAME] = name
            mem[TR_COUNT] = 0.0
            mem[TR_GUN] = normal_relative_angle_degrees(b + (get_heading(st) - get_radar_heading(st)))
            if d > 150.0:
                return turn_gun_right(mem, f, cmd, mem[TR_GUN], 1.0)
            return turn_gun_right(mem, f, cmd, mem[TR_GUN], 3.0)
        if pc == 1:
            return turn_right(mem, f, st, cmd, b, 2.0)
        if pc == 2:
            return ahead(mem, f, st, cmd, d - 140.0, 9.0)
        if pc == 3:
            return fire(mem, f, st, cmd, 3.0, 4.0)
        if pc == 4:
            if d < 100.0:
                if b > -90.0 and b <= 90.0:
                    return back(mem, f, st, cmd, 40.0, 5.0)
                return ahead(mem, f, st, cmd, 40.0, 5.0)
            pc = 5
        if pc == 5:
            return scan(mem, f, cmd, 9.0)
        return RET
    if kind == EV_HIT_ROBOT:
        if pc == 0:
            mem[TR_NAME] = ev_get(mem, f, E_A)
            mem[TR_GUN] = normal_relative_angle_degrees(ev_bearing_deg(mem, f, HR_BEARING) +
                                                        (get_heading(st) - get_radar_heading(st)))
            return turn_gun_right(mem, f, cmd, mem[TR_GUN], 1.0)
        if pc == 1:
            return fire(mem, f, st, cmd, 3.0, 2.0)
        if pc == 2:
            return back(mem, f, st, cmd, 50.0, 3.0)
        return RET
    # onWin: for (int i = 0; i < 50; i++) { turnRight(30); turnLeft(30); }
    i = F_L
    while True:
        if pc == 0:
            mem[f + i] = 0.0
            pc = 1
        if pc == 1:
            if mem[f + i] < 50.0:
                return turn_right(mem, f, st, cmd, 30.0, 2.0)
            return RET
        if pc == 2:
            return turn_left(mem, f, st, cmd, 30.0, 3.0)
        mem[f + i] += 1.0   # pc 3
        pc = 1


# TrackFire (no fields)
@njit(**NB)
def track_fire(mem, f, st, cmd):
    kind = int(mem[f + F_TYPE])
    pc = int(mem[f + F_PC])
    if kind == H_RUN:
        return turn_gun_right(mem, f, cmd, 10.0, 0.0)
    if kind == EV_WIN:
        if pc == 0:
            return turn_right(mem, f, st, cmd, 36000.0, 1.0)
        return RET
    # onScannedRobot
    bfg = F_L   # local: bearingFromGun
    if pc == 0:
        absolute_bearing = get_heading(st) + ev_bearing_deg(mem, f, EA_BEARING)
        mem[f + bfg] = normal_relative_angle_degrees(absolute_bearing - get_gun_heading(st))
        if abs(mem[f + bfg]) <= 3.0:
            return turn_gun_right(mem, f, cmd, mem[f + bfg], 1.0)
        return turn_gun_right(mem, f, cmd, mem[f + bfg], 2.0)
    if pc == 1:
        if st[ST_HEAT] == 0.0:
            return fire(mem, f, st, cmd, min(3.0 - abs(mem[f + bfg]), st[ST_ENERGY] - 0.1), 2.0)
        pc = 2
    if pc == 2:
        if mem[f + bfg] == 0.0:
            return scan(mem, f, cmd, 3.0)
    return RET


# RamFire: int turnDirection = 1
RF_DIR = M_FIELD


@njit(**NB)
def ram_fire(mem, f, st, cmd):
    kind = int(mem[f + F_TYPE])
    pc = int(mem[f + F_PC])
    if kind == H_RUN:
        return turn_right(mem, f, st, cmd, 5.0 * mem[RF_DIR], 0.0)
    if kind == EV_SCANNED:
        b = ev_bearing_deg(mem, f, EA_BEARING)
        if pc == 0:
            mem[RF_DIR] = 1.0 if b >= 0.0 else -1.0
            return turn_right(mem, f, st, cmd, b, 1.0)
        if pc == 1:
            return ahead(mem, f, st, cmd, ev_get(mem, f, EA_DISTANCE) + 5.0, 2.0)
        if pc == 2:
            return scan(mem, f, cmd, 3.0)
        return RET
    # onHitRobot
    if pc == 0:
        b = ev_bearing_deg(mem, f, HR_BEARING)
        mem[RF_DIR] = 1.0 if b >= 0.0 else -1.0
        return turn_right(mem, f, st, cmd, b, 1.0)
    if pc == 1:
        e = ev_get(mem, f, HR_ENERGY)
        if e > 16.0:
            return fire(mem, f, st, cmd, 3.0, 2.0)
        if e > 10.0:
            return fire(mem, f, st, cmd, 2.0, 2.0)
        if e > 4.0:
            return fire(mem, f, st, cmd, 1.0, 2.0)
        if e > 2.0:
            return fire(mem, f, st, cmd, 0.5, 2.0)
        if e > 0.4:
            return fire(mem, f, st, cmd, 0.1, 2.0)
        pc = 2
    if pc == 2:
        return ahead(mem, f, st, cmd, 40.0, 3.0)
    return RET


# VelociRobot: int turnCounter; RateControlRobot's velocityRate, turnRate, gunRotationRate, radarRotationRate
V_COUNT, V_VEL, V_TURN, V_GUN, V_RADAR = fields(M_FIELD, "count", "velocity", "turn", "gun", "radar")


@njit(**NB)
def veloci_robot(mem, f, st, cmd):
    kind = int(mem[f + F_TYPE])
    pc = int(mem[f + F_PC])
    if kind == H_RUN:
        if pc == 0:
            mem[V_COUNT] = 0.0
            mem[V_GUN] = to_radians(15.0)          # setGunRotationRate(15)
        c = int(mem[V_COUNT]) % 64
        if c == 0:
            mem[V_TURN] = to_radians(0.0)          # setTurnRate(0)
            mem[V_VEL] = 4.0                       # setVelocityRate(4)
        if c == 32:
            mem[V_VEL] = -6.0
        mem[V_COUNT] += 1.0
        # RateControlRobot.execute()
        set_max_velocity(cmd, mem[V_VEL])
        if mem[V_VEL] > 0.0:
            set_ahead(st, cmd, math.inf)
        elif mem[V_VEL] < 0.0:
            set_ahead(st, cmd, -math.inf)          # setBack(POSITIVE_INFINITY)
        else:
            set_ahead(st, cmd, 0.0)
        set_turn_gun(cmd, mem[V_GUN])
        set_turn_radar(cmd, mem[V_RADAR])
        set_turn_body(st, cmd, mem[V_TURN])
        return execute(mem, f, 1.0)
    if kind == EV_SCANNED:
        if pc == 0:
            return fire(mem, f, st, cmd, 1.0, 1.0)
        return RET
    if kind == EV_HIT_BY_BULLET:
        mem[V_TURN] = to_radians(5.0)              # setTurnRate(5)
        return RET
    # onHitWall: setVelocityRate(-1 * getVelocityRate())
    mem[V_VEL] = -1.0 * mem[V_VEL]
    return RET


# Corners: int others; boolean stopWhenSeeRobot; static int corner
CO_OTHERS, CO_STOP_WHEN_SEE = fields(M_FIELD, "others", "stop_when_see_robot")
# static int corner = 0, then bookkeeping for an engine that does not deliver DeathEvent (see sample_round_start)
CO_CORNER, CO_LAST_OTHERS, CO_LAST_ROUND, CO_DEATH_SEEN = fields(M_STATIC, "corner", "last_others", "last_round",
                                                                 "death_seen")


@njit(**NB)
def _corners_smart_fire(mem, f, st, cmd, robot_distance, next_pc):
    if robot_distance > 200.0 or st[ST_ENERGY] < 15.0:
        return fire(mem, f, st, cmd, 1.0, next_pc)
    if robot_distance > 50.0:
        return fire(mem, f, st, cmd, 2.0, next_pc)
    return fire(mem, f, st, cmd, 3.0, next_pc)


@njit(**NB)
def _corners_on_death(mem, others_now):
    others = mem[CO_OTHERS]
    if others == 0.0:
        return
    if (others - others_now) / others < 0.75:
        mem[CO_CORNER] += 90.0
        if mem[CO_CORNER] == 270.0:
            mem[CO_CORNER] = -90.0


@njit(**NB)
def corners(mem, f, st, cmd):
    kind = int(mem[f + F_TYPE])
    pc = int(mem[f + F_PC])
    if kind == H_RUN:
        gun_increment = f + F_L
        i = f + F_L + 1
        while True:
            if pc == 0:
                mem[CO_OTHERS] = st[ST_OTHERS]
                # goCorner()
                mem[CO_STOP_WHEN_SEE] = 0.0
                return turn_right(mem, f, st, cmd, normal_relative_angle_degrees(mem[CO_CORNER] - get_heading(st)), 1.0)
            if pc == 1:
                mem[CO_STOP_WHEN_SEE] = 1.0
                return ahead(mem, f, st, cmd, 5000.0, 2.0)
            if pc == 2:
                return turn_left(mem, f, st, cmd, 90.0, 3.0)
            if pc == 3:
                return ahead(mem, f, st, cmd, 5000.0, 4.0)
            if pc == 4:
                return turn_gun_left(mem, f, cmd, 90.0, 5.0)
            if pc == 5:
                mem[gun_increment] = 3.0
                pc = 6
            if pc == 6:                      # while (true) { for (int i = 0; ...
                mem[i] = 0.0
                pc = 7
            if pc == 7:
                if mem[i] < 30.0:
                    return turn_gun_left(mem, f, cmd, mem[gun_increment], 8.0)
                mem[gun_increment] = -mem[gun_increment]
                pc = 6
                continue
            mem[i] += 1.0                    # pc 8
            pc = 7
    if kind == EV_DEATH:
        mem[CO_DEATH_SEEN] = 1.0
        _corners_on_death(mem, st[ST_OTHERS])
        return RET
    # onScannedRobot
    d = ev_get(mem, f, EA_DISTANCE)
    if pc == 0:
        if mem[CO_STOP_WHEN_SEE] != 0.0:
            return stop(mem, f, cmd, np.bool_(False), 1.0)
        return _corners_smart_fire(mem, f, st, cmd, d, 9.0)
    if pc == 1:
        return _corners_smart_fire(mem, f, st, cmd, d, 2.0)
    if pc == 2:
        return scan(mem, f, cmd, 3.0)
    if pc == 3:
        return resume(mem, f, cmd, 4.0)
    return RET


# --- dispatch ----------------------------------------------------------------------------

@njit(**NB)
def _step(which, mem, f, st, cmd):
    if which == SITTING_DUCK:
        return sitting_duck(mem, f, st, cmd)
    if which == TARGET:
        return target(mem, f, st, cmd)
    if which == WALLS:
        return walls(mem, f, st, cmd)
    if which == SPIN_BOT:
        return spin_bot(mem, f, st, cmd)
    if which == CRAZY:
        return crazy(mem, f, st, cmd)
    if which == FIRE:
        return fire_bot(mem, f, st, cmd)
    if which == TRACKER:
        return tracker(mem, f, st, cmd)
    if which == TRACK_FIRE:
        return track_fire(mem, f, st, cmd)
    if which == RAM_FIRE:
        return ram_fire(mem, f, st, cmd)
    if which == VELOCI_ROBOT:
        return veloci_robot(mem, f, st, cmd)
    if which == CORNERS:
        return corners(mem, f, st, cmd)
    return RET


@njit(**NB)
def _init_fields(which, mem):
    """Java field initialisers (a new robot instance every round)."""
    if which == FIRE:
        mem[FI_DIST] = 50.0
    elif which == TRACKER:
        mem[TR_NAME] = -1.0
    elif which == RAM_FIRE:
        mem[RF_DIR] = 1.0


@njit(**NB)
def sample_round_start(which, params, mem, rng, st, cmd):
    if which == CORNERS:
        # onDeath needs the robot to be woken once more in the turn it dies. If the engine did not
        # deliver the DeathEvent last round, replay onDeath from what the robot saw last: it died
        # while `others` robots were still alive (exact unless others died in the same turn).
        if st[ST_ROUND] > 0 and mem[CO_DEATH_SEEN] == 0.0 and mem[CO_LAST_OTHERS] > 0.0:
            _corners_on_death(mem, mem[CO_LAST_OTHERS])
        mem[CO_DEATH_SEEN] = 0.0
        mem[CO_LAST_OTHERS] = 0.0
    vm_round_start(mem)
    _init_fields(which, mem)


@njit(**NB)
def sample_think(which, mem, st, cmd, ev, nev):
    """One return from execute(): queue the turn's events, dispatch them, run the robot's code
    until its next execute(). (No params or rng: the samples have none, and every array argument
    is a 7-word struct to pass on each call.)"""
    # the engine lends these (sim.engine.geometry.borrowed); marking them so here lets LLVM drop the null
    # refcount calls the inlined VM helpers would otherwise make on every turn
    mem, st, cmd, ev = borrowed(mem), borrowed(st), borrowed(cmd), borrowed(ev)
    if mem[M_DEAD] != 0.0:
        return
    if which == CORNERS:
        mem[CO_LAST_OTHERS] = st[ST_OTHERS]
    custom = which == TARGET and mem[M_CUSTOM] != 0.0 and st[ST_ENERGY] <= mem[T_TRIGGER]  # "triggerhit"
    dying = False
    if nev == 0 and mem[M_QN] == 0.0 and not custom and mem[top_frame(mem) + F_PRIO] < PRIO_STATUS:
        # the usual turn: the StatusEvent is the only event, and processEvents dispatches it at once to
        # Robot's empty onStatus (what vm_queue_events + q_sort + vm_next would do, without the queue)
        vm_status_only(mem, st)
    else:
        dying = vm_queue_events(mem, st, ev, nev)
        if custom:
            vm_add_custom_event(mem, st)
        q_sort(mem)
    handled = HANDLED[which]
    while True:
        f = vm_next(mem, cmd, handled)
        if f < 0:
            break
        if _step(which, mem, f, st, cmd) == EXEC:
            break
        if vm_return(mem):
            break
    before_execute(mem, cmd)
    if dying:
        f = vm_die(mem, handled)
        if f >= 0:
            _step(which, mem, f, st, cmd)
