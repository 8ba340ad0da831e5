"""Play-it-forward gun, offline probe (issue 17): learn the mover's per-turn policy from the turns seen so far,
roll M futures of it forward with the engine's movement physics, fire at the heading most futures' hit sets cover.

    PYTHONPATH=$PWD python benchmarks/play_forward.py orbit [--seeds 0..2] [--futures 32] [--k-heading 16]
        [--velocity-model hazard|knn] [--prior 2] [--k-velocity 128] [--memory 4000] [--heading-scale ...]
        [--velocity-scale ...] [--cap ...] [--truth none|heading|velocity|both] [--corpus FILE]
        [--geometry none|distance|reverse|both] [--json]

It is the Bayes-limit oracle's procedure (sim/experiments/oracle.py) with a *learned* policy in place of the
mover's own code and random generator (results and diagnosis: docs/learning.md, "A play-it-forward gun" and
"A pooled reversal hazard"):

* **Situations.** The oracle's: the challenge's shooter (`lock+headon:power=3,energy_rule=0+still`) plays the
  movement on the seeds, recorded; scored are its real bullets whose wave passed the living mover (the
  datasets' status 0: `sim.experiments.evaluate.scored_and_learnable`, as `benchmarks/learned_gap.py`), so the
  hit rates are comparable with learned_gap's offline figures on the same bullets.
* **What the gun knows.** For a bullet fired in turn F, the mover's recorded states up to the end of turn F-2
  (the oracle's LAG; learned_gap's `lagged`) and the shooter's own fire turns (its decisions).
* **The heading.** Each observed turn t -> t+1 of this battle is a transition: the state at t (FEATURE_NAMES:
  velocity, its change, the body heading relative to the line from the shooter, distance, room to the walls,
  turns since a reversal and since the shooter fired, wall-smoothing stick rotations of the orbital direction of
  travel, speed along the travel; mirrored so that the body points clockwise around the shooter) and the body
  heading at t+1 relative to that line at t. A ring buffer keeps the newest --memory transitions; a future's
  heading each turn is drawn uniformly from the --k-heading nearest stored states.
* **The velocity command** ("go on" or "reverse" the way the body travels, or stop, at up to a max velocity:
  `velocity_commands`, read off the velocity run the turn starts, learned only once the turn after the run's
  end is seen). By default a pooled hazard model: each turn the next command's label is drawn given the last
  one, the wall pressure (`wall_pressure`), turns since the shooter fired and the command's age, from counts
  over every observed turn of the battle, each bin smoothed towards its coarser level with --prior
  pseudo-counts (`label_probs`); a moving command changes its max velocity with the pooled per-turn rate of
  its wall bin, to a max velocity drawn from the observed changes (`next_command`). A velocity run still in
  progress at F-2 starts each future with one of the commands seen showing the same velocity change
  (`run_signature`). --velocity-model knn draws the command from the --k-velocity nearest stored states
  instead (the first probe).
* **Pre-seeded tables** (--corpus FILE, built by benchmarks/hazard_corpus.py from earlier battles against many
  movers, one member each). The battle's own counts are one more member; each future plays one member, drawn
  with its posterior weight: the likelihood of the battle's command transitions so far under the member's tables
  (the own member's prequential). The gun is not told the mover. --geometry adds hazard levels for the distance
  to the shooter and the reverse direction's wall pressure right below the wall level.
* **Futures.** From the state at F-2 each of M futures steps one turn at a time, drawing its own heading and
  command events, and the engine's own `sim.engine.physics.robot_step` plays them (turn rate, acceleration,
  walls). --truth puts the mover's recorded heading, velocity command or both in their place (a diagnosis).
* **The shot.** Each future's path goes through `sim.waves.gf.track_wave` (the precise intersection), the
  oracle's `best_heading` sweep finds the heading inside most futures' hit sets, and the real bullet's
  [gf_lo, gf_hi] (and pieces) says whether that heading hit.

Per battle hit %, mean ± 95% Student-t interval over the seeds; `predicted` is the mean in-sample coverage
of the chosen heading (what the model believes it hits; the oracle's in-sample statistic).
"""
import argparse
import math
import sys
import time

import numpy as np
from numba import njit

from bots.movements.steering import room
from sim.engine.constants import MAX_VELOCITY, RS_DEAD
from sim.engine.geometry import normal_relative_angle
from sim.engine.physics import new_velocity, robot_step
from sim.experiments.oracle import LAG, MAX_FLIGHT, SHOOTER, best_heading
from sim.waves.gf import MAX_CAND, MAX_PARTS, stick_rotation, track_wave

