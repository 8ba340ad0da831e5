"""Waves, guess factors and enemy-wave detection, computed from a recorded battle (post hoc, compiled).

``battle_waves(result)`` turns a BattleResult played with ``record=True`` into two
tables of columns (plain numpy arrays):

* **gun waves** -- for each robot (the shooter) one wave per turn at the other
  robot (the target), real when a bullet was fired that turn and virtual
  otherwise. A wave "fired in turn t" starts at the shooter's position at the
  end of turn t-1 with bearing to the target as it was then, exactly like a
  Robocode bullet (sim/waves/gf.py explains the timing). It is followed over the
  target's recorded box positions until its front has passed the whole box
  and labelled with the precise intersection [gf_lo, gf_hi] (the hull of the
  exact set of guess factors that would have hit), the GF of the target's
  centre when the front reached it, and for real bullets the GF they were fired
  at and whether they hit. Virtual waves carry the power of the shooter's last
  real bullet (before its first one: the power of its first one in the battle,
  or ``virtual_power`` if it never fires).
* **enemy waves** -- the surfer's view: for each robot, the enemy waves it can
  detect from the enemy's energy drops between its own radar scans (scans are
  recomputed from the trace with the engine's radar-sweep test), with the GF of
  the enemy bullet when one hits the robot or one of its bullets, and how each
  detection compares with the engine's truth.

The target's box is the engine's hit box, which the trace does not record:
Robocode leaves it where a robot was *before* it stepped back from a ram it
caused, and keeps it there while the robot stands still. For those turns the
box is estimated (the step back is undone with the velocity the robot would
most likely have had) and waves crossing such a turn are marked ``exact = 0``.
"""
import math

import numpy as np
from numba import njit

from sim.engine.constants import (
    BS_HIT_BULLET,
    BS_HIT_VICTIM,
    BS_MOVING,
    MAX_BULLET_POWER,
    RADAR_SCAN_RADIUS,
    RS_DEAD,
    RS_HIT_ROBOT,
    RS_HIT_WALL,
    START_GUN_HEAT,
)
from sim.engine.geometry import scan_hits_box
from sim.engine.physics import bullet_damage, clamp_power, cool_turns, gun_heat
from sim.waves.gf import (
    BOX_REACH,
    F_DID_COLLIDE,
    F_DID_HIT,
    F_LAT_DIR,
    FLAG_TURNS,
    HC_MOVE_DIR,
    MAX_CAND,
    MAX_PARTS,
    N_BASE_FEAT,
    N_COUNTERS,
    N_FEAT,
    N_FIRE_FEAT,
    VIRTUALITY_CAP,
    _features_rows_at,
    _track_wave_rows,
    _wave_features_rows,
    bullet_speed,
    classic_mea,
    escape_circle_mea,
    ext_features,
    history_counters,
    lateral_sign,
    lateral_sign_sc,
    rel_angle,
)

NB = dict(cache=True, error_model="numpy")
HALF_WALL = 18.0 + 1e-9     # a robot stopped by a wall sits exactly 18 px from it

# integer columns of the gun-wave kernel's output
GUN_INT = ("round", "turn", "shooter", "target", "real_bullet", "hit", "collided", "bullet_id", "n_parts",
           "status", "exact", "center_turn")
# float columns
GUN_FLOAT = ("fire_x", "fire_y", "bearing", "bullet_speed", "mea", "mea_pos", "mea_neg", "gf_lo", "gf_hi",
             "gf_center", "gf_fired")
(GI_ROUND, GI_TURN, GI_SHOOTER, GI_TARGET, GI_REAL, GI_HIT, GI_COLLIDED, GI_BULLET_ID, GI_N_PARTS, GI_STATUS,
 GI_EXACT, GI_CENTER_TURN) = range(len(GUN_INT))
(GF_FIRE_X, GF_FIRE_Y, GF_BEARING, GF_SPEED, GF_MEA, GF_MEA_POS, GF_MEA_NEG, GF_LO, GF_HI, GF_CENTER,
 GF_FIRED) = range(len(GUN_FLOAT))
# wave status
WS_PASSED, WS_TARGET_DIED, WS_ROUND_ENDED = 0, 1, 2

# bullet table built from the trace (one row per real bullet)
BULLET_COLUMNS = ("round", "owner", "id", "fire_turn", "heading", "power", "end_state", "end_turn", "end_x",
                  "end_y")
(BC_ROUND, BC_OWNER, BC_ID, BC_FIRE, BC_HEADING, BC_POWER, BC_END_STATE, BC_END_TURN, BC_END_X,
 BC_END_Y) = range(len(BULLET_COLUMNS))


class TraceError(ValueError):
    """The battle was not recorded, or its trace is not what the engine writes."""


# --------------------------------------------------------------------------- trace reshaping

# robot trace columns reshaped by _robot_arrays: name -> column of the trace
_TRACE_COLUMNS = (("x", 3), ("y", 4), ("heading", 5), ("gun", 6), ("radar", 7), ("velocity", 8), ("energy", 9),
                  ("heat", 10), ("state", 11))
_TRACE_COLS = np.array([c for _, c in _TRACE_COLUMNS], dtype=np.int64)


@njit(**NB)
def _split_trace_nb(tr, cols, out, starts):
    """One pass over the robot trace rows (turn, robot order): out[c, i, k] = tr[2k + i, cols[c]], the rows
    k where a round starts (turn 0) into starts[:n]. Returns (n, order_ok, first_bad): order_ok is False
    if some row pair is not (robot 0, robot 1); first_bad is the index into starts of the first round
    whose turns do not go up one by one within one round number (-1 if none)."""
    m = tr.shape[0] // 2
    order_ok = True
    n = 0
    first_bad = -1
    for k in range(m):
        a = 2 * k
        if tr[a, 2] != 0.0 or tr[a + 1, 2] != 1.0:
            order_ok = False
        for c in range(cols.shape[0]):
            out[c, 0, k] = tr[a, cols[c]]
            out[c, 1, k] = tr[a + 1, cols[c]]
        turn = np.int64(tr[a, 1])
        if turn == 0:
            starts[n] = k
            n += 1
        elif k > 0 and first_bad < 0 and n > 0:
            if turn - np.int64(tr[a - 2, 1]) != 1 or np.int64(tr[a, 0]) != np.int64(tr[a - 2, 0]):
                first_bad = n - 1
    return n, order_ok, first_bad


