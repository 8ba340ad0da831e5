"""Bot names -> compiled bot rows. The Python side of choosing and configuring bots.

A bot spec is a sample robot's name (``sample.Walls``) or a composite of parts
joined by '+', each ``name`` or ``name:key=value,key=value`` (for example
``lock+circular:power=2+orbit:distance=450``). Parts left out take defaults
(radar ``lock``, gun ``headon``, movement ``still``).
"""
from dataclasses import dataclass, field

import numpy as np

from . import layout
from .parts import Param, Component  # noqa: F401  (re-exported)
from .composite import COMPONENTS, LEARNING_PARTS
from .dispatch import KIND_COMPOSITE, KIND_SAMPLE, KIND_SCRIPTED, TIER_SAMPLES, TIER_CLASSIC, TIER_LEARNING
from .samples import SAMPLES, MEM_SIZE as SAMPLE_MEM_SIZE

DEFAULT_PARTS = {"radar": "lock", "gun": "headon", "movement": "still"}
_SLOTS = {"radar": (layout.P_RADAR, layout.N_RADAR_PARAMS, layout.P_RADAR_KIND, layout.P_RADAR_MEM),
          "gun": (layout.P_GUN, layout.N_GUN_PARAMS, layout.P_GUN_KIND, layout.P_GUN_MEM),
          "movement": (layout.P_MOVE, layout.N_MOVE_PARAMS, layout.P_MOVE_KIND, layout.P_MOVE_MEM)}


class BotSpecError(ValueError):
    """A bot name or parameter that does not exist or is out of range."""


@dataclass
class BotSpec:
    name: str                      # canonical spec string
    kind: int
    advanced: bool
    params: np.ndarray = field(repr=False)
    mem_size: int = 64
    parts: dict = field(default_factory=dict)   # category -> (component name, {param: value})
    mem_init: list = field(default_factory=list, repr=False)   # (offset, float64 array) written before a battle

    @property
    def tier(self):
        """Which compiled turn loop can play this bot (bots.dispatch: samples < classic < learning)."""
        if self.kind != KIND_COMPOSITE:
            return TIER_SAMPLES
        learning = any(name in LEARNING_PARTS for name, _ in self.parts.values())
        return TIER_LEARNING if learning else TIER_CLASSIC


def _components():
    by_name = {}
    for c in COMPONENTS:
        by_name[c.name] = c
    return by_name


def list_bots():
    """Everything `gfsim bots` prints: samples and parts with their parameters."""
    return {"samples": [(name, advanced, doc) for name, advanced, doc in SAMPLES],
            "components": sorted(COMPONENTS, key=lambda c: (c.category, c.name))}


def _parse_value(part, key, text, p):
    try:
        v = float(text)
    except ValueError:
        raise BotSpecError(f"{part}: parameter {key} must be a number, got {text!r}") from None
    if not np.isfinite(v) or not (p.lo <= v <= p.hi):
        raise BotSpecError(f"{part}: parameter {key}={text} is out of range [{p.lo:g}, {p.hi:g}]")
    return v


def parse_bot(spec):
    """Turn a bot spec string into a BotSpec, or raise BotSpecError naming the problem."""
    if not isinstance(spec, str) or not spec.strip():
        raise BotSpecError("empty bot name")
    spec = spec.strip()
    for k, (name, advanced, _) in enumerate(SAMPLES):
        if spec == name:
            return BotSpec(name=name, kind=KIND_SAMPLE + k, advanced=advanced,
                           params=np.zeros(layout.P_SIZE), mem_size=SAMPLE_MEM_SIZE)
    if spec.startswith("sample."):
        known = ", ".join(n for n, _, _ in SAMPLES)
        raise BotSpecError(f"unknown sample robot {spec!r} (known: {known})")
    comps = _components()
    chosen = {}
    for piece in spec.split("+"):
        piece = piece.strip()
        cname, _, argtext = piece.partition(":")
        c = comps.get(cname)
        if c is None:
            raise BotSpecError(f"unknown bot or part {cname!r} in {spec!r}; `gfsim bots` lists them")
        if c.category in chosen:
            raise BotSpecError(f"{spec!r} names two {c.category} parts ({chosen[c.category][0].name}, {cname})")
        values = {p.name: p.default for p in c.params}
        known = {p.name: p for p in c.params}
        if argtext:
            for kv in argtext.split(","):
                key, eq, val = kv.partition("=")
                key = key.strip()
                if not eq or key not in known:
                    names = ", ".join(known) or "none"
                    raise BotSpecError(f"{cname}: unknown parameter {key!r} (parameters: {names})")
                if known[key].kind == "path":
                    if not val.strip():
                        raise BotSpecError(f"{cname}: parameter {key} needs a file name")
                    values[key] = val.strip()
                else:
                    values[key] = _parse_value(cname, key, val.strip(), known[key])
        chosen[c.category] = (c, values)
    for cat, default in DEFAULT_PARTS.items():
        if cat not in chosen:
            c = comps[default]
            chosen[cat] = (c, {p.name: p.default for p in c.params})
    params = np.zeros(layout.P_SIZE)
    offset = layout.M_PARTS
    parts = {}
    mem_init = []
    for cat, (c, values) in chosen.items():
        first, count, kind_slot, mem_slot = _SLOTS[cat]
        if len(c.params) > count:
            raise AssertionError(f"{c.name} declares more than {count} parameters")
        params[kind_slot] = c.kind
        params[mem_slot] = offset
        for k, p in enumerate(c.params):
            params[first + k] = 0.0 if p.kind == "path" else values[p.name]
        if c.prepare is not None:
            try:
                init = c.prepare(values)
            except ValueError as e:
                raise BotSpecError(f"{c.name}: {e}") from None
            if not isinstance(init, list):
                init = [(0, init)]
            mem_init += [(offset + o, np.asarray(a, dtype=np.float64)) for o, a in init]
        offset += c.size(values)
        parts[cat] = (c.name, values)
    canon = "+".join(_canonical(parts[cat]) for cat in ("radar", "gun", "movement"))
    return BotSpec(name=canon, kind=KIND_COMPOSITE, advanced=True, params=params, mem_size=offset, parts=parts,
                   mem_init=mem_init)


def _canonical(part):
    name, values = part
    comps = _components()
    c = comps[name]
    changed = [f"{p.name}={values[p.name]}" if p.kind == "path" else f"{p.name}={values[p.name]:g}"
               for p in c.params if values[p.name] != p.default]
    return name + (":" + ",".join(changed) if changed else "")


def scripted_bot(name="scripted"):
    return BotSpec(name=name, kind=KIND_SCRIPTED, advanced=True, params=np.zeros(layout.P_SIZE), mem_size=1)
