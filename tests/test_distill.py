"""`gfsim distill` and the oracle's soft targets.

Laws: alpha = 1 is plain cross-entropy training (the teacher has no say, and a table then holds each
segment's mean hard target); the KL of a teacher with itself is 0 and so is its gradient; T^2 KL(p_T || q_T)
is the KL at T = 1 and tends to half the variance of the logit difference as T grows (logit matching);
the gradient is exact; a perfect teacher (the hard target itself) gives the same student for every alpha.
The numpy segmentation is the compiled gun's; a table loaded by the gf gun fires where the table says.
The soft-target file round-trips and refuses damaged copies; bad input is one line and exit code 2.
"""
import json
import os
import zipfile

import numpy as np
import pytest

from learning import distill as D
from learning import gf_table as G
from sim.io import soft_targets as SO


def _rand_dist(rng, n, b, conc=1.0):
    return rng.dirichlet(np.full(b, conc), size=n)


# --------------------------------------------------------------------------- the loss

def test_alpha_one_is_plain_cross_entropy_whatever_the_teacher():
    rng = np.random.default_rng(0)
    n, S, B = 400, 5, 9
    seg = rng.integers(0, S, n)
    y = _rand_dist(rng, n, B, 2.0)
    pa, pb = _rand_dist(rng, n, B), _rand_dist(rng, n, B, 0.2)
    ua, _ = D.fit_table(seg, S, y, pa, 1.0, 2.0, l2=0.0)
    ub, _ = D.fit_table(seg, S, y, pb, 1.0, 3.0, l2=0.0)
    assert np.array_equal(ua, ub)
    # the CE optimum of a softmax table is each segment's mean hard target
    for s in range(S):
        assert D.softmax(ua[s]) == pytest.approx(y[seg == s].mean(axis=0), abs=2e-5)


def test_kl_of_a_teacher_with_itself_is_zero():
    rng = np.random.default_rng(1)
    p = _rand_dist(rng, 50, 12, 0.5)
    for T in (0.3, 1.0, 2.0, 7.0):
        assert np.abs(D.kl(D.tempered(p, T), D.tempered(p, T))).max() < 1e-12
        loss, g = D.distill_loss(np.log(p), p, p, 0.0, T)
        assert abs(loss) < 1e-12 and np.abs(g).max() < 1e-12
    assert (D.kl(p, _rand_dist(rng, 50, 12)) > 0).all()


def test_temperature_scaling():
    rng = np.random.default_rng(2)
    p = _rand_dist(rng, 30, 10)
    u = rng.normal(size=(30, 10))
    q = D.softmax(u)
    # T = 1: the plain KL
    loss, _ = D.distill_loss(u, p, p, 0.0, 1.0)
    assert loss == pytest.approx(float(np.mean(D.kl(p, q))), rel=1e-12)
    # T -> infinity: T^2 KL(p_T || q_T) -> half the (uniform) variance over cells of log p - u
    d = np.log(p) - u
    limit = 0.5 * np.mean(np.var(d, axis=1))
    big, _ = D.distill_loss(u, p, p, 0.0, 1e3)
    assert big == pytest.approx(limit, rel=1e-2)
    mid, _ = D.distill_loss(u, p, p, 0.0, 10.0)
    assert abs(mid - limit) > abs(big - limit)


@pytest.mark.parametrize("alpha,T", [(0.0, 1.0), (0.3, 2.5), (1.0, 1.0), (0.7, 0.5)])
def test_the_gradient_is_exact(alpha, T):
    rng = np.random.default_rng(3)
    y, p = _rand_dist(rng, 8, 6), _rand_dist(rng, 8, 6)
    lab = np.array([1, 1, 0, 1, 0, 1, 1, 1], dtype=bool)
    u = rng.normal(size=(8, 6))
    _, g = D.distill_loss(u, y, p, alpha, T, lab)
    num = np.zeros_like(u)
    h = 1e-6
    for i in np.ndindex(u.shape):
        e = np.zeros_like(u)
        e[i] = h
        up, down = D.distill_loss(u + e, y, p, alpha, T, lab)[0], D.distill_loss(u - e, y, p, alpha, T, lab)[0]
        num[i] = (up - down) / (2 * h)
    assert g == pytest.approx(num, abs=1e-8)


