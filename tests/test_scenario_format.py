"""The scenario format (sim.io.scenario): loading and validation, trace CSV files, compare_traces."""
from __future__ import annotations

import copy
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.io.scenario import (BULLET_COLUMNS, BULLET_DTYPE, COMMAND_FIELDS, TRACE_COLUMNS, TRACE_DTYPE, Divergence,
                          ScenarioError, bullets_from_columns, compare_traces, load_scenario,
                          read_bullets_csv, read_trace_csv, scenario_from_dict, scenario_to_dict,
                          start_heading_radians, trace_from_columns, write_bullets_csv, write_trace_csv)

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "sim" / "scenarios").glob("*.json"))
GOLDEN = ROOT / "tests" / "golden"

ISSUE_EXAMPLE = {
    "rules": {"width": 800, "height": 600, "gun_cooling_rate": 0.1, "inactivity_time": 450, "rounds": 1},
    "turns": 300,
    "robots": [{"name": "a", "x": 100, "y": 100, "heading": 0,
                "commands": [{"turn": 1, "ahead": 100, "turn_right": 45, "max_velocity": 8},
                             {"turn": 20, "fire": 1.5, "turn_gun_right": -30, "adjust_gun_for_robot_turn": True}]},
               {"name": "b", "x": 500, "y": 400, "heading": -90,
                "commands": [{"turn": 300, "ahead": "-inf", "turn_radar_right": "inf",
                              "adjust_radar_for_gun_turn": False}]}]}


def example():
    return copy.deepcopy(ISSUE_EXAMPLE)


# ----------------------------------------------------------------------------- loading

def test_issue_example_loads_into_arrays():
    s = scenario_from_dict(example(), "ex")
    assert s.name == "ex" and s.names == ("a", "b")
    assert (s.width, s.height, s.gun_cooling_rate, s.inactivity_time, s.rounds, s.turns) == (800, 600, 0.1, 450, 1, 300)
    assert s.start.dtype == np.float64 and s.start.tolist() == [[100, 100, 0], [500, 400, -90]]
    assert s.commands.shape == (2, 301, len(COMMAND_FIELDS)) and s.commands.dtype == np.float64
    i = COMMAND_FIELDS.index
    assert s.commands[0, 1, i("ahead")] == 100 and s.commands[0, 1, i("turn_right")] == 45
    assert s.commands[0, 20, i("fire")] == 1.5 and s.commands[0, 20, i("turn_gun_right")] == -30
    assert s.commands[0, 20, i("adjust_gun_for_robot_turn")] == 1.0
    assert s.commands[1, 300, i("ahead")] == -math.inf and s.commands[1, 300, i("turn_radar_right")] == math.inf
    assert s.commands[1, 300, i("adjust_radar_for_gun_turn")] == 0.0
    # everything else is "not set"
    assert np.isnan(s.commands).sum() == s.commands.size - 9
    assert np.isnan(s.commands[:, 0]).all()
    assert s.robot_commands(0, 20) == {"turn_gun_right": -30.0, "fire": 1.5, "adjust_gun_for_robot_turn": 1.0}


def test_rules_default_and_comment_allowed():
    d = example()
    del d["rules"]
    d["comment"] = "why this scenario exists"
    s = scenario_from_dict(d)
    assert (s.width, s.height, s.gun_cooling_rate, s.inactivity_time, s.rounds) == (800, 600, 0.1, 450, 1)
    assert s.comment == "why this scenario exists"


def test_start_heading_radians_matches_robocode_conversion():
    assert start_heading_radians(-90) == math.radians(270.0)
    assert start_heading_radians(450) == math.radians(90.0)
    assert start_heading_radians(0) == 0.0


def _error(mutate, name="x.json"):
    d = example()
    mutate(d)
    with pytest.raises(ScenarioError) as e:
        scenario_from_dict(d, name)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(name + ": ")
    return msg


