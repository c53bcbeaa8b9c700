"""Progress between keyframes follows the onsets; --smooth and --reactivity trade that for calm."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from a2i.errors import ConfigError
from a2i.video.pacing import pace
from a2i.video.segments import Segment
from a2i.video.timing import FrameGrid

GRID = FrameGrid(Fraction(10), 0.0, 4.0)
SEGMENTS = [Segment(0, 0.0, 2.0), Segment(1, 2.0, 4.0)]


def _hits() -> np.ndarray:
    onset = np.full(40, 0.05)
    onset[[5, 15, 25, 35]] = 1.0
    return onset


def test_progress_jumps_on_hits_and_reaches_the_next_keyframe():
    plan = pace(GRID, SEGMENTS, _hits(), smooth=0.0, reactivity=1.0)
    assert plan.segment.tolist() == [0] * 20 + [1] * 20
    steps = np.diff(plan.progress[:20])
    assert np.argmax(steps) == 4  # the step into frame 5, where the hit is
    assert steps[4] > 10 * np.median(steps)
    # Progress rises monotonically and would reach 1 exactly where the next segment starts.
    assert np.all(steps > 0) and plan.progress[0] == 0.0 and plan.progress[20] == 0.0
    assert plan.progress[19] == pytest.approx(1.0 - (0.15 / 20 + 0.85 * 0.05 / (0.05 * 18 + 2.0)))
    np.testing.assert_allclose(plan.pulse[[5, 15, 25, 35]], 1.0)
    assert plan.pulse[9] < 0.05  # decayed before the next hit


def test_smooth_and_reactivity_calm_the_motion():
    sharp = pace(GRID, SEGMENTS, _hits(), smooth=0.0, reactivity=1.0)
    calm = pace(GRID, SEGMENTS, _hits(), smooth=1.0, reactivity=1.0)
    still = pace(GRID, SEGMENTS, _hits(), smooth=0.0, reactivity=0.0)
    assert np.diff(calm.progress[:20]).std() < 0.2 * np.diff(sharp.progress[:20]).std()
    np.testing.assert_allclose(np.diff(still.progress[:20]), 1 / 20)  # even motion, no beat at all
    assert calm.pulse.max() == 0.0 and still.pulse.max() == 0.0
    assert pace(GRID, SEGMENTS, _hits(), pulse=False).pulse.max() == 0.0
    half = pace(GRID, SEGMENTS, _hits(), smooth=0.0, reactivity=0.5)
    assert half.pulse.max() == pytest.approx(0.5)


def test_silence_still_moves_evenly():
    plan = pace(GRID, SEGMENTS, np.zeros(40), smooth=0.0)
    np.testing.assert_allclose(np.diff(plan.progress[:20]), 1 / 20)


@pytest.mark.parametrize("smooth,reactivity,option", [(-0.1, 1.0, "--smooth"), (1.5, 1.0, "--smooth"), (0.3, 2.5, "--reactivity")])
def test_knobs_out_of_range_name_the_option(smooth, reactivity, option):
    with pytest.raises(ConfigError, match=option):
        pace(GRID, SEGMENTS, _hits(), smooth=smooth, reactivity=reactivity)


def test_a_stronger_onset_pulses_more_and_its_zoom_lets_go_slowly():
    # Beats at 0.4 every half second and two accents at 1.0 (a phrase's re-entry): a pulse that saturated on every
    # beat (full from the 95th percentile up) gave the beats and the accents the same flash.
    onset = np.full(40, 0.02)
    onset[[0, 5, 10, 15, 25, 30, 35]] = 0.4
    onset[[20, 38]] = 1.0
    plan = pace(GRID, SEGMENTS, onset, smooth=0.0, reactivity=1.0)
    assert plan.pulse[20] == pytest.approx(1.0) and plan.zoom[20] == pytest.approx(1.0)
    beats = plan.pulse[[5, 10, 15, 25, 30]]
    np.testing.assert_allclose(beats, (0.4 - 0.25) / 0.75, atol=0.01)  # in proportion to what they have above the threshold
    assert not (np.diff(plan.pulse) > 0)[onset[1:] < 0.1].any()  # the noise floor does not flicker: no flash rises there
    # The light fades within a beat; the zoom eases back over a second, so the frame after a hit changes little.
    assert plan.pulse[22] < 0.3 and plan.zoom[22] > 0.75
    assert np.all(np.diff(plan.zoom[20:25]) < 0) and np.abs(np.diff(plan.zoom[20:25])).max() < 0.1
