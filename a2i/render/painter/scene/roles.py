"""The colour roles of a scene: where the prompt's colour words and the song's mood meet.

Without colour words, every role comes from the mood's palette (:func:`a2i.render.painter.palette.palette`,
after Palmer et al. 2013) and the grading later pulls the picture's mean lightness and saturation onto the
mood's targets. With colour words, the named colours (moved by the mood within the bounds of
:mod:`a2i.render.painter.colours`) take the largest regions, so each covers a good share of the picture:

==================  ======================================================================================
colours named       regions they paint
1                   the sky (top to horizon); the land and water keep the mood's palette
2                   the sky; the land, water and silhouettes
3                   the sky; the far and middle land; the water and the near land
4 or more           as 3, the fourth and later colours paint the focal objects and accents
==================  ======================================================================================

Time of day darkens or warms the mood palette's sky (night: a dark zenith; dusk and dawn: a warm horizon);
named colours are never changed by it.
"""

from __future__ import annotations

import numpy as np

from a2i.render.painter.colours import NamedColour, lab_to_srgb, mood_moved
from a2i.render.painter.palette import Mood, hls, palette
from a2i.render.painter.scene.builder import Roles

HAPPY_LIFT = 0.35  # how far the happiest music lifts the land and silhouettes toward the light colour
SHADE = 5.0  # L* units between a named colour's lighter and darker uses (sky top vs horizon, far vs near land)
WARM_LIGHT = (42.0, 0.72, 0.95)  # hue, HLS lightness, saturation of lamplight and firelight (tungsten/flame orange)


def _lab_rgb(lab: np.ndarray, dl: float = 0.0) -> np.ndarray:
    return lab_to_srgb(np.array([np.clip(lab[0] + dl, 2.0, 99.0), lab[1], lab[2]])).astype(np.float32)


def mood_roles(mood: Mood, rng: np.random.Generator, time: str) -> Roles:
    """Roles from the mood's palette alone."""
    pal = palette(mood, rng)  # light ground, dark ground, three accents, deep shadow
    night, evening = time == "night", time in ("dusk", "dawn")
    sky_top = pal[1] * (0.45 if night else 0.9)
    sky_low = (pal[1] * 0.7 + pal[5] * 0.3 + 0.08) if night else (pal[2] * 0.7 + pal[0] * 0.3 if evening else pal[0] * 0.6 + pal[1] * 0.4)
    light = pal[0] * 0.35 + 0.65
    far = pal[5] * 0.45 + sky_low * 0.55
    mid = pal[5] * 0.6 + pal[1] * 0.4
    near = pal[5] * 0.85
    water = pal[1] * 0.55 + pal[5] * 0.35 + sky_low * 0.1
    lamp = hls(*WARM_LIGHT) * 0.7 + pal[2] * 0.3
    dark = pal[5] * 0.45
    # Happy music is painted in a lighter key throughout: silhouettes and near land lift toward the light
    # (by up to HAPPY_LIFT), so the grading reaches the mood's high lightness without clipping the sky.
    lift = HAPPY_LIFT * max(0.0, 2.0 * mood.valence - 1.0)
    far, mid, near, water, dark = (c * (1 - lift) + light * lift for c in (far, mid, near, water, dark))
    return Roles(sky_top, sky_low, light, far, mid, near, water, pal[3], (pal[2], pal[3], pal[4]), dark, lamp)


def named_roles(colours: tuple[NamedColour, ...], mood: Mood, rng: np.random.Generator, time: str) -> Roles:
    """Roles from the prompt's colours (see the module docstring), the mood's palette for the rest."""
    base = mood_roles(mood, rng, time)
    labs = [mood_moved(c.lab, mood.valence, mood.energy) for c in colours]
    first = labs[0]
    sky_top, sky_low = _lab_rgb(first, -SHADE), _lab_rgb(first, SHADE)
    far, mid, near, water, dark = base.far, base.mid, base.near, base.water, base.dark
    if len(labs) >= 2:
        second = labs[1]
        far, mid, near = _lab_rgb(second, SHADE), _lab_rgb(second), _lab_rgb(second, -SHADE)
        water = _lab_rgb(second, -0.5 * SHADE)
        dark = _lab_rgb(np.array([max(6.0, second[0] * 0.45), second[1] * 0.8, second[2] * 0.8]))
    if len(labs) >= 3:
        water, near = _lab_rgb(labs[2]), _lab_rgb(labs[2], -SHADE)
    rest = [_lab_rgb(lab) for lab in labs[3:]]
    lightest = max(labs, key=lambda lab: lab[0])
    light = _lab_rgb(lightest, 0.5 * (100 - lightest[0]))
    accents = tuple(rest) + tuple(_lab_rgb(lab) for lab in labs[:3]) if rest else tuple(_lab_rgb(lab) for lab in labs)
    accent = rest[0] if rest else _lab_rgb(labs[0] if len(labs) > 1 else lightest)
    return Roles(sky_top, sky_low, light, far, mid, near, water, accent, accents, dark, base.lamp)


def scene_roles(colours: tuple[NamedColour, ...], mood: Mood, rng: np.random.Generator, time: str) -> Roles:
    """The roles of a scene: named colours first, the mood's palette otherwise (float32 RGB, clipped)."""
    roles = named_roles(colours, mood, rng, time) if colours else mood_roles(mood, rng, time)
    f32 = lambda c: np.clip(np.asarray(c, dtype=np.float32), 0.0, 1.0)  # noqa: E731
    return Roles(*(tuple(f32(c) for c in value) if isinstance(value, tuple) else f32(value) for value in vars(roles).values()))
