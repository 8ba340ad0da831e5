"""The BeepBoop-style gun: a model fitted with the BeepBoop loss (`gfsim train`) over its own waves.

The compiled gun is shared by the four wave guns (bots/guns/wave_kernels.py); this part chooses its
aimers and memory through its parameters (bots/guns/wave_memory.py)."""
from bots.guns import wave_kernels
from bots.guns.aiming import FIRING_PARAMS
from bots.guns.wave_memory import LEARNED_PARAMS, memory_size, prepare_memory
from bots.part import Part

PART = Part("learned", "gun", ("BeepBoop-style learned gun: a `gfsim train` model (per-feature embedding, L1 distance, softmax "
             "over the k nearest of up to 50,000 stored waves, box kernel over each neighbour's [gf_lo, gf_hi]); "
             "fires at the density's exact argmax and keeps learning from its own waves."),
            think=wave_kernels.think, round_start=wave_kernels.round_start, params=FIRING_PARAMS + LEARNED_PARAMS,
            memory=lambda values: memory_size("learned", values), prepare=lambda values: prepare_memory("learned", values),
            learns=True, family="wave guns")
