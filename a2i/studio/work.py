"""What the studio's buttons do, as plain functions over a :class:`~a2i.studio.projects.Project`.

Each is a short sequence of library calls (the analyzer, the prompt writer, the image backend,
:func:`a2i.pipeline.render_picture`, :func:`a2i.video.make.make_video`, :func:`a2i.outputs.write_run`), so
anything the studio does can be done from Python without it. The worker (:mod:`a2i.studio.worker`) runs the
long ones; the web process runs :func:`paint_variant` itself when the backend is the painter (a fraction of
a second).
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from a2i import audio as audio_io
from a2i.errors import AudioError, ConfigError
from a2i.fileio import atomic_save_png, content_hash
from a2i.mood import ANALYSIS_SR, Analysis, Analyzer, ClipProfile
from a2i.outputs import Picture
from a2i.pipeline import draw, recorded_analysis
from a2i.planner import Job, RenderRequest, plan, song_prompts
from a2i.render import Backend, check_style, get_backend
from a2i.studio.projects import Project

#: Picture side: ``a2i generate``'s default, so a studio project and a CLI run of the same song match.
PICTURE_SIZE = 1024
#: The first look's side: a card shows it about 300 px wide (600 on a sharp screen), and the painter draws
#: the same composition at every size, so 512 px looks the same there and is drawn, saved and sent sooner.
PREVIEW_SIZE = 512

#: How often the pictures job looks whether the upload's check is over (it usually is by the time the first
#: look is painted; an MP3's full decode takes about a second).
CHECK_POLL_SECONDS = 0.05
#: Longest wait for that check: decoding the longest song the studio takes (20 minutes of MP3) takes seconds,
#: so a check still running after two minutes belongs to a web process that died.
CHECK_TIMEOUT_SECONDS = 120.0

#: Called with (progress 0..1, stage, seconds left or None); returns True when the job should stop.
Report = Callable[[float, str, float | None], bool]


class Cancelled(Exception):
    """The musician cancelled the job."""


def centre_first(clips: list[ClipProfile], duration: float) -> list[ClipProfile]:
    """Clips ordered by distance of their middle from the song's middle: the centre clip (``generate``'s
    choice) first, then outwards, so the pictures a musician sees first are those of the heart of the song.

    Examples
    --------
    >>> clips = [ClipProfile(index=i, start=10.0 * i, end=10.0 * i + 10) for i in range(5)]
    >>> [c.index for c in centre_first(clips, 50.0)]
    [2, 1, 3, 0, 4]
    """
    middle = duration / 2.0
    return sorted(clips, key=lambda c: (abs((c.start + c.end) / 2.0 - middle), c.index))


def song_job(project: Project, **changes: Any) -> Job:
    """The planner job of a studio song: every clip, the template prompts, the project's size and seed (what
    ``a2i generate SONG --clips all`` asks for), with ``changes`` (variants, user prompts)."""
    settings = project.state().get("job") or {}
    return Job(clips="all", size=int(settings.get("size", PICTURE_SIZE)), seed=int(settings.get("seed", 0)), **changes).check()


def paint_preview(project: Project, analyzer: Analyzer) -> Path:
    """A first look while the whole song is analysed: the centre 10 seconds analysed on their own and painted
    with the seed and prompt the planner gives the centre clip.

    The final centre picture differs a little: there a clip's valence and energy are pooled toward the
    whole song's (:func:`a2i.mood.pool`). Returns the preview's path.
    """
    duration = float(project.state()["duration"])  # the header's length while the upload is still checked
    n_clips = max(1, math.ceil(duration / audio_io.CLIP_SECONDS - 0.25))
    clips = [ClipProfile(index=i, start=i * audio_io.CLIP_SECONDS, end=min(duration, (i + 1) * audio_io.CLIP_SECONDS))
             for i in range(n_clips)]
    centre = centre_first(clips, duration)[0]
    excerpt = audio_io.load_span(project.song_path, centre.start, centre.end, sr=ANALYSIS_SR)  # only these seconds
    with tempfile.TemporaryDirectory() as tmp:
        found = analyzer.analyze(audio_io.write(Path(tmp) / "centre.wav", excerpt), per_clip=True)
    clips[centre.index] = replace(found.clips[0], index=centre.index, start=centre.start, end=centre.end)
    sketch = Analysis(str(project.song_path), found.song, clips, found.model, found.indicators, duration)
    job = song_job(project)
    request = next(r for r in plan(sketch, job, content_hash(project.song_path), stem=project.name) if r.clip.index == centre.index)
    image = get_backend("painter").render_many([request.for_backend()], size=min(job.size, PREVIEW_SIZE))[0]
    project.update_state(preview={"clip": centre.index, "prompt": request.prompt})
    return atomic_save_png(image, project.preview_path)


def detect_sections(song: Path, duration: float) -> list[dict[str, float]]:
    """The song's musical sections (:func:`a2i.video.segments.find_segments` ``"sections"``), as ``a2i video`` finds them."""
    from a2i.video.onsets import analyze_rhythm
    from a2i.video.segments import find_segments

    rhythm = analyze_rhythm(audio_io.load(song, sr=ANALYSIS_SR))
    return [{"start": round(s.start, 3), "end": round(s.end, 3)} for s in find_segments("sections", rhythm, 0.0, duration)]


