"""`gfsim replay`: the window loop, screenshots and headless PNG / GIF export.

main(argv) -> exit code: 0 done, 2 bad input (one line on stderr).
"""
import math
import os
import sys
from pathlib import Path

from sim.cli.args import bounded_float, bounded_int, MAX_ROUNDS
from sim.cli.errors import UsageError, OneLineParser, run_command, check_outputs, EXIT_BAD_INPUT  # noqa: F401

PROG = "gfsim replay"
FPS = 60


# replays shipped inside the package (sim/data/); replays/learned-vs-surf.gfr of a source tree is the example
PACKAGED = {"example.gfr": "example.gfr", "learned-vs-surf.gfr": "example.gfr"}


def example_replay_path(name="example.gfr"):
    """A replay shipped inside the package: by default the example (a learned gun + surfer against
    k-NN + orbit, with their aim and danger telemetry)."""
    from importlib.resources import files
    return str(files("sim").joinpath("data", PACKAGED[name]))


def resolve_replay(path):
    """A replay path as given, or, when no such file exists, the packaged replay of that file name
    (so `gfsim replay replays/learned-vs-surf.gfr` works from any folder)."""
    if not os.path.exists(path) and os.path.basename(path) in PACKAGED:
        return example_replay_path(os.path.basename(path))
    return path


def build_parser():
    p = OneLineParser(
        prog=PROG,
        description="Watch a recorded battle (record one with `gfsim battle A B --record`), or two side by "
                    "side, synchronised by round and turn. Without FILE, plays the example replay shipped "
                    "with gfsim: a learned gun and a wave surfer, with each wave's loss. Press H in the window for "
                    "the keys, K for the colour key.")
    p.add_argument("file", nargs="?", metavar="FILE",
                   help="replay file (.gfr); default: the shipped example, a learned gun + surfer (lock+learned+surf) "
                        "against lock+knn+orbit with their aim and danger data (also opened as learned-vs-surf.gfr)")
    p.add_argument("file2", nargs="?", metavar="FILE2", help="a second replay to compare side by side")
    p.add_argument("--export", metavar="DIR", help="write PNG frames into DIR instead of opening a window")
    p.add_argument("--gif", metavar="OUT", help="write an animated GIF instead of opening a window")
    p.add_argument("--turns", metavar="A:B",
                   help="what --export/--gif write: turns A to B-1 counted over the whole battle (round 1 "
                        "turn 0 is 0), or of one round with --round; default: the whole first round")
    p.add_argument("--round", type=bounded_int(1, MAX_ROUNDS), metavar="N",
                   help="with --turns, count turns within round N (from 1)")
    p.add_argument("--scale", type=bounded_float(0.1, 4.0), default=None,
                   help="screen pixels per battlefield pixel, 0.1 to 4 (default 1, or 0.75 when comparing)")
    p.add_argument("--speed", type=bounded_float(0.25, 64.0, allow_zero=True), default=1.0,
                   help="playback speed, 0.25 to 64 (1 = 30 turns/s; 0 = max); for --gif the speed it plays at")
    p.add_argument("--paused", action="store_true", help="open the window paused")
    from .model import DEFAULT_OVERLAYS, OVERLAYS
    names = [n for n in OVERLAYS if n != "help"]
    p.add_argument("--overlays", metavar="LIST",
                   help=f"overlays to show, comma-separated from {','.join(names)} (default "
                        f"{','.join(n for n in names if DEFAULT_OVERLAYS[n] and n != 'loss')} and loss when the "
                        "replay has telemetry; 'none' for none)")
    p.add_argument("--screenshot-dir", default=".", metavar="DIR", help="where S saves screenshots (default .)")
    return p


BadInput = UsageError   # the name this module used before sim.cli.errors


def _load(path):
    from sim.io.replay import load_replay, ReplayError
    try:
        return load_replay(path)
    except ReplayError as e:
        raise BadInput(str(e)) from None


def _overlays(text):
    from .model import OVERLAYS
    if text is None:
        return None
    names = [] if text.strip().lower() == "none" else [t.strip() for t in text.split(",") if t.strip()]
    choices = [n for n in OVERLAYS if n != "help"]
    bad = [n for n in names if n not in choices]
    if bad:
        raise BadInput(f"unknown overlay {bad[0]!r} (choose from {', '.join(choices)})")
    return {n: (n in names) for n in choices}


def _init_pygame(headless):
    if headless:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame
    pygame.display.init()
    pygame.font.init()
    return pygame


