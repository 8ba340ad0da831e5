"""Robocode's sample robots (bots/samples.py on the bots/sample_vm.py robot-thread VM).

* every sample is registered, constructible and plays;
* behaviour checks that fail when a port is wrong (Walls hugs the walls, SpinBot circles,
  SittingDuck never moves, Target dodges 100 after each 20 energy, the trackers turn to
  their enemy, RamFire rams, Corners drives to its corner and changes corner after dying);
* the VM's event-queue order (Robocode's Event.compareTo);
* turn-by-turn agreement with real Robocode 1.9.3.9: golden traces recorded from Robocode
  (tests/golden/samples/*.csv.gz, made by ``python tests/test_samples.py --record``) and,
  where Java and Robocode are installed, a live battle with another seed.
"""
import gzip
import math
import os
import sys

import numpy as np
import pytest

from bots.registry import parse_bot
from bots.samples import SAMPLES, SAMPLE_INDEX, MEM_SIZE
from bots import sample_vm as vm
from sim.engine.battle import run_battle
from sim.engine.constants import EV_SCANNED, EV_HIT_ROBOT, EV_WIN, EV_DEATH, EV_HIT_WALL, E_TYPE, E_A, N_EV, EA_DISTANCE
from sim.engine.rules import Rules

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN_DIR = os.path.join(HERE, "golden", "samples")
# (robots, seed): round 0 of each was recorded from real Robocode with -DRANDOMSEED=seed
GOLDEN = [(("sample.Walls", "sample.SpinBot"), 0), (("sample.Fire", "sample.Tracker"), 1)]
GOLDEN_COLUMNS = ("turn", "robot", "x", "y", "heading", "gun_heading", "radar_heading", "velocity", "energy",
                  "gun_heat")
TOL = 1e-6   # Java's Math.sin/cos differ from libm in the last bit now and then

# robots_trace columns
R_ROUND, R_TURN, R_ROBOT, R_X, R_Y, R_HEADING, R_GUN, R_RADAR, R_VEL, R_ENERGY, R_HEAT, R_STATE = range(12)

W, H = 800, 600


def trace(robots, rounds=1, seed=1, setups=None, max_turns=0):
    res = run_battle(list(robots), Rules(rounds=rounds), seed=seed, setups=setups, max_turns=max_turns,
                     record=True)
    return res, res.robots_trace


def rows(tr, robot, rnd=0):
    t = tr[(tr[:, R_ROBOT] == robot) & (tr[:, R_ROUND] == rnd)]
    return t[np.argsort(t[:, R_TURN], kind="stable")]


def rel(a):
    return (a + math.pi) % (2 * math.pi) - math.pi


def bearing(a, b):
    """Absolute bearing from robot row a to robot row b (Robocode: 0 = north, clockwise)."""
    return math.atan2(b[R_X] - a[R_X], b[R_Y] - a[R_Y])


def alive(r):
    return r[:, R_STATE] != 3


# --- registry ----------------------------------------------------------------------------

JAVA_SUPERCLASS_IS_ADVANCED = {
    "sample.SittingDuck": True, "sample.Target": True, "sample.Walls": False, "sample.SpinBot": True,
    "sample.Crazy": True, "sample.Fire": False, "sample.Tracker": False, "sample.TrackFire": False,
    "sample.RamFire": False, "sample.VelociRobot": True, "sample.Corners": False,
}


def test_registry_lists_every_sample_once_in_a_fixed_order():
    names = [n for n, _, _ in SAMPLES]
    assert names[0] == "sample.SittingDuck"
    assert sorted(names) == sorted(JAVA_SUPERCLASS_IS_ADVANCED)
    assert SAMPLE_INDEX == {n: k for k, n in enumerate(names)}
    assert MEM_SIZE >= vm.VM_MEM_SIZE
    for name, advanced, doc in SAMPLES:
        assert advanced == JAVA_SUPERCLASS_IS_ADVANCED[name], name
        assert doc and "\n" not in doc
        spec = parse_bot(name)
        assert spec.advanced == advanced and spec.mem_size >= vm.VM_MEM_SIZE


