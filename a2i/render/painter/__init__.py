"""The procedural painter: pictures from a mood profile in one of several art styles, on CPU, with no weights.

Three things decide a picture, each in one place:

- **the style** (:mod:`a2i.render.painter.styles`, one module each), chosen by the prompt's art words
  through the vocabulary the prompt writer shares (:mod:`a2i.render.painter.vocabulary`, with its
  documented fallback), or by name;
- **the colour** (:mod:`a2i.render.painter.palette`), from the mood after Palmer et al. 2013, the same for
  every style, and enforced at the end by the grading (:mod:`a2i.render.painter.grading`): the picture's mean
  lightness follows valence and its mean saturation follows energy whatever the style drew;
- **the composition**, from the seed: every style draws in relative units with size-independent counts, so
  one seed gives one composition at every size.

Videos animate the same layers (:mod:`a2i.render.painter.motion`).

Examples
--------
>>> from a2i.mood import Profile
>>> image = paint(Profile(valence=0.8, energy=0.7), prompt="A watercolour of a quiet bay.", size=256, seed=3)
>>> image.size, image.mode
((256, 256), 'RGB')
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image

from a2i.errors import ConfigError
from a2i.features import SignalFeatures
from a2i.mood import Profile
from a2i.render.painter.grading import add_grain, grade_image, solve_grade
from a2i.render.painter.palette import Mood, mood_for, palette
from a2i.render.painter.styles import STYLES
from a2i.render.painter.styles.base import Canvas, Layers, StyleSpec
from a2i.render.painter.vocabulary import choose_style, motifs_in
from a2i.seeding import rng as seeded_rng
from a2i.sizes import MAX_SIDE, check_size

_GRAIN_STREAM = 0x6A41  # the grain's own random stream: its size-dependent draws never move the composition


def style_stream(name: str) -> int:
    """The random stream of a style (a stable number from its name), so styles never share draws."""
    return zlib.crc32(name.encode())


@dataclass
class Keyframe:
    """A picture before compositing: its style, mood and layers (what :func:`paint` and videos share)."""

    style: StyleSpec
    mood: Mood
    layers: Layers
    seed: int


def keyframe(profile: Profile, *, prompt: str | None = None, style: str | None = None, seed: int = 0,
             canvas: Canvas, features: SignalFeatures | None = None) -> Keyframe:
    """Choose the style, derive the mood and draw the layers on ``canvas``."""
    name = style if style is not None else choose_style(prompt, seed)
    if name not in STYLES:
        raise ConfigError(f"unknown painter style {name!r}; choose one of {', '.join(STYLES)}")
    spec = STYLES[name]
    mood = mood_for(profile, features, seed)
    rng = seeded_rng(seed, style_stream(name))
    colours = palette(mood, rng)
    return Keyframe(spec, mood, spec.draw(canvas, mood, colours, rng, motifs_in(prompt)), int(seed))


def composite_image(layers: Layers, width: int, height: int) -> Image.Image:
    """The layers as one RGB picture of the given size, before grading."""
    ground = Image.fromarray((np.clip(layers.ground, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8), "RGB")
    image = ground.resize((width, height), Image.Resampling.BICUBIC)
    if layers.detail is None:
        return image
    detail = layers.detail if layers.detail.size == (width, height) else layers.detail.resize((width, height), Image.Resampling.BILINEAR)
    return Image.alpha_composite(image.convert("RGBA"), detail).convert("RGB")


def paint(profile: Profile, *, prompt: str | None = None, style: str | None = None, size: int | tuple[int, int] = 1024,
          seed: int = 0, features: SignalFeatures | None = None) -> Image.Image:
    """Paint a picture of a profile's mood in the style its prompt names.

    Parameters
    ----------
    profile : Profile
        The song or clip mood; ``profile.features`` (or ``features``) adds clip-level detail.
    prompt : str, optional
        The picture's prompt: its art words choose the style and its scene words the motifs
        (:mod:`a2i.render.painter.vocabulary`).
    style : str, optional
        A style by name (one of ``STYLES``), overriding the prompt's.
    size : int or (int, int)
        Side in pixels, or (width, height); from 16 up to 4096.
    seed : int
        Composition seed; the same profile, prompt, size and seed always give the same picture, and the same
        composition at every size.
    features : SignalFeatures, optional
        Overrides ``profile.features``.

    Returns
    -------
    PIL.Image.Image
        RGB.
    """
    w, h = check_size(size)
    frame = keyframe(profile, prompt=prompt, style=style, seed=seed, canvas=Canvas(w, h), features=features)
    image = composite_image(frame.layers, w, h)
    image = grade_image(image, *solve_grade(image, frame.mood))
    return add_grain(image, seeded_rng(seed, _GRAIN_STREAM), frame.mood)


__all__ = ["MAX_SIDE", "STYLES", "Keyframe", "keyframe", "paint"]
