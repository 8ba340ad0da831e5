"""Infinite radar lock, with an adjustable overshoot and a search spin when the enemy is lost."""
import math

from numba import njit

from sim.engine.constants import ST_X, ST_Y, ST_RADAR, ST_TIME, HALF_ROBOT
from sim.engine.geometry import normal_relative_angle
from bots.api import set_turn_radar
from bots.enemy import EN_TIME, EN_X, EN_Y
from bots.part import Part, Param, layout
from bots.radars.search import search_direction

NB = dict(cache=True, error_model="numpy")
# hooks are inlined into the generated dispatch at numba-IR level: no context tuple is passed at run time
HOOK = dict(NB, inline="always")

PARAMS = (
    Param("factor", 2.0, 1.0, 2.0, "radar turn / offset to the enemy (2 = the classic factor-2 lock)"),
    Param("extra", 0.0, 0.0, 200.0,
          "least overshoot past the enemy's centre, pixels at its distance (factor=1,extra=36: a "
          "narrow lock sweeping 36 px either side)"),
    Param("lost_after", 2.0, 1.0, 50.0, "turns without a scan before searching again"),
    Param("search", 0.0, -1.0, 1.0, "search direction: 0 = towards the field centre, 1 = clockwise, -1 = anticlockwise"),
)
FACTOR, EXTRA, LOST_AFTER, SEARCH = range(len(PARAMS))   # ctx.params indices, in PARAMS order
MEM = layout("LockRadarMemory", search_dir=1)   # direction to spin when searching (+1 clockwise)


@njit(**HOOK)
def round_start(ctx):
    ctx.mem[MEM.search_dir] = search_direction(ctx.params[SEARCH], ctx.st)


@njit(**HOOK)
def think(ctx):
    """Lock on the enemy's last known position; spin in the last seen direction when lost.

    The radar must move every turn to scan, so the turn is never smaller than the
    enemy's angular half-width: with a still robot and a still enemy a zero turn
    would stop scanning altogether.
    """
    p, m, st, cmd, en = ctx.params, ctx.mem, ctx.st, ctx.cmd, ctx.en
    t = st[ST_TIME]
    if en[EN_TIME] < 0.0 or t - en[EN_TIME] > p[LOST_AFTER]:
        set_turn_radar(cmd, m[MEM.search_dir] * math.inf)
        return
    dx = en[EN_X] - st[ST_X]
    dy = en[EN_Y] - st[ST_Y]
    dist = max(math.hypot(dx, dy), 1.0)
    off = normal_relative_angle(math.atan2(dx, dy) - st[ST_RADAR])
    sgn = 1.0 if off >= 0.0 else -1.0
    # overshoot past the enemy: (factor - 1)|offset| or the fixed extra, whichever is larger; with
    # factor <= 2 the sweep never grows (a fixed extra *added* to a factor-2 turn would diverge)
    turn = off + sgn * max((p[FACTOR] - 1.0) * abs(off), math.atan(p[EXTRA] / dist))
    width = math.atan(HALF_ROBOT / dist)
    if abs(turn) < width:
        turn = sgn * width
    set_turn_radar(cmd, turn)
    m[MEM.search_dir] = sgn


PART = Part("lock", "radar",
            "Infinite radar lock: turn the radar past the enemy's last position by max((factor - 1) x offset, "
            "extra), never less than its half-width; spins to search before first contact or when lost.",
            think=think, round_start=round_start, params=PARAMS, memory=MEM)
