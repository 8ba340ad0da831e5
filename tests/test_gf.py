"""Guess-factor kernels (sim/waves/gf.py): precise intersection against a brute-force bullet simulation,
escape angles, lateral-direction and GF conventions at their edges."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from numba import njit

from sim.waves import gf
from sim.engine.geometry import robot_box_intersects_line

BIG = 100000.0   # a field so large that walls never matter


# --------------------------------------------------------------------------- brute-force reference

@njit(cache=False)
def _bullet_hits(sx, sy, h, speed, fire_turn, cx, cy, alive, last, width, height):
    """Fly one bullet exactly as the engine does (incremental moves, wall test, then the segment against
    the box of the previous turn) over the recorded path; True if it hits."""
    x = sx
    y = sy
    s = math.sin(h)
    c = math.cos(h)
    for j in range(fire_turn - 1, last + 1):
        if not alive[j]:
            return False
        lx = x
        ly = y
        x = lx + speed * s
        y = ly + speed * c
        if x - 3.0 <= 0.0 or y - 3.0 <= 0.0 or x + 3.0 >= width or y + 3.0 >= height:
            return False
        if robot_box_intersects_line(cx[j], cy[j], lx, ly, x, y):   # float32 box edges, as Robocode
            return True
        m = j - fire_turn + 1
        fx = max(abs(cx[j] - 18.0 - sx), abs(cx[j] + 18.0 - sx))
        fy = max(abs(cy[j] - 18.0 - sy), abs(cy[j] + 18.0 - sy))
        if fx * fx + fy * fy < (m * speed) ** 2:
            return False   # the bullet is past the box and the box cannot catch up (it moves < 11 / turn)
    return False


@njit(cache=False)
def _reference_parts(sx, sy, b, speed, fire_turn, cx, cy, alive, last, width, height, lo, hi, ngrid, out):
    """Hit set of headings b + offset, offset in [lo, hi]: classify a fine grid of headings by flying
    bullets, then bisect every change of outcome to 1e-13."""
    step = (hi - lo) / ngrid
    prev = False
    n = 0
    for i in range(ngrid + 1):
        o = lo + i * step
        cur = _bullet_hits(sx, sy, b + o, speed, fire_turn, cx, cy, alive, last, width, height)
        if i > 0 and cur != prev:
            a = o - step
            c = o
            for _ in range(60):
                m = 0.5 * (a + c)
                if _bullet_hits(sx, sy, b + m, speed, fire_turn, cx, cy, alive, last, width, height) == prev:
                    a = m
                else:
                    c = m
            edge = 0.5 * (a + c)
            if cur:
                out[n, 0] = edge
            else:
                out[n, 1] = edge
                n += 1
        elif i == 0 and cur:
            out[n, 0] = lo
        prev = cur
    if prev:
        out[n, 1] = hi
        n += 1
    return n


def _window(sx, sy, b, speed, cx, cy, last):
    """Offsets spanned by the box's corners over the turns the front can touch it (independent of gf.py)."""
    lo, hi = math.inf, -math.inf
    for j in range(0, last + 1):
        r1, r2 = j * speed, (j + 1) * speed
        corners = [(cx[j] + dx, cy[j] + dy) for dx in (-18, 18) for dy in (-18, 18)]
        ds = [math.hypot(px - sx, py - sy) for px, py in corners]
        if min(ds) - 26 > r2:
            continue
        if max(ds) < r1:
            break
        for px, py in corners:
            o = (math.atan2(px - sx, py - sy) - b + math.pi) % (2 * math.pi) - math.pi
            lo, hi = min(lo, o), max(hi, o)
    return lo - 0.02, hi + 0.02


def _random_wave(rng):
    """A wave fired at turn 1 at a target that moves with Robocode-like limits, often near walls,
    sometimes at point-blank range."""
    w = float(rng.choice([800, 400, 1000, 1200]))
    h = float(rng.choice([600, 300, 1000, 800]))
    L = 90
    cx = np.zeros(L)
    cy = np.zeros(L)
    x = rng.uniform(18, w - 18)
    y = rng.uniform(18, h - 18)
    if rng.random() < 0.35:   # hug a wall
        if rng.random() < 0.5:
            x = 18 + rng.uniform(0, 6) if rng.random() < 0.5 else w - 18 - rng.uniform(0, 6)
        else:
            y = 18 + rng.uniform(0, 6) if rng.random() < 0.5 else h - 18 - rng.uniform(0, 6)
    hd = rng.uniform(0, 2 * math.pi)
    v = rng.uniform(-8, 8)
    for j in range(L):
        cx[j], cy[j] = x, y
        hd += rng.uniform(-0.17, 0.17)
        v = max(-8.0, min(8.0, v + rng.choice([-2.0, -1.0, 0.0, 1.0])))
        x += v * math.sin(hd)
        y += v * math.cos(hd)
        if x < 18 or x > w - 18 or y < 18 or y > h - 18:
            x, y, v = min(max(x, 18), w - 18), min(max(y, 18), h - 18), 0.0
    while True:
        if rng.random() < 0.2:   # point blank
            a = rng.uniform(0, 2 * math.pi)
            d = rng.uniform(36, 70)
            sx = min(max(cx[0] + d * math.sin(a), 18), w - 18)
            sy = min(max(cy[0] + d * math.cos(a), 18), h - 18)
        else:
            sx, sy = rng.uniform(18, w - 18), rng.uniform(18, h - 18)
        if max(abs(sx - cx[0]), abs(sy - cy[0])) >= 36:
            break
    alive = np.ones(L, dtype=np.bool_)
    if rng.random() < 0.1:
        alive[rng.integers(1, L):] = False
    power = rng.uniform(0.1, 3.0)
    return w, h, cx, cy, alive, sx, sy, 20 - 3 * power


