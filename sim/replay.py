"""Battle replays: record every turn of a battle, save it compactly, load it safely.

A replay file (``*.gfr``) is a zip archive of ``.npy`` arrays, so it is read
with ``np.load(path, allow_pickle=False)`` and never unpickles anything. Its
members (all little-endian, no object arrays):

``meta``
    UTF-8 JSON in a uint8 array: ``format`` ("gfsim-replay"), ``version``
    (the format version, see FORMAT_VERSION), ``gfsim_version``, ``rules``
    (sim.rules.Rules fields), ``bots`` (the bot spec strings, canonical),
    ``names`` (display names, Robocode's " (1)"/" (2)" suffixes for twins),
    ``seed``, ``robots`` (n), ``rounds``, ``frames``, ``quantization``
    (units per step of each quantized field), ``sections`` (see below),
    ``results`` (the final results table) and ``trace_sha256`` (digest of the
    engine's full-precision float64 trace, for the determinism check).
``rounds.turns``
    (rounds,) last turn of each round. Turn 0 is the start state, so round r
    has ``turns[r] + 1`` frames; frames of all rounds are concatenated.
``robots.<field>``
    (n, frames) per robot: ``x``, ``y`` (1/256 px), ``heading``, ``gun``,
    ``radar`` (2**20 steps per turn of the circle; 0 = north, clockwise),
    ``velocity``, ``energy``, ``gun_heat`` (1/1024), each stored as integer
    differences from the previous frame in the smallest integer type that
    holds them (angles modulo the circle); ``state`` (int8: 0 active, 1 hit
    wall, 2 hit robot, 3 dead); ``scan`` (bit 0: the radar swept from last
    turn's heading to this one; bit j+1: that sweep touched robot j).
``bullets.<field>``
    one entry per bullet: ``round``, ``owner``, ``id``, ``birth`` (first turn
    seen), ``x0``, ``y0``, ``heading``, ``power`` (float64), ``end`` (turn it
    stopped, or its last turn if the round ended first), ``end_x``, ``end_y``,
    ``reason`` (0 still flying at the round's end, 2 hit a robot, 3 hit a
    bullet, 4 hit a wall; sim.constants BS_*), ``victim`` (robot hit or -1).
    A bullet flies in a straight line: at turn t in [birth, end) it is at
    (x0, y0) + (t - birth)·(20 − 3·power)·(sin heading, cos heading).
``events.<field>``
    ``round``, ``turn``, ``type`` (EVENT_NAMES), ``robot``, ``other``, ``value``.
``scores.round_scores`` / ``scores.round_stats``
    (rounds, n, 9) score columns (sim.constants S_*) and (rounds, n, 2) shots, hits.

Sections and versions. ``meta["sections"]`` maps each section (the member
prefix) to ``{"version": v, "required": bool}``. Later issues add optional
sections (``waves``, ``danger``) without changing FORMAT_VERSION: a reader
skips optional sections it does not know and refuses files whose required
sections it does not know, or whose FORMAT_VERSION is newer than its own.

Scan arcs are the radar sweep of each turn (radar heading at t-1 to t, the
shorter way round), drawn when bit 0 of ``scan`` is set. Quantized values are
what the viewer needs (0.004 px, 6e-6 rad); the exact trace is pinned by
``trace_sha256`` and a replay re-simulated from its metadata must reproduce
both the arrays and the digest (``verify_replay``).

This module must not import the engine at module level (the viewer imports it):
only record_replay / replay_from_battle / verify_replay load sim.battle.
"""
import hashlib
import io
import json
import math
import os
import re
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

FORMAT = "gfsim-replay"
FORMAT_VERSION = 1
SUFFIX = ".gfr"
SECTIONS = {"robots": 1, "bullets": 1, "events": 1, "scores": 1}   # what this reader understands

POS_Q = 256            # steps per pixel
ANG_Q = 1 << 20        # steps per full circle
VEL_Q = 1024           # steps per pixel/turn
ENERGY_Q = 1024        # steps per energy point
HEAT_Q = 1024          # steps per gun heat unit
TWO_PI = 2.0 * math.pi

ROBOT_FIELDS = ("x", "y", "heading", "gun", "radar", "velocity", "energy", "gun_heat")
_FIELD_Q = {"x": POS_Q, "y": POS_Q, "heading": None, "gun": None, "radar": None,
            "velocity": VEL_Q, "energy": ENERGY_Q, "gun_heat": HEAT_Q}
_ANGLES = ("heading", "gun", "radar")
BULLET_FIELDS = ("round", "owner", "id", "birth", "x0", "y0", "heading", "power", "end", "end_x", "end_y",
                 "reason", "victim")
EVENT_FIELDS = ("round", "turn", "type", "robot", "other", "value")

