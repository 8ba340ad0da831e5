"""The surfer's view of the enemy's waves, checked against the bullets that were really fired.

A surfer knows an enemy wave only from an energy drop; it writes one danger row (telemetry kind
TK_DANGER) per wave it believes in, with the fire turn and bullet speed it inferred. The replay also
holds every bullet the engine fired (its owner, fire turn and power). Matching the two shows, per
wave, what the viewer marks and `gfsim surf-report` explains in depth:

- detected: a danger row of the right turn and speed;
- wrong power: the right turn, another speed (the surfer dodges the wrong wave shape);
- wrong turn: no row on the fire turn, but one within WRONG_TURN_SLACK turns with the right speed
  (detected late or early, so the surfer's wave front is off by that many bullet steps);
- missed: no row at all (the surfer never saw it);
- false: a row no bullet explains (an energy drop read as a shot: a wall hit, a ram, ...).

Only the replay is read (no engine, no bots): a surfer is any robot that wrote danger rows, and the
bullets checked are those of the other robots, fired in rounds where the surfer was alive.
"""
import numpy as np

from sim.engine.physics import bullet_speeds
from sim.io.replay import END_HIT_ROBOT, RS_DEAD, TK_DANGER

DETECTED, WRONG_POWER, WRONG_TURN, MISSED, FALSE = 0, 1, 2, 3, 4
STATUS_NAMES = ("detected", "wrong power", "wrong turn", "missed", "false")
WRONG_TURN_SLACK = 2      # turns: a row this far from the fire turn, with the right speed, is the same wave
SPEED_TOLERANCE = 1e-6    # px/turn: bullet speeds 20 - 3 power are exact in float64
COLUMNS = ("robot", "round", "turn", "status", "x", "y", "speed", "start", "hit")


def _empty():
    out = {k: np.zeros(0, np.int64) for k in ("robot", "round", "turn", "status", "hit")}
    out.update({k: np.zeros(0) for k in ("x", "y", "speed", "start")})
    return out


def wave_checks(replay):
    """One row per enemy bullet fired at a surfer and one per danger row no bullet explains (COLUMNS):
    `robot` the surfer, `turn` the fire turn (the bullet's, or the row's for a false wave), `status`
    (STATUS_NAMES), the wave's centre (x, y) and speed as the marks draw it: a front of radius
    (t - start) * speed at turn t (the bullet's own origin for bullets, the surfer's inferred source for
    false waves), `hit` 1 when that bullet hit the surfer."""
    tele = replay.telemetry
    if tele is None or not np.any(tele["kind"] == TK_DANGER):
        return _empty()
    b = replay.bullets
    speeds = bullet_speeds(b["power"])     # the formula's one home, on the whole column
    rows = []
    for s in np.unique(tele["robot"][tele["kind"] == TK_DANGER]):
        for r in range(len(replay.round_turns)):
            d = np.nonzero((tele["kind"] == TK_DANGER) & (tele["robot"] == s) & (tele["round"] == r))[0]
            mine = np.nonzero((b["round"] == r) & (b["owner"] != s))[0]
            fired = replay.round_start[r] + np.minimum(b["birth"][mine], replay.round_turns[r])
            mine = mine[replay.robots["state"][fired, s] != RS_DEAD]   # a bullet fired at a wreck is no wave
            mine = mine[np.argsort(b["birth"][mine], kind="stable")]
            used = np.zeros(len(d), bool)
            status = np.full(len(mine), MISSED)
            for k, q in enumerate(mine):       # the fire turn itself first ...
                same = np.nonzero(~used & (tele["turn"][d] == b["birth"][q]))[0]
                if len(same):
                    ok = same[np.abs(tele["speed"][d[same]] - speeds[q]) <= SPEED_TOLERANCE]
                    j = ok[0] if len(ok) else same[0]
                    used[j] = True
                    status[k] = DETECTED if len(ok) else WRONG_POWER
            for k, q in enumerate(mine):       # ... then a nearby turn for those still unexplained
                if status[k] != MISSED:
                    continue
                near = np.nonzero(~used & (np.abs(tele["turn"][d] - b["birth"][q]) <= WRONG_TURN_SLACK)
                                  & (np.abs(tele["speed"][d] - speeds[q]) <= SPEED_TOLERANCE))[0]
                if len(near):
                    used[near[np.argmin(np.abs(tele["turn"][d[near]] - b["birth"][q]))]] = True
                    status[k] = WRONG_TURN
            for k, q in enumerate(mine):
                hit = int(b["reason"][q] == END_HIT_ROBOT and b["victim"][q] == s)
                rows.append((s, r, b["birth"][q], status[k], b["x0"][q], b["y0"][q], speeds[q], b["birth"][q], hit))
            for j in np.nonzero(~used)[0]:
                q = d[j]   # a danger row's front is (t - turn + 1) * speed from its source (docs: telemetry)
                rows.append((s, r, tele["turn"][q], FALSE, tele["source_x"][q], tele["source_y"][q],
                             tele["speed"][q], tele["turn"][q] - 1, 0))
    if not rows:
        return _empty()
    cols = list(zip(*rows))
    out = {}
    for name, col in zip(COLUMNS, cols):
        out[name] = np.array(col, dtype=np.float64 if name in ("x", "y", "speed", "start") else np.int64)
    order = np.lexsort((out["turn"], out["round"], out["robot"]))
    return {k: v[order] for k, v in out.items()}


def summary(checks, robot):
    """{status name: count} of one surfer's checks, and how many missed or mistaken waves hit it."""
    m = checks["robot"] == robot
    counts = {name: int(np.sum(checks["status"][m] == k)) for k, name in enumerate(STATUS_NAMES)}
    bad = m & (checks["status"] != DETECTED) & (checks["status"] != FALSE)
    counts["hits from those"] = int(np.sum(checks["hit"][bad]))
    return counts


def active(checks, replay, frame, margin=40.0):
    """Indices of the checks (not `detected` ones) whose wave front is on the field at `frame`: started,
    and not yet past the surfer by more than `margin` px."""
    r, t = replay.round_turn(frame)
    m = (checks["round"] == r) & (checks["status"] != DETECTED) & (checks["start"] < t)
    idx = np.nonzero(m)[0]
    if len(idx) == 0:
        return idx
    radius = (t - checks["start"][idx]) * checks["speed"][idx]
    s = checks["robot"][idx]
    sx, sy = replay.robots["x"][frame, s], replay.robots["y"][frame, s]
    dist = np.hypot(sx - checks["x"][idx], sy - checks["y"][idx])
    return idx[radius <= dist + margin]
