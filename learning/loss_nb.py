"""Compiled kernels for the BeepBoop KDE cross-entropy (see ``learning.loss``).

Everything here works on plain, already validated float64/bool arrays; the
public entry point ``learning.loss.kde_cross_entropy`` does all checking and
reshaping.  Each kernel makes one fused pass per query that produces the
query's loss *and* the gradient with respect to its logits, writing into
caller-provided output arrays:

    loss_out[q]    = -(1/(b-a)) * integral_a^b log max(D_q(x), eps) dx
    grad_out[q, i] = S_i * |{D > eps}|/(b-a)
                     - (1/(b-a)) * integral_{D > eps} S_i K_i(x) / D_q(x) dx

The floor eps applies to the box/indicator kernels only, whose density is
exactly 0 off the boxes.  The Gaussian and Laplace densities are never 0:
they are evaluated in log space (log D = log-sum-exp of log S_j + log K_j,
relative to the largest term), so far points keep an exact loss and an
exact, non-zero gradient instead of sticking at log(1/eps) with gradient 0.
The binned path shifts every query by its largest kernel peak on the grid
and floors only at _REL_FLOOR below it (a kernel would have to vary by
~690 nats across [a, b] to reach that).

with S = softmax over the query's unmasked logits, D = sum_j S_j K_j and K_j
already including the kernel's normalisation and ``scale``.  The per-query
gradient above is exactly the derivative of the floored loss (where the floor
is active the integrand does not depend on the logits).  The binned variants
replace (1/(b-a)) * integral by the mean over B midpoints.

Kernel codes: 0 gaussian, 1 laplace, 2 box (normalised 1/(2w)), 3 indicator
(unnormalised 0/1).  The caller passes the per-point heights in ``height``
(for box/indicator) so the kernels here only need the code to pick a shape.

Why compiled: the binned Gaussian loss over 20k queries x 100 neighbours x 51
bins is ~1e8 kernel evaluations per call; in plain numpy that needs several
(Q, K, B) temporaries (GBs) and is memory bound.  Single-threaded on purpose
(deterministic, and callers parallelise over processes).
"""
import math

import numpy as np
from numba import njit

GAUSSIAN = 0
LAPLACE = 1
BOX = 2
INDICATOR = 3

_LOG2E = 1.4426950408889634
_LN2HI = 0.693147180369123816490  # ln 2 split (Cody-Waite): k*_LN2HI is exact
_LN2LO = 1.90821492927058770002e-10
_SQRT2PI = math.sqrt(2.0 * math.pi)
_LN2 = math.log(2.0)

# Fast-math flags for the binned hot loop: 'contract' (FMA) and 'reassoc'
# (lets LLVM vectorise the sum over neighbours).  Deliberately not nnan/ninf:
# the floor logic relies on IEEE comparisons.
_HOT_FM = {"contract", "reassoc"}
_RESEED = 32  # bins between restarts of the Gaussian recurrence (a multiple of 4)


@njit(cache=True, fastmath={"contract"})
def _exp(t):
    """exp(t) to ~1.5 ulp for t >= -708 (0.0 below, +inf-free up to 709).

    Why: numba here has no vector math library (no SVML), so math.exp is a
    scalar libm call that blocks vectorisation of the inner loops.  This
    Cody-Waite reduction + degree-12 Taylor polynomial + exponent-bit scaling
    is branch-free and LLVM vectorises it (AVX2/AVX-512).
    """
    tt = min(max(t, -708.0), 709.0)
    k = math.floor(tt * _LOG2E + 0.5)
    r = (tt - k * _LN2HI) - k * _LN2LO
    p = 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    v = p * np.int64((np.int64(k) + 1023) << 52).view(np.float64)
    return v if t >= -708.0 else 0.0


_REL_FLOOR = 1e-300  # binned smooth kernels: D relative to the query's largest peak


@njit(cache=True)
def _softmax_row(z, mask, q, K, S):
    """S[:K] = softmax of z[q] over mask[q] (masked entries get exactly 0); returns log-sum-exp of the row."""
    zmax = -np.inf
    for j in range(K):
        if mask[q, j] and z[q, j] > zmax:
            zmax = z[q, j]
    for j in range(K):  # select, no reduction: this loop vectorises
        e = _exp(z[q, j] - zmax)
        S[j] = e if mask[q, j] else 0.0
    s = 0.0
    for j in range(K):
        s += S[j]
    inv = 1.0 / s
    for j in range(K):
        S[j] *= inv
    return zmax + math.log(s)


