"""Record real Robocode's results for sample matchups (tests/golden/outcomes.json).

Usage: python tests/robocode/record_outcomes.py [--rounds 100] [--seed 1]
The outcome test compares gfsim's results table for the same matchups with these.
"""
import argparse
import json
import os
import sys
import tempfile

from sim.io import robocode as robocode_real

PAIRS = [("sample.Walls", "sample.SpinBot"), ("sample.Tracker", "sample.Fire"),
         ("sample.TrackFire", "sample.Crazy"), ("sample.RamFire", "sample.Corners")]
OUT = os.path.join(os.path.dirname(__file__), "..", "golden", "outcomes.json")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    rows = []
    for a, b in PAIRS:
        real = robocode_real.run_real_battle([a, b], rounds=args.rounds, seed=args.seed, runner="api")
        rows.append(dict(robots=[a, b], rounds=args.rounds, seed=args.seed, total_turns=real.total_turns,
                         results=[r.__dict__ for r in real.results]))
        print(a, b, [(r.name, r.total, r.bullet_dmg, r.firsts) for r in real.results], file=sys.stderr)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(OUT), suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(dict(robocode="1.9.3.9", matchups=rows), f, indent=1)
    os.replace(tmp, OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
