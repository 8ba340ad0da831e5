"""An exact k-d tree for the forecast gun's heading neighbours (issue 17).

Why a hand-written compiled tree: every turn of every future draws one of the k stored transitions nearest its
state (forecast_kernels.draw_neighbour), some 2,000 draws an aim inside numba code, and a scan of all 4,000 stored
states took three quarters of the gun's time. scipy's cKDTree cannot be called from compiled code.

Why it is exact, to the bit: a draw through the tree is the brute-force draw -- the same k nearest with the ties
at the k-th distance, each distance summed feature by feature in the same order (so the same bits), the ties drawn
among themselves in the same column order, the same calls on numba's random stream. A node is skipped only when a
lower bound of every distance in its bounding box, summed the same way from terms each no larger than the real
one (rounding is monotone), is strictly above the k-th distance found so far; so every state at or below the final
k-th distance is visited. tests/test_knn_tree.py draws through both on data with many exact ties.
"""
import math
from typing import NamedTuple

import numpy as np
from numba import njit

from sim.engine.constants import I64

NB = dict(cache=True, error_model="numpy")
LEAF = I64(32)            # states in a leaf (16 to 64 measured alike; 8 visits more nodes)


class KnnTree(NamedTuple):
    """A k-d tree over the first n columns of a feature-major (features, memory) array, for one weight vector.
    Node j holds perm[start[j]:end[j]], its children are 2j + 1 and 2j + 2 (split at the range's middle, so the
    tree is implicit) and it is a leaf when it holds LEAF states or fewer; start = -1 marks a slot no node uses."""
    perm: np.ndarray      # int64 (n,): column indices, each node's a contiguous range
    start: np.ndarray     # int64 (nodes,)
    end: np.ndarray       # int64 (nodes,)
    lo: np.ndarray        # (nodes, dims): the node's bounding box on the weighted features
    hi: np.ndarray
    dims: np.ndarray      # int64 (dims,): the features with a positive weight, in feature order
    wd: np.ndarray        # (dims,): their weights
    rows: np.ndarray      # (dims, n): the states' values of those features in perm's order (a leaf's are contiguous,
                          # a feature at a time: a leaf's distances are summed like draw_neighbour's, in SIMD)
    leaf_d: np.ndarray    # scratch (LEAF,): a leaf's distances
    qd: np.ndarray        # scratch (dims,): the query's weighted features
    seen_i: np.ndarray    # scratch (n,): the states a query measured (their columns) ...
    seen_d: np.ndarray    # ... and their distances
    group: np.ndarray     # scratch (n,): the nearest (or tied) states' columns, to order them
    best: np.ndarray      # scratch (k,): the k smallest distances so far, sorted
    stack_j: np.ndarray   # scratch: nodes still to visit ...
    stack_b: np.ndarray   # ... and their bounds


@njit(**NB)
def keep_smallest(best, m, k, x):
    """One step of keeping the k smallest values seen, sorted in best[:m]: x inserted if it is among them (a few
    moves when k is much below the count seen). Returns the new m."""
    if m < k:
        j = m
        m += 1
    elif x < best[k - 1]:
        j = k - 1
    else:
        return m
    while j > 0 and best[j - 1] > x:
        best[j] = best[j - 1]
        j -= 1
    best[j] = x
    return m


@njit(**NB)
def draw_nearest(dist, cols, th, kk, group):
    """draw_neighbour's draw once the k-th smallest distance th is known: uniform over the kk nearest -- one of
    those below th, or, past their count, one of those tied at th -- each set taken in column order. dist: the
    distances of states cols (any order, every state at or below th among them; empty cols: dist is every state's,
    in column order, and the r-th is found in one pass, with no scratch); group: scratch as long as cols."""
    below = 0
    ties = 0
    for t in range(dist.shape[0]):
        if dist[t] < th:
            below += 1
        elif dist[t] == th:
            ties += 1
    r = np.random.randint(kk)
    want_tie = r >= below
    r = np.random.randint(ties) if want_tie else r
    in_order = cols.shape[0] == 0
    n_group = 0
    for t in range(dist.shape[0]):
        if (dist[t] == th) if want_tie else (dist[t] < th):
            if in_order:
                if n_group == r:
                    return t
            else:
                group[n_group] = cols[t]
            n_group += 1
    chosen = group[:n_group]
    chosen.sort()
    return chosen[r]


@njit(**NB)
def tree_depth(n, leaf):
    """Splits from the root to the deepest leaf: the largest range at depth d holds ceil(n / 2^d) states."""
    d = 0
    size = n
    while size > leaf:
        size = (size + 1) // 2
        d += 1
    return d


