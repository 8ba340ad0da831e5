"""Softmax temperature of the learned model, and distillation into GF tables (`gfsim distill`).

1. Temperature: the learned model's neighbour weights softmax(z / T) (its logits divided by T; T = 1 is the
   model as trained), scored on held-out battles with learning.model.model_metrics (its box kernel and 2%
   uniform mix): held-out nats, expected hit rate (density mass inside [gf_lo, gf_hi]) and argmax-fire hit
   rate, paired per wave against T = 1 (mean, 95% interval clustered by (battle, round)).
2. Distillation: `gfsim distill` (learning/distill.py) into the gf gun's default table (162 segments x 47
   bins) from the learned model and from the oracle's soft targets, for several alpha and T; held-out
   teacher and student metrics, student - teacher paired as above.
3. In battle (--battles): `gfsim challenge targeting` with the students as `gf:table=...,rolling=1000000`
   beside gf and learned, on seeds no student saw, paired against learned.

    PYTHONPATH=$PWD python benchmarks/distill.py --orbit orbit.npz --stopgo stopgo.npz \\
        --soft-orbit soft_orbit.npz --soft-stopgo soft_stopgo.npz --tables DIR [--battles SEEDS] [--json]

The data files come from (seeds 0..5 for the datasets, 0..N-1 for the oracle):
    gfsim collect lock+headon:power=3,energy_rule=0+still lock+none+orbit --seeds 0..5 --out orbit.npz
    gfsim collect lock+headon:power=3,energy_rule=0+still lock+none+stopgo:flip=0.5 --seeds 0..5 --out stopgo.npz
    gfsim oracle orbit --seasons 6 --samples 64 --soft-targets soft_orbit.npz
    gfsim oracle stopgo:flip=0.5 --seasons 6 --samples 64 --soft-targets soft_stopgo.npz
Writes the "distill" section of docs/learning.md.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from learning_doc import write_section  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "bots", "models", "learned-orbit.json")
TEMPERATURES = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)
RUNS = ((1.0, 2.0), (0.5, 1.0), (0.5, 2.0), (0.5, 4.0), (0.0, 2.0))     # (alpha, T)
SIZES = {   # student segmentations for the size sweep (alpha 0.5, T 2)
    "small": "table:dist_segs=2,lat_segs=2,accel_segs=1,wall_segs=1,timer_segs=1,bins=23",
    "default": "table",
    "large": "table:dist_segs=5,lat_segs=5,accel_segs=3,wall_segs=3,timer_segs=5,bins=47",
}
SHOOTER_SPEC = "lock+headon:power=3,energy_rule=0+still"


def temperature_rows(path, max_val, seed=0):
    """Held-out metrics of the learned model with its logits divided by T, per T, paired against T = 1."""
    from learning import model as M
    from learning.distill import Data, cluster_diff, subsample
    model = M.load_model(MODEL)
    data = Data(path, shooter="0")
    _, val, held = data.split(0.34, None)
    g = data.table
    raw = M.feature_matrix(g, model.features)
    N = model.normalise(raw)
    fire, avail = M.availability_keys(g)
    ok = data.has_label
    avail = np.where(ok, avail, np.iinfo(np.int64).max)
    val = val[ok[val]]
    val = subsample(val, max_val, np.random.default_rng(seed))
    idx, _ = M.causal_neighbours(model.embed(N), data.stream, fire, avail, val, model)
    keep = (idx >= 0).any(axis=1)
    val, idx = val[keep], idx[keep]
    lo = np.where(ok, g["gf_lo"], 0.0)
    hi = np.where(ok, g["gf_hi"], 0.0)
    xc, hw = M.interval_labels(lo, hi, model.min_half_width)
    a, b = M.target_intervals(lo[val], hi[val], model.min_half_width)
    batch = M.Batch(N[val], N, idx, a, b, xc, hw)
    cluster = g["battle"][val].astype(np.int64) * 1_000_000 + g["round"][val]
    per = {}
    for T in TEMPERATURES:
        m = model.copy()
        m.scale = model.scale / T
        per[T] = M.model_metrics(m, batch, per_query=True)
    rows = []
    for T in TEMPERATURES:
        r = {"T": T, "waves": int(len(val)), "held_out_battles": held}
        for k in ("loss_nats", "expected_hit_rate", "fire_hit_rate"):
            r[k] = float(np.mean(per[T][k]))
            r["diff_" + k] = cluster_diff(per[T][k] - per[1.0][k], cluster)
        rows.append(r)
    return rows


def distill_rows(teacher, path, tables_dir, tag, cache, val_fraction, sizes=False):
    from learning.distill import build_parser, run
    rows = []
    runs = [(0.5, 2.0, name, spec) for name, spec in SIZES.items()] if sizes else \
        [(alpha, T, "default", "table") for alpha, T in RUNS]
    for alpha, T, size, spec in runs:
        who = "oracle" if teacher == "oracle" else "learned"
        out = os.path.join(tables_dir, f"{who}-{tag}-a{alpha:g}-T{T:g}" + (f"-{size}" if sizes else "") + ".json")
        args = build_parser().parse_args([teacher, path, "--out", out, "--alpha", str(alpha), "-T", str(T),
                                          "--shooter", "0", "--waves", "real", "--val-fraction", str(val_fraction),
                                          "--student", spec])
        summary, table = run(args, teacher_cache=cache)
        table.save(out)
        rows.append({"tag": tag, "teacher": "learned" if teacher != "oracle" else "oracle", "data": path,
                     "student_size": size, "segments_used": summary["student"]["segments_with_training_waves"],
                     "segments": summary["student"]["segments"],
                     "alpha": alpha, "T": T, "out": out, "size": summary["student"]["size"],
                     "teacher_size": summary["teacher_size"], "waves": summary["waves"],
                     "held_out": summary["battles_held_out"], "val": summary["val"]})
        print(f"  {tag} alpha {alpha} T {T}: student fire {summary['val']['student']['fire_hit_rate']:.4f} "
              f"teacher {summary['val']['teacher']['fire_hit_rate']:.4f}", file=sys.stderr)
    return rows


def battle_rows(tables, seeds):
    guns = ["gf", "learned"] + [f"gf:table={p},rolling=1000000" for p in tables.values()]
    cmd = [sys.executable, "-m", "sim.cli", "challenge", "targeting", "--guns", ",".join(guns),
           "--movements", "orbit,stopgo:flip=0.5", "--seeds", seeds, "--baseline", "learned", "--oracle", "64",
           "--json", "--no-progress"]
    env = dict(os.environ, PYTHONPATH=ROOT)
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    shown = " ".join(cmd[3:])
    for p in tables.values():
        shown = shown.replace(p, os.path.join("TABLES", os.path.basename(p)))
    return {"command": "gfsim " + shown, "names": dict(tables), "result": json.loads(res.stdout)}


def _ci(c, scale=100.0, digits=2):
    if not c or not c.get("n"):
        return ""
    half = "n/a" if not np.isfinite(c["half"]) else f"{scale * c['half']:.{digits}f}"
    return f"{scale * c['mean']:+.{digits}f} ± {half}"


def markdown(temp, dist, battles, argv, sizes=()):
    L = ["## Softmax temperature and distillation (`gfsim distill`)", "",
         f"`PYTHONPATH=$PWD python benchmarks/distill.py {' '.join(argv)}` (data as in the script's docstring: "
         "the challenge's stationary power-3 shooter against the mover, 35 rounds per battle, seeds 0-5; the "
         "oracle's seasons are the same battles). Teacher: `bots/models/learned-orbit.json`.", "",
         "**Temperature.** The learned model's neighbour weights softmax(z / T), scored on the held-out battles "
         "(box kernel, 2% uniform mix, as the gun plays; every wave of the shooter, virtual ones included, up to "
         "10,000 a movement); Δ = T minus T = 1, paired per wave: mean ± 95% CI clustered by (battle, round).", "",
         "| data | T | held-out nats | expected hit % | fire hit % | Δ millinats | Δ expected hit (points) | "
         "Δ fire hit (points) |", "|---|---|---|---|---|---|---|---|"]
    for name, rows in temp.items():
        for r in rows:
            L.append(f"| {name} | {r['T']:g} | {r['loss_nats']:.4f} | {100 * r['expected_hit_rate']:.2f} | "
                     f"{100 * r['fire_hit_rate']:.2f} | {_ci(r['diff_loss_nats'], 1000, 1)} | "
                     f"{_ci(r['diff_expected_hit_rate'])} | {_ci(r['diff_fire_hit_rate'])} |")
    L += ["", "**Distillation (offline).** Student: the gf gun's default segmentation, 162 segments x 47 bins = "
          "7,614 numbers. Teacher sizes: the learned model has 55 parameters and stores up to 50,000 waves x 18 "
          "features (~1 M numbers); the oracle is 64 re-simulated futures per shot. Held-out battles: the last 2 of "
          "6 (datasets and oracle seasons alike), the waves of real bullets only (the situations in which a gun "
          "fires; the learned teacher's memory holds every wave); Δ = student − teacher, paired per "
          "wave as above. oracle hit = mean share of the situation's futures the fired GF hits.", "",
          "| teacher | data | α | T | teacher nats | student nats | KL | teacher exp. hit % | student exp. hit % | "
          "teacher fire % | student fire % | Δ fire (points) | teacher oracle hit % | student oracle hit % | "
          "Δ oracle hit (points) |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in dist:
        v = r["val"]
        t, s, d = v["teacher"], v["student"], v["diff"]
        orc = "oracle_hit_rate" in s
        L.append(f"| {r['teacher']} | {r['tag']} | {r['alpha']:g} | {r['T']:g} | {t['nats']:.4f} | {s['nats']:.4f} | "
                 f"{s['kl_nats']:.4f} | {100 * t['expected_hit_rate']:.2f} | {100 * s['expected_hit_rate']:.2f} | "
                 f"{100 * t['fire_hit_rate']:.2f} | {100 * s['fire_hit_rate']:.2f} | {_ci(d['fire_hit_rate'])} | "
                 + (f"{100 * t['oracle_hit_rate']:.2f} | {100 * s['oracle_hit_rate']:.2f} | "
                    f"{_ci(d['oracle_hit_rate'])} |" if orc else " | | |"))
    if sizes:
        L += ["", "**Student size** (α = 0.5, T = 2; same held-out waves). small = 2 distance x 2 |lateral velocity| "
              "segments x 23 bins; default = the gf gun's 162 segments x 47 bins; large = 5 x 5 x 3 x 3 x 5 = 1,125 "
              "segments x 47 bins. Segments used = segments holding a training wave. The teacher is scored on its "
              "student's cells (its density binned to them, fired at the best cell's point), so its numbers move "
              "with the bins.", "",
              "| teacher | data | student | numbers | segments used | teacher fire % | student fire % | "
              "Δ fire (points) | "
              "student oracle hit % | Δ oracle hit (points) |", "|---|---|---|---|---|---|---|---|---|---|"]
        for r in sizes:
            v = r["val"]
            t, s, d = v["teacher"], v["student"], v["diff"]
            orc = "oracle_hit_rate" in s
            L.append(f"| {r['teacher']} | {r['tag']} | {r['student_size']} | {r['size']:,} | {r['segments_used']} of "
                     f"{r['segments']:,} | {100 * t['fire_hit_rate']:.2f} | {100 * s['fire_hit_rate']:.2f} | "
                     f"{_ci(d['fire_hit_rate'])} | "
                     + (f"{100 * s['oracle_hit_rate']:.2f} | {_ci(d['oracle_hit_rate'])} |" if orc else " | |"))
    if battles:
        res = battles["result"]
        back = {f"gf:table={p},rolling=1000000": f"table ({k})" for k, p in battles["names"].items()}
        movs = [m["name"] for m in res["movements"]]
        L += ["", f"**In battle.** `{battles['command']}` (TABLES = --tables); the tables are the α = 0.5, T = 2 "
              "students above, default size and (-small) the 92-number ones ("
              + ", ".join(f"table ({k}) = `{os.path.basename(p)}`" for k, p in battles["names"].items())
              + "), frozen by rolling=1000000. Hit rate % per season, mean ± 95% CI over "
              f"{len(res['seeds'])} seasons (seeds {res['seeds'][0]}..{res['seeds'][-1]}, never in any training "
              "data); Δ vs learned paired by season; % of oracle = per season gun / oracle (M = 64) of that seed.",
              "", "| gun | " + " | ".join(f"{m} hit % | Δ vs learned | % of oracle" for m in movs) + " |",
              "|---|" + "---|---|---|" * len(movs)]
        rate = {(r["gun"], r["movement"]): r for r in res["targeting"]["pairs"]}
        diff = {(r["gun"], r["movement"]): r["hit_rate"] for r in res["paired"]["rows"]}
        for g in res["guns"]:
            cells = []
            for m in movs:
                r = rate[(g["name"], m)]
                cells.append(f"{100 * r['hit_rate']:.1f} ± {100 * r['hit_rate_ci_half']:.1f}")
                cells.append(_ci(diff.get((g["name"], m)), 100, 1))
                cells.append(f"{100 * r['hit_rate_of_oracle']:.0f} ± {100 * r['hit_rate_of_oracle_ci_half']:.0f}"
                             if "hit_rate_of_oracle" in r else "")
            L.append(f"| {back.get(g['name'], g['name'])} | " + " | ".join(cells) + " |")
        if "oracle" in res:
            L.append("| oracle | " + " | ".join(f"{100 * res['oracle'][m]['oracle']['mean']:.1f} ± "
                                               f"{100 * res['oracle'][m]['oracle']['half']:.1f} | | 100"
                                               for m in movs) + " |")
    return "\n".join(L)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--orbit", required=True)
    p.add_argument("--stopgo", required=True)
    p.add_argument("--soft-orbit", required=True)
    p.add_argument("--soft-stopgo", required=True)
    p.add_argument("--tables", required=True, help="folder for the students' table files")
    p.add_argument("--max-val", type=int, default=10000)
    p.add_argument("--battles", default=None, help="seeds for the in-battle challenge (e.g. 10..15)")
    p.add_argument("--json", default=None, help="also write every number as JSON here")
    p.add_argument("--no-doc", action="store_true")
    p.add_argument("--render", metavar="JSON", help="only rebuild the section from an earlier run's --json file")
    if "--render" in sys.argv:
        i = sys.argv.index("--render")
        with open(sys.argv[i + 1]) as f:
            saved = json.load(f)
        temp = {k: [dict(r, T=float(r["T"])) for r in v] for k, v in saved["temperature"].items()}
        text = markdown(temp, saved["distill"], saved["battles"], saved["argv"], saved.get("sizes", []))
        print(text)
        write_section(os.path.join(ROOT, "docs", "learning.md"), "distill", text)
        return
    args = p.parse_args()
    os.makedirs(args.tables, exist_ok=True)
    temp = {}
    for name, path in (("orbit", args.orbit), ("stopgo:flip=0.5", args.stopgo)):
        print(f"temperature on {name}", file=sys.stderr)
        temp[name] = temperature_rows(path, args.max_val)
    dist = []
    sizes = []
    cache = {}
    for tag, teacher, path, vf in (("orbit", MODEL, args.orbit, 0.34), ("stopgo", MODEL, args.stopgo, 0.34),
                                   ("orbit", "oracle", args.soft_orbit, 0.34),
                                   ("stopgo", "oracle", args.soft_stopgo, 0.34)):
        print(f"distil {teacher} on {path}", file=sys.stderr)
        dist += distill_rows(teacher, path, args.tables, tag, cache, vf)
        sizes += distill_rows(teacher, path, args.tables, tag, cache, vf, sizes=True)
    battles = None
    if args.battles:
        pick = {}
        for r in dist:
            if r["alpha"] == 0.5 and r["T"] == 2.0:
                pick[f"{r['teacher']}-{r['tag']}"] = r["out"]
        for r in sizes:
            if r["student_size"] == "small":
                pick[f"{r['teacher']}-{r['tag']}-small"] = r["out"]
        battles = battle_rows(pick, args.battles)
    argv = sys.argv[1:]
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"temperature": temp, "distill": dist, "sizes": sizes, "battles": battles,
                       "argv": sys.argv[1:]}, f,
                      indent=1, default=float)
    text = markdown(temp, dist, battles, argv, sizes)
    print(text)
    if not args.no_doc:
        write_section(os.path.join(ROOT, "docs", "learning.md"), "distill", text)


if __name__ == "__main__":
    main()
