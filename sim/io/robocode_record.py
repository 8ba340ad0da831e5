"""Robocode's XML battle records (``-recordXML``) read as gfsim battles: replays and wave datasets.

Real Robocode 1.9.3.9 writes a battle record as XML when run with ``-recordXML FILE`` (plain XML) or
saved from its UI as a zipped XML record; :func:`read_record` streams either (``xml.etree``
iterparse, one turn in memory at a time; never Java serialization, so Robocode's binary ``.br``
records are refused) into a :class:`sim.engine.battle.BattleResult` whose robot and bullet traces
have the layout the engine records (``run_battle(..., record=True)``). Everything gfsim computes from
a recorded battle then works on real battles unchanged: ``sim.io.replay.replay_from_battle`` (the
viewer, with waves) and ``sim.io.dataset`` / ``sim.waves.tracking`` (the wave dataset of ``gfsim
collect``).

What the record gives and what is derived (Robocode 1.9.3.9's XML):

* robots: every turn's x, y, body/gun/radar heading, velocity, energy, gun heat and state
  (ACTIVE, HIT_WALL, HIT_ROBOT, DEAD) from turn 0 of each round, names as Robocode spells them
  (" (1)", " (2)" for twins);
* bullets: position, power and state per turn; the record has no bullet heading, so it is
  recovered exactly from the bullet's first position (see _bullet_heading: the gun heading, or a
  plain Robot's fire-assist angle); ids are renumbered 1, 2, ... per robot and round in firing
  order, as the engine numbers them; frames after a bullet's hit (its explosion) are left out, so a
  replay's trace_sha256 differs from gfsim's own recording of the same battle while every stored
  array is the same;
* scores: each round's scores from the ``current*`` attributes of each robot's score at the round's
  last turn, last-survivor bonus and placings from the change of the totals; shots and hits are
  counted from the bullets;
* whether a robot is an AdvancedRobot (only AdvancedRobots lose energy hitting walls, which the
  surfer's wave detection must know): the gfsim sample port's flag for sample robots, otherwise
  inferred from the trace (a wall hit at more than 2 px/turn without an energy loss means a plain
  Robot); battles where it never shows are taken as AdvancedRobot.

The battle's seed is not in the record (``seed`` is stored as given, -1 = unknown). Errors are
:class:`RecordError` with a one-line message (not a record, truncated, inconsistent).
"""
from __future__ import annotations

import gzip
import io
import math
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np

from sim.engine.physics import bullet_speed
from sim.engine.constants import (BS_MOVING, BS_HIT_VICTIM, BS_HIT_BULLET, BS_HIT_WALL, RS_ACTIVE, RS_HIT_WALL,
                                  RS_HIT_ROBOT, RS_DEAD, N_SCORE)

UNKNOWN_SEED = -1

_ROBOT_STATES = {"ACTIVE": RS_ACTIVE, "HIT_WALL": RS_HIT_WALL, "HIT_ROBOT": RS_HIT_ROBOT, "DEAD": RS_DEAD}
# FIRED is the state of a bullet's first turn in some Robocode versions: the engine records it as moving
_BULLET_STATES = {"FIRED": BS_MOVING, "MOVING": BS_MOVING, "HIT_VICTIM": BS_HIT_VICTIM,
                  "HIT_BULLET": BS_HIT_BULLET, "HIT_WALL": BS_HIT_WALL}
_ROBOT_ATTRS = ("x", "y", "bodyHeading", "gunHeading", "radarHeading", "velocity", "energy", "gunHeat")
_CURRENT = ("currentSurvivalScore", None, "currentBulletDamageScore", "currentBulletKillBonus",
            "currentRammingDamageScore", "currentRammingKillBonus")
_TOTALS = ("totalSurvivalScore", "totalLastSurvivorBonus", "totalBulletDamageScore", "totalBulletKillBonus",
           "totalRammingDamageScore", "totalRammingKillBonus", "totalFirsts", "totalSeconds", "totalThirds")
_TWIN = re.compile(r" \(\d+\)$")


class RecordError(ValueError):
    """Not a readable Robocode XML record; the message is one line naming the file."""


