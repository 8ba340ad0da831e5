"""Dataset schema 2's feature columns (sim.waves.gf.ext_features) and the schema-1 compatibility of the readers.

The compiled features are checked against an independent numpy computation from the dataset's own columns
(the target's position and heading at fire time are recovered from fire_x/y, distance, bearing and the
lateral/advancing velocities); older files and models must keep loading and playing as before.
"""
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bots.guns.wave_memory import MODELS_DIR as MODELS
from sim.engine.battle import run_battle
from sim.engine.rules import Rules
from sim.io import dataset as D
from sim.waves import gf
from sim.waves.features import EXT_FEATURE_NAMES, FEATURE_NAMES, SCALES, scale_of
from tests.dataset_helpers import as_version
from tests.digests import battle_digest

SHOOTER = "lock+headon:power=3,energy_rule=0+still"


def _wrap(a):
    return np.arctan2(np.sin(a), np.cos(a))


@pytest.fixture(scope="module", params=["sample.SpinBot", "lock+none+orbit"])
def recorded(request):
    """The gun table of a recorded battle, and the target's state at each wave's fire time read from the
    battle's trace (robot 1 - shooter at the end of turn t - 1): x, y, heading, velocity and the heading
    one turn earlier (NaN in a round's first row)."""
    from sim.waves.tracking import _Prepared
    res = run_battle([SHOOTER, request.param], Rules(rounds=4), seed=11, record=True)
    tables, _ = D.battle_tables(res, 0, specs=[SHOOTER, request.param])
    g = {c: np.asarray(v) for c, v in tables["gun"].items()}
    pr = _Prepared(res)
    rs = np.asarray(pr.round_start)
    rnd = np.searchsorted(np.asarray(pr.round_ids), g["round"])
    j = rs[rnd] + g["turn"] - 1
    o = g["target"].astype(int)
    a = pr.arr
    first = j == rs[rnd]
    state = dict(x=a["x"][o, j], y=a["y"][o, j], h=a["heading"][o, j], v=a["velocity"][o, j],
                 h_prev=np.where(first, np.nan, a["heading"][o, np.maximum(j - 1, 0)]))
    return g, state


def _target_state(g, st):
    # (the position also follows from the table: fire point + distance along the bearing)
    assert np.allclose(st["x"], g["fire_x"] + g["distance"] * np.sin(g["bearing"]), atol=1e-9)
    assert np.allclose(st["v"], g["velocity"]) and np.allclose(st["v"] * np.sin(st["h"] - g["bearing"]), g["lat_vel"])
    return st["x"], st["y"], st["h"], st["v"]


def _np_predicted_gf(g, tx, ty, h, v, w, width=800.0, height=600.0):
    """Linear (w = 0) / circular prediction, vectorised: turn, move, stop at a wall, until the wave's radius
    (m + 1) * speed reaches the target; its offset from the direct bearing in GF."""
    x, y, h, v = tx.copy(), ty.copy(), np.nan_to_num(h).copy(), v.copy()
    sx, sy, speed = g["fire_x"], g["fire_y"], g["bullet_speed"]
    done = np.zeros(len(x), bool)
    for m in range(1, 500):
        move = ~done & (v != 0.0)
        h = np.where(move, h + w, h)
        x = np.where(move, x + v * np.sin(h), x)
        y = np.where(move, y + v * np.cos(h), y)
        out = move & ((x < 18) | (x > width - 18) | (y < 18) | (y > height - 18))
        x = np.where(out, np.clip(x, 18, width - 18), x)
        y = np.where(out, np.clip(y, 18, height - 18), y)
        v = np.where(out, 0.0, v)
        done |= (m + 1) * speed >= np.hypot(x - sx, y - sy)
        if done.all():
            break
    return _wrap(np.arctan2(x - sx, y - sy) - g["bearing"]) * g["lat_dir"] / g["mea"]


