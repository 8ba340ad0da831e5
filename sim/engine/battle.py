"""Python glue around the compiled battle: build arrays, run, and shape the results."""
import math
import time
from dataclasses import dataclass, field

import numpy as np

from sim.engine.constants import (BT_OVERFLOW, BT_PAUSED, BT_NEXT_ROUND, BT_TOTAL_TURNS, S_SURVIVAL,
                                  S_LAST_SURVIVOR, S_BULLET_DMG, S_BULLET_KILL, S_RAM_DMG, S_RAM_KILL, S_FIRSTS,
                                  S_SECONDS, S_THIRDS, N_SCORE)
from sim.engine.rules import Rules
from sim.engine.loop import new_battle_state, N_REC_ROB, N_REC_BUL
from sim.engine.prebuild import ensure_compiled
from bots import layout, telemetry
from bots.dispatch import KIND_COMPOSITE
from bots.registry import BotSpec, parse_bot, play_rounds as tier_loop
from bots.scripted import N_SCRIPT

TELE_CAPACITY = 4096   # telemetry rows per bot and round (recorded battles); more are counted as dropped
RESULT_COLUMNS = ("Total Score", "Survival", "Surv Bonus", "Bullet Dmg", "Bullet Bonus", "Ram Dmg * 2",
                  "Ram Bonus", "1sts", "2nds", "3rds")
SHOT_COLUMNS = ("Shots", "Hits", "Hit %")   # gfsim's own, after Robocode's columns


@dataclass
class RobotResult:
    name: str
    rank: int
    total: float
    survival: float
    survival_bonus: float
    bullet_damage: float
    bullet_bonus: float
    ram_damage: float
    ram_bonus: float
    firsts: int
    seconds: int
    thirds: int
    shots: int
    hits: int

    def row(self):
        return (self.total, self.survival, self.survival_bonus, self.bullet_damage, self.bullet_bonus,
                self.ram_damage, self.ram_bonus, self.firsts, self.seconds, self.thirds)


@dataclass
class BattleResult:
    names: list
    rules: Rules
    seed: int
    results: list                       # RobotResult, ranked
    round_turns: np.ndarray             # (rounds,)
    round_scores: np.ndarray = field(repr=False)   # (rounds, n, N_SCORE)
    round_stats: np.ndarray = field(repr=False)    # (rounds, n, 2): shots, hits
    wall_time: float = 0.0
    robots_trace: np.ndarray = field(default=None, repr=False)   # recorded rows, see engine._record
    bullets_trace: np.ndarray = field(default=None, repr=False)
    # recorded battles: what the bots' guns and movements thought (bots/telemetry.py, TELE_COLUMNS + bins)
    telemetry: np.ndarray = field(default=None, repr=False)
    telemetry_dropped: int = 0
    memory: np.ndarray = field(default=None, repr=False)   # the bots' memory rows (run_battle(keep_memory=True))
    # run_battle(diagnostics=True): the parts' diagnostic rows (TELE_COLUMNS layout, kind >= TK_DIAG; each
    # part declares what its numbers mean, e.g. bots/movements/surf.py DIAG_*)
    diagnostics: np.ndarray = field(default=None, repr=False)

    @property
    def total_turns(self):
        return int(self.round_turns.sum())

    def as_dict(self):
        return {
            "rules": self.rules.as_dict(), "seed": self.seed, "robots": self.names,
            "results": [dict(name=r.name, rank=r.rank, total=r.total, survival=r.survival,
                             survival_bonus=r.survival_bonus, bullet_damage=r.bullet_damage,
                             bullet_bonus=r.bullet_bonus, ram_damage=r.ram_damage, ram_bonus=r.ram_bonus,
                             firsts=r.firsts, seconds=r.seconds, thirds=r.thirds, shots=r.shots, hits=r.hits)
                        for r in self.results],
            "round_turns": [int(t) for t in self.round_turns],
            "total_turns": self.total_turns,
            "wall_time": self.wall_time,
        }


