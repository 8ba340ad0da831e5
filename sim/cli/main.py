"""The `gfsim` command: battles, bots, scenarios and conformance with real Robocode.

Bad input (unknown bots, bad parameters, unreadable files) is reported as one
line on stderr with exit code 2; nothing is written in that case.
"""
import os
import sys

from sim.engine.rules import rules_from_args
from sim.cli.args import (add_parts_flag, add_progress_flags, add_rules_args, progress_bar, seed_type,
                          bounded_float, bounded_int, MAX_JOBS, MAX_TOL)
from sim.cli.output import json_text
from sim.cli.errors import (UsageError, OneLineParser, run_command, check_outputs, EXIT_BAD_INPUT)

CliError = UsageError   # the name this module used before sim.cli.errors


def load_plugins(paths, error):
    """Load the plug-in files of --parts (compiling their hooks the first time), or raise `error`."""
    if not paths:
        return None
    from bots.plugins import load_plugin, PluginError
    say = lambda text: print(f"gfsim: {text}", file=sys.stderr, flush=True)  # noqa: E731
    try:
        return [load_plugin(p, progress=say) for p in paths]
    except PluginError as e:
        raise error(str(e)) from None


def _bot_args(args):
    """The two bot arguments as spec strings (a `gfsim tune` best.json stands for its spec)."""
    from sim.experiments.runner import load_bot_arg, TaskError
    try:
        return [load_bot_arg(args.bot_a), load_bot_arg(args.bot_b)]
    except TaskError as e:
        raise CliError(str(e)) from None


def cmd_battle(args):
    from bots.registry import parse_bot, BotSpecError
    from sim.engine.battle import run_battle, format_table, warm_up
    rules = rules_from_args(args, error=CliError)
    plugins = load_plugins(args.parts, CliError)
    args.bot_a, args.bot_b = _bot_args(args)
    try:
        bots = [parse_bot(args.bot_a, plugins), parse_bot(args.bot_b, plugins)]
    except BotSpecError as e:
        raise CliError(str(e)) from None
    if args.seeds is not None:
        return _battle_seeds(args, rules)
    show = args.progress if args.progress is not None else (sys.stderr.isatty() and not args.json)
    if args.dataset and not args.dataset.endswith(".npz"):
        raise CliError(f"--dataset must name a .npz file, got {args.dataset!r}")
    record_path = None
    if args.virtual_waves and args.record is None:
        raise CliError("--virtual-waves goes with --record (it adds the waves of turns without a bullet to the replay)")
    if args.record is not None:
        from sim.io.replay import default_replay_path
        record_path = args.record or default_replay_path([args.bot_a, args.bot_b], args.seed)
        import os
        os.makedirs(os.path.dirname(os.path.abspath(record_path)), exist_ok=True)
    check_outputs([("--dataset", args.dataset), ("--record", record_path)])
    compile_time = warm_up(bots)
    bar, update = progress_bar(rules.rounds, show, "battle")
    try:
        if record_path is not None or args.dataset:
            result = _record_battle(args, bots, rules, record_path, update)
        else:
            result = run_battle(bots, rules, seed=args.seed, progress=update)
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        out = result.as_dict()
        out["compile_time"] = compile_time
        sys.stdout.write(json_text(out))
    else:
        print(format_table(result))
        rate = result.total_turns / result.wall_time if result.wall_time > 0 else float("inf")
        print(f"{result.total_turns} turns in {result.wall_time:.3f} s ({rate:,.0f} turns/s), seed {args.seed}")
        if record_path is not None:
            print(f"replay written to {record_path}")
        if args.dataset:
            print(f"waves written to {args.dataset}")
    return 0


