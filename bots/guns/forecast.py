"""The play-it-forward gun (issue 17): learn how the enemy moves, play its possible futures forward, and fire where
most of them can be hit.

Every turn the gun adds the enemy's scanned state to what it has learned (bots/guns/forecast_kernels.py,
forecast_observe): a k-NN model of the body heading and pooled hazard tables of the velocity command ("go on",
"reverse", stop), pre-seeded from a corpus of earlier battles against several movers (bots/models/
forecast-corpus.npz) and weighed against this battle's own counts by how well each explains what it sees. Once per
bullet -- in the turn before the gun is cool -- it plays `futures` futures of the enemy from the newest scan with
the engine's physics and aims at the heading most of their hit sets cover (forecast_aim); the next turn it fires
that aim with the firing rule every gun shares (bots/guns/aiming.py). That is the offline probe's situation
(benchmarks/play_forward.py): a bullet leaving in turn F, aimed with what was seen up to turn F-2. When the gun
cannot turn to that aim in one turn (it turns 20 degrees a turn), the futures are played again for a bullet leaving
a turn later (aimed with what was seen up to F-3; an aim is for the turn its bullet leaves), and that aim gets two
turns; an aim not reached in its turn is dropped and a new one played. The gun holds fire while the bullets it has
in flight that may still hit would finish the enemy with at least a small chance (`hold_chance`, each bullet
hitting with its aim's coverage): a bullet still flying when the enemy dies is a miss. Each
future decides our later shots the way that rule will, from its own path: our real bullets in flight are played
against it (forecast_kernels.ShotPlan), so a mover that steps at each shot it sees steps in the futures when the gun
will really fire, not on a fixed cool-down.

The futures' body heading comes from one of two models (`heading`): the k nearest stored transitions, or a
steering learned from the battle's open-field turns (the travel angle off the line from us as a function of the
distance: forecast_kernels.steer_accumulate). By default the gun judges them on its own waves: each aim also plays
the other model's futures (on the same random draws), and once the real wave has passed the enemy -- followed over
the positions scanned -- each model scores the log of its futures' share that covered the real hit set. The aim is
played with the model whose summed log-score is the higher (the neighbours while they tie): the steering against a
mover that steers by distance (orbit), the neighbours against one that turns on the spot (stop-and-go).

Two turns before the gun is cool a pre-aim (`pre_aim`: the same bullet, a turn older, with half the futures) turns
the gun towards where the aim will be, so that the aim a turn later can be reached in one turn more often (a bullet
aimed a turn older hits less: docs/learning.md). Between shots the gun waits at the last aim's offset from the
enemy's bearing (mirrored with its lateral direction). A turn without a scan ends a run of consecutive
observations: the turn counters restart and no transition is learned across it. The futures draw from numba's
np.random stream, seeded for each aim from this bot's battle seed and its count of aims, so a battle stays a
pure function of its seed (and a paused battle resumes bit for bit); no other part reads that stream.
docs/learning.md, "The play-it-forward gun in battle", has its measurements and cost, and "The learned steering
in the gun, judged on its own waves" those of the heading models.
"""
import functools
import math
import os

import numpy as np
from numba import njit

from bots.api import set_fire, set_turn_gun
from bots.enemy import (
    EN_ALIVE,
    EN_ENERGY,
    EN_HEADING,
    EN_LAT_DIR,
    EN_TIME,
    EN_VEL,
    EN_X,
    EN_Y,
)
from bots.guns.aiming import (
    FIRING_PARAMS,
    GP_MAX_AGE,
    GP_TOLERANCE,
    driven_on,
    gun_power,
)
from bots.guns.forecast_corpus import (
    corpus_members,
    hazard_fit_of,
    hazard_fit_shape,
    read_corpus,
    read_hazard_fit,
)
from bots.guns.forecast_kernels import (
    DEFAULT_CAP,
    DEFAULT_HEADING_SCALE,
    DEFAULT_K_HEADING,
    DEFAULT_K_VELOCITY,
    DEFAULT_PRIOR,
    DEFAULT_VELOCITY_SCALE,
    FLIGHT,
    JUDGE_BINS,
    K_ROWS,
    N_RAW,
    STEER_KNOTS,
    STEPS,
    ShotPlan,
    finish_chance,
    fit_size,
    fit_views,
    forecast_aim,
    forecast_observe,
    forecast_size,
    forecast_views,
    judge_cover,
    judge_score,
    no_plan,
    real_wave_middle,
    steer_accumulate,
    steer_solve,
)
from bots.part import Param, Part, layout
from bots.telemetry import TK_DIAG, diag_row
from sim.engine.constants import (
    C_GUN,
    E_A,
    E_TYPE,
    EV_BULLET_HIT,
    EV_BULLET_HIT_BULLET,
    EV_BULLET_MISSED,
    GUN_TURN_RATE_RADIANS,
    HALF_ROBOT,
    I64,
    MIN_BULLET_POWER,
    ST_COOLING,
    ST_ENERGY,
    ST_GUN,
    ST_HEADING,
    ST_HEAT,
    ST_HEIGHT,
    ST_OTHERS,
    ST_ROUND,
    ST_TIME,
    ST_VEL,
    ST_WIDTH,
    ST_X,
    ST_Y,
)
from sim.engine.geometry import normal_relative_angle
from sim.engine.physics import bullet_speed, cool_turns, gun_heat
from sim.waves.gf import LAG

