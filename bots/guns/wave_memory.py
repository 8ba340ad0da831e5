"""The wave guns' parameters and memory layout (Python side), shared by gf, knn, learned and virtual.

The compiled gun (bots/guns/wave_kernels.py) reads its settings and block offsets from
its memory header, which `prepare` writes before a battle; the learned gun's
model file is read here, once, and copied into the memory as numbers.
"""
import functools
import os

import numpy as np

from sim.waves.gf import FEATURE_NAMES, EXT_FEATURE_NAMES, FLAG_FEATURE_NAMES
from bots.guns import wave_kernels as wg
from bots.part import Param

MODELS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "models")
DEFAULT_MODEL = "learned-schema2.json"   # shipped: benchmarks/learned_corpus.py (15 movers, seeds 1000 and up, schema 2)
# the anti-surfer model the switch (anti_band > 0) aims with while the gun's hit rate is low: its own file, its own
# features (BeepBoop's: no power, no shots fired, dist10 for dist20), up to 100 neighbours
DEFAULT_ANTI_MODEL = "learned-anti.json"

# the k-NN gun's fixed distance: (feature, normalisation lo, hi, weight); e = weight * clip((x - lo)/(hi - lo))
KNN_FEATURES = (
    ("distance", 0.0, 1000.0, 3.0),
    ("abs:lat_vel", 0.0, 8.0, 4.0),
    ("adv_vel", -8.0, 8.0, 1.0),
    ("accel", -2.0, 1.0, 2.0),
    ("dir_change_rel", 0.0, 2.0, 2.0),
    ("wall_ahead", 0.0, 1.0, 3.0),
    ("wall_reverse", 0.0, 1.0, 1.5),
    ("dist10", 0.0, 80.0, 2.0),
)

_LAG = Param("lag", 1.0, 0.0, 1.0,
             "1 = learn each wave's label with the features the gun saw when it aimed (one turn before the "
             "bullet's wave leaves: what a query will look like); 0 = with the wave's own features, as the dataset")
