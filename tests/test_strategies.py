"""Composite bots and their classic parts: each test measures a behaviour a Robocode author relies on.

Moving targets are built from our own parts (gun `none`), so these tests do not
depend on the sample-robot ports. Battles are short (max_turns) and seeded.
"""
import math

import numpy as np
import pytest

from bots import layout
from bots.guns.aiming import gun_power, kill_power, predict, AIM_LINEAR as GUN_LINEAR, AIM_CIRCULAR as GUN_CIRCULAR, \
    AIM_HEADON as GUN_HEADON
from bots.movements.steering import wall_smooth, in_field
from bots.registry import builtin_parts
from bots.enemy import (enemy_round_start, enemy_update, N_EN, EN_TIME, EN_X, EN_Y, EN_DROP, EN_DROP_TIME,
                        EN_TURN_RATE, EN_HEADING, EN_VEL, EN_ENERGY, EN_LAT_DIR)
from bots.registry import parse_bot, BotSpecError
from sim.engine.battle import run_battle
from sim.engine.constants import (N_ST, N_EV, MAX_EVENTS, ST_X, ST_Y, ST_HEADING, ST_TIME, E_TYPE, E_TIME, E_A,
                           EV_SCANNED, EV_BULLET_HIT, EA_OTHER, EA_ENERGY, EA_BEARING, EA_DISTANCE, EA_HEADING,
                           EA_VELOCITY, RADAR_SCAN_RADIUS, RS_HIT_WALL, RS_HIT_ROBOT, RS_DEAD)
from sim.engine.geometry import scan_hits_box, normal_relative_angle
from sim.engine.rules import Rules

# recorded robot columns
RND, TURN, ROB, X, Y, HEAD, GUN, RADAR, VEL, ENERGY, HEAT, STATE = range(12)


def robot_rows(trace, i):
    return trace[trace[:, ROB] == i]


def hit_rate(result, prefix):
    r = next(q for q in result.results if q.name.startswith(prefix))
    assert r.shots > 0, f"{prefix} never fired"
    return r.hits / r.shots, r


def scan_fraction(trace, me, other):
    """Fraction of turns after first contact whose radar sweep covered the other robot's box
    (the engine's own scan test, replayed on the recorded headings), while both live."""
    a = robot_rows(trace, me)
    b = robot_rows(trace, other)
    fractions = []
    firsts = []
    for rnd in np.unique(a[:, RND]):
        ra = a[a[:, RND] == rnd]
        rb = b[b[:, RND] == rnd]
        seen = []
        for k in range(1, len(ra)):
            if ra[k, STATE] == RS_DEAD or rb[k, STATE] == RS_DEAD:
                break
            start = ra[k - 1, RADAR]
            extent = normal_relative_angle(ra[k, RADAR] - start)
            seen.append(scan_hits_box(ra[k, X], ra[k, Y], start, extent, RADAR_SCAN_RADIUS, rb[k, X], rb[k, Y]))
        seen = np.array(seen)
        first = int(np.argmax(seen))
        firsts.append(first)
        fractions.append(seen[first:].mean())
    return float(np.mean(fractions)), max(firsts)


# --- the part catalogue and the parser -------------------------------------------------

def test_components_respect_the_layout():
    limits = layout.MAX_PARAMS
    entries = list(builtin_parts().values())
    names = [e.part.name for e in entries]
    assert len(names) == len(set(names))
    for cat in limits:
        kinds = [e.kind for e in entries if e.part.role == cat]
        assert kinds == list(range(len(kinds))), cat     # kinds are positions among the role's parts
    for c in (e.part for e in entries):
        assert c.role in limits and c.doc
        assert len(c.params) <= limits[c.role], c.name
        for p in c.params:
            assert p.doc, (c.name, p.name)
            if p.kind == "path":
                assert p.default == "", (c.name, p.name)    # "" = the part's built-in default file
            else:
                assert p.kind == "number" and p.lo <= p.default <= p.hi, (c.name, p.name)
    assert {"lock", "spin", "headon", "linear", "circular", "none", "still", "stopgo", "orbit", "gf", "knn",
            "learned", "virtual", "surf"} <= set(names)
    assert N_EN == layout.M.tele - layout.M.enemy and layout.M.tele < layout.M_PARTS