N_FEAT = 12
STICK = 160.0             # wall-smoothing stick of the orbital-direction features (BeepBoop's)
HALF_ROBOT = 18.0
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
    m = 0
    for i in range(values.shape[0]):
        x = values[i]
        if m < k:
            j = m
            m += 1
        elif x < best[k - 1]:
            j = k - 1
        else:
            continue
        while j > 0 and best[j - 1] > x:
            best[j] = best[j - 1]
            j -= 1
        best[j] = x
    return best[k - 1]


@njit(cache=True, error_model="numpy")
def draw_neighbour(mem_f, n, q, w, k, dist, best):
    """Index of one of the k stored states nearest q (squared distance weighted by w), drawn uniformly (ties
    at the k-th distance drawn among themselves); -1 if none. mem_f is feature-major (N_FEAT, memory): the
    distances are summed a feature at a time over contiguous columns (the same sums, in the same order, as
    state by state). `dist` is scratch space of n, `best` of k."""
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
    below = 0
    ties = 0
    for i in range(n):
        if dist[i] < th:
            below += 1
        elif dist[i] == th:
            ties += 1
    r = np.random.randint(kk)
    want_tie = r >= below
    r = np.random.randint(ties) if want_tie else r
    for i in range(n):
        if (dist[i] == th) if want_tie else (dist[i] < th):
            if r == 0:
                return i
            r -= 1
    return -1


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
WALL_STEP = 0.1           # wall-pressure bins of 0.1 rad; bin 0 = no pressure
WALL_BINS = 12
FIRE_BINS = 5             # turns since the shooter fired: 0, 1, 2, 3, 4 or more
AGE_BINS = 21             # the command's age in turns: 1 .. 19, 20 or more (index 0 unused)
DEFAULT_PRIOR = 2.0
RING = 512                # newest max velocities kept for the speed-change and start draws
SIG_RING = 64             # newest commands kept per in-progress-run signature
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
    geometry_counts(c5, prev, w, f, a, db, rb, geometry, 2, g)
    smoothed(g, p, strength, q)
    geometry_counts(c5, prev, w, f, a, db, rb, geometry, 3, g)
    smoothed(g, q, strength, p)
    geometry_counts(c5, prev, w, f, a, db, rb, geometry, 4, g)
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
    c5[lp, w, db, rb, f, a, ln] += 1.0
    if d != 0.0 and prev_d != 0.0:
        change = 1 if abs(mv - prev_mv) > 1e-9 else 0
        s1[change] += 1.0
        s2[w, change] += 1.0
        if change:
            change_ring[ring_n[0] % RING] = mv
            ring_n[0] += 1
    elif d != 0.0:
        start_ring[ring_n[1] % RING] = mv
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
def observe_transition(j, rnd, x, y, h, travel, since_fire, age, cmd_dir, cmd_vel, sx, sy, width, height, geometry,
                       strength, c1, c2, c3, c4, c5, s1, s2, change_ring, start_ring, ring_n, own, score, loglik,
                       probs):
    """The hazard tables' view of the known transition j -> j+1 (its command and the one before, in one round):
    if `score`, add its log-probability under every member's tables (before counting it: the own member's is
    prequential) to loglik; then count it into member `own`."""
    if j < 1 or rnd[j - 1] != rnd[j]:
        return
    wb, fb, ab = hazard_bins(wall_pressure(x[j], y[j], h[j], travel[j], sx[j], sy[j], width, height), since_fire[j],
                             age[j])
    db, rb = geometry_bins(x[j], y[j], h[j], travel[j], sx[j], sy[j], width, height)
    if score:
        for k in range(c1.shape[0]):
            loglik[k] += command_log_prob(c1[k], c2[k], c3[k], c4[k], c5[k], s1[k], s2[k], cmd_dir[j - 1],
                                          cmd_vel[j - 1], cmd_dir[j], cmd_vel[j], travel[j], wb, fb, ab, db, rb,
                                          geometry, strength, probs)
    learn_command(c1[own], c2[own], c3[own], c4[own], c5[own], s1[own], s2[own], change_ring[own], start_ring[own],
                  ring_n[own], cmd_dir[j - 1], cmd_vel[j - 1], cmd_dir[j], cmd_vel[j], travel[j], wb, fb, ab, db, rb)