@njit(cache=True)
def _log_softmax_row(z, mask, q, K, S, logS):
    """S = softmax(z[q]) over mask[q] and logS = its log (-inf where masked).

    logS_j = z_j - zmax - log(sum): one log per row, no second pass of exps."""
    lse = _softmax_row(z, mask, q, K, S)
    for j in range(K):
        logS[j] = z[q, j] - lse if mask[q, j] else -np.inf


# --------------------------------------------------------------------------
# binned midpoint rule (the hot path)
# --------------------------------------------------------------------------
@njit(cache=True, fastmath=_HOT_FM)
def _row_recurrence(K8, W, gg, rr, q2, gm):
    """One bin of the Gaussian recurrence; returns D at this midpoint.

    g_{m+1} = g_m * r_m, r_{m+1} = r_m * q2 (exact for a Gaussian on an
    equispaced grid): two multiplies per (neighbour, bin) instead of an exp.
    Vectorised across neighbours.
    """
    Dm = 0.0
    for j in range(K8):
        g = gg[j]
        gm[j] = g
        Dm += W[j] * g
        gg[j] = g * rr[j]
        rr[j] *= q2
    return Dm


@njit(cache=True)
def _log_accumulate(d, prod, pexp, lq):
    """Add log(d) to the running sum (prod, pexp, lq), mostly without a log.

    Why: one libm log per bin was ~15% of the binned hot path.  Factors in
    [1e-150, 1e150] are multiplied into ``prod`` (renormalised with frexp
    when it leaves that range, so it never over/underflows); others go
    straight to ``lq``.  Rounding: ~1 ulp per factor on the product.
    """
    if 1e-150 <= d <= 1e150:
        prod *= d
        if not (1e-150 <= prod <= 1e150):
            mant, ex = math.frexp(prod)
            prod = mant
            pexp += ex
    else:
        lq += math.log(d)
    return prod, pexp, lq


@njit(cache=True)
def _mid(aq, m, dx):
    """Midpoint of bin m, deliberately without FMA contraction so box edges
    compare exactly as in plain numpy (a + (m + 0.5) * dx)."""
    return aq + (m + 0.5) * dx


@njit(cache=True, fastmath=_HOT_FM)
def _seed(K, x, q, mid, dx, c, dps, gg, rr):
    """(Re)start the Gaussian recurrence at midpoint ``mid``.

    gg = exp(-(d^2 - dp^2) c) (value relative to the point's peak on the
    grid), rr = exp(-(2 d dx + dx^2) c) (ratio to the next bin).  Rounding in
    the recurrence grows like n^2 eps after n steps, so callers reseed every
    _RESEED bins.
    """
    for j in range(K):
        d = mid - x[q, j]
        dp = dps[j]
        gg[j] = _exp(-(d - dp) * (d + dp) * c)
        rr[j] = _exp(min(-(2.0 * d * dx + dx * dx) * c, 700.0))


@njit(cache=True, fastmath=_HOT_FM)
def _row_direct(kcode, mid, K8, W, xs, ws, c, invh, gm):
    """One bin of a box/indicator density evaluated directly; returns D at ``mid``."""
    Dm = 0.0
    for j in range(K8):
        g = 1.0 if abs(mid - xs[j]) <= ws[j] else 0.0
        gm[j] = g
        Dm += W[j] * g
    return Dm


@njit(cache=True, fastmath=_HOT_FM)
def _row_direct_log(kcode, mid, K8, logS, xs, c, invh, gm):
    """One bin of a gaussian/laplace density in log space; returns (D', shift).

    gm_j = exp(log S_j + log shape_j(mid) - shift), shift = the largest
    exponent, D' = sum_j gm_j >= 1: D(mid) = norm * D' * exp(shift) exactly,
    however far every point is (no underflow, no floor)."""
    m = -np.inf
    for j in range(K8):
        u = mid - xs[j]
        if kcode == GAUSSIAN:
            t = logS[j] - c * u * u
        else:
            t = logS[j] - abs(u) * invh
        gm[j] = t
        m = max(m, t)
    Dm = 0.0
    for j in range(K8):
        g = _exp(gm[j] - m)
        gm[j] = g
        Dm += g
    return Dm, m