def test_parser_defaults_and_canonical_names():
    b = parse_bot("circular:power=2.5+orbit:distance=300")
    assert b.name == "lock+circular:power=2.5+orbit:distance=300"
    assert b.params[layout.P.gun] == 2.5
    assert b.mem_size > layout.M_PARTS
    assert parse_bot("lock").name == "lock+headon+still"


@pytest.mark.parametrize("spec", [
    "lock+laser", "lock+circular:power=4", "lock+circular:power=-1", "lock+circular:speed=2",
    "lock+circular:power=abc", "lock+circular:power=nan", "headon+linear", "lock+orbit:flip_prob=1.5",
    "lock+circular:power", "spin:direction=2", "lock:factor=3", "", "lock+orbit:distance=inf",
])
def test_parser_rejects_bad_specs(spec):
    with pytest.raises(BotSpecError):
        parse_bot(spec)


# --- radar ----------------------------------------------------------------------------

def test_lock_radar_scans_nearly_every_turn_and_spin_does_not():
    res = run_battle(["lock+none+orbit", "spin+none+orbit:distance=300"], Rules(rounds=2), seed=5, max_turns=500,
                     record=True)
    lock, first = scan_fraction(res.robots_trace, 0, 1)
    spin, _ = scan_fraction(res.robots_trace, 1, 0)
    assert lock >= 0.99, lock
    assert first <= 8          # a spinning search finds the enemy within one revolution
    assert 0.08 <= spin <= 0.3, spin
    # at close range, against a rammer, while both fire
    res = run_battle(["lock+circular+ram", "lock+linear+orbit:distance=150"], Rules(rounds=2), seed=2,
                     max_turns=500, record=True)
    assert scan_fraction(res.robots_trace, 0, 1)[0] >= 0.99
    assert scan_fraction(res.robots_trace, 1, 0)[0] >= 0.99


def test_radar_search_direction_and_narrow_lock():
    setups = [(100.0, 300.0, 0.0), (600.0, 300.0, 0.0)]     # enemy due east, radar starts north
    res = run_battle(["lock:search=-1+none+still", "lock:search=1,factor=1,extra=36+none+still"], Rules(rounds=1),
                     seed=1, setups=setups, max_turns=40, record=True)
    a, b = robot_rows(res.robots_trace, 0), robot_rows(res.robots_trace, 1)
    assert normal_relative_angle(a[1, RADAR] - a[0, RADAR]) == pytest.approx(-math.pi / 4)
    assert normal_relative_angle(b[1, RADAR] - b[0, RADAR]) == pytest.approx(math.pi / 4)
    # locked: the factor-2 radar dithers by at least the enemy's half-width, the wide one by about 2 x 36 px
    da = np.abs([normal_relative_angle(x) for x in np.diff(a[20:, RADAR])])
    db = np.abs([normal_relative_angle(x) for x in np.diff(b[20:, RADAR])])
    assert np.all(da >= math.atan(18.0 / 500.0) - 1e-9)
    assert np.median(db) == pytest.approx(2.0 * math.atan(36.0 / 500.0), rel=0.1)
    assert scan_fraction(res.robots_trace, 0, 1)[0] == 1.0 and scan_fraction(res.robots_trace, 1, 0)[0] == 1.0


# --- guns ---------------------------------------------------------------------------

def test_headon_hits_a_sitting_duck_nearly_always():
    res = run_battle(["lock+headon:power=1+still", "sample.SittingDuck"], Rules(rounds=3), seed=2)
    rate, r = hit_rate(res, "lock+headon")
    # the only misses: bullets already in flight when the duck dies (about two per round)
    assert r.shots - r.hits <= 3 * 3
    assert rate >= 0.85, rate


def test_circular_beats_linear_and_headon_on_a_circling_target():
    setups = [(100.0, 300.0, 0.0), (450.0, 300.0, 0.0)]
    rates = {}
    for gun in ("headon", "linear", "circular"):
        res = run_battle([f"lock+{gun}:power=2+still", "lock+none+circle"], Rules(rounds=2), seed=3,
                         setups=setups, max_turns=400)
        rates[gun] = hit_rate(res, "lock+" + gun)[0]
    assert rates["circular"] >= 0.8, rates
    assert rates["circular"] >= rates["linear"] + 0.4, rates
    assert rates["circular"] >= rates["headon"] + 0.4, rates


