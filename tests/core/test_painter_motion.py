import numpy as np
import pytest

from a2i.errors import ConfigError
from a2i.mood import Profile
from a2i.render.painter import STYLES
from a2i.render.painter.motion import Scene, render_frame

SIZE = (192, 108)
CALM = Profile(valence=0.25, energy=0.2, tempo=70)
WILD = Profile(valence=0.85, energy=0.9, tempo=150)


def scenes(style_a="flow", style_b="flow"):
    a = Scene.prepare(CALM, style=style_a, seed=0, size=SIZE)
    b = Scene.prepare(WILD, style=style_b, seed=1, size=SIZE)
    return a, b


def diff(x, y):
    return float(np.abs(x.astype(np.int16) - y.astype(np.int16)).mean())


def test_frames_are_deterministic_and_sized():
    a, b = scenes()
    first = render_frame(a, b, 0.4, time=2.0, pulse=0.3)
    again = render_frame(*scenes(), 0.4, time=2.0, pulse=0.3)
    assert first.shape == (108, 192, 3) and first.dtype == np.uint8
    assert np.array_equal(first, again)


@pytest.mark.parametrize("style", sorted(STYLES))
def test_progress_moves_smoothly_from_a_to_b(style):
    a, b = scenes(style, style)
    frames = [render_frame(a, b, p, time=p * 2.0) for p in np.linspace(0, 1, 25)]
    steps = [diff(x, y) for x, y in zip(frames, frames[1:])]
    assert diff(frames[0], frames[-1]) > 25.0  # the keyframes really differ (calm dark vs bright)
    assert max(steps) < 0.3 * diff(frames[0], frames[-1])  # no cut: every step is a small part of the way
    # Not a crossfade: halfway, parts of the frame are much nearer a and others much nearer b.
    start, mid, end = (render_frame(a, b, p, time=0.0).astype(np.float32) for p in (0.0, 0.5, 1.0))
    lean = (np.abs(mid - start) - np.abs(mid - end)).mean(axis=2)  # < 0: nearer a, > 0: nearer b
    spread = np.abs(start - end).mean(axis=2)
    assert (lean < -0.4 * spread).mean() > 0.1 and (lean > 0.4 * spread).mean() > 0.1


def test_time_flows_and_pulse_brightens():
    a, b = scenes()
    still = render_frame(a, a, 0.0, time=0.0)
    later = render_frame(a, a, 0.0, time=1.0)
    assert 0.3 < diff(still, later) < 20.0  # the picture flows, but stays the same picture
    assert render_frame(a, a, 0.0, time=0.0, pulse=1.0).mean() > still.mean() + 5.0
    near = render_frame(a, a, 0.0, time=1.0 / 24.0)
    assert diff(still, near) < 3.0  # one frame of time is a small change


def test_holding_a_keyframe_joins_segments():
    a, b = scenes()
    # The last frame of a -> b is the first of b -> b (the next segment starts where this one ends).
    assert np.array_equal(render_frame(a, b, 1.0, time=3.0), render_frame(b, b, 0.0, time=3.0))


def test_scenes_of_other_sizes_are_refused():
    a = Scene.prepare(CALM, seed=0, size=(64, 64))
    b = Scene.prepare(CALM, seed=0, size=(96, 64))
    with pytest.raises(ConfigError, match="one size"):
        render_frame(a, b, 0.5, time=0.0)


@pytest.mark.parametrize("style", sorted(STYLES))
def test_a_transition_is_never_a_double_exposure(style):
    """Halfway, nearly every pixel that differs between the keyframes shows one of them (within 12 % of the way),
    not a mix of both: only the narrow front between what has changed and what has not is mixed."""
    a = Scene.prepare(CALM, prompt="A lighthouse and two boats at night", style=style, seed=0, size=SIZE)
    b = Scene.prepare(WILD, prompt="A city skyline across a river by day", style=style, seed=1, size=SIZE)
    start, mid, end = (render_frame(a, b, p, time=0.0).astype(np.float32) for p in (0.0, 0.5, 1.0))
    gap = np.abs(start - end).mean(axis=2)
    near_a = np.abs(mid - start).mean(axis=2) <= 0.12 * gap
    near_b = np.abs(mid - end).mean(axis=2) <= 0.12 * gap
    differs = gap > 20
    mixed = (differs & ~near_a & ~near_b).sum() / differs.sum()
    assert mixed < 0.2 and (differs & near_a).sum() > 0.1 * differs.sum() and (differs & near_b).sum() > 0.1 * differs.sum()