@njit(cache=True, fastmath=_HOT_FM)
def binned_loss(kcode, z, x, width, height, mask, a, b, nbins, h, scale, eps,
                loss_out, grad_out):
    """Fused binned loss + gradient for every query (midpoint rule, B bins).

    ``height[q, j]`` is the box/indicator height (ignored for smooth kernels,
    whose normalisation comes from ``h``).  Gaussian queries use an exact
    multiplicative recurrence over the equispaced midpoints (reseeded every
    _RESEED bins), scaled by the query's largest peak, when its factors cannot
    over/underflow and the dominant kernel falls by at most e^600 across the
    grid; other Gaussian queries and all Laplace queries are evaluated
    directly in log space per bin (``_row_direct_log``, about 2-3x slower,
    same results, never floored); box/indicator directly with the eps floor.
    """
    Q, K = z.shape
    K8 = (K + 7) // 8 * 8  # pad so the vector loops have no scalar tail
    S = np.zeros(K8)
    dfar = 0.0
    logS = np.full(K8, -np.inf)
    W = np.zeros(K8)     # S_j * normalisation * scale (* peak value, recurrence)
    xs = np.zeros(K8)
    ws = np.zeros(K8)
    gg = np.zeros(K8)
    rr = np.zeros(K8)
    gm = np.zeros(K8)
    gm2 = np.zeros(K8)
    gm3 = np.zeros(K8)
    gm4 = np.zeros(K8)
    acc = np.zeros(K8)
    ee = np.zeros(K8)
    dps = np.zeros(K8)
    c = 0.5 / (h * h)
    invh = 1.0 / h
    smooth = kcode == GAUSSIAN or kcode == LAPLACE
    if kcode == GAUSSIAN:
        norm = scale / (h * _SQRT2PI)
    elif kcode == LAPLACE:
        norm = scale * 0.5 / h
    else:
        norm = scale
    floor = _REL_FLOOR if smooth else eps
    for q in range(Q):
        _log_softmax_row(z, mask, q, K, S, logS)
        aq = a[q]
        dx = (b[q] - aq) / nbins
        m0 = _mid(aq, 0, dx)
        m1 = _mid(aq, nbins - 1, dx)
        for j in range(K8):
            acc[j] = 0.0
        use_rec = False
        shift = 0.0   # recurrence: log of the largest S_j * (kernel peak on the grid)
        if kcode == GAUSSIAN:
            shift = -np.inf
            vstar = 0.0
            for j in range(K):
                xj = x[q, j]
                dp = min(max(xj, m0), m1) - xj   # distance to the grid's span
                dps[j] = dp
                lp = logS[j] - dp * dp * c
                if lp > shift:
                    shift = lp
                    dfar = max(abs(m0 - xj), abs(m1 - xj))
                    vstar = (dfar - abs(dp)) * (dfar + abs(dp)) * c   # its fall across the grid
            q2 = _exp(-2.0 * dx * dx * c)
            # the recurrence is exact when its factors stay representable and
            # the dominant kernel stays far above underflow on the whole grid
            use_rec = 2.0 * dx * dx * c <= 300.0 and vstar <= 600.0
            for j in range(K):  # branch-free, no reduction: vectorises
                xj = x[q, j]
                dp = dps[j]
                d0 = m0 - xj
                e0 = (d0 - dp) * (d0 + dp) * c   # log(peak / value at bin 0) >= 0
                er = -(2.0 * d0 * dx + dx * dx) * c
                ee[j] = max(e0, er)
                # scale by the peak and the query's shift so the recurrence
                # state stays in [0, 1] and D near 1; masked entries: S = 0
                W[j] = norm * _exp(logS[j] - dp * dp * c - shift)
            _seed(K, x, q, m0, dx, c, dps, gg, rr)
            for j in range(K):
                if ee[j] > 690.0:
                    use_rec = False
            if not use_rec:
                shift = 0.0
        if not use_rec:
            for j in range(K):
                W[j] = S[j] * height[q, j] if not smooth else norm
                xs[j] = x[q, j]
                ws[j] = width[q, j] if not smooth else 0.0
        lq = 0.0       # sum of log max(D, eps) = lq + log(prod) + pexp * ln 2
        prod = 1.0
        pexp = 0
        cnt = 0
        mstart = 0
        if use_rec:
            # four bins per sweep over the neighbours: fewer loads/stores of
            # the recurrence state (the loop is load/store bound)
            q4 = q2 * q2
            q8 = q4 * q4
            while mstart + 3 < nbins:
                if mstart > 0 and mstart % _RESEED == 0:
                    _seed(K, x, q, _mid(aq, mstart, dx), dx, c, dps, gg, rr)
                D0 = 0.0
                D1 = 0.0
                D2 = 0.0
                D3 = 0.0
                for j in range(K8):
                    g0 = gg[j]
                    r = rr[j]
                    wj = W[j]
                    r1 = r * q2
                    r2 = r1 * q2
                    g1 = g0 * r
                    g2 = g1 * r1
                    g3 = g2 * r2
                    gm[j] = g0
                    gm2[j] = g1
                    gm3[j] = g2
                    gm4[j] = g3
                    D0 += wj * g0
                    D1 += wj * g1
                    D2 += wj * g2
                    D3 += wj * g3
                    gg[j] = g3 * (r2 * q2)
                    rr[j] = r * q8
                w0 = 0.0
                w1 = 0.0
                w2 = 0.0
                w3 = 0.0
                if D0 > floor:
                    cnt += 1
                    w0 = 1.0 / D0
                else:
                    D0 = floor
                if D1 > floor:
                    cnt += 1
                    w1 = 1.0 / D1
                else:
                    D1 = floor
                if D2 > floor:
                    cnt += 1
                    w2 = 1.0 / D2
                else:
                    D2 = floor
                if D3 > floor:
                    cnt += 1
                    w3 = 1.0 / D3
                else:
                    D3 = floor
                prod, pexp, lq = _log_accumulate(D0, prod, pexp, lq)
                prod, pexp, lq = _log_accumulate(D1, prod, pexp, lq)
                prod, pexp, lq = _log_accumulate(D2, prod, pexp, lq)
                prod, pexp, lq = _log_accumulate(D3, prod, pexp, lq)
                for j in range(K8):
                    acc[j] += (gm[j] * w0 + gm2[j] * w1) + (gm3[j] * w2 + gm4[j] * w3)
                mstart += 4
        for m in range(mstart, nbins):  # direct path, or the odd last bin
            if use_rec:
                if m > 0 and m % _RESEED == 0:
                    _seed(K, x, q, _mid(aq, m, dx), dx, c, dps, gg, rr)
                Dm = _row_recurrence(K8, W, gg, rr, q2, gm)
            elif smooth:
                Dm, bshift = _row_direct_log(kcode, _mid(aq, m, dx), K8, logS, xs, c, invh, gm)
                Dm *= norm
                lq += bshift
            else:
                Dm = _row_direct(kcode, _mid(aq, m, dx), K8, W, xs, ws, c, invh, gm)
            if Dm > floor:
                cnt += 1
                wgt = 1.0 / Dm
                for j in range(K8):
                    acc[j] += gm[j] * wgt
            else:
                Dm = floor
            prod, pexp, lq = _log_accumulate(Dm, prod, pexp, lq)
        lq += math.log(prod) + pexp * _LN2 + nbins * shift
        loss_out[q] = -lq / nbins
        for j in range(K):
            grad_out[q, j] = (S[j] * cnt - W[j] * acc[j]) / nbins
    return 0