def test_linear_beats_headon_on_a_straight_mover():
    setups = [(200.0, 600.0, 0.0), (600.0, 600.0, 0.0)]
    rates = {}
    for gun in ("headon", "linear"):
        res = run_battle([f"lock+{gun}:power=2+still", "lock+none+oscillate:length=600"],
                         Rules(rounds=2, width=1200, height=1200), seed=3, setups=setups, max_turns=600)
        rates[gun] = hit_rate(res, "lock+" + gun)[0]
    assert rates["linear"] >= 0.4, rates
    assert rates["linear"] >= rates["headon"] + 0.3, rates


def test_gun_fires_when_cool_within_the_escape_angle():
    res = run_battle(["lock+linear:power=3+still", "lock+none+orbit"], Rules(rounds=1), seed=4, max_turns=300,
                     record=True)
    a, b = robot_rows(res.robots_trace, 0), robot_rows(res.robots_trace, 1)
    fired = np.where(np.diff(a[:, HEAT]) > 0.5)[0] + 1   # heat jumps by 1 + power/5 in the firing turn
    assert len(fired) >= 10
    assert np.all(np.diff(fired) >= 16)                    # 1.6 heat / 0.1 per turn
    assert fired[0] >= 31                                  # 3.0 start heat lasts 30 turns
    assert hit_rate(res, "lock+linear")[1].shots == len(fired)
    # each bullet leaves along the gun heading of the turn before, aimed inside the enemy's escape angle
    mea = math.asin(8.0 / 11.0)
    for t in fired:
        direct = math.atan2(b[t - 1, X] - a[t - 1, X], b[t - 1, Y] - a[t - 1, Y])
        d = math.hypot(b[t - 1, X] - a[t - 1, X], b[t - 1, Y] - a[t - 1, Y])
        assert abs(normal_relative_angle(a[t - 1, GUN] - direct)) <= mea + math.atan(36.0 / d)


def test_energy_rule_never_disables_and_saves_power():
    p = np.zeros(layout.MAX_PARAMS['gun'])
    p[:6] = (3.0, 1.0, 20.0, 0.1, 1.0, 10.0)
    assert gun_power(p, 100.0, 100.0) == 3.0
    assert gun_power(p, 10.0, 100.0) == pytest.approx(1.5)          # half the low-energy threshold
    assert gun_power(p, 100.0, 4.0) == pytest.approx(kill_power(4.0))  # no overkill
    assert 4.0 * kill_power(2.0) >= 2.0 and 6.0 * kill_power(10.0) - 2.0 >= 10.0
    for e in np.linspace(0.0, 5.0, 51):
        pw = gun_power(p, e, 100.0)
        assert pw == 0.0 or (pw >= 0.1 and e - pw >= 0.1 - 1e-12), (e, pw)
    assert gun_power(p, 0.15, 100.0) == 0.0
    p[1] = 0.0                                                    # fixed power: still keeps the reserve
    assert gun_power(p, 100.0, 1.0) == 3.0
    assert gun_power(p, 2.0, 100.0) == pytest.approx(1.9)


def test_prediction_kernels():
    en = np.zeros(N_EN)
    en[EN_TIME], en[EN_X], en[EN_Y], en[EN_HEADING], en[EN_VEL] = 10.0, 700.0, 300.0, math.pi / 2, 8.0
    # linear: towards the right wall, the predicted robot stops at x = 800 - 18
    aim, x, y = predict(GUN_LINEAR, en, 10.0, 400.0, 100.0, 3.0, 800.0, 600.0)
    assert x == pytest.approx(782.0) and y == pytest.approx(300.0)
    en[EN_X] = 400.0
    # linear in the open: the bullet's radius k * v_b reaches the predicted point at the k-th step
    aim, x, y = predict(GUN_LINEAR, en, 10.0, 400.0, 100.0, 3.0, 5000.0, 5000.0)
    k = round((x - 400.0) / 8.0)
    assert 11.0 * k >= math.hypot(x - 400.0, y - 100.0) > 11.0 * (k - 1)
    # a scan 3 turns old is advanced to now first
    en[EN_TIME] = 7.0
    _, x2, _ = predict(GUN_LINEAR, en, 10.0, 400.0, 100.0, 3.0, 5000.0, 5000.0)
    assert x2 > x
    # circular with zero turn rate is linear; with a turn rate the path bends the right way
    en[EN_TIME] = 10.0
    en[EN_TURN_RATE] = 0.0
    assert predict(GUN_CIRCULAR, en, 10.0, 400.0, 100.0, 3.0, 5000.0, 5000.0)[1] == pytest.approx(x)
    en[EN_TURN_RATE] = 4.0 * math.pi / 180.0      # clockwise: heading east turns south, y decreases
    _, xc, yc = predict(GUN_CIRCULAR, en, 10.0, 400.0, 100.0, 3.0, 5000.0, 5000.0)
    assert yc < 300.0 and xc < x
    assert predict(GUN_HEADON, en, 10.0, 400.0, 100.0, 3.0, 800.0, 600.0)[0] == pytest.approx(0.0)


