"""Wave guns (bots/waveguns.py): online labels equal the dataset's, neighbour search and the density argmax
equal their references, the learned gun computes what learning/model.py computes, and the guns behave."""
import json

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st
from scipy.spatial import cKDTree

from bots import layout
from bots.guns import wave_kernels as wg
from bots.registry import parse_bot, BotSpecError
from bots.guns.wave_memory import KNN_FEATURES, _model_block, model_path, DEFAULT_MODEL
from learning.model import GunModel, load_model, box_argmax
from sim.engine.battle import run_battle
from sim.engine.rules import Rules
from sim.waves.tracking import battle_waves


def _gun_mem(result, spec, robot=0):
    return result.memory[robot, int(spec.params[layout.P.gun_mem]):]


def _knn_battle(lag):
    spec = parse_bot(f"lock+knn:power=3,energy_rule=0,lag={lag}+still")
    r = run_battle([spec, "lock+none+orbit"], Rules(rounds=3), seed=5, record=True, keep_memory=True)
    return spec, r


@pytest.mark.parametrize("lag", [0, 1])
def test_online_labels_and_features_equal_the_datasets(lag):
    """Every wave the gun learned from carries exactly the dataset's precise-intersection label, and
    its features equal the dataset's (lag=0: the wave's own; lag=1: those of the wave fired a turn
    earlier, which the gun aimed with) except in the turns right after a round's first scan (the gun
    cannot know the path before it first saw the enemy)."""
    spec, r = _knn_battle(lag)
    g = battle_waves(r)["gun"]["columns"]
    sel = (g["shooter"] == 0) & (g["status"] == 0) & (g["exact"] == 1)
    m = _gun_mem(r, spec)
    mb = m[int(m[wg.WH_KNN]):]
    n = int(mb[wg.MH_N])
    assert n == m[wg.WH_WAVES_LABELLED] > 0.9 * sel.sum()
    E, lo, hi = wg._store_cols(mb)
    d, i = cKDTree(np.stack([g["gf_lo"][sel], g["gf_hi"][sel]], 1)).query(np.stack([lo[:n], hi[:n]], 1))
    assert d.max() < 1e-9
    assert len(set(i)) == n          # one dataset wave per learned wave
    rows = np.flatnonzero(sel)[i]
    if lag:
        # the same shooter's wave of the previous turn (the dataset has one per turn while both live)
        at = {(r_, t_): k for k, (r_, t_, s_) in enumerate(zip(g["round"], g["turn"], g["shooter"])) if s_ == 0}
        rows = np.array([at.get((g["round"][k], g["turn"][k] - 1), k) for k in rows])
    raw = []
    for name, nlo, nhi, w in KNN_FEATURES:
        v = np.asarray(g[name.replace("abs:", "")][rows], float)
        v = np.abs(v) if name.startswith("abs:") else v
        raw.append(w * (wg.SHIFT + np.clip((v - nlo) / (nhi - nlo), 0, 1)))
    diff = np.abs(E[:, :n].astype(float) - np.stack(raw)).max(axis=0)
    ok = diff < 1e-5
    assert ok.mean() > 0.97
    # (only before the enemy's first reversal after the round's first scan: the time since its last
    # direction change is counted from the round start, which the gun did not see)
    assert (g["turn"][sel][i[~ok]] <= 60).all()


def test_nearest_equals_brute_force():
    rng = np.random.default_rng(3)
    nf, cap, n = 5, 500, 437
    mb = np.zeros(wg.model_block_size(nf, cap))
    mb[: wg.MH_STORE] = _model_block(["distance", "bft", "accel", "dist10", "dist20"], np.zeros(nf), np.ones(nf), np.ones(nf), np.zeros(nf), np.ones(nf),
                                     scale=-1.0, max_nb=100, min_nb=5, divider=5.0, cap=cap, min_hw=1e-3,
                                     dom=(-1, 1), kernel=wg.KERNEL_BOX, bw=0.1)
    E, lo, hi = wg._store_cols(mb)
    pts = rng.random((n, nf)).astype(np.float32)
    E[:, :n] = pts.T
    mb[wg.MH_N] = n
    for _ in range(20):
        q = rng.random(nf)
        k = int(rng.integers(1, 60))
        idx = np.empty(wg.MAX_K, dtype=np.int64)
        dist = np.empty(wg.MAX_K)
        got = wg.nearest(mb, q, np.empty(cap), k, idx, dist)
        ref = np.abs(pts.astype(np.float64) - q.astype(np.float32).astype(np.float64)).sum(1)
        assert got == k
        kth = np.sort(ref)[k - 1]
        assert np.all(ref[idx[:k]] <= kth + 1e-6)
        assert len(set(idx[:k])) == k


