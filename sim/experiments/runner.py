"""Seeded battles as tasks, for tune, tournament and challenge: one task, one cache, one way to run them.

A task is ``(bot spec strings, plug-in file paths, rules dict, seed)``: plain strings and numbers, so it can be
sent to a local process or a Dask worker as it is. Every file a task names (a gun's ``model=``, a plug-in part)
is an absolute path by then (``absolute_spec``): a worker may run in another folder, or on another machine
that shares the file system.

``BattleCache`` keeps each finished battle's numbers, one JSON line per battle appended (and fsynced) as soon
as the battle ends: a run killed with ``kill -9`` loses only the battles in flight, and the same run started
again reads the file and never plays a finished battle twice.
"""
import json
import os
import sys

import numpy as np

METRICS = ("hit_rate", "damage_per_round", "score_share", "survival", "enemy_hit_rate", "enemy_damage_per_round")
METRIC_HELP = {
    "hit_rate": "bullet hits / shots of the bot (a battle without a shot counts 0)",
    "damage_per_round": "bullet damage dealt (Robocode's bullet-damage score) / rounds",
    "score_share": "percentage score: the bot's total score / both bots' total, in % (Robocode's rank %, "
                   "the RoboRumble APS unit)",
    "survival": "rounds survived (won) / rounds, in %",
    "enemy_hit_rate": "the opponent's hit rate against the bot (for movements; minimize)",
    "enemy_damage_per_round": "the opponent's bullet damage per round, i.e. damage taken (minimize)",
}


class TaskError(ValueError):
    """A bot spec, a file or a cached record that cannot be used (one-line message)."""


# ---------------------------------------------------------------- bot specs

def _parse(spec, parts=()):
    """Bot spec string -> BotSpec. The one place tasks turn specs into bots; `parts` are the absolute paths
    of the plug-in files (bots/plugins.py) the specs may name, loaded (and compiled, once) where the task runs."""
    from bots.registry import parse_bot, BotSpecError
    for path in parts:
        if not os.path.isfile(path):
            raise TaskError(f"plug-in part file {path} does not exist")
    try:
        return parse_bot(spec, list(parts))
    except BotSpecError as e:
        raise TaskError(str(e)) from None


def _path_params():
    """{part name: {parameter name of kind 'path': its keywords}} of the built-in parts."""
    from bots.registry import builtin_parts
    return {e.part.name: {p.name: p.keywords for p in e.part.params if p.kind == "path"}
            for e in builtin_parts().values()}


def absolute_spec(spec, base=None):
    """The spec with every file parameter (e.g. ``learned:model=m.json``) made absolute against `base`
    (default: the current folder), so that a worker in another folder finds the same file. A parameter's
    keywords (``forecast:corpus=none``) are words, not files: left as they are."""
    base = os.path.abspath(base or os.getcwd())
    kinds = _path_params()
    pieces = []
    for piece in str(spec).split("+"):
        cname, colon, args = piece.strip().partition(":")
        paths = kinds.get(cname, set())
        if colon and paths:
            kvs = []
            for kv in args.split(","):
                key, eq, val = kv.partition("=")
                if eq and key.strip() in paths and val.strip() and val.strip() not in paths[key.strip()]:
                    val = os.path.normpath(os.path.join(base, os.path.expanduser(val.strip())))
                kvs.append(f"{key}{eq}{val}")
            piece = f"{cname}:{','.join(kvs)}"
        pieces.append(piece.strip())
    return "+".join(pieces)


def is_bot_file(text):
    """A bot argument naming a best.json file (a spec has no '.json' ending outside a key=value)."""
    text = str(text)
    return text.lower().endswith(".json") and "+" not in text and "=" not in text


def load_bot_arg(text):
    """A bot argument as the commands take it: a spec string, or a `gfsim tune` best.json (its "spec").

    A best.json spec's files are relative to the best.json's folder (they are absolute when tune wrote it).
    """
    text = str(text)
    if not is_bot_file(text):
        return text
    try:
        with open(text, "rb") as f:
            raw = f.read(1 << 20)
        d = json.loads(raw)
    except FileNotFoundError:
        raise TaskError(f"{text}: no such file (a bot is a spec string or a `gfsim tune` best.json)") from None
    except OSError as e:
        raise TaskError(f"{text}: cannot read ({e.strerror or e})") from None
    except ValueError as e:
        raise TaskError(f"{text}: not JSON ({e})") from None
    if not isinstance(d, dict) or not isinstance(d.get("spec"), str) or not d["spec"].strip():
        raise TaskError(f"{text}: not a `gfsim tune` best.json (no \"spec\" string)")
    return absolute_spec(d["spec"], os.path.dirname(os.path.abspath(text)))


