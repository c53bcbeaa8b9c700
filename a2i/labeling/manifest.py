"""The study folder: a ``study.json`` manifest plus the audio clips and images it names.

Format (version 2; paths are relative to the folder)::

    {
      "version": 2,
      "title": {"en": "Music and images", "da": "Musik og billeder"},
      "min_select": 1, "max_select": 4,
      "participants_per_item": 5,     # answers wanted per labeling item
      "tasks_per_participant": 10,    # labeling items per participant
      "consent": {"version": "2026-11-25", "contact": "jane@uni.example",
                  "researcher": {"en": ..., "da": ...}, "duration": {...}, "data_use": {...},
                  "withdrawal": {...}},
      "items": [
        {"id": "song-a", "song": "Song A", "audio": "audio/song-a.wav", "start": 60.0, "end": 70.0,
         "mood": {"valence": 0.31, "energy": 0.72},
         "images": [{"id": "9f..", "path": "images/9f...png", "web": "web/9f...webp",
                     "zoom": "zoom/9f...webp", "own": true,
                     "source": {"run": "song-a", "song": "Song A", "song_file": "song-a.mp3", "clip": 6,
                                "start": 60.0, "end": 70.0, "seed": 1234, "variant": 0, "style": null,
                                "prompt": "...", "valence": 0.31, "energy": 0.72}}, ...]}
      ],
      "tutorial": [{..., "explanation": {"en": "...", "da": "..."}}],
      "checks": [{..., "expected": ["9f..", ...]}]
    }

``own`` marks the images generated from the clip's own song; the agreement statistics compare how often
they were picked against the others. ``web`` and ``zoom`` are the screen-sized copies the site sends (the
original ``path`` is kept for the record). ``start``/``end`` say where in the song the clip was cut.
``mood`` is the item's song's mood and each image's ``source`` where it was painted from (run folder, song,
clip, seed, style, prompt and that song's mood); both are optional, written by ``make-study``, and exported
for the analysis of choices by mood distance (:mod:`a2i.labeling.export`).
``checks`` are attention checks: items with a known answer (``expected``) that every participant gets, mixed
among their tasks, outside the quotas and the agreement figures; the export flags them and whether they were
passed. The consent text is shown before anything is asked and its ``version`` is recorded with each
participant's agreement. The manifest is validated once when the app starts; every error names the field
and the item so a researcher can fix the file.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from a2i.errors import ConfigError

MANIFEST_NAME = "study.json"
#: The manifest format this code reads and writes (2 added consent, checks, web copies and clip times).
MANIFEST_VERSION = 2
LANGUAGES = ("en", "da")
# The study design's defaults, one home for make-study, its command line and the manifest reader.
#: Pictures per grid: the thesis's study showed 12 (a 4 × 3 grid that fits a laptop screen, 2 × 6 on a phone).
IMAGES_PER_TASK = 12
#: Of those, painted from the clip heard: a third, so chance of picking one is 1/3.
OWN_PER_TASK = 4
#: Fewest and most pictures a participant picks per task: at least one impression, at most the own count.
MIN_SELECT = 1
MAX_SELECT = 4
#: Answers wanted per labeling item: several coders per picture, so Krippendorff's alpha (which needs two) is
#: defined with room for drop-outs; raise it for a full study.
PARTICIPANTS_PER_ITEM = 5
#: Labeling items per participant when a manifest does not say (about 15 minutes with the tutorial).
TASKS_PER_PARTICIPANT = 10
#: Days a backup of the database is kept at most (the consent text promises it; delete older backups).
BACKUP_DAYS = 30
#: The consent page's translated parts, in the order the page shows them.
CONSENT_TEXTS = ("researcher", "duration", "data_use", "withdrawal")


@dataclass(frozen=True)
class Image:
    id: str
    path: str
    own: bool
    #: The screen-sized copy sent in the grid, and the larger one for the enlarged view (both default to path).
    web: str = ""
    zoom: str = ""
    #: Where the picture was painted from (run folder, song, clip, seed, style, prompt, song mood), if known.
    source: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for p in (self.path, self.web, self.zoom) if p))


@dataclass(frozen=True)
class Item:
    id: str
    audio: str
    images: tuple[Image, ...]
    song: str | None = None
    explanation: dict[str, str] = field(default_factory=dict)
    #: The images that answer an attention check; empty for ordinary items.
    expected: tuple[str, ...] = ()
    start: float | None = None
    end: float | None = None
    #: The mood (valence, energy in [0, 1]) of the item's song, if known.
    mood: dict[str, float] | None = field(default=None, compare=False)

    def image(self, image_id: str) -> Image | None:
        return next((im for im in self.images if im.id == image_id), None)


@dataclass(frozen=True)
class Consent:
    """The information and consent text (per language) and the version recorded with each agreement."""

    version: str
    contact: str
    texts: dict[str, dict[str, str]]

    def text(self, part: str, lang: str) -> str:
        entry = self.texts[part]
        return entry.get(lang) or entry.get("en") or next(iter(entry.values()))


@dataclass(frozen=True, eq=False)
class Study:
    root: Path
    title: dict[str, str]
    items: tuple[Item, ...]
    tutorial: tuple[Item, ...]
    consent: Consent
    checks: tuple[Item, ...] = ()
    min_select: int = MIN_SELECT
    max_select: int = MAX_SELECT
    participants_per_item: int = PARTICIPANTS_PER_ITEM
    tasks_per_participant: int = TASKS_PER_PARTICIPANT
    by_id: dict[str, Item] = field(default_factory=dict, repr=False)
    #: Every file the manifest names; the only files the site serves from the folder.
    media: frozenset[str] = field(default_factory=frozenset, repr=False)
    #: The manifest as read, stored in the database (:mod:`a2i.labeling.definitions`) so exports need no folder.
    manifest: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def digest(self) -> str:
        """SHA-256 of the manifest's canonical JSON: the same content, the same digest."""
        return manifest_digest(self.manifest)

    def item(self, item_id: str) -> Item | None:
        return self.by_id.get(item_id)

    @property
    def capacity(self) -> int:
        """How many participants get tasks: items × participants per item ÷ tasks each (:func:`capacity`)."""
        return capacity(len(self.items), self.participants_per_item, self.tasks_per_participant)


