"""Frame makers: each turns frame numbers into pictures, drawing only what the frames need.

A route is asked for frames ``first .. stop - 1`` (one chunk at a time) and yields them one by one, so
the encoder consumes each before the next is drawn and memory stays flat. Keyframes are made on first use,
kept while frames still need them (at most the current and the next few) and saved in the work folder so
``--resume`` reuses them.

- :class:`PainterRoute`: the laptop route, the procedural painter in motion
  (:mod:`a2i.render.painter.motion`): each keyframe's layers are prepared once and every frame is composited,
  warped and advected from them, paced by the :class:`~a2i.video.pacing.MotionPlan`.
- :class:`ReviewRoute`: the thesis's review video, each clip's info card held for that clip's audio.
- :class:`a2i.video.sdxl_route.SDXLRoute`: Stable Diffusion XL in-betweens (GPU route).
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PIL import Image

from a2i.cards import CARD_SIZE, clip_subtitle, info_card
from a2i.fileio import atomic_save_png, atomic_write_bytes
from a2i.mood import ClipProfile
from a2i.render import Backend
from a2i.video.pacing import MotionPlan
from a2i.video.workdir import WorkDir

#: Keyframes kept in memory at once: the pair being drawn and one more, so a boundary never prepares twice.
KEYFRAMES_IN_MEMORY = 3


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
        Write a keyframe to / read it from a path.
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
        if path.exists():
            item = self._load(path)
        else:
            item = self._make(index)
            self._save(item, path)
        self._items[index] = item
        while len(self._items) > KEYFRAMES_IN_MEMORY:
            self._items.popitem(last=False)
        return item


def _save_pickle(item: Any, path: Path) -> None:
    atomic_write_bytes(path, pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))


def _load_pickle(path: Path) -> Any:
    # Only files this render wrote itself into its own work folder are ever unpickled.
    with open(path, "rb") as handle:
        return pickle.load(handle)


#: Progress samples at which a keyframe pair's transition is measured (see :class:`PainterRoute`).
SPEED_SAMPLES = 17


def even_speed(frame_at: Callable[[float], np.ndarray], samples: int = SPEED_SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """A progress remapping under which a transition changes the picture at an even rate.

    A renderer's transition rarely changes the picture evenly with progress: eased in and out, strokes
    growing in drawing order, most of the change lands mid-way. Paced motion needs the opposite: a step of
    progress paid for by an onset must show as that much visual change, wherever it falls. So the
    transition is measured (mean absolute difference between frames at ``samples`` progress values, the
    arc length of the path the picture takes) and progress is re-parameterised by that length.

    Returns
    -------
    (arc, progress) : ndarray, ndarray
        ``np.interp(q, arc, progress)`` is the renderer progress at which a share ``q`` of the visual
        change has happened.

    Examples
    --------
    >>> ramp = lambda p: np.full((2, 2, 3), 255 * p**2)  # changes slowly at first, then fast
    >>> arc, progress = even_speed(ramp, samples=5)
    >>> round(float(np.interp(0.25, arc, progress)), 2)  # a quarter of the change needs half the progress
    0.5
    """
    progress = np.linspace(0.0, 1.0, samples)
    frames = [np.asarray(frame_at(float(p)), dtype=np.float32)[::4, ::4] for p in progress]
    steps = np.array([np.abs(b - a).mean() for a, b in zip(frames[:-1], frames[1:])]) + 1e-6
    arc = np.concatenate([[0.0], np.cumsum(steps)]) / (steps.sum())
    return arc, progress


class PainterRoute:
    """The painter in motion between per-segment keyframes.

    Keyframe ``i`` is shown at the start of segment ``i``; during the segment the picture moves toward
    keyframe ``i + 1`` (the last segment toward a *coda*: the same mood with its own seed, so the picture
    keeps moving with the music to the end). Each pair's progress is re-parameterised to an even visual
    speed (:func:`even_speed`), so the change on screen follows the onsets that pace it.

    Parameters
    ----------
    profiles : sequence of ClipProfile
        One per segment; keyframe ``i`` is prepared from ``profiles[i]`` with ``seeds[i]``.
    prompts : sequence of str
        One per segment (the painter records them; styles may read them).
    plan : MotionPlan
        Segment, progress and pulse per frame.
    times : ndarray
        Song time of each frame, for the painter's continuous flow.
    size : (width, height)
    seeds : sequence of int
        One per segment and one more for the coda, from the planner (:func:`a2i.planner.plan_keyframes`).
    styles : sequence of str or None, optional
        One per keyframe (coda included): a painter style forced on it (a chosen picture's), or None.
    work : WorkDir
    """

    def __init__(self, profiles: Sequence[ClipProfile], prompts: Sequence[str], plan: MotionPlan, times: np.ndarray, *,
                 size: tuple[int, int], seeds: Sequence[int], work: WorkDir,
                 styles: Sequence[str | None] | None = None) -> None:
        from a2i.render.painter.motion import Scene, render_frame

        self._render = render_frame
        self._plan, self._times = plan, times
        last = len(profiles) - 1

        def prepare(i: int) -> Any:
            j = min(i, last)  # keyframe last + 1 is the coda
            return Scene.prepare(profiles[j], prompt=prompts[j], seed=seeds[i], size=size, style=styles[i] if styles else None)

        self._scenes = KeyframeCache(prepare, lambda i: work.keyframe(i, ".pickle"), _save_pickle, _load_pickle)
        self._speed: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()

    def _even(self, i: int, at: float) -> tuple[np.ndarray, np.ndarray]:
        if i not in self._speed:
            a, b = self._scenes[i], self._scenes[i + 1]
            self._speed[i] = even_speed(lambda p: self._render(a, b, p, time=at, pulse=0.0))
            while len(self._speed) > KEYFRAMES_IN_MEMORY:
                self._speed.popitem(last=False)
        return self._speed[i]

    def frames(self, first: int, stop: int) -> Iterator[np.ndarray]:
        plan = self._plan
        for k in range(first, stop):
            i = int(plan.segment[k])
            arc, progress = self._even(i, float(self._times[np.argmax(plan.segment == i)]))
            p = float(np.interp(plan.progress[k], arc, progress))
            yield self._render(self._scenes[i], self._scenes[i + 1], p, time=float(self._times[k]), pulse=float(plan.pulse[k]))


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
