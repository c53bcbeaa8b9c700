"""Build an explorer data folder from songs with a2i's own pipeline.

For each song: analyze its mood (valence and arousal place it on the map), write N prompts, paint one
picture per prompt with a different seed (the variants that 1/2/3 switch between), cut a preview clip from
the middle of the song, and write the track's JSON in the explorer schema::

    DIR/<id>.json
    DIR/media/<id>/v1.png … vN.png
    DIR/media/<id>/clip.mp3
    DIR/map.png              the valence × arousal map as a picture

The preview clip is cut from the song file itself by ffmpeg and keeps its channels and sample rate, at
:data:`PREVIEW_BITRATE` in MP3 (every browser plays it); a song shorter than the clip gives a shorter clip,
never one padded with silence.

Building again into the same folder replaces a song's files (ids come from the file names), so the folder
can grow one batch of songs at a time.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from a2i.errors import AudioError, ConfigError
from a2i.explore.data import UNKNOWN_GENRE, Track, Variant, load_collection, mean_color, write_track

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
    from a2i.audio import _ffmpeg_exe
    from a2i.fileio import atomic_write_bytes

    cmd = [_ffmpeg_exe(), "-v", "error", "-nostdin", "-ss", f"{start:.3f}", "-t", f"{seconds:.3f}", "-i", str(song),
           "-vn", "-map_metadata", "-1", "-c:a", "libmp3lame", "-b:a", PREVIEW_BITRATE, "-f", "mp3", "pipe:1"]
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0 or not proc.stdout:
        reason = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no audio"]
        raise AudioError(f"{song}: cannot cut its preview clip ({reason[0]}); check that it is a complete audio file")
    return atomic_write_bytes(out, proc.stdout)


def track_id(song: Path, taken: set[str]) -> str:
    """A file-name-safe id from the song's name, unique within one build."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", song.stem).strip("-.") or "track"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def build_folder(
    songs: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    variants: int = 3,
    size: int = 512,
    clip_seconds: float = 10.0,
    prompts: str = "template",
    prompt_options: Mapping[str, Any] | None = None,
    backend: str = "painter",
    seed: int = 0,
    progress: bool = True,
    analyzer=None,
) -> list[Path]:
    """Analyze, paint and cut every song into an explorer data folder.

    Parameters
    ----------
    songs
        Audio files.
    out_dir
        The data folder (created if needed).
    variants
        Pictures per song; variant ``i`` uses prompt ``i`` and seed ``seed + i``.
    size
        Picture side in pixels.
    clip_seconds
        Length of the preview clip, taken from the middle of the song (the whole song if it is shorter).
    prompts, prompt_options
        Prompt writer and its options (see :func:`a2i.prompts.get_generator`).
    backend
        Image backend (see :func:`a2i.render.get_backend`).
    seed
        Seed of the first variant.
    progress
        Show a progress bar over the songs.
    analyzer
        A loaded :class:`a2i.mood.Analyzer` to reuse.

    Returns
    -------
    list of Path
        The track JSON files written.
    """
    if not songs:
        raise ConfigError("no songs given; pass one or more audio files")
    if variants < 1:
        raise ConfigError(f"variants must be at least 1, got {variants}")
    if size < 16:
        raise ConfigError(f"size must be at least 16 pixels, got {size}")
    if clip_seconds <= 0:
        raise ConfigError(f"clip_seconds must be positive, got {clip_seconds}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: exists and is not a folder; choose another output folder")
    paths = [Path(song) for song in songs]
    for path in paths:
        if not path.is_file():
            raise ConfigError(f"song {path} does not exist")

    from a2i.fileio import atomic_save_png
    from a2i.mood import default_analyzer
    from a2i.pipeline import select_clips
    from a2i.prompts import get_generator
    from a2i.render import get_backend

    image_backend = get_backend(backend)
    writer = get_generator(prompts, **dict(prompt_options or {}))
    analyzer = analyzer or default_analyzer()
    out.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    written = []
    iterator: Any = paths
    if progress:
        from tqdm import tqdm

        iterator = tqdm(paths, desc="Building", unit="song")
    for path in iterator:
        analysis = analyzer.analyze(path, per_clip=True)
        song = analysis.song
        texts = writer.generate(song, n=variants, seed=seed)
        clip_profile = select_clips(analysis, "center")[0]
        for tag in ("title", "artist", "genre"):
            setattr(clip_profile, tag, getattr(song, tag))
        tid = track_id(path, taken)
        clip_rel = f"media/{tid}/clip.mp3"
        length = min(clip_seconds, analysis.duration)
        cut_preview(path, out / clip_rel, start=max(0.0, (analysis.duration - length) / 2), seconds=length)
        genre = song.genre or UNKNOWN_GENRE
        items = []
        for i, prompt in enumerate(texts):
            rel = f"media/{tid}/v{i + 1}.png"
            picture = image_backend.render(profile=clip_profile, prompt=prompt, size=size, seed=seed + i)
            atomic_save_png(picture, out / rel)
            items.append(Variant(image_path=rel, prompt=prompt, track_genre=genre, audio_path=clip_rel,
                                 mean_color=mean_color(out / rel)))
        track = Track(
            id=tid, x=round(song.valence, 4), y=round(song.energy, 4),
            artists=song.artist or "Unknown artist", track_name=song.title or path.stem, track_genre=genre,
            variants=items,
            metadata={"popularity": None, "danceability": round(song.danceability, 4),
                      "energy": round(song.energy, 4), "loudness": round(song.loudness, 2),
                      "valence": round(song.valence, 4)},
        )
        written.append(write_track(out / f"{tid}.json", track))

    from a2i.explore.figure import save_map

    save_map(load_collection(out), out / "map.png")
    return written
