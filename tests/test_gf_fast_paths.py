"""The fast paths of the schema-2 feature kernels (sim/waves/gf.py: mea_drive, smoothed_heading, predicted_gf,
rel_angle without fmod inside (-4 pi, 4 pi), ext_features) give bit for bit what the straightforward code they replaced gives, on many random
states, above all near walls and corners where the walking stick works."""
import math

import numpy as np
from numba import njit

from sim.engine.constants import MAX_TURN_RATE_RADIANS, MAX_VELOCITY
from sim.engine.physics import new_velocity, turn_rate
from sim.waves import gf

# --------------------------------------------------------------------------- the straightforward code


@njit(cache=False)
def _rel_angle_reference(a):
    a = np.fmod(a, 2.0 * math.pi)
    if a >= math.pi:
        return a - 2.0 * math.pi
    if a < -math.pi:
        return a + 2.0 * math.pi
    return a


@njit(cache=False)
def _smoothed_heading_reference(x, y, goal, stick, margin, width, height, prefer):
    cw = gf.stick_rotation(x, y, goal, stick, margin, 1.0, width, height)
    ccw = gf.stick_rotation(x, y, goal, stick, margin, -1.0, width, height)
    if cw < ccw or (cw == ccw and prefer > 0.0):
        return goal + cw
    return goal - ccw


@njit(cache=False)
def _mea_drive_reference(sx, sy, tx, ty, heading, velocity, speed, side, width, height, stick):
    b0 = math.atan2(tx - sx, ty - sy)
    sin_b = math.sin(b0)
    cos_b = math.cos(b0)
    x = tx
    y = ty
    h = heading
    v = velocity
    best = 0.0
    for m in range(1, 400):
        a = math.atan2(x - sx, y - sy)
        goal = a + side * 0.5 * math.pi
        goal = _smoothed_heading_reference(x, y, goal, stick, gf.HALF, width, height, side * -1.0)
        turn = _rel_angle_reference(goal - h)
        direction = 1.0
        if abs(turn) > 0.5 * math.pi:
            turn = _rel_angle_reference(turn + math.pi)
            direction = -1.0
        rate = turn_rate(v, MAX_TURN_RATE_RADIANS)
        turn = max(-rate, min(rate, turn))
        h += turn
        v = new_velocity(v, direction * math.inf, MAX_VELOCITY)
        x += v * math.sin(h)
        y += v * math.cos(h)
        if x < gf.HALF or x > width - gf.HALF or y < gf.HALF or y > height - gf.HALF:
            x = min(max(x, gf.HALF), width - gf.HALF)
            y = min(max(y, gf.HALF), height - gf.HALF)
            v = 0.0
        dx = x - sx
        dy = y - sy
        o = side * math.atan2(dx * cos_b - dy * sin_b, dx * sin_b + dy * cos_b)
        if o > best:
            best = o
        if (m + 1) * speed >= math.sqrt(dx * dx + dy * dy):
            break
    return best


@njit(cache=False)
def _predicted_gf_reference(sx, sy, sin_b, cos_b, tx, ty, h, v, w, speed, lat_dir, mea, width, height):
    x = tx
    y = ty
    for m in range(1, 500):
        if v != 0.0:
            h += w
            x += v * math.sin(h)
            y += v * math.cos(h)
            if x < gf.HALF or x > width - gf.HALF or y < gf.HALF or y > height - gf.HALF:
                x = min(max(x, gf.HALF), width - gf.HALF)
                y = min(max(y, gf.HALF), height - gf.HALF)
                v = 0.0
        dx = x - sx
        dy = y - sy
        if (m + 1) * speed >= math.sqrt(dx * dx + dy * dy):
            break
    return gf.offset_of(sx, sy, x, y, sin_b, cos_b) * lat_dir / mea


# --------------------------------------------------------------------------- random states

def _states(rng, n):
    """n (shooter, target) states on 800x600, 1000x1000 and 400x300 fields; most targets hug a wall or a corner
    (the walking stick and the wall clamp work there), some shooters sit next to the target."""
    w = rng.choice([800.0, 1000.0, 400.0], n)
    h = np.where(w == 800.0, 600.0, np.where(w == 1000.0, 1000.0, 300.0))
    tx = rng.uniform(18, w - 18)
    ty = rng.uniform(18, h - 18)
    wall = rng.random(n)
    tx = np.where(wall < 0.3, 18.0 + rng.uniform(0, 3, n) * (rng.random(n) < 0.5), tx)
    tx = np.where((wall >= 0.3) & (wall < 0.5), w - 18.0 - rng.uniform(0, 3, n) * (rng.random(n) < 0.5), tx)
    ty = np.where(rng.random(n) < 0.3, np.where(rng.random(n) < 0.5, 18.0, h - 18.0), ty)
    sx = rng.uniform(18, w - 18)
    sy = rng.uniform(18, h - 18)
    near = rng.random(n) < 0.05
    sx = np.where(near, tx + rng.uniform(-40, 40, n), sx)
    sy = np.where(near, ty + rng.uniform(-40, 40, n), sy)
    # headings: random, or exactly along or across the walls (Walls-like targets), a few signed zeros
    heading = rng.uniform(0, 2 * math.pi, n)
    axis = rng.random(n) < 0.3
    heading = np.where(axis, rng.integers(0, 4, n) * (0.5 * math.pi), heading)
    heading = np.where(rng.random(n) < 0.02, -0.0, heading)
    vel = np.where(rng.random(n) < 0.5, rng.choice([-8.0, 8.0, 0.0, 2.0, -6.0], n), rng.uniform(-8, 8, n))
    speed = 20.0 - 3.0 * rng.uniform(0.1, 3.0, n)
    side = rng.choice([-1.0, 1.0], n)
    return sx, sy, tx, ty, heading, vel, speed, side, w, h


