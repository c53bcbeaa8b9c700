"""Can a subject be seen? Each drawn subject's contrast with what surrounds it in the rendered picture.

A card that says "a road into the distance" must sit beside a picture where the road can be told from the
dunes around it. :func:`subject_contrast` measures that on the painted picture, not on the scene: for each
subject the picture's record lists, the mean CIE Lab colour of the pixels the subject covers (its labels in
the scene's raster) against the mean of a ring around it (``RING`` short sides wide, the subject's own pixels
left out), as CIEDE2000. A subject at least ``MIN_CONTRAST`` from its surround reads as a shape of its own
(about twice the ΔE2000 of a just noticeable difference between large fields, ~2-3, e.g. Sharma et al. 2005's
test data; a shape must stand out at thumbnail size, not merely be distinguishable side by side).

:func:`legible_shifts` and :func:`apply_shifts` hold every drawn subject to that in every style: the scene sets shapes apart in
lightness before drawing (:func:`a2i.render.painter.scene._set_apart`), but a style's washes, marks, blurs and
the mood's grade can still merge a subject into its ground (an ink figure on a dark road, a watercolour forest,
a city against a sky of its own tone). After a style draws, each drawn subject's contrast is measured on a
thumbnail as it will be graded: the subject as a whole, then each of its shapes of at least ``UNIT`` of the
picture on its own (one walker may stand on a dark road, another on pale sand; a mountain's slope may melt into
the sky while its snow cap shines), each against a ring around it that leaves out the rest of its subject, then
the whole subject once more (its parts' moves may have brought its mean back to its surround's). A subject or
shape under ``GOAL`` has its own pixels shifted uniformly in lightness,
lighter or darker, by the smallest of ``SHIFTS`` that reaches ``GOAL`` once graded (a uniform shift of every
channel before the grade is the same shift after it, up to clipping, so it is tried through the grade; hue,
chroma and the style's texture inside the subject stay; the move is applied to the keyframe's layers, so video
frames agree). The direction that keeps the subject on its side of its surround wins a tie; the sun and the
moon (``LIGHTS``) only get lighter (a darkened moon reads as an eclipse).

Examples
--------
>>> from a2i.mood import Profile
>>> from a2i.render.painter import paint, paint_with_record
>>> from a2i.render.painter.palette import mood_for
>>> from a2i.render.painter.scene import compose
>>> prompt = "Two figures walking a long road through desert dunes at sunset."
>>> image, drawn = paint_with_record(Profile(valence=0.6), prompt=prompt, style="landscape", size=192, seed=5)
>>> raster = compose(prompt, mood_for(Profile(valence=0.6), None, 5), seed=5, aspect=1.0).stack.raster(192, 192)
>>> contrast = subject_contrast(image, raster, drawn.subjects)
>>> sorted(contrast) == sorted(drawn.subjects), contrast["road"] >= MIN_CONTRAST
(True, True)
>>> text, song = "the sea with waves at dusk, in violet and tan", Profile(valence=0.65, energy=0.45)
>>> raster = compose(text, mood_for(song, None, 0), seed=0, aspect=1.0).stack.raster(384, 384)
>>> marks_contrast(paint(song, prompt=text, style="landscape", size=384, seed=0), raster, "sea") >= MIN_CONTRAST
True
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from PIL import Image, ImageFilter

from a2i.render.painter.colour_keeping import thumbnail
from a2i.render.painter.colours import delta_e2000, srgb_to_lab
from a2i.render.painter.grading import apply_grade, solve_grade
from a2i.render.painter.palette import Mood
from a2i.render.painter.scene import SURFACE_MARKS, Scene
from a2i.render.painter.scene.stack import Raster
from a2i.render.painter.scene.subjects import SUBJECTS
from a2i.render.painter.scene.subjects.base import FRONT
from a2i.render.painter.styles.base import Layers

RING = 0.025  # short sides: how far around a subject its surround is taken
MIN_CONTRAST = 6.0  # ΔE2000 between a subject's mean colour and its surround's (see the module docstring)
GOAL = 9.0  # ΔE2000 legible_shifts aims for: MIN_CONTRAST plus room for grain, size and the thumbnail's blur
# px: the long side legibility is measured and corrected on (a figure is ~3 x 11 px there); the size of the smallest
# pictures the tests paint, so a picture's decisions are alike at every size (its composition is the seed's)
THUMB = 96
SHIFTS = (0.04, 0.08, 0.12, 0.18, 0.25, 0.35, 0.5)  # uniform RGB shifts (0..1) tried either way, smallest first
UNIT = 0.004  # fraction of the picture from which a shape is read on its own (a figure, a mountain's slope); smaller ones together
LIGHTS = frozenset({"sun", "moon"})  # lights: only their glowing discs are measured and they only get lighter
LARGEST = 0.75  # fraction of the picture above which a subject is the picture itself (a room: its "surround" is a frame)


def subject_contrast(image: Image.Image, raster: Raster, subjects: Iterable[str]) -> dict[str, float]:
    """ΔE2000 between each subject's mean colour and its surround's in ``image`` (``raster`` at its size)."""
    if image.size != (raster.width, raster.height):
        raise ValueError(f"the raster is {raster.width}x{raster.height}, the picture {image.size[0]}x{image.size[1]}")
    lab = srgb_to_lab(np.asarray(image.convert("RGB"), dtype=np.float64) / 255.0)
    labels = raster.label_index()
    reach = max(1, round(RING * min(image.size)))
    out = {}
    over = np.isin(labels, _weather(raster.stack.shapes))
    for name in subjects:
        ids = [k for k, shape in enumerate(raster.stack.shapes, start=1) if shape.subject == name]
        inside = np.isin(labels, ids)
        if not inside.any():
            continue
        grown = Image.fromarray(inside.astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(2 * reach + 1))
        ring = (np.asarray(grown) > 0) & ~inside & ~over
        if not ring.any():  # the subject fills the picture: its surround is everything else
            ring = ~inside
        if not ring.any():
            continue
        out[name] = float(delta_e2000(lab[inside].mean(axis=0), lab[ring].mean(axis=0)))
    return out


def marks_contrast(image: Image.Image, raster: Raster, subject: str, reach: int = 2) -> float | None:
    """ΔE2000 between a subject's thin marks (waves, the light's path on the sea) and its own surface within ``reach``
    px of them, in ``image`` (``raster`` at its size): what :func:`subject_contrast` cannot see, since it measures the
    whole subject against what lies around it. None where the marks or the surface beside them cover under 50 px.
    The module's examples measure a sea's waves.
    """
    if image.size != (raster.width, raster.height):
        raise ValueError(f"the raster is {raster.width}x{raster.height}, the picture {image.size[0]}x{image.size[1]}")
    labels = raster.label_index()
    own = [(k, shape.thin) for k, shape in enumerate(raster.stack.shapes, start=1) if shape.subject == subject]
    marks = np.isin(labels, [k for k, thin in own if thin])
    near = np.asarray(Image.fromarray(marks.astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(2 * reach + 1))) > 0
    surface = near & np.isin(labels, [k for k, thin in own if not thin])
    if marks.sum() < 50 or surface.sum() < 50:
        return None
    lab = srgb_to_lab(np.asarray(image.convert("RGB"), dtype=np.float64) / 255.0)
    return float(delta_e2000(lab[marks].mean(axis=0), lab[surface].mean(axis=0)))


def _weather(shapes: list) -> list[int]:
    """The labels of the weather's marks (rain, snow: thin shapes in front of everything): they fall over a
    subject's surround, they are not it, so rings leave them out (dark rain streaks on a river would count as
    the river's surround)."""
    return [k for k, shape in enumerate(shapes, start=1) if shape.thin and SUBJECTS[shape.subject].layer == FRONT]


