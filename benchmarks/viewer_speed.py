"""Viewer frame time (headless, SDL dummy driver): all overlays on, the example replay with its telemetry.

Prints mean and p95 ms per frame for one field and for compare mode, each next to its peer measured in
the same run, frame by frame in turns: the same frames without the loss overlay and the legend (what
issue 18 added), and the ratio to the 60 fps budget (16.7 ms).

    PYTHONPATH=. python benchmarks/viewer_speed.py [--frames 300]
"""
import argparse
import os
import sys
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import numpy as np   # noqa: E402


def measure(replays, configs, frames, scale):
    """ms per frame (arrays) for each overlay set in `configs`, taken in turns on the same positions so
    that the machine's load falls on all of them alike."""
    import pygame
    from sim.viewer.app import make_app
    app = make_app(replays, [f"r{k}" for k in range(len(replays))], scale=scale, overlays=configs[0], headless=True)
    app.pb.playing = False
    total = app.pb.timeline.total
    step = max(1, total // frames)
    app.render()                      # warm caches (text, backgrounds, the loss table)
    times = [[] for _ in configs]
    for k in range(frames):
        app.pb.seek((k * step) % total)
        for c, overlays in enumerate(configs):
            app.pb.overlays.update(overlays)
            t0 = time.perf_counter()
            app.render()
            pygame.display.flip()
            times[c].append(1000 * (time.perf_counter() - t0))
    pygame.quit()
    return [np.array(t) for t in times]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=300, help="frames per measurement (default 300)")
    args = ap.parse_args(argv)
    from sim.io.replay import load_replay
    from sim.viewer.app import example_replay_path
    from sim.viewer.model import OVERLAYS
    rp = load_replay(example_replay_path())
    every = {k: k != "help" for k in OVERLAYS}
    peer = dict(every, loss=False, legend=False)
    print(f"example replay {rp.bots}, {rp.frames} frames, {len(rp.telemetry['round'])} telemetry rows")
    for name, replays, scale in (("single", [rp], 1.0), ("compare", [rp, rp], 0.75)):
        t, tp = measure(replays, [every, peer], args.frames, scale)
        print(f"{name:8s} all overlays: {t.mean():5.2f} ms mean, p95 {np.percentile(t, 95):5.2f} ms | without "
              f"loss+legend: {tp.mean():5.2f} ms, p95 {np.percentile(tp, 95):5.2f} | ratio {t.mean() / tp.mean():4.2f}x "
              f"| mean / 16.7 ms budget {t.mean() / (1000 / 60):4.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
