"""Wave surfing: dodge the enemy's bullets by predicting our own movement exactly.

How it works (one `surf` movement part, compiled, inside the turn loop):

* **Enemy waves** come from the enemy record's energy drops (bots/radar.py), with
  sim/waves/tracking.py's timing: a drop seen at scan t with the previous scan at t-1 is a
  bullet fired in turn t from the enemy's position at that previous scan; across a
  scan gap the fire turn is the first turn the enemy's gun (heat tracked from its
  detected shots) was cool, and the source is interpolated between the two scans.
  Bearing and lateral direction are taken from our own state at the end of the
  turn before the bullet left (a 16-turn history of our states). A wave is kept
  until its front has passed our whole box.
* **Precise prediction**: sim/engine/physics.py's rules (turn, velocity, move, walls) are
  replayed on scalars with the same float operations, so a path predicted from the
  commands this part issues is the path the engine plays (tests/test_surf.py checks
  it against the engine). Three options -- orbit the surfed wave's source clockwise,
  anticlockwise, or brake -- are played until the nearest wave has passed, and
  from each end state the three options again until the second wave has passed
  (the best continuation counts). The option of least danger is driven, and it is
  re-planned only when something changes (a wave appears or goes, one of our bullets
  adds a shadow or dies taking one off a wave, a hit is logged, our position leaves the
  prediction -- a ram): following a plan is exact, so it stays valid while nothing
  changes (re-planning every few turns as well measured no better). `replan_deaths` = 1
  (BEFORE_FIFTH_ROUND) re-plans at every death of our bullets, as before issue 19's fifth
  round: ~20% more plans for the same battles, measured no better. `keep_ref` = 1 (off)
  keeps a plan's distance-control reference while the same wave is surfed, so the driven
  option is re-predicted on its own path (measured no better either).
* **Danger** of a wave = the integral of its danger density over the guess factors
  our box covers while the predicted front crosses it (precise intersection with
  sim/waves/gf.py's turn_hit_set, hull over the turns), minus the parts in our bullets'
  shadows, times the bullet's damage over the time to impact ** `time_exp`.
  The learned density blends a general and a segmented KDE (Gaussian kernels on a 51-bin
  grid, GF -1..1, as in bots/telemetry.py): segments are our lateral speed at fire
  time (0/2/4/6/8 px/turn) x distance (<300, <550, farther). A logged GF (an enemy
  bullet that hit us or one of our bullets) multiplies the buffers by `decay`
  (rolling average, learned weights) and adds a kernel of weight 1. The prior, before
  any hit: kernels at GF 0 (head-on) and at the linear gun's GF ~ lateral speed / 8.
  The flattener (`flatten` > 0) keeps a second set of buffers of the GFs we were at
  when each detected wave passed (whether it hit or not), and while the enemy hits
  us often enough (`flat_gate`) takes that share of the danger from them: we avoid
  where we have been, so our profile flattens against learning guns; against guns
  that surfing already beats the gate stays shut and hits alone decide.
  **Virtual waves** (`flat_virtual` > 0) log the rest of what a learning gun sees
  (bots/waveguns.py sends a wave every turn): one every turn in which no detected
  wave was fired, with the timing and source a detected wave of that turn would
  have (fired in turn t from the enemy's scanned position at t-1, bearing,
  lateral direction and segment from our state at the end of t-1) and the power
  of the enemy's last detected bullet (none before its first one, none without
  a scan at t-1). They are tracked and labelled by the very code of the real
  waves (_init_wave, _pass_wave): the label is our centre's GF when the front
  reaches it (inside, and at the kernel's bandwidth indistinguishable from, the
  precise range sim/waves/gf.py's track_wave_sc gives; tests/test_surf.py checks both),
  logged with weight `flat_virtual` (rolling average VISIT_DECAY ** weight, so the
  buffers' total weight stays ~20 detected waves). They only feed the visit
  buffers: no danger, no shadows, no gate counts.
  **Gated kernel width** (`gated_bandwidth`, 0.02; BEFORE_GATED_BANDWIDTH = 0: `bandwidth` always): while the
  enemy hits us often from afar -- from `gate_distance` or farther, at least `gated_rate` (3%) of such waves after
  20 of them (hits_often, the flattener's gate test), which the sample robots' guns rarely manage against the
  surfer -- hits and visits are logged with kernels of
  this width instead of `bandwidth` (0.02 is half a bin: practically the bin of the GF and its neighbours at
  e^-2): against a gun that learns, the danger marks where its bullets went and where we were, not a wide
  band around them (measured: the movement challenge's gf, knn and learned guns hit it 0.8 points less on
  tuning seeds, the samples' rates unchanged; docs/surf-report.md, fourth round).
* **The danger ensemble** (`est_sim`, `est_spin`, `est_track`, `est_bandwidth`, `est_decay`, `est_lag`;
  BEFORE_ENSEMBLE = the learned densities alone): a wave's danger density is a mixture of seven estimators
  (EST_*), each a
  density over the wave's 51 GF bins summing to 1:
    - learned: the hit buffers above (segments, prior kernels, flattener), as before;
    - head-on, linear, circular: simulated guns. When a wave is detected, bots/guns/aiming.py's predict()
      (the very code of gfsim's classic guns, walls included) aims at us as the enemy saw us `est_lag` turns
      before the fire turn tf (our state at the end of tv = tf - est_lag from our history, the turn rate
      from tv - 1 to tv as bots/enemy.py measures it, tv no earlier than this round's first turn) from where
      it then expected to fire (its scan of tv driven on tf - 1 - tv turns, else the wave's source), at
      the bullet's speed; the aim's GF in the wave's frame is stored with the wave (W_EST). Its density is a
      Gaussian of width `est_bandwidth` there, normalised on the grid, with EST_FLOOR (5%) uniform. With
      est_lag = 2 these are exactly the bullets of `lock+headon|linear|circular` (tests/test_surf_ensemble.py:
      every bullet's GF to 1e-9, still and moving shooters);
    - visit (`est_visit` > 0; off by default, it measured no better): the visit buffers (where we were when
      each wave passed, virtual waves included: what a guess-factor or k-NN gun learns), so the flattener's
      idea gains weight exactly when the enemy aims where we have been;
    - spin: a learned density in the fixed rotation frame (GF x lateral direction: clockwise offsets are +,
      whichever way we moved), rolling average `decay` like the hit buffers, uniform before any bullet: the
      guns whose error turns one way, e.g. VelociRobot's radar-gun, always turning clockwise, that fires as its
      sweep passes us ([-4, +17] degrees off the bearing, GF [-0.15, 0.6] at power 1);
    - track (`est_track`, issue 19's eighth round; BEFORE_EIGHTH_ROUND = off): the gun tracker, a simulated
      radar-gun. In Robocode a robot's gun starts each round aligned with its body, so a gun that turns a
      constant rate w relative to its body points, whenever it fires, at body heading + a multiple of
      gcd(w, 360) degrees, however often it stopped; and a radar-gun fires as its sweep passes us, so at one
      of those headings that its last step (w) could have swept across our box (track_window: offsets
      [-reach, w + reach] from the bearing, reach = our half-diagonal's angle). Candidate rates +-1..20
      deg/turn (TRACK_RATES) are weighed by the likelihood of the bullets seen (score_track: 1 / the headings
      in the window when one is the bullet's, else TRACK_FLOOR: the sparsest lattice that explains the
      bullets wins); the density spreads each rate's weight over its window's headings (track_density,
      est_bandwidth wide, stored with the wave: W_TRACK). The enemy's body heading is its scan at tf - 1
      (W_BODY; none: uniform). Against sample.VelociRobot (15 deg/turn) the window holds the bullet's exact
      heading for 99.9% of its bullets, 1.7 headings per wave (tests/test_surf_track.py): a spike or two
      instead of a 0.75-GF block.
  Weights: w_e = prior_e x exp(S_e) / sum, with prior 1 (learned), est_sim (each simulated gun), est_spin
  (spin), est_visit (visit), est_track (track). S_e is a rolling log-score: each enemy bullet seen (one that hit us or one of
  our bullets, the only bullets whose heading we learn) multiplies every S_e by est_decay and adds log of
  the mass estimator e gave a box of our width around the bullet's GF (+- atan(18 / distance at fire) / MEA;
  at least SCORE_FLOOR), scored before the learned buffers learn the bullet -- the likelihood of what the enemy did,
  as BeepBoop's loss scores a gun (`est_loss` swaps that loss for another, for the loss ablation: bullet_score).
  Before any bullet the priors rule (the simulated guns hold 6/12 of the
  weight by default, the tracker 4/12); the estimator that predicts the enemy takes over within a few bullets.
* **Path surfing** (`paths`, `path_step`, `paths_distance`; BEFORE_PATHS = the planner before it): `paths` = n
  adds every path that drives one of the three options for path_step x i turns (i = 1..n) and then the
  other two until the nearest wave has passed (prefixes simulated once, kept in SNAPS), each followed by the
  second-wave search; a driven path switches at its turn (S_SWITCH_T). paths = 0 also fixes the planner's
  order (the third option in danger order was skipped once a continuation had been searched: a reused
  loop variable); paths = -1 keeps that order. The default (paths=3, path_step=5, fourth round) surfs paths
  only for a nearest wave fired from `paths_distance` (300 px) or farther: path surfing from close by
  measured worse against Crazy, from afar better against the samples and the learning guns
  (docs/surf-report.md).
* **Close range** (`close_weight` > 0): an option whose predicted path comes within `close_distance` of
  the enemy's last scanned position has its danger (both waves) multiplied by 1 + close_weight x
  (1 - closest / close_distance): bullets fired from close by cannot be dodged and rams push the path off
  its prediction (what `gfsim surf-report` found against the sample robots, docs/surf-report.md). The
  flattener's gate likewise counts only waves fired from `gate_distance` or farther and their hits.
* **Distance control** (`distancing`, `max_approach`, `retreat`, `dist_ref`): the orbit turns towards its centre
  when farther than `distance` from the enemy (its position when the plan was made; dist_ref=0: from the
  orbit centre) and away when closer, by an angle whose tangent is `distancing` degrees per 100 px of error,
  capped at `max_approach` towards and `retreat` away (surf_command).
* **Ram avoidance** (`ram_weight`, `ram_distance`, `close_predict`): along every predicted path the enemy is
  driven on from its last scan (velocity along its heading, stopped at the walls); an option that comes
  within `ram_distance` of it has its danger multiplied by 1 + ram_weight (and the close-range danger uses
  that moving enemy); with no wave to surf, the orbit is reversed when its next FREE_TICKS turns come that
  close and the other way does not (free_closest) -- wall smoothing otherwise turns the orbit along a wall
  into a robot sitting at it. BEFORE_DISTANCE_CONTROL plays the surfer before these two rules.
* **Diagnostics**: with run_battle(diagnostics=True) the part writes what it detected, rejected, planned
  (each option's predicted cover) and mispredicted as declared rows (DIAG_*, bots/telemetry.py
  diag_row) for sim/experiments/surfreport.py; nothing reads them back.
* **Bullet shadows**: for each pair (enemy wave, our bullet in flight) the headings of
  enemy bullets whose segment crosses our bullet's segment in the same turn (the test
  Robocode always applies, whatever the update order) -- those bullets would be
  destroyed, so that part of the wave cannot hit. A shadow is dropped when our bullet
  dies before it.
"""
import math

import numpy as np
from numba import njit

from sim.engine.constants import (I64, ST_X, ST_Y, ST_HEADING, ST_GUN, ST_VEL, ST_ENERGY, ST_TIME, ST_ROUND,
                                  ST_WIDTH, ST_HEIGHT, ST_COOLING, C_FIRE, E_TYPE, E_A, EV_HIT_BY_BULLET,
                                  EV_BULLET_HIT, EV_BULLET_MISSED, EV_BULLET_HIT_BULLET, EV_HIT_ROBOT, EV_HIT_WALL,
                                  MAX_VELOCITY, MAX_TURN_RATE_RADIANS, GUN_TURN_RATE_RADIANS, HALF_ROBOT, DEG,
                                  START_GUN_HEAT)
from sim.engine.geometry import normal_relative_angle
from sim.engine.physics import clamp_power, cool_turns, gun_heat, robot_step
from sim.waves.gf import (BOX_REACH, bullet_speed, classic_mea, lateral_sign, stick_rotation_u, turn_hit_set,
                          pseudo_to_angle, MAX_CAND)
from bots.api import set_ahead, set_turn_body, set_max_velocity, set_max_turn_rate
from bots.movements.steering import SLOW_TURN, MEM as MOVE_MEM, DISTANCING_PARAMS, steering_round_start
from bots.part import Part, Param, layout
from bots.enemy import (EN_TIME, EN_X, EN_Y, EN_HEADING, EN_VEL, EN_DROP, EN_DROP_TIME, EN_PREV_TIME,
                        EN_TURN_RATE, N_EN, bullet_damage, turn_rate_between)
from bots.guns.aiming import AIM_HEADON, AIM_LINEAR, AIM_CIRCULAR, driven_on, predict
from bots.ensemble import log_weights
from bots.telemetry import tele_row, tele_normalise, diag_row, TK_DANGER, TK_DIAG, TELE_BINS, DIAG_WIDTH

NB = dict(cache=True, error_model="numpy")

