"""Streamed recording (sim/io/streaming.py): a battle played and written a few rounds at a time gives the same
engine traces, the same replay bytes and the same dataset bytes as the battle played and written at once; the
buffers it holds do not grow with the rounds; a kill mid-write leaves nothing behind."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sim.engine.battle import BattleRun, run_battle
from sim.engine.rules import Rules
from sim.io.dataset import DatasetWriter, base_meta, load_dataset, write_battle_dataset
from sim.io.replay import (
    load_replay,
    replay_from_battle,
    replays_equal,
    save_replay,
    verify_replay,
)
from sim.io.streaming import DatasetSink, ReplaySink, stream_battle

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ["sample.Walls", "sample.SpinBot"]


def _whole(bots, rounds, seed, **kw):
    return run_battle(bots, Rules(rounds=rounds), seed=seed, record=True, **kw)


@pytest.mark.parametrize("chunk", [1, 2, 5])
def test_chunked_battle_has_the_whole_battles_trace(chunk):
    bots, rounds, seed = ["sample.Crazy", "sample.Fire", "sample.Tracker"], 5, 11
    whole = _whole(bots, rounds, seed)
    run = BattleRun(bots, Rules(rounds=rounds), seed, record=True, trace_rounds=chunk)
    pieces = []
    for r0 in range(0, rounds, chunk):
        run.play(r0, min(rounds, r0 + chunk))
        pieces.append(run.take_trace())
    assert [p.first_round for p in pieces] == list(range(0, rounds, chunk))
    assert np.array_equal(np.concatenate([p.robots_trace for p in pieces]), whole.robots_trace)
    assert np.array_equal(np.concatenate([p.bullets_trace for p in pieces]), whole.bullets_trace)
    assert np.array_equal(np.concatenate([p.round_turns for p in pieces]), whole.round_turns)
    res = run.result()
    assert np.array_equal(res.round_scores, whole.round_scores) and np.array_equal(res.round_stats, whole.round_stats)
    assert [r.total for r in res.results] == [r.total for r in whole.results]


def test_recording_overflow_plays_the_chunk_again_with_larger_buffers():
    """Buffers far too small for one round: every chunk overflows and is played again; same trace."""
    whole = _whole(SAMPLES, 3, 2)
    run = BattleRun(SAMPLES, Rules(rounds=3), 2, record=True, record_capacity=40)
    rob, bul = [], []
    for r in range(3):
        run.play(r, r + 1)
        t = run.take_trace()
        rob.append(t.robots_trace)
        bul.append(t.bullets_trace)
    assert np.array_equal(np.concatenate(rob), whole.robots_trace)
    assert np.array_equal(np.concatenate(bul), whole.bullets_trace)
    small = _whole(SAMPLES, 3, 2, record_capacity=40)
    assert np.array_equal(small.robots_trace, whole.robots_trace)


def test_engine_buffers_do_not_grow_with_rounds():
    """Memory is bounded by construction: the trace buffers hold one chunk whatever --rounds is, and no chunk
    handed to a sink holds more than chunk_rounds rounds."""
    sizes = []
    for rounds in (4, 40):
        run = BattleRun(SAMPLES, Rules(rounds=rounds), 1, record=True, trace_rounds=2)
        sizes.append((run.rec_rob.shape, run.rec_bul.shape))

    class Probe:
        needs_first_powers = True
        biggest = 0

        def start(self, run, first):
            self.run = run

        def add(self, chunk):
            assert chunk.end_round - chunk.first_round <= 2
            self.biggest = max(self.biggest, self.run.rec_rob.shape[0])

        def finish(self, result):
            return self.biggest

        def abort(self):
            pass

    _, (biggest,) = stream_battle(SAMPLES, Rules(rounds=40), 1, [Probe()], chunk_rounds=2)
    assert sizes[0] == sizes[1] and biggest == sizes[1][0][0]


def test_dataset_writer_buffers_at_most_chunk_rows(tmp_path):
    """A streamed collect keeps below chunk_rows rows per table, plus one chunk's append, whatever the rounds."""
    wr = DatasetWriter(tmp_path / "d.npz", base_meta(Rules(rounds=6), SAMPLES), chunk_rows=300)
    sink = DatasetSink(wr, 0, SAMPLES)
    buffered, appended = [], []
    real_append = wr.append

    def append(table, cols):
        appended.append(len(next(iter(cols.values()))))
        real_append(table, cols)
        buffered.append(wr.buffered[table])
    wr.append = append
    with wr:
        stream_battle(SAMPLES, Rules(rounds=6), 3, [sink], chunk_rounds=1)
        assert wr.spill_dir is not None and max(appended) > 0
        wr.close()
    assert max(buffered) < 300    # spilled as soon as a table reached the limit
    assert wr.spill_dir is None   # and the spill folder is gone once the file is written


