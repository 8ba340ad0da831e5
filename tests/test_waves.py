"""Waves computed from recorded battles (sim/waves/tracking.py): the engine's bullets decide the labels."""
import math

import numpy as np
import pytest

from sim.waves import tracking as W
from sim.engine.battle import run_battle
from sim.engine.constants import BS_MOVING
from sim.waves.features import FEATURES, FEATURE_NAMES
from sim.engine.rules import Rules

MATCHUPS = {
    "orbit": ("lock+circular+orbit", "lock+linear+orbit", 20, 5),
    "ram": ("lock+circular+orbit", "lock+linear+ram", 10, 3),
    "samples": ("sample.Walls", "sample.SpinBot", 6, 1),
    "spin": ("spin+circular+orbit", "lock+headon+stopgo", 8, 2),
}


@pytest.fixture(scope="module", params=sorted(MATCHUPS))
def battle(request):
    a, b, rounds, seed = MATCHUPS[request.param]
    res = run_battle([a, b], Rules(rounds=rounds), seed=seed, record=True)
    return request.param, res, W.battle_waves(res)


@pytest.fixture(scope="module")
def orbit_battle():
    a, b, rounds, seed = MATCHUPS["orbit"]
    res = run_battle([a, b], Rules(rounds=rounds), seed=seed, record=True)
    return res, W.battle_waves(res)


def _in_hit_set(gun, parts, rows, gf_values, tol=1e-9):
    """gf value in the exact hit set of each row (hull when the set is one piece)."""
    out = (gun["gf_lo"][rows] - tol <= gf_values) & (gf_values <= gun["gf_hi"][rows] + tol)
    multi = gun["n_parts"][rows] > 1
    for k in np.flatnonzero(multi):
        r = rows[k]
        p = parts[parts[:, 0] == r]
        out[k] = bool(np.any((p[:, 1] - tol <= gf_values[k]) & (gf_values[k] <= p[:, 2] + tol)))
    return out


def test_bullets_leave_from_the_shooters_previous_position(battle):
    """The timing every wave relies on: a bullet fired in turn t starts where its shooter was at the end
    of t-1 and has flown one step of 20 - 3p along its heading at the end of t."""
    _, res, _ = battle
    rob = res.robots_trace.reshape(-1, 2, res.robots_trace.shape[1])
    idx = {(int(r[0, 0]), int(r[0, 1])): r for r in rob}
    bt = res.bullets_trace
    seen = set()
    checked = 0
    for row in bt:
        key = (int(row[0]), int(row[2]), int(row[3]))
        if key in seen:
            continue
        seen.add(key)
        if int(row[8]) != BS_MOVING:
            continue   # stopped in its first turn: its recorded position is not a full step
        v = 20 - 3 * min(max(row[7], 0.1), 3.0)     # Rules.getBulletSpeed clamps the power
        shooter = idx[(int(row[0]), int(row[1]) - 1)][int(row[2])]
        assert row[4] - v * math.sin(row[6]) == pytest.approx(shooter[3], abs=1e-9)
        assert row[5] - v * math.cos(row[6]) == pytest.approx(shooter[4], abs=1e-9)
        checked += 1
    assert checked > 50


def test_hit_exactly_when_fired_inside_the_precise_intersection(battle):
    name, res, w = battle
    g = w["gun"]["columns"]
    parts = w["gun"]["parts"]
    real = np.flatnonzero((g["real_bullet"] == 1) & (g["collided"] == 0))
    assert len(real) > 50
    hit = g["hit"][real] == 1
    assert hit.any() and (~hit).any()
    inside = _in_hit_set(g, parts, real, g["gf_fired"][real])
    exact = g["exact"][real] == 1
    bad = np.flatnonzero(exact & (inside != hit))
    assert len(bad) == 0, [(int(g["round"][real[k]]), int(g["turn"][real[k]]), g["gf_fired"][real[k]],
                            g["gf_lo"][real[k]], g["gf_hi"][real[k]], bool(hit[k])) for k in bad[:5]]
    # a hit always lies in the hull [gf_lo, gf_hi]; a miss lies outside it unless it fell in a gap of a split set
    hull = (g["gf_lo"][real] - 1e-9 <= g["gf_fired"][real]) & (g["gf_fired"][real] <= g["gf_hi"][real] + 1e-9)
    assert np.all(hull[hit & exact])
    in_gap = exact & ~hit & hull
    assert np.all(g["n_parts"][real][in_gap] > 1)
    # boxes estimated after a ram are rare and, here, still right
    assert np.mean(exact) > 0.7
    assert np.all(inside[~exact] == hit[~exact])


