"""Guess-factor kernels: escape angles, lateral direction and the precise wave/box intersection.

Plain numba functions over scalars and small arrays, with no dependency on the
engine's state layout, so that bots can call them online (a learned gun or a
wave surfer tracking waves from its own scans) exactly as the dataset code does.

Conventions (docs/architecture.md, "Guess-factor conventions"):

* Angles are Robocode's: heading 0 = north (+y), clockwise positive; the
  absolute bearing from S to P is ``atan2(P.x - S.x, P.y - S.y)``.
* An *offset* is an absolute angle minus the wave's direct bearing, normalised
  to (-pi, pi]; positive offsets are clockwise.
* GF = offset * lateral direction / MEA, with MEA = asin(8 / v_b) (classic).
  The lateral direction is +1 when the target moves clockwise around the
  shooter (lateral velocity v*sin(heading - bearing) > 0), -1 when
  anticlockwise, and the previous direction when the lateral velocity is 0.
  These kernels do *not* clip: a box edge can lie past GF +-1 (point-blank, or
  a target that out-drives the classic MEA). ``clip_gf`` applies docs/architecture.md's
  clip to [-1, 1] where wanted.

Wave timing (Robocode's BulletPeer, see sim/engine/loop.py): a wave fired in turn t
starts at the shooter's position at the end of turn t-1. In turn t+m (m >= 0)
its front sweeps radii [m*v_b, (m+1)*v_b] and meets the target's 36x36 box as
the box was at the end of turn t+m-1; a bullet is tested against the box only
if its end point survived the wall test (x-3 > 0, y-3 > 0, x+3 < W, y+3 < H).
``turn_hit_set`` returns, for one such turn, the exact set of bullet headings
that hit the box in that turn (as trig-free pseudo-angles); ``track_wave``
unites them over the turns the front crosses the box and returns offsets in
radians: the "precise intersection" of docs/architecture.md. A real bullet hits exactly
when its heading lies in that union (tests/test_gf.py checks it against a
brute-force bullet simulation, tests/test_waves.py against the engine).

Also here, for the same reason: the fire-time feature kernel
(``wave_features``, ``history_counters``; documented in sim/waves/features.py).

Typical online use in a bot (one wave, path of the target's box so far)::

    acc, parts, cand = new_work()          # once; reuse
    n, status, c_off, c_turn, j_end = track_wave(sx, sy, bearing, bullet_speed(p), fire_turn,
                                                 box_x, box_y, alive, 0, now - 1, W, H, 8.0,
                                                 acc, parts, cand)
    gf_lo, gf_hi = acc[0, 0] * lat / mea, acc[n - 1, 1] * lat / mea   # (swap when lat < 0)
"""
import math

import numpy as np
from numba import njit
from numba.extending import overload

from sim.engine.constants import I64, MAX_TURN_RATE_RADIANS, MAX_VELOCITY
from sim.engine.geometry import (
    circle_crosses_box_edge,
    hold,
    normal_relative_angle,
    rect_intersects_line,
)
from sim.engine.physics import (
    bullet_speed,  # noqa: F401  (re-exported: the waves' speed)
    new_velocity,
)
from sim.engine.physics import turn_rate as max_turn_rate

NB = dict(cache=True, error_model="numpy")
# Kernels called many times per wave with array arguments are LLVM-inlined into their caller: a real
# call increfs and decrefs every array argument atomically (numba's NRT), which cost more than the work.
HOT = dict(cache=True, error_model="numpy", forceinline=True)

HALF = 18.0            # half the robot box
BOX_REACH = HALF * math.sqrt(2.0) + 1e-6   # centre-to-corner distance of the box, with slack: a wave whose front is
# this far past the centre has passed the whole box (the tracker, the wave guns, the datasets' flags)
BOX = 36.0
WALL_MARGIN = 3.0      # bullet radius: the wall test kills a bullet at x - 3 <= 0 etc.
MAX_CAND = 40          # candidate directions of one turn (4 corners + 16 circle/edge + 8 circle/wall, padded)
MAX_PARTS = 16         # disjoint pieces kept by the per-wave union (more is merged into the last)
LAG = 2                # turns from a gun's last observation to its bullet (docs/writing-a-strategy.md, "Timing")
MAX_FLIGHT = 400       # turns a played-forward future follows a wave at most (a bullet crosses a 5000 px field in 455)


# --------------------------------------------------------------------------- basics

def _at(a, row, k):
    """a[k] for a 1-d array, a[row, k] for a 2-d one: lets one kernel read either a path or a row of a
    per-robot table without making a view (a view costs two atomic NRT refcount operations)."""
    return a[k] if a.ndim == 1 else a[row, k]


@overload(_at, inline="always")
def _at_impl(a, row, k):
    if a.ndim == 1:
        return lambda a, row, k: a[k]
    return lambda a, row, k: a[row, k]


@njit(**NB)
def classic_mea(speed):
    """Classic maximum escape angle asin(8 / v_b) (radians)."""
    return math.asin(8.0 / speed)


@njit(**NB)
def absolute_bearing(sx, sy, px, py):
    return math.atan2(px - sx, py - sy)


@njit(**NB)
def rel_angle(a):
    """Normalise to [-pi, pi) like robocode.util.Utils.normalRelativeAngle (the engine's, bit for bit; its fmod
    is a libm call only outside (-4 pi, 4 pi))."""
    return normal_relative_angle(a)


@njit(**NB)
def offset_of(sx, sy, px, py, sin_b, cos_b):
    """Offset (radians, clockwise positive) of point P seen from S, relative to the bearing whose
    sine and cosine are given: atan2 of P - S rotated into the bearing's frame."""
    across, along = _offset_vec(sx, sy, px, py, sin_b, cos_b)
    return math.atan2(across, along)


@njit(**NB)
def _offset_vec(sx, sy, px, py, sin_b, cos_b):
    """P - S rotated into the frame of the bearing (sine and cosine given): (across, clockwise +; along)."""
    dx = px - sx
    dy = py - sy
    return dx * cos_b - dy * sin_b, dx * sin_b + dy * cos_b


@njit(**NB)
def lateral_velocity(sx, sy, tx, ty, heading, velocity):
    """Velocity of the target across the line from S (positive = clockwise around S)."""
    return velocity * math.sin(heading - math.atan2(tx - sx, ty - sy))


@njit(**NB)
def lateral_direction(sx, sy, tx, ty, heading, velocity, prev_dir):
    """+1 clockwise, -1 anticlockwise; `prev_dir` when the lateral velocity is (within 1e-9 of) zero."""
    lv = lateral_velocity(sx, sy, tx, ty, heading, velocity)
    return lateral_sign(lv, prev_dir)


@njit(**NB)
def lateral_sign(lv, prev_dir):
    """+1 / -1 from a lateral velocity; `prev_dir` when it is (within 1e-9 of) zero."""
    if lv > 1e-9:
        return 1.0
    if lv < -1e-9:
        return -1.0
    return prev_dir


@njit(**HOT)
def lateral_sign_sc(v, sh, ch, sin_b, cos_b, h, b, prev_dir):
    """lateral_sign(v * sin(h - b), prev_dir) from sh, ch = sin h, cos h and sin_b, cos_b ~ sin b, cos b
    (within a few ulps), without the sine in the usual case: v * (sh * cos_b - ch * sin_b) is within
    1e-13 of v * sin(h - b) for |v| <= 8, so only a value within 1e-12 of the +-1e-9 thresholds needs
    the exact one."""
    lv = v * (sh * cos_b - ch * sin_b)
    a = abs(lv)
    if a > 1e-9 + 1e-12 or a < 1e-9 - 1e-12:
        return lateral_sign(lv, prev_dir)
    return lateral_sign(v * math.sin(h - b), prev_dir)


@njit(**NB)
def gf_of_offset(offset, lat_dir, mea):
    return offset * lat_dir / mea


@njit(**NB)
def clip_gf(gf):
    return min(1.0, max(-1.0, gf))