def test_dataset_writer_keeps_copies_not_views(tmp_path):
    """A column sliced from a large kernel output must not keep that output alive while it is buffered
    (the enemy table's few rows per round did, until the next spill: memory grew with the rounds)."""
    import gc
    import weakref
    big = np.zeros((3, 1_000_000))
    ref = weakref.ref(big)
    cols = {"row": big[0, :5].astype(np.int64), "gf_lo": big[1, :5], "gf_hi": big[2, :5]}
    wr = DatasetWriter(tmp_path / "d.npz", base_meta(Rules(rounds=1), SAMPLES), chunk_rows=1000)
    wr.append("parts", cols)
    del big, cols
    gc.collect()
    assert ref() is None
    wr.abort()


def _replay_bytes(tmp_path, name, bots, rounds, seed, chunk, virtual=False):
    path = tmp_path / f"{name}-{chunk}.gfr"
    stream_battle(bots, Rules(rounds=rounds), seed, [ReplaySink(path, bots, virtual_waves=virtual)],
                  chunk_rounds=chunk)
    return path.read_bytes()


@pytest.mark.parametrize("virtual", [False, True])
def test_streamed_replay_is_the_same_file(tmp_path, virtual):
    bots, rounds, seed = SAMPLES, 5, 4
    whole = tmp_path / "whole.gfr"
    save_replay(whole, replay_from_battle(_whole(bots, rounds, seed), bots, virtual_waves=virtual))
    for chunk in (1, 2, 5):
        assert _replay_bytes(tmp_path, "s", bots, rounds, seed, chunk, virtual) == whole.read_bytes()
    rp = load_replay(whole)
    assert rp.meta["trace_digest"] == 2 and verify_replay(rp) == (True, "")


def test_streamed_replay_of_three_robots(tmp_path):
    bots = ["sample.Crazy", "sample.Fire", "sample.Tracker"]
    whole = tmp_path / "whole.gfr"
    save_replay(whole, replay_from_battle(_whole(bots, 4, 9), bots))
    assert _replay_bytes(tmp_path, "three", bots, 4, 9, 1) == whole.read_bytes()


def test_streamed_replay_with_telemetry_is_the_same_file(tmp_path):
    """Composite bots write telemetry (aim and danger densities), drained every round."""
    bots = ["lock+learned+surf", "lock+knn+orbit"]
    whole = tmp_path / "whole.gfr"
    save_replay(whole, replay_from_battle(_whole(bots, 3, 1), bots))
    rp = load_replay(whole)
    assert rp.telemetry is not None and len(rp.telemetry["round"]) > 0
    assert _replay_bytes(tmp_path, "tele", bots, 3, 1, 1) == whole.read_bytes()
    assert _replay_bytes(tmp_path, "tele", bots, 3, 1, 2) == whole.read_bytes()


def test_replays_with_the_old_digest_still_load_and_verify():
    """Replays written before digest version 2 keep theirs: load and verify. The file is the shipped example
    as it was before digest version 2 (kept here since the example itself is re-recorded)."""
    rp = load_replay(ROOT / "tests" / "golden" / "example-digest-v1.gfr")
    assert "trace_digest" not in rp.meta
    assert verify_replay(rp) == (True, "")


def _dataset_bytes(tmp_path, name, bots, rounds, seeds, chunk, chunk_rows=None):
    from sim.experiments.collect import collect
    path = tmp_path / f"{name}-{chunk}-{chunk_rows}.npz"
    collect(bots[0], bots[1], seeds, str(path), rules=Rules(rounds=rounds), chunk_rows=chunk_rows, chunk_rounds=chunk)
    return path.read_bytes()


