"""`gfsim tournament`: a round robin of bots over seeded seasons, scored the way LiteRumble scores.

    gfsim tournament BOT BOT [BOT...] [--seasons 10 | --seeds 0..9] [--rounds 35] [--dir DIR]
                     [--jobs J | --scheduler ADDRESS] [--json]

Every pair of bots plays one battle of --rounds rounds per season (seed), the same seeds for every pair.
Per battle, a bot's percentage score is its total score / both bots' total (Robocode's rank %), its survival
the share of rounds it won. Per bot, as LiteRumble:

* APS, average percentage score: the mean over its opponents of its percentage score against each;
* PWIN: the share of its pairings it won (mean percentage score over the seasons above 50%; a tie counts
  half);
* survival: the mean over its opponents of its survival %.

Intervals (95% Student-t over the seasons): a bot's APS and survival per season (mean over opponents in that
season), and its season PWIN (pairings won in that season). Resumable: with --dir DIR every finished battle
is kept in DIR/battles.jsonl, and the same command again plays only the battles still missing.
"""
import argparse
import os
import sys
import time

import numpy as np

from sim.cli.args import add_progress_flags, positive_int, seed_list
from sim.cli.errors import UsageError, run_command
from sim.cli.output import json_text
from sim.engine.rules import rules_from_args
from sim.experiments import runner as R

from sim.cli.errors import EXIT_BAD_INPUT  # noqa: E402,F401  (re-exported: the exit code of bad input)
BATTLE_JOURNAL = "battles.jsonl"


class TournamentError(UsageError):
    """A user-facing problem: one line on stderr, exit code 2."""


def play(bots, seeds, rules, jobs=1, scheduler=None, study_dir=None, progress=None):
    """Play every pair on every seed; returns the summary dict. `bots`: [(label, spec)]."""
    n = len(bots)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    tasks = [R.make_task((bots[i][1], bots[j][1]), (), rules, s) for i, j in pairs for s in seeds]
    cache = R.BattleCache(os.path.join(study_dir, BATTLE_JOURNAL)) if study_dir else None
    t0 = time.perf_counter()
    with R.Runner(jobs=jobs, scheduler=scheduler, cache=cache) as runner:
        results = runner.run(tasks, on_result=progress)
        played, reused = runner.played, runner.reused
    wall = time.perf_counter() - t0
    ns = len(seeds)
    share = np.full((n, n, ns), np.nan)     # share[i, j, s]: i's percentage score against j in season s
    surv = np.full((n, n, ns), np.nan)
    k = 0
    for i, j in pairs:
        for s in range(ns):
            r = results[k]
            k += 1
            share[i, j, s], share[j, i, s] = R.metric(r, "score_share", 0), R.metric(r, "score_share", 1)
            surv[i, j, s], surv[j, i, s] = R.metric(r, "survival", 0), R.metric(r, "survival", 1)
    return summarize(bots, seeds, rules, share, surv, results, played, reused, wall, jobs, scheduler)


def summarize(bots, seeds, rules, share, surv, results, played, reused, wall, jobs, scheduler):
    from sim.experiments.challenge import mean_ci
    import warnings
    n = len(bots)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        pair_mean = np.nanmean(share, axis=2)                 # (n, n)
        for i, (label, spec) in enumerate(bots):
            others = [j for j in range(n) if j != i]
            aps_season = np.nanmean(share[i, others], axis=0)
            surv_season = np.nanmean(surv[i, others], axis=0)
            won = np.where(share[i, others] > 50.0, 1.0, np.where(share[i, others] == 50.0, 0.5, 0.0))
            pwin_season = 100.0 * won.mean(axis=0)
            pm = pair_mean[i, others]
            pwin = 100.0 * float(np.mean(np.where(pm > 50.0, 1.0, np.where(pm == 50.0, 0.5, 0.0))))
            rows.append(dict(name=label, spec=spec, aps=mean_ci(aps_season), pwin=pwin,
                             pwin_season=mean_ci(pwin_season), survival=mean_ci(surv_season),
                             battles=len(others) * len(seeds)))
    order = sorted(range(n), key=lambda i: -rows[i]["aps"]["mean"])
    for rank, i in enumerate(order, start=1):
        rows[i]["rank"] = rank
    return dict(rules=rules.as_dict(), seeds=list(seeds), confidence=0.95, bots=[rows[i] for i in order],
                pairs=[dict(bot=bots[i][0], opponent=bots[j][0], score_share=float(pair_mean[i, j]))
                       for i in range(n) for j in range(n) if i != j],
                battles=len(results), battles_played=played, battles_reused=reused,
                turns=int(sum(r["turns"] for r in results)), battle_time=float(sum(r["wall"] for r in results)),
                wall_time=wall, jobs=None if scheduler else jobs, scheduler=scheduler)


def _cell(c, digits=1):
    if not c["n"] or not np.isfinite(c["mean"]):
        return "-"
    half = "n/a" if not np.isfinite(c["half"]) else f"{c['half']:.{digits}f}"
    return f"{c['mean']:.{digits}f} ± {half}"


