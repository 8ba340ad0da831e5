"""The compiled turn loop: Battle.runTurn of Robocode 1.9, for robots and bullets in arrays.

One call of ``run_battle_nb`` plays every round of a battle. The order of
operations, the random processing order (java.util.Random, seeded like
-DRANDOMSEED) and every rule follow net.sf.robocode.battle.Battle, RobotPeer
and BulletPeer; comments name the Java method each block reproduces.

Speed: numba increfs/decrefs every array argument of a compiled call with an
atomic instruction (NRT), which used to be most of a turn's time. So the
per-turn helpers are LLVM-inlined (``HOT``), take whole arrays and an index
rather than row views, and end with ``hold(...)`` of their array arguments so
that numba's refcount pruning removes the pairs (see ``geometry.hold``). Where
the pruning gives up on a large helper, nothing is left anyway: the loop itself
runs on borrowed views of every array (``geometry.borrowed``: no meminfo, so
each incref/decref is a null test that LLVM folds away). The only calls left in
the turn loop are into bot code, which gets borrowed views too, so that its own
calls do no atomic refcounting either. sin/cos of a heading that has not
changed are reused (engine-private columns after sim.engine.constants' layout:
B_STEP_*, physics.R_MOVE_*/R_SCAN_*), and the scan and bullet hit tests first
reject, by a wide margin, what cannot be hit (geometry._sweep_clear_of_box,
BULLET_FAR2). None of this changes a floating-point result or the order of
the operations that produce one: traces are bit-identical (checked on
hundreds of recorded battles).
"""
import math

import numpy as np
from numba import njit

from sim.engine.constants import *  # noqa: F401,F403  (column layout: compile-time ints)
from sim.engine.geometry import (normal_relative_angle, robot_box_intersects_line, robot_boxes_intersect,
                       robot_box_contains, segments_intersect, scan_hits_box_rays, hold, borrowed)
from sim.engine.physics import (bullet_damage, bullet_speed, fire_power, gun_heat, update_heading, update_gun_heading, update_radar_heading, update_movement,
                      wall_collision, wall_hit_damage, sin_cos, R_MOVE_ANGLE, R_SCAN_ANGLE, N_ROB_ENGINE)
from sim.engine import jrandom, jmath, jtrig
from sim.engine.variants import variant, not_compiled_in

# Compile options. HOT helpers run every turn and are LLVM-inlined into the turn loop (forceinline):
# a call to a compiled function increfs and decrefs every array argument with an atomic
# instruction on entry and exit (numba's NRT), which cost more than the rules themselves.
# COLD functions run once per round (or only when recording) and stay out of line.
# forceinline is always given explicitly: numba lets a callee inherit an unset flag from the caller
# that compiles it, and bot code must not be inlined by accident.
HOT = dict(cache=True, error_model="numpy", forceinline=True)
COLD = dict(cache=True, error_model="numpy", forceinline=False)

# engine-private bullet columns after sim.engine.constants' B_*: a moving bullet's step per turn, computed
# once when it is fired (BulletPeer.updateMovement adds velocity * sin/cos(heading) every turn; the
# same products, so positions are bit-identical, without a sincos per bullet per turn)
B_STEP_X, B_STEP_Y = N_BUL, N_BUL + 1
N_BUL_ENGINE = N_BUL + 2

# squared distance from a bullet's path's midpoint to a robot's centre beyond which the path cannot touch
# the robot's box: half a path (at most 19.7 / 2 < 10) + half the box's diagonal (25.46, float32 edges
# included, < 26) + 1 px, far above the rounding of Rectangle2D.intersectsLine's clipping (whose clipped
# points stay on the path to within ~1e-12): checkRobotCollision skips the exact test beyond it
BULLET_FAR2 = (10.0 + 26.0 + 1.0) ** 2

# recorded robot columns: round, turn, robot, x, y, heading, gun, radar, velocity, energy, gun heat, state
N_REC_ROB = 12
# recorded bullet columns: round, turn, owner, bullet id, x, y, heading, power, state
N_REC_BUL = 9


@njit(inline="always", **HOT)
def _push_event(ev, nev, i, etype, time):
    """Queue an event for robot i; returns its row (payload columns zeroed) or -1 when full.

    Inlined at numba-IR level: every call passes a constant event type, and a compiled
    function would get a separate specialisation (a full compile) per constant."""
    k = nev[i]
    if k < MAX_EVENTS:
        nev[i] = k + 1
        ev[i, k, E_TYPE] = etype
        ev[i, k, E_TIME] = time
        ev[i, k, E_PRIORITY] = EVENT_PRIORITY[etype]
        for c in range(E_A, N_EV):
            ev[i, k, c] = 0.0
    else:
        k = -1
    hold(ev, nev)
    return k


@njit(**HOT)
def _reset_inactivity(bat, energy_loss):
    """Battle.resetInactiveTurnCount: every 10 energy lost restarts the inactivity clock."""
    if energy_loss < 0.0:
        return
    bat[BT_INACTIVITY_ENERGY] += energy_loss
    while bat[BT_INACTIVITY_ENERGY] >= 10.0:
        bat[BT_INACTIVITY_ENERGY] -= 10.0
        bat[BT_INACTIVE_TURNS] = 0.0


@njit(**HOT)
def _set_energy(rob, cmd, bat, i, new_energy, reset_inactive):
    if reset_inactive and rob[i, R_ENERGY] != new_energy:
        _reset_inactivity(bat, rob[i, R_ENERGY] - new_energy)
    rob[i, R_ENERGY] = new_energy
    if new_energy < 0.01:
        rob[i, R_ENERGY] = 0.0
        cmd[i, C_DIST] = 0.0
        cmd[i, C_BODY] = 0.0
    hold(rob, cmd, bat)


@njit(**HOT)
def _update_energy(rob, cmd, bat, i, delta):
    # a robot whose execution has finished (halted, R_HALT == 2) can lose energy but gains none
    if rob[i, R_HALT] < 2.0 or delta < 0.0:
        _set_energy(rob, cmd, bat, i, rob[i, R_ENERGY] + delta, np.bool_(True))
    hold(rob, cmd, bat)