def _prev_rows(g):
    """Per row: the row of the same shooter's wave one turn earlier (-1 none) and of its previous real
    bullet in the round (-1 none, -2 unknown: a bullet whose wave is not in the table came in between)."""
    n = len(g["turn"])
    prev_turn = np.full(n, -1)
    prev_real = np.full(n, -1)
    key = {}
    for k in range(n):
        key[(g["battle"][k], g["round"][k], g["shooter"][k], g["turn"][k])] = k
    order = np.lexsort((g["turn"], g["round"], g["shooter"], g["battle"]))
    last, count, stream = -1, 0, None
    for k in order:
        s = (g["battle"][k], g["round"][k], g["shooter"][k])
        if s != stream:
            stream, last, count = s, -1, 0
        prev_turn[k] = key.get(s + (g["turn"][k] - 1,), -1)
        prev_real[k] = last
        if g["real_bullet"][k]:
            count += 1
            # ids run 1, 2, ... per robot and round: a gap means a bullet the table lacks
            last = k if g["bullet_id"][k] == count else -2
            count = g["bullet_id"][k]
    return prev_turn, prev_real


def test_extended_features_equal_an_independent_numpy_computation(recorded):
    g, st = recorded
    assert len(g["turn"]) > 1000
    tx, ty, h, v = _target_state(g, st)
    # linear: every row (a target at rest predicts its own position: GF 0)
    lin = _np_predicted_gf(g, tx, ty, h, v, 0.0)
    err = np.abs(lin - g["linear_gf"])
    assert np.median(err) < 1e-9 and (err < 1e-6).mean() > 0.999
    # circular: the heading change over the last turn (0 in a round's first), clamped to the turn rate at |v|
    prev_turn, prev_real = _prev_rows(g)
    w = np.nan_to_num(_wrap(h - st["h_prev"]))
    limit = np.radians(10.0 - 0.75 * np.abs(v))
    w = np.clip(w, -limit, limit)
    circ = _np_predicted_gf(g, tx, ty, h, v, w)
    err = np.abs(circ - g["circular_gf"])
    assert (w != 0).sum() > 100 and np.median(err) < 1e-9 and (err < 1e-6).mean() > 0.999
    # current GF: the target's offset from the previous real bullet's wave, in its MEA, signed by this lat_dir
    has = prev_real >= 0
    p = prev_real[has]
    cur = _wrap(np.arctan2(tx[has] - g["fire_x"][p], ty[has] - g["fire_y"][p]) - g["bearing"][p]) \
        * g["lat_dir"][has] / g["mea"][p]
    assert has.sum() > 500 and np.abs(cur - g["current_gf"][has]).max() < 1e-9
    # before the round's first bullet (no later bullet id says one is missing): 0
    first = prev_real == -1
    assert first.any() and (g["current_gf"][first] == 0.0).all()
    # path GF: the wiring of mea_drive (tests/test_gf.py checks mea_drive itself): lateral side, heading, speed
    # (with the trace's exact state: near a wall the smoothing's choice of side can flip on a 1e-14 change)
    rows = np.flatnonzero(v != 0.0)[::37]
    want = [gf.mea_drive(g["fire_x"][k], g["fire_y"][k], tx[k], ty[k], h[k], v[k], g["bullet_speed"][k],
                         g["lat_dir"][k], 800.0, 600.0, gf.STICK) / g["mea"][k] for k in rows]
    assert len(rows) > 20 and np.allclose(want, g["path_gf"][rows], rtol=0, atol=1e-9)
    assert (g["path_gf"] >= 0).all()


def test_every_feature_has_a_documented_fixed_scale():
    import os
    doc = open(os.path.join(os.path.dirname(__file__), "..", "docs", "features.md")).read()
    for name in FEATURE_NAMES:
        lo, hi = SCALES[name]
        assert hi > lo
        assert f"`{name}`" in doc
    assert scale_of("abs:lat_vel") == (0.0, 8.0) and scale_of("abs:current_gf") == (0.0, 1.5)


# --------------------------------------------------------------------------- schema 1 files