@pytest.mark.parametrize("name", [n for n, _, _ in SAMPLES])
def test_every_sample_plays(name):
    res, tr = trace([name, "sample.Walls"], rounds=2, seed=5, max_turns=400)
    assert len(tr) == 2 * 2 * 401
    assert np.isfinite(tr[:, R_X:R_HEAT + 1]).all()
    me = tr[tr[:, R_ROBOT] == 0]
    assert (me[:, R_X] >= 18 - 1e-9).all() and (me[:, R_X] <= W - 18 + 1e-9).all()
    assert (me[:, R_Y] >= 18 - 1e-9).all() and (me[:, R_Y] <= H - 18 + 1e-9).all()
    assert (np.abs(me[:, R_VEL]) <= 8).all()
    for rnd in range(2):
        m = rows(tr, 0, rnd)
        moved = np.ptp(m[:, R_X]) + np.ptp(m[:, R_Y]) + np.ptp(m[:, R_HEADING]) + np.ptp(m[:, R_GUN])
        if name == "sample.SittingDuck":
            assert moved == 0
        elif name != "sample.Target":      # Target moves only once hit twice
            assert moved > 0


# --- behaviour ---------------------------------------------------------------------------

def test_sitting_duck_never_moves_or_fires():
    res, tr = trace(["sample.SittingDuck", "sample.Fire"], rounds=2, seed=4)
    for rnd in range(2):
        d = rows(tr, 0, rnd)
        for c in (R_X, R_Y, R_HEADING, R_GUN, R_RADAR):
            assert np.ptp(d[:, c]) == 0.0
        assert (d[:, R_VEL] == 0).all()
        assert (np.diff(d[:, R_ENERGY]) <= 0).all()          # hit, never gaining: no own bullets
    assert not (res.bullets_trace[:, 2] == 0).any()
    assert res.results[[r.name for r in res.results].index("sample.SittingDuck")].shots == 0


def test_walls_hugs_the_walls_and_drives_along_them():
    # the duck in the middle (a robot on Walls' track makes it back off the wall, as in Robocode)
    for start in ((250, 200, 0.7), (700, 500, 4.0)):
        res, tr = trace(["sample.Walls", "sample.SittingDuck"], seed=2, setups=[start, (400, 300, 0.0)],
                        max_turns=700)
        rnd = 0
        w = rows(tr, 0, rnd)
        on_x = (np.abs(w[:, R_X] - 18) < 1e-6) | (np.abs(w[:, R_X] - (W - 18)) < 1e-6)
        on_y = (np.abs(w[:, R_Y] - 18) < 1e-6) | (np.abs(w[:, R_Y] - (H - 18)) < 1e-6)
        # from the first corner on (to a wall, then along it to a corner: a few hundred turns at most)
        first = np.nonzero(on_x & on_y)[0][0]
        assert first < 300
        w, on_x, on_y = w[first:], on_x[first:], on_y[first:]
        assert (on_x | on_y).mean() > 0.95
        square = np.abs(rel(w[:, R_HEADING] * 4) / 4) < 1e-9       # heading a multiple of 90 degrees
        assert square.mean() > 0.8
        moving = w[:, R_VEL] != 0
        # moving up/down only on a side wall, left/right only on the top or bottom wall
        vertical = np.abs(np.sin(w[:, R_HEADING])) < 1e-9
        assert (on_x[moving & vertical]).all() and (on_y[moving & ~vertical]).all()
        assert moving.mean() > 0.5
        # the gun points 90 degrees right of the body: into the field
        assert np.allclose(rel(w[:, R_GUN] - w[:, R_HEADING] - math.pi / 2), 0, atol=1e-9)


def test_spinbot_circles_at_speed_5():
    setups = [(400, 300, 0.0), (60, 60, 0.0)]
    res, tr = trace(["sample.SpinBot", "sample.SittingDuck"], seed=1, setups=setups, max_turns=300)
    s = rows(tr, 0)
    assert np.abs(s[:, R_VEL]).max() == 5.0
    turn = rel(np.diff(s[:, R_HEADING]))
    assert (turn > 0).all()                                     # always turning right
    v_before = np.abs(s[:-1, R_VEL])
    assert np.allclose(np.degrees(turn), 10 - 0.75 * v_before)   # at the full turn rate
    steady = s[20:]
    cx, cy = steady[:, R_X].mean(), steady[:, R_Y].mean()
    r = np.hypot(steady[:, R_X] - cx, steady[:, R_Y] - cy)
    expected = 5.0 / (2 * math.sin(math.radians(10 - 0.75 * 5) / 2))   # chord 5, 6.25 degrees per turn
    assert r.std() < 2.0 and abs(r.mean() - expected) < 3.0