def test_precise_intersection_matches_brute_force_on_random_waves():
    rng = np.random.default_rng(20240601)
    acc, parts, cand = gf.new_work()
    out = np.zeros((64, 2))
    n_waves = n_multi = 0
    worst = 0.0
    for _ in range(2000):
        w, h, cx, cy, alive, sx, sy, speed = _random_wave(rng)
        L = len(cx)
        b = math.atan2(cx[0] - sx, cy[0] - sy)
        mea = gf.classic_mea(speed)
        n, status, c_off, c_turn, j_end = gf.track_wave(sx, sy, b, speed, 1, cx, cy, alive, 0, L - 1, w, h,
                                                        8.0 * math.sqrt(2.0), acc, parts, cand)
        lo, hi = _window(sx, sy, b, speed, cx, cy, L - 1)
        if not math.isfinite(lo):
            assert n == 0
            continue
        m = _reference_parts(sx, sy, b, speed, 1, cx, cy, alive, L - 1, w, h, lo, hi, 6000, out)
        assert n == m, (n, m, acc[:n], out[:m], sx, sy, cx[0], cy[0], w, h, speed)
        if n:
            err = np.abs(acc[:n] - out[:m]).max() / mea     # in guess factors
            worst = max(worst, err)
            assert err < 1e-6, (acc[:n], out[:m])
        n_waves += n > 0
        n_multi += n > 1
    assert n_waves > 1500
    assert n_multi > 0      # the moving box really does produce split hit sets now and then
    assert worst < 1e-6


def test_track_wave_without_skip_ahead_gives_the_same_sets():
    rng = np.random.default_rng(7)
    a1, p1, c1 = gf.new_work()
    a2, p2, c2 = gf.new_work()
    for _ in range(300):
        w, h, cx, cy, alive, sx, sy, speed = _random_wave(rng)
        b = math.atan2(cx[0] - sx, cy[0] - sy)
        r1 = gf.track_wave(sx, sy, b, speed, 1, cx, cy, alive, 0, len(cx) - 1, w, h, 8.0 * 1.5, a1, p1, c1)
        r2 = gf.track_wave(sx, sy, b, speed, 1, cx, cy, alive, 0, len(cx) - 1, w, h, 0.0, a2, p2, c2)
        assert r1[0] == r2[0] and r1[1] == r2[1] and r1[3] == r2[3]
        assert np.array_equal(a1[:r1[0]], a2[:r2[0]])


def _static_wave(sx, sy, tx, ty, power, width=BIG, height=BIG):
    L = 200
    cx = np.full(L, tx)
    cy = np.full(L, ty)
    alive = np.ones(L, dtype=np.bool_)
    speed = gf.bullet_speed(power)
    b = math.atan2(tx - sx, ty - sy)
    acc, parts, cand = gf.new_work()
    n, status, c_off, c_turn, _ = gf.track_wave(sx, sy, b, speed, 1, cx, cy, alive, 0, L - 1, width, height, 8.0,
                                                acc, parts, cand)
    return n, status, c_off, acc[:n].copy(), speed, b


def _edges(c):
    """Low and high edge of a robot box along one axis: Robocode's boxes are Rectangle2D.Float."""
    lo = float(np.float32(c - 18.0))
    return lo, lo + 36.0


def _corner_offsets(sx, sy, tx, ty, b):
    return [gf.rel_angle(math.atan2(px - sx, py - sy) - b) for px in _edges(tx) for py in _edges(ty)]


@settings(max_examples=300, deadline=None)
@given(d=st.floats(36.0 * math.sqrt(2.0) + 0.01, 1500.0), a=st.floats(0.0, 2 * math.pi),
       power=st.floats(0.1, 3.0))
def test_stationary_target_interval_is_the_box_angular_width(d, a, power):
    sx, sy = 50000.0, 50000.0
    tx, ty = sx + d * math.sin(a), sy + d * math.cos(a)
    n, status, c_off, acc, speed, b = _static_wave(sx, sy, tx, ty, power)
    assert n == 1 and status == 0
    offs = _corner_offsets(sx, sy, tx, ty, b)
    lo, hi = acc[0]
    assert lo <= 0.0 <= hi
    assert abs(lo - min(offs)) < 1e-12 and abs(hi - max(offs)) < 1e-12
    mea = gf.classic_mea(speed)
    assert abs((hi - lo) / mea - (max(offs) - min(offs)) / mea) < 1e-11
    assert abs(c_off) < 1e-12      # the centre is on the direct bearing


def test_point_blank_interval_spans_the_whole_box_beyond_gf_one():
    # touching boxes, target due north: near corners at +-45 degrees
    sx, sy = 400.0, 300.0
    n, status, c_off, acc, speed, b = _static_wave(sx, sy, sx, sy + 36.0, 3.0, 800.0, 600.0)
    assert n == 1 and status == 0
    mea = gf.classic_mea(speed)
    assert acc[0, 0] == pytest.approx(-math.pi / 4, abs=1e-12)
    assert acc[0, 1] == pytest.approx(math.pi / 4, abs=1e-12)
    assert acc[0, 1] / mea > 0.9   # the box is wider than the escape angle at point blank: GFs are not clipped
    assert gf.clip_gf(1.7) == 1.0 and gf.clip_gf(-3.0) == -1.0 and gf.clip_gf(0.25) == 0.25