@njit(**HOT)
def _add_bullet(bul, blist, bat):
    """Append a bullet slot to Battle.bullets (insertion order matters for the shuffles)."""
    nb = int(bat[BT_N_BULLETS])
    if nb >= bul.shape[0]:
        bat[BT_OVERFLOW] = 1.0
        hold(bul, blist, bat)
        return -1
    slot = -1
    for k in range(bul.shape[0]):
        if bul[k, B_STATE] == BS_FREE:
            slot = k
            break
    blist[nb] = slot
    bat[BT_N_BULLETS] = nb + 1
    hold(bul, blist, bat)
    return slot


@njit(**HOT)
def _kill(rob, cmd, bat, bul, blist, ev, nev, deaths, i):
    """RobotPeer.kill: death event, explosion, energy to 0, state DEAD."""
    _reset_inactivity(bat, 10.0)
    if rob[i, R_ALIVE] != 0.0:
        _push_event(ev, nev, i, EV_DEATH, bat[BT_TIME])
        nd = int(bat[BT_N_DEATHS])
        deaths[nd] = i
        bat[BT_N_DEATHS] = nd + 1
        k = _add_bullet(bul, blist, bat)
        if k >= 0:  # ExplosionPeer: lives in the bullet list for 71 frames
            bul[k, B_STATE] = BS_EXPLODED
            bul[k, B_FRAME] = 0.0
            bul[k, B_X] = rob[i, R_X]
            bul[k, B_Y] = rob[i, R_Y]
            bul[k, B_LAST_X] = rob[i, R_X]
            bul[k, B_LAST_Y] = rob[i, R_Y]
            bul[k, B_OWNER] = i
            bul[k, B_VICTIM] = i
            bul[k, B_POWER] = 1.0
            bul[k, B_ID] = 0.0
            bul[k, B_HEADING] = 0.0
            bul[k, B_FIRE_TIME] = bat[BT_TIME]
            for c in range(B_LINE_X1, B_DY + 1):
                bul[k, c] = 0.0
    _update_energy(rob, cmd, bat, i, -rob[i, R_ENERGY])
    rob[i, R_ALIVE] = 0.0
    rob[i, R_STATE] = RS_DEAD
    hold(rob, cmd, bat, bul, blist, ev, nev, deaths)


@njit(**HOT)
def _fire_bullets(rob, cmd, bat, bul, blist, i):
    """RobotPeer.fireBullets: the bullet starts from last turn's position and gun heading."""
    power = cmd[i, C_FIRE]
    if math.isnan(power):
        hold(rob, cmd, bat, bul, blist)
        return
    if rob[i, R_HEAT] > 0.0 or rob[i, R_ENERGY] == 0.0:
        hold(rob, cmd, bat, bul, blist)
        return
    power = fire_power(power, rob[i, R_ENERGY])
    _update_energy(rob, cmd, bat, i, -power)
    rob[i, R_HEAT] += gun_heat(power)
    k = _add_bullet(bul, blist, bat)
    if k < 0:
        hold(rob, cmd, bat, bul, blist)
        return
    rob[i, R_BULLET_SEQ] += 1.0
    rob[i, R_SHOTS] += 1.0
    heading = rob[i, R_GUN]
    if rob[i, R_RADAR_WITH_GUN] != 0.0 and cmd[i, C_FIRE_ASSIST] != 0.0 and rob[i, R_ADVANCED] == 0.0:
        heading = cmd[i, C_FIRE_ASSIST_ANGLE]
    bul[k, B_STATE] = BS_FIRED
    bul[k, B_FRAME] = 0.0
    bul[k, B_HEADING] = heading
    bul[k, B_POWER] = power
    v = bullet_speed(power)
    bul[k, B_STEP_X] = v * jtrig.sin(heading)
    bul[k, B_STEP_Y] = v * jtrig.cos(heading)
    bul[k, B_OWNER] = i
    bul[k, B_VICTIM] = -1.0
    bul[k, B_ID] = rob[i, R_BULLET_SEQ]
    bul[k, B_X] = rob[i, R_X]
    bul[k, B_Y] = rob[i, R_Y]
    bul[k, B_LAST_X] = rob[i, R_X]
    bul[k, B_LAST_Y] = rob[i, R_Y]
    bul[k, B_LINE_X1] = 0.0
    bul[k, B_LINE_Y1] = 0.0
    bul[k, B_LINE_X2] = 0.0
    bul[k, B_LINE_Y2] = 0.0
    bul[k, B_FIRE_TIME] = bat[BT_TIME]
    hold(rob, cmd, bat, bul, blist)


