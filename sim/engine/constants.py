"""Robocode 1.9 constants and the column layout of the engine's state arrays.

The engine keeps its state in plain float64 arrays (one row per robot / bullet)
so that every compiled kernel takes and returns arrays. Module-level ints are
compile-time constants inside numba, so ``rob[i, R_X]`` costs nothing.
"""
import math

import numpy as np

# --- Rules (robocode.Rules) -------------------------------------------------
ACCELERATION = 1.0
DECELERATION = 2.0
MAX_VELOCITY = 8.0
ROBOT_SIZE = 36.0
HALF_ROBOT = 18.0
RADAR_SCAN_RADIUS = 1200.0
MIN_BULLET_POWER = 0.1
MAX_BULLET_POWER = 3.0
ROBOT_HIT_DAMAGE = 0.6
ROBOT_HIT_BONUS = 1.2
START_GUN_HEAT = 3.0
START_ENERGY = 100.0
NEAR_DELTA = 1e-5
BULLET_RADIUS = 3.0
BULLET_EXPLOSION_LENGTH = 17
ROBOT_EXPLOSION_LENGTH = 71
TURNS_DISPLAYED_AFTER_ENDING = 30
# Math.toRadians in Java 9+ multiplies by this constant, as Python's math.radians does.
DEG = math.pi / 180.0
MAX_TURN_RATE_RADIANS = 10.0 * DEG
GUN_TURN_RATE_RADIANS = 20.0 * DEG
RADAR_TURN_RATE_RADIANS = 45.0 * DEG
DOUBLE_MAX = 1.7976931348623157e308

# --- battle rules vector (rules[...]) --------------------------------------
RU_WIDTH, RU_HEIGHT, RU_COOLING, RU_INACTIVITY, RU_ROUNDS, RU_MAX_TURNS = range(6)
N_RULES = 6

# --- robot state rob[i, ...] -------------------------------------------------
(R_X, R_Y, R_HEADING, R_GUN, R_RADAR, R_VEL, R_ENERGY, R_HEAT, R_ALIVE, R_OVERDRIVE,
 R_IN_COLLISION, R_LAST_HEADING, R_LAST_GUN, R_LAST_RADAR, R_SCAN, R_RADAR_WITH_GUN,
 R_WINNER, R_HALT, R_BULLET_SEQ, R_STATE, R_ADVANCED, R_SHOTS, R_HITS) = range(23)
N_ROB = 23
# R_STATE values (robocode.control.snapshot.RobotState)
RS_ACTIVE, RS_HIT_WALL, RS_HIT_ROBOT, RS_DEAD = 0, 1, 2, 3

# --- robot commands cmd[i, ...] (net.sf.robocode.peer.ExecCommands) --------
(C_DIST, C_BODY, C_GUN, C_RADAR, C_MAX_VEL, C_MAX_TURN, C_ADJ_GUN, C_ADJ_RADAR_GUN,
 C_ADJ_RADAR_BODY, C_ADJ_RADAR_BODY_SET, C_FIRE, C_FIRE_ASSIST, C_FIRE_ASSIST_ANGLE,
 C_SCAN) = range(14)
N_CMD = 14

# --- what a robot sees of itself (RobotStatus), st[...] ---------------------
(ST_X, ST_Y, ST_HEADING, ST_GUN, ST_RADAR, ST_VEL, ST_ENERGY, ST_HEAT, ST_TIME, ST_OTHERS,
 ST_ROUND, ST_NUM_ROUNDS, ST_WIDTH, ST_HEIGHT, ST_COOLING, ST_ADVANCED) = range(16)
N_ST = 16

# --- bullets bul[k, ...] ---------------------------------------------------
(B_X, B_Y, B_LAST_X, B_LAST_Y, B_HEADING, B_POWER, B_OWNER, B_VICTIM, B_STATE, B_FRAME,
 B_ID, B_LINE_X1, B_LINE_Y1, B_LINE_X2, B_LINE_Y2, B_DX, B_DY, B_FIRE_TIME) = range(18)
