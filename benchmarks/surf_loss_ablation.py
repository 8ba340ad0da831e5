"""Loss ablation for the surfer's danger model: the same ensemble with its weights fitted by each loss.

The surfer's danger density is a mixture of estimators (the learned hit densities, simulated head-on, linear and
circular guns, a rotation-frame density; bots/movements/surf.py, "the danger ensemble") whose weights are
prior x exp(-(decayed sum of each estimator's loss over the enemy bullets seen)): an online fit of the mixture
weights by that loss. `surf:est_loss=K` swaps the loss and nothing else (surf.bullet_score):

* beepboop-box (0, the default): -log of the mass in a box of our width around the bullet's guess factor
* beepboop-gaussian / beepboop-laplace (1, 2): the same likelihood with a smooth kernel of the box's area
* bin-ce (3): cross-entropy of the 51-bin grid's bin holding the bullet's guess factor
* squared (4): squared error of the density's mean guess factor (as a Gaussian likelihood of sd our half-width)
* hit-likelihood (5): -log P(a bullet at the density's most dangerous guess factor would have hit us)

Measured as the enemy's hit rate against it, on seeds no surfer parameter was tuned on:

1. `gfsim challenge movement`: the challenge's power-3 shooters (default gf, knn, learned: the guns that
   learn; head-on, linear and circular barely hit the surfer) against `surf:est_loss=K`, paired per season
   against the default loss.
2. The sample robots against `lock+learned+surf:est_loss=K`: each sample's hit rate per season, paired the
   same way.

Writes the "ablation-surfer" section of docs/learning.md (--doc; `--doc ''` writes nothing) and prints it, or
JSON with --json.

    PYTHONPATH=$PWD python benchmarks/surf_loss_ablation.py [--seeds 101..110] [--jobs 2] [--json]
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from learning_doc import write_section  # noqa: E402

LOSSES = ("beepboop-box", "beepboop-gaussian", "beepboop-laplace", "bin-ce", "squared", "hit-likelihood")
REFERENCE = LOSSES[0]
SAMPLES = ("sample.Walls", "sample.SpinBot", "sample.Crazy", "sample.Fire", "sample.Tracker", "sample.TrackFire",
           "sample.VelociRobot", "sample.Corners")


def mover(k):
    return "surf" if k == 0 else f"surf:est_loss={k}"


def challenge_part(args, ks, log):
    """The movement challenge: {gun: {loss: {hit, half, diff, diff_half}}} (hit rates as fractions)."""
    movers = [mover(k) for k in ks]
    cmd = [sys.executable, "-m", "sim.cli", "challenge", "movement", "--guns", args.guns, "--movements",
           ",".join(movers), "--baseline", mover(0), "--seeds", args.seeds, "--rounds", str(args.rounds), "--json",
           "--no-progress", "--jobs", str(args.jobs)]
    log("challenge: " + " ".join(cmd[3:]))
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"surf_loss_ablation: the challenge failed: {out.stderr.strip().splitlines()[-1:]}")
    d = json.loads(out.stdout)
    name = {mover(k): LOSSES[k] for k in ks}
    table = {}
    for pair in d["movement"]["pairs"]:
        table.setdefault(pair["gun"], {})[name[pair["movement"]]] = {
            "hit": pair["hit_rate"], "half": pair["hit_rate_ci_half"], "shots": pair["shots"], "hits": pair["hits"]}
    for row in d["paired"]["rows"]:
        if row["gun"] in table and row["movement"] in name:
            table[row["gun"]][name[row["movement"]]].update(diff=row["hit_rate"]["mean"],
                                                            diff_half=row["hit_rate"]["half"])
    log(f"challenge: {d['battles']} battles in {time.perf_counter() - t0:.0f} s")
    return {"battles": d["battles"], "guns": table}


def samples_part(args, ks, seeds, log):
    """The sample robots against lock+learned+surf:est_loss=K: {sample: {loss: {hit, half, diff, diff_half}}}."""
    from sim.engine.rules import Rules
    from sim.experiments.challenge import mean_ci
    from sim.experiments.runner import Runner, make_task, metric, paired_ci
    rules = Rules(rounds=args.rounds)
    enemies = [e for e in args.enemies.split(",") if e]
    bots = [f"lock+learned+{mover(k)}" for k in ks]
    tasks = [make_task([bot, en], (), rules, s) for en in enemies for bot in bots for s in seeds]
    log(f"samples: {len(tasks)} battles")
    t0 = time.perf_counter()
    with Runner(jobs=args.jobs) as run:
        res = run.run(tasks)
    n = len(seeds)
    table = {}
    for i, en in enumerate(enemies):
        rates = {}
        for j, k in enumerate(ks):
            chunk = res[(i * len(ks) + j) * n:(i * len(ks) + j + 1) * n]
            rates[k] = [metric(r, "enemy_hit_rate", 0) for r in chunk]
        cells = {}
        for k in ks:
            ci = mean_ci(rates[k])
            cell = {"hit": ci["mean"], "half": ci["half"]}
            if k != 0:
                d = paired_ci(rates[k], rates[0])
                cell.update(diff=d["mean"], diff_half=d["half"])
            cells[LOSSES[k]] = cell
        table[en] = cells
    log(f"samples: {len(tasks)} battles in {time.perf_counter() - t0:.0f} s")
    return {"battles": len(tasks), "samples": table}


def _table(rows_by_name, names, label):
    head = f"| {label} | " + " | ".join(names) + " |"
    rows = [head, "|---" * (len(names) + 1) + "|"]
    verdicts = {n: ([], []) for n in names[1:]}
    for row, cells in rows_by_name.items():
        out = []
        for n in names:
            c = cells[n]
            text = f"{100 * c['hit']:.2f} ± {100 * c['half']:.2f}"
            if n != REFERENCE and "diff" in c:
                text += f" ({100 * c['diff']:+.2f} ± {100 * c['diff_half']:.2f})"
                if c["diff"] - c["diff_half"] > 0:
                    verdicts[n][0].append(row)
                elif c["diff"] + c["diff_half"] < 0:
                    verdicts[n][1].append(row)
            out.append(text)
        rows.append(f"| {row} | " + " | ".join(out) + " |")
    lines = [f"- {n}: the enemy hits it more than with {REFERENCE} for {', '.join(up) or 'none'}; less for "
             f"{', '.join(down) or 'none'}; tied (the interval includes 0) for the other "
             f"{len(rows_by_name) - len(up) - len(down)}." for n, (up, down) in verdicts.items()]
    return "\n".join(rows), "\n".join(lines)


def markdown(meta):
    names = [LOSSES[k] for k in meta["losses"]]
    ch_table, ch_verdicts = _table(meta["challenge"]["guns"], names, "gun")
    sa_table, sa_verdicts = _table(meta["samples"]["samples"], names, "sample robot")
    return f"""## Loss ablation (the surfer's danger model)

