"""The replay viewer, headless (SDL dummy driver): pixels where Robocode's geometry puts them,
overlays, keys, export, and the command line."""
import math
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np   # noqa: E402
import pygame        # noqa: E402
import pytest        # noqa: E402

from sim.io.replay import Replay, load_replay, save_replay, RS_DEAD   # noqa: E402
from sim.viewer import app as viewer_app                            # noqa: E402
from sim.viewer.app import make_app, main, example_replay_path      # noqa: E402
from sim.viewer.model import Playback, Timeline, SPEEDS, TURNS_PER_SECOND, parse_turns   # noqa: E402
from sim.viewer.view import (robot_colour, tread_colour, barrel_colour, radar_colour, bullet_colour,   # noqa: E402
                             EXPLOSION, tint, FIELD, wave_colour, wave_hit_colour, density_fill, aim_colour,
                             danger_colour, GF_FIRED_COLOUR, DENSITY_HEIGHT)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "sim" / "data" / "example.gfr"


# --- a replay built by hand, so that every pixel is known ------------------------------------------

def make_replay(turns=10, rounds=1, width=800, height=600, die=None):
    """Two robots standing still: robot 0 at (200, 150) facing north, gun east, radar south; robot 1 at
    (600, 450) facing east whose radar turns 10 degrees a turn from north. Robot 0 fires one bullet
    (power 2, speed 14) east from (250, 150) at turn 2; it hits the wall at turn 8. `die` = (robot,
    turn) kills a robot."""
    n = 2
    rt = np.full(rounds, turns)
    F = int((rt + 1).sum())
    t = np.concatenate([np.arange(k + 1) for k in rt])
    rob = {
        "x": np.tile([200.0, 600.0], (F, 1)), "y": np.tile([150.0, 450.0], (F, 1)),
        "heading": np.tile([0.0, math.pi / 2], (F, 1)), "gun": np.tile([math.pi / 2, math.pi], (F, 1)),
        "radar": np.stack([np.full(F, math.pi), np.radians(10.0 * t)], axis=1),
        "velocity": np.zeros((F, n)), "energy": np.tile([100.0, 80.0], (F, 1)), "gun_heat": np.zeros((F, n)),
        "state": np.zeros((F, n), dtype=np.int8), "scan": np.zeros((F, n), dtype=np.uint8)}
    rob["scan"][t > 0, 1] = 1
    ev = dict(round=[], turn=[], type=[], robot=[], other=[], value=[])
    if die:
        i, td = die
        rob["state"][(t >= td), i] = RS_DEAD
        rob["energy"][(t >= td), i] = 0.0
        for k, v in zip(ev, (0, td, 6, i, -1, 0.0)):
            ev[k].append(v)
    b = dict(round=[0], owner=[0], id=[1], birth=[2], x0=[250.0], y0=[150.0], heading=[math.pi / 2], power=[2.0],
             end=[8], end_x=[250.0 + 6 * 14.0], end_y=[150.0], reason=[4], victim=[-1])
    bullets = {k: np.array(v, dtype=np.float64 if k in ("x0", "y0", "heading", "power", "end_x", "end_y")
                           else np.int64) for k, v in b.items()}
    events = {k: np.array(v, dtype=np.float64 if k == "value" else np.int64) for k, v in ev.items()}
    meta = {"format": "gfsim-replay", "version": 1, "robots": n, "rounds": rounds, "frames": F,
            "bots": ["sample.A", "sample.B"], "names": ["Alpha", "Bravo"], "seed": 0,
            "rules": {"width": width, "height": height, "rounds": rounds, "gun_cooling_rate": 0.1,
                      "inactivity_time": 450}}
    scores = np.zeros((rounds, n, 9))
    scores[:, 0, 0] = 50.0
    return Replay(meta, rt, rob, bullets, events, scores, np.zeros((rounds, n, 2)))


# a wave of robot 0 at robot 1, fired in turn 2 from (200, 150): speed 14, target moving anticlockwise
WAVE = dict(turn=2, x=200.0, y=150.0, bearing=math.atan2(400.0, 300.0), speed=14.0, lat=-1.0, lo=0.2, hi=0.45,
            fired=-0.5)
MEA = math.asin(8.0 / 14.0)
AIM_PEAK, DANGER_PEAK = 0.6, -0.4


def bump(peak, width=0.08):
    g = np.linspace(-1.0, 1.0, 51)
    d = np.exp(-0.5 * ((g - peak) / width) ** 2)
    return (d / d.max()).astype(np.float32)


def add_waves(rp, virtual=False, aim=True, danger=True, center_turn=-1, shooter=0):
    """Give a hand-made replay WAVE (and a virtual wave fired in turn 3 when asked), robot 0's aiming
    density along WAVE peaking at GF AIM_PEAK, and robot 1's danger along an enemy wave fired in turn 3
    from the same spot, lateral direction +1, peaking at GF DANGER_PEAK."""
    rows = [(0, WAVE["turn"], 1, 0, WAVE["lo"], WAVE["hi"], 0.3, WAVE["fired"])]
    if virtual:
        rows.append((0, 3, 0, -1, -0.3, -0.1, -0.2, np.nan))
    i = lambda k: np.array([r[k] for r in rows], dtype=np.int64)       # noqa: E731
    fl = lambda k: np.array([r[k] for r in rows], dtype=np.float64)   # noqa: E731
    m = len(rows)
    rp.waves = {"round": i(0), "turn": i(1), "shooter": np.full(m, shooter, np.int64),
                "target": np.full(m, 1 - shooter, np.int64), "real": i(2), "hit": np.zeros(m, np.int64),
                "bullet": i(3), "center_turn": np.full(m, center_turn),
                "fire_x": np.full(m, WAVE["x"]), "fire_y": np.full(m, WAVE["y"]),
                "bearing": np.full(m, WAVE["bearing"]), "speed": np.full(m, WAVE["speed"]),
                "lat_dir": np.full(m, WAVE["lat"]), "gf_lo": fl(4), "gf_hi": fl(5), "gf_center": fl(6),
                "gf_fired": fl(7)}
    sections = {k: {"version": 1, "required": True} for k in ("robots", "bullets", "events", "scores")}
    sections["waves"] = {"version": 1, "required": False, "virtual": virtual, "rows": m}
    tele = []
    if aim:
        tele.append((shooter, 0, WAVE["turn"], WAVE["lat"], bump(AIM_PEAK)))
    if danger:
        tele.append((1 - shooter, 1, 3, 1.0, bump(DANGER_PEAK)))
    if tele:
        k = len(tele)
        rp.telemetry = {"robot": np.array([t[0] for t in tele]), "kind": np.array([t[1] for t in tele]),
                        "round": np.zeros(k, np.int64), "turn": np.array([t[2] for t in tele]),
                        "source_x": np.full(k, WAVE["x"]), "source_y": np.full(k, WAVE["y"]),
                        "bearing": np.full(k, WAVE["bearing"]), "speed": np.full(k, WAVE["speed"]),
                        "lat_dir": np.array([t[3] for t in tele]), "mea": np.full(k, MEA),
                        "bins": np.stack([t[4] for t in tele])}
        sections["telemetry"] = {"version": 1, "required": False, "bins": 51, "rows": k, "dropped": 0}
    rp.meta["sections"] = sections
    return rp


def on_wave(app, k, turn, fire_turn, gf, lat, dr=0.0):
    """Screen point of a guess factor on a wave from WAVE's spot at a turn, dr px off its front."""
    R = (turn - fire_turn + 1) * WAVE["speed"] + dr
    a = WAVE["bearing"] + gf * lat * MEA
    return screen_point(app, k, WAVE["x"] + R * math.sin(a), WAVE["y"] + R * math.cos(a))