def empty_tables(members):
    """Zeroed hazard tables of `members` members (the member axis first): (c1, c2, c3, c4, c5, s1, s2,
    change_ring, start_ring, ring_n), the order every kernel takes them in."""
    return (np.zeros((members, 3, 3)), np.zeros((members, 3, WALL_BINS, 3)),
            np.zeros((members, 3, WALL_BINS, FIRE_BINS, 3)), np.zeros((members, 3, WALL_BINS, FIRE_BINS, AGE_BINS, 3)),
            np.zeros((members, 3, WALL_BINS, DIST_BINS, REV_BINS, FIRE_BINS, AGE_BINS, 3)), np.zeros((members, 2)),
            np.zeros((members, WALL_BINS, 2)), np.zeros((members, RING)), np.zeros((members, RING)),
            np.zeros((members, 2), dtype=np.int64))


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
    return ring[np.random.randint(min(count, RING))]


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
    nd = 0.0 if lab == STOP else (travel if lab == GO_ON else -travel)
    if nd != 0.0:
        if d == 0.0:
            mv = draw_ring(start_ring, ring_n[1], MAX_VELOCITY)
        elif np.random.random() < speed_change_prob(s1, s2, w, strength):
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


@njit(cache=True, error_model="numpy")
def play_forward_battle(rnd, x, y, h, v, fired, live, sx, sy, sit_row, sit_speed, futures, memory, width, height,
                        seed, cap, w_heading, k_heading, w_velocity, k_velocity, hazard_model, strength, truth,
                        c1, c2, c3, c4, c5, s1, s2, change_ring, start_ring, ring_n, geometry):
    """Aim of every situation: sit_row[s] = the recorded row of turn F-2 of the bullet (rows in time order,
    one battle; sit_row ascending), sit_speed its bullet speed; only turns where both robots live[] are
    learned (a dead mover's rows are the engine's, not its policy). The velocity command comes from the pooled
    hazard tables (hazard_model) or the k_velocity nearest stored states. truth (a diagnosis: TRUE_HEADING,
    TRUE_VELOCITY or both) puts the mover's recorded heading / velocity command of that turn in place of the
    drawn one while the round lasts. The hazard tables (c1 .. ring_n, empty_tables' order) hold the members: the
    pre-seeded corpus members and, last, this battle's own (zeroed, counted as the battle goes). With more than one,
    each future plays one member drawn with its posterior weight: the likelihood of this battle's transitions so
    far under the member's tables (Bayesian model averaging; the own member's is prequential). geometry
    (GEOMETRY) adds the geometry levels below the wall level. Returns (aim heading, in-sample coverage, members' final
    log-likelihoods)."""
    np.random.seed(seed)
    n = x.shape[0]
    v_prev, since_rev, since_fire, travel = observed_states(rnd, v, fired)
    cmd_dir, cmd_vel, known = velocity_commands(rnd, v)
    age = command_ages(rnd, cmd_dir)
    members = c1.shape[0]
    own = members - 1
    loglik = np.zeros(members)
    weight = np.ones(members)
    sig_cmd = np.zeros((SIGNATURES, SIG_RING, 3))    # (label, max velocity, age) of runs' commands by signature
    sig_n = np.zeros(SIGNATURES, dtype=np.int64)
    probs = np.empty(3)
    mem_f = np.empty((N_FEAT, memory))              # feature-major: draw_neighbour's columns
    mem_a = np.empty((memory, 3))
    n_mem = 0
    pos = 0
    q = np.empty(N_FEAT)
    dist_buf = np.empty(memory)
    best_buf = np.empty(max(k_heading, k_velocity))
    n_sit = sit_row.shape[0]
    aims = np.full(n_sit, math.nan)
    cover = np.zeros(n_sit)
    cx = np.empty(MAX_FLIGHT + LAG + 8)
    cy = np.empty(MAX_FLIGHT + LAG + 8)
    alive = np.ones(MAX_FLIGHT + LAG + 8, dtype=np.bool_)
    acc, parts, cand = np.empty((MAX_PARTS, 2)), np.empty((8, 2)), np.empty((3, MAX_CAND))
    lo = np.empty(futures * MAX_PARTS)
    hi = np.empty(futures * MAX_PARTS)
    s = 0
    nxt = 0                                          # the next transition to learn
    for i in range(n):
        while nxt < i and known[nxt] <= i:           # transition nxt -> nxt+1 and its command are known now
            j = nxt
            nxt += 1
            if rnd[j + 1] != rnd[j] or not live[j + 1]:
                continue
            b, m = state_features(x[j], y[j], h[j], v[j], v_prev[j], travel[j], since_rev[j], since_fire[j], sx[j],
                                  sy[j], width, height, cap, q)
            mem_f[:, pos] = q
            mem_a[pos, 0] = m * normal_relative_angle(h[j + 1] - b)
            mem_a[pos, 1] = cmd_dir[j] * travel[j]          # 1 = go on the way it travels, -1 = reverse
            mem_a[pos, 2] = cmd_vel[j]
            pos = (pos + 1) % memory
            n_mem = min(n_mem + 1, memory)
            observe_transition(j, rnd, x, y, h, travel, since_fire, age, cmd_dir, cmd_vel, sx, sy, width, height,
                               geometry, strength, c1, c2, c3, c4, c5, s1, s2, change_ring, start_ring, ring_n, own,
                               members > 1, loglik, probs)
            sg = run_signature(v[j], v[j + 1], travel[j + 1])  # what turn j+1 shows of command j
            slot = sig_n[sg] % SIG_RING
            sig_cmd[sg, slot, 0] = command_label(cmd_dir[j], travel[j + 1])
            sig_cmd[sg, slot, 1] = cmd_vel[j]
            sig_cmd[sg, slot, 2] = age[j + 1]
            sig_n[sg] += 1
        while s < n_sit and sit_row[s] < i:
            s += 1
        while s < n_sit and sit_row[s] == i:
            speed = sit_speed[s]
            b_ref = math.atan2(x[i] - sx[i], y[i] - sy[i])
            dist = math.hypot(x[i] - sx[i], y[i] - sy[i])
            steps = min(MAX_FLIGHT, LAG + 1 + int((dist + 60.0) / speed) + 6)
            n_pieces = 0
            cmd_known = i >= 1 and rnd[i - 1] == rnd[i] and known[i - 1] <= i
            sg = run_signature(v_prev[i], v[i], travel[i])
            if members > 1:                          # the members' posterior weights, cumulated
                top = loglik.max()
                for k in range(members):
                    weight[k] = math.exp(loglik[k] - top) + (weight[k - 1] if k > 0 else 0.0)
            for f in range(futures):
                mb = own
                if members > 1:
                    r = np.random.random() * weight[own]
                    mb = 0
                    while weight[mb] <= r and mb < own:
                        mb += 1
                px, py, ph, pv, pvp = x[i], y[i], h[i], v[i], v_prev[i]
                sr, sf = since_rev[i], since_fire[i]
                last_sign = travel[i]
                if cmd_known:                        # the command that gave v[i], and how long it had lasted
                    cd, cmv, cage = cmd_dir[i - 1], cmd_vel[i - 1], age[i]
                elif sig_n[sg] > 0:                  # a run in progress: one of the commands seen showing the same
                    r = np.random.randint(min(sig_n[sg], SIG_RING))
                    lab = sig_cmd[sg, r, 0]
                    cd = 0.0 if lab == STOP else (last_sign if lab == GO_ON else -last_sign)
                    cmv, cage = sig_cmd[sg, r, 1], sig_cmd[sg, r, 2]
                else:
                    cd, cmv, cage = (0.0 if pv == 0.0 else last_sign), max(abs(pv), abs(pvp)), 1.0
                cx[0] = px
                cy[0] = py
                for step in range(1, steps + 1):
                    b, m = state_features(px, py, ph, pv, pvp, last_sign, sr, sf, sx[i], sy[i], width, height, cap, q)
                    nh = draw_neighbour(mem_f, n_mem, q, w_heading, k_heading, dist_buf, best_buf)
                    if nh < 0:                       # nothing learned yet: keep going as now
                        turn, dist_cmd, max_vel = 0.0, FAR * pv, abs(pv)
                    elif hazard_model:
                        turn = normal_relative_angle(b + m * mem_a[nh, 0] - ph)
                        pressure = wall_pressure(px, py, ph, last_sign, sx[i], sy[i], width, height)
                        db, rb = (0, 0) if geometry == 0 else \
                            geometry_bins(px, py, ph, last_sign, sx[i], sy[i], width, height)
                        cd, cmv, cage = next_command(c1[mb], c2[mb], c3[mb], c4[mb], c5[mb], s1[mb], s2[mb],
                                                     change_ring[mb], start_ring[mb], ring_n[mb], cd, cmv, cage,
                                                     last_sign, pressure, sf, db, rb, geometry, strength, probs)
                        dist_cmd, max_vel = FAR * cd, cmv
                    else:
                        turn = normal_relative_angle(b + m * mem_a[nh, 0] - ph)
                        nv = draw_neighbour(mem_f, n_mem, q, w_velocity, k_velocity, dist_buf, best_buf)
                        dist_cmd, max_vel = FAR * mem_a[nv, 1] * last_sign, mem_a[nv, 2]
                    row = i + step - 1               # the recorded turn this step plays
                    if truth != 0 and row + 1 < n and rnd[row + 1] == rnd[i]:
                        if truth & TRUE_HEADING:
                            turn = normal_relative_angle(h[row + 1] - ph)
                        if truth & TRUE_VELOCITY:
                            dist_cmd, max_vel = FAR * cmd_dir[row], cmd_vel[row]
                    pvp = pv
                    px, py, ph, pv, _, _ = robot_step(px, py, ph, pv, turn, dist_cmd, max_vel, width, height)
                    last_sign, sr = note_velocity(pv, last_sign, sr + 1.0)
                    sf += 1.0
                    if step == LAG:                  # the situation's own bullet leaves in turn F
                        sf = 0.0
                    elif step > LAG and i + step < n and rnd[i + step] == rnd[i] and fired[i + step]:
                        sf = 0.0                     # the shooter's later shots (its own decisions)
                    cx[step] = px
                    cy[step] = py
                b1 = math.atan2(cx[1] - sx[i], cy[1] - sy[i])
                npc, _, _, _, _ = track_wave(sx[i], sy[i], b1, speed, LAG, cx, cy, alive, 1, steps, width, height,
                                             8.0, acc, parts, cand)
                off = normal_relative_angle(b1 - b_ref)
                for p in range(npc):
                    lo[n_pieces] = off + acc[p, 0]
                    hi[n_pieces] = off + acc[p, 1]
                    n_pieces += 1
            best, at = best_heading(lo[:n_pieces], hi[:n_pieces])
            aims[s] = b_ref + (0.0 if math.isnan(at) else at)
            cover[s] = best / futures
            s += 1
    return aims, cover, loglik