def _robot_arrays(result):
    """Per-robot arrays (2, N) over all recorded turns and the row index where each round starts."""
    tr = result.robots_trace
    if tr is None:
        raise TraceError("the battle has no trace: play it with run_battle(..., record=True)")
    n = len(result.names)
    if n != 2:
        raise TraceError(f"waves are defined for 1v1 battles, this one has {n} robots")
    tr = np.asarray(tr, dtype=np.float64)
    if tr.ndim != 2 or tr.shape[1] < 12 or tr.shape[0] % 2:
        raise TraceError(f"robot trace has shape {tr.shape}, expected (2*turns, 12)")
    m = tr.shape[0] // 2
    cols = np.empty((len(_TRACE_COLUMNS), 2, m))
    starts = np.empty(m, dtype=np.int64)
    ns, order_ok, first_bad = _split_trace_nb(np.ascontiguousarray(tr), _TRACE_COLS, cols, starts)
    if not order_ok:
        raise TraceError("robot trace rows are not in (turn, robot) order")
    starts = starts[:ns]
    if ns == 0 or starts[0] != 0:
        raise TraceError("robot trace does not start at turn 0 of a round")
    if first_bad >= 0:
        raise TraceError(f"robot trace of round {int(tr[2 * starts[first_bad], 0])} is not one row per turn")
    bounds = np.append(starts, m)
    arr = {name: cols[k] for k, (name, _) in enumerate(_TRACE_COLUMNS)}
    return arr, bounds.astype(np.int64), tr[2 * starts, 0].astype(np.int64)


@njit(**NB)
def _bullet_rows_nb(bt, ridx, n_rounds, out):
    """Fill `out` (one row per bullet, BULLET_COLUMNS) from trace rows `bt` (turn order) whose round index
    is ridx; rows come out sorted by (round, owner, id), i.e. by fire turn within a robot's round."""
    maxid = np.zeros((n_rounds, 2), dtype=np.int64)
    for k in range(bt.shape[0]):
        r = ridx[k]
        if r < 0:
            continue
        o = int(bt[k, 2])
        maxid[r, o] = max(maxid[r, o], int(bt[k, 3]))
    off = np.zeros((n_rounds, 2), dtype=np.int64)
    total = 0
    for r in range(n_rounds):
        for o in range(2):
            off[r, o] = total
            total += maxid[r, o]
    seen = np.zeros(total, dtype=np.bool_)
    ended = np.zeros(total, dtype=np.bool_)
    for k in range(bt.shape[0]):
        r = ridx[k]
        if r < 0:
            continue
        bid = int(bt[k, 3])
        if bid < 1:
            continue
        q = off[r, int(bt[k, 2])] + bid - 1
        if not seen[q]:
            seen[q] = True
            out[q, BC_ROUND] = r
            out[q, BC_OWNER] = bt[k, 2]
            out[q, BC_ID] = bid
            out[q, BC_FIRE] = bt[k, 1]
            out[q, BC_HEADING] = bt[k, 6]
            out[q, BC_POWER] = bt[k, 7]
            out[q, BC_END_STATE] = 0.0
            out[q, BC_END_TURN] = -1.0
            out[q, BC_END_X] = math.nan
            out[q, BC_END_Y] = math.nan
        if not ended[q] and bt[k, 8] != BS_MOVING:
            ended[q] = True
            out[q, BC_END_STATE] = bt[k, 8]
            out[q, BC_END_TURN] = bt[k, 1]
            out[q, BC_END_X] = bt[k, 4]
            out[q, BC_END_Y] = bt[k, 5]
    return seen


@njit(**NB)
def _bullet_ridx_nb(bt, rid, ridx):
    """ridx[k] = the index of bt[k]'s round number in the sorted rid (-1 if absent); returns the largest
    bullet id in bt. One pass (the rows come in turn order: the round found last is tried first)."""
    n = rid.shape[0]
    last = 0
    top = 0
    for k in range(bt.shape[0]):
        rr = np.int64(bt[k, 0])
        top = max(top, np.int64(bt[k, 3]))
        if n == 0:
            ridx[k] = -1
            continue
        if rid[last] != rr:
            lo = 0
            hi = n
            while lo < hi:     # searchsorted(rid, rr, "left")
                mid = (lo + hi) >> 1
                if rid[mid] < rr:
                    lo = mid + 1
                else:
                    hi = mid
            last = min(lo, n - 1)
        ridx[k] = last if rid[last] == rr else -1
    return top


def bullet_table(result, round_ids):
    """One row per real bullet (BULLET_COLUMNS) from the bullet trace; round = index into round_ids.

    end_state is the first state other than MOVING (HIT_VICTIM, HIT_BULLET, HIT_WALL) or 0 when the round
    ended with the bullet in flight; end_x/end_y is the bullet's recorded position then (for a hit, where
    Robocode paints it, riding on the victim). Sorted by round, owner and fire turn.
    """
    bt = result.bullets_trace
    if bt is None or len(bt) == 0:
        return np.zeros((0, len(BULLET_COLUMNS)))
    bt = np.ascontiguousarray(bt, dtype=np.float64)
    rid = np.ascontiguousarray(round_ids, dtype=np.int64)
    ridx = np.empty(len(bt), dtype=np.int64)
    n_rounds = len(rid)
    cap = _bullet_ridx_nb(bt, rid, ridx) * 2 * n_rounds
    out = np.zeros((cap, len(BULLET_COLUMNS)))
    seen = _bullet_rows_nb(bt, ridx, n_rounds, out)
    return np.ascontiguousarray(out[:len(seen)][seen])


def _segments(bul, n_rounds):
    """seg[r, s] .. seg[r, s+1]: rows of bul fired by robot s in round r (bul sorted by round, owner, fire)."""
    seg = np.zeros((n_rounds, 3), dtype=np.int64)
    r = bul[:, BC_ROUND].astype(np.int64)
    o = bul[:, BC_OWNER].astype(np.int64)
    k = np.arange(n_rounds)
    seg[:, 0] = np.searchsorted(r, k, side="left")
    seg[:, 1] = seg[:, 0] + np.bincount(r[o == 0], minlength=n_rounds)[:n_rounds]
    seg[:, 2] = np.searchsorted(r, k, side="right")
    return seg


# --------------------------------------------------------------------------- hit boxes

