"""The learned-distance nearest-neighbour gun model (BeepBoop's form), its retrieval and its file.

For a query wave q and a stored wave j (both described by the same features,
raw values x_f):

    n_f = clip((x_f - lo_f) / (hi_f - lo_f), 0, 1)       normalise to [0, 1]
    e_f = a_f * (1e-4 + b_f + n_f) ** c_f                 embed ("power": a, b, c learned;
                                                          "linear": only a learned, b = 0, c = 1)
    z_j = scale * sum_f |e_f(q) - e_f(j)|                  logit (scale < 0: nearer = heavier)
    S   = softmax(z) over the k nearest stored waves (L1 distance in the embedding)
    k   = min(max_neighbours, max(min_neighbours, n // divider), n)     n = stored waves

and the predicted guess-factor density is

    p(x) = (1 - uniform_mix) * sum_j S_j K_j(x) + uniform_mix * U(x)

with K_j the chosen kernel over the neighbour's own hit interval (kernel
"box": 1/(2 w_j) on [x_j - w_j, x_j + w_j], x_j the interval's centre and
w_j = max(half its width, min_half_width)) and U the uniform density on the
model's GF domain. The mixture keeps the loss finite where no neighbour's box
covers the target (otherwise the loss floor eps = 1e-12 would cost 27.6 nats
there and carry no gradient); it does not move the argmax, so the gun fires at
the same GF. For "linear" the constant 1e-4*a cancels in the differences, so
both variants are evaluated by the same formula: a gun only ever needs
``e = a * (1e-4 + b + n) ** c``.

Retrieval is exact and a stop-gradient: neighbours are chosen with the current
embedding, the gradient flows only through the logits of the chosen ones
(``loss_and_grad``), and the trainer re-retrieves every epoch.
``causal_neighbours`` implements the gun's view of a battle: a query sees
only the stored waves of its own stream (battle, shooter) whose label was
known before the query was fired (see ``availability_keys``), at most
``max_points`` of them (oldest dropped first).

Gradient (``loss_and_grad``): the loss module gives dL/dz exactly; then
dz_j/dtheta_f = scale * sign(e_f(q) - e_f(j)) * (de_f(q)/dtheta_f - de_f(j)/dtheta_f)
(sign(0) = 0: the subgradient of |.| at 0), with de/da = u^c, de/db = a c u^(c-1),
de/dc = a u^c ln u (u = 1e-4 + b + n), and for the temperature, parametrised
as scale = -exp(s), dz_j/ds = z_j.

The file is versioned JSON (``save``/``load_model``; FORMAT, VERSION below).
"""
import json
import math
import os

import numpy as np
from numba import njit

from learning.loss import kde_cross_entropy, per_query_cross_entropy, expected_hit_rate, KERNELS
from sim.io.atomic import write_atomic
from sim.io.jsonfile import read_json
from sim.waves.features import FEATURES, FEATURE_NAMES, FLAG_FEATURE_NAMES

FORMAT = "gfsim-gun-model"
VERSION = 1
SHIFT = 1e-4                 # the 1e-4 in e = a * (1e-4 + b + n) ** c (keeps u > 0 when b = n = 0)
MIN_HALF_WIDTH = 1e-3        # guard for (near) zero-width hit intervals, in GF units (~0.06 deg at MEA 0.6 rad)
B_BOUNDS = (0.0, 10.0)       # b >= 0 keeps u = 1e-4 + b + n >= 1e-4 > 0 for n in [0, 1]
C_BOUNDS = (0.05, 8.0)
S_BOUNDS = (-12.0, 12.0)     # s = log(-scale)
EMBEDDINGS = ("power", "linear")
BIG = 1 << 20                # turns per round in the chronological keys (rounds are far shorter)

# BeepBoop-like default feature set (all computable at fire time; "virtuality" is left out: it looks at
# future bullets). "abs:NAME" is |NAME| -- e.g. |lat_vel|, since guess factors are already signed by the
# lateral direction.
DEFAULT_FEATURES = ("bft", "abs:lat_vel", "adv_vel", "abs_velocity", "vel8", "accel", "adv_dir",
                    "dir_change_rel", "decel_rel", "dist10", "dist20", "wall_ahead", "wall_reverse",
                    "stick_ahead", "stick_reverse", "virtuality_gun", "power", "shots_fired",
                    # dataset schema 2: where the target's continued path, its place on the last bullet's
                    # scale, and linear / circular targeting put it (docs/features.md)
                    "path_gf", "current_gf", "linear_gf", "circular_gf",
                    # dataset schema 3: on which side of the shooter the open field lies (BeepBoop's mirror offset),
                    # and how far the target must turn from the way it drives to keep off the walls
                    "mirror_offset", "stick_heading_ahead", "stick_heading_reverse")
# BeepBoop's anti-surfer model reads the main model's features less the bullet power and the shots fired, and
# the distance moved over 10 turns instead of 20, plus its two per-wave flags: did one of our bullets fired within
# 3 turns of the wave hit the target / an enemy bullet (`gfsim train --features`, benchmarks/learned_corpus.py)
ANTI_SURFER_FEATURES = tuple(f for f in DEFAULT_FEATURES if f not in ("power", "shots_fired", "dist20")) + (
    "did_hit", "did_collide")

_FEATURE_DOCS = {name: doc for name, doc, _ in FEATURES}


class ModelError(ValueError):
    """A model file or model description that cannot be used (one-line message)."""


# --------------------------------------------------------------------------- features and labels

