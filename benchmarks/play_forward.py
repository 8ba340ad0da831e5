"""Play-it-forward gun, offline probe (issue 17): learn the mover's per-turn policy from the turns seen so far,
roll M futures of it forward with the engine's movement physics, fire at the heading most futures' hit sets cover.

    PYTHONPATH=$PWD python benchmarks/play_forward.py orbit [--seeds 0..2] [--futures 32] [--k-heading 16]
        [--k-velocity 128] [--memory 4000] [--heading-scale ...] [--velocity-scale ...] [--cap ...] [--json]

It is the Bayes-limit oracle's procedure (sim/experiments/oracle.py) with a *learned* policy in place of the
mover's own code and random generator (results and diagnosis: docs/learning.md, "A play-it-forward gun"):

* **Situations.** The oracle's: the challenge's shooter (`lock+headon:power=3,energy_rule=0+still`) plays the
  movement on the seeds, recorded; scored are its real bullets whose wave passed the living mover (the
  datasets' status 0: `sim.experiments.evaluate.scored_and_learnable`, as `benchmarks/learned_gap.py`), so the
  hit rates are comparable with learned_gap's offline figures on the same bullets.
* **What the gun knows.** For a bullet fired in turn F, the mover's recorded states up to the end of turn F-2
  (the oracle's LAG; learned_gap's `lagged`) and the shooter's own fire turns (its decisions).
* **The policy.** Each observed turn t -> t+1 of this battle is a transition: the state at t (FEATURE_NAMES:
  velocity, its change, the body heading relative to the line from the shooter, distance, room to the walls,
  turns since a reversal and since the shooter fired, wall-smoothing stick rotations of the orbital direction of
  travel, speed along the travel; mirrored so that the body points clockwise around the shooter) and the action:
  the body heading at t+1 relative to that line at t, and the velocity command ("go on" or "reverse" the way it
  travels, at up to a max velocity: `velocity_commands`, read off the velocity run the turn starts and learned
  only once that run has ended). A ring buffer keeps the newest --memory transitions.
* **Futures.** From the state at F-2, each of M futures steps one turn at a time: the heading is drawn
  uniformly from the --k-heading nearest stored states, the velocity command from the --k-velocity nearest
  (each set with its own feature scales), and the engine's own `sim.engine.physics.robot_step` plays them (turn
  rate, acceleration, walls). Random reversals appear with their observed frequency in similar states.
* **The shot.** Each future's path goes through `sim.waves.gf.track_wave` (the precise intersection), the
  oracle's `best_heading` sweep finds the heading inside most futures' hit sets, and the real bullet's
  [gf_lo, gf_hi] (and pieces) says whether that heading hit.

Per battle hit %, mean ± 95% Student-t interval over the seeds; `predicted` is the mean in-sample coverage
of the chosen heading (what the model believes it hits; the oracle's in-sample statistic).
"""
import argparse
import json
import math
import sys
import time

import numpy as np
from numba import njit