@settings(max_examples=200, deadline=None)
@example([(1.5, 0.5, 1.0)])          # a box that only touches the domain's edge
@example([(0.0, 0.5, 1.0), (1.0, 0.5, 1.0)])   # two boxes that share one point: there the density is highest
@given(st.lists(st.tuples(st.floats(-1.5, 1.5), st.floats(0.001, 0.8), st.floats(0.01, 1.0)), min_size=1,
                max_size=12))
def test_box_argmax_is_the_densest_point(boxes):
    """The sweep's answer has the highest density of any point of the domain (checked on a fine grid and
    at every box edge)."""
    xc = np.array([b[0] for b in boxes])
    hw = np.array([b[1] for b in boxes])
    w = np.array([b[2] for b in boxes])
    k = len(boxes)
    x = wg.box_density_argmax(xc, hw, w, k, -1.0, 1.0, np.empty((2 * k, 2)), np.empty(2 * k, dtype=np.int64))
    assert -1.0 <= x <= 1.0
    grid = np.concatenate([np.linspace(-1, 1, 4001), np.clip(np.concatenate([xc - hw, xc + hw]), -1, 1)])
    dens = np.empty(grid.size)
    wg.box_density_at(xc, hw, w, k, grid, dens)
    at = np.empty(1)
    wg.box_density_at(xc, hw, w, k, np.array([x]), at)
    assert at[0] >= dens.max() * (1 - 1e-9)


def _random_model(nf=6, seed=0):
    from sim.waves.gf import FEATURE_NAMES
    rng = np.random.default_rng(seed)
    names = list(FEATURE_NAMES[:nf])
    return GunModel(names, np.zeros(nf), np.full(nf, 2.0), a=rng.uniform(0.5, 2, nf), b=rng.uniform(0, 0.5, nf),
                    c=rng.uniform(0.5, 2, nf), scale=-4.0, max_neighbours=30, min_neighbours=5, divider=5.0)


