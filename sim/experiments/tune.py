"""`gfsim tune`: search a bot's parameters with Optuna, resumably, on local processes or a Dask cluster.

    gfsim tune SPEC.toml --trials N --study DIR [--jobs J | --scheduler ADDRESS] [--parts FILE] [--json]

The spec (TOML) names a bot template with {placeholders}, one [params.NAME] table per placeholder, the
opponents, rounds and seeds, the objective, the sampler and an optional pruner (see SPEC_HELP, or
examples/tune-knn.toml). A trial plays the template with its parameters against every opponent on every
training seed (the same seeds for every trial: common random numbers); its value is the mean of the
battles' objective values. The best trial is then played, with the template's defaults beside it, on the
held-out seeds, and the paired difference per seed gets a 95% Student-t interval.

Resumable: DIR holds the Optuna study (a journal file, DIR/study.journal, unless the spec names an RDB URL)
and every finished battle (DIR/battles.jsonl, appended as each battle ends). The same command again carries
on to N trials in all; a trial cut short by a kill is asked again with the same parameters and its finished
battles are read back, never played again. Trials are asked in fixed batches (sampler.batch), each batch
played season by season when a pruner is set, so the trials do not depend on --jobs or --scheduler.
"""
import argparse
import io
import json
import math
import os
import socket
import string
import sys
import time
import tomllib

import numpy as np

from sim.cli.args import add_progress_flags, positive_int, seed_list
from sim.cli.errors import UsageError, run_command
from sim.cli.output import json_text
from sim.experiments import runner as R
from sim.io.atomic import write_atomic

from sim.cli.errors import EXIT_BAD_INPUT  # noqa: E402,F401  (re-exported: the exit code of bad input)
STUDY_JOURNAL = "study.journal"
BATTLE_JOURNAL = "battles.jsonl"
BEST_JSON = "best.json"
MAX_SEEDS = 10_000
SAMPLERS = ("tpe", "cmaes", "random")
PRUNERS = ("none", "median")
DIRECTIONS = ("maximize", "minimize")

SPEC_HELP = """\
spec (TOML; relative file names are relative to the spec's folder):
  parts = ["my_gun.py"]            # optional plug-in part files
  [bot]
  template = "lock+knn:power=3,energy_rule=0,k={k},bandwidth={bw}+still"
  [params.k]                       # one table per {placeholder}
  type = "int"                     # int | float | categorical
  low = 1
  high = 100
  log = true                       # optional: search on a log scale (int, float)
  # step = 5                       # optional: grid step (not with log)
  # default = 30                   # the baseline of the held-out comparison; if left out, the part's
  #                                # declared default for the key the placeholder fills (k=... -> knn's k)
  [params.bw]
  type = "float"
  low = 0.02
  high = 0.5
  log = true
  # [params.gun] type = "categorical", choices = ["knn", "gf"], default = "gf"
  [battles]
  opponents = ["lock+none+orbit", "sample.SpinBot"]   # bot specs (or best.json files)
  rounds = 35                      # rounds per battle (default 35)
  training_seeds = "0..9"          # a range, a list [0, 1, 2] or "1,4,9"
  heldout_seeds = "1000..1019"     # must not overlap the training seeds
  field = "800x600"                # optional, also gun_cooling = 0.1, inactivity = 450
  [objective]
  metric = "hit_rate"              # hit_rate | damage_per_round | score_share | survival |
                                   # enemy_hit_rate | enemy_damage_per_round (the opponent's: movements)
  direction = "maximize"           # maximize | minimize
  [sampler]
  name = "tpe"                     # tpe (default) | cmaes | random
  seed = 0
  batch = 4                        # trials asked at once and played together
  [pruner]                         # optional
  name = "median"                  # none | median: stop a trial after a season (one training seed
  startup_trials = 5               #   against every opponent) if its running mean is worse than
  warmup_seasons = 1               #   the median of finished trials at that season
  [study]                          # optional
  name = "gfsim-tune"
  storage = "sqlite:////abs/path/study.db"   # an RDB URL instead of DIR/study.journal
"""


