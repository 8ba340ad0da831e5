"""benchmarks/gun_vs_probe.py: every bullet the forecast gun fired and the probe scored is matched to the aim it was
fired from (lag 2 or 3), the gun's hits are its battle's own, and bad input is one line with exit code 2."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
import gun_vs_probe as gvp  # noqa: E402

SHOOTER = "lock+forecast:power=3,energy_rule=0,futures=8+still"


def test_each_scored_bullet_has_its_aim_and_the_guns_hits_are_its_battles():
    import numpy as np
    import play_forward as pf

    from sim.engine.rules import Rules
    from sim.experiments.evaluate import scored_and_learnable
    b = gvp._task(("orbit", SHOOTER, "lock+none+orbit", 3, 2))
    n2, n3 = b["lag2"]["bullets"], b["lag3"]["bullets"]
    assert n2 > 10 and n3 > 0 and n2 + n3 == b["bullets"]          # none fired from anything else
    g = pf.recorded_battle("lock+none+orbit", 3, Rules(rounds=2), SHOOTER)[0]
    rows = np.flatnonzero((g["shooter"] == 0) & g["real_bullet"].astype(bool))
    scored = rows[scored_and_learnable(g, rows, "real")[0]]
    assert b["bullets"] == len(scored) and b["lag2"]["gun"] + b["lag3"]["gun"] == int(g["hit"][scored].sum())
    row = gvp.summarize([b, dict(b, seed=4)])[0]
    assert row["lag2"]["gun_minus_probe"]["mean"] == 100.0 * (b["lag2"]["gun"] - b["lag2"]["probe"]) / n2


def test_bad_input_is_one_line_and_exit_code_2(capsys):
    assert gvp.main(["headon", "orbit"]) == 2
    assert gvp.main(["forecast", "no_such_movement"]) == 2
    assert gvp.main(["forecast", "orbit", "--seeds", "x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("gun_vs_probe.py: ") for line in err)
