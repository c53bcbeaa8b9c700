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

from a2i.render.painter.palette import Mood
from a2i.render.painter.scene.builder import Builder, Layout, Roles
from a2i.render.painter.scene.plan import ScenePlan, choose_layout, plan_scene
from a2i.render.painter.scene.roles import scene_roles
from a2i.render.painter.scene.stack import Raster, Stack
from a2i.render.painter.scene.subjects import SUBJECTS
from a2i.render.painter.text import Reading, read_prompt
from a2i.seeding import rng as seeded_rng

SCENE_STREAM = 0x5CE7E  # the random stream of the plan, layout and palette (subjects have their own)
SKY_SPLIT = 0.55  # a banded sky (three colours named) changes colour at this fraction of the horizon's height


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
    if len(reading.colours) >= 3:
        builder.stack.sky_split = SKY_SPLIT * layout.horizon
    return Scene(reading, plan, layout, roles, builder.stack)


__all__ = ["Raster", "Scene", "compose"]
