"""The play-it-forward gun's compiled kernels (issue 17): learn the mover's per-turn policy from the turns observed
so far, play M futures of it forward with the engine's movement physics, aim where most futures' hit sets overlap.

One home for the offline probe (benchmarks/play_forward.py, which re-exports these names) and the in-battle gun
(bots/guns/forecast.py). docs/learning.md, "A play-it-forward gun", "A pooled reversal hazard", "Pre-seeded hazard
tables" and "The play-it-forward gun in battle", describe the model and its measurements:

* the heading: each observed transition t -> t+1 is a state (FEATURE_NAMES, mirrored so that the body points
  clockwise around the shooter) and the body heading at t+1 relative to the line from the shooter at t; a future's
  heading each turn is drawn from the k nearest of the newest `memory` transitions (draw_neighbour; in the futures
  through knn_tree's exact k-d tree, the same draws);
* the velocity command ("go on", "reverse" or stop, at up to a max velocity; velocity_commands), read off the velocity
  run it starts once that run's end is seen; drawn each turn of a future from pooled hazard tables (label_probs)
  whose members are pre-seeded corpus tables and the battle's own counts, a member per future drawn with its
  posterior weight (Bayesian model averaging);
* the futures are played by sim.engine.physics.robot_step, their hit sets by sim.waves.gf.track_wave, the shot by
  sim.waves.gf.best_heading.
"""
import math
from typing import NamedTuple

import numpy as np
from numba import njit

from bots.guns.knn_tree import build_tree, draw_nearest, keep_smallest, tree_draw
from bots.movements.orbit import PARAMS as ORBIT_PARAMS
from bots.movements.steering import orbit_angle, room, short_turn, wall_smooth
from bots.part import layout
from sim.engine.constants import HALF_ROBOT, I64, MAX_TURN_RATE_RADIANS, MAX_VELOCITY
from sim.engine.geometry import normal_relative_angle, robot_box_intersects_line
from sim.engine.physics import (
    bullet_damage,
    bullet_speed,
    new_velocity,
    robot_step,
    turn_rate,
)
from sim.waves.gf import (
    LAG,
    MAX_CAND,
    MAX_FLIGHT,
    MAX_PARTS,
    best_heading,
    stick_rotation,
    track_wave,
)

N_FEAT = 12
STICK = 160.0             # wall-smoothing stick of the orbital-direction features (BeepBoop's)
REV_CAP = 30.0            # the turn counters' start value in a round
FIRE_CAP = 30.0
# features: velocity, its last change, body heading relative to the line from the shooter, distance, room ahead,
# room behind, turns since the velocity's sign changed, turns since the shooter fired, the turns towards the shooter
# that keep a 160 px stick in the field, of the orbital direction of travel and of its reverse
# (sim.waves.gf.stick_rotation: how most movers smooth walls), and the velocity and its change in the direction of
# travel (the velocity command is learned in that frame: "go on" or "reverse", whichever way the body faces). Each is capped (beyond the cap all values are the same
# to the policy). The heading and the velocity command are drawn from two neighbour sets, each with its own scales
# (a scale's difference costs 1; inf = the feature is left out) and k: the heading is nearly a function of the
# geometry (few, close neighbours), a reversal is a rare random event whose rate needs many neighbours
FEATURE_NAMES = ("velocity", "velocity change", "heading off the line", "distance", "room ahead", "room behind",
                 "since reversal", "since shot", "stick ahead", "stick behind", "speed along the travel",
                 "its change")
DEFAULT_CAP = (8.0, 8.0, 4.0, 2000.0, 300.0, 300.0, 14.0, 12.0, 4.0, 4.0, 8.0, 8.0)
DEFAULT_HEADING_SCALE = (1.0, 0.5, 0.1, 60.0, 40.0, 40.0, math.inf, math.inf, 0.1, 0.1, math.inf, math.inf)
DEFAULT_VELOCITY_SCALE = (math.inf, math.inf, math.inf, math.inf, math.inf, math.inf, 2.0, 4.0, 0.1, 0.1, 1.0, 0.5)
DEFAULT_K_HEADING = 16
DEFAULT_K_VELOCITY = 128
RUN_CAP = 40             # a velocity run's command is read off at most this many turns ahead
FAR = 1e4                 # the distance of a "drive on" command


@njit(cache=True, error_model="numpy")
def state_features(x, y, h, v, v_prev, travel, since_rev, since_fire, sx, sy, width, height, cap, out):
    """Fill out[:N_FEAT] with the mirrored state, each feature capped at cap[c]; `travel` is the sign of the
    last non-zero velocity (1 if none yet). Returns (bearing from the shooter, mirror sign)."""
    b = math.atan2(x - sx, y - sy)
    rel = normal_relative_angle(h - b)
    m = 1.0 if rel >= 0.0 else -1.0
    out[0] = v
    out[1] = v - v_prev
    out[2] = m * rel
    out[3] = math.hypot(x - sx, y - sy)
    out[4] = room(x, y, h, HALF_ROBOT, width, height)
    out[5] = room(x, y, h + math.pi, HALF_ROBOT, width, height)
    out[6] = since_rev
    out[7] = since_fire
    lat = v * math.sin(h - b)
    sd = 1.0 if (lat > 0.0 or (lat == 0.0 and m > 0.0)) else -1.0
    out[8] = stick_rotation(x, y, b + sd * 0.5 * math.pi, STICK, HALF_ROBOT, -sd, width, height)
    out[9] = stick_rotation(x, y, b - sd * 0.5 * math.pi, STICK, HALF_ROBOT, sd, width, height)
    out[10] = travel * v
    out[11] = travel * (v - v_prev)
    for c in range(N_FEAT):
        out[c] = min(out[c], cap[c])
    return b, m


@njit(cache=True, error_model="numpy")
def kth_smallest(values, k, best):
    """The k-th smallest of `values` (duplicates counted, as np.partition's [k - 1]) by one pass keeping the k
    smallest sorted in `best` (scratch of k): a few insertions when k is much below len(values)."""
    m = I64(0)
    for i in range(values.shape[0]):
        m = keep_smallest(best, m, k, values[i])
    return best[k - 1]


@njit(cache=True, error_model="numpy")
def draw_neighbour(mem_f, n, q, w, k, dist, best):
    """Index of one of the k stored states nearest q (squared distance weighted by w), drawn uniformly (ties
    at the k-th distance drawn among themselves); -1 if none. mem_f is feature-major (N_FEAT, memory): the
    distances are summed a feature at a time over contiguous columns (the same sums, in the same order, as
    state by state). `dist` is scratch space of n, `best` of k. The reference for knn_tree.tree_draw, which
    gives the same draws without measuring every state."""
    kk = min(k, n)
    if kk == 0:
        return -1
    dist[:n] = 0.0
    for c in range(N_FEAT):
        if w[c] > 0.0:
            wc = w[c]
            qc = q[c]
            col = mem_f[c]
            for i in range(n):
                e = col[i] - qc
                dist[i] += wc * e * e
    if kk == n:
        return np.random.randint(n)
    th = kth_smallest(dist[:n], kk, best)
    in_order = np.empty(0, dtype=np.int64)   # the distances are the columns' own, in order
    return draw_nearest(dist[:n], in_order, th, kk, in_order)


@njit(cache=True, error_model="numpy")
def travel_side(x, y, h, sign, sx, sy):
    """(bearing from the shooter, pi if the body drives backwards else 0, which way round the shooter it travels:
    +1 when its travel heading is the bearing plus 0 to 180 degrees, else -1) of a body at heading h driving the way
    of `sign`."""
    b = math.atan2(x - sx, y - sy)
    flip = 0.0 if sign > 0.0 else math.pi
    return b, flip, 1.0 if normal_relative_angle(h + flip - b) >= 0.0 else -1.0


@njit(cache=True, error_model="numpy")
def orbit_steer_turn(x, y, h, cmd_sign, sx, sy, width, height):
    """A diagnosis (--truth steer), not a model: the body turn the `orbit` movement with its default parameters
    would set at (x, y), heading h, for the orbital direction a command of sign cmd_sign makes it travel — how
    much a perfect heading model would add to the learned one on that mover."""
    _, _, side = travel_side(x, y, h, cmd_sign, sx, sy)
    d = -side       # steering's dir +1 travels at the bearing to the shooter plus 90 degrees: side -1
    raw = orbit_angle(x, y, sx, sy, d, ORBIT_DISTANCE, ORBIT_DISTANCING, ORBIT_MAX_APPROACH)
    angle = wall_smooth(x, y, raw, d, ORBIT_STICK, ORBIT_MARGIN, width, height)
    turn, _ = short_turn(angle, h)
    return turn


# A learned steering (the probe's --heading-model steer-fit, the gun's heading=1 and 2): the mover is taken to
# travel at an angle off the line from the shooter that depends on the distance alone (hat functions on
# STEER_KNOTS, fitted by least squares to the battle's open-field turns), wall-smoothed with the features' stick.
STEER_KNOTS = np.arange(0.0, 1001.0, 50.0)
STEER_RIDGE = 1e-3
OPEN_STICK, OPEN_MARGIN = 200.0, 30.0   # a turn counts as open field when this longer stick had room


@njit(cache=True, error_model="numpy")
def steer_accumulate(gram, rhs, x0, y0, h0, v0, h1, v1, sx, sy, width, height):
    """Add the turn (x0, y0, h0, v0) -> (h1, v1) to the steering's normal equations if it shows where the mover
    steers: moving on the same way, turned less than the turn rate allows, in the open field. The target is the
    travel direction after the turn, off the line from the shooter, on the side the mover travels round it. A
    slowing turn is left out: it may be the first of a reversal, already steering for the other side."""
    if v0 == 0.0 or (v0 > 0.0) != (v1 > 0.0) or abs(v1) < abs(v0):
        return
    if abs(normal_relative_angle(h1 - h0)) >= turn_rate(v0, MAX_TURN_RATE_RADIANS) - 1e-6:
        return
    b, flip, side = travel_side(x0, y0, h0, v0, sx, sy)
    if stick_rotation(x0, y0, h1 + flip, OPEN_STICK, OPEN_MARGIN, side, width, height) != 0.0:
        return
    target = side * normal_relative_angle(h1 + flip - b)
    j, t = hat(math.hypot(x0 - sx, y0 - sy), STEER_KNOTS, I64(0), STEER_KNOTS.shape[0])
    gram[j, j] += (1.0 - t) * (1.0 - t)
    gram[j, j + 1] += (1.0 - t) * t
    gram[j + 1, j] += (1.0 - t) * t
    gram[j + 1, j + 1] += t * t
    rhs[j] += (1.0 - t) * target
    rhs[j + 1] += t * target


