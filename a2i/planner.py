"""Which pictures a song gets: the one place that chooses clips, assigns prompts and derives seeds.

Every command that makes pictures (``generate``, ``render``, ``video`` keyframes, ``explore build``,
``label make-study``, the studio) describes what it wants as a :class:`Job` and asks :func:`plan` for the list
of :class:`RenderRequest`; it then only draws each request with a backend and writes the files. So:

- **clip choice** is :func:`select_clips` (the centre clip, or every clip);
- **prompt assignment** is :func:`clip_prompts`: the prompts are written from each clip's own profile (or
  are the user's ``--prompt`` texts with their placeholders filled from it), and variant ``k`` of the ``j``-th
  chosen clip takes prompt ``(j + k) mod n``, so neighbouring clips and a clip's variants differ;
- **a video's keyframes** are :func:`plan_keyframes`: the plan of the video's segments, with the pictures a
  musician chose (:class:`Chosen`, from a run folder: the studio's picks or ``a2i video --keyframes``) drawn
  as the keyframes of their clips;
- **seeds** follow :mod:`a2i.seeding`: clip ``i``'s variant ``k`` is painted with
  ``picture_seed(song_seed(seed, song_hash), i + k * n_clips)``, so no two pictures of a song share noise,
  two songs never share a layout, and a renamed copy of a song paints the same; a forced style keeps its
  picture's seed, so one picture in several styles shares its composition. The prompt writer is given the
  song's seed ``song_seed(seed, song_hash)`` too (never the user's seed, nor the song's tags or numbers), so
  what a song's prompts draw at random belongs to its bytes (:mod:`a2i.seeding` says why).

Examples
--------
>>> from a2i.mood import Analysis, ClipProfile, Profile
>>> clips = [ClipProfile(valence=v, energy=v, index=i, start=10.0 * i, end=10.0 * i + 10) for i, v in enumerate([0.2, 0.5, 0.9])]
>>> analysis = Analysis("song.wav", Profile(title="Song"), clips, {}, {}, 30.0)
>>> job = Job(clips="all", variants=2, user_prompts=("A lighthouse: {mood}",))
>>> requests = plan(analysis, job, song_hash="0" * 64)
>>> [(r.clip.index, r.variant, r.image) for r in requests[:3]]
[(0, 0, 'song_clip00.png'), (0, 1, 'song_clip00_v1.png'), (1, 0, 'song_clip01.png')]
>>> requests[0].prompt, requests[4].prompt
('A lighthouse: melancholy', 'A lighthouse: exuberant joy')
>>> len({r.seed for r in requests})
6
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from a2i.errors import ConfigError
from a2i.mood import Analysis, ClipProfile, Profile
from a2i.outputs import Picture, Run, card_name, picture_name, read_run, run_options
from a2i.prompts import DEFAULT_N, PromptGenerator, get_generator, mood_words
from a2i.render import Request
from a2i.seeding import check_seed, picture_seed, song_seed
from a2i.sizes import check_size

#: ``--clips``: the clip whose middle is nearest the song's middle (one picture, the song's "cover"), or all.
CLIP_CHOICES = ("center", "all")

#: The placeholders a ``--prompt`` text may use, each filled from the clip being drawn.
PLACEHOLDERS: dict[str, Callable[[Profile], str]] = {
    "mood": lambda p: mood_words(p)[0],
    "atmosphere": lambda p: mood_words(p)[1],
    "title": lambda p: p.title or "",
    "artist": lambda p: p.artist or "",
    "genre": lambda p: p.genre or "",
    "tempo": lambda p: p.tempo_text,
    "key": lambda p: p.key_name,
    "valence": lambda p: f"{p.valence:.2f}",
    "energy": lambda p: f"{p.energy:.2f}",
}


def check_user_prompt(text: str) -> str:
    """Return a ``--prompt`` text if it is non-empty and names only :data:`PLACEHOLDERS`, else raise.

    Examples
    --------
    >>> check_user_prompt("A {mood} harbour at night")
    'A {mood} harbour at night'
    >>> check_user_prompt("A {colour} harbour")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    a2i.errors.ConfigError: --prompt 'A {colour} harbour': unknown placeholder {colour}; use {mood}, ... or {energy} ...
    """
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"--prompt {text!r}: give the picture's text, e.g. --prompt 'a lighthouse on a stormy coast'")
    known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    known = known.rsplit(", ", 1)[0] + " or " + known.rsplit(", ", 1)[1]
    hint = f"use {known} (write {{{{ and }}}} for literal braces)"
    try:
        fields_used = [name for _, name, spec, conv in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        raise ConfigError(f"--prompt {text!r}: {exc}; {hint}") from None
    for name in fields_used:
        if name not in PLACEHOLDERS:
            raise ConfigError(f"--prompt {text!r}: unknown placeholder {{{name}}}; {hint}")
    return text


def fill_prompt(text: str, profile: Profile) -> str:
    """A ``--prompt`` text with its placeholders filled from ``profile`` (see :data:`PLACEHOLDERS`)."""
    return check_user_prompt(text).format(**{name: value(profile) for name, value in PLACEHOLDERS.items()})


@dataclass(frozen=True)
class Job:
    """Everything that decides what a song's pictures are (the backend aside); equal jobs give equal pictures,
    so ``a2i render`` resumes a folder only with an equal job.

    Parameters
    ----------
    clips : {"center", "all"}
        The centre clip only, or every 10-second clip.
    variants : int
        Pictures per clip, each with its own seed and prompt.
    styles : tuple of str
        Styles to force, one picture per style for each clip and variant (same seed, so the same
        composition in each); empty: the prompt's words choose the style.
    prompts, prompt_options
        The prompt writer (:func:`a2i.prompts.get_generator`) and its options; unused with ``user_prompts``.
    n_prompts : int
        Prompts the writer writes for the song and for each clip.
    user_prompts : tuple of str
        The user's own texts (``--prompt``, repeatable), used instead of the writer's; placeholders such as
        ``{mood}`` (:data:`PLACEHOLDERS`) are filled from each clip.
    size : int or (int, int)
        Picture size in pixels.
    seed : int
        The user's seed; pictures' seeds derive from it and the song (:mod:`a2i.seeding`).
    """

    clips: str = "center"
    variants: int = 1
    styles: tuple[str, ...] = ()
    prompts: str = "template"
    prompt_options: Mapping[str, Any] = field(default_factory=dict)
    n_prompts: int = DEFAULT_N
    user_prompts: tuple[str, ...] = ()
    size: int | tuple[int, int] = 1024
    seed: int = 0

    def check(self) -> Job:
        """Validate every field (cheap; run before any decoding or model loading) and return the job."""
        if self.clips not in CLIP_CHOICES:
            raise ConfigError(f"clips must be 'center' or 'all', got {self.clips!r}")
        if not isinstance(self.variants, int) or isinstance(self.variants, bool) or self.variants < 1:
            raise ConfigError(f"--variants must be a positive integer, got {self.variants!r}")
        if not isinstance(self.n_prompts, int) or isinstance(self.n_prompts, bool) or self.n_prompts < 1:
            raise ConfigError(f"n_prompts must be a positive integer, got {self.n_prompts!r}")
        if isinstance(self.styles, str) or len(set(self.styles)) != len(self.styles):
            raise ConfigError(f"styles must be a sequence of distinct style names, got {self.styles!r}")
        if isinstance(self.user_prompts, str):
            raise ConfigError("user_prompts must be a sequence of texts, not one string")
        for text in self.user_prompts:
            check_user_prompt(text)
        check_size(self.size)
        check_seed(self.seed)
        return self

    def writer(self) -> PromptGenerator:
        """The prompt writer this job names."""
        return get_generator(self.prompts, **dict(self.prompt_options))

    def record(self, backend: str, backend_options: Mapping[str, Any]) -> dict[str, Any]:
        """The run record's ``options`` for this job drawn by ``backend`` (its options in force)."""
        return run_options(clips=self.clips, size=self.size, n_prompts=self.n_prompts, prompts=self.prompts,
                           prompt_options=self.prompt_options, seed=self.seed, backend=backend,
                           backend_options=backend_options, variants=self.variants, styles=list(self.styles),
                           user_prompts=list(self.user_prompts))


