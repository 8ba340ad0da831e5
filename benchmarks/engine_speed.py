"""Engine speed: gfsim turns/s against real Robocode on the same matchup, measured in one run.

Prints, for each fixed matchup, gfsim's turns per second on one core (best of
--repeat runs after a warm-up; by wall time and by CPU time), and for sample
matchups real Robocode's turns/s on the same battle and the ratio, in
--launches rounds of measurement. Each round times gfsim again (best of
--repeat) and then launches Robocode once in each of two set-ups: as it runs
by default (its robot threads free to use every CPU) and pinned to one CPU
(what gfsim's single-threaded loop has); Robocode is timed inside the JVM by
the control-API runner, best of 3 battles per launch, so JVM start-up and
warm-up are left out. Robocode's robot threads hand over to the battle thread
every turn, so its speed is set by how fast the OS wakes them and varies
several-fold from launch to launch on a shared VM: the ratio is median over
median, with every launch, the slowest and fastest, and the lowest and
highest single-round ratio reported beside it.

Also measures the start-up of `gfsim battle` with a warm numba cache and a
cold compile (empty cache dir) for a battle of each compiled tier (sample
robots, classic parts, learning parts, heavy parts: bots.registry.TIER_NAMES).

    python benchmarks/engine_speed.py [--rounds 35] [--repeat 5] [--launches 3] [--json] [--no-robocode]
                                      [--no-startup]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# measure the checkout this file is in (a worktree's, not the one an editable install points at)
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.engine.battle import run_battle, warm_up  # noqa: E402
from sim.engine.rules import Rules  # noqa: E402
from sim.cli.args import positive_int  # noqa: E402

MATCHUPS = [
    ("sample.Walls", "sample.SpinBot"),
    ("lock+circular+orbit", "lock+circular+orbit"),
]
TARGET_RATIO = 250.0
TARGET_TURNS_PER_S = 2_000_000


def time_gfsim(a, b, rounds, seed, repeat):
    """Best turns/s over `repeat` battles (seeds seed, seed + 1, ...): wall time of the compiled call, and
    the process's CPU time around run_battle (glue included), which a busy shared machine disturbs less."""
    best = best_cpu = None
    turns = 0
    for k in range(repeat):
        c0 = time.process_time()
        res = run_battle([a, b], Rules(rounds=rounds), seed=seed + k)
        cpu = time.process_time() - c0
        rate = res.total_turns / res.wall_time
        if best is None or rate > best:
            best, turns = rate, res.total_turns
        if cpu > 0 and (best_cpu is None or res.total_turns / cpu > best_cpu):
            best_cpu = res.total_turns / cpu
    return best, turns, best_cpu


def time_robocode(a, b, rounds, seed, one_core=False):
    """One JVM launch of real Robocode: its best turns/s of 3 battles (timed inside the JVM). one_core: the
    JVM pinned to one CPU, the resources gfsim's single-threaded loop has (Robocode's robot threads
    otherwise spread over all)."""
    from sim.io import robocode as robocode_real
    allowed = os.sched_getaffinity(0)
    if one_core:
        os.sched_setaffinity(0, {min(allowed)})   # the java child inherits it
    try:
        real = robocode_real.run_real_battle([a, b], rounds=rounds, seed=seed, runner="api", repeat=3)
    finally:
        os.sched_setaffinity(0, allowed)
    inner = min(real.repeat_battle_seconds) if real.repeat_battle_seconds else real.battle_seconds
    return dict(turns=real.total_turns, battle_seconds=inner, wall_seconds=real.wall_seconds,
                turns_per_s=real.total_turns / inner if inner else None, cpus=1 if one_core else len(allowed))


ROBOCODE_SETUPS = (("robocode", False), ("robocode_one_core", True))


def compare_with_robocode(a, b, rounds, seed, launches, repeat):
    """gfsim against real Robocode in `launches` rounds of measurement. Each round times gfsim (best of
    `repeat` battles) and then Robocode in each set-up (a JVM launch each: as it runs by default, and pinned
    to one CPU), so that all three see the same spell of a busy machine. Reports per set-up every launch,
    the median launch, the slowest and the fastest; the ratio is the median of gfsim's rounds over the
    median of Robocode's launches (the same statistic on both sides), with the lowest and highest ratio of
    a single round beside it. None without Robocode."""
    from sim.io import robocode as robocode_real
    if not robocode_real.robocode_available():
        return None
    gfsim_runs = []
    runs = {key: [] for key, _ in ROBOCODE_SETUPS}
    for _ in range(launches):
        gfsim_runs.append(time_gfsim(a, b, rounds, seed, repeat)[0])
        for key, one_core in ROBOCODE_SETUPS:
            runs[key].append(time_robocode(a, b, rounds, seed, one_core))
    gfsim_median = statistics.median(gfsim_runs)
    out = dict(gfsim_rounds_turns_per_s=gfsim_runs, gfsim_median_turns_per_s=gfsim_median)
    for key, _ in ROBOCODE_SETUPS:
        rates = [r["turns_per_s"] for r in runs[key]]
        ratios = [g / r for g, r in zip(gfsim_runs, rates)]
        out[key] = dict(turns=runs[key][0]["turns"], cpus=runs[key][0]["cpus"], launches=runs[key],
                        turns_per_s=statistics.median(rates), slowest=min(rates), fastest=max(rates),
                        ratio=gfsim_median / statistics.median(rates), lowest_ratio=min(ratios),
                        highest_ratio=max(ratios))
    return out