# ---------------------------------------------------------------- one battle

def make_task(specs, parts, rules, seed):
    """A task tuple; `rules` a Rules or its dict."""
    rd = rules if isinstance(rules, dict) else rules.as_dict()
    return (tuple(specs), tuple(parts), dict(rd), int(seed))


def task_key(task):
    """The cache key: everything that decides a battle's outcome, as canonical JSON."""
    specs, parts, rules, seed = task
    return json.dumps([list(specs), list(parts), {k: rules[k] for k in sorted(rules)}, int(seed)],
                      separators=(",", ":"))


def play_task(task):
    """Play one task; plain numbers per robot slot (JSON-able, picklable)."""
    from sim.engine.battle import run_battle
    from sim.engine.constants import (S_SURVIVAL, S_LAST_SURVIVOR, S_BULLET_DMG, S_BULLET_KILL, S_RAM_DMG,
                                      S_RAM_KILL, S_FIRSTS)
    from sim.engine.rules import Rules
    specs, parts, rules, seed = task
    bots = [_parse(s, parts) for s in specs]
    res = run_battle(bots, Rules(**rules), seed=int(seed))
    sc = res.round_scores.sum(axis=0)
    st = res.round_stats.sum(axis=0)
    total = sc[:, [S_SURVIVAL, S_LAST_SURVIVOR, S_BULLET_DMG, S_BULLET_KILL, S_RAM_DMG, S_RAM_KILL]].sum(axis=1)
    return dict(rounds=int(rules["rounds"]), shots=[int(v) for v in st[:, 0]], hits=[int(v) for v in st[:, 1]],
                damage=[float(v) for v in sc[:, S_BULLET_DMG]], score=[float(v) for v in total],
                firsts=[int(v) for v in sc[:, S_FIRSTS]], turns=int(res.total_turns), wall=float(res.wall_time))


def metric(result, name, slot=0):
    """One battle's objective value for the robot in `slot` (see METRIC_HELP)."""
    r = result
    if name.startswith("enemy_"):
        return metric(result, name[len("enemy_"):], 1 - slot)
    if name == "hit_rate":
        return r["hits"][slot] / r["shots"][slot] if r["shots"][slot] else 0.0
    if name == "damage_per_round":
        return r["damage"][slot] / r["rounds"]
    if name == "score_share":
        tot = sum(r["score"])
        return 100.0 * r["score"][slot] / tot if tot > 0 else 50.0
    if name == "survival":
        return 100.0 * r["firsts"][slot] / r["rounds"]
    raise KeyError(name)


# ---------------------------------------------------------------- the cache

class BattleCache:
    """Finished battles, one JSON line each ({"key": task_key, "result": {...}}), appended and fsynced as
    each ends. A last line cut short by a kill is ignored (and rewritten when that battle is played again)."""

    def __init__(self, path):
        self.path = path
        self.results = {}
        if path and os.path.exists(path):
            with open(path, "r", encoding="utf-8") as f:
                for line in f:
                    if not line.endswith("\n"):
                        break               # cut short by a kill: that battle is played again
                    try:
                        d = json.loads(line)
                        self.results[d["key"]] = d["result"]
                    except (ValueError, KeyError, TypeError):
                        raise TaskError(f"{path}: damaged line in the battle journal") from None
            self._repair()

    def _repair(self):
        """Drop a partial last line so the next append starts on a fresh line."""
        with open(self.path, "rb+") as f:
            data = f.read()
            if data and not data.endswith(b"\n"):
                f.truncate(data.rfind(b"\n") + 1)

    def get(self, task):
        return self.results.get(task_key(task))

    def put(self, task, result):
        key = task_key(task)
        self.results[key] = result
        if not self.path:
            return
        line = json.dumps(dict(key=key, result=result), separators=(",", ":")) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)


# ---------------------------------------------------------------- running tasks

def default_jobs():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:   # not Linux
        return max(1, os.cpu_count() or 1)


def _warm_specs(tasks):
    """The bot of the highest compile tier among the tasks (a one-turn battle with it compiles the loop)."""
    names = sorted({(s, t[1]) for t in tasks for s in t[0]})
    return [max(names, key=lambda sp: _parse(*sp).tier)[0]] if names else None