@dataclass(frozen=True)
class RenderRequest:
    """One picture to make: the clip it shows (with the song's tags), its prompt, seed, variant, forced
    style, and the file stem its files are named from."""

    clip: ClipProfile
    prompt: str
    seed: int
    variant: int = 0
    style: str | None = None
    stem: str = "song"

    @property
    def key(self) -> tuple[int, int, str | None]:
        """What identifies the picture within its run: (clip index, variant, style)."""
        return self.clip.index, self.variant, self.style

    @property
    def image(self) -> str:
        """The picture's file name (:func:`a2i.outputs.picture_name`)."""
        return picture_name(self.stem, self.clip.index, self.variant, self.style)

    @property
    def card(self) -> str:
        """The info card's file name."""
        return card_name(self.stem, self.clip.index, self.variant, self.style)

    def for_backend(self, audio: Any = None) -> Request:
        """What the backend draws (``audio``: the clip's waveform, for a backend that needs it)."""
        return Request(seed=self.seed, profile=self.clip, prompt=self.prompt, style=self.style, audio=audio,
                       features=self.clip.features)

    def picture(self, backend: str) -> Picture:
        """The run record's entry for this picture once ``backend`` drew it."""
        return Picture(image=self.image, card=self.card, clip=self.clip.index, start=self.clip.start, end=self.clip.end,
                       prompt=self.prompt, seed=self.seed, variant=self.variant, backend=backend, style=self.style)