SURF_PARAMS = (
    DISTANCING_PARAMS[0],
    Param("distancing", 60.0, 0.0, 90.0,
          "turn towards (too far) or away from (too close) the orbit centre: its tangent is this many degrees "
          "(as radians) per 100 px of distance error, i.e. ~degrees per 100 px for small turns"),
    Param("max_approach", 40.0, 0.0, 85.0, "largest such turn off the perpendicular, degrees"),
    DISTANCING_PARAMS[3],
    Param("stick", 160.0, 0.0, 500.0, "wall-smoothing stick length, pixels (exact stick rotation, no stepping)"),
    Param("velocity", 8.0, 1.0, 8.0, "max velocity when moving"),
    Param("bandwidth", 0.1, 0.01, 1.0, "KDE kernel width (standard deviation), guess factors"),
    Param("decay", 0.9, 0.0, 1.0,
          "rolling average: the danger buffers are multiplied by this per logged hit (1 = never forget)"),
    Param("seg_weight", 0.6, 0.0, 1.0,
          "weight of the segmented buffer (lateral speed x distance at fire time) against the general one"),
    Param("prior_headon", 0.5, 0.0, 10.0, "prior weight at GF 0 (head-on), in hits"),
    Param("prior_linear", 0.5, 0.0, 10.0, "prior weight at the linear gun's GF (~ lateral speed / 8), in hits"),
    Param("flatten", 0.5, 0.0, 1.0,
          "flattener: share of the danger that comes from where we were when each detected wave passed "
          "(visits, rolling average of the last ~20 waves) once the gate is open; 0 = off"),
    Param("time_exp", 1.0, 0.0, 3.0, "wave weight = damage / (turns to impact) ** time_exp"),
    Param("second_wave", 1.0, 0.0, 1.0, "1 = also surf the second wave (best of three continuations)"),
    Param("shadows", 1.0, 0.0, 1.0, "1 = our bullets' shadows remove danger"),
    Param("flat_gate", 0.03, 0.0, 1.0,
          "the flattener works only while the enemy hits us at least this often (hits / detected waves this "
          "battle, after 20 waves): simple guns, which surfing beats anyway, do not make us predictable"),
    Param("flat_virtual", 0.1, 0.0, 1.0,
          "flattener: weight of a virtual wave (one every turn the enemy did not fire, power of its last detected "
          "bullet) in the visit buffers, relative to a detected one; 0 = visits of detected waves only"),
    Param("close_weight", 2.0, 0.0, 20.0,
          "close-range danger: an option whose path comes within close_distance of the enemy (its last scan) has "
          "its danger multiplied by 1 + close_weight x (1 - closest / close_distance); 0 = off (bullets fired "
          "from close by cannot be dodged, and rams push the path off its prediction)"),
    Param("close_distance", 300.0, 50.0, 1000.0, "where the close-range danger starts, pixels"),
    Param("gate_distance", 250.0, 0.0, 1000.0,
          "the flattener's gate counts only waves fired from at least this far and the hits they made (hits "
          "from close by say nothing about how well the enemy's gun learns); 0 = every wave and hit"),
    Param("retreat", 80.0, 0.0, 85.0,
          "distance control: largest turn away from the orbit's perpendicular when closer than `distance`, "
          "degrees (max_approach caps the turn towards it); equal to max_approach = the symmetric rule before"),
    Param("dist_ref", 1.0, 0.0, 1.0,
          "distance control measures the distance to: 1 = the enemy's position when the plan was made, "
          "0 = the orbit centre (the surfed wave's source)"),
    Param("close_predict", 1.0, 0.0, 1.0,
          "the close-range danger measures the path's distance to: 1 = the enemy driven on from its last scan "
          "(its velocity along its heading, stopped at the walls), 0 = its last scanned position"),
    Param("ram_weight", 3.0, 0.0, 50.0,
          "ram avoidance: an option whose path comes within ram_distance of the enemy driven on from its last "
          "scan has its danger (both waves) multiplied by 1 + ram_weight; with no wave to surf, the orbit is "
          "reversed when its next 20 turns come that close and the other way does not as much; 0 = off"),
    Param("ram_distance", 250.0, 36.0, 300.0,
          "centre-to-centre distance counted as a ram threat, pixels (robots touch at 36 along an axis; 250 since "
          "issue 19's fifth round: bullets fired from under 250 px made half of VelociRobot's hits; 120 before)"),
    Param("est_sim", 2.0, 0.0, 20.0,
          "danger ensemble: prior weight of each simulated gun (head-on, linear, circular aimed from the enemy's "
          "view of us at the wave's fire time) against the learned densities' 1; 0 with est_spin=0 = no ensemble "
          "(the learned densities alone)"),
    Param("est_spin", 1.0, 0.0, 20.0,
          "danger ensemble: prior weight of the learned density in the fixed rotation frame (offsets clockwise = +, "
          "not flipped by our lateral direction: guns whose error turns one way, like a radar-gun spinning "
          "past us)"),
    Param("est_bandwidth", 0.05, 0.01, 0.5, "danger ensemble: kernel width of a simulated gun's GF, guess factors"),
    Param("est_decay", 0.9, 0.0, 1.0,
          "danger ensemble: each estimator's log-score is multiplied by this per enemy bullet seen (1 = never "
          "forget)"),
    Param("est_lag", 2.0, 1.0, 3.0,
          "danger ensemble: turns from the enemy's scan of us to the turn its bullet leaves (2: aimed in one turn, "
          "fired the next, as bots/guns/aiming.py; 1: fired at the scan)"),
    Param("paths", 3.0, -1.0, 4.0,
          "path surfing: besides orbit / brake / reverse until the nearest wave passes, every path that switches "
          "once from one of them to another after path_step, 2 x path_step, ... (this many switch points) "
          "turns; 0 = the three options alone; -1 = the three options in the planner's order before path "
          "surfing (the third in danger order was skipped once a continuation had been searched)"),
    Param("path_step", 5.0, 1.0, 30.0, "path surfing: turns between switch points"),
    Param("est_visit", 0.0, 0.0, 20.0,
          "danger ensemble: prior weight of our own visit density (where we were when waves passed: what a "
          "guess-factor or k-NN gun learns) as an estimator, scored like the others, so it gains weight exactly "
          "while the enemy aims where we have been; 0 = off"),
    Param("gated_bandwidth", 0.02, 0.0, 1.0,
          "KDE kernel width of the hit and visit buffers' new entries while the enemy hits us at least gated_rate "
          "of the time from afar (a gun that learns), guess factors; 0 = `bandwidth` always"),
    Param("gated_rate", 0.03, 0.0, 1.0,
          "gated_bandwidth's gate: hits / waves counted as the flattener's gate counts them (from gate_distance "
          "or farther, after 20 waves)"),
    Param("paths_distance", 300.0, 0.0, 1000.0,
          "path surfing (paths > 0) only for a nearest wave fired from at least this far, pixels (closer: the "
          "three options; bullets from close by leave no time for a switch); 0 = always"),
    Param("est_loss", 0.0, 0.0, 5.0,
          "danger ensemble: the loss each estimator's score sums (the loss ablation, docs/learning.md): 0 the "
          "BeepBoop loss (mass in a box of our width around the bullet's GF), 1 and 2 the same with a Gaussian "
          "and a Laplace kernel, 3 cross-entropy of the bin holding the GF, 4 squared error of the density's "
          "mean GF, 5 hit likelihood (does its most dangerous GF hit); whole numbers"),
    Param("replan_deaths", 0.0, 0.0, 1.0,
          "1 = re-plan whenever one of our bullets dies (the surfer before issue 19's fifth round); 0 = only when "
          "its death takes a shadow off a wave (otherwise the waves' dangers are what the plan saw)"),
    Param("keep_ref", 0.0, 0.0, 1.0,
          "1 = a re-plan that surfs the same nearest wave keeps the plan's distance-control reference (dist_ref=1: "
          "the enemy where it was), so the option being driven is predicted on exactly the path it drives and a "
          "dodge found stays found; 0 = the enemy's latest position at every plan (a re-plan shifts every path; "
          "keep_ref=1 measured no better against VelociRobot and Crazy, docs/surf-report.md, fifth round)"),
    Param("est_track", 4.0, 0.0, 20.0,
          "danger ensemble: prior weight of the gun tracker (a radar-gun turning at a constant rate relative to its "
          "body, from its round-start alignment, that fires as its sweep passes us: the bullet heading is one of "
          "a lattice of headings, learned from the bullets seen; track_density); 0 = off (BEFORE_EIGHTH_ROUND; 4 "
          "since issue 19's eighth round: VelociRobot's hit rate 1.15% -> 0.42% on the tuning seeds)"),
)
# parameter slots (after the four distancing ones: distance, distancing, max_approach, margin)
(SP_DISTANCE, SP_DISTANCING, SP_MAX_APPROACH, SP_MARGIN, SP_STICK, SP_VEL, SP_BANDWIDTH, SP_DECAY, SP_SEG_WEIGHT,
 SP_PRIOR_HEADON, SP_PRIOR_LINEAR, SP_FLATTEN, SP_TIME_EXP, SP_SECOND, SP_SHADOWS, SP_FLAT_GATE,
 SP_FLAT_VIRTUAL, SP_CLOSE_WEIGHT, SP_CLOSE_DISTANCE, SP_GATE_DISTANCE, SP_RETREAT, SP_DIST_REF, SP_CLOSE_PREDICT,
 SP_RAM_WEIGHT, SP_RAM_DISTANCE, SP_EST_SIM, SP_EST_SPIN, SP_EST_BANDWIDTH, SP_EST_DECAY, SP_EST_LAG, SP_PATHS,
 SP_PATH_STEP, SP_EST_VISIT, SP_GATED_BANDWIDTH, SP_GATED_RATE,
 SP_PATHS_DISTANCE, SP_EST_LOSS, SP_REPLAN_DEATHS,
 SP_KEEP_REF, SP_EST_TRACK) = range(len(SURF_PARAMS))   # ValueError at import if a Param is added without its slot
# the parameter values that play the surfer before distance control and ram avoidance
BEFORE_DISTANCE_CONTROL = "distancing=20,retreat=40,dist_ref=0,close_predict=0,ram_weight=0"
# the surfer before issue 19's eighth round: no gun tracker (tests/test_surf_track.py checks it by digests)
BEFORE_EIGHTH_ROUND = "est_track=0"
# the parameter values that play the surfer before the danger ensemble (the learned densities alone)
BEFORE_ENSEMBLE = f"est_sim=0,est_spin=0,est_visit=0,{BEFORE_EIGHTH_ROUND}"
# ... and before path surfing and the planner's fix (see the `paths` parameter)
BEFORE_PATHS = "paths=-1"
# the surfer before the gated kernel width (issue 19's fourth round: sharper danger against guns that learn)
BEFORE_GATED_BANDWIDTH = "gated_bandwidth=0"
# the surfer before issue 19's fifth round: re-plans at every death of our bullets (tests/test_surf_replan.py checks
# it by digests)
BEFORE_FIFTH_ROUND = f"replan_deaths=1,ram_distance=120,{BEFORE_EIGHTH_ROUND}"
# together: the surfer before issue 19's third round (tests/test_surf_ensemble.py checks it by digests); it re-planned
# at every death of our bullets too
BEFORE_ENSEMBLE_AND_PATHS = f"{BEFORE_ENSEMBLE},{BEFORE_PATHS},{BEFORE_GATED_BANDWIDTH},{BEFORE_FIFTH_ROUND}"

# --- memory layout (m = this part's slice; slots 0..7 are movement.py's common ones, MOVE_MEM.dir = orbit direction) ---
N_HIST = 16                   # turns of our own state remembered (x, y, heading, velocity each)
MAX_WAVES = 8
MAX_SHADOWS = 6
SURF_WAVE = layout("SurfWave", active=1, fire=1, sx=1, sy=1, speed=1, power=1, bearing=1, sin=1, cos=1, lat=1, mea=1,
                   seg=1, pass_gf=1, nsh=1,
                   dist=1,               # distance from the source to us when it was fired (real waves)
                   sh=4 * MAX_SHADOWS,   # shadows: (gf_lo, gf_hi, turn, our bullet's id)
                   est=3,                # the simulated guns' GFs (head-on, linear, circular; real waves)
                   body=1,               # the enemy's body heading at the end of turn tf - 1 (its scan then; nan
                                         # = none): the gun tracker's lattice is relative to it
                   track=TELE_BINS)      # the gun tracker's density (est_track > 0; redone when its rates learn)
(W_ACTIVE, W_FIRE, W_SX, W_SY, W_SPEED, W_POWER, W_BEARING, W_SIN, W_COS, W_LAT, W_MEA, W_SEG, W_PASS_GF,
 W_NSH, W_DIST, W_SH, W_EST, W_BODY, W_TRACK) = SURF_WAVE[:-1]
W_SIZE = SURF_WAVE.size
MAX_OWN = 12
OWN_BULLET = layout("OwnBullet", active=1, launch=1, x=1, y=1, sin=1, cos=1, speed=1, id=1)
O_ACTIVE, O_LAUNCH, O_X, O_Y, O_SIN, O_COS, O_SPEED, O_ID = OWN_BULLET[:-1]
O_SIZE = OWN_BULLET.size
N_EST = 7                     # the danger ensemble's estimators (EST_*)
EST_LEARNED, EST_HEADON, EST_LINEAR, EST_CIRCULAR, EST_SPIN, EST_VISIT, EST_TRACK = (I64(k) for k in range(N_EST))
# the gun tracker's candidate rates: every whole number of degrees per turn a gun can turn, either way; a rate's
# lattice (the headings k x rate from the round-start alignment, mod 360) is the multiples of gcd(rate, 360)
TRACK_RATES = np.array([sgn * k for k in range(1, round(GUN_TURN_RATE_RADIANS / DEG) + 1) for sgn in (1, -1)],
                       dtype=np.float64)
TRACK_SPACING = np.array([math.gcd(int(abs(r)), 360) for r in TRACK_RATES], dtype=np.float64)
N_TRACK = TRACK_RATES.shape[0]
TRACK_SLACK = 1.0 * DEG       # the sweep window's margin each side (we move while its gun waits, hot, on us)
TRACK_MATCH = 0.05 * DEG      # a seen bullet lies on a lattice point when this close (the engine's headings
                              # are exact to ~1e-12)
TRACK_FLOOR = 0.02            # least likelihood a candidate rate is credited with per bullet
TRACK_MAX_HEADINGS = 361      # room for one window's headings: at most one per degree all round (track_window)
NBINS = TELE_BINS             # the danger grid is the telemetry grid: bin k's centre is -1 + 2k / (NBINS - 1)
BIN_W = 2.0 / (NBINS - 1)
LAT_BUCKETS = 5               # lateral speed 0, 2, 4, 6, 8
DIST_EDGES = (300.0, 550.0)
N_SEG = LAT_BUCKETS * (len(DIST_EDGES) + 1)
N_ACC = 10                    # hulls of waves a and b, passed flags, closest squared distances to the enemy
A_CLOSE = 8                   # ... for the close-range danger
A_RAM = 9                     # ... to the enemy driven on (ram avoidance)
OPTION = layout("PlanOption", opt=1, dir=1, danger=1, x=1, y=1, h=1, v=1, sin=1, cos=1, j=1, hull=3, passed=1,
                close=1,      # close: the close-range and ram factors of the option's danger
                opt2=1, switch=1,     # a path: opt, then opt2 from tick `switch` (-1: opt alone)
                lo=1, hi=1, first=1,  # its hull on the first wave (pseudo-angles, first tick)
                b_lo=1, b_hi=1)       # diagnostics: its best continuation's cover of the second wave (GF)
(OP_OPT, OP_DIR, OP_DANGER, OP_X, OP_Y, OP_H, OP_V, OP_SIN, OP_COS, OP_J, OP_HULL, OP_PASSED,
 OP_CLOSE, OP_OPT2, OP_SWITCH, OP_LO, OP_HI, OP_FIRST, OP_B_LO, OP_B_HI) = OPTION[:-1]
