"""sim.io.robocode_record / `gfsim import`: real Robocode battle records as gfsim replays and datasets.

tests/golden/records/walls-spinbot-seed74.zip is a record written by real Robocode 1.9.3.9
(`-recordXML`, one round of sample.Walls vs sample.SpinBot with -DRANDOMSEED=74, zipped). Walls is
a plain Robot that fires with Robocode's fire assist, so its bullets' headings (which records do not
hold) are not its gun headings. gfsim plays the same battle, so importing the record must give exactly
the dataset and replay of gfsim's own recording. Where Robocode is installed, a fresh battle is
recorded and compared the same way.
"""
import gzip
import json
import os
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from sim.engine.battle import run_battle
from sim.engine.rules import Rules
from sim.io.dataset import load_dataset, write_battle_dataset
from sim.io.replay import load_replay, replay_from_battle, replays_equal, save_replay
from sim.io.robocode_record import RecordError, import_record, read_record

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURE = os.path.join(HERE, "golden", "records", "walls-spinbot-seed74.zip")
FIXTURE_BOTS, FIXTURE_SEED, FIXTURE_ROUNDS = ["sample.Walls", "sample.SpinBot"], 74, 1


def _xml_bytes():
    with zipfile.ZipFile(FIXTURE) as z:
        return z.read(z.namelist()[0])


def _same_dataset(a_path, b_path):
    a, b = load_dataset(a_path), load_dataset(b_path)
    assert a.meta == b.meta
    for t in ("gun", "enemy", "parts"):
        ta, tb = getattr(a, t), getattr(b, t)
        names = ta.dtype.names if getattr(ta, "dtype", None) is not None and ta.dtype.names else list(ta)
        for c in names:
            x, y = np.asarray(ta[c]), np.asarray(tb[c])
            assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), (t, c)
    return a


def _same_replay(a_path, b_path):
    a, b = load_replay(a_path), load_replay(b_path)
    assert a.meta.get("source") == "robocode-record"
    # the record leaves out a bullet's explosion frames, which the engine's trace digest covers
    for r in (a, b):
        r.meta = {k: v for k, v in r.meta.items() if k not in ("trace_sha256", "source")}
    same, why = replays_equal(a, b)
    assert same, why


def _gfsim_outputs(tmp_path, bots, seed, rounds):
    res = run_battle(bots, Rules(rounds=rounds), seed=seed, record=True)
    write_battle_dataset(res, tmp_path / "gfsim.npz", specs=bots)
    save_replay(tmp_path / "gfsim.gfr", replay_from_battle(res, bots))
    return res


def test_imported_record_equals_gfsim_recording_of_the_same_battle(tmp_path):
    res = _gfsim_outputs(tmp_path, FIXTURE_BOTS, FIXTURE_SEED, FIXTURE_ROUNDS)
    summary = import_record(FIXTURE, replay=tmp_path / "real.gfr", dataset=tmp_path / "real.npz", seed=FIXTURE_SEED)
    assert summary["robots"] == FIXTURE_BOTS and summary["turns"] == res.total_turns
    ds = _same_dataset(tmp_path / "real.npz", tmp_path / "gfsim.npz")
    assert len(ds.gun["turn"]) > 100 and np.count_nonzero(ds.gun["real_bullet"]) > 5
    _same_replay(tmp_path / "real.gfr", tmp_path / "gfsim.gfr")


def test_fire_assist_headings_are_recovered():
    """Walls' bullets leave along the scan's exact bearing, not its gun heading: the importer finds it."""
    res, _ = read_record(FIXTURE)
    ours = run_battle(FIXTURE_BOTS, Rules(rounds=1), seed=FIXTURE_SEED, record=True)
    first = lambda bt: {(int(r[0]), int(r[2]), int(r[3])): r[6] for r in bt[::-1]}
    a, b = first(res.bullets_trace), first(ours.bullets_trace)
    assert a == b and len(a) > 5
    rt = ours.robots_trace
    gun_before = {(int(r[0]), int(r[1]) + 1, int(r[2])): r[6] for r in rt}
    fired = {(int(r[0]), int(r[2]), int(r[3])): int(r[1]) for r in ours.bullets_trace[::-1]}
    assert any(a[k] != gun_before[(k[0], fired[k], k[1])] for k in a)   # some are not the gun heading