def bot_rng_states(seed, n):
    """Each bot's own java.util.Random state, derived from the battle seed and its slot."""
    mult, mask = 0x5DEECE66D, (1 << 48) - 1
    out = np.zeros((n, 1), dtype=np.uint64)
    for i in range(n):
        s = (seed * 1_000_003 + 7_919 * (i + 1)) & 0xFFFFFFFFFFFFFFFF
        out[i, 0] = (s ^ mult) & mask
    return out


def _rank(names, scores, stats):
    totals = scores.sum(axis=0)  # (n, N_SCORE)
    res = []
    for i, name in enumerate(names):
        t = totals[i]
        total = (t[S_SURVIVAL] + t[S_LAST_SURVIVOR] + t[S_BULLET_DMG] + t[S_BULLET_KILL] + t[S_RAM_DMG] +
                 t[S_RAM_KILL])
        res.append(RobotResult(name, 0, float(total), float(t[S_SURVIVAL]), float(t[S_LAST_SURVIVOR]),
                               float(t[S_BULLET_DMG]), float(t[S_BULLET_KILL]), float(t[S_RAM_DMG]),
                               float(t[S_RAM_KILL]), int(t[S_FIRSTS]), int(t[S_SECONDS]), int(t[S_THIRDS]),
                               int(stats[:, i, 0].sum()), int(stats[:, i, 1].sum())))
    # Robocode sorts by total score (then firsts) descending
    order = sorted(range(len(res)), key=lambda i: (-res[i].total, -res[i].firsts, i))
    ranked = []
    for rank, i in enumerate(order, start=1):
        res[i].rank = rank
        ranked.append(res[i])
    return ranked


def warm_up(bots=None):
    """Compile the turn loop `bots` need (or load it from numba's cache) with a one-turn battle of them;
    returns seconds taken. Without bots: the loop of sample and scripted robots."""
    from bots.registry import scripted_bot
    t0 = time.perf_counter()
    run_battle(list(bots) if bots else [scripted_bot()], Rules(rounds=1), seed=0, max_turns=1)
    return time.perf_counter() - t0


class TraceChunk:
    """What a recorded battle's rounds [first_round, end_round) left in the trace: the engine's robot and
    bullet rows of those rounds (see sim.engine.loop._record) and the bots' telemetry rows drained after each
    of them. Shaped like the trace fields of BattleResult, so the wave and replay code reads either."""

    def __init__(self, names, rules, seed, first_round, end_round, round_turns, robots_trace, bullets_trace,
                 telemetry, telemetry_dropped):
        self.names = names
        self.rules = rules
        self.seed = seed
        self.first_round = first_round
        self.end_round = end_round
        self.round_turns = round_turns
        self.robots_trace = robots_trace
        self.bullets_trace = bullets_trace
        self.telemetry = telemetry
        self.telemetry_dropped = telemetry_dropped

    @property
    def total_turns(self):
        return int(self.round_turns.sum())


