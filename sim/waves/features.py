"""Features of a wave at fire time: BeepBoop's set plus lateral/advancing velocity, distance and turn.

Every feature describes the *target* (the robot a wave is aimed at) as the
shooter sees it when it decides to fire: the state at the end of turn t-1 for a
wave fired in turn t, measured from the wave's source (the shooter's position at
the end of turn t-1). Definitions and ranges are in FEATURES below and in
docs/features.md; `normalized` maps them to roughly [0, 1] the way BeepBoop
normalises its KNN features.

The per-turn history counters (move direction, turns since a direction change,
a deceleration, a velocity change) are computed once per robot and round by
``history_counters`` so that a wave's features cost O(1). The compiled kernels
(``wave_features``, ``history_counters``, and ``ext_features`` for the dataset-schema-2 and -3 columns) are in
sim/waves/gf.py, re-exported here; SCALES holds every feature's fixed normalisation range.
"""
import math

import numpy as np

# the compiled kernel and the column indices live in sim/waves/gf.py (usable by bots; see there)
from sim.waves.gf import (FEATURE_NAMES, EXT_FEATURE_NAMES, SCHEMA2_FEATURE_NAMES, SCHEMA3_FEATURE_NAMES, FLAG_FEATURE_NAMES,  # noqa: F401
                 N_FEAT, N_BASE_FEAT, N_FIRE_FEAT, N_COUNTERS, FLAG_TURNS,
                 STICK, TIMER_CAP, VIRTUALITY_CAP, history_counters, wave_features, ext_features, wall_distance)
