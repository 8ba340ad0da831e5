"""`gfsim challenge` (sim/experiments/challenge.py): the CI math, agreement with run_battle, job-count independence,
output files and one-line errors."""
import csv
import json
import math
import os

import numpy as np
import pytest
from scipy import stats

from sim.experiments import challenge as C
from sim.engine.battle import run_battle
from sim.cli.main import main as cli_main
from sim.engine.constants import S_BULLET_DMG
from sim.engine.rules import Rules

GUNS = ["headon", "circular"]
MOVES = ["sample.Walls", "orbit"]
SEEDS = [3, 4]
ROUNDS = 3
TINY = ["--guns", ",".join(GUNS), "--movements", ",".join(MOVES), "--rounds", str(ROUNDS),
        "--seeds", ",".join(map(str, SEEDS)), "--no-progress"]


def run(capsys, *argv):
    code = cli_main(["challenge", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- statistics

def test_mean_ci_is_the_student_t_interval():
    vals = [0.21, 0.25, 0.19, 0.30, 0.24, 0.22, 0.27]
    r = C.mean_ci(vals)
    lo, hi = stats.t.interval(0.95, len(vals) - 1, loc=np.mean(vals), scale=stats.sem(vals))
    assert r["n"] == 7 and r["mean"] == pytest.approx(np.mean(vals), abs=1e-15)
    assert r["low"] == pytest.approx(lo, abs=1e-12) and r["high"] == pytest.approx(hi, abs=1e-12)
    assert r["half"] == pytest.approx((hi - lo) / 2, abs=1e-12)
    # a 90% interval is narrower and also matches scipy
    r90 = C.mean_ci(vals, confidence=0.90)
    lo90, hi90 = stats.t.interval(0.90, len(vals) - 1, loc=np.mean(vals), scale=stats.sem(vals))
    assert r90["low"] == pytest.approx(lo90, abs=1e-12) and r90["half"] < r["half"]


def test_mean_ci_degenerate_cases():
    one = C.mean_ci([0.4])
    assert one["n"] == 1 and one["mean"] == 0.4
    assert math.isnan(one["low"]) and math.isnan(one["high"]) and math.isnan(one["half"])
    none = C.mean_ci([])
    assert none["n"] == 0 and math.isnan(none["mean"])
    same = C.mean_ci([0.3, 0.3, 0.3])
    assert same["half"] == 0.0 and same["low"] == same["high"] == pytest.approx(0.3)
    # seasons without a shot (NaN hit rate) are left out
    assert C.mean_ci([0.2, float("nan"), 0.4])["n"] == 2


def test_single_season_prints_n_a_and_writes_empty_csv_bounds(capsys, tmp_path):
    out_csv = tmp_path / "one.csv"
    code, out, err = run(capsys, "targeting", "--guns", "headon", "--movements", "sample.SittingDuck",
                         "--rounds", "1", "--seasons", "1", "--jobs", "1", "--no-progress", "--csv", str(out_csv))
    assert code == 0, err
    assert "± n/a" in out
    rows = list(csv.DictReader(open(out_csv)))
    assert rows[0]["seasons"] == "1" and rows[0]["hit_rate_ci_low"] == "" and rows[0]["hit_rate"] != ""


# ---------------------------------------------------------------- names

def test_names_resolve_to_specs():
    assert C.gun_spec("circular") == "lock+circular:power=3,energy_rule=0+still"
    assert C.gun_spec("linear:tolerance=2", {"max_age": "5"}) == \
        "lock+linear:power=3,energy_rule=0,max_age=5,tolerance=2+still"
    assert C.gun_spec("none") == "lock+none+still"          # a gun without firing parameters
    assert C.gun_spec("lock+headon+orbit") == "lock+headon+orbit"
    assert C.gun_spec("nosuchgun") is None
    assert C._split_names("headon,circular:power=2,tolerance=2,linear") == \
        ["headon", "circular:power=2,tolerance=2", "linear"]
    guns, moves, skipped = C.resolve(["headon"], ["samples", "orbit:distance=300"])
    assert [m for m, _ in moves][-1] == "orbit:distance=300" and moves[-1][1] == "lock+none+orbit:distance=300"
    assert len(moves) == 12 and moves[0] == ("sample.SittingDuck", "sample.SittingDuck") and not skipped


def test_unregistered_default_names_are_skipped_with_a_note(monkeypatch):
    monkeypatch.setattr(C, "DEFAULT_GUNS", ("headon", "nosuchgun"))
    monkeypatch.setattr(C, "DEFAULT_MOVEMENTS", ("orbit", "nosuchmove"))
    guns, moves, skipped = C.resolve()
    assert [g for g, _ in guns] == ["headon"] and [m for m, _ in moves] == ["orbit"]
    assert len(skipped) == 2 and "nosuchgun" in skipped[0] and "nosuchmove" in skipped[1]
    with pytest.raises(C.ChallengeError, match="unknown gun 'nosuchgun'"):
        C.resolve(["headon", "nosuchgun"], None)


# ---------------------------------------------------------------- against run_battle, job counts

@pytest.fixture(scope="module")
def tiny():
    gl, ml, sk = C.resolve(GUNS, MOVES)
    one = C.run_challenge(seeds=SEEDS, rules=Rules(rounds=ROUNDS), jobs=1, resolved=(gl, ml, sk))
    two = C.run_challenge(seeds=SEEDS, rules=Rules(rounds=ROUNDS), jobs=2, resolved=(gl, ml, sk))
    return one, two


def test_tiny_challenge_matches_run_battle(tiny):
    summary, _ = tiny
    pairs = {(p["gun"], p["movement"]): p for p in summary["targeting"]["pairs"]}
    assert len(pairs) == 4 and summary["battles"] == 8
    season_rates = {}
    for g in GUNS:
        for m in MOVES:
            rates, dprs, shots, hits = [], [], 0, 0
            for seed in SEEDS:
                res = run_battle([C.gun_spec(g), m if m.startswith("sample.") else f"lock+none+{m}"],
                                 Rules(rounds=ROUNDS), seed=seed)
                s, h = res.round_stats[:, 0, 0].sum(), res.round_stats[:, 0, 1].sum()
                assert s > 0
                rates.append(h / s)
                dprs.append(res.round_scores[:, 0, S_BULLET_DMG].sum() / ROUNDS)
                shots += int(s)
                hits += int(h)
            season_rates[(g, m)] = rates
            p = pairs[(g, m)]
            ci = stats.t.interval(0.95, len(SEEDS) - 1, loc=np.mean(rates), scale=stats.sem(rates))
            assert p["hit_rate"] == pytest.approx(np.mean(rates), abs=1e-12)
            assert (p["hit_rate_ci_low"], p["hit_rate_ci_high"]) == pytest.approx(ci, abs=1e-12)
            assert p["dmg_per_round"] == pytest.approx(np.mean(dprs), abs=1e-9)
            assert (p["shots"], p["hits"], p["seasons"]) == (shots, hits, len(SEEDS))
    # the seasons differ, so the CI has a width
    assert any(pairs[k]["hit_rate_ci_half"] > 0 for k in pairs)
    # ALL over movements: per-season means, then the t-interval over seasons
    for o in summary["targeting"]["overall"]:
        per_season = np.mean([season_rates[(o["gun"], m)] for m in MOVES], axis=0)
        assert o["movement"] == C.ALL and o["hit_rate"] == pytest.approx(per_season.mean(), abs=1e-12)
        assert o["hit_rate_ci_half"] == pytest.approx(C.mean_ci(per_season)["half"], abs=1e-12)
    # the movement view is the same battles grouped by movement
    mp = {(p["gun"], p["movement"]): p for p in summary["movement"]["pairs"]}
    assert all(mp[k]["hit_rate"] == pairs[k]["hit_rate"] for k in pairs)
    assert [o["movement"] for o in summary["movement"]["overall"]] == MOVES


def test_results_do_not_depend_on_the_job_count(tiny):
    one, two = tiny
    assert one["jobs"] == 1 and two["jobs"] == 2
    strip = lambda s: {k: v for k, v in s.items() if k not in ("wall_time", "battle_time", "jobs")}  # noqa: E731
    assert C.json_text(strip(one)) == C.json_text(strip(two))


@pytest.mark.skipif(__import__("importlib").util.find_spec("dask") is None
                    or __import__("importlib").util.find_spec("distributed") is None,
                    reason="dask.distributed is not installed (optional)")
def test_dask_scheduler_gives_the_same_results(tiny):
    from dask.distributed import LocalCluster
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        gl, ml, sk = C.resolve(GUNS, MOVES)
        d = C.run_challenge(seeds=SEEDS, rules=Rules(rounds=ROUNDS), scheduler=cluster.scheduler_address,
                            resolved=(gl, ml, sk))
    assert d["targeting"] == tiny[0]["targeting"] and d["movement"] == tiny[0]["movement"]


def test_scheduler_without_dask_is_one_line(capsys, monkeypatch):
    import builtins
    real = builtins.__import__

    def no_dask(name, *a, **k):
        if name.startswith("dask"):
            raise ImportError(name)
        return real(name, *a, **k)
    monkeypatch.setattr(builtins, "__import__", no_dask)
    code, out, err = run(capsys, *TINY, "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "dask" in err


# ---------------------------------------------------------------- files and errors

def test_csv_json_and_plot(capsys, tmp_path):
    out_csv, out_png = tmp_path / "c.csv", tmp_path / "c.png"
    code, out, err = run(capsys, *TINY, "--jobs", "1", "--csv", str(out_csv), "--plot", str(out_png))
    assert code == 0, err
    assert "Targeting challenge" in out and "Movement challenge" in out and "8 battles" in out
    assert "hit % (movement \\ gun)" in out and "±" in out
    rows = list(csv.DictReader(open(out_csv)))
    assert set(rows[0]) == set(C.CSV_FIELDS)
    # targeting: 4 pairs + 2 ALL rows; movement: 4 pairs + 2 ALL rows
    assert len(rows) == 12 and {r["mode"] for r in rows} == {"targeting", "movement"}
    for r in rows:
        assert int(r["seasons"]) == 2 and int(r["shots"]) > 0
        assert float(r["hit_rate_ci_low"]) <= float(r["hit_rate"]) <= float(r["hit_rate_ci_high"])
    png = out_png.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    from PIL import Image
    with Image.open(out_png) as im:
        im.verify()

    code, out, err = run(capsys, "movement", *TINY, "--jobs", "1", "--json")
    assert code == 0, err
    d = json.loads(out)
    assert d["mode"] == "movement" and "targeting" not in d and d["seeds"] == SEEDS
    assert len(d["movement"]["pairs"]) == 4 and d["rules"]["rounds"] == ROUNDS
    assert [g["spec"] for g in d["guns"]] == [C.gun_spec(g) for g in GUNS]
    # JSON text of the tables matches the CSV numbers
    by = {(r["gun"], r["movement"]): float(r["hit_rate"]) for r in rows if r["mode"] == "movement"}
    for p in d["movement"]["pairs"] + d["movement"]["overall"]:
        assert p["hit_rate"] == pytest.approx(by[(p["gun"], p["movement"])], rel=1e-15)


@pytest.mark.parametrize("extra,needle", [
    (["--guns", "headon,nosuchgun"], "unknown gun 'nosuchgun'"),
    (["--movements", "sample.Nope"], "unknown sample robot"),
    (["--movements", "nosuchmove"], "unknown movement"),
    (["--guns", "circular:power=9"], "out of range"),
    (["--gun-params", "speed=3"], "no gun has a parameter"),
    (["--seasons", "0"], "positive whole number"),
    (["--seeds", "5..4"], "empty"),
    (["--seeds", ""], "at least one season"),
    (["--field", "10x10"], "width"),
    (["--field", "800by600"], "WIDTHxHEIGHT"),
    (["--rounds", "0"], "positive whole number"),
    (["--jobs", "0"], "positive whole number"),
    (["--plot", "x.jpg"], ".png"),
    (["--csv", "nodir/x.csv"], "does not exist"),
    (["sideways"], "invalid choice"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(capsys, tmp_path, monkeypatch, extra, needle):
    monkeypatch.chdir(tmp_path)
    argv = ["--guns", "headon", "--movements", "orbit", "--rounds", "1", "--seeds", "0", "--jobs", "1",
            "--no-progress", "--csv", "out.csv", "--plot", "out.png"]
    code, out, err = run(capsys, *argv, *extra)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and needle in err, err
    assert out == "" and os.listdir(tmp_path) == []


def test_help_explains_the_season_unit(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for needle in ("one season = one seed's battle", "Student-t", "--jobs", "--scheduler", "--csv", "--plot",
                   "n/a", "power=3,energy_rule=0"):
        assert needle in out, needle


# ---------------------------------------------------------------- paired comparisons and paths

def test_baseline_paired_differences(capsys):
    code, out, err = run(capsys, *TINY, "--jobs", "1", "--baseline", "headon", "--json")
    assert code == 0, err
    d = json.loads(out)
    pr = d["paired"]
    assert pr["baseline"] == "headon" and pr["kind"] == "gun"
    assert {(r["gun"], r["movement"]) for r in pr["rows"]} == {("circular", m) for m in MOVES + [C.ALL]}
    cells = {(p["gun"], p["movement"]): p for p in d["targeting"]["pairs"]}
    for r in pr["rows"]:
        if r["movement"] == C.ALL:
            continue
        a, b = cells[("circular", r["movement"])], cells[("headon", r["movement"])]
        # same seasons on both sides: the mean difference is the difference of the means
        assert r["dmg_per_round"]["mean"] == pytest.approx(a["dmg_per_round"] - b["dmg_per_round"], abs=1e-9)
        assert r["dmg_per_round"]["n"] == len(SEEDS)
    code, out, err = run(capsys, *TINY, "--jobs", "1", "--baseline", "headon")
    assert "Paired differences against gun headon" in out


def test_baseline_must_be_played(capsys):
    code, out, err = run(capsys, *TINY, "--baseline", "knn")
    assert code == 2 and "--baseline" in err and len(err.strip().splitlines()) == 1


def test_plot_axis_zooms_to_the_data():
    assert C._zoom([40.0, 44.0]) == pytest.approx((39.5, 44.5))
    lo, hi = C._zoom([10.0, 50.0])
    assert lo == pytest.approx(6.0) and hi == pytest.approx(54.0)
    assert C._zoom([0.0, 99.0])[0] == 0.0 and C._zoom([0.0, 99.0])[1] == 100.0


def test_relative_model_path_on_dask_workers_in_another_folder(tmp_path, monkeypatch):
    """The workers run in the folder the cluster started in; the model path is relative to the caller's."""
    import shutil
    from dask.distributed import LocalCluster
    model = os.path.join(os.path.dirname(__file__), "..", "bots", "models", "learned-orbit.json")
    shutil.copy(model, tmp_path / "m.json")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        monkeypatch.chdir(tmp_path)
        gl, ml, sk = C.resolve(["learned:model=m.json"], ["orbit"])
        d = C.run_challenge(seeds=[0], rules=Rules(rounds=1), scheduler=cluster.scheduler_address,
                            resolved=(gl, ml, sk))
    # before the fix the worker looked for m.json in its own folder and the task raised there
    assert d["battles"] == 1 and d["targeting"]["pairs"][0]["shots"] > 0
