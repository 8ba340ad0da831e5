"""Robocode's own test-suite scenarios and the rules of docs/robocode-rules.md, with their exact numbers."""
import math

import numpy as np
import pytest

from sim.engine.rules import Rules
from tests.scripted import run_scripted

INF = math.inf


def test_acceleration_and_exact_stops():
    # robocode.tests TestAcceleration: three robots, setAhead(100); at turn 9 new targets
    robots = [(50, 50, 0, {1: {"ahead": 100}, 9: {"ahead": 22.8}}),
              (100, 50, 0, {1: {"ahead": 100}, 9: {"ahead": 22.5}}),
              (150, 50, 0, {1: {"ahead": 100}, 9: {"ahead": -200, "max_velocity": 7}})]
    tr = run_scripted(robots, 16)
    for i in range(3):
        assert [tr.get("velocity", i, t) for t in range(1, 9)] == [1, 2, 3, 4, 5, 6, 7, 8]
        y1 = tr.get("y", i, 1)
        assert [tr.get("y", i, t) - y1 for t in range(1, 9)] == pytest.approx([0, 2, 5, 9, 14, 20, 27, 35], abs=1e-12)
    # robots 1 and 2 still move 8 at turn 9; robot 3 is already reversing
    assert tr.get("velocity", 0, 9) == 8 and tr.get("velocity", 1, 9) == 8
    assert tr.get("velocity", 2, 9) == 6
    steps0 = [tr.get("y", 0, t) - tr.get("y", 0, t - 1) for t in range(10, 15)]
    steps1 = [tr.get("y", 1, t) - tr.get("y", 1, t - 1) for t in range(10, 15)]
    assert steps0 == pytest.approx([6.7, 4.7, 2.7, 0.7, 0.0], abs=1e-9)
    assert steps1 == pytest.approx([6.625, 4.625, 2.625, 0.625, 0.0], abs=1e-9)
    for i, target in ((0, 22.8), (1, 22.5)):
        assert tr.get("y", i, 14) - tr.get("y", i, 8) == pytest.approx(target, abs=1e-9)
        assert tr.get("velocity", i, 14) == 0.0


def test_body_turn_rate_depends_on_speed_before_acceleration():
    tr = run_scripted([(600, 200, 0, {1: {"ahead": 1000, "turn_right": -360}})], 12)
    changes = []
    for t in range(1, 10):
        d = tr.get("heading", 0, t) - tr.get("heading", 0, t - 1)
        changes.append(math.degrees((d + math.pi) % (2 * math.pi) - math.pi))
    assert changes == pytest.approx([-(10 - 0.75 * v) for v in range(0, 9)], abs=1e-9)


def test_body_turn_rate_while_stopping():
    cmds = {1: {"ahead": 1000}, 9: {"ahead": 0, "turn_right": -360}}
    tr = run_scripted([(600, 200, 0, cmds)], 14)
    assert [tr.get("velocity", 0, t) for t in range(8, 13)] == [8, 6, 4, 2, 0]
    for t in range(9, 13):
        d = math.degrees(tr.get("heading", 0, t) - tr.get("heading", 0, t - 1))
        d = (d + 180) % 360 - 180
        assert d == pytest.approx(-(10 - 0.75 * abs(tr.get("velocity", 0, t - 1))), abs=1e-9)


@pytest.mark.parametrize("rate", range(13))
def test_max_turn_rate(rate):
    tr = run_scripted([(400, 300, 0, {1: {"turn_right": -INF, "max_turn_rate": rate}})], 3)
    d = math.degrees(tr.get("heading", 0, 1) - tr.get("heading", 0, 0))
    d = (d + 180) % 360 - 180
    assert d == pytest.approx(-min(rate, 10), abs=1e-9)


