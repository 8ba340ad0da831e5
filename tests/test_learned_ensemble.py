"""The learned gun's estimator ensemble, fire gate and hold-fire rule (bots/ensemble.py, wave_kernels.py):
the weight law, the estimator that predicts the waves takes the weight and the aim, the hold-fire rule's
in-flight damage, determinism, and the switches off giving the gun as it was."""
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bots import layout
from bots.guns import wave_kernels as wg
from bots.ensemble import log_weights, score_update
from bots.guns.wave_memory import LEARNED_PARAMS, memory_size, prepare_memory
from bots.registry import parse_bot
from sim.engine.battle import run_battle
from sim.engine.physics import bullet_damage
from sim.engine.rules import Rules
from sim.engine.constants import N_EV

OFF = "est_sim=0,hold_fire=0,fire_gate=0"
CIRCLER = "lock+none+circle:velocity=8,turn=6"


def _gun_mem(result, spec, robot=0):
    return result.memory[robot, int(spec.params[layout.P.gun_mem]):]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.0, 5.0), min_size=2, max_size=6), st.data())
def test_weights_are_prior_times_exp_score_normalised(priors, data):
    n = len(priors)
    scores = np.array(data.draw(st.lists(st.floats(-50.0, 0.0), min_size=n, max_size=n)))
    priors = np.array(priors)
    if not (priors > 0).any():
        priors[0] = 1.0
    out = np.empty(n)
    log_weights(priors, scores, out)
    expect = np.where(priors > 0, priors * np.exp(scores - scores[priors > 0].max()), 0.0)
    np.testing.assert_allclose(out, expect / expect.sum(), rtol=1e-12, atol=1e-300)
    assert math.isclose(out.sum(), 1.0, rel_tol=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(1e-3, 0.5), st.floats(0.0, 1.0))
def test_a_wave_raises_the_score_of_the_estimator_that_gave_its_interval_more_mass(m1, m2, width, decay):
    """score = decay x score + log((1 - floor) mass + floor x uniform mass): monotone in the mass, and from equal
    scores the estimator that gave the interval more mass comes out ahead (its weight grows)."""
    s = np.array([-1.0, -1.0])
    score_update(s, np.array([m1, m2]), width, decay, 0.05)
    assert (s[0] > s[1]) == (m1 > m2) or m1 == m2 or abs(m1 - m2) < 1e-12
    w = np.empty(2)
    log_weights(np.ones(2), s, w)
    assert (w[0] >= w[1]) == (m1 >= m2) or abs(m1 - m2) < 1e-12


def test_the_estimator_that_predicts_the_waves_takes_the_weight_and_the_aim():
    """SpinBot drives circles, so circular aiming predicts it from the first wave, while the learned density
    starts from an empty store: after 3 rounds the circular estimator's score is the best and its weight nearly
    all, and the gun, firing at the mixture's argmax, hits more often than the learned density alone
    (est_sim=0: the classic estimators get no weight) and at least as often as the circular gun."""
    rate = {}
    for gun in ("circular", "learned:est_sim=0", "learned:est_sim=2"):
        spec = parse_bot(f"lock+{gun},power=3,energy_rule=0,hold_fire=0,fire_gate=0+still"
                         if gun.startswith("learned") else f"lock+{gun}:power=3,energy_rule=0+still")
        r = run_battle([spec, "sample.SpinBot"], Rules(rounds=3), seed=2, keep_memory=True)
        rate[gun] = r.round_stats[:, 0, 1].sum() / r.round_stats[:, 0, 0].sum()
        if gun.startswith("learned"):
            m = _gun_mem(r, spec)
            w = np.empty(wg.N_EST)
            wg.ensemble_weights(m, w)
            if gun.endswith("=2"):
                scores = m[wg.WH_EST_SCORE:wg.WH_EST_SCORE + wg.N_EST]
                assert scores.argmax() == wg.EST_CIRCULAR and w[wg.EST_CIRCULAR] > 0.9
            else:
                assert w[wg.EST_LEARNED] == 1.0
    assert rate["learned:est_sim=2"] > rate["learned:est_sim=0"]
    assert rate["learned:est_sim=2"] >= rate["circular"]


def _values(**kw):
    v = {p.name: p.default for p in LEARNED_PARAMS}
    v.update(kw)
    return v


