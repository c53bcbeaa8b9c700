"""A landscape silhouette: a sky gradient, a sun or moon, and layered hills, mountains, sea, city or forest.

The one style that reads as a scene, and the one that draws the prompt's scene words: sea (a flat horizon,
wave lines and the light's reflection), mountains (jagged ridges), city (a skyline with lit windows),
forest (trees along the ridges); night (or sad music) brings the moon and stars, happy music the sun.
Layers fade into the sky with distance (aerial perspective). Energy sets how jagged the ridges are and
how many layers stack up; tempo the rhythm of the waves. In a video the layers rise from back to front and
light glitters along the water.
"""

from __future__ import annotations

import numpy as np

from a2i.render.painter.palette import Mood
from a2i.render.painter.styles.base import Canvas, Layers, Motion, Pen, StyleSpec, rgba, value_noise

RIDGE_POINTS = 160  # points along a ridge line: fine enough for jagged peaks at 4096 px


def _ridge(rng: np.random.Generator, base: float, height: float, rough: float, kind: str) -> np.ndarray:
    x = np.linspace(-0.01, 1.01, RIDGE_POINTS)
    if kind == "mountains":
        y = np.zeros_like(x)
        for octave in range(5):
            f = 2.0 * 2**octave
            y += (0.55**octave) * np.abs(np.sin(np.pi * f * x + rng.uniform(0, np.pi)))
        y = y / 1.8 * (0.6 + rough)
    else:
        y = 0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.5, 1.5) * x + rng.uniform(0, 2 * np.pi))
        y += rough * 0.3 * np.sin(2 * np.pi * rng.uniform(3, 6) * x + rng.uniform(0, 2 * np.pi))
    return np.stack([x, base - height * y], 1)