@njit(**NB)
def pseudo_angle(cr, dt):
    """A monotone, trig-free stand-in for atan2(cr, dt) on (-pi, pi): cr / (|cr| + |dt|) ahead
    (dt >= 0, range [-1, 1]) continued to (-2, -1] and [1, 2) behind. ``pseudo_to_angle`` inverts it."""
    q = cr / (abs(cr) + abs(dt))
    if dt >= 0.0:
        return q
    return 2.0 - q if cr >= 0.0 else -2.0 - q


@njit(**NB)
def _pseudo_vec(p):
    """(dt, cr), not normalised, of a pseudo-angle."""
    ap = abs(p)
    if ap <= 1.0:
        return 1.0 - ap, p
    return 1.0 - ap, (2.0 - ap) if p > 0.0 else -(2.0 - ap)


@njit(**NB)
def pseudo_to_angle(p):
    dt, cr = _pseudo_vec(p)
    return math.atan2(cr, dt)


# --------------------------------------------------------------------------- precise MEA: escape circle

@njit(**NB)
def _extend(lo, hi, cr, dt):
    """Widen [lo, hi] (tangents of offsets) by the point whose rotated coordinates are (cr, dt), dt > 0."""
    q = cr / dt
    return min(lo, q), max(hi, q)


@njit(**NB)
def escape_circle_mea(sx, sy, tx, ty, speed, width, height):
    """Precise maximum escape angles (clockwise, anticlockwise), radians >= 0.

    The points a target at T can reach before a wave from S (speed v_b) reaches
    them, moving at up to 8 px/turn in any direction, form a disc (an Apollonius
    circle: |P - T| <= 8/v_b * |P - S|), whose tangents from S are exactly the
    classic MEA asin(8/v_b). The target's centre must stay in [18, W-18] x
    [18, H-18]; the escape angle on each side is the largest offset of the
    disc-within-field (its extreme angles lie at the tangent points, where the
    circle crosses a field edge, or at a field corner inside the disc). Every
    such point lies within 90 degrees of the bearing, so offsets are compared
    by their tangents and converted once.
    """
    dx = tx - sx
    dy = ty - sy
    d = math.sqrt(dx * dx + dy * dy)
    if d <= 0.0:
        m = classic_mea(speed)
        return m, m
    sin_b = dx / d
    cos_b = dy / d
    r_near = 8.0 * d / (speed + 8.0)
    r_far = 8.0 * d / (speed - 8.0)
    rad = 0.5 * (r_near + r_far)
    cx = tx + (rad - r_near) * sin_b
    cy = ty + (rad - r_near) * cos_b
    x0 = HALF
    y0 = HALF
    x1 = width - HALF
    y1 = height - HALF
    lo = 0.0      # tangents of the extreme offsets (T itself, offset 0, is always in the set)
    hi = 0.0
    # tangent points: offset +-alpha with sin(alpha) = rad / dc, at distance tl from S
    dc = d + rad - r_near
    sa = min(1.0, rad / dc)
    ca = math.sqrt(max(0.0, 1.0 - sa * sa))
    tl = math.sqrt(max(0.0, dc * dc - rad * rad))
    for sgn in (-1.0, 1.0):
        # direction rotated by sgn*alpha clockwise from the bearing
        ux = sin_b * ca + sgn * cos_b * sa
        uy = cos_b * ca - sgn * sin_b * sa
        px = sx + tl * ux
        py = sy + tl * uy
        if x0 <= px <= x1 and y0 <= py <= y1:
            q = sgn * sa / ca if ca > 0.0 else sgn * 1e300
            lo = min(lo, q)
            hi = max(hi, q)
    r2 = rad * rad
    # circle crossing the field's edges
    for k in range(4):
        for sgn in (-1.0, 1.0):
            on_edge, px, py = circle_crosses_box_edge(cx, cy, r2, x0, y0, x1, y1, k, sgn)
            if not on_edge:
                continue
            ddx = px - sx
            ddy = py - sy
            dt = ddx * sin_b + ddy * cos_b
            if dt > 0.0:
                lo, hi = _extend(lo, hi, ddx * cos_b - ddy * sin_b, dt)
    # field corners inside the disc
    for k in range(4):
        px = x0 if (k & 1) == 0 else x1
        py = y0 if (k & 2) == 0 else y1
        if (px - cx) * (px - cx) + (py - cy) * (py - cy) <= r2:
            ddx = px - sx
            ddy = py - sy
            dt = ddx * sin_b + ddy * cos_b
            if dt > 0.0:
                lo, hi = _extend(lo, hi, ddx * cos_b - ddy * sin_b, dt)
    return math.atan(hi), -math.atan(lo)


# --------------------------------------------------------------------------- wall smoothing / precise MEA by driving

@njit(**NB)
def stick_rotation_u(x, y, ux, uy, stick, margin, orient, width, height):
    """stick_rotation for a heading given by its unit vector (ux, uy) = (sin h, cos h)."""
    if _stick_end_inside(x, y, ux, uy, stick, margin, width, height):
        return 0.0
    best, _ = _stick_first_ends(x, y, ux, uy, stick, margin, orient, orient, width, height)
    return _stick_rotation_of(best)


@njit(**NB)
def _stick_end_inside(x, y, ux, uy, stick, margin, width, height):
    """Does the stick from (x, y) along (ux, uy) end inside [margin, W-margin] x [margin, H-margin]?"""
    ex = x + stick * ux
    ey = y + stick * uy
    return margin <= ex <= width - margin and margin <= ey <= height - margin


@njit(**NB)
def _stick_first_ends(x, y, ux, uy, stick, margin, orient_a, orient_b, width, height):
    """The stick's first allowed rotations from (ux, uy) in the directions orient_a and orient_b (+1 clockwise,
    -1 anticlockwise), as pseudo-angles in [0, 4) (5 when none), from one set of crossings.

    The stick's end moves on a circle; the directions where it is inside form arcs whose ends are
    where the circle crosses an edge of the rectangle. Turning from outside, the first such end
    reached is the answer. Rotations are compared as pseudo-angles (monotone) in [0, 4)."""
    xa = margin
    ya = margin
    xb = width - margin
    yb = height - margin
    best_a = 5.0
    best_b = 5.0
    r2 = stick * stick
    for k in range(4):
        for sgn in (-1.0, 1.0):
            on_edge, px, py = circle_crosses_box_edge(x, y, r2, xa, ya, xb, yb, k, sgn)
            if not on_edge:
                continue
            wx = px - x
            wy = py - y
            across = wx * uy - wy * ux
            along = wx * ux + wy * uy
            p = pseudo_angle(orient_a * across, along)
            if p < 0.0:
                p += 4.0
            best_a = min(best_a, p)
            p = pseudo_angle(orient_b * across, along)
            if p < 0.0:
                p += 4.0
            best_b = min(best_b, p)
    return best_a, best_b


@njit(**NB)
def _stick_rotation_of(best):
    """A rotation from _stick_first_ends in radians, [0, 2 pi) (pi when there is none). Monotone in `best`."""
    if best > 4.0:
        return math.pi
    a = pseudo_to_angle(best if best <= 2.0 else best - 4.0)
    if a < 0.0:
        a += 2.0 * math.pi
    return a


@njit(**NB)
def stick_turns(x, y, ux, uy, stick, margin, width, height):
    """(ahead, reverse): the smallest turn, either way, of the heading (ux, uy) = (sin h, cos h) and of
    its reverse after which the stick ends inside the rectangle -- min over both orientations of
    stick_rotation, for h and h + pi, from one set of candidate crossings. Radians in [0, pi]."""
    xa = margin
    ya = margin
    xb = width - margin
    yb = height - margin
    ex = x + stick * ux
    ey = y + stick * uy
    ahead_in = xa <= ex <= xb and ya <= ey <= yb
    ex = x - stick * ux
    ey = y - stick * uy
    back_in = xa <= ex <= xb and ya <= ey <= yb
    if ahead_in and back_in:
        return 0.0, 0.0
    best_a = 5.0
    best_r = 5.0
    r2 = stick * stick
    for k in range(4):
        for sgn in (-1.0, 1.0):
            on_edge, px, py = circle_crosses_box_edge(x, y, r2, xa, ya, xb, yb, k, sgn)
            if not on_edge:
                continue
            wx = px - x
            wy = py - y
            p = pseudo_angle(wx * uy - wy * ux, wx * ux + wy * uy)   # clockwise turn from the heading
            if p < 0.0:
                p += 4.0
            q = p + 2.0 if p < 2.0 else p - 2.0                        # ... from the reversed heading
            best_a = min(best_a, p, 4.0 - p)
            best_r = min(best_r, q, 4.0 - q)
    ahead = 0.0 if ahead_in else (math.pi if best_a > 2.0 else pseudo_to_angle(best_a))
    back = 0.0 if back_in else (math.pi if best_r > 2.0 else pseudo_to_angle(best_r))
    return ahead, back


