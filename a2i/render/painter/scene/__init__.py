"""The scene grammar: a prompt's subjects composed into a stack of shapes every style can draw.

:func:`compose` reads the prompt (:mod:`a2i.render.painter.text`), plans the scene
(:mod:`~a2i.render.painter.scene.plan`: companions, ground, light, weather), chooses the layout and the
colour roles (:mod:`~a2i.render.painter.scene.roles`), and has each subject of the vocabulary
(:mod:`~a2i.render.painter.scene.subjects`) add its shapes to the stack
(:mod:`~a2i.render.painter.scene.stack`). A style then renders that one stack in its own idiom, and the
picture's :class:`Drawn` record (what the card describes) is read from the rasterised stack itself: a
subject counts as drawn only if the picture shows it.

Every subject draws from its own random stream (the seed and its name), so adding a subject to a prompt
leaves the others where they were.

Examples
--------
>>> from a2i.render.painter.palette import mood_for
>>> from a2i.mood import Profile
>>> scene = compose("Three boats under a full moon", mood_for(Profile(valence=0.3)), seed=1, aspect=1.0)
>>> list(scene.plan.subjects)
['stars', 'moon', 'sea', 'boat']
>>> scene.plan.subjects["boat"], scene.plan.time
(3, 'night')
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from a2i.render.painter.colours import lab_to_srgb, mood_moved, srgb_to_lab
from a2i.render.painter.palette import Mood
from a2i.render.painter.scene.builder import Builder, Layout, Roles
from a2i.render.painter.scene.plan import ScenePlan, choose_layout, plan_scene
from a2i.render.painter.scene.roles import scene_roles
from a2i.render.painter.scene.stack import Raster, Stack
from a2i.render.painter.scene.subjects import SUBJECTS
from a2i.render.painter.text import Reading, read_prompt
from a2i.seeding import rng as seeded_rng

SCENE_STREAM = 0x5CE7E  # the random stream of the plan, layout and palette (subjects have their own)
AREA_SIDE = 64  # px: shapes' areas for sharing the picture between named colours are measured this small
SMALL_SHAPE = 0.03  # fraction of the picture under which a shape keeps its own colour
KEEP_CONTRAST = 16.0  # L* units a shape may stay lighter or darker than its named colour (silhouettes stay readable)
SKY_SHADE = 5.0  # L* units between a named sky's zenith and horizon


@dataclass
class Scene:
    """A composed scene: what the text named, the plan, the layout, the colour roles and the stack."""

    reading: Reading
    plan: ScenePlan
    layout: Layout
    roles: Roles
    stack: Stack


def compose(prompt: str | None, mood: Mood, *, seed: int, aspect: float) -> Scene:
    """Compose the scene a prompt names (see the module docstring)."""
    rng = seeded_rng(seed, SCENE_STREAM)
    reading = read_prompt(prompt)
    plan = plan_scene(reading, mood, rng)
    roles = scene_roles(reading.colours, mood, rng, plan.time)
    layout = choose_layout(plan, rng, aspect)
    builder = Builder(layout, roles, mood, rng, time=plan.time, weather=plan.weather, present=frozenset(plan.subjects))
    for name, count in plan.subjects.items():
        builder.rng = seeded_rng(seed, zlib.crc32(name.encode()))
        SUBJECTS[name].draw(builder, count)
    if reading.colours:
        _named_regions(builder.stack, [mood_moved(c.lab, mood.valence, mood.energy) for c in reading.colours])
    return Scene(reading, plan, layout, roles, builder.stack)


def _named_regions(stack: Stack, labs: list[np.ndarray]) -> None:
    """Give each named colour an even share of the picture: the sky and the shapes, far to near, are cut into
    as many runs of about equal area as colours were named (one colour: half the picture), and each run is
    painted in its colour, every shape keeping its lightness relative to its run (within ``KEEP_CONTRAST``
    L* units), so silhouettes stay darker and lights lighter. Lights (sun, moon, lamps, fire) and thin marks
    keep their colours."""
    small = stack.raster(AREA_SIDE, AREA_SIDE)
    counts = np.asarray(small.labels.histogram()[: len(stack.shapes) + 1], dtype=np.float64)
    area = counts / max(counts.sum(), 1.0)
    # Small shapes (a figure, a boat, a tree) keep their own colours: they do not change the shares, and a
    # silhouette recoloured to its background's colour would vanish.
    regions = [0] + [k for k, shape in enumerate(stack.shapes, start=1)
                     if not shape.glow and not shape.thin and area[k] >= SMALL_SHAPE]
    share = 1.0 / max(len(labs), 2) if len(labs) == 1 else 1.0 / len(labs)
    own = {0: srgb_to_lab(np.asarray(stack.sky_top, dtype=np.float64) * 0.5 + np.asarray(stack.sky_low, dtype=np.float64) * 0.5)}
    for k in regions[1:]:
        own[k] = srgb_to_lab(np.asarray(stack.shapes[k - 1].colour, dtype=np.float64))
    runs: list[list[int]] = [[] for _ in labs]
    total = float(sum(area[k] for k in regions))
    filled = 0.0
    for k in regions:  # each region joins the run its middle falls in
        group = int((filled + area[k] / 2) / max(total, 1e-9) / share)
        filled += area[k]
        if group < len(labs):
            runs[group].append(k)
    for lab, run in zip(labs, runs):
        if not run:
            continue
        mean_l = float(np.average([own[k][0] for k in run], weights=[area[k] + 1e-9 for k in run]))
        for k in run:
            shift = float(np.clip(own[k][0] - mean_l, -KEEP_CONTRAST, KEEP_CONTRAST))
            colour = lab_to_srgb(np.array([np.clip(lab[0] + shift, 3.0, 99.0), lab[1], lab[2]])).astype(np.float32)
            if k == 0:
                stack.sky_top = lab_to_srgb(np.array([max(3.0, lab[0] - SKY_SHADE), lab[1], lab[2]])).astype(np.float32)
                stack.sky_low = lab_to_srgb(np.array([min(99.0, lab[0] + SKY_SHADE), lab[1], lab[2]])).astype(np.float32)
            else:
                stack.shapes[k - 1].colour = tuple(float(c) for c in colour)


__all__ = ["Raster", "Scene", "compose"]
