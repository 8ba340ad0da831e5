"""Replay files: recording, the file format, determinism, and refusing bad files."""
import math
import dataclasses
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from sim.io.replay import (FORMAT_VERSION, ReplayError, record_replay, replay_from_battle, save_replay, load_replay,
                        default_replay_path, verify_replay, replays_equal, bullet_speed, EVT_DEATH, EVT_BULLET_HIT,
                        EVT_WIN, RS_DEAD, TELE_BINS, TELE_SOURCE_COLUMNS, TK_AIM, TK_DANGER, WAVE_PASS_MARGIN)
from sim.engine.rules import Rules

ROOT = Path(__file__).resolve().parent.parent
BOTS = ["sample.Walls", "sample.SpinBot"]


@pytest.fixture(scope="module")
def battle():
    from sim.engine.battle import run_battle
    rules = Rules(rounds=3)
    result = run_battle(BOTS, rules, seed=11, record=True)
    return result, replay_from_battle(result, BOTS)


@pytest.fixture(scope="module")
def saved(battle, tmp_path_factory):
    path = tmp_path_factory.mktemp("rp") / "walls-spin.gfr"
    save_replay(path, battle[1])
    return path


# --- recording ---------------------------------------------------------------------------------------

def test_metadata(battle):
    result, rp = battle
    m = rp.meta
    assert m["format"] == "gfsim-replay" and m["version"] == FORMAT_VERSION
    assert m["bots"] == BOTS and m["names"] == result.names and m["seed"] == 11
    assert m["rules"] == Rules(rounds=3).as_dict()
    assert rp.rules == Rules(rounds=3)
    assert m["rounds"] == 3 and m["robots"] == 2
    assert m["frames"] == int((result.round_turns + 1).sum()) == rp.frames
    assert set(m["sections"]) == {"robots", "bullets", "events", "scores", "waves"}   # samples write no telemetry
    assert m["sections"]["waves"] == {"version": 1, "required": False, "virtual": False,
                                      "rows": len(rp.waves["round"])}
    assert rp.telemetry is None


def test_twins_keep_their_specs():
    rp = record_replay(["sample.SittingDuck", "sample.SittingDuck"], Rules(rounds=1, inactivity_time=30), seed=2)
    assert rp.bots == ["sample.SittingDuck", "sample.SittingDuck"]
    assert rp.names == ["sample.SittingDuck (1)", "sample.SittingDuck (2)"]


def test_robot_states_match_the_trace(battle):
    result, rp = battle
    tr = result.robots_trace
    for row in tr[:: 97]:
        r, t, i = int(row[0]), int(row[1]), int(row[2])
        f = rp.frame(r, t)
        assert rp.round_turn(f) == (r, t)
        for k, name in enumerate(("x", "y")):
            assert abs(rp.robots[name][f, i] - row[3 + k]) <= 0.5 / 256 + 1e-12
        for k, name in enumerate(("heading", "gun", "radar")):
            d = (rp.robots[name][f, i] - row[5 + k] + np.pi) % (2 * np.pi) - np.pi
            assert abs(d) <= np.pi / 2 ** 20 + 1e-12
        for k, name in enumerate(("velocity", "energy", "gun_heat")):
            assert abs(rp.robots[name][f, i] - row[8 + k]) <= 0.5 / 1024 + 1e-12
        assert rp.robots["state"][f, i] == int(row[11])


def test_bullets_reproduce_the_trace(battle):
    """Birth + straight flight + end give every recorded bullet row to within 0.02 px."""
    result, rp = battle
    bt = result.bullets_trace
    checked = 0
    for f in range(0, rp.frames, 5):
        r, t = rp.round_turn(f)
        flying, exploding = rp.bullets_at(f)
        rows = bt[(bt[:, 0] == r) & (bt[:, 1] == t)]
        mov = rows[rows[:, 8] == 1]
        stop = rows[rows[:, 8] > 1]
        assert len(mov) == len(flying["x"]) and len(stop) == len(exploding["x"]), (r, t)
        for got, want in ((flying, mov), (exploding, stop)):
            for k in range(len(got["x"])):
                b = got["index"][k]
                w = want[(want[:, 2] == rp.bullets["owner"][b]) & (want[:, 3] == rp.bullets["id"][b])]
                assert len(w) == 1
                assert np.hypot(w[0, 4] - got["x"][k], w[0, 5] - got["y"][k]) < 0.02
                checked += 1
    assert checked > 100