def check_feature_names(names):
    """Validate feature names: entries of sim.waves.features.FEATURES, optionally as "abs:NAME"."""
    names = list(names)
    if not names:
        raise ModelError("the feature list is empty")
    seen = set()
    for n in names:
        if not isinstance(n, str):
            raise ModelError(f"feature names must be strings, got {n!r}")
        base = n[4:] if n.startswith("abs:") else n
        if base not in _FEATURE_DOCS:
            raise ModelError(f"unknown feature {n!r} (known: {', '.join(FEATURE_NAMES)}; prefix abs: for |x|)")
        if n in seen:
            raise ModelError(f"feature {n!r} listed twice")
        seen.add(n)
    return names


def feature_doc(name):
    if name.startswith("abs:"):
        return "|" + name[4:] + "|: absolute value of " + _FEATURE_DOCS[name[4:]]
    return _FEATURE_DOCS[name]


def feature_matrix(table, names):
    """Raw feature values (rows, F) float64 from a dataset table (dict column -> array); a table of an older
    dataset schema holds the newer columns as NaN (sim.io.dataset.Dataset.missing: check before)."""
    cols = []
    for n in check_feature_names(names):
        base = n[4:] if n.startswith("abs:") else n
        v = np.asarray(table[base], dtype=np.float64)
        cols.append(np.abs(v) if n.startswith("abs:") else v)
    return np.stack(cols, axis=1) if cols else np.zeros((0, 0))


def fixed_ranges(names):
    """Per-feature (lo, hi) from the fixed scales of sim.waves.features.SCALES (docs/features.md): the
    default of `gfsim train`, the same whatever the training set holds."""
    from sim.waves.features import scale_of
    r = np.array([scale_of(n) for n in check_feature_names(names)], dtype=np.float64)
    return r[:, 0].copy(), r[:, 1].copy()


def normalisation_ranges(raw):
    """Per-feature (lo, hi) = min and max of the (training) rows; a constant feature gets hi = lo + 1."""
    raw = np.asarray(raw, dtype=np.float64)
    if raw.ndim != 2 or raw.shape[0] == 0:
        raise ModelError("need at least one row to compute normalisation ranges")
    if not np.isfinite(raw).all():
        raise ModelError("features contain NaN or inf")
    lo = raw.min(axis=0)
    hi = raw.max(axis=0)
    hi = np.where(hi > lo, hi, lo + 1.0)
    return lo, hi


def interval_labels(gf_lo, gf_hi, min_half_width=MIN_HALF_WIDTH):
    """(centre, half-width) of hit intervals; the half-width is at least ``min_half_width``."""
    lo = np.asarray(gf_lo, dtype=np.float64)
    hi = np.asarray(gf_hi, dtype=np.float64)
    return 0.5 * (lo + hi), np.maximum(0.5 * (hi - lo), min_half_width)


def target_intervals(gf_lo, gf_hi, min_half_width=MIN_HALF_WIDTH):
    """Query targets [a, b] = [gf_lo, gf_hi], widened symmetrically to 2*min_half_width if narrower."""
    x, w = interval_labels(gf_lo, gf_hi, min_half_width)
    return x - w, x + w


def valid_interval(gf_lo, gf_hi):
    """Rows with a usable label: finite gf_lo <= gf_hi."""
    lo = np.asarray(gf_lo, dtype=np.float64)
    hi = np.asarray(gf_hi, dtype=np.float64)
    return np.isfinite(lo) & np.isfinite(hi) & (hi >= lo)


def availability_keys(table):
    """Chronological keys of gun-table rows: (fire_key, avail_key), both int64.

    fire_key = round * BIG + turn: when the wave is fired (the query's time).
    avail_key: when its label is known to the shooter, i.e. the wave has passed the
    target's whole box: the turn its front reached the target's centre plus
    ceil(18*sqrt(2) / bullet_speed) + 1 turns; waves that never got there (the
    target died or the round ended, center_turn = -1) become known at the end of
    their round. A query may use stored wave j only if avail_key[j] < fire_key[q]:
    a wave fired at turn t is never visible to itself or to anything fired
    before its label exists.
    """
    rnd = np.asarray(table["round"], dtype=np.int64)
    turn = np.asarray(table["turn"], dtype=np.int64)
    ct = np.asarray(table["center_turn"], dtype=np.int64)
    speed = np.asarray(table["bullet_speed"], dtype=np.float64)
    fire = rnd * BIG + turn
    pass_turns = np.ceil(18.0 * math.sqrt(2.0) / np.maximum(speed, 1e-9)).astype(np.int64) + 1
    done = np.maximum(ct, turn) + pass_turns
    avail = np.where(ct >= 0, rnd * BIG + done, (rnd + 1) * BIG)
    return fire, avail


# --------------------------------------------------------------------------- the model