@njit(**NB)
def hit_boxes(x, y, heading, vel, state, round_start, bx, by, exact):
    """The engine's hit-box centres (2, N) reconstructed from the trace, and whether they are exact.

    The engine moves a robot's box with the robot whenever its velocity is non-zero after moving or it
    hits a wall; a robot at fault in a ram steps back (and stops) without moving its box. Then the box
    is the position before the step back, position + v_new * (sin h, cos h), with v_new not recorded:
    it is estimated as one more unit of speed in the previous direction of motion (8 at most).
    """
    n_rounds = round_start.shape[0] - 1
    for i in range(2):
        for r in range(n_rounds):
            j0 = round_start[r]
            j1 = round_start[r + 1]
            bx[i, j0] = x[i, j0]
            by[i, j0] = y[i, j0]
            exact[i, j0] = True
            for j in range(j0 + 1, j1):
                st = state[i, j]
                if st == RS_HIT_ROBOT:
                    vp = vel[i, j - 1]
                    if vp > 0.0:
                        ve = min(8.0, vp + 1.0)
                    elif vp < 0.0:
                        ve = max(-8.0, vp - 1.0)
                    else:
                        # from a standstill: towards the other robot
                        o = 1 - i
                        brg = math.atan2(x[o, j] - x[i, j], y[o, j] - y[i, j])
                        ve = 1.0 if math.cos(brg - heading[i, j]) > 0.0 else -1.0
                    bx[i, j] = x[i, j] + ve * math.sin(heading[i, j])
                    by[i, j] = y[i, j] + ve * math.cos(heading[i, j])
                    exact[i, j] = False
                elif vel[i, j] != 0.0 or st == RS_HIT_WALL or st == RS_DEAD:
                    bx[i, j] = x[i, j]
                    by[i, j] = y[i, j]
                    exact[i, j] = True
                else:
                    bx[i, j] = bx[i, j - 1]
                    by[i, j] = by[i, j - 1]
                    exact[i, j] = exact[i, j - 1]


# --------------------------------------------------------------------------- gun waves


@njit(**NB)
def wave_flags(bul, b0, b1, t, sx, sy, speed, x, y, alive, o, j0):
    """(did_hit, did_collide) of the wave fired at turn t from (sx, sy) at target o, as the wave guns keep them
    (bots/guns/wave_kernels.py, BeepBoop's anti-surfer flags): a real bullet of the shooter (rows b0..b1 of the
    bullet table, this round) fired within FLAG_TURNS turns of t that hit the target (did_hit) or an enemy bullet
    (did_collide) in turn e flags the wave when the gun still had it in flight then: t <= e (the gun reads the
    event before it sends the wave of turn e + 1) and in no turn u = t..e had the wave broken, i.e. the target
    was alive and its centre within BOX_REACH of the front's outer radius (u - t + 1) * speed (wave_kernels'
    _label_waves, which runs before the gun reads the turn's events)."""
    hit = 0.0
    collide = 0.0
    for q in range(b0, b1):
        fb = bul[q, BC_FIRE]
        if abs(fb - t) > FLAG_TURNS:
            continue
        state = bul[q, BC_END_STATE]
        if state != BS_HIT_VICTIM and state != BS_HIT_BULLET:
            continue
        e = int(bul[q, BC_END_TURN])
        if e < t:
            continue
        in_flight = True
        for u in range(t, e + 1):
            j = j0 + u
            if not alive[o, j] or math.hypot(x[o, j] - sx, y[o, j] - sy) + BOX_REACH < (u - t + 1) * speed:
                in_flight = False
                break
        if in_flight:
            if state == BS_HIT_VICTIM:
                hit = 1.0
            else:
                collide = 1.0
    return hit, collide


