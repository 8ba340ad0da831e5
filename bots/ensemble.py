"""Estimator ensembles scored by the BeepBoop loss: the weight law, shared so any part can use it.

Several estimators each give a density over guess factors for a wave. When the wave breaks and its exact hit
interval [gf_lo, gf_hi] is known, each estimator's rolling log-score becomes

    S_e <- decay * S_e + log((1 - floor) * mass_e + floor * (gf_hi - gf_lo) / domain width)

(mass_e = the mass estimator e gave the interval: the likelihood BeepBoop's loss maximises, with a uniform
floor so one miss cannot zero an estimator), and its weight is prior_e * exp(S_e), normalised. The estimator
that predicts the waves takes over within a few dozen waves; the decay lets a change of behaviour win it back.

Both ensembles use it: the learned gun's (bots/guns/wave_kernels.py, est_sim > 0) for both kernels, and the
surfer's danger ensemble (bots/movements/surf.py) for the weights. The surfer scores a bullet seen, not an interval:
its score is the log of the mass around the bullet's guess factor with a hard floor (SCORE_FLOOR) instead of
score_update's uniform mix, kept as it was measured.
"""
import math

from numba import njit

NB = dict(cache=True, error_model="numpy")


@njit(**NB)
def log_weights(priors, scores, out):
    """out_e = priors_e * exp(scores_e) normalised to sum 1 (shifted by the best score of a positive prior for
    stability; estimators with prior 0 get weight 0)."""
    top = -math.inf
    for e in range(priors.shape[0]):
        if priors[e] > 0.0:
            top = max(top, scores[e])
    tot = 0.0
    for e in range(priors.shape[0]):
        out[e] = priors[e] * math.exp(scores[e] - top) if priors[e] > 0.0 else 0.0
        tot += out[e]
    for e in range(priors.shape[0]):
        out[e] /= tot


@njit(**NB)
def score_update(scores, mass, uniform_mass, decay, floor):
    """One broken wave: scores_e = decay * scores_e + log((1 - floor) * mass_e + floor * uniform_mass), where
    mass_e is the mass estimator e gave the wave's hit interval and uniform_mass the interval's share of the
    domain (what a uniform density gives it)."""
    for e in range(scores.shape[0]):
        scores[e] = decay * scores[e] + math.log(max((1.0 - floor) * mass[e] + floor * uniform_mass, 1e-300))
