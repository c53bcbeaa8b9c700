"""Pointillism (after Seurat and Signac): a picture built of separate dots of pure colour.

Underneath is a soft composition of a sky-like gradient and a few large forms (a sun or moon when the prompt
has one); the dots sample it and, as the divisionists did, mix in complementary accents that the eye blends.
Energy sets the number of dots and how far their colours stray; tempo the rows the dots are laid in;
acousticness makes dots irregular. In a video the dots appear row by row and twinkle.
"""

from __future__ import annotations

import numpy as np

from a2i.render.painter.palette import Mood
from a2i.render.painter.styles.base import Canvas, Layers, Motion, Pen, StyleSpec, gradient_ground, rgba, value_noise

DOTS = (1400, 4200)  # dot count from calm to intense: a full cover at any size, as the radius is relative


def draw(canvas: Canvas, mood: Mood, colours: np.ndarray, rng: np.random.Generator, motifs: frozenset[str]) -> Layers:
    ground = gradient_ground(canvas, colours, rng, glow=0.6)
    gw, gh = canvas.ground_size
    forms = value_noise(rng, 3, gw, gh)
    ground = ground * (1.0 + 0.25 * forms[..., None])
    if motifs & {"night", "sun"} or rng.random() < 0.5:
        x, y = canvas.grid(gw, gh)
        sx, sy = rng.uniform(0.25, 0.75), rng.uniform(0.2, 0.45)
        disc = np.clip((0.13 - np.hypot((x - sx) * gw / min(gw, gh), (y - sy) * gh / min(gw, gh))) * 40, 0, 1)[..., None]
        ground = ground * (1 - disc) + (colours[0] * 0.5 + 0.5) * disc
    ground = np.clip(ground, 0, 1).astype(np.float32)
    count = int(DOTS[0] + (DOTS[1] - DOTS[0]) * mood.density)
    radius = (0.011 - 0.004 * mood.density) * np.sqrt(DOTS[1] / count)
    rows = 1.0 - mood.organic  # electronic: dots snap to rows; acoustic: scattered
    px, py = rng.random(count), rng.random(count)
    lines = 30 + 40 * mood.rhythm
    py = py * (1 - rows) + rows * (np.round(py * lines) / lines)
    pick = rng.random(count)
    accents = colours[rng.integers(2, 5, count)]
    jitter = rng.normal(0, 0.05 + 0.08 * mood.energy, (count, 3))
    sizes = radius * rng.uniform(0.7, 1.3, count)
    squash = 1.0 - 0.3 * mood.organic * rng.random(count)
    phases = rng.random(count)
    gx = np.clip((px * gw).astype(int), 0, gw - 1)
    gy = np.clip((py * gh).astype(int), 0, gh - 1)
    base = ground[gy, gx]
    mix = np.where((pick < 0.25 + 0.2 * mood.energy)[:, None], accents, base) + jitter
    pen = Pen(canvas)
    for i in np.argsort(py, kind="stable"):
        pen.ellipse(px[i], py[i], sizes[i], sizes[i] * squash[i], rgba(mix[i], 0.95), order=0.9 * py[i] + 0.1 * phases[i], phase=phases[i])
    return pen.layers(ground)


STYLE = StyleSpec(
    name="pointillism",
    phrases=("a pointillist painting", "a divisionist canvas", "a dotted risograph print"),
    keywords=("pointill", "divisionis", "seurat", "signac", "dots", "dotted", "risograph", "halftone"),
    draw=draw,
    motion=Motion(shimmer=0.35, speed=0.6, growth=0.1),
    summary="pointillism: dots of pure colour over a soft composition",
)