@njit(**NB)
def gun_waves_nb(round_start, x, y, heading, vel, energy, heat, state, bx, by, bexact, counters, bul, seg,
                 last_power, shots, width, height, cooling, out_i, out_f, feat, parts, stats):
    """One wave per (shooter, turn) in every round; see the module docstring. Returns (rows, part rows).

    bexact[i, j] counts the rows before j whose hit box is an estimate (see _Prepared).
    stats[s, 0..3] += waves made, waves dropped (front never touched a live box), real bullets,
    real bullets dropped. last_power[s] (the power of s's virtual waves) and shots[s] (its bullets so far)
    carry from round to round: they are updated in place, so a battle can be tracked a few rounds at a time
    (WaveCarry).
    """
    n_rounds = round_start.shape[0] - 1
    acc = np.empty((MAX_PARTS, 2))
    tparts = np.empty((8, 2))
    work = np.empty((3, MAX_CAND))
    alive = state != RS_DEAD
    nrow = 0
    nparts = 0
    lat_prev = np.ones(2)
    ptr = np.zeros(2, dtype=np.int64)
    last_fire = np.zeros(2)
    max_step = np.zeros(2)
    mea_speed = np.zeros(2)     # classic_mea of the last speed seen, per shooter
    mea_last = np.zeros(2)
    prev_row = np.full(2, -1, dtype=np.int64)     # current_gf's previous real bullet, per shooter: its row ...
    prev_wave = np.zeros((2, 5))                  # ... and its wave's source x, y, bearing sine, cosine, classic MEA
    for r in range(n_rounds):
        j0 = round_start[r]
        j1 = round_start[r + 1]
        T = j1 - j0 - 1
        for s in range(2):
            lat_prev[s] = 1.0
            ptr[s] = seg[r, s]
            last_fire[s] = 0.0
            # largest move of this robot's box in one turn of the round (lets track_wave skip ahead)
            ms = 0.0
            for j in range(j0 + 1, j1):
                ms = max(ms, abs(bx[s, j] - bx[s, j - 1]) + abs(by[s, j] - by[s, j - 1]))
            max_step[s] = ms + 1e-6
        for t in range(1, T + 1):
            j = j0 + t - 1
            for s in range(2):
                o = 1 - s
                end = seg[r, s + 1]
                # bullets fired while no wave could be made (no live target): still count as shots
                while ptr[s] < end and bul[ptr[s], BC_FIRE] < t:
                    last_power[s] = bul[ptr[s], BC_POWER]
                    last_fire[s] = bul[ptr[s], BC_FIRE]
                    shots[s] += 1.0
                    ptr[s] += 1
                if not (alive[s, j] and alive[o, j]):
                    continue
                p = ptr[s]
                real = p < end and bul[p, BC_FIRE] == t
                power = bul[p, BC_POWER] if real else last_power[s]
                speed = bullet_speed(power)
                sx = x[s, j]
                sy = y[s, j]
                tx = x[o, j]
                ty = y[o, j]
                b = math.atan2(tx - sx, ty - sy)
                dist = math.sqrt((tx - sx) ** 2 + (ty - sy) ** 2)
                sin_b = (tx - sx) / dist if dist > 0.0 else math.sin(b)
                cos_b = (ty - sy) / dist if dist > 0.0 else math.cos(b)
                h_o = heading[o, j]
                sh = math.sin(h_o)
                ch = math.cos(h_o)
                lat = lateral_sign_sc(vel[o, j], sh, ch, sin_b, cos_b, h_o, b, lat_prev[s])
                lat_prev[s] = lat
                if speed != mea_speed[s]:
                    mea_speed[s] = speed
                    mea_last[s] = classic_mea(speed)
                mea = mea_last[s]
                cw, ccw = escape_circle_mea(sx, sy, tx, ty, speed, width, height)
                mea_pos = cw if lat > 0.0 else ccw
                mea_neg = ccw if lat > 0.0 else cw
                stats[s, 0] += 1.0
                if real:
                    stats[s, 2] += 1.0
                n, status, c_off, c_turn, j_end = _track_wave_rows(sx, sy, sin_b, cos_b, speed, t, bx, by, alive, o,
                                                                   j0, 0, T - 1, width, height, max_step[o], acc,
                                                                   tparts, work)
                if n == 0:
                    stats[s, 1] += 1.0
                    if real:
                        stats[s, 3] += 1.0
                else:
                    # exact boxes over the turns looked at: bexact holds running counts of inexact boxes
                    ex = bexact[o, j0 + min(j_end, T - 1) + 1] == bexact[o, j0 + t - 1]
                    # virtuality: nearest real bullet of s in this round
                    if real:
                        virt = 0.0
                        virt_gun = 0.0
                    else:
                        virt = VIRTUALITY_CAP
                        if p > seg[r, s]:
                            virt = min(virt, t - bul[p - 1, BC_FIRE])
                        if p < end:
                            virt = min(virt, bul[p, BC_FIRE] - t)
                        h = heat[s, j]
                        cool = max(0.0, math.ceil(h / cooling - 1e-9))
                        virt_gun = min(cool, t - last_fire[s])
                    lo = acc[0, 0]
                    hi = acc[n - 1, 1]
                    out_i[GI_ROUND, nrow] = r
                    out_i[GI_TURN, nrow] = t
                    out_i[GI_SHOOTER, nrow] = s
                    out_i[GI_TARGET, nrow] = o
                    out_i[GI_REAL, nrow] = 1 if real else 0
                    out_i[GI_HIT, nrow] = 1 if real and bul[p, BC_END_STATE] == BS_HIT_VICTIM else 0
                    out_i[GI_COLLIDED, nrow] = 1 if real and bul[p, BC_END_STATE] == BS_HIT_BULLET else 0
                    out_i[GI_BULLET_ID, nrow] = int(bul[p, BC_ID]) if real else -1
                    out_i[GI_N_PARTS, nrow] = n
                    out_i[GI_STATUS, nrow] = status
                    out_i[GI_EXACT, nrow] = 1 if ex else 0
                    out_i[GI_CENTER_TURN, nrow] = c_turn + 1 if c_turn >= 0 else -1
                    out_f[GF_FIRE_X, nrow] = sx
                    out_f[GF_FIRE_Y, nrow] = sy
                    out_f[GF_BEARING, nrow] = b
                    out_f[GF_SPEED, nrow] = speed
                    out_f[GF_MEA, nrow] = mea
                    out_f[GF_MEA_POS, nrow] = mea_pos
                    out_f[GF_MEA_NEG, nrow] = mea_neg
                    if lat > 0.0:
                        out_f[GF_LO, nrow] = lo / mea
                        out_f[GF_HI, nrow] = hi / mea
                    else:
                        out_f[GF_LO, nrow] = -hi / mea
                        out_f[GF_HI, nrow] = -lo / mea
                    out_f[GF_CENTER, nrow] = c_off * lat / mea
                    out_f[GF_FIRED, nrow] = rel_angle(bul[p, BC_HEADING] - b) * lat / mea if real else math.nan
                    f = _features_rows_at(x, y, vel, energy, counters, o, j0, j, sh, ch, dist, sin_b, cos_b, lat,
                                          speed, power, mea, mea_pos, mea_neg, virt, virt_gun, shots[s], t,
                                          energy[s, j], width, height)
                    for fk in range(N_BASE_FEAT):
                        feat[fk, nrow] = f[fk]
                    # the shooter's previous real bullet of the round (current_gf): its wave's source, bearing, MEA,
                    # computed once per bullet (prev_row[s]: the bullet row prev_wave[s] holds them for)
                    psx = psy = psin = pcos = pmea = 0.0
                    if p > seg[r, s]:
                        if prev_row[s] != p - 1:
                            prev_row[s] = p - 1
                            jp = j0 + int(bul[p - 1, BC_FIRE]) - 1
                            qx = x[s, jp]
                            qy = y[s, jp]
                            pd = math.sqrt((x[o, jp] - qx) ** 2 + (y[o, jp] - qy) ** 2)
                            prev_wave[s, 0] = qx
                            prev_wave[s, 1] = qy
                            if pd > 0.0:
                                prev_wave[s, 2] = (x[o, jp] - qx) / pd
                                prev_wave[s, 3] = (y[o, jp] - qy) / pd
                            else:
                                pb = math.atan2(x[o, jp] - qx, y[o, jp] - qy)
                                prev_wave[s, 2] = math.sin(pb)
                                prev_wave[s, 3] = math.cos(pb)
                            prev_wave[s, 4] = classic_mea(bullet_speed(bul[p - 1, BC_POWER]))
                        psx = prev_wave[s, 0]
                        psy = prev_wave[s, 1]
                        psin = prev_wave[s, 2]
                        pcos = prev_wave[s, 3]
                        pmea = prev_wave[s, 4]
                    fe = ext_features(x, y, heading, vel, o, j0, j, counters[o, j, HC_MOVE_DIR], sx, sy, sin_b, cos_b,
                                      lat, speed, mea, psx, psy, psin, pcos, pmea, width, height)
                    for fk in range(N_FIRE_FEAT - N_BASE_FEAT):
                        feat[N_BASE_FEAT + fk, nrow] = fe[fk]
                    # only bullets fired within FLAG_TURNS of t can flag the wave: those next to row p (sorted by
                    # fire turn; p is the first fired at t or later)
                    f0 = p
                    while f0 > seg[r, s] and bul[f0 - 1, BC_FIRE] >= t - FLAG_TURNS:
                        f0 -= 1
                    f1 = p
                    while f1 < end and bul[f1, BC_FIRE] <= t + FLAG_TURNS:
                        f1 += 1
                    hit_flag, collide_flag = wave_flags(bul, f0, f1, t, sx, sy, speed, x, y, alive, o, j0)
                    feat[F_DID_HIT, nrow] = hit_flag
                    feat[F_DID_COLLIDE, nrow] = collide_flag
                    if n > 1:
                        for q in range(n):
                            if nparts >= parts.shape[0]:
                                nparts += 1
                                continue
                            k = q if lat > 0.0 else n - 1 - q
                            parts[nparts, 0] = nrow
                            parts[nparts, 1] = acc[k, 0] * lat / mea if lat > 0.0 else -acc[k, 1] / mea
                            parts[nparts, 2] = acc[k, 1] * lat / mea if lat > 0.0 else -acc[k, 0] / mea
                            nparts += 1
                    nrow += 1
                if real:
                    last_power[s] = power
                    last_fire[s] = t
                    shots[s] += 1.0
                    ptr[s] += 1
    return nrow, nparts


