"""Colour fields (after Rothko): the scene as soft-edged fields of colour floating on a dark ground.

The sky and the land become two stacked rectangles with ragged, feathered edges, inset from the canvas (the
ground around them dark, or the prompt's last named colour deepened); the
subjects inside them dissolve into soft glowing forms of their own colour (a lighthouse a pale column, the
moon a luminous blur), as if seen through layers of glaze. Several thin glazes of the field's own colour,
each a little lighter or darker in slow patches, give the fields depth, and the last is scumbled on in broad
horizontal sweeps whose brushing shows. Energy sharpens the forms and the
edges; calm music blurs them further. In a video the fields grow in from the top, glaze by glaze.
"""

from __future__ import annotations

import numpy as np

from a2i.render.painter.colours import lab_to_srgb, mood_moved
from a2i.render.painter.styles.base import Layers, Motion, Painting, StyleSpec, mix, soften

INSET = 0.06  # the ground's margin around the fields (fraction of the side)
GLAZES = 3  # layered glazes over each field
SWEEPS = (6, 48)  # brush sweeps of the scumbled glaze: cells across x down (long horizontal strokes)
SCUMBLE = 0.07  # lightness swing of the scumbled glaze (Rothko's surfaces show their brushing at arm's length)
GROUND_DEEPER = 8.0  # L* units the ground lies under its named colour (deeper, still that colour: dE2000 < 10)
SCUMBLE_LIFT = 0.04  # how much lighter (0..1 RGB) the scumbled paint is than the field it is dragged over


def _soft_rect(p: Painting, x0: float, y0: float, x1: float, y1: float, feather: float) -> np.ndarray:
    x, y = p.canvas.grid()
    rough = 0.004 * (1 + p.mood.organic) * p.noise(9) + 0.002 * p.noise(40)
    inside = np.minimum.reduce([x - x0, x1 - x, y - y0, y1 - y]) + rough
    return np.clip(inside / feather + 0.5, 0.0, 1.0)


def draw(p: Painting) -> Layers:
    short = p.canvas.short
    flat = p.flat()
    horizon = p.scene.layout.horizon
    soft = soften(flat, (0.004 + 0.03 * (1 - p.mood.hardness)) * short)  # bright timbres: crisper forms
    # Keep thin marks faintly, and forms a little crisper for energetic music.
    form = mix(soft, flat, p.thin() * 0.5 + 0.15 * p.mood.energy)
    ground = p.roles.dark * 0.6 + p.roles.sky_top * 0.25
    named = p.scene.reading.colours
    if named:  # a ground of the last named colour, deepened (Rothko's rust fields on a blue ground)
        lab = mood_moved(named[-1].lab, p.mood.valence, p.mood.energy)
        ground = lab_to_srgb(np.array([max(3.0, lab[0] - GROUND_DEEPER), lab[1], lab[2]])).astype(np.float32)
    feather = 0.02 + 0.025 * (1 - p.mood.hardness)
    upper = _soft_rect(p, INSET, INSET, 1 - INSET, horizon - 0.01, feather)
    lower = _soft_rect(p, INSET, horizon + 0.01, 1 - INSET, 1 - INSET, feather)
    fields = np.maximum(upper, lower)
    rgb = mix(ground, form, fields)
    for _ in range(GLAZES):
        patch = p.noise(3) * 0.05
        rgb = rgb * (1 + patch * fields)[..., None]
    # Scumbling: the last glaze dragged on with a broad brush in horizontal sweeps, thin and thick in turn,
    # so the field's surface shows its brushwork (more of it for acoustic music).
    sweeps = p.noise(SWEEPS) + 0.5 * p.noise((SWEEPS[0] * 3, SWEEPS[1] * 2))
    rgb = rgb * (1 + (SCUMBLE + 0.04 * p.mood.organic) * sweeps * fields)[..., None]
    # Scumbling is a lighter paint dragged thinly over a darker one: where the brush was loaded, the field lifts
    # by a fixed amount, so the brushing shows in a dark field as much as in a light one.
    rgb = rgb + (SCUMBLE_LIFT * np.clip(sweeps, 0.0, None) * fields)[..., None]
    if p.canvas.motion:
        x, y = p.canvas.grid()
        return p.finish(rgb, order=np.clip(0.1 + 0.6 * y + 0.3 * p.drawing_order(), 0, 1))
    return p.finish(rgb)


STYLE = StyleSpec(
    name="fields",
    draw=draw,
    motion=Motion(shimmer=0.25, speed=0.08, growth=0.3),
    summary="Rothko-like colour fields: the scene as soft forms in feathered fields, layered glazes",
)
