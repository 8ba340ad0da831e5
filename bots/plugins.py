"""Users' own parts: a Python file of Part declarations with @njit hooks, played without editing gfsim.

``gfsim battle 'lock+mygun:power=2+orbit' sample.Walls --parts my_gun.py`` loads my_gun.py, finds its
Part objects (bots/part.py) and compiles each hook into a C-callable function (numba ``cfunc``) that
rebuilds the PartContext from raw pointers. The compiled turn loops of the composite tiers (classic and
up) have one extra branch per role, ``kind == PLUGIN``, that calls such a function through the address
stored in the bot's params row (``call_plugin``). So a plug-in never recompiles the turn loop: only its
own hooks compile, once, and numba caches them in a generated module whose name carries a hash of the
plug-in's content (an edit compiles afresh; an unchanged file loads from the cache). See
docs/writing-a-strategy.md.
"""
import hashlib
import importlib.util
import inspect
import os
import re
import sys
import time
import traceback
from dataclasses import dataclass, field

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from bots.layout import MAX_PARAMS
from bots.part import Part, ROLES, layout  # noqa: F401  (layout: handy for plug-ins importing from here)

_F = types.CPointer(types.float64)
_I = types.int64
# a hook as C sees it: each array as (data pointer, length), the event table as (pointer, rows, columns)
HOOK_SIG = types.void(_F, _I, _F, _I, _F, _I, _F, _I, _F, _I, _F, _I, _I, _I, types.CPointer(types.uint64), _I,
                      _F, _I, _I)
MAX_PLUGIN_BYTES = 1 << 20
HOOKS = ("round_start", "think", "round_end")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class PluginError(ValueError):
    """A plug-in file that cannot be played; the message names the file (and the part)."""


@intrinsic
def _call_hook(typingctx, addr, params, mem, st, cmd, en, ev, nev, rng, tele, won):
    """Call the C function at `addr` with HOOK_SIG's arguments taken from the context's arrays."""
    sig = types.void(addr, params, mem, st, cmd, en, ev, nev, rng, tele, won)

    def codegen(context, builder, signature, args):
        values = []
        for ty, val in zip(signature.args[1:], args[1:]):
            if isinstance(ty, types.Array):
                ary = context.make_array(ty)(context, builder, val)
                values.append(ary.data)
                values += [builder.extract_value(ary.shape, k) for k in range(ty.ndim)]
            else:
                values.append(val)
        fnty = ir.FunctionType(ir.VoidType(), [v.type for v in values])
        builder.call(builder.inttoptr(args[0], fnty.as_pointer()), values)
        return context.get_dummy_value()
    return sig, codegen


@njit(cache=True, error_model="numpy")
def call_plugin(address, ctx):
    """A plug-in part's hook, by the address the registry wrote into the params row (0: it has none)."""
    if address != 0.0:
        _call_hook(np.int64(address), ctx.params, ctx.mem, ctx.st, ctx.cmd, ctx.en, ctx.ev, ctx.nev, ctx.rng,
                   ctx.tele, ctx.won)


@dataclass
class Plugin:
    path: str                 # absolute path of the file
    module_name: str
    parts: list
    digest: str
    wrappers: dict = field(default_factory=dict, repr=False)   # (part name, hook) -> cfunc
    compile_seconds: float = 0.0

    def hook_addresses(self, name):
        """(round_start, think, round_end) addresses of part `name`'s compiled hooks, 0.0 where it has none."""
        return np.array([float(self.wrappers[(name, h)].address) if (name, h) in self.wrappers else 0.0
                         for h in HOOKS])


_LOADED = {}   # module name -> Plugin (the generated wrapper module reads its hooks from here)


def _one_line(exc):
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()


def _user_frame(exc, path):
    """' (line N)' of the deepest frame of `exc` inside the plug-in file, if any."""
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if os.path.abspath(f.filename) == path]
    return f" (line {lines[-1]})" if lines else ""


def _read(path):
    if not os.path.isfile(path):
        raise PluginError(f"{path}: no such plug-in file")
    size = os.path.getsize(path)
    if size > MAX_PLUGIN_BYTES:
        raise PluginError(f"{path}: {size} bytes is too large for a plug-in (at most {MAX_PLUGIN_BYTES})")
    with open(path, "rb") as f:
        data = f.read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PluginError(f"{path}: not UTF-8 text (byte {e.start})") from None
    return data


def _check_part(path, part):
    where = f"{path}: part {part.name!r}"
    if not isinstance(part.name, str) or not _NAME.match(part.name):
        raise PluginError(f"{path}: part name {part.name!r} must be a Python identifier (letters, digits, _)")
    if part.role not in ROLES:
        raise PluginError(f"{where}: role {part.role!r} is not one of {', '.join(ROLES)}")
    if len(part.params) > MAX_PARAMS[part.role]:
        raise PluginError(f"{where}: a {part.role} declares at most {MAX_PARAMS[part.role]} parameters")
    for p in part.params:
        if not hasattr(p, "default") or not _NAME.match(getattr(p, "name", "")):
            raise PluginError(f"{where}: its params must be bots.part.Param with identifier names")
        if p.kind == "number" and not (p.lo <= p.default <= p.hi):
            raise PluginError(f"{where}: parameter {p.name} default {p.default} is outside [{p.lo}, {p.hi}]")
    for hook in HOOKS:
        fn = getattr(part, hook)
        if fn is None:
            if hook == "think":
                raise PluginError(f"{where}: has no think hook")
            continue
        if not hasattr(fn, "py_func") or not hasattr(fn, "compile"):
            raise PluginError(f"{where}: {hook} must be an @njit function (numba.njit)")
        n = len(inspect.signature(fn.py_func).parameters)
        if n != 1:
            raise PluginError(f"{where}: {hook} must take one argument, the context (ctx), not {n}")
    try:
        part.size({p.name: p.default for p in part.params})
    except Exception as e:   # a user's memory function: any failure is theirs to fix
        raise PluginError(f"{where}: its memory size cannot be computed: {_one_line(e)}") from None


