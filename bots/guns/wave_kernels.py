"""Wave guns: guess-factor statistics, k nearest neighbours, the learned (BeepBoop-style) gun, virtual guns.

These guns learn during the battle from their own waves, labelled exactly as
`gfsim collect` labels them (sim/waves/tracking.py): every turn the gun sends a wave
(virtual, or real when it fires) from its position at the end of the turn; the
enemy's scanned positions are kept turn by turn, and once a wave's front has
passed the enemy's whole 36x36 box its precise-intersection interval
[gf_lo, gf_hi] is computed with the same kernel (sim.waves.gf.track_wave_sc) and the
wave's fire-time features with sim.waves.gf.wave_features. Then each aimer learns:

* ``gf`` (visit counts): segments by distance, |lateral velocity| and
  acceleration; each label adds 1 to the bins inside [gf_lo, gf_hi] and
  1 / (1 + (d / smoothing)^2) to a bin d bins away from it, as a rolling
  average of depth `rolling`; it fires at the most visited bin.
* ``knn`` (dynamic clustering): stores the wave (fixed, documented feature
  weights), takes the k nearest stored waves (L1), and fires at the argmax of
  a Gaussian KDE over their interval centres.
* ``learned``: the model `gfsim train` fits (learning/model.py): per-feature
  embedding e = a (1e-4 + b + n)^c, L1 distance, softmax(scale * distance)
  over the k nearest of at most `max_points` stored waves (oldest dropped), a
  box kernel over each neighbour's own [gf_lo, gf_hi]; it fires at the exact
  argmax of the density (a sweep over the sorted box edges). By default it mixes head-on, linear and
  circular aiming into that density, weighted by the BeepBoop loss of the waves each predicted
  (est_sim, bots/ensemble.py), holds fire while its bullets in flight are expected to finish the
  enemy (hold_fire) and holds shots far less likely to hit than its usual (fire_gate).
* ``virtual``: runs several aimers at once; each aimed shot is scored against
  the label of the wave the bullet rides, and the gun fires the aimer with the
  best virtual hit rate so far ((hits + 1) / (shots + 2), ties to the first).

Timing (see bots/guns/aiming.py): an aim computed at turn t turns the gun in turn t+1,
is fired at t+1 and rides the wave created at t+1. Aiming is the expensive part,
so it happens only when the gun will be cool at t+1; otherwise the gun just
follows the enemy's bearing.

Neighbour search is a brute-force scan over feature-major float32 columns (the
compiled hot path: LLVM vectorises the per-feature |q - x| accumulation, and
a scan of 50,000 waves x 18 features takes ~0.15 ms), followed by a k-heap (~0.1 ms);
with one query every ~10-16 turns that is cheaper to keep than a kd-tree,
which at 18 dimensions prunes little and must be rebuilt as waves arrive.

Memory: all state lives in the part's float64 memory; `prepare` (Python) lays it
out and writes the settings and offsets into the header (WH_*), so the compiled
code reads everything from there. The stores survive rounds (battle-long
learning); history and pending waves are per round.
"""
import math

import numpy as np
from numba import njit

from sim.engine.constants import (I64, ST_X, ST_Y, ST_HEADING, ST_GUN, ST_VEL, ST_ENERGY, ST_HEAT, ST_TIME, ST_OTHERS,
                           ST_WIDTH, ST_HEIGHT, ST_COOLING, ST_ROUND, C_GUN, HALF_ROBOT, MIN_BULLET_POWER, E_TYPE, E_A,
                           EV_BULLET_HIT, EV_BULLET_HIT_BULLET)
from sim.engine.geometry import normal_relative_angle
from sim.waves.gf import (N_FEAT, N_BASE_FEAT, N_COUNTERS, MAX_PARTS, MAX_CAND, F_DISTANCE, F_LAT_VEL, F_ACCEL,
                    F_WALL_AHEAD, F_DIR_CHANGE_REL, BOX_REACH, F_DID_HIT, F_DID_COLLIDE, FLAG_TURNS, HC_MOVE_DIR, bullet_speed,
                    classic_mea, escape_circle_mea, lateral_sign, track_wave_sc, wave_features, ext_features,
                    counters_step, VIRTUALITY_CAP)
from sim.engine.physics import bullet_damage
from bots.api import set_turn_gun, set_fire
from bots.ensemble import log_weights, score_update
from bots.guns.aiming import (AIM_HEADON, AIM_LINEAR, AIM_CIRCULAR, GP_POWER, GP_MAX_AGE, GP_TOLERANCE, gun_power,
                              on_its_way, predict)
from bots.enemy import EN_TIME, EN_X, EN_Y, EN_HEADING, EN_VEL, EN_ENERGY, EN_ALIVE
from bots.part import layout
from bots.telemetry import tele_row, tele_normalise, TK_AIM, TELE_BINS

NB = dict(cache=True, error_model="numpy")

# the learned gun's estimators (its ensemble, when est_sim > 0): its own density and the three classic aims
EST_LEARNED, EST_HEADON, EST_LINEAR, EST_CIRCULAR = range(4)
N_EST = 4
EST_FLOOR = 0.05     # each estimator's density is mixed with this much uniform when scored (as the surfer's)
N_CDF = 81           # points of the learned density's CDF kept per aimed wave, over the model's GF domain

# aimers, in the order the virtual gun lists them
A_HEADON, A_LINEAR, A_CIRCULAR, A_GF, A_KNN, A_LEARNED = range(6)
N_AIMERS = 6
AIMER_NAMES = ("headon", "linear", "circular", "gf", "knn", "learned")

HIST_CAP = 8192      # turns per round the gun remembers (later turns of a longer round make no waves)
WAVE_CAP = 256       # waves in flight at once (one per turn; a wave lives at most ~110 turns on 800x600)
MAX_F = 32           # features a neighbour model may use
MAX_K = 256          # neighbours at most
GF_SCAN_BINS = 101   # resolution of the k-NN gun's KDE argmax

# --- header (part memory slots), declared by name and size: offsets computed (bots/part.py layout) ---------
WH = layout(
    "WaveGunHeader",
    hist=1, waves=1, gf=1, knn=1, learned=1, scratch=1,   # block offsets (0 = absent)
    anti=1,            # the learned gun's anti-surfer model block (0 = absent; it learns every wave learned does)
    use=N_AIMERS,                                         # use + a: aimer a enabled
    gf_dseg=1, gf_lseg=1, gf_aseg=1, gf_wseg=1, gf_tseg=1, gf_bins=1, gf_smooth=1, gf_roll=1, gf_maxd=1,
    need_features=1,
    lag=1,             # 1 = learn each label with the features the gun aimed with (one turn earlier)
    preaim=1,          # aim (and turn the gun) from this many turns before the gun is cool (1 = the last turn)
    need_ext=1,        # 1 = compute the schema-2/3 features (sim.waves.gf.ext_features): a model uses one
    # the learned gun's estimator ensemble and hold-fire rule (bots/guns/wave_memory.py LEARNED_PARAMS; 0 = off)
    est_sim=1, est_bandwidth=1, est_decay=1, hold_fire=1, fire_gate=1, gate_band=1,
    anti_band=1,       # aim with the anti-surfer model while the hit rate's band reaches down to this (0 = off)
    bullets=1,         # block offset of the round's bullet log (0 = absent: no model reads did_hit / did_collide)
    # per round
    round_bullets=1,   # real bullets fired this round: the engine's bullet ids are 1, 2, ... per robot and round
    hist_n=1, lat_prev=1, wave_head=1, wave_n=1, aim_time=1, aim_power=1, aim_angle=1, aim_aimer=1,
    prev_sx=1, prev_sy=1, prev_sin=1, prev_cos=1, prev_mea=1,   # the last real bullet's wave (prev_mea 0: none)
    # per battle
    shots=1, last_power=1, last_fire=1, waves_labelled=1,
    aim_angles=N_AIMERS,   # + a: aimer a's angle of the last aim
    vhits=N_AIMERS,        # + a: virtual hits
    vshots=N_AIMERS,       # + a: virtual shots scored
    fired=N_AIMERS,        # + a: real shots fired by aimer a
    est_score=N_EST,       # + e: estimator e's rolling log-score (EST_*: learned, head-on, linear, circular)
    aim_phit=1,            # the last aim's hit probability under the gun's density (its mass over the target)
    aim_half=1,            # the last aim's classic-estimator box half-width (guess factors)
    phit_mean=1, phit_n=1,  # running mean of the aims' hit probabilities (fire_gate), and how many it holds
    real_shots=1, real_hits=1,   # per battle: aimed real bullets whose wave broke, and those whose aim was inside
    aim_cdf=N_CDF,         # the last aim's learned density as a CDF on the CDF grid (scored when its wave breaks)
    aim_dom=2,             # the GF domain (lo, hi) of that grid: the domain of the model that aimed
    anti_aims=1, main_aims=1,   # per battle: the learned gun's aims made with the anti-surfer / the main model
)
(WH_HIST, WH_WAVES, WH_GF, WH_SCRATCH, WH_USE) = (WH.hist, WH.waves, WH.gf, WH.scratch, WH.use)
WH_KNN, WH_LEARNED, WH_ANTI = I64(WH.knn), I64(WH.learned), I64(WH.anti)   # typed (passed to _model): sim/engine/constants.I64 says why
(WH_GF_DSEG, WH_GF_LSEG, WH_GF_ASEG, WH_GF_WSEG, WH_GF_TSEG, WH_GF_BINS, WH_GF_SMOOTH, WH_GF_ROLL,
 WH_GF_MAXD) = (WH.gf_dseg, WH.gf_lseg, WH.gf_aseg, WH.gf_wseg, WH.gf_tseg, WH.gf_bins, WH.gf_smooth, WH.gf_roll,
                WH.gf_maxd)
