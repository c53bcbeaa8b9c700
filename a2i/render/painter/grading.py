"""The painter's last step: grade the picture to the mood's target lightness and saturation, then grain.

Whatever a style's layers did (a dark ink drawing, a bright stained-glass window), the picture's mean HLS
lightness and mean HSV saturation end on the mood's targets, so the colour reading of the music (Palmer
et al. 2013, see :mod:`a2i.render.painter.palette`) holds for every style: two songs of different valence
always differ in mean lightness in the right direction, and likewise energy and saturation.

The grade is an affine map of each pixel (``grey + (rgb - grey) * gain + shift``), so grading the layers
one by one (the motion module does) gives the same picture as grading their composite, up to clipping.
"""

from __future__ import annotations

import numpy as np

from a2i.render.painter.palette import Mood

THUMB = 96  # px: the side of the thumbnail the grade is solved on (the mean needs no more)
_STEPS = 4  # fixed-point steps: clipping couples gain and shift, four steps settle within 0.01


def solve_grade(arr: np.ndarray, mood: Mood) -> tuple[float, float]:
    """The saturation gain and lightness shift that pull ``arr`` (float RGB 0..1) onto the mood's targets."""
    small = arr[:: max(1, arr.shape[0] // THUMB), :: max(1, arr.shape[1] // THUMB)]
    gain, shift = 1.0, 0.0
    for _ in range(_STEPS):
        graded = apply_grade(small, gain, shift)
        mx, mn = graded.max(axis=2), graded.min(axis=2)
        lightness = float(((mx + mn) / 2).mean())
        sat = float(np.where(mx > 1e-4, (mx - mn) / np.maximum(mx, 1e-4), 0.0).mean())
        gain *= float(np.clip(mood.saturation / max(sat, 1e-3), 0.2, 5.0))
        shift += mood.lightness - lightness
    return gain, shift


def apply_grade(arr: np.ndarray, gain: float, shift: float) -> np.ndarray:
    """``grey + (rgb - grey) * gain + shift``, clipped to 0..1."""
    grey = arr.mean(axis=2, keepdims=True)
    out = arr - grey
    out *= gain
    out += grey
    out += shift
    return np.clip(out, 0.0, 1.0, out=out)


def grain(rng: np.random.Generator, width: int, height: int, mood: Mood) -> np.ndarray:
    """Film/paper grain (float32, height x width): coarser and stronger for acoustic music."""
    amp = 0.008 + 0.01 * mood.organic
    noise = rng.standard_normal((height, width), dtype=np.float32)
    noise *= amp
    if mood.organic > 0.5:
        coarse = rng.standard_normal((height // 4 + 1, width // 4 + 1), dtype=np.float32)
        noise += np.kron(coarse, np.ones((4, 4), dtype=np.float32))[:height, :width] * (amp * 0.6)
    return noise
