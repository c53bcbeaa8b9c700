"""A Bauhaus poster: the scene in flat primary planes, hard outlines and a geometric scaffold.

Each subject is one flat plane of its colour (no gradients: the sky is two flat bands), its outline a heavy
rule; behind the scene a few constructivist bars and a large disc behind the light mark the grid, whose
spacing follows tempo (more cells for faster music) and whose bars repeat with danceability. Energy raises
the colours' contrast. In a video the planes are laid one after another and pulse in turn.
"""

from __future__ import annotations

import numpy as np

from a2i.render.painter.styles.base import Layers, Motion, Painting, StyleSpec, mix, soften

RULE = 0.003  # short sides: the outline's half-width


def draw(p: Painting) -> Layers:
    w, h = p.canvas.width, p.canvas.height
    x, y = p.canvas.grid()
    horizon = p.scene.layout.horizon
    stack = p.scene.stack  # the sky's colours as the scene has them (named colours may split it in two bands)
    band = horizon * (0.5 if stack.sky_split is None else stack.sky_split)
    sky = np.where((y < band)[..., None], np.asarray(stack.sky_top), np.asarray(stack.sky_low)).astype(np.float32)
    # The scaffold: a disc behind the light and grid bars, painted on the sky only.
    lx, ly, r = p.scene.stack.light
    aspect = w / h
    disc = np.clip((0.2 * min(1.0, 1 / aspect) - np.hypot((x - lx) * aspect if aspect >= 1 else x - lx, y - ly)) * min(w, h) + 0.5, 0, 1)
    sky = mix(sky, p.roles.accents[0] * 0.7 + p.roles.light * 0.3, disc * 0.85)
    cells = 3 + int(round(3 * p.mood.rhythm))
    bars = np.zeros((h, w), np.float32)
    for k in range(1 + int(round(2 * p.mood.motif)) + int(p.rng.integers(0, 2))):
        pos, thick = p.rng.integers(1, cells) / cells, p.rng.uniform(0.008, 0.02)
        along = (y if k % 2 else x)
        bars = np.maximum(bars, np.clip((thick - np.abs(along - pos)) * min(w, h) + 0.5, 0, 1))
    sky = mix(sky, p.roles.dark, bars * 0.9)
    flat = p.raster.paint(sky=sky)
    # Flatten each plane's colour toward a stronger contrast (energy), then the rules.
    grey = flat.mean(axis=2, keepdims=True)
    flat = grey + (flat - grey) * (1.15 + 0.35 * p.mood.energy)
    rule = np.clip(soften(p.raster.edges(), RULE * p.mood.mark_scale * min(w, h) * 0.6) * 3.0, 0.0, 1.0)
    rgb = mix(flat, p.roles.dark * 0.5, rule * 0.95)
    paper = 1 + 0.012 * p.noise(60)
    return p.finish(rgb * paper[..., None])


STYLE = StyleSpec(
    name="bauhaus",
    draw=draw,
    motion=Motion(shimmer=0.3, speed=0.5, front=1.5),
    summary="a Bauhaus poster: the scene in flat planes, heavy rules and a geometric scaffold",
)