# --------------------------------------------------------------------------
# exact: box / indicator (piecewise-constant density, sweep over edges)
# --------------------------------------------------------------------------
@njit(cache=True)
def exact_box_loss(z, x, width, height, mask, a, b, eps, loss_out, grad_out):
    """Exact loss + gradient for box/indicator kernels by an edge sweep.

    The density is constant between sorted interval edges, so log is
    integrated exactly per piece.  The running density is updated
    incrementally and recomputed from the active set whenever it drops far
    below its recent peak (bounds cancellation error).  The cumulative
    integral of 1/D is kept in double-double so per-neighbour differences
    stay accurate even after near-floor pieces (where 1/D is huge).
    """
    Q, K = z.shape
    S = np.zeros(K)
    v = np.zeros(K)
    active = np.zeros(K, dtype=np.bool_)
    fst_hi = np.zeros(K)
    fst_lo = np.zeros(K)
    acc = np.zeros(K)
    pos = np.zeros(2 * K)
    code = np.zeros(2 * K, dtype=np.int64)
    leps = math.log(eps)
    for q in range(Q):
        _softmax_row(z, mask, q, K, S)
        aq = a[q]
        bq = b[q]
        n = 0
        for j in range(K):
            acc[j] = 0.0
            active[j] = False
            v[j] = S[j] * height[q, j]
            if not mask[q, j] or v[j] == 0.0:
                continue
            lo = max(x[q, j] - width[q, j], aq)
            hi = min(x[q, j] + width[q, j], bq)
            if hi <= lo:
                continue
            pos[n] = lo
            code[n] = j + 1
            pos[n + 1] = hi
            code[n + 1] = -(j + 1)
            n += 2
        order = np.argsort(pos[:n], kind="mergesort")
        D = 0.0
        dmax = 0.0
        nact = 0
        F_hi = 0.0
        F_lo = 0.0
        meas = 0.0
        L = 0.0
        prev = aq
        for t in range(n + 1):
            if t < n:
                e = order[t]
                p = pos[e]
            else:
                e = -1
                p = bq
            if p > prev:
                seg = p - prev
                if D > eps:
                    L += seg * math.log(D)
                    meas += seg
                    # double-double F += seg / D  (TwoSum)
                    y = seg / D
                    s = F_hi + y
                    bb = s - F_hi
                    err = (F_hi - (s - bb)) + (y - bb)
                    F_hi = s
                    F_lo += err
                else:
                    L += seg * leps
                prev = p
            if e < 0:
                break
            cj = code[e]
            if cj > 0:
                j = cj - 1
                fst_hi[j] = F_hi
                fst_lo[j] = F_lo
                active[j] = True
                nact += 1
                D += v[j]
                if D > dmax:
                    dmax = D
            else:
                j = -cj - 1
                acc[j] = (F_hi - fst_hi[j]) + (F_lo - fst_lo[j])
                active[j] = False
                nact -= 1
                if nact == 0:
                    D = 0.0
                    dmax = 0.0
                else:
                    D -= v[j]
                    if D < dmax * 0.015625:
                        D = 0.0
                        for k in range(K):
                            if active[k]:
                                D += v[k]
                        dmax = D
        inv_len = 1.0 / (bq - aq)
        loss_out[q] = -L * inv_len
        for j in range(K):
            grad_out[q, j] = (S[j] * meas - v[j] * acc[j]) * inv_len
    return 0


