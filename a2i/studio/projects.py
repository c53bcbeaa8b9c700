"""The studio's projects: one song each, stored so that the rest of a2i reads them.

Layout of a studio folder::

    FOLDER/songs/<name>.<ext>        the song as uploaded (kept outside its run folder: a run folder may not
                                     contain its own input)
    FOLDER/<name>/                   the run folder, exactly as ``a2i generate`` writes it (:mod:`a2i.outputs`):
                                     pictures, cards, profile.json, prompts.json; ``<name>.mp4`` when rendered
    FOLDER/.studio/<name>/           what only the studio needs: ``state.json`` (the musician's choices),
                                     ``peaks.json`` (the waveform), ``listen.wav`` (what hovering a clip plays),
                                     ``preview.png`` (the first look while the song is analysed)
    FOLDER/.jobs/                    the job queue (:mod:`a2i.studio.jobs`)

Every write is atomic and every read-modify-write holds the project's lock, so the web process and the
worker never lose each other's changes and a reload shows everything that was chosen.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import unicodedata
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

import numpy as np

from a2i import audio as audio_io
from a2i.errors import A2IError, AudioError, ConfigError
from a2i.fileio import atomic_write_json, file_lock
from a2i.mood import Analysis, ClipProfile
from a2i.outputs import Picture, Run, is_run_folder, read_run, write_run

#: The largest upload: a 20-minute song as 16-bit 44.1 kHz stereo WAV is 212 MB, so 300 MB takes any song
#: in any format a2i reads while refusing a stray multi-gigabyte file before it fills the disk.
MAX_UPLOAD_BYTES = 300 * 1024 * 1024
#: The longest song: 20 minutes (120 clips) covers extended mixes; longer recordings (DJ sets) belong to
#: ``a2i generate``/``a2i video`` on the command line, which stream them without a page to keep up to date.
MAX_SECONDS = 20 * 60
#: Waveform columns sent to the page: one per pixel of a wide (1200 px) timeline; min and max each.
PEAK_COLUMNS = 1200
#: What hovering a clip plays: 22.05 kHz mono 16-bit WAV, which every browser seeks by byte range
#: (3 minutes = 7.9 MB, served locally).
LISTEN_SR = 22050
#: Longest project name (file-name stem) kept from an upload's name.
MAX_NAME = 60
#: Longest uploaded file name shown on the page (file systems allow 255 bytes; the song list has one line).
MAX_DISPLAY = 120

SONGS_DIR = "songs"
STUDIO_DIR = ".studio"
#: Inside STUDIO_DIR: why uploads answered early were refused by their check (``<name>.json``).
REFUSED_DIR = ".refused"


def size_text(n_bytes: float) -> str:
    """A byte count for a message: ``"300 MB"``, ``"98 KB"``.

    Examples
    --------
    >>> size_text(300 * 2**20), size_text(100_000)
    ('300 MB', '98 KB')
    """
    return f"{n_bytes / 2**20:.0f} MB" if n_bytes >= 2**20 else f"{n_bytes / 1024:.0f} KB"


def length_text(seconds: float) -> str:
    """A duration for a message, as a musician reads one: ``"3:05"``.

    Examples
    --------
    >>> length_text(185.2), length_text(1200)
    ('3:05', '20:00')
    """
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def safe_name(filename: str) -> str:
    """A project name from an uploaded file's name: its stem in letters, digits, ``-`` and ``_`` only.

    Folders, ``..`` and anything a file system or shell treats specially are dropped, so no name can
    leave the studio folder.

    Examples
    --------
    >>> safe_name("../../x.mp3"), safe_name("Björk - Jóga.flac"), safe_name("...wav")
    ('x', 'Bjork_-_Joga', 'wav')
    """
    base = re.split(r"[\\/]", filename)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_stem)).strip("._-")[:MAX_NAME]
    return name or "song"


def display_name(filename: str) -> str:
    """The uploaded file's own name as the page shows it (as text, never markup): folders and control characters
    dropped, at most :data:`MAX_DISPLAY` characters; the project's folder name is :func:`safe_name`'s.

    Examples
    --------
    >>> display_name("/home/me/Night Drive.flac"), display_name("../../Björk\\x07.mp3")
    ('Night Drive.flac', 'Björk.mp3')
    """
    base = re.split(r"[\\/]", filename)[-1]
    return "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C")[:MAX_DISPLAY]


def extension(filename: str) -> str:
    """The upload's extension in lower case, if a2i reads it; otherwise a :class:`ConfigError` listing those it reads."""
    ext = os.path.splitext(re.split(r"[\\/]", filename)[-1])[1].lower()
    if ext not in audio_io.AUDIO_EXTENSIONS:
        shown = ", ".join(e.lstrip(".") for e in audio_io.AUDIO_EXTENSIONS)
        raise ConfigError(f"{safe_name(filename)}{ext}: not an audio format a2i reads; use one of {shown}")
    return ext