def select_clips(analysis: Analysis, clips: str) -> list[ClipProfile]:
    """Every clip, or the one whose middle is nearest the middle of the song (``clips="center"``).

    Any object with ``clips`` and ``duration`` will do (an :class:`~a2i.mood.Analysis`, a
    :class:`~a2i.outputs.Run`).
    """
    if clips not in CLIP_CHOICES:
        raise ConfigError(f"clips must be 'center' or 'all', got {clips!r}")
    if clips == "all":
        return list(analysis.clips)
    middle = analysis.duration / 2.0
    return [min(analysis.clips, key=lambda c: abs((c.start + c.end) / 2.0 - middle))]


def clip_prompts(job: Job, clip: Profile, position: int, song_hash: str,
                 writer: PromptGenerator | None = None) -> list[str]:
    """The prompts of the ``position``-th chosen clip in the order its variants take them: variant ``k`` takes
    item ``k mod n`` of the result, which is prompt ``(position + k) mod n`` of those written for the clip
    (or of the user's texts, filled from the clip). The writer is seeded by the song (``song_hash``)."""
    if job.user_prompts:
        texts = [fill_prompt(text, clip) for text in job.user_prompts]
    else:
        texts = (writer or job.writer()).generate(clip, n=job.n_prompts, seed=song_seed(job.seed, song_hash))
    return [texts[(position + k) % len(texts)] for k in range(len(texts))]


def song_prompts(analysis: Analysis, job: Job, song_hash: str, writer: PromptGenerator | None = None) -> list[str]:
    """The prompts written for the whole song (the run record's ``prompts``): the user's texts, filled from
    the song's profile, or ``n_prompts`` from the writer, seeded by the song (its content hash ``song_hash``,
    :func:`a2i.fileio.content_hash`)."""
    if job.user_prompts:
        return [fill_prompt(text, analysis.song) for text in job.user_prompts]
    return (writer or job.writer()).generate(analysis.song, n=job.n_prompts, seed=song_seed(job.seed, song_hash))


def tagged(analysis: Analysis, clip: ClipProfile) -> ClipProfile:
    """A clip with its song's title (the file name when untagged), artist and genre, for its card and prompts."""
    title = analysis.song.title or Path(str(analysis.path)).name
    return replace(clip, title=title, artist=analysis.song.artist, genre=analysis.song.genre)


