"""The full default targeting + movement challenge, with its CSV and plot kept under benchmarks/results/.

Every default gun (headon, linear, circular, gf, knn, learned) fires power-3
bullets standing still at every default reference movement (the sample robots,
random orbit with and without random speeds, stop-and-go with and without
random reversals, the wave surfer), 35 rounds x 10 seeds per pair, battles
spread over all CPUs. Prints the
`gfsim challenge` tables, then the number of battles, turns and the wall time.
Any `gfsim challenge` option may be added (see `gfsim challenge --help`), e.g.

    python benchmarks/challenge.py                         # both modes, defaults
    python benchmarks/challenge.py --csv out.csv --plot out.png --seasons 20
    python benchmarks/challenge.py targeting --guns headon,linear,circular
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)   # this checkout's sim/ and bots/, not whichever one is installed

from sim.experiments import challenge  # noqa: E402

RESULTS = os.path.join(ROOT, "benchmarks", "results")


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    os.makedirs(RESULTS, exist_ok=True)
    defaults = dict(csv=os.path.join(RESULTS, "challenge.csv"), plot=os.path.join(RESULTS, "challenge.png"))
    return challenge.main(argv, prog="benchmarks/challenge.py", defaults=defaults)


if __name__ == "__main__":
    sys.exit(main())