# column indices of the feature block and of the history counters
from sim.waves.gf import (F_DISTANCE, F_BFT, F_VELOCITY, F_ABS_VELOCITY, F_VEL8, F_ACCEL, F_LAT_VEL, F_ADV_VEL,
                 F_LAT_DIR, F_MOVE_DIR, F_ADV_DIR, F_DIR_CHANGE_TIME, F_DECEL_TIME, F_VCHANGE_TIME,
                 F_DIR_CHANGE_REL, F_DECEL_REL, F_DIST10, F_DIST20, F_WALL_AHEAD, F_WALL_REVERSE,
                 F_STICK_AHEAD, F_STICK_REVERSE, F_WALL_DIST_AHEAD, F_WALL_DIST_REVERSE, F_VIRTUALITY,
                 F_VIRTUALITY_GUN, F_POWER, F_SHOTS_FIRED, F_TURN, F_ENERGY, F_SHOOTER_ENERGY, F_PATH_GF,
                 F_CURRENT_GF, F_LINEAR_GF, F_CIRCULAR_GF, F_MIRROR_OFFSET, F_STICK_HEADING_AHEAD,
                 F_STICK_HEADING_REVERSE, F_DID_HIT, F_DID_COLLIDE, HC_MOVE_DIR, HC_DIR_CHANGE, HC_SINCE_INC, HC_SINCE_DEC,
                 HC_VCHANGE)  # noqa: F401

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
    ("power", "bullet power of the wave (virtual waves: the shooter's last real power, see sim/waves/tracking.py)",
     "[0.1, 3]"),
    ("shots_fired", "real bullets the shooter fired earlier in the battle", "[0, ...]"),
    ("turn", "fire turn t (turns since the round started)", "[1, round length]"),
    ("energy", "target's energy", "[0, ~200]"),
    ("shooter_energy", "shooter's energy", "[0, ~200]"),
    # dataset schema 2 (sim.waves.gf.ext_features)
    ("path_gf", "continued-path GF: the largest GF on the lateral side a target driving on perpendicular at full speed "
                "with walking-stick wall smoothing (160 px stick) reaches while the wave flies (mea_drive / MEA)",
     "[0, ~1.2]"),
    ("current_gf", "the target's offset now from the direct bearing of the shooter's previous real wave of the round, "
                   "in that wave's classic MEA, signed by this wave's lateral direction (0 before the first real "
                   "wave of the round)", "[~-1.5, ~1.5]"),
    ("linear_gf", "GF of linear targeting's aim: the target kept at its heading and velocity (stopped at a wall) "
                  "until the wave reaches it", "[~-1.2, ~1.2]"),
    ("circular_gf", "GF of circular targeting's aim: as linear_gf, turning at its last turn's heading change "
                    "(clamped to Robocode's turn rate)", "[~-1.2, ~1.2]"),
    # dataset schema 3 (sim.waves.gf.mirror_offset, through ext_features)
    ("mirror_offset", "BeepBoop's mirror offset: the angle from the wave's source (the shooter where it fires) to the "
                      "field's centre minus the direct bearing to the target, in (-pi, pi], times lat_dir (positive: "
                      "the open field lies on the side the target orbits towards)", "(-pi, pi]"),
    ("stick_heading_ahead", "smallest turn (either way) of the direction the target drives (its heading, reversed "
                            "when move_dir = -1) that keeps a 160 px stick inside the field less 18 px (radians)",
     "[0, pi]"),
    ("stick_heading_reverse", "the same for the reversed driving direction (radians)", "[0, pi]"),
    # dataset schema 3, set after fire time (sim/waves/tracking.py wave_flags; the gun keeps them the same way)
    ("did_hit", "1 when one of the shooter's real bullets fired within 3 turns of this wave hit the target while "
                "the wave was not yet broken (its front had not passed the target), else 0; NaN in the enemy table",
     "{0, 1}"),
    ("did_collide", "the same for a real bullet destroyed by an enemy bullet", "{0, 1}"),
)
assert tuple(f[0] for f in FEATURES) == FEATURE_NAMES, "sim/waves/gf.py's feature kernel and FEATURES disagree"
# Fixed normalisation ranges (lo, hi) of every feature: a model trained with them (`gfsim train`, the default)
# maps x to clip((x - lo) / (hi - lo), 0, 1) with the same scale whatever its training set held, so two models'
# embeddings mean the same and a wave outside the training data is not stretched. Documented in docs/features.md.
# "abs:NAME" uses (0, max(|lo|, |hi|)).
SCALES = {
    "distance": (0.0, 1000.0), "bft": (0.0, 100.0), "velocity": (-8.0, 8.0), "abs_velocity": (0.0, 8.0),
    "vel8": (0.0, 1.0), "accel": (-2.0, 1.0), "lat_vel": (-8.0, 8.0), "adv_vel": (-8.0, 8.0), "lat_dir": (-1.0, 1.0),
    "move_dir": (-1.0, 1.0), "adv_dir": (-1.0, 1.0), "dir_change_time": (0.0, 100.0), "decel_time": (0.0, 100.0),
    "vchange_time": (0.0, 100.0), "dir_change_rel": (0.0, 2.0), "decel_rel": (0.0, 2.0), "dist10": (0.0, 80.0),
    "dist20": (0.0, 160.0), "wall_ahead": (0.0, 1.0), "wall_reverse": (0.0, 1.0), "stick_ahead": (0.0, math.pi / 2),
    "stick_reverse": (0.0, math.pi / 2), "wall_dist_ahead": (0.0, 800.0), "wall_dist_reverse": (0.0, 800.0),
    "virtuality": (0.0, 100.0), "virtuality_gun": (0.0, 15.0), "power": (0.0, 3.0), "shots_fired": (0.0, 1500.0),
    "turn": (0.0, 2000.0), "energy": (0.0, 100.0), "shooter_energy": (0.0, 100.0),
    "path_gf": (0.0, 1.2), "current_gf": (-1.5, 1.5), "linear_gf": (-1.2, 1.2), "circular_gf": (-1.2, 1.2),
    "mirror_offset": (-math.pi, math.pi), "stick_heading_ahead": (0.0, math.pi / 2),
    "stick_heading_reverse": (0.0, math.pi / 2), "did_hit": (0.0, 1.0), "did_collide": (0.0, 1.0),
}
assert set(SCALES) == set(FEATURE_NAMES), "every feature needs a fixed scale"


def scale_of(name):
    """The fixed (lo, hi) of a feature name, "abs:NAME" included (see SCALES)."""
    if name.startswith("abs:"):
        lo, hi = SCALES[name[4:]]
        return 0.0, max(abs(lo), abs(hi))
    return SCALES[name]


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
