"""The surfer's gun tracker (bots/movements/surf.py, est_track): each test can fail.

The engine is the judge: the headings the tracker allows a wave are compared with the bullets sample.VelociRobot
really fired, using only what the surfer recorded of each wave (its diagnostic rows: bearing, distance, the
enemy's body heading at tf - 1).
"""
import math

import numpy as np
import pytest

from bots.movements import surf as S
from sim.engine.battle import run_battle
from sim.engine.rules import Rules
from sim.waves.tracking import BC_FIRE, BC_HEADING, BC_OWNER, BC_ROUND, bullet_table
from tests.digests import battle_digest
from tests.test_surf import surf_memory, surf_params

SPEC = "lock+learned+surf:est_track=1"


def _candidate(rate):
    return int(np.flatnonzero(S.TRACK_RATES == rate)[0])


def _wave_memory(row):
    """A surfer memory whose first wave is the one of diagnostic row `row` (DIAG_WAVE fields)."""
    W = S.DIAG_WAVE
    m = np.zeros(S.SURF_MEM)
    wb = S.WAVES
    m[wb + S.W_ACTIVE] = 1.0
    m[wb + S.W_BEARING] = row[W.bearing]
    m[wb + S.W_LAT] = row[W.lat]
    m[wb + S.W_MEA] = row[W.mea]
    m[wb + S.W_DIST] = row[W.dist]
    m[wb + S.W_BODY] = row[W.body]
    return m, wb


@pytest.fixture(scope="module")
def veloci_battle():
    return run_battle([SPEC, "sample.VelociRobot"], Rules(rounds=6), seed=3, record=True, diagnostics=True,
                      keep_memory=True)


def test_with_the_rate_known_a_velocirobot_bullet_is_one_of_the_headings_the_tracker_allows(veloci_battle):
    """Law (the radar-gun that turns 15 deg/turn from its round-start alignment and fires as its sweep passes us):
    for nearly every VelociRobot bullet whose wave the surfer detected with the enemy's scan of tf - 1, the
    +15 candidate's window holds the bullet's heading to float precision, and it holds one or two headings
    (not a block); the -15 candidate's window (the other way round) misses far more of them."""
    res = veloci_battle
    d = res.diagnostics
    W = S.DIAG_WAVE
    rows = {(int(r[2]), int(r[4 + W.fire])): r[4:] for r in d[(d[:, 0] == 0) & (d[:, 1] == S.TK_SURF_WAVE)]}
    bt = bullet_table(res, np.unique(res.robots_trace[:, 0]).astype(np.int64))
    heads = np.empty(361)
    found, sizes, wrong_way = [], [], []
    for b in bt[bt[:, BC_OWNER] == 1]:
        v = rows.get((int(b[BC_ROUND]), int(b[BC_FIRE])))
        if v is None or math.isnan(v[W.body]):
            continue
        m, wb = _wave_memory(v)
        n = S.track_window(m, wb, _candidate(15.0), heads)
        err = min(abs(math.remainder(h - b[BC_HEADING], 2.0 * math.pi)) for h in heads[:n])
        found.append(err < 1e-9)
        sizes.append(n)
        n = S.track_window(m, wb, _candidate(-15.0), heads)
        wrong_way.append(min(abs(math.remainder(h - b[BC_HEADING], 2.0 * math.pi)) for h in heads[:n]) < 1e-9)
    assert len(found) > 50
    assert np.mean(found) > 0.98
    assert 1.0 <= np.mean(sizes) <= 2.0 and max(sizes) <= 3
    assert np.mean(wrong_way) < np.mean(found) - 0.3


def test_against_velocirobot_the_tracker_learns_its_rate_and_takes_the_weight(veloci_battle):
    """From the bullets it sees, the tracker's likeliest rate is +15 deg/turn and the ensemble gives it the weight."""
    m = surf_memory(veloci_battle.memory, 0, SPEC)
    p = surf_params(SPEC)
    assert S.TRACK_RATES[np.argmax(m[S.TSCORES:S.TSCORES + S.N_TRACK])] == 15.0
    w = np.empty(S.N_EST)
    S.ensemble_weights(p, m, w)
    assert w[S.EST_TRACK] > 0.9