def near(surface, p, colour, r=1):
    """The colour is at p or within r pixels of it (thin anti-aliasing-free lines may round either way)."""
    x0, y0 = int(round(p[0])), int(round(p[1]))
    return any(tuple(surface.get_at((x0 + dx, y0 + dy)))[:3] == tuple(colour)
               for dx in range(-r, r + 1) for dy in range(-r, r + 1))


@pytest.fixture(autouse=True)
def _pygame():
    yield
    pygame.quit()


def app_for(replays, scale=1.0, overlays=None, **kw):
    return make_app(replays, [f"r{k}" for k in range(len(replays))], scale=scale, overlays=overlays,
                    headless=True, **kw)


def pixel(surface, p):
    return tuple(surface.get_at((int(round(p[0])), int(round(p[1])))))[:3]


def screen_point(app, k, x, y):
    """Where a world point should be: computed here from the layout, not asked of the view."""
    fv = app.renderer.fields[k]
    return fv.rect.x + x * app.renderer.scale, fv.rect.y + (fv.H - y) * app.renderer.scale


def body_point(app, k, x, y, heading, lx, ly):
    return screen_point(app, k, x + lx * math.cos(heading) + ly * math.sin(heading),
                        y - lx * math.sin(heading) + ly * math.cos(heading))


def render_at(app, turn, rnd=0):
    app.pb.playing = False
    app.pb.seek(app.pb.timeline.pos(rnd, turn))
    app.render()
    return app.screen


# --- pixels -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scale", [1.0, 2.0, 0.5])
def test_robots_where_robocode_puts_them(scale):
    app = app_for([make_replay()], scale=scale)
    s = render_at(app, 5)
    # robot 0 at (200, 150) facing north: body ahead of the turret, treads left and right
    assert pixel(s, screen_point(app, 0, 200, 150 + 13)) == robot_colour(0)
    assert pixel(s, screen_point(app, 0, 200, 150 - 13)) == robot_colour(0)
    assert pixel(s, screen_point(app, 0, 200 - 15, 150)) == tread_colour(0)
    assert pixel(s, screen_point(app, 0, 200 + 15, 150 + 10)) == tread_colour(0)
    # gun east, radar south
    assert pixel(s, screen_point(app, 0, 200 + 17, 150)) == barrel_colour(0)
    assert pixel(s, screen_point(app, 0, 200, 150 - 9.5)) == radar_colour(0)
    # robot 1 at (600, 450) facing east: its treads run east-west, so north of it is tread
    assert pixel(s, screen_point(app, 0, 600 + 13, 450)) == robot_colour(1)
    assert pixel(s, screen_point(app, 0, 600, 450 + 15)) == tread_colour(1)
    # just outside the body is the field
    assert pixel(s, screen_point(app, 0, 200 - 30, 150 - 30)) == FIELD


def test_gun_heading_is_clockwise_from_north():
    """Robot 0's gun heading pi/2 points east (right), not west; robot 1's pi points south (down)."""
    app = app_for([make_replay()], overlays={"scan": False, "labels": False})
    s = render_at(app, 5)
    assert pixel(s, screen_point(app, 0, 200 + 17, 150)) == barrel_colour(0)
    assert pixel(s, screen_point(app, 0, 200 - 17, 150)) == tread_colour(0)
    south = pixel(s, screen_point(app, 0, 600, 450 - 17))
    west = pixel(s, screen_point(app, 0, 600 - 17, 450))
    assert south == barrel_colour(1)
    assert west == robot_colour(1)


def test_bullet_drawn_then_explodes():
    app = app_for([make_replay()], overlays={"scan": False})
    s = render_at(app, 1)
    assert pixel(s, screen_point(app, 0, 250, 150)) == FIELD                # not fired yet
    s = render_at(app, 5)
    assert pixel(s, screen_point(app, 0, 250 + 3 * 14, 150)) == bullet_colour(0)
    assert pixel(s, screen_point(app, 0, 250 + 2 * 14, 150)) == FIELD       # last turn's spot is clear
    s = render_at(app, 9)                                                   # one turn after it stopped
    assert pixel(s, screen_point(app, 0, 250 + 6 * 14, 150)) == tint(EXPLOSION, 0.6)


def test_dead_robot_is_not_drawn():
    app = app_for([make_replay(turns=120, die=(1, 3))], overlays={"scan": False, "labels": False})
    s = render_at(app, 2)
    assert pixel(s, screen_point(app, 0, 600 + 13, 450)) == robot_colour(1)
    s = render_at(app, 100)            # long after the explosion
    assert pixel(s, screen_point(app, 0, 600 + 13, 450)) == FIELD


def _diff(a, b):
    return np.argwhere(np.any(pygame.surfarray.array3d(a) != pygame.surfarray.array3d(b), axis=2))


@pytest.mark.parametrize("overlay", ["scan", "paths", "stats", "labels", "help"])
def test_overlay_toggles_change_the_image(overlay):
    app = app_for([make_replay()], overlays={"scan": True, "paths": True, "stats": True, "labels": True})
    on = render_at(app, 6).copy()
    app.pb.toggle(overlay)
    off = render_at(app, 6).copy()
    changed = _diff(on, off)
    assert len(changed) > 20, overlay
    if overlay == "scan":
        # robot 1's radar swept from 50 to 60 degrees: a point inside that pie changed, one outside not
        a = math.radians(55)
        inside = screen_point(app, 0, 600 + 100 * math.sin(a), 450 + 100 * math.cos(a))
        assert pixel(on, inside) != pixel(off, inside) and pixel(off, inside) == FIELD
        b = math.radians(90 + 55)
        outside = screen_point(app, 0, 600 + 100 * math.sin(b), 450 + 100 * math.cos(b))
        assert pixel(on, outside) == pixel(off, outside) == FIELD
    if overlay == "paths":
        mid = screen_point(app, 0, 250 + 2 * 14, 150)     # between birth and the bullet at turn 6
        assert pixel(off, mid) == FIELD and pixel(on, mid) != FIELD
    if overlay == "stats":
        fr = app.renderer.fields[0]
        assert all(fr.rect.bottom <= y for x, y in changed)   # the stats band is under the field


NO_OVERLAYS = {"scan": False, "paths": False, "stats": False, "labels": False, "waves": False, "aim": False,
               "danger": False, "checks": False, "virtual": False, "loss": False, "legend": False}


def only(*names):
    return dict(NO_OVERLAYS, **{n: True for n in names})


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_wave_arc_hit_interval_and_fired_gf(scale):
    app = app_for([add_waves(make_replay(turns=60))], scale=scale, overlays=only("waves"))
    on = render_at(app, 6).copy()          # the front has radius (6 - 2 + 1) * 14 = 70
    # the hit interval [0.2, 0.45] is drawn thick and light, the rest of the MEA arc thin in the shooter's colour
    assert pixel(on, on_wave(app, 0, 6, 2, 0.33, WAVE["lat"])) == wave_hit_colour(0)
    assert near(on, on_wave(app, 0, 6, 2, -0.8, WAVE["lat"]), wave_colour(0))
    assert near(on, on_wave(app, 0, 6, 2, 0.9, WAVE["lat"]), wave_colour(0))
    mirrored = on_wave(app, 0, 6, 2, 0.33, -WAVE["lat"])       # the same GF for the other lateral direction
    assert pixel(on, mirrored) != wave_hit_colour(0) and near(on, mirrored, wave_colour(0))
    assert pixel(on, on_wave(app, 0, 6, 2, 1.3, WAVE["lat"])) == FIELD            # beyond the MEA
    # a white tick across the front where the bullet was fired (GF -0.5)
    assert pixel(on, on_wave(app, 0, 6, 2, WAVE["fired"], WAVE["lat"], dr=5)) == GF_FIRED_COLOUR
    assert pixel(on, on_wave(app, 0, 6, 2, WAVE["fired"], WAVE["lat"], dr=-5)) == GF_FIRED_COLOUR
    # the front moves on with the turns
    s = render_at(app, 10).copy()
    assert pixel(s, on_wave(app, 0, 10, 2, 0.33, WAVE["lat"])) == wave_hit_colour(0)
    assert pixel(s, on_wave(app, 0, 6, 2, 0.33, WAVE["lat"])) == FIELD
    app.pb.toggle("waves")
    off = render_at(app, 6)
    assert pixel(off, on_wave(app, 0, 6, 2, 0.33, WAVE["lat"])) == FIELD
    assert len(_diff(on, off)) > 50