WH_NEED_FEATURES, WH_LAG, WH_PREAIM, WH_NEED_EXT = WH.need_features, WH.lag, WH.preaim, WH.need_ext
WH_PREV_SX, WH_PREV_SY, WH_PREV_SIN, WH_PREV_COS, WH_PREV_MEA = WH.prev_sx, WH.prev_sy, WH.prev_sin, WH.prev_cos, WH.prev_mea
(WH_HIST_N, WH_LAT_PREV, WH_WAVE_HEAD, WH_WAVE_N, WH_AIM_TIME, WH_AIM_POWER, WH_AIM_ANGLE,
 WH_AIM_AIMER) = (WH.hist_n, WH.lat_prev, WH.wave_head, WH.wave_n, WH.aim_time, WH.aim_power, WH.aim_angle,
                  WH.aim_aimer)
WH_SHOTS, WH_LAST_POWER, WH_LAST_FIRE, WH_WAVES_LABELLED = WH.shots, WH.last_power, WH.last_fire, WH.waves_labelled
WH_AIM_ANGLES, WH_VHITS, WH_VSHOTS, WH_FIRED = WH.aim_angles, WH.vhits, WH.vshots, WH.fired
WH_EST_SIM, WH_EST_BW, WH_EST_DECAY, WH_HOLD = WH.est_sim, WH.est_bandwidth, WH.est_decay, WH.hold_fire
WH_EST_SCORE, WH_AIM_PHIT, WH_AIM_CDF, WH_AIM_HALF = WH.est_score, WH.aim_phit, WH.aim_cdf, WH.aim_half
WH_GATE, WH_PHIT_MEAN, WH_PHIT_N = WH.fire_gate, WH.phit_mean, WH.phit_n
WH_GATE_BAND, WH_REAL_SHOTS, WH_REAL_HITS = WH.gate_band, WH.real_shots, WH.real_hits
WH_ANTI_BAND, WH_ANTI_AIMS, WH_MAIN_AIMS, WH_AIM_DOM = WH.anti_band, WH.anti_aims, WH.main_aims, WH.aim_dom
WH_BULLETS, WH_ROUND_BULLETS = WH.bullets, WH.round_bullets
# the bullet log: fire turn of the round's bullet with id k at slot k - 1 (later bullets of a longer round set no
# flags); a round of HIST_CAP turns holds at most ~HIST_CAP / 11 bullets (gun heat >= 1.02, cooling <= 0.1). A
# setFire that returned a power makes the engine's next bullet (the same checks, bots/api.set_fire), so the k-th
# fired is id k -- unless the engine's bullet table (MAX_BULLETS in flight) is full, which no 1v1 battle reaches
BULLET_LOG_CAP = 1024
GATE_MIN_SHOTS = 10.0   # real bullets scored before gate_band trusts the gun's hit rate
PHIT_WINDOW = 100.0   # the running mean of fire_gate weighs the last ~this many aims
HEADER = WH.size

# --- wave rows ---------------------------------------------------------------------------------
W = layout("WaveRow", fire=1, sx=1, sy=1, bearing=1, sin=1, cos=1, speed=1, power=1, lat=1, mea=1, real=1, aimed=1,
           aim_gf=N_AIMERS,   # + a: aimer a's GF on this wave (when aimed)
           feat=N_FEAT,
           lfeat=N_FEAT,      # the features the gun had when it aimed for this wave: the previous wave's
           phit=1,            # the aim's hit probability (hold_fire: a real bullet's expected damage)
           est_half=1,        # the classic estimators' box half-width of the aim
           lcdf=N_CDF,        # the learned density's CDF of the aim (est_sim: scores the learned estimator)
           ldom=2)            # the GF domain (lo, hi) that CDF is on (the main or the anti-surfer model's)
(W_FIRE, W_SX, W_SY, W_BEARING, W_SIN, W_COS, W_SPEED, W_POWER, W_LAT, W_MEA, W_REAL, W_AIMED) = W[:12]
W_AIM_GF, W_FEAT, W_LFEAT, W_PHIT, W_LCDF, W_STRIDE = W.aim_gf, W.feat, W.lfeat, W.phit, W.lcdf, W.size
W_EST_HALF, W_LDOM = W.est_half, W.ldom

# --- history columns (each HIST_CAP long), then the counters (HIST_CAP, N_COUNTERS) ---------------
H = layout("HistoryColumns", x=1, y=1, heading=1, vel=1, energy=1, alive=1)
# typed constants (passed to _hist): sim/engine/constants.I64 says why
H_X, H_Y, H_HEADING, H_VEL, H_ENERGY, H_ALIVE = (I64(c) for c in H[:6])
N_HIST_COLS = H.size
HIST_SIZE = HIST_CAP * (N_HIST_COLS + N_COUNTERS)

# --- neighbour model block (k-NN and learned): settings, then the store ------------------------------
MH = layout("NeighbourModelHeader", nf=1, scale=1, max_nb=1, min_nb=1, divider=1, cap=1, min_hw=1, dom_lo=1,
            dom_hi=1, kernel=1, bw=1, n=1, head=1,
            idx=MAX_F, abs=MAX_F, nlo=MAX_F, nhi=MAX_F, a=MAX_F, b=MAX_F, c=MAX_F)   # per feature
(MH_NF, MH_SCALE, MH_MAX_NB, MH_MIN_NB, MH_DIVIDER, MH_CAP, MH_MIN_HW, MH_DOM_LO, MH_DOM_HI, MH_KERNEL, MH_BW,
 MH_N, MH_HEAD) = MH[:13]
MH_IDX, MH_ABS, MH_NLO, MH_NHI, MH_A, MH_B, MH_C = MH.idx, MH.abs, MH.nlo, MH.nhi, MH.a, MH.b, MH.c
MH_STORE = MH.size
# neighbour kernels (a model's `kernel`, learning/model.py): box = 1/(2w) over each neighbour's interval
# (a density), gauss/laplace centred on the interval's centre with bandwidth MH_BW, indicator = 1 over the
# interval (heights, not a density: its argmax is the GF inside the most neighbours' hit intervals, weighted)
KERNEL_BOX, KERNEL_GAUSS, KERNEL_LAPLACE, KERNEL_INDICATOR = 0, 1, 2, 3
SHIFT = 1e-4


def scratch_size(cap):
    """float64 slots of the aimers' scratch space (see neighbour_aim) for stores of up to `cap` waves."""
    return MAX_F + 8 * MAX_K + GF_SCAN_BINS + cap


# ---------------------------------------------------------------------------------------------------------
# small compiled pieces

@njit(**NB)
def _hist(m, col):
    o = int(m[WH_HIST]) + col * HIST_CAP
    return m[o:o + HIST_CAP]


@njit(**NB)
def _counters(m):
    o = int(m[WH_HIST]) + N_HIST_COLS * HIST_CAP
    return m[o:o + HIST_CAP * N_COUNTERS].reshape(HIST_CAP, N_COUNTERS)


@njit(**NB)
def _wave(m, k):
    o = int(m[WH_WAVES]) + k * W_STRIDE
    return m[o:o + W_STRIDE]


@njit(**NB)
def _store_cols(mb):
    """(E float32 (nf, cap) feature-major, lo (cap,), hi (cap,)) of a neighbour model block."""
    nf = int(mb[MH_NF])
    cap = int(mb[MH_CAP])
    ne = (nf * cap + 1) // 2 + 1
    E = mb[MH_STORE:MH_STORE + ne].view(np.float32)[:nf * cap].reshape(nf, cap)
    lo = mb[MH_STORE + ne:MH_STORE + ne + cap]
    hi = mb[MH_STORE + ne + cap:MH_STORE + ne + 2 * cap]
    return E, lo, hi