def make_pictures(project: Project, analyzer: Analyzer, report: Report) -> int:
    """Analyse the song and paint the planner's picture of every clip (:func:`a2i.planner.plan`), centre clip
    first, each written with its record as soon as it is painted, so the page shows them one by one.
    Returns the number painted. The same analysis, prompts and seeds as ``a2i generate SONG --clips all``;
    a job interrupted half way keeps the pictures it made.
    """
    # 1. A first look within a second or two, then the whole analysis, recorded before any picture.
    song = project.song_path
    if not project.preview_path.exists():
        report(0.02, "preview", None)
        try:
            paint_preview(project, analyzer)
        except AudioError:  # the header's length was wrong (the excerpt is past the end): no first look, the
            pass            # whole analysis below names any real fault of the file

    if report(0.05, "analysing", None):
        raise Cancelled
    waited = time.monotonic()
    while project.state().get("checking"):  # the whole file's check (in the web process) decides first
        if report(0.05, "analysing", None):
            raise Cancelled
        if time.monotonic() - waited > CHECK_TIMEOUT_SECONDS:  # the web process died during the check
            raise ConfigError(f"{project.name}: the upload's check did not finish; remove the song and add it again")
        time.sleep(CHECK_POLL_SECONDS)
    job = song_job(project)
    writer = job.writer()
    backend = get_backend("painter")
    analysis = analyzer.analyze(song, per_clip=True)
    song_hash = content_hash(song)
    texts = song_prompts(analysis, job, song_hash, writer)
    options = job.record(backend.name, backend.options)
    run = project.record(analysis, prompts=texts, options=options)
    analysis = recorded_analysis(run)  # pictures are painted from the numbers as recorded, as generate does

    # 2. The plan, painted outwards from the centre; the sections are found once the first picture is shown.
    done = {p.clip for p in run.pictures}
    requests = {r.clip.index: r for r in plan(analysis, job, song_hash, stem=project.name, writer=writer)}
    order = [requests[c.index] for c in centre_first(analysis.clips, analysis.duration) if c.index not in done]
    started = time.monotonic()
    for k, request in enumerate(order):
        for batch in draw(backend, [request], project.run_dir, size=job.size, n_clips=len(analysis.clips)):
            project.record(analysis, prompts=texts, options=options, add=batch)
        if k == 0 and project.state().get("sections") is None:
            project.update_state(sections=detect_sections(song, analysis.duration))
        rate = (time.monotonic() - started) / (k + 1)
        if report(0.1 + 0.9 * (k + 1) / len(order), "painting", rate * (len(order) - k - 1)):
            raise Cancelled
    if project.state().get("sections") is None:
        project.update_state(sections=detect_sections(song, analysis.duration))
    return len(order)


def paint_variant(project: Project, clip_index: int, *, reroll: bool = False, prompt: str | None = None,
                  style: str | None = None, backend: Backend | None = None) -> Picture:
    """A new picture of one clip, added to the run record and chosen at once; every seed and prompt comes
    from the planner (:func:`a2i.planner.plan`):

    - ``reroll``: the clip's next variant, with the planner's seed for it (a seed no other picture of the
      song uses), keeping the chosen picture's prompt and style;
    - ``prompt``: the musician's own text as the planner's user prompt (``{mood}`` and the other
      :data:`a2i.planner.PLACEHOLDERS` are filled from the clip), painted as the next variant;
    - ``style``: the chosen picture in one of the painter's styles, with the same seed (the same
      composition), as the planner forces a style.

    ``backend`` draws it: the painter by default, or a loaded SDXL backend (the worker's, for the SDXL engine).
    """
    run = project.run()
    if run is None or not run.pictures:
        raise ConfigError("the song is still being analysed; try again when its pictures are on screen")
    backend = backend or get_backend("painter")
    if style is not None:
        check_style(backend, style)
    if prompt is not None and not prompt.strip():
        raise ConfigError("the prompt is empty; write what the picture should show, or re-roll instead")
    analysis = recorded_analysis(run)
    mine = [p for p in run.pictures if p.clip == clip_index]
    if not mine:
        raise ConfigError(f"clip {clip_index}: not found among the song's pictures")
    chosen = project.state().get("chosen", {}).get(str(clip_index))
    base = next((p for p in mine if p.image == chosen), mine[0])
    song_hash = content_hash(project.song_path)
    if reroll or prompt is not None:
        variant = max(p.variant for p in mine) + 1
        job = song_job(project, variants=variant + 1, user_prompts=(prompt.strip(),) if prompt is not None else ())
        planned = next(r for r in plan(analysis, job, song_hash, stem=project.name)
                       if r.clip.index == clip_index and r.variant == variant)
        request = planned if prompt is not None else replace(planned, prompt=base.prompt, style=base.style)
    else:  # a style: the same seed and prompt, the style forced
        job = song_job(project)
        clip = next(r.clip for r in plan(analysis, job, song_hash, stem=project.name) if r.clip.index == clip_index)
        request = RenderRequest(clip, base.prompt or "", base.seed, base.variant, style, project.name)
    existing = next((p for p in mine if p.image == request.image), None)
    if existing is not None:  # this style of this variant was painted before: choose it again
        project.choose(clip_index, existing.image)
        return existing
    pictures = [p for batch in draw(backend, [request], project.run_dir, size=job.size, n_clips=len(analysis.clips)) for p in batch]
    project.record(analysis, prompts=run.prompts, options=run.options, add=pictures)
    project.choose(clip_index, pictures[0].image)
    return pictures[0]


