"""What the radars share: the direction to spin in while there is no enemy to lock on."""
import math

from numba import njit

from sim.engine.constants import ST_X, ST_Y, ST_RADAR, ST_WIDTH, ST_HEIGHT
from sim.engine.geometry import normal_relative_angle

NB = dict(cache=True, error_model="numpy")


@njit(**NB)
def search_direction(d, st):
    """+1 (clockwise) or -1 for a search setting `d`; 0 picks the way the field centre is nearer (the enemy
    is more likely there)."""
    if d == 0.0:
        off = normal_relative_angle(math.atan2(st[ST_WIDTH] / 2.0 - st[ST_X], st[ST_HEIGHT] / 2.0 - st[ST_Y]) -
                                    st[ST_RADAR])
        d = 1.0 if off >= 0.0 else -1.0
    return 1.0 if d > 0.0 else -1.0
