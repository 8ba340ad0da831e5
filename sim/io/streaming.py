"""Record a battle straight to disk, a few rounds at a time, so memory stays bounded over any number of rounds.

``stream_battle`` plays a recorded battle with sim.engine.battle.BattleRun in chunks of
``chunk_rounds`` rounds; after each chunk it takes the chunk's trace out of the engine's
buffers and hands it to its sinks, which turn it into rows and append them to their
files' spill folders:

* ``ReplaySink`` -- a replay (sim.io.replay.ReplayWriter: robot frames, bullets, events,
  waves and telemetry of the chunk's rounds, encoded and appended per zip member);
* ``DatasetSink`` -- the battle's wave dataset rows (sim.io.dataset.BattleWaves into a
  DatasetWriter that spills every ``chunk_rows`` rows).

Every table is computed from whole rounds, and what carries from one round to the next
(engine state, robot-series deltas, each shooter's virtual-wave power and shot count,
each surfer's detections, the trace digest) is carried explicitly, so the files are the
same bytes as those written from the whole battle at once, whatever the chunk size.

One thing is not known from the rounds played so far: the power of a robot's virtual
waves before its first real bullet is the power of that bullet (tracking.WaveCarry).
Sinks that need it (datasets, replays with virtual waves) are not fed until every robot
has fired once; if that takes more than the first chunk, the battle is played again
from round 0 (it is deterministic) and fed from there. A robot that never fires makes
the battle play twice.

Outputs stay atomic: the sinks write into spill folders and temporary files next to
their targets (sim.io.atomic, removed on SIGINT/SIGTERM) and rename them into place only
when the whole battle was played.
"""
import math

import numpy as np

DEFAULT_CHUNK_ROUNDS = 10     # rounds per chunk: ~1,300 turns each for the sample robots, a few MB of trace


class ReplaySink:
    """Writes the replay of the streamed battle to `path` (sim.io.replay's format, same bytes as
    save_replay(replay_from_battle(...)))."""

    def __init__(self, path, bots, waves=True, virtual_waves=False):
        from sim.io.replay import _spec_names
        self.path, self.specs = path, _spec_names(bots)
        self.waves, self.virtual_waves = waves and len(self.specs) == 2, virtual_waves
        self.writer = None

    @property
    def needs_first_powers(self):
        return self.waves and self.virtual_waves

    def start(self, run, first_powers):
        from sim.io.replay import ReplayWriter, TraceDigest
        from sim.waves.tracking import WaveCarry
        self.abort()
        self.writer = ReplayWriter(self.path, run.n)
        self.carry = WaveCarry(first_powers)
        self.digest = TraceDigest()
        self.wave_rows = 0 if self.waves else None
        self.tele_rows = self.tele_dropped = 0

    def add(self, chunk):
        from sim.io.replay import _trace_piece, _wave_table
        robots, bullets, events, tele, dropped = _trace_piece(chunk, self.writer.n, chunk.first_round)
        waves = None
        if self.wave_rows is not None:
            waves = _wave_table(chunk, self.virtual_waves, self.carry)
            if waves is None:            # not a trace gun_waves reads: no waves section at all
                self.wave_rows = None
                self.writer.drop_section("waves")
            else:
                self.wave_rows += len(waves["round"])
        self.tele_rows += 0 if tele is None else len(tele["round"])
        self.tele_dropped += dropped
        self.writer.add(chunk.round_turns, robots, bullets, events, waves, tele)
        self.digest.update(chunk.robots_trace, chunk.bullets_trace)

    def finish(self, result):
        from sim.io.replay import _replay_meta, _sections
        sections = _sections(self.wave_rows, self.virtual_waves, self.tele_rows, self.tele_dropped)
        meta = _replay_meta(self.specs, result.names, result.rules, result.seed, self.writer.rounds,
                            self.writer.frames, sections, result.results,
                            self.digest.hexdigest(result.round_scores))
        w, self.writer = self.writer, None
        return w.close(meta, result.round_scores, np.asarray(result.round_stats).astype(np.int64))

    def abort(self):
        if self.writer is not None:
            self.writer.abort()
            self.writer = None


class DatasetSink:
    """Appends the streamed battle's wave rows (battle `battle_id`) to an open DatasetWriter and its entry
    to the writer's meta; `row_offset`: gun rows already in the writer (the parts table points at them)."""

    needs_first_powers = True

    def __init__(self, writer, battle_id, specs, virtual_power=2.0, row_offset=0):
        self.writer, self.battle_id, self.specs = writer, battle_id, specs
        self.virtual_power, self.row_offset = virtual_power, row_offset
        self.waves = None

    def start(self, run, first_powers):
        from sim.io.dataset import BattleWaves
        if self.waves is not None:
            raise RuntimeError("a DatasetSink cannot take its battle twice (rows already appended)")
        self.waves = BattleWaves(self.battle_id, run.seed, self.specs, first_powers, self.virtual_power,
                                 run.rules.rounds)

    def add(self, chunk):
        from sim.io.dataset import TABLES
        tables = self.waves.tables(chunk)
        tables["parts"]["row"] = tables["parts"]["row"] + self.row_offset
        for t in TABLES:
            self.writer.append(t, tables[t])

    def finish(self, result):
        entry = self.waves.entry(result.total_turns)
        self.writer.meta["battles"].append(entry)
        return entry

    def abort(self):
        pass


def stream_battle(bots, rules, seed, sinks, chunk_rounds=DEFAULT_CHUNK_ROUNDS, progress=None, parts=None,
                  compile_progress=True):
    """Play a recorded battle `chunk_rounds` rounds at a time, feed every chunk's trace to `sinks` and
    finish them; returns the BattleResult (without traces) and the sinks' finish() values. `progress` is
    called with the rounds played so far. On any error (or a signal) the sinks are aborted and their
    temporary files removed."""
    from sim.engine.battle import BattleRun
    from sim.waves.tracking import first_powers
    chunk_rounds = max(1, int(chunk_rounds))
    run = BattleRun(bots, rules, seed, record=True, trace_rounds=chunk_rounds, parts=parts,
                    compile_progress=compile_progress)
    rounds = run.rules.rounds
    held = run.n == 2 and any(s.needs_first_powers for s in sinks)
    first = np.full(2 if run.n == 2 else run.n, math.nan)
    started = False
    done = 0
    try:
        r0 = 0
        while r0 < rounds:
            r1 = min(rounds, r0 + chunk_rounds)
            run.play(r0, r1)
            chunk = run.take_trace()
            if progress is not None and r1 > done:
                done = r1
                progress(r1)
            if held:
                fp = first_powers(chunk)
                first = np.where(np.isnan(first), fp, first)
                if np.isnan(first).any() and r1 < rounds:
                    r0 = r1
                    continue          # a robot has not fired yet: keep playing, nothing handed over
                held = False
                if r0 > 0:            # the chunks before this one were not handed over: play them again
                    run.reset()
                    r0 = 0
                    continue
            if not started:
                for s in sinks:
                    s.start(run, first)
                started = True
            for s in sinks:
                s.add(chunk)
            r0 = r1
        result = run.result()
        result.robots_trace = result.bullets_trace = result.telemetry = None   # handed to the sinks
        return result, [s.finish(result) for s in sinks]
    except BaseException:
        for s in sinks:
            s.abort()
        raise
