"""The `forecast` gun (bots/guns/forecast.py): in battle it runs the offline probe's learner and aimer
(bots/guns/forecast_kernels.py) on what it scanned and gets the same aims; battles stay a pure function of their
seed; a bad corpus file is one line and exit code 2; it plays as a built-in part."""
import math
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
import play_forward as pf  # noqa: E402

from bots.guns import forecast as fg  # noqa: E402
from bots.guns import forecast_kernels as fk  # noqa: E402
from bots.telemetry import TELE_COLUMNS  # noqa: E402
from sim.engine.rules import Rules  # noqa: E402

GUN = "lock+forecast:power=3,energy_rule=0,tolerance=0,futures=16+still"
MOVER = "lock+none+orbit"
SEED = 8


from numba import njit  # noqa: E402


@njit
def _seed(s):
    np.random.seed(s)


def _battle(bots, rounds=2, seed=SEED, **kw):
    from sim.engine.battle import run_battle
    return run_battle(bots, Rules(rounds=rounds), seed=seed, compile_progress=False, **kw)


@pytest.fixture(scope="module")
def recorded():
    return _battle([GUN, MOVER], record=True, diagnostics=True)


def _diag(res, kind):
    """The gun's diagnostic rows of `kind`: (round, turn, numbers)."""
    d = res.diagnostics
    col = {c: k for k, c in enumerate(TELE_COLUMNS)}
    rows = d[(d[:, col["robot"]] == 0) & (d[:, col["kind"]] == kind)]
    return rows[:, col["round"]].astype(int), rows[:, col["turn"]].astype(int), rows[:, col["kind"] + 3:]


def _fired_aims(res):
    """The gun's aim rows it may fire from: (round, turn, numbers), its pre-aims (which only turn the gun) left out."""
    a_rnd, a_turn, aims = _diag(res, fg.TK_FORECAST_AIM)
    keep = aims[:, fg.DIAG_AIM.pre] == 0.0
    return a_rnd[keep], a_turn[keep], aims[keep]


def _aim_of(lag_of, r, f):
    """(round, turn) of the aim a bullet leaving in turn f was fired from: the one made `lag` turns before, for it."""
    made = [(r, f - lag) for lag in (fk.LAG, fk.LAG + 1) if lag_of.get((r, f - lag)) == lag]
    assert len(made) == 1
    return made[0]