@njit(**NB)
def stick_rotation(x, y, heading, stick, margin, orient, width, height):
    """Smallest rotation (radians >= 0, in direction `orient`: +1 clockwise, -1 anticlockwise) of
    `heading` after which a `stick`-long stick from (x, y) ends inside [margin, W-margin] x
    [margin, H-margin]. Exact (no stepping); pi when no direction works."""
    return stick_rotation_u(x, y, math.sin(heading), math.cos(heading), stick, margin, orient, width, height)


@njit(**NB)
def smoothed_heading(x, y, goal, stick, margin, width, height, prefer):
    """`goal` turned by the smaller of the clockwise / anticlockwise stick rotations; ties go to `prefer`.

    The two stick_rotation values, bit for bit, from one sine, cosine and set of crossings; a rotation is
    monotone in its pseudo-angle (slope >= 1), so when the two pseudo-angles are more than 1e-9 apart only
    the smaller one's atan2 is needed (closer, both are computed and compared as radians)."""
    ux = math.sin(goal)
    uy = math.cos(goal)
    cw = 0.0
    ccw = 0.0
    if not _stick_end_inside(x, y, ux, uy, stick, margin, width, height):
        best_cw, best_ccw = _stick_first_ends(x, y, ux, uy, stick, margin, 1.0, -1.0, width, height)
        key_cw = 2.0 if best_cw > 4.0 else best_cw       # no allowed end: pi, pseudo-angle 2
        key_ccw = 2.0 if best_ccw > 4.0 else best_ccw
        if key_cw < key_ccw - 1e-9:
            return goal + _stick_rotation_of(best_cw)
        if key_ccw < key_cw - 1e-9:
            return goal - _stick_rotation_of(best_ccw)
        cw = _stick_rotation_of(best_cw)
        ccw = _stick_rotation_of(best_ccw)
    return _turned_goal(goal, cw, ccw, prefer)


@njit(**NB)
def _turned_goal(goal, cw, ccw, prefer):
    """smoothed_heading's choice between the clockwise and anticlockwise rotations cw, ccw."""
    if cw < ccw or (cw == ccw and prefer > 0.0):
        return goal + cw
    return goal - ccw


@njit(**NB)
def _smoothed_heading_near(x, y, goal, ux, uy, stick, margin, width, height, prefer):
    """smoothed_heading, bit for bit, given (ux, uy) within 1e-12 of (sin goal, cos goal): when that stick ends
    more than 1e-9 inside the rectangle, so does the exact one (a 160 px stick moves its end by < 1e-9 px), the
    rotations are 0 and no sine or cosine is needed."""
    inner = margin + 1e-9
    ex = x + stick * ux
    ey = y + stick * uy
    if inner < ex < width - inner and inner < ey < height - inner:
        return _turned_goal(goal, 0.0, 0.0, prefer)
    return smoothed_heading(x, y, goal, stick, margin, width, height, prefer)


@njit(**NB)
def mea_drive(sx, sy, tx, ty, heading, velocity, speed, side, width, height, stick):
    """Precise escape angle (radians >= 0) on `side` (+1 clockwise, -1 anticlockwise) reached by a
    target that drives perpendicular to the shooter at full speed with Robocode's movement physics
    (sim.engine.physics' turn rate and getNewVelocity, back-as-front) and walking-stick wall
    smoothing (stick `stick` px, margin 18), until the wave from S passes its centre.

    Timing as in the module docstring: m turns after the fire state the wave has reached radius
    (m + 1) * speed. Slower than ``escape_circle_mea`` (a short simulation), but it respects turn
    rates and the target's current heading and speed.

    The farthest offset is found by comparing pseudo-angles, with one atan2 at the end: bit for bit the
    largest of the per-turn atan2s (a pseudo-angle is monotone in the angle with slope in [0.5, 1] ahead of
    |pseudo-angle| 1.5, so keys more than 1e-9 apart order the atan2s as they do; closer ones, and any
    point that far behind, are compared by their atan2s).
    """
    b0 = math.atan2(tx - sx, ty - sy)
    sin_b = math.sin(b0)
    cos_b = math.cos(b0)
    x = tx
    y = ty
    h = heading
    v = velocity
    best = 0.0             # side * offset of the farthest point so far, exact when best_known
    best_key = 0.0         # its side * pseudo-angle (capped at 1.5: beyond, points are compared exactly)
    best_known = True
    best_across = 0.0
    best_along = 0.0
    lo_x = HALF
    lo_y = HALF
    hi_x = width - HALF
    hi_y = height - HALF
    dist = math.sqrt((tx - sx) * (tx - sx) + (ty - sy) * (ty - sy))
    for m in range(1, 400):
        dx = x - sx
        dy = y - sy
        a = math.atan2(dx, dy)
        goal = a + side * 0.5 * math.pi
        # prefer turning away from the shooter (more time for the wave, more angle); the orbit's direction
        # side * (cos a, -sin a) from the bearing's vector, for the stick test without the goal's sine and cosine
        if dist > 0.0:
            goal = _smoothed_heading_near(x, y, goal, side * dy / dist, -side * dx / dist, stick, HALF, width,
                                          height, side * -1.0)
        else:
            goal = smoothed_heading(x, y, goal, stick, HALF, width, height, side * -1.0)
        turn = rel_angle(goal - h)
        direction = 1.0
        if abs(turn) > 0.5 * math.pi:
            turn = rel_angle(turn + math.pi)
            direction = -1.0
        rate = max_turn_rate(v, MAX_TURN_RATE_RADIANS)
        turn = max(-rate, min(rate, turn))
        h += turn
        v = new_velocity(v, direction * math.inf, MAX_VELOCITY)   # an unbounded move that way
        x += v * math.sin(h)
        y += v * math.cos(h)
        if x < lo_x or x > hi_x or y < lo_y or y > hi_y:
            x = min(max(x, lo_x), hi_x)
            y = min(max(y, lo_y), hi_y)
            v = 0.0
        across, along = _offset_vec(sx, sy, x, y, sin_b, cos_b)
        key = side * pseudo_angle(across, along)
        if abs(key) < 1.5 and abs(key - best_key) > 1e-9:
            if key > best_key:
                best_key = key
                best_across = across
                best_along = along
                best_known = False
        else:
            if not best_known:
                best = side * math.atan2(best_across, best_along)
                best_known = True
            o = side * math.atan2(across, along)
            if o > best:
                best = o
                best_key = key if abs(key) < 1.5 else 1.5
                best_across = across
                best_along = along
        dx = x - sx
        dy = y - sy
        dist = math.sqrt(dx * dx + dy * dy)
        if (m + 1) * speed >= dist:
            break
    if not best_known:
        best = side * math.atan2(best_across, best_along)
    return best


# --------------------------------------------------------------------------- precise intersection

@njit(**HOT)
def _sort_small(a, n):
    for i in range(1, n):
        v = a[i]
        j = i - 1
        while j >= 0 and a[j] > v:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = v


@njit(**HOT)
def _sort_row(a, row, n):
    """_sort_small on a[row, :n] (insertion sort, no view)."""
    for i in range(1, n):
        v = a[row, i]
        j = i - 1
        while j >= 0 and a[row, j] > v:
            a[row, j + 1] = a[row, j]
            j -= 1
        a[row, j + 1] = v
    hold(a)