def _record_battle(args, bots, rules, record_path, progress):
    """`battle --record/--dataset`: the battle streamed to its files a few rounds at a time (sim/io/streaming.py),
    so memory stays bounded whatever --rounds is; both files appear only when the battle is complete."""
    import contextlib
    from sim.io.streaming import stream_battle, ReplaySink, DatasetSink
    from sim.io.dataset import DatasetWriter, base_meta, DEFAULT_CHUNK_ROWS
    with contextlib.ExitStack() as stack:
        sinks = []
        if args.dataset:
            wr = stack.enter_context(DatasetWriter(args.dataset, base_meta(rules, bots), chunk_rows=DEFAULT_CHUNK_ROWS))
            sinks.append(DatasetSink(wr, 0, bots))
        if record_path is not None:
            sinks.append(ReplaySink(record_path, bots, virtual_waves=args.virtual_waves))
        result, _ = stream_battle(bots, rules, args.seed, sinks, progress=progress)
        if args.dataset:
            wr.close()
    return result


SEED_COLUMNS = (("score", "Total Score", 0), ("score_share", "Score %", 1), ("survival", "Survival %", 1),
                ("damage", "Bullet Dmg", 0), ("shots", "Shots", 0), ("hits", "Hits", 0), ("hit_rate", "Hit %", 1))


def _battle_seeds(args, rules):
    """`gfsim battle A B --seeds 1..10`: one battle per seed, each robot's numbers as mean ± 95% CI over seeds."""
    from sim.cli.args import seed_list
    from sim.experiments import runner as R
    from sim.experiments.challenge import mean_ci
    if args.record is not None or args.dataset:
        raise CliError("--record and --dataset play one seed: not with --seeds")
    try:
        seeds = seed_list(args.seeds, 100_000, "battle")
    except ValueError as e:
        raise CliError(str(e)) from None
    specs = [R.absolute_spec(args.bot_a), R.absolute_spec(args.bot_b)]
    tasks = [R.make_task(specs, [os.path.abspath(p) for p in args.parts], rules, s) for s in seeds]
    show = args.progress if args.progress is not None else (sys.stderr.isatty() and not args.json)
    bar = None
    if show:
        from tqdm import tqdm
        bar = tqdm(total=len(tasks), desc="battle", unit="battle", file=sys.stderr, leave=False)
    try:
        with R.Runner(jobs=args.jobs or 1) as runner:
            results = runner.run(tasks, on_result=(lambda k, r: bar.update(1)) if bar else None)
    finally:
        if bar is not None:
            bar.close()
    robots = []
    for slot, name in enumerate(specs):
        per = dict(score=[r["score"][slot] for r in results],
                   score_share=[R.metric(r, "score_share", slot) for r in results],
                   survival=[R.metric(r, "survival", slot) for r in results],
                   damage=[r["damage"][slot] for r in results], shots=[r["shots"][slot] for r in results],
                   hits=[r["hits"][slot] for r in results],
                   hit_rate=[100.0 * r["hits"][slot] / r["shots"][slot] if r["shots"][slot] else float("nan")
                             for r in results])
        robots.append(dict(name=name, per_seed=per, **{k: mean_ci(v) for k, v in per.items()}))
    turns = sum(r["turns"] for r in results)
    wall = sum(r["wall"] for r in results)
    if args.json:
        sys.stdout.write(json_text(dict(rules=rules.as_dict(), seeds=seeds, confidence=0.95, robots=robots,
                                        total_turns=turns, battle_time=wall)))
        return 0
    print(f"Results for {len(seeds)} seeds x {rules.rounds} rounds (mean ± 95% CI over seeds; "
          f"hit % per seed, seeds without a shot left out)")
    head = ["Robot Name"] + [h for _, h, _ in SEED_COLUMNS]

    def cell(c, digits):
        if not c["n"]:
            return "-"
        half = "n/a" if c["n"] < 2 else f"{c['half']:.{digits}f}"
        return f"{c['mean']:.{digits}f} ± {half}"
    rows = [[r["name"]] + [cell(r[k], d) for k, _, d in SEED_COLUMNS] for r in robots]
    widths = [max(len(h), *(len(row[k]) for row in rows)) for k, h in enumerate(head)]
    print("  ".join(h.ljust(widths[k]) if k == 0 else h.rjust(widths[k]) for k, h in enumerate(head)))
    for row in rows:
        print("  ".join(c.ljust(widths[k]) if k == 0 else c.rjust(widths[k]) for k, c in enumerate(row)))
    rate = turns / wall if wall > 0 else float("inf")
    print(f"{len(seeds)} battles, {turns} turns in {wall:.3f} s of battles ({rate:,.0f} turns/s), "
          f"seeds {args.seeds}")
    return 0


