"""An oil painting (after the impressionists): the scene in short loaded brush strokes over an underpainting.

Strokes follow the forms: along each subject's outline, and in swirling currents across the open sky and
water (more turbulent for energetic music, calmer and longer for slow music; tempo sets how long they are).
Each stroke carries the colour under it, a little lighter or darker, so the subjects are modelled by the
strokes themselves; the underpainting shows through between them. In a video strokes appear subject by
subject and a sheen travels along them.
"""

from __future__ import annotations

import numpy as np

from a2i.render.painter.styles.base import Layers, Motion, Painting, StyleSpec, soften, stamp


def draw(p: Painting) -> Layers:
    w, h = p.canvas.width, p.canvas.height
    short = min(w, h)
    flat = p.flat()
    # Direction field: along the outlines (perpendicular to the depth's gradient), else swirling noise.
    depth = p.depth()
    relief = soften(depth + 0.3 * p.drawing_order(), 0.01 * short)
    swirl = p.noise(5) * (1.2 + 1.5 * p.mood.energy)
    step = 0.02 - 0.008 * p.mood.density
    n = int(1.0 / step**2 * (w / short) * (h / short) * (0.25 + 1.0 * p.mood.density))  # few strokes for calm music
    xs, ys = p.rng.random(n), p.rng.random(n)
    px, py = (xs * (w - 1)).astype(int), (ys * (h - 1)).astype(int)
    # The field is read only where strokes start: the relief's gradient there (as numpy.gradient: central
    # differences inside, one-sided at the border).
    x0, x1, y0, y1 = np.maximum(px - 1, 0), np.minimum(px + 1, w - 1), np.maximum(py - 1, 0), np.minimum(py + 1, h - 1)
    gx = (relief[py, x1] - relief[py, x0]) / (x1 - x0).astype(np.float32)
    gy = (relief[y1, px] - relief[y0, px]) / (y1 - y0).astype(np.float32)
    strength = np.clip(np.hypot(gx, gy) * short * 2.0, 0, 1)
    angle = np.where(strength > 0.3, np.arctan2(gx, -gy), swirl[py, px])
    length = step * (1.2 + 1.2 * (1 - p.mood.rhythm))
    widths = p.rng.uniform(0.006, 0.011, n) * p.mood.mark_scale  # a loaded brush's width (loudness), whatever the density
    tone = 1 + p.rng.uniform(-1, 1, n) * (0.1 + 0.24 * p.mood.energy)  # livelier, more contrasted strokes for intense music
    order = np.argsort(depth[py, px] + 0.2 * p.rng.random(n))  # far strokes first
    aspect = w / h
    a = angle + p.rng.normal(0, 0.1 + 0.4 * p.mood.energy, n)
    dx, dy = np.cos(a) * length / 2 / max(aspect, 1.0), np.sin(a) * length / 2 * min(aspect, 1.0)
    colours = np.clip(flat[py, px] * tone[:, None], 0, 1) * 255 + 0.5
    alpha = int(round(255 * (0.55 + 0.4 * p.mood.energy)))  # calm strokes thinner, never invisible
    fills = [(int(r), int(g), int(b), alpha) for r, g, b in colours[order].tolist()]
    geometry = np.stack([xs - dx, ys - dy, xs + dx, ys + dy, widths], 1)[order].tolist()
    marks = [("line", tuple(g), f) for g, f in zip(geometry, fills)]
    rgb = stamp(p.canvas, marks, background=soften(flat, 0.004 * short))[..., :3]
    rgb = rgb * (1 + 0.03 * p.noise(120))[..., None]
    rgb = rgb + (flat - rgb) * (p.thin() * 0.8)[..., None]
    return p.finish(rgb)


STYLE = StyleSpec(
    name="flow",
    draw=draw,
    motion=Motion(shimmer=0.4, speed=0.3, front=2.0),
    summary="an oil painting: short loaded strokes following the forms over an underpainting",
)