def test_one_wave_per_shooter_and_turn_real_when_fired(orbit_battle):
    res, w = orbit_battle
    g = w["gun"]["columns"]
    key = (g["round"] * 10000 + g["turn"]) * 2 + g["shooter"]
    assert len(np.unique(key)) == len(key)
    assert np.all(g["target"] == 1 - g["shooter"])
    assert np.all(np.diff(g["round"] * 10000 + g["turn"]) >= 0)          # chronological
    bul = W.bullet_table(res, np.arange(res.rules.rounds))
    stats = w["gun"]["stats"]
    for s in range(2):
        mine = g["shooter"] == s
        real = mine & (g["real_bullet"] == 1)
        assert real.sum() == stats[s, 2] - stats[s, 3]
        # the real rows carry the bullets' ids and powers
        ids = set(zip(g["round"][real], g["bullet_id"][real]))
        fired = {(int(b[W.BC_ROUND]), int(b[W.BC_ID])) for b in bul if b[W.BC_OWNER] == s}
        assert ids <= fired and len(fired) - len(ids) == stats[s, 3] + (len(fired) - stats[s, 2])
        assert np.all(g["bullet_id"][mine & (g["real_bullet"] == 0)] == -1)
        assert np.all(np.isnan(g["gf_fired"][mine & (g["real_bullet"] == 0)]))
        assert not np.any(np.isnan(g["gf_fired"][real]))
    # virtual waves carry the power of the shooter's last real bullet (before its first: the first one's)
    for s in range(2):
        mine = bul[bul[:, W.BC_OWNER] == s]
        when = mine[:, W.BC_ROUND] * 100000 + mine[:, W.BC_FIRE]
        rows = np.flatnonzero((g["shooter"] == s) & (g["real_bullet"] == 0))
        k = np.searchsorted(when, g["round"][rows] * 100000 + g["turn"][rows]) - 1
        want = mine[np.maximum(k, 0), W.BC_POWER]
        assert np.array_equal(g["power"][rows], want)
    assert np.allclose(g["bullet_speed"], 20 - 3 * np.clip(g["power"], 0.1, 3.0), rtol=0, atol=1e-12)
    assert np.allclose(g["mea"], np.arcsin(8 / g["bullet_speed"]), rtol=0, atol=1e-12)


def test_center_gf_and_visits_are_consistent(battle):
    _, _, w = battle
    g = w["gun"]["columns"]
    ok = ~np.isnan(g["gf_center"])
    assert ok.mean() > 0.95
    inside = (g["gf_lo"][ok] - 1e-9 <= g["gf_center"][ok]) & (g["gf_center"][ok] <= g["gf_hi"][ok] + 1e-9)
    # the centre is in the box the front crosses that turn; only a wall cutting the bullet can drop it
    assert inside.mean() > 0.99
    assert np.all(g["gf_lo"] <= g["gf_hi"])
    assert np.all(g["n_parts"] >= 1)
    assert set(np.unique(g["status"])) <= {W.WS_PASSED, W.WS_TARGET_DIED, W.WS_ROUND_ENDED}
    assert np.all(g["mea_pos"] <= g["mea"] + 1e-12) and np.all(g["mea_neg"] <= g["mea"] + 1e-12)
    assert np.all(g["mea_pos"] >= 0) and np.all(g["mea_neg"] >= 0)


def _range_check(name, values, width=800.0, height=600.0):
    diag = math.hypot(width, height)
    lim = {
        "distance": (0, diag), "velocity": (-8, 8), "abs_velocity": (0, 8), "vel8": (0, 1), "accel": (-8, 2),
        "lat_vel": (-8, 8), "adv_vel": (-8, 8), "lat_dir": (-1, 1), "move_dir": (-1, 1), "adv_dir": (-1, 1),
        "dist10": (0, 80 + 1e-9), "dist20": (0, 160 + 1e-9), "wall_ahead": (0, 1 + 1e-12),
        "wall_reverse": (0, 1 + 1e-12), "stick_ahead": (0, math.pi + 1e-12), "stick_reverse": (0, math.pi + 1e-12),
        "wall_dist_ahead": (0, diag), "wall_dist_reverse": (0, diag), "virtuality": (0, 100),
        "power": (0.1 - 1e-12, 3), "energy": (0, 250), "shooter_energy": (0, 250),
        "dir_change_rel": (0, 1e4), "decel_rel": (0, 1e4),
    }
    if name in lim:
        lo, hi = lim[name]
        assert np.all((values >= lo) & (values <= hi)), (name, values.min(), values.max())
    assert np.all(np.isfinite(values)), name