@contextmanager
def _named(path: Path, shown: str) -> Iterator[None]:
    """a2i's audio errors with the stored file's path replaced by the name the musician uploaded."""
    try:
        yield
    except A2IError as exc:
        raise type(exc)(str(exc).replace(str(path), shown)) from None


def waveform_peaks(samples: np.ndarray, columns: int = PEAK_COLUMNS) -> list[list[float]]:
    """``[min, max]`` of each of ``columns`` equal stretches of a waveform, rounded to 3 decimals (compact JSON).

    Examples
    --------
    >>> waveform_peaks(np.array([0.0, 0.5, -0.25, 1.0]), columns=2)
    [[0.0, 0.5], [-0.25, 1.0]]
    """
    n = len(samples)
    columns = max(1, min(columns, n))
    edges = np.linspace(0, n, columns + 1).astype(int)
    return [[round(float(samples[a:b].min()), 3), round(float(samples[a:b].max()), 3)] for a, b in zip(edges[:-1], edges[1:])]


@dataclass(frozen=True)
class Project:
    """One song of the studio and where its files are."""

    root: Path
    name: str

    @property
    def run_dir(self) -> Path:
        return self.root / self.name

    @property
    def own_dir(self) -> Path:
        return self.root / STUDIO_DIR / self.name

    @property
    def state_path(self) -> Path:
        return self.own_dir / "state.json"

    @property
    def peaks_path(self) -> Path:
        return self.own_dir / "peaks.json"

    @property
    def listen_path(self) -> Path:
        return self.own_dir / "listen.wav"

    @property
    def preview_path(self) -> Path:
        return self.own_dir / "preview.png"

    @property
    def video_path(self) -> Path:
        return self.run_dir / f"{self.name}.mp4"

    def state(self) -> dict[str, Any]:
        """The musician's choices and what the studio knows of the song."""
        try:
            return json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"project {self.name!r}: not found in {self.root}") from None

    @property
    def song_path(self) -> Path:
        return self.root / self.state()["song"]

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the project's lock (between the web process and the worker)."""
        self.own_dir.mkdir(parents=True, exist_ok=True)
        with file_lock(self.own_dir / ".lock"):
            yield

    def update_state(self, **changes: Any) -> dict[str, Any]:
        """Merge ``changes`` into the state and write it at once (atomically)."""
        with self.locked():
            state = self.state()
            state.update(changes)
            atomic_write_json(self.state_path, state)
            return state

    def choose(self, clip: int, image: str) -> dict[str, Any]:
        """Make ``image`` (a picture of this clip in the run record) the clip's chosen picture."""
        run = self.run()
        if run is None or not any(p.clip == clip and p.image == image for p in run.pictures):
            raise ConfigError(f"clip {clip} has no picture {image!r}; pick one of its variants")
        with self.locked():
            state = self.state()
            state.setdefault("chosen", {})[str(clip)] = image
            atomic_write_json(self.state_path, state)
            return state

    def run(self) -> Run | None:
        """The run folder as :func:`a2i.outputs.read_run` reads it (``None`` before the analysis is done)."""
        return read_run(self.run_dir) if is_run_folder(self.run_dir) else None

    def record(self, analysis: Analysis, *, prompts: list[str], options: dict[str, Any],
               add: list[Picture] = ()) -> Run:
        """Write the run record with ``add`` appended to the pictures already in it (under the lock)."""
        with self.locked():
            run = self.run()
            pictures = list(run.pictures) if run is not None else []
            taken = {p.image for p in add}
            pictures = [p for p in pictures if p.image not in taken] + list(add)
            self.run_dir.mkdir(parents=True, exist_ok=True)
            write_run(self.run_dir, analysis=analysis, prompts=prompts, options=options, pictures=pictures)
        return read_run(self.run_dir)

    def clip(self, run: Run, index: int) -> ClipProfile:
        """A clip's profile with the song's tags, as ``generate`` paints it."""
        return replace(run.clip(index), title=run.profile.title, artist=run.profile.artist, genre=run.profile.genre)