@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from sim.experiments.collect import collect
    d = tmp_path_factory.mktemp("schema")
    new = d / "v2.npz"
    collect(SHOOTER, "lock+none+orbit", seeds=[3, 4], out=str(new), rules=Rules(rounds=2))
    old = d / "v1.npz"
    as_version(new, old, 1)
    return new, old


def test_schema1_files_load_with_the_new_columns_nan(files):
    new, old = files
    a, b = D.load_dataset(new), D.load_dataset(old)
    assert (a.schema_version, a.missing) == (D.SCHEMA_VERSION, ())
    assert (b.schema_version, b.missing) == (1, EXT_FEATURE_NAMES)
    for t in D.TABLES:
        for c in a.tables[t]:
            if c in EXT_FEATURE_NAMES:
                assert np.isnan(b.tables[t][c]).all()
            else:
                assert a.tables[t][c].tobytes() == b.tables[t][c].tobytes(), (t, c)
    assert D.read_meta(old)["schema_version"] == 1
    blocks = list(D.iter_chunks(old, "gun", rows=5000, columns=["gf_lo", "bft"]))
    assert sum(len(x["bft"]) for x in blocks) == len(b)
    with pytest.raises(D.DatasetError, match="re-collect"):
        list(D.iter_chunks(old, "gun", columns=["path_gf"]))


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, timeout=900)


