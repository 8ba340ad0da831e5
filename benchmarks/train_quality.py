"""Quality of the trained gun model against the baselines on a real collected dataset.

Collects (once, if DATA does not exist) a dataset with `gfsim collect`, then runs
`gfsim train` in a few configurations and prints the held-out (validation)
loss in nats and bits, KL, expected hit rate and fire hit rate of each,
next to the baselines (uniform, head-on, visit-count histogram, plain k-NN).

    python benchmarks/train_quality.py                      # default matchup, 35 rounds x seeds 1..4
    python benchmarks/train_quality.py --data /tmp/x.npz --epochs 4 --json
"""
import argparse
import json
import os
import sys
import tempfile

DEFAULT_BOTS = ("lock+circular+orbit", "lock+headon+orbit")
CONFIGS = {
    "power+lbfgs": [],
    "linear+lbfgs": ["--embedding", "linear"],
    "power+adam": ["--optimizer", "adam", "--lr", "0.02"],
    "power+lbfgs real-only": ["--real-only"],
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "gfsim-train-quality.npz"))
    p.add_argument("--bots", nargs=2, default=DEFAULT_BOTS)
    p.add_argument("--rounds", type=int, default=35)
    p.add_argument("--seeds", default="1..4")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated subset of " + ",".join(CONFIGS))
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if not os.path.exists(args.data):
        from sim.experiments.collect import main as collect_main
        code = collect_main([*args.bots, "--rounds", str(args.rounds), "--seeds", args.seeds, "--out", args.data])
        if code:
            return code
    from learning.train import main as train_main
    import contextlib
    import io
    results = {}
    for name in args.configs.split(","):
        out = os.path.join(tempfile.gettempdir(), f"gfsim-train-quality-{name.replace(' ', '_')}.json")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            code = train_main([args.data, "--out", out, "--epochs", str(args.epochs), "--json", "--no-progress",
                               *CONFIGS[name]])
        if code:
            return code
        results[name] = json.loads(buf.getvalue())
    if args.json:
        json.dump({k: {"final": v["final"], "baselines": v["baselines"], "seconds": v["seconds"],
                       "queries": v["queries"]} for k, v in results.items()}, sys.stdout, indent=2)
        print()
        return 0
    first = next(iter(results.values()))
    print(f"{args.data}: {' vs '.join(first['bots'])}; train battles {first['battles']['train']}, "
          f"validation battles {first['battles']['val']}")
    hdr = f"{'':<26}{'loss nats':>10}{'bits':>9}{'KL':>8}{'hit':>8}{'fire':>8}"
    for name, s in results.items():
        print(f"\n{name} ({s['queries']['val']} validation queries, {s['seconds']:.0f} s)")
        print(hdr)
        rows = [("model", s["final"]["val"])] + list(s["baselines"]["val"].items())
        for label, r in rows:
            print(f"  {label:<24}{r['loss_nats']:>10.4f}{r['loss_bits']:>9.4f}{r['kl_nats']:>8.4f}"
                  f"{r['expected_hit_rate']:>8.4f}{r['fire_hit_rate']:>8.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
