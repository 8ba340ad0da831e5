"""Loss ablation: the same model and data trained with different losses, scored on held-out battles.

Variants (same features, embedding, k rule, training queries, seed and epochs; only the training loss and,
for the BeepBoop loss, its kernel differ):

* beepboop-box / beepboop-gaussian / beepboop-laplace: the BeepBoop loss with that kernel
* bin-ce: softmax cross-entropy on the bin holding the target's centre GF (51 bins, box model)
* squared: squared error of the weighted mean centre GF
* hit-likelihood: -log P(a shot at a neighbour's centre GF hits)

Every trained model (its kept epoch) is scored on the same held-out queries with the same yardstick: its
neighbour weights with the box kernel over the neighbours' hit intervals, the density the learned gun plays
with (uniform mix 0.02): held-out loss in nats and bits, expected hit rate (mass in [a, b]) and argmax-fire
hit rate. Differences against beepboop-box are paired per query, with 95% intervals that treat each
(battle, shooter, round) as one cluster (waves of one round are not independent). The smooth-kernel
variants are also scored with their own kernel.

Writes the "ablation" section of docs/learning.md and docs/learning-ablation.png.

With --in-battle each kept model is also *played*: saved (--models-dir) as the learned gun's model with the
same yardstick (its weights, box kernel over the neighbours' intervals, 2% uniform mix) and run through
`gfsim challenge targeting` on seeds the data never saw (--seeds), every movement of the challenge's
default set, with paired per-season differences against beepboop-box (the "ablation-battle" section).

    PYTHONPATH=$PWD python benchmarks/loss_ablation.py [--data D.npz] [--epochs 6] [--in-battle] [--json]

Without --data (or if the file is missing) a dataset is collected first:
lock+circular+orbit vs lock+headon+orbit, 35 rounds x seeds 1..6 (about a minute).
"""
import argparse
import io
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from learning_doc import write_section  # noqa: E402
from sim.io.atomic import write_atomic  # noqa: E402

VARIANTS = {
    "beepboop-box": dict(kernel="box", uniform_mix=0.02, objective="beepboop"),
    "beepboop-gaussian": dict(kernel="gaussian", uniform_mix=0.0, objective="beepboop"),
    "beepboop-laplace": dict(kernel="laplace", uniform_mix=0.0, objective="beepboop"),
    "bin-ce": dict(kernel="box", uniform_mix=0.02, objective="bin-ce"),
    "squared": dict(kernel="box", uniform_mix=0.02, objective="squared"),
    "hit-likelihood": dict(kernel="box", uniform_mix=0.02, objective="hit-likelihood"),
}
REFERENCE = "beepboop-box"
DEFAULT_BOTS = ("lock+circular+orbit", "lock+headon+orbit")


def paired_interval(d, cluster):
    """Mean of per-query differences d and its 95% half-width, cluster-robust over `cluster` ids."""
    from scipy import stats
    d = np.asarray(d, dtype=np.float64)
    mean = float(d.mean())
    ids, inv = np.unique(cluster, return_inverse=True)
    C = len(ids)
    if C < 2:
        return mean, float("nan")
    tot = np.bincount(inv, weights=d - mean)
    se = math.sqrt(C / (C - 1) * float(np.sum(tot ** 2))) / len(d)
    return mean, float(stats.t.ppf(0.975, C - 1) * se)


def model_path(args, name):
    return os.path.join(args.models_dir, f"{name}.json")


def gun_name(args, name):
    return f"learned:model={model_path(args, name)}"


def in_battle(args, names, log):
    """Every kept model as the learned gun in `gfsim challenge targeting` (default movements), paired
    against the reference model per season: {movement: {variant: {hit, half, diff, diff_half}}}."""
    import subprocess
    guns = [gun_name(args, n) for n in names]
    cmd = [sys.executable, "-m", "sim.cli", "challenge", "targeting", "--guns", ",".join(guns),
           "--baseline", gun_name(args, REFERENCE), "--seeds", args.seeds, "--rounds", str(args.rounds), "--json",
           "--no-progress"] + (["--jobs", str(args.jobs)] if args.jobs else [])
    log("in battle: " + " ".join(cmd[1:]))
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"loss_ablation: the challenge failed: {out.stderr.strip().splitlines()[-1:]}")
    d = json.loads(out.stdout)
    by_gun = {gun_name(args, n): n for n in names}
    table = {}
    for pair in d["targeting"]["pairs"]:
        table.setdefault(pair["movement"], {})[by_gun[pair["gun"]]] = {
            "hit": pair["hit_rate"], "half": pair["hit_rate_ci_half"], "seasons": pair["seasons"]}
    for row in d["paired"]["rows"]:
        if row["gun"] in by_gun and row["movement"] in table:
            table[row["movement"]][by_gun[row["gun"]]].update(diff=row["hit_rate"]["mean"],
                                                               diff_half=row["hit_rate"]["half"])
    log(f"in battle: {d['battles']} battles in {time.perf_counter() - t0:.0f} s")
    return {"seeds": args.seeds, "rounds": args.rounds, "battles": d["battles"], "movements": table}