def test_target_turns_65_left_and_moves_100_each_time_its_energy_drops_20():
    setups = [(400, 300, 0.0), (100, 100, 0.0)]
    res, tr = trace(["sample.Target", "sample.Walls"], seed=3, setups=setups)
    t = rows(tr, 0)
    t = t[alive(t)]
    moves = 0
    for trigger in (80, 60, 40, 20):
        hit = np.nonzero(t[:, R_ENERGY] <= trigger)[0]
        if len(hit) == 0 or hit[0] + 30 >= len(t):
            break
        k = hit[0]
        before = t[k]
        assert np.hypot(*(t[:k, R_X:R_Y + 1] - before[R_X:R_Y + 1]).T).max() < 1e-9 or trigger < 80
        after = t[k + 7 + 13 + 5]          # 7 turns to turn 65 degrees, ~13 to drive 100
        assert math.degrees(rel(after[R_HEADING] - before[R_HEADING])) == pytest.approx(-65.0, abs=1e-6)
        assert math.hypot(after[R_X] - before[R_X], after[R_Y] - before[R_Y]) == pytest.approx(100.0, abs=1e-6)
        moves += 1
    assert moves >= 2
    # before its energy first reached 80 it did not move at all
    first = np.nonzero(t[:, R_ENERGY] <= 80)[0][0]
    assert np.ptp(t[:first + 1, R_X]) == 0 and np.ptp(t[:first + 1, R_HEADING]) == 0


def _aim_error(tr, me, other, col, turns):
    a = rows(tr, me)
    b = rows(tr, other)
    out = []
    for k in turns:
        out.append(abs(rel(a[k, col] - bearing(a[k], b[k]))))
    return np.array(out)


def test_trackfire_keeps_its_gun_on_the_enemy():
    setups = [(400, 300, 0.0), (600, 450, 0.0)]
    res, tr = trace(["sample.TrackFire", "sample.SittingDuck"], seed=1, setups=setups, max_turns=120)
    err = _aim_error(tr, 0, 1, R_GUN, range(40, 121))
    assert err.max() < 1e-9                                   # aimed exactly (bearingFromGun == 0)
    t = rows(tr, 0)
    assert np.ptp(t[:, R_X]) == 0 and np.ptp(t[:, R_Y]) == 0  # TrackFire stands still
    assert res.results[[r.name for r in res.results].index("sample.TrackFire")].hits > 0


def test_tracker_turns_its_gun_to_the_enemy_and_closes_in():
    setups = [(100, 100, 0.0), (600, 450, 0.0)]
    res, tr = trace(["sample.Tracker", "sample.SittingDuck"], seed=1, setups=setups, max_turns=250)
    a, b = rows(tr, 0), rows(tr, 1)
    d = np.hypot(a[:, R_X] - b[:, R_X], a[:, R_Y] - b[:, R_Y])
    assert d[0] > 500 and 100 <= d[-1] <= 160                 # drives to about 140 away
    err = _aim_error(tr, 0, 1, R_GUN, range(200, 251))
    assert np.median(err) < math.radians(3)
    assert res.results[[r.name for r in res.results].index("sample.Tracker")].hits > 0


def test_ramfire_turns_to_the_enemy_and_rams_it():
    setups = [(100, 500, 2.0), (650, 150, 0.0)]
    res, tr = trace(["sample.RamFire", "sample.SittingDuck"], seed=1, setups=setups, max_turns=300)
    a = rows(tr, 0)
    moving = np.nonzero(a[:, R_VEL] > 0)[0]
    err = _aim_error(tr, 0, 1, R_HEADING, moving[moving < 60])
    assert len(err) > 5 and err.max() < math.radians(1)       # drives straight at it
    ram = res.results[[r.name for r in res.results].index("sample.RamFire")].ram_damage
    assert ram > 0
    assert (rows(tr, 0)[:, R_STATE] == 2).any()               # HIT_ROBOT


