"""Dataset schema 3's mirror offset and the learned gun's two models (main + anti-surfer, BeepBoop's switch).

The column is checked against an independent numpy computation from the dataset's own columns; the switch's
law against its formula; schema-2 files keep loading, and the gun with the switch off plays bit-identically to
the default gun before this change (digests recorded on main bf49e78).
"""
import json
import math
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bots.guns import wave_kernels as wg
from bots.guns.wave_memory import MODELS_DIR as MODELS
from bots.movements.surf import BEFORE_FIFTH_ROUND
from sim.engine.battle import run_battle
from sim.engine.rules import Rules
from sim.io import dataset as D
from sim.waves.features import SCHEMA3_FEATURE_NAMES, SCALES
from tests.dataset_helpers import as_version
from tests.digests import battle_digest

SHOOTER = "lock+headon:power=3,energy_rule=0+still"


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], check=False, capture_output=True, text=True,
                          timeout=900)


# --------------------------------------------------------------------------- the mirror offset column

@pytest.fixture(scope="module", params=["lock+none+orbit", "sample.Walls"])
def gun_table(request):
    res = run_battle([SHOOTER, request.param], Rules(rounds=3), seed=21, record=True)
    tables, _ = D.battle_tables(res, 0, specs=[SHOOTER, request.param])
    return {c: np.asarray(v) for c, v in tables["gun"].items()}


def test_mirror_offset_equals_an_independent_numpy_computation(gun_table):
    g = gun_table
    centre = np.arctan2(400.0 - g["fire_x"], 300.0 - g["fire_y"])      # the 800x600 field's centre
    d = centre - g["bearing"]
    want = np.where(d > np.pi, d - 2 * np.pi, np.where(d <= -np.pi, d + 2 * np.pi, d)) * g["lat_dir"]
    assert len(want) > 1000
    assert np.abs(want - g["mirror_offset"]).max() < 1e-9
    # both signs occur, in (-pi, pi]
    assert (g["mirror_offset"] > 0.5).any() and (g["mirror_offset"] < -0.5).any()
    assert (np.abs(g["mirror_offset"]) <= np.pi).all()


def test_mirror_offset_has_a_fixed_scale():
    assert SCALES["mirror_offset"] == (-math.pi, math.pi)


# --------------------------------------------------------------------------- schema 3 and older files

@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from sim.experiments.collect import collect
    d = tmp_path_factory.mktemp("schema3")
    new = d / "v3.npz"
    collect(SHOOTER, "lock+none+orbit", seeds=[3], out=str(new), rules=Rules(rounds=2))
    old = d / "v2.npz"
    as_version(new, old, 2)
    return new, old


def test_schema3_files_hold_the_mirror_offset_and_schema2_files_load_with_it_nan(files):
    new, old = files
    a, b = D.load_dataset(new), D.load_dataset(old)
    assert (a.schema_version, a.missing) == (3, ())
    assert (b.schema_version, b.missing) == (2, SCHEMA3_FEATURE_NAMES)
    assert np.isfinite(a.gun["mirror_offset"]).all() and np.isnan(b.gun["mirror_offset"]).all()
    for c in a.gun:
        if c not in SCHEMA3_FEATURE_NAMES:
            assert a.gun[c].tobytes() == b.gun[c].tobytes(), c
    with pytest.raises(D.DatasetError, match="re-collect"):
        list(D.iter_chunks(old, "gun", columns=["mirror_offset"]))


def test_schema2_files_train_and_evaluate_what_they_can_and_say_to_recollect_in_one_line(files, tmp_path):
    new, old = files
    r = _cli("train", str(old), "--epochs", "0", "--val-fraction", "0", "--out", str(tmp_path / "m.json"))  # default list
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "gfsim train: error:" in r.stderr and "mirror_offset" in r.stderr and "re-collect" in r.stderr
    # the schema-2 model (no mirror offset) replays a schema-2 file; a schema-3 model is refused
    r = _cli("evaluate", str(old), "--guns", f"learned:model={MODELS}/learned-schema2.json", "--json")
    assert r.returncode == 0, r.stderr
    r = _cli("train", str(new), "--epochs", "0", "--val-fraction", "0", "--out", str(tmp_path / "m3.json"))
    assert r.returncode == 0, r.stderr
    r = _cli("evaluate", str(old), "--guns", f"learned:model={tmp_path / 'm3.json'}")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "mirror_offset" in r.stderr


# --------------------------------------------------------------------------- the switch

@pytest.mark.parametrize("hits,n", [(0, 0), (3, 10), (10, 49), (12, 50), (30, 200), (199, 200)])
def test_hit_rate_band_is_p_plus_minus_z_sqrt_p_q_over_n(hits, n):
    p = hits / max(1, n)
    z = 1.282 if n < 50 else 0.842
    r = z * math.sqrt(p * (1 - p) / max(1, n))
    lo, hi = wg.hit_rate_band(float(hits), float(n))
    assert lo == pytest.approx(p - r, abs=1e-12) and hi == pytest.approx(p + r, abs=1e-12)


