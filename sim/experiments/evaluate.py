"""`gfsim evaluate`: replay a dataset's recorded waves through guns, offline, and compare their hit rates.

    gfsim evaluate DATA.npz --guns gf,knn:k=50,learned:model=M.json [--baseline gf] [--shooter both|0|1]
                   [--waves real|all] [--carry-memory] [--json] [--plot OUT.png]

What WaveSim did for Robocode authors: the movement was recorded once (`gfsim collect`, `gfsim import`),
and any number of guns are scored on it without playing a battle again. Every gun sees the same waves,
so guns are compared pair by pair.

How a gun is replayed (the compiled gun itself, bots/guns/offline.py):

* A *stream* is one (battle, shooter): the waves one robot sent at the other, i.e. the memory of one
  gun against one movement. Each stream starts with a fresh gun memory (as at the start of a battle;
  the memory survives rounds, as in battle); ``--carry-memory`` keeps each shooter's memory from one
  battle to the next instead (a pre-seeded gun).
* The stream's waves are two kinds of events in time order: a wave is *fired* in its fire turn, and its
  label is *known* once its front has passed the target's whole box (learning.model.availability_keys,
  the order `gfsim train` uses: the turn its front reached the target's centre plus
  ceil(18 sqrt 2 / bullet speed) + 1). A gun learns wave j before it aims at wave q exactly when
  j's label was known before q was fired; at the same turn, firing comes first (the gun in battle labels
  the waves that broke at the start of its turn, then aims, but it aims a turn before the bullet leaves).
* At a fired wave that is scored (``--waves real``: the waves that carried real bullets, the default;
  ``all``: every wave) every aimer of the gun aims from the wave's own fire-time features and fire
  point: gf/knn/learned with their kernels (wave_kernels.learning_aim), head-on/linear/circular with
  predict() from the target's recorded position, heading and velocity (circular: the heading change
  since the stream's wave of the previous turn; 0 when either velocity is 0, since a robot at rest has
  no heading in the dataset). The gun's choice (the virtual gun: its best aimer so far) is its GF.
  It is a hit when that GF lies in the wave's exact hit set (the hull [gf_lo, gf_hi], or its pieces
  when n_parts > 1: a real bullet at that GF hits, sim/io/dataset.py).
* At a known label the gun learns the wave, with its own fire-time features, as wave_kernels.learn_wave
  does in battle (virtual guns also score their aimers on it then). Waves that never passed the whole
  box (the target died, the round ended) are neither scored nor learned: the gun in battle drops them.

What differs from the gun in battle (why offline and in-battle hit rates are close, not equal): in
battle the gun aims a turn before the bullet leaves, from the state it saw then (its ``lag``); offline
it aims at every scored wave with the wave's own features. The firing parameters (power, energy rule,
tolerance) do not apply: the recorded waves' powers are used.

Per gun: the hit rate of every battle (hits / scored waves, both streams of a battle together), the mean
over battles with a 95% Student-t interval, and the paired difference to the best gun (or
``--baseline``) battle by battle with its paired interval.

Plug-in guns (``--parts``) cannot be replayed: a plug-in's hooks read the engine's state turn by turn
(status, commands, the enemy record) and track their own waves; a dataset holds waves, not turns, and
a plug-in has no "aim at this wave" entry point.
"""
import io
import math
import os
import sys
import time

import numpy as np

from sim.cli.args import add_progress_flags, progress_bar
from sim.cli.errors import UsageError, OneLineParser, run_command, check_outputs
from sim.cli.output import json_text

CONFIDENCE = 0.95
OFFLINE_GUNS = ("headon", "linear", "circular", "gf", "knn", "learned", "virtual")
WAVE_GUNS = ("gf", "knn", "learned", "virtual")   # the rest are classic aimers (bots/guns/aiming.py)
SCORED = ("real", "all")