@njit(cache=True, error_model="numpy")
def steer_solve(gram, rhs):
    """The steering's weights: the ridge solution of the normal equations."""
    return np.linalg.solve(gram + STEER_RIDGE * np.eye(gram.shape[0]), rhs)


@njit(cache=True, error_model="numpy")
def steer_turn(weights, x, y, h, cmd_sign, sx, sy, width, height):
    """The body turn towards the learned steering's direction for a command of sign cmd_sign (which way round the
    shooter it makes the mover travel), smoothed off the walls towards the shooter with the features' stick."""
    b, flip, side = travel_side(x, y, h, cmd_sign, sx, sy)
    j, t = hat(math.hypot(x - sx, y - sy), STEER_KNOTS, I64(0), STEER_KNOTS.shape[0])
    travel = b + side * ((1.0 - t) * weights[j] + t * weights[j + 1])
    travel += side * stick_rotation(x, y, travel, STICK, HALF_ROBOT, side, width, height)
    return normal_relative_angle(travel + flip - h)


# The heading models judged on the gun's passed waves (its heading=judged): an aim's futures leave their hit sets'
# coverage of the offsets from the mover's bearing on a grid; once the real wave has passed the mover, each model
# scores the log of the share of its futures that covered the middle of the real hit set -- a log-score, the
# BeepBoop loss's reasoning: judged on where the futures go, not one turn ahead on the real path.
JUDGE_SPAN = 1.0          # offsets kept: +-1 rad (a power-0.1 bullet's escape angle is 0.83 rad)
JUDGE_BINS = 400          # 0.005 rad a bin: a robot 600 px away spans 0.06 rad
JUDGE_WIDTH = 2.0 * JUDGE_SPAN / JUDGE_BINS


@njit(cache=True, error_model="numpy")
def judge_add(judge, lo, hi):
    """Count one piece [lo, hi] of a future's hit set on the grid: every bin whose centre it covers."""
    k0 = max(0, int(math.ceil((lo + JUDGE_SPAN) / JUDGE_WIDTH - 0.5)))
    k1 = min(JUDGE_BINS - 1, int(math.floor((hi + JUDGE_SPAN) / JUDGE_WIDTH - 0.5)))
    for k in range(k0, k1 + 1):
        judge[k] += 1.0


@njit(cache=True, error_model="numpy")
def judge_cover(judge, offset):
    """The futures counted on the grid whose hit sets cover `offset` (0 off the grid)."""
    k = int(math.floor((offset + JUDGE_SPAN) / JUDGE_WIDTH))
    return judge[k] if 0 <= k < JUDGE_BINS else 0.0


@njit(cache=True, error_model="numpy")
def judge_score(cover, n):
    """A model's log-score for one passed wave: the log of its futures' share covering the real hit set's middle,
    with half a future's pseudo-count (a model none of whose futures got there is not ruled out for ever)."""
    return math.log((cover + 0.5) / (n + 1.0))


@njit(cache=True, error_model="numpy")
def wave_pieces(ox, oy, speed, lag, b_ref, cx, cy, alive, last, width, height, acc, parts, cand):
    """The hit set of a bullet of `speed` leaving (ox, oy) `lag` turns after an aim's turn, over a path (cx, cy)
    [0..last] whose index 0 is that turn (a future's, or the real one): its pieces in acc[:n] as offsets from the
    bearing to the path at lag - 1 (track_wave); returns (n, track_wave's status, that bearing's offset from
    b_ref)."""
    b1 = math.atan2(cx[lag - 1] - ox, cy[lag - 1] - oy)
    npc, status, _, _, _ = track_wave(ox, oy, b1, speed, I64(lag), cx, cy, alive, I64(lag - 1), I64(last), width,
                                      height, 8.0, acc, parts, cand)
    return npc, status, normal_relative_angle(b1 - b_ref)


@njit(cache=True, error_model="numpy")
def real_wave_middle(ox, oy, speed, lag, b_ref, rx, ry, last, width, height):
    """The real hit set of a bullet of `speed` leaving (ox, oy) `lag` turns after an aim's turn, over the mover's
    observed path (rx, ry)[0..last] (index 0: the aim's turn; forecast_aim's futures in the same frame): (passed,
    the middle of its widest piece as an offset from b_ref). passed is False while the wave has not yet crossed the
    whole box."""
    alive = np.ones(last + 1, dtype=np.bool_)
    acc, parts, cand = np.empty((MAX_PARTS, 2)), np.empty((8, 2)), np.empty((3, MAX_CAND))
    npc, status, off = wave_pieces(ox, oy, speed, lag, b_ref, rx, ry, alive, last, width, height, acc, parts, cand)
    if status != 0 or npc == 0:
        return False, math.nan
    best = 0
    for pc in range(1, npc):
        if acc[pc, 1] - acc[pc, 0] > acc[best, 1] - acc[best, 0]:
            best = pc
    return True, off + 0.5 * (acc[best, 0] + acc[best, 1])


@njit(cache=True, error_model="numpy")
def note_velocity(v, last_sign, since_rev):
    """(last non-zero velocity sign, turns since a reversal) after a turn at velocity v: the count restarts when
    the sign differs from the last non-zero one (the observed turns and the futures count alike)."""
    if v != 0.0:
        sg = 1.0 if v > 0.0 else -1.0
        if last_sign != 0.0 and sg != last_sign:
            since_rev = 0.0
        last_sign = sg
    return last_sign, since_rev


@njit(cache=True, error_model="numpy")
def observed_states(rnd, v, fired):
    """Per recorded turn: the velocity one turn before, turns since the velocity's sign changed and since
    the shooter fired (counters restarting each round), and the sign of the last non-zero velocity (1 if none)."""
    n = v.shape[0]
    travel = np.ones(n)
    v_prev = np.zeros(n)
    since_rev = np.empty(n)
    since_fire = np.empty(n)
    last_sign = 0.0
    for i in range(n):
        if i == 0 or rnd[i] != rnd[i - 1]:
            v_prev[i] = v[i]
            since_rev[i] = REV_CAP
            since_fire[i] = FIRE_CAP
            last_sign = 0.0
        else:
            v_prev[i] = v[i - 1]
            since_rev[i] = since_rev[i - 1] + 1.0
            since_fire[i] = since_fire[i - 1] + 1.0
        last_sign, since_rev[i] = note_velocity(v[i], last_sign, since_rev[i])
        if fired[i]:
            since_fire[i] = 0.0
        if last_sign != 0.0:
            travel[i] = last_sign
    return v_prev, since_rev, since_fire, travel


@njit(cache=True, error_model="numpy")
def velocity_commands(rnd, v):
    """The velocity command each turn's change t -> t+1 followed, read off the run it starts: the velocity
    keeps changing the same way until it settles (or turns back) at v*, so the command was "drive towards
    sign(v*) at up to |v*|" (0 = stop) -- unless the engine's rule does not give the next velocity from it,
    when the command was that velocity itself (a cap of that turn). Returns (direction, max velocity, row at
    which the run is known to have ended -- the row after its last change, where the change stops -- : the
    command may be learned only from then on)."""
    n = v.shape[0]
    d = np.zeros(n)
    mv = np.zeros(n)
    known = np.zeros(n, dtype=np.int64)
    for t in range(n - 1):
        known[t] = t + 1
        if rnd[t + 1] != rnd[t]:
            continue
        ch = v[t + 1] - v[t]
        u = t + 1
        if ch != 0.0:
            while u + 1 < n and rnd[u + 1] == rnd[t] and u - t < RUN_CAP and (v[u + 1] - v[u]) * ch > 0.0:
                u += 1
        vs = v[u]
        if ch != 0.0 and u + 1 < n and rnd[u + 1] == rnd[t] and u - t < RUN_CAP:
            known[t] = u + 1                         # the run's end is seen in the turn after it
        else:
            known[t] = u
        if new_velocity(v[t], FAR * math.copysign(1.0, vs), abs(vs)) != v[t + 1]:
            vs = v[t + 1]                            # the turn's own cap (a slower turn or a fresh max velocity)
        d[t] = 0.0 if vs == 0.0 else (1.0 if vs > 0.0 else -1.0)
        mv[t] = abs(vs)
    return d, mv, known


# The pooled hazard model of the velocity command (--velocity-model hazard). A command is the absolute direction
# D (+1 ahead, -1 back, 0 stop) and a max velocity; its label relative to the way the body travels is GO_ON,
# REVERSE or STOP. Each turn the next label is drawn given the previous one and three binned quantities -- the
# wall pressure (how far the wall-smoothed orbital direction of travel turns into the shooter), turns since the
# shooter fired, and the command's age (turns since D last changed) -- from counts pooled over every observed
# turn of the battle, smoothed level by level towards the coarser table (label; + wall; + fire; + age) with
# --prior (DEFAULT_PRIOR) pseudo-counts: a rare event gets the rate of all its observations, an empty bin its
# parent's.
GO_ON, REVERSE, STOP = 0, 1, 2
TRUE_HEADING, TRUE_VELOCITY = 1, 2          # diagnosis (--truth): the recorded heading / velocity command
TRUE_DIRECTION, TRUE_SPEED = 4, 8           # ... or only the command's direction / only its max velocity
TRUE_STEER = 16           # ... or the heading orbit's own steering (default parameters) picks for the drawn command
TRUE_FIRST = 32           # ... only in a future's first step: the command in force at the aim, not the later draws
_ORBIT = {p.name: p.default for p in ORBIT_PARAMS}
ORBIT_DISTANCE, ORBIT_DISTANCING, ORBIT_MAX_APPROACH, ORBIT_STICK, ORBIT_MARGIN = (
    _ORBIT["distance"], _ORBIT["distancing"], _ORBIT["max_approach"], _ORBIT["stick"], _ORBIT["margin"])
