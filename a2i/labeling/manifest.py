"""The study folder: a ``study.json`` manifest plus the audio clips and images it names.

Format (version 1; paths are relative to the folder)::

    {
      "version": 1,
      "title": {"en": "Music and images", "da": "Musik og billeder"},
      "min_select": 1, "max_select": 4,
      "participants_per_item": 5,     # answers wanted per labeling item
      "tasks_per_participant": 10,    # labeling items per participant
      "items": [
        {"id": "song-a", "song": "Song A", "audio": "audio/song-a.wav",
         "images": [{"id": "song-a-0", "path": "images/song-a-0.png", "own": true},
                    {"id": "song-b-3", "path": "images/song-b-3.png", "own": false}, ...]}
      ],
      "tutorial": [
        {"id": "tutorial-1", "audio": ..., "images": [...],
         "explanation": {"en": "...", "da": "..."}}
      ]
    }

``own`` marks the images generated from the clip's own song; the agreement statistics compare how often
they were picked against the others. The manifest is validated once when the app starts; every error names
the field and the item so a researcher can fix the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from a2i.errors import ConfigError

MANIFEST_NAME = "study.json"
LANGUAGES = ("en", "da")


@dataclass(frozen=True)
class Image:
    id: str
    path: str
    own: bool


@dataclass(frozen=True)
class Item:
    id: str
    audio: str
    images: tuple[Image, ...]
    song: str | None = None
    explanation: dict[str, str] = field(default_factory=dict)

    def image(self, image_id: str) -> Image | None:
        return next((im for im in self.images if im.id == image_id), None)


@dataclass(frozen=True, eq=False)
class Study:
    root: Path
    title: dict[str, str]
    items: tuple[Item, ...]
    tutorial: tuple[Item, ...]
    min_select: int = 1
    max_select: int = 4
    participants_per_item: int = 5
    tasks_per_participant: int = 10
    by_id: dict[str, Item] = field(default_factory=dict, repr=False)
    #: Every file the manifest names; the only files the site serves from the folder.
    media: frozenset[str] = field(default_factory=frozenset, repr=False)

    def item(self, item_id: str) -> Item | None:
        return self.by_id.get(item_id)

    def to_dict(self) -> dict[str, Any]:
        def item_dict(item: Item) -> dict[str, Any]:
            d: dict[str, Any] = {"id": item.id, "audio": item.audio,
                                 "images": [{"id": i.id, "path": i.path, "own": i.own} for i in item.images]}
            if item.song:
                d["song"] = item.song
            if item.explanation:
                d["explanation"] = dict(item.explanation)
            return d

        return {
            "version": 1, "title": dict(self.title), "min_select": self.min_select, "max_select": self.max_select,
            "participants_per_item": self.participants_per_item,
            "tasks_per_participant": self.tasks_per_participant,
            "items": [item_dict(i) for i in self.items], "tutorial": [item_dict(i) for i in self.tutorial],
        }


def _positive(data: dict[str, Any], key: str, default: int, where: str) -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"{where}: {key!r} must be a positive integer, got {value!r}")
    return value


def _parse_item(raw: Any, where: str, root: Path, *, tutorial: bool) -> Item:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected an object with id, audio and images")
    for key in ("id", "audio"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ConfigError(f"{where}: {key!r} must be a non-empty string")
    where = f"{where} ({raw['id']!r})"
    _check_file(root, raw["audio"], f"{where}: audio")
    images_raw = raw.get("images")
    if not isinstance(images_raw, list) or not images_raw:
        raise ConfigError(f"{where}: 'images' must be a non-empty list")
    images = []
    for k, im in enumerate(images_raw):
        if not isinstance(im, dict) or not isinstance(im.get("id"), str) or not isinstance(im.get("path"), str):
            raise ConfigError(f"{where}: images[{k}] needs string 'id' and 'path'")
        _check_file(root, im["path"], f"{where}: images[{k}]")
        images.append(Image(id=im["id"], path=im["path"], own=bool(im.get("own", False))))
    if len({im.id for im in images}) != len(images):
        raise ConfigError(f"{where}: image ids must be unique within an item")
    explanation = raw.get("explanation") or {}
    if not isinstance(explanation, dict) or not all(isinstance(v, str) for v in explanation.values()):
        raise ConfigError(f"{where}: 'explanation' must map language codes to text")
    if tutorial and not explanation:
        raise ConfigError(f"{where}: tutorial items need an 'explanation' ({{'en': ..., 'da': ...}})")
    return Item(id=raw["id"], audio=raw["audio"], images=tuple(images), song=raw.get("song"),
                explanation=dict(explanation))


def _check_file(root: Path, rel: str, where: str) -> None:
    path = (root / rel).resolve()
    if root.resolve() not in path.parents:
        raise ConfigError(f"{where}: {rel!r} must be a relative path inside the study folder {root}")
    if not path.is_file():
        raise ConfigError(f"{where}: file {path} does not exist")


def load_study(folder: str | Path) -> Study:
    """Read and validate ``folder/study.json``.

    Raises
    ------
    ConfigError
        Naming the file, item and field at fault.
    """
    root = Path(folder)
    path = root / MANIFEST_NAME
    if not path.is_file():
        raise ConfigError(f"no {MANIFEST_NAME} in study folder {root}; build one with `a2i label make-study`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("version") != 1:
        raise ConfigError(f"{path}: expected an object with \"version\": 1")
    where = str(path)
    items = tuple(_parse_item(raw, f"{where}: items[{k}]", root, tutorial=False)
                  for k, raw in enumerate(data.get("items") or []))
    tutorial = tuple(_parse_item(raw, f"{where}: tutorial[{k}]", root, tutorial=True)
                     for k, raw in enumerate(data.get("tutorial") or []))
    if not items:
        raise ConfigError(f"{where}: 'items' is empty; a study needs at least one labeling item")
    by_id: dict[str, Item] = {}
    for item in items + tutorial:
        if item.id in by_id:
            raise ConfigError(f"{where}: item id {item.id!r} appears twice")
        by_id[item.id] = item
    min_select = _positive(data, "min_select", 1, where)
    max_select = _positive(data, "max_select", 4, where)
    if min_select > max_select:
        raise ConfigError(f"{where}: min_select ({min_select}) is larger than max_select ({max_select})")
    for item in items + tutorial:
        if len(item.images) < max_select:
            raise ConfigError(f"{where}: item {item.id!r} has {len(item.images)} images, fewer than "
                              f"max_select ({max_select})")
    title = data.get("title") or {}
    if isinstance(title, str):
        title = {lang: title for lang in LANGUAGES}
    return Study(
        root=root.resolve(), title=dict(title), items=items, tutorial=tutorial,
        min_select=min_select,
        max_select=max_select, participants_per_item=_positive(data, "participants_per_item", 5, where),
        tasks_per_participant=_positive(data, "tasks_per_participant", 10, where), by_id=by_id,
        media=frozenset([i.audio for i in by_id.values()] + [im.path for i in by_id.values() for im in i.images]),
    )
