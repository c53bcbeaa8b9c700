"""Flow-field strokes (the first edition's style): particles traced through a field of seeded plane waves.

Energy sets how many strokes there are and how thin and crisp (calm: few wide, blurred strokes over
colour-field bands; intense: many thin ones); tempo sets the field's spatial frequency; acousticness makes
strokes taper irregularly; danceability adds rows of pulsing dots. In a video the strokes grow along their
length and a brightness wave runs along them.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from a2i.render.painter.palette import Mood
from a2i.render.painter.styles.base import Canvas, Layers, Motion, Pen, StyleSpec, gradient_ground, rgba

MAX_STROKES = 2550  # at full energy: dense enough to read as a texture of feathers at 1024 px


def _flow_angles(px: np.ndarray, py: np.ndarray, waves: np.ndarray) -> np.ndarray:
    """Direction of the flow field at normalised points: a sum of seeded plane waves."""
    angle = np.zeros_like(px)
    for fx, fy, phase, amp in waves:
        angle += amp * np.sin(2 * np.pi * (fx * px + fy * py) + phase)
    return angle * np.pi


def _ground(canvas: Canvas, mood: Mood, colours: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Gradient, colour-field bands for calm music, and soft blurred shapes, all at ground size."""
    ground = gradient_ground(canvas, colours, rng, bands=1.0 + 3.0 * mood.rhythm)
    gw, gh = canvas.ground_size
    img = Image.fromarray((np.clip(ground, 0, 1) * 255).astype(np.uint8)).convert("RGBA")
    layer = Image.new("RGBA", (gw, gh), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    calm = 1.0 - min(1.0, mood.saturation / 0.7)
    n = int(rng.integers(2, 4))
    bounds = np.linspace(0.06, 0.94, n + 1)
    bounds[1:-1] += rng.uniform(-0.06, 0.06, n - 1)  # uneven bands, never overlapping
    insets = rng.uniform(0.05, 0.12, n)
    if calm > 0.05:
        for i in range(n):
            draw.rounded_rectangle((insets[i] * gw, (bounds[i] + 0.02) * gh, (1 - insets[i]) * gw, (bounds[i + 1] - 0.02) * gh),
                                   radius=0.04 * min(gw, gh), fill=rgba(colours[(2, 1, 4)[i]], 0.7 * calm))
    for _ in range(int(4 + 6 * rng.random())):
        r = rng.uniform(0.1, 0.3 + 0.15 * (1.0 - mood.saturation))
        cx, cy, squash = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.6, 1.0)
        colour, alpha = colours[int(rng.integers(1, 5))], rng.uniform(0.25, 0.55)
        s = min(gw, gh)
        draw.ellipse((cx * gw - r * s, cy * gh - r * s * squash, cx * gw + r * s, cy * gh + r * s), fill=rgba(colour, alpha))
    layer = layer.filter(ImageFilter.GaussianBlur(min(gw, gh) * 0.05))
    return np.asarray(Image.alpha_composite(img, layer).convert("RGB"), dtype=np.float32) / 255.0


def draw(canvas: Canvas, mood: Mood, colours: np.ndarray, rng: np.random.Generator, motifs: frozenset[str]) -> Layers:
    ground = _ground(canvas, mood, colours, rng)
    count = int(50 + (MAX_STROKES - 50) * mood.density)
    steps = int(18 + 22 * (1.0 - mood.saturation))  # calm music: fewer, longer, gentler lines
    frequency = 0.45 + 1.6 * mood.rhythm
    waves = np.stack([rng.normal(0, frequency, 4), rng.normal(0, frequency, 4), rng.uniform(0, 2 * np.pi, 4),
                      np.array([0.6, 0.35, 0.2, 0.1])], axis=1)
    px, py = rng.uniform(-0.05, 1.05, count), rng.uniform(-0.05, 1.05, count)
    step = (0.006 + 0.01 * rng.random(count)) * (1.0 + 0.5 * (1.0 - mood.organic))
    aspect = canvas.width / canvas.height
    path_x, path_y = [px], [py]
    for _ in range(steps):
        a = _flow_angles(px, py, waves)
        px = px + step * np.cos(a)
        py = py + step * np.sin(a) * aspect
        path_x.append(px)
        path_y.append(py)
    paths = np.stack([np.stack(path_x, 1), np.stack(path_y, 1)], axis=-1)
    choice = rng.integers(2, 5, count) if rng.random() < 0.5 else rng.integers(0, 5, count)
    width = 0.002 + 0.02 * (1.0 - mood.energy) ** 2
    widths = width * rng.uniform(0.5, 1.6, count)
    jitter = rng.normal(0, 0.06, (count, 3))
    alphas = rng.uniform(0.3, 0.85, count) * (0.6 + 0.4 * mood.saturation)
    lengths = rng.integers(steps // 2, steps + 1, count) if mood.organic > 0.5 else np.full(count, steps + 1)
    orders = rng.random(count)
    blur = 0.012 * (1.0 - mood.energy) ** 2  # short-side units: calm music's strokes are soft
    # Soft strokes are drawn at half size (a quarter of the pixels to draw and blur); the blur hides it.
    soft = blur * canvas.short > 3.0
    pen = Pen(Canvas(max(16, canvas.width // 2), max(16, canvas.height // 2), canvas.motion) if soft else canvas)
    for i in range(count):
        pen.line(paths[i, : lengths[i]], rgba(colours[choice[i]] + jitter[i], alphas[i]), widths[i],
                 order=0.75 * orders[i], phase=orders[i], along=0.25)
    if mood.motif > 0.0:
        _motif(pen, mood, colours, rng)
    radius = blur * pen.canvas.short
    return pen.layers(ground, pen.image.filter(ImageFilter.GaussianBlur(radius)) if radius > 0.5 else None)


def _motif(pen: Pen, mood: Mood, colours: np.ndarray, rng: np.random.Generator) -> None:
    """Rows of dots whose size pulses like a beat: the picture's groove, as strong as the song's danceability."""
    bands = max(1.0, 2.0 * (40.0 + 180.0 * mood.rhythm) / 60.0)
    spacing = 1.0 / (4.0 + 1.5 * bands)
    offset = rng.uniform(0, spacing)
    aspect = pen.canvas.width / pen.canvas.height
    for row, y in enumerate(np.arange(offset, 1.0, spacing)):
        for col, x in enumerate(np.arange(offset + (row % 2) * spacing / 2, aspect, spacing)):
            r = spacing * (0.06 + 0.12 * (0.5 + 0.5 * np.cos(2 * np.pi * col / 4.0)))
            pen.ellipse(x / aspect, y, r, r, rgba(colours[3], 0.43 * mood.motif), order=y, phase=col / 4.0)


STYLE = StyleSpec(
    name="flow",
    phrases=("an oil painting", "an impressionist canvas", "an expressionist painting", "a surrealist painting"),
    keywords=("oil", "impressionis", "expressionis", "surreal", "van gogh", "swirl", "flow", "abstract", "painting", "canvas"),
    draw=draw,
    motion=Motion(shimmer=0.4, speed=0.3, growth=0.2),
    summary="flow-field brush strokes over soft colour fields",
)
