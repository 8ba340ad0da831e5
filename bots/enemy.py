"""The enemy record every composite part reads.

The enemy record lives in the first slots of a composite bot's memory
(``mem[M.enemy:M.tele]``, bots/layout.py): the last scan turned into absolute
terms (position from our own position + bearing/distance), the enemy's turn
rate and acceleration from successive scans, and its energy drop, corrected
for the energy changes we can explain (our hits, its hits on us, rams, wall
hits), so that a drop of 0.1..3 means "it just fired a bullet of that power".
Only what a Robocode AdvancedRobot sees goes in: scan events and our own status.
"""
import math

import numpy as np
from numba import njit

from bots.part import layout

from sim.engine.constants import (ST_X, ST_Y, ST_HEADING, ST_TIME, E_TYPE, E_A,
                           EV_SCANNED, EV_BULLET_HIT, EV_HIT_BY_BULLET, EV_HIT_ROBOT, EV_ROBOT_DEATH,
                           EA_OTHER, EA_ENERGY, EA_BEARING, EA_DISTANCE, EA_HEADING, EA_VELOCITY,
                           MAX_TURN_RATE_RADIANS, START_ENERGY)
from sim.engine.geometry import normal_relative_angle, normal_absolute_angle
from sim.engine.physics import bullet_damage  # noqa: F401  (re-exported for the parts)

NB = dict(cache=True, error_model="numpy")

# --- the enemy record: en = mem[M.enemy:M.tele] (bots/layout.py), en[EN_*] ----------------------------
EN = layout(
    "EnemyRecord",
    time=1,         # turn of the last scan, -1 before the first scan of a round
    x=1, y=1,       # position at that scan (own position + bearing/distance)
    heading=1,      # absolute heading (radians, Robocode convention)
    vel=1,          # velocity (signed, as scanned)
    energy=1,
    dist=1,
    bearing=1,      # bearing relative to our heading at the scan
    abs_bearing=1,  # absolute bearing from us at the scan
    turn_rate=1,    # heading change per turn between the last two scans (clipped to the body's limit)
    drop=1,         # power of the last detected shot (explained energy changes removed)
    drop_time=1,    # turn that shot was detected (its bullet left in that turn), -1 = none yet
    prev_time=1,    # turn of the scan before the last one, -1 = none
    accel=1,        # change of |velocity| per turn between the last two scans
    lat_dir=1,      # +1 clockwise around us, -1 anticlockwise (kept when lateral velocity is 0)
    other=1,        # robot index of the tracked enemy, -1 = none
    adj=1,          # energy change of the enemy explained by events since the last scan
    scans=1,        # scans this round
    shots=1,        # shots detected this round
    alive=1,        # 0 after its RobotDeath event
    drop_sum=1,     # sum of detected shot powers this round (mean enemy bullet power)
)
(EN_TIME, EN_X, EN_Y, EN_HEADING, EN_VEL, EN_ENERGY, EN_DIST, EN_BEARING, EN_ABS_BEARING, EN_TURN_RATE, EN_DROP,
 EN_DROP_TIME, EN_PREV_TIME, EN_ACCEL, EN_LAT_DIR, EN_OTHER, EN_ADJ, EN_SCANS, EN_SHOTS, EN_ALIVE,
 EN_DROP_SUM) = EN[:-1]
N_EN = EN.size

@njit(**NB)
def enemy_round_start(en):
    """Nothing is known about the enemy at the start of a round."""
    for k in range(en.shape[0]):
        en[k] = 0.0
    en[EN_TIME] = -1.0
    en[EN_PREV_TIME] = -1.0
    en[EN_DROP_TIME] = -1.0
    en[EN_OTHER] = -1.0
    en[EN_ENERGY] = START_ENERGY
    en[EN_LAT_DIR] = 1.0
    en[EN_ALIVE] = 1.0


