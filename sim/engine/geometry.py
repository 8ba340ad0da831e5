"""Angles and intersection tests exactly as Robocode computes them.

Robocode relies on java.awt.geom (Rectangle2D.intersectsLine, intersects,
contains) and robocode.util.Utils; edge cases (touching boxes, a bullet that
grazes a corner) decide hits, so these are faithful ports of the Java
semantics rather than textbook versions. Java's % on doubles is C fmod.
"""
import math

import numpy as np

from numba import njit, types
from numba.extending import intrinsic
from numba.np.arrayobj import make_array, populate_array

from sim.engine import jmath, jtrig
from sim.engine.constants import NEAR_DELTA, HALF_ROBOT, ROBOT_SIZE

TWO_PI = 2.0 * math.pi
HALF_PI = math.pi / 2.0
THREE_PI_OVER_TWO = 3.0 * math.pi / 2.0

# Called from every turn of the engine and from bot code: LLVM-inlined into the caller (a call with
# array arguments would cost an atomic NRT incref/decref per array). forceinline is set explicitly so
# that it is never inherited by, or from, other functions.
NB = dict(cache=True, error_model="numpy", forceinline=True)


@intrinsic
def hold(typingctx, *arrays):
    """Keep array arguments alive up to this point; compiles to nothing.

    numba increfs every array argument on entry and decrefs it right after its
    last use, so a function with branches or early returns releases its arrays
    in several places; LLVM then merges those decrefs and numba's refcount
    pruning can no longer pair them with the entry increfs, leaving two atomic
    operations per array per call. Calling ``hold(...)`` with all of a hot
    function's array arguments just before each ``return`` (and at the end)
    puts every release in the exit block, where the pairs are pruned.
    (An intrinsic rather than a function: nothing to compile per argument list.)
    """
    def codegen(context, builder, signature, args):
        return context.get_dummy_value()

    return types.none(types.StarArgTuple.from_types(arrays)), codegen


@intrinsic
def borrowed(typingctx, arr):
    """A view of array `arr` that holds no reference to its memory (NRT meminfo NULL).

    Bot code hands its rows down through many compiled calls, and numba increfs and
    decrefs every array argument of a call with an atomic instruction; on a view
    without meminfo these are a null test instead (removed at compile time where the
    view is made). Rows taken from a borrowed array (``b[i]``) are borrowed too.
    Only for arrays that outlive every use of the view: the engine lends its state
    arrays to bot code for the duration of one play_rounds_nb call.
    """
    if not isinstance(arr, types.Array):
        return None

    def codegen(context, builder, sig, args):
        a = make_array(sig.args[0])(context, builder, args[0])
        view = make_array(sig.return_type)(context, builder)
        populate_array(view, data=a.data, shape=a.shape, strides=a.strides, itemsize=a.itemsize, meminfo=None)
        return view._getvalue()

    return arr(arr), codegen


@njit(**NB)
def fmod_two_pi(a):
    """Java's `a % (2 * PI)` (C fmod), with an exact fast path for the usual range.

    For 2pi <= a < 4pi, a - 2pi is exact (Sterbenz) and is fmod's result, bit for bit; likewise a + 2pi for
    -4pi < a < -2pi. The ends stay with fmod: -2pi % 2pi is -0.0 and 4pi % 2pi is 0 (a +- 2pi would give +0.0
    and 2pi). np.fmod is a libm call that dominated the turn's cost.
    """
    if -TWO_PI < a < TWO_PI:
        return a
    if TWO_PI <= a < 2.0 * TWO_PI:
        return a - TWO_PI
    if -2.0 * TWO_PI < a < -TWO_PI:
        return a + TWO_PI
    return np.fmod(a, TWO_PI)


@njit(**NB)
def normal_absolute_angle(a):
    a = fmod_two_pi(a)
    return a if a >= 0.0 else a + TWO_PI


@njit(**NB)
def normal_relative_angle(a):
    a = fmod_two_pi(a)
    if a >= 0.0:
        return a if a < math.pi else a - TWO_PI
    return a if a >= -math.pi else a + TWO_PI


