"""The scene grammar's vocabulary: every drawable subject, one registered ``draw`` function each.

Subjects live in modules by theme (:mod:`.sky`, :mod:`.land`, :mod:`.water`, :mod:`.town`); adding one is a
decorated function in any of them (or a new module imported here). ``SUBJECTS`` maps a subject's name to its
:class:`~a2i.render.painter.scene.subjects.base.Subject` (the words that name it, its drawing layer, its
count), and ``WORDS`` every naming word to its subject.

Examples
--------
>>> len(SUBJECTS) >= 20
True
>>> WORDS["coast"], WORDS["skyscraper"], WORDS["gull"]
('shore', 'city', 'birds')
"""

from __future__ import annotations

from a2i.render.painter.scene.subjects import land, sky, town, water  # noqa: F401  (each module registers its subjects)
from a2i.render.painter.scene.subjects.base import REGISTRY, Subject

# Drawing order within a layer (back to front): stars behind the moon, clouds in front of both.
DRAW_ORDER = (
    "stars",
    "sun",
    "moon",
    "lightning",
    "clouds",
    "fireworks",
    "birds",
    "mountains",
    "city",
    "sea",
    "lake",
    "river",
    "dunes",
    "hills",
    "forest",
    "meadow",
    "village",
    "shore",
    "road",
    "street",
    "bridge",
    "lighthouse",
    "boat",
    "tree",
    "fire",
    "figure",
    "crowd",
    "rain",
    "snow",
    "window",
    "fireplace",
)
SUBJECTS: dict[str, Subject] = dict(
    sorted(
        REGISTRY.items(), key=lambda item: (item[1].layer, DRAW_ORDER.index(item[0]) if item[0] in DRAW_ORDER else len(DRAW_ORDER), item[0])
    )
)


def _words() -> dict[str, str]:
    words: dict[str, str] = {}
    for name, spec in SUBJECTS.items():
        for word in (*spec.words, name):
            if words.get(word, name) != name:
                raise ValueError(f"the word {word!r} names two subjects: {words[word]} and {name}")
            words[word] = name
    return words


WORDS: dict[str, str] = _words()

__all__ = ["SUBJECTS", "WORDS", "Subject"]