class App:
    """A playback, its renderer and a screen; input goes through handle()."""

    def __init__(self, playback, renderer, screen, screenshot_dir=".", stems=()):
        self.pb = playback
        self.renderer = renderer
        self.screen = screen
        self.screenshot_dir = screenshot_dir
        self.stems = list(stems) or ["replay"]

    def handle(self, event):
        from .controls import action_for_event
        act = action_for_event(event, self.renderer)
        if act is None:
            return None
        name, arg = act
        if name == "screenshot":
            path = self.screenshot()
            self.pb.message = f"saved {path}"
            print(path)
        else:
            self.pb.apply(name, arg)
        return name

    def process_events(self):
        import pygame
        return [a for a in (self.handle(e) for e in pygame.event.get()) if a]

    def render(self):
        self.renderer.draw(self.screen)

    def screenshot(self, path=None):
        if path is None:
            r, t = self.pb.round_turn
            name = "-vs-".join(self.stems) + f"-r{r + 1}-t{t}.png"
            path = os.path.join(self.screenshot_dir, name)
        from sim.io.atomic import write_atomic
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.render()
        write_atomic(str(path), _png_bytes(self.screen))   # like every writer: whole or not at all
        return str(path)

    def run(self):
        import pygame
        clock = pygame.time.Clock()
        while not self.pb.quit:
            ms = clock.tick(0 if (self.pb.unthrottled and self.pb.playing) else FPS)
            self.process_events()
            self.pb.update(ms / 1000.0)
            self.renderer.fps = clock.get_fps()
            self.render()
            pygame.display.flip()


def _positions(args, timeline):
    from .model import parse_turns
    if args.round is not None:
        if not 1 <= args.round <= timeline.rounds:
            raise BadInput(f"--round must be from 1 to {timeline.rounds}, got {args.round}")
        r = args.round - 1
        length = int(timeline.round_len[r])
        turns = parse_turns(args.turns, length) if args.turns else range(length)
        base = int(timeline.start[r])
        return range(base + turns.start, base + turns.stop)
    if args.turns:
        return parse_turns(args.turns, timeline.total)
    return range(0, int(timeline.round_len[0]))


def _gif_step(speed):
    """(turns per GIF frame, frame duration in ms) for a playback speed; GIF frames last >= 20 ms."""
    tps = 30.0 * speed
    k = max(1, math.ceil(tps / 50.0))
    return k, 1000.0 * k / tps


def _progress(total, desc):
    """A tqdm progress line on stderr (the export's frames)."""
    from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit="frame", file=sys.stderr, leave=False, dynamic_ncols=True)


def _png_bytes(surface):
    import io
    import pygame
    buf = io.BytesIO()
    pygame.image.save(surface, buf, "frame.png")
    return buf.getvalue()


def export_palette():
    """The viewer's own colours, so that GIF frames keep them exactly."""
    from .view import (ROBOT_COLOURS, BACKGROUND, FIELD, GRID, TEXT, DIM, EXPLOSION, tint, shade, density_fill,
                       wave_colour, wave_hit_colour, aim_colour, danger_colour)
    colours = [BACKGROUND, FIELD, GRID, TEXT, DIM, EXPLOSION, (255, 255, 255), (0, 0, 0), (45, 47, 54),
               (85, 90, 105), (22, 23, 28), (32, 34, 40)]
    for i in range(2):
        c = ROBOT_COLOURS[i]
        colours += [c, shade(c, 0.5), shade(c, 0.7), tint(c, 0.35), tint(c, 0.55), tint(c, 0.7), tint(c, 0.3),
                    tint(c, 0.5), wave_colour(i), wave_hit_colour(i), aim_colour(i), danger_colour(i),
                    density_fill(aim_colour(i)), density_fill(danger_colour(i))]
    return colours