@njit(**NB)
def is_near(a, b):
    return abs(a - b) < NEAR_DELTA


@njit(**NB)
def normal_near_absolute_angle(a):
    a = fmod_two_pi(a)
    if a < 0.0:
        a += TWO_PI
    if is_near(a, math.pi):
        return math.pi
    if a < math.pi:
        if is_near(a, 0.0):
            return 0.0
        if is_near(a, HALF_PI):
            return HALF_PI
    else:
        if is_near(a, THREE_PI_OVER_TWO):
            return THREE_PI_OVER_TWO
        if is_near(a, TWO_PI):
            return 0.0
    return a


@njit(**NB)
def _outcode(rx, ry, rw, rh, x, y):
    out = 0
    if rw <= 0.0:
        out |= 1 | 4
    elif x < rx:
        out |= 1
    elif x > rx + rw:
        out |= 4
    if rh <= 0.0:
        out |= 2 | 8
    elif y < ry:
        out |= 2
    elif y > ry + rh:
        out |= 8
    return out


@njit(**NB)
def _box_edge(c):
    """A robot box's low edge: Robocode keeps boxes as Rectangle2D.Float (BoundingRectangle)."""
    return float(np.float32(c - HALF_ROBOT))


@njit(**NB)
def rect_intersects_line(rx, ry, rw, rh, x1, y1, x2, y2):
    """java.awt.geom.Rectangle2D.intersectsLine (closed rectangle)."""
    out2 = _outcode(rx, ry, rw, rh, x2, y2)
    if out2 == 0:
        return True
    while True:
        out1 = _outcode(rx, ry, rw, rh, x1, y1)
        if out1 == 0:
            return True
        if (out1 & out2) != 0:
            return False
        if (out1 & (1 | 4)) != 0:
            x = rx
            if (out1 & 4) != 0:
                x += rw
            y1 = y1 + (x - x1) * (y2 - y1) / (x2 - x1)
            x1 = x
        else:
            y = ry
            if (out1 & 8) != 0:
                y += rh
            x1 = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            y1 = y


@njit(**NB)
def robot_box_intersects_line(cx, cy, x1, y1, x2, y2):
    return rect_intersects_line(_box_edge(cx), _box_edge(cy), ROBOT_SIZE, ROBOT_SIZE, x1, y1, x2, y2)


@njit(**NB)
def robot_boxes_intersect(ax, ay, bx, by):
    """Rectangle2D.intersects for two 36x36 boxes (open: touching is not a hit)."""
    x0 = _box_edge(bx)
    y0 = _box_edge(by)
    x = _box_edge(ax)
    y = _box_edge(ay)
    return x + ROBOT_SIZE > x0 and y + ROBOT_SIZE > y0 and x < x0 + ROBOT_SIZE and y < y0 + ROBOT_SIZE


@njit(**NB)
def robot_box_contains(cx, cy, x, y):
    """Rectangle2D.contains: closed on the low edges, open on the high ones."""
    x0 = _box_edge(cx)
    y0 = _box_edge(cy)
    return x >= x0 and y >= y0 and x < x0 + ROBOT_SIZE and y < y0 + ROBOT_SIZE


@njit(**NB)
def segments_intersect(x1, y1, x2, y2, x3, y3, x4, y4):
    """BulletPeer.intersect: parametric test; parallel segments never intersect."""
    dx13 = x1 - x3
    dx21 = x2 - x1
    dx43 = x4 - x3
    dy13 = y1 - y3
    dy21 = y2 - y1
    dy43 = y4 - y3
    dn = dy43 * dx21 - dx43 * dy21
    ua = (dx43 * dy13 - dy43 * dx13) / dn
    ub = (dx21 * dy13 - dy21 * dx13) / dn
    return (ua >= 0.0 and ua <= 1.0) and (ub >= 0.0 and ub <= 1.0)


