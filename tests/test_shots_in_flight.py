"""benchmarks/shots_in_flight.py: its shots and hits are the engine's own counts, the shots it calls in flight are
the ones still in the air when the mover died, and bad input is one line with exit code 2."""
import json
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


def _oracle_report(path, values):
    """A `gfsim oracle --json`-shaped report holding {(movement, seed): fraction}."""
    names = dict.fromkeys(m for m, _ in values)
    path.write_text(json.dumps(dict(movements=[dict(name=n, seasons=[dict(seed=s, oracle=v) for (m, s), v in
                                                                      values.items() if m == n]) for n in names])))
    return str(path)


def _run(path, battles, gun="headon", rounds=35):
    path.write_text(json.dumps(dict(gun=gun, rounds=rounds, battles=battles)))
    return str(path)


def _battle(movement, seed, rng):
    shots = int(rng.integers(200, 400))
    hits = int(rng.integers(20, shots // 2))
    return dict(movement=movement, seed=seed, shots=shots, hits=hits, in_flight=int(rng.integers(0, 5)),
                before_kill=shots - 30, hits_before_kill=hits - 30)


def test_pooled_seed_sets_score_as_one_run(tmp_path, capsys):
    """Two oracle reports and two saved runs, each holding half of the seeds, give the figures summarize gives the
    battles of both against both oracles' values -- --seeds and the movements pick the battles."""
    rng = np.random.default_rng(3)
    movements = ("orbit", "stopgo:flip=0.5")
    values = {(m, s): float(rng.uniform(0.3, 0.6)) for m in movements for s in range(10, 16)}
    halves = ({k: v for k, v in values.items() if k[1] < 13}, {k: v for k, v in values.items() if k[1] >= 13})
    oracles = [_oracle_report(tmp_path / f"oracle{i}.json", h) for i, h in enumerate(halves)]
    battles = [[_battle(m, s, rng) for (m, s) in h] for h in halves]
    runs = [_run(tmp_path / f"run{i}.json", b) for i, b in enumerate(battles)]
    second = json.loads((tmp_path / "run1.json").read_text())
    (tmp_path / "bundle.json").write_text(json.dumps(dict(command="...", second=second)))
    runs[1] = str(tmp_path / "bundle.json") + "#second"                            # a run a results file keeps
    argv = ["headon", "stopgo:flip=0.5", "--seeds", "11..14", "--json"]
    for o in oracles:
        argv += ["--oracle-file", o]
    for r in runs:
        argv += ["--battles", r]
    assert sif.main(argv) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    picked = [b for b in battles[0] + battles[1] if b["movement"] == "stopgo:flip=0.5" and 11 <= b["seed"] <= 14]
    want = sif.summarize(picked, {k: 100 * v for k, v in values.items()})
    assert len(picked) == 4 and rows == json.loads(json.dumps(want))
    assert rows[0]["hit_of_oracle"]["n"] == 4


def test_pooling_bad_reports_is_one_line_and_exit_code_2(tmp_path, capsys):
    rng = np.random.default_rng(4)
    one = _oracle_report(tmp_path / "one.json", {("orbit", 1): 0.4, ("orbit", 2): 0.5})
    other = _oracle_report(tmp_path / "other.json", {("orbit", 2): 0.45})        # seed 2 again, another value
    shapeless = tmp_path / "shapeless.json"
    shapeless.write_text(json.dumps(dict(movements=[dict(name="orbit", seasons=[dict(seed="1", oracle=0.4)])])))
    run = _run(tmp_path / "run.json", [_battle("orbit", s, rng) for s in (1, 2)])
    again = _run(tmp_path / "again.json", [_battle("orbit", 2, rng)])
    knn = _run(tmp_path / "knn.json", [_battle("orbit", 1, rng)], gun="knn")
    short = _run(tmp_path / "short.json", [_battle("orbit", 1, rng)], rounds=10)
    bad_counts = _run(tmp_path / "bad_counts.json", [dict(_battle("orbit", 1, rng), hits=10 ** 6)])
    cases = {"agrees with the others": ["--oracle-file", one, "--oracle-file", other, "--battles", run],
             "not a gfsim oracle --json report": ["--oracle-file", str(shapeless), "--battles", run],
             "no other --battles": ["--battles", run, "--battles", again],
             "run of 'headon'": ["--battles", knn],
             "run of 35 rounds": ["--battles", short],
             "not a shots_in_flight": ["--battles", bad_counts],
             "--battles has no 'orbit' seed 3": ["--battles", run, "--seeds", "1..3"],
             "with a run under 'nothing'": ["--battles", run + "#nothing"]}
    for needle, extra in cases.items():
        assert sif.main(["headon", "orbit", "--seeds", "1..2", *extra]) == 2, needle
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("shots_in_flight.py: error:") and needle in err, err
