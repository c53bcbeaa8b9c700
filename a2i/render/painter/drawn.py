"""What a picture shows, in a record and in words: the card's description is written from this.

:func:`drawn_record` reads the rasterised scene, not the prompt: a subject is listed only if the picture shows
it (:meth:`a2i.render.painter.scene.stack.Raster.visible`), with the count the scene drew; a subject the text
named that the picture does not show, and every word of the text that names nothing the grammar can draw,
go to ``not_drawn``. The description is built from the record alone, so every subject it names is drawn.

Examples
--------
>>> describe_scene("a watercolour", {"lighthouse": 1, "boat": 3, "sea": 1, "moon": 1}, "night", (), ("indigo", "silver"))
'A watercolour of a lighthouse, three boats, the sea with waves and the moon, at night, in indigo and silver.'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from a2i.render.painter.scene import Scene
from a2i.render.painter.scene.stack import Raster
from a2i.render.painter.scene.subjects import SUBJECTS

NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
TIME_WORDS = {"night": "at night", "dusk": "at dusk", "dawn": "at dawn", "day": "by day"}
WEATHER_WORDS = {"storm": "in a storm", "fog": "in fog", "rain": "", "snow": ""}  # rain and snow are subjects


@dataclass(frozen=True)
class Drawn:
    """The record of what one picture shows (stored in the run record's ``drawn`` field)."""

    style: str
    subjects: dict[str, int]
    colours: tuple[str, ...]
    time: str
    weather: tuple[str, ...]
    not_drawn: tuple[str, ...]
    description: str
    left_out: tuple[str, ...] = ()  # what the text said is absent: subject names, then other nouns ("car")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["colours"], data["weather"], data["not_drawn"] = list(self.colours), list(self.weather), list(self.not_drawn)
        data["left_out"] = list(self.left_out)
        return data


def _phrase(name: str, count: int) -> str:
    spec = SUBJECTS[name]
    if not spec.countable or count == 1:
        return spec.singular
    return f"{NUMBERS[count] if count < len(NUMBERS) else count} {spec.plural}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def absent_words(left_out: tuple[str, ...]) -> list[str]:
    """How a description names what was left out: no figures and no crowd are "people", no trees and no forest
    "trees", a subject by its plural (or "the sun"), any other noun as the text wrote it."""
    names = [n for n in left_out if n in SUBJECTS]
    words = []
    for group, word in ((("figure", "crowd"), "people"), (("tree", "forest"), "trees")):
        if set(group) <= set(names):
            words.append(word)
            names = [n for n in names if n not in group]
    for name in names:
        spec = SUBJECTS[name]
        words.append(spec.plural if spec.countable or not spec.singular.startswith("the ") else spec.singular.split(" with ")[0])
    return words + [w if w.endswith("s") else w + "s" for w in left_out if w not in SUBJECTS]


def describe_scene(style_phrase: str, subjects: dict[str, int], time: str, weather: tuple[str, ...], colours: tuple[str, ...],
                   left_out: tuple[str, ...] = ()) -> str:
    """One sentence naming the style, every subject (with its count), the time, the weather, the colours and
    what the text said is absent ("without people")."""
    parts = [_phrase(name, count) for name, count in subjects.items()]
    text = f"{style_phrase[0].upper()}{style_phrase[1:]} of {_join(parts) if parts else 'an empty sky'}"
    extras = [TIME_WORDS[time]] + [WEATHER_WORDS[w] for w in weather if WEATHER_WORDS.get(w)]
    text += ", " + ", ".join(extras)
    if colours:
        text += f", in {_join(list(colours))}"
    if left_out:
        absent = absent_words(left_out)
        text += ", without " + (absent[0] if len(absent) == 1 else ", ".join(absent[:-1]) + " or " + absent[-1])
    return text + "."


def drawn_record(style: str, style_phrase: str, scene: Scene, raster: Raster) -> Drawn:
    """The record of a painted scene (see the module docstring)."""
    shown = raster.visible()
    subjects = {name: count for name, count in scene.plan.subjects.items() if name in shown}
    missing = [SUBJECTS[name].singular for name in scene.reading.subjects if name not in shown]
    weather = tuple(sorted(scene.plan.weather))
    colours = tuple(c.name for c in scene.reading.colours)
    left_out = tuple(name for name in SUBJECTS if name in scene.reading.negated and name not in shown) + scene.reading.left_out
    return Drawn(style, subjects, colours, scene.plan.time, weather, tuple(missing) + scene.reading.not_drawn,
                 describe_scene(style_phrase, subjects, scene.plan.time, weather, colours, left_out), left_out)
