"""Where the learned gun loses against the Bayes limit: offline hit rates on the same recorded waves, one
difference at a time.

    PYTHONPATH=$PWD python benchmarks/learned_gap.py --eval orbit_eval.npz --guns learned,knn \
        [--memory tr_orbit.npz] [--json]

For each gun, on the real waves of robot 0 of --eval (status 0: the wave passed the living target):

* ``fresh``      the offline replay of `gfsim evaluate` (fresh memory per battle, the wave's own features);
* ``lagged``     the same with the features the gun has in battle: the previous turn's wave's features,
                 for its queries and for what it learns (the wave gun's lag = 1);
* ``seeded``     lagged, with the memory first filled from --memory's waves of robot 0 (each eval battle
                 starts from that memory; pre-seeded memory);
and, when --eval was recorded by the gun itself (`gfsim collect lock+GUN...`), ``in battle`` = the
recorded hits of those same waves: lagged minus in battle is what aim execution costs.
Per battle hit rates, mean ± 95% Student-t interval and paired differences to ``fresh``.
"""
import argparse
import json

import numpy as np


def lagged_features(table, rows, feat):
    """Each wave's query features as the gun has them in battle: the previous turn's wave of its stream."""
    rnd = table["round"][rows]
    turn = table["turn"][rows]
    out = feat.copy()
    prev = np.zeros(len(rows), bool)
    prev[1:] = (rnd[1:] == rnd[:-1]) & (turn[1:] == turn[:-1] + 1)
    out[1:][prev[1:]] = feat[:-1][prev[1:]]
    return out


def _streams(ds, *, lag, shooter):
    """(rows, scored, learnable, inputs) of each of robot `shooter`'s streams of ds, in battle order, its features
    one turn old when `lag` (what the gun had when it aimed); and the field's width and height."""
    from sim.experiments import evaluate as E
    g = ds.gun
    rules = ds.meta.get("rules", {})
    out = []
    for bid, lst in sorted(E.streams(g, str(shooter)).items()):
        for s, rows in lst:
            scored, learnable = E.scored_and_learnable(g, rows, "real")
            inputs = E.stream_inputs(g, rows)
            if lag:
                inputs["feat"] = lagged_features(g, rows, inputs["feat"])
            out.append((rows, scored, learnable, inputs))
    return out, rules.get("width", 800), rules.get("height", 600)


def run_streams(ds, gun, *, lag, memory=None, shooter=0):
    """Hit rate per battle of `gun` (an OfflineGun) on ds's real waves of `shooter`; memory: start memory or None."""
    from sim.experiments import evaluate as E
    rates, hits_all, shots_all = [], 0, 0
    todo, w, h = _streams(ds, lag=lag, shooter=shooter)
    for rows, scored, learnable, inputs in todo:
        kind, row = E.stream_events(ds.gun, rows, scored, learnable)
        mem = None if memory is None else memory.copy()
        gf, _, _ = E.replay(gun, inputs, kind, row, w, h, mem)
        hit = E.in_hit_set(ds.gun, ds.parts, rows[scored], gf[scored])
        rates.append(hit.mean())
        hits_all += int(hit.sum())
        shots_all += int(scored.sum())
    return np.array(rates), hits_all, shots_all


def fill_memory(ds, gun, *, lag, shooter=0):
    """The gun's memory after learning every wave of ds (robot `shooter`'s streams, in order)."""
    from sim.experiments import evaluate as E
    mem = gun.new_memory()
    todo, w, h = _streams(ds, lag=lag, shooter=shooter)
    for rows, _, learnable, inputs in todo:
        kind, row = E.stream_events(ds.gun, rows, np.zeros(len(rows), bool), learnable)
        _, _, mem = E.replay(gun, inputs, kind, row, w, h, mem)
    return mem


def in_battle(ds, shooter=0):
    g = ds.gun
    rates = []
    for b in np.unique(g["battle"]):
        sel = (g["battle"] == b) & (g["shooter"] == shooter) & g["real_bullet"].astype(bool) & (g["status"] == 0)
        rates.append(g["hit"][sel].mean())
    return np.array(rates)


def main(argv=None):
    from sim.experiments.challenge import mean_ci
    from sim.experiments.evaluate import parse_guns
    from sim.experiments.runner import paired_ci
    from sim.io.dataset import load_dataset
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--eval", required=True)
    p.add_argument("--guns", default="learned,knn")
    p.add_argument("--memory", help="dataset whose robot-0 waves pre-seed the memory")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    ds = load_dataset(a.eval)
    mem_ds = load_dataset(a.memory) if a.memory else None
    own = next((s.get("spec", "") for s in ds.meta.get("bots", [])), "")
    out = {"eval": a.eval, "memory": a.memory, "guns": {}}
    for gun in parse_guns(a.guns):
        res = {}
        fresh, _, n = run_streams(ds, gun, lag=False)
        res["fresh"] = fresh
        res["lagged"] = run_streams(ds, gun, lag=True)[0]
        if mem_ds is not None:
            res["seeded"] = run_streams(ds, gun, lag=True, memory=fill_memory(mem_ds, gun, lag=True))[0]
        own_parts = own.split("+")
        if len(own_parts) > 1 and own_parts[1].split(":")[0] == gun.name.split(":")[0]:
            res["in battle"] = in_battle(ds)
        rows = {}
        for k, v in res.items():
            m = mean_ci(v * 100)
            d = paired_ci(v * 100, fresh * 100)
            rows[k] = {"mean": m["mean"], "ci": m["half"], "vs_fresh": d["mean"] if k != "fresh" else 0.0,
                       "vs_fresh_ci": d["half"] if k != "fresh" else 0.0, "per_battle": (v * 100).tolist()}
        out["guns"][gun.name] = {"scored_waves": n, "rows": rows}
    if a.json:
        print(json.dumps(out, indent=1))
        return
    print(f"{a.eval} (memory: {a.memory}); hit % on robot 0's real waves, mean ± 95% CI over battles; paired vs fresh")
    for name, r in out["guns"].items():
        for k, v in r["rows"].items():
            print(f"  {name:28s} {k:10s} {v['mean']:6.2f} ± {v['ci'] or 0:5.2f}   {v['vs_fresh']:+6.2f} ± {v['vs_fresh_ci'] or 0:5.2f}")


if __name__ == "__main__":
    main()