def battle_arrays(result):
    """The mover's (robot 1) recorded rows in time order, with the shooter's rows of the same turns."""
    tr = np.asarray(result.robots_trace)
    r0 = tr[tr[:, 2] == 0]
    r1 = tr[tr[:, 2] == 1]
    key0 = {(int(a), int(b)): k for k, (a, b) in enumerate(zip(r0[:, 0], r0[:, 1]))}
    o = np.lexsort((r1[:, 1], r1[:, 0]))
    r1 = r1[o]
    k0 = np.array([key0[(int(a), int(b))] for a, b in zip(r1[:, 0], r1[:, 1])])
    return r1, r0[k0]


TRUTH = {"none": 0, "heading": TRUE_HEADING, "velocity": TRUE_VELOCITY, "both": TRUE_HEADING | TRUE_VELOCITY}


def weights(scale):
    """Squared-distance weights of feature scales (inf: weight 0, the feature is left out)."""
    return np.array([0.0 if math.isinf(x) else 1.0 / (x * x) for x in scale])


def recorded_battle(spec, seed, rules):
    """The shooter against `spec` on `seed`, recorded: (its gun table, its parts table, the mover's rows, the
    shooter's rows of the same turns, per mover row: did the shooter fire a real bullet, do both robots live,
    the mover row index of each (round, turn))."""
    from sim.engine.battle import run_battle
    from sim.io.dataset import battle_tables
    res = run_battle([SHOOTER, spec], rules, seed=seed, record=True, compile_progress=False)
    tables = battle_tables(res, 0, specs=[SHOOTER, spec])[0]
    g = tables["gun"]
    r1, r0 = battle_arrays(res)
    index = {(int(a), int(b)): q for q, (a, b) in enumerate(zip(r1[:, 0], r1[:, 1]))}
    fired = np.zeros(len(r1), dtype=np.bool_)
    for q in np.flatnonzero((g["shooter"] == 0) & g["real_bullet"].astype(bool)):
        at = index.get((int(g["round"][q]), int(g["turn"][q])))
        if at is not None:
            fired[at] = True
    live = (r1[:, 11] != RS_DEAD) & (r0[:, 11] != RS_DEAD)
    return g, tables["parts"], r1, r0, fired, live, index


