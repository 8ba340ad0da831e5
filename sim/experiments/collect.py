"""`gfsim collect`: play seeded battles and write their waves as a guess-factor dataset.

    gfsim collect BOT_A BOT_B --rounds N --seeds 1..10 --out DATA.npz [--chunk-size ROWS] [--json]
    gfsim collect --engine robocode --robots-dir DIR 'author.Bot 1.0' sample.Walls --seeds 1..4 --jobs 2 --out DATA.npz
                  [--keep-records RECORDS/]

One battle per seed (BOT_A is robot 0). Every battle is recorded a few rounds at a
time (sim/io/streaming.py), turned into waves (sim/waves/tracking.py) and appended to
the dataset (sim/io/dataset.py), whose tables spill to disk every --chunk-size rows,
so memory stays bounded whatever the number of rounds and battles. The file is
written atomically at the end: on any error nothing is left at --out.
Bad input is reported as one line on stderr with exit code 2.

With ``--engine robocode`` the battles are played by real Robocode instead (headless, ``-DRANDOMSEED``,
``--jobs`` JVMs at a time), recorded with ``-recordXML`` and imported (sim/io/robocode_record.py): any
robot Robocode can load, e.g. from the jars of ``--robots-dir``, becomes a data source. Robot names are
Robocode's (``author.Bot 1.0``).
"""
import os
import sys
import time

from sim.engine.rules import rules_from_args
from sim.cli.args import (add_parts_flag, progress_bar, add_progress_flags, add_rules_args, bounded_int,
                          bounded_float, seed_list, MAX_JOBS, MAX_SEEDS, MAX_CHUNK_ROWS)
from sim.cli.errors import UsageError, OneLineParser, run_command, check_outputs
from sim.cli.output import json_text

CollectError = UsageError   # the name this module used before sim.cli.errors


def parse_seeds(text):
    """'1..10' (inclusive), '3', '1,4,9' or a mix ('1..3,7') -> list of ints; CollectError if malformed."""
    try:
        return seed_list(text, MAX_SEEDS, "battle")
    except ValueError as e:
        raise CollectError(str(e)) from None


_power = bounded_float(0.1, 3.0)


def build_parser(prog="gfsim collect"):
    p = OneLineParser(prog=prog, description="Play one battle per seed between BOT_A and BOT_B and write every wave "
                                       "(features, MEAs, precise-intersection labels, enemy waves as a surfer "
                                       "detects them) to a dataset file. `gfsim bots` lists the bot names.")
    p.add_argument("bot_a", metavar="BOT_A", help="robot 0, e.g. lock+circular+orbit or sample.Walls")
    p.add_argument("bot_b", metavar="BOT_B", help="robot 1")
    add_rules_args(p, rounds_help="rounds per battle")
    p.add_argument("--seeds", default="0",
                   help=f"battle seeds: 7, 1,2,5 or 1..10, each within +-2**53, at most {MAX_SEEDS:,} (default 0)")
    p.add_argument("--out", required=True, metavar="DATA.npz", help="dataset file to write (replaced atomically)")
    p.add_argument("--virtual-power", type=_power, default=2.0,
                   help="power of a robot's virtual waves before its first real bullet if it never fires "
                        "(default 2.0)")
    p.add_argument("--stream", action="store_true",
                   help="accepted for old command lines: collect always streams now (battles a few rounds at a "
                        "time, tables spilled to disk every --chunk-size rows)")
    p.add_argument("--chunk-size", type=bounded_int(1, MAX_CHUNK_ROWS), default=None, metavar="ROWS",
                   help=f"rows per table kept in memory before spilling to disk, 1 to {MAX_CHUNK_ROWS:,} "
                        f"(default 65536)")
    p.add_argument("--engine", choices=("gfsim", "robocode"), default="gfsim",
                   help="who plays the battles: gfsim (default) or real Robocode, recorded and imported")
    p.add_argument("--robots-dir", metavar="DIR",
                   help="with --engine robocode: a robots folder (jars, class folders) to load robots from, "
                        "besides Robocode's installed samples")
    p.add_argument("--keep-records", metavar="DIR",
                   help="with --engine robocode: keep each battle's -recordXML record in DIR as "
                        "record-seed<N>.xml.gz (for gfsim import)")
    p.add_argument("--jobs", type=bounded_int(1, MAX_JOBS), default=1,
                   help=f"with --engine robocode: Robocode JVMs run at a time, 1 to {MAX_JOBS} (default 1)")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    add_parts_flag(p)
    add_progress_flags(p)
    return p


def _check_out(path):
    if not path.endswith(".npz"):
        raise CollectError(f"--out must name a .npz file, got {path!r}")
    check_outputs([("--out", path)])


