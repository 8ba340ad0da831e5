"""Speed of this checkout against another commit, measured in the same run.

A refactor must not slow battles down, and this machine's speed drifts by tens of percent between runs, so
both sides are measured here, taking turns: the other commit is checked out into a temporary git worktree,
and for each matchup each side plays `--repeat` battles in a fresh process of its own (after a warm-up
battle, so compiling is not timed), alternating sides `--rounds-of-turns` times. Reported per side: the best
CPU time of a battle (process time: less sensitive to other load than wall time) and turns per second; the
ratio is this checkout's speed over the other's (> 1: faster).

    python benchmarks/compare_commits.py [--rev HEAD~1] [--repeat 3] [--turns 3] [--json]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MATCHUPS = [("sample.Walls", "sample.SpinBot"), ("lock+circular+orbit", "lock+circular+orbit"),
            ("lock+learned+surf", "lock+learned+surf")]
CHILD = """
import json, sys, time
from sim.engine.battle import run_battle
from sim.engine.rules import Rules
a, b, rounds, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
run_battle([a, b], Rules(rounds=1), seed=999)
out = []
for seed in range(repeat):
    c0 = time.process_time()
    r = run_battle([a, b], Rules(rounds=rounds), seed=seed)
    out.append([time.process_time() - c0, r.wall_time, int(r.total_turns)])
print(json.dumps(out))
"""


def _play(checkout, a, b, rounds, repeat):
    env = dict(os.environ, PYTHONPATH=str(checkout), GFSIM_PARALLEL_COMPILE="1")
    out = subprocess.run([sys.executable, "-c", CHILD, a, b, str(rounds), str(repeat)], cwd=checkout, env=env,
                         capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        raise SystemExit(f"compare_commits: {checkout}: battle {a} vs {b} failed: "
                         f"{(out.stderr.strip().splitlines() or ['?'])[-1]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rev", default="HEAD~1", help="the commit to compare with (default HEAD~1)")
    ap.add_argument("--rounds", type=int, default=35, help="rounds per battle (default 35)")
    ap.add_argument("--repeat", type=int, default=3, help="battles per process (default 3)")
    ap.add_argument("--turns", type=int, default=3, help="times each side takes its turn (default 3)")
    ap.add_argument("--bots", nargs=2, action="append", metavar=("A", "B"),
                    help="a matchup to time instead of the default three (repeat for several)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gfsim-compare-") as tmp:
        other = Path(tmp) / "other"
        made = subprocess.run(["git", "worktree", "add", "--detach", str(other), args.rev], cwd=ROOT,
                              capture_output=True, text=True)
        if made.returncode != 0:
            raise SystemExit(f"compare_commits: cannot check out {args.rev}: {made.stderr.strip()}")
        try:
            rows = []
            for a, b in (args.bots or MATCHUPS):
                best = {"this": None, "other": None}
                for _ in range(args.turns):
                    for side, checkout in (("other", other), ("this", ROOT)):
                        for cpu, wall, turns in _play(checkout, a, b, args.rounds, args.repeat):
                            if best[side] is None or cpu < best[side][0]:
                                best[side] = (cpu, wall, turns)
                row = dict(bots=[a, b], **{f"{side}_cpu_seconds": v[0] for side, v in best.items()},
                           **{f"{side}_turns_per_cpu_second": v[2] / v[0] for side, v in best.items()})
                row["speed_ratio"] = row["this_turns_per_cpu_second"] / row["other_turns_per_cpu_second"]
                rows.append(row)
                if not args.json:
                    print(f"{a} vs {b}: this {row['this_turns_per_cpu_second']:,.0f} turns/CPU-s, "
                          f"{args.rev} {row['other_turns_per_cpu_second']:,.0f}: ratio {row['speed_ratio']:.3f}",
                          flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, capture_output=True)
    if args.json:
        print(json.dumps({"rev": args.rev, "rounds": args.rounds, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
