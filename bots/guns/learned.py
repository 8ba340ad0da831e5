"""The BeepBoop-style gun: a model fitted with the BeepBoop loss (`gfsim train`) over its own waves.

The compiled gun is shared by the four wave guns (bots/guns/wave_kernels.py); this part chooses its
aimers and memory through its parameters (bots/guns/wave_memory.py)."""
from bots.guns import wave_kernels
from bots.guns.aiming import FIRING_PARAMS
from bots.guns.wave_memory import LEARNED_PARAMS, memory_size, prepare_memory
from bots.part import Param, Part

# the learned gun fires only when its gun is within 0.2 enemy half-widths of the aim (the other guns: 1): its
# argmax sits on an interval only ~0.1 GF wide, and a shot one half-width off cost 2.7 points of hit rate
# on random orbit (docs/learning.md, "Where the learned gun loses")
LEARNED_FIRING_PARAMS = tuple(
    Param("tolerance", 0.2, p.lo, p.hi, p.doc) if p.name == "tolerance" else p for p in FIRING_PARAMS)

PART = Part("learned", "gun", ("BeepBoop-style learned gun: a `gfsim train` model (per-feature embedding, L1 distance, softmax "
             "over the k nearest of up to 50,000 stored waves, the model's kernel (box, indicator, Gaussian or Laplace) over "
             "each neighbour's [gf_lo, gf_hi]); "
             "fires at the exact argmax of that density mixed with head-on, linear and circular aiming, each weighted "
             "by the BeepBoop loss of the waves it predicted (est_sim); holds fire while its bullets in flight are "
             "expected to finish the enemy (hold_fire) and holds shots far less likely to hit than its usual "
             "(fire_gate); keeps learning from its own waves."),
            think=wave_kernels.think, round_start=wave_kernels.round_start, params=LEARNED_FIRING_PARAMS + LEARNED_PARAMS,
            memory=lambda values: memory_size("learned", values), prepare=lambda values: prepare_memory("learned", values),
            learns=True, family="wave guns")
