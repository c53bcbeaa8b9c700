"""Cheap per-frame motion for music videos: keyframes drawn once, frames animated from their layers.

A :class:`Scene` is one keyframe's layers (:mod:`a2i.render.painter.styles.base`), drawn once at half the
video's size (anti-aliased, supersampled, as stills are) and graded to the keyframe's mood. :func:`render_frame` then draws any
frame between two scenes ``a`` and ``b`` with a handful of array operations:

- **growth, not a crossfade**: ``b``'s subjects appear over ``a`` in the order ``b``'s scene drew them
  (the sky first, wiping down; then far land, water, near land, each rising and paced by its area; the
  focal objects and the weather last), behind a narrow soft front (``MAX_FRONT``): each pixel shows ``a``
  or ``b``, never both pictures superimposed. Two different styles hand over the same way;
- **continuous flow** with ``time`` (seconds): a brightness wave travels along each scene's ``phase`` map
  (along strokes, across cells, through contour levels) at each style's own speed, so consecutive segments
  join without a jump, and the camera pans slowly;
- **pulse** (0..1, from percussive onsets): a brief brightening and zoom.

The frame is assembled at half the video size and resampled once to it (with the slow pan and the pulse's
zoom in the same step); the keyframes' edges are anti-aliased, so the upscaled edges stay smooth.

Examples
--------
>>> from a2i.mood import Profile
>>> calm = Scene.prepare(Profile(valence=0.3, energy=0.2), prompt="An oil painting of a bay.", seed=0, size=(320, 180))
>>> wild = Scene.prepare(Profile(valence=0.8, energy=0.9), prompt="An oil painting of a city.", seed=1, size=(320, 180))
>>> frames = [render_frame(calm, wild, p, time=p * 4.0, pulse=0.0) for p in (0.0, 0.5, 1.0)]
>>> frames[0].shape, frames[0].dtype
((180, 320, 3), dtype('uint8'))
>>> bool((frames[0] != frames[2]).any())
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops

from a2i.errors import ConfigError
from a2i.features import SignalFeatures
from a2i.mood import Profile
from a2i.render.painter import composite_image, keyframe
from a2i.render.painter.grading import grade_image, solve_grade
from a2i.render.painter.palette import Mood
from a2i.render.painter.styles.base import Canvas, Motion, StyleSpec, resize
from a2i.sizes import check_size

DETAIL_SCALE = 2  # keyframes are drawn (anti-aliased, supersampled) and animated at half the video size and resampled
# once per frame: edges stay smooth, and a frame costs a quarter (the video speed budget of issue 10 needs it)
SHIMMER_DEPTH = 0.5  # the brightness wave's depth per unit of a style's ``shimmer``
MAX_FRONT = 0.08  # the widest soft front of a transition (fraction of the drawing order): a front, not a fade
PULSE_LIGHT = 0.18  # brightness added by a full pulse (fraction of full scale)
PULSE_ZOOM = 0.04  # zoom of a full pulse (fraction of the frame)
PAN = 0.03  # amplitude of the slow pan (fraction of the frame)
PAN_PERIOD = 23.0  # seconds: slower than any phrase, so the pan reads as a camera drift, not a beat


def _l(values: np.ndarray) -> Image.Image:
    """A 0..1 float map as an 8-bit 'L' image (the per-frame look-up tables index it)."""
    return Image.fromarray((np.clip(values, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8), "L")


def _rgb(values: np.ndarray) -> Image.Image:
    return Image.fromarray((np.clip(values, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8), "RGB")


@dataclass
class Scene:
    """One keyframe, ready to animate: graded layers at animation size (8-bit images) and the style's motion.

    Every per-frame operation is a look-up table over one of the 8-bit maps, or a composite, done in C.
    """

    style: StyleSpec
    mood: Mood
    size: tuple[int, int]  # the video frame (width, height)
    ground: Image.Image  # RGB, graded, upscaled once here rather than every frame
    rgb: Image.Image  # RGB, graded detail colour
    alpha: Image.Image  # L, the detail's opacity
    order: Image.Image  # L, when each mark grows in (0 first)
    phase: Image.Image  # L, the shimmer's phase

    @property
    def motion(self) -> Motion:
        return self.style.motion

    @classmethod
    def prepare(cls, profile: Profile, *, prompt: str | None = None, seed: int, size: int | tuple[int, int],
                features: SignalFeatures | None = None, style: str | None = None) -> Scene:
        """Draw a keyframe's layers once (arguments as in :func:`a2i.render.painter.paint`)."""
        width, height = check_size(size)
        canvas = Canvas(max(16, width // DETAIL_SCALE), max(16, height // DETAIL_SCALE), motion=True)
        frame = keyframe(profile, prompt=prompt, style=style, seed=seed, canvas=canvas, features=features)
        layers = frame.layers.at(canvas.width, canvas.height)
        gain, shift = solve_grade(composite_image(layers, canvas.width, canvas.height), frame.mood, named=frame.named_colours)
        shape = (canvas.height, canvas.width)
        blank = np.zeros(shape, np.float32)
        detail = layers.detail if layers.detail is not None else Image.new("RGBA", shape[::-1], (0, 0, 0, 0))
        order = layers.order if layers.order is not None else blank
        phase = layers.phase if layers.phase is not None else blank
        ground = _rgb(resize(layers.ground.astype(np.float32), canvas.width, canvas.height))
        return cls(frame.style, frame.mood, (width, height), grade_image(ground, gain, shift),
                   grade_image(detail.convert("RGB"), gain, shift), detail.getchannel("A"), _l(order), _l(phase))


def _smooth(p: float) -> float:
    p = min(1.0, max(0.0, float(p)))
    return p * p * (3.0 - 2.0 * p)


_LEVELS = np.arange(256, dtype=np.float32) / 255.0  # the values an 8-bit map can hold


def _table(values: np.ndarray) -> list[int]:
    """A 0..1 curve over the 256 map levels as a PIL look-up table."""
    return (np.clip(values, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8).tolist()


def _shimmer(scene: Scene, time: float) -> Image.Image:
    """The scene's travelling brightness wave over its ``phase`` map (L: 255 full brightness)."""
    m = scene.motion
    return scene.phase.point(_table(1.0 - SHIMMER_DEPTH * m.shimmer * (0.5 + 0.5 * np.sin(2 * np.pi * (_LEVELS - time * m.speed)))))


def _over(frame: Image.Image, scene: Scene, visible: list[int] | None) -> tuple[Image.Image, Image.Image]:
    """The scene over ``frame`` where it is opaque (and grown: the visibility table over ``order``); the mask."""
    if visible is None and scene.alpha.getextrema() == (255, 255):  # an opaque picture covers the frame: no composite
        return scene.rgb, scene.alpha
    mask = scene.alpha if visible is None else ImageChops.multiply(scene.alpha, scene.order.point(visible))
    return Image.composite(scene.rgb, frame, mask), mask


def render_frame(a: Scene, b: Scene, progress: float, *, time: float, pulse: float = 0.0) -> np.ndarray:
    """The video frame between keyframes ``a`` and ``b`` (uint8, height x width x 3 of ``b.size``).

    Parameters
    ----------
    a, b : Scene
        The keyframes before and after (the same scene twice holds one keyframe).
    progress : float
        0 shows ``a``, 1 shows ``b``; in between, ``b`` grows in over ``a`` (paced by the caller).
    time : float
        Seconds since the video's start, for the continuous flow.
    pulse : float
        0..1, an onset's strength: a brief brightening and zoom.
    """
    if a.size != b.size:
        raise ConfigError(f"render_frame needs two scenes of one size, got {a.size} and {b.size}: prepare both with the video's size")
    s = _smooth(progress)
    # 1. a, whole. 2. b's subjects over it in the order b's scene drew them (the sky first, wiping down; then
    #    each shape rising, paced by area; the focal objects last), behind a narrow soft front: every pixel
    #    shows a or b, never both pictures at once.
    if s == 1.0:
        frame, _ = _over(b.ground, b, None)
        light = _shimmer(b, time)
    else:
        frame, _ = _over(a.ground, a, None)
        light = _shimmer(a, time)
        if s > 0.0:
            front = min(b.motion.growth, MAX_FRONT)
            frame, mask = _over(frame, b, _table((s * (1 + front) - _LEVELS) / front))
            light = Image.composite(_shimmer(b, time), light, mask)
    # The flow: a brightness wave (never a change of opacity, which would let one picture show through the other).
    frame = ImageChops.multiply(frame, Image.merge("RGB", (light, light, light)))
    # 3. The pulse's light, then one resampling to the video size with the slow pan and the pulse's zoom as
    #    the source box.
    pulse = min(1.0, max(0.0, float(pulse)))
    if pulse > 0.0:
        frame = frame.point(_table(_LEVELS * (1.0 + PULSE_LIGHT * pulse)) * 3)
    mw, mh = frame.size
    zoom = 1.0 - PAN - PULSE_ZOOM * pulse
    cx = 0.5 + 0.5 * (1 - zoom) * np.sin(2 * np.pi * time / PAN_PERIOD)
    cy = 0.5 + 0.5 * (1 - zoom) * np.cos(2 * np.pi * time / (1.3 * PAN_PERIOD))
    box = ((cx - zoom / 2) * mw, (cy - zoom / 2) * mh, (cx + zoom / 2) * mw, (cy + zoom / 2) * mh)
    return np.asarray(frame.resize(b.size, Image.Resampling.BILINEAR, box=box))
