import subprocess

import mutagen.flac
import mutagen.id3
import mutagen.mp4
import numpy as np
import pytest
import soundfile as sf
from audio_fixtures import SR, encode, ffmpeg, tone

from a2i import audio, decoding
from a2i.errors import A2IError, AudioError, ConfigError, MissingFileError


@pytest.mark.parametrize("ext", [".wav", ".flac", ".ogg", ".mp3", ".m4a"])
def test_every_format_loads_mono_at_requested_rate(song_files, ext):
    a = audio.load(song_files[ext], sr=16000)
    assert a.sr == 16000
    assert a.samples.ndim == 1 and a.samples.dtype == np.float32
    # Lossy codecs add encoder delay/padding; the length is still within 0.1 s.
    assert abs(a.duration - 25.0) < 0.1
    # The content survives decoding: the first half is 440 Hz, the second 660 Hz.
    first = np.abs(np.fft.rfft(a.samples[16000:32000]))
    second = np.abs(np.fft.rfft(a.samples[-32000:-16000]))
    assert abs(np.argmax(first) - 440) <= 2 and abs(np.argmax(second) - 660) <= 2


def test_native_rate_kept_when_sr_none(song_files):
    assert audio.load(song_files[".flac"], sr=None).sr == SR


def test_stereo_is_mixed_to_mono(tmp_path):
    left, right = tone(1.0, amp=0.4), np.zeros(SR, dtype=np.float32)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, right], axis=1), SR)
    a = audio.load(path, sr=None)
    assert a.samples.shape == (SR,)
    assert np.max(np.abs(a.samples)) == pytest.approx(0.2, abs=1e-3)  # the channels were averaged


@pytest.mark.parametrize(
    "make, message, error",
    [
        (lambda p: p, "file not found", MissingFileError),
        (lambda p: (p.write_bytes(b""), p)[1], "file is empty", AudioError),
        (lambda p: (p.write_text("this is not audio at all " * 40), p)[1], "not a readable audio file", AudioError),
        (lambda p: (p.mkdir(), p)[1], "is a folder", AudioError),
    ],
    ids=["missing", "zero-length", "not-audio", "folder"],
)
def test_bad_files_raise_audio_error_naming_the_file(tmp_path, make, message, error):
    path = make(tmp_path / "bad.mp3")
    with pytest.raises(error, match=message) as info:
        audio.load(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, A2IError)


def test_truncated_file_is_an_error(song_files, tmp_path):
    data = song_files[".flac"].read_bytes()
    cut = tmp_path / "cut.flac"
    cut.write_bytes(data[:60])  # the header only, no frames
    with pytest.raises(AudioError, match="cut.flac"):
        audio.load(cut)


