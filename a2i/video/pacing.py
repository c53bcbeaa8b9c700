"""How far each frame is between its keyframes, and how hard it pulses: motion that lands on the beat.

Between keyframe ``i`` (at the start of segment ``i``) and keyframe ``i + 1`` (at the start of the next),
progress advances by a share of the percussive onset strength heard since the previous frame, after
nateraw/stable-diffusion-videos: on a drum hit the picture moves, between hits it drifts. Each segment's
steps are normalised so progress reaches exactly 1 when the next segment starts, so keyframes land on
their segment boundaries whatever the rhythm.

Knobs
-----
smooth (0..1)
    Trades beat-locking for calm: each hit's push lingers and fades (a peak-hold that decays with a time
    constant of up to :data:`SMOOTH_SECONDS`, so motion still starts on the beat but eases out instead of
    stopping), and more of each step is even, so motion flows rather than jumps.
reactivity (0..2)
    Scales all of it: the beat-driven share of each step and the pulse. 0 gives even motion and no pulse.
pulse
    On onsets above :data:`PULSE_THRESHOLD` of the song's strongest (:data:`STRONG_ONSET_PERCENTILE`) a flash
    of 0..1 that grows with the onset's strength (full at the strongest: a phrase's re-entry, a section's
    downbeat) and decays in :data:`PULSE_DECAY_SECONDS`, for the renderer's brightening; and its zoom, which
    rises with the flash but eases back over :data:`ZOOM_RELEASE_SECONDS`.

A viewer expects a stronger hit to move the picture more, so no stage saturates on an ordinary beat: the flash
is in proportion to the onset (a flash that reached its full strength at every beat moved the picture as much on
a quiet note as on the whole band coming back in), and the zoom lets go slowly because a zoom's change on screen
is a displacement, which grows less than in proportion to it: released as fast as the flash, the frames after a
hit changed nearly as much as the hit's own (a painting at 640 x 360: zoom steps of 0.1 change the picture by 1.7
each, a jump of 0.8 by 7.2).

Examples
--------
>>> import numpy as np
>>> from fractions import Fraction
>>> from a2i.video.timing import FrameGrid
>>> from a2i.video.segments import Segment
>>> grid = FrameGrid(Fraction(4), 0.0, 4.0)
>>> onset = np.zeros(16); onset[[2, 10]] = 1.0  # two hits, at frames 2 and 10
>>> plan = pace(grid, [Segment(0, 0.0, 2.0), Segment(1, 2.0, 4.0)], onset, reactivity=1.0, smooth=0.0)
>>> plan.segment.tolist()
[0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]
>>> np.round(np.diff(plan.progress[:8]), 2).tolist()  # the step on the hit is the big one
[0.02, 0.87, 0.02, 0.02, 0.02, 0.02, 0.02]
>>> onset[10] = 0.5  # the second hit half as strong: a third of the flash (what it has above the threshold)
>>> plan = pace(grid, [Segment(0, 0.0, 2.0), Segment(1, 2.0, 4.0)], onset, reactivity=1.0, smooth=0.0)
>>> round(float(plan.pulse[2]), 2), round(float(plan.pulse[10]), 2)
(1.0, 0.34)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from a2i.errors import ConfigError
from a2i.video.options import DEFAULT_SMOOTH
from a2i.video.segments import Segment
from a2i.video.timing import FrameGrid

#: Largest share of motion that follows the onsets (at reactivity >= 1, smooth 0); the rest is even, so
#: the picture never stops dead in a silent stretch.
MAX_BEAT_SHARE = 0.85

#: Time constant (seconds) of a hit's fading push at ``smooth = 1``: about a beat at 120 BPM.
SMOOTH_SECONDS = 0.5

#: Onsets above this share of the strong-onset level trigger a pulse, growing from nothing there to a full one at
#: the level: weaker ones are note attacks and noise, which would make the picture flicker. (About where the
#: threshold stood when the pulse was full from the 95th percentile up: half of that.)
PULSE_THRESHOLD = 0.25

#: Time for a pulse to fall to 1/e: short enough that sixteenth notes at 120 BPM (0.125 s) stay distinct.
PULSE_DECAY_SECONDS = 0.12

#: Percentile of the frames' onset strength taken as "a strong onset", the pulse's full strength: the loudest
#: one frame in a hundred (at 24 fps one in four seconds), the song's accents, so that ordinary beats pulse less
#: than they do.
STRONG_ONSET_PERCENTILE = 99

#: Time for the pulse's zoom to ease back to 1/e: a camera's punch-in on the hit, let go over two beats at 120 BPM,
#: so the picture moves on the hit and not on the frames after it (module docstring).
ZOOM_RELEASE_SECONDS = 1.0


@dataclass(frozen=True)
class MotionPlan:
    """Per frame: the segment it belongs to, the progress toward the next keyframe, the pulse (its brightening)
    and the pulse's zoom, each 0..1."""

    segment: np.ndarray
    progress: np.ndarray
    pulse: np.ndarray
    zoom: np.ndarray


