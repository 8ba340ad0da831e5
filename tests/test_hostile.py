"""Hostile inputs: bad arguments, crafted and damaged files, outputs that would overwrite inputs, kills.

Every case must end in one line on stderr naming the problem and exit code 2 (or a clean success), with
no traceback, no overwritten input, no temporary file and no orphan process. The fixtures are made here:
crafted .npy headers, zip bombs, unknown compression methods, the encrypted flag, bit flips, non-UTF-8
and deeply nested JSON.
"""
import io
import json
import os
import random
import signal
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from sim.cli.main import main as cli_main
from sim.io import atomic
from sim.io.replay import load_replay, ReplayError
from sim.io import dataset as D
from sim.io.scenario import load_scenario, ScenarioError
from learning.model import load_model, ModelError, GunModel

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "sim" / "data" / "example.gfr"
ENV = dict(os.environ, PYTHONPATH=str(ROOT), SDL_VIDEODRIVER="dummy")


def one_line_exit_2(capsys, argv, needle=None):
    code = cli_main(argv)
    cap = capsys.readouterr()
    err = cap.err
    cmd = argv[0]
    assert code == 2, (argv, code, err)
    assert err.count("\n") == 1 and err.startswith(f"gfsim {cmd}: error:"), (argv, err)
    assert "Traceback" not in err
    if needle:
        assert needle in err, (argv, err)
    return err


# ---------------------------------------------------------------------------------------- fixtures

def _members(path):
    with zipfile.ZipFile(path) as z:
        return [(i, z.read(i.filename)) for i in z.infolist()]


def rewrite_zip(src, dst, replace=None, drop=(), compression=None):
    """Copy a zip, replacing member bytes (name -> bytes) and optionally forcing a compression method."""
    replace = replace or {}
    with zipfile.ZipFile(dst, "w") as out:
        for info, data in _members(src):
            if info.filename in drop:
                continue
            data = replace.get(info.filename, data)
            zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            zi.compress_type = info.compress_type if compression is None else compression
            out.writestr(zi, data)
    return dst


def npy_bytes(arr):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


def npy_header_only(shape, dtype, data=b""):
    """A .npy member whose header claims `shape` but which holds only `data`."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": np.dtype(dtype).str, "fortran_order": False,
                                               "shape": tuple(shape)})
    return buf.getvalue() + data


def patch_central_directory(path, dst, flag_or=0, method=None):
    """Set bits in every member's general-purpose flag and/or its compression method, in both headers."""
    b = bytearray(Path(path).read_bytes())
    for sig, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        i = b.find(sig)
        while i >= 0:
            flags = struct.unpack_from("<H", b, i + flag_at)[0]
            struct.pack_into("<H", b, i + flag_at, flags | flag_or)
            if method is not None:
                struct.pack_into("<H", b, i + method_at, method)
            i = b.find(sig, i + 4)
    Path(dst).write_bytes(bytes(b))
    return dst


def replay_meta(path=EXAMPLE):
    with zipfile.ZipFile(path) as z:
        return json.loads(np.load(io.BytesIO(z.read("meta.npy"))).tobytes())


def with_meta(dst, **changes):
    meta = replay_meta()
    meta.update(changes)
    raw = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    return rewrite_zip(EXAMPLE, dst, replace={"meta.npy": npy_bytes(raw)})


def with_member(dst, name, arr_or_bytes):
    data = arr_or_bytes if isinstance(arr_or_bytes, bytes) else npy_bytes(arr_or_bytes)
    return rewrite_zip(EXAMPLE, dst, replace={name + ".npy": data})


def member(name, path=EXAMPLE):
    with zipfile.ZipFile(path) as z:
        return np.load(io.BytesIO(z.read(name + ".npy")))


@pytest.fixture(scope="module")
def dataset_file(tmp_path_factory):
    from learning.train import write_synthetic_dataset
    p = tmp_path_factory.mktemp("ds") / "d.npz"
    write_synthetic_dataset(p, battles=2, rounds=1, turns=120)
    return p


def ds_member(path, name):
    with zipfile.ZipFile(path) as z:
        return np.load(io.BytesIO(z.read(name)), allow_pickle=False)


# ---------------------------------------------------------------------------------------- arguments

