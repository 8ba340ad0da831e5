"""Bot names -> compiled bot rows, and everything derived from the list of parts.

A bot spec is a sample robot's name (``sample.Walls``) or a composite of parts joined by '+', each
``name`` or ``name:key=value,key=value`` (for example ``lock+circular:power=2+orbit:distance=450``).
Parts left out take defaults (radar ``lock``, gun ``headon``, movement ``still``). Parts are the
built-in modules listed in BUILTIN_PARTS (one line each) and the parts of users' plug-in files
(bots/plugins.py), passed as ``parts=[path, ...]``.

From the declarations this module derives what used to be kept by hand: each part's kind (its index
among the parts of its role), the compile tiers (a part that learns goes to the learning tier, a heavy
one to the heavy tier above it), the dispatch inside the turn loop (generated, bots/composite.py), the
groups a cold compile runs in parallel (one per family of learning or heavy parts) and the modules whose
source keys numba's cache.
"""
import hashlib
import importlib
import importlib.util
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bots import dispatch
from bots.dispatch import KIND_COMPOSITE, KIND_SAMPLE, KIND_SCRIPTED
from bots.layout import M_PARTS, MAX_PARAMS, P_SIZE, PLUGIN, slots
from bots.part import ROLES, Param, Part  # noqa: F401  (Param, Part: re-exported for plug-ins and tools)
from bots.samples import MEM_SIZE as SAMPLE_MEM_SIZE
from bots.samples import SAMPLES

# The built-in parts, one line each: the module that defines PART. A part's kind is its position among
# the parts of its role here.
BUILTIN_PARTS = (
    "bots.radars.lock",
    "bots.radars.spin",
    "bots.guns.headon",
    "bots.guns.linear",
    "bots.guns.circular",
    "bots.guns.none",
    "bots.guns.gf",
    "bots.guns.knn",
    "bots.guns.learned",
    "bots.guns.virtual",
    "bots.guns.forecast",
    "bots.movements.still",
    "bots.movements.stopgo",
    "bots.movements.orbit",
    "bots.movements.circle",
    "bots.movements.oscillate",
    "bots.movements.ram",
    "bots.movements.surf",
)
DEFAULT_PARTS = {"radar": "lock", "gun": "headon", "movement": "still"}
# The compile tiers, nested: each turn loop holds the parts of the tiers below it. A battle uses the smallest
# that holds its bots, so a heavy part's compile is paid only by battles that play it.
TIER_SAMPLES, TIER_CLASSIC, TIER_LEARNING, TIER_HEAVY = 0, 1, 2, 3
TIER_NAMES = ("samples", "classic", "learning", "heavy")
TOP_TIER = TIER_HEAVY   # holds every part


class BotSpecError(ValueError):
    """A bot name or parameter that does not exist or is out of range."""


@dataclass(frozen=True)
class Entry:
    """A part as the registry knows it: where it comes from and the kind the dispatch routes it by."""
    part: Part
    kind: int
    module: str                # the module that defines it (a plug-in's: bots.plugins names it)
    plugin: object = None      # bots.plugins.Plugin for a user's part, None for a built-in one


def _builtin_entries():
    entries, counts = [], {role: 0 for role in ROLES}
    for module in BUILTIN_PARTS:
        part = importlib.import_module(module).PART
        if part.role not in ROLES:
            raise AssertionError(f"{module}: role {part.role!r} is not one of {ROLES}")
        if len(part.params) > MAX_PARAMS[part.role]:
            raise AssertionError(f"{module}: a {part.role} declares at most {MAX_PARAMS[part.role]} parameters")
        entries.append(Entry(part, counts[part.role], module))
        counts[part.role] += 1
    names = [e.part.name for e in entries]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise AssertionError(f"two built-in parts are called {', '.join(sorted(dup))}")
    return {e.part.name: e for e in entries}


_BUILTIN = None


def builtin_parts():
    """name -> Entry of every built-in part, in BUILTIN_PARTS order."""
    global _BUILTIN
    if _BUILTIN is None:
        _BUILTIN = _builtin_entries()
    return _BUILTIN


def _catalogue(parts):
    """The built-in parts plus those of the plug-in files `parts` (paths or loaded Plugins)."""
    entries = dict(builtin_parts())
    if parts:
        from bots.plugins import Plugin, PluginError, load_plugin
        for item in parts:
            try:
                plugin = item if isinstance(item, Plugin) else load_plugin(item)
            except PluginError as e:
                raise BotSpecError(str(e)) from None
            for part in plugin.parts:
                if part.name in entries:
                    where = entries[part.name].plugin.path if entries[part.name].plugin else "a built-in part"
                    raise BotSpecError(f"{plugin.path}: part {part.name!r} is already {where}")
                entries[part.name] = Entry(part, PLUGIN, plugin.module_name, plugin)
    return entries


