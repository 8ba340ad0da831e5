"""benchmarks/play_forward.py (the play-it-forward probe): the velocity commands it learns reproduce the mover's
recorded velocities under the engine's rule, and bad input is one line with exit code 2."""
import os
import sys
import zipfile

import numpy as np
import pytest

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


@pytest.fixture(scope="module")
def plain_orbit():
    """(mover rows, shooter rows) of the probe's shooter against a plain orbit, 3 rounds, seed 5."""
    from sim.engine.battle import run_battle
    from sim.engine.rules import Rules
    res = run_battle([pf.SHOOTER, "lock+none+orbit"], Rules(rounds=3), seed=5, record=True, compile_progress=False)
    return pf.battle_arrays(res)


def test_the_steer_diagnosis_is_orbits_own_steering_for_the_recorded_command(plain_orbit):
    """--truth steer's turn (orbit_steer_turn), for the command the mover was recorded giving, turns the body to
    the next recorded heading under the engine's turn rule on a plain orbit, wall turns and reversals included:
    the diagnosis's heading is the mover's, not an approximation of it."""
    from bots.guns.forecast_kernels import orbit_steer_turn
    from sim.engine.constants import MAX_TURN_RATE_RADIANS
    from sim.engine.physics import turn_body, turn_rate
    r1, r0 = plain_orbit
    rnd = r1[:, 0].astype(np.int64)
    x, y, h, v = r1[:, 3], r1[:, 4], r1[:, 5], r1[:, 8]
    d, _, _ = pf.velocity_commands(rnd, v)
    rows = np.flatnonzero((rnd[1:] == rnd[:-1]) & (d[:-1] != 0.0) & (r1[1:, 11] == 0.0))
    assert len(rows) > 1000
    got = np.array([turn_body(h[t], orbit_steer_turn(x[t], y[t], h[t], d[t], r0[t, 3], r0[t, 4], 800.0, 600.0),
                              turn_rate(v[t], MAX_TURN_RATE_RADIANS))[0] for t in rows])
    same = np.abs(np.angle(np.exp(1j * (got - h[rows + 1])))) < 1e-9
    assert same.mean() > 0.99, same.mean()


def test_the_learned_steering_recovers_orbits_distancing_and_its_open_field_turns(plain_orbit):
    """--heading-model steer-fit: fitted to a plain orbit's recorded turns (steer_accumulate, steer_solve), the
    travel direction off the line from the shooter is orbit's own distancing, pi/2 + 20 degrees per 100 px beyond
    450 px (capped at 40), within 0.02 rad at the knots the orbit visits; and in the open field its turn is the
    turn orbit's own steering sets (orbit_steer_turn) for the recorded command."""
    from bots.guns.forecast_kernels import (
        STEER_KNOTS,
        orbit_steer_turn,
        steer_accumulate,
        steer_solve,
        steer_turn,
    )
    r1, r0 = plain_orbit
    rnd = r1[:, 0].astype(np.int64)
    x, y, h, v = r1[:, 3], r1[:, 4], r1[:, 5], r1[:, 8]
    sx, sy = r0[:, 3], r0[:, 4]
    n = len(STEER_KNOTS)
    gram, rhs = np.zeros((n, n)), np.zeros(n)
    for t in np.flatnonzero(rnd[1:] == rnd[:-1]):
        steer_accumulate(gram, rhs, x[t], y[t], h[t], v[t], h[t + 1], v[t + 1], sx[t], sy[t], 800.0, 600.0)
    weights = steer_solve(gram, rhs)
    seen = np.diag(gram) >= 5.0                          # knots with the weight of 5 turns or more on them
    assert seen.sum() >= 5
    want = np.pi / 2 + np.clip(np.radians(20.0) * (STEER_KNOTS - 450.0) / 100.0, -np.radians(40), np.radians(40))
    assert np.abs(weights[seen] - want[seen]).max() < 0.02
    d, _, _ = pf.velocity_commands(rnd, v)
    rows = [t for t in np.flatnonzero((rnd[1:] == rnd[:-1]) & (d[:-1] != 0.0))
            if min(x[t], y[t], 800.0 - x[t], 600.0 - y[t]) > 200.0]
    assert len(rows) > 200
    same = [abs(np.angle(np.exp(1j * (steer_turn(weights, x[t], y[t], h[t], d[t], sx[t], sy[t], 800.0, 600.0)
                                      - orbit_steer_turn(x[t], y[t], h[t], d[t], sx[t], sy[t], 800.0, 600.0)))))
            < 0.01 for t in rows]
    assert np.mean(same) > 0.95, np.mean(same)


