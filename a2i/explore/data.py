"""The explorer's data folder: per-track JSON files, their validation and loading.

A data folder holds one JSON file per track at its top level (the thesis's explorer format)::

    {"x": 0.71, "y": 0.42, "artists": "Ada;Bo", "track_name": "Tide", "popularity": 55,
     "danceability": 0.6, "energy": 0.42, "loudness": -7.5, "valence": 0.71, "track_genre": "ambient",
     "data": [{"image_path": "media/tide/v1.png", "prompt": "...", "track_genre": "ambient",
               "audio_path": "media/tide/clip.ogg", "mean_color": {"r": 120, "g": 96, "b": 200}}]}

``x`` is valence and ``y`` arousal (energy), both in 0..1; every ``data`` entry is one picture variant.
Paths are relative to the data folder and must stay inside it, because the server only ever serves files
the tracks reference; a symbolic link that leads out of the folder is refused unless the caller opts in
(``follow_symlinks``). Everything is validated when the folder is loaded, so a typo surfaces at start-up as
one error naming the file and the field, not as a blank map in the browser.

The thesis's own explorer folder is read as it is: its JSON files live in ``static/jsons/`` and their paths
(``static/images/…``, ``static/audio_clips/…``) are relative to the folder above ``static``; artists may be
a Python list written as a string (``"['Alec Benjamin']"``). Real collections have holes, so a picture that is
missing but has a ``mean_color`` is drawn as that colour, and a missing clip leaves the song on the map
without audio; both are listed in :attr:`Collection.problems` instead of refusing the folder.
"""

from __future__ import annotations

import ast
import hashlib
import json
import math
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from a2i.errors import DatasetError
from a2i.fileio import atomic_write_json, atomic_write_text

#: Optional numeric metadata shown in the popup; absent or null means unknown.
METADATA_FIELDS: tuple[str, ...] = ("popularity", "danceability", "energy", "loudness", "valence")

#: Genre given to tracks whose JSON names none, so the genre filter can still list them.
UNKNOWN_GENRE = "unknown"

#: Colour of a picture that cannot be read at all (mid grey: visible on the dark map, neutral in the grid).
PLACEHOLDER_COLOR = (128, 128, 128)

#: Where the thesis's explorer kept its track files, relative to the folder passed to ``serve``.
THESIS_JSON_DIR = Path("static") / "jsons"


@dataclass(slots=True)
class Variant:
    """One picture of a track, with the prompt that described it and the clip it was made from."""

    image_path: str
    prompt: str
    track_genre: str
    audio_path: str | None
    mean_color: tuple[int, int, int] | None = None
    #: The picture file is not there; the map draws ``mean_color`` in its place.
    image_missing: bool = False
    #: The JSON names a clip whose file is not there: the song stays on the map, marked as silent.
    audio_missing: bool = False

    def to_dict(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "image_path": self.image_path,
            "prompt": self.prompt,
            "track_genre": self.track_genre,
            "audio_path": self.audio_path,
        }
        if self.mean_color is not None:  # left out, the explorer computes it from the picture
            item["mean_color"] = dict(zip("rgb", self.mean_color))
        return item