def test_a_teacher_equal_to_the_hard_target_gives_one_student_for_every_alpha():
    rng = np.random.default_rng(4)
    n, S, B = 300, 4, 7
    seg = rng.integers(0, S, n)
    y = _rand_dist(rng, n, B, 3.0)
    base = D.softmax(D.fit_table(seg, S, y, y, 1.0, 1.0, l2=0.0)[0])
    for alpha in (0.0, 0.5):
        got = D.softmax(D.fit_table(seg, S, y, y, alpha, 1.0, l2=0.0)[0])
        assert got == pytest.approx(base, abs=1e-4)


# --------------------------------------------------------------------------- the table

def _features(rng, n):
    return {"distance": rng.uniform(0, 1200, n), "lat_vel": rng.uniform(-8, 8, n),
            "accel": rng.choice([-2, -1, 0, 1], n),
            "wall_ahead": rng.uniform(-0.1, 1.1, n), "dir_change_rel": rng.uniform(-0.1, 1.5, n)}


def _gun_memory(seg):
    from bots.guns import wave_kernels as wg
    m = np.zeros(wg.HEADER + G.n_segments(seg) * seg["bins"])
    m[wg.WH_GF] = wg.HEADER
    for key, slot in (("dist_segs", wg.WH_GF_DSEG), ("lat_segs", wg.WH_GF_LSEG), ("accel_segs", wg.WH_GF_ASEG),
                      ("wall_segs", wg.WH_GF_WSEG), ("timer_segs", wg.WH_GF_TSEG), ("bins", wg.WH_GF_BINS),
                      ("max_distance", wg.WH_GF_MAXD)):
        m[slot] = seg[key]
    return m


def _feat_row(t, i):
    from sim.waves import gf as W
    f = np.zeros(W.N_FEAT)
    f[W.F_DISTANCE], f[W.F_LAT_VEL], f[W.F_ACCEL] = t["distance"][i], t["lat_vel"][i], t["accel"][i]
    f[W.F_WALL_AHEAD], f[W.F_DIR_CHANGE_REL] = t["wall_ahead"][i], t["dir_change_rel"][i]
    return f


@pytest.mark.parametrize("seg", [{}, {"dist_segs": 4, "accel_segs": 2, "wall_segs": 3, "bins": 31},
                                 {"accel_segs": 1, "timer_segs": 5, "max_distance": 600}])
def test_segments_are_the_compiled_guns(seg):
    from bots.guns.wave_kernels import _gf_segment
    seg = G.check_segmentation(seg)
    rng = np.random.default_rng(5)
    t = _features(rng, 300)
    mine = G.segment_index(seg, t)
    m = _gun_memory(seg)
    from bots.guns import wave_kernels as wg
    for i in range(300):
        assert (_gf_segment(m, _feat_row(t, i)) - wg.HEADER) // seg["bins"] == mine[i]
    assert mine.max() < G.n_segments(seg)


def test_the_gf_gun_plays_a_loaded_table(tmp_path):
    """prepare_memory copies the table into the gun's statistics; the compiled gf_aim fires at GFTable.aim."""
    from bots.guns import wave_kernels as wg
    from bots.guns.wave_memory import GF_PARAMS, prepare_memory, memory_size
    seg = G.check_segmentation({"dist_segs": 2, "bins": 21})
    rng = np.random.default_rng(6)
    vals = rng.uniform(0, 1, (G.n_segments(seg), 21))
    vals /= vals.max(axis=1, keepdims=True)
    path = tmp_path / "t.json"
    table = G.GFTable(seg, vals)
    table.save(path)
    v = {p.name: p.default for p in GF_PARAMS}
    v.update(table=str(path), dist_segs=5.0, bins=47.0)      # the table's segmentation wins
    m = np.zeros(memory_size("gf", v))
    for off, data in prepare_memory("gf", v):
        m[off:off + len(data)] = data
    assert m[wg.WH_GF_BINS] == 21 and m[wg.WH_GF_DSEG] == 2
    t = _features(rng, 200)
    want = G.load_table(path).aim(t)
    for i in range(200):
        assert wg.gf_aim(m, _feat_row(t, i))[0] == pytest.approx(want[i], abs=1e-12)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(dict(table.to_dict(), values=[[2.0] * 21] * G.n_segments(seg))))
    with pytest.raises(ValueError, match="values must be finite numbers in"):
        memory_size("gf", dict(v, table=str(bad)))


