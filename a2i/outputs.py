"""The per-song run folder: what ``a2i generate`` and ``a2i render`` write, and everyone else reads.

One folder holds one run for one song::

    DIR/<stem>_clipNN.png            a picture (``<stem>_clipNN_vK.png`` for variant K > 0,
                                     ``<stem>_clipNN_<style>.png`` / ``..._vK_<style>.png`` with a style)
    DIR/<stem>_clipNN_card.png       its info card (same stem plus ``_card``)
    DIR/profile.json                 the song's analysis (:meth:`a2i.mood.Analysis.to_dict`, per clip)
    DIR/prompts.json                 the run record (below)

The run record (``prompts.json``) is versioned by :data:`SCHEMA_VERSION`::

    {"schema_version": 2, "a2i_version": "0.1.0", "vibenet_version": "0.1.0",
     "song": {"path": "/home/me/songs/a.flac", "relative": "../../songs/a.flac", "sha256": "9f86d0..."},
     "options": {"clips": "center", "size": [1024, 1024], "n_prompts": 10, "prompts": "template",
                 "prompt_options": {}, "seed": 0, "backend": "painter", "backend_options": {}, ...},
     "prompts": ["...", ...],
     "pictures": [{"image": "a_clip03.png", "card": "a_clip03_card.png", "clip": 3, "start": 30.0,
                   "end": 40.0, "prompt": "...", "seed": 3, "variant": 0, "backend": "painter",
                   "style": null}, ...]}

The song is kept three ways so every later step finds it from any working directory, and after the
whole tree (songs and runs) was moved: ``relative`` to the run folder, the ``path`` it had, and the
``sha256`` of its bytes to recognise it under another name or after a move (:meth:`Run.song_path`).

Writers call :func:`write_run` (or use :class:`RunFolder`, which also owns the folder: staging, lock,
``--overwrite``); readers (``render``, ``video``, ``label make-study``, ``explore build``) call
:func:`read_run` and never parse these files themselves, so the format has one home.

Examples
--------
>>> import tempfile
>>> from PIL import Image
>>> from a2i.mood import Analysis, ClipProfile, Profile
>>> clip = ClipProfile(valence=0.7, index=0, start=0.0, end=10.0)
>>> analysis = Analysis("song.wav", Profile(valence=0.7), [clip], {}, {}, 10.0)
>>> folder = Path(tempfile.mkdtemp())
>>> picture = Picture(image=picture_name("song", 0), card=card_name("song", 0), clip=0, start=0.0, end=10.0,
...                   prompt="a warm sunrise", seed=0)
>>> Image.new("RGB", (64, 64)).save(folder / picture.image)
>>> _ = write_run(folder, analysis=analysis, prompts=["a warm sunrise"],
...               options=run_options(clips="center", size=64, n_prompts=1, prompts="template", seed=0),
...               pictures=[picture])
>>> run = read_run(folder)
>>> run.pictures[0].image, run.profile.valence, run.options["size"]
('song_clip00.png', 0.7, [64, 64])
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import re
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from a2i import __version__
from a2i.errors import A2IWarning, ConfigError, MissingFileError, OutputError
from a2i.fileio import (
    TEMP_SUFFIX,
    atomic_write_json,
    check_not_input,
    check_output_folder,
    check_replaceable,
    check_writable_folder,
    content_hash,
    current_umask,
    protected_folder,
)
from a2i.mood import Analysis, ClipProfile, Profile

#: Version of the run folder's layout and of the run record; bump it when a reader would misread a folder
#: written by an older a2i (renamed or re-meant keys), not when a key is added.
SCHEMA_VERSION = 2
#: Versions :func:`read_run` reads: version 1 recorded the song as the path typed (relative to wherever the
#: command ran); version 2 records where it is from anywhere (:func:`song_record`).
READABLE_VERSIONS = (1, 2)
#: The song's analysis.
PROFILE_NAME = "profile.json"
#: The run record; the name predates the record and is kept so existing folders stay recognisable.
RUN_NAME = "prompts.json"
#: Options every run record carries; backends and commands may add their own (e.g. ``variants``).
#: Where runs go when no ``--out`` is given: ``outputs/<song stem>``, one folder per song.
DEFAULT_ROOT = Path("outputs")
REQUIRED_OPTIONS = ("clips", "size", "n_prompts", "prompts", "prompt_options", "seed", "backend", "backend_options")


def default_out_dir(song: str | os.PathLike[str], root: str | os.PathLike[str] = DEFAULT_ROOT) -> Path:
    """The run folder of a song when the user names none, so two songs never share one.

    Examples
    --------
    >>> default_out_dir("music/Björk - Jóga.mp3").as_posix()
    'outputs/Björk - Jóga'
    """
    return Path(root) / Path(song).stem


def picture_name(stem: str, clip: int, variant: int = 0, style: str | None = None) -> str:
    """The file name of one picture; variant 0 without a style keeps the short ``<stem>_clipNN.png``.

    Examples
    --------
    >>> picture_name("song", 3), picture_name("song", 3, variant=2, style="ink")
    ('song_clip03.png', 'song_clip03_v2_ink.png')
    """
    name = f"{stem}_clip{clip:02d}"
    if variant:
        name += f"_v{variant}"
    if style:
        name += f"_{style}"
    return name + ".png"


def card_name(stem: str, clip: int, variant: int = 0, style: str | None = None) -> str:
    """The info card beside :func:`picture_name`'s picture.

    Examples
    --------
    >>> card_name("song", 3)
    'song_clip03_card.png'
    """
    return picture_name(stem, clip, variant, style)[: -len(".png")] + "_card.png"


@dataclass(frozen=True)
class Picture:
    """One picture of a run and everything needed to make it again.

    ``image`` and ``card`` are file names inside the run folder; ``start``/``end`` in seconds within the
    song; ``seed`` is the picture's own seed (:func:`a2i.seeding.picture_seed`), so a picture can be
    re-rendered from its record alone.
    """

    image: str
    card: str | None
    clip: int
    start: float
    end: float
    prompt: str | None
    seed: int
    variant: int = 0
    backend: str = "painter"
    style: str | None = None
    #: What the picture shows (painter only): style, subjects, colours, not_drawn, description
    #: (:class:`a2i.render.painter.drawn.Drawn`); None for backends that cannot say.
    drawn: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = RUN_NAME) -> Picture:
        names = {f.name for f in fields(cls)}
        missing = [f.name for f in fields(cls) if f.default is not None and f.name not in data
                   and f.name not in ("variant", "backend", "style")]
        if missing:
            raise ConfigError(f"{where}: a picture record lacks {', '.join(missing)}; rerun `a2i generate`")
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class Run:
    """A run folder as :func:`read_run` found it."""

    folder: Path
    song: str
    profile: Profile
    clips: list[ClipProfile]
    duration: float
    options: dict[str, Any]
    prompts: list[str]
    pictures: list[Picture]
    a2i_version: str
    vibenet_version: str | None
    schema_version: int = SCHEMA_VERSION
    analysis: dict[str, Any] = field(default_factory=dict, repr=False)
    song_record: dict[str, Any] = field(default_factory=dict, repr=False)

    def image_path(self, picture: Picture) -> Path:
        """Where ``picture``'s image is."""
        return self.folder / picture.image

    def card_path(self, picture: Picture) -> Path | None:
        """Where ``picture``'s info card is (``None`` when the run made none)."""
        return self.folder / picture.card if picture.card else None

    def song_path(self) -> Path:
        """Where the song this run was made from is now, from any working directory.

        Tried in order: the path recorded relative to the run folder (the tree was moved whole), the
        absolute path it had (the run folder was moved), then a file of the same name and content near the
        run folder (the song was moved). A file found at a recorded path whose content differs is used
        only when no file with the recorded content turns up, with a warning.

        Raises
        ------
        MissingFileError
            Naming every place looked at, when the song is nowhere.
        """
        record = self.song_record
        candidates = [self.folder / record["relative"]] if record.get("relative") else []
        if record.get("path"):
            recorded = Path(record["path"])
            candidates += [recorded] if recorded.is_absolute() else [recorded, self.folder / recorded]  # version 1
        existing = [c for c in candidates if c.is_file()]
        expected = record.get("sha256")
        if not expected:
            if existing:
                return existing[0]
        else:
            for candidate in existing:
                if content_hash(candidate) == expected:
                    return candidate
            found = _find_by_hash(self.folder, Path(str(record.get("path", ""))).name, expected)
            if found is not None:
                return found
            if existing:
                warnings.warn(f"{existing[0]} is not the file the run in {self.folder} was made from (its content "
                              f"changed); using it anyway", A2IWarning, stacklevel=2)
                return existing[0]
        looked = " nor at ".join(dict.fromkeys(str(c) for c in candidates)) or "(no path recorded)"
        raise MissingFileError(f"{self.folder}: the song it was made from is not at {looked}"
                               + (", and no file with its content lies near the run folder" if expected else "")
                               + "; put the song back, or rerun `a2i generate` on the song where it is now")

    def clip(self, index: int) -> ClipProfile:
        """The analysed clip with this index."""
        for clip in self.clips:
            if clip.index == index:
                return clip
        raise ConfigError(f"{self.folder / PROFILE_NAME}: no clip {index}")