@njit(**NB)
def embed(mb, raw, out):
    """The model's embedding of one wave's raw features: e_f = a (1e-4 + b + clip(norm(x))) ^ c."""
    nf = int(mb[MH_NF])
    for f in range(nf):
        x = raw[int(mb[MH_IDX + f])]
        if mb[MH_ABS + f] != 0.0:
            x = abs(x)
        lo = mb[MH_NLO + f]
        n = min(1.0, max(0.0, (x - lo) / (mb[MH_NHI + f] - lo)))
        c = mb[MH_C + f]
        u = SHIFT + mb[MH_B + f] + n
        out[f] = mb[MH_A + f] * (u if c == 1.0 else u ** c)


@njit(**NB)
def store_add(mb, raw, gf_lo, gf_hi, work):
    """Add a labelled wave (oldest dropped once the store is full)."""
    E, lo, hi = _store_cols(mb)
    cap = int(mb[MH_CAP])
    nf = int(mb[MH_NF])
    embed(mb, raw, work)
    i = int(mb[MH_HEAD])
    for f in range(nf):
        E[f, i] = work[f]
    lo[i] = gf_lo
    hi[i] = gf_hi
    mb[MH_HEAD] = (i + 1) % cap
    mb[MH_N] = min(cap, mb[MH_N] + 1.0)


@njit(**NB)
def neighbour_count(mb):
    n = int(mb[MH_N])
    k = min(int(mb[MH_MAX_NB]), max(int(mb[MH_MIN_NB]), int(math.floor(n / mb[MH_DIVIDER]))), n)
    return min(k, MAX_K)


@njit(**NB)
def nearest(mb, q, dist, k, nb_idx, nb_dist):
    """The k stored waves nearest to the embedded query q (L1); fills nb_idx/nb_dist[:k] (unordered).

    Brute force on purpose (see the module docstring): distances accumulate feature by feature over
    contiguous float32 columns, then a max-heap keeps the k smallest."""
    E, lo, hi = _store_cols(mb)
    n = int(mb[MH_N])
    nf = int(mb[MH_NF])
    d = dist.view(np.float32)[:n]     # float32 like the columns: half the memory traffic of float64
    d[:] = 0.0
    for f in range(nf):
        qf = np.float32(q[f])
        col = E[f]
        for i in range(n):
            d[i] += abs(qf - col[i])
    # max-heap of the k smallest
    size = 0
    for i in range(n):
        di = float(d[i])
        if size < k:
            c = size
            size += 1
            while c > 0:
                p = (c - 1) // 2
                if nb_dist[p] >= di:
                    break
                nb_dist[c] = nb_dist[p]
                nb_idx[c] = nb_idx[p]
                c = p
            nb_dist[c] = di
            nb_idx[c] = i
        elif di < nb_dist[0]:
            c = 0
            while True:
                l = 2 * c + 1
                if l >= size:
                    break
                r = l + 1
                big = r if r < size and nb_dist[r] > nb_dist[l] else l
                if nb_dist[big] <= di:
                    break
                nb_dist[c] = nb_dist[big]
                nb_idx[c] = nb_idx[big]
                c = big
            nb_dist[c] = di
            nb_idx[c] = i
    return size


@njit(**NB)
def box_density_argmax(xc, hw, weight, k, dom_lo, dom_hi, edges, order):
    """Exact argmax of sum_j weight_j / (2 hw_j) 1[|x - xc_j| <= hw_j] on [dom_lo, dom_hi]: a sweep
    over the sorted box edges (the density is piecewise constant). Returns the middle of the first
    best piece (dom centre when k = 0), or an edge point when one beats every piece: the boxes are
    closed, so where one box ends exactly where another begins (or where boxes only touch the domain's
    end) that single point counts them both."""
    if k == 0:
        return 0.5 * (dom_lo + dom_hi)
    ne = 0
    for j in range(k):
        if xc[j] + hw[j] < dom_lo or xc[j] - hw[j] > dom_hi:
            continue   # clipped, it would become a point it does not contain
        h = weight[j] / (2.0 * hw[j])
        edges[ne, 0] = min(max(xc[j] - hw[j], dom_lo), dom_hi)
        edges[ne, 1] = h
        edges[ne + 1, 0] = min(max(xc[j] + hw[j], dom_lo), dom_hi)
        edges[ne + 1, 1] = -h
        ne += 2
    order[:ne] = np.argsort(edges[:ne, 0])
    run = 0.0
    best = -1.0
    best_x = 0.5 * (dom_lo + dom_hi)
    best_point = -1.0
    best_point_x = best_x
    q = 0
    while q < ne:
        x = edges[order[q], 0]
        # apply every edge at this position (closing and opening at the same x)
        point = run      # the density at x itself: the boxes open before x and all that open at x
        while q < ne and edges[order[q], 0] == x:
            run += edges[order[q], 1]
            point += max(edges[order[q], 1], 0.0)
            q += 1
        if point > best_point:
            best_point = point
            best_point_x = x
        if q < ne:
            nx = edges[order[q], 0]
            if nx > x and run > best + 1e-12 * abs(best):
                best = run
                best_x = 0.5 * (x + nx)
    if best_point > best + 1e-12 * abs(best):
        return best_point_x
    return best_x


@njit(**NB)
def box_density_at(xc, hw, weight, k, points, out):
    for p in range(points.shape[0]):
        s = 0.0
        for j in range(k):
            if abs(points[p] - xc[j]) <= hw[j]:
                s += weight[j] / (2.0 * hw[j])
        out[p] = s


@njit(**NB)
def gauss_density_at(xc, weight, k, bw, points, out):
    for p in range(points.shape[0]):
        s = 0.0
        for j in range(k):
            z = (points[p] - xc[j]) / bw
            s += weight[j] * math.exp(-0.5 * z * z)
        out[p] = s


@njit(**NB)
def laplace_density_at(xc, weight, k, bw, points, out):
    """sum_j weight_j exp(-|x - xc_j| / bw) (the 1/(2 bw) does not move the argmax)."""
    for p in range(points.shape[0]):
        s = 0.0
        for j in range(k):
            s += weight[j] * math.exp(-abs(points[p] - xc[j]) / bw)
        out[p] = s


# ---------------------------------------------------------------------------------------------------------
# visit-count statistics

@njit(**NB)
def _gf_segment(m, feat):
    """Offset of the segment's bins for a wave's features: distance, |lateral velocity|, acceleration, wall
    ahead (escape-angle ratio on the side it is moving to) and time since its last reversal (relative to
    the bullet's flight time)."""
    ds = int(m[WH_GF_DSEG])
    ls = int(m[WH_GF_LSEG])
    acs = int(m[WH_GF_ASEG])
    ws = int(m[WH_GF_WSEG])
    ts = int(m[WH_GF_TSEG])
    nb = int(m[WH_GF_BINS])
    di = min(ds - 1, int(feat[F_DISTANCE] / m[WH_GF_MAXD] * ds))
    li = min(ls - 1, int(abs(feat[F_LAT_VEL]) / 8.0001 * ls))
    a = feat[F_ACCEL]
    ai = 0
    if acs == 3:
        ai = 0 if a < -0.5 else (2 if a > 0.5 else 1)
    elif acs == 2:
        ai = 0 if a < -0.5 else 1
    wi = min(ws - 1, int(min(1.0, max(0.0, feat[F_WALL_AHEAD])) * ws))
    ti = min(ts - 1, int(min(1.0, max(0.0, feat[F_DIR_CHANGE_REL])) * ts))
    seg = (((di * ls + li) * acs + ai) * ws + wi) * ts + ti
    return int(m[WH_GF]) + seg * nb


@njit(**NB)
def gf_learn(m, feat, gf_lo, gf_hi):
    nb = int(m[WH_GF_BINS])
    o = _gf_segment(m, feat)
    depth = m[WH_GF_ROLL]
    sm = m[WH_GF_SMOOTH]
    for b in range(nb):
        x = -1.0 + 2.0 * b / (nb - 1)
        if x < gf_lo:
            d = (gf_lo - x) * (nb - 1) / 2.0
        elif x > gf_hi:
            d = (x - gf_hi) * (nb - 1) / 2.0
        else:
            d = 0.0
        add = 1.0 / (1.0 + (d / sm) ** 2)
        m[o + b] = (m[o + b] * depth + add) / (depth + 1.0)


