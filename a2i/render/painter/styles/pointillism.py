"""Pointillism (after Seurat and Signac): the scene built from dabs of colour on a light ground.

Dabs sit on a grid (finer for denser, more energetic music; more regular for danceable music, looser for
acoustic) and take the colour of the scene under them, split as the divisionists did: most dabs the local
colour, some lighter, some darker, a few its neighbour on the colour circle, so the subjects' shapes are
built from the dabs themselves. Dabs are larger in the foreground. In a video the dabs appear subject by
subject.
"""

from __future__ import annotations

import colorsys

import numpy as np

from a2i.render.painter.styles.base import Layers, Motion, Painting, StyleSpec, mix, rgba, stamp


def _shift_hue(rgb: np.ndarray, degrees: float) -> np.ndarray:
    hue, lightness, saturation = colorsys.rgb_to_hls(*np.clip(rgb, 0, 1))
    return np.array(colorsys.hls_to_rgb((hue + degrees / 360.0) % 1.0, lightness, saturation))


def draw(p: Painting) -> Layers:
    w, h = p.canvas.width, p.canvas.height
    flat = p.flat()
    depth = p.depth()
    step = 0.016 - 0.006 * p.mood.density  # short sides between dabs
    cols, rows = int(np.ceil(w / min(w, h) / step)), int(np.ceil(h / min(w, h) / step))
    jitter = 0.5 * (1 - 0.6 * p.mood.motif) + 0.2 * p.mood.organic
    gx, gy = np.meshgrid((np.arange(cols) + 0.5) / cols, (np.arange(rows) + 0.5) / rows)
    xs = (gx + p.rng.uniform(-jitter, jitter, gx.shape) / cols).ravel()
    ys = (gy + p.rng.uniform(-jitter, jitter, gy.shape) / rows).ravel()
    order = p.rng.permutation(len(xs))
    kinds = p.rng.random(len(xs))
    px = np.clip((xs * w).astype(int), 0, w - 1)
    py = np.clip((ys * h).astype(int), 0, h - 1)
    local = flat[py, px]
    near = depth[py, px]
    marks = []
    for i in order:
        colour = local[i]
        if kinds[i] < 0.18:
            colour = colour * 0.8 + 0.2
        elif kinds[i] < 0.32:
            colour = colour * 0.84
        elif kinds[i] < 0.4:
            colour = _shift_hue(colour, 25.0 if kinds[i] < 0.36 else -25.0)
        radius = step * (0.45 + 0.25 * near[i]) * (0.85 + 0.3 * kinds[i]) * p.mood.mark_scale
        marks.append(("dot", (float(xs[i]), float(ys[i]), float(radius)), rgba(colour, 1.0)))
    # Small dabs along every outline, so each subject's shape is built from dabs, not lost between them.
    edges = p.raster.edges()
    ey, ex = np.nonzero(edges[:: max(1, h // 160), :: max(1, w // 160)] > 0.4)
    pick = p.rng.permutation(len(ex))[: int(2500 * (0.6 + 0.4 * p.mood.density))]
    for i in pick:
        y0, x0 = min(h - 1, ey[i] * max(1, h // 160)), min(w - 1, ex[i] * max(1, w // 160))
        marks.append(("dot", ((x0 + 0.5) / w, (y0 + 0.5) / h, step * 0.3), rgba(flat[y0, x0], 1.0)))
    ground = mix(flat, 1.0, 0.45)
    dabs = stamp(p.canvas, marks, background=ground)[..., :3]
    return p.finish(mix(dabs, flat, p.thin() * 0.85))


STYLE = StyleSpec(
    name="pointillism",
    draw=draw,
    motion=Motion(shimmer=0.35, speed=0.6, front=2.0),
    summary="pointillism: the scene built from divided dabs of colour",
)
