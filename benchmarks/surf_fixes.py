"""Paired comparison of two surfer settings against the sample robots (issue 19's fixes, measured on held-out seeds).

    python benchmarks/surf_fixes.py [--new lock+learned+surf] [--old SPEC] [--old-tree DIR] [--seeds 101..110]
                                    [--rounds 35] [--jobs 2]

Both bots play every sample robot on the same seeds (common random numbers); per enemy it prints the mean
score share and enemy hit rate of each and the paired difference new - old with its 95% Student-t interval
(sim.experiments.runner.paired_ci). The default `old` switches off the close-range danger, the flattener's
distance gate (close_weight=0,gate_distance=0), distance control and ram avoidance
(bots.movements.surf.BEFORE_DISTANCE_CONTROL), the danger ensemble, path surfing and the gated kernel width
(BEFORE_ENSEMBLE_AND_PATHS): the surfer before issue 19's fixes, but for the enemy record's exact wall-hit
accounting, which no parameter switches off (tests/test_surf.py and tests/test_surf_ensemble.py check the
digests).

`--old-tree DIR` plays `old` with the code of another checkout (e.g. `git archive main | tar -x -C DIR`), in
a child process with PYTHONPATH=DIR: changes no parameter can switch off (the enemy record's detection) are
compared against the code before them. The child prints its per-battle numbers as JSON.
"""
import argparse
import json
import os
import subprocess
import sys

_CHILD = """
import json, sys
from sim.engine.rules import Rules
from sim.experiments.runner import Runner, make_task, metric
bot, enemies, seeds, rounds, jobs = json.loads(sys.argv[1])
tasks = [make_task([bot, en], (), Rules(rounds=rounds), s) for en in enemies for s in seeds]
with Runner(jobs=jobs) as run:
    res = run.run(tasks)
print(json.dumps([[metric(r, "score_share", 0), metric(r, "enemy_hit_rate", 0)] for r in res]))
"""


def _play_in_tree(tree, bot, enemies, seeds, rounds, jobs):
    """(score share, enemy hit rate) of each battle of `bot` played with the code in `tree`, enemy-major."""
    env = dict(os.environ, PYTHONPATH=os.path.abspath(tree))
    out = subprocess.run([sys.executable, "-c", _CHILD, json.dumps([bot, enemies, seeds, rounds, jobs])],
                         cwd=tree, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])

SAMPLES = ("sample.Walls", "sample.SpinBot", "sample.Crazy", "sample.Fire", "sample.Tracker", "sample.TrackFire",
           "sample.VelociRobot", "sample.Corners")


def main(argv=None):
    from sim.cli.args import seed_list
    from sim.engine.rules import Rules
    from sim.experiments.runner import Runner, make_task, metric, paired_ci
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--new", default="lock+learned+surf")
    from bots.movements.surf import BEFORE_DISTANCE_CONTROL, BEFORE_ENSEMBLE_AND_PATHS
    ap.add_argument("--old", default=f"lock+learned+surf:close_weight=0,gate_distance=0,{BEFORE_DISTANCE_CONTROL},"
                                     f"{BEFORE_ENSEMBLE_AND_PATHS}")
    ap.add_argument("--seeds", default="101..110")
    ap.add_argument("--rounds", type=int, default=35)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--enemies", default=",".join(SAMPLES))
    ap.add_argument("--old-tree", default=None, help="play --old with the code in this directory")
    a = ap.parse_args(argv)
    seeds = seed_list(a.seeds, 10_000, "battle")
    enemies = a.enemies.split(",")
    rules = Rules(rounds=a.rounds)
    n = len(seeds)
    bots = (a.new,) if a.old_tree else (a.new, a.old)
    tasks = [make_task([bot, en], (), rules, s) for en in enemies for bot in bots for s in seeds]
    with Runner(jobs=a.jobs) as run:
        res = run.run(tasks)
    new = [[(metric(r, "score_share", 0), metric(r, "enemy_hit_rate", 0)) for r in res[(len(bots) * k) * n:
                                                                                       (len(bots) * k + 1) * n]]
           for k in range(len(enemies))]
    if a.old_tree:
        flat = _play_in_tree(a.old_tree, a.old, enemies, list(seeds), a.rounds, a.jobs)
        old = [flat[k * n:(k + 1) * n] for k in range(len(enemies))]
    else:
        old = [[(metric(r, "score_share", 0), metric(r, "enemy_hit_rate", 0)) for r in res[(2 * k + 1) * n:
                                                                                           (2 * k + 2) * n]]
               for k in range(len(enemies))]
    where = f" (code of {a.old_tree})" if a.old_tree else ""
    print(f"new = {a.new}\nold = {a.old}{where}\n{a.rounds} rounds, seeds {a.seeds}, paired new - old, 95% CI")
    print(f"{'enemy':20s} {'share new':>9s} {'share old':>9s} {'diff [95% CI]':>24s}   {'hit% new':>8s} "
          f"{'hit% old':>8s} {'diff [95% CI]':>24s}")
    for k, en in enumerate(enemies):
        sn = [r[0] for r in new[k]]
        so = [r[0] for r in old[k]]
        hn = [100.0 * r[1] for r in new[k]]
        ho = [100.0 * r[1] for r in old[k]]
        ds = paired_ci(sn, so)
        dh = paired_ci(hn, ho)
        print(f"{en:20s} {ds['mean_a']:9.2f} {ds['mean_b']:9.2f} {ds['mean']:+7.2f} [{ds['low']:+6.2f}, {ds['high']:+6.2f}]"
              f"   {dh['mean_a']:8.2f} {dh['mean_b']:8.2f} {dh['mean']:+7.2f} [{dh['low']:+6.2f}, {dh['high']:+6.2f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
