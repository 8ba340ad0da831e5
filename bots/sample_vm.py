"""A tiny compiled "robot thread" for porting Robocode's blocking sample robots.

A Java sample robot runs in its own thread: ``run()`` and the event handlers
call blocking methods (``ahead``, ``turnRight``, ``fire``, ``scan``, ``waitFor``)
that each loop ``execute()`` until done, and every ``execute()`` ends with
``EventManager.processEvents()``, which may start (nest) further handlers.
gfsim calls a bot once per turn, between two ``execute()`` calls, so a port
has to keep that thread's state between calls. This module does that with
plain float64 memory (``mem``), so that each sample reads like its Java source:

* a **frame stack**: frame 0 is ``run()``, every further frame an event handler
  dispatched while the frame below it was blocked in ``execute()``; a frame
  holds its handler kind, priority, program counter (``pc``), the blocking
  operation it waits in (``op``), a copy of its event and a few locals;
* an **event queue** with Robocode's rules (net.sf.robocode.host.events.EventManager):
  a StatusEvent is queued every turn, events older than ``MAX_EVENT_STACK`` (2)
  turns are dropped (critical ones are kept), the queue is sorted by time, then
  priority (higher first; closer ScannedRobotEvents and at-fault HitRobotEvents
  first), a handler is dispatched only when its priority is higher than the
  running handler's; an equal-priority event interrupts and restarts the running
  handler only when it is *interruptible* (``scan()`` inside onScannedRobot);
* the **proxy state** that outlives a round (the interruptible flags, the
  stop()/resume() saved movement, the waitFor condition), as BasicRobotProxy,
  StandardRobotProxy and AdvancedRobotProxy keep it;
* the **blocking calls** as helpers: each sets the command, records which
  ``do { execute(); } while (remaining != 0)`` loop the frame waits in, and
  returns EXEC. After the next turn the VM first dispatches events, then checks
  the loop condition (a handler may have overwritten the remaining distance, in
  which case the caller's loop ends at once, as in Java), then continues the
  frame's code at the ``pc`` given to the helper.

A sample program is a function ``step(mem, f, st, cmd)`` for the frame at
``mem[f:]``: it runs the frame's code from its ``pc`` and returns EXEC (it made
a blocking call: the turn ends here) or RET (the handler, or ``run()``,
returned). The samples in bots/samples.py are written this way.
"""
import math

import numpy as np

from numba import njit

from bots.part import layout

from sim.engine.constants import (I64, C_DIST, C_BODY, C_GUN, C_RADAR, ST_TIME, ST_HEADING, ST_GUN, ST_RADAR,
                           ST_ADVANCED, E_TYPE, E_TIME, E_PRIORITY, E_A, N_EV, EA_BEARING, EA_DISTANCE,
                           EV_SCANNED, EV_HIT_ROBOT, EV_DEATH, EV_WIN, EV_ROUND_ENDED, DEG)
from sim.engine.geometry import normal_absolute_angle
from .api import set_ahead, set_turn_body, set_turn_gun, set_turn_radar, set_fire, set_fire_assisted, set_scan

NB = dict(cache=True, error_model="numpy", forceinline=False)
# the helpers of every turn's path through sample_think (the status-only turn, a blocked frame's loop
# test): LLVM-inlined into it, so that a turn makes no calls (each would pass `mem` and `cmd` as
# 7-word array structs and test their null refcounts). Set explicitly so that it is never inherited.
HOT = dict(cache=True, error_model="numpy", forceinline=True)

EXEC = 1   # the frame called execute(): this turn's commands are final
RET = 0    # the frame's method returned

# event kinds the VM adds to the engine's (sim.engine.constants.EV_*)
EV_STATUS = I64(12)   # robocode.StatusEvent, queued by the proxy every turn (priority 99)
EV_CUSTOM = I64(13)   # robocode.CustomEvent from an addCustomEvent condition (priority 80)
N_EV_KINDS = 14
PRIO_STATUS = 99.0
PRIO_CUSTOM = 80.0
PRIO_SCANNED = I64(10)   # typed constants: sim/engine/constants.I64 says why
MIN_PRIORITY = -2147483648.0   # Integer.MIN_VALUE: no handler running
MAX_EVENT_STACK = 2
H_RUN = I64(-1)                 # frame kind of run()