def test_in_flight_damage_counts_real_bullets_before_they_reach_the_enemy():
    """hold_fire's sum: each real wave whose front will not reach the enemy's box next turn adds
    phit x bullet_damage(power); virtual waves and bullets at the enemy add nothing."""
    v = _values(max_points=300.0, hold_fire=1.0)
    m = np.zeros(memory_size("learned", v))
    for off, values in prepare_memory("learned", v):
        m[off:off + len(values)] = values
    st_row = np.zeros(64)
    en = np.zeros(64)
    from bots.enemy import EN_X, EN_Y
    from sim.engine.constants import ST_TIME
    st_row[ST_TIME] = 30.0
    en[EN_X], en[EN_Y] = 400.0, 300.0
    # (source x, fire turn, power, real, phit): distance 300 from (100, 300)
    waves = [(100.0, 20.0, 3.0, 1.0, 0.5),    # 11 turns x 11 = 121 px: in flight
             (100.0, 25.0, 1.0, 1.0, 0.25),   # 6 x 17 = 102 px: in flight
             (100.0, 28.0, 2.0, 0.0, 0.9),    # virtual
             (100.0, 5.0, 3.0, 1.0, 0.7)]     # 26 x 11 = 286 px: at the enemy's box
    m[wg.WH_WAVE_HEAD] = 3.0
    m[wg.WH_WAVE_N] = len(waves)
    for q, (sx, fire, power, real, phit) in enumerate(waves):
        row = wg._wave(m, (3 + q) % wg.WAVE_CAP)
        row[wg.W_SX], row[wg.W_SY], row[wg.W_FIRE], row[wg.W_POWER] = sx, 300.0, fire, power
        row[wg.W_SPEED], row[wg.W_REAL], row[wg.W_PHIT] = 20.0 - 3.0 * power, real, phit
    got = wg.in_flight_damage(m, st_row, en)
    assert math.isclose(got, 0.5 * bullet_damage(3.0) + 0.25 * bullet_damage(1.0))


def test_hold_fire_stops_the_shots_that_only_overkill_a_sitting_duck():
    """Against a robot that never moves, seven power-3 hits kill it and every aim hits: the bullets fired after
    the killing one are the only misses. hold_fire holds fire while the bullets in flight are expected to
    finish it, so it fires fewer of them (seeds 3, 4: 0.9 and 1.6 such bullets a round without, 0.6 and 0.9
    with) and never hits less."""
    for seed in (3, 4):
        shots, hits = {}, {}
        for hold in (0, 1):
            r = run_battle([f"lock+learned:power=3,energy_rule=0,fire_gate=0,hold_fire={hold}+still",
                            "sample.SittingDuck"], Rules(rounds=10), seed=seed)
            shots[hold], hits[hold] = r.round_stats[:, 0, 0].sum(), r.round_stats[:, 0, 1].sum()
        assert hits[0] == hits[1] == 70
        assert shots[1] < shots[0]


def test_switched_off_it_is_the_gun_it_was_and_on_it_is_deterministic():
    """est_sim = hold_fire = fire_gate = 0 aims exactly as the learned density's argmax alone: the same
    battle as hold_fire=1 with the bullets of its aims (hold only withholds shots, never moves an aim) up to
    the first hold; and the full ensemble plays the same battle twice from one seed."""
    a = run_battle([f"lock+learned:power=3,energy_rule=0,{OFF}+still", CIRCLER], Rules(rounds=2), seed=4,
                   record=True)
    b = run_battle(["lock+learned:power=3,energy_rule=0,est_sim=0,fire_gate=0,hold_fire=0.001+still", CIRCLER],
                   Rules(rounds=2), seed=4, record=True)
    assert np.array_equal(a.robots_trace, b.robots_trace) and np.array_equal(a.round_stats, b.round_stats)
    on = "lock+learned:power=3,energy_rule=0,est_sim=2,hold_fire=1,fire_gate=1+still"
    c = run_battle([on, CIRCLER], Rules(rounds=2), seed=4, record=True)
    d = run_battle([on, CIRCLER], Rules(rounds=2), seed=4, record=True)
    assert np.array_equal(c.robots_trace, d.robots_trace) and np.array_equal(c.round_stats, d.round_stats)
    assert not np.array_equal(a.round_stats, c.round_stats)


