"""bots/guns/knn_tree.py: a draw through the k-d tree is the brute-force draw (forecast_kernels.draw_neighbour)
-- the same column and the same random stream after it -- on data full of exact ties, and the tree is a partition
of the columns whose boxes hold their states."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from bots.guns.forecast_kernels import N_FEAT, draw_neighbour
from bots.guns.knn_tree import LEAF, build_tree, tree_draw


@njit(cache=True)
def _draws(points, n, queries, w, k, seed):
    """Each query drawn both ways from the same seed: (brute, tree, the next random draw after each)."""
    tree = build_tree(points, n, w, k)
    dist, best = np.empty(points.shape[1]), np.empty(max(k, 1))
    out = np.empty((queries.shape[0], 4), dtype=np.int64)
    np.random.seed(seed)
    for t in range(queries.shape[0]):
        s = np.random.randint(1 << 30)
        np.random.seed(s)
        out[t, 0] = draw_neighbour(points, n, queries[t], w, k, dist, best)
        out[t, 1] = np.random.randint(1 << 30)
        np.random.seed(s)
        out[t, 2] = tree_draw(tree, queries[t], k)
        out[t, 3] = np.random.randint(1 << 30)
    return out


def _case(seed, memory, ties, dims_off):
    rng = np.random.default_rng(seed)
    if ties == 2:                              # a few states stored many times over, in many leaves
        states = rng.normal(size=(N_FEAT, 1 + seed % 6))
        points = states[:, rng.integers(0, states.shape[1], memory)]
        queries = rng.normal(size=(40, N_FEAT))
    elif ties:                                 # few distinct values: many states at exactly the k-th distance
        points = rng.integers(0, 3, size=(N_FEAT, memory)).astype(float)
        queries = points[:, rng.integers(0, memory, 40)].T + rng.integers(-1, 2, size=(40, N_FEAT))
    else:
        points = rng.normal(size=(N_FEAT, memory)) * rng.uniform(0.1, 100.0, size=(N_FEAT, 1))
        queries = points[:, rng.integers(0, memory, 40)].T + rng.normal(size=(40, N_FEAT))
    w = rng.uniform(0.01, 10.0, N_FEAT)
    w[rng.permutation(N_FEAT)[:dims_off]] = 0.0   # features left out, as the heading's inf scales
    return points, queries.copy(), w


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2 ** 31), memory=st.integers(1, 700), frac=st.floats(0.0, 1.0),
       k=st.integers(1, 40), ties=st.integers(0, 2), dims_off=st.integers(0, N_FEAT))
def test_a_tree_draw_is_the_brute_force_draw(seed, memory, frac, k, ties, dims_off):
    n = int(round(frac * memory))
    points, queries, w = _case(seed, memory, ties, dims_off)
    out = _draws(points, n, queries, w, k, seed)
    assert np.array_equal(out[:, 0], out[:, 2])          # the same column
    assert np.array_equal(out[:, 1], out[:, 3])          # the same draws taken from the stream


def test_the_shipped_heading_weights_with_ties_over_many_leaves():
    """The gun's own case: its heading weights, a full 4,000-state memory with duplicated states (a plain orbit
    visits the same states again), queries on and between them."""
    from bots.guns.forecast import W_HEADING
    rng = np.random.default_rng(7)
    base = np.round(rng.normal(size=(N_FEAT, 2000)) * 3.0, 1)
    points = np.ascontiguousarray(np.concatenate([base, base], axis=1))
    queries = np.concatenate([points[:, :300].T, points[:, 300:600].T + 0.05], axis=0)
    out = _draws(points, 4000, queries, np.asarray(W_HEADING), 16, 3)
    assert np.array_equal(out[:, 0], out[:, 2]) and np.array_equal(out[:, 1], out[:, 3])
    assert len(np.unique(out[:, 0])) > 300                # the draws are not all one state


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2 ** 31), n=st.integers(1, 900))
def test_the_tree_partitions_the_states_and_its_boxes_hold_them(seed, n):
    points, _, w = _case(seed, n, seed % 3, seed % 5)
    tree = build_tree(points, n, w, 16)
    assert np.array_equal(np.sort(tree.perm), np.arange(n))
    dims = tree.dims
    assert np.array_equal(dims, np.flatnonzero(w > 0.0))
    assert np.array_equal(tree.rows, points[dims][:, tree.perm])
    used = np.flatnonzero(tree.start >= 0)
    for j in used:
        s, e = tree.start[j], tree.end[j]
        block = points[dims][:, tree.perm[s:e]]
        assert (block.min(axis=1) == tree.lo[j]).all() and (block.max(axis=1) == tree.hi[j]).all()
        if e - s > LEAF:                                  # split at the middle, on one feature
            mid = (s + e) // 2
            assert (tree.start[2 * j + 1], tree.end[2 * j + 1], tree.start[2 * j + 2]) == (s, mid, mid)
            assert any(tree.hi[2 * j + 1, g] <= tree.lo[2 * j + 2, g] for g in range(len(dims)))
        else:
            assert 2 * j + 1 >= len(tree.start) or tree.start[2 * j + 1] < 0
