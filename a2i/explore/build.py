"""Build an explorer data folder from songs, or from the folders ``a2i generate`` already wrote.

The pictures are made by the main job, never here: each song gets one run of :func:`a2i.pipeline.generate`
into ``DIR/runs/<id>/``, its centre clip in ``variants`` variants (the planner's clip choice and seeds,
:mod:`a2i.planner`). A folder written earlier by ``a2i generate`` (or ``a2i render``) can be
given instead of a song: its pictures become the variants. Either way every run is read back through
:func:`a2i.outputs.read_run`, the one reader of that format, and the track's JSON is written in the
explorer schema::

    DIR/<id>.json
    DIR/runs/<id>/            the run (pictures, info cards, profile.json, prompts.json)
    DIR/media/<id>/…           pictures of a run folder given as input (it may be anywhere): hard links
    DIR/media/<id>/clip.mp3    the preview clip
    DIR/map.png                the valence × arousal map as a picture

The preview clip is cut from the song file itself by ffmpeg and keeps its channels and sample rate, at
:data:`PREVIEW_BITRATE` in MP3 (every browser plays it); a song shorter than the clip gives a shorter clip,
never one padded with silence.

Building again into the same folder replaces a song's files (ids come from the file names), so the folder
can grow one batch of songs at a time.

Disk cost per song, beyond the runs themselves: the track JSON (about 2 kB) and the preview clip
(:data:`PREVIEW_BITRATE` × clip length: 240 kB for 10 s). A run folder given as input is not copied: its
pictures are hard links (no bytes on the same file system), and only where a hard link cannot be made
(another file system) is a picture copied, with a warning saying so. 10,000 songs cost about 2.4 GB of clips
and 20 MB of JSON, not the 13 GB of copied pictures a copy would.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from a2i.audio import CLIP_SECONDS
from a2i.errors import A2IWarning, AudioError, ConfigError, MissingFileError
from a2i.explore.data import UNKNOWN_GENRE, Track, Variant, load_collection, mean_color, write_track
from a2i.fileio import TEMP_SUFFIX

#: Preview bitrate: transparent for most listeners on a laptop (MP3 at 192 kbit/s), about 240 kB per 10 s.
PREVIEW_BITRATE = "192k"


def cut_preview(song: Path, out: Path, *, start: float, seconds: float) -> Path:
    """Cut ``seconds`` of ``song`` from ``start`` into an MP3, keeping its channels and rate (no padding).

    Examples
    --------
    >>> import tempfile, numpy as np, soundfile as sf
    >>> folder = Path(tempfile.mkdtemp())
    >>> sf.write(folder / "s.wav", np.zeros((44100 * 2, 2), dtype=np.float32), 44100)
    >>> info = sf.info(cut_preview(folder / "s.wav", folder / "c.mp3", start=0.5, seconds=10.0))
    >>> info.channels, info.samplerate, round(info.duration, 1)
    (2, 44100, 1.5)
    """
    from a2i.audio import ffmpeg_exe
    from a2i.fileio import atomic_write_bytes

    cmd = [ffmpeg_exe(), "-v", "error", "-nostdin", "-ss", f"{start:.3f}", "-t", f"{seconds:.3f}", "-i", str(song),
           "-vn", "-map_metadata", "-1", "-c:a", "libmp3lame", "-b:a", PREVIEW_BITRATE, "-f", "mp3", "pipe:1"]
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0 or not proc.stdout:
        reason = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no audio"]
        raise AudioError(f"{song}: cannot cut its preview clip ({reason[0]}); check that it is a complete audio file")
    return atomic_write_bytes(out, proc.stdout)


def track_id(song: Path, taken: set[str]) -> str:
    """A file-name-safe id from the song's (or run folder's) name, unique within one build."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", song.stem if song.suffix else song.name).strip("-.") or "track"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def build_folder(
    inputs: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    variants: int = 3,
    size: int = 512,
    clip_seconds: float = CLIP_SECONDS,
    prompts: str = "template",
    prompt_options: Mapping[str, Any] | None = None,
    backend: str = "painter",
    seed: int = 0,
    progress: bool = True,
    analyzer=None,
) -> list[Path]:
    """Make (or reuse) each song's runs and write them into an explorer data folder.

    Parameters
    ----------
    inputs
        Audio files, or output folders of ``a2i generate`` / ``a2i render``.
    out_dir
        The data folder (created if needed).
    variants
        Pictures per song: the centre clip's variants in one run of the main job; for a run folder, its
        first ``variants`` pictures.
    size
        Picture side in pixels.
    clip_seconds
        Length of the preview clip, taken from the middle of the song (the whole song if it is shorter).
    prompts, prompt_options
        Prompt writer and its options (see :func:`a2i.prompts.get_generator`).
    backend
        Image backend (see :func:`a2i.render.get_backend`).
    seed
        The run's seed (the pictures' seeds derive from it and the song, :mod:`a2i.seeding`).
    progress
        Show a progress bar over the songs.
    analyzer
        A loaded :class:`a2i.mood.Analyzer` to reuse.

    Returns
    -------
    list of Path
        The track JSON files written.
    """
    if not inputs:
        raise ConfigError("no songs given; pass one or more audio files or `a2i generate` output folders")
    if variants < 1:
        raise ConfigError(f"variants must be at least 1, got {variants}")
    if size < 16:
        raise ConfigError(f"size must be at least 16 pixels, got {size}")
    if clip_seconds <= 0:
        raise ConfigError(f"clip_seconds must be positive, got {clip_seconds}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: exists and is not a folder; choose another output folder")

    from a2i.fileio import check_replaceable
    from a2i.outputs import is_run_folder, read_run

    # A rebuild updates its own data folder in place; a folder holding anything else is never written into.
    check_replaceable(out, shown=f"--out {out}", overwrite=True, owned=data_folder_files, kind="an explorer data folder")

    paths = [Path(item) for item in inputs]
    for path in paths:
        if path.is_dir() and not is_run_folder(path):
            raise ConfigError(f"{path} is a folder but not an `a2i generate` output folder (it has no prompts.json); "
                              "pass audio files or output folders")
        if not path.exists():
            raise ConfigError(f"song {path} does not exist")

    from a2i.mood import default_analyzer
    from a2i.pipeline import generate
    from a2i.progress import progress_bar

    analyzer = analyzer or default_analyzer()
    out.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    written = []
    for path in progress_bar(paths, enabled=progress, desc="Building", unit="song"):
        tid = track_id(path, taken)
        if path.is_dir():
            runs = [read_run(path)]
        else:
            result = generate(path, out / "runs" / tid, overwrite=True, clips="center", variants=variants,
                              backend=backend, prompts=prompts, prompt_options=prompt_options, size=size,
                              seed=seed, progress=False, analyzer=analyzer)
            runs = [read_run(result.out_dir)]
        written.append(write_track(out / f"{tid}.json", _track(tid, runs, out, variants, clip_seconds)))

    from a2i.explore.figure import save_map

    save_map(load_collection(out), out / "map.png")
    return written


