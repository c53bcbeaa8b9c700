"""The procedural painter: abstract pictures from a mood profile, on CPU, with no weights.

Mapping (after Palmer, Schloss, Xu & Prado-Leon, "Music-color associations are mediated by emotion",
PNAS 2013: faster, major, happier music goes with lighter, more saturated, yellower colours; slower, minor,
sadder music with darker, desaturated, bluer ones):

=================  =================================================================================
valence            lightness (HLS 0.2 .. 0.8) and hue: sad is blue (225 deg), happy is yellow-orange
                   (45 deg); with energy, sad-and-intense turns crimson (350 deg, anger) and
                   happy-and-calm a soft yellow (60 deg, serenity); hues in between are blended on
                   the colour circle
mode               minor keys shift the hue 12 deg toward blue
energy             saturation (0.16 .. 0.9), contrast, the number of flow-field strokes, and their
                   sharpness (calm: wide, blurred strokes; intense: thin, crisp ones); the palette spreads
                   from analogous hues to complementary accents
tempo              rhythm of the structure: the spatial frequency of the flow field and of the banding in
                   the background (one band per beat across the canvas)
danceability       a regular rhythmic motif (rows of pulsing dots) on top of the free strokes
acousticness       texture: organic paper grain and irregular, tapering strokes (acoustic) versus fine
                   digital grain and straight-edged geometry (electronic)
clip features      onset rate and spectral flux add strokes; spectral centroid lightens the accents
seed               composition: shape placement, flow-field phases, stroke starts
=================  =================================================================================

The last step grades the whole picture to the mood's target mean lightness and saturation, so the colour
reading of the music survives whatever the layers did: two songs of different valence always differ in
mean lightness in the right direction, and likewise energy and saturation.

Layers: a banded two-colour gradient with a radial glow, colour-field bands (calm music), soft blurred shapes, the flow-field strokes, the
rhythmic motif, and grain. Smooth layers are painted at a quarter of the size and upscaled, which keeps a
1024 x 1024 picture well under half a second.

Examples
--------
>>> from a2i.mood import Profile
>>> image = paint(Profile(valence=0.8, energy=0.7), size=256, seed=3)
>>> image.size, image.mode
((256, 256), 'RGB')
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from a2i.errors import ConfigError
from a2i.features import SignalFeatures
from a2i.mood import Profile

MAX_SIDE = 4096


@dataclass(frozen=True)
class Style:
    """The visual parameters derived from a profile (everything the layers need)."""

    hue: float  # degrees
    lightness: float  # target mean HLS lightness
    saturation: float  # target mean HSV saturation
    contrast: float
    hue_spread: float  # degrees between palette hues
    strokes: int  # strokes per megapixel
    stroke_blur: float  # fraction of the short side
    stroke_width: float  # fraction of the short side
    field_frequency: float  # flow-field waves across the canvas
    bands: float  # background bands across the canvas
    motif: float  # 0..1 strength of the rhythmic dot motif
    organic: float  # 0 electronic .. 1 acoustic
    accent_lift: float  # extra lightness for accents from spectral brightness


def _clip01(x: float) -> float:
    return float(min(1.0, max(0.0, x)))


# Hue (degrees) at the corners of the valence x energy square: (v, e) -> hue.
_CORNER_HUES = {(0, 0): 225.0, (0, 1): 350.0, (1, 0): 60.0, (1, 1): 40.0}


def _mood_hue(v: float, e: float) -> float:
    """Bilinear blend of the corner hues as unit vectors, so the blend takes the short way round the circle.

    Valence enters through a smoothstep so sad music stays blue and happy music yellow, with the turn in
    between rather than a muddy mixture across the whole range.
    """
    v = float(np.clip((v - 0.2) / 0.6, 0.0, 1.0))
    v = v * v * (3.0 - 2.0 * v)
    x = y = 0.0
    for (cv, ce), hue in _CORNER_HUES.items():
        weight = (v if cv else 1 - v) * (e if ce else 1 - e)
        x += weight * np.cos(np.radians(hue))
        y += weight * np.sin(np.radians(hue))
    return float(np.degrees(np.arctan2(y, x)) % 360.0)


def style_for(profile: Profile, features: SignalFeatures | None = None) -> Style:
    """Translate a profile into painting parameters (the mapping table in the module docstring)."""
    v, e = _clip01(profile.valence), _clip01(profile.energy)
    hue = _mood_hue(v, e) + (12.0 if int(profile.mode) == 0 else 0.0) * np.sign(225.0 - _mood_hue(v, e))
    features = features if features is not None else profile.features
    activity = 0.0
    accent = 0.0
    if features is not None:
        activity = _clip01((features.onset_rate - 2.0) / 6.0) * 0.5 + _clip01((features.flux - 0.6) / 1.2) * 0.5
        accent = 0.12 * _clip01((np.log10(max(features.centroid, 1.0)) - 2.9) / 0.7)
    tempo = float(np.clip(profile.tempo if profile.tempo > 0 else 120.0, 40.0, 220.0))
    return Style(
        hue=hue % 360.0,
        lightness=0.2 + 0.6 * v,
        saturation=0.16 + 0.74 * e,
        contrast=0.17 + 0.15 * e,
        hue_spread=18.0 + 120.0 * e**1.5,
        strokes=int(50 + 2500 * e**1.5 + 800 * activity * e),
        stroke_blur=0.012 * (1.0 - e) ** 2,
        stroke_width=0.002 + 0.02 * (1.0 - e) ** 2,
        field_frequency=0.45 + 1.6 * (tempo - 40.0) / 180.0,
        bands=max(1.0, tempo / 60.0 * 2.0),
        motif=_clip01((profile.danceability - 0.55) / 0.35),
        organic=_clip01(profile.acousticness),
        accent_lift=accent,
    )


def _palette(style: Style, rng: np.random.Generator) -> np.ndarray:
    """Five RGB colours around the base hue: two ground tones, three accents."""
    colours = []
    offsets = (0.0, -0.25, 0.5, 1.0, -0.75)
    for i, k in enumerate(offsets):
        hue = (style.hue + k * style.hue_spread + rng.normal(0, 4.0)) % 360.0
        light = style.lightness + (-style.contrast if i % 2 else style.contrast) * (0.5 + 0.5 * (i > 0))
        if i >= 2:
            light += style.accent_lift
        sat = min(1.0, style.saturation * (1.0 + 0.15 * (i >= 2)))
        colours.append(colorsys.hls_to_rgb(hue / 360.0, _clip01(light), sat))
    return np.array(colours, dtype=np.float32)


def _background(w: int, h: int, style: Style, palette: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Diagonal gradient between the ground tones, banded by tempo, with a soft radial glow."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    x /= max(w - 1, 1)
    y /= max(h - 1, 1)
    angle = rng.uniform(0, np.pi)
    t = 0.5 + 0.5 * ((x - 0.5) * np.cos(angle) + (y - 0.5) * np.sin(angle)) * 1.4
    t += 0.06 * np.sin(2 * np.pi * style.bands * t + rng.uniform(0, 2 * np.pi))
    t = np.clip(t, 0.0, 1.0)[..., None]
    img = palette[0] * (1 - t) + palette[1] * t
    cx, cy = rng.uniform(0.25, 0.75, size=2)
    glow = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 0.08)[..., None]
    return img * (1 - 0.45 * glow) + palette[2] * 0.45 * glow


def _soft_shapes(img: Image.Image, style: Style, palette: np.ndarray, rng: np.random.Generator) -> Image.Image:
    w, h = img.size
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(int(4 + 6 * rng.random())):
        r = rng.uniform(0.1, 0.3 + 0.15 * (1.0 - style.saturation)) * min(w, h)
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        colour = palette[int(rng.integers(1, len(palette)))]
        alpha = int(255 * rng.uniform(0.25, 0.55))
        draw.ellipse((cx - r, cy - r * rng.uniform(0.6, 1.0), cx + r, cy + r), fill=(*(colour * 255).astype(int), alpha))
    layer = layer.filter(ImageFilter.GaussianBlur(min(w, h) * 0.06))
    return Image.alpha_composite(img.convert("RGBA"), layer).convert("RGB")


def _colour_fields(img: Image.Image, style: Style, palette: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """Stacked soft-edged bands of colour (after Rothko's colour fields): the calm picture's architecture.

    Their opacity falls as energy rises, so quiet music is built from a few large, still forms and loud
    music from many strokes.
    """
    calm = 1.0 - min(1.0, style.saturation / 0.7)
    if calm <= 0.05:
        return img
    w, h = img.size
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    n = int(rng.integers(2, 4))
    bounds = np.linspace(0.06, 0.94, n + 1)
    bounds[1:-1] += rng.uniform(-0.06, 0.06, n - 1)  # uneven bands, never overlapping
    for i in range(n):
        colour = palette[(2, 1, 4)[i]]  # light, dark, light: the bands read as forms
        top, bottom = bounds[i] * h + 0.02 * h, bounds[i + 1] * h - 0.02 * h
        inset = rng.uniform(0.05, 0.12) * w
        draw.rounded_rectangle((inset, top, w - inset, bottom), radius=0.04 * min(w, h),
                               fill=(*(colour * 255).astype(int), int(255 * 0.7 * calm)))
    layer = layer.filter(ImageFilter.GaussianBlur(min(w, h) * 0.03))
    return Image.alpha_composite(img.convert("RGBA"), layer).convert("RGB")


def _flow_angles(px: np.ndarray, py: np.ndarray, waves: np.ndarray) -> np.ndarray:
    """Direction of the flow field at normalised points: a sum of seeded plane waves."""
    angle = np.zeros_like(px)
    for fx, fy, phase, amp in waves:
        angle += amp * np.sin(2 * np.pi * (fx * px + fy * py) + phase)
    return angle * np.pi


def _strokes(img: Image.Image, style: Style, palette: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """Particles traced through the flow field and drawn as polylines."""
    w, h = img.size
    short = min(w, h)
    count = int(style.strokes * (w * h) / 1_000_000.0)
    count = max(count, 40)
    steps = int(18 + 22 * (1.0 - style.saturation))  # calm music: fewer, longer, gentler lines
    waves = np.stack([
        rng.normal(0, style.field_frequency, 4), rng.normal(0, style.field_frequency, 4),
        rng.uniform(0, 2 * np.pi, 4), np.array([0.6, 0.35, 0.2, 0.1]),
    ], axis=1)
    px, py = rng.uniform(-0.05, 1.05, count), rng.uniform(-0.05, 1.05, count)
    step = (0.006 + 0.01 * rng.random(count)) * (1.0 + 0.5 * (1.0 - style.organic))
    path_x, path_y = [px], [py]
    for _ in range(steps):
        a = _flow_angles(px, py, waves)
        px = px + step * np.cos(a)
        py = py + step * np.sin(a) * (w / h)
        path_x.append(px)
        path_y.append(py)
    xs, ys = np.stack(path_x, 1) * w, np.stack(path_y, 1) * h
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    choice = rng.integers(2, len(palette), count) if rng.random() < 0.5 else rng.integers(0, len(palette), count)
    widths = np.maximum(1, (style.stroke_width * short * rng.uniform(0.5, 1.6, count))).astype(int)
    jitter = rng.normal(0, 0.06, (count, 3))
    alphas = (255 * rng.uniform(0.3, 0.85, count) * (0.6 + 0.4 * style.saturation)).astype(int)
    lengths = rng.integers(steps // 2, steps + 1, count) if style.organic > 0.5 else np.full(count, steps + 1)
    for i in range(count):
        colour = tuple(int(c) for c in np.clip((palette[choice[i]] + jitter[i]) * 255, 0, 255))
        points = list(zip(xs[i, : lengths[i]].tolist(), ys[i, : lengths[i]].tolist()))
        # Rounded joints only where they show: PIL draws them in Python, and thin lines don't need them.
        draw.line(points, fill=(*colour, int(alphas[i])), width=int(widths[i]), joint="curve" if widths[i] >= 10 else None)
    if style.stroke_blur > 0.0005:
        layer = layer.filter(ImageFilter.GaussianBlur(style.stroke_blur * short))
    return Image.alpha_composite(img.convert("RGBA"), layer).convert("RGB")


def _motif(img: Image.Image, style: Style, palette: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """Rows of dots whose size pulses like a beat: the picture's groove, as strong as the song's danceability."""
    if style.motif <= 0.0:
        return img
    w, h = img.size
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    spacing = min(w, h) / (4.0 + 1.5 * style.bands)
    colour = (palette[3] * 255).astype(int)
    offset = rng.uniform(0, spacing)
    for row, y in enumerate(np.arange(offset, h, spacing)):
        for col, x in enumerate(np.arange(offset + (row % 2) * spacing / 2, w, spacing)):
            pulse = 0.5 + 0.5 * np.cos(2 * np.pi * col / 4.0)
            r = spacing * (0.06 + 0.12 * pulse)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(*colour, int(110 * style.motif)))
    return Image.alpha_composite(img.convert("RGBA"), layer).convert("RGB")


def _grade(arr: np.ndarray, style: Style) -> np.ndarray:
    """Pull the mean HLS lightness and HSV saturation onto the mood's targets.

    The saturation gain and lightness shift are solved on a thumbnail (a few fixed-point steps, since
    clipping couples them) and applied once to the full picture.
    """
    small = arr[:: max(1, arr.shape[0] // 96), :: max(1, arr.shape[1] // 96)]
    gain, shift = 1.0, 0.0
    for _ in range(4):
        graded = _apply_grade(small, gain, shift)
        mx, mn = graded.max(axis=2), graded.min(axis=2)
        lightness = float(((mx + mn) / 2).mean())
        sat = float(np.where(mx > 1e-4, (mx - mn) / np.maximum(mx, 1e-4), 0.0).mean())
        gain *= float(np.clip(style.saturation / max(sat, 1e-3), 0.2, 5.0))
        shift += style.lightness - lightness
    return _apply_grade(arr, gain, shift)


def _apply_grade(arr: np.ndarray, gain: float, shift: float) -> np.ndarray:
    grey = arr.mean(axis=2, keepdims=True)
    return np.clip(grey + (arr - grey) * gain + shift, 0.0, 1.0)


def paint(profile: Profile, *, size: int | tuple[int, int] = 1024, seed: int = 0,
          features: SignalFeatures | None = None) -> Image.Image:
    """Paint an abstract picture of a profile's mood.

    Parameters
    ----------
    profile : Profile
        The song or clip mood; ``profile.features`` (or ``features``) adds clip-level detail.
    size : int or (int, int)
        Side in pixels, or (width, height); from 16 up to 4096.
    seed : int
        Composition seed; the same profile, size and seed always give the same picture.
    features : SignalFeatures, optional
        Overrides ``profile.features``.

    Returns
    -------
    PIL.Image.Image
        RGB.
    """
    sides = (size, size) if isinstance(size, (int, np.integer)) else tuple(size) if isinstance(size, (tuple, list)) else ()
    if len(sides) != 2 or not all(isinstance(s, (int, np.integer)) and 16 <= s <= MAX_SIDE for s in sides):
        raise ConfigError(f"size must be between 16 and {MAX_SIDE} pixels per side (an int or (width, height)), got {size!r}")
    w, h = int(sides[0]), int(sides[1])
    style = style_for(profile, features)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, 0xA21]))
    palette = _palette(style, rng)

    # 1. Smooth layers at a quarter of the size, then upscaled.
    lw, lh = max(16, w // 4), max(16, h // 4)
    low = Image.fromarray((np.clip(_background(lw, lh, style, palette, rng), 0, 1) * 255).astype(np.uint8))
    low = _colour_fields(low, style, palette, rng)
    low = _soft_shapes(low, style, palette, rng)
    img = low.resize((w, h), Image.Resampling.BICUBIC)

    # 2. Detail at full size: strokes through the flow field, the rhythmic motif.
    img = _strokes(img, style, palette, rng)
    img = _motif(img, style, palette, rng)

    # 3. Grade to the mood's lightness/saturation, then grain (paper-like for acoustic, fine for electronic).
    arr = _grade(np.asarray(img, dtype=np.float32) / 255.0, style)
    grain_amp = 0.008 + 0.01 * style.organic
    grain = rng.standard_normal((h, w), dtype=np.float32) * grain_amp
    if style.organic > 0.5:
        coarse = rng.standard_normal((h // 4 + 1, w // 4 + 1), dtype=np.float32)
        grain += np.kron(coarse, np.ones((4, 4), dtype=np.float32))[:h, :w] * grain_amp * 0.6
    arr = np.clip(arr + grain[..., None], 0.0, 1.0)
    return Image.fromarray((arr * 255.0 + 0.5).astype(np.uint8), "RGB")