# event types
(EVT_BULLET_HIT, EVT_BULLET_HIT_BULLET, EVT_BULLET_MISSED, EVT_HIT_WALL, EVT_HIT_ROBOT, EVT_DEATH,
 EVT_WIN) = range(1, 8)
EVENT_NAMES = {EVT_BULLET_HIT: "BulletHit", EVT_BULLET_HIT_BULLET: "BulletHitBullet",
               EVT_BULLET_MISSED: "BulletMissed", EVT_HIT_WALL: "HitWall", EVT_HIT_ROBOT: "HitRobot",
               EVT_DEATH: "Death", EVT_WIN: "Win"}

# robot states and bullet end reasons (sim.constants RS_*, BS_*; repeated here so that reading a
# replay needs nothing of the engine)
RS_ACTIVE, RS_HIT_WALL, RS_HIT_ROBOT, RS_DEAD = 0, 1, 2, 3
END_FLYING, END_HIT_ROBOT, END_HIT_BULLET, END_HIT_WALL = 0, 2, 3, 4
BULLET_EXPLOSION_TURNS = 17
ROBOT_EXPLOSION_TURNS = 71
SCORE_COLUMNS = ("survival", "last_survivor", "bullet_damage", "bullet_kill", "ram_damage", "ram_kill",
                 "firsts", "seconds", "thirds")
N_TOTAL_SCORE = 6   # the first six score columns add up to the total score


class ReplayError(ValueError):
    """A replay file that cannot be used; the message is one line naming the file and the reason."""


def bullet_speed(power):
    return 20.0 - 3.0 * np.asarray(power, dtype=np.float64)


def bullet_damage(power):
    p = np.asarray(power, dtype=np.float64)
    return 4.0 * p + np.where(p > 1.0, 2.0 * (p - 1.0), 0.0)


def gfsim_version():
    try:
        from importlib.metadata import version
        return version("gfsim")
    except Exception:   # running from a source tree that is not installed
        return "unknown"


# --------------------------------------------------------------------------------------------------
# the in-memory replay