# blocking loops a frame can wait in
OP_NONE = 0       # nothing pending: continue at pc
OP_MOVE = 1       # move():       do execute() while getDistanceRemaining() != 0
OP_TURN_BODY = 2  # turnBody():   ... getBodyTurnRemaining() != 0
OP_TURN_GUN = 3   # turnGun():    ... getGunTurnRemaining() != 0
OP_TURN_RADAR = 4  # turnRadar(): ... getRadarTurnRemaining() != 0
OP_EXEC = 5       # one execute() (fire, stop, resume, execute)
OP_RESCAN = 6     # rescan(): one execute(), then restore the interruptible flag
OP_WAIT_TURN = 7  # waitFor(new TurnCompleteCondition(this))
OP_IDLE = 8       # run() returned: the proxy calls execute() forever

# --- memory layout, declared by name and size (bots/part.py layout) ------------------------------
N_STATIC = 8        # a sample's static fields
N_FIELD = 16        # the robot's instance fields
QCAP = 48           # event queue rows
FCAP = 16           # frames
N_LOCAL = 8         # locals per frame
FRAME = layout("Frame", type=1, prio=1, pc=1, op=1, opa=1, opb=1,
               ev=N_EV,          # the handler's event (N_EV columns)
               locals=N_LOCAL)
F_TYPE, F_PRIO, F_PC, F_OP, F_OPA, F_OPB, F_EV, F_L = FRAME[:-1]
FW = FRAME.size
VM = layout(
    "SampleRobotMemory",
    # proxy / static state: survives rounds (the proxy and static fields live for the whole battle)
    intr=101,       # interruptible flags, indexed by priority (EventManager.interruptible)
    save=4,         # StandardRobotProxy saveDistanceToGo, saveAngleToTurn, saveGunAngleToTurn, saveRadarAngleToTurn
    wait_cond=1,    # BasicRobotProxy.waitCondition: 0 none, 1 TurnCompleteCondition
    static=N_STATIC,
    # per round (a fresh robot instance and a reset EventManager every round): from `stopped` on
    stopped=1,      # StandardRobotProxy.isStopped
    depth=1,        # frames in use
    top_type=1, top_time=1, top_bearing=1,   # EventManager.currentTopEvent (kind, time, bearing); type -1 = null
    custom=1,       # custom event condition registered (the sample decides what it tests)
    dead=1,         # the robot's thread has ended (DeathException)
    qn=1,           # events in the queue
    field=N_FIELD,
    tmp=N_EV,       # scratch row for sorting
    q=QCAP * N_EV,  # the event queue: QCAP rows of N_EV columns (the engine's event row layout)
    frames=FCAP * FW,
)
(M_INTR, M_SAVE, M_WAIT_COND, M_STATIC, M_STOPPED, M_DEPTH, M_TOP_TYPE, M_TOP_TIME, M_TOP_BEARING, M_CUSTOM, M_DEAD,
 M_QN, M_FIELD, M_TMP, M_Q, M_FRAMES) = VM[:-1]
VM_MEM_SIZE = VM.size


def fields(base, *names):
    """Offsets of a sample's one-slot fields `names`, in order, from `base` (its field or static block): a
    layout(...) of them, so that no slot is numbered by hand."""
    lay = layout("Fields", **{n: 1 for n in names})
    block = N_FIELD if base == M_FIELD else N_STATIC
    if lay.size > block:
        raise AssertionError(f"{lay.size} fields do not fit in a block of {block}")
    return tuple(base + getattr(lay, n) for n in names)


# --- event queue -----------------------------------------------------------------------

@njit(**NB)
def is_critical(etype):
    return etype == EV_DEATH or etype == EV_WIN or etype == EV_ROUND_ENDED


@njit(inline="always", **HOT)
def q_row(k):
    return M_Q + k * N_EV


@njit(**NB)
def q_push(mem, etype, time, priority):
    """EventManager.addImpl: append an event (its time is the robot's current time); returns its row."""
    n = int(mem[M_QN])
    if n >= QCAP:
        return -1
    r = q_row(n)
    for c in range(N_EV):
        mem[r + c] = 0.0
    mem[r + E_TYPE] = etype
    mem[r + E_TIME] = time
    mem[r + E_PRIORITY] = priority
    mem[M_QN] = n + 1
    return r


@njit(**NB)
def q_remove(mem, k):
    n = int(mem[M_QN])
    for j in range(k, n - 1):
        a = q_row(j)
        b = q_row(j + 1)
        for c in range(N_EV):
            mem[a + c] = mem[b + c]
    mem[M_QN] = n - 1


