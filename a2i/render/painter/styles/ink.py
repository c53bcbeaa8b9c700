"""Ink and brush (after sumi-e): the scene in washes of diluted ink on paper, outlined with a dry brush.

Each subject is a wash whose ink is thinner the further away it is (far mountains a pale grey, the near
shore and the figures nearly black), darker where the wet wash pooled at its edges; its outline is a dry-brush
stroke broken into hairs of bare paper (more broken for acoustic music), and energetic music flicks splatter
around the focal point. A red seal signs the corner. The paper takes the sky's colour, the ink the subjects'
own, so the prompt's colours hold. In a video the washes are laid in the order the scene drew them.
"""

from __future__ import annotations

import numpy as np

from a2i.render.painter.styles.base import Layers, Motion, Painting, StyleSpec, mix, rgba, soften, stamp

SEAL = np.array([0.72, 0.12, 0.1])  # vermilion seal paste (cinnabar)


def draw(p: Painting) -> Layers:
    w, h = p.canvas.width, p.canvas.height
    short = min(w, h)
    x, y = p.canvas.grid()
    flat = p.flat()
    sky = p.raster.coverage(np.zeros(len(p.scene.stack.shapes)), sky=True)
    named = bool(p.scene.reading.colours)
    paper_tone = flat if named else p.roles.light * 0.25 + 0.75  # named colours: the paper takes them
    grain = p.noise(60)  # one texture for the paper, the wash's unevenness and the brush's hairs
    paper = paper_tone * (1 + 0.014 * grain)[..., None]
    # 1. Washes: ink (the subject's colour, mostly greyed unless the prompt named it) thinned with distance,
    #    pooled darker at the wash's edges.
    depth = p.depth()
    strength = (0.45 + 0.55 * depth) * (1 - sky)
    ink = flat if named else mix(flat.mean(axis=2, keepdims=True) * np.ones(3, np.float32), flat, 0.3)
    ink = ink * ((0.85 if named else 0.55) + 0.15 * depth[..., None])  # named colours keep their own value
    edges = p.raster.edges()
    pooled = np.clip(soften(edges, 0.004 * short) * 2.2, 0, 1) * (1 - sky)
    wash = mix(paper, ink, np.clip(strength * (0.9 + 0.06 * grain), 0, 1))
    wash = wash * (1 - 0.28 * pooled)[..., None]
    # 2. Dry-brush outlines: the edge thickened, broken by horizontal hair streaks.
    rows = p.rng.random(max(8, h // 3)).astype(np.float32)
    hairs = np.repeat(rows, int(np.ceil(h / len(rows))))[:h, None] * np.ones((1, w), np.float32)
    hairs = np.clip((hairs + 0.3 * grain - 0.25 - 0.35 * p.mood.organic) * 4, 0, 1)
    brush = np.clip(soften(edges, (0.0012 + 0.0016 * (1 - p.mood.hardness)) * p.mood.mark_scale * short) * 3.0, 0, 1) * hairs
    rgb = mix(wash, p.roles.dark * 0.6, brush * 0.85)
    # 3. Splatter around the focal point, and the seal.
    fx, horizon = p.scene.layout.focal_x, p.scene.layout.horizon
    k = int(8 + 90 * p.mood.energy**2)
    marks = [("dot", (fx + p.rng.normal(0, 0.12), horizon + p.rng.normal(0, 0.12), p.rng.uniform(0.0008, 0.005)),
              rgba(p.roles.dark * 0.5, p.rng.uniform(0.5, 0.9))) for _ in range(k)]
    sx = 0.9 if fx < 0.5 else 0.06
    seal = 0.045
    marks.append(("line", (sx, 0.9, sx + seal * short / w, 0.9, seal), rgba(SEAL, 0.92)))
    over = stamp(p.canvas, marks)
    rgb = mix(rgb, over[..., :3], over[..., 3])
    return p.finish(rgb)


STYLE = StyleSpec(
    name="ink",
    draw=draw,
    motion=Motion(shimmer=0.2, speed=0.15, growth=0.12),
    summary="ink and brush: washes thinned with distance, pooled edges, dry-brush outlines, splatter, a seal",
)
