"""gfsim against real Robocode 1.9.3.9, turn by turn, for every scenario in the shipped library.

The goldens (tests/golden/*.csv.gz) were recorded from real Robocode with
tests/robocode/record_goldens.py, so this runs without Java; where Robocode is
installed the same scenarios are also played live.
"""
import glob
import os

import pytest

from sim.experiments.conformance import run_scenario
from sim.io.scenario import load_scenario, read_trace_csv, read_bullets_csv, compare_traces

HERE = os.path.dirname(__file__)
SCENARIOS = sorted(glob.glob(os.path.join(HERE, "..", "sim", "scenarios", "*.json")))
NAMES = [os.path.basename(p)[:-5] for p in SCENARIOS]


def test_library_covers_the_issue_list():
    assert len(SCENARIOS) >= 20
    for needed in ("acceleration", "gun_heat", "ram_head_on", "ram_from_behind", "bullet_hits_bullet",
                   "wall_corners", "disabled_by_firing", "random_0"):
        assert needed in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_scenario_matches_robocode_golden(name):
    golden = os.path.join(HERE, "golden", f"{name}.robots.csv.gz")
    assert os.path.exists(golden), f"no golden trace recorded for {name}"
    ref = (read_trace_csv(golden), read_bullets_csv(os.path.join(HERE, "golden", f"{name}.bullets.csv.gz")))
    ours = run_scenario(load_scenario(os.path.join(HERE, "..", "sim", "scenarios", f"{name}.json")))
    assert len(ours[0]) == len(ref[0])
    div = compare_traces(ours, ref, tol=1e-6)
    assert div is None, str(div)


def test_compare_catches_a_one_ulp_free_divergence():
    """The comparison is not vacuous: a tiny change in one robot value is reported."""
    name = NAMES[0]
    ours = run_scenario(load_scenario(SCENARIOS[0]))
    robots = ours[0].copy()
    robots["x"][len(robots) // 2] += 1e-5
    assert compare_traces((robots, ours[1]), ours, tol=1e-6) is not None, name


robocode = pytest.importorskip("sim.io.robocode")


@pytest.mark.skipif(not robocode.robocode_available(), reason="real Robocode is not installed")
@pytest.mark.parametrize("name", NAMES)
def test_scenario_matches_live_robocode(name):
    s = load_scenario(os.path.join(HERE, "..", "sim", "scenarios", f"{name}.json"))
    real = robocode.run_real_scenario(s)
    div = compare_traces(run_scenario(s), real, tol=1e-6)
    assert div is None, str(div)
