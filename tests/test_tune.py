"""gfsim tune: spec errors, resume after kill -9 without replaying a battle, pruning, Dask = local."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from sim.experiments import tune as T
from sim.experiments import runner as R

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TINY = """\
[bot]
template = "lock+circular:power={p},energy_rule=0+still"
[params.p]
type = "float"
low = 0.5
high = 3.0
[battles]
opponents = ["sample.Walls"]
rounds = 1
training_seeds = "0..2"
heldout_seeds = "10..11"
[objective]
metric = "hit_rate"
[sampler]
name = "random"
batch = 2
"""

PRUNE = """\
[bot]
template = "lock+{gun}+still"
[params.gun]
type = "categorical"
choices = ["none", "circular:power=3,energy_rule=0"]
default = "none"
[battles]
opponents = ["lock+none+orbit"]
rounds = 1
training_seeds = "0..3"
heldout_seeds = "10..11"
[objective]
metric = "hit_rate"
[sampler]
name = "random"
seed = 0
batch = 1
[pruner]
name = "median"
startup_trials = 1
warmup_seasons = 0
"""


def write(tmp_path, text, name="spec.toml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def journal_keys(study_dir):
    with open(os.path.join(study_dir, T.BATTLE_JOURNAL)) as f:
        return [json.loads(line)["key"] for line in f if line.endswith("\n")]


def trials_of(study_dir, spec):
    study = T.open_study(spec, study_dir)
    return [(t.number, t.state.name, t.params, t.value) for t in study.trials]


# ---------------------------------------------------------------- spec errors

BROKEN = [
    ("[bot]\ntemplate = 3\n", "bot.template"),
    ("[bot\n", "not valid TOML"),
    ('[bot]\ntemplate = "lock+knn+still"\n', "no {placeholder}"),
    ('[bot]\ntemplate = "lock+knn:k={k}+still"\n', "[params.k]"),
    (TINY.replace('type = "float"', 'type = "real"'), "params.p.type"),
    (TINY.replace("low = 0.5", "low = 5.0"), "low must be below high"),
    (TINY.replace("high = 3.0", "high = 30.0"), "out of range"),
    (TINY.replace('"sample.Walls"', '"sample.Nobody"'), "battles.opponents"),
    (TINY.replace('heldout_seeds = "10..11"', 'heldout_seeds = "2..4"'), "overlap"),
    (TINY.replace('metric = "hit_rate"', 'metric = "fun"'), "objective.metric"),
    (TINY.replace('name = "random"', 'name = "grid"'), "sampler.name"),
    (TINY + "[pruner]\nname = \"hyper\"\n", "pruner.name"),
    (TINY + "[extra]\n", "unknown key 'extra'"),
    (TINY.replace("[params.p]", "[params.q]\ntype = \"int\"\nlow = 1\nhigh = 2\n[params.p]"), "[params.q]"),
    (TINY.replace('[bot]', 'parts = ["missing_part.py"]\n[bot]'), "missing_part.py"),
    (TINY.replace('training_seeds = "0..2"', 'training_seeds = [1, "x"]'), "training_seeds"),
]


@pytest.mark.parametrize("text,needle", BROKEN)
def test_spec_errors_are_one_line_exit_2(tmp_path, capsys, text, needle):
    spec = write(tmp_path, text)
    code = T.main([spec, "--trials", "1", "--study", str(tmp_path / "s"), "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == "" and len(err.strip().splitlines()) == 1 and needle in err, err
    assert not os.path.exists(tmp_path / "s")


def test_missing_default_is_taken_from_the_part_declaration(tmp_path):
    spec = T.load_spec(write(tmp_path, TINY))
    assert spec["params"]["p"]["default"] == 2.0       # circular's declared power
    text = TINY.replace("lock+circular:power={p},energy_rule=0+still", "lock+circular:power=2+orbit:distance={p}")
    text = text.replace("low = 0.5", "low = 100.0").replace("high = 3.0", "high = 600.0")
    assert T.load_spec(write(tmp_path, text))["params"]["p"]["default"] == 450.0


def test_relative_model_path_in_spec_is_made_absolute(tmp_path):
    spec = R.absolute_spec("lock+learned:model=m/x.json,power=3+still", str(tmp_path))
    assert f"model={tmp_path}/m/x.json" in spec and "power=3" in spec
    assert R.absolute_spec("sample.Walls", str(tmp_path)) == "sample.Walls"
    # a path parameter's keywords are words, not files (forecast:corpus=none learns from the battle only)
    assert R.absolute_spec("lock+forecast:corpus=none,hazard_fit=none,futures=8+still", str(tmp_path)) == \
        "lock+forecast:corpus=none,hazard_fit=none,futures=8+still"
    assert R.absolute_spec("lock+forecast:corpus=c.npz+still", str(tmp_path)) == \
        f"lock+forecast:corpus={tmp_path / 'c.npz'}+still"


def test_changed_spec_refuses_the_old_study(tmp_path, capsys):
    spec = write(tmp_path, TINY)
    study = str(tmp_path / "s")
    T.open_study(T.load_spec(spec), study) if os.makedirs(study) is None else None
    spec2 = write(tmp_path, TINY.replace("high = 3.0", "high = 2.5"), "b.toml")
    code = T.main([spec2, "--trials", "1", "--study", study, "--no-progress"])
    assert code == 2 and "another spec" in capsys.readouterr().err


# ---------------------------------------------------------------- resume

def test_kill_9_mid_study_then_rerun_never_replays_a_battle(tmp_path):
    spec = write(tmp_path, TINY.replace("batch = 2", "batch = 1").replace("rounds = 1", "rounds = 30"))
    study = str(tmp_path / "s")
    env = dict(os.environ, PYTHONPATH=ROOT)
    cmd = [sys.executable, "-m", "sim.cli.main", "tune", spec, "--trials", "6", "--study", study,
           "--jobs", "1", "--no-progress"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = os.path.join(study, T.BATTLE_JOURNAL)
    deadline = time.time() + 300
    try:
        # kill inside a trial (a trial plays 3 battles): its finished battles must then be read back. The study is
        # stepped, not raced: it runs ~5 ms between stops and its journal is read while it is stopped, so a
        # battle (~50 ms of CPU) cannot slip past a check however loaded the machine is, and what was read is
        # what the kill leaves
        while time.time() < deadline and proc.poll() is None:
            os.kill(proc.pid, signal.SIGSTOP)
            _, status = os.waitpid(proc.pid, os.WUNTRACED)     # returns once it has stopped (or ended)
            assert os.WIFSTOPPED(status), "the study finished before it could be killed"
            if os.path.exists(journal) and len(journal_keys(study)) >= 4 and len(journal_keys(study)) % 3:
                break
            os.kill(proc.pid, signal.SIGCONT)
            time.sleep(0.005)
        assert proc.poll() is None, "the study finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    before = journal_keys(study)
    assert 4 <= len(before) < 6 * 3 + 2 * 2
    killed = T.open_study(T.load_spec(spec), study)
    running = [t for t in killed.trials if t.state.name == "RUNNING"]
    summary = T.run_study(T.load_spec(spec), study, 6, jobs=1)
    after = journal_keys(study)
    assert len(after) == len(set(after)), "a battle was played twice"
    assert after[:len(before)] == before
    assert summary["battles_played"] == len(after) - len(before)
    assert summary["recovered"] == len(running) <= 1
    if running:
        # the cut-short trial is asked again with its parameters and its finished battles are read back
        assert summary["battles_reused"] >= 1
        redone = [t for t in T.open_study(T.load_spec(spec), study).trials if t.number > running[0].number
                  and t.params == running[0].params]
        assert redone and redone[0].state.name == "COMPLETE"
    assert summary["trials"] == 6
    assert os.path.exists(os.path.join(study, T.BEST_JSON))
    # a complete study run again plays nothing
    again = T.run_study(T.load_spec(spec), study, 6, jobs=1)
    assert again["battles_played"] == 0 and again["best"]["spec"] == summary["best"]["spec"]


# ---------------------------------------------------------------- pruning

def test_median_pruner_stops_poor_trials_season_by_season(tmp_path):
    spec = T.load_spec(write(tmp_path, PRUNE))
    study = str(tmp_path / "s")
    summary = T.run_study(spec, study, 6, jobs=1)
    trials = T.open_study(spec, study).trials
    pruned = [t for t in trials if t.state.name == "PRUNED"]
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    assert pruned and complete and summary["pruned"] == len(pruned)
    n_seeds = len(spec["training_seeds"])
    for t in complete:
        assert sorted(t.intermediate_values) == list(range(n_seeds))
    for t in pruned:
        seasons = t.user_attrs["seasons"]
        assert seasons < n_seeds and sorted(t.intermediate_values) == list(range(seasons))
        # it was worse than the median of the finished trials at the season it stopped
        step = seasons - 1
        done_before = [c.intermediate_values[step] for c in complete if c.number < t.number]
        assert max(t.intermediate_values.values()) < np.percentile(done_before, 50)
    # its battles stop too: training battles in the journal = the seasons each trial played
    played = sum(t.user_attrs["seasons"] for t in trials)
    assert summary["battles_played"] == len(set(journal_keys(study)))
    assert played < len(trials) * n_seeds


# ---------------------------------------------------------------- dask

def test_dask_gives_the_same_trials_as_local(tmp_path):
    from dask.distributed import LocalCluster
    spec = T.load_spec(write(tmp_path, TINY))
    local = T.run_study(spec, str(tmp_path / "local"), 3, jobs=2)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        dask = T.run_study(spec, str(tmp_path / "dask"), 3, scheduler=cluster.scheduler_address)
    assert trials_of(str(tmp_path / "local"), spec) == trials_of(str(tmp_path / "dask"), spec)
    assert local["best"]["heldout"] == dask["best"]["heldout"]
    assert sorted(journal_keys(str(tmp_path / "local"))) == sorted(journal_keys(str(tmp_path / "dask")))


def test_best_json_is_a_bot_for_battle(tmp_path, capsys):
    from sim.cli.main import main
    spec = T.load_spec(write(tmp_path, TINY))
    T.run_study(spec, str(tmp_path / "s"), 2, jobs=1)
    best = str(tmp_path / "s" / T.BEST_JSON)
    d = json.load(open(best))
    assert d["heldout"]["difference"]["n"] == 2 and set(d["params"]) == {"p"}
    code = main(["battle", best, "sample.Walls", "--rounds", "1", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and d["spec"].replace(",energy_rule=0", "") != "" and len(out["results"]) == 2


# ---------------------------------------------------------------- tournament and multi-seed battles

def test_tournament_table_and_resume(tmp_path, capsys):
    from sim.cli.main import main
    argv = ["tournament", "sample.Walls", "sample.SpinBot", "sample.Crazy", "--seasons", "3", "--rounds", "2",
            "--jobs", "1", "--dir", str(tmp_path), "--json"]
    assert main(argv) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["battles"] == 3 * 3 and d["battles_played"] == 9
    aps = {b["name"]: b["aps"]["mean"] for b in d["bots"]}
    # percentage scores of a pair add up to 100, so the APS of all bots average 50
    assert sum(aps.values()) / 3 == pytest.approx(50.0)
    pairs = {(p["bot"], p["opponent"]): p["score_share"] for p in d["pairs"]}
    assert pairs[("sample.Walls", "sample.Crazy")] + pairs[("sample.Crazy", "sample.Walls")] == pytest.approx(100)
    for b in d["bots"]:
        assert b["aps"]["n"] == 3 and b["aps"]["low"] <= b["aps"]["mean"] <= b["aps"]["high"]
        assert b["pwin"] in (0.0, 25.0, 50.0, 75.0, 100.0)
    assert [b["rank"] for b in d["bots"]] == [1, 2, 3]
    # one more season: only its 3 battles are played
    argv[argv.index("3")] = "4"
    assert main(argv) == 0
    d2 = json.loads(capsys.readouterr().out)
    assert d2["battles_played"] == 3 and d2["battles_reused"] == 9
    assert main(argv[:-1]) == 0
    out = capsys.readouterr().out
    assert "APS %" in out and "PWIN %" in out and "Survival %" in out and " ± " in out


def test_tournament_needs_two_bots(capsys):
    from sim.cli.main import main
    assert main(["tournament", "sample.Walls"]) == 2
    assert "at least 2 bots" in capsys.readouterr().err


def test_battle_seeds_prints_mean_and_interval(capsys):
    from sim.cli.main import main
    assert main(["battle", "sample.Walls", "sample.SpinBot", "--rounds", "2", "--seeds", "1..3", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["seeds"] == [1, 2, 3] and len(d["robots"]) == 2
    a, b = d["robots"]
    assert a["score_share"]["mean"] + b["score_share"]["mean"] == pytest.approx(100.0)
    one = []
    for s in (1, 2, 3):
        assert main(["battle", "sample.Walls", "sample.SpinBot", "--rounds", "2", "--seed", str(s), "--json"]) == 0
        r = {x["name"]: x for x in json.loads(capsys.readouterr().out)["results"]}
        one.append(r["sample.Walls"]["shots"])
    assert a["shots"]["mean"] == pytest.approx(np.mean(one)) and a["shots"]["n"] == 3
    assert main(["battle", "sample.Walls", "sample.SpinBot", "--rounds", "2", "--seeds", "1..3"]) == 0
    out = capsys.readouterr().out
    assert "Hit %" in out and " ± " in out
    assert main(["battle", "sample.Walls", "sample.SpinBot", "--seeds", "1..3", "--record"]) == 2


def test_battle_table_has_shots_hits_and_hit_percent(capsys):
    from sim.cli.main import main
    assert main(["battle", "sample.Walls", "sample.SpinBot", "--rounds", "2", "--no-progress"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[-4:] == ["Shots", "Hits", "Hit", "%"]
    shots, hits, pct = lines[2].split()[-3:]
    assert float(pct) == pytest.approx(100.0 * int(hits) / int(shots), abs=0.05)


def test_progress_bar_shows_the_best_so_far(tmp_path, capsys):
    spec = write(tmp_path, TINY)
    code = T.main([spec, "--trials", "2", "--study", str(tmp_path / "s"), "--jobs", "1", "--progress"])
    out, err = capsys.readouterr()
    assert code == 0 and "best 0." in err and "trial" in err
    assert "held-out (2 seeds)" in out and "95% paired CI" in out and "Top trials" in out


def test_best_json_as_challenge_gun_and_bad_files(tmp_path, capsys):
    from sim.experiments import challenge as C
    from sim.cli.main import main
    best = tmp_path / "best.json"
    best.write_text(json.dumps({"spec": "lock+learned:model=m.json,power=3+still"}))
    (tmp_path / "m.json").write_text("{}")
    assert R.load_bot_arg(str(best)) == f"lock+learned:model={tmp_path}/m.json,power=3+still"
    best.write_text(json.dumps({"spec": "lock+circular:power=3+still"}))
    guns, movs, _ = C.resolve([str(best)], [str(best)])
    assert guns == [(str(best), "lock+circular:power=3+still")] and movs == guns
    # a gun spec whose parameter is a .json file is a spec, not a best.json
    assert R.load_bot_arg("learned:model=m.json") == "learned:model=m.json"
    for text, needle in (("[1, 2]", "no \"spec\""), ("{", "not JSON")):
        best.write_text(text)
        assert main(["battle", str(best), "sample.Walls"]) == 2
        err = capsys.readouterr().err
        assert needle in err and len(err.strip().splitlines()) == 1
    assert main(["battle", str(tmp_path / "none.json"), "sample.Walls"]) == 2
    assert "no such file" in capsys.readouterr().err