def test_waves_come_and_go():
    app = app_for([add_waves(make_replay(turns=60))], overlays=only("waves"))
    field = app.renderer.fields[0].rect
    blank = render_at(app, 1).subsurface(field).copy()         # before the fire turn: nothing
    app.pb.toggle("waves")
    assert len(_diff(blank, render_at(app, 1).subsurface(field))) == 0
    app.pb.toggle("waves")
    rp = app.pb.replays[0]
    assert list(rp.waves_at(2)[0]) == [0] and list(rp.waves_at(2)[1]) == [14.0]   # from its fire turn on,
    s = render_at(app, 3)                                                          # (under the robot there)
    assert pixel(s, on_wave(app, 0, 3, 2, 0.33, WAVE["lat"])) == wave_hit_colour(0)
    # robot 1 is 500 px away: the wave is drawn up to 40 px past it, then no more
    s = render_at(app, 38).copy()             # radius 518
    assert pixel(s, on_wave(app, 0, 38, 2, 0.33, WAVE["lat"])) == wave_hit_colour(0)
    s = render_at(app, 40)                    # radius 546
    assert pixel(s, on_wave(app, 0, 40, 2, 0.33, WAVE["lat"])) == FIELD


def test_virtual_waves_only_with_their_overlay():
    app = app_for([add_waves(make_replay(turns=60), virtual=True)], overlays=only("waves"))
    p = on_wave(app, 0, 8, 3, -0.2, WAVE["lat"])
    assert pixel(render_at(app, 8), p) == FIELD
    app.pb.toggle("virtual")
    assert pixel(render_at(app, 8), p) == wave_hit_colour(0, real=False)


def test_aim_density_along_the_wave():
    app = app_for([add_waves(make_replay(turns=60), danger=False)], overlays=only("aim"))
    on = render_at(app, 6).copy()
    # outside the front, as high as the density: DENSITY_HEIGHT px at its peak, nothing far from it
    assert pixel(on, on_wave(app, 0, 6, 2, AIM_PEAK, WAVE["lat"], dr=DENSITY_HEIGHT / 2)) == density_fill(aim_colour(0))
    assert near(on, on_wave(app, 0, 6, 2, AIM_PEAK, WAVE["lat"], dr=DENSITY_HEIGHT), aim_colour(0))
    assert pixel(on, on_wave(app, 0, 6, 2, AIM_PEAK, WAVE["lat"], dr=DENSITY_HEIGHT + 4)) == FIELD
    assert pixel(on, on_wave(app, 0, 6, 2, -AIM_PEAK, WAVE["lat"], dr=DENSITY_HEIGHT / 2)) == FIELD
    assert pixel(on, on_wave(app, 0, 6, 2, AIM_PEAK, WAVE["lat"], dr=-DENSITY_HEIGHT / 2)) == FIELD
    app.pb.toggle("aim")
    off = render_at(app, 6)
    assert pixel(off, on_wave(app, 0, 6, 2, AIM_PEAK, WAVE["lat"], dr=DENSITY_HEIGHT / 2)) == FIELD


def test_danger_along_the_enemy_wave():
    app = app_for([add_waves(make_replay(turns=60), aim=False)], overlays=only("danger"))
    on = render_at(app, 6).copy()           # the enemy wave, fired in turn 3: radius 56, lateral direction +1
    assert pixel(on, on_wave(app, 0, 6, 3, DANGER_PEAK, 1.0, dr=-DENSITY_HEIGHT / 2)) == density_fill(danger_colour(1))
    assert pixel(on, on_wave(app, 0, 6, 3, DANGER_PEAK, 1.0, dr=DENSITY_HEIGHT / 2)) == FIELD    # inside only
    assert pixel(on, on_wave(app, 0, 6, 3, DANGER_PEAK, -1.0, dr=-DENSITY_HEIGHT / 2)) == FIELD   # lat_dir matters
    app.pb.toggle("danger")
    off = render_at(app, 6)
    assert pixel(off, on_wave(app, 0, 6, 3, DANGER_PEAK, 1.0, dr=-DENSITY_HEIGHT / 2)) == FIELD


def test_all_overlays_together_and_robots_on_top():
    app = app_for([add_waves(make_replay(turns=60), virtual=True)],
                  overlays=dict(NO_OVERLAYS, **{k: True for k in NO_OVERLAYS}))
    s = render_at(app, 6)
    assert pixel(s, on_wave(app, 0, 6, 2, 0.33, WAVE["lat"])) == wave_hit_colour(0)    # arcs over densities
    assert pixel(s, on_wave(app, 0, 6, 2, AIM_PEAK, WAVE["lat"], dr=DENSITY_HEIGHT / 2)) == density_fill(aim_colour(0))
    assert pixel(s, screen_point(app, 0, 200, 150 - 13)) == robot_colour(0)               # robots over waves


def test_waves_in_compare_mode_and_saved_replays(tmp_path):
    a = add_waves(make_replay(turns=30))
    b = make_replay(turns=30)
    path = tmp_path / "w.gfr"
    save_replay(path, a)
    loaded = load_replay(path)
    assert loaded.waves is not None and loaded.telemetry is not None
    app = app_for([loaded, b], scale=0.5, overlays=only("waves", "aim", "danger"))
    s = render_at(app, 6)
    assert pixel(s, on_wave(app, 0, 6, 2, 0.33, WAVE["lat"])) == wave_hit_colour(0)
    assert pixel(s, on_wave(app, 1, 6, 2, 0.33, WAVE["lat"])) == FIELD     # the second replay has no waves
    assert pixel(s, on_wave(app, 0, 6, 2, AIM_PEAK, WAVE["lat"], dr=DENSITY_HEIGHT / 2)) == density_fill(aim_colour(0))
    app2 = app_for([b, loaded], scale=0.5, overlays=only("waves"))
    s = render_at(app2, 6)
    assert pixel(s, on_wave(app2, 1, 6, 2, 0.33, WAVE["lat"])) == wave_hit_colour(0)


def test_status_line_says_when_a_replay_has_no_wave_data():
    app = app_for([make_replay()], overlays=only("waves", "aim"))
    lines = []
    orig = app.renderer.text.render

    def render(text, size, colour=(0, 0, 0)):
        lines.append(text)
        return orig(text, size, colour)
    app.renderer.text.render = render
    render_at(app, 3)
    assert any("waves (no data), aim (no data)" in t for t in lines)
    lines.clear()
    app = app_for([add_waves(make_replay())], overlays=only("waves", "aim"))
    app.renderer.text.render = render
    render_at(app, 3)
    assert any("overlays: waves, aim" in t for t in lines)


