"""The guess-factor dataset file (sim/io/dataset.py) and `gfsim collect` (sim/experiments/collect.py)."""
import json
import os
import re
import zipfile

import numpy as np
import pytest

from sim.io import dataset as D
from sim.engine.battle import run_battle
from sim.experiments.collect import collect, detection_line, main, parse_seeds, CollectError
from sim.engine.rules import Rules

A, B = "lock+circular", "lock+orbit"      # a circular gun against a random orbit (with a head-on gun)


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    out = tmp_path_factory.mktemp("ds") / "circ_orbit.npz"
    summary = collect(A, B, seeds=[1], out=str(out), rules=Rules(rounds=100))
    return out, summary


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("small") / "small.npz"
    collect(A, B, seeds=[3, 4], out=str(out), rules=Rules(rounds=3))
    return out


def _same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def test_collect_100_rounds_loads_back_bit_identically(collected):
    out, summary = collected
    ds = D.load_dataset(out)
    res = run_battle([A, B], Rules(rounds=100), seed=1, record=True)
    tables, entry = D.battle_tables(res, 0, specs=[A, B])
    assert len(ds) == summary["gun_rows"] == len(tables["gun"]["turn"]) > 20_000
    for t in D.TABLES:
        for c, dt, _ in D.SCHEMAS[t]:
            want = np.asarray(tables[t][c]).astype(dt)
            assert _same_bits(ds.tables[t][c], want), (t, c)
    # numpy's own loader reads it too, without pickles
    with np.load(out, allow_pickle=False) as z:
        assert _same_bits(z["gun/gf_lo"], ds.gun["gf_lo"])
    # and block-wise reading gives the same columns
    blocks = list(D.iter_chunks(out, "gun", rows=7000, columns=["gf_hi", "hit", "turn"]))
    assert len(blocks) > 3
    for c in ("gf_hi", "hit", "turn"):
        assert _same_bits(np.concatenate([b[c] for b in blocks]), ds.gun[c])
    m = ds.meta
    assert m["format"] == D.FORMAT and m["schema_version"] == D.SCHEMA_VERSION
    assert m["rules"]["rounds"] == 100 and [b["spec"] for b in m["bots"]] == ["lock+circular+still",
                                                                              "lock+headon+orbit"]
    assert m["bots"][0]["parts"]["gun"]["component"] == "circular"
    assert m["battles"][0]["seed"] == 1 and m["battles"][0] == json.loads(json.dumps(entry))


def test_loaded_dataset_keeps_the_hit_law(collected):
    out, _ = collected
    ds = D.load_dataset(out)
    g = ds.gun
    real = np.flatnonzero(g["real_bullet"] & ~g["collided"] & g["exact"])
    assert len(real) > 1000
    inside = np.array([ds.hit_set_contains(r, g["gf_fired"][r]) for r in real])
    assert np.array_equal(inside, g["hit"][real])
    hull = (g["gf_lo"][real] - 1e-9 <= g["gf_fired"][real]) & (g["gf_fired"][real] <= g["gf_hi"][real] + 1e-9)
    assert np.array_equal(hull, g["hit"][real])          # no real bullet of this battle fell into a split set's gap
    assert np.all(np.isnan(g["gf_fired"][~g["real_bullet"]]))
    assert set(np.unique(g["battle"])) == {0} and set(np.unique(g["seed"])) == {1}
    feats = ds.features()
    assert feats.shape == (len(ds), len(D.FEATURES)) and np.all(np.isfinite(feats))


def test_streamed_and_in_memory_writes_are_byte_identical(tmp_path):
    a = tmp_path / "a.npz"
    b = tmp_path / "b.npz"
    collect(A, B, seeds=[5, 6], out=str(a), rules=Rules(rounds=2))
    collect(A, B, seeds=[5, 6], out=str(b), rules=Rules(rounds=2), stream=True, chunk_rows=500)
    assert a.read_bytes() == b.read_bytes()
    ds = D.load_dataset(a)
    assert list(np.unique(ds.gun["battle"])) == [0, 1] and list(np.unique(ds.gun["seed"])) == [5, 6]
    # parts rows point into the whole gun table, not into their battle's
    if len(ds.parts["row"]):
        assert np.all(ds.gun["n_parts"][ds.parts["row"]] > 1)
    assert sorted(os.listdir(tmp_path)) == ["a.npz", "b.npz"]   # no temporary files left


def test_write_battle_dataset(tmp_path):
    res = run_battle(["sample.Walls", "sample.SpinBot"], Rules(rounds=2), seed=9, record=True)
    meta = D.write_battle_dataset(res, tmp_path / "one.npz")
    ds = D.load_dataset(tmp_path / "one.npz")
    assert ds.meta == meta and meta["battles"][0]["seed"] == 9
    assert [b["spec"] for b in meta["bots"]] == ["sample.Walls", "sample.SpinBot"]
    assert len(ds) > 1000
    unrecorded = run_battle(["sample.Walls", "sample.SpinBot"], Rules(rounds=1), seed=9, max_turns=10)
    with pytest.raises(D.DatasetError, match="record=True"):
        D.write_battle_dataset(unrecorded, tmp_path / "two.npz")
    assert not (tmp_path / "two.npz").exists()