@njit(**NB)
def select_middle(perm, s, e, mid, col):
    """Reorder perm[s:e] so that col[perm[mid]] is the value sorted order puts there, none greater before it and
    none smaller after it (Hoare's selection; the tree's shape depends on it, never a draw)."""
    lo, hi = s, e - 1
    while hi > lo:
        a, b, c = col[perm[lo]], col[perm[(lo + hi) // 2]], col[perm[hi]]
        pivot = max(min(a, b), min(max(a, b), c))      # the median of three
        i, j = lo, hi
        while i <= j:
            while col[perm[i]] < pivot:
                i += 1
            while col[perm[j]] > pivot:
                j -= 1
            if i <= j:
                perm[i], perm[j] = perm[j], perm[i]
                i += 1
                j -= 1
        if mid <= j:
            hi = j
        elif mid >= i:
            lo = i
        else:
            break


@njit(**NB)
def build_tree(points, n, w, k):
    """The tree over points[:, :n] for the weights w (features with w <= 0 are left out, as in draw_neighbour),
    with scratch for queries of up to k neighbours."""
    n_feat = points.shape[0]
    n_dims = 0
    for c in range(n_feat):
        if w[c] > 0.0:
            n_dims += 1
    dims = np.empty(n_dims, dtype=np.int64)
    n_dims = 0
    for c in range(n_feat):
        if w[c] > 0.0:
            dims[n_dims] = c
            n_dims += 1
    depth = tree_depth(max(n, 1), LEAF)
    nodes = (1 << (depth + 1)) - 1
    perm = np.arange(n)
    start = np.full(nodes, -1, dtype=np.int64)
    end = np.full(nodes, -1, dtype=np.int64)
    lo = np.zeros((nodes, n_dims))
    hi = np.zeros((nodes, n_dims))
    if n > 0:
        start[0], end[0] = 0, n
    for j in range(nodes):                        # parents before children: each node's range is set by then
        s, e = start[j], end[j]
        if s < 0:
            continue
        widest, split = -1.0, dims[0] if n_dims > 0 else 0
        for g in range(n_dims):
            c = dims[g]
            a, b = math.inf, -math.inf
            for t in range(s, e):
                v = points[c, perm[t]]
                a = min(a, v)
                b = max(b, v)
            lo[j, g], hi[j, g] = a, b
            spread = w[c] * (b - a) * (b - a)
            if spread > widest:
                widest, split = spread, c
        if e - s > LEAF:
            mid = (s + e) // 2
            select_middle(perm, s, e, mid, points[split])
            start[2 * j + 1], end[2 * j + 1] = s, mid
            start[2 * j + 2], end[2 * j + 2] = mid, e
    rows = np.empty((n_dims, n))
    for g in range(n_dims):
        for t in range(n):
            rows[g, t] = points[dims[g], perm[t]]
    return KnnTree(perm, start, end, lo, hi, dims, w[dims].copy(), rows, np.empty(LEAF), np.empty(n_dims),
                   np.empty(n, dtype=np.int64), np.empty(n),
                   np.empty(n, dtype=np.int64), np.empty(max(k, 1)),
                   np.empty(2 * depth + 2, dtype=np.int64),
                   np.empty(2 * depth + 2))


@njit(**NB)
def box_bound(tree, j):
    """A lower bound of the weighted squared distance from the query (tree.qd) to every state in node j, summed
    like the real ones."""
    lo, hi, qd, wd = tree.lo, tree.hi, tree.qd, tree.wd
    d = 0.0
    for g in range(qd.shape[0]):
        if qd[g] < lo[j, g]:
            e = lo[j, g] - qd[g]
        elif qd[g] > hi[j, g]:
            e = qd[g] - hi[j, g]
        else:
            e = 0.0
        d += wd[g] * e * e
    return d


@njit(**NB)
def tree_draw(tree, q, k):
    """draw_neighbour(points, n, q, w, k, ...) through the tree built over those n columns with those weights:
    the same column, the same draws from numba's random stream."""
    n = tree.perm.shape[0]
    kk = min(k, n)
    if kk == 0:
        return -1
    if kk == n:
        return np.random.randint(n)
    best, seen_i, seen_d, rows, qd, wd = tree.best, tree.seen_i, tree.seen_d, tree.rows, tree.qd, tree.wd
    for g in range(qd.shape[0]):
        qd[g] = q[tree.dims[g]]
    m = I64(0)                                    # distances kept in best
    th = math.inf                                 # the k-th smallest so far
    n_seen = 0
    tree.stack_j[0], tree.stack_b[0] = 0, 0.0
    sp = 1
    while sp > 0:
        sp -= 1
        j = tree.stack_j[sp]
        if tree.stack_b[sp] > th:                 # beyond the k-th distance: no neighbour and no tie in it
            continue
        s, e = tree.start[j], tree.end[j]
        if e - s > LEAF:
            a, b = 2 * j + 1, 2 * j + 2
            ba, bb = box_bound(tree, a), box_bound(tree, b)
            if ba <= bb:                          # the nearer child on top: visited first
                a, b, ba, bb = b, a, bb, ba
            tree.stack_j[sp], tree.stack_b[sp] = a, ba
            tree.stack_j[sp + 1], tree.stack_b[sp + 1] = b, bb
            sp += 2
            continue
        leaf_d = tree.leaf_d[:e - s]
        leaf_d[:] = 0.0
        for g in range(qd.shape[0]):              # draw_neighbour's sums, a feature at a time
            wg, qg, col = wd[g], qd[g], rows[g, s:e]
            for u in range(e - s):
                x = col[u] - qg
                leaf_d[u] += wg * x * x
        for t in range(s, e):
            d = leaf_d[t - s]
            seen_i[n_seen], seen_d[n_seen] = tree.perm[t], d
            n_seen += 1
            m = keep_smallest(best, m, kk, d)
            if m == kk:
                th = best[kk - 1]
    return draw_nearest(seen_d[:n_seen], seen_i[:n_seen], th, kk, tree.group)