@dataclass(slots=True)
class Track:
    """One song on the map: its position (valence, arousal), metadata and picture variants."""

    id: str
    x: float
    y: float
    artists: str
    track_name: str
    track_genre: str
    variants: list[Variant]
    #: The known numeric fields (:data:`METADATA_FIELDS`, None when unknown) and any other top-level number.
    metadata: dict[str, float | None] = field(default_factory=dict)
    #: Top-level lists of numbers (an audio or text embedding, say ``"clap": [0.1, ...]``): the explorer finds
    #: a song's nearest neighbours in each of them.
    embeddings: dict[str, list[float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The track in the explorer's JSON schema (what :func:`write_track` stores)."""
        return {
            "x": self.x,
            "y": self.y,
            "artists": self.artists,
            "track_name": self.track_name,
            **{name: self.metadata.get(name) for name in METADATA_FIELDS},
            **{name: value for name, value in self.metadata.items() if name not in METADATA_FIELDS},
            **self.embeddings,
            "track_genre": self.track_genre,
            "data": [variant.to_dict() for variant in self.variants],
        }


@dataclass
class Collection:
    """Every track of a data folder, in file-name order (the order the API pages through).

    ``root`` is the folder media paths are relative to; ``problems`` lists the holes that were tolerated
    (missing pictures drawn as their colour, missing clips), one line each, for the server to report.
    """

    root: Path
    tracks: list[Track]
    problems: list[str] = field(default_factory=list)
    #: Where the track files are (``root``, or ``root/static/jsons`` for the thesis's layout).
    json_dir: Path | None = None

    def __post_init__(self) -> None:
        if self.json_dir is None:
            self.json_dir = self.root

    def embedding_fields(self) -> list[str]:
        """Names of the embeddings some track has, sorted."""
        return sorted({name for track in self.tracks for name in track.embeddings})

    def numeric_fields(self) -> list[str]:
        """The numeric metadata some track has: the known ones first, then the folder's own (say ``tempo``)."""
        present = {name for track in self.tracks for name, value in track.metadata.items() if value is not None}
        return [n for n in METADATA_FIELDS if n in present] + sorted(present - set(METADATA_FIELDS))

    @property
    def genres(self) -> dict[str, int]:
        """Track count per genre, sorted by genre name."""
        counts = Counter(track.track_genre for track in self.tracks)
        return dict(sorted(counts.items()))

    @property
    def max_variants(self) -> int:
        return max((len(track.variants) for track in self.tracks), default=0)

    def media_paths(self) -> set[str]:
        """Every file the tracks reference, relative to the root: the only files the server may send."""
        paths: set[str] = set()
        for track in self.tracks:
            for variant in track.variants:
                if not variant.image_missing:
                    paths.add(variant.image_path)
                if variant.audio_path and not variant.audio_missing:
                    paths.add(variant.audio_path)
        return paths


class _Fields:
    """Reads the fields of one JSON object, raising errors that name the file and the field."""

    def __init__(self, source: Path, raw: Any, prefix: str = "") -> None:
        self.source, self.prefix = source, prefix
        if not isinstance(raw, dict):
            self.fail("", f"expected a JSON object, got {type(raw).__name__}")
        self.raw: dict[str, Any] = raw

    def fail(self, name: str, message: str) -> None:
        where = f"field '{self.prefix}{name}'" if name or self.prefix else "top level"
        raise DatasetError(f"{self.source}: {where}: {message}")

    def number(self, name: str, *, required: bool, unit: bool = False) -> float | None:
        value = self.raw.get(name)
        if value is None:
            if required:
                self.fail(name, "is missing; add a number" + (" between 0 and 1" if unit else ""))
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail(name, f"expected a number, got {value!r}")
        if unit and not 0.0 <= value <= 1.0:
            self.fail(name, f"must be between 0 and 1, got {value!r}")
        return float(value)

    def text(self, name: str, *, default: str | None = None) -> str | None:
        value = self.raw.get(name)
        if value is None:
            if default is None:
                self.fail(name, "is missing; add a string")
            return default
        if not isinstance(value, str):
            self.fail(name, f"expected a string, got {value!r}")
        return value

    def artists(self, name: str) -> str:
        value = self.raw.get(name)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return ", ".join(value)
        if isinstance(value, str):
            listed = _python_list(value)
            if listed is not None:  # the thesis's files: str() of a Python list, "['Alec Benjamin']"
                return ", ".join(listed)
            # Spotify's table separates artists with ';'.
            return ", ".join(part.strip() for part in value.split(";") if part.strip())
        self.fail(name, f"expected a string or a list of strings, got {value!r}")
        raise AssertionError  # unreachable: fail() raises

    def media_path(self, name: str, root: Path, *, required: bool, follow_symlinks: bool = False,
                   missing_ok: bool = False) -> tuple[str | None, bool]:
        """The path relative to ``root`` and whether its file is missing (only allowed with ``missing_ok``)."""
        value = self.text(name, default=None if required else "")
        if not value:
            return None, False
        # The thesis's Flask app wrote site paths ("/static/images/x.png"); they mean the same file here.
        relative = value.lstrip("/") if value.startswith("/") and os.path.exists(os.path.join(root, value.lstrip("/"))) \
            else value
        # normpath, not resolve(): one stat per file instead of one per path component (10,000 tracks).
        full = os.path.normpath(os.path.join(root, relative))
        prefix = os.path.join(root, "")
        if not full.startswith(prefix):
            self.fail(name, f"{value!r} points outside the data folder {root}; keep every file inside it")
        if not os.path.isfile(full):
            if missing_ok:
                return full[len(prefix):].replace(os.sep, "/"), True
            self.fail(name, f"file {value!r} does not exist (paths are relative to the data folder {root})")
        if not follow_symlinks and not os.path.realpath(full).startswith(prefix):
            self.fail(name, f"{value!r} is a symbolic link to {os.path.realpath(full)}, outside the data folder "
                            f"{root}; copy the file in, or pass --follow-symlinks if you trust the link")
        return full[len(prefix):].replace(os.sep, "/"), False

    def color(self, name: str) -> tuple[int, int, int] | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail(name, f"expected {{\"r\": 0-255, \"g\": 0-255, \"b\": 0-255}}, got {value!r}")
        channels = []
        for channel in "rgb":
            c = value.get(channel)
            if isinstance(c, bool) or not isinstance(c, int | float) or not 0 <= c <= 255:
                self.fail(f"{name}.{channel}", f"expected a number between 0 and 255, got {c!r}")
            channels.append(int(round(c)))
        return (channels[0], channels[1], channels[2])


def _python_list(text: str) -> list[str] | None:
    """``"['Ada', 'Bo']"`` → ``['Ada', 'Bo']``; anything else → None (literal_eval evaluates no code)."""
    stripped = text.strip()
    if not (stripped.startswith("[") and stripped.endswith("]")):
        return None
    try:
        value = ast.literal_eval(stripped)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    return None


def parse_track(raw: Any, *, source: Path, root: Path, follow_symlinks: bool = False) -> Track:
    """Validate one track's JSON and resolve its media paths against the data folder.

    Parameters
    ----------
    raw
        The decoded JSON value.
    source
        The file it came from; its stem becomes the track id and it is named in every error.
    root
        The data folder, already resolved; media paths are relative to it and must stay inside it.
    follow_symlinks
        Accept media that are symbolic links to files outside ``root``.

    Raises
    ------
    DatasetError
        Naming the file and the field at fault, e.g. ``song.json: field 'data[1].image_path': ...``.
    """
    fields = _Fields(source, raw)
    x = fields.number("x", required=True, unit=True)
    y = fields.number("y", required=True, unit=True)
    genre = fields.text("track_genre", default=UNKNOWN_GENRE) or UNKNOWN_GENRE
    data = fields.raw.get("data")
    if not isinstance(data, list) or not data:
        fields.fail("data", "expected a non-empty list of picture variants ({image_path, prompt, audio_path, ...})")
    variants = []
    for i, item in enumerate(data):
        entry = _Fields(source, item, prefix=f"data[{i}].")
        color = entry.color("mean_color")
        # A missing picture is tolerated only when its colour is known: that is what the map draws.
        image, image_missing = entry.media_path("image_path", root, required=True, follow_symlinks=follow_symlinks,
                                                missing_ok=color is not None)
        audio, audio_missing = entry.media_path("audio_path", root, required=False, follow_symlinks=follow_symlinks,
                                                missing_ok=True)
        variants.append(
            Variant(
                image_path=image or "",
                prompt=entry.text("prompt", default="") or "",
                track_genre=entry.text("track_genre", default=genre) or genre,
                audio_path=audio,
                mean_color=color,
                image_missing=image_missing,
                audio_missing=audio_missing,
            )
        )
    assert x is not None and y is not None  # required=True guarantees numbers
    return Track(
        id=source.stem,
        x=x,
        y=y,
        artists=fields.artists("artists"),
        track_name=fields.text("track_name") or "",
        track_genre=genre,
        variants=variants,
        metadata={**{name: fields.number(name, required=False) for name in METADATA_FIELDS},
                  **_extra_numbers(fields.raw)},
        embeddings=_vectors(fields.raw),
    )


#: Top-level keys that are part of the schema itself, never extra numeric metadata.
_SCHEMA_KEYS = frozenset({"x", "y", "artists", "track_name", "track_genre", "data", *METADATA_FIELDS})


def _vectors(raw: dict[str, Any]) -> dict[str, list[float]]:
    """Top-level lists of at least two finite numbers (and no booleans): embeddings to find neighbours in."""
    return {name: [float(v) for v in value] for name, value in raw.items()
            if name not in _SCHEMA_KEYS and isinstance(value, list) and len(value) >= 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value)}


def _extra_numbers(raw: dict[str, Any]) -> dict[str, float]:
    """Any other finite top-level number (``tempo``, ``acousticness`` ...): the map can filter and colour by it."""
    return {name: float(value) for name, value in raw.items()
            if name not in _SCHEMA_KEYS and isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value)}


