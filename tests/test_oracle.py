"""The Bayes-limit oracle (sim/experiments/oracle.py) and the pausable battle it stands on (battle.BattleRun).

Laws: a battle paused, copied and resumed plays what a whole one plays; a future with the mover's own
random state is the real continuation (its hit set is the datasets' interval of that bullet); the sweep
finds the most covered point; in-sample >= cross-fitted and the in-sample maximum of M futures is at most
the mean of its leave-one-out maxima (so its bias cannot grow with M); estimates converge as M grows; a
deterministic mover gives exactly 1; no gun beats the oracle beyond the intervals.
"""
import math
import os
import sys

import numpy as np
import pytest

from sim.engine.battle import open_battle, run_battle
from sim.engine.rules import Rules
from sim.experiments import oracle as O

CLASSIC_PAIR = ["lock+circular:power=3+still", "lock+linear+orbit:flip_prob=0.1"]


def _play_in_pieces(bots, rules, seed, pieces, rng):
    s = open_battle(bots, rules, seed, record=True)
    copies = []
    while not s.finished:
        s.play_turns(int(rng.integers(1, pieces)))
        if s.paused and rng.random() < 0.05:
            copies.append(s.copy())
    return s, copies


@pytest.mark.parametrize("seed", [1, 6])
def test_a_battle_played_a_few_turns_at_a_time_is_the_whole_battle(seed):
    rules = Rules(rounds=3)
    whole = run_battle(CLASSIC_PAIR, rules, seed=seed, record=True)
    s, copies = _play_in_pieces(CLASSIC_PAIR, rules, seed, 40, np.random.default_rng(seed))
    assert copies, "no copy was taken: the test would check nothing"
    np.testing.assert_array_equal(s.round_turns, whole.round_turns)
    np.testing.assert_array_equal(s.round_scores, whole.round_scores)
    np.testing.assert_array_equal(s.round_stats, whole.round_stats)
    np.testing.assert_array_equal(s.rec_rob[:s.rec_n[0]], whole.robots_trace)
    np.testing.assert_array_equal(s.rec_bul[:s.rec_n[1]], whole.bullets_trace)
    # a copy left alone, resumed later, ends where the original ended
    c = copies[len(copies) // 2]
    while not c.finished:
        c.play_turns(1000)
    np.testing.assert_array_equal(c.round_scores, whole.round_scores)
    np.testing.assert_array_equal(c.rec_rob[:c.rec_n[0]], whole.robots_trace)


def test_play_turns_crosses_rounds_unless_told_where_to_stop():
    s = open_battle(CLASSIC_PAIR, Rules(rounds=3), 3)
    s.play_turns(10 ** 6, end_round=1)
    assert not s.paused and s.next_round == 1 and s.round_turns[0] > 0 and s.round_turns[1] == 0
    s.play_turns(5)
    assert s.paused and s.next_round == 1 and s.state["bat"][0] == 5 and s.total_turns == s.round_turns[0] + 5
    s.play_turns(10 ** 6)
    assert s.finished and s.round_turns[2] > 0


def test_the_real_future_is_the_real_path_and_its_hit_set_the_datasets_interval():
    """With the mover's own random state (not a fresh one) a future replays what happened: its hit set's
    hull is the [gf_lo, gf_hi] sim.waves.tracking computes from the recorded battle for that bullet."""
    from sim.waves.tracking import gun_waves
    rules = Rules(rounds=2)
    mover = "lock+none+orbit:flip_prob=0.2"
    real = run_battle([O.SHOOTER, mover], rules, seed=4, record=True)
    cols = gun_waves(real)["columns"]
    rows = {(int(r), int(t)): k for k, (r, t, sh, rl, st) in
            enumerate(zip(cols["round"], cols["turn"], cols["shooter"], cols["real_bullet"], cols["status"]))
            if sh == 0 and rl == 1 and st == 0}
    work = np.empty((16, 2))
    checked = 0
    for snap, rnd, fire, sx, sy, speed in O.firing_situations(mover, 4, rules):
        k = rows.get((rnd, fire))
        if k is None:
            continue
        pieces, _ = O._play_future(snap, snap.brng[1, 0], fire, sx, sy, speed, rules, work)
        lo, hi = pieces[0, 0], pieces[-1, 1]
        mea = cols["mea"][k]
        got = sorted([lo / mea, hi / mea]) if cols["gf_hi"][k] * hi >= 0 else sorted([-hi / mea, -lo / mea])
        assert got == pytest.approx([cols["gf_lo"][k], cols["gf_hi"][k]], abs=1e-9), (rnd, fire)
        assert speed == pytest.approx(cols["bullet_speed"][k])
        checked += 1
        if checked >= 12:
            break
    assert checked >= 12


def _brute_best(lo, hi):
    pts = np.concatenate([lo, hi, (lo[:, None] + hi[None, :]).ravel() / 2])
    return max(int(((lo <= p) & (p <= hi)).sum()) for p in pts)


def test_sweep_finds_the_most_covered_point():
    rng = np.random.default_rng(0)
    for _ in range(300):
        k = int(rng.integers(1, 30))
        lo = rng.normal(0, 1, k).round(1)
        hi = lo + rng.exponential(0.5, k).round(1)
        count, at = O.best_heading(lo, hi)
        assert count == _brute_best(lo, hi)
        assert O.coverage(lo, hi, at) == count
    assert O.best_heading(np.zeros(0), np.zeros(0))[0] == 0


def _random_futures(rng, m):
    """m futures of one or two pieces each (like a hit set), around a drifting centre."""
    lo, hi, owner = [], [], []
    for k in range(m):
        c = rng.normal(0, 0.3) + (0.6 if rng.random() < 0.3 else 0.0)
        w = rng.uniform(0.05, 0.15)
        lo.append(c - w)
        hi.append(c + w)
        owner.append(k)
        if rng.random() < 0.2:
            lo.append(c + 2 * w)
            hi.append(c + 3 * w)
            owner.append(k)
    return np.array(lo), np.array(hi), np.array(owner, dtype=np.int64)


def test_in_sample_is_at_least_cross_fitted_and_at_most_its_leave_one_out_mean():
    """Deterministic inequalities behind the reported interval: xfit <= oracle for every situation, and the
    in-sample maximum of M futures <= the mean of the M leave-one-out maxima of M - 1 futures (a maximum of
    an average is at most the average of maxima), so E[oracle_M] is non-increasing in M."""
    rng = np.random.default_rng(1)
    for _ in range(200):
        m = int(rng.integers(2, 24))
        lo, hi, owner = _random_futures(rng, m)
        up, xf = O.situation_scores(lo, hi, owner, m)
        assert 0.0 <= xf <= up <= 1.0
        loo = [O.best_heading(lo[owner != i], hi[owner != i])[0] / (m - 1) for i in range(m)]
        assert up <= np.mean(loo) + 1e-12


def test_estimates_converge_as_the_number_of_futures_grows():
    """On synthetic situations with a known Bayes limit: the in-sample mean falls and the cross-fitted one
    rises towards it as M grows (4 -> 16 -> 256), and the gap between them shrinks."""
    rng = np.random.default_rng(2)
    truth_pts = np.linspace(-2, 2, 4001)
    res = {}
    for m in (4, 16, 256):
        ups, xfs = [], []
        for s in range(150):
            r = np.random.default_rng(1000 + s)
            lo, hi, owner = _random_futures(r, m)
            up, xf = O.situation_scores(lo, hi, owner, m)
            ups.append(up)
            xfs.append(xf)
        res[m] = (np.mean(ups), np.mean(xfs))
    # the Bayes limit of one such situation, by a large sample (the same for every situation: i.i.d.)
    lo, hi, owner = _random_futures(rng, 20000)
    cover = np.array([((lo <= p) & (p <= hi)).sum() for p in truth_pts[::20]]) / 20000
    limit = cover.max()
    assert res[4][0] > res[16][0] > res[256][0] >= limit - 0.02
    assert res[4][1] < res[16][1] < res[256][1] <= limit + 0.02
    assert res[256][0] - res[256][1] < res[16][0] - res[16][1] < res[4][0] - res[4][1]


def test_on_a_random_orbit_the_bracket_narrows_as_the_futures_grow():
    """The same situations (same battle) with 4, 16 and 64 futures: the in-sample mean falls, the
    cross-fitted mean rises."""
    res = {m: O.oracle_season("lock+none+orbit", 3, Rules(rounds=2), samples=m) for m in (4, 16, 64)}
    assert res[4]["turn"] == res[64]["turn"] and res[4]["waves"] > 40
    assert res[4]["oracle"] > res[16]["oracle"] > res[64]["oracle"] > res[64]["oracle_xfit"]
    assert res[4]["oracle_xfit"] < res[16]["oracle_xfit"] < res[64]["oracle_xfit"]


@pytest.mark.parametrize("mover", ["lock+none+stopgo", "lock+none+orbit:flip_prob=0"])
def test_a_deterministic_mover_is_always_hit(mover):
    res = O.oracle_season(mover, 2, Rules(rounds=2), samples=6)
    assert res["waves"] > 20
    assert res["oracle"] == 1.0 and res["oracle_xfit"] == 1.0


def test_the_futures_differ_for_a_random_mover_and_are_reproducible():
    a = O.oracle_season("lock+none+orbit", 1, Rules(rounds=1), samples=8)
    b = O.oracle_season("lock+none+orbit", 1, Rules(rounds=1), samples=8)
    assert a["upper"] == b["upper"] and a["xfit"] == b["xfit"]
    assert min(a["upper"]) < 1.0 and a["oracle_xfit"] <= a["oracle"]
    c = O.oracle_season("lock+none+orbit", 1, Rules(rounds=1), samples=8, future_seed=1)
    assert c["upper"] != a["upper"]


def test_a_silent_shooter_is_the_same_oracle_only_for_a_mover_blind_to_its_shots():
    """benchmarks/oracle_at_gun.py's --silent-shooter: futures whose shooter never fires give the same oracle,
    future for future, against orbit (its draws are per turn), and another one against stop-and-go (it steps at
    each shot it sees). Another shooter's situations are its own bullets' (linear fires at other headings, at the
    same turns while its gun turns in time)."""
    rules = Rules(rounds=2)
    for mover, same in (("lock+none+orbit", True), ("lock+none+stopgo:flip=0.5", False)):
        full = O.oracle_season(mover, 3, rules, samples=8)
        silent = O.oracle_season(mover, 3, rules, samples=8, silent_shooter=True)
        assert full["turn"] == silent["turn"] and full["waves"] > 20
        assert (full["upper"] == silent["upper"] and full["xfit"] == silent["xfit"]) == same, mover
    orbit = O.oracle_season("lock+none+orbit", 3, rules, samples=8)
    assert O.oracle_season("lock+none+orbit", 3, rules, samples=8, shooter=O.SHOOTER)["upper"] == orbit["upper"]
    held = O.oracle_season("lock+none+orbit", 3, rules, samples=8, shooter="lock+forecast:power=3,energy_rule=0+still",
                           silent_shooter=True)
    assert held["waves"] > 20 and held["turn"] != orbit["turn"]


def test_oracle_at_gun_bad_input_is_one_line_and_exit_code_2(capsys):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
    import oracle_at_gun
    for argv in (["no_such_gun", "orbit"], ["headon", "no_such_movement"], ["headon", ","],
                 ["headon", "orbit", "--seeds", "3..1"], ["headon", "orbit", "--samples", "1"]):
        assert oracle_at_gun.main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("oracle_at_gun.py: error:")


def test_no_gun_beats_the_oracle_beyond_the_intervals():
    """Guns of the challenge on the same seeds: each gun's mean hit rate is below the oracle's mean plus
    both 95% half-widths."""
    from sim.experiments.challenge import run_challenge
    rules = Rules(rounds=4)
    seeds = [0, 1, 2]
    summary = run_challenge(guns=["headon", "linear", "circular"], movements=["orbit:flip_prob=0.05"], seeds=seeds,
                            rules=rules, oracle_samples=16)
    orc = summary["oracle"]["orbit:flip_prob=0.05"]["oracle"]
    assert orc["n"] == 3
    for p in summary["targeting"]["pairs"]:
        assert p["hit_rate"] <= orc["mean"] + orc["half"] + p["hit_rate_ci_half"], p["gun"]
        # the mean of per-season ratios, close to (not equal to) the ratio of the means
        assert p["hit_rate_of_oracle"] == pytest.approx(p["hit_rate"] / orc["mean"], rel=0.1)
        # the cross-fit is a lower estimate of the limit (per season at most the oracle): a larger share of it
        xf = summary["oracle"]["orbit:flip_prob=0.05"]["oracle_xfit"]
        assert p["oracle_xfit"] == xf["mean"] <= p["oracle"]
        assert p["hit_rate_of_xfit"] >= p["hit_rate_of_oracle"] > 0.0
        assert p["hit_rate_of_xfit"] == pytest.approx(p["hit_rate"] / xf["mean"], rel=0.1)
    from sim.experiments.challenge import format_tables
    text = format_tables(summary, "targeting")
    assert "oracle" in text.splitlines()[2] and "% of oracle (movement \\ gun)" in text
    assert text.index("% of oracle (movement") < text.index("% of cross-fit (movement \\ gun)")


def test_cli_errors_are_one_line(capsys):
    for argv in (["nosuch"], ["orbit", "--samples", "1"], ["orbit", "--seeds", "x"], ["orbit,orbit"],
                 ["orbit", "--rounds", "0"]):
        assert O.main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("gfsim oracle: error:") and "\n" not in err, err


def test_cli_json(capsys):
    import json
    assert O.main(["stopgo", "--rounds", "1", "--seasons", "2", "--samples", "4", "--jobs", "1", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    (m,) = d["movements"]
    assert m["name"] == "stopgo" and m["oracle"]["mean"] == 1.0 and m["oracle"]["n"] == 2
    assert [s["seed"] for s in m["seasons"]] == [0, 1] and m["waves"] > 0 and not math.isnan(m["seconds_per_season"])


def test_challenge_reads_an_oracle_report_as_if_it_had_computed_it(tmp_path, capsys):
    """`gfsim challenge --oracle-file` with a `gfsim oracle --json` report gives the very numbers `--oracle` gives
    in the run, over the challenge's seeds only; a report of other rules, movements or seeds is one line, exit 2."""
    import json
    from sim.experiments import challenge as C
    assert O.main(["stopgo:flip=0.5", "--rounds", "2", "--seeds", "3..5", "--samples", "8", "--jobs", "1",
                   "--json"]) == 0
    report = tmp_path / "oracle.json"
    report.write_text(capsys.readouterr().out)
    base = ["targeting", "--guns", "headon,circular", "--movements", "stopgo:flip=0.5", "--rounds", "2", "--jobs", "1",
            "--json", "--no-progress"]
    assert C.main(base + ["--seeds", "3..4", "--oracle", "8"]) == 0
    computed = json.loads(capsys.readouterr().out)
    assert C.main(base + ["--seeds", "3..4", "--oracle-file", str(report)]) == 0
    read = json.loads(capsys.readouterr().out)
    for a, b in zip(computed["targeting"]["pairs"], read["targeting"]["pairs"]):
        assert a["gun"] == b["gun"] and a["hit_rate_of_oracle"] == b["hit_rate_of_oracle"]
        assert a["hit_rate_of_xfit"] == b["hit_rate_of_xfit"] and not math.isnan(a["hit_rate_of_xfit"])
        assert a["oracle"] == b["oracle"] and not math.isnan(a["oracle"])
    assert read["oracle"]["stopgo:flip=0.5"]["oracle"]["n"] == 2               # seeds 3, 4 of the report's 3..5
    assert [s["seed"] for s in read["oracle"]["stopgo:flip=0.5"]["seasons"]] == [3, 4]
    bad_json = tmp_path / "bad.json"
    bad_json.write_bytes(b"\xff{")
    for extra, msg in ((["--seeds", "3..6"], "no season of seed 6"), (["--seeds", "3", "--rounds", "3"], "rules"),
                       (["--seeds", "3", "--movements", "orbit"], "no oracle of movement orbit"),
                       (["--seeds", "3", "--oracle", "8"], "give one of them"),
                       (["--seeds", "3", "--csv", str(report)], "refusing to overwrite")):
        assert C.main(base + ["--oracle-file", str(report)] + extra) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and msg in err, err
    assert json.loads(report.read_text())["samples"] == 8                     # the report is intact
    for path, msg in ((bad_json, "not valid JSON"), (tmp_path / "none.json", "no such file")):
        assert C.main(base + ["--seeds", "3", "--oracle-file", str(path)]) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and msg in err, err


def test_the_report_says_which_estimates_have_not_converged():
    """A movement whose oracle and cross-fit are more than WIDE_BRACKET apart is named with the gap (the limit lies
    between them); one whose bracket is narrow is not."""
    ci = lambda m: dict(mean=m, low=m, high=m, half=0.0, n=1)  # noqa: E731
    mov = lambda name, up, xf: dict(name=name, oracle=ci(up), oracle_xfit=ci(xf), waves=10,  # noqa: E731
                                    seconds_per_season=1.0)
    summary = dict(rules=dict(rounds=35), seeds=[0], samples=256, shooter=O.SHOOTER, confidence=0.95, wall_time=1.0,
                   jobs=1, movements=[mov("orbit", 0.459, 0.454), mov("orbit:speed_prob=0.1", 0.292, 0.258)])
    text = O.format_table(summary)
    note = [line for line in text.splitlines() if line.startswith("the Bayes limit lies between")]
    assert len(note) == 1 and "orbit:speed_prob=0.1: 3.4 points apart at 256 futures" in note[0], text
    assert "orbit: 0.5 points" not in note[0]
    summary["movements"] = summary["movements"][:1]
    assert "lies between" not in O.format_table(summary)