def test_gun_turn_rate_combinations():
    # (gun, body, max turn rate) per pair of turns -> expected gun heading change
    plan = [(-INF, 0, 10, -20), (INF, 0, 10, 20), (-INF, -INF, 5, -25), (INF, INF, 5, 25),
            (-INF, -INF, 10, -30), (INF, INF, 10, 30), (-INF, INF, 10, -10), (INF, -INF, 10, 10)]
    cmds = {}
    for k, (gun, body, mtr, _) in enumerate(plan):
        cmds[1 + 2 * k] = {"turn_gun_right": gun, "turn_right": body, "max_turn_rate": mtr}
    tr = run_scripted([(400, 300, 0, cmds)], 17)
    got = []
    for t in range(1, 17):
        d = math.degrees(tr.get("gun", 0, t) - tr.get("gun", 0, t - 1))
        got.append((d + 180) % 360 - 180)
    want = [e for (_, _, _, e) in plan for _ in range(2)]
    assert got == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize("maxv,expected", [(4.2, 4.2), (100, 8.0), (-2, 2.0), (0, 0.0)])
def test_max_velocity(maxv, expected):
    tr = run_scripted([(400, 100, 0, {1: {"ahead": INF, "max_velocity": maxv}})], 12)
    assert max(abs(v) for v in tr.series("velocity", 0)) == pytest.approx(expected, abs=1e-12)
    assert tr.get("velocity", 0, 12) == pytest.approx(expected, abs=1e-12)


def test_reverse_with_fractional_max_velocity():
    tr = run_scripted([(400, 300, 0, {1: {"ahead": INF, "max_velocity": 1},
                                      2: {"ahead": -INF, "max_velocity": 0.5}})], 3)
    assert tr.get("velocity", 0, 1) == 1.0
    assert tr.get("velocity", 0, 2) == -0.5


def test_gun_heat_is_exact_repeated_float_subtraction():
    # robocode.tests TestGunHeat: fire(3) every turn; heat cools by exactly `- 0.1` in float64
    cmds = {t: {"fire": 3} for t in range(1, 60)}
    tr = run_scripted([(100, 100, 0, cmds), (700, 500, 0, {})], 59)
    heat = tr.series("gun_heat", 0)
    energy = tr.series("energy", 0)
    h, e, fired = 3.0, 100.0, []
    for t in range(1, 60):
        if h == 0.0:          # the robot saw a cool gun at time t-1: its bullet leaves in turn t
            h += 1.0 + 3.0 / 5.0
            e -= 3.0
            fired.append(t)
        h -= 0.1
        if h < 0.0:
            h = 0.0
        assert heat[t] == h, t
        assert energy[t] == e, t
    assert heat[29] == 0.09999999999999848          # the suite's "0.0999..." at time 29
    assert fired[:2] == [31, 47]                    # set at robot time 30 (heat reads 1.6 after the call)


def test_bullet_power_is_clamped_to_three_and_to_energy():
    cmds = {t: {"fire": t - 12} for t in range(1, 120)}
    tr = run_scripted([(100, 100, 0, cmds), (700, 500, 0, {})], 119)
    b = tr.bullets
    mine = b[b[:, 2] == 0]
    ids = np.unique(mine[:, 3])
    assert len(ids) >= 5
    assert set(np.round(mine[:, 7], 12)) == {3.0}
    fire_turns = sorted(int(mine[mine[:, 3] == i, 1].min()) for i in ids)
    # robocode.tests TestBulletPower: setFireBullet(time - 12) fires at robot times 30, 46, 62, ...
    assert fire_turns[:6] == [31, 47, 63, 79, 95, 111]


@pytest.mark.parametrize("power", [1e-9, 0.0109, 0.05, 0.0999999, 0.1, 0.5, 1.7, 2.9999, 3.0, 3.5])
def test_bullet_speed_clamps_the_power_as_rules_getbulletspeed_does(power):
    # a robot's last energy below 0.1 is fired at that power (damage 4p, bonus 3p) but flies at 19.7:
    # Robocode's TrackFire vs VelociRobot, seed 79 (tests/test_exact_battles.py) needs it
    from sim.engine.physics import bullet_damage, bullet_speed
    clamped = min(max(power, 0.1), 3.0)
    assert bullet_speed(power) == 20.0 - 3.0 * clamped
    assert 11.0 <= bullet_speed(power) <= 19.7
    assert bullet_damage(power) == 4.0 * power + 2.0 * max(power - 1.0, 0.0)


