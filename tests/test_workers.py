"""sim/experiments/workers.map_tasks: the same results in task order in this process and on a pool of workers,
and a task's exception reaches the caller (the pool is killed, not waited for)."""
import os
import time

import pytest

from sim.experiments.workers import map_tasks, map_tasks_shown


def _slow_square(x):
    time.sleep(0.05 * (x % 3))        # later tasks may finish first
    return x * x, os.getpid()


def _fail_on_three(x):
    if x == 3:
        raise ValueError("task 3 failed")
    return x


def test_a_pool_gives_the_tasks_results_in_their_order():
    done = []
    alone = map_tasks(_slow_square, range(8), 1, done.append)
    pooled = map_tasks(_slow_square, range(8), 2, done.append)
    assert [r for r, _ in pooled] == [r for r, _ in alone] == [x * x for x in range(8)]
    assert {pid for _, pid in alone} == {os.getpid()} and os.getpid() not in {pid for _, pid in pooled}
    assert done == list(range(1, 9)) * 2


def test_a_failed_task_raises_in_the_caller():
    with pytest.raises(ValueError, match="task 3 failed"):
        map_tasks(_fail_on_three, range(6), 2)


def test_shown_tasks_are_the_same_results_with_a_bar_that_counts_them(capsys, monkeypatch):
    import sim.cli.args
    bars = []

    def kept_bar(*args, **kw):        # the bar itself: what tqdm last drew depends on its refresh interval
        bar, update = real_bar(*args, **kw)
        bars.append(bar)
        return bar, update
    real_bar = sim.cli.args.progress_bar
    monkeypatch.setattr(sim.cli.args, "progress_bar", kept_bar)
    assert map_tasks_shown(_fail_on_three, [0, 1, 2], 1, False, "quiet", "task") == [0, 1, 2]
    assert capsys.readouterr().err == "" and bars == [None]
    assert [r for r, _ in map_tasks_shown(_slow_square, range(4), 2, True, "squares", "task")] == [0, 1, 4, 9]
    assert "squares" in capsys.readouterr().err
    assert (bars[1].n, bars[1].total) == (4, 4)
    with pytest.raises(ValueError, match="task 3 failed"):
        map_tasks_shown(_fail_on_three, range(6), 1, True, "failing", "task")