@njit(**NB)
def gf_aim(m, feat):
    nb = int(m[WH_GF_BINS])
    o = _gf_segment(m, feat)
    best = (nb - 1) // 2
    for b in range(nb):
        if m[o + b] > m[o + best]:
            best = b
    return -1.0 + 2.0 * best / (nb - 1), o


# ---------------------------------------------------------------------------------------------------------
# neighbour aimers

@njit(**NB)
def _scratch(m):
    o = int(m[WH_SCRATCH])
    return m[o:]


@njit(**NB)
def neighbour_weights(mb, feat, m):
    """The k nearest stored waves of a query with raw features `feat`: returns k and leaves in the scratch
    space (_neighbour_arrays) each neighbour's box centre xc, half-width hw and softmax weight wt (summing
    to 1). k = 0 when the store is empty."""
    k = neighbour_count(mb)
    if k == 0:
        return 0
    sc = _scratch(m)
    qe = sc[0:MAX_F]
    nb_dist = sc[MAX_F:MAX_F + MAX_K]
    xc, hw, wt = _neighbour_arrays(m)
    dist = sc[MAX_F + 8 * MAX_K + GF_SCAN_BINS:]
    nb_idx = np.empty(MAX_K, dtype=np.int64)
    embed(mb, feat, qe)
    k = nearest(mb, qe, dist, k, nb_idx, nb_dist)
    _, lo, hi = _store_cols(mb)
    dmin = math.inf
    for j in range(k):
        dmin = min(dmin, nb_dist[j])
    s = 0.0
    for j in range(k):
        i = nb_idx[j]
        xc[j] = 0.5 * (lo[i] + hi[i])
        hw[j] = max(0.5 * (hi[i] - lo[i]), mb[MH_MIN_HW])
        # softmax(scale * d) over the neighbours, shifted by the nearest for stability (scale 0: equal weights)
        w = math.exp(mb[MH_SCALE] * (nb_dist[j] - dmin)) if mb[MH_SCALE] != 0.0 else 1.0
        wt[j] = w
        s += w
    for j in range(k):
        wt[j] /= s
    return k


@njit(**NB)
def _neighbour_arrays(m):
    sc = _scratch(m)
    return (sc[MAX_F + MAX_K:MAX_F + 2 * MAX_K], sc[MAX_F + 2 * MAX_K:MAX_F + 3 * MAX_K],
            sc[MAX_F + 3 * MAX_K:MAX_F + 4 * MAX_K])


@njit(**NB)
def neighbour_aim(mb, feat, m, telebins):
    """Aim of a neighbour model for a query wave with raw features `feat`: (gf, found); also fills
    telebins (TELE_BINS) with the density when it is non-empty."""
    k = neighbour_weights(mb, feat, m)
    if k == 0:
        return 0.0, False
    sc = _scratch(m)
    xc, hw, wt = _neighbour_arrays(m)
    edges = sc[MAX_F + 4 * MAX_K:MAX_F + 8 * MAX_K].reshape(2 * MAX_K, 2)
    scan = sc[MAX_F + 8 * MAX_K:MAX_F + 8 * MAX_K + GF_SCAN_BINS]
    order = np.empty(2 * MAX_K, dtype=np.int64)
    kernel = mb[MH_KERNEL]
    if kernel == KERNEL_INDICATOR:
        for j in range(k):
            wt[j] *= 2.0 * hw[j]   # heights 1 instead of 1/(2w): box_density_* then sum the indicator
    dom_lo = mb[MH_DOM_LO]
    dom_hi = mb[MH_DOM_HI]
    boxes = kernel == KERNEL_BOX or kernel == KERNEL_INDICATOR
    if boxes:
        gf = box_density_argmax(xc, hw, wt, k, dom_lo, dom_hi, edges, order)
    else:
        pts = np.empty(GF_SCAN_BINS)
        for p in range(GF_SCAN_BINS):
            pts[p] = dom_lo + (dom_hi - dom_lo) * p / (GF_SCAN_BINS - 1)
        if kernel == KERNEL_LAPLACE:
            laplace_density_at(xc, wt, k, mb[MH_BW], pts, scan)
        else:
            gauss_density_at(xc, wt, k, mb[MH_BW], pts, scan)
        best = GF_SCAN_BINS // 2
        for p in range(GF_SCAN_BINS):
            if scan[p] > scan[best]:
                best = p
        gf = pts[best]
    if telebins.shape[0] > 0:
        pts = np.empty(TELE_BINS)
        for p in range(TELE_BINS):
            pts[p] = -1.0 + 2.0 * p / (TELE_BINS - 1)
        if boxes:
            box_density_at(xc, hw, wt, k, pts, telebins)
        elif kernel == KERNEL_LAPLACE:
            laplace_density_at(xc, wt, k, mb[MH_BW], pts, telebins)
        else:
            gauss_density_at(xc, wt, k, mb[MH_BW], pts, telebins)
    return gf, True


# ---------------------------------------------------------------------------------------------------------
# the learned gun's estimator ensemble (est_sim > 0) and its hold-fire rule (hold_fire > 0)
#
# The same law as the surfer's danger ensemble (docs/surf-report.md, "The danger ensemble"): each estimator
# -- the learned density and a box at each classic aim's GF over the GFs that would hit the target there
# (half-width max(est_bandwidth, the target's half-width)) -- has a rolling
# log-score S_e (est_decay x S_e + log of the mass it gave each breaking aimed wave's exact hit interval
# [gf_lo, gf_hi], i.e. the wave's BeepBoop loss under that estimator, with EST_FLOOR uniform mixed in), and
# weight prior_e x exp(S_e), normalised (prior 1 for the learned density, est_sim for each classic aim). The gun
# fires at the argmax of the weighted mixture. The scoring law itself lives in bots/ensemble.py.

@njit(**NB)
def kernel_cdf(kernel, xc, hw, wt, k, bw, x):
    """Mass below x of the density sum_j wt_j K_j (wt summing to 1): box (and indicator, as its box) exactly,
    Gaussian and Laplace by their CDFs."""
    s = 0.0
    for j in range(k):
        if kernel == KERNEL_GAUSS:
            s += wt[j] * 0.5 * (1.0 + math.erf((x - xc[j]) / (bw * math.sqrt(2.0))))
        elif kernel == KERNEL_LAPLACE:
            z = (x - xc[j]) / bw
            s += wt[j] * (0.5 * math.exp(z) if z < 0.0 else 1.0 - 0.5 * math.exp(-z))
        else:
            s += wt[j] * min(1.0, max(0.0, (x - xc[j] + hw[j]) / (2.0 * hw[j])))
    return s


@njit(**NB)
def box_cdf_grid(xc, hw, wt, k, dom_lo, dom_hi, out):
    """kernel_cdf of a box density at the N = out.shape[0] even points of [dom_lo, dom_hi], in O(k x the points a
    box spans + N) instead of O(k x N): a box adds its ramp on the points inside it and its whole weight, through
    a running sum, to every point above it. It runs at every aim of the learned gun's ensemble (the hot path)."""
    n = out.shape[0]
    above = np.zeros(n + 1)
    for i in range(n):
        out[i] = 0.0
    span = dom_hi - dom_lo
    for j in range(k):
        lo = xc[j] - hw[j]
        hi = xc[j] + hw[j]
        i0 = max(0, int(math.ceil((lo - dom_lo) / span * (n - 1))))
        i1 = min(n, max(0, int(math.ceil((hi - dom_lo) / span * (n - 1)))))
        for i in range(i0, i1):
            g = dom_lo + span * i / (n - 1)
            out[i] += wt[j] * min(1.0, max(0.0, (g - lo) / (2.0 * hw[j])))
        above[i1] += wt[j]
    run = 0.0
    for i in range(n):
        run += above[i]
        out[i] += run


@njit(**NB)
def box_mass(centre, half, a, b):
    """Mass of the box density of half-width `half` at `centre` over [a, b]."""
    return max(0.0, min(b, centre + half) - max(a, centre - half)) / (2.0 * half)


@njit(**NB)
def cdf_mass(cdf, dom_lo, dom_hi, a, b):
    """Mass over [a, b] of a density kept as its CDF on N_CDF even points of [dom_lo, dom_hi] (linear between)."""
    return max(0.0, _cdf_at(cdf, dom_lo, dom_hi, b) - _cdf_at(cdf, dom_lo, dom_hi, a))


@njit(**NB)
def _cdf_at(cdf, dom_lo, dom_hi, x):
    u = (x - dom_lo) / (dom_hi - dom_lo) * (N_CDF - 1)
    if u <= 0.0:
        return cdf[0]
    if u >= N_CDF - 1:
        return cdf[N_CDF - 1]
    i = int(u)
    f = u - i
    return cdf[i] + f * (cdf[i + 1] - cdf[i])


