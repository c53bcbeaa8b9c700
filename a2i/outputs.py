"""The per-song run folder: what ``a2i generate`` and ``a2i render`` write, and everyone else reads.

One folder holds one run for one song::

    DIR/<stem>_clipNN.png            a picture (``<stem>_clipNN_vK.png`` for variant K > 0,
                                     ``<stem>_clipNN_<style>.png`` / ``..._vK_<style>.png`` with a style)
    DIR/<stem>_clipNN_card.png       its info card (same stem plus ``_card``)
    DIR/profile.json                 the song's analysis (:meth:`a2i.mood.Analysis.to_dict`, per clip)
    DIR/prompts.json                 the run record (below)

The run record (``prompts.json``) is versioned by :data:`SCHEMA_VERSION`::

    {"schema_version": 1, "a2i_version": "0.1.0", "vibenet_version": "0.1.0",
     "song": "songs/a.flac",
     "options": {"clips": "center", "size": [1024, 1024], "n_prompts": 10, "prompts": "template",
                 "prompt_options": {}, "seed": 0, "backend": "painter", "backend_options": {}, ...},
     "prompts": ["...", ...],
     "pictures": [{"image": "a_clip03.png", "card": "a_clip03_card.png", "clip": 3, "start": 30.0,
                   "end": 40.0, "prompt": "...", "seed": 3, "variant": 0, "backend": "painter",
                   "style": null}, ...]}

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
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from importlib import metadata
from pathlib import Path
from typing import Any

from a2i import __version__
from a2i.errors import ConfigError, OutputError
from a2i.fileio import atomic_write_json, check_not_input, check_writable_folder, current_umask
from a2i.mood import Analysis, ClipProfile, Profile

#: Version of the run folder's layout and of the run record; bump it when a reader would misread a folder
#: written by an older a2i (renamed or re-meant keys), not when a key is added.
SCHEMA_VERSION = 1
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

    def image_path(self, picture: Picture) -> Path:
        """Where ``picture``'s image is."""
        return self.folder / picture.image

    def card_path(self, picture: Picture) -> Path | None:
        """Where ``picture``'s info card is (``None`` when the run made none)."""
        return self.folder / picture.card if picture.card else None

    def song_path(self) -> Path:
        """The song as recorded, resolved against the folder when it was recorded relative to it."""
        path = Path(self.song)
        return path if path.is_absolute() or path.exists() else self.folder / path

    def clip(self, index: int) -> ClipProfile:
        """The analysed clip with this index."""
        for clip in self.clips:
            if clip.index == index:
                return clip
        raise ConfigError(f"{self.folder / PROFILE_NAME}: no clip {index}")


def library_versions() -> dict[str, str | None]:
    """The a2i and vibenet versions that made a run (vibenet's is ``None`` if it is not installed)."""
    try:
        vibenet = metadata.version("vibenet")
    except metadata.PackageNotFoundError:
        vibenet = None
    return {"a2i_version": __version__, "vibenet_version": vibenet}


def run_options(*, clips: str, size: int | Sequence[int], n_prompts: int, prompts: str, seed: int,
                prompt_options: Mapping[str, Any] | None = None, backend: str = "painter",
                backend_options: Mapping[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """The run's options in the record's shape: ``size`` always ``[width, height]``; ``extra`` keeps a
    command's own options (``variants``, ``styles``, ...)."""
    width, height = (size, size) if isinstance(size, int) else size
    return {"clips": clips, "size": [int(width), int(height)], "n_prompts": int(n_prompts), "prompts": prompts,
            "prompt_options": dict(prompt_options or {}), "seed": int(seed), "backend": backend,
            "backend_options": dict(backend_options or {}), **extra}


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
    record = {"schema_version": SCHEMA_VERSION, **library_versions(), "song": str(analysis.path),
              "options": dict(options), "prompts": list(prompts), "pictures": [p.to_dict() for p in pictures]}
    return atomic_write_json(folder / RUN_NAME, record)


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
    if version != SCHEMA_VERSION:
        raise ConfigError(f"{where}: run record version {version!r}, this a2i reads version {SCHEMA_VERSION}; "
                          f"rerun `a2i generate` with --overwrite to rewrite the folder")
    analysis = _load_json(folder / PROFILE_NAME)
    if not isinstance(analysis, dict):
        raise ConfigError(f"{folder / PROFILE_NAME}: expected a JSON object; rerun `a2i generate`")
    pictures = [Picture.from_dict(p, where=where) for p in record.get("pictures", [])]
    for picture in pictures:
        if not (folder / picture.image).is_file():
            raise ConfigError(f"{folder / picture.image}: listed in {RUN_NAME} but missing; rerun `a2i generate` "
                              f"with --overwrite")
    return Run(
        folder=folder, song=str(record.get("song", analysis.get("path", ""))),
        profile=Profile.from_dict(analysis), clips=[ClipProfile.from_dict(c) for c in analysis.get("clips", [])],
        duration=float(analysis.get("duration", 0.0)), options=dict(record.get("options", {})),
        prompts=list(record.get("prompts", [])), pictures=pictures, a2i_version=str(record.get("a2i_version")),
        vibenet_version=record.get("vibenet_version"), schema_version=version, analysis=analysis,
    )


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
        Replace a folder that already holds a run (or any files).
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

    def check(self) -> None:
        """The checks of :meth:`__enter__` without taking the folder (cheap; run before any heavy work)."""
        target, shown = self.target, self.shown
        check_not_input(shown, self.inputs, what="--out", contains=True)
        if target.exists() and not target.is_dir():
            raise OutputError(f"--out {shown}: exists and is not a folder; choose another output folder")
        check_writable_folder(target.parent, what=f"--out {shown}")
        if target.is_dir() and not self.overwrite and any(target.iterdir()):
            kind = "another run's results" if is_run_folder(target) else "other files"
            raise OutputError(f"--out {shown}: holds {kind}; pass --overwrite to replace them, or choose "
                              f"another output folder")

    def __enter__(self) -> RunFolder:
        self.check()
        parent = self.target.parent
        lock_path = parent / f".{self.target.name}.lock"
        try:
            parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise OutputError(f"--out {self.shown}: cannot write beside it ({exc.strerror}: {lock_path}); "
                              f"choose a folder you can write to") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputError(f"--out {self.shown}: another a2i run is writing this folder ({lock_path} is "
                              f"locked); wait for it to finish or choose another output folder") from None
        self._lock = fd
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
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock, fcntl.LOCK_UN)
            os.close(self._lock)
            self._lock = None