# --------------------------------------------------------------------------- the surfer's view

ENEMY_INT = ("round", "turn", "surfer", "shooter", "gap", "detected_right", "true_turn", "hit", "hit_bullet",
             "label_right", "n_parts", "status", "exact")
ENEMY_FLOAT = ("source_x", "source_y", "power", "true_power", "bearing", "bullet_speed", "mea", "mea_pos", "mea_neg",
               "gf_lo", "gf_hi", "gf_center", "gf_hit")
(EI_ROUND, EI_TURN, EI_SURFER, EI_SHOOTER, EI_GAP, EI_RIGHT, EI_TRUE_TURN, EI_HIT, EI_HIT_BULLET, EI_LABEL_RIGHT,
 EI_N_PARTS, EI_STATUS, EI_EXACT) = range(len(ENEMY_INT))
(EF_SOURCE_X, EF_SOURCE_Y, EF_POWER, EF_TRUE_POWER, EF_BEARING, EF_SPEED, EF_MEA, EF_MEA_POS, EF_MEA_NEG, EF_LO,
 EF_HI, EF_CENTER, EF_HIT) = range(len(ENEMY_FLOAT))
# detection statistics per surfer
# enemy_bullets: all the enemy fired; unobservable: those fired in a turn at whose end the surfer or the
# enemy was dead (no scan can follow); missed: the other ones no right detection claims
DETECTION_STATS = ("enemy_bullets", "unobservable", "detections", "right", "wrong_turn", "false_positive", "missed",
                   "labels", "labels_right")
(DS_BULLETS, DS_UNOBSERVABLE, DS_DETECTIONS, DS_RIGHT, DS_WRONG_TURN, DS_FALSE, DS_MISSED, DS_LABELS,
 DS_LABELS_RIGHT) = range(len(DETECTION_STATS))
POWER_TOL = 1e-6


@njit(**NB)
def scans_nb(round_start, x, y, heading, gun, radar, state, bx, by, out):
    """out[i, j] = robot i scanned the other robot in turn j (the row j of a round, j > its first).

    The engine scans when a robot moved or turned anything in the turn, with the radar sweeping from
    its heading at the end of the previous turn to the current one (the shorter way), range 1200, against
    the other robot's box after every robot has moved (sim/engine._perform_scan). An explicit scan()
    command of a robot that did not move is not in the trace and is not seen here.
    """
    n_rounds = round_start.shape[0] - 1
    for r in range(n_rounds):
        j0 = round_start[r]
        j1 = round_start[r + 1]
        for i in range(2):
            o = 1 - i
            out[i, j0] = False
            for j in range(j0 + 1, j1):
                out[i, j] = False
                if state[i, j] == RS_DEAD or state[o, j] == RS_DEAD:
                    continue
                if heading[i, j] == heading[i, j - 1] and gun[i, j] == gun[i, j - 1] and \
                        radar[i, j] == radar[i, j - 1] and x[i, j] == x[i, j - 1] and y[i, j] == y[i, j - 1]:
                    continue
                start = radar[i, j - 1]
                extent = radar[i, j] - start
                if extent < -math.pi:
                    extent = 2.0 * math.pi + extent
                elif extent > math.pi:
                    extent = extent - 2.0 * math.pi
                out[i, j] = scan_hits_box(x[i, j], y[i, j], start, extent, RADAR_SCAN_RADIUS, bx[o, j], by[o, j])


