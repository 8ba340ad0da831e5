"""The shipped learned-gun models' recipe: collect a corpus of many movers, train the main and the anti-surfer model.

    PYTHONPATH=$PWD python benchmarks/learned_corpus.py --data-dir corpus/ \
        [--out bots/models/learned-stick.json] [--anti-out bots/models/learned-anti-flags.json]

1. `gfsim collect` the challenge's shooter (lock+headon:power=3,energy_rule=0+still: it fires when its gun is
   cool, like every challenge gun) against each mover of CORPUS on seeds 1000 and up (the challenge and the
   measurements in docs/learning.md use seeds 0..999, so the model never saw them); files that exist are kept.
2. `gfsim train` on all files at once (a corpus: battles renumbered, each file's last quarter held out),
   robot 0's waves only (the shooter's, aimed at the mover), the loss measured on real-bullet waves only
   (`--queries real`: what a gun is scored on; their neighbours are every stored wave): the main model, with
   `gfsim train`'s default features (schema 3: with the mirror offset and the stick turns along the heading).
3. The anti-surfer model (BeepBoop's second model, which the learned gun's switch `anti_band` aims with while its
   hit rate is low): learning.model.ANTI_SURFER_FEATURES (no power, no shots fired, dist10 for dist20, the two
   flags did_hit and did_collide), up to 100 neighbours, trained on ANTI_DATA: `learned-surf` = the default
   learned gun's 4 battles against the surfer (default: the flags need a shooter that hits), `surf` = the corpus's
   surfer file alone, `all` = the whole corpus (docs/learning.md "Two models and the mirror offset").

The command lines it runs are printed first. Its outputs are the shipped bots/models/learned-stick.json (the main
model: `gfsim train`'s default features, fixed scales) and bots/models/learned-anti-flags.json (the anti-surfer
model with the flags); on the shared 2-core machine collecting took about three minutes (the learned-surf file 35 s
more) and training 257 s (main, 968,120 waves) and 29 s (anti-surfer, 132,809 waves). Neither is the learned gun's
default (measured no better, docs/learning.md "Anti-surfer flags and the stick along the heading"). The previous
version of this recipe (22 features + the mirror offset; the anti-surfer model without flags or the stick turns,
from the `surf` file) built bots/models/learned-schema3.json and bots/models/learned-anti.json; the default
bots/models/learned-schema2.json was built by the schema-2 version (the same corpus before the surfer's later
changes, the 22 features without the mirror offset); bots/models/learned-corpus.json by the schema-1 version (14
movers, no TrackFire).
"""
import argparse
import os
import subprocess
import sys

SHOOTER = "lock+headon:power=3,energy_rule=0+still"
# (file stem, mover, seeds): the random movers of the challenge get more battles than the sample robots
# (sample.TrackFire, left out of the first corpus model because the readers refused its last shot of power < 0.1,
# is back since the schema-2 rebuild)
RANDOM_MOVERS = (
    ("orbit", "lock+none+orbit", "1000..1007"),
    ("speed", "lock+none+orbit:speed_prob=0.1", "1000..1005"),
    ("stopgo05", "lock+none+stopgo:flip=0.5", "1000..1005"),
    ("stopgo", "lock+none+stopgo", "1000..1002"),
    ("surf", "lock+none+surf", "1000..1002"),
)
SAMPLES = ("Crazy", "SpinBot", "Walls", "Tracker", "RamFire", "Fire", "Corners", "Target", "VelociRobot", "TrackFire")
SAMPLE_SEEDS = "1000..1001"


def corpus(sample_seeds=SAMPLE_SEEDS):
    return RANDOM_MOVERS + tuple((name, f"sample.{name}", sample_seeds) for name in SAMPLES)


CORPUS = corpus()
TRAIN = ("--shooter", "0", "--queries", "real", "--epochs", "5", "--max-queries", "20000", "--max-val", "10000")
ANTI_K = "100"
ANTI_DATA = ("surf", "all", "learned-surf")
# the anti-surfer flags (did_hit, did_collide) say something only where the shooter hits: the head-on shooter
# almost never hits the surfer, so `learned-surf` trains the anti-surfer model on the default learned gun's waves
# against the surfer instead (its real bullets hit about 12% of the time)
LEARNED_SHOOTER = "lock+learned:power=3,energy_rule=0+still"
LEARNED_SURF = ("learned_surf", "lock+none+surf", "1000..1003")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", required=True, help="folder for the corpus datasets (kept between runs)")
    p.add_argument("--out", default=os.path.join("bots", "models", "learned-stick.json"), help="the main model")
    p.add_argument("--anti-out", default=os.path.join("bots", "models", "learned-anti-flags.json"),
                   help="the anti-surfer model")
    p.add_argument("--anti-data", choices=ANTI_DATA, default="learned-surf",
                   help="the anti-surfer model's training files: the default learned gun's battles against the "
                        "surfer (learned-surf, default), the corpus's surfer file (surf) or the whole corpus (all)")
    p.add_argument("--only", choices=("both", "main", "anti"), default="both", help="which model(s) to train")
    p.add_argument("--sample-seeds", default=SAMPLE_SEEDS,
                   help=f"seeds of each sample robot's battles (default {SAMPLE_SEEDS}; files that exist are kept, "
                        "so use a fresh --data-dir when changing it)")
    p.add_argument("--dry-run", action="store_true", help="print the commands only")
    a = p.parse_args(argv)
    gfsim = [sys.executable, "-m", "sim.cli"]
    files, cmds = [], []
    for stem, mover, seeds in corpus(a.sample_seeds):
        path = os.path.join(a.data_dir, f"tr_{stem}.npz")
        files.append(path)
        if not os.path.exists(path):
            cmds.append(gfsim + ["collect", SHOOTER, mover, "--seeds", seeds, "--out", path, "--no-progress"])
    from learning.model import ANTI_SURFER_FEATURES
    if a.only in ("both", "main"):
        cmds.append(gfsim + ["train", *files, *TRAIN, "--out", a.out])
    if a.only in ("both", "anti"):
        anti_files = files if a.anti_data == "all" else [os.path.join(a.data_dir, "tr_surf.npz")]
        if a.anti_data == "learned-surf":
            stem, mover, seeds = LEARNED_SURF
            anti_files = [os.path.join(a.data_dir, f"tr_{stem}.npz")]
            if not os.path.exists(anti_files[0]):
                cmds.append(gfsim + ["collect", LEARNED_SHOOTER, mover, "--seeds", seeds, "--out", anti_files[0],
                                     "--no-progress"])
        cmds.append(gfsim + ["train", *anti_files, *TRAIN, "--features", ",".join(ANTI_SURFER_FEATURES),
                             "--k", ANTI_K, "--out", a.anti_out])
    for c in cmds:
        print("gfsim " + " ".join(c[3:]), flush=True)
    if a.dry_run:
        return 0
    os.makedirs(a.data_dir, exist_ok=True)
    for c in cmds:
        subprocess.run(c, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