def test_interval_cells_sum_to_one_and_reach_the_ends():
    y = G.interval_cells(np.array([-0.2, 1.3, -3.0, 0.5]), np.array([0.3, 1.6, -2.0, 0.5]), 11)
    assert y.sum(axis=1) == pytest.approx(1.0)
    assert y[1, -1] == 1.0 and y[2, 0] == 1.0 and y[3].max() == 1.0
    assert y[0][G.bin_points(11) > 0.5].sum() == 0


# --------------------------------------------------------------------------- soft-target file

def _fake_soft(n=5, m=4, b=11, seed=0):
    from sim.io.dataset import GUN_SCHEMA
    rng = np.random.default_rng(seed)
    gun = {c: np.zeros(n, dtype=dt) for c, dt, _ in GUN_SCHEMA}
    gun["bullet_speed"][:] = 11.0
    gun["gf_lo"][:] = rng.uniform(-0.8, 0.2, n)
    gun["gf_hi"][:] = gun["gf_lo"] + 0.2
    rows = np.repeat(np.arange(n), m)
    fut = np.tile(np.arange(m), n)
    lo = rng.uniform(-1, 0.8, n * m)
    futures = {"row": rows, "future": fut, "gf_lo": lo, "gf_hi": lo + 0.15}
    cov = SO.coverage_on_grid(rows, fut, lo, lo + 0.15, n, m, SO.grid_points(b))
    oracle = {"movement": np.zeros(n), "upper": cov.max(axis=1), "xfit": cov.max(axis=1) / 2}
    meta = {"samples": m, "movements": [{"name": "x", "spec": "lock+none+x"}], "seeds": [0]}
    return meta, gun, oracle, futures, cov


