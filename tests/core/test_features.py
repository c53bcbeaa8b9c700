import numpy as np
import pytest
from audio_fixtures import SR, tone

from a2i.audio import Audio
from a2i.features import LOUDNESS_FLOOR, combine, describe, estimate_key, loudness_lufs, percentile, summarize
from a2i.tempo import STEADY_BEAT_CONFIDENCE


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
    assert estimate_key(np.zeros((12, 4))) == (0, 1, 0.0, 0.0)


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


def test_drone_and_silence_have_no_steady_beat():
    drone = describe(Audio(tone(12.0, freq=110.0) + tone(12.0, freq=165.0), SR))
    silence = describe(Audio(np.zeros(SR * 5, dtype=np.float32), SR))
    for f in (drone, silence):
        assert f.tempo == 0.0 and f.tempo_confidence < STEADY_BEAT_CONFIDENCE
    assert describe(click_track(120.0)).tempo_confidence > 0.5


def test_song_features_combine_from_clip_summaries():
    track = click_track(100.0, seconds=30.0)
    parts = [summarize(Audio(track.samples[i * 10 * SR : (i + 1) * 10 * SR], SR)) for i in range(3)]
    song = combine(parts)
    assert song.tempo == pytest.approx(100.0, rel=0.02)
    assert song.loudness == pytest.approx(describe(track).loudness, abs=0.3)
    assert song.onset_rate == pytest.approx(np.mean([p.features.onset_rate for p in parts]))


def test_clip_loudness_is_gated_like_bs1770():
    loud, quiet = summarize(Audio(tone(10.0, amp=0.3), SR)), summarize(Audio(tone(10.0, amp=0.003), SR))
    # 40 dB quieter is under the relative gate: the song reads as loud as its loud clip.
    assert combine([loud, quiet]).loudness == pytest.approx(loud.features.loudness, abs=0.01)


def test_harmony_features_tell_consonant_from_dissonant():
    triads = chord_sequence([[60, 64, 67], [65, 69, 72], [67, 71, 74], [60, 64, 67]])
    clusters = chord_sequence([[60, 61, 66], [62, 63, 68], [64, 65, 70], [60, 61, 66]])
    f_t, f_c = describe(triads), describe(clusters)
    assert f_t.consonance > f_c.consonance
    assert f_t.key_clarity > f_c.key_clarity
    assert describe(Audio(tone(3.0, freq=880.0), SR)).register > describe(Audio(tone(3.0, freq=220.0), SR)).register + 1.5


def relative_key_song(bass_notes: list[int], seconds_each: float = 2.0) -> Audio:
    """G minor and Bb major share their notes: the same chords (Gm, Eb, Bb, F/Cm), only the bass differs."""
    t = np.arange(int(seconds_each * SR)) / SR
    chords = [[67, 70, 74], [63, 67, 70], [70, 74, 77], [65, 69, 72]]
    parts = []
    for chord, bass in zip(chords * 2, bass_notes * 2):
        upper = sum(np.sin(2 * np.pi * 440 * 2 ** ((n - 69) / 12) * t) for n in chord) / len(chord)
        low = np.sin(2 * np.pi * 440 * 2 ** ((bass - 69) / 12) * t) * np.exp(-t * 0.5)
        parts.append(0.6 * upper + 0.5 * low)
    return Audio((0.3 * np.concatenate(parts)).astype(np.float32), SR)


def test_the_bass_decides_between_relative_keys():
    minor = describe(relative_key_song([43, 43, 38, 43]))  # G in the bass most of the time, D (its V) once
    major = describe(relative_key_song([46, 39, 46, 41]))  # Bb, Eb, Bb, F: the bass of I IV I V in Bb
    assert (minor.key, minor.mode) == (7, 0)
    assert (major.key, major.mode) == (10, 1)
    assert minor.key_confidence > 0.2 and major.key_confidence > 0.2


@pytest.mark.parametrize("bass", [[43, 43, 38, 43], [46, 39, 46, 41]])
def test_key_is_the_same_in_every_codec(tmp_path, bass):
    from audio_fixtures import encode

    from a2i.audio import load, write

    wav = write(tmp_path / "song.wav", relative_key_song(bass))
    flac = write(tmp_path / "song.flac", relative_key_song(bass))
    found = {path.suffix: describe(load(path)) for path in (wav, flac, encode(wav, tmp_path / "song.mp3"),
                                                            encode(wav, tmp_path / "song.m4a"))}
    assert len({(f.key, f.mode) for f in found.values()}) == 1, {k: (f.key, f.mode) for k, f in found.items()}
    assert max(f.key_confidence for f in found.values()) - min(f.key_confidence for f in found.values()) < 0.2


