"""Watercolour: the scene in transparent washes on cold-pressed paper.

Each subject is a wash of its colour, thinned toward the paper; the pigment pools and darkens along the wash's
edges as it dries (the "edge darkening" of Curtis et al., "Computer-generated watercolor", SIGGRAPH 1997), it
granulates in the paper's tooth (more for acoustic music) and wet washes bleed softly into their neighbours
(wider for calm music, crisper for energetic). A few blooms (back-runs) mottle the larger washes. Thin marks
(rain, stars, rigging) are put in last with a fine brush. In a video the washes bloom subject by subject.
"""

from __future__ import annotations

import numpy as np

from a2i.render.painter.styles.base import Layers, Motion, Painting, StyleSpec, mix, soften

TRANSPARENCY = 0.14  # how far every wash is thinned toward the paper's white
WASH_STROKES = (4, 30)  # the flat brush's strokes: cells across x down (wide horizontal bands)
STROKE_SWING = 0.045  # lightness swing between wetter and drier strokes of one wash


def draw(p: Painting) -> Layers:
    short = p.canvas.short
    flat = p.flat()
    paper = np.float32(0.97)
    # 1. Wet-in-wet: the washes bleed into each other (calm music bleeds further), their borders wander.
    bleed = soften(flat, (0.003 + 0.02 * (1 - p.mood.hardness)) * short)  # dark timbres bleed further
    wander = np.clip(0.5 + 0.9 * p.noise(20), 0, 1)
    wash = mix(flat, bleed, (0.35 + 0.4 * wander) * (1.2 - 0.5 * p.mood.hardness))
    # 2. Layered glazes: each wash is uneven, darker where pigment settled in two or three passes.
    passes = np.floor(np.clip(1.5 + 1.6 * p.noise(6), 0, 2.99)) / 3.0
    wash = wash * (0.92 + 0.1 * passes)[..., None]
    wash = mix(wash, paper, TRANSPARENCY + 0.1 * (1 - passes))
    # 3. Edge darkening: pigment carried to the wash's edge as it dries.
    rim = np.clip(soften(p.raster.edges(), 0.0025 * p.mood.mark_scale * short) * 3.0, 0, 1)
    wash = wash * (1 - 0.4 * rim * wander)[..., None]
    # 4. Granulation in the paper's tooth, and blooms (back-runs) across the larger washes.
    tooth = np.clip(p.noise(160) * 0.7 + p.noise(45) * 0.5, 0, 2)
    darkness = 1 - wash.mean(axis=2)
    wash = wash * (1 - (0.07 + 0.1 * p.mood.organic) * tooth * darkness)[..., None]
    blooms = np.clip(p.noise(7) * 1.5 - 0.8, 0, 1)
    ring = np.clip(soften(blooms, 0.002 * short) - blooms * 0.85, 0, 1)
    wash = wash * (1 - 0.3 * ring + 0.06 * blooms)[..., None]
    # 5. The wash was laid in overlapping horizontal strokes of a wide flat brush, each a little wetter or drier.
    wash = wash * (1 + (STROKE_SWING + 0.03 * p.mood.organic) * p.noise(WASH_STROKES))[..., None]
    # 6. Fine-brush marks over the washes.
    return p.finish(mix(wash, flat * 0.92, p.thin() * 0.9))


STYLE = StyleSpec(
    name="watercolour",
    draw=draw,
    motion=Motion(shimmer=0.15, speed=0.1, front=3.0),
    summary="watercolour: transparent washes with pooled dark edges, granulation and blooms on paper",
)