def data_folder_files(folder: Path) -> set[str] | None:
    """The names in ``folder`` that :func:`build_folder` wrote (track files, ``map.png``, ``media/``, ``runs/``,
    half-written temporary files), or ``None`` when it is not a data folder it built (no ``map.png``)."""
    if not (folder / "map.png").is_file():
        return None
    return {p.name for p in folder.iterdir()
            if p.name in ("map.png", "media", "runs") or p.suffix == ".json" or p.name.endswith(TEMP_SUFFIX)}


def _inside(path: Path, out: Path, tid: str) -> str:
    """``path`` relative to ``out``; a picture from elsewhere is hard-linked into ``media/<tid>/`` first (the
    server only sends files inside its data folder; a link costs no space, a copy 400 kB a picture)."""
    try:
        return path.resolve().relative_to(out.resolve()).as_posix()
    except ValueError:
        target = out / "media" / tid / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        try:
            os.link(path, target)
        except OSError as exc:  # another file system, or a file system without hard links
            warnings.warn(f"{path}: cannot hard-link it into {out} ({exc.strerror or exc}); copied instead. Build "
                          "into a folder on the same file system as the runs to save the space", A2IWarning, stacklevel=2)
            shutil.copyfile(path, target)
        return target.relative_to(out).as_posix()


def _track(tid: str, runs: list, out: Path, variants: int, clip_seconds: float) -> Track:
    """One explorer track from a song's runs (:class:`a2i.outputs.Run`)."""
    first = runs[0]
    song = first.profile
    genre = song.genre or UNKNOWN_GENRE
    clip_rel: str | None = None
    try:
        song_file = first.song_path()
    except MissingFileError as exc:
        warnings.warn(f"{exc}; the track has no preview clip", A2IWarning, stacklevel=2)
    else:
        clip_rel = f"media/{tid}/clip.mp3"
        length = min(clip_seconds, first.duration) if first.duration > 0 else clip_seconds
        cut_preview(song_file, out / clip_rel, start=max(0.0, (first.duration - length) / 2), seconds=length)
    items = []
    for run in runs:
        for picture in run.pictures:
            if len(items) == variants:
                break
            image = run.image_path(picture)
            items.append(Variant(image_path=_inside(image, out, tid), prompt=picture.prompt or "", track_genre=genre,
                                 audio_path=clip_rel, mean_color=mean_color(image)))
    return Track(
        id=tid, x=round(song.valence, 4), y=round(song.energy, 4),
        artists=song.artist or "Unknown artist", track_name=song.title or Path(first.song).stem, track_genre=genre,
        variants=items,
        metadata={"popularity": None, "danceability": round(song.danceability, 4),
                  "energy": round(song.energy, 4), "loudness": round(song.loudness, 2),
                  "valence": round(song.valence, 4), "tempo": round(song.tempo, 1),
                  "acousticness": round(song.acousticness, 4)},
    )