class OfflineGun:
    """A gun spec ready to replay: its canonical name, its enabled aimers and its memory's size and contents."""

    def __init__(self, spec):
        from bots.registry import parse_bot, builtin_parts, _canonical, BotSpecError
        from bots.guns import wave_memory, wave_kernels as wg
        text = str(spec).strip()
        name = text.partition(":")[0].strip()
        others = [p.partition(":")[0].strip() for p in text.split("+")[1:]]
        if name not in OFFLINE_GUNS or any(o in builtin_parts() for o in others):
            raise UsageError(f"--guns: {text!r} is not a gun gfsim can replay offline (guns: "
                             f"{', '.join(OFFLINE_GUNS)}; plug-in guns cannot be replayed: their hooks need the "
                             f"battle's every turn, a dataset holds waves)")
        try:
            bot = parse_bot(text)
        except BotSpecError as e:
            raise UsageError(f"--guns: {e}") from None
        gun, values = bot.parts["gun"]
        self.name = _canonical(builtin_parts(), (gun, values))
        if gun in WAVE_GUNS:
            self.kind, self.values = gun, values
        else:   # a classic gun: the wave gun's machinery with that one aimer
            self.kind = "virtual"
            self.values = {p.name: p.default for p in wave_memory.VIRTUAL_PARAMS}
            for a in wg.AIMER_NAMES:
                self.values[a] = 1.0 if a == gun else 0.0
        self.aimers = wave_memory._aimers(self.kind, self.values)
        try:
            self.size = wave_memory.memory_size(self.kind, self.values)
            self.init = wave_memory.prepare_memory(self.kind, self.values)
        except ValueError as e:
            raise UsageError(f"--guns: {gun}: {e}") from None

    def new_memory(self):
        m = np.zeros(self.size)
        for off, values in self.init:
            m[off:off + len(values)] = values
        return m


def parse_guns(text):
    """'gf,knn:k=50,bandwidth=0.2,learned' -> [OfflineGun, ...] (commas before key=value continue a gun)."""
    from sim.experiments.challenge import _split_names
    names = _split_names(text)
    if not names:
        raise UsageError("--guns is empty: name at least one gun")
    guns = [OfflineGun(n) for n in names]
    seen = set()
    for g in guns:
        if g.name in seen:
            raise UsageError(f"--guns names {g.name} twice")
        seen.add(g.name)
    return guns


# ---------------------------------------------------------------- the waves of a stream

def _heading(table, rows):
    """The target's heading at fire time from its velocity and lateral/advancing velocities (NaN at rest)."""
    v = table["velocity"][rows]
    with np.errstate(invalid="ignore", divide="ignore"):
        h = table["bearing"][rows] + np.arctan2(table["lat_vel"][rows] / v, -table["adv_vel"][rows] / v)
    return np.where(v != 0.0, h, np.nan)


def stream_inputs(table, rows):
    """The kernel's per-wave arrays for the gun-table rows `rows` of one stream (sorted by round, turn)."""
    from bots.enemy import N_EN, EN_TIME, EN_X, EN_Y, EN_HEADING, EN_VEL, EN_TURN_RATE, EN_ALIVE
    from sim.engine.constants import MAX_TURN_RATE_RADIANS
    from sim.waves.features import FEATURE_NAMES
    n = len(rows)
    feat = np.empty((n, len(FEATURE_NAMES)))
    for f, name in enumerate(FEATURE_NAMES):
        feat[:, f] = table[name][rows]
    b = table["bearing"][rows]
    d = table["distance"][rows]
    fx = table["fire_x"][rows]
    fy = table["fire_y"][rows]
    turn = table["turn"][rows].astype(np.float64)
    heading = _heading(table, rows)
    # circular: heading change since the wave of the previous turn (the enemy record's scan to scan rate)
    rnd = table["round"][rows]
    prev_ok = np.zeros(n, bool)
    prev_ok[1:] = (rnd[1:] == rnd[:-1]) & (turn[1:] == turn[:-1] + 1.0)
    dh = np.zeros(n)
    dh[1:] = heading[1:] - heading[:-1]
    dh = np.arctan2(np.sin(dh), np.cos(dh))
    rate = np.where(prev_ok & np.isfinite(dh), np.clip(dh, -MAX_TURN_RATE_RADIANS, MAX_TURN_RATE_RADIANS), 0.0)
    en = np.zeros((n, N_EN))
    en[:, EN_TIME] = turn - 1.0      # the state at the end of turn t-1, the wave's fire-time state
    en[:, EN_X] = fx + d * np.sin(b)
    en[:, EN_Y] = fy + d * np.cos(b)
    en[:, EN_HEADING] = np.nan_to_num(heading)
    en[:, EN_VEL] = table["velocity"][rows]
    en[:, EN_TURN_RATE] = rate
    en[:, EN_ALIVE] = 1.0
    return dict(feat=feat, gf_lo=table["gf_lo"][rows].astype(np.float64), gf_hi=table["gf_hi"][rows].astype(np.float64),
                en=en, fire_x=fx, fire_y=fy, turn=turn, power=table["power"][rows], bearing=b,
                lat=table["lat_dir"][rows], mea=table["mea"][rows])