@njit(**NB)
def ensemble_aim(mb, feat, m, est_gf, half, telebins):
    """The learned gun's aim with the ensemble: (gf, hit probability). The learned density of the query's
    neighbours (uniform over the domain before any wave is stored) weighted by ensemble_weights, plus a box of
    half-width max(est_bandwidth, half) at each classic GF est_gf[e - 1] (weight 0 when est_sim = 0: then the aim
    is the learned density's argmax exactly as neighbour_aim's); fires at the mixture's argmax (exact for box models, on
    GF_SCAN_BINS points for Gaussian and Laplace ones). The hit probability is the mixture's mass over
    gf +- half (the target's half-width in GF). With est_sim > 0 it leaves the learned density's CDF in the header (WH_AIM_CDF)."""
    dom_lo = mb[MH_DOM_LO]
    dom_hi = mb[MH_DOM_HI]
    kernel = mb[MH_KERNEL]
    bw = mb[MH_BW]
    k = neighbour_weights(mb, feat, m)
    xc, hw, wt = _neighbour_arrays(m)
    empty = k == 0
    if empty:
        k = 1
        kernel = KERNEL_BOX
        xc[0] = 0.5 * (dom_lo + dom_hi)
        hw[0] = 0.5 * (dom_hi - dom_lo)
        wt[0] = 1.0
    w = np.empty(N_EST)
    ensemble_weights(m, w)
    # a classic aim predicts where the target will be: the GFs that hit it are a band of its width there
    ebw = max(m[WH_EST_BW], half)
    m[WH_AIM_HALF] = ebw
    # the CDF only scores the learned estimator (score_wave, est_sim > 0); hold_fire and fire_gate alone need none
    if m[WH_EST_SIM] > 0.0:
        m[WH_AIM_DOM] = dom_lo
        m[WH_AIM_DOM + 1] = dom_hi
        cdf = m[WH_AIM_CDF:WH_AIM_CDF + N_CDF]
        if kernel == KERNEL_BOX or kernel == KERNEL_INDICATOR:
            box_cdf_grid(xc, hw, wt, k, dom_lo, dom_hi, cdf)
        else:
            for i in range(N_CDF):
                cdf[i] = kernel_cdf(kernel, xc, hw, wt, k, bw, dom_lo + (dom_hi - dom_lo) * i / (N_CDF - 1))
    n = k
    for e in range(1, N_EST):
        if w[e] > 0.0:
            n += 1
    if empty and n == k:
        # nothing stored and no classic aim weighed: head-on (GF 0), as neighbour_aim fires then
        return 0.0, kernel_cdf(kernel, xc, hw, wt, k, bw, half) - kernel_cdf(kernel, xc, hw, wt, k, bw, -half)
    X = np.empty(n)
    HW = np.empty(n)
    WT = np.empty(n)
    for j in range(k):
        X[j] = xc[j]
        HW[j] = hw[j]
        WT[j] = wt[j] * w[EST_LEARNED]
    j = k
    for e in range(1, N_EST):
        if w[e] > 0.0:
            X[j] = min(max(est_gf[e - 1], dom_lo), dom_hi)
            HW[j] = ebw
            WT[j] = w[e]
            j += 1
    if kernel == KERNEL_BOX or kernel == KERNEL_INDICATOR:
        edges = np.empty((2 * n, 2))
        order = np.empty(2 * n, dtype=np.int64)
        gf = box_density_argmax(X, HW, WT, n, dom_lo, dom_hi, edges, order)
    else:
        pts = np.empty(GF_SCAN_BINS)
        scan = np.empty(GF_SCAN_BINS)
        for p in range(GF_SCAN_BINS):
            pts[p] = dom_lo + (dom_hi - dom_lo) * p / (GF_SCAN_BINS - 1)
        _mixture_at(kernel, X, HW, WT, k, n, bw, pts, scan)
        best = GF_SCAN_BINS // 2
        for p in range(GF_SCAN_BINS):
            if scan[p] > scan[best]:
                best = p
        gf = pts[best]
    phit = w[EST_LEARNED] * (kernel_cdf(kernel, xc, hw, wt, k, bw, gf + half)
                             - kernel_cdf(kernel, xc, hw, wt, k, bw, gf - half))
    for j in range(k, n):
        phit += WT[j] * box_mass(X[j], HW[j], gf - half, gf + half)
    if telebins.shape[0] > 0:
        pts = np.empty(TELE_BINS)
        for p in range(TELE_BINS):
            pts[p] = -1.0 + 2.0 * p / (TELE_BINS - 1)
        _mixture_at(kernel, X, HW, WT, k, n, bw, pts, telebins)
    return gf, phit


@njit(**NB)
def _mixture_at(kernel, X, HW, WT, k, n, bw, pts, out):
    """The ensemble's mixture density at pts: rows < k the learned neighbours (kernel), the rest boxes."""
    for p in range(pts.shape[0]):
        s = 0.0
        for j in range(n):
            z = pts[p] - X[j]
            if j >= k or kernel == KERNEL_BOX or kernel == KERNEL_INDICATOR:
                if abs(z) <= HW[j]:
                    s += WT[j] / (2.0 * HW[j])
            elif kernel == KERNEL_LAPLACE:
                s += WT[j] * math.exp(-abs(z) / bw) / (2.0 * bw)
            else:
                s += WT[j] * math.exp(-0.5 * (z / bw) ** 2) / (bw * math.sqrt(2.0 * math.pi))
        out[p] = s


@njit(**NB)
def ensemble_weights(m, out):
    """Each estimator's weight (EST_*, summing to 1): prior x exp(rolling log-score) (bots/ensemble.py)."""
    priors = np.empty(N_EST)
    priors[EST_LEARNED] = 1.0
    for e in range(1, N_EST):
        priors[e] = m[WH_EST_SIM]
    log_weights(priors, m[WH_EST_SCORE:WH_EST_SCORE + N_EST], out)


@njit(**NB)
def score_wave(m, w, lo, hi, dom_lo, dom_hi):
    """An aimed wave broke with hit interval [lo, hi]: every estimator's score takes the log of the mass it
    gave that interval (its BeepBoop loss), before the learned store learns the wave (prequential)."""
    mass = np.empty(N_EST)
    mass[EST_LEARNED] = cdf_mass(w[W_LCDF:W_LCDF + N_CDF], dom_lo, dom_hi, lo, hi)
    for e in range(1, N_EST):
        mass[e] = box_mass(w[W_AIM_GF + e - 1], w[W_EST_HALF], lo, hi)
    score_update(m[WH_EST_SCORE:WH_EST_SCORE + N_EST], mass, (hi - lo) / (dom_hi - dom_lo), m[WH_EST_DECAY],
                 EST_FLOOR)


@njit(**NB)
def gate_open(m):
    """fire_gate applies (fire_gate > 0) once this battle's real bullets hit at gate_band or more (after
    GATE_MIN_SHOTS of them): against a mover that dodges the gun's aims (a surfer) its confidence misleads."""
    if m[WH_GATE] <= 0.0:
        return False
    if m[WH_GATE_BAND] <= 0.0:
        return True
    n = m[WH_REAL_SHOTS]
    return n >= GATE_MIN_SHOTS and m[WH_REAL_HITS] >= m[WH_GATE_BAND] * n


# BeepBoop's model switch: the band of the gun's own hit rate (hits / real bullets whose wave passed the living
# target, WH_REAL_HITS / WH_REAL_SHOTS) is p +- z sqrt(p (1 - p) / max(1, n)), z = ANTI_Z_FEW while n < ANTI_FEW
# shots, else ANTI_Z (a heuristic band, BeepBoop's numbers: ~80% and ~60% two-sided normal quantiles)
ANTI_FEW = 50.0
ANTI_Z_FEW = 1.282
ANTI_Z = 0.842


@njit(**NB)
def hit_rate_band(hits, n):
    """(lower, upper) of the switch's band around the hit rate hits / n (p = 0 when n = 0)."""
    nn = max(1.0, n)
    p = hits / nn
    z = ANTI_Z_FEW if n < ANTI_FEW else ANTI_Z
    r = z * math.sqrt(max(0.0, p * (1.0 - p)) / nn)
    return p - r, p + r


@njit(**NB)
def anti_surfer_on(m):
    """Aim with the anti-surfer model (anti_band > 0 and the block present) while the band of the gun's hit rate
    overlaps [0, anti_band]: its lower end is at most anti_band (its upper end is never below 0)."""
    if m[WH_ANTI_BAND] <= 0.0 or m[WH_ANTI] == 0.0:
        return False
    lower, upper = hit_rate_band(m[WH_REAL_HITS], m[WH_REAL_SHOTS])
    return lower <= m[WH_ANTI_BAND] and upper >= 0.0


