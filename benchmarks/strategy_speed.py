"""Strategy speed: how long 35-round battles of the learning guns and the wave surfer take on one core.

The product's target: a 35-round battle of learned gun + surfer against learned
gun + surfer finishes in under 2 seconds on one core. Prints, for each matchup,
the wall time per battle (best and median of --repeat seeds, after a warm-up
battle so that compilation is not counted), turns per second, and the verdict
for the target matchup; the classic circular + orbit pair is the reference.

    python benchmarks/strategy_speed.py [--rounds 35] [--repeat 3] [--json]
"""
import argparse
import json
import statistics
import sys

from bots.registry import parse_bot, BotSpecError
from sim.engine.battle import run_battle
from sim.engine.rules import Rules

TARGET = ("lock+learned+surf", "lock+learned+surf")
TARGET_SECONDS = 2.0
MATCHUPS = [
    ("lock+circular+orbit", "lock+circular+orbit"),
    ("lock+gf+orbit", "lock+circular+orbit"),
    ("lock+knn+orbit", "lock+circular+orbit"),
    ("lock+learned+orbit", "lock+circular+orbit"),
    ("lock+virtual+orbit", "lock+circular+orbit"),
    ("lock+circular+surf", "lock+circular+orbit"),
    TARGET,
]


def time_matchup(a, b, rounds, repeat):
    run_battle([a, b], Rules(rounds=1), seed=999)          # compile / load from cache, fill caches
    walls, turns = [], []
    for seed in range(repeat):
        r = run_battle([a, b], Rules(rounds=rounds), seed=seed)
        walls.append(r.wall_time)
        turns.append(r.total_turns)
    return dict(bots=[a, b], rounds=rounds, best_seconds=min(walls), median_seconds=statistics.median(walls),
                turns=turns, turns_per_s=sum(turns) / sum(walls))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=35)
    ap.add_argument("--repeat", type=int, default=3, help="seeds timed per matchup (default 3)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    out = []
    for a, b in MATCHUPS:
        try:
            parse_bot(a), parse_bot(b)
        except BotSpecError as e:
            print(f"skipping {a} vs {b}: {e}", file=sys.stderr)
            continue
        res = time_matchup(a, b, args.rounds, args.repeat)
        res["target"] = (a, b) == TARGET
        out.append(res)
        if not args.json:
            verdict = ""
            if res["target"]:
                verdict = ("  target < %.0f s: %s" % (TARGET_SECONDS, "met" if res["median_seconds"] < TARGET_SECONDS
                                                      else "NOT met"))
            print(f"{a} vs {b}: {res['median_seconds']:.3f} s per {args.rounds}-round battle (best "
                  f"{res['best_seconds']:.3f} s), {res['turns_per_s']:,.0f} turns/s{verdict}")
    if args.json:
        json.dump(out, sys.stdout, indent=1)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
