"""The main job: song -> mood profile -> plan -> pictures (and info cards) in the song's own run folder.

Used by ``a2i generate``; its folder (:mod:`a2i.outputs`) is what ``render``, ``video``, the explorer and
the labeling study read. What the pictures are is decided by the planner (:func:`a2i.planner.plan`); this
module only draws a plan and writes its files (:func:`draw`, shared with ``a2i render``). The run owns its
folder (:class:`a2i.outputs.RunFolder`): everything is checked before the song is decoded, the work goes to a
staging folder that replaces the target only when complete, and a second run into the same folder is
refused, so an earlier run's results are never mixed or damaged.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PIL import Image

from a2i.audio import Audio
from a2i.audio import load as load_audio
from a2i.cards import clip_subtitle, info_card
from a2i.errors import ConfigError
from a2i.fileio import atomic_save_png, atomic_write_bytes, check_input_file, content_hash, png_bytes
from a2i.mood import Analysis, Analyzer, default_analyzer
from a2i.outputs import Picture, Run, RunFolder, default_out_dir, read_run, write_run
from a2i.planner import Job, RenderRequest, plan, song_prompts
from a2i.progress import progress_bar
from a2i.prompts import DEFAULT_N
from a2i.render import Backend, check_backend_size, check_style, clip_audio, get_backend


@dataclass
class GenerateResult:
    """What :func:`generate` wrote."""

    analysis: Analysis
    prompts: list[str]
    images: list[Path]
    cards: list[Path]
    out_dir: Path


def recorded_analysis(run: Run) -> Analysis:
    """The analysis a run record holds (its numbers rounded as written)."""
    return Analysis(run.song, run.profile, run.clips, dict(run.analysis.get("model", {})),
                    dict(run.analysis.get("indicators", {})), run.duration)


def start_record(folder: Path, analysis: Analysis, prompts: Sequence[str], options: Mapping[str, Any]) -> Analysis:
    """Write a run's record before any picture, and return the analysis as recorded.

    Pictures are painted from the record's numbers (rounded as written), not the analyser's, so any picture
    can be made again from its folder alone, and ``a2i render`` resuming a folder paints what an
    uninterrupted run paints.
    """
    write_run(folder, analysis=analysis, prompts=prompts, options=options, pictures=[])
    return recorded_analysis(read_run(folder))


def save_picture(image: Image.Image, request: RenderRequest, folder: Path, *, n_clips: int, backend: str,
                 drawn: Mapping[str, Any] | None = None) -> Picture:
    """Write a drawn picture and its info card into ``folder``; return its record.

    ``drawn`` is what the backend says the picture shows (the painter's record): the card's description.

    The one place a picture becomes files, shared by ``generate`` and ``render``: the picture is written
    first and the card second, each atomically, so a picture counts as finished when both exist. The
    picture's PNG is encoded and written on a helper thread while the card is drawn and encoded here (Pillow's
    encoder releases the GIL: on two cores the two encodings overlap, ~50 ms of a 1024 px picture's wait).
    """
    clip = request.clip
    with ThreadPoolExecutor(max_workers=1) as pool:
        picture = pool.submit(atomic_save_png, image, folder / request.image)
        notes = [f"variant {request.variant}"] if request.variant else []
        notes += [f"style {request.style}"] if request.style else []
        subtitle = " · ".join([clip_subtitle(clip.index, n_clips, clip.start, clip.end, request.seed), *notes])
        card = png_bytes(info_card(image, clip, request.prompt, subtitle=subtitle, drawn=drawn))
        picture.result()
    atomic_write_bytes(folder / request.card, card)
    return replace(request.picture(backend), drawn=dict(drawn) if drawn is not None else None)


def draw(backend: Backend, requests: Sequence[RenderRequest], folder: Path, *, size: int | tuple[int, int],
         n_clips: int, song_audio: Audio | None = None, progress: Any = None) -> Iterator[list[Picture]]:
    """Draw ``requests`` with ``backend``, a batch (:attr:`~a2i.render.Backend.batch_size`) at a time, writing
    each picture and card as its batch finishes; yields each batch's records (so a caller can record
    progress, as ``a2i render`` does to resume after a kill).

    ``song_audio`` (the decoded song) is needed when the backend ``needs_audio``: each request gets its
    clip's part of it.
    """
    if backend.needs_audio and song_audio is None and requests:
        raise ConfigError(f"the {backend.name} backend reads each clip's audio; pass song_audio (the decoded song)")
    step = max(1, int(backend.batch_size))
    for first in range(0, len(requests), step):
        chunk = requests[first:first + step]
        audio = [clip_audio(song_audio, r.clip) if backend.needs_audio else None for r in chunk]
        images = backend.render_many([r.for_backend(a) for r, a in zip(chunk, audio)], size=size)
        drawn = [backend.describe(r.for_backend(), size=size) if hasattr(backend, "describe") else None for r in chunk]
        records = [save_picture(image, r, folder, n_clips=n_clips, backend=backend.name, drawn=d)
                   for r, image, d in zip(chunk, images, drawn)]
        if progress is not None:
            progress.update(len(chunk))
        yield records


def generate(
    song: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    overwrite: bool = False,
    clips: str = "center",
    variants: int = 1,
    styles: Sequence[str] = (),
    backend: str = "painter",
    backend_options: Mapping[str, Any] | None = None,
    prompts: str = "template",
    prompt_options: Mapping[str, Any] | None = None,
    n_prompts: int = DEFAULT_N,
    user_prompts: Sequence[str] = (),
    size: int | tuple[int, int] = 1024,
    seed: int = 0,
    progress: bool = True,
    analyzer: Analyzer | None = None,
) -> GenerateResult:
    """Paint mood-matched pictures for a song into its own run folder: render the song's plan.

    Parameters
    ----------
    song : path
        The audio file.
    out_dir : path, optional
        The run folder (:mod:`a2i.outputs` describes its files); default ``outputs/<song stem>``.
    overwrite : bool
        Replace a folder that already holds a run; without it such a folder is refused.
    clips, variants, styles, prompts, prompt_options, n_prompts, user_prompts, size, seed
        What the pictures are: the fields of :class:`a2i.planner.Job` (clip choice, pictures per clip, forced
        styles, the prompt writer or the user's own ``--prompt`` texts, size, and the seed the pictures'
        seeds derive from together with the song).
    backend, backend_options
        Image backend name and its options (see :func:`a2i.render.get_backend`).
    progress : bool
        Show progress bars (on a terminal only).
    analyzer : Analyzer, optional
        Reuse a loaded analyzer across songs.
    """
    # 1. Validate everything cheap before the expensive work (decoding, the model, painting).
    job = Job(clips=clips, variants=variants, styles=tuple(styles), prompts=prompts,
              prompt_options=dict(prompt_options or {}), n_prompts=n_prompts, user_prompts=tuple(user_prompts),
              size=size, seed=seed).check()
    check_backend_size(backend, size)
    song = check_input_file(song)
    out = Path(out_dir) if out_dir is not None else default_out_dir(song)
    folder = RunFolder(out, overwrite=overwrite, inputs=[song])
    folder.check()
    # The analyser makes its network's session on a thread of its own: started here, it is ready while the
    # backend loads.
    analyzer = analyzer or default_analyzer()
    image_backend = get_backend(backend, **dict(backend_options or {}))
    for style in job.styles:
        check_style(image_backend, style)
    writer = None if job.user_prompts else job.writer()

    with folder:
        # 2. Analyze the song, write its prompts, record both, and plan its pictures from the record.
        analysis = analyzer.analyze(song, per_clip=True, progress=progress)
        song_hash = content_hash(song)
        texts = song_prompts(analysis, job, song_hash, writer)
        options = job.record(image_backend.name, image_backend.options)
        analysis = start_record(folder.path, analysis, texts, options)
        requests = plan(analysis, job, song_hash, stem=song.stem, writer=writer)

        # 3. Draw the plan, with a card per picture, into the staging folder.
        song_audio = load_audio(song, sr=None) if image_backend.needs_audio else None  # for an audio encoder
        with progress_bar(total=len(requests), enabled=progress, desc="Painting", unit="picture") as bar:
            records = [picture for batch in draw(image_backend, requests, folder.path, size=size,
                                                 n_clips=len(analysis.clips), song_audio=song_audio, progress=bar)
                       for picture in batch]

        # 4. Record what was made.
        write_run(folder.path, analysis=analysis, prompts=texts, options=options, pictures=records)
    return GenerateResult(analysis, texts, [out / r.image for r in records], [out / r.card for r in records], out)