@njit(**HOT)
def _update_bullet(b, rob, cmd, bat, bul, blist, ev, nev, deaths, sc, dmg, rorder, border, nbord, width, height,
                   box):
    """BulletPeer.update (or ExplosionPeer.update for robot explosions)."""
    t = bat[BT_TIME]
    bul[b, B_FRAME] += 1.0
    state = bul[b, B_STATE]
    owner = int(bul[b, B_OWNER])
    if state == BS_EXPLODED and bul[b, B_ID] == 0.0:  # explosion of a dead robot
        bul[b, B_X] = rob[owner, R_X]
        bul[b, B_Y] = rob[owner, R_Y]
        if bul[b, B_FRAME] >= ROBOT_EXPLOSION_LENGTH:
            bul[b, B_STATE] = BS_INACTIVE
        hold(rob, cmd, bat, bul, blist, ev, nev, deaths, sc, dmg, rorder, border, box)
        return
    if state == BS_FIRED or state == BS_MOVING:
        # updateMovement
        lx = bul[b, B_X]
        ly = bul[b, B_Y]
        bul[b, B_LAST_X] = lx
        bul[b, B_LAST_Y] = ly
        h = bul[b, B_HEADING]
        x = lx + bul[b, B_STEP_X]  # velocity * sin(heading), see B_STEP_X
        y = ly + bul[b, B_STEP_Y]
        bul[b, B_X] = x
        bul[b, B_Y] = y
        bul[b, B_LINE_X1] = lx
        bul[b, B_LINE_Y1] = ly
        bul[b, B_LINE_X2] = x
        bul[b, B_LINE_Y2] = y
        # checkWallCollision
        if x - BULLET_RADIUS <= 0.0 or y - BULLET_RADIUS <= 0.0 or x + BULLET_RADIUS >= width or \
                y + BULLET_RADIUS >= height:
            bul[b, B_STATE] = BS_HIT_WALL
            bul[b, B_FRAME] = 0.0
            k = _push_event(ev, nev, owner, EV_BULLET_MISSED, t)
            if k >= 0:
                ev[owner, k, E_A] = bul[b, B_ID]
                ev[owner, k, E_A + 1] = x
                ev[owner, k, E_A + 2] = y
                ev[owner, k, E_A + 3] = h
                ev[owner, k, E_A + 4] = bul[b, B_POWER]
        # checkRobotCollision
        if bul[b, B_STATE] == BS_FIRED or bul[b, B_STATE] == BS_MOVING:
            for jj in range(rorder.shape[0]):
                j = rorder[jj]
                if j == owner or rob[j, R_ALIVE] == 0.0:
                    continue
                mx = 0.5 * (lx + x) - box[j, 0]
                my = 0.5 * (ly + y) - box[j, 1]
                if mx * mx + my * my > BULLET_FAR2:
                    continue
                if not robot_box_intersects_line(box[j, 0], box[j, 1], lx, ly, x, y):
                    continue
                power = bul[b, B_POWER]
                bul[b, B_STATE] = BS_HIT_VICTIM
                bul[b, B_FRAME] = 0.0
                bul[b, B_VICTIM] = j
                damage = bullet_damage(power)
                score = damage
                if score > rob[j, R_ENERGY]:
                    score = rob[j, R_ENERGY]
                _update_energy(rob, cmd, bat, j, -damage)
                dmg[owner, j] += score
                sc[owner, S_BULLET_DMG] += score
                rob[owner, R_HITS] += 1.0
                if rob[j, R_ENERGY] <= 0.0 and rob[j, R_ALIVE] != 0.0:
                    _kill(rob, cmd, bat, bul, blist, ev, nev, deaths, j)
                    sc[owner, S_BULLET_KILL] += dmg[owner, j] * 0.20
                _update_energy(rob, cmd, bat, owner, 3.0 * power)
                k = _push_event(ev, nev, j, EV_HIT_BY_BULLET, t)
                if k >= 0:
                    ev[j, k, E_A] = normal_relative_angle(h + math.pi - rob[j, R_HEADING])
                    ev[j, k, E_A + 1] = h
                    ev[j, k, E_A + 2] = power
                    ev[j, k, E_A + 3] = x
                    ev[j, k, E_A + 4] = y
                    ev[j, k, E_A + 5] = owner
                    ev[j, k, E_A + 6] = bul[b, B_ID]
                k = _push_event(ev, nev, owner, EV_BULLET_HIT, t)
                if k >= 0:
                    ev[owner, k, E_A] = j
                    ev[owner, k, E_A + 1] = rob[j, R_ENERGY]
                    ev[owner, k, E_A + 2] = h
                    ev[owner, k, E_A + 3] = x
                    ev[owner, k, E_A + 4] = y
                    ev[owner, k, E_A + 5] = power
                    ev[owner, k, E_A + 6] = bul[b, B_ID]
                if robot_box_contains(box[j, 0], box[j, 1], lx, ly):
                    bul[b, B_X] = lx
                    bul[b, B_Y] = ly
                bul[b, B_DX] = bul[b, B_X] - rob[j, R_X]
                bul[b, B_DY] = bul[b, B_Y] - rob[j, R_Y]
                break
        # checkBulletCollision
        if bul[b, B_STATE] == BS_FIRED or bul[b, B_STATE] == BS_MOVING:
            owner_f = bul[b, B_OWNER]   # an index stored as a float: compared as one
            for kk in range(nbord):
                o = border[kk]
                if o == b or bul[o, B_OWNER] == owner_f:
                    continue
                so = bul[o, B_STATE]
                if not (so == BS_FIRED or so == BS_MOVING):
                    continue
                if not segments_intersect(bul[o, B_LINE_X1], bul[o, B_LINE_Y1], bul[o, B_LINE_X2], bul[o, B_LINE_Y2],
                                          bul[b, B_LINE_X1], bul[b, B_LINE_Y1], bul[b, B_LINE_X2], bul[b, B_LINE_Y2]):
                    continue
                bul[b, B_STATE] = BS_HIT_BULLET
                bul[b, B_FRAME] = 0.0
                bul[b, B_X] = bul[b, B_LAST_X]
                bul[b, B_Y] = bul[b, B_LAST_Y]
                bul[o, B_STATE] = BS_HIT_BULLET
                bul[o, B_FRAME] = 0.0
                bul[o, B_X] = bul[o, B_LAST_X]
                bul[o, B_Y] = bul[o, B_LAST_Y]
                for side in range(2):
                    me = b if side == 0 else o
                    it = o if side == 0 else b
                    who = int(bul[me, B_OWNER])
                    k = _push_event(ev, nev, who, EV_BULLET_HIT_BULLET, t)
                    if k >= 0:
                        ev[who, k, E_A] = bul[me, B_ID]
                        ev[who, k, E_A + 1] = bul[it, B_HEADING]
                        ev[who, k, E_A + 2] = bul[it, B_X]
                        ev[who, k, E_A + 3] = bul[it, B_Y]
                        ev[who, k, E_A + 4] = bul[it, B_POWER]
                        ev[who, k, E_A + 5] = bul[it, B_OWNER]
                        ev[who, k, E_A + 6] = bul[me, B_X]
                        ev[who, k, E_A + 7] = bul[me, B_Y]
                break
    # updateBulletState
    state = bul[b, B_STATE]
    if state == BS_FIRED:
        if bul[b, B_FRAME] > 0.0:
            bul[b, B_STATE] = BS_MOVING
    elif state == BS_HIT_BULLET or state == BS_HIT_VICTIM or state == BS_HIT_WALL or state == BS_EXPLODED:
        if bul[b, B_FRAME] >= BULLET_EXPLOSION_LENGTH:
            bul[b, B_STATE] = BS_INACTIVE
    hold(rob, cmd, bat, bul, blist, ev, nev, deaths, sc, dmg, rorder, border, box)


@njit(**HOT)
def _remove_bullet(bul, blist, bat, b):
    nb = int(bat[BT_N_BULLETS])
    pos = -1
    for k in range(nb):
        if blist[k] == b:
            pos = k
            break
    if pos < 0:
        return
    for k in range(pos, nb - 1):
        blist[k] = blist[k + 1]
    bat[BT_N_BULLETS] = nb - 1
    bul[b, B_STATE] = BS_FREE


@njit(**HOT)
def _robots_at_random(rng, order, n):
    for k in range(n):
        order[k] = k
    jrandom.shuffle(rng, order, n)