def test_the_guns_aims_are_the_shared_kernels_on_what_it_scanned(recorded):
    """Replaying the gun's scans through forecast_observe, and forecast_aim at its aims with their seeds and
    shot plans (the bullets it kept, the enemy's energy, its hold factor), from the memory prepare() gives,
    reproduces every aim and coverage bit for bit: the gun is the probe's learner and aimer, fed turn by turn. An
    aim for a bullet leaving a turn later (lag 3) was played exactly when the first (lag 2) was more than the gun's
    20 degrees a turn from the gun. An aim played whole blocks of futures, another only while the best heading was
    covered by fewer futures than a block holds. A steering aim's futures read no stored heading (scrambled, the aim
    is the same); a neighbours' aim's do."""
    from bots.registry import parse_bot
    s_rnd, s_turn, seen = _diag(recorded, fg.TK_FORECAST_SEEN)
    a_rnd, a_turn, aims = _diag(recorded, fg.TK_FORECAST_AIM)
    f_rnd, f_turn, kept = _diag(recorded, fg.TK_FORECAST_FLIGHT)
    assert len(seen) > 500 and len(aims) > 30 and len(kept) > len(aims)
    values = parse_bot(GUN).parts["gun"][1]
    assert values["hold_chance"] > 0                            # the futures plan the gun's shots themselves
    flights = {}
    for r, t, row in zip(f_rnd, f_turn, kept):
        F = fg.DIAG_FLIGHT
        flights.setdefault((r, t), np.zeros((fg.FLIGHT_CAP, fk.FLIGHT.size)))[int(row[F.slot])] = \
            row[F.bullet:F.bullet + fk.FLIGHT.size]
    init = fg.prepare(values)
    memory = int(values["memory"])
    end = fg.MEM.size + fk.forecast_size(memory, int(init[fg.MEM.members]), 0)
    fc = fk.forecast_views(init[fg.MEM.size:end], memory, int(init[fg.MEM.members]), 0)
    shape = [int(init[k]) for k in (fg.MEM.fit_members, fg.MEM.fit_basis, fg.MEM.fit_blocks, fg.MEM.fit_knots)]
    assert shape[0] == int(init[fg.MEM.members]) - 1            # the shipped fit: every corpus member
    fit = fk.fit_views(init[end:], *shape)
    shot = np.zeros(fk.STEPS, dtype=np.bool_)
    rob = recorded.robots_trace
    gun = {(int(x[0]), int(x[1])): x[6] for x in rob[rob[:, 2] == 0]}    # its gun heading as the gun saw it
    at = {(r, t): k for k, (r, t) in enumerate(zip(a_rnd, a_turn))}
    got = []
    extended = 0
    unread = {}                                                 # steering aim / neighbours' aim: headings unread?
    gram, rhs = np.zeros((fg.N_KNOTS, fg.N_KNOTS)), np.zeros(fg.N_KNOTS)
    for k in range(len(seen)):
        S = fg.DIAG_SEEN
        if k > 0 and s_rnd[k] == s_rnd[k - 1] and s_turn[k] == s_turn[k - 1] + 1:   # the steering's turns
            p = seen[k - 1]
            fk.steer_accumulate(gram, rhs, p[S.x], p[S.y], p[S.heading], p[S.velocity], seen[k, S.heading],
                                seen[k, S.velocity], p[S.sx], p[S.sy], 800.0, 600.0)
        fk.forecast_observe(fc, seen[k, S.segment], seen[k, S.x], seen[k, S.y], seen[k, S.heading],
                            seen[k, S.velocity], seen[k, S.left] == 1.0, True, seen[k, S.sx], seen[k, S.sy],
                            800.0, 600.0, fg.CAP, 0, values["prior"], fit)
        q = at.get((s_rnd[k], s_turn[k]))
        if q is None:
            continue
        A = fg.DIAG_AIM
        assert aims[q, A.row] == fc.counters[fk.K_ROWS] - 1
        turn = (s_rnd[k], s_turn[k])
        plan = fk.ShotPlan(flights.get(turn, np.zeros((fg.FLIGHT_CAP, fk.FLIGHT.size))), aims[q, A.energy],
                           values["hold_chance"], aims[q, A.power], int(aims[q, A.gap]), aims[q, A.plan_cover],
                           float(s_turn[k]))
        assert aims[q, A.gap] == fg.shot_gap(aims[q, A.power], 0.1)
        assert aims[q, A.energy] == seen[k, fg.DIAG_SEEN.energy]
        pre = aims[q, A.pre] == 1.0                             # a pre-aim: lag 3 only, fewer futures
        steer = fk.steer_solve(gram, rhs) if aims[q, A.steer] == 1.0 else fg.NO_STEER
        assert aims[q, A.futures] == (int(values["futures"] * values["pre_aim"]) if pre else values["futures"])
        assert aims[q, A.blocks] == (1 if pre else values["blocks"])
        first = fk.LAG + 1 if pre else fk.LAG

        def play(lag, blocks=int(aims[q, A.blocks])):
            _seed(fg.lag_seed(int(aims[q, A.seed]), lag - first))
            return fk.forecast_aim(fc, aims[q, A.ox], aims[q, A.oy], aims[q, A.speed], lag, int(aims[q, A.futures]),
                                   blocks, fg.CAP, fg.W_HEADING, int(values["k_heading"]), fg.W_VELOCITY,
                                   fk.DEFAULT_K_VELOCITY, True, values["prior"], 0, 800.0, 600.0, shot, 0,
                                   fg.NO_TRUTH_OK, fg.NO_TRUTH, fg.NO_TRUTH, fg.NO_TRUTH, fit, steer, plan,
                                   np.zeros(0), 0)
        for lag in range(first, int(aims[q, A.lag]) + 1):      # a second lag: the next seed
            fg.planned_shots(aims[q, A.power], 0.1, lag, shot)  # (what a gun that does not hold would fire)
            aim = play(lag)
            off = abs(np.angle(np.exp(1j * (aim[0] - gun[(s_rnd[k], s_turn[k])]))))
            if lag == fk.LAG and not pre:                       # played again iff the gun can't turn there
                assert (off > np.radians(20.0)) == (aims[q, A.lag] > lag)
        block = int(aims[q, A.futures])
        played = int(aim[2])                                    # whole blocks; fewer than all only once the best
        assert played % block == 0 and block <= played <= block * aims[q, A.blocks]   # heading is covered by a
        if played < block * aims[q, A.blocks]:                  # block's worth of futures
            assert round(aim[1] * played) >= block
        if played > block:                                      # ... and not one block sooner (the same stream)
            fewer = play(int(aims[q, A.lag]), played // block - 1)
            assert fewer[2] == played - block and round(fewer[1] * fewer[2]) < block
            extended += 1
        steered = steer.shape[0] > 0
        if steered not in unread and fc.counters[fk.K_N_MEM] > 100:
            # once for each model: are the stored headings read? (the steering's futures draw no neighbour)
            kept = fc.mem_a[:, 0].copy()
            fc.mem_a[:, 0] = np.random.default_rng(1).uniform(-np.pi, np.pi, len(kept))
            unread[steered] = play(lag) == aim
            fc.mem_a[:, 0] = kept
        got.append(aim)
    assert len(got) == len(aims)
    assert np.array_equal(np.array(got), aims[:, [fg.DIAG_AIM.aim, fg.DIAG_AIM.cover, fg.DIAG_AIM.played]])
    assert unread == {True: True, False: False}
    assert extended > 10                                        # aims that played more than one block


def test_the_gun_sees_the_probes_rows_and_fires_two_turns_after_its_aim(recorded):
    """What the gun learns from is the probe's information: its scan of turn t is the mover's recorded row t (up to
    the scan's rounding), the bullets it marks as leaving are the recorded bullets' turns F, each fired from an aim
    made for it in turn F-2 -- or F-3 when the gun needed a second turn to get there -- (tolerance 0: exactly that
    heading), about one aim a bullet, and it fires every 16 turns at power 3 as it plans (planned_shots: the later
    shots the futures assume) when the gun reaches the aim in one turn."""
    from sim.io.dataset import battle_tables
    s_rnd, s_turn, seen = _diag(recorded, fg.TK_FORECAST_SEEN)
    a_rnd, a_turn, aims = _fired_aims(recorded)
    r1, _ = pf.battle_arrays(recorded)
    row = {(int(a), int(b)): q for q, (a, b) in enumerate(zip(r1[:, 0], r1[:, 1]))}
    idx = np.array([row[(r, t)] for r, t in zip(s_rnd, s_turn)])
    S = fg.DIAG_SEEN
    for c, k in ((S.x, 3), (S.y, 4), (S.heading, 5), (S.velocity, 8)):
        assert np.allclose(seen[:, c], r1[idx, k], rtol=0, atol=1e-9)
    g = battle_tables(recorded, 0, specs=[GUN, MOVER])[0]["gun"]
    real = (g["shooter"] == 0) & g["real_bullet"].astype(bool)
    fired = set(zip(g["round"][real].astype(int), g["turn"][real].astype(int)))
    left = {(r, t) for r, t, x in zip(s_rnd, s_turn, seen[:, S.left]) if x == 1.0}
    assert len(fired) > 30 and fired <= left           # (the table leaves out bullets the round's end cut short)
    for r in range(2):                                  # every bullet marked, but one leaving after the last scan
        shots = recorded.round_stats[r, 0, 0]
        assert shots - 1 <= sum(1 for rr, _ in left if rr == r) <= shots
    A = fg.DIAG_AIM
    aim_at = {(r, t): a for r, t, a in zip(a_rnd, a_turn, aims[:, A.aim])}
    lag_of = {(r, t): int(x) for r, t, x in zip(a_rnd, a_turn, aims[:, A.lag])}
    fired_heading = g["bearing"] + g["gf_fired"] * g["lat_dir"] * g["mea"]
    heading = dict(zip(zip(g["round"][real].astype(int), g["turn"][real].astype(int)), fired_heading[real]))
    for (r, t) in fired:              # aimed in F-2, or in F-3 for a bullet the gun needed a second turn for
        assert abs(np.sin(heading[(r, t)] - aim_at[_aim_of(lag_of, r, t)])) < 1e-9
    # a second lag (the gun could not turn to the first aim in one turn: the replay above checks it) for about half
    # of this battle's aims with the shipped hazard fit
    assert 0 < sum(x == fk.LAG + 1 for x in lag_of.values()) < 2 * len(lag_of) / 3
    # about one aim a bullet: an aim not fired in its turn (the gun did not get there) is followed by a new one the
    # same turn -- at most a third of them -- unless the gun held fire or the round ended; none while one is on its way
    h_rnd, h_turn, _ = _diag(recorded, fg.TK_FORECAST_HOLD)
    held = set(zip(h_rnd, h_turn))
    aimed = sorted(aim_at)
    unused = [(r, t) for r, t in aimed if (r, t + lag_of[(r, t)]) not in left]
    ends = {r: max(t for rr, t in zip(s_rnd, s_turn) if rr == r) for r in range(2)}
    assert len(unused) < len(aimed) / 3
    for r, t in unused:
        due = t + lag_of[(r, t)] - 1
        assert (r, due) in aim_at or due >= ends[r] or (r, due) in held
    assert all(b[1] - a[1] >= lag_of[a] - 1 for a, b in zip(aimed, aimed[1:]) if a[0] == b[0])
    shot = np.zeros(fk.STEPS, dtype=np.bool_)
    fg.planned_shots(3.0, 0.1, fk.LAG, shot)
    gap = np.flatnonzero(shot)
    assert gap[0] == fk.LAG + 16 and np.all(np.diff(gap) == 16)           # power 3 at cooling 0.1: every 16 turns
    fg.planned_shots(3.0, 0.1, fk.LAG + 1, shot)
    assert np.array_equal(np.flatnonzero(shot), gap + 1)
    turns = sorted(fired)
    same = [(a, b) for a, b in zip(turns, turns[1:]) if a[0] == b[0]]
    assert min(b[1] - a[1] for a, b in same) == 16
    for a, b in same:       # as soon as cool, a turn more for a second lag, 3 for each aim dropped, or it held fire
        dropped = sum(1 for r, t in unused if r == a[0] and a[1] < t < b[1])
        assert b[1] - a[1] <= 16 + 1 + 3 * dropped or any((a[0], t) in held for t in range(a[1], b[1]))


def _kept_bullets(res, seen_rows):
    """The gun's bullets rebuilt from its scans, aims and the recorded bullet trace: (round, turn it left, cover of
    its aim, x, y it left from, the turn it hit something or inf)."""
    from sim.engine.constants import BS_HIT_BULLET, BS_HIT_VICTIM, BS_HIT_WALL
    s_rnd, s_turn, seen = seen_rows
    a_rnd, a_turn, aims = _fired_aims(res)
    S, A = fg.DIAG_SEEN, fg.DIAG_AIM
    aim = {(r, t): k for k, (r, t) in enumerate(zip(a_rnd, a_turn))}
    lag_of = {(r, t): int(x) for r, t, x in zip(a_rnd, a_turn, aims[:, A.lag])}
    bul = res.bullets_trace
    bul = bul[bul[:, 2] == 0]                    # columns: round, turn, owner, id, x, y, heading, power, state
    ended = {}
    for rnd, bid in {(int(r), int(b)) for r, b in bul[:, [0, 3]]}:
        rows = bul[(bul[:, 0] == rnd) & (bul[:, 3] == bid)]
        done = rows[np.isin(rows[:, 8], (BS_HIT_VICTIM, BS_HIT_BULLET, BS_HIT_WALL)), 1]
        ended[(rnd, int(rows[:, 1].min()))] = done.min() if done.size else np.inf
    bullets = []
    for k in np.flatnonzero(seen[:, S.left] == 1.0):
        r, f = s_rnd[k], s_turn[k]
        q = aim[_aim_of(lag_of, r, f)]
        bullets.append((r, f, aims[q, A.cover], seen[k, S.sx], seen[k, S.sy], ended[(r, f)]))
    return bullets


def test_it_holds_fire_exactly_while_its_undecided_bullets_may_finish_the_enemy(recorded):
    """hold_chance: each turn the gun held, the chance it held for is the chance that its bullets then neither past
    the enemy nor known to have hit something -- each hitting with the coverage of the aim it was fired with,
    rebuilt here from the scans, the aims and the recorded bullets -- finish the enemy's scanned energy, and it is
    at least hold_chance; on the turns it fired it was below. It held (the mover runs low at a round's end), no
    bullet of one round counts in the next, and no bullet it fired was still flying when the mover died."""
    from bots.registry import parse_bot
    from sim.engine.physics import bullet_damage, bullet_speed
    seen_rows = _diag(recorded, fg.TK_FORECAST_SEEN)
    s_rnd, s_turn, seen = seen_rows
    h_rnd, h_turn, hold = _diag(recorded, fg.TK_FORECAST_HOLD)
    S, H = fg.DIAG_SEEN, fg.DIAG_HOLD
    threshold = parse_bot(GUN).parts["gun"][1]["hold_chance"]
    scan = {(r, t): k for k, (r, t) in enumerate(zip(s_rnd, s_turn))}
    bullets = _kept_bullets(recorded, seen_rows)

    def chance(r, t):
        k = scan[(r, t)]
        on = [c for rb, f, c, x, y, end in bullets if rb == r and f <= t and end > t    # known gone from `end` on
              and fk.undecided(t, f, bullet_speed(3.0), x, y, seen[k, S.x], seen[k, S.y])]
        # every subset of the bullets on their way, enumerated here independently of kill_chance
        total = 0.0
        for mask in range(1 << len(on)):
            hits = [(mask >> i) & 1 for i in range(len(on))]
            if sum(hits) * bullet_damage(3.0) >= seen[k, S.energy]:
                total += math.prod(c if h else 1.0 - c for c, h in zip(on, hits))
        return total

    assert len(hold) > 5
    for (r, t), row in zip(zip(h_rnd, h_turn), hold):
        assert row[H.chance] == pytest.approx(chance(r, t), rel=1e-12, abs=1e-15)
        assert row[H.chance] >= threshold and row[H.energy] == seen[scan[(r, t)], S.energy]
    for r, f, _, _, _, _ in bullets:                    # set_fire ran in F-1: its bullets were unlikely to finish it
        assert chance(r, f - 1) < threshold
    from shots_in_flight import battle_counts
    counts = battle_counts(GUN, MOVER, SEED, 2)
    assert counts["hits"] == 2 * 7 and counts["in_flight"] == 0     # both rounds end in a kill, nothing wasted


def _flight(*bullets):
    """A gun's ring of real bullets (ShotPlan.flight) holding `bullets`: (fire, heading, power, cover, gone), each
    from (400, 150)."""
    from sim.engine.physics import bullet_speed
    F = fk.FLIGHT
    flight = np.zeros((fg.FLIGHT_CAP, F.size))
    for q, (fire, heading, power, cover, gone) in enumerate(bullets):
        flight[q + 2, [F.fire, F.speed, F.sx, F.sy, F.heading, F.power, F.cover, F.id, F.gone]] = \
            (fire, bullet_speed(power), 400.0, 150.0, heading, power, cover, q + 1.0, gone)
    return flight


def test_a_future_is_hit_by_our_bullets_in_flight_once_where_their_path_crosses_its_box():
    """bullets_hit: a power-3 bullet that left (400, 150) in turn 90 straight up (11 px a turn, its front 11 px out
    at the end of turn 90) first reaches the box of a body at (400, 450) (from y = 432) in turn 115 -- 16 damage,
    once -- and a body 40 px to the side never; a bullet no longer flying (gone, or a slot the caller masks) none."""
    from sim.engine.physics import bullet_damage
    flight = _flight((90.0, 0.0, 3.0, 0.5, 0.0), (90.0, np.pi / 2, 3.0, 0.5, 0.0))
    flying = flight[:, fk.FLIGHT.power] > 0.0
    got = [fk.bullets_hit(flight, flying, t, 400.0, 450.0) for t in range(100, 130)]
    assert got[15] == bullet_damage(3.0) == 16.0 and sum(got) == 16.0          # turn 115, once
    assert not flying[2] and flying[3]
    flying = flight[:, fk.FLIGHT.power] > 0.0
    assert sum(fk.bullets_hit(flight, flying, t, 440.0, 450.0) for t in range(100, 130)) == 0.0
    flying[:] = False
    assert sum(fk.bullets_hit(flight, flying, t, 400.0, 450.0) for t in range(100, 130)) == 0.0


def test_kill_chance_is_the_probability_of_enough_damage():
    """kill_chance against a Monte Carlo of independent hits (4 sigma), and its edges: certain hits kill exactly
    when their damage reaches the energy, no bullets never, and more energy never makes a kill likelier."""
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(1, 7))
        cover, damage, energy = rng.random(n), rng.choice([4.0, 10.0, 16.0], n), rng.uniform(1.0, 60.0)
        mc = (((rng.random((100_000, n)) < cover) * damage).sum(axis=1) >= energy).mean()
        p = fk.kill_chance(cover, damage, n, energy)
        assert abs(p - mc) <= 4.0 * math.sqrt(max(p * (1.0 - p), 1e-6) / 100_000)
        assert fk.kill_chance(cover, damage, n, energy + 5.0) <= p
        assert fk.kill_chance(np.ones(n), damage, n, energy) == (1.0 if damage.sum() >= energy else 0.0)
    assert fk.kill_chance(np.ones(3), np.full(3, 16.0), 0, 1.0) == 0.0


