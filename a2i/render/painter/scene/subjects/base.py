"""The interface of one drawable subject, and the registry the vocabulary is read from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from a2i.render.painter.scene.builder import Builder

# Drawing layers, back to front: a subject is drawn after every subject of a lower layer.
SKY, FAR, WATER, LAND, OBJECT, FRONT = range(6)


@dataclass(frozen=True)
class Subject:
    """A subject of the scene grammar.

    ``words`` are the nouns and adjectives that name it in a prompt (singular; plurals are found too);
    ``needs``: when none of these subjects is in the scene, the first is added (a boat needs water);
    ``count``: the default number of a countable subject when the text gives none.
    """

    name: str
    singular: str  # "a lighthouse"
    plural: str  # "lighthouses" (a description says "three lighthouses")
    words: tuple[str, ...]
    layer: int
    draw: Callable[[Builder, int], None]
    countable: bool = False
    count: int = 1
    max_count: int = 1
    needs: tuple[str, ...] = ()


REGISTRY: dict[str, Subject] = {}


def subject(
    name: str,
    singular: str,
    plural: str,
    words: tuple[str, ...],
    layer: int,
    *,
    countable: bool = False,
    count: int = 1,
    max_count: int = 1,
    needs: tuple[str, ...] = (),
) -> Callable[[Callable[[Builder, int], None]], Callable[[Builder, int], None]]:
    """Register ``draw(builder, count)`` as the subject ``name`` (a decorator)."""

    def register(draw: Callable[[Builder, int], None]) -> Callable[[Builder, int], None]:
        REGISTRY[name] = Subject(name, singular, plural, words, layer, draw, countable, count, max_count if countable else 1, needs)
        return draw

    return register