@pytest.mark.parametrize("direction", [1.0, -1.0])
@pytest.mark.parametrize("power,d", [(3.0, 300.0), (1.9, 500.0), (0.1, 700.0), (3.0, 900.0)])
def test_target_driving_perpendicular_at_full_speed_reaches_gf_one(direction, power, d):
    # source at the origin of a huge field, target due north driving east (clockwise) or west at 8
    sx, sy = 50000.0, 50000.0
    L = 400
    cx = sx + direction * 8.0 * np.arange(L)
    cy = np.full(L, sy + d)
    alive = np.ones(L, dtype=np.bool_)
    speed = gf.bullet_speed(power)
    b = math.atan2(cx[0] - sx, cy[0] - sy)
    lat = gf.lateral_direction(sx, sy, cx[0], cy[0], math.pi / 2 if direction > 0 else 3 * math.pi / 2, 8.0, 1.0)
    assert lat == direction
    acc, parts, cand = gf.new_work()
    n, status, c_off, c_turn, _ = gf.track_wave(sx, sy, b, speed, 1, cx, cy, alive, 0, L - 1, BIG, BIG, 8.0, acc,
                                                parts, cand)
    mea = gf.classic_mea(speed)
    g_center = c_off * lat / mea
    assert 0.93 < g_center <= 1.0 + 1e-9, g_center
    lo, hi = (acc[0, 0], acc[n - 1, 1]) if lat > 0 else (-acc[n - 1, 1], -acc[0, 0])
    assert lo / mea < g_center < hi / mea
    # and the escape circle agrees that nothing beyond the classic MEA is reachable
    cw, ccw = gf.escape_circle_mea(sx, sy, cx[0], cy[0], speed, BIG, BIG)
    assert cw == pytest.approx(mea, rel=1e-12) and ccw == pytest.approx(mea, rel=1e-12)


def test_lateral_direction_conventions():
    sx, sy = 0.0, 0.0
    # target due north: driving east is clockwise (+1), west anticlockwise (-1)
    assert gf.lateral_direction(sx, sy, 0.0, 100.0, math.pi / 2, 8.0, -1.0) == 1.0
    assert gf.lateral_direction(sx, sy, 0.0, 100.0, 3 * math.pi / 2, 8.0, 1.0) == -1.0
    # driving backwards flips it
    assert gf.lateral_direction(sx, sy, 0.0, 100.0, math.pi / 2, -8.0, 1.0) == -1.0
    # target due east: driving south is clockwise
    assert gf.lateral_direction(sx, sy, 100.0, 0.0, math.pi, 3.0, -1.0) == 1.0
    # zero lateral velocity keeps the previous direction: standing still, or driving straight at the source
    for prev in (1.0, -1.0):
        assert gf.lateral_direction(sx, sy, 0.0, 100.0, 1.234, 0.0, prev) == prev
        assert gf.lateral_direction(sx, sy, 0.0, 100.0, math.pi, 8.0, prev) == prev
        assert gf.lateral_direction(sx, sy, 0.0, 100.0, 0.0, 8.0, prev) == prev
    assert gf.gf_of_offset(0.3, -1.0, 0.6) == pytest.approx(-0.5)


@settings(max_examples=300, deadline=None)
@given(sx=st.floats(18, 782), sy=st.floats(18, 582), tx=st.floats(18, 782), ty=st.floats(18, 582),
       power=st.floats(0.1, 3.0))
def test_precise_mea_within_classic_and_symmetric_in_open_field(sx, sy, tx, ty, power):
    if math.hypot(tx - sx, ty - sy) < 1.0:
        return
    speed = gf.bullet_speed(power)
    mea = gf.classic_mea(speed)
    cw, ccw = gf.escape_circle_mea(sx, sy, tx, ty, speed, 800.0, 600.0)
    assert 0.0 <= cw <= mea + 1e-12 and 0.0 <= ccw <= mea + 1e-12
    # the same geometry in an open field reaches the classic MEA on both sides
    cw2, ccw2 = gf.escape_circle_mea(sx + 50000, sy + 50000, tx + 50000, ty + 50000, speed, BIG, BIG)
    assert cw2 == pytest.approx(mea, abs=1e-12) and ccw2 == pytest.approx(mea, abs=1e-12)
    assert cw <= cw2 + 1e-12 and ccw <= ccw2 + 1e-12


def test_precise_mea_near_walls():
    speed = gf.bullet_speed(2.0)
    mea = gf.classic_mea(speed)
    # a wall *behind* the target does not cut the escape angle: the tangent points lie beside the target
    cw, ccw = gf.escape_circle_mea(400.0, 300.0, 400.0, 580.0, speed, 800.0, 600.0)
    assert cw == pytest.approx(mea, rel=1e-12) and ccw == pytest.approx(mea, rel=1e-12)
    # a wall on one side does: target near the right wall, shooter to the south-west of it, bearing
    # north-north-east; clockwise is towards the wall
    cw, ccw = gf.escape_circle_mea(700.0, 100.0, 760.0, 450.0, speed, 800.0, 600.0)
    assert cw < 0.5 * mea and ccw == pytest.approx(mea, rel=1e-12)
    # and the mirror image cuts the other side by exactly as much
    cw2, ccw2 = gf.escape_circle_mea(100.0, 100.0, 40.0, 450.0, speed, 800.0, 600.0)
    assert ccw2 == pytest.approx(cw, rel=1e-9) and cw2 == pytest.approx(ccw, rel=1e-9)
    # pinned in a corner: both sides cut
    cw, ccw = gf.escape_circle_mea(300.0, 200.0, 782.0, 582.0, speed, 800.0, 600.0)
    assert cw < 0.8 * mea and ccw < 0.8 * mea


def test_mea_drive_open_field_and_wall():
    speed = gf.bullet_speed(2.0)
    mea = gf.classic_mea(speed)
    # already driving perpendicular at full speed, far from walls: close to (never above) the classic MEA
    for side in (1.0, -1.0):
        m = gf.mea_drive(5000.0, 5000.0, 5000.0, 5400.0, side * math.pi / 2, 8.0, speed, side, BIG, BIG, 120.0)
        assert 0.85 * mea < m <= mea + 1e-12
    # standing still it loses the acceleration turns
    m0 = gf.mea_drive(5000.0, 5000.0, 5000.0, 5400.0, math.pi / 2, 0.0, speed, 1.0, BIG, BIG, 120.0)
    assert m0 < gf.mea_drive(5000.0, 5000.0, 5000.0, 5400.0, math.pi / 2, 8.0, speed, 1.0, BIG, BIG, 120.0)
    # a wall 40 px ahead of the motion cuts it
    mw = gf.mea_drive(400.0, 100.0, 740.0, 100.0, 0.0, 8.0, speed, -1.0, 800.0, 600.0, 120.0)
    mo = gf.mea_drive(400.0, 300.0, 740.0, 300.0, 0.0, 8.0, speed, -1.0, 800.0, 600.0, 120.0)
    assert mw < mo


