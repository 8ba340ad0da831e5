"""Python glue around the compiled battle: build arrays, run, and shape the results."""
import math
import time
from dataclasses import dataclass, field

import numpy as np

from sim.engine.constants import (S_SURVIVAL, S_LAST_SURVIVOR, S_BULLET_DMG, S_BULLET_KILL, S_RAM_DMG, S_RAM_KILL,
                        S_FIRSTS, S_SECONDS, S_THIRDS, N_SCORE, BT_PAUSED, BT_NEXT_ROUND, BT_TOTAL_TURNS)
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


def _specs(bots, parts):
    # a BotSpec with plug-in parts carries the addresses of their compiled hooks, valid only in the process
    # that loaded them (one pickled to a worker would point anywhere): re-parse it here, from its files
    specs = [parse_bot(b, parts) if not isinstance(b, BotSpec) else
             parse_bot(b.name, list(b.plugins)) if b.plugins else b for b in bots]
    if len(specs) < 1:
        raise ValueError("a battle needs at least one robot")
    return specs


class Session:
    """One battle's arrays and its tier's turn loop: played a few rounds, or turns, at a time.

    run_battle plays a session round by round. The oracle (sim/experiments/oracle.py) pauses one at a turn
    boundary (`play_turns`), copies it (`copy`: every array the loop carries from turn to turn) and plays
    the copies on: a copy left alone plays exactly what the original plays (tests/test_oracle.py).
    """

    def __init__(self, specs, rules, seed, setups=None, scripts=None, max_turns=0, record=False,
                 record_capacity=None, mem_cols=None):
        n = len(specs)
        self.specs, self.rules, self.seed, self.record = specs, rules, seed, record
        self.kinds = np.array([s.kind for s in specs], dtype=np.int64)
        self.tier = max(s.tier for s in specs)
        self.loop = tier_loop(self.tier)
        advanced = np.array([1.0 if s.advanced else 0.0 for s in specs])
        self.params = np.stack([s.params for s in specs])
        self.scripts = np.full((n, 1, N_SCRIPT), np.nan) if scripts is None else scripts
        self.setups = np.zeros((0, 3)) if setups is None else np.asarray(setups, dtype=np.float64).reshape(n, 3)
        cap = record_capacity or (n * (max_turns + 1) * rules.rounds if max_turns else n * 4000 * rules.rounds)
        self.mem = np.zeros((n, mem_cols if mem_cols is not None else max(s.mem_size for s in specs)))
        for i, s in enumerate(specs):
            for off, init in s.mem_init:
                self.mem[i, off:off + init.size] = init
        self.brng = bot_rng_states(seed, n)
        self.state = new_battle_state(n, seed, advanced, self.setups.shape[0])
        self.round_turns = np.zeros(rules.rounds)
        self.round_scores = np.zeros((rules.rounds, n, N_SCORE))
        self.round_stats = np.zeros((rules.rounds, n, 2))
        self.rec_rob = np.zeros((cap if record else 1, N_REC_ROB))
        self.rec_bul = np.zeros((cap * 4 if record else 1, N_REC_BUL))
        self.rec_n = np.zeros(2, dtype=np.int64)
        self.rules_arr = rules.to_array(max_turns)
        self.status = 0
        self.wall = 0.0

    def _play(self, r0, r1, pause_total, compile_progress=True):
        st = self.state
        args = (self.rules_arr, self.kinds, self.params, self.mem, self.brng, self.scripts, self.setups, st["rng"],
                st["rob"], st["cmd"], st["box"], st["placed"], st["bat"], st["bul"], st["blist"], st["sc"],
                st["dmg"], self.round_turns, self.round_scores, self.round_stats, self.rec_rob, self.rec_bul,
                self.rec_n, self.record, r0, r1, float(pause_total))
        ensure_compiled(self.loop, self.tier, args, compile_progress)   # a cold start: parts in parallel
        t0 = time.perf_counter()
        self.status |= self.loop(*args)
        self.wall += time.perf_counter() - t0

    def play_rounds(self, r0, r1, compile_progress=True):
        """Play rounds [r0, r1) whole."""
        self._play(r0, r1, 0.0, compile_progress)

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

    def play_turns(self, k, end_round=None, compile_progress=True):
        """Play k more turns (at least 1), over round ends, and stop at a turn boundary (`paused`); when the
        k-th turn ends its round, at the round's end instead (`next_round` says which round comes next).
        `end_round`: play no round at or after it (default: to the battle's end)."""
        r1 = self.rules.rounds if end_round is None else min(int(end_round), self.rules.rounds)
        if self.next_round < r1:
            self._play(self.next_round, r1, self.total_turns + max(1, int(k)), compile_progress)

    def copy(self):
        """An independent copy of everything a later turn reads or writes (the loop, rules, kinds, params and
        scripts are shared: nothing writes them)."""
        new = object.__new__(Session)
        new.__dict__.update(self.__dict__)
        new.state = {k: v.copy() for k, v in self.state.items()}
        for name in ("mem", "brng", "round_turns", "round_scores", "round_stats", "rec_rob", "rec_bul", "rec_n"):
            setattr(new, name, getattr(self, name).copy())
        return new


