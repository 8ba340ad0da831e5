"""Process pools whose workers never outlive the command that started them.

A worker (forked or spawned) asks the kernel for SIGKILL when its parent dies (Linux
prctl PR_SET_PDEATHSIG, via ctypes) and, as a fallback on other systems or if the
parent was already gone, polls getppid() once a second. It ignores SIGINT (Ctrl-C
reaches the whole process group: the parent alone decides) and takes SIGTERM's
default action. The parent, on any exception (Ctrl-C, SIGTERM turned into an
exception by sim.cli.errors), cancels what is queued and terminates the workers
instead of waiting for their battles to end.
"""
import os
import signal
import threading
import time

PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid):
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:      # the parent died before prctl took effect
        os._exit(1)

    def watch():
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(1)
    threading.Thread(target=watch, name="gfsim-parent-watch", daemon=True).start()


def worker_init(parent_pid, inner=None, inner_args=()):
    """ProcessPoolExecutor initializer: tie the worker's life to `parent_pid`, then run `inner`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent_pid)
    if inner is not None:
        inner(*inner_args)


def make_pool(jobs, mp_context, initializer=None, initargs=()):
    """A ProcessPoolExecutor of `jobs` workers set up by worker_init."""
    from concurrent.futures import ProcessPoolExecutor
    return ProcessPoolExecutor(max_workers=jobs, mp_context=mp_context, initializer=worker_init,
                               initargs=(os.getpid(), initializer, tuple(initargs)))


def kill_pool(ex):
    """Stop a pool now: cancel queued work, terminate the workers, reap them."""
    procs = list((getattr(ex, "_processes", None) or {}).values())
    ex.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        try:
            p.terminate()
        except (OSError, AttributeError, ValueError):
            pass
    for p in procs:
        try:
            p.join(5)
            if p.is_alive():
                p.kill()
                p.join(1)
        except (OSError, AttributeError, ValueError, AssertionError):
            pass


def map_tasks(fn, tasks, jobs, on_done=None):
    """[fn(task) for task in tasks], in this process (jobs 1, or one task) or on a pool of `jobs` workers made by
    make_pool (forked where the platform forks: compile before, and the workers inherit it) that is killed on any
    exception, Ctrl-C and SIGTERM included. Results in task order; on_done(n) after each of them."""
    tasks = list(tasks)
    out = [None] * len(tasks)
    if jobs <= 1 or len(tasks) <= 1:
        for k, task in enumerate(tasks):
            out[k] = fn(task)
            if on_done:
                on_done(k + 1)
        return out
    import multiprocessing as mp
    from concurrent.futures import as_completed
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context("spawn")
    pool = make_pool(min(jobs, len(tasks)), ctx)
    try:
        futures = {pool.submit(fn, task): k for k, task in enumerate(tasks)}
        for n, f in enumerate(as_completed(futures), start=1):
            out[futures[f]] = f.result()
            if on_done:
                on_done(n)
    except BaseException:
        kill_pool(pool)
        raise
    pool.shutdown(wait=True)
    return out


def map_tasks_shown(fn, tasks, jobs, show, label, unit):
    """map_tasks with a progress bar of `unit`s labelled `label` on stderr when `show` (sim.cli.args.progress_bar),
    closed however the tasks end."""
    from sim.cli.args import progress_bar
    tasks = list(tasks)
    bar, update = progress_bar(len(tasks), show, label, unit=unit)
    try:
        return map_tasks(fn, tasks, jobs, update)
    finally:
        if bar is not None:
            bar.close()