@settings(max_examples=500, deadline=None)
@given(a=st.floats(-math.pi + 1e-9, math.pi - 1e-9), b=st.floats(-math.pi + 1e-9, math.pi - 1e-9),
       r=st.floats(1e-3, 1e4))
def test_pseudo_angle_is_monotone_and_invertible(a, b, r):
    pa = gf.pseudo_angle(r * math.sin(a), r * math.cos(a))
    pb = gf.pseudo_angle(math.sin(b), math.cos(b))
    assert -2.0 < pa <= 2.0
    assert gf.pseudo_to_angle(pa) == pytest.approx(a, abs=1e-12)
    if a < b - 1e-12:
        assert pa < pb
    elif a > b + 1e-12:
        assert pa > pb


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.floats(-2, 2), st.floats(0, 0.5)), min_size=1, max_size=12))
def test_union_add_is_the_set_union(intervals):
    acc = np.empty((16, 2))
    n = 0
    for lo, w in intervals:
        n = gf.union_add(acc, n, lo, lo + w)
    # sorted, disjoint
    for k in range(1, n):
        assert acc[k - 1, 1] < acc[k, 0]
    for k in range(n):
        assert acc[k, 0] <= acc[k, 1]
    probe = np.concatenate([np.linspace(-2.1, 2.6, 2001), [lo for lo, _ in intervals], [lo + w for lo, w in intervals]])
    for x in probe:
        want = any(lo <= x <= lo + w for lo, w in intervals)
        got = any(acc[k, 0] <= x <= acc[k, 1] for k in range(n))
        assert want == got, x


@settings(max_examples=300, deadline=None)
@given(cx=st.floats(0, 800), cy=st.floats(0, 600), r=st.floats(1, 900), bx=st.floats(18, 782), by=st.floats(18, 582))
def test_circle_box_edge_crossings_are_on_the_circle_and_the_edges(cx, cy, r, bx, by):
    """Each reported crossing lies on the circle and on its edge's line; the edge points it reports are
    exactly the crossings inside the edge (two per line when the line cuts the circle)."""
    x0, y0 = bx - 18.0, by - 18.0
    x1, y1 = bx + 18.0, by + 18.0
    for k in range(4):
        line = (x0, x1, y0, y1)[k]
        off = line - (cx if k < 2 else cy)
        for sgn in (-1.0, 1.0):
            on_edge, px, py = gf.circle_crosses_box_edge(cx, cy, r * r, x0, y0, x1, y1, k, sgn)
            if abs(off) > r:
                assert not on_edge
                continue
            assert (px if k < 2 else py) == line
            assert math.hypot(px - cx, py - cy) == pytest.approx(r, rel=1e-9, abs=1e-9)
            along = py if k < 2 else px
            lo, hi = (y0, y1) if k < 2 else (x0, x1)
            assert on_edge == (lo <= along <= hi)
            assert (along - (cy if k < 2 else cx)) * sgn >= 0.0   # sgn picks the side along the line


@settings(max_examples=200, deadline=None)
@given(x=st.floats(18, 782), y=st.floats(18, 582), h=st.floats(0, 2 * math.pi), orient=st.sampled_from([1.0, -1.0]))
def test_stick_rotation_is_the_first_allowed_heading(x, y, h, orient):
    W, H, L, m = 800.0, 600.0, 160.0, 18.0
    rot = gf.stick_rotation(x, y, h, L, m, orient, W, H)
    assert 0.0 <= rot <= 2 * math.pi

    def inside(a, tol=1e-7):
        ex, ey = x + L * math.sin(a), y + L * math.cos(a)
        return m - tol <= ex <= W - m + tol and m - tol <= ey <= H - m + tol

    if rot == math.pi and not inside(h + orient * rot):
        return   # no heading works (cannot happen in this field, but allowed by the contract)
    assert inside(h + orient * rot)
    # no earlier heading is clearly inside (a stick end within rounding of the wall line counts as touching)
    steps = np.arange(0.0, rot - 1e-6, 1e-3)
    assert not any(inside(h + orient * s, tol=-1e-7) for s in steps[:-1] if s < rot - 2e-3)


@settings(max_examples=300, deadline=None)
@given(x=st.floats(18, 782), y=st.floats(18, 582), h=st.floats(0, 2 * math.pi))
def test_stick_turns_is_the_smaller_stick_rotation_both_ways(x, y, h):
    a, r = gf.stick_turns(x, y, math.sin(h), math.cos(h), 160.0, 18.0, 800.0, 600.0)
    want_a = min(gf.stick_rotation(x, y, h, 160.0, 18.0, o, 800.0, 600.0) for o in (1.0, -1.0))
    want_r = min(gf.stick_rotation(x, y, h + math.pi, 160.0, 18.0, o, 800.0, 600.0) for o in (1.0, -1.0))
    assert a == pytest.approx(want_a, abs=1e-12) and r == pytest.approx(want_r, abs=1e-12)


