"""Guns: one module per part (see bots/part.py). aiming.py and wave_kernels.py hold what they share."""