ARGUMENT_CASES = [
    (["battle", "sample.Walls", "sample.SpinBot", "--field", "\u00b2x600"], "WIDTHxHEIGHT"),
    (["battle", "sample.Walls", "sample.SpinBot", "--field", "800x99999999999999"], "field"),
    (["battle", "sample.Walls", "sample.SpinBot", "--seed", str(2 ** 70)], "--seed"),
    (["battle", "sample.Walls", "sample.SpinBot", "--rounds", str(10 ** 9)], "--rounds"),
    (["battle", "sample.Walls", "sample.SpinBot", "--rounds", "1" * 5000], "--rounds"),
    (["battle", "sample.Walls", "sample.SpinBot", "--inactivity", str(10 ** 12)], "--inactivity"),
    (["battle", "sample.Walls", "sample.SpinBot", "--gun-cooling", "nan"], "--gun-cooling"),
    (["battle", "sample.Walls", "sample.SpinBot", "--gun-cooling", "1e400"], "--gun-cooling"),
    (["conform", "--tol", "nan"], "--tol"),
    (["conform", "--tol", "-1"], "--tol"),
    (["collect", "a", "b", "--out", "x.npz", "--seeds", f"0..{10 ** 30}"], "--seeds"),
    (["collect", "a", "b", "--out", "x.npz", "--chunk-size", str(10 ** 12)], "--chunk-size"),
    (["collect", "a", "b", "--out", "x.npz", "--virtual-power", "inf"], "--virtual-power"),
    (["challenge", "--jobs", str(10 ** 6)], "--jobs"),
    (["challenge", "--seasons", str(10 ** 9)], "--seasons"),
    (["challenge", "--seeds", "1,2," + str(2 ** 64)], "--seeds"),
    (["train", "d.npz", "--out", "m.json", "--seed", "-1"], "--seed"),
    (["train", "d.npz", "--out", "m.json", "--k", str(10 ** 18)], "--k"),
    (["train", "d.npz", "--out", "m.json", "--hist-bins", str(10 ** 12)], "--hist-bins"),
    (["train", "d.npz", "--out", "m.json", "--max-points", str(10 ** 15)], "--max-points"),
    (["train", "d.npz", "--out", "m.json", "--lr", "1e308"], "--lr"),
    (["replay", "--speed", "1e308"], "--speed"),
    (["replay", "--speed", "nan"], "--speed"),
    (["replay", "--scale", "-inf"], "--scale"),
    (["replay", "--round", str(10 ** 20)], "--round"),
    (["loss-demo", "--dpi", str(10 ** 9)], "--dpi"),
]


@pytest.mark.parametrize("argv,needle", ARGUMENT_CASES, ids=[" ".join(a)[:60] for a, _ in ARGUMENT_CASES])
def test_bad_arguments_one_line_exit_2(capsys, tmp_path, monkeypatch, argv, needle):
    monkeypatch.chdir(tmp_path)
    one_line_exit_2(capsys, argv, needle)
    assert not list(tmp_path.iterdir()), "nothing may be written on bad input"


@pytest.mark.parametrize("cmd,bound", [("battle", "100,000"), ("collect", "100,000"), ("challenge", "256"),
                                       ("train", "10,000"), ("conform", "1000")])
def test_help_documents_the_upper_bounds(capsys, cmd, bound):
    argv = [cmd, "--help"] if cmd != "battle" else ["battle", "--help"]
    assert cli_main(argv) == 0
    assert bound in capsys.readouterr().out


def test_bounds_are_inclusive():
    from sim.cli.args import bounded_int, bounded_float, rounds_type, MAX_ROUNDS
    import argparse
    assert rounds_type(str(MAX_ROUNDS)) == MAX_ROUNDS and rounds_type("1") == 1
    for bad in ("0", str(MAX_ROUNDS + 1), "1.5", "", " ", "0x10", "\u0661"):
        with pytest.raises(argparse.ArgumentTypeError):
            rounds_type(bad)
    t = bounded_float(0.25, 64, allow_zero=True)
    assert t("0") == 0 and t("64") == 64 and t("0.25") == 0.25
    for bad in ("0.2", "64.01", "inf", "-inf", "nan", "1e308"):
        with pytest.raises(argparse.ArgumentTypeError):
            t(bad)
    assert bounded_int(-3, 3)("-3") == -3


# ---------------------------------------------------------------------------------------- replays

def replay_error(path):
    with pytest.raises(ReplayError) as e:
        load_replay(path)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(str(path))
    return msg


def test_example_still_loads():
    r = load_replay(EXAMPLE)
    assert r.frames > 1000