# --------------------------------------------------------------------------- refusing bad files

def test_refuses_truncated_files(small, tmp_path):
    data = small.read_bytes()
    for cut in (0, 10, 100, len(data) // 3, len(data) // 2, len(data) - 200, len(data) - 1):
        p = tmp_path / f"cut{cut}.npz"
        p.write_bytes(data[:cut])
        with pytest.raises(D.DatasetError, match=str(p)):
            D.load_dataset(p)


def test_refuses_corrupted_data(small, tmp_path):
    data = bytearray(small.read_bytes())
    with zipfile.ZipFile(small) as zf:
        info = zf.getinfo("gun/gf_lo.npy")
    # local header: 30 bytes + name + extra; then the .npy header; flip a byte well inside the data
    pos = info.header_offset + 30 + len(info.filename) + 200
    data[pos] ^= 0x55
    p = tmp_path / "flipped.npz"
    p.write_bytes(bytes(data))
    with pytest.raises(D.DatasetError, match="corrupt"):
        D.load_dataset(p)


def _rewrite(src, dst, drop=(), add=None, replace=None):
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w") as zo:
        for name in zi.namelist():
            if name in drop:
                continue
            data = replace.get(name, zi.read(name)) if replace else zi.read(name)
            zo.writestr(name, data)
        for name, data in (add or {}).items():
            zo.writestr(name, data)


def _npy_bytes(arr):
    import io
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


def test_refuses_foreign_and_mismatched_files(small, tmp_path):
    cases = {}
    (tmp_path / "text.npz").write_text("hello")
    cases["text.npz"] = "not a gfsim dataset"
    (tmp_path / "empty.npz").write_bytes(b"")
    cases["empty.npz"] = "not a gfsim dataset"
    np.savez(tmp_path / "plain.npz", x=np.arange(3))
    cases["plain.npz"] = "no meta"
    meta = D.read_meta(small)
    other = dict(meta, format="someone-else")
    _rewrite(small, tmp_path / "foreign.npz", replace={"meta.npy": _npy_bytes(np.array(json.dumps(other)))})
    cases["foreign.npz"] = "format 'someone-else'"
    newer = dict(meta, schema_version=D.SCHEMA_VERSION + 1)
    _rewrite(small, tmp_path / "newer.npz", replace={"meta.npy": _npy_bytes(np.array(json.dumps(newer)))})
    cases["newer.npz"] = "schema version"
    _rewrite(small, tmp_path / "missing.npz", drop=("gun/hit.npy",))
    cases["missing.npz"] = "gun/hit.npy is missing"
    _rewrite(small, tmp_path / "extra.npz", add={"gun/evil.npy": _npy_bytes(np.zeros(3))})
    cases["extra.npz"] = "unexpected members"
    n = meta["tables"]["gun"]["rows"]
    _rewrite(small, tmp_path / "dtype.npz", replace={"gun/turn.npy": _npy_bytes(np.zeros(n, dtype=np.float64))})
    cases["dtype.npz"] = "expected int32"
    _rewrite(small, tmp_path / "short.npz", replace={"gun/gf_hi.npy": _npy_bytes(np.zeros(n - 1))})
    cases["short.npz"] = r"shape \(%d,\)" % (n - 1)
    import io
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array([{"format": D.FORMAT}], dtype=object), allow_pickle=True)
    _rewrite(small, tmp_path / "pickle.npz", replace={"meta.npy": buf.getvalue()})
    cases["pickle.npz"] = "pickle"
    (tmp_path / "adir.npz").mkdir()
    cases["adir.npz"] = "directory"
    cases["nothere.npz"] = "no such file"
    for name, msg in cases.items():
        with pytest.raises(D.DatasetError, match=msg):
            D.load_dataset(tmp_path / name)


def test_failed_write_leaves_the_old_file_and_no_temporaries(small, tmp_path, monkeypatch):
    target = tmp_path / "keep.npz"
    target.write_bytes(small.read_bytes())
    before = target.read_bytes()
    calls = {"n": 0}
    real = D._npy_header

    def failing(dtype, n):
        calls["n"] += 1
        if calls["n"] == 7:
            raise OSError(28, "No space left on device")
        return real(dtype, n)

    monkeypatch.setattr(D, "_npy_header", failing)
    ds = D.load_dataset(small)
    with pytest.raises(OSError, match="No space"):
        with D.DatasetWriter(target, {"battles": []}, chunk_rows=100) as wr:
            for t in D.TABLES:
                wr.append(t, ds.tables[t])
    assert target.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["keep.npz"]
    # an exception while appending aborts too
    with pytest.raises(D.DatasetError, match="missing columns"):
        with D.DatasetWriter(tmp_path / "new.npz", {}) as wr:
            wr.append("gun", {"turn": np.arange(3)})
    assert sorted(os.listdir(tmp_path)) == ["keep.npz"]


