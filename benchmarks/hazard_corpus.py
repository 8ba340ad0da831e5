"""Pre-seeded hazard tables for the play-it-forward probe (benchmarks/play_forward.py --corpus, issue 17): the
velocity-command counts of earlier battles, one corpus member per mover, written as a plain npz.

    PYTHONPATH=$PWD python benchmarks/hazard_corpus.py OUT.npz [--movers orbit,stopgo,...] [--seeds 1000..1002]
        [--rounds 35] [--no-geometry]

The `forecast` gun's shipped corpus, bots/models/forecast-corpus.npz, is this recipe (8 movers, 96 battles, ~5
minutes on one core):

    PYTHONPATH=$PWD python benchmarks/hazard_corpus.py bots/models/forecast-corpus.npz --seeds 1000..1011 --no-geometry

Each member sums the counts (`play_forward.count_battle`, exactly what the probe learns from a whole battle) of
the challenge's shooter against that mover on every seed. The probe is not told which mover it faces: each of its
futures plays a member drawn with the likelihood of the battle's transitions so far, or the battle's own counts.
Corpus seeds must differ from the evaluated ones (the default 1000.. is used by nothing else).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import play_forward as pf  # noqa: E402

DEFAULT_MOVERS = ("orbit,orbit:speed_prob=0.1,stopgo:flip=0.5,stopgo,surf,sample.Crazy,sample.Walls,"
                  "sample.SpinBot")


def build(movers, seeds, rules, progress=None):
    """(names, sources, tables) of one member per (label, spec) in `movers`: its battles on `seeds` counted in
    turn into the member's tables (counts summed; the max-velocity rings keep the newest values)."""
    tables = pf.empty_tables(len(movers))
    for k, (_, spec) in enumerate(movers):
        for s in seeds:
            pf.count_into(spec, s, rules, tables, k)
            if progress:
                progress()
    sources = [f"{spec} vs {pf.SHOOTER}, seeds {','.join(str(s) for s in seeds)}, {rules.rounds} rounds"
               for _, spec in movers]
    return [label for label, _ in movers], sources, tables


def main(argv=None):
    from bots.registry import BotSpecError, parse_bot
    from sim.cli.args import add_progress_flags, positive_int, progress_bar
    from sim.cli.errors import OneLineParser, UsageError, run_command
    from sim.engine.rules import Rules
    from sim.experiments.challenge import _split_names, movement_specs, parse_seeds

    def run(argv):
        p = OneLineParser(prog="hazard_corpus.py", description=__doc__.split("\n\n")[0],
                          formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
        p.add_argument("out", metavar="OUT.npz", help="the corpus file to write")
        p.add_argument("--movers", default=DEFAULT_MOVERS,
                       help="movement parts or sample robots, comma-separated, one member each (default "
                       f"{DEFAULT_MOVERS})")
        p.add_argument("--seeds", default="1000..1002", help="the battles' seeds (default 1000..1002)")
        p.add_argument("--rounds", type=positive_int, default=35, help="rounds per battle (default 35)")
        p.add_argument("--no-geometry", action="store_true",
                       help="drop the geometry-level table (play_forward.py --geometry): the gun's corpus, a tenth "
                       "of the size")
        add_progress_flags(p)
        a = p.parse_args(argv)
        movers = []
        for name in _split_names(a.movers):
            pairs = movement_specs(name)
            if not pairs or len(pairs) != 1:
                raise UsageError(f"unknown movement {name!r}; `gfsim bots` lists them")
            try:
                parse_bot(pairs[0][1])
            except BotSpecError as e:
                raise UsageError(f"movement {name!r}: {e}") from None
            if any(name == m for m, _ in movers):
                raise UsageError(f"movement {name!r} is listed twice")
            movers.append(pairs[0])
        if not movers:
            raise UsageError("no movement to count")
        seeds = parse_seeds(a.seeds)
        if not a.out.endswith(".npz"):
            raise UsageError(f"{a.out}: the corpus is an .npz file (name it OUT.npz)")
        if os.path.isdir(a.out) or not os.path.isdir(os.path.dirname(os.path.abspath(a.out))):
            raise UsageError(f"cannot write {a.out}: a directory, or its directory does not exist")
        show = a.progress if a.progress is not None else sys.stderr.isatty()
        bar, update = progress_bar(len(movers) * len(seeds), show, "corpus battles", unit="battle")
        done = [0]

        def step():
            done[0] += 1
            if update:
                update(done[0])
        names, sources, tables = build(movers, seeds, Rules(rounds=a.rounds), step)
        if bar:
            bar.close()
        pf.save_corpus(a.out, names, sources, tables, geometry=not a.no_geometry)
        for name, c1 in zip(names, tables[0]):
            print(f"{name}: {int(c1.sum())} turns counted")
        print(f"wrote {a.out}: {len(names)} members")
        return 0
    return run_command("hazard_corpus.py", run, list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