WALL_STEP = 0.1           # wall-pressure bins of 0.1 rad; bin 0 = no pressure
WALL_BINS = 12
FIRE_BINS = 5             # turns since the shooter fired: 0, 1, 2, 3, 4 or more
AGE_BINS = 21             # the command's age in turns: 1 .. 19, 20 or more (index 0 unused)
DEFAULT_PRIOR = 2.0
RING = 512                # newest max velocities kept for the speed-change and start draws
SIG_RING = 64             # newest commands kept per in-progress-run signature
SIG_TRIES = 16            # draws among them for one that gives the run's last step (run_command)
SIGNATURES = 3 * 9 * 9
# --geometry: hazard levels binning what the wall bins leave out -- the distance to the shooter (DIST_EDGES px) and
# the reverse direction's wall pressure (REV_EDGES rad) -- right below the wall level (label; + wall; + geometry;
# + fire; + age). The counts (c5: label, wall, distance, reverse pressure, fire, age, next label) always hold both;
# a mode sums over the one it leaves out, and the coarser geometry levels over fire and age.
DIST_EDGES = (300.0, 450.0, 600.0)
REV_EDGES = (0.0, 0.3, 0.6)
DIST_BINS = len(DIST_EDGES) + 1
REV_BINS = len(REV_EDGES) + 1
GEOMETRY = {"none": 0, "distance": 1, "reverse": 2, "both": 3}


@njit(cache=True, error_model="numpy")
def command_label(d, travel):
    """GO_ON, REVERSE or STOP: the absolute command direction d relative to the way the body travels."""
    if d == 0.0:
        return STOP
    return GO_ON if d == travel else REVERSE


@njit(cache=True, error_model="numpy")
def label_direction(label, travel):
    """command_label's inverse: the absolute command direction of a label for a body travelling `travel`."""
    return 0.0 if label == STOP else (travel if label == GO_ON else -travel)


@njit(cache=True, error_model="numpy")
def wall_pressure(x, y, h, travel, sx, sy, width, height):
    """Rotation towards the shooter that keeps a STICK-long stick in the field, of the perpendicular to the line
    from the shooter in the orbital direction the body travels: what drives a wall-smoothing mover into its enemy."""
    b = math.atan2(x - sx, y - sy)
    sd = 1.0 if travel * math.sin(h - b) >= 0.0 else -1.0
    return stick_rotation(x, y, b + sd * 0.5 * math.pi, STICK, HALF_ROBOT, sd, width, height)


@njit(cache=True, error_model="numpy")
def hazard_bins(pressure, since_fire, age):
    """(wall, fire, age) bin indices of the hazard tables."""
    w = 0 if pressure <= 0.0 else min(1 + int(pressure / WALL_STEP), WALL_BINS - 1)
    return w, min(int(since_fire), FIRE_BINS - 1), max(1, min(int(age), AGE_BINS - 1))


@njit(cache=True, error_model="numpy")
def edge_bin(value, edges):
    """Index of the first edge `value` does not exceed (len(edges) beyond the last)."""
    for k in range(len(edges)):
        if value <= edges[k]:
            return k
    return len(edges)


@njit(cache=True, error_model="numpy")
def geometry_bins(x, y, h, travel, sx, sy, width, height):
    """(distance bin, reverse-direction wall-pressure bin) of the geometry level."""
    return (edge_bin(math.hypot(x - sx, y - sy), DIST_EDGES),
            edge_bin(wall_pressure(x, y, h, -travel, sx, sy, width, height), REV_EDGES))


@njit(cache=True, error_model="numpy")
def smoothed(counts, prior, strength, out):
    """out = (counts + strength * prior) / (sum(counts) + strength): the parent level's rates pull an
    estimate with few counts; with none it is the parent's."""
    tot = 0.0
    for c in range(counts.shape[0]):
        tot += counts[c]
    for c in range(counts.shape[0]):
        out[c] = (counts[c] + strength * prior[c]) / (tot + strength)


@njit(cache=True, error_model="numpy")
def geometry_counts(c5, prev, w, f, a, db, rb, geometry, level, out):
    """out = the geometry counts of wall bin w at distance bin db / reverse-pressure bin rb (summed over the one
    the mode leaves out, GEOMETRY: 1 distance, 2 reverse, 3 both): level 2 over every fire and age bin, level 3
    in fire bin f over every age, level 4 in (f, a)."""
    out[:] = 0.0
    for d in range(DIST_BINS):
        if geometry != 2 and d != db:
            continue
        for r in range(REV_BINS):
            if geometry != 1 and r != rb:
                continue
            for ff in range(FIRE_BINS):
                if level >= 3 and ff != f:
                    continue
                for aa in range(AGE_BINS):
                    if level == 4 and aa != a:
                        continue
                    for c in range(3):
                        out[c] += c5[prev, w, d, r, ff, aa, c]


@njit(cache=True, error_model="numpy")
def label_probs(c1, c2, c3, c4, c5, prev, w, f, a, db, rb, geometry, strength, out):
    """Probabilities of the next label after `prev` in bins (w, f, a), each level smoothed towards the last:
    label; + wall; + fire; + age -- or with geometry (not 0) label; + wall; + geometry (db, rb); + fire; + age."""
    p = np.full(3, 1.0 / 3.0)
    q = np.empty(3)
    smoothed(c1[prev], p, strength, q)
    smoothed(c2[prev, w], q, strength, p)
    if geometry == 0:
        smoothed(c3[prev, w, f], p, strength, q)
        smoothed(c4[prev, w, f, a], q, strength, out)
        return
    g = np.empty(3)
    geometry_counts(c5, prev, w, f, a, db, rb, geometry, I64(2), g)
    smoothed(g, p, strength, q)
    geometry_counts(c5, prev, w, f, a, db, rb, geometry, I64(3), g)
    smoothed(g, q, strength, p)
    geometry_counts(c5, prev, w, f, a, db, rb, geometry, I64(4), g)
    smoothed(g, p, strength, out)


@njit(cache=True, error_model="numpy")
def speed_change_prob(s1, s2, w, strength):
    """Pooled per-turn probability that a moving command changes its max velocity, in wall bin w."""
    p = np.array([0.5, 0.5])
    q = np.empty(2)
    smoothed(s1, p, strength, q)
    smoothed(s2[w], q, strength, p)
    return p[1]


@njit(cache=True, error_model="numpy")
def learn_command(c1, c2, c3, c4, c5, s1, s2, change_ring, start_ring, ring_n, prev_d, prev_mv, d, mv, travel, w, f,
                  a, db, rb):
    """Count one observed turn: command (prev_d, prev_mv) of age a followed by (d, mv), the body travelling
    `travel`, in wall bin w, fire bin f and geometry bins (db, rb)."""
    lp = command_label(prev_d, travel)
    ln = command_label(d, travel)
    c1[lp, ln] += 1.0
    c2[lp, w, ln] += 1.0
    c3[lp, w, f, ln] += 1.0
    c4[lp, w, f, a, ln] += 1.0
    if c5.shape[0] > 0:                 # the geometry table is kept (an empty one: geometry 0 only, the gun's)
        c5[lp, w, db, rb, f, a, ln] += 1.0
    if d != 0.0 and prev_d != 0.0:
        change = 1 if abs(mv - prev_mv) > 1e-9 else 0
        s1[change] += 1.0
        s2[w, change] += 1.0
        if change:
            change_ring[int(ring_n[0]) % RING] = mv
            ring_n[0] += 1
    elif d != 0.0:
        start_ring[int(ring_n[1]) % RING] = mv
        ring_n[1] += 1


@njit(cache=True, error_model="numpy")
def command_log_prob(c1, c2, c3, c4, c5, s1, s2, prev_d, prev_mv, d, mv, travel, w, f, a, db, rb, geometry,
                     strength, probs):
    """Log-probability one member's tables give the observed turn (prev_d, prev_mv) -> (d, mv): its label and,
    for a moving command that stays moving, whether its max velocity changed (the draws of next_command)."""
    label_probs(c1, c2, c3, c4, c5, command_label(prev_d, travel), w, f, a, db, rb, geometry, strength, probs)
    lp = math.log(probs[command_label(d, travel)])
    if d != 0.0 and prev_d != 0.0:
        pc = speed_change_prob(s1, s2, w, strength)
        lp += math.log(pc if abs(mv - prev_mv) > 1e-9 else 1.0 - pc)
    return lp


@njit(cache=True, error_model="numpy")
def count_transition(x, y, h, travel, sx, sy, since_fire, age, prev_d, prev_mv, d, mv, width, height, geometry,
                     strength, c1, c2, c3, c4, c5, s1, s2, change_ring, start_ring, ring_n, own, scored_from, loglik,
                     probs):
    """One known transition: the mover at (x, y, h) travelling `travel`, the shooter at (sx, sy), its command
    (prev_d, prev_mv) of age `age` followed by (d, mv). Add its log-probability under the tables of every member
    from `scored_from` on (before counting it: the own member's is prequential; members before it are scored
    elsewhere, or not at all) to loglik; then count it into member `own`."""
    wb, fb, ab = hazard_bins(wall_pressure(x, y, h, travel, sx, sy, width, height), since_fire, age)
    db, rb = geometry_bins(x, y, h, travel, sx, sy, width, height)
    for k in range(scored_from, c1.shape[0]):
        loglik[k] += command_log_prob(c1[k], c2[k], c3[k], c4[k], c5[k], s1[k], s2[k], prev_d, prev_mv, d, mv,
                                      travel, wb, fb, ab, db, rb, geometry, strength, probs)
    learn_command(c1[own], c2[own], c3[own], c4[own], c5[own], s1[own], s2[own], change_ring[own], start_ring[own],
                  ring_n[own], prev_d, prev_mv, d, mv, travel, wb, fb, ab, db, rb)


@njit(cache=True, error_model="numpy")
def observe_transition(j, rnd, x, y, h, travel, since_fire, age, cmd_dir, cmd_vel, sx, sy, width, height, geometry,
                       strength, c1, c2, c3, c4, c5, s1, s2, change_ring, start_ring, ring_n, own, score, loglik,
                       probs):
    """count_transition of row j of a whole recorded battle's arrays (the transition j -> j+1 and the command
    before it, in one round)."""
    if j < 1 or rnd[j - 1] != rnd[j]:
        return
    count_transition(x[j], y[j], h[j], travel[j], sx[j], sy[j], since_fire[j], age[j], cmd_dir[j - 1], cmd_vel[j - 1],
                     cmd_dir[j], cmd_vel[j], width, height, geometry, strength, c1, c2, c3, c4, c5, s1, s2,
                     change_ring, start_ring, ring_n, own, 0 if score else c1.shape[0], loglik, probs)