@njit(**HOT)
def _ray_hits(sx, sy, sin_b, cos_b, p, r1, r2, x0, y0, wall_hi_x, wall_hi_y):
    """Does a bullet whose heading is at pseudo-angle p from the bearing hit the box [x0, x0+36] x
    [y0, y0+36] between radii r1 and r2, its end point having survived the wall test?"""
    c, sn = _pseudo_vec(p)
    norm = math.sqrt(c * c + sn * sn)
    c /= norm
    sn /= norm
    ux = sin_b * c + cos_b * sn
    uy = cos_b * c - sin_b * sn
    ex = sx + r2 * ux
    ey = sy + r2 * uy
    if ex <= WALL_MARGIN or ey <= WALL_MARGIN or ex >= wall_hi_x or ey >= wall_hi_y:
        return False
    return rect_intersects_line(x0, y0, BOX, BOX, sx + r1 * ux, sy + r1 * uy, ex, ey)


@njit(**HOT)
def _end_inside(sx, sy, sin_b, cos_b, p, r2, wall_hi_x, wall_hi_y):
    """Does the end point (radius r2) of a bullet at pseudo-angle p from the bearing survive the wall test?"""
    c, sn = _pseudo_vec(p)
    norm = math.sqrt(c * c + sn * sn)
    c /= norm
    sn /= norm
    ex = sx + r2 * (sin_b * c + cos_b * sn)
    ey = sy + r2 * (cos_b * c - sin_b * sn)
    return not (ex <= WALL_MARGIN or ey <= WALL_MARGIN or ex >= wall_hi_x or ey >= wall_hi_y)


@njit(**HOT)
def _add_wall_crossings(sx, sy, sin_b, cos_b, r2s, lo, hi, wall_hi_x, wall_hi_y, cand, n):
    """Append to cand[2, n:] the pseudo-angles in (lo, hi) at which the circle of squared radius r2s about
    the shooter crosses the wall lines (x, y = WALL_MARGIN, wall_hi_x, wall_hi_y); returns the new count."""
    for k in range(4):
        vertical = k < 2
        c = (WALL_MARGIN if k == 0 else wall_hi_x) if vertical else (WALL_MARGIN if k == 2 else wall_hi_y)
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
            o = pseudo_angle(dx * cos_b - dy * sin_b, dx * sin_b + dy * cos_b)
            if lo < o < hi and n < cand.shape[1]:
                cand[2, n] = o
                n += 1
    hold(cand)
    return n


@njit(**HOT)
def _cover(parts, n_parts, open_, a, c):
    """Add the covered span [a, c] to the hit set's pieces: it extends the open piece (or the last one, once
    `parts` is full: the set's hull stays right) or starts a new one. Returns the new number of pieces."""
    if open_ or n_parts >= parts.shape[0]:
        parts[n_parts - 1, 1] = c
        return n_parts
    parts[n_parts, 0] = a
    parts[n_parts, 1] = c
    return n_parts + 1


@njit(**HOT)
def _add_point(px, py, sx, sy, sin_b, cos_b, cand, n):
    """Store the direction of P from S in the bearing's frame: cand[0] = across (clockwise +), cand[1] = along."""
    dx = px - sx
    dy = py - sy
    cand[0, n] = dx * cos_b - dy * sin_b
    cand[1, n] = dx * sin_b + dy * cos_b
    hold(cand)
    return n + 1


@njit(**NB)
def _arc_point(sx, sy, sin_b, cos_b, r, p):
    c, sn = _pseudo_vec(p)
    norm = math.sqrt(c * c + sn * sn)
    return sx + r * (sin_b * c + cos_b * sn) / norm, sy + r * (cos_b * c - sin_b * sn) / norm


@njit(**HOT)
def turn_hit_set(sx, sy, sin_b, cos_b, r1, r2, cx, cy, width, height, parts, cand):
    """Bullet headings whose segment from radius r1 to r2 touches the closed 36x36 box centred at
    (cx, cy) and whose end point survives the wall test, as intervals of *pseudo-angles* (see
    ``pseudo_angle``; convert with ``pseudo_to_angle``) relative to the bearing (sin_b, cos_b).

    Writes up to parts.shape[0] disjoint closed intervals into parts[k, 0:2] (ascending) and returns
    their count (0 when the front does not touch the box in this turn); `cand` is scratch space of
    shape (3, MAX_CAND). Exact: the interval ends are among the candidate directions (box corners inside
    the annulus, either circle crossing an edge of the box, the outer circle crossing a wall line
    x = 3, x = W-3, y = 3, y = H-3). When the outer circle keeps clear of the walls and the inner
    circle crosses the box at most twice, the set is connected and spanned by the candidates. When only
    the walls cut it (inner circle crossing at most twice), the span is split at the outer circle's wall
    crossings and each piece classified by the wall test of its middle direction; otherwise every gap
    between candidates is classified by testing its middle direction with the engine's own segment test.
    No trigonometry.
    """
    # Robocode's robot box is a Rectangle2D.Float: float32 low edges, 36 wide (as sim.engine.geometry._box_edge)
    x0 = float(np.float32(cx - HALF))
    x1 = x0 + 2.0 * HALF
    y0 = float(np.float32(cy - HALF))
    y1 = y0 + 2.0 * HALF
    # reach tests: nearest and farthest points of the box
    ddx = max(x0 - sx, 0.0, sx - x1)
    ddy = max(y0 - sy, 0.0, sy - y1)
    r1s = r1 * r1
    r2s = r2 * r2
    dmin2 = ddx * ddx + ddy * ddy
    if dmin2 > r2s:
        hold(parts, cand)
        return 0
    fx = max(abs(x0 - sx), abs(x1 - sx))
    fy = max(abs(y0 - sy), abs(y1 - sy))
    dmax2 = fx * fx + fy * fy
    if dmax2 < r1s:
        hold(parts, cand)
        return 0
    n = I64(0)
    for k in range(4):
        px = x0 if (k & 1) == 0 else x1
        py = y0 if (k & 2) == 0 else y1
        d2 = (px - sx) * (px - sx) + (py - sy) * (py - sy)
        if r1s <= d2 <= r2s:
            n = _add_point(px, py, sx, sy, sin_b, cos_b, cand, n)
    n_inner = 0
    for ci in range(2):
        rs = r1s if ci == 0 else r2s
        if rs < dmin2 or rs > dmax2:
            continue    # this circle misses the box (it passes inside its nearest point or beyond its farthest)
        for k in range(4):
            for sgn in (-1.0, 1.0):
                on_edge, px, py = circle_crosses_box_edge(sx, sy, rs, x0, y0, x1, y1, k, sgn)
                if on_edge:
                    n = _add_point(px, py, sx, sy, sin_b, cos_b, cand, n)
                    if ci == 0:
                        n_inner += 1
    if n == 0:
        hold(parts, cand)
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
        lo = pseudo_angle(cand[0, ilo], cand[1, ilo])
        hi = pseudo_angle(cand[0, ihi], cand[1, ihi])
    else:
        lo = pseudo_angle(cand[0, 0], cand[1, 0])
        hi = lo
        for k in range(1, n):
            q = pseudo_angle(cand[0, k], cand[1, k])
            lo = min(lo, q)
            hi = max(hi, q)
    wall_hi_x = width - WALL_MARGIN
    wall_hi_y = height - WALL_MARGIN
    seg = r2 - r1
    walls = not (x0 - seg > WALL_MARGIN and y0 - seg > WALL_MARGIN and x1 + seg < wall_hi_x and
                 y1 + seg < wall_hi_y)
    if walls:
        # does the outer circle's arc over [lo, hi] come near a wall? (its end points and axis extremes)
        ax0, ay0 = _arc_point(sx, sy, sin_b, cos_b, r2, lo)
        ax1, ay1 = _arc_point(sx, sy, sin_b, cos_b, r2, hi)
        mnx = min(ax0, ax1)
        mxx = max(ax0, ax1)
        mny = min(ay0, ay1)
        mxy = max(ay0, ay1)
        for q in range(4):
            # absolute direction q*90 degrees as a pseudo-angle from the bearing
            ux = 1.0 if q == 1 else (-1.0 if q == 3 else 0.0)
            uy = 1.0 if q == 0 else (-1.0 if q == 2 else 0.0)
            pq = pseudo_angle(ux * cos_b - uy * sin_b, ux * sin_b + uy * cos_b)
            if lo <= pq <= hi:
                if q == 0:
                    mxy = sy + r2
                elif q == 1:
                    mxx = sx + r2
                elif q == 2:
                    mny = sy - r2
                else:
                    mnx = sx - r2
        walls = not (mnx > WALL_MARGIN and mny > WALL_MARGIN and mxx < wall_hi_x and mxy < wall_hi_y)
    if not walls and n_inner <= 2:
        parts[0, 0] = lo
        parts[0, 1] = hi
        hold(parts, cand)
        return 1
    if ahead and n_inner <= 2:
        # the box's part of the annulus is connected (and ahead of the source): its directions are [lo, hi]
        # and only the wall test splits them, at the outer circle's crossings of the wall lines (each piece
        # classified by its middle direction)
        lo2 = pseudo_angle(cand[0, 0], cand[1, 0])
        hi2 = lo2
        for k in range(1, n):
            q = pseudo_angle(cand[0, k], cand[1, k])
            lo2 = min(lo2, q)
            hi2 = max(hi2, q)
        if hi2 == lo2:
            if _ray_hits(sx, sy, sin_b, cos_b, lo2, r1, r2, x0, y0, wall_hi_x, wall_hi_y):
                parts[0, 0] = lo2
                parts[0, 1] = lo2
                hold(parts, cand)
                return 1
            hold(parts, cand)
            return 0
        nw = _add_wall_crossings(sx, sy, sin_b, cos_b, r2s, lo, hi, wall_hi_x, wall_hi_y, cand, I64(0))
        _sort_row(cand, I64(2), nw)
        np_ = I64(0)
        open_ = np.bool_(False)
        a = lo2
        for k in range(nw + 1):
            c = cand[2, k] if k < nw else hi2
            if c <= a:
                continue
            inside = _end_inside(sx, sy, sin_b, cos_b, 0.5 * (a + c), r2, wall_hi_x, wall_hi_y)
            if inside:
                np_ = _cover(parts, np_, open_, a, c)
            open_ = inside
            a = c
        hold(parts, cand)
        return np_
    # exact classification between candidate directions
    for k in range(n):
        cand[2, k] = pseudo_angle(cand[0, k], cand[1, k])
    if walls:
        n = _add_wall_crossings(sx, sy, sin_b, cos_b, r2s, lo, hi, wall_hi_x, wall_hi_y, cand, n)
    _sort_row(cand, I64(2), n)
    np_ = I64(0)
    if cand[2, n - 1] == cand[2, 0]:
        if _ray_hits(sx, sy, sin_b, cos_b, cand[2, 0], r1, r2, x0, y0, wall_hi_x, wall_hi_y):
            parts[0, 0] = cand[2, 0]
            parts[0, 1] = cand[2, 0]
            hold(parts, cand)
            return 1
        hold(parts, cand)
        return 0
    open_ = np.bool_(False)
    for k in range(n - 1):
        a = cand[2, k]
        c = cand[2, k + 1]
        if c <= a:
            continue
        inside = _ray_hits(sx, sy, sin_b, cos_b, 0.5 * (a + c), r1, r2, x0, y0, wall_hi_x, wall_hi_y)
        if inside:
            np_ = _cover(parts, np_, open_, a, c)
        open_ = inside
    hold(parts, cand)
    return np_