GF_PARAMS = (
    Param("dist_segs", 3.0, 1.0, 10.0, "distance segments (equal widths over 0..max_distance)"),
    Param("lat_segs", 3.0, 1.0, 10.0, "|lateral velocity| segments (equal widths over 0..8)"),
    Param("accel_segs", 3.0, 1.0, 3.0, "acceleration segments: 1 = none, 2 = slowing / not, 3 = slowing / "
                                       "steady / speeding up"),
    Param("wall_segs", 2.0, 1.0, 5.0, "wall segments: the escape-angle ratio towards its direction of travel "
                                       "(wall_ahead, 0..1) in equal widths"),
    Param("timer_segs", 3.0, 1.0, 5.0, "segments of the time since its last reversal relative to the flight "
                                        "time (dir_change_rel, 0..1 in equal widths, more in the last)"),
    Param("bins", 47.0, 11.0, 101.0, "guess-factor bins over -1..1"),
    Param("smoothing", 1.5, 0.1, 20.0, "a label adds 1 / (1 + (d / smoothing)^2) to a bin d bins outside its "
                                       "[gf_lo, gf_hi] (1 inside)"),
    Param("rolling", 30.0, 1.0, 1e6, "rolling-average depth: bins = (bins * depth + visit) / (depth + 1)"),
    Param("max_distance", 900.0, 100.0, 5000.0, "distance covered by the distance segments (px)"),
    _LAG,
    Param("table", "", 0, 0, "start from a GF table file (`gfsim distill`, learning/gf_table.py) instead of empty "
                             "statistics; its segmentation replaces the five *_segs, bins and max_distance "
                             "(rolling=1000000 keeps it practically frozen)", kind="path"),
)
KNN_PARAMS = (
    Param("k", 30.0, 1.0, float(wg.MAX_K), "neighbours: k = min(k, max(1, stored / 10))"),
    Param("bandwidth", 0.1, 0.01, 1.0, "Gaussian KDE bandwidth over the neighbours' interval centres (GF units)"),
    Param("max_points", 50000.0, 100.0, 200000.0, "waves stored at most (oldest dropped first)"),
    _LAG,
)
LEARNED_PARAMS = (
    Param("model", "", 0, 0, f"gun model file from `gfsim train` (default: the shipped bots/models/{DEFAULT_MODEL}, "
                              "trained by benchmarks/learned_corpus.py on 15 movers, dataset schema 2)", kind="path"),
    Param("max_points", 0.0, 0.0, 200000.0, "waves stored at most, oldest dropped (0 = the model's max_points)"),
    Param("aim", 0.0, 0.0, 1.0, "0 = fire at the argmax of the model's own kernel density; 1 = at the GF inside "
                                 "the most (softmax-weighted) neighbours' hit intervals, i.e. the highest chance "
                                 "of a hit if the next interval is like a neighbour's"),
    Param("preaim", 3.0, 1.0, 10.0, "aim (and turn the gun towards the aim) from this many turns before the gun is "
                                    "cool: a GF up to the MEA (~47 degrees at power 3) needs up to 3 turns of gun "
                                    "turning (20 degrees per turn); 1 = only in the turn before"),
    _LAG,
    Param("memory", "", 0, 0, "pre-seeded memory: start each battle with the wave store filled from this dataset "
                              "(`gfsim collect`, e.g. a corpus file of benchmarks/learned_corpus.py): its last "
                              "max_points labelled waves of robot memory_shooter that passed the target, with "
                              "their own fire-time features; empty (default) = start empty", kind="path"),
    Param("memory_shooter", 0.0, 0.0, 1.0, "whose waves of the memory dataset: 0 = BOT_A's (the shooter in the "
                                           "corpus files), 1 = BOT_B's"),
    Param("est_sim", 2.0, 0.0, 20.0,
          "estimator ensemble: prior weight of each classic aim (head-on, linear, circular) against the learned "
          "density's 1; weights = prior x exp(rolling log-score of each breaking aimed wave's hit interval), the "
          "gun fires at the mixture's argmax (bots/ensemble.py); 0 = the learned density alone"),
    Param("est_bandwidth", 0.05, 0.0, 0.5, "estimator ensemble: a classic aim's density is a box over the GFs "
                                           "that hit a target where it predicts it: half-width max(this, the "
                                           "target's half-width atan(18 / distance) / MEA), guess factors"),
    Param("est_decay", 0.98, 0.0, 1.0, "estimator ensemble: each breaking wave multiplies every log-score by this"),
    Param("hold_fire", 1.0, 0.0, 10.0,
          "hold fire while hold_fire x the expected damage of our bullets in flight (damage x the hit probability "
          "of each one's aim: the gun's density mass over the target's width) covers the enemy's energy; 0 = off"),
    Param("fire_gate", 0.8, 0.0, 1.0,
          "hold a shot whose hit probability (the density's mass over the target's width) is under fire_gate x "
          "the running mean of this gun's aims (last ~100): the gun stays cool and aims again next turn; 0 = off"),
    Param("gate_band", 0.2, 0.0, 1.0,
          "fire_gate only while this battle's real bullets hit at least this often (after 10 of them): against a "
          "mover that dodges the aims (a surfer) the density's confidence misleads; 0 = always"),
    Param("anti_band", 0.0, 0.0, 1.0,
          "BeepBoop's model switch: aim with the anti-surfer model (anti_model) while the band of this battle's hit "
          "rate p +- z sqrt(p(1-p)/max(1,n)) (n = real bullets whose wave passed the living enemy; z = 1.282 under 50 "
          "of them, else 0.842) reaches down to anti_band, else with the main model; both learn every wave; 0 = off "
          "(the main model alone; `gfsim evaluate` replays the main model only)"),
    Param("anti_model", "", 0, 0, f"the anti-surfer model file (default: the shipped bots/models/{DEFAULT_ANTI_MODEL}, "
                                   "benchmarks/learned_corpus.py); read only when anti_band > 0", kind="path"),
)
VIRTUAL_PARAMS = tuple(Param(name, 1.0, 0.0, 1.0, f"1 = run the {name} aimer") for name in wg.AIMER_NAMES) + (
    LEARNED_PARAMS[0], _LAG)


_GF_DEFAULTS = {p.name: p.default for p in GF_PARAMS}
_KNN_DEFAULTS = {p.name: p.default for p in KNN_PARAMS}
_LEARNED_DEFAULTS = {p.name: p.default for p in LEARNED_PARAMS}


def _load_table(value):
    """The gf gun's starting table (learning.gf_table), or None when no file is given."""
    if not value:
        return None
    from learning.gf_table import load_table, TableError
    try:
        return load_table(os.path.expanduser(value))
    except TableError as e:
        raise ValueError(str(e)) from None


