"""The gfsim command as a user meets it: tables, JSON, files, help, and one-line errors with exit code 2."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from sim.cli.main import main

SCENARIO = os.path.join(os.path.dirname(__file__), "..", "sim", "scenarios", "acceleration.json")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_battle_prints_robocode_results_table(capsys):
    code, out, err = run(capsys, "battle", "sample.Walls", "sample.SpinBot", "--rounds", "3", "--no-progress")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Results for 3 rounds"
    assert "Total Score" in lines[1] and "Bullet Dmg" in lines[1] and "1sts" in lines[1]
    assert lines[2].startswith("1st") and lines[3].startswith("2nd")
    assert "turns/s" in out


def test_battle_json_has_per_round_turns_and_timing(capsys):
    code, out, _ = run(capsys, "battle", "sample.Walls", "sample.SpinBot", "--rounds", "2", "--seed", "5", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["seed"] == 5 and d["rules"]["rounds"] == 2 and d["rules"]["width"] == 800
    assert len(d["round_turns"]) == 2 and d["total_turns"] == sum(d["round_turns"])
    assert d["wall_time"] > 0 and "compile_time" in d
    assert sum(r["firsts"] for r in d["results"]) >= 2
    assert {r["name"] for r in d["results"]} == {"sample.Walls", "sample.SpinBot"}


@pytest.mark.parametrize("argv,needle", [
    (["battle", "sample.Nope", "sample.SpinBot"], "unknown sample robot"),
    (["battle", "frobnicate", "sample.SpinBot"], "unknown bot or part"),
    (["battle", "lock+circular:power=9", "sample.SpinBot"], "out of range"),
    (["battle", "lock+circular:speed=2", "sample.SpinBot"], "unknown parameter"),
    (["battle", "sample.Walls", "sample.SpinBot", "--field", "800by600"], "WIDTHxHEIGHT"),
    (["battle", "sample.Walls", "sample.SpinBot", "--field", "20x20"], "width"),
    (["battle", "sample.Walls", "sample.SpinBot", "--dataset", "out.txt"], ".npz"),
    (["scenario", "run", "/nonexistent/s.json", "--out", "t.csv"], "cannot read"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, argv, needle):
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code, out, err = run(capsys, *argv)
    finally:
        os.chdir(cwd)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and needle in err
    assert os.listdir(tmp_path) == []   # nothing written


def test_argparse_errors_exit_2(capsys):
    code = main(["battle", "sample.Walls", "sample.SpinBot", "--rounds", "zero"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("gfsim battle: error:") and "--rounds" in err


def test_bots_lists_every_sample_and_part(capsys):
    code, out, _ = run(capsys, "bots", "--json")
    assert code == 0
    d = json.loads(out)
    names = {s["name"] for s in d["samples"]}
    for s in ("sample.SittingDuck", "sample.Target", "sample.Walls", "sample.SpinBot", "sample.Crazy", "sample.Fire",
              "sample.Tracker", "sample.TrackFire", "sample.RamFire", "sample.VelociRobot", "sample.Corners"):
        assert s in names
    parts = {(p["category"], p["name"]) for p in d["parts"]}
    for p in (("radar", "lock"), ("gun", "headon"), ("gun", "linear"), ("gun", "circular"),
              ("movement", "stopgo"), ("movement", "orbit")):
        assert p in parts


def test_scenario_run_writes_trace(capsys, tmp_path):
    out_csv = tmp_path / "t.csv"
    bullets = tmp_path / "b.csv"
    code, out, _ = run(capsys, "scenario", "run", SCENARIO, "--out", str(out_csv), "--bullets", str(bullets))
    assert code == 0
    header = out_csv.read_text().splitlines()[0]
    assert header == "round,turn,robot,x,y,heading,gun_heading,radar_heading,velocity,energy,gun_heat"
    assert bullets.read_text().splitlines()[0] == "round,turn,owner,bullet,x,y,heading,power,state"


def test_record_and_dataset_files(capsys, tmp_path):
    gfr = tmp_path / "r.gfr"
    data = tmp_path / "d.npz"
    code, out, _ = run(capsys, "battle", "lock+circular+orbit", "sample.SpinBot", "--rounds", "2", "--no-progress",
                       f"--record={gfr}", "--dataset", str(data))
    assert code == 0
    from sim.io.replay import load_replay
    from sim.io.dataset import load_dataset
    rep = load_replay(gfr)
    ds = load_dataset(data)
    assert rep is not None and len(ds.gun["turn"]) > 0
    assert np.isfinite(ds.gun["gf_lo"]).any()


def test_record_virtual_waves(capsys, tmp_path):
    """--virtual-waves puts a wave for the turns without a bullet into the replay; without --record it is bad input."""
    from sim.io.replay import load_replay
    plain, virt = tmp_path / "p.gfr", tmp_path / "v.gfr"
    for path, extra in ((plain, []), (virt, ["--virtual-waves"])):
        code, _, _ = run(capsys, "battle", "sample.Walls", "sample.SpinBot", "--rounds", "1", "--no-progress",
                         f"--record={path}", *extra)
        assert code == 0
    p, v = load_replay(plain), load_replay(virt)
    assert np.all(p.waves["real"] == 1) and (v.waves["real"] == 0).sum() > 10 * len(p.waves["round"])
    assert v.meta["sections"]["waves"]["virtual"] and not p.meta["sections"]["waves"]["virtual"]
    assert np.array_equal(v.waves["turn"][v.waves["real"] == 1], p.waves["turn"])
    code, _, err = run(capsys, "battle", "sample.Walls", "sample.SpinBot", "--virtual-waves")
    assert code == 2 and "--virtual-waves" in err and err.count("\n") == 1


@pytest.mark.parametrize("cmd", ["battle", "bots", "scenario", "conform", "collect", "train", "replay", "loss-demo"])
def test_help_for_every_command(cmd):
    p = subprocess.run([sys.executable, "-m", "sim.cli", cmd, "--help"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "usage" in p.stdout.lower()