def draw(canvas: Canvas, mood: Mood, colours: np.ndarray, rng: np.random.Generator, motifs: frozenset[str]) -> Layers:
    gw, gh = canvas.ground_size
    x, y = canvas.grid(gw, gh)
    night = "night" in motifs or mood.valence < 0.3
    zenith = colours[1] * (0.5 if night else 0.85)
    horizon_colour = colours[2] * 0.6 + colours[0] * 0.4 if not night else colours[1] * 0.9 + 0.1
    horizon = rng.uniform(0.5, 0.68)
    t = np.clip(y / horizon, 0, 1)[..., None] ** 1.5
    sky = zenith * (1 - t) + horizon_colour * t
    sun = np.array([rng.uniform(0.2, 0.8), horizon - rng.uniform(0.1, 0.3)])
    halo = np.exp(-((x - sun[0]) ** 2 * (gw / gh) ** 2 + (y - sun[1]) ** 2) / 0.03)[..., None]
    light = colours[0] * 0.4 + 0.6
    ground = (sky * (1 - 0.5 * halo) + light * 0.5 * halo).astype(np.float32)
    ground *= (1 + 0.03 * value_noise(rng, 6, gw, gh))[..., None]
    pen = Pen(canvas)
    # Clouds: long, soft, overlapping streaks lit from the sun's side (fewer and calmer for calm music).
    for _ in range(int(5 + 12 * mood.density)):
        cy = rng.uniform(0.05, horizon - 0.08)
        cx, length = rng.uniform(-0.1, 1.1), rng.uniform(0.15, 0.45)
        tone = light * 0.5 + horizon_colour * 0.5 if cx < sun[0] + 0.2 else zenith * 0.3 + horizon_colour * 0.7
        for j in range(3):
            dy = 0.008 * j - 0.01
            pen.ellipse(cx + rng.normal(0, 0.03), cy + dy, length * rng.uniform(0.4, 0.7), rng.uniform(0.006, 0.02),
                        rgba(tone, rng.uniform(0.25, 0.5)), order=0.05 * rng.random(), phase=cx)
    if night:
        for _ in range(int(60 + 60 * rng.random())):
            sx, sy = rng.random(), rng.random() * horizon
            s = rng.uniform(0.0008, 0.0025)
            pen.ellipse(sx, sy, s, s, rgba(light, rng.uniform(0.5, 1.0)), order=0.0, phase=rng.random())
    disc = rng.uniform(0.045, 0.08)
    disc *= 0.7 if night else 1.0  # the moon smaller than the sun
    pen.ellipse(sun[0], sun[1], disc, disc, rgba(light * 1.1, 1.0), order=0.02, phase=0.0)
    land = [m for m in ("mountains", "city", "forest") if m in motifs] or [("mountains", "hills", "forest")[int(rng.integers(0, 3))]]
    sea = "sea" in motifs or (rng.random() < 0.3 and "city" not in motifs)
    layers_n = 3 + int(round(2 * mood.density))
    far = horizon - 0.02
    for k in range(layers_n):
        depth = 0.45 if sea else 1 - k / max(1, layers_n - 1)  # 1 far .. 0 near; over the sea, one mid-distance coast
        colour = colours[5] * (1 - 0.75 * depth) + horizon_colour * 0.75 * depth
        kind = land[k % len(land)]
        base = far + (0.0 if sea else (1 - depth) * (1 - far) * 0.9)
        height = (0.18 if kind == "mountains" else 0.07) * (0.6 + 0.8 * depth) * (1.2 if k == 0 else 1.0)
        if sea and k > 0:
            break
        ridge = _ridge(rng, base, height, 0.2 + 0.8 * mood.energy, "mountains" if kind == "mountains" else "hills")
        poly = np.concatenate([ridge, [[1.01, 1.01], [-0.01, 1.01]]])
        order = 0.1 + 0.6 * k / layers_n
        pen.polygon(poly, rgba(colour, 1.0), order=order, phase=0.5 * k / layers_n)
        if kind == "city":
            _skyline(pen, rng, base - 0.01, colour, light, order, mood)
        if kind == "forest":
            for tx in np.sort(rng.random(int(18 + 30 * mood.density))):
                i = int(tx * (RIDGE_POINTS - 1))
                top = ridge[i, 1]
                th, tw = rng.uniform(0.03, 0.08) * (1.2 - 0.6 * depth), rng.uniform(0.012, 0.025)
                pen.polygon(np.array([[tx - tw, top + 0.01], [tx, top - th], [tx + tw, top + 0.01]]), rgba(colour, 1.0),
                            order=order + 0.05, phase=tx)
    if sea:
        water = colours[1] * 0.6 + colours[5] * 0.4
        pen.polygon(np.array([[-0.01, horizon], [1.01, horizon], [1.01, 1.01], [-0.01, 1.01]]), rgba(water, 1.0), order=0.5, phase=0.0)
        waves = int(25 + 40 * mood.rhythm + 30 * mood.energy)
        for _ in range(waves):
            wy = horizon + (1 - horizon) * rng.random() ** 1.6
            wx = rng.random()
            span = rng.uniform(0.02, 0.12) * (0.3 + (wy - horizon) / (1 - horizon))
            near_sun = abs(wx - sun[0]) < 0.08 + 0.1 * (wy - horizon)
            tone = light if near_sun else horizon_colour * 0.7 + water * 0.3
            pts = np.array([[wx - span, wy], [wx, wy - 0.004 * mood.energy], [wx + span, wy]])
            pen.line(pts, rgba(tone, 0.5 + 0.4 * near_sun), 0.002 + 0.004 * (wy - horizon), order=0.55 + 0.4 * (wy - horizon),
                     phase=wx, along=0.05, chunks=2)
    return pen.layers(ground)


def _skyline(pen: Pen, rng: np.random.Generator, base: float, colour: np.ndarray, light: np.ndarray, order: float, mood: Mood) -> None:
    x = -0.01
    while x < 1.0:
        bw = rng.uniform(0.025, 0.07)
        bh = rng.uniform(0.05, 0.22) * (0.7 + 0.6 * mood.energy)
        pen.polygon(np.array([[x, base + 0.02], [x, base - bh], [x + bw, base - bh], [x + bw, base + 0.02]]), rgba(colour, 1.0),
                    order=order + 0.1 * rng.random(), phase=x)
        for wy in np.arange(base - bh + 0.012, base - 0.005, 0.018):
            for wx in np.arange(x + 0.006, x + bw - 0.008, 0.014):
                if rng.random() < 0.35:
                    pen.polygon(np.array([[wx, wy], [wx + 0.006, wy], [wx + 0.006, wy + 0.008], [wx, wy + 0.008]]),
                                rgba(light, 0.9), order=order + 0.15, phase=rng.random())
        x += bw + rng.uniform(0.0, 0.01)


STYLE = StyleSpec(
    name="landscape",
    phrases=("a cinematic photograph", "a digital matte painting", "a long-exposure photograph", "a landscape painting"),
    keywords=("photograph", "cinematic", "matte painting", "landscape", "scenery", "vista", "panorama", "long-exposure", "realistic"),
    draw=draw,
    motion=Motion(shimmer=0.3, speed=0.4, growth=0.12),
    summary="a landscape silhouette: sky, sun or moon, layered hills, sea, city or forest",
)