@njit(**HOT)
def union_add(acc, n, lo, hi):
    """Add the closed interval [lo, hi] to the sorted disjoint intervals acc[:n]; returns the new count.
    Overlapping or touching intervals merge; past MAX rows the last interval absorbs the rest."""
    # one exit (no early return): numba's refcount pruning then removes acc's incref/decref pair
    # find the insertion point and merge
    k = 0
    while k < n and acc[k, 1] < lo:
        k += 1
    if k < n and acc[k, 0] <= hi:
        # overlaps acc[k] (and maybe more)
        if lo < acc[k, 0]:
            acc[k, 0] = lo
        if hi > acc[k, 1]:
            acc[k, 1] = hi
        # absorb followers
        j = k + 1
        while j < n and acc[j, 0] <= acc[k, 1]:
            if acc[j, 1] > acc[k, 1]:
                acc[k, 1] = acc[j, 1]
            j += 1
        removed = j - (k + 1)
        if removed > 0:
            for q in range(k + 1, n - removed):
                acc[q, 0] = acc[q + removed, 0]
                acc[q, 1] = acc[q + removed, 1]
            n -= removed
    elif n >= acc.shape[0]:
        # out of room: widen the nearest end instead of dropping the piece
        if k >= n:
            acc[n - 1, 1] = max(acc[n - 1, 1], hi)
        else:
            acc[k, 0] = min(acc[k, 0], lo)
    else:
        for q in range(n, k, -1):
            acc[q, 0] = acc[q - 1, 0]
            acc[q, 1] = acc[q - 1, 1]
        acc[k, 0] = lo
        acc[k, 1] = hi
        n += 1
    hold(acc)
    return n


def new_work():
    """Scratch buffers for track_wave: (acc, parts, cand)."""
    return np.empty((MAX_PARTS, 2)), np.empty((8, 2)), np.empty((3, MAX_CAND))


@njit(**HOT)
def track_wave(sx, sy, b, speed, fire_turn, cx, cy, alive, first, last, width, height, max_step, acc, parts,
               cand):
    """Follow one wave over a target path and collect its precise intersection.

    The target's box centre at the end of turn j is (cx[j], cy[j]) and alive[j] says whether a
    bullet could still hit it in turn j+1; the wave was fired in turn `fire_turn` (so the first
    box it meets is the one at j = fire_turn - 1) and the path is known for j in [first, last].
    Once alive[j] is false it must stay false (dead robots stay dead). `max_step` bounds how far the
    box centre moves in one turn (8 for a robot; 0 = unknown): with it the turns before the front
    can reach the box are skipped. `parts` (8, 2) and `cand` (MAX_CAND,) are scratch space (see
    new_work).

    Fills acc[:n] with the disjoint intervals of offsets (radians) that hit, ascending, and returns
    (n, status, center_offset, center_turn, j_end): status 0 = the wave passed the whole box,
    1 = the target died first, 2 = the path ended first; center_offset is the offset of the box
    centre at the first j whose front reaches it (radius (j - fire_turn + 2) * speed >= distance),
    NaN if never, and center_turn that j (-1 if never); j_end is the last j looked at.
    """
    hold(cx, cy, alive, acc, parts, cand)
    return track_wave_sc(sx, sy, math.sin(b), math.cos(b), speed, fire_turn, cx, cy, alive, first, last, width,
                         height, max_step, acc, parts, cand)


@njit(**HOT)
def track_wave_sc(sx, sy, sin_b, cos_b, speed, fire_turn, cx, cy, alive, first, last, width, height, max_step, acc,
                  parts, cand):
    """track_wave with the bearing given by its sine and cosine."""
    hold(cx, cy, alive, acc, parts, cand)
    return _track_wave_rows(sx, sy, sin_b, cos_b, speed, fire_turn, cx, cy, alive, I64(0), I64(0), first, last, width,
                            height, max_step, acc, parts, cand)


