"""The pygame replay viewer (`gfsim replay`).

Only this package imports pygame, and nothing imports it at start-up. It reads
replay files (sim.io.replay) and never the engine. The parts are kept apart:

- model.py: playback state (position, speed, overlays), no pygame;
- view.py: drawing a playback onto a pygame surface;
- controls.py: keys and mouse to model actions;
- app.py: the window loop, screenshots, headless PNG/GIF export, `main(argv)`.
"""
import os as _os

_os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