def test_a_future_fires_when_the_hold_rule_would():
    """plan_fires is the gun's hold rule in a future: it fires while nothing in flight can finish the mover; it
    holds while the bullets still undecided -- real ones still flying in this future (their aim's coverage) and
    the future's own planned ones (the plan's cover) -- finish it with at least the plan's chance, and fires again
    once they are past the mover (undecided), or when a hit has left it more energy than they can do."""
    flight = _flight((90.0, 0.0, 3.0, 0.5, 0.0))
    flying = flight[:, fk.FLIGHT.power] > 0.0
    none = np.zeros(fk.STEPS)

    def fires(t, energy, chance=0.05, leaves=none, n=0, flying=flying):
        plan = fk.ShotPlan(flight, energy, chance, 3.0, 16, 0.5, 100.0)
        return fk.plan_fires(plan, flying, leaves, n, 400.0, 150.0, 400.0, 450.0, energy, t)

    passed = next(t for t in range(90, 200) if not fk.undecided(t, 90.0, 11.0, 400.0, 150.0, 400.0, 450.0))
    assert 90 + (300 - 18) // 11 < passed            # undecided while its segment can still reach the box
    assert fires(100.0, 50.0) and not fires(100.0, 16.0)           # one 16-damage bullet at 0.5: kills 16, not 50
    assert fires(float(passed), 16.0) and not fires(float(passed - 1), 16.0)
    assert fires(100.0, 16.0, chance=0.6) and fires(100.0, 16.0, flying=np.zeros_like(flying))
    leaves = np.full(fk.STEPS, 102.0)                              # + one planned bullet at 0.5, on its way
    assert not fires(100.0, 32.0, leaves=leaves, n=1) and fires(100.0, 32.0, leaves=leaves, n=0)
    assert fires(100.0, 32.0, chance=0.3, leaves=leaves, n=1)      # both must hit: 0.25


