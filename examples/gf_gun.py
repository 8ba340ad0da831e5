"""A guess-factor gun with its own memory: waves, visit counts, fire at the most visited guess factor.

A plug-in: play it with
    gfsim battle 'lock+mygf:bins=31+orbit' sample.Crazy --parts examples/gf_gun.py

Every time it fires, the gun remembers a wave: where it fired from, the bearing to the enemy, the
enemy's lateral direction and the bullet's speed. When the wave's front reaches the enemy, the angle
the enemy moved to is turned into a guess factor (-1..1 of the maximum escape angle, signed by the
lateral direction) and its bin is counted. It aims at the most visited bin. All its state lives in the
memory it declares with layout(): named blocks, offsets computed by gfsim.
"""
import math

from numba import njit

from bots.api import set_fire, set_turn_gun
from bots.enemy import EN_ENERGY, EN_LAT_DIR, EN_TIME, EN_X, EN_Y
from bots.part import Param, Part, layout
from sim.engine.constants import C_GUN, ST_GUN, ST_HEAT, ST_TIME, ST_X, ST_Y
from sim.engine.geometry import normal_relative_angle
from sim.engine.physics import bullet_speed

MAX_BINS = 61
MAX_WAVES = 16
PARAMS = (Param("power", 2.0, 0.1, 3.0, "bullet power"),
          Param("bins", 31.0, 3.0, MAX_BINS, "guess-factor bins over -1..1 (odd: one is head-on)"))
POWER, BINS = range(len(PARAMS))
WAVE = layout("Wave", active=1, x=1, y=1, bearing=1, direction=1, speed=1, time=1)
MEM = layout("GfGunMemory", visits=MAX_BINS, waves=MAX_WAVES * WAVE.size, next_wave=1)


@njit(cache=True)
def round_start(ctx):
    for k in range(MAX_WAVES):          # waves in flight end with the round; the visit counts stay
        ctx.mem[MEM.waves + k * WAVE.size + WAVE.active] = 0.0


@njit(cache=True)
def _bin(gf, bins):
    return min(bins - 1, max(0, int(round((gf + 1.0) / 2.0 * (bins - 1)))))


@njit(cache=True)
def think(ctx):
    p, m, st, cmd, en = ctx.params, ctx.mem, ctx.st, ctx.cmd, ctx.en
    if en[EN_TIME] < 0.0:
        return
    bins = int(p[BINS])
    t = st[ST_TIME]
    # 1. waves that reached the enemy: count the guess factor it moved to
    for k in range(MAX_WAVES):
        w = MEM.waves + k * WAVE.size
        if m[w + WAVE.active] == 0.0:
            continue
        dist = math.hypot(en[EN_X] - m[w + WAVE.x], en[EN_Y] - m[w + WAVE.y])
        if (t - m[w + WAVE.time]) * m[w + WAVE.speed] >= dist:
            angle = normal_relative_angle(math.atan2(en[EN_X] - m[w + WAVE.x], en[EN_Y] - m[w + WAVE.y]) -
                                          m[w + WAVE.bearing])
            mea = math.asin(8.0 / m[w + WAVE.speed])
            gf = max(-1.0, min(1.0, angle / mea * m[w + WAVE.direction]))
            m[MEM.visits + _bin(gf, bins)] += 1.0
            m[w + WAVE.active] = 0.0
    if en[EN_ENERGY] <= 0.0:
        return
    # 2. fire when the gun is cool and has turned to last turn's aim; remember the wave
    bearing = math.atan2(en[EN_X] - st[ST_X], en[EN_Y] - st[ST_Y])
    if st[ST_HEAT] == 0.0 and abs(cmd[C_GUN]) < 0.05 and set_fire(st, cmd, p[POWER]) > 0.0:
        w = MEM.waves + int(m[MEM.next_wave]) * WAVE.size
        m[w + WAVE.active] = 1.0
        m[w + WAVE.x] = st[ST_X]
        m[w + WAVE.y] = st[ST_Y]
        m[w + WAVE.bearing] = bearing
        m[w + WAVE.direction] = en[EN_LAT_DIR]
        m[w + WAVE.speed] = bullet_speed(p[POWER])
        m[w + WAVE.time] = t
        m[MEM.next_wave] = (m[MEM.next_wave] + 1.0) % MAX_WAVES
    # 3. aim at the most visited guess factor (head-on while nothing is known)
    best = bins // 2
    for b in range(bins):
        if m[MEM.visits + b] > m[MEM.visits + best]:
            best = b
    gf = -1.0 + 2.0 * best / (bins - 1)
    aim = bearing + en[EN_LAT_DIR] * gf * math.asin(8.0 / bullet_speed(p[POWER]))
    set_turn_gun(cmd, normal_relative_angle(aim - st[ST_GUN]))


GF_GUN = Part("mygf", "gun", "A visit-count guess-factor gun over its own real waves (an example plug-in).",
              think=think, round_start=round_start, params=PARAMS, memory=MEM)
