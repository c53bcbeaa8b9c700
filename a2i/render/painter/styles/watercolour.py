"""Watercolour washes: irregular blots of transparent pigment with dark wet edges on textured paper.

Pigment layers multiply like real glazes (each wash filters the light of those below). Energy sets how many
washes there are and how saturated; tempo how many horizontal bands of wash the picture is laid out in;
acousticness adds paper texture and granulation. A sea or sky in the prompt lays the washes out as a
horizon. In a video the washes bloom one after another.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from a2i.render.painter.palette import Mood
from a2i.render.painter.styles.base import Canvas, Layers, Motion, StyleSpec, resize, value_noise

WORK_SIDE = 320  # px: washes are soft, so they are computed at this size at most and upscaled


def draw(canvas: Canvas, mood: Mood, colours: np.ndarray, rng: np.random.Generator, motifs: frozenset[str]) -> Layers:
    w, h = canvas.width, canvas.height
    scale = min(1.0, WORK_SIDE / max(w, h))
    ww, wh = max(16, int(round(w * scale))), max(16, int(round(h * scale)))
    aspect = w / h
    xs = (np.arange(ww, dtype=np.float32) + 0.5) / ww * max(aspect, 1.0)
    ys = (np.arange(wh, dtype=np.float32) + 0.5) / wh / min(aspect, 1.0)
    x, y = np.meshgrid(xs, ys)
    paper = colours[0] * 0.3 + 0.7
    img = np.broadcast_to(paper, (wh, ww, 3)).astype(np.float32).copy()
    img *= (1.0 + (0.01 + 0.015 * mood.organic) * value_noise(rng, 40, ww, wh))[..., None]
    order = np.ones((wh, ww), np.float32)
    count = int(5 + 9 * mood.density)
    horizon = bool(motifs & {"sea", "mountains"}) or rng.random() < 0.3
    for k in range(count):
        if horizon and k < 3:
            # Broad horizontal washes: sky, distance, water.
            cx, cy = 0.5 * max(aspect, 1.0), (0.15 + 0.35 * k) / min(aspect, 1.0)
            rx, ry = 0.9 * max(aspect, 1.0), rng.uniform(0.1, 0.2)
        else:
            cx, cy = rng.uniform(0.1, 0.9) * max(aspect, 1.0), rng.uniform(0.1, 0.9) / min(aspect, 1.0)
            rx = rng.uniform(0.1, 0.32) * (1.2 - 0.5 * mood.energy)
            ry = rx * rng.uniform(0.5, 1.3)
        amount = rng.uniform(0.12, 0.3)
        wobble = value_noise(rng, 6, ww, wh) * amount + value_noise(rng, 17, ww, wh) * amount * 0.3  # ragged rims
        dist = np.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2) + wobble
        inside = np.clip((1.0 - dist) * 12.0, 0.0, 1.0)  # soft but defined blot edge
        edge = np.exp(-np.maximum(1.0 - dist, 0.0) * 9.0)  # the wet edge: pigment pooled at the rim
        bloom = np.clip(value_noise(rng, 9, ww, wh) * 2.0 - 1.2, 0.0, 0.6)  # backruns: water pushed pigment aside
        strength = rng.uniform(0.35, 0.7) * (0.6 + 0.5 * mood.saturation)
        alpha = inside * strength * (0.55 + 0.6 * edge) * (1.0 - bloom)
        pigment = colours[int(rng.choice([1, 2, 3, 4, 5]))]
        img *= 1.0 - alpha[..., None] * (1.0 - pigment)
        if canvas.motion:
            order = np.where(alpha > 0.05, np.minimum(order, k / count * 0.8 + 0.2 * dist.clip(0, 1)), order)
    # Granulation: pigment settling in the paper's grain.
    img *= (1.0 - (0.01 + 0.02 * mood.organic) * np.abs(value_noise(rng, 90, ww, wh)))[..., None]
    washes = Image.fromarray((np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8), "RGB")
    detail = washes.resize((w, h), Image.Resampling.BICUBIC).convert("RGBA")
    gw, gh = canvas.ground_size
    layers = Layers(ground=np.broadcast_to(paper, (gh, gw, 3)).astype(np.float32).copy(), detail=detail)
    if canvas.motion:
        layers.order = np.clip(resize(order, w, h), 0, 1)
        layers.phase = (resize(np.clip(dist, 0, 2) / 2, w, h) % 1.0).astype(np.float32)
    return layers


STYLE = StyleSpec(
    name="watercolour",
    phrases=("a watercolour", "a gouache illustration", "a wet-on-wet watercolour study"),
    keywords=("watercolo", "gouache", "wash", "aquarel", "wet-on-wet", "pastel"),
    draw=draw,
    motion=Motion(shimmer=0.15, speed=0.1, growth=0.25),
    summary="watercolour: transparent washes with dark wet edges on paper",
)