def _hold(values: np.ndarray, decay: float) -> np.ndarray:
    """Peak-hold with exponential release: each value lingers, fading by ``decay`` per frame (causal)."""
    out = np.empty_like(values)
    level = 0.0
    for k, value in enumerate(values):
        level = max(float(value), level * decay)
        out[k] = level
    return out


def check_knobs(smooth: float, reactivity: float) -> None:
    """Raise a :class:`ConfigError` naming the option when ``smooth`` or ``reactivity`` is out of range."""
    if not 0.0 <= smooth <= 1.0:
        raise ConfigError(f"--smooth: expected a value from 0 (beat-locked) to 1 (calm), got {smooth}")
    if not 0.0 <= reactivity <= 2.0:
        raise ConfigError(f"--reactivity: expected a value from 0 (no reaction) to 2 (double), got {reactivity}")


def pace(grid: FrameGrid, segments: Sequence[Segment], onset: np.ndarray, *, smooth: float = DEFAULT_SMOOTH,
         reactivity: float = 1.0, pulse: bool = True) -> MotionPlan:
    """Plan every frame's motion from the onset strength heard since the frame before it.

    Parameters
    ----------
    grid : FrameGrid
    segments : sequence of Segment
        Consecutive, covering the grid's span.
    onset : ndarray
        Onset strength per frame (``grid.n_frames`` values; see :meth:`a2i.video.onsets.Rhythm.strength_at`).
    smooth, reactivity, pulse
        See the module docstring.
    """
    check_knobs(smooth, reactivity)
    n = grid.n_frames
    onset = np.maximum(np.asarray(onset, dtype=np.float64), 0.0)
    if onset.shape != (n,):
        raise ValueError(f"onset has {onset.shape} values, expected one per frame ({n})")
    push = _hold(onset, float(np.exp(-1.0 / (smooth * SMOOTH_SECONDS * float(grid.fps))))) if smooth > 0 else onset
    share = MAX_BEAT_SHARE * min(reactivity, 1.0) * (1.0 - smooth)

    starts = [grid.frame_at(s.start) for s in segments] + [n]
    starts[0] = 0
    segment = np.zeros(n, dtype=int)
    progress = np.zeros(n)
    for i in range(len(segments)):
        a, b = starts[i], starts[i + 1]
        if b <= a:
            continue
        segment[a:b] = i
        # Steps into frames a+1 .. b (frame b is the next keyframe; past the end, the last frame repeats).
        hits = push[np.minimum(np.arange(a + 1, b + 1), n - 1)]
        total = hits.sum()
        beat = hits / total if total > 0 else np.full(b - a, 1.0 / (b - a))  # silence: even motion
        steps = (1.0 - share) / (b - a) + share * beat
        progress[a:b] = np.concatenate([[0.0], np.cumsum(steps)[:-1]])

    flash, zoom = np.zeros(n), np.zeros(n)
    strength = min(reactivity * (1.0 - smooth), 1.0) if pulse else 0.0
    positive = onset[onset > 0]
    if strength > 0 and positive.size:
        level = float(np.percentile(positive, STRONG_ONSET_PERCENTILE))
        trigger = np.clip((onset / level - PULSE_THRESHOLD) / (1.0 - PULSE_THRESHOLD), 0.0, 1.0)
        flash = strength * _hold(trigger, float(np.exp(-1.0 / (PULSE_DECAY_SECONDS * float(grid.fps)))))
        zoom = strength * _hold(trigger, float(np.exp(-1.0 / (ZOOM_RELEASE_SECONDS * float(grid.fps)))))
    return MotionPlan(segment, np.clip(progress, 0.0, 1.0), np.clip(flash, 0.0, 1.0), np.clip(zoom, 0.0, 1.0))
