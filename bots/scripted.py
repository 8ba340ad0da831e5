"""Scripted robots: every command given in advance (the conformance scenarios).

Row t of a robot's script holds the setters to call before the execute() that
takes effect in turn t, in SCRIPT_FIELDS order (the Java harness robot calls
them in the same order); NaN means "not called".
"""
import math

from numba import njit

from sim.engine.constants import DEG, ST_TIME
from .api import (set_ahead, set_turn_body, set_turn_gun, set_turn_radar, set_fire, set_max_velocity,
                  set_max_turn_rate, set_adjust_gun_for_robot_turn, set_adjust_radar_for_gun_turn,
                  set_adjust_radar_for_robot_turn)

SCRIPT_FIELDS = ("ahead", "turn_right", "turn_gun_right", "turn_radar_right", "fire", "max_velocity",
                 "max_turn_rate", "adjust_gun_for_robot_turn", "adjust_radar_for_gun_turn",
                 "adjust_radar_for_robot_turn")
N_SCRIPT = len(SCRIPT_FIELDS)


@njit(cache=True, error_model="numpy")
def scripted_think(st, cmd, script):
    t = int(st[ST_TIME]) + 1
    if t >= script.shape[0]:
        return
    row = script[t]
    if not math.isnan(row[7]):
        set_adjust_gun_for_robot_turn(cmd, row[7] != 0.0)
    if not math.isnan(row[8]):
        set_adjust_radar_for_gun_turn(cmd, row[8] != 0.0)
    if not math.isnan(row[9]):
        set_adjust_radar_for_robot_turn(cmd, row[9] != 0.0)
    if not math.isnan(row[5]):
        set_max_velocity(cmd, row[5])
    if not math.isnan(row[6]):
        set_max_turn_rate(cmd, row[6] * DEG)
    if not math.isnan(row[0]):
        set_ahead(st, cmd, row[0])
    if not math.isnan(row[1]):
        set_turn_body(st, cmd, row[1] * DEG)
    if not math.isnan(row[2]):
        set_turn_gun(cmd, row[2] * DEG)
    if not math.isnan(row[3]):
        set_turn_radar(cmd, row[3] * DEG)
    if not math.isnan(row[4]):
        set_fire(st, cmd, row[4])