def _pool_init(specs):
    from sim.engine.battle import warm_up
    warm_up(specs)


class Runner:
    """Plays tasks in this process (jobs=1), a local process pool kept for the whole run (jobs>1) or on a Dask
    cluster (scheduler address; each battle one task). Use as a context manager. Results never depend on how
    tasks are run; finished battles are taken from / stored in `cache` (a BattleCache or None)."""

    def __init__(self, jobs=1, scheduler=None, cache=None):
        self.jobs = max(1, int(jobs))
        self.scheduler = scheduler
        self.cache = cache
        self.played = 0       # battles played by this runner
        self.reused = 0       # battles taken from the cache
        self.battle_time = 0.0
        self.turns = 0
        self._pool = None
        self._client = None
        self._warm = False

    def __enter__(self):
        if self.scheduler:
            try:
                from dask.distributed import Client
            except ImportError:
                raise TaskError("--scheduler needs dask.distributed (pip install 'gfsim[cluster]')") from None
            try:
                self._client = Client(self.scheduler, timeout=30)
            except Exception as e:   # OSError, TimeoutError, ValueError for a malformed address
                raise TaskError(f"--scheduler {self.scheduler}: cannot connect ({e})") from None
        return self

    def __exit__(self, kind, value, tb):
        if self._pool is not None:
            if kind is None:
                self._pool.shutdown(wait=True, cancel_futures=True)
            else:   # Ctrl-C, SIGTERM (sim.cli.errors), a failed battle: no worker survives us
                from sim.experiments.workers import kill_pool
                kill_pool(self._pool)
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None
        return False

    def _local_ready(self, tasks):
        if self._warm:
            return
        from sim.engine.battle import warm_up
        warm = _warm_specs(tasks)
        warm_up(warm)   # compile (or load the cache) once here; forked workers inherit it
        self._warm = True
        if self.jobs > 1:
            import multiprocessing as mp
            from sim.experiments.workers import make_pool
            ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context("spawn")
            init = None if ctx.get_start_method() == "fork" else _pool_init
            self._pool = make_pool(self.jobs, ctx, initializer=init, initargs=(warm,) if init else ())

    def _done(self, task, result, fresh):
        if fresh:
            self.played += 1
            self.battle_time += result["wall"]
            self.turns += result["turns"]
            if self.cache is not None:
                self.cache.put(task, result)
        else:
            self.reused += 1

    def run(self, tasks, on_result=None):
        """Play `tasks`; returns their results in task order; on_result(index, result) as each is known
        (cached ones first). Identical tasks in the list are played once."""
        tasks = list(tasks)
        results = [None] * len(tasks)
        todo = {}
        for k, t in enumerate(tasks):
            hit = self.cache.get(t) if self.cache is not None else None
            if hit is not None:
                results[k] = hit
                self._done(t, hit, False)
                if on_result:
                    on_result(k, hit)
            else:
                todo.setdefault(task_key(t), []).append(k)
        if not todo:
            return results
        unique = [tasks[ks[0]] for ks in todo.values()]
        index = list(todo.values())

        def finish(u, res):
            self._done(unique[u], res, True)
            for k in index[u]:
                results[k] = res
                if on_result:
                    on_result(k, res)

        if self._client is not None:
            from dask.distributed import as_completed
            futures = self._client.map(play_task, unique, pure=False)
            where = {f.key: u for u, f in enumerate(futures)}
            for f in as_completed(futures):
                finish(where[f.key], f.result())
            return results
        self._local_ready(unique)
        if self._pool is None:
            for u, t in enumerate(unique):
                finish(u, play_task(t))
            return results
        from concurrent.futures import as_completed as cf_completed
        futures = {self._pool.submit(play_task, t): u for u, t in enumerate(unique)}
        for f in cf_completed(futures):
            finish(futures[f], f.result())
        return results


def paired_ci(a, b):
    """Paired comparison of two per-seed arrays (same seeds, same order): mean_ci of a - b (pairs where both
    are finite), with the two means for reference."""
    from sim.experiments.challenge import mean_ci
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    ok = np.isfinite(a) & np.isfinite(b)
    d = mean_ci(a[ok] - b[ok])
    d.update(mean_a=float(a[ok].mean()) if ok.any() else float("nan"),
             mean_b=float(b[ok].mean()) if ok.any() else float("nan"))
    return d


def eprint(*a):
    print(*a, file=sys.stderr)