MODELS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "models")
DEFAULT_CORPUS = "forecast-corpus.npz"
DEFAULT_FIT = "forecast-hazard.npz"
NO_CORPUS = "none"

PARAMS = FIRING_PARAMS + (
    Param("futures", 128.0, 1.0, 1024.0, "futures played per bullet: the cost against the aim (in battle 128 hit "
          "1-2 points more than 32; a future a turn whose heading the neighbours draw costs ~3 us more than one "
          "the steering turns)"),
    Param("blocks", 4.0, 1.0, 16.0,
          "an aim plays up to this many blocks of `futures` futures: another while the best heading is covered by "
          "fewer futures than a block holds (the aim is the argmax of a count, noisy where the futures spread: "
          "random speeds); a pre-aim plays one; 1 = always one block"),
    Param("k_heading", float(DEFAULT_K_HEADING), 1.0, 256.0, "stored transitions the heading is drawn from"),
    Param("memory", 4000.0, 100.0, 50000.0, "newest transitions the heading model keeps"),
    Param("prior", DEFAULT_PRIOR, 0.01, 1000.0, "pseudo-counts pulling each hazard bin towards its coarser level"),
    Param("hold_chance", 0.05, 0.0, 1.0,
          "hold fire (and play no futures) while our bullets that may still hit would finish the enemy with at least "
          "this chance (each hitting with the share of its futures its aim covered): a bullet still flying when the "
          "enemy dies is a miss; 0 = never hold (the futures then fire a bullet every cool-down)"),
    Param("pre_aim", 0.5, 0.0, 1.0,
          "two turns before the gun is cool, turn it to a first aim for the same bullet (a turn older), played with "
          "this share of the futures: the aim a turn later is then within the gun's 20 degrees a turn more often, "
          "and its bullet need not wait a turn for an aim a turn older still; 0 = wait at the last aim's offset"),
    Param("heading", 2.0, 0.0, 2.0,
          "the futures' body heading: 0 = drawn from the k nearest stored transitions; 1 = a steering learned from "
          "the battle's open-field turns (the travel angle off the line from us, by distance: forecast_kernels."
          "steer_accumulate); 2 = whichever of the two has predicted our passed waves better (each aim also plays "
          "the other model's futures; each scores the log of its futures' share that covered the real hit set)"),
    Param("judge", 0.5, 0.01, 1.0,
          "heading=2: the share of the futures each model's log-score counts (the model not aimed with plays that "
          "many futures more a bullet)"),
    Param("corpus", "", 0, 0, f"pre-seeded hazard tables (benchmarks/hazard_corpus.py --no-geometry; default the "
                              f"shipped bots/models/{DEFAULT_CORPUS}: 8 movers, seeds 1000..1011); "
                              f"{NO_CORPUS!r} = learn from this battle only", kind="path", keywords=(NO_CORPUS,)),
    Param("hazard_fit", "", 0, 0, f"the corpus members' continuous hazard (benchmarks/hazard_fit.py fit, the corpus's "
                                  f"members in its order; default the shipped bots/models/{DEFAULT_FIT}, used with the "
                                  f"shipped corpus); {NO_CORPUS!r} = the members' binned tables", kind="path",
          keywords=(NO_CORPUS,)),
)
(P_FUTURES, P_BLOCKS, P_K_HEADING, P_MEMORY, P_PRIOR, P_HOLD, P_PRE, P_HEADING,
 P_JUDGE) = range(len(FIRING_PARAMS), len(FIRING_PARAMS) + 9)
HEADING_KNN, HEADING_STEER, HEADING_JUDGED = 0, 1, 2

# our real bullets (forecast_kernels.FLIGHT), kept while they may still hit (hold_chance, and the futures' plan of our
# later shots); FLIGHT_CAP of them in a ring (a power-3 bullet crosses an 800 x 600 field's diagonal in 90 turns,
# the gun fires at most every 16: 6 in flight)
FLIGHT_CAP = 16
# heading=2: the enemy's observed positions by turn (a ring as long as a future, the longest a wave is followed),
# and the aims whose real waves are still to pass it, with each model's futures counted on the judges' grid
PATH = layout("ForecastPath", x=1, y=1, turn=1)
PATH_CAP = STEPS
JUDGE = layout("ForecastJudge", turn=1, lag=1, ox=1, oy=1, speed=1, b_ref=1, count=1, knn=JUDGE_BINS,
               steer=JUDGE_BINS)
