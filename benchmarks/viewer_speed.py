"""Viewer frame time (headless, SDL dummy driver): all overlays on, the example replay with its telemetry.

Prints mean and p95 ms per frame for one field and for compare mode, each next to its peer measured in
the same run: the same frames without the loss overlay and the legend (what issue 18 added), and the
ratio to the 60 fps budget (16.7 ms).

    PYTHONPATH=. python benchmarks/viewer_speed.py [--frames 300]
"""
import argparse
import os
import sys
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import numpy as np   # noqa: E402


def measure(replays, overlays, frames, scale):
    import pygame
    from sim.viewer.app import make_app
    app = make_app(replays, [f"r{k}" for k in range(len(replays))], scale=scale, overlays=overlays, headless=True)
    app.pb.playing = False
    total = app.pb.timeline.total
    step = max(1, total // frames)
    app.render()                      # warm caches (text, backgrounds, the loss table)
    times = []
    for k in range(frames):
        app.pb.seek((k * step) % total)
        t0 = time.perf_counter()
        app.render()
        pygame.display.flip()
        times.append(time.perf_counter() - t0)
    pygame.quit()
    return 1000 * np.mean(times), 1000 * np.percentile(times, 95)


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
        m, p = measure(replays, every, args.frames, scale)
        pm, pp = measure(replays, peer, args.frames, scale)
        print(f"{name:8s} all overlays: {m:5.2f} ms mean, p95 {p:5.2f} ms | without loss+legend: {pm:5.2f} ms, "
              f"p95 {pp:5.2f} | ratio {m / pm:4.2f}x | mean / 16.7 ms budget {m / (1000 / 60):4.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