def test_corners_goes_to_its_corner_and_changes_corner_after_dying():
    # round 0: corner 0 -> north wall, then west: the top-left corner
    setups = [(400, 300, 1.0), (700, 100, 0.0)]
    res, tr = trace(["sample.Corners", "sample.SittingDuck"], seed=1, setups=setups, max_turns=200)
    c = rows(tr, 0)
    assert (c[-1, R_X], c[-1, R_Y]) == (18.0, H - 18.0)
    duck = rows(tr, 1)
    assert np.ptp(c[100:140, R_GUN]) > 0                       # sweeping its gun from the corner ...
    assert abs(rel(c[-1, R_GUN] - bearing(c[-1], duck[-1]))) < math.radians(1)   # ... until it sees the duck
    assert res.results[[r.name for r in res.results].index("sample.Corners")].hits > 0
    # against a killer it dies with its enemy alive and takes the next corner clockwise
    res, tr = trace(["sample.Corners", "sample.Walls"], rounds=6, seed=2)
    corners = {0: (18.0, H - 18.0), 90: (W - 18.0, H - 18.0), 180: (W - 18.0, 18.0), -90: (18.0, 18.0)}
    corner = 0
    checked = 0
    for rnd in range(6):
        c = rows(tr, 0, rnd)
        c = c[alive(c)]
        at = [(x, y) for x, y in zip(c[:, R_X], c[:, R_Y])]
        if len(c) > 250:
            assert corners[corner] in at, (rnd, corner)
            checked += 1
        died = (rows(tr, 0, rnd)[:, R_STATE] == 3).any()
        enemy_alive_then = not (rows(tr, 1, rnd)[:, R_STATE] == 3).any()
        if died and enemy_alive_then:
            corner = -90 if corner + 90 == 270 else corner + 90
    assert checked >= 3


def test_velocirobot_drives_at_its_rates():
    setups = [(400, 300, 0.0), (60, 60, 0.0)]
    res, tr = trace(["sample.VelociRobot", "sample.SittingDuck"], seed=1, setups=setups, max_turns=64)
    v = rows(tr, 0)[:, R_VEL]
    assert v.max() == 4.0 and v[1:33].min() >= 0 and v[40:].max() <= 0 and v.min() == -6.0
    g = np.degrees(rel(np.diff(rows(tr, 0)[:, R_GUN])))
    # setGunRotationRate(15); a turn spent in onScannedRobot's fire(1) does not renew the rates
    assert np.allclose(g[g != 0], 15.0) and (g != 0).mean() > 0.7


def test_crazy_fires_power_1_and_wiggles():
    res, tr = trace(["sample.Crazy", "sample.SittingDuck"], seed=1, max_turns=400)
    own = res.bullets_trace[res.bullets_trace[:, 2] == 0]
    assert len(own) and (own[:, 7] == 1.0).all()
    turn = rel(np.diff(rows(tr, 0)[:, R_HEADING]))
    assert (turn > 0).any() and (turn < 0).any()


# --- the VM's event queue --------------------------------------------------------------------

def test_event_queue_sorts_like_robocode():
    mem = np.zeros(MEM_SIZE)
    vm.vm_round_start(mem)

    def push(kind, time, prio, dist=0.0, fault=0.0):
        r = vm.q_push(mem, kind, time, prio)
        if kind == EV_SCANNED:
            mem[r + EA_DISTANCE] = dist
        if kind == EV_HIT_ROBOT:
            mem[r + E_A + 3] = fault
        return r

    push(EV_SCANNED, 5, 10, dist=300.0)
    push(vm.EV_STATUS, 5, 99)
    push(EV_HIT_ROBOT, 5, 40, fault=0.0)
    push(EV_SCANNED, 4, 10, dist=100.0)
    push(EV_HIT_ROBOT, 5, 40, fault=1.0)
    push(EV_SCANNED, 5, 10, dist=299.5)          # (int)(299.5 - 300) == 0: a tie, stays behind
    push(EV_SCANNED, 5, 10, dist=120.0)
    push(EV_WIN, 5, 100)
    vm.q_sort(mem)
    got = [(int(mem[vm.q_row(k) + E_TYPE]), int(mem[vm.q_row(k) + 1]), mem[vm.q_row(k) + EA_DISTANCE],
            mem[vm.q_row(k) + E_A + 3]) for k in range(int(mem[vm.M_QN]))]
    kinds = [g[0] for g in got]
    assert kinds == [EV_SCANNED, EV_WIN, vm.EV_STATUS, EV_HIT_ROBOT, EV_HIT_ROBOT, EV_SCANNED, EV_SCANNED,
                     EV_SCANNED]
    assert got[0][1] == 4                                       # older first
    assert got[3][3] == 1.0 and got[4][3] == 0.0                # the robot at fault first
    assert [g[2] for g in got[5:]] == [120.0, 300.0, 299.5]     # closer first, stable on ties
    # events older than two turns go, critical ones stay
    vm.q_push(mem, EV_DEATH, 2, -1)
    vm.q_push(mem, EV_HIT_WALL, 2, 30)
    vm.q_clear_older(mem, 7 - vm.MAX_EVENT_STACK, True)
    left = [int(mem[vm.q_row(k) + E_TYPE]) for k in range(int(mem[vm.M_QN]))]
    assert EV_DEATH in left and EV_HIT_WALL not in left and EV_SCANNED not in left


