"""Compiled copies of a function with some of the functions it calls swapped for others.

numba compiles a function together with everything it calls, and the turn
loop calls every bot family through one dispatch on the bot's kind. So a
battle between two sample robots used to wait for the learning guns and the
surfer to compile as well (half of a cold start). ``variant`` builds a second
compiled function from the *same source* whose global names for some callees
point elsewhere (a smaller dispatch, or a stub that raises): numba then never
types, lowers or links the code left out. Each copy has its own qualified name,
so numba's on-disk cache keeps it in its own index file.
"""
import types

from numba import njit

# the compile flags a copy inherits from the original dispatcher (the rest of targetoptions is njit's own)
_FLAGS = ("inline", "error_model", "forceinline", "boundscheck", "fastmath")


def variant(dispatcher, suffix, cache=True, **replace):
    """A new @njit function: `dispatcher`'s Python code with the globals in `replace` swapped.

    Every replaced name must be a global the original module defines, so a rename there fails here loudly
    instead of silently compiling the original callee."""
    func = dispatcher.py_func
    unknown = sorted(set(replace) - set(func.__globals__))
    if unknown:
        raise NameError(f"{func.__qualname__} has no globals named {', '.join(unknown)}")
    scope = dict(func.__globals__)
    scope.update(replace)
    copy = types.FunctionType(func.__code__, scope, func.__name__ + suffix, func.__defaults__, func.__closure__)
    copy.__qualname__ = func.__qualname__ + suffix
    copy.__module__ = func.__module__
    copy.__doc__ = func.__doc__
    flags = {k: v for k, v in dispatcher.targetoptions.items() if k in _FLAGS and v is not None}
    return njit(cache=cache, **flags)(copy)


@njit(cache=True, error_model="numpy", forceinline=False)
def not_compiled_in(*args):
    """Stands in for a callee a variant leaves out; the Python side never routes such a bot there."""
    raise RuntimeError("this compiled turn loop leaves out that bot family (sim/engine/variants.py)")
