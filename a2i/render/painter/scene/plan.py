"""From what a prompt names to what the picture draws: the scene plan and its layout.

The plan starts from the subjects the text names (:mod:`a2i.render.painter.text`) and adds only what they
need to stand in a picture, each addition reported in the card like any other subject:

1. **companions**: a subject that needs another (a boat needs water, a lighthouse a sea or lake, a shore a
   sea, a fireplace a room) gets the first of its needs when none is there (``Subject.needs``); a fire in a
   room (not candles) burns in a fireplace;
2. **ground**: a scene with nothing to stand on gets hills;
3. **light**: the sky gets the sun by day, dusk and dawn, and the moon and stars at night, unless the text
   names a light or a storm hides it (a window's interior keeps its own lamp);
4. **weather**: a storm brings clouds; rain and snow are drawn as subjects;
5. a prompt that names **no subject at all** (or no prompt) gets one of ``DEFAULT_SCENES``, chosen by the
   seed, so abstract text still gives a scene with a horizon and a focal point.

No step adds a subject the text says is absent ("no boats", "a cloudless sky", "without the moon":
``Reading.negated``): a companion, a ground or a light falls to the next choice, or is left out.

Time of day comes from the text, or else from the mood: sad music is painted at night, wistful music at dusk
or dawn, happy music by day (Palmer et al. 2013: sadder music, darker colours).

The **layout** (horizon, focal third, light position) is drawn from the seed and the subjects: sky-heavy
scenes (fireworks, birds) get a low horizon, ground-heavy ones (a street, a crowd, a meadow) a high one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from a2i.render.painter.palette import Mood
from a2i.render.painter.scene.builder import Layout
from a2i.render.painter.scene.subjects import SUBJECTS
from a2i.render.painter.scene.subjects.base import FAR, LAND, WATER
from a2i.render.painter.scene.subjects.town import CANDLES, ROOMS
from a2i.render.painter.text import Reading

DEFAULT_SCENES: tuple[tuple[str, ...], ...] = (
    ("sea", "shore"),
    ("mountains", "lake"),
    ("hills", "tree"),
    ("city", "river"),
    ("dunes",),
    ("forest", "lake"),
    ("meadow", "tree"),
    ("hills", "road"),
    ("sea", "lighthouse"),
    ("mountains", "forest", "river"),
    ("street",),
    ("sea", "boat", "birds"),
    ("city", "bridge", "river"),
    ("hills", "figure"),
    ("mountains", "clouds"),
    ("meadow", "birds"),
)
GROUNDS = ("hills", "meadow", "dunes")  # a scene with nothing to stand on gets the first the text does not rule out
SKY_HEAVY = {"fireworks", "birds", "clouds", "lightning"}
GROUND_HEAVY = {"street", "road", "crowd", "meadow", "figure", "fire", "river"}
# Valence under which a scene with no time words is painted at night / at dusk or dawn. A text that names colours
# but no time is painted at dusk or dawn at the darkest: at night its colours would be only the night's lights.
NIGHT_BELOW, DUSK_BELOW = 0.3, 0.5


@dataclass(frozen=True)
class ScenePlan:
    """What a picture draws: subjects with counts (drawing order), those the text named, time and weather."""

    subjects: dict[str, int]
    named: tuple[str, ...]
    time: str
    weather: frozenset[str]


def _time(reading: Reading, mood: Mood, rng: np.random.Generator) -> str:
    draw = rng.random()  # drawn whether used or not, so the text's time never shifts the composition
    if reading.time is not None:
        return reading.time
    if reading.subjects.keys() & {"moon", "stars", "fireworks"}:
        return "night"
    if "sun" in reading.subjects:
        return "day" if mood.valence >= DUSK_BELOW else "dusk"
    if mood.valence < NIGHT_BELOW and not reading.colours:
        return "night"
    if mood.valence < DUSK_BELOW:
        return "dusk" if draw < 0.5 else "dawn"
    return "day"


def plan_scene(reading: Reading, mood: Mood, rng: np.random.Generator) -> ScenePlan:
    """The plan of one picture (see the module docstring)."""
    default = DEFAULT_SCENES[int(rng.integers(0, len(DEFAULT_SCENES)))]
    absent = reading.negated
    subjects = dict(reading.subjects) or {name: SUBJECTS[name].count for name in default if name not in absent}
    time = _time(reading, mood, rng)
    weather = set(reading.weather)
    if "rain" in subjects:
        weather.add("rain")
    if "lightning" in subjects:
        weather.add("storm")
    for name in list(subjects):
        needs = [need for need in SUBJECTS[name].needs if need not in absent]
        if needs and not set(needs) & set(subjects):
            subjects.setdefault(needs[0], SUBJECTS[needs[0]].count)
    words = {word for name in ("window", "fire") for kind in reading.kinds.get(name, ()) for word in kind.split()}
    if {"fire", "window"} <= subjects.keys() and words & set(ROOMS) and not words & CANDLES and "fireplace" not in absent:
        subjects.setdefault("fireplace", 1)  # a fire in a room ("a library with a reader by the fire") burns in a fireplace
    if not any(SUBJECTS[name].layer in (FAR, WATER, LAND) for name in subjects):
        ground = [name for name in GROUNDS if name not in absent]
        subjects.update({ground[0]: 1} if ground else {})
    if "storm" in weather:
        subjects.setdefault("clouds", 3) if "clouds" not in absent else None  # a few broad storm clouds, each countable
        subjects.setdefault("rain", 1) if ("rain" in weather or mood.energy > 0.5) and "rain" not in absent else None
    lights = {"sun", "moon", "stars"}
    if not lights & set(subjects) and "storm" not in weather and "fog" not in weather:
        hidden = weather & {"rain", "snow"}  # no stars through rain or snow
        for name in ("moon",) if time == "night" and hidden else ("moon", "stars") if time == "night" else ("sun",):
            subjects.update({name: 1} if name not in absent else {})
    order = list(SUBJECTS)
    return ScenePlan(
        dict(sorted(subjects.items(), key=lambda item: order.index(item[0]))), tuple(reading.subjects), time, frozenset(weather)
    )


def choose_layout(plan: ScenePlan, rng: np.random.Generator, aspect: float) -> Layout:
    """Horizon, focal third and light for a plan (see the module docstring)."""
    names = set(plan.subjects)
    lo, hi = (0.62, 0.72) if names & SKY_HEAVY and not names & GROUND_HEAVY else (0.42, 0.52) if names & GROUND_HEAVY else (0.5, 0.64)
    horizon = float(rng.uniform(lo, hi))
    side = 1 if rng.random() < 0.5 else -1
    focal_x = float(0.5 + side * rng.uniform(0.14, 0.2))
    light_x = float(np.clip(1.0 - focal_x + rng.normal(0, 0.06), 0.12, 0.88))
    if plan.time in ("dusk", "dawn"):
        light_y = horizon - rng.uniform(0.07, 0.13)
    elif plan.time == "night":
        light_y = rng.uniform(0.14, 0.24)
    else:
        light_y = horizon - rng.uniform(0.26, 0.36)
    return Layout(horizon, focal_x, side, light_x, float(max(0.08, light_y)), aspect)
