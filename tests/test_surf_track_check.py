"""benchmarks/surf_track_check.py: it puts every enemy bullet once to the tracker, and against VelociRobot the
likeliest rate's window holds the bullets once a few have been seen."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
from surf_track_check import SEEN_GROUPS, check, main  # noqa: E402

from sim.engine.battle import run_battle  # noqa: E402
from sim.engine.rules import Rules  # noqa: E402
from sim.waves.tracking import BC_OWNER, _Prepared  # noqa: E402


def test_every_bullet_counted_once_and_velocirobot_predicted_after_two_seen():
    rules = Rules(rounds=6)
    tab, rates = check("lock+learned+surf", "sample.VelociRobot", [3], rules)
    res = run_battle(["lock+learned+surf", "sample.VelociRobot"], rules, seed=3, record=True)
    bul = _Prepared(res).bul
    assert sum(tab[g, "bullets"] for g in range(SEEN_GROUPS)) == int(np.sum(bul[:, BC_OWNER] == 1))
    later = sum(tab[g, "bullets"] for g in range(2, SEEN_GROUPS))
    assert later > 50
    assert sum(tab[g, "in_window"] for g in range(2, SEEN_GROUPS)) > 0.95 * later
    assert rates[0][1] >= 2 and rates[0][2] == 15.0


def test_bad_input_is_one_line_and_exit_code_2(capsys):
    assert main(["--seeds", "5..1"]) == 2
    assert main(["--enemy", "nonsense+x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("surf_track_check: ") for line in err)
