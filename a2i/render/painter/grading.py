"""The painter's last step: grade the picture to the mood's target lightness and saturation, then grain.

Whatever a style's layers did (a dark ink drawing, a bright stained-glass window), the picture's mean HLS
lightness and mean HSV saturation end on the mood's targets, so the colour reading of the music (Palmer
et al. 2013, see :mod:`a2i.render.painter.palette`) holds for every style: two songs of different valence
always differ in mean lightness in the right direction, and likewise energy and saturation.

The grade is an affine map of each pixel (``grey + (rgb - grey) * gain + shift``), so grading the layers
one by one (the motion module does) gives the same picture as grading their composite, up to clipping. It is
solved on a thumbnail and applied to the full picture as one colour-matrix conversion in C.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageChops

from a2i.render.painter.palette import Mood

THUMB = 96  # px: the side of the thumbnail the grade is solved on (the mean needs no more)
_STEPS = 6  # fixed-point steps: clipping couples gain and shift; six settle within 0.01 even for glowing pictures
GRAIN_TILE = 256  # px: the grain repeats every 256 px, far apart enough to go unseen under a texture


NAMED_GAIN = (0.85, 1.2)  # the grade's saturation gain when the prompt names colours: the named hues must survive
NAMED_SHIFT = 0.05  # ... and its lightness shift (HLS units); the mood already moved the named colours' lightness


def solve_grade(image: Image.Image, mood: Mood, *, named: bool = False) -> tuple[float, float]:
    """The saturation gain and lightness shift that pull ``image``'s means onto the mood's targets.

    With ``named`` (the prompt named colours) the grade is held within ``NAMED_GAIN`` and ``NAMED_SHIFT``,
    so it moves the picture toward the mood's targets without turning indigo into grey or silver into black.
    """
    small = np.asarray(image.reduce(max(1, min(image.size) // THUMB)), dtype=np.float32) / 255.0
    # A colour of HLS lightness L > 0.5 has HSV saturation at most 2 - 2L: a light and vivid target is only
    # reachable so far, and lightness (valence) comes first, so the saturation target gives way.
    reachable = min(mood.saturation, 2.0 - 2.0 * mood.lightness)
    gain, shift = 1.0, 0.0
    for _ in range(_STEPS):
        graded = apply_grade(small, gain, shift)
        mx, mn = graded.max(axis=2), graded.min(axis=2)
        lightness = float(((mx + mn) / 2).mean())
        sat = float(np.where(mx > 1e-4, (mx - mn) / np.maximum(mx, 1e-4), 0.0).mean())
        gain *= float(np.clip(reachable / max(sat, 1e-3), 0.2, 5.0))
        shift += mood.lightness - lightness
        if named:
            gain, shift = float(np.clip(gain, *NAMED_GAIN)), float(np.clip(shift, -NAMED_SHIFT, NAMED_SHIFT))
    return gain, shift


def apply_grade(arr: np.ndarray, gain: float, shift: float) -> np.ndarray:
    """``grey + (rgb - grey) * gain + shift``, clipped to 0..1."""
    grey = arr.mean(axis=2, keepdims=True)
    out = arr - grey
    out *= gain
    out += grey
    out += shift
    return np.clip(out, 0.0, 1.0, out=out)


def grade_image(image: Image.Image, gain: float, shift: float) -> Image.Image:
    """:func:`apply_grade` on a PIL RGB picture, as one colour-matrix conversion in C (clipped to 0..255)."""
    off = (1.0 - gain) / 3.0
    bias = 255.0 * shift
    matrix = (gain + off, off, off, bias, off, gain + off, off, bias, off, off, gain + off, bias)
    return image.convert("RGB", matrix)


def add_grain(image: Image.Image, rng: np.random.Generator, mood: Mood) -> Image.Image:
    """Film/paper grain, coarser and stronger for acoustic music, added to every channel alike.

    The grain is a seeded tile repeated over the picture (a texture, not composition, so it need not scale),
    added in C by :func:`PIL.ImageChops.add` around a mid-grey of 128.
    """
    amp = 255.0 * (0.008 + 0.01 * mood.organic)
    noise = rng.standard_normal((GRAIN_TILE, GRAIN_TILE), dtype=np.float32) * amp
    if mood.organic > 0.5:
        coarse = rng.standard_normal((GRAIN_TILE // 4, GRAIN_TILE // 4), dtype=np.float32)
        noise += np.kron(coarse, np.ones((4, 4), dtype=np.float32)) * (amp * 0.6)
    tile = np.clip(noise + 128.0, 0, 255).astype(np.uint8)
    w, h = image.size
    plane = np.tile(tile, (h // GRAIN_TILE + 1, w // GRAIN_TILE + 1))[:h, :w]
    grey = Image.fromarray(plane, "L")
    return ImageChops.add(image, Image.merge("RGB", (grey, grey, grey)), offset=-128)