# --- turn by turn against real Robocode ---------------------------------------------------

def _our_round0(robots, seed):
    res = run_battle(list(robots), Rules(rounds=1), seed=seed, record=True)
    tr = res.robots_trace
    return tr[:, [R_TURN, R_ROBOT, R_X, R_Y, R_HEADING, R_GUN, R_RADAR, R_VEL, R_ENERGY, R_HEAT]]


def _golden_path(robots, seed):
    return os.path.join(GOLDEN_DIR, "-vs-".join(r.split(".")[-1] for r in robots) + f"-seed{seed}.csv.gz")


def _load_golden(path):
    with gzip.open(path, "rt") as f:
        header = f.readline().strip().split(",")
        assert tuple(header) == GOLDEN_COLUMNS
        return np.loadtxt(f, delimiter=",", ndmin=2)


def _difference(ours, real, what):
    """None when the traces agree (TOL), else a message naming the first difference."""
    if len(ours) != len(real):
        return f"{what}: {len(ours)} rows, Robocode {len(real)}"
    diff = np.abs(ours - real)
    bad = np.nonzero((diff > TOL).any(axis=1))[0]
    if len(bad) == 0:
        return None
    k = bad[0]
    cols = [GOLDEN_COLUMNS[c] for c in np.nonzero(diff[k] > TOL)[0]]
    return (f"{what}: first difference at turn {int(real[k, 0])}, robot {int(real[k, 1])}, "
            f"columns {cols}: gfsim {ours[k]} vs Robocode {real[k]}")


@pytest.mark.parametrize("robots,seed", GOLDEN, ids=lambda v: " vs ".join(v) if isinstance(v, tuple) else str(v))
def test_first_round_matches_recorded_robocode_turn_by_turn(robots, seed):
    real = _load_golden(_golden_path(robots, seed))
    msg = _difference(_our_round0(robots, seed), real, f"{' vs '.join(robots)}, seed {seed}")
    assert msg is None, msg


def _real_round0(robots, seed):
    from sim.io.robocode import run_real_battle
    rb = run_real_battle(list(robots), rounds=1, seed=seed, record_xml=True)
    r = rb.robot_rows
    r = r[r["round"] == 0]
    return np.column_stack([r["turn"], r["robot"], r["x"], r["y"], r["heading"], r["gun_heading"],
                            r["radar_heading"], r["velocity"], r["energy"], r["gun_heat"]]).astype(float)


def _robocode_available():
    try:
        from sim.io.robocode import robocode_available
    except ImportError:
        return False
    return robocode_available()


@pytest.mark.skipif(not _robocode_available(), reason="real Robocode (Java + robocode.jar) is not installed")
@pytest.mark.parametrize("robots,seed", [(("sample.Walls", "sample.SpinBot"), 7), (("sample.Crazy", "sample.Fire"), 2)],
                         ids=["Walls vs SpinBot", "Crazy vs Fire"])
def test_first_round_matches_live_robocode_turn_by_turn(robots, seed):
    ours = _our_round0(robots, seed)
    # Real Robocode is deterministic for a seed only while no robot skips a turn; on a busy machine
    # one occasionally does (its thread answered too late), so a mismatch is retried.
    msgs = []
    for attempt in range(3):
        msg = _difference(ours, _real_round0(robots, seed), f"{' vs '.join(robots)}, seed {seed} (live)")
        if msg is None:
            return
        msgs.append(msg)
    pytest.fail("; ".join(msgs))


def record_goldens():
    """Record tests/golden/samples/*.csv.gz from real Robocode (needs Java and robocode.jar)."""
    os.makedirs(GOLDEN_DIR, exist_ok=True)
    for robots, seed in GOLDEN:
        real = _real_round0(robots, seed)
        path = _golden_path(robots, seed)
        with gzip.open(path, "wt", compresslevel=9) as f:
            f.write(",".join(GOLDEN_COLUMNS) + "\n")
            for row in real:
                f.write(",".join([str(int(row[0])), str(int(row[1]))] + [repr(float(v)) for v in row[2:]]) + "\n")
        print(path, len(real), "rows")


if __name__ == "__main__":
    if "--record" in sys.argv:
        record_goldens()
