"""sim.io.robocode: parsing Robocode's XML record (always) and running real Robocode (when installed)."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.io import robocode as rr
from sim.io.robocode import (RobocodeError, initial_positions_string, parse_record, parse_results,
                               robocode_available, run_real_battle, run_real_scenario, scenario_command_text)
from sim.io.scenario import compare_traces, load_scenario, read_bullets_csv, read_trace_csv, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
needs_robocode = pytest.mark.skipif(not robocode_available(), reason="real Robocode (java + robocode.jar) not installed")
needs_javac = pytest.mark.skipif(not robocode_available() or rr.java_executable("javac") is None,
                                 reason="real Robocode and javac needed")


# ----------------------------------------------------------------------------- without Robocode

RECORD = """<?xml version="1.0" encoding="UTF-8"?>
<record>
  <recordInfo robotCount="2" roundsCount="1" ver="1">
    <rules battlefieldWidth="800" battlefieldHeight="600" numRounds="1" gunCoolingRate="0.1" inactivityTime="450" ver="1"/>
    <rounds><turns value="4"/></rounds>
  </recordInfo>
  <turns>
    <turn round="0" turn="0"><robots>
      <robot id="0" state="ACTIVE" energy="100.0" x="100.0" y="100.0" bodyHeading="0.0" gunHeading="0.0" radarHeading="0.0" gunHeat="3.0" velocity="0.0" name="gfsim.ScenarioBot* (1)" out="GFSIM-START robot=0 turns=3&#xA;"><score totalScore="0.0"/></robot>
      <robot id="1" state="ACTIVE" energy="100.0" x="100.0" y="200.0" bodyHeading="3.0" gunHeading="3.141592653589793" radarHeading="3.0" gunHeat="3.0" velocity="0.0" name="gfsim.ScenarioBot* (2)" out="GFSIM-START robot=1 turns=3&#xA;"><score totalScore="0.0"/></robot>
    </robots><bullets/></turn>
    <turn round="0" turn="1"><robots>
      <robot id="0" state="ACTIVE" energy="99.0" x="100.0" y="101.0" bodyHeading="0.0" gunHeading="0.5" radarHeading="0.0" gunHeat="2.9" velocity="1.0" name="gfsim.ScenarioBot* (1)"><score totalScore="1.0"/></robot>
      <robot id="1" state="ACTIVE" energy="97.0" x="100.0" y="200.0" bodyHeading="3.0" gunHeading="3.141592653589793" radarHeading="3.0" gunHeat="2.9" velocity="0.0" name="gfsim.ScenarioBot* (2)"><score totalScore="2.0"/></robot>
    </robots><bullets>
      <bullet id="1-7" state="MOVING" power="3.0" x="100.0" y="189.0" ver="2"/>
      <bullet id="0-3" state="HIT_WALL" power="0.1" x="100.0" y="-5.0" ver="2"/>
    </bullets></turn>
    <turn round="0" turn="2"><robots>
      <robot id="0" state="ACTIVE" energy="99.0" x="100.0" y="103.0" bodyHeading="0.0" gunHeading="0.5" radarHeading="0.0" gunHeat="2.8" velocity="2.0" name="gfsim.ScenarioBot* (1)"><score totalScore="1.0"/></robot>
      <robot id="1" state="ACTIVE" energy="97.0" x="100.0" y="200.0" bodyHeading="3.0" gunHeading="3.141592653589793" radarHeading="3.0" gunHeat="2.8" velocity="0.0" name="gfsim.ScenarioBot* (2)"><score totalScore="2.0"/></robot>
    </robots><bullets>
      <bullet id="1-7" state="HIT_VICTIM" power="3.0" victim="0" x="100.0" y="120.0" ver="2"/>
      <bullet id="0-3" state="HIT_WALL" power="0.1" x="100.0" y="-5.0" frame="1" ver="2"/>
      <bullet id="1-8" state="MOVING" power="0.5" x="100.0" y="181.5" ver="2"/>
    </bullets></turn>
    <turn round="0" turn="3"><robots>
      <robot id="0" state="DEAD" energy="0.0" x="100.0" y="103.0" bodyHeading="0.0" gunHeading="0.5" radarHeading="0.0" gunHeat="2.8" velocity="2.0" name="gfsim.ScenarioBot* (1)"><score totalScore="1.0"/></robot>
      <robot id="1" state="ACTIVE" energy="97.0" x="100.0" y="200.0" bodyHeading="3.0" gunHeading="3.141592653589793" radarHeading="3.0" gunHeat="2.7" velocity="0.0" name="gfsim.ScenarioBot* (2)"><score totalScore="52.0"/></robot>
    </robots><bullets>
      <bullet id="1-7" state="HIT_VICTIM" power="3.0" victim="0" x="100.0" y="120.0" frame="1" ver="2"/>
      <bullet id="0-0" state="EXPLODED" power="1.0" x="100.0" y="103.0" isExplosion="true" explosion="1" ver="2"/>
      <bullet id="1-8" state="MOVING" power="0.5" x="100.0" y="163.0" ver="2"/>
    </bullets></turn>
  </turns>