def cmd_bots(args):
    from bots.registry import list_bots, DEFAULT_PARTS
    info = list_bots(load_plugins(args.parts, CliError))
    if args.json:
        out = {"samples": [dict(name=n, advanced=a, doc=d) for n, a, d in info["samples"]],
               "parts": [dict(name=e.part.name, role=e.part.role, category=e.part.role, doc=e.part.doc,
                              learns=e.part.learns, plugin=e.plugin.path if e.plugin else None,
                              default=DEFAULT_PARTS.get(e.part.role) == e.part.name,
                              params=[dict(name=p.name, kind=p.kind, default=p.default, doc=p.doc,
                                           **({} if p.kind == "path" else dict(min=p.lo, max=p.hi)))
                                      for p in e.part.params]) for e in info["parts"]]}
        sys.stdout.write(json_text(out))
        return 0
    print("Sample robots (ports of Robocode's sample.*):")
    for name, advanced, doc in info["samples"]:
        print(f"  {name:<22} {'AdvancedRobot' if advanced else 'Robot':<13} {doc}")
    print("\nComposite bots: join one radar, gun and movement with '+', e.g. lock+circular:power=2+orbit")
    print("(parts left out default to " + ", ".join(f"{k} {v}" for k, v in DEFAULT_PARTS.items()) + ")")
    cat = None
    for e in info["parts"]:
        c = e.part
        if c.role != cat:
            cat = c.role
            print(f"\n  {cat}:")
        where = f"  [plug-in {e.plugin.path}]" if e.plugin else ""
        print(f"    {c.name:<12} {c.doc}{where}")
        for p in c.params:
            if p.kind == "path":
                print(f"        {p.name}=FILE  {p.doc}")
            else:
                print(f"        {p.name}={p.default:g}  [{p.lo:g} .. {p.hi:g}]  {p.doc}")
    return 0


def _load_scenario(path):
    from sim.io.scenario import load_scenario
    return load_scenario(path)


def cmd_scenario_run(args):
    from sim.experiments.conformance import run_scenario
    from sim.io.scenario import write_trace_csv, write_bullets_csv
    check_outputs([("--out", args.out), ("--bullets", args.bullets)], inputs=[("FILE", args.file)])
    s = _load_scenario(args.file)
    robots, bullets = run_scenario(s)
    write_trace_csv(args.out, robots)
    if args.bullets:
        write_bullets_csv(args.bullets, bullets)
    print(f"{args.file}: {len(robots)} robot rows -> {args.out}"
          + (f", {len(bullets)} bullet rows -> {args.bullets}" if args.bullets else ""))
    return 0


def cmd_conform(args):
    import glob
    import os
    from sim.experiments.conformance import run_scenario
    from sim.io.scenario import compare_traces
    from sim.io import robocode as robocode_real
    if not robocode_real.robocode_available():
        raise CliError("real Robocode is not installed (apt-get install robocode, or set GFSIM_ROBOCODE_JAR)")
    files = args.scenarios or sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "scenarios", "*.json")))
    if not files:
        raise CliError("no scenario files given or shipped")
    failed = 0
    report = []
    for f in files:
        s = _load_scenario(f)
        ours = run_scenario(s)
        try:
            real = robocode_real.run_real_scenario(s)
        except robocode_real.RobocodeError as e:     # one line by design (Java, javac, a planted cache...)
            raise CliError(f"{f}: real Robocode: {e}") from None
        div = compare_traces(ours, real, tol=args.tol)
        ok = div is None
        failed += not ok
        report.append(dict(scenario=f, ok=ok, divergence=None if ok else str(div)))
        if not args.json:
            print(f"{'PASS' if ok else 'FAIL'}  {os.path.basename(f)}" + ("" if ok else f"  {div}"))
    if args.json:
        sys.stdout.write(json_text(report))
    else:
        print(f"{len(files) - failed} passed, {failed} failed")
    return 1 if failed else 0


