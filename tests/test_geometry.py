"""sim.engine.geometry's angle normalisation against Java's `%` (JLS 15.17.3: C's fmod), bit for bit."""
import math

import numpy as np
from hypothesis import given, settings, strategies as st

from sim.engine.geometry import TWO_PI, fmod_two_pi, normal_absolute_angle

EDGES = [k * TWO_PI for k in (-3, -2, -1, 0, 1, 2, 3)] + [-0.0, math.pi, -math.pi]


def _bits(x):
    return np.float64(x).view(np.uint64)


def _near(a):
    return [np.nextafter(a, -np.inf), a, np.nextafter(a, np.inf)]


def test_fmod_two_pi_is_fmod_at_the_fast_paths_ends():
    """-2pi % 2pi is -0.0 and 4pi % 2pi is 0: the exact fast paths must leave their ends to fmod."""
    for edge in EDGES:
        for a in _near(edge):
            assert _bits(fmod_two_pi(a)) == _bits(np.fmod(a, TWO_PI)), a
    assert _bits(normal_absolute_angle(-TWO_PI)) == _bits(-0.0)      # Robocode's normalAbsoluteAngle(-2pi)
    assert normal_absolute_angle(2.0 * TWO_PI) == 0.0


@settings(max_examples=3000, deadline=None)
@given(st.floats(min_value=-1e4, max_value=1e4, allow_nan=False))
def test_fmod_two_pi_is_fmod_everywhere(a):
    assert _bits(fmod_two_pi(a)) == _bits(np.fmod(a, TWO_PI))