class Replay:
    """A decoded replay: metadata plus per-frame robot arrays and per-bullet / per-event tables.

    Robot arrays are (frames, n) float64 (``state`` and ``scan`` integer); frame f of round r
    is turn ``f - round_start[r]``. Bullets and events are dicts of 1-D arrays.
    """

    def __init__(self, meta, round_turns, robots, bullets, events, round_scores, round_stats):
        self.meta = meta
        self.round_turns = np.asarray(round_turns, dtype=np.int64)
        self.round_start = np.concatenate([[0], np.cumsum(self.round_turns + 1)]).astype(np.int64)
        self.robots = robots
        self.bullets = bullets
        self.events = events
        self.round_scores = np.asarray(round_scores, dtype=np.float64)
        self.round_stats = np.asarray(round_stats, dtype=np.int64)
        self.frame_round = np.repeat(np.arange(len(self.round_turns)), self.round_turns + 1)
        self._cum = None
        self._end = None

    # --- metadata views
    @property
    def n(self):
        return int(self.meta["robots"])

    @property
    def rounds(self):
        return len(self.round_turns)

    @property
    def frames(self):
        return int(self.round_start[-1])

    @property
    def names(self):
        return list(self.meta["names"])

    @property
    def bots(self):
        return list(self.meta["bots"])

    @property
    def seed(self):
        return int(self.meta["seed"])

    @property
    def width(self):
        return int(self.meta["rules"]["width"])

    @property
    def height(self):
        return int(self.meta["rules"]["height"])

    @property
    def rules(self):
        from sim.rules import Rules
        return Rules(**self.meta["rules"])

    # --- frames
    def frame(self, rnd, turn):
        """Global frame index of (round, turn); the turn is clipped to the round."""
        rnd = int(rnd)
        turn = min(max(int(turn), 0), int(self.round_turns[rnd]))
        return int(self.round_start[rnd]) + turn

    def round_turn(self, frame):
        r = int(self.frame_round[frame])
        return r, int(frame - self.round_start[r])

    def alive(self, frame):
        return self.robots["state"][frame] != RS_DEAD

    def death_frames(self):
        """(frame, robot) of every death."""
        ev = self.events
        m = ev["type"] == EVT_DEATH
        return [(self.frame(r, t), int(i)) for r, t, i in zip(ev["round"][m], ev["turn"][m], ev["robot"][m])]

    # --- bullets
    def bullets_at(self, frame):
        """Bullets to draw at a frame: (flying, exploding) dicts of arrays.

        flying: index, owner, x, y, power; exploding: index, owner, x, y, power, age (turns since it stopped).
        """
        r, t = self.round_turn(frame)
        b = self.bullets
        inr = b["round"] == r
        fly = inr & (b["birth"] <= t) & (t < b["end"])
        fly |= inr & (b["reason"] == END_FLYING) & (b["end"] == t)
        k = np.nonzero(fly)[0]
        d = (t - b["birth"][k]) * bullet_speed(b["power"][k])
        flying = dict(index=k, owner=b["owner"][k], power=b["power"][k],
                      x=b["x0"][k] + d * np.sin(b["heading"][k]), y=b["y0"][k] + d * np.cos(b["heading"][k]))
        ex = inr & (b["reason"] != END_FLYING) & (b["end"] <= t) & (t < b["end"] + BULLET_EXPLOSION_TURNS)
        k = np.nonzero(ex)[0]
        x = b["end_x"][k].copy()
        y = b["end_y"][k].copy()
        for q, idx in enumerate(k):   # a hit rides on its victim
            v = int(b["victim"][idx])
            if v >= 0:
                fe = self.frame(r, b["end"][idx])
                x[q] += self.robots["x"][frame, v] - self.robots["x"][fe, v]
                y[q] += self.robots["y"][frame, v] - self.robots["y"][fe, v]
        exploding = dict(index=k, owner=b["owner"][k], power=b["power"][k], x=x, y=y, age=t - b["end"][k])
        return flying, exploding

    def scan_arc(self, frame, i):
        """The radar sweep of robot i at a frame as (start, extent) in radians, or None."""
        r, t = self.round_turn(frame)
        if t == 0 or not (int(self.robots["scan"][frame, i]) & 1):
            return None
        start = float(self.robots["radar"][frame - 1, i])
        extent = float(self.robots["radar"][frame, i]) - start
        if extent < -math.pi:
            extent += TWO_PI
        elif extent > math.pi:
            extent -= TWO_PI
        return start, extent

    # --- running statistics
    @property
    def round_end_turns(self):
        """Turn at which each round was decided (one robot or none left), or its last turn.
        Robocode totals the round's scores and shot statistics then; the field keeps playing
        a few dozen turns more."""
        if self._end is None:
            ends = self.round_turns.copy()
            if self.n > 1:
                left = (self.robots["state"] != RS_DEAD).sum(axis=1)
                for r in range(self.rounds):
                    k = np.nonzero(left[self.round_start[r]:self.round_start[r + 1]] <= 1)[0]
                    if len(k):
                        ends[r] = k[0]
            self._end = ends
        return self._end

    def cumulative(self):
        """Per frame and robot, over the battle so far: shots, hits, bullet damage dealt and score.

        Shots and hits count as Robocode's statistics do (up to each round's decision turn);
        score = total score of finished rounds + this round's bullet damage so far, and the round's
        full score (survival, bonuses, capped damage) from the turn the round is decided.
        Returns a dict of (frames, n) arrays.
        """
        if self._cum is not None:
            return self._cum
        F, n = self.frames, self.n
        shots = np.zeros((F + 1, n))
        hits = np.zeros((F + 1, n))
        dmg = np.zeros((F + 1, n))
        b = self.bullets
        ends = self.round_end_turns
        if len(b["round"]):
            m = b["birth"] <= ends[b["round"]]
            np.add.at(shots, (self.round_start[b["round"][m]] + b["birth"][m], b["owner"][m]), 1.0)
            h = (b["reason"] == END_HIT_ROBOT) & (b["end"] <= ends[b["round"]])
            fe = self.round_start[b["round"][h]] + b["end"][h]
            np.add.at(hits, (fe, b["owner"][h]), 1.0)
            np.add.at(dmg, (fe, b["owner"][h]), bullet_damage(b["power"][h]))
        shots = np.cumsum(shots[:F], axis=0)
        hits = np.cumsum(hits[:F], axis=0)
        dmg = np.cumsum(dmg[:F], axis=0)
        totals = self.round_scores[:, :, :N_TOTAL_SCORE].sum(axis=2)   # (rounds, n)
        before = np.concatenate([np.zeros((1, n)), np.cumsum(totals, axis=0)])   # before round r
        start_dmg = np.concatenate([np.zeros((1, n)), dmg[self.round_start[1:-1] - 1]])
        fr = self.frame_round
        score = before[fr] + dmg - start_dmg[fr]
        decided = (np.arange(F) - self.round_start[fr]) >= ends[fr]
        score[decided] = before[fr[decided] + 1]
        self._cum = dict(shots=shots, hits=hits, damage=dmg, score=score)
        return self._cum

    def final_totals(self):
        return self.round_scores[:, :, :N_TOTAL_SCORE].sum(axis=(0, 2))


