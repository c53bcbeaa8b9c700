"""A scene as a stack of subject shapes with depth, rasterised once and read by every style.

A :class:`Shape` is one subject's part (a lighthouse's tower, its lamp, its beam) as geometry in relative
units (x and y in 0..1 of the canvas; radii and line widths in units of the short side), with a colour, a
depth (0 far .. 1 near) and a drawing order (0 first .. 1 last). :meth:`Stack.raster` draws every shape,
back to front, into one label map at ``SUPERSAMPLE`` times the canvas size; styles then read the stack
through a few anti-aliased views at the canvas size (each a look-up over the labels, reduced by box
averaging, so edges are smooth in stills and video frames alike):

- :meth:`Raster.paint` - the shapes' colours (the scene as flat colour, anti-aliased);
- :meth:`Raster.field` - any per-shape number (depth, order, a style's own value) as a smooth map;
- :meth:`Raster.coverage` - how much of each pixel a set of shapes covers;
- :meth:`Raster.edges` - the outlines between shapes (1 on an outline, fading over a pixel).

Label 0 is the sky (no shape). What :meth:`Raster.visible` reports is what the picture really shows: a
subject hidden behind others would be missing from it, and the card reads it from there.

Examples
--------
>>> stack = Stack(horizon=0.6)
>>> stack.add(Shape("sun", [Ellipse(0.5, 0.3, 0.1, 0.1)], (1.0, 0.9, 0.5), depth=0.0))
>>> stack.add(Shape("sea", [Poly([(0, 0.6), (1, 0.6), (1, 1), (0, 1)])], (0.1, 0.2, 0.5), depth=0.5))
>>> raster = stack.raster(64, 64)
>>> sorted(raster.visible())
['sea', 'sun']
>>> raster.paint().shape
(64, 64, 3)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

SUPERSAMPLE = 2  # labels drawn at twice the canvas size and box-averaged: 4 samples per pixel of anti-aliasing
MAX_SHAPES = 254  # labels are 8-bit; 0 is the sky and 255 is kept free
MIN_VISIBLE = 2e-4  # fraction of the picture a subject must show to count as drawn (~200 px at 1024 x 1024)
MIN_VISIBLE_PX = 3  # ... and at least this many pixels, for small canvases
SKY_BLEND = 0.12  # the blend between a two-band sky's bands, as a fraction of the sky's height


@dataclass(frozen=True)
class Poly:
    """A filled polygon: (x, y) points in relative units."""

    points: Sequence[tuple[float, float]] | np.ndarray


@dataclass(frozen=True)
class Ellipse:
    """A filled ellipse: centre in relative units, radii in units of the short side."""

    cx: float
    cy: float
    rx: float
    ry: float


@dataclass(frozen=True)
class Line:
    """A polyline: relative points, width in units of the short side."""

    points: Sequence[tuple[float, float]] | np.ndarray
    width: float


Primitive = Poly | Ellipse | Line


@dataclass
class Shape:
    """One part of one subject (see the module docstring)."""

    subject: str
    parts: list[Primitive]
    colour: tuple[float, float, float] | np.ndarray
    depth: float = 0.5
    order: float = 0.5
    thin: bool = False  # marks (rain, stars, waves) that soft styles must not blur away
    glow: bool = False  # emits light (sun, moon, lamps, fire): styles may add a halo
    water: bool = False  # a body of water (sea, lake, river): level, so a relief map draws no contours across it


@dataclass
class Stack:
    """A scene: its horizon, light source and shapes in drawing order (back to front)."""

    horizon: float
    sky_top: tuple[float, float, float] | np.ndarray = (0.4, 0.5, 0.7)
    sky_low: tuple[float, float, float] | np.ndarray = (0.8, 0.8, 0.8)
    light: tuple[float, float, float] = (0.5, 0.3, 0.0)  # x, y, radius of the main light (radius 0: none)
    shapes: list[Shape] = field(default_factory=list)
    # None: the sky is one gradient from sky_top to sky_low. A fraction of the way down to the horizon: the sky
    # is two bands (sky_top above, sky_low below, as in a sunset), meeting in a short blend at that height.
    sky_split: float | None = None
    # The region each named colour was given (scene._named_regions): (its Lab, the sky bands and shape labels).
    named_runs: list[tuple[np.ndarray, tuple[float, ...]]] = field(default_factory=list)

    def add(self, shape: Shape) -> None:
        if len(self.shapes) >= MAX_SHAPES:
            return
        self.shapes.append(shape)

    def subjects(self) -> list[str]:
        """The subjects in the stack, in drawing order, each once."""
        return list(dict.fromkeys(s.subject for s in self.shapes))

    def raster(self, width: int, height: int) -> Raster:
        """Draw every shape, back to front, into the label map (at ``SUPERSAMPLE`` x the size)."""
        sw, sh = width * SUPERSAMPLE, height * SUPERSAMPLE
        labels = Image.new("L", (sw, sh), 0)
        draw = ImageDraw.Draw(labels)
        short = min(sw, sh)
        for k, shape in enumerate(self.shapes, start=1):
            for part in shape.parts:
                if isinstance(part, Poly):
                    pts = np.asarray(part.points, dtype=np.float64) * (sw, sh)
                    draw.polygon([tuple(p) for p in pts.tolist()], fill=k)
                elif isinstance(part, Ellipse):
                    box = (
                        part.cx * sw - part.rx * short,
                        part.cy * sh - part.ry * short,
                        part.cx * sw + part.rx * short,
                        part.cy * sh + part.ry * short,
                    )
                    draw.ellipse(box, fill=k)
                else:
                    pts = np.asarray(part.points, dtype=np.float64) * (sw, sh)
                    px = max(1, int(round(part.width * short)))
                    draw.line([tuple(p) for p in pts.tolist()], fill=k, width=px, joint="curve" if px >= 6 else None)
        return Raster(self, width, height, labels)


@dataclass
class Raster:
    """A stack drawn at one size: the supersampled labels and the anti-aliased views styles read."""

    stack: Stack
    width: int
    height: int
    labels: Image.Image  # 'L', SUPERSAMPLE x the size, 0 = sky, k = stack.shapes[k - 1]

    def _lut(self, values: np.ndarray) -> list[int]:
        table = np.zeros(256, dtype=np.float64)
        table[: len(values)] = values
        return (np.clip(table, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8).tolist()

    def field(self, sky: float, per_shape: Sequence[float] | np.ndarray, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
        """A per-shape number (0..1; ``sky`` for the sky) as an anti-aliased float32 map at the canvas size
        (or of its pixels ``box`` = (x0, y0, x1, y1) only)."""
        lut = self._lut(np.concatenate([[sky], np.asarray(per_shape, dtype=np.float64)]))
        labels = self.labels if box is None else self.labels.crop(tuple(v * SUPERSAMPLE for v in box))
        return np.asarray(labels.point(lut).reduce(SUPERSAMPLE), dtype=np.float32) / 255.0

    def coverage(self, keep: Sequence[bool] | np.ndarray, sky: bool = False) -> np.ndarray:
        """How much of each pixel the shapes with ``keep`` true (and the sky, if ``sky``) cover, 0..1."""
        return self.field(float(sky), np.asarray(keep, dtype=np.float64))

    def paint(self, colours: np.ndarray | None = None, sky: np.ndarray | None = None) -> np.ndarray:
        """The scene in flat colour (float32 RGB at the canvas size), anti-aliased.

        ``colours`` (one RGB per shape) defaults to the shapes' own; the sky is ``sky`` (an RGB, or an
        (h, w, 3) image such as a gradient) or, by default, the stack's vertical gradient.
        """
        cols = np.asarray([s.colour for s in self.stack.shapes] if colours is None else colours, dtype=np.float64)
        table = np.zeros((256, 3))
        table[1 : 1 + len(cols)] = cols
        pal = (np.clip(table, 0, 1) * 255 + 0.5).astype(np.uint8)
        image = self.labels.copy()
        image.putpalette(pal.ravel().tolist())
        flat = np.asarray(image.convert("RGB").reduce(SUPERSAMPLE), dtype=np.float32)
        flat *= np.float32(1 / 255.0)
        sky_cov = self.coverage(np.zeros(len(cols)), sky=True)[..., None]
        if sky is None:
            sky = self.sky_gradient()
        flat += sky_cov * np.asarray(sky, dtype=np.float32)
        return flat

    def sky_gradient(self) -> np.ndarray:
        """The sky: top colour to horizon colour, down to the horizon (float32 RGB at the canvas size)."""
        y = (np.arange(self.height, dtype=np.float32) + 0.5) / self.height
        t = np.clip(y / max(self.stack.horizon, 0.05), 0.0, 1.0)[:, None, None]
        if self.stack.sky_split is None:
            t = t**1.4
        else:
            t = np.clip((t - self.stack.sky_split) / SKY_BLEND + 0.5, 0.0, 1.0)
            t = t * t * (3 - 2 * t)
        top, low = (np.asarray(c, dtype=np.float32) for c in (self.stack.sky_top, self.stack.sky_low))
        return np.broadcast_to((top * (1 - t) + low * t).astype(np.float32), (self.height, self.width, 3))

    def edges(self) -> np.ndarray:
        """Outlines between shapes (and between shapes and sky): 0..1 float32 at the canvas size."""
        lab = np.asarray(self.labels)
        change = np.zeros(lab.shape, dtype=np.uint8)
        change[:, 1:] |= lab[:, 1:] != lab[:, :-1]
        change[1:, :] |= lab[1:, :] != lab[:-1, :]
        edge = Image.fromarray(change * 255).reduce(SUPERSAMPLE)
        return np.minimum(np.asarray(edge, dtype=np.float32) / 255.0 * 2.0, 1.0)

    def label_index(self) -> np.ndarray:
        """The label of each pixel at the canvas size (nearest sample; 0 = sky), for per-region styles."""
        return np.asarray(self.labels.resize((self.width, self.height), Image.Resampling.NEAREST))

    def visible(self) -> dict[str, float]:
        """Subject -> fraction of the picture it shows (only subjects that show at least ``MIN_VISIBLE``)."""
        counts = np.asarray(self.labels.histogram(), dtype=np.float64)
        total = float(counts.sum())
        shown: dict[str, float] = {}
        for k, shape in enumerate(self.stack.shapes, start=1):
            shown[shape.subject] = shown.get(shape.subject, 0.0) + counts[k] / total
        least = max(MIN_VISIBLE, MIN_VISIBLE_PX * SUPERSAMPLE**2 / total)
        return {name: frac for name, frac in shown.items() if frac >= least}