@njit(**HOT)
def _track_wave_rows(sx, sy, sin_b, cos_b, speed, fire_turn, cx, cy, alive, row, base, first, last, width, height,
                     max_step, acc, parts, cand):
    """track_wave_sc over the path cx[base + j], cy[base + j], alive[base + j] (1-d arrays) or
    cx[row, base + j], ... (2-d: a per-robot table, read without making a view); j as in track_wave_sc."""
    n = I64(0)
    status = 2
    c_off = math.nan
    c_turn = -1
    reach = BOX_REACH
    j = max(fire_turn - 1, first)
    if max_step > 0.0 and j <= last:
        # the front reaches radius (m + 1) * speed after m turns; the box comes at most max_step closer
        # per turn, so nothing can happen while (m + 1) * speed + m * max_step < distance - reach
        dx = _at(cx, row, base + j) - sx
        dy = _at(cy, row, base + j) - sy
        d0 = math.sqrt(dx * dx + dy * dy) - reach
        m_skip = int((d0 - speed) / (speed + max_step)) - 1
        if m_skip > 0:
            j = min(j + m_skip, last)
    while j <= last:
        # the front short of the box (its centre farther than the outer radius + reach): step on; a plain
        # scan (no bound to compute) whose iterations do not depend on each other
        short = True
        while True:
            if not _at(alive, row, base + j):
                status = 1
                break
            m = j - fire_turn + 1
            r2 = (m + 1) * speed
            dx = _at(cx, row, base + j) - sx
            dy = _at(cy, row, base + j) - sy
            d2 = dx * dx + dy * dy
            if d2 <= (r2 + reach) * (r2 + reach):
                short = False
                break
            j += 1
            if j > last:
                break
        if short:
            break
        r1 = m * speed
        x = _at(cx, row, base + j)
        y = _at(cy, row, base + j)
        if c_turn < 0 and d2 <= r2 * r2:
            c_turn = j
            c_off = math.atan2(dx * cos_b - dy * sin_b, dx * sin_b + dy * cos_b)
        fx = max(abs(dx - HALF), abs(dx + HALF))
        fy = max(abs(dy - HALF), abs(dy + HALF))
        if fx * fx + fy * fy < r1 * r1:
            status = 0
            break
        k = turn_hit_set(sx, sy, sin_b, cos_b, r1, r2, x, y, width, height, parts, cand)
        for q in range(k):
            n = union_add(acc, n, parts[q, 0], parts[q, 1])
        j += 1
    # the union was built in pseudo-angles (monotone): convert its ends to radians
    for q in range(n):
        acc[q, 0] = pseudo_to_angle(acc[q, 0])
        acc[q, 1] = pseudo_to_angle(acc[q, 1])
    hold(cx, cy, alive, acc, parts, cand)
    return n, status, c_off, c_turn, min(j, last)


# --------------------------------------------------------------------------- wave features (compiled)
# The definitions, ranges and documentation are in sim/waves/features.py (FEATURES) and docs/features.md; the
# kernel lives here so that bots can compute the same features online and numba's cache follows it.

STICK = 160.0       # walking-stick length for the stick features (BeepBoop's)
TIMER_CAP = 70.0    # timers are capped here before dividing by the flight time (BeepBoop's)
VIRTUALITY_CAP = 100.0

FEATURE_NAMES = ("distance", "bft", "velocity", "abs_velocity", "vel8", "accel", "lat_vel", "adv_vel",
                 "lat_dir", "move_dir", "adv_dir", "dir_change_time", "decel_time", "vchange_time",
                 "dir_change_rel", "decel_rel", "dist10", "dist20", "wall_ahead", "wall_reverse", "stick_ahead",
                 "stick_reverse", "wall_dist_ahead", "wall_dist_reverse", "virtuality", "virtuality_gun",
                 "power", "shots_fired", "turn", "energy", "shooter_energy")
N_BASE_FEAT = len(FEATURE_NAMES)    # the dataset schema 1 set, filled by wave_features
# dataset schema 2 adds these, filled by ext_features: predictions of where the target goes, each a GF
# of the wave (a short simulation per wave, so the gun computes them only for a model that uses them);
# schema 3 adds BeepBoop's mirror offset and the stick turns along the target's actual heading, filled by the same
# kernel, and its two per-wave flags of the anti-surfer model (FLAG_FEATURE_NAMES), which are not known at fire
# time: they are set later, when one of the shooter's real bullets fired within FLAG_TURNS turns of the wave hits
# the target or an enemy bullet (sim/waves/tracking.py wave_flags; the gun, bots/guns/wave_kernels.py)
SCHEMA2_FEATURE_NAMES = ("path_gf", "current_gf", "linear_gf", "circular_gf")
FLAG_FEATURE_NAMES = ("did_hit", "did_collide")
SCHEMA3_FEATURE_NAMES = ("mirror_offset", "stick_heading_ahead", "stick_heading_reverse") + FLAG_FEATURE_NAMES
EXT_FEATURE_NAMES = SCHEMA2_FEATURE_NAMES + SCHEMA3_FEATURE_NAMES
FEATURE_NAMES = FEATURE_NAMES + EXT_FEATURE_NAMES
N_FEAT = len(FEATURE_NAMES)
N_FIRE_FEAT = N_FEAT - len(FLAG_FEATURE_NAMES)   # the features known at fire time (the flags are the last columns)
FLAG_TURNS = 3      # a bullet's hit or collision flags the waves fired within this many turns of it (BeepBoop's)
(F_DISTANCE, F_BFT, F_VELOCITY, F_ABS_VELOCITY, F_VEL8, F_ACCEL, F_LAT_VEL, F_ADV_VEL, F_LAT_DIR, F_MOVE_DIR, F_ADV_DIR,
 F_DIR_CHANGE_TIME, F_DECEL_TIME, F_VCHANGE_TIME, F_DIR_CHANGE_REL, F_DECEL_REL, F_DIST10, F_DIST20, F_WALL_AHEAD,
 F_WALL_REVERSE, F_STICK_AHEAD, F_STICK_REVERSE, F_WALL_DIST_AHEAD, F_WALL_DIST_REVERSE, F_VIRTUALITY,
 F_VIRTUALITY_GUN, F_POWER, F_SHOTS_FIRED, F_TURN, F_ENERGY, F_SHOOTER_ENERGY, F_PATH_GF, F_CURRENT_GF, F_LINEAR_GF,
 F_CIRCULAR_GF, F_MIRROR_OFFSET, F_STICK_HEADING_AHEAD, F_STICK_HEADING_REVERSE, F_DID_HIT, F_DID_COLLIDE) = range(N_FEAT)
assert (F_DID_HIT, F_DID_COLLIDE) == (N_FIRE_FEAT, N_FIRE_FEAT + 1)

# counters from history_counters: move_dir, dir change, since-increase, since-decrease, velocity change
N_COUNTERS = 5
HC_MOVE_DIR, HC_DIR_CHANGE, HC_SINCE_INC, HC_SINCE_DEC, HC_VCHANGE = range(N_COUNTERS)


@njit(**NB)
def history_counters(vel, round_start, out):
    """Per-turn counters for one robot: vel (N,) velocities at the end of each recorded turn, rounds
    starting at round_start[r] (round_start[-1] = N). Fills out (N, N_COUNTERS)."""
    n_rounds = round_start.shape[0] - 1
    for r in range(n_rounds):
        for j in range(round_start[r], round_start[r + 1]):
            counters_step(vel, round_start[r], j, out)


@njit(**NB)
def counters_step(vel, j0, j, out):
    """Fill out[j] from out[j - 1] and vel[j - 1], vel[j] (j0 = the round's first row): the recurrence
    of history_counters, one turn at a time, so that a bot can keep the counters as it goes."""
    v = vel[j]
    if j == j0:
        out[j, HC_MOVE_DIR] = -1.0 if v < 0.0 else 1.0
        out[j, HC_DIR_CHANGE] = 0.0
        out[j, HC_SINCE_INC] = 0.0
        out[j, HC_SINCE_DEC] = 0.0
        out[j, HC_VCHANGE] = 0.0
        return
    vp = vel[j - 1]
    md = out[j - 1, HC_MOVE_DIR]
    dc = out[j - 1, HC_DIR_CHANGE] + 1.0
    if v != 0.0:
        s = 1.0 if v > 0.0 else -1.0
        if s != md:
            dc = 0.0
            md = s
    out[j, HC_MOVE_DIR] = md
    out[j, HC_DIR_CHANGE] = dc
    out[j, HC_SINCE_INC] = 0.0 if v > vp else out[j - 1, HC_SINCE_INC] + 1.0
    out[j, HC_SINCE_DEC] = 0.0 if v < vp else out[j - 1, HC_SINCE_DEC] + 1.0
    out[j, HC_VCHANGE] = 0.0 if abs(v - vp) > 0.01 else out[j - 1, HC_VCHANGE] + 1.0