@njit(cache=False)
def _mea_drive_mismatches(sx, sy, tx, ty, heading, vel, speed, side, w, h, stick):
    bad = 0
    for k in range(sx.shape[0]):
        a = gf.mea_drive(sx[k], sy[k], tx[k], ty[k], heading[k], vel[k], speed[k], side[k], w[k], h[k], stick)
        b = _mea_drive_reference(sx[k], sy[k], tx[k], ty[k], heading[k], vel[k], speed[k], side[k], w[k], h[k],
                                 stick)
        if np.float64(a).view(np.uint64) != np.float64(b).view(np.uint64):
            bad += 1
    return bad


@njit(cache=False)
def _smoothing_mismatches(x, y, goal, prefer, w, h, stick):
    bad = 0
    for k in range(x.shape[0]):
        a = gf.smoothed_heading(x[k], y[k], goal[k], stick, gf.HALF, w[k], h[k], prefer[k])
        b = _smoothed_heading_reference(x[k], y[k], goal[k], stick, gf.HALF, w[k], h[k], prefer[k])
        if np.float64(a).view(np.uint64) != np.float64(b).view(np.uint64):
            bad += 1
    return bad


@njit(cache=False)
def _predicted_gf_mismatches(sx, sy, tx, ty, heading, vel, turn, speed, side, w, h):
    bad = 0
    for k in range(sx.shape[0]):
        d = math.sqrt((tx[k] - sx[k]) ** 2 + (ty[k] - sy[k]) ** 2)
        sin_b = (tx[k] - sx[k]) / d if d > 0.0 else 0.0
        cos_b = (ty[k] - sy[k]) / d if d > 0.0 else 1.0
        mea = gf.classic_mea(speed[k])
        a = gf.predicted_gf(sx[k], sy[k], sin_b, cos_b, tx[k], ty[k], heading[k], vel[k], turn[k], speed[k],
                            side[k], mea, w[k], h[k])
        b = _predicted_gf_reference(sx[k], sy[k], sin_b, cos_b, tx[k], ty[k], heading[k], vel[k], turn[k],
                                    speed[k], side[k], mea, w[k], h[k])
        if np.float64(a).view(np.uint64) != np.float64(b).view(np.uint64):
            bad += 1
    return bad


# --------------------------------------------------------------------------- the properties

def test_mea_drive_equals_the_straightforward_drive_bit_for_bit():
    """Pseudo-angle comparisons with one atan2 at the end, one stick test for both turning directions and
    rel_angle without fmod inside (-2 pi, 2 pi): the same escape angle, to the last bit."""
    rng = np.random.default_rng(20261205)
    st = _states(rng, 20000)
    for stick in (160.0, 120.0):
        assert _mea_drive_mismatches(*st, stick) == 0


def test_smoothed_heading_equals_the_two_stick_rotations_bit_for_bit():
    """Including ties and near-ties: goals whose two stick rotations are equal (a stick end on a corner's
    diagonal, a target in a corner, the stick's circle inside the field) and the pi of no allowed end."""
    rng = np.random.default_rng(7)
    n = 60000
    w = rng.choice([800.0, 1000.0, 400.0, 200.0], n)
    h = np.where(w == 800.0, 600.0, np.where(w == 1000.0, 1000.0, np.where(w == 400.0, 300.0, 150.0)))
    x = rng.uniform(18, w - 18)
    y = rng.uniform(18, h - 18)
    corner = rng.random(n) < 0.3
    x = np.where(corner, np.where(rng.random(n) < 0.5, 18.0, w - 18.0), x)
    y = np.where(corner, np.where(rng.random(n) < 0.5, 18.0, h - 18.0), y)
    goal = rng.uniform(-2 * math.pi, 4 * math.pi, n)
    goal = np.where(rng.random(n) < 0.3, rng.integers(-8, 16, n) * (0.25 * math.pi), goal)   # diagonals, axes
    prefer = rng.choice([-1.0, 1.0], n)
    for stick in (160.0, 120.0, 1000.0):
        assert _smoothing_mismatches(x, y, goal, prefer, w, h, stick) == 0


