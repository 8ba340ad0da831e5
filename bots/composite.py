"""Composite bots: one radar, one gun and one movement, each chosen by name.

The registry writes each part's kind, memory offset and parameters into the
bot's params row (bots/layout.py). Here the three parts are dispatched on their
integer kinds with plain if/elif, so one compiled function serves every
combination and numba's cache holds a single version. All parts read the
shared enemy record at mem[M_ENEMY:M_ENEMY_END] (see bots/radar.py), which this
module refreshes from the turn's events before any part runs.
"""
from numba import njit

from .layout import (P_RADAR_KIND, P_GUN_KIND, P_MOVE_KIND, P_RADAR_MEM, P_GUN_MEM, P_MOVE_MEM, P_RADAR, P_GUN,
                     P_MOVE, N_RADAR_PARAMS, N_GUN_PARAMS, N_MOVE_PARAMS, M_ENEMY, M_ENEMY_END, N_M_ENEMY, M_TELE)
from .api import set_adjust_gun_for_robot_turn, set_adjust_radar_for_gun_turn, set_adjust_radar_for_robot_turn
from .radar import (RADARS, RADAR_LOCK, RADAR_SPIN, N_EN, enemy_round_start, enemy_update, radar_round_start,
                    radar_lock, radar_spin)
from .guns import GUNS, gun_round_start, gun_think
from .wavegun_parts import WAVE_GUNS, GUN_GF
from .waveguns import wave_gun_round_start, wave_gun_think
from .movement import (MOVEMENTS, MOVE_STILL, MOVE_STOPGO, MOVE_ORBIT, MOVE_CIRCLE, MOVE_OSCILLATE, MOVE_RAM,
                       move_round_start, move_orbit, move_stopgo, move_circle, move_oscillate, move_ram)
from .surf import SURF, MOVE_SURF, surf_round_start, move_surf
from sim.engine.variants import variant, not_compiled_in

COMPONENTS = RADARS + GUNS + WAVE_GUNS + MOVEMENTS + (SURF,)
# Parts that learn during the battle (wave guns, surfing) compile into the turn loop only for battles
# that have them (see composite_think_classic and bots.dispatch's tiers): they are most of a cold compile.
LEARNING_PARTS = frozenset(c.name for c in WAVE_GUNS + (SURF,))

assert M_ENEMY_END - M_ENEMY >= N_EN > N_M_ENEMY


@njit(cache=True, error_model="numpy")
def _independent(cmd):
    """Gun, radar and body turn independently: aim and scan do not depend on how we steer."""
    set_adjust_gun_for_robot_turn(cmd, True)
    set_adjust_radar_for_gun_turn(cmd, True)
    set_adjust_radar_for_robot_turn(cmd, True)


@njit(cache=True, error_model="numpy")
def composite_round_start(params, mem, rng, st, cmd):
    """Forget the last round's enemy and per-round part state; battle-long memory stays."""
    enemy_round_start(mem[M_ENEMY:M_ENEMY_END])
    _independent(cmd)
    rk = int(params[P_RADAR_KIND])
    radar_round_start(rk, params[P_RADAR:P_RADAR + N_RADAR_PARAMS], mem[int(params[P_RADAR_MEM]):], st)
    gk = int(params[P_GUN_KIND])
    if gk >= GUN_GF:
        wave_gun_round_start(mem[int(params[P_GUN_MEM]):])
    else:
        gun_round_start(gk, params[P_GUN:P_GUN + N_GUN_PARAMS], mem[int(params[P_GUN_MEM]):])
    mk = int(params[P_MOVE_KIND])
    move_round_start(mk, params[P_MOVE:P_MOVE + N_MOVE_PARAMS], mem[int(params[P_MOVE_MEM]):], rng, st, cmd)
    if mk == MOVE_SURF:
        surf_round_start(params[P_MOVE:P_MOVE + N_MOVE_PARAMS], mem[int(params[P_MOVE_MEM]):], st)


@njit(cache=True, error_model="numpy")
def composite_think(params, mem, rng, st, cmd, ev, nev):
    en = mem[M_ENEMY:M_ENEMY_END]
    enemy_update(en, st, ev, nev)
    _independent(cmd)
    toff = int(mem[M_TELE])
    tele = mem[toff:] if toff > 0 else mem[0:0]   # bots/telemetry.py: empty unless the battle is recorded

    rp = params[P_RADAR:P_RADAR + N_RADAR_PARAMS]
    rm = mem[int(params[P_RADAR_MEM]):]
    rk = int(params[P_RADAR_KIND])
    if rk == RADAR_LOCK:
        radar_lock(rp, rm, st, cmd, en)
    elif rk == RADAR_SPIN:
        radar_spin(rp, rm, st, cmd, en)

    gk = int(params[P_GUN_KIND])
    if gk >= GUN_GF:
        wave_gun_think(params[P_GUN:P_GUN + N_GUN_PARAMS], mem[int(params[P_GUN_MEM]):], st, cmd, en, tele)
    else:
        gun_think(gk, params[P_GUN:P_GUN + N_GUN_PARAMS], mem[int(params[P_GUN_MEM]):], st, cmd, en, tele)

    mp = params[P_MOVE:P_MOVE + N_MOVE_PARAMS]
    mm = mem[int(params[P_MOVE_MEM]):]
    mk = int(params[P_MOVE_KIND])
    if mk == MOVE_ORBIT:
        move_orbit(mp, mm, rng, st, cmd, en)
    elif mk == MOVE_STOPGO:
        move_stopgo(mp, mm, rng, st, cmd, en)
    elif mk == MOVE_CIRCLE:
        move_circle(mp, mm, st, cmd)
    elif mk == MOVE_OSCILLATE:
        move_oscillate(mp, mm, st, cmd, en)
    elif mk == MOVE_RAM:
        move_ram(mp, mm, st, cmd, en)
    elif mk == MOVE_SURF:
        move_surf(mp, mm, st, cmd, en, ev, nev, tele)
    elif mk == MOVE_STILL:
        pass


@njit(cache=True, error_model="numpy")
def composite_round_end(params, mem, rng, won):
    pass


# The same composite bots without the learning parts, for battles that have none: numba never compiles
# the wave guns or the surfer into these (sim/engine/variants.py); registry.BotSpec.tier routes bots here.
composite_round_start_classic = variant(composite_round_start, "_classic", wave_gun_round_start=not_compiled_in,
                                        surf_round_start=not_compiled_in)
composite_think_classic = variant(composite_think, "_classic", wave_gun_think=not_compiled_in,
                                  move_surf=not_compiled_in)
