"""Virtual guns: several aimers scored on every wave; the best so far fires.

The compiled gun is shared by the four wave guns (bots/guns/wave_kernels.py); this part chooses its
aimers and memory through its parameters (bots/guns/wave_memory.py)."""
from bots.guns import wave_kernels
from bots.guns.aiming import FIRING_PARAMS
from bots.guns.wave_memory import VIRTUAL_PARAMS, memory_size, prepare_memory
from bots.part import Part

PART = Part("virtual", "gun", ("Virtual guns: runs the chosen aimers (each with its default settings) on every shot, scores each "
             "against the wave the bullet rides, and fires the one with the best virtual hit rate so far."),
            think=wave_kernels.think, round_start=wave_kernels.round_start, params=FIRING_PARAMS + VIRTUAL_PARAMS,
            memory=lambda values: memory_size("virtual", values), prepare=lambda values: prepare_memory("virtual", values),
            learns=True, family="wave guns")
