"""The BeepBoop loss: cross-entropy of a uniform target against a softmax KDE.

For one query with logits z (K,), kernel centres x (K,) and target interval
[a, b] (the guess factors that would have hit):

    S = softmax(z),   p(x) = c * sum_j S_j K_j(x)         (c = kernel_scale)
    L = -(1/(b-a)) * integral_a^b log max(p(x), eps) dx
    dL/dz_i = S_i - (1/(b-a)) * integral_a^b S_i K_i(x) / p(x) dx

(the gradient is the exact derivative of the floored loss: where the floor
is active the integrand is constant, so that part of [a, b] contributes
nothing to either term).  A batch (Q, K) reports the mean over queries, and
its gradient is divided by Q accordingly.

Kernels (centre x_j; ``bandwidth`` h; per-point half-width ``width`` w_j):

* ``"gaussian"``  exp(-u^2 / 2h^2) / (h sqrt(2 pi))   -- a density
* ``"laplace"``   exp(-|u| / h) / (2h)                 -- a density
* ``"box"``       1/(2 w_j) on [x_j - w_j, x_j + w_j]  -- a density (normalised
  box: the KDE integrates to 1 on the real line, so CE >= log(b-a), KL >= 0)
* ``"indicator"`` 1 on [x_j - w_j, x_j + w_j]          -- BeepBoop's literal 0/1
  overlap kernel, *not* normalised.  With a single point covering [a, b] and
  the others missing it, L = -log S_i exactly (softmax cross-entropy).

``box`` and ``indicator`` differ only by the constant 1/(2 w_j); when all
widths are equal this is a constant rescaling of K, so both give the same
gradient and losses that differ by log(2w) (scale invariance of the loss).

Exact vs binned: ``bins=None`` integrates exactly (edge sweep for
box/indicator; adaptive Gauss-Kronrod quadrature split at the kernel
centres, ~1e-12 relative, for gaussian/laplace).  ``bins=B`` uses the
midpoint rule on B equal bins of [a, b]: an approximation whose error
shrinks like (b - a)^2 / (B h)^2 for the smooth kernels and like (box edges
inside [a, b]) / B for box/indicator.  ``gfsim train`` optimises with it
only for the smooth kernels and only after checking it against the exact
path on its own data (``learning.train.choose_bins``); every reported
metric is exact.

Density floor.  Box/indicator densities are exactly 0 off the boxes, so
there the integrand is log(eps) (``eps``) and contributes 0 to the
gradient; the loss stays finite.  Gaussian/Laplace densities are never 0:
they are computed in log space (log-sum-exp of log S_j + log K_j), so a
query whose points are all far from [a, b] keeps its exact loss and a
non-zero gradient (which pulls weight toward the nearest points) instead of
sticking at log(1/eps) with gradient 0; ``eps`` does not apply to them.
For the Laplace kernel this is the shift property: with all points on one
side, moving them together changes the loss by a constant and the gradient
not at all.  Inputs are validated here; the compiled work is in
``learning.loss_nb``.
"""
import math

import numpy as np
from scipy import special

from learning import loss_nb

__all__ = ["kde_cross_entropy", "per_query_cross_entropy", "kl_divergence", "uniform_entropy",
           "expected_hit_rate", "KERNELS"]

KERNELS = {"gaussian": loss_nb.GAUSSIAN, "laplace": loss_nb.LAPLACE,
           "box": loss_nb.BOX, "indicator": loss_nb.INDICATOR}
_LN2 = math.log(2.0)
_QUAD_RTOL = 1e-13  # per-panel |K15 - G7| bound; actual error is far smaller


def _base_factor(base):
    if isinstance(base, str) and base in ("e", "2"):
        return 1.0 if base == "e" else 1.0 / _LN2
    if not isinstance(base, bool) and base == 2:
        return 1.0 / _LN2
    raise ValueError(f"base must be 'e' (nats) or '2' (bits), got {base!r}")