def test_bullet_table(battle):
    result, rp = battle
    b = rp.bullets
    assert np.all(b["birth"] <= b["end"])
    assert set(np.unique(b["reason"])) <= {0, 2, 3, 4}
    assert np.all((b["victim"] >= 0) == (b["reason"] == 2))
    assert np.all(b["victim"] != b["owner"])
    v = bullet_speed(b["power"])
    assert np.all((v > 10.9) & (v < 19.8))


def test_events_and_stats_match_robocode_statistics(battle):
    result, rp = battle
    ev = rp.events
    # one death per dead robot per round, at the turn its state becomes DEAD
    for r in range(rp.rounds):
        f0, f1 = rp.round_start[r], rp.round_start[r + 1]
        for i in range(rp.n):
            dead = np.nonzero(rp.robots["state"][f0:f1, i] == RS_DEAD)[0]
            m = (ev["round"] == r) & (ev["type"] == EVT_DEATH) & (ev["robot"] == i)
            assert m.sum() == (1 if len(dead) else 0)
            if len(dead):
                assert ev["turn"][m][0] == dead[0]
        assert ((ev["round"] == r) & (ev["type"] == EVT_WIN)).sum() == 1
    assert (ev["type"] == EVT_BULLET_HIT).sum() == (rp.bullets["reason"] == 2).sum()
    cum = rp.cumulative()
    for res in result.results:
        i = result.names.index(res.name)
        assert cum["shots"][-1, i] == res.shots and cum["hits"][-1, i] == res.hits
        assert cum["score"][-1, i] == pytest.approx(res.total)
    assert np.all(np.diff(cum["shots"], axis=0) >= 0)


def test_scan_flags(battle):
    _, rp = battle
    scan = rp.robots["scan"]
    assert np.all(scan[rp.round_start[:-1]] == 0)          # no sweep at turn 0
    swept = (scan & 1).astype(bool)
    assert swept.mean() > 0.5                                # both bots turn their radar nearly every turn
    saw = (scan >> 1) & 0b11
    assert np.all((saw == 0) | swept)                        # a robot is seen only by a sweep
    assert np.all(saw[:, 0] & 1 == 0) and np.all(saw[:, 1] & 2 == 0)   # never by itself
    f = np.nonzero(saw[:, 1] & 1)[0]                         # SpinBot saw Walls
    assert len(f) > 10
    d = np.hypot(rp.robots["x"][f, 0] - rp.robots["x"][f, 1], rp.robots["y"][f, 0] - rp.robots["y"][f, 1])
    assert np.all(d < 1200 + 26)
    start, extent = rp.scan_arc(int(f[0]), 1)
    assert abs(extent) <= np.pi


# --- file round trip and determinism ------------------------------------------------------------

def test_round_trip(battle, saved):
    _, rp = battle
    again = load_replay(saved)
    same, why = replays_equal(rp, again)
    assert same, why


def test_same_battle_same_bytes(battle, saved, tmp_path):
    save_replay(tmp_path / "again.gfr", load_replay(saved))
    assert (tmp_path / "again.gfr").read_bytes() == Path(saved).read_bytes()


def test_resimulated_replay_equals_recorded(saved):
    """The determinism check: a replay re-simulated from its own metadata is the same replay."""
    rp = load_replay(saved)
    same, why = verify_replay(rp)
    assert same, why
    again = record_replay(rp.bots, rp.rules, rp.seed)
    assert again.meta["trace_sha256"] == rp.meta["trace_sha256"]
    assert replays_equal(again, rp)[0]


def test_verify_notices_a_different_battle(saved):
    rp = load_replay(saved)
    rp.meta["seed"] = rp.meta["seed"] + 1
    same, why = verify_replay(rp)
    assert not same and why


def test_loaded_without_pickle(saved):
    with np.load(saved, allow_pickle=False) as z:
        for name in z.files:
            assert z[name].dtype != object
        meta = json.loads(z["meta"].tobytes())
    assert meta["format"] == "gfsim-replay"