def mean_color(path: str | os.PathLike[str]) -> tuple[int, int, int]:
    """Average colour of a picture, from a small decoded copy (exact enough, and fast on big images)."""
    from PIL import Image

    with Image.open(path) as image:
        image.draft("RGB", (64, 64))  # JPEG decodes at reduced scale; a no-op for other formats
        small = image.convert("RGB")
        small.thumbnail((64, 64), Image.Resampling.BOX, reducing_gap=2.0)
        pixel = small.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    assert isinstance(pixel, tuple)
    return (int(pixel[0]), int(pixel[1]), int(pixel[2]))


def _file_key(path: Path) -> str:
    stat = path.stat()
    return f"{path}|{stat.st_mtime_ns}|{stat.st_size}"


def fill_mean_colors(
    collection: Collection,
    *,
    cache_dir: Path | None = None,
    progress: bool = False,
) -> int:
    """Compute the mean colours the JSON files left out, remembering them in ``cache_dir``.

    The colour grid averages these colours; computing them needs every picture opened once, so the results
    are cached by file path, modification time and size and the next start-up is instant.

    A picture that cannot be read gets :data:`PLACEHOLDER_COLOR` and a line in ``collection.problems``.

    Returns
    -------
    int
        How many colours were computed (not found in the cache).
    """
    missing = [v for t in collection.tracks for v in t.variants if v.mean_color is None]
    if not missing:
        return 0
    cache_file = cache_dir / "mean_colors.json" if cache_dir is not None else None
    cache: dict[str, list[int]] = {}
    if cache_file is not None and cache_file.is_file():
        try:
            cache = json.loads(cache_file.read_text())
        except (OSError, ValueError):
            cache = {}  # a damaged cache is only a slower start, never an error
    computed = 0
    for variant in _progress(missing, progress, "mean colours"):
        path = collection.root / variant.image_path
        key = _file_key(path)
        if key not in cache:
            try:
                cache[key] = list(mean_color(path))
            except (OSError, ValueError) as exc:  # one unreadable picture must not hide the whole folder
                collection.problems.append(f"{path}: cannot be read ({exc}); drawn as a grey placeholder")
                variant.mean_color = PLACEHOLDER_COLOR
                continue
            computed += 1
        r, g, b = cache[key]
        variant.mean_color = (r, g, b)
    if cache_file is not None and computed:
        atomic_write_text(cache_file, json.dumps(cache))
    return computed