class Studio:
    """The projects in one studio folder."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.root = Path(folder).resolve()

    def projects(self) -> list[Project]:
        """Every project, newest first (not those whose upload is still being checked)."""
        own = self.root / STUDIO_DIR
        states = {}
        for folder in own.iterdir() if own.is_dir() else []:
            try:
                states[folder.name] = Project(self.root, folder.name).state()
            except ConfigError:  # no state (yet, or any more): a project being added or removed
                continue
        shown = [name for name, state in states.items() if not state.get("checking")]
        return [Project(self.root, name) for name in sorted(shown, key=lambda n: states[n].get("added", 0), reverse=True)]

    def project(self, name: str) -> Project:
        """The project called ``name``; a :class:`ConfigError` for a name that is not one (or not safe), or the
        reason its upload was refused after the studio had answered it (:meth:`refuse`)."""
        if safe_name(name) != name or not (self.root / STUDIO_DIR / name / "state.json").is_file():
            refused = self.refusal(name) if safe_name(name) == name else None
            raise ConfigError(refused or f"project {name!r}: not found in {self.root}")
        return Project(self.root, name)

    def refuse(self, name: str, reason: str) -> None:
        """Record why the upload that was to become project ``name`` was refused once its check ended (the page was
        answered when the file was stored, so it learns the reason by asking for the project)."""
        atomic_write_json(self.root / STUDIO_DIR / REFUSED_DIR / f"{name}.json", {"reason": reason, "time": time.time()})

    def refusal(self, name: str) -> str | None:
        """The reason recorded by :meth:`refuse`, or None."""
        try:
            return json.loads((self.root / STUDIO_DIR / REFUSED_DIR / f"{name}.json").read_text(encoding="utf-8"))["reason"]
        except (FileNotFoundError, ValueError, KeyError):
            return None

    def _free_name(self, name: str) -> str:
        """A project name not taken yet, reserved at once (its studio folder made) so two uploads never share it."""
        while True:
            candidate = self._unused(name)
            try:
                (self.root / STUDIO_DIR / candidate).mkdir(parents=True)
                (self.root / STUDIO_DIR / REFUSED_DIR / f"{candidate}.json").unlink(missing_ok=True)  # a new song
                return candidate
            except FileExistsError:
                continue

    def _unused(self, name: str) -> str:
        taken = {p.name for p in (self.root / STUDIO_DIR).iterdir()} if (self.root / STUDIO_DIR).is_dir() else set()
        taken |= {p.name for p in self.root.iterdir()} if self.root.is_dir() else set()
        candidate, n = name, 2
        while candidate in taken or candidate in (SONGS_DIR, STUDIO_DIR):
            candidate, n = f"{name}-{n}", n + 1
        return candidate

    def add_song(self, stream: IO[bytes], filename: str, *, max_bytes: int = MAX_UPLOAD_BYTES,
                 max_seconds: float = MAX_SECONDS, settings: dict[str, Any] | None = None,
                 on_stored: Callable[[Project], None] | None = None,
                 on_refused: Callable[[Project, BaseException], None] | None = None) -> Project:
        """Store an uploaded song as a new project after checking it decodes; errors name the upload.

        As soon as the file is stored and its header states a length within the limit, the project exists
        (marked ``checking``: the song list leaves it out) and ``on_stored(project)`` is called, so the first
        look at the song (an excerpt's decode and analysis, :func:`a2i.studio.work.paint_preview`) is not kept
        waiting for the whole file's decode, which checks it (a long MP3 takes about a second). If that check
        fails, ``on_refused(project, error)`` is called, the project is removed again and the error raised.
        ``settings`` are the picture settings
        (:func:`a2i.studio.work.song_job`) recorded from the start.

        Raises
        ------
        ConfigError
            Not an audio format a2i reads, too large or too long.
        AudioError
            Empty, corrupt, truncated or not really audio (a2i's own messages, naming the file).
        """
        # 1. The name and format, before a byte is stored.
        ext = extension(filename)
        shown = safe_name(filename) + ext
        songs = self.root / SONGS_DIR
        songs.mkdir(parents=True, exist_ok=True)
        staging = songs / f".upload-{uuid.uuid4().hex}{ext}"
        project: Project | None = None
        try:
            # 2. Store it, counting bytes (a request without a length could still be huge).
            size = 0
            with open(staging, "wb") as f:
                while chunk := stream.read(1 << 20):
                    size += len(chunk)
                    if size > max_bytes:
                        raise ConfigError(f"{shown}: larger than the studio's limit of {size_text(max_bytes)}; "
                                          f"use `a2i generate` for longer recordings")
                    f.write(chunk)
            # 3. The length its header states: within the limit, the project exists and its first look starts.
            with _named(staging, shown):
                stated = audio_io.header_duration(staging)
            if stated is not None:
                self._check_length(shown, stated, max_seconds)
            project = Project(self.root, self._free_name(safe_name(filename)))
            song = songs / f"{project.name}{ext}"
            atomic_write_json(project.state_path, {
                "name": project.name, "upload": display_name(filename) or shown, "song": f"{SONGS_DIR}/{song.name}", "added": time.time(),
                "duration": stated, "checking": True, "job": dict(settings or {}), "chosen": {}, "sections": None,
                "video": None, "warnings": []})
            os.replace(staging, song)
            if on_stored is not None and stated is not None:
                on_stored(project)
            # 4. Decode it as the CLI would (a2i's errors name the file); check its length.
            with warnings.catch_warnings(record=True) as caught, _named(song, shown):
                warnings.simplefilter("always", audio_io.AudioWarning)
                audio = audio_io.load(song, sr=LISTEN_SR)
            notes = [str(w.message).replace(str(song), shown) for w in caught if issubclass(w.category, audio_io.AudioWarning)]
            # The CLI goes on with a warning; the studio refuses a cut file, which would only give a cut video.
            for note in notes:
                if "truncated" in note:
                    raise AudioError(note)
            self._check_length(shown, audio.duration, max_seconds)
            # 5. Waveform, listening copy, tags; the project is shown from now on.
            atomic_write_json(project.peaks_path, {"duration": round(audio.duration, 3), "peaks": waveform_peaks(audio.samples)})
            audio_io.write(project.listen_path, audio)
            tags = audio_io.read_tags(song)
            project.update_state(duration=round(audio.duration, 3), title=tags.get("title"), artist=tags.get("artist"),
                                 warnings=[f"a2i: warning: {n}" for n in notes], checking=False)
            if on_stored is not None and stated is None:  # no length in its header: the first look starts now
                on_stored(project)
            return project
        except BaseException as exc:
            if project is not None:
                if on_refused is not None:
                    on_refused(project, exc)
                self.remove(project)
            raise
        finally:
            staging.unlink(missing_ok=True)

    @staticmethod
    def _check_length(shown: str, seconds: float, max_seconds: float) -> None:
        if seconds > max_seconds:
            raise ConfigError(f"{shown}: {length_text(seconds)} long; the studio takes songs up to "
                              f"{length_text(max_seconds)} (use `a2i generate` for longer recordings)")
        if seconds < 1.0:
            raise AudioError(f"{shown}: only {seconds:.2f} s of audio; a song needs at least a second")

    def remove(self, project: Project) -> None:
        """Delete a project: its run folder, its studio files and its song."""
        song = project.song_path if project.state_path.is_file() else None
        shutil.rmtree(project.run_dir, ignore_errors=True)
        shutil.rmtree(project.own_dir, ignore_errors=True)
        if song is not None:
            song.unlink(missing_ok=True)
