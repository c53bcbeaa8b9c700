"""Synthetic explorer folders: many songs with their own pictures, made in seconds.

The tests, the benchmark and anyone trying the viewer without a music collection need a data folder of a
chosen size. Pictures are mood-coloured gradients (hue from valence, brightness from arousal, a different
pattern per variant) and clips are short synthesized tones, so the folder is small and deterministic and
the project ships no audio it did not synthesize itself.

For measurements at real scale, ``pictures=`` gives every song real picture files instead (say the
painter's own 512-pixel PNGs): each song's files are hard links to them, so 30,000 picture paths cost the
disk space of a few dozen pictures while the server still decodes every one of them.
"""

from __future__ import annotations

import colorsys
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from a2i.explore.data import Track, Variant, write_track

GENRES: tuple[str, ...] = ("ambient", "classical", "folk", "hip-hop", "jazz", "metal", "pop", "rock")
_WORDS = ("Amber", "Blue", "Cold", "Distant", "Electric", "Faded", "Golden", "Hollow", "Iron", "Lunar",
          "Midnight", "Neon", "Quiet", "Restless", "Silver", "Velvet")
_NOUNS = ("Tide", "Echo", "Garden", "Signal", "River", "Static", "Horizon", "Ember", "Harbor", "Mirror")
#: The first songs sit on the map's corners and edges: 0 and 1 on either axis must still draw.
EDGE_POINTS: tuple[tuple[float, float], ...] = ((0.0, 0.0), (1.0, 1.0), (0.0, 1.0), (1.0, 0.0), (0.5, 0.0))


def _picture(valence: float, energy: float, variant: int, size: int, rng: np.random.Generator) -> np.ndarray:
    hue = (0.62 - 0.55 * valence + 0.09 * variant) % 1.0  # sad blue … happy yellow, shifted per variant
    r, g, b = colorsys.hsv_to_rgb(hue, 0.35 + 0.5 * energy, 0.35 + 0.6 * energy)
    yy, xx = np.mgrid[0:size, 0:size] / max(1, size - 1)
    waves = 0.5 + 0.5 * np.sin((variant + 1) * 6.0 * (xx * np.cos(variant) + yy * np.sin(variant + 1)))
    shade = 0.55 + 0.45 * waves[..., None] * (1.0 - 0.4 * yy[..., None])
    noise = rng.normal(0.0, 0.04, (size, size, 1))
    image = np.clip(np.array([r, g, b]) * shade + noise, 0.0, 1.0)
    return (image * 255).astype(np.uint8)


def _tone(path: Path, frequency: float, seconds: float, sr: int = 16000) -> None:
    from a2i.audio import write
    from a2i.synth import tone

    write(path, tone(seconds, freq=frequency, sr=sr, fade=0.05))


def _link(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed
        shutil.copyfile(source, target)


def make_folder(
    out_dir: str | os.PathLike[str],
    n_tracks: int,
    *,
    variants: int = 3,
    size: int = 96,
    image_format: str = "png",
    audio: str = "per-track",
    clip_seconds: float = 1.0,
    seed: int = 0,
    with_colors: bool = True,
    pictures: Sequence[str | os.PathLike[str]] | None = None,
) -> Path:
    """Write ``n_tracks`` songs with ``variants`` pictures each into an explorer data folder.

    Parameters
    ----------
    out_dir
        Folder to create (or add to).
    n_tracks, variants
        How many songs, and pictures per song.
    size
        Picture side in pixels.
    image_format
        ``"png"`` or ``"jpg"``.
    audio
        ``"per-track"`` (one tone per song, pitch following arousal), ``"shared"`` (one tone for all) or
        ``"none"``.
    clip_seconds
        Length of each tone.
    seed
        Random seed for positions, popularity and picture noise.
    with_colors
        Store each picture's mean colour in the JSON; without it the explorer computes them at start-up.
    pictures
        Real picture files to use instead of gradients: variant ``v`` of song ``i`` is a hard link (a copy
        where links are not possible) to ``pictures[(i * variants + v) % len(pictures)]``.

    Returns
    -------
    Path
        The folder.
    """
    if audio not in {"per-track", "shared", "none"}:
        raise ValueError(f"audio must be 'per-track', 'shared' or 'none', got {audio!r}")
    from PIL import Image

    root = Path(out_dir)
    (root / "media").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    positions = rng.uniform(0.0, 1.0, (n_tracks, 2))
    positions[: len(EDGE_POINTS)] = EDGE_POINTS[: n_tracks]
    shared = None
    if audio == "shared":
        shared = "media/clip.wav"
        _tone(root / shared, 440.0, clip_seconds)
    width = len(str(max(1, n_tracks - 1)))
    known: dict[str, tuple[int, int, int]] = {}
    if pictures:
        from a2i.explore.data import mean_color

        known = {str(p): mean_color(p) for p in pictures}
    for i, (valence, energy) in enumerate(positions):
        valence, energy = float(valence), float(energy)
        track_id = f"track_{i:0{width}d}"
        clip = shared
        if audio == "per-track":
            clip = f"media/{track_id}.wav"
            _tone(root / clip, 220.0 + 440.0 * energy, clip_seconds)
        items = []
        for v in range(variants):
            if pictures:
                source = Path(pictures[(i * variants + v) % len(pictures)])
                rel = f"media/{track_id}_{v + 1}{source.suffix}"
                _link(source, root / rel)
                mean = known[str(source)]
            else:
                rel = f"media/{track_id}_{v + 1}.{image_format}"
                pixels = _picture(valence, energy, v, size, rng)
                Image.fromarray(pixels).save(root / rel)
                mean = tuple(int(c) for c in pixels.reshape(-1, 3).mean(axis=0).round())
            items.append(Variant(
                image_path=rel,
                prompt=f"Picture {v + 1} of song {i}: a {'bright' if valence > 0.5 else 'dark'} scene, "
                       f"{'restless' if energy > 0.5 else 'still'} brush strokes.",
                track_genre=GENRES[i % len(GENRES)],
                audio_path=clip,
                mean_color=mean if with_colors else None,  # type: ignore[arg-type]
            ))
        track = Track(
            id=track_id, x=round(valence, 4), y=round(energy, 4),
            artists=f"Artist {i % 97}", track_name=f"{_WORDS[i % len(_WORDS)]} {_NOUNS[i % len(_NOUNS)]} {i}",
            track_genre=GENRES[i % len(GENRES)], variants=items,
            metadata={"popularity": float(rng.integers(0, 100)), "danceability": round(float(rng.uniform()), 3),
                      "energy": round(energy, 4), "loudness": round(float(rng.uniform(-20, -3)), 2),
                      "valence": round(valence, 4)},
        )
        write_track(root / f"{track_id}.json", track)
    return root