def manifest_digest(manifest: dict[str, Any]) -> str:
    """SHA-256 of ``manifest`` as canonical JSON (sorted keys, no spaces).

    Examples
    --------
    >>> manifest_digest({"b": 1, "a": [1.5]}) == manifest_digest({"a": [1.5], "b": 1})
    True
    """
    text = json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def places_for(open_slots: int, tasks_each: int) -> int:
    """Participants who still get tasks when ``open_slots`` answers are wanted and each takes ``tasks_each``:
    rounded up, as the last one takes the remainder (fewer tasks). The one rule behind make-study's "room
    for", invite's "places for" and the admin page.

    Examples
    --------
    >>> places_for(35, 2), places_for(34, 2), places_for(0, 2)
    (18, 17, 0)
    """
    return -(-open_slots // max(1, tasks_each))


def capacity(items: int, participants_per_item: int, tasks_per_participant: int) -> int:
    """Participants a study gives tasks before its items have their answers (:func:`places_for` of all its
    answer slots); when the slots do not divide evenly, the last one gets fewer than ``tasks_per_participant``.

    Examples
    --------
    >>> capacity(8, 5, 8)   # the README's first set-up: every participant answers every item
    5
    >>> capacity(8, 5, 2), capacity(7, 5, 2)
    (20, 18)
    """
    return places_for(items * participants_per_item, min(tasks_per_participant, items))


def _positive(data: dict[str, Any], key: str, default: int, where: str) -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"{where}: {key!r} must be a positive integer, got {value!r}")
    return value


