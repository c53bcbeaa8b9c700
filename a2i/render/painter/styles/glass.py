"""Stained glass: the scene cut into panes of coloured glass, held in dark leading and lit from behind.

Every subject is its own run of panes (the leading follows its outline, so a moon is a disc of glass and a
lighthouse a tower of panes), each region cut into Voronoi panes whose size follows energy (many small panes
for intense music, a few large ones for calm); each pane varies in tone (more for acoustic music: hand-made
glass) and glows brighter at its centre. Light sources glow through. In a video the panes light up subject by
subject in the order they were drawn, and glints run across them.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from a2i.render.painter.styles.base import Layers, Motion, Painting, StyleSpec, mix, resize, soften

WORK_SIDE = 384  # px: the panes are found at this resolution; the leading is drawn smooth at full size
LEADING = 0.0035  # short sides: half-width of the leading between panes (and along subjects' outlines)


def draw(p: Painting) -> Layers:
    w, h = p.canvas.width, p.canvas.height
    unit = min(w, h)
    n = int(90 + 260 * p.mood.density)
    seeds = np.stack([p.rng.uniform(0, w / unit, n), p.rng.uniform(0, h / unit, n)], 1)
    tone = p.rng.uniform(0.82, 1.12, n) ** (1 + p.mood.organic)
    phase = p.rng.random(n)
    scale = min(1.0, WORK_SIDE / max(w, h))
    ww, wh = max(16, round(w * scale)), max(16, round(h * scale))
    dist, idx = two_nearest(seeds, (np.arange(ww) + 0.5) / ww * (w / unit), (np.arange(wh) + 0.5) / wh * (h / unit))
    label = idx[:, 0].reshape(wh, ww)
    pane_light = np.clip(1.12 - 2.2 * dist[:, 0].reshape(wh, ww), 0.8, 1.1)
    shade = resize((tone[label] * pane_light).astype(np.float32), w, h)
    # Distance to the pane's edge: to the bisector of the two nearest seeds (exact, no wedges at corners).
    apart = np.maximum(np.linalg.norm(seeds[idx[:, 1]] - seeds[idx[:, 0]], axis=1), 1e-6)
    gap = resize(((dist[:, 1] ** 2 - dist[:, 0] ** 2) / apart).reshape(wh, ww).astype(np.float32), w, h)
    # Leading: between panes, and along every subject's outline (thickened to the leading's width).
    lead_width = LEADING * p.mood.mark_scale  # heavier leading for loud music
    pane_lead = np.clip((lead_width - gap) * unit / 1.2 + 0.5, 0.0, 1.0)
    thin = p.thin()
    outline = np.clip(soften(p.raster.edges() * (1 - thin), lead_width * unit * 0.6) * 3.0, 0.0, 1.0)
    pane_lead *= 1 - thin  # thin marks (rain, stars, rigging) are painted on the glass, not leaded
    lead = np.maximum(pane_lead, outline)
    glass = p.flat() * shade[..., None]
    glass = mix(glass, p.roles.light, p.glow(0.04) * 0.3)
    leading = p.roles.dark * 0.3
    rgb = mix(glass, leading, lead)
    phase_map = None
    if p.canvas.motion:
        full = np.asarray(Image.fromarray(label.astype(np.int32), "I").resize((w, h), Image.Resampling.NEAREST))
        phase_map = phase[full]
    return p.finish(rgb, phase=phase_map)


#: Side in work pixels of the tiles :func:`two_nearest` searches one at a time (16-32 were quickest).
NEAREST_TILE = 24


def two_nearest(seeds: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distances and indices of the two nearest seeds (n x 2) to every point of the grid ``xs`` x ``ys`` (ascending
    coordinates; points in rows of ``ys``, each along ``xs``): ``scipy.spatial.cKDTree(seeds).query(points, k=2)``
    of those points, the same numbers, without importing scipy (0.2 s of CPU, every stained-glass picture's).

    The grid is searched tile by tile: the two seeds whose farthest corner of the tile is nearest bound how far
    any point of the tile looks, and only the seeds whose nearest corner lies within that bound are compared
    (distances as cKDTree computes them: ``dx * dx + dy * dy``, then the square root; equal distances in seed order).

    Examples
    --------
    >>> seeds = np.array([[0.1, 0.1], [0.9, 0.2], [0.5, 0.8]])
    >>> dist, idx = two_nearest(seeds, np.array([0.1, 0.6]), np.array([0.2]))
    >>> idx.tolist(), dist.round(3).tolist()
    ([[0, 2], [1, 0]], [[0.1, 0.721], [0.3, 0.51]])
    >>> seeds = np.random.default_rng(0).uniform(0, 1, (60, 2))
    >>> xs = ys = (np.arange(50) + 0.5) / 50
    >>> dist, idx = two_nearest(seeds, xs, ys)
    >>> points = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
    >>> every = np.sqrt(((points[:, None] - seeds[None]) ** 2).sum(-1))  # all distances, the slow way
    >>> best = np.argsort(every, axis=1, kind="stable")[:, :2]
    >>> bool(np.array_equal(idx, best)), bool(np.allclose(dist, np.take_along_axis(every, best, 1)))
    (True, True)
    """
    sx, sy = seeds[:, 0], seeds[:, 1]
    dist = np.empty((len(ys), len(xs), 2))
    idx = np.empty((len(ys), len(xs), 2), dtype=np.intp)
    for top in range(0, len(ys), NEAREST_TILE):
        ty = ys[top : top + NEAREST_TILE]
        for left in range(0, len(xs), NEAREST_TILE):
            tx = xs[left : left + NEAREST_TILE]
            # Squared distance from each seed to the tile's nearest and farthest corner (bounds for its points).
            gx = np.maximum(np.maximum(tx[0] - sx, sx - tx[-1]), 0.0)
            gy = np.maximum(np.maximum(ty[0] - sy, sy - ty[-1]), 0.0)
            fx = np.maximum(np.abs(sx - tx[0]), np.abs(sx - tx[-1]))
            fy = np.maximum(np.abs(sy - ty[0]), np.abs(sy - ty[-1]))
            reach = np.partition(fx * fx + fy * fy, 1)[1]  # every point of the tile has two seeds this close
            near = np.flatnonzero(gx * gx + gy * gy <= reach)
            dx = tx[None, :, None] - sx[near]
            dy = ty[:, None, None] - sy[near]
            squared = dx * dx + dy * dy
            order = np.argsort(squared, axis=-1, kind="stable")[..., :2]
            idx[top : top + NEAREST_TILE, left : left + NEAREST_TILE] = near[order]
            dist[top : top + NEAREST_TILE, left : left + NEAREST_TILE] = np.sqrt(np.take_along_axis(squared, order, axis=-1))
    return dist.reshape(-1, 2), idx.reshape(-1, 2)


STYLE = StyleSpec(
    name="glass",
    draw=draw,
    motion=Motion(shimmer=0.3, speed=0.2, front=1.5),
    summary="stained glass: the scene's subjects as panes of glass in dark leading",
)
