#!/usr/bin/env python3
"""Write gfsim's hand-designed conformance scenarios to sim/scenarios/*.json.

Each scenario isolates one part of Robocode's rules (see each "comment"). Robots that are
not meant to interact are placed so that they cannot touch each other, and every event
whose outcome Robocode's random robot/bullet order could decide is designed away (the
comment says how); tests/robocode/record_goldens.py checks that by recording every scenario
with two different seeds and requiring identical traces.

    python tests/robocode/make_scenarios.py            # (re)write the files
    python tests/robocode/make_scenarios.py --check    # exit 1 if a file would change
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sim.io.scenario import scenario_from_dict  # noqa: E402

OUT = ROOT / "sim" / "scenarios"
INF = "inf"
NINF = "-inf"


def robot(name, x, y, heading, commands=None):
    return {"name": name, "x": x, "y": y, "heading": heading, "commands": merge(commands or [])}


def merge(cmds):
    """Merge command dicts that share a turn (later keys win) and sort by turn."""
    by_turn: dict[int, dict] = {}
    for c in cmds:
        by_turn.setdefault(c["turn"], {"turn": c["turn"]}).update(c)
    return [by_turn[t] for t in sorted(by_turn)]


def at(turn, **kw):
    return {"turn": turn, **kw}


def scenario(comment, turns, robots, **rules):
    d = {"comment": comment}
    if rules:
        d["rules"] = rules
    d["turns"] = turns
    d["robots"] = robots
    return d


def dummy(name="dummy", x=40, y=560):
    """A robot that never acts: Robocode ends a round at once when only one robot is alive."""
    return robot(name, x, y, 0)


SCENARIOS: dict[str, dict] = {}


def add(name, d):
    scenario_from_dict(d, name)       # validate
    SCENARIOS[name] = d


# --------------------------------------------------------------------------- movement

add("acceleration", scenario(
    "Robocode's TestAcceleration: three robots call setAhead(100) at turn 1 (velocity 1..8 at turns 1-8); "
    "at turn 9 robot a switches to setAhead(22.8), b to setAhead(22.5), c to setAhead(-200) with "
    "setMaxVelocity(7). The robots are 50 px apart in x, so they never touch; c reaches the bottom wall.",
    40,
    [robot("a", 50, 50, 0, [at(1, ahead=100), at(9, ahead=22.8)]),
     robot("b", 100, 50, 0, [at(1, ahead=100), at(9, ahead=22.5)]),
     robot("c", 150, 50, 0, [at(1, ahead=100), at(9, ahead=-200, max_velocity=7)]),
     dummy(x=700, y=560)]))


def decel_edges_commands(start):
    """Short/fractional distances, stopping from every speed, overdrive and reversals."""
    t = start
    cmds = []
    for d in (0.5, 1.0, 1.5, 2.0, 2.7, 3.0, 4.4, 6.0, 9.99, 12.0, 12.5, 20.0):
        cmds.append(at(t, ahead=d))
        t += 8
        cmds.append(at(t, ahead=-d))
        t += 8
    for v in range(1, 9):                  # reach speed v, then ahead(0): stop from v
        cmds.append(at(t, ahead=INF if v % 2 else NINF, max_velocity=v))
        t += v + 2
        cmds.append(at(t, ahead=0, max_velocity=8))
        t += 5
    for v in range(1, 9):                  # reach speed v, then reverse with ahead(-inf)
        cmds.append(at(t, ahead=NINF if v % 2 else INF, max_velocity=v))
        t += v + 1
        cmds.append(at(t, ahead=INF if v % 2 else NINF))
        t += 3
        cmds.append(at(t, ahead=0))
        t += 6
    for d in (5, 10, 11, 13, 20):          # overdrive: at full speed, ask for less than the stop distance
        cmds.append(at(t, ahead=INF))
        t += 10
        cmds.append(at(t, ahead=d))
        t += 9
        cmds.append(at(t, ahead=-60))
        t += 14
    return cmds, t


_dec, _dec_end = decel_edges_commands(1)
add("deceleration_edges", scenario(
    "Velocity rule edges (getNewVelocity, the 1.7.1.4 fix): fractional distances 0.5..20 forward and back, "
    "setAhead(0) from every speed 1..8, reversals from every speed, and asking for less than the stopping "
    "distance at full speed (overdrive). Robots move along north-south lines 200 px apart; b mirrors a "
    "heading south, c repeats it with fractional max velocities.",
    _dec_end + 10,
    [robot("a", 150, 300, 0, _dec),
     robot("b", 400, 300, 180, _dec),
     robot("c", 650, 300, 0, [dict(c, max_velocity=c["max_velocity"] - 0.35) if "max_velocity" in c
                              else c for c in _dec])]))


def reverse_commands(maxvs, period):
    cmds, t, sign = [], 1, 1
    for mv in maxvs:
        cmds.append(at(t, ahead=INF if sign > 0 else NINF, max_velocity=mv))
        t += period
        sign = -sign
    return cmds, t


_rev_a, _ = reverse_commands([1, 0.5, 2.5, 3.3, 7.9, 0.1, 6.5, 8, 1.5, 4.75, 2.2, 8, 5.5, 0.9, 3.0, 7.1], 9)
_rev_b, _ = reverse_commands([8, 8, 7.5, 7.5, 2.25, 2.25, 0.75, 0.75, 5, 5, 8, 0.3, 8, 3.6, 3.6, 8], 13)
add("reverse_fractional", scenario(
    "Robocode's TestReverseDirection (setAhead(inf) with max velocity 1 -> 1.0; then setAhead(-inf) with "
    "max velocity 0.5 -> -0.5) extended: direction reversals with fractional and changing max velocities. "
    "The robots drive east-west on rows 300 px apart.",
    200,
    [robot("a", 400, 150, 90, _rev_a), robot("b", 400, 450, 270, _rev_b)]))

add("max_velocity", scenario(
    "Robocode's TestMaxVelocity: setMaxVelocity 4.2, 100, -2, 0 (velocity capped at 4.2, 8, |-2| = 2, 0), "
    "then 0.001, inf and 8, driving ahead(inf) east until the wall; b does the same backwards.",
    120,
    [robot("a", 40, 150, 90, [at(1, ahead=INF, max_velocity=4.2), at(15, max_velocity=100),
                              at(25, max_velocity=-2), at(35, max_velocity=0), at(45, max_velocity=0.001),
                              at(55, max_velocity=INF), at(62, max_velocity=8)]),
     robot("b", 760, 450, 90, [at(1, ahead=NINF, max_velocity=4.2), at(15, max_velocity=100),
                               at(25, max_velocity=-2), at(35, max_velocity=0), at(45, max_velocity=0.001),
                               at(55, max_velocity=INF), at(62, max_velocity=8)])]))

# --------------------------------------------------------------------------- turning

add("body_turn_rate", scenario(
    "Robocode's TestBodyTurnRate: at (600,200,0) setAhead(1000) + setTurnLeft(360): heading change -10, "
    "-9.25, ..., -4 at turns 1..9 (rate 10 - 0.75|v| with v before this turn's acceleration); at turn 30 "
    "setAhead(0) stops it (8, 6, 4, 2, 0) while it keeps turning. Robot b does the mirror image backwards "
    "(setBack + setTurnRight). Their circles (radius <= 115 px) are far apart.",
    70,
    [robot("a", 600, 200, 0, [at(1, ahead=1000, turn_right=-360), at(30, ahead=0)]),
     robot("b", 200, 400, 0, [at(1, ahead=-1000, turn_right=360), at(30, ahead=0)])]))

_speeds = [1, 2, 3, 4, 5, 6, 7, 8, 7.5, 6.25, 5.5, 4.1, 3.3, 2.5, 1.2, 0.5, 0, 8]
add("turn_every_speed", scenario(
    "Turning at every speed: ahead(inf) with turn_right(+-inf) while the max velocity steps through "
    "1..8 and fractional values, holding each for 6 turns, so every turn rate 10 - 0.75|v| occurs; b does "
    "the same backwards turning left. Circles of radius <= 115 px around separate centres.",
    6 * len(_speeds) + 5,
    [robot("a", 250, 300, 0, [at(1 + 6 * i, ahead=INF, turn_right=INF, max_velocity=v)
                              for i, v in enumerate(_speeds)]),
     robot("b", 600, 300, 90, [at(1 + 6 * i, ahead=NINF, turn_right=NINF, max_velocity=v)
                               for i, v in enumerate(_speeds)])]))

_rates = list(range(0, 13)) + [2.5, -3, 0.5, 7.25, INF, 10, -12]
add("max_turn_rate", scenario(
    "Robocode's TestMaxTurnRate: setTurnLeft(inf) with setMaxTurnRate(i), i = 0..12 (heading change 0, -1, "
    "..., -10, -10, -10), then fractional, negative (|r| is used) and infinite rates, 3 turns each. "
    "Robot a stands still; b drives at max velocity 4 (rate limited to min(r, 10 - 0.75|v|)).",
    3 * len(_rates) + 3,
    [robot("a", 200, 300, 0, [at(1 + 3 * i, turn_right=NINF, max_turn_rate=r) for i, r in enumerate(_rates)]),
     robot("b", 550, 300, 0, [at(1, ahead=INF, max_velocity=4)] +
           [at(1 + 3 * i, turn_right=INF, max_turn_rate=r) for i, r in enumerate(_rates)])]))


def gun_turn_rate_commands():
    # 16 turns as in Robocode's TestGunTurnRate: body turn with max turn rate 5 or 10 combined with gun
    # turns, adjust flag off; then the same with adjustGunForRobotTurn.
    cmds = []
    t = 1
    for adjust in (False, True):
        cmds.append(at(t, adjust_gun_for_robot_turn=adjust))
        for body, rate, gun in ((NINF, 10, NINF), (INF, 10, INF), (NINF, 5, NINF), (INF, 5, INF),
                                (NINF, 10, INF), (INF, 10, NINF), (NINF, 5, INF), (INF, 5, NINF)):
            cmds.append(at(t, turn_right=body, max_turn_rate=rate, turn_gun_right=gun))
            t += 2
        cmds.append(at(t, turn_right=0, turn_gun_right=0))
        t += 2
    cmds.append(at(t, turn_gun_right=33.3, turn_right=-7.7))
    t += 4
    cmds.append(at(t, turn_gun_right=-0.5, turn_right=0.25))
    return cmds, t + 4


_gtr, _gtr_end = gun_turn_rate_commands()
add("gun_turn_rate", scenario(
    "Gun turn rate 20 deg/turn on top of the body turn, as in Robocode's TestGunTurnRate: pairs of turns "
    "with body turns of +-10 or +-5 deg (max turn rate 10 or 5) and gun turns of +-20 give gun heading "
    "changes -30, -30, 30, 30, -25, -25, 25, 25, 10, 10, -10, -10, 15, 15, -15, -15 with the adjust flag "
    "off; then the same sequence with adjust_gun_for_robot_turn set: Robocode still turns the gun with the "
    "body and only subtracts the body turn from the gun's *remaining* turn, which leaves infinite gun turns "
    "infinite, so the gun moves exactly as before; then finite remainders, where the flag does matter. b "
    "does it while moving at max velocity 3.",
    _gtr_end,
    [robot("a", 200, 300, 30, _gtr),
     robot("b", 600, 300, 200, [at(1, ahead=INF, max_velocity=3)] + _gtr)]))


def flag_robot(name, x, y, gun_adj, radar_gun_adj, radar_robot_adj, phase):
    cmds = [at(1, adjust_gun_for_robot_turn=gun_adj, adjust_radar_for_gun_turn=radar_gun_adj,
               adjust_radar_for_robot_turn=radar_robot_adj)]
    pattern = [(90, 60, 120), (-90, -45, -200), (37.5, 100, 400), (-15, -210, 45), (INF, NINF, INF),
               (0, 0, 0)]
    t = 1
    for i in range(12):
        b, g, r = pattern[(i + phase) % len(pattern)]
        cmds.append(at(t, turn_right=b, turn_gun_right=g, turn_radar_right=r))
        t += 9
    return robot(name, x, y, 45 * phase, cmds)


_combo_robots = []
for i, (ga, rga, rra) in enumerate([(g, rg, rr) for g in (False, True) for rg in (False, True)
                                     for rr in (False, True)]):
    _combo_robots.append(flag_robot(f"g{int(ga)}rg{int(rga)}rr{int(rra)}", 100 + 200 * (i % 4),
                                    150 + 300 * (i // 4), ga, rga, rra, i % 6))
add("adjust_flags_combos", scenario(
    "All 8 combinations of adjust_gun_for_robot_turn, adjust_radar_for_gun_turn and "
    "adjust_radar_for_robot_turn, set together at turn 1 (the robot-turn flag is then explicit, so "
    "setAdjustRadarForGunTurn does not change it), with body, gun and radar turning at the same time. "
    "The robots stand still on a 4x2 grid.",
    110, _combo_robots))

add("adjust_flags_toggle", scenario(
    "Adjust flags changed while turns remain, and Robocode's quirk that setAdjustRadarForGunTurn(b) also "
    "sets adjustRadarForRobotTurn to b unless setAdjustRadarForRobotTurn was called before in the round: "
    "a only calls adjust_radar_for_gun_turn (true, later false); b first sets adjust_radar_for_robot_turn "
    "false, then adjust_radar_for_gun_turn true; c toggles the gun flag every 5 turns; d toggles all "
    "three. Two rounds (the 'explicitly set' mark resets each round). Robots stand still.",
    80,
    [robot("a", 150, 150, 0, [at(1, turn_right=INF, turn_gun_right=NINF, turn_radar_right=INF),
                              at(5, adjust_radar_for_gun_turn=True), at(30, adjust_radar_for_gun_turn=False),
                              at(50, adjust_radar_for_gun_turn=True)]),
     robot("b", 650, 150, 90, [at(1, turn_right=INF, turn_gun_right=NINF, turn_radar_right=INF),
                               at(3, adjust_radar_for_robot_turn=False), at(5, adjust_radar_for_gun_turn=True),
                               at(30, adjust_radar_for_gun_turn=False), at(50, adjust_radar_for_robot_turn=True)]),
     robot("c", 150, 450, 180, [at(1, turn_right=NINF, turn_gun_right=INF, turn_radar_right=NINF)] +
           [at(t, adjust_gun_for_robot_turn=(t // 5) % 2 == 0) for t in range(2, 80, 5)]),
     robot("d", 650, 450, 270, [at(1, turn_right=INF, turn_gun_right=700, turn_radar_right=-900)] +
           [at(t, adjust_gun_for_robot_turn=k % 2 == 0, adjust_radar_for_gun_turn=k % 3 == 0,
               adjust_radar_for_robot_turn=k % 4 < 2) for k, t in enumerate(range(2, 80, 6))])],
    rounds=2))

# --------------------------------------------------------------------------- guns and bullets

add("gun_heat", scenario(
    "Robocode's TestGunHeat: fire(3) every turn -- the first shot when the start heat 3.0 has cooled "
    "(exact float64 arithmetic: 3.0 - 0.1 repeatedly), then every 16 turns. b fires 0.1 every turn "
    "(heat 1.02), c fires 1.7 every other turn. All fire north, west and south into walls.",
    130,
    [robot("a", 400, 500, 0, [at(t, fire=3) for t in range(1, 131)]),
     robot("b", 100, 300, 270, [at(t, fire=0.1) for t in range(1, 131)]),
     robot("c", 600, 100, 180, [at(t, fire=1.7) for t in range(1, 131, 2)])]))

add("gun_heat_fast_cooling", scenario(
    "Gun cooling rate 0.7 (the battle setting): heat 1 + p/5 cools in 2-3 turns; a fires 3 north and b "
    "fires 0.5 south every turn into the walls, draining energy.",
    90,
    [robot("a", 400, 560, 0, [at(t, fire=3) for t in range(1, 91)]),
     robot("b", 400, 150, 180, [at(t, fire=0.5, turn_radar_right=7) for t in range(1, 91)])],
    gun_cooling_rate=0.7))

_powers = [0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8,
           1.9, 2.0, 2.1, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7, 2.8, 2.9, 2.95, 3.0, 0.0, -1.0, 0.05, 0.09999, 3.0001,
           3.5, 10.0, INF, NINF, 1e-300, 2.45678]
add("fire_powers", scenario(
    "Every bullet power 0.1..3 and out-of-range values (0, -1, 0.05, 3.0001, 10, inf, -inf -> clamped to "
    "[0.1, 3]); gun cooling 2.0 so the gun is cool every other turn. The gun turns 9 deg between shots so "
    "bullets (speed 20 - 3p) fan out into all four walls. The dummy sits in a corner outside the fan's "
    "first rings; a hit on it is a single bullet per turn (one owner fires at most one bullet a turn).",
    2 * len(_powers) + 60,
    [robot("a", 400, 300, 0, [at(1 + 2 * i, fire=p, turn_gun_right=9) for i, p in enumerate(_powers)]),
     dummy(x=40, y=560)],
    gun_cooling_rate=2.0))

add("bullet_power_test", scenario(
    "Robocode's TestBulletPower: setFireBullet(time - 12) every turn (robot time = turn - 1, so fire = turn "
    "- 13): bullets only when the gun is cool, powers clamped to [0.1, 3] -- Robocode's test expects "
    "power-3 bullets at turns 30, 46, 62, 78, 94, 110.",
    125,
    [robot("a", 400, 300, 90, [at(t, fire=t - 13) for t in range(1, 126)]), dummy(x=40, y=40)]))


def aim(x0, y0, x1, y1):
    """Robocode heading (degrees) from (x0, y0) to (x1, y1)."""
    return math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360


add("bullet_hits_robot", scenario(
    "Bullets hitting robots: a (west) fires east at b along y = 300 with powers 0.5..3 every 16 turns while "
    "b steps north and south across the line (hits, misses, hits on a moving victim: the record's x/y is "
    "the paint position victim_now + (hit - victim_before)); c fires east along y = 520 every 8 turns "
    "(gun cooling 0.2) while d keeps walking north and south across that line at various speeds, so "
    "some bullets meet d's box when d has just moved onto their previous position (then Robocode uses that "
    "position as the hit point). The two firing lines are parallel (no bullet-bullet hits), each victim "
    "has one shooter whose bullets arrive at least 1 turn apart, and no hit kills.",
    260,
    [robot("a", 60, 300, 90, [at(t, fire=[0.5, 1, 1.5, 2, 2.5, 3, 0.1, 1.2, 2.2, 3, 0.7, 1.9, 2.6, 0.3][k % 14])
                              for k, t in enumerate(range(28, 250, 16))]),
     robot("b", 500, 300, 0, [at(40, ahead=30), at(60, ahead=-55), at(75, ahead=25), at(100, ahead=40),
                              at(112, ahead=-40), at(140, ahead=-20, max_velocity=3), at(170, ahead=45),
                              at(200, ahead=-45), at(230, ahead=10)]),
     robot("c", 60, 520, 90, [at(t, fire=[3, 1, 0.2, 2, 2.7, 0.6][k % 6]) for k, t in enumerate(range(28, 250, 8))]),
     robot("d", 420, 555, 180, [at(t, ahead=[40, -40][k % 2], max_velocity=[8, 5, 3, 6.5][k % 4])
                                for k, t in enumerate(range(31, 250, 11))])],
    gun_cooling_rate=0.2))

add("bullet_hits_wall", scenario(
    "Bullets into every wall and corner at many angles (bullet wall test uses radius 3: x-3 <= 0, y-3 <= 0, "
    "x+3 >= W, y+3 >= H, with the position after this turn's move). Gun cooling 2.0: a fires every other "
    "turn while its gun turns 7.3 deg per turn, fanning bullets of changing power into all four walls. b "
    "fires exactly at the bottom-left corner (heading 225 from a point 82 px from both walls). c, 20 px "
    "from the left wall, fires west with speeds >= 17: its bullets hit the wall in the turn they are fired.",
    130,
    [robot("a", 400, 300, 0, [at(1, turn_gun_right=INF)] +
           [at(t, fire=round(0.1 + ((t * 7) % 29) * 0.1, 10)) for t in range(2, 110, 2)]),
     robot("b", 100, 100, 225, [at(t, fire=[0.3, 2.5, 1.0][t % 3]) for t in range(2, 60, 2)]),
     robot("c", 20, 300, 270, [at(t, fire=[1, 0.1, 0.5][t % 3]) for t in range(2, 60, 2)])],
    gun_cooling_rate=2.0))


def bullet_steps(power, dist):
    return dist / (20 - 3 * power)


def crossing_powers(dist_a, dist_b, margin=0.2):
    """Powers (pa, pb) so that both bullets pass their crossing point in the same move, with the
    point at least ``margin`` of a step inside both moves."""
    best = None
    for i in range(1, 60):
        pa = round(0.05 * i + 0.05, 2)
        for j in range(1, 60):
            pb = round(0.05 * j + 0.05, 2)
            ka, kb = bullet_steps(pa, dist_a), bullet_steps(pb, dist_b)
            if math.ceil(ka) != math.ceil(kb):
                continue
            fa, fb = ka - math.floor(ka), kb - math.floor(kb)
            m = min(fa, 1 - fa, fb, 1 - fb)
            if m >= margin and (best is None or m > best[0]):
                best = (m, pa, pb)
    if best is None:
        raise RuntimeError("no crossing powers")
    return best[1], best[2]


def crossing_pair(tag, xa, ya, xb, yb, px, py, pa, pb, fire_turns):
    """Robots {tag} and {tag}2 aim at the point (px, py) and fire in the same turn."""
    ha = aim(xa, ya, px, py)
    hb = aim(xb, yb, px, py)
    return [robot(f"{tag}", xa, ya, ha, [at(t, fire=pa) for t in fire_turns]),
            robot(f"{tag}2", xb, yb, hb, [at(t, fire=pb) for t in fire_turns])]


add("bullet_hits_bullet", scenario(
    "Bullets hitting bullets. a fires east (power 1, 17 px/turn) along y=300 and b fires north (power 2.8, "
    "11.6 px/turn) along x=400 in the same turn; they reach the crossing (400,300) in the same turn, "
    "strictly inside both bullets' current segments (a: 17.6 steps, b: 17.2 steps), which Robocode detects "
    "whichever bullet it updates first (a crossing on one bullet's previous segment would depend on the "
    "random bullet order). Both stop as HIT_BULLET at their previous positions. c and d repeat it at an "
    "acute angle, crossing at (420, 470) with powers chosen the same way (at least 0.2 of a step inside "
    "both moves).",
    100,
    [robot("a", 100, 300, 90, [at(t, fire=1.0) for t in range(28, 36)]),
     robot("b", 400, 100, 0, [at(t, fire=2.8) for t in range(28, 36)])] +
    crossing_pair("c", 100, 540, 740, 560, 420, 470, *crossing_powers(math.hypot(320, 70), math.hypot(320, 90)),
                  range(28, 36))))

add("bullets_collinear", scenario(
    "Two bullets fired head-on along the same line (y = 300) never collide in Robocode: its segment "
    "intersection test divides by zero for parallel segments. Each bullet then hits the other robot "
    "(different victims, no kill), then the robots fire again on diverging lines.",
    120,
    [robot("a", 100, 300, 90, [at(t, fire=2.0) for t in range(28, 36)] + [at(60, turn_gun_right=20)] +
           [at(t, fire=1.0) for t in range(62, 70)]),
     robot("b", 700, 300, 270, [at(t, fire=0.5) for t in range(28, 36)] + [at(60, turn_gun_right=30)] +
           [at(t, fire=3.0) for t in range(62, 70)])]))

# --------------------------------------------------------------------------- walls

_wall_bots = []
for i, (x, y, h, mv) in enumerate([(400, 100, 180, 8), (400, 500, 0, 8), (100, 300, 270, 8), (700, 300, 90, 8),
                                   (250, 150, 200, 8), (550, 150, 160, 5.5), (250, 450, 330, 8),
                                   (550, 450, 60, 3)]):
    _wall_bots.append(robot(f"w{i}", x, y, h, [at(1, ahead=INF, max_velocity=mv), at(70, ahead=-40),
                                              at(80, ahead=INF, turn_right=25 if i % 2 else -25)] +
                            [at(t, ahead=INF) for t in range(120, 141)]))
add("wall_hits", scenario(
    "Robots driving into walls straight and at angles (0, 180, 90, 270, 200, 160, 330, 60 deg) at different "
    "speeds: the overshoot is pushed back, corrected along the heading when not axis-aligned, wall damage "
    "max(|v|/2 - 1, 0), velocity 0, distance remaining 0; then they back off, turn 25 deg and hit again, "
    "and from turn 120 push into the wall every turn (a hit every turn at speed 1, no damage).",
    160, _wall_bots))

_corner_bots = []
for i, (x, y, h) in enumerate([(700, 500, 45), (100, 500, 315), (100, 100, 225), (700, 100, 135)]):
    _corner_bots.append(robot(f"c{i}", x, y, h, [at(1, ahead=INF)]))
for i, (x, y, h) in enumerate([(600, 420, 30), (180, 420, 300), (200, 180, 210), (620, 200, 120)]):
    _corner_bots.append(robot(f"d{i}", x, y, h, [at(1, ahead=INF), at(40, turn_right=-15), at(60, ahead=INF)]))
add("wall_corners", scenario(
    "Robots driving diagonally into the four corners, exactly at 45 deg from points equally far from both "
    "walls (both walls crossed in the same turn: Robocode pushes back the x overshoot and derives y from "
    "the heading, then clamps), and at other angles so that they hit one wall and then slide their next "
    "attempts into the corner.",
    110, _corner_bots))

# --------------------------------------------------------------------------- ramming


def head_on_gap():
    """Start gap (centre distance) for a head-on collision both robots detect in either order.

    Both accelerate from 0 with ahead(inf): speeds 1, 2, ... With g the gap at the end of the previous
    turn and v this turn's speed, Robocode's result is independent of the robot order iff the first turn
    with g - 2v < 36 also has g - v < 36 (each robot's move alone already reaches the other's old box).
    """
    for g0 in range(120, 300):
        g, v = float(g0), 0
        while True:
            v = min(v + 1, 8)
            if g - 2 * v < 36:
                if g - v < 36 and g - v < 35.5:
                    return g0
                break
            g -= 2 * v
    raise RuntimeError("no gap found")


_g = head_on_gap()
add("ram_head_on", scenario(
    f"Head-on ram: a and b start {_g} px apart (centres) on y = 300 and both drive ahead(inf); the gap is "
    "chosen so that each robot's own move already overlaps the other's previous box, so both are at fault "
    "whichever robot Robocode moves first: both step back, stop, lose 0.6 twice and cannot turn their body "
    "next turn. Afterwards only a keeps pushing (b stands still) with turn commands, so every later "
    "collision involves one moving robot. c rams the side of d (T-bone, d stands still).",
    90,
    [robot("a", 400 - _g / 2, 300, 90, [at(1, ahead=INF)] + [at(t, ahead=INF, turn_right=5) for t in range(20, 40, 3)]),
     robot("b", 400 + _g / 2, 300, 270, [at(1, ahead=INF), at(15, ahead=0)]),
     robot("c", 150, 100, 90, [at(1, ahead=INF, max_velocity=6)] + [at(t, ahead=INF) for t in range(30, 60, 4)]),
     robot("d", 330, 100, 0, [])]))

add("ram_from_behind", scenario(
    "Ramming from behind: a drives north into the back of b, which stands still (only one robot moves, so "
    "the robot order cannot matter); then b backs into a (velocity < 0 with a behind it: b is at fault); "
    "a keeps pushing with turn commands (no body turn in the turn after being at fault). c reverses into "
    "d diagonally.",
    120,
    [robot("a", 200, 100, 0, [at(1, ahead=INF, max_velocity=5), at(40, ahead=0), at(70, ahead=INF, turn_right=30),
                              at(75, ahead=INF, turn_right=-30), at(100, ahead=0)]),
     robot("b", 200, 260, 0, [at(50, ahead=NINF), at(65, ahead=0)]),
     robot("c", 500, 200, 45, [at(1, ahead=NINF, max_velocity=4), at(60, ahead=0)]),
     robot("d", 400, 100, 0, [])]))

# --------------------------------------------------------------------------- energy

add("disabled_by_firing", scenario(
    "A robot disabled by firing: gun cooling 2.0 lets a fire 2.9 every turn (into the north wall) until its "
    "energy reaches 0 (the last shot has the remaining energy as power). At energy 0 Robocode ignores "
    "setAhead/setTurnRight and fire but still turns gun and radar; the robot is not dead. b then shoots the "
    "disabled a: a bullet hit at energy 0 kills it; the round ends 150 turns later and Robocode stops "
    "b's script 122 turns after the death (b's later turn commands have no effect).",
    230,
    [robot("a", 200, 300, 0, [at(t, fire=2.9) for t in range(1, 40)] +
           [at(45, ahead=100, turn_right=90, turn_gun_right=90, turn_radar_right=-90), at(50, fire=1)]),
     robot("b", 600, 300, 270, [at(60, fire=0.5), at(61, fire=0.5)] + [at(t, turn_right=2) for t in range(62, 231)])],
    gun_cooling_rate=2.0))

add("ram_disabled_kill", scenario(
    "Ramming a disabled robot kills it: b empties its energy by firing (gun cooling 2.0) into the east wall, "
    "then a drives into it (b stands still, so only one robot moves): the ram damage takes b below 0 and "
    "Robocode kills it (ram kill). The round then ends 150 turns later.",
    110,
    [robot("a", 300, 300, 90, [at(45, ahead=INF, max_velocity=4)]),
     robot("b", 500, 300, 90, [at(t, fire=3) for t in range(1, 40)])],
    gun_cooling_rate=2.0))

add("inactivity_zap", scenario(
    "Inactivity: with inactivity_time 60, robots lose 0.1 energy per turn once more than 60 turns pass "
    "without 10 energy of losses (wall damage does not count); b's firing adds up to 10 and resets the "
    "counter, a's single small shot does not; a also bumps into a wall.",
    260,
    [robot("a", 300, 300, 90, [at(100, fire=1), at(150, ahead=600)]),
     robot("b", 500, 100, 180, [at(t, fire=3) for t in range(120, 200, 4)])],
    inactivity_time=60))

add("bullet_kill_round_end", scenario(
    "A kill and the end of the round: a shoots b five times with power 3 (gun cooling 1.0); b dies, a "
    "wins; the round ends 150 turns after the death and Robocode stops a's script 122 turns after it -- a "
    "keeps issuing turn commands every turn, which stop having an effect.",
    200,
    [robot("a", 100, 300, 90, [at(t, fire=3) for t in range(1, 80)] + [at(t, turn_gun_right=3)
                                                                        for t in range(80, 201)]),
     robot("b", 400, 300, 0, [])],
    gun_cooling_rate=1.0))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check that the files are up to date")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, d in SCENARIOS.items():
        text = json.dumps(d, indent=1) + "\n"
        p = OUT / f"{name}.json"
        if not p.exists() or p.read_text() != text:
            changed.append(name)
            if not args.check:
                tmp = p.with_suffix(".json.tmp")
                tmp.write_text(text)
                tmp.replace(p)
    print(f"{len(SCENARIOS)} scenarios, {len(changed)} {'would change' if args.check else 'written'}: "
          f"{', '.join(changed)}")
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