def model_path(value, default=DEFAULT_MODEL):
    return os.path.join(MODELS_DIR, default) if not value else os.path.expanduser(value)


def _load(value, default=DEFAULT_MODEL, what=""):
    from learning.model import load_model, ModelError
    try:
        model = load_model(model_path(value, default))
    except ModelError as e:
        raise ValueError(f"{what}{e}") from None
    if model.n_features > wg.MAX_F:
        raise ValueError(f"{what}the model uses {model.n_features} features, the gun supports {wg.MAX_F}")
    return model


def _load_anti(v):
    """The anti-surfer model when the switch is on (anti_band > 0), else None."""
    if v.get("anti_band", 0.0) <= 0.0:
        return None
    return _load(v.get("anti_model", ""), DEFAULT_ANTI_MODEL, "anti_model: ")


# learning/model.py's kernel names -> the compiled gun's kernel codes
KERNEL_CODES = {"box": wg.KERNEL_BOX, "gaussian": wg.KERNEL_GAUSS, "laplace": wg.KERNEL_LAPLACE,
                "indicator": wg.KERNEL_INDICATOR}


def _aimers(gun, v):
    if gun == "virtual":
        return [a for a in wg.AIMER_NAMES if v[a] >= 0.5]
    return [gun]


def _layout(gun, v, model=None, anti=None):
    aimers = _aimers(gun, v)
    if not aimers:
        raise ValueError("choose at least one aimer")
    lay = {"aimers": aimers}
    off = wg.HEADER
    lay["hist"] = off
    off += wg.HIST_SIZE
    lay["waves"] = off
    off += wg.WAVE_CAP * wg.W_STRIDE
    cap_max = 0
    gfv = v if gun == "gf" else _GF_DEFAULTS
    table = _load_table(v.get("table")) if gun == "gf" else None
    if table is not None:
        gfv = dict(v, **table.segmentation)
        lay["gf_table"] = table
    if "gf" in aimers:
        lay["gf"] = off
        segs = (int(gfv["dist_segs"]) * int(gfv["lat_segs"]) * int(gfv["accel_segs"]) * int(gfv["wall_segs"]) *
                int(gfv["timer_segs"]))
        off += segs * int(gfv["bins"])
    knnv = v if gun == "knn" else _KNN_DEFAULTS
    if "knn" in aimers:
        cap = int(knnv["max_points"])
        lay["knn"] = off
        off += wg.model_block_size(len(KNN_FEATURES), cap)
        cap_max = max(cap_max, cap)
    if "learned" in aimers:
        model = model or _load(v["model"])
        cap = int(v.get("max_points", 0)) or model.max_points
        lay["learned"] = off
        lay["learned_cap"] = cap
        off += wg.model_block_size(model.n_features, cap)
        cap_max = max(cap_max, cap)
        anti = anti or _load_anti(v)
        if anti is not None:
            # (the store holds as many waves as the main model's: both learn every wave)
            lay["anti"] = off
            off += wg.model_block_size(anti.n_features, cap)
        if _reads(model, anti) & set(FLAG_FEATURE_NAMES):
            lay["bullets"] = off    # the round's bullet log (did_hit / did_collide: wave_kernels.flag_waves)
            off += wg.BULLET_LOG_CAP
    lay["scratch"] = off
    off += wg.scratch_size(cap_max)
    lay["size"] = off
    lay["gf_values"] = gfv
    lay["knn_values"] = knnv
    return lay


def _model_block(features, lo, hi, a, b, c, *, scale, max_nb, min_nb, divider, cap, min_hw, dom, kernel, bw):
    blk = np.zeros(wg.MH_STORE)
    nf = len(features)
    blk[wg.MH_NF] = nf
    blk[wg.MH_SCALE] = scale
    blk[wg.MH_MAX_NB] = max_nb
    blk[wg.MH_MIN_NB] = min_nb
    blk[wg.MH_DIVIDER] = divider
    blk[wg.MH_CAP] = cap
    blk[wg.MH_MIN_HW] = min_hw
    blk[wg.MH_DOM_LO], blk[wg.MH_DOM_HI] = dom
    blk[wg.MH_KERNEL] = kernel
    blk[wg.MH_BW] = bw
    for f, name in enumerate(features):
        absolute = name.startswith("abs:")
        blk[wg.MH_IDX + f] = FEATURE_NAMES.index(name[4:] if absolute else name)
        blk[wg.MH_ABS + f] = 1.0 if absolute else 0.0
    blk[wg.MH_NLO:wg.MH_NLO + nf] = lo
    blk[wg.MH_NHI:wg.MH_NHI + nf] = hi
    blk[wg.MH_A:wg.MH_A + nf] = a
    blk[wg.MH_B:wg.MH_B + nf] = b
    blk[wg.MH_C:wg.MH_C + nf] = c
    return blk