@njit(**NB)
def q_clear_older(mem, clear_time, keep_critical):
    """EventQueue.clear(time): drop non-critical events with time <= clear_time."""
    k = I64(0)
    while k < int(mem[M_QN]):
        r = q_row(k)
        if mem[r + E_TIME] <= clear_time and not (keep_critical and is_critical(int(mem[r + E_TYPE]))):
            q_remove(mem, k)
        else:
            k += 1


@njit(**NB)
def _before(mem, a, b):
    """Event.compareTo(a, b) < 0 (ScannedRobotEvent / HitRobotEvent tie-breaks included)."""
    ta = mem[a + E_TIME]
    tb = mem[b + E_TIME]
    if ta != tb:
        return ta < tb
    pa = mem[a + E_PRIORITY]
    pb = mem[b + E_PRIORITY]
    if pa != pb:
        return pa > pb
    ka = int(mem[a + E_TYPE])
    kb = int(mem[b + E_TYPE])
    if ka == EV_SCANNED and kb == EV_SCANNED:
        return int(mem[a + EA_DISTANCE] - mem[b + EA_DISTANCE]) < 0   # Java (int) cast
    if ka == EV_HIT_ROBOT and kb == EV_HIT_ROBOT:
        return mem[a + E_A + 3] != 0.0 and mem[b + E_A + 3] == 0.0
    return False


@njit(**NB)
def q_sort(mem):
    """Collections.sort: a stable sort (binary insertion sort for short lists)."""
    n = int(mem[M_QN])
    for i in range(1, n):
        # find the insertion point of row i among rows [0, i): after every row it is not before
        lo = 0
        hi = i
        ri = q_row(i)
        while lo < hi:
            mid = (lo + hi) >> 1
            if _before(mem, ri, q_row(mid)):
                hi = mid
            else:
                lo = mid + 1
        if lo == i:
            continue
        for c in range(N_EV):
            mem[M_TMP + c] = mem[ri + c]
        for j in range(i, lo, -1):
            a = q_row(j)
            b = q_row(j - 1)
            for c in range(N_EV):
                mem[a + c] = mem[b + c]
        r = q_row(lo)
        for c in range(N_EV):
            mem[r + c] = mem[M_TMP + c]


# --- frames ------------------------------------------------------------------------------

@njit(inline="always", **HOT)
def frame(k):
    return M_FRAMES + k * FW


@njit(**HOT)
def top_frame(mem):
    return frame(int(mem[M_DEPTH]) - 1)


@njit(**NB)
def push_frame(mem, kind, priority, src):
    """Start a handler for the event at mem[src:] (src < 0: no event)."""
    d = int(mem[M_DEPTH])
    if d >= FCAP:
        return -1
    f = frame(d)
    for c in range(FW):
        mem[f + c] = 0.0
    mem[f + F_TYPE] = kind
    mem[f + F_PRIO] = priority
    mem[f + F_PC] = 0.0
    mem[f + F_OP] = OP_NONE
    if src >= 0:
        for c in range(N_EV):
            mem[f + F_EV + c] = mem[src + c]
    mem[M_DEPTH] = d + 1
    return f


@njit(**HOT)
def set_interruptible(mem, priority, flag):
    """EventManager.setInterruptible: only priorities 0..99 can be changed."""
    p = int(priority)
    if priority == p and 0 <= p < 100:
        mem[M_INTR + p] = 1.0 if flag else 0.0


@njit(**HOT)
def is_interruptible(mem, priority):
    p = int(priority)
    if priority == p and 0 <= p <= 100:
        return mem[M_INTR + p] != 0.0
    return False


# --- round start ---------------------------------------------------------------------------

@njit(**NB)
def vm_round_start(mem):
    """A new robot instance with a reset EventManager; the proxy's own fields carry over."""
    for c in range(M_STOPPED, VM_MEM_SIZE):
        mem[c] = 0.0
    mem[M_STOPPED] = 1.0          # StandardRobotProxy.initializeRound: isStopped = true
    mem[M_TOP_TYPE] = -1.0
    mem[M_DEPTH] = 0.0
    push_frame(mem, H_RUN, MIN_PRIORITY, I64(-1))


# --- robot getters (robocode.Robot / events), in degrees like the Java API -------------------

@njit(**NB)
def get_heading(st):
    """Robot.getHeading: 180 * h / PI folded into [0, 360)."""
    rv = 180.0 * st[ST_HEADING] / math.pi
    while rv < 0.0:
        rv += 360.0
    while rv >= 360.0:
        rv -= 360.0
    return rv