@pytest.mark.parametrize("bots", [SAMPLES, ["sample.SittingDuck", "sample.Fire"]])
def test_streamed_dataset_is_the_same_file(tmp_path, bots):
    """SittingDuck never fires: its virtual waves take --virtual-power, known only at the battle's end, so the
    battle is played twice (held, then fed from round 0)."""
    rounds, seeds = 4, [3, 8]
    old = tmp_path / "old.npz"
    meta = base_meta(Rules(rounds=rounds), bots)
    with DatasetWriter(old, meta) as wr:
        from sim.io.dataset import TABLES, battle_tables
        gun = 0
        for k, seed in enumerate(seeds):
            tables, entry = battle_tables(_whole(bots, rounds, seed), k, specs=bots)
            tables["parts"]["row"] = tables["parts"]["row"] + gun
            for t in TABLES:
                wr.append(t, tables[t])
            gun += entry["gun_rows"]
            wr.meta["battles"].append(entry)
        wr.close()
    for chunk, rows in ((1, 100), (3, None), (4, None)):
        assert _dataset_bytes(tmp_path, "s", bots, rounds, seeds, chunk, rows) == old.read_bytes()
    d = load_dataset(old)
    assert len(d) > 0 and d.meta["battles"][1]["rounds"] == rounds


def test_streamed_battle_dataset_equals_write_battle_dataset(tmp_path):
    bots = ["sample.Walls", "sample.Fire"]
    res = _whole(bots, 3, 5)
    write_battle_dataset(res, tmp_path / "old.npz", specs=bots)
    with DatasetWriter(tmp_path / "new.npz", base_meta(res.rules, bots), chunk_rows=64) as wr:
        stream_battle(bots, Rules(rounds=3), 5, [DatasetSink(wr, 0, bots)], chunk_rounds=2)
        wr.close()
    assert (tmp_path / "new.npz").read_bytes() == (tmp_path / "old.npz").read_bytes()


def test_cli_record_and_dataset_match_the_in_memory_files(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "sim.cli", "battle", *SAMPLES, "--rounds", "3", "--seed", "6", "--no-progress",
           "--record", str(tmp_path / "r.gfr"), "--dataset", str(tmp_path / "d.npz"), "--virtual-waves"]
    p = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env, timeout=600)
    assert p.returncode == 0, p.stderr
    res = _whole(SAMPLES, 3, 6)
    save_replay(tmp_path / "old.gfr", replay_from_battle(res, SAMPLES, virtual_waves=True))
    write_battle_dataset(res, tmp_path / "old.npz", specs=SAMPLES)
    assert (tmp_path / "r.gfr").read_bytes() == (tmp_path / "old.gfr").read_bytes()
    assert (tmp_path / "d.npz").read_bytes() == (tmp_path / "old.npz").read_bytes()
    assert replays_equal(load_replay(tmp_path / "r.gfr"), load_replay(tmp_path / "old.gfr"))[0]


def _leftovers(folder):
    return sorted(p.name for p in Path(folder).iterdir() if p.name.startswith(".gfsim-"))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("what", ["record", "collect"])
def test_killed_streaming_write_leaves_nothing(tmp_path, sig, what, default_sigint):
    """Killed while the spill folder is being filled: no temporary file, no spill folder, no output."""
    out = tmp_path / ("r.gfr" if what == "record" else "d.npz")
    args = (["battle", *SAMPLES, "--record", str(out)] if what == "record"
            else ["collect", *SAMPLES, "--out", str(out)])
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.Popen([sys.executable, "-m", "sim.cli", *args, "--rounds", "100000", "--no-progress"],
                         cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=default_sigint)
    try:
        deadline = time.time() + 600
        while time.time() < deadline and p.poll() is None:
            spill = [q for q in tmp_path.iterdir() if q.name.endswith(".spill")]
            if spill and any(f.stat().st_size > 0 for f in spill[0].iterdir()):
                break
            time.sleep(0.2)
        assert p.poll() is None, p.stderr.read().decode()
        p.send_signal(sig)
        _, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == (143 if sig == signal.SIGTERM else 130), err.decode()
    assert _leftovers(tmp_path) == [] and not out.exists()