def test_header_claiming_1e12_elements_is_refused_before_reading(tmp_path):
    p = with_member(tmp_path / "huge.gfr", "robots.x", npy_header_only((2, 10 ** 12), "<i2", b"\0" * 64))
    tracemalloc.start()
    msg = replay_error(p)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "shape" in msg or "claims" in msg
    assert peak < 20 << 20, peak


def test_header_and_member_size_must_agree(tmp_path):
    meta = replay_meta()
    n, frames = meta["robots"], meta["frames"]
    p = with_member(tmp_path / "lie.gfr", "robots.x", npy_header_only((n, frames), "<i2", b"\0" * 10))
    assert "header claims" in replay_error(p)


def test_zip_bomb_member_is_refused_before_inflating(tmp_path):
    meta = replay_meta()
    n = meta["robots"]
    big = 200 << 20                  # 200 MB of zeros, about 200 kB deflated
    hdr = npy_header_only((n, big // n), "|i1")
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunks = [comp.compress(hdr)]
    zeros = b"\0" * (1 << 20)
    crc = zlib.crc32(hdr)
    for _ in range(big >> 20):
        chunks.append(comp.compress(zeros))
        crc = zlib.crc32(zeros, crc)
    chunks.append(comp.flush())
    # write the member by hand: zipfile would inflate nothing, we only need a consistent deflate entry
    src = _members(EXAMPLE)
    p = tmp_path / "bomb.gfr"
    with zipfile.ZipFile(p, "w") as out:
        for info, data in src:
            if info.filename == "robots.state.npy":
                continue
            zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(zi, data)
    # append the bomb with a raw local header + central directory rewrite via zipfile internals
    raw = b"".join(chunks)
    with zipfile.ZipFile(p, "a") as out:
        zi = zipfile.ZipInfo("robots.state.npy", date_time=(1980, 1, 1, 0, 0, 0))
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi.file_size = len(hdr) + big
        zi.compress_size = len(raw)
        zi.CRC = crc
        out.fp.seek(out.start_dir)
        zi.header_offset = out.start_dir
        out.fp.write(zi.FileHeader(False))
        out.fp.write(raw)
        out.start_dir = out.fp.tell()
        out.filelist.append(zi)
        out.NameToInfo[zi.filename] = zi
        out._didModify = True
    assert p.stat().st_size < 2 << 20
    tracemalloc.start()
    msg = replay_error(p)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "robots.state" in msg
    assert peak < 20 << 20, peak


def test_load_budget_stops_a_consistent_but_too_large_replay(tmp_path, monkeypatch):
    monkeypatch.setenv("GFSIM_LOAD_BUDGET_MB", "0.05")
    assert "memory budget" in replay_error(EXAMPLE)
    monkeypatch.delenv("GFSIM_LOAD_BUDGET_MB")
    load_replay(EXAMPLE)


@pytest.mark.parametrize("flag,method,needle", [(0x1, None, "encrypted"), (0, 99, "compression method"),
                                                (0, zipfile.ZIP_BZIP2, "compression method")])
def test_encrypted_or_unknown_compression_is_refused(tmp_path, flag, method, needle):
    p = patch_central_directory(EXAMPLE, tmp_path / "x.gfr", flag_or=flag, method=method)
    assert needle in replay_error(p)


@pytest.mark.parametrize("name,arr,needle", [
    ("robots.x", np.zeros((), dtype="<i2"), "shape"),                                       # 0-d
    ("robots.x", np.zeros((2, 3), dtype=[("a", "<i4"), ("b", "<f8")]), "dtype"),         # structured
    ("rounds.turns", np.zeros((5, 1), dtype="<i4"), "shape"),
    ("scores.round_scores", np.full((5, 2, 9), np.nan), "score"),
    ("bullets.power", None, "power"),
    ("bullets.x0", None, "off the field"),
    ("robots.x", None, "leaves the field"),
    ("robots.x", np.zeros((2, 10), dtype=">i2"), "big-endian"),
    ("robots.x", np.zeros((2, 10), dtype="<U3"), "robots.x"),
])
def test_crafted_members_are_refused(tmp_path, name, arr, needle):
    if arr is None:
        arr = member(name).copy()
        if name == "bullets.power":
            arr = arr.astype("<f8")
            arr[0] = np.nan
        elif name == "bullets.x0":
            arr = arr.astype("<i8")
            arr[0] = 2 ** 50
        elif name == "robots.x":
            arr = arr.astype("<i8")
            arr[0, 5] = 2 ** 40
    assert needle in replay_error(with_member(tmp_path / "c.gfr", name, arr))


@pytest.mark.parametrize("changes,needle", [
    (dict(rules={"width": float("inf"), "height": 600}), "metadata"),
    (dict(rules={"width": 10 ** 30, "height": 600}), "battlefield"),
    (dict(frames=10 ** 12), "frame"),
    (dict(robots=-128), "robot"),
    (dict(rounds=2 ** 63), "round"),
])
def test_impossible_metadata_is_refused(tmp_path, changes, needle):
    assert needle in replay_error(with_meta(tmp_path / "m.gfr", **changes))


def test_non_utf8_and_deeply_nested_replay_metadata(tmp_path):
    raw = np.frombuffer(b"\xff\xfe{" + b"[" * 100000, dtype=np.uint8)
    p = rewrite_zip(EXAMPLE, tmp_path / "u.gfr", replace={"meta.npy": npy_bytes(raw)})
    assert "not valid JSON" in replay_error(p)
    raw = np.frombuffer(("[" * 200000 + "]" * 200000).encode(), dtype=np.uint8)
    p = rewrite_zip(EXAMPLE, tmp_path / "n.gfr", replace={"meta.npy": npy_bytes(raw)})
    assert "not valid JSON" in replay_error(p)


def test_bit_flips_and_truncations_never_escape_as_tracebacks(tmp_path):
    """Property: any single damaged byte or truncation loads fine or raises ReplayError (nothing else)."""
    data = EXAMPLE.read_bytes()
    rng = random.Random(16)
    outcomes = {"ok": 0, "refused": 0}
    p = tmp_path / "f.gfr"
    for k in range(160):
        b = bytearray(data)
        if k % 4 == 3:
            b = b[:rng.randrange(len(b))]
        else:
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        p.write_bytes(bytes(b))
        try:
            load_replay(p)
            outcomes["ok"] += 1
        except ReplayError as e:
            assert "\n" not in str(e)
            outcomes["refused"] += 1
    assert outcomes["refused"] > 50


def test_replay_command_on_crafted_file_is_one_line(capsys, tmp_path):
    p = patch_central_directory(EXAMPLE, tmp_path / "x.gfr", flag_or=1)
    one_line_exit_2(capsys, ["replay", str(p), "--gif", str(tmp_path / "o.gif")], "encrypted")
    assert not (tmp_path / "o.gif").exists()


# ---------------------------------------------------------------------------------------- datasets

def ds_error(path):
    with pytest.raises(D.DatasetError) as e:
        D.load_dataset(path)
    assert "\n" not in str(e.value)
    return str(e.value)


def test_dataset_fixture_loads(dataset_file):
    assert len(D.load_dataset(dataset_file)) > 0


def test_dataset_header_claiming_1e12_rows(dataset_file, tmp_path):
    p = rewrite_zip(dataset_file, tmp_path / "h.npz", replace={"gun/turn.npy": npy_header_only((10 ** 12,), "<i4")})
    tracemalloc.start()
    msg = ds_error(p)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "gun/turn" in msg and peak < 20 << 20


def test_dataset_compressed_or_encrypted_members_refused(dataset_file, tmp_path):
    assert "compression method" in ds_error(rewrite_zip(dataset_file, tmp_path / "z.npz",
                                                        compression=zipfile.ZIP_DEFLATED))
    assert "encrypted" in ds_error(patch_central_directory(dataset_file, tmp_path / "e.npz", flag_or=1))


@pytest.mark.parametrize("col,value,needle", [("gun/shooter.npy", -128, "shooter"),
                                              ("gun/turn.npy", -5, "turn"),
                                              ("gun/lat_vel.npy", 1e308, "absurd"),
                                              ("gun/bullet_speed.npy", np.nan, "bullet_speed")])
def test_dataset_impossible_values_refused(dataset_file, tmp_path, col, value, needle):
    a = ds_member(dataset_file, col).copy()
    a[0] = value
    assert needle in ds_error(rewrite_zip(dataset_file, tmp_path / "v.npz", replace={col: npy_bytes(a)}))


def test_dataset_meta_deeply_nested(dataset_file, tmp_path):
    meta = np.array("[" * 100000 + "]" * 100000)
    p = rewrite_zip(dataset_file, tmp_path / "n.npz", replace={"meta.npy": npy_bytes(meta)})
    assert "not valid JSON" in ds_error(p)


def test_train_on_crafted_dataset_one_line(capsys, dataset_file, tmp_path):
    p = rewrite_zip(dataset_file, tmp_path / "h.npz", replace={"gun/turn.npy": npy_header_only((10 ** 12,), "<i4")})
    one_line_exit_2(capsys, ["train", str(p), "--out", str(tmp_path / "m.json")], "gun/turn")
    assert not (tmp_path / "m.json").exists()


# ---------------------------------------------------------------------------------------- JSON inputs

@pytest.mark.parametrize("content,needle", [
    (b"\xff\xfe\x00{\"turns\": 3}", "UTF-8"),
    (b"[" * 100000 + b"]" * 100000, "nested"),
    (b'{"turns": 1e12, "robots": []}', "turns"),
    (b'{"turns": NaN}', "NaN"),
])
def test_scenario_files(tmp_path, capsys, content, needle):
    p = tmp_path / "s.json"
    p.write_bytes(content)
    with pytest.raises(ScenarioError, match=needle):
        load_scenario(p)
    one_line_exit_2(capsys, ["scenario", "run", str(p), "--out", str(tmp_path / "o.csv")])
    assert not (tmp_path / "o.csv").exists()


def test_model_files(tmp_path):
    good = GunModel(["lat_vel"], [0.0], [8.0]).to_dict()
    for content, needle in ((b"\xff\xfe\x00", "not valid JSON"), (b"[" * 100000, "nested"),
                            (json.dumps(dict(good, max_points=10 ** 15)).encode(), "max_points"),
                            (json.dumps(dict(good, scale=10 ** 400)).encode(), "model")):
        p = tmp_path / "m.json"
        p.write_bytes(content)
        with pytest.raises(ModelError, match=needle):
            load_model(p)


# ---------------------------------------------------------------------------------------- outputs

def test_train_refuses_to_overwrite_its_dataset(capsys, dataset_file, tmp_path):
    before = dataset_file.read_bytes()
    one_line_exit_2(capsys, ["train", str(dataset_file), "--out", str(dataset_file)], "refusing to overwrite")
    link = tmp_path / "link.json"
    link.symlink_to(dataset_file)
    one_line_exit_2(capsys, ["train", str(dataset_file), "--out", str(link)], "refusing to overwrite")
    one_line_exit_2(capsys, ["train", str(dataset_file), "--out", str(tmp_path / "m.json"),
                             "--plot", str(tmp_path / "m.json")], "same file")
    assert dataset_file.read_bytes() == before and not (tmp_path / "m.json").exists()


def test_other_commands_refuse_output_equal_to_input_or_output(capsys, tmp_path):
    src = ROOT / "sim" / "scenarios" / "gun_heat.json"
    s = tmp_path / "s.json"
    s.write_bytes(src.read_bytes())
    one_line_exit_2(capsys, ["scenario", "run", str(s), "--out", str(s)], "refusing to overwrite")
    one_line_exit_2(capsys, ["scenario", "run", str(s), "--out", str(tmp_path / "a.csv"),
                             "--bullets", str(tmp_path / "a.csv")], "same file")
    assert s.read_bytes() == src.read_bytes()
    r = tmp_path / "r.gfr"
    r.write_bytes(EXAMPLE.read_bytes())
    one_line_exit_2(capsys, ["replay", str(r), "--gif", str(r)], "refusing to overwrite")
    assert r.read_bytes() == EXAMPLE.read_bytes()
    one_line_exit_2(capsys, ["battle", "sample.Walls", "sample.SpinBot", "--dataset", str(tmp_path / "d.npz"),
                             f"--record={tmp_path / 'd.npz'}"], "same file")
    one_line_exit_2(capsys, ["challenge", "--csv", str(tmp_path / "c.png"), "--plot", str(tmp_path / "c.png")],
                    "same file")


def test_outputs_at_a_folder_or_read_only_path(capsys, tmp_path):
    (tmp_path / "dir").mkdir()
    one_line_exit_2(capsys, ["replay", str(EXAMPLE), "--gif", str(tmp_path / "dir")], "directory")
    one_line_exit_2(capsys, ["replay", str(EXAMPLE), "--gif", str(tmp_path / "nope" / "x.gif")], "does not exist")
    f = tmp_path / "file"
    f.write_text("x")
    one_line_exit_2(capsys, ["replay", str(EXAMPLE), "--export", str(f)], "not a folder")
    if os.geteuid() != 0:     # root writes anywhere
        ro = tmp_path / "ro.gif"
        ro.write_text("x")
        ro.chmod(0o444)
        one_line_exit_2(capsys, ["replay", str(EXAMPLE), "--gif", str(ro)], "read-only")


def test_atomic_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "t.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic.atomic_output(target) as f:
            f.write(b"partial")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["t.bin"]
    link = tmp_path / "l"
    link.symlink_to(target)
    atomic.write_atomic(link, b"new")
    assert target.read_bytes() == b"old" and link.read_bytes() == b"new" and not link.is_symlink()


def _dead_pid():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_temps_of_dead_processes_are_swept(tmp_path):
    dead = _dead_pid()
    stale = tmp_path / f".gfsim-{dead}-abc123.out.npz.tmp"
    stale.write_bytes(b"x")
    spill = tmp_path / f".gfsim-{dead}-def456.spill"
    spill.mkdir()
    (spill / "gun.turn").write_bytes(b"x")
    live = tmp_path / f".gfsim-{os.getpid()}-ghi789.x.tmp"
    live.write_bytes(b"x")
    other = tmp_path / ".gfsim-notours.tmp"
    other.write_bytes(b"x")
    atomic.write_atomic(tmp_path / "out.bin", b"data")   # a write into the folder sweeps it
    assert not stale.exists() and not spill.exists()
    assert live.exists() and other.exists() and (tmp_path / "out.bin").read_bytes() == b"data"


SLOW_WRITER = """
import sys, time
from sim.cli.errors import run_command
from sim.io.atomic import atomic_output
def body(argv):
    with atomic_output(argv[0]) as f:
        f.write(b"partial")
        f.flush()
        print("writing", flush=True)
        time.sleep(60)
    return 0
sys.exit(run_command("gfsim test", body, sys.argv[1:]))
"""


@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_during_a_write_removes_the_temp_file(tmp_path, sig, code, default_sigint):
    out = tmp_path / "o.bin"
    p = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(out)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=ENV, cwd=tmp_path, preexec_fn=default_sigint)
    assert p.stdout.readline().strip() == "writing"
    assert any(n.startswith(".gfsim-") for n in os.listdir(tmp_path))
    p.send_signal(sig)
    _, err = p.communicate(timeout=30)
    assert p.returncode == code, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------------------- kills

def _children(pid):
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d.name))
    return out


