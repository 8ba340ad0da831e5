"""The Bayes-limit oracle at a gun's own firing situations (issue 17).

    python benchmarks/oracle_at_gun.py GUN MOVEMENT[,MOVEMENT..] [--seeds 16..25] [--samples 64] [--rounds 35]
                                       [--silent-shooter] [--jobs 1] [--json]

Why: `gfsim oracle` scores the firing situations of the challenge's head-on shooter, and `gfsim challenge` divides
every gun's hit rate by it. A gun that holds fire, fires a turn late or kills the mover sooner fires in other
situations (other turns of the round, other distances, fewer of the long rounds). Is the oracle there the same?
This plays the oracle's procedure (sim/experiments/oracle.py, `oracle_season`) with ``lock+GUN:power=3,
energy_rule=0+still`` as the shooter: each bullet GUN fires while both robots live is a situation, the engine
state of F-3 is copied --samples times, the mover reseeded and immortal, and the share of futures the best heading
covers is the oracle there (in-sample, and the cross-fit: chosen on half, scored on the other half).

The futures play the shooter as it is, which for a gun that plays futures of its own (`forecast`) costs one of
its aims per future. --silent-shooter keeps the futures' shooter from firing (its gun heat set out of reach): far
cheaper, and exact only for movers that do not see the shooter's shots -- orbit and orbit with random speeds
(their reversals and speed draws are per turn); not stop-and-go, which steps at each shot it sees.
`tests/test_oracle.py` checks both: silent is the same oracle on orbit, not on stop-and-go.

Per movement, mean ± 95% Student-t interval over the seasons of the oracle and its cross-fit at GUN's situations.
"""
import sys


def _task(args):
    from sim.engine.rules import Rules
    from sim.experiments.oracle import oracle_season
    movement, shooter, mover, seed, rounds, samples, silent = args
    res = oracle_season(mover, seed, Rules(rounds=rounds), samples=samples, shooter=shooter, silent_shooter=silent)
    return dict(movement=movement, seed=seed, waves=res["waves"], oracle=res["oracle"],
                oracle_xfit=res["oracle_xfit"], seconds=res["seconds"])


def summarize(seasons):
    """Per movement: mean ± interval over the seasons of the oracle and cross-fit, in % (challenge.mean_ci)."""
    from sim.experiments.challenge import mean_ci
    out = []
    for movement in dict.fromkeys(s["movement"] for s in seasons):
        rows = [s for s in seasons if s["movement"] == movement]
        out.append(dict(movement=movement, seeds=[s["seed"] for s in rows], waves=sum(s["waves"] for s in rows),
                        oracle=mean_ci([100.0 * s["oracle"] for s in rows]),
                        oracle_xfit=mean_ci([100.0 * s["oracle_xfit"] for s in rows])))
    return out


def main(argv=None):
    from shots_in_flight import challenge_bots, challenge_parser, played

    from sim.cli.args import bounded_int
    from sim.cli.errors import run_command
    from sim.cli.output import json_text
    from sim.experiments.challenge import parse_seeds
    from sim.experiments.oracle import MAX_SAMPLES

    def run(argv):
        p = challenge_parser("oracle_at_gun.py", __doc__)
        p.add_argument("--samples", type=bounded_int(2, MAX_SAMPLES), default=64, help="futures per situation "
                       "(default 64)")
        p.add_argument("--silent-shooter", action="store_true",
                       help="the futures' shooter never fires: cheap, exact only for movers blind to its shots")
        a = p.parse_args(argv)
        seeds = parse_seeds(a.seeds)
        shooter, movers = challenge_bots(a.gun, a.movements)
        tasks = [(m, shooter, spec, s, a.rounds, a.samples, a.silent_shooter) for m, spec in movers.items()
                 for s in seeds]
        seasons = played(_task, tasks, a.jobs, a.progress, [shooter, *movers.values()], "season")
        rows = summarize(seasons)
        if a.json:
            sys.stdout.write(json_text(dict(gun=a.gun, shooter=shooter, rounds=a.rounds, samples=a.samples,
                                            silent_shooter=a.silent_shooter, rows=rows, seasons=seasons)))
            return 0
        for r in rows:
            print(f"oracle at {a.gun}'s situations, {r['movement']} ({len(r['seeds'])} seasons, {r['waves']:,} "
                  f"waves, {a.samples} futures): {r['oracle']['mean']:.1f} ± {r['oracle']['half']:.1f}%, cross-fit "
                  f"{r['oracle_xfit']['mean']:.1f} ± {r['oracle_xfit']['half']:.1f}%")
        return 0
    return run_command("oracle_at_gun.py", run, list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