def _positive_scalar(name, value):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}") from None
    if not (math.isfinite(v) and v > 0.0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return v


def _float_array(name, value):
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric") from None
    return arr


def _plain(arr):
    """C-contiguous and writable, so numba sees one array type (a read-only
    or strided view would be another type and trigger another compile)."""
    arr = np.ascontiguousarray(arr)
    return arr if arr.flags.writeable else arr.copy()


def _prepare(logits, x, a, b, kernel, bandwidth, width, bins, mask, eps,
             kernel_scale):
    """Validate and normalise inputs to 2-D contiguous arrays."""
    if not isinstance(kernel, str) or kernel not in KERNELS:
        raise ValueError(f"unknown kernel {kernel!r}; expected one of {sorted(KERNELS)}")
    kcode = KERNELS[kernel]
    h = _positive_scalar("bandwidth", bandwidth)
    eps = _positive_scalar("eps", eps)
    scale = _positive_scalar("kernel_scale", kernel_scale)
    if bins is not None:
        if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
            raise ValueError(f"bins must be None or a positive integer, got {bins!r}")
        bins = int(bins)

    z = _float_array("logits", logits)
    xx = _float_array("x", x)
    if z.ndim not in (1, 2) or z.size == 0:
        raise ValueError(f"logits must have shape (K,) or (Q, K) with K >= 1, got {z.shape}")
    if xx.shape != z.shape:
        raise ValueError(f"x shape {xx.shape} does not match logits shape {z.shape}")
    single = z.ndim == 1
    z2 = z.reshape(1, -1) if single else z
    Q, K = z2.shape

    if mask is None:
        m2 = np.ones((Q, K), dtype=np.bool_)
    else:
        m = np.asarray(mask)
        if m.dtype != np.bool_:
            raise ValueError(f"mask must be a boolean array, got dtype {m.dtype}")
        if m.shape == (K,):
            m2 = np.broadcast_to(m, (Q, K))
        elif m.shape == z.shape:
            m2 = m.reshape(Q, K)
        else:
            raise ValueError(f"mask shape {m.shape} does not match logits shape {z.shape}")
        m2 = _plain(m2)
        if not m2.any(axis=1).all():
            q = int(np.argmin(m2.any(axis=1)))
            raise ValueError(f"mask excludes every neighbour of query {q}")

    aa = _float_array("a", a)
    bb = _float_array("b", b)
    for name, arr in (("a", aa), ("b", bb)):
        if single and arr.ndim != 0:
            raise ValueError(f"{name} must be a scalar for a single query (logits of shape (K,))")
        if not single and not (arr.ndim == 0 or arr.shape == (Q,)):
            raise ValueError(f"{name} must be a scalar or have shape ({Q},), got {arr.shape}")
    # fresh writable copies: one array type for numba (a read-only view would
    # be a second type and double the compile time)
    a1 = np.empty(Q)
    a1[:] = aa
    b1 = np.empty(Q)
    b1[:] = bb
    if not (np.isfinite(a1).all() and np.isfinite(b1).all()):
        raise ValueError("a and b must be finite")
    if not (b1 > a1).all():
        raise ValueError("interval must satisfy b > a for every query")

    x2 = xx.reshape(Q, K)
    if mask is None:  # fast path: no copies beyond dtype/contiguity
        if not np.isfinite(z2).all():
            raise ValueError("logits contain NaN or inf")
        if not np.isfinite(x2).all():
            raise ValueError("x contains NaN or inf")
        z2 = _plain(z2)
        x2 = _plain(x2)
    else:
        if not np.isfinite(z2[m2]).all():
            raise ValueError("logits contain NaN or inf (in unmasked entries)")
        if not np.isfinite(x2[m2]).all():
            raise ValueError("x contains NaN or inf (in unmasked entries)")
        # masked-out entries may hold padding (even NaN): replace by harmless values
        z2 = np.where(m2, z2, 0.0)
        x2 = np.where(m2, x2, a1[:, None])

    if kcode in (loss_nb.BOX, loss_nb.INDICATOR):
        if width is None:
            raise ValueError(f"kernel {kernel!r} needs width "
                             "(per-point half-widths, same shape as x)")
        ww = _float_array("width", width)
        if ww.shape != z.shape:
            raise ValueError(f"width shape {ww.shape} does not match logits shape {z.shape}")
        w2 = ww.reshape(Q, K)
        if mask is not None:
            w2 = np.where(m2, w2, 1.0)
        # written as "not (w > 0)" so NaN fails too; inf caught by isfinite
        if (not np.isfinite(w2).all()) or np.any(~(w2 > 0)):
            raise ValueError("width must be finite and > 0 (in unmasked entries)")
        w2 = _plain(w2)
        if kcode == loss_nb.BOX:
            height = scale / (2.0 * w2)
        else:
            height = np.full((Q, K), scale)
    else:
        if width is not None:
            raise ValueError(f"width is only used by the box/indicator kernels, not {kernel!r}")
        w2 = np.ones((1, 1))
        height = np.ones((1, 1))
    return dict(single=single, kcode=kcode, z=z2, x=x2, w=w2, height=height,
                mask=m2, a=a1, b=b1, h=h, eps=eps, scale=scale, bins=bins, Q=Q, K=K)


def _per_query(p):
    """Run the compiled kernel; per-query losses (Q,) and gradients (Q, K)."""
    Q, K = p["Q"], p["K"]
    loss_q = np.empty(Q)
    grad_q = np.empty((Q, K))
    if p["bins"] is not None:
        loss_nb.binned_loss(p["kcode"], p["z"], p["x"], p["w"], p["height"], p["mask"],
                            p["a"], p["b"], p["bins"], p["h"], p["scale"], p["eps"],
                            loss_q, grad_q)
    elif p["kcode"] in (loss_nb.BOX, loss_nb.INDICATOR):
        loss_nb.exact_box_loss(p["z"], p["x"], p["w"], p["height"], p["mask"],
                               p["a"], p["b"], p["eps"], loss_q, grad_q)
    else:
        loss_nb.exact_smooth_loss(p["kcode"], p["z"], p["x"], p["mask"], p["a"], p["b"],
                                  p["h"], p["scale"], p["eps"], _QUAD_RTOL, loss_q, grad_q)
    return loss_q, grad_q


def kde_cross_entropy(logits, x, a, b, *, kernel="gaussian", bandwidth=0.1,
                      width=None, bins=None, base="e", mask=None, eps=1e-12,
                      kernel_scale=1.0):
    """BeepBoop loss and its gradient: ``(loss, dloss/dlogits)``.

    logits, x: (K,) for one query or (Q, K) for a batch (loss = mean over
    queries).  a, b: target interval, scalars or (Q,).  kernel: "gaussian",
    "laplace" (use ``bandwidth``), "box" (normalised, 1/(2w) on x +- w) or
    "indicator" (unnormalised 0/1 on x +- w); box/indicator need ``width``
    (half-widths, same shape as x).  bins: None = exact, B = midpoint rule on
    B bins.  base: "e" (nats) or "2" (bits; loss and grad divided by ln 2).
    mask: optional bool (Q, K) or (K,); masked entries leave the softmax, may
    hold any padding (even NaN) and get gradient 0.  eps: density floor of
    the box/indicator kernels, log(max(p, eps)) (gaussian/laplace are
    evaluated in log space and never floored).  kernel_scale: constant c multiplying every kernel
    (changes the loss by -log c, not the gradient, while p > eps).

    Raises ValueError on NaN/inf, b <= a, shape mismatches, unknown kernel,
    non-positive bandwidth/width/eps/kernel_scale or a bad base.
    """
    f = _base_factor(base)
    p = _prepare(logits, x, a, b, kernel, bandwidth, width, bins, mask, eps, kernel_scale)
    loss_q, grad_q = _per_query(p)
    Q = p["Q"]
    loss = float(loss_q.mean()) * f
    grad = grad_q
    grad *= f / Q  # in place: avoids a second (Q, K) temporary
    if p["single"]:
        grad = grad[0]
    return loss, grad


def per_query_cross_entropy(logits, x, a, b, **kwargs):
    """The BeepBoop loss of every query, (Q,) (a float for one query).

    Same arguments as :func:`kde_cross_entropy`; for paired comparisons of two
    densities on the same queries, where the mean alone gives no interval."""
    f = _base_factor(kwargs.pop("base", "e"))
    kw = dict(kernel="gaussian", bandwidth=0.1, width=None, bins=None, mask=None, eps=1e-12, kernel_scale=1.0)
    unknown = set(kwargs) - set(kw)
    if unknown:
        raise TypeError(f"unexpected argument {sorted(unknown)[0]!r}")
    kw.update(kwargs)
    p = _prepare(logits, x, a, b, kw["kernel"], kw["bandwidth"], kw["width"], kw["bins"], kw["mask"],
                 kw["eps"], kw["kernel_scale"])
    loss_q, _ = _per_query(p)
    loss_q *= f
    return float(loss_q[0]) if p["single"] else loss_q


def uniform_entropy(a, b, base="e"):
    """Differential entropy log(b - a) of the uniform target on [a, b].

    Negative when b - a < 1 (typical guess-factor intervals are ~0.1 wide),
    so CE can be negative too.  Scalars give a float, arrays an array.
    """
    f = _base_factor(base)
    aa = _float_array("a", a)
    bb = _float_array("b", b)
    if not (np.isfinite(aa).all() and np.isfinite(bb).all()):
        raise ValueError("a and b must be finite")
    if not np.all(bb > aa):
        raise ValueError("interval must satisfy b > a")
    h = np.log(bb - aa) * f
    return float(h) if h.ndim == 0 else h


def kl_divergence(logits, x, a, b, **kwargs):
    """KL(uniform[a,b] || p) = CE - log(b - a); returns ``(kl, grad)``.

    Same arguments as :func:`kde_cross_entropy`; the gradient equals the CE
    gradient.  For a batch, the mean over queries of CE_q - log(b_q - a_q).

    KL = -(1/(b-a)) integral_a^b log(p(x) (b-a)) dx >= -log integral_a^b p
    by Jensen, so KL >= 0 whenever the predicted mass inside [a, b] is <= 1:
    always true for the normalised kernels (gaussian, laplace, box) with
    kernel_scale <= 1, and it is 0 only when p = 1/(b-a) on [a, b] with no
    mass outside -- e.g. boxes that all equal [a, b].  It can be negative for
    "indicator" (unnormalised) or kernel_scale > 1, by up to ~eps*(b-a) where
    the floor is active, and slightly for the binned midpoint rule.
    """
    base = kwargs.get("base", "e")
    ce, grad = kde_cross_entropy(logits, x, a, b, **kwargs)
    h = uniform_entropy(a, b, base=base)
    return ce - float(np.mean(h)), grad


def expected_hit_rate(logits, x, a, b, *, kernel="gaussian", bandwidth=0.1,
                      width=None, mask=None, kernel_scale=1.0):
    """Predicted mass inside [a, b]: sum_j S_j * c * integral_a^b K_j.

    A probability in [0, 1] for the normalised kernels (gaussian, laplace,
    box) with kernel_scale 1; for "indicator" it is S-weighted overlap length
    (not a probability).  Closed form (erf / exponential CDF / overlap); one
    value for (K,) input, an array of Q values for (Q, K) input.
    """
    p = _prepare(logits, x, a, b, kernel, bandwidth, width, None, mask, 1e-12, kernel_scale)
    z = np.where(p["mask"], p["z"], -np.inf)
    S = np.exp(z - special.logsumexp(z, axis=1, keepdims=True))
    xx, h = p["x"], p["h"]
    lo = p["a"][:, None] - xx
    hi = p["b"][:, None] - xx
    if p["kcode"] == loss_nb.GAUSSIAN:
        # difference of normal CDFs, computed on the side that avoids cancellation
        flip = (lo + hi) > 0
        mass = np.where(flip, special.ndtr(-lo / h) - special.ndtr(-hi / h),
                        special.ndtr(hi / h) - special.ndtr(lo / h))
    elif p["kcode"] == loss_nb.LAPLACE:
        def cdf(u):
            return np.where(u < 0, 0.5 * np.exp(np.minimum(u, 0) / h),
                            1.0 - 0.5 * np.exp(-np.maximum(u, 0) / h))
        mass = cdf(hi) - cdf(lo)
    else:
        w = p["w"]
        overlap = np.clip(np.minimum(hi, w) - np.maximum(lo, -w), 0.0, None)
        mass = overlap * (p["height"] / p["scale"])
    rate = p["scale"] * np.sum(S * mass, axis=1)
    return float(rate[0]) if p["single"] else rate
