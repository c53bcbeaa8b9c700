"""Topographic contours: the scene as a relief map, level lines over hypsometric tints.

The relief is the scene's own depth (near subjects stand higher, mountains rise above the plain) plus a
seeded terrain; its level lines are drawn evenly spaced (closer together for faster music) with every fifth
an index contour, heavier, as on survey maps, and every subject's outline traced as a coastline. Tints come
from the subjects' own colours, stepped like a printed map. Water is level, so no level lines cross it (its tint
paler, as a map's water). In a video a light travels through the levels.
"""

from __future__ import annotations

import numpy as np

from a2i.render.painter.styles.base import Layers, Motion, Painting, StyleSpec, mix, soften

WATER_PALE = 0.5  # share of the light colour in water's tint (0.2 and 0.35 left a river in rain or a boat on a dark
# sea under legibility.MIN_CONTRAST: contours 95.3 % and 97.2 % of the benchmark's subjects legible, 0.5: 99.1 %)


def draw(p: Painting) -> Layers:
    w, h = p.canvas.width, p.canvas.height
    short = min(w, h)
    depth = p.depth()
    shapes = p.scene.stack.shapes
    relief = soften(depth, 0.02 * short) * 0.8 + 0.12 * p.noise(4) + 0.05 * (0.5 + p.mood.energy) * p.noise(11)
    levels = 10 + 16 * p.mood.rhythm
    full = relief * levels
    gy, gx = np.gradient(full)
    slope = np.maximum(np.hypot(gx, gy), 1e-4)
    dist_px = np.abs(full - np.round(full)) / slope
    index = (np.round(full).astype(int) % 5) == 0
    half = (0.0006 + 0.0008 * p.mood.energy) * p.mood.mark_scale * short * np.where(index, 2.2, 1.0) + 0.35
    # Water is level: no contours cross it (as on a survey map), so a river or a lake reads as water, not as more
    # land. (Fainter lines over the sky were tried: the hills' ridges read better, but a street filling the picture
    # fell under legibility.MIN_CONTRAST against its sky, 4.9 at 0.6 and 0.8 of the land's strength.)
    line = np.clip(half + 0.5 - dist_px, 0.0, 1.0) * p.per_shape(1.0, [0.0 if s.water or s.thin else 1.0 for s in shapes])
    coast = np.clip(soften(p.raster.edges(), 0.0012 * p.mood.mark_scale * short) * 2.5, 0.0, 1.0)
    # Tints: the scene's colours, paled like map tints and stepped with the levels.
    tint = p.flat() * 0.82 + 0.18
    steps = (np.round(full) / levels)[..., None]
    tint = tint * (0.92 + 0.16 * steps)
    # Water, level and uncontoured, is tinted paler like a map's water (WATER_PALE toward the light), so it reads
    # as water, not as a gap in the land's lines.
    water = p.per_shape(0.0, [float(s.water) for s in shapes])[..., None]
    tint = mix(tint, np.asarray(p.roles.light, dtype=np.float32), water * WATER_PALE)
    ink = p.roles.dark * 0.55 if p.mood.lightness > 0.35 else p.roles.light * 0.8
    rgb = mix(tint, ink, np.maximum(line * (0.5 + 0.35 * p.mood.energy), coast * 0.9))
    phase = (np.round(full) / levels % 1.0) if p.canvas.motion else None
    return p.finish(rgb, phase=phase)


STYLE = StyleSpec(
    name="contours",
    draw=draw,
    motion=Motion(shimmer=0.45, speed=0.35, front=1.5),
    summary="a relief map of the scene: level lines, index contours and traced outlines over map tints",
)
