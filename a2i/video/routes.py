"""Frame makers: each turns frame numbers into pictures, drawing only what the frames need.

A route is asked for frames ``first .. stop - 1`` (one chunk at a time) and yields them one by one, so
the encoder consumes each before the next is drawn and memory stays flat. Keyframes are made on first use,
kept while frames still need them (at most the current and the next few) and saved in the work folder so
``--resume`` reuses them.

A backend declares the kind of motion its pictures support (:attr:`a2i.render.Backend.motion`, one of
:data:`a2i.render.MOTIONS`) and :func:`motion_route` builds that kind's route; no route names a backend:

- ``"layers"``, :class:`LayersRoute`: the laptop route, the procedural painter in motion
  (:mod:`a2i.render.painter.motion`): each keyframe's layers are prepared once (``backend.scene``) and every
  frame is composited, warped and advected from them (``backend.frame``), paced by the
  :class:`~a2i.video.pacing.MotionPlan`.
- ``"latents"``, :class:`a2i.video.sdxl_route.SDXLRoute`: Stable Diffusion XL in-betweens (GPU route).
- ``"crossfade"``, :class:`CrossfadeRoute`: any backend; its keyframe pictures cross-faded.

:class:`ReviewRoute`, the thesis's review video (each clip's info card held for that clip's audio), draws its
cards with any backend.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PIL import Image

from a2i.cards import CARD_SIZE, clip_subtitle, info_card
from a2i.fileio import atomic_save_png, atomic_write_bytes
from a2i.mood import ClipProfile
from a2i.render import Backend, Request
from a2i.video.pacing import MotionPlan
from a2i.video.workdir import WorkDir

#: Keyframes kept in memory at once: the pair being drawn and one more, so a boundary never prepares twice.
KEYFRAMES_IN_MEMORY = 3

#: Brightness added by a full pulse in the routes that brighten whole frames (cross-fade, SDXL); the painter's
#: own pulse (:data:`a2i.render.painter.motion.PULSE_LIGHT`) also zooms, so it has its own value.
PULSE_LIGHT = 0.15


class Route(Protocol):
    """Anything that draws frames ``first .. stop - 1`` of a video as (H, W, 3) uint8 arrays."""

    def frames(self, first: int, stop: int) -> Iterator[np.ndarray]:
        """Yield the frames in order."""


class KeyframeCache:
    """Keyframes made on demand, kept in a small LRU and persisted to the work folder.

    Parameters
    ----------
    make : callable
        ``make(index)`` builds keyframe ``index``.
    path : callable
        ``path(index)`` is where it is saved.
    save, load : callable
        Write a keyframe to / read it from a path; ``load`` returns None for a file it cannot read back (made
        by another version of a2i), which is then made again and replaces it.
    """

    def __init__(self, make: Callable[[int], Any], path: Callable[[int], Path],
                 save: Callable[[Any, Path], None], load: Callable[[Path], Any]) -> None:
        self._make, self._path, self._save, self._load = make, path, save, load
        self._items: OrderedDict[int, Any] = OrderedDict()

    def __getitem__(self, index: int) -> Any:
        if index in self._items:
            self._items.move_to_end(index)
            return self._items[index]
        path = self._path(index)
        item = self._load(path) if path.exists() else None
        if item is None:
            item = self._make(index)
            self._save(item, path)
        self._items[index] = item
        while len(self._items) > KEYFRAMES_IN_MEMORY:
            self._items.popitem(last=False)
        return item


def _save_pickle(item: Any, path: Path) -> None:
    atomic_write_bytes(path, pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))


#: What unpickling a keyframe saved by another version of a2i raises (a class moved or renamed, a field gone).
_UNPICKLABLE = (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, KeyError, ValueError)


def _load_pickle(path: Path) -> Any:
    """The keyframe saved at ``path``, or None if this version of a2i cannot read it back."""
    # Only files this render wrote itself into its own work folder are ever unpickled.
    with open(path, "rb") as handle:
        try:
            return pickle.load(handle)
        except _UNPICKLABLE:
            return None


#: Progress samples at which a keyframe pair's transition is measured (see :class:`LayersRoute`).
SPEED_SAMPLES = 17
#: The frames a transition is measured on keep every this-many-th pixel of each row and column: the mean change
#: of a sixteenth of the pixels is the mean change, and the 17 frames cost a few full ones.
SPEED_THIN = 4


def even_speed(frames_at: Callable[[np.ndarray, int], Sequence[np.ndarray]],
               samples: int = SPEED_SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """A progress remapping under which a transition changes the picture at an even rate.

    A renderer's transition rarely changes the picture evenly with progress: eased in and out, strokes
    growing in drawing order, most of the change lands mid-way. Paced motion needs the opposite: a step of
    progress paid for by an onset must show as that much visual change, wherever it falls. So the
    transition is measured (mean absolute difference between frames at ``samples`` progress values, the
    arc length of the path the picture takes) and progress is re-parameterised by that length.

    Parameters
    ----------
    frames_at : callable
        ``frames_at(progress, thin)``: the transition's frames at those progress values, each thinned to every
        ``thin``-th pixel of its rows and columns (``frame[::thin, ::thin]``; :data:`SPEED_THIN`).
    samples : int
        Progress values measured, evenly spaced from 0 to 1 (:data:`SPEED_SAMPLES`).

    Returns
    -------
    (arc, progress) : ndarray, ndarray
        ``np.interp(q, arc, progress)`` is the renderer progress at which a share ``q`` of the visual
        change has happened.

    Examples
    --------
    >>> ramp = lambda progress, thin: [np.full((2, 2, 3), 255 * p**2) for p in progress]  # slow at first, then fast
    >>> arc, progress = even_speed(ramp, samples=5)
    >>> round(float(np.interp(0.25, arc, progress)), 2)  # a quarter of the change needs half the progress
    0.5
    """
    progress = np.linspace(0.0, 1.0, samples)
    frames = [np.asarray(frame, dtype=np.float32) for frame in frames_at(progress, SPEED_THIN)]
    steps = np.array([np.abs(b - a).mean() for a, b in zip(frames[:-1], frames[1:])]) + 1e-6
    arc = np.concatenate([[0.0], np.cumsum(steps)]) / (steps.sum())
    return arc, progress


@dataclass(frozen=True)
class Keyframes:
    """What every motion route draws from: one keyframe per segment plus the coda, and the frames' pacing.

    Parameters
    ----------
    profiles : sequence of ClipProfile
        One per segment; keyframe ``i`` is drawn from ``profiles[i]`` with ``seeds[i]``, the last keyframe
        (the coda, which the last segment moves toward) from the last profile with its own seed.
    prompts : sequence of str
        One per segment.
    seeds : sequence of int
        One per segment and one more for the coda, from the planner (:func:`a2i.planner.plan`).
    plan : MotionPlan
        Segment, progress and pulse per frame.
    times : ndarray
        Song time of each frame (seconds), for continuous flow.
    size : (width, height)
    audio_of : callable, optional
        ``audio_of(i)``: segment ``i``'s waveform, for a backend that ``needs_audio``.
    every : int
        Draw every ``every``-th frame and blend between (routes in :data:`SKIPS_FRAMES` only).
    work : WorkDir
        Where keyframes are kept for ``--resume``.
    styles : sequence of str or None, optional
        One per keyframe (coda included): a style forced on it (a chosen picture's, :func:`a2i.planner.plan_keyframes`),
        or None for the prompt's own; empty: none forced.
    """

    profiles: Sequence[ClipProfile]
    prompts: Sequence[str]
    seeds: Sequence[int]
    plan: MotionPlan
    times: np.ndarray
    size: tuple[int, int]
    audio_of: Callable[[int], Any] | None
    every: int
    work: WorkDir
    styles: Sequence[str | None] = ()

    def request(self, i: int) -> Request:
        """Keyframe ``i``'s request (keyframe ``len(profiles)`` is the coda: the last segment, its own seed)."""
        j = min(i, len(self.profiles) - 1)
        audio = self.audio_of(j) if self.audio_of is not None else None
        style = self.styles[i] if self.styles else None
        return Request(seed=self.seeds[i], profile=self.profiles[j], prompt=self.prompts[j], style=style, audio=audio)


class LayersRoute:
    """A ``"layers"`` backend in motion between per-segment keyframes (the painter's growth and flow).

    Keyframe ``i`` is shown at the start of segment ``i``; during the segment the picture moves toward
    keyframe ``i + 1`` (the last segment toward a *coda*: the same mood with its own seed, so the picture
    keeps moving with the music to the end). Each pair's progress is re-parameterised to an even visual
    speed (:func:`even_speed`), so the change on screen follows the onsets that pace it.

    Parameters
    ----------
    backend : Backend
        Has ``scene(request, size=)`` (a keyframe's layers, drawn once), ``frame(a, b, progress, time=,
        pulse=)`` and ``transition(a, b, progresses, time=, thin=)`` (thinned frames to measure a transition's
        pace on; :data:`a2i.render.MOTIONS`).
    keyframes : Keyframes
    """

    def __init__(self, backend: Backend, keyframes: Keyframes) -> None:
        self._frame, self._transition = backend.frame, backend.transition
        self._plan, self._times = keyframes.plan, keyframes.times
        self._scenes = KeyframeCache(lambda i: backend.scene(keyframes.request(i), size=keyframes.size),
                                     lambda i: keyframes.work.keyframe(i, ".pickle"), _save_pickle, _load_pickle)
        self._speed: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()

    def _even(self, i: int, at: float) -> tuple[np.ndarray, np.ndarray]:
        if i not in self._speed:
            a, b = self._scenes[i], self._scenes[i + 1]
            self._speed[i] = even_speed(lambda progress, thin: self._transition(a, b, progress, time=at, thin=thin))
            while len(self._speed) > KEYFRAMES_IN_MEMORY:
                self._speed.popitem(last=False)
        return self._speed[i]

    def frames(self, first: int, stop: int) -> Iterator[np.ndarray]:
        plan = self._plan
        for k in range(first, stop):
            i = int(plan.segment[k])
            arc, progress = self._even(i, float(self._times[np.argmax(plan.segment == i)]))
            p = float(np.interp(plan.progress[k], arc, progress))
            yield self._frame(self._scenes[i], self._scenes[i + 1], p, time=float(self._times[k]), pulse=float(plan.pulse[k]),
                              zoom=float(plan.zoom[k]))


class CrossfadeRoute:
    """Any backend in motion: its keyframe pictures (drawn by ``render_many`` at the frame size) cross-faded.

    Frame ``k`` of segment ``i`` at progress ``p`` is ``(1 - p) * keyframe[i] + p * keyframe[i + 1]``, the
    progress paced by the onsets (:mod:`a2i.video.pacing`), brightened by the pulse (:data:`PULSE_LIGHT`).
    A backend with a motion of its own declares another kind (:data:`a2i.render.MOTIONS`).

    Parameters
    ----------
    backend : Backend
    keyframes : Keyframes
    """

    def __init__(self, backend: Backend, keyframes: Keyframes) -> None:
        self._plan = keyframes.plan

        def make(i: int) -> np.ndarray:
            (picture,) = backend.render_many([keyframes.request(i)], size=keyframes.size)
            return np.asarray(picture.convert("RGB"))

        def load(path: Path) -> np.ndarray:
            with Image.open(path) as picture:
                return np.asarray(picture.convert("RGB"))

        self._pictures = KeyframeCache(make, lambda i: keyframes.work.keyframe(i, ".png"),
                                       lambda picture, path: atomic_save_png(Image.fromarray(picture), path), load)

    def frames(self, first: int, stop: int) -> Iterator[np.ndarray]:
        plan = self._plan
        for k in range(first, stop):
            i, p = int(plan.segment[k]), float(plan.progress[k])
            mixed = (1.0 - p) * self._pictures[i].astype(np.float32) + p * self._pictures[i + 1].astype(np.float32)
            light = 1.0 + PULSE_LIGHT * float(plan.pulse[k])
            yield np.clip(mixed * light + 0.5, 0.0, 255.0).astype(np.uint8)


def _latents(backend: Backend, keyframes: Keyframes) -> Route:
    from a2i.video.sdxl_route import SDXLRoute  # imports torch: only for a backend that diffuses

    return SDXLRoute(backend, keyframes.profiles, keyframes.prompts, keyframes.plan, audio_of=keyframes.audio_of,
                     size=keyframes.size, seeds=keyframes.seeds, every=keyframes.every, work=keyframes.work)


#: The route of each kind of motion a backend may declare (:data:`a2i.render.MOTIONS`; a test checks the keys).
MOTION_ROUTES: dict[str, Callable[[Backend, Keyframes], Route]] = {
    "crossfade": CrossfadeRoute,
    "layers": LayersRoute,
    "latents": _latents,
}
#: The format each route keeps its pieces (keyframes, chunks) in, by kind of motion (and ``"review"``), recorded
#: in the work folder's ``job.json``: ``--resume`` draws again the pieces of a folder made in another format
#: (:mod:`a2i.video.workdir`). Raise a route's number whenever what it keeps changes. "layers": 1 half-size
#: keyframes, 2 drawn at the frame's size (thin fronts), 3 with the background their objects are painted over.
PARTS_FORMAT: dict[str, int] = {"crossfade": 1, "layers": 3, "latents": 1, "review": 1}
#: Kinds whose route can diffuse every K-th frame and blend the rest (``--every K``); the others draw every
#: frame cheaply.
SKIPS_FRAMES = frozenset({"latents"})


def motion_route(backend: Backend, keyframes: Keyframes) -> Route:
    """The route that moves ``backend``'s pictures, chosen by the kind of motion it declares (checked against
    :data:`a2i.render.MOTIONS` before the backend loads, by :func:`a2i.render.check_motion`)."""
    return MOTION_ROUTES[backend.motion](backend, keyframes)


class ReviewRoute:
    """Each clip's info card (its picture beside what made it) for the whole of that clip's audio.

    Parameters
    ----------
    clips : sequence of ClipProfile
        The song's 10-second clips (with their tags).
    prompts : sequence of str
        One per clip.
    segment : ndarray
        Clip index of each frame.
    backend : Backend
        Paints each clip's picture.
    audio_of : callable, optional
        ``audio_of(i)``: clip ``i``'s waveform, for a backend with an audio encoder.
    size : (width, height)
        Frame size; the 1200 x 630 card is scaled to it.
    seeds : sequence of int
        One per clip: the seeds the planner gives these clips, so each card's picture is ``a2i generate``'s.
    n_clips : int
        Clips in the whole song (for the "clip 2 of 18" subtitle).
    work : WorkDir
    """

    def __init__(self, clips: Sequence[ClipProfile], prompts: Sequence[str], segment: np.ndarray, backend: Backend, *,
                 audio_of: Callable[[int], Any] | None, size: tuple[int, int], seeds: Sequence[int], n_clips: int,
                 work: WorkDir) -> None:
        self._segment = segment

        def make(i: int) -> np.ndarray:
            clip = clips[i]
            clip_seed = seeds[i]
            audio = audio_of(i) if audio_of is not None else None
            picture = backend.render(profile=clip, prompt=prompts[i], size=CARD_SIZE[1], seed=clip_seed, audio=audio)
            subtitle = clip_subtitle(clip.index, n_clips, clip.start, clip.end, clip_seed)
            card = info_card(picture, clip, prompts[i], subtitle=subtitle)
            return np.asarray(card.resize(size, Image.Resampling.LANCZOS))

        def load(path: Path) -> np.ndarray:
            with Image.open(path) as card:
                return np.asarray(card.convert("RGB"))

        self._cards = KeyframeCache(make, lambda i: work.keyframe(i, ".png"),
                                    lambda card, path: atomic_save_png(Image.fromarray(card), path), load)

    def frames(self, first: int, stop: int) -> Iterator[np.ndarray]:
        for k in range(first, stop):
            yield self._cards[int(self._segment[k])]