@pytest.mark.parametrize("kernel", ["box", "indicator", "gaussian", "laplace"])
def test_learned_aim_matches_learning_model(kernel):
    """The compiled gun's density and argmax equal learning/model.py's for the same model and stored waves,
    for every kernel a model can be trained with (box/indicator: the exact edge sweep; gaussian/laplace:
    the argmax over the gun's 101-point grid on the model's GF domain)."""
    from sim.waves.gf import N_FEAT
    from bots.guns.wave_memory import KERNEL_CODES
    from learning.model import smooth_argmax
    model = _random_model()
    nf, cap = model.n_features, 400
    rng = np.random.default_rng(1)
    m = np.zeros(wg.HEADER + wg.model_block_size(nf, cap) + wg.scratch_size(cap))
    mb = m[wg.HEADER:wg.HEADER + wg.model_block_size(nf, cap)]
    mb[: wg.MH_STORE] = _model_block(model.features, model.lo, model.hi, model.a, model.b, model.c,
                                     scale=model.scale, max_nb=model.max_neighbours, min_nb=model.min_neighbours,
                                     divider=model.divider, cap=cap, min_hw=model.min_half_width,
                                     dom=model.gf_domain, kernel=KERNEL_CODES[kernel], bw=model.bandwidth)
    m[wg.WH_SCRATCH] = wg.HEADER + wg.model_block_size(nf, cap)
    raw = rng.uniform(0, 2, (300, N_FEAT))
    lo = rng.uniform(-0.9, 0.7, 300)
    hi = lo + rng.uniform(0.01, 0.2, 300)
    work = np.empty(wg.MAX_F)
    for j in range(300):
        wg.store_add(mb, raw[j], lo[j], hi[j], work)
    q = rng.uniform(0, 2, N_FEAT)
    bins = np.zeros(51)
    gf, found = wg.neighbour_aim(mb, q, m, bins)
    assert found
    # reference: learning/model.py's embedding, exact k nearest, softmax and box argmax
    cols = list(range(nf))   # the model uses the first nf features
    Ep = model.embed(model.normalise(raw[:, cols])).astype(np.float32).astype(float)
    eq = model.embed(model.normalise(q[None, cols]))[0].astype(np.float32).astype(float)
    d = np.abs(Ep - eq).sum(1)
    k = int(model.k_for(300))
    nb = np.argsort(d)[:k]
    z = model.scale * d[nb]
    s = np.exp(z - z.max())
    s /= s.sum()
    xc = 0.5 * (lo[nb] + hi[nb])
    w = np.maximum(0.5 * (hi[nb] - lo[nb]), model.min_half_width)
    pts = np.linspace(-1, 1, 51)
    expect = np.empty(51)
    if kernel in ("gaussian", "laplace"):
        ref = smooth_argmax(xc[None], s[None], np.ones((1, k), bool), kernel, model.bandwidth, model.gf_domain,
                            points=wg.GF_SCAN_BINS)[0]
        assert gf == pytest.approx(ref, abs=1e-12)
        u = (pts[:, None] - xc[None]) / model.bandwidth
        expect = (np.exp(-0.5 * u * u) if kernel == "gaussian" else np.exp(-np.abs(u))) @ s
    else:
        ref = box_argmax(xc[None], w[None], s[None], np.ones((1, k), bool), kernel=kernel)[0]
        height = s * (2.0 * w) if kernel == "indicator" else s
        dens = np.empty(1)
        wg.box_density_at(xc, w, height, k, np.array([gf]), dens)
        dref = np.empty(1)
        wg.box_density_at(xc, w, height, k, np.array([ref]), dref)
        assert dens[0] == pytest.approx(dref[0], rel=1e-6)
        wg.box_density_at(xc, w, height, k, pts, expect)
    np.testing.assert_allclose(bins, expect, rtol=1e-6, atol=1e-12)


def test_virtual_gun_prefers_the_aimer_that_hits():
    """Against a robot driving in circles, the circular aimer scores the best virtual hit rate and fires
    most of the shots; against a sitting robot every aimer hits nearly always."""
    spec = parse_bot("lock+virtual:power=2,gf=0,knn=0,learned=0+still")
    r = run_battle([spec, "lock+none+circle:velocity=8,turn=6"], Rules(rounds=4), seed=2, keep_memory=True)
    m = _gun_mem(r, spec)
    rate = (m[wg.WH_VHITS:wg.WH_VHITS + 3] + 1) / (m[wg.WH_VSHOTS:wg.WH_VSHOTS + 3] + 2)
    assert rate.argmax() == wg.A_CIRCULAR
    assert rate[wg.A_CIRCULAR] > rate[wg.A_HEADON] + 0.3
    fired = m[wg.WH_FIRED:wg.WH_FIRED + 3]
    assert fired[wg.A_CIRCULAR] > 0.8 * fired.sum()


def test_wave_guns_are_deterministic_and_learn():
    """Same seed, same battle; and against a robot oscillating along a line the GF and k-NN guns learn its
    profile within a few rounds and hit it far more often than head-on or circular aiming (measured over
    35 rounds x 2 seeds: head-on 13%, circular 8%, GF 49%, k-NN 59%)."""
    hits = {}
    for gun in ("headon", "circular", "gf", "knn"):
        a = run_battle([f"lock+{gun}:power=3,energy_rule=0+still", "lock+none+oscillate"], Rules(rounds=8), seed=11)
        if gun in ("gf", "knn"):
            b = run_battle([f"lock+{gun}:power=3,energy_rule=0+still", "lock+none+oscillate"], Rules(rounds=8),
                           seed=11)
            assert np.array_equal(a.round_stats, b.round_stats) and np.array_equal(a.round_turns, b.round_turns)
        hits[gun] = a.round_stats[:, 0, 1].sum() / a.round_stats[:, 0, 0].sum()
    classic = max(hits["headon"], hits["circular"])
    assert hits["gf"] > 2 * classic and hits["knn"] > 2 * classic


