"""Peak memory of gfsim's loaders on crafted ~5 MB files (issue 16: must stay under 200 MB).

    PYTHONPATH=. python benchmarks/hostile_memory.py [--dir DIR]

Crafts, next to a baseline (the interpreter importing the loaders and loading the
shipped example replay):
* bomb.gfr      a self-consistent replay whose metadata claims 2.5 x 10^8 frames and whose
                robot members are deflated zeros (2 x 2.5 x 10^8 int8 each, ~5 MB in all);
* fits.gfr      the same with 500,000 frames, just inside the load budget's 80 MB floor (read in full:
                the worst a small crafted replay can cost);
* header.gfr    the example replay with robots.x's .npy header claiming 10^12 elements;
* header.npz    a dataset whose gun/turn header claims 10^12 rows;
* deflate.npz   a dataset padded to ~5 MB whose members are deflated (datasets are stored);
* noise.gfr     5 MB of random bytes behind a zip signature.
Each load runs in its own process under /usr/bin/time -v (maximum resident set size),
prints the loader's one-line verdict and the peak in MB.
"""
import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "sim", "data", "example.gfr")


def _header(shape, dtype):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": np.dtype(dtype).str, "fortran_order": False,
                                               "shape": tuple(shape)})
    return buf.getvalue()


def craft_bomb_replay(path, frames=250_000_000):
    with zipfile.ZipFile(EXAMPLE) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
        meta = json.loads(np.load(io.BytesIO(members["meta.npy"])).tobytes())
    meta["frames"] = frames
    meta["rounds"] = 1
    meta["rules"]["rounds"] = 1
    zeros = b"\0" * (1 << 22)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for name, data in members.items():
            if name == "meta.npy":
                buf = io.BytesIO()
                np.lib.format.write_array(buf, np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
                data = buf.getvalue()
            elif name == "rounds.turns.npy":
                buf = io.BytesIO()
                np.lib.format.write_array(buf, np.array([frames - 1], dtype="<i4"))
                data = buf.getvalue()
            elif name.startswith("robots."):
                zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                zi.compress_type = zipfile.ZIP_DEFLATED
                with out.open(zi, "w", force_zip64=True) as f:
                    f.write(_header((meta["robots"], frames), "|i1"))
                    left = meta["robots"] * frames
                    while left:
                        k = min(left, len(zeros))
                        f.write(zeros[:k])
                        left -= k
                continue
            out.writestr(name, data)


def replace_member(src, dst, name, data, compression=None):
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w") as out:
        for i in z.infolist():
            zi = zipfile.ZipInfo(i.filename, date_time=i.date_time)
            zi.compress_type = i.compress_type if compression is None else compression
            out.writestr(zi, data if i.filename == name else z.read(i.filename))


def peak_rss(code):
    proc = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    rss = next(int(line.split(":")[1]) for line in proc.stderr.splitlines() if "Maximum resident" in line)
    verdict = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr.strip().splitlines()[0]
    return rss / 1024.0, verdict


LOAD = """
import sys
from sim.io.replay import load_replay, ReplayError
from sim.io.dataset import load_dataset, DatasetError
p = {path!r}
try:
    (load_replay if p.endswith('.gfr') else load_dataset)(p)
    print('loaded')
except (ReplayError, DatasetError) as e:
    print('refused:', str(e)[len(p) + 2:][:90])
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=None, help="where to write the crafted files (default: a temp folder)")
    args = ap.parse_args()
    d = args.dir or tempfile.mkdtemp(prefix="gfsim-hostile-")
    os.makedirs(d, exist_ok=True)
    from learning.train import write_synthetic_dataset
    ds = os.path.join(d, "real.npz")
    write_synthetic_dataset(ds, battles=4, rounds=4, turns=600)
    files = {}
    files["bomb.gfr"] = os.path.join(d, "bomb.gfr")
    craft_bomb_replay(files["bomb.gfr"])
    files["fits.gfr"] = os.path.join(d, "fits.gfr")
    craft_bomb_replay(files["fits.gfr"], frames=500_000)     # ~95% of the 80 MB floor: read in full
    files["header.gfr"] = os.path.join(d, "header.gfr")
    replace_member(EXAMPLE, files["header.gfr"], "robots.x.npy", _header((2, 5 * 10 ** 11), "<i2") + b"\0" * 4096)
    files["header.npz"] = os.path.join(d, "header.npz")
    replace_member(ds, files["header.npz"], "gun/turn.npy", _header((10 ** 12,), "<i4") + b"\0" * 4096)
    files["deflate.npz"] = os.path.join(d, "deflate.npz")
    replace_member(ds, files["deflate.npz"], None, None, compression=zipfile.ZIP_DEFLATED)
    files["noise.gfr"] = os.path.join(d, "noise.gfr")
    with open(files["noise.gfr"], "wb") as f:
        f.write(b"PK\x03\x04" + np.random.default_rng(16).bytes(5 << 20))
    base, _ = peak_rss(LOAD.format(path=EXAMPLE))
    print(f"baseline (imports + the shipped example replay): {base:.0f} MB")
    worst = 0.0
    for name, p in files.items():
        mb, verdict = peak_rss(LOAD.format(path=p))
        worst = max(worst, mb)
        print(f"{name:<12} {os.path.getsize(p) / 1e6:6.2f} MB file  peak {mb:6.0f} MB  {verdict}")
    print(f"worst peak {worst:.0f} MB (target < 200 MB)")


if __name__ == "__main__":
    main()