def _think_once(phits, powers, enemy_energy, hold):
    """One turn of the learned gun (wave_gun_think) with its aim from last turn ready, the gun cool and on
    target, and real bullets of the given hit probabilities and powers in flight (fired 5 turns ago from
    300 px away): returns the power it fires (0 = held)."""
    from bots.enemy import EN_ALIVE, EN_ENERGY, EN_TIME, EN_X, EN_Y, N_EN
    from bots.guns.learned import PART
    from bots.part import params_view
    from sim.engine.constants import (
        C_FIRE,
        N_CMD,
        N_ST,
        ST_COOLING,
        ST_ENERGY,
        ST_GUN,
        ST_HEIGHT,
        ST_OTHERS,
        ST_TIME,
        ST_WIDTH,
        ST_X,
        ST_Y,
    )
    v = {q.name: q.default for q in PART.params}
    v.update(max_points=300.0, hold_fire=hold, fire_gate=0.0, est_sim=0.0)
    m = np.zeros(memory_size("learned", v))
    for off, values in prepare_memory("learned", v):
        m[off:off + len(values)] = values
    p = params_view(v, PART)
    t = 30.0
    st_row = np.zeros(N_ST)
    st_row[ST_X], st_row[ST_Y], st_row[ST_TIME], st_row[ST_ENERGY] = 100.0, 300.0, t, 100.0
    st_row[ST_OTHERS], st_row[ST_WIDTH], st_row[ST_HEIGHT], st_row[ST_COOLING] = 1.0, 800.0, 600.0, 0.1
    st_row[ST_GUN] = math.pi / 2.0                      # pointing at the enemy, due east
    en = np.zeros(N_EN)
    en[EN_X], en[EN_Y], en[EN_TIME], en[EN_ENERGY], en[EN_ALIVE] = 400.0, 300.0, t, enemy_energy, 1.0
    cmd = np.zeros(N_CMD)
    wg.wave_gun_round_start(m)
    m[wg.WH_AIM_TIME], m[wg.WH_AIM_POWER], m[wg.WH_AIM_ANGLE] = t - 1.0, 3.0, math.pi / 2.0
    m[wg.WH_WAVE_N] = len(phits)
    for q, (phit, power) in enumerate(zip(phits, powers)):
        row = wg._wave(m, q)
        row[wg.W_SX], row[wg.W_SY], row[wg.W_FIRE], row[wg.W_POWER] = 100.0, 300.0, t - 5.0, power
        row[wg.W_SPEED], row[wg.W_REAL], row[wg.W_PHIT] = 20.0 - 3.0 * power, 1.0, phit
        row[wg.W_SIN], row[wg.W_COS], row[wg.W_LAT], row[wg.W_MEA] = 1.0, 0.0, 1.0, 0.8
    wg.wave_gun_think(p, m, st_row, cmd, en, np.zeros(0), np.zeros((0, N_EV)), 0)
    return cmd[C_FIRE]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 1.0), st.floats(0.1, 3.0)), max_size=4), st.floats(0.5, 60.0),
       st.sampled_from([0.0, 0.5, 1.0, 2.0]))
def test_hold_fire_never_fires_while_the_bullets_in_flight_cover_the_enemy(bullets, energy, hold):
    """The rule itself, in the compiled gun: with hold_fire > 0 it fires exactly when the expected damage in
    flight (sum of phit x bullet_damage(power)) is 0 or hold_fire x that is under the enemy's energy; with
    hold_fire = 0 it always fires."""
    phits = [b[0] for b in bullets]
    powers = [b[1] for b in bullets]
    due = sum(ph * bullet_damage(pw) for ph, pw in bullets)
    fired = _think_once(phits, powers, energy, hold)
    covered = hold > 0.0 and due > 0.0 and hold * due >= energy
    assert (fired > 0.0) == (not covered)


def test_box_cdf_grid_equals_the_kernel_cdf_at_every_grid_point():
    """The learned gun's fast CDF (a running sum over box edges) is the direct sum of box CDFs, including boxes
    with an edge exactly on a grid point and boxes reaching past the domain."""
    from bots.guns import wave_kernels as W
    rng = np.random.default_rng(7)
    worst = 0.0
    for trial in range(500):
        k = int(rng.integers(3, 120))
        xc = rng.uniform(-1.3, 1.3, k)
        hw = rng.uniform(0.003, 0.4, k)
        wt = rng.random(k)
        wt /= wt.sum()
        if trial % 5 == 0:
            xc[:3] = np.array([-1.0, 0.5, 1.0]) - hw[:3]   # lower edges on grid points
        out = np.empty(W.N_CDF)
        W.box_cdf_grid(xc, hw, wt, k, -1.0, 1.0, out)
        ref = np.array([W.kernel_cdf(W.KERNEL_BOX, xc, hw, wt, k, 0.1, -1.0 + 2.0 * i / (W.N_CDF - 1))
                        for i in range(W.N_CDF)])
        worst = max(worst, float(np.abs(out - ref).max()))
        assert np.all(np.diff(out) >= -1e-15)
    assert worst < 1e-12