@dataclass
class BotSpec:
    name: str                      # canonical spec string
    kind: int
    advanced: bool
    params: np.ndarray = field(repr=False)
    mem_size: int = 64
    parts: dict = field(default_factory=dict)   # role -> (part name, {param: value})
    mem_init: list = field(default_factory=list, repr=False)   # (offset, float64 array) written before a battle
    parts_tier: int = TIER_CLASSIC   # the smallest compile tier holding its parts (tier_of)
    plugins: tuple = ()            # paths of the plug-in files its parts come from

    @property
    def tier(self):
        """Which compiled turn loop can play this bot: samples < classic < learning < heavy."""
        if self.kind != KIND_COMPOSITE:
            return TIER_SAMPLES
        return self.parts_tier


def list_bots(parts=None):
    """Everything `gfsim bots` prints: samples and parts (with where they come from) and their parameters."""
    return {"samples": [(name, advanced, doc) for name, advanced, doc in SAMPLES],
            "parts": sorted(_catalogue(parts).values(), key=lambda e: (ROLES.index(e.part.role), e.kind, e.part.name))}


def _parse_value(part, key, text, p):
    try:
        v = float(text)
    except ValueError:
        raise BotSpecError(f"{part}: parameter {key} must be a number, got {text!r}") from None
    if not np.isfinite(v) or not (p.lo <= v <= p.hi):
        raise BotSpecError(f"{part}: parameter {key}={text} is out of range [{p.lo:g}, {p.hi:g}]")
    return v


def parse_bot(spec, parts=None):
    """Turn a bot spec string into a BotSpec, or raise BotSpecError naming the problem.

    `parts`: plug-in files (paths, or Plugins from bots.plugins.load_plugin) whose parts the spec may name."""
    if not isinstance(spec, str) or not spec.strip():
        raise BotSpecError("empty bot name")
    spec = spec.strip()
    for k, (name, advanced, _) in enumerate(SAMPLES):
        if spec == name:
            return BotSpec(name=name, kind=KIND_SAMPLE + k, advanced=advanced,
                           params=np.zeros(P_SIZE), mem_size=SAMPLE_MEM_SIZE)
    if spec.startswith("sample."):
        known = ", ".join(n for n, _, _ in SAMPLES)
        raise BotSpecError(f"unknown sample robot {spec!r} (known: {known})")
    entries = _catalogue(parts)
    chosen = {}
    for piece in spec.split("+"):
        piece = piece.strip()
        cname, _, argtext = piece.partition(":")
        e = entries.get(cname)
        if e is None:
            hint = "`gfsim bots` lists them" + ("" if parts else "; a plug-in part needs --parts FILE")
            raise BotSpecError(f"unknown bot or part {cname!r} in {spec!r}; {hint}")
        c = e.part
        if c.role in chosen:
            raise BotSpecError(f"{spec!r} names two {c.role} parts ({chosen[c.role][0].part.name}, {cname})")
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
        chosen[c.role] = (e, values)
    for role, default in DEFAULT_PARTS.items():
        if role not in chosen:
            e = entries[default]
            chosen[role] = (e, {p.name: p.default for p in e.part.params})
    params = np.zeros(P_SIZE)
    offset = M_PARTS
    out_parts, mem_init, plugins = {}, [], []
    for role in ROLES:
        e, values = chosen[role]
        c = e.part
        kind_slot, mem_slot, hooks_slot, first = slots(role)
        params[kind_slot] = e.kind
        params[mem_slot] = offset
        if e.plugin is not None:
            params[hooks_slot:hooks_slot + 3] = e.plugin.hook_addresses(c.name)
            if e.plugin.path not in plugins:
                plugins.append(e.plugin.path)
        for k, p in enumerate(c.params):
            params[first + k] = 0.0 if p.kind == "path" else values[p.name]
        try:
            size = c.size(values)
            if c.prepare is not None:
                init = c.prepare(values)
                if not isinstance(init, list):
                    init = [(0, init)]
                mem_init += [(offset + o, np.asarray(a, dtype=np.float64)) for o, a in init]
        except Exception as err:   # ValueError is a part's own one-line refusal; a plug-in's code may raise anything
            if e.plugin is None and not isinstance(err, ValueError):
                raise
            where = f"{e.plugin.path}: part {c.name!r}" if e.plugin is not None else c.name
            raise BotSpecError(f"{where}: {err}") from None
        if size < 0:
            raise BotSpecError(f"{c.name}: memory size {size} is negative")
        offset += size
        out_parts[role] = (c.name, values)
    canon = "+".join(_canonical(entries, out_parts[role]) for role in ROLES)
    return BotSpec(name=canon, kind=KIND_COMPOSITE, advanced=True, params=params, mem_size=offset, parts=out_parts,
                   mem_init=mem_init, parts_tier=max(tier_of(chosen[role][0]) for role in ROLES),
                   plugins=tuple(plugins))


