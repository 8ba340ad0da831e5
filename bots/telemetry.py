"""Telemetry: what a bot's gun and movement *thought*, for replays and the viewer.

Recorded only when a battle is recorded (run_battle(record=True)): the glue
gives each composite bot a region at the end of its mem row and writes its
offset into mem[layout.M_TELE]; the bot writes one row per aimed wave (the
gun's density over guess factors when it decided a shot) and per detected
enemy wave (the surfer's danger along it). The glue drains the region after
every round (run_battle plays recorded battles one round at a time), so the
region only has to hold one round. Rows that do not fit are counted, not
written; so are rows naming another round than the one they were written in
(a recording streamed to disk a few rounds at a time could not place them).
Nothing here runs when not recording: the region is empty then.

Region layout: tele[0] = rows written, tele[1] = capacity (rows), tele[2] = rows
dropped, tele[3] = 1 when diagnostic rows are wanted, then rows of TELE_WIDTH floats:
TELE_HEAD followed by TELE_BINS values over guess factors -1..1 (bin k's centre is
-1 + 2k / (TELE_BINS - 1)), normalised to sum 1 (a density shape; only its relative
values matter).

**Diagnostic rows** (kinds >= TK_DIAG) are what a part reports about its own decisions
for tools such as `gfsim surf-report` (bots/movements/surf.py declares the surfer's):
kind, round, turn, then DIAG_WIDTH numbers laid out by a `layout(...)` the part
declares. They are written only when the glue asks for them
(run_battle(diagnostics=True)), into the same region, and the glue hands them back
apart from the aim and danger rows (BattleResult.diagnostics), so replays do not
change. Like every telemetry write they never feed back into a decision.
"""
import numpy as np
from numba import njit

TELE_BINS = 51
TELE_HEAD = ("kind", "round", "turn", "source_x", "source_y", "bearing", "bullet_speed", "lat_dir", "mea")
# kind: TK_AIM = the gun's aiming density for the wave fired in `turn` (the wave a bullet rides);
#       TK_DANGER = the surfer's danger along the enemy wave fired in `turn`
TK_AIM, TK_DANGER = 0, 1
TK_DIAG = 2                 # kinds from here on are diagnostic rows (see above); parts number theirs from it
(TH_KIND, TH_ROUND, TH_TURN, TH_SOURCE_X, TH_SOURCE_Y, TH_BEARING, TH_SPEED, TH_LAT_DIR, TH_MEA) = range(len(TELE_HEAD))
N_TELE_HEAD = len(TELE_HEAD)
TELE_WIDTH = N_TELE_HEAD + TELE_BINS
TELE_PREFIX = 4            # rows written, capacity, rows dropped, diagnostics wanted
DIAG_WIDTH = TELE_WIDTH - 3   # a diagnostic row's numbers after kind, round, turn
# what the glue returns (BattleResult.telemetry): the robot's index, then the row
TELE_COLUMNS = ("robot",) + TELE_HEAD


def region_size(capacity):
    return TELE_PREFIX + capacity * TELE_WIDTH


@njit(cache=True, error_model="numpy")
def _claim_row(tele, kind, rnd, turn):
    """The offset of the next row, its kind, round and turn written, or -1 when the region is full (the row
    is counted as dropped)."""
    n = int(tele[0])
    if n >= int(tele[1]):
        tele[2] += 1.0
        return -1
    tele[0] = n + 1.0
    o = TELE_PREFIX + n * TELE_WIDTH
    tele[o + TH_KIND] = kind
    tele[o + TH_ROUND] = rnd
    tele[o + TH_TURN] = turn
    return o


@njit(cache=True, error_model="numpy")
def tele_row(tele, kind, rnd, turn, sx, sy, bearing, speed, lat_dir, mea):
    """Start a telemetry row and return its TELE_BINS values to fill (zeroed), or an empty array when
    not recording or full. Fill them, then call tele_normalise on them."""
    if tele.shape[0] < TELE_PREFIX:
        return tele[0:0]
    o = _claim_row(tele, kind, rnd, turn)
    if o < 0:
        return tele[0:0]
    tele[o + TH_SOURCE_X] = sx
    tele[o + TH_SOURCE_Y] = sy
    tele[o + TH_BEARING] = bearing
    tele[o + TH_SPEED] = speed
    tele[o + TH_LAT_DIR] = lat_dir
    tele[o + TH_MEA] = mea
    bins = tele[o + N_TELE_HEAD:o + TELE_WIDTH]
    bins[:] = 0.0
    return bins


@njit(cache=True, error_model="numpy")
def diag_row(tele, kind, rnd, turn):
    """Start a diagnostic row (kind >= TK_DIAG) and return its DIAG_WIDTH numbers to fill (zeroed), or an
    empty array when not recording, diagnostics were not asked for, or the region is full."""
    if tele.shape[0] < TELE_PREFIX or tele[3] == 0.0:
        return tele[0:0]
    o = _claim_row(tele, kind, rnd, turn)
    if o < 0:
        return tele[0:0]
    vals = tele[o + 3:o + TELE_WIDTH]
    vals[:] = 0.0
    return vals


@njit(cache=True, error_model="numpy")
def tele_normalise(bins):
    s = 0.0
    for k in range(bins.shape[0]):
        s += max(bins[k], 0.0)
    for k in range(bins.shape[0]):
        bins[k] = max(bins[k], 0.0) / s if s > 0.0 else 1.0 / bins.shape[0]


def bin_centres():
    return np.linspace(-1.0, 1.0, TELE_BINS)


def open_region(mem_row, offset, capacity, diagnostics=False):
    """Glue: reserve the region at `offset` of a bot's mem row (layout.M_TELE points to it); `diagnostics`
    asks its parts for their diagnostic rows too."""
    mem_row[offset:offset + region_size(capacity)] = 0.0
    mem_row[offset + 1] = capacity
    mem_row[offset + 3] = 1.0 if diagnostics else 0.0


def drain(mem_row, offset, robot):
    """Glue: the rows written since the last drain, as (rows, 1 + TELE_WIDTH) with the robot index first;
    empties the region. Returns (rows, dropped)."""
    n = int(mem_row[offset])
    rows = mem_row[offset + TELE_PREFIX:offset + TELE_PREFIX + n * TELE_WIDTH].reshape(n, TELE_WIDTH)
    out = np.concatenate([np.full((n, 1), float(robot)), rows], axis=1)
    dropped = int(mem_row[offset + 2])
    mem_row[offset] = 0.0
    mem_row[offset + 2] = 0.0
    return out, dropped