from sim.engine.geometry import normal_relative_angle
from sim.engine.physics import new_velocity, robot_step
from sim.experiments.oracle import LAG, MAX_FLIGHT, SHOOTER, best_heading
from sim.waves.gf import MAX_CAND, MAX_PARTS, stick_rotation, track_wave
from bots.movements.steering import room

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
def draw_neighbour(mem_f, n, q, w, k, dist):
    """Index of one of the k stored states nearest q (squared distance weighted by w), drawn uniformly (ties
    at the k-th distance drawn among themselves); -1 if none. `dist` is scratch space of n."""
    kk = min(k, n)
    if kk == 0:
        return -1
    for i in range(n):
        d = 0.0
        for c in range(N_FEAT):
            if w[c] > 0.0:
                e = mem_f[i, c] - q[c]
                d += w[c] * e * e
        dist[i] = d
    if kk == n:
        return np.random.randint(n)
    th = np.partition(dist[:n], kk - 1)[kk - 1]
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
    which the run is known to have ended: the command may be learned only from then on)."""
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
        if new_velocity(v[t], FAR * math.copysign(1.0, vs), abs(vs)) != v[t + 1]:
            vs = v[t + 1]                            # the turn's own cap (a slower turn or a fresh max velocity)
        d[t] = 0.0 if vs == 0.0 else (1.0 if vs > 0.0 else -1.0)
        mv[t] = abs(vs)
        known[t] = u
    return d, mv, known


@njit(cache=True, error_model="numpy")
def play_forward_battle(rnd, x, y, h, v, fired, sx, sy, sit_row, sit_speed, futures, memory, width, height, seed,
                        cap, w_heading, k_heading, w_velocity, k_velocity):
    """Aim of every situation: sit_row[s] = the recorded row of turn F-2 of the bullet (rows in time order,
    one battle; sit_row ascending), sit_speed its bullet speed. Returns (aim heading, in-sample coverage)."""
    np.random.seed(seed)
    n = x.shape[0]
    v_prev, since_rev, since_fire, travel = observed_states(rnd, v, fired)
    cmd_dir, cmd_vel, known = velocity_commands(rnd, v)
    mem_f = np.empty((memory, N_FEAT))
    mem_a = np.empty((memory, 3))
    n_mem = 0
    pos = 0
    q = np.empty(N_FEAT)
    dist_buf = np.empty(memory)
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
            if rnd[j + 1] != rnd[j]:
                continue
            b, m = state_features(x[j], y[j], h[j], v[j], v_prev[j], travel[j], since_rev[j], since_fire[j], sx[j],
                                  sy[j], width, height, cap, q)
            mem_f[pos, :] = q
            mem_a[pos, 0] = m * normal_relative_angle(h[j + 1] - b)
            mem_a[pos, 1] = cmd_dir[j] * travel[j]          # 1 = go on the way it travels, -1 = reverse
            mem_a[pos, 2] = cmd_vel[j]
            pos = (pos + 1) % memory
            n_mem = min(n_mem + 1, memory)
        while s < n_sit and sit_row[s] < i:
            s += 1
        while s < n_sit and sit_row[s] == i:
            speed = sit_speed[s]
            b_ref = math.atan2(x[i] - sx[i], y[i] - sy[i])
            dist = math.hypot(x[i] - sx[i], y[i] - sy[i])
            steps = min(MAX_FLIGHT, LAG + 1 + int((dist + 60.0) / speed) + 6)
            n_pieces = 0
            for f in range(futures):
                px, py, ph, pv, pvp = x[i], y[i], h[i], v[i], v_prev[i]
                sr, sf = since_rev[i], since_fire[i]
                last_sign = travel[i]
                cx[0] = px
                cy[0] = py
                for step in range(1, steps + 1):
                    b, m = state_features(px, py, ph, pv, pvp, last_sign, sr, sf, sx[i], sy[i], width, height, cap, q)
                    nh = draw_neighbour(mem_f, n_mem, q, w_heading, k_heading, dist_buf)
                    nv = draw_neighbour(mem_f, n_mem, q, w_velocity, k_velocity, dist_buf)
                    if nh < 0:                       # nothing learned yet: keep going as now
                        turn, dist_cmd, max_vel = 0.0, FAR * pv, abs(pv)
                    else:
                        turn = normal_relative_angle(b + m * mem_a[nh, 0] - ph)
                        dist_cmd, max_vel = FAR * mem_a[nv, 1] * last_sign, mem_a[nv, 2]
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
    return aims, cover


def battle_arrays(result):
    """The mover's (robot 1) recorded rows in time order, with the shooter's position and fire turns."""
    tr = np.asarray(result.robots_trace)
    r0 = tr[tr[:, 2] == 0]
    r1 = tr[tr[:, 2] == 1]
    key0 = {(int(a), int(b)): k for k, (a, b) in enumerate(zip(r0[:, 0], r0[:, 1]))}
    o = np.lexsort((r1[:, 1], r1[:, 0]))
    r1 = r1[o]
    k0 = np.array([key0[(int(a), int(b))] for a, b in zip(r1[:, 0], r1[:, 1])])
    return r1, r0[k0]


def weights(scale):
    """Squared-distance weights of feature scales (inf: weight 0, the feature is left out)."""
    return np.array([0.0 if math.isinf(x) else 1.0 / (x * x) for x in scale])


def season(spec, seed, rules, futures, memory, cap, heading_scale, k_heading, velocity_scale, k_velocity):
    from sim.engine.battle import run_battle
    from sim.experiments.evaluate import in_hit_set, scored_and_learnable
    from sim.io.dataset import battle_tables
    t0 = time.perf_counter()
    res = run_battle([SHOOTER, spec], rules, seed=seed, record=True, compile_progress=False)
    tables = battle_tables(res, 0, specs=[SHOOTER, spec])[0]
    g = tables["gun"]
    r1, r0 = battle_arrays(res)
    rows = np.flatnonzero((g["shooter"] == 0) & g["real_bullet"].astype(bool))
    scored, _ = scored_and_learnable(g, rows, "real")
    rows = rows[scored]
    index = {(int(a), int(b)): q for q, (a, b) in enumerate(zip(r1[:, 0], r1[:, 1]))}
    fired = np.zeros(len(r1), dtype=np.bool_)
    for q in np.flatnonzero((g["shooter"] == 0) & g["real_bullet"].astype(bool)):
        at = index.get((int(g["round"][q]), int(g["turn"][q])))
        if at is not None:
            fired[at] = True
    sit_row = np.array([index[(int(g["round"][q]), int(g["turn"][q]) - LAG)] for q in rows], dtype=np.int64)
    order = np.argsort(sit_row, kind="stable")
    aims, cover = play_forward_battle(r1[:, 0].astype(np.int64), r1[:, 3], r1[:, 4], r1[:, 5], r1[:, 8], fired,
                                      r0[:, 3], r0[:, 4], sit_row[order], g["bullet_speed"][rows][order],
                                      futures, memory, float(rules.width), float(rules.height), int(seed),
                                      cap, weights(heading_scale), k_heading, weights(velocity_scale), k_velocity)
    aim = np.empty(len(rows))
    aim[order] = aims
    cov = np.empty(len(rows))
    cov[order] = cover
    gf = np.array([normal_relative_angle(a - bb) for a, bb in zip(aim, g["bearing"][rows])]) \
        * g["lat_dir"][rows] / g["mea"][rows]
    hit = in_hit_set(g, tables["parts"], rows, gf)
    return dict(seed=int(seed), waves=int(len(rows)), hit=float(hit.mean()), predicted=float(cov.mean()),
                seconds=time.perf_counter() - t0)


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
    from sim.cli.args import add_progress_flags, bounded_int, positive_int, progress_bar
    from sim.cli.errors import OneLineParser, UsageError, run_command
    from sim.experiments.challenge import mean_ci, movement_specs, parse_seeds
    from sim.engine.rules import Rules
    from bots.registry import BotSpecError, parse_bot

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
        rules = Rules(rounds=a.rounds)
        show = a.progress if a.progress is not None else sys.stderr.isatty()
        bar, update = progress_bar(len(seeds), show, "play-forward seasons", unit="season")
        out = []
        for s in seeds:       # a season is one compiled call of a minute or more: the bar moves per season
            out.append(season(spec, s, rules, a.futures, a.memory, cap, heading_scale, a.k_heading, velocity_scale,
                              a.k_velocity))
            if update:
                update(len(out))
        if bar:
            bar.close()
        summ = dict(movement=a.movement, spec=spec, futures=a.futures, memory=a.memory, cap=cap.tolist(),
                    heading_scale=heading_scale.tolist(), k_heading=a.k_heading,
                    velocity_scale=velocity_scale.tolist(), k_velocity=a.k_velocity,
                    hit=mean_ci([100 * d["hit"] for d in out]), predicted=mean_ci([100 * d["predicted"] for d in out]),
                    seasons=out)
        if a.json:
            print(json.dumps(summ, indent=1))
        else:
            for d in out:
                print(f"seed {d['seed']}: {d['waves']} waves, hit {100 * d['hit']:.1f}%, predicted "
                      f"{100 * d['predicted']:.1f}%, {d['seconds']:.0f} s")
            h, pr = summ["hit"], summ["predicted"]
            print(f"{a.movement}: hit {h['mean']:.1f} ± {h['half']:.1f}%, predicted {pr['mean']:.1f} ± "
                  f"{pr['half']:.1f}% (futures {a.futures}, k {a.k_heading} / {a.k_velocity}, memory {a.memory})")
        return 0
    return run_command("play_forward.py", run, list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