def plan(analysis: Analysis, job: Job, song_hash: str, *, stem: str | None = None,
         recorded: Mapping[tuple[int, int, str | None], str] | None = None,
         writer: PromptGenerator | None = None) -> list[RenderRequest]:
    """Every picture of one song, in order (clip, then variant, then style).

    Parameters
    ----------
    analysis : Analysis
        The song's analysis (its ``clips`` are what is chosen from; a video passes its segments' profiles).
    job : Job
        What to make.
    song_hash : str
        The song's content hash (:func:`a2i.fileio.content_hash`), which the seeds derive from.
    stem : str, optional
        File stem of the pictures; default the song file's stem.
    recorded : mapping, optional
        Prompts already recorded by an interrupted run, by :attr:`RenderRequest.key`: those pictures keep
        them, and the writer is asked only for clips that still need prompts (an LLM writes other text on
        each call).
    writer : PromptGenerator, optional
        Reuse a built writer; default :meth:`Job.writer`.
    """
    # 1. Checks first.
    job.check()
    if not analysis.clips:
        raise ConfigError(f"{analysis.path}: the analysis has no clips to draw; analyse the song with per_clip=True")
    base = song_seed(job.seed, song_hash)
    stem = stem if stem is not None else Path(str(analysis.path)).stem
    recorded = dict(recorded or {})
    styles: Sequence[str | None] = job.styles or (None,)

    # 2. For every chosen clip: its prompts (only if some picture still needs one), then its pictures.
    requests = []
    for position, clip in enumerate(select_clips(analysis, job.clips)):
        clip = tagged(analysis, clip)
        keys = [(clip.index, k, style) for k in range(job.variants) for style in styles]
        texts = None
        if any(key not in recorded for key in keys):
            writer = writer or (None if job.user_prompts else job.writer())
            texts = clip_prompts(job, clip, position, song_hash, writer)
        for k in range(job.variants):
            seed = picture_seed(base, clip.index + k * len(analysis.clips))
            for style in styles:
                key = (clip.index, k, style)
                prompt = recorded[key] if key in recorded else texts[k % len(texts)]
                requests.append(RenderRequest(clip, prompt, seed, k, style, stem))
    return requests


def clip_at(clips: Sequence[ClipProfile], start: float, end: float) -> int:
    """The index of the clip that seconds ``start`` to ``end`` overlap most (the first such clip on a tie).

    Examples
    --------
    >>> clips = [ClipProfile(index=i, start=10.0 * i, end=10.0 * i + 10) for i in range(3)]
    >>> clip_at(clips, 8.0, 19.0), clip_at(clips, 25.0, 40.0)
    (1, 2)
    """
    return max(clips, key=lambda c: _overlap(c, start, end)).index


def _overlap(clip: ClipProfile, start: float, end: float) -> float:
    """Seconds that ``clip`` and seconds ``start`` to ``end`` share (negative when they are apart)."""
    return min(clip.end, end) - max(clip.start, start)


@dataclass(frozen=True)
class Chosen:
    """Pictures a musician chose among a song's, at most one per clip, to be a video's keyframes.

    Each is kept as the request that painted it (the clip's profile as recorded, its prompt, seed and style), so
    :func:`plan_keyframes` can have the video's backend draw the same scene again. Build it with
    :meth:`from_run` (picture names of a run folder) or :meth:`from_files` (picture files).

    Parameters
    ----------
    song_hash : str
        Content hash of the song the pictures were painted for (:func:`a2i.fileio.content_hash`); a video of
        another song refuses them.
    requests : tuple of RenderRequest
        One per chosen clip, in clip order.
    """

    song_hash: str
    requests: tuple[RenderRequest, ...] = ()

    @classmethod
    def from_run(cls, run: Run, images: Iterable[str]) -> Chosen:
        """The pictures named ``images`` (file names in ``run.folder``, as its record lists them)."""
        sha = run.song_record.get("sha256")
        if not sha:
            raise ConfigError(f"--keyframes: {run.folder}'s record has no content hash of its song; make the run "
                              f"again with `a2i generate` from the song file")
        recorded = {p.image: p for p in run.pictures}
        song = Analysis(run.song, run.profile, run.clips, {}, {}, run.duration)  # for the clips' tags
        clips = {c.index: c for c in run.clips}
        picked: dict[int, Picture] = {}
        for image in images:
            picture = recorded.get(image)
            if picture is None:
                raise ConfigError(f"--keyframes {image}: not a picture of the run in {run.folder}; "
                                  f"choose one of the pictures its run.json lists")
            other = picked.get(picture.clip)
            if other is not None and other.image != image:
                raise ConfigError(f"--keyframes: {other.image} and {image} are both pictures of clip {picture.clip}; "
                                  f"choose one picture per clip")
            picked[picture.clip] = picture
        requests = tuple(RenderRequest(tagged(song, clips[p.clip]), p.prompt or "", p.seed, p.variant, p.style,
                                       p.image.rsplit("_clip", 1)[0]) for p in sorted(picked.values(), key=lambda p: p.clip))
        return cls(sha, requests)

    @classmethod
    def from_files(cls, paths: Iterable[str | Path]) -> Chosen:
        """Picture files of one run folder (what ``a2i video --keyframes`` takes)."""
        paths = [Path(p) for p in paths]
        folders = {p.resolve().parent for p in paths}
        if len(folders) != 1:
            raise ConfigError("--keyframes: give pictures of one run folder (one `a2i generate` run or studio song), "
                              f"got pictures of {len(folders)} folders")
        return cls.from_run(read_run(folders.pop()), [p.name for p in paths])

    def check(self, song_hash: str, song: str = "this song") -> None:
        """Raise unless the pictures were painted for the song whose content hash is ``song_hash``."""
        if self.song_hash != song_hash:
            raise ConfigError(f"--keyframes: the pictures were painted for another song than {song} (its content "
                              f"differs); choose pictures of a run of {song}")

    def record(self) -> list[dict[str, Any]]:
        """What identifies the choices in a render's record (a resumed render must draw the same keyframes)."""
        return [{"clip": r.clip.index, "prompt": r.prompt, "seed": r.seed, "style": r.style} for r in self.requests]