def test_plain_gzipped_and_zipped_records_read_the_same(tmp_path):
    xml = _xml_bytes()
    (tmp_path / "r.xml").write_bytes(xml)
    with gzip.open(tmp_path / "r.xml.gz", "wb") as f:
        f.write(xml)
    traces = []
    for name in ("r.xml", "r.xml.gz"):
        res, specs = read_record(tmp_path / name)
        traces.append((res.robots_trace, res.bullets_trace))
    res, specs = read_record(FIXTURE)
    for rt, bt in traces:
        assert np.array_equal(rt, res.robots_trace) and np.array_equal(bt, res.bullets_trace, equal_nan=True)
    assert [s.name for s in specs] == FIXTURE_BOTS


def _cli(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "sim.cli.main", "import", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=600)


@pytest.mark.parametrize("content,what", [
    (None, "truncated"),
    (b"<?xml version='1.0'?><html><body/></html>", "not a Robocode battle record"),
    (b"\xac\xed\x00\x05sr\x00", "Java-serialized"),
    (b"PK\x03\x04garbage", "corrupt zip"),
    (b"", "empty"),
])
def test_bad_records_are_one_line_exit_2(tmp_path, content, what):
    path = tmp_path / "bad.xml"
    path.write_bytes(_xml_bytes()[:150_000] if content is None else content)
    p = _cli(path, "--dataset", tmp_path / "out.npz", "--replay", tmp_path / "out.gfr")
    assert p.returncode == 2, p.stderr
    lines = [ln for ln in p.stderr.splitlines() if ln.strip() and "RuntimeWarning" not in ln and "runpy" not in ln]
    assert len(lines) == 1 and what in lines[0] and "Traceback" not in p.stderr, p.stderr
    assert not (tmp_path / "out.npz").exists() and not (tmp_path / "out.gfr").exists()


def test_record_with_fewer_rounds_than_announced_is_refused(tmp_path):
    xml = _xml_bytes().replace(b'roundsCount="1"', b'roundsCount="3"')
    (tmp_path / "r.xml").write_bytes(xml)
    with pytest.raises(RecordError, match="holds 1 rounds of 3"):
        read_record(tmp_path / "r.xml")


def test_cli_refuses_to_overwrite_the_record_and_needs_an_output(tmp_path):
    shutil.copy(FIXTURE, tmp_path / "r.zip")
    p = _cli(tmp_path / "r.zip")
    assert p.returncode == 2 and "nothing to write" in p.stderr
    shutil.copy(FIXTURE, tmp_path / "r.npz")
    p = _cli(tmp_path / "r.npz", "--dataset", tmp_path / "r.npz")
    assert p.returncode == 2 and "refusing to overwrite" in p.stderr


def test_cli_json_summary(tmp_path):
    p = _cli(FIXTURE, "--dataset", tmp_path / "d.npz", "--json", "--seed", "74")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["robots"] == FIXTURE_BOTS and out["gun_rows"] > 0 and out["rounds"] == 1
    assert load_dataset(tmp_path / "d.npz").meta["battles"][0]["seed"] == 74


def _robocode_available():
    try:
        from sim.io.robocode import robocode_available
    except ImportError:
        return False
    return robocode_available()


@pytest.mark.skipif(not _robocode_available(), reason="real Robocode (Java + robocode.jar) is not installed")
def test_live_record_imports_to_gfsims_dataset(tmp_path):
    """A fresh battle recorded by real Robocode, imported, gives gfsim's dataset of the same seeded battle (a
    re-run when Robocode's own run is not reproducible: it can skip a robot's turn on a loaded machine)."""
    from sim.io.robocode import run_real_battle
    bots, seed, rounds = ["sample.Walls", "sample.Tracker"], 73, 2
    _gfsim_outputs(tmp_path, bots, seed, rounds)
    failures = []
    for attempt in range(2):
        keep = tmp_path / f"rc{attempt}"
        run_real_battle(bots, rounds=rounds, seed=seed, record_xml=True, keep_dir=keep)
        import_record(keep / "record.xml", replay=tmp_path / "real.gfr", dataset=tmp_path / "real.npz", seed=seed)
        try:
            _same_dataset(tmp_path / "real.npz", tmp_path / "gfsim.npz")
            _same_replay(tmp_path / "real.gfr", tmp_path / "gfsim.gfr")
            return
        except AssertionError as e:
            failures.append(str(e))
    pytest.fail("; ".join(failures))


