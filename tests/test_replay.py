"""Replay files: recording, the file format, determinism, and refusing bad files."""
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from sim.replay import (FORMAT_VERSION, ReplayError, record_replay, replay_from_battle, save_replay, load_replay,
                        default_replay_path, verify_replay, replays_equal, bullet_speed, EVT_DEATH, EVT_BULLET_HIT,
                        EVT_WIN, RS_DEAD)
from sim.rules import Rules

ROOT = Path(__file__).resolve().parent.parent
BOTS = ["sample.Walls", "sample.SpinBot"]


@pytest.fixture(scope="module")
def battle():
    from sim.battle import run_battle
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
    assert set(m["sections"]) == {"robots", "bullets", "events", "scores"}


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
    rp = record_replay(["sample.Crazy", "lock+circular:power=2+oscillate"], Rules(rounds=35), seed=3)
    path = tmp_path / "big.gfr"
    save_replay(path, rp)
    size = path.stat().st_size
    assert size < 2_000_000, size
    assert rp.frames > 10_000


def test_save_is_atomic(battle, saved, tmp_path, monkeypatch):
    _, rp = battle
    path = tmp_path / "keep.gfr"
    save_replay(path, rp)
    before = path.read_bytes()
    import sim.replay as R

    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(R.np.lib.format, "write_array", boom)
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
    code = ("import sys, sim.replay; bad = [m for m in ('sim.engine', 'sim.battle', 'pygame') if m in sys.modules];"
            "print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


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
    pkg = ROOT / "sim" / "data" / "example.gfr"
    copy = ROOT / "replays" / "example.gfr"
    assert pkg.stat().st_size < 500_000
    assert copy.read_bytes() == pkg.read_bytes()
    rp = load_replay(pkg)
    assert rp.bots == ["sample.Walls", "sample.SpinBot"] and 2 <= rp.rounds <= 10


def test_example_replay_is_reproducible():
    rp = load_replay(ROOT / "sim" / "data" / "example.gfr")
    same, why = verify_replay(rp)
    assert same, (f"{why}: the engine's behaviour changed since the example was recorded; "
                  f"regenerate it with `python -m sim.replay --example`")
