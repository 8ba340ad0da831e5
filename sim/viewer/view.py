"""Drawing a playback with pygame, in Robocode's geometry.

World coordinates have y up, heading 0 = north and angles growing clockwise, so
a heading h points along (sin h, cos h); on screen a world point (x, y) of a
W×H field drawn at scale s with its top-left corner at (fx, fy) lands at
(fx + x·s, fy + (H − y)·s).
"""
import math

import numpy as np
import pygame

from sim.io.replay import RS_DEAD, BULLET_EXPLOSION_TURNS, ROBOT_EXPLOSION_TURNS, END_HIT_WALL, TK_AIM, TK_DANGER
from .controls import HELP
from .model import OVERLAYS, speed_label, has_data
from . import wavecheck

ROBOT_HALF = 18.0
ROBOT_COLOURS = ((64, 128, 255), (235, 64, 52), (60, 200, 90), (230, 190, 40), (190, 90, 230), (40, 200, 210))
BACKGROUND = (12, 12, 16)
FIELD = (30, 32, 38)
GRID = (40, 43, 50)
TEXT = (225, 228, 235)
DIM = (140, 145, 155)
EXPLOSION = (255, 170, 40)
GF_FIRED_COLOUR = (255, 255, 255)  # tick across a wave where its bullet was fired
HIGHLIGHT = (255, 255, 255)        # the wave shown in the GF panel
DENSITY_HEIGHT = 26.0              # world px of a density's largest bin
ARC_STEP_PX = 5.0                  # screen px between the points of a drawn arc
MIN_HIT_PX = 8.0                   # a hit interval is drawn at least this long on screen, at any zoom
FLOOR_LOSS = -math.log(1e-12) - 1e-6   # learning.loss's density floor eps: no mass at all on [a, b]
LOSS_LABEL_TURNS = 45              # a wave's loss stays written at its target this long after it broke
MARGIN = 8
GAP = 14
SEEK_H = 14
PANEL_W = 320                      # the side panel (loss, GF panel, legend) of a single replay
PANEL_MIN_H = 600
PANEL_BACKGROUND = (22, 23, 28)
# the surfer's wave checks (sim/viewer/wavecheck.py), by status
CHECK_COLOURS = {wavecheck.WRONG_POWER: (255, 150, 40), wavecheck.WRONG_TURN: (240, 220, 60),
                 wavecheck.MISSED: (255, 60, 60), wavecheck.FALSE: (165, 168, 178)}


def robot_colour(i):
    return ROBOT_COLOURS[i % len(ROBOT_COLOURS)]


def shade(c, f):
    """Darker (f < 1) version of a colour."""
    return tuple(int(round(v * f)) for v in c)


def tint(c, f):
    """Lighter version of a colour: mixed with white by fraction f."""
    return tuple(int(round(v + (255 - v) * f)) for v in c)


def tread_colour(i):
    return shade(robot_colour(i), 0.5)


def turret_colour(i):
    return shade(robot_colour(i), 0.7)


def barrel_colour(i):
    return tint(robot_colour(i), 0.35)


def radar_colour(i):
    return tint(robot_colour(i), 0.7)


def bullet_colour(i):
    return tint(robot_colour(i), 0.55)


def wave_colour(i, real=True):
    """A gun wave's arc over the MEA (virtual waves darker)."""
    return shade(robot_colour(i), 0.8 if real else 0.5)


def wave_hit_colour(i, real=True):
    """The [gf_lo, gf_hi] hit interval on a wave's arc."""
    return tint(robot_colour(i), 0.45) if real else shade(tint(robot_colour(i), 0.45), 0.7)


def aim_colour(i):
    """Gun i's aiming density (outline; drawn outside its own waves)."""
    return tint(robot_colour(i), 0.2)


def danger_colour(i):
    """Surfer i's danger (outline; drawn inside the enemy's waves)."""
    return tint(robot_colour(i), 0.6)


def density_fill(colour):
    return shade(colour, 0.45)


def gf_angle(bearing, lat_dir, mea, gf):
    """Robocode angle of a guess factor on a wave (docs/architecture.md: GF = offset * lateral direction / MEA)."""
    return bearing + np.asarray(gf, dtype=np.float64) * lat_dir * mea


def bullet_radius(power, scale):
    """Grows with power (0.1 -> 2 px, 3 -> 7 px at 1x) and stays visible when zoomed out."""
    return max(2.0, (1.6 + 1.8 * max(power, 0.0)) * scale, 1.2 + 1.2 * max(power, 0.0))


class TextCache:
    def __init__(self):
        self.fonts = {}
        self.cache = {}

    def font(self, size):
        if size not in self.fonts:
            self.fonts[size] = pygame.font.Font(None, size)
        return self.fonts[size]

    def render(self, text, size, colour=TEXT):
        key = (text, size, colour)
        s = self.cache.get(key)
        if s is None:
            if len(self.cache) > 1024:
                self.cache.clear()
            s = self.font(size).render(text, True, colour)
            self.cache[key] = s
        return s


class FieldView:
    """One replay's battlefield on screen."""

    def __init__(self, replay, rect, scale, label):
        self.replay = replay
        self.rect = pygame.Rect(rect)
        self.scale = scale
        self.label = label
        self.W, self.H = replay.width, replay.height
        state = replay.robots["state"]
        dead = state == RS_DEAD
        died = dead.copy()
        died[1:] &= ~dead[:-1]
        died[replay.round_start[:-1]] = dead[replay.round_start[:-1]]
        idx = np.where(died, np.arange(replay.frames)[:, None], -1)
        self.death_frame = np.where(dead, np.maximum.accumulate(idx, axis=0), -1)
        self._background = None
        self._checks = None

    @property
    def checks(self):
        """The surfer's waves checked against the bullets (computed once, when first drawn)."""
        if self._checks is None:
            self._checks = wavecheck.wave_checks(self.replay)
        return self._checks

    @property
    def background(self):
        if self._background is None:
            self._background = self._make_background()
        return self._background

    def _make_background(self):
        surf = pygame.Surface(self.rect.size)
        surf.fill(FIELD)
        s = self.scale
        for gx in range(100, self.W, 100):
            pygame.draw.line(surf, GRID, (gx * s, 0), (gx * s, self.rect.h), 1)
        for gy in range(100, self.H, 100):
            pygame.draw.line(surf, GRID, (0, (self.H - gy) * s), (self.rect.w, (self.H - gy) * s), 1)
        return surf.convert() if pygame.display.get_surface() else surf

    def to_screen(self, x, y):
        return (self.rect.x + x * self.scale, self.rect.y + (self.H - y) * self.scale)

    def arc(self, sx, sy, radius, angles):
        """Screen points (k, 2) at world radius/radii from (sx, sy) along Robocode angles."""
        cx, cy = self.to_screen(sx, sy)
        r = np.asarray(radius, dtype=np.float64) * self.scale
        return np.column_stack([cx + r * np.sin(angles), cy - r * np.cos(angles)])

    def local(self, x, y, heading, lx, ly):
        """Screen point of a robot-frame offset (lx to the right, ly forward) from world (x, y)."""
        s, c = math.sin(heading), math.cos(heading)
        return self.to_screen(x + lx * c + ly * s, y - lx * s + ly * c)