def empty_tables(members, c5_labels=3):
    """Zeroed hazard tables of `members` members (the member axis first): (c1, c2, c3, c4, c5, s1, s2,
    change_ring, start_ring, ring_n), the order every kernel takes them in. c5_labels = 0 drops the geometry table
    (c5 then holds nothing; only geometry 0 may use such tables)."""
    return (np.zeros((members, 3, 3)), np.zeros((members, 3, WALL_BINS, 3)),
            np.zeros((members, 3, WALL_BINS, FIRE_BINS, 3)), np.zeros((members, 3, WALL_BINS, FIRE_BINS, AGE_BINS, 3)),
            np.zeros((members, c5_labels, WALL_BINS, DIST_BINS, REV_BINS, FIRE_BINS, AGE_BINS, 3)),
            np.zeros((members, 2)), np.zeros((members, WALL_BINS, 2)), np.zeros((members, RING)),
            np.zeros((members, RING)), np.zeros((members, 2), dtype=np.int64))


@njit(cache=True, error_model="numpy")
def count_battle(rnd, x, y, h, v, fired, live, sx, sy, width, height, geometry, strength, c1, c2, c3, c4, c5, s1, s2,
                 change_ring, start_ring, ring_n, own, score, loglik):
    """observe_transition over every transition of a whole recorded battle, in time order (what the probe has
    learned by its end): the corpus builder's counts (own = the battle's member) and, with `score`, every
    member's log-likelihood of the battle."""
    since_fire, travel, cmd_dir, cmd_vel, age, rows = battle_transitions(rnd, v, fired, live)
    probs = np.empty(3)
    for j in rows:
        observe_transition(j, rnd, x, y, h, travel, since_fire, age, cmd_dir, cmd_vel, sx, sy, width, height,
                           geometry, strength, c1, c2, c3, c4, c5, s1, s2, change_ring, start_ring, ring_n, own,
                           score, loglik, probs)


@njit(cache=True, error_model="numpy")
def battle_transitions(rnd, v, fired, live):
    """What the hazard tables learn from a whole recorded battle: per row the turns since the shooter fired, the
    direction of travel, the velocity command (direction, max velocity) and its age, and the rows j, in time
    order, whose transition j -> j+1 observe_transition counts (j - 1, j and j + 1 in one round, the mover alive
    at j + 1). count_battle counts them; benchmarks/hazard_score.py scores them."""
    _, _, since_fire, travel = observed_states(rnd, v, fired)
    cmd_dir, cmd_vel, _ = velocity_commands(rnd, v)
    age = command_ages(rnd, cmd_dir)
    keep = np.zeros(rnd.shape[0], dtype=np.bool_)
    for j in range(1, rnd.shape[0] - 1):
        keep[j] = rnd[j - 1] == rnd[j] and rnd[j + 1] == rnd[j] and live[j + 1]
    return since_fire, travel, cmd_dir, cmd_vel, age, np.flatnonzero(keep)


@njit(cache=True, error_model="numpy")
def draw_ring(ring, count, fallback):
    """A uniformly drawn value of the ring's newest min(count, RING), or `fallback` if it is empty."""
    if count == 0:
        return fallback
    return ring[np.random.randint(min(int(count), RING))]


@njit(cache=True, error_model="numpy")
def draw_label(p):
    r = np.random.random()
    if r < p[0]:
        return GO_ON
    return REVERSE if r < p[0] + p[1] else STOP


@njit(cache=True, error_model="numpy")
def next_command(c1, c2, c3, c4, c5, s1, s2, change_ring, start_ring, ring_n, d, mv, age, travel, pressure, since_fire,
                 db, rb, geometry, strength, probs):
    """One turn of a future's command chain: (direction, max velocity, age) after (d, mv, age)."""
    w, f, a = hazard_bins(pressure, since_fire, age)
    label_probs(c1, c2, c3, c4, c5, command_label(d, travel), w, f, a, db, rb, geometry, strength, probs)
    lab = draw_label(probs)
    nd = label_direction(lab, travel)
    if nd != 0.0:
        if d == 0.0:
            mv = draw_ring(start_ring, ring_n[1], MAX_VELOCITY)
        elif np.random.random() < speed_change_prob(s1, s2, w, strength):
            mv = draw_ring(change_ring, ring_n[0], mv)
    return nd, mv, (age + 1.0 if nd == d else 1.0)


@njit(cache=True, error_model="numpy")
def fit_command(fit, member, change_ring, start_ring, ring_n, d, mv, age, travel, since_fire, speed, x, y, h, sx, sy,
                width, height, scratch, probs, change):
    """next_command with member `member`'s continuous hazard in place of its tables (the new max velocities still
    come from its rings)."""
    fit_probs(fit, member, command_label(d, travel), age, since_fire, speed, x, y, h, travel, sx, sy, width, height,
              scratch, probs, change)
    lab = draw_label(probs)
    nd = label_direction(lab, travel)
    if nd != 0.0:
        if d == 0.0:
            mv = draw_ring(start_ring, ring_n[1], MAX_VELOCITY)
        elif np.random.random() < change[lab]:
            mv = draw_ring(change_ring, ring_n[0], mv)
    return nd, mv, (age + 1.0 if nd == d else 1.0)


@njit(cache=True, error_model="numpy")
def run_signature(v_before, v_now, travel):
    """Signature of a turn's velocity change for the commands of runs still in progress: the change's sign in the
    direction of travel and both speeds rounded to whole pixels per turn."""
    ch = (v_now - v_before) * travel
    s = 0 if ch < 0.0 else (1 if ch == 0.0 else 2)
    return s * 81 + min(int(abs(v_before) + 0.5), 8) * 9 + min(int(abs(v_now) + 0.5), 8)


@njit(cache=True, error_model="numpy")
def command_ages(rnd, d):
    """age[j] = turns the command of turn j-1 had lasted by turn j (its run of equal directions; 1 at a round's
    start)."""
    n = d.shape[0]
    age = np.ones(n)
    for j in range(2, n):
        if rnd[j - 1] == rnd[j] and rnd[j - 2] == rnd[j] and d[j - 1] == d[j - 2]:
            age[j] = age[j - 1] + 1.0
    return age


# ---------------------------------------------------------------------------------------------------------------
# The continuous hazard (issue 17): the corpus members' velocity-command labels and max-velocity changes as
# multinomial logistic models on a hat-function basis of continuous geometry, fitted by benchmarks/hazard_fit.py
# (docs/learning.md, "A continuous reversal hazard"). The binned tables cut the wall pressure into 0.1 rad bins
# and leave out the distance and the other direction, where orbit's wall reversal is a sharp threshold; with a
# fit, the corpus members score and play their commands through it, the battle's own member through its tables.

N_RAW = 10                # raw_features' length


class HazardFit(NamedTuple):
    """Fitted continuous hazard of the corpus members (benchmarks/hazard_fit.py's model file): label_w (members, 3
    previous labels, basis, 3 next labels), speed_w (members, 2 next labels GO_ON / REVERSE, basis, 2: keeps / changes
    its max velocity) and the hat basis (block features (blocks, 2), knot starts and counts (blocks, 2), block
    offsets (blocks,), knots). No members: the binned tables alone (no_fit)."""
    label_w: object
    speed_w: object
    feat: object
    start: object
    count: object
    offset: object
    knots: object


def no_fit():
    """A HazardFit of no members: every member plays its binned tables."""
    return HazardFit(np.zeros((0, 3, 1, 3)), np.zeros((0, 2, 1, 2)), np.zeros((0, 2), dtype=np.int64),
                     np.zeros((0, 2), dtype=np.int64), np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64),
                     np.zeros(0))


@njit(cache=True, error_model="numpy")
def fit_size(members, basis, blocks, knots):
    """Length of the buffer fit_views lays out."""
    return members * (9 + 4) * basis + 7 * blocks + knots


@njit(cache=True, error_model="numpy")
def fit_views(buf, members, basis, blocks, knots):
    """A HazardFit of float64 views of `buf` (fit_size long; the basis indices as floats): the gun keeps its fit in
    its part memory. No members: an empty fit."""
    o = 0
    label_w = buf[o:o + members * 9 * basis].reshape((members, 3, basis, 3))
    o += members * 9 * basis
    speed_w = buf[o:o + members * 4 * basis].reshape((members, 2, basis, 2))
    o += members * 4 * basis
    feat = buf[o:o + 2 * blocks].reshape((blocks, 2))
    o += 2 * blocks
    start = buf[o:o + 2 * blocks].reshape((blocks, 2))
    o += 2 * blocks
    count = buf[o:o + 2 * blocks].reshape((blocks, 2))
    o += 2 * blocks
    offset = buf[o:o + blocks]
    o += blocks
    knot = buf[o:o + knots]
    o += knots
    if o != buf.shape[0]:
        raise ValueError("fit_views: the buffer is not fit_size long")
    return HazardFit(label_w, speed_w, feat, start, count, offset, knot)


@njit(cache=True, error_model="numpy")
def raw_features(age, since_fire, speed, x, y, h, travel, sx, sy, width, height, out):
    """out[:N_RAW] = the continuous features of a turn: the command's age, turns since the shooter fired, `speed`
    (the velocity times `travel`, the sign of the last non-zero velocity), wall_pressure of travel, the distance to
    the shooter, wall_pressure of -travel, the angle between the travel heading and the line to the shooter, the
    room ahead and behind, and the turn from the travel heading to the perpendicular of the orbital direction of
    travel rotated by that pressure (where a wall-smoothing mover with the probe's stick steers)."""
    out[0] = age
    out[1] = since_fire
    out[2] = speed
    out[3] = wall_pressure(x, y, h, travel, sx, sy, width, height)
    out[4] = math.hypot(x - sx, y - sy)
    out[5] = wall_pressure(x, y, h, -travel, sx, sy, width, height)
    heading = h if travel > 0.0 else h + math.pi
    out[6] = abs(normal_relative_angle(heading - math.atan2(sx - x, sy - y)))
    out[7] = room(x, y, heading, HALF_ROBOT, width, height)
    out[8] = room(x, y, heading + math.pi, HALF_ROBOT, width, height)
    b = math.atan2(x - sx, y - sy)
    sd = 1.0 if travel * math.sin(h - b) >= 0.0 else -1.0         # wall_pressure's orbital direction
    out[9] = sd * normal_relative_angle(b + sd * (0.5 * math.pi + out[3]) - heading)


@njit(cache=True, error_model="numpy")
def hat(value, knots, s, n):
    """(index of the left knot, weight of the right one) of `value` among knots[s:s+n], clamped to their range."""
    if value <= knots[s]:
        return 0, 0.0
    if value >= knots[s + n - 1]:
        return n - 2, 1.0
    k = 0
    while knots[s + k + 1] < value:
        k += 1
    return k, (value - knots[s + k]) / (knots[s + k + 1] - knots[s + k])