def _alive(pid):
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL, signal.SIGINT])
def test_killing_a_challenge_leaves_no_worker_and_no_temp_file(tmp_path, sig, default_sigint):
    argv = [sys.executable, "-X", "faulthandler", "-m", "sim.cli.main", "challenge", "targeting", "--guns", "headon",
            "--movements", "sample.Walls", "--seasons", "100000", "--jobs", "2", "--no-progress",
            "--csv", str(tmp_path / "c.csv")]
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV, cwd=tmp_path,
                         start_new_session=True, preexec_fn=default_sigint)
    workers = []
    deadline = time.time() + 600           # the first run of a worktree compiles the engine
    while time.time() < deadline and len(workers) < 2 and p.poll() is None:
        time.sleep(0.5)
        workers = _children(p.pid)
    try:
        assert len(workers) >= 2, "the pool did not start"
        time.sleep(2)
        if sig == signal.SIGINT:
            os.killpg(p.pid, sig)          # Ctrl-C reaches the whole process group
        else:
            os.kill(p.pid, sig)
        try:
            p.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGABRT)      # -X faulthandler: the stacks go to stderr
            p.wait(timeout=30)
            pytest.fail("the parent did not exit after the signal:\n" + p.stderr.read()[-4000:])
        deadline = time.time() + 20
        while time.time() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.2)
        assert not any(_alive(w) for w in workers), "a worker outlived its parent"
        err = p.stderr.read()
        assert "Traceback" not in err, err
        if sig != signal.SIGKILL:
            assert p.returncode in (130, 143), (p.returncode, err)
        assert not [n for n in os.listdir(tmp_path) if n.startswith(".gfsim-") or n == "c.csv"]
    finally:
        for w in [p.pid] + workers:
            try:
                os.kill(w, signal.SIGKILL)
            except OSError:
                pass
        p.wait()