@njit(**NB)
def _in_sweep(cx, cy, px, py, start, extent):
    rel = normal_relative_angle(jmath.atan2(px - cx, py - cy) - start)
    if extent > 0.0:
        return rel >= 0.0 and rel <= extent
    return rel <= 0.0 and rel >= extent


# |sin| of the angle to a ray below which _in_sweep_rays leaves the decision to atan2: far above the
# rounding error of either test (~1e-15 rad), so both always agree where the fast test decides
SWEEP_MARGIN = 1e-12


@njit(**NB)
def _in_sweep_rays(cx, cy, px, py, start, extent, s0, c0, s1, c1):
    """_in_sweep, deciding without atan2 when the point is clearly on one side of a sweep ray.

    (s0, c0) and (s1, c1) are sin/cos of the start and end headings. dx*c - dy*s is |d| times the
    sine of the clockwise angle from the ray to the point; only when both signs are unambiguous (by
    SWEEP_MARGIN) is the answer taken from them, otherwise _in_sweep computes it, so the result is
    always _in_sweep's. |extent| <= pi (performScan normalises it).
    """
    dx = px - cx
    dy = py - cy
    tol = SWEEP_MARGIN * (abs(dx) + abs(dy))
    cs = dx * c0 - dy * s0
    ce = dx * c1 - dy * s1
    if extent > 0.0:
        if cs < -tol or ce > tol:  # counter-clockwise of the start ray, or clockwise past the end ray
            return False
        if cs > tol and ce < -tol:
            return True
    else:
        if cs > tol or ce < -tol:
            return False
        if cs < -tol and ce > tol:
            return True
    return _in_sweep(cx, cy, px, py, start, extent)


# distance (in pixels) by which every corner of a box must be beyond one of the sweep's ray lines for
# _sweep_clear_of_box to decide: far above the rounding error of any test in scan_hits_box_rays (~1e-12)
SWEEP_CLEAR = 1e-6


@njit(**NB)
def _sweep_clear_of_box(cx, cy, extent, bx, by, s0, c0, s1, c1):
    """True when the box lies wholly on the far side of the start ray's line or of the end ray's line
    (by SWEEP_CLEAR), so that scan_hits_box_rays cannot find a hit (with extent 0, a box wholly on
    either side of the start ray's line, which is all it tests then): for 0 < |extent| <= pi the pie is
    the intersection of the two closed half-planes on the near sides, which holds both rays, and a box
    (convex) beyond either line misses them and the arc. Every test of scan_hits_box_rays would say
    so: its corner and arc-point tests compute these very cross products (_in_sweep_rays returns
    False on them), and its line tests cannot cross a gap of SWEEP_CLEAR. Saves the two line
    intersections and the corner tests for most scans of a robot away from the sweep."""
    x0 = _box_edge(bx)
    y0 = _box_edge(by)
    dxa = x0 - cx
    dxb = (x0 + ROBOT_SIZE) - cx
    dya = y0 - cy
    dyb = (y0 + ROBOT_SIZE) - cy
    # dx * c - dy * s at the four corners, as _in_sweep_rays computes it: the sine of the clockwise angle
    # from the ray to the corner, times the corner's distance
    s_aa = dxa * c0 - dya * s0
    s_ba = dxb * c0 - dya * s0
    s_ab = dxa * c0 - dyb * s0
    s_bb = dxb * c0 - dyb * s0
    if extent == 0.0:  # the start ray alone: a box wholly on either side of its line
        return (max(max(s_aa, s_ba), max(s_ab, s_bb)) < -SWEEP_CLEAR or
                min(min(s_aa, s_ba), min(s_ab, s_bb)) > SWEEP_CLEAR)
    e_aa = dxa * c1 - dya * s1
    e_ba = dxb * c1 - dya * s1
    e_ab = dxa * c1 - dyb * s1
    e_bb = dxb * c1 - dyb * s1
    if extent > 0.0:   # the pie: cs >= 0 and ce <= 0
        if max(max(s_aa, s_ba), max(s_ab, s_bb)) < -SWEEP_CLEAR:
            return True
        return min(min(e_aa, e_ba), min(e_ab, e_bb)) > SWEEP_CLEAR
    # extent < 0: cs <= 0 and ce >= 0
    if min(min(s_aa, s_ba), min(s_ab, s_bb)) > SWEEP_CLEAR:
        return True
    return max(max(e_aa, e_ba), max(e_ab, e_bb)) < -SWEEP_CLEAR