def _canonical(entries, part):
    name, values = part
    c = entries[name].part
    changed = [f"{p.name}={values[p.name]}" if p.kind == "path" else f"{p.name}={values[p.name]:g}"
               for p in c.params if values[p.name] != p.default]
    return name + (":" + ",".join(changed) if changed else "")


def scripted_bot(name="scripted"):
    return BotSpec(name=name, kind=KIND_SCRIPTED, advanced=True, params=np.zeros(P_SIZE), mem_size=1)


# --------------------------------------------------------------------------------------- compile tiers

def tier_of(entry):
    """The smallest compile tier that plays a part: heavy > learns > classic. A plug-in's hooks compile on
    their own (bots/plugins.py), so `heavy` does not move it: `learns` picks its tier, as it always has."""
    if entry.part.heavy and entry.plugin is None:
        return TIER_HEAVY
    return TIER_LEARNING if entry.part.learns else TIER_CLASSIC


def tier_parts(tier):
    """role -> [(kind, module)] of the built-in parts compiled into `tier` (those of its tier and below)."""
    out = {role: [] for role in ROLES}
    for e in builtin_parts().values():
        if tier_of(e) <= tier:
            out[e.part.role].append((e.kind, e.module))
    return out


def tier_families(tier=TOP_TIER):
    """family -> [Part] of the parts `tier` holds above the classic ones (those that learn, the heavy ones):
    each family compiles in its own process on a cold start."""
    fams = {}
    for e in builtin_parts().values():
        if TIER_CLASSIC < tier_of(e) <= tier:
            fams.setdefault(e.part.compile_family, []).append(e.part)
    return fams


def private_dir(path):
    """Create `path` (0700) or check the existing one: ours and writable by nobody else, since gfsim imports
    code from it. Returns the path, or None when it cannot be trusted."""
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.stat(path)
    except OSError:
        return None
    if st.st_uid != os.getuid() or st.st_mode & 0o022:
        return None
    return path


_GENERATED = None


def generated_dir():
    """Where generated modules live: beside numba's cache (keyed by gfsim's source), or a private temp dir."""
    global _GENERATED
    if _GENERATED is None:
        import numba
        base = numba.config.CACHE_DIR
        _GENERATED = private_dir(os.path.join(base, "generated")) if base else None
        if _GENERATED is None:
            _GENERATED = tempfile.mkdtemp(prefix="gfsim-generated-")
    return _GENERATED


def import_generated(stem, source):
    """Write `source` to <generated_dir>/<stem>_<hash>.py unless it is there already (identical: the file
    stays untouched, so numba's cache of it stays valid) and import it."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    name = f"{stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(generated_dir()) / f"{name}.py"
    try:
        current = path.read_text()
    except (OSError, UnicodeDecodeError):
        current = None
    if current != source:
        from sim.io.atomic import write_atomic
        write_atomic(str(path), source.encode())
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def composite_module(tier, plugins=True):
    from bots.composite import dispatch_source
    return import_generated(f"gfsim_dispatch_{TIER_NAMES[tier]}", dispatch_source(TIER_NAMES[tier], tier_parts(tier),
                                                                                   plugins))


_DISPATCH = {}


def tier_dispatch(tier):
    """(bot_round_start, bot_think, bot_round_end) of compile tier `tier`, linked with its composite dispatch."""
    from sim.engine.variants import not_compiled_in, variant
    if tier not in _DISPATCH:
        suffix = "_" + TIER_NAMES[tier]
        if tier == TIER_SAMPLES:
            swap = dict(composite_round_start=not_compiled_in, composite_think=not_compiled_in,
                        composite_round_end=not_compiled_in)
        else:
            mod = composite_module(tier)
            swap = dict(composite_round_start=mod.composite_round_start, composite_think=mod.composite_think,
                        composite_round_end=mod.composite_round_end)
            # numba's cache keys a copy by its name, not by the callees swapped in: the generated module's
            # digest in the name gives each dispatch its own entry
            suffix += "_" + mod.__name__.rsplit("_", 1)[1]
        _DISPATCH[tier] = tuple(variant(f, suffix, **swap) for f in (dispatch.bot_round_start, dispatch.bot_think,
                                                                      dispatch.bot_round_end))
    return _DISPATCH[tier]


def play_rounds(tier):
    """The compiled turn loop of compile tier `tier` (sim.engine.loop.play_rounds_nb linked with its dispatch)."""
    from sim.engine.loop import turn_loop
    fns = tier_dispatch(tier)
    return turn_loop(fns[1].__name__.replace("bot_think_", "", 1), *fns)
