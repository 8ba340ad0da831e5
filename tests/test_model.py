"""The learned-distance k-NN gun model (learning/model.py): gradient, retrieval, chronology, file."""
import json
import math
import os

import numpy as np
import pytest

from learning import model as M
from learning.loss import kde_cross_entropy
from sim.waves.features import FEATURE_NAMES

FEATS = ["bft", "abs:lat_vel", "accel", "power"]


def _model(rng, embedding="power", mix=0.05, kernel="box", **kw):
    F = len(FEATS)
    extra = {} if embedding == "linear" else dict(b=rng.uniform(0.05, 1.0, F), c=rng.uniform(0.5, 2.0, F))
    return M.GunModel(FEATS, np.zeros(F), np.ones(F), embedding=embedding, a=rng.uniform(0.5, 2.0, F),
                      scale=-2.5, uniform_mix=mix, kernel=kernel, gf_domain=(-1.2, 1.3), **extra, **kw)


def _batch(rng, Q=30, N=200, K=12, F=len(FEATS)):
    Np = rng.random((N, F))
    Nq = rng.random((Q, F))
    idx = rng.integers(0, N, (Q, K))
    idx[:4, K // 2:] = -1           # queries with fewer neighbours (padding)
    xc = rng.uniform(-1, 1, N)
    hw = rng.uniform(0.02, 0.25, N)
    a = rng.uniform(-1, 0.8, Q)
    b = a + rng.uniform(0.02, 0.3, Q)
    return M.Batch(Nq, Np, idx, a, b, xc, hw)


def _fd(model, batch, theta, h=1e-6):
    out = np.empty_like(theta)
    for i in range(len(theta)):
        e = np.zeros_like(theta)
        e[i] = h
        out[i] = (M.loss_and_grad(model, batch, theta + e)[0] - M.loss_and_grad(model, batch, theta - e)[0]) / (2 * h)
    return out


@pytest.mark.parametrize("embedding,mix,kernel", [("power", 0.05, "box"), ("power", 0.0, "box"),
                                                  ("linear", 0.02, "box"), ("power", 0.1, "indicator"),
                                                  ("power", 0.0, "gaussian")])
def test_parameter_gradient_matches_finite_differences(embedding, mix, kernel):
    rng = np.random.default_rng(7)
    m = _model(rng, embedding, mix, kernel)
    bt = _batch(rng)
    th = m.theta()
    loss, g = M.loss_and_grad(m, bt, th)
    num = _fd(m, bt, th)
    assert math.isfinite(loss)
    assert np.abs(g).max() > 1e-3                      # not trivially zero
    np.testing.assert_allclose(g, num, rtol=2e-5, atol=2e-7)
    # every parameter block is exercised: scale, a (and b, c)
    assert len(g) == 1 + m.params_per_feature * len(FEATS)


def test_gradient_in_bits_is_nats_over_ln2_and_theta_round_trips():
    rng = np.random.default_rng(3)
    m = _model(rng)
    bt = _batch(rng)
    th = m.theta()
    ln, gn = M.loss_and_grad(m, bt, th)
    lb, gb = M.loss_and_grad(m, bt, th, base="2")
    assert lb == pytest.approx(ln / math.log(2))
    np.testing.assert_allclose(gb, gn / math.log(2), rtol=1e-12)
    m.set_theta(th)
    np.testing.assert_array_equal(m.theta(), th)
    assert m.scale < 0


def test_subgradient_of_abs_at_zero_is_zero():
    """A feature equal in query and neighbour contributes nothing to that feature's gradient."""
    rng = np.random.default_rng(4)
    m = _model(rng, mix=0.0)
    bt = _batch(rng, Q=5, N=40, K=6)
    bt.Np[:, 0] = 0.3
    bt.Nq[:, 0] = 0.3                                   # feature 0 identical everywhere: d = 0
    _, g = M.loss_and_grad(m, bt, m.theta())
    F = len(FEATS)
    assert g[1] == 0.0 and g[1 + F] == 0.0 and g[1 + 2 * F] == 0.0    # a_0, b_0, c_0
    assert np.all(g[2:1 + F] != 0.0)


def test_mixture_gives_the_uniform_exactly_its_weight_and_exact_logit_gradient():
    rng = np.random.default_rng(5)
    Q, K = 20, 7
    z = rng.normal(size=(Q, K))
    mask = rng.random((Q, K)) < 0.8
    mask[:, 0] = True
    x = rng.uniform(-1, 1, (Q, K))
    w = rng.uniform(0.05, 0.3, (Q, K))
    a = rng.uniform(-1, 0.7, Q)
    b = a + 0.2
    zz, xx, ww, mm, S = M.mixture_columns(z, mask, x, w, uniform_mix=0.1, gf_domain=(-1.5, 1.5))
    e = np.where(mm, np.exp(zz - zz.max(axis=1, keepdims=True)), 0)
    np.testing.assert_allclose(e[:, -1] / e.sum(axis=1), 0.1, rtol=1e-12)
    loss, g = M.density_loss(z, mask, x, w, a, b, uniform_mix=0.1, gf_domain=(-1.5, 1.5))
    # the loss equals the CE of the explicit mixture density, integrated on a fine grid
    q = 3
    t = np.linspace(a[q], b[q], 200001)
    dens = 0.9 * (S[q][:, None] * ((np.abs(t[None] - x[q][:, None]) <= w[q][:, None]) / (2 * w[q][:, None]))).sum(0) \
        + 0.1 / 3.0
    single, _ = M.density_loss(z[q:q + 1], mask[q:q + 1], x[q:q + 1], w[q:q + 1], a[q:q + 1], b[q:q + 1],
                               uniform_mix=0.1, gf_domain=(-1.5, 1.5))
    assert single == pytest.approx(-np.trapezoid(np.log(dens), t) / (b[q] - a[q]), abs=1e-4)
    h = 1e-6
    for (i, j) in [(0, 0), (5, 2), (11, 6)]:
        if not mask[i, j]:
            continue
        zp = z.copy()
        zp[i, j] += h
        zm = z.copy()
        zm[i, j] -= h
        num = (M.density_loss(zp, mask, x, w, a, b, uniform_mix=0.1, gf_domain=(-1.5, 1.5))[0]
               - M.density_loss(zm, mask, x, w, a, b, uniform_mix=0.1, gf_domain=(-1.5, 1.5))[0]) / (2 * h)
        assert g[i, j] == pytest.approx(num, rel=1e-5, abs=1e-9)
    assert np.all(g[~mask] == 0)
    # without mixing it is exactly the loss module
    l0, g0 = M.density_loss(z, mask, x, w, a, b, uniform_mix=0.0)
    l1, g1 = kde_cross_entropy(z, x, a, b, kernel="box", width=w, mask=mask)
    assert l0 == l1 and np.array_equal(g0, g1)


def test_k_rule_is_beepboops():
    m = M.GunModel(FEATS, np.zeros(4), np.ones(4), max_neighbours=100)
    n = np.array([0, 1, 3, 5, 24, 25, 30, 499, 500, 501, 10_000])
    np.testing.assert_array_equal(m.k_for(n), [0, 1, 3, 5, 5, 5, 6, 99, 100, 100, 100])


# --------------------------------------------------------------------------- retrieval and chronology

def _streams(rng, N=3000, streams=3, rounds=3):
    stream = rng.integers(0, streams, N)
    rnd = rng.integers(0, rounds, N)
    turn = rng.integers(1, 300, N)
    ct = turn + rng.integers(3, 40, N)
    ct[rng.random(N) < 0.05] = -1                       # never reached: known at the round's end
    table = {"round": rnd, "turn": turn, "center_turn": ct, "bullet_speed": rng.choice([11.0, 14.0, 19.7], N)}
    fire, avail = M.availability_keys(table)
    return stream, fire, avail


def _brute(E, stream, fire, avail, q, model):
    vis = np.flatnonzero((stream == stream[q]) & (avail < fire[q]))
    vis = vis[np.argsort(avail[vis], kind="stable")][-model.max_points:]
    k = int(model.k_for(len(vis)))
    d = np.abs(E[vis] - E[q]).sum(axis=1)
    return vis, d, k


@pytest.mark.parametrize("max_points", [50_000, 150])
def test_retrieval_is_exact_top_k_over_the_causal_window(max_points):
    rng = np.random.default_rng(11)
    stream, fire, avail = _streams(rng)
    E = rng.random((len(stream), 5))
    E[rng.random(len(stream)) < 0.1] = 0.5             # exact ties
    m = M.GunModel(FEATS, np.zeros(4), np.ones(4), max_neighbours=40, max_points=max_points)
    queries = rng.choice(len(stream), 400, replace=False)
    idx, seen = M.causal_neighbours(E, stream, fire, avail, queries, m)
    assert seen.max() > 0 and (seen == 0).any()
    for i, q in enumerate(queries):
        vis, d, k = _brute(E, stream, fire, avail, q, m)
        assert seen[i] == len(vis)
        got = idx[i][idx[i] >= 0]
        assert len(got) == k
        assert set(got) <= set(vis)
        dg = np.abs(E[got] - E[q]).sum(axis=1)
        assert np.all(np.diff(dg) >= 0)                 # sorted by distance
        np.testing.assert_allclose(dg, np.sort(d)[:k], rtol=0, atol=1e-12)
    if max_points == 150:
        assert seen.max() == 150


def test_query_never_sees_a_later_or_foreign_wave():
    """Scrambling every wave a query may not know (later, or another stream) changes nothing for it.

    Fails if retrieval could see a wave whose label was not known when the query was fired.
    """
    rng = np.random.default_rng(12)
    stream, fire, avail = _streams(rng, N=2000)
    E = rng.random((len(stream), 4))
    m = M.GunModel(FEATS, np.zeros(4), np.ones(4), max_neighbours=30)
    for q in rng.choice(len(stream), 40, replace=False):
        idx, _ = M.causal_neighbours(E, stream, fire, avail, [q], m)
        got = idx[0][idx[0] >= 0]
        assert np.all(avail[got] < fire[q]) and np.all(stream[got] == stream[q]) and q not in got
        hidden = (avail >= fire[q]) | (stream != stream[q])
        hidden[q] = False
        E2 = E.copy()
        E2[hidden] = E[q]                               # would be the nearest of all if visible
        idx2, _ = M.causal_neighbours(E2, stream, fire, avail, [q], m)
        np.testing.assert_array_equal(idx, idx2)


def test_availability_keys():
    t = {"round": np.array([0, 0, 0, 1]), "turn": np.array([10, 11, 30, 5]),
         "center_turn": np.array([30, -1, 40, 20]), "bullet_speed": np.array([11.0, 11.0, 19.7, 14.0])}
    fire, avail = M.availability_keys(t)
    assert np.all(avail > fire)                          # never visible to itself
    assert avail[0] == 30 + math.ceil(18 * math.sqrt(2) / 11) + 1   # front passed the whole box
    assert avail[1] == 1 * M.BIG                          # never reached: known when round 0 ends
    assert avail[1] < fire[3]                             # ... so round 1 sees it
    assert avail[0] > fire[2]                             # wave 0 (centre at 30) not yet known at turn 30


def test_box_argmax_matches_a_fine_grid():
    rng = np.random.default_rng(13)
    Q, K = 50, 9
    x = rng.uniform(-1, 1, (Q, K))
    w = rng.uniform(0.02, 0.3, (Q, K))
    S = rng.dirichlet(np.ones(K), Q)
    mask = rng.random((Q, K)) < 0.85
    mask[:, 0] = True
    grid = np.linspace(-1.5, 1.5, 30001)
    for kernel in ("box", "indicator"):
        best = M.box_argmax(x, w, S, mask, kernel)
        h = np.where(mask, S, 0) / (2 * w if kernel == "box" else 1)
        D = (h[:, :, None] * (np.abs(grid[None, None, :] - x[:, :, None]) <= w[:, :, None])).sum(1)
        for i in range(Q):
            v = (h[i] * (np.abs(best[i] - x[i]) <= w[i])).sum()
            assert v == pytest.approx(D[i].max(), rel=1e-9)      # the argmax reaches the grid's maximum
            assert v >= D[i].max() * (1 - 1e-12)
    # adjacent boxes (a histogram's bins, edges equal up to rounding): the argmax is inside the tallest bin
    edges = np.linspace(-1, 1, 11)
    c = 0.5 * (edges[1:] + edges[:-1])
    for tall in range(10):
        H = np.full((1, 10), 1e-12)
        H[0, tall] = 2.0
        H[0, (tall + 1) % 10] = 1.5
        best = M.box_argmax(c[None], np.full((1, 10), 0.1), H, np.ones((1, 10), bool))
        assert edges[tall] + 0.05 < best[0] < edges[tall + 1] - 0.05


# --------------------------------------------------------------------------- the file

def test_json_round_trip(tmp_path):
    rng = np.random.default_rng(21)
    m = _model(rng)
    m.training = {"dataset": "x.npz", "final": {"val": {"loss_nats": 0.25}}}
    p = tmp_path / "m.json"
    m.save(p)
    r = M.load_model(p)
    assert r.to_dict() == m.to_dict()
    for k in ("lo", "hi", "a", "b", "c"):
        assert np.array_equal(getattr(r, k), getattr(m, k))
    n = rng.random((10, 4))
    assert np.array_equal(r.embed(n), m.embed(n))
    d = json.loads(p.read_text())
    assert d["format"] == M.FORMAT and d["version"] == M.VERSION
    assert d["features"] == FEATS and len(d["norm_lo"]) == len(d["a"]) == 4
    for key in ("scale", "max_neighbours", "max_points", "kernel", "divider", "min_half_width", "gf_domain"):
        assert key in d
    # a linear model stores b = 0, c = 1 and evaluates with the same formula
    lin = _model(rng, "linear")
    lin.save(p)
    rl = M.load_model(p)
    assert rl.embedding == "linear" and np.all(rl.b == 0) and np.all(rl.c == 1)


def _good(tmp_path):
    m = _model(np.random.default_rng(22))
    p = tmp_path / "good.json"
    m.save(p)
    return json.loads(p.read_text())


def _bad_cases(tmp_path):
    g = _good(tmp_path)

    def mod(**kw):
        d = dict(g)
        for k, v in kw.items():
            if v is None:
                d.pop(k)
            else:
                d[k] = v
        return json.dumps(d)
    return {
        "not json": ("garbage{", "not valid JSON"),
        "binary": (b"\x89PNG\r\n\x1a\n\x00\x00", "not valid JSON"),
        "array": ("[1, 2]", "not a gfsim gun model"),
        "foreign": (json.dumps({"format": "something-else", "version": 1}), "not a gfsim gun model"),
        "dataset meta": (json.dumps({"format": "gfsim-waves", "schema_version": 1}), "not a gfsim gun model"),
        "newer": (mod(version=2), "version 2"),
        "missing": (mod(scale=None), "missing scale"),
        "length": (mod(a=g["a"][:-1]), "a has 3 values for 4 features"),
        "nan": (json.dumps(g).replace(str(g["c"][1]), "NaN", 1), "NaN is not allowed"),
        "positive scale": (mod(scale=1.5), "negative"),
        "negative b": (mod(b=[-0.5] + g["b"][1:]), "b must be >= 0"),
        "zero c": (mod(c=[0.0] + g["c"][1:]), "c must be > 0"),
        "feature": (mod(features=["bft", "warp_speed", "accel", "power"]), "unknown feature 'warp_speed'"),
        "kernel": (mod(kernel="epanechnikov"), "unknown kernel"),
        "k": (mod(max_neighbours=0), "max_neighbours"),
        "k type": (mod(max_neighbours=12.5), "max_neighbours"),
        "ranges": (mod(norm_hi=g["norm_lo"]), "hi > lo"),
        "string number": (mod(a=["1"] * 4), "a must be numbers"),
        "shift": (mod(shift=1e-3), "shift"),
        "truncated": (json.dumps(g)[:200], "not valid JSON"),
    }


def test_bad_and_foreign_files_are_refused_with_one_line(tmp_path):
    for name, (content, msg) in _bad_cases(tmp_path).items():
        p = tmp_path / f"bad-{name.replace(' ', '_')}.json"
        (p.write_bytes if isinstance(content, bytes) else p.write_text)(content)
        with pytest.raises(M.ModelError) as ei:
            M.load_model(p)
        text = str(ei.value)
        assert "\n" not in text and str(p) in text and msg in text, (name, text)
    for p, msg in ((tmp_path / "nope.json", "no such file"), (tmp_path, "is a directory")):
        with pytest.raises(M.ModelError, match=msg):
            M.load_model(p)


def test_save_is_atomic(tmp_path, monkeypatch):
    rng = np.random.default_rng(23)
    p = tmp_path / "m.json"
    _model(rng).save(p)
    before = p.read_bytes()

    def boom(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(M.os, "replace", boom)
    with pytest.raises(OSError):
        _model(rng, "linear").save(p)
    assert p.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.json"]


def test_feature_names_and_matrix():
    t = {n: np.arange(3, dtype=float) - 1 for n in FEATURE_NAMES}
    X = M.feature_matrix(t, ["lat_vel", "abs:lat_vel"])
    np.testing.assert_array_equal(X, [[-1, 1], [0, 0], [1, 1]])
    for bad in (["nope"], ["bft", "bft"], [], ["abs:nope"]):
        with pytest.raises(M.ModelError):
            M.check_feature_names(bad)
    assert set(M.DEFAULT_FEATURES) and "virtuality" not in M.DEFAULT_FEATURES   # non-causal feature left out
    lo, hi = M.normalisation_ranges(np.array([[0.0, 5.0], [2.0, 5.0]]))
    np.testing.assert_array_equal(lo, [0, 5]) and np.testing.assert_array_equal(hi, [2, 6])
    m = M.GunModel(["bft", "power"], lo, hi)
    np.testing.assert_array_equal(m.normalise(np.array([[-1.0, 5.5], [3.0, 7.0]])), [[0, 0.5], [1, 1]])


@pytest.mark.parametrize("objective", ["bin-ce", "squared", "hit-likelihood"])
def test_ablation_objectives_gradients_match_finite_differences(objective):
    rng = np.random.default_rng(11)
    m = _model(rng, "power", 0.05, "box")
    bt = _batch(rng)
    th = m.theta()
    loss, g = M.loss_and_grad(m, bt, th, objective=objective)

    def f(t):
        return M.loss_and_grad(m, bt, t, objective=objective)[0]
    num = np.array([(f(th + e) - f(th - e)) / 2e-6 for e in np.eye(len(th)) * 1e-6])
    assert math.isfinite(loss) and np.abs(g).max() > 1e-4
    np.testing.assert_allclose(g, num, rtol=2e-5, atol=2e-7)


def test_ablation_objectives_on_a_hand_made_query():
    # two neighbours with centres 0.05 (inside [0, 0.1]) and 0.6 (outside), weights 0.75 / 0.25
    z = np.log(np.array([[0.75, 0.25]]))
    mask = np.ones((1, 2), bool)
    x = np.array([[0.05, 0.6]])
    a, b = np.array([0.0]), np.array([0.1])
    mix, dom = 0.1, (-1.0, 1.0)
    L, G = M.objective_loss("hit-likelihood", z, mask, x, a, b, uniform_mix=mix, gf_domain=dom)
    assert L == pytest.approx(-math.log(0.9 * 0.75 + 0.1 * 0.1 / 2.0))
    assert G[0, 0] < 0 < G[0, 1] and G.sum() == pytest.approx(0.0, abs=1e-15)
    L, _ = M.objective_loss("squared", z, mask, x, a, b, uniform_mix=mix, gf_domain=dom)
    assert L == pytest.approx((0.75 * 0.05 + 0.25 * 0.6 - 0.05) ** 2)
    # 4 bins on [-1, 1]: 0.05 is in bin 2 with the target centre 0.05, 0.6 in bin 3
    L, _ = M.objective_loss("bin-ce", z, mask, x, a, b, uniform_mix=mix, gf_domain=dom, bins=4)
    assert L == pytest.approx(-math.log(0.9 * 0.75 + 0.1 / 4))
    with pytest.raises(M.ModelError, match="uniform_mix"):
        M.objective_loss("bin-ce", z, mask, x, a, b, uniform_mix=0.0, gf_domain=dom)


def test_per_query_metrics_average_to_the_metrics():
    rng = np.random.default_rng(5)
    m = _model(rng, "power", 0.05, "box")
    bt = _batch(rng)
    mean = M.model_metrics(m, bt)
    per = M.model_metrics(m, bt, per_query=True)
    for k in ("loss_nats", "kl_nats", "expected_hit_rate", "fire_hit_rate"):
        assert per[k].shape == (len(bt),) and per[k].mean() == pytest.approx(mean[k], rel=1e-12, abs=1e-15)