@pytest.mark.parametrize("mutate, where, words", [
    (lambda d: d.update(extra=1), "extra", "unknown key"),
    (lambda d: d["rules"].update(tps=30), "rules.tps", "unknown key"),
    (lambda d: d["robots"][0].update(colour="red"), "robots[0].colour", "unknown key"),
    (lambda d: d["robots"][1]["commands"][0].update(back=5), "robots[1].commands[0].back", "unknown key"),
    (lambda d: d["robots"][0]["commands"][1].update(fire="x"), "robots[0].commands[1].fire",
     "expected a number, got 'x'"),
    (lambda d: d["robots"][0]["commands"][1].update(fire=True), "robots[0].commands[1].fire", "expected a number"),
    (lambda d: d["robots"][0]["commands"][1].update(fire=float("nan")), "robots[0].commands[1].fire", "NaN"),
    (lambda d: d["robots"][0]["commands"][1].update(adjust_gun_for_robot_turn=1),
     "robots[0].commands[1].adjust_gun_for_robot_turn", "true or false"),
    (lambda d: d["robots"][0]["commands"][0].update(turn=1.5), "robots[0].commands[0].turn", "integer"),
    (lambda d: d["robots"][0]["commands"][0].update(turn=0), "robots[0].commands[0].turn", "1..300"),
    (lambda d: d["robots"][0]["commands"][0].update(turn=301), "robots[0].commands[0].turn", "1..300"),
    (lambda d: d["robots"][0]["commands"][1].update(turn=1), "robots[0].commands[1].turn", "duplicate turn 1"),
    (lambda d: d["robots"][0]["commands"][0].pop("turn"), "robots[0].commands[0].turn", "missing"),
    (lambda d: d.update(turns=0), "turns", ">= 1"),
    (lambda d: d.update(turns=-5), "turns", ">= 1"),
    (lambda d: d.update(turns="300"), "turns", "integer"),
    (lambda d: d.pop("turns"), "turns", "missing"),
    (lambda d: d.update(robots=[]), "robots", "at least 1 robot"),
    (lambda d: d.update(robots={}), "robots", "list"),
    (lambda d: d["robots"][1].update(x=110, y=120), "robots[1]", "overlaps robots[0]"),
    (lambda d: d["robots"][0].update(x=10), "robots[0].x", "outside the field"),
    (lambda d: d["robots"][0].update(y=590), "robots[0].y", "outside the field"),
    (lambda d: d["robots"][0].update(x="inf"), "robots[0].x", "expected a number"),
    (lambda d: d["robots"][0].update(heading=float("nan")), "robots[0].heading", "NaN"),
    (lambda d: d["robots"][0].pop("y"), "robots[0].y", "missing"),
    (lambda d: d["robots"][1].update(name="a"), "robots[1].name", "duplicate"),
    (lambda d: d["rules"].update(width=300), "rules.width", ">= 400"),
    (lambda d: d["rules"].update(width=800.5), "rules.width", "integer"),
    (lambda d: d["rules"].update(gun_cooling_rate=0), "rules.gun_cooling_rate", "> 0"),
    (lambda d: d["rules"].update(rounds=0), "rules.rounds", ">= 1"),
    (lambda d: d["rules"].update(inactivity_time=-1), "rules.inactivity_time", ">= 0"),
    (lambda d: d.update(comment=5), "comment", "string"),
])
def test_invalid_scenarios_name_the_field(mutate, where, words):
    msg = _error(mutate)
    assert f": {where}: " in msg or msg.endswith(f": {where}"), msg
    assert words in msg, msg


def test_touching_robots_do_not_overlap():
    d = example()
    d["robots"][1].update(x=136, y=100)       # boxes share an edge: allowed, as in Robocode
    scenario_from_dict(d)
    d["robots"][1].update(x=135.999)
    with pytest.raises(ScenarioError, match="overlaps"):
        scenario_from_dict(d)


def test_load_scenario_errors_name_the_file(tmp_path):
    p = tmp_path / "bad.json"
    d = example()
    d["robots"][1]["commands"][0]["fire"] = "x"
    p.write_text(json.dumps(d))
    with pytest.raises(ScenarioError, match=r"^.*bad\.json: robots\[1\]\.commands\[0\]\.fire: expected a number, got 'x'$"):
        load_scenario(p)
    p.write_text('{"turns": 3, "robots": [')
    with pytest.raises(ScenarioError, match=r"bad\.json: invalid JSON"):
        load_scenario(p)
    p.write_text('{"turns": NaN}')
    with pytest.raises(ScenarioError, match="NaN is not allowed"):
        load_scenario(p)
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.json")
    good = tmp_path / "good_one.json"
    good.write_text(json.dumps(example()))
    assert load_scenario(good).name == "good_one"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_library_scenario_loads_and_round_trips(path):
    s = load_scenario(path)
    assert s.comment, "every library scenario explains itself"
    assert s.n_robots >= 2, "one robot alone ends a Robocode round at once"
    again = scenario_from_dict(json.loads(json.dumps(scenario_to_dict(s))), s.name)
    assert np.array_equal(again.commands, s.commands, equal_nan=True)
    assert np.array_equal(again.start, s.start) and again.names == s.names and again.turns == s.turns


