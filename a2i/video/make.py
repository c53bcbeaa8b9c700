"""``a2i video``'s engine: song in, MP4 out, with the song's audio, the same length to within a frame.

Order of work: validate everything cheap; analyse the song (mood per clip, percussive onsets, beats);
cut it into segments; plan each frame's motion; then draw the frames chunk by chunk, piping each chunk
straight into the encoder, and finally join the chunks and mux the audio. Everything unfinished lives in
``FILE.mp4.parts/`` (see :mod:`a2i.video.workdir`), so a killed render resumes with ``--resume``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from a2i import audio as audio_io
from a2i.cards import CARD_SIZE
from a2i.errors import ConfigError
from a2i.fileio import check_input_file, check_rewritable_file, content_hash
from a2i.mood import ANALYSIS_SR, Analysis, Analyzer, default_analyzer, one_blas_thread
from a2i.planner import Chosen, Job, clip_at, plan, plan_keyframes
from a2i.progress import progress_bar
from a2i.prompts import DEFAULT_N
from a2i.render import check_backend_size, check_motion, clip_audio, get_backend
from a2i.sizes import MAX_SIDE, MIN_SIDE, check_size
from a2i.video.encoder import DEFAULT_CRF, DEFAULT_PRESET, PRESETS, concat_and_mux, encode_frames, is_a2i_video
from a2i.video.onsets import analyze_rhythm
from a2i.video.pacing import DEFAULT_SMOOTH, check_knobs, pace
from a2i.video.routes import PARTS_FORMAT, SKIPS_FRAMES, Keyframes, ReviewRoute, Route, motion_route
from a2i.video.segments import Segment, find_segments, fixed_segments, segment_profile
from a2i.video.timing import FrameGrid, parse_fps
from a2i.video.workdir import WorkDir, job_record

#: The motion video's default frame size: 720p, the size every player and phone shows full-screen.
DEFAULT_SIZE = (1280, 720)

#: Seconds of video per chunk: a killed render loses at most this much work.
CHUNK_SECONDS = 10.0


@dataclass(frozen=True)
class VideoResult:
    """What :func:`make_video` wrote."""

    path: Path
    n_frames: int
    fps: Fraction
    start: float
    duration: float
    segments: list[Segment]
    reused_chunks: int


def parse_size(text: str | tuple[int, int]) -> tuple[int, int]:
    """``"1280x720"`` to ``(1280, 720)``: sides within :mod:`a2i.sizes`' bounds and even (yuv420p).

    Examples
    --------
    >>> parse_size("640x360")
    (640, 360)
    """
    try:
        width, height = (int(v) for v in text.lower().split("x")) if isinstance(text, str) else map(int, text)
    except ValueError:
        raise ConfigError(f"--size: expected WIDTHxHEIGHT such as 1280x720, got {text!r}") from None
    try:
        check_size((width, height))
    except ConfigError:
        raise ConfigError(f"--size: each side must be {MIN_SIDE} to {MAX_SIDE} pixels, got {width}x{height}") from None
    if width % 2 or height % 2:
        raise ConfigError(f"--size: H.264 in yuv420p needs even sides, got {width}x{height}; "
                          f"try {width + width % 2}x{height + height % 2}")
    return width, height


def _span(duration: float, start: float | None, end: float | None) -> tuple[float, float]:
    a = 0.0 if start is None else float(start)
    b = duration if end is None else float(end)
    if a < 0 or a >= duration:
        raise ConfigError(f"--start {a:g}: must be at least 0 and before the song's end ({duration:.2f} s)")
    if b <= a:
        raise ConfigError(f"--end {b:g}: must be after --start ({a:g} s)")
    return a, min(b, duration)


def make_video(
    song: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    backend: str = "painter",
    backend_options: Mapping[str, Any] | None = None,
    fps: str | float | Fraction = 24,
    size: str | tuple[int, int] | None = None,
    segments: str = "beats",
    start: float | None = None,
    end: float | None = None,
    smooth: float = DEFAULT_SMOOTH,
    reactivity: float = 1.0,
    pulse: bool = True,
    every: int = 1,
    seed: int = 0,
    prompts: str = "template",
    prompt_options: Mapping[str, Any] | None = None,
    n_prompts: int = DEFAULT_N,
    user_prompts: Sequence[str] = (),
    chosen: Chosen | None = None,
    review: bool = False,
    resume: bool = False,
    overwrite: bool = False,
    preset: str = DEFAULT_PRESET,
    crf: int = DEFAULT_CRF,
    progress: bool = True,
    on_progress: Callable[[str, int, int], None] | None = None,
    analyzer: Analyzer | None = None,
) -> VideoResult:
    """Make a music video of a song.

    Parameters
    ----------
    song : path
        Any audio file :func:`a2i.audio.load` reads.
    out : path
        The ``.mp4`` to write; an existing file is kept unless ``overwrite``.
    backend, backend_options
        Any backend (:func:`a2i.render.get_backend`) and its options: ``"painter"`` (no options; the default),
        ``"sdxl"`` (the options of :class:`a2i.render.sdxl.SDXLSettings`: ``model``, ``encoder``, ``text``,
        ``steps``, ``batch_size``...). Its pictures move as the backend declares (:attr:`a2i.render.Backend.motion`,
        routes in :mod:`a2i.video.routes`).
    fps : str, float or Fraction
        Frames per second (``24``, ``29.97``, ``30000/1001``).
    size : "WxH" or (width, height), optional
        Frame size; 1280 x 720 by default, the card's 1200 x 630 for ``review``.
    segments : {"fixed", "beats", "sections"}
        How keyframes are placed (:mod:`a2i.video.segments`); ``review`` always uses the 10-second clips.
    start, end : float, optional
        The stretch of the song to make a video of, in seconds.
    smooth, reactivity, pulse
        Motion pacing (:mod:`a2i.video.pacing`).
    every : int
        A backend whose motion is diffused (SDXL's ``"latents"``): diffuse every ``every``-th frame and blend
        between (:mod:`a2i.video.sdxl_route`).
    seed : int
        The keyframes are a plan (:func:`a2i.planner.plan`) over the segments: keyframe ``i`` is segment ``i``'s
        picture, its seed derived from ``seed`` and the song (:mod:`a2i.seeding`); the coda (the picture the
        last segment moves toward) is the last segment's second variant.
    prompts, prompt_options, n_prompts, user_prompts
        The prompt writer (:func:`a2i.prompts.get_generator`) or the user's own texts (``--prompt``);
        segment ``i`` gets prompt ``i mod n`` of those written for (or filled from) its own profile.
    chosen : Chosen, optional
        Pictures chosen among the song's (the studio's picks; ``--keyframes``; :class:`a2i.planner.Chosen`):
        each is drawn again, same prompt, seed and style, as the keyframe of the segment overlapping its clip
        most, and its clip's other segments take its prompt and style (:func:`a2i.planner.plan_keyframes`).
    review : bool
        Make the thesis's review video instead: each clip's info card for that clip's audio.
    resume : bool
        Continue an interrupted render of the same song with the same options.
    overwrite : bool
        Replace an existing ``out``.
    preset, crf
        x264 speed preset and constant-quality setting.
    progress : bool
        Show progress bars (on a terminal).
    on_progress : callable, optional
        Called as ``on_progress(stage, done, total)`` with ``stage`` ``"analysing"`` (before the analysis),
        ``"rendering"`` (after every frame drawn and piped to the encoder; ``done`` counts frames of reused chunks
        too) and ``"joining"`` (before the chunks are joined and the audio muxed); ``total`` is the video's frames.
        For a progress display of its own (the studio's): keep it cheap, it runs on the drawing thread.
    analyzer : Analyzer, optional
        Reuse a loaded mood analyzer.
    """
    # 1. Validate everything cheap before any work.
    out = Path(out)
    if out.suffix.lower() != ".mp4":
        raise ConfigError(f"--out {out}: a2i writes MP4 videos; give a file name ending in .mp4")
    if out.is_dir():
        raise ConfigError(f"--out {out}: is a folder; give a file name ending in .mp4")
    if out.exists() and not overwrite and is_a2i_video(out):
        raise ConfigError(f"--out {out}: exists; choose another name or add --overwrite to replace it")
    # --overwrite replaces only a video a2i made; and a parent that is a file (text.mp3/x.mp4) or a folder
    # that cannot be written is refused here, before any analysis.
    check_rewritable_file(out, owned=is_a2i_video, kind="a video", inputs=[song], what="--out")
    frame_rate = parse_fps(fps)
    frame_size = parse_size(size) if size is not None else (CARD_SIZE if review else DEFAULT_SIZE)
    check_knobs(smooth, reactivity)
    job = Job(clips="all", variants=2, prompts=prompts, prompt_options=dict(prompt_options or {}), n_prompts=n_prompts,
              user_prompts=tuple(user_prompts), size=frame_size, seed=seed).check()
    if preset not in PRESETS:
        raise ConfigError(f"--preset: expected one of {', '.join(PRESETS)}, got {preset!r}")
    if not 0 <= crf <= 51:
        raise ConfigError(f"--crf: x264's quality scale runs from 0 (lossless) to 51, got {crf}")
    if not isinstance(every, int) or every < 1:
        raise ConfigError(f"--every must be a positive integer, got {every!r}")
    motion_kind = check_motion(backend)  # the backend's class says how its pictures move; nothing loads yet
    if every > 1 and (motion_kind not in SKIPS_FRAMES or review):
        raise ConfigError("--every is for the motion video of a backend whose frames are diffused (--backend sdxl); "
                          f"{'the review video holds each card' if review else f'the {backend} backend draws every frame cheaply'}")
    if chosen is not None and chosen.requests and review:
        raise ConfigError("--keyframes is for the motion video; the review video shows each clip's own card")
    if not review:
        check_backend_size(backend, frame_size)
    options = {k: v for k, v in dict(backend_options or {}).items() if v is not None}
    song = check_input_file(song)
    song_hash = content_hash(song)
    if chosen is not None:
        chosen.check(song_hash, song.name)
    image_backend = get_backend(backend, **options)  # SDXL weights load here, before any analysis
    writer = None if job.user_prompts else job.writer()

    # 2. Analyse: mood per clip, percussive onsets and beats.
    waveform = audio_io.load(song, sr=ANALYSIS_SR)
    span_start, span_end = _span(waveform.duration, start, end)
    grid = FrameGrid(frame_rate, span_start, span_end - span_start)
    report = on_progress or (lambda stage, done, total: None)
    report("analysing", 0, grid.n_frames)
    analysis = (analyzer or default_analyzer()).analyze(song, per_clip=True, progress=progress)
    # The rhythm and the segments' features on the analysis's BLAS threads (:func:`a2i.mood.one_blas_thread`): a
    # pool of one thread per core spun around each small product (a 3-minute song's rhythm and 20 segment
    # features: 4.1-4.3 s CPU against 1.4 s, load 8), and a product's rounding depended on the core count.
    with one_blas_thread():
        rhythm = analyze_rhythm(waveform)

        # 3. Segments and what each frame shows.
        if review:
            cuts = fixed_segments(span_start, span_end)
        else:
            cuts = find_segments(segments, rhythm, span_start, span_end)
        times = grid.times()
        motion = pace(grid, cuts, rhythm.strength_at(times, float(grid.frame_seconds)),
                      smooth=smooth, reactivity=reactivity, pulse=pulse)
        profiles = [segment_profile(analysis, waveform, segment) for segment in cuts]
    # The keyframes are the plan of the segments (each prompt written from its own segment's profile, as
    # `a2i generate` does per clip) with the chosen pictures in place; the last one is the coda.
    keyframes = plan_keyframes(analysis, profiles, job, song_hash, chosen=chosen, writer=writer)
    drawn = [r.clip for r in keyframes[:-1]]
    segment_prompts = [r.prompt for r in keyframes[:-1]]
    seeds = [r.seed for r in keyframes]
    styles = [r.style for r in keyframes]

    # 4. The work folder (resumable), then the route that draws the frames.
    record = job_record(song, {
        "backend": backend, "backend_options": {k: str(v) for k, v in sorted(options.items())}, "every": every,
        "fps": str(frame_rate), "size": f"{frame_size[0]}x{frame_size[1]}", "segments": "fixed" if review else segments,
        "start": span_start, "end": span_end, "smooth": smooth, "reactivity": reactivity, "pulse": pulse, "seed": seed,
        "prompts": prompts, "n_prompts": n_prompts, "user_prompts": list(user_prompts), "review": review,
        "preset": preset, "crf": crf, "chunk_seconds": CHUNK_SECONDS,
        **({"keyframes": chosen.record()} if chosen is not None and chosen.requests else {}),
    }, parts=PARTS_FORMAT["review" if review else motion_kind])
    out.parent.mkdir(parents=True, exist_ok=True)
    work = WorkDir(out, record, resume=resume)
    segment_prompts = work.keep("prompts", segment_prompts)  # an LLM writes other prompts on a rerun
    audio_of = None
    if image_backend.needs_audio:  # an audio encoder embeds each segment's (or clip's) own audio
        song_audio = audio_io.load(song, sr=None)

        def audio_of(i: int) -> audio_io.Audio:
            return clip_audio(song_audio, cuts[i])
    route: Route
    if review:
        # Each card shows the picture `a2i generate --clips all` paints for its clip.
        pictures = {r.clip.index: r for r in plan(analysis, replace(job, variants=1), song_hash, writer=writer)}
        clips = [pictures[_main_clip(analysis, segment)] for segment in cuts]
        card_prompts = work.keep("card_prompts", [r.prompt for r in clips])
        route = ReviewRoute([r.clip for r in clips], card_prompts, motion.segment, image_backend, audio_of=audio_of,
                            size=frame_size, seeds=[r.seed for r in clips], n_clips=len(analysis.clips), work=work)
    else:  # the route of the kind of motion the backend declares
        route = motion_route(image_backend, Keyframes(drawn, segment_prompts, seeds, motion, times, frame_size,
                                                      audio_of, every, work, styles))

    # 5. Draw and encode chunk by chunk; chunks already on disk are kept.
    chunks = grid.chunks(CHUNK_SECONDS)
    done = [c for c in chunks if work.chunk(c.index).exists()]
    # The bar's time left is estimated from the frames drawn in this run (reused chunks count as done).
    drawn_frames = sum(c.n_frames for c in done)
    bar = progress_bar(total=grid.n_frames, initial=drawn_frames, unit="frame",
                       desc=f"Rendering {out.name}", enabled=progress)

    def on_frame() -> None:
        nonlocal drawn_frames
        drawn_frames += 1
        bar.update()
        report("rendering", drawn_frames, grid.n_frames)

    report("rendering", drawn_frames, grid.n_frames)
    try:
        for chunk in chunks:
            if chunk in done:
                continue
            encode_frames(route.frames(chunk.first, chunk.stop), work.chunk(chunk.index), size=frame_size,
                          fps=frame_rate, preset=preset, crf=crf, on_frame=on_frame)
    finally:
        bar.close()

    # 6. Join, mux the audio, tidy up.
    report("joining", grid.n_frames, grid.n_frames)
    concat_and_mux([work.chunk(c.index) for c in chunks], song, out, start=span_start, duration=grid.duration)
    work.remove()
    return VideoResult(out, grid.n_frames, frame_rate, span_start, grid.duration, cuts, len(done))


def _main_clip(analysis: Analysis, segment: Segment) -> int:
    """The index of the analysed clip a (clip-grid) segment lies in."""
    return clip_at(analysis.clips, segment.start, segment.end)