def test_wall_smoothing_keeps_the_stick_inside():
    rng = np.random.default_rng(0)
    for _ in range(200):
        x, y = rng.uniform(30.0, 770.0), rng.uniform(30.0, 570.0)
        angle = rng.uniform(-math.pi, math.pi)
        d = rng.choice([-1.0, 1.0])
        a = wall_smooth(x, y, angle, d, 120.0, 25.0, 800.0, 600.0)
        assert in_field(x + 120.0 * math.sin(a), y + 120.0 * math.cos(a), 25.0, 800.0, 600.0)


# --- the enemy record -----------------------------------------------------------------

def _scan_event(ev, k, t, energy, bearing, dist, heading, vel):
    ev[k, E_TYPE], ev[k, E_TIME] = EV_SCANNED, t
    ev[k, EA_OTHER], ev[k, EA_ENERGY], ev[k, EA_BEARING] = 1.0, energy, bearing
    ev[k, EA_DISTANCE], ev[k, EA_HEADING], ev[k, EA_VELOCITY] = dist, heading, vel


def test_enemy_record_positions_and_energy_drops():
    en = np.zeros(N_EN)
    enemy_round_start(en)
    st = np.zeros(N_ST)
    st[ST_X], st[ST_Y], st[ST_HEADING] = 100.0, 100.0, math.pi / 2     # facing east
    ev = np.zeros((MAX_EVENTS, N_EV))
    st[ST_TIME] = 1.0
    _scan_event(ev, 0, 1.0, 100.0, -math.pi / 2, 200.0, 0.0, 8.0)        # straight north of us, going north
    enemy_update(en, st, ev, 1)
    assert en[EN_X] == pytest.approx(100.0) and en[EN_Y] == pytest.approx(300.0)
    assert en[EN_DROP_TIME] == -1.0
    st[ST_TIME] = 2.0                                                   # it fired 2.0
    _scan_event(ev, 0, 2.0, 98.0, -math.pi / 2, 208.0, 0.1, 8.0)
    enemy_update(en, st, ev, 1)
    assert en[EN_DROP_TIME] == 2.0 and en[EN_DROP] == pytest.approx(2.0)
    assert en[EN_TURN_RATE] == pytest.approx(0.1)
    st[ST_TIME] = 3.0                                                   # our 3.0 bullet hit it: not a shot
    ev[0, E_TYPE], ev[0, E_A], ev[0, E_A + 5] = EV_BULLET_HIT, 1.0, 3.0
    _scan_event(ev, 1, 3.0, 82.0, -math.pi / 2, 216.0, 0.1, 8.0)
    enemy_update(en, st, ev, 2)
    assert en[EN_DROP_TIME] == 2.0 and en[EN_ENERGY] == 82.0
    st[ST_TIME] = 4.0                                                   # hit by us and fired 0.5 in one turn
    _scan_event(ev, 1, 4.0, 65.5, -math.pi / 2, 224.0, 0.1, 8.0)
    enemy_update(en, st, ev, 2)
    assert en[EN_DROP_TIME] == 4.0 and en[EN_DROP] == pytest.approx(0.5)
    assert en[EN_LAT_DIR] == 1.0        # heading 0.1 rad at a north bearing: moving clockwise


# --- movements --------------------------------------------------------------------------

