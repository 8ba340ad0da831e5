"""A wave gun replayed offline over recorded waves (`gfsim evaluate`, sim/experiments/evaluate.py).

The gun is the one that plays battles: its memory is laid out and initialised by
bots/guns/wave_memory.prepare_memory, it aims with wave_kernels.learning_aim (gf, knn,
learned) or aiming.predict (head-on, linear, circular), picks an aimer with
wave_kernels.best_aimer and learns with wave_kernels.learn_wave. Only the source of the waves
changes: instead of tracking its own waves turn by turn, it is handed the recorded ones of one
stream (one battle, one shooter) as a list of events in time order, each either

* EV_AIM: the wave is fired; every enabled aimer aims at it from the wave's own fire-time
  features (what the gun's query would be without its one-turn lag, bots/guns/wave_memory `lag`)
  and the gun's choice is written to `out_gf`; or
* EV_LEARN: the wave's label [gf_lo, gf_hi] is known (its front has passed the target); the gun
  scores its aimers' GFs on it (if it aimed at it) and learns it, as when a wave breaks in battle.

The caller orders the events (which label is known before which wave is fired); see
sim/experiments/evaluate.py.
"""
import numpy as np
from numba import njit

from bots.guns.aiming import predict
from bots.guns.wave_kernels import (N_AIMERS, A_HEADON, A_LINEAR, A_CIRCULAR, MAX_F, WH_USE, WH_KNN, WH_LEARNED,
                                    _model, best_aimer, classic_kind, learn_wave, learning_aim)
from sim.waves.gf import F_DID_HIT, F_DID_COLLIDE
from sim.engine.geometry import normal_relative_angle

NB = dict(cache=True, error_model="numpy")

EV_AIM, EV_LEARN = 0, 1


@njit(**NB)
def replay_stream(m, ev_kind, ev_row, feat, gf_lo, gf_hi, en, fire_x, fire_y, turn, power, bearing, lat, mea,
                  width, height, aim_gf, out_gf, out_aimer):
    """Play the events (ev_kind[e], ev_row[e]) of one stream through the gun whose memory is `m`.

    Per wave row i: feat[i] raw features (sim.waves.gf order), [gf_lo, gf_hi] its label, en[i] the
    target as an enemy record (bots/enemy.py: position, heading, velocity, turn rate, scan time) for
    the classic aimers, fire point, fire turn, power, direct bearing, lateral direction and classic MEA.
    Fills aim_gf[i, a] (every enabled aimer's GF), out_gf[i] (the GF the gun fires) and out_aimer[i]
    (the aimer it fires) for every aimed row; the others keep what the caller put there."""
    mb_knn = _model(m, WH_KNN)
    mb_learned = _model(m, WH_LEARNED)
    work = np.empty(MAX_F)
    no_bins = np.empty(0)
    aimed = np.zeros(feat.shape[0], dtype=np.bool_)
    q = np.empty(feat.shape[1])
    for e in range(ev_kind.shape[0]):
        i = ev_row[e]
        if ev_kind[e] == EV_AIM:
            q[:] = feat[i]
            q[F_DID_HIT] = 0.0        # the anti-surfer flags are set after fire time: 0 when the gun aims
            q[F_DID_COLLIDE] = 0.0
            for a in range(N_AIMERS):
                if m[WH_USE + a] == 0.0:
                    continue
                if a == A_HEADON or a == A_LINEAR or a == A_CIRCULAR:
                    angle, _, _ = predict(classic_kind(a), en[i], turn[i], fire_x[i], fire_y[i], power[i], width,
                                          height)
                    aim_gf[i, a] = normal_relative_angle(angle - bearing[i]) * lat[i] / mea[i]
                else:
                    aim_gf[i, a] = learning_aim(m, a, q, mb_knn, mb_learned, no_bins)
            best = best_aimer(m)
            out_gf[i] = aim_gf[i, best]
            out_aimer[i] = best
            aimed[i] = True
        else:
            learn_wave(m, feat[i], gf_lo[i], gf_hi[i], aim_gf[i], aimed[i], mb_knn, mb_learned, work)