def tonic_chord_song(chords: list[list[int]], seconds_each: float = 1.5) -> Audio:
    """Triads above 300 Hz and no bass line: only the chords the music dwells on tell a key from its relative."""
    t = np.arange(int(seconds_each * SR)) / SR
    parts = [sum(np.sin(2 * np.pi * 440 * 2 ** ((n - 69) / 12) * t) for n in chord) / len(chord) * np.exp(-t * 0.3)
             for chord in chords]
    return Audio((0.3 * np.concatenate(parts)).astype(np.float32), SR)


BB, GM, EB, F = [70, 74, 77], [67, 70, 74], [63, 67, 70], [65, 69, 72]


@pytest.mark.parametrize("chords, key", [([BB, GM, EB, F, BB, BB, EB, BB], (10, 1)), ([GM, BB, EB, F, GM, GM, EB, GM], (7, 0))],
                         ids=["Bb major", "G minor"])
def test_the_tonic_chord_decides_between_relative_keys_in_every_codec(tmp_path, chords, key):
    from audio_fixtures import encode

    from a2i.audio import load, write

    wav = write(tmp_path / "song.wav", tonic_chord_song(chords))
    paths = [wav, write(tmp_path / "song.flac", tonic_chord_song(chords)), encode(wav, tmp_path / "song.mp3"),
             encode(wav, tmp_path / "song.m4a")]
    found = {path.suffix: describe(load(path)) for path in paths}
    assert {(f.key, f.mode) for f in found.values()} == {key}, {k: (f.key, f.mode) for k, f in found.items()}
    assert min(f.key_confidence for f in found.values()) > 0.6, {k: f.key_confidence for k, f in found.items()}


def test_numpy_loudness_mel_and_peaks_equal_the_libraries_they_replace():
    import librosa
    import pyloudnorm
    from scipy.signal import find_peaks as scipy_peaks

    from a2i.features import find_peaks
    from a2i.loudness import integrated_loudness
    from a2i.melscale import mel_filters

    rng = np.random.default_rng(0)
    for rate in (16000, 22050, 44100):
        y = rng.standard_normal(rate * 3) * np.linspace(0.01, 0.3, rate * 3)
        assert integrated_loudness(y, rate) == pytest.approx(pyloudnorm.Meter(rate).integrated_loudness(y), abs=1e-6)
        ours, theirs = mel_filters(sr=rate, n_fft=2048, n_mels=64), librosa.filters.mel(sr=rate, n_fft=2048, n_mels=64)
        assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)
    for x in (rng.random(500), np.round(rng.random(500) * 4) / 4):  # plateaus and ties too
        h = float(x.mean() + 0.5 * x.std())
        assert np.array_equal(find_peaks(x, height=h, distance=3), scipy_peaks(x, height=h, distance=3)[0])


def test_vibenet_front_end_copy_equals_vibenet():
    from vibenet.core import extract_mel as theirs

    from a2i.vibenet_model import extract_mel

    y = (np.random.default_rng(1).standard_normal(16000 * 3) * 0.1).astype(np.float32)
    assert np.allclose(extract_mel(y), theirs(y, 16000), atol=1e-3)


def test_percentile_is_numpy_s_to_the_bit():
    # The analysis's figures must not move: every length, precision, tie, constant array, NaN and quantile the
    # linear method treats differently gives np.percentile's number and type.
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        for n in (1, 2, 3, 4, 7, 20, 431, 1000):
            for case in range(4):
                x = (rng.standard_normal(n) * 30.0 - 20.0).astype(dtype)
                if case == 1:
                    x = np.round(x)  # ties
                if case == 2:
                    x[:] = x[0]
                if case == 3 and n > 2:
                    x[1] = np.nan
                for q in (0, 10, 12.5, 50, 75, 95, 99.9, 100):
                    want, got = np.percentile(x, q), percentile(x, q)
                    assert type(got) is type(want) and (got == want or (np.isnan(got) and np.isnan(want))), (dtype, n, case, q)