def run_battle(bots, rules=None, seed=0, setups=None, scripts=None, max_turns=0, record=False,
               record_capacity=None, progress=None, keep_memory=False, parts=None, compile_progress=True):
    """Play a battle. `bots` are BotSpec or spec strings (`parts`: plug-in files their parts may come
    from, bots/plugins.py); `compile_progress`: True prints a line on stderr before a cold compile, a
    callable gets that line, False says nothing; `setups` (n, 3) fixed starts in
    (x, y, heading radians); `scripts` (n, T, N_SCRIPT) for scripted bots; `progress` is called
    with the number of rounds finished so far (the battle is played a few rounds at a time);
    `keep_memory` keeps the bots' memory rows at the end (result.memory) for inspection."""
    rules = rules or Rules()
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"seed must be a whole number, got {seed!r}")
    specs = _specs(bots, parts)
    n = len(specs)
    cap = record_capacity or (n * (max_turns + 1) * rules.rounds if max_turns else n * 4000 * rules.rounds)
    mem_cols = max(s.mem_size for s in specs)
    # recorded battles: composite bots get a telemetry region after their memory, drained every round
    tele_bots = [i for i, s in enumerate(specs) if record and s.kind == KIND_COMPOSITE]
    tele_off = mem_cols
    if tele_bots:
        mem_cols += telemetry.region_size(TELE_CAPACITY)
    while True:
        session = Session(specs, rules, seed, setups, scripts, max_turns, record, cap, mem_cols)
        mem = session.mem
        for i in tele_bots:
            telemetry.open_region(mem[i], tele_off, TELE_CAPACITY)
            mem[i, layout.M.tele] = tele_off
        tele_rows = []
        tele_dropped = 0
        chunk = max(1, rules.rounds // 20) if progress else rules.rounds
        if tele_bots:
            chunk = 1
        for r0 in range(0, rules.rounds, chunk):
            r1 = min(rules.rounds, r0 + chunk)
            session.play_rounds(r0, r1, compile_progress)
            for i in tele_bots:
                rows, dropped = telemetry.drain(mem[i], tele_off, i)
                tele_rows.append(rows)
                tele_dropped += dropped
            if progress:
                progress(r1)
        if session.status == 0 or not record:
            break
        cap *= 4  # the recording overflowed: the battle is deterministic, so simply play it again
    if session.status != 0:
        raise RuntimeError("bullet table overflowed (more than 512 bullets in flight)")
    names = [s.name for s in specs]
    # Robocode appends (1), (2) to identical names
    if len(set(names)) < len(names):
        names = [f"{nm} ({i + 1})" for i, nm in enumerate(names)]
    round_scores, round_stats = session.round_scores, session.round_stats
    result = BattleResult(names=names, rules=rules, seed=seed, results=_rank(names, round_scores, round_stats),
                          round_turns=session.round_turns.astype(np.int64), round_scores=round_scores,
                          round_stats=round_stats, wall_time=session.wall)
    if keep_memory:
        result.memory = mem
    if record:
        result.robots_trace = session.rec_rob[:session.rec_n[0]]
        result.bullets_trace = session.rec_bul[:session.rec_n[1]]
        width = len(telemetry.TELE_COLUMNS) + telemetry.TELE_BINS
        result.telemetry = np.concatenate(tele_rows) if tele_rows else np.zeros((0, width))
        result.telemetry_dropped = tele_dropped
    return result


def open_battle(bots, rules=None, seed=0, record=False, record_capacity=None, parts=None):
    """A Session of `bots` ready to play (no telemetry; see run_battle for the arguments)."""
    rules = rules or Rules()
    return Session(_specs(bots, parts), rules, int(seed), record=record, record_capacity=record_capacity)


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