@pytest.mark.parametrize("ext", [".mp3", ".flac", ".wav"])
def test_cut_file_warns_that_it_looks_truncated(song_files, tmp_path, ext):
    data = song_files[ext].read_bytes()
    cut = tmp_path / f"cut{ext}"
    cut.write_bytes(data[: len(data) // 5])  # a download that stopped at a fifth
    with pytest.warns(audio.AudioWarning, match=rf"cut\{ext}: decoded .* of the 25\.\d s its header promises"):
        a = audio.load(cut)
    assert 2.0 < a.duration < 10.0


def test_complete_files_do_not_warn(song_files, recwarn):
    for path in song_files.values():
        audio.load(path)
    assert not [w for w in recwarn if issubclass(w.category, audio.AudioWarning)]


def test_ffmpeg_downmix_is_the_channel_mean_like_libsndfile(tmp_path):
    left, right = tone(3.0, amp=0.4), tone(3.0, amp=0.4)
    wav = tmp_path / "stereo.wav"
    sf.write(wav, np.stack([left, right], axis=1), SR)
    m4a = encode(wav, tmp_path / "stereo.m4a")
    rms = [float(np.sqrt(np.mean(audio.load(p).samples[SR:-SR] ** 2))) for p in (wav, m4a)]
    assert rms[1] == pytest.approx(rms[0], rel=0.03)  # ffmpeg's "-ac 1" would read 3 dB (41 %) louder


def _channel_mean_resampled(path, sr):
    """The reference for ffmpeg-decoded files: every channel at the native rate, their mean, python-soxr HQ."""
    import subprocess

    import soxr

    raw = subprocess.run([ffmpeg(), "-v", "error", "-i", str(path), "-f", "wav", "-acodec", "pcm_f32le", "pipe:1"],
                         capture_output=True, check=True).stdout
    wav_path = path.with_suffix(".ref.wav")
    wav_path.write_bytes(raw)
    samples, native = sf.read(str(wav_path), dtype="float32", always_2d=True)
    return soxr.resample(samples.mean(axis=1), native, sr, quality="HQ")


@pytest.mark.parametrize("channels, soxr_in_ffmpeg", [(2, True), (3, True), (2, False)])
def test_ffmpeg_decoding_at_the_analysis_rate_gives_the_reference_samples(tmp_path, monkeypatch, channels, soxr_in_ffmpeg):
    # ffmpeg downmixes and resamples itself (libsoxr, the same HQ recipe); the samples must be those of the
    # channel mean resampled by python-soxr, also when this ffmpeg has no libsoxr (resampled in Python then).
    rng = np.random.default_rng(channels)
    t = np.arange(44100) / 44100
    multi = np.stack([0.3 * np.sin(2 * np.pi * (220 + 110 * c) * t) + 0.05 * rng.standard_normal(len(t))
                      for c in range(channels)], axis=1).astype(np.float32)
    wav = tmp_path / "multi.wav"
    sf.write(wav, multi, 44100, subtype="FLOAT")
    m4a = encode(wav, tmp_path / "multi.m4a")
    if not soxr_in_ffmpeg:  # what the decoder reads of this ffmpeg's messages, less its libsoxr
        info = decoding.stream_info
        monkeypatch.setattr(decoding, "stream_info", lambda lines: (*info(lines)[:3], False))
    got = audio.load(m4a, sr=22050).samples
    want = _channel_mean_resampled(m4a, 22050)
    assert len(got) == len(want)
    np.testing.assert_allclose(got, want, atol=2e-6)
    assert np.abs(got).max() > 0.1


def test_stream_gives_blocks_that_join_to_load(song_files):
    blocks = list(audio.stream(song_files[".mp3"], sr=16000, block_seconds=10.0))
    assert [round(b.duration) for b in blocks] == [10, 10, 5]
    whole = audio.load(song_files[".mp3"], sr=16000)
    np.testing.assert_allclose(np.concatenate([b.samples for b in blocks]), whole.samples, atol=1e-6)


def test_silent_audio_loads_with_a_warning(tmp_path):
    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros(SR * 3), SR)
    with pytest.warns(audio.AudioWarning, match="silent"):
        a = audio.load(path)
    assert a.is_silent and a.duration == pytest.approx(3.0)


@pytest.mark.parametrize("seconds, expected", [(35.0, 4), (30.0, 3), (30.2, 3), (10.0, 1), (42.0, 4)])
def test_all_clips_count_and_length(audio_of, seconds, expected):
    clips = audio.split_clips(audio_of(tone(seconds)), mode="all")
    assert len(clips) == expected
    assert all(len(c.audio.samples) == round((c.end - c.start) * SR) for c in clips)
    assert all(len(c.audio.samples) == 10 * SR for c in clips[: int(seconds // 10)])
    assert [c.index for c in clips] == list(range(expected))
    assert clips[0].start == 0.0 and clips[1 if expected > 1 else 0].start == (10.0 if expected > 1 else 0.0)


def test_last_clip_holds_only_real_samples(audio_of):
    song = audio_of(tone(35.0))
    last = audio.split_clips(song, mode="all")[-1]
    assert (last.start, last.end) == (30.0, 35.0)
    np.testing.assert_array_equal(last.audio.samples, song.samples[30 * SR :])


def test_center_and_random_clips(audio_of):
    song = audio_of(tone(60.0))
    (center,) = audio.split_clips(song, mode="center")
    assert center.start == pytest.approx(25.0)
    a = audio.split_clips(song, mode="random", seed=3)
    b = audio.split_clips(song, mode="random", seed=3)
    c = audio.split_clips(song, mode="random", seed=4)
    assert a[0].start == b[0].start != c[0].start
    assert 0.0 <= a[0].start <= 50.0


def test_short_song_gives_one_unpadded_clip_with_warning(audio_of):
    with pytest.warns(audio.AudioWarning, match="shorter than one 10-second clip"):
        clips = audio.split_clips(audio_of(tone(4.0)), mode="all")
    assert len(clips) == 1 and len(clips[0].audio.samples) == 4 * SR and clips[0].end == 4.0


def test_bad_split_arguments(audio_of):
    with pytest.raises(ConfigError, match="mode"):
        audio.split_clips(audio_of(tone(20.0)), mode="middle")
    with pytest.raises(ConfigError, match="seconds"):
        audio.split_clips(audio_of(tone(20.0)), seconds=0)


def test_resample_keeps_duration(audio_of):
    a = audio.resample(audio_of(tone(2.0)), 16000)
    assert a.sr == 16000 and len(a.samples) == 32000


def test_tags_from_flac_mp3_and_m4a(song_files, tmp_path):
    flac = mutagen.flac.FLAC(song_files[".flac"])
    flac["title"], flac["artist"], flac["album"], flac["genre"] = "Blue Hour", "The Tones", "Waves", "ambient"
    flac.save()
    assert audio.read_tags(song_files[".flac"]) == {"title": "Blue Hour", "artist": "The Tones", "album": "Waves", "genre": "ambient"}

    mp3 = tmp_path / "tagged.mp3"
    mp3.write_bytes(song_files[".mp3"].read_bytes())
    tags = mutagen.id3.ID3()
    tags.add(mutagen.id3.TIT2(encoding=3, text="Red Sky"))
    tags.add(mutagen.id3.TPE1(encoding=3, text="Sunny"))
    tags.save(mp3)
    assert audio.read_tags(mp3) == {"title": "Red Sky", "artist": "Sunny", "album": None, "genre": None}

    m4a = tmp_path / "tagged.m4a"
    m4a.write_bytes(song_files[".m4a"].read_bytes())
    mp4 = mutagen.mp4.MP4(m4a)
    mp4["\xa9nam"], mp4["\xa9gen"] = "Green Field", "folk"
    mp4.save()
    assert audio.read_tags(m4a)["title"] == "Green Field" and audio.read_tags(m4a)["genre"] == "folk"


def test_untagged_and_unreadable_files_give_empty_tags(song_files, tmp_path):
    assert audio.read_tags(song_files[".wav"]) == dict.fromkeys(("title", "artist", "album", "genre"))
    junk = tmp_path / "junk.mp3"
    junk.write_text("nope")
    assert audio.read_tags(junk)["title"] is None


def test_write_round_trip(tmp_path, audio_of):
    a = audio_of(tone(1.0))
    b = audio.load(audio.write(tmp_path / "x.flac", a), sr=None)
    assert b.sr == SR and np.allclose(a.samples, b.samples, atol=1e-4)


@pytest.mark.parametrize("channels", [2, 1])
def test_a_decoder_started_early_is_used_and_gives_the_same_samples(tmp_path, monkeypatch, channels):
    # start_early guesses stereo and runs that decoder beside the probe: kept for a stereo file, replaced for
    # a mono one; either way the analysis's decoding takes it and the samples are those of a plain decoding.
    t = np.arange(3 * 44100) / 44100
    wave = np.stack([0.3 * np.sin(2 * np.pi * 330 * (c + 1) * t) for c in range(channels)], axis=1).astype(np.float32)
    wav = tmp_path / "tone.wav"
    sf.write(wav, wave, 44100, subtype="FLOAT")
    mp3 = encode(wav, tmp_path / "tone.mp3")
    plain = audio.load(mp3, sr=22050).samples
    launched = []
    launch = decoding._launch
    monkeypatch.setattr(decoding, "_launch", lambda cmd: launched.append(cmd) or launch(cmd))
    decoding.start_early(mp3, 22050)
    assert (str(mp3.resolve()), 22050) in decoding._EARLY
    early = audio.load(mp3, sr=22050).samples
    assert not decoding._EARLY  # taken by the load
    assert len(launched) == (1 if channels == 2 else 2)  # the guess kept, or replaced once
    np.testing.assert_array_equal(early, plain)
    decoding.start_early(tmp_path / "missing.mp3", 22050)  # nothing to start: no file, or libsndfile's
    decoding.start_early(wav, 22050)
    assert not decoding._EARLY


@pytest.mark.parametrize("channels", [2, 1])
def test_decoding_an_mp3_starts_one_ffmpeg_when_the_guess_holds(tmp_path, monkeypatch, channels):
    # The decoder learns the file's rate and channels from its own messages: no second ffmpeg probes the file
    # first (each start costs 0.05 s CPU). A stereo file takes one process; a mono one, whose guess is wrong, two.
    t = np.arange(44100) / 44100
    wave = np.stack([0.3 * np.sin(2 * np.pi * 330 * (c + 1) * t) for c in range(channels)], axis=1).astype(np.float32)
    wav = tmp_path / "tone.wav"
    sf.write(wav, wave, 44100, subtype="FLOAT")
    mp3 = encode(wav, tmp_path / "tone.mp3")
    started = []
    popen = subprocess.Popen
    monkeypatch.setattr(decoding.subprocess, "Popen", lambda cmd, *a, **k: started.append(cmd) or popen(cmd, *a, **k))
    got = audio.load(mp3, sr=22050)
    assert len(started) == (1 if channels == 2 else 2), started
    assert got.sr == 22050 and abs(got.duration - 1.0) < 0.1


def test_a_decoding_left_before_its_end_stops_ffmpeg_without_an_error(tmp_path):
    # An analysis interrupted (Ctrl-C, SIGTERM) or failing mid-file closes the stream early: ffmpeg's broken
    # pipe is no decoding error, and no ffmpeg is left running. Two minutes: more than the decoder reads ahead.
    mp3 = tmp_path / "long.mp3"
    subprocess.run([ffmpeg(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=120", "-ac", "2",
                    "-b:a", "32k", str(mp3)], check=True)
    blocks = audio.stream(mp3, sr=22050, block_seconds=0.5)
    next(blocks)
    decoder = blocks.gi_frame.f_locals["source"]._ff
    blocks.close()  # raised AudioError ("Broken pipe") while ffmpeg was still writing
    assert decoder.proc.poll() is not None