class TuneError(UsageError):
    """A user-facing problem: one line on stderr, exit code 2."""


# ---------------------------------------------------------------- the spec

def _fields(template):
    try:
        names = [f for _, f, spec, conv in string.Formatter().parse(template) if f is not None]
    except ValueError as e:
        raise TuneError(f"bot.template: {e}") from None
    for f in names:
        if not f.isidentifier():
            raise TuneError(f"bot.template: placeholder {{{f}}} must be a plain name")
    return names


def _declared_default(template, name, parts=()):
    """The part's declared default for the key `{name}` fills in the template, or None (`parts`: plug-in files)."""
    from bots.registry import list_bots, BotSpecError
    try:
        comps = {e.part.name: e.part for e in list_bots(list(parts))["parts"]}
    except BotSpecError as e:
        raise TuneError(str(e)) from None
    for piece in template.split("+"):
        cname, _, args = piece.strip().partition(":")
        for kv in args.split(","):
            key, eq, val = kv.partition("=")
            if eq and val.strip() == "{" + name + "}" and cname in comps:
                for p in comps[cname].params:
                    if p.name == key.strip() and p.kind != "path":
                        return p.default
    return None


def _num(tab, key, where, integer=False, required=True):
    if key not in tab:
        if required:
            raise TuneError(f"{where}: missing {key!r}")
        return None
    v = tab[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (integer and not isinstance(v, int)):
        raise TuneError(f"{where}.{key} must be {'a whole number' if integer else 'a number'}, got {v!r}")
    if not math.isfinite(v):
        raise TuneError(f"{where}.{key} must be finite, got {v!r}")
    return v


def _only(tab, allowed, where):
    if not isinstance(tab, dict):
        raise TuneError(f"{where} must be a table")
    for k in tab:
        if k not in allowed:
            raise TuneError(f"{where}: unknown key {k!r} (known: {', '.join(allowed)})")


def _seeds(v, where):
    if isinstance(v, list):
        if not v or not all(isinstance(s, int) and not isinstance(s, bool) for s in v):
            raise TuneError(f"{where} must be a non-empty list of whole numbers or a range \"0..9\"")
        v = ",".join(str(s) for s in v)
    if not isinstance(v, (str, int)) or isinstance(v, bool):
        raise TuneError(f"{where} must be a list of seeds or a range \"0..9\", got {v!r}")
    try:
        return seed_list(str(v), MAX_SEEDS, "seed")
    except ValueError as e:
        raise TuneError(f"{where}: {str(e).replace('--seeds', 'seeds')}") from None


def render(template, params, values):
    """The bot spec for one set of values: ints as ints, floats in their shortest exact form."""
    out = {}
    for name, p in params.items():
        v = values[name]
        if p["type"] == "int":
            out[name] = str(int(v))
        elif p["type"] == "float":
            out[name] = repr(float(v))
        else:
            out[name] = str(v)
    return template.format(**out)


def load_spec(path, extra_parts=()):
    """Read and check a tune spec; TuneError with one line naming the problem."""
    from bots.registry import BotSpecError
    from sim.engine.rules import Rules, RulesError, parse_field
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise TuneError(f"{path}: cannot read spec ({e.strerror or e})") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise TuneError(f"{path}: not valid TOML ({e})") from None
    base = os.path.dirname(os.path.abspath(path))
    _only(doc, ("parts", "bot", "params", "battles", "objective", "sampler", "pruner", "study"), path)

    parts = doc.get("parts", [])
    if not isinstance(parts, list) or not all(isinstance(p, str) and p for p in parts):
        raise TuneError("parts must be a list of file names")
    parts = [os.path.normpath(os.path.join(base, os.path.expanduser(p))) for p in parts]
    parts += [os.path.abspath(p) for p in extra_parts]
    for p in parts:
        if not os.path.isfile(p):
            raise TuneError(f"parts: plug-in file {p} does not exist")

    bot = doc.get("bot")
    if bot is None:
        raise TuneError("missing [bot] table with the template")
    _only(bot, ("template",), "bot")
    template = bot.get("template")
    if not isinstance(template, str) or not template.strip():
        raise TuneError("bot.template must be a bot spec string with {placeholders}")
    names = _fields(template)
    if not names:
        raise TuneError("bot.template has no {placeholder}: nothing to tune")
    ptab = doc.get("params", {})
    if not isinstance(ptab, dict):
        raise TuneError("params must be tables [params.NAME]")
    for n in names:
        if n not in ptab:
            raise TuneError(f"bot.template uses {{{n}}} but there is no [params.{n}]")
    for n in ptab:
        if n not in names:
            raise TuneError(f"[params.{n}] is not used in bot.template")
    params = {}
    for n in dict.fromkeys(names):
        t = ptab[n]
        where = f"params.{n}"
        _only(t, ("type", "low", "high", "log", "step", "choices", "default"), where)
        kind = t.get("type")
        if kind not in ("int", "float", "categorical"):
            raise TuneError(f"{where}.type must be int, float or categorical, got {kind!r}")
        p = dict(type=kind)
        if kind == "categorical":
            for k in ("low", "high", "log", "step"):
                if k in t:
                    raise TuneError(f"{where}: {k!r} is not for categorical parameters")
            ch = t.get("choices")
            if not isinstance(ch, list) or not ch or not all(isinstance(c, (str, int, float)) for c in ch):
                raise TuneError(f"{where}.choices must be a non-empty list of strings or numbers")
            if len(set(map(str, ch))) != len(ch):
                raise TuneError(f"{where}.choices lists a value twice")
            p["choices"] = ch
            if "default" in t and t["default"] not in ch:
                raise TuneError(f"{where}.default {t['default']!r} is not one of the choices")
            p["default"] = t.get("default")
        else:
            if "choices" in t:
                raise TuneError(f"{where}: 'choices' is only for categorical parameters")
            integer = kind == "int"
            lo, hi = _num(t, "low", where, integer), _num(t, "high", where, integer)
            if not lo < hi:
                raise TuneError(f"{where}: low must be below high ({lo} >= {hi})")
            log = t.get("log", False)
            if not isinstance(log, bool):
                raise TuneError(f"{where}.log must be true or false")
            if log and lo <= 0:
                raise TuneError(f"{where}: a log scale needs low > 0")
            step = _num(t, "step", where, integer, required=False)
            if step is not None and (step <= 0 or log):
                raise TuneError(f"{where}.step must be positive and not combined with log")
            d = _num(t, "default", where, integer, required=False)
            if d is not None and not lo <= d <= hi:
                raise TuneError(f"{where}.default {d} is outside [{lo}, {hi}]")
            p.update(low=lo, high=hi, log=log, step=step, default=d)
        if p["default"] is None:
            d = _declared_default(template, n, parts)
            if d is None:
                raise TuneError(f"{where}: no default (give `default`: the baseline the held-out comparison plays)")
            if kind == "int":
                d = int(round(d))
            p["default"] = d
        params[n] = p

    defaults = {n: p["default"] for n, p in params.items()}
    checks = [("defaults", defaults)]
    for end in ("low", "high"):
        vals = {n: (p[end] if p["type"] != "categorical" else p["default"]) for n, p in params.items()}
        checks.append((f"every parameter at its {end} end", vals))
    for n, p in params.items():
        for c in p.get("choices", ()):
            checks.append((f"{n} = {c!r}", dict(defaults, **{n: c})))
    for what, vals in checks:
        spec = absolute_spec_for(render(template, params, vals), base)
        try:
            R._parse(spec, parts)
        except (BotSpecError, R.TaskError) as e:
            raise TuneError(f"bot.template with {what}: {e}") from None

    bt = doc.get("battles")
    if bt is None:
        raise TuneError("missing [battles] table (opponents, training_seeds, heldout_seeds)")
    _only(bt, ("opponents", "rounds", "training_seeds", "heldout_seeds", "field", "gun_cooling", "inactivity"),
          "battles")
    opp = bt.get("opponents")
    if not isinstance(opp, list) or not opp or not all(isinstance(o, str) and o.strip() for o in opp):
        raise TuneError("battles.opponents must be a non-empty list of bot specs")
    opponents = []
    for o in opp:
        try:
            s = absolute_spec_for(R.load_bot_arg(os.path.join(base, o) if R.is_bot_file(o) else o), base)
            R._parse(s, parts)
        except (BotSpecError, R.TaskError) as e:
            raise TuneError(f"battles.opponents: {e}") from None
        if s in opponents:
            raise TuneError(f"battles.opponents lists {o!r} twice")
        opponents.append(s)
    rounds = _num(bt, "rounds", "battles", True, required=False) or 35
    if rounds < 1:
        raise TuneError("battles.rounds must be positive")
    for k in ("training_seeds", "heldout_seeds"):
        if k not in bt:
            raise TuneError(f"battles: missing {k!r}")
    train = _seeds(bt["training_seeds"], "battles.training_seeds")
    held = _seeds(bt["heldout_seeds"], "battles.heldout_seeds")
    both = sorted(set(train) & set(held))
    if both:
        raise TuneError(f"battles.heldout_seeds overlap the training seeds (seed {both[0]})")
    if len(held) < 2:
        raise TuneError("battles.heldout_seeds needs at least 2 seeds for an interval")
    try:
        w, h = parse_field(bt.get("field", "800x600"))
        rules = Rules(width=w, height=h, rounds=int(rounds),
                      gun_cooling_rate=_num(bt, "gun_cooling", "battles", required=False) or 0.1,
                      inactivity_time=_num(bt, "inactivity", "battles", True, required=False) or 450)
    except RulesError as e:
        raise TuneError(f"battles: {e}") from None

    ob = doc.get("objective", {})
    _only(ob, ("metric", "direction"), "objective")
    metric = ob.get("metric", "score_share")
    if metric not in R.METRICS:
        raise TuneError(f"objective.metric must be one of {', '.join(R.METRICS)}, got {metric!r}")
    direction = ob.get("direction", "maximize")
    if direction not in DIRECTIONS:
        raise TuneError(f"objective.direction must be maximize or minimize, got {direction!r}")

    sm = doc.get("sampler", {})
    _only(sm, ("name", "seed", "batch"), "sampler")
    sampler = sm.get("name", "tpe")
    if sampler not in SAMPLERS:
        raise TuneError(f"sampler.name must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
    seed = _num(sm, "seed", "sampler", True, required=False)
    batch = _num(sm, "batch", "sampler", True, required=False) or 4
    if batch < 1:
        raise TuneError("sampler.batch must be positive")

    pr = doc.get("pruner", {})
    _only(pr, ("name", "startup_trials", "warmup_seasons"), "pruner")
    pruner = pr.get("name", "none")
    if pruner not in PRUNERS:
        raise TuneError(f"pruner.name must be one of {', '.join(PRUNERS)}, got {pruner!r}")
    startup = _num(pr, "startup_trials", "pruner", True, required=False)
    warmup = _num(pr, "warmup_seasons", "pruner", True, required=False)

    st = doc.get("study", {})
    _only(st, ("name", "storage"), "study")
    name = st.get("name", "gfsim-tune")
    storage = st.get("storage")
    if not isinstance(name, str) or not name:
        raise TuneError("study.name must be a non-empty string")
    if storage is not None and (not isinstance(storage, str) or "://" not in storage):
        raise TuneError("study.storage must be an RDB URL such as sqlite:////abs/path/study.db")

    return dict(path=os.path.abspath(path), base=base, parts=parts, template=template, params=params,
                opponents=opponents, rules=rules, training_seeds=train, heldout_seeds=held, metric=metric,
                direction=direction, sampler=sampler, seed=0 if seed is None else seed, batch=batch,
                pruner=pruner, startup_trials=5 if startup is None else startup,
                warmup_seasons=1 if warmup is None else warmup, study_name=name, storage=storage)


def absolute_spec_for(spec, base):
    return R.absolute_spec(spec, base)


def fingerprint(spec):
    """What must not change when a study is continued (the search space, battles and objective)."""
    keep = {k: spec[k] for k in ("template", "opponents", "training_seeds", "metric", "direction", "parts")}
    keep["params"] = spec["params"]
    keep["rules"] = spec["rules"].as_dict()
    return json.dumps(keep, sort_keys=True, default=str)


# ---------------------------------------------------------------- optuna

def _quiet_optuna():
    import logging
    import warnings
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    logging.getLogger("optuna").setLevel(logging.WARNING)


def distributions(spec):
    from optuna.distributions import IntDistribution, FloatDistribution, CategoricalDistribution
    out = {}
    for n, p in spec["params"].items():
        if p["type"] == "int":
            out[n] = IntDistribution(p["low"], p["high"], log=p["log"], step=p["step"] or 1)
        elif p["type"] == "float":
            out[n] = FloatDistribution(p["low"], p["high"], log=p["log"], step=p["step"])
        else:
            out[n] = CategoricalDistribution(p["choices"])
    return out


def make_sampler(spec, offset=0):
    """The seeded sampler; `offset` (the trials already in the study) moves the seed on when a study is
    continued, so a rerun does not draw its first trials' parameters again."""
    import optuna
    seed = spec["seed"] + offset
    if spec["sampler"] == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if spec["sampler"] == "cmaes":
        try:
            import cmaes  # noqa: F401
        except ImportError:
            raise TuneError("sampler cmaes needs the cmaes package (pip install cmaes)") from None
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    return optuna.samplers.TPESampler(seed=seed)


def make_pruner(spec):
    import optuna
    if spec["pruner"] == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=spec["startup_trials"],
                                           n_warmup_steps=spec["warmup_seasons"])
    return optuna.pruners.NopPruner()


def open_study(spec, study_dir):
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    if spec["storage"]:
        storage = spec["storage"]
    else:
        storage = JournalStorage(JournalFileBackend(os.path.join(study_dir, STUDY_JOURNAL)))
    try:
        study = optuna.create_study(storage=storage, study_name=spec["study_name"], direction=spec["direction"],
                                    sampler=make_sampler(spec), pruner=make_pruner(spec), load_if_exists=True)
    except Exception as e:   # a bad RDB URL, a locked or damaged journal
        raise TuneError(f"cannot open the study ({type(e).__name__}: {e})") from None
    if study.trials:
        study.sampler = make_sampler(spec, len(study.trials))
    fp = fingerprint(spec)
    old = study.user_attrs.get("fingerprint")
    if old is None:
        study.set_user_attr("fingerprint", fp)
        study.set_user_attr("spec", spec["path"])
    elif old != fp:
        raise TuneError(f"{study_dir} holds a study of another spec (template, params, battles or objective "
                        f"differ); use another --study DIR")
    if study.direction.name.lower() != spec["direction"]:
        raise TuneError(f"{study_dir}: the study's direction is {study.direction.name.lower()}")
    return study


def _owner():
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_stale(study):
    """Trials left RUNNING by a killed run on this host: mark them failed and ask their parameters again
    (their finished battles are in the battle journal). Trials of live processes (elsewhere) are left alone."""
    from optuna.trial import TrialState
    host = socket.gethostname()
    n = 0
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        owner = t.user_attrs.get("owner", "")
        h, _, pid = owner.rpartition(":")
        if h != host or not pid.isdigit() or _alive(int(pid)):
            continue
        study.enqueue_trial(dict(t.params), skip_if_exists=False)
        study.tell(t.number, state=TrialState.FAIL)
        n += 1
    return n


def finished(study):
    from optuna.trial import TrialState
    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))