def run(args, log):
    from learning import model as M
    from learning.train import Prepared, Trainer
    from sim.io.dataset import load_dataset
    ds = load_dataset(args.data, tables=("gun",))
    features = list(M.DEFAULT_FEATURES)
    data = Prepared(ds, features, shooter=args.shooter, val_fraction=args.val_fraction)
    tr = ~data.is_val
    lo, hi = M.normalisation_ranges(data.raw[tr])
    domain = (min(-1.0, float(data.gf_lo[tr].min())), max(1.0, float(data.gf_hi[tr].max())))
    rnd = ds.gun["round"][data.rows].astype(np.int64)
    results, per_query, val_q = {}, {}, None
    for name in args.variants:
        v = VARIANTS[name]
        t0 = time.perf_counter()
        model = M.GunModel(features, lo, hi, kernel=v["kernel"], bandwidth=args.bandwidth,
                           uniform_mix=v["uniform_mix"], gf_domain=domain)
        trainer = Trainer(data, model, max_queries=args.max_queries, max_val=args.max_val, seed=args.seed,
                          objective=v["objective"])
        hist = trainer.run(args.epochs)
        _, vb = trainer._retrieve()
        assert val_q is None or np.array_equal(val_q, trainer.val_q)      # every variant on the same queries
        val_q = trainer.val_q
        pq = M.model_metrics(model, vb, kernel="box", per_query=True)
        own = M.model_metrics(model, vb) if v["kernel"] != "box" else None
        per_query[name] = pq
        if args.models_dir:
            os.makedirs(args.models_dir, exist_ok=True)
            M.GunModel.from_dict({**model.to_dict(), "kernel": "box", "uniform_mix": 0.02}).save(
                model_path(args, name))
        results[name] = {
            "best_epoch": trainer.best["epoch"], "epochs_run": len(hist) - 1,
            "optimisation_path": trainer.bins_check["path"], "seconds": time.perf_counter() - t0,
            "box_scored": {k: float(np.mean(x)) for k, x in pq.items()},
            "own_kernel": own, "start_val_loss_nats": hist[0]["val"]["loss_nats"],
        }
        results[name]["box_scored"]["loss_bits"] = results[name]["box_scored"]["loss_nats"] / math.log(2)
        log(f"{name}: kept epoch {trainer.best['epoch']} of {len(hist) - 1}, box-scored held-out "
            f"{results[name]['box_scored']['loss_nats']:.4f} nats, hit {results[name]['box_scored']['expected_hit_rate']:.4f}, "
            f"fire {results[name]['box_scored']['fire_hit_rate']:.4f} ({results[name]['seconds']:.0f} s)")
    cluster = (data.stream[val_q] * 1000 + rnd[val_q])
    ref = per_query.get(REFERENCE)
    for name in results:
        if ref is None or name == REFERENCE:
            continue
        results[name]["vs_" + REFERENCE] = {
            k: dict(zip(("mean", "half_width"), paired_interval(per_query[name][k] - ref[k], cluster)))
            for k in ("loss_nats", "expected_hit_rate", "fire_hit_rate")}
    meta = {"dataset": os.fspath(args.data), "bots": [b.get("spec") for b in ds.meta.get("bots", [])],
            "train_battles": data.train_battles, "val_battles": data.val_battles,
            "val_queries": int(len(val_q)), "clusters": int(len(np.unique(cluster))),
            "epochs": args.epochs, "max_queries": args.max_queries, "bandwidth": args.bandwidth, "seed": args.seed}
    if args.in_battle:
        meta["in_battle"] = in_battle(args, list(per_query), log)
    return meta, results