def replays_equal(a: Replay, b: Replay):
    """Same battle, same recorded values (gfsim_version aside). Returns (equal, first difference)."""
    ma = {k: v for k, v in a.meta.items() if k != "gfsim_version"}
    mb = {k: v for k, v in b.meta.items() if k != "gfsim_version"}
    if ma != mb:
        keys = sorted(k for k in set(ma) | set(mb) if ma.get(k) != mb.get(k))
        return False, f"metadata differs: {', '.join(keys)}"
    pairs = [("rounds.turns", a.round_turns, b.round_turns), ("scores.round_scores", a.round_scores, b.round_scores),
             ("scores.round_stats", a.round_stats, b.round_stats)]
    pairs += [(f"robots.{k}", a.robots[k], b.robots[k]) for k in a.robots]
    pairs += [(f"bullets.{k}", a.bullets[k], b.bullets[k]) for k in a.bullets]
    pairs += [(f"events.{k}", a.events[k], b.events[k]) for k in a.events]
    for name, x, y in pairs:
        if x.shape != y.shape or not np.array_equal(x, y):
            return False, f"{name} differs"
    return True, ""


# --------------------------------------------------------------------------------------------------
# recording


def _trace_digest(robots_trace, bullets_trace, round_scores):
    h = hashlib.sha256()
    for a in (robots_trace, bullets_trace, round_scores):
        h.update(np.ascontiguousarray(a, dtype="<f8").tobytes())
    return h.hexdigest()


def record_replay(bots, rules=None, seed=0):
    """Play a battle with recording on and return its Replay. `bots` are spec strings (or BotSpecs)."""
    from sim.battle import run_battle
    from sim.rules import Rules
    rules = rules or Rules()
    result = run_battle(bots, rules, seed=seed, record=True)
    return replay_from_battle(result, bots)


def replay_from_battle(result, bots):
    """Build a Replay from a BattleResult played with record=True; `bots` are the specs it was given."""
    from bots.registry import BotSpec, parse_bot
    if result.robots_trace is None:
        raise ValueError("the battle was played without record=True")
    specs = [b.name if isinstance(b, BotSpec) else parse_bot(b).name for b in bots]
    rt = np.asarray(result.robots_trace, dtype=np.float64)
    bt = np.asarray(result.bullets_trace, dtype=np.float64)
    n = len(specs)
    round_turns = np.asarray(result.round_turns, dtype=np.int64)
    frames = int((round_turns + 1).sum())
    if rt.shape[0] != frames * n:
        raise ValueError(f"robot trace has {rt.shape[0]} rows, expected {frames * n}")
    # rows come in (round, turn, robot) order
    order = np.lexsort((rt[:, 2], rt[:, 1], rt[:, 0]))
    rt = rt[order]
    cols = {name: rt[:, 3 + k].reshape(frames, n) for k, name in enumerate(ROBOT_FIELDS)}
    state = rt[:, 11].reshape(frames, n).astype(np.int8)
    round_start = np.concatenate([[0], np.cumsum(round_turns + 1)])
    robots = {k: _dequantize(k, _quantize(k, v)) for k, v in cols.items()}
    robots["state"] = state
    robots["scan"] = _scan_flags(cols, state, round_start, n)
    bullets = _bullet_table(bt, robots, round_start, n)
    events = _event_table(bullets, robots, state, round_start, n)
    rules = result.rules
    meta = {
        "format": FORMAT, "version": FORMAT_VERSION, "gfsim_version": gfsim_version(),
        "rules": rules.as_dict(), "bots": specs, "names": list(result.names), "seed": int(result.seed),
        "robots": n, "rounds": int(len(round_turns)), "frames": frames,
        "quantization": {"position": POS_Q, "angle": ANG_Q, "velocity": VEL_Q, "energy": ENERGY_Q,
                         "gun_heat": HEAT_Q},
        "sections": {k: {"version": v, "required": True} for k, v in SECTIONS.items()},
        "results": [dict(name=r.name, rank=r.rank, total=r.total, firsts=r.firsts, shots=r.shots, hits=r.hits)
                    for r in result.results],
        "trace_sha256": _trace_digest(result.robots_trace, result.bullets_trace, result.round_scores),
    }
    return Replay(meta, round_turns, robots, bullets, events, result.round_scores,
                  np.asarray(result.round_stats).astype(np.int64))


def _quantize(name, v):
    if name in _ANGLES:
        return np.round(np.mod(v, TWO_PI) * (ANG_Q / TWO_PI)).astype(np.int64) % ANG_Q
    return np.round(v * _FIELD_Q[name]).astype(np.int64)


def _dequantize(name, q):
    if name in _ANGLES:
        return q.astype(np.float64) * (TWO_PI / ANG_Q)
    return q.astype(np.float64) / _FIELD_Q[name]