def test_help_lists_the_overlay_keys():
    from sim.viewer.controls import HELP
    keys = dict(HELP)
    for k, words in (("W", "waves"), ("G", "aiming"), ("D", "danger"), ("V", "virtual"), ("T", "hit rate")):
        assert words in keys[k], k
    app = app_for([make_replay()], overlays=only("help"))
    with_help = render_at(app, 3).copy()
    app.pb.toggle("help")
    assert len(_diff(with_help, render_at(app, 3))) > 1000


def test_real_replay_robots_and_bullets():
    """On the shipped example, every alive robot shows its body colour at a body point away from its
    gun and radar, and every flying bullet its colour, at the positions the replay records."""
    rp = load_replay(EXAMPLE)
    # without the text drawn over the field (labels, loss labels), which may cover a bullet near a robot
    app = app_for([rp], overlays={"scan": False, "paths": False, "labels": False, "stats": False, "loss": False})
    checked_robots = checked_bullets = 0
    for f in range(5, rp.frames, 211):
        app.pb.seek(f)
        app.render()
        s = app.screen
        flying, exploding = rp.bullets_at(f)
        for i in range(rp.n):
            if rp.robots["state"][f, i] == RS_DEAD:
                continue
            x, y, h = (rp.robots[k][f, i] for k in ("x", "y", "heading"))
            for ly in (13.0, -13.0):
                direction = h if ly > 0 else h + math.pi
                clear_of_turret = all(abs((rp.robots[k][f, i] - direction + math.pi) % (2 * math.pi) - math.pi) > 0.6
                                      for k in ("gun", "radar"))
                px, py = x + ly * math.sin(h), y + ly * math.cos(h)
                others = [(rp.robots["x"][f, j], rp.robots["y"][f, j]) for j in range(rp.n) if j != i]
                others += list(zip(flying["x"], flying["y"])) + list(zip(exploding["x"], exploding["y"]))
                if clear_of_turret and all(math.hypot(px - ox, py - oy) > 30 for ox, oy in others):
                    assert pixel(s, body_point(app, 0, x, y, h, 0.0, ly)) == robot_colour(i), (f, i)
                    checked_robots += 1
                    break
        for k in range(len(flying["x"])):
            bx, by = flying["x"][k], flying["y"][k]
            if any(j != k and math.hypot(bx - flying["x"][j], by - flying["y"][j]) < 20 for j in range(len(flying["x"]))):
                continue   # two bullets passing each other: either may be drawn over the other
            # within a pixel: pygame places a circle's float centre by truncation, not rounding
            assert near(s, screen_point(app, 0, bx, by), bullet_colour(flying["owner"][k]), r=1)
            checked_bullets += 1
    assert checked_robots > 10 and checked_bullets > 5


def test_compare_mode_two_fields_in_step():
    a = make_replay(turns=10, rounds=2)
    b = make_replay(turns=20, rounds=1)
    b.robots["x"][:, 0] = 300.0
    app = app_for([a, b], scale=0.5)
    f0, f1 = app.renderer.fields
    assert f1.rect.left > f0.rect.right                      # side by side
    app.pb.seek(app.pb.timeline.pos(0, 15))
    assert app.pb.frames() == [a.frame(0, 10), b.frame(0, 15)]    # the shorter round holds its last turn
    app.render()
    s = app.screen
    assert pixel(s, screen_point(app, 0, 200, 150 + 13)) == robot_colour(0)
    assert pixel(s, screen_point(app, 1, 300, 150 + 13)) == robot_colour(0)
    assert pixel(s, screen_point(app, 1, 215, 150 + 13)) == FIELD
    app.pb.seek(app.pb.timeline.pos(1, 3))                   # round 2 exists only in the first replay
    assert app.pb.frames() == [a.frame(1, 3), None]
    app.render()
    assert pixel(app.screen, screen_point(app, 0, 200, 150 + 13)) == robot_colour(0)
    assert pixel(app.screen, screen_point(app, 1, 315, 150 + 13)) == FIELD


# --- model -------------------------------------------------------------------------------------------

def test_playback_speeds_and_clock():
    pb = Playback([make_replay(turns=400)])
    assert pb.speed == 1.0 and pb.playing
    assert pb.update(1.0) == TURNS_PER_SECOND
    pb.faster()
    assert pb.speed == 2.0
    pb.update(0.5)
    assert pb.pos == 60
    for _ in range(20):
        pb.slower()
    assert pb.speed == 0.25
    pos = pb.pos
    pb.update(2.0)
    assert pb.pos == pos + 15
    for _ in range(20):
        pb.faster()
    assert pb.unthrottled and SPEEDS[-1] == math.inf
    pos = pb.pos
    pb.update(5.0)
    assert pb.pos == pos + 1                  # unthrottled: every turn, as fast as frames are drawn
    pb.set_speed(64)
    pb.update(10.0)
    assert pb.at_end and not pb.playing       # stops at the end
    pb.toggle_play()
    assert pb.pos == 0 and pb.playing         # play again from the start


def test_playback_rounds_and_steps():
    pb = Playback([make_replay(turns=10, rounds=3)])
    pb.step(4)
    assert pb.round_turn == (0, 4) and not pb.playing
    pb.step(-10)
    assert pb.round_turn == (0, 0)
    pb.next_round()
    assert pb.round_turn == (1, 0)
    pb.next_round()
    pb.next_round()
    assert pb.at_end
    pb.prev_round()
    assert pb.round_turn == (2, 0)
    pb.prev_round()
    assert pb.round_turn == (1, 0)
    pb.seek_fraction(1.0)
    assert pb.at_end
    pb.seek_fraction(0.5)
    assert pb.pos == 16


def test_timeline_and_turn_ranges():
    tl = Timeline([make_replay(turns=10, rounds=2), make_replay(turns=4, rounds=3)])
    assert list(tl.round_len) == [11, 11, 5] and tl.total == 27
    assert tl.locate(11) == (1, 0) and tl.pos(2, 4) == 26
    assert parse_turns("3:7", 27) == range(3, 7) and parse_turns(":2", 27) == range(0, 2)
    assert parse_turns("20:", 27) == range(20, 27) and parse_turns("5", 27) == range(5, 6)
    for bad in ("7:3", "a:b", "0:99"):
        with pytest.raises(ValueError):
            parse_turns(bad, 27)


# --- controls (injected events) -------------------------------------------------------------------

def key(k, mod=0):
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode="", scancode=0))


def test_keys_drive_the_playback(tmp_path):
    app = app_for([make_replay(turns=50, rounds=3)], screenshot_dir=str(tmp_path))
    pb = app.pb
    pygame.event.clear()
    key(pygame.K_SPACE)
    assert app.process_events() == ["play"] and not pb.playing
    key(pygame.K_RIGHT)
    key(pygame.K_RIGHT)
    key(pygame.K_LEFT)
    app.process_events()
    assert pb.pos == 1
    key(pygame.K_RIGHT, pygame.KMOD_LSHIFT)
    app.process_events()
    assert pb.pos == 11
    key(pygame.K_UP)
    key(pygame.K_UP)
    app.process_events()
    assert pb.speed == 4.0
    key(pygame.K_DOWN)
    app.process_events()
    assert pb.speed == 2.0
    key(pygame.K_1)
    app.process_events()
    assert pb.speed == 1.0
    key(pygame.K_PAGEDOWN)
    app.process_events()
    assert pb.round_turn == (1, 0)
    key(pygame.K_n)
    key(pygame.K_p)
    app.process_events()
    assert pb.round_turn == (1, 0)
    key(pygame.K_END)
    app.process_events()
    assert pb.at_end
    key(pygame.K_HOME)
    app.process_events()
    assert pb.pos == 0
    for k, name in ((pygame.K_a, "scan"), (pygame.K_b, "paths"), (pygame.K_t, "stats"), (pygame.K_l, "labels"),
                    (pygame.K_w, "waves"), (pygame.K_g, "aim"), (pygame.K_d, "danger"), (pygame.K_v, "virtual"),
                    (pygame.K_h, "help")):
        before = pb.overlays[name]
        key(k)
        app.process_events()
        assert pb.overlays[name] == (not before), name
    key(pygame.K_s)
    app.process_events()
    shots = list(tmp_path.glob("*.png"))
    assert len(shots) == 1 and pygame.image.load(str(shots[0])).get_size() == app.screen.get_size()
    key(pygame.K_q)
    app.process_events()
    assert pb.quit