@njit(**HOT)
def _update_bullets(rng, rob, cmd, bat, bul, blist, ev, nev, deaths, sc, dmg, rules, box, outer, rorder, border):
    """Battle.updateBullets: each bullet sees freshly shuffled robot and bullet lists."""
    n = rob.shape[0]
    nb = int(bat[BT_N_BULLETS])
    for k in range(nb):
        outer[k] = blist[k]
    jrandom.shuffle(rng, outer, nb)
    width = rules[RU_WIDTH]
    height = rules[RU_HEIGHT]
    for k in range(nb):
        b = outer[k]
        _robots_at_random(rng, rorder, n)
        cur = int(bat[BT_N_BULLETS])
        for q in range(cur):
            border[q] = blist[q]
        jrandom.shuffle(rng, border, cur)
        _update_bullet(b, rob, cmd, bat, bul, blist, ev, nev, deaths, sc, dmg, rorder, border, cur, width, height,
                       box)
        if bul[b, B_STATE] == BS_INACTIVE:
            _remove_bullet(bul, blist, bat, b)
    hold(rng, rob, cmd, bat, bul, blist, ev, nev, deaths, sc, dmg, rules, box, outer, rorder, border)


@njit(**HOT)
def _check_robot_collision(rob, cmd, bat, bul, blist, ev, nev, deaths, sc, dmg, box, i, rorder):
    """RobotPeer.checkRobotCollision: the robot moving into another is at fault and steps back."""
    rob[i, R_IN_COLLISION] = 0.0
    t = bat[BT_TIME]
    for jj in range(rorder.shape[0]):
        j = rorder[jj]
        if j == i or rob[j, R_ALIVE] == 0.0:
            continue
        if not robot_boxes_intersect(box[i, 0], box[i, 1], box[j, 0], box[j, 1]):
            continue
        angle = jmath.atan2(rob[j, R_X] - rob[i, R_X], rob[j, R_Y] - rob[i, R_Y])
        v = rob[i, R_VEL]
        h = rob[i, R_HEADING]
        moved_x = v * jtrig.sin(h)
        moved_y = v * jtrig.cos(h)
        bearing = normal_relative_angle(angle - h)
        if (v > 0.0 and bearing > -math.pi / 2.0 and bearing < math.pi / 2.0) or \
                (v < 0.0 and (bearing < -math.pi / 2.0 or bearing > math.pi / 2.0)):
            rob[i, R_IN_COLLISION] = 1.0
            rob[i, R_VEL] = 0.0
            cmd[i, C_DIST] = 0.0
            rob[i, R_X] -= moved_x
            rob[i, R_Y] -= moved_y
            dmg[i, j] += ROBOT_HIT_DAMAGE
            sc[i, S_RAM_DMG] += ROBOT_HIT_BONUS
            _update_energy(rob, cmd, bat, i, -ROBOT_HIT_DAMAGE)
            _update_energy(rob, cmd, bat, j, -ROBOT_HIT_DAMAGE)
            if rob[j, R_ENERGY] == 0.0:
                if rob[j, R_ALIVE] != 0.0:
                    _kill(rob, cmd, bat, bul, blist, ev, nev, deaths, j)
                    sc[i, S_RAM_KILL] += dmg[i, j] * 0.30
            k = _push_event(ev, nev, i, EV_HIT_ROBOT, t)
            if k >= 0:
                ev[i, k, E_A] = j
                ev[i, k, E_A + 1] = normal_relative_angle(angle - h)
                ev[i, k, E_A + 2] = rob[j, R_ENERGY]
                ev[i, k, E_A + 3] = 1.0
            k = _push_event(ev, nev, j, EV_HIT_ROBOT, t)
            if k >= 0:
                ev[j, k, E_A] = i
                ev[j, k, E_A + 1] = normal_relative_angle(math.pi + angle - rob[j, R_HEADING])
                ev[j, k, E_A + 2] = rob[i, R_ENERGY]
                ev[j, k, E_A + 3] = 0.0
    if rob[i, R_IN_COLLISION] != 0.0:
        rob[i, R_STATE] = RS_HIT_ROBOT
    hold(rob, cmd, bat, bul, blist, ev, nev, deaths, sc, dmg, box, rorder)


@njit(**HOT)
def _perform_move(rob, cmd, bat, bul, blist, ev, nev, deaths, sc, dmg, rules, box, i, rorder, zap):
    """RobotPeer.performMove."""
    if rob[i, R_ALIVE] == 0.0:
        hold(rob, cmd, bat, bul, blist, ev, nev, deaths, sc, dmg, rules, box, rorder)
        return
    rob[i, R_STATE] = RS_ACTIVE
    rob[i, R_HEAT] -= rules[RU_COOLING]
    if rob[i, R_HEAT] < 0.0:
        rob[i, R_HEAT] = 0.0
    rob[i, R_LAST_HEADING] = rob[i, R_HEADING]
    rob[i, R_LAST_GUN] = rob[i, R_GUN]
    rob[i, R_LAST_RADAR] = rob[i, R_RADAR]
    last_x = rob[i, R_X]
    last_y = rob[i, R_Y]
    if rob[i, R_IN_COLLISION] == 0.0:
        update_heading(rob, cmd, i)
    update_gun_heading(rob, cmd, i)
    update_radar_heading(rob, cmd, i)
    update_movement(rob, cmd, i)
    if rob[i, R_VEL] != 0.0:
        box[i, 0] = rob[i, R_X]
        box[i, 1] = rob[i, R_Y]
    hit, bearing, v = wall_collision(rob, cmd, i, rules[RU_WIDTH], rules[RU_HEIGHT])
    if hit:
        k = _push_event(ev, nev, i, EV_HIT_WALL, bat[BT_TIME])
        if k >= 0:
            ev[i, k, E_A] = bearing
        if rob[i, R_ADVANCED] != 0.0:
            _set_energy(rob, cmd, bat, i, rob[i, R_ENERGY] - wall_hit_damage(v), np.bool_(False))
        box[i, 0] = rob[i, R_X]
        box[i, 1] = rob[i, R_Y]
        rob[i, R_STATE] = RS_HIT_WALL
    _check_robot_collision(rob, cmd, bat, bul, blist, ev, nev, deaths, sc, dmg, box, i, rorder)
    if rob[i, R_SCAN] == 0.0:
        if rob[i, R_LAST_HEADING] != rob[i, R_HEADING] or rob[i, R_LAST_GUN] != rob[i, R_GUN] or \
                rob[i, R_LAST_RADAR] != rob[i, R_RADAR] or last_x != rob[i, R_X] or last_y != rob[i, R_Y]:
            rob[i, R_SCAN] = 1.0
    if rob[i, R_ALIVE] == 0.0:
        hold(rob, cmd, bat, bul, blist, ev, nev, deaths, sc, dmg, rules, box, rorder)
        return
    if zap != 0.0:  # RobotPeer.zap
        if rob[i, R_ENERGY] == 0.0:
            _kill(rob, cmd, bat, bul, blist, ev, nev, deaths, i)
            hold(rob, cmd, bat, bul, blist, ev, nev, deaths, sc, dmg, rules, box, rorder)
            return
        rob[i, R_ENERGY] -= abs(zap)
        if rob[i, R_ENERGY] < 0.1:
            rob[i, R_ENERGY] = 0.0
            cmd[i, C_DIST] = 0.0
            cmd[i, C_BODY] = 0.0
    hold(rob, cmd, bat, bul, blist, ev, nev, deaths, sc, dmg, rules, box, rorder)


