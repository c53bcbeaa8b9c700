"""The video's frame grid: how many frames, when each is shown, and how they are cut into chunks.

The number of frames is the one figure every peer gets wrong: ``int(duration * fps)`` drops up to a whole
frame, and rounding each section's count separately drifts further. Here the count is decided once for
the whole video, ``round(duration * fps)``, so the picture ends within half a frame of the audio for any
frame rate and duration, and chunks and segments only ever split that fixed grid.

Examples
--------
>>> grid = FrameGrid(parse_fps("24"), start=0.0, duration=10.02)
>>> grid.n_frames, float(grid.frame_seconds)
(240, 0.041666666666666664)
>>> [(c.first, c.stop) for c in grid.chunks(4.0)]
[(0, 96), (96, 192), (192, 240)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from a2i.errors import ConfigError

#: Frame rates are kept as exact fractions; 1001 is the NTSC denominator (29.97 = 30000/1001), the
#: largest one in common use, so any typed-in rate is represented exactly or to within a microsecond.
FPS_DENOMINATOR = 1001

#: Above this no display or encoder setting makes sense; it also bounds the frame count of a song.
MAX_FPS = 240


def parse_fps(text: str | float | int | Fraction) -> Fraction:
    """A frame rate from ``24``, ``29.97`` or ``30000/1001``, as an exact fraction.

    Decimal NTSC rates (23.976, 29.97, 59.94) mean what every editor means by them, ``n * 1000 / 1001``.

    Examples
    --------
    >>> parse_fps("30000/1001"), parse_fps("29.97"), parse_fps(25), parse_fps("12.5")
    (Fraction(30000, 1001), Fraction(30000, 1001), Fraction(25, 1), Fraction(25, 2))
    """
    try:
        fps = Fraction(str(text).strip()).limit_denominator(FPS_DENOMINATOR)
    except (ValueError, ZeroDivisionError):
        raise ConfigError(f"--fps: expected a frame rate such as 24, 29.97 or 30000/1001, got {text!r}") from None
    if not 0 < fps <= MAX_FPS:
        raise ConfigError(f"--fps: the frame rate must be above 0 and at most {MAX_FPS}, got {text}")
    ntsc = Fraction(round(fps * Fraction(1001, 1000)) * 1000, 1001)
    if fps.denominator != 1 and abs(ntsc - fps) < Fraction(1, 1000):
        return ntsc
    return fps


@dataclass(frozen=True)
class Chunk:
    """Frames ``first .. stop - 1`` of the video, encoded to one file so an interrupted render can resume."""

    index: int
    first: int
    stop: int

    @property
    def n_frames(self) -> int:
        return self.stop - self.first


@dataclass(frozen=True)
class FrameGrid:
    """Frame ``k`` is shown from ``start + k / fps`` seconds of the song for ``1 / fps`` seconds.

    Parameters
    ----------
    fps : Fraction
        Frames per second.
    start : float
        Where the video starts in the song, in seconds.
    duration : float
        Length of the audio the video covers, in seconds.
    """

    fps: Fraction
    start: float
    duration: float

    def __post_init__(self) -> None:
        if self.duration <= 0:
            raise ConfigError(f"the video must cover some audio, got a duration of {self.duration:.3f} s; check --start/--end")

    @property
    def n_frames(self) -> int:
        """``round(duration * fps)``: the video then ends within half a frame of the audio (at least one frame)."""
        return max(1, round(Fraction(self.duration).limit_denominator(10**6) * self.fps))

    @property
    def frame_seconds(self) -> Fraction:
        return 1 / self.fps

    def times(self) -> np.ndarray:
        """Song time (seconds) at which each frame appears."""
        return self.start + np.arange(self.n_frames, dtype=np.float64) / float(self.fps)

    def frame_at(self, seconds: float) -> int:
        """The first frame shown at or after ``seconds`` of the song (clamped to the grid)."""
        k = math.ceil(round((seconds - self.start) * float(self.fps), 6))
        return int(min(max(k, 0), self.n_frames))

    def chunks(self, seconds: float) -> list[Chunk]:
        """The grid cut into pieces of about ``seconds`` each (the last one shorter)."""
        size = max(1, math.ceil(seconds * self.fps))
        return [Chunk(i, first, min(first + size, self.n_frames)) for i, first in enumerate(range(0, self.n_frames, size))]
