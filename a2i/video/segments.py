"""Where the keyframes go: the song cut into segments, each painted from its own profile.

Three ways to cut (``--segments``):

``fixed``
    The thesis's 10-second clips, on the song's own clip grid (the clips ``a2i generate`` paints).
``beats``
    Groups of bars, starting on downbeats: as many bars as make a segment nearest 10 seconds, rounded to
    a power of two (1, 2, 4, 8 or 16 bars, the lengths musical phrases come in). Bars are taken as four
    beats (most popular music is in 4/4); the downbeat is the beat phase with the strongest onsets.
``sections``
    Musical sections (intro, verse, chorus...) found as the peaks of Foote's novelty curve (Foote 2000,
    "Automatic audio segmentation using a measure of audio novelty") on a beat-synchronous
    self-similarity matrix of timbre (MFCC) and harmony (chroma), so boundaries fall on beats. A section
    longer than two clips is split evenly at beats, so the picture still follows the mood inside it.

A segment's profile is the overlap-weighted mean of the analysed 10-second clips it covers, with the
signal features (onset rate, flux, brightness) of its own audio.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, fields

import numpy as np

from a2i.audio import CLIP_SECONDS, Audio, AudioWarning
from a2i.errors import ConfigError
from a2i.features import describe
from a2i.mood import Analysis, ClipProfile
from a2i.video.onsets import Rhythm
from a2i.video.options import SEGMENT_MODES

#: Beats per bar (4/4, the metre of most popular music; the audio does not tell the metre reliably).
BEATS_PER_BAR = 4

#: Analysis frames either side of a beat whose strongest onset is the beat's, when the downbeat is chosen: the
#: beats are the analysis's, which sit a frame or two before the percussive onsets' peak (:data:`a2i.video.onsets.ANALYSIS_LAG`
#: is the usual one); read at one frame, a near tie between two phases fell either way with that frame.
DOWNBEAT_REACH = 2

#: Half-width of Foote's checkerboard kernel, in beats: two bars each side of a candidate boundary.
NOVELTY_HALF_WIDTH = 8

#: Shortest section, in seconds: below this a "section" is a fill or a drum break, not a part of the song.
MIN_SECTION_SECONDS = 6.0

#: A trailing remainder shorter than this share of a segment joins the segment before it (the same rule
#: :func:`a2i.audio.split_clips` uses for clips).
MIN_LAST_SHARE = 0.25

#: Profile fields averaged over the clips a segment covers.
_AVERAGED = ("valence", "energy", "danceability", "acousticness", "instrumentalness", "liveness", "speechiness", "loudness")


@dataclass(frozen=True)
class Segment:
    """Seconds ``start`` to ``end`` of the song; keyframe ``index`` is painted for it."""

    index: int
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def _from_bounds(bounds: list[float]) -> list[Segment]:
    return [Segment(i, a, b) for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:]))]


def _clean(bounds: list[float] | np.ndarray, start: float, end: float, typical: float) -> list[float]:
    """Boundaries strictly inside (start, end), with short leading/trailing pieces merged away."""
    inner = sorted(float(b) for b in bounds if start < b < end)
    while inner and inner[0] - start < MIN_LAST_SHARE * typical:
        inner.pop(0)
    while inner and end - inner[-1] < MIN_LAST_SHARE * typical:
        inner.pop()
    return [start, *inner, end]


def fixed_segments(start: float, end: float, seconds: float = CLIP_SECONDS) -> list[Segment]:
    """The song's 10-second clip grid (from 0 s) cut to ``[start, end]``.

    Examples
    --------
    >>> [(s.start, s.end) for s in fixed_segments(5.0, 31.0)]
    [(5.0, 10.0), (10.0, 20.0), (20.0, 31.0)]
    """
    grid = np.arange(0.0, end, seconds)
    return _from_bounds(_clean(grid, start, end, seconds))


def _beats_in(rhythm: Rhythm, start: float, end: float, needed: int, purpose: str, seconds: float) -> np.ndarray | None:
    """The beats in ``[start, end)``, or ``None`` (with a warning) when there are fewer than ``needed``."""
    beats = rhythm.beats[(rhythm.beats >= start) & (rhythm.beats < end)]
    if len(beats) < needed:
        warnings.warn(f"too few beats between {start:.1f} and {end:.1f} s {purpose}; using {seconds:g}-second segments",
                      AudioWarning, stacklevel=3)
        return None
    return beats


def bar_segments(rhythm: Rhythm, start: float, end: float, seconds: float = CLIP_SECONDS) -> list[Segment]:
    """Groups of bars starting on downbeats, each as near ``seconds`` long as a power-of-two bar count allows."""
    beats = _beats_in(rhythm, start, end, 2 * BEATS_PER_BAR, "for bar-aligned segments", seconds)
    if beats is None:
        return fixed_segments(start, end, seconds)
    reach = DOWNBEAT_REACH / rhythm.frame_rate
    strength = rhythm.strength_at(beats + reach, 2 * reach)
    phase = int(np.argmax([strength[p::BEATS_PER_BAR].mean() for p in range(BEATS_PER_BAR)]))
    bar = float(np.median(np.diff(beats))) * BEATS_PER_BAR
    bars = min((1, 2, 4, 8, 16), key=lambda n: abs(n * bar - seconds))
    downbeats = beats[phase :: BEATS_PER_BAR * bars]
    return _from_bounds(_clean(downbeats, start, end, bars * bar))


def _beat_sync(matrix: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """Mean of each feature row between consecutive beat frames (beats x features)."""
    edges = np.concatenate([frames, [matrix.shape[1]]])
    return np.stack([matrix[:, a:max(b, a + 1)].mean(axis=1) for a, b in zip(edges[:-1], edges[1:])])


def _cosine_ssm(features: np.ndarray) -> np.ndarray:
    centred = features - features.mean(axis=0)
    unit = centred / (np.linalg.norm(centred, axis=1, keepdims=True) + 1e-9)
    return unit @ unit.T


def novelty(rhythm: Rhythm, beat_frames: np.ndarray) -> np.ndarray:
    """Foote novelty per beat: how different the two bars before a beat are from the two bars after it."""
    from scipy.fft import dct  # here, not at import: `a2i --help` must not wait for scipy

    timbre = dct(rhythm.mel_db, axis=0, norm="ortho")[:20]  # MFCCs, the first (loudness) included: sections differ in level too
    chroma = rhythm.chroma / (rhythm.chroma.sum(axis=0, keepdims=True) + 1e-9)
    ssm = 0.5 * (_cosine_ssm(_beat_sync(timbre, beat_frames)) + _cosine_ssm(_beat_sync(chroma, beat_frames)))
    h = NOVELTY_HALF_WIDTH
    offsets = np.arange(-h, h) + 0.5
    taper = np.exp(-0.5 * (offsets / (0.5 * h)) ** 2)
    kernel = np.outer(taper, taper) * np.sign(offsets)[:, None] * np.sign(offsets)[None, :]
    padded = np.pad(ssm, h, mode="edge")
    n = len(ssm)
    return np.array([(padded[i : i + 2 * h, i : i + 2 * h] * kernel).sum() for i in range(n)])


def section_segments(rhythm: Rhythm, start: float, end: float, seconds: float = CLIP_SECONDS) -> list[Segment]:
    """Musical sections from novelty peaks, boundaries on beats; over-long sections split evenly at beats."""
    beats = _beats_in(rhythm, start, end, 4 * NOVELTY_HALF_WIDTH, "to find sections", seconds)
    if beats is None:
        return fixed_segments(start, end, seconds)
    curve = novelty(rhythm, np.round(beats * rhythm.frame_rate).astype(int))
    beat_period = float(np.median(np.diff(beats)))
    from scipy.signal import find_peaks  # here, not at import: `a2i --help` must not wait for scipy

    peaks, _ = find_peaks(curve, distance=max(1, int(MIN_SECTION_SECONDS / beat_period)),
                          prominence=0.5 * float(curve.std()))
    bounds = _clean(beats[peaks], start, end, MIN_SECTION_SECONDS / MIN_LAST_SHARE)
    split: list[float] = [bounds[0]]
    for a, b in zip(bounds[:-1], bounds[1:]):
        pieces = math.ceil((b - a) / (2 * seconds))
        inside = beats[(beats > a) & (beats < b)]
        for j in range(1, pieces):
            split.append(float(inside[np.argmin(np.abs(inside - (a + j * (b - a) / pieces)))]) if len(inside) else a + j * (b - a) / pieces)
        split.append(b)
    return _from_bounds(split)


def find_segments(mode: str, rhythm: Rhythm, start: float, end: float) -> list[Segment]:
    """Segments of ``[start, end]`` by ``mode`` (one of :data:`SEGMENT_MODES`)."""
    if mode == "fixed":
        return fixed_segments(start, end)
    if mode == "beats":
        return bar_segments(rhythm, start, end)
    if mode == "sections":
        return section_segments(rhythm, start, end)
    raise ConfigError(f"--segments: expected one of {', '.join(SEGMENT_MODES)}, got {mode!r}")


def segment_profile(analysis: Analysis, audio: Audio, segment: Segment) -> ClipProfile:
    """The mood of one segment: the analysed clips it overlaps, weighted by overlap, and its own features.

    Key, mode and tempo are the most-overlapped clip's: a few seconds of audio give too little evidence
    for a key of their own.
    """
    overlaps = np.array([max(0.0, min(c.end, segment.end) - max(c.start, segment.start)) for c in analysis.clips])
    if overlaps.sum() <= 0:  # a segment past the last analysed clip: its nearest clip
        overlaps = np.zeros(len(analysis.clips))
        overlaps[int(np.argmin([abs(c.start - segment.start) for c in analysis.clips]))] = 1.0
    main = analysis.clips[int(np.argmax(overlaps))]
    values = {f.name: getattr(main, f.name) for f in fields(ClipProfile) if f.name != "features"}
    for name in _AVERAGED:
        values[name] = float(np.average([getattr(c, name) for c in analysis.clips], weights=overlaps))
    for tag in ("title", "artist", "genre"):
        values[tag] = getattr(analysis.song, tag)
    values.update(index=segment.index, start=segment.start, end=segment.end)
    a, b = int(segment.start * audio.sr), int(segment.end * audio.sr)
    features = describe(Audio(audio.samples[a:b], audio.sr)) if b - a >= audio.sr else main.features
    return ClipProfile(**values, features=features)