def _contrast(lab: np.ndarray, inside: np.ndarray, reach: int, subject: np.ndarray) -> tuple[float, np.ndarray, np.ndarray] | None:
    """(ΔE2000, inside mean, ring mean) of a region of a Lab picture, as :func:`subject_contrast` measures it, the
    ring leaving out the rest of the region's subject (a mountain's snow cap is no surround of its slope) and,
    as ``subject`` is given, the weather's marks."""
    grown = Image.fromarray(inside.astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(2 * reach + 1))
    ring = (np.asarray(grown) > 0) & ~subject
    if not ring.any() or not inside.any():
        return None
    mi, mr = lab[inside].mean(axis=0), lab[ring].mean(axis=0)
    return float(delta_e2000(mi, mr)), mi, mr


def legible_shifts(layers: Layers, scene: Scene, mood: Mood, raster: Raster) -> np.ndarray:
    """Per shape of the stack, the uniform RGB shift (0..1, before the grade) that brings its subject to ``GOAL``
    from its surround (see the module docstring; zeros where every subject already is). The keyframe applies
    them (:func:`apply_shifts`), and a video's underpainting applies the same to the shapes it keeps."""
    scale = THUMB / max(raster.width, raster.height)
    w, h = max(16, round(raster.width * scale)), max(16, round(raster.height * scale))
    thumb = thumbnail(layers, w, h)
    image = Image.fromarray((np.clip(thumb, 0, 1) * 255 + 0.5).astype(np.uint8), "RGB")
    gain, shift = solve_grade(image, mood, named=bool(scene.reading.colours))
    lab = srgb_to_lab(apply_grade(thumb.copy(), gain, shift))
    labels = np.asarray(raster.labels.resize((w, h), Image.Resampling.NEAREST))
    reach = max(1, round(RING * min(w, h)))
    area = np.bincount(labels.ravel(), minlength=len(scene.stack.shapes) + 1) / labels.size
    subject_of = [shape.subject for shape in scene.stack.shapes]
    shown = {n: float(sum(area[k] for k, name in enumerate(subject_of, start=1) if name == n)) for n in scene.plan.subjects}
    shifts = np.zeros(len(scene.stack.shapes), dtype=np.float64)
    over = np.isin(labels, _weather(scene.stack.shapes))
    units = []  # (subject, shapes measured together, all the subject's shapes): the subject, each large shape, the subject
    for name in [n for n in scene.plan.subjects if 0.0 < shown[n] < LARGEST]:
        own = tuple(k for k, shape in enumerate(scene.stack.shapes, start=1) if shape.subject == name)
        keys = tuple(k for k in own if scene.stack.shapes[k - 1].glow or name not in LIGHTS)  # not the crescent's shadow
        # (a surface's marks, waves on the sea, read against that surface: scene._marks_apart sets them apart from it)
        large = tuple(k for k in keys if area[k] >= UNIT and not (name in SURFACE_MARKS and scene.stack.shapes[k - 1].thin))
        alone = [(name, (k,), own) for k in large] if len(large) > 1 else []
        units += [(name, keys, own)] + alone + [(name, keys, own)] * bool(alone)  # the whole again after its parts
    for name in [n for n in scene.plan.subjects if shown[n] >= LARGEST]:  # the picture itself (a street, a room):
        # each of its large parts reads against what is around it, its own subject's other parts included
        # (a street's house fronts against the sky and the road between them)
        units += [(name, (k,), (k,)) for k, shape in enumerate(scene.stack.shapes, start=1)
                  if shape.subject == name and not shape.glow and area[k] >= UNIT]
    for name, keys, own in units:
        inside = np.isin(labels, keys)
        measured = _contrast(lab, inside, reach, np.isin(labels, own) | over)
        if measured is None or measured[0] >= GOAL:
            continue
        _, _, ring_mean = measured
        pre = thumb[inside]
        best = None
        tries = SHIFTS if name in LIGHTS else SHIFTS + tuple(-v for v in SHIFTS)
        for d in sorted(tries, key=lambda v: (abs(v), v * (measured[1][0] - ring_mean[0]) < 0)):
            moved = apply_grade(np.clip(pre + d, 0.0, 1.0)[None], gain, shift)[0]
            value = float(delta_e2000(srgb_to_lab(moved).mean(axis=0), ring_mean))
            if best is None or value > best[0] or value >= GOAL:
                best = (value, d, moved)
            if value >= GOAL:
                break
        _, d, moved = best
        thumb[inside] = np.clip(pre + d, 0.0, 1.0)
        lab[inside] = srgb_to_lab(moved)
        for k in keys:
            shifts[k - 1] += d  # a uniform shift by d before the grade (a shape may move with its subject, then alone)
    return shifts