class Renderer:
    """Lays out the window and draws a Playback: header, one or two fields, seek bar, status."""

    def __init__(self, playback, scale=1.0, names=None):
        self.pb = playback
        self.scale = float(scale)
        self.text = TextCache()
        self.names = list(names) if names else [f"replay {k + 1}" for k in range(len(playback.replays))]
        self.header_h = 66 if playback.compare else 34
        x = MARGIN
        self.fields = []
        for k, rp in enumerate(playback.replays):
            w, h = int(round(rp.width * self.scale)), int(round(rp.height * self.scale))
            self.fields.append(FieldView(rp, (x, self.header_h, w, h), self.scale, self.names[k]))
            x += w + GAP
        field_h = max(f.rect.h for f in self.fields)
        self.panel_rect = None
        if not playback.compare:   # the side panel: running loss, the GF panel, the legend
            self.panel_rect = pygame.Rect(x, self.header_h, PANEL_W, max(field_h, PANEL_MIN_H))
            x += PANEL_W + GAP
            field_h = self.panel_rect.h
        width = max(x - GAP + MARGIN, 640)
        field_bottom = self.header_h + field_h
        n = max(rp.n for rp in playback.replays)
        for fv in self.fields:   # the running statistics sit in a band under each field
            fv.stats_rect = pygame.Rect(fv.rect.x, field_bottom + 4, fv.rect.w, 17 * n + 4)
        self.seek_rect = pygame.Rect(MARGIN, field_bottom + 17 * n + 8 + 14, width - 2 * MARGIN, SEEK_H)
        self.size = (width, self.seek_rect.bottom + 34)
        self.fps = 0.0
        self.exporting = False     # frames for --export / --gif: no play/pause state on them
        self._arc_surface = None
        self._arc_dirty = None
        self._legend_box = None
        self.gf_plot_rect = None   # where the GF panel's plot was last drawn (for tests)
        self._gf_cache = None      # (what it shows, painted panel, its height, plot rect)

    # --- geometry helpers for input and tests
    def seek_fraction_at(self, pos, dragging=False):
        r = self.seek_rect
        x, y = pos
        slack = 40 if dragging else 6
        if r.left - slack <= x <= r.right + slack and r.top - slack <= y <= r.bottom + slack:
            return min(max((x - r.left) / max(r.w - 1, 1), 0.0), 1.0)
        return None

    def seek_x(self, pos):
        return self.seek_rect.left + pos / max(self.pb.timeline.total - 1, 1) * (self.seek_rect.w - 1)

    # --- drawing
    def draw(self, surf):
        surf.fill(BACKGROUND)
        frames = self.pb.frames()
        for fv, f in zip(self.fields, frames):
            self.draw_field(surf, fv, f)
        self.draw_header(surf, frames)
        self.draw_seek(surf)
        self.draw_status(surf)
        if self.panel_rect is not None:
            self.draw_panel(surf, frames[0])
        elif self.pb.overlays.get("legend"):
            self.draw_legend(surf, self.fields[0].rect.x + 6, self.fields[0].rect.y + 6, boxed=True)
        if self.pb.overlays.get("help"):
            self.draw_help(surf)

    def draw_field(self, surf, fv, f):
        surf.blit(fv.background, fv.rect)
        old_clip = surf.get_clip()
        surf.set_clip(fv.rect)
        rp = fv.replay
        if f is None:
            r, _ = self.pb.round_turn
            t = self.text.render(f"no round {r + 1} in this replay", 22, DIM)
            surf.blit(t, t.get_rect(center=fv.rect.center))
            surf.set_clip(old_clip)
            return
        ov = self.pb.overlays
        if ov.get("scan"):
            self.draw_scan_arcs(surf, fv, f)
        if ov.get("aim"):
            self.draw_densities(surf, fv, f, TK_AIM)
        if ov.get("danger"):
            self.draw_densities(surf, fv, f, TK_DANGER)
        if ov.get("waves") or ov.get("virtual"):
            self.draw_waves(surf, fv, f, real=bool(ov.get("waves")), virtual=bool(ov.get("virtual")))
        if ov.get("checks"):
            self.draw_wave_checks(surf, fv, f)
        if ov.get("loss") and fv is self.fields[0] and self.panel_rect is not None:
            self.draw_selected_wave(surf, fv, f)
        flying, exploding = rp.bullets_at(f)
        if ov.get("paths"):
            self.draw_paths(surf, fv, f, flying, exploding)
        rob = rp.robots
        for i in range(rp.n):
            if rob["state"][f, i] != RS_DEAD:
                self.draw_robot(surf, fv, i, rob["x"][f, i], rob["y"][f, i], rob["heading"][f, i],
                                rob["gun"][f, i], rob["radar"][f, i])
            else:
                d = fv.death_frame[f, i]
                if d >= 0 and f - d < ROBOT_EXPLOSION_TURNS:
                    self.draw_explosion(surf, fv, rob["x"][f, i], rob["y"][f, i], f - d, ROBOT_EXPLOSION_TURNS, 40.0)
        for k in range(len(exploding["x"])):
            size = 8.0 if rp.bullets["reason"][exploding["index"][k]] == END_HIT_WALL else 14.0
            self.draw_explosion(surf, fv, exploding["x"][k], exploding["y"][k], exploding["age"][k],
                                BULLET_EXPLOSION_TURNS, size)
        for k in range(len(flying["x"])):
            o = int(flying["owner"][k])
            c = fv.to_screen(flying["x"][k], flying["y"][k])
            r = bullet_radius(flying["power"][k], fv.scale)
            pygame.draw.circle(surf, (0, 0, 0), c, r + 1)
            pygame.draw.circle(surf, bullet_colour(o), c, r)
        if ov.get("labels"):
            for i in range(rp.n):
                if rob["state"][f, i] != RS_DEAD:
                    self.draw_label(surf, fv, i, f)
        if ov.get("loss"):
            self.draw_loss_labels(surf, fv, f)
        surf.set_clip(old_clip)
        if ov.get("stats"):
            self.draw_stats(surf, fv, f)

    def draw_robot(self, surf, fv, i, x, y, heading, gun, radar):
        s = fv.scale
        h = ROBOT_HALF
        body = [fv.local(x, y, heading, lx, ly) for lx, ly in ((-h, -h), (h, -h), (h, h), (-h, h))]
        pygame.draw.polygon(surf, robot_colour(i), body)
        for side in (-1, 1):   # treads along the left and right sides
            a, b = side * 11.0, side * h
            tread = [fv.local(x, y, heading, lx, ly) for lx, ly in ((a, -h), (b, -h), (b, h), (a, h))]
            pygame.draw.polygon(surf, tread_colour(i), tread)
        c = fv.to_screen(x, y)
        pygame.draw.circle(surf, turret_colour(i), c, max(2.0, 8.0 * s))
        pygame.draw.line(surf, barrel_colour(i), c, fv.local(x, y, gun, 0.0, 22.0), max(2, int(round(4 * s))))
        # the radar: a short mast and a dish (half circle) opening towards the radar heading
        w = max(1, int(round(2 * s)))
        pygame.draw.line(surf, radar_colour(i), c, fv.local(x, y, radar, 0.0, 11.0), w)
        r = max(3.0, 7.0 * s)
        a = math.pi / 2 - radar          # pygame's arc angles: counter-clockwise from screen right
        pygame.draw.arc(surf, radar_colour(i), (c[0] - r, c[1] - r, 2 * r, 2 * r), a - math.pi / 2, a + math.pi / 2, w)

    def draw_explosion(self, surf, fv, x, y, age, length, size):
        frac = (age + 1) / length
        r = max(2.0, size * fv.scale * (0.4 + 0.8 * math.sin(math.pi * min(frac, 1.0) * 0.5)))
        colour = shade(EXPLOSION, 1.0 - 0.6 * frac)
        c = fv.to_screen(x, y)
        pygame.draw.circle(surf, colour, c, r, max(1, int(r / 3)))
        if frac < 0.5:
            pygame.draw.circle(surf, tint(EXPLOSION, 0.6), c, r * 0.45)

    def draw_scan_arcs(self, surf, fv, f):
        rp = fv.replay
        arcs = []
        for i in range(rp.n):
            if rp.robots["state"][f, i] == RS_DEAD:
                continue
            a = rp.scan_arc(f, i)
            if a is not None:
                arcs.append((i, a))
        if not arcs:
            return
        if self._arc_surface is None or self._arc_surface.get_size() != fv.rect.size:
            self._arc_surface = pygame.Surface(fv.rect.size, pygame.SRCALPHA)
            self._arc_surface.fill((0, 0, 0, 0))
            self._arc_dirty = None
        ov = self._arc_surface
        if self._arc_dirty is not None:   # clear what the last sweep drew, not the whole field
            ov.fill((0, 0, 0, 0), self._arc_dirty)
        dirty = []
        for i, (start, extent) in arcs:
            x, y = rp.robots["x"][f, i], rp.robots["y"][f, i]
            cx, cy = fv.to_screen(x, y)
            cx -= fv.rect.x
            cy -= fv.rect.y
            R = 1200.0 * fv.scale
            col = robot_colour(i)
            steps = max(2, int(abs(extent) / math.radians(3)) + 1)
            pts = [(cx + R * math.sin(start + extent * k / steps), cy - R * math.cos(start + extent * k / steps))
                   for k in range(steps + 1)]
            if abs(extent) > 1e-9:   # faint: the waves and densities drawn over it stay readable
                dirty.append(pygame.draw.polygon(ov, col + (26,), [(cx, cy)] + pts))
            dirty.append(pygame.draw.line(ov, col + (90,), (cx, cy), pts[0], 1))
            dirty.append(pygame.draw.line(ov, col + (90,), (cx, cy), pts[-1], 1))
        d = dirty[0].unionall(dirty[1:]).clip(ov.get_rect())
        self._arc_dirty = d
        surf.blit(ov, (fv.rect.x + d.x, fv.rect.y + d.y), area=d)

    def draw_waves(self, surf, fv, f, real=True, virtual=False):
        """Gun waves: the arc over the classic MEA at the front's radius, the [gf_lo, gf_hi] interval
        that would have hit (thick, lighter) and a white tick at the GF the bullet was fired at."""
        rp = fv.replay
        if rp.waves is None:
            return
        rows, radii = rp.waves_at(f, virtual=virtual)
        if len(rows) == 0:
            return
        w = rp.waves
        mea = rp.wave_mea(rows)
        s = fv.scale
        thick = max(4, int(round(5 * s)))
        for k, q in enumerate(rows):
            is_real = w["real"][q] == 1
            if not (real if is_real else virtual):
                continue
            i = int(w["shooter"][q])
            R, b, lat, m = radii[k], w["bearing"][q], w["lat_dir"][q], mea[k]
            sx, sy = w["fire_x"][q], w["fire_y"][q]
            n = int(min(120, max(4, 2 * m * R * s / ARC_STEP_PX)))
            pts = fv.arc(sx, sy, R, gf_angle(b, lat, m, np.linspace(-1.0, 1.0, n + 1)))
            pygame.draw.lines(surf, wave_colour(i, is_real), False, pts.tolist(), 1)
            lo, hi = w["gf_lo"][q], w["gf_hi"][q]
            px_per_gf = max(m * R * s, 1e-9)
            short = MIN_HIT_PX / px_per_gf - (hi - lo)
            if short > 0:   # too short to see at this zoom: widen it around its middle
                lo, hi = lo - short / 2, hi + short / 2
            n = int(min(60, max(1, (hi - lo) * px_per_gf / ARC_STEP_PX)))
            pts = fv.arc(sx, sy, R, gf_angle(b, lat, m, np.linspace(lo, hi, n + 1)))
            pygame.draw.lines(surf, wave_hit_colour(i, is_real), False, pts.tolist(), thick)
            for g in (lo, hi):   # end caps across the arc
                cap = fv.arc(sx, sy, np.array([max(R - 5.0 / s, 0.0), R + 5.0 / s]), float(gf_angle(b, lat, m, g)))
                pygame.draw.line(surf, wave_hit_colour(i, is_real), tuple(cap[0]), tuple(cap[1]), 1)
            if is_real:
                a = float(gf_angle(b, lat, m, w["gf_fired"][q]))
                tick = fv.arc(sx, sy, np.array([max(R - 8.0, 0.0), R + 8.0]), a)
                pygame.draw.line(surf, GF_FIRED_COLOUR, tuple(tick[0]), tuple(tick[1]), max(1, int(round(2 * s))))

    def draw_wave_checks(self, surf, fv, f):
        """A ring for each enemy wave the surfer missed or misjudged (its real front, from the bullet) and for
        each wave it imagined (its own front), labelled where the ring is nearest the surfer."""
        c = fv.checks
        idx = wavecheck.active(c, fv.replay, f)
        if len(idx) == 0:
            return
        t = fv.replay.round_turn(f)[1]
        rob = fv.replay.robots
        for q in idx:
            colour = CHECK_COLOURS[int(c["status"][q])]
            R = (t - c["start"][q]) * c["speed"][q]
            cx, cy = fv.to_screen(c["x"][q], c["y"][q])
            pygame.draw.circle(surf, colour, (cx, cy), max(R * fv.scale, 1.0), 2)
            s = int(c["robot"][q])
            a = math.atan2(rob["x"][f, s] - c["x"][q], rob["y"][f, s] - c["y"][q])
            px, py = fv.arc(c["x"][q], c["y"][q], R + 10.0 / fv.scale, a)[0]
            label = wavecheck.STATUS_NAMES[int(c["status"][q])] + (" - hit" if c["hit"][q] else "")
            surf.blit(self.text.render(label, 16, colour), (px + 4, py - 8))

    def draw_densities(self, surf, fv, f, kind):
        """Telemetry along waves: the gun's aiming density outside its wave's arc (TK_AIM) or the
        surfer's danger inside the enemy wave's arc (TK_DANGER), as a profile over GF -1..1 whose
        largest bin is DENSITY_HEIGHT px high."""
        rp = fv.replay
        if rp.telemetry is None:
            return
        rows, radii = rp.telemetry_at(f, kind)
        if len(rows) == 0:
            return
        tm = rp.telemetry
        side = 1.0 if kind == TK_AIM else -1.0
        nb = tm["bins"].shape[1]
        g = np.linspace(-1.0, 1.0, nb)
        for k, q in enumerate(rows):
            R = radii[k]
            owner = int(tm["robot"][q])
            colour = aim_colour(owner) if kind == TK_AIM else danger_colour(owner)
            fill = density_fill(colour)
            a = gf_angle(tm["bearing"][q], tm["lat_dir"][q], tm["mea"][q], g)
            prof = np.maximum(R + side * DENSITY_HEIGHT * tm["bins"][q].astype(np.float64), 0.0)
            sx, sy = tm["source_x"][q], tm["source_y"][q]
            outer = fv.arc(sx, sy, prof, a)
            base = fv.arc(sx, sy, R, a)[::-1]
            pygame.draw.polygon(surf, fill, np.vstack([outer, base]).tolist())
            pygame.draw.lines(surf, colour, False, outer.tolist(), 1)

    def draw_paths(self, surf, fv, f, flying, exploding):
        b = fv.replay.bullets
        for group in (flying, exploding):
            for k in range(len(group["x"])):
                q = group["index"][k]
                o = int(b["owner"][q])
                p0 = fv.to_screen(b["x0"][q], b["y0"][q])
                pygame.draw.line(surf, shade(bullet_colour(o), 0.6), p0, fv.to_screen(group["x"][k], group["y"][k]), 1)

    def draw_label(self, surf, fv, i, f):
        """Energy (bar and number) above the robot and its name below, flipped at the field's edges."""
        rob = fv.replay.robots
        x, y, e = rob["x"][f, i], rob["y"][f, i], rob["energy"][f, i]
        cx, cy = fv.to_screen(x, y)
        half = ROBOT_HALF * fv.scale
        value = self.text.render(f"{e:.1f}", 16, TEXT)
        name = self.text.render(fv.replay.names[i], 16, DIM)
        energy_h = value.get_height() + 6
        if cy - half - energy_h >= fv.rect.top:
            bar_y = cy - half - 6
            value_rect = value.get_rect(midbottom=(cx, bar_y - 1))
            name_rect = name.get_rect(midtop=(cx, cy + half + 3))
            if name_rect.bottom > fv.rect.bottom:
                name_rect.midbottom = (cx, value_rect.top)
        else:   # at the top wall: everything below the robot
            bar_y = cy + half + 3
            value_rect = value.get_rect(midtop=(cx, bar_y + 5))
            name_rect = name.get_rect(midtop=(cx, value_rect.bottom))
        for rect in (value_rect, name_rect):   # keep the text inside the field
            rect.clamp_ip(fv.rect)
        pygame.draw.rect(surf, (60, 60, 66), (cx - half, bar_y, 2 * half, 4))
        col = (70, 210, 90) if e > 30 else (230, 200, 50) if e > 10 else (230, 60, 50)
        pygame.draw.rect(surf, col, (cx - half, bar_y, 2 * half * min(max(e, 0.0), 100.0) / 100.0, 4))
        surf.blit(value, value_rect)
        surf.blit(name, name_rect)

    def stats_lines(self, rp, f):
        cum = rp.cumulative()
        out = []
        for i in range(rp.n):
            shots, hits, dmg = cum["shots"][f, i], cum["hits"][f, i], cum["damage"][f, i]
            rate = f"{100.0 * hits / shots:.1f}%" if shots else "-"
            out.append((i, f"{rp.names[i]}  hit {int(hits)}/{int(shots)} ({rate})  dmg {dmg:.0f}"))
        return out

    def checks_text(self, fv, i, f):
        """The surfer's wave checks so far (fired up to this turn), or '' for a robot that does not surf."""
        c = fv.checks
        r, t = fv.replay.round_turn(f)
        m = (c["robot"] == i) & ((c["round"] < r) | ((c["round"] == r) & (c["turn"] <= t)))
        if not np.any(m):
            return ""
        n = {name: int(np.sum(c["status"][m] == k)) for k, name in enumerate(wavecheck.STATUS_NAMES)}
        return (f"  enemy waves: {n['missed']} missed, {n['wrong power'] + n['wrong turn']} misjudged of "
                f"{int(np.sum(m)) - n['false']}; {n['false']} imagined")

    def draw_stats(self, surf, fv, f):
        """Per robot, under its field: hits/shots, hit rate and bullet damage dealt so far (and in compare
        mode, which has no side panel, the running mean loss of its gun and of its surfing)."""
        r = fv.stats_rect
        lines = self.stats_lines(fv.replay, f)
        if self.pb.overlays.get("checks") and has_data(fv.replay, "checks"):
            lines = [(i, t + self.checks_text(fv, i, f)) for i, t in lines]
        if self.panel_rect is None and self.pb.overlays.get("loss") and has_data(fv.replay, "loss"):
            L = self.pb.losses(self.fields.index(fv))
            out = []
            for i, t in lines:
                for kind, what in ((TK_AIM, "aim loss"), (TK_DANGER, "danger loss")):
                    n, mean, _ = L.running(f, i, kind)
                    if n:
                        t += f"  {what} {self._loss_text(mean)} {self.pb.units}"
                out.append((i, t))
            lines = out
        for k, (i, t) in enumerate(lines):
            y = r.y + 2 + 17 * k
            pygame.draw.rect(surf, robot_colour(i), (r.x + 2, y + 2, 10, 10))
            surf.blit(self.text.render(t, 18, TEXT), (r.x + 18, y))

    def draw_header(self, surf, frames):
        pb = self.pb
        r, t = pb.round_turn
        tl = pb.timeline
        where = f"Round {r + 1}/{tl.rounds}   Turn {t}/{int(tl.round_len[r]) - 1}"
        if not pb.compare:
            fv, f = self.fields[0], frames[0]
            head = self.text.render(where, 22, TEXT)
            surf.blit(head, (MARGIN, 9))
            room = self.size[0] - 2 * MARGIN - head.get_width() - 16
            self._score_line(surf, fv.replay, f, self.size[0] - MARGIN, 9, align_right=True, room=room)
            return
        surf.blit(self.text.render(where, 20, TEXT), (MARGIN, 4))
        for fv, f in zip(self.fields, frames):
            rp = fv.replay
            title = f"{fv.label}  seed {rp.seed}"
            surf.blit(self.text.render(title, 18, DIM), (fv.rect.x, 22))
            if f is None:
                continue
            self._score_line(surf, rp, f, fv.rect.x, 38)
            # live score share bar
            cum = rp.cumulative()
            sc = np.maximum(cum["score"][f], 0.0)
            tot = sc.sum()
            bar = pygame.Rect(fv.rect.x, 56, fv.rect.w, 6)
            pygame.draw.rect(surf, (60, 60, 66), bar)
            x = bar.x
            for i in range(rp.n):
                w = bar.w * (sc[i] / tot if tot > 0 else 1.0 / rp.n)
                pygame.draw.rect(surf, robot_colour(i), (round(x), bar.y, round(x + w) - round(x), bar.h))
                x += w

    def _score_line(self, surf, rp, f, x, y, align_right=False, room=None, size=18):
        """Per robot, in its colour: score, hit rate and bullet damage dealt, each labelled (in a smaller
        font, then without the names, when it would not fit in `room` px)."""
        parts = self._score_parts(rp, f, size, names=True)
        if room is not None and sum(p.get_width() for p in parts) > room:
            parts = self._score_parts(rp, f, 15, names=True)
            if sum(p.get_width() for p in parts) > room:
                parts = self._score_parts(rp, f, 15, names=False)
        width = sum(p.get_width() for p in parts)
        cx = x - width if align_right else x
        for p in parts:
            surf.blit(p, (cx, y))
            cx += p.get_width()

    def _score_parts(self, rp, f, size, names):
        cum = rp.cumulative()
        parts = []
        for i in range(rp.n):
            shots, hits = cum["shots"][f, i], cum["hits"][f, i]
            rate = f"{100.0 * hits / shots:.0f}%" if shots else "-"
            if names:
                parts.append(self.text.render(f"{rp.names[i]}: ", size, robot_colour(i)))
            else:
                parts.append(self.text.render("■ ", size, robot_colour(i)))
            parts.append(self.text.render(f"score {cum['score'][f, i]:.0f}  hit {rate}  dmg {cum['damage'][f, i]:.0f}",
                                          size, tint(robot_colour(i), 0.5)))
            if i < rp.n - 1:
                parts.append(self.text.render("   vs   " if names else "  vs  ", size, DIM))
        return parts

    def draw_seek(self, surf):
        pb, tl, r = self.pb, self.pb.timeline, self.seek_rect
        pygame.draw.rect(surf, (45, 47, 54), r)
        done = pygame.Rect(r.x, r.y, int(self.seek_x(pb.pos) - r.x), r.h)
        pygame.draw.rect(surf, (85, 90, 105), done)
        for k in range(1, tl.rounds):
            x = self.seek_x(tl.start[k])
            pygame.draw.line(surf, (170, 175, 185), (x, r.y - 3), (x, r.bottom + 2), 1)
        for pos, k, i in tl.deaths():
            x = self.seek_x(pos)
            col = robot_colour(i)
            if k == 0:
                pygame.draw.polygon(surf, col, [(x, r.y - 1), (x - 4, r.y - 8), (x + 4, r.y - 8)])
            else:
                pygame.draw.polygon(surf, col, [(x, r.bottom), (x - 4, r.bottom + 7), (x + 4, r.bottom + 7)])
        x = self.seek_x(pb.pos)
        pygame.draw.line(surf, (255, 255, 255), (x, r.y - 4), (x, r.bottom + 3), 3)

    def draw_status(self, surf):
        pb = self.pb
        y = self.seek_rect.bottom + 11
        if not self.exporting:
            mode = ("playing" if pb.playing else "paused") + f"  {speed_label(pb.speed)}"
            if pb.unthrottled and pb.playing and self.fps:
                mode += f" ({self.fps:.0f} turns/s)"
            surf.blit(self.text.render(mode, 18, TEXT), (MARGIN, y))
        on = []
        for name in OVERLAYS:
            if name != "help" and pb.overlays.get(name):
                on.append(name if any(has_data(rp, name) for rp in pb.replays) else f"{name} (no data)")
        right = ((pb.message + "   " if pb.message else "") + "overlays: " + (", ".join(on) or "none")
                 + ("" if self.exporting else "   H help"))
        t = self.text.render(right, 18, DIM)
        surf.blit(t, (self.size[0] - MARGIN - t.get_width(), y))

    def draw_help(self, surf):
        """Every key (and what the seek bar's marks mean), in two columns when one does not fit."""
        rows = [(self.text.render(k, 18, (255, 220, 120)), self.text.render(v, 18, TEXT)) for k, v in HELP]
        per_col = len(rows)
        if 20 * per_col + 44 > self.size[1] - 8:
            per_col = (len(rows) + 1) // 2
        cols = [rows[k:k + per_col] for k in range(0, len(rows), per_col)]
        widths = [(max(a.get_width() for a, _ in c), max(b.get_width() for _, b in c)) for c in cols]
        w = sum(kw + vw + 40 for kw, vw in widths) + 8
        h = 20 * per_col + 44
        box = pygame.Surface((min(w, self.size[0]), h), pygame.SRCALPHA)
        box.fill((0, 0, 0, 215))
        x0 = max(0, (self.size[0] - w) // 2)
        y0 = max(4, (self.size[1] - h) // 2)
        surf.blit(box, (x0, y0))
        surf.blit(self.text.render("Keys", 22, TEXT), (x0 + 16, y0 + 10))
        x = x0
        for col, (kw, vw) in zip(cols, widths):
            for k, (a, b) in enumerate(col):
                surf.blit(a, (x + 16, y0 + 34 + 20 * k))
                surf.blit(b, (x + 32 + kw, y0 + 34 + 20 * k))
            x += kw + vw + 40

    # --- the loss overlay, the GF panel and the legend
    def _loss_text(self, nats, digits=2):
        if nats is None or not math.isfinite(nats):
            return "-"
        return f"{self.pb.loss_value(nats):.{digits}f}"

    def draw_loss_labels(self, surf, fv, f):
        """Each wave's loss, written at its target for LOSS_LABEL_TURNS turns after the wave broke: a gun's
        loss (its colour) above the target, the surfer's danger loss (its colour) below it."""
        k = self.fields.index(fv)
        if not has_data(fv.replay, "loss"):
            return
        L = self.pb.losses(k)
        c = L.cols
        rob = fv.replay.robots
        placed = {}
        for q in L.recent(f, LOSS_LABEL_TURNS):
            target = int(c["robot"][q]) if c["kind"][q] == TK_DANGER else 1 - int(c["shooter"][q])
            slot = (target, int(c["kind"][q]))
            if slot in placed:
                continue
            placed[slot] = q
            bf = int(c["frame"][q])
            x, y = fv.to_screen(rob["x"][bf, target], rob["y"][bf, target])
            owner = int(c["robot"][q])
            text = self._loss_text(c["loss"][q]) + ("*" if c["loss"][q] >= FLOOR_LOSS else "") + ("" if c["kind"][q] == TK_DANGER else
                                                    (" hit" if c["hit"][q] else ""))
            img = self.text.render(text, 20, tint(robot_colour(owner), 0.3))
            dy = -(ROBOT_HALF + 30) * fv.scale - 8 if c["kind"][q] == TK_AIM else (ROBOT_HALF + 30) * fv.scale + 8
            rect = img.get_rect(center=(x + 34, y + dy))
            rect.clamp_ip(fv.rect)
            pygame.draw.rect(surf, (0, 0, 0), rect.inflate(6, 2))
            pygame.draw.rect(surf, robot_colour(owner), rect.inflate(6, 2), 1)
            surf.blit(img, rect)

    def _visible_loss_rows(self, fv, f):
        """(loss row, wave row, radius) of the loss rows whose wave is drawn at a frame."""
        rp = fv.replay
        rows, radii = rp.waves_at(f, virtual=True)
        if len(rows) == 0:
            return []
        L = self.pb.losses(self.fields.index(fv))
        radius = dict(zip(rows.tolist(), radii.tolist()))
        out = []
        for q in np.nonzero(np.isin(L.cols["wave"], rows))[0]:
            w = int(L.cols["wave"][q])
            out.append((int(q), w, radius[w]))
        return out

    def wave_row_at(self, pos):
        """The loss row of the wave drawn nearest a screen point (within 12 px), for a click; clicking the
        same wave again switches between its gun's aim and the surfer's danger. None if no wave is there."""
        if self.panel_rect is None or not self.pb.overlays.get("loss"):
            return None
        fv, f = self.fields[0], self.pb.frames()[0]
        if f is None or not fv.rect.collidepoint(pos) or not has_data(fv.replay, "loss"):
            return None
        w = fv.replay.waves
        best, best_d = [], 12.0
        for q, k, R in self._visible_loss_rows(fv, f):
            sx, sy = fv.to_screen(w["fire_x"][k], w["fire_y"][k])
            dx, dy = pos[0] - sx, pos[1] - sy
            angle = math.atan2(dx, -dy)
            m = float(fv.replay.wave_mea([k])[0])
            g = ((angle - w["bearing"][k] + math.pi) % (2 * math.pi) - math.pi) * w["lat_dir"][k] / m
            d = abs(math.hypot(dx, dy) - R * fv.scale)
            if abs(g) <= 1.2 and d <= best_d + 1e-9:
                if d < best_d - 1e-9:
                    best = []
                best_d = d
                best.append(q)
        if not best:
            return None
        cur = self.pb.selected_row()
        if cur in best:
            return best[(best.index(cur) + 1) % len(best)]
        return best[0]

    def draw_selected_wave(self, surf, fv, f):
        """A white outline along the wave the GF panel shows, while it is on the field."""
        q = self.pb.selected_row()
        if q is None or not has_data(fv.replay, "loss"):
            return
        k = int(self.pb.losses(0).cols["wave"][q])
        rows, radii = fv.replay.waves_at(f, virtual=True)
        hit = np.nonzero(rows == k)[0]
        if len(hit) == 0:
            return
        w = fv.replay.waves
        R = radii[hit[0]]
        m = float(fv.replay.wave_mea([k])[0])
        g = np.linspace(-1.0, 1.0, 61)
        for dr in (-4.0 / fv.scale, 4.0 / fv.scale):
            pts = fv.arc(w["fire_x"][k], w["fire_y"][k], max(R + dr, 0.0), gf_angle(w["bearing"][k], w["lat_dir"][k], m, g))
            pygame.draw.lines(surf, HIGHLIGHT, False, pts.tolist(), 1)

    def draw_panel(self, surf, f):
        """The side panel: running loss and hit rate per robot, the GF panel, the legend."""
        r = self.panel_rect
        pygame.draw.rect(surf, PANEL_BACKGROUND, r)
        y = r.y + 8
        if f is not None and self.pb.overlays.get("loss"):
            y = self.draw_loss_summary(surf, r.x + 10, y, r.w - 20, f) + 10
            y = self.draw_gf_panel(surf, pygame.Rect(r.x + 10, y, r.w - 20, 196), f) + 12
        if self.pb.overlays.get("legend"):
            self.draw_legend(surf, r.x + 10, max(y, r.bottom - self.legend_height() - 6))

    def draw_loss_summary(self, surf, x, y, w, f):
        rp = self.fields[0].replay
        if not has_data(rp, "loss"):
            surf.blit(self.text.render("Loss: this replay has no telemetry", 18, DIM), (x, y))
            return y + 20
        L = self.pb.losses(0)
        surf.blit(self.text.render(f"Loss per wave ({self.pb.units}; lower is better)", 20, TEXT), (x, y))
        y += 20
        surf.blit(self.text.render("mean over the waves broken so far  U: nats/bits", 16, DIM), (x, y))
        y += 18
        for i in range(rp.n):
            pygame.draw.rect(surf, robot_colour(i), (x, y + 3, 10, 10))
            surf.blit(self.text.render(rp.names[i], 18, robot_colour(i)), (x + 16, y))
            y += 17
            for kind, what, rate_word in ((TK_AIM, "gun aim", "hit"), (TK_DANGER, "surf danger", "hit by")):
                n, mean, rate = L.running(f, i, kind)
                if n == 0:
                    continue
                t = f"{what}: {self._loss_text(mean)} over {n} waves, {rate_word} {100 * rate:.0f}%"
                surf.blit(self.text.render(t, 17, TEXT), (x + 16, y))
                y += 16
        cum = rp.cumulative()
        sc = cum["score"][f]
        lead = int(np.argmax(sc))
        gap = sc[lead] - np.max(np.delete(sc, lead)) if rp.n > 1 else 0.0
        t = f"ahead on score: {rp.names[lead]} by {gap:.0f}" if gap > 0 else "level on score"
        surf.blit(self.text.render(t, 17, tint(robot_colour(lead), 0.3) if gap > 0 else DIM), (x, y + 2))
        return y + 18

    def draw_gf_panel(self, surf, rect, f):
        """The selected wave over guess factors: the recorded density, the hit interval [a, b], the GF
        fired and the loss (the mean of -log density over [a, b]). Painted again only when what it shows
        changes (another wave, the wave breaking, the units)."""
        rp = self.fields[0].replay
        q = self.pb.selected_row() if has_data(rp, "loss") else None
        if q is None:
            surf.blit(self.text.render("GF panel: no wave has broken yet this round", 17, DIM), rect.topleft)
            self.gf_plot_rect = None
            return rect.y + 18
        broke = bool(self.pb.losses(0).cols["frame"][q] <= f)
        key = (q, broke, self.pb.units, self.pb.selected is None, rect.size)
        if self._gf_cache is None or self._gf_cache[0] != key:
            panel = pygame.Surface(rect.size)
            panel.fill(PANEL_BACKGROUND)
            bottom, plot = self._paint_gf_panel(panel, panel.get_rect(), q, broke)
            self._gf_cache = (key, panel, bottom, plot)
        _, panel, bottom, plot = self._gf_cache
        surf.blit(panel, rect.topleft)
        self.gf_plot_rect = plot.move(rect.topleft)
        return rect.y + bottom

    def _paint_gf_panel(self, surf, rect, q, broke):
        from .losses import density_on_grid
        rp = self.fields[0].replay
        x, y = rect.x, rect.y
        L = self.pb.losses(0)
        c = L.cols
        owner, kind, shooter = int(c["robot"][q]), int(c["kind"][q]), int(c["shooter"][q])
        follow = self.pb.selected is None
        whose = f"{rp.names[owner]}: " + ("gun aim" if kind == TK_AIM else "surf danger")
        surf.blit(self.text.render(whose, 18, robot_colour(owner)), (x, y))
        y += 17
        rnd, turn = int(c["round"][q]), int(c["turn"][q])
        on = "its wave" if kind == TK_AIM else f"{rp.names[shooter]}'s wave"
        sub = f"on {on} fired r{rnd + 1} t{turn}" + ("  (latest)" if follow else "  (picked)")
        surf.blit(self.text.render(sub, 16, DIM), (x, y))
        y += 15
        surf.blit(self.text.render("[ ] older/newer wave, or click a wave", 16, DIM), (x, y))
        y += 15
        plot = pygame.Rect(x, y + 4, rect.w, rect.bottom - y - 56)   # room below for the two text lines
        pygame.draw.rect(surf, (32, 34, 40), plot)
        lo_g, hi_g = -1.1, 1.1

        def gx(g):
            return plot.x + (g - lo_g) / (hi_g - lo_g) * plot.w

        bins = rp.telemetry["bins"][int(c["row"][q])]
        dens = density_on_grid(bins)
        top = max(float(dens.max()), 1e-12) * 1.08
        g = np.linspace(-1.0, 1.0, len(bins))
        half = 1.0 / (len(bins) - 1)
        colour = aim_colour(owner) if kind == TK_AIM else danger_colour(owner)
        pts = [(gx(-1.0 - half), plot.bottom)]
        for gk, d in zip(g, dens):
            yy = plot.bottom - d / top * (plot.h - 4)
            pts += [(gx(gk - half), yy), (gx(gk + half), yy)]
        pts.append((gx(1.0 + half), plot.bottom))
        pygame.draw.polygon(surf, density_fill(colour), pts)
        pygame.draw.lines(surf, colour, False, pts, 1)
        a, b = float(c["a"][q]), float(c["b"][q])
        xa, xb = gx(max(a, lo_g)), gx(min(b, hi_g))
        if b < lo_g or a > hi_g:   # off the axis: an arrow at the edge
            ex = plot.x + 2 if b < lo_g else plot.right - 8
            pygame.draw.rect(surf, HIGHLIGHT, (ex, plot.y + 2, 6, plot.h - 4), 1)
        else:
            band = pygame.Surface((max(3, int(xb - xa)), plot.h), pygame.SRCALPHA)
            band.fill((255, 255, 255, 70))
            surf.blit(band, (min(xa, xb - 3) if xb - xa < 3 else xa, plot.y))
            for xe in (xa, xb):
                pygame.draw.line(surf, HIGHLIGHT, (xe, plot.y), (xe, plot.bottom), 1)
        fired = c["fired"][q]
        if math.isfinite(fired) and lo_g <= fired <= hi_g:
            pygame.draw.line(surf, GF_FIRED_COLOUR, (gx(fired), plot.y), (gx(fired), plot.bottom), 3)
            pygame.draw.line(surf, robot_colour(owner), (gx(fired), plot.y), (gx(fired), plot.bottom), 1)
        for tick in (-1.0, -0.5, 0.0, 0.5, 1.0):
            pygame.draw.line(surf, DIM, (gx(tick), plot.bottom), (gx(tick), plot.bottom + 3), 1)
            lab = self.text.render(f"{tick:g}", 15, DIM)
            surf.blit(lab, lab.get_rect(midtop=(gx(tick), plot.bottom + 3)))
        y = plot.bottom + 15
        key = f"GF  band [{a:.2f}, {b:.2f}] = would have hit" + ("  | = fired" if math.isfinite(fired) else "")
        surf.blit(self.text.render(key, 15, DIM), (x, y))
        y += 14
        if broke:
            verdict = "" if kind == TK_DANGER else ("  bullet hit" if c["hit"][q] else "  bullet missed")
            t = f"loss {self._loss_text(c['loss'][q], 3)} {self.pb.units}{verdict}"
            if c["loss"][q] >= FLOOR_LOSS:
                t += " (no mass: floor)"
        else:
            t = f"loss shown when it breaks (turn {int(fv_turn(rp, c['frame'][q]))})"
        surf.blit(self.text.render(t, 22, TEXT), (x, y))
        return y + 20, plot

    LEGEND = ("robot (its name, energy bar and number)", "wave: arc over the MEA, shooter's colour",
              "hit interval: GFs that would have hit", "white tick: GF the bullet was fired at",
              "outside a wave: that gun's aim density", "inside an enemy wave: surfer's danger",
              "bullet, bigger = more power", "explosion: hit, wall, death", "radar sweep this turn",
              "a wave's loss as it breaks (* = no mass there)")

    def legend_height(self):
        return 22 + 17 * (len(self.LEGEND) + 1)

    def draw_legend(self, surf, x, y, boxed=False):
        """What each mark means, drawn with the marks themselves: painted once, then blitted (on a dark
        translucent box over the field in compare mode, on the side panel otherwise)."""
        if self._legend_box is None or self._legend_box[0] != boxed:
            size = (PANEL_W - 12, self.legend_height() + 4)
            if boxed:
                box = pygame.Surface(size, pygame.SRCALPHA)
                box.fill((0, 0, 0, 190))
            else:
                box = pygame.Surface(size)
                box.fill(PANEL_BACKGROUND)
            self._paint_legend(box, 4, 2)
            self._legend_box = (boxed, box)
        surf.blit(self._legend_box[1], (x - 4, y - 2))

    def _paint_legend(self, surf, x, y):
        rp = self.fields[0].replay
        surf.blit(self.text.render("Key  (K hides it, H: all keys)", 18, TEXT), (x, y))
        y += 20
        cx = x
        for i in range(rp.n):   # each robot's colour: its body, waves, aim, danger, bullets, figures
            t = self.text.render(rp.names[i], 16, robot_colour(i))
            pygame.draw.rect(surf, robot_colour(i), (cx, y + 2, 10, 10))
            surf.blit(t, (cx + 14, y))
            cx += t.get_width() + 26
        y += 17
        gx, gw = x, 26   # glyph column
        c0, c1 = robot_colour(0), robot_colour(min(1, rp.n - 1))
        for k, text in enumerate(self.LEGEND):
            cy = y + 8
            if k == 0:
                pygame.draw.rect(surf, c0, (gx + 6, cy - 7, 14, 14))
                pygame.draw.rect(surf, (70, 210, 90), (gx + 6, cy - 10, 14, 2))
            elif k == 1:
                pygame.draw.arc(surf, wave_colour(1), (gx - 4, cy - 4, 34, 30), 0.6, 2.5, 1)
            elif k == 2:
                pygame.draw.line(surf, wave_hit_colour(1), (gx + 4, cy), (gx + 22, cy), 5)
            elif k == 3:
                pygame.draw.line(surf, wave_colour(1), (gx, cy), (gx + 26, cy), 1)
                pygame.draw.line(surf, GF_FIRED_COLOUR, (gx + 13, cy - 7), (gx + 13, cy + 7), 2)
            elif k == 4:
                pygame.draw.polygon(surf, density_fill(aim_colour(1)), [(gx, cy + 4), (gx + 9, cy - 6), (gx + 16, cy + 4)])
                pygame.draw.line(surf, wave_colour(1), (gx, cy + 4), (gx + 26, cy + 4), 1)
            elif k == 5:
                pygame.draw.polygon(surf, density_fill(danger_colour(0)), [(gx + 6, cy - 4), (gx + 14, cy + 6), (gx + 22, cy - 4)])
                pygame.draw.line(surf, wave_colour(1), (gx, cy - 4), (gx + 26, cy - 4), 1)
            elif k == 6:
                for bx, p in ((gx + 3, 0.1), (gx + 10, 1.5), (gx + 20, 3.0)):
                    pygame.draw.circle(surf, bullet_colour(0), (bx, cy), bullet_radius(p, 1.0))
            elif k == 7:
                pygame.draw.circle(surf, EXPLOSION, (gx + 13, cy), 7, 2)
            elif k == 8:
                pygame.draw.polygon(surf, shade(c0, 0.45), [(gx, cy + 6), (gx + 26, cy - 6), (gx + 26, cy + 8)])
            elif k == 9:
                t = self.text.render("1.2", 16, tint(c1, 0.3))
                pygame.draw.rect(surf, c1, t.get_rect(topleft=(gx, cy - 7)).inflate(4, 2), 1)
                surf.blit(t, (gx, cy - 7))
            surf.blit(self.text.render(text, 16, TEXT), (x + 34, y))
            y += 17
        return y


def fv_turn(rp, frame):
    """The turn of a replay frame (for text)."""
    return rp.round_turn(int(frame))[1]