@pytest.mark.parametrize("seed", range(5))
def test_the_tracker_density_sums_to_one_and_peaks_on_an_allowed_heading(seed):
    """Law: for random waves and candidate scores the tracker's density sums to 1 (the ensemble mixes densities),
    and with one candidate certain its largest bin lies within a bin of one of that candidate's headings (or
    it is uniform when none of them is on the grid)."""
    rng = np.random.default_rng(seed)
    p = surf_params(SPEC)
    heads = np.empty(361)
    for _ in range(40):
        m = np.zeros(S.SURF_MEM)
        wb = S.WAVES
        m[wb + S.W_BEARING] = rng.uniform(-math.pi, math.pi)
        m[wb + S.W_LAT] = rng.choice((-1.0, 1.0))
        m[wb + S.W_MEA] = S.classic_mea(S.bullet_speed(rng.uniform(0.1, 3.0)))
        m[wb + S.W_DIST] = rng.uniform(40.0, 900.0)
        m[wb + S.W_BODY] = rng.uniform(-math.pi, math.pi)
        m[S.TSCORES:S.TSCORES + S.N_TRACK] = rng.normal(0.0, 3.0, S.N_TRACK)
        dens = np.zeros(S.NBINS)
        S.track_density(p, m, wb, dens, 1.0)
        assert np.isclose(dens.sum(), 1.0)
        c = int(rng.integers(S.N_TRACK))
        m[S.TSCORES:S.TSCORES + S.N_TRACK] = -100.0
        m[S.TSCORES + c] = 0.0
        S._track_wave(p, m, wb)                       # the wave's stored density, as the ensemble reads it
        dens[:] = 0.0
        S.estimator_density(p, m, wb, S.EST_TRACK, dens)
        assert np.isclose(dens.sum(), 1.0)
        n = S.track_window(m, wb, c, heads)
        gfs = [math.remainder(h - m[wb + S.W_BEARING], 2.0 * math.pi) * m[wb + S.W_LAT] / m[wb + S.W_MEA]
               for h in heads[:n]]
        on_grid = [g for g in gfs if -1.0 <= g <= 1.0]
        if on_grid:
            peak = -1.0 + np.argmax(dens) * S.BIN_W
            assert min(abs(peak - g) for g in on_grid) <= S.BIN_W
        else:
            assert np.allclose(dens, 1.0 / S.NBINS)
    # no scan of tf - 1: uniform
    m[wb + S.W_BODY] = math.nan
    dens[:] = 0.0
    S.track_density(p, m, wb, dens, 1.0)
    assert np.allclose(dens, 1.0 / S.NBINS)


def test_score_track_prefers_the_sparsest_lattice_that_explains_a_bullet():
    """Occam's factor: a bullet on the +15 lattice, inside its window, credits +15 more than +5 (three times
    denser: two headings in its window) and far more than +7 (whose window holds the bullet but whose lattice
    of 1 deg spacing spreads its mass over ~20 headings); a rate whose lattice misses it gets TRACK_FLOOR."""
    m = np.zeros(S.SURF_MEM)
    wb = S.WAVES
    m[wb + S.W_BEARING] = 0.3
    m[wb + S.W_DIST] = 400.0
    m[wb + S.W_BODY] = 0.3 - 10.0 * S.DEG           # the bullet: body + 15 deg = 5 deg past our bearing
    S.score_track(m, wb, 0.3 + 5.0 * S.DEG)
    s = m[S.TSCORES:S.TSCORES + S.N_TRACK]
    assert s[_candidate(15.0)] > s[_candidate(5.0)] > s[_candidate(7.0)]
    assert s[_candidate(15.0)] == s.max()
    assert np.isclose(s[_candidate(4.0)], math.log(S.TRACK_FLOOR))   # multiples of 4 miss 15


# Digests of 5-round battles (robots_trace, round_stats, round_scores, round_turns) of `lock+learned+surf`, recorded
# with main at 566a70b, before the gun tracker existed: S.BEFORE_EIGHTH_ROUND must play that surfer exactly.
BEFORE_EIGHTH_ROUND_DIGESTS = {
    ("sample.VelociRobot", 2): "398ef1cf1c7579f6461ed07f62c22ff89466acbbba5461eb2d5c2497842ea4ec",
    ("sample.Crazy", 3): "089934cb47124604fd33a1048e43cf7de1c1fb62d30900692ea4da1b230572b7",
    ("lock+gf:power=3,energy_rule=0+orbit", 7): "1d52923d13af6cbdecaffc927f47c4c3b1f6a1806b2f938e0130c37d4b2db2b7",
}


@pytest.mark.parametrize("enemy,seed", list(BEFORE_EIGHTH_ROUND_DIGESTS))
def test_before_eighth_round_is_the_surfer_before_it(enemy, seed):
    old = run_battle([f"lock+learned+surf:{S.BEFORE_EIGHTH_ROUND}", enemy], Rules(rounds=5), seed=seed, record=True)
    assert battle_digest(old) == BEFORE_EIGHTH_ROUND_DIGESTS[(enemy, seed)]
    new = run_battle(["lock+learned+surf", enemy], Rules(rounds=5), seed=seed, record=True)
    assert battle_digest(new) != battle_digest(old)        # and the tracker does change the battle