@njit(**NB)
def get_gun_heading(st):
    return st[ST_GUN] * 180.0 / math.pi


@njit(**NB)
def get_radar_heading(st):
    return st[ST_RADAR] * 180.0 / math.pi


@njit(**NB)
def to_radians(deg):
    """Math.toRadians (Java 9+: multiply by the constant PI / 180)."""
    return deg * DEG


@njit(**HOT)
def to_degrees(rad):
    """Math.toDegrees (Java 9+: multiply by the constant 180 / PI)."""
    return rad * 57.29577951308232


@njit(inline="always", **HOT)
def ev_get(mem, f, col):
    """A column of the handler's event (sim.engine.constants payload layout)."""
    return mem[f + F_EV + col]


@njit(inline="always", **HOT)
def ev_bearing_deg(mem, f, col):
    """e.getBearing(): bearing * 180 / PI."""
    return mem[f + F_EV + col] * 180.0 / math.pi


@njit(**NB)
def normal_relative_angle_degrees(a):
    """robocode.util.Utils.normalRelativeAngleDegrees (Java % is C fmod)."""
    a = np.fmod(a, 360.0)
    if a >= 0.0:
        return a if a < 180.0 else a - 360.0
    return a if a >= -180.0 else a + 360.0


# --- blocking calls: set the command, name the loop to wait in, return EXEC ------------------

@njit(inline="always", **HOT)
def _block(mem, f, op, next_pc):
    """Inlined at numba-IR level: every caller passes its own constant `op`, and a compiled function
    would get a separate specialisation (a full compile) per constant. The samples pass `next_pc` as a
    float (it is stored as one) for the same reason: an int constant would specialise every
    blocking helper on every pc it is called with."""
    mem[f + F_OP] = op
    mem[f + F_PC] = next_pc
    return EXEC


@njit(**NB)
def move(mem, f, st, cmd, distance, next_pc):
    """BasicRobotProxy.move (Robot.ahead(d) = move(d), back(d) = move(-d))."""
    set_ahead(st, cmd, distance)
    return _block(mem, f, OP_MOVE, next_pc)


@njit(**NB)
def ahead(mem, f, st, cmd, distance, next_pc):
    return move(mem, f, st, cmd, distance, next_pc)


@njit(**NB)
def back(mem, f, st, cmd, distance, next_pc):
    return move(mem, f, st, cmd, -distance, next_pc)


@njit(**NB)
def turn_body(mem, f, st, cmd, radians, next_pc):
    set_turn_body(st, cmd, radians)
    return _block(mem, f, OP_TURN_BODY, next_pc)


@njit(**NB)
def turn_right(mem, f, st, cmd, degrees, next_pc):
    return turn_body(mem, f, st, cmd, to_radians(degrees), next_pc)


@njit(**NB)
def turn_left(mem, f, st, cmd, degrees, next_pc):
    return turn_body(mem, f, st, cmd, -to_radians(degrees), next_pc)


@njit(**NB)
def turn_gun(mem, f, cmd, radians, next_pc):
    set_turn_gun(cmd, radians)
    return _block(mem, f, OP_TURN_GUN, next_pc)


@njit(**NB)
def turn_gun_right(mem, f, cmd, degrees, next_pc):
    return turn_gun(mem, f, cmd, to_radians(degrees), next_pc)


@njit(**NB)
def turn_gun_left(mem, f, cmd, degrees, next_pc):
    return turn_gun(mem, f, cmd, -to_radians(degrees), next_pc)


@njit(**NB)
def turn_radar(mem, f, cmd, radians, next_pc):
    set_turn_radar(cmd, radians)
    return _block(mem, f, OP_TURN_RADAR, next_pc)


@njit(**NB)
def vm_set_fire(mem, st, cmd, power):
    """BasicRobotProxy.setFireImpl, including the plain Robot's fire assist: inside the handler of
    this turn's ScannedRobotEvent, with gun and radar headings equal, the bullet is aimed at
    exactly heading + bearing."""
    if (mem[M_TOP_TYPE] == EV_SCANNED and mem[M_TOP_TIME] == st[ST_TIME] and st[ST_ADVANCED] == 0.0
            and st[ST_GUN] == st[ST_RADAR]):
        return set_fire_assisted(st, cmd, power, normal_absolute_angle(st[ST_HEADING] + mem[M_TOP_BEARING]))
    return set_fire(st, cmd, power)