def stream_events(table, rows, scored, learnable):
    """(kind, row) arrays of the stream's events in time order: EV_AIM at each scored wave's fire turn,
    EV_LEARN at each learnable wave's availability (learning.model.availability_keys); aims before
    learns at the same key, waves in fire order within a kind. Rows are positions within `rows`."""
    from bots.guns.offline import EV_AIM, EV_LEARN
    from learning.model import availability_keys
    sub = {c: table[c][rows] for c in ("round", "turn", "center_turn", "bullet_speed")}
    fire, avail = availability_keys(sub)
    pos = np.arange(len(rows))
    a = pos[scored]
    lr = pos[learnable]
    key = np.concatenate([fire[a], avail[lr]])
    kind = np.concatenate([np.full(len(a), EV_AIM), np.full(len(lr), EV_LEARN)]).astype(np.int64)
    row = np.concatenate([a, lr]).astype(np.int64)
    order = np.lexsort((row, kind, key))
    return kind[order], row[order]


def replay(gun, inputs, kind, row, width, height, memory=None):
    """Run one stream's events through `gun` (an OfflineGun); returns (gf per wave, aimer per wave,
    memory). Waves the gun did not aim at have NaN and -1."""
    from bots.guns.offline import replay_stream
    from bots.guns.wave_kernels import N_AIMERS
    m = gun.new_memory() if memory is None else memory
    n = len(inputs["turn"])
    aim_gf = np.full((n, N_AIMERS), np.nan)
    out_gf = np.full(n, np.nan)
    out_aimer = np.full(n, -1, dtype=np.int64)
    replay_stream(m, kind, row, inputs["feat"], inputs["gf_lo"], inputs["gf_hi"], inputs["en"], inputs["fire_x"],
                  inputs["fire_y"], inputs["turn"], inputs["power"], inputs["bearing"], inputs["lat"], inputs["mea"],
                  float(width), float(height), aim_gf, out_gf, out_aimer)
    return out_gf, out_aimer, m


def in_hit_set(table, parts, rows, gf, tol=1e-9):
    """Does gf[k] lie in the exact hit set of gun row rows[k] (Dataset.hit_set_contains, vectorised)?"""
    lo = table["gf_lo"][rows]
    hi = table["gf_hi"][rows]
    ok = np.isfinite(gf)
    hit = ok & (lo - tol <= gf) & (gf <= hi + tol)
    multi = np.flatnonzero(ok & (table["n_parts"][rows] > 1))
    if len(multi):
        order = np.argsort(parts["row"], kind="stable")
        prow = parts["row"][order]
        for k in multi:
            a, b = np.searchsorted(prow, [rows[k], rows[k] + 1])
            sel = order[a:b]
            hit[k] = bool(np.any((parts["gf_lo"][sel] - tol <= gf[k]) & (gf[k] <= parts["gf_hi"][sel] + tol)))
    return hit


