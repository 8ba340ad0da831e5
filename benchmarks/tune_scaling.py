"""Battles per second of the tune/tournament runner: 1 and 2 local worker processes, and a Dask LocalCluster of
2 worker processes; efficiency = speed-up over 1 worker / workers (1.0 = linear).

The same battles in every set-up (BOT vs OPPONENT, --rounds rounds, one per seed), no battle cache. Each set-up
is timed from the moment its workers are ready (compiled code loaded), so start-up is reported apart. On a
machine shared with other work, the efficiency says as much about the load as about gfsim: run it alone.

    python benchmarks/tune_scaling.py [--battles 16] [--rounds 10] [--bot SPEC] [--opponent SPEC] [--json]
"""
import argparse
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)   # this checkout's sim/ and bots/, not whichever one is installed

from sim.experiments import runner as R  # noqa: E402
from sim.engine.rules import Rules  # noqa: E402


def _warm(spec):
    from sim.engine.battle import warm_up
    warm_up([spec])
    return True


def timed_local(tasks, jobs):
    with R.Runner(jobs=jobs) as runner:
        t0 = time.perf_counter()
        runner.run(tasks[:2])               # compile / load, fork the pool and start every worker
        ready = time.perf_counter() - t0
        t0 = time.perf_counter()
        timed = tasks[2:]
        runner.run(timed)
        return ready, time.perf_counter() - t0, len(timed)


def timed_dask(tasks, workers):
    from dask.distributed import LocalCluster, Client
    t0 = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.run(_warm, tasks[0][0][0])
        with R.Runner(scheduler=cluster.scheduler_address) as runner:
            runner.run(tasks[:2])
            ready = time.perf_counter() - t0
            t0 = time.perf_counter()
            timed = tasks[2:]
            runner.run(timed)
            return ready, time.perf_counter() - t0, len(timed)


def main(argv=None):
    p = argparse.ArgumentParser(prog="benchmarks/tune_scaling.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--battles", type=int, default=16, help="battles timed per set-up (default 16)")
    p.add_argument("--rounds", type=int, default=10, help="rounds per battle (default 10)")
    p.add_argument("--bot", default="lock+knn:power=3,energy_rule=0+still")
    p.add_argument("--opponent", default="lock+none+orbit")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    tasks = [R.make_task((a.bot, a.opponent), (), Rules(rounds=a.rounds), s) for s in range(a.battles + 2)]
    rows = []
    for label, workers, fn in (("local, 1 worker", 1, lambda: timed_local(tasks, 1)),
                               ("local, 2 workers", 2, lambda: timed_local(tasks, 2)),
                               ("dask LocalCluster, 2 workers", 2, lambda: timed_dask(tasks, 2))):
        ready, secs, n = fn()
        rows.append(dict(setup=label, workers=workers, battles=n, seconds=secs, start_up=ready,
                         battles_per_s=n / secs))
        print(f"  {label}: {n} battles in {secs:.2f} s ({n / secs:.2f} battles/s; start-up {ready:.1f} s)",
              file=sys.stderr)
    base = rows[0]["battles_per_s"]
    for r in rows:
        r["speedup"] = r["battles_per_s"] / base
        r["efficiency"] = r["speedup"] / r["workers"]
    if a.json:
        print(json.dumps(dict(bot=a.bot, opponent=a.opponent, rounds=a.rounds, cpus=R.default_jobs(),
                              load=os.getloadavg(), rows=rows), indent=2))
        return 0
    print(f"{a.bot} vs {a.opponent}, {a.rounds} rounds per battle; {R.default_jobs()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'set-up':<30} {'battles/s':>10} {'speed-up':>9} {'efficiency':>11}")
    for r in rows:
        print(f"{r['setup']:<30} {r['battles_per_s']:>10.2f} {r['speedup']:>9.2f} {r['efficiency']:>11.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