JUDGE_CAP = 8             # aims at least 16 turns apart, a wave followed at most PATH_CAP turns
N_KNOTS = STEER_KNOTS.shape[0]
# the gun's own fields, then the learner's state (forecast_views) from MEM.size on
MEM = layout("ForecastGunMemory", members=1, seed=1, aims=1, shots=1, aim_time=1, aim_power=1, aim_angle=1,
             aim_offset=1, aim_cover=1, aim_lag=1, last_scan=1, segment=1, left_turn=1, fit_members=1, fit_basis=1,
             fit_blocks=1, fit_knots=1, flight_next=1, round_bullets=1, flight=FLIGHT_CAP * FLIGHT.size,
             prev_x=1, prev_y=1, prev_h=1, prev_v=1, prev_sx=1, prev_sy=1, steer_gram=N_KNOTS * N_KNOTS,
             steer_rhs=N_KNOTS, knn_score=1, steer_score=1, judged=1, judge_next=1, path=PATH_CAP * PATH.size,
             judges=JUDGE_CAP * JUDGE.size)

# the probe's feature caps and scales (benchmarks/play_forward.py's defaults), as compile-time constants
CAP = np.array(DEFAULT_CAP)
W_HEADING = np.array([0.0 if math.isinf(s) else 1.0 / (s * s) for s in DEFAULT_HEADING_SCALE])
W_VELOCITY = np.array([0.0 if math.isinf(s) else 1.0 / (s * s) for s in DEFAULT_VELOCITY_SCALE])
K_VELOCITY = I64(DEFAULT_K_VELOCITY)   # unused: the velocity command comes from the hazard tables
NO_GEOMETRY = I64(0)                   # the gun's tables have no geometry level
TRUTH_OFF = I64(0)                     # the probe's --truth diagnosis is off
NO_TRUTH = np.zeros(0)
NO_TRUTH_OK = np.zeros(0, dtype=np.bool_)
NO_STEER = np.zeros(0)                 # the heading neighbours' turn (Python callers; compiled code makes its own)

# diagnostic rows (run_battle(diagnostics=True); never read back): each observed scan, each aim, each turn held
TK_FORECAST_SEEN, TK_FORECAST_AIM = I64(TK_DIAG + 16), I64(TK_DIAG + 17)   # typed: sim/engine/constants.I64 says why
TK_FORECAST_HOLD, TK_FORECAST_FLIGHT = I64(TK_DIAG + 18), I64(TK_DIAG + 19)
TK_FORECAST_JUDGE = I64(TK_DIAG + 20)
DIAG_SEEN = layout("ForecastDiagSeen", segment=1, x=1, y=1, heading=1, velocity=1, left=1, sx=1, sy=1, energy=1)
# an aim row: what forecast_aim was given (its ShotPlan's scalars; the bullets are the gun's fired ones) and gave
DIAG_AIM = layout("ForecastDiagAim", row=1, seed=1, speed=1, ox=1, oy=1, aim=1, cover=1, power=1, lag=1,
                  energy=1, plan_cover=1, gap=1, pre=1, futures=1, blocks=1, played=1, steer=1, judge=1)
DIAG_HOLD = layout("ForecastDiagHold", chance=1, energy=1)
DIAG_FLIGHT = layout("ForecastDiagFlight", slot=1, bullet=FLIGHT.size)   # each kept bullet an aim's plan was given
# a judged aim whose real wave has passed: the aim's turn, the real hit set's middle, each model's futures there
DIAG_JUDGE = layout("ForecastDiagJudge", turn=1, middle=1, count=1, knn=1, steer=1, knn_score=1, steer_score=1)


@njit(cache=True, error_model="numpy")
def lag_seed(seed, k):
    """The futures' seed of an aim's k-th play (k = 1: played again for a bullet a turn later)."""
    return (seed + k) % 4294967296


@njit(cache=True, error_model="numpy")
def shot_gap(power, cooling):
    """Turns from one bullet of `power` to the next of a gun that fires as soon as it is cool: the gun heat, which
    rises by physics.gun_heat when a bullet leaves and falls by `cooling` a turn, is back to 0 (physics.cool_turns,
    the engine's arithmetic) a turn before the next one leaves."""
    return I64(cool_turns(gun_heat(power), cooling))


@njit(cache=True, error_model="numpy")
def planned_shots(power, cooling, lag, shot):
    """shot[step] = True where a bullet of `power` leaves `step` turns after the aim's turn (F-lag) if this gun keeps
    firing as soon as it is cool: its own bullet at `lag`, the next ones a shot_gap apart."""
    shot[:] = False
    gap = shot_gap(power, cooling)
    step = lag + gap
    while step < shot.shape[0]:
        shot[step] = True
        step += gap