def test_features_are_finite_and_in_their_documented_ranges(battle):
    _, _, w = battle
    g = w["gun"]["columns"]
    for name in FEATURE_NAMES:
        _range_check(name, g[name])
    assert set(np.unique(g["vel8"])) <= {0.0, 1.0}
    assert set(np.unique(g["lat_dir"])) <= {-1.0, 1.0}
    # definitions that tie features to each other
    assert np.allclose(g["bft"], g["distance"] / g["bullet_speed"])
    assert np.array_equal(g["abs_velocity"], np.abs(g["velocity"]))
    assert np.allclose(np.hypot(g["lat_vel"], g["adv_vel"]), np.abs(g["velocity"]))
    assert np.all(g["virtuality"][g["real_bullet"] == 1] == 0)
    assert np.all(g["virtuality"][g["real_bullet"] == 0] >= 1)
    assert np.allclose(g["wall_ahead"], g["mea_pos"] / g["mea"])
    same = np.abs(g["lat_vel"]) > 1e-9      # below that the previous direction is kept
    assert np.all(np.sign(g["lat_vel"][same]) == g["lat_dir"][same])
    assert len(FEATURES) == len(FEATURE_NAMES) == len(set(FEATURE_NAMES))


def test_features_match_a_direct_recomputation(orbit_battle):
    """Spot-check the O(1) history counters and distances against the raw trace."""
    res, w = orbit_battle
    g = w["gun"]["columns"]
    rob = res.robots_trace.reshape(-1, 2, res.robots_trace.shape[1])
    by_turn = {(int(r[0, 0]), int(r[0, 1])): r for r in rob}
    rng = np.random.default_rng(3)
    for k in rng.choice(len(g["turn"]), 300, replace=False):
        rnd, t, o = int(g["round"][k]), int(g["turn"][k]), int(g["target"][k])
        hist = [by_turn[(rnd, q)][o] for q in range(t - 1, -1, -1)]   # newest first
        vel = [h[8] for h in hist]
        x, y = hist[0][3], hist[0][4]
        ten = hist[min(10, len(hist) - 1)]
        assert g["dist10"][k] == pytest.approx(math.hypot(x - ten[3], y - ten[4]), abs=1e-9)
        md = 1.0
        for v in vel:
            if v != 0:
                md = math.copysign(1.0, v)
                break
        assert g["move_dir"][k] == md
        # turns since velocity last changed against move_dir
        dt = next((i for i in range(len(vel) - 1) if (vel[i] - vel[i + 1]) * md < 0), len(vel) - 1)
        assert g["decel_time"][k] == dt
        prev = vel[1] if len(vel) > 1 else vel[0]
        acc = abs(vel[0] - prev)
        assert g["accel"][k] == (-acc if abs(vel[0]) < abs(prev) else acc)


def test_enemy_waves_with_lock_radars_are_detected_exactly(orbit_battle):
    _, w = orbit_battle
    e = w["enemy"]["columns"]
    st = w["enemy"]["stats"]
    for s in range(2):
        d = dict(zip(W.DETECTION_STATS, st[s]))
        observable = d["enemy_bullets"] - d["unobservable"]
        assert observable > 100
        assert d["right"] == observable and d["false_positive"] == 0 and d["missed"] == 0
        assert d["labels"] > 20 and d["labels_right"] == d["labels"]
    hit = (e["hit"] == 1) & (e["label_right"] == 1) & (e["exact"] == 1)
    assert hit.sum() > 20
    # the bullet that hit the surfer lies in the surfer's own visit interval of that wave
    assert np.all((e["gf_lo"][hit] - 1e-9 <= e["gf_hit"][hit]) & (e["gf_hit"][hit] <= e["gf_hi"][hit] + 1e-9))
    assert np.all(np.isnan(e["gf_hit"][(e["hit"] == 0) & (e["hit_bullet"] == 0)]))
    assert np.all(e["gap"] == 1)


def test_enemy_wave_detection_is_reported_honestly_without_a_lock(battle):
    name, _, w = battle
    st = w["enemy"]["stats"]
    for s in range(2):
        d = dict(zip(W.DETECTION_STATS, st[s]))
        assert d["detections"] == d["right"] + d["wrong_turn"] + d["false_positive"]
        assert d["right"] + d["missed"] == d["enemy_bullets"] - d["unobservable"]
        assert d["labels_right"] <= d["labels"]
    e = w["enemy"]["columns"]
    assert np.all(e["surfer"] == 1 - e["shooter"])
    assert np.all((e["power"] >= 0) & (e["power"] <= 3.0))
    if name == "spin":   # a spinning radar leaves gaps: still mostly right thanks to the gun-heat model
        d = dict(zip(W.DETECTION_STATS, st[1]))     # robot 1 (lock radar) surfs robot 0 (spin radar)
        assert d["right"] / max(1, d["detections"]) > 0.95
        d = dict(zip(W.DETECTION_STATS, st[0]))     # robot 0 sees robot 1 only now and then
        assert w["enemy"]["scans"][0] < 0.5 * w["enemy"]["scans"][1]
        assert d["right"] / max(1, d["detections"]) > 0.6