# --------------------------------------------------------------------------
# exact: gaussian / laplace (adaptive Gauss-Kronrod 7-15)
# --------------------------------------------------------------------------
_XGK = np.array([0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                 0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                 0.207784955007898467600689403773245, 0.0])
_WGK = np.array([0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                 0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                 0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                 0.204432940075298892414161999234649, 0.209482141084727828012999174891714])
# 7-point Gauss weights for the nodes _XGK[1], _XGK[3], _XGK[5], _XGK[7]
_WG = np.array([0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
                0.381830050505118944950369775488975, 0.417959183673469387755102040816327])


@njit(cache=True)
def _integrand(kcode, t, K, xq, logS, lnorm, invh, c, f):
    """f[0] = log D, f[1] = 1, f[2+j] = S_j K_j / D, all in log space.

    log D = lnorm + max_j l_j + log sum_j exp(l_j - max) with l_j = log S_j +
    log(kernel shape): exact however far the points are from t (no floor)."""
    m = -np.inf
    for j in range(K):
        u = t - xq[j]
        if kcode == GAUSSIAN:
            lj = logS[j] - c * u * u
        else:
            lj = logS[j] - abs(u) * invh
        f[2 + j] = lj
        if lj > m:
            m = lj
    D = 0.0
    for j in range(K):
        e = math.exp(f[2 + j] - m)
        f[2 + j] = e
        D += e
    f[0] = lnorm + m + math.log(D)
    f[1] = 1.0
    inv = 1.0 / D
    for j in range(K):
        f[2 + j] *= inv


