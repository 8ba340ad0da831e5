"""benchmarks/hazard_fit.py (the continuous reversal hazard): the gradient L-BFGS follows is exact, the fitted
model beats a constant rate on its training battle, the per-turn interface gives the fitted probabilities, and the
saved model round-trips while a truncated or corrupt one is one line with exit code 2."""
import os
import sys
import zipfile

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
import hazard_fit as hf  # noqa: E402
import play_forward as pf  # noqa: E402


def _random_rows(n, rng):
    """n rows of features spread over (and past) every knot range, with their sparse basis."""
    raw = np.column_stack([rng.uniform(0, 45, n), rng.uniform(0, 32, n), rng.uniform(-9, 9, n),
                           rng.uniform(0, 3.2, n), rng.uniform(50, 1300, n), rng.uniform(0, 3.2, n),
                           rng.uniform(0, np.pi, n), rng.uniform(0, 450, n), rng.uniform(0, 450, n),
                           rng.uniform(-3.2, 3.2, n)])
    return hf.design(raw, hf.BLOCK_FEAT, hf.KNOT_START, hf.KNOT_COUNT, hf.BLOCK_OFFSET, hf.KNOTS)


def test_the_basis_is_a_partition_of_unity_per_block():
    """Every block's hat weights sum to 1 (so the bias and each block interpolate), indices stay in the basis."""
    idx, wt, nnz = _random_rows(500, np.random.default_rng(1))
    assert (nnz == hf.MAX_NNZ).all()
    assert np.allclose(wt.sum(axis=1), 1 + len(hf.BLOCKS)) and (wt >= 0).all()
    assert idx.min() == 0 and idx.max() < hf.N_BASIS


def test_the_gradient_is_exact():
    """loss_grad's gradient against central finite differences, on the coordinates the rows touch and others."""
    rng = np.random.default_rng(2)
    idx, wt, nnz = _random_rows(60, rng)
    group = rng.integers(0, 3, 60)
    target = rng.integers(0, 3, 60)
    w = rng.normal(0, 0.5, (3, hf.N_BASIS, 3))
    grad = np.zeros_like(w)
    hf.loss_grad(w, group, target, idx, wt, nnz, 0.7, grad)
    used = np.unique(idx[:, :4])
    coords = [(g, b, c) for g in range(3) for b in list(used[:6]) + [hf.N_BASIS - 1] for c in range(3)]
    eps = 1e-6
    for g, b, c in coords:
        plus, minus = w.copy(), w.copy()
        plus[g, b, c] += eps
        minus[g, b, c] -= eps
        scratch = np.zeros_like(w)
        num = (hf.loss_grad(plus, group, target, idx, wt, nnz, 0.7, scratch)
               - hf.loss_grad(minus, group, target, idx, wt, nnz, 0.7, scratch)) / (2 * eps)
        assert num == pytest.approx(grad[g, b, c], rel=1e-5, abs=1e-6), (g, b, c)


@pytest.fixture(scope="module")
def orbit_battle():
    from sim.engine.rules import Rules
    return hf.battle_data("lock+none+orbit", 5, Rules(rounds=4))


@pytest.fixture(scope="module")
def orbit_member(orbit_battle):
    return hf.fit_member([orbit_battle], 1.0)


def test_the_fitted_model_beats_a_constant_rate_on_its_training_battle(orbit_battle, orbit_member):
    """Label part: per-previous-label constant rates (the best constant model) against the fit; the same for the
    speed change; the fit must be clearly better on both, and L-BFGS must have converged."""
    label_w, speed_w, nll, (r1, r2) = orbit_member
    assert r1.success and r2.success
    lab, spd = hf.member_rows([orbit_battle])
    fitted = hf.log_probs(label_w, *lab).sum()
    constant = 0.0
    for g in range(3):
        counts = np.bincount(lab[1][lab[0] == g], minlength=3).astype(float)
        nz = counts[counts > 0]
        constant += (nz * np.log(nz / nz.sum())).sum()
    assert fitted > constant + 0.005 * len(lab[0]), (fitted, constant)
    counts = np.bincount(spd[1], minlength=2).astype(float)
    nz = counts[counts > 0]
    assert hf.log_probs(speed_w, *spd).sum() > (nz * np.log(nz / nz.sum())).sum()
    assert nll == pytest.approx((fitted + hf.log_probs(speed_w, *spd).sum()) / len(lab[0]))


