"""Features of a wave at fire time: BeepBoop's set plus lateral/advancing velocity, distance and turn.

Every feature describes the *target* (the robot a wave is aimed at) as the
shooter sees it when it decides to fire: the state at the end of turn t-1 for a
wave fired in turn t, measured from the wave's source (the shooter's position at
the end of turn t-1). Definitions and ranges are in FEATURES below and in
docs/features.md; `normalized` maps them to roughly [0, 1] the way BeepBoop
normalises its KNN features.

The per-turn history counters (move direction, turns since a direction change,
a deceleration, a velocity change) are computed once per robot and round by
``history_counters`` so that a wave's features cost O(1).
"""
import math

import numpy as np
from numba import njit

from .gf import stick_turns, HALF

NB = dict(cache=True, error_model="numpy")
HOT = dict(cache=True, error_model="numpy", forceinline=True)   # see sim/gf.py

STICK = 160.0       # walking-stick length for the stick features (BeepBoop's)
TIMER_CAP = 70.0    # timers are capped here before dividing by the flight time (BeepBoop's)
VIRTUALITY_CAP = 100.0

# (name, definition, range) -- the order is the column order of the feature block
FEATURES = (
    ("distance", "distance from the wave's source to the target's centre at fire time (px)", "[0, field diagonal]"),
    ("bft", "bullet flight time: distance / bullet speed (turns)", "[0, ~100]"),
    ("velocity", "target's signed velocity (px/turn; negative = driving backwards)", "[-8, 8]"),
    ("abs_velocity", "|velocity|", "[0, 8]"),
    ("vel8", "1 when |velocity| >= 8 - 1e-9 (full speed), else 0", "{0, 1}"),
    ("accel", "|v - v_prev| with the sign of |v| - |v_prev| (negative = slowing); v_prev = previous turn", "[-8, 2]"),
    ("lat_vel", "lateral velocity v*sin(heading - bearing): positive = clockwise around the source", "[-8, 8]"),
    ("adv_vel", "advancing velocity -v*cos(heading - bearing): positive = towards the source", "[-8, 8]"),
    ("lat_dir", "lateral direction of the wave (+1 clockwise, -1 anticlockwise; previous one when lat_vel = 0)",
     "{-1, 1}"),
    ("move_dir", "sign of the last non-zero velocity (+1 ahead, -1 backwards; +1 before any move)", "{-1, 1}"),
    ("adv_dir", "advancing direction -move_dir*cos(heading - bearing): +1 driving straight at the source",
     "[-1, 1]"),
    ("dir_change_time", "turns since move_dir last changed (or since the round started)", "[0, round length]"),
    ("decel_time", "turns since the velocity last changed against move_dir (slowing down or reversing)",
     "[0, round length]"),
    ("vchange_time", "turns since the velocity last changed by more than 0.01", "[0, round length]"),
    ("dir_change_rel", "min(dir_change_time, 70) / bft", "[0, ~70]"),
    ("decel_rel", "min(decel_time, 70) / bft", "[0, ~70]"),
    ("dist10", "distance between the target's position now and 10 turns earlier (round start if sooner)",
     "[0, 80]"),
    ("dist20", "the same over 20 turns", "[0, 160]"),
    ("wall_ahead", "precise MEA on the side the target is moving to (escape circle within the field) / classic MEA",
     "[0, 1]"),
    ("wall_reverse", "precise MEA on the other side / classic MEA", "[0, 1]"),
    ("stick_ahead", "smallest turn (either way) of the orbital heading bearing + lat_dir*90deg that keeps a 160 px "
                    "stick inside the field less 18 px (walking-stick wall smoothing), radians", "[0, pi]"),
    ("stick_reverse", "the same for the reversed orbit bearing - lat_dir*90deg", "[0, pi]"),
    ("wall_dist_ahead", "distance along the orbital heading to the edge of [18, W-18] x [18, H-18] (px)",
     "[0, field diagonal]"),
    ("wall_dist_reverse", "the same along the reversed orbital heading", "[0, field diagonal]"),
    ("virtuality", "turns to the shooter's nearest real bullet in the round, before or after (0 = real wave; 100 "
                   "when the shooter fires none that round)", "[0, 100]"),
    ("virtuality_gun", "BeepBoop's causal form: 0 for a real wave, else min(turns until the gun is cool, turns since "
                       "the shooter's last real bullet or the round start)", "[0, ~30]"),
    ("power", "bullet power of the wave (virtual waves: the shooter's last real power, see sim/waves.py)",
     "[0.1, 3]"),
    ("shots_fired", "real bullets the shooter fired earlier in the battle", "[0, ...]"),
    ("turn", "fire turn t (turns since the round started)", "[1, round length]"),
    ("energy", "target's energy", "[0, ~200]"),
    ("shooter_energy", "shooter's energy", "[0, ~200]"),
)
FEATURE_NAMES = tuple(f[0] for f in FEATURES)
N_FEAT = len(FEATURES)
(F_DISTANCE, F_BFT, F_VELOCITY, F_ABS_VELOCITY, F_VEL8, F_ACCEL, F_LAT_VEL, F_ADV_VEL, F_LAT_DIR, F_MOVE_DIR, F_ADV_DIR,
 F_DIR_CHANGE_TIME, F_DECEL_TIME, F_VCHANGE_TIME, F_DIR_CHANGE_REL, F_DECEL_REL, F_DIST10, F_DIST20, F_WALL_AHEAD,
 F_WALL_REVERSE, F_STICK_AHEAD, F_STICK_REVERSE, F_WALL_DIST_AHEAD, F_WALL_DIST_REVERSE, F_VIRTUALITY,
 F_VIRTUALITY_GUN, F_POWER, F_SHOTS_FIRED, F_TURN, F_ENERGY, F_SHOOTER_ENERGY) = range(N_FEAT)

