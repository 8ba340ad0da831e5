"""Dataset schema 3's anti-surfer flags (did_hit, did_collide) and stick turns along the target's actual heading.

Each column is checked against an independent numpy computation on recorded battles (the flags from the battle's
bullet table and trace, the stick turns by a brute-force search over headings); the learned gun stores the
dataset's values; older files load with the columns NaN and whoever needs one says to re-collect in one line.
"""
import subprocess
import sys

import numpy as np
import pytest

from bots.guns import wave_kernels as wg
from sim.engine.battle import run_battle
from sim.engine.constants import BS_HIT_BULLET, BS_HIT_VICTIM, HALF_ROBOT, RS_DEAD
from sim.engine.rules import Rules
from sim.io import dataset as D
from sim.waves.features import FLAG_FEATURE_NAMES, FLAG_TURNS, SCALES, STICK
from sim.waves.tracking import (
    BC_END_STATE,
    BC_END_TURN,
    BC_FIRE,
    BC_OWNER,
    BC_ROUND,
    _robot_arrays,
    battle_waves,
    bullet_table,
)

# both robots fire at power 3 whenever their guns are cool: hits and bullet collisions on both sides
BOTS = ("lock+headon:power=3,energy_rule=0+orbit", "lock+circular:power=3,energy_rule=0+orbit")


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], check=False, capture_output=True, text=True,
                          timeout=900)


@pytest.fixture(scope="module")
def battle():
    r = run_battle(list(BOTS), Rules(rounds=3), seed=13, record=True)
    return r, battle_waves(r)


# --------------------------------------------------------------------------- the flags

def _flags_by_numpy(r, g):
    """did_hit / did_collide of every gun wave from the bullet table and the trace, wave by wave: a bullet of the
    shooter fired within FLAG_TURNS turns of the wave that hit the target (an enemy bullet) in turn e flags it when
    in every turn u = t..e the target lived and its centre lay within 18 sqrt(2) px (+1e-6) of the front's outer
    radius (u - t + 1) * speed -- the turns the gun still has the wave in flight."""
    arr, bounds, round_ids = _robot_arrays(r)
    bul = bullet_table(r, round_ids)
    x, y, alive = arr["x"], arr["y"], arr["state"] != RS_DEAD
    reach = HALF_ROBOT * np.sqrt(2.0) + 1e-6
    ridx = np.searchsorted(round_ids, g["round"])
    out = np.zeros((2, len(g["turn"])))
    for q in np.flatnonzero(np.isin(bul[:, BC_END_STATE], (BS_HIT_VICTIM, BS_HIT_BULLET))):
        s, ri, fb, e = int(bul[q, BC_OWNER]), int(bul[q, BC_ROUND]), bul[q, BC_FIRE], int(bul[q, BC_END_TURN])
        col = 0 if bul[q, BC_END_STATE] == BS_HIT_VICTIM else 1
        near = np.flatnonzero((g["shooter"] == s) & (ridx == ri) & (np.abs(g["turn"] - fb) <= FLAG_TURNS)
                              & (g["turn"] <= e))
        for k in near:
            t = int(g["turn"][k])
            u = np.arange(t, e + 1)
            j = bounds[ri] + u
            o = 1 - s
            front = (u - t + 1) * g["bullet_speed"][k]
            dist = np.hypot(x[o, j] - g["fire_x"][k], y[o, j] - g["fire_y"][k])
            if np.all(alive[o, j] & (dist + reach >= front)):
                out[col, k] = 1.0
    return out


def test_flags_equal_an_independent_numpy_computation(battle):
    r, tables = battle
    g = tables["gun"]["columns"]
    want = _flags_by_numpy(r, g)
    assert np.array_equal(g["did_hit"], want[0]) and np.array_equal(g["did_collide"], want[1])
    for s in (0, 1):
        mine = g["shooter"] == s
        assert g["did_hit"][mine].sum() >= 10 and g["did_collide"][mine].sum() >= 1, s
    # a hit mostly flags the bullet's own wave too (unless the wave broke in the turn of the hit: the gun reads
    # the turn's events after its waves broke)
    assert (g["did_hit"][g["hit"] == 1] == 1).mean() > 0.5
    # the flags are the gun's alone: not defined for the surfer's detected waves
    e = tables["enemy"]["columns"]
    assert len(e["did_hit"]) and np.isnan(e["did_hit"]).all() and np.isnan(e["did_collide"]).all()