def _scan_flags(cols, state, round_start, n):
    """Bit 0: the radar swept this turn (Robocode scans when any part of the robot moved);
    bit j+1: the sweep touched robot j's box (sim.geometry.scan_hits_box, as the engine tests it)."""
    from sim.geometry import scan_hits_box
    from sim.constants import RADAR_SCAN_RADIUS
    frames = state.shape[0]
    dtype = np.uint8 if n <= 7 else np.uint16 if n <= 15 else np.uint32 if n <= 31 else np.uint64
    flags = np.zeros((frames, n), dtype=np.uint64)
    moved = np.zeros((frames, n), dtype=bool)
    for k in ("x", "y", "heading", "gun", "radar"):
        moved[1:] |= cols[k][1:] != cols[k][:-1]
    moved[round_start[:-1]] = False     # turn 0: no sweep
    alive = state != RS_DEAD
    moved &= alive
    moved[1:] &= alive[:-1]
    flags[moved] = 1
    radar = cols["radar"]
    for f, i in zip(*np.nonzero(moved)):
        start = radar[f - 1, i]
        extent = radar[f, i] - start
        if extent < -math.pi:
            extent = TWO_PI + extent
        elif extent > math.pi:
            extent = extent - TWO_PI
        for j in range(n):
            if j != i and alive[f, j] and scan_hits_box(cols["x"][f, i], cols["y"][f, i], start, extent,
                                                         RADAR_SCAN_RADIUS, cols["x"][f, j], cols["y"][f, j]):
                flags[f, i] |= np.uint64(1 << (j + 1))
    return flags.astype(dtype)


def _bullet_table(bt, robots, round_start, n):
    out = {k: np.zeros(0) for k in BULLET_FIELDS}
    if len(bt) == 0:
        return _bullet_dtypes(out)
    order = np.lexsort((bt[:, 1], bt[:, 3], bt[:, 2], bt[:, 0]))
    bt = bt[order]
    key = bt[:, [0, 2, 3]]
    new = np.ones(len(bt), dtype=bool)
    new[1:] = np.any(key[1:] != key[:-1], axis=1)
    starts = np.nonzero(new)[0]
    ends = np.concatenate([starts[1:], [len(bt)]])
    stopped = np.isin(bt[:, 8], (END_HIT_ROBOT, END_HIT_BULLET, END_HIT_WALL))
    rows = []
    for s, e in zip(starts, ends):
        first = bt[s]
        st = np.nonzero(stopped[s:e])[0]
        last = bt[s + st[0]] if len(st) else bt[e - 1]
        reason = int(last[8]) if len(st) else END_FLYING
        rows.append((first[0], first[2], first[3], first[1], first[4], first[5], first[6], first[7],
                     last[1], last[4], last[5], reason))
    a = np.array(rows, dtype=np.float64)
    out = {k: a[:, q] for q, k in enumerate(BULLET_FIELDS[:-1])}
    # store the quantized values so that what is saved is what is used
    for k in ("x0", "y0", "end_x", "end_y"):
        out[k] = _dequantize("x", _quantize("x", out[k]))
    out["heading"] = _dequantize("heading", _quantize("heading", out["heading"]))
    victim = np.full(len(a), -1.0)
    for q in np.nonzero(out["reason"] == END_HIT_ROBOT)[0]:
        f = int(round_start[int(out["round"][q])] + out["end"][q])
        owner = int(out["owner"][q])
        d = [(robots["x"][f, j] - out["end_x"][q]) ** 2 + (robots["y"][f, j] - out["end_y"][q]) ** 2
             if j != owner else np.inf for j in range(n)]
        victim[q] = int(np.argmin(d))
    out["victim"] = victim
    return _bullet_dtypes(out)


def _bullet_dtypes(out):
    ints = {"round": np.int64, "owner": np.int64, "id": np.int64, "birth": np.int64, "end": np.int64,
            "reason": np.int64, "victim": np.int64}
    return {k: np.asarray(out[k]).astype(ints.get(k, np.float64)) for k in BULLET_FIELDS}