# ----------------------------------------------------------------------------- gfsim collect --engine robocode

def _collect(*args, env=None):
    e = dict(os.environ, PYTHONPATH=ROOT, **(env or {}))
    return subprocess.run([sys.executable, "-m", "sim.cli.main", "collect", *map(str, args)], capture_output=True,
                          text=True, env=e, cwd=ROOT, timeout=1200)


def _error_lines(stderr):
    return [ln for ln in stderr.splitlines() if ln.strip() and "RuntimeWarning" not in ln and "runpy" not in ln]


def test_collect_robocode_without_robocode_is_one_line(tmp_path):
    p = _collect("--engine", "robocode", "sample.Walls", "sample.SpinBot", "--out", tmp_path / "d.npz",
                 env={"GFSIM_ROBOCODE_JAR": str(tmp_path / "missing.jar")})
    assert p.returncode == 2 and len(_error_lines(p.stderr)) == 1 and "not installed" in p.stderr, p.stderr
    assert not (tmp_path / "d.npz").exists()


def test_collect_robots_dir_needs_robocode_engine(tmp_path):
    p = _collect("sample.Walls", "sample.SpinBot", "--robots-dir", tmp_path, "--out", tmp_path / "d.npz")
    assert p.returncode == 2 and "--engine robocode" in p.stderr


@pytest.mark.skipif(not _robocode_available(), reason="real Robocode (Java + robocode.jar) is not installed")
def test_collect_robocode_from_a_jar_gives_gfsims_waves(tmp_path):
    """Sample robots loaded from a jar in --robots-dir, as third-party robots are: two battles in two JVMs,
    imported in seed order; the wave tables equal gfsim's collect of the same seeded battles (metadata
    aside: the robots are named as Robocode names them, 'sample.Walls 1.0')."""
    from sim.io.robocode import sample_robots_jar
    sample_robots_jar(tmp_path / "robots", ["Walls", "SpinBot"])
    q = _collect("sample.Walls", "sample.SpinBot", "--rounds", "2", "--seeds", "3..4", "--out", tmp_path / "ours.npz")
    assert q.returncode == 0, q.stderr
    b = load_dataset(tmp_path / "ours.npz")

    def differences(a):
        out = []
        for t in ("gun", "enemy", "parts"):
            ta, tb = getattr(a, t), getattr(b, t)
            for c in (ta.dtype.names if getattr(ta, "dtype", None) is not None and ta.dtype.names else list(ta)):
                if not np.array_equal(np.asarray(ta[c]), np.asarray(tb[c]), equal_nan=True):
                    out.append((t, c))
        return out

    # real Robocode skips a robot's turn now and then on a loaded machine: a differing run is played again
    # (one JVM at a time) before it counts as a divergence
    for attempt, jobs in enumerate(("2", "1")):
        out = tmp_path / f"real{attempt}.npz"
        p = _collect("--engine", "robocode", "--robots-dir", tmp_path / "robots", "sample.Walls 1.0",
                     "sample.SpinBot 1.0", "--rounds", "2", "--seeds", "3..4", "--jobs", jobs, "--out", out, "--json")
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["bots"] == ["sample.Walls 1.0", "sample.SpinBot 1.0"]
        a = load_dataset(out)
        assert [s["spec"] for s in a.meta["bots"]] == ["sample.Walls 1.0", "sample.SpinBot 1.0"]
        diff = differences(a)
        if not diff:
            break
    assert not diff, diff


@pytest.mark.skipif(not _robocode_available(), reason="real Robocode (Java + robocode.jar) is not installed")
def test_collect_robocode_unknown_robot_is_one_line(tmp_path):
    p = _collect("--engine", "robocode", "nobody.Nothing 1.0", "sample.Walls", "--rounds", "1",
                 "--out", tmp_path / "d.npz")
    assert p.returncode == 2 and len(_error_lines(p.stderr)) == 1 and "nobody.Nothing" in p.stderr, p.stderr
    assert not (tmp_path / "d.npz").exists()