`PYTHONPATH=$PWD python benchmarks/surf_loss_ablation.py --seeds {meta['seeds']} --rounds {meta['rounds']}`: the
surfer's danger ensemble with its weights fitted online by each loss (`surf:est_loss=K`, bots/movements/surf.py
`bullet_score`; the estimators, their densities and everything else unchanged), {meta['rounds']} rounds x seeds
{meta['seeds']} (no surfer parameter was tuned on them). Cells: the enemy's hit % against the surfer (mean over
seasons ± 95% t interval) and, in brackets, the paired per-season difference against {REFERENCE} in points. Lower
is better for the surfer.

The challenge's power-3 shooters against `lock+none+surf:est_loss=K` (`gfsim challenge movement`,
{meta['challenge']['battles']} battles):

{ch_table}

{ch_verdicts}

The sample robots against `lock+learned+surf:est_loss=K` ({meta['samples']['battles']} battles):

{sa_table}

{sa_verdicts}

(No correction for the number of cells compared: a few intervals that exclude 0 are expected by chance alone.)
"""


def main(argv=None):
    from sim.cli.args import seed_list
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="101..110", help="the seasons' seeds (gfsim challenge --seeds)")
    ap.add_argument("--rounds", type=int, default=35, help="rounds per season (default 35)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel battles (default 2)")
    ap.add_argument("--guns", default="gf,knn,learned", help="the challenge's shooters (default gf,knn,learned)")
    ap.add_argument("--enemies", default=",".join(SAMPLES), help="sample robots against lock+learned+surf")
    ap.add_argument("--losses", default=",".join(LOSSES), help="comma-separated subset of " + ",".join(LOSSES))
    ap.add_argument("--doc", default="docs/learning.md", help="page to write the section to ('' = none)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--from-json", metavar="PATH", help="re-render the section from an earlier --json output")
    args = ap.parse_args(argv)
    if args.rounds < 1 or args.jobs < 1:
        ap.error("--rounds and --jobs must be at least 1")
    names = [n.strip() for n in args.losses.split(",") if n.strip()]
    bad = [n for n in names if n not in LOSSES]
    if bad or REFERENCE not in names:
        ap.error(f"--losses: unknown loss {bad[0]!r}" if bad else f"--losses must include {REFERENCE}")
    ks = sorted(LOSSES.index(n) for n in names)
    if args.from_json:
        try:
            with open(args.from_json, encoding="utf-8") as f:
                meta = json.load(f)
        except (OSError, ValueError) as e:
            ap.error(f"--from-json: {e}")
    else:
        try:
            seeds = seed_list(args.seeds, 10_000, "battle")
        except ValueError as e:
            ap.error(str(e))

        def log(msg):
            print(msg, file=sys.stderr, flush=True)
        meta = {"seeds": args.seeds, "rounds": args.rounds, "losses": ks,
                "challenge": challenge_part(args, ks, log), "samples": samples_part(args, ks, seeds, log)}
    try:
        text = markdown(meta)
    except (KeyError, TypeError, IndexError, ValueError):
        ap.error(f"--from-json: {args.from_json} is not this script's --json output")
    if args.doc:
        write_section(args.doc, "ablation-surfer", text)
    if args.json:
        json.dump(meta, sys.stdout, indent=1)
        print()
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
