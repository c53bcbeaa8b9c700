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

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["colours"], data["weather"], data["not_drawn"] = list(self.colours), list(self.weather), list(self.not_drawn)
        return data


def _phrase(name: str, count: int) -> str:
    spec = SUBJECTS[name]
    if not spec.countable or count == 1:
        return spec.singular
    return f"{NUMBERS[count] if count < len(NUMBERS) else count} {spec.plural}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def describe_scene(style_phrase: str, subjects: dict[str, int], time: str, weather: tuple[str, ...], colours: tuple[str, ...]) -> str:
    """One sentence naming the style, every subject (with its count), the time, the weather and the colours."""
    parts = [_phrase(name, count) for name, count in subjects.items()]
    text = f"{style_phrase[0].upper()}{style_phrase[1:]} of {_join(parts) if parts else 'an empty sky'}"
    extras = [TIME_WORDS[time]] + [WEATHER_WORDS[w] for w in weather if WEATHER_WORDS.get(w)]
    text += ", " + ", ".join(extras)
    if colours:
        text += f", in {_join(list(colours))}"
    return text + "."


def drawn_record(style: str, style_phrase: str, scene: Scene, raster: Raster) -> Drawn:
    """The record of a painted scene (see the module docstring)."""
    shown = raster.visible()
    subjects = {name: count for name, count in scene.plan.subjects.items() if name in shown}
    missing = [SUBJECTS[name].singular for name in scene.reading.subjects if name not in shown]
    weather = tuple(sorted(scene.plan.weather))
    colours = tuple(c.name for c in scene.reading.colours)
    return Drawn(style, subjects, colours, scene.plan.time, weather, tuple(missing) + scene.reading.not_drawn,
                 describe_scene(style_phrase, subjects, scene.plan.time, weather, colours))