@njit(**NB)
def enemy_waves_nb(round_start, x, y, heading, vel, energy, state, bx, by, bexact, counters, bul, seg, scanned,
                   advanced, width, height, cooling, seen, out_i, out_f, feat, stats):
    """Enemy waves as each robot (the surfer) detects them from the other's energy drops; returns rows.

    Between two scans of the enemy (turns t1 < t2) the surfer expects the enemy's energy to change only
    by what it can account for: + 3p for each enemy bullet that hit the surfer, - damage for each of the
    surfer's bullets that hit the enemy, - 0.6 per ram between them, - 0.1 per turn of inactivity zap
    (seen as the surfer's own unexplained 0.1 loss), and for an AdvancedRobot enemy that stopped at a
    wall an estimated wall damage. Whatever else is missing, if within [0.1, 3] and the enemy's gun can
    be cool by then (heat tracked from the surfer's own detections, 1 turn of slack), is a bullet. With
    scans a turn apart it was fired in turn t2 from the enemy's position at t1; across a longer gap the
    surfer assumes the enemy fired as soon as its gun was cool (but after t1) and interpolates the
    enemy's position between the two scans. Truth: the engine's bullets of the enemy. seen[i] (enemy waves
    robot i detected so far in the battle) carries from round to round, updated in place.
    """
    n_rounds = round_start.shape[0] - 1
    acc = np.empty((MAX_PARTS, 2))
    tparts = np.empty((8, 2))
    work = np.empty((3, MAX_CAND))
    alive = state != RS_DEAD
    nrow = 0
    for r in range(n_rounds):
        j0 = round_start[r]
        j1 = round_start[r + 1]
        T = j1 - j0 - 1
        for i in range(2):
            e = 1 - i
            first_row = nrow
            psx = psy = psin = pcos = pmea = 0.0    # the surfer's previous detected wave of the round (current_gf)
            ms = 0.0
            for j in range(j0 + 1, j1):
                ms = max(ms, abs(bx[i, j] - bx[i, j - 1]) + abs(by[i, j] - by[i, j - 1]))
            max_step = ms + 1e-6
            have = False
            t1 = 0
            e1 = 0.0
            v1 = 0.0
            adj = 0.0
            zapped = False
            lat_prev = 1.0
            next_fire = 1 + cool_turns(START_GUN_HEAT, cooling)
            # truth: this round's bullets of e (pe) and of i (pi_), sorted by fire turn
            pe0 = seg[r, e]
            pe1 = seg[r, e + 1]
            pi0 = seg[r, i]
            pi1 = seg[r, i + 1]
            stats[i, DS_BULLETS] += pe1 - pe0
            # per turn: what the surfer knows of both robots' energy changes (its events)
            gain_e = np.zeros(T + 2)        # 3p for each enemy bullet that hit the surfer
            dmg_i = np.zeros(T + 2)         # ... and the damage it did
            dmg_e = np.zeros(T + 2)         # damage of the surfer's bullets that hit the enemy
            gain_i = np.zeros(T + 2)        # ... and the 3p the surfer got back
            fired_i = np.zeros(T + 2)       # power the surfer fired
            for q in range(pe0, pe1):
                kk = int(bul[q, BC_END_TURN])
                if bul[q, BC_END_STATE] == BS_HIT_VICTIM and 0 <= kk <= T:
                    gain_e[kk] += 3.0 * bul[q, BC_POWER]
                    dmg_i[kk] += bullet_damage(bul[q, BC_POWER])
            for q in range(pi0, pi1):
                kk = int(bul[q, BC_END_TURN])
                if bul[q, BC_END_STATE] == BS_HIT_VICTIM and 0 <= kk <= T:
                    dmg_e[kk] += bullet_damage(bul[q, BC_POWER])
                    gain_i[kk] += 3.0 * bul[q, BC_POWER]
                kf = int(bul[q, BC_FIRE])
                if 0 <= kf <= T:
                    fired_i[kf] += bul[q, BC_POWER]
            for k in range(1, T + 1):
                j = j0 + k
                # energy changes of e the surfer can account for, in turn k
                rams = 0.0
                if state[i, j] == RS_HIT_ROBOT:
                    rams += 1.0
                if state[e, j] == RS_HIT_ROBOT:
                    rams += 1.0
                adj += gain_e[k] - dmg_e[k] - 0.6 * rams
                # inactivity zap: the surfer's own energy fell by an unexplained 0.1
                if alive[i, j] and state[i, j] != RS_HIT_WALL:
                    own = energy[i, j - 1] - energy[i, j] - 0.6 * rams + gain_i[k] - fired_i[k] - dmg_i[k]
                    if abs(own - 0.1) < 1e-6 or (energy[i, j] == 0.0 and 0.1 - 1e-6 <= own < 0.2):
                        adj -= 0.1
                        zapped = True
                if not scanned[i, j]:
                    continue
                e2 = energy[e, j]
                v2 = vel[e, j]
                if have:
                    expect = e1 + adj
                    ex = x[e, j]
                    ey = y[e, j]
                    if advanced[e] and v2 == 0.0 and v1 != 0.0 and (
                            ex <= HALF_WALL or ey <= HALF_WALL or ex >= width - HALF_WALL or
                            ey >= height - HALF_WALL):
                        expect -= max(0.0, min(8.0, abs(v1) + 1.0) / 2.0 - 1.0)
                    if zapped and expect < 0.1:
                        expect = 0.0            # a zap that leaves less than 0.1 leaves 0
                    drop = expect - e2
                    ok = (0.1 - POWER_TOL <= drop <= 3.0 + POWER_TOL) or (e2 <= 0.0 and POWER_TOL < drop < 0.1)
                    if ok and k >= next_fire - 1:
                        # a bullet that took the enemy's last energy may be below 0.1 (physics.fire_power)
                        power = clamp_power(drop) if e2 > 0.0 else min(MAX_BULLET_POWER, drop)
                        gap = k - t1
                        tf = min(k, max(t1 + 1, next_fire))     # estimated fire turn
                        next_fire = tf + cool_turns(gun_heat(power), cooling)
                        # the enemy's position at the end of turn tf - 1, interpolated between the scans
                        jf = j0 + t1
                        w_ = (tf - 1 - t1) / gap
                        srcx = x[e, jf] + w_ * (x[e, j] - x[e, jf])
                        srcy = y[e, jf] + w_ * (y[e, j] - y[e, jf])
                        js = j0 + tf - 1                 # the surfer's own state when the bullet left
                        sx_ = x[i, js]
                        sy_ = y[i, js]
                        b = math.atan2(sx_ - srcx, sy_ - srcy)
                        speed = bullet_speed(power)
                        lat = lateral_sign(vel[i, js] * math.sin(heading[i, js] - b), lat_prev)
                        lat_prev = lat
                        mea = classic_mea(speed)
                        cw, ccw = escape_circle_mea(srcx, srcy, sx_, sy_, speed, width, height)
                        mea_pos = cw if lat > 0.0 else ccw
                        mea_neg = ccw if lat > 0.0 else cw
                        # truth
                        right = 0
                        true_turn = -1
                        true_power = math.nan
                        for q in range(pe0, pe1):
                            f = bul[q, BC_FIRE]
                            if t1 < f <= k:
                                if true_turn < 0 or f == tf:
                                    true_turn = int(f)
                                    true_power = bul[q, BC_POWER]
                        if true_turn == tf and abs(true_power - power) <= POWER_TOL:
                            right = 1
                            stats[i, DS_RIGHT] += 1.0
                        elif true_turn >= 0 and abs(true_power - power) <= POWER_TOL:
                            stats[i, DS_WRONG_TURN] += 1.0
                        else:
                            stats[i, DS_FALSE] += 1.0
                        stats[i, DS_DETECTIONS] += 1.0
                        seen[i] += 1.0
                        n, status, c_off, c_turn, j_end = _track_wave_rows(srcx, srcy, math.sin(b), math.cos(b),
                                                                           speed, tf, bx, by, alive, i, j0, 0, T - 1,
                                                                           width, height, max_step, acc, tparts, work)
                        exq = bexact[i, j0 + min(j_end, T - 1) + 1] == bexact[i, j0 + tf - 1]
                        out_i[EI_ROUND, nrow] = r
                        out_i[EI_TURN, nrow] = tf
                        out_i[EI_SURFER, nrow] = i
                        out_i[EI_SHOOTER, nrow] = e
                        out_i[EI_GAP, nrow] = gap
                        out_i[EI_RIGHT, nrow] = right
                        out_i[EI_TRUE_TURN, nrow] = true_turn
                        out_i[EI_HIT, nrow] = 0
                        out_i[EI_HIT_BULLET, nrow] = 0
                        out_i[EI_LABEL_RIGHT, nrow] = 0
                        out_i[EI_N_PARTS, nrow] = n
                        out_i[EI_STATUS, nrow] = status
                        out_i[EI_EXACT, nrow] = 1 if exq else 0
                        out_f[EF_SOURCE_X, nrow] = srcx
                        out_f[EF_SOURCE_Y, nrow] = srcy
                        out_f[EF_POWER, nrow] = power
                        out_f[EF_TRUE_POWER, nrow] = true_power
                        out_f[EF_BEARING, nrow] = b
                        out_f[EF_SPEED, nrow] = speed
                        out_f[EF_MEA, nrow] = mea
                        out_f[EF_MEA_POS, nrow] = mea_pos
                        out_f[EF_MEA_NEG, nrow] = mea_neg
                        if n > 0:
                            lo = acc[0, 0]
                            hi = acc[n - 1, 1]
                            out_f[EF_LO, nrow] = (lo if lat > 0.0 else -hi) / mea
                            out_f[EF_HI, nrow] = (hi if lat > 0.0 else -lo) / mea
                        else:
                            out_f[EF_LO, nrow] = math.nan
                            out_f[EF_HI, nrow] = math.nan
                        out_f[EF_CENTER, nrow] = c_off * lat / mea
                        out_f[EF_HIT, nrow] = math.nan
                        f = _wave_features_rows(x, y, heading, vel, energy, counters, i, j0, js, srcx, srcy, b, lat,
                                                speed, power, mea, mea_pos, mea_neg, 0.0, 0.0, seen[i], tf,
                                                energy[e, j], width, height)
                        for fk in range(N_BASE_FEAT):
                            feat[fk, nrow] = f[fk]
                        fe = ext_features(x, y, heading, vel, i, j0, js, counters[i, js, HC_MOVE_DIR], srcx, srcy,
                                          math.sin(b), math.cos(b), lat, speed, mea, psx, psy, psin, pcos, pmea, width,
                                          height)
                        for fk in range(N_FIRE_FEAT - N_BASE_FEAT):
                            feat[N_BASE_FEAT + fk, nrow] = fe[fk]
                        # the anti-surfer flags are the gun's (its own bullets' events): not defined here
                        feat[F_DID_HIT, nrow] = math.nan
                        feat[F_DID_COLLIDE, nrow] = math.nan
                        # this detection is the previous wave of the next one (current_gf)
                        psx = srcx
                        psy = srcy
                        psin = math.sin(b)
                        pcos = math.cos(b)
                        pmea = mea
                        nrow += 1
                have = True
                t1 = k
                e1 = e2
                v1 = v2
                adj = 0.0
                zapped = False
            # missed: observable enemy bullets no right detection claims
            n_right = 0.0
            for q in range(first_row, nrow):
                n_right += out_i[EI_RIGHT, q]
            unobs = 0.0
            for q in range(pe0, pe1):
                jf = j0 + int(bul[q, BC_FIRE])
                if jf >= j1 or not (alive[i, jf] and alive[e, jf]):
                    unobs += 1.0
            stats[i, DS_UNOBSERVABLE] += unobs
            stats[i, DS_MISSED] += (pe1 - pe0) - unobs - n_right
            # labels: enemy bullets that hit the surfer or one of its bullets, matched to a detected wave the
            # way a surfer does it (same power, distance flown consistent with the wave's age)
            for q in range(pe0, pe1):
                es = bul[q, BC_END_STATE]
                if es != BS_HIT_VICTIM and es != BS_HIT_BULLET:
                    continue
                kk = int(bul[q, BC_END_TURN])
                p = bul[q, BC_POWER]
                px = bul[q, BC_END_X]
                py = bul[q, BC_END_Y]
                if es == BS_HIT_VICTIM and kk >= 1:
                    # the trace paints a hit bullet riding on its victim: undo the victim's last move
                    px += x[i, j0 + kk - 1] - x[i, j0 + kk]
                    py += y[i, j0 + kk - 1] - y[i, j0 + kk]
                best = -1
                best_err = math.inf
                for w in range(first_row, nrow):
                    if abs(out_f[EF_POWER, w] - p) > 0.01 or out_i[EI_TURN, w] > kk:
                        continue
                    v = out_f[EF_SPEED, w]
                    d = math.sqrt((px - out_f[EF_SOURCE_X, w]) ** 2 + (py - out_f[EF_SOURCE_Y, w]) ** 2)
                    age = kk - out_i[EI_TURN, w]
                    err = min(abs(d - (age + 1) * v), abs(d - age * v))
                    if err < best_err:
                        best_err = err
                        best = w
                if best < 0 or best_err > out_f[EF_SPEED, best]:
                    continue
                stats[i, DS_LABELS] += 1.0
                if es == BS_HIT_VICTIM:
                    out_i[EI_HIT, best] = 1
                else:
                    out_i[EI_HIT_BULLET, best] = 1
                out_f[EF_HIT, best] = rel_angle(bul[q, BC_HEADING] - out_f[EF_BEARING, best]) * feat[F_LAT_DIR, best] \
                    / out_f[EF_MEA, best]
                if out_i[EI_TURN, best] == bul[q, BC_FIRE] and abs(out_f[EF_POWER, best] - p) <= POWER_TOL:
                    out_i[EI_LABEL_RIGHT, best] = 1
                    stats[i, DS_LABELS_RIGHT] += 1.0
    return nrow


