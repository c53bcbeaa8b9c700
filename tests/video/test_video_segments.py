"""Beats, bars and sections: keyframes land where the music changes."""

from __future__ import annotations

import numpy as np
import pytest

from a2i.audio import load
from a2i.errors import ConfigError
from a2i.mood import ANALYSIS_SR
from a2i.video.onsets import Rhythm, analyze_rhythm
from a2i.video.segments import bar_segments, find_segments, fixed_segments, segment_profile


def test_fixed_segments_follow_the_song_clip_grid():
    assert [(s.start, s.end) for s in fixed_segments(0.0, 30.0)] == [(0.0, 10.0), (10.0, 20.0), (20.0, 30.0)]
    # A start inside a clip keeps the song's grid; a tiny tail joins the segment before it.
    assert [(s.start, s.end) for s in fixed_segments(4.0, 21.5)] == [(4.0, 10.0), (10.0, 21.5)]
    assert [s.index for s in fixed_segments(0.0, 5.0)] == [0]


def test_beats_are_found_on_a_drum_track(beat_song):
    path, beats = beat_song
    rhythm = analyze_rhythm(load(path, sr=ANALYSIS_SR))
    assert rhythm.tempo == pytest.approx(120.0, abs=3.0)
    found = rhythm.beats
    # Every real beat after the first second has a tracked beat within one analysis frame (23 ms) or two.
    near = [np.min(np.abs(found - b)) for b in beats if b > 1.0]
    assert max(near) < 0.05, near
    # Percussive onset strength is far higher on the beats than between them.
    on = rhythm.strength_at(np.asarray(beats) + 0.03, 0.06)
    off = rhythm.strength_at(np.asarray(beats) + 0.28, 0.06)
    assert on.mean() > 5 * off.mean()


def test_bar_segments_start_on_beats_and_span_whole_bars(beat_song):
    path, beats = beat_song
    rhythm = analyze_rhythm(load(path, sr=ANALYSIS_SR))
    # Four 2-second bars: 10-second segments are the whole piece, 4-second ones two bars each.
    assert len(find_segments("beats", rhythm, 0.0, 8.0)) == 1
    segments = bar_segments(rhythm, 0.0, 8.0, seconds=4.0)
    inner = [s.start for s in segments[1:]]
    assert len(segments) >= 2
    for t in inner:
        assert np.min(np.abs(rhythm.beats - t)) < 1e-9  # on a tracked beat
    assert np.allclose(np.diff(inner), 4.0, atol=0.05)


def test_the_downbeat_is_read_near_each_beat_not_on_its_one_frame():
    # Beats every 20 frames (120 BPM at 40 frames a second); the bar's first beat (the second beat tracked) is
    # the strongest hit, heard a frame after its beat as the analysis's beats sit before the percussive onsets.
    rate, n_beats = 40.0, 48
    onset = np.zeros(n_beats * 20 + 20)
    beats = np.arange(n_beats) * 20
    onset[beats] = 4.0
    onset[beats[1::4]] = 0.0
    onset[beats[1::4] + 1] = 10.0
    rhythm = Rhythm(onset, rate, 120.0, beats / rate, np.zeros((4, len(onset))), np.zeros((12, len(onset))))
    segments = bar_segments(rhythm, 0.0, len(onset) / rate, seconds=4.0)
    assert [s.start for s in segments[1:]] == pytest.approx(list(beats[1::8][1:] / rate)[: len(segments) - 1])


def test_sections_find_the_change_between_two_pieces(two_part_song):
    rhythm = analyze_rhythm(load(two_part_song, sr=ANALYSIS_SR))
    segments = find_segments("sections", rhythm, 0.0, 24.0)
    boundaries = [s.start for s in segments[1:]]
    assert boundaries and min(abs(b - 12.0) for b in boundaries) < 1.5, boundaries
    assert segments[0].start == 0.0 and segments[-1].end == 24.0
    assert all(a.end == b.start for a, b in zip(segments, segments[1:]))


def test_unknown_mode_names_the_option(beat_song):
    rhythm = analyze_rhythm(load(beat_song[0], sr=ANALYSIS_SR))
    with pytest.raises(ConfigError, match="--segments"):
        find_segments("bars", rhythm, 0.0, 8.0)


def test_segment_profile_follows_its_own_part_of_the_song(two_part_song, analyzer):
    analysis = analyzer.analyze(two_part_song)
    audio = load(two_part_song, sr=ANALYSIS_SR)
    first, second = fixed_segments(0.0, 24.0)[0], fixed_segments(0.0, 24.0)[-1]
    dark, bright = segment_profile(analysis, audio, first), segment_profile(analysis, audio, second)
    # Energy separates the two parts clearly; valence, calibrated on real music since issue 12, reads both
    # synthesized parts as positive (0.81 and 0.78 per clip, each pooled with the song), so it is not compared.
    assert dark.energy < bright.energy - 0.15
    assert dark.features.onset_rate < bright.features.onset_rate
    # A segment on the clip grid has its clip's own figures.
    assert dark.valence == pytest.approx(analysis.clips[0].valence) and dark.index == 0


def test_the_rhythm_s_filters_and_separation_are_librosa_s_to_the_bit(beat_song):
    # The copies in a2i.video.onsets spare every video librosa's import (about a second); they must give its
    # numbers exactly, or videos would move differently from the ones made with librosa.
    import librosa

    from a2i.features import spectrogram
    from a2i.melscale import mel_filters
    from a2i.video.onsets import N_MELS, chroma_bank, percussive

    for sr, n_fft in ((22050, 2048), (44100, 2048), (16000, 1024), (8000, 4096)):
        fmax = min(11025.0, sr / 2)
        ours = mel_filters(sr=sr, n_fft=n_fft, n_mels=N_MELS, fmax=fmax)
        theirs = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=N_MELS, fmax=fmax)
        assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs), (sr, n_fft)
        assert np.array_equal(chroma_bank(sr, n_fft), librosa.filters.chroma(sr=sr, n_fft=n_fft)), (sr, n_fft)
    power = (np.random.default_rng(0).random((64, 300)) ** 4).astype(np.float32)
    power[:, 100:130] = 0.0  # silence in both filters: the mask splits it evenly
    power[5:9] = 0.0
    bank = mel_filters(sr=ANALYSIS_SR, n_fft=2048, n_mels=N_MELS, fmax=11025.0)
    drums = bank @ np.square(spectrogram(load(beat_song[0], sr=ANALYSIS_SR)).magnitude)
    for spectrum in (power, drums):
        _, theirs = librosa.decompose.hpss(spectrum, kernel_size=(31, 17))
        ours = percussive(spectrum, (31, 17))
        assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)
        assert not np.array_equal(ours, spectrum)  # it separates something