def test_predicted_gf_equals_the_straightforward_loop_bit_for_bit():
    """Linear (turn rate 0, of either sign: the sine and cosine taken once) and circular, targets stopping at
    a wall or standing still, headings of -0.0."""
    rng = np.random.default_rng(12)
    sx, sy, tx, ty, heading, vel, speed, side, w, h = _states(rng, 40000)
    turn = np.where(rng.random(len(sx)) < 0.5, rng.choice([0.0, -0.0], len(sx)),
                    rng.uniform(-MAX_TURN_RATE_RADIANS, MAX_TURN_RATE_RADIANS, len(sx)))
    assert _predicted_gf_mismatches(sx, sy, tx, ty, heading, vel, turn, speed, side, w, h) == 0


def test_rel_angle_equals_the_fmod_form_bit_for_bit():
    rng = np.random.default_rng(5)
    two_pi = 2 * math.pi
    edges = [k * two_pi for k in (-3, -2, -1, 0, 1, 2, 3)] + [-0.0, math.pi, -math.pi, 3 * math.pi, -3 * math.pi]
    edges += [np.nextafter(e, d) for e in edges for d in (-math.inf, math.inf)]
    a = np.concatenate([rng.uniform(-20, 20, 20000), rng.uniform(-1e6, 1e6, 2000), np.array(edges),
                        np.array([math.inf, -math.inf, math.nan])])
    for v in a:
        got = np.float64(gf.rel_angle(v)).view(np.uint64)
        want = np.float64(_rel_angle_reference(v)).view(np.uint64)
        assert got == want or (math.isnan(v) and math.isnan(gf.rel_angle(v))), v


def test_ext_features_equal_the_straightforward_kernels_bit_for_bit():
    """ext_features (circular_gf taken from linear_gf when the target did not turn) against the features
    computed one by one with the straightforward kernels, on random histories that often keep their heading
    (also -0.0, and turns of -0.0)."""
    rng = np.random.default_rng(4)
    n = 40
    for _ in range(3000):
        x = rng.uniform(18, 782, n)
        y = rng.uniform(18, 582, n)
        if rng.random() < 0.4:
            x[:] = 18.0 + rng.uniform(0, 3, n)
        heading = rng.uniform(0, 2 * math.pi, n)
        if rng.random() < 0.6:
            heading[:] = rng.choice([0.0, -0.0, 0.5 * math.pi, math.pi, float(rng.uniform(0, 6))])
            if rng.random() < 0.3:
                heading[::2] = -heading[::2]          # a turn of exactly 0 between +0.0 and -0.0
        vel = rng.choice([-8.0, -2.5, 0.0, 1.0, 8.0], n)
        j0 = int(rng.integers(0, 10))
        j = int(rng.integers(j0, n))
        sx, sy = rng.uniform(18, 782), rng.uniform(18, 582)
        d = math.hypot(x[j] - sx, y[j] - sy)
        sin_b, cos_b = (x[j] - sx) / d, (y[j] - sy) / d
        lat = float(rng.choice([1.0, -1.0]))
        speed = 20.0 - 3.0 * rng.uniform(0.1, 3.0)
        mea = gf.classic_mea(speed)
        move_dir = float(rng.choice([1.0, -1.0]))
        prev = (rng.uniform(18, 782), rng.uniform(18, 582), 0.6, 0.8, 0.5) if rng.random() < 0.5 else (0, 0, 0, 0, 0)
        got = gf.ext_features(x, y, heading, vel, 0, j0, j, move_dir, sx, sy, sin_b, cos_b, lat, speed, mea, *prev,
                              800.0, 600.0)
        w = gf.heading_change(heading, vel, 0, j0, j)
        want = (_mea_drive_reference(sx, sy, x[j], y[j], heading[j], vel[j], speed, lat, 800.0, 600.0, gf.STICK) / mea,
                gf.offset_of(prev[0], prev[1], x[j], y[j], prev[2], prev[3]) * lat / prev[4] if prev[4] > 0 else 0.0,
                _predicted_gf_reference(sx, sy, sin_b, cos_b, x[j], y[j], heading[j], vel[j], 0.0, speed, lat, mea,
                                        800.0, 600.0),
                _predicted_gf_reference(sx, sy, sin_b, cos_b, x[j], y[j], heading[j], vel[j], w, speed, lat, mea,
                                        800.0, 600.0),
                gf.mirror_offset(sx, sy, sin_b, cos_b, lat, 800.0, 600.0),
                *gf.stick_turns(x[j], y[j], move_dir * math.sin(heading[j]), move_dir * math.cos(heading[j]),
                                gf.STICK, gf.HALF, 800.0, 600.0))
        assert np.array_equal(np.array(got).view(np.uint64), np.array(want).view(np.uint64)), (got, want)