def _switch_memory(band, hits, n, anti=True):
    m = np.zeros(wg.HEADER)
    m[wg.WH_ANTI_BAND] = band
    m[wg.WH_ANTI] = 1.0 if anti else 0.0
    m[wg.WH_REAL_HITS] = hits
    m[wg.WH_REAL_SHOTS] = n
    return m


@pytest.mark.parametrize("hits,n,on", [
    (0, 0, True),        # no shots yet: p = 0, the band is [0, 0]
    (1, 1, False),       # p = 1, no spread
    (3, 10, True),       # 0.3 - 1.282 sqrt(0.3 * 0.7 / 10) = 0.114 <= 0.12
    (4, 10, False),      # 0.4 - 1.282 sqrt(0.4 * 0.6 / 10) = 0.201
    (9, 49, True),       # under 50 shots the wide band: 0.184 - 1.282 * 0.0553 = 0.113
    (9, 50, False),      # from 50 the narrow one: 0.18 - 0.842 * 0.0543 = 0.134
    (30, 200, False),    # 0.15 - 0.842 * 0.0252 = 0.129
    (24, 200, True),     # 0.12 - ... <= 0.12
])
def test_the_switch_uses_the_anti_surfer_model_while_the_band_reaches_down_to_anti_band(hits, n, on):
    assert wg.anti_surfer_on(_switch_memory(0.12, hits, n)) == on
    # switched off, or without the second model: never
    assert not wg.anti_surfer_on(_switch_memory(0.0, hits, n))
    assert not wg.anti_surfer_on(_switch_memory(0.12, hits, n, anti=False))


def _gun_memory(spec, enemy, rounds, seed):
    from bots import layout
    from bots.registry import parse_bot
    s = parse_bot(spec)
    r = run_battle([s, enemy], Rules(rounds=rounds), seed=seed, keep_memory=True)
    return r.memory[0, int(s.params[layout.P.gun_mem]):]


def test_in_battle_a_low_hit_rate_aims_with_the_anti_surfer_model_and_a_high_one_does_not():
    # against SittingDuck the gun hits nearly every shot: after its first bullets the main model aims
    m = _gun_memory("lock+learned:anti_band=0.12+still", "sample.SittingDuck", 5, 3)
    assert m[wg.WH_ANTI] > 0 and m[wg.WH_REAL_SHOTS] > 30
    assert m[wg.WH_REAL_HITS] / m[wg.WH_REAL_SHOTS] > 0.6
    assert m[wg.WH_MAIN_AIMS] > 5 * m[wg.WH_ANTI_AIMS] and not wg.anti_surfer_on(m)
    # against orbit it hits ~25%: a band of 0.5 keeps it on the anti-surfer model after the first hits
    m = _gun_memory("lock+learned:anti_band=0.5+still", "lock+none+orbit", 2, 3)
    assert m[wg.WH_REAL_SHOTS] > 20 and m[wg.WH_REAL_HITS] / m[wg.WH_REAL_SHOTS] < 0.4
    assert m[wg.WH_ANTI_AIMS] > 5 * m[wg.WH_MAIN_AIMS] and wg.anti_surfer_on(m)
    # both models learned every wave
    mb, ma = m[int(m[wg.WH_LEARNED]):], m[int(m[wg.WH_ANTI]):]
    assert mb[wg.MH_N] == ma[wg.MH_N] > 1000
    # switched off: no second block, no count
    m = _gun_memory("lock+learned:anti_band=0+still", "lock+none+orbit", 1, 3)
    assert m[wg.WH_ANTI] == 0 and m[wg.WH_ANTI_AIMS] == 0 and m[wg.WH_MAIN_AIMS] == 0


def test_the_anti_surfer_model_changes_the_aims():
    a = run_battle(["lock+learned:anti_band=0.5+orbit", "lock+none+orbit"], Rules(rounds=1), seed=4, record=True)
    b = run_battle(["lock+learned:anti_band=0+orbit", "lock+none+orbit"], Rules(rounds=1), seed=4, record=True)
    assert not np.array_equal(a.robots_trace, b.robots_trace)


# recorded on main bf49e78 with `lock+learned+orbit` (the default gun then: learned-schema2.json, one model):
# robots_trace, round_stats, round_scores, round_turns of 3 rounds; the surfer is bf49e78's (BEFORE_FIFTH_ROUND)
BASE_DIGESTS = {
    ("sample.Crazy", 7): "8de9cf82e1dd74e14ecad39dfdfb0b4d9ef52becf4b038621f0021f421456902",
    (f"lock+none+surf:{BEFORE_FIFTH_ROUND}", 8): "d16e4d0adb78397787f83a32ed195bb5b5c9615663ca530123a1da97ffda0ac7",
}