def test_35_rounds_is_compact(tmp_path):
    """35 rounds of two composite bots with their real waves and an aim and a danger row per real wave
    (what GF guns and a surfer write) stay under 2 MB (measured: ~0.6 MB without telemetry, ~1.3 MB with)."""
    from sim.engine.battle import run_battle
    bots = ["lock+circular+orbit", "lock+linear+orbit"]
    result = run_battle(bots, Rules(rounds=35), seed=3, record=True)
    rp = replay_from_battle(result, bots)
    result.telemetry = synthetic_telemetry(rp)
    rp = replay_from_battle(result, bots)
    assert len(rp.telemetry["round"]) == 2 * int(rp.waves["real"].sum()) > 2000
    path = tmp_path / "big.gfr"
    save_replay(path, rp)
    size = path.stat().st_size
    assert size < 2_000_000, size
    assert rp.frames > 10_000
    assert replays_equal(load_replay(path), rp)[0]


def test_save_is_atomic(battle, saved, tmp_path, monkeypatch):
    _, rp = battle
    path = tmp_path / "keep.gfr"
    save_replay(path, rp)
    before = path.read_bytes()
    import sim.io.replay as R

    def boom(self, f, n):   # the disk fills while a member is copied into the archive
        f.write(b"partial")
        raise OSError("disk full")
    monkeypatch.setattr(R._Spill, "copy_to", boom)
    with pytest.raises(OSError):
        save_replay(path, rp)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["keep.gfr"]      # no temporary file left behind


def test_save_creates_directories(battle, tmp_path):
    path = tmp_path / "a" / "b" / "x.gfr"
    assert save_replay(path, battle[1]) == str(path)
    assert load_replay(path).frames == battle[1].frames


def test_default_path():
    p = default_replay_path(["lock+circular:power=2+orbit:distance=450", "sample.Walls"], 7)
    assert p == os.path.join("replays", "lock_circular_power_2_orbit_distance_450-vs-sample.Walls-seed7.gfr")
    long = default_replay_path(["lock+circular:power=2+orbit:distance=450:direction=1" * 3, "sample.Walls"], 1)
    assert len(os.path.basename(long)) < 100 and long.endswith("-seed1.gfr")


