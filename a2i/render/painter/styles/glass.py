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
    grid = np.stack(np.meshgrid((np.arange(ww) + 0.5) / ww * (w / unit), (np.arange(wh) + 0.5) / wh * (h / unit)), -1).reshape(-1, 2)
    from scipy.spatial import cKDTree  # here, not at import: `a2i --help` must not wait for scipy

    dist, idx = cKDTree(seeds).query(grid, k=2)
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


STYLE = StyleSpec(
    name="glass",
    draw=draw,
    motion=Motion(shimmer=0.3, speed=0.2, front=1.5),
    summary="stained glass: the scene's subjects as panes of glass in dark leading",
)