# ---------------------------------------------------------------- playing trials

def trial_tasks(spec, bot, seeds):
    """[(task, seed index, opponent index)] for one bot spec on `seeds` against every opponent."""
    return [(R.make_task((bot, o), spec["parts"], spec["rules"], s), i, j)
            for i, s in enumerate(seeds) for j, o in enumerate(spec["opponents"])]


def season_values(spec, results, seeds):
    """(seeds,) per-seed objective: mean over the opponents of each battle's metric."""
    v = np.full((len(seeds), len(spec["opponents"])), np.nan)
    for (i, j), r in results.items():
        v[i, j] = R.metric(r, spec["metric"], 0)
    return v.mean(axis=1)


def play_batch(spec, study, trials, run, progress=None):
    """Play a batch of asked trials to the end (or until pruned) and tell the study, in trial order;
    progress(state name, value) after each."""
    from optuna.trial import TrialState
    seeds = spec["training_seeds"]
    bots = {t.number: absolute_spec_for(render(spec["template"], spec["params"], t.params), spec["base"])
            for t in trials}
    for t in trials:
        t.set_user_attr("spec", bots[t.number])
    got = {t.number: {} for t in trials}
    alive = list(trials)
    steps = [[k] for k in range(len(seeds))] if spec["pruner"] != "none" else [list(range(len(seeds)))]
    for step in steps:
        work = []
        for t in alive:
            for task, i, j in trial_tasks(spec, bots[t.number], seeds):
                if i in step:
                    work.append((t.number, i, j, task))
        res = run([w[3] for w in work])
        for (num, i, j, _), r in zip(work, res):
            got[num][(i, j)] = r
        if spec["pruner"] == "none":
            break
        still = []
        for t in alive:
            k = step[-1]
            vals = season_values(spec, got[t.number], seeds[:k + 1])
            t.report(float(np.mean(vals)), k)
            if k < len(seeds) - 1 and t.should_prune():
                t.set_user_attr("seasons", k + 1)
                study.tell(t, state=TrialState.PRUNED)
                if progress:
                    progress("PRUNED", None)
            else:
                still.append(t)
        alive = still
    for t in alive:
        vals = season_values(spec, got[t.number], seeds)
        t.set_user_attr("seasons", len(seeds))
        study.tell(t, float(np.mean(vals)))
        if progress:
            progress("COMPLETE", float(np.mean(vals)))