MEMORY_READ_ROWS = 200_000   # rows per block while reading a memory dataset (bounded memory)


@functools.lru_cache(maxsize=4)
def _memory_waves(path, stamp, features, shooter, cap):
    """(raw features (n, F), gf_lo, gf_hi) of the last `cap` waves of robot `shooter` in dataset `path` whose
    front passed the target with a usable interval (what the gun would have learned), in file order; cached
    per process by (path, modification stamp, ...) so a challenge's battles read the file once."""
    from sim.io.dataset import iter_chunks, DatasetError
    from learning.model import feature_matrix, valid_interval
    bases = sorted({f.removeprefix("abs:") for f in features})
    cols = bases + ["gf_lo", "gf_hi", "status", "shooter"]
    kept = {c: np.zeros(0) for c in cols}
    try:
        for block in iter_chunks(path, "gun", rows=MEMORY_READ_ROWS, columns=cols):
            sel = ((block["shooter"] == shooter) & (block["status"] == 0)
                   & valid_interval(block["gf_lo"], block["gf_hi"]))
            kept = {c: np.concatenate([kept[c], block[c][sel].astype(np.float64)])[-cap:] for c in cols}
    except DatasetError as e:
        raise ValueError(f"memory: {e}") from None
    raw = feature_matrix(kept, list(features))
    if not len(raw):
        raise ValueError(f"memory: {path}: no usable waves of robot {shooter}")
    if not (np.isfinite(raw).all() and np.isfinite(kept["gf_lo"]).all() and np.isfinite(kept["gf_hi"]).all()):
        raise ValueError(f"memory: {path}: features or intervals are not finite")
    return raw, kept["gf_lo"], kept["gf_hi"]


def _seeded_store(model, cap, path, shooter):
    """(n, the store's float64 slots after MH_STORE) pre-filled with a dataset's waves embedded exactly as
    wave_kernels.embed does (e = a (1e-4 + b + clip(n, 0, 1)) ^ c, stored as float32 columns)."""
    path = os.path.expanduser(path)
    try:
        st = os.stat(path)
    except OSError as e:
        raise ValueError(f"memory: cannot read {path}: {e.strerror}") from None
    raw, lo, hi = _memory_waves(path, (st.st_mtime_ns, st.st_size), tuple(model.features), int(shooter), cap)
    n, nf = raw.shape
    u = wg.SHIFT + model.b + np.clip((raw - model.lo) / (model.hi - model.lo), 0.0, 1.0)
    e = model.a * np.where(model.c == 1.0, u, u ** model.c)
    ne = (nf * cap + 1) // 2 + 1
    cols = np.zeros(2 * ne, dtype=np.float32)
    cols[:nf * cap].reshape(nf, cap)[:, :n] = e.T
    store = np.zeros(ne + 2 * cap)
    store[:ne] = cols.view(np.float64)
    store[ne:ne + n] = lo
    store[ne + cap:ne + cap + n] = hi
    return n, store


def _reads(*models):
    """The feature columns the given models (None: absent) read."""
    return {f.removeprefix("abs:") for mo in models if mo is not None for f in mo.features}


def memory_size(gun, v):
    """float64 slots the wave gun `gun` needs with parameter values `v`."""
    return _layout(gun, v)["size"]


