"""The one interface every painter style implements, and the drawing helpers they share.

A style is a :class:`StyleSpec`: a name (its art words, which select it from a prompt, live in
:data:`a2i.vocabulary.STYLE_WORDS`), its cheap motion, and
``draw(painting) -> Layers``. A :class:`Painting` hands it the composed scene (:mod:`a2i.render.painter.scene`:
the stack of subject shapes, rasterised at the canvas size with anti-aliased views of colour, depth, drawing
order, outlines and light) and the mood; the style renders that one scene in its own idiom. A style draws in
relative units only (fractions of the canvas, counts that do not depend on pixels), and takes every random
number from ``rng`` in the same order at every size, so one seed gives one composition at 64 px and at 4096 px.

:class:`Layers` is what a keyframe is made of: a smooth ``ground`` (small, upscaled when composited), a
``detail`` layer (RGBA at the canvas size), and, for videos only (``canvas.motion``), the map the motion
module animates: ``phase`` (a per-pixel phase for the continuous shimmer, e.g. the position along a stroke).
When each pixel turns in a video comes from the scene (:meth:`Painting.drawing_order`), not from a style.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw
from threadpoolctl import ThreadpoolController

from a2i.render.gaussian import gaussian_filter  # scipy.ndimage's, in numpy: importing scipy cost generate 0.16 s
from a2i.render.painter.palette import Mood
from a2i.vocabulary import STYLE_WORDS

if TYPE_CHECKING:  # the scene imports the style vocabulary, which imports the styles
    from a2i.render.painter.scene import Scene
    from a2i.render.painter.scene.builder import Roles
    from a2i.render.painter.scene.stack import Raster

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
    phase: np.ndarray | None = None  # float32 (h, w), 0..1, only with canvas.motion

    def composite(self, width: int, height: int) -> Image.Image:
        """The layers as one RGB picture of the given size, before grading (an opaque detail layer hides the
        ground: most styles' stills)."""
        if self.detail is not None and self.detail.size == (width, height) and self.detail.getextrema()[3][0] == 255:
            return self.detail.convert("RGB")
        ground = Image.fromarray((np.clip(self.ground, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8), "RGB")
        image = ground.resize((width, height), Image.Resampling.BICUBIC)
        if self.detail is None:
            return image
        detail = self.detail if self.detail.size == (width, height) else self.detail.resize((width, height), Image.Resampling.BILINEAR)
        return Image.alpha_composite(image.convert("RGBA"), detail).convert("RGB")

    def at(self, width: int, height: int) -> Layers:
        """The detail layer and maps at another size (a style may draw soft detail smaller, to save time)."""
        if self.detail is None or self.detail.size == (width, height):
            return self
        phase = None
        if self.phase is not None:  # nearest: interpolating a phase across its wrap would invent values
            phase = np.asarray(Image.fromarray(self.phase, "F").resize((width, height), Image.Resampling.NEAREST))
        return Layers(self.ground, self.detail.resize((width, height), Image.Resampling.BILINEAR), phase)


@dataclass(frozen=True)
class Motion:
    """How a style moves between keyframes, in units of the canvas and of seconds.

    ``shimmer``: depth of the travelling brightness wave over the detail layer (0..1); ``speed``: cycles of
    that wave per second; ``front``: width in pixels of the video frame of the anti-aliased edge along which the
    next keyframe is painted over this one (about 1.5 is a crisp edge; wash styles soften it a little).
    """

    shimmer: float = 0.35
    speed: float = 0.25
    front: float = 1.5


@dataclass(frozen=True)
class StyleSpec:
    """One painter style behind the common interface."""

    name: str  # a key of :data:`a2i.vocabulary.STYLE_WORDS`, where the style's phrases and keywords live
    draw: Callable[[Painting], Layers]
    motion: Motion = field(default_factory=Motion)
    summary: str = ""  # one line for the README's style sheet

    @property
    def phrases(self) -> tuple[str, ...]:
        """Art-style phrases the prompt writer names this style with ("a watercolour")."""
        return STYLE_WORDS[self.name].phrases

    @property
    def keywords(self) -> tuple[str, ...]:
        """Words that pick this style out of free text (lower case, stems allowed)."""
        return STYLE_WORDS[self.name].keywords


def rgba(colour: np.ndarray, alpha: float = 1.0) -> tuple[int, int, int, int]:
    """A PIL fill from a float RGB colour and an opacity."""
    r, g, b = (int(round(float(c) * 255)) for c in np.clip(colour, 0.0, 1.0))
    return r, g, b, int(round(255 * min(1.0, max(0.0, alpha))))


def value_noise(rng: np.random.Generator, cells: int | tuple[int, int], width: int, height: int) -> np.ndarray:
    """Smooth noise in about -1..1 (float32, height x width): a ``cells`` x ``cells`` random grid upsampled.

    ``cells`` may be ``(across, down)``: fewer cells across than down gives horizontal streaks (brush marks).
    The grid is drawn from ``rng`` before the size matters, so the noise is the same picture at every size.
    """
    cx, cy = (cells, cells) if isinstance(cells, int) else cells
    grid = rng.standard_normal((cy + 3, cx + 3)).astype(np.float32)
    # PIL's bicubic resize of the grid (box from cell 1 to cell n + 2) is separable and linear, so it is two
    # small matrix products with its weights (the resize of an identity): 10x cheaper than resizing at 1024 px.
    with _BLAS.limit(limits=1, user_api="blas"):  # tiny products: a second BLAS thread only spins
        return _cubic_weights(cy, height).T @ (grid @ _cubic_weights(cx, width))


_BLAS = ThreadpoolController()


@lru_cache(maxsize=128)
def _cubic_weights(cells: int, size: int) -> np.ndarray:
    """(cells + 3, size): row i is grid node i's weight at each output pixel in PIL's bicubic resize."""
    eye = np.eye(cells + 3, dtype=np.float32)
    image = Image.fromarray(eye, "F").resize((size, cells + 3), Image.Resampling.BICUBIC, box=(1.0, 0.0, cells + 2.0, cells + 3.0))
    weights = np.array(image, dtype=np.float32)
    weights.setflags(write=False)
    return weights


def resize(array: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bicubic resize of a float32 (h, w) or (h, w, c) array (channel by channel in PIL's 'F' mode)."""
    if array.shape[:2] == (height, width):
        return array
    if array.ndim == 2:
        return np.asarray(Image.fromarray(array.astype(np.float32), "F").resize((width, height), Image.Resampling.BICUBIC))
    return np.stack([resize(array[..., c], width, height) for c in range(array.shape[2])], axis=-1)


def soften(array: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian blur of ``sigma`` pixels of a float32 (h, w) or (h, w, c) map, done small and upscaled.

    The map is box-reduced so the blur is at most ``SOFT_SIGMA_PX`` pixels wide at the reduced size, blurred
    there (PIL, in C) and resized back bicubically: a wide blur at 1024 px costs about as much as at 256 px.
    A colour image (h, w, 3; 0..1) blurred wide is reduced and enlarged as one 8-bit RGB picture (a third of
    the cost of three float planes; the picture is written in 8 bits anyway).
    """
    if sigma <= 0.3:
        return array
    h, w = array.shape[:2]
    factor = max(1, int(sigma / SOFT_SIGMA_PX))
    sw, sh = max(4, w // factor), max(4, h // factor)
    if factor > 1 and array.ndim == 3 and array.shape[2] == 3:
        rgb = Image.fromarray((np.clip(array, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8), "RGB")
        small = np.asarray(rgb.resize((sw, sh), Image.Resampling.BOX), dtype=np.float32)
        small = np.stack([gaussian_filter(np.ascontiguousarray(small[..., c]), sigma * sw / w, truncate=3.0) for c in range(3)], axis=-1)
        big = Image.fromarray((np.clip(small, 0.0, 255.0) + 0.5).astype(np.uint8), "RGB").resize((w, h), Image.Resampling.BICUBIC)
        return np.asarray(big, dtype=np.float32) * np.float32(1 / 255.0)
    channels = array[..., None] if array.ndim == 2 else array
    out = []
    for c in range(channels.shape[2]):
        plane = np.ascontiguousarray(channels[..., c], dtype=np.float32)
        if factor > 1:
            plane = np.asarray(Image.fromarray(plane, "F").resize((sw, sh), Image.Resampling.BOX))
        plane = gaussian_filter(plane, sigma * sw / w, truncate=3.0)
        if factor > 1:
            plane = np.asarray(Image.fromarray(plane, "F").resize((w, h), Image.Resampling.BICUBIC))
        out.append(plane)
    result = np.stack(out, axis=-1)
    return result[..., 0] if array.ndim == 2 else result


SOFT_SIGMA_PX = 1.5  # px: the widest blur done at full resolution by soften (wider ones are done smaller)


@dataclass
class Painting:
    """What a style paints from: the canvas, the mood, the composed scene and its raster, a random stream."""

    canvas: Canvas
    mood: Mood
    scene: Scene
    raster: Raster
    rng: np.random.Generator
    _flat: np.ndarray | None = None

    @property
    def roles(self) -> Roles:
        return self.scene.roles

    def flat(self) -> np.ndarray:
        """The scene in flat colour (anti-aliased; the sky a gradient), float32 RGB. Computed once."""
        if self._flat is None:
            self._flat = self.raster.paint().astype(np.float32)
        return self._flat

    def per_shape(self, sky: float, values: np.ndarray | list[float]) -> np.ndarray:
        return self.raster.field(sky, values)

    def depth(self) -> np.ndarray:
        """0 for the sky and far subjects .. 1 for the nearest, per pixel."""
        return self.raster.field(0.0, [s.depth for s in self.scene.stack.shapes])

    def drawing_order(self) -> np.ndarray:
        """When each pixel appears as a video grows the picture (0 first .. 1 last): in the scene's drawing order.

        The sky comes first, then every shape in the order it was drawn, each taking a share of the time equal
        to its share of the picture (so the picture changes at an even pace), and within its share wiping
        across itself: the sky from the top down, everything else rising from its base. In full precision (a
        small subject keeps its own short rise), and each pixel is the latest shape among its supersamples (a
        later shape's times all follow an earlier one's): a pixel on an outline belongs to the later of its
        subjects, never to a time between theirs.
        """
        share = np.asarray(self.raster.labels.histogram(), dtype=np.float64)
        share /= max(share.sum(), 1.0)
        start = np.concatenate([[0.0], np.cumsum(share)[:-1]])
        h = self.canvas.height
        labels = np.asarray(self.raster.labels)
        k = labels.shape[0] // h
        latest = labels[::k, ::k].copy()  # the largest label among each pixel's k x k samples (strided views:
        for dy in range(k):  # 10x quicker than a max over a reshaped 4-d array)
            for dx in range(k):
                np.maximum(latest, labels[dy::k, dx::k], out=latest)
        y = ((np.arange(h, dtype=np.float32) + 0.5) / h)[:, None]
        within = np.where(latest == 0, y, 1 - y)
        return np.clip(start.astype(np.float32)[latest] + share.astype(np.float32)[latest] * within, 0.0, 1.0)

    def glow(self, reach: float = 0.06) -> np.ndarray:
        """A soft halo (0..1) around the shapes that emit light and the main light, ``reach`` short sides wide.

        Smooth, so it is computed at the ground's size and upscaled.
        """
        shapes = self.scene.stack.shapes
        gw, gh = self.canvas.ground_size
        lit = self.raster.coverage([s.glow for s in shapes])
        small = np.asarray(Image.fromarray(lit, "F").resize((gw, gh), Image.Resampling.BOX))
        halo = gaussian_filter(small, reach * min(gw, gh), truncate=3.0) * 2.5
        x, y = self.canvas.grid(gw, gh)
        lx, ly, r = self.scene.stack.light
        if r > 0:
            aspect = self.canvas.width / self.canvas.height
            d2 = ((x - lx) * aspect) ** 2 + (y - ly) ** 2 if aspect >= 1 else (x - lx) ** 2 + ((y - ly) / aspect) ** 2
            halo = halo + 0.7 * np.exp(-d2 / (2 * (2.5 * r) ** 2))
        return resize(np.clip(halo, 0.0, 1.0).astype(np.float32), self.canvas.width, self.canvas.height)

    def smooth(self, values: np.ndarray) -> np.ndarray:
        """A smooth map computed at the ground's size (e.g. from ``canvas.grid(*canvas.ground_size)``), upscaled."""
        return resize(np.asarray(values, dtype=np.float32), self.canvas.width, self.canvas.height)

    def thin(self) -> np.ndarray:
        """Coverage of the thin marks (rain, stars, waves, birds), which soft styles keep crisp."""
        return self.raster.coverage([s.thin for s in self.scene.stack.shapes])

    def noise(self, cells: int | tuple[int, int]) -> np.ndarray:
        return value_noise(self.rng, cells, self.canvas.width, self.canvas.height)

    def finish(self, rgb: np.ndarray, phase: np.ndarray | None = None) -> Layers:
        """The picture as a keyframe's layers: an opaque detail layer over a small ground of the same picture;
        for videos, the shimmer's phase."""
        rgb = np.clip(np.asarray(rgb, dtype=np.float32) * 255.0 + 0.5, 0.0, 255.0)
        image = Image.fromarray(rgb.astype(np.uint8), "RGB")
        gw, gh = self.canvas.ground_size
        ground = np.asarray(image.resize((gw, gh), Image.Resampling.BOX), dtype=np.float32) / 255.0
        layers = Layers(ground=ground, detail=image.convert("RGBA"))
        if self.canvas.motion:
            if phase is None:
                x, y = self.canvas.grid()
                phase = (x * 0.7 + y * 0.3 + 0.5 * self.depth()) % 1.0
            layers.phase = phase.astype(np.float32)
        return layers


def _marks_box(marks: list, canvas: Canvas) -> tuple[int, int, int, int] | None:
    """The canvas pixels (x0, y0, x1, y1) the marks can touch, when that is under half the canvas; else None."""
    if not marks:
        return None
    short = canvas.short
    xs, ys = [], []
    for kind, g, _ in marks:
        reach = (g[2] if kind == "dot" else g[4]) * short + 2
        for x, y in ((g[0], g[1]),) if kind == "dot" else ((g[0], g[1]), (g[2], g[3])):
            xs += [x * canvas.width - reach, x * canvas.width + reach]
            ys += [y * canvas.height - reach, y * canvas.height + reach]
    x0, x1 = max(0, int(np.floor(min(xs)))), min(canvas.width, int(np.ceil(max(xs))) + 1)
    y0, y1 = max(0, int(np.floor(min(ys)))), min(canvas.height, int(np.ceil(max(ys))) + 1)
    if x1 <= x0 or y1 <= y0 or (x1 - x0) * (y1 - y0) * 2 > canvas.width * canvas.height:
        return None
    return x0, y0, x1, y1


def _shifted(mark: tuple, canvas: Canvas, x0: int, y0: int, width: int, height: int) -> tuple:
    """A mark in the coordinates of the sub-canvas at (x0, y0): same pixels, radii in its short side."""
    kind, g, fill = mark
    scale = canvas.short / min(width, height)
    if kind == "dot":
        return kind, ((g[0] * canvas.width - x0) / width, (g[1] * canvas.height - y0) / height, g[2] * scale), fill
    return kind, ((g[0] * canvas.width - x0) / width, (g[1] * canvas.height - y0) / height,
                  (g[2] * canvas.width - x0) / width, (g[3] * canvas.height - y0) / height, g[4] * scale), fill


def mix(a: np.ndarray, b: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """``a`` toward ``b`` (an image or one colour) by ``t`` (a map is broadcast over colour channels), float32."""
    t = t[..., None] if isinstance(t, np.ndarray) and t.ndim == 2 else t
    out = np.subtract(np.asarray(b, dtype=np.float32), a, dtype=np.float32)
    out *= np.asarray(t, dtype=np.float32)
    out += a
    return out


def stamp(canvas: Canvas, marks: list[tuple[str, tuple[float, ...], tuple[int, int, int, int]]],
          background: np.ndarray | None = None) -> np.ndarray:
    """Draw many small marks (dabs, strokes, specks) at 2x and box-reduce them: anti-aliased float32, RGBA
    on transparency, RGB over a ``background``.

    ``marks`` are ``("dot", (x, y, r), rgba)`` (relative centre, radius in short sides) or
    ``("line", (x0, y0, x1, y1, width), rgba)``; they are drawn in order, each over the ones before, on
    ``background`` (an RGB image at the canvas size) or on transparency.
    """
    w, h = canvas.width * 2, canvas.height * 2
    short = min(w, h)
    if background is None:
        box = _marks_box(marks, canvas)
        if box is not None:  # marks in one corner of the picture (a splatter): drawn there only
            x0, y0, x1, y1 = box
            part = stamp(Canvas(x1 - x0, y1 - y0), [_shifted(m, canvas, x0, y0, x1 - x0, y1 - y0) for m in marks])
            out = np.zeros((canvas.height, canvas.width, 4), np.float32)
            out[y0:y1, x0:x1] = part
            return out
        image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    else:
        base = Image.fromarray((np.clip(background, 0, 1) * 255 + 0.5).astype(np.uint8), "RGB")
        image = base.resize((w, h), Image.Resampling.NEAREST)  # exact again after the 2x box reduction
    draw = ImageDraw.Draw(image, "RGBA")
    for kind, geometry, fill in marks:
        if kind == "dot":
            x, y, r = geometry
            draw.ellipse((x * w - r * short, y * h - r * short, x * w + r * short, y * h + r * short), fill=fill)
        else:
            x0, y0, x1, y1, width = geometry
            draw.line((x0 * w, y0 * h, x1 * w, y1 * h), fill=fill, width=max(1, int(round(width * short))))
    return np.asarray(image.reduce(2), dtype=np.float32) / 255.0