def member_tables(corpus):
    """The kernels' hazard tables: the corpus members' (or none) and, last, a zeroed member for the battle's own."""
    members = 1 if corpus is None else corpus[0].shape[0] + 1
    tables = empty_tables(members)
    if corpus is not None:
        for t, c in zip(tables, corpus):
            t[:-1] = c
    return tables


CORPUS_KEYS = ("c1", "c2", "c3", "c4", "c5", "s1", "s2", "change_ring", "start_ring", "ring_n")
CORPUS_VERSION = 2
MAX_CORPUS_MEMBERS = 256


def save_corpus(path, names, sources, tables):
    """Write pre-seeded hazard tables (member axis first, empty_tables' order), one member per name, to an npz
    of plain arrays (no pickle), atomically (sim.io.atomic)."""
    from sim.io.atomic import atomic_output
    arrays = dict(zip(CORPUS_KEYS, tables))
    with atomic_output(path) as f:
        np.savez_compressed(f, version=np.array(CORPUS_VERSION), names=np.array(names, dtype=str),
                 sources=np.array(sources, dtype=str), **arrays)


def load_corpus(path):
    """(member names, their sources, tables) of a save_corpus file; a file that is not one is a one-line
    UsageError. Read through sim.io.npyzip: every member's shape and dtype is checked against what this
    version writes before its data is read (a crafted header cannot make it allocate or inflate)."""
    import zipfile

    from sim.cli.errors import UsageError
    from sim.io.npyzip import open_archive

    def fail(msg):
        return UsageError(f"--corpus {msg}")
    with open_archive(path, fail, "hazard corpus file", methods=(zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)) as z:
        missing = [k for k in ("version", "names", "sources") + CORPUS_KEYS if k not in z.files]
        if missing:
            raise fail(f"{path}: not a hazard corpus file (no {missing[0]!r})")
        version = int(z.get("version", shape=(), kinds="iu"))
        if version != CORPUS_VERSION:
            raise fail(f"{path}: corpus version {version}, this script reads {CORPUS_VERSION}")
        (n,), _ = z.header("names")
        if not 0 < n <= MAX_CORPUS_MEMBERS:
            raise fail(f"{path}: {n} members (1 to {MAX_CORPUS_MEMBERS})")
        names = [str(x) for x in z.get("names", shape=(n,), kinds="U")]
        sources = [str(x) for x in z.get("sources", shape=(n,), kinds="U")]
        tables = []
        for k, t in zip(CORPUS_KEYS, empty_tables(n)):
            a = z.get(k, shape=t.shape, dtype=t.dtype)
            if not np.isfinite(a).all() or (a < 0).any():
                raise fail(f"{path}: {k} holds negative or non-finite counts")
            tables.append(a)
    return names, sources, tuple(tables)