def test_library_is_complete():
    names = {p.stem for p in SCENARIOS}
    assert len(names) >= 25
    random_ones = [load_scenario(p) for p in SCENARIOS if p.stem.startswith("random_")]
    assert random_ones and all(s.turns >= 2000 for s in random_ones)


def test_library_matches_its_generator():
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "robocode" / "make_scenarios.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_golden_start_state_matches_scenario(path):
    s = load_scenario(path)
    robots = read_trace_csv(GOLDEN / f"{s.name}.robots.csv.gz")
    bullets = read_bullets_csv(GOLDEN / f"{s.name}.bullets.csv.gz")
    for rnd in range(s.rounds):
        t0 = robots[(robots["round"] == rnd) & (robots["turn"] == 0)]
        assert t0["robot"].tolist() == list(range(s.n_robots))
        assert np.array_equal(t0["x"], s.start[:, 0]) and np.array_equal(t0["y"], s.start[:, 1])
        want = [start_heading_radians(h) for h in s.start[:, 2]]
        for c in ("heading", "gun_heading", "radar_heading"):
            assert t0[c].tolist() == want
        assert (t0["energy"] == 100).all() and (t0["gun_heat"] == 3).all() and (t0["velocity"] == 0).all()
    assert robots["turn"].max() <= s.turns
    assert set(bullets["state"].tolist()) <= {"MOVING", "HIT_VICTIM", "HIT_WALL", "HIT_BULLET"}


# ----------------------------------------------------------------------------- CSV

def _robot_rows(n_turns=4, n_robots=2, rounds=1):
    rows = []
    for r in range(rounds):
        for t in range(n_turns):
            for i in range(n_robots):
                rows.append((r, t, i, 100.0 + t * 0.1 + i, 200.0 - t / 3, 0.1 * t, 1e-300 * t, 2 * math.pi - 1e-12,
                             -0.5 * t, 100.0 - 0.1 * t, 3.0 - 0.1 * t))
    return np.array(rows, dtype=TRACE_DTYPE)


def _bullet_rows():
    return np.array([(0, 5, 0, 1, 12.5, 0.30000000000000004, 4.71238898038469, 0.1, "MOVING"),
                     (0, 6, 0, 1, 801.5, -2.0, 4.71238898038469, 0.1, "HIT_WALL"),
                     (0, 6, 1, 1, math.inf, math.nan, -0.0, 3.0, "HIT_VICTIM"),
                     (1, 2, 1, 2, 5e-324, 1.7976931348623157e308, 1.0, 2.5, "HIT_BULLET")], dtype=BULLET_DTYPE)


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_csv_round_trip_is_bit_exact(tmp_path, suffix):
    r, b = _robot_rows(rounds=2), _bullet_rows()
    write_trace_csv(tmp_path / f"t.robots{suffix}", r)
    write_bullets_csv(tmp_path / f"t.bullets{suffix}", b)
    r2 = read_trace_csv(tmp_path / f"t.robots{suffix}")
    b2 = read_bullets_csv(tmp_path / f"t.bullets{suffix}")
    assert r2.dtype == TRACE_DTYPE and b2.dtype == BULLET_DTYPE
    assert r2.tobytes() == r.tobytes()
    for c in BULLET_COLUMNS:
        if c == "state":
            assert b2[c].tolist() == b[c].tolist()
        else:
            assert np.array_equal(b2[c].view(np.int64 if b[c].dtype == np.float64 else b[c].dtype),
                                  b[c].view(np.int64 if b[c].dtype == np.float64 else b[c].dtype))
    head = (tmp_path / "t.robots.csv").read_text().splitlines()[0] if suffix == ".csv" else None
    if head is not None:
        assert head == ",".join(TRACE_COLUMNS)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"t.robots{suffix}", f"t.bullets{suffix}"])


def test_csv_write_is_atomic_and_replaces(tmp_path):
    p = tmp_path / "x.robots.csv.gz"
    write_trace_csv(p, _robot_rows(n_turns=2))
    write_trace_csv(p, _robot_rows(n_turns=3))
    assert len(read_trace_csv(p)) == 6
    bad = np.zeros(2, dtype=[("a", float)])
    with pytest.raises(ValueError, match="structured array"):
        write_trace_csv(p, bad)
    assert len(read_trace_csv(p)) == 6          # the failed write left the old file intact
    assert [q.name for q in tmp_path.iterdir()] == ["x.robots.csv.gz"]