@njit(cache=True)
def exact_smooth_loss(kcode, z, x, mask, a, b, h, scale, eps, rtol,
                      loss_out, grad_out):
    """Exact loss + gradient for gaussian/laplace by adaptive GK15 quadrature.

    The integrand is evaluated in log space (``_integrand``), so ``eps`` is
    not used: these densities are never 0 and are never floored.

    [a, b] is first split at every kernel centre inside it (the Laplace
    kernel has a kink there; harmless for the Gaussian); each panel is
    bisected until |K15 - G7| <= rtol * (panel length) for every component
    of the vector integrand (loss integrand scaled by max(1, |log D|)).
    """
    Q, K = z.shape
    S = np.zeros(K)
    xq = np.zeros(K)
    f = np.zeros(K + 2)
    rk = np.zeros(K + 2)
    rg = np.zeros(K + 2)
    tot = np.zeros(K + 2)
    brk = np.zeros(K + 2)
    max_depth = 60
    cap = K + 2 + 2 * max_depth + 4
    st_lo = np.zeros(cap)
    st_hi = np.zeros(cap)
    st_d = np.zeros(cap, dtype=np.int64)
    c = 0.5 / (h * h)
    invh = 1.0 / h
    if kcode == GAUSSIAN:
        norm = scale / (h * _SQRT2PI)
    else:
        norm = scale * 0.5 / h
    lnorm = math.log(norm)
    logS = np.zeros(K)
    for q in range(Q):
        _log_softmax_row(z, mask, q, K, S, logS)
        aq = a[q]
        bq = b[q]
        # drop masked neighbours from the integrand (a weight that underflows
        # in S can still matter in log space, so keep every unmasked one)
        Ka = 0
        for j in range(K):
            if mask[q, j]:
                xq[Ka] = x[q, j]
                Ka += 1
        Sa = np.zeros(Ka)
        idx = np.zeros(Ka, dtype=np.int64)
        Ka2 = 0
        for j in range(K):
            if mask[q, j]:
                Sa[Ka2] = logS[j]
                idx[Ka2] = j
                Ka2 += 1
        nb = 0
        brk[nb] = aq
        nb += 1
        for j in range(Ka):
            if aq < xq[j] < bq:
                brk[nb] = xq[j]
                nb += 1
        brk[nb] = bq
        nb += 1
        brk_sorted = np.sort(brk[:nb])
        sp = 0
        for i in range(nb - 1, 0, -1):
            if brk_sorted[i] > brk_sorted[i - 1]:
                st_lo[sp] = brk_sorted[i - 1]
                st_hi[sp] = brk_sorted[i]
                st_d[sp] = 0
                sp += 1
        for i in range(Ka + 2):
            tot[i] = 0.0
        while sp > 0:
            sp -= 1
            lo = st_lo[sp]
            hi = st_hi[sp]
            dep = st_d[sp]
            half = 0.5 * (hi - lo)
            ctr = 0.5 * (hi + lo)
            for i in range(Ka + 2):
                rk[i] = 0.0
                rg[i] = 0.0
            for n in range(8):
                wk = _WGK[n] * half
                wg = 0.0
                if n % 2 == 1:
                    wg = _WG[n // 2] * half
                if n == 7:
                    _integrand(kcode, ctr, Ka, xq, Sa, lnorm, invh, c, f)
                    for i in range(Ka + 2):
                        rk[i] += wk * f[i]
                        rg[i] += wg * f[i]
                else:
                    for sgn in (-1.0, 1.0):
                        _integrand(kcode, ctr + sgn * half * _XGK[n], Ka, xq, Sa,
                                   lnorm, invh, c, f)
                        for i in range(Ka + 2):
                            rk[i] += wk * f[i]
                            rg[i] += wg * f[i]
            plen = hi - lo
            ok = abs(rk[0] - rg[0]) <= rtol * max(plen, abs(rk[0]))
            if ok:
                for i in range(1, Ka + 2):
                    if abs(rk[i] - rg[i]) > rtol * plen:
                        ok = False
                        break
            if ok or dep >= max_depth or plen <= 1e-15 * (bq - aq):
                for i in range(Ka + 2):
                    tot[i] += rk[i]
            else:
                st_lo[sp] = ctr
                st_hi[sp] = hi
                st_d[sp] = dep + 1
                st_lo[sp + 1] = lo
                st_hi[sp + 1] = ctr
                st_d[sp + 1] = dep + 1
                sp += 2
        inv_len = 1.0 / (bq - aq)
        loss_out[q] = -tot[0] * inv_len
        for j in range(K):
            grad_out[q, j] = S[j] * tot[1] * inv_len
        for i in range(Ka):
            grad_out[q, idx[i]] -= tot[2 + i] * inv_len
    return 0