def cmd_import(args):
    import os
    import time
    from sim.io.robocode_record import RecordError, import_record
    from sim.io.dataset import DatasetError
    if not args.replay and not args.dataset:
        raise CliError("import: nothing to write: give --replay OUT.gfr and/or --dataset OUT.npz")
    if not os.path.isfile(args.record):
        raise CliError(f"{args.record}: no such record file")
    for opt, path, suffix in (("--replay", args.replay, ".gfr"), ("--dataset", args.dataset, ".npz")):
        if path is None:
            continue
        if not path.endswith(suffix):
            raise CliError(f"{opt} must name a {suffix} file, got {path!r}")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise CliError(f"{opt}: directory {folder} does not exist")
        if os.path.exists(path) and os.path.samefile(path, args.record):
            raise CliError(f"{opt} {path} is the record itself: refusing to overwrite the input")
    if args.replay and args.dataset and os.path.abspath(args.replay) == os.path.abspath(args.dataset):
        raise CliError("--replay and --dataset name the same file")
    show = args.progress if args.progress is not None else (sys.stderr.isatty() and not args.json)
    bar = None

    def progress(done, total):
        nonlocal bar
        if not show:
            return
        if bar is None:
            from tqdm import tqdm
            bar = tqdm(total=total, desc="import", unit="round", file=sys.stderr, leave=False)
        bar.update(done - bar.n)
    t0 = time.perf_counter()
    try:
        summary = import_record(args.record, replay=args.replay, dataset=args.dataset, seed=args.seed,
                                virtual_waves=args.virtual_waves, progress=progress)
    except (RecordError, DatasetError) as e:
        raise CliError(str(e)) from None
    except OSError as e:
        raise CliError(f"cannot write the import of {args.record} ({e.strerror or e})") from None
    finally:
        if bar is not None:
            bar.close()
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    if args.json:
        sys.stdout.write(json_text(summary))
    else:
        print(f"{args.record}: {' vs '.join(summary['robots'])}, {summary['rounds']} rounds, {summary['turns']} turns, "
              f"{summary['bullets']} bullets ({summary['seconds']:.2f} s)")
        if args.dataset:
            print(f"waves written to {args.dataset} ({summary['gun_rows']} gun waves, "
                  f"{summary['enemy_rows']} enemy waves)")
        if args.replay:
            print(f"replay written to {args.replay}")
    return 0


def cmd_loss_demo(args, rest):
    from learning import demo
    return demo.main(rest)


def _collect_main(argv):
    from sim.experiments.collect import main as collect_main
    return collect_main(argv)


def _challenge_main(argv):
    from sim.experiments.challenge import main as challenge_main
    return challenge_main(argv)


def _oracle_main(argv):
    from sim.experiments.oracle import main as oracle_main
    return oracle_main(argv)


def _tune_main(argv):
    from sim.experiments.tune import main as tune_main
    return tune_main(argv)


def _tournament_main(argv):
    from sim.experiments.tournament import main as tournament_main
    return tournament_main(argv)


def _evaluate_main(argv):
    from sim.experiments.evaluate import main as evaluate_main
    return evaluate_main(argv)


def _surf_report_main(argv):
    from sim.experiments.surfreport import main as surf_report_main
    return surf_report_main(argv)


def _train_main(argv):
    from learning.train import main as train_main
    return train_main(argv)


def _distill_main(argv):
    from learning.distill import main as distill_main
    return distill_main(argv)


# subcommands with their own argument parsers (their --help is their own)
PASSTHROUGH = {"collect": _collect_main, "train": _train_main, "evaluate": _evaluate_main, "challenge": _challenge_main,
               "oracle": _oracle_main, "tune": _tune_main, "tournament": _tournament_main,
               "surf-report": _surf_report_main, "distill": _distill_main}