@njit(**HOT)
def _perform_scan(rob, bat, ev, nev, box, i, rorder):
    """RobotPeer.performScan / scan: the radar sweeps from last turn's heading to this one."""
    if rob[i, R_ALIVE] == 0.0:
        hold(rob, bat, ev, nev, box, rorder)
        return
    rob[i, R_RADAR_WITH_GUN] = 0.0
    if rob[i, R_SCAN] != 0.0:
        start = rob[i, R_LAST_RADAR]
        extent = rob[i, R_RADAR] - start
        if extent < -math.pi:
            extent = 2.0 * math.pi + extent
        elif extent > math.pi:
            extent = extent - 2.0 * math.pi
        x = rob[i, R_X]
        y = rob[i, R_Y]
        # the rays' sin/cos, once per scan; this scan usually starts where the last one ended
        s0, c0 = sin_cos(rob, i, I64(R_SCAN_ANGLE), start)
        s1, c1 = s0, c0
        if extent != 0.0:
            s1, c1 = sin_cos(rob, i, I64(R_SCAN_ANGLE), start + extent)
        for jj in range(rorder.shape[0]):
            j = rorder[jj]
            if j == i or rob[j, R_ALIVE] == 0.0:
                continue
            if scan_hits_box_rays(x, y, start, extent, RADAR_SCAN_RADIUS, box[j, 0], box[j, 1], s0, c0, s1, c1):
                dx = rob[j, R_X] - x
                dy = rob[j, R_Y] - y
                k = _push_event(ev, nev, i, EV_SCANNED, bat[BT_TIME])
                if k >= 0:
                    ev[i, k, EA_OTHER] = j
                    ev[i, k, EA_ENERGY] = rob[j, R_ENERGY]
                    # Java's fdlibm atan2/hypot (RobotPeer.scan): libm's differ in the last bit for ~15% of
                    # arguments, and robots that compare scan values exactly take other branches
                    ev[i, k, EA_BEARING] = normal_relative_angle(jmath.atan2(dx, dy) - rob[i, R_HEADING])
                    ev[i, k, EA_DISTANCE] = jmath.hypot(dx, dy)
                    ev[i, k, EA_HEADING] = rob[j, R_HEADING]
                    ev[i, k, EA_VELOCITY] = rob[j, R_VEL]
        rob[i, R_RADAR_WITH_GUN] = 1.0 if (rob[i, R_LAST_GUN] == rob[i, R_LAST_RADAR] and
                                           rob[i, R_GUN] == rob[i, R_RADAR]) else 0.0
        rob[i, R_SCAN] = 0.0
    rob[i, R_LAST_HEADING] = -1.0
    rob[i, R_LAST_GUN] = -1.0
    rob[i, R_LAST_RADAR] = -1.0
    hold(rob, bat, ev, nev, box, rorder)


@njit(**HOT)
def _alive_count(rob):
    c = 0
    for i in range(rob.shape[0]):
        if rob[i, R_ALIVE] != 0.0:
            c += 1
    return c


@njit(**COLD)
def _died_this_turn(ev, nev, i):
    """RobotPeer.kill queued a DeathEvent this turn: the robot's thread still wakes up once."""
    for k in range(nev[i]):
        if ev[i, k, E_TYPE] == EV_DEATH:
            return True
    return False


@njit(**HOT)
def _status(rob, rules, bat, i, st):
    st[ST_X] = rob[i, R_X]
    st[ST_Y] = rob[i, R_Y]
    st[ST_HEADING] = rob[i, R_HEADING]
    st[ST_GUN] = rob[i, R_GUN]
    st[ST_RADAR] = rob[i, R_RADAR]
    st[ST_VEL] = rob[i, R_VEL]
    st[ST_ENERGY] = rob[i, R_ENERGY]
    st[ST_HEAT] = rob[i, R_HEAT]
    st[ST_TIME] = bat[BT_TIME]
    st[ST_OTHERS] = _alive_count(rob) - (1 if rob[i, R_ALIVE] != 0.0 else 0)
    st[ST_ROUND] = bat[BT_ROUND]
    st[ST_NUM_ROUNDS] = rules[RU_ROUNDS]
    st[ST_WIDTH] = rules[RU_WIDTH]
    st[ST_HEIGHT] = rules[RU_HEIGHT]
    st[ST_COOLING] = rules[RU_COOLING]
    st[ST_ADVANCED] = rob[i, R_ADVANCED]


