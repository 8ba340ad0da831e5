"""benchmarks/surf_hits_by_range.py: its two tables count every enemy bullet once, and its hits are the engine's."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
from surf_hits_by_range import DISTANCES, WALLS, count, main  # noqa: E402

from sim.engine.battle import run_battle  # noqa: E402
from sim.engine.constants import BS_HIT_VICTIM  # noqa: E402
from sim.engine.rules import Rules  # noqa: E402
from sim.waves.tracking import _Prepared, bullet_table, BC_OWNER, BC_END_STATE  # noqa: E402


def _total(tab, table, rows, cols, what):
    return sum(tab[(table, r, c, what)] for r in range(rows) for c in range(cols))


def test_both_tables_count_each_enemy_bullet_once_and_its_hits_as_the_engine_does():
    rules = Rules(rounds=3)
    tab = count("lock+none+orbit", "lock+circular+orbit", [3], rules)
    res = run_battle(["lock+none+orbit", "lock+circular+orbit"], rules, seed=3, record=True)
    bt = bullet_table(res, _Prepared(res).round_ids)
    enemy = bt[bt[:, BC_OWNER] == 1]
    shots = _total(tab, "distance", 3, len(DISTANCES) + 1, "shots")
    hits = _total(tab, "distance", 3, len(DISTANCES) + 1, "hits")
    assert shots > 20 and shots == _total(tab, "wall", 1, len(WALLS) + 1, "shots")
    assert hits == _total(tab, "wall", 1, len(WALLS) + 1, "hits")
    assert shots == len(enemy) and hits == int(np.sum(enemy[:, BC_END_STATE] == BS_HIT_VICTIM)) > 0


def test_bad_input_is_one_line_and_exit_code_2(capsys):
    assert main(["--seeds", "5..1"]) == 2
    assert main(["--bot", "nonsense+x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("surf_hits_by_range: ") for line in err)