# counters from history_counters: move_dir, dir change, since-increase, since-decrease, velocity change
N_COUNTERS = 5
HC_MOVE_DIR, HC_DIR_CHANGE, HC_SINCE_INC, HC_SINCE_DEC, HC_VCHANGE = range(N_COUNTERS)


@njit(**NB)
def history_counters(vel, round_start, out):
    """Per-turn counters for one robot: vel (N,) velocities at the end of each recorded turn, rounds
    starting at round_start[r] (round_start[-1] = N). Fills out (N, N_COUNTERS)."""
    n_rounds = round_start.shape[0] - 1
    for r in range(n_rounds):
        j0 = round_start[r]
        j1 = round_start[r + 1]
        md = 1.0
        if vel[j0] > 0.0:
            md = 1.0
        elif vel[j0] < 0.0:
            md = -1.0
        out[j0, HC_MOVE_DIR] = md
        out[j0, HC_DIR_CHANGE] = 0.0
        out[j0, HC_SINCE_INC] = 0.0
        out[j0, HC_SINCE_DEC] = 0.0
        out[j0, HC_VCHANGE] = 0.0
        for j in range(j0 + 1, j1):
            v = vel[j]
            vp = vel[j - 1]
            dc = out[j - 1, HC_DIR_CHANGE] + 1.0
            if v != 0.0:
                s = 1.0 if v > 0.0 else -1.0
                if s != md:
                    dc = 0.0
                    md = s
            out[j, HC_MOVE_DIR] = md
            out[j, HC_DIR_CHANGE] = dc
            out[j, HC_SINCE_INC] = 0.0 if v > vp else out[j - 1, HC_SINCE_INC] + 1.0
            out[j, HC_SINCE_DEC] = 0.0 if v < vp else out[j - 1, HC_SINCE_DEC] + 1.0
            out[j, HC_VCHANGE] = 0.0 if abs(v - vp) > 0.01 else out[j - 1, HC_VCHANGE] + 1.0


@njit(**NB)
def wall_distance(x, y, heading, width, height):
    """Distance from (x, y) along `heading` to the edge of [18, W-18] x [18, H-18] (0 if outside)."""
    return _wall_distance_u(x, y, math.sin(heading), math.cos(heading), width, height)


@njit(**NB)
def _wall_distance_u(x, y, ux, uy, width, height):
    d = math.inf
    if ux > 1e-12:
        d = min(d, (width - HALF - x) / ux)
    elif ux < -1e-12:
        d = min(d, (HALF - x) / ux)
    if uy > 1e-12:
        d = min(d, (height - HALF - y) / uy)
    elif uy < -1e-12:
        d = min(d, (HALF - y) / uy)
    return max(0.0, d)