def section_clips(project: Project, section: int) -> list[int]:
    """The clips whose middle lies in the song's ``section``-th detected section (what a section's buttons change)."""
    sections = project.state().get("sections") or []
    if not 0 <= section < len(sections):
        raise ConfigError(f"section {section}: not found; the song has {len(sections)} section(s)")
    run = project.run()
    bounds = sections[section]
    return [c.index for c in (run.clips if run else []) if bounds["start"] <= (c.start + c.end) / 2 < bounds["end"]]


def paint_section(project: Project, section: int, **change: Any) -> list[Picture]:
    """:func:`paint_variant` for every clip of a section, with the same change (re-roll, prompt or style)."""
    return [paint_variant(project, index, **change) for index in section_clips(project, section)]


def shown_pictures(project: Project) -> list[str]:
    """The picture the page shows for every clip (the chosen one, else the clip's first): the video's keyframes
    (:meth:`a2i.planner.Chosen.from_run`), so the video is made of what the musician sees."""
    run = project.run()
    chosen = project.state().get("chosen", {})
    shown: dict[int, str] = {}
    for picture in run.pictures if run else []:
        shown.setdefault(picture.clip, picture.image)
        if chosen.get(str(picture.clip)) == picture.image:
            shown[picture.clip] = picture.image
    return [shown[clip] for clip in sorted(shown)]


#: Frames drawn in this run before a time left is shown: a second of a 24-fps video (the first keyframes are
#: prepared before any frame, so the very first frames would promise too little time left).
MIN_ETA_FRAMES = 24


class TimeLeft:
    """Seconds left of a render, from the rate of the frames drawn so far in this run (frames of chunks reused
    from before a restart took no time here, so they do not count toward the rate).

    Examples
    --------
    >>> left = TimeLeft()
    >>> left.update(100, 1000, now=0.0)  # 100 frames reused: no rate yet
    >>> left.update(150, 1000, now=10.0)  # 50 frames in 10 s: 850 frames left take 170 s
    170.0
    """

    def __init__(self) -> None:
        self._start: tuple[float, int] | None = None

    def update(self, done: int, total: int, *, now: float | None = None) -> float | None:
        now = time.monotonic() if now is None else now
        if self._start is None:
            self._start = (now, done)
            return None
        drawn = done - self._start[1]
        if drawn < min(MIN_ETA_FRAMES, total - self._start[1]) or drawn <= 0:
            return None
        return (now - self._start[0]) / drawn * (total - done)


def video_options(params: dict[str, Any], *, sdxl: dict[str, Any] | None = None) -> dict[str, Any]:
    """Check the video form like ``a2i video`` checks its flags; returns :func:`make_video`'s keyword arguments.

    ``sdxl`` is the SDXL entry of :func:`a2i.studio.app.backends` (whether it can be used, and why not).
    """
    from a2i.video.make import parse_size
    from a2i.video.pacing import DEFAULT_SMOOTH, check_knobs
    from a2i.video.segments import SEGMENT_MODES
    from a2i.video.timing import parse_fps

    segments = params.get("segments", "beats")
    if segments not in SEGMENT_MODES:
        raise ConfigError(f"segments: expected one of {', '.join(SEGMENT_MODES)}, got {segments!r}")
    try:
        smooth, reactivity = float(params.get("smooth", DEFAULT_SMOOTH)), float(params.get("reactivity", 1.0))
    except (TypeError, ValueError):
        raise ConfigError("smooth and reactivity must be numbers") from None
    check_knobs(smooth, reactivity)
    out = {"size": "x".join(map(str, parse_size(str(params.get("size", "1280x720"))))),
           "fps": str(parse_fps(str(params.get("fps", "24")))), "segments": segments, "smooth": smooth,
           "reactivity": reactivity}
    backend = params.get("backend") or "painter"
    if backend == "sdxl":
        if not sdxl or not sdxl.get("available"):
            raise ConfigError(f"SDXL cannot be used: {(sdxl or {}).get('reason') or 'not set up'}")
        out.update(backend="sdxl", backend_options=dict(sdxl["options"]))  # the studio's SDXL flags, as the CLI's
    elif backend != "painter":
        raise ConfigError(f"backend {backend!r}: use 'painter' or 'sdxl'")
    for name in ("start", "end"):
        if params.get(name) not in (None, ""):
            try:
                out[name] = float(params[name])
            except (TypeError, ValueError):
                raise ConfigError(f"{name}: expected seconds, got {params[name]!r}") from None
    return out