def test_unrecorded_battle_is_refused():
    res = run_battle(["sample.SittingDuck", "sample.SittingDuck"], Rules(rounds=1), seed=0, max_turns=5)
    with pytest.raises(W.TraceError, match="record=True"):
        W.battle_waves(res)
    res3 = run_battle(["sample.SittingDuck"] * 3, Rules(rounds=1), seed=0, max_turns=5, record=True)
    with pytest.raises(W.TraceError, match="1v1"):
        W.battle_waves(res3)


def test_hit_boxes_follow_the_engine_rules():
    x = np.array([[100.0, 108.0, 108.0, 108.0, 112.0], [300.0, 300.0, 300.0, 300.0, 300.0]])
    y = np.full((2, 5), 200.0)
    heading = np.full((2, 5), math.pi / 2)
    vel = np.array([[0.0, 8.0, 0.0, 0.0, 4.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    state = np.zeros((2, 5))
    state[0, 2] = 2.0    # at fault in a ram at turn 2: stepped back (x unchanged), velocity 0
    bx, by, ex = np.zeros((2, 5)), np.zeros((2, 5)), np.zeros((2, 5), dtype=np.bool_)
    W.hit_boxes(x, y, heading, vel, state, np.array([0, 5]), bx, by, ex)
    assert list(bx[0]) == [100.0, 108.0, 116.0, 116.0, 112.0]   # pre-step-back estimate kept while standing
    assert list(ex[0]) == [True, True, False, False, True]
    assert list(bx[1]) == [300.0] * 5 and ex[1].all()


def _fake_battle(target_path, shooter=(400.0, 100.0), width=800, height=600):
    """A recorded 1v1 'battle' from a given path of robot 1 (x, y, heading, velocity per turn); robot 0
    stands at `shooter` and never fires. Only what sim.waves.tracking reads is filled in."""
    from types import SimpleNamespace
    T = len(target_path)
    tr = np.zeros((2 * T, 12))
    for t, (x, y, h, v) in enumerate(target_path):
        tr[2 * t] = (0, t, 0, shooter[0], shooter[1], 0, 0, 0, 0, 100, 0, 0)
        tr[2 * t + 1] = (0, t, 1, x, y, h, h, h, v, 100, 0, 0)
    return SimpleNamespace(robots_trace=tr, bullets_trace=np.zeros((0, 9)), names=["a", "b"],
                           rules=Rules(width=width, height=height, rounds=1), seed=0, total_turns=T - 1)


def test_lateral_direction_is_kept_while_the_target_stops():
    # the target, due north of the shooter, drives anticlockwise (west) for 15 turns, then stands for 60
    path = [(400.0 - 8.0 * t, 400.0, 1.5 * math.pi, 8.0) for t in range(16)]
    path += [(400.0 - 8.0 * 15, 400.0, 1.5 * math.pi, 0.0)] * 60
    g = W.gun_waves(_fake_battle(path), virtual_power=2.0)["columns"]
    mine = g["shooter"] == 0
    lat = g["lat_dir"][mine]
    turn = g["turn"][mine]
    assert np.all(lat[turn <= 15] == -1.0)
    assert np.all(lat[turn > 15] == -1.0)          # zero lateral velocity: the previous direction is kept
    assert np.all(g["lat_vel"][mine][turn > 16] == 0.0)
    # a standing target is hit at GF 0 and the interval holds 0; while it drove west its GF was positive
    standing = mine & (g["turn"] > 20) & (g["status"] == 0)
    assert np.allclose(g["gf_center"][standing], 0.0, atol=1e-12)
    assert np.all((g["gf_lo"][standing] < 0) & (g["gf_hi"][standing] > 0))
    moving = mine & (g["turn"] <= 3)
    assert np.all(g["gf_center"][moving] > 0.0)
    # a target that never moved keeps the default +1
    still = [(400.0, 400.0, 0.0, 0.0)] * 40
    g2 = W.gun_waves(_fake_battle(still))["columns"]
    assert np.all(g2["lat_dir"] == 1.0) and np.all(g2["power"] == 2.0)