N_OPT = OPTION.size
MAX_SWITCH = 4                # path surfing: most switch points (the `paths` parameter's bound)
MAX_PATHS = 3 + 6 * MAX_SWITCH   # the three options, then each switching to either other at each point
SNAP = 7 + N_ACC              # a path's state at a switch point: x, y, h, v, sin, cos, tick, the accumulator
V_SIZE = W_PASS_GF + 1        # a virtual wave (the flattener) records a real wave's first V_SIZE fields
MAX_VIRT = 128                # one a turn, each alive until it passes us (< 100 turns on 800 x 600 at power 3)
SURF = layout(
    "SurfMemory",
    move=MOVE_MEM.size,   # steering.py's common movement memory: MOVE_MEM.dir = orbit direction
    init=1,         # battle: danger buffers hold their prior
    opt=1,          # driven option: +1 / -1 orbit direction, 0 = brake
    cx=1, cy=1,     # orbit centre of the plan (the surfed wave's source)
    planned=1,      # 1 while a plan (a surfed wave) is being followed
    plan_t=1,       # turn of the last plan
    replan=1,       # 1 = plan at the next chance
    px=1, py=1, ph=1, pv=1, pt=1,   # our state predicted for turn pt from the commands we issued
    en_x=1, en_y=1, en_t=1,         # the enemy's last scan as we saw it last turn
    next_fire=1,    # first turn the enemy's gun can fire again (heat from its detected shots)
    lat=1,          # lateral direction of the last detected wave (kept when we stood still)
    shots=1,        # our bullets this round (= the id of the last one)
    plans=1, deviations=1, waves=1, hits=1, flats=1, turns=1,   # battle counters (tests, tuning)
    my_e=1, my_e_t=1,   # our energy after last turn's think (its shot already paid), and that turn
    zaps=1,         # inactivity zaps (our own unexplained 0.1 losses) since the enemy's last scan
    hit_by=1,       # battle: enemy bullets that hit us (the flattener's gate)
    vpower=1,       # battle: power of the enemy's last detected bullet (virtual waves' power), 0 = none yet
    vlat=1,         # lateral direction of the last virtual wave (kept when we stood still)
    vwaves=1,       # battle counter: virtual waves sent
    vflats=1,       # battle counter: virtual waves logged as visits
    gate_waves=1,   # battle: detected waves fired from gate_distance or farther (the flattener's gate)
    gate_hits=1,    # battle: enemy bullets of those waves that hit us
    rx=1, ry=1,     # the plan's distance-control reference (dist_ref: the enemy then, or the orbit centre)
    t0=1,           # first turn of this round the part thought in (-1 before it): our history starts there
    opt2=1, switch_t=1,   # the driven path's second option and the turn it starts (-1: a single option)
    hist=4 * N_HIST,                  # our state at the end of turn t at hist + 4 * (t % N_HIST)
    wave_rows=MAX_WAVES * W_SIZE,     # detected enemy waves
    own=MAX_OWN * O_SIZE,             # our bullets in flight (their shadows)
    stats=(1 + N_SEG) * NBINS,        # danger buffers (general, then one per segment) from enemy bullets' GFs
    visits=(1 + N_SEG) * NBINS,       # the same from where we were when waves passed (the flattener)
    spin=NBINS,                       # the ensemble's learned density in the fixed rotation frame (battle)
    scores=N_EST,                     # the ensemble's rolling log-scores (battle)
    tscores=N_TRACK,                  # the gun tracker's log-likelihood of each candidate rate (battle)
    est_seen=1,                       # battle counter: enemy bullets the ensemble was scored on
    dens=2 * NBINS,                   # scratch: danger densities of the two planned waves
    edens=NBINS,                      # scratch: one estimator's density (scoring)
    view=N_EN,                        # scratch: us as the enemy saw us, in the enemy record's layout (predict)
    acc=N_ACC,                        # path accumulator (see _simulate)
    opts=MAX_PATHS * N_OPT,           # the options and paths of a plan (see _plan)
    snaps=MAX_SWITCH * SNAP,          # scratch: an option's states at its switch points (see _plan)
    virt=MAX_VIRT * V_SIZE,           # virtual waves
    ehist=5 * N_HIST,                 # the enemy's scans this round: (turn + 1, x, y, heading, velocity) at
                                      # 5 * (t % N_HIST)
)
(S_INIT, S_OPT, S_CX, S_CY, S_PLANNED, S_PLAN_T, S_REPLAN, S_PX, S_PY, S_PH, S_PV, S_PT, S_EN_X, S_EN_Y, S_EN_T,
 S_NEXT_FIRE, S_LAT, S_SHOTS, S_PLANS, S_DEVIATIONS, S_WAVES, S_HITS, S_FLATS, S_TURNS, S_MY_E, S_MY_E_T, S_ZAPS,
 S_HIT_BY, S_VPOWER, S_VLAT, S_VWAVES, S_VFLATS, S_GATE_WAVES, S_GATE_HITS, S_RX, S_RY,
 S_T0, S_OPT2, S_SWITCH_T) = SURF[1:SURF._fields.index("hist")]
N_HEAD = HIST = SURF.hist
WAVES, OWN, STATS, VISITS = SURF.wave_rows, SURF.own, SURF.stats, SURF.visits
NO_WAVE = I64(-1)   # "no wave" as a typed constant (sim/engine/constants.I64 says why)
SCRATCH = DENS = SURF.dens
ACC, OPTS, SNAPS, VIRT = SURF.acc, SURF.opts, SURF.snaps, SURF.virt
SPIN, SCORES, S_EST_SEEN, EDENS, VIEW, EHIST = SURF.spin, SURF.scores, SURF.est_seen, SURF.edens, SURF.view, SURF.ehist
TSCORES = SURF.tscores
SURF_MEM = SURF.size

# --- diagnostic rows (bots/telemetry.py diag_row): what the surfer saw and decided, for `gfsim surf-report`
# (sim/experiments/surfreport.py). Written only when a battle asks for diagnostics, never read back.
TK_SURF_WAVE, TK_SURF_REJECT, TK_SURF_PLAN, TK_SURF_DEVIATION, TK_SURF_WAVE_END = (
    I64(k) for k in range(TK_DIAG, TK_DIAG + 5))   # typed: sim/engine/constants.I64 says why
# a wave detected in row turn: its estimated fire turn, source, power, frame; gap = turns since the scan before;
# drop = the enemy record's drop, zaps = inactivity zaps taken off it; evicted = fire turn of the live wave
# whose slot it took (-1 = a free slot)
# est = the simulated guns' GFs (nan with the ensemble off), weights = the ensemble's weights then (EST_*);
# dist and body = the wave's W_DIST and W_BODY (the gun tracker's inputs)
DIAG_WAVE = layout("SurfDiagWave", fire=1, sx=1, sy=1, power=1, bearing=1, lat=1, mea=1, gap=1, drop=1, zaps=1,
                   slot=1, evicted=1, est=3, weights=N_EST, dist=1, body=1)
# an energy drop the enemy record reported in row turn that _detect did not take as a bullet, and why
DIAG_REJECT = layout("SurfDiagReject", reason=1, drop=1, zaps=1, prev_scan=1, seen_scan=1)
REJ_SCAN_GAP, REJ_GUN_HOT, REJ_SMALL, REJ_HISTORY = 1, 2, 3, 4
# a plan made in row turn from our state (x, y, heading, vel): waves a (nearest) and b (fire turns, -1 = none),
# per option its value (+1/-1 orbit, 0 brake), wave a's danger, total danger (nan = pruned), the guess factors
# [a_lo, a_hi] its path's box covers on wave a (nan = never met), the tick it first meets a, the tick a has
# passed, and the same cover [b_lo, b_hi] on wave b of its best continuation; chosen = the option driven
# path surfing (paths > 0): switch = the tick the driven path switches to option chosen2 (-1: it does not, the
# three options' values say all), p_lo / p_hi its cover of wave a and pb_lo / pb_hi of wave b (nan = none)
DIAG_PLAN = layout("SurfDiagPlan", fire_a=1, fire_b=1, x=1, y=1, heading=1, vel=1, chosen=1, opt=3, danger_a=3,
                   total=3, a_lo=3, a_hi=3, a_first=3, a_end=3, b_lo=3, b_hi=3, chosen2=1, switch=1, p_lo=1, p_hi=1,
                   pb_lo=1, pb_hi=1)
# our state at row turn differed from the one-turn prediction of the commands we issued
DIAG_DEVIATION = layout("SurfDiagDeviation", px=1, py=1, ph=1, pv=1, x=1, y=1, h=1, v=1, rammed=1, wall=1)
# a wave left the surfer's table in row turn: reason END_*, its GF logged (bullet hits) or passed (centre)
DIAG_WAVE_END = layout("SurfDiagWaveEnd", fire=1, power=1, reason=1, gf=1, pass_gf=1, bx=1, by=1, heading=1)
END_PASSED, END_HIT_US, END_HIT_BULLET, END_UNMATCHED_HIT, END_UNMATCHED_COLLISION = 1.0, 2.0, 3.0, 4.0, 5.0
for _d in (DIAG_WAVE, DIAG_REJECT, DIAG_PLAN, DIAG_DEVIATION, DIAG_WAVE_END):
    assert _d.size <= DIAG_WIDTH, _d

GENERAL_LINEAR_GF = 0.8       # the general buffer's linear prior
VISIT_DECAY = 0.95            # the visit buffers' rolling average (per passing wave: ~20 waves deep)
GATE_WAVES = 20.0             # the flattener's gate opens no earlier than this many detected waves
FLOOR = 0.02                  # uniform share of every density: nothing is entirely safe
MAX_TICKS = I64(120)          # prediction horizon, turns (a wave of speed 11 crosses 1300 px); typed: a bare
                              # int passed to _simulate would compile a copy of it (constants.I64)
FREE_TICKS = 20               # ram avoidance with no wave to surf: turns of orbiting looked ahead
NO_HULL = 10.0                # pseudo-angles live in (-2, 2]


@njit(**NB)
def approach_limit(p):
    """Tangent of the largest turn off the perpendicular towards the centre (max_approach); callers compute it
    once."""
    return math.tan(min(p[SP_MAX_APPROACH], 89.0) * DEG)


@njit(**NB)
def retreat_limit(p):
    """Tangent of the largest turn off the perpendicular away from the centre (retreat)."""
    return math.tan(min(p[SP_RETREAT], 89.0) * DEG)


@njit(**NB)
def surf_command(p, x, y, sh, ch, cx, cy, rx, ry, direction, stop, tan_lim, tan_ret, width, height):
    """(body turn, distance, max velocity) of one turn for a robot at (x, y) whose heading has sine and cosine
    (sh, ch): orbit (cx, cy) in `direction` (+1 clockwise), turned towards it when farther than `distance`
    from (rx, ry) and away when closer -- the distance-control rule: the turn's tangent is `distancing`
    degrees per 100 px of error, in radians, capped at tan_lim towards and tan_ret away (a surfer retreats
    harder than it closes in: bullets fired from close by cannot be dodged, and rammers come close),
    wall-smoothed by the exact stick rotation, back-as-front with the speed cut while turning hard
    (movement.drive's rule); `stop` brakes with the body still lining up. Trig-light on purpose: the
    planner calls it every predicted turn (vectors instead of angles, one atan2)."""
    dx = cx - x
    dy = cy - y
    d = math.sqrt(dx * dx + dy * dy)
    if d > 0.0:
        ux = dx / d
        uy = dy / d
    else:
        ux = 0.0
        uy = 1.0
    if rx == cx and ry == cy:
        dr = d
    else:
        dr = math.hypot(rx - x, ry - y)
    tau = p[SP_DISTANCING] * DEG * (dr - p[SP_DISTANCE]) / 100.0
    tau = max(-tan_ret, min(tan_lim, tau))
    ca = 1.0 / math.sqrt(1.0 + tau * tau)
    sa = tau * ca
    # the bearing to the centre turned by direction * (90 degrees - approach angle)
    wx = ux * sa + direction * uy * ca
    wy = uy * sa - direction * ux * ca
    turn = math.atan2(wx * ch - wy * sh, wx * sh + wy * ch)
    rot = stick_rotation_u(x, y, wx, wy, p[SP_STICK], p[SP_MARGIN], -direction, width, height)
    if rot != 0.0:
        turn -= direction * rot
        if turn > math.pi:
            turn -= 2.0 * math.pi
        elif turn < -math.pi:
            turn += 2.0 * math.pi
    sign = 1.0
    if turn > math.pi / 2.0:
        turn -= math.pi
        sign = -1.0
    elif turn < -math.pi / 2.0:
        turn += math.pi
        sign = -1.0
    if stop:
        max_vel = 0.0
    else:
        slow = max(0.0, min(1.0, (math.pi / 2.0 - abs(turn)) / (math.pi / 2.0 - SLOW_TURN)))
        max_vel = min(abs(p[SP_VEL] * slow), MAX_VELOCITY)   # what validate_commands makes of it
    return turn, sign * 100.0, max_vel


@njit(**NB)
def predict_path(p, x, y, heading, v, cx, cy, options, width, height, out):
    """Play surf_command + robot_step for len(options) turns (options[j]: +1 / -1 orbit, 0 brake with the
    last direction); out[j] = (turn, dist, max_vel, x, y, heading, v) after turn j. For tests and tools."""
    direction = 1.0
    tan_lim = approach_limit(p)
    tan_ret = retreat_limit(p)
    sh = math.sin(heading)
    ch = math.cos(heading)
    for j in range(options.shape[0]):
        if options[j] != 0.0:
            direction = options[j]
        turn, dist, mv = surf_command(p, x, y, sh, ch, cx, cy, cx, cy, direction, options[j] == 0.0, tan_lim,
                                      tan_ret, width, height)
        x, y, heading, v, sh, ch = robot_step(x, y, heading, v, turn, dist, mv, width, height)
        out[j, 0] = turn
        out[j, 1] = dist
        out[j, 2] = mv
        out[j, 3] = x
        out[j, 4] = y
        out[j, 5] = heading
        out[j, 6] = v


# --------------------------------------------------------------------------- danger statistics

@njit(**NB)
def segment_of(lat_speed, dist):
    lv = min(int((abs(lat_speed) + 1.0) / 2.0), LAT_BUCKETS - 1)
    dv = 0
    for e in DIST_EDGES:
        if dist >= e:
            dv += 1
    return lv * (len(DIST_EDGES) + 1) + dv


@njit(**NB)
def _add_kernel(m, o, gf, weight, bandwidth):
    for k in range(NBINS):
        d = (-1.0 + k * BIN_W - gf) / bandwidth
        m[o + k] += weight * math.exp(-0.5 * d * d)


@njit(**NB)
def log_gf(p, m, seg, gf, base, keep):
    """A guess factor seen along a wave of segment `seg`: rolling average (old weight x `keep`, new kernel of
    weight 1) into the general and the segment buffer of the hit (base STATS) or visit (VISITS) buffers."""
    log_gf_w(p, m, seg, gf, base, keep, 1.0)