def count_into(spec, seed, rules, tables, own, score=False, loglik=None, geometry=0, strength=DEFAULT_PRIOR):
    """Count every transition of the shooter's recorded battle against `spec` into member `own` of `tables`
    (empty_tables' order, the member axis first); with `score`, first add each transition's log-probability
    under every member (the own one's prequential) to loglik."""
    _, _, r1, r0, fired, live, _ = recorded_battle(spec, seed, rules)
    count_battle(r1[:, 0].astype(np.int64), r1[:, 3], r1[:, 4], r1[:, 5], r1[:, 8], fired, live, r0[:, 3], r0[:, 4],
                 float(rules.width), float(rules.height), int(geometry), float(strength), *tables, int(own),
                 bool(score), np.zeros(tables[0].shape[0]) if loglik is None else loglik)


def season(spec, seed, rules, futures, memory, cap, heading_scale, k_heading, velocity_scale, k_velocity,
           velocity_model="hazard", prior=DEFAULT_PRIOR, truth=0, corpus=None, geometry=0):
    """One battle of the probe. `corpus`: the pre-seeded members' hazard tables (load_corpus), or None (the
    battle's own counts only)."""
    from sim.experiments.evaluate import in_hit_set, scored_and_learnable
    t0 = time.perf_counter()
    g, parts, r1, r0, fired, live, index = recorded_battle(spec, seed, rules)
    rows = np.flatnonzero((g["shooter"] == 0) & g["real_bullet"].astype(bool))
    scored, _ = scored_and_learnable(g, rows, "real")
    rows = rows[scored]
    sit_row = np.array([index[(int(g["round"][q]), int(g["turn"][q]) - LAG)] for q in rows], dtype=np.int64)
    order = np.argsort(sit_row, kind="stable")
    tables = member_tables(corpus)
    t1 = time.perf_counter()
    aims, cover, loglik = play_forward_battle(
        r1[:, 0].astype(np.int64), r1[:, 3], r1[:, 4], r1[:, 5], r1[:, 8], fired, live, r0[:, 3], r0[:, 4],
        sit_row[order], g["bullet_speed"][rows][order], futures, memory, float(rules.width), float(rules.height),
        int(seed), cap, weights(heading_scale), k_heading, weights(velocity_scale), k_velocity,
        velocity_model == "hazard", float(prior), int(truth), *tables, int(geometry))
    per_bullet = (time.perf_counter() - t1) / max(1, len(rows))       # the kernel's seconds per fired bullet
    aim = np.empty(len(rows))
    aim[order] = aims
    cov = np.empty(len(rows))
    cov[order] = cover
    gf = np.array([normal_relative_angle(a - bb) for a, bb in zip(aim, g["bearing"][rows])]) \
        * g["lat_dir"][rows] / g["mea"][rows]
    hit = in_hit_set(g, parts, rows, gf)
    rnd = g["round"][rows]
    by_round = [[int(r), float(hit[rnd == r].mean()), float(cov[rnd == r].mean())] for r in np.unique(rnd)]
    post = np.exp(loglik - loglik.max())
    return dict(seed=int(seed), waves=int(len(rows)), hit=float(hit.mean()), predicted=float(cov.mean()),
                seconds=time.perf_counter() - t0, seconds_per_bullet=per_bullet, by_round=by_round,
                member_weights=(post / post.sum()).tolist())