def test_the_per_turn_interface_gives_the_fitted_probabilities(orbit_member):
    """hazard_probs from a recorded state (what a future would call) = the fitted rows' probabilities."""
    from sim.engine.rules import Rules
    label_w, speed_w, _, _ = orbit_member
    rules = Rules(rounds=2)
    _, _, r1, r0, fired, live, _ = pf.recorded_battle("lock+none+orbit", 6, rules)
    rnd, x, y, h, v = r1[:, 0].astype(np.int64), r1[:, 3], r1[:, 4], r1[:, 5], r1[:, 8]
    since_fire, travel, cmd_dir, _, age, rows = pf.battle_transitions(rnd, v, fired, live)
    raw, prev, label, change, _ = hf.battle_rows(rnd, x, y, h, v, fired, live, r0[:, 3], r0[:, 4], 800.0, 600.0)
    idx, wt, nnz = hf.design(raw, hf.BLOCK_FEAT, hf.KNOT_START, hf.KNOT_COUNT, hf.BLOCK_OFFSET, hf.KNOTS)
    want = hf.log_probs(label_w, prev, label, idx, wt, nnz)
    probs, change_p = np.empty(3), np.empty(2)
    walls = 0
    for r in range(0, len(rows), 37):
        j = rows[r]
        hf.hazard_probs(label_w, speed_w, hf.BLOCK_FEAT, hf.KNOT_START, hf.KNOT_COUNT, hf.BLOCK_OFFSET, hf.KNOTS,
                        pf.command_label(cmd_dir[j - 1], travel[j]), age[j], since_fire[j], travel[j] * v[j], x[j],
                        y[j], h[j], travel[j], r0[j, 3], r0[j, 4], 800.0, 600.0, probs, change_p)
        assert probs.sum() == pytest.approx(1.0) and 0 < change_p.min() <= change_p.max() < 1
        assert np.log(probs[label[r]]) == pytest.approx(want[r], abs=1e-12)
        walls += raw[r, hf.PRESSURE] > 0
    assert walls > 3


def test_the_model_file_round_trips_and_a_bad_one_is_one_line_and_exit_code_2(orbit_member, tmp_path, capsys):
    label_w, speed_w, _, _ = orbit_member
    ok = str(tmp_path / "ok.npz")
    hf.save_model(ok, ["orbit"], ["its source"], 1.0, [label_w], [speed_w])
    back = hf.load_model(ok)
    assert back["names"] == ["orbit"] and back["sources"] == ["its source"] and back["l2"] == 1.0
    assert np.array_equal(back["label_weights"][0], label_w) and np.array_equal(back["speed_weights"][0], speed_w)
    assert np.array_equal(back["knots"], hf.KNOTS) and np.array_equal(back["block_offset"], hf.BLOCK_OFFSET)

    ok_bytes = (tmp_path / "ok.npz").read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(ok_bytes[:len(ok_bytes) // 2])
    text = tmp_path / "text.npz"
    text.write_text("not a zip")
    wrong_shape = str(tmp_path / "shape.npz")
    hf.save_model(wrong_shape, ["orbit"], ["s"], 1.0, [label_w[:2]], [speed_w])
    non_finite = str(tmp_path / "nan.npz")
    hf.save_model(non_finite, ["orbit"], ["s"], 1.0, [np.where(label_w > 0, np.nan, label_w)], [speed_w])
    other_knots = str(tmp_path / "knots.npz")
    corrupt = str(tmp_path / "corrupt.npz")           # a weights member whose bytes were damaged in the archive
    with zipfile.ZipFile(ok) as src, zipfile.ZipFile(other_knots, "w") as dst, \
            zipfile.ZipFile(corrupt, "w", zipfile.ZIP_DEFLATED) as bad:
        for name in src.namelist():
            data = src.read(name)
            if name == "knots.npy":
                dst.writestr(name, data[:-8] + np.float64(7.0).tobytes())
            else:
                dst.writestr(name, data)
            bad.writestr(name, data[:-16] if name == "label_weights.npy" else data)
    paths = [str(tmp_path / "missing.npz"), str(truncated), str(text), wrong_shape, non_finite, other_knots, corrupt]
    for path in paths:
        assert hf.main(["score", path, "--corpus", str(tmp_path / "missing_corpus.npz")]) == 2, path
    assert hf.main(["fit", str(tmp_path / "m.npz"), "--l2", "-1"]) == 2
    assert hf.main(["fit", str(tmp_path / "m.json")]) == 2
    assert hf.main(["score", ok, "--corpus", ok, "--movers", "no_such_movement"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == len(paths) + 3, err
    assert all(line.startswith("hazard_fit.py: ") for line in err)
