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

from a2i.cards import clip_subtitle, info_card
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


class PainterRoute:
    """The painter in motion between per-segment keyframes.

    Parameters
    ----------
    profiles : sequence of ClipProfile
        One per segment; keyframe ``i`` is prepared from ``profiles[i]`` with seed ``seed + i``.
    prompts : sequence of str
        One per segment (the painter records them; styles may read them).
    plan : MotionPlan
        Segment, progress and pulse per frame.
    times : ndarray
        Song time of each frame, for the painter's continuous flow.
    size : (width, height)
    seed : int
    work : WorkDir
    """

    def __init__(self, profiles: Sequence[ClipProfile], prompts: Sequence[str], plan: MotionPlan, times: np.ndarray, *,
                 size: tuple[int, int], seed: int, work: WorkDir) -> None:
        from a2i.render.painter.motion import Scene, render_frame

        self._render = render_frame
        self._plan, self._times, self._last = plan, times, len(profiles) - 1

        def prepare(i: int) -> Any:
            return Scene.prepare(profiles[i], prompt=prompts[i], seed=seed + i, size=size)

        self._scenes = KeyframeCache(prepare, lambda i: work.keyframe(i, ".pickle"), _save_pickle, _load_pickle)

    def frames(self, first: int, stop: int) -> Iterator[np.ndarray]:
        plan = self._plan
        for k in range(first, stop):
            i = int(plan.segment[k])
            a = self._scenes[i]
            b = self._scenes[min(i + 1, self._last)]
            yield self._render(a, b, float(plan.progress[k]), time=float(self._times[k]), pulse=float(plan.pulse[k]))


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
    size : (width, height)
        Frame size; the 1200 x 630 card is scaled to it.
    seed : int
        Clip ``i`` is painted with ``seed + i``, as ``a2i generate`` does.
    n_clips : int
        Clips in the whole song (for the "clip 2 of 18" subtitle).
    work : WorkDir
    """

    def __init__(self, clips: Sequence[ClipProfile], prompts: Sequence[str], segment: np.ndarray, backend: Backend, *,
                 size: tuple[int, int], seed: int, n_clips: int, work: WorkDir) -> None:
        self._segment = segment

        def make(i: int) -> np.ndarray:
            clip = clips[i]
            picture = backend.render(profile=clip, prompt=prompts[i], size=630, seed=seed + clip.index)
            subtitle = clip_subtitle(clip.index, n_clips, clip.start, clip.end, seed + clip.index)
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
