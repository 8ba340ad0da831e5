"""benchmarks/play_forward.py (the play-it-forward probe): the velocity commands it learns reproduce the mover's
recorded velocities under the engine's rule, and bad input is one line with exit code 2."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
import play_forward as pf  # noqa: E402


def _orbit_trace(rounds=2, seed=3):
    from sim.engine.battle import run_battle
    from sim.engine.rules import Rules
    res = run_battle([pf.SHOOTER, "lock+none+orbit:speed_prob=0.1"], Rules(rounds=rounds), seed=seed, record=True,
                     compile_progress=False)
    return pf.battle_arrays(res)


def test_velocity_commands_replay_the_recorded_velocities():
    """Each labelled command (drive towards sign(v*) at up to |v*|), given to the engine's new_velocity, gives
    the next recorded velocity: orbit with random speeds commands by direction and max velocity only."""
    from sim.engine.physics import new_velocity
    r1, _ = _orbit_trace()
    rnd = r1[:, 0].astype(np.int64)
    v = r1[:, 8]
    d, mv, known = pf.velocity_commands(rnd, v)
    same = np.flatnonzero((rnd[1:] == rnd[:-1]) & (r1[1:, 11] == 0.0))      # next turn in the round, no wall hit
    assert len(same) > 500 and len(np.unique(np.round(np.abs(v[same]), 3))) > 10   # speeds vary, reversals happen
    got = np.array([new_velocity(v[t], d[t] * pf.FAR, mv[t]) for t in same])
    assert np.array_equal(got, v[same + 1])
    assert (known[same] >= same + 1).all()                                   # never learned before it happened


def test_bad_input_is_one_line_and_exit_code_2(capsys):
    assert pf.main(["orbit", "--futures", "0"]) == 2
    assert pf.main(["orbit", "--heading-scale", "1,2"]) == 2
    assert pf.main(["no_such_movement"]) == 2
    assert pf.main(["orbit:no_such_param=1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4 and all(line.startswith("play_forward.py: ") for line in err)