def _open(path: Path):
    """A binary stream of the record's XML: plain, zipped (one .xml member) or gzipped."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as e:
        raise RecordError(f"{path}: cannot read ({e.strerror or e})") from None
    if not head:
        raise RecordError(f"{path}: empty file")
    if head[:2] == b"\xac\xed":
        raise RecordError(f"{path}: a binary (Java-serialized) Robocode record; gfsim reads only XML records "
                          "(Robocode's -recordXML, or 'Export XML record')")
    if head.startswith(b"PK"):
        try:
            zf = zipfile.ZipFile(path)
            names = [i.filename for i in zf.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, OSError) as e:
            raise RecordError(f"{path}: corrupt zip archive ({e})") from None
        xml = [n for n in names if n.lower().endswith(".xml")] or names
        if len(xml) != 1:
            raise RecordError(f"{path}: expected one XML record in the zip archive, found {len(xml)}")
        return zf.open(xml[0])
    if head[:2] == b"\x1f\x8b":
        return gzip.open(path, "rb")
    return open(path, "rb")


_FIRST_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")


def _root_tag(stream):
    """The name of the document's first element (after the XML declaration, comments and doctype), read
    from the stream's first 64 kB, which is then rewound; None for an empty stream."""
    head = stream.read(65536)
    if not head.strip():
        return None
    text = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", b"", head, flags=re.S)
    m = _FIRST_TAG.search(text)
    _rewind(stream)
    return m.group(1).decode("ascii", "replace") if m else "?"


def _rewind(stream):
    try:
        stream.seek(0)
    except (OSError, io.UnsupportedOperation):
        raise RecordError("cannot re-read the record stream") from None


def _robot_spec(name, advanced):
    """The spec a dataset and a replay name the robot by: gfsim's own for its sample ports (so that an
    imported sample battle has the metadata `gfsim collect` writes), else the name as Robocode spells it."""
    from bots.registry import BotSpec, BotSpecError, parse_bot
    base = _TWIN.sub("", name)
    if base.startswith("sample."):
        try:
            return parse_bot(base)
        except BotSpecError:
            pass
    return BotSpec(name=base, kind=-1, advanced=bool(advanced), params=np.zeros(0), mem_size=0)


# how far a bullet's first recorded position may be from where a candidate heading puts it: Java's Math.sin
# differs from the C library's in the last bit now and then (~1e-13 px); a wrong candidate is pixels away
HEADING_MATCH = 1e-6


def _bullet_heading(prev, owner, speed, x1, y1):
    """The heading of a bullet first seen at (x1, y1): the record has none. Robocode fires from the owner's
    position at the end of the previous turn along its gun heading then or, for a plain Robot firing in
    its scan handler with gun and radar aligned, along the scan's exact bearing (the 'fire assist':
    heading + normalRelativeAngle(atan2(dx, dy) - heading)); the first position is one step along it.
    The candidate that puts the bullet there wins (to HEADING_MATCH); if none does (a bullet that hit on
    its first turn), the gun heading."""
    from sim.engine import jmath
    from sim.engine.geometry import normal_absolute_angle, normal_relative_angle
    me = prev.get(owner)
    if me is None:
        return math.nan
    x, y, body, gun = me[0], me[1], me[2], me[3]
    cands = [gun]
    for j, other in prev.items():
        if j != owner:
            cands.append(normal_absolute_angle(body + normal_relative_angle(jmath.atan2(other[0] - x, other[1] - y)
                                                                            - body)))
    best, err = gun, math.inf
    for h in cands:
        e = abs(x + speed * math.sin(h) - x1) + abs(y + speed * math.cos(h) - y1)
        if e < err:
            best, err = h, e
    return best if err <= HEADING_MATCH else gun


def _infer_advanced(rt, n):
    """Per robot: False when it hit a wall faster than 2 px/turn without losing energy (a plain Robot
    takes no wall damage), else True. rt: robot rows in (round, turn, robot) order."""
    adv = np.ones(n, dtype=bool)
    for i in range(n):
        r = rt[rt[:, 2] == i]
        hit = np.nonzero((r[1:, 11] == RS_HIT_WALL) & (r[1:, 0] == r[:-1, 0]) & (np.abs(r[:-1, 8]) > 2.0))[0] + 1
        if len(hit) and np.any(r[hit, 9] == r[hit - 1, 9]):
            adv[i] = False
    return adv


