"""Play-it-forward gun, offline probe (issue 17): learn the mover's per-turn policy from the turns seen so far,
roll M futures of it forward with the engine's movement physics, fire at the heading most futures' hit sets cover.

    PYTHONPATH=$PWD python benchmarks/play_forward.py orbit [--seeds 0..2] [--futures 32] [--k-heading 16]
        [--velocity-model hazard|knn] [--heading-model knn|steer-fit] [--prior 2] [--k-velocity 128]
        [--memory 4000] [--heading-scale ...]
        [--velocity-scale ...] [--cap ...] [--truth none|heading|velocity|both|direction|speed|speed-now|steer]
        [--corpus FILE]
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
  heading each turn is drawn uniformly from the --k-heading nearest stored states. --heading-model steer-fit
  turns it instead towards a steering learned from the battle's rows so far (forecast_kernels.steer_accumulate:
  the travel direction off the line from the shooter as hat functions of the distance, fitted to the open-field
  turns that did not reach the turn rate; wall-smoothed towards the shooter with a 160 px stick), for the side the
  future's drawn command makes it travel round the shooter. The gun (bots/guns/forecast.py, heading=2) plays
  both and aims with whichever one's futures predicted its passed waves better; the probe plays one.
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
  walls). --truth puts the mover's recorded heading, velocity command or both in their place (a diagnosis;
  `direction` / `speed` only the command's direction / max velocity, `speed-now` only the max velocity in force at
  the aim), or `steer` the heading the orbit movement's own steering would set for the future's drawn command (what
  a perfect heading model would add).
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

from bots.guns.forecast_corpus import (  # noqa: F401
    CORPUS_KEYS,
    CORPUS_VERSION,
    MAX_CORPUS_MEMBERS,
    hazard_fit_of,
    read_corpus,
    read_hazard_fit,
    save_corpus,
)

# the kernels live in the product, where the in-battle gun uses them; re-exported here for the probe's importers
from bots.guns.forecast_kernels import (  # noqa: F401
    AGE_BINS,
    DEFAULT_CAP,
    DEFAULT_HEADING_SCALE,
    DEFAULT_K_HEADING,
    DEFAULT_K_VELOCITY,
    DEFAULT_PRIOR,
    DEFAULT_VELOCITY_SCALE,
    DIST_BINS,
    DIST_EDGES,
    FAR,
    FEATURE_NAMES,
    FIRE_BINS,
    FIRE_CAP,
    GEOMETRY,
    GO_ON,
    N_FEAT,
    N_RAW,
    REV_BINS,
    REV_CAP,
    REV_EDGES,
    REVERSE,
    RING,
    RUN_CAP,
    SIG_RING,
    SIGNATURES,
    STICK,
    STOP,
    TRUE_DIRECTION,
    TRUE_FIRST,
    TRUE_HEADING,
    TRUE_SPEED,
    TRUE_STEER,
    TRUE_VELOCITY,
    WALL_BINS,
    WALL_STEP,
    HazardFit,
    battle_transitions,
    command_ages,
    command_label,
    command_log_prob,
    count_battle,
    count_transition,
    draw_label,
    draw_neighbour,
    draw_ring,
    edge_bin,
    empty_tables,
    geometry_bins,
    geometry_counts,
    hazard_bins,
    kth_smallest,
    label_probs,
    learn_command,
    next_command,
    no_fit,
    note_velocity,
    observe_transition,
    observed_states,
    play_forward_battle,
    run_signature,
    smoothed,
    speed_change_prob,
    state_features,
    velocity_commands,
    wall_pressure,
)
from sim.engine.constants import RS_DEAD
from sim.engine.geometry import normal_relative_angle
from sim.experiments.oracle import SHOOTER
from sim.waves.gf import LAG, MAX_FLIGHT, best_heading  # noqa: F401


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


TRUTH = {"none": 0, "heading": TRUE_HEADING, "velocity": TRUE_VELOCITY, "both": TRUE_HEADING | TRUE_VELOCITY,
         "direction": TRUE_DIRECTION, "speed": TRUE_SPEED, "speed-now": TRUE_SPEED | TRUE_FIRST, "steer": TRUE_STEER}


def weights(scale):
    """Squared-distance weights of feature scales (inf: weight 0, the feature is left out)."""
    return np.array([0.0 if math.isinf(x) else 1.0 / (x * x) for x in scale])


def recorded_battle(spec, seed, rules, shooter=SHOOTER, result=None):
    """The shooter (the oracle's head-on one unless told) against `spec` on `seed`, recorded (or `result`, that
    battle already recorded): (its gun table, its parts table, the mover's rows, the shooter's rows of the same
    turns, per mover row: did the shooter fire a real bullet, do both robots live, the mover row index of each
    (round, turn))."""
    from sim.engine.battle import run_battle
    from sim.io.dataset import battle_tables
    res = result if result is not None else run_battle([shooter, spec], rules, seed=seed, record=True,
                                                       compile_progress=False)
    tables = battle_tables(res, 0, specs=[shooter, spec])[0]
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
    tables = empty_tables(members, 3 if corpus is None else corpus[4].shape[1])
    if corpus is not None:
        for t, c in zip(tables, corpus):
            t[:-1] = c
    return tables


def load_corpus(path):
    """(member names, their sources, tables) of a corpus file (bots.guns.forecast_corpus.read_corpus); a file that
    is not one is a one-line UsageError."""
    from sim.cli.errors import UsageError
    names, sources, tables, _ = read_corpus(path, lambda msg: UsageError(f"--corpus {msg}"))
    return names, sources, tables


def count_into(spec, seed, rules, tables, own, score=False, loglik=None, geometry=0, strength=DEFAULT_PRIOR):
    """Count every transition of the shooter's recorded battle against `spec` into member `own` of `tables`
    (empty_tables' order, the member axis first); with `score`, first add each transition's log-probability
    under every member (the own one's prequential) to loglik."""
    _, _, r1, r0, fired, live, _ = recorded_battle(spec, seed, rules)
    count_battle(r1[:, 0].astype(np.int64), r1[:, 3], r1[:, 4], r1[:, 5], r1[:, 8], fired, live, r0[:, 3], r0[:, 4],
                 float(rules.width), float(rules.height), int(geometry), float(strength), *tables, int(own),
                 bool(score), np.zeros(tables[0].shape[0]) if loglik is None else loglik)


ENERGY_EDGES = (0.0, 20.0, 40.0, 60.0, 80.0, 100.0)   # the mover's energy bins of a season's by_energy split


def season(spec, seed, rules, futures, memory, cap, heading_scale, k_heading, velocity_scale, k_velocity,
           velocity_model="hazard", prior=DEFAULT_PRIOR, truth=0, corpus=None, geometry=0, fit=None, shooter=SHOOTER,
           heading_model="knn", per_bullet=False, result=None):
    """One battle of the probe. `corpus`: the pre-seeded members' hazard tables (load_corpus), or None (the
    battle's own counts only); `fit`: the corpus members' continuous hazard (a HazardFit), or None; `shooter`:
    whose battle and bullets (the oracle's head-on shooter unless told, e.g. a gun's own: does its learner do as
    well in that gun's battles?); per_bullet: also each scored bullet's round, turn it left, the probe's hit and the
    shooter's own; result: that battle already recorded (run_battle(record=True)), not played again."""
    from sim.experiments.evaluate import in_hit_set, scored_and_learnable
    t0 = time.perf_counter()
    g, parts, r1, r0, fired, live, index = recorded_battle(spec, seed, rules, shooter, result)
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
        velocity_model == "hazard", float(prior), int(truth), *tables, int(geometry), no_fit() if fit is None else fit,
        heading_model == "steer-fit")
    per_bullet_s = (time.perf_counter() - t1) / max(1, len(rows))     # the kernel's seconds per fired bullet
    aim = np.empty(len(rows))
    aim[order] = aims
    cov = np.empty(len(rows))
    cov[order] = cover
    gf = np.array([normal_relative_angle(a - bb) for a, bb in zip(aim, g["bearing"][rows])]) \
        * g["lat_dir"][rows] / g["mea"][rows]
    hit = in_hit_set(g, parts, rows, gf)
    rnd = g["round"][rows]
    by_round = [[int(r), float(hit[rnd == r].mean()), float(cov[rnd == r].mean())] for r in np.unique(rnd)]
    energy = g["energy"][rows]                         # the mover's, when the bullet left
    bins = np.clip(np.searchsorted(ENERGY_EDGES, energy, side="right") - 1, 0, len(ENERGY_EDGES) - 2)
    by_energy = [[ENERGY_EDGES[b], ENERGY_EDGES[b + 1], int((bins == b).sum()),
                  float(hit[bins == b].mean()) if (bins == b).any() else None] for b in range(len(ENERGY_EDGES) - 1)]
    post = np.exp(loglik - loglik.max())
    out = dict(seed=int(seed), waves=int(len(rows)), hit=float(hit.mean()), predicted=float(cov.mean()),
               seconds=time.perf_counter() - t0, seconds_per_bullet=per_bullet_s, by_round=by_round,
               by_energy=by_energy, member_weights=(post / post.sum()).tolist())
    if per_bullet:
        out["bullets"] = dict(round=g["round"][rows].astype(int).tolist(), turn=g["turn"][rows].astype(int).tolist(),
                              hit=hit.astype(bool).tolist(), shooter_hit=g["hit"][rows].astype(bool).tolist())
    return out


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
    from sim.experiments.challenge import gun_spec, mean_ci, movement_specs, parse_seeds

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
        p.add_argument("--heading-model", choices=("knn", "steer-fit"), default="knn",
                       help="the futures' heading: drawn from the --k-heading nearest stored states (default), or "
                       "steer-fit: a steering learned from this battle's open-field turns (the travel "
                       "direction off the line from the shooter by distance, wall-smoothed with a 160 px stick)")
        p.add_argument("--prior", type=bounded_float(0.0, 1e6, lo_open=True), default=DEFAULT_PRIOR,
                       help="pseudo-counts pulling each hazard bin towards its coarser level "
                       f"(default {DEFAULT_PRIOR:g})")
        p.add_argument("--corpus", metavar="FILE",
                       help="pre-seeded hazard tables (benchmarks/hazard_corpus.py): each future plays one corpus "
                       "member or the battle's own counts, drawn with the likelihood of the battle's transitions "
                       "so far")
        p.add_argument("--hazard-fit", metavar="MODEL",
                       help="the corpus members' continuous hazard (benchmarks/hazard_fit.py fit, the same members "
                       "in the same order as --corpus): they score and play their commands through it")
        p.add_argument("--geometry", choices=tuple(GEOMETRY), default="none",
                       help="a finest hazard level binning the distance to the shooter, the reverse direction's wall "
                       "pressure or both (default none)")
        p.add_argument("--truth", choices=tuple(TRUTH), default="none",
                       help="diagnosis: the mover's recorded heading, velocity command or both in place of the drawn "
                       "ones (both: the futures replay the real path); direction / speed: only the command's "
                       "direction / only its max velocity; speed-now: only the max velocity of the command in force "
                       "at the aim (in a future's first step; what the mover's memory holds); steer: the heading the "
                       "`orbit` movement's own steering (default parameters) sets for the drawn command (an upper "
                       "bound for the heading model on orbit)")
        p.add_argument("--shooter", metavar="GUN", default=None,
                       help="whose battle the probe replays and whose bullets it aims: a gun as in gfsim challenge "
                       "(lock+GUN:power=3,energy_rule=0+still; default the oracle's head-on shooter)")
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
        shooter = SHOOTER if a.shooter is None else gun_spec(a.shooter)
        if shooter is None:
            raise UsageError(f"--shooter: unknown gun {a.shooter!r} (gfsim bots lists them)")
        if a.velocity_model != "hazard" and (a.corpus or a.geometry != "none"):
            raise UsageError("--corpus and --geometry are hazard tables: they need --velocity-model hazard")
        names, sources, corpus = load_corpus(a.corpus) if a.corpus else ([], [], None)
        if corpus is not None and a.geometry != "none" and corpus[4].shape[1] == 0:
            raise UsageError(f"--geometry {a.geometry}: {a.corpus} was written without the geometry table")
        fit = None
        if a.hazard_fit:
            if not a.corpus:
                raise UsageError("--hazard-fit fits the corpus members: it needs --corpus")
            model = read_hazard_fit(a.hazard_fit, lambda msg: UsageError(f"--hazard-fit {msg}"), N_RAW)
            if model["names"] != names:
                raise UsageError(f"--hazard-fit {a.hazard_fit}: its members {model['names']} are not --corpus's {names}")
            fit = hazard_fit_of(model)
        rules = Rules(rounds=a.rounds)
        show = a.progress if a.progress is not None else sys.stderr.isatty()
        bar, update = progress_bar(len(seeds), show, "play-forward seasons", unit="season")
        out = []
        for s in seeds:       # a season is one compiled call of a minute or more: the bar moves per season
            out.append(season(spec, s, rules, a.futures, a.memory, cap, heading_scale, a.k_heading, velocity_scale,
                              a.k_velocity, a.velocity_model, a.prior, TRUTH[a.truth], corpus, GEOMETRY[a.geometry],
                              fit, shooter, a.heading_model))
            if update:
                update(len(out))
        if bar:
            bar.close()
        summ = dict(movement=a.movement, spec=spec, shooter=shooter, futures=a.futures, memory=a.memory, cap=cap.tolist(),
                    velocity_model=a.velocity_model, heading_model=a.heading_model, prior=a.prior, truth=a.truth,
                    corpus=a.corpus,
                    hazard_fit=a.hazard_fit,
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