def test_flags_have_fixed_scales():
    assert FLAG_FEATURE_NAMES == ("did_hit", "did_collide")
    assert SCALES["did_hit"] == SCALES["did_collide"] == (0.0, 1.0)
    assert SCALES["stick_heading_ahead"] == SCALES["stick_heading_reverse"] == (0.0, np.pi / 2)


# --------------------------------------------------------------------------- stick turns along the heading

def _stick_by_search(px, py, drive, w, h, steps=7200):
    """Smallest |turn| of the direction `drive` after which a STICK px stick ends inside [18, W-18] x [18, H-18],
    searched over a grid of `steps` headings (its step bounds the error)."""
    turn = np.linspace(-np.pi, np.pi, steps + 1)
    a = drive[:, None] + turn[None, :]
    ex = px[:, None] + STICK * np.sin(a)
    ey = py[:, None] + STICK * np.cos(a)
    inside = (ex >= 18) & (ex <= w - 18) & (ey >= 18) & (ey <= h - 18)
    return np.where(inside, np.abs(turn)[None, :], np.inf).min(axis=1)


def test_stick_heading_features_equal_a_brute_force_search(battle):
    r, tables = battle
    g = tables["gun"]["columns"]
    arr, bounds, round_ids = _robot_arrays(r)
    ridx = np.searchsorted(round_ids, g["round"])
    o = 1 - g["shooter"]
    j = bounds[ridx] + g["turn"] - 1                 # the target at the end of turn t - 1
    vel = arr["velocity"]
    # move direction: the sign of the last non-zero velocity of the round (+1 before any)
    move = np.ones(len(j))
    for k in range(len(j)):
        v = vel[o[k], bounds[ridx[k]]:j[k] + 1]
        nz = v[v != 0.0]
        move[k] = -1.0 if len(nz) and nz[-1] < 0 else 1.0
    drive = arr["heading"][o, j] + np.where(move < 0, np.pi, 0.0)
    px, py = arr["x"][o, j], arr["y"][o, j]
    step = 2 * np.pi / 7200
    for col, d in (("stick_heading_ahead", drive), ("stick_heading_reverse", drive + np.pi)):
        want = _stick_by_search(px, py, d, 800.0, 600.0)
        got = g[col]
        assert np.all(np.abs(got - want) <= step + 1e-9), col
        assert (got > 0.1).mean() > 0.02 and (got == 0).mean() > 0.3, col   # near walls and in the open
    # not the orbital columns: along the heading, orbit movers meet walls at other places
    assert not np.allclose(g["stick_heading_ahead"], g["stick_ahead"])


# --------------------------------------------------------------------------- the gun keeps the dataset's values

def test_the_gun_stores_the_datasets_flags_and_stick_turns(tmp_path):
    """A model reading the four new columns (lag=0: a wave is learned with its own features): every wave the
    gun learned carries the dataset's did_hit, did_collide and stick turns, matched by its hit interval."""
    from bots.registry import parse_bot
    from learning.model import GunModel, fixed_ranges
    from tests.dataset_helpers import learned_store_vs_dataset
    names = ["did_hit", "did_collide", "stick_heading_ahead", "stick_heading_reverse"]
    lo, hi = fixed_ranges(names)
    path = tmp_path / "flags.json"
    GunModel(names, lo, hi, scale=-3.0).save(str(path))
    spec = parse_bot(f"lock+learned:model={path},power=3,energy_rule=0,lag=0+orbit")
    m, E, n, g, rows = learned_store_vs_dataset(spec, BOTS[0])
    assert m[wg.WH_BULLETS] > 0 and m[wg.WH_NEED_EXT] == 1.0
    for k, c in enumerate(names):
        want = wg.SHIFT + np.clip((g[c][rows] - lo[k]) / (hi[k] - lo[k]), 0, 1)
        # (the gun knows the enemy only from its first scan of a round: the first turns could differ)
        assert (np.abs(E[k, :n].astype(float) - want) < 1e-5).mean() > 0.99, c
    for k in (0, 1):
        assert (E[k, :n] > 0.5).sum() == g[names[k]][rows].sum() > 0, names[k]


