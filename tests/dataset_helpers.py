"""Helpers the dataset-schema tests share: older-schema copies of a file, and a learned gun's store matched to
the dataset rows of the same waves."""
import io
import json
import zipfile

import numpy as np

from sim.io import dataset as D


def as_version(src, dst, version):
    """A copy of a dataset file as schema `version` wrote it: without the columns added after it."""
    newer = {c for c, v in D.ADDED_IN.items() if v > version}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        meta = json.loads(str(np.load(io.BytesIO(zin.read("meta.npy")))))
        meta["schema_version"] = version
        for t in meta["tables"].values():
            t["columns"] = {c: d for c, d in t["columns"].items() if c not in newer}
        for info in zin.infolist():
            name = info.filename
            if name == "meta.npy":
                buf = io.BytesIO()
                np.save(buf, np.array(json.dumps(meta)))
                zout.writestr(name, buf.getvalue())
            elif name.split("/")[-1][:-4] not in newer:
                zout.writestr(name, zin.read(name))


def learned_store_vs_dataset(spec, enemy, rounds=3, seed=5):
    """Play the parsed bot `spec` (a learned gun) against `enemy` and match every wave its learned store holds to
    the dataset's gun row of the same wave by its hit interval (to 1e-9). Returns (gun memory, the store's
    embedded feature columns, waves stored n, the dataset's gun columns, the matched row of each stored wave)."""
    from scipy.spatial import cKDTree

    from bots import layout
    from bots.guns import wave_kernels as wg
    from sim.engine.battle import run_battle
    from sim.engine.rules import Rules
    from sim.waves.tracking import battle_waves
    r = run_battle([spec, enemy], Rules(rounds=rounds), seed=seed, record=True, keep_memory=True)
    m = r.memory[0, int(spec.params[layout.P.gun_mem]):]
    mb = m[int(m[wg.WH_LEARNED]):]
    n = int(mb[wg.MH_N])
    E, glo, ghi = wg._store_cols(mb)
    g = battle_waves(r)["gun"]["columns"]
    sel = (g["shooter"] == 0) & (g["status"] == 0) & (g["exact"] == 1)
    d, i = cKDTree(np.stack([g["gf_lo"][sel], g["gf_hi"][sel]], 1)).query(np.stack([glo[:n], ghi[:n]], 1))
    assert n > 500 and d.max() < 1e-9
    return m, E, n, g, np.flatnonzero(sel)[i]
