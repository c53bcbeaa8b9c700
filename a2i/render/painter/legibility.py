"""Can a subject be seen? Each drawn subject's contrast with what surrounds it in the rendered picture.

A card that says "a road into the distance" must sit beside a picture where the road can be told from the
dunes around it. :func:`subject_contrast` measures that on the painted picture, not on the scene: for each
subject the picture's record lists, the mean CIE Lab colour of the pixels the subject covers (its labels in
the scene's raster) against the mean of a ring around it (``RING`` short sides wide, the subject's own pixels
left out), as CIEDE2000. A subject at least ``MIN_CONTRAST`` from its surround reads as a shape of its own
(about twice the ΔE2000 of a just noticeable difference between large fields, ~2-3, e.g. Sharma et al. 2005's
test data; a shape must stand out at thumbnail size, not merely be distinguishable side by side).

Examples
--------
>>> from a2i.mood import Profile
>>> from a2i.render.painter import paint_with_record
>>> from a2i.render.painter.palette import mood_for
>>> from a2i.render.painter.scene import compose
>>> prompt = "Two figures walking a long road through desert dunes at sunset."
>>> image, drawn = paint_with_record(Profile(valence=0.6), prompt=prompt, style="landscape", size=192, seed=5)
>>> raster = compose(prompt, mood_for(Profile(valence=0.6), None, 5), seed=5, aspect=1.0).stack.raster(192, 192)
>>> contrast = subject_contrast(image, raster, drawn.subjects)
>>> sorted(contrast) == sorted(drawn.subjects), contrast["road"] >= MIN_CONTRAST
(True, True)
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from PIL import Image, ImageFilter

from a2i.render.painter.colours import delta_e2000, srgb_to_lab
from a2i.render.painter.scene.stack import Raster

RING = 0.025  # short sides: how far around a subject its surround is taken
MIN_CONTRAST = 6.0  # ΔE2000 between a subject's mean colour and its surround's (see the module docstring)


def subject_contrast(image: Image.Image, raster: Raster, subjects: Iterable[str]) -> dict[str, float]:
    """ΔE2000 between each subject's mean colour and its surround's in ``image`` (``raster`` at its size)."""
    if image.size != (raster.width, raster.height):
        raise ValueError(f"the raster is {raster.width}x{raster.height}, the picture {image.size[0]}x{image.size[1]}")
    lab = srgb_to_lab(np.asarray(image.convert("RGB"), dtype=np.float64) / 255.0)
    labels = raster.label_index()
    reach = max(1, round(RING * min(image.size)))
    out = {}
    for name in subjects:
        ids = [k for k, shape in enumerate(raster.stack.shapes, start=1) if shape.subject == name]
        inside = np.isin(labels, ids)
        if not inside.any():
            continue
        grown = Image.fromarray(inside.astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(2 * reach + 1))
        ring = (np.asarray(grown) > 0) & ~inside
        if not ring.any():  # the subject fills the picture: its surround is everything else
            ring = ~inside
        if not ring.any():
            continue
        out[name] = float(delta_e2000(lab[inside].mean(axis=0), lab[ring].mean(axis=0)))
    return out
