"""Battle replays: record every turn of a battle, save it compactly, load it safely.

A replay file (``*.gfr``) is a zip archive of ``.npy`` arrays, so it is read
with sim.io.npyzip (every header, shape and size checked before any data is read,
never unpickling anything). Its
members (all little-endian, no object arrays):

``meta``
    UTF-8 JSON in a uint8 array: ``format`` ("gfsim-replay"), ``version``
    (the format version, see FORMAT_VERSION), ``gfsim_version``, ``rules``
    (sim.engine.rules.Rules fields), ``bots`` (the bot spec strings, canonical),
    ``names`` (display names, Robocode's " (1)"/" (2)" suffixes for twins),
    ``seed``, ``robots`` (n), ``rounds``, ``frames``, ``quantization``
    (units per step of each quantized field), ``sections`` (see below),
    ``results`` (the final results table), ``trace_sha256`` (digest of the
    engine's full-precision float64 trace, for the determinism check) and
    ``trace_digest`` (how it is computed: 2 = SHA-256 of the SHA-256s of the
    robot trace, the bullet trace and the scores, which a battle recorded a few
    rounds at a time can compute as it goes; absent = 1, one SHA-256 over the
    three, in replays written before; verify_replay checks either).
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
    bullet, 4 hit a wall; sim.engine.constants BS_*), ``victim`` (robot hit or -1).
    A bullet flies in a straight line: at turn t in [birth, end) it is at
    (x0, y0) + (t - birth)·(20 − 3·power)·(sin heading, cos heading).
``events.<field>``
    ``round``, ``turn``, ``type`` (EVENT_NAMES), ``robot``, ``other``, ``value``.
``scores.round_scores`` / ``scores.round_stats``
    (rounds, n, 9) score columns (sim.engine.constants S_*) and (rounds, n, 2) shots, hits.

``waves.<field>`` (optional, 1v1 battles)
    the gun waves of sim.waves.tracking.gun_waves, one row per real bullet (and per
    shooter and turn without a bullet too when recorded with
    ``virtual_waves=True``), sorted by (round, turn, shooter): ``round``,
    ``turn`` (the fire turn t), ``shooter``, ``target``, ``real`` (1 = a bullet
    rides the wave), ``hit`` (that bullet hit the target), ``bullet`` (its id,
    -1 for virtual waves), ``center_turn`` (the turn the front reached the
    target's centre, -1 if never), ``fire_x``, ``fire_y`` (1/256 px; the shooter
    at the end of turn t-1), ``bearing`` (direct bearing to the target then,
    2**20 steps), ``speed`` (bullet speed, float64), ``lat_dir`` (int8, the
    target's lateral direction, +1 clockwise), ``gf_lo``, ``gf_hi`` (the hull of
    the guess factors that would have hit), ``gf_center`` (the target centre's
    GF, NaN if never reached), ``gf_fired`` (the bullet's GF, NaN for virtual
    waves), the four GFs float32. The classic MEA asin(8 / speed) is not
    stored. A GF g lies at absolute angle ``bearing + g * lat_dir * mea``, and at
    the end of turn ``now`` the front has radius ``(now - t + 1) * speed``.
``telemetry.<field>`` (optional)
    what the bots' guns and movements thought (bots/telemetry.py), one row per
    (robot, kind, round, turn), the last one written when a bot wrote several,
    sorted by (round, turn, kind, robot): ``robot``, ``kind`` (TK_AIM = 0, the
    gun's aiming density for the wave fired in ``turn``; TK_DANGER = 1, the
    surfer ``robot``'s danger along the enemy wave fired in ``turn``),
    ``round``, ``turn``, ``source_x``, ``source_y`` (1/256 px), ``bearing``
    (2**20 steps), ``speed``, ``lat_dir`` (int8), ``mea`` (float64) and ``bins``
    (rows, TELE_BINS) uint16: the density over GF -1..1 (bin k at
    -1 + 2k/(TELE_BINS-1)) relative to the row's largest value (65535). Rows a
    bot wrote with non-finite values, an unknown kind or outside the battle are
    left out (counted in the section's ``dropped``).

Sections and versions. ``meta["sections"]`` maps each section (the member
prefix) to ``{"version": v, "required": bool, ...}``. Optional sections
(``waves``, ``telemetry``) came without changing FORMAT_VERSION: a reader
skips optional sections it does not know (or of a newer section version) and
refuses files whose required sections it does not know, or whose
FORMAT_VERSION is newer than its own. A known optional section is validated
like the rest: a damaged one makes the file corrupt.

Writing. ``ReplayWriter`` appends whole rounds at a time to per-member spill files and
assembles the zip at the end (sim/io/streaming.py records long battles with it); a
member's integer type is the smallest that holds all its values, so the file is the same
bytes however the battle was split.

Scan arcs are the radar sweep of each turn (radar heading at t-1 to t, the
shorter way round), drawn when bit 0 of ``scan`` is set. Quantized values are
what the viewer needs (0.004 px, 6e-6 rad); the exact trace is pinned by
``trace_sha256`` and a replay re-simulated from its metadata must reproduce
both the arrays and the digest (``verify_replay``).

This module must not import the engine at module level (the viewer imports it):
only record_replay / replay_from_battle / verify_replay load sim.engine.battle.
"""
import hashlib
import io
import json
import math
import os
import re
import zipfile
import zlib
from pathlib import Path

import numpy as np

from sim.engine import physics
from sim.io.jsonfile import no_constant

FORMAT = "gfsim-replay"
FORMAT_VERSION = 1
SUFFIX = ".gfr"
SECTIONS = {"robots": 1, "bullets": 1, "events": 1, "scores": 1}   # the required sections this reader knows
OPTIONAL_SECTIONS = {"waves": 1, "telemetry": 1}                     # and the optional ones

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
WAVE_INT = ("round", "turn", "shooter", "target", "real", "hit", "bullet", "center_turn")
WAVE_FLOAT = ("fire_x", "fire_y", "bearing", "speed", "lat_dir", "gf_lo", "gf_hi", "gf_center", "gf_fired")
WAVE_FIELDS = WAVE_INT + WAVE_FLOAT
_WAVE_GF = ("gf_lo", "gf_hi", "gf_center", "gf_fired")
TELE_INT = ("robot", "kind", "round", "turn")
TELE_FLOAT = ("source_x", "source_y", "bearing", "speed", "lat_dir", "mea")
TELE_FIELDS = TELE_INT + TELE_FLOAT + ("bins",)
# bots/telemetry.py's layout, repeated so that reading a replay needs neither numba nor the bots
# (tests/test_replay.py checks they agree)
TELE_BINS = 51
TK_AIM, TK_DANGER = 0, 1
TELE_SOURCE_COLUMNS = ("robot", "kind", "round", "turn", "source_x", "source_y", "bearing", "bullet_speed",
                       "lat_dir", "mea")
BINS_Q = 65535         # a telemetry row's largest bin

# event types
(EVT_BULLET_HIT, EVT_BULLET_HIT_BULLET, EVT_BULLET_MISSED, EVT_HIT_WALL, EVT_HIT_ROBOT, EVT_DEATH,
 EVT_WIN) = range(1, 8)
