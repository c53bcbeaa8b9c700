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

from a2i.render.painter.styles.base import Layers, Motion, Painting, StyleSpec, mix, soften, stamp


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
    # The divided colours of every dab at once (the same roundings as ``rgba``, done on arrays: 13 000 dabs at
    # 1024 px cost 40 ms one by one).
    colours = local.astype(np.float64)
    colours[kinds < 0.18] = colours[kinds < 0.18] * 0.8 + 0.2
    darker = (kinds >= 0.18) & (kinds < 0.32)
    colours[darker] *= 0.84
    for i in np.flatnonzero((kinds >= 0.32) & (kinds < 0.4)):
        colours[i] = _shift_hue(colours[i], 25.0 if kinds[i] < 0.36 else -25.0)
    fills = np.rint(np.clip(colours, 0.0, 1.0) * 255).astype(int).tolist()
    radii = step * (0.45 + 0.25 * near) * (0.85 + 0.3 * kinds) * p.mood.mark_scale
    marks = [("dot", (float(xs[i]), float(ys[i]), float(radii[i])), (*fills[i], 255)) for i in order.tolist()]
    # Small dabs along every outline, so each subject's shape is built from dabs, not lost between them.
    edges = p.raster.edges()
    ey, ex = np.nonzero(edges[:: max(1, h // 160), :: max(1, w // 160)] > 0.4)
    pick = p.rng.permutation(len(ex))[: int(2500 * (0.6 + 0.4 * p.mood.density))]
    y0s, x0s = np.minimum(h - 1, ey[pick] * max(1, h // 160)), np.minimum(w - 1, ex[pick] * max(1, w // 160))
    edge_fills = np.rint(np.clip(flat[y0s, x0s].astype(np.float64), 0.0, 1.0) * 255).astype(int).tolist()
    marks += [("dot", ((x0 + 0.5) / w, (y0 + 0.5) / h, step * 0.3), (*fill, 255))
              for x0, y0, fill in zip(x0s.tolist(), y0s.tolist(), edge_fills)]
    ground = mix(flat, 1.0, 0.45)
    dabs = stamp(p.canvas, marks, background=ground)[..., :3]
    # Seurat's irradiation: round the thin marks (birds, rain, waves) and the small subjects (boats, figures), which
    # are smaller than a few dabs, the dabs give way to the plain colour of what they are drawn over, and the marks
    # and subjects are laid on whole, so a pale bird is not lost among light gaps nor a dark boat among dark dabs.
    shapes = p.scene.stack.shapes
    counts = np.asarray(p.raster.labels.reduce(4).histogram(), dtype=np.float64)  # areas: a coarse count is enough
    share = counts[1 : len(shapes) + 1] / counts.sum()
    size = {name: float(share[[s.subject == name for s in shapes]].sum()) for name in {s.subject for s in shapes}}
    small = [not s.glow and (s.thin or size[s.subject] < SMALL) for s in shapes]
    marked = p.raster.coverage(small)
    halo = np.clip(soften(marked, HALO * p.canvas.short) * 4.0, 0.0, 1.0)
    kept = np.maximum(p.thin(), marked)
    # The halo's plain colour (90 %), then the marks laid on (85 %): one mix, 1 - (1 - 0.9 halo)(1 - 0.85 kept).
    halo *= -0.9
    halo += 1.0
    kept *= -0.85
    kept += 1.0
    halo *= kept
    return p.finish(mix(dabs, flat, 1.0 - halo))


HALO = 0.006  # short sides: the plain ring round a thin mark (~2 px on a 320 px thumbnail, 6 px at 1024 px)
SMALL = 0.02  # fraction of the picture: a subject smaller than this (a boat, a figure) is laid on whole, not dabbed


STYLE = StyleSpec(
    name="pointillism",
    draw=draw,
    motion=Motion(shimmer=0.35, speed=0.6, front=2.0),
    summary="pointillism: the scene built from divided dabs of colour",
)
