"""The main job: song -> mood profile -> prompts -> one picture (and info card) per clip.

Used by ``a2i generate`` and by anything that builds on its outputs (the explorer, the labeling study).
Outputs are written atomically (temporary file, then :func:`os.replace`), so an interrupted run never leaves
a half-written PNG or JSON and never damages the results of an earlier run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from a2i.cards import clip_subtitle, info_card
from a2i.errors import ConfigError
from a2i.fileio import atomic_save_png, atomic_write_json
from a2i.mood import Analysis, Analyzer, ClipProfile, default_analyzer
from a2i.prompts import get_generator
from a2i.render import get_backend


@dataclass
class GenerateResult:
    """What :func:`generate` wrote."""

    analysis: Analysis
    prompts: list[str]
    images: list[Path]
    cards: list[Path]
    out_dir: Path


def select_clips(analysis: Analysis, clips: str) -> list[ClipProfile]:
    """Every clip, or the one whose middle is nearest the middle of the song."""
    if clips == "all":
        return list(analysis.clips)
    middle = analysis.duration / 2.0
    return [min(analysis.clips, key=lambda c: abs((c.start + c.end) / 2.0 - middle))]


def generate(
    song: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    clips: str = "center",
    backend: str = "painter",
    backend_options: Mapping[str, Any] | None = None,
    prompts: str = "template",
    prompt_options: Mapping[str, Any] | None = None,
    n_prompts: int = 10,
    size: int | tuple[int, int] = 1024,
    seed: int = 0,
    progress: bool = True,
    analyzer: Analyzer | None = None,
) -> GenerateResult:
    """Paint mood-matched pictures for a song.

    Parameters
    ----------
    song : path
        The audio file.
    out_dir : path
        Created if needed; pictures are ``<song>_clipNN.png`` with ``<song>_clipNN_card.png`` beside them,
        plus ``profile.json`` and ``prompts.json``.
    clips : {"center", "all"}
        One picture for the centre clip, or one per 10-second clip.
    backend, backend_options
        Image backend name and its options (see :func:`a2i.render.get_backend`).
    prompts, prompt_options
        Prompt writer name and its options (see :func:`a2i.prompts.get_generator`).
    n_prompts : int
        Prompts written for the song; clip ``i`` gets prompt ``i mod n_prompts``.
    size : int or (int, int)
        Picture size in pixels.
    seed : int
        Seeds prompts and pictures (clip ``i`` is painted with ``seed + i``).
    progress : bool
        Show progress bars.
    analyzer : Analyzer, optional
        Reuse a loaded analyzer across songs.
    """
    # 1. Validate everything cheap before the expensive work.
    if clips not in ("center", "all"):
        raise ConfigError(f"clips must be 'center' or 'all', got {clips!r}")
    if not isinstance(n_prompts, int) or n_prompts < 1:
        raise ConfigError(f"n_prompts must be a positive integer, got {n_prompts!r}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: exists and is not a folder; choose another output folder")
    image_backend = get_backend(backend, **dict(backend_options or {}))
    writer = get_generator(prompts, **dict(prompt_options or {}))

    # 2. Analyze the song.
    analysis = (analyzer or default_analyzer()).analyze(song, per_clip=True, progress=progress)

    # 3. Write the prompts.
    texts = writer.generate(analysis.song, n=n_prompts, seed=seed)

    # 4. Paint each selected clip, with its card.
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(song).stem
    selected = select_clips(analysis, clips)
    iterator: Any = selected
    if progress:
        from tqdm import tqdm

        iterator = tqdm(selected, desc="Painting", unit="picture", leave=False)
    images, cards, records = [], [], []
    for clip in iterator:
        for tag in ("title", "artist", "genre"):
            setattr(clip, tag, getattr(analysis.song, tag))
        prompt = texts[clip.index % len(texts)]
        picture = image_backend.render(profile=clip, prompt=prompt, size=size, seed=seed + clip.index)
        image_path = atomic_save_png(picture, out / f"{stem}_clip{clip.index:02d}.png")
        subtitle = clip_subtitle(clip.index, len(analysis.clips), clip.start, clip.end, seed + clip.index)
        card_path = atomic_save_png(info_card(picture, clip, prompt, subtitle=subtitle), out / f"{stem}_clip{clip.index:02d}_card.png")
        images.append(image_path)
        cards.append(card_path)
        records.append({"image": image_path.name, "card": card_path.name, "clip": clip.index, "start": clip.start,
                        "end": clip.end, "prompt": prompt, "seed": seed + clip.index, "backend": image_backend.name})

    # 5. Record what was made and from what.
    atomic_write_json(out / "profile.json", analysis.to_dict(per_clip=True))
    atomic_write_json(out / "prompts.json", {"song": str(song), "generator": prompts, "seed": seed, "prompts": texts, "images": records})
    return GenerateResult(analysis, texts, images, cards, out)
