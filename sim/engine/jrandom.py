"""java.util.Random, compiled: the generator Robocode seeds with -DRANDOMSEED.

Using the very same 48-bit LCG (and Collections.shuffle) as Robocode's battle
makes start positions and the random robot/bullet processing order identical
to real Robocode for a given seed. State is a uint64[1] array owned by the
caller, so there is no global state and a battle is a pure function of its seed.

The draws run several times per robot per turn, so they are LLVM-inlined into
their callers (``forceinline``) and have no exception path: a non-inlined call
costs an atomic incref/decref of the state array on entry and exit, which was
most of the turn loop's time.
"""
import numpy as np
from numba import njit

MULT = np.uint64(0x5DEECE66D)
ADD = np.uint64(0xB)
MASK48 = np.uint64((1 << 48) - 1)

# error_model="numpy": integer % cannot raise (no ZeroDivisionError path), which keeps the draws inlinable.
# forceinline is set explicitly so that it is never inherited from a caller.
HOT = dict(cache=True, error_model="numpy", forceinline=True)


@njit(cache=True, error_model="numpy", forceinline=False)
def new_state(seed):
    s = np.zeros(1, dtype=np.uint64)
    set_seed(s, seed)
    return s


@njit(**HOT)
def set_seed(state, seed):
    state[0] = (np.uint64(np.int64(seed)) ^ MULT) & MASK48


@njit(**HOT)
def next_bits(state, bits):
    """Java's Random.next(bits) as a non-negative int (bits <= 31 here)."""
    state[0] = (state[0] * MULT + ADD) & MASK48
    return np.int64(state[0] >> np.uint64(48 - bits))


@njit(**HOT)
def next_double(state):
    hi = next_bits(state, np.int64(26))
    lo = next_bits(state, np.int64(27))
    return float((hi << 27) + lo) * (1.0 / 9007199254740992.0)


@njit(**HOT)
def next_int(state, bound):
    """Java's Random.nextInt(bound) for bound >= 1, including its rejection loop."""
    r = next_bits(state, np.int64(31))
    m = bound - 1
    if (bound & m) == 0:
        return (bound * r) >> 31
    u = r
    while True:
        r = u % bound  # bound >= 1 here; under error_model="numpy" this has no raise path
        if u - r + m < 2147483648:  # Java: int overflow makes u - r + m negative
            return r
        u = next_bits(state, np.int64(31))


@njit(**HOT)
def shuffle(state, order, n):
    """Collections.shuffle(list, rnd) on order[:n] (RandomAccess branch)."""
    for i in range(n, 1, -1):
        j = next_int(state, i)
        tmp = order[i - 1]
        order[i - 1] = order[j]
        order[j] = tmp


@njit(**HOT)
def skip_shuffle(state, n):
    """Consume the draws of a shuffle of n items whose result is not used."""
    for i in range(n, 1, -1):
        next_int(state, i)
