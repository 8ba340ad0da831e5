"""The one interface every radar, gun and movement implements, built in or written by a user.

A part is a Python module (or a plug-in file) that declares a ``Part``: its name and role, its
parameters, its memory layout, whether it learns (or is heavy to compile), and its compiled hooks.
Every hook takes one ``PartContext`` (the engine's rows for this bot, see below) so that a hook's
signature never grows:

    round_start(ctx)        a round begins (battle-long memory stays; per-round state is reset here)
    think(ctx)              every turn, after the enemy record is updated: set commands in ctx.cmd
    round_end(ctx)          the round is over (ctx.won is 1 when this bot won it, else 0)

The registry (bots/registry.py) derives everything else from the declarations: each part's kind, its
slices of the bot's params and memory rows, the dispatch inside the turn loop, the compile tiers and
the groups compiled in parallel. docs/writing-a-strategy.md walks through writing one.
"""
from collections import namedtuple
from dataclasses import dataclass
from typing import Callable, NamedTuple, Optional

import numpy as np

ROLES = ("radar", "gun", "movement")


@dataclass(frozen=True)
class Param:
    name: str
    default: float
    lo: float
    hi: float
    doc: str
    kind: str = "number"   # "number", or "path": a file name (default "" = the part's built-in default)
    keywords: tuple = ()   # values of a path parameter that are words, not file names (e.g. "none")


def layout(typename, **sizes):
    """A memory layout declared by name and size: returns a namedtuple of each field's offset plus ``size``.

    ``layout("GunMemory", aim_time=1, aim_power=1, history=64)`` gives offsets 0, 1, 2 and size 66:
    offsets are computed in declaration order, so two fields can never overlap. Compiled code reads
    ``MEM.history`` (a global namedtuple is a compile-time constant in numba)."""
    offsets = {}
    off = 0
    for name, n in sizes.items():
        if name == "size":
            raise ValueError(f"{typename}: 'size' is the layout's total, not a field name")
        if isinstance(n, bool) or int(n) != n or n < 1:
            raise ValueError(f"{typename}.{name}: a field's size must be a whole number >= 1, got {n!r}")
        offsets[name] = off
        off += int(n)
    return namedtuple(typename, list(offsets) + ["size"])(**offsets, size=off)


class PartContext(NamedTuple):
    """What a hook sees: views into the engine's rows for this bot, valid for the duration of the call.

    params  this part's parameters, in the order the Part declares them (float64)
    mem     this part's memory (float64, laid out by Part.memory; it survives rounds)
    st      the bot's status row (sim.engine.constants ST_*: x, y, heading, energy, gun heat, time, ...)
    cmd     the bot's command row (C_*); set it through bots.api's setters, as a Robocode robot would
    en      the shared enemy record (bots/enemy.py EN_*), updated from this turn's events before any part runs
    ev      this turn's events (E_* columns), rows 0..nev-1
    nev     number of events this turn
    rng     the bot's own java.util.Random state (sim.engine.jrandom)
    tele    telemetry region (bots/telemetry.py; empty unless the battle is recorded)
    won     1 in round_end when this bot won the round, else 0
    """
    params: object
    mem: object
    st: object
    cmd: object
    en: object
    ev: object
    nev: int
    rng: object
    tele: object
    won: int


@dataclass(frozen=True)
class Part:
    """A radar, gun or movement. ``memory`` is a layout(...), or a function of the parameter values
    returning a size (for parts whose memory depends on their settings); ``prepare(values)`` (Python,
    optional) returns an array copied to the start of the part's memory before a battle, or a list of
    (offset, array), and may raise ValueError with a one-line message."""
    name: str
    role: str
    doc: str
    think: object
    params: tuple = ()
    memory: object = None
    learns: bool = False
    round_start: object = None
    round_end: object = None
    prepare: Optional[Callable] = None
    family: str = ""      # parts of one family share compiled kernels and compile together (default: the name)
    # heavy: its compiled code is large, so it gets a compile tier of its own above the learning one
    # (bots/registry.py): battles that never play it never wait for its compile
    heavy: bool = False

    def size(self, values):
        if self.memory is None:
            return 0
        if callable(self.memory):
            return int(self.memory(values))
        return int(self.memory.size)

    def hooks(self):
        return {"round_start": self.round_start, "think": self.think, "round_end": self.round_end}

    @property
    def compile_family(self):
        return self.family or self.name


def params_view(values, part):
    """The part's parameter values as the float64 row its hooks read (path parameters read as 0)."""
    return np.array([0.0 if p.kind == "path" else float(values[p.name]) for p in part.params])