EVENT_NAMES = {EVT_BULLET_HIT: "BulletHit", EVT_BULLET_HIT_BULLET: "BulletHitBullet",
               EVT_BULLET_MISSED: "BulletMissed", EVT_HIT_WALL: "HitWall", EVT_HIT_ROBOT: "HitRobot",
               EVT_DEATH: "Death", EVT_WIN: "Win"}

# robot states and bullet end reasons (sim.engine.constants RS_*, BS_*; repeated here so that reading a
# replay needs nothing of the engine)
RS_ACTIVE, RS_HIT_WALL, RS_HIT_ROBOT, RS_DEAD = 0, 1, 2, 3
END_FLYING, END_HIT_ROBOT, END_HIT_BULLET, END_HIT_WALL = 0, 2, 3, 4
BULLET_EXPLOSION_TURNS = 17
ROBOT_EXPLOSION_TURNS = 71
SCORE_COLUMNS = ("survival", "last_survivor", "bullet_damage", "bullet_kill", "ram_damage", "ram_kill",
                 "firsts", "seconds", "thirds")
N_TOTAL_SCORE = 6   # the first six score columns add up to the total score
WAVE_PASS_MARGIN = 40.0   # px: a wave is drawn until its front is this far past its target's centre


class ReplayError(ValueError):
    """A replay file that cannot be used; the message is one line naming the file and the reason."""


