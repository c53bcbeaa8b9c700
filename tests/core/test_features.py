import numpy as np
import pytest
from audio_fixtures import SR, tone

from a2i.audio import Audio
from a2i.features import LOUDNESS_FLOOR, describe, estimate_key, loudness_lufs


def click_track(bpm: float, seconds: float = 12.0) -> Audio:
    t = np.arange(int(seconds * SR)) / SR
    period = 60.0 / bpm
    y = np.sin(2 * np.pi * 1000 * t) * (np.mod(t, period) < 0.03)
    return Audio(y.astype(np.float32) * 0.5, SR)


@pytest.mark.parametrize("bpm", [80.0, 100.0, 128.0, 150.0])
def test_tempo_of_click_tracks(bpm):
    assert describe(click_track(bpm)).tempo == pytest.approx(bpm, rel=0.03)


def test_onset_rate_counts_clicks():
    assert describe(click_track(120.0)).onset_rate == pytest.approx(2.0, abs=0.3)


def chord_sequence(notes_per_chord: list[list[int]], seconds_each: float = 2.0) -> Audio:
    t = np.arange(int(seconds_each * SR)) / SR
    parts = []
    for chord in notes_per_chord:
        parts.append(sum(np.sin(2 * np.pi * 440 * 2 ** ((n - 69) / 12) * t) for n in chord) / len(chord))
    return Audio((0.3 * np.concatenate(parts)).astype(np.float32), SR)


def test_key_and_mode_of_cadences():
    c_major = chord_sequence([[60, 64, 67], [65, 69, 72], [67, 71, 74], [60, 64, 67]])  # I IV V I in C
    a_minor = chord_sequence([[57, 60, 64], [62, 65, 69], [64, 68, 71], [57, 60, 64]])  # i iv V i in A minor
    f_c, f_a = describe(c_major), describe(a_minor)
    assert (f_c.key, f_c.mode) == (0, 1)
    assert (f_a.key, f_a.mode) == (9, 0)
    assert f_c.mode_strength > 0 > f_a.mode_strength


def test_estimate_key_of_flat_chroma_is_defined():
    assert estimate_key(np.zeros((12, 4))) == (0, 1, 0.0)


def test_loudness_follows_bs1770_and_level():
    # BS.1770: a full-scale 1 kHz sine reads about -3.0 LUFS; -20 dB of gain reads 20 LU lower.
    loud = loudness_lufs(Audio(tone(5.0, freq=1000.0, amp=1.0), SR))
    quiet = loudness_lufs(Audio(tone(5.0, freq=1000.0, amp=0.1), SR))
    assert loud == pytest.approx(-3.0, abs=0.5)
    assert loud - quiet == pytest.approx(20.0, abs=0.2)
    assert loudness_lufs(Audio(np.zeros(SR * 2, dtype=np.float32), SR)) == LOUDNESS_FLOOR


def test_brightness_and_noisiness():
    low, high = describe(Audio(tone(3.0, freq=300.0), SR)), describe(Audio(tone(3.0, freq=3000.0), SR))
    assert low.centroid == pytest.approx(300.0, rel=0.15) and high.centroid == pytest.approx(3000.0, rel=0.1)
    noise = describe(Audio((np.random.default_rng(0).standard_normal(SR * 3) * 0.1).astype(np.float32), SR))
    assert noise.flatness > 0.3 > high.flatness