def heldout(spec, best_params, run):
    """Best vs the template's defaults on the held-out seeds: per-seed values and the paired interval."""
    seeds = spec["heldout_seeds"]
    defaults = {n: p["default"] for n, p in spec["params"].items()}
    out = {}
    for label, params in (("best", best_params), ("default", defaults)):
        bot = absolute_spec_for(render(spec["template"], spec["params"], params), spec["base"])
        items = trial_tasks(spec, bot, seeds)
        res = run([t for t, _, _ in items])
        out[label] = dict(spec=bot, params=params,
                          per_seed=season_values(spec, {(i, j): r for (_, i, j), r in zip(items, res)},
                                                 seeds).tolist())
    d = R.paired_ci(out["best"]["per_seed"], out["default"]["per_seed"])
    return dict(seeds=seeds, metric=spec["metric"], best=out["best"], default=out["default"],
                difference=dict(mean=d["mean"], low=d["low"], high=d["high"], half=d["half"], n=d["n"]),
                best_mean=d["mean_a"], default_mean=d["mean_b"], confidence=0.95)


def run_study(spec, study_dir, trials, jobs=1, scheduler=None, progress=None, on_battle=None):
    """Carry the study in `study_dir` on to `trials` finished trials, evaluate the best on the held-out seeds,
    write best.json and the plots; returns the summary dict."""
    import optuna
    _quiet_optuna()
    os.makedirs(study_dir, exist_ok=True)
    study = open_study(spec, study_dir)
    recovered = recover_stale(study)
    cache = R.BattleCache(os.path.join(study_dir, BATTLE_JOURNAL))
    dists = distributions(spec)
    t0 = time.perf_counter()
    with R.Runner(jobs=jobs, scheduler=scheduler, cache=cache) as runner:
        def run(tasks):
            return runner.run(tasks, on_result=on_battle)
        while len(finished(study)) < trials:
            n = min(spec["batch"], trials - len(finished(study)))
            batch = []
            for _ in range(n):
                t = study.ask(dists)
                t.set_user_attr("owner", _owner())
                batch.append(t)
            play_batch(spec, study, batch, run, progress)
        done = [t for t in finished(study) if t.state.name == "COMPLETE"]
        if not done:
            raise TuneError("no trial completed (every trial was pruned or failed)")
        best = study.best_trial
        ho = heldout(spec, best.params, run)
        played, reused, turns, btime = runner.played, runner.reused, runner.turns, runner.battle_time
    wall = time.perf_counter() - t0
    best_spec = absolute_spec_for(render(spec["template"], spec["params"], best.params), spec["base"])
    best_doc = dict(spec=best_spec, params=best.params, trial=best.number,
                    objective=dict(metric=spec["metric"], direction=spec["direction"], value=best.value,
                                   training_seeds=spec["training_seeds"], opponents=spec["opponents"],
                                   rounds=spec["rules"].rounds),
                    heldout=ho, template=spec["template"], study=spec["study_name"], spec_file=spec["path"])
    top = sorted(done, key=lambda t: t.value, reverse=spec["direction"] == "maximize")
    summary = dict(study_dir=os.path.abspath(study_dir), trials=len(finished(study)),
                   complete=len(done), pruned=len(finished(study)) - len(done), recovered=recovered,
                   best=best_doc,
                   top=[dict(trial=t.number, value=t.value, params=t.params, spec=t.user_attrs.get("spec"))
                        for t in top[:10]],
                   battles_played=played, battles_reused=reused, turns=turns, battle_time=btime, wall_time=wall,
                   jobs=jobs, scheduler=scheduler)
    files = [(os.path.join(study_dir, BEST_JSON), json_text(best_doc))]
    files += plots(study, spec, study_dir)
    for path, data in files:
        write_atomic(path, data)
    summary["files"] = [p for p, _ in files]
    return summary