@njit(**HOT)
def wave_features(x, y, heading, vel, energy, counters, j0, j, sx, sy, bearing, lat_dir, speed, power, mea,
                  mea_pos, mea_neg, virtuality, virtuality_gun, shots_fired, turn, shooter_energy, width, height,
                  out):
    """Fill out[0:N_FEAT] for the target whose per-turn history is x, y, heading, vel, energy (index j is
    the fire-time state, j0 its round's first row), seen from source (sx, sy) at absolute `bearing`."""
    tx = x[j]
    ty = y[j]
    h = heading[j]
    v = vel[j]
    dx = tx - sx
    dy = ty - sy
    dist = math.sqrt(dx * dx + dy * dy)
    bft = dist / speed
    out[F_DISTANCE] = dist
    out[F_BFT] = bft
    out[F_VELOCITY] = v
    out[F_ABS_VELOCITY] = abs(v)
    out[F_VEL8] = 1.0 if abs(v) >= 8.0 - 1e-9 else 0.0
    vp = vel[j - 1] if j > j0 else v
    acc = abs(v - vp)
    out[F_ACCEL] = -acc if abs(v) < abs(vp) else acc
    # direction of the bearing and the orbit (bearing +- 90 degrees) without more trigonometry
    sin_b = dx / dist if dist > 0.0 else math.sin(bearing)
    cos_b = dy / dist if dist > 0.0 else math.cos(bearing)
    sh = math.sin(h)
    ch = math.cos(h)
    sin_rel = max(-1.0, min(1.0, sh * cos_b - ch * sin_b))      # sin(h - bearing)
    cos_rel = max(-1.0, min(1.0, ch * cos_b + sh * sin_b))
    out[F_LAT_VEL] = v * sin_rel
    out[F_ADV_VEL] = -v * cos_rel
    out[F_LAT_DIR] = lat_dir
    md = counters[j, HC_MOVE_DIR]
    out[F_MOVE_DIR] = md
    out[F_ADV_DIR] = -md * cos_rel
    dct = counters[j, HC_DIR_CHANGE]
    dt = counters[j, HC_SINCE_DEC] if md > 0.0 else counters[j, HC_SINCE_INC]
    out[F_DIR_CHANGE_TIME] = dct
    out[F_DECEL_TIME] = dt
    out[F_VCHANGE_TIME] = counters[j, HC_VCHANGE]
    out[F_DIR_CHANGE_REL] = min(dct, TIMER_CAP) / bft if bft > 0.0 else TIMER_CAP
    out[F_DECEL_REL] = min(dt, TIMER_CAP) / bft if bft > 0.0 else TIMER_CAP
    k10 = max(j - 10, j0)
    k20 = max(j - 20, j0)
    out[F_DIST10] = math.sqrt((tx - x[k10]) ** 2 + (ty - y[k10]) ** 2)
    out[F_DIST20] = math.sqrt((tx - x[k20]) ** 2 + (ty - y[k20]) ** 2)
    out[F_WALL_AHEAD] = mea_pos / mea
    out[F_WALL_REVERSE] = mea_neg / mea
    # orbit heading bearing + lat_dir * 90deg: direction lat_dir * (cos b, -sin b)
    ax = lat_dir * cos_b
    ay = -lat_dir * sin_b
    out[F_STICK_AHEAD], out[F_STICK_REVERSE] = stick_turns(tx, ty, ax, ay, STICK, HALF, width, height)
    out[F_WALL_DIST_AHEAD] = _wall_distance_u(tx, ty, ax, ay, width, height)
    out[F_WALL_DIST_REVERSE] = _wall_distance_u(tx, ty, -ax, -ay, width, height)
    out[F_VIRTUALITY] = virtuality
    out[F_VIRTUALITY_GUN] = virtuality_gun
    out[F_POWER] = power
    out[F_SHOTS_FIRED] = shots_fired
    out[F_TURN] = turn
    out[F_ENERGY] = energy[j]
    out[F_SHOOTER_ENERGY] = shooter_energy


def normalized(columns):
    """BeepBoop-style normalised features (roughly [0, 1]) from a dict of raw feature columns.

    Returns a dict name -> float64 array: power/3, virtuality/5, bft/100, (accel+2)/2 floored at 0,
    abs_velocity/8, vel8, (adv_dir+1)/2, timers relative to flight time, dist10/80, dist20/160, the wall
    ratios as they are, stick angles / (pi/2), shots_fired/1000, |lat_vel|/8, (adv_vel+8)/16.
    """
    c = {k: np.asarray(v, dtype=np.float64) for k, v in columns.items()}
    return {
        "power": c["power"] / 3.0,
        "virtuality": c["virtuality_gun"] / 5.0,
        "bft": c["bft"] / 100.0,
        "accel": np.maximum(2.0 + c["accel"], 0.0) / 2.0,
        "abs_velocity": c["abs_velocity"] / 8.0,
        "vel8": c["vel8"],
        "adv_dir": (c["adv_dir"] + 1.0) / 2.0,
        "dir_change_rel": c["dir_change_rel"],
        "decel_rel": c["decel_rel"],
        "dist10": c["dist10"] / 80.0,
        "dist20": c["dist20"] / 160.0,
        "wall_ahead": c["wall_ahead"],
        "wall_reverse": c["wall_reverse"],
        "stick_ahead": c["stick_ahead"] / (math.pi / 2.0),
        "stick_reverse": c["stick_reverse"] / (math.pi / 2.0),
        "shots_fired": c["shots_fired"] / 1000.0,
        "lat_vel": np.abs(c["lat_vel"]) / 8.0,
        "adv_vel": (c["adv_vel"] + 8.0) / 16.0,
    }
