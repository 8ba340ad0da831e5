"""Ports of Robocode's sample robots (sample.*), compiled.

STUB: only sample.SittingDuck so far; the other samples are being ported.
"""
from numba import njit

# name, Java superclass is AdvancedRobot?, one-line description
SAMPLES = (
    ("sample.SittingDuck", False, "Sits still; never fires."),
)
SAMPLE_INDEX = {name: k for k, (name, _, _) in enumerate(SAMPLES)}
MEM_SIZE = 64


@njit(cache=True, error_model="numpy")
def sample_round_start(which, params, mem, rng, st, cmd):
    pass


@njit(cache=True, error_model="numpy")
def sample_think(which, params, mem, rng, st, cmd, ev, nev):
    pass
