"""benchmarks/shots_in_flight.py: its shots and hits are the engine's own counts, the shots it calls in flight are
the ones still in the air when the mover died, and bad input is one line with exit code 2."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
import shots_in_flight as sif  # noqa: E402

SHOOTER = "lock+headon:power=3,energy_rule=0+still"
MOVER = "lock+none+stopgo:flip=0.5"


def test_counts_are_the_engines_and_in_flight_is_what_the_death_cut_short():
    from sim.engine.battle import run_battle
    from sim.engine.constants import BS_HIT_BULLET, BS_HIT_VICTIM, BS_HIT_WALL, RS_DEAD
    from sim.engine.rules import Rules
    c = sif.battle_counts(SHOOTER, MOVER, 3, 3)
    shots, hits, flying = c["shots"], c["hits"], c["in_flight"]
    res = run_battle([SHOOTER, MOVER], Rules(rounds=3), 3, record=True, compile_progress=False)
    assert (shots, hits) == tuple(res.round_stats[:, 0].sum(axis=0).astype(int))
    assert 0 < flying < shots - hits
    # before the kill: every round the mover died in loses its killing bullet (the one that hit in the death turn)
    # and every shot fired after it
    kills = 0
    # the other way round: the shooter's bullets fired before the death turn whose end (a hit, a wall, a bullet)
    # came after it, or never
    bul, rob = res.bullets_trace, res.robots_trace
    ended = (BS_HIT_VICTIM, BS_HIT_WALL, BS_HIT_BULLET)
    expect = 0
    for rnd in range(3):
        mv = rob[(rob[:, 0] == rnd) & (rob[:, 2] == 1)]
        dead = mv[mv[:, 11] == RS_DEAD, 1]
        death = dead.min() if dead.size else np.inf          # (a round the mover survived)
        mine = bul[(bul[:, 0] == rnd) & (bul[:, 2] == 0)]
        for b in np.unique(mine[:, 3]):
            rows = mine[mine[:, 3] == b]
            end = rows[np.isin(rows[:, 8], ended), 1]
            expect += rows[:, 1].min() < death and (end.size == 0 or end.min() > death)
        if np.isfinite(death):
            hit_at = mine[mine[:, 8] == BS_HIT_VICTIM]
            killer = hit_at[hit_at[:, 1] == death, 3]          # the bullet that hit in the death turn
            assert killer.size == 1
            fired = mine[mine[:, 3] == killer[0], 1].min()
            later = {b for b in np.unique(mine[:, 3]) if mine[mine[:, 3] == b, 1].min() >= fired}
            kills += len(later)
    assert flying == expect
    assert c["before_kill"] == shots - kills and c["hits_before_kill"] == hits - sum(
        1 for rnd in range(3) if (rob[(rob[:, 0] == rnd) & (rob[:, 2] == 1), 11] == RS_DEAD).any())


def test_the_rate_up_to_the_kill_is_the_per_shot_hit_probability():
    """Rounds of independent shots that hit with probability p, each stopped at its 7th hit (the killing bullet),
    with two more shots in flight at the death: the rate up to the kill finds p within its interval; the rate
    before the kill, (hits - 1) / (shots - 1) pooled over the rounds, is p (r - 1) / (r - p) (Wald's identity),
    several intervals lower."""
    rng = np.random.default_rng(7)
    for p in (0.2, 0.35, 0.6):
        battles = []
        for season in range(40):
            n = rng.negative_binomial(7, p, size=35) + 7          # shots up to the 7th hit, per round
            battles.append(dict(movement="m", seed=season, shots=int(n.sum()) + 70, hits=245, in_flight=70,
                                before_kill=int(n.sum()) - 35, hits_before_kill=210))
        est = sif.summarize(battles)[0]["to_kill"]
        assert abs(est["mean"] - 100 * p) <= est["half"]
        before = np.mean([100 * b["hits_before_kill"] / b["before_kill"] for b in battles])
        assert abs(before - 100 * p * 6 / (7 - p)) <= est["half"]
        assert 100 * p - before > 4 * est["half"]


def test_bad_input_is_one_line_and_exit_code_2(tmp_path, capsys):
    bad = tmp_path / "oracle.json"
    bad.write_bytes(b"\xff\xfe not json")
    for argv in (["no_such_gun", "orbit"], ["headon", "no_such_movement"], ["headon", ","],
                 ["headon", "orbit", "--seeds", "3..1"], ["headon", "orbit", "--jobs", "0"],
                 ["headon", "orbit", "--oracle-file", str(bad)],
                 ["headon", "orbit", "--seeds", "999", "--oracle-file",
                  os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks", "results",
                               "oracle_16_25.json")]):
        assert sif.main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("shots_in_flight.py: error:")