_STUCK_POOL = """
import concurrent.futures, multiprocessing, sys
from sim.cli.errors import exit_with
from sim.experiments.workers import kill_pool
ex = concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
ex.submit(abs, 1).result()
ex._work_ids.mutex.acquire()          # as if SIGTERM interrupted submit() while it held the queue's lock
kill_pool(ex)                         # what the runner does on the way out (sim.experiments.runner)
exit_with(int(sys.argv[1]))
"""


@pytest.mark.parametrize("code", [130, 143])
def test_an_interrupted_command_exits_even_when_the_pool_queue_is_left_locked(code):
    """exit_with skips the interpreter's shutdown after Ctrl-C / SIGTERM: concurrent.futures' exit hook would join
    a manager thread that waits for the lock forever (the hang test_killing_a_challenge... once hit under load)."""
    p = subprocess.run([sys.executable, "-c", _STUCK_POOL, str(code)], env=ENV, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == code and "Traceback" not in p.stderr, p.stderr


# ---------------------------------------------------------------------------------------- planted cache

def test_robocode_cache_folder_must_be_private(tmp_path, monkeypatch):
    from sim.io import robocode as R
    root = tmp_path / "cache"
    monkeypatch.setenv(R.HARNESS_ROOT_ENV, str(root))
    assert R.private_cache_root() == root and (root.stat().st_mode & 0o777) == 0o700
    root.chmod(0o755)
    with pytest.raises(R.RobocodeError, match="permissions"):
        R.private_cache_root()
    root.chmod(0o700)
    link = tmp_path / "link"
    link.symlink_to(root)
    monkeypatch.setenv(R.HARNESS_ROOT_ENV, str(link))
    with pytest.raises(R.RobocodeError, match="not a real folder"):
        R.private_cache_root()
    if os.geteuid() == 0:                  # as root we can play the other user
        other = tmp_path / "other"
        other.mkdir(mode=0o700)
        os.chown(other, 65534, 65534)
        monkeypatch.setenv(R.HARNESS_ROOT_ENV, str(other))
        with pytest.raises(R.RobocodeError, match="owned by uid 65534"):
            R.private_cache_root()


def test_planted_or_tampered_harness_build_is_not_trusted(tmp_path):
    from sim.io import robocode as R
    build = tmp_path / "robocode-harness-x"
    (build / "robots" / "gfsim").mkdir(parents=True)
    cls = build / "robots" / "gfsim" / "ScenarioBot.class"
    cls.write_bytes(b"\xca\xfe\xba\xbe original")
    build.chmod(0o700)
    (build / "ok").write_text("ok\n")                      # the old trust marker: not enough
    assert not R._harness_ok(build)
    (build / "ok").write_text(json.dumps(R._class_manifest(build)))
    assert R._harness_ok(build)
    cls.write_bytes(b"\xca\xfe\xba\xbe planted")           # tampered after the build
    assert not R._harness_ok(build)
    cls.write_bytes(b"\xca\xfe\xba\xbe original")
    (build / "robots" / "gfsim" / "Extra.class").write_bytes(b"x")   # a class slipped in
    assert not R._harness_ok(build)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_killed_streaming_collect_leaves_no_spill_for_long(tmp_path, sig):
    """SIGTERM: the spill folder goes with the process. SIGKILL cannot be caught: the next write into the
    folder sweeps what the dead process left."""
    argv = [sys.executable, "-m", "sim.cli.main", "collect", "sample.Walls", "sample.SpinBot", "--rounds", "2",
            "--seeds", "0..100000", "--out", str(tmp_path / "c.npz"), "--stream", "--chunk-size", "50",
            "--no-progress"]
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV, cwd=tmp_path)
    try:
        deadline = time.time() + 600
        while time.time() < deadline and p.poll() is None and not any(
                n.endswith(".spill") for n in os.listdir(tmp_path)):
            time.sleep(0.2)
        assert any(n.endswith(".spill") for n in os.listdir(tmp_path)), p.stderr.read() if p.poll() is not None else ""
        p.send_signal(sig)
        p.wait(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    if sig == signal.SIGTERM:
        assert p.returncode == 143 and "Traceback" not in p.stderr.read()
    else:
        assert any(n.endswith(".spill") for n in os.listdir(tmp_path))
        atomic.write_atomic(tmp_path / "next.txt", "x")
    assert sorted(os.listdir(tmp_path)) == ([] if sig == signal.SIGTERM else ["next.txt"])