def format_table(summary):
    s = summary
    lines = [f"Round robin: {len(s['bots'])} bots, {len(s['seeds'])} seasons x {s['rules']['rounds']} rounds "
             f"(mean ± {s['confidence']:.0%} CI over seasons)"]
    head = ["Rank", "Bot", "APS %", "PWIN %", "PWIN/season %", "Survival %", "Battles"]
    rows = [[str(b["rank"]), b["name"], _cell(b["aps"]), f"{b['pwin']:.1f}", _cell(b["pwin_season"]),
             _cell(b["survival"]), str(b["battles"])] for b in s["bots"]]
    w = [max(len(h), *(len(r[k]) for r in rows)) for k, h in enumerate(head)]
    lines.append("  ".join(h.ljust(w[k]) if k == 1 else h.rjust(w[k]) for k, h in enumerate(head)))
    for r in rows:
        lines.append("  ".join(c.ljust(w[k]) if k == 1 else c.rjust(w[k]) for k, c in enumerate(r)))
    names = [b["name"] for b in s["bots"]]
    cells = {(p["bot"], p["opponent"]): p["score_share"] for p in s["pairs"]}
    lines.append("")
    lines.append("percentage score of the row bot against the column bot (mean over seasons)")
    short = [f"#{k + 1}" for k in range(len(names))]
    head = ["bot"] + short
    table = [[f"#{k + 1} {a}"] + ["-" if a == b else f"{cells[(a, b)]:.1f}" for b in names]
             for k, a in enumerate(names)]
    w = [max(len(h), *(len(t[k]) for t in table)) for k, h in enumerate(head)]
    lines.append("  ".join(h.ljust(w[k]) if k == 0 else h.rjust(w[k]) for k, h in enumerate(head)))
    for t in table:
        lines.append("  ".join(c.ljust(w[k]) if k == 0 else c.rjust(w[k]) for k, c in enumerate(t)))
    lines.append("")
    lines.append(f"{s['battles']} battles ({s['battles_played']} played, {s['battles_reused']} read back), "
                 f"{s['turns']:,} turns in {s['wall_time']:.1f} s wall")
    return "\n".join(lines)


def build_parser(prog):
    class P(argparse.ArgumentParser):
        def error(self, message):
            raise TournamentError(message)
    p = P(prog=prog, formatter_class=argparse.RawDescriptionHelpFormatter,
          description="Round robin: every pair of bots plays one battle per season (the same seeds for every "
                      "pair); a LiteRumble-style table of APS, PWIN and survival with 95% intervals.",
          epilog=__doc__.split("\n\n", 2)[2])
    p.add_argument("bots", nargs="+", metavar="BOT", help="bot specs or `gfsim tune` best.json files (2 or more)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--seasons", type=positive_int, default=None, help="seasons, seeds 0..N-1 (default 10)")
    g.add_argument("--seeds", default=None, help="the seasons' seeds instead: 7, 1,2,5 or 0..9")
    p.add_argument("--rounds", type=positive_int, default=35, help="rounds per battle (default 35)")
    p.add_argument("--field", default="800x600", help="battlefield WIDTHxHEIGHT (default 800x600)")
    p.add_argument("--gun-cooling", type=float, default=0.1, help="gun cooling rate per turn (default 0.1)")
    p.add_argument("--inactivity", type=int, default=450, help="inactivity time in turns (default 450)")
    p.add_argument("--dir", default=None, metavar="DIR",
                   help="keep every finished battle in DIR/battles.jsonl; the same command again resumes")
    j = p.add_mutually_exclusive_group()
    j.add_argument("--jobs", type=positive_int, default=None,
                   help=f"battles in parallel local processes (default: the CPUs, here {R.default_jobs()})")
    j.add_argument("--scheduler", default=None, metavar="ADDRESS", help="play on a Dask cluster")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    add_progress_flags(p)
    return p


def main(argv=None, prog="gfsim tournament"):
    argv = list(sys.argv[1:] if argv is None else argv)
    return run_command(prog, lambda a: _main(a, prog), argv)


def _main(argv, prog):
    """The command inside the shared error boundary (sim/cli/errors.py): bad input is one line, exit 2."""
    bar = None
    try:
        args = build_parser(prog).parse_args(argv)
        if len(args.bots) < 2:
            raise TournamentError("a tournament needs at least 2 bots")
        try:
            seeds = seed_list(args.seeds, 100_000, "season") if args.seeds else list(range(args.seasons or 10))
        except ValueError as e:
            raise TournamentError(str(e)) from None
        rules = rules_from_args(args, error=TournamentError)
        from bots.registry import BotSpecError
        bots = []
        for b in args.bots:
            spec = R.absolute_spec(R.load_bot_arg(b))
            try:
                R._parse(spec)
            except BotSpecError as e:
                raise TournamentError(str(e)) from None
            if any(b == l for l, _ in bots):
                raise TournamentError(f"bot {b!r} is listed twice")
            bots.append((b, spec))
        if args.dir:
            if os.path.exists(args.dir) and not os.path.isdir(args.dir):
                raise TournamentError(f"--dir {args.dir} is a file, not a folder")
            os.makedirs(args.dir, exist_ok=True)
        show = args.progress if args.progress is not None else (sys.stderr.isatty() and not args.json)
        update = None
        if show:
            from tqdm import tqdm
            n = len(bots) * (len(bots) - 1) // 2 * len(seeds)
            bar = tqdm(total=n, desc="tournament", unit="battle", file=sys.stderr, leave=False)

            def update(k, r):
                bar.update(1)
        summary = play(bots, seeds, rules, jobs=args.jobs or R.default_jobs(), scheduler=args.scheduler,
                       study_dir=args.dir, progress=update)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        sys.stdout.write(json_text(summary))
    else:
        print(format_table(summary))
    return 0


if __name__ == "__main__":
    from sim.cli.errors import exit_with
    exit_with(main())