def test_the_probe_aims_the_bullets_of_the_shooter_it_is_told():
    """--shooter: the probe replays that gun's battle and is scored on its bullets whose wave passed the living
    mover (the dataset's status 0), split by the mover's energy when each left."""
    from sim.engine.rules import Rules
    from sim.experiments.evaluate import scored_and_learnable
    rules = Rules(rounds=2)
    shooter = "lock+linear:power=3,energy_rule=0+still"
    g = pf.recorded_battle("lock+none+orbit", 4, rules, shooter)[0]
    rows = np.flatnonzero((g["shooter"] == 0) & g["real_bullet"].astype(bool))
    scored = int(scored_and_learnable(g, rows, "real")[0].sum())
    d = pf.season("lock+none+orbit", 4, rules, 4, 4000, np.array(pf.DEFAULT_CAP), np.array(pf.DEFAULT_HEADING_SCALE),
                  pf.DEFAULT_K_HEADING, np.array(pf.DEFAULT_VELOCITY_SCALE), pf.DEFAULT_K_VELOCITY, shooter=shooter)
    assert d["waves"] == scored > 20
    assert sum(n for _, _, n, _ in d["by_energy"]) == scored
    hits = sum(n * h for _, _, n, h in d["by_energy"] if n)
    assert hits == pytest.approx(d["hit"] * scored)
    headon = pf.recorded_battle("lock+none+orbit", 4, rules)[0]
    assert not np.array_equal(headon["gf_fired"][:20], g["gf_fired"][:20])     # another gun's bullets