@njit(cache=True, error_model="numpy")
def round_start(ctx):
    m = ctx.mem
    m[MEM.aim_time] = -1.0
    m[MEM.last_scan] = -10.0
    m[MEM.left_turn] = -1.0
    m[MEM.flight:MEM.flight + FLIGHT_CAP * FLIGHT.size] = 0.0     # last round's bullets are gone
    m[MEM.round_bullets] = 0.0                                     # the engine numbers a round's bullets from 1
    m[MEM.judges:MEM.judges + JUDGE_CAP * JUDGE.size] = 0.0        # last round's waves are not judged
    path_ring(m)[:, PATH.turn] = -1.0


@njit(cache=True, error_model="numpy")
def path_ring(m):
    """The enemy's observed positions, slot turn % PATH_CAP: (PATH_CAP, PATH.size)."""
    return m[MEM.path:MEM.path + PATH_CAP * PATH.size].reshape((PATH_CAP, PATH.size))


@njit(cache=True, error_model="numpy")
def judge_slot(m, q):
    """Judged aim q (count 0 = a free slot)."""
    return m[MEM.judges + q * JUDGE.size:MEM.judges + (q + 1) * JUDGE.size]


@njit(cache=True, error_model="numpy")
def judge_grid(slot, steer):
    """A judged aim's grid of the steering's futures (steer) or of the neighbours'."""
    return slot[JUDGE.steer:JUDGE.steer + JUDGE_BINS] if steer else slot[JUDGE.knn:JUDGE.knn + JUDGE_BINS]


@njit(cache=True, error_model="numpy")
def steer_equations(m):
    """The learned steering's normal equations in the gun's memory: (gram, rhs), views (steer_accumulate)."""
    return (m[MEM.steer_gram:MEM.steer_gram + N_KNOTS * N_KNOTS].reshape((N_KNOTS, N_KNOTS)),
            m[MEM.steer_rhs:MEM.steer_rhs + N_KNOTS])


@njit(cache=True, error_model="numpy")
def steering(m):
    """The learned steering's weights from its normal equations so far (steer_solve)."""
    gram, rhs = steer_equations(m)
    return steer_solve(gram, rhs)


@njit(cache=True, error_model="numpy")
def play_futures(fc, p, nx, ny, speed, lag, futures, blocks, width, height, shot, fit, steer, plan, grid, n_grid):
    """forecast_aim with the gun's constants and parameters: (aim, coverage, futures played); the first n_grid
    futures counted on `grid` (empty: none)."""
    return forecast_aim(fc, nx, ny, speed, lag, futures, blocks, CAP, W_HEADING, int(p[P_K_HEADING]), W_VELOCITY,
                        K_VELOCITY, np.bool_(True), p[P_PRIOR], NO_GEOMETRY, width, height, shot, TRUTH_OFF,
                        NO_TRUTH_OK, NO_TRUTH, NO_TRUTH, NO_TRUTH, fit, steer, plan, grid, n_grid)


@njit(cache=True, error_model="numpy")
def judge_waves(m, t, width, height, tele, rnd):
    """Score both heading models on each judged aim whose real wave has passed the enemy by turn t (the path
    observed from the aim's turn on, without a gap; a gap or a wave longer than the ring drops the aim)."""
    path = path_ring(m)
    rx = np.empty(PATH_CAP)
    ry = np.empty(PATH_CAP)
    for q in range(JUDGE_CAP):
        j = judge_slot(m, q)
        if j[JUDGE.count] == 0.0:
            continue
        last = int(t - j[JUDGE.turn])
        lag = int(j[JUDGE.lag])
        if last >= PATH_CAP:
            j[JUDGE.count] = 0.0
            continue
        if last < lag:
            continue
        seen = True
        for k in range(last + 1):
            e = path[int(j[JUDGE.turn] + k) % PATH_CAP]
            seen = seen and e[PATH.turn] == j[JUDGE.turn] + k
            rx[k] = e[PATH.x]
            ry[k] = e[PATH.y]
        if not seen:
            j[JUDGE.count] = 0.0
            continue
        passed, middle = real_wave_middle(j[JUDGE.ox], j[JUDGE.oy], j[JUDGE.speed], lag, j[JUDGE.b_ref], rx, ry,
                                          last, width, height)
        if not passed:
            continue
        n = j[JUDGE.count]
        knn = judge_cover(judge_grid(j, np.bool_(False)), middle)      # typed: I64 says why
        steer = judge_cover(judge_grid(j, np.bool_(True)), middle)
        m[MEM.knn_score] += judge_score(knn, n)
        m[MEM.steer_score] += judge_score(steer, n)
        m[MEM.judged] += 1.0
        j[JUDGE.count] = 0.0
        d = diag_row(tele, TK_FORECAST_JUDGE, rnd, t)
        if d.shape[0] > 0:
            d[DIAG_JUDGE.turn] = j[JUDGE.turn]
            d[DIAG_JUDGE.middle] = middle
            d[DIAG_JUDGE.count] = n
            d[DIAG_JUDGE.knn] = knn
            d[DIAG_JUDGE.steer] = steer
            d[DIAG_JUDGE.knn_score] = m[MEM.knn_score]
            d[DIAG_JUDGE.steer_score] = m[MEM.steer_score]