@njit(cache=True, error_model="numpy")
def sparse_basis(raw, feat, start, count, offset, knots, idx, wt):
    """The non-zero basis functions of the features `raw` (index 0: the bias): indices into idx, values into wt;
    returns how many (at most 1 + 4 blocks)."""
    idx[0] = 0
    wt[0] = 1.0
    m = 1
    for b in range(feat.shape[0]):             # int(): the gun keeps the basis in its float64 memory
        off = int(offset[b])
        ka, ta = hat(raw[int(feat[b, 0])], knots, int(start[b, 0]), int(count[b, 0]))
        if feat[b, 1] < 0:
            idx[m] = off + ka
            wt[m] = 1.0 - ta
            idx[m + 1] = off + ka + 1
            wt[m + 1] = ta
            m += 2
            continue
        kb, tb = hat(raw[int(feat[b, 1])], knots, int(start[b, 1]), int(count[b, 1]))
        nb = int(count[b, 1])
        for da in range(2):
            for db in range(2):
                idx[m] = off + (ka + da) * nb + kb + db
                wt[m] = (ta if da else 1.0 - ta) * (tb if db else 1.0 - tb)
                m += 1
    return m


@njit(cache=True, error_model="numpy")
def softmax_row(w, group, idx, wt, nnz, out):
    """out = softmax of the classes' logits sum_k wt[k] * w[group, idx[k], :]."""
    c = w.shape[2]
    top = -1e300
    for j in range(c):
        z = 0.0
        for k in range(nnz):
            z += wt[k] * w[group, idx[k], j]
        out[j] = z
        top = max(top, z)
    tot = 0.0
    for j in range(c):
        out[j] = math.exp(out[j] - top)
        tot += out[j]
    for j in range(c):
        out[j] /= tot


@njit(cache=True, error_model="numpy")
def fit_probs(fit, member, prev_label, age, since_fire, speed, x, y, h, travel, sx, sy, width, height, scratch,
              probs, change):
    """One turn of member `member`'s continuous hazard: probs[:3] = P(next label | previous label, state) and
    change[:2] = P(a moving command changes its max velocity | next label GO_ON, REVERSE). scratch: fit_scratch."""
    raw, idx, wt, two = scratch
    raw_features(age, since_fire, speed, x, y, h, travel, sx, sy, width, height, raw)
    nnz = sparse_basis(raw, fit.feat, fit.start, fit.count, fit.offset, fit.knots, idx, wt)
    softmax_row(fit.label_w[member], prev_label, idx, wt, nnz, probs)
    for g in range(2):
        softmax_row(fit.speed_w[member], g, idx, wt, nnz, two)
        change[g] = two[1]


@njit(cache=True, error_model="numpy")
def fit_scratch(fit):
    """fit_probs' work arrays: the raw features, the basis indices and values, a pair."""
    n = 1 + 4 * fit.feat.shape[0]
    return np.empty(N_RAW), np.empty(n, dtype=np.int64), np.empty(n), np.empty(2)


@njit(cache=True, error_model="numpy")
def fit_log_prob(fit, member, prev_d, prev_mv, d, mv, travel, age, since_fire, speed, x, y, h, sx, sy, width, height,
                 scratch, probs, change):
    """Log-probability member `member`'s continuous hazard gives the observed turn (prev_d, prev_mv) -> (d, mv):
    its label and, for a moving command that stays moving, whether its max velocity changed (command_log_prob's
    terms)."""
    fit_probs(fit, member, command_label(prev_d, travel), age, since_fire, speed, x, y, h, travel, sx, sy, width,
              height, scratch, probs, change)
    lab = command_label(d, travel)
    lp = math.log(probs[lab])
    if d != 0.0 and prev_d != 0.0:
        pc = change[lab]
        lp += math.log(pc if abs(mv - prev_mv) > 1e-9 else 1.0 - pc)
    return lp


# The learner and the aimer, one state bundle for both the offline probe (play_forward_battle) and the in-battle
# gun (bots/guns/forecast.py). The learner takes one observed turn at a time (forecast_observe) and learns every
# transition whose velocity command has become known; the aimer (forecast_aim) plays M futures from the newest
# observed turn. All state is float64 views of one buffer (forecast_views): the probe allocates it, the gun keeps
# it in its part memory.

# The shooter's own later shots, played in each future (the in-battle gun; docs/learning.md, "The gun against the
# probe on the same bullets"). A gun that holds fire while its bullets on their way are expected to finish the mover
# fires its next bullet when its bullets in flight -- and whether they hit -- say so, and a mover that steps at each
# shot (stop-and-go) steps then: each future decides those shots from its own path, as the gun will.
FLIGHT = layout("ForecastFlight", fire=1, speed=1, sx=1, sy=1, heading=1, power=1, cover=1, id=1, gone=1)


class ShotPlan(NamedTuple):
    """What a future needs to decide the shooter's later shots as the gun's hold rule will (empty `flight`: the
    caller's fixed shot[] instead, as the offline probe's recorded shots).

    flight   (n, FLIGHT.size) the shooter's real bullets (the turn each left, speed, start, heading, power, the
             coverage of its aim, its id in the round, gone = 1 once it hit something; power 0 = an empty slot),
             in the order the gun sums them
    energy   the mover's energy at the newest observed row
    chance   the gun's hold_chance (> 0): it holds fire while its undecided bullets finish the mover with that chance
    power    the power of this aim's bullet and of the later ones
    gap      turns from one bullet to the next of a gun firing as soon as it is cool
    cover    the expected hit share of this aim's and the later bullets (the last aim's coverage)
    turn     the turn of the newest observed row
    """
    flight: object
    energy: float
    chance: float
    power: float
    gap: int
    cover: float
    turn: float


@njit(cache=True, error_model="numpy")
def no_plan():
    """An empty ShotPlan: the futures read the caller's shot[]."""
    return ShotPlan(np.zeros((0, FLIGHT.size)), 0.0, 0.0, 0.0, I64(0), 0.0, 0.0)


@njit(cache=True, error_model="numpy")
def undecided(t, fire, speed, sx, sy, ex, ey):
    """Whether a bullet that left (sx, sy) in turn `fire` may still hit, in turn t or later, a mover at (ex, ey):
    its segment of turn t has not yet passed the mover's reach (18 sqrt 2, and the 8 px the mover may move). Until
    then whether it hits is not known: it may still finish the mover."""
    return (t - fire) * speed <= math.hypot(ex - sx, ey - sy) + HALF_ROBOT * math.sqrt(2.0) + MAX_VELOCITY


KILL_MAX = 12     # bullets kill_chance enumerates: a power-3 gun has at most 6 on their way (FLIGHT_CAP says why)


@njit(cache=True, error_model="numpy")
def kill_chance(cover, damage, n, energy):
    """The probability that bullets hitting independently, the i-th with probability cover[i] for damage[i], do at
    least `energy` damage in all (the first n; at most KILL_MAX: every subset enumerated)."""
    n = min(n, KILL_MAX)
    total = 0.0
    for mask in range(1 << n):
        pr = 1.0
        dmg = 0.0
        for i in range(n):
            if (mask >> i) & 1:
                pr *= cover[i]
                dmg += damage[i]
            else:
                pr *= 1.0 - cover[i]
        if dmg >= energy:
            total += pr
    return total


@njit(cache=True, error_model="numpy")
def finish_chance(flight, flying, leaves, n, cover, power, ox, oy, ex, ey, energy, t):
    """The chance that the bullets still undecided at turn t finish a mover at (ex, ey) with `energy` left: the
    real ones in `flight` still flying[] (each hitting with the coverage of its aim) and the planned ones leaving
    (ox, oy) at turns leaves[:n] (each hitting with `cover`, of `power`)."""
    hit = np.empty(KILL_MAX)
    dmg = np.empty(KILL_MAX)
    k = I64(0)              # not a literal 0: kill_chance is compiled once (sim/engine/constants.I64)
    for q in range(flight.shape[0]):
        if k < KILL_MAX and flying[q] and undecided(t, flight[q, FLIGHT.fire], flight[q, FLIGHT.speed],
                                                    flight[q, FLIGHT.sx], flight[q, FLIGHT.sy], ex, ey):
            hit[k] = flight[q, FLIGHT.cover]
            dmg[k] = bullet_damage(flight[q, FLIGHT.power])
            k += 1
    speed = bullet_speed(power)
    for q in range(n):
        if k < KILL_MAX and undecided(t, leaves[q], speed, ox, oy, ex, ey):
            hit[k] = cover
            dmg[k] = bullet_damage(power)
            k += 1
    return kill_chance(hit, dmg, k, energy) if k > 0 else 0.0


@njit(cache=True, error_model="numpy")
def plan_fires(plan, flying, leaves, n, ox, oy, ex, ey, energy, decided):
    """The hold rule of the gun (forecast.py, hold_chance) in a future: at turn `decided`, with the mover at (ex, ey)
    and `energy` left, does the gun fire -- or do the real bullets still flying[] in this future and its own planned
    ones (leaves[:n] from (ox, oy)) finish the mover with at least the plan's chance?"""
    return finish_chance(plan.flight, flying, leaves, n, plan.cover, plan.power, ox, oy, ex, ey, energy,
                         decided) < plan.chance


@njit(cache=True, error_model="numpy")
def bullets_hit(flight, flying, t, x, y):
    """Damage the real bullets in `flight` do in turn t to a body at (x, y) (each bullet moves after the bodies:
    this turn's segment of its path against the 36 x 36 box); the ones that hit are no longer flying."""
    damage = 0.0
    for q in range(flight.shape[0]):
        if flying[q] and t >= flight[q, FLIGHT.fire]:
            d0 = (t - flight[q, FLIGHT.fire]) * flight[q, FLIGHT.speed]
            d1 = d0 + flight[q, FLIGHT.speed]
            s, c = math.sin(flight[q, FLIGHT.heading]), math.cos(flight[q, FLIGHT.heading])
            bx, by = flight[q, FLIGHT.sx], flight[q, FLIGHT.sy]
            if robot_box_intersects_line(x, y, bx + d0 * s, by + d0 * c, bx + d1 * s, by + d1 * c):
                damage += bullet_damage(flight[q, FLIGHT.power])
                flying[q] = False
    return damage


