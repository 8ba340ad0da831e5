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
    assert pf.main(["orbit", "--prior", "0"]) == 2
    assert pf.main(["orbit", "--truth", "all"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 6 and all(line.startswith("play_forward.py: ") for line in err)


def test_a_command_is_fixed_by_the_rows_up_to_known():
    """No look-ahead: whatever the turn after known[t] shows (the velocity changing on the same way, the other
    way or not at all), the command of turn t read off the rows up to it is the one read off the whole battle."""
    r1, _ = _orbit_trace()
    rnd = r1[:, 0].astype(np.int64)
    v = r1[:, 8]
    d, mv, known = pf.velocity_commands(rnd, v)
    changing = np.flatnonzero((rnd[1:] == rnd[:-1]) & (v[1:] != v[:-1]))
    rng = np.random.default_rng(0)
    for t in rng.choice(changing, 300, replace=False):
        k = known[t]
        for step in (-1.0, 0.0, 1.0):
            vk = np.append(v[:k + 1], v[k] + step)
            rk = np.append(rnd[:k + 1], rnd[k])
            dt, mt, _ = pf.velocity_commands(rk, vk)
            assert (dt[t], mt[t]) == (d[t], mv[t])


def _tables():
    return (np.zeros((3, 3)), np.zeros((3, pf.WALL_BINS, 3)), np.zeros((3, pf.WALL_BINS, pf.FIRE_BINS, 3)),
            np.zeros((3, pf.WALL_BINS, pf.FIRE_BINS, pf.AGE_BINS, 3)), np.zeros(2), np.zeros((pf.WALL_BINS, 2)),
            np.zeros(pf.RING), np.zeros(pf.RING), np.zeros(2, dtype=np.int64))


def _learn_stream(tables, rate, n, w, f, a, seed):
    """n observed turns going on at 8 px/turn in bins (w, f, a); each reverses with probability `rate`."""
    rng = np.random.default_rng(seed)
    for rev in rng.random(n) < rate:
        pf.learn_command(*tables, 1.0, 8.0, -1.0 if rev else 1.0, 8.0, 1.0, w, f, a)


def test_pooled_reversal_rate_converges_to_the_streams_rate():
    """A stream of reversals at a known rate: the pooled estimate of its bin is within 4 binomial sigmas of the
    rate."""
    for rate in (0.03, 0.2, 0.6):
        n = 20000
        t = _tables()
        _learn_stream(t, rate, n, 3, 1, 12, seed=int(rate * 100))
        p = np.empty(3)
        pf.label_probs(t[0], t[1], t[2], t[3], pf.GO_ON, 3, 1, 12, pf.DEFAULT_PRIOR, p)
        assert abs(p[pf.REVERSE] - rate) < 4.0 * np.sqrt(rate * (1 - rate) / n)
        assert abs(p.sum() - 1.0) < 1e-12


def test_an_empty_bin_falls_back_to_its_parent_level():
    """Counts in one bin only: an unseen wall bin gets the label-level rates (counts + prior pseudo-counts of
    1/3 each), an unseen age bin of a seen (wall, fire) bin gets that bin's rates."""
    t = _tables()
    _learn_stream(t, 0.1, 500, 0, 4, 20, seed=1)
    s = pf.DEFAULT_PRIOR
    c1 = t[0][pf.GO_ON]
    level1 = (c1 + s / 3.0) / (c1.sum() + s)
    p = np.empty(3)
    pf.label_probs(t[0], t[1], t[2], t[3], pf.GO_ON, 7, 4, 20, s, p)
    assert np.allclose(p, level1)
    pf.label_probs(t[0], t[1], t[2], t[3], pf.GO_ON, 0, 4, 5, s, p)
    q = np.empty(3)
    q2 = np.empty(3)
    pf.smoothed(t[1][pf.GO_ON, 0], level1, s, q)          # wall 0 = fire 4 = the only counts: the same
    pf.smoothed(t[2][pf.GO_ON, 0, 4], q, s, q2)
    assert np.allclose(p, q2)
    pf.label_probs(t[0], t[1], t[2], t[3], pf.REVERSE, 0, 4, 20, s, p)  # a label never seen before: uniform
    assert np.allclose(p, 1.0 / 3.0)


def test_futures_draw_their_reversals_at_the_pooled_rate():
    """Each future draws its own events from the pooled tables: over many independent draws from one state the
    fraction of reversals and of max-velocity changes is the estimated rate."""
    t = _tables()
    rng = np.random.default_rng(5)
    for k in range(4000):                              # reversals at 5%, speed changes at 10% (new max 3 or 6)
        rev = rng.random() < 0.05
        new_mv = (3.0, 6.0)[k % 2] if rng.random() < 0.1 else 8.0
        pf.learn_command(*t, 1.0, 8.0, -1.0 if rev else 1.0, new_mv, 1.0, 0, 4, 20)
    p = np.empty(3)
    pf.label_probs(t[0], t[1], t[2], t[3], pf.GO_ON, 0, 4, 20, pf.DEFAULT_PRIOR, p)
    ps = pf.speed_change_prob(t[4], t[5], 0, pf.DEFAULT_PRIOR)
    _seed(11)
    n = 20000
    draws = np.array([pf.next_command(*t, 1.0, 8.0, 30.0, 1.0, 0.0, 9.0, pf.DEFAULT_PRIOR, np.empty(3))
                      for _ in range(n)])
    assert abs((draws[:, 0] == -1.0).mean() - p[pf.REVERSE]) < 4.0 * np.sqrt(p[pf.REVERSE] / n)
    assert abs((draws[:, 1] != 8.0).mean() - ps) < 4.0 * np.sqrt(ps / n)
    assert set(np.unique(draws[:, 1])) <= {3.0, 6.0, 8.0}
    assert (draws[draws[:, 0] == 1.0, 2] == 31.0).all() and (draws[draws[:, 0] == -1.0, 2] == 1.0).all()


def _seed(s):
    from numba import njit

    @njit
    def seed(s):
        np.random.seed(s)
    seed(s)


def test_wall_pressure_is_zero_in_the_open_and_grows_towards_the_wall_ahead():
    """East of the shooter, travelling south (clockwise around it): no pressure far from the bottom wall, more
    the closer it is; travelling north (backwards, the same heading), none."""
    ys = (400.0, 170.0, 120.0, 60.0)
    prs = [pf.wall_pressure(500.0, y, np.pi, 1.0, 300.0, y, 800.0, 600.0) for y in ys]
    assert prs[0] == 0.0 and prs[1] > 0.0 and prs[1] < prs[2] < prs[3]
    assert all(pf.wall_pressure(500.0, y, np.pi, -1.0, 300.0, y, 800.0, 600.0) == 0.0 for y in ys)