def test_only_a_model_reading_the_flags_keeps_a_bullet_log(tmp_path):
    """The bullet log (fire turns by bullet id) is allocated only when a model reads did_hit or did_collide:
    the default gun's memory is as before."""
    from bots.guns.wave_memory import LEARNED_PARAMS, memory_size, prepare_memory
    from learning.model import GunModel, fixed_ranges
    v = {p.name: p.default for p in LEARNED_PARAMS}
    path = tmp_path / "m.json"
    for names, logged in ((["bft", "stick_heading_ahead"], False), (["bft", "did_collide"], True)):
        lo, hi = fixed_ranges(names)
        GunModel(names, lo, hi, scale=-3.0).save(str(path))
        w = dict(v, model=str(path))
        head = dict(prepare_memory("learned", w))[0]
        assert (head[wg.WH_BULLETS] > 0) == logged
    plain = memory_size("learned", dict(v, model=str(path)))
    lo, hi = fixed_ranges(["bft", "stick_heading_ahead"])
    GunModel(["bft", "stick_heading_ahead"], lo, hi, scale=-3.0).save(str(path))
    assert plain - memory_size("learned", dict(v, model=str(path))) == wg.BULLET_LOG_CAP
    assert dict(prepare_memory("learned", v))[0][wg.WH_BULLETS] == 0.0


# --------------------------------------------------------------------------- older files

def test_schema2_files_load_the_new_columns_nan_and_say_to_recollect(tmp_path):
    from sim.experiments.collect import collect
    from tests.dataset_helpers import as_version
    new, old = tmp_path / "v3.npz", tmp_path / "v2.npz"
    collect(BOTS[0], BOTS[1], seeds=[3], out=str(new), rules=Rules(rounds=1))
    as_version(new, old, 2)
    a, b = D.load_dataset(new), D.load_dataset(old)
    for c in ("did_hit", "did_collide", "stick_heading_ahead", "stick_heading_reverse"):
        assert c in b.missing and np.isnan(b.gun[c]).all() and np.isfinite(a.gun[c]).all(), c
    assert set(np.unique(a.gun["did_hit"])) <= {0.0, 1.0}
    r = _cli("train", str(old), "--features", "bft,did_hit", "--epochs", "0", "--val-fraction", "0",
             "--out", str(tmp_path / "m.json"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "gfsim train: error:" in r.stderr and "did_hit" in r.stderr and "re-collect" in r.stderr
    r = _cli("train", str(new), "--features", "bft,did_hit,stick_heading_ahead", "--epochs", "0",
             "--val-fraction", "0", "--out", str(tmp_path / "m.json"))
    assert r.returncode == 0, r.stderr
    r = _cli("evaluate", str(old), "--guns", f"learned:model={tmp_path / 'm.json'}")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "re-collect" in r.stderr, r.stderr
    assert "did_hit" in r.stderr or "stick_heading_ahead" in r.stderr


def test_training_queries_see_their_flags_zero_as_the_gun_does_when_it_aims():
    """A query's flags are 0 at aim time (set only when a nearby bullet hits later), so training compares it
    with stored waves as the gun would: its own dataset flags are not used (they would leak its label)."""
    from learning.model import GunModel, causal_neighbours, fixed_ranges
    names = ["bft", "did_hit", "abs:did_collide"]
    lo, hi = fixed_ranges(names)
    model = GunModel(names, lo, hi, scale=-3.0, max_neighbours=1, min_neighbours=1)
    raw = np.array([[10.0, 1.0, 1.0], [10.0, 0.0, 0.0], [10.0, 1.0, 1.0]])
    n = model.normalise(raw)
    q = model.at_aim_time(n)
    assert np.array_equal(q[:, 0], n[:, 0]) and (q[:, 1:] == 0).all() and n[2, 1:].tolist() == [1.0, 1.0]
    plain = GunModel(["bft"], lo[:1], hi[:1], scale=-3.0)
    first = n[:, :1]
    assert plain.at_aim_time(first) is first      # no flags: the rows as they are
    # the flagged query's nearest stored wave: by its dataset row the flagged one, at aim time the unflagged one
    stream = np.zeros(3, np.int64)
    fire = np.array([5, 0, 1])
    avail = np.array([9, 1, 2])
    E = model.embed(n)
    idx, _ = causal_neighbours(E, stream, fire, avail, [0], model)
    assert idx[0, 0] == 2
    idx, _ = causal_neighbours(E, stream, fire, avail, [0], model, query_E=model.embed(q[:1]))
    assert idx[0, 0] == 1