HIST = 64                 # newest observed rows kept: a command is read off at most RUN_CAP + 1 rows later
(H_SEG, H_X, H_Y, H_H, H_V, H_FIRED, H_LIVE, H_SX, H_SY, H_V_PREV, H_SINCE_REV, H_SINCE_FIRE, H_TRAVEL, H_CMD_DIR,
 H_CMD_VEL, H_KNOWN, H_AGE) = range(17)
H_FIELDS = 17
(K_ROWS, K_LAST_SIGN, K_RESOLVED, K_NEXT, K_N_MEM, K_POS) = range(6)
K_FIELDS = 6
STEPS = MAX_FLIGHT + LAG + 8   # a future's turns at most, and the length of the aimer's per-step arrays


class Forecast(NamedTuple):
    """The play-it-forward state (forecast_views: float64 views of one buffer).

    counters      K_*: rows observed, the last non-zero velocity sign, the next command to read off, the next
                  transition to learn, stored transitions and the ring position
    hist          (H_FIELDS, HIST): the newest observed rows (segment, mover, shooter, fired, live) and what is
                  derived from them (observed_states, velocity_commands, command_ages, one row at a time)
    mem_f, mem_a  the heading model's ring of transitions: states feature-major (N_FEAT, memory), actions
                  (memory, 3): heading off the line, command relative to the travel, max velocity
    c1 .. ring_n  the hazard tables, member axis first (empty_tables' order; the last member is the battle's own)
    loglik        each member's log-likelihood of the transitions learned so far
    sig_cmd, sig_n  commands seen per in-progress-run signature (run_signature)
    """
    counters: object
    hist: object
    mem_f: object
    mem_a: object
    c1: object
    c2: object
    c3: object
    c4: object
    c5: object
    s1: object
    s2: object
    change_ring: object
    start_ring: object
    ring_n: object
    loglik: object
    sig_cmd: object
    sig_n: object


@njit(cache=True, error_model="numpy")
def forecast_size(memory, members, c5_labels):
    """Length of the buffer forecast_views lays out (c5_labels: 3 keeps the geometry table, 0 drops it)."""
    per_member = (9 + 3 * WALL_BINS * 3 + 3 * WALL_BINS * FIRE_BINS * 3 + 3 * WALL_BINS * FIRE_BINS * AGE_BINS * 3
                  + c5_labels * WALL_BINS * DIST_BINS * REV_BINS * FIRE_BINS * AGE_BINS * 3 + 2 + WALL_BINS * 2
                  + 2 * RING + 2 + 1)
    return (K_FIELDS + H_FIELDS * HIST + (N_FEAT + 3) * memory + members * per_member
            + SIGNATURES * SIG_RING * 3 + SIGNATURES)


@njit(cache=True, error_model="numpy")
def forecast_views(buf, memory, members, c5_labels):
    """The Forecast views of `buf` (forecast_size long): the same layout for the probe and the gun's memory."""
    o = 0
    counters = buf[o:o + K_FIELDS]
    o += K_FIELDS
    hist = buf[o:o + H_FIELDS * HIST].reshape((H_FIELDS, HIST))
    o += H_FIELDS * HIST
    mem_f = buf[o:o + N_FEAT * memory].reshape((N_FEAT, memory))
    o += N_FEAT * memory
    mem_a = buf[o:o + 3 * memory].reshape((memory, 3))
    o += 3 * memory
    n = members * 9
    c1 = buf[o:o + n].reshape((members, 3, 3))
    o += n
    n = members * 3 * WALL_BINS * 3
    c2 = buf[o:o + n].reshape((members, 3, WALL_BINS, 3))
    o += n
    n = members * 3 * WALL_BINS * FIRE_BINS * 3
    c3 = buf[o:o + n].reshape((members, 3, WALL_BINS, FIRE_BINS, 3))
    o += n
    n = members * 3 * WALL_BINS * FIRE_BINS * AGE_BINS * 3
    c4 = buf[o:o + n].reshape((members, 3, WALL_BINS, FIRE_BINS, AGE_BINS, 3))
    o += n
    n = members * c5_labels * WALL_BINS * DIST_BINS * REV_BINS * FIRE_BINS * AGE_BINS * 3
    c5 = buf[o:o + n].reshape((members, c5_labels, WALL_BINS, DIST_BINS, REV_BINS, FIRE_BINS, AGE_BINS, 3))
    o += n
    s1 = buf[o:o + members * 2].reshape((members, 2))
    o += members * 2
    s2 = buf[o:o + members * WALL_BINS * 2].reshape((members, WALL_BINS, 2))
    o += members * WALL_BINS * 2
    change_ring = buf[o:o + members * RING].reshape((members, RING))
    o += members * RING
    start_ring = buf[o:o + members * RING].reshape((members, RING))
    o += members * RING
    ring_n = buf[o:o + members * 2].reshape((members, 2))
    o += members * 2
    loglik = buf[o:o + members]
    o += members
    sig_cmd = buf[o:o + SIGNATURES * SIG_RING * 3].reshape((SIGNATURES, SIG_RING, 3))
    o += SIGNATURES * SIG_RING * 3
    sig_n = buf[o:o + SIGNATURES]
    o += SIGNATURES
    if o != buf.shape[0]:
        raise ValueError("forecast_views: the buffer is not forecast_size long")
    return Forecast(counters, hist, mem_f, mem_a, c1, c2, c3, c4, c5, s1, s2, change_ring, start_ring, ring_n, loglik,
                    sig_cmd, sig_n)


@njit(cache=True, error_model="numpy")
def resolve_commands(fc, i):
    """Read off the velocity command of every row whose run's end row i shows (velocity_commands, row by row and
    in order; a run still changing at row i waits for the next row), and the age of the row after it
    (command_ages)."""
    hs = fc.hist
    t = int(fc.counters[K_RESOLVED])
    while t < i:
        a = t % HIST
        b = (t + 1) % HIST
        seg = hs[H_SEG, a]
        known = t + 1
        d = 0.0
        mv = 0.0
        if hs[H_SEG, b] == seg:
            vt = hs[H_V, a]
            ch = hs[H_V, b] - vt
            u = t + 1
            if ch != 0.0:
                while (u + 1 <= i and hs[H_SEG, (u + 1) % HIST] == seg and u - t < RUN_CAP
                       and (hs[H_V, (u + 1) % HIST] - hs[H_V, u % HIST]) * ch > 0.0):
                    u += 1
                if u + 1 > i and u - t < RUN_CAP:
                    break                                    # the run may go on: row i + 1 will tell
                known = u + 1 if (u - t < RUN_CAP and hs[H_SEG, (u + 1) % HIST] == seg) else u
            else:
                known = u
            vs = hs[H_V, u % HIST]
            if new_velocity(vt, FAR * math.copysign(1.0, vs), abs(vs)) != hs[H_V, b]:
                vs = hs[H_V, b]                              # the turn's own cap
            d = 0.0 if vs == 0.0 else (1.0 if vs > 0.0 else -1.0)
            mv = abs(vs)
        hs[H_CMD_DIR, a] = d
        hs[H_CMD_VEL, a] = mv
        hs[H_KNOWN, a] = known
        p = (t - 1) % HIST
        if t >= 1 and hs[H_SEG, b] == seg and hs[H_SEG, p] == seg and d == hs[H_CMD_DIR, p]:
            hs[H_AGE, b] = hs[H_AGE, a] + 1.0
        t += 1
    fc.counters[K_RESOLVED] = t


@njit(cache=True, error_model="numpy")
def learn_known(fc, i, width, height, cap, geometry, strength, fit):
    """Learn, in time order, every transition j -> j+1 whose command is known by row i (the heading model's ring,
    the hazard tables with every member's score, the in-progress-run signatures); only transitions inside one
    segment with the mover alive at j+1 are learned. With a fit (one model per corpus member), the corpus members
    score through it and the battle's own member through its tables."""
    hs = fc.hist
    k = fc.counters
    members = fc.c1.shape[0]
    own = members - 1
    fitted = fit.label_w.shape[0] > 0
    memory = fc.mem_a.shape[0]
    q = np.empty(N_FEAT)
    probs = np.empty(3)
    change = np.empty(2)
    scratch = fit_scratch(fit)
    j = int(k[K_NEXT])
    while j < i and j < k[K_RESOLVED] and hs[H_KNOWN, j % HIST] <= i:
        a = j % HIST
        b = (j + 1) % HIST
        p = (j - 1) % HIST
        first = j < 1 or hs[H_SEG, p] != hs[H_SEG, a]              # no command before it in its segment
        j += 1
        if hs[H_SEG, b] != hs[H_SEG, a] or hs[H_LIVE, b] == 0.0:
            continue
        x, y, h, travel = hs[H_X, a], hs[H_Y, a], hs[H_H, a], hs[H_TRAVEL, a]
        sx, sy = hs[H_SX, a], hs[H_SY, a]
        bb, m = state_features(x, y, h, hs[H_V, a], hs[H_V_PREV, a], travel, hs[H_SINCE_REV, a],
                               hs[H_SINCE_FIRE, a], sx, sy, width, height, cap, q)
        pos = int(k[K_POS])
        fc.mem_f[:, pos] = q
        fc.mem_a[pos, 0] = m * normal_relative_angle(hs[H_H, b] - bb)
        fc.mem_a[pos, 1] = hs[H_CMD_DIR, a] * travel              # 1 = go on the way it travels, -1 = reverse
        fc.mem_a[pos, 2] = hs[H_CMD_VEL, a]
        k[K_POS] = (pos + 1) % memory
        k[K_N_MEM] = min(k[K_N_MEM] + 1.0, memory)
        if not first:
            # one member alone needs no score; with a fit the corpus members score through it, the own one here
            scored_from = members if members == 1 else (own if fitted else 0)
            count_transition(x, y, h, travel, sx, sy, hs[H_SINCE_FIRE, a], hs[H_AGE, a], hs[H_CMD_DIR, p],
                             hs[H_CMD_VEL, p], hs[H_CMD_DIR, a], hs[H_CMD_VEL, a], width, height, geometry, strength,
                             fc.c1, fc.c2, fc.c3, fc.c4, fc.c5, fc.s1, fc.s2, fc.change_ring, fc.start_ring,
                             fc.ring_n, own, scored_from, fc.loglik, probs)
            if fitted and members > 1:
                for mb in range(own):
                    fc.loglik[mb] += fit_log_prob(fit, mb, hs[H_CMD_DIR, p], hs[H_CMD_VEL, p], hs[H_CMD_DIR, a],
                                                  hs[H_CMD_VEL, a], travel, hs[H_AGE, a], hs[H_SINCE_FIRE, a],
                                                  travel * hs[H_V, a], x, y, h, sx, sy, width, height, scratch, probs,
                                                  change)
        sg = run_signature(hs[H_V, a], hs[H_V, b], hs[H_TRAVEL, b])  # what turn j+1 shows of command j
        slot = int(fc.sig_n[sg]) % SIG_RING
        fc.sig_cmd[sg, slot, 0] = command_label(hs[H_CMD_DIR, a], hs[H_TRAVEL, b])
        fc.sig_cmd[sg, slot, 1] = hs[H_CMD_VEL, a]
        fc.sig_cmd[sg, slot, 2] = hs[H_AGE, b]
        fc.sig_n[sg] += 1.0
    k[K_NEXT] = j


