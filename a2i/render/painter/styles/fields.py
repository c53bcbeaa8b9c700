"""Colour-field bands (after Rothko): two to four stacked, soft-edged rectangles floating on a ground.

Tempo sets how many bands stack up; energy sharpens their edges, raises the contrast between them and adds
brush streaks; acousticness roughens the edges. In a video the bands grow in from top to bottom and a slow
brightness wave breathes through them.
"""

from __future__ import annotations

import numpy as np
from PIL import ImageFilter

from a2i.render.painter.palette import Mood
from a2i.render.painter.styles.base import Canvas, Layers, Motion, Pen, StyleSpec, gradient_ground, rgba, value_noise

EDGE_POINTS = 48  # points along each ragged edge: enough for a hand-painted wobble at any size


def draw(canvas: Canvas, mood: Mood, colours: np.ndarray, rng: np.random.Generator, motifs: frozenset[str]) -> Layers:
    ground = gradient_ground(canvas, colours[[1, 5, 1]], rng, glow=0.3)
    gw, gh = canvas.ground_size
    ground *= (1.0 + 0.06 * value_noise(rng, 5, gw, gh))[..., None]
    n = 2 + int(round(2 * mood.rhythm + rng.uniform(-0.4, 0.4)))
    n = max(2, min(4, n))
    weights = rng.uniform(0.6, 1.6, n)
    margin = rng.uniform(0.05, 0.09)
    gap = 0.025 + 0.02 * rng.random()
    span = 1.0 - 2 * margin - gap * (n - 1)
    heights = weights / weights.sum() * span
    picks = rng.permutation([0, 2, 3, 4])[:n]
    inset = rng.uniform(0.06, 0.12)
    wobble = 0.003 + 0.01 * mood.organic
    pen = Pen(canvas)
    top = margin
    t = np.linspace(0, 1, EDGE_POINTS)
    for i in range(n):
        bottom = top + heights[i]
        jitter = rng.normal(0, wobble, (4, EDGE_POINTS))
        upper = np.stack([inset + t * (1 - 2 * inset), top + jitter[0]], 1)
        right = np.stack([1 - inset + jitter[1], top + t * heights[i]], 1)
        lower = np.stack([(1 - inset) - t * (1 - 2 * inset), bottom + jitter[2]], 1)
        left = np.stack([inset + jitter[3], bottom - t * heights[i]], 1)
        colour = colours[picks[i]] * rng.uniform(0.9, 1.1)
        pen.polygon(np.concatenate([upper, right, lower, left]), rgba(colour, 0.92), order=0.8 * i / n, phase=i / n)
        streaks = int(6 + 30 * mood.density)
        for _ in range(streaks):
            y = rng.uniform(top + 0.01, bottom - 0.01)
            x0 = rng.uniform(inset, 0.5)
            x1 = rng.uniform(0.5, 1 - inset)
            shade = colour * rng.uniform(0.8, 1.2)
            pen.line(np.array([[x0, y], [x1, y + rng.normal(0, 0.004)]]), rgba(shade, 0.25), rng.uniform(0.004, 0.02),
                     order=0.8 * i / n + 0.2 * rng.random(), phase=y, along=0.1, chunks=2)
        top = bottom + gap
    blur = (0.008 * (1.0 - mood.energy) + 0.002) * canvas.short  # soft edges, never a smear
    return pen.layers(ground, pen.image.filter(ImageFilter.GaussianBlur(blur)))


STYLE = StyleSpec(
    name="fields",
    phrases=("a colour-field painting", "a minimalist canvas", "an abstract colour study"),
    keywords=("rothko", "colour field", "color field", "colour-field", "color-field", "minimalis", "abstract colour", "bands of colour"),
    draw=draw,
    motion=Motion(shimmer=0.25, speed=0.08, growth=0.3),
    summary="Rothko-like colour fields: stacked, soft-edged bands",
)