@njit(cache=True, error_model="numpy")
def flight_ring(m):
    """The ring of our real bullets in the gun's memory: (FLIGHT_CAP, FLIGHT.size), power 0 = an empty slot."""
    return m[MEM.flight:MEM.flight + FLIGHT_CAP * FLIGHT.size].reshape((FLIGHT_CAP, FLIGHT.size))


@njit(cache=True, error_model="numpy")
def chance_due(m, t, ex, ey, energy):
    """The chance that our bullets not yet known to have hit or missed finish the enemy at (ex, ey) with `energy`
    left (forecast_kernels.finish_chance): each hits with the share of its futures its aim covered."""
    ring = flight_ring(m)
    flying = (ring[:, FLIGHT.power] > 0.0) & (ring[:, FLIGHT.gone] == 0.0)
    return finish_chance(ring, flying, np.zeros(0), I64(0), 0.0, 0.0, 0.0, 0.0, ex, ey, energy, t)


@njit(cache=True, error_model="numpy")
def note_bullet(m, fire, power, sx, sy, heading):
    """Keep a bullet that leaves in turn `fire` from (sx, sy) at `heading` in the ring (the oldest slot goes
    first), with the coverage of the aim it was fired with."""
    q = int(m[MEM.flight_next])
    b = flight_ring(m)[q]
    b[FLIGHT.fire] = fire
    b[FLIGHT.speed] = bullet_speed(power)
    b[FLIGHT.sx] = sx
    b[FLIGHT.sy] = sy
    b[FLIGHT.heading] = heading
    b[FLIGHT.power] = power
    b[FLIGHT.cover] = m[MEM.aim_cover]
    m[MEM.round_bullets] += 1.0
    b[FLIGHT.id] = m[MEM.round_bullets]
    b[FLIGHT.gone] = 0.0
    m[MEM.flight_next] = (q + 1) % FLIGHT_CAP


@njit(cache=True, error_model="numpy")
def note_gone(m, ev, nev):
    """Mark the bullets this turn's events say hit something (the enemy, a wall, a bullet): the futures' plan
    of our later shots plays only the others against the mover's futures."""
    ring = flight_ring(m)
    for k in range(nev):
        typ = ev[k, E_TYPE]
        if typ == EV_BULLET_HIT:
            bid = ev[k, E_A + 6]
        elif typ == EV_BULLET_MISSED or typ == EV_BULLET_HIT_BULLET:
            bid = ev[k, E_A]
        else:
            continue
        for q in range(FLIGHT_CAP):
            if ring[q, FLIGHT.power] > 0.0 and ring[q, FLIGHT.id] == bid:
                ring[q, FLIGHT.gone] = 1.0


