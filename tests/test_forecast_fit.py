"""The continuous hazard in the play-it-forward kernels (bots/guns/forecast_kernels.py, issue 17): its
probabilities are the softmax of its hat-function weights, the futures draw their commands with the probabilities
the members are scored with, and a member's score over a battle is the sum of its log-probabilities."""
import math
import os
import sys

import numpy as np

from bots.guns import forecast_kernels as fk

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
import play_forward as pf  # noqa: E402

WIDTH, HEIGHT = 800.0, 600.0


def _fit(label_w, speed_w):
    """A HazardFit on one block: hat functions of the command's age at knots 0, 10, 20."""
    return fk.HazardFit(np.asarray(label_w, dtype=float), np.asarray(speed_w, dtype=float),
                        np.array([[0, -1]]), np.array([[0, 0]]), np.array([[3, 0]]), np.array([1]),
                        np.array([0.0, 10.0, 20.0]))


def _random_fit(members, seed):
    rng = np.random.default_rng(seed)
    return _fit(rng.normal(0.0, 1.0, (members, 3, 4, 3)), rng.normal(0.0, 1.0, (members, 2, 4, 2)))


def test_probabilities_are_the_softmax_of_bias_plus_hat_weights():
    """At age 5 the basis is the bias, half of the knot-0 hat and half of the knot-10 one; the label's and the
    speed change's probabilities are the softmax of those weighted logits (computed here in numpy)."""
    fit = _random_fit(2, 1)
    scratch = fk.fit_scratch(fit)
    probs, change = np.empty(3), np.empty(2)
    for member in range(2):
        for prev in range(3):
            fk.fit_probs(fit, member, prev, 5.0, 3.0, 8.0, 400.0, 300.0, 0.5, 1.0, 100.0, 100.0, WIDTH, HEIGHT,
                         scratch, probs, change)
            z = fit.label_w[member, prev, 0] + 0.5 * fit.label_w[member, prev, 1] + 0.5 * fit.label_w[member, prev, 2]
            want = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
            assert np.allclose(probs, want, rtol=1e-12, atol=0.0)
        for g in range(2):
            z = fit.speed_w[member, g, 0] + 0.5 * fit.speed_w[member, g, 1] + 0.5 * fit.speed_w[member, g, 2]
            assert math.isclose(change[g], 1.0 / (1.0 + math.exp(z[0] - z[1])), rel_tol=1e-12)
    fk.fit_probs(fit, 0, 0, 99.0, 3.0, 8.0, 400.0, 300.0, 0.5, 1.0, 100.0, 100.0, WIDTH, HEIGHT, scratch, probs,
                 change)                                               # past the last knot: clamped to it
    z = fit.label_w[0, 0, 0] + fit.label_w[0, 0, 3]
    assert np.allclose(probs, np.exp(z - z.max()) / np.exp(z - z.max()).sum(), rtol=1e-12, atol=0.0)


def test_the_futures_draw_commands_with_the_probabilities_they_are_scored_with():
    """fit_command's draws (label, max-velocity change) from a fixed state have the frequencies exp(fit_log_prob)
    says, within 4 standard errors over 20,000 draws."""
    fit = _random_fit(1, 2)
    scratch = fk.fit_scratch(fit)
    probs, change = np.empty(3), np.empty(2)
    ring = np.full(fk.RING, 5.0)
    ring_n = np.array([fk.RING, fk.RING], dtype=float)
    travel, d, mv, age = 1.0, 1.0, 8.0, 7.0
    args = (3.0, 8.0, 400.0, 300.0, 0.5, 100.0, 100.0, WIDTH, HEIGHT)
    np.random.seed(5)
    n = 20000
    seen = {}
    for _ in range(n):
        nd, nmv, _ = fk.fit_command(fit, 0, ring, ring, ring_n, d, mv, age, travel, *args, scratch, probs, change)
        seen[(nd, nmv)] = seen.get((nd, nmv), 0) + 1
    for (nd, nmv), count in seen.items():
        p = math.exp(fk.fit_log_prob(fit, 0, d, mv, nd, nmv, travel, age, 3.0, 8.0, 400.0, 300.0, 0.5, 100.0, 100.0,
                                     WIDTH, HEIGHT, scratch, probs, change))
        assert abs(count / n - p) < 4.0 * math.sqrt(p * (1.0 - p) / n) + 1e-12, (nd, nmv, count / n, p)
    assert len(seen) == 5          # go on or reverse, each at 8 or changed to 5; or stop


def test_a_members_score_is_the_sum_of_its_log_probabilities_over_the_battle():
    """play_forward_battle with a fit: each corpus member's log-likelihood is fit_log_prob summed over the
    transitions the tables learn (battle_transitions' rows); the battle's own member keeps its tables' prequential
    score, the same as without a fit."""
    from sim.engine.rules import Rules
    _, _, r1, r0, fired, live, _ = pf.recorded_battle("lock+none+stopgo:flip=0.5", 3, Rules(rounds=2))
    rnd, x, y, h, v = r1[:, 0].astype(np.int64), r1[:, 3], r1[:, 4], r1[:, 5], r1[:, 8]
    sx, sy = r0[:, 3], r0[:, 4]
    fit = _random_fit(2, 3)

    def run(f):
        tables = pf.member_tables(pf.empty_tables(2))      # two (empty) corpus members and the own
        return pf.play_forward_battle(rnd, x, y, h, v, fired, live, sx, sy, np.zeros(0, dtype=np.int64), np.zeros(0),
                                      4, 500, WIDTH, HEIGHT, 0, np.array(pf.DEFAULT_CAP),
                                      pf.weights(pf.DEFAULT_HEADING_SCALE), 4, pf.weights(pf.DEFAULT_VELOCITY_SCALE),
                                      4, True, pf.DEFAULT_PRIOR, 0, *tables, 0, f, False)[2]
    with_fit, without = run(fit), run(fk.no_fit())
    assert with_fit[2] == without[2] and without[2] < 0.0
    since_fire, travel, cmd_dir, cmd_vel, age, rows = pf.battle_transitions(rnd, v, fired, live)
    scratch = fk.fit_scratch(fit)
    probs, change = np.empty(3), np.empty(2)
    for member in range(2):
        want = sum(fk.fit_log_prob(fit, member, cmd_dir[j - 1], cmd_vel[j - 1], cmd_dir[j], cmd_vel[j], travel[j],
                                   age[j], since_fire[j], travel[j] * v[j], x[j], y[j], h[j], sx[j], sy[j], WIDTH,
                                   HEIGHT, scratch, probs, change) for j in rows)
        assert math.isclose(with_fit[member], want, rel_tol=1e-9), (member, with_fit[member], want)
    assert with_fit[0] != with_fit[1]


def test_the_probe_refuses_a_fit_of_other_members_or_without_a_corpus(tmp_path, capsys):
    """--hazard-fit needs --corpus, and the fit's members must be the corpus's, in its order: one line, exit 2."""
    from bots.guns import forecast as fg
    from bots.guns.forecast_corpus import FIT_KEYS
    corpus, fit = fg.corpus_path(""), fg.fit_path({})
    assert pf.main(["orbit", "--hazard-fit", fit, "--seeds", "0"]) == 2
    with np.load(fit) as z:
        arrays = {k: z[k] for k in FIT_KEYS}
    arrays["names"] = arrays["names"][::-1]
    np.savez(tmp_path / "other.npz", **arrays)
    assert pf.main(["orbit", "--corpus", corpus, "--hazard-fit", str(tmp_path / "other.npz"), "--seeds", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "needs --corpus" in err[0] and "are not --corpus's" in err[1], err