# --------------------------------------------------------------------------- the command

def test_parse_seeds():
    assert parse_seeds("1..4") == [1, 2, 3, 4]
    assert parse_seeds("7") == [7]
    assert parse_seeds("1,3, 9") == [1, 3, 9]
    assert parse_seeds("1..2,5,10..11") == [1, 2, 5, 10, 11]
    assert parse_seeds("-2..0") == [-2, -1, 0]
    for bad in ("", "x", "1..", "5..1", "1,1", "1..3,2", "1.5", "1...3"):
        with pytest.raises(CollectError):
            parse_seeds(bad)


@pytest.mark.parametrize("args,msg", [
    ([], "required"),
    (["lock+circular"], "required"),
    (["lock+circular", "no_such_bot", "--out", "{d}/x.npz"], "unknown bot"),
    (["lock+circular", "lock+orbit:distance=99999", "--out", "{d}/x.npz"], "out of range"),
    (["lock+circular", "lock+orbit", "--out", "{d}/x.npz", "--rounds", "0"], "positive"),
    (["lock+circular", "lock+orbit", "--out", "{d}/x.npz", "--seeds", "3..1"], "empty"),
    (["lock+circular", "lock+orbit", "--out", "{d}/x.npz", "--seeds", "a"], "--seeds"),
    (["lock+circular", "lock+orbit", "--out", "{d}/x.txt"], ".npz"),
    (["lock+circular", "lock+orbit", "--out", "{d}/missing/x.npz"], "does not exist"),
    (["lock+circular", "lock+orbit", "--out", "{d}/x.npz", "--field", "800by600"], "WIDTHxHEIGHT"),
    (["lock+circular", "lock+orbit", "--out", "{d}/x.npz", "--virtual-power", "5"], "power"),
    (["lock+circular", "lock+orbit", "--out", "{d}/x.npz", "--chunk-size", "-3"], "positive"),
    (["lock+circular", "lock+orbit", "--out", "{d}/x.npz", "--bogus"], "unrecognized"),
])
def test_collect_command_rejects_bad_input_cleanly(args, msg, tmp_path, capsys):
    argv = [a.replace("{d}", str(tmp_path)) for a in args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("gfsim collect: error:") and msg in err, err
    assert os.listdir(tmp_path) == []


def test_collect_command_help_and_json(tmp_path, capsys):
    assert main(["--help"]) == 0
    assert "--seeds" in capsys.readouterr().out
    out = tmp_path / "run.npz"
    assert main([A, B, "--rounds", "2", "--seeds", "1..2", "--out", str(out), "--json", "--stream",
                 "--chunk-size", "1000", "--no-progress"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["battles"] == 2 and summary["seeds"] == [1, 2] and summary["out"] == str(out)
    ds = D.load_dataset(out)
    assert len(ds) == summary["gun_rows"] and ds.meta["tables"]["enemy"]["rows"] == summary["enemy_rows"]
    d = summary["detection"]
    assert d["right"] + d["missed"] == d["enemy_bullets"] - d["unobservable"]
    assert main([A, B, "--rounds", "1", "--seeds", "4", "--out", str(out), "--no-progress"]) == 0
    assert "gun waves" in capsys.readouterr().out
    assert D.load_dataset(out).meta["battles"][0]["seed"] == 4      # replaced atomically


def test_collect_prints_detection_as_a_partition_of_the_observable_bullets(tmp_path, capsys):
    """Walls and SpinBot scan each other every ~60 turns, so most bullets are detected at a guessed fire turn:
    the line must say so instead of calling every one of them missed."""
    out = tmp_path / "w.npz"
    assert main(["sample.Walls", "sample.SpinBot", "--rounds", "1", "--seeds", "1", "--out", str(out),
                 "--json", "--no-progress"]) == 0
    d = json.loads(capsys.readouterr().out)["detection"]
    assert d["wrong_turn"] > 0
    numbers = [int(n) for n in re.findall(r"\d+", detection_line(d))]
    observable, right, other_turn, not_detected, false_alarms = numbers
    assert observable == right + other_turn + not_detected == d["enemy_bullets"] - d["unobservable"]
    assert (right, other_turn, false_alarms) == (d["right"], d["wrong_turn"], d["false_positive"])


def test_every_feature_and_column_is_documented():
    doc = open(os.path.join(os.path.dirname(__file__), "..", "docs", "features.md")).read()
    for name, _, _ in D.FEATURES:
        assert f"| `{name}` |" in doc, name
    for c in ("gf_lo", "gf_hi", "gf_center", "gf_fired", "real_bullet", "hit", "n_parts", "exact", "gf_hit"):
        assert f"`{c}`" in doc, c