@njit(cache=True, error_model="numpy")
def think(ctx):
    p, m, st, cmd, en = ctx.params, ctx.mem, ctx.st, ctx.cmd, ctx.en
    t = st[ST_TIME]
    note_gone(m, ctx.ev, ctx.nev)
    if m[MEM.seed] == 0.0:          # once a battle: this bot's generator state, read (not drawn: no part disturbed)
        m[MEM.seed] = 1.0 + float(ctx.rng[0] % np.uint64(2147483647))
    if en[EN_TIME] < 0.0 or st[ST_OTHERS] < 1.0 or en[EN_ALIVE] == 0.0:
        m[MEM.aim_time] = -1.0
        return
    memory = int(p[P_MEMORY])
    n_members = int(m[MEM.members])
    end = MEM.size + forecast_size(memory, n_members, NO_GEOMETRY)
    fc = forecast_views(m[MEM.size:end], memory, n_members, NO_GEOMETRY)
    fm, fb, fbl, fk = int(m[MEM.fit_members]), int(m[MEM.fit_basis]), int(m[MEM.fit_blocks]), int(m[MEM.fit_knots])
    fit = fit_views(m[end:end + fit_size(fm, fb, fbl, fk)], fm, fb, fbl, fk)
    width, height = st[ST_WIDTH], st[ST_HEIGHT]
    ox, oy = st[ST_X], st[ST_Y]
    dist = max(math.hypot(en[EN_X] - ox, en[EN_Y] - oy), 1.0)
    chance = chance_due(m, t, en[EN_X], en[EN_Y], en[EN_ENERGY]) if p[P_HOLD] > 0.0 else 0.0
    holding = p[P_HOLD] > 0.0 and chance >= p[P_HOLD]
    if holding:
        d = diag_row(ctx.tele, TK_FORECAST_HOLD, st[ST_ROUND], t)
        if d.shape[0] > 0:
            d[DIAG_HOLD.chance] = chance
            d[DIAG_HOLD.energy] = en[EN_ENERGY]
    fired = False
    # 1. fire the aim in the turn it was made for, once the gun has got there (aiming.py's rule): it was made last
    #    turn (the probe's situation), or the turn before for a gun that needed two turns to turn that far
    age = t - m[MEM.aim_time]
    if (m[MEM.aim_time] >= 0.0 and age == m[MEM.aim_lag] - 1.0 and st[ST_HEAT] == 0.0 and not holding
            and t - en[EN_TIME] <= p[GP_MAX_AGE]):
        if abs(cmd[C_GUN]) <= p[GP_TOLERANCE] * math.atan(HALF_ROBOT / dist):
            power = min(m[MEM.aim_power], gun_power(p, st[ST_ENERGY], en[EN_ENERGY]))
            if power >= MIN_BULLET_POWER and set_fire(st, cmd, power) > 0.0:
                m[MEM.shots] += 1.0
                m[MEM.left_turn] = t + 1.0                # the bullet leaves in the next turn
                note_bullet(m, t + 1.0, power, ox, oy, st[ST_GUN])
                m[MEM.aim_time] = -1.0
                fired = True
    # 2. learn from this turn's scan
    if en[EN_TIME] == t and m[MEM.last_scan] != t:
        if m[MEM.last_scan] != t - 1.0:                   # a new round or a missed scan: a new run of turns
            m[MEM.segment] += 1.0
        left = m[MEM.left_turn] == t
        if m[MEM.last_scan] == t - 1.0:                   # a transition the learned steering may learn from
            gram, rhs = steer_equations(m)
            steer_accumulate(gram, rhs, m[MEM.prev_x], m[MEM.prev_y], m[MEM.prev_h], m[MEM.prev_v], en[EN_HEADING],
                             en[EN_VEL], m[MEM.prev_sx], m[MEM.prev_sy], width, height)
        m[MEM.prev_x], m[MEM.prev_y], m[MEM.prev_h], m[MEM.prev_v] = en[EN_X], en[EN_Y], en[EN_HEADING], en[EN_VEL]
        m[MEM.prev_sx], m[MEM.prev_sy] = ox, oy
        e = path_ring(m)[int(t) % PATH_CAP]
        e[PATH.x], e[PATH.y], e[PATH.turn] = en[EN_X], en[EN_Y], t
        if int(p[P_HEADING]) == HEADING_JUDGED:
            judge_waves(m, t, width, height, ctx.tele, st[ST_ROUND])
        forecast_observe(fc, m[MEM.segment], en[EN_X], en[EN_Y], en[EN_HEADING], en[EN_VEL], left, np.bool_(True),
                         ox, oy, width, height, CAP, NO_GEOMETRY, p[P_PRIOR], fit)
        m[MEM.last_scan] = t
        d = diag_row(ctx.tele, TK_FORECAST_SEEN, st[ST_ROUND], t)
        if d.shape[0] > 0:
            d[DIAG_SEEN.segment] = m[MEM.segment]
            d[DIAG_SEEN.x] = en[EN_X]
            d[DIAG_SEEN.y] = en[EN_Y]
            d[DIAG_SEEN.heading] = en[EN_HEADING]
            d[DIAG_SEEN.velocity] = en[EN_VEL]
            d[DIAG_SEEN.left] = 1.0 if left else 0.0
            d[DIAG_SEEN.sx] = ox
            d[DIAG_SEEN.sy] = oy
            d[DIAG_SEEN.energy] = en[EN_ENERGY]
    # 3. the turn before the gun is cool: play the futures and aim for a bullet leaving in two turns -- in three,
    #    played again, when the gun cannot turn there in one (an aim is for the turn its bullet leaves: a turn later
    #    the mover is a turn further on); none while the last aim is still on its way or while holding fire. The
    #    turn before that, a pre-aim for the same bullet (lag 3, fewer futures) only turns the gun towards it.
    nx, ny = driven_on(ox, oy, st[ST_HEADING], st[ST_VEL], 1.0)
    bearing = math.atan2(en[EN_X] - nx, en[EN_Y] - ny)
    power = gun_power(p, st[ST_ENERGY], en[EN_ENERGY])
    cool_next = max(st[ST_HEAT] - st[ST_COOLING], 0.0) == 0.0
    cool_after = max(max(st[ST_HEAT] - st[ST_COOLING], 0.0) - st[ST_COOLING], 0.0) == 0.0
    pending = m[MEM.aim_time] >= 0.0 and age < m[MEM.aim_lag] - 1.0
    ready = not fired and not pending and not holding and power > 0.0 and m[MEM.last_scan] == t
    pre = ready and not cool_next and cool_after and p[P_PRE] > 0.0
    if ready and (cool_next or pre):
        seed = int((m[MEM.seed] + 1000003.0 * m[MEM.aims]) % 4294967296.0)
        shot = np.zeros(STEPS, dtype=np.bool_)
        speed = bullet_speed(power)
        gap = shot_gap(power, st[ST_COOLING])
        # holding fire, each future plays our later shots as the hold rule will decide them on its path; else
        # a bullet every cool-down (shot[])
        plan = no_plan() if p[P_HOLD] <= 0.0 else ShotPlan(flight_ring(m), en[EN_ENERGY], p[P_HOLD], power, gap,
                                                            m[MEM.aim_cover], t)
        futures = max(1, int(p[P_FUTURES] * p[P_PRE])) if pre else int(p[P_FUTURES])
        blocks = 1 if pre else int(p[P_BLOCKS])
        heading = int(p[P_HEADING])
        use_steer = heading == HEADING_STEER or (heading == HEADING_JUDGED
                                                 and m[MEM.steer_score] > m[MEM.knn_score])
        judging = heading == HEADING_JUDGED and not pre
        n_judge = max(1, int(futures * p[P_JUDGE])) if judging else 0
        no_steer = np.zeros(0)
        steer = steering(m) if use_steer else no_steer
        slot = judge_slot(m, int(m[MEM.judge_next]))
        first = LAG + 1 if pre else LAG
        for lag in range(first, LAG + 2):
            np.random.seed(lag_seed(seed, lag - first))
            if p[P_HOLD] <= 0.0:    # the fixed cool-down the futures read without a plan
                planned_shots(power, st[ST_COOLING], lag, shot)
            aim, cover, played = play_futures(fc, p, nx, ny, speed, lag, futures, blocks, width, height, shot, fit,
                                              steer, plan, judge_grid(slot, use_steer) if judging else no_steer,
                                              n_judge)
            if abs(normal_relative_angle(aim - st[ST_GUN])) <= GUN_TURN_RATE_RADIANS:
                break
        if judging:                 # the other model's futures, for its log-score only: the aim's first n_judge
            # futures' random draws (common random numbers: the two models are compared on the same draws as far as
            # their paths let the draws line up)
            np.random.seed(lag_seed(seed, lag - first))
            other = no_steer if use_steer else steering(m)
            play_futures(fc, p, nx, ny, speed, lag, n_judge, I64(1), width, height, shot, fit, other, plan,
                         judge_grid(slot, not use_steer), n_judge)
            slot[JUDGE.turn], slot[JUDGE.lag], slot[JUDGE.ox], slot[JUDGE.oy] = t, lag, nx, ny
            slot[JUDGE.speed], slot[JUDGE.b_ref], slot[JUDGE.count] = speed, bearing, n_judge
            m[MEM.judge_next] = (m[MEM.judge_next] + 1.0) % JUDGE_CAP
        m[MEM.aims] += 1.0
        if not pre:                 # an aim to fire; a pre-aim only turns the gun
            m[MEM.aim_time] = t
            m[MEM.aim_power] = power
            m[MEM.aim_angle] = aim
            m[MEM.aim_cover] = cover
            m[MEM.aim_lag] = lag
            lat = en[EN_LAT_DIR] if en[EN_LAT_DIR] != 0.0 else 1.0
            m[MEM.aim_offset] = normal_relative_angle(aim - bearing) * lat
        else:
            m[MEM.aim_time] = -1.0
        ring = flight_ring(m)
        for q in range(FLIGHT_CAP):
            if ring[q, FLIGHT.power] > 0.0:
                d = diag_row(ctx.tele, TK_FORECAST_FLIGHT, st[ST_ROUND], t)
                if d.shape[0] > 0:
                    d[DIAG_FLIGHT.slot] = q
                    d[DIAG_FLIGHT.bullet:DIAG_FLIGHT.bullet + FLIGHT.size] = ring[q]
        d = diag_row(ctx.tele, TK_FORECAST_AIM, st[ST_ROUND], t)
        if d.shape[0] > 0:
            d[DIAG_AIM.energy] = plan.energy
            d[DIAG_AIM.plan_cover] = plan.cover
            d[DIAG_AIM.gap] = gap
            d[DIAG_AIM.row] = fc.counters[K_ROWS] - 1.0
            d[DIAG_AIM.seed] = seed
            d[DIAG_AIM.speed] = speed
            d[DIAG_AIM.ox] = nx
            d[DIAG_AIM.oy] = ny
            d[DIAG_AIM.aim] = aim
            d[DIAG_AIM.cover] = cover
            d[DIAG_AIM.power] = power
            d[DIAG_AIM.lag] = lag
            d[DIAG_AIM.pre] = 1.0 if pre else 0.0
            d[DIAG_AIM.futures] = futures
            d[DIAG_AIM.blocks] = blocks
            d[DIAG_AIM.played] = played
            d[DIAG_AIM.steer] = 1.0 if use_steer else 0.0
            d[DIAG_AIM.judge] = m[MEM.steer_score] - m[MEM.knn_score]
    elif pending:                   # go on turning to the aim made last turn (a lag-3 aim)
        aim = m[MEM.aim_angle]
    else:                           # wait at the last aim's offset, mirrored with the lateral direction
        m[MEM.aim_time] = -1.0
        lat = en[EN_LAT_DIR] if en[EN_LAT_DIR] != 0.0 else 1.0
        aim = bearing + m[MEM.aim_offset] * lat
    set_turn_gun(cmd, normal_relative_angle(aim - st[ST_GUN]))


