"""Stained glass: Voronoi cells of coloured glass held in dark leading, lit from behind.

Energy sets how many cells there are (fewer, larger panes for calm music) and their colour contrast; tempo
packs a rose window's rings tighter; acousticness makes panes uneven in tone. Each pane glows brighter at its
centre. In a video the panes light up one by one and glints run across them.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from a2i.render.painter.palette import Mood
from a2i.render.painter.styles.base import Canvas, Layers, Motion, StyleSpec, resize

WORK_SIDE = 384  # px: the cells are found at this resolution, the leading is then drawn smooth at full size


def _seeds(mood: Mood, rng: np.random.Generator, aspect: float) -> np.ndarray:
    """Cell centres (x, y in units of the short side): a rose window of rings, plus free panes."""
    n = int(40 + 190 * mood.density)
    cx, cy = rng.uniform(0.35, 0.65) * max(aspect, 1.0), rng.uniform(0.35, 0.65) / min(aspect, 1.0)
    rings = 2 + int(round(3 * mood.rhythm))
    pts = [[cx, cy]]
    for k in range(1, rings + 1):
        r = 0.38 * k / rings
        m = 6 * k
        a = np.linspace(0, 2 * np.pi, m, endpoint=False) + rng.uniform(0, np.pi)
        pts += list(np.stack([cx + r * np.cos(a), cy + r * np.sin(a)], 1))
    free = np.stack([rng.uniform(0, max(aspect, 1.0), n), rng.uniform(0, 1.0 / min(aspect, 1.0), n)], 1)
    pts = np.concatenate([np.array(pts), free])
    return pts + rng.normal(0, 0.006 + 0.012 * mood.organic, pts.shape)


def draw(canvas: Canvas, mood: Mood, colours: np.ndarray, rng: np.random.Generator, motifs: frozenset[str]) -> Layers:
    w, h = canvas.width, canvas.height
    aspect = w / h
    seeds = _seeds(mood, rng, aspect)
    n = len(seeds)
    cell_colour = colours[rng.choice([0, 2, 3, 4, 2, 3], n)] * rng.uniform(0.75, 1.2, (n, 1)) ** (1 + mood.organic)
    cell_order = np.clip(0.6 * np.hypot(*(seeds - seeds[0]).T) + 0.4 * rng.random(n), 0, 1)
    cell_phase = rng.random(n)
    # Nearest and second-nearest seed on a small grid (in short-side units): the panes' colours are found
    # there and upscaled; only the leading is drawn at full size, from the upscaled distance gap.
    scale = WORK_SIDE / max(w, h)
    ww, wh = max(16, int(round(w * scale))), max(16, int(round(h * scale)))
    unit = min(w, h)
    x = (np.arange(ww) + 0.5) / ww * (w / unit)
    y = (np.arange(wh) + 0.5) / wh * (h / unit)
    grid = np.stack(np.meshgrid(x, y), -1).reshape(-1, 2)
    from scipy.spatial import cKDTree  # here, not at import: `a2i --help` must not wait for scipy

    dist, idx = cKDTree(seeds).query(grid, k=2)
    label = idx[:, 0].reshape(wh, ww)
    glow = np.clip(1.25 - 3.0 * dist[:, 0].reshape(wh, ww), 0.55, 1.25)[..., None]
    glass = Image.fromarray((np.clip(cell_colour[label] * glow, 0, 1) * 255).astype(np.uint8), "RGB")
    glass = glass.resize((w, h), Image.Resampling.NEAREST)
    gap = resize((dist[:, 1] - dist[:, 0]).reshape(wh, ww).astype(np.float32), w, h)
    lead_width = 0.004 + 0.004 * (1 - mood.energy)  # short-side units
    lead = np.clip((gap - lead_width) * (unit / 1.5), 0.0, 1.0)  # 1.5 px of anti-aliasing
    leading = colours[5] * 0.35
    mask = Image.fromarray((lead * 255).astype(np.uint8), "L")
    detail = Image.composite(glass, Image.new("RGB", (w, h), tuple(int(c * 255) for c in leading)), mask).convert("RGBA")
    layers = Layers(ground=np.broadcast_to(leading, (*canvas.ground_size[::-1], 3)).astype(np.float32).copy(), detail=detail)
    if canvas.motion:
        full_label = np.asarray(Image.fromarray(label.astype(np.int32), "I").resize((w, h), Image.Resampling.NEAREST))
        layers.order = cell_order[full_label].astype(np.float32)
        layers.phase = cell_phase[full_label].astype(np.float32)
    return layers


STYLE = StyleSpec(
    name="glass",
    phrases=("a stained-glass window", "a mosaic", "a cathedral rose window"),
    keywords=("stained", "glass", "mosaic", "tiffany", "rose window", "cathedral", "tesser"),
    draw=draw,
    motion=Motion(shimmer=0.3, speed=0.2, growth=0.15),
    summary="stained glass: Voronoi panes in dark leading around a rose window",
)