def test_bad_input_is_one_line_and_exit_code_2(capsys):
    assert pf.main(["orbit", "--shooter", "no_such_gun"]) == 2
    assert pf.main(["orbit", "--futures", "0"]) == 2
    assert pf.main(["orbit", "--heading-scale", "1,2"]) == 2
    assert pf.main(["no_such_movement"]) == 2
    assert pf.main(["orbit:no_such_param=1"]) == 2
    assert pf.main(["orbit", "--prior", "0"]) == 2
    assert pf.main(["orbit", "--truth", "all"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 7 and all(line.startswith("play_forward.py: ") for line in err)


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
    """One member's hazard tables (c1, c2, c3, c4, c5, s1, s2, change_ring, start_ring, ring_n)."""
    return tuple(t[0] for t in pf.empty_tables(1))


def _learn_stream(tables, rate, n, w, f, a, seed):
    """n observed turns going on at 8 px/turn in bins (w, f, a); each reverses with probability `rate`."""
    rng = np.random.default_rng(seed)
    for rev in rng.random(n) < rate:
        pf.learn_command(*tables, 1.0, 8.0, -1.0 if rev else 1.0, 8.0, 1.0, w, f, a, 0, 0)


def test_pooled_reversal_rate_converges_to_the_streams_rate():
    """A stream of reversals at a known rate: the pooled estimate of its bin is within 4 binomial sigmas of the
    rate."""
    for rate in (0.03, 0.2, 0.6):
        n = 20000
        t = _tables()
        _learn_stream(t, rate, n, 3, 1, 12, seed=int(rate * 100))
        p = np.empty(3)
        pf.label_probs(*t[:5], pf.GO_ON, 3, 1, 12, 0, 0, 0, pf.DEFAULT_PRIOR, p)
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
    pf.label_probs(*t[:5], pf.GO_ON, 7, 4, 20, 0, 0, 0, s, p)
    assert np.allclose(p, level1)
    pf.label_probs(*t[:5], pf.GO_ON, 0, 4, 5, 0, 0, 0, s, p)
    q = np.empty(3)
    q2 = np.empty(3)
    pf.smoothed(t[1][pf.GO_ON, 0], level1, s, q)          # wall 0 = fire 4 = the only counts: the same
    pf.smoothed(t[2][pf.GO_ON, 0, 4], q, s, q2)
    assert np.allclose(p, q2)
    pf.label_probs(*t[:5], pf.REVERSE, 0, 4, 20, 0, 0, 0, s, p)  # a label never seen before: uniform
    assert np.allclose(p, 1.0 / 3.0)


def test_futures_draw_their_reversals_at_the_pooled_rate():
    """Each future draws its own events from the pooled tables: over many independent draws from one state the
    fraction of reversals and of max-velocity changes is the estimated rate."""
    t = _tables()
    rng = np.random.default_rng(5)
    for k in range(4000):                              # reversals at 5%, speed changes at 10% (new max 3 or 6)
        rev = rng.random() < 0.05
        new_mv = (3.0, 6.0)[k % 2] if rng.random() < 0.1 else 8.0
        pf.learn_command(*t, 1.0, 8.0, -1.0 if rev else 1.0, new_mv, 1.0, 0, 4, 20, 0, 0)
    p = np.empty(3)
    pf.label_probs(*t[:5], pf.GO_ON, 0, 4, 20, 0, 0, 0, pf.DEFAULT_PRIOR, p)
    ps = pf.speed_change_prob(t[5], t[6], 0, pf.DEFAULT_PRIOR)
    _seed(11)
    n = 20000
    draws = np.array([pf.next_command(*t, 1.0, 8.0, 30.0, 1.0, 0.0, 9.0, 0, 0, 0, pf.DEFAULT_PRIOR, np.empty(3))
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


def test_the_geometry_levels_sum_the_bins_a_mode_leaves_out_and_fall_back_when_empty():
    """--geometry: the geometry levels' counts are those of the distance bin, the reverse-pressure bin or both
    (summed over the other), over every fire and age bin (level 2), one fire bin (3) or one (fire, age) bin (4);
    with no counts there they give the wall level's rates."""
    t = _tables()
    rng = np.random.default_rng(2)
    t[4][pf.GO_ON, 3] = rng.integers(0, 20, t[4][pf.GO_ON, 3].shape)
    c = t[4][pf.GO_ON, 3]                                   # (distance, reverse, fire, age, label)
    out = np.empty(3)
    for mode, sel in ((1, c[2].sum(axis=0)), (2, c[:, 1].sum(axis=0)), (3, c[2, 1])):
        for level, want in ((2, sel.sum(axis=(0, 1))), (3, sel[1].sum(axis=0)), (4, sel[1, 12])):
            pf.geometry_counts(t[4], pf.GO_ON, 3, 1, 12, 2, 1, mode, level, out)
            assert np.array_equal(out, want)
    _learn_stream(t, 0.2, 300, 3, 1, 12, seed=4)        # counts at geometry (0, 0) and above
    geo = np.empty(3)
    pf.label_probs(*t[:5], pf.GO_ON, 3, 1, 12, 3, 3, 3, pf.DEFAULT_PRIOR, geo)   # (3, 3): only the random counts
    t[4][:] = 0.0
    empty = np.empty(3)
    pf.label_probs(*t[:5], pf.GO_ON, 3, 1, 12, 3, 3, 3, pf.DEFAULT_PRIOR, empty)
    wall = np.empty(3)
    p = np.full(3, 1.0 / 3.0)
    pf.smoothed(t[0][pf.GO_ON], p, pf.DEFAULT_PRIOR, wall)
    pf.smoothed(t[1][pf.GO_ON, 3], wall.copy(), pf.DEFAULT_PRIOR, wall)
    assert np.allclose(empty, wall) and not np.allclose(geo, wall)


def _corpus(movers, seed=1000, rounds=2):
    from sim.engine.rules import Rules
    tables = pf.empty_tables(len(movers))
    for k, spec in enumerate(movers):
        pf.count_into(spec, seed, Rules(rounds=rounds), tables, k)
    return tables


def test_count_battle_counts_every_learnable_turn_once():
    """The corpus counts of one battle: the label transitions are the histogram of (last label, next label)
    over the turns with a command before and after in the same round, both robots living; every coarser level
    is the sum of the finer one."""
    from sim.engine.rules import Rules
    t = [x[0] for x in _corpus(["lock+none+orbit:speed_prob=0.1"], seed=3)]
    g, _, r1, r0, fired, live, _ = pf.recorded_battle("lock+none+orbit:speed_prob=0.1", 3, Rules(rounds=2))
    rnd, v = r1[:, 0].astype(np.int64), r1[:, 8]
    _, _, _, travel = pf.observed_states(rnd, v, fired)
    d, _, _ = pf.velocity_commands(rnd, v)
    want = np.zeros((3, 3))
    for j in range(1, len(v) - 1):
        if rnd[j - 1] == rnd[j] == rnd[j + 1] and live[j + 1]:
            want[pf.command_label(d[j - 1], travel[j]), pf.command_label(d[j], travel[j])] += 1
    assert want.sum() > 500 and want[pf.GO_ON, pf.REVERSE] > 0
    assert np.array_equal(t[0], want)
    assert np.array_equal(t[1].sum(axis=1), t[0]) and np.array_equal(t[2].sum(axis=2), t[1])
    assert np.array_equal(t[3].sum(axis=3), t[2]) and np.array_equal(t[4].sum(axis=(2, 3)), t[3])


def test_corpus_round_trips_exactly_and_reproduces_its_battle(tmp_path):
    """A corpus file holds the tables bit for bit; weighted by the very battle it was built from, the battle's
    own counts come out equal to the member's, and the member (which knew the battle) is the likelier."""
    from sim.engine.rules import Rules
    spec = "lock+none+stopgo:flip=0.5"
    tables = _corpus([spec], seed=7)
    path = str(tmp_path / "c.npz")
    pf.save_corpus(path, ["stopgo:flip=0.5"], ["its source"], tables)
    names, sources, back = pf.load_corpus(path)
    assert names == ["stopgo:flip=0.5"] and sources == ["its source"]
    assert all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(tables, back))
    both = pf.member_tables(back)
    loglik = np.zeros(2)
    pf.count_into(spec, 7, Rules(rounds=2), both, 1, score=True, loglik=loglik)
    assert all(np.array_equal(t[0], t[1]) for t in both)
    assert loglik[0] > loglik[1]


def test_the_members_weights_favour_the_mover_whose_table_generated_the_battle():
    """Corpus members orbit, stop-and-go and orbit with random speeds (seed 1000): on another seed of each, that
    mover's member is the likeliest corpus member -- the probe identifies the mover without being told."""
    from sim.engine.rules import Rules
    specs = ["lock+none+orbit", "lock+none+stopgo:flip=0.5", "lock+none+orbit:speed_prob=0.1"]
    corpus = _corpus(specs)
    for k, spec in enumerate(specs):
        loglik = np.zeros(len(specs) + 1)
        pf.count_into(spec, 4, Rules(rounds=2), pf.member_tables(corpus), len(specs), score=True, loglik=loglik)
        assert int(np.argmax(loglik[:-1])) == k, (spec, loglik)


def test_a_bad_corpus_is_one_line_and_exit_code_2(tmp_path, capsys):
    bad_text = tmp_path / "text.npz"
    bad_text.write_text("not a zip")
    no_keys = tmp_path / "keys.npz"
    np.savez(no_keys, c1=np.zeros((1, 3, 3)))
    tables = [t.copy() for t in pf.empty_tables(1)]
    pf.save_corpus(str(tmp_path / "ok.npz"), ["a"], ["s"], tables)
    tables[2] = np.zeros((1, 3, 3))
    wrong_shape = str(tmp_path / "shape.npz")
    pf.save_corpus(wrong_shape, ["a"], ["s"], tables)
    ok_bytes = (tmp_path / "ok.npz").read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(ok_bytes[:len(ok_bytes) // 2])
    crafted = str(tmp_path / "crafted.npz")           # a header that claims 10**9 members' worth of counts
    with zipfile.ZipFile(tmp_path / "ok.npz") as src, zipfile.ZipFile(crafted, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "c1.npy":
                data = data.replace(b"(1,", b"(1000000000,", 1)
            dst.writestr(name, data)
    for path in (str(tmp_path / "missing.npz"), str(bad_text), str(no_keys), wrong_shape, str(truncated), crafted):
        assert pf.main(["orbit", "--corpus", path]) == 2
    assert pf.main(["orbit", "--velocity-model", "knn", "--corpus", str(tmp_path / "ok.npz")]) == 2
    assert pf.main(["orbit", "--geometry", "walls"]) == 2
    import hazard_corpus
    assert hazard_corpus.main([str(tmp_path / "x.npz"), "--movers", "no_such_movement"]) == 2
    assert hazard_corpus.main([str(tmp_path / "no_dir" / "x.npz"), "--movers", "orbit"]) == 2
    assert hazard_corpus.main([str(tmp_path / "x.json"), "--movers", "orbit"]) == 2
    import hazard_score
    assert hazard_score.main([str(tmp_path / "missing.npz")]) == 2
    assert hazard_score.main([str(tmp_path / "ok.npz"), "--movers", "orbit"]) == 2       # not a member
    assert hazard_score.main([str(tmp_path / "ok.npz"), "--geometry", "walls"]) == 2
    assert hazard_score.main([str(tmp_path / "ok.npz"), "--prior", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 15, err
    assert all(line.startswith(("play_forward.py: ", "hazard_corpus.py: ", "hazard_score.py: ")) for line in err)


def test_vs_oracle_divides_each_battle_by_its_own_oracle_and_pairs_the_baseline(tmp_path, capsys):
    """% of oracle is per battle hit / the oracle of the same seed (the oracle file holds fractions), then the
    mean; the baseline's difference is paired battle by battle; a run the oracle does not cover is exit 2."""
    import json

    import play_forward_vs_oracle as vs
    oracle = dict(movements=[dict(name="orbit", seasons=[dict(seed=8, oracle=0.5), dict(seed=9, oracle=0.4)])])
    run = dict(movement="orbit", seasons=[dict(seed=8, hit=0.40), dict(seed=9, hit=0.36)])
    base = dict(movement="orbit", seasons=[dict(seed=8, hit=0.30), dict(seed=9, hit=0.32)])
    r = vs.compare(oracle, run, base)
    assert np.isclose(r["pct"]["mean"], (80.0 + 90.0) / 2) and np.isclose(r["hit"]["mean"], 38.0)
    assert np.isclose(r["d_hit"]["mean"], (10.0 + 4.0) / 2) and np.isclose(r["d_pct"]["mean"], (20.0 + 10.0) / 2)
    paths = {}
    for name, obj in (("o", oracle), ("r", run), ("b", base), ("x", dict(movement="orbit", seasons=[dict(seed=3,
                                                                                                          hit=0.1)]))):
        paths[name] = str(tmp_path / f"{name}.json")
        with open(paths[name], "w") as f:
            json.dump(obj, f)
    assert vs.main([paths["o"], paths["r"], "--baseline", paths["b"]]) == 0
    assert "85.0 ±" in capsys.readouterr().out
    assert vs.main([paths["o"], paths["x"]]) == 2
    assert vs.main([paths["o"], str(tmp_path / "missing.json")]) == 2
    assert vs.main([paths["o"], paths["r"], "--baseline", paths["x"]]) == 2
    not_utf8, infinite = tmp_path / "latin1.json", tmp_path / "inf.json"
    not_utf8.write_bytes(b'{"movement": "\xe9"}')
    infinite.write_text('{"movement": "orbit", "seasons": [{"seed": 8, "hit": Infinity}]}')
    assert vs.main([paths["o"], str(not_utf8)]) == 2
    assert vs.main([paths["o"], str(infinite)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 5 and all(line.startswith("play_forward_vs_oracle.py: ") for line in err)
    crafted = tmp_path / "crafted.json"                    # an oracle report without its seasons
    crafted.write_text(json.dumps(dict(movements=[dict(name="orbit")])))
    assert vs.main([str(crafted), paths["r"]]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "crafted.json: not a gfsim oracle --json report" in err


def test_the_probes_json_is_strict_and_reads_back(tmp_path, capsys):
    """play_forward.py --json writes strict JSON (its infinite feature scales as null), which
    play_forward_vs_oracle.py reads."""
    import json

    import play_forward_vs_oracle as vs
    assert pf.main(["orbit", "--seeds", "1", "--rounds", "1", "--futures", "2", "--json", "--no-progress"]) == 0
    text = capsys.readouterr().out
    run = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in the probe's JSON"))
    assert run["heading_scale"][6] is None and run["seasons"][0]["seed"] == 1
    (tmp_path / "run.json").write_text(text)
    oracle = dict(movements=[dict(name="orbit", seasons=[dict(seed=1, oracle=0.5)])])
    (tmp_path / "oracle.json").write_text(json.dumps(oracle))
    assert vs.main([str(tmp_path / "oracle.json"), str(tmp_path / "run.json"), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["pct"]["mean"] == pytest.approx(100.0 * run["seasons"][0]["hit"] / 0.5)
