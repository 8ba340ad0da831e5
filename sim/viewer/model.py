"""Playback state for one replay or two side by side; no pygame here.

Positions run over a shared timeline: round r occupies as many positions as the
longer of the replays' round r (turn 0 .. last turn), so two replays stay in
step by round and turn. A replay whose round is shorter holds its last turn; a
replay without that round shows nothing.
"""
import math

import numpy as np

LN2 = math.log(2.0)

TURNS_PER_SECOND = 30.0      # 1x = Robocode's default speed
SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, math.inf)   # inf = unthrottled
OVERLAYS = ("scan", "paths", "stats", "labels", "waves", "aim", "danger", "checks", "virtual", "loss", "legend",
            "help")
DEFAULT_OVERLAYS = {"scan": True, "paths": False, "stats": True, "labels": True, "waves": True, "aim": True,
                    "danger": True, "checks": True, "virtual": False, "loss": True, "legend": True, "help": False}
UNITS = ("nats", "bits")
# overlays drawn from a replay's optional sections: (section, telemetry kind or None)
DATA_OVERLAYS = {"waves": ("waves", None), "virtual": ("waves", "virtual"), "aim": ("telemetry", 0),
                 "danger": ("telemetry", 1), "checks": ("telemetry", 1)}   # checks: sim/viewer/wavecheck.py


def has_data(replay, overlay):
    """Whether a replay holds what an overlay draws (always True for the others)."""
    if overlay == "loss":
        return replay.telemetry is not None and replay.waves is not None and len(replay.telemetry["round"]) > 0
    if overlay not in DATA_OVERLAYS:
        return True
    section, what = DATA_OVERLAYS[overlay]
    table = getattr(replay, section, None)
    if table is None or len(table["round"]) == 0:
        return False
    if section == "waves":
        return what is None or bool(np.any(table["real"] == 0))
    return bool(np.any(table["kind"] == what))


def speed_label(speed):
    if math.isinf(speed):
        return "max"
    return f"{speed:g}x"


class Timeline:
    """The rounds and turns of one or more replays, laid end to end."""

    def __init__(self, replays):
        if not replays:
            raise ValueError("no replay to play")
        self.replays = list(replays)
        self.rounds = max(rp.rounds for rp in self.replays)
        lens = np.zeros(self.rounds, dtype=np.int64)
        for rp in self.replays:
            lens[:rp.rounds] = np.maximum(lens[:rp.rounds], rp.round_turns + 1)
        self.round_len = lens
        self.start = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        self.total = int(self.start[-1])
        self._deaths = None

    def locate(self, pos):
        """(round, turn) of a timeline position."""
        pos = min(max(int(pos), 0), self.total - 1)
        r = int(np.searchsorted(self.start, pos, side="right") - 1)
        return r, pos - int(self.start[r])

    def pos(self, rnd, turn=0):
        rnd = min(max(int(rnd), 0), self.rounds - 1)
        return int(self.start[rnd]) + min(max(int(turn), 0), int(self.round_len[rnd]) - 1)

    def frame(self, k, pos):
        """Frame of replay k at a timeline position, or None when that replay lacks the round."""
        r, t = self.locate(pos)
        rp = self.replays[k]
        if r >= rp.rounds:
            return None
        return rp.frame(r, t)

    def deaths(self):
        """(position, replay index, robot) of every death."""
        if self._deaths is None:
            out = []
            for k, rp in enumerate(self.replays):
                for f, i in rp.death_frames():
                    r, t = rp.round_turn(f)
                    out.append((self.pos(r, t), k, i))
            self._deaths = out
        return self._deaths