def export(app, positions, out_dir=None, gif=None, speed=1.0, log=print, progress=True):
    """Render positions to PNG files in out_dir and/or an animated GIF; returns the number of frames.

    Every file is written whole or not at all (sim.io.atomic), with a progress line on stderr, and the
    frames carry no play/pause state."""
    import pygame
    from sim.io.atomic import write_atomic
    pb = app.pb
    pb.playing = False
    app.renderer.exporting = True
    positions = list(positions)
    written = 0
    if out_dir:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        bar = _progress(len(positions), "frames") if progress else None
        try:
            for pos in positions:
                pb.seek(pos)
                app.render()
                write_atomic(os.path.join(out_dir, f"frame_{pos:06d}.png"), _png_bytes(app.screen))
                written += 1
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()
        log(f"wrote {written} frames to {out_dir}")
    if gif:
        from .gif import GifWriter
        import numpy as np
        k, ms = _gif_step(speed)
        Path(gif).parent.mkdir(parents=True, exist_ok=True)
        frames = positions[::k]
        w = GifWriter(gif, app.screen.get_size(), ms, export_palette())
        bar = _progress(len(frames), "gif") if progress else None
        try:
            for pos in frames:
                pb.seek(pos)
                app.render()
                rgb = np.frombuffer(pygame.image.tobytes(app.screen, "RGB"), dtype=np.uint8)
                w.add(rgb.reshape(app.screen.get_height(), app.screen.get_width(), 3))
                if bar is not None:
                    bar.update(1)
            w.close()
        except BaseException:
            w.abort()
            raise
        finally:
            if bar is not None:
                bar.close()
        log(f"wrote {w.frames} frames to {gif} ({w.duration} ms each)")
        written = max(written, w.frames)
    return written


def make_app(replays, stems, scale=None, speed=1.0, overlays=None, headless=False, screenshot_dir=".",
             caption="gfsim replay"):
    """Set up pygame, a Playback and a Renderer, and open the window (or a dummy one)."""
    pygame = _init_pygame(headless)
    from .model import Playback
    from .view import Renderer
    pb = Playback(replays, speed=speed, overlays=overlays)
    if scale is None:
        scale = 0.75 if len(replays) > 1 else 1.0
    if not 0.1 <= scale <= 4.0:
        raise BadInput(f"--scale must be from 0.1 to 4, got {scale:g}")
    renderer = Renderer(pb, scale=scale, names=stems)
    screen = pygame.display.set_mode(renderer.size)
    pygame.display.set_caption(caption)
    return App(pb, renderer, screen, screenshot_dir=screenshot_dir, stems=[Path(s).stem for s in stems])


def _prepare_losses(pb):
    """Compute the per-wave losses before the first frame; say so if it takes a while (the very first
    run compiles learning.loss's kernel, ~20 s)."""
    import threading
    from .model import has_data
    todo = [k for k, rp in enumerate(pb.replays) if pb.overlays.get("loss") and has_data(rp, "loss")]
    if not todo:
        return
    note = threading.Timer(1.0, lambda: print(f"{PROG}: computing each wave's loss with learning.loss (the first "
                                              "run compiles it, about 20 s)...", file=sys.stderr, flush=True))
    note.start()
    try:
        for k in todo:
            pb.losses(k)
    finally:
        note.cancel()


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return run_command(PROG, _main, argv)
    finally:
        if "pygame" in sys.modules:
            sys.modules["pygame"].quit()


def _main(argv):
    args = build_parser().parse_args(argv)
    given = [args.file or example_replay_path()] + ([args.file2] if args.file2 else [])
    files = [resolve_replay(f) for f in given]
    inputs = [("FILE", files[0])] + ([("FILE2", files[1])] if len(files) > 1 else [])
    if args.gif:
        check_outputs([("--gif", args.gif)], inputs=inputs)
    if args.export:
        if os.path.exists(args.export) and not os.path.isdir(args.export):
            raise BadInput(f"--export {args.export} is a file, not a folder")
    replays = [_load(f) for f in files]
    overlays = _overlays(args.overlays)
    speed = math.inf if args.speed == 0 else args.speed
    headless = bool(args.export or args.gif)
    if (args.turns or args.round) and not headless:
        raise BadInput("--turns and --round choose what --export or --gif write")
    if args.gif and math.isinf(speed):
        raise BadInput("--gif needs a finite --speed")
    names = [os.path.basename(f) for f in given]
    app = make_app(replays, names, scale=args.scale, speed=speed, overlays=overlays, headless=headless,
                   screenshot_dir=args.screenshot_dir, caption=f"{PROG}: " + "  vs  ".join(names))
    _prepare_losses(app.pb)
    if headless:
        try:
            positions = _positions(args, app.pb.timeline)
        except ValueError as e:
            raise BadInput(str(e)) from None
        export(app, positions, out_dir=args.export, gif=args.gif, speed=speed)
        return 0
    app.pb.playing = not args.paused
    app.run()
    return 0


if __name__ == "__main__":
    from sim.cli.errors import exit_with
    exit_with(main())