def _check_finite(path, inputs, used, missing=()):
    """The kernel's inputs of the waves it uses must be numbers (a crafted file could hold NaN features);
    `missing`: feature columns an older schema's file lacks (NaN, read by no gun: see _check_schema)."""
    from sim.waves.features import FEATURE_NAMES
    bad = ~np.isfinite(inputs["feat"][used]).all(axis=0)
    bad &= ~np.isin(np.array(FEATURE_NAMES), list(missing))
    if bad.any():
        raise UsageError(f"{path}: feature {FEATURE_NAMES[int(np.argmax(bad))]} is not finite in waves the guns use")
    for c in ("fire_x", "fire_y", "power", "bearing", "lat", "mea"):
        if not np.isfinite(inputs[c][used]).all():
            raise UsageError(f"{path}: column {c} is not finite in waves the guns use")


def _check_schema(dataset, guns):
    """A gun whose model uses a feature column the file's (older) schema lacks cannot replay it."""
    from bots.guns.wave_memory import used_features
    from sim.io.dataset import missing_message
    missing = getattr(dataset, "missing", ())
    for gun in guns if missing else ():
        lacking = [c for c in missing if c in used_features(gun.new_memory())]
        if lacking:
            raise UsageError(missing_message(dataset.path, lacking[0], dataset.schema_version))


def scored_and_learnable(table, rows, waves):
    """Masks over `rows`: the waves the guns are scored on, and those they learn (passed the whole box)."""
    from learning.model import valid_interval
    done = (table["status"][rows] == 0) & valid_interval(table["gf_lo"][rows], table["gf_hi"][rows])
    scored = done & (table["real_bullet"][rows].astype(bool) if waves == "real" else True)
    return scored, done


# ---------------------------------------------------------------- the evaluation

def streams(table, shooter="both"):
    """{battle: [(shooter, rows sorted by round and turn), ...]} for the chosen shooter(s)."""
    sel = np.ones(len(table["turn"]), bool) if shooter == "both" else table["shooter"] == int(shooter)
    idx = np.flatnonzero(sel)
    order = np.lexsort((table["turn"][idx], table["round"][idx], table["shooter"][idx], table["battle"][idx]))
    idx = idx[order]
    out = {}
    if not len(idx):
        return out
    b = table["battle"][idx]
    s = table["shooter"][idx]
    cut = np.flatnonzero((np.diff(b) != 0) | (np.diff(s) != 0)) + 1
    for piece in np.split(idx, cut):
        out.setdefault(int(table["battle"][piece[0]]), []).append((int(table["shooter"][piece[0]]), piece))
    return out


def evaluate(dataset, guns, shooter="both", waves="real", carry_memory=False, baseline=None, progress=None):
    """Replay `dataset` (a sim.io.dataset.Dataset) through `guns` (OfflineGun list); returns the summary dict.

    `progress(done)` is called after each (battle, gun) replay."""
    from sim.experiments.challenge import mean_ci
    from sim.experiments.runner import paired_ci
    if waves not in SCORED:
        raise UsageError(f"--waves must be one of {', '.join(SCORED)}")
    t0 = time.perf_counter()
    g = dataset.gun
    rules = dataset.meta.get("rules", {})
    width, height = rules.get("width", 800), rules.get("height", 600)
    _check_schema(dataset, guns)
    by_battle = streams(g, shooter)
    battle_ids = sorted(by_battle)
    ref = None
    if baseline is not None:
        want = {baseline, _canonical_name(baseline)}
        ref = next((k for k, gun in enumerate(guns) if gun.name in want), None)
        if ref is None:
            raise UsageError(f"--baseline {baseline} is not one of --guns ({', '.join(x.name for x in guns)})")
    nb, ng = len(battle_ids), len(guns)
    hits = np.zeros((ng, nb), dtype=np.int64)
    shots = np.zeros(nb, dtype=np.int64)
    learned = 0
    carried = {}
    done = 0
    for j, bid in enumerate(battle_ids):
        for s, rows in by_battle[bid]:
            scored, learnable = scored_and_learnable(g, rows, waves)
            inputs = stream_inputs(g, rows)
            _check_finite(dataset.path, inputs, scored | learnable, dataset.missing)
            kind, row = stream_events(g, rows, scored, learnable)
            shots[j] += int(scored.sum())
            learned += int(learnable.sum())
            for k, gun in enumerate(guns):
                mem = carried.get((k, s)) if carry_memory else None
                gf, _, mem = replay(gun, inputs, kind, row, width, height, mem)
                if carry_memory:
                    carried[(k, s)] = mem
                hit = in_hit_set(g, dataset.parts, rows[scored], gf[scored])
                hits[k, j] += int(hit.sum())
        for k in range(ng):
            done += 1
            if progress is not None:
                progress(done)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(shots > 0, hits / np.maximum(shots, 1), np.nan)
    if ref is None:
        means = [mean_ci(rate[k])["mean"] for k in range(ng)]
        ref = int(np.argmax([m if np.isfinite(m) else -1.0 for m in means]))
    out = []
    for k, gun in enumerate(guns):
        d = paired_ci(rate[k], rate[ref])
        out.append({"gun": gun.name, "aimers": gun.aimers, "hit_rate": _ci(mean_ci(rate[k])),
                    "hits": int(hits[k].sum()), "shots": int(shots.sum()),
                    "pooled_hit_rate": _num(hits[k].sum() / shots.sum()) if shots.sum() else None,
                    "per_battle": [_num(v) for v in rate[k]],
                    "vs_reference": None if k == ref else _ci(d)})
    names = [m.get("spec") for m in dataset.meta.get("bots", [])]
    return {"dataset": dataset.path, "bots": names, "battles": nb, "battle_ids": battle_ids, "shooter": shooter,
            "waves": waves, "carry_memory": bool(carry_memory), "scored_waves": int(shots.sum()),
            "learned_waves": learned, "field": [width, height], "reference": guns[ref].name,
            "reference_is": "baseline" if baseline is not None else "best", "confidence": CONFIDENCE,
            "guns": out, "seconds": time.perf_counter() - t0}


