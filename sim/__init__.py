"""gfsim's engine: Robocode 1.9 rules compiled with numba."""
from sim.engine.numba_cache import configure as _configure_numba_cache

_configure_numba_cache()