def collect(bot_a, bot_b, seeds, out, rules=None, stream=True, chunk_rows=None, virtual_power=2.0,
            progress=None, parts=None, chunk_rounds=None):
    """Play one recorded battle per seed and write the dataset to `out`; returns a summary dict.

    `parts`: plug-in files (paths or loaded bots.plugins.Plugin) the bot specs may name. Each battle is
    streamed (sim/io/streaming.py: `chunk_rounds` rounds at a time) and the tables spill to disk every
    `chunk_rows` rows (default sim.io.dataset.DEFAULT_CHUNK_ROWS), so memory stays bounded whatever the
    number of rounds and battles; stream=False keeps the tables in memory (the file's bytes are the same).

    `progress(done_rounds)` is called as battles advance. Raises BotSpecError / DatasetError on bad input;
    `out` is only created when everything succeeded.
    """
    from bots.registry import parse_bot
    from sim.io.dataset import DatasetWriter, base_meta, TABLES, DEFAULT_CHUNK_ROWS
    from sim.io.streaming import stream_battle, DatasetSink, DEFAULT_CHUNK_ROUNDS
    from sim.engine.rules import Rules
    rules = rules or Rules()
    specs = [parse_bot(bot_a, parts), parse_bot(bot_b, parts)]
    seeds = list(seeds)
    meta = base_meta(rules, specs, virtual_power)
    t0 = time.perf_counter()
    turns = 0
    rows = {t: 0 for t in TABLES}
    with DatasetWriter(out, meta, chunk_rows=(chunk_rows or DEFAULT_CHUNK_ROWS) if stream else None) as wr:
        for k, seed in enumerate(seeds):
            cb = None
            if progress is not None:
                def cb(done, _base=k * rules.rounds):
                    progress(_base + done)
            sink = DatasetSink(wr, k, specs, virtual_power=virtual_power, row_offset=rows["gun"])
            res, (entry,) = stream_battle(specs, rules, seed, [sink], chunk_rounds or DEFAULT_CHUNK_ROUNDS,
                                          progress=cb)
            rows["gun"] += entry["gun_rows"]
            rows["enemy"] += entry["enemy_rows"]
            rows["parts"] += entry["parts_rows"]
            turns += res.total_turns
        written = wr.close()
    det = total_detection(written["battles"])
    return {"out": os.fspath(out), "bots": [s.name for s in specs], "seeds": seeds, "battles": len(seeds),
            "rounds": rules.rounds, "turns": turns, "gun_rows": rows["gun"], "enemy_rows": rows["enemy"],
            "parts_rows": rows["parts"], "detection": det, "seconds": time.perf_counter() - t0}


def record_name(seed):
    """File name of a battle's kept record in --keep-records DIR (gzipped XML, as `gfsim import` reads it)."""
    return f"record-seed{seed}.xml.gz"


def _robocode_battle(bot_a, bot_b, seed, rules, robots_dir, keep_records=None):
    """One battle in real Robocode, recorded and imported: (BattleResult with traces, specs). With
    `keep_records` (a folder) the -recordXML record is also kept there, gzipped (written atomically)."""
    import gzip
    import shutil
    import tempfile
    from sim.io.atomic import atomic_output
    from sim.io.robocode import run_real_battle
    from sim.io.robocode_record import read_record
    with tempfile.TemporaryDirectory(prefix="gfsim-collect-") as tmp:
        keep = os.path.join(tmp, "work")
        run_real_battle([bot_a, bot_b], rounds=rules.rounds, seed=seed, width=rules.width, height=rules.height,
                        gun_cooling_rate=rules.gun_cooling_rate, inactivity_time=rules.inactivity_time,
                        record_xml=True, keep_dir=keep, robots_dir=robots_dir)
        record = os.path.join(keep, "record.xml")
        result = read_record(record, seed=seed)
        if keep_records:
            with open(record, "rb") as src, atomic_output(os.path.join(keep_records, record_name(seed))) as raw:
                with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
                    shutil.copyfileobj(src, gz, 1 << 20)
        return result


def collect_robocode(bot_a, bot_b, seeds, out, rules=None, robots_dir=None, jobs=1, stream=True,
                     chunk_rows=None, virtual_power=2.0, progress=None,
                     keep_records=None):
    """collect() with battles played by real Robocode (``jobs`` JVMs at a time) and imported from their XML
    records; the dataset holds the battles in seed order whatever order they finish in. Raises
    RobocodeError / RecordError (one line) on a missing Robocode, an unknown robot or a broken record.
    ``keep_records``: a folder that keeps each battle's record as record-seed<N>.xml.gz (`gfsim import`)."""
    from concurrent.futures import ThreadPoolExecutor
    from sim.io.dataset import DatasetWriter, base_meta, battle_tables, TABLES, DEFAULT_CHUNK_ROWS
    from sim.engine.rules import Rules
    rules = rules or Rules()
    seeds = list(seeds)
    t0 = time.perf_counter()
    turns = 0
    rows = {t: 0 for t in TABLES}
    names = None
    done = 0
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_robocode_battle, bot_a, bot_b, seed, rules, robots_dir, keep_records) for seed in seeds]
        try:
            wr = None
            for k, fut in enumerate(futures):
                res, specs = fut.result()
                if wr is None:
                    names = list(res.names)
                    wr = DatasetWriter(out, base_meta(rules, specs, virtual_power),
                                       chunk_rows=(chunk_rows or DEFAULT_CHUNK_ROWS) if stream else None)
                    wr.__enter__()
                tables, entry = battle_tables(res, k, specs=specs, virtual_power=virtual_power)
                tables["parts"]["row"] = tables["parts"]["row"] + rows["gun"]
                for t in TABLES:
                    wr.append(t, tables[t])
                    rows[t] += len(tables[t]["battle" if t != "parts" else "row"])
                wr.meta["battles"].append(entry)
                turns += res.total_turns
                done += rules.rounds
                if progress is not None:
                    progress(done)
            written = wr.close()
            wr.__exit__(None, None, None)
        except BaseException as e:
            for f in futures:
                f.cancel()
            if wr is not None:
                wr.__exit__(type(e), e, e.__traceback__)
            raise
    det = total_detection(written["battles"])
    return {"out": os.fspath(out), "bots": names, "engine": "robocode", "seeds": seeds, "battles": len(seeds),
            "rounds": rules.rounds, "turns": turns, "gun_rows": rows["gun"], "enemy_rows": rows["enemy"],
            "parts_rows": rows["parts"], "detection": det, "seconds": time.perf_counter() - t0}