def test_mouse_on_the_seek_bar():
    app = app_for([make_replay(turns=99)])
    r = app.renderer.seek_rect
    pygame.event.clear()
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(r.left + (r.w - 1) // 2, r.centery)))
    app.process_events()
    assert abs(app.pb.pos - 50) <= 1
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(r.left, r.top - 100)))
    app.process_events()
    assert abs(app.pb.pos - 50) <= 1          # a click elsewhere does not seek


def test_window_loop_quits_on_q(monkeypatch):
    """The real loop (clock, events, drawing) runs and ends on an injected Q."""
    app = app_for([make_replay(turns=30)])
    frames = []
    orig = app.render

    def render():
        orig()
        frames.append(1)
        if len(frames) == 5:
            key(pygame.K_q)
    monkeypatch.setattr(app, "render", render)
    app.run()
    assert app.pb.quit and len(frames) >= 5


def example_with_telemetry():
    """The shipped example with an aim row and a danger row on every real wave (sample bots write none)."""
    rp = load_replay(EXAMPLE)
    w = rp.waves
    assert w is not None and len(w["round"]) > 50
    rng = np.random.default_rng(1)
    k = len(w["round"])
    g = np.linspace(-1.0, 1.0, 51)
    bins = np.exp(-0.5 * ((g[None, :] - rng.uniform(-1, 1, (2 * k, 1))) / 0.2) ** 2).astype(np.float32)
    both = np.concatenate
    order = np.argsort(both([w["round"], w["round"]]), kind="stable")
    tm = {"robot": both([w["shooter"], w["target"]]), "kind": both([np.zeros(k, np.int64), np.ones(k, np.int64)]),
          "round": both([w["round"], w["round"]]), "turn": both([w["turn"], w["turn"]]),
          "source_x": both([w["fire_x"], w["fire_x"]]), "source_y": both([w["fire_y"], w["fire_y"]]),
          "bearing": both([w["bearing"], w["bearing"]]), "speed": both([w["speed"], w["speed"]]),
          "lat_dir": both([w["lat_dir"], w["lat_dir"]]), "mea": both([rp.wave_mea(), rp.wave_mea()]), "bins": bins}
    rp.telemetry = {c: v[order] for c, v in tm.items()}
    return rp


@pytest.mark.parametrize("compare", [False, True])
def test_every_overlay_draws_over_the_whole_example(compare):
    """All overlays on, the example replay (with telemetry on every wave): frames draw (the frame time is
    measured in benchmarks/viewer_speed.py, not here)."""
    rp = example_with_telemetry()
    app = app_for([rp, rp] if compare else [rp], scale=0.75 if compare else 1.0,
                  overlays={k: True for k in NO_OVERLAYS})
    app.render()
    drawn = 0
    t0 = time.perf_counter()
    for k in range(120):
        app.pb.seek(k * 7)
        drawn += len(rp.waves_at(min(k * 7, rp.frames - 1))[0])
        app.render()
        pygame.display.flip()
    assert drawn > 100 and time.perf_counter() > t0


# --- command line and headless export ---------------------------------------------------------------

def test_export_frames(tmp_path):
    out = tmp_path / "frames"
    assert main([str(EXAMPLE), "--export", str(out), "--turns", "100:103", "--overlays", "none"]) == 0
    files = sorted(p.name for p in out.glob("*.png"))
    assert files == ["frame_000100.png", "frame_000101.png", "frame_000102.png"]
    rp = load_replay(EXAMPLE)
    img = pygame.image.load(str(out / "frame_000102.png"))
    app = app_for([rp])
    i = 0
    x, y, h = (rp.robots[k][102, i] for k in ("x", "y", "heading"))
    # a point of the body at the back or front, away from the gun
    ly = 13.0 if abs((rp.robots["gun"][102, i] - h + math.pi) % (2 * math.pi) - math.pi) > 1 else -13.0
    assert pixel(img, body_point(app, 0, x, y, h, 0.0, ly)) == robot_colour(0)


def test_export_round_turns(tmp_path):
    out = tmp_path / "r2"
    assert main([str(EXAMPLE), "--export", str(out), "--round", "2", "--turns", "0:2"]) == 0
    rp = load_replay(EXAMPLE)
    base = int(rp.round_start[1])
    assert sorted(p.name for p in out.glob("*.png")) == [f"frame_{base:06d}.png", f"frame_{base + 1:06d}.png"]


def test_export_gif(tmp_path):
    from PIL import Image
    out = tmp_path / "a.gif"
    assert main([str(EXAMPLE), "--gif", str(out), "--turns", "0:40", "--scale", "0.5"]) == 0
    im = Image.open(out)
    assert im.n_frames == 40 and im.info["duration"] == 30 and im.size == app_for([load_replay(EXAMPLE)], 0.5).screen.get_size()
    rp = load_replay(EXAMPLE)
    app = app_for([rp], scale=0.5)
    im.seek(39)
    rgb = im.convert("RGB")
    x, y = rp.robots["x"][39, 1], rp.robots["y"][39, 1]
    h = rp.robots["heading"][39, 1]
    ly = 13.0 if abs((rp.robots["gun"][39, 1] - h + math.pi) % (2 * math.pi) - math.pi) > 1 else -13.0
    px, py = body_point(app, 0, x, y, h, 0.0, ly)
    assert rgb.getpixel((int(round(px)), int(round(py)))) == robot_colour(1)
    fast = tmp_path / "fast.gif"
    assert main([str(EXAMPLE), "--gif", str(fast), "--turns", "0:400", "--speed", "8", "--scale", "0.5"]) == 0
    im = Image.open(fast)
    assert im.n_frames == 80 and im.info["duration"] == 20     # 240 turns/s: 5 turns per 20 ms frame


def test_default_file_is_the_shipped_example(tmp_path, monkeypatch):
    assert Path(example_replay_path()).resolve() == EXAMPLE.resolve()
    assert main(["--export", str(tmp_path), "--turns", "0:1"]) == 0
    assert (tmp_path / "frame_000000.png").exists()


