"""An averaged-linear gun: linear targeting with the enemy's velocity averaged over recent scans.

A plug-in: play it with
    gfsim battle 'lock+avglinear:power=2.5+orbit' sample.SpinBot --parts examples/averaged_linear_gun.py

Plain linear targeting uses the velocity of the last scan; a robot that oscillates fools it. Averaging
the velocity (an exponential average of weight `window`) aims where it drifts on average instead.
"""
import math

from numba import njit

from bots.api import set_fire, set_turn_gun
from bots.enemy import EN_ENERGY, EN_HEADING, EN_TIME, EN_VEL, EN_X, EN_Y
from bots.part import Param, Part, layout
from sim.engine.constants import C_GUN, ST_GUN, ST_HEAT, ST_HEIGHT, ST_TIME, ST_WIDTH, ST_X, ST_Y
from sim.engine.geometry import normal_relative_angle
from sim.engine.physics import bullet_speed

PARAMS = (Param("power", 2.0, 0.1, 3.0, "bullet power"),
          Param("window", 10.0, 1.0, 100.0, "the velocity average spans about this many scans"))
POWER, WINDOW = range(len(PARAMS))
MEM = layout("AveragedLinearMemory", avg_vel=1, last_scan=1)


@njit(cache=True)
def round_start(ctx):
    ctx.mem[MEM.avg_vel] = 0.0
    ctx.mem[MEM.last_scan] = -1.0


@njit(cache=True)
def think(ctx):
    p, m, st, en = ctx.params, ctx.mem, ctx.st, ctx.en
    if en[EN_TIME] < 0.0 or en[EN_ENERGY] <= 0.0:
        return
    if en[EN_TIME] != m[MEM.last_scan]:          # a new scan: fold its velocity into the average
        m[MEM.avg_vel] += (en[EN_VEL] - m[MEM.avg_vel]) / p[WINDOW]
        m[MEM.last_scan] = en[EN_TIME]
    # fire first: the gun turned last turn towards the aim set then
    if st[ST_HEAT] == 0.0 and abs(ctx.cmd[C_GUN]) < 0.05:   # the gun turn still to do is small
        set_fire(st, ctx.cmd, p[POWER])
    # then aim: walk the enemy along its heading at the averaged velocity until the bullet gets there
    speed = bullet_speed(p[POWER])
    x, y = en[EN_X], en[EN_Y]
    dt = st[ST_TIME] - en[EN_TIME]
    for k in range(200):
        if (dt + k) * speed >= math.hypot(x - st[ST_X], y - st[ST_Y]):
            break
        x = min(max(x + m[MEM.avg_vel] * math.sin(en[EN_HEADING]), 18.0), st[ST_WIDTH] - 18.0)
        y = min(max(y + m[MEM.avg_vel] * math.cos(en[EN_HEADING]), 18.0), st[ST_HEIGHT] - 18.0)
    aim = math.atan2(x - st[ST_X], y - st[ST_Y])
    set_turn_gun(ctx.cmd, normal_relative_angle(aim - st[ST_GUN]))


AVERAGED_LINEAR = Part("avglinear", "gun", "Linear targeting with the enemy's velocity averaged over recent scans.",
                       think=think, round_start=round_start, params=PARAMS, memory=MEM)
