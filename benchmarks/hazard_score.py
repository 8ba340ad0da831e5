"""How well pre-seeded hazard tables predict a mover's velocity commands: the log-score (nats per observed turn)
of each battle's command transitions under the corpus member of the same name, split into turns in the open
(wall bin 0) and under wall pressure, and under the battle's own counts as the probe learns them -- a fast proxy
for the play-it-forward probe's velocity model (issue 17).

    PYTHONPATH=$PWD python benchmarks/hazard_score.py CORPUS.npz [--movers orbit,...] [--seeds 0..2]
        [--geometry none,distance,reverse,both] [--prior 2,10] [--rounds 35]

Higher (closer to 0) is better. Each (geometry, prior) pair is scored on the same turns, so differences are
paired. The corpus seeds must differ from the scored ones.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import play_forward as pf  # noqa: E402


def battle_log_scores(tables, spec, seed, rules, settings):
    """Per (geometry, prior) setting: (sum of log-probabilities, turns) over open and wall turns of one battle,
    under one member's tables (c1 .. s2), an array (settings, 2, 2)."""
    _, _, r1, r0, fired, live, _ = pf.recorded_battle(spec, seed, rules)
    rnd, x, y, h, v = r1[:, 0].astype(np.int64), r1[:, 3], r1[:, 4], r1[:, 5], r1[:, 8]
    sx, sy = r0[:, 3], r0[:, 4]
    w, hgt = float(rules.width), float(rules.height)
    since_fire, travel, cmd_dir, cmd_vel, age, rows = pf.battle_transitions(rnd, v, fired, live)
    out = np.zeros((len(settings), 2, 2))
    probs = np.empty(3)
    for j in rows:
        wb, fb, ab = pf.hazard_bins(pf.wall_pressure(x[j], y[j], h[j], travel[j], sx[j], sy[j], w, hgt),
                                    since_fire[j], age[j])
        db, rb = pf.geometry_bins(x[j], y[j], h[j], travel[j], sx[j], sy[j], w, hgt)
        for k, (geometry, prior) in enumerate(settings):
            out[k, int(wb > 0), 0] += pf.command_log_prob(*tables[:7], cmd_dir[j - 1], cmd_vel[j - 1], cmd_dir[j],
                                                          cmd_vel[j], travel[j], wb, fb, ab, db, rb, geometry, prior,
                                                          probs)
            out[k, int(wb > 0), 1] += 1.0
    return out


def main(argv=None):
    from sim.cli.args import positive_int
    from sim.cli.errors import OneLineParser, UsageError, run_command
    from sim.engine.rules import Rules
    from sim.experiments.challenge import _split_names, movement_specs, parse_seeds

    def run(argv):
        p = OneLineParser(prog="hazard_score.py", description=__doc__.split("\n\n")[0],
                          formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
        p.add_argument("corpus", help="a benchmarks/hazard_corpus.py file")
        p.add_argument("--movers", default="orbit,orbit:speed_prob=0.1,stopgo:flip=0.5",
                       help="movers to score, each a member of the corpus (default the three of issue 17)")
        p.add_argument("--seeds", default="0..2", help="the scored battles' seeds (default 0..2)")
        p.add_argument("--geometry", default="none,distance,reverse,both", help="geometry modes, comma-separated")
        p.add_argument("--prior", default="2", help="pseudo-counts per level, comma-separated (default 2)")
        p.add_argument("--rounds", type=positive_int, default=35, help="rounds per battle (default 35)")
        a = p.parse_args(argv)
        names, _, corpus = pf.load_corpus(a.corpus)
        modes = a.geometry.split(",")
        bad = [m for m in modes if m not in pf.GEOMETRY]
        if bad:
            raise UsageError(f"--geometry: unknown mode {bad[0]!r} (none, distance, reverse, both)")
        try:
            priors = [float(x) for x in a.prior.split(",")]
        except ValueError:
            priors = []
        if not priors or not all(0 < x < 1e6 for x in priors):
            raise UsageError(f"--prior takes numbers in (0, 1e6), comma-separated, got {a.prior!r}")
        settings = [(pf.GEOMETRY[m], x) for m in modes for x in priors]
        seeds = parse_seeds(a.seeds)
        rules = Rules(rounds=a.rounds)
        for name in _split_names(a.movers):
            pairs = movement_specs(name)
            if not pairs or name not in names:
                raise UsageError(f"{name!r} is not a member of {a.corpus} ({', '.join(names)})")
            k = names.index(name)
            tot = sum(battle_log_scores([t[k] for t in corpus], pairs[0][1], s, rules, settings) for s in seeds)
            own, turns = 0.0, 0.0                   # the default probe: the battle's own counts, prequential
            for s in seeds:
                tables, loglik = pf.empty_tables(1), np.zeros(1)
                pf.count_into(pairs[0][1], s, rules, tables, 0, score=True, loglik=loglik)
                own, turns = own + loglik[0], turns + tables[0].sum()
            print(f"{name} the battle's own counts (prequential, geometry none, prior {pf.DEFAULT_PRIOR:g}): all "
                  f"{own / turns:.5f} nats/turn")
            for (mode, prior), t in zip([(m, x) for m in modes for x in priors], tot):
                print(f"{name} geometry {mode} prior {prior:g}: open {t[0, 0] / t[0, 1]:.5f} ({int(t[0, 1])} turns), "
                      f"wall {t[1, 0] / t[1, 1]:.5f} ({int(t[1, 1])}), all {t[:, 0].sum() / t[:, 1].sum():.5f} "
                      "nats/turn", flush=True)
        return 0
    return run_command("hazard_score.py", run, list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
