"""The landscape: the scene as a cinematic matte painting, with aerial perspective and light.

Every subject keeps its silhouette and colour; on top of the flat scene the style adds what makes a
photograph-like landscape: haze that thickens toward the horizon (more in fog, less for energetic music),
a halo around the sun or moon and every lit window, lamp and fire, a gentle darkening toward the foreground,
a ground texture that coarsens toward the viewer and wisps of cloud in the sky. Brightness of the timbre
sharpens the halos; in a video the shapes grow in the order they were drawn, from the sky forward, and light
glitters along the water.
"""

from __future__ import annotations

import numpy as np

from a2i.render.painter.styles.base import Layers, Motion, Painting, StyleSpec, mix, value_noise

HAZE = 0.22  # strength of the horizon haze in clear weather (fraction of the way to the sky's colour)
FOG_HAZE = 0.55  # ... in fog or mist
FINE_CELLS, COARSE_CELLS = 150, 40  # ground texture cells across the canvas, far and near
WISP_CELLS = (5, 40)  # cloud wisps: cells across x down (long, thin, horizontal)


def draw(p: Painting) -> Layers:
    rgb = p.flat().copy()
    depth = p.depth()
    horizon = p.scene.layout.horizon
    fog = "fog" in p.scene.plan.weather
    # 1. Aerial perspective: a haze band at the horizon fading the far shapes into the sky.
    ys = (np.arange(p.canvas.height, dtype=np.float32) + 0.5) / p.canvas.height
    band = np.exp(-(((ys - horizon) / (0.09 + 0.1 * fog)) ** 2))[:, None] * ((FOG_HAZE if fog else HAZE) * (1.2 - 0.5 * p.mood.energy))
    far = 1.0 - depth
    rgb = mix(rgb, np.asarray(p.scene.stack.sky_low, dtype=np.float32), far * far * band)
    # 2. Light: halos around the light sources, tinted by their colour.
    glow = p.glow(0.04 + 0.05 * (1 - p.mood.hardness))  # dark timbres: wider, softer halos
    rgb = mix(rgb, p.roles.light * 0.6 + p.roles.lamp * 0.4, glow * 0.5)
    # 3. A soft vignette and a fine texture so flat areas breathe (smooth: computed small).
    x, y = p.canvas.grid(*p.canvas.ground_size)
    gw, gh = p.canvas.ground_size
    vignette = 1 - 0.36 * ((x - 0.5) ** 2 + (y - 0.5) ** 2) - 0.12 * np.clip((y - horizon) / max(1e-3, 1 - horizon), 0, 1)
    texture = 0.03 * value_noise(p.rng, 24, gw, gh) + 0.015 * value_noise(p.rng, 90, gw, gh)
    rgb *= p.smooth(vignette + texture)[..., None]
    # 4. Surface: the land and water grow coarser toward the viewer (a texture gradient, the depth cue of
    #    Gibson 1950), the sky carries wisps of cloud drawn out along the horizon.
    sky = p.raster.coverage(np.zeros(len(p.scene.stack.shapes)), sky=True)
    land = (p.noise(FINE_CELLS) * (1 - depth) + p.noise(COARSE_CELLS) * depth) * (0.03 + 0.09 * depth)
    wisps = p.noise(WISP_CELLS) * (0.035 + 0.03 * (1 - p.mood.energy))
    rgb *= (1 + land * (1 - sky) + wisps * sky)[..., None]
    return p.finish(rgb)


STYLE = StyleSpec(
    name="landscape",
    draw=draw,
    motion=Motion(shimmer=0.25, speed=0.4, front=2.0),
    summary="a cinematic matte painting: the scene with haze, light and depth",
)