def library_versions() -> dict[str, str | None]:
    """The a2i and vibenet versions that made a run (vibenet's is ``None`` if it is not installed)."""
    return {"a2i_version": __version__, "vibenet_version": installed_version("vibenet")}


@functools.cache
def installed_version(name: str) -> str | None:
    """``importlib.metadata.version(name)``, ``None`` for a distribution that is not installed.

    A distribution installed as a ``NAME-VERSION.dist-info`` folder (what pip makes, editable installs too) is
    read from that folder's METADATA on the first ``sys.path`` entry holding one, as importlib.metadata reads
    it; only anything else (an egg, a zip) asks importlib.metadata, whose import (the email parser, zipfile,
    csv) took 20 ms of every ``a2i generate``.

    Examples
    --------
    >>> installed_version("numpy") == __import__("numpy").__version__
    True
    >>> installed_version("no-such-distribution") is None
    True
    """
    wanted = re.sub(r"[-_.]+", "_", name).lower()
    for entry in sys.path:
        try:
            folders = [f for f in os.listdir(entry or ".") if f.lower().endswith(".dist-info")]
        except OSError:  # not a folder (a zip), or gone
            continue
        for folder in folders:
            stem, _, _ = folder[: -len(".dist-info")].partition("-")
            if re.sub(r"[-_.]+", "_", stem).lower() != wanted:
                continue
            try:
                text = Path(entry or ".", folder, "METADATA").read_text(encoding="utf-8")
            except OSError:
                break  # a broken record: importlib.metadata decides
            for line in text.split("\n\n", 1)[0].splitlines():  # the header block
                if line.startswith("Version:"):
                    return line.partition(":")[2].strip()
            break
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def run_options(*, clips: str, size: int | Sequence[int], n_prompts: int, prompts: str, seed: int,
                prompt_options: Mapping[str, Any] | None = None, backend: str = "painter",
                backend_options: Mapping[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """The run's options in the record's shape: ``size`` always ``[width, height]``; ``extra`` keeps a
    command's own options (``variants``, ``styles``, ...)."""
    width, height = (size, size) if isinstance(size, int) else size
    return {"clips": clips, "size": [int(width), int(height)], "n_prompts": int(n_prompts), "prompts": prompts,
            "prompt_options": dict(prompt_options or {}), "seed": int(seed), "backend": backend,
            "backend_options": dict(backend_options or {}), **extra}


def song_record(song: str | os.PathLike[str], folder: str | os.PathLike[str]) -> dict[str, Any]:
    """How a run record keeps its song: absolute ``path``, ``relative`` to the run ``folder`` and ``sha256``.

    ``folder`` may be the staging folder of :class:`RunFolder`: it sits beside the final folder, so a path
    relative to one is relative to the other. ``sha256`` is ``None`` for a song that is not a file.

    Examples
    --------
    >>> record = song_record("/music/a.flac", "/runs/a")
    >>> record["path"], record["relative"], record["sha256"]
    ('/music/a.flac', '../../music/a.flac', None)
    """
    path = Path(os.path.abspath(song))
    relative = Path(os.path.relpath(path, os.path.abspath(folder))).as_posix()
    return {"path": str(path), "relative": relative, "sha256": content_hash(path) if path.is_file() else None}


def write_run(folder: str | os.PathLike[str], *, analysis: Analysis, prompts: Sequence[str],
              options: Mapping[str, Any], pictures: Iterable[Picture]) -> Path:
    """Write ``profile.json`` and the run record into ``folder`` (the pictures are already there).

    Returns
    -------
    Path
        The run record.
    """
    folder = Path(folder)
    missing = [key for key in REQUIRED_OPTIONS if key not in options]
    if missing:
        raise ConfigError(f"run options lack {', '.join(missing)}; build them with a2i.outputs.run_options")
    atomic_write_json(folder / PROFILE_NAME, analysis.to_dict(per_clip=True))
    record = {"schema_version": SCHEMA_VERSION, **library_versions(), "song": song_record(analysis.path, folder),
              "options": dict(options), "prompts": list(prompts), "pictures": [p.to_dict() for p in pictures]}
    return atomic_write_json(folder / RUN_NAME, record)


#: How far :func:`_find_by_hash` looks for a moved song: folders above the run folder, and entries visited
#: in all: two levels reach the project of ``PROJECT/outputs/<run>`` (its music/ beside outputs/), and the cap keeps
#: a run folder in a home full of files from stalling a command.
SEARCH_LEVELS = 2
SEARCH_ENTRIES = 20_000


def _find_by_hash(folder: Path, name: str, expected: str) -> Path | None:
    """A file called ``name`` with content hash ``expected`` under the run folder's nearest ancestors."""
    if not name:
        return None
    widest = ([folder.resolve(), *folder.resolve().parents])[:SEARCH_LEVELS + 1][-1]
    visited = 0
    for dirpath, dirnames, filenames in os.walk(widest):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        visited += len(dirnames) + len(filenames)
        if name in filenames:
            candidate = Path(dirpath) / name
            with contextlib.suppress(OSError):
                if content_hash(candidate) == expected:
                    return candidate
        if visited > SEARCH_ENTRIES:
            break
    return None


def is_run_folder(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder`` holds a run record (of any version)."""
    return (Path(folder) / RUN_NAME).is_file()


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path.parent} has no {path.name}; is it an `a2i generate` output folder?") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}); rerun `a2i generate` into a new folder") from exc


def read_run(folder: str | os.PathLike[str]) -> Run:
    """Read a run folder written by :func:`write_run`.

    Raises :class:`~a2i.errors.ConfigError` naming the file when the folder is not a run folder, its
    record is from another schema version, or a picture it lists is missing.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder; pass an output folder of `a2i generate`")
    record = _load_json(folder / RUN_NAME)
    where = str(folder / RUN_NAME)
    version = record.get("schema_version") if isinstance(record, dict) else None
    if version not in READABLE_VERSIONS:
        raise ConfigError(f"{where}: run record version {version!r}, this a2i reads versions "
                          f"{', '.join(map(str, READABLE_VERSIONS))}; rerun `a2i generate` with --overwrite to rewrite "
                          f"the folder")
    analysis = _load_json(folder / PROFILE_NAME)
    if not isinstance(analysis, dict):
        raise ConfigError(f"{folder / PROFILE_NAME}: expected a JSON object; rerun `a2i generate`")
    pictures = [Picture.from_dict(p, where=where) for p in record.get("pictures", [])]
    for picture in pictures:
        if not (folder / picture.image).is_file():
            raise ConfigError(f"{folder / picture.image}: listed in {RUN_NAME} but missing; rerun `a2i generate` "
                              f"with --overwrite")
    song = record.get("song", analysis.get("path", ""))
    song = dict(song) if isinstance(song, dict) else {"path": str(song)}  # version 1: the path as typed
    return Run(
        folder=folder, song=str(song.get("path", "")), song_record=song,
        profile=Profile.from_dict(analysis), clips=[ClipProfile.from_dict(c) for c in analysis.get("clips", [])],
        duration=float(analysis.get("duration", 0.0)), options=dict(record.get("options", {})),
        prompts=list(record.get("prompts", [])), pictures=pictures, a2i_version=str(record.get("a2i_version")),
        vibenet_version=record.get("vibenet_version"), schema_version=version, analysis=analysis,
    )


def run_files(folder: str | os.PathLike[str]) -> set[str] | None:
    """The names in ``folder`` that a run wrote, or ``None`` when it holds no readable run record.

    A run writes its record, its analysis, the pictures and cards its record lists, pictures of the same
    song that an interrupted ``a2i render`` finished before recording them (``<stem>_clipNN...png``) and
    half-written temporary files (:data:`a2i.fileio.TEMP_SUFFIX`). Anything else was put there by
    someone else.
    """
    folder = Path(folder)
    try:
        record = json.loads((folder / RUN_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or "schema_version" not in record or not isinstance(record.get("pictures"), list):
        return None
    names = {RUN_NAME, PROFILE_NAME}
    for picture in record["pictures"]:
        if isinstance(picture, dict):
            names |= {str(picture[key]) for key in ("image", "card") if picture.get(key)}
    song = record.get("song")
    song_name = song.get("path") if isinstance(song, dict) else song
    stem = Path(str(song_name or "")).stem
    pattern = re.compile(re.escape(stem) + r"_clip\d+[^/]*\.png") if stem else None
    found = set()
    for entry in folder.iterdir():
        if entry.name in names or entry.name.endswith(TEMP_SUFFIX):
            found.add(entry.name)
        elif pattern is not None and entry.is_file() and pattern.fullmatch(entry.name):
            found.add(entry.name)
    return found


def check_batch_out(out: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]]) -> Path:
    """Refuse, before any song is decoded, a root for per-song run folders (``a2i render --out``) that is a
    file, cannot be written (``/proc/x``), or is or lies inside one of the ``inputs`` (the music folder).

    Why: ``render`` once analysed every song and then failed each with "Not a directory", and with
    ``--out`` equal to the music folder wrote run folders among the songs (``generate`` refuses that).

    Examples
    --------
    >>> import tempfile
    >>> music = Path(tempfile.mkdtemp())
    >>> check_batch_out(music / "runs", [music])
    Traceback (most recent call last):
    ...
    a2i.errors.OutputError: --out .../runs: lies inside the input folder ...; the runs would mix with the songs; choose a folder outside it
    """
    out = Path(out)
    check_output_folder(out, inputs=inputs, what="--out")
    resolved = out.resolve()
    for item in inputs:
        source = Path(item).resolve()
        if source.is_dir() and source in resolved.parents:
            raise OutputError(f"--out {out}: lies inside the input folder {item}; the runs would mix with the songs; "
                              f"choose a folder outside it")
    return out


#: Prefix of a run's staging folder beside its target; a leftover one is an interrupted run's.
STAGING_PREFIX = ".a2i-staging-"


class RunFolder:
    """Own a run's output folder for the length of a ``with`` block.

    Why: a rerun must never mix with, or damage, an earlier run. On entry the target is checked (not a
    file, not an input, writable, not holding another run unless ``overwrite``) and locked against a
    concurrent run (an ``fcntl`` lock, released by the kernel even if the process is killed); work then
    goes to :attr:`path`, a staging folder beside the target. A clean exit swaps it into place whole; an
    error or Ctrl-C deletes it and leaves the earlier run as it was.

    Parameters
    ----------
    target : path
        The run folder to create or replace.
    overwrite : bool
        Replace a folder that holds an earlier run (:func:`check_replaceable` says which folders qualify:
        never one holding anything a2i did not write).
    inputs : paths
        Files this run reads; the target may be none of them nor contain them.
    """

    def __init__(self, target: str | os.PathLike[str], *, overwrite: bool = False,
                 inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
        self.shown = Path(target)  # as the user wrote it, for messages
        self.target = Path(target).resolve()  # "." and "runs/../a" name their real folder and parent
        self.overwrite = overwrite
        self.inputs = [Path(p) for p in inputs]
        self.path: Path = self.target
        self._lock: int | None = None
        self._lock_path = self.target.parent / f".{self.target.name}.lock"
        self._made: list[Path] = []

    def check(self) -> None:
        """The checks of :meth:`__enter__` without taking the folder (cheap; run before any heavy work)."""
        target, shown = self.target, self.shown
        check_not_input(shown, self.inputs, what="--out", contains=True)
        if target.exists() and not target.is_dir():
            raise OutputError(f"--out {shown}: exists and is not a folder; choose another output folder")
        reason = protected_folder(target, inputs=self.inputs)
        if reason:  # even an empty one: the staging folder is swapped in by renaming the target away
            raise OutputError(f"--out {shown}: {reason}, and a run replaces its whole folder; name a new "
                              f"folder for the run, e.g. --out {default_out_dir(self.inputs[0] if self.inputs else 'run')}")
        check_writable_folder(target.parent, what=f"--out {shown}")
        check_replaceable(target, shown=f"--out {shown}", overwrite=self.overwrite, owned=run_files, kind="a run")

    def __enter__(self) -> RunFolder:
        self.check()
        parent = self.target.parent
        lock_path = self._lock_path
        self._made = []  # folders this run creates above the target, removed again if it fails
        missing = parent
        while not missing.exists() and missing != missing.parent:
            self._made.append(missing)
            missing = missing.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            self._remove_made()
            raise OutputError(f"--out {self.shown}: cannot write beside it ({exc.strerror}: {lock_path}); "
                              f"choose a folder you can write to") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            # The holder unlinks the lock file when it is done; a lock taken on a file that was unlinked
            # meanwhile locks nothing, so it only counts while the path still names the locked file.
            if os.fstat(fd).st_ino != os.stat(lock_path).st_ino:
                raise BlockingIOError
        except (BlockingIOError, FileNotFoundError):
            os.close(fd)
            raise OutputError(f"--out {self.shown}: another a2i run is writing this folder ({lock_path} is "
                              f"locked); wait for it to finish or choose another output folder") from None
        self._lock, self._lock_path = fd, lock_path
        try:
            self._remove_stale_staging()
            self.check()  # again under the lock: a run that just finished may have filled the folder
            try:
                self.path = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{self.target.name}-", dir=parent))
            except OSError as exc:
                raise OutputError(f"--out {self.shown}: cannot write beside it ({exc.strerror}: {parent}); "
                                  f"choose a folder you can write to") from exc
            os.chmod(self.path, 0o777 & ~current_umask())  # mkdtemp makes it 0700
        except BaseException:
            self._release()
            self._remove_made()
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:  # noqa: ANN001
        try:
            if exc_type is None:
                self._swap_in()
            else:
                shutil.rmtree(self.path, ignore_errors=True)
        finally:
            self._release()
            if exc_type is not None:
                self._remove_made()

    def _remove_made(self) -> None:
        """Remove the folders :meth:`__enter__` created above the target, deepest first, while empty."""
        for folder in self._made:
            try:
                folder.rmdir()
            except OSError:  # not empty (something else is there now) or already gone: stop climbing
                break
        self._made = []

    def _swap_in(self) -> None:
        old = None
        if self.target.exists():
            old = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{self.target.name}-old-", dir=self.target.parent))
            os.replace(self.target, old / self.target.name)
        os.replace(self.path, self.target)
        self.path = self.target
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def _remove_stale_staging(self) -> None:
        # mkdtemp's 8 random characters never include "-", so a sibling target "name-x" never matches.
        ours = re.compile(re.escape(f"{STAGING_PREFIX}{self.target.name}-") + r"(old-)?[a-z0-9_]{8}")
        for leftover in self.target.parent.glob(f"{STAGING_PREFIX}*"):
            if ours.fullmatch(leftover.name):
                shutil.rmtree(leftover, ignore_errors=True)

    def _release(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(OSError):  # unlinked while still held, so no other run can take it meanwhile
                self._lock_path.unlink()
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock, fcntl.LOCK_UN)
            os.close(self._lock)
            self._lock = None