@njit(**NB)
def wall_distance(x, y, heading, width, height):
    """Distance from (x, y) along `heading` to the edge of [18, W-18] x [18, H-18] (0 if outside)."""
    return _wall_distance_u(x, y, math.sin(heading), math.cos(heading), width, height)


@njit(**NB)
def _wall_distance_u(x, y, ux, uy, width, height):
    d = math.inf
    if ux > 1e-12:
        d = min(d, (width - HALF - x) / ux)
    elif ux < -1e-12:
        d = min(d, (HALF - x) / ux)
    if uy > 1e-12:
        d = min(d, (height - HALF - y) / uy)
    elif uy < -1e-12:
        d = min(d, (HALF - y) / uy)
    return max(0.0, d)


@njit(**HOT)
def wave_features(x, y, heading, vel, energy, counters, j0, j, sx, sy, bearing, lat_dir, speed, power, mea,
                  mea_pos, mea_neg, virtuality, virtuality_gun, shots_fired, turn, shooter_energy, width, height,
                  out):
    """Fill out[0:N_BASE_FEAT] (the schema-1 set; ext_features computes the rest) for the target whose per-turn
    history is x, y, heading, vel, energy (index j is the fire-time state, j0 its round's first row), seen from
    source (sx, sy) at absolute `bearing`."""
    f = _wave_features_rows(x, y, heading, vel, energy, counters, I64(0), j0, j, sx, sy, bearing, lat_dir, speed, power,
                            mea, mea_pos, mea_neg, virtuality, virtuality_gun, shots_fired, turn, shooter_energy,
                            width, height)
    _store_features(out, f)
    hold(x, y, heading, vel, energy, counters, out)


@njit(**HOT)
def _store_features(out, f):
    """out[0:N_BASE_FEAT] = the tuple f (straight-line code: a loop here would keep numba's refcounts)."""
    out[0] = f[0]
    out[1] = f[1]
    out[2] = f[2]
    out[3] = f[3]
    out[4] = f[4]
    out[5] = f[5]
    out[6] = f[6]
    out[7] = f[7]
    out[8] = f[8]
    out[9] = f[9]
    out[10] = f[10]
    out[11] = f[11]
    out[12] = f[12]
    out[13] = f[13]
    out[14] = f[14]
    out[15] = f[15]
    out[16] = f[16]
    out[17] = f[17]
    out[18] = f[18]
    out[19] = f[19]
    out[20] = f[20]
    out[21] = f[21]
    out[22] = f[22]
    out[23] = f[23]
    out[24] = f[24]
    out[25] = f[25]
    out[26] = f[26]
    out[27] = f[27]
    out[28] = f[28]
    out[29] = f[29]
    out[30] = f[30]
    hold(out)


@njit(**HOT)
def _wave_features_rows(x, y, heading, vel, energy, counters, row, j0, j, sx, sy, bearing, lat_dir, speed, power, mea,
                        mea_pos, mea_neg, virtuality, virtuality_gun, shots_fired, turn, shooter_energy, width,
                        height):
    """wave_features as a tuple (FEATURE_NAMES order), the history arrays being 1-d (row ignored) or
    per-robot tables read at row `row` (x[row, j], counters[row, j, k]) without making views."""
    tx = _at(x, row, j)
    ty = _at(y, row, j)
    dx = tx - sx
    dy = ty - sy
    dist = math.sqrt(dx * dx + dy * dy)
    # direction of the bearing and the orbit (bearing +- 90 degrees) without more trigonometry
    sin_b = dx / dist if dist > 0.0 else math.sin(bearing)
    cos_b = dy / dist if dist > 0.0 else math.cos(bearing)
    h = _at(heading, row, j)
    hold(x, y, heading, vel, energy, counters)
    return _features_rows_at(x, y, vel, energy, counters, row, j0, j, math.sin(h), math.cos(h), dist, sin_b, cos_b,
                             lat_dir, speed, power, mea, mea_pos, mea_neg, virtuality, virtuality_gun, shots_fired,
                             turn, shooter_energy, width, height)


@njit(**HOT)
def _features_rows_at(x, y, vel, energy, counters, row, j0, j, sh, ch, dist, sin_b, cos_b, lat_dir, speed, power, mea,
                      mea_pos, mea_neg, virtuality, virtuality_gun, shots_fired, turn, shooter_energy, width, height):
    """_wave_features_rows given the target heading's sine and cosine and the wave's distance, sine and
    cosine of the bearing (as _wave_features_rows computes them)."""
    v = _at(vel, row, j)
    vp = _at(vel, row, j - 1) if j > j0 else v
    k10 = max(j - 10, j0)
    k20 = max(j - 20, j0)
    hold(x, y, vel, energy, counters)
    return _features_of(_at(x, row, j), _at(y, row, j), sh, ch, v, vp, _at(x, row, k10), _at(y, row, k10),
                        _at(x, row, k20), _at(y, row, k20), _counter(counters, row, j, HC_MOVE_DIR),
                        _counter(counters, row, j, HC_DIR_CHANGE), _counter(counters, row, j, HC_SINCE_INC),
                        _counter(counters, row, j, HC_SINCE_DEC), _counter(counters, row, j, HC_VCHANGE),
                        _at(energy, row, j), dist, sin_b, cos_b, lat_dir, speed, power, mea, mea_pos, mea_neg,
                        virtuality, virtuality_gun, shots_fired, turn, shooter_energy, width, height)


def _counter(c, row, j, k):
    return c[j, k] if c.ndim == 2 else c[row, j, k]


@overload(_counter, inline="always")
def _counter_impl(c, row, j, k):
    if c.ndim == 2:
        return lambda c, row, j, k: c[j, k]
    return lambda c, row, j, k: c[row, j, k]


@njit(**HOT)
def _features_of(tx, ty, sh, ch, v, vp, x10, y10, x20, y20, md, dct, since_inc, since_dec, vchange, energy, dist, sin_b,
                 cos_b, lat_dir, speed, power, mea, mea_pos, mea_neg, virtuality, virtuality_gun, shots_fired, turn,
                 shooter_energy, width, height):
    """The features from scalars: the target at (tx, ty) with heading h (sh, ch = sin h, cos h) and
    velocity v (vp the turn before), its positions 10 and 20 turns earlier, its history counters, and
    the wave's geometry (distance, sine and cosine of the bearing)."""
    bft = dist / speed
    acc = abs(v - vp)
    sin_rel = max(-1.0, min(1.0, sh * cos_b - ch * sin_b))      # sin(h - bearing)
    cos_rel = max(-1.0, min(1.0, ch * cos_b + sh * sin_b))
    dt = since_dec if md > 0.0 else since_inc
    # orbit heading bearing + lat_dir * 90deg: direction lat_dir * (cos b, -sin b)
    ax = lat_dir * cos_b
    ay = -lat_dir * sin_b
    stick_a, stick_r = stick_turns(tx, ty, ax, ay, STICK, HALF, width, height)
    vel8 = 1.0 if abs(v) >= 8.0 - 1e-9 else 0.0
    accel = -acc if abs(v) < abs(vp) else acc
    dir_change_rel = min(dct, TIMER_CAP) / bft if bft > 0.0 else TIMER_CAP
    decel_rel = min(dt, TIMER_CAP) / bft if bft > 0.0 else TIMER_CAP
    return (float(dist),                                                    # F_DISTANCE
            float(bft),                                                     # F_BFT
            float(v),                                                       # F_VELOCITY
            float(abs(v)),                                                  # F_ABS_VELOCITY
            float(vel8),                    # F_VEL8
            float(accel),                       # F_ACCEL
            float(v * sin_rel),                                             # F_LAT_VEL
            float(-v * cos_rel),                                            # F_ADV_VEL
            float(lat_dir),                                                 # F_LAT_DIR
            float(md),                                                      # F_MOVE_DIR
            float(-md * cos_rel),                                           # F_ADV_DIR
            float(dct),                                                     # F_DIR_CHANGE_TIME
            float(dt),                                                      # F_DECEL_TIME
            float(vchange),                                                 # F_VCHANGE_TIME
            float(dir_change_rel),   # F_DIR_CHANGE_REL
            float(decel_rel),    # F_DECEL_REL
            float(math.sqrt((tx - x10) ** 2 + (ty - y10) ** 2)),            # F_DIST10
            float(math.sqrt((tx - x20) ** 2 + (ty - y20) ** 2)),            # F_DIST20
            float(mea_pos / mea),                                           # F_WALL_AHEAD
            float(mea_neg / mea),                                           # F_WALL_REVERSE
            float(stick_a),                                                 # F_STICK_AHEAD
            float(stick_r),                                                 # F_STICK_REVERSE
            float(_wall_distance_u(tx, ty, ax, ay, width, height)),         # F_WALL_DIST_AHEAD
            float(_wall_distance_u(tx, ty, -ax, -ay, width, height)),       # F_WALL_DIST_REVERSE
            float(virtuality),                                              # F_VIRTUALITY
            float(virtuality_gun),                                          # F_VIRTUALITY_GUN
            float(power),                                                   # F_POWER
            float(shots_fired),                                             # F_SHOTS_FIRED
            float(turn),                                                    # F_TURN
            float(energy),                                                  # F_ENERGY
            float(shooter_energy))                                          # F_SHOOTER_ENERGY