def test_replay_module_does_not_load_the_engine():
    code = ("import sys, sim.io.replay; bad = [m for m in ('sim.engine.loop', 'sim.engine.battle', 'pygame') if m in sys.modules];"
            "print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


# --- waves and telemetry sections -------------------------------------------------------------------

def synthetic_telemetry(rp, seed=0):
    """What a GF gun and a surfer would write: per real wave an aim row (the shooter's) and a danger row
    (the target's), TELE_COLUMNS + TELE_BINS bins (a few bumps, summing to 1)."""
    rng = np.random.default_rng(seed)
    w = rp.waves
    g = np.linspace(-1.0, 1.0, TELE_BINS)
    rows = []
    for q in np.nonzero(w["real"] == 1)[0]:
        for kind, robot in ((TK_AIM, w["shooter"][q]), (TK_DANGER, w["target"][q])):
            d = sum(rng.uniform() * np.exp(-0.5 * ((g - rng.uniform(-1, 1)) / 0.12) ** 2) for _ in range(4))
            head = [robot, kind, w["round"][q], w["turn"][q], w["fire_x"][q] + rng.normal(),
                    w["fire_y"][q] + rng.normal(), w["bearing"][q], w["speed"][q], w["lat_dir"][q],
                    np.arcsin(8.0 / w["speed"][q])]
            rows.append(np.concatenate([head, d / d.sum()]))
    return np.array(rows).reshape(-1, len(TELE_SOURCE_COLUMNS) + TELE_BINS)


@pytest.fixture(scope="module")
def tele_battle(battle):
    result, rp = battle
    res = dataclasses.replace(result, telemetry=synthetic_telemetry(rp))
    return res, replay_from_battle(res, BOTS)


@pytest.fixture(scope="module")
def tele_saved(tele_battle, tmp_path_factory):
    path = tmp_path_factory.mktemp("rp") / "tele.gfr"
    save_replay(path, tele_battle[1])
    return path


def test_telemetry_layout_is_bots_telemetry():
    from bots import telemetry
    assert TELE_SOURCE_COLUMNS == telemetry.TELE_COLUMNS and TELE_BINS == telemetry.TELE_BINS
    assert (TK_AIM, TK_DANGER) == (telemetry.TK_AIM, telemetry.TK_DANGER)


def test_waves_are_the_gun_waves_of_real_bullets(battle):
    """One wave per real bullet that reached a live target; the bullet rides its wave: at every turn
    of its flight it lies on the front (radius (now - t + 1) * speed from the fire point) at the angle
    of the GF it was fired at, bearing + gf_fired * lat_dir * MEA."""
    from sim.waves.tracking import gun_waves
    result, rp = battle
    g = gun_waves(result)["columns"]
    w, b = rp.waves, rp.bullets
    assert len(w["round"]) == int(g["real_bullet"].sum()) > 20
    assert np.all(w["real"] == 1) and np.all(w["bullet"] >= 1)
    assert np.all(np.diff(w["round"] * 10 ** 6 + w["turn"] * 2 + w["shooter"]) > 0)     # sorted
    mea = rp.wave_mea()
    checked = 0
    for q in range(len(w["round"])):
        m = np.nonzero((b["round"] == w["round"][q]) & (b["owner"] == w["shooter"][q]) & (b["id"] == w["bullet"][q]))[0]
        assert len(m) == 1
        m = m[0]
        assert b["birth"][m] == w["turn"][q] and bullet_speed(b["power"][m]) == w["speed"][q]
        assert w["hit"][q] == (b["reason"][m] == 2 and b["victim"][m] == w["target"][q])
        assert w["gf_lo"][q] <= w["gf_hi"][q]
        if w["hit"][q]:    # a hit bullet was fired inside the hit interval
            assert w["gf_lo"][q] - 1e-3 <= w["gf_fired"][q] <= w["gf_hi"][q] + 1e-3
        a = w["bearing"][q] + w["gf_fired"][q] * w["lat_dir"][q] * mea[q]
        for now in range(b["birth"][m], b["end"][m]):
            R = (now - w["turn"][q] + 1) * w["speed"][q]
            d = (now - b["birth"][m]) * w["speed"][q]
            bx = b["x0"][m] + d * np.sin(b["heading"][m])
            by = b["y0"][m] + d * np.cos(b["heading"][m])
            assert abs(np.hypot(bx - w["fire_x"][q], by - w["fire_y"][q]) - R) < 0.05
            ex, ey = w["fire_x"][q] + R * np.sin(a), w["fire_y"][q] + R * np.cos(a)
            assert np.hypot(bx - ex, by - ey) < 0.05 + R * 2e-6
            checked += 1
    assert checked > 300


def test_virtual_waves_on_request(battle):
    result, rp = battle
    virt = replay_from_battle(result, BOTS, virtual_waves=True)
    assert virt.meta["sections"]["waves"]["virtual"] is True
    real = virt.waves["real"] == 1
    assert real.sum() == len(rp.waves["round"]) and (~real).sum() > 10 * real.sum()
    assert np.all(np.isnan(virt.waves["gf_fired"][~real])) and np.all(virt.waves["bullet"][~real] == -1)
    for k in rp.waves:
        assert np.array_equal(virt.waves[k][real], rp.waves[k], equal_nan=True), k
    assert not replay_from_battle(result, BOTS, waves=False).meta["sections"].get("waves")


def test_waves_at_culls_passed_and_unfired_waves(battle):
    _, rp = battle
    w = rp.waves
    q = 0
    r, t = int(w["round"][q]), int(w["turn"][q])
    assert q not in rp.waves_at(rp.frame(r, t - 1))[0]
    rows, radii = rp.waves_at(rp.frame(r, t))
    assert q in rows and radii[list(rows).index(q)] == w["speed"][q]
    # until the front is WAVE_PASS_MARGIN past the target's centre
    for now in range(t, int(rp.round_turns[r]) + 1):
        f = rp.frame(r, now)
        R = (now - t + 1) * w["speed"][q]
        tg = int(w["target"][q])
        d = np.hypot(rp.robots["x"][f, tg] - w["fire_x"][q], rp.robots["y"][f, tg] - w["fire_y"][q])
        shown = q in rp.waves_at(f)[0]
        if rp.robots["state"][f, tg] == RS_DEAD:
            assert not shown
        else:
            assert shown == (R <= d + WAVE_PASS_MARGIN), now


def test_telemetry_section(tele_battle, battle):
    result, rp = tele_battle
    tm = rp.telemetry
    n_real = int(rp.waves["real"].sum())
    assert len(tm["round"]) == 2 * n_real and rp.meta["sections"]["telemetry"]["dropped"] == 0
    assert tm["bins"].shape == (2 * n_real, TELE_BINS) and tm["bins"].dtype == np.float32
    assert np.allclose(tm["bins"].max(axis=1), 1.0)            # relative to each row's largest bin
    src = result.telemetry[np.lexsort((result.telemetry[:, 0], result.telemetry[:, 1], result.telemetry[:, 3],
                                       result.telemetry[:, 2]))]
    rel = src[:, 10:] / src[:, 10:].max(axis=1, keepdims=True)
    assert np.abs(tm["bins"] - rel).max() < 1.0 / 65535
    assert np.array_equal(tm["kind"], src[:, 1]) and np.array_equal(tm["robot"], src[:, 0])
    assert np.abs(tm["source_x"] - src[:, 4]).max() <= 0.5 / 256 + 1e-9
    # aim rows are drawn on their wave; danger rows until the surfer is passed
    q = 0
    f = rp.frame(tm["round"][q], tm["turn"][q] + 1)
    assert q in rp.telemetry_at(f, int(tm["kind"][q]))[0]


def test_telemetry_rows_sanitised(battle):
    """Rows a bot wrote twice for one wave keep the last; rows with non-finite values, an unknown kind,
    robot or round are left out and counted."""
    result, rp = battle
    good = synthetic_telemetry(rp)[:4]
    again = good[0].copy()
    again[10:] = np.linspace(0, 1, TELE_BINS)
    bad = [good[1].copy() for _ in range(5)]
    bad[0][4] = np.nan
    bad[1][1] = 5            # kind
    bad[2][0] = 2            # robot
    bad[3][2] = 99           # round
    bad[4][10] = np.inf
    res = dataclasses.replace(result, telemetry=np.vstack([good, again[None], np.array(bad)]), telemetry_dropped=3)
    tp = replay_from_battle(res, BOTS)
    tm = tp.telemetry
    assert len(tm["round"]) == 4
    assert tp.meta["sections"]["telemetry"]["dropped"] == 1 + 5 + 3
    k = np.nonzero((tm["robot"] == good[0, 0]) & (tm["kind"] == good[0, 1]) & (tm["turn"] == good[0, 3]))[0]
    assert np.allclose(tm["bins"][k[0]], np.linspace(0, 1, TELE_BINS), atol=1e-4)
    empty = dataclasses.replace(result, telemetry=np.zeros((0, len(TELE_SOURCE_COLUMNS) + TELE_BINS)))
    assert replay_from_battle(empty, BOTS).telemetry is None


def test_sections_round_trip_bit_identical(tele_battle, tele_saved, tmp_path):
    _, rp = tele_battle
    again = load_replay(tele_saved)
    same, why = replays_equal(rp, again)
    assert same, why
    for sec in ("waves", "telemetry"):
        for k, v in getattr(rp, sec).items():
            assert v.dtype == getattr(again, sec)[k].dtype and v.tobytes() == getattr(again, sec)[k].tobytes(), k
    save_replay(tmp_path / "again.gfr", again)
    assert (tmp_path / "again.gfr").read_bytes() == Path(tele_saved).read_bytes()


def test_replays_equal_sees_the_sections(tele_battle, battle):
    _, rp = tele_battle
    other = load_replay_copy(rp)
    other.waves["gf_hi"][3] += 0.25
    assert replays_equal(rp, other) == (False, "waves.gf_hi differs")
    other = load_replay_copy(rp)
    other.telemetry = None
    assert not replays_equal(rp, other)[0]


def load_replay_copy(rp):
    import copy
    return copy.deepcopy(rp)


def test_files_without_the_new_sections_still_load(saved, tmp_path):
    """A file written before the waves/telemetry sections (format version 1 all the same)."""
    members = {k: v for k, v in _members(saved).items() if not k.startswith("waves.")}
    with np.load(saved, allow_pickle=False) as z:
        meta = json.loads(z["meta"].tobytes())
    del meta["sections"]["waves"]
    members["meta.npy"] = _npy(np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    rp = load_replay(_write_zip(tmp_path / "old.gfr", members))
    assert rp.waves is None and rp.telemetry is None and rp.frames == load_replay(saved).frames
    assert len(rp.waves_at(5)[0]) == 0 and len(rp.telemetry_at(5, TK_AIM)[0]) == 0


def test_newer_optional_section_version_is_skipped(tele_saved, tmp_path):
    def change(m):
        m["sections"]["waves"]["version"] = 2
        m["sections"]["telemetry"]["version"] = 9
    rp = load_replay(_with_meta(tele_saved, tmp_path, change))
    assert rp.waves is None and rp.telemetry is None


def _replace_member(saved, tmp_path, name, fn, file="s.gfr"):
    members = _members(saved)
    with np.load(saved, allow_pickle=False) as z:
        members[name + ".npy"] = _npy(fn(z[name].copy()))
    return _write_zip(tmp_path / file, members)


def _nan(a):
    a = a.copy()
    a[1] = np.nan
    return a


def _set(k, v):
    def f(a):
        a = a.copy()
        a[k] = v
        return a
    return f


@pytest.mark.parametrize("member, fn, words", [
    ("waves.gf_lo", _nan, "guess factors"),
    ("waves.gf_fired", _nan, "guess factors"),
    ("waves.gf_hi", lambda a: a - 50.0, "gf_lo > gf_hi"),
    ("waves.gf_lo", lambda a: a.astype(np.int16), "expected floats"),
    ("waves.turn", lambda a: a[:-1], "differ in length"),
    ("waves.shooter", _set(0, 5), "unknown robot"),
    ("waves.round", _set(0, 99), "rounds"),
    ("waves.turn", lambda a: a.astype(np.int64) + 100000, "outside its round"),
    ("waves.real", _set(0, 3), "flag"),
    ("waves.lat_dir", _set(0, 0), "flag"),
    ("waves.speed", _set(0, np.inf), "bullet speed"),
    ("waves.fire_x", lambda a: a.astype(np.int64) - 10 ** 6, "off the field"),
    ("waves.bearing", lambda a: a.reshape(-1, 1), "differ in length"),
    ("telemetry.bins", lambda a: a[:, :-1], "telemetry.bins has shape"),
    ("telemetry.bins", lambda a: a.astype(np.float32), "telemetry.bins has shape"),
    ("telemetry.kind", _set(0, 7), "unknown robot or kind"),
    ("telemetry.robot", _set(0, 2), "unknown robot or kind"),
    ("telemetry.speed", _nan, "speed"),
    ("telemetry.mea", _set(0, -1.0), "MEA"),
    ("telemetry.turn", lambda a: a.astype(np.int64) + 10 ** 6, "outside its round"),
    ("telemetry.lat_dir", _set(0, 2), "lat_dir"),
    ("telemetry.round", lambda a: a[::-1].copy(), "sorted"),
])
def test_corrupt_sections_refused(tele_saved, tmp_path, member, fn, words):
    msg = _err(_replace_member(tele_saved, tmp_path, member, fn))
    assert "corrupt" in msg and words in msg, msg


@pytest.mark.parametrize("member", ["waves.gf_center", "telemetry.bins", "telemetry.source_y"])
def test_missing_section_member_refused(tele_saved, tmp_path, member):
    members = _members(tele_saved)
    del members[member + ".npy"]
    assert member in _err(_write_zip(tmp_path / "m.gfr", members))


def test_pickled_section_member_refused(tele_saved, tmp_path):
    members = _members(tele_saved)
    members["telemetry.mea.npy"] = _npy(np.array([{"evil": 1}], dtype=object))
    assert "corrupt" in _err(_write_zip(tmp_path / "p.gfr", members))


# --- bad files -------------------------------------------------------------------------------------

def _err(path):
    with pytest.raises(ReplayError) as e:
        load_replay(path)
    msg = str(e.value)
    assert "\n" not in msg and str(path) in msg
    return msg


def _members(saved):
    with zipfile.ZipFile(saved) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def _write_zip(path, members):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _npy(a):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, a, allow_pickle=True)
    return buf.getvalue()


def _with_meta(saved, tmp_path, change, name="m.gfr"):
    members = _members(saved)
    with np.load(saved, allow_pickle=False) as z:
        meta = json.loads(z["meta"].tobytes())
    change(meta)
    members["meta.npy"] = _npy(np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    return _write_zip(tmp_path / name, members)


def test_missing_and_directory(tmp_path):
    assert "no such replay file" in _err(tmp_path / "nope.gfr")
    assert "directory" in _err(tmp_path)


def test_empty_file(tmp_path):
    p = tmp_path / "empty.gfr"
    p.write_bytes(b"")
    assert "empty" in _err(p)


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.999])
def test_truncated(saved, tmp_path, keep):
    data = Path(saved).read_bytes()
    p = tmp_path / "cut.gfr"
    p.write_bytes(data[: max(5, int(len(data) * keep))])
    assert "truncated or corrupt" in _err(p)


