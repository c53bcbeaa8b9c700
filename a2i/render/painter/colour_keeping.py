"""Keeping the named colours: a prompt's colours hold their share of the picture in every style.

The scene gives each named colour a region (:func:`a2i.render.painter.scene._named_regions`: the sky, or a
run of the large shapes), and every style paints that region in its own idiom: watercolour thins it toward
the paper, contours lay lines over it, a happy song's grade lifts a dark colour. Usually the colour survives;
sometimes its share of pixels within ΔE2000 ``NEAR`` of the named colour falls under ``SHARE_GOAL`` (a navy
bay under contour lines, charcoal in a watercolour lifted by a happy song).

:func:`keep_named_colours` measures every named colour's share on a thumbnail of the keyframe as it will be
graded (the mood's grade, :mod:`a2i.render.painter.grading`) and, for a colour short of its share, glazes its
own region back toward it: each pixel of the region moves by ``t`` times the gap between the region's median
colour and the mood-moved named colour, and if that is not enough the region's spread around the colour is
narrowed by ``1 - s``; the smallest ``t`` (then ``s``) that reaches the goal is taken, so a style's texture
and the mood's light and dark stay as far as they can. The correction is an affine map of the pixels in the
region, applied to the keyframe's layers, so stills and video frames get it alike. Colours already at their
share (most pictures) are left untouched.

Examples
--------
>>> from a2i.mood import Profile
>>> from a2i.render.painter import keyframe
>>> from a2i.render.painter.styles.base import Canvas
>>> frame = keyframe(Profile(valence=0.8, energy=0.3), prompt="boats on a bay, in navy and burnt umber",
...                  style="contours", seed=0, canvas=Canvas(96, 96))
>>> [round(share, 2) >= SHARE_GOAL for share in named_shares(frame.layers, frame.scene, frame.scene.mood)]
[True, True]
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from a2i.render.painter.colours import delta_e2000, lab_to_srgb, mood_moved, srgb_to_lab
from a2i.render.painter.grading import apply_grade, solve_grade
from a2i.render.painter.palette import Mood
from a2i.render.painter.scene import SKY_LOW, SKY_TOP, Scene
from a2i.render.painter.scene.stack import Raster
from a2i.render.painter.styles.base import Layers, soften

NEAR = 20.0  # ΔE2000: a pixel "shows" a named colour within this distance (the measure)
SHARE_GOAL = 0.2  # fraction of the picture each named colour keeps (the issue asks 0.15; the margin covers grain and sizes)
THUMB = 96  # px: the side of the thumbnail shares are measured on
FEATHER = 0.006  # short sides: the glaze's edge is feathered this wide, so soft styles keep soft edges
STEPS = (0.25, 0.5, 0.75, 1.0)  # the tries of t (move toward the colour), then of s (narrow the spread)


def thumbnail(layers: Layers, width: int, height: int) -> np.ndarray:
    """The keyframe's picture at thumbnail size, float32 RGB 0..1 (as ``composite_image`` makes it, smaller:
    the detail layer box-reduced, which is what a thumbnail's mean colours need)."""
    if layers.detail is None:
        return np.asarray(layers.composite(width, height), dtype=np.float32) / 255.0
    detail = layers.detail.reduce(max(1, layers.detail.width // width)).resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(Layers(layers.ground, detail).composite(width, height), dtype=np.float32) / 255.0


def _region(raster: Raster, scene: Scene, keys: tuple[float, ...], width: int, height: int) -> np.ndarray:
    """How much of each pixel (0..1, float32 at ``width`` x ``height``) belongs to the named colour's region."""
    shapes = set(int(k) for k in keys if k >= 1)
    keep = np.array([k in shapes for k in range(1, len(scene.stack.shapes) + 1)], dtype=np.float64)
    small = raster if (raster.width, raster.height) == (width, height) else scene.stack.raster(width, height)
    cover = small.coverage(keep)
    sky_keys = {k for k in keys if k < 1}
    if sky_keys:
        sky = small.coverage(np.zeros(len(keep)), sky=True)
        if sky_keys != {0.0} and scene.stack.sky_split is not None and sky_keys != {SKY_TOP, SKY_LOW}:
            y = (np.arange(height, dtype=np.float32) + 0.5) / height
            above = (y < scene.stack.sky_split * scene.stack.horizon).astype(np.float32)[:, None]
            sky = sky * (above if SKY_TOP in sky_keys else 1 - above)
        cover = cover + sky
    return np.clip(cover, 0.0, 1.0)


def named_shares(layers: Layers, scene: Scene, mood: Mood) -> list[float]:
    """Each named colour's share of the graded picture (pixels within ``NEAR`` of it), on a thumbnail."""
    w, h = _thumb_size(layers)
    graded = _graded(thumbnail(layers, w, h), mood)
    lab = srgb_to_lab(graded)
    return [float((delta_e2000(lab, np.asarray(c.lab)) < NEAR).mean()) for c in scene.reading.colours]


def _thumb_size(layers: Layers) -> tuple[int, int]:
    w, h = layers.detail.size if layers.detail is not None else layers.ground.shape[1::-1]
    scale = THUMB / max(w, h)
    return max(8, round(w * scale)), max(8, round(h * scale))


def _graded(rgb: np.ndarray, mood: Mood) -> np.ndarray:
    return apply_grade(rgb.copy(), *_grade_of(rgb, mood))


def keep_named_colours(layers: Layers, scene: Scene, mood: Mood, raster: Raster) -> Layers:
    """The keyframe's layers with every named colour glazed back to its share where it fell short (see the
    module docstring); the layers themselves when every colour holds."""
    runs = scene.stack.named_runs
    if not runs:
        return layers
    w, h = _thumb_size(layers)
    thumb = thumbnail(layers, w, h)
    image_gain, image_shift = _grade_of(thumb, mood)
    graded = apply_grade(thumb.copy(), image_gain, image_shift)
    names = [np.asarray(c.lab) for c in scene.reading.colours]
    moves = []
    for named, (_, keys) in zip(names, runs):
        lab = srgb_to_lab(graded)
        if not keys or float((delta_e2000(lab, named) < NEAR).mean()) >= SHARE_GOAL:
            continue
        region = _region(raster, scene, keys, w, h)
        inside = region > 0.5
        if not inside.any():
            continue
        target = lab_to_srgb(mood_moved(tuple(named), mood.valence, mood.energy)).astype(np.float32)
        median = np.median(graded[inside], axis=0).astype(np.float32)
        best = None
        for t, s in [(t, 0.0) for t in STEPS] + [(1.0, s) for s in STEPS[:-1]]:
            trial = _glaze(graded, region[..., None], median, target, t, s)
            if float((delta_e2000(srgb_to_lab(trial), named) < NEAR).mean()) >= SHARE_GOAL:
                best = (t, s)
                break
        t, s = best or (1.0, STEPS[-2])
        graded = _glaze(graded, region[..., None], median, target, t, s)
        moves.append((keys, median, target, t, s))
    if not moves:
        return layers
    return _apply(layers, scene, raster, moves, image_gain, image_shift)


def _grade_of(rgb: np.ndarray, mood: Mood) -> tuple[float, float]:
    """The grade ``paint`` will solve for this picture (on its thumbnail: the grade reads means only)."""
    image = Image.fromarray((np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8), "RGB")
    return solve_grade(image, mood, named=True)


def _glaze(rgb: np.ndarray, region: np.ndarray, median: np.ndarray, target: np.ndarray, t: float, s: float) -> np.ndarray:
    """Pixels of the region moved ``t`` of the way from the median to the target, their spread around the
    target narrowed by ``s``; the region's anti-aliased edge blends the glaze in."""
    moved = rgb + t * (target - median)
    moved = target + (moved - target) * (1.0 - s)
    return np.clip(rgb + region * (moved - rgb), 0.0, 1.0)


def _ungrade(colour: np.ndarray, gain: float, shift: float) -> np.ndarray:
    """The pre-grade colour the grade ``grey + (rgb - grey) * gain + shift`` maps onto ``colour``."""
    grey = colour.mean() - shift
    return grey + (colour - shift - grey) / gain


def _apply(layers: Layers, scene: Scene, raster: Raster, moves: list, gain: float, shift: float) -> Layers:
    """The glazes, found in graded colours on the thumbnail, applied to the layers before the grade (the grade
    is affine, so a move toward a colour before it is the same move after it)."""
    out = Layers(layers.ground.copy(), layers.detail, layers.phase)
    detail = None
    if layers.detail is not None:
        detail = np.asarray(layers.detail, dtype=np.float32) / 255.0
    for keys, median, target, t, s in moves:
        median_pre, target_pre = _ungrade(median, gain, shift), _ungrade(target, gain, shift)
        gh, gw = out.ground.shape[:2]
        out.ground = _glaze(out.ground, _region(raster, scene, keys, gw, gh)[..., None], median_pre, target_pre, t, s)
        if detail is not None:
            region = soften(_region(raster, scene, keys, detail.shape[1], detail.shape[0]), FEATHER * min(detail.shape[:2]))
            region = np.clip(region, 0.0, 1.0)[..., None] * detail[..., 3:4]
            detail[..., :3] = _glaze(detail[..., :3], region, median_pre, target_pre, t, s)
    if detail is not None:
        out.detail = Image.fromarray((detail * 255.0 + 0.5).astype(np.uint8), "RGBA")
    return out
