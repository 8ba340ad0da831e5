"""Scripted scenarios and turn-by-turn traces, shared by gfsim's engine and real Robocode.

A *scenario* fixes the rules, the robots' start (x, y, heading) and, per robot and per
turn, which Robocode ``AdvancedRobot`` setters are called before that turn's
``execute()``. The same scenario is run by gfsim's engine and by real Robocode
(``sim.io.robocode.run_real_scenario``, which drives the Java robot
``tests/robocode/gfsim/ScenarioBot.java``), and the two *traces* are compared turn by turn
with :func:`compare_traces`.

Scenario JSON
-------------
::

    {"comment": "optional free text",
     "rules": {"width": 800, "height": 600, "gun_cooling_rate": 0.1, "inactivity_time": 450, "rounds": 1},
     "turns": 300,
     "robots": [{"name": "a", "x": 100, "y": 100, "heading": 0,
                 "commands": [{"turn": 1, "ahead": 100, "turn_right": 45, "max_velocity": 8},
                              {"turn": 20, "fire": 1.5, "turn_gun_right": -30,
                               "adjust_gun_for_robot_turn": true}]}]}

* Positions in pixels, heading in degrees (0 = north, clockwise), origin bottom-left.
  Every ``rules`` key is optional (defaults above; ``rounds`` defaults to 1). ``width`` and
  ``height`` are integers in 400..5000 (Robocode's battlefield limits).
* A command entry ``{"turn": t, ...}`` lists setters called before the robot's ``execute()``
  whose effect is turn ``t`` (1 <= t <= turns; at most one entry per turn and robot).
  They are called in :data:`COMMAND_FIELDS` order, with Robocode's own semantics:

  ============================  ==========================================================
  ``ahead``                     ``setAhead(d)`` (negative = back); ignored by Robocode
                                while the robot's energy is 0
  ``turn_right``                ``setTurnRight(deg)`` (negative = left); ignored at energy 0
  ``turn_gun_right``            ``setTurnGunRight(deg)``
  ``turn_radar_right``          ``setTurnRadarRight(deg)``
  ``fire``                      ``setFire(power)``: nothing if gun heat > 0 or energy is 0,
                                else power clamped to [0.1, 3] and to the energy
  ``max_velocity``              ``setMaxVelocity(v)`` -> min(\\|v\\|, 8)
  ``max_turn_rate``             ``setMaxTurnRate(deg)`` -> min(\\|r\\|, 10 deg)
  ``adjust_gun_for_robot_turn``   ``setAdjustGunForRobotTurn(b)``
  ``adjust_radar_for_gun_turn``   ``setAdjustRadarForGunTurn(b)`` -- as in Robocode this also
                                sets adjust_radar_for_robot_turn to b unless that flag has
                                ever been set explicitly in this round
  ``adjust_radar_for_robot_turn`` ``setAdjustRadarForRobotTurn(b)``
  ============================  ==========================================================

  As in Robocode, the adjust flags do not stop the gun (radar) from turning with the body (gun):
  Robocode turns it along and subtracts that turn from its *remaining* turn, so with a remaining
  turn of +-inf the flag changes nothing (see the gun_turn_rate scenario).
  Distances and angles are *set*, not added: a new value replaces what remained, and what
  remains carries over between commands exactly as in Robocode. Numbers may be the
  strings ``"inf"`` / ``"-inf"`` (Double.POSITIVE/NEGATIVE_INFINITY); flags are JSON
  booleans. Degrees are converted by Robocode with ``Math.toRadians`` (= Python's
  ``math.radians``, bit for bit).
* The start heading is passed to Robocode as ``heading % 360`` (its initialPositions parser
  drops minus signs); the start heading in radians is therefore
  :func:`start_heading_radians` = ``math.radians(heading % 360.0)``.
* With ``rounds`` > 1 every round starts from the same positions and replays the same commands.

Traces
------
A trace is two numpy *structured arrays* (one row per record, columns named as below):

* robot rows, dtype :data:`TRACE_DTYPE`, columns :data:`TRACE_COLUMNS`
  ``round, turn, robot`` (int32) and ``x, y, heading, gun_heading, radar_heading, velocity,
  energy, gun_heat`` (float64), sorted by (round, turn, robot). ``robot`` is the scenario's
  robot index (battle order). Turn 0 is the start state (velocity 0, energy 100, gun heat 3,
  all three headings = start heading). Headings are in radians in [0, 2pi), as Robocode
  records them. There is one row for every robot at every turn, also for dead robots: a dead
  robot keeps the values it had when it died (including its velocity, which Robocode does
  not reset) and energy 0.
* bullet rows, dtype :data:`BULLET_DTYPE`, columns :data:`BULLET_COLUMNS`
  ``round, turn, owner, bullet`` (int32), ``x, y, heading, power`` (float64), ``state``
  (str), sorted by (round, turn, owner, bullet).

  ``bullet`` is the canonical id: the 1-based sequence number of the bullet among the bullets
  its owner fired in that round (Robocode's own ids, "owner-n" in the XML record, keep
  counting across rounds and start at an arbitrary offset; sim.io.robocode maps them).
  ``heading`` is the gun heading the bullet was fired with (Robocode writes no bullet
  heading into its record; it is recovered exactly as the owner's recorded gun heading at
  the end of the turn before the bullet appears, because Robocode creates an
  AdvancedRobot's bullet with the gun heading as it was at the end of the previous turn).

  Which rows exist (Robocode 1.9.3.9, as recorded with -recordXML):

  - A bullet fired in turn t appears first in turn t, already moved once
    (fire position = the owner's position at the end of turn t-1, plus one step of
    20 - 3*power along the heading), with state ``MOVING`` -- Robocode's ``FIRED`` state
    never reaches a snapshot.
  - One ``MOVING`` row per turn while it flies.
  - Exactly one row in the turn it stops, with the state Robocode gives it:
    ``HIT_WALL`` at the position it moved to in that turn (possibly outside the field; a
    wall hit is tested first: x-3 <= 0, y-3 <= 0, x+3 >= W or y+3 >= H);
    ``HIT_VICTIM`` at Robocode's *paint* position, victim_x[t] + (hit_x - victim_x[t-1])
    (same for y, evaluated in that order in float64), where hit_x is the bullet's previous
    position if that lies inside the victim's box (of the end of turn t-1) and its new
    position otherwise, and victim_x[t] is the victim's position at the end of turn t (it has
    moved after being hit; a victim killed by the hit does not move);
    ``HIT_BULLET`` for both bullets, each at its own position at the end of turn t-1.
    The hit turn can be the turn it was fired.
  - Nothing afterwards: Robocode keeps the stopped bullet 16 more turns as an explosion
    animation (same state, x/y frozen, or following the victim for HIT_VICTIM) and adds
    ``EXPLODED`` pseudo-bullets for dying robots; those animation rows are dropped.

Only turns 0..turns of each round are compared. When a turn D leaves at most one robot alive
(D = 1 in a one-robot scenario), Robocode ends the round after turn D + 150 and halts the robots'
code after turn D + 122: commands for later turns never take effect (remaining movement still
continues). The trace then holds turns 0..min(turns, D + 150).

Exactness: real Robocode computes with Java's ``Math`` functions, which are not C's libm (numpy,
numba, Python's math). Measured on 200,000 random arguments (OpenJDK 17, x86_64): ``Math.sin``,
``cos`` and ``tan`` (HotSpot intrinsics) differ from libm by one ulp for 0.2 %, 0.2 % and 0.4 % of
them, ``Math.atan2`` (fdlibm) for 13 %. E.g. Java's sin(5.183627878423159) = -0.8910065241883679
where libm gives -0.891006524188368; the golden traces contain such a case (fire_powers, bullet 33
of robot 0). Compare with a small tolerance (the default 1e-6) unless the engine reproduces Java's
functions bit for bit.

CSV files (:func:`write_trace_csv` / :func:`write_bullets_csv`) have a header line with the
column names and full-precision values (``repr`` of float64, which round-trips exactly);
``.gz`` paths are gzip-compressed. Writes are atomic (temp file + ``os.replace``).
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from sim.io.atomic import atomic_output

COMMAND_FIELDS = ("ahead", "turn_right", "turn_gun_right", "turn_radar_right", "fire", "max_velocity",
                  "max_turn_rate", "adjust_gun_for_robot_turn", "adjust_radar_for_gun_turn",
                  "adjust_radar_for_robot_turn")
FLAG_FIELDS = ("adjust_gun_for_robot_turn", "adjust_radar_for_gun_turn", "adjust_radar_for_robot_turn")
NUMBER_FIELDS = tuple(f for f in COMMAND_FIELDS if f not in FLAG_FIELDS)
FIELD_INDEX = {f: i for i, f in enumerate(COMMAND_FIELDS)}

RULE_DEFAULTS = {"width": 800, "height": 600, "gun_cooling_rate": 0.1, "inactivity_time": 450, "rounds": 1}
TOP_KEYS = ("comment", "rules", "turns", "robots")
MAX_TURNS = 100_000          # a scenario's turns (and inactivity time): the command table is turns x robots
MAX_ROUNDS = 1_000
MAX_FILE_BYTES = 16 << 20
ROBOT_KEYS = ("name", "x", "y", "heading", "commands")
ROBOT_HALF = 18.0  # half of Robocode's 36x36 robot box

TRACE_COLUMNS = ("round", "turn", "robot", "x", "y", "heading", "gun_heading", "radar_heading", "velocity",
                 "energy", "gun_heat")
BULLET_COLUMNS = ("round", "turn", "owner", "bullet", "x", "y", "heading", "power", "state")
BULLET_STATES = ("MOVING", "HIT_VICTIM", "HIT_WALL", "HIT_BULLET")

_INT_COLUMNS = ("round", "turn", "robot", "owner", "bullet")
TRACE_DTYPE = np.dtype([(c, np.int32 if c in _INT_COLUMNS else np.float64) for c in TRACE_COLUMNS])
BULLET_DTYPE = np.dtype([(c, np.int32 if c in _INT_COLUMNS else ("U10" if c == "state" else np.float64))
                         for c in BULLET_COLUMNS])


class ScenarioError(ValueError):
    """A scenario file or dict is invalid; the message is one line naming the file and field."""


@dataclass(frozen=True)
class Scenario:
    name: str
    width: float
    height: float
    gun_cooling_rate: float
    inactivity_time: int
    rounds: int
    turns: int
    names: tuple[str, ...]
    start: np.ndarray      # (n_robots, 3) float64: x, y, heading in degrees as written
    commands: np.ndarray   # (n_robots, turns + 1, len(COMMAND_FIELDS)) float64, NaN = not set
    comment: str = field(default="", compare=False)

    @property
    def n_robots(self) -> int:
        return len(self.names)

    def robot_commands(self, robot: int, turn: int) -> dict[str, float]:
        """The setters set for (robot, turn), in COMMAND_FIELDS order (flags as 0.0/1.0)."""
        row = self.commands[robot, turn]
        return {f: float(row[i]) for i, f in enumerate(COMMAND_FIELDS) if not np.isnan(row[i])}


def start_heading_radians(heading_degrees: float) -> float:
    """The exact start heading Robocode uses for a scenario heading (see module docstring)."""
    return math.radians(float(heading_degrees) % 360.0)


# ----------------------------------------------------------------------------- loading

def _fail(name: str, where: str, msg: str) -> ScenarioError:
    where = f"{where}: " if where else ""
    return ScenarioError(f"{name}: {where}{msg}")


def _show(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 40 else s[:37] + "..."


def _number(v: Any, name: str, where: str, allow_inf: bool = False) -> float:
    if isinstance(v, str):
        if allow_inf and v in ("inf", "-inf"):
            return float(v)
        raise _fail(name, where, f"expected a number, got {_show(v)}")
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _fail(name, where, f"expected a number, got {_show(v)}")
    x = float(v)
    if math.isnan(x):
        raise _fail(name, where, "expected a number, got NaN")
    if math.isinf(x) and not allow_inf:
        raise _fail(name, where, f"expected a finite number, got {_show(v)}")
    return x


def _integer(v: Any, name: str, where: str, lo: int | None = None, hi: int | None = None) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and not v.is_integer()):
        raise _fail(name, where, f"expected an integer, got {_show(v)}")
    i = int(v)
    if lo is not None and i < lo:
        raise _fail(name, where, f"must be >= {lo}, got {i}")
    if hi is not None and i > hi:
        raise _fail(name, where, f"must be <= {hi}, got {i}")
    return i


def _keys(d: Any, allowed: Iterable[str], name: str, where: str) -> None:
    if not isinstance(d, Mapping):
        raise _fail(name, where, f"expected an object, got {_show(d)}")
    allowed = tuple(allowed)
    for k in d:
        if k not in allowed:
            raise _fail(name, f"{where}.{k}" if where else str(k),
                        f"unknown key (allowed: {', '.join(allowed)})")


def scenario_from_dict(d: Mapping[str, Any], name: str = "<dict>") -> Scenario:
    """Validate a scenario given as a dict (parsed JSON) and build a :class:`Scenario`."""
    return _from_dict(d, name, name)


def _from_dict(d: Mapping[str, Any], scenario_name: str, name: str) -> Scenario:
    # ``name`` labels error messages (the file path when loading a file)
    _keys(d, TOP_KEYS, name, "")
    comment = d.get("comment", "")
    if not isinstance(comment, str):
        raise _fail(name, "comment", f"expected a string, got {_show(comment)}")

    rules = d.get("rules", {})
    _keys(rules, RULE_DEFAULTS, name, "rules")
    r = {**RULE_DEFAULTS, **rules}
    width = _integer(r["width"], name, "rules.width", 400, 5000)
    height = _integer(r["height"], name, "rules.height", 400, 5000)
    cooling = _number(r["gun_cooling_rate"], name, "rules.gun_cooling_rate")
    if cooling <= 0:
        raise _fail(name, "rules.gun_cooling_rate", f"must be > 0, got {cooling!r}")
    inactivity = _integer(r["inactivity_time"], name, "rules.inactivity_time", 0, MAX_TURNS)
    rounds = _integer(r["rounds"], name, "rules.rounds", 1, MAX_ROUNDS)

    if "turns" not in d:
        raise _fail(name, "turns", "missing")
    turns = _integer(d["turns"], name, "turns", 1, MAX_TURNS)

    robots = d.get("robots")
    if not isinstance(robots, list):
        raise _fail(name, "robots", f"expected a list of robots, got {_show(robots)}")
    if len(robots) < 1:
        raise _fail(name, "robots", "at least 1 robot is needed")

    n = len(robots)
    start = np.zeros((n, 3), dtype=np.float64)
    commands = np.full((n, turns + 1, len(COMMAND_FIELDS)), np.nan, dtype=np.float64)
    names: list[str] = []
    for i, rb in enumerate(robots):
        w = f"robots[{i}]"
        _keys(rb, ROBOT_KEYS, name, w)
        rname = rb.get("name", f"robot{i}")
        if not isinstance(rname, str) or not rname or any(c.isspace() for c in rname):
            raise _fail(name, f"{w}.name", f"expected a non-empty name without spaces, got {_show(rname)}")
        if rname in names:
            raise _fail(name, f"{w}.name", f"duplicate robot name {rname!r}")
        names.append(rname)
        for j, k in enumerate(("x", "y", "heading")):
            if k not in rb:
                raise _fail(name, f"{w}.{k}", "missing")
            start[i, j] = _number(rb[k], name, f"{w}.{k}")
        x, y = start[i, 0], start[i, 1]
        if not (ROBOT_HALF <= x <= width - ROBOT_HALF):
            raise _fail(name, f"{w}.x", f"{x!r} puts the robot outside the field (18..{width - 18})")
        if not (ROBOT_HALF <= y <= height - ROBOT_HALF):
            raise _fail(name, f"{w}.y", f"{y!r} puts the robot outside the field (18..{height - 18})")
        for k in range(i):
            if _boxes_overlap(start[k, 0], start[k, 1], x, y):
                raise _fail(name, w, f"overlaps robots[{k}] at the start (robot boxes are 36x36)")

        cmds = rb.get("commands", [])
        if not isinstance(cmds, list):
            raise _fail(name, f"{w}.commands", f"expected a list, got {_show(cmds)}")
        seen: dict[int, int] = {}
        for j, c in enumerate(cmds):
            wc = f"{w}.commands[{j}]"
            _keys(c, ("turn",) + COMMAND_FIELDS, name, wc)
            if "turn" not in c:
                raise _fail(name, f"{wc}.turn", "missing")
            t = c["turn"]
            if isinstance(t, bool) or not isinstance(t, int):
                raise _fail(name, f"{wc}.turn", f"expected an integer, got {_show(t)}")
            if not 1 <= t <= turns:
                raise _fail(name, f"{wc}.turn", f"must be in 1..{turns}, got {t}")
            if t in seen:
                raise _fail(name, f"{wc}.turn", f"duplicate turn {t} (also in commands[{seen[t]}])")
            seen[t] = j
            for f in COMMAND_FIELDS:
                if f not in c:
                    continue
                v = c[f]
                if f in FLAG_FIELDS:
                    if not isinstance(v, bool):
                        raise _fail(name, f"{wc}.{f}", f"expected true or false, got {_show(v)}")
                    commands[i, t, FIELD_INDEX[f]] = 1.0 if v else 0.0
                else:
                    commands[i, t, FIELD_INDEX[f]] = _number(v, name, f"{wc}.{f}", allow_inf=True)

    return Scenario(name=scenario_name, width=float(width), height=float(height), gun_cooling_rate=cooling,
                    inactivity_time=inactivity, rounds=rounds, turns=turns, names=tuple(names),
                    start=start, commands=commands, comment=comment)


def _boxes_overlap(x1: float, y1: float, x2: float, y2: float) -> bool:
    # java.awt.geom.Rectangle2D.intersects on the 36x36 boxes (touching edges do not overlap)
    ax, ay, bx, by = x1 - ROBOT_HALF, y1 - ROBOT_HALF, x2 - ROBOT_HALF, y2 - ROBOT_HALF
    return ax < bx + 36.0 and bx < ax + 36.0 and ay < by + 36.0 and by < ay + 36.0


def load_scenario(path) -> Scenario:
    """Read and validate a scenario JSON file; the scenario's name is the file's stem."""
    p = Path(path)
    name = p.stem
    try:
        with open(p, "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise ScenarioError(f"{p}: cannot read: {e.strerror or e}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(f"{p}: larger than {MAX_FILE_BYTES >> 20} MB, not a scenario")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScenarioError(f"{p}: not UTF-8 text (byte {e.start})") from None
    try:
        d = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise ScenarioError(f"{p}: invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    except ValueError as e:
        raise ScenarioError(f"{p}: {e}") from None
    except RecursionError:
        raise ScenarioError(f"{p}: JSON nested too deeply") from None
    return _from_dict(d, name, str(p))


def _reject_constant(c: str):
    raise ValueError(f"{c} is not allowed (write \"inf\" or \"-inf\" for infinite values)")


def scenario_to_dict(s: Scenario) -> dict[str, Any]:
    """The JSON form of a scenario (inverse of scenario_from_dict)."""
    def num(v: float):
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return int(v) if v.is_integer() and abs(v) < 2 ** 53 else v

    robots = []
    for i, nm in enumerate(s.names):
        cmds = []
        for t in range(1, s.turns + 1):
            row = s.commands[i, t]
            if np.all(np.isnan(row)):
                continue
            c: dict[str, Any] = {"turn": t}
            for k, f in enumerate(COMMAND_FIELDS):
                if not np.isnan(row[k]):
                    c[f] = bool(row[k]) if f in FLAG_FIELDS else num(float(row[k]))
            cmds.append(c)
        robots.append({"name": nm, "x": num(float(s.start[i, 0])), "y": num(float(s.start[i, 1])),
                       "heading": num(float(s.start[i, 2])), "commands": cmds})
    d: dict[str, Any] = {}
    if s.comment:
        d["comment"] = s.comment
    d["rules"] = {"width": int(s.width), "height": int(s.height), "gun_cooling_rate": s.gun_cooling_rate,
                  "inactivity_time": s.inactivity_time, "rounds": s.rounds}
    d["turns"] = s.turns
    d["robots"] = robots
    return d


# ----------------------------------------------------------------------------- traces

def empty_trace(n: int = 0) -> np.ndarray:
    return np.zeros(n, dtype=TRACE_DTYPE)


def empty_bullets(n: int = 0) -> np.ndarray:
    return np.zeros(n, dtype=BULLET_DTYPE)


def trace_from_columns(cols: Mapping[str, Any]) -> np.ndarray:
    """Robot rows from a dict of equally long column arrays (named as TRACE_COLUMNS), sorted."""
    n = len(cols["turn"])
    out = empty_trace(n)
    for c in TRACE_COLUMNS:
        out[c] = np.asarray(cols[c])
    return sort_trace(out)


def bullets_from_columns(cols: Mapping[str, Any]) -> np.ndarray:
    """Bullet rows from a dict of column arrays; ``state`` may be strings or integer codes
    indexing BULLET_STATES (handy from numba code)."""
    n = len(cols["turn"])
    out = empty_bullets(n)
    for c in BULLET_COLUMNS:
        v = np.asarray(cols[c])
        if c == "state" and v.dtype.kind in "iu":
            v = np.asarray(BULLET_STATES, dtype="U10")[v]
        out[c] = v
    return sort_bullets(out)


def sort_trace(rows: np.ndarray) -> np.ndarray:
    return rows[np.lexsort((rows["robot"], rows["turn"], rows["round"]))] if len(rows) else rows


def sort_bullets(rows: np.ndarray) -> np.ndarray:
    return rows[np.lexsort((rows["bullet"], rows["owner"], rows["turn"], rows["round"]))] if len(rows) else rows


def _open_text_write(f, gz: bool):
    if gz:
        # mtime=0 keeps the gzip bytes identical for identical content
        return io.TextIOWrapper(gzip.GzipFile(fileobj=f, mode="wb", mtime=0), encoding="utf-8", newline="")
    return io.TextIOWrapper(f, encoding="utf-8", newline="")


def _write_rows(path, rows: np.ndarray, columns: tuple[str, ...], dtype: np.dtype) -> None:
    rows = np.asarray(rows)
    if rows.dtype != dtype:
        if rows.dtype.names is None or set(rows.dtype.names) != set(columns):
            raise ValueError(f"{path}: rows must be a structured array with columns {', '.join(columns)}")
        rows = rows.astype(dtype)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(p) as raw:
        fh = _open_text_write(raw, p.suffix == ".gz")
        fh.write(",".join(columns) + "\n")
        cols = [rows[c].tolist() for c in columns]
        fmt = [str if dtype[c].kind in "iU" else repr for c in columns]
        for vals in zip(*cols):
            fh.write(",".join(f(v) for f, v in zip(fmt, vals)) + "\n")
        inner = fh.detach()          # flushes the text; the raw file stays open for atomic_output
        if inner is not raw:
            inner.close()            # the gzip trailer (GzipFile does not close the file it was given)


def write_trace_csv(path, rows: np.ndarray) -> None:
    """Write robot rows (TRACE_DTYPE) as CSV (gzip if the path ends with .gz), atomically."""
    _write_rows(path, rows, TRACE_COLUMNS, TRACE_DTYPE)


def write_bullets_csv(path, rows: np.ndarray) -> None:
    """Write bullet rows (BULLET_DTYPE) as CSV (gzip if the path ends with .gz), atomically."""
    _write_rows(path, rows, BULLET_COLUMNS, BULLET_DTYPE)


def _read_rows(path, columns: tuple[str, ...], dtype: np.dtype) -> np.ndarray:
    p = Path(path)
    opener = gzip.open if p.suffix == ".gz" else open
    try:
        with opener(p, "rt", encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None or tuple(header) != columns:
                raise ValueError(f"{p}: header must be {','.join(columns)}, got {','.join(header or [])}")
            data = list(reader)
    except OSError as e:
        raise ValueError(f"{p}: cannot read: {e}") from None
    out = np.zeros(len(data), dtype=dtype)
    if not data:
        return out
    for lineno, row in enumerate(data, start=2):
        if len(row) != len(columns):
            raise ValueError(f"{p}:{lineno}: expected {len(columns)} values, got {len(row)}")
    cols = list(zip(*data))
    for c, vals in zip(columns, cols):
        kind = dtype[c].kind
        try:
            if kind == "i":
                out[c] = np.array([int(v) for v in vals], dtype=np.int64)
            elif kind == "f":
                out[c] = np.array([float(v) for v in vals], dtype=np.float64)
            else:
                out[c] = vals
        except ValueError as e:
            raise ValueError(f"{p}: column {c}: {e}") from None
    return out


def read_trace_csv(path) -> np.ndarray:
    """Read robot rows written by write_trace_csv (.csv or .csv.gz)."""
    return _read_rows(path, TRACE_COLUMNS, TRACE_DTYPE)


def read_bullets_csv(path) -> np.ndarray:
    """Read bullet rows written by write_bullets_csv (.csv or .csv.gz)."""
    return _read_rows(path, BULLET_COLUMNS, BULLET_DTYPE)


# ----------------------------------------------------------------------------- comparison

@dataclass(frozen=True)
class Divergence:
    """The first difference between two traces.

    ``kind`` is "robot" or "bullet"; ``who`` is the robot index, or (owner, bullet) for a
    bullet. ``field`` is the column that differs, or "<row>" when the row exists in only one
    trace (then ``ours``/``ref`` say "present"/"missing").
    """
    round: int
    turn: int
    kind: str
    who: Any
    field: str
    ours: Any
    ref: Any

    def __str__(self) -> str:
        return (f"round {self.round} turn {self.turn} {self.kind} {self.who}: {self.field} "
                f"ours={self.ours!r} ref={self.ref!r}")


def _key_fields(rows: np.ndarray) -> tuple[str, ...]:
    names = rows.dtype.names or ()
    if "robot" in names:
        return ("round", "turn", "robot")
    if "owner" in names:
        return ("round", "turn", "owner", "bullet")
    raise TypeError("expected robot rows (TRACE_DTYPE) or bullet rows (BULLET_DTYPE)")


def _first_divergence(ours: np.ndarray, ref: np.ndarray, tol: float) -> Divergence | None:
    keys = _key_fields(ref)
    if _key_fields(ours) != keys:
        raise TypeError("cannot compare robot rows with bullet rows")
    kind = "robot" if keys[-1] == "robot" else "bullet"
    fields = [c for c in (TRACE_COLUMNS if kind == "robot" else BULLET_COLUMNS) if c not in keys]
    a = sort_trace(ours) if kind == "robot" else sort_bullets(ours)
    b = sort_trace(ref) if kind == "robot" else sort_bullets(ref)

    ka = np.stack([a[k].astype(np.int64) for k in keys], axis=1) if len(a) else np.zeros((0, len(keys)), np.int64)
    kb = np.stack([b[k].astype(np.int64) for k in keys], axis=1) if len(b) else np.zeros((0, len(keys)), np.int64)
    m = min(len(a), len(b))
    same_key = np.all(ka[:m] == kb[:m], axis=1)
    first_key_diff = int(np.argmin(same_key)) if m and not same_key.all() else m

    def who(key):
        return int(key[2]) if kind == "robot" else (int(key[2]), int(key[3]))

    # values of the aligned prefix
    n = first_key_diff
    bad = np.zeros(n, dtype=bool)
    per_field = []
    for f in fields:
        va, vb = a[f][:n], b[f][:n]
        if va.dtype.kind == "U":
            d = va != vb
        else:
            va = va.astype(np.float64)
            vb = vb.astype(np.float64)
            both_nan = np.isnan(va) & np.isnan(vb)
            with np.errstate(invalid="ignore"):
                d = ~((va == vb) | both_nan | (np.abs(va - vb) <= tol))
        per_field.append(d)
        bad |= d
    if bad.any():
        i = int(np.argmax(bad))
        for f, d in zip(fields, per_field):
            if d[i]:
                va, vb = a[f][i], b[f][i]
                va = str(va) if f == "state" else float(va)
                vb = str(vb) if f == "state" else float(vb)
                return Divergence(int(ka[i, 0]), int(ka[i, 1]), kind, who(ka[i]), f, va, vb)
    if n < len(a) or n < len(b):
        if n >= len(b) or (n < len(a) and tuple(ka[n]) < tuple(kb[n])):
            return Divergence(int(ka[n, 0]), int(ka[n, 1]), kind, who(ka[n]), "<row>", "present", "missing")
        return Divergence(int(kb[n, 0]), int(kb[n, 1]), kind, who(kb[n]), "<row>", "missing", "present")
    return None


def compare_traces(ours, ref, tol: float = 1e-6) -> Divergence | None:
    """First divergence between two traces, or None when they agree within ``tol`` (absolute).

    ``ours`` and ``ref`` are both robot rows, both bullet rows, or both (robot_rows,
    bullet_rows) pairs. Rows are matched by (round, turn, robot) or (round, turn, owner,
    bullet); the earliest (round, turn) wins, robots before bullets in the same turn, then
    robot/bullet order, then column order. NaN equals NaN; infinities must be equal; states
    must be equal strings. Use tol=0 for bit-exact comparison.
    """
    if isinstance(ours, tuple) != isinstance(ref, tuple):
        raise TypeError("compare_traces: pass two arrays or two (robot_rows, bullet_rows) pairs")
    if isinstance(ours, tuple):
        if len(ours) != 2 or len(ref) != 2:
            raise TypeError("compare_traces: pairs must be (robot_rows, bullet_rows)")
        found = [d for d in (_first_divergence(ours[0], ref[0], tol), _first_divergence(ours[1], ref[1], tol))
                 if d is not None]
        if not found:
            return None
        return min(found, key=lambda d: (d.round, d.turn, 0 if d.kind == "robot" else 1))
    return _first_divergence(np.asarray(ours), np.asarray(ref), tol)
