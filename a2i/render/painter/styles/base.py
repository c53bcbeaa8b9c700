"""The one interface every painter style implements, and the drawing helpers they share.

A style is a :class:`StyleSpec`: a name, the art words that select it from a prompt, its cheap motion, and
``draw(canvas, mood, colours, rng, motifs) -> Layers``. A style draws in relative units only (fractions of
the canvas, counts that do not depend on pixels), and takes every random number from ``rng`` in the same
order at every size, so one seed gives one composition at 64 px and at 4096 px.

:class:`Layers` is what a keyframe is made of: a smooth ``ground`` (small, upscaled when composited), a
``detail`` layer (RGBA at the canvas size), and, for videos only (``canvas.motion``), two maps the motion
module animates: ``order`` (when each detail pixel appears while the keyframe grows in, 0 first .. 1 last)
and ``phase`` (a per-pixel phase for the continuous shimmer, e.g. the position along a stroke).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

from a2i.render.painter.palette import Mood

GROUND_SCALE = 4  # the ground is smooth, so a quarter of the size is enough (and 16x cheaper)
MIN_GROUND = 16  # px: the smallest ground side, so tiny pictures keep their gradient


@dataclass(frozen=True)
class Canvas:
    """Where a style draws: the detail layer's size and whether the motion maps are wanted."""

    width: int
    height: int
    motion: bool = False

    @property
    def short(self) -> int:
        return min(self.width, self.height)

    @property
    def ground_size(self) -> tuple[int, int]:
        return max(MIN_GROUND, self.width // GROUND_SCALE), max(MIN_GROUND, self.height // GROUND_SCALE)

    def grid(self, width: int | None = None, height: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Normalised pixel-centre coordinates (x, y) in 0..1, float32, of a raster (default: the canvas)."""
        w, h = width or self.width, height or self.height
        x = (np.arange(w, dtype=np.float32) + 0.5) / w
        y = (np.arange(h, dtype=np.float32) + 0.5) / h
        return x[None, :].repeat(h, 0), y[:, None].repeat(w, 1)


@dataclass
class Layers:
    """A keyframe's layers (see the module docstring)."""

    ground: np.ndarray  # float32 (gh, gw, 3), 0..1
    detail: Image.Image | None = None  # RGBA, canvas size
    order: np.ndarray | None = None  # float32 (h, w), 0..1, only with canvas.motion
    phase: np.ndarray | None = None  # float32 (h, w), 0..1, only with canvas.motion

    def at(self, width: int, height: int) -> Layers:
        """The detail layer and maps at another size (a style may draw soft detail smaller, to save time)."""
        if self.detail is None or self.detail.size == (width, height):
            return self
        order = resize(self.order, width, height) if self.order is not None else None
        phase = None
        if self.phase is not None:  # nearest: interpolating a phase across its wrap would invent values
            phase = np.asarray(Image.fromarray(self.phase, "F").resize((width, height), Image.Resampling.NEAREST))
        return Layers(self.ground, self.detail.resize((width, height), Image.Resampling.BILINEAR), order, phase)


@dataclass(frozen=True)
class Motion:
    """How a style moves between keyframes, in units of the canvas and of seconds.

    ``shimmer``: depth of the travelling brightness wave over the detail layer (0..1); ``speed``: cycles of
    that wave per second; ``growth``: softness of the growth front (fraction of the order range drawn at once).
    """

    shimmer: float = 0.35
    speed: float = 0.25
    growth: float = 0.15


@dataclass(frozen=True)
class StyleSpec:
    """One painter style behind the common interface."""

    name: str
    phrases: tuple[str, ...]  # art-style phrases the prompt writer uses for this style ("a watercolour")
    keywords: tuple[str, ...]  # words that pick this style out of free text (lower case, stems allowed)
    draw: Callable[[Canvas, Mood, np.ndarray, np.random.Generator, frozenset[str]], Layers]
    motion: Motion = field(default_factory=Motion)
    summary: str = ""  # one line for the README's style sheet


def rgba(colour: np.ndarray, alpha: float = 1.0) -> tuple[int, int, int, int]:
    """A PIL fill from a float RGB colour and an opacity."""
    r, g, b = (int(round(float(c) * 255)) for c in np.clip(colour, 0.0, 1.0))
    return r, g, b, int(round(255 * min(1.0, max(0.0, alpha))))


def value_noise(rng: np.random.Generator, cells: int, width: int, height: int) -> np.ndarray:
    """Smooth noise in about -1..1 (float32, height x width): a ``cells`` x ``cells`` random grid upsampled.

    The grid is drawn from ``rng`` before the size matters, so the noise is the same picture at every size.
    """
    grid = rng.standard_normal((cells + 3, cells + 3)).astype(np.float32)
    image = Image.fromarray(grid, "F").resize((width, height), Image.Resampling.BICUBIC, box=(1.0, 1.0, cells + 2.0, cells + 2.0))
    return np.asarray(image, dtype=np.float32)


def resize(array: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bicubic resize of a float32 (h, w) or (h, w, c) array (channel by channel in PIL's 'F' mode)."""
    if array.shape[:2] == (height, width):
        return array
    if array.ndim == 2:
        return np.asarray(Image.fromarray(array.astype(np.float32), "F").resize((width, height), Image.Resampling.BICUBIC))
    return np.stack([resize(array[..., c], width, height) for c in range(array.shape[2])], axis=-1)


def gradient_ground(canvas: Canvas, colours: np.ndarray, rng: np.random.Generator, *, glow: float = 0.45,
                    bands: float = 0.0) -> np.ndarray:
    """A diagonal gradient between the ground tones (optionally banded) with a soft radial glow."""
    gw, gh = canvas.ground_size
    x, y = canvas.grid(gw, gh)
    angle = rng.uniform(0, np.pi)
    t = 0.5 + 0.5 * ((x - 0.5) * np.cos(angle) + (y - 0.5) * np.sin(angle)) * 1.4
    phase = rng.uniform(0, 2 * np.pi)
    if bands > 0:
        t = t + 0.06 * np.sin(2 * np.pi * bands * t + phase)
    t = np.clip(t, 0.0, 1.0)[..., None]
    img = colours[0] * (1 - t) + colours[1] * t
    cx, cy = rng.uniform(0.25, 0.75, size=2)
    g = (glow * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 0.08))[..., None]
    return (img * (1 - g) + colours[2] * g).astype(np.float32)


class Pen:
    """Draws shapes into the detail layer and, for videos, the same shapes into the order and phase maps.

    Each shape carries its own ``order`` (when it grows in) and ``phase`` (its shimmer phase); lines may
    also grow along their length (``along=True``: order and phase rise from the first point to the last).
    """

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.image = Image.new("RGBA", (canvas.width, canvas.height), (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.image)
        self.maps: tuple[ImageDraw.ImageDraw, ImageDraw.ImageDraw] | None = None
        if canvas.motion:
            self._order = Image.new("L", self.image.size, 255)
            self._phase = Image.new("L", self.image.size, 0)
            self.maps = (ImageDraw.Draw(self._order), ImageDraw.Draw(self._phase))

    def px(self, points: np.ndarray) -> list[tuple[float, float]]:
        """Relative (x, y) points -> pixel tuples."""
        pts = np.asarray(points, dtype=np.float64) * (self.canvas.width, self.canvas.height)
        return [tuple(p) for p in pts.tolist()]

    def polygon(self, points: np.ndarray, fill: tuple[int, int, int, int], order: float, phase: float = 0.0) -> None:
        pts = self.px(points)
        self.draw.polygon(pts, fill=fill)
        if self.maps:
            self.maps[0].polygon(pts, fill=_order_byte(order))
            self.maps[1].polygon(pts, fill=_phase_byte(phase))

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, fill: tuple[int, int, int, int], order: float,
                phase: float = 0.0, outline: tuple[int, int, int, int] | None = None, width: float = 0.0) -> None:
        """An ellipse by centre and radii, all relative (radii as fractions of the short side)."""
        w, h, s = self.canvas.width, self.canvas.height, self.canvas.short
        box = (cx * w - rx * s, cy * h - ry * s, cx * w + rx * s, cy * h + ry * s)
        line = max(1, int(round(width * s))) if outline else 0
        self.draw.ellipse(box, fill=fill, outline=outline, width=line)
        if self.maps:
            self.maps[0].ellipse(box, fill=_order_byte(order))
            self.maps[1].ellipse(box, fill=_phase_byte(phase))

    def line(self, points: np.ndarray, fill: tuple[int, int, int, int], width: float, order: float, phase: float = 0.0,
             *, along: float = 0.0, chunks: int = 6) -> None:
        """A polyline of relative points, ``width`` a fraction of the short side.

        ``along`` (0..1): how much of the order range the line takes to grow from its first point to its last.
        """
        pts = self.px(points)
        px_width = max(1, int(round(width * self.canvas.short)))
        # Rounded joints only where they show: PIL draws them in Python, and thin lines don't need them.
        self.draw.line(pts, fill=fill, width=px_width, joint="curve" if px_width >= 10 else None)
        if self.maps:
            n = len(pts)
            bounds = np.linspace(0, n - 1, min(chunks, n - 1) + 1).round().astype(int)
            for k, (i, j) in enumerate(zip(bounds[:-1], bounds[1:])):
                f = k / max(1, len(bounds) - 2)
                self.maps[0].line(pts[i : j + 1], fill=_order_byte(order + along * f), width=px_width)
                self.maps[1].line(pts[i : j + 1], fill=_phase_byte(phase + f), width=px_width)

    def layers(self, ground: np.ndarray, detail: Image.Image | None = None) -> Layers:
        """The finished layers (``detail`` replaces the drawn image, e.g. after a blur)."""
        layers = Layers(ground=ground, detail=detail if detail is not None else self.image)
        if self.maps:
            layers.order = np.asarray(self._order, dtype=np.float32) / 255.0
            layers.phase = np.asarray(self._phase, dtype=np.float32) / 255.0
        return layers


def _order_byte(value: float) -> int:
    return int(round(255 * min(1.0, max(0.0, value))))


def _phase_byte(value: float) -> int:
    return int(round(255 * (value % 1.0)))


def relative_points(points: Sequence[tuple[float, float]]) -> np.ndarray:
    """A list of (x, y) pairs as a float array, for readability at call sites."""
    return np.asarray(points, dtype=np.float64)