def test_turn_hull_matches_sampled_box_points():
    """docs/architecture.md's recipe, checked by sampling: the bearings of many points of the box boundary that lie in
    the annulus [r1, r2] span the same hull as turn_hit_set (open field; the hull is exact where the set is
    one piece)."""
    rng = np.random.default_rng(11)
    parts = np.empty((8, 2))
    cand = np.empty((3, gf.MAX_CAND))
    u = np.linspace(-18.0, 18.0, 40001)
    checked = 0
    for _ in range(300):
        sx, sy = 5000.0, 5000.0
        d = rng.uniform(40.0, 700.0)
        a = rng.uniform(0, 2 * math.pi)
        cx, cy = sx + d * math.sin(a), sy + d * math.cos(a)
        if max(abs(cx - sx), abs(cy - sy)) < 36:
            continue
        speed = rng.uniform(11.0, 19.7)
        m = int((d - 30) // speed) + rng.integers(0, 5)
        r1, r2 = m * speed, (m + 1) * speed
        b = math.atan2(cx - sx, cy - sy)
        n = gf.turn_hit_set(sx, sy, math.sin(b), math.cos(b), r1, r2, cx, cy, BIG, BIG, parts, cand)
        (x0, x1), (y0, y1) = _edges(cx), _edges(cy)
        ux = x0 + 18.0 + u
        uy = y0 + 18.0 + u
        px = np.concatenate([ux, ux, np.full_like(u, x0), np.full_like(u, x1)])
        py = np.concatenate([np.full_like(u, y0), np.full_like(u, y1), uy, uy])
        dist = np.hypot(px - sx, py - sy)
        sel = (dist >= r1) & (dist <= r2)
        if not sel.any():
            assert n == 0 or parts[0, 1] - parts[0, 0] < 1e-3
            continue
        off = (np.arctan2(px[sel] - sx, py[sel] - sy) - b + math.pi) % (2 * math.pi) - math.pi
        lo, hi = gf.pseudo_to_angle(parts[0, 0]), gf.pseudo_to_angle(parts[n - 1, 1])
        tol = 2.0 * (36.0 / 40000) / max(d - 26.0, 1.0)
        assert lo <= off.min() + 1e-12 and off.max() <= hi + 1e-12      # every sampled point is inside
        assert off.min() - lo < tol and hi - off.max() < tol              # and the ends are reached
        checked += 1
    assert checked > 150


# --------------------------------------------------------------------------- the optimised kernels pinned to the old ones

@njit(cache=False)
def _track_wave_single_skip(sx, sy, sin_b, cos_b, speed, fire_turn, cx, cy, alive, first, last, width, height,
                            max_step, acc, parts, cand):
    """track_wave_sc as it was before the repeated skip-ahead: one skip from the fire turn, then turn by
    turn (kept here as the reference the faster loop must reproduce exactly)."""
    n = 0
    status = 2
    c_off = math.nan
    c_turn = -1
    reach = 18.0 * math.sqrt(2.0) + 1e-6
    j = max(fire_turn - 1, first)
    if max_step > 0.0 and j <= last:
        dx = cx[j] - sx
        dy = cy[j] - sy
        d0 = math.sqrt(dx * dx + dy * dy) - reach
        m_skip = int((d0 - speed) / (speed + max_step)) - 1
        if m_skip > 0:
            j = min(j + m_skip, last)
    while j <= last:
        if not alive[j]:
            status = 1
            break
        m = j - fire_turn + 1
        r1 = m * speed
        r2 = (m + 1) * speed
        x = cx[j]
        y = cy[j]
        dx = x - sx
        dy = y - sy
        d2 = dx * dx + dy * dy
        if d2 > (r2 + reach) * (r2 + reach):
            j += 1
            continue
        if c_turn < 0 and d2 <= r2 * r2:
            c_turn = j
            c_off = math.atan2(dx * cos_b - dy * sin_b, dx * sin_b + dy * cos_b)
        fx = max(abs(dx - 18.0), abs(dx + 18.0))
        fy = max(abs(dy - 18.0), abs(dy + 18.0))
        if fx * fx + fy * fy < r1 * r1:
            status = 0
            break
        k = gf.turn_hit_set(sx, sy, sin_b, cos_b, r1, r2, x, y, width, height, parts, cand)
        for q in range(k):
            n = gf.union_add(acc, n, parts[q, 0], parts[q, 1])
        j += 1
    for q in range(n):
        acc[q, 0] = gf.pseudo_to_angle(acc[q, 0])
        acc[q, 1] = gf.pseudo_to_angle(acc[q, 1])
    return n, status, c_off, c_turn, min(j, last)


def _same_track(r1, a1, r2, a2):
    same_off = r1[2] == r2[2] or (math.isnan(r1[2]) and math.isnan(r2[2]))
    return (r1[0], r1[1], r1[3], r1[4]) == (r2[0], r2[1], r2[3], r2[4]) and same_off and \
        np.array_equal(a1[:r1[0]], a2[:r2[0]])


def test_track_wave_skips_exactly_like_the_single_skip_reference():
    """The repeated skip-ahead changes no output (sets, status, centre, last turn looked at), also when the
    path ends or the target dies while the front is still far."""
    rng = np.random.default_rng(5)
    a1, p1, c1 = gf.new_work()
    a2, p2, c2 = gf.new_work()
    for _ in range(4000):
        w, h, cx, cy, alive, sx, sy, speed = _random_wave(rng)
        L = len(cx)
        if rng.random() < 0.3:
            alive = np.ones(L, dtype=np.bool_)
            alive[rng.integers(1, L):] = False
        last = int(rng.integers(0, L)) if rng.random() < 0.5 else L - 1
        first = int(rng.integers(0, 3))
        fire = int(rng.integers(1, 6))
        max_step = float(rng.choice([0.0, 8.0, 8.0 * math.sqrt(2.0), 12.0]))
        b = math.atan2(cx[0] - sx, cy[0] - sy)
        s, c = math.sin(b), math.cos(b)
        r1 = _track_wave_single_skip(sx, sy, s, c, speed, fire, cx, cy, alive, first, last, w, h, max_step,
                                     a1, p1, c1)
        r2 = gf.track_wave_sc(sx, sy, s, c, speed, fire, cx, cy, alive, first, last, w, h, max_step, a2, p2, c2)
        assert _same_track(r1, a1, r2, a2), (r1, r2)
        # the per-robot-table form reads the same path out of row 1 of a (2, offset + L) table
        off = 7
        tx = np.zeros((2, off + L))
        ty = np.zeros((2, off + L))
        ta = np.zeros((2, off + L), dtype=np.bool_)
        tx[1, off:], ty[1, off:], ta[1, off:] = cx, cy, alive
        r3 = gf._track_wave_rows(sx, sy, s, c, speed, fire, tx, ty, ta, 1, off, first, last, w, h, max_step,
                                 a2, p2, c2)
        assert _same_track(r1, a1, r3, a2), (r1, r3)


@njit(cache=False)
def _turn_hit_set_reference(sx, sy, sin_b, cos_b, r1, r2, cx, cy, width, height, parts, cand):
    """turn_hit_set as it was before the wall-only fast path (every gap classified by _ray_hits)."""
    # Robocode's robot box is a Rectangle2D.Float: float32 low edges, 36 wide (as sim.engine.geometry._box_edge)
    x0 = float(np.float32(cx - gf.HALF))
    x1 = x0 + 2.0 * gf.HALF
    y0 = float(np.float32(cy - gf.HALF))
    y1 = y0 + 2.0 * gf.HALF
    # reach tests: nearest and farthest points of the box
    ddx = max(x0 - sx, 0.0, sx - x1)
    ddy = max(y0 - sy, 0.0, sy - y1)
    r1s = r1 * r1
    r2s = r2 * r2
    dmin2 = ddx * ddx + ddy * ddy
    if dmin2 > r2s:
        gf.hold(parts, cand)
        return 0
    fx = max(abs(x0 - sx), abs(x1 - sx))
    fy = max(abs(y0 - sy), abs(y1 - sy))
    dmax2 = fx * fx + fy * fy
    if dmax2 < r1s:
        gf.hold(parts, cand)
        return 0
    n = 0
    for k in range(4):
        px = x0 if (k & 1) == 0 else x1
        py = y0 if (k & 2) == 0 else y1
        d2 = (px - sx) * (px - sx) + (py - sy) * (py - sy)
        if r1s <= d2 <= r2s:
            n = gf._add_point(px, py, sx, sy, sin_b, cos_b, cand, n)
    n_inner = 0
    for ci in range(2):
        rs = r1s if ci == 0 else r2s
        if rs < dmin2 or rs > dmax2:
            continue    # this circle misses the box (it passes inside its nearest point or beyond its farthest)
        for k in range(4):
            for sgn in (-1.0, 1.0):
                on_edge, px, py = gf.circle_crosses_box_edge(sx, sy, rs, x0, y0, x1, y1, k, sgn)
                if on_edge:
                    n = gf._add_point(px, py, sx, sy, sin_b, cos_b, cand, n)
                    if ci == 0:
                        n_inner += 1
    if n == 0:
        gf.hold(parts, cand)
        return 0
    # extreme directions: while every candidate is ahead of the source (along > 0, the usual case)
    # compare tangents across/along by cross-multiplying; pseudo-angles only for the two winners
    ahead = True
    for k in range(n):
        if cand[1, k] <= 0.0:
            ahead = False
            break
    if ahead:
        ilo = 0
        ihi = 0
        for k in range(1, n):
            if cand[0, k] * cand[1, ilo] < cand[0, ilo] * cand[1, k]:
                ilo = k
            if cand[0, k] * cand[1, ihi] > cand[0, ihi] * cand[1, k]:
                ihi = k
        lo = gf.pseudo_angle(cand[0, ilo], cand[1, ilo])
        hi = gf.pseudo_angle(cand[0, ihi], cand[1, ihi])
    else:
        lo = gf.pseudo_angle(cand[0, 0], cand[1, 0])
        hi = lo
        for k in range(1, n):
            q = gf.pseudo_angle(cand[0, k], cand[1, k])
            lo = min(lo, q)
            hi = max(hi, q)
    wall_hi_x = width - gf.WALL_MARGIN
    wall_hi_y = height - gf.WALL_MARGIN
    seg = r2 - r1
    walls = not (x0 - seg > gf.WALL_MARGIN and y0 - seg > gf.WALL_MARGIN and x1 + seg < wall_hi_x and
                 y1 + seg < wall_hi_y)
    if walls:
        # does the outer circle's arc over [lo, hi] come near a wall? (its end points and axis extremes)
        ax0, ay0 = gf._arc_point(sx, sy, sin_b, cos_b, r2, lo)
        ax1, ay1 = gf._arc_point(sx, sy, sin_b, cos_b, r2, hi)
        mnx = min(ax0, ax1)
        mxx = max(ax0, ax1)
        mny = min(ay0, ay1)
        mxy = max(ay0, ay1)
        for q in range(4):
            # absolute direction q*90 degrees as a pseudo-angle from the bearing
            ux = 1.0 if q == 1 else (-1.0 if q == 3 else 0.0)
            uy = 1.0 if q == 0 else (-1.0 if q == 2 else 0.0)
            pq = gf.pseudo_angle(ux * cos_b - uy * sin_b, ux * sin_b + uy * cos_b)
            if lo <= pq <= hi:
                if q == 0:
                    mxy = sy + r2
                elif q == 1:
                    mxx = sx + r2
                elif q == 2:
                    mny = sy - r2
                else:
                    mnx = sx - r2
        walls = not (mnx > gf.WALL_MARGIN and mny > gf.WALL_MARGIN and mxx < wall_hi_x and mxy < wall_hi_y)
    if not walls and n_inner <= 2:
        parts[0, 0] = lo
        parts[0, 1] = hi
        gf.hold(parts, cand)
        return 1
    # exact classification between candidate directions
    for k in range(n):
        cand[2, k] = gf.pseudo_angle(cand[0, k], cand[1, k])
    if walls:
        for k in range(4):
            vertical = k < 2
            c = (gf.WALL_MARGIN if k == 0 else wall_hi_x) if vertical else (gf.WALL_MARGIN if k == 2 else wall_hi_y)
            off = c - (sx if vertical else sy)
            h2 = r2s - off * off
            if h2 < 0.0:
                continue
            h = math.sqrt(h2)
            for sgn in (-1.0, 1.0):
                if vertical:
                    px = c
                    py = sy + sgn * h
                else:
                    px = sx + sgn * h
                    py = c
                dx = px - sx
                dy = py - sy
                o = gf.pseudo_angle(dx * cos_b - dy * sin_b, dx * sin_b + dy * cos_b)
                if lo < o < hi and n < cand.shape[1]:
                    cand[2, n] = o
                    n += 1
    gf._sort_row(cand, 2, n)
    np_ = 0
    if cand[2, n - 1] == cand[2, 0]:
        if gf._ray_hits(sx, sy, sin_b, cos_b, cand[2, 0], r1, r2, x0, y0, wall_hi_x, wall_hi_y):
            parts[0, 0] = cand[2, 0]
            parts[0, 1] = cand[2, 0]
            gf.hold(parts, cand)
            return 1
        gf.hold(parts, cand)
        return 0
    open_ = False
    for k in range(n - 1):
        a = cand[2, k]
        c = cand[2, k + 1]
        if c <= a:
            continue
        inside = gf._ray_hits(sx, sy, sin_b, cos_b, 0.5 * (a + c), r1, r2, x0, y0, wall_hi_x, wall_hi_y)
        if inside:
            if open_:
                parts[np_ - 1, 1] = c
            elif np_ >= parts.shape[0]:
                parts[np_ - 1, 1] = c
            else:
                parts[np_, 0] = a
                parts[np_, 1] = c
                np_ += 1
            open_ = True
        else:
            open_ = False
    gf.hold(parts, cand)
    return np_


def test_turn_hit_set_matches_the_reference_bit_for_bit():
    """The wall-only fast path (classify the span between the outer circle's wall crossings by the wall test
    alone) gives exactly the sets of the old all-gaps classification, above all near walls."""
    rng = np.random.default_rng(11)
    p1 = np.empty((8, 2))
    p2 = np.empty((8, 2))
    c1 = np.empty((3, gf.MAX_CAND))
    c2 = np.empty((3, gf.MAX_CAND))
    n_hits = n_split = 0
    for _ in range(20000):
        w = float(rng.choice([800, 400, 1000]))
        h = float(rng.choice([600, 300, 1000]))
        # a box hugging a wall (or a corner) most of the time, the source anywhere in the field
        cx = rng.uniform(18, w - 18)
        cy = rng.uniform(18, h - 18)
        if rng.random() < 0.8:
            cx = 18 + rng.uniform(0, 4) if rng.random() < 0.5 else w - 18 - rng.uniform(0, 4)
        if rng.random() < 0.5:
            cy = 18 + rng.uniform(0, 4) if rng.random() < 0.5 else h - 18 - rng.uniform(0, 4)
        sx = rng.uniform(18, w - 18)
        sy = rng.uniform(18, h - 18)
        if rng.random() < 0.5:     # along the same wall: the outer circle crosses the wall line at a grazing angle
            if min(cx, w - cx) < 30:
                sx = cx + rng.uniform(-12, 12)
            else:
                sy = cy + rng.uniform(-12, 12)
        speed = 20.0 - 3.0 * rng.uniform(0.1, 3.0)
        b = math.atan2(cx - sx, cy - sy) + rng.normal(0.0, 0.05)
        s, c = math.sin(b), math.cos(b)
        d = math.hypot(cx - sx, cy - sy)
        r1 = max(0.0, d + rng.uniform(-30.0, 30.0))
        r2 = r1 + speed
        k1 = _turn_hit_set_reference(sx, sy, s, c, r1, r2, cx, cy, w, h, p1, c1)
        k2 = gf.turn_hit_set(sx, sy, s, c, r1, r2, cx, cy, w, h, p2, c2)
        assert k1 == k2 and np.array_equal(p1[:k1], p2[:k2]), (sx, sy, b, r1, r2, cx, cy, w, h, p1[:k1], p2[:k2])
        n_hits += k1 > 0
        n_split += k1 > 1
    assert n_hits > 5000 and n_split > 100, (n_hits, n_split)


@njit(cache=False)
def _wave_features_reference(x, y, heading, vel, energy, counters, j0, j, sx, sy, bearing, lat_dir, speed, power,
                             mea, mea_pos, mea_neg, virtuality, virtuality_gun, shots_fired, turn, shooter_energy,
                             width, height, out):
    """wave_features as it was written before it became a tuple of scalars (the reference)."""
    tx = x[j]
    ty = y[j]
    h = heading[j]
    v = vel[j]
    dx = tx - sx
    dy = ty - sy
    dist = math.sqrt(dx * dx + dy * dy)
    bft = dist / speed
    out[gf.F_DISTANCE] = dist
    out[gf.F_BFT] = bft
    out[gf.F_VELOCITY] = v
    out[gf.F_ABS_VELOCITY] = abs(v)
    out[gf.F_VEL8] = 1.0 if abs(v) >= 8.0 - 1e-9 else 0.0
    vp = vel[j - 1] if j > j0 else v
    acc = abs(v - vp)
    out[gf.F_ACCEL] = -acc if abs(v) < abs(vp) else acc
    sin_b = dx / dist if dist > 0.0 else math.sin(bearing)
    cos_b = dy / dist if dist > 0.0 else math.cos(bearing)
    sh = math.sin(h)
    ch = math.cos(h)
    sin_rel = max(-1.0, min(1.0, sh * cos_b - ch * sin_b))
    cos_rel = max(-1.0, min(1.0, ch * cos_b + sh * sin_b))
    out[gf.F_LAT_VEL] = v * sin_rel
    out[gf.F_ADV_VEL] = -v * cos_rel
    out[gf.F_LAT_DIR] = lat_dir
    md = counters[j, gf.HC_MOVE_DIR]
    out[gf.F_MOVE_DIR] = md
    out[gf.F_ADV_DIR] = -md * cos_rel
    dct = counters[j, gf.HC_DIR_CHANGE]
    dt = counters[j, gf.HC_SINCE_DEC] if md > 0.0 else counters[j, gf.HC_SINCE_INC]
    out[gf.F_DIR_CHANGE_TIME] = dct
    out[gf.F_DECEL_TIME] = dt
    out[gf.F_VCHANGE_TIME] = counters[j, gf.HC_VCHANGE]
    out[gf.F_DIR_CHANGE_REL] = min(dct, gf.TIMER_CAP) / bft if bft > 0.0 else gf.TIMER_CAP
    out[gf.F_DECEL_REL] = min(dt, gf.TIMER_CAP) / bft if bft > 0.0 else gf.TIMER_CAP
    k10 = max(j - 10, j0)
    k20 = max(j - 20, j0)
    out[gf.F_DIST10] = math.sqrt((tx - x[k10]) ** 2 + (ty - y[k10]) ** 2)
    out[gf.F_DIST20] = math.sqrt((tx - x[k20]) ** 2 + (ty - y[k20]) ** 2)
    out[gf.F_WALL_AHEAD] = mea_pos / mea
    out[gf.F_WALL_REVERSE] = mea_neg / mea
    ax = lat_dir * cos_b
    ay = -lat_dir * sin_b
    out[gf.F_STICK_AHEAD], out[gf.F_STICK_REVERSE] = gf.stick_turns(tx, ty, ax, ay, gf.STICK, 18.0, width, height)
    out[gf.F_WALL_DIST_AHEAD] = gf._wall_distance_u(tx, ty, ax, ay, width, height)
    out[gf.F_WALL_DIST_REVERSE] = gf._wall_distance_u(tx, ty, -ax, -ay, width, height)
    out[gf.F_VIRTUALITY] = virtuality
    out[gf.F_VIRTUALITY_GUN] = virtuality_gun
    out[gf.F_POWER] = power
    out[gf.F_SHOTS_FIRED] = shots_fired
    out[gf.F_TURN] = turn
    out[gf.F_ENERGY] = energy[j]
    out[gf.F_SHOOTER_ENERGY] = shooter_energy


def test_wave_features_match_the_reference_bit_for_bit():
    rng = np.random.default_rng(3)
    n = 200
    got = np.zeros(gf.N_FEAT)   # wave_features fills the schema-1 part, [:N_BASE_FEAT]
    want = np.zeros(gf.N_FEAT)
    for _ in range(300):
        x = rng.uniform(18, 782, n)
        y = rng.uniform(18, 582, n)
        if rng.random() < 0.3:
            x[:] = 18.0 + rng.uniform(0, 3, n)          # along a wall: stick and wall features work
        heading = rng.uniform(0, 2 * math.pi, n)
        vel = rng.choice([-8.0, -2.5, 0.0, 1.0, 8.0], n)
        energy = rng.uniform(0, 100, n)
        counters = np.zeros((n, gf.N_COUNTERS))
        gf.history_counters(vel, np.array([0, n]), counters)
        j0 = int(rng.integers(0, 50))
        j = int(rng.integers(j0, n))
        sx, sy = rng.uniform(18, 782), rng.uniform(18, 582)
        if rng.random() < 0.05:
            sx, sy = x[j], y[j]                          # distance 0
        b = math.atan2(x[j] - sx, y[j] - sy)
        lat = float(rng.choice([1.0, -1.0]))
        speed = 20.0 - 3.0 * rng.uniform(0.1, 3.0)
        args = (j0, j, sx, sy, b, lat, speed, 3.0, 0.7, 0.6, 0.5, 4.0, 2.0, 17.0, int(rng.integers(1, 999)),
                55.5, 800.0, 600.0)
        _wave_features_reference(x, y, heading, vel, energy, counters, *args, want)
        gf.wave_features(x, y, heading, vel, energy, counters, *args, got)
        assert np.array_equal(got.view(np.uint64), want.view(np.uint64))
        # the per-robot-table form (row 1 of (2, n) tables)
        tab = [np.stack([a[::-1], a]) for a in (x, y, heading, vel, energy)]
        f = gf._wave_features_rows(*tab, np.stack([counters[::-1], counters]), 1, *args)
        assert np.array_equal(np.array(f).view(np.uint64), want[:gf.N_BASE_FEAT].view(np.uint64))


def test_lateral_sign_without_the_sine_agrees_with_lateral_sign():
    rng = np.random.default_rng(9)
    hs = rng.uniform(0, 2 * math.pi, 20000)
    bs = rng.uniform(-math.pi, math.pi, 20000)
    for k in range(len(hs)):
        h, b = hs[k], bs[k]
        s = math.sin(h - b)
        # velocities putting v * sin(h - b) on, just inside and just outside the +-1e-9 thresholds
        if k % 4 == 0 or abs(s) < 1e-3:
            v = float(rng.choice([-8.0, -1.0, 0.0, 0.5, 8.0]))
        else:
            v = float(rng.choice([1e-9, -1e-9])) / s * (1.0 + float(rng.choice([-1e-3, -1e-13, 0.0, 1e-13, 1e-3])))
        d = rng.uniform(1.0, 1000.0)
        sin_b, cos_b = math.sin(b), math.cos(b)
        if k % 2:
            dx, dy = d * sin_b, d * cos_b            # the sine and cosine as the wave kernels compute them
            dist = math.sqrt(dx * dx + dy * dy)
            sin_b, cos_b = dx / dist, dy / dist
        for prev in (1.0, -1.0):
            want = gf.lateral_sign(v * s, prev)
            got = gf.lateral_sign_sc(v, math.sin(h), math.cos(h), sin_b, cos_b, h, b, prev)
            assert got == want, (v, h, b, prev)
