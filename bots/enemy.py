"""The enemy record every composite part reads.

The enemy record lives in the first slots of a composite bot's memory
(``mem[M.enemy:M.tele]``, bots/layout.py): the last scan turned into absolute
terms (position from our own position + bearing/distance), the enemy's turn
rate and acceleration from successive scans, and its energy drop, corrected
for the energy changes we can explain (our hits, its hits on us, rams, wall
hits), so that a drop of 0.1..3 means "it just fired a bullet of that power".
Only what a Robocode AdvancedRobot sees goes in: scan events and our own status.

Energy changes of the enemy between two scans (docs/robocode-rules.md), and how each is explained:

* our bullet hit it: -(4p + 2 max(p - 1, 0))      BulletHitEvent (exact)
* its bullet hit us: +3p                          HitByBulletEvent (exact)
* a ram, either robot at fault: -0.6 each         one HitRobotEvent per collision (exact)
* bullets colliding: nothing
* it fired: -p                                    what is left, if 0.1..3
* it hit a wall: -max(|v'|/2 - 1, 0), AdvancedRobots only, with v' its velocity in the turn of the hit,
  which no scan shows (the scan after reads 0). The record sees the hit: velocity 0 with its position
  clamped at a wall (18 px from it, exactly). v' is bounded by Robocode's acceleration rules from the
  scan before (|v'| in [|v| - 2, |v| + 1], at most 8) and from below by the distance the robot
  travelled along its heading in that turn (the wall stops it on its heading line); the likely value
  is what the scans before showed it doing: |v| + 1 (capped at 8) when accelerating, |v| when holding
  its speed, |v| - 2 when braking. `wall_hit_damage_split` says how an energy drop inside that band is
  split between the wall and a bullet (docs/surf-report.md has the measurements).
"""
import math

from numba import njit

from bots.part import layout

from sim.engine.constants import (ST_X, ST_Y, ST_HEADING, ST_TIME, ST_WIDTH, ST_HEIGHT, ST_COOLING, E_TYPE, E_A,
                           EV_SCANNED, EV_BULLET_HIT, EV_HIT_BY_BULLET, EV_HIT_ROBOT, EV_ROBOT_DEATH,
                           EA_OTHER, EA_ENERGY, EA_BEARING, EA_DISTANCE, EA_HEADING, EA_VELOCITY,
                           MAX_TURN_RATE_RADIANS, MAX_VELOCITY, START_ENERGY, HALF_ROBOT, START_GUN_HEAT)
from sim.engine.geometry import normal_relative_angle, normal_absolute_angle
from sim.engine.physics import bullet_damage, clamp_power, wall_hit_damage, cool_turns, gun_heat

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
    next_fire=1,    # first turn its gun can be cool again (heat from the detected shots; 0 = not set yet)
    wall_hits=1,    # wall hits seen this round (velocity 0, position clamped at a wall)
    wall_dmg=1,     # wall damage taken off the drop at the last scan
    # battle-long (kept by enemy_round_start):
    no_wall_dmg=1,  # 1 once a wall hit cost it less than the slowest possible hit: a Robot (no wall damage)
    last_power=1,   # power of its last detected shot, 0 = none yet
)
(EN_TIME, EN_X, EN_Y, EN_HEADING, EN_VEL, EN_ENERGY, EN_DIST, EN_BEARING, EN_ABS_BEARING, EN_TURN_RATE, EN_DROP,
 EN_DROP_TIME, EN_PREV_TIME, EN_ACCEL, EN_LAT_DIR, EN_OTHER, EN_ADJ, EN_SCANS, EN_SHOTS, EN_ALIVE,
 EN_DROP_SUM, EN_NEXT_FIRE, EN_WALL_HITS, EN_WALL_DMG, EN_NO_WALL_DMG, EN_LAST_POWER) = EN[:-1]
N_EN = EN.size
ENERGY_TOL = 1e-6   # energies are sums of a few float64 terms: their errors are ~1e-13

@njit(**NB)
def enemy_round_start(en):
    """Nothing is known about the enemy at the start of a round (but what kind of robot it is, and its
    last bullet power)."""
    for k in range(EN_NO_WALL_DMG):
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
        elif typ == EV_ROBOT_DEATH:
            if ev[k, E_A] == en[EN_OTHER]:
                en[EN_ALIVE] = 0.0
    for k in range(nev):
        if int(ev[k, E_TYPE]) == EV_SCANNED:
            _scan(en, st, ev, k)


@njit(**NB)
def at_wall(x, y, width, height):
    """True when a robot's centre is where Robocode clamps it after a wall hit (18 px from a wall)."""
    lo = HALF_ROBOT + ENERGY_TOL
    return x <= lo or y <= lo or x >= float(int(width)) - lo or y >= float(int(height)) - lo


