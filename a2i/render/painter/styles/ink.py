"""Ink and brush (after sumi-e and calligraphy): tapering brush strokes, washes of diluted ink, a red seal.

Energy sets how many strokes there are, how fast and jagged they turn and how much ink splatters; calm
music gets a few slow strokes, an ensō circle and wide grey washes. Mountains or a sea in the prompt add
distant ridges in diluted ink. Acousticness splits strokes into dry-brush hairs. In a video the strokes are
drawn along their length, one after another.
"""

from __future__ import annotations

import numpy as np
from PIL import ImageFilter

from a2i.render.painter.palette import Mood
from a2i.render.painter.styles.base import Canvas, Layers, Motion, Pen, StyleSpec, rgba, value_noise

SAMPLES = 60  # points along a stroke's spine


def _spine(rng: np.random.Generator, turns: float) -> np.ndarray:
    """A smooth random curve (relative points): a few control points joined by a cubic B-spline-like blend."""
    start = rng.uniform(0.2, 0.8, 2)
    heading = np.arctan2(0.5 - start[1], 0.5 - start[0]) + rng.normal(0, 0.8)  # strokes sweep across the middle
    length = rng.uniform(0.4, 0.8)
    t = np.linspace(0, 1, SAMPLES)
    curvature = rng.normal(0, turns, 4)
    angle = heading + np.polynomial.polynomial.polyval(t, [0.0, *curvature])
    step = length / SAMPLES
    pts = start + np.cumsum(np.stack([np.cos(angle), np.sin(angle)], 1) * step, axis=0)
    return pts


def _outline(spine: np.ndarray, widths: np.ndarray, aspect: float) -> np.ndarray:
    d = np.gradient(spine, axis=0)
    d[:, 0] *= aspect
    normal = np.stack([-d[:, 1], d[:, 0]], 1) / np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)[:, None]
    normal[:, 0] /= aspect
    left, right = spine + normal * widths[:, None], spine - normal * widths[:, None]
    return np.concatenate([left, right[::-1]])


def draw(canvas: Canvas, mood: Mood, colours: np.ndarray, rng: np.random.Generator, motifs: frozenset[str]) -> Layers:
    gw, gh = canvas.ground_size
    paper = colours[0] * 0.25 + 0.75
    ground = np.broadcast_to(paper, (gh, gw, 3)).astype(np.float32) * (1.0 + 0.015 * value_noise(rng, 8, gw, gh))[..., None]
    aspect = canvas.width / canvas.height
    ink = colours[5] * 0.6
    pen = Pen(canvas)
    if motifs & {"mountains", "sea"} or rng.random() < 0.6:
        for k, depth in enumerate((0.45, 0.3, 0.15)):
            base = rng.uniform(0.45, 0.7) + 0.1 * k
            x = np.linspace(-0.02, 1.02, 40)
            ridge = base - depth * 0.5 * np.abs(np.sin(x * rng.uniform(2, 5) + rng.uniform(0, 6))) - 0.05 * rng.random(40)
            poly = np.concatenate([np.stack([x, ridge], 1), [[1.02, 1.02], [-0.02, 1.02]]])
            pen.polygon(poly, rgba(ink * (1 - depth) + paper * depth, 0.25 + 0.2 * k), order=0.1 * k, phase=0.3 * k)
    if mood.energy < 0.5 and rng.random() < 0.7:
        c, r = rng.uniform(0.35, 0.65, 2), rng.uniform(0.2, 0.32)
        a = np.linspace(0, 2 * np.pi * rng.uniform(0.8, 0.95), SAMPLES) + rng.uniform(0, 2 * np.pi)
        spine = np.stack([c[0] + r * np.cos(a) / aspect, c[1] + r * np.sin(a)], 1)
        widths = 0.035 * (0.4 + 0.6 * np.sin(np.linspace(0.2, np.pi - 0.2, SAMPLES)))
        pen.polygon(_outline(spine, widths, aspect), rgba(ink, 0.9), order=0.3, phase=0.0)
    strokes = 3 + int(round(7 * mood.density))
    for k in range(strokes):
        spine = _spine(rng, 0.6 + 2.2 * mood.energy)
        t = np.linspace(0, 1, SAMPLES)
        pressure = np.sin(np.pi * np.clip(t * 1.15, 0, 1)) ** 0.5 * (1 + 0.25 * np.sin(t * rng.uniform(3, 9)))
        width = rng.uniform(0.018, 0.05) * (1.2 - 0.4 * mood.energy)
        colour = colours[int(rng.integers(2, 5))] if rng.random() < 0.1 + 0.15 * mood.energy else ink
        order = 0.35 + 0.6 * k / strokes
        pen.polygon(_outline(spine, width * pressure, aspect), rgba(colour, 0.88), order=order, phase=rng.random())
        # Flying white (feibai): a dry brush leaves streaks of bare paper along the stroke.
        for hair in rng.uniform(-0.7, 0.7, int(2 + 5 * mood.organic)):
            start = int(rng.integers(SAMPLES // 4, SAMPLES // 2))
            streak = _outline(spine[start:], width * hair * pressure[start:], aspect)[: SAMPLES - start]
            pen.line(streak, rgba(paper, 0.75), width * rng.uniform(0.08, 0.2), order=order + 0.02, phase=rng.random(), along=0.05)
        for _ in range(3 + int(20 * mood.energy ** 2)):
            p = spine[int(rng.integers(0, SAMPLES))] + rng.normal(0, 0.05, 2)
            r = rng.uniform(0.001, 0.006)
            pen.ellipse(p[0], p[1], r, r * rng.uniform(0.6, 1.0), rgba(colour, 0.8), order + 0.05, 0.0)
    seal = rng.uniform(0.05, 0.12, 2) * (1 if rng.random() < 0.5 else -1) % 1.0
    side = 0.045
    pen.polygon(np.array([[seal[0], seal[1]], [seal[0] + side / aspect, seal[1]], [seal[0] + side / aspect, seal[1] + side],
                          [seal[0], seal[1] + side]]), rgba(np.array([0.75, 0.12, 0.1]), 0.9), order=0.98, phase=0.5)
    soft = pen.image.filter(ImageFilter.GaussianBlur(0.0015 * canvas.short)) if canvas.short >= 256 else None
    return pen.layers(ground.astype(np.float32), soft)


STYLE = StyleSpec(
    name="ink",
    phrases=("an ink wash painting", "a Japanese woodblock print", "a charcoal and pastel drawing", "a calligraphic ink drawing"),
    keywords=("ink", "sumi", "calligraph", "woodblock", "charcoal", "brush drawing", "zen", "ukiyo", "japanese", "chinese", "sketch"),
    draw=draw,
    motion=Motion(shimmer=0.2, speed=0.15, growth=0.12),
    summary="ink and brush: tapering strokes, diluted washes, a red seal",
)