class GunModel:
    """Parameters of the learned-distance k-NN gun (see the module docstring for the formulas)."""

    def __init__(self, features, lo, hi, *, embedding="power", a=None, b=None, c=None, scale=-3.0,
                 kernel="box", bandwidth=0.1, max_neighbours=100, min_neighbours=5, divider=5.0,
                 max_points=50_000, min_half_width=MIN_HALF_WIDTH, uniform_mix=0.02,
                 gf_domain=(-1.0, 1.0), training=None):
        self.features = check_feature_names(features)
        F = len(self.features)
        self.lo = np.array(lo, dtype=np.float64).reshape(-1)
        self.hi = np.array(hi, dtype=np.float64).reshape(-1)
        self.a = np.ones(F) if a is None else np.array(a, dtype=np.float64).reshape(-1)
        self.b = np.zeros(F) if b is None else np.array(b, dtype=np.float64).reshape(-1)
        self.c = np.ones(F) if c is None else np.array(c, dtype=np.float64).reshape(-1)
        self.embedding = embedding
        self.scale = float(scale)
        self.kernel = kernel
        self.bandwidth = float(bandwidth)
        self.max_neighbours = max_neighbours
        self.min_neighbours = min_neighbours
        self.divider = float(divider)
        self.max_points = max_points
        self.min_half_width = float(min_half_width)
        self.uniform_mix = float(uniform_mix)
        self.gf_domain = tuple(float(v) for v in gf_domain)
        self.training = dict(training or {})
        self.validate()

    # -- checks
    def validate(self):
        F = len(self.features)
        for name in ("lo", "hi", "a", "b", "c"):
            v = getattr(self, name)
            if v.shape != (F,):
                raise ModelError(f"{name} has {v.size} values for {F} features")
            if not np.isfinite(v).all():
                raise ModelError(f"{name} contains NaN or inf")
        if not (self.hi > self.lo).all():
            raise ModelError("normalisation ranges need hi > lo for every feature")
        if self.embedding not in EMBEDDINGS:
            raise ModelError(f"unknown embedding {self.embedding!r}; expected one of {list(EMBEDDINGS)}")
        if self.embedding == "linear" and not ((self.b == 0).all() and (self.c == 1).all()):
            raise ModelError("a linear embedding has b = 0 and c = 1 for every feature")
        if (self.b < 0).any():
            raise ModelError("embedding constants b must be >= 0 (so 1e-4 + b + n > 0)")
        if not (self.c > 0).all():
            raise ModelError("embedding exponents c must be > 0")
        if not (math.isfinite(self.scale) and self.scale < 0):
            raise ModelError(f"scale must be a finite negative number, got {self.scale!r}")
        if self.kernel not in KERNELS:
            raise ModelError(f"unknown kernel {self.kernel!r}; expected one of {sorted(KERNELS)}")
        if not (math.isfinite(self.bandwidth) and self.bandwidth > 0):
            raise ModelError("bandwidth must be a positive number")
        from sim.cli.args import MAX_K, MAX_POINTS
        for name, top in (("max_neighbours", MAX_K), ("min_neighbours", MAX_K), ("max_points", MAX_POINTS)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= v <= top:
                raise ModelError(f"{name} must be a whole number from 1 to {top:,}, got {v!r}")
            setattr(self, name, int(v))
        if self.min_neighbours > self.max_neighbours:
            raise ModelError("min_neighbours must not exceed max_neighbours")
        if not (math.isfinite(self.divider) and self.divider >= 1):
            raise ModelError("divider must be a number >= 1")
        if not (math.isfinite(self.min_half_width) and self.min_half_width > 0):
            raise ModelError("min_half_width must be a positive number")
        if not (math.isfinite(self.uniform_mix) and 0 <= self.uniform_mix < 1):
            raise ModelError("uniform_mix must be in [0, 1)")
        if self.uniform_mix > 0 and self.kernel not in ("box", "indicator"):
            raise ModelError("uniform_mix > 0 needs the box or indicator kernel")
        lo, hi = self.gf_domain
        if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
            raise ModelError("gf_domain must be two finite numbers lo < hi")

    @property
    def n_features(self):
        return len(self.features)

    # -- parameters as one vector (what the optimisers see)
    @property
    def params_per_feature(self):
        return 3 if self.embedding == "power" else 1

    def theta(self):
        """[s = log(-scale), a_1..a_F, (b_1..b_F, c_1..c_F for "power")]."""
        parts = [np.array([math.log(-self.scale)]), self.a]
        if self.embedding == "power":
            parts += [self.b, self.c]
        return np.concatenate(parts)

    def set_theta(self, theta):
        theta = np.asarray(theta, dtype=np.float64)
        F = self.n_features
        if theta.shape != (1 + self.params_per_feature * F,):
            raise ModelError(f"theta has {theta.size} values, expected {1 + self.params_per_feature * F}")
        self.scale = -math.exp(float(theta[0]))
        self.a = theta[1:1 + F].copy()
        if self.embedding == "power":
            self.b = theta[1 + F:1 + 2 * F].copy()
            self.c = theta[1 + 2 * F:1 + 3 * F].copy()

    def bounds(self):
        """Box constraints of theta (for L-BFGS-B and for projecting Adam steps)."""
        F = self.n_features
        bnds = [S_BOUNDS] + [(None, None)] * F
        if self.embedding == "power":
            bnds += [B_BOUNDS] * F + [C_BOUNDS] * F
        return bnds

    def project(self, theta):
        lo = np.array([-np.inf if l is None else l for l, _ in self.bounds()])
        hi = np.array([np.inf if h is None else h for _, h in self.bounds()])
        return np.clip(theta, lo, hi)

    # -- evaluation
    def normalise(self, raw):
        raw = np.asarray(raw, dtype=np.float64)
        return np.clip((raw - self.lo) / (self.hi - self.lo), 0.0, 1.0)

    def at_aim_time(self, n):
        """Normalised query rows n (rows, F) as the gun sees them when it aims: BeepBoop's anti-surfer flags
        (did_hit, did_collide) are set only later, when a nearby bullet hits, so a query has them 0 while the
        stored waves it is compared with keep theirs (a copy; n itself when the model reads no flag)."""
        cols = [k for k, f in enumerate(self.features) if f.removeprefix("abs:") in FLAG_FEATURE_NAMES]
        if not cols:
            return n
        n = np.array(n, dtype=np.float64)
        n[:, cols] = self.normalise(np.zeros((1, len(self.features))))[0, cols]
        return n

    def embed(self, n):
        """Embedding of normalised features n (rows, F)."""
        return self.a * (SHIFT + self.b + n) ** self.c

    def embed_jac(self, n):
        """(e, J): e (rows, F) and J (rows, F, P) = de/d(a[, b, c]) per feature."""
        u = SHIFT + self.b + n
        if self.embedding == "linear":
            return self.a * u, np.ascontiguousarray(u[:, :, None])
        lu = np.log(u)
        J = np.empty(n.shape + (3,))
        uc = J[:, :, 0]
        np.exp(self.c * lu, out=uc)                       # u^c, one log and one exp instead of two powers
        e = self.a * uc
        np.multiply(e * self.c, 1.0 / u, out=J[:, :, 1])  # a c u^(c-1)
        np.multiply(e, lu, out=J[:, :, 2])                # a u^c ln u
        return e, J

    def k_for(self, n_stored):
        """Neighbours used when n_stored waves are stored: min(max_nb, max(min_nb, n // divider), n)."""
        n = np.asarray(n_stored, dtype=np.int64)
        k = np.minimum(self.max_neighbours, np.maximum(self.min_neighbours,
                                                       np.floor(n / self.divider).astype(np.int64)))
        return np.minimum(k, n)

    def copy(self):
        return GunModel.from_dict(self.to_dict())

    # -- file
    def to_dict(self):
        return {
            "format": FORMAT,
            "version": VERSION,
            "formula": ("n = clip((x - norm_lo) / (norm_hi - norm_lo), 0, 1); e = a * (1e-4 + b + n) ** c; "
                        "z_j = scale * sum_f |e_f(q) - e_f(j)| over the k nearest stored waves (L1 in e), "
                        "k = min(max_neighbours, max(min_neighbours, floor(n / divider)), n); S = softmax(z); "
                        "density = (1 - uniform_mix) * sum_j S_j K_j + uniform_mix / (domain width) on gf_domain; "
                        "box K_j = 1/(2 w_j) on [x_j - w_j, x_j + w_j], x_j = (gf_lo + gf_hi)/2, "
                        "w_j = max((gf_hi - gf_lo)/2, min_half_width); fire at the density's argmax"),
            "embedding": self.embedding,
            "features": list(self.features),
            "feature_docs": [feature_doc(n) for n in self.features],
            "norm_lo": [float(v) for v in self.lo],
            "norm_hi": [float(v) for v in self.hi],
            "a": [float(v) for v in self.a],
            "b": [float(v) for v in self.b],
            "c": [float(v) for v in self.c],
            "shift": SHIFT,
            "scale": float(self.scale),
            "kernel": self.kernel,
            "bandwidth": float(self.bandwidth),
            "max_neighbours": int(self.max_neighbours),
            "min_neighbours": int(self.min_neighbours),
            "divider": float(self.divider),
            "max_points": int(self.max_points),
            "min_half_width": float(self.min_half_width),
            "uniform_mix": float(self.uniform_mix),
            "gf_domain": [float(v) for v in self.gf_domain],
            "training": self.training,
        }

    @classmethod
    def from_dict(cls, d, source="model"):
        if not isinstance(d, dict):
            raise ModelError(f"{source}: not a gfsim gun model (not a JSON object)")
        if d.get("format") != FORMAT:
            raise ModelError(f"{source}: not a gfsim gun model (format {d.get('format')!r})")
        v = d.get("version")
        if v != VERSION:
            raise ModelError(f"{source}: gun model version {v!r}, this gfsim reads version {VERSION}")
        need = ("embedding", "features", "norm_lo", "norm_hi", "a", "b", "c", "shift", "scale", "kernel",
                "bandwidth", "max_neighbours", "min_neighbours", "divider", "max_points", "min_half_width",
                "uniform_mix", "gf_domain")
        missing = [k for k in need if k not in d]
        if missing:
            raise ModelError(f"{source}: incomplete gun model (missing {', '.join(missing)})")
        if d["shift"] != SHIFT:
            raise ModelError(f"{source}: embedding shift {d['shift']!r}, this gfsim uses {SHIFT}")
        for k in ("norm_lo", "norm_hi", "a", "b", "c", "gf_domain", "features"):
            if not isinstance(d[k], list):
                raise ModelError(f"{source}: {k} must be a list")
        for k in ("norm_lo", "norm_hi", "a", "b", "c", "gf_domain", "scale", "bandwidth", "divider",
                  "min_half_width", "uniform_mix"):
            vals = d[k] if isinstance(d[k], list) else [d[k]]
            if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in vals):
                raise ModelError(f"{source}: {k} must be numbers")
        if not isinstance(d.get("training", {}), dict):
            raise ModelError(f"{source}: training must be an object")
        try:
            return cls(d["features"], d["norm_lo"], d["norm_hi"], embedding=d["embedding"], a=d["a"], b=d["b"],
                       c=d["c"], scale=d["scale"], kernel=d["kernel"], bandwidth=d["bandwidth"],
                       max_neighbours=d["max_neighbours"], min_neighbours=d["min_neighbours"],
                       divider=d["divider"], max_points=d["max_points"], min_half_width=d["min_half_width"],
                       uniform_mix=d["uniform_mix"], gf_domain=d["gf_domain"], training=d.get("training", {}))
        except ModelError as e:
            raise ModelError(f"{source}: {e}") from None
        except (TypeError, ValueError, OverflowError) as e:
            raise ModelError(f"{source}: malformed gun model ({e})") from None

    def save(self, path):
        """Write the model as JSON atomically (sim.io.atomic)."""
        write_atomic(path, json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n")




MAX_MODEL_BYTES = 64 << 20


def load_model(path):
    """Read and check a gun model file; ModelError (one line) on anything that is not a valid model."""
    d = read_json(path, MAX_MODEL_BYTES, "gun model", ModelError)
    return GunModel.from_dict(d, source=os.fspath(path))


# --------------------------------------------------------------------------- retrieval

def causal_neighbours(E, stream, fire_key, avail_key, queries, model, query_E=None):
    """Top-k L1 neighbours of each query among the waves its gun had seen.

    E: (N, F) embedded features of every row (the pool); stream (N,) int: rows
    share a memory only within a stream (battle, shooter); fire_key/avail_key
    (N,) from ``availability_keys``; queries: row indices. A query q sees the
    rows j of its stream with avail_key[j] < fire_key[q], the newest
    ``model.max_points`` of them in order of availability (oldest dropped first).

    Returns (idx, n_seen): idx (Q, Kmax) int64 row indices sorted by distance
    (ties: earlier-available first), padded with -1 beyond each query's k;
    n_seen (Q,) the number of waves the query's gun had stored. query_E (Q, F): the queries' own embeddings
    when they differ from their rows of E (at_aim_time: a query's flags are 0); default E[queries].

    Exact search: per stream the rows are ordered by availability, so each
    query sees a contiguous window [start, stop) of that order, scanned by the
    compiled ``_window_knn``.
    """
    E = np.asarray(E, dtype=np.float64)
    queries = np.asarray(queries, dtype=np.int64)
    QE = E[queries] if query_E is None else np.asarray(query_E, dtype=np.float64)
    fire_key = np.asarray(fire_key)
    avail_key = np.asarray(avail_key)
    stream = np.asarray(stream)
    Q = len(queries)
    n_seen = np.zeros(Q, dtype=np.int64)
    k_all = np.zeros(Q, dtype=np.int64)
    kmax = model.max_neighbours
    idx = np.full((Q, kmax), -1, dtype=np.int64)
    if Q == 0:
        return idx[:, :0], n_seen
    # most spread-out embedding dimensions first: the partial L1 sum passes the k-th best sooner
    perm = np.argsort(-E.std(axis=0), kind="stable")
    qstream = stream[queries]
    for s in np.unique(qstream):
        rows = np.flatnonzero(stream == s)
        order = rows[np.argsort(avail_key[rows], kind="stable")]      # pool rows by availability
        qsel = np.flatnonzero(qstream == s)                             # positions in `queries`
        stop = np.searchsorted(avail_key[order], fire_key[queries[qsel]], side="left")
        start = np.maximum(stop - model.max_points, 0)
        n_seen[qsel] = stop - start
        k = model.k_for(stop - start)
        k_all[qsel] = k
        pos = np.full((len(qsel), kmax), -1, dtype=np.int64)
        _window_knn(np.ascontiguousarray(E[order][:, perm]), np.ascontiguousarray(QE[qsel][:, perm]),
                    start, stop, k, pos)
        idx[qsel] = np.where(pos >= 0, order[np.maximum(pos, 0)], -1)
    return idx[:, :int(k_all.max())], n_seen


@njit(cache=True)
def _sift_down(hd, hp, n, i):
    """Restore the max-heap on (distance, position) below node i."""
    while True:
        c = 2 * i + 1
        if c >= n:
            return
        r = c + 1
        if r < n and (hd[r] > hd[c] or (hd[r] == hd[c] and hp[r] > hp[c])):
            c = r
        if hd[c] > hd[i] or (hd[c] == hd[i] and hp[c] > hp[i]):
            hd[i], hd[c] = hd[c], hd[i]
            hp[i], hp[c] = hp[c], hp[i]
            i = c
        else:
            return


@njit(cache=True)
def _window_knn(Es, Eq, start, stop, k, out):
    # Compiled: exact k-NN over a different window per query, Q x n x F with a bounded heap and early exit of
    # the partial L1 sum once it reaches the current k-th best. scipy's cKDTree was measured slower here
    # (18-D, k = 100, a new tree per window block) and numpy brute force needs (Q, n, F) temporaries.
    # out[q, :k[q]] = window positions sorted by (distance, position); single-threaded and deterministic.
    Q = Eq.shape[0]
    F = Eq.shape[1]
    hd = np.empty(out.shape[1])
    hp = np.empty(out.shape[1], dtype=np.int64)
    for q in range(Q):
        kq = k[q]
        if kq <= 0:
            continue
        n = 0
        bound = np.inf
        for r in range(start[q], stop[q]):
            s = 0.0
            for f in range(F):
                s += abs(Eq[q, f] - Es[r, f])
                if s >= bound:
                    break
            if s >= bound:        # ties keep the earlier position (r only grows)
                continue
            if n < kq:
                i = n
                hd[i] = s
                hp[i] = r
                n += 1
                while i > 0:       # sift up
                    p = (i - 1) // 2
                    if hd[i] > hd[p] or (hd[i] == hd[p] and hp[i] > hp[p]):
                        hd[i], hd[p] = hd[p], hd[i]
                        hp[i], hp[p] = hp[p], hp[i]
                        i = p
                    else:
                        break
                if n == kq:
                    bound = hd[0]
            else:
                hd[0] = s
                hp[0] = r
                _sift_down(hd, hp, n, 0)
                bound = hd[0]
        for e in range(n - 1, 0, -1):   # heap sort: ascending (distance, position)
            hd[0], hd[e] = hd[e], hd[0]
            hp[0], hp[e] = hp[e], hp[0]
            _sift_down(hd, hp, e, 0)
        for e in range(n):
            out[q, e] = hp[e]


# --------------------------------------------------------------------------- logits and gradient

@njit(cache=True)
def _l1_logits(Eq, Ep, idx, scale, out):
    # compiled: Q x K x F gathers; a numpy version needs a (Q, K, F) temporary (~0.5 GB at 30k x 100 x 20)
    Q, K = idx.shape
    F = Eq.shape[1]
    for q in range(Q):
        for j in range(K):
            r = idx[q, j]
            if r < 0:
                out[q, j] = 0.0
                continue
            s = 0.0
            for f in range(F):
                s += abs(Eq[q, f] - Ep[r, f])
            out[q, j] = scale * s


@njit(cache=True)
def _l1_sign_weights(Eq, Ep, idx, G, Wq, Wp):
    # compiled for the same reason: one pass over Q x K x F without temporaries.
    # Wq[q, f] += sum_j G_qj sign(Eq[q,f] - Ep[r,f]);  Wp[r, f] += the same terms for r = idx[q, j]
    # (sign(0) = 0: the subgradient of |.| at 0). Then dL/dtheta_fp = scale * (sum_q Wq Jq - sum_r Wp Jp).
    Q, K = idx.shape
    F = Eq.shape[1]
    for q in range(Q):
        for j in range(K):
            r = idx[q, j]
            g = G[q, j]
            if r < 0 or g == 0.0:
                continue
            for f in range(F):
                d = Eq[q, f] - Ep[r, f]
                sg = g if d > 0.0 else (-g if d < 0.0 else 0.0)
                Wq[q, f] += sg
                Wp[r, f] += sg


def logits(model, Nq, Np, idx):
    """z (Q, K) and mask (Q, K) for queries' normalised features Nq against the pool's Np."""
    Eq = np.ascontiguousarray(model.embed(Nq))
    Ep = np.ascontiguousarray(model.embed(Np))
    idx = np.ascontiguousarray(idx, dtype=np.int64)
    z = np.empty(idx.shape)
    _l1_logits(Eq, Ep, idx, float(model.scale), z)
    return z, idx >= 0


class Batch:
    """Queries with fixed (retrieved) neighbours: everything the loss needs except the parameters.

    Nq (Q, F) normalised query features; Np (N, F) normalised pool features; idx (Q, K) pool rows
    (-1 padding); a, b (Q,) target intervals; xc, hw (N,) pool label centres and half-widths.
    Stored compacted to the pool rows in use: ``idx`` indexes ``Np``/``xc``/``hw`` as stored, and
    ``neighbour_rows()`` gives them back as rows of the original pool.
    """

    def __init__(self, Nq, Np, idx, a, b, xc, hw):
        self.Nq = np.ascontiguousarray(Nq, dtype=np.float64)
        idx = np.asarray(idx, dtype=np.int64)
        if idx.ndim != 2 or idx.shape[0] != len(self.Nq) or idx.shape[1] == 0:
            raise ModelError("idx must be (Q, K) with K >= 1 and one row per query")
        if not (idx >= 0).any(axis=1).all():
            raise ModelError("every query needs at least one neighbour")
        # keep only the pool rows some query uses (the loss embeds the pool at every evaluation)
        used, inv = np.unique(idx[idx >= 0], return_inverse=True)
        self.idx = np.full(idx.shape, -1, dtype=np.int64)
        self.idx[idx >= 0] = inv
        self.pool_rows = used
        self.Np = np.ascontiguousarray(np.asarray(Np, dtype=np.float64)[used])
        self.xc = np.asarray(xc, dtype=np.float64)[used]
        self.hw = np.asarray(hw, dtype=np.float64)[used]
        self.a = np.asarray(a, dtype=np.float64)
        self.b = np.asarray(b, dtype=np.float64)

    def __len__(self):
        return len(self.Nq)

    def subset(self, rows):
        rows = np.asarray(rows)
        return Batch(self.Nq[rows], self.Np, self.idx[rows], self.a[rows], self.b[rows], self.xc, self.hw)

    def neighbour_rows(self):
        """idx in terms of the pool rows given to the constructor (-1 padding)."""
        return np.where(self.idx >= 0, self.pool_rows[np.maximum(self.idx, 0)], -1)

    def neighbour_labels(self):
        """(x, w) of every neighbour slot (padding slots repeat row 0; they are masked)."""
        if getattr(self, "_labels", None) is None:
            safe = np.where(self.idx >= 0, self.idx, 0)
            self._labels = (self.xc[safe], self.hw[safe])
        return self._labels

    def fixed_columns(self, model):
        """Loss columns that do not depend on the parameters (cached per mixture setting)."""
        key = (model.uniform_mix, model.gf_domain)
        if getattr(self, "_fixed_key", None) != key:
            x, w = self.neighbour_labels()
            z0 = np.zeros(self.idx.shape)
            _, xx, ww, mm, _ = mixture_columns(z0, self.idx >= 0, x, w, uniform_mix=model.uniform_mix,
                                               gf_domain=model.gf_domain)
            self._fixed = (xx, ww, mm) if model.uniform_mix > 0 else None
            self._fixed_key = key
        return self._fixed


def _masked_softmax(z, mask):
    """(S, logsumexp) of each row of z over its unmasked entries (masked: S = 0)."""
    zm = np.where(mask, z, -np.inf)
    mx = zm.max(axis=1, keepdims=True)
    ez = np.exp(zm - mx)
    tot = ez.sum(axis=1, keepdims=True)
    return ez / tot, (mx + np.log(tot))[:, 0]


def mixture_columns(z, mask, x, w, *, uniform_mix, gf_domain, fixed=None):
    """Append the uniform component as one more box column: (z, x, w, mask) for the loss module.

    Its logit is log(mix / (1 - mix)) + logsumexp(z[mask]) so that it gets softmax weight exactly `mix`.
    ``fixed``: the (x, w, mask) columns from an earlier call with the same x, w, mask (they do not
    depend on z). Also returns S = softmax(z) over the unmasked entries.
    """
    S, lse = _masked_softmax(z, mask)
    if uniform_mix <= 0:
        return z, x, w, mask, S
    Q, K = z.shape
    zz = np.empty((Q, K + 1))
    zz[:, :K] = np.where(mask, z, 0.0)
    zz[:, K] = math.log(uniform_mix / (1.0 - uniform_mix)) + lse
    if fixed is None:
        lo, hi = gf_domain
        xx = np.concatenate([x, np.full((Q, 1), 0.5 * (lo + hi))], axis=1)
        ww = np.concatenate([w, np.full((Q, 1), 0.5 * (hi - lo))], axis=1)
        mm = np.concatenate([mask, np.ones((Q, 1), dtype=bool)], axis=1)
    else:
        xx, ww, mm = fixed
    return zz, xx, ww, mm, S


def density_loss(z, mask, x, w, a, b, *, kernel="box", bandwidth=0.1, uniform_mix=0.0, gf_domain=(-1, 1),
                 base="e", bins=None, fixed=None):
    """Mean BeepBoop loss of the mixture density and its exact gradient w.r.t. z (Q, K)."""
    zz, xx, ww, mm, S = mixture_columns(z, mask, x, w, uniform_mix=uniform_mix, gf_domain=gf_domain, fixed=fixed)
    kw = dict(kernel=kernel, mask=mm, bins=bins, base=base)
    if kernel in ("box", "indicator"):
        kw["width"] = ww
    else:
        kw["bandwidth"] = bandwidth
    loss, g = kde_cross_entropy(zz, xx, a, b, **kw)
    if uniform_mix <= 0:
        return loss, g
    K = z.shape[1]
    # chain rule through the uniform column's logit: d zu / d z_i = softmax(z)_i
    gz = g[:, :K] + g[:, K:] * S
    gz[~mask] = 0.0
    return loss, gz


OBJECTIVES = ("beepboop", "bin-ce", "squared", "hit-likelihood")
OBJECTIVE_DOCS = {
    "beepboop": "the BeepBoop loss: cross-entropy of the uniform target on [a, b] against the kernel density",
    "bin-ce": "softmax cross-entropy on the bin (of `bins` over the GF domain) holding the target's centre GF: "
              "-log P(bin), P(bin) = (1 - mix) * (weight of neighbours whose centre is in it) + mix / bins",
    "squared": "squared error of the weighted mean of the neighbours' centre GFs against the target's centre",
    "hit-likelihood": "-log P(hit): P(hit) = (1 - mix) * (weight of neighbours whose centre GF lies in [a, b]) "
                      "+ mix * (b - a) / (domain width): the chance a shot at a neighbour's GF hits",
}


def objective_loss(objective, z, mask, x, a, b, *, uniform_mix, gf_domain, bins=51):
    """Mean loss and dL/dz (Q, K) of the non-density objectives of the loss ablation (see OBJECTIVE_DOCS).

    All depend on the neighbours only through their centre GFs x and the softmax weights S = softmax(z);
    "bin-ce" and "hit-likelihood" need uniform_mix > 0 (else a miss has probability 0).
    """
    S, _ = _masked_softmax(z, mask)
    Q = len(z)
    y = 0.5 * (a + b)
    if objective == "squared":
        xs = np.where(mask, x, 0.0)
        pred = np.sum(S * xs, axis=1)
        r = pred - y
        G = 2.0 * r[:, None] * S * (xs - pred[:, None])
        return float(np.mean(r * r)), np.where(mask, G, 0.0) / Q
    if not uniform_mix > 0:
        raise ModelError(f"objective {objective!r} needs uniform_mix > 0")
    lo, hi = gf_domain
    if objective == "bin-ce":
        edges = np.linspace(lo, hi, bins + 1)
        kb = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
        ky = np.clip(np.searchsorted(edges, y, side="right") - 1, 0, bins - 1)
        h = (kb == ky[:, None]) & mask
        floor = uniform_mix / bins
    elif objective == "hit-likelihood":
        h = (x >= a[:, None]) & (x <= b[:, None]) & mask
        floor = uniform_mix * (b - a) / (hi - lo)
    else:
        raise ModelError(f"unknown objective {objective!r}; expected one of {list(OBJECTIVES)}")
    hs = np.sum(S * h, axis=1)
    P = (1.0 - uniform_mix) * hs + floor
    # dP/dz_i = (1 - mix) S_i (h_i - hs); L = -log P
    G = -(1.0 - uniform_mix) * S * (h - hs[:, None]) / P[:, None]
    return float(np.mean(-np.log(P))), np.where(mask, G, 0.0) / Q


def loss_and_grad(model, batch, theta=None, base="e", bins=None, objective="beepboop"):
    """Mean loss over the batch and its gradient w.r.t. theta (neighbours held fixed).

    objective: "beepboop" (the model's kernel density; ``bins`` picks the binned path) or one of the
    ablation's alternatives (``objective_loss``; nats only)."""
    if theta is not None:
        model.set_theta(theta)
    eq, Jq = model.embed_jac(batch.Nq)
    ep, Jp = model.embed_jac(batch.Np)
    z = np.empty(batch.idx.shape)
    _l1_logits(np.ascontiguousarray(eq), np.ascontiguousarray(ep), batch.idx, float(model.scale), z)
    mask = batch.idx >= 0
    x, w = batch.neighbour_labels()
    if objective == "beepboop":
        loss, G = density_loss(z, mask, x, w, batch.a, batch.b, kernel=model.kernel, bandwidth=model.bandwidth,
                               uniform_mix=model.uniform_mix, gf_domain=model.gf_domain, base=base, bins=bins,
                               fixed=batch.fixed_columns(model))
    else:
        loss, G = objective_loss(objective, z, mask, x, batch.a, batch.b, uniform_mix=model.uniform_mix,
                                 gf_domain=model.gf_domain)
    F, P = model.n_features, model.params_per_feature
    Wq = np.zeros(eq.shape)
    Wp = np.zeros(ep.shape)
    _l1_sign_weights(np.ascontiguousarray(eq), np.ascontiguousarray(ep), batch.idx, np.ascontiguousarray(G), Wq, Wp)
    acc = model.scale * (np.einsum("qf,qfp->fp", Wq, Jq) - np.einsum("rf,rfp->fp", Wp, Jp))
    grad = np.empty(1 + F * P)
    grad[0] = float(np.sum(G * z))            # d z / d s = z  (scale = -exp(s))
    for p in range(P):
        grad[1 + p * F:1 + (p + 1) * F] = acc[:, p]
    return loss, grad


# --------------------------------------------------------------------------- metrics

def box_argmax(x, w, weight, mask, kernel="box"):
    """GF of the highest density of sum_j weight_j K_j (box: height weight/(2w); indicator: weight).

    An edge sweep like BeepBoop's: sort the 2K interval edges, accumulate heights, take the middle of
    the highest segment. Returns (Q,).
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    h = np.where(mask, weight, 0.0)
    if kernel == "box":
        h = h / (2.0 * w)
    Q, K = x.shape
    pos = np.concatenate([x - w, x + w], axis=1)
    dh = np.concatenate([h, -h], axis=1)
    o = np.argsort(pos, axis=1, kind="stable")
    ps = np.take_along_axis(pos, o, axis=1)
    cum = np.cumsum(np.take_along_axis(dh, o, axis=1), axis=1)[:, :-1]      # height on [ps[i], ps[i+1]]
    # only segments of positive length: boxes touching at a point (adjacent bins, rounding) would otherwise
    # make a zero-width spike of their summed heights the "argmax"
    cum = np.where(np.diff(ps, axis=1) > 1e-12, cum, -np.inf)
    best = np.argmax(cum, axis=1)
    r = np.arange(Q)
    return 0.5 * (ps[r, best] + ps[r, best + 1])


def smooth_argmax(x, weight, mask, kernel, bandwidth, gf_domain, points=201, chunk=1000):
    """Argmax of a Gaussian/Laplace mixture on a grid over the GF domain."""
    grid = np.linspace(gf_domain[0], gf_domain[1], points)
    out = np.empty(len(x))
    for i in range(0, len(x), chunk):
        u = (grid[None, None, :] - x[i:i + chunk, :, None]) / bandwidth
        k = np.exp(-0.5 * u * u) if kernel == "gaussian" else np.exp(-np.abs(u))
        wt = np.where(mask[i:i + chunk], weight[i:i + chunk], 0.0)
        out[i:i + chunk] = grid[np.argmax(np.einsum("qk,qkg->qg", wt, k), axis=1)]
    return out


def density_metrics(z, mask, x, w, a, b, *, kernel="box", bandwidth=0.1, uniform_mix=0.0, gf_domain=(-1, 1),
                    fire=None, per_query=False):
    """Loss (nats, bits), KL (nats), expected hit rate and fire hit rate of a mixture density.

    expected_hit_rate: predicted mass inside [a, b] (mean over queries); fire_hit_rate: fraction of
    queries whose target interval contains the density's argmax (`fire` overrides the argmax).
    per_query: the per-query arrays instead of the means (for paired intervals).
    """
    zz, xx, ww, mm, S = mixture_columns(z, mask, x, w, uniform_mix=uniform_mix, gf_domain=gf_domain)
    kw = dict(kernel=kernel, mask=mm)
    if kernel in ("box", "indicator"):
        kw["width"] = ww
    else:
        kw["bandwidth"] = bandwidth
    if per_query:
        loss_q = np.atleast_1d(per_query_cross_entropy(zz, xx, a, b, **kw))
    else:
        loss, _ = density_loss(z, mask, x, w, a, b, kernel=kernel, bandwidth=bandwidth, uniform_mix=uniform_mix,
                               gf_domain=gf_domain)
    hit = expected_hit_rate(zz, xx, a, b, **kw)
    if fire is None:
        if kernel in ("box", "indicator"):
            fire = box_argmax(x, w, S, mask, kernel)
        else:
            fire = smooth_argmax(x, S, mask, kernel, bandwidth, gf_domain)
    fire_hit = (a <= fire) & (fire <= b)
    if per_query:
        return {"loss_nats": loss_q, "kl_nats": loss_q - np.log(b - a), "expected_hit_rate": np.asarray(hit),
                "fire_hit_rate": fire_hit.astype(np.float64)}
    ent = float(np.mean(np.log(b - a)))
    return {"loss_nats": loss, "loss_bits": loss / math.log(2.0), "kl_nats": loss - ent,
            "expected_hit_rate": float(np.mean(hit)), "fire_hit_rate": float(np.mean(fire_hit)),
            "queries": int(len(a))}


def model_metrics(model, batch, *, kernel=None, per_query=False):
    """density_metrics of the model on a batch; ``kernel`` scores its neighbour weights with another kernel
    (e.g. "box", the one the gun plays with; box/indicator get the model's uniform mix, others none)."""
    z, mask = logits(model, batch.Nq, batch.Np, batch.idx)
    x, w = batch.neighbour_labels()
    k = kernel or model.kernel
    mix = model.uniform_mix if (kernel is None or k in ("box", "indicator")) else 0.0
    if kernel is not None and k in ("box", "indicator") and mix == 0:
        mix = 0.02
    return density_metrics(z, mask, x, w, batch.a, batch.b, kernel=k, bandwidth=model.bandwidth,
                           uniform_mix=mix, gf_domain=model.gf_domain, per_query=per_query)