def _canonical_name(spec):
    try:
        return OfflineGun(spec).name
    except UsageError:
        return None


def _num(v):
    v = float(v)
    return v if math.isfinite(v) else None


def _ci(d):
    return {k: (_num(d[k]) if k != "n" else int(d[k])) for k in ("mean", "low", "high", "half", "n")}


# ---------------------------------------------------------------- output

def _pct(v, digits=1):
    return "n/a" if v is None else f"{100.0 * v:.{digits}f}"


def table_text(summary):
    who = {"both": "both robots' waves", "0": "waves of robot 0", "1": "waves of robot 1"}[summary["shooter"]]
    bots = summary["bots"]
    target = ""
    if bots and len(bots) == 2 and summary["shooter"] != "both":
        target = f" (aimed at {bots[1 - int(summary['shooter'])]})"
    lines = [f"{summary['dataset']}: {summary['battles']} battles, {summary['scored_waves']:,} scored waves "
             f"({'real bullets' if summary['waves'] == 'real' else 'every wave'}, {who}{target}), "
             f"{summary['learned_waves']:,} learned; memory "
             f"{'carried over between battles' if summary['carry_memory'] else 'fresh each battle'}",
             f"hit rate: mean over battles ± 95% CI (Student t); paired difference to "
             f"{summary['reference']} ({summary['reference_is']}), in points, battle by battle"]
    rows = [("gun", "hit %", "± CI", "pooled %", f"vs {summary['reference']}", "")]
    for g in summary["guns"]:
        h = g["hit_rate"]
        d = g["vs_reference"]
        rows.append((g["gun"], _pct(h["mean"], 2), _pct(h["half"], 2), _pct(g["pooled_hit_rate"], 2),
                     "" if d is None else f"{100 * d['mean']:+.2f}" if d["mean"] is not None else "n/a",
                     "" if d is None or d["half"] is None else f"± {100 * d['half']:.2f}"))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    for r in rows:
        cells = (r[c].ljust(widths[c]) if c == 0 else r[c].rjust(widths[c]) for c in range(len(r)))
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def plot_png(summary):
    """A bar chart of the hit rates with their 95% intervals (PNG bytes)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    guns = summary["guns"]
    vals = [100.0 * (g["hit_rate"]["mean"] or 0.0) for g in guns]
    errs = [100.0 * (g["hit_rate"]["half"] or 0.0) for g in guns]
    fig, ax = plt.subplots(figsize=(max(4.0, 1.0 + 0.9 * len(guns)), 3.6))
    colors = ["tab:orange" if g["gun"] == summary["reference"] else "tab:blue" for g in guns]
    ax.bar(range(len(guns)), vals, yerr=errs, capsize=4, color=colors)
    ax.set_xticks(range(len(guns)))
    ax.set_xticklabels([g["gun"] for g in guns], rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("hit rate % (mean ± 95% CI over battles)")
    ax.set_title(f"gfsim evaluate: {os.path.basename(summary['dataset'])}, {summary['battles']} battles, "
                 f"{summary['scored_waves']:,} waves", fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()


# ---------------------------------------------------------------- command line

def build_parser(prog="gfsim evaluate"):
    p = OneLineParser(prog=prog, description=(
        "Replay a dataset's recorded waves (gfsim collect / gfsim import) through guns, offline, in the order "
        "they were fired and learned, and print each gun's hit rate on the recorded movement: mean over "
        "battles with a 95%% Student-t interval, and paired differences to the best gun (or --baseline), "
        "since every gun sees the same waves. Each gun aims at a wave from its fire-time features with the "
        "same compiled code it plays with, is scored hit when its GF lies in the wave's exact hit set, and "
        "learns the wave once its label is known (its front passed the target), as in battle."))
    p.add_argument("dataset", metavar="DATA.npz", help="a dataset written by gfsim collect, gfsim import or "
                                                       "gfsim battle --dataset")
    p.add_argument("--guns", required=True, metavar="SPEC[,SPEC...]",
                   help="guns with parameters as in bot specs, e.g. gf,knn:k=50,bandwidth=0.2,learned:model=M.json "
                        f"(offline: {', '.join(OFFLINE_GUNS)}; firing parameters such as power do not apply)")
    p.add_argument("--baseline", metavar="GUN", help="compare every gun to this one of --guns (default: the best)")
    p.add_argument("--shooter", choices=("both", "0", "1"), default="both",
                   help="whose waves: robot 0's (aimed at robot 1's movement), robot 1's, or both (default); "
                        "each (battle, shooter) is its own gun memory")
    p.add_argument("--waves", choices=SCORED, default="real",
                   help="waves the guns aim at and are scored on: real (carried a bullet; default) or all; "
                        "guns learn from every wave that passed the target either way")
    p.add_argument("--carry-memory", action="store_true",
                   help="keep each shooter's gun memory from one battle to the next (default: fresh each battle)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    p.add_argument("--plot", metavar="OUT.png", help="write a bar chart of the hit rates with their intervals")
    add_progress_flags(p)
    return p


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    return run_command("gfsim evaluate", _main, argv)


def _main(argv):
    from sim.io.dataset import load_dataset
    args = build_parser().parse_args(argv)
    if args.plot:
        if not args.plot.endswith(".png"):
            raise UsageError(f"--plot must name a .png file, got {args.plot!r}")
        check_outputs([("--plot", args.plot)], [("DATA.npz", args.dataset)])
    guns = parse_guns(args.guns)
    ds = load_dataset(args.dataset, tables=("gun", "parts"))
    if not len(ds):
        raise UsageError(f"{args.dataset}: the dataset has no gun waves")
    n_battles = len(streams(ds.gun, args.shooter))
    if not n_battles:
        raise UsageError(f"{args.dataset}: no waves of shooter {args.shooter}")
    show = args.progress if args.progress is not None else (sys.stderr.isatty() and not args.json)
    bar, update = progress_bar(n_battles * len(guns), show, "evaluate", unit="replay")
    try:
        summary = evaluate(ds, guns, shooter=args.shooter, waves=args.waves, carry_memory=args.carry_memory,
                           baseline=args.baseline, progress=update)
    finally:
        if bar is not None:
            bar.close()
    if args.plot:
        from sim.io.atomic import write_atomic
        write_atomic(args.plot, plot_png(summary))
    if args.json:
        sys.stdout.write(json_text(summary))
    else:
        print(table_text(summary))
        if args.plot:
            print(f"plot written to {args.plot}")
    return 0


if __name__ == "__main__":
    from sim.cli.errors import exit_with
    exit_with(main())