@njit(**NB)
def in_flight_damage(m, st, en):
    """Expected damage of our real bullets still on their way to the enemy: each one's damage
    (sim/engine/physics.bullet_damage) x the hit probability its aim had (W_PHIT), while it is on its way
    (bots/guns/aiming.on_its_way)."""
    t = st[ST_TIME]
    nw = int(m[WH_WAVE_N])
    head = int(m[WH_WAVE_HEAD])
    s = 0.0
    for q in range(nw):
        w = _wave(m, (head + q) % WAVE_CAP)
        if w[W_REAL] != 0.0 and on_its_way(t, w[W_FIRE], w[W_SPEED], w[W_SX], w[W_SY], en[EN_X], en[EN_Y]):
            s += w[W_PHIT] * bullet_damage(w[W_POWER])
    return s


@njit(**NB)
def best_aimer(m):
    """The enabled aimer with the best virtual hit rate so far, (hits + 1) / (shots + 2), ties to the first."""
    best_a = -1
    best_rate = -1.0
    for a in range(N_AIMERS):
        if m[WH_USE + a] == 0.0:
            continue
        rate = (m[WH_VHITS + a] + 1.0) / (m[WH_VSHOTS + a] + 2.0)
        if rate > best_rate:
            best_rate = rate
            best_a = a
    return best_a


@njit(**NB)
def classic_aimer(e):
    """The classic aimer (A_HEADON, A_LINEAR, A_CIRCULAR) of ensemble estimator e (EST_HEADON, ...)."""
    return A_HEADON if e == EST_HEADON else (A_LINEAR if e == EST_LINEAR else A_CIRCULAR)


@njit(**NB)
def classic_kind(a):
    """predict()'s kind (bots/guns/aiming.py) of a classic aimer (A_HEADON, A_LINEAR, A_CIRCULAR)."""
    return AIM_HEADON if a == A_HEADON else (AIM_LINEAR if a == A_LINEAR else AIM_CIRCULAR)


@njit(**NB)
def learning_aim(m, a, q, mb_knn, mb_learned, bins):
    """GF aimed at by learning aimer `a` (A_GF, A_KNN, A_LEARNED) for a wave with raw features `q`; fills
    `bins` (TELE_BINS, the viewer's aim density) when it is not empty. Shared by the gun in battle and the
    offline replay (bots/guns/offline.py)."""
    if a == A_GF:
        gf, o = gf_aim(m, q)
        if bins.shape[0] > 0:
            nb = int(m[WH_GF_BINS])
            for k in range(TELE_BINS):
                x = -1.0 + 2.0 * k / (TELE_BINS - 1)
                bins[k] = m[o + min(nb - 1, int(round((x + 1.0) / 2.0 * (nb - 1))))]
        return gf
    if a == A_KNN:
        gf, found = neighbour_aim(mb_knn, q, m, bins)
        return gf
    gf, found = neighbour_aim(mb_learned, q, m, bins)
    return gf


# ---------------------------------------------------------------------------------------------------------
# the gun

@njit(**NB)
def wave_gun_round_start(m):
    m[WH_HIST_N] = 0.0
    m[WH_LAT_PREV] = 1.0
    m[WH_WAVE_HEAD] = 0.0
    m[WH_WAVE_N] = 0.0
    m[WH_AIM_TIME] = -1.0
    m[WH_LAST_FIRE] = 0.0   # turns since the last real bullet count from the round start (sim/waves/tracking.py)
    m[WH_PREV_MEA] = 0.0    # no real wave yet this round (current_gf is 0)
    m[WH_ROUND_BULLETS] = 0.0


@njit(**NB)
def _record_enemy(m, st, en):
    """History row t = the enemy at the end of turn t (its scan this turn; carried forward without one)."""
    t = int(st[ST_TIME])
    if t >= HIST_CAP:
        return False
    hx = _hist(m, H_X)
    hy = _hist(m, H_Y)
    hh = _hist(m, H_HEADING)
    hv = _hist(m, H_VEL)
    he = _hist(m, H_ENERGY)
    ha = _hist(m, H_ALIVE)
    cnt = _counters(m)
    j = int(m[WH_HIST_N])
    while j <= t:
        if en[EN_TIME] >= j or j == 0:
            # this turn's scan (or, before the round's first scan, the best we know)
            hx[j] = en[EN_X]
            hy[j] = en[EN_Y]
            hh[j] = en[EN_HEADING]
            hv[j] = en[EN_VEL]
            he[j] = en[EN_ENERGY]
        else:
            # no scan this turn: carry the last one forward
            hx[j] = hx[j - 1]
            hy[j] = hy[j - 1]
            hh[j] = hh[j - 1]
            hv[j] = hv[j - 1]
            he[j] = he[j - 1]
        ha[j] = 1.0 if en[EN_ALIVE] != 0.0 else 0.0
        counters_step(hv, I64(0), j, cnt)
        j += 1
    m[WH_HIST_N] = t + 1.0
    return True


@njit(**NB)
def _label_waves(m, st, mb_knn, mb_learned, work, acc, tparts, twork):
    """Label every wave whose front has passed the enemy's box and let the aimers learn from it."""
    t = int(st[ST_TIME])
    nw = int(m[WH_WAVE_N])
    if nw == 0:
        return
    hx = _hist(m, H_X)
    hy = _hist(m, H_Y)
    ha = _hist(m, H_ALIVE)
    ex = hx[t]
    ey = hy[t]
    alive_now = ha[t] != 0.0
    head = int(m[WH_WAVE_HEAD])
    w_h = st[ST_WIDTH]
    w_v = st[ST_HEIGHT]
    reach = BOX_REACH
    keep = 0
    for q in range(nw):
        k = (head + q) % WAVE_CAP
        w = _wave(m, k)
        f = int(w[W_FIRE])
        r1 = (t - f + 1) * w[W_SPEED]
        if alive_now and math.hypot(ex - w[W_SX], ey - w[W_SY]) + reach >= r1:
            # still in flight: keep it (compact the ring in place)
            if keep != q:
                dst = _wave(m, (head + keep) % WAVE_CAP)
                dst[:] = w[:]
            keep += 1
            continue
        if not alive_now:
            continue   # the target died: drop the wave (sim/waves/tracking.py marks it unfinished)
        n, status, c_off, c_turn, j_end = track_wave_sc(w[W_SX], w[W_SY], w[W_SIN], w[W_COS], w[W_SPEED], f, hx,
                                                        hy, ha, I64(0), t, w_h, w_v, 0.0, acc, tparts, twork)
        if n == 0 or status != 0:
            continue
        mea = w[W_MEA]
        if w[W_LAT] > 0.0:
            lo = acc[0, 0] / mea
            hi = acc[n - 1, 1] / mea
        else:
            lo = -acc[n - 1, 1] / mea
            hi = -acc[0, 0] / mea
        if m[WH_EST_SIM] > 0.0 and w[W_AIMED] != 0.0 and mb_learned.shape[0] > 0:
            score_wave(m, w, lo, hi, w[W_LDOM], w[W_LDOM + 1])
        if w[W_REAL] != 0.0 and w[W_AIMED] != 0.0:
            g = w[W_AIM_GF + int(m[WH_AIM_AIMER])]
            m[WH_REAL_SHOTS] += 1.0
            if lo <= g <= hi:
                m[WH_REAL_HITS] += 1.0
        feat = w[W_LFEAT:W_LFEAT + N_FEAT] if m[WH_LAG] != 0.0 else w[W_FEAT:W_FEAT + N_FEAT]
        learn_wave(m, feat, lo, hi, w[W_AIM_GF:W_AIM_GF + N_AIMERS], w[W_AIMED] != 0.0, mb_knn, mb_learned, work)
    m[WH_WAVE_N] = keep


@njit(**NB)
def flag_waves(m, ev, nev):
    """BeepBoop's anti-surfer flags: when one of our bullets hit the enemy (BulletHit) or an enemy bullet
    (BulletHitBullet) this turn, every wave still in flight fired within FLAG_TURNS turns of that bullet gets
    did_hit / did_collide = 1, in its own features and in those it will be learned with (the dataset's rule:
    sim.waves.tracking.wave_flags). Called after this turn's waves broke and before this turn's wave is sent."""
    log = int(m[WH_BULLETS])
    nw = int(m[WH_WAVE_N])
    head = int(m[WH_WAVE_HEAD])
    for k in range(nev):
        typ = ev[k, E_TYPE]
        if typ == EV_BULLET_HIT:
            bid = int(ev[k, E_A + 6])
            col = F_DID_HIT
        elif typ == EV_BULLET_HIT_BULLET:
            bid = int(ev[k, E_A])
            col = F_DID_COLLIDE
        else:
            continue
        if bid < 1 or bid > min(m[WH_ROUND_BULLETS], BULLET_LOG_CAP):
            continue
        fb = m[log + bid - 1]
        for q in range(nw):
            w = _wave(m, (head + q) % WAVE_CAP)
            if abs(w[W_FIRE] - fb) <= FLAG_TURNS:
                w[W_FEAT + col] = 1.0
                w[W_LFEAT + col] = 1.0