def test_corrupt_bytes(saved, tmp_path):
    """Flipped bits inside a compressed member: the zip CRC (or inflate) catches them."""
    data = bytearray(Path(saved).read_bytes())
    with zipfile.ZipFile(saved) as z:
        info = z.getinfo("robots.x.npy")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for k in range(start + 20, start + 40):
        data[k] ^= 0x5A
    p = tmp_path / "bad.gfr"
    p.write_bytes(bytes(data))
    msg = _err(p)
    assert "corrupt" in msg


def test_foreign_files(saved, tmp_path):
    text = tmp_path / "notes.gfr"
    text.write_text("hello, I am not a replay\n")
    assert "not a gfsim replay" in _err(text)
    npy = tmp_path / "array.gfr"
    with open(npy, "wb") as f:
        np.save(f, np.arange(5))
    assert "not a gfsim replay" in _err(npy)
    other_npz = tmp_path / "data.npz"
    np.savez(other_npz, x=np.arange(3))
    assert "not a gfsim replay" in _err(other_npz)
    plain_zip = _write_zip(tmp_path / "z.zip", {"readme.txt": b"hi"})
    assert "not a gfsim replay" in _err(plain_zip)
    other = _with_meta(saved, tmp_path, lambda m: m.update(format="someone-else"))
    assert "not a gfsim replay" in _err(other)