@njit(**NB)
def fire(mem, f, st, cmd, power, next_pc):
    """Robot.fire: setFire + execute()."""
    vm_set_fire(mem, st, cmd, power)
    return _block(mem, f, OP_EXEC, next_pc)


@njit(**NB)
def execute(mem, f, next_pc):
    return _block(mem, f, OP_EXEC, next_pc)


@njit(**NB)
def scan(mem, f, cmd, next_pc):
    """Robot.scan() = BasicRobotProxy.rescan: inside onScannedRobot the handler becomes
    interruptible for this execute(), so a new scan event restarts it."""
    reset = mem[f + F_PRIO] == PRIO_SCANNED   # the running handler is onScannedRobot
    orig = is_interruptible(mem, PRIO_SCANNED)
    if reset:
        set_interruptible(mem, PRIO_SCANNED, np.bool_(True))
    set_scan(cmd)
    mem[f + F_OPA] = 1.0 if reset else 0.0
    mem[f + F_OPB] = 1.0 if orig else 0.0
    return _block(mem, f, OP_RESCAN, next_pc)


@njit(**NB)
def stop(mem, f, cmd, overwrite, next_pc):
    """StandardRobotProxy.stop(overwrite): save the remaining movement (unless already stopped), zero it."""
    if mem[M_STOPPED] == 0.0 or overwrite:
        mem[M_SAVE] = cmd[C_DIST]
        mem[M_SAVE + 1] = cmd[C_BODY]
        mem[M_SAVE + 2] = cmd[C_GUN]
        mem[M_SAVE + 3] = cmd[C_RADAR]
    mem[M_STOPPED] = 1.0
    cmd[C_DIST] = 0.0
    cmd[C_BODY] = 0.0
    cmd[C_GUN] = 0.0
    cmd[C_RADAR] = 0.0
    return _block(mem, f, OP_EXEC, next_pc)


@njit(**NB)
def resume(mem, f, cmd, next_pc):
    """StandardRobotProxy.resume: restore what stop() saved (saved values outlive the round)."""
    if mem[M_STOPPED] != 0.0:
        mem[M_STOPPED] = 0.0
        cmd[C_DIST] = mem[M_SAVE]
        cmd[C_BODY] = mem[M_SAVE + 1]
        cmd[C_GUN] = mem[M_SAVE + 2]
        cmd[C_RADAR] = mem[M_SAVE + 3]
    return _block(mem, f, OP_EXEC, next_pc)


@njit(**NB)
def wait_for_turn_complete(mem, f, next_pc):
    """AdvancedRobot.waitFor(new TurnCompleteCondition(this))."""
    mem[M_WAIT_COND] = 1.0
    return _block(mem, f, OP_WAIT_TURN, next_pc)


@njit(**HOT)
def before_execute(mem, cmd):
    """BasicRobotProxy.executeImpl, before calling the server: a satisfied waitFor condition is
    cleared and triggers a scan."""
    # TurnCompleteCondition.test(): getTurnRemaining() == 0 (in degrees)
    if mem[M_WAIT_COND] == 1.0 and to_degrees(cmd[C_BODY]) == 0.0:
        mem[M_WAIT_COND] = 0.0
        set_scan(cmd)


@njit(**HOT)
def op_done(mem, f, cmd):
    """After execute() returned in frame f (events processed): has its blocking loop ended?
    Runs the code that follows the execute() inside the blocking call (rescan's restore)."""
    op = int(mem[f + F_OP])
    if op == OP_MOVE:
        return cmd[C_DIST] == 0.0
    if op == OP_TURN_BODY:
        return cmd[C_BODY] == 0.0
    if op == OP_TURN_GUN:
        return cmd[C_GUN] == 0.0
    if op == OP_TURN_RADAR:
        return cmd[C_RADAR] == 0.0
    if op == OP_RESCAN:
        if mem[f + F_OPA] != 0.0:
            set_interruptible(mem, PRIO_SCANNED, mem[f + F_OPB] != 0.0)
        return True
    if op == OP_WAIT_TURN:
        # do { execute(); } while (!condition.test()); waitCondition = null;
        if to_degrees(cmd[C_BODY]) == 0.0:
            mem[M_WAIT_COND] = 0.0
            return True
        return False
    if op == OP_IDLE:
        return False
    return True


# --- the turn: queue events, dispatch handlers, resume the blocked frame ---------------------