def test_schema1_train_and_evaluate_say_to_recollect_in_one_line(files, tmp_path):
    new, old = files
    r = _cli("train", str(old), "--epochs", "0", "--out", str(tmp_path / "m.json"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "gfsim train: error:" in r.stderr and "path_gf" in r.stderr and "re-collect" in r.stderr
    # the schema-1 feature set still trains on it
    base = "bft,abs:lat_vel,adv_vel,accel"
    r = _cli("train", str(old), "--epochs", "0", "--features", base, "--out", str(tmp_path / "m1.json"))
    assert r.returncode == 0, r.stderr
    # a gun that reads no schema-2 column replays it; one whose model does is refused
    r = _cli("evaluate", str(old), "--guns", f"knn,learned:model={MODELS}/learned-orbit.json", "--json")
    assert r.returncode == 0, r.stderr
    r = _cli("train", str(new), "--epochs", "0", "--out", str(tmp_path / "m2.json"))
    assert r.returncode == 0, r.stderr
    m2 = json.load(open(tmp_path / "m2.json"))
    assert dict(zip(m2["features"], m2["norm_hi"]))["circular_gf"] == SCALES["circular_gf"][1]   # fixed scales
    r = _cli("evaluate", str(old), "--guns", f"learned:model={tmp_path / 'm2.json'}")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "re-collect" in r.stderr


@pytest.mark.parametrize("version", [0, 4, True, "2", None])
def test_unknown_schema_versions_are_refused_in_one_line(files, tmp_path, version):
    new, _ = files
    bad = tmp_path / "bad.npz"
    with zipfile.ZipFile(new) as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_STORED) as zout:
        meta = json.loads(str(np.load(io.BytesIO(zin.read("meta.npy")))))
        meta["schema_version"] = version
        for info in zin.infolist():
            if info.filename == "meta.npy":
                buf = io.BytesIO()
                np.save(buf, np.array(json.dumps(meta)))
                zout.writestr(info.filename, buf.getvalue())
            else:
                zout.writestr(info.filename, zin.read(info.filename))
    with pytest.raises(D.DatasetError, match="schema version"):
        D.load_dataset(bad)


def test_schema1_meta_over_schema2_members_is_refused(files, tmp_path):
    """A file claiming schema 1 but listing (or holding) the schema-2 columns was not written by gfsim."""
    new, old = files
    bad = tmp_path / "mixed.npz"
    with zipfile.ZipFile(old) as z1, zipfile.ZipFile(new) as z2, zipfile.ZipFile(bad, "w", zipfile.ZIP_STORED) as zo:
        for info in z2.infolist():
            zo.writestr(info.filename, (z1 if info.filename == "meta.npy" else z2).read(info.filename))
    with pytest.raises(D.DatasetError, match="unexpected members"):
        D.load_dataset(bad)
    bad2 = tmp_path / "claims.npz"
    with zipfile.ZipFile(old) as z1, zipfile.ZipFile(new) as z2, zipfile.ZipFile(bad2, "w", zipfile.ZIP_STORED) as zo:
        for info in z1.infolist():
            zo.writestr(info.filename, (z2 if info.filename == "meta.npy" else z1).read(info.filename))
    with pytest.raises(D.DatasetError, match="missing"):
        D.load_dataset(bad2)


# --------------------------------------------------------------------------- models and the gun

# recorded on main before schema 2 (commit 10d177c): robots_trace, round_stats, round_scores, round_turns; the
# firing rules added since (hold_fire, fire_gate, est_sim: docs/learning.md "Firing rules") switched off
OLD_FIRING = "est_sim=0,hold_fire=0,fire_gate=0"
OLD_MODEL_DIGESTS = {
    (f"lock+learned:model={MODELS}/learned-orbit.json,power=3,energy_rule=0,{OLD_FIRING}+still", "lock+none+orbit", 5):
        "53f7374432b65b761a5e1e3ef842e67bc65b0ce97ddadec256de61fa94153cf6",
    (f"lock+learned:model={MODELS}/learned-corpus.json,{OLD_FIRING}+orbit", "sample.SpinBot", 6):
        "02d694ac7c35d11a365a6fb862888829c04a75d1eabc4b83e6932e25c4f61f66",
}


@pytest.mark.parametrize("spec,enemy,seed", list(OLD_MODEL_DIGESTS))
def test_old_models_play_bit_identically(spec, enemy, seed):
    r = run_battle([spec, enemy], Rules(rounds=3), seed=seed, record=True)
    assert battle_digest(r) == OLD_MODEL_DIGESTS[(spec, enemy, seed)]


def test_the_gun_computes_the_schema2_features_as_the_dataset(tmp_path):
    """A model reading the four schema-2 features: the waves its gun stored carry the dataset's values
    (lag=0: the wave's own features) -- one compiled home, ext_features, for both."""
    from bots import layout
    from bots.guns import wave_kernels as wg
    from bots.registry import parse_bot
    from learning.model import GunModel, fixed_ranges
    from tests.dataset_helpers import learned_store_vs_dataset
    names = list(EXT_FEATURE_NAMES)
    lo, hi = fixed_ranges(names)
    path = tmp_path / "ext.json"
    GunModel(names, lo, hi, scale=-3.0).save(str(path))
    spec = parse_bot(f"lock+learned:model={path},power=3,energy_rule=0,lag=0+still")
    m, E, n, g, rows = learned_store_vs_dataset(spec, "lock+none+orbit")
    assert m[wg.WH_NEED_EXT] == 1.0
    want = np.stack([wg.SHIFT + np.clip((g[c][rows] - lo[k]) / (hi[k] - lo[k]), 0, 1) for k, c in enumerate(names)])
    ok = np.abs(E[:, :n].astype(float) - want).max(axis=0) < 1e-5
    # (the gun knows the enemy only from its first scan of a round: the first turns can differ)
    assert ok.mean() > 0.97
    # older models do not pay for them
    spec_old = parse_bot(f"lock+learned:model={MODELS}/learned-orbit.json+still")
    r = run_battle([spec_old, "lock+none+orbit"], Rules(rounds=1), seed=5, keep_memory=True)
    assert r.memory[0, int(spec_old.params[layout.P.gun_mem]) + wg.WH_NEED_EXT] == 0.0


# --------------------------------------------------------------------------- pre-seeded memory

def _learned_values(**kw):
    from bots.guns.wave_memory import LEARNED_PARAMS
    v = {p.name: p.default for p in LEARNED_PARAMS}
    v.update(kw)
    return v


def test_pre_seeded_memory_holds_the_datasets_last_waves_embedded_as_the_gun_does(files):
    from bots.guns import wave_kernels as wg
    from bots.guns.wave_memory import prepare_memory, memory_size, _load
    from learning.model import feature_matrix, valid_interval
    new, _ = files
    v = _learned_values(max_points=300.0, memory=str(new))
    m = np.zeros(memory_size("learned", v))
    for off, values in prepare_memory("learned", v):
        m[off:off + len(values)] = values
    mb = m[int(m[wg.WH_LEARNED]):]
    assert mb[wg.MH_N] == 300 and mb[wg.MH_HEAD] == 0          # full: the next wave replaces the oldest
    E, lo, hi = wg._store_cols(mb)
    g = D.load_dataset(new).gun
    sel = np.flatnonzero((g["shooter"] == 0) & (g["status"] == 0) & valid_interval(g["gf_lo"], g["gf_hi"]))[-300:]
    assert np.array_equal(lo[:300], g["gf_lo"][sel]) and np.array_equal(hi[:300], g["gf_hi"][sel])
    model = _load("")
    raw = feature_matrix(g, model.features)[sel]
    full = np.zeros(len(FEATURE_NAMES))
    out = np.zeros(wg.MAX_F)
    for k in (0, 123, 299):
        for f, name in enumerate(model.features):        # the raw row in the gun's feature order
            full[FEATURE_NAMES.index(name.replace("abs:", ""))] = g[name.replace("abs:", "")][sel[k]]
        wg.embed(mb, full, out)
        assert np.allclose(E[:, k], out[:model.n_features].astype(np.float32), rtol=1e-6)
    assert raw.shape == (300, model.n_features)


def test_pre_seeded_memory_changes_the_first_aims_and_is_deterministic(files):
    new, _ = files
    seeded = f"lock+learned:memory={new},power=3,energy_rule=0+still"
    a = run_battle([seeded, "lock+none+orbit"], Rules(rounds=1), seed=9, record=True)
    b = run_battle([seeded, "lock+none+orbit"], Rules(rounds=1), seed=9, record=True)
    c = run_battle(["lock+learned:power=3,energy_rule=0+still", "lock+none+orbit"], Rules(rounds=1), seed=9,
                   record=True)
    assert np.array_equal(a.robots_trace, b.robots_trace)
    assert not np.array_equal(a.robots_trace, c.robots_trace)


@pytest.mark.parametrize("value,msg", [("/nonexistent.npz", "cannot read"), (str(Path(__file__).resolve().parents[1] / "README.md"), "not a gfsim dataset"),
                                       ("V1", "re-collect"), ("TRUNC", "not a complete")])
def test_pre_seeded_memory_bad_inputs_fail_in_one_line(files, tmp_path, value, msg):
    new, old = files
    if value == "TRUNC":
        data = open(new, "rb").read()
        value = str(tmp_path / "cut.npz")
        open(value, "wb").write(data[:len(data) * 2 // 3])
    value = value.replace("V1", str(old))
    r = _cli("battle", f"lock+learned:memory={value}+still", "sample.Target", "--rounds", "1")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "gfsim battle: error:" in r.stderr
    assert msg in r.stderr


def test_soft_target_files_from_before_schema2_still_load(tmp_path):
    """A soft-target file (gfsim oracle --soft-targets) holds dataset rows: without the four schema-2 members
    it loads with them NaN; with only some of them it is refused."""
    from sim.io import soft_targets as SO
    from tests.test_distill import _fake_soft
    meta, gun, oracle, futures, cov = _fake_soft()
    p = tmp_path / "s.npz"
    SO.write_soft_targets(p, meta, gun, oracle, futures, cov)

    def without(names, out):
        with zipfile.ZipFile(p) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zo:
            for info in zin.infolist():
                if info.filename[4:-4] not in names:
                    zo.writestr(info.filename, zin.read(info.filename))
        return out
    st = SO.load_soft_targets(without(EXT_FEATURE_NAMES, tmp_path / "old.npz"))
    assert np.isnan(st.gun["path_gf"]).all() and np.array_equal(st.gun["gf_lo"], gun["gf_lo"])
    with pytest.raises(SO.SoftTargetError, match="missing"):
        SO.load_soft_targets(without(EXT_FEATURE_NAMES[:2], tmp_path / "half.npz"))