def render(results):
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    names = [n for n in results if n != REFERENCE and "vs_" + REFERENCE in results[n]]
    fig, ax = plt.subplots(1, 3, figsize=(13, 4))
    for a, key, label, f in ((ax[0], "loss_nats", "held-out loss, bits (lower is better)", 1 / math.log(2)),
                             (ax[1], "expected_hit_rate", "expected hit rate, points", 100),
                             (ax[2], "fire_hit_rate", "argmax-fire hit rate, points", 100)):
        m = [results[n]["vs_" + REFERENCE][key]["mean"] * f for n in names]
        e = [results[n]["vs_" + REFERENCE][key]["half_width"] * f for n in names]
        a.barh(range(len(names)), m, xerr=e, color="#7570b3", capsize=3)
        a.axvline(0, color="k", lw=1)
        a.set_yticks(range(len(names)))
        a.set_yticklabels(names if a is ax[0] else [])
        a.set_xlabel(f"{label}\nminus {REFERENCE}")
        a.grid(axis="x", alpha=0.3)
    fig.suptitle(f"Loss ablation: paired differences against {REFERENCE} on held-out battles (95% intervals, "
                 "box-scored)", fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def markdown(meta, results, args):
    rows = []
    for n, r in results.items():
        b = r["box_scored"]
        own = r["own_kernel"]
        vs = r.get("vs_" + REFERENCE)

        def iv(k, f):
            if not vs:
                return "reference"
            return f"{vs[k]['mean'] * f:+.2f} ± {vs[k]['half_width'] * f:.2f}"
        rows.append(f"| {n} | {b['loss_nats']:.4f} | {b['loss_nats'] / math.log(2):.4f} | "
                    f"{100 * b['expected_hit_rate']:.2f} | {100 * b['fire_hit_rate']:.2f} | "
                    f"{iv('loss_nats', 1000 / math.log(2))} | {iv('expected_hit_rate', 100)} | "
                    f"{iv('fire_hit_rate', 100)} | {own['loss_nats']:.4f} |" if own else
                    f"| {n} | {b['loss_nats']:.4f} | {b['loss_nats'] / math.log(2):.4f} | "
                    f"{100 * b['expected_hit_rate']:.2f} | {100 * b['fire_hit_rate']:.2f} | "
                    f"{iv('loss_nats', 1000 / math.log(2))} | {iv('expected_hit_rate', 100)} | "
                    f"{iv('fire_hit_rate', 100)} | |")
        rows[-1] += f" {r['best_epoch']}/{r['epochs_run']} |"
    plot = os.path.relpath(args.plot, os.path.dirname(args.doc) or ".")
    return f"""## Loss ablation (offline)

`PYTHONPATH=$PWD python benchmarks/loss_ablation.py --data {os.path.basename(meta['dataset'])} --epochs {meta['epochs']}
--max-queries {meta['max_queries']}` on {', '.join(meta['bots'])} (shooter {args.shooter}), trained on battles
{meta['train_battles']}, scored on the held-out battles {meta['val_battles']}: {meta['val_queries']} queries in
{meta['clusters']} (battle, shooter, round) clusters. Same model (BeepBoop's power embedding of the 18 default
features, k <= 100), same training queries and seed; only the training loss differs. Every kept model is scored
with the box kernel over its neighbours' hit intervals (the density the learned gun plays with, 2% uniform mix);
intervals are paired per query against {REFERENCE}, 95%, cluster-robust.

![ablation]({plot})

| training loss | held-out nats | bits | expected hit % | fire hit % | Δ millibits vs {REFERENCE} | Δ expected hit (points) | Δ fire hit (points) | own-kernel nats | kept epoch |
|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

The intervals cover the sampling of held-out queries, not training randomness (one training run per loss, same
seed), so differences of a few millibits between losses are not a ranking. "kept epoch 0" means no epoch
beat the start (temperature search only) on that objective's held-out value: with the Gaussian kernel and no
uniform mix, the exact loss has no cap for queries whose neighbours are all far away (a quadratic cost in
distance / h), and training on it did not help held-out queries here.

{"In-battle hit rates of these models: the next section." if "in_battle" in meta else
 "Not measured here: in-battle hit rates (`--in-battle`)."} The surfer's danger model:
`benchmarks/surf_loss_ablation.py` (the "Loss ablation (the surfer's danger model)" section).
"""


def battle_markdown(meta, args):
    """The "ablation-battle" section: hit % per movement and each loss's paired difference."""
    b = meta["in_battle"]
    names = [n for n in VARIANTS if n in next(iter(b["movements"].values()))]
    head = "| movement | " + " | ".join(names) + " |"
    rows = [head, "|---" * (len(names) + 1) + "|"]
    for mv, cells in b["movements"].items():
        out = []
        for n in names:
            c = cells[n]
            text = f"{100 * c['hit']:.1f} ± {100 * c['half']:.1f}"
            if n != REFERENCE and "diff" in c:
                text += f" ({100 * c['diff']:+.1f} ± {100 * c['diff_half']:.1f})"
            out.append(text)
        rows.append(f"| {mv} | " + " | ".join(out) + " |")
    verdicts = []
    for n in names[1:]:
        cells = [(mv, c[n]) for mv, c in b["movements"].items() if "diff" in c[n]]
        up = [mv for mv, c in cells if c["diff"] - c["diff_half"] > 0]
        down = [mv for mv, c in cells if c["diff"] + c["diff_half"] < 0]
        verdicts.append(f"- {n}: above {REFERENCE} on {', '.join(up) or 'no movement'}; below on "
                        f"{', '.join(down) or 'no movement'}; tied (the interval includes 0) on the other "
                        f"{len(cells) - len(up) - len(down)}.")
    return f"""## Loss ablation (in battle)

`PYTHONPATH=$PWD python benchmarks/loss_ablation.py --data {os.path.basename(meta['dataset'])} --epochs {meta['epochs']}
--max-queries {meta['max_queries']} --in-battle --seeds {b['seeds']}`: the kept model of each loss above, played
as the learned gun (its neighbour weights, box kernel over the neighbours' intervals, 2% uniform mix: the
offline yardstick) in `gfsim challenge targeting` against every movement of the challenge's default set,
{b['rounds']} rounds x seeds {b['seeds']} (never in the training data, which is random orbit only),
{b['battles']} battles. Cells: hit % (mean over seasons ± 95% t interval) and, in brackets, the paired
per-season difference against {REFERENCE} in points (± 95% interval; the seeds are shared).

{chr(10).join(rows)}

Where the paired interval excludes 0 (no correction for the {len(b['movements'])} movements x
{len(names) - 1} losses compared, so a few such cells are expected by chance alone):

{chr(10).join(verdicts)}
"""


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=os.path.join("/tmp", "gfsim-ablation.npz"))
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--max-queries", type=int, default=8000)
    p.add_argument("--max-val", type=int, default=8000)
    p.add_argument("--val-fraction", type=float, default=0.34)
    p.add_argument("--bandwidth", type=float, default=0.05, help="gaussian/laplace bandwidth (GF units)")
    p.add_argument("--shooter", default="both", choices=("both", "0", "1"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated subset of " + ",".join(VARIANTS))
    p.add_argument("--doc", default="docs/learning.md")
    p.add_argument("--plot", default="docs/learning-ablation.png")
    p.add_argument("--json", action="store_true")
    p.add_argument("--in-battle", action="store_true",
                   help="also play every kept model as the learned gun in `gfsim challenge targeting`")
    p.add_argument("--models-dir", default=os.path.join("/tmp", "gfsim-ablation-models"),
                   help="where the kept models are saved as playable gun models")
    p.add_argument("--seeds", default="101..110", help="the in-battle seasons' seeds (gfsim challenge --seeds)")
    p.add_argument("--rounds", type=int, default=35, help="rounds per in-battle season")
    p.add_argument("--jobs", type=int, default=0, help="parallel battles (default: every CPU)")
    p.add_argument("--from-json", metavar="PATH", help="re-render the page and plot from an earlier --json output")
    args = p.parse_args(argv)
    args.variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    bad = [v for v in args.variants if v not in VARIANTS]
    if bad:
        print(f"loss_ablation: unknown variant {bad[0]!r}", file=sys.stderr)
        return 2
    if args.from_json:
        saved = json.load(open(args.from_json))
        meta, results = saved["meta"], saved["results"]
        args.shooter = saved.get("shooter", args.shooter)
        write_atomic(args.plot, render(results))
        write_section(args.doc, "ablation", markdown(meta, results, args))
        if "in_battle" in meta:
            write_section(args.doc, "ablation-battle", battle_markdown(meta, args))
        return 0
    if not os.path.exists(args.data):
        from sim.experiments.collect import main as collect_main
        code = collect_main([*DEFAULT_BOTS, "--rounds", "35", "--seeds", "1..6", "--out", args.data, "--no-progress"])
        if code:
            return code

    def log(msg):
        print(msg, file=sys.stderr, flush=True)
    meta, results = run(args, log)
    write_atomic(args.plot, render(results))
    write_section(args.doc, "ablation", markdown(meta, results, args))
    if "in_battle" in meta:
        write_section(args.doc, "ablation-battle", battle_markdown(meta, args))
    if args.json:
        json.dump({"meta": meta, "results": results}, sys.stdout, indent=2, default=float)
        print()
    else:
        print(markdown(meta, results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