# the engine's formulas (sim/engine/physics.py), element by element over a replay's arrays
bullet_speed = physics.bullet_speeds
bullet_damage = np.vectorize(physics.bullet_damage.py_func, otypes=[np.float64])


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
    is turn ``f - round_start[r]``. Bullets and events are dicts of 1-D arrays. ``waves`` and
    ``telemetry`` are dicts of 1-D arrays (WAVE_FIELDS; TELE_FIELDS with ``bins`` (rows, bins)
    float32 relative to each row's largest bin), or None when the replay has no such section.
    """

    def __init__(self, meta, round_turns, robots, bullets, events, round_scores, round_stats, waves=None,
                 telemetry=None):
        self.meta = meta
        self.round_turns = np.asarray(round_turns, dtype=np.int64)
        self.round_start = np.concatenate([[0], np.cumsum(self.round_turns + 1)]).astype(np.int64)
        self.robots = robots
        self.bullets = bullets
        self.events = events
        self.round_scores = np.asarray(round_scores, dtype=np.float64)
        self.round_stats = np.asarray(round_stats, dtype=np.int64)
        self.frame_round = np.repeat(np.arange(len(self.round_turns)), self.round_turns + 1)
        self.waves = waves
        self.telemetry = telemetry
        self._cum = None
        self._end = None
        self._slices = {}

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
        from sim.engine.rules import Rules
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

    # --- waves and telemetry
    def _round_slice(self, table, rnd):
        """Rows [a, b) of a section table (sorted by round) that belong to a round."""
        if table not in self._slices:
            rounds = getattr(self, table)["round"]
            self._slices[table] = np.searchsorted(rounds, np.arange(self.rounds + 1))
        sl = self._slices[table]
        return int(sl[rnd]), int(sl[rnd + 1])

    def _fronts(self, frame, rows, turn, sx, sy, speed, target):
        """Of candidate rows, those whose wave front is on the field and has not yet passed its (alive)
        target at a frame, with their radii. target < 0: no target, only the field limits the wave."""
        r, t = self.round_turn(frame)
        radius = (t - turn + 1) * speed
        W, H = self.width, self.height
        far = np.sqrt(np.maximum(sx, W - sx) ** 2 + np.maximum(sy, H - sy) ** 2)
        keep = (turn <= t) & (radius > 0.0) & (radius < far + WAVE_PASS_MARGIN)
        tg = np.clip(target, 0, self.n - 1)
        tx = self.robots["x"][frame][tg]
        ty = self.robots["y"][frame][tg]
        alive = self.robots["state"][frame][tg] != RS_DEAD
        passed = radius > np.hypot(tx - sx, ty - sy) + WAVE_PASS_MARGIN
        keep &= (target < 0) | (alive & ~passed)
        return rows[keep], radius[keep]

    def waves_at(self, frame, virtual=False):
        """Gun waves to draw at a frame: (row indices into ``waves``, front radii). A wave is drawn from
        its fire turn until its front is WAVE_PASS_MARGIN px past its target (or off the field); while
        its target is dead it is not drawn. Virtual waves only with virtual=True."""
        if self.waves is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        r, t = self.round_turn(frame)
        a, b = self._round_slice("waves", r)
        w = self.waves
        rows = np.arange(a, b)
        if not virtual:
            rows = rows[w["real"][a:b] == 1]
        return self._fronts(frame, rows, w["turn"][rows], w["fire_x"][rows], w["fire_y"][rows], w["speed"][rows],
                            w["target"][rows])

    def telemetry_at(self, frame, kind):
        """Telemetry rows of a kind to draw at a frame, as waves_at draws waves: (rows, radii). The
        target of an aim row is the other robot of a 1v1 battle; of a danger row, the surfer itself."""
        if self.telemetry is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        r, t = self.round_turn(frame)
        a, b = self._round_slice("telemetry", r)
        tm = self.telemetry
        rows = a + np.nonzero(tm["kind"][a:b] == kind)[0]
        robot = tm["robot"][rows]
        if kind == TK_DANGER:
            target = robot
        else:
            target = 1 - robot if self.n == 2 else np.full(len(rows), -1)
        return self._fronts(frame, rows, tm["turn"][rows], tm["source_x"][rows], tm["source_y"][rows],
                            tm["speed"][rows], target)

    def wave_mea(self, rows=None):
        """Classic maximum escape angle asin(8 / speed) of gun waves."""
        sp = self.waves["speed"] if rows is None else self.waves["speed"][rows]
        return np.arcsin(8.0 / sp)

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
    for sec in ("waves", "telemetry"):
        ta, tb = getattr(a, sec), getattr(b, sec)
        if (ta is None) != (tb is None):
            return False, f"{sec} present in only one replay"
        if ta is not None:
            if set(ta) != set(tb):
                return False, f"{sec} columns differ"
            pairs += [(f"{sec}.{k}", ta[k], tb[k]) for k in ta]
    for name, x, y in pairs:
        if x.shape != y.shape or x.dtype != y.dtype or not np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
            return False, f"{name} differs"
    return True, ""


# --------------------------------------------------------------------------------------------------
# recording


def _trace_digest(robots_trace, bullets_trace, round_scores):
    """Version 1 of trace_sha256 (files without meta["trace_digest"]): one SHA-256 over the whole robot
    trace, then the bullet trace, then the scores. It needs the whole robot trace before the first bullet
    row, so only verify_replay still computes it (for replays written before version 2)."""
    h = hashlib.sha256()
    for a in (robots_trace, bullets_trace, round_scores):
        h.update(np.ascontiguousarray(a, dtype="<f8").tobytes())
    return h.hexdigest()


TRACE_DIGEST = 2   # meta["trace_digest"]: how trace_sha256 is computed (TraceDigest; absent = version 1)


class TraceDigest:
    """trace_sha256, version 2: SHA-256 of the SHA-256 digests of the robot trace, the bullet trace and the
    scores (each as little-endian float64 rows in the engine's order). Each trace is hashed as it is
    played, so a battle recorded a few rounds at a time has the digest of the battle recorded at once."""

    def __init__(self):
        self.robots = hashlib.sha256()
        self.bullets = hashlib.sha256()

    def update(self, robots_trace, bullets_trace):
        self.robots.update(np.ascontiguousarray(robots_trace, dtype="<f8").tobytes())
        self.bullets.update(np.ascontiguousarray(bullets_trace, dtype="<f8").tobytes())
        return self

    def hexdigest(self, round_scores):
        scores = hashlib.sha256(np.ascontiguousarray(round_scores, dtype="<f8").tobytes())
        return hashlib.sha256(self.robots.digest() + self.bullets.digest() + scores.digest()).hexdigest()


def record_replay(bots, rules=None, seed=0, waves=True, virtual_waves=False):
    """Play a battle with recording on and return its Replay. `bots` are spec strings (or BotSpecs)."""
    from sim.engine.battle import run_battle
    from sim.engine.rules import Rules
    rules = rules or Rules()
    result = run_battle(bots, rules, seed=seed, record=True)
    return replay_from_battle(result, bots, waves=waves, virtual_waves=virtual_waves)


def _spec_names(bots):
    from bots.registry import BotSpec, parse_bot
    return [b.name if isinstance(b, BotSpec) else parse_bot(b).name for b in bots]


def _trace_piece(trace, n, first_round=0):
    """The decoded tables (what a Replay holds) of the rounds a trace covers: `trace` is a BattleResult or a
    sim.engine.battle.TraceChunk of rounds [first_round, first_round + len(trace.round_turns)); every row
    is computed from those rounds alone, so the pieces of a battle recorded a few rounds at a time
    concatenate to the tables of the whole battle. Returns (robots, bullets, events, telemetry or None,
    telemetry rows left out)."""
    rt = np.asarray(trace.robots_trace, dtype=np.float64)
    bt = np.asarray(trace.bullets_trace, dtype=np.float64)
    round_turns = np.asarray(trace.round_turns, dtype=np.int64)
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
    bullets = _bullet_table(bt, robots, round_start, n, first_round)
    events = _event_table(bullets, robots, state, round_start, n, first_round)
    tele, dropped = _telemetry_table(getattr(trace, "telemetry", None), n, round_turns, first_round)
    return robots, bullets, events, tele, int(dropped) + int(getattr(trace, "telemetry_dropped", 0) or 0)


def _replay_meta(specs, names, rules, seed, rounds, frames, sections, results, digest):
    return {
        "format": FORMAT, "version": FORMAT_VERSION, "gfsim_version": gfsim_version(),
        "rules": rules.as_dict(), "bots": specs, "names": list(names), "seed": int(seed),
        "robots": len(specs), "rounds": int(rounds), "frames": int(frames),
        "quantization": {"position": POS_Q, "angle": ANG_Q, "velocity": VEL_Q, "energy": ENERGY_Q,
                         "gun_heat": HEAT_Q},
        "sections": sections,
        "results": [dict(name=r.name, rank=r.rank, total=r.total, firsts=r.firsts, shots=r.shots, hits=r.hits)
                    for r in results],
        "trace_sha256": digest, "trace_digest": TRACE_DIGEST,
    }


def _sections(wave_rows, virtual_waves, tele_rows, tele_dropped):
    """meta["sections"]: the required ones, and waves / telemetry when they have rows (None: no section)."""
    sections = {k: {"version": v, "required": True} for k, v in SECTIONS.items()}
    if wave_rows is not None:
        sections["waves"] = {"version": OPTIONAL_SECTIONS["waves"], "required": False,
                             "virtual": bool(virtual_waves), "rows": int(wave_rows)}
    if tele_rows:
        sections["telemetry"] = {"version": OPTIONAL_SECTIONS["telemetry"], "required": False, "bins": TELE_BINS,
                                 "rows": int(tele_rows), "dropped": int(tele_dropped)}
    return sections


def replay_from_battle(result, bots, waves=True, virtual_waves=False):
    """Build a Replay from a BattleResult played with record=True; `bots` are the specs it was given.

    waves: add the gun-wave section (1v1 battles; sim.waves.tracking.gun_waves on the recorded trace) with the
    waves of real bullets, and with virtual_waves also one wave per shooter and turn without a bullet
    (about 14x more rows: ~0.7 MB more for 35 rounds). The bots' telemetry, if they wrote any, always
    goes in. (sim/io/streaming.py writes the same file from a battle played a few rounds at a time.)"""
    if result.robots_trace is None:
        raise ValueError("the battle was played without record=True")
    specs = _spec_names(bots)
    n = len(specs)
    round_turns = np.asarray(result.round_turns, dtype=np.int64)
    robots, bullets, events, tele, dropped = _trace_piece(result, n)
    wave_table = _wave_table(result, virtual_waves) if waves and n == 2 else None
    sections = _sections(None if wave_table is None else len(wave_table["round"]), virtual_waves,
                         0 if tele is None else len(tele["round"]), dropped)
    digest = TraceDigest().update(result.robots_trace, result.bullets_trace).hexdigest(result.round_scores)
    meta = _replay_meta(specs, result.names, result.rules, result.seed, len(round_turns),
                        int((round_turns + 1).sum()), sections, result.results, digest)
    return Replay(meta, round_turns, robots, bullets, events, result.round_scores,
                  np.asarray(result.round_stats).astype(np.int64), waves=wave_table, telemetry=tele)


def _wave_table(trace, virtual, carry=None):
    """The waves section from sim.waves.tracking.gun_waves, holding exactly the values the file stores
    (None if the trace is not one tracking reads); `carry`: the battle's WaveCarry for a part of it."""
    from sim.waves.tracking import gun_waves, TraceError
    try:
        g = gun_waves(trace, carry=carry)["columns"]
    except TraceError:
        return None
    keep = np.ones(len(g["round"]), dtype=bool) if virtual else g["real_bullet"] == 1
    src = {"round": "round", "turn": "turn", "shooter": "shooter", "target": "target", "real": "real_bullet",
           "hit": "hit", "bullet": "bullet_id", "center_turn": "center_turn", "fire_x": "fire_x",
           "fire_y": "fire_y", "bearing": "bearing", "speed": "bullet_speed", "lat_dir": "lat_dir",
           "gf_lo": "gf_lo", "gf_hi": "gf_hi", "gf_center": "gf_center", "gf_fired": "gf_fired"}
    w = {k: np.asarray(g[v])[keep] for k, v in src.items()}
    order = np.lexsort((w["shooter"], w["turn"], w["round"]))
    w = {k: v[order] for k, v in w.items()}
    out = {k: w[k].astype(np.int64) for k in WAVE_INT}
    out["fire_x"] = _dequantize("x", _quantize("x", w["fire_x"]))
    out["fire_y"] = _dequantize("x", _quantize("x", w["fire_y"]))
    out["bearing"] = _dequantize("heading", _quantize("heading", w["bearing"]))
    out["speed"] = w["speed"].astype(np.float64)
    out["lat_dir"] = np.where(w["lat_dir"] < 0, -1.0, 1.0)
    for k in _WAVE_GF:
        out[k] = w[k].astype(np.float32).astype(np.float64)
    return {k: out[k] for k in WAVE_FIELDS}


def _bins_relative(q):
    """uint16 bins (row max 65535) -> float32 densities relative to the row's largest bin."""
    return (q.astype(np.float32) / np.float32(BINS_Q)).astype(np.float32)


def _telemetry_table(tele, n, round_turns, first_round=0):
    """The telemetry section from BattleResult.telemetry (TELE_SOURCE_COLUMNS + TELE_BINS bins) of rounds
    [first_round, first_round + len(round_turns)): (table or None, rows left out)."""
    if tele is None:
        return None, 0
    tele = np.asarray(tele, dtype=np.float64)
    head = len(TELE_SOURCE_COLUMNS)
    if tele.ndim != 2 or tele.shape[0] == 0:
        return None, 0
    if tele.shape[1] != head + TELE_BINS:
        raise ValueError(f"telemetry has {tele.shape[1]} columns, expected {head + TELE_BINS}")
    c = {name: tele[:, k] for k, name in enumerate(TELE_SOURCE_COLUMNS)}
    bins = tele[:, head:]
    rounds = len(round_turns)
    ok = np.all(np.isfinite(tele), axis=1)
    ok &= np.isin(c["kind"], (TK_AIM, TK_DANGER)) & (c["robot"] >= 0) & (c["robot"] < n)
    local = c["round"] - first_round
    ok &= (local >= 0) & (local < rounds) & (c["round"] == np.round(c["round"]))
    ok &= (c["turn"] == np.round(c["turn"])) & (c["turn"] >= 0)
    ok &= (c["bullet_speed"] > 0.0) & (c["mea"] > 0.0) & np.all(bins >= 0.0, axis=1)
    ok[ok] &= c["turn"][ok] <= round_turns[local[ok].astype(np.int64)]
    ok &= np.all(np.abs(tele[:, 4:7]) < 1e6, axis=1)
    dropped = int((~ok).sum())
    idx = np.nonzero(ok)[0]
    if len(idx) == 0:
        return None, dropped
    key = {k: c[k][idx].astype(np.int64) for k in TELE_INT}
    # one row per (robot, kind, round, turn): the last one written
    order = np.lexsort((idx, key["robot"], key["kind"], key["turn"], key["round"]))
    idx = idx[order]
    key = {k: v[order] for k, v in key.items()}
    same = np.zeros(len(idx), dtype=bool)
    same[:-1] = np.all(np.stack([key[k][:-1] == key[k][1:] for k in TELE_INT]), axis=0)
    dropped += int(same.sum())
    idx = idx[~same]
    out = {k: v[~same] for k, v in key.items()}
    out["source_x"] = _dequantize("x", _quantize("x", c["source_x"][idx]))
    out["source_y"] = _dequantize("x", _quantize("x", c["source_y"][idx]))
    out["bearing"] = _dequantize("heading", _quantize("heading", c["bearing"][idx]))
    out["speed"] = c["bullet_speed"][idx].copy()
    out["lat_dir"] = np.where(c["lat_dir"][idx] < 0, -1.0, 1.0)
    out["mea"] = c["mea"][idx].copy()
    out["bins"] = _bins_relative(_bins_quantized(bins[idx]))
    return {k: out[k] for k in TELE_FIELDS}, dropped


def _bins_quantized(bins):
    top = bins.max(axis=1, keepdims=True)
    rel = np.where(top > 0.0, bins / np.where(top > 0.0, top, 1.0), 1.0)
    return np.round(rel * BINS_Q).astype(np.uint16)


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
    bit j+1: the sweep touched robot j's box (sim.engine.geometry.scan_hits_box, as the engine tests it)."""
    from sim.engine.geometry import scan_hits_box
    from sim.engine.constants import RADAR_SCAN_RADIUS
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


def _bullet_table(bt, robots, round_start, n, first_round=0):
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
        f = int(round_start[int(out["round"][q]) - first_round] + out["end"][q])
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


def _event_table(bullets, robots, state, round_start, n, first_round=0):
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
                    ev.append((first_round + r, f - f0, EVT_HIT_WALL, i, -1, 0.0))
                elif s == RS_HIT_ROBOT:
                    d = [(robots["x"][f, j] - robots["x"][f, i]) ** 2 + (robots["y"][f, j] - robots["y"][f, i]) ** 2
                         if j != i else np.inf for j in range(n)]
                    ev.append((first_round + r, f - f0, EVT_HIT_ROBOT, i, int(np.argmin(d)) if n > 1 else -1, 0.0))
                elif s == RS_DEAD and (f == f0 or int(state[f - 1, i]) != RS_DEAD):
                    ev.append((first_round + r, f - f0, EVT_DEATH, i, -1, 0.0))
        left = (state[f0:f1] != RS_DEAD).sum(axis=1)
        k = np.nonzero(left <= 1)[0] if n > 1 else []
        decided = int(k[0]) if len(k) else f1 - 1 - f0
        for i in range(n):
            if int(state[f0 + decided, i]) != RS_DEAD:
                ev.append((first_round + r, decided, EVT_WIN, i, -1, 0.0))
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
    from sim.engine.battle import run_battle
    result = run_battle(replay.bots, replay.rules, seed=replay.seed, record=True)
    waves = replay.meta["sections"].get("waves")
    again = replay_from_battle(result, replay.bots, waves=waves is not None,
                               virtual_waves=bool(waves and waves.get("virtual")))
    if "trace_digest" not in replay.meta:   # written before digest version 2
        del again.meta["trace_digest"]
        again.meta["trace_sha256"] = _trace_digest(result.robots_trace, result.bullets_trace, result.round_scores)
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


def _decode_series(name, d):
    q = np.cumsum(d.astype(np.int64), axis=1)
    if name in _ANGLES:
        q %= ANG_Q
    return np.ascontiguousarray(_dequantize(name, q).T)


# The members of a replay file, in the order they are written: (name, layout, dtype). Layout "series": an
# (n, frames) array appended frame by frame (one stream per robot); "column": 1-d, appended; "rows": 2-d
# (rows, k), appended row by row; "whole": written at the end from the battle's results. dtype "smallest":
# the smallest integer type that holds every value of the member (_smallest_int); "same": the dtype of
# what is appended.
def _members(waves, telemetry):
    m = [("meta", "whole", "u1"), ("rounds.turns", "column", "<i4")]
    m += [(f"robots.{k}", "series", "smallest") for k in ROBOT_FIELDS]
    m += [("robots.state", "series", "|i1"), ("robots.scan", "series", "same")]
    m += [(f"bullets.{k}", "column", "smallest") for k in ("round", "owner", "id", "birth", "end", "reason", "victim",
                                                           "x0", "y0", "end_x", "end_y", "heading")]
    m += [("bullets.power", "column", "<f8")]
    m += [(f"events.{k}", "column", "smallest") for k in EVENT_FIELDS[:-1]] + [("events.value", "column", "<f8")]
    m += [("scores.round_scores", "whole", "<f8"), ("scores.round_stats", "whole", "smallest")]
    if waves:
        m += [(f"waves.{k}", "column", "smallest") for k in WAVE_INT + ("fire_x", "fire_y", "bearing")]
        m += [("waves.speed", "column", "<f8"), ("waves.lat_dir", "column", "|i1")]
        m += [(f"waves.{k}", "column", "<f4") for k in _WAVE_GF]
    if telemetry:
        m += [(f"telemetry.{k}", "column", "smallest") for k in TELE_INT + ("source_x", "source_y", "bearing")]
        m += [("telemetry.speed", "column", "<f8"), ("telemetry.lat_dir", "column", "|i1"),
              ("telemetry.mea", "column", "<f8"), ("telemetry.bins", "rows", "<u2")]
    return m


_INT_WIDTHS = (np.dtype(np.int8), np.dtype(np.int16), np.dtype(np.int32), np.dtype(np.int64))


class _SeriesCarry:
    """The last quantized value of each robot series, so that the deltas of frames appended a few rounds at
    a time are the deltas of the whole series (the first frame of the battle counts from 0)."""

    def __init__(self, n):
        self.last = {k: np.zeros(n, dtype=np.int64) for k in ROBOT_FIELDS}

    def deltas(self, name, values):
        """(frames, n) decoded values -> (n, frames) int64 deltas along the frames."""
        q = _quantize(name, values).T
        d = np.diff(q, axis=1, prepend=self.last[name][:, None])
        if q.shape[1]:
            self.last[name] = q[:, -1].copy()
        if name in _ANGLES:
            d = (d + ANG_Q // 2) % ANG_Q - ANG_Q // 2
        return d


def _encode_piece(robots, bullets, events, waves, telemetry, carry):
    """What the decoded tables of some whole rounds add to each member: {member: array} (series (n, frames);
    integers still int64 where the member's type is decided at the end)."""
    out = {f"robots.{k}": carry.deltas(k, robots[k]) for k in ROBOT_FIELDS}
    out["robots.state"] = robots["state"].T.astype(np.int8)
    out["robots.scan"] = robots["scan"].T
    b = bullets
    for k in ("round", "owner", "id", "birth", "end", "reason", "victim"):
        out[f"bullets.{k}"] = b[k]
    for k in ("x0", "y0", "end_x", "end_y"):
        out[f"bullets.{k}"] = _quantize("x", b[k])
    out["bullets.heading"] = _quantize("heading", b["heading"])
    out["bullets.power"] = b["power"]
    for k in EVENT_FIELDS:
        out[f"events.{k}"] = events[k]
    if waves is not None:
        for k in WAVE_INT:
            out[f"waves.{k}"] = waves[k]
        for k in ("fire_x", "fire_y"):
            out[f"waves.{k}"] = _quantize("x", waves[k])
        out["waves.bearing"] = _quantize("heading", waves["bearing"])
        out["waves.speed"] = waves["speed"]
        out["waves.lat_dir"] = waves["lat_dir"]
        for k in _WAVE_GF:
            out[f"waves.{k}"] = waves[k]
    if telemetry is not None:
        tm = telemetry
        for k in TELE_INT:
            out[f"telemetry.{k}"] = tm[k]
        for k in ("source_x", "source_y"):
            out[f"telemetry.{k}"] = _quantize("x", tm[k])
        out["telemetry.bearing"] = _quantize("heading", tm["bearing"])
        out["telemetry.speed"] = tm["speed"]
        out["telemetry.lat_dir"] = tm["lat_dir"]
        out["telemetry.mea"] = tm["mea"]
        out["telemetry.bins"] = np.round(tm["bins"].astype(np.float64) * BINS_Q)
    return out


def _smallest_dtype(a):
    return _smallest_int(a).dtype if np.asarray(a).size else _INT_WIDTHS[0]


class _Spill:
    """One member's values on disk, appended piece by piece: one file per stream (a robot's series, or
    the member itself), each a list of segments (dtype, items). A "smallest" member is written in the
    widest type needed so far (so at most four segments per file) and cast to the member's final type
    when the archive is assembled."""

    def __init__(self, folder, name, layout, dtype):
        self.path = os.path.join(folder, name)
        self.layout, self.kind = layout, dtype
        self.dtype = None if dtype in ("smallest", "same") else np.dtype(dtype)
        self.segments = {}      # stream -> [[dtype, items], ...]
        self.items = {}         # stream -> items appended
        self.tail = ()          # shape after the first axis ("rows" layout)

    def append(self, arr, stream=0):
        arr = np.asarray(arr)
        if self.kind == "smallest":
            want = _smallest_dtype(arr)
            self.dtype = want if self.dtype is None or want.itemsize > self.dtype.itemsize else self.dtype
            dt = self.dtype
        elif self.kind == "same" and self.dtype is None:
            self.dtype = dt = arr.dtype
        else:
            dt = self.dtype
        if self.layout == "rows":
            self.tail = arr.shape[1:]
        data = np.ascontiguousarray(arr.astype(dt))
        segs = self.segments.setdefault(stream, [])
        if len(data):
            with open(f"{self.path}.{stream}", "ab") as f:
                f.write(data.tobytes())
            if segs and segs[-1][0] == dt:
                segs[-1][1] += len(data)
            else:
                segs.append([dt, len(data)])
        self.items[stream] = self.items.get(stream, 0) + len(data)

    def final_dtype(self):
        return self.dtype if self.dtype is not None else _INT_WIDTHS[0]

    def shape(self, n):
        if self.layout == "series":
            return (n, self.items.get(0, 0))
        return (self.items.get(0, 0),) + tuple(self.tail)

    def copy_to(self, f, n):
        """Write the member's data (every stream in order, cast to its final type) to the open file `f`."""
        final = self.final_dtype()
        per_item = int(np.prod(self.tail, dtype=np.int64)) if self.tail else 1
        for stream in range(n if self.layout == "series" else 1):
            segments = self.segments.get(stream, [])
            if not segments:
                continue
            with open(f"{self.path}.{stream}", "rb") as src:
                for dt, items in segments:
                    block = max(1, _COPY_BLOCK // (dt.itemsize * per_item))
                    for done in range(0, items, block):
                        raw = src.read(min(block, items - done) * dt.itemsize * per_item)
                        f.write(np.frombuffer(raw, dtype=dt).astype(final).tobytes())


_COPY_BLOCK = 1 << 20
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _npy_header(shape, dtype):
    """The .npy header np.lib.format.write_array writes for an array of this shape and dtype."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                                              "fortran_order": False, "shape": tuple(int(d) for d in shape)})
    return buf.getvalue()


def _zip_member(zf, name, header, nbytes):
    """An open member of the replay's zip for `nbytes` of data after `header`: deflate level 9, fixed date,
    the entry writestr would make for the same bytes (so the file's bytes do not depend on how it was
    written)."""
    info = zipfile.ZipInfo(name + ".npy", date_time=_ZIP_DATE)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = 9          # what writestr(..., compresslevel=9) sets; open() has no argument for it
    info.file_size = len(header) + nbytes
    return zf.open(info, "w")


class ReplayWriter:
    """A replay file written a few rounds at a time: add() encodes each piece's tables and appends them to
    spill files next to `path` (``.gfsim-<pid>-....spill``, removed on a signal like every temporary
    file of sim.io.atomic); close() assembles the zip atomically from them, streaming each member through
    deflate. Memory holds one piece; the bytes are those of save_replay for the whole battle at once."""

    def __init__(self, path, n):
        from sim.io.atomic import temp_path_for
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.n = n
        self.folder = temp_path_for(self.path, "spill")
        self.carry = _SeriesCarry(n)
        self.spills = {}
        self.frames = 0
        self.rounds = 0

    def _spill(self, name, layout, dtype):
        if name not in self.spills:
            self.spills[name] = _Spill(self.folder, name, layout, dtype)
        return self.spills[name]

    def add(self, round_turns, robots, bullets, events, waves=None, telemetry=None):
        """Append whole rounds: their lengths and decoded tables (a Replay's, or _trace_piece's)."""
        layouts = {name: (layout, dtype) for name, layout, dtype in _members(waves is not None,
                                                                            telemetry is not None)}
        self._spill("rounds.turns", "column", "<i4").append(np.asarray(round_turns, dtype=np.int64))
        for name, arr in _encode_piece(robots, bullets, events, waves, telemetry, self.carry).items():
            sp = self._spill(name, *layouts[name])
            if layouts[name][0] == "series":
                for i in range(self.n):
                    sp.append(arr[i], stream=i)
            else:
                sp.append(arr)
        self.rounds += len(round_turns)
        self.frames += int((np.asarray(round_turns) + 1).sum())

    def drop_section(self, section):
        """Forget an optional section's rows appended so far (and the section)."""
        for name in [m for m in self.spills if m.startswith(section + ".")]:
            for stream in self.spills.pop(name).segments:
                try:
                    os.unlink(f"{os.path.join(self.folder, name)}.{stream}")
                except OSError:
                    pass

    def close(self, meta, round_scores, round_stats):
        """Write the file (atomically) and remove the spill files; returns the path."""
        from sim.io.atomic import atomic_output, discard
        try:
            whole = {"meta": np.frombuffer(json.dumps(meta, sort_keys=True).encode("utf-8"), dtype=np.uint8),
                     "scores.round_scores": np.asarray(round_scores).astype("<f8"),
                     "scores.round_stats": _smallest_int(round_stats)}
            with atomic_output(self.path) as f:
                with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                    for name, layout, _ in _members("waves.round" in self.spills, "telemetry.round" in self.spills):
                        if layout == "whole":
                            arr = np.ascontiguousarray(whole[name])
                            header = _npy_header(arr.shape, arr.dtype)
                            with _zip_member(zf, name, header, arr.nbytes) as m:
                                m.write(header)
                                m.write(arr.tobytes())
                            continue
                        sp = self.spills[name]
                        shape, dt = sp.shape(self.n), sp.final_dtype()
                        header = _npy_header(shape, dt)
                        with _zip_member(zf, name, header, int(np.prod(shape, dtype=np.int64)) * dt.itemsize) as m:
                            m.write(header)
                            sp.copy_to(m, self.n)
        finally:
            discard(self.folder)
        return str(self.path)

    def abort(self):
        from sim.io.atomic import discard
        discard(self.folder)


def save_replay(path, replay: Replay):
    """Write a replay atomically (sim.io.atomic: a temporary file in the same directory, then os.replace).

    The bytes depend only on the replay (fixed zip timestamps), so the same battle gives the
    same file, whether it was written at once or a few rounds at a time (ReplayWriter). Returns the path
    written."""
    w = ReplayWriter(path, replay.n)
    try:
        w.add(replay.round_turns, replay.robots, replay.bullets, replay.events, replay.waves, replay.telemetry)
        return w.close(replay.meta, replay.round_scores, replay.round_stats)
    except BaseException:
        w.abort()
        raise


# --------------------------------------------------------------------------------------------------
# loading


def _need(z, name, path, shape=None, kinds=None, decoded=8):
    """Member `name`, its header checked against `shape` and dtype `kinds` before any data is read
    (sim.io.npyzip); `decoded`: bytes per element the loader keeps after decoding (the load budget)."""
    _need_name(z, name, path)
    return z.get(name, shape=shape, kinds=kinds, decoded_itemsize=decoded)


MAX_META_BYTES = 16 << 20
MAX_ROBOTS = 64
MAX_ROUNDS = 100_000
BULLET_MARGIN = 100.0   # px: a bullet ends at most one step (< 20 px) past a wall


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
    from sim.io.npyzip import SafeZip
    fail = _corrupt_error(path)
    try:
        with SafeZip(path, fail) as z:
            return _read(z, path)
    except ReplayError:
        raise
    except MemoryError:
        raise ReplayError(f"{path}: replay too large for the memory available") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as e:
        raise ReplayError(f"{path}: truncated or corrupt replay ({_one_line(e)})") from None
    except ValueError as e:   # e.g. an object array that would need pickle, or a damaged .npy header
        raise ReplayError(f"{path}: corrupt replay ({_one_line(e)})") from None
    except OSError as e:
        raise ReplayError(f"{path}: cannot read ({e.strerror or _one_line(e)})") from None


def _corrupt_error(path):
    """An exception class for sim.io.npyzip whose messages read "<path>: corrupt replay (<problem>)"."""
    def fail(msg):
        prefix = f"{path}: "
        msg = msg[len(prefix):] if msg.startswith(prefix) else msg
        if "memory budget" in msg:
            return ReplayError(f"{path}: replay too large: {msg}")
        return ReplayError(f"{path}: corrupt replay ({msg})")
    return fail


def _one_line(e):
    s = " ".join(str(e).split())
    return s[:160] if s else type(e).__name__


def _read(z, path):
    if "meta" not in z.files:
        raise ReplayError(f"{path}: not a gfsim replay (no metadata in this zip/npz file)")
    shape, dtype = z.header("meta")
    if dtype != np.uint8 or len(shape) != 1:
        raise ReplayError(f"{path}: not a gfsim replay (metadata is not JSON text)")
    if shape[0] > MAX_META_BYTES:
        raise ReplayError(f"{path}: corrupt replay (metadata of {shape[0]} bytes)")
    raw = z.get("meta", shape=(None,), kinds="u")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"), parse_constant=no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
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
    def whole(v):
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(v)
        return v

    try:
        n = whole(meta["robots"])
        rounds = whole(meta["rounds"])
        frames = whole(meta["frames"])
        for k in ("rules", "bots", "names", "seed"):
            meta[k]
        W, H = (whole(meta["rules"][k]) for k in ("width", "height"))
        if not isinstance(meta["bots"], list) or not isinstance(meta["names"], list):
            raise TypeError("bots")
    except (KeyError, TypeError, ValueError, OverflowError):
        raise ReplayError(f"{path}: corrupt replay (metadata lacks robots/rounds/frames/rules/bots/names/seed)") from None
    if not (1 <= n <= MAX_ROBOTS and 1 <= rounds <= MAX_ROUNDS and rounds <= frames
            and len(meta["bots"]) == n and len(meta["names"]) == n):
        raise ReplayError(f"{path}: corrupt replay (inconsistent robot or round counts)")
    if not (100 <= W <= 10000 and 100 <= H <= 10000):
        raise ReplayError(f"{path}: corrupt replay (battlefield {W}x{H} outside 100..10000)")

    def bad(msg):
        return ReplayError(f"{path}: corrupt replay ({msg})")

    turns = _need(z, "rounds.turns", path, shape=(rounds,), kinds="iu").astype(np.int64)
    if turns.shape != (rounds,) or np.any(turns < 0) or int((turns + 1).sum()) != frames:
        raise bad("round lengths do not add up to the frame count")
    robots = {}
    for k in ROBOT_FIELDS:
        d = _need(z, f"robots.{k}", path, shape=(n, frames), kinds="i", decoded=8)
        robots[k] = _decode_series(k, d)
    for k in ("state", "scan"):
        d = _need(z, f"robots.{k}", path, shape=(n, frames), kinds="iu", decoded=2)
        robots[k] = np.ascontiguousarray(d.T)
    if np.any((robots["state"] < 0) | (robots["state"] > RS_DEAD)):
        raise bad("unknown robot state")
    margin = 1.0
    if (np.any((robots["x"] < -margin) | (robots["x"] > W + margin) | (robots["y"] < -margin)
               | (robots["y"] > H + margin)) or np.any(np.abs(robots["velocity"]) > 8.0 + 1e-3)
            or np.any((robots["energy"] < -1e-3) | (robots["energy"] > 1e6))
            or np.any((robots["gun_heat"] < -1e-3) | (robots["gun_heat"] > 100.0))):
        raise bad("a robot leaves the field or has an impossible speed, energy or gun heat")
    nb = _column_length(z, path, bad, [f"bullets.{k}" for k in BULLET_FIELDS], "bullet columns differ in length")
    b = {k: _need(z, f"bullets.{k}", path, shape=(nb,), kinds="f" if k == "power" else "iu")
         for k in BULLET_FIELDS}
    bullets = {k: b[k].astype(np.int64) for k in ("round", "owner", "id", "birth", "end", "reason", "victim")}
    for k in ("x0", "y0", "end_x", "end_y"):
        bullets[k] = _dequantize("x", b[k].astype(np.int64))
    bullets["heading"] = _dequantize("heading", b["heading"].astype(np.int64))
    bullets["power"] = b["power"].astype(np.float64)
    bullets = {k: bullets[k] for k in BULLET_FIELDS}
    # power is clamped to [0.1, 3] and to the shooter's energy: under 0.1 only when its energy was
    if nb and (not np.all(np.isfinite(bullets["power"]) & (bullets["power"] > 0.0)
                          & (bullets["power"] <= 3.0 + 1e-9))
               or any(np.any((bullets[k] < -BULLET_MARGIN) | (bullets[k] > lim + BULLET_MARGIN))
                      for k, lim in (("x0", W), ("end_x", W), ("y0", H), ("end_y", H)))):
        raise bad("a bullet has a power outside (0, 3] or lies off the field")
    if nb and (np.any((bullets["round"] < 0) | (bullets["round"] >= rounds)) or
               np.any((bullets["owner"] < 0) | (bullets["owner"] >= n)) or
               np.any((bullets["victim"] < -1) | (bullets["victim"] >= n)) or
               np.any(bullets["birth"] > bullets["end"]) or np.any(bullets["birth"] < 0) or
               np.any(bullets["end"] > turns[bullets["round"]])):
        raise bad("a bullet lies outside its round or names an unknown robot")
    ne = _column_length(z, path, bad, [f"events.{k}" for k in EVENT_FIELDS], "event columns differ in length")
    e = {k: _need(z, f"events.{k}", path, shape=(ne,), kinds="f" if k == "value" else "iu") for k in EVENT_FIELDS}
    events = {k: e[k].astype(np.int64) for k in EVENT_FIELDS[:-1]}
    events["value"] = e["value"].astype(np.float64)
    if ne and (np.any((events["round"] < 0) | (events["round"] >= rounds)) or
               np.any((events["robot"] < 0) | (events["robot"] >= n)) or
               np.any(events["turn"] < 0) or np.any(events["turn"] > turns[events["round"]])):
        raise bad("an event lies outside its round or names an unknown robot")
    if ne and not np.all(np.isfinite(events["value"])):
        raise bad("an event value is not finite")
    scores = _need(z, "scores.round_scores", path, shape=(rounds, n, len(SCORE_COLUMNS)), kinds="f")
    stats = _need(z, "scores.round_stats", path, shape=(rounds, n, 2), kinds="iu")
    if not np.all(np.isfinite(scores) & (scores >= 0.0)) or np.any(stats < 0):
        raise bad("a score is negative or not finite")
    known = {name: info for name, info in sections.items()
             if name in OPTIONAL_SECTIONS and info.get("version", 1) <= OPTIONAL_SECTIONS[name]}
    waves = _read_waves(z, path, bad, meta, turns, n) if "waves" in known else None
    tele = _read_telemetry(z, path, bad, known["telemetry"], turns, n) if "telemetry" in known else None
    return Replay(meta, turns, robots, bullets, events, scores.astype(np.float64), stats.astype(np.int64),
                  waves=waves, telemetry=tele)


def _column_length(z, path, bad, names, problem):
    """The common length of 1-d members `names`, from their headers alone; `problem` if they differ."""
    rows = None
    for name in names:
        _need_name(z, name, path)
        shape = z.header(name)[0]
        if len(shape) != 1 or (rows is not None and shape[0] != rows):
            raise bad(f"{problem} ({name})")
        rows = shape[0]
    return rows


def _need_name(z, name, path):
    if name not in z.files:
        raise ReplayError(f"{path}: corrupt replay (member {name!r} is missing)")


def _columns(z, path, bad, section, ints, floats, extra=()):
    """The members of a section: ints must be integer, floats float (of the same length, 1-D)."""
    rows = _column_length(z, path, bad, [f"{section}.{k}" for k in ints + floats],
                          f"{section} columns differ in length")
    cols = {k: _need(z, f"{section}.{k}", path, shape=(rows,), kinds="iu" if k in ints else "fiu")
            for k in ints + floats}
    for k in extra:
        cols[k] = _need(z, f"{section}.{k}", path, shape=(rows, None))
    for k in ints + floats:
        a = cols[k]
        if a.ndim != 1 or len(a) != rows:
            raise bad(f"{section} columns differ in length ({section}.{k})")
        if k in ints and a.dtype.kind not in "iu":
            raise bad(f"{section}.{k} is {a.dtype}, expected integers")
        if k in floats and a.dtype.kind not in "fiu":
            raise bad(f"{section}.{k} is {a.dtype}, expected numbers")
    return cols, rows


def _read_waves(z, path, bad, meta, turns, n):
    ints = WAVE_INT + ("fire_x", "fire_y", "bearing", "lat_dir")
    floats = ("speed",) + _WAVE_GF
    c, rows = _columns(z, path, bad, "waves", ints, floats)
    for k in floats:
        if c[k].dtype.kind != "f":
            raise bad(f"waves.{k} is {c[k].dtype}, expected floats")
    w = {k: c[k].astype(np.int64) for k in WAVE_INT}
    w["fire_x"] = _dequantize("x", c["fire_x"].astype(np.int64))
    w["fire_y"] = _dequantize("x", c["fire_y"].astype(np.int64))
    w["bearing"] = _dequantize("heading", c["bearing"].astype(np.int64) % ANG_Q)
    w["speed"] = c["speed"].astype(np.float64)
    w["lat_dir"] = c["lat_dir"].astype(np.float64)
    for k in _WAVE_GF:
        w[k] = c[k].astype(np.float32).astype(np.float64)
    w = {k: w[k] for k in WAVE_FIELDS}
    if rows == 0:
        return w
    r = w["round"]
    if np.any((r < 0) | (r >= len(turns))) or np.any(np.diff(r) < 0):
        raise bad("a wave lies outside the battle's rounds (or waves are not sorted by round)")
    t = w["turn"]
    if np.any(t < 1) or np.any(t > turns[r]) or np.any((w["center_turn"] != -1) & ((w["center_turn"] < t) |
                                                                                       (w["center_turn"] > turns[r]))):
        raise bad("a wave's turn lies outside its round")
    if (np.any((w["shooter"] < 0) | (w["shooter"] >= n)) or np.any((w["target"] < 0) | (w["target"] >= n))
            or np.any(w["shooter"] == w["target"])):
        raise bad("a wave names an unknown robot")
    if (np.any(~np.isin(w["real"], (0, 1))) or np.any(~np.isin(w["hit"], (0, 1))) or np.any(w["hit"] > w["real"])
            or np.any(~np.isin(w["lat_dir"], (-1.0, 1.0)))):
        raise bad("a wave's real/hit/lat_dir flag is not 0/1 (or +-1)")
    W, H = float(meta["rules"]["width"]), float(meta["rules"]["height"])
    if (np.any((w["fire_x"] < 0) | (w["fire_x"] > W) | (w["fire_y"] < 0) | (w["fire_y"] > H))
            or not np.all((w["speed"] > 0.0) & (w["speed"] <= 20.0))):
        raise bad("a wave starts off the field or has an impossible bullet speed")
    real = w["real"] == 1
    if (not np.all(np.isfinite(w["gf_lo"]) & np.isfinite(w["gf_hi"]) & (w["gf_lo"] <= w["gf_hi"]))
            or not np.all(np.isfinite(w["gf_fired"][real])) or np.any(np.isinf(w["gf_center"]))
            or np.any(np.abs(np.concatenate([w["gf_lo"], w["gf_hi"], w["gf_fired"][real]])) > 100.0)):
        raise bad("a wave's guess factors are not finite (or gf_lo > gf_hi)")
    return w


def _read_telemetry(z, path, bad, info, turns, n):
    ints = TELE_INT + ("source_x", "source_y", "bearing", "lat_dir")
    floats = ("speed", "mea")
    c, rows = _columns(z, path, bad, "telemetry", ints, floats, extra=("bins",))
    nb = info.get("bins", TELE_BINS)
    b = c["bins"]
    if not isinstance(nb, int) or nb < 2 or b.shape != (rows, nb) or b.dtype != np.uint16:
        raise bad(f"telemetry.bins has shape {b.shape} ({b.dtype}), expected {(rows, nb)} uint16")
    for k in floats:
        if c[k].dtype.kind != "f":
            raise bad(f"telemetry.{k} is {c[k].dtype}, expected floats")
    tm = {k: c[k].astype(np.int64) for k in TELE_INT}
    tm["source_x"] = _dequantize("x", c["source_x"].astype(np.int64))
    tm["source_y"] = _dequantize("x", c["source_y"].astype(np.int64))
    tm["bearing"] = _dequantize("heading", c["bearing"].astype(np.int64) % ANG_Q)
    tm["speed"] = c["speed"].astype(np.float64)
    tm["lat_dir"] = c["lat_dir"].astype(np.float64)
    tm["mea"] = c["mea"].astype(np.float64)
    tm["bins"] = _bins_relative(b)
    tm = {k: tm[k] for k in TELE_FIELDS}
    if rows == 0:
        return tm
    r = tm["round"]
    if np.any((r < 0) | (r >= len(turns))) or np.any(np.diff(r) < 0):
        raise bad("a telemetry row lies outside the battle's rounds (or rows are not sorted by round)")
    if np.any(tm["turn"] < 0) or np.any(tm["turn"] > turns[r]):
        raise bad("a telemetry row's turn lies outside its round")
    if np.any((tm["robot"] < 0) | (tm["robot"] >= n)) or np.any(~np.isin(tm["kind"], (TK_AIM, TK_DANGER))):
        raise bad("a telemetry row names an unknown robot or kind")
    if np.any(~np.isin(tm["lat_dir"], (-1.0, 1.0))):
        raise bad("a telemetry row's lat_dir is not +-1")
    if not (np.all(np.isfinite(tm["speed"]) & (tm["speed"] > 0.0)) and np.all(np.isfinite(tm["mea"]) & (tm["mea"] > 0.0))):
        raise bad("a telemetry row's bullet speed or MEA is not a positive finite number")
    return tm


# --------------------------------------------------------------------------------------------------
# the example replays: sim/data/example.gfr (packaged, what `gfsim replay` opens without a file) is a learned
# gun + surfer against k-NN + orbit, whose telemetry (the guns' aiming densities, the surfer's danger along the
# enemy's waves) drives the viewer's aim, danger and loss overlays; replays/learned-vs-surf.gfr is the same
# file under its descriptive name, replays/example.gfr the sample robots Walls vs SpinBot

EXAMPLE_BOTS = ("sample.Walls", "sample.SpinBot")
EXAMPLE_ROUNDS = 5
EXAMPLE_SEED = 1
LEARNING_EXAMPLE = "learned-vs-surf.gfr"
LEARNING_BOTS = ("lock+learned+surf", "lock+knn+orbit")
LEARNING_ROUNDS = 3


def write_example(root=None):
    """Record the example replays into sim/data/ and replays/ of a source tree; returns the paths."""
    from sim.engine.rules import Rules
    root = Path(root) if root else Path(__file__).resolve().parents[2]
    rp = record_replay(list(EXAMPLE_BOTS), Rules(rounds=EXAMPLE_ROUNDS), seed=EXAMPLE_SEED)
    lp = record_replay(list(LEARNING_BOTS), Rules(rounds=LEARNING_ROUNDS), seed=EXAMPLE_SEED)
    return [save_replay(root / "sim" / "data" / "example.gfr", lp), save_replay(root / "replays" / LEARNING_EXAMPLE, lp),
            save_replay(root / "replays" / "example.gfr", rp)]


if __name__ == "__main__":
    import sys
    if sys.argv[1:] != ["--example"]:
        print("usage: python -m sim.io.replay --example   (re-record the shipped example replay)", file=sys.stderr)
        sys.exit(2)
    for p in write_example():
        print(p, os.path.getsize(p), "bytes")
