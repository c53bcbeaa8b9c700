"""Topographic contours: a seeded relief drawn as evenly spaced level lines over hypsometric tints.

Tempo sets how many levels there are (lines closer together for faster music); energy the relief's
roughness and the lines' contrast; every fifth line is an index contour, drawn heavier, as on survey maps.
Mountains in the prompt raise the peaks. In a video the lines rise level by level and a brightness wave runs
outward through them.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from a2i.render.painter.palette import Mood
from a2i.render.painter.styles.base import Canvas, Layers, Motion, StyleSpec, resize, value_noise

RELIEF_SIDE = 96  # px: the relief is smooth, so it is built this small and upscaled


def draw(canvas: Canvas, mood: Mood, colours: np.ndarray, rng: np.random.Generator, motifs: frozenset[str]) -> Layers:
    w, h = canvas.width, canvas.height
    rw, rh = (RELIEF_SIDE, max(8, round(RELIEF_SIDE * h / w))) if w >= h else (max(8, round(RELIEF_SIDE * w / h)), RELIEF_SIDE)
    relief = value_noise(rng, 3, rw, rh) + (0.25 + 0.5 * mood.energy) * value_noise(rng, 7, rw, rh)
    x = (np.arange(rw) + 0.5) / rw
    y = (np.arange(rh) + 0.5) / rh
    peaks = 1 + int(rng.integers(0, 3)) + (2 if "mountains" in motifs else 0)
    for _ in range(peaks):
        px, py, r = rng.uniform(0.15, 0.85), rng.uniform(0.15, 0.85), rng.uniform(0.08, 0.25)
        relief += rng.uniform(0.8, 1.8) * np.exp(-((x[None, :] - px) ** 2 + (y[:, None] - py) ** 2) / (2 * r * r))
    relief = (relief - relief.min()) / max(float(np.ptp(relief)), 1e-6)
    levels = 8 + 16 * mood.rhythm
    # Tints: the relief's height through the palette, at ground size.
    gw, gh = canvas.ground_size
    height = resize(relief.astype(np.float32), gw, gh)
    ramp = colours[[5, 1, 0, 2, 3]]
    pos = np.clip(height, 0, 1) * (len(ramp) - 1)
    lo = np.floor(pos).astype(int).clip(0, len(ramp) - 2)
    frac = (pos - lo)[..., None]
    terraces = np.round(frac * 3) / 3 * 0.35 + frac * 0.65  # a hint of stepped tints between lines
    ground = (ramp[lo] * (1 - terraces) + ramp[lo + 1] * terraces).astype(np.float32)
    # Lines: distance to the nearest level, in pixels, from the upscaled relief and its gradient.
    full = resize(relief.astype(np.float32), w, h) * levels
    gy, gx = np.gradient(full)
    slope = np.maximum(np.hypot(gx, gy), 1e-4)
    frac_full = full - np.round(full)
    dist_px = np.abs(frac_full) / slope
    index = (np.round(full).astype(int) % 5) == 0
    half = (0.0008 + 0.0012 * mood.energy) * canvas.short * np.where(index, 2.2, 1.0) + 0.35
    line = np.clip(half + 0.5 - dist_px, 0.0, 1.0)
    ink = colours[5] * 0.5 if mood.lightness > 0.35 else colours[0] * 0.5 + 0.5
    rgba = np.empty((h, w, 4), np.uint8)
    rgba[..., :3] = (np.clip(ink, 0, 1) * 255).astype(np.uint8)
    rgba[..., 3] = (line * (0.55 + 0.4 * mood.energy) * 255).astype(np.uint8)
    layers = Layers(ground=ground, detail=Image.fromarray(rgba, "RGBA"))
    if canvas.motion:
        layers.order = np.clip(full / levels, 0, 1).astype(np.float32)
        layers.phase = (np.round(full) / levels % 1.0).astype(np.float32)
    return layers


STYLE = StyleSpec(
    name="contours",
    phrases=("a topographic map", "a contour-line engraving", "a cartographic print"),
    keywords=("topograph", "contour", "map", "cartograph", "terrain", "relief", "engraving", "isoline"),
    draw=draw,
    motion=Motion(shimmer=0.45, speed=0.35, growth=0.1),
    summary="topographic contours with index lines over hypsometric tints",
)
