"""Radars, and the enemy record every composite part reads.

The enemy record lives in the first slots of a composite bot's memory
(``mem[layout.M_ENEMY:layout.M_ENEMY_END]``): the last scan turned into absolute
terms (position from our own position + bearing/distance), the enemy's turn
rate and acceleration from successive scans, and its energy drop, corrected
for the energy changes we can explain (our hits, its hits on us, rams, wall
hits), so that a drop of 0.1..3 means "it just fired a bullet of that power".
Only what a Robocode AdvancedRobot sees goes in: scan events and our own status.
"""
import math

from numba import njit

from sim.engine.constants import (ST_X, ST_Y, ST_HEADING, ST_RADAR, ST_TIME, ST_WIDTH, ST_HEIGHT, E_TYPE, E_A,
                           EV_SCANNED, EV_BULLET_HIT, EV_HIT_BY_BULLET, EV_HIT_ROBOT, EV_ROBOT_DEATH,
                           EA_OTHER, EA_ENERGY, EA_BEARING, EA_DISTANCE, EA_HEADING, EA_VELOCITY,
                           MAX_TURN_RATE_RADIANS, HALF_ROBOT, START_ENERGY)
from sim.engine.geometry import normal_relative_angle, normal_absolute_angle
from .api import set_turn_radar
from .parts import Component, Param

NB = dict(cache=True, error_model="numpy")

# --- the enemy record: en = mem[M_ENEMY:M_PARTS], en[EN_*] --------------------------------
# (first N_M_ENEMY = 16 slots: what the parts read; the next 16: the record's own bookkeeping)
(EN_TIME,        # turn of the last scan, -1 before the first scan of a round
 EN_X, EN_Y,     # position at that scan (own position + bearing/distance)
 EN_HEADING,     # absolute heading (radians, Robocode convention)
 EN_VEL,         # velocity (signed, as scanned)
 EN_ENERGY,
 EN_DIST,
 EN_BEARING,     # bearing relative to our heading at the scan
 EN_ABS_BEARING,  # absolute bearing from us at the scan
 EN_TURN_RATE,   # heading change per turn between the last two scans (clipped to the body's limit)
 EN_DROP,        # power of the last detected shot (explained energy changes removed)
 EN_DROP_TIME,   # turn that shot was detected (its bullet left in that turn), -1 = none yet
 EN_PREV_TIME,   # turn of the scan before the last one, -1 = none
 EN_ACCEL,       # change of |velocity| per turn between the last two scans
 EN_LAT_DIR,     # +1 clockwise around us, -1 anticlockwise (kept when lateral velocity is 0)
 EN_OTHER,       # robot index of the tracked enemy, -1 = none
 EN_ADJ,         # energy change of the enemy explained by events since the last scan
 EN_SCANS,       # scans this round
 EN_SHOTS,       # shots detected this round
 EN_ALIVE,       # 0 after its RobotDeath event
 EN_DROP_SUM,    # sum of detected shot powers this round (mean enemy bullet power)
 ) = range(21)
N_EN = 32

# --- radar part kinds -------------------------------------------------------------------
RADAR_LOCK, RADAR_SPIN = 0, 1
RADAR_MEM = 4
RM_SEARCH_DIR = 0   # direction to spin when searching (+1 clockwise, -1 anticlockwise)

RADARS = (
    Component("lock", "radar", RADAR_LOCK,
              "Infinite radar lock: turn the radar past the enemy's last position by max((factor - 1) x offset, "
              "extra), never less than its half-width; spins to search before first contact or when lost.",
              (Param("factor", 2.0, 1.0, 2.0, "radar turn / offset to the enemy (2 = the classic factor-2 lock)"),
               Param("extra", 0.0, 0.0, 200.0,
                     "least overshoot past the enemy's centre, pixels at its distance (factor=1,extra=36: a "
                     "narrow lock sweeping 36 px either side)"),
               Param("lost_after", 2.0, 1.0, 50.0, "turns without a scan before searching again"),
               Param("search", 0.0, -1.0, 1.0,
                     "search direction: 0 = towards the field centre, 1 = clockwise, -1 = anticlockwise")),
              RADAR_MEM),
    Component("spin", "radar", RADAR_SPIN,
              "Spins the radar at its full 45 degrees per turn, forever (a full sweep every 8 turns).",
              (Param("direction", 1.0, -1.0, 1.0, "1 = clockwise, -1 = anticlockwise, 0 = towards the field centre"),),
              RADAR_MEM),
)


@njit(**NB)
def bullet_damage(power):
    d = 4.0 * power
    if power > 1.0:
        d += 2.0 * (power - 1.0)
    return d


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
    hit_robot = False
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


# --- radars ---------------------------------------------------------------------------

@njit(**NB)
def radar_round_start(kind, p, m, st):
    """Pick the search direction: the way the field centre is nearer (the enemy is more likely there)."""
    d = p[3] if kind == RADAR_LOCK else p[0]
    if d == 0.0:
        off = normal_relative_angle(math.atan2(st[ST_WIDTH] / 2.0 - st[ST_X], st[ST_HEIGHT] / 2.0 - st[ST_Y]) -
                                    st[ST_RADAR])
        d = 1.0 if off >= 0.0 else -1.0
    m[RM_SEARCH_DIR] = 1.0 if d > 0.0 else -1.0


@njit(**NB)
def radar_lock(p, m, st, cmd, en):
    """Lock on the enemy's last known position; spin in the last seen direction when lost.

    The radar must move every turn to scan, so the turn is never smaller than the
    enemy's angular half-width: with a still robot and a still enemy a zero turn
    would stop scanning altogether.
    """
    factor = p[0]
    extra = p[1]
    lost_after = p[2]
    t = st[ST_TIME]
    if en[EN_TIME] < 0.0 or t - en[EN_TIME] > lost_after:
        set_turn_radar(cmd, m[RM_SEARCH_DIR] * math.inf)
        return
    dx = en[EN_X] - st[ST_X]
    dy = en[EN_Y] - st[ST_Y]
    dist = max(math.hypot(dx, dy), 1.0)
    off = normal_relative_angle(math.atan2(dx, dy) - st[ST_RADAR])
    sgn = 1.0 if off >= 0.0 else -1.0
    # overshoot past the enemy: (factor - 1)|offset| or the fixed extra, whichever is larger; with
    # factor <= 2 the sweep never grows (a fixed extra *added* to a factor-2 turn would diverge)
    turn = off + sgn * max((factor - 1.0) * abs(off), math.atan(extra / dist))
    width = math.atan(HALF_ROBOT / dist)
    if abs(turn) < width:
        turn = sgn * width
    set_turn_radar(cmd, turn)
    m[RM_SEARCH_DIR] = sgn


@njit(**NB)
def radar_spin(p, m, st, cmd, en):
    set_turn_radar(cmd, m[RM_SEARCH_DIR] * math.inf)