def prepare_memory(gun, v):
    """[(offset in the part's memory, values)]: the header and the neighbour models' settings."""
    model = _load(v["model"]) if "learned" in _aimers(gun, v) else None
    anti = _load_anti(v) if model is not None else None
    lay = _layout(gun, v, model, anti)
    head = np.zeros(wg.HEADER)
    head[wg.WH_HIST] = lay["hist"]
    head[wg.WH_WAVES] = lay["waves"]
    head[wg.WH_SCRATCH] = lay["scratch"]
    for a, name in enumerate(wg.AIMER_NAMES):
        head[wg.WH_USE + a] = 1.0 if name in lay["aimers"] else 0.0
    head[wg.WH_NEED_FEATURES] = 1.0 if set(lay["aimers"]) & {"gf", "knn", "learned"} else 0.0
    head[wg.WH_LAG] = v["lag"]
    head[wg.WH_PREAIM] = v.get("preaim", 1.0)
    if gun == "learned":
        f = {**_LEARNED_DEFAULTS, **v}   # (a caller may pass only the older settings)
        head[wg.WH_EST_SIM] = f["est_sim"]
        head[wg.WH_EST_BW] = f["est_bandwidth"]
        head[wg.WH_EST_DECAY] = f["est_decay"]
        head[wg.WH_HOLD] = f["hold_fire"]
        head[wg.WH_GATE] = f["fire_gate"]
        head[wg.WH_GATE_BAND] = f["gate_band"]
        head[wg.WH_ANTI_BAND] = f["anti_band"]
    # the schema-2 features cost a short simulation per wave: only for a model that reads one (older models
    # and the other guns play exactly as before)
    uses = _reads(model, anti)
    head[wg.WH_NEED_EXT] = 1.0 if uses & set(EXT_FEATURE_NAMES) else 0.0
    head[wg.WH_BULLETS] = lay.get("bullets", 0)
    out = [(0, head)]
    if "gf" in lay:
        g = lay["gf_values"]
        head[wg.WH_GF] = lay["gf"]
        head[wg.WH_GF_DSEG] = g["dist_segs"]
        head[wg.WH_GF_LSEG] = g["lat_segs"]
        head[wg.WH_GF_ASEG] = g["accel_segs"]
        head[wg.WH_GF_WSEG] = g["wall_segs"]
        head[wg.WH_GF_TSEG] = g["timer_segs"]
        head[wg.WH_GF_BINS] = g["bins"]
        head[wg.WH_GF_SMOOTH] = g["smoothing"]
        head[wg.WH_GF_ROLL] = g["rolling"]
        head[wg.WH_GF_MAXD] = g["max_distance"]
        if "gf_table" in lay:
            out.append((lay["gf"], lay["gf_table"].values.ravel()))
    if "knn" in lay:
        k = lay["knn_values"]
        head[wg.WH_KNN] = lay["knn"]
        names = [f[0] for f in KNN_FEATURES]
        nf = len(names)
        out.append((lay["knn"], _model_block(
            names, [f[1] for f in KNN_FEATURES], [f[2] for f in KNN_FEATURES], [f[3] for f in KNN_FEATURES],
            np.zeros(nf), np.ones(nf), scale=0.0, max_nb=int(k["k"]), min_nb=1, divider=10.0,
            cap=int(k["max_points"]), min_hw=1e-3, dom=(-1.0, 1.0), kernel=wg.KERNEL_GAUSS, bw=k["bandwidth"])))
    if "learned" in lay:
        head[wg.WH_LEARNED] = lay["learned"]
        models = [("learned", model)] + ([("anti", anti)] if "anti" in lay else [])
        for key, mo in models:
            blk = _learned_block(mo, lay["learned_cap"], v)
            if v.get("memory"):
                n, store = _seeded_store(mo, lay["learned_cap"], v["memory"], v.get("memory_shooter", 0.0))
                blk[wg.MH_N] = n
                blk[wg.MH_HEAD] = n % lay["learned_cap"]
                out.append((lay[key] + wg.MH_STORE, store))
            out.append((lay[key], blk))
        if "anti" in lay:
            head[wg.WH_ANTI] = lay["anti"]
    return out


def _learned_block(model, cap, v):
    return _model_block(
        model.features, model.lo, model.hi, model.a, model.b, model.c, scale=model.scale,
        max_nb=model.max_neighbours, min_nb=model.min_neighbours, divider=model.divider,
        cap=cap, min_hw=model.min_half_width, dom=model.gf_domain,
        kernel=wg.KERNEL_INDICATOR if v.get("aim", 0.0) >= 0.5 else KERNEL_CODES[model.kernel],
        bw=model.bandwidth)


def used_features(m):
    """Names of the feature columns the neighbour models in a wave gun's prepared memory `m` read (the learned
    gun's main and anti-surfer models and the k-NN gun's): what a dataset must hold to be replayed through it."""
    names = set()
    for which in (wg.WH_KNN, wg.WH_LEARNED, wg.WH_ANTI):
        o = int(m[which])
        if o:
            for f in range(int(m[o + wg.MH_NF])):
                names.add(FEATURE_NAMES[int(m[o + wg.MH_IDX + f])])
    return names