class BattleRun:
    """A battle played a few rounds at a time (the glue of run_battle; streaming writers use it directly).

    All mutable state lives in arrays that carry over from one call of the turn loop to the next, so
    playing rounds [0, 3) then [3, 7) is the same battle, bit for bit, as playing [0, 7) at once. With
    `record`, play() appends each round's trace to buffers that hold `trace_rounds` rounds; take_trace()
    hands their rows over and empties them, so a caller that takes the trace after every chunk needs
    memory for one chunk, whatever the number of rounds. Bots' telemetry is drained after every round.

    A battle without telemetry can also pause at a turn boundary (`play_turns`) and be copied (`copy`: every
    array the loop carries from turn to turn); a copy left alone plays exactly what the original plays. The
    oracle (sim/experiments/oracle.py) plays copies of a paused battle on with other random futures
    (tests/test_oracle.py).
    """

    def __init__(self, bots, rules=None, seed=0, setups=None, scripts=None, max_turns=0, record=False,
                 record_capacity=None, trace_rounds=None, parts=None, compile_progress=True, diagnostics=False,
                 telemetry_capacity=TELE_CAPACITY, with_telemetry=True):
        rules = rules or Rules()
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise ValueError(f"seed must be a whole number, got {seed!r}")
        # a BotSpec with plug-in parts carries the addresses of their compiled hooks, valid only in the process
        # that loaded them (one pickled to a worker would point anywhere): re-parse it here, from its files
        specs = [parse_bot(b, parts) if not isinstance(b, BotSpec) else
                 parse_bot(b.name, list(b.plugins)) if b.plugins else b for b in bots]
        n = len(specs)
        if n < 1:
            raise ValueError("a battle needs at least one robot")
        self.specs, self.n, self.rules, self.seed = specs, n, rules, seed
        self.max_turns, self.record, self.compile_progress = max_turns, record, compile_progress
        self.diagnostics, self.telemetry_capacity = diagnostics, telemetry_capacity
        self.kinds = np.array([s.kind for s in specs], dtype=np.int64)
        self.tier = max(s.tier for s in specs)
        self.loop = tier_loop(self.tier)
        self.advanced = np.array([1.0 if s.advanced else 0.0 for s in specs])
        self.params = np.stack([s.params for s in specs])
        self.scripts = np.full((n, 1, N_SCRIPT), np.nan) if scripts is None else scripts
        self.setups = np.zeros((0, 3)) if setups is None else np.asarray(setups, dtype=np.float64).reshape(n, 3)
        trace_rounds = rules.rounds if trace_rounds is None else max(1, min(int(trace_rounds), rules.rounds))
        self.cap = record_capacity or (n * (max_turns + 1) * trace_rounds if max_turns else n * 4000 * trace_rounds)
        # recorded or diagnosed battles: composite bots get a telemetry region after their memory, drained
        # every round
        self.tele_bots = [i for i, s in enumerate(specs)
                          if with_telemetry and (record or diagnostics) and s.kind == KIND_COMPOSITE]
        self.mem_cols = self.tele_off = max(s.mem_size for s in specs)
        if self.tele_bots:
            self.mem_cols += telemetry.region_size(telemetry_capacity)
        names = [s.name for s in specs]
        # Robocode appends (1), (2) to identical names
        if len(set(names)) < len(names):
            names = [f"{nm} ({i + 1})" for i, nm in enumerate(names)]
        self.names = names
        self.rec_rob = np.zeros((self.cap if record else 1, N_REC_ROB))
        self.rec_bul = np.zeros((self.cap * 4 if record else 1, N_REC_BUL))
        self.rec_n = np.zeros(2, dtype=np.int64)
        self.rules_arr = rules.to_array(max_turns)
        self.trace_from = 0        # the first round whose rows are in the buffers
        self.reset()

    def reset(self):
        """Back to the state before round 0 (a deterministic battle can be played again from here)."""
        n = self.n
        mem = np.zeros((n, self.mem_cols))
        for i, s in enumerate(self.specs):
            for off, init in s.mem_init:
                mem[i, off:off + init.size] = init
        for i in self.tele_bots:
            telemetry.open_region(mem[i], self.tele_off, self.telemetry_capacity, self.diagnostics)
            mem[i, layout.M.tele] = self.tele_off
        self.mem = mem
        self.brng = bot_rng_states(self.seed, n)
        self.state = new_battle_state(n, self.seed, self.advanced, self.setups.shape[0])
        self.round_turns = np.zeros(self.rules.rounds)
        self.round_scores = np.zeros((self.rules.rounds, n, N_SCORE))
        self.round_stats = np.zeros((self.rules.rounds, n, 2))
        self.rec_n[:] = 0
        self.tele_rows = []
        self.tele_dropped = 0
        self.trace_from = 0
        self.wall = 0.0

    def _loop_args(self, r0, r1, record, pause_total=0.0):
        st = self.state
        return (self.rules_arr, self.kinds, self.params, self.mem, self.brng, self.scripts, self.setups, st["rng"],
                st["rob"], st["cmd"], st["box"], st["placed"], st["bat"], st["bul"], st["blist"], st["sc"],
                st["dmg"], self.round_turns, self.round_scores, self.round_stats, self.rec_rob, self.rec_bul,
                self.rec_n, record, r0, r1, float(pause_total))

    def _call_loop(self, args, compile_progress):
        ensure_compiled(self.loop, self.tier, args, compile_progress)   # a cold start: parts in parallel
        t0 = time.perf_counter()
        status = self.loop(*args)
        self.wall += time.perf_counter() - t0
        return status

    @property
    def next_round(self):
        """The round the next play starts, or resumes when `paused`."""
        return int(self.state["bat"][BT_NEXT_ROUND])

    @property
    def paused(self):
        return self.state["bat"][BT_PAUSED] != 0.0

    @property
    def total_turns(self):
        return int(self.state["bat"][BT_TOTAL_TURNS])

    @property
    def finished(self):
        return not self.paused and self.next_round >= self.rules.rounds

    def play_turns(self, k, end_round=None, compile_progress=None):
        """Play k more turns (at least 1), over round ends, and stop at a turn boundary (`paused`); when the
        k-th turn ends its round, at the round's end instead (`next_round` says which round comes next).
        `end_round`: play no round at or after it (default: to the battle's end). Only for battles without
        telemetry (its rows are drained by whole rounds). Returns 1 when the recording buffers filled (the
        rows that did not fit are not recorded; the battle itself is unaffected), else 0; a bullet table
        overflow raises RuntimeError."""
        if self.tele_bots:
            raise ValueError("a battle with telemetry is played by whole rounds (open it with with_telemetry=False)")
        r1 = self.rules.rounds if end_round is None else min(int(end_round), self.rules.rounds)
        if self.next_round >= r1:
            return 0
        progress = self.compile_progress if compile_progress is None else compile_progress
        args = self._loop_args(self.next_round, r1, self.record, self.total_turns + max(1, int(k)))
        status = self._call_loop(args, progress)
        if self.state["bat"][BT_OVERFLOW] != 0.0:
            raise RuntimeError("bullet table overflowed (more than 512 bullets in flight)")
        return status

    def copy(self):
        """An independent copy of everything a later turn reads or writes (the loop, rules, kinds, params and
        scripts are shared: nothing writes them)."""
        new = object.__new__(BattleRun)
        new.__dict__.update(self.__dict__)
        new.state = {k: v.copy() for k, v in self.state.items()}
        for name in ("mem", "brng", "round_turns", "round_scores", "round_stats", "rec_rob", "rec_bul", "rec_n"):
            setattr(new, name, getattr(self, name).copy())
        new.tele_rows = list(self.tele_rows)
        return new

    def _play_once(self, r0, r1, record, keep_rows=True):
        """Rounds [r0, r1) through the turn loop (one round per call when telemetry must be drained);
        returns the loop's status (0 ok, 1 an overflow). `keep_rows`: keep the telemetry rows (not when
        replaying rounds whose rows are kept already)."""
        status = 0
        step = 1 if self.tele_bots else r1 - r0
        for a in range(r0, r1, step):
            b = min(r1, a + step)
            status |= self._call_loop(self._loop_args(a, b, record), self.compile_progress)
            for i in self.tele_bots:
                rows, dropped = telemetry.drain(self.mem[i], self.tele_off, i)
                # a row belongs to the round it was written in (the one just played); one naming another
                # round is a bot's mistake and is dropped, so the rows kept never depend on how the battle
                # was split into calls
                mine = rows[:, 1 + telemetry.TH_ROUND] == a
                if keep_rows:
                    self.tele_rows.append(rows[mine])
                self.tele_dropped += dropped + int((~mine).sum())
        return status

    def play(self, first_round, end_round):
        """Play rounds [first_round, end_round); they must follow the rounds played so far. A recording that
        overflows its buffers is played again from the start with buffers four times larger (the battle is
        deterministic); a bullet table overflow raises RuntimeError."""
        if first_round != self.next_round or not first_round < end_round <= self.rules.rounds:
            raise ValueError(f"rounds [{first_round}, {end_round}) do not follow round {self.next_round}")
        kept = (self.rec_n.copy(), len(self.tele_rows), self.tele_dropped)
        status = self._play_once(first_round, end_round, self.record)
        while status != 0 and self.record and self.state["bat"][BT_OVERFLOW] == 0.0:
            # the recording overflowed: grow the buffers (keeping the rows taken since the last take_trace),
            # play the rounds before this chunk again without recording, then this chunk
            rows_kept, tele_kept, dropped_kept = kept
            self.cap *= 4
            rob = np.zeros((self.cap, N_REC_ROB))
            bul = np.zeros((self.cap * 4, N_REC_BUL))
            rob[:rows_kept[0]] = self.rec_rob[:rows_kept[0]]
            bul[:rows_kept[1]] = self.rec_bul[:rows_kept[1]]
            tele_rows = self.tele_rows[:tele_kept]
            wall, trace_from = self.wall, self.trace_from
            self.reset()
            self.rec_rob, self.rec_bul = rob, bul
            if first_round > 0:
                self._play_once(0, first_round, False, keep_rows=False)
            self.rec_n[:] = rows_kept
            self.tele_rows, self.tele_dropped, self.wall, self.trace_from = tele_rows, dropped_kept, wall, trace_from
            status = self._play_once(first_round, end_round, True)
        if status != 0:
            raise RuntimeError("bullet table overflowed (more than 512 bullets in flight)")

    def take_trace(self):
        """The trace recorded since the last call (a TraceChunk; its arrays are copies), then empties the
        buffers."""
        chunk = self.trace(self.trace_from, copy=True)
        self.rec_n[:] = 0
        self.tele_rows = []
        self.tele_dropped = 0
        self.trace_from = self.next_round
        return chunk

    def trace(self, first_round=0, copy=False):
        """The rows in the buffers as a TraceChunk of rounds [first_round, next_round)."""
        rob = self.rec_rob[:self.rec_n[0]]
        bul = self.rec_bul[:self.rec_n[1]]
        rows, diag = self._telemetry_rows()
        return TraceChunk(self.names, self.rules, self.seed, first_round, self.next_round,
                          self.round_turns[first_round:self.next_round].astype(np.int64),
                          rob.copy() if copy else rob, bul.copy() if copy else bul, rows[~diag], self.tele_dropped)

    def _telemetry_rows(self):
        """The telemetry rows kept so far, and which of them are diagnostic rows (replays never hold those)."""
        width = len(telemetry.TELE_COLUMNS) + telemetry.TELE_BINS
        rows = np.concatenate(self.tele_rows) if self.tele_rows else np.zeros((0, width))
        return rows, rows[:, 1 + telemetry.TH_KIND] >= telemetry.TK_DIAG

    def result(self, keep_memory=False):
        """The BattleResult of the rounds played so far (the whole battle once every round was played);
        with `record`, the trace still in the buffers."""
        rounds = self.next_round
        scores, stats = self.round_scores[:rounds], self.round_stats[:rounds]
        result = BattleResult(names=list(self.names), rules=self.rules, seed=self.seed,
                              results=_rank(self.names, scores, stats),
                              round_turns=self.round_turns[:rounds].astype(np.int64), round_scores=scores,
                              round_stats=stats, wall_time=self.wall)
        if keep_memory:
            result.memory = self.mem
        if self.record:
            t = self.trace(self.trace_from)
            result.robots_trace, result.bullets_trace = t.robots_trace, t.bullets_trace
            result.telemetry, result.telemetry_dropped = t.telemetry, t.telemetry_dropped
        if self.diagnostics:
            rows, diag = self._telemetry_rows()
            result.diagnostics, result.telemetry_dropped = rows[diag], self.tele_dropped
        return result


