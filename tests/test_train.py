"""`gfsim train` (learning/train.py) and the baselines (learning/baselines.py)."""
import json
import os

import numpy as np
import pytest

from learning import model as M
from learning import baselines as BL
from learning.train import main, write_synthetic_dataset, Prepared, Trainer
from sim.io.dataset import load_dataset


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """3 battles x 2 rounds x 2 shooters x 300 waves; the GF is a function of |lat_vel|."""
    p = tmp_path_factory.mktemp("syn") / "syn.npz"
    write_synthetic_dataset(p, battles=3, rounds=2, turns=300, seed=1)
    return p


@pytest.fixture(scope="module")
def trained(synthetic, tmp_path_factory):
    d = tmp_path_factory.mktemp("out")
    out, plot = d / "model.json", d / "loss.png"
    code = main([str(synthetic), "--out", str(out), "--epochs", "3", "--lbfgs-iters", "15", "--json",
                 "--plot", str(plot), "--no-progress"])
    return code, out, plot


def test_training_beats_uniform_and_head_on_where_a_feature_predicts_the_gf(trained, capsys):
    code, out, plot = trained
    assert code == 0
    # the fixture's stdout was captured by pytest before this test; re-read the model's record instead
    m = M.load_model(out)
    final = m.training["final"]["val"]
    base = m.training["baselines_val"]
    assert final["loss_nats"] < base["uniform"]["loss_nats"] - 0.5
    assert final["loss_nats"] < base["knn"]["loss_nats"]
    for name in ("uniform", "head_on", "histogram", "knn"):
        assert final["expected_hit_rate"] > base[name]["expected_hit_rate"] + 0.05, name
    assert final["expected_hit_rate"] > 2 * base["uniform"]["expected_hit_rate"]
    assert final["fire_hit_rate"] > base["head_on"]["fire_hit_rate"] + 0.2
    assert final["loss_bits"] == pytest.approx(final["loss_nats"] / np.log(2))
    assert final["kl_nats"] > 0
    # the learned weights single out the informative feature
    emb = m.a * (M.SHIFT + m.b + 1.0) ** m.c - m.a * (M.SHIFT + m.b) ** m.c      # range of each embedding
    assert np.argmax(np.abs(emb)) == m.features.index("abs:lat_vel")
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_json_summary_and_epochs(synthetic, tmp_path, capsys):
    out = tmp_path / "m.json"
    assert main([str(synthetic), "--out", str(out), "--epochs", "1", "--optimizer", "adam", "--lr", "0.05",
                 "--embedding", "linear", "--max-queries", "1500", "--max-val", "800", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert [e["epoch"] for e in s["epochs"]] == [0, 1]
    assert s["battles"] == {"train": [0, 1], "val": [2]}
    assert s["queries"]["train"] == 1500 and s["queries"]["val"] == 800
    for part in ("train", "val"):
        assert set(s["baselines"][part]) == {"uniform", "head_on", "histogram", "knn"}
        for r in [s["epochs"][-1][part], *s["baselines"][part].values()]:
            assert set(r) >= {"loss_nats", "loss_bits", "kl_nats", "expected_hit_rate", "fire_hit_rate"}
            assert 0 <= r["expected_hit_rate"] <= 1
    # Adam improved on the (temperature-initialised) start
    assert s["epochs"][1]["train"]["loss_nats"] < s["epochs"][0]["train"]["loss_nats"]
    m = M.load_model(out)
    assert m.embedding == "linear" and np.all(m.b == 0) and np.all(m.c == 1)
    assert m.training["optimizer"] == "adam"


def test_trainer_neighbours_are_chronological_and_within_the_battle(synthetic):
    ds = load_dataset(synthetic)
    d = Prepared(ds, ["abs:lat_vel", "bft"], val_fraction=0.34)
    m = M.GunModel(d.features, *M.normalisation_ranges(d.raw), max_neighbours=20)
    tr = Trainer(d, m, max_queries=500, max_val=300)
    tb, vb = tr._retrieve()
    for q_rows, b in ((tr.train_q, tb), (tr.val_q, vb)):
        idx = b.neighbour_rows()
        ok = idx >= 0
        qq = np.broadcast_to(q_rows[:, None], idx.shape)[ok]
        nb = idx[ok]
        assert np.all(d.avail[nb] < d.fire[qq])                 # label known before the query was fired
        assert np.all(d.stream[nb] == d.stream[qq])             # same battle and shooter
        assert np.all(d.is_val[nb] == d.is_val[qq])             # validation battles never lend waves
    assert np.all(d.is_val[tr.val_q]) and not np.any(d.is_val[tr.train_q])
    # the first waves of every stream have no history and are not scored
    assert tr.no_history["train"] > 0


def test_baselines_on_a_hand_made_case():
    a = np.array([-0.1, 0.5])
    b = np.array([0.1, 0.7])
    u = BL.uniform(a, b, (-1.0, 1.0))
    assert u["loss_nats"] == pytest.approx(np.log(2))
    assert u["expected_hit_rate"] == pytest.approx(0.1) == u["fire_hit_rate"]
    h = BL.head_on(a, b, 0.1, uniform_mix=0.0, gf_domain=(-1.0, 1.0))
    assert h["fire_hit_rate"] == 0.5 and h["expected_hit_rate"] == pytest.approx(0.5)
    # histogram: one stream, two earlier waves at [0.4, 0.6] (exactly one bin of 10 on [-1, 1]) and a later one
    stream = np.zeros(4, dtype=np.int64)
    fire = np.array([0, 1, 100, 2])
    avail = np.array([5, 6, 200, 150])
    lo = np.array([0.4, 0.4, 0.0, -0.8])
    hi = np.array([0.6, 0.6, 0.0, -0.6])
    args = (stream, fire, avail, lo, hi, [2])
    kw = dict(gf_domain=(-1.0, 1.0), uniform_mix=0.0, max_points=100, bins=10, smooth=1e-6)
    r = BL.histogram(*args, np.array([0.4]), np.array([0.6]), **kw)
    assert r["expected_hit_rate"] == pytest.approx(1.0) and r["fire_hit_rate"] == 1.0
    # 3/4 of the visited bin lies in the target [0.45, 0.65], and so does its middle 0.5 (the argmax)
    r = BL.histogram(*args, np.array([0.45]), np.array([0.65]), **kw)
    assert r["expected_hit_rate"] == pytest.approx(0.75) and r["fire_hit_rate"] == 1.0
    # the wave available at 150 is visible to the query fired at 100 only if chronology were broken
    r = BL.histogram(*args, np.array([-0.8]), np.array([-0.6]), **kw)
    assert r["expected_hit_rate"] < 1e-6
    cov = BL.bin_coverage(np.array([-0.05, 3.0]), np.array([0.15, 3.5]), np.linspace(-1, 1, 11))
    np.testing.assert_allclose(cov[0, 4:6], [0.25, 0.75]) and np.testing.assert_allclose(cov.sum(1), 1)


def test_help_and_bad_input(synthetic, tmp_path, capsys):
    assert main(["--help"]) == 0
    assert "DATA.npz" in capsys.readouterr().out
    one_battle = tmp_path / "one.npz"
    write_synthetic_dataset(one_battle, battles=1, rounds=1, turns=50)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, x=np.arange(3))
    out = tmp_path / "o" / "m.json"
    os.makedirs(out.parent)
    cases = [
        ([str(tmp_path / "missing.npz"), "--out", str(out)], "no such file"),
        ([str(foreign), "--out", str(out)], "not a gfsim dataset"),
        ([str(synthetic), "--out", str(out), "--features", "bft,warp"], "unknown feature 'warp'"),
        ([str(synthetic), "--out", str(tmp_path / "nodir" / "m.json")], "does not exist"),
        ([str(synthetic), "--out", str(tmp_path)], "is a directory"),
        ([str(synthetic), "--out", str(out), "--plot", str(tmp_path / "nodir" / "p.png")], "does not exist"),
        ([str(one_battle), "--out", str(out)], "at least 2 battles"),
        ([str(synthetic), "--out", str(out), "--k", "0"], "positive whole number"),
        ([str(synthetic), "--out", str(out), "--kernel", "gaussian", "--uniform-mix", "0.02"], "--uniform-mix"),
        ([str(synthetic), "--out", str(out), "--seed", "-1"], "whole number >= 0"),
        ([str(synthetic), "--out", str(out), "--split-seed", "x"], "expected a whole number"),
        ([str(synthetic), "--out", str(out), "--split-seed", "3", "--val-fraction", "0"], "--split-seed"),
        ([str(synthetic), "--out", str(out), "--val-fraction", "-0.1"], "[0, 1)"),
        ([str(synthetic), "--out", str(out), "--bins", "0"], "auto, exact or a positive"),
        ([str(synthetic), "--out", str(out), "--val-fraction", "1"], "[0, 1)"),
        ([str(synthetic)], "required: --out"),
        ([str(synthetic), "--out", str(out), "--bogus"], "unrecognized arguments"),
    ]
    for argv, msg in cases:
        assert main(argv + ["--no-progress"]) == 2, argv
        cap = capsys.readouterr()
        err = cap.err.strip()
        assert cap.out == "" and "\n" not in err and err.startswith("gfsim train: error:") and msg in err, (argv, err)
    assert os.listdir(out.parent) == []                 # nothing written, not even temporaries
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foreign.npz", "o", "one.npz"]


def test_real_collected_battles_end_to_end(tmp_path, capsys):
    """A tiny real dataset (circular gun vs orbit, 2 battles x 2 rounds) trains and reports finite numbers."""
    from sim.experiments.collect import collect
    from sim.engine.rules import Rules
    data = tmp_path / "real.npz"
    collect("lock+circular+orbit", "lock+headon+orbit", seeds=[1, 2], out=str(data), rules=Rules(rounds=2))
    out = tmp_path / "m.json"
    assert main([str(data), "--out", str(out), "--epochs", "1", "--lbfgs-iters", "5", "--max-queries", "2000",
                 "--max-val", "1000", "--shooter", "0", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    v = s["final"]["val"]
    assert all(np.isfinite(v[k]) for k in ("loss_nats", "kl_nats", "expected_hit_rate"))
    assert s["rows"]["used"] == s["rows"]["train"] + s["rows"]["val"] > 1000
    m = M.load_model(out)
    assert m.features == list(M.DEFAULT_FEATURES) and m.training["shooter"] == "0"
    # --real-only keeps only real bullets
    assert main([str(data), "--out", str(out), "--epochs", "0", "--real-only", "--json"]) == 0
    s2 = json.loads(capsys.readouterr().out)
    ds = load_dataset(data)
    assert s2["rows"]["used"] == int(ds.gun["real_bullet"].sum())


def test_invalid_intervals_are_skipped_and_no_split_works(synthetic, tmp_path, capsys):
    ds = load_dataset(synthetic)
    n = len(ds)
    ds.gun["gf_lo"][::7] = np.nan                     # waves without a valid interval
    ds.gun["gf_hi"][3::11] = ds.gun["gf_lo"][3::11] - 0.1
    d = Prepared(ds, ["abs:lat_vel"], val_fraction=0.25)
    bad = np.zeros(n, bool)
    bad[::7] = True
    bad[3::11] = True
    assert d.skipped_invalid == bad.sum() and len(d.rows) == n - bad.sum()
    assert np.all(np.isfinite(d.a)) and np.all(d.b - d.a >= 2 * M.MIN_HALF_WIDTH - 1e-15)
    # a single battle trains without a held-out part when asked to; a gaussian kernel needs no mixing
    one = tmp_path / "one.npz"
    write_synthetic_dataset(one, battles=1, rounds=1, turns=200)
    out = tmp_path / "m.json"
    assert main([str(one), "--out", str(out), "--epochs", "1", "--val-fraction", "0", "--kernel", "gaussian",
                 "--uniform-mix", "0", "--bandwidth", "0.1", "--features", "abs:lat_vel,bft"]) == 0
    text = capsys.readouterr().out
    assert "validation" not in text.split("\n", 1)[1] and "epoch   1" in text
    m = M.load_model(out)
    assert m.kernel == "gaussian" and m.training["final"]["val"] is None and m.features == ["abs:lat_vel", "bft"]


# ------------------------------------------------ training that behaves (issue 17, item 3)

def test_help_explains_every_metric(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for words in ("nats", "bits = nats", "KL(target || p) = CE - log(b - a)", "expected hit rate",
                  "argmax-fire hit rate", "Why in-battle differs", "kept epoch", "--split-seed", "--bins"):
        assert words in text, words


def _val_loss_of(model, data, seed, max_queries, max_val):
    """The validation loss of a model as `gfsim train` measures it (same queries, own retrieval)."""
    tr = Trainer(data, model, max_queries=max_queries, max_val=max_val, seed=seed)
    _, vb = tr._retrieve()
    return M.model_metrics(model, vb)["loss_nats"]


def test_saved_model_is_the_best_validation_epoch_even_when_the_last_is_worse(synthetic, tmp_path, capsys,
                                                                                monkeypatch):
    # sabotage the last epoch's optimiser step (an extreme temperature): without damping it is taken, the
    # last epoch's validation loss is worse, and the file must still hold the best epoch
    real_step = Trainer.step
    calls = []

    def step(self, tb):
        calls.append(1)
        real_step(self, tb)
        if len(calls) == 3:
            th = self.model.theta()
            th[0] = -12.0                    # scale = -exp(-12): almost uniform neighbour weights
            self.model.set_theta(th)
    monkeypatch.setattr(Trainer, "step", step)
    out = tmp_path / "m.json"
    args = [str(synthetic), "--out", str(out), "--epochs", "3", "--lbfgs-iters", "5", "--max-queries", "1500",
            "--max-val", "1000", "--features", "abs:lat_vel,bft,dist10", "--no-damping", "--json"]
    assert main(args) == 0
    s = json.loads(capsys.readouterr().out)
    vals = [e["val"]["loss_nats"] for e in s["epochs"]]
    assert s["best_epoch"] == int(np.argmin(vals)) < 3 and vals[3] > min(vals)
    assert s["final"]["val"]["loss_nats"] == min(vals) and s["last"]["val"]["loss_nats"] == vals[3]
    m = M.load_model(out)
    assert m.training["best_epoch"] == s["best_epoch"]
    data = Prepared(load_dataset(synthetic), m.features, val_fraction=0.25)
    assert _val_loss_of(m, data, 0, 1500, 1000) == pytest.approx(min(vals), rel=1e-12, abs=1e-12)


def test_damping_never_lets_the_training_loss_rise(synthetic, tmp_path, capsys, monkeypatch):
    real_step = Trainer.step
    calls = []

    def step(self, tb):                      # the 2nd step is a bad one; damping must halve or reject it
        calls.append(1)
        real_step(self, tb)
        if len(calls) == 2:
            th = self.model.theta()
            th[0] = -12.0
            self.model.set_theta(th)
    monkeypatch.setattr(Trainer, "step", step)
    out = tmp_path / "m.json"
    assert main([str(synthetic), "--out", str(out), "--epochs", "3", "--lbfgs-iters", "5", "--max-queries", "1500",
                 "--max-val", "800", "--features", "abs:lat_vel,bft", "--damping", "backtrack", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    tl = [e["train"]["loss_nats"] for e in s["epochs"]]
    assert all(b <= a for a, b in zip(tl, tl[1:])), tl
    st = s["epochs"][2]["step"]
    assert st["tries"] > 1 and (st["fraction"] < 1 or not st["accepted"])


def test_split_seed_holds_out_a_reproducible_random_choice_of_battles(tmp_path):
    p = tmp_path / "six.npz"
    write_synthetic_dataset(p, battles=6, rounds=1, turns=60, seed=2)
    ds = load_dataset(p)
    chrono = Prepared(ds, ["abs:lat_vel"], val_fraction=0.5)
    assert chrono.val_battles == [3, 4, 5]
    picks = {tuple(Prepared(ds, ["abs:lat_vel"], val_fraction=0.5, split_seed=k).val_battles) for k in range(8)}
    assert len(picks) > 1 and all(len(v) == 3 for v in picks)
    a = Prepared(ds, ["abs:lat_vel"], val_fraction=0.5, split_seed=5)
    b = Prepared(ds, ["abs:lat_vel"], val_fraction=0.5, split_seed=5)
    assert a.val_battles == b.val_battles and sorted(a.val_battles + a.train_battles) == list(range(6))
    assert np.array_equal(a.is_val, np.isin(a.battle, a.val_battles))


@pytest.mark.parametrize("kernel", ["gaussian", "laplace"])
def test_binned_path_is_chosen_only_where_it_matches_exact(synthetic, kernel):
    d = Prepared(load_dataset(synthetic), ["abs:lat_vel", "bft"], val_fraction=0.34)
    m = M.GunModel(d.features, *M.normalisation_ranges(d.raw), kernel=kernel, bandwidth=0.1, uniform_mix=0.0,
                   max_neighbours=20)
    tr = Trainer(d, m, max_queries=400, max_val=100)
    tb, _ = tr._retrieve()
    tr.choose_bins(tb, sample=200)
    assert tr.bins is not None and tr.bins_check["path"] == f"binned ({tr.bins} bins)"
    last = tr.bins_check["tried"][-1]
    assert last["bins"] == tr.bins and last["loss_rel_err"] <= 1e-4 and last["grad_rel_err"] <= 1e-4
    # and it is true on queries the check did not see
    L0, g0 = M.loss_and_grad(m, tb)
    L1, g1 = M.loss_and_grad(m, tb, bins=tr.bins)
    assert abs(L1 - L0) <= 1e-3 * max(1, abs(L0)) and np.max(np.abs(g1 - g0)) <= 1e-3 * np.max(np.abs(g0))
    # an impossible tolerance falls back to exact; the box kernel always uses exact
    tr.bins = None
    tr.choose_bins(tb, sample=200, tol=1e-15)
    assert tr.bins is None and tr.bins_check["path"] == "exact"
    box = Trainer(d, M.GunModel(d.features, *M.normalisation_ranges(d.raw), max_neighbours=20), max_queries=400)
    box.choose_bins(box._retrieve()[0])
    assert box.bins is None and box.bins_check["path"] == "exact"


def test_relax_damping_moves_half_way_to_the_optimisers_parameters(synthetic, monkeypatch):
    d = Prepared(load_dataset(synthetic), ["abs:lat_vel", "bft"], val_fraction=0.34)
    m = M.GunModel(d.features, *M.normalisation_ranges(d.raw), max_neighbours=20)
    targets = []

    def step(self, tb):                      # a known optimiser result: every parameter +0.4
        th = self.model.theta() + 0.4
        targets.append(th)
        self.model.set_theta(self.model.project(th))
    monkeypatch.setattr(Trainer, "step", step)
    tr = Trainer(d, m, max_queries=300, max_val=200, damping="relax")
    thetas = []
    real_record = Trainer._record

    def record(self, *a, **k):
        thetas.append(self.model.theta())
        return real_record(self, *a, **k)
    monkeypatch.setattr(Trainer, "_record", record)
    tr.run(3)
    for e in range(1, 4):
        np.testing.assert_allclose(thetas[e], 0.5 * (thetas[e - 1] + m.project(targets[e - 1])), rtol=1e-12)
    assert [h["step"]["fraction"] for h in tr.history[1:]] == [0.5, 0.5, 0.5]
    # and the model ends at the kept epoch's parameters
    np.testing.assert_array_equal(m.theta(), thetas[tr.best["epoch"]])


def test_a_corpus_of_several_files_holds_out_the_last_battles_of_each(tmp_path, capsys):
    from learning.train import Corpus
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    write_synthetic_dataset(a, battles=4, rounds=1, turns=80, seed=3)
    write_synthetic_dataset(b, battles=2, rounds=1, turns=80, seed=4)
    c = Corpus([a, b], shooter="0")
    da, db = load_dataset(a), load_dataset(b)
    assert len(c.gun["turn"]) == (da.gun["shooter"] == 0).sum() + (db.gun["shooter"] == 0).sum()
    assert (c.gun["shooter"] == 0).all() and sorted(np.unique(c.gun["battle"])) == list(range(6))
    assert c.battle_files.tolist() == [0, 0, 0, 0, 1, 1]
    p = Prepared(c, ["abs:lat_vel"], val_fraction=0.25)
    assert p.val_battles == [3, 5]          # file a's last battle (of 4) and file b's last (of 2)
    out = tmp_path / "m.json"
    assert main([str(a), str(b), "--shooter", "0", "--out", str(out), "--epochs", "1", "--lbfgs-iters", "3",
                 "--json", "--no-progress"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["battles"]["val"] == [3, 5] and s["dataset"] == f"{a},{b}"
    assert M.load_model(out).training["dataset"] == "a.npz,b.npz"


def test_real_queries_score_only_real_bullet_waves_with_every_wave_as_neighbour(synthetic):
    ds = load_dataset(synthetic)
    d = Prepared(ds, ["abs:lat_vel"])
    model = M.GunModel(["abs:lat_vel"], *M.normalisation_ranges(d.raw))
    every = Trainer(d, model, max_queries=10**6, max_val=10**6)
    real = Trainer(d, model, max_queries=10**6, max_val=10**6, queries="real")
    assert d.real[real.train_q].all() and d.real[real.val_q].all()
    assert set(real.train_q) == set(every.train_q[d.real[every.train_q]])
    # the neighbours still come from every stored wave, virtual ones included
    real.Np = model.normalise(d.raw)
    nb = real._batch(real.train_q[:50])
    assert (~d.real[nb.neighbour_rows()[nb.idx >= 0]]).any()