def test_csv_reader_rejects_wrong_header(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("round,turn,owner\n0,1,2\n")
    with pytest.raises(ValueError, match="header"):
        read_trace_csv(p)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=8, max_size=8))
def test_csv_round_trip_any_float(tmp_path_factory, values):
    row = np.array([(0, 1, 0, *values)], dtype=TRACE_DTYPE)
    p = tmp_path_factory.mktemp("h") / "r.csv.gz"
    write_trace_csv(p, row)
    back = read_trace_csv(p)
    assert back.tobytes() == row.tobytes() or all(
        (math.isnan(a) and math.isnan(b)) or a == b and math.copysign(1, a) == math.copysign(1, b)
        for a, b in zip(back[0].tolist()[3:], row[0].tolist()[3:]))


def test_from_columns_builds_sorted_rows():
    cols = {c: np.zeros(3) for c in TRACE_COLUMNS}
    cols["turn"] = np.array([2, 0, 1])
    cols["x"] = np.array([2.0, 0.0, 1.0])
    r = trace_from_columns(cols)
    assert r["turn"].tolist() == [0, 1, 2] and r["x"].tolist() == [0.0, 1.0, 2.0]
    bc = {c: np.zeros(2) for c in BULLET_COLUMNS}
    bc["state"] = np.array([2, 0])
    bc["bullet"] = np.array([2, 1])
    b = bullets_from_columns(bc)
    assert b["state"].tolist() == ["MOVING", "HIT_WALL"]


# ----------------------------------------------------------------------------- compare_traces

def test_identical_traces_agree():
    r, b = _robot_rows(), _bullet_rows()
    assert compare_traces(r, r.copy(), tol=0.0) is None
    assert compare_traces((r, b), (r.copy(), b.copy()), tol=0.0) is None     # NaN equals NaN


def test_compare_finds_the_first_divergence():
    ref = _robot_rows(n_turns=10, n_robots=3)
    ours = ref.copy()
    late = (ours["turn"] == 7) & (ours["robot"] == 0)
    ours["x"][late] += 1.0
    first = (ours["turn"] == 5) & (ours["robot"] == 2)
    ours["gun_heat"][first] += 0.5
    ours["velocity"][first] += 0.5
    d = compare_traces(ours[::-1], ref)     # row order does not matter
    assert isinstance(d, Divergence)
    assert (d.round, d.turn, d.kind, d.who, d.field) == (0, 5, "robot", 2, "velocity")
    assert d.ours == pytest.approx(float(ref["velocity"][first][0]) + 0.5) and d.ref == float(ref["velocity"][first][0])
    assert "turn 5" in str(d)


def test_compare_tolerance():
    ref = _robot_rows()
    ours = ref.copy()
    ours["y"] += 5e-7
    assert compare_traces(ours, ref) is None
    assert compare_traces(ours, ref, tol=1e-7).field == "y"
    assert compare_traces(ours, ref, tol=0.0).turn == 0


def test_compare_missing_and_extra_rows():
    ref = _robot_rows(n_turns=5)
    d = compare_traces(ref[ref["turn"] < 4], ref)
    assert (d.turn, d.field, d.ours, d.ref) == (4, "<row>", "missing", "present")
    extra = compare_traces(ref, ref[~((ref["turn"] == 2) & (ref["robot"] == 1))])
    assert (extra.turn, extra.who, extra.ours, extra.ref) == (2, 1, "present", "missing")


def test_compare_bullets_and_pairs():
    r, b = _robot_rows(n_turns=8), _bullet_rows()
    b2 = b.copy()
    b2["state"][1] = "MOVING"
    d = compare_traces(b2, b)
    assert (d.kind, d.turn, d.who, d.field, d.ours, d.ref) == ("bullet", 6, (0, 1), "state", "MOVING", "HIT_WALL")
    r2 = r.copy()
    r2["energy"][(r2["turn"] == 6) & (r2["robot"] == 1)] = 0.0
    # same turn in both: the robot divergence comes first
    assert compare_traces((r2, b2), (r, b)).kind == "robot"
    r3 = r.copy()
    r3["energy"][(r3["turn"] == 7)] = 0.0
    assert compare_traces((r3, b2), (r, b)).kind == "bullet"
    with pytest.raises(TypeError):
        compare_traces(r, b)
    with pytest.raises(TypeError):
        compare_traces((r, b), r)