def run_battle(bots, rules=None, seed=0, setups=None, scripts=None, max_turns=0, record=False,
               record_capacity=None, progress=None, keep_memory=False, parts=None, compile_progress=True,
               diagnostics=False, telemetry_capacity=TELE_CAPACITY):
    """Play a battle. `bots` are BotSpec or spec strings (`parts`: plug-in files their parts may come
    from, bots/plugins.py); `compile_progress`: True prints a line on stderr before a cold compile, a
    callable gets that line, False says nothing; `setups` (n, 3) fixed starts in
    (x, y, heading radians); `scripts` (n, T, N_SCRIPT) for scripted bots; `progress` is called
    with the number of rounds finished so far (the battle is played a few rounds at a time);
    `keep_memory` keeps the bots' memory rows at the end (result.memory) for inspection; `diagnostics`
    asks the parts for their diagnostic rows (result.diagnostics, bots/telemetry.py), which never change
    the battle; `telemetry_capacity` is the telemetry rows per bot and round (more are counted as
    dropped). A recorded battle keeps its whole trace in memory: sim/io/streaming.py writes long ones to
    disk as they are played."""
    rules = rules or Rules()
    run = BattleRun(bots, rules, seed, setups=setups, scripts=scripts, max_turns=max_turns, record=record,
                    record_capacity=record_capacity, parts=parts, compile_progress=compile_progress,
                    diagnostics=diagnostics, telemetry_capacity=telemetry_capacity)
    chunk = max(1, rules.rounds // 20) if progress else rules.rounds
    for r0 in range(0, rules.rounds, chunk):
        r1 = min(rules.rounds, r0 + chunk)
        run.play(r0, r1)
        if progress:
            progress(r1)
    return run.result(keep_memory)


def open_battle(bots, rules=None, seed=0, record=False, record_capacity=None, parts=None):
    """A BattleRun of `bots` ready to play by rounds or by turns, without telemetry (see run_battle for the
    arguments)."""
    return BattleRun(bots, rules, int(seed), record=record, record_capacity=record_capacity, parts=parts,
                     with_telemetry=False)


def printed_score(v):
    """A score as Robocode's results table prints it: (int) (v + 0.5), so 988.5 prints 989 (Python's
    round-half-even formatting would print 988)."""
    return int(math.floor(v + 0.5))


def format_table(result):
    """The Robocode results table, as Robocode's -results file prints it, then shots, hits and hit %."""
    total_all = sum(r.total for r in result.results) or 1.0
    head = ["Rank", "Robot Name"] + list(RESULT_COLUMNS) + list(SHOT_COLUMNS)
    rows = []
    for r in result.results:
        pct = 100.0 * r.total / total_all
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(r.rank if r.rank < 20 else r.rank % 10, "th")
        rows.append([f"{r.rank}{suffix}", r.name, f"{printed_score(r.total)} ({pct:.0f}%)",
                     *(str(printed_score(v)) for v in (r.survival, r.survival_bonus, r.bullet_damage, r.bullet_bonus,
                                                       r.ram_damage, r.ram_bonus)),
                     str(r.firsts), str(r.seconds), str(r.thirds),
                     str(r.shots), str(r.hits), f"{100.0 * r.hits / r.shots:.1f}" if r.shots else "-"])
    widths = [max(len(h), *(len(row[k]) for row in rows)) for k, h in enumerate(head)]
    lines = [f"Results for {result.rules.rounds} rounds"]
    lines.append("  ".join(h.ljust(widths[k]) if k < 2 else h.rjust(widths[k]) for k, h in enumerate(head)))
    for row in rows:
        lines.append("  ".join(c.ljust(widths[k]) if k < 2 else c.rjust(widths[k]) for k, c in enumerate(row)))
    return "\n".join(lines)