@njit(**NB)
def log_gf_w(p, m, seg, gf, base, keep, weight):
    """log_gf with a kernel of weight `weight` (a virtual wave: keep = VISIT_DECAY ** weight, so that the
    buffers' total weight still tends to 1 / (1 - VISIT_DECAY))."""
    gf = min(1.0, max(-1.0, gf))
    bw = p[SP_BANDWIDTH]
    if p[SP_GATED_BANDWIDTH] > 0.0 and hits_often(p, m, p[SP_GATED_RATE]):
        bw = p[SP_GATED_BANDWIDTH]
    for buf in (0, 1 + seg):
        o = base + buf * NBINS
        for k in range(NBINS):
            m[o + k] *= keep
        _add_kernel(m, o, gf, weight, bw)


@njit(**NB)
def _prior(p, m):
    for k in range(STATS, SCRATCH):
        m[k] = 0.0
    bw = p[SP_BANDWIDTH]
    _add_kernel(m, I64(STATS), 0.0, p[SP_PRIOR_HEADON], bw)
    _add_kernel(m, I64(STATS), GENERAL_LINEAR_GF, p[SP_PRIOR_LINEAR], bw)
    for s in range(N_SEG):
        lin = 2.0 * (s // (len(DIST_EDGES) + 1)) / MAX_VELOCITY
        _add_kernel(m, STATS + (1 + s) * NBINS, 0.0, p[SP_PRIOR_HEADON], bw)
        _add_kernel(m, STATS + (1 + s) * NBINS, lin, p[SP_PRIOR_LINEAR], bw)


@njit(**NB)
def hits_often(p, m, rate):
    """The enemy hits us at least `rate` of the time, after GATE_WAVES waves: waves fired from gate_distance or
    farther and their hits (gate_distance 0: every wave and hit) -- a gun that learns, not a simple one."""
    if p[SP_GATE_DISTANCE] > 0.0:
        return m[S_GATE_WAVES] >= GATE_WAVES and m[S_GATE_HITS] >= rate * m[S_GATE_WAVES]
    return m[S_WAVES] >= GATE_WAVES and m[S_HIT_BY] >= rate * m[S_WAVES]


@njit(**NB)
def flattening(p, m):
    """Share of the danger taken from the visit buffers: `flatten` once the enemy hits often enough."""
    if p[SP_FLATTEN] <= 0.0 or not hits_often(p, m, p[SP_FLAT_GATE]):
        return 0.0
    return p[SP_FLATTEN]


@njit(**NB)
def wave_density(p, m, seg, out):
    """Danger density (sums to 1 over the bins) of a wave of segment `seg`: the hit buffers, blended with
    the visit buffers when the flattener is on."""
    _blend(p, m, I64(STATS), seg, out, 1.0, 0.0)
    f = flattening(p, m)
    if f > 0.0:
        _blend(p, m, I64(VISITS), seg, out, f, 1.0 - f)


@njit(**NB)
def _blend(p, m, base, seg, out, share, keep):
    """out = keep * out + share * (general and segment buffers of `base` blended by seg_weight, with the
    FLOOR), normalised to sum 1 (keep = 0: out's old values are not read)."""
    og = base
    os_ = base + (1 + seg) * NBINS
    sg = 0.0
    ss = 0.0
    for k in range(NBINS):
        sg += m[og + k]
        ss += m[os_ + k]
    ws = p[SP_SEG_WEIGHT] if ss > 0.0 else 0.0
    wg = 1.0 - ws if sg > 0.0 else 0.0
    tot = 0.0
    for k in range(NBINS):
        d = FLOOR / NBINS
        if wg > 0.0:
            d += (1.0 - FLOOR) * wg * m[og + k] / sg
        if ws > 0.0:
            d += (1.0 - FLOOR) * ws * m[os_ + k] / ss
        out[k] = keep * out[k] + share * d if keep != 0.0 else share * d   # out may be uninitialised
        tot += out[k]
    for k in range(NBINS):
        out[k] /= tot


@njit(**NB)
def density_integral(dens, a, b):
    """Integral of the binned density over guess factors [a, b] (bin k spans its centre +- BIN_W / 2)."""
    lo_edge = -1.0 - 0.5 * BIN_W
    a = max(a, lo_edge)
    b = min(b, -lo_edge)
    if b <= a:
        return 0.0
    k0 = min(int((a - lo_edge) / BIN_W), NBINS - 1)
    k1 = min(int((b - lo_edge) / BIN_W), NBINS - 1)
    s = 0.0
    for k in range(k0, k1 + 1):
        e0 = lo_edge + k * BIN_W
        ov = min(b, e0 + BIN_W) - max(a, e0)
        if ov > 0.0:
            s += dens[k] * ov / BIN_W
    return s


@njit(**NB)
def wave_danger(p, m, iw, dens, gf_a, gf_b):
    """Density over [gf_a, gf_b] minus the parts in our bullets' shadows."""
    wb = WAVES + iw * W_SIZE
    d = density_integral(dens, gf_a, gf_b)
    if p[SP_SHADOWS] != 0.0:
        for q in range(int(m[wb + W_NSH])):
            o = wb + W_SH + 4 * q
            d -= density_integral(dens, max(gf_a, m[o]), min(gf_b, m[o + 1]))
    return max(d, 0.0)


# --------------------------------------------------------------------------- the danger ensemble

EST_FLOOR = 0.05        # uniform share of a simulated gun's density: its aim is a guess about the enemy's gun
SCORE_FLOOR = 1e-6      # least mass a scored estimator is credited with (one bullet costs it at most ~14 nats)


@njit(**NB)
def ensemble_on(p):
    """The ensemble is off (the learned densities alone, the surfer before it) when no other estimator has a
    prior weight."""
    return p[SP_EST_SIM] > 0.0 or p[SP_EST_SPIN] > 0.0 or p[SP_EST_VISIT] > 0.0 or p[SP_EST_TRACK] > 0.0


@njit(**NB)
def visits_on(p):
    """The visit buffers learn (where we were when each wave passed) while the flattener or the visit
    estimator reads them."""
    return p[SP_FLATTEN] > 0.0 or p[SP_EST_VISIT] > 0.0


@njit(**NB)
def _prior_weight(p, e):
    """Estimator e's prior weight: 1 (learned), est_sim (each simulated gun), est_spin, est_visit, est_track."""
    if e == EST_LEARNED:
        return 1.0
    if e == EST_SPIN:
        return p[SP_EST_SPIN]
    if e == EST_VISIT:
        return p[SP_EST_VISIT]
    if e == EST_TRACK:
        return p[SP_EST_TRACK]
    return p[SP_EST_SIM]


@njit(**NB)
def _note_enemy_scan(m, en, t):
    """Keep the enemy's scan of turn t (where it aimed from, for the simulated guns)."""
    e = EHIST + 5 * (int(t) % N_HIST)
    m[e] = t + 1.0                  # + 1: a zeroed row is no scan of turn 0
    m[e + 1] = en[EN_X]
    m[e + 2] = en[EN_Y]
    m[e + 3] = en[EN_HEADING]
    m[e + 4] = en[EN_VEL]


@njit(**NB)
def sim_gun_gfs(p, m, wb, width, height):
    """The simulated guns' GFs of the wave at wb (W_EST + AIM_HEADON / AIM_LINEAR / AIM_CIRCULAR): each aims as
    bots/guns/aiming.py's predict() would from the enemy's view, est_lag turns before the fire turn tf, of us
    (our state at the end of turn tv = tf - est_lag, our turn rate from tv - 1 to tv as the enemy record
    measures it) from where the enemy then expected to fire (its scan of tv driven on tf - 1 - tv turns at its
    velocity, as aiming_think does; the wave's source without that scan), at the bullet's speed."""
    tf = m[wb + W_FIRE]
    t0 = m[S_T0]
    tv = max(tf - p[SP_EST_LAG], t0)
    tp = max(tv - 1.0, t0)
    h = HIST + 4 * (int(tv) % N_HIST)
    hp = HIST + 4 * (int(tp) % N_HIST)
    view = m[VIEW:VIEW + N_EN]
    view[EN_TIME] = tv
    view[EN_X] = m[h]
    view[EN_Y] = m[h + 1]
    view[EN_HEADING] = m[h + 2]
    view[EN_VEL] = m[h + 3]
    view[EN_TURN_RATE] = turn_rate_between(m[h + 2], m[hp + 2], tv - tp) if tv > tp else 0.0
    ox = m[wb + W_SX]
    oy = m[wb + W_SY]
    e = EHIST + 5 * (int(tv) % N_HIST)
    if m[e] == tv + 1.0:
        ox, oy = driven_on(m[e + 1], m[e + 2], m[e + 3], m[e + 4], tf - 1.0 - tv)
    for kind in (AIM_HEADON, AIM_LINEAR, AIM_CIRCULAR):
        aim, _, _ = predict(kind, view, tv, ox, oy, m[wb + W_POWER], width, height)
        m[wb + W_EST + kind] = normal_relative_angle(aim - m[wb + W_BEARING]) * m[wb + W_LAT] / m[wb + W_MEA]


@njit(**NB)
def _kernel_density(gf, bw, out, share):
    """out += share x a simulated gun's density: a Gaussian of width bw at gf normalised on the grid, with an
    EST_FLOOR uniform share (all uniform when gf is so far off the grid that the kernel vanishes)."""
    tot = 0.0
    for k in range(NBINS):
        d = (-1.0 + k * BIN_W - gf) / bw
        tot += math.exp(-0.5 * d * d)
    for k in range(NBINS):
        if tot > 1e-300:
            d = (-1.0 + k * BIN_W - gf) / bw
            out[k] += share * ((1.0 - EST_FLOOR) * math.exp(-0.5 * d * d) / tot + EST_FLOOR / NBINS)
        else:
            out[k] += share / NBINS


@njit(**NB)
def _spin_density(m, lat, out, share):
    """out += share x the learned density in the fixed rotation frame, turned into the wave's GFs: bin k of a
    wave whose lateral direction is -1 is the rotation frame's bin NBINS - 1 - k (with the FLOOR)."""
    s = 0.0
    for k in range(NBINS):
        s += m[SPIN + k]
    for k in range(NBINS):
        src = k if lat > 0.0 else NBINS - 1 - k
        d = FLOOR / NBINS + (1.0 - FLOOR) * (m[SPIN + src] / s if s > 0.0 else 1.0 / NBINS)
        out[k] += share * d


@njit(**NB)
def track_window(m, wb, c, out):
    """The headings candidate rate c (TRACK_RATES[c]) allows the wave at wb's bullet: the lattice points
    (body heading at tf - 1 + a multiple of TRACK_SPACING[c]) that the gun's last step could have swept
    across our box -- offsets from the wave's bearing, in the direction the gun turns, within
    [-reach, rate + reach] +- TRACK_SLACK (reach: our box's half-diagonal seen from the source), because a
    radar-gun fires as its sweep passes us and waits on us while its radar still sees us. Writes them to out
    (absolute headings) and returns how many (none without the enemy's scan of tf - 1)."""
    body = m[wb + W_BODY]
    if math.isnan(body):
        return 0
    rate = TRACK_RATES[c] * DEG
    spacing = TRACK_SPACING[c] * DEG
    sgn = 1.0 if rate > 0.0 else -1.0
    reach = math.atan(BOX_REACH / max(m[wb + W_DIST], BOX_REACH))
    lo = -reach - TRACK_SLACK
    hi = abs(rate) + reach + TRACK_SLACK
    # offsets o = sgn x (body + j x spacing - bearing), unwrapped: the first j at or past lo
    base = sgn * normal_relative_angle(body - m[wb + W_BEARING])
    j = math.ceil((lo - base) / spacing)
    n = 0
    while n < out.shape[0]:
        o = base + j * spacing
        if o > hi:
            break
        out[n] = m[wb + W_BEARING] + sgn * o
        n += 1
        j += 1
    return n


@njit(**NB)
def track_density(p, m, wb, out, share):
    """out += share x the gun tracker's density for the wave at wb: each candidate rate, weighted by its
    likelihood so far (TSCORES, uniform before any bullet), spreads its weight evenly over the headings
    track_window allows; their GFs are shared linearly between the two nearest bins and smoothed by a Gaussian
    of width est_bandwidth (one convolution, not a kernel per heading: before any bullet every candidate
    counts); EST_FLOOR uniform. Headings off the grid leave their share to the floor (all uniform when none is
    on it, e.g. without the enemy's scan of tf - 1)."""
    wts = np.empty(N_TRACK)
    log_weights(np.ones(N_TRACK), m[TSCORES:TSCORES + N_TRACK], wts)
    heads = np.empty(TRACK_MAX_HEADINGS)
    raw = np.zeros(NBINS)
    for c in range(N_TRACK):
        if wts[c] < 1e-4:
            continue
        n = track_window(m, wb, c, heads)
        for q in range(n):
            u = (normal_relative_angle(heads[q] - m[wb + W_BEARING]) * m[wb + W_LAT] / m[wb + W_MEA] + 1.0) / BIN_W
            if u < 0.0 or u > NBINS - 1.0:
                continue                            # off the grid: its share goes to the floor
            k = min(int(u), NBINS - 2)
            raw[k] += wts[c] / n * (k + 1.0 - u)
            raw[k + 1] += wts[c] / n * (u - k)
    kern = np.empty(NBINS)
    for d in range(NBINS):
        z = d * BIN_W / p[SP_EST_BANDWIDTH]
        kern[d] = math.exp(-0.5 * z * z)
    smooth = np.zeros(NBINS)
    for j in range(NBINS):
        if raw[j] == 0.0:
            continue
        norm = 0.0
        for k in range(NBINS):
            norm += kern[abs(k - j)]
        for k in range(NBINS):
            smooth[k] += raw[j] * kern[abs(k - j)] / norm
    s = 0.0
    for k in range(NBINS):
        s += smooth[k]
    for k in range(NBINS):
        out[k] += share * ((1.0 - EST_FLOOR) * smooth[k] / s + EST_FLOOR / NBINS if s > 1e-12 else 1.0 / NBINS)


@njit(**NB)
def _track_wave(p, m, wb):
    """Store the gun tracker's density with the wave at wb (W_TRACK): it changes only when a bullet is seen, and
    a plan reads it for every option."""
    dens = m[wb + W_TRACK:wb + W_TRACK + NBINS]
    dens[:] = 0.0
    track_density(p, m, wb, dens, 1.0)


@njit(**NB)
def score_track(m, wb, heading):
    """An enemy bullet of the wave at wb was seen with this heading: each candidate rate's log-likelihood gains
    log(1 / its window's headings) if one of them is the bullet's (TRACK_MATCH), else log TRACK_FLOOR -- a
    denser lattice or a wider window explains more and so predicts less (Occam's factor)."""
    heads = np.empty(TRACK_MAX_HEADINGS)
    for c in range(N_TRACK):
        n = track_window(m, wb, c, heads)
        if n == 0:
            continue                                # no scan of tf - 1: nothing to learn
        like = TRACK_FLOOR
        for q in range(n):
            if abs(normal_relative_angle(heads[q] - heading)) < TRACK_MATCH:
                like = max(like, 1.0 / n)
        m[TSCORES + c] += math.log(like)


@njit(**NB)
def ensemble_weights(p, m, out):
    """Each estimator's weight (EST_*, summing to 1): prior x exp(rolling log-score), normalised; the priors are
    1 (learned), est_sim (each simulated gun), est_spin and est_visit."""
    priors = np.empty(N_EST)
    for e in range(N_EST):
        priors[e] = _prior_weight(p, e)
    log_weights(priors, m[SCORES:SCORES + N_EST], out)


@njit(**NB)
def estimator_density(p, m, wb, e, out):
    """Estimator e's density (sums to 1) for the wave at wb."""
    if e == EST_LEARNED:
        wave_density(p, m, int(m[wb + W_SEG]), out)
        return
    for k in range(NBINS):
        out[k] = 0.0
    if e == EST_SPIN:
        _spin_density(m, m[wb + W_LAT], out, 1.0)
    elif e == EST_TRACK:
        for k in range(NBINS):
            out[k] = m[wb + W_TRACK + k]
    elif e == EST_VISIT:
        _blend(p, m, I64(VISITS), int(m[wb + W_SEG]), out, 1.0, 0.0)
    else:
        _kernel_density(m[wb + W_EST + e - 1], p[SP_EST_BANDWIDTH], out, 1.0)


@njit(**NB)
def danger_density(p, m, iw, out):
    """The danger density of wave iw (sums to 1): the learned densities alone (wave_density), or with the
    ensemble on their mixture with the simulated guns' and the rotation frame's, by ensemble_weights."""
    wb = WAVES + iw * W_SIZE
    wave_density(p, m, int(m[wb + W_SEG]), out)
    if not ensemble_on(p):
        return
    wts = np.empty(N_EST)
    ensemble_weights(p, m, wts)
    for k in range(NBINS):
        out[k] *= wts[EST_LEARNED]
    for kind in (AIM_HEADON, AIM_LINEAR, AIM_CIRCULAR):
        if wts[kind + 1] > 0.0:
            _kernel_density(m[wb + W_EST + kind], p[SP_EST_BANDWIDTH], out, wts[kind + 1])
    if wts[EST_SPIN] > 0.0:
        _spin_density(m, m[wb + W_LAT], out, wts[EST_SPIN])
    if wts[EST_VISIT] > 0.0:
        _blend(p, m, I64(VISITS), int(m[wb + W_SEG]), out, wts[EST_VISIT], 1.0)
    if wts[EST_TRACK] > 0.0:
        for k in range(NBINS):
            out[k] += wts[EST_TRACK] * m[wb + W_TRACK + k]


# est_loss: the loss a bullet's score is the negative of (the danger ensemble's row of the loss ablation)
(LOSS_BOX, LOSS_GAUSSIAN, LOSS_LAPLACE, LOSS_BIN_CE, LOSS_SQUARED, LOSS_HIT) = range(6)


@njit(**NB)
def _kernel_mass(dens, gf, half, laplace):
    """Mass of the binned density under a kernel centred on gf with the box's area 2 x half (scale half): a
    Gaussian (sd half) or a Laplace (scale half) -- the BeepBoop loss with a smooth kernel. Each bin's share
    is the kernel's integral over it (its CDF at the bin's edges), the density being flat inside a bin."""
    lo_edge = -1.0 - 0.5 * BIN_W
    prev = 0.0
    s = 0.0
    for k in range(NBINS + 1):
        z = (lo_edge + k * BIN_W - gf) / half
        if laplace:
            cdf = 0.5 * math.exp(z) if z < 0.0 else 1.0 - 0.5 * math.exp(-z)
        else:
            cdf = 0.5 * math.erfc(-z / math.sqrt(2.0))
        if k > 0:
            s += dens[k - 1] * (cdf - prev)
        prev = cdf
    return s * 2.0 * half / BIN_W


@njit(**NB)
def bullet_score(dens, gf, half, loss):
    """What one enemy bullet at guess factor gf adds to an estimator's rolling score (the negative of its loss),
    dens being the estimator's binned density (sums to 1) and half our half-width in guess factors:
    LOSS_BOX: log of the mass in [gf - half, gf + half] (the BeepBoop loss: the likelihood of the interval the
    bullet hit us in), at least SCORE_FLOOR; LOSS_GAUSSIAN / LOSS_LAPLACE: the same with a smooth kernel
    (_kernel_mass); LOSS_BIN_CE: log of the mass of the bin holding gf (cross-entropy of the centre's bin);
    LOSS_SQUARED: -(mean GF - gf)^2 / (2 half^2) (squared error, scaled as a Gaussian likelihood of sd half);
    LOSS_HIT: log of 1 if the density's most dangerous bin centre lies within half of gf, else SCORE_FLOOR
    (the likelihood that firing at its argmax hits). A constant factor in a likelihood adds the same to every
    estimator's score, so only the losses' shapes set the weights."""
    if loss == LOSS_SQUARED:
        mean = 0.0
        for k in range(NBINS):
            mean += dens[k] * (-1.0 + k * BIN_W)
        return -0.5 * ((mean - gf) / half) ** 2
    if loss == LOSS_HIT:
        best = 0
        for k in range(1, NBINS):
            if dens[k] > dens[best]:
                best = k
        return 0.0 if abs(-1.0 + best * BIN_W - gf) <= half else math.log(SCORE_FLOOR)
    if loss == LOSS_BIN_CE:
        k = min(max(int((gf + 1.0 + 0.5 * BIN_W) / BIN_W), 0), NBINS - 1)
        mass = dens[k]
    elif loss == LOSS_GAUSSIAN or loss == LOSS_LAPLACE:
        mass = _kernel_mass(dens, gf, half, loss == LOSS_LAPLACE)
    else:
        mass = density_integral(dens, gf - half, gf + half)
    return math.log(max(mass, SCORE_FLOOR))


@njit(**NB)
def score_estimators(p, m, wb, gf):
    """An enemy bullet of the wave at wb was seen at guess factor gf: each estimator's rolling log-score becomes
    est_decay x itself + bullet_score (by default the log of the mass its density gave a box of our width
    around gf: +- atan(18 / distance at fire) / MEA, at least SCORE_FLOOR) -- the likelihood of what the enemy
    did under each, as BeepBoop's loss scores a gun. Scored before the learned buffers learn this bullet
    (prequential)."""
    half = math.atan(HALF_ROBOT / max(m[wb + W_DIST], HALF_ROBOT)) / m[wb + W_MEA]
    dens = m[EDENS:EDENS + NBINS]
    loss = int(p[SP_EST_LOSS])
    for e in range(N_EST):
        if (e == EST_VISIT and p[SP_EST_VISIT] <= 0.0) or (e == EST_TRACK and p[SP_EST_TRACK] <= 0.0):
            continue                                # off: never weighed, not worth scoring
        estimator_density(p, m, wb, e, dens)
        m[SCORES + e] = p[SP_EST_DECAY] * m[SCORES + e] + bullet_score(dens, gf, half, loss)
    m[S_EST_SEEN] += 1.0


@njit(**NB)
def log_spin(p, m, gf, lat):
    """Learn a bullet's GF in the fixed rotation frame (gf x lat), rolling average `decay` like the hit buffers."""
    u = min(1.0, max(-1.0, gf * lat))
    for k in range(NBINS):
        m[SPIN + k] *= p[SP_DECAY]
    _add_kernel(m, I64(SPIN), u, 1.0, p[SP_BANDWIDTH])


# --------------------------------------------------------------------------- bullet shadows

@njit(**NB)
def shadow_of(sx, sy, sin_b, cos_b, tf, vs, px, py, su, cu, launch, vb, width, height):
    """Offsets (radians from the wave's bearing) of the enemy bullets of a wave (source S, fired in turn tf,
    speed vs) whose segment crosses our bullet's segment in the same turn (our bullet leaves (px, py) in
    turn `launch` along (su, cu) at speed vb and dies at a wall). Returns (found, lo, hi, last turn)."""
    lo = math.inf
    hi = -math.inf
    last = -1.0
    t0 = max(launch, tf)
    for i in range(400):
        t = t0 + i
        k = t - launch + 1.0
        ax = px + (k - 1.0) * vb * su
        ay = py + (k - 1.0) * vb * cu
        bx = px + k * vb * su
        by = py + k * vb * cu
        if bx - 3.0 <= 0.0 or by - 3.0 <= 0.0 or bx + 3.0 >= width or by + 3.0 >= height:
            break
        r1 = (t - tf) * vs
        r2 = r1 + vs
        ex = ax - sx
        ey = ay - sy
        dx = bx - ax
        dy = by - ay
        qa = dx * dx + dy * dy
        qb = 2.0 * (ex * dx + ey * dy)
        qc = ex * ex + ey * ey
        db2 = (bx - sx) * (bx - sx) + (by - sy) * (by - sy)
        if qc < r1 * r1 and db2 < r1 * r1:
            break                                   # the front has passed our whole segment
        # part of the segment (u in [0, 1]) inside the outer circle ...
        disc = qb * qb - 4.0 * qa * (qc - r2 * r2)
        if disc < 0.0:
            continue
        sq = math.sqrt(disc)
        u0 = max(0.0, (-qb - sq) / (2.0 * qa))
        u1 = min(1.0, (-qb + sq) / (2.0 * qa))
        if u1 < u0:
            continue
        # ... and outside the inner one: [u0, u1] minus (w0, w1)
        disc = qb * qb - 4.0 * qa * (qc - r1 * r1)
        if disc > 0.0:
            sq = math.sqrt(disc)
            w0 = (-qb - sq) / (2.0 * qa)
            w1 = (-qb + sq) / (2.0 * qa)
            if w0 <= u0 and w1 >= u1:
                continue
            if w0 <= u0 < w1:
                u0 = w1
            if w0 < u1 <= w1:
                u1 = w0
        for u in (u0, u1):
            qx = ax + u * dx - sx
            qy = ay + u * dy - sy
            off = math.atan2(qx * cos_b - qy * sin_b, qx * sin_b + qy * cos_b)
            lo = min(lo, off)
            hi = max(hi, off)
        last = t
    return last >= 0.0, lo, hi, last


@njit(**NB)
def _add_shadow(m, iw, ob, width, height):
    wb = WAVES + iw * W_SIZE
    bb = OWN + ob * O_SIZE
    n = int(m[wb + W_NSH])
    if n >= MAX_SHADOWS:
        return False
    found, lo, hi, last = shadow_of(m[wb + W_SX], m[wb + W_SY], m[wb + W_SIN], m[wb + W_COS], m[wb + W_FIRE],
                                    m[wb + W_SPEED], m[bb + O_X], m[bb + O_Y], m[bb + O_SIN], m[bb + O_COS],
                                    m[bb + O_LAUNCH], m[bb + O_SPEED], width, height)
    if not found:
        return False
    g0 = lo * m[wb + W_LAT] / m[wb + W_MEA]
    g1 = hi * m[wb + W_LAT] / m[wb + W_MEA]
    o = wb + W_SH + 4 * n
    m[o] = min(g0, g1)
    m[o + 1] = max(g0, g1)
    m[o + 2] = last
    m[o + 3] = m[bb + O_ID]
    m[wb + W_NSH] = n + 1.0
    return True


@njit(**NB)
def _drop_shadows(m, bullet_id, t):
    """Our bullet died in turn t: its shadows from turn t on never happen. Returns how many were dropped."""
    dropped = 0
    for iw in range(MAX_WAVES):
        wb = WAVES + iw * W_SIZE
        n = int(m[wb + W_NSH])
        q = 0
        while q < n:
            o = wb + W_SH + 4 * q
            if m[o + 3] == bullet_id and m[o + 2] >= t:
                last = wb + W_SH + 4 * (n - 1)
                for c in range(4):
                    m[o + c] = m[last + c]
                n -= 1
                dropped += 1
            else:
                q += 1
        m[wb + W_NSH] = n
    return dropped


# --------------------------------------------------------------------------- waves

@njit(**NB)
def _free_slot(m, base, n, size):
    """A free record of the n at base (stride size), else the oldest (least fire turn)."""
    best = -1
    oldest = math.inf
    for iw in range(n):
        wb = base + iw * size
        if m[wb + W_ACTIVE] == 0.0:
            return iw
        if m[wb + W_FIRE] < oldest:
            oldest = m[wb + W_FIRE]
            best = iw
    return best


@njit(**NB)
def _free_wave(m):
    return _free_slot(m, I64(WAVES), I64(MAX_WAVES), I64(W_SIZE))


@njit(**NB)
def _init_wave(m, wb, tf, sx, sy, power, prev_lat):
    """Fill the wave record at wb (fields W_ACTIVE..W_PASS_GF) for a bullet of `power` fired in turn tf from
    (sx, sy): bearing, lateral direction (prev_lat when we stood still) and segment from our state at the end
    of turn tf - 1 (the history must hold it). Real and virtual waves alike; returns the lateral direction."""
    h = HIST + 4 * (int(tf - 1.0) % N_HIST)
    mx = m[h]
    my = m[h + 1]
    b = math.atan2(mx - sx, my - sy)
    speed = bullet_speed(power)
    lat = lateral_sign(m[h + 3] * math.sin(m[h + 2] - b), prev_lat)
    m[wb + W_ACTIVE] = 1.0
    m[wb + W_FIRE] = tf
    m[wb + W_SX] = sx
    m[wb + W_SY] = sy
    m[wb + W_SPEED] = speed
    m[wb + W_POWER] = power
    m[wb + W_BEARING] = b
    m[wb + W_SIN] = math.sin(b)
    m[wb + W_COS] = math.cos(b)
    m[wb + W_LAT] = lat
    m[wb + W_MEA] = classic_mea(speed)
    m[wb + W_SEG] = segment_of(m[h + 3] * math.sin(m[h + 2] - b), math.hypot(mx - sx, my - sy))
    m[wb + W_PASS_GF] = math.nan
    return lat


@njit(**NB)
def _detect(p, m, st, en, tele, t):
    """A drop seen at this scan is a bullet: add its wave (sim/waves/tracking.py's timing and estimates)."""
    t1 = en[EN_PREV_TIME]
    if t1 < 0.0 or m[S_EN_T] != t1:
        return -REJ_SCAN_GAP
    if t < m[S_NEXT_FIRE] - 1.0:
        return -REJ_GUN_HOT                         # its gun cannot be cool yet
    drop = en[EN_DROP] - 0.1 * m[S_ZAPS]           # the zap took 0.1 from the enemy too
    if drop < 0.1 - 1e-6:
        return -REJ_SMALL
    power = clamp_power(drop)
    tf = min(t, max(t1 + 1.0, m[S_NEXT_FIRE]))
    m[S_NEXT_FIRE] = tf + cool_turns(gun_heat(power), st[ST_COOLING])
    w_ = (tf - 1.0 - t1) / (t - t1)
    sx = m[S_EN_X] + w_ * (en[EN_X] - m[S_EN_X])
    sy = m[S_EN_Y] + w_ * (en[EN_Y] - m[S_EN_Y])
    if t - (tf - 1.0) >= N_HIST:
        return -REJ_HISTORY
    iw = _free_wave(m)
    wb = WAVES + iw * W_SIZE
    evicted = m[wb + W_FIRE] if m[wb + W_ACTIVE] != 0.0 else -1.0
    lat = _init_wave(m, wb, tf, sx, sy, power, m[S_LAT])
    m[S_LAT] = lat
    b = m[wb + W_BEARING]
    speed = m[wb + W_SPEED]
    m[wb + W_NSH] = 0.0
    h = HIST + 4 * (int(tf - 1.0) % N_HIST)
    m[wb + W_DIST] = math.hypot(m[h] - sx, m[h + 1] - sy)
    if ensemble_on(p):
        sim_gun_gfs(p, m, wb, st[ST_WIDTH], st[ST_HEIGHT])
    e = EHIST + 5 * (int(tf - 1.0) % N_HIST)
    m[wb + W_BODY] = m[e + 3] if m[e] == tf else math.nan    # its scan of tf - 1 (row holds turn + 1)
    if p[SP_EST_TRACK] > 0.0:
        _track_wave(p, m, wb)
    if m[wb + W_DIST] >= p[SP_GATE_DISTANCE]:
        m[S_GATE_WAVES] += 1.0
    m[S_WAVES] += 1.0
    m[S_VPOWER] = power
    for ob in range(MAX_OWN):
        if m[OWN + ob * O_SIZE + O_ACTIVE] != 0.0:
            _add_shadow(m, iw, ob, st[ST_WIDTH], st[ST_HEIGHT])
    d = diag_row(tele, TK_SURF_WAVE, st[ST_ROUND], t)
    if d.shape[0] > 0:
        d[DIAG_WAVE.fire] = tf
        d[DIAG_WAVE.sx] = sx
        d[DIAG_WAVE.sy] = sy
        d[DIAG_WAVE.power] = power
        d[DIAG_WAVE.bearing] = b
        d[DIAG_WAVE.lat] = lat
        d[DIAG_WAVE.mea] = m[wb + W_MEA]
        d[DIAG_WAVE.gap] = t - t1
        d[DIAG_WAVE.drop] = en[EN_DROP]
        d[DIAG_WAVE.zaps] = m[S_ZAPS]
        d[DIAG_WAVE.slot] = iw
        d[DIAG_WAVE.evicted] = evicted
        for q in range(3):
            d[DIAG_WAVE.est + q] = m[wb + W_EST + q] if ensemble_on(p) else math.nan
        if ensemble_on(p):
            ensemble_weights(p, m, d[DIAG_WAVE.weights:DIAG_WAVE.weights + N_EST])
        else:
            for q in range(N_EST):
                d[DIAG_WAVE.weights + q] = math.nan
        d[DIAG_WAVE.dist] = m[wb + W_DIST]
        d[DIAG_WAVE.body] = m[wb + W_BODY]
    bins = tele_row(tele, I64(TK_DANGER), st[ST_ROUND], tf, sx, sy, b, speed, lat, m[wb + W_MEA])
    if bins.shape[0] > 0:
        danger_density(p, m, iw, bins)
        for q in range(int(m[wb + W_NSH])):
            o = wb + W_SH + 4 * q
            for k in range(NBINS):
                c = -1.0 + k * BIN_W
                if m[o] <= c <= m[o + 1]:
                    bins[k] = 0.0
        tele_normalise(bins)
    return iw


@njit(**NB)
def _match_wave(m, t, power, bx, by):
    """The wave an enemy bullet of `power` at (bx, by) in turn t belongs to (distance flown fits its age)."""
    best = -1
    best_err = math.inf
    for iw in range(MAX_WAVES):
        wb = WAVES + iw * W_SIZE
        if m[wb + W_ACTIVE] == 0.0 or abs(m[wb + W_POWER] - power) > 0.01 or m[wb + W_FIRE] > t:
            continue
        v = m[wb + W_SPEED]
        d = math.hypot(bx - m[wb + W_SX], by - m[wb + W_SY])
        age = t - m[wb + W_FIRE]
        err = min(abs(d - (age + 1.0) * v), abs(d - age * v))
        if err < best_err:
            best_err = err
            best = iw
    if best >= 0 and best_err > m[WAVES + best * W_SIZE + W_SPEED]:
        return -1
    return best


@njit(**NB)
def _log_bullet(p, m, t, heading, power, bx, by, hit_us, tele, rnd):
    """An enemy bullet hit us (or one of ours): log its GF along its wave (and as a visit: we were there) and
    forget the wave."""
    iw = _match_wave(m, t, power, bx, by)
    if iw < 0:
        d = diag_row(tele, TK_SURF_WAVE_END, rnd, t)
        if d.shape[0] > 0:
            d[DIAG_WAVE_END.fire] = -1.0
            d[DIAG_WAVE_END.power] = power
            d[DIAG_WAVE_END.reason] = END_UNMATCHED_HIT if hit_us else END_UNMATCHED_COLLISION
            d[DIAG_WAVE_END.gf] = math.nan
            d[DIAG_WAVE_END.pass_gf] = math.nan
            d[DIAG_WAVE_END.bx] = bx
            d[DIAG_WAVE_END.by] = by
            d[DIAG_WAVE_END.heading] = heading
        return
    wb = WAVES + iw * W_SIZE
    gf = normal_relative_angle(heading - m[wb + W_BEARING]) * m[wb + W_LAT] / m[wb + W_MEA]
    _diag_wave_end(tele, rnd, t, m, wb, END_HIT_US if hit_us else END_HIT_BULLET, gf, bx, by, heading)
    if ensemble_on(p):
        score_estimators(p, m, wb, gf)
        log_spin(p, m, gf, m[wb + W_LAT])
        if p[SP_EST_TRACK] > 0.0:
            score_track(m, wb, heading)
            for jw in range(MAX_WAVES):
                ob = WAVES + jw * W_SIZE
                if m[ob + W_ACTIVE] != 0.0:
                    _track_wave(p, m, ob)
    log_gf(p, m, int(m[wb + W_SEG]), gf, I64(STATS), p[SP_DECAY])
    if hit_us and m[wb + W_DIST] >= p[SP_GATE_DISTANCE]:
        m[S_GATE_HITS] += 1.0
    if hit_us and visits_on(p):
        log_gf(p, m, int(m[wb + W_SEG]), gf, I64(VISITS), VISIT_DECAY)
        m[S_FLATS] += 1.0
    m[wb + W_ACTIVE] = 0.0
    m[S_HITS] += 1.0
    m[S_REPLAN] = 1.0


@njit(**NB)
def _events(p, m, ev, nev, t, tele, rnd):
    for k in range(nev):
        typ = int(ev[k, E_TYPE])
        if typ == EV_HIT_BY_BULLET:
            _log_bullet(p, m, t, ev[k, E_A + 1], ev[k, E_A + 2], ev[k, E_A + 3], ev[k, E_A + 4],
                        np.bool_(True), tele, rnd)
            m[S_HIT_BY] += 1.0
        elif typ == EV_BULLET_HIT_BULLET:
            _log_bullet(p, m, t, ev[k, E_A + 1], ev[k, E_A + 4], ev[k, E_A + 2], ev[k, E_A + 3],
                        np.bool_(False), tele, rnd)
            _own_died(p, m, ev[k, E_A], t)
        elif typ == EV_BULLET_HIT:
            _own_died(p, m, ev[k, E_A + 6], t)
        elif typ == EV_BULLET_MISSED:
            _own_died(p, m, ev[k, E_A], t)


@njit(**NB)
def _own_energy_events(ev, nev):
    """Our energy lost this turn to what our events explain (bullet hits both ways, rams), and whether
    they explain everything they touch (a wall hit's damage depends on a speed we did not see)."""
    loss = 0.0
    known = True
    for k in range(nev):
        typ = int(ev[k, E_TYPE])
        if typ == EV_HIT_BY_BULLET:
            loss += bullet_damage(ev[k, E_A + 2])
        elif typ == EV_BULLET_HIT:
            loss -= 3.0 * ev[k, E_A + 5]
        elif typ == EV_HIT_ROBOT:
            loss += 0.6
        elif typ == EV_HIT_WALL:
            known = False
    return loss, known


@njit(**NB)
def _own_died(p, m, bullet_id, t):
    """Our bullet died in turn t: forget it and its shadows still to come; re-plan when that changed a wave's
    danger (or always, replan_deaths = 1: the plan is the same but for where the enemy now is)."""
    for ob in range(MAX_OWN):
        bb = OWN + ob * O_SIZE
        if m[bb + O_ACTIVE] != 0.0 and m[bb + O_ID] == bullet_id:
            m[bb + O_ACTIVE] = 0.0
            if _drop_shadows(m, bullet_id, t) > 0 or p[SP_REPLAN_DEATHS] != 0.0:
                m[S_REPLAN] = 1.0


@njit(**NB)
def _own_fired(p, m, st, power):
    """Our gun set a bullet this turn: it leaves next turn from here along the gun's heading."""
    m[S_SHOTS] += 1.0
    ob = 0
    oldest = math.inf
    for q in range(MAX_OWN):
        bb = OWN + q * O_SIZE
        if m[bb + O_ACTIVE] == 0.0:
            ob = q
            break
        if m[bb + O_LAUNCH] < oldest:
            oldest = m[bb + O_LAUNCH]
            ob = q
    bb = OWN + ob * O_SIZE
    m[bb + O_ACTIVE] = 1.0
    m[bb + O_LAUNCH] = st[ST_TIME] + 1.0
    m[bb + O_X] = st[ST_X]
    m[bb + O_Y] = st[ST_Y]
    m[bb + O_SIN] = math.sin(st[ST_GUN])
    m[bb + O_COS] = math.cos(st[ST_GUN])
    m[bb + O_SPEED] = bullet_speed(power)
    m[bb + O_ID] = m[S_SHOTS]
    for iw in range(MAX_WAVES):
        if m[WAVES + iw * W_SIZE + W_ACTIVE] != 0.0:
            if _add_shadow(m, iw, ob, st[ST_WIDTH], st[ST_HEIGHT]):
                m[S_REPLAN] = 1.0


@njit(**NB)
def _pass_wave(p, m, wb, x, y, t, keep, weight):
    """Follow the wave record at wb past our centre (x, y) at the end of turn t: note our GF when its front
    passes the centre (the visit label), and once it has passed our whole box drop it and log that GF into
    the visit buffers (rolling average `keep`, kernel weight `weight`) when the flattener is on. Returns 0
    while in flight, 1 when it passed without a label, 2 when it passed and was logged."""
    r = (t - m[wb + W_FIRE] + 1.0) * m[wb + W_SPEED]
    dx = x - m[wb + W_SX]
    dy = y - m[wb + W_SY]
    d = math.sqrt(dx * dx + dy * dy)
    if math.isnan(m[wb + W_PASS_GF]) and r >= d:
        sb = m[wb + W_SIN]
        cb = m[wb + W_COS]
        off = math.atan2(dx * cb - dy * sb, dx * sb + dy * cb)
        m[wb + W_PASS_GF] = off * m[wb + W_LAT] / m[wb + W_MEA]
    if r > d + BOX_REACH:
        m[wb + W_ACTIVE] = 0.0
        if visits_on(p) and not math.isnan(m[wb + W_PASS_GF]):
            log_gf_w(p, m, int(m[wb + W_SEG]), m[wb + W_PASS_GF], I64(VISITS), keep, weight)
            return 2
        return 1
    return 0


@njit(**NB)
def _update_waves(p, m, x, y, t, tele, rnd):
    """Note where each wave's front passed our centre; drop waves that passed our whole box."""
    for iw in range(MAX_WAVES):
        wb = WAVES + iw * W_SIZE
        if m[wb + W_ACTIVE] == 0.0:
            continue
        done = _pass_wave(p, m, wb, x, y, t, VISIT_DECAY, 1.0)
        if done == 2:
            m[S_FLATS] += 1.0
        if done != 0:
            m[S_REPLAN] = 1.0
            _diag_wave_end(tele, rnd, t, m, wb, END_PASSED, math.nan, 0.0, 0.0, 0.0)


@njit(**NB)
def _diag_wave_end(tele, rnd, t, m, wb, reason, gf, bx, by, heading):
    """Diagnostics: the wave at wb (wb < 0: an enemy bullet no wave matched) left the table in turn t."""
    d = diag_row(tele, TK_SURF_WAVE_END, rnd, t)
    if d.shape[0] == 0:
        return
    d[DIAG_WAVE_END.fire] = m[wb + W_FIRE] if wb >= 0 else -1.0
    d[DIAG_WAVE_END.power] = m[wb + W_POWER] if wb >= 0 else 0.0
    d[DIAG_WAVE_END.reason] = reason
    d[DIAG_WAVE_END.gf] = gf
    d[DIAG_WAVE_END.pass_gf] = m[wb + W_PASS_GF] if wb >= 0 else math.nan
    d[DIAG_WAVE_END.bx] = bx
    d[DIAG_WAVE_END.by] = by
    d[DIAG_WAVE_END.heading] = heading


@njit(**NB)
def virtual_on(p):
    return visits_on(p) and p[SP_FLAT_VIRTUAL] > 0.0


@njit(**NB)
def _virtual_wave(p, m, t):
    """Send this turn's virtual wave: fired in turn t from the enemy's scanned position at t - 1 (the timing
    and source of a detected wave), with the power of its last detected bullet. None while the flattener's
    virtual waves are off, before the enemy's first detected bullet of the battle, without a scan at t - 1,
    or when a detected wave was fired in turn t (that one is logged as a real wave). Returns the slot or -1."""
    if not virtual_on(p) or m[S_VPOWER] <= 0.0 or m[S_EN_T] != t - 1.0:
        return -1
    for iw in range(MAX_WAVES):
        wb = WAVES + iw * W_SIZE
        if m[wb + W_ACTIVE] != 0.0 and m[wb + W_FIRE] == t:
            return -1
    iv = _free_slot(m, I64(VIRT), I64(MAX_VIRT), I64(V_SIZE))
    m[S_VLAT] = _init_wave(m, VIRT + iv * V_SIZE, t, m[S_EN_X], m[S_EN_Y], m[S_VPOWER], m[S_VLAT])
    m[S_VWAVES] += 1.0
    return iv


@njit(**NB)
def _update_virtual(p, m, x, y, t):
    """_pass_wave for every virtual wave in flight, logged with weight flat_virtual."""
    w = p[SP_FLAT_VIRTUAL]
    keep = VISIT_DECAY ** w
    for iv in range(MAX_VIRT):
        vb = VIRT + iv * V_SIZE
        if m[vb + W_ACTIVE] != 0.0 and _pass_wave(p, m, vb, x, y, t, keep, w) == 2:
            m[S_VFLATS] += 1.0


# --------------------------------------------------------------------------- planning

@njit(**NB)
def _cover(m, iw, x, y, j, t, acc, o, width, height, parts, cand):
    """Add what wave iw's front can hit of our box at tick j (state at the end of turn t + j, met in turn
    t + j + 1) to the hull acc[o:o+3] = (lo, hi pseudo-angles, first tick); acc[6 + o // 3] = 1 once passed."""
    wb = WAVES + iw * W_SIZE
    sp = m[wb + W_SPEED]
    r1 = (t + j + 1.0 - m[wb + W_FIRE]) * sp
    r2 = r1 + sp
    sx = m[wb + W_SX]
    sy = m[wb + W_SY]
    dx = x - sx
    dy = y - sy
    d = math.sqrt(dx * dx + dy * dy)
    if d - BOX_REACH > r2:
        return
    if r1 > d + BOX_REACH:
        acc[6 + o // 3] = 1.0
        return
    k = turn_hit_set(sx, sy, m[wb + W_SIN], m[wb + W_COS], r1, r2, x, y, width, height, parts, cand)
    if k > 0:
        acc[o] = min(acc[o], parts[0, 0])
        acc[o + 1] = max(acc[o + 1], parts[k - 1, 1])
        if acc[o + 2] < 0.0:
            acc[o + 2] = j


@njit(**NB)
def _simulate(p, m, x, y, hd, v, sh, ch, j, j_end, direction, stop, cx, cy, tan_lim, tan_ret, enemy, t, ia, ib,
              acc, width, height, parts, cand):
    """Drive one option from tick j until wave ia has passed (or tick j_end <= MAX_TICKS), covering waves ia and ib
    (-1 = none; hulls in acc[0:3] and acc[3:6]) and keeping the closest squared distance to the enemy in
    acc[A_CLOSE] (close_weight > 0; its last scan, or driven on with close_predict) and to the enemy driven
    on in acc[A_RAM] (ram_weight > 0). enemy = (x, y, vx, vy, scan turn) of its last scan. Returns the end
    state and tick."""
    close = p[SP_CLOSE_WEIGHT] > 0.0
    ram = p[SP_RAM_WEIGHT] > 0.0
    predict = p[SP_CLOSE_PREDICT] != 0.0
    ex = m[S_EN_X]
    ey = m[S_EN_Y]
    rx = m[S_RX] if p[SP_DIST_REF] != 0.0 else cx     # distance to the enemy at plan time, or to this orbit's
    ry = m[S_RY] if p[SP_DIST_REF] != 0.0 else cy     # centre (a continuation orbits the second wave's source)
    while True:
        if ram or (close and predict):
            # the enemy at the end of turn t + j, driven on along its heading and stopped by the walls
            k = t + j - enemy[4]
            px = min(max(enemy[0] + k * enemy[2], HALF_ROBOT), width - HALF_ROBOT)
            py = min(max(enemy[1] + k * enemy[3], HALF_ROBOT), height - HALF_ROBOT)
            d2 = (x - px) * (x - px) + (y - py) * (y - py)
            if ram:
                acc[A_RAM] = min(acc[A_RAM], d2)
            if close and predict:
                acc[A_CLOSE] = min(acc[A_CLOSE], d2)
        if close and not predict:
            acc[A_CLOSE] = min(acc[A_CLOSE], (x - ex) * (x - ex) + (y - ey) * (y - ey))
        if acc[6] == 0.0:
            _cover(m, ia, x, y, j, t, acc, I64(0), width, height, parts, cand)
        if ib >= 0 and acc[7] == 0.0:
            _cover(m, ib, x, y, j, t, acc, I64(3), width, height, parts, cand)
        if acc[6] != 0.0 or j >= j_end:
            break
        turn, dist, mv = surf_command(p, x, y, sh, ch, cx, cy, rx, ry, direction, stop, tan_lim, tan_ret, width,
                                      height)
        x, y, hd, v, sh, ch = robot_step(x, y, hd, v, turn, dist, mv, width, height)
        j += 1
    return x, y, hd, v, sh, ch, j


@njit(**NB)
def close_factor(p, closest2):
    """The close-range factor of an option's danger: 1 + close_weight x (1 - closest / close_distance) while its
    path's closest approach to the enemy is nearer than close_distance, else 1."""
    w = p[SP_CLOSE_WEIGHT]
    if w <= 0.0:
        return 1.0
    d = math.sqrt(closest2)
    lim = p[SP_CLOSE_DISTANCE]
    return 1.0 + w * (lim - d) / lim if d < lim else 1.0


@njit(**NB)
def free_closest(p, x, y, hd, v, cx, cy, direction, enemy, t, width, height):
    """Closest squared distance to the enemy driven on from its last scan (enemy = x, y, vx, vy, scan turn)
    over the next FREE_TICKS turns of orbiting (cx, cy) in `direction` with no wave to surf."""
    tan_lim = approach_limit(p)
    tan_ret = retreat_limit(p)
    sh = math.sin(hd)
    ch = math.cos(hd)
    best = math.inf
    for j in range(FREE_TICKS):
        turn, dist, mv = surf_command(p, x, y, sh, ch, cx, cy, cx, cy, direction, np.bool_(False), tan_lim, tan_ret,
                                      width, height)   # np.bool_: a bare False compiles a copy (constants.I64)
        x, y, hd, v, sh, ch = robot_step(x, y, hd, v, turn, dist, mv, width, height)
        k = t + j + 1.0 - enemy[4]
        px = min(max(enemy[0] + k * enemy[2], HALF_ROBOT), width - HALF_ROBOT)
        py = min(max(enemy[1] + k * enemy[3], HALF_ROBOT), height - HALF_ROBOT)
        best = min(best, (x - px) * (x - px) + (y - py) * (y - py))
    return best


@njit(**NB)
def ram_factor(p, closest2):
    """The ram-avoidance factor of an option's danger: 1 + ram_weight when its path comes within ram_distance of
    the enemy driven on from its last scan, else 1."""
    w = p[SP_RAM_WEIGHT]
    if w <= 0.0 or closest2 >= p[SP_RAM_DISTANCE] * p[SP_RAM_DISTANCE]:
        return 1.0
    return 1.0 + w


@njit(**NB)
def _hull_danger(p, m, iw, dens, lo, hi, first):
    """Weighted danger of wave iw for a path whose box met it over pseudo-angles [lo, hi] from tick `first`."""
    if first < 0.0:
        return 0.0
    wb = WAVES + iw * W_SIZE
    a = pseudo_to_angle(lo) * m[wb + W_LAT] / m[wb + W_MEA]
    b = pseudo_to_angle(hi) * m[wb + W_LAT] / m[wb + W_MEA]
    d = wave_danger(p, m, iw, dens, min(a, b), max(a, b))
    return d * bullet_damage(m[wb + W_POWER]) / (first + 1.0) ** p[SP_TIME_EXP]


@njit(**NB)
def _reset_acc(acc, k):
    acc[k] = NO_HULL
    acc[k + 1] = -NO_HULL
    acc[k + 2] = -1.0


@njit(**NB)
def _hull_gf(m, iw, lo, hi, first):
    """A path's cover of wave iw (pseudo-angle hull [lo, hi] from tick `first`) in the wave's guess factors;
    nan when the path never met it (diagnostics)."""
    if first < 0.0:
        return math.nan, math.nan
    wb = WAVES + iw * W_SIZE
    a = pseudo_to_angle(lo) * m[wb + W_LAT] / m[wb + W_MEA]
    b = pseudo_to_angle(hi) * m[wb + W_LAT] / m[wb + W_MEA]
    return min(a, b), max(a, b)


@njit(**NB)
def _store_option(p, m, opts, k, opt, direction, switch, opt2, ia, dens_a, acc, ex, ey, eh, ev_, es, ec, ej):
    """Keep option (or path) k of a plan: its first-wave danger, hulls and end state from the accumulator."""
    o = k * N_OPT
    opts[o + OP_OPT] = opt
    opts[o + OP_DIR] = direction
    opts[o + OP_OPT2] = opt2
    opts[o + OP_SWITCH] = switch
    opts[o + OP_CLOSE] = close_factor(p, acc[A_CLOSE]) * ram_factor(p, acc[A_RAM])
    opts[o + OP_DANGER] = _hull_danger(p, m, ia, dens_a, acc[0], acc[1], acc[2]) * opts[o + OP_CLOSE]
    opts[o + OP_X] = ex
    opts[o + OP_Y] = ey
    opts[o + OP_H] = eh
    opts[o + OP_V] = ev_
    opts[o + OP_SIN] = es
    opts[o + OP_COS] = ec
    opts[o + OP_J] = ej
    for q in range(3):
        opts[o + OP_HULL + q] = acc[3 + q]
    opts[o + OP_PASSED] = acc[7]
    opts[o + OP_LO] = acc[0]
    opts[o + OP_HI] = acc[1]
    opts[o + OP_FIRST] = acc[2]
    opts[o + OP_B_LO] = math.nan
    opts[o + OP_B_HI] = math.nan


@njit(**NB)
def _plan(p, m, st, en, t, tele):
    """Choose the option (orbit +1 / brake / orbit -1 around the nearest wave's source), or with path surfing
    (`paths` > 0) the path, of least danger."""
    x = st[ST_X]
    y = st[ST_Y]
    ia = NO_WAVE
    ib = NO_WAVE
    ta = math.inf
    tb = math.inf
    for iw in range(MAX_WAVES):
        wb = WAVES + iw * W_SIZE
        if m[wb + W_ACTIVE] == 0.0:
            continue
        r = (t - m[wb + W_FIRE] + 1.0) * m[wb + W_SPEED]
        eta = (math.hypot(x - m[wb + W_SX], y - m[wb + W_SY]) - r) / m[wb + W_SPEED]
        if eta < ta:
            ib, tb = ia, ta
            ia, ta = iw, eta
        elif eta < tb:
            ib, tb = iw, eta
    m[S_PLAN_T] = t
    m[S_REPLAN] = 0.0
    if ia < 0:
        m[S_PLANNED] = 0.0
        return
    if p[SP_SECOND] == 0.0:
        ib = NO_WAVE
    m[S_PLANS] += 1.0
    w = st[ST_WIDTH]
    h = st[ST_HEIGHT]
    acc = m[ACC:ACC + N_ACC]
    parts = np.empty((8, 2))
    cand = np.empty((3, MAX_CAND))
    dens_a = m[DENS:DENS + NBINS]
    dens_b = m[DENS + NBINS:DENS + 2 * NBINS]
    wa = WAVES + ia * W_SIZE
    danger_density(p, m, ia, dens_a)
    if ib >= 0:
        danger_density(p, m, ib, dens_b)
    cx = m[wa + W_SX]
    cy = m[wa + W_SY]
    if p[SP_DIST_REF] != 0.0:
        if not (p[SP_KEEP_REF] != 0.0 and m[S_PLANNED] != 0.0 and m[S_CX] == cx and m[S_CY] == cy):
            m[S_RX] = m[S_EN_X]
            m[S_RY] = m[S_EN_Y]
    else:
        m[S_RX] = cx
        m[S_RY] = cy
    enemy = (m[S_EN_X], m[S_EN_Y], en[EN_VEL] * math.sin(en[EN_HEADING]), en[EN_VEL] * math.cos(en[EN_HEADING]),
             m[S_EN_T])
    d0 = m[MOVE_MEM.dir]
    tan_lim = approach_limit(p)
    tan_ret = retreat_limit(p)
    sh0 = math.sin(st[ST_HEADING])
    ch0 = math.cos(st[ST_HEADING])
    opts = m[OPTS:OPTS + MAX_PATHS * N_OPT]
    dg = diag_row(tele, TK_SURF_PLAN, st[ST_ROUND], t)
    diag = dg.shape[0] > 0
    if diag:
        dg[DIAG_PLAN.fire_a] = m[wa + W_FIRE]
        dg[DIAG_PLAN.fire_b] = m[WAVES + ib * W_SIZE + W_FIRE] if ib >= 0 else -1.0
        dg[DIAG_PLAN.x] = x
        dg[DIAG_PLAN.y] = y
        dg[DIAG_PLAN.heading] = st[ST_HEADING]
        dg[DIAG_PLAN.vel] = st[ST_VEL]
        for q in range(3):
            dg[DIAG_PLAN.total + q] = math.nan
            dg[DIAG_PLAN.b_lo + q] = math.nan
            dg[DIAG_PLAN.b_hi + q] = math.nan
    # the nearest wave under each option: danger and where the path is when it has passed; with path surfing
    # also each path that switches at tick path_step x (i + 1) to either other option (the prefix up to each
    # switch point is the option's own, so it is simulated once and its states there are kept in snaps)
    n_switch = max(0, min(int(p[SP_PATHS]), MAX_SWITCH))
    if m[wa + W_DIST] < p[SP_PATHS_DISTANCE]:
        n_switch = 0
    step = max(1, int(p[SP_PATH_STEP]))
    snaps = m[SNAPS:SNAPS + MAX_SWITCH * SNAP]
    n = I64(3)
    for k in range(3):
        opt = d0 if k == 0 else (0.0 if k == 1 else -d0)
        direction = d0 if opt == 0.0 else opt
        _reset_acc(acc, I64(0))
        _reset_acc(acc, I64(3))
        acc[6] = 0.0
        acc[7] = 0.0
        acc[A_CLOSE] = math.inf
        acc[A_RAM] = math.inf
        ex = x
        ey = y
        eh = st[ST_HEADING]
        ev_ = st[ST_VEL]
        es = sh0
        ec = ch0
        ej = I64(0)
        n_snap = 0
        for i in range(n_switch + 1):
            j_end = step * (i + 1) if i < n_switch else MAX_TICKS
            ex, ey, eh, ev_, es, ec, ej = _simulate(p, m, ex, ey, eh, ev_, es, ec, ej, min(j_end, MAX_TICKS),
                                                    direction, opt == 0.0, cx, cy, tan_lim, tan_ret, enemy, t, ia, ib,
                                                    acc, w, h, parts, cand)
            if i < n_switch and acc[6] == 0.0 and ej == j_end:
                q = SNAP * n_snap
                snaps[q] = ex
                snaps[q + 1] = ey
                snaps[q + 2] = eh
                snaps[q + 3] = ev_
                snaps[q + 4] = es
                snaps[q + 5] = ec
                snaps[q + 6] = ej
                snaps[q + 7:q + 7 + N_ACC] = acc
                n_snap += 1
        _store_option(p, m, opts, k, opt, direction, -1.0, opt, ia, dens_a, acc, ex, ey, eh, ev_, es, ec, ej)
        if diag:
            o = k * N_OPT
            dg[DIAG_PLAN.opt + k] = opt
            dg[DIAG_PLAN.danger_a + k] = opts[o + OP_DANGER]
            g0, g1 = _hull_gf(m, ia, acc[0], acc[1], acc[2])
            dg[DIAG_PLAN.a_lo + k] = g0
            dg[DIAG_PLAN.a_hi + k] = g1
            dg[DIAG_PLAN.a_first + k] = acc[2]
            dg[DIAG_PLAN.a_end + k] = ej
        # the paths that leave this option at its switch points
        for i in range(n_snap):
            q = SNAP * i
            for k2 in range(2):
                opt2 = (0.0 if k2 == 0 else -d0) if k == 0 else ((d0 if k2 == 0 else -d0) if k == 1 else
                                                                 (d0 if k2 == 0 else 0.0))
                dir2 = direction if opt2 == 0.0 else opt2
                acc[:] = snaps[q + 7:q + 7 + N_ACC]
                ex, ey, eh, ev_, es, ec, ej = _simulate(p, m, snaps[q], snaps[q + 1], snaps[q + 2], snaps[q + 3],
                                                        snaps[q + 4], snaps[q + 5], int(snaps[q + 6]), MAX_TICKS,
                                                        dir2, opt2 == 0.0, cx, cy, tan_lim, tan_ret, enemy, t, ia,
                                                        ib, acc, w, h, parts, cand)
                _store_option(p, m, opts, n, opt, dir2, snaps[q + 6], opt2, ia, dens_a, acc, ex, ey, eh, ev_, es, ec,
                              ej)
                n += 1
    # then the second wave, best of three continuations, in order of the first wave's danger (a stable sort):
    # an option whose first-wave danger alone is no better than the best total so far cannot win
    order = np.empty(MAX_PATHS, dtype=np.int64)
    for i in range(n):
        order[i] = i
        k = i
        while k > 0 and opts[order[k] * N_OPT + OP_DANGER] < opts[order[k - 1] * N_OPT + OP_DANGER]:
            order[k], order[k - 1] = order[k - 1], order[k]
            k -= 1
    best = math.inf
    best_k = -1
    legacy = p[SP_PATHS] < 0.0
    k_third = order[2]      # paths=-1: the option taken third (the old planner's loop variable, see `paths`)
    for i in range(n):
        ki = order[i]
        if legacy and i == 2:
            ki = k_third
        o = ki * N_OPT
        total = opts[o + OP_DANGER]
        if total >= best:
            break
        if ib >= 0:
            if opts[o + OP_PASSED] != 0.0:
                total += _hull_danger(p, m, ib, dens_b, opts[o + OP_HULL], opts[o + OP_HULL + 1],
                                      opts[o + OP_HULL + 2]) * opts[o + OP_CLOSE]
                if diag:
                    g0, g1 = _hull_gf(m, ib, opts[o + OP_HULL], opts[o + OP_HULL + 1], opts[o + OP_HULL + 2])
                    opts[o + OP_B_LO] = g0
                    opts[o + OP_B_HI] = g1
            else:
                wb = WAVES + ib * W_SIZE
                direction = opts[o + OP_DIR]
                best2 = math.inf
                for k2 in range(3):
                    k_third = k2
                    opt2 = direction if k2 == 0 else (0.0 if k2 == 1 else -direction)
                    dir2 = direction if opt2 == 0.0 else opt2
                    acc[0] = opts[o + OP_HULL]
                    acc[1] = opts[o + OP_HULL + 1]
                    acc[2] = opts[o + OP_HULL + 2]
                    acc[6] = 0.0
                    _simulate(p, m, opts[o + OP_X], opts[o + OP_Y], opts[o + OP_H], opts[o + OP_V], opts[o + OP_SIN],
                              opts[o + OP_COS], int(opts[o + OP_J]), MAX_TICKS, dir2, opt2 == 0.0, m[wb + W_SX],
                              m[wb + W_SY], tan_lim, tan_ret, enemy, t, ib, NO_WAVE, acc, w, h, parts, cand)
                    d2 = _hull_danger(p, m, ib, dens_b, acc[0], acc[1], acc[2])
                    if diag and d2 < best2:
                        g0, g1 = _hull_gf(m, ib, acc[0], acc[1], acc[2])
                        opts[o + OP_B_LO] = g0
                        opts[o + OP_B_HI] = g1
                    best2 = min(best2, d2)
                    if total + best2 <= 0.0:
                        break
                total += best2 * opts[o + OP_CLOSE]
        if diag and ki < 3:
            dg[DIAG_PLAN.total + ki] = total
            dg[DIAG_PLAN.b_lo + ki] = opts[o + OP_B_LO]
            dg[DIAG_PLAN.b_hi + ki] = opts[o + OP_B_HI]
        if total < best:
            best = total
            best_k = ki
    best_opt = d0
    m[S_SWITCH_T] = -1.0
    if best_k >= 0:
        o = best_k * N_OPT
        best_opt = opts[o + OP_OPT]
        if opts[o + OP_SWITCH] >= 0.0:
            m[S_OPT2] = opts[o + OP_OPT2]
            m[S_SWITCH_T] = t + opts[o + OP_SWITCH]
    m[S_OPT] = best_opt
    if diag:
        dg[DIAG_PLAN.chosen] = best_opt
        dg[DIAG_PLAN.switch] = -1.0
        dg[DIAG_PLAN.chosen2] = best_opt
        for q in range(4):
            dg[DIAG_PLAN.p_lo + q] = math.nan
        if best_k >= 0:
            o = best_k * N_OPT
            dg[DIAG_PLAN.switch] = opts[o + OP_SWITCH]
            dg[DIAG_PLAN.chosen2] = opts[o + OP_OPT2]
            g0, g1 = _hull_gf(m, ia, opts[o + OP_LO], opts[o + OP_HI], opts[o + OP_FIRST])
            dg[DIAG_PLAN.p_lo] = g0
            dg[DIAG_PLAN.p_hi] = g1
            dg[DIAG_PLAN.pb_lo] = opts[o + OP_B_LO]
            dg[DIAG_PLAN.pb_hi] = opts[o + OP_B_HI]
    if best_opt != 0.0:
        m[MOVE_MEM.dir] = best_opt
    m[S_CX] = cx
    m[S_CY] = cy
    m[S_PLANNED] = 1.0


# --------------------------------------------------------------------------- the part

@njit(**NB)
def surf_round_start(p, m, st):
    """Waves, bullets and plans are per round; the danger buffers (and their prior) last the battle."""
    if m[S_INIT] == 0.0:
        _prior(p, m)
        m[S_INIT] = 1.0
    for k in range(S_OPT, N_HEAD):
        if (k < S_PLANS or k > S_TURNS) and k != S_HIT_BY and k != S_VPOWER and k != S_VWAVES and k != S_VFLATS \
                and k != S_GATE_WAVES and k != S_GATE_HITS:
            m[k] = 0.0
    for k in range(WAVES, STATS):
        m[k] = 0.0
    for k in range(VIRT, SURF_MEM):
        m[k] = 0.0
    m[S_VLAT] = 1.0
    m[S_T0] = -1.0
    m[S_SWITCH_T] = -1.0
    m[S_OPT] = m[MOVE_MEM.dir]
    m[S_PT] = -1.0
    m[S_EN_T] = -1.0
    m[S_MY_E_T] = -1.0
    m[S_NEXT_FIRE] = 1.0 + cool_turns(START_GUN_HEAT, st[ST_COOLING])
    m[S_LAT] = 1.0
    m[S_REPLAN] = 1.0


@njit(**NB)
def move_surf(p, m, st, cmd, en, ev, nev, tele):
    t = st[ST_TIME]
    x = st[ST_X]
    y = st[ST_Y]
    hd = st[ST_HEADING]
    v = st[ST_VEL]
    w = st[ST_WIDTH]
    h = st[ST_HEIGHT]
    hb = HIST + 4 * (int(t) % N_HIST)
    m[hb] = x
    m[hb + 1] = y
    m[hb + 2] = hd
    m[hb + 3] = v
    if m[S_T0] < 0.0:
        m[S_T0] = t
    rnd = st[ST_ROUND]
    _events(p, m, ev, nev, t, tele, rnd)
    fired = 0.0
    if not math.isnan(cmd[C_FIRE]):
        fired = cmd[C_FIRE]
        _own_fired(p, m, st, fired)
    if m[S_MY_E_T] == t - 1.0 and st[ST_ENERGY] > 0.0:
        loss, known = _own_energy_events(ev, nev)
        if known and abs(m[S_MY_E] - (st[ST_ENERGY] + fired) - loss - 0.1) < 1e-6:
            m[S_ZAPS] += 1.0
    m[S_MY_E] = st[ST_ENERGY]
    m[S_MY_E_T] = t
    if en[EN_TIME] >= 0.0:
        if en[EN_DROP_TIME] == t:
            iw = _detect(p, m, st, en, tele, t)
            if iw >= 0:
                m[S_REPLAN] = 1.0
            else:
                d = diag_row(tele, TK_SURF_REJECT, rnd, t)
                if d.shape[0] > 0:
                    d[DIAG_REJECT.reason] = -iw
                    d[DIAG_REJECT.drop] = en[EN_DROP]
                    d[DIAG_REJECT.zaps] = m[S_ZAPS]
                    d[DIAG_REJECT.prev_scan] = en[EN_PREV_TIME]
                    d[DIAG_REJECT.seen_scan] = m[S_EN_T]
        _virtual_wave(p, m, t)
        if en[EN_TIME] == t:
            m[S_ZAPS] = 0.0
            _note_enemy_scan(m, en, t)
        m[S_EN_X] = en[EN_X]
        m[S_EN_Y] = en[EN_Y]
        m[S_EN_T] = en[EN_TIME]
    else:
        return
    _update_waves(p, m, x, y, t, tele, rnd)
    if virtual_on(p):
        _update_virtual(p, m, x, y, t)
    m[S_TURNS] += 1.0
    if st[ST_ENERGY] == 0.0:
        return                                      # disabled: cannot move, nothing to plan
    if m[S_PT] == t and (m[S_PX] != x or m[S_PY] != y or m[S_PH] != hd or m[S_PV] != v):
        m[S_DEVIATIONS] += 1.0
        m[S_REPLAN] = 1.0
        d = diag_row(tele, TK_SURF_DEVIATION, rnd, t)
        if d.shape[0] > 0:
            d[DIAG_DEVIATION.px] = m[S_PX]
            d[DIAG_DEVIATION.py] = m[S_PY]
            d[DIAG_DEVIATION.ph] = m[S_PH]
            d[DIAG_DEVIATION.pv] = m[S_PV]
            d[DIAG_DEVIATION.x] = x
            d[DIAG_DEVIATION.y] = y
            d[DIAG_DEVIATION.h] = hd
            d[DIAG_DEVIATION.v] = v
            for k in range(nev):
                typ = int(ev[k, E_TYPE])
                if typ == EV_HIT_ROBOT:
                    d[DIAG_DEVIATION.rammed] = 1.0
                elif typ == EV_HIT_WALL:
                    d[DIAG_DEVIATION.wall] = 1.0
    if m[S_REPLAN] != 0.0:
        _plan(p, m, st, en, t, tele)
    if m[S_PLANNED] != 0.0 and m[S_SWITCH_T] >= 0.0 and t >= m[S_SWITCH_T]:
        m[S_OPT] = m[S_OPT2]                        # the driven path switches to its second option
        if m[S_OPT2] != 0.0:
            m[MOVE_MEM.dir] = m[S_OPT2]
        m[S_SWITCH_T] = -1.0
    direction = m[MOVE_MEM.dir]
    if m[S_PLANNED] != 0.0:
        cx = m[S_CX]
        cy = m[S_CY]
        rx = m[S_RX]
        ry = m[S_RY]
        stop = m[S_OPT] == 0.0
    else:
        cx = rx = en[EN_X]
        cy = ry = en[EN_Y]
        stop = False
        if p[SP_RAM_WEIGHT] > 0.0:
            # no wave to surf: reverse the orbit if it runs into the enemy and the other way does not as much
            enemy = (cx, cy, en[EN_VEL] * math.sin(en[EN_HEADING]), en[EN_VEL] * math.cos(en[EN_HEADING]),
                     en[EN_TIME])
            c0 = free_closest(p, x, y, hd, v, cx, cy, direction, enemy, t, w, h)
            if c0 < p[SP_RAM_DISTANCE] * p[SP_RAM_DISTANCE] and \
                    free_closest(p, x, y, hd, v, cx, cy, -direction, enemy, t, w, h) > c0:
                direction = -direction
                m[MOVE_MEM.dir] = direction
    turn, dist, mv = surf_command(p, x, y, math.sin(hd), math.cos(hd), cx, cy, rx, ry, direction, stop,
                                  approach_limit(p), retreat_limit(p), w, h)
    set_max_turn_rate(cmd, MAX_TURN_RATE_RADIANS)
    set_max_velocity(cmd, mv)
    set_turn_body(st, cmd, turn)
    set_ahead(st, cmd, dist)
    px, py, ph, pv, _, _ = robot_step(x, y, hd, v, turn, dist, mv, w, h)
    m[S_PX] = px
    m[S_PY] = py
    m[S_PH] = ph
    m[S_PV] = pv
    m[S_PT] = t + 1.0


@njit(**NB)
def round_start(ctx):
    steering_round_start(ctx.mem, ctx.rng)
    surf_round_start(ctx.params, ctx.mem, ctx.st)


@njit(**NB)
def think(ctx):
    move_surf(ctx.params, ctx.mem, ctx.st, ctx.cmd, ctx.en, ctx.ev, ctx.nev, ctx.tele)


PART = Part("surf", "movement",
            ("Wave surfing: detects enemy waves from energy drops, predicts its own movement exactly (engine physics) "
    "for orbit clockwise / brake / anticlockwise around the wave's source until the nearest wave passes, then "
    "the best of the three again for the second wave, and drives the option of least danger: an ensemble of "
    "a KDE over the guess factors of enemy bullets that hit us or our bullets, simulated head-on, linear and "
    "circular guns and a KDE in the fixed rotation frame, weighted by how well each predicted the enemy's "
    "bullets, integrated over the precise intersection of our predicted box with the wave, minus our bullets' "
    "shadows, weighted by damage and time to impact."),
            think=think, round_start=round_start, params=SURF_PARAMS, memory=SURF,
            learns=True)