</record>
"""


def test_parse_record_builds_trace(tmp_path):
    p = tmp_path / "r.xml"
    p.write_text(RECORD)
    rec = parse_record(p)
    assert rec.robot_names == ["gfsim.ScenarioBot* (1)", "gfsim.ScenarioBot* (2)"]
    assert rec.turns_per_round == [3]
    r = rec.robot_rows
    assert len(r) == 8 and r["turn"].tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert r[(r["turn"] == 1) & (r["robot"] == 1)]["energy"][0] == 97.0
    assert r[(r["turn"] == 3) & (r["robot"] == 0)]["velocity"][0] == 2.0       # dead robots keep their values
    b = rec.bullet_rows
    # canonical ids are per owner from 1; explosion frames and EXPLODED pseudo-bullets are dropped
    got = [(int(x["turn"]), int(x["owner"]), int(x["bullet"]), str(x["state"])) for x in b]
    assert got == [(1, 0, 1, "HIT_WALL"), (1, 1, 1, "MOVING"), (2, 1, 1, "HIT_VICTIM"), (2, 1, 2, "MOVING"),
                   (3, 1, 2, "MOVING")]
    # heading = the owner's gun heading at the end of the turn before the bullet appears
    assert b[(b["owner"] == 1) & (b["bullet"] == 1)]["heading"].tolist() == [math.pi, math.pi]
    assert b[(b["owner"] == 0)]["heading"].tolist() == [0.0]
    assert b[(b["owner"] == 1) & (b["bullet"] == 2)]["heading"].tolist() == [math.pi, math.pi]
    assert rec.final_scores["gfsim.ScenarioBot* (2)"]["totalScore"] == 52.0
    assert "GFSIM-START robot=1" in rec.outputs[(0, 1)]
    short = parse_record(p, max_turn=1, rounds=1)
    assert short.robot_rows["turn"].max() == 1 and len(short.bullet_rows) == 2 and short.final_scores is None


def test_parse_record_rejects_broken_xml(tmp_path):
    p = tmp_path / "r.xml"
    p.write_text(RECORD[:700])
    with pytest.raises(RobocodeError, match="cannot parse"):
        parse_record(p)


def test_parse_results_table():
    text = ("Results for 2 rounds\n"
            "Robot Name\t    Total Score    \tSurvival\tSurv Bonus\tBullet Dmg\tBullet Bonus\tRam Dmg * 2\t"
            "Ram Bonus\t 1sts \t 2nds \t 3rds \t\n"
            "1st: sample.Walls\t256 (94%)\t100\t20\t113\t23\t0\t0\t2\t0\t0\t\n"
            "2nd: sample.SpinBot\t16 (6%)\t0\t0\t16\t0\t4\t0\t0\t2\t0\t\n")
    rows = parse_results(text)
    assert [(r.name, r.rank, r.total, r.bullet_dmg, r.ram_dmg, r.firsts, r.seconds) for r in rows] == [
        ("sample.Walls", 1, 256.0, 113.0, 0.0, 2, 0), ("sample.SpinBot", 2, 16.0, 16.0, 4.0, 0, 2)]
    with pytest.raises(RobocodeError, match="no results"):
        parse_results("Results for 2 rounds\n")


def test_battle_file_inputs_are_robocode_safe():
    # Robocode's initialPositions parser keeps only digits and dots: no signs, no exponents
    s = initial_positions_string([(100, 200.5, -90), (1e-05 + 50, 300, 1e-05), None])
    assert s == "(100,200.5,270),(50.00001,300,0.00001),(?,?,?)"
    sc = scenario_from_dict({"turns": 3, "robots": [
        {"name": "a", "x": 100, "y": 100, "heading": 0, "commands": [{"turn": 2, "ahead": "-inf", "fire": 0.1,
                                                                     "adjust_gun_for_robot_turn": True}]},
        {"name": "b", "x": 300, "y": 100, "heading": 0}]})
    assert scenario_command_text(sc).splitlines() == [
        "gfsim-scenario 1", "robots 2", "turns 3", "c 0 2 ahead -Infinity", "c 0 2 fire 0.1",
        "c 0 2 adjust_gun_for_robot_turn 1.0"]


def test_missing_jar_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv(rr.JAR_ENV, str(tmp_path / "nope.jar"))
    assert not robocode_available()
    with pytest.raises(RobocodeError, match=r"^Robocode jar not found at .*nope\.jar"):
        run_real_battle(["sample.Walls", "sample.SpinBot"], rounds=1)


def test_missing_java_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(rr, "java_executable", lambda tool="java": None)
    with pytest.raises(RobocodeError, match="^java not found"):
        run_real_battle(["sample.Walls"], rounds=1)


# ----------------------------------------------------------------------------- with real Robocode

@pytest.fixture(scope="module")
def recorded_battle():
    return run_real_battle(["sample.Walls", "sample.SpinBot"], rounds=2, seed=0, record_xml=True)


@needs_robocode
def test_real_two_round_battle_parses(recorded_battle):
    b = recorded_battle
    assert sorted(r.name for r in b.results) == ["sample.SpinBot", "sample.Walls"]
    assert sorted(r.rank for r in b.results) == [1, 2]
    assert sum(r.firsts for r in b.results) == 2 and sum(r.seconds for r in b.results) == 2
    assert len(b.turns_per_round) == 2 and all(t > 100 for t in b.turns_per_round)
    assert b.total_turns == sum(b.turns_per_round)
    r = b.robot_rows
    assert len(r) == 2 * (b.total_turns + 2)           # both robots, every turn, turn 0 of each round
    first = r[(r["round"] == 0) & (r["turn"] == 0) & (r["robot"] == 0)][0]
    assert (first["x"], first["y"]) == (568.1445492102063, 163.00322747454453)   # -DRANDOMSEED=0
    assert len(b.bullet_rows) > 0 and set(b.bullet_rows["state"].tolist()) <= {
        "MOVING", "HIT_VICTIM", "HIT_WALL", "HIT_BULLET"}
    for row in b.results:
        assert round(b.exact_scores[row.name]["totalScore"]) == row.total
    assert b.wall_seconds > 0


@needs_javac
def test_control_api_runner_counts_the_same_battle(recorded_battle):
    cli = recorded_battle
    api = run_real_battle(["sample.Walls", "sample.SpinBot"], rounds=2, seed=0)
    assert api.runner == "api" and api.turns_per_round == cli.turns_per_round
    assert api.results == cli.results
    assert 0 < api.battle_seconds < api.wall_seconds and api.startup_seconds > 0
    assert api.turns_per_second > 0


@needs_robocode
def test_unknown_robot_is_a_clear_error():
    with pytest.raises(RobocodeError, match="cannot find robot 'sample.NoSuchBot'"):
        run_real_battle(["sample.NoSuchBot", "sample.Walls"], rounds=1, runner="cli")


@needs_robocode
def test_timeout_is_a_clear_error():
    with pytest.raises(RobocodeError, match=r"^Robocode timed out after \d+ s"):
        run_real_battle(["sample.Walls", "sample.SpinBot"], rounds=35, runner="cli", timeout=0.5)


@needs_javac
@pytest.mark.parametrize("name", ["bullet_hits_robot", "ram_head_on"])
def test_scenario_reproduces_its_golden(name):
    s = load_scenario(ROOT / "sim" / "scenarios" / f"{name}.json")
    ref = (read_trace_csv(ROOT / "tests" / "golden" / f"{name}.robots.csv.gz"),
           read_bullets_csv(ROOT / "tests" / "golden" / f"{name}.bullets.csv.gz"))
    got = run_real_scenario(s, seed=0)
    assert compare_traces(got, ref, tol=0.0) is None
    assert got[0]["turn"].max() == s.turns


@needs_javac
def test_overlapping_start_is_detected():
    # Robocode silently places a robot at random when its start box overlaps another robot's box;
    # the scenario loader rejects that, so bypass it with initial positions of a valid scenario
    s = scenario_from_dict({"turns": 5, "robots": [{"name": "a", "x": 100, "y": 100, "heading": 0},
                                                   {"name": "b", "x": 300, "y": 100, "heading": 0}]})
    bad = s.__class__(**{**s.__dict__, "start": np.array([[100.0, 100.0, 0.0], [120.0, 100.0, 0.0]])})
    with pytest.raises(RobocodeError, match="not at its scenario position"):
        run_real_scenario(bad)