@pytest.mark.parametrize("enemy,seed", list(BASE_DIGESTS))
def test_switched_off_the_gun_plays_as_the_default_gun_before_the_switch(enemy, seed):
    spec = f"lock+learned:model={MODELS}/learned-schema2.json,anti_band=0+orbit"
    r = run_battle([spec, enemy], Rules(rounds=3), seed=seed, record=True)
    assert battle_digest(r) == BASE_DIGESTS[(enemy, seed)]


def test_the_shipped_models_are_the_recipes():
    """The recipe's current outputs read its current feature lists; its previous outputs the same less the stick
    turns along the heading and the anti-surfer flags."""
    from learning.model import ANTI_SURFER_FEATURES, DEFAULT_FEATURES, load_model
    newer = ("stick_heading_ahead", "stick_heading_reverse", "did_hit", "did_collide")
    for name, features in (("learned-anti-flags", ANTI_SURFER_FEATURES), ("learned-stick", DEFAULT_FEATURES),
                           ("learned-anti", tuple(f for f in ANTI_SURFER_FEATURES if f not in newer)),
                           ("learned-schema3", tuple(f for f in DEFAULT_FEATURES if f not in newer))):
        model = load_model(f"{MODELS}/{name}.json")
        assert tuple(model.features) == features, name
    anti = load_model(f"{MODELS}/learned-anti-flags.json")
    assert anti.max_neighbours == 100 and "did_hit" in anti.features and "did_collide" in anti.features
    assert "power" not in anti.features and "dist10" in anti.features and "dist20" not in anti.features


@pytest.mark.parametrize("value,msg", [
    ("anti_band=0.12,anti_model=/nonexistent.json", "anti_model"),
    ("anti_band=0.12,anti_model=README.md", "anti_model"),
    ("anti_band=0.12,anti_model=CUT", "anti_model: "),
    ("anti_band=1.5", "anti_band"),
])
def test_bad_anti_surfer_models_fail_in_one_line(tmp_path, value, msg):
    if "CUT" in value:    # the shipped anti-surfer model without its weights
        d = json.loads(Path(MODELS, "learned-anti.json").read_text())
        del d["a"]
        (tmp_path / "cut.json").write_text(json.dumps(d))
        value = value.replace("CUT", str(tmp_path / "cut.json"))
    r = _cli("battle", f"lock+learned:{value}+still", "sample.Target", "--rounds", "1")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "gfsim battle: error:" in r.stderr, r.stderr
    assert msg in r.stderr


def test_soft_target_files_of_schema2_load_with_the_mirror_offset_nan(tmp_path):
    """A soft-target file (gfsim oracle --soft-targets) written with dataset schema 2 lacks only mirror_offset."""
    from sim.io import soft_targets as SO
    from tests.test_distill import _fake_soft
    meta, gun, oracle, futures, cov = _fake_soft()
    p = tmp_path / "s.npz"
    SO.write_soft_targets(p, meta, gun, oracle, futures, cov)
    old = tmp_path / "v2.npz"
    with zipfile.ZipFile(p) as zin, zipfile.ZipFile(old, "w", zipfile.ZIP_STORED) as zo:
        for info in zin.infolist():
            if info.filename[4:-4] not in SCHEMA3_FEATURE_NAMES:
                zo.writestr(info.filename, zin.read(info.filename))
    st = SO.load_soft_targets(old)
    assert np.isnan(st.gun["mirror_offset"]).all() and np.array_equal(st.gun["path_gf"], gun["path_gf"])


def test_pre_seeded_memory_fills_both_models_stores(files):
    """learned:memory=... with the switch on: each model's store starts with the dataset's waves, embedded by
    that model (the same waves, the same labels)."""
    from bots.guns.wave_memory import LEARNED_PARAMS, memory_size, prepare_memory
    new, _ = files
    v = {p.name: p.default for p in LEARNED_PARAMS}
    v.update(max_points=200.0, memory=str(new), anti_band=0.12)
    m = np.zeros(memory_size("learned", v))
    for off, values in prepare_memory("learned", v):
        m[off:off + len(values)] = values
    mb, ma = m[int(m[wg.WH_LEARNED]):], m[int(m[wg.WH_ANTI]):]
    assert mb[wg.MH_N] == ma[wg.MH_N] == 200 and mb[wg.MH_NF] != ma[wg.MH_NF]
    _, lo_b, hi_b = wg._store_cols(mb)
    _, lo_a, hi_a = wg._store_cols(ma)
    assert np.array_equal(lo_b[:200], lo_a[:200]) and np.array_equal(hi_b[:200], hi_a[:200])
