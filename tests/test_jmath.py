"""sim.engine.jmath and jtrig: Java's atan2 and hypot (StrictMath, fdlibm) and Math.sin, cos and tan
(HotSpot's x86-64 intrinsics) bit for bit.

Goldens: tests/golden/jmath.txt.gz, printed by tests/robocode/probe/MathProbe.java on OpenJDK 17
(`java MathProbe 6000 15`): special arguments (zeros of both signs, subnormals, huge values,
infinities, NaN, fdlibm's branch points), random battlefield-sized ones, headings, angles a few ulps
from multiples of pi/2 and the boundaries of the intrinsics' paths, as raw bits. Where a JDK is
installed the probe also runs live with another seed.
"""
import gzip
import math
import os
import shutil
import subprocess

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from numba import njit

from sim.engine import jmath, jtrig

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden", "jmath.txt.gz")
PROBE = os.path.join(HERE, "robocode", "probe", "MathProbe.java")


@njit(cache=True)
def _both(xs, ys):
    a = np.empty_like(xs)
    h = np.empty_like(xs)
    for i in range(xs.size):
        a[i] = jmath.atan2(xs[i], ys[i])
        h[i] = jmath.hypot(xs[i], ys[i])
    return a, h


@njit(cache=True)
def _trig(angles):
    out = np.empty((angles.size, 3))
    for i in range(angles.size):
        out[i, 0] = jtrig.sin(angles[i])
        out[i, 1] = jtrig.cos(angles[i])
        out[i, 2] = jtrig.tan(angles[i])
    return out


def _parse(lines):
    """(x, y, atan2, hypot, a, sin a, cos a, tan a) columns from the probe's hex lines, as float64 bit
    patterns."""
    bits = np.array([[int(w, 16) for w in ln.split()] for ln in lines if ln.strip()], dtype=np.uint64)
    assert bits.shape[1] == 8
    return bits.view(np.float64)


def _bits(v):
    return np.asarray(v, dtype=np.float64).view(np.uint64)


def _check(cols):
    x, y, want_atan2, want_hypot = cols[:, 0], cols[:, 1], cols[:, 2], cols[:, 3]
    got_atan2, got_hypot = _both(np.ascontiguousarray(x), np.ascontiguousarray(y))
    for name, got, want in (("atan2", got_atan2, want_atan2), ("hypot", got_hypot, want_hypot)):
        nan = np.isnan(want)
        assert np.array_equal(np.isnan(got), nan), name
        bad = np.nonzero(_bits(got[~nan]) != _bits(want[~nan]))[0]
        assert len(bad) == 0, (f"{name}: {len(bad)} of {len(want)} differ from Java, e.g. "
                               f"{name}({x[~nan][bad[0]]!r}, {y[~nan][bad[0]]!r}) = {got[~nan][bad[0]]!r}, "
                               f"Java {want[~nan][bad[0]]!r}")


def _check_trig(cols):
    """sin, cos and tan bit for bit wherever jtrig follows the intrinsics (|a| below their main paths'
    bounds: every angle a battle computes); NaN exactly where Java's is NaN everywhere."""
    a = np.ascontiguousarray(cols[:, 4])
    got = _trig(a)
    for k, (name, limit) in enumerate((("sin", jtrig.SIN_COS_LIMIT), ("cos", jtrig.SIN_COS_LIMIT),
                                       ("tan", jtrig.TAN_LIMIT))):
        want = cols[:, 5 + k]
        assert np.array_equal(np.isnan(got[:, k]), np.isnan(want)), name
        exact = ~np.isnan(want) & (np.abs(a) < limit)
        bad = np.nonzero(_bits(got[exact, k]) != _bits(want[exact]))[0]
        assert len(bad) == 0, (f"{name}: {len(bad)} of {exact.sum()} differ from Java, e.g. "
                               f"{name}({a[exact][bad[0]]!r}) = {got[exact, k][bad[0]]!r}, Java {want[exact][bad[0]]!r}")


def test_atan2_and_hypot_match_java_bit_for_bit():
    with gzip.open(GOLDEN, "rt") as f:
        cols = _parse(f.readlines())
    assert len(cols) > 6000
    _check(cols)


def test_sin_cos_tan_match_java_bit_for_bit():
    with gzip.open(GOLDEN, "rt") as f:
        cols = _parse(f.readlines())
    _check_trig(cols)
    a = cols[:, 4]
    assert np.count_nonzero((np.abs(a) < 1e-5) & (a != 0.0)) > 100      # the small-argument paths are covered
    assert np.count_nonzero(np.abs(np.abs(a) - jtrig.TAN_LIMIT) < 20.0) > 100   # both sides of tan's bound


def test_the_golden_tells_the_intrinsics_from_libm():
    """The C library's sin, cos and tan differ from HotSpot's in the last bit for a fraction of a percent
    of angles: enough that the golden catches an engine that used them (what made Tracker vs SpinBot,
    seed 42, end round 9 two turns early)."""
    with gzip.open(GOLDEN, "rt") as f:
        cols = _parse(f.readlines())
    a = cols[:, 4]
    ok = np.isfinite(a) & (np.abs(a) < jtrig.TAN_LIMIT)
    for k, libm in enumerate((math.sin, math.cos, math.tan)):
        assert np.count_nonzero(_bits([libm(v) for v in a[ok]]) != _bits(cols[ok, 5 + k])) >= 2


def test_the_golden_tells_fdlibm_from_libm():
    """The C library's atan2/hypot differ from Java's in the last bit for many battlefield arguments, so
    the golden above would catch an engine that used them (what made sample battles diverge)."""
    with gzip.open(GOLDEN, "rt") as f:
        cols = _parse(f.readlines())
    finite = np.isfinite(cols[:, 2]) & np.isfinite(cols[:, 3])
    x, y = cols[finite, 0], cols[finite, 1]
    assert np.count_nonzero(_bits(np.arctan2(x, y)) != _bits(cols[finite, 2])) > 50
    assert np.count_nonzero(_bits(np.hypot(x, y)) != _bits(cols[finite, 3])) > 50


finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(finite, finite)
def test_within_one_ulp_of_libm(x, y):
    a, h = _both(np.array([x]), np.array([y]))
    assert abs(a[0] - math.atan2(x, y)) <= math.ulp(math.atan2(x, y)) + 1e-300
    assert abs(h[0] - math.hypot(x, y)) <= math.ulp(math.hypot(x, y))
    # the identities fdlibm keeps exactly
    assert _both(np.array([-x]), np.array([y]))[0][0] == -a[0] or x == 0.0
    assert _both(np.array([y]), np.array([x]))[1][0] == h[0]


@pytest.mark.skipif(shutil.which("javac") is None or shutil.which("java") is None, reason="no JDK installed")
def test_java_math_matches_live_java(tmp_path):
    subprocess.run(["javac", "-d", str(tmp_path), PROBE], check=True, capture_output=True, timeout=300)
    out = subprocess.run(["java", "-cp", str(tmp_path), "MathProbe", "20000", "20261204"], check=True,
                         capture_output=True, text=True, timeout=300).stdout
    cols = _parse(out.splitlines())
    _check(cols)
    _check_trig(cols)


@settings(max_examples=300, deadline=None)
@given(st.floats(-1e4, 1e4, allow_nan=False))
def test_sin_cos_tan_within_two_ulps_of_libm(a):
    """Both are accurate to within an ulp of the true value, so they can differ by at most two."""
    s, c, t = _trig(np.array([a]))[0]
    for got, want in ((s, math.sin(a)), (c, math.cos(a)), (t, math.tan(a))):
        assert abs(got - want) <= 2 * math.ulp(want)
