"""A streaming animated-GIF writer for pygame surfaces (uses Pillow's GIF encoder).

Every frame is mapped to one fixed palette (the viewer's own colours, a grey ramp
and a 6x6x6 colour cube) and only the rectangle that changed since the previous
frame is written, so long exports stay small and need one frame of memory.
"""
import numpy as np


def _palette(extra_colours):
    cols = []
    for c in extra_colours:
        c = tuple(int(v) for v in c[:3])
        if c not in cols:
            cols.append(c)
    for g in range(0, 256, 8):
        if (g, g, g) not in cols:
            cols.append((g, g, g))
    steps = (0, 51, 102, 153, 204, 255)
    for r in steps:
        for g in steps:
            for b in steps:
                if len(cols) < 256 and (r, g, b) not in cols:
                    cols.append((r, g, b))
    cols = cols[:256]
    while len(cols) < 256:
        cols.append((0, 0, 0))
    return np.array(cols, dtype=np.int32)


class GifWriter:
    def __init__(self, path, size, duration_ms, colours=()):
        try:
            from PIL import Image, GifImagePlugin
        except ImportError:   # pragma: no cover - Pillow comes with matplotlib
            raise RuntimeError("writing a GIF needs Pillow (pip install pillow)") from None
        self.Image, self.G = Image, GifImagePlugin
        self.size = tuple(size)
        self.duration = max(20, int(round(duration_ms / 10.0)) * 10)
        self.pal = _palette(colours)
        self.flat_pal = [int(v) for v in self.pal.reshape(-1)]
        from sim.io.atomic import AtomicFile
        self.f = AtomicFile(path)   # the GIF appears only when complete (close())
        self.prev = None
        self.frames = 0
        self._lut = None

    def _index(self, rgb):
        """Nearest palette entry per pixel (exact colours hit their own entry), through a table over all
        2**24 colours filled as colours are first seen: one gather per frame instead of a sort."""
        key = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]
        if self._lut is None:
            self._lut = np.full(1 << 24, -1, dtype=np.int16)
        idx = self._lut[key]
        new = idx < 0
        if new.any():
            u = np.unique(key[new])
            c = np.stack([(u >> 16) & 255, (u >> 8) & 255, u & 255], axis=1)
            d = ((c[:, None, :] - self.pal[None, :, :]) ** 2).sum(axis=2)
            self._lut[u] = d.argmin(axis=1).astype(np.int16)
            idx = self._lut[key]
        return idx.astype(np.uint8)

    def add(self, rgb):
        """Append a frame given as an (h, w, 3) uint8 array."""
        idx = self._index(rgb)
        Image, G = self.Image, self.G
        if self.prev is None:
            im = Image.frombytes("P", (idx.shape[1], idx.shape[0]), idx.tobytes())
            im.putpalette(self.flat_pal)
            for chunk in G.getheader(im, self.flat_pal, {"loop": 0})[0]:
                self.f.write(chunk)
            x0, y0, crop = 0, 0, idx
        else:
            diff = idx != self.prev
            if not diff.any():   # nothing changed: repeat one pixel to keep the timing
                ys, xs = np.array([0]), np.array([0])
            else:
                ys, xs = np.nonzero(diff.any(axis=1))[0], np.nonzero(diff.any(axis=0))[0]
            y0, y1, x0, x1 = int(ys[0]), int(ys[-1]) + 1, int(xs[0]), int(xs[-1]) + 1
            crop = np.ascontiguousarray(idx[y0:y1, x0:x1])
        im = Image.frombytes("P", (crop.shape[1], crop.shape[0]), crop.tobytes())
        im.putpalette(self.flat_pal)
        for chunk in G.getdata(im, (x0, y0), duration=self.duration, disposal=1):
            self.f.write(chunk)
        self.prev = idx
        self.frames += 1

    def close(self):
        if self.f is not None:
            self.f.write(b";")
            self.f.commit()
            self.f = None

    def abort(self):
        """Drop a GIF that will not be finished: nothing is left at its path."""
        if self.f is not None:
            self.f.abort()
            self.f = None