def plots(study, spec, study_dir):
    """[(path, PNG bytes)]: optimisation history, parameter importances (2+ parameters, 3+ trials) and one
    slice plot per parameter."""
    import matplotlib
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from optuna.visualization import matplotlib as ovm
    out = []

    def save(name, make):
        import warnings
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)   # e.g. a slice of one value: "identical xlims"
                ax = make()
        except (ValueError, RuntimeError, ZeroDivisionError):
            plt.close("all")
            return
        fig = (ax.flat[0] if hasattr(ax, "flat") else ax).figure
        fig.set_size_inches(8, 5)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
        plt.close("all")
        out.append((os.path.join(study_dir, name), buf.getvalue()))

    complete = [t for t in study.trials if t.state.name == "COMPLETE"]
    save("history.png", lambda: ovm.plot_optimization_history(study, target_name=spec["metric"]))
    if len(spec["params"]) >= 2 and len(complete) >= 3:
        save("importances.png", lambda: ovm.plot_param_importances(study))
    for n in spec["params"]:
        save(f"slice-{n}.png", lambda n=n: ovm.plot_slice(study, params=[n], target_name=spec["metric"]))
    return out


# ---------------------------------------------------------------- output

def _fmt_params(p):
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in p.items())


def format_report(summary):
    b = summary["best"]
    ho = b["heldout"]
    metric = b["objective"]["metric"]
    lines = [f"Top trials ({metric}, {b['objective']['direction']}; mean over "
             f"{len(b['objective']['training_seeds'])} training seeds x {len(b['objective']['opponents'])} "
             f"opponents x {b['objective']['rounds']} rounds)"]
    head = ["rank", "trial", metric, "parameters"]
    rows = [[str(k + 1), str(t["trial"]), f"{t['value']:.4f}", _fmt_params(t["params"])]
            for k, t in enumerate(summary["top"])]
    w = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    lines.append("  ".join(h.rjust(w[i]) if i < 3 else h for i, h in enumerate(head)))
    for r in rows:
        lines.append("  ".join(c.rjust(w[i]) if i < 3 else c for i, c in enumerate(r)))
    lines.append("")
    lines.append(f"best: trial {b['trial']}, {metric} {b['objective']['value']:.4f}: {b['spec']}")
    d = ho["difference"]
    ci = ("n/a" if d["low"] is None or not np.isfinite(d["low"])
          else f"[{d['low']:+.4f}, {d['high']:+.4f}]")
    lines.append(f"held-out ({len(ho['seeds'])} seeds): best {ho['best_mean']:.4f}, defaults {ho['default_mean']:.4f}"
                 f" ({ho['default']['spec']}); difference {d['mean']:+.4f}, 95% paired CI {ci}"
                 + ("" if not np.isfinite(d["low"]) else
                    ("  -> better" if (d["low"] > 0) == (b["objective"]["direction"] == "maximize") and d["low"] * d["high"] > 0
                     else "  -> no significant difference" if d["low"] * d["high"] <= 0 else "  -> worse")))
    lines.append("")
    lines.append(f"{summary['trials']} trials ({summary['complete']} complete, {summary['pruned']} pruned); "
                 f"{summary['battles_played']} battles played, {summary['battles_reused']} read back from "
                 f"{BATTLE_JOURNAL}; {summary['turns']:,} turns in {summary['wall_time']:.1f} s wall")
    for p in summary["files"]:
        lines.append(f"written: {p}")
    return "\n".join(lines)