@pytest.mark.parametrize("args, words", [
    (["/no/such/file.gfr"], "no such replay file"),
    (["{example}", "--export", "{tmp}", "--turns", "9:3"], "--turns"),
    (["{example}", "--export", "{tmp}", "--round", "99"], "--round"),
    (["{example}", "--overlays", "scan,bogus", "--export", "{tmp}"], "unknown overlay"),
    (["{example}", "--turns", "1:2"], "--export or --gif"),
    (["{example}", "--scale", "9", "--export", "{tmp}"], "--scale"),
])
def test_bad_input_is_one_line(args, words, tmp_path, capsys):
    args = [a.format(example=EXAMPLE, tmp=tmp_path) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("gfsim replay: error:") and words in err


def test_bad_replay_file_is_one_line(tmp_path, capsys):
    p = tmp_path / "x.gfr"
    p.write_bytes(EXAMPLE.read_bytes()[:1000])
    assert main([str(p), "--export", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "truncated or corrupt" in err


def test_help(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for word in ("FILE2", "--export", "--turns", "--gif", "--scale", "--speed"):
        assert word in out


def test_viewer_never_loads_the_engine(tmp_path):
    code = (f"import sys; from sim.viewer.app import main; rc = main([{str(EXAMPLE)!r}, '--export', {str(tmp_path)!r},"
            f" '--turns', '0:1']); bad = [m for m in ('sim.engine.loop', 'sim.engine.battle', 'bots.registry') if m in sys.modules];"
            f" print(bad); sys.exit(rc or (1 if bad else 0))")
    env = dict(os.environ, SDL_VIDEODRIVER="dummy")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stdout + out.stderr


def test_nothing_imports_the_viewer_at_start_up():
    code = "import sys, sim, sim.cli.main, sim.io.replay; print([m for m in sys.modules if m.startswith(('sim.viewer', 'pygame'))])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr


def test_screenshot_round_trip(tmp_path):
    rp = load_replay(EXAMPLE)
    path = tmp_path / "copy.gfr"
    save_replay(path, rp)
    app = make_app([load_replay(path)], [str(path)], headless=True, screenshot_dir=str(tmp_path))
    app.pb.seek(200)
    p = app.screenshot()
    assert Path(p).name == "copy-r1-t200.png"
    img = pygame.image.load(p)
    assert img.get_size() == app.screen.get_size()


# --- the loss overlay, the GF panel, the legend ----------------------------------------------------------

def learning_loss(bins, a, b, base="e"):
    """learning.loss on a telemetry row read as a histogram: box kernels one bin wide, weights = bins."""
    from learning.loss import kde_cross_entropy
    bins = np.asarray(bins, dtype=np.float64)
    m = bins > 0
    x = np.linspace(-1.0, 1.0, len(bins))
    loss, _ = kde_cross_entropy(np.log(np.where(m, bins, 1.0)), x, a, b, kernel="box",
                                width=np.full(len(bins), 1.0 / (len(bins) - 1)), mask=m, base=base)
    return loss


def texts_drawn(app):
    """Every string the renderer draws in the next frames."""
    lines = []
    orig = app.renderer.text.render

    def render(text, size, colour=(0, 0, 0)):
        lines.append(text)
        return orig(text, size, colour)
    app.renderer.text.render = render
    return lines


def test_loss_shown_equals_learning_loss_on_a_hand_made_wave():
    """Robot 0's aim (a bump at GF 0.6) against WAVE's hit interval [0.2, 0.45] (same frame): the panel shows
    learning.loss's value, in nats and (U) in bits, from the turn the wave breaks."""
    rp = add_waves(make_replay(turns=60), danger=False, center_turn=37)
    app = app_for([rp], overlays=only("loss", "waves"))
    want = learning_loss(bump(AIM_PEAK), WAVE["lo"], WAVE["hi"])
    L = app.pb.losses(0)
    assert len(L) == 1 and L.cols["loss"][0] == pytest.approx(want, rel=1e-12)
    assert (L.cols["a"][0], L.cols["b"][0]) == pytest.approx((WAVE["lo"], WAVE["hi"]), abs=1e-9)
    lines = texts_drawn(app)
    render_at(app, 36)
    assert not any(t.startswith("loss ") and "nats" in t for t in lines)     # not broken yet
    lines.clear()
    render_at(app, 37)
    assert f"loss {want:.3f} nats  bullet missed" in lines
    assert any(t.startswith(f"gun aim: {want:.2f} over 1 waves, hit 0%") for t in lines)
    app.pb.apply("units")
    lines.clear()
    render_at(app, 40)
    assert f"loss {want / math.log(2):.3f} bits  bullet missed" in lines
    assert learning_loss(bump(AIM_PEAK), WAVE["lo"], WAVE["hi"], base="2") == pytest.approx(want / math.log(2))


def test_loss_equals_learning_loss_on_the_shipped_telemetry():
    """Every loss of the example replay is learning.loss of its telemetry row against its wave's interval,
    carried into the row's frame angle by angle (recomputed here); the uniform target's entropy bounds it."""
    rp = load_replay(EXAMPLE)
    from sim.viewer.losses import WaveLosses
    L = WaveLosses(rp)
    c, tm, w = L.cols, rp.telemetry, rp.waves
    assert len(L) > 200 and set(c["kind"]) == {0, 1}
    for q in range(0, len(L), 7):
        r, k = c["row"][q], c["wave"][q]
        assert (tm["round"][r], tm["turn"][r]) == (w["round"][k], w["turn"][k])
        assert w["shooter"][k] == (tm["robot"][r] if tm["kind"][r] == 0 else 1 - tm["robot"][r])
        mea = math.asin(8.0 / w["speed"][k])
        ends = []
        for g in (w["gf_lo"][k], w["gf_hi"][k]):
            angle = w["bearing"][k] + g * w["lat_dir"][k] * mea
            off = math.atan2(math.sin(angle - tm["bearing"][r]), math.cos(angle - tm["bearing"][r]))
            ends.append(off * tm["lat_dir"][r] / tm["mea"][r])
        a, b = min(ends), max(ends)
        assert (c["a"][q], c["b"][q]) == pytest.approx((a, b), abs=1e-9)
        assert c["loss"][q] == pytest.approx(learning_loss(tm["bins"][r], a, b), rel=1e-9, abs=1e-12)
    assert np.all(c["loss"] >= np.log(c["b"] - c["a"]) - 1e-9)        # KL(uniform || p) >= 0
    assert np.all(np.diff(c["frame"]) >= 0)
    f = rp.frames - 1
    n, mean, rate = L.running(f, 0, 0)
    real = (c["robot"] == 0) & (c["kind"] == 0) & (c["real"] == 1)
    assert n == real.sum() and mean == pytest.approx(c["loss"][real].mean()) and rate == c["hit"][real].mean()


def test_loss_labels_at_the_target_as_the_wave_breaks():
    rp = add_waves(make_replay(turns=60), danger=False, center_turn=37)
    app = app_for([rp], overlays=only("loss"))
    want = learning_loss(bump(AIM_PEAK), WAVE["lo"], WAVE["hi"])
    lines = texts_drawn(app)
    render_at(app, 37)
    assert f"{want:.2f}" in lines
    on = render_at(app, 38).copy()
    app.pb.toggle("loss")
    off = render_at(app, 38)
    field = app.renderer.fields[0].rect
    changed = [(x, y) for x, y in _diff(on, off) if field.collidepoint(int(x), int(y))]
    # drawn above robot 1 (600, 450), framed in robot 0's colour (the gun whose loss it is)
    x, y = screen_point(app, 0, 600, 450)
    framed = [(px, py) for px, py in changed if tuple(on.get_at((int(px), int(py))))[:3] == robot_colour(0)]
    assert len(framed) > 30 and all(abs(px - x) < 90 and -90 < py - y < 0 for px, py in framed)


def test_gf_panel_pixels():
    """The GF panel plots the selected wave's density (owner's fill) over GF, the hit interval as a light
    band with white edges and a white line at the GF fired."""
    rp = add_waves(make_replay(turns=60), danger=False, center_turn=37)
    app = app_for([rp], overlays=only("loss"))
    s = render_at(app, 40)
    plot = app.renderer.gf_plot_rect
    assert app.renderer.panel_rect.contains(plot)

    def gx(g):
        return plot.x + (g + 1.1) / 2.2 * plot.w
    fill = density_fill(aim_colour(0))
    assert pixel(s, (gx(AIM_PEAK), plot.bottom - 5)) == fill                          # under the peak
    assert pixel(s, (gx(-AIM_PEAK), plot.bottom - 5)) != fill                        # no mass there
    band = pixel(s, (gx(0.33), plot.y + 5))
    assert band != (32, 34, 40) and all(v > u for v, u in zip(band, (32, 34, 40)))   # lighter band over [a, b]
    assert near(s, (gx(WAVE["lo"]), plot.y + 5), (255, 255, 255)) and near(s, (gx(WAVE["hi"]), plot.y + 5), (255, 255, 255))
    assert near(s, (gx(WAVE["fired"]), plot.y + plot.h // 2), (255, 255, 255), r=2)
    app.pb.toggle("loss")
    off = render_at(app, 40)
    assert pixel(off, (gx(AIM_PEAK), plot.bottom - 5)) != fill


def test_pick_a_wave_by_click_and_by_key():
    rp = add_waves(make_replay(turns=60), center_turn=37)
    rp.waves["center_turn"][:] = 37
    # a second aim wave, fired in turn 4, broken at turn 39
    for k, v in list(rp.waves.items()):
        rp.waves[k] = np.concatenate([v, v[:1]])
    rp.waves["turn"][1], rp.waves["center_turn"][1] = 4, 39
    tm = rp.telemetry
    for k, v in list(tm.items()):
        tm[k] = np.concatenate([v, v[:1]])
    tm["turn"][-1] = 4
    order = np.lexsort((tm["turn"], tm["round"]))
    rp.telemetry = {k: v[order] for k, v in tm.items()}
    app = app_for([rp], overlays=only("loss", "waves"))
    L = app.pb.losses(0)
    assert len(L) == 2
    render_at(app, 40)
    assert app.pb.selected_row() == 1                  # the latest
    app.pb.apply("older_wave")
    assert app.pb.selected_row() == 0
    app.pb.apply("newer_wave")
    app.pb.apply("newer_wave")
    assert app.pb.selected is None and app.pb.selected_row() == 1
    # at turn 38, a click on the front of the wave fired in turn 2 (radius 37 * 14) picks it
    render_at(app, 38)
    p = on_wave(app, 0, 38, 2, 0.0, WAVE["lat"])
    row = app.renderer.wave_row_at(p)
    assert L.cols["turn"][row] == 2
    from sim.viewer.controls import action_for_event
    ev = pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(int(p[0]), int(p[1])), button=1)
    app.pb.apply(*action_for_event(ev, app.renderer))
    assert L.cols["turn"][app.pb.selected_row()] == 2
    assert app.renderer.wave_row_at((5, 5)) is None


def test_hit_interval_visible_when_zoomed_out():
    rp = add_waves(make_replay(turns=60), aim=False, danger=False)
    rp.waves["gf_hi"][:] = rp.waves["gf_lo"] + 0.002            # a sliver: 0.05 px at 1/4 scale
    app = app_for([rp], scale=0.25, overlays=only("waves"))
    s = render_at(app, 30)
    hits = pygame.surfarray.array3d(s.subsurface(app.renderer.fields[0].rect))
    count = np.all(hits == np.array(wave_hit_colour(0)), axis=2).sum()
    assert count >= 12


def test_each_robots_aim_and_waves_in_its_colour():
    a = app_for([add_waves(make_replay(turns=60), danger=False)], overlays=only("aim", "waves"))
    sa = render_at(a, 6).copy()
    swapped = make_replay(turns=60)
    for k in ("x", "y"):
        swapped.robots[k] = np.ascontiguousarray(swapped.robots[k][:, ::-1])
    b = app_for([add_waves(swapped, danger=False, shooter=1)], overlays=only("aim", "waves"))
    sb = render_at(b, 6)
    p = on_wave(a, 0, 6, 2, AIM_PEAK, WAVE["lat"], dr=DENSITY_HEIGHT / 2)
    assert pixel(sa, p) == density_fill(aim_colour(0)) and pixel(sb, p) == density_fill(aim_colour(1))
    q = on_wave(a, 0, 6, 2, 0.33, WAVE["lat"])
    assert pixel(sa, q) == wave_hit_colour(0) and pixel(sb, q) == wave_hit_colour(1)
    assert len({density_fill(aim_colour(0)), density_fill(aim_colour(1)), density_fill(danger_colour(0)),
                density_fill(danger_colour(1))}) == 4


def test_bullets_sized_by_power():
    from sim.viewer.view import bullet_radius
    assert bullet_radius(3.0, 1.0) >= 2.5 * bullet_radius(0.1, 1.0)
    assert bullet_radius(3.0, 0.25) > bullet_radius(0.5, 0.25) >= 2.0
    rp = make_replay()
    app = app_for([rp], overlays=only())
    s = render_at(app, 4).copy()      # the power-2 bullet at (250 + 2 * 14, 150)
    c = screen_point(app, 0, 278, 150)
    r = bullet_radius(2.0, 1.0)
    assert pixel(s, (c[0] + r - 1.5, c[1])) == bullet_colour(0)


@pytest.mark.parametrize("compare", [False, True])
def test_legend_drawn_and_toggled(compare):
    rps = [make_replay(), make_replay()] if compare else [make_replay()]
    app = app_for(rps, scale=0.75 if compare else 1.0, overlays=only("legend"))
    lines = texts_drawn(app)
    on = render_at(app, 3).copy()
    assert any("hit interval" in t for t in lines) and any("aim density" in t for t in lines)
    app.pb.apply("toggle_legend")
    off = render_at(app, 3)
    changed = [(x, y) for x, y in _diff(on, off) if y < app.renderer.seek_rect.bottom]   # the status line aside
    area = app.renderer.panel_rect if not compare else app.renderer.fields[0].rect
    assert len(changed) > 1000 and all(area.collidepoint(int(x), int(y)) for x, y in changed)
    # the colour key: each robot's swatch
    colours = {tuple(on.get_at((int(x), int(y))))[:3] for x, y in changed}
    assert robot_colour(0) in colours and robot_colour(1) in colours


def test_header_figures_are_labelled():
    app = app_for([make_replay()])
    lines = texts_drawn(app)
    render_at(app, 3)
    assert sum(t.startswith("score ") and " hit " in t and " dmg " in t for t in lines) == 2


def test_help_explains_the_seek_bar_and_the_new_keys():
    from sim.viewer.controls import HELP
    keys = dict(HELP)
    assert "died" in keys["Seek bar"] and "round starts" in keys["Seek bar"]
    for k, words in (("X", "loss"), ("U", "bits"), ("K", "legend"), ("[", "wave")):
        assert words in keys[k], k


def test_defaults_loss_on_with_telemetry_only():
    assert app_for([load_replay(EXAMPLE)]).pb.overlays["loss"]
    d = app_for([make_replay()]).pb.overlays
    assert not d["loss"] and d["labels"] and d["legend"] and d["waves"]


def test_exported_frames_carry_no_play_state(tmp_path, capsys):
    out = tmp_path / "f"
    app = app_for([load_replay(EXAMPLE)])
    lines = texts_drawn(app)
    viewer_app.export(app, range(5, 7), out_dir=str(out), log=lambda *_: None)
    assert not any(t.startswith(("paused", "playing")) for t in lines)
    assert sorted(p.name for p in out.iterdir()) == ["frame_000005.png", "frame_000006.png"]   # no temp files left
    assert main([str(EXAMPLE), "--export", str(out), "--turns", "0:3"]) == 0
    err = capsys.readouterr().err
    assert "frames:" in err and "/3 [" in err   # a progress line over the 3 frames (tqdm may skip redraws)


def test_gif_written_atomically_never_over_its_input(tmp_path, capsys):
    target = tmp_path / "kept.gif"
    target.write_bytes(b"do not touch")
    link = tmp_path / "link.gif"
    link.symlink_to(target)
    assert main([str(EXAMPLE), "--gif", str(link), "--turns", "0:4", "--scale", "0.5"]) == 0
    assert target.read_bytes() == b"do not touch" and not link.is_symlink()          # the link replaced, not followed
    assert link.read_bytes()[:6] == b"GIF89a" and sorted(p.name for p in tmp_path.iterdir()) == ["kept.gif", "link.gif"]
    copy = tmp_path / "in.gfr"
    copy.write_bytes(EXAMPLE.read_bytes())
    assert main([str(copy), "--gif", str(copy), "--turns", "0:4"]) == 2
    assert "overwrite" in capsys.readouterr().err and copy.read_bytes() == EXAMPLE.read_bytes()
    assert main([str(EXAMPLE), "--gif", str(tmp_path / "in.gfr" / "x.gif"), "--turns", "0:4"]) == 2   # not a folder
    err = capsys.readouterr().err
    assert err.startswith("gfsim replay: error: --gif") and "in.gfr" in err and err.count("\n") == 1


def test_gif_failure_leaves_nothing(tmp_path, monkeypatch):
    from sim.viewer import gif as gif_mod
    out = tmp_path / "x.gif"

    def boom(self, rgb):
        raise RuntimeError("disk full")
    monkeypatch.setattr(gif_mod.GifWriter, "add", boom)
    app = app_for([make_replay()], scale=0.5)
    with pytest.raises(RuntimeError):
        viewer_app.export(app, range(0, 3), gif=str(out), log=lambda *_: None, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_shipped_learning_replay_opens_from_any_folder(tmp_path):
    code = ("import sys; from sim.viewer.app import main; sys.exit(main(['replays/learned-vs-surf.gfr', '--export', "
            f"{str(tmp_path / 'f')!r}, '--turns', '0:1']))")
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    rp = load_replay(example_replay_path())
    assert rp.bots == ["lock+learned+surf", "lock+knn+orbit"]
    assert viewer_app.resolve_replay(str(tmp_path / "learned-vs-surf.gfr")) == example_replay_path("learned-vs-surf.gfr")
    assert viewer_app.resolve_replay(str(tmp_path / "other.gfr")) == str(tmp_path / "other.gfr")


def test_scan_arcs_leave_nothing_behind():
    """The sweep surface is cleared only where the last sweep drew: a frame drawn after others equals the same
    frame drawn first (one field and two)."""
    for replays in ([make_replay()], [make_replay(), make_replay()]):
        a = app_for(replays, overlays=only("scan"))
        for t in (2, 5, 9, 3):
            render_at(a, t)
        late = render_at(a, 7).copy()
        fresh = render_at(app_for(replays, overlays=only("scan")), 7)
        assert len(_diff(late, fresh)) == 0


# --- the surfer's wave checks (sim/viewer/wavecheck.py) ---------------------------------------------------

def checked_replay():
    """Robot 0 fires five bullets at robot 1, a surfer whose danger rows see them as: right, wrong power,
    one turn late, not at all (that one hits it), plus one wave no bullet explains."""
    from sim.viewer import wavecheck as W
    rp = make_replay(turns=60)
    births, powers = [2, 10, 20, 30, 50], [2.0, 1.0, 3.0, 0.5, 0.1]
    b = {"round": [0] * 5, "owner": [0] * 5, "id": [1, 2, 3, 4, 5], "birth": births, "x0": [250.0] * 5,
         "y0": [150.0] * 5, "heading": [math.pi / 2] * 5, "power": powers, "end": [8, 20, 30, 40, 58],
         "end_x": [334.0] * 5, "end_y": [150.0] * 5, "reason": [4, 4, 4, 2, 4], "victim": [-1, -1, -1, 1, -1]}
    rp.bullets = {k: np.array(v, dtype=np.float64 if k in ("x0", "y0", "heading", "power", "end_x", "end_y")
                              else np.int64) for k, v in b.items()}
    rows = [(2, 14.0), (10, 11.0), (21, 11.0), (40, 17.0)]   # (turn, speed) of robot 1's danger rows
    k = len(rows)
    rp.telemetry = {"robot": np.ones(k, np.int64), "kind": np.ones(k, np.int64), "round": np.zeros(k, np.int64),
                    "turn": np.array([t for t, _ in rows]), "source_x": np.full(k, 200.0),
                    "source_y": np.full(k, 150.0), "bearing": np.zeros(k), "speed": np.array([v for _, v in rows]),
                    "lat_dir": np.ones(k), "mea": np.full(k, 0.5), "bins": np.ones((k, 51), np.float32)}
    expected = [(2, W.DETECTED), (10, W.WRONG_POWER), (20, W.WRONG_TURN), (30, W.MISSED), (40, W.FALSE),
                (50, W.MISSED)]
    return rp, expected


def test_wave_checks_classify_each_enemy_bullet_and_each_imagined_wave():
    from sim.viewer import wavecheck as W
    rp, expected = checked_replay()
    c = W.wave_checks(rp)
    assert list(zip(c["turn"].tolist(), c["status"].tolist())) == expected
    assert c["robot"].tolist() == [1] * 6 and c["hit"].tolist() == [0, 0, 0, 1, 0, 0]
    assert W.summary(c, 1) == {"detected": 1, "wrong power": 1, "wrong turn": 1, "missed": 2, "false": 1,
                               "hits from those": 1}
    rp.robots["state"][rp.frame(0, 45):, 1] = RS_DEAD    # a bullet fired at a wreck is no wave
    assert W.wave_checks(rp)["turn"].tolist() == [2, 10, 20, 30, 40]
    rp.telemetry["kind"][:] = 0                          # aim rows only: nobody surfs
    assert len(W.wave_checks(rp)["turn"]) == 0


def test_wave_check_rings_where_the_waves_are():
    rp, _ = checked_replay()
    app = app_for([rp], overlays=only("checks"))
    on = render_at(app, 35).copy()
    # the missed bullet of turn 30 (speed 18.5, from (250, 150)) is 92.5 px out (north of its origin: its
    # ring, away from the bullet itself, which flies east)
    assert near(on, screen_point(app, 0, 250, 150 + 92.5), (255, 60, 60), r=2)
    assert not near(on, screen_point(app, 0, 250, 150 + 92.5 + 6), (255, 60, 60), r=2)
    on = render_at(app, 45).copy()
    # the imagined wave of turn 40 (speed 17) from the surfer's source (200, 150): (45 - 40 + 1) * 17 = 102 px
    assert near(on, screen_point(app, 0, 200, 150 + 102), (165, 168, 178), r=2)
    app.pb.toggle("checks")
    off = render_at(app, 45)
    assert not near(off, screen_point(app, 0, 200, 150 + 102), (165, 168, 178), r=2)


def test_wave_checks_in_the_stats_line():
    rp, _ = checked_replay()
    app = app_for([rp], overlays=only("stats", "checks"))
    f = rp.frame(0, 45)
    assert app.renderer.checks_text(app.renderer.fields[0], 1, f) == "  enemy waves: 1 missed, 2 misjudged of 4; 1 imagined"
    assert app.renderer.checks_text(app.renderer.fields[0], 0, f) == ""