def test_learned_gun_loads_its_model_and_reports_bad_files(tmp_path):
    spec = parse_bot("lock+learned+orbit")
    assert spec.mem_size > 50_000 * 10      # a 50,000-wave store
    assert load_model(model_path("")).n_features > 0
    with pytest.raises(BotSpecError, match="no such file"):
        parse_bot(f"lock+learned:model={tmp_path / 'missing.json'}+orbit")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(BotSpecError, match="not valid JSON"):
        parse_bot(f"lock+learned:model={bad}")
    d = load_model(model_path("")).to_dict()
    d["kernel"] = "gaussian"
    d["uniform_mix"] = 0.0
    gauss = tmp_path / "gauss.json"
    gauss.write_text(json.dumps(d))
    # every kernel plays (docs/learning.md): the gun's block carries the model's kernel and bandwidth,
    # and aim=1 fires by hit coverage (the indicator sweep) whatever the model's kernel
    from bots.guns.wave_memory import prepare_memory
    for aim, code in ((0.0, wg.KERNEL_GAUSS), (1.0, wg.KERNEL_INDICATOR)):
        blocks = dict(prepare_memory("learned", {"model": str(gauss), "max_points": 1000.0, "lag": 1.0, "aim": aim}))
        head = blocks[0]
        block = blocks[int(head[wg.WH_LEARNED])]
        assert block[wg.MH_KERNEL] == code and block[wg.MH_BW] == d["bandwidth"]
    with pytest.raises(BotSpecError, match="at least one aimer"):
        parse_bot("lock+virtual:headon=0,linear=0,circular=0,gf=0,knn=0,learned=0")


def test_learned_gun_plays_and_writes_aim_telemetry():
    spec = parse_bot("lock+learned:power=2+orbit")
    r = run_battle([spec, "lock+circular+orbit"], Rules(rounds=2), seed=4, record=True, keep_memory=True)
    m = _gun_mem(r, spec)
    assert m[wg.WH_FIRED + wg.A_LEARNED] > 10
    mb = m[int(m[wg.WH_LEARNED]):]
    assert mb[wg.MH_N] == m[wg.WH_WAVES_LABELLED] > 100
    aim = r.telemetry[(r.telemetry[:, 0] == 0) & (r.telemetry[:, 1] == 0)]
    assert len(aim) >= m[wg.WH_FIRED + wg.A_LEARNED]
    np.testing.assert_allclose(aim[:, 10:].sum(1), 1.0)
    assert r.telemetry_dropped == 0
    assert DEFAULT_MODEL in model_path("")


def test_learned_gun_preaims_from_preaim_turns_before_its_gun_is_cool():
    """preaim=P: the gun aims (one aim telemetry row each) in the last P turns before its gun is cool, and
    fires the last of them; P=1 aims once per shot (tolerance=20 and no fire gate or hold: every aim is fired,
    none re-aimed)."""
    per_shot = {}
    for preaim in (1, 3):
        spec = parse_bot(f"lock+learned:power=3,energy_rule=0,tolerance=20,fire_gate=0,hold_fire=0,preaim={preaim}+still")
        r = run_battle([spec, "lock+none+orbit"], Rules(rounds=2), seed=2, record=True, keep_memory=True)
        m = _gun_mem(r, spec)
        shots = m[wg.WH_FIRED + wg.A_LEARNED]
        aims = ((r.telemetry[:, 0] == 0) & (r.telemetry[:, 1] == 0)).sum()
        assert r.telemetry_dropped == 0 and shots > 20
        per_shot[preaim] = aims / shots
    assert 1.0 <= per_shot[1] < 1.2
    assert 2.8 <= per_shot[3] < 3.3