def test_orbit_keeps_its_distance_and_off_the_walls():
    res = run_battle(["lock+none+orbit:distance=300", "lock+none+orbit:distance=300"], Rules(rounds=3), seed=7,
                     max_turns=700, record=True)
    tr = res.robots_trace
    a, b = robot_rows(tr, 0), robot_rows(tr, 1)
    late = a[:, TURN] >= 100
    d = np.hypot(a[late, X] - b[late, X], a[late, Y] - b[late, Y])
    assert abs(d.mean() - 300.0) < 30.0, d.mean()
    assert np.mean(np.abs(d - 300.0) < 100.0) > 0.85
    assert np.sum(tr[:, STATE] == RS_HIT_WALL) == 0
    assert np.sum(tr[:, STATE] == RS_HIT_ROBOT) == 0
    assert np.mean(np.abs(a[late, VEL])) > 6.0            # keeps moving (reversals and walls slow it a little)


def _reversals(rows):
    s = np.sign(rows[:, VEL])
    s = s[s != 0.0]
    return int(np.sum(np.diff(s) != 0.0))


def test_orbit_reverses_at_the_configured_rate():
    big = Rules(rounds=2, width=3000, height=3000, inactivity_time=100000)
    setups = [(1500.0, 1500.0, 0.0), (1900.0, 1500.0, 0.0)]
    res = run_battle(["lock+none+still", "lock+none+orbit:distance=400,flip_prob=0.05,flip_min=10"], big, seed=1,
                     setups=setups, max_turns=2000, record=True)
    rows = robot_rows(res.robots_trace, 1)
    assert len(rows) == 2 * 2001
    n = _reversals(rows)
    expected = 2 * 2000 / (10 - 1 + 1 / 0.05)     # flip_min - 1 + 1/flip_prob turns apart on average
    assert abs(n - expected) < 0.2 * expected, (n, expected)
    res = run_battle(["lock+none+still", "lock+none+orbit:distance=400,flip_prob=0"], big, seed=1,
                     setups=setups, max_turns=1000, record=True)
    assert _reversals(robot_rows(res.robots_trace, 1)) == 0


def test_orbit_random_speed_changes():
    res = run_battle(["lock+none+still", "lock+none+orbit:speed_prob=0.1,min_speed=2"],
                     Rules(rounds=1, width=3000, height=3000), seed=1,
                     setups=[(1500.0, 1500.0, 0.0), (1950.0, 1500.0, 0.0)], max_turns=600, record=True)
    v = np.abs(robot_rows(res.robots_trace, 1)[100:, VEL])
    assert np.mean(v < 7.0) > 0.2 and v.max() > 7.5


def test_stopgo_dodges_headon_by_reading_energy_drops():
    still = run_battle(["lock+headon+still", "lock+none+still"], Rules(rounds=2), seed=8, max_turns=500)
    dodge = run_battle(["lock+headon+still", "lock+none+stopgo"], Rules(rounds=2), seed=8, max_turns=500,
                       record=True)
    rate_still = hit_rate(still, "lock+headon")[0]
    rate_dodge = hit_rate(dodge, "lock+headon")[0]
    assert rate_still >= 0.8 and rate_dodge <= 0.3, (rate_still, rate_dodge)
    rows = robot_rows(dodge.robots_trace, 1)
    assert np.mean(rows[:, VEL] == 0.0) > 0.1      # it does stop between shots


def test_ram_rams():
    res = run_battle(["lock+none+ram", "sample.SittingDuck"], Rules(rounds=1), seed=3, max_turns=300,
                     record=True)
    r = next(q for q in res.results if q.name.startswith("lock+none+ram"))
    assert r.ram_damage > 0.0
    assert np.sum(robot_rows(res.robots_trace, 0)[:, STATE] == RS_HIT_ROBOT) >= 10


def test_battles_are_deterministic():
    spec = ["lock+circular+orbit:flip_prob=0.1,speed_prob=0.05", "spin+linear+stopgo:flip=0.5"]
    r1 = run_battle(spec, Rules(rounds=2), seed=11, max_turns=400, record=True)
    r2 = run_battle(spec, Rules(rounds=2), seed=11, max_turns=400, record=True)
    assert np.array_equal(r1.robots_trace, r2.robots_trace)
    r3 = run_battle(spec, Rules(rounds=2), seed=12, max_turns=400, record=True)
    assert not np.array_equal(r1.robots_trace, r3.robots_trace)