def apply_shifts(layers: Layers, raster: Raster, shifts: np.ndarray) -> Layers:
    """The layers with every shape's pixels shifted by its value of ``shifts`` (RGB, 0..1), anti-aliased at its
    edges: one per-shape map (:meth:`Raster.field`, offset by 0.5 to carry signs) over the box around what moves
    (found on a thumbnail of the labels, one thumbnail pixel of margin), added to the ground and to the detail
    layer (weighted by its alpha) there; the layers themselves when nothing moves."""
    if not np.any(shifts):
        return layers
    scale = THUMB / max(raster.width, raster.height)
    small = raster.labels.resize((max(16, round(raster.width * scale)), max(16, round(raster.height * scale))), Image.Resampling.NEAREST)
    moved = np.isin(np.asarray(small), np.flatnonzero(shifts) + 1)
    if not moved.any():
        return layers
    rows, cols = np.flatnonzero(moved.any(axis=1)), np.flatnonzero(moved.any(axis=0))
    th, tw = moved.shape
    rel = ((cols[0] - 1) / tw, (rows[0] - 1) / th, (cols[-1] + 2) / tw, (rows[-1] + 2) / th)
    box = _pixels(rel, raster.width, raster.height)
    full = raster.field(0.5, 0.5 + shifts, box) - np.float32(0.5)
    full[np.abs(full) < 1.5 / 255.0] = 0.0  # the map's rounding, not a move
    ground = layers.ground.copy()
    gh, gw = ground.shape[:2]
    gx0, gy0, gx1, gy1 = _pixels(rel, gw, gh)
    small = full if (gw, gh) == (raster.width, raster.height) else np.asarray(
        Image.fromarray(full, "F").resize((gx1 - gx0, gy1 - gy0), Image.Resampling.BOX))
    ground[gy0:gy1, gx0:gx1] = np.clip(ground[gy0:gy1, gx0:gx1] + small[..., None], 0.0, 1.0)
    out = Layers(ground, layers.detail, layers.phase)
    if layers.detail is not None:
        dw, dh = layers.detail.size
        x0, y0, x1, y1 = _pixels(rel, dw, dh)
        if (dw, dh) != (raster.width, raster.height):
            full = np.asarray(Image.fromarray(full, "F").resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR))
        detail = np.array(layers.detail)
        part = detail[y0:y1, x0:x1]
        alpha = part[..., 3]
        step = full * 255.0 if alpha.min() == 255 else full * alpha  # the shift in 0..255 units, weighted by alpha
        moved = part[..., :3].astype(np.int16)
        moved += np.rint(step).astype(np.int16)[..., None]
        part[..., :3] = np.clip(moved, 0, 255)
        out.detail = Image.fromarray(detail, "RGBA")
    return out


def _pixels(rel: tuple[float, float, float, float], width: int, height: int) -> tuple[int, int, int, int]:
    """A relative box (x0, y0, x1, y1) as whole pixels of a picture, clipped to it (never empty)."""
    x0, y0 = max(0, int(np.floor(rel[0] * width))), max(0, int(np.floor(rel[1] * height)))
    x1, y1 = min(width, max(x0 + 1, int(np.ceil(rel[2] * width)))), min(height, max(y0 + 1, int(np.ceil(rel[3] * height))))
    return x0, y0, x1, y1
