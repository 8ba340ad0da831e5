"""Play-it-forward runs against the Bayes-limit oracle, per battle (issue 17).

    python benchmarks/play_forward_vs_oracle.py ORACLE.json RUN.json [RUN.json ...] [--baseline RUN.json]

ORACLE.json: `gfsim oracle ... --json`; RUN.json: `benchmarks/play_forward.py MOVEMENT --json` (any movement and
seeds the oracle holds). Per run: hit %, "% of oracle" = per battle hit / the oracle of the same seed, then the mean
± 95% Student-t interval over the battles; with --baseline (a run of the same movement and seeds, e.g. the default
hazard) the paired per-battle difference of both, in hit points and in % of oracle.
"""
import argparse
import sys

MAX_REPORT_BYTES = 64 << 20      # an oracle report or a probe run: well under 1 MB


def _load(path, what, kind="report (gfsim oracle or play_forward.py --json)"):
    """The JSON of `path` (sim.io.jsonfile: bounded, strict UTF-8 JSON, one-line errors naming `what` and the
    `kind` of file expected)."""
    from sim.cli.errors import UsageError
    from sim.io.jsonfile import read_json

    def error(msg):
        return UsageError(f"{what} {msg}")
    return read_json(path, MAX_REPORT_BYTES, kind, error)


def oracle_by_seed(oracle, where="the oracle"):
    """{(movement, seed): oracle hit %} of a `gfsim oracle --json` report (which holds fractions); a report of
    another shape is a one-line UsageError naming `where`."""
    from sim.cli.errors import UsageError
    bad = UsageError(f"{where}: not a gfsim oracle --json report")
    if not (isinstance(oracle, dict) and isinstance(oracle.get("movements"), list)):
        raise bad
    out = {}
    for m in oracle["movements"]:
        if not (isinstance(m, dict) and isinstance(m.get("name"), str) and isinstance(m.get("seasons"), list)):
            raise bad
        for s in m["seasons"]:
            if not (isinstance(s, dict) and type(s.get("seed")) is int and type(s.get("oracle")) is float
                    and 0.0 < s["oracle"] <= 1.0):
                raise bad
            out[(m["name"], s["seed"])] = 100.0 * s["oracle"]
    return out


def compare(oracle, run, baseline=None):
    """The figures of one run: dict(movement, seeds, hit, pct, and with a baseline d_hit, d_pct)."""
    from sim.cli.errors import UsageError
    from sim.experiments.challenge import mean_ci
    from sim.experiments.runner import paired_ci
    by = oracle_by_seed(oracle)
    seeds = [int(s["seed"]) for s in run["seasons"]]
    missing = [s for s in seeds if (run["movement"], s) not in by]
    if missing:
        raise UsageError(f"the oracle has no {run['movement']!r} seed {missing[0]}")
    hit = [100.0 * s["hit"] for s in run["seasons"]]
    pct = [100.0 * h / by[(run["movement"], s)] for h, s in zip(hit, seeds)]
    out = dict(movement=run["movement"], seeds=seeds, hit=mean_ci(hit), pct=mean_ci(pct),
               oracle=mean_ci([by[(run["movement"], s)] for s in seeds]))
    if baseline is not None:
        if baseline["movement"] != run["movement"] or [int(s["seed"]) for s in baseline["seasons"]] != seeds:
            raise UsageError(f"--baseline is not the same movement and seeds as the {run['movement']!r} run")
        b_hit = [100.0 * s["hit"] for s in baseline["seasons"]]
        out["d_hit"] = paired_ci(hit, b_hit)
        out["d_pct"] = paired_ci(pct, [100.0 * h / by[(run["movement"], s)] for h, s in zip(b_hit, seeds)])
    return out


def main(argv=None):
    from sim.cli.errors import OneLineParser, run_command
    from sim.cli.output import json_text

    def run(argv):
        p = OneLineParser(prog="play_forward_vs_oracle.py", description=__doc__.split("\n\n")[0],
                          formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
        p.add_argument("oracle", help="gfsim oracle --json output")
        p.add_argument("runs", nargs="+", help="play_forward.py --json outputs")
        p.add_argument("--baseline", action="append", default=[],
                       help="a run to pair with the run of the same movement (repeat for several movements)")
        p.add_argument("--json", action="store_true")
        a = p.parse_args(argv)
        oracle = _load(a.oracle, "oracle")
        oracle_by_seed(oracle, a.oracle)             # its shape, checked before a run is read
        bases = {}
        for path in a.baseline:
            b = _load(path, "--baseline")
            bases[b["movement"]] = b
        rows = [compare(oracle, r, bases.get(r["movement"])) for r in (_load(x, "run") for x in a.runs)]
        if a.json:
            sys.stdout.write(json_text(rows))
            return 0
        for r in rows:
            line = (f"{r['movement']} seeds {r['seeds'][0]}..{r['seeds'][-1]}: oracle {r['oracle']['mean']:.1f} ± "
                    f"{r['oracle']['half']:.1f}, hit {r['hit']['mean']:.1f} ± {r['hit']['half']:.1f}, "
                    f"{r['pct']['mean']:.1f} ± {r['pct']['half']:.1f}% of oracle")
            if "d_hit" in r:
                line += (f"; − baseline {r['d_hit']['mean']:+.1f} ± {r['d_hit']['half']:.1f} points "
                         f"({r['d_pct']['mean']:+.1f} ± {r['d_pct']['half']:.1f}% of oracle)")
            print(line)
        return 0
    return run_command("play_forward_vs_oracle.py", run, list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