# --------------------------------------------------------------------------- glue

class _Prepared:
    """A recorded battle reshaped for the kernels."""

    def __init__(self, result):
        arr, bounds, round_ids = _robot_arrays(result)
        self.arr = arr
        self.round_start = bounds
        self.round_ids = round_ids
        self.rules = result.rules
        self.width = float(result.rules.width)
        self.height = float(result.rules.height)
        self.cooling = float(result.rules.gun_cooling_rate)
        n = arr["x"].shape[1]
        self.bx = np.zeros((2, n))
        self.by = np.zeros((2, n))
        self.bexact = np.zeros((2, n), dtype=np.bool_)
        hit_boxes(arr["x"], arr["y"], arr["heading"], arr["velocity"], arr["state"], bounds, self.bx, self.by,
                  self.bexact)
        # inexact[:, j] = boxes not known exactly among rows < j (the kernels' O(1) exactness test)
        self.inexact = np.zeros((2, n + 1), dtype=np.int64)
        np.cumsum(~self.bexact, axis=1, out=self.inexact[:, 1:])
        self.counters = np.zeros((2, n, N_COUNTERS))
        for i in range(2):
            history_counters(arr["velocity"][i], bounds, self.counters[i])
        self.bul = bullet_table(result, round_ids)
        self.seg = _segments(self.bul, len(round_ids))