def plan_keyframes(analysis: Analysis, segments: Sequence[ClipProfile], job: Job, song_hash: str, *,
                   chosen: Chosen | None = None, writer: PromptGenerator | None = None) -> list[RenderRequest]:
    """A video's keyframes: one request per segment, then the *coda* (the picture the last segment moves toward).

    Without choices, segment ``i``'s keyframe is the plan (:func:`plan`, two variants) of the segments, variant 0
    of segment ``i``; the coda is the last segment's variant 1 (its own seed, the last segment's prompt). With
    ``chosen``, every chosen picture is the keyframe of the segment that overlaps its clip the most, drawn from
    the same profile, prompt, seed and style (the same scene), and the other segments lying mostly in a chosen
    clip take its prompt and style with their own seeds, so the whole clip keeps the look chosen for it.

    Parameters
    ----------
    analysis : Analysis
        The song's analysis (its ``clips`` are the 10-second clips the choices are about).
    segments : sequence of ClipProfile
        The video's segments' profiles (:func:`a2i.video.segments.segment_profile`), in order.
    job : Job
        The prompts, seed and size (``clips`` and ``variants`` are set here).
    song_hash : str
        The song's content hash; ``chosen`` must be for the same song.
    chosen : Chosen, optional
        The musician's pictures.

    Examples
    --------
    >>> from a2i.mood import Profile
    >>> song = Analysis("song.wav", Profile(), [ClipProfile(index=i, start=10.0 * i, end=10.0 * i + 10) for i in range(2)], {}, {}, 20.0)
    >>> segments = [ClipProfile(index=i, start=8.0 * i, end=min(20.0, 8.0 * i + 8)) for i in range(3)]
    >>> own = RenderRequest(song.clips[1], "a lighthouse", seed=7, style="ink")
    >>> keys = plan_keyframes(song, segments, Job(), "0" * 64, chosen=Chosen("0" * 64, (own,)))
    >>> [(k.prompt == "a lighthouse", k.seed == 7, k.style) for k in keys]
    [(False, False, None), (True, True, 'ink'), (True, False, 'ink'), (True, False, 'ink')]
    """
    # 1. Checks, then the plain plan of the segments.
    if chosen is not None:
        chosen.check(song_hash)
    job = replace(job, clips="all", variants=2)
    requests = plan(replace(analysis, clips=list(segments)), job, song_hash, writer=writer)
    keys = [r for r in requests if r.variant == 0]
    coda = replace(requests[-1], prompt=keys[-1].prompt)
    if chosen is None or not chosen.requests:
        return [*keys, coda]

    # 2. Each chosen picture on the segment overlapping its clip most (the larger overlap wins a segment).
    best: dict[int, tuple[float, RenderRequest]] = {}
    for pick in chosen.requests:
        i = max(range(len(segments)), key=lambda j: _overlap(pick.clip, segments[j].start, segments[j].end))
        share = _overlap(pick.clip, segments[i].start, segments[i].end)
        if share > 0 and share > best.get(i, (0.0, None))[0]:
            best[i] = (share, pick)
    by_clip = {pick.clip.index: pick for pick in chosen.requests}
    for i, segment in enumerate(segments):
        if i in best:
            pick = best[i][1]
            keys[i] = replace(keys[i], clip=pick.clip, prompt=pick.prompt, seed=pick.seed, style=pick.style)
        elif (pick := by_clip.get(clip_at(analysis.clips, segment.start, segment.end))) is not None:
            keys[i] = replace(keys[i], prompt=pick.prompt, style=pick.style)
    return [*keys, replace(coda, clip=keys[-1].clip, prompt=keys[-1].prompt, style=keys[-1].style)]