def test_first_random_start_matches_robocode_seed_zero():
    tr_rows = __import__("sim.engine.battle", fromlist=["run_battle"]).run_battle(
        ["sample.SittingDuck", "sample.SittingDuck"], Rules(rounds=1), seed=0, record=True).robots_trace
    assert tr_rows[0, 3] == pytest.approx(568.1445492, abs=1e-7)
    assert tr_rows[0, 4] == pytest.approx(163.0032275, abs=1e-7)


def test_wall_collision_damage_and_pushback():
    # drive straight into the north wall at full speed: AdvancedRobot takes max(8/2 - 1, 0) = 3
    tr = run_scripted([(400, 500, 0, {1: {"ahead": 1000}})], 40)
    ys = tr.series("y", 0)
    assert ys.max() == 600 - 18
    hit = int(np.argmax(ys == 582))
    v_before = min(8.0, tr.get("velocity", 0, hit - 1) + 1)
    assert tr.get("energy", 0, hit) == pytest.approx(100 - max(v_before / 2 - 1, 0), abs=1e-12)
    assert tr.get("velocity", 0, hit) == 0.0


def test_wall_collision_at_an_angle_corrects_along_heading():
    tr = run_scripted([(700, 300, 60, {1: {"ahead": 1000}})], 40)
    xs, ys = tr.series("x", 0), tr.series("y", 0)
    hit = int(np.argmax(xs == 800 - 18))
    assert hit > 0
    # the push-back moved the robot back along its heading: still on the line through the start
    slope = math.cos(math.radians(60)) / math.sin(math.radians(60))
    assert ys[hit] - 300 == pytest.approx((xs[hit] - 700) * slope, abs=1e-9)


def test_ram_at_fault_rules_and_score():
    # robot 0 drives into stationary robot 1 from behind
    tr = run_scripted([(400, 100, 0, {1: {"ahead": 300}}), (400, 200, 0, {})], 30)
    e0, e1 = tr.series("energy", 0), tr.series("energy", 1)
    first = int(np.argmax(e0 < 100))
    assert e0[first] == pytest.approx(99.4) and e1[first] == pytest.approx(99.4)
    assert tr.get("velocity", 0, first) == 0.0
    assert tr.get("y", 1, first) == 200.0     # not at fault: not moved
    res = tr.result.results
    rammer = [r for r in res if r.name.startswith("r0")][0]
    rams = round((100 - e0[-1]) / 0.6)
    assert rammer.ram_damage == pytest.approx(1.2 * rams)


def test_bullet_hit_energy_accounting():
    # robot 0 fires power 2 straight north at a stationary robot 1
    tr = run_scripted([(400, 100, 0, {t: {"fire": 2} for t in range(1, 60)}), (400, 400, 90, {})], 60)
    e1 = tr.series("energy", 1)
    hit = int(np.argmax(e1 < 100))
    assert e1[hit] == pytest.approx(100 - (4 * 2 + 2 * (2 - 1)))
    e0 = tr.series("energy", 0)
    b = tr.bullets
    shots = len(np.unique(b[(b[:, 2] == 0) & (b[:, 1] <= hit), 3]))
    assert shots >= 1
    assert e0[hit] == pytest.approx(100 - 2 * shots + 3 * 2)


def test_disabled_robot_cannot_move():
    # fire until energy is 0: the robot is disabled, then asked to move it stays put
    cmds = {t: {"fire": 3} for t in range(1, 900)}
    cmds[900] = {"ahead": 100}
    rules = Rules(rounds=1, gun_cooling_rate=10.0, inactivity_time=100000)
    tr = run_scripted([(100, 300, 90, cmds), (700, 550, 0, {})], 905, rules=rules)
    e = tr.series("energy", 0)
    assert e[-1] == 0.0
    assert tr.get("x", 0, 905) == tr.get("x", 0, 899)