def _event_table(bullets, robots, state, round_start, n):
    ev = []
    b = bullets
    kinds = {END_HIT_ROBOT: EVT_BULLET_HIT, END_HIT_BULLET: EVT_BULLET_HIT_BULLET, END_HIT_WALL: EVT_BULLET_MISSED}
    for q in range(len(b["round"])):
        reason = int(b["reason"][q])
        if reason in kinds:
            other = int(b["victim"][q])
            if reason == END_HIT_BULLET:   # the other bullet stopped on the same turn, same place
                m = ((b["round"] == b["round"][q]) & (b["end"] == b["end"][q]) & (b["reason"] == END_HIT_BULLET)
                     & (np.arange(len(b["round"])) != q))
                cand = np.nonzero(m)[0]
                if len(cand):
                    dd = (b["end_x"][cand] - b["end_x"][q]) ** 2 + (b["end_y"][cand] - b["end_y"][q]) ** 2
                    other = int(b["owner"][cand[np.argmin(dd)]])
            ev.append((b["round"][q], b["end"][q], kinds[reason], b["owner"][q], other, b["power"][q]))
    rounds = len(round_start) - 1
    for r in range(rounds):
        f0, f1 = int(round_start[r]), int(round_start[r + 1])
        for f in range(f0, f1):
            for i in range(n):
                s = int(state[f, i])
                if s == RS_HIT_WALL:
                    ev.append((r, f - f0, EVT_HIT_WALL, i, -1, 0.0))
                elif s == RS_HIT_ROBOT:
                    d = [(robots["x"][f, j] - robots["x"][f, i]) ** 2 + (robots["y"][f, j] - robots["y"][f, i]) ** 2
                         if j != i else np.inf for j in range(n)]
                    ev.append((r, f - f0, EVT_HIT_ROBOT, i, int(np.argmin(d)) if n > 1 else -1, 0.0))
                elif s == RS_DEAD and (f == f0 or int(state[f - 1, i]) != RS_DEAD):
                    ev.append((r, f - f0, EVT_DEATH, i, -1, 0.0))
        left = (state[f0:f1] != RS_DEAD).sum(axis=1)
        k = np.nonzero(left <= 1)[0] if n > 1 else []
        decided = int(k[0]) if len(k) else f1 - 1 - f0
        for i in range(n):
            if int(state[f0 + decided, i]) != RS_DEAD:
                ev.append((r, decided, EVT_WIN, i, -1, 0.0))
    ev.sort(key=lambda e: (e[0], e[1], e[2], e[3]))
    a = np.array(ev, dtype=np.float64).reshape(-1, 6)
    out = {k: a[:, q].astype(np.int64) for q, k in enumerate(EVENT_FIELDS[:-1])}
    out["value"] = a[:, 5].copy()
    return out


def default_replay_path(bots, seed, directory="replays"):
    """replays/<botA>-vs-<botB>-seed<seed>.gfr, with each spec made file-name safe."""
    def safe(spec):
        s = re.sub(r"[^A-Za-z0-9._-]+", "_", str(getattr(spec, "name", spec))).strip("._") or "bot"
        if len(s) > 48:
            s = s[:40] + "-" + hashlib.sha256(str(spec).encode()).hexdigest()[:7]
        return s
    return os.path.join(directory, "-vs-".join(safe(b) for b in bots) + f"-seed{int(seed)}{SUFFIX}")


def verify_replay(replay: Replay):
    """Re-simulate a replay from its metadata; returns (same, reason)."""
    from sim.battle import run_battle
    result = run_battle(replay.bots, replay.rules, seed=replay.seed, record=True)
    again = replay_from_battle(result, replay.bots)
    if again.meta["trace_sha256"] != replay.meta["trace_sha256"]:
        return False, "the re-simulated trace differs from the recorded one (trace_sha256)"
    return replays_equal(again, replay)


# --------------------------------------------------------------------------------------------------
# saving


def _smallest_int(a):
    a = np.asarray(a, dtype=np.int64)
    if a.size == 0:
        return a.astype(np.int8)
    lo, hi = int(a.min()), int(a.max())
    for t in (np.int8, np.int16, np.int32, np.int64):
        info = np.iinfo(t)
        if info.min <= lo and hi <= info.max:
            return a.astype(t)
    return a