def test_soft_target_file_round_trip_and_damage(tmp_path):
    meta, gun, oracle, futures, cov = _fake_soft()
    p = tmp_path / "s.npz"
    SO.write_soft_targets(p, meta, gun, oracle, futures, cov)
    first = p.read_bytes()
    SO.write_soft_targets(p, meta, gun, oracle, futures, cov)
    assert p.read_bytes() == first                     # deterministic bytes
    st = SO.load_soft_targets(p)
    assert len(st) == 5 and st.samples == 4
    for c in futures:
        assert np.array_equal(st.futures[c], futures[c])
    assert np.array_equal(st.coverage, cov) and np.array_equal(st.gun["gf_lo"], gun["gf_lo"])
    with np.load(p, allow_pickle=False) as z:          # a plain .npz
        assert z["coverage"].shape == (5, 11)
    (tmp_path / "t.npz").write_bytes(first[:len(first) // 2])
    with pytest.raises(SO.SoftTargetError):
        SO.load_soft_targets(tmp_path / "t.npz")
    with zipfile.ZipFile(tmp_path / "x.npz", "w") as zf:       # an extra member
        for info in zipfile.ZipFile(p).infolist():
            zf.writestr(info, zipfile.ZipFile(p).read(info.filename))
        zf.writestr("evil.npy", b"x")
    with pytest.raises(SO.SoftTargetError, match="not written by gfsim"):
        SO.load_soft_targets(tmp_path / "x.npz")
    bad = dict(futures, future=futures["future"] + 10)
    SO.write_soft_targets(tmp_path / "b.npz", meta, gun, oracle, bad, cov)
    with pytest.raises(SO.SoftTargetError, match="out of range"):
        SO.load_soft_targets(tmp_path / "b.npz")


def test_oracle_teacher_is_the_mean_of_the_futures_uniform_densities():
    meta, gun, oracle, futures, cov = _fake_soft(n=3, m=4, b=11)
    st = SO.SoftTargets("mem", dict(meta, situations=3), gun, oracle, futures, cov)
    p = D.oracle_cells(st, np.arange(3), 21)
    assert p.sum(axis=1) == pytest.approx(1.0)
    for r in range(3):
        sel = futures["row"] == r
        want = G.interval_cells(futures["gf_lo"][sel], futures["gf_hi"][sel], 21).mean(axis=0)
        assert p[r] == pytest.approx(want)
    # coverage at a GF: the share of futures holding it
    x = np.array([futures["gf_lo"][0] + 0.01, 5.0, futures["gf_lo"][8] + 0.1])
    got = D.futures_coverage(st, np.arange(3), x)
    for r in range(3):
        sel = futures["row"] == r
        assert got[r] == np.mean((futures["gf_lo"][sel] <= x[r]) & (x[r] <= futures["gf_hi"][sel]))


def test_the_oracle_writes_soft_targets_whose_real_future_is_the_real_wave(tmp_path, capsys):
    """A deterministic mover (stop-and-go without reversals): every future is the real path, so every
    future's hit set is the real wave's [gf_lo, gf_hi] in its GF frame and the coverage is 1 on it."""
    from sim.experiments.oracle import main
    out = tmp_path / "soft.npz"
    assert main(["stopgo", "--seeds", "0,1", "--rounds", "1", "--samples", "3", "--jobs", "1", "--json",
                 "--soft-targets", str(out), "--soft-bins", "201"]) == 0
    summary = json.loads(capsys.readouterr().out)
    st = SO.load_soft_targets(out)
    assert summary["soft_targets"]["situations"] == len(st) > 10
    assert set(np.unique(st.gun["battle"])) == {0, 1}
    f = st.futures
    key = f["row"] * st.samples + f["future"]           # the hull of each future's pieces
    hull_lo = np.full(len(st) * st.samples, np.inf)
    hull_hi = np.full(len(st) * st.samples, -np.inf)
    np.minimum.at(hull_lo, key, f["gf_lo"])
    np.maximum.at(hull_hi, key, f["gf_hi"])
    row = np.arange(len(st) * st.samples) // st.samples
    ok = (st.gun["status"][row] == 0) & np.isfinite(hull_lo)
    assert ok.sum() > 10 * st.samples
    assert hull_lo[ok] == pytest.approx(st.gun["gf_lo"][row[ok]], abs=1e-9)
    assert hull_hi[ok] == pytest.approx(st.gun["gf_hi"][row[ok]], abs=1e-9)
    assert np.all(st.coverage.max(axis=1) <= st.oracle["upper"] + 1e-12)
    # the file does not depend on how many processes played the seasons
    again = tmp_path / "soft2.npz"
    assert main(["stopgo", "--seeds", "0,1", "--rounds", "1", "--samples", "3", "--jobs", "2", "--json",
                 "--soft-targets", str(again), "--soft-bins", "201"]) == 0
    capsys.readouterr()
    assert again.read_bytes() == out.read_bytes()
    single = (st.gun["status"] == 0) & (st.gun["n_parts"] == 1)
    inside = (st.grid >= st.gun["gf_lo"][:, None]) & (st.grid <= st.gun["gf_hi"][:, None])
    assert np.all(st.coverage[inside & single[:, None]] == 1.0)
    assert np.all(st.coverage[~inside & single[:, None]] == 0.0)


# --------------------------------------------------------------------------- the command

@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from learning.train import write_synthetic_dataset
    p = tmp_path_factory.mktemp("d") / "syn.npz"
    write_synthetic_dataset(p, battles=3, rounds=2, turns=300)
    return p


MODEL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bots", "models",
                     "learned-orbit.json")


def test_distill_cli_writes_a_table_of_the_asked_size(synthetic, tmp_path, capsys):
    out = tmp_path / "t.json"
    code = D.main([MODEL, str(synthetic), "--student", "table:bins=21,dist_segs=2", "--out", str(out), "--json",
                   "--max-iter", "50"])
    assert code == 0
    s = json.loads(capsys.readouterr().out)
    t = G.load_table(out)
    assert t.size == s["student"]["size"] == G.n_segments(t.segmentation) * 21 == 2 * 3 * 3 * 2 * 3 * 21
    assert np.allclose(t.values.max(axis=1), 1.0)
    for part in ("teacher", "student"):
        for k in ("nats", "expected_hit_rate", "fire_hit_rate"):
            assert np.isfinite(s["val"][part][k])
    assert s["val"]["student"]["kl_nats"] >= 0
    assert s["waves"]["val"] > 0 and s["battles_held_out"] == [2]


def test_distill_alpha_one_ignores_the_teacher(synthetic, tmp_path, capsys):
    """alpha = 1: the same student from the learned model's teacher and from a different model."""
    from learning.model import load_model
    other = load_model(MODEL)
    other.scale *= 0.1
    other.save(tmp_path / "other.json")
    outs = []
    for teacher in (MODEL, str(tmp_path / "other.json")):
        out = tmp_path / f"t{len(outs)}.json"
        assert D.main([teacher, str(synthetic), "--alpha", "1", "--out", str(out), "--max-iter", "60"]) == 0
        outs.append(G.load_table(out).values)
    capsys.readouterr()
    assert np.array_equal(outs[0], outs[1])


@pytest.mark.parametrize("argv,msg", [
    (["nothere.json", "{data}", "--out", "{tmp}/o.json"], "no such file"),
    ([MODEL, "{tmp}/junk.npz", "--out", "{tmp}/o.json"], "not a gfsim dataset"),
    (["oracle", "{data}", "--out", "{tmp}/o.json"], "needs a soft-target file"),
    ([MODEL, "{data}", "--out", "{data}"], ".json"),
    ([MODEL, "{data}", "--out", MODEL], "is the input TEACHER"),
    ([MODEL, "{data}", "--out", "{tmp}/o.json", "--student", "table:bins=3"], "bins must be"),
    ([MODEL, "{data}", "--out", "{tmp}/o.json", "--student", "mlp"], "unknown student"),
    ([MODEL, "{data}", "--out", "{tmp}/o.json", "--alpha", "1.5"], "alpha"),
    ([MODEL, "{data}", "--out", "{tmp}/o.json", "-T", "0"], "temperature"),
    ([MODEL, "{data}", "--out", "{tmp}/nodir/o.json"], "does not exist"),
])
def test_bad_input_is_one_line_and_exit_2(synthetic, tmp_path, capsys, argv, msg):
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 not really")
    argv = [a.format(data=synthetic, tmp=tmp_path) for a in argv]
    assert D.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("gfsim distill: error:") and msg in err
    assert not (tmp_path / "o.json").exists()


def test_help_explains_every_metric():
    import subprocess
    import sys
    p = subprocess.run([sys.executable, "-m", "sim.cli", "distill", "--help"], capture_output=True, text=True,
                       timeout=120, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert p.returncode == 0, p.stderr
    for word in ("nats", "kl_nats", "expected_hit_rate", "fire_hit_rate", "oracle_hit_rate", "size", "diff_",
                 "--alpha", "--temperature", "--val-fraction", "--split-seed", "--student", "--json"):
        assert word in p.stdout, word


def test_cluster_interval_with_one_wave_per_cluster_is_the_plain_t_interval():
    from sim.experiments.challenge import mean_ci
    rng = np.random.default_rng(7)
    d = rng.normal(0.1, 1.0, 200)
    got = D.cluster_diff(d, np.arange(200))
    want = mean_ci(d)
    assert got["mean"] == pytest.approx(want["mean"]) and got["half"] == pytest.approx(want["half"], rel=1e-12)
    # whole clusters of identical waves count once: the interval is that of the cluster means
    rep = D.cluster_diff(np.repeat(d[:40], 5), np.repeat(np.arange(40), 5))
    assert rep["n"] == 40 and rep["half"] == pytest.approx(mean_ci(d[:40])["half"], rel=1e-12)


def test_a_damaged_soft_target_file_is_reported_as_one(tmp_path, capsys):
    meta, gun, oracle, futures, cov = _fake_soft()
    p = tmp_path / "s.npz"
    bad = dict(futures, future=futures["future"] + 10)
    SO.write_soft_targets(p, meta, gun, oracle, bad, cov)
    assert SO.is_soft_target_file(p)
    assert D.main(["oracle", str(p), "--out", str(tmp_path / "o.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "out of range" in err