@njit(**NB)
def wall_speed_band(v1, accel, travelled, dt):
    """(lowest, likely, highest) speed |v'| a robot can have had in the turn it hit a wall, from the
    velocity v1 and acceleration `accel` (change of |v| per turn) the scans before showed, `dt` turns
    earlier, and the signed distance it travelled along its heading in that turn (dt == 1 only).
    Robocode's acceleration rules (sim/engine/physics.py new_velocity): within one turn the velocity
    changes by at most +1 away from 0 and -2 towards it, and |v'| <= 8; the wall stops the robot on its
    heading line, so it had at least the speed of what it travelled."""
    s = abs(v1)
    if dt != 1.0:
        hi = min(s + dt, MAX_VELOCITY)
        return 0.0, hi, hi
    if travelled != 0.0 and v1 != 0.0 and (travelled > 0.0) != (v1 > 0.0):
        hi = 2.0                            # reversed through 0 in that turn: |v'| <= 2, no damage
        lo = min(abs(travelled), hi)
        return lo, hi, hi
    hi = min(s + 1.0, MAX_VELOCITY)
    lo = min(max(abs(travelled), s - 2.0, 0.0), hi)
    likely = s - 2.0 if accel < 0.0 else (hi if accel > 0.0 else s)   # it keeps accelerating, holding, braking
    return lo, min(max(likely, lo), hi), hi


@njit(**NB)
def wall_hit_damage_split(r, lo, likely, hi, gun_cool, last_power):
    """How much of an unexplained energy loss r at a wall hit was the wall's, given the band of speeds
    (lo, likely, hi) of wall_speed_band; the rest is a bullet if it is 0.1..3. Damage d(v) =
    max(v/2 - 1, 0) is known to within [d(lo), d(hi)], so a loss can be ambiguous; in this order:

    1. its gun cannot be cool (heat from the shots detected so far): all of r is the wall's;
    2. r is the damage at the likely speed: no shot (the common case: a robot driving into a wall);
    3. r minus its last bullet power is a damage in the band: a shot of that power (robots mostly keep
       their power);
    4. r is a damage in the band: no shot;
    5. otherwise the damage at the likely speed, and the rest is a shot of another power.

    Returns the wall's damage."""
    d_lo = wall_hit_damage(lo)
    d_hi = wall_hit_damage(hi)
    d_likely = wall_hit_damage(likely)
    if not gun_cool:
        return r
    if abs(r - d_likely) <= ENERGY_TOL:
        return d_likely
    if last_power > 0.0 and d_lo - ENERGY_TOL <= r - last_power <= d_hi + ENERGY_TOL:
        return r - last_power
    if d_lo - ENERGY_TOL <= r <= d_hi + ENERGY_TOL:
        return r
    return d_likely


@njit(**NB)
def turn_rate_between(heading, prev_heading, dt):
    """The turn rate two scans dt turns apart show (the circular gun's, and the surfer's view of itself): the
    heading change over dt, clipped to the body's limit."""
    limit = MAX_TURN_RATE_RADIANS
    w = normal_relative_angle(heading - prev_heading) / dt
    return max(-limit, min(limit, w))


@njit(**NB)
def _scan(en, st, ev, k):
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
    x = st[ST_X] + dist * math.sin(ab)
    y = st[ST_Y] + dist * math.cos(ab)
    if en[EN_NEXT_FIRE] == 0.0:
        en[EN_NEXT_FIRE] = 1.0 + cool_turns(START_GUN_HEAT, st[ST_COOLING])
    en[EN_WALL_DMG] = 0.0
    if en[EN_TIME] >= 0.0 and t > en[EN_TIME]:
        dt = t - en[EN_TIME]
        en[EN_TURN_RATE] = turn_rate_between(heading, en[EN_HEADING], dt)
        accel_before = en[EN_ACCEL]
        en[EN_ACCEL] = (abs(vel) - abs(en[EN_VEL])) / dt
        drop = en[EN_ENERGY] - energy - en[EN_ADJ]
        if vel == 0.0 and at_wall(x, y, st[ST_WIDTH], st[ST_HEIGHT]):
            en[EN_WALL_HITS] += 1.0
            travelled = (x - en[EN_X]) * math.sin(heading) + (y - en[EN_Y]) * math.cos(heading)
            lo, likely, hi = wall_speed_band(en[EN_VEL], accel_before, travelled, dt)
            if en[EN_NO_WALL_DMG] == 0.0 and energy > 0.0 and wall_hit_damage(lo) > ENERGY_TOL and \
                    drop < wall_hit_damage(lo) - ENERGY_TOL:
                en[EN_NO_WALL_DMG] = 1.0        # it paid less than any wall hit costs an AdvancedRobot
            if en[EN_NO_WALL_DMG] == 0.0:
                gun_cool = t >= en[EN_NEXT_FIRE] - 1.0
                en[EN_WALL_DMG] = wall_hit_damage_split(drop, lo, likely, hi, gun_cool, en[EN_LAST_POWER])
                drop -= en[EN_WALL_DMG]
        if drop >= 0.0999 and drop <= 3.0001:
            en[EN_DROP] = drop
            en[EN_DROP_TIME] = t
            en[EN_SHOTS] += 1.0
            en[EN_DROP_SUM] += drop
            en[EN_LAST_POWER] = drop
            # its gun is hot again from the fire turn: t, or across a scan gap the first turn it was cool
            tf = min(t, max(en[EN_TIME] + 1.0, en[EN_NEXT_FIRE]))
            en[EN_NEXT_FIRE] = tf + cool_turns(gun_heat(clamp_power(drop)), st[ST_COOLING])
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
    en[EN_X] = x
    en[EN_Y] = y
    en[EN_HEADING] = heading
    en[EN_VEL] = vel
    en[EN_ENERGY] = energy
    en[EN_DIST] = dist
    en[EN_BEARING] = bearing
    en[EN_ABS_BEARING] = ab
    en[EN_OTHER] = other
    en[EN_SCANS] += 1.0
    en[EN_ALIVE] = 1.0