@njit(**NB)
def vm_queue_events(mem, st, ev, nev):
    """executeImpl after the server returned: queue a StatusEvent and the turn's events, then
    processEvents' first step (drop events older than MAX_EVENT_STACK). Returns True when the
    robot died this turn (a DeathEvent arrived)."""
    t = st[ST_TIME]
    dying = False
    q_push(mem, EV_STATUS, t, PRIO_STATUS)
    for k in range(nev):
        etype = int(ev[k, E_TYPE])
        if etype == EV_DEATH:
            dying = True
        r = q_push(mem, etype, t, ev[k, E_PRIORITY])
        if r >= 0:
            for c in range(E_A, N_EV):
                mem[r + c] = ev[k, c]
    q_clear_older(mem, t - MAX_EVENT_STACK, np.bool_(True))
    return dying


@njit(**HOT)
def vm_status_only(mem, st):
    """vm_queue_events + q_sort + the first step of vm_next for a turn whose only event is the
    StatusEvent, the queue being empty and the running frame's priority below PRIO_STATUS: it is
    queued, dispatched at once (currentTopEvent) to Robot's empty onStatus, whose priority becomes
    non-interruptible, and removed. No sample handles StatusEvent (bots.samples checks)."""
    mem[M_TOP_TYPE] = EV_STATUS
    mem[M_TOP_TIME] = st[ST_TIME]
    mem[M_TOP_BEARING] = 0.0    # the StatusEvent's row has no payload
    set_interruptible(mem, PRIO_STATUS, np.bool_(False))


@njit(**NB)
def vm_add_custom_event(mem, st):
    q_push(mem, EV_CUSTOM, st[ST_TIME], PRIO_CUSTOM)


@njit(**HOT)
def vm_next(mem, cmd, handled):
    """EventManager.processEvents' loop at the innermost frame, then the end of its execute().

    Returns the frame whose code runs next (a newly dispatched handler, or the blocked frame whose
    blocking call has completed), or -1 when the blocked frame's loop calls execute() again."""
    while True:
        f = top_frame(mem)
        top = mem[f + F_PRIO]
        if int(mem[M_QN]) > 0 and mem[q_row(0) + E_PRIORITY] >= top:
            head = q_row(0)
            p = mem[head + E_PRIORITY]
            if p == top:
                if top > MIN_PRIORITY and is_interruptible(mem, top):
                    # EventInterruptedException: the running handler is abandoned; its dispatcher
                    # catches it (currentTopEvent = null) and goes on dispatching
                    set_interruptible(mem, top, np.bool_(False))
                    mem[M_DEPTH] = int(mem[M_DEPTH]) - 1
                    mem[M_TOP_TYPE] = -1.0
                    continue
                break
            kind = int(mem[head + E_TYPE])
            mem[M_TOP_TYPE] = kind
            mem[M_TOP_TIME] = mem[head + E_TIME]
            mem[M_TOP_BEARING] = mem[head + EA_BEARING]
            if kind >= 0 and kind < handled.shape[0] and handled[kind]:
                nf = push_frame(mem, kind, p, head)
                q_remove(mem, I64(0))
                if nf >= 0:
                    return nf
            else:
                q_remove(mem, I64(0))
                set_interruptible(mem, p, np.bool_(False))   # an empty handler returned at once
            continue
        break
    # execute() returns into the innermost frame: is its blocking loop over?
    f = top_frame(mem)
    if not op_done(mem, f, cmd):
        return -1
    mem[f + F_OP] = OP_NONE
    return f


@njit(**NB)
def vm_return(mem):
    """The innermost frame's method returned. Returns True when that was run(): from now on the
    proxy just calls execute() every turn."""
    d = int(mem[M_DEPTH])
    f = frame(d - 1)
    if d == 1:
        mem[f + F_OP] = OP_IDLE
        return True
    set_interruptible(mem, mem[f + F_PRIO], np.bool_(False))
    mem[M_DEPTH] = d - 1
    return False


@njit(**NB)
def vm_die(mem, handled):
    """The robot died: its next execute() throws DeathException, which unwinds every frame; the
    proxy then drops non-critical events and dispatches the rest, so onDeath runs now if it has
    not yet. Returns the onDeath frame to run, or -1."""
    mem[M_DEAD] = 1.0
    mem[M_DEPTH] = 1.0
    f = frame(0)
    mem[f + F_OP] = OP_IDLE
    if not handled[EV_DEATH]:
        return -1
    for k in range(int(mem[M_QN])):
        r = q_row(k)
        if int(mem[r + E_TYPE]) == EV_DEATH:
            nf = push_frame(mem, I64(EV_DEATH), -1.0, r)
            q_remove(mem, k)
            return nf
    return -1
