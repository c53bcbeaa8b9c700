"""The main job: song -> mood profile -> prompts -> one picture (and info card) per clip.

Used by ``a2i generate``; its folder (:mod:`a2i.outputs`) is what ``render``, ``video``, the explorer and
the labeling study read. The run owns its folder (:class:`a2i.outputs.RunFolder`): everything is checked
before the song is decoded, the work goes to a staging folder that replaces the target only when complete,
and a second run into the same folder is refused, so an earlier run's results are never mixed or damaged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PIL import Image

from a2i.audio import load as load_audio
from a2i.cards import clip_subtitle, info_card
from a2i.errors import ConfigError
from a2i.fileio import atomic_save_png, check_input_file
from a2i.mood import Analysis, Analyzer, ClipProfile, default_analyzer
from a2i.outputs import Picture, RunFolder, card_name, default_out_dir, picture_name, run_options, write_run
from a2i.progress import progress_bar
from a2i.prompts import DEFAULT_N, get_generator
from a2i.render import check_backend_size, clip_audio, get_backend
from a2i.seeding import check_seed, picture_seed


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


def clip_prompts(writer: Any, clip: ClipProfile, *, n_prompts: int, seed: int) -> list[str]:
    """A clip's prompts in the order its pictures use them: variant ``k`` of clip ``i`` takes prompt
    ``(i + k) mod n_prompts``. Each clip's prompts are written from its own profile (its card shows the
    clip's numbers), so neighbouring clips of one song can differ in mood."""
    texts = writer.generate(clip, n=n_prompts, seed=seed)
    return [texts[(clip.index + k) % len(texts)] for k in range(len(texts))]


def render_picture(backend: Any, clip: ClipProfile, *, folder: Path, stem: str, prompt: str, seed: int,
                   size: int | tuple[int, int], n_clips: int, variant: int = 0, audio: Any = None,
                   image: Image.Image | None = None) -> Picture:
    """Render one clip's picture (or take ``image``, already rendered) and write it and its info card.

    The one place a picture becomes files, shared by ``generate`` and ``render``: the picture is written
    first and the card second, each atomically, so a picture counts as finished when both exist.
    """
    if image is None:
        image = backend.render(profile=clip, prompt=prompt, size=size, seed=seed, audio=audio)
    image_path = atomic_save_png(image, folder / picture_name(stem, clip.index, variant))
    variant_note = f" · variant {variant}" if variant else ""
    subtitle = clip_subtitle(clip.index, n_clips, clip.start, clip.end, seed) + variant_note
    drawn = backend.describe(profile=clip, prompt=prompt, size=size, seed=seed) if hasattr(backend, "describe") else None
    card = info_card(image, clip, prompt, subtitle=subtitle, drawn=drawn)
    card_path = atomic_save_png(card, folder / card_name(stem, clip.index, variant))
    return Picture(image=image_path.name, card=card_path.name, clip=clip.index, start=clip.start, end=clip.end,
                   prompt=prompt, seed=seed, variant=variant, backend=backend.name, drawn=drawn)


def generate(
    song: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    overwrite: bool = False,
    clips: str = "center",
    backend: str = "painter",
    backend_options: Mapping[str, Any] | None = None,
    prompts: str = "template",
    prompt_options: Mapping[str, Any] | None = None,
    n_prompts: int = DEFAULT_N,
    size: int | tuple[int, int] = 1024,
    seed: int = 0,
    progress: bool = True,
    analyzer: Analyzer | None = None,
) -> GenerateResult:
    """Paint mood-matched pictures for a song into its own run folder.

    Parameters
    ----------
    song : path
        The audio file.
    out_dir : path, optional
        The run folder (:mod:`a2i.outputs` describes its files); default ``outputs/<song stem>``.
    overwrite : bool
        Replace a folder that already holds a run; without it such a folder is refused.
    clips : {"center", "all"}
        One picture for the centre clip, or one per 10-second clip.
    backend, backend_options
        Image backend name and its options (see :func:`a2i.render.get_backend`).
    prompts, prompt_options
        Prompt writer name and its options (see :func:`a2i.prompts.get_generator`).
    n_prompts : int
        Prompts written for the song (recorded) and for each clip from its own profile; clip ``i`` gets
        its own prompt ``i mod n_prompts``.
    size : int or (int, int)
        Picture size in pixels.
    seed : int
        Seeds prompts and pictures (clip ``i`` is painted with :func:`a2i.seeding.picture_seed` ``(seed, i)``).
    progress : bool
        Show progress bars (on a terminal only).
    analyzer : Analyzer, optional
        Reuse a loaded analyzer across songs.
    """
    # 1. Validate everything cheap before the expensive work (decoding, the model, painting).
    if clips not in ("center", "all"):
        raise ConfigError(f"clips must be 'center' or 'all', got {clips!r}")
    if not isinstance(n_prompts, int) or n_prompts < 1:
        raise ConfigError(f"n_prompts must be a positive integer, got {n_prompts!r}")
    check_seed(seed)
    check_backend_size(backend, size)
    song = check_input_file(song)
    out = Path(out_dir) if out_dir is not None else default_out_dir(song)
    folder = RunFolder(out, overwrite=overwrite, inputs=[song])
    folder.check()
    image_backend = get_backend(backend, **dict(backend_options or {}))
    writer = get_generator(prompts, **dict(prompt_options or {}))

    with folder:
        # 2. Analyze the song and write the prompts.
        analysis = (analyzer or default_analyzer()).analyze(song, per_clip=True, progress=progress)
        texts = writer.generate(analysis.song, n=n_prompts, seed=seed)
        song_audio = load_audio(song, sr=None) if image_backend.needs_audio else None  # for an audio encoder

        # 3. Paint each selected clip, with its card, into the staging folder.
        title = analysis.song.title or song.name
        records = []
        for clip in progress_bar(select_clips(analysis, clips), enabled=progress, desc="Painting", unit="picture"):
            clip = replace(clip, title=title, artist=analysis.song.artist, genre=analysis.song.genre)
            prompt = clip_prompts(writer, clip, n_prompts=n_prompts, seed=seed)[0]
            audio = clip_audio(song_audio, clip) if song_audio is not None else None
            records.append(render_picture(image_backend, clip, folder=folder.path, stem=song.stem, prompt=prompt,
                                          seed=picture_seed(seed, clip.index), size=size, n_clips=len(analysis.clips),
                                          audio=audio))

        # 4. Record what was made and from what.
        options = run_options(clips=clips, size=size, n_prompts=n_prompts, prompts=prompts,
                              prompt_options=prompt_options, seed=seed, backend=image_backend.name,
                              backend_options=image_backend.options)
        write_run(folder.path, analysis=analysis, prompts=texts, options=options, pictures=records)
    return GenerateResult(analysis, texts, [out / r.image for r in records], [out / r.card for r in records], out)