def build_parser():
    p = OneLineParser(prog="gfsim", description="Robocode-faithful 1v1 battles and guess-factor learning.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    b = sub.add_parser("battle", help="play a headless battle and print Robocode's results table",
                       description="Play BOT_A against BOT_B under classic Robocode rules. "
                                   "`gfsim bots` lists the names.")
    b.add_argument("bot_a", help="a bot spec, or a `gfsim tune` best.json")
    b.add_argument("bot_b", help="a bot spec, or a `gfsim tune` best.json")
    add_rules_args(b)
    sd = b.add_mutually_exclusive_group()
    sd.add_argument("--seed", type=seed_type, default=0,
                    help="random seed (start positions, order, bots' randomness), within +-2**53 (default 0)")
    sd.add_argument("--seeds", default=None, metavar="1..10",
                    help="play one battle per seed (a range 1..10, a list 1,4,9) and print each robot's "
                         "numbers as mean ± 95%% CI over the seeds")
    b.add_argument("--jobs", type=bounded_int(1, MAX_JOBS), default=None,
                   help=f"with --seeds: battles in parallel local processes, 1 to {MAX_JOBS} (default 1)")
    b.add_argument("--json", action="store_true", help="print the results, turn counts and wall time as JSON")
    b.add_argument("--record", nargs="?", const="", default=None, metavar="PATH",
                   help="save a replay for `gfsim replay` (default replays/<A>-vs-<B>-seed<N>.gfr); "
                        "write --record=PATH or put it after the bot names")
    b.add_argument("--virtual-waves", action="store_true",
                   help="with --record: also record a wave for every turn without a bullet (the viewer's V overlay)")
    b.add_argument("--dataset", metavar="DATA.npz", help="also write every wave's guess factors and features "
                                                         "(the format of `gfsim collect`)")
    add_parts_flag(b)
    add_progress_flags(b)
    b.set_defaults(func=cmd_battle)

    bl = sub.add_parser("bots", help="list sample robots and bot parts with their parameters")
    bl.add_argument("--json", action="store_true", help="machine-readable list")
    add_parts_flag(bl)
    bl.set_defaults(func=cmd_bots)

    sc = sub.add_parser("scenario", help="scripted scenarios")
    scs = sc.add_subparsers(dest="scenario_command", metavar="ACTION")
    sr = scs.add_parser("run", help="play a scenario file and write its per-turn trace",
                        description="Play a scripted scenario (JSON) and write one CSV row per robot per turn.")
    sr.add_argument("file", help="scenario JSON file")
    sr.add_argument("--out", required=True, help="robot trace CSV (.csv or .csv.gz)")
    sr.add_argument("--bullets", help="bullet trace CSV (.csv or .csv.gz)")
    sr.set_defaults(func=cmd_scenario_run)
    sc.set_defaults(func=lambda a: (sc.print_help(), 0)[1])

    cf = sub.add_parser("conform", help="compare scenarios turn by turn with real Robocode (needs Robocode)",
                        description="Run each scenario in gfsim and in real Robocode 1.9.3.9 and compare every "
                                    "robot and bullet value turn by turn. Without arguments, runs the shipped "
                                    "scenario library.")
    cf.add_argument("scenarios", nargs="*", help="scenario JSON files (default: the shipped library)")
    cf.add_argument("--tol", type=bounded_float(0, MAX_TOL), default=1e-6,
                    help=f"allowed absolute difference, finite, 0 to {MAX_TOL:g} (default 1e-6)")
    cf.add_argument("--json", action="store_true", help="machine-readable report")
    cf.set_defaults(func=cmd_conform)

    im = sub.add_parser("import", help="read a real Robocode battle record (-recordXML) into a replay and a "
                                       "wave dataset",
                        description="Read a battle record written by real Robocode (-recordXML FILE, plain or "
                                    "zipped XML; never Java-serialized .br records) into a gfsim replay (any number "
                                    "of robots; the viewer shows it with its waves) and/or a wave dataset with the "
                                    "schema of `gfsim collect` (1v1). Robot names stay as Robocode spells them.")
    im.add_argument("record", help="Robocode XML battle record (.xml, .zip or .gz)")
    im.add_argument("--replay", metavar="OUT.gfr", help="write a replay for `gfsim replay`")
    im.add_argument("--dataset", metavar="OUT.npz", help="write the battle's waves (the format of `gfsim collect`)")
    im.add_argument("--seed", type=seed_type, default=-1,
                    help="the -DRANDOMSEED the battle ran with, stored in the outputs (default -1: unknown; "
                         "records do not hold it)")
    im.add_argument("--virtual-waves", action="store_true", help="also put the waves of turns without a bullet "
                                                                 "in the replay")
    im.add_argument("--json", action="store_true", help="print a summary as JSON")
    add_progress_flags(im)
    im.set_defaults(func=cmd_import)

    sub.add_parser("collect", help="play seeded battles and write every wave's guess factors and features "
                                   "(`gfsim collect --help`)", add_help=False)
    sub.add_parser("train", help="fit the BeepBoop-style logit model on a collected dataset "
                                 "(`gfsim train --help`)", add_help=False)
    sub.add_parser("distill", help="fit a compact student (a GF table the gf gun plays) to a learned model or the "
                                   "oracle's soft targets (`gfsim distill --help`)", add_help=False)
    sub.add_parser("evaluate", help="replay a dataset's recorded waves through guns offline: hit rates with 95%% "
                                    "CIs over battles, paired differences (`gfsim evaluate --help`)", add_help=False)
    sub.add_parser("challenge", help="targeting and movement challenges: every gun against every reference "
                                     "movement over seeded seasons, hit rates with 95%% CIs "
                                     "(`gfsim challenge --help`)", add_help=False)
    sub.add_parser("oracle", help="the Bayes limit of targeting a movement: the best hit rate any stationary "
                                  "power-3 gun could reach, from re-simulated futures (`gfsim oracle --help`)",
                   add_help=False)
    sub.add_parser("tune", help="search a bot's parameters with Optuna (resumable; local processes or Dask); "
                                "best.json, held-out paired comparison, plots (`gfsim tune --help`)", add_help=False)
    sub.add_parser("tournament", help="round robin of bots over seeded seasons: APS, PWIN, survival with "
                                      "95%% CIs, resumable (`gfsim tournament --help`)", add_help=False)
    sub.add_parser("surf-report", help="why a wave surfer is hit: every enemy bullet that hit it classified from "
                                       "the engine's truth and the surfer's own view (`gfsim surf-report --help`)",
                   add_help=False)
    sub.add_parser("replay", help="watch replays in the pygame viewer, side by side, or export frames/GIFs "
                                  "(`gfsim replay --help`)", add_help=False)
    ld = sub.add_parser("loss-demo", help="plot the BeepBoop loss and its gradient for a few points",
                        add_help=False)
    ld.set_defaults(func=None, passthrough=cmd_loss_demo)
    return p


def _dispatch(argv):
    parser = build_parser()
    if argv and argv[0] == "loss-demo":
        return cmd_loss_demo(None, argv[1:])
    if argv and argv[0] in PASSTHROUGH:
        return PASSTHROUGH[argv[0]](argv[1:])
    if argv and argv[0] == "replay":
        from sim.viewer.app import main as replay_main
        return replay_main(argv[1:])
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    return run_command(f"gfsim {args.command}", lambda _argv: args.func(args), argv)


def main(argv=None):
    """Every subcommand's own main runs inside sim.cli.errors.run_command; this one adds the boundary
    for the top-level parser and the commands defined here (battle, bots, scenario, conform)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    known = ("battle", "bots", "scenario", "conform")
    return run_command(f"gfsim {argv[0]}" if argv and argv[0] in known else "gfsim", _dispatch, argv)


def console_main():
    """The `gfsim` command (pyproject's script): main's exit code, ending the process as sim.cli.errors.exit_with
    says (main itself returns, so tests and other Python callers can run it in-process)."""
    from sim.cli.errors import exit_with
    exit_with(main())


if __name__ == "__main__":
    console_main()