def test_newer_version(saved, tmp_path):
    p = _with_meta(saved, tmp_path, lambda m: m.update(version=FORMAT_VERSION + 1))
    msg = _err(p)
    assert "newer" in msg and "upgrade gfsim" in msg


def test_unknown_required_section_refused_optional_ignored(saved, tmp_path):
    p = _with_meta(saved, tmp_path, lambda m: m["sections"].update(waves={"version": 1, "required": True}))
    assert "waves" in _err(p) and "upgrade" in _err(p)
    members = _members(saved)
    with np.load(saved, allow_pickle=False) as z:
        meta = json.loads(z["meta"].tobytes())
    meta["sections"]["waves"] = {"version": 1, "required": False}
    members["meta.npy"] = _npy(np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    members["waves.lo.npy"] = _npy(np.zeros(4))
    rp = load_replay(_write_zip(tmp_path / "future.gfr", members))
    assert rp.frames == load_replay(saved).frames


def test_pickled_member_is_refused_not_unpickled(saved, tmp_path):
    members = _members(saved)
    members["bullets.power.npy"] = _npy(np.array([{"evil": 1}], dtype=object))
    msg = _err(_write_zip(tmp_path / "pickle.gfr", members))
    assert "corrupt" in msg


def test_inconsistent_contents(saved, tmp_path):
    p = _with_meta(saved, tmp_path, lambda m: m.update(frames=m["frames"] + 1), "frames.gfr")
    assert "corrupt" in _err(p)
    p = _with_meta(saved, tmp_path, lambda m: m.update(robots=3), "robots.gfr")
    assert "corrupt" in _err(p)
    members = _members(saved)
    del members["robots.energy.npy"]
    assert "robots.energy" in _err(_write_zip(tmp_path / "missing.gfr", members))
    members = _members(saved)
    members["meta.npy"] = _npy(np.frombuffer(b"{not json", dtype=np.uint8))
    assert "corrupt" in _err(_write_zip(tmp_path / "json.gfr", members))
    members = _members(saved)
    with np.load(saved, allow_pickle=False) as z:
        owner = z["bullets.owner"].copy()
    owner[0] = 7
    members["bullets.owner.npy"] = _npy(owner)
    assert "unknown robot" in _err(_write_zip(tmp_path / "owner.gfr", members))


# --- the shipped example ---------------------------------------------------------------------------

def test_example_replay_ships_and_plays():
    """The packaged example is the learned gun + surfer battle (replays/learned-vs-surf.gfr, same bytes)."""
    pkg = ROOT / "sim" / "data" / "example.gfr"
    copy = ROOT / "replays" / "learned-vs-surf.gfr"
    assert pkg.stat().st_size < 500_000
    assert copy.read_bytes() == pkg.read_bytes()
    rp = load_replay(pkg)
    assert rp.bots == ["lock+learned+surf", "lock+knn+orbit"] and 2 <= rp.rounds <= 10
    assert load_replay(ROOT / "replays" / "example.gfr").bots == ["sample.Walls", "sample.SpinBot"]


@pytest.mark.parametrize("path", ["sim/data/example.gfr", "replays/learned-vs-surf.gfr", "replays/example.gfr"])
def test_example_replay_is_reproducible(path):
    rp = load_replay(ROOT / path)
    same, why = verify_replay(rp)
    assert same, (f"{why}: the engine's or a bot's behaviour changed since the example was recorded; "
                  f"regenerate it with `python -m sim.io.replay --example`")


def test_learning_example_carries_aim_and_danger_telemetry():
    """The learned gun writes an aiming density for its shots and the surfer a danger row per enemy wave
    it detects; both along waves whose geometry matches the recorded wave of that turn."""
    from sim.io.replay import TK_AIM, TK_DANGER
    rp = load_replay(ROOT / "replays" / "learned-vs-surf.gfr")
    assert rp.bots == ["lock+learned+surf", "lock+knn+orbit"]
    tm, w = rp.telemetry, rp.waves
    for kind, robot, rows in ((TK_AIM, 0, 20), (TK_AIM, 1, 20), (TK_DANGER, 0, 20), (TK_DANGER, 1, 0)):
        n = ((tm["kind"] == kind) & (tm["robot"] == robot)).sum()
        assert n > rows if rows else n == 0     # only the surfer (robot 0) writes danger
    # every aim row is for a wave its robot sent: same round, fire turn and (up to a turn's move) source
    aim = np.flatnonzero(tm["kind"] == TK_AIM)
    key = {(int(r), int(t), int(s)): k for k, (r, t, s) in enumerate(zip(w["round"], w["turn"], w["shooter"]))}
    found = 0
    for q in aim:
        k = key.get((int(tm["round"][q]), int(tm["turn"][q]), int(tm["robot"][q])))
        if k is not None and w["real"][k]:
            found += 1
            assert math.hypot(w["fire_x"][k] - tm["source_x"][q], w["fire_y"][k] - tm["source_y"][q]) < 8.5
    assert found > 20


def test_a_last_shot_weaker_than_0_1_records_and_loads(tmp_path):
    """Bullet power is clamped to [0.1, 3] and to the shooter's energy: TrackFire, down to 0.0187 energy,
    fires it all (seed 1000). The replay and the dataset of that battle must load (they were refused as
    corrupt: the readers demanded power >= 0.1)."""
    from sim.experiments.collect import main as collect_main
    from sim.io.dataset import load_dataset
    bots = ["lock+headon:power=3,energy_rule=0+still", "sample.TrackFire"]
    rp = record_replay(bots, Rules(rounds=35), seed=1000)
    weak = rp.bullets["power"] < 0.1 - 1e-9
    assert weak.sum() == 1 and rp.bullets["owner"][weak][0] == 1
    save_replay(tmp_path / "weak.gfr", rp)
    assert replays_equal(load_replay(tmp_path / "weak.gfr"), rp)
    out = tmp_path / "weak.npz"
    assert collect_main([*bots, "--rounds", "35", "--seeds", "1000", "--out", str(out), "--no-progress"]) == 0
    ds = load_dataset(out)
    # Rules.getBulletSpeed clamps the power to 0.1 for the speed: the weak bullet flies at 19.7, as in Robocode
    weak_rows = (ds.gun["power"] < 0.1 - 1e-9) & (ds.gun["shooter"] == 1)
    assert weak_rows.any()
    assert np.all(ds.gun["bullet_speed"][weak_rows] == 19.7)
    assert ds.gun["bullet_speed"].max() == 19.7