def corpus_path(value):
    """The corpus file a `corpus` value names ("" = the shipped one), or None for "none"."""
    if value == NO_CORPUS:
        return None
    return os.path.join(MODELS_DIR, DEFAULT_CORPUS) if not value else os.path.expanduser(value)


def _fail(msg):
    return ValueError(f"corpus: {msg}")


def _fit_fail(msg):
    return ValueError(f"hazard_fit: {msg}")


def fit_path(values):
    """The hazard fit file the `hazard_fit` value names ("" = the shipped one, with the shipped corpus only), or
    None."""
    value = values.get("hazard_fit", "")
    if value == NO_CORPUS or (not value and values.get("corpus", "")):
        return None
    if value and corpus_path(values.get("corpus", "")) is None:
        raise _fit_fail(f"{value} fits a corpus's members: it needs a corpus")
    return os.path.join(MODELS_DIR, DEFAULT_FIT) if not value else os.path.expanduser(value)


def fit_shape(values):
    """(members, basis size, blocks, knots) of the gun's hazard fit, or zeros without one."""
    path = fit_path(values)
    return (0, 0, 0, 0) if path is None else hazard_fit_shape(path, _fit_fail)


def members(values):
    """Hazard members the gun keeps: the corpus's, plus this battle's own counts."""
    path = corpus_path(values.get("corpus", ""))
    return 1 if path is None else corpus_members(path, _fail) + 1