def _wrapper_source(module_name, parts):
    lines = ['"""cfunc wrappers of a plug-in\'s hooks: generated by bots/plugins.py (do not edit)."""',
             "from numba import cfunc, carray",
             "from bots.part import PartContext",
             "from bots.plugins import HOOK_SIG, _LOADED", "",
             f"_PARTS = _LOADED[{module_name!r}].parts"]
    for k, part in enumerate(parts):
        for hook in HOOKS:
            if getattr(part, hook) is None:
                continue
            lines += [f"_{k}_{hook} = _PARTS[{k}].{hook}", "",
                      "",
                      "@cfunc(HOOK_SIG, cache=True, error_model='numpy')",
                      f"def part{k}_{hook}(pp, pn, mp, mn, sp, sn, cp, cn, ep, en, vp, vr, vc, nev, rp, rn, tp, tn, won):",
                      f"    _{k}_{hook}(PartContext(carray(pp, pn), carray(mp, mn), carray(sp, sn), carray(cp, cn), "
                      "carray(ep, en), carray(vp, (vr, vc)), nev, carray(rp, rn), carray(tp, tn), won))", ""]
    return "\n".join(lines) + "\n"


def load_plugin(path, progress=None):
    """Load, check and compile the plug-in file `path`; raises PluginError with one line naming the problem.

    `progress(text)` is told what compiles (a first load of a file compiles its hooks: a few seconds)."""
    path = os.path.abspath(os.path.expanduser(str(path)))
    data = _read(path)
    digest = hashlib.sha256(data).hexdigest()[:16]
    # the file's name and where it is: an edit replaces this file's compiled hooks, not another file's
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0]) + "_" + \
        hashlib.sha256(path.encode()).hexdigest()[:8]
    module_name = f"gfsim_plugin_{stem}_{digest}"
    if module_name in _LOADED:
        return _LOADED[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:
        sys.modules.pop(module_name, None)
        raise PluginError(f"{path}: line {e.lineno}: syntax error: {e.msg}") from None
    except Exception as e:   # the user's module raised while importing: report it, never a traceback
        sys.modules.pop(module_name, None)
        raise PluginError(f"{path}{_user_frame(e, path)}: {_one_line(e)}") from None
    parts = [v for v in vars(module).values() if isinstance(v, Part)]
    if not parts:
        raise PluginError(f"{path}: defines no bots.part.Part (see docs/writing-a-strategy.md)")
    names = [p.name for p in parts]
    if len(set(names)) != len(names):
        raise PluginError(f"{path}: two parts are called {sorted({n for n in names if names.count(n) > 1})[0]!r}")
    for part in parts:
        _check_part(path, part)
    plugin = Plugin(path, module_name, parts, digest)
    _LOADED[module_name] = plugin
    from bots.registry import import_generated
    t0 = time.perf_counter()
    note = None
    if progress is not None:   # said only when it takes a while: a cached plug-in loads in well under a second
        import threading
        note = threading.Timer(1.0, progress, (f"loading plug-in {os.path.basename(path)} ({', '.join(names)}): its "
                                               "hooks compile the first time, a few seconds; cached until the file "
                                               "changes",))
        note.daemon = True
        note.start()
    try:
        wrappers = import_generated(f"gfsim_hooks_{stem}_{digest}", _wrapper_source(module_name, parts))
    except Exception as e:   # numba's typing errors and the user's code: one line naming part and hook
        _LOADED.pop(module_name, None)
        raise PluginError(f"{path}: {_which_hook(e, parts)}does not compile: {_numba_summary(e)}") from None
    finally:
        if note is not None:
            note.cancel()
    for k, part in enumerate(parts):
        for hook in HOOKS:
            if getattr(part, hook) is not None:
                plugin.wrappers[(part.name, hook)] = getattr(wrappers, f"part{k}_{hook}")
    plugin.compile_seconds = time.perf_counter() - t0
    _sweep_older(stem, digest)
    return plugin


def _sweep_older(stem, digest):
    """Drop the generated wrappers (and numba's cache files) of earlier contents of a plug-in file of the
    same name: each edit of a plug-in would otherwise leave a compiled copy behind."""
    import glob
    import numba
    base = numba.config.CACHE_DIR
    if not base:
        return
    keep = f"gfsim_hooks_{stem}_{digest}"
    for path in glob.glob(os.path.join(glob.escape(base), "**", f"gfsim_hooks_{glob.escape(stem)}_*"),
                          recursive=True):
        if not os.path.basename(path).startswith(keep):
            try:
                os.remove(path)
            except OSError:
                pass


def _which_hook(exc, parts):
    text = str(exc)
    for part in parts:
        for hook in HOOKS:
            fn = getattr(part, hook)
            if fn is not None and fn.py_func.__name__ in text:
                return f"part {part.name!r}: {hook} ({fn.py_func.__name__}) "
    return ""


def _numba_summary(exc):
    """The first informative line of a numba error (its messages are long and indented)."""
    for line in str(exc).splitlines():
        line = line.strip()
        if line and not line.startswith(("During:", "File ", "^", "<source", "Failed in nopython")):
            return f"{type(exc).__name__}: {line}"
    return _one_line(exc)
