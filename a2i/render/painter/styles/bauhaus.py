"""A geometric, Bauhaus-like composition: circles, half discs, bars and triangles on a grid.

Tempo sets the grid (three to six cells across); energy how many shapes there are and the contrast of their
colours; danceability repeats one shape along a row; acousticness lets shapes slip off the grid. In a video
the shapes appear one by one and pulse in turn.
"""

from __future__ import annotations

import numpy as np

from a2i.render.painter.palette import Mood
from a2i.render.painter.styles.base import Canvas, Layers, Motion, Pen, StyleSpec, rgba

ARC_POINTS = 64  # polygon points of a full circle's outline


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float) -> np.ndarray:
    t = np.linspace(start, end, max(3, int(ARC_POINTS * abs(end - start) / (2 * np.pi))))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1)


def draw(canvas: Canvas, mood: Mood, colours: np.ndarray, rng: np.random.Generator, motifs: frozenset[str]) -> Layers:
    gw, gh = canvas.ground_size
    paper = colours[0] * 0.85 + 0.15
    ground = np.broadcast_to(paper, (gh, gw, 3)).astype(np.float32).copy()
    aspect = canvas.width / canvas.height
    cells = 3 + int(round(3 * mood.rhythm))
    cell = 1.0 / cells
    count = 5 + int(round(12 * mood.density))
    pen = Pen(canvas)
    sx = 1.0 / aspect if aspect > 1 else 1.0  # relative x units per unit of the short side
    sy = aspect if aspect < 1 else 1.0
    palette_idx = [2, 3, 4, 5, 1]
    # A few heavy bars first: the composition's scaffold.
    for k in range(int(rng.integers(1, 4))):
        pos = rng.integers(1, cells) * cell
        thick = rng.uniform(0.01, 0.03)
        colour = rgba(colours[5], 1.0)
        if rng.random() < 0.5:
            pts = np.array([[pos - thick / 2, 0], [pos + thick / 2, 0], [pos + thick / 2, 1], [pos - thick / 2, 1]])
        else:
            pts = np.array([[0, pos - thick / 2], [1, pos - thick / 2], [1, pos + thick / 2], [0, pos + thick / 2]])
        pen.polygon(pts, colour, order=0.05 * k, phase=0.0)
    repeat = mood.motif > 0.3
    for k in range(count):
        kind = int(rng.integers(0, 7))
        gx, gy = rng.integers(0, cells, 2)
        span = int(rng.integers(1, 3))
        off = rng.normal(0, 0.04 * mood.organic, 2)
        cx, cy = (gx + span / 2) * cell + off[0], (gy + span / 2) * cell + off[1]
        r = span * cell / 2 * rng.uniform(0.7, 1.0)
        colour = rgba(colours[palette_idx[int(rng.integers(0, len(palette_idx)))]], rng.uniform(0.85, 1.0))
        order, phase = 0.15 + 0.8 * k / count, rng.random()
        rx, ry = r * sx, r * sy
        if kind == 0:
            pen.polygon(_arc(cx, cy, rx, ry, 0, 2 * np.pi), colour, order, phase)
        elif kind == 1:
            a0 = rng.integers(0, 4) * np.pi / 2
            pen.polygon(np.concatenate([_arc(cx, cy, rx, ry, a0, a0 + np.pi)]), colour, order, phase)
        elif kind == 2:
            a0 = rng.integers(0, 4) * np.pi / 2
            corner = np.array([[cx, cy]])
            pen.polygon(np.concatenate([corner, _arc(cx, cy, 2 * rx, 2 * ry, a0, a0 + np.pi / 2)]), colour, order, phase)
        elif kind == 3:
            pen.polygon(np.array([[cx - rx, cy - ry], [cx + rx, cy - ry], [cx + rx, cy + ry], [cx - rx, cy + ry]]), colour, order, phase)
        elif kind == 4:
            flip = rng.choice([-1.0, 1.0])
            pen.polygon(np.array([[cx - rx, cy + flip * ry], [cx + rx, cy + flip * ry], [cx, cy - flip * ry]]), colour, order, phase)
        elif kind == 5:
            pen.ellipse(cx, cy, r * 0.9, r * 0.9, (0, 0, 0, 0), order, phase, outline=colour, width=0.02 + 0.02 * rng.random())
        else:  # a block of stripes, the poster's rhythm: more and thinner for faster music
            bars = 4 + int(round(6 * mood.rhythm))
            for j in range(bars):
                y0 = cy - ry + 2 * ry * j / bars
                pen.polygon(np.array([[cx - rx, y0], [cx + rx, y0], [cx + rx, y0 + ry / bars], [cx - rx, y0 + ry / bars]]),
                            colour, order + 0.02 * j, phase + j / bars)
        if repeat and k == 0:
            for j in range(1, cells):
                x = cx + j * cell
                pen.ellipse(x % 1.0, cy, r * 0.35, r * 0.35, colour, order + 0.05 * j, phase + j / cells)
    # Small satellites (dots and short bars): the counterpoint to the big forms.
    for _ in range(int(6 + 18 * mood.density)):
        cx, cy, r = rng.random(), rng.random(), rng.uniform(0.008, 0.025)
        colour = rgba(colours[palette_idx[int(rng.integers(0, len(palette_idx)))]], 1.0)
        if rng.random() < 0.5:
            pen.ellipse(cx, cy, r, r, colour, 0.9 + 0.1 * rng.random(), rng.random())
        else:
            a = rng.choice([0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4])
            d = np.array([np.cos(a) * sx, np.sin(a) * sy]) * r * 3
            pen.line(np.array([[cx, cy] - d, [cx, cy] + d]), colour, r * 0.6, 0.9 + 0.1 * rng.random(), rng.random())
    return pen.layers(ground)


STYLE = StyleSpec(
    name="bauhaus",
    phrases=("a Bauhaus poster", "a constructivist print", "a geometric abstraction", "a paper-cut collage"),
    keywords=("bauhaus", "constructivis", "geometric", "collage", "kandinsky", "mondrian", "poster", "suprematis", "shapes"),
    draw=draw,
    motion=Motion(shimmer=0.3, speed=0.5, growth=0.08),
    summary="Bauhaus geometry: circles, half discs, bars and triangles on a grid",
)