def _encode_series(name, values):
    """(frames, n) float -> (n, frames) smallest-int deltas along the frames."""
    q = _quantize(name, values).T
    d = np.diff(q, axis=1, prepend=0)
    if name in _ANGLES:
        d = (d + ANG_Q // 2) % ANG_Q - ANG_Q // 2
    return _smallest_int(d)


def _decode_series(name, d):
    q = np.cumsum(d.astype(np.int64), axis=1)
    if name in _ANGLES:
        q %= ANG_Q
    return np.ascontiguousarray(_dequantize(name, q).T)


def encode_replay(replay: Replay):
    """The replay as the dict of arrays that goes into the file."""
    meta = dict(replay.meta)
    arrays = {"meta": np.frombuffer(json.dumps(meta, sort_keys=True).encode("utf-8"), dtype=np.uint8),
              "rounds.turns": replay.round_turns.astype(np.int32)}
    for k in ROBOT_FIELDS:
        arrays[f"robots.{k}"] = _encode_series(k, replay.robots[k])
    arrays["robots.state"] = np.ascontiguousarray(replay.robots["state"].T.astype(np.int8))
    arrays["robots.scan"] = np.ascontiguousarray(replay.robots["scan"].T)
    b = replay.bullets
    for k in ("round", "owner", "id", "birth", "end", "reason", "victim"):
        arrays[f"bullets.{k}"] = _smallest_int(b[k])
    for k in ("x0", "y0", "end_x", "end_y"):
        arrays[f"bullets.{k}"] = _smallest_int(_quantize("x", b[k]))
    arrays["bullets.heading"] = _smallest_int(_quantize("heading", b["heading"]))
    arrays["bullets.power"] = b["power"].astype("<f8")
    e = replay.events
    for k in EVENT_FIELDS[:-1]:
        arrays[f"events.{k}"] = _smallest_int(e[k])
    arrays["events.value"] = e["value"].astype("<f8")
    arrays["scores.round_scores"] = replay.round_scores.astype("<f8")
    arrays["scores.round_stats"] = _smallest_int(replay.round_stats)
    return arrays


def save_replay(path, replay: Replay):
    """Write a replay atomically (a temporary file in the same directory, then os.replace).

    The bytes depend only on the replay (fixed zip timestamps), so the same battle gives the
    same file. Returns the path written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = encode_replay(replay)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for name, arr in arrays.items():
                    buf = io.BytesIO()
                    np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
                    info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
                    info.external_attr = 0o644 << 16
                    zf.writestr(info, buf.getvalue(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return str(path)


# --------------------------------------------------------------------------------------------------
# loading


def _need(z, name, path):
    if name not in z.files:
        raise ReplayError(f"{path}: corrupt replay (member {name!r} is missing)")
    return z[name]


def load_replay(path) -> Replay:
    """Read a replay; raises ReplayError with a one-line reason for missing, empty, truncated,
    corrupt, foreign or newer-version files. Nothing is unpickled."""
    path = str(path)
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except FileNotFoundError:
        raise ReplayError(f"{path}: no such replay file") from None
    except IsADirectoryError:
        raise ReplayError(f"{path}: is a directory, not a replay file") from None
    except OSError as e:
        raise ReplayError(f"{path}: cannot read ({e.strerror or e})") from None
    if len(head) == 0:
        raise ReplayError(f"{path}: empty file, not a replay (truncated?)")
    if head != b"PK\x03\x04":
        raise ReplayError(f"{path}: not a gfsim replay (unknown file type)")
    try:
        with np.load(path, allow_pickle=False) as z:
            return _read(z, path)
    except ReplayError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise ReplayError(f"{path}: truncated or corrupt replay ({_one_line(e)})") from None
    except ValueError as e:   # e.g. an object array that would need pickle, or a damaged .npy header
        raise ReplayError(f"{path}: corrupt replay ({_one_line(e)})") from None
    except OSError as e:
        raise ReplayError(f"{path}: cannot read ({e.strerror or _one_line(e)})") from None


def _one_line(e):
    s = " ".join(str(e).split())
    return s[:160] if s else type(e).__name__


def _read(z, path):
    if "meta" not in z.files:
        raise ReplayError(f"{path}: not a gfsim replay (no metadata in this zip/npz file)")
    raw = z["meta"]
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ReplayError(f"{path}: not a gfsim replay (metadata is not JSON text)")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ReplayError(f"{path}: corrupt replay (metadata is not valid JSON)") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ReplayError(f"{path}: not a gfsim replay (format is {meta.get('format') if isinstance(meta, dict) else None!r})")
    version = meta.get("version")
    if not isinstance(version, int) or version < 1:
        raise ReplayError(f"{path}: corrupt replay (bad format version {version!r})")
    if version > FORMAT_VERSION:
        raise ReplayError(f"{path}: replay format version {version} is newer than this gfsim reads "
                          f"({FORMAT_VERSION}); upgrade gfsim (written by gfsim {meta.get('gfsim_version', '?')})")
    sections = meta.get("sections")
    if not isinstance(sections, dict):
        raise ReplayError(f"{path}: corrupt replay (no section list)")
    for name, info in sections.items():
        known = SECTIONS.get(name)
        if not isinstance(info, dict):
            raise ReplayError(f"{path}: corrupt replay (bad entry for section {name!r})")
        if info.get("required") and (known is None or info.get("version", 1) > known):
            raise ReplayError(f"{path}: replay needs section {name!r} version {info.get('version')}, which this "
                              f"gfsim does not read; upgrade gfsim")
    try:
        n = int(meta["robots"])
        rounds = int(meta["rounds"])
        frames = int(meta["frames"])
        for k in ("rules", "bots", "names", "seed"):
            meta[k]
        for k in ("width", "height"):
            int(meta["rules"][k])
    except (KeyError, TypeError, ValueError):
        raise ReplayError(f"{path}: corrupt replay (metadata lacks robots/rounds/frames/rules/bots/names/seed)") from None
    if n < 1 or rounds < 1 or len(meta["bots"]) != n or len(meta["names"]) != n:
        raise ReplayError(f"{path}: corrupt replay (inconsistent robot or round counts)")

    def bad(msg):
        return ReplayError(f"{path}: corrupt replay ({msg})")

    turns = _need(z, "rounds.turns", path).astype(np.int64)
    if turns.shape != (rounds,) or np.any(turns < 0) or int((turns + 1).sum()) != frames:
        raise bad("round lengths do not add up to the frame count")
    robots = {}
    for k in ROBOT_FIELDS:
        d = _need(z, f"robots.{k}", path)
        if d.shape != (n, frames) or d.dtype.kind != "i":
            raise bad(f"robots.{k} has shape {d.shape}, expected {(n, frames)}")
        robots[k] = _decode_series(k, d)
    for k in ("state", "scan"):
        d = _need(z, f"robots.{k}", path)
        if d.shape != (n, frames) or d.dtype.kind not in "iu":
            raise bad(f"robots.{k} has shape {d.shape}, expected {(n, frames)}")
        robots[k] = np.ascontiguousarray(d.T)
    if np.any((robots["state"] < 0) | (robots["state"] > RS_DEAD)):
        raise bad("unknown robot state")
    b = {k: _need(z, f"bullets.{k}", path) for k in BULLET_FIELDS}
    nb = len(b["round"])
    if any(v.shape != (nb,) for v in b.values()):
        raise bad("bullet columns differ in length")
    bullets = {k: b[k].astype(np.int64) for k in ("round", "owner", "id", "birth", "end", "reason", "victim")}
    for k in ("x0", "y0", "end_x", "end_y"):
        bullets[k] = _dequantize("x", b[k].astype(np.int64))
    bullets["heading"] = _dequantize("heading", b["heading"].astype(np.int64))
    bullets["power"] = b["power"].astype(np.float64)
    bullets = {k: bullets[k] for k in BULLET_FIELDS}
    if nb and (np.any((bullets["round"] < 0) | (bullets["round"] >= rounds)) or
               np.any((bullets["owner"] < 0) | (bullets["owner"] >= n)) or
               np.any((bullets["victim"] < -1) | (bullets["victim"] >= n)) or
               np.any(bullets["birth"] > bullets["end"]) or np.any(bullets["birth"] < 0) or
               np.any(bullets["end"] > turns[bullets["round"]])):
        raise bad("a bullet lies outside its round or names an unknown robot")
    e = {k: _need(z, f"events.{k}", path) for k in EVENT_FIELDS}
    ne = len(e["round"])
    if any(v.shape != (ne,) for v in e.values()):
        raise bad("event columns differ in length")
    events = {k: e[k].astype(np.int64) for k in EVENT_FIELDS[:-1]}
    events["value"] = e["value"].astype(np.float64)
    if ne and (np.any((events["round"] < 0) | (events["round"] >= rounds)) or
               np.any((events["robot"] < 0) | (events["robot"] >= n)) or
               np.any(events["turn"] < 0) or np.any(events["turn"] > turns[events["round"]])):
        raise bad("an event lies outside its round or names an unknown robot")
    scores = _need(z, "scores.round_scores", path)
    stats = _need(z, "scores.round_stats", path)
    if scores.shape[:2] != (rounds, n) or scores.ndim != 3 or stats.shape != (rounds, n, 2):
        raise bad("score tables do not match the rounds and robots")
    return Replay(meta, turns, robots, bullets, events, scores.astype(np.float64), stats.astype(np.int64))


# --------------------------------------------------------------------------------------------------
# the example replay shipped with gfsim (sim/data/example.gfr, copied to replays/example.gfr)

EXAMPLE_BOTS = ("sample.Walls", "sample.SpinBot")
EXAMPLE_ROUNDS = 5
EXAMPLE_SEED = 1


def write_example(root=None):
    """Record the example replay into sim/data/ and replays/ of a source tree; returns the paths."""
    from sim.rules import Rules
    root = Path(root) if root else Path(__file__).resolve().parent.parent
    rp = record_replay(list(EXAMPLE_BOTS), Rules(rounds=EXAMPLE_ROUNDS), seed=EXAMPLE_SEED)
    return [save_replay(root / "sim" / "data" / "example.gfr", rp), save_replay(root / "replays" / "example.gfr", rp)]


if __name__ == "__main__":
    import sys
    if sys.argv[1:] != ["--example"]:
        print("usage: python -m sim.replay --example   (re-record the shipped example replay)", file=sys.stderr)
        sys.exit(2)
    for p in write_example():
        print(p, os.path.getsize(p), "bytes")