def read_record(path, seed: int = UNKNOWN_SEED, progress=None):
    """Read a Robocode XML battle record into a BattleResult (with robots_trace and bullets_trace) plus the
    bot specs to name its robots by. ``progress(rounds_done, rounds)`` is called after each round."""
    from sim.engine.battle import BattleResult, RobotResult
    from sim.engine.rules import Rules, RulesError
    path = Path(path)
    info = {}
    rules_attr = None
    round_turns_info: list[int] = []
    rrows: list[tuple] = []
    brows: list[tuple] = []
    names: dict[int, str] = {}
    n = None
    cur_round = -1
    expect_turn = 0
    prev_robots: dict[int, list] = {}   # robot -> its values at the end of the previous turn
    cur_robots: dict[int, list] = {}
    ids: dict[str, int] = {}
    next_id: dict[int, int] = {}
    heading: dict[str, float] = {}
    stopped: set[str] = set()
    last_scores: list[dict] = []       # per round: robot -> score attributes at its last turn
    round_last: dict[int, dict] = {}
    turns_seen: list[int] = []
    where = "the start"
    stream = _open(path)
    try:
        root = _root_tag(stream)
        if root is None:
            raise RecordError(f"{path}: empty file")
        if root != "record":
            raise RecordError(f"{path}: not a Robocode battle record (root element <{root}>)")
        for _, el in ET.iterparse(stream):
            tag = el.tag
            if tag == "turn":
                rnd = int(el.get("round"))
                turn = int(el.get("turn"))
                where = f"round {rnd} turn {turn}"
                if n is None:
                    raise RecordError(f"{path}: turns before the record's <recordInfo>")
                if rnd != cur_round:
                    if rnd != cur_round + 1 or turn != 0:
                        raise RecordError(f"{path}: {where} follows round {cur_round} (rounds out of order)")
                    if cur_round >= 0:
                        turns_seen.append(expect_turn - 1)
                        last_scores.append(round_last)
                        if progress is not None:
                            progress(cur_round + 1, info["rounds"])
                    cur_round = rnd
                    expect_turn = 0
                    prev_robots, cur_robots = {}, {}
                    ids, next_id, heading, stopped = {}, {}, {}, set()
                    round_last = {}
                if turn != expect_turn:
                    raise RecordError(f"{path}: {where} where turn {expect_turn} was expected")
                expect_turn += 1
                prev_robots = cur_robots
                cur_robots = {}
                count = 0
                for r in el.iter("robot"):
                    a = r.attrib
                    rid = int(a["id"])
                    if not 0 <= rid < n:
                        raise RecordError(f"{path}: {where}: robot id {rid} of a {n}-robot battle")
                    names.setdefault(rid, a["name"])
                    vals = [float(a[k]) for k in _ROBOT_ATTRS]
                    state = _ROBOT_STATES.get(a.get("state"))
                    if state is None:
                        raise RecordError(f"{path}: {where}: unknown robot state {a.get('state')!r}")
                    cur_robots[rid] = vals
                    rrows.append((rnd, turn, rid, *vals, state))
                    sc = r.find("score")
                    if sc is not None:
                        round_last[rid] = sc.attrib
                    count += 1
                if count != n:
                    raise RecordError(f"{path}: {where} has {count} robots, the record says {n}")
                for b in el.iter("bullet"):
                    a = b.attrib
                    state = a.get("state")
                    if a.get("isExplosion") == "true" or state not in _BULLET_STATES:
                        continue       # robot explosions, EXPLODED / INACTIVE frames
                    key = a["id"]
                    if key in stopped:
                        continue       # the explosion frames after a hit
                    owner = int(key.split("-", 1)[0])
                    if key not in ids:
                        next_id[owner] = next_id.get(owner, 0) + 1
                        ids[key] = next_id[owner]
                        h = a.get("heading")
                        heading[key] = float(h) if h is not None else _bullet_heading(
                            prev_robots, owner, bullet_speed.py_func(float(a["power"])), float(a["x"]), float(a["y"]))
                    code = _BULLET_STATES[state]
                    if code != BS_MOVING:
                        stopped.add(key)
                    brows.append((rnd, turn, owner, ids[key], float(a["x"]), float(a["y"]), heading[key],
                                  float(a["power"]), code))
                el.clear()
            elif tag == "rules":
                rules_attr = dict(el.attrib)
            elif tag == "turns" and "value" in el.attrib:
                round_turns_info.append(int(el.get("value")) - 1)
            elif tag == "recordInfo":
                n = int(el.get("robotCount"))
                info["rounds"] = int(el.get("roundsCount"))
                if n < 1:
                    raise RecordError(f"{path}: the record holds {n} robots")
    except ET.ParseError as e:
        raise RecordError(f"{path}: truncated or corrupt XML at {where} ({e})") from None
    except (KeyError, ValueError, TypeError) as e:
        if isinstance(e, RecordError):
            raise
        raise RecordError(f"{path}: bad record at {where} ({type(e).__name__}: {e})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as e:
        raise RecordError(f"{path}: cannot read the record at {where} ({e})") from None
    finally:
        stream.close()
    if cur_round < 0:
        raise RecordError(f"{path}: the record holds no turns")
    turns_seen.append(expect_turn - 1)
    last_scores.append(round_last)
    if progress is not None:
        progress(cur_round + 1, info["rounds"])
    rounds = cur_round + 1
    if rounds != info["rounds"] or (round_turns_info and round_turns_info != turns_seen):
        raise RecordError(f"{path}: the record holds {rounds} rounds of {info['rounds']} "
                          "(an aborted battle or a truncated record)" if rounds != info["rounds"] else
                          f"{path}: turns per round differ from the record's own count")
    if rules_attr is None:
        raise RecordError(f"{path}: the record has no <rules>")
    try:
        rules = Rules(width=int(rules_attr["battlefieldWidth"]), height=int(rules_attr["battlefieldHeight"]),
                      rounds=rounds, gun_cooling_rate=float(rules_attr["gunCoolingRate"]),
                      inactivity_time=int(rules_attr["inactivityTime"]))
    except (KeyError, ValueError, RulesError) as e:
        raise RecordError(f"{path}: bad <rules> ({e})") from None

    robots_trace = np.array(rrows, dtype=np.float64).reshape(-1, 12)
    bullets_trace = np.array(brows, dtype=np.float64).reshape(-1, 9)
    round_turns = np.array(turns_seen, dtype=np.float64)
    round_scores = np.zeros((rounds, n, N_SCORE))
    round_stats = np.zeros((rounds, n, 2))
    prev_tot = np.zeros((n, len(_TOTALS)))
    for r in range(rounds):
        sc = last_scores[r]
        if len(sc) != n:
            raise RecordError(f"{path}: round {r}'s last turn lacks a robot's score")
        try:
            tot = np.array([[float(sc[i][k]) for k in _TOTALS] for i in range(n)])
            for i in range(n):
                for c, k in enumerate(_CURRENT):
                    round_scores[r, i, c] = float(sc[i][k]) if k is not None else tot[i, c] - prev_tot[i, c]
                round_scores[r, i, 6:] = tot[i, 6:] - prev_tot[i, 6:]
        except (KeyError, ValueError) as e:
            raise RecordError(f"{path}: bad score in round {r} ({e})") from None
        prev_tot = tot
    if len(bullets_trace):
        # one row per bullet at its first turn; hits are the bullets that stopped on a robot
        first = np.ones(len(bullets_trace), dtype=bool)
        key = bullets_trace[:, [0, 2, 3]]
        order = np.lexsort((bullets_trace[:, 1], key[:, 2], key[:, 1], key[:, 0]))
        k = key[order]
        first[1:] = np.any(k[1:] != k[:-1], axis=1)
        fired = bullets_trace[order][first]
        np.add.at(round_stats[:, :, 0], (fired[:, 0].astype(int), fired[:, 2].astype(int)), 1.0)
        hit = bullets_trace[bullets_trace[:, 8] == BS_HIT_VICTIM]
        np.add.at(round_stats[:, :, 1], (hit[:, 0].astype(int), hit[:, 2].astype(int)), 1.0)
    order = np.lexsort((robots_trace[:, 2], robots_trace[:, 1], robots_trace[:, 0]))
    advanced = _infer_advanced(robots_trace[order], n)
    specs = [_robot_spec(names[i], advanced[i]) for i in range(n)]
    results = []
    totals = prev_tot
    score_total = totals[:, :6].sum(axis=1)
    stats = round_stats.sum(axis=0)
    ranked = sorted(range(n), key=lambda i: -score_total[i])
    for rank, i in enumerate(ranked, 1):
        t = totals[i]
        results.append(RobotResult(names[i], rank, float(score_total[i]), t[0], t[1], t[2], t[3], t[4], t[5],
                                   int(t[6]), int(t[7]), int(t[8]), int(stats[i, 0]), int(stats[i, 1])))
    res = BattleResult([names[i] for i in range(n)], rules, int(seed), results, round_turns, round_scores,
                       round_stats, wall_time=0.0, robots_trace=robots_trace, bullets_trace=bullets_trace)
    return res, specs


def import_record(path, replay=None, dataset=None, seed: int = UNKNOWN_SEED, virtual_waves=False, progress=None):
    """Read a record and write a replay (any number of robots) and/or a wave dataset (1v1). Returns a summary."""
    from sim.io.replay import replay_from_battle, save_replay
    from sim.io.dataset import write_battle_dataset
    result, specs = read_record(path, seed=seed, progress=progress)
    n = len(result.names)
    if dataset is not None and n != 2:
        raise RecordError(f"{path}: a wave dataset needs a 1v1 battle, this record has {n} robots")
    summary = {"record": str(path), "robots": list(result.names), "rounds": int(result.rules.rounds),
               "turns": int(result.total_turns), "bullets": int(result.round_stats[:, :, 0].sum())}
    rp = None
    if replay is not None:      # built before anything is written: a failure leaves no output behind
        rp = replay_from_battle(result, specs, virtual_waves=virtual_waves)
        rp.meta["source"] = "robocode-record"
    if dataset is not None:
        meta = write_battle_dataset(result, dataset, specs=specs)
        summary["dataset"] = str(dataset)
        summary["gun_rows"] = int(meta["battles"][0]["gun_rows"])
        summary["enemy_rows"] = int(meta["battles"][0]["enemy_rows"])
    if rp is not None:
        save_replay(replay, rp)
        summary["replay"] = str(replay)
    return summary
