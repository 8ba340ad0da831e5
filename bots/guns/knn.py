"""A k-nearest-neighbour (dynamic clustering) gun over its own waves.

The compiled gun is shared by the four wave guns (bots/guns/wave_kernels.py); this part chooses its
aimers and memory through its parameters (bots/guns/wave_memory.py)."""
from bots.guns import wave_kernels
from bots.guns.aiming import FIRING_PARAMS
from bots.guns.wave_memory import KNN_PARAMS, memory_size, prepare_memory
from bots.part import Part

PART = Part("knn", "gun", ("k-NN gun (dynamic clustering): stores every wave with fixed feature weights (distance, |lateral "
             "velocity|, advancing velocity, acceleration, time since reversal, wall escape ratios, distance "
             "moved in 10 turns), L1 neighbours, Gaussian KDE over their GFs, fires at its argmax."),
            think=wave_kernels.think, round_start=wave_kernels.round_start, params=FIRING_PARAMS + KNN_PARAMS,
            memory=lambda values: memory_size("knn", values), prepare=lambda values: prepare_memory("knn", values),
            learns=True, family="wave guns")