def _numbers(values):
    return ",".join(f"{x:g}" for x in values)


def _vector(flag, text, default):
    """N_FEAT positive numbers (inf allowed) from a comma-separated flag, or the default."""
    from sim.cli.errors import UsageError
    if text is None:
        return np.array(default, dtype=float)
    try:
        out = np.array([float(t) for t in text.split(",")])
    except ValueError:
        out = np.zeros(0)
    if out.shape != (N_FEAT,) or not (out > 0).all():
        raise UsageError(f"{flag} takes {N_FEAT} comma-separated numbers > 0 (inf allowed), got {text!r}")
    return out


def main(argv=None):
    from bots.registry import BotSpecError, parse_bot
    from sim.cli.args import (
        add_progress_flags,
        bounded_float,
        bounded_int,
        positive_int,
        progress_bar,
    )
    from sim.cli.errors import OneLineParser, UsageError, run_command
    from sim.cli.output import json_text
    from sim.engine.rules import Rules
    from sim.experiments.challenge import mean_ci, movement_specs, parse_seeds

    def run(argv):
        p = OneLineParser(prog="play_forward.py", description=__doc__.split("\n\n")[0],
                          formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
        p.add_argument("movement", help="movement part as in gfsim oracle (orbit, stopgo:flip=0.5, ...)")
        p.add_argument("--seeds", default="0..2", help="seeds (7, 1,2,5 or 0..9; default 0..2, the oracle's)")
        p.add_argument("--futures", type=bounded_int(1, 4096), default=32, help="futures per situation (default 32)")
        p.add_argument("--k-heading", type=bounded_int(1, 10000), default=DEFAULT_K_HEADING,
                       help=f"neighbours the heading is drawn from (default {DEFAULT_K_HEADING})")
        p.add_argument("--k-velocity", type=bounded_int(1, 10000), default=DEFAULT_K_VELOCITY,
                       help=f"neighbours the velocity command is drawn from (default {DEFAULT_K_VELOCITY})")
        p.add_argument("--velocity-model", choices=("hazard", "knn"), default="hazard",
                       help="the velocity command from the pooled hazard tables (default) or drawn from the "
                       "--k-velocity nearest stored states (the first probe's)")
        p.add_argument("--prior", type=bounded_float(0.0, 1e6, lo_open=True), default=DEFAULT_PRIOR,
                       help="pseudo-counts pulling each hazard bin towards its coarser level "
                       f"(default {DEFAULT_PRIOR:g})")
        p.add_argument("--corpus", metavar="FILE",
                       help="pre-seeded hazard tables (benchmarks/hazard_corpus.py): each future plays one corpus "
                       "member or the battle's own counts, drawn with the likelihood of the battle's transitions "
                       "so far")
        p.add_argument("--geometry", choices=tuple(GEOMETRY), default="none",
                       help="a finest hazard level binning the distance to the shooter, the reverse direction's wall "
                       "pressure or both (default none)")
        p.add_argument("--truth", choices=("none", "heading", "velocity", "both"), default="none",
                       help="diagnosis: the mover's recorded heading, velocity command or both in place of the drawn "
                       "ones (both: the futures replay the real path)")
        p.add_argument("--memory", type=positive_int, default=4000, help="newest transitions kept (default 4000)")
        p.add_argument("--rounds", type=positive_int, default=35, help="rounds per battle (default 35)")
        p.add_argument("--heading-scale", help=f"the {N_FEAT} feature scales of the heading's neighbours, "
                       f"comma-separated, inf = left out (default {_numbers(DEFAULT_HEADING_SCALE)}; features: "
                       f"{', '.join(FEATURE_NAMES)})")
        p.add_argument("--velocity-scale", help=f"the same for the velocity command's neighbours (default "
                       f"{_numbers(DEFAULT_VELOCITY_SCALE)})")
        p.add_argument("--cap", help=f"the {N_FEAT} feature caps (default {_numbers(DEFAULT_CAP)})")
        p.add_argument("--json", action="store_true")
        add_progress_flags(p)
        a = p.parse_args(argv)
        cap = _vector("--cap", a.cap, DEFAULT_CAP)
        heading_scale = _vector("--heading-scale", a.heading_scale, DEFAULT_HEADING_SCALE)
        velocity_scale = _vector("--velocity-scale", a.velocity_scale, DEFAULT_VELOCITY_SCALE)
        pairs = movement_specs(a.movement)
        if not pairs or len(pairs) != 1:
            raise UsageError(f"unknown movement {a.movement!r}; `gfsim bots` lists them")
        spec = pairs[0][1]
        try:
            parse_bot(spec)
        except BotSpecError as e:
            raise UsageError(f"movement {a.movement!r}: {e}") from None
        seeds = parse_seeds(a.seeds)
        if a.velocity_model != "hazard" and (a.corpus or a.geometry != "none"):
            raise UsageError("--corpus and --geometry are hazard tables: they need --velocity-model hazard")
        names, sources, corpus = load_corpus(a.corpus) if a.corpus else ([], [], None)
        rules = Rules(rounds=a.rounds)
        show = a.progress if a.progress is not None else sys.stderr.isatty()
        bar, update = progress_bar(len(seeds), show, "play-forward seasons", unit="season")
        out = []
        for s in seeds:       # a season is one compiled call of a minute or more: the bar moves per season
            out.append(season(spec, s, rules, a.futures, a.memory, cap, heading_scale, a.k_heading, velocity_scale,
                              a.k_velocity, a.velocity_model, a.prior, TRUTH[a.truth], corpus, GEOMETRY[a.geometry]))
            if update:
                update(len(out))
        if bar:
            bar.close()
        summ = dict(movement=a.movement, spec=spec, futures=a.futures, memory=a.memory, cap=cap.tolist(),
                    velocity_model=a.velocity_model, prior=a.prior, truth=a.truth, corpus=a.corpus,
                    members=names + ["own"] if corpus is not None else ["own"], geometry=a.geometry,
                    heading_scale=heading_scale.tolist(), k_heading=a.k_heading,
                    velocity_scale=velocity_scale.tolist(), k_velocity=a.k_velocity,
                    hit=mean_ci([100 * d["hit"] for d in out]), predicted=mean_ci([100 * d["predicted"] for d in out]),
                    seasons=out)
        if a.json:
            sys.stdout.write(json_text(summ))       # infinite scales as null: strict JSON for the readers
        else:
            for d in out:
                top = int(np.argmax(d["member_weights"]))
                print(f"seed {d['seed']}: {d['waves']} waves, hit {100 * d['hit']:.1f}%, predicted "
                      f"{100 * d['predicted']:.1f}%, {d['seconds']:.0f} s, likeliest member "
                      f"{summ['members'][top]} ({d['member_weights'][top]:.2f})")
            h, pr = summ["hit"], summ["predicted"]
            print(f"{a.movement}: hit {h['mean']:.1f} ± {h['half']:.1f}%, predicted {pr['mean']:.1f} ± "
                  f"{pr['half']:.1f}% (futures {a.futures}, k {a.k_heading} / {a.k_velocity}, memory {a.memory})")
        return 0
    return run_command("play_forward.py", run, list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