def _state_end(values, n_members):
    """Where the learner's state ends in the gun's memory (the fit follows it)."""
    return MEM.size + forecast_size(int(values["memory"]), n_members, NO_GEOMETRY)


def memory_size(values):
    return _state_end(values, members(values)) + fit_size(*fit_shape(values))


@functools.lru_cache(maxsize=4)
def _corpus(path, stamp):
    """The corpus member names and tables, read once per file version (a challenge's battles share them)."""
    names, _, tables, _ = read_corpus(path, _fail)
    return names, tables


@functools.lru_cache(maxsize=4)
def _fit(path, stamp):
    """The hazard fit, read once per file version."""
    return read_hazard_fit(path, _fit_fail, N_RAW)


def _stamp(path):
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size


def prepare(values):
    """The gun's starting memory: its member count and the learner's state with the corpus tables copied in."""
    path = corpus_path(values.get("corpus", ""))
    n = members(values)
    shape = fit_shape(values)
    memory = int(values["memory"])
    end = _state_end(values, n)
    init = np.zeros(end + fit_size(*shape))            # memory_size, each file's header read once
    init[MEM.members] = n
    if path is not None:
        names, tables = _corpus(path, _stamp(path))
        fc = forecast_views(init[MEM.size:end], memory, n, NO_GEOMETRY)
        for own, corpus in zip((fc.c1, fc.c2, fc.c3, fc.c4, fc.c5, fc.s1, fc.s2, fc.change_ring, fc.start_ring,
                                fc.ring_n), tables):
            own[:-1] = corpus[:, :0] if own.shape[1] == 0 else corpus
        fpath = fit_path(values)
        if fpath is not None:
            model = _fit(fpath, _stamp(fpath))
            if model["names"] != names:
                raise _fit_fail(f"{fpath} fits {', '.join(model['names'])}, the corpus holds {', '.join(names)}")
            init[[MEM.fit_members, MEM.fit_basis, MEM.fit_blocks, MEM.fit_knots]] = shape
            for own, fitted in zip(fit_views(init[end:], *shape), hazard_fit_of(model)):
                own[:] = fitted
    return init


PART = Part("forecast", "gun", ("Play-it-forward gun: learns the enemy's per-turn heading (k nearest of its observed "
                                "transitions) and velocity commands (pooled hazard tables, pre-seeded from a corpus of "
                                "8 movers and weighed by Bayesian model averaging), plays `futures` futures of it with "
                                "the engine's physics once per bullet and fires where most of them can be hit."),
            think=think, round_start=round_start, params=PARAMS, memory=memory_size, prepare=prepare, learns=True,
            heavy=True)