@njit(**COLD)
def _record(rec_rob, rec_bul, rec_n, rob, bul, blist, bat, full):
    """Append this turn's robot and bullet states (replays and conformance traces)."""
    n = rob.shape[0]
    if rec_n[0] + n > rec_rob.shape[0]:
        full[0] = 1
        hold(rec_rob, rec_bul, rec_n, rob, bul, blist, bat, full)
        return
    for i in range(n):
        row = rec_n[0]
        rec_rob[row, 0] = bat[BT_ROUND]
        rec_rob[row, 1] = bat[BT_TIME]
        rec_rob[row, 2] = i
        rec_rob[row, 3] = rob[i, R_X]
        rec_rob[row, 4] = rob[i, R_Y]
        rec_rob[row, 5] = rob[i, R_HEADING]
        rec_rob[row, 6] = rob[i, R_GUN]
        rec_rob[row, 7] = rob[i, R_RADAR]
        rec_rob[row, 8] = rob[i, R_VEL]
        rec_rob[row, 9] = rob[i, R_ENERGY]
        rec_rob[row, 10] = rob[i, R_HEAT]
        rec_rob[row, 11] = rob[i, R_STATE]
        rec_n[0] = row + 1
    nb = int(bat[BT_N_BULLETS])
    for q in range(nb):
        b = blist[q]
        if bul[b, B_ID] == 0.0:  # robot explosions are not bullets
            continue
        if rec_n[1] >= rec_bul.shape[0]:
            full[0] = 1
            hold(rec_rob, rec_bul, rec_n, rob, bul, blist, bat, full)
            return
        row = rec_n[1]
        rec_bul[row, 0] = bat[BT_ROUND]
        rec_bul[row, 1] = bat[BT_TIME]
        rec_bul[row, 2] = bul[b, B_OWNER]
        rec_bul[row, 3] = bul[b, B_ID]
        if bul[b, B_STATE] == BS_HIT_VICTIM:  # Robocode paints a hit bullet riding on its victim
            v = int(bul[b, B_VICTIM])
            rec_bul[row, 4] = rob[v, R_X] + bul[b, B_DX]
            rec_bul[row, 5] = rob[v, R_Y] + bul[b, B_DY]
        else:
            rec_bul[row, 4] = bul[b, B_X]
            rec_bul[row, 5] = bul[b, B_Y]
        rec_bul[row, 6] = bul[b, B_HEADING]
        rec_bul[row, 7] = bul[b, B_POWER]
        rec_bul[row, 8] = bul[b, B_STATE]
        rec_n[1] = row + 1
    hold(rec_rob, rec_bul, rec_n, rob, bul, blist, bat, full)


@njit(**COLD)
def _init_round(rng, rules, rob, cmd, box, placed, setups, round_num):
    """RobotPeer.initializeRound for every robot in list order (random spots are redrawn while overlapping)."""
    n = rob.shape[0]
    w = rules[RU_WIDTH]
    h = rules[RU_HEIGHT]
    for i in range(n):
        valid = False
        if setups.shape[0] == n:
            x = setups[i, 0]
            y = setups[i, 1]
            hd = setups[i, 2]
            valid = True
            for j in range(n):
                if j != i and placed[j] and robot_boxes_intersect(x, y, box[j, 0], box[j, 1]):
                    valid = False
        if not valid:
            for attempt in range(1000):
                rx = jrandom.next_double(rng)
                ry = jrandom.next_double(rng)
                x = ROBOT_SIZE + rx * (w - 2.0 * ROBOT_SIZE)
                y = ROBOT_SIZE + ry * (h - 2.0 * ROBOT_SIZE)
                hd = 2.0 * math.pi * jrandom.next_double(rng)
                ok = True
                for j in range(n):
                    if j != i and placed[j] and robot_boxes_intersect(x, y, box[j, 0], box[j, 1]):
                        ok = False
                        break
                if ok:
                    break
        rob[i, R_X] = x
        rob[i, R_Y] = y
        box[i, 0] = x
        box[i, 1] = y
        placed[i] = True
        rob[i, R_HEADING] = hd
        rob[i, R_GUN] = hd
        rob[i, R_RADAR] = hd
        rob[i, R_STATE] = RS_ACTIVE
        rob[i, R_ALIVE] = 1.0
        rob[i, R_WINNER] = 0.0
        rob[i, R_VEL] = 0.0
        rob[i, R_ENERGY] = START_ENERGY
        rob[i, R_HEAT] = START_GUN_HEAT
        rob[i, R_HALT] = 0.0
        rob[i, R_SCAN] = 0.0
        rob[i, R_IN_COLLISION] = 0.0
        rob[i, R_RADAR_WITH_GUN] = 0.0
        rob[i, R_BULLET_SEQ] = 0.0
        rob[i, R_SHOTS] = 0.0
        rob[i, R_HITS] = 0.0
        # a fresh ExecCommands (isOverDriving is deliberately kept, as RobotPeer does)
        cmd[i, C_DIST] = 0.0
        cmd[i, C_BODY] = 0.0
        cmd[i, C_GUN] = 0.0
        cmd[i, C_RADAR] = 0.0
        cmd[i, C_MAX_VEL] = DOUBLE_MAX
        cmd[i, C_MAX_TURN] = DOUBLE_MAX
        cmd[i, C_ADJ_GUN] = 0.0
        cmd[i, C_ADJ_RADAR_GUN] = 0.0
        cmd[i, C_ADJ_RADAR_BODY] = 0.0
        cmd[i, C_ADJ_RADAR_BODY_SET] = 0.0
        cmd[i, C_FIRE] = math.nan
        cmd[i, C_FIRE_ASSIST] = 0.0
        cmd[i, C_SCAN] = 0.0


def new_battle_state(n, seed, advanced, n_setups):
    """All mutable battle state, as arrays, so a battle can be played a few rounds (or turns) at a time.

    `sc` and `dmg` are the round's running scores and damage table: state, because a round can be paused
    at a turn boundary and resumed (play_rounds_nb's `pause_total`)."""
    rng = jrandom.new_state(seed)
    # Battle.computeInitialPositions draws a full random setup for every listed position
    for _ in range(3 * n_setups):
        jrandom.next_double(rng)
    rob = np.zeros((n, N_ROB_ENGINE))
    rob[:, R_ADVANCED] = advanced
    rob[:, R_MOVE_ANGLE] = np.nan  # empty sin/cos memos (physics.sin_cos)
    rob[:, R_SCAN_ANGLE] = np.nan
    bul = np.zeros((MAX_BULLETS, N_BUL_ENGINE))
    bul[:, B_STATE] = BS_FREE
    return dict(rng=rng, rob=rob, cmd=np.zeros((n, N_CMD)), box=np.zeros((n, 2)),
                placed=np.zeros(n, dtype=np.bool_), bat=np.zeros(N_BAT), bul=bul,
                blist=np.zeros(MAX_BULLETS, dtype=np.int64), sc=np.zeros((n, N_SCORE)), dmg=np.zeros((n, n)))


