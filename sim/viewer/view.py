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
from .model import speed_label, has_data

ROBOT_HALF = 18.0
ROBOT_COLOURS = ((64, 128, 255), (235, 64, 52), (60, 200, 90), (230, 190, 40), (190, 90, 230), (40, 200, 210))
BACKGROUND = (12, 12, 16)
FIELD = (30, 32, 38)
GRID = (40, 43, 50)
TEXT = (225, 228, 235)
DIM = (140, 145, 155)
EXPLOSION = (255, 170, 40)
AIM_COLOUR = (250, 215, 70)        # the gun's aiming density, drawn outside its wave's arc
DANGER_COLOUR = (255, 80, 190)     # the surfer's danger, drawn inside the enemy wave's arc
GF_FIRED_COLOUR = (255, 255, 255)  # tick across a wave where its bullet was fired
DENSITY_HEIGHT = 26.0              # world px of a density's largest bin
ARC_STEP_PX = 5.0                  # screen px between the points of a drawn arc
MARGIN = 8
GAP = 14
SEEK_H = 14


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


def density_fill(colour):
    return shade(colour, 0.4)


def gf_angle(bearing, lat_dir, mea, gf):
    """Robocode angle of a guess factor on a wave (docs/architecture.md: GF = offset * lateral direction / MEA)."""
    return bearing + np.asarray(gf, dtype=np.float64) * lat_dir * mea


def bullet_radius(power, scale):
    return max(2.0, (1.0 + math.sqrt(max(power, 0.0)) * 1.7) * scale)


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
        width = max(x - GAP + MARGIN, 640)
        field_bottom = self.header_h + max(f.rect.h for f in self.fields)
        n = max(rp.n for rp in playback.replays)
        for fv in self.fields:   # the running statistics sit in a band under each field
            fv.stats_rect = pygame.Rect(fv.rect.x, field_bottom + 4, fv.rect.w, 17 * n + 4)
        self.seek_rect = pygame.Rect(MARGIN, field_bottom + 17 * n + 8 + 14, width - 2 * MARGIN, SEEK_H)
        self.size = (width, self.seek_rect.bottom + 34)
        self.fps = 0.0
        self._arc_surface = None

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
            pygame.draw.circle(surf, bullet_colour(o), fv.to_screen(flying["x"][k], flying["y"][k]),
                               bullet_radius(flying["power"][k], fv.scale))
        if ov.get("labels"):
            for i in range(rp.n):
                if rob["state"][f, i] != RS_DEAD:
                    self.draw_label(surf, fv, i, f)
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
        ov = self._arc_surface
        ov.fill((0, 0, 0, 0))
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
            if abs(extent) > 1e-9:
                pygame.draw.polygon(ov, col + (48,), [(cx, cy)] + pts)
            pygame.draw.line(ov, col + (150,), (cx, cy), pts[0], 1)
            pygame.draw.line(ov, col + (150,), (cx, cy), pts[-1], 1)
        surf.blit(ov, fv.rect.topleft)

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
        thick = max(3, int(round(4 * s)))
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
            n = int(min(60, max(1, (hi - lo) * m * R * s / ARC_STEP_PX)))
            pts = fv.arc(sx, sy, R, gf_angle(b, lat, m, np.linspace(lo, hi, n + 1)))
            pygame.draw.lines(surf, wave_hit_colour(i, is_real), False, pts.tolist(), thick)
            if is_real:
                a = float(gf_angle(b, lat, m, w["gf_fired"][q]))
                tick = fv.arc(sx, sy, np.array([max(R - 8.0, 0.0), R + 8.0]), a)
                pygame.draw.line(surf, GF_FIRED_COLOUR, tuple(tick[0]), tuple(tick[1]), max(1, int(round(2 * s))))

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
        colour = AIM_COLOUR if kind == TK_AIM else DANGER_COLOUR
        fill = density_fill(colour)
        side = 1.0 if kind == TK_AIM else -1.0
        nb = tm["bins"].shape[1]
        g = np.linspace(-1.0, 1.0, nb)
        for k, q in enumerate(rows):
            R = radii[k]
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

    def draw_stats(self, surf, fv, f):
        """Per robot, under its field: hits/shots, hit rate and bullet damage dealt so far."""
        r = fv.stats_rect
        for k, (i, t) in enumerate(self.stats_lines(fv.replay, f)):
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
            surf.blit(self.text.render(where, 22, TEXT), (MARGIN, 9))
            self._score_line(surf, fv.replay, f, fv.rect.right, 9, align_right=True)
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

    def _score_line(self, surf, rp, f, x, y, align_right=False):
        cum = rp.cumulative()
        parts = []
        for i in range(rp.n):
            shots, hits = cum["shots"][f, i], cum["hits"][f, i]
            rate = f"{100.0 * hits / shots:.0f}%" if shots else "-"
            parts.append(self.text.render(f"{rp.names[i]} {cum['score'][f, i]:.0f} ({rate} hit)", 18, robot_colour(i)))
            if i < rp.n - 1:
                parts.append(self.text.render("  vs  ", 18, DIM))
        width = sum(p.get_width() for p in parts)
        cx = x - width if align_right else x
        for p in parts:
            surf.blit(p, (cx, y))
            cx += p.get_width()

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
        mode = ("playing" if pb.playing else "paused") + f"  {speed_label(pb.speed)}"
        if pb.unthrottled and pb.playing and self.fps:
            mode += f" ({self.fps:.0f} turns/s)"
        surf.blit(self.text.render(mode, 18, TEXT), (MARGIN, y))
        on = []
        for name in ("scan", "paths", "stats", "labels", "waves", "aim", "danger", "virtual"):
            if pb.overlays.get(name):
                on.append(name if any(has_data(rp, name) for rp in pb.replays) else f"{name} (no data)")
        right = (pb.message + "   " if pb.message else "") + "overlays: " + (", ".join(on) or "none") + "   H help"
        t = self.text.render(right, 18, DIM)
        surf.blit(t, (self.size[0] - MARGIN - t.get_width(), y))

    def draw_help(self, surf):
        rows = [(self.text.render(k, 18, (255, 220, 120)), self.text.render(v, 18, TEXT)) for k, v in HELP]
        kw = max(a.get_width() for a, _ in rows)
        vw = max(b.get_width() for _, b in rows)
        w, h = kw + vw + 48, 20 * len(rows) + 44
        box = pygame.Surface((w, h), pygame.SRCALPHA)
        box.fill((0, 0, 0, 215))
        x0 = (self.size[0] - w) // 2
        y0 = max(4, (self.size[1] - h) // 2)
        surf.blit(box, (x0, y0))
        surf.blit(self.text.render("Keys", 22, TEXT), (x0 + 16, y0 + 10))
        for k, (a, b) in enumerate(rows):
            surf.blit(a, (x0 + 16, y0 + 34 + 20 * k))
            surf.blit(b, (x0 + 32 + kw, y0 + 34 + 20 * k))