def _progress(items: list[Any], enabled: bool, desc: str) -> Iterable[Any]:
    if not enabled:
        return items
    from tqdm import tqdm

    # Only for folders big enough to make someone wait, and only on a terminal (disable=None).
    return tqdm(items, desc=desc, unit="file", disable=None if len(items) >= 200 else True)


def default_cache_dir(root: Path) -> Path:
    """Where thumbnails and computed colours go: the user cache, never the (maybe read-only) data folder."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    digest = hashlib.sha1(str(root).encode()).hexdigest()[:12]
    return base / "a2i" / "explore" / f"{root.name}-{digest}"


def read_track_json(path: Path) -> Any:
    """Decode one track file, turning every way it can be unreadable into one :class:`DatasetError` line.

    A UTF-8 byte-order mark (what Windows editors write) is accepted. JSON nested deeper than Python's
    recursion limit (``[[[[...`` a thousand deep, never a real track) is refused with a message, not a
    ``RecursionError`` traceback.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "deep.json"
    >>> _ = path.write_text("[" * 100_000)
    >>> try:
    ...     read_track_json(path)
    ... except DatasetError as exc:
    ...     print(str(exc).split(": ", 1)[1])
    not valid JSON (nested too deeply to be a track file); fix or remove the file
    """
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except RecursionError:
        raise DatasetError(f"{path}: not valid JSON (nested too deeply to be a track file); "
                           "fix or remove the file") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DatasetError(f"{path}: not valid JSON ({exc}); fix or remove the file") from exc


def load_collection(
    data_dir: str | os.PathLike[str],
    *,
    skip_invalid: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool = False,
    on_skip: Callable[[DatasetError], None] | None = None,
    follow_symlinks: bool = False,
) -> Collection:
    """Load and validate every ``*.json`` track file of ``data_dir``.

    Parameters
    ----------
    data_dir
        The data folder: track files at its top level, or the thesis's layout (``static/jsons/*.json``,
        media paths relative to ``data_dir``).
    skip_invalid
        Leave out invalid files (reporting each through ``on_skip``) instead of stopping at the first one;
        for browsing a large folder with a few broken files.
    cache_dir
        Where computed mean colours are remembered (default: :func:`default_cache_dir`).
    progress
        Show progress bars (reading files, computing colours).
    follow_symlinks
        Serve media that are symbolic links leading out of the folder (refused by default).

    Raises
    ------
    DatasetError
        When the folder is missing or holds no track, or (unless ``skip_invalid``) a file is invalid;
        the message names the file and the field.
    """
    root = Path(data_dir).expanduser().resolve()
    if not root.is_dir():
        raise DatasetError(f"data folder {data_dir} does not exist; pass a folder of per-track JSON files")
    files = sorted(root.glob("*.json")) or sorted((root / THESIS_JSON_DIR).glob("*.json"))
    if not files:
        raise DatasetError(
            f"data folder {root} holds no *.json track file (at its top level or in {THESIS_JSON_DIR}/); "
            f"build one with `a2i explore build SONGS --out {root}`"
        )
    tracks = []
    for path in _progress(files, progress, "tracks"):
        try:
            raw = read_track_json(path)
            tracks.append(parse_track(raw, source=path, root=root, follow_symlinks=follow_symlinks))
        except DatasetError as exc:
            if not skip_invalid:
                raise
            if on_skip is not None:
                on_skip(exc)
    if not tracks:
        raise DatasetError(f"data folder {root}: every track file is invalid; nothing to show")
    collection = Collection(root=root, tracks=tracks, problems=_holes(tracks, files[0].parent),
                            json_dir=files[0].parent)
    fill_mean_colors(
        collection,
        cache_dir=Path(cache_dir) if cache_dir is not None else default_cache_dir(root),
        progress=progress,
    )
    return collection


def _holes(tracks: list[Track], json_dir: Path) -> list[str]:
    """One line per tolerated missing file, naming the track file and the path it names."""
    lines = []
    for track in tracks:
        for i, variant in enumerate(track.variants):
            if variant.image_missing:
                lines.append(f"{json_dir / track.id}.json: data[{i}].image_path {variant.image_path!r} is missing; "
                             "drawn as its mean_color")
            if variant.audio_missing:
                lines.append(f"{json_dir / track.id}.json: data[{i}].audio_path {variant.audio_path!r} is missing; "
                             "shown without audio")
    return lines


def write_track(path: str | os.PathLike[str], track: Track) -> Path:
    """Write a track in the explorer's JSON schema (the inverse of :func:`parse_track`), atomically."""
    return atomic_write_json(path, track.to_dict())