def _initial_power(bul, default):
    out = np.full(2, float(default))
    for s in range(2):
        mine = bul[bul[:, BC_OWNER] == s]
        if len(mine):
            out[s] = mine[0, BC_POWER]   # sorted by round then fire turn
    return out


def first_powers(result):
    """Power of each robot's first real bullet in a (part of a) recorded battle, NaN for a robot that did
    not fire in it: the power of a robot's virtual waves before its first bullet."""
    bul = bullet_table(result, np.unique(np.asarray(result.robots_trace)[:, 0]).astype(np.int64)) \
        if result.robots_trace is not None and len(result.robots_trace) else np.zeros((0, len(BULLET_COLUMNS)))
    return _initial_power(bul, math.nan)


class WaveCarry:
    """What the wave tables of a battle carry from one round to the next: each shooter's virtual-wave power
    (its last real bullet's, before its first one the power of that first one, or virtual_power if it never
    fires) and shots so far, and each surfer's detections so far. A battle tracked a few rounds at a time
    with one WaveCarry gives the rows of the whole battle tracked at once, provided `initial` is the power
    of each robot's first bullet in the whole battle (first_powers; NaN: never fires)."""

    def __init__(self, initial, virtual_power=2.0):
        initial = np.asarray(initial, dtype=np.float64)
        self.last_power = np.where(np.isnan(initial), float(virtual_power), initial)
        self.shots = np.zeros(2)
        self.seen = np.zeros(2)


def _columns(pr, int_names, out_i, float_names, out_f, feat, nrow):
    """A kernel's output rows as named columns: its own int and float columns (round indices mapped to
    round ids), then the features the table does not already have ("turn", and for the surfer "power")."""
    from sim.waves.features import FEATURE_NAMES
    cols = {}
    for k, name in enumerate(int_names):
        cols[name] = out_i[k, :nrow]
    cols["round"] = pr.round_ids[cols["round"]].astype(np.int64)
    for k, name in enumerate(float_names):
        cols[name] = out_f[k, :nrow]
    for k, name in enumerate(FEATURE_NAMES):
        if name not in cols:
            cols[name] = feat[k, :nrow]
    return cols


def gun_waves(result, virtual_power=2.0, prepared=None, carry=None):
    """Gun-wave table of a recorded 1v1 battle: dict column -> array (GUN_INT, GUN_FLOAT, FEATURE_NAMES),
    plus the multi-piece hit sets ("parts": rows of (row, gf_lo, gf_hi)) and counts ("stats").
    `result` may be a part of a battle (sim.engine.battle.TraceChunk) tracked with the battle's `carry`."""
    pr = prepared or _Prepared(result)
    a = pr.arr
    n = a["x"].shape[1]
    rows = 2 * n
    if carry is None:
        carry = WaveCarry(_initial_power(pr.bul, math.nan), virtual_power)
    cap = max(4096, n // 4)
    start = (carry.last_power.copy(), carry.shots.copy())
    while True:
        out_i = np.empty((len(GUN_INT), rows), dtype=np.int64)
        out_f = np.empty((len(GUN_FLOAT), rows))
        feat = np.empty((N_FEAT, rows))
        parts = np.zeros((cap, 3))
        stats = np.zeros((2, 4))
        carry.last_power[:], carry.shots[:] = start
        nrow, nparts = gun_waves_nb(pr.round_start, a["x"], a["y"], a["heading"], a["velocity"], a["energy"],
                                    a["heat"], a["state"], pr.bx, pr.by, pr.inexact, pr.counters, pr.bul, pr.seg,
                                    carry.last_power, carry.shots, pr.width, pr.height, pr.cooling, out_i, out_f,
                                    feat, parts, stats)
        if nparts <= cap:
            break
        cap = nparts + 16
    cols = _columns(pr, GUN_INT, out_i, GUN_FLOAT, out_f, feat, nrow)
    return dict(columns=cols, parts=parts[:nparts].copy(), stats=stats)


def bot_specs(result):
    """The bot spec strings of a battle (Robocode's " (1)", " (2)" suffixes for twins removed)."""
    import re
    return [re.sub(r" \(\d+\)$", "", nm) for nm in result.names]


def _advanced_flags(result, specs=None):
    from bots.registry import parse_bot
    specs = specs or bot_specs(result)
    return np.array([parse_bot(sp).advanced if isinstance(sp, str) else bool(sp.advanced) for sp in specs])


def enemy_waves(result, prepared=None, specs=None, carry=None):
    """The surfer's-view table (ENEMY_INT, ENEMY_FLOAT, FEATURE_NAMES) and detection stats (2, 8);
    `carry` as for gun_waves."""
    pr = prepared or _Prepared(result)
    a = pr.arr
    n = a["x"].shape[1]
    seen = carry.seen if carry is not None else np.zeros(2)
    scanned = np.zeros((2, n), dtype=np.bool_)
    scans_nb(pr.round_start, a["x"], a["y"], a["heading"], a["gun"], a["radar"], a["state"], pr.bx, pr.by, scanned)
    rows = max(16, len(pr.bul) * 2 + 16)
    start = seen.copy()
    while True:
        out_i = np.empty((len(ENEMY_INT), rows), dtype=np.int64)
        out_f = np.empty((len(ENEMY_FLOAT), rows))
        feat = np.empty((N_FEAT, rows))
        stats = np.zeros((2, len(DETECTION_STATS)))
        seen[:] = start
        nrow = enemy_waves_nb(pr.round_start, a["x"], a["y"], a["heading"], a["velocity"], a["energy"], a["state"],
                              pr.bx, pr.by, pr.inexact, pr.counters, pr.bul, pr.seg, scanned,
                              _advanced_flags(result, specs), pr.width, pr.height, pr.cooling, seen, out_i, out_f,
                              feat, stats) if rows >= n else None
        if nrow is not None:
            break
        rows = n   # at most one detection per scan
    cols = _columns(pr, ENEMY_INT, out_i, ENEMY_FLOAT, out_f, feat, nrow)
    return dict(columns=cols, stats=stats, scans=scanned.sum(axis=1))


def battle_waves(result, specs=None, virtual_power=2.0, carry=None):
    """Both tables of a recorded 1v1 battle: {"gun": gun_waves(...), "enemy": enemy_waves(...)}; a part of a
    battle with the battle's `carry` (WaveCarry)."""
    pr = _Prepared(result)
    if carry is None:
        carry = WaveCarry(_initial_power(pr.bul, math.nan), virtual_power)
    return {"gun": gun_waves(result, virtual_power=virtual_power, prepared=pr, carry=carry),
            "enemy": enemy_waves(result, prepared=pr, specs=specs, carry=carry)}