@njit(**NB)
def scan_hits_box(cx, cy, start, extent, radius, bx, by):
    """Does the radar sweep (pie from heading `start`, signed `extent`) touch the box at (bx, by)?

    Robocode tests the start ray with Rectangle2D.intersectsLine and then
    Arc2D.intersects for the pie; this is the same set computed directly in
    Robocode's coordinates (heading 0 = +y, clockwise).
    """
    end = start + extent
    return scan_hits_box_rays(cx, cy, start, extent, radius, bx, by, jtrig.sin(start), jtrig.cos(start),
                              jtrig.sin(end), jtrig.cos(end))


@njit(**NB)
def scan_hits_box_rays(cx, cy, start, extent, radius, bx, by, s0, c0, s1, c1):
    """scan_hits_box given sin/cos of the start heading (s0, c0) and of start + extent (s1, c1),
    which the engine computes once per scan for every robot it tests (and reuses across turns)."""
    if -math.pi <= extent <= math.pi and _sweep_clear_of_box(cx, cy, extent, bx, by, s0, c0, s1, c1):
        return False
    sx = cx + radius * s0
    sy = cy + radius * c0
    if robot_box_intersects_line(bx, by, cx, cy, sx, sy):
        return True
    if extent == 0.0:
        return False
    ex = cx + radius * s1
    ey = cy + radius * c1
    if robot_box_intersects_line(bx, by, cx, cy, ex, ey):
        return True
    r2 = radius * radius
    x0 = _box_edge(bx)
    y0 = _box_edge(by)
    x1 = x0 + ROBOT_SIZE
    y1 = y0 + ROBOT_SIZE
    # a corner strictly inside the pie
    arc_clear = True
    for k in range(4):
        px = x0 if (k & 1) == 0 else x1
        py = y0 if (k & 2) == 0 else y1
        dx = px - cx
        dy = py - cy
        d2 = dx * dx + dy * dy
        if d2 >= r2 - 1.0:
            arc_clear = False
        if d2 < r2 and _in_sweep_rays(cx, cy, px, py, start, extent, s0, c0, s1, c1):
            return True
    if arc_clear:
        # every corner is inside the circle by a clear margin: the arc crosses the lines of the box's
        # edges at least 1/(2 radius) beyond the corners, so the edge test below finds nothing
        return False
    # the arc crossing an edge of the box
    for k in range(4):
        for sgn in (-1.0, 1.0):
            on_edge, px, py = circle_crosses_box_edge(cx, cy, r2, x0, y0, x1, y1, k, sgn)
            if on_edge and _in_sweep_rays(cx, cy, px, py, start, extent, s0, c0, s1, c1):
                return True
    return False


@njit(**NB)
def circle_crosses_box_edge(cx, cy, r2, x0, y0, x1, y1, k, sgn):
    """Where the circle about (cx, cy) of squared radius `r2` crosses the line of the box's edge `k`
    (0: x = x0, 1: x = x1, 2: y = y0, 3: y = y1) on side `sgn` (-1 or +1 along that line), and whether
    that point lies on the edge itself: (on_edge, px, py). The one home of this crossing, used by the
    radar's arc test here and by the waves' exact hit intervals (sim/waves/gf.py)."""
    vertical = k < 2
    c = (x0 if k == 0 else x1) if vertical else (y0 if k == 2 else y1)
    d = (c - cx) if vertical else (c - cy)
    h2 = r2 - d * d
    if h2 < 0.0:
        return False, 0.0, 0.0
    h = math.sqrt(h2)
    if vertical:
        py = cy + sgn * h
        return y0 <= py <= y1, c, py
    px = cx + sgn * h
    return x0 <= px <= x1, px, c