def build_parser(prog="gfsim tune"):
    class P(argparse.ArgumentParser):
        def error(self, message):
            raise TuneError(message)
    p = P(prog=prog, formatter_class=argparse.RawDescriptionHelpFormatter, epilog=SPEC_HELP,
          description="Search a bot template's parameters with Optuna. Each trial plays the bot against every "
                      "opponent on the same training seeds; the best is checked against the template's defaults "
                      "on held-out seeds (paired 95% interval). Resumable: run the same command again.")
    p.add_argument("spec", metavar="SPEC.toml", help="the tuning spec (see below)")
    p.add_argument("--trials", type=positive_int, required=True,
                   help="trials in the study in all (a rerun carries an unfinished study on to this many)")
    p.add_argument("--study", required=True, metavar="DIR",
                   help="the study folder: study.journal, battles.jsonl, best.json and the plots")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--jobs", type=positive_int, default=None,
                   help=f"battles in parallel local processes (default: the CPUs, here {R.default_jobs()})")
    g.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="play the battles on a Dask cluster (tcp://host:8786; pip install 'gfsim[cluster]')")
    p.add_argument("--parts", action="append", default=[], metavar="FILE",
                   help="a plug-in part file the bots use (repeatable; added to the spec's parts)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_progress_flags(p)
    return p


def main(argv=None, prog="gfsim tune"):
    argv = list(sys.argv[1:] if argv is None else argv)
    return run_command(prog, lambda a: _main(a, prog), argv)


def _main(argv, prog):
    """The command inside the shared error boundary (sim/cli/errors.py): bad input is one line, exit 2."""
    bar = None
    try:
        args = build_parser(prog).parse_args(argv)
        spec = load_spec(args.spec, args.parts)
        if os.path.exists(args.study) and not os.path.isdir(args.study):
            raise TuneError(f"--study {args.study} is a file, not a folder")
        show = args.progress if args.progress is not None else (sys.stderr.isatty() and not args.json)
        progress = on_battle = None
        if show:
            from tqdm import tqdm
            bar = tqdm(total=args.trials, desc="tune", unit="trial", file=sys.stderr, leave=False)
            state = dict(best=None, battles=0)

            def progress(state_name, v):
                if state_name == "COMPLETE":
                    if state["best"] is None or ((v > state["best"]) == (spec["direction"] == "maximize")):
                        state["best"] = v
                bar.update(1)
                bar.set_postfix_str(f"best {state['best']:.4f}" if state["best"] is not None else "")

            def on_battle(k, r):
                state["battles"] += 1
                bar.set_description(f"tune ({state['battles']} battles)")
        summary = run_study(spec, args.study, args.trials, jobs=args.jobs or R.default_jobs(),
                            scheduler=args.scheduler, progress=progress, on_battle=on_battle)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted (finished battles and trials are kept; run again to continue)", file=sys.stderr)
        return 130
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        sys.stdout.write(json_text(summary))
    else:
        print(format_report(summary))
    return 0


if __name__ == "__main__":
    from sim.cli.errors import exit_with
    exit_with(main())
