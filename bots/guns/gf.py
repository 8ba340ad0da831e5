"""A visit-count guess-factor gun that learns from its own waves all battle.

The compiled gun is shared by the four wave guns (bots/guns/wave_kernels.py); this part chooses its
aimers and memory through its parameters (bots/guns/wave_memory.py)."""
from bots.guns import wave_kernels
from bots.guns.aiming import FIRING_PARAMS
from bots.guns.wave_memory import GF_PARAMS, memory_size, prepare_memory
from bots.part import Part

PART = Part("gf", "gun", ("Visit-count guess-factor gun: segmented statistics of its own waves' precise-intersection labels "
             "(distance x |lateral velocity| x acceleration x wall ahead x time since reversal), bin smoothing, "
             "rolling average; fires at the most visited GF. Learns all battle."),
            think=wave_kernels.think, round_start=wave_kernels.round_start, params=FIRING_PARAMS + GF_PARAMS,
            memory=lambda values: memory_size("gf", values), prepare=lambda values: prepare_memory("gf", values),
            learns=True, family="wave guns")