@njit(cache=True, error_model="numpy")
def forecast_observe(fc, seg, x, y, h, v, fired, live, sx, sy, width, height, cap, geometry, strength, fit):
    """One more observed turn: the mover at (x, y), heading h, velocity v; the shooter at (sx, sy) and whether its
    bullet left in this turn; `live`: both robots alive. `seg` numbers runs of consecutive turns (a round, or the
    turns between two missed scans): the turn counters restart with a new one and no transition spans two. Then
    learns every transition that became known."""
    hs = fc.hist
    k = fc.counters
    i = int(k[K_ROWS])
    a = i % HIST
    p = (i - 1) % HIST
    if i == 0 or hs[H_SEG, p] != seg:
        v_prev, since_rev, since_fire, last_sign = v, REV_CAP, FIRE_CAP, 0.0
    else:
        v_prev, since_rev, since_fire, last_sign = hs[H_V, p], hs[H_SINCE_REV, p] + 1.0, hs[H_SINCE_FIRE, p] + 1.0, \
            k[K_LAST_SIGN]
    last_sign, since_rev = note_velocity(v, last_sign, since_rev)
    if fired:
        since_fire = 0.0
    hs[H_SEG, a] = seg
    hs[H_X, a] = x
    hs[H_Y, a] = y
    hs[H_H, a] = h
    hs[H_V, a] = v
    hs[H_FIRED, a] = 1.0 if fired else 0.0
    hs[H_LIVE, a] = 1.0 if live else 0.0
    hs[H_SX, a] = sx
    hs[H_SY, a] = sy
    hs[H_V_PREV, a] = v_prev
    hs[H_SINCE_REV, a] = since_rev
    hs[H_SINCE_FIRE, a] = since_fire
    hs[H_TRAVEL, a] = last_sign if last_sign != 0.0 else 1.0
    hs[H_CMD_DIR, a] = 0.0
    hs[H_CMD_VEL, a] = 0.0
    hs[H_KNOWN, a] = i + 1
    hs[H_AGE, a] = 1.0
    k[K_LAST_SIGN] = last_sign
    k[K_ROWS] = i + 1
    resolve_commands(fc, i)
    learn_known(fc, i, width, height, cap, geometry, strength, fit)


STEERED = -2              # forecast_aim: the learned steering sets the turn (no neighbour drawn)


@njit(cache=True, error_model="numpy")
def run_command(seen, n_seen, travel, v_prev, v):
    """(direction, max velocity, age) of the command of a run still in progress that took the mover from v_prev to
    v, travelling `travel`: one of the newest commands `seen` in runs showing the same signature (run_signature),
    drawn again (at most SIG_TRIES draws) while it would not give v from v_prev by the engine's rule. The signature
    rounds the speeds to whole pixels: a run from 3.4 to 4.4 is speeding up to a max velocity above 4.4, not to the
    4.1 a run from 3.1 ended at (orbit:speed_prob=0.1 changes its max velocity every tenth turn)."""
    n = min(int(n_seen), SIG_RING)
    for _ in range(SIG_TRIES):
        r = np.random.randint(n)
        d = label_direction(seen[r, 0], travel)
        if new_velocity(v_prev, FAR * d, seen[r, 1]) == v:
            return d, seen[r, 1], seen[r, 2]
    # none gives it: a run that has just reached its max velocity (a last step shorter than the acceleration or the
    # deceleration) says it exactly, |v|; else the last drawn
    way = 1.0 if v > 0.0 else -1.0
    if v != 0.0 and new_velocity(v_prev, FAR * way, abs(v)) == v:
        return way, abs(v), seen[r, 2]
    return d, seen[r, 1], seen[r, 2]


@njit(cache=True, error_model="numpy")
def neighbour_turn(mem_a, nh, b, m, ph):
    """The turn to the heading of stored transition nh (relative to the line from the shooter, mirrored by m);
    none when the steering sets it (nh = STEERED)."""
    return 0.0 if nh == STEERED else normal_relative_angle(b + m * mem_a[nh, 0] - ph)


@njit(cache=True, error_model="numpy")
def forecast_aim(fc, ox, oy, speed, lag, futures, blocks, cap, w_heading, k_heading, w_velocity, k_velocity,
                 hazard_model, strength, geometry, width, height, shot, truth, true_ok, true_h, true_d, true_mv, fit,
                 steer, plan, judge, judge_n):
    """Play futures of the mover from the newest observed row (the turn F-lag of a bullet of `speed` leaving in turn
    F from (ox, oy); lag = LAG when the gun fires it next turn, LAG + 1 when it needs a turn more to turn there) and
    return (the heading most futures' hit sets cover, that coverage, the futures played). They are played in blocks
    of `futures`, at most `blocks` of them: another block while the best heading is covered by fewer futures than a
    block holds. Why: the aim is the argmax of a count, whose relative noise is about 1/sqrt(count) -- a mover whose
    futures spread (random speeds: ~28% at the best heading) needs more of them for the same precision.
    shot[step]: the shooter fires again `step` turns after F-lag (its own later decisions). Each future plays one
    hazard member drawn with its posterior weight. truth (a diagnosis, the probe's --truth) puts the recorded
    heading true_h[step] and command (true_d, true_mv)[step] in place of the drawn ones where true_ok[step]
    (TRUE_HEADING, TRUE_VELOCITY; TRUE_DIRECTION / TRUE_SPEED: only the command's direction / max velocity), or
    with TRUE_STEER the turn orbit's own steering sets for the drawn command (orbit_steer_turn).
    With a fit, a future of a corpus member plays that member's continuous hazard (fit_command). `steer`: the
    learned steering's weights (steer_solve), whose turn replaces the heading neighbour's (none is drawn then);
    empty: the neighbour's.
    `plan` (a ShotPlan with bullets, the gun's): each future decides the shooter's later shots itself from its own
    path -- the real bullets that hit it, the hold rule -- in place of shot[]. judge (JUDGE_BINS, or empty): the
    first judge_n futures' hit sets counted on the judges' grid (judge_add), offsets from the bearing to the mover.
    Draws from numba's np.random stream: the caller seeds it."""
    hs = fc.hist
    i = int(fc.counters[K_ROWS]) - 1
    a = i % HIST
    x, y, h, v, v_prev = hs[H_X, a], hs[H_Y, a], hs[H_H, a], hs[H_V, a], hs[H_V_PREV, a]
    members = fc.c1.shape[0]
    own = members - 1
    memory = fc.mem_a.shape[0]
    n_mem = int(fc.counters[K_N_MEM])
    c1, c2, c3, c4, c5, s1, s2 = fc.c1, fc.c2, fc.c3, fc.c4, fc.c5, fc.s1, fc.s2
    change_ring, start_ring, ring_n, mem_f, mem_a = fc.change_ring, fc.start_ring, fc.ring_n, fc.mem_f, fc.mem_a
    q = np.empty(N_FEAT)
    probs = np.empty(3)
    change = np.empty(2)
    scratch = fit_scratch(fit)
    fitted = fit.label_w.shape[0] > 0
    dist_buf = np.empty(memory)
    best_buf = np.empty(max(k_heading, k_velocity))
    steering = steer.shape[0] > 0 and n_mem > 0   # the steering sets every turn: no heading neighbour is drawn
    tree = build_tree(mem_f, 0 if steering else n_mem, w_heading, k_heading)   # the draws' exact fast path
    weight = np.ones(members)
    cx = np.empty(STEPS)
    cy = np.empty(STEPS)
    alive = np.ones(STEPS, dtype=np.bool_)   # every future counts to its end (a killing bullet only stops its shots)
    planning = plan.flight.shape[0] > 0 and plan.chance > 0.0
    flying = np.zeros(plan.flight.shape[0], dtype=np.bool_)   # a future's bullets that can still hit its mover
    leaves = np.empty(STEPS)                  # a future's planned bullets: the turns they leave, this aim's first
    energy, n_planned, next_shot = 0.0, 0, 0
    acc, parts, cand = np.empty((MAX_PARTS, 2)), np.empty((8, 2)), np.empty((3, MAX_CAND))
    lo = np.empty(futures * blocks * MAX_PARTS)
    hi = np.empty(futures * blocks * MAX_PARTS)
    best, at, played = 0, math.nan, 0
    judge[:] = 0.0
    b_ref = math.atan2(x - ox, y - oy)
    dist = math.hypot(x - ox, y - oy)
    steps = min(MAX_FLIGHT, lag + 1 + int((dist + 60.0) / speed) + 6)
    n_pieces = 0
    p = (i - 1) % HIST
    cmd_known = i >= 1 and hs[H_SEG, p] == hs[H_SEG, a] and fc.counters[K_RESOLVED] > i - 1 and hs[H_KNOWN, p] <= i
    sg = run_signature(v_prev, v, hs[H_TRAVEL, a])
    if members > 1:                          # the members' posterior weights, cumulated
        top = fc.loglik.max()
        for m in range(members):
            weight[m] = math.exp(fc.loglik[m] - top) + (weight[m - 1] if m > 0 else 0.0)
    for f in range(futures * blocks):
        mb = own
        if members > 1:
            r = np.random.random() * weight[own]
            mb = 0
            while weight[mb] <= r and mb < own:
                mb += 1
        px, py, ph, pv, pvp = x, y, h, v, v_prev
        sr, sf = hs[H_SINCE_REV, a], hs[H_SINCE_FIRE, a]
        last_sign = hs[H_TRAVEL, a]
        if cmd_known:                        # the command that gave v, and how long it had lasted
            cd, cmv, cage = hs[H_CMD_DIR, p], hs[H_CMD_VEL, p], hs[H_AGE, a]
        elif fc.sig_n[sg] > 0:               # a run in progress: one of the commands seen showing the same
            cd, cmv, cage = run_command(fc.sig_cmd[sg], fc.sig_n[sg], last_sign, pvp, pv)
        else:
            cd, cmv, cage = (0.0 if pv == 0.0 else last_sign), max(abs(pv), abs(pvp)), 1.0
        cx[0] = px
        cy[0] = py
        if planning:
            energy = plan.energy
            for qb in range(flying.shape[0]):           # those that have not hit anything yet (bullets_hit clears
                # the ones that hit this future's mover)
                flying[qb] = plan.flight[qb, FLIGHT.power] > 0.0 and plan.flight[qb, FLIGHT.gone] == 0.0
            leaves[0] = plan.turn + lag
            n_planned = 1
            next_shot = lag + plan.gap
        for step in range(1, steps + 1):
            b, m = state_features(px, py, ph, pv, pvp, last_sign, sr, sf, ox, oy, width, height, cap, q)
            if steering:                     # no neighbour, but its draw from the stream (draw_neighbour's without
                nh = STEERED                 # a tie): the commands stay those the neighbours' futures draw
                np.random.randint(min(k_heading, n_mem))
            else:
                nh = tree_draw(tree, q, k_heading)
            if nh == -1:                     # nothing learned yet: keep going as now
                turn, dist_cmd, max_vel = 0.0, FAR * pv, abs(pv)
            elif hazard_model and fitted and mb < own:
                turn = neighbour_turn(mem_a, nh, b, m, ph)
                cd, cmv, cage = fit_command(fit, mb, change_ring[mb], start_ring[mb], ring_n[mb], cd, cmv, cage,
                                            last_sign, sf, last_sign * pv, px, py, ph, ox, oy, width, height, scratch,
                                            probs, change)
                dist_cmd, max_vel = FAR * cd, cmv
            elif hazard_model:
                turn = neighbour_turn(mem_a, nh, b, m, ph)
                pressure = wall_pressure(px, py, ph, last_sign, ox, oy, width, height)
                db, rb = (0, 0) if geometry == 0 else geometry_bins(px, py, ph, last_sign, ox, oy, width, height)
                cd, cmv, cage = next_command(c1[mb], c2[mb], c3[mb], c4[mb], c5[mb], s1[mb], s2[mb], change_ring[mb],
                                             start_ring[mb], ring_n[mb], cd, cmv, cage, last_sign, pressure, sf, db,
                                             rb, geometry, strength, probs)
                dist_cmd, max_vel = FAR * cd, cmv
            else:
                turn = neighbour_turn(mem_a, nh, b, m, ph)
                nv = draw_neighbour(mem_f, n_mem, q, w_velocity, k_velocity, dist_buf, best_buf)
                dist_cmd, max_vel = FAR * mem_a[nv, 1] * last_sign, mem_a[nv, 2]
            if truth != 0 and true_ok[step]:
                if truth & TRUE_HEADING:
                    turn = normal_relative_angle(true_h[step] - ph)
                if truth & TRUE_VELOCITY:
                    dist_cmd, max_vel = FAR * true_d[step], true_mv[step]
                if truth & TRUE_DIRECTION:   # the drawn command's state follows the recorded direction (its age
                    # restarts where they differ: close enough for a diagnosis)
                    cage = cage if true_d[step] == cd else 1.0
                    cd = true_d[step]
                    dist_cmd = FAR * cd
                if truth & TRUE_SPEED:
                    cmv = true_mv[step]
                    max_vel = cmv
            if steering:
                turn = steer_turn(steer, px, py, ph, dist_cmd if dist_cmd != 0.0 else last_sign, ox, oy, width, height)
            if truth & TRUE_STEER:
                turn = orbit_steer_turn(px, py, ph, dist_cmd if dist_cmd != 0.0 else last_sign, ox, oy, width, height)
            pvp = pv
            px, py, ph, pv, _, _ = robot_step(px, py, ph, pv, turn, dist_cmd, max_vel, width, height)
            last_sign, sr = note_velocity(pv, last_sign, sr + 1.0)
            sf += 1.0
            if step == lag:                  # the situation's own bullet leaves in turn F
                sf = 0.0
            elif planning:                   # the gun's later shots, decided in the turn before from this path
                if step >= next_shot and energy > 0.0 and plan_fires(plan, flying, leaves, n_planned, ox, oy,
                                                                     cx[step - 1], cy[step - 1], energy,
                                                                     plan.turn + step - 1.0):
                    sf = 0.0
                    leaves[n_planned] = plan.turn + step
                    n_planned += 1
                    next_shot = step + plan.gap
            elif step > lag and shot[step]:
                sf = 0.0                     # the shooter's later shots (its own decisions)
            if planning and energy > 0.0:    # (a future whose mover they kill fires no more)
                energy -= bullets_hit(plan.flight, flying, plan.turn + step, px, py)
            cx[step] = px
            cy[step] = py
        npc, _, off = wave_pieces(ox, oy, speed, lag, b_ref, cx, cy, alive, steps, width, height, acc, parts, cand)
        for pc in range(npc):
            lo[n_pieces] = off + acc[pc, 0]
            hi[n_pieces] = off + acc[pc, 1]
            if f < judge_n:
                judge_add(judge, lo[n_pieces], hi[n_pieces])
            n_pieces += 1
        if (f + 1) % futures == 0:           # a block played: is the best heading covered often enough?
            played = f + 1
            best, at = best_heading(lo[:n_pieces], hi[:n_pieces])
            if best >= futures:
                break
    return b_ref + (0.0 if math.isnan(at) else at), best / played, played


