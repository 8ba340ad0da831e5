"""Baseline guess-factor densities the trained gun model is compared against.

Every baseline is scored on the same queries and with the same metrics as the
model (``learning.model.density_metrics``: BeepBoop loss in nats and bits, KL,
expected hit rate = predicted mass inside the target [a, b], fire hit rate =
how often the density's argmax lies in [a, b]), and, except the uniform one,
mixed with the same uniform component as the model, so losses are comparable:

* ``uniform``   -- uniform on the GF domain. Its fire hit rate is that of
  firing at a uniformly random GF, i.e. its expected hit rate.
* ``head_on``   -- a box at GF 0 as wide as the median training interval
  (fires at GF 0: hits when 0 is in [a, b]).
* ``histogram`` -- visit-count statistics: ``bins`` equal bins over the GF
  domain; every wave the gun has seen (same causal window as the model) adds
  its interval's coverage of each bin, smoothed over neighbouring bins with
  the classic 1 / (1 + (d/smooth)^2) kernel (d in bins); the density is the
  normalised histogram (piecewise constant).
* ``knn``       -- plain k-NN with fixed weights: the same features normalised
  to [0, 1], unit feature weights, the same k rule and kernel, every
  neighbour weighted equally.
"""
import numpy as np

from learning.model import GunModel, causal_neighbours, density_metrics


def _single_box(Q, centre, half):
    z = np.zeros((Q, 1))
    x = np.full((Q, 1), float(centre))
    w = np.full((Q, 1), float(half))
    return z, np.ones((Q, 1), dtype=bool), x, w


def uniform(a, b, gf_domain):
    lo, hi = gf_domain
    z, m, x, w = _single_box(len(a), 0.5 * (lo + hi), 0.5 * (hi - lo))
    r = density_metrics(z, m, x, w, a, b, kernel="box", uniform_mix=0.0, gf_domain=gf_domain,
                        fire=np.zeros(len(a)))
    r["fire_hit_rate"] = r["expected_hit_rate"]
    return r


def head_on(a, b, half_width, *, uniform_mix, gf_domain):
    z, m, x, w = _single_box(len(a), 0.0, half_width)
    return density_metrics(z, m, x, w, a, b, kernel="box", uniform_mix=uniform_mix, gf_domain=gf_domain,
                           fire=np.zeros(len(a)))


def bin_coverage(lo, hi, edges):
    """(N, bins) fraction of each interval [lo, hi] inside each bin (rows sum to 1 within the domain)."""
    lo = np.asarray(lo, dtype=np.float64)[:, None]
    hi = np.asarray(hi, dtype=np.float64)[:, None]
    ov = np.clip(np.minimum(hi, edges[None, 1:]) - np.maximum(lo, edges[None, :-1]), 0.0, None)
    tot = ov.sum(axis=1, keepdims=True)
    # an interval entirely outside the domain counts for the nearest bin
    nearest = np.clip(np.searchsorted(edges, 0.5 * (lo + hi)[:, 0]) - 1, 0, len(edges) - 2)
    out = np.where(tot > 0, ov / np.where(tot > 0, tot, 1.0), 0.0)
    out[tot[:, 0] <= 0, nearest[tot[:, 0] <= 0]] = 1.0
    return out


def smoothing_matrix(bins, smooth):
    d = np.arange(bins)[:, None] - np.arange(bins)[None, :]
    return 1.0 / (1.0 + (d / smooth) ** 2)


def histogram(stream, fire_key, avail_key, gf_lo, gf_hi, queries, a, b, *, gf_domain, uniform_mix,
              max_points, bins=51, smooth=1.0):
    """Visit-count histogram with bin smoothing over each query's causal window (queries need >= 1 wave)."""
    lo_d, hi_d = gf_domain
    edges = np.linspace(lo_d, hi_d, bins + 1)
    centres = 0.5 * (edges[1:] + edges[:-1])
    half = 0.5 * (edges[1] - edges[0])
    contrib = bin_coverage(gf_lo, gf_hi, edges) @ smoothing_matrix(bins, smooth)
    queries = np.asarray(queries, dtype=np.int64)
    H = np.zeros((len(queries), bins))
    qstream = stream[queries]
    for s in np.unique(qstream):
        rows = np.flatnonzero(stream == s)
        order = rows[np.argsort(avail_key[rows], kind="stable")]
        C = np.zeros((len(order) + 1, bins))
        np.cumsum(contrib[order], axis=0, out=C[1:])
        qsel = np.flatnonzero(qstream == s)
        stop = np.searchsorted(avail_key[order], fire_key[queries[qsel]], side="left")
        start = np.maximum(stop - max_points, 0)
        H[qsel] = C[stop] - C[start]
    if not (H.sum(axis=1) > 0).all():
        raise ValueError("histogram baseline: a query has no earlier wave")
    Q = len(queries)
    z = np.log(np.maximum(H, 1e-300))
    x = np.broadcast_to(centres, (Q, bins))
    w = np.full((Q, bins), half)
    return density_metrics(z, np.ones((Q, bins), dtype=bool), x, w, a, b, kernel="box",
                           uniform_mix=uniform_mix, gf_domain=gf_domain)


def knn_fixed(model, raw, stream, fire_key, avail_key, xc, hw, queries, a, b):
    """Plain k-NN: unit weights on the model's normalised features, equal neighbour weights."""
    plain = GunModel(model.features, model.lo, model.hi, embedding="linear", scale=-1.0, kernel=model.kernel,
                     bandwidth=model.bandwidth, max_neighbours=model.max_neighbours,
                     min_neighbours=model.min_neighbours, divider=model.divider, max_points=model.max_points,
                     min_half_width=model.min_half_width, uniform_mix=model.uniform_mix, gf_domain=model.gf_domain)
    idx, _ = causal_neighbours(plain.normalise(raw), stream, fire_key, avail_key, queries, plain)
    mask = idx >= 0
    safe = np.where(mask, idx, 0)
    z = np.zeros(idx.shape)
    return density_metrics(z, mask, xc[safe], hw[safe], a, b, kernel=model.kernel, bandwidth=model.bandwidth,
                           uniform_mix=model.uniform_mix, gf_domain=model.gf_domain)


def all_baselines(model, raw, stream, fire_key, avail_key, gf_lo, gf_hi, xc, hw, queries, a, b, *,
                  head_on_half_width, hist_bins=51, hist_smooth=1.0):
    """Every baseline on one query set: dict name -> metrics."""
    return {
        "uniform": uniform(a, b, model.gf_domain),
        "head_on": head_on(a, b, head_on_half_width, uniform_mix=model.uniform_mix, gf_domain=model.gf_domain),
        "histogram": histogram(stream, fire_key, avail_key, gf_lo, gf_hi, queries, a, b, gf_domain=model.gf_domain,
                               uniform_mix=model.uniform_mix, max_points=model.max_points, bins=hist_bins,
                               smooth=hist_smooth),
        "knn": knn_fixed(model, raw, stream, fire_key, avail_key, xc, hw, queries, a, b),
    }