@njit(**NB)
def enemy_update(en, st, ev, nev):
    """Fold this turn's events into the record: energy explanations first, then the scan.

    Bullets are resolved before robots move and scan, so a hit of this turn is
    already in the energy the scan reports; processing it first keeps the
    energy-drop (= enemy fired) detection exact.
    """
    hit_robot = np.bool_(False)   # typed: sim/engine/constants.I64 says why
    for k in range(nev):
        typ = int(ev[k, E_TYPE])
        if typ == EV_BULLET_HIT:
            if en[EN_OTHER] < 0.0 or ev[k, E_A] == en[EN_OTHER]:
                en[EN_ADJ] += bullet_damage(ev[k, E_A + 5])
        elif typ == EV_HIT_BY_BULLET:
            if en[EN_OTHER] < 0.0 or ev[k, E_A + 5] == en[EN_OTHER]:
                en[EN_ADJ] -= 3.0 * ev[k, E_A + 2]
        elif typ == EV_HIT_ROBOT:
            en[EN_ADJ] += 0.6
            hit_robot = True
        elif typ == EV_ROBOT_DEATH:
            if ev[k, E_A] == en[EN_OTHER]:
                en[EN_ALIVE] = 0.0
    for k in range(nev):
        if int(ev[k, E_TYPE]) == EV_SCANNED:
            _scan(en, st, ev, k, hit_robot)


@njit(**NB)
def _scan(en, st, ev, k, hit_robot):
    t = st[ST_TIME]
    other = ev[k, EA_OTHER]
    dist = ev[k, EA_DISTANCE]
    if en[EN_OTHER] >= 0.0 and other != en[EN_OTHER]:
        # several enemies (melee): keep the tracked one unless this one is closer or ours is stale
        if en[EN_TIME] >= 0.0 and t - en[EN_TIME] < 8.0 and dist >= en[EN_DIST]:
            return
        en[EN_TIME] = -1.0
        en[EN_ADJ] = 0.0
    energy = ev[k, EA_ENERGY]
    heading = ev[k, EA_HEADING]
    vel = ev[k, EA_VELOCITY]
    bearing = ev[k, EA_BEARING]
    ab = normal_absolute_angle(st[ST_HEADING] + bearing)
    if en[EN_TIME] >= 0.0 and t > en[EN_TIME]:
        dt = t - en[EN_TIME]
        limit = MAX_TURN_RATE_RADIANS
        w = normal_relative_angle(heading - en[EN_HEADING]) / dt
        en[EN_TURN_RATE] = max(-limit, min(limit, w))
        en[EN_ACCEL] = (abs(vel) - abs(en[EN_VEL])) / dt
        drop = en[EN_ENERGY] - energy - en[EN_ADJ]
        if dt == 1.0 and vel == 0.0 and abs(en[EN_VEL]) > 2.0 and not hit_robot:
            # it stopped faster than braking allows: it hit a wall and paid max(|v|/2 - 1, 0)
            drop -= max(abs(en[EN_VEL]) / 2.0 - 1.0, 0.0)
        if drop >= 0.0999 and drop <= 3.0001:
            en[EN_DROP] = drop
            en[EN_DROP_TIME] = t
            en[EN_SHOTS] += 1.0
            en[EN_DROP_SUM] += drop
    elif en[EN_TIME] < 0.0:
        en[EN_TURN_RATE] = 0.0
        en[EN_ACCEL] = 0.0
    en[EN_ADJ] = 0.0
    lat = vel * math.sin(heading - ab)
    if lat > 0.0:
        en[EN_LAT_DIR] = 1.0
    elif lat < 0.0:
        en[EN_LAT_DIR] = -1.0
    en[EN_PREV_TIME] = en[EN_TIME]
    en[EN_TIME] = t
    en[EN_X] = st[ST_X] + dist * math.sin(ab)
    en[EN_Y] = st[ST_Y] + dist * math.cos(ab)
    en[EN_HEADING] = heading
    en[EN_VEL] = vel
    en[EN_ENERGY] = energy
    en[EN_DIST] = dist
    en[EN_BEARING] = bearing
    en[EN_ABS_BEARING] = ab
    en[EN_OTHER] = other
    en[EN_SCANS] += 1.0
    en[EN_ALIVE] = 1.0