@njit(cache=True, error_model="numpy")
def play_forward_battle(rnd, x, y, h, v, fired, live, sx, sy, sit_row, sit_speed, futures, memory, width, height,
                        seed, cap, w_heading, k_heading, w_velocity, k_velocity, hazard_model, strength, truth,
                        c1, c2, c3, c4, c5, s1, s2, change_ring, start_ring, ring_n, geometry, fit, steer_fit):
    """The offline probe: forecast_observe over a whole recorded battle, one row at a time, and forecast_aim at
    every situation. sit_row[s] = the recorded row of turn F-2 of the bullet (rows in time order, one battle;
    sit_row ascending), sit_speed its bullet speed; only turns where both robots live[] are learned (a dead
    mover's rows are the engine's, not its policy). The shooter's later shots are its recorded ones. The velocity
    command comes from the pooled hazard tables (hazard_model) or the k_velocity nearest stored states. truth (a
    diagnosis: TRUE_HEADING, TRUE_VELOCITY or both) puts the mover's recorded heading / velocity command of that
    turn in place of the drawn one while the round lasts. The hazard tables (c1 .. ring_n, empty_tables' order)
    hold the members: the pre-seeded corpus members and, last, this battle's own (counted as the battle goes; the
    tables are updated in place). geometry (GEOMETRY) adds the geometry levels below the wall level. Returns (aim
    heading, in-sample coverage, members' final log-likelihoods). steer_fit: the futures' heading is the learned
    steering (steer_accumulate over the rows seen so far, steer_solve at each situation) instead of the neighbours'."""
    np.random.seed(seed)
    n = x.shape[0]
    members = c1.shape[0]
    c5_labels = c5.shape[1]
    fc = forecast_views(np.zeros(forecast_size(memory, members, c5_labels)), memory, members, c5_labels)
    fc.c1[:] = c1
    fc.c2[:] = c2
    fc.c3[:] = c3
    fc.c4[:] = c4
    fc.c5[:] = c5
    fc.s1[:] = s1
    fc.s2[:] = s2
    fc.change_ring[:] = change_ring
    fc.start_ring[:] = start_ring
    for m in range(members):
        fc.ring_n[m, 0] = ring_n[m, 0]
        fc.ring_n[m, 1] = ring_n[m, 1]
    cmd_dir, cmd_vel, _ = velocity_commands(rnd, v)          # the recorded commands (truth only)
    n_sit = sit_row.shape[0]
    aims = np.full(n_sit, math.nan)
    cover = np.zeros(n_sit)
    shot = np.zeros(STEPS, dtype=np.bool_)
    true_ok = np.zeros(STEPS, dtype=np.bool_)
    true_h = np.zeros(STEPS)
    true_d = np.zeros(STEPS)
    true_mv = np.zeros(STEPS)
    s = 0
    gram = np.zeros((STEER_KNOTS.shape[0], STEER_KNOTS.shape[0]))
    rhs = np.zeros(STEER_KNOTS.shape[0])
    steer = np.zeros(0)
    for i in range(n):
        forecast_observe(fc, rnd[i], x[i], y[i], h[i], v[i], fired[i], live[i], sx[i], sy[i], width, height, cap,
                         geometry, strength, fit)
        if steer_fit and i >= 1 and rnd[i] == rnd[i - 1] and live[i]:
            steer_accumulate(gram, rhs, x[i - 1], y[i - 1], h[i - 1], v[i - 1], h[i], v[i], sx[i - 1], sy[i - 1],
                             width, height)
        while s < n_sit and sit_row[s] < i:
            s += 1
        while s < n_sit and sit_row[s] == i:
            for step in range(STEPS):
                shot[step] = i + step < n and rnd[i + step] == rnd[i] and fired[i + step]
                row = i + step - 1                          # the recorded turn a future's step plays
                true_ok[step] = (step >= 1 and row + 1 < n and rnd[row + 1] == rnd[i]
                                 and (step == 1 or not truth & TRUE_FIRST))
                if true_ok[step]:
                    true_h[step] = h[row + 1]
                    true_d[step] = cmd_dir[row]
                    true_mv[step] = cmd_vel[row]
            if steer_fit:
                steer = steer_solve(gram, rhs)
            aims[s], cover[s], _ = forecast_aim(fc, sx[i], sy[i], sit_speed[s], LAG, futures, I64(1), cap, w_heading,
                                                k_heading, w_velocity, k_velocity, hazard_model, strength, geometry,
                                                width, height, shot, truth, true_ok, true_h, true_d, true_mv, fit,
                                                steer, no_plan(), np.zeros(0), I64(0))
            s += 1
    c1[:] = fc.c1
    c2[:] = fc.c2
    c3[:] = fc.c3
    c4[:] = fc.c4
    c5[:] = fc.c5
    s1[:] = fc.s1
    s2[:] = fc.s2
    change_ring[:] = fc.change_ring
    start_ring[:] = fc.start_ring
    for m in range(members):
        ring_n[m, 0] = int(fc.ring_n[m, 0])
        ring_n[m, 1] = int(fc.ring_n[m, 1])
    return aims, cover, fc.loglik.copy()