@njit(**NB)
def learn_wave(m, feat, lo, hi, aim_gf, aimed, mb_knn, mb_learned, work):
    """What a wave gun does with a labelled wave [lo, hi]: score each aimer's GF on it when it aimed for
    it (the virtual hit rates), then let the learning aimers learn it with the features `feat`. Shared
    by the gun in battle and the offline replay (bots/guns/offline.py), so both learn the same way."""
    m[WH_WAVES_LABELLED] += 1.0
    if aimed:
        for a in range(N_AIMERS):
            if m[WH_USE + a] != 0.0:
                g = aim_gf[a]
                m[WH_VSHOTS + a] += 1.0
                if lo <= g <= hi:
                    m[WH_VHITS + a] += 1.0
    if m[WH_GF] > 0.0:
        gf_learn(m, feat, lo, hi)
    if mb_knn.shape[0] > 0:
        store_add(mb_knn, feat, lo, hi, work)
    if mb_learned.shape[0] > 0:
        store_add(mb_learned, feat, lo, hi, work)
    mb_anti = _model(m, WH_ANTI)
    if mb_anti.shape[0] > 0:
        store_add(mb_anti, feat, lo, hi, work)   # both models learn every wave (BeepBoop's)


@njit(**NB)
def _wave_geometry(sx, sy, ex, ey, en_heading, en_vel, lat_prev, power):
    b = math.atan2(ex - sx, ey - sy)
    speed = bullet_speed(power)
    lat = lateral_sign(en_vel * math.sin(en_heading - b), lat_prev)
    return b, speed, lat, classic_mea(speed)


@njit(**NB)
def _features(m, st, sx, sy, b, lat, speed, power, real, virt_gun, shooter_energy, out):
    """The wave's fire-time features (sim/waves/features.py), from the history row of this turn."""
    t = int(st[ST_TIME])
    mea = classic_mea(speed)
    cw, ccw = escape_circle_mea(sx, sy, _hist(m, H_X)[t], _hist(m, H_Y)[t], speed, st[ST_WIDTH], st[ST_HEIGHT])
    mea_pos = cw if lat > 0.0 else ccw
    mea_neg = ccw if lat > 0.0 else cw
    wave_features(_hist(m, H_X), _hist(m, H_Y), _hist(m, H_HEADING), _hist(m, H_VEL), _hist(m, H_ENERGY),
                  _counters(m), I64(0), t, sx, sy, b, lat, speed, power, mea, mea_pos, mea_neg,
                  0.0 if real else VIRTUALITY_CAP, virt_gun, m[WH_SHOTS], t + 1.0, shooter_energy,
                  st[ST_WIDTH], st[ST_HEIGHT], out)
    if m[WH_NEED_EXT] != 0.0:
        # (a short simulation per wave: only for a model that uses these; otherwise they stay 0)
        f = ext_features(_hist(m, H_X), _hist(m, H_Y), _hist(m, H_HEADING), _hist(m, H_VEL), I64(0), I64(0), t,
                         _counters(m)[t, HC_MOVE_DIR], sx, sy, math.sin(b), math.cos(b), lat, speed, mea,
                         m[WH_PREV_SX], m[WH_PREV_SY], m[WH_PREV_SIN], m[WH_PREV_COS], m[WH_PREV_MEA], st[ST_WIDTH],
                         st[ST_HEIGHT])
        out[N_BASE_FEAT] = f[0]
        out[N_BASE_FEAT + 1] = f[1]
        out[N_BASE_FEAT + 2] = f[2]
        out[N_BASE_FEAT + 3] = f[3]
        out[N_BASE_FEAT + 4] = f[4]
        out[N_BASE_FEAT + 5] = f[5]
        out[N_BASE_FEAT + 6] = f[6]
    # the anti-surfer flags are 0 when a wave is sent (flag_waves sets them later): the aimed wave's too
    out[F_DID_HIT] = 0.0
    out[F_DID_COLLIDE] = 0.0


@njit(**NB)
def _model(m, which):
    o = int(m[which])
    if o == 0:
        return m[0:0]
    nf = int(m[o + MH_NF])
    return m[o:o + model_block_size(nf, int(m[o + MH_CAP]))]


@njit(**NB)
def model_block_size(nf, cap):
    """float64 slots of a neighbour model block: settings, float32 feature columns (nf, cap), labels lo, hi."""
    return MH_STORE + (nf * cap + 1) // 2 + 1 + 2 * cap