def test_a_battle_is_a_pure_function_of_its_seed_as_either_robot():
    from digests import battle_digest
    for bots in ([GUN, MOVER], [MOVER, GUN]):
        a, b = (_battle(bots, rounds=1, record=True) for _ in range(2))
        assert battle_digest(a) == battle_digest(b)
    shots = [_battle(bots, rounds=1).round_stats for bots in ([GUN, MOVER], [MOVER, GUN])]
    assert shots[0].sum() > 0 and shots[1].sum() > 0


def test_the_shipped_corpus_is_the_recipes_eight_movers_without_the_geometry_table():
    names, sources, tables, geometry = fg.read_corpus(fg.corpus_path(""), fg._fail)
    assert names == ["orbit", "orbit:speed_prob=0.1", "stopgo:flip=0.5", "stopgo", "surf", "sample.Crazy",
                     "sample.Walls", "sample.SpinBot"]
    assert not geometry and tables[4].shape[1] == 0 and os.path.getsize(fg.corpus_path("")) < 100_000
    assert all("seeds 1000,1001,1002,1003,1004,1005,1006,1007,1008,1009,1010,1011, 35 rounds" in s for s in sources)
    assert fg.members({"corpus": "none"}) == 1 and fg.members({"corpus": ""}) == 9


def _bad_corpus_files(tmp_path):
    good = fg.corpus_path("")
    data = open(good, "rb").read()
    (tmp_path / "truncated.npz").write_bytes(data[:len(data) // 2])
    (tmp_path / "text.npz").write_text("not a zip")
    names, sources, tables, _ = fg.read_corpus(good, fg._fail)
    bad = list(tables)
    bad[0] = bad[0][:, :2]
    np.savez(tmp_path / "shape.npz", version=np.array(2), names=np.array(names), sources=np.array(sources),
             **dict(zip(fg_keys(), bad)))
    neg = list(tables)
    neg[1] = -neg[1]
    np.savez(tmp_path / "negative.npz", version=np.array(2), names=np.array(names), sources=np.array(sources),
             **dict(zip(fg_keys(), neg)))
    return [tmp_path / n for n in ("missing.npz", "truncated.npz", "text.npz", "shape.npz", "negative.npz")]


def fg_keys():
    from bots.guns.forecast_corpus import CORPUS_KEYS
    return CORPUS_KEYS


def test_a_bad_corpus_file_is_one_line_and_exit_code_2(tmp_path, capsys):
    from sim.cli.main import main
    files = _bad_corpus_files(tmp_path)
    for f in files:
        assert main(["battle", f"lock+forecast:corpus={f}+still", "sample.Walls", "--rounds", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == len(files) and all(line.startswith("gfsim battle: error:") and "corpus" in line
                                          for line in err), err


def test_forecast_plays_as_a_built_in_gun_with_and_without_a_corpus(capsys):
    from sim.cli.main import main
    assert main(["battle", "lock+forecast+still", "lock+none+orbit", "--rounds", "2"]) == 0
    assert "lock+forecast+still" in capsys.readouterr().out
    res = _battle(["lock+forecast:corpus=none,futures=8+still", "sample.Walls"], rounds=1)
    assert res.round_stats.sum() > 0


def test_a_geometry_run_needs_a_corpus_with_the_geometry_table(tmp_path, capsys):
    assert pf.main(["orbit", "--corpus", fg.corpus_path(""), "--geometry", "distance", "--seeds", "0"]) == 2
    assert "without the geometry table" in capsys.readouterr().err


def test_the_shipped_hazard_fit_fits_the_shipped_corpus_and_is_used_only_with_it():
    """The shipped fit holds one model per shipped corpus member, in its order; the gun keeps it in memory with the
    shipped corpus, leaves it out with another corpus or none, and a fit without a corpus is refused."""
    from bots.guns.forecast_corpus import read_hazard_fit
    model = read_hazard_fit(fg.fit_path({}), fg._fit_fail, fk.N_RAW)
    names, _, _, _ = fg.read_corpus(fg.corpus_path(""), fg._fail)
    assert model["names"] == names and model["label_weights"].shape[0] == len(names)
    # its recipe: benchmarks/hazard_fit.py fit bots/models/forecast-hazard.npz --l2 3 (corpus seeds 1000..1011)
    assert model["l2"] == 3.0 and all("seeds 1000,1001,1002,1003,1004,1005,1006,1007,1008,1009,1010,1011, 35 rounds"
                                      in s for s in model["sources"])
    # and its basis is the recipe's: turns since the shooter fired clamped at 15, the longest gap the corpus's
    # shooter (power 3, every 16 turns) leaves, so that a gun holding fire longer is not an extrapolation
    import hazard_fit as hf
    for key, want in zip(("block_feat", "knot_start", "knot_count", "block_offset", "knots"), hf.basis_arrays()):
        assert np.array_equal(model[key], want), key
    ends = [model["knots"][hf.KNOT_START[b, j] + hf.KNOT_COUNT[b, j] - 1] for b in range(len(hf.BLOCKS))
            for j in (0, 1) if hf.BLOCK_FEAT[b, j] == hf.SINCE_FIRE]
    assert len(ends) == 2 and all(e == 15.0 for e in ends)
    assert fg.fit_shape({})[0] == len(names) and fg.fit_shape({"hazard_fit": "none"}) == (0, 0, 0, 0)
    assert fg.fit_path({"corpus": "other.npz"}) is None and fg.fit_path({"corpus": "none"}) is None
    with pytest.raises(ValueError, match="needs a corpus"):
        fg.fit_path({"corpus": "none", "hazard_fit": "x.npz"})


def _bad_fit_files(tmp_path):
    from bots.guns.forecast_corpus import FIT_KEYS
    good = fg.fit_path({})
    data = open(good, "rb").read()
    (tmp_path / "truncated.npz").write_bytes(data[:len(data) // 2])
    (tmp_path / "text.npz").write_text("not a zip")
    with np.load(good) as z:
        arrays = {k: z[k] for k in FIT_KEYS}
    for name, change in (("names", lambda a: a.update(names=a["names"][::-1])),            # another corpus's order
                         ("offset", lambda a: a.update(block_offset=a["block_offset"] + 1)),  # reads past the weights
                         ("feature", lambda a: a.update(block_feat=a["block_feat"] + 100)),   # no such feature
                         ("nan", lambda a: a.update(label_weights=a["label_weights"] * np.nan))):
        bad = dict(arrays)
        change(bad)
        np.savez(tmp_path / f"{name}.npz", **bad)
    return [tmp_path / n for n in ("missing.npz", "truncated.npz", "text.npz", "names.npz", "offset.npz",
                                   "feature.npz", "nan.npz")]


def test_a_bad_hazard_fit_file_is_one_line_and_exit_code_2(tmp_path, capsys):
    """Missing, truncated, not a zip, fitted to other members, a basis laid out past the weights or naming a
    feature that does not exist, non-finite weights: each one line naming hazard_fit, exit code 2."""
    from sim.cli.main import main
    files = _bad_fit_files(tmp_path)
    corpus = fg.corpus_path("")
    for f in files:
        assert main(["battle", f"lock+forecast:corpus={corpus},hazard_fit={f}+still", "sample.Walls",
                     "--rounds", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == len(files) and all(line.startswith("gfsim battle: error:") and "hazard_fit" in line
                                          for line in err), err


def test_the_judges_grid_counts_the_pieces_covering_each_bins_centre():
    """judge_add / judge_cover (heading=2): after counting random pieces of hit sets, the count at any offset is the
    number of pieces that contain the centre of its bin; off the grid nothing is counted."""
    rng = np.random.default_rng(7)
    judge = np.zeros(fk.JUDGE_BINS)
    lo = rng.uniform(-1.3, 1.1, 300)
    hi = lo + rng.uniform(0.0, 0.3, 300)
    for a, b in zip(lo, hi):
        fk.judge_add(judge, a, b)
    w = 2.0 * fk.JUDGE_SPAN / fk.JUDGE_BINS
    for p in rng.uniform(-fk.JUDGE_SPAN, fk.JUDGE_SPAN, 2000):
        centre = -fk.JUDGE_SPAN + (np.floor((p + fk.JUDGE_SPAN) / w) + 0.5) * w
        assert fk.judge_cover(judge, p) == np.sum((lo <= centre) & (centre <= hi))
    assert judge.max() > 5 and fk.judge_cover(judge, 1.2) == 0.0 == fk.judge_cover(judge, -1.01)
    assert fk.judge_score(0.0, 16) < fk.judge_score(1.0, 16) < fk.judge_score(16.0, 16) < 0.0


def test_a_judged_waves_middle_is_a_heading_that_hits_the_real_path():
    """real_wave_middle: over a driven path (8 px a turn, a random turn each turn), a bullet fired at the bearing +
    the middle it gives, leaving `lag` turns after the path's first turn, crosses the mover's box (its segment of
    each turn against the box at the end of the turn before: bullets_hit's convention); before the wave has passed
    the whole box it says so."""
    from sim.engine.geometry import robot_box_intersects_line
    rng = np.random.default_rng(11)
    for case in range(40):
        phi, dist, speed, lag = rng.uniform(0, 2 * np.pi), rng.uniform(150, 250), rng.choice([11.0, 14.0, 17.0]), 2
        ox, oy = 400.0 + dist * np.sin(phi), 300.0 + dist * np.cos(phi)
        n = fk.STEPS
        rx, ry = np.empty(n), np.empty(n)
        x, y, h = 400.0, 300.0, rng.uniform(0, 2 * np.pi)
        for j in range(n):
            rx[j], ry[j] = x, y
            h += rng.uniform(-0.17, 0.17)
            x, y = x + 8.0 * np.sin(h), y + 8.0 * np.cos(h)
        b_ref = np.arctan2(rx[0] - ox, ry[0] - oy)
        passed, middle = fk.real_wave_middle(ox, oy, speed, lag, b_ref, rx, ry, n - 1, 800.0, 600.0)
        assert passed and abs(middle) < 1.0
        s, c = np.sin(b_ref + middle), np.cos(b_ref + middle)
        d0 = (np.arange(n) - lag + 1) * speed                       # the bullet's travel at the start of turn j+1
        hits = [j for j in range(lag - 1, n)
                if robot_box_intersects_line(rx[j], ry[j], ox + d0[j] * s, oy + d0[j] * c, ox + (d0[j] + speed) * s,
                                             oy + (d0[j] + speed) * c)]
        assert hits, case
        assert not fk.real_wave_middle(ox, oy, speed, lag, b_ref, rx, ry, hits[0] - 1, 800.0, 600.0)[0]


def test_heading_judged_scores_each_model_on_the_real_waves_and_aims_with_the_better():
    """heading=2: each aim's real wave, once it has passed the mover, is followed over the positions the gun scanned
    (the middle real_wave_middle gives from the scan rows reproduces the gun's), each model's log-score is the sum
    of judge_score over the waves judged so far (of `judge` x futures futures each), and an aim is played with the
    learned steering exactly when the steering's score was the higher then."""
    res = _battle(["lock+forecast:power=3,energy_rule=0,futures=16,heading=2+still", MOVER], rounds=3,
                  record=True, diagnostics=True)
    s_rnd, s_turn, seen = _diag(res, fg.TK_FORECAST_SEEN)
    a_rnd, a_turn, aims = _diag(res, fg.TK_FORECAST_AIM)
    j_rnd, _, judged = _diag(res, fg.TK_FORECAST_JUDGE)
    J, A, S = fg.DIAG_JUDGE, fg.DIAG_AIM, fg.DIAG_SEEN
    assert len(judged) > 20 and np.all(judged[:, J.count] == 8)
    for col, score in ((J.knn, J.knn_score), (J.steer, J.steer_score)):
        each = [fk.judge_score(c, 8) for c in judged[:, col]]
        assert np.allclose(np.cumsum(each), judged[:, score], rtol=1e-12, atol=1e-12)
    assert np.array_equal(aims[:, A.steer] == 1.0, aims[:, A.judge] > 0.0)
    assert 0 < np.sum(aims[:, A.steer]) < len(aims) or np.all(aims[:, A.judge] == aims[0, A.judge])
    pos = {(r, t): k for k, (r, t) in enumerate(zip(s_rnd, s_turn))}
    aim_at = {(r, t): k for k, (r, t) in enumerate(zip(a_rnd, a_turn)) if aims[k, A.pre] == 0.0}
    for r, row in zip(j_rnd, judged):
        t0 = int(row[J.turn])
        a = aims[aim_at[(r, t0)]]
        k0 = pos[(r, t0)]
        rx, ry = seen[k0:k0 + fk.STEPS, S.x].copy(), seen[k0:k0 + fk.STEPS, S.y].copy()
        last = next(k for k in range(int(a[A.lag]), len(rx)) if fk.real_wave_middle(
            a[A.ox], a[A.oy], a[A.speed], int(a[A.lag]), 0.0, rx, ry, k, 800.0, 600.0)[0])
        b_ref = math.atan2(rx[0] - a[A.ox], ry[0] - a[A.oy])           # as the gun (libm)
        assert fk.real_wave_middle(a[A.ox], a[A.oy], a[A.speed], int(a[A.lag]), b_ref, rx, ry, last, 800.0,
                                   600.0) == (True, row[J.middle])


def _ring(commands):
    """A signature's ring of seen commands (label, max velocity, age) as run_command reads it."""
    seen = np.zeros((fk.SIG_RING, 3))
    for k, (label, mv, age) in enumerate(commands):
        seen[k] = (label, mv, age)
    return seen, float(len(commands))


def test_a_run_in_progress_takes_a_seen_command_that_gives_its_last_step():
    """A run from 3.4 to 4.4 px/turn (a full acceleration) is going to a max velocity above 4.4: of the commands
    seen with its signature (speeds rounded: 3 to 4), run_command draws only those that give 4.4 from 3.4 by the
    engine's rule -- never the 4.1 a run from 3.1 ended at, nor a reversal -- and both of those that do."""
    seen, n = _ring([(fk.GO_ON, 4.1, 3.0), (fk.GO_ON, 6.0, 5.0), (fk.REVERSE, 8.0, 1.0), (fk.GO_ON, 7.5, 2.0)])
    _seed(3)
    got = {fk.run_command(seen, n, 1.0, 3.4, 4.4) for _ in range(400)}
    assert got == {(1.0, 6.0, 5.0), (1.0, 7.5, 2.0)}
    # travelling the other way the same commands are mirrored
    assert {fk.run_command(seen, n, -1.0, -3.4, -4.4) for _ in range(400)} == {(-1.0, 6.0, 5.0), (-1.0, 7.5, 2.0)}


def test_a_run_that_just_reached_its_max_velocity_says_it_exactly():
    """A last step shorter than the acceleration (4.4 to 4.9) or the deceleration (6.0 to 4.5) ends at the max
    velocity itself: with no seen command giving it, run_command returns |v| the way the body goes."""
    seen, n = _ring([(fk.GO_ON, 6.0, 5.0), (fk.GO_ON, 7.5, 2.0)])
    _seed(4)
    assert fk.run_command(seen, n, 1.0, 4.4, 4.9)[:2] == (1.0, 4.9)
    assert fk.run_command(seen, n, 1.0, 6.0, 4.5)[:2] == (1.0, 4.5)
    assert fk.run_command(seen, n, -1.0, -4.4, -4.9)[:2] == (-1.0, 4.9)
    from sim.engine.physics import new_velocity
    for v_prev, v in ((4.4, 4.9), (6.0, 4.5), (-4.4, -4.9)):
        d, mv, _ = fk.run_command(seen, n, math.copysign(1.0, v), v_prev, v)
        assert new_velocity(v_prev, 1e6 * d, mv) == v