class Playback:
    """Where we are, how fast we go, and which overlays are on."""

    def __init__(self, replays, speed=1.0, overlays=None):
        self.timeline = Timeline(replays)
        self.replays = self.timeline.replays
        self.pos = 0
        self.playing = True
        self.speed_index = _nearest_speed(speed)
        self.overlays = dict(DEFAULT_OVERLAYS)
        self.overlays["loss"] = any(has_data(rp, "loss") for rp in self.replays)   # on when there is data
        self.overlays.update(overlays or {})
        self.quit = False
        self.message = ""          # a short note for the status line (e.g. "saved shot.png")
        self.units = UNITS[0]      # how losses are shown
        self.selected = None       # the loss row (of the first replay) the GF panel shows; None = the latest
        self._losses = {}
        self._acc = 0.0

    def losses(self, k=0):
        """Replay k's per-wave losses (sim.viewer.losses.WaveLosses), computed on first use."""
        if k not in self._losses:
            from .losses import WaveLosses
            self._losses[k] = WaveLosses(self.replays[k])
        return self._losses[k]

    def loss_value(self, nats):
        """A loss in nats in the chosen units."""
        return nats / LN2 if self.units == "bits" else nats

    def selected_row(self):
        """The loss row the GF panel shows at this position: the chosen one while we are in its round
        (even before its wave breaks), else the latest wave broken so far this round; None if none."""
        f = self.frames()[0]
        if f is None:
            return None
        L = self.losses(0)
        r = self.replays[0].frame_round[f]
        if self.selected is not None and self.selected < len(L) and L.cols["round"][self.selected] == r:
            return self.selected
        k = L.broken(f)
        if k and L.cols["round"][k - 1] == r:
            return k - 1
        return None

    def step_selection(self, delta):
        """Select the previous (delta < 0) or next wave broken so far this round; past the newest: follow."""
        cur = self.selected_row()
        if cur is None:
            return
        L = self.losses(0)
        k = L.broken(self.frames()[0])
        nxt = min(cur, k) + int(delta)
        if nxt >= k:
            self.selected = None
        elif nxt >= 0 and L.cols["round"][nxt] == L.cols["round"][cur]:
            self.selected = nxt

    def select(self, row):
        """Choose a loss row (or None to follow the latest wave)."""
        self.selected = None if row is None else int(row)

    # --- state
    @property
    def speed(self):
        return SPEEDS[self.speed_index]

    @property
    def unthrottled(self):
        return math.isinf(self.speed)

    @property
    def compare(self):
        return len(self.replays) > 1

    @property
    def round_turn(self):
        return self.timeline.locate(self.pos)

    @property
    def at_end(self):
        return self.pos >= self.timeline.total - 1

    def frames(self):
        """This position's frame in each replay (None where the replay lacks the round)."""
        return [self.timeline.frame(k, self.pos) for k in range(len(self.replays))]

    # --- time
    def update(self, dt):
        """Advance playback by dt seconds of wall time; returns the turns advanced.
        Unthrottled advances one turn per call (every turn is drawn, as fast as drawing goes)."""
        if not self.playing:
            self._acc = 0.0
            return 0
        if self.unthrottled:
            n = 1
        else:
            self._acc += max(dt, 0.0) * TURNS_PER_SECOND * self.speed
            n = int(self._acc)
            self._acc -= n
        if n:
            old = self.pos
            self.seek(self.pos + n, keep_playing=True)
            if self.at_end:
                self.playing = False
            return self.pos - old
        return 0

    # --- actions
    def seek(self, pos, keep_playing=False):
        self.pos = min(max(int(pos), 0), self.timeline.total - 1)
        if not keep_playing:
            self._acc = 0.0

    def seek_fraction(self, x):
        self.seek(round(min(max(float(x), 0.0), 1.0) * (self.timeline.total - 1)))

    def toggle_play(self):
        if not self.playing and self.at_end:
            self.seek(0)
        self.playing = not self.playing
        self._acc = 0.0

    def step(self, turns):
        self.playing = False
        self.seek(self.pos + int(turns))

    def next_round(self):
        r, _ = self.round_turn
        self.seek(self.timeline.pos(r + 1) if r + 1 < self.timeline.rounds else self.timeline.total - 1)

    def prev_round(self):
        """To this round's start, or to the previous round's start when already at turn 0."""
        r, t = self.round_turn
        self.seek(self.timeline.pos(r - 1 if t == 0 and r > 0 else r))

    def faster(self):
        self.speed_index = min(self.speed_index + 1, len(SPEEDS) - 1)

    def slower(self):
        self.speed_index = max(self.speed_index - 1, 0)

    def set_speed(self, speed):
        self.speed_index = _nearest_speed(speed)

    def toggle(self, overlay):
        if overlay not in self.overlays:
            raise KeyError(f"unknown overlay {overlay!r}")
        self.overlays[overlay] = not self.overlays[overlay]

    def apply(self, action, arg=None):
        """Perform a named action (see controls.py); returns True if it was known."""
        table = {
            "play": self.toggle_play, "forward": lambda: self.step(1), "back": lambda: self.step(-1),
            "forward10": lambda: self.step(10), "back10": lambda: self.step(-10),
            "faster": self.faster, "slower": self.slower, "normal": lambda: self.set_speed(1.0),
            "next_round": self.next_round, "prev_round": self.prev_round,
            "start": lambda: self.seek(0), "end": lambda: self.seek(self.timeline.total - 1),
            "quit": self._quit, "units": self._toggle_units,
            "older_wave": lambda: self.step_selection(-1), "newer_wave": lambda: self.step_selection(1),
        }
        if action in table:
            table[action]()
            return True
        if action.startswith("toggle_"):
            self.toggle(action[len("toggle_"):])
            return True
        if action == "seek_fraction":
            self.seek_fraction(arg)
            return True
        if action == "select_wave":
            self.select(arg)
            return True
        return False

    def _toggle_units(self):
        self.units = UNITS[(UNITS.index(self.units) + 1) % len(UNITS)]

    def _quit(self):
        self.quit = True


def _nearest_speed(speed):
    speed = float(speed)
    if math.isinf(speed) or speed <= 0:
        return len(SPEEDS) - 1
    finite = [s for s in SPEEDS if not math.isinf(s)]
    return min(range(len(finite)), key=lambda k: abs(math.log(finite[k] / speed)))


def parse_turns(text, total):
    """'A:B' -> range of positions A .. B-1 (either side may be empty); 'A' -> just A."""
    text = str(text).strip()
    try:
        if ":" in text:
            a, b = text.split(":", 1)
            lo = int(a) if a.strip() else 0
            hi = int(b) if b.strip() else total
        else:
            lo = int(text)
            hi = lo + 1
    except ValueError:
        raise ValueError(f"--turns must look like A:B (whole numbers), got {text!r}") from None
    if lo < 0 or hi > total or lo >= hi:
        raise ValueError(f"--turns {text} is outside 0:{total} or empty")
    return range(lo, hi)