@njit(**NB)
def wave_gun_think(p, m, st, cmd, en, tele, ev, nev):
    """One turn of a wave gun: learn from passed waves, flag those near a bullet's hit or collision, fire the last
    aim, send this turn's wave, aim. ev, nev: this turn's events (only read when a model reads the flags)."""
    t = st[ST_TIME]
    it = int(t)
    if en[EN_TIME] < 0.0 or st[ST_OTHERS] < 1.0:
        m[WH_AIM_TIME] = -1.0
        return
    if not _record_enemy(m, st, en):
        return
    acc = np.empty((MAX_PARTS, 2))
    tparts = np.empty((8, 2))
    twork = np.empty((3, MAX_CAND))
    work = np.empty(MAX_F)
    mb_knn = _model(m, WH_KNN)
    mb_learned = _model(m, WH_LEARNED)
    _label_waves(m, st, mb_knn, mb_learned, work, acc, tparts, twork)
    if m[WH_BULLETS] != 0.0:
        flag_waves(m, ev, nev)
    if en[EN_ALIVE] == 0.0:
        m[WH_AIM_TIME] = -1.0
        return
    ox = st[ST_X]
    oy = st[ST_Y]
    fresh = en[EN_TIME] == t
    heat_before = st[ST_HEAT]
    energy_before = st[ST_ENERGY]
    # 1. fire the aim set last turn if the gun got there
    fired = 0.0
    if m[WH_AIM_TIME] == t - 1.0 and st[ST_HEAT] == 0.0 and t - en[EN_TIME] <= p[GP_MAX_AGE]:
        dist = max(math.hypot(en[EN_X] - ox, en[EN_Y] - oy), 1.0)
        if abs(cmd[C_GUN]) <= p[GP_TOLERANCE] * math.atan(HALF_ROBOT / dist):
            power = min(m[WH_AIM_POWER], gun_power(p, st[ST_ENERGY], en[EN_ENERGY]))
            if power >= MIN_BULLET_POWER and gate_open(m) and m[WH_AIM_PHIT] < m[WH_GATE] * m[WH_PHIT_MEAN]:
                power = 0.0   # a shot much less likely to hit than this gun's usual: wait for a better one
            if power >= MIN_BULLET_POWER and m[WH_HOLD] > 0.0:
                # hold fire while the bullets already flying are expected to finish the enemy
                due = in_flight_damage(m, st, en)
                if due > 0.0 and m[WH_HOLD] * due >= en[EN_ENERGY]:
                    power = 0.0
            if power >= MIN_BULLET_POWER:
                fired = set_fire(st, cmd, power)
                if fired > 0.0:
                    m[WH_FIRED + int(m[WH_AIM_AIMER])] += 1.0
    # 2. this turn's wave (fire turn t + 1), real if we just fired
    ensemble = m[WH_EST_SIM] > 0.0 or m[WH_HOLD] > 0.0 or m[WH_GATE] > 0.0   # the learned gun's ensemble_aim
    if m[WH_LAST_POWER] == 0.0:
        m[WH_LAST_POWER] = p[GP_POWER]
    if fresh and it + 1 < HIST_CAP:
        power = fired if fired > 0.0 else m[WH_LAST_POWER]
        b, speed, lat, mea = _wave_geometry(ox, oy, en[EN_X], en[EN_Y], en[EN_HEADING], en[EN_VEL],
                                            m[WH_LAT_PREV], power)
        m[WH_LAT_PREV] = lat
        if m[WH_WAVE_N] >= WAVE_CAP:   # full (cannot happen on fields up to ~2500 px): drop the oldest
            m[WH_WAVE_HEAD] = (m[WH_WAVE_HEAD] + 1) % WAVE_CAP
            m[WH_WAVE_N] -= 1.0
        w = _wave(m, (int(m[WH_WAVE_HEAD]) + int(m[WH_WAVE_N])) % WAVE_CAP)
        m[WH_WAVE_N] += 1.0
        w[W_FIRE] = t + 1.0
        w[W_SX] = ox
        w[W_SY] = oy
        w[W_BEARING] = b
        w[W_SIN] = math.sin(b)
        w[W_COS] = math.cos(b)
        w[W_SPEED] = speed
        w[W_POWER] = power
        w[W_LAT] = lat
        w[W_MEA] = mea
        w[W_REAL] = 1.0 if fired > 0.0 else 0.0
        w[W_AIMED] = 0.0
        if m[WH_AIM_TIME] == t - 1.0:
            w[W_AIMED] = 1.0
            for a in range(N_AIMERS):
                w[W_AIM_GF + a] = normal_relative_angle(m[WH_AIM_ANGLES + a] - b) * lat / mea
            if ensemble:
                w[W_PHIT] = m[WH_AIM_PHIT]
                w[W_EST_HALF] = m[WH_AIM_HALF]
                if m[WH_EST_SIM] > 0.0:
                    w[W_LCDF:W_LCDF + N_CDF] = m[WH_AIM_CDF:WH_AIM_CDF + N_CDF]
                    w[W_LDOM] = m[WH_AIM_DOM]
                    w[W_LDOM + 1] = m[WH_AIM_DOM + 1]
        if m[WH_NEED_FEATURES] != 0.0:
            if fired > 0.0:
                vg = 0.0
            else:
                cool = max(0.0, math.ceil(heat_before / st[ST_COOLING] - 1e-9))
                vg = min(cool, t + 1.0 - m[WH_LAST_FIRE])
            _features(m, st, ox, oy, b, lat, speed, power, fired > 0.0, vg, energy_before,
                      w[W_FEAT:W_FEAT + N_FEAT])
            # the gun aims a turn before it fires, from the state it saw then: the wave created last
            # turn (if there is one) holds those features (see WH_LAG)
            prev = w
            if m[WH_WAVE_N] >= 2.0:
                prev = _wave(m, (int(m[WH_WAVE_HEAD]) + int(m[WH_WAVE_N]) - 2) % WAVE_CAP)
                if prev[W_FIRE] != t:
                    prev = w
            w[W_LFEAT:W_LFEAT + N_FEAT] = prev[W_FEAT:W_FEAT + N_FEAT]
            w[W_LFEAT + F_DID_HIT] = 0.0      # the flags are this wave's own (by its fire turn), not the previous one's
            w[W_LFEAT + F_DID_COLLIDE] = 0.0
    if fired > 0.0:
        m[WH_ROUND_BULLETS] += 1.0
        if m[WH_BULLETS] != 0.0 and m[WH_ROUND_BULLETS] <= BULLET_LOG_CAP:
            m[int(m[WH_BULLETS]) + int(m[WH_ROUND_BULLETS]) - 1] = t + 1.0   # its fire turn (its wave's)
        m[WH_SHOTS] += 1.0
        m[WH_LAST_POWER] = fired
        m[WH_LAST_FIRE] = t + 1.0
        # this bullet's wave (source and direct bearing as the wave row above) for later waves' current_gf
        pb = math.atan2(en[EN_X] - ox, en[EN_Y] - oy)
        m[WH_PREV_SX] = ox
        m[WH_PREV_SY] = oy
        m[WH_PREV_SIN] = math.sin(pb)
        m[WH_PREV_COS] = math.cos(pb)
        m[WH_PREV_MEA] = classic_mea(bullet_speed(fired))
    # 3. aim for the next turn when the gun will be cool then (the expensive part)
    m[WH_AIM_TIME] = -1.0
    nx = ox + st[ST_VEL] * math.sin(st[ST_HEADING])
    ny = oy + st[ST_VEL] * math.cos(st[ST_HEADING])
    power = gun_power(p, st[ST_ENERGY], en[EN_ENERGY])
    # (preaim > 1: also in the turns before, so the gun is already turned towards the aim when it is cool;
    # a shot needs its aim from the turn before, so the last aim is always the one fired)
    preaim = max(1.0, m[WH_PREAIM])
    if not fresh or st[ST_HEAT] - preaim * st[ST_COOLING] > 1e-9 or power == 0.0 or it + 1 >= HIST_CAP:
        set_turn_gun(cmd, normal_relative_angle(math.atan2(en[EN_X] - nx, en[EN_Y] - ny) - st[ST_GUN]))
        return
    b, speed, lat, mea = _wave_geometry(nx, ny, en[EN_X], en[EN_Y], en[EN_HEADING], en[EN_VEL], m[WH_LAT_PREV],
                                        power)
    q = np.empty(N_FEAT)
    if m[WH_NEED_FEATURES] != 0.0:
        _features(m, st, nx, ny, b, lat, speed, power, np.bool_(True), 0.0, st[ST_ENERGY], q)
    # The bullet rides the wave that leaves a turn from now, whose guess factors are measured from the
    # bearing to the enemy *then*: aim relative to its position one step along its velocity.
    b1 = math.atan2(en[EN_X] + en[EN_VEL] * math.sin(en[EN_HEADING]) - nx,
                    en[EN_Y] + en[EN_VEL] * math.cos(en[EN_HEADING]) - ny)
    best_a = best_aimer(m)
    # the learned aimer's model: the anti-surfer one while the gun's hit rate is low (anti_surfer_on), else the main
    mb_aim = mb_learned
    if m[WH_USE + A_LEARNED] != 0.0 and mb_learned.shape[0] > 0 and m[WH_ANTI] != 0.0:
        if anti_surfer_on(m):
            mb_aim = _model(m, WH_ANTI)
            m[WH_ANTI_AIMS] += 1.0
        else:
            m[WH_MAIN_AIMS] += 1.0
    for a in range(N_AIMERS):
        classic = a == A_HEADON or a == A_LINEAR or a == A_CIRCULAR
        if m[WH_USE + a] == 0.0 and not (ensemble and classic):
            continue
        bins = m[0:0]
        if a == best_a:
            bins = tele_row(tele, I64(TK_AIM), st[ST_ROUND], t + 2.0, nx, ny, b1, speed, lat, mea)
        if classic:
            angle, _, _ = predict(classic_kind(a), en, t, nx, ny, power, st[ST_WIDTH], st[ST_HEIGHT])
            if bins.shape[0] > 0:
                g = normal_relative_angle(angle - b) * lat / mea
                bins[min(TELE_BINS - 1, max(0, int(round((g + 1.0) / 2.0 * (TELE_BINS - 1)))))] = 1.0
        elif a == A_LEARNED and ensemble:
            est_gf = np.empty(N_EST - 1)
            for e in range(1, N_EST):
                est_gf[e - 1] = normal_relative_angle(m[WH_AIM_ANGLES + classic_aimer(e)] - b1) * lat / mea
            half = math.atan(HALF_ROBOT / max(math.hypot(en[EN_X] - nx, en[EN_Y] - ny), HALF_ROBOT)) / mea
            gf, phit = ensemble_aim(mb_aim, q, m, est_gf, half, bins)
            angle = b1 + gf * lat * mea
            m[WH_AIM_PHIT] = phit
            m[WH_PHIT_N] = min(PHIT_WINDOW, m[WH_PHIT_N] + 1.0)
            m[WH_PHIT_MEAN] += (phit - m[WH_PHIT_MEAN]) / m[WH_PHIT_N]
        else:
            angle = b1 + learning_aim(m, a, q, mb_knn, mb_aim, bins) * lat * mea
        if bins.shape[0] > 0:
            tele_normalise(bins)
        m[WH_AIM_ANGLES + a] = angle
    angle = m[WH_AIM_ANGLES + best_a]
    m[WH_AIM_TIME] = t
    m[WH_AIM_POWER] = power
    m[WH_AIM_ANGLE] = angle
    m[WH_AIM_AIMER] = best_a
    set_turn_gun(cmd, normal_relative_angle(angle - st[ST_GUN]))


# the hooks every wave gun part (bots/guns/gf.py, knn.py, learned.py, virtual.py) declares: which aimers
# run and where their blocks live is in the memory header that wave_memory.prepare_memory writes

@njit(**NB)
def round_start(ctx):
    wave_gun_round_start(ctx.mem)


@njit(**NB)
def think(ctx):
    wave_gun_think(ctx.params, ctx.mem, ctx.st, ctx.cmd, ctx.en, ctx.tele, ctx.ev, ctx.nev)
