"""The procedural painter: pictures of what a prompt names, coloured by the song, on CPU, with no weights.

Four things decide a picture, each in one place:

- **the scene** (:mod:`a2i.render.painter.scene`): the prompt's subjects, counts, time of day and weather
  (:mod:`a2i.render.painter.text`) composed into a stack of subject shapes with a layout (horizon, focal
  point, light), built once; what the picture shows is recorded (:mod:`a2i.render.painter.drawn`) for the card;
- **the style** (:mod:`a2i.render.painter.styles`, one module each), chosen by the prompt's art words
  through the shared vocabulary (:mod:`a2i.vocabulary`, with its documented fallback), or by
  name; it renders the scene's stack in its own idiom;
- **the colour** (:mod:`a2i.render.painter.palette`, :mod:`a2i.render.painter.colours`): the prompt's colour
  words set the hues; the mood (after Palmer et al. 2013) sets lightness, saturation and contrast, and the
  grading (:mod:`a2i.render.painter.grading`) pulls the picture's means onto the mood's targets (held within
  bounds when the prompt names colours, so the named hues survive);
- **the composition's randomness**, from the seed: every style draws in relative units with size-independent
  counts, so one seed gives one composition at every size.

Videos animate the same layers (:mod:`a2i.render.painter.motion`).

Examples
--------
>>> from a2i.mood import Profile
>>> image, drawn = paint_with_record(Profile(valence=0.8, energy=0.7), prompt="A watercolour of two boats on a bay.",
...                                  size=256, seed=3)
>>> image.size, drawn.style, drawn.subjects["boat"]
((256, 256), 'watercolour', 2)
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from a2i.errors import ConfigError
from a2i.features import SignalFeatures
from a2i.mood import Profile
from a2i.render.painter.colour_keeping import keep_named_colours
from a2i.render.painter.drawn import Drawn, drawn_record
from a2i.render.painter.grading import add_grain, grade_image, solve_grade
from a2i.render.painter.legibility import THUMB as LEGIBLE_THUMB
from a2i.render.painter.legibility import apply_shifts, legible_shifts
from a2i.render.painter.palette import Mood, mood_for
from a2i.render.painter.scene import Scene, compose
from a2i.render.painter.scene.stack import Raster
from a2i.render.painter.styles import STYLES
from a2i.render.painter.styles.base import Canvas, Layers, Painting, StyleSpec
from a2i.seeding import rng as seeded_rng
from a2i.sizes import MAX_SIDE, check_size
from a2i.vocabulary import choose_style

_GRAIN_STREAM = 0x6A41  # the grain's own random stream: its size-dependent draws never move the composition


def style_stream(name: str) -> int:
    """The random stream of a style (a stable number from its name), so styles never share draws."""
    return zlib.crc32(name.encode())


@dataclass
class Keyframe:
    """A picture before compositing: its style, mood, scene and layers (what :func:`paint` and videos share)."""

    style: StyleSpec
    mood: Mood  # the song's, what the style paints with; scene.mood is it at the time of day, what the grade aims at
    layers: Layers
    seed: int
    scene: Scene
    raster: Raster
    shifts: np.ndarray | None = None  # per shape: the legibility shift applied to its pixels (legibility.py)

    @property
    def named_colours(self) -> bool:
        return bool(self.scene.reading.colours)

    def drawn(self) -> Drawn:
        """What this picture shows (the card's record)."""
        return drawn_record(self.style.name, self.style.phrases[0], self.scene, self.raster)


def keyframe(profile: Profile, *, prompt: str | None = None, style: str | None = None, seed: int = 0,
             canvas: Canvas, features: SignalFeatures | None = None) -> Keyframe:
    """Choose the style, derive the mood, compose the scene and draw the layers on ``canvas``."""
    name = style if style is not None else choose_style(prompt, seed)
    if name not in STYLES:
        raise ConfigError(f"unknown painter style {name!r}; choose one of {', '.join(STYLES)}")
    spec = STYLES[name]
    mood = mood_for(profile, features, seed)
    scene = compose(prompt, mood, seed=seed, aspect=canvas.width / canvas.height)
    raster = scene.stack.raster(canvas.width, canvas.height)
    painting = Painting(canvas, mood, scene, raster, seeded_rng(seed, style_stream(name)))
    drawn = spec.draw(painting)
    shifts = _legibility(spec, drawn, scene, mood, raster, seed)
    layers = keep_named_colours(apply_shifts(drawn, raster, shifts), scene, scene.mood, raster)
    return Keyframe(spec, mood, layers, int(seed), scene, raster, shifts)


def _legibility(spec: StyleSpec, drawn: Layers, scene: Scene, mood: Mood, raster: Raster, seed: int) -> np.ndarray:
    """The legibility shifts (:func:`a2i.render.painter.legibility.legible_shifts`), decided on the style drawn
    at the legibility thumbnail's size, so a picture makes the same decisions at every size (the seed, not the
    pixel count, decides the picture); a picture that small is its own thumbnail."""
    w, h = raster.width, raster.height
    if max(w, h) <= LEGIBLE_THUMB:
        return legible_shifts(drawn, scene, scene.mood, raster)
    scale = LEGIBLE_THUMB / max(w, h)
    small = Canvas(max(16, round(w * scale)), max(16, round(h * scale)))
    small_raster = scene.stack.raster(small.width, small.height)
    layers = spec.draw(Painting(small, mood, scene, small_raster, seeded_rng(seed, style_stream(spec.name))))
    return legible_shifts(layers, scene, scene.mood, small_raster)


def underpainting(frame: Keyframe, keep: Sequence[bool], canvas: Canvas) -> Layers:
    """``frame``'s style drawn again over its scene with only the shapes whose ``keep`` is true: the picture as
    it stands before the others are painted (a video shows it where a subject has not arrived yet,
    :mod:`a2i.render.painter.motion`). The other shapes stay in the stack without parts, so a style's
    per-shape tables and random draws keep their order; the kept shapes get the keyframe's legibility shifts
    (so a subject looks the same before and after the others arrive); the named colours' glaze is not redone.
    """
    shapes = [shape if k else replace(shape, parts=[]) for shape, k in zip(frame.scene.stack.shapes, keep, strict=True)]
    scene = replace(frame.scene, stack=replace(frame.scene.stack, shapes=shapes))
    raster = scene.stack.raster(canvas.width, canvas.height)
    layers = frame.style.draw(Painting(canvas, frame.mood, scene, raster, seeded_rng(frame.seed, style_stream(frame.style.name))))
    if frame.shifts is None:
        return layers
    return apply_shifts(layers, raster, np.where(np.asarray(keep, dtype=bool), frame.shifts, 0.0))


def composite_image(layers: Layers, width: int, height: int) -> Image.Image:
    """The layers as one RGB picture of the given size, before grading (:meth:`Layers.composite`)."""
    return layers.composite(width, height)


def paint_with_record(profile: Profile, *, prompt: str | None = None, style: str | None = None,
                      size: int | tuple[int, int] = 1024, seed: int = 0,
                      features: SignalFeatures | None = None) -> tuple[Image.Image, Drawn]:
    """Paint a picture of what a prompt names, in the style it names, coloured by the profile's mood.

    Parameters
    ----------
    profile : Profile
        The song or clip mood; ``profile.features`` (or ``features``) adds clip-level detail.
    prompt : str, optional
        The picture's prompt: its subjects, counts, time, weather and colours make the scene
        (:mod:`a2i.render.painter.text`), its art words choose the style.
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
    (PIL.Image.Image, Drawn)
        The RGB picture and the record of what it shows.
    """
    image, frame = _painted(profile, prompt=prompt, style=style, size=size, seed=seed, features=features)
    return image, frame.drawn()


def _painted(profile: Profile, *, prompt: str | None, style: str | None, size: int | tuple[int, int], seed: int,
             features: SignalFeatures | None) -> tuple[Image.Image, Keyframe]:
    """The picture :func:`paint_with_record` describes, and its keyframe."""
    w, h = check_size(size)
    frame = keyframe(profile, prompt=prompt, style=style, seed=seed, canvas=Canvas(w, h), features=features)
    image = composite_image(frame.layers, w, h)
    image = grade_image(image, *solve_grade(image, frame.scene.mood, named=frame.named_colours))
    return add_grain(image, seeded_rng(seed, _GRAIN_STREAM), frame.mood), frame


def paint(profile: Profile, *, prompt: str | None = None, style: str | None = None, size: int | tuple[int, int] = 1024,
          seed: int = 0, features: SignalFeatures | None = None) -> Image.Image:
    """:func:`paint_with_record` without the record (which is not made: its visibility measures cost 8 ms of a
    1024 px picture)."""
    return _painted(profile, prompt=prompt, style=style, size=size, seed=seed, features=features)[0]


def describe(profile: Profile, *, prompt: str | None = None, style: str | None = None, size: int | tuple[int, int] = 1024,
             seed: int = 0, features: SignalFeatures | None = None) -> Drawn:
    """The record of what :func:`paint` draws for these arguments, without painting (the scene at ``DESCRIBE_SIDE``)."""
    w, h = check_size(size)
    name = style if style is not None else choose_style(prompt, seed)
    if name not in STYLES:
        raise ConfigError(f"unknown painter style {name!r}; choose one of {', '.join(STYLES)}")
    scale = min(1.0, DESCRIBE_SIDE / max(w, h))
    mood = mood_for(profile, features, seed)
    scene = compose(prompt, mood, seed=seed, aspect=w / h)
    raster = scene.stack.raster(max(16, round(w * scale)), max(16, round(h * scale)))
    return drawn_record(name, STYLES[name].phrases[0], scene, raster)


DESCRIBE_SIDE = 512  # px: the scene's visibility is checked at this size (fractions of the picture, not pixels)

__all__ = ["MAX_SIDE", "STYLES", "Drawn", "Keyframe", "describe", "keyframe", "paint", "paint_with_record", "underpainting"]