def _texts(raw: Any, where: str) -> dict[str, str]:
    if isinstance(raw, str) and raw:
        return {lang: raw for lang in LANGUAGES}
    if not isinstance(raw, dict) or not raw.get("en") or not all(isinstance(v, str) for v in raw.values()):
        raise ConfigError(f"{where}: expected {{'en': ..., 'da': ...}} text (English at least)")
    return dict(raw)


def _parse_consent(raw: Any, where: str) -> Consent:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: a study needs a 'consent' object (version, contact, "
                          f"{', '.join(CONSENT_TEXTS)}); `a2i label make-study --contact EMAIL` writes one")
    version, contact = raw.get("version"), raw.get("contact")
    if not isinstance(version, str) or not version or len(version) > 64:
        raise ConfigError(f"{where}.version must be a short non-empty string (recorded with each agreement)")
    if not isinstance(contact, str) or not contact:
        raise ConfigError(f"{where}.contact must say how to reach the researchers (an e-mail address)")
    return Consent(version=version, contact=contact,
                   texts={part: _texts(raw.get(part), f"{where}.{part}") for part in CONSENT_TEXTS})


def _seconds(raw: dict[str, Any], key: str, where: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{where}: {key!r} must be a time in seconds, got {value!r}")
    return float(value)


def _mood(raw: Any, where: str) -> dict[str, float] | None:
    """An optional ``{"valence", "energy"}`` pair of numbers in [0, 1]."""
    if raw is None:
        return None
    ok = isinstance(raw, dict) and all(
        isinstance(raw.get(k), (int, float)) and not isinstance(raw.get(k), bool) and math.isfinite(raw[k])
        and 0 <= raw[k] <= 1 for k in ("valence", "energy"))
    if not ok:
        raise ConfigError(f"{where}: expected {{'valence': 0..1, 'energy': 0..1}}, got {raw!r}")
    return {"valence": float(raw["valence"]), "energy": float(raw["energy"])}


def _source(raw: Any, where: str) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: 'source' must be an object (run, song, clip, seed, style, prompt, mood)")
    if "valence" in raw or "energy" in raw:
        _mood({"valence": raw.get("valence"), "energy": raw.get("energy")}, where)
    return dict(raw)


def _parse_item(raw: Any, where: str, root: Path | None, *, tutorial: bool, check: bool = False) -> Item:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected an object with id, audio and images")
    for key in ("id", "audio"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ConfigError(f"{where}: {key!r} must be a non-empty string")
    where = f"{where} ({raw['id']!r})"
    if root is not None:
        _check_file(root, raw["audio"], f"{where}: audio")
    images_raw = raw.get("images")
    if not isinstance(images_raw, list) or not images_raw:
        raise ConfigError(f"{where}: 'images' must be a non-empty list")
    images = []
    for k, im in enumerate(images_raw):
        if not isinstance(im, dict) or not isinstance(im.get("id"), str) or not isinstance(im.get("path"), str):
            raise ConfigError(f"{where}: images[{k}] needs string 'id' and 'path'")
        for key in ("path", "web", "zoom"):
            if key in im:
                if not isinstance(im[key], str):
                    raise ConfigError(f"{where}: images[{k}].{key} must be a path")
                if root is not None:
                    _check_file(root, im[key], f"{where}: images[{k}].{key}")
        images.append(Image(id=im["id"], path=im["path"], own=bool(im.get("own", False)),
                            web=im.get("web") or im["path"], zoom=im.get("zoom") or im.get("web") or im["path"],
                            source=_source(im.get("source"), f"{where}: images[{k}].source")))
    if len({im.id for im in images}) != len(images):
        raise ConfigError(f"{where}: image ids must be unique within an item")
    explanation = raw.get("explanation") or {}
    if not isinstance(explanation, dict) or not all(isinstance(v, str) for v in explanation.values()):
        raise ConfigError(f"{where}: 'explanation' must map language codes to text")
    if tutorial and not explanation:
        raise ConfigError(f"{where}: tutorial items need an 'explanation' ({{'en': ..., 'da': ...}})")
    expected = raw.get("expected", [])
    ids = {im.id for im in images}
    if check and (not isinstance(expected, list) or not expected or not set(expected) <= ids):
        raise ConfigError(f"{where}: an attention check needs 'expected': a list of its own image ids")
    return Item(id=raw["id"], audio=raw["audio"], images=tuple(images), song=raw.get("song"),
                explanation=dict(explanation), expected=tuple(expected) if check else (),
                start=_seconds(raw, "start", where), end=_seconds(raw, "end", where),
                mood=_mood(raw.get("mood"), f"{where}: mood"))


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
    return parse_study(data, str(path), root)


def parse_study(data: Any, where: str, root: Path | None) -> Study:
    """Validate a manifest's content; ``root`` is the study folder whose files it names, or ``None`` to skip
    the file checks (a definition read back from the database, for exports).

    Raises
    ------
    ConfigError
        Naming ``where``, the item and the field at fault.
    """
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        raise ConfigError(f"{where}: expected an object with \"version\": {MANIFEST_VERSION}; rebuild the study "
                          "with `a2i label make-study` (version 2 added the consent text)")
    items = tuple(_parse_item(raw, f"{where}: items[{k}]", root, tutorial=False)
                  for k, raw in enumerate(data.get("items") or []))
    tutorial = tuple(_parse_item(raw, f"{where}: tutorial[{k}]", root, tutorial=True)
                     for k, raw in enumerate(data.get("tutorial") or []))
    checks = tuple(_parse_item(raw, f"{where}: checks[{k}]", root, tutorial=False, check=True)
                   for k, raw in enumerate(data.get("checks") or []))
    if not items:
        raise ConfigError(f"{where}: 'items' is empty; a study needs at least one labeling item")
    consent = _parse_consent(data.get("consent"), f"{where}: consent")
    by_id: dict[str, Item] = {}
    for item in items + tutorial + checks:
        if item.id in by_id:
            raise ConfigError(f"{where}: item id {item.id!r} appears twice")
        by_id[item.id] = item
    min_select = _positive(data, "min_select", MIN_SELECT, where)
    max_select = _positive(data, "max_select", MAX_SELECT, where)
    if min_select > max_select:
        raise ConfigError(f"{where}: min_select ({min_select}) is larger than max_select ({max_select})")
    revealed = {im.id for item in tutorial for im in item.images if im.own}
    for item in items + checks:
        again = [im.id for im in item.images if im.id in revealed]
        if again:
            raise ConfigError(f"{where}: item {item.id!r} shows {again[:3]}, pictures the tutorial reveals as its "
                              "own song's; a participant would recognise them. Rebuild the study with "
                              "`a2i label make-study` (it keeps practice pictures out of task grids)")
    for item in items + tutorial + checks:
        if len(item.images) < max_select:
            raise ConfigError(f"{where}: item {item.id!r} has {len(item.images)} images, fewer than "
                              f"max_select ({max_select})")
    title = data.get("title") or {}
    if isinstance(title, str):
        title = {lang: title for lang in LANGUAGES}
    return Study(
        root=root.resolve() if root is not None else Path(), title=dict(title), items=items, tutorial=tutorial,
        consent=consent, checks=checks, manifest=data,
        min_select=min_select,
        max_select=max_select, participants_per_item=_positive(data, "participants_per_item", PARTICIPANTS_PER_ITEM, where),
        tasks_per_participant=_positive(data, "tasks_per_participant", TASKS_PER_PARTICIPANT, where),
        by_id=by_id,
        media=frozenset([i.audio for i in by_id.values()]
                        + [f for i in by_id.values() for im in i.images for f in im.files]),
    )