N_BUL = 18
# B_STATE values (robocode.control.snapshot.BulletState), plus FREE for an unused slot
BS_FIRED, BS_MOVING, BS_HIT_VICTIM, BS_HIT_BULLET, BS_HIT_WALL, BS_EXPLODED, BS_INACTIVE = range(7)
BS_FREE = -1
BULLET_STATE_NAMES = ("FIRED", "MOVING", "HIT_VICTIM", "HIT_BULLET", "HIT_WALL", "EXPLODED", "INACTIVE")

# --- events ev[i, k, ...] ----------------------------------------------------
E_TYPE, E_TIME, E_PRIORITY = 0, 1, 2
E_A = 3  # first payload column; payload meaning per type below
N_EV = 12
MAX_EVENTS = 32
(EV_NONE, EV_SCANNED, EV_HIT_BY_BULLET, EV_BULLET_HIT, EV_BULLET_MISSED, EV_BULLET_HIT_BULLET,
 EV_HIT_WALL, EV_HIT_ROBOT, EV_ROBOT_DEATH, EV_DEATH, EV_WIN, EV_ROUND_ENDED) = range(12)
EVENT_NAMES = ("None", "ScannedRobot", "HitByBullet", "BulletHit", "BulletMissed", "BulletHitBullet",
               "HitWall", "HitRobot", "RobotDeath", "Death", "Win", "RoundEnded")
# Robocode's default priorities (higher is dispatched first at equal time)
EVENT_PRIORITY = (0, 10, 20, 50, 60, 55, 30, 40, 70, -1, 100, 110)
# payload columns
# ScannedRobot:    other, energy, bearing, distance, heading, velocity
# HitByBullet:     bearing, bullet heading, power, bullet x, bullet y, owner, bullet id
# BulletHit:       victim, victim energy, bullet heading, bullet x, bullet y, power, bullet id
# BulletMissed:    bullet id, bullet x, bullet y, heading, power
# BulletHitBullet: my bullet id, other heading, other x, other y, other power, other owner, my x, my y
# HitWall:         bearing
# HitRobot:        other, bearing, other energy, at fault (1/0)
# RobotDeath:      other
EA_OTHER, EA_ENERGY, EA_BEARING, EA_DISTANCE, EA_HEADING, EA_VELOCITY = 3, 4, 5, 6, 7, 8

# --- scores sc[i, ...] (net.sf.robocode.battle.peer.RobotStatistics) --------
(S_SURVIVAL, S_LAST_SURVIVOR, S_BULLET_DMG, S_BULLET_KILL, S_RAM_DMG, S_RAM_KILL,
 S_FIRSTS, S_SECONDS, S_THIRDS) = range(9)
N_SCORE = 9

# --- battle scalars bat[...] --------------------------------------------------
# BT_PAUSED: 1 when play_rounds_nb stopped at a turn boundary inside round BT_NEXT_ROUND (it resumes there);
# BT_NEXT_ROUND: the round the next call starts or resumes
(BT_TIME, BT_END_TIMER, BT_INACTIVE_TURNS, BT_INACTIVITY_ENERGY, BT_N_BULLETS, BT_ROUND,
 BT_TOTAL_TURNS, BT_N_DEATHS, BT_OVERFLOW, BT_PAUSED, BT_NEXT_ROUND) = range(11)
N_BAT = 11

MAX_BULLETS = 512


# Typed constants for calls between compiled functions. numba types a bare constant argument (0, -1, True,
# a module-level int such as a layout offset) as a literal and compiles a separate copy of the callee, and
# of everything it calls, for each literal value it meets -- during type inference even for the first
# value of a variable that later takes others. Passing I64(0), np.bool_(True) or a constant defined as
# I64(...) compiles one copy: this cut the surfer's cold compile by a third (docs/architecture.md,
# "Compile time"; tests/test_tiers.py checks that the compiled tiers hold no literal copies).
I64 = np.int64
