"""Colour fields (after Rothko): the scene as soft-edged fields of colour floating on a dark ground.

The sky and the land become two stacked rectangles with ragged, feathered edges, inset from the canvas (the
ground around them dark, or the prompt's last named colour deepened); the
subjects lie over them as soft-edged glazes of their own colour, their contrast with the field pushed and their
outlines darkened by a brushed contour, so each named subject still reads at thumbnail size; rain and other thin
marks are clear streaks. Several thin glazes of the field's own colour,
each a little lighter or darker in slow patches, give the fields depth, and the last is scumbled on in broad
horizontal sweeps whose brushing shows. Energy sharpens the forms and the
edges; calm music blurs them further. In a video the fields shimmer as one light passes across them.
"""

from __future__ import annotations

import numpy as np

from a2i.render.painter.colours import lab_to_srgb, mood_moved
from a2i.render.painter.styles.base import Layers, Motion, Painting, StyleSpec, mix, soften, value_noise

INSET = 0.06  # the ground's margin around the fields (fraction of the side)
GLAZES = 3  # layered glazes over each field
SWEEPS = (6, 48)  # brush sweeps of the scumbled glaze: cells across x down (long horizontal strokes)
SCUMBLE = 0.07  # lightness swing of the scumbled glaze (Rothko's surfaces show their brushing at arm's length)
GROUND_DEEPER = 8.0  # L* units the ground lies under its named colour (deeper, still that colour: dE2000 < 10)
GLAZE_SOFT = (0.0015, 0.008)  # blur of the subjects' glazes (short sides), bright .. dark timbre: soft-edged, still a silhouette
GLAZE_GAIN = 0.6  # how far a subject's difference from the field under it is pushed, so pale subjects read
RIM_SOFT = 0.004  # blur of the darker glaze along each subject's outline (short sides)
STREAK_SOFT = 0.003  # blur of the streaks for the darkest timbre (short sides)
RIM_DEPTH = 0.3  # how much the outline glaze darkens (a brushed contour, not a drawn line)
SCUMBLE_LIFT = 0.04  # how much lighter (0..1 RGB) the scumbled paint is than the field it is dragged over


def _soft_rect(p: Painting, x0: float, y0: float, x1: float, y1: float, feather: float) -> np.ndarray:
    """A field's coverage with ragged, feathered edges, at the ground's size (it is smooth: upscaled later)."""
    gw, gh = p.canvas.ground_size
    x, y = p.canvas.grid(gw, gh)
    rough = 0.004 * (1 + p.mood.organic) * value_noise(p.rng, 9, gw, gh) + 0.002 * value_noise(p.rng, 40, gw, gh)
    inside = np.minimum.reduce([x - x0, x1 - x, y - y0, y1 - y]) + rough
    return np.clip(inside / feather + 0.5, 0.0, 1.0)


def draw(p: Painting) -> Layers:
    short = p.canvas.short
    flat = p.flat()
    horizon = p.scene.layout.horizon
    soft = soften(flat, (0.004 + 0.03 * (1 - p.mood.hardness)) * short)  # bright timbres: crisper forms
    # The subjects as glazes over the fields: a little softened, their difference from the field pushed
    # (an unsharp glaze), and a soft darker glaze along their outlines, so each one reads at thumbnail size
    # however close its colour is to the field's.
    crisp = soften(flat, (GLAZE_SOFT[0] + (GLAZE_SOFT[1] - GLAZE_SOFT[0]) * (1 - p.mood.hardness)) * short)
    form = crisp - soft
    form *= 1 + GLAZE_GAIN * (0.4 + 1.2 * p.mood.hardness)  # bright timbres: sharper
    form += soft
    rim = soften(p.raster.edges(), RIM_SOFT * (1.5 - p.mood.hardness) * short)
    on = rim > 0.02  # only near outlines (most of the picture has none): cheaper at 1024 px
    form[on] *= 1 - RIM_DEPTH * (0.5 + p.mood.hardness) * np.minimum(rim[on] * 2.5, 1)[:, None]
    # Thin marks (rain, waves, stars, birds) as clear streaks: lighter than a dark field, darker than a light one.
    thin = soften(p.thin(), STREAK_SOFT * (1 - p.mood.hardness) * short)  # dark timbres: softer streaks
    on = thin > 0.02
    under = form[on]
    streak = np.where(under.mean(axis=1, keepdims=True) > 0.55, under * 0.45, np.minimum(under * 0.4 + 0.6, 1.0))
    form[on] = under + (streak - under) * np.clip(thin[on] * (0.8 + 0.8 * p.mood.hardness), 0, 1)[:, None]
    ground = p.roles.dark * 0.6 + p.roles.sky_top * 0.25
    named = p.scene.reading.colours
    if named:  # a ground of the last named colour, deepened (Rothko's rust fields on a blue ground)
        lab = mood_moved(named[-1].lab, p.mood.valence, p.mood.energy)
        ground = lab_to_srgb(np.array([max(3.0, lab[0] - GROUND_DEEPER), lab[1], lab[2]])).astype(np.float32)
    feather = 0.02 + 0.025 * (1 - p.mood.hardness)
    upper = _soft_rect(p, INSET, INSET, 1 - INSET, horizon - 0.01, feather)
    lower = _soft_rect(p, INSET, horizon + 0.01, 1 - INSET, 1 - INSET, feather)
    fields = np.clip(p.smooth(np.maximum(upper, lower)), 0.0, 1.0)
    rgb = mix(ground, form, fields)
    shade = np.ones_like(fields)  # the glazes and the scumble, multiplied into one map before touching colour
    for _ in range(GLAZES):
        shade *= 1 + p.noise(3) * 0.05 * fields
    # Scumbling: the last glaze dragged on with a broad brush in horizontal sweeps, thin and thick in turn,
    # so the field's surface shows its brushwork (more of it for acoustic music).
    sweeps = p.noise(SWEEPS) + 0.5 * p.noise((SWEEPS[0] * 3, SWEEPS[1] * 2))
    shade *= 1 + (SCUMBLE + 0.04 * p.mood.organic) * sweeps * fields
    rgb *= shade[..., None]
    # Scumbling is a lighter paint dragged thinly over a darker one: where the brush was loaded, the field lifts
    # by a fixed amount, so the brushing shows in a dark field as much as in a light one.
    rgb += (SCUMBLE_LIFT * np.clip(sweeps, 0.0, None) * fields)[..., None]
    return p.finish(rgb)


STYLE = StyleSpec(
    name="fields",
    draw=draw,
    motion=Motion(shimmer=0.25, speed=0.08, front=4.0),
    summary="Rothko-like colour fields: the scene as soft forms in feathered fields, layered glazes",
)