# --------------------------------------------------------------------------- extended features (schema 2)

@njit(**NB)
def heading_change(heading, vel, row, j0, j):
    """The target's heading change over its last turn (radians, clockwise positive), 0 in a round's first
    row, clamped to Robocode's turn rate at its speed (physics.turn_rate): circular targeting's rate."""
    if j <= j0:
        return 0.0
    w = rel_angle(_at(heading, row, j) - _at(heading, row, j - 1))
    limit = max_turn_rate(_at(vel, row, j), MAX_TURN_RATE_RADIANS)
    return max(-limit, min(limit, w))


@njit(**NB)
def predicted_gf(sx, sy, sin_b, cos_b, tx, ty, h, v, w, speed, lat_dir, mea, width, height):
    """GF (not clipped) of where a target at (tx, ty) with heading h, velocity v and turn rate w meets the wave
    from (sx, sy) (bearing sine and cosine given) if it keeps turning and moving at that rate: w = 0 is linear
    targeting, w = the last turn's rate circular. Robocode order per turn (turn, then move); a wall stops it
    (its centre is clamped to [18, W-18] x [18, H-18]). Timing as mea_drive: m turns after the fire state the
    wave has reached radius (m + 1) * speed.

    Bit for bit the straightforward loop: with w = 0 the heading after the first turn, h + w, no longer changes
    (h + w + w == h + w, also for signed zeros), so its sine and cosine are taken once; a stopped target stays
    where it is, so the loop ends there (the result is its offset whenever the wave arrives)."""
    x = tx
    y = ty
    straight = w == 0.0
    sh = 0.0
    ch = 0.0
    if straight:
        h += w
        sh = math.sin(h)
        ch = math.cos(h)
    for m in range(1, 500):
        if v == 0.0:
            break
        if straight:
            x += v * sh
            y += v * ch
        else:
            h += w
            x += v * math.sin(h)
            y += v * math.cos(h)
        if x < HALF or x > width - HALF or y < HALF or y > height - HALF:
            x = min(max(x, HALF), width - HALF)
            y = min(max(y, HALF), height - HALF)
            v = 0.0
        dx = x - sx
        dy = y - sy
        if (m + 1) * speed >= math.sqrt(dx * dx + dy * dy):
            break
    return offset_of(sx, sy, x, y, sin_b, cos_b) * lat_dir / mea


@njit(**NB)
def mirror_offset(sx, sy, sin_b, cos_b, lat_dir, width, height):
    """BeepBoop's mirror offset: the angle from the wave's source (the shooter where it fires) to the field's
    centre minus the direct bearing to the target (sine and cosine given), in (-pi, pi], times the lateral
    direction. Positive: the open field lies on the side the target is orbiting towards."""
    return offset_of(sx, sy, 0.5 * width, 0.5 * height, sin_b, cos_b) * lat_dir


@njit(**NB)
def ext_features(x, y, heading, vel, row, j0, j, move_dir, sx, sy, sin_b, cos_b, lat_dir, speed, mea, prev_sx, prev_sy,
                 prev_sin, prev_cos, prev_mea, width, height):
    """(path_gf, current_gf, linear_gf, circular_gf, mirror_offset, stick_heading_ahead, stick_heading_reverse) of a
    wave (docs/features.md): the one compiled home of the schema-2 and schema-3 fire-time features, called by the
    dataset (sim/waves/tracking.py) and by the gun in battle (bots/guns/wave_kernels.py). The target's history is
    x, y, heading, vel (1-d, or per-robot tables read at `row`), j its fire-time state, j0 its round's first row and
    move_dir its move direction then (the history counter HC_MOVE_DIR); the wave leaves (sx, sy) with the given
    bearing sine and cosine, lateral direction, bullet speed and classic MEA. prev_*: the shooter's previous real
    wave in the round (source, bearing sine and cosine, classic MEA; prev_mea = 0 when there is none).

    * path_gf: mea_drive on the lateral side / MEA -- the GF a target driving on perpendicular at full speed
      with walking-stick wall smoothing (STICK px) reaches while the wave is in flight;
    * current_gf: the target's offset now from the previous real wave's direct bearing, in that wave's MEA,
      signed by this wave's lateral direction (0 without a previous real wave): where it sits on the last
      bullet's guess-factor scale;
    * linear_gf / circular_gf: predicted_gf with turn rate 0 / the last turn's rate (turn_rate);
    * mirror_offset (schema 3): see mirror_offset;
    * stick_heading_ahead / _reverse (schema 3): stick_turns along the direction the target drives (its heading,
      reversed when move_dir < 0) instead of the orbit: BeepBoop's stick-wall features along the actual heading."""
    tx = _at(x, row, j)
    ty = _at(y, row, j)
    h = _at(heading, row, j)
    v = _at(vel, row, j)
    path = mea_drive(sx, sy, tx, ty, h, v, speed, lat_dir, width, height, STICK) / mea
    current = 0.0
    if prev_mea > 0.0:
        current = offset_of(prev_sx, prev_sy, tx, ty, prev_sin, prev_cos) * lat_dir / prev_mea
    lin = predicted_gf(sx, sy, sin_b, cos_b, tx, ty, h, v, 0.0, speed, lat_dir, mea, width, height)
    w = heading_change(heading, vel, row, j0, j)
    circ = lin
    # a target that did not turn: circular targeting is linear, bit for bit (h + w == h + 0.0 unless h is -0.0)
    if w != 0.0 or (h == 0.0 and math.copysign(1.0, h) < 0.0):
        circ = predicted_gf(sx, sy, sin_b, cos_b, tx, ty, h, v, w, speed, lat_dir, mea, width, height)
    mirror = mirror_offset(sx, sy, sin_b, cos_b, lat_dir, width, height)
    drive = -1.0 if move_dir < 0.0 else 1.0
    stick_a, stick_r = stick_turns(tx, ty, drive * math.sin(h), drive * math.cos(h), STICK, HALF, width, height)
    hold(x, y, heading, vel)
    return path, current, lin, circ, mirror, stick_a, stick_r


@njit(cache=True, error_model="numpy")
def best_heading(lo, hi):
    """The point covered by the most of the closed intervals [lo[k], hi[k]] (pieces of one future are
    disjoint, so a count of pieces is a count of futures): (count, point), the point in the middle of the
    first segment of maximal count. A sweep over the sorted ends (compiled: it runs once per situation
    and half)."""
    k = lo.shape[0]
    if k == 0:
        return 0, math.nan
    starts = np.sort(lo)
    ends = np.sort(hi)
    i = 0
    j = 0
    c = 0
    best = 0
    at = math.nan
    while i < k:
        if starts[i] <= ends[j]:          # closed intervals: a start at an end's place counts first
            c += 1
            if c > best:
                best = c
                seg_hi = ends[j]
                if i + 1 < k and starts[i + 1] < seg_hi:
                    seg_hi = starts[i + 1]
                at = 0.5 * (starts[i] + seg_hi)
            i += 1
        else:
            c -= 1
            j += 1
    return best, at
