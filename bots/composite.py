"""Composite bots: one radar, one gun and one movement, each chosen by name.

STUB: parts are being written.
"""
from numba import njit

COMPONENTS = ()


@njit(cache=True, error_model="numpy")
def composite_round_start(params, mem, rng, st, cmd):
    pass


@njit(cache=True, error_model="numpy")
def composite_think(params, mem, rng, st, cmd, ev, nev):
    pass


@njit(cache=True, error_model="numpy")
def composite_round_end(params, mem, rng, won):
    pass
