"""Paired comparison of two surfer settings against the sample robots (issue 19's fixes, measured on held-out seeds).

    python benchmarks/surf_fixes.py [--new lock+learned+surf] [--old 'lock+learned+surf:close_weight=0,gate_distance=0']
                                    [--seeds 101..110] [--rounds 35] [--jobs 2]

Both bots play every sample robot on the same seeds (common random numbers); per enemy it prints the mean
score share and enemy hit rate of each and the paired difference new - old with its 95% Student-t interval
(sim.experiments.runner.paired_ci). The default `old` switches the close-range danger and the flattener's
distance gate off, which plays exactly the surfer before them (tests/test_surf.py checks it).
"""
import argparse
import sys

SAMPLES = ("sample.Walls", "sample.SpinBot", "sample.Crazy", "sample.Fire", "sample.Tracker", "sample.TrackFire",
           "sample.VelociRobot", "sample.Corners")


def main(argv=None):
    from sim.cli.args import seed_list
    from sim.engine.rules import Rules
    from sim.experiments.runner import Runner, make_task, metric, paired_ci
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--new", default="lock+learned+surf")
    ap.add_argument("--old", default="lock+learned+surf:close_weight=0,gate_distance=0")
    ap.add_argument("--seeds", default="101..110")
    ap.add_argument("--rounds", type=int, default=35)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--enemies", default=",".join(SAMPLES))
    a = ap.parse_args(argv)
    seeds = seed_list(a.seeds, 10_000, "battle")
    enemies = a.enemies.split(",")
    rules = Rules(rounds=a.rounds)
    tasks = [make_task([bot, en], (), rules, s) for en in enemies for bot in (a.new, a.old) for s in seeds]
    with Runner(jobs=a.jobs) as run:
        res = run.run(tasks)
    n = len(seeds)
    print(f"new = {a.new}\nold = {a.old}\n{a.rounds} rounds, seeds {a.seeds}, paired new - old, 95% CI")
    print(f"{'enemy':20s} {'share new':>9s} {'share old':>9s} {'diff [95% CI]':>24s}   {'hit% new':>8s} "
          f"{'hit% old':>8s} {'diff [95% CI]':>24s}")
    for k, en in enumerate(enemies):
        rn = res[(2 * k) * n:(2 * k + 1) * n]
        ro = res[(2 * k + 1) * n:(2 * k + 2) * n]
        sn = [metric(r, "score_share", 0) for r in rn]
        so = [metric(r, "score_share", 0) for r in ro]
        hn = [100.0 * metric(r, "enemy_hit_rate", 0) for r in rn]
        ho = [100.0 * metric(r, "enemy_hit_rate", 0) for r in ro]
        ds = paired_ci(sn, so)
        dh = paired_ci(hn, ho)
        print(f"{en:20s} {ds['mean_a']:9.2f} {ds['mean_b']:9.2f} {ds['mean']:+7.2f} [{ds['low']:+6.2f}, {ds['high']:+6.2f}]"
              f"   {dh['mean_a']:8.2f} {dh['mean_b']:8.2f} {dh['mean']:+7.2f} [{dh['low']:+6.2f}, {dh['high']:+6.2f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