def total_detection(battles):
    """The detection counts of every battle and both robots, summed (the metadata keeps them per robot)."""
    det = {}
    for b in battles:
        for per_robot in b["detection"]:
            for key, v in per_robot.items():
                det[key] = det.get(key, 0) + v
    return det


def detection_line(d):
    """The detection counts as one partition of the observable enemy bullets.

    The `missed` statistic counts every observable bullet no right detection claims, so it includes the
    bullets detected at another turn (a robot that scans its enemy every 60 turns can only guess the fire
    turn); printing both side by side read as if nothing had been detected at all."""
    observable = d["enemy_bullets"] - d["unobservable"]
    not_detected = max(0, d["missed"] - d["wrong_turn"])
    return (f"enemy-bullet detection, {observable:g} observable bullets: {d['right']:g} detected at their fire "
            f"turn, {d['wrong_turn']:g} at another turn, {not_detected:g} not detected; "
            f"{d['false_positive']:g} false alarms")


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    return run_command("gfsim collect", _main, argv)


def _main(argv):
    args = build_parser().parse_args(argv)
    seeds = parse_seeds(args.seeds)
    rules = rules_from_args(args, error=CollectError)
    _check_out(args.out)
    robocode = args.engine == "robocode"
    if not robocode and (args.robots_dir or args.jobs != 1 or args.keep_records):
        raise CollectError("--robots-dir, --keep-records and --jobs need --engine robocode")
    if args.keep_records:
        if not os.path.isdir(args.keep_records):
            raise CollectError(f"--keep-records: {args.keep_records} is not a directory")
        check_outputs([("--keep-records", os.path.join(args.keep_records, record_name(s))) for s in seeds],
                      [("--out", args.out)])
    plugins = None
    if robocode:
        from sim.io import robocode as robocode_real
        if args.parts:
            raise CollectError("--parts are gfsim parts: not with --engine robocode")
        if not robocode_real.robocode_available():
            raise CollectError("--engine robocode: real Robocode is not installed (Java and robocode.jar; "
                               "Debian: apt-get install robocode, or set GFSIM_ROBOCODE_JAR)")
        if args.robots_dir and not os.path.isdir(args.robots_dir):
            raise CollectError(f"--robots-dir: {args.robots_dir} is not a directory")
    else:
        from bots.registry import parse_bot, BotSpecError
        from sim.cli.main import load_plugins
        plugins = load_plugins(args.parts, CollectError)
        try:
            for b in (args.bot_a, args.bot_b):
                parse_bot(b, plugins)
        except BotSpecError as e:
            raise CollectError(str(e)) from None
    show = args.progress if args.progress is not None else (sys.stderr.isatty() and not args.json)
    bar, update = progress_bar(len(seeds) * rules.rounds, show, "collect")
    try:
        if robocode:
            from sim.io.robocode import RobocodeError
            from sim.io.robocode_record import RecordError
            try:
                summary = collect_robocode(args.bot_a, args.bot_b, seeds, args.out, rules=rules,
                                           robots_dir=args.robots_dir, jobs=args.jobs, stream=True,
                                           chunk_rows=args.chunk_size, virtual_power=args.virtual_power,
                                           progress=update, keep_records=args.keep_records)
            except (RobocodeError, RecordError) as e:
                raise CollectError(str(e)) from None
        else:
            summary = collect(args.bot_a, args.bot_b, seeds, args.out, rules=rules,
                              chunk_rows=args.chunk_size, virtual_power=args.virtual_power, progress=update,
                              parts=plugins)
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        sys.stdout.write(json_text(summary))
    else:
        d = summary["detection"]
        print(f"{summary['out']}: {summary['gun_rows']} gun waves, {summary['enemy_rows']} enemy waves from "
              f"{summary['battles']} battles x {summary['rounds']} rounds ({summary['turns']} turns) in "
              f"{summary['seconds']:.1f} s")
        if d.get("enemy_bullets"):
            print(detection_line(d))
    return 0


if __name__ == "__main__":
    from sim.cli.errors import exit_with
    exit_with(main())