# one battle per compiled turn loop (bots.registry.TIER_NAMES): a cold start compiles only its own tier
STARTUP_BATTLES = (("samples", "sample.SittingDuck", "sample.SittingDuck"),
                   ("classic", "lock+circular+orbit", "lock+linear+stopgo"),
                   ("learning", "lock+learned+surf", "lock+gf+orbit"),
                   ("heavy", "lock+forecast+still", "lock+none+orbit"))


def time_startup():
    """Seconds for `gfsim battle` on 1 round, per tier: with a warm cache, and with an empty numba cache
    (a cold compile of that tier's turn loop and bots, as a new user's first battle of that kind)."""
    out = {}
    for tier, a, b in STARTUP_BATTLES:
        cmd = [sys.executable, "-m", "sim.cli", "battle", a, b, "--rounds", "1", "--json", "--no-progress"]
        with tempfile.TemporaryDirectory() as cold_dir:
            for label, env in (("cold", dict(os.environ, NUMBA_CACHE_DIR=cold_dir)), ("cached", dict(os.environ))):
                if label == "cached":
                    subprocess.run(cmd, env=env, capture_output=True, check=True, cwd=ROOT)  # warm the cache
                t0 = time.perf_counter()
                subprocess.run(cmd, env=env, capture_output=True, check=True, cwd=ROOT)
                out.setdefault(tier, {})[label] = time.perf_counter() - t0
        out[tier]["bots"] = [a, b]
    return out


def time_plugin_startup():
    """Seconds for a plug-in's first `gfsim battle` (1 round) on top of a warm cache: a fresh copy of
    examples/gf_gun.py (new content, so its hooks compile; the classic turn loop comes from the cache), and
    its second battle (everything cached)."""
    src = (ROOT / "examples" / "gf_gun.py").read_text() + f"\n# a fresh copy: {time.time_ns()}\n"
    out = {}
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "gf_gun_copy.py"
        path.write_text(src)
        base = [sys.executable, "-m", "sim.cli", "battle", "--rounds", "1", "--json", "--no-progress"]
        subprocess.run(base + ["lock+circular+orbit", "sample.Walls"], capture_output=True, check=True, cwd=ROOT)
        for label in ("first", "cached"):
            t0 = time.perf_counter()
            subprocess.run(base + ["lock+mygf+orbit", "sample.Walls", "--parts", str(path)], capture_output=True,
                           check=True, cwd=ROOT)
            out[label] = time.perf_counter() - t0
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=35)
    ap.add_argument("--repeat", type=int, default=5, help="gfsim runs per matchup (best is reported)")
    ap.add_argument("--launches", type=positive_int, default=3,
                    help="JVM launches of real Robocode per set-up (its speed varies from launch to launch)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-robocode", action="store_true", help="skip real Robocode")
    ap.add_argument("--no-startup", action="store_true", help="skip the start-up / compile measurement")
    args = ap.parse_args(argv)
    for a, b in MATCHUPS:
        warm_up([a, b])
    report = {"matchups": []}
    for a, b in MATCHUPS:
        rate, turns, cpu_rate = time_gfsim(a, b, args.rounds, args.seed, args.repeat)
        row = dict(bots=[a, b], rounds=args.rounds, gfsim_turns=turns, gfsim_turns_per_s=rate,
                   gfsim_cpu_turns_per_s=cpu_rate)
        if a.startswith("sample.") and b.startswith("sample.") and not args.no_robocode:
            real = compare_with_robocode(a, b, args.rounds, args.seed, args.launches, args.repeat)
            if real:
                row.update(real)
                row["ratio"] = real["robocode"]["ratio"]
        report["matchups"].append(row)
        if not args.json:
            target = f"; target {TARGET_TURNS_PER_S:,}" if a.startswith("sample.") else ""
            line = (f"{a} vs {b}: gfsim {rate:,.0f} turns/s (by CPU time {cpu_rate:,.0f}{target}) "
                    f"({turns} turns, {args.rounds} rounds)")
            print(line)
            if "gfsim_rounds_turns_per_s" in row:
                print(f"  gfsim in the {args.launches} rounds with Robocode: median "
                      f"{row['gfsim_median_turns_per_s']:,.0f} turns/s "
                      f"({', '.join(f'{g:,.0f}' for g in row['gfsim_rounds_turns_per_s'])})")
            for key, one_core in ROBOCODE_SETUPS:
                if key in row:
                    r = row[key]
                    where = "pinned to one CPU" if one_core else f"as it runs by default ({r['cpus']} CPUs)"
                    print(f"  real Robocode {where}: median {r['turns_per_s']:,.0f} turns/s of {len(r['launches'])} "
                          f"JVM launches (slowest {r['slowest']:,.0f}, fastest {r['fastest']:,.0f}) -> gfsim is "
                          f"{r['ratio']:,.0f}x (single rounds {r['lowest_ratio']:,.0f}x-{r['highest_ratio']:,.0f}x; "
                          f"target {TARGET_RATIO:.0f}x)")
    if not args.no_startup:
        report["startup"] = time_startup()
        report["plugin_startup"] = time_plugin_startup()
        if not args.json:
            for tier, s in report["startup"].items():
                print(f"gfsim battle start-up, {tier} tier ({' vs '.join(s['bots'])}): cached {s['cached']:.2f} s "
                      f"(target < 2 s), cold compile {s['cold']:.1f} s (target <= 30 s on 2 cores)")
            p = report["plugin_startup"]
            print(f"plug-in examples/gf_gun.py (fresh copy) on a warm cache: first battle {p['first']:.1f} s "
                  f"(target <= 20 s), then {p['cached']:.2f} s")
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