@njit(**COLD)
def play_rounds_nb(rules, kinds, params, mem, brng, script, setups, rng, rob, cmd, box, placed, bat, bul, blist,
                   sc, dmg, round_turns, round_scores, round_stats, rec_rob, rec_bul, rec_n, record, first_round,
                   end_round, pause_total):
    """Play rounds [first_round, end_round). Outputs: round_turns[r], round_scores[r, i, S_*],
    round_stats[r, i, (shots, hits)].

    `setups` is (n, 3) fixed start positions (x, y, heading rad) or (0, 3) for random starts.
    Recording (record=True) appends every turn, including turn 0, to rec_rob / rec_bul.
    `pause_total` > 0 stops at the first turn boundary (every robot has thought) where the battle's total
    turn count bat[BT_TOTAL_TURNS] reaches it: inside a round, bat[BT_PAUSED] = 1 and the next call with
    first_round = bat[BT_NEXT_ROUND] resumes that round with its next turn; a round that ends on that turn
    is finished first (bat[BT_NEXT_ROUND] = the next round, bat[BT_PAUSED] = 0). Every bit of state a turn
    carries to the next lives in the arguments (locals are scratch, rewritten before use), so a paused
    battle can be copied and resumed: the copies play on exactly as the original would (the oracle's
    futures, sim/experiments/oracle.py). 0 plays to end_round, as before.
    Returns 0 on success, 1 when the bullet table or the recording overflowed.
    """
    n = kinds.shape[0]
    if bul.shape[1] != N_BUL_ENGINE or rob.shape[1] != N_ROB_ENGINE:
        raise ValueError("robot and bullet tables need the engine's extra columns (engine.new_battle_state)")
    outer = np.zeros(MAX_BULLETS, dtype=np.int64)
    border = np.zeros(MAX_BULLETS, dtype=np.int64)
    rorder = np.zeros(n, dtype=np.int64)
    worder = np.zeros(n, dtype=np.int64)
    ev = np.zeros((n, MAX_EVENTS, N_EV))
    nev = np.zeros(n, dtype=np.int64)
    deaths = np.zeros(n, dtype=np.int64)
    dorder = np.zeros(n, dtype=np.int64)
    st = np.zeros(N_ST)
    full = np.zeros(1, dtype=np.int64)
    max_turns = rules[RU_MAX_TURNS]
    inactivity_time = rules[RU_INACTIVITY]
    # what bot code gets: views that hold no reference (bots.dispatch.borrowed), so the bot's many
    # compiled calls that pass its rows around do no atomic refcounting. The arrays behind them stay
    # alive until the hold() at the end of this function.
    b_params, b_mem, b_brng, b_script = borrowed(params), borrowed(mem), borrowed(brng), borrowed(script)
    b_st, b_cmd, b_ev = borrowed(st), borrowed(cmd), borrowed(ev)
    # The turn loop itself works on borrowed views of every state array too: an inlined helper's
    # incref/decref pairs on a view without meminfo are null tests that fold away at compile time, so
    # none is left even where numba's refcount pruning gives up on a large helper (it did on
    # _perform_scan: 12 atomic operations per robot per turn, a sixth of a turn's time).
    owners = (rules, rng, rob, cmd, box, placed, bat, bul, blist, round_turns, round_scores, round_stats,
              rec_rob, rec_bul, rec_n, outer, border, rorder, worder, ev, nev, deaths, dorder, sc, dmg, st, full)
    rules, rng, rob, cmd, box, placed = (borrowed(rules), borrowed(rng), borrowed(rob), borrowed(cmd),
                                         borrowed(box), borrowed(placed))
    bat, bul, blist, round_turns, round_scores, round_stats = (borrowed(bat), borrowed(bul), borrowed(blist),
                                                               borrowed(round_turns), borrowed(round_scores),
                                                               borrowed(round_stats))
    rec_rob, rec_bul, rec_n, outer, border = (borrowed(rec_rob), borrowed(rec_bul), borrowed(rec_n),
                                              borrowed(outer), borrowed(border))
    rorder, worder, ev, nev, deaths, dorder = (borrowed(rorder), borrowed(worder), borrowed(ev), borrowed(nev),
                                               borrowed(deaths), borrowed(dorder))
    sc, dmg, st, full = borrowed(sc), borrowed(dmg), borrowed(st), borrowed(full)
    paused = False
    for rnd in range(first_round, end_round):
        if bat[BT_PAUSED] != 0.0 and rnd == first_round:
            bat[BT_PAUSED] = 0.0   # resume the round where the last call paused it
        else:
            # preloadRound / initializeRound / startRound
            bat[BT_ROUND] = rnd
            bat[BT_NEXT_ROUND] = rnd
            bat[BT_TIME] = 0.0
            bat[BT_END_TIMER] = 0.0
            bat[BT_INACTIVE_TURNS] = 0.0
            bat[BT_N_DEATHS] = 0.0
            _init_round(rng, rules, rob, cmd, box, placed, setups, rnd)
            sc[:, :] = 0.0
            dmg[:, :] = 0.0
            nev[:] = 0
            _robots_at_random(rng, worder, n)
            for k in range(n):
                i = worder[k]
                _status(rob, rules, bat, i, st)
                bot_round_start(kinds[i], b_params[i], b_mem[i], b_brng[i], b_st, b_cmd[i])
                bot_think(kinds[i], b_params[i], b_mem[i], b_brng[i], b_st, b_cmd[i], b_ev[i], nev[i], b_script[i])
            if record:
                _record(rec_rob, rec_bul, rec_n, rob, bul, blist, bat, full)
        while True:
            # Battle.runTurn
            bat[BT_TIME] += 1.0
            bat[BT_TOTAL_TURNS] += 1.0
            for i in range(n):
                _fire_bullets(rob, cmd, bat, bul, blist, i)
                if cmd[i, C_SCAN] != 0.0:  # RobotPeer.performLoadCommands: a requested scan (rescan)
                    rob[i, R_SCAN] = 1.0
            _update_bullets(rng, rob, cmd, bat, bul, blist, ev, nev, deaths, sc, dmg, rules, box, outer, rorder,
                            border)
            zap = 0.1 if bat[BT_INACTIVE_TURNS] > inactivity_time else 0.0
            _robots_at_random(rng, worder, n)
            for k in range(n):
                _robots_at_random(rng, rorder, n)
                _perform_move(rob, cmd, bat, bul, blist, ev, nev, deaths, sc, dmg, rules, box, worder[k], rorder,
                              zap)
            _robots_at_random(rng, worder, n)
            for k in range(n):
                _robots_at_random(rng, rorder, n)
                _perform_scan(rob, bat, ev, nev, box, worder[k], rorder)
            # handleDeadRobots
            nd = int(bat[BT_N_DEATHS])
            if nd > 0:
                for k in range(nd):
                    dorder[k] = deaths[k]
                jrandom.shuffle(rng, dorder, nd)
                for k in range(nd):
                    d = dorder[k]
                    remaining = _alive_count(rob)
                    if remaining == 0:
                        if rob[d, R_WINNER] == 0.0:
                            sc[d, S_FIRSTS] += 1.0
                    elif remaining == 1:
                        sc[d, S_SECONDS] += 1.0
                    elif remaining == 2:
                        sc[d, S_THIRDS] += 1.0
                    _robots_at_random(rng, rorder, n)
                    for q in range(n):
                        a = rorder[q]
                        if rob[a, R_ALIVE] != 0.0:
                            e = _push_event(ev, nev, a, EV_ROBOT_DEATH, bat[BT_TIME])
                            if e >= 0:
                                ev[a, e, E_A] = d
                            sc[a, S_SURVIVAL] += 50.0
                bat[BT_N_DEATHS] = 0.0
            # shutdownTurn
            if _alive_count(rob) <= 1:
                if bat[BT_END_TIMER] == 0.0:
                    _robots_at_random(rng, rorder, n)
                    for q in range(n):
                        a = rorder[q]
                        _push_event(ev, nev, a, EV_ROUND_ENDED, bat[BT_TIME])
                        if rob[a, R_ALIVE] != 0.0 and rob[a, R_WINNER] == 0.0:
                            sc[a, S_LAST_SURVIVOR] += 10.0 * (n - 1)
                            sc[a, S_FIRSTS] += 1.0
                            rob[a, R_WINNER] = 1.0
                            _push_event(ev, nev, a, EV_WIN, bat[BT_TIME])
                    # generateTotals: the round's scores are final now
                    for a in range(n):
                        for c in range(N_SCORE):
                            round_scores[rnd, a, c] = sc[a, c]
                        round_stats[rnd, a, 0] = rob[a, R_SHOTS]
                        round_stats[rnd, a, 1] = rob[a, R_HITS]
                        _status(rob, rules, bat, a, st)
                        bot_round_end(kinds[a], b_params[a], b_mem[a], b_brng[a], b_st, b_cmd[a],
                                      rob[a, R_WINNER] != 0.0)
                if bat[BT_END_TIMER] > 4.0 * TURNS_DISPLAYED_AFTER_ENDING:
                    for a in range(n):
                        if rob[a, R_HALT] == 0.0:
                            rob[a, R_HALT] = 1.0
                bat[BT_END_TIMER] += 1.0
            bat[BT_INACTIVE_TURNS] += 1.0
            # Battle.wakeupRobots: every running robot reacts to its events and sets next turn's commands.
            # Bot code is called from here, in this function's own body: a call from inside a helper
            # would keep that helper's array arguments from being refcount-pruned (see geometry.hold).
            _robots_at_random(rng, worder, n)
            for k in range(n):
                i = worder[k]
                if (rob[i, R_ALIVE] != 0.0 and rob[i, R_HALT] < 2.0) or _died_this_turn(ev, nev, i):
                    _status(rob, rules, bat, i, st)
                    bot_think(kinds[i], b_params[i], b_mem[i], b_brng[i], b_st, b_cmd[i], b_ev[i], nev[i],
                              b_script[i])
                    # RobotPeer.executeImpl stores the commands of this execute() and only then stops a halted robot
                    if rob[i, R_HALT] == 1.0:
                        rob[i, R_HALT] = 2.0
                    if rob[i, R_ALIVE] == 0.0:  # its next execute() threw DeathException
                        rob[i, R_HALT] = 2.0
            for i in range(n):
                nev[i] = 0
            if record:
                _record(rec_rob, rec_bul, rec_n, rob, bul, blist, bat, full)
            if bat[BT_END_TIMER] > 5.0 * TURNS_DISPLAYED_AFTER_ENDING:
                break
            if max_turns > 0.0 and bat[BT_TIME] >= max_turns:
                # a scripted scenario stops here; score what has happened so far
                if bat[BT_END_TIMER] == 0.0:
                    for a in range(n):
                        for c in range(N_SCORE):
                            round_scores[rnd, a, c] = sc[a, c]
                        round_stats[rnd, a, 0] = rob[a, R_SHOTS]
                        round_stats[rnd, a, 1] = rob[a, R_HITS]
                break
            if pause_total > 0.0 and bat[BT_TOTAL_TURNS] >= pause_total:
                bat[BT_PAUSED] = 1.0
                paused = True
                break
        if paused:
            break
        round_turns[rnd] = bat[BT_TIME]
        # Battle.finalizeRound: bullets.clear()
        for q in range(int(bat[BT_N_BULLETS])):
            bul[blist[q], B_STATE] = BS_FREE
        bat[BT_N_BULLETS] = 0.0
        bat[BT_NEXT_ROUND] = rnd + 1
        if pause_total > 0.0 and bat[BT_TOTAL_TURNS] >= pause_total:
            break
    status = 1 if bat[BT_OVERFLOW] != 0.0 or full[0] != 0 else 0
    hold(params, mem, brng, script, owners)  # the owners of the borrowed views
    return status


# The engine does not import bot code: it is handed a dispatch, three compiled functions
#   bot_round_start(kind, params, mem, rng, st, cmd)
#   bot_think(kind, params, mem, rng, st, cmd, ev, nev, script)     (inline="always": see bots/dispatch.py)
#   bot_round_end(kind, params, mem, rng, st, cmd, won)
# and turn_loop() links a copy of play_rounds_nb with them (sim/engine/variants.py). Until then these names
# stand for no bot code at all.
bot_round_start = bot_think = bot_round_end = not_compiled_in
_LOOPS = {}


def turn_loop(name, round_start, think, round_end):
    """The turn loop linked with one dispatch (`name` keys numba's cache: one name, one dispatch)."""
    loop = _LOOPS.get(name)
    if loop is None:
        loop = _LOOPS[name] = variant(play_rounds_nb, "_" + name, bot_round_start=round_start, bot_think=think,
                                      bot_round_end=round_end)
    return loop


# The engine's own helpers and no bot code: sim/engine/prebuild.py compiles this copy to compile them while
# worker processes compile the bot families, on a cold start.
ENGINE_ONLY = turn_loop("engine_only", not_compiled_in, not_compiled_in, not_compiled_in)
