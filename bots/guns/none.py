"""A gun that never fires: for movement challenges and for bots that only move."""
from numba import njit

from bots.part import Part


@njit(cache=True, error_model="numpy")
def think(ctx):
    pass


PART = Part("none", "gun", "Never fires; the gun stays where it is.", think=think)
