import json
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audio_fixtures import SR, ffmpeg

from a2i import mood_weights
from a2i.audio import load, write
from a2i.features import describe
from a2i.mood import CATALOGUE, NEUTRAL, NO_KEY, Analysis, Profile, head_logits, quadrant, to_spotify_scale
from a2i.synth import PIECES, render
from a2i.tempo import STEADY_BEAT_CONFIDENCE

UNIT = ("valence", "energy", "danceability", "acousticness", "instrumentalness", "liveness", "speechiness")
TUTORIAL = Path(__file__).resolve().parents[2] / "dataset" / "tutorial_data"


def test_profile_keys_and_ranges(analyzer, mood_songs):
    result = analyzer.analyze(mood_songs["bright_major"])
    data = result.to_dict(per_clip=True)
    for key in ("path", *UNIT, "tempo", "key", "mode", "loudness", "title", "artist", "genre"):
        assert key in data
    for key in UNIT:
        assert 0.0 <= data[key] <= 1.0
    assert 0 <= data["key"] <= 11 and data["mode"] in (0, 1)
    assert 40.0 <= data["tempo"] <= 240.0 and -70.0 <= data["loudness"] <= 0.0
    assert len(data["clips"]) == 2 and [c["start"] for c in data["clips"]] == [0.0, 10.0]
    json.dumps(data)  # serialisable as is


# Pinned figures of the bundled synthesized songs (dataset/tutorial_data, made by a2i.synth): a change to
# the analysis that moves them must be deliberate (refit, re-pin, say why in the commit). The tempo is the
# score's own (PIECES[name].tempo), within 2 %: the truth, not whatever the estimator read. Re-pinned for
# the evidence-v6 heads (vibenet's texture added; refitted on the features of the new tempo estimator): the
# sad piece still reads below the other two on valence and energy (0.44 / 0.25 with those heads; 0.38 / 0.26
# with the v5 heads; bright 0.89 / 0.79, example 0.67 / 0.51). Re-pinned when the sad piece's timing came to
# breathe +-8 % instead of +-3 % (a2i.synth, the score's comment says why): 0.39 / 0.21; then for the heads
# refitted on the features of tempo4's estimator (86b2559; real music's tempo moved, the bundled songs' did not).
# Re-pinned when the pieces were re-composed (songs5: the sad lament and the example's new all-minor intro
# rest at the end of each bar, its full band plays the whole kit; bright_major unchanged): the sad piece now
# reads sad, 0.19 / 0.21 (was 0.40 / 0.20), the example song 0.56 / 0.56 (was 0.68 / 0.55) with its intro the
# darkest and calmest clip.
PINNED = {
    "bright_major": dict(valence=0.8974, energy=0.8176, key_name="E major", loudness=-12.70),
    "dark_minor": dict(valence=0.1887, energy=0.2122, key_name="A minor", loudness=-27.54),
    "example_song": dict(valence=0.5603, energy=0.5601, key_name="D minor", loudness=-16.10),  # its score's key
}

#: The example song's clips (intro, build, full band): its arc from night to morning, darkest and calmest first.
EXAMPLE_CLIPS = ((0.4169, 0.3873), (0.5921, 0.6091), (0.6137, 0.6464))


def test_bundled_songs_read_as_composed():
    """The happy piece reads happiest and most energetic, the sad lament least of both, the build between."""
    v = {name: pins["valence"] for name, pins in PINNED.items()}
    e = {name: pins["energy"] for name, pins in PINNED.items()}
    assert v["bright_major"] > v["example_song"] > v["dark_minor"]
    assert e["bright_major"] > e["example_song"] > e["dark_minor"]


def test_bundled_sad_song_reads_sad_and_the_example_song_rises_from_a_dark_intro(analyzer):
    """What the songs were composed to say, on the Russell quadrants `a2i analyze` reports: the lament is sad and
    calm (Q3, valence below 0.35), the example song's intro reads darker and calmer than both later sections."""
    assert quadrant(PINNED["dark_minor"]["valence"], PINNED["dark_minor"]["energy"]) == "Q3"
    assert PINNED["dark_minor"]["valence"] < 0.35
    clips = analyzer.analyze(TUTORIAL / "example_song.flac", per_clip=True).clips
    for clip, (valence, energy) in zip(clips, EXAMPLE_CLIPS, strict=True):
        assert (clip.valence, clip.energy) == (pytest.approx(valence, abs=0.01), pytest.approx(energy, abs=0.01))
    (v0, e0), *later = EXAMPLE_CLIPS
    assert quadrant(v0, e0) == "Q3" and v0 < 0.45 and all(v0 < v - 0.1 and e0 < e - 0.1 for v, e in later)


@pytest.mark.parametrize("name", sorted(PINNED))
def test_bundled_songs_give_their_pinned_figures(analyzer, name):
    song = analyzer.analyze(TUTORIAL / f"{name}.flac", per_clip=False).song
    expected = PINNED[name]
    assert song.valence == pytest.approx(expected["valence"], abs=0.01)
    assert song.energy == pytest.approx(expected["energy"], abs=0.01)
    assert song.tempo == pytest.approx(PIECES[name].tempo, rel=0.02)
    assert song.key_name == expected["key_name"]
    assert song.loudness == pytest.approx(expected["loudness"], abs=0.1)


MOODS = {
    # name: (piece, changes): from calm and dark to bright and driving.
    "dark_minor": ("dark_minor", {}),
    "dark_minor_driving": ("dark_minor", dict(drums=1.0, level_db=-10.0, tempo=124.0, melody_density=2.0, brightness=0.6)),
    "bright_major_calm": ("bright_major", dict(drums=0.0, level_db=-26.0, tempo=70.0, melody_density=0.5, brightness=0.3)),
    "bright_major": ("bright_major", {}),
}


@pytest.fixture(scope="module")
def mood_range(analyzer, tmp_path_factory) -> dict[str, Profile]:
    root = tmp_path_factory.mktemp("mood_range")
    out = {}
    for label, (piece, changes) in MOODS.items():
        path = write(root / f"{label}.flac", render(replace(PIECES[piece], **changes), seconds=12.0))
        out[label] = analyzer.analyze(path, per_clip=False).song
    return out


def test_energy_follows_drums_loudness_and_tempo(mood_range):
    m = mood_range
    assert m["dark_minor_driving"].energy > m["dark_minor"].energy + 0.2
    assert m["bright_major"].energy > m["bright_major_calm"].energy + 0.2


def test_valence_follows_mode_and_brightness(mood_range):
    m = mood_range
    assert m["bright_major"].valence > m["dark_minor_driving"].valence + 0.1
    assert m["bright_major_calm"].valence > m["dark_minor"].valence + 0.02


def test_estimates_are_not_constant(mood_range):
    values = np.array([(p.valence, p.energy) for p in mood_range.values()])
    assert values.std(axis=0).min() > 0.05


def test_head_at_the_development_mean_gives_the_catalogue_mean():
    valence, energy = head_logits(mood_weights.CENTER)
    assert to_spotify_scale(valence, "valence")[0] == pytest.approx(CATALOGUE["valence"][0], abs=0.1)
    assert to_spotify_scale(energy, "energy")[0] == pytest.approx(CATALOGUE["energy"][0], abs=0.12)


def test_the_same_music_played_softer_reads_calmer(analyzer, tmp_path):
    loud = render(PIECES["example_song"], seconds=10.0)
    soft = replace(loud, samples=loud.samples * 0.15)  # -16.5 dB
    a = analyzer.analyze(write(tmp_path / "loud.flac", loud), per_clip=False).song
    b = analyzer.analyze(write(tmp_path / "soft.flac", soft), per_clip=False).song
    assert a.loudness - b.loudness == pytest.approx(16.5, abs=0.3)
    assert b.energy < a.energy - 0.04  # 0.057 with the evidence-v5 heads (0.046 with v4)


def test_short_songs_are_not_read_as_silence_padded(analyzer, tmp_path):
    full = render(PIECES["bright_major"], seconds=10.0)
    short = replace(full, samples=full.samples[: 3 * full.sr])
    a = analyzer.analyze(write(tmp_path / "full.flac", full), per_clip=False).song
    with pytest.warns(UserWarning, match="shorter than one"):
        b = analyzer.analyze(write(tmp_path / "short.flac", short), per_clip=False).song
    assert b.energy == pytest.approx(a.energy, abs=0.1)
    assert b.loudness == pytest.approx(a.loudness, abs=1.0)


def test_every_clip_is_profiled(analyzer, tmp_path):
    path = write(tmp_path / "build.flac", render(PIECES["example_song"], seconds=30.0))
    result = analyzer.analyze(path)
    clips = result.clips
    assert len(clips) == 3
    # The example song builds from a quiet intro to a full ending; the clips say so.
    assert clips[2].energy > clips[0].energy + 0.1
    assert result.song.title == "Night Drive to Morning" or result.song.title is None


def test_silent_song_has_no_beat_and_no_key(analyzer, tmp_path):
    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros(SR * 12), SR)
    with pytest.warns(UserWarning, match="silent"):
        result = analyzer.analyze(path)
    song = result.song
    assert song.energy < 0.3 and song.loudness == -70.0
    assert 0.0 <= song.valence <= 1.0
    assert (song.tempo, song.key) == (0.0, NO_KEY)
    assert (song.tempo_text, song.key_name) == ("no steady beat", "no key")
    data = result.to_dict()
    assert (data["tempo"], data["key"], data["mode"]) == (None, None, None)
    restored = Profile.from_dict(data)
    assert (restored.tempo, restored.key) == (0.0, NO_KEY)


def test_a_drone_has_no_steady_beat(analyzer, tmp_path):
    t = np.arange(SR * 12) / SR
    drone = (0.2 * np.sin(2 * np.pi * 110 * t) + 0.1 * np.sin(2 * np.pi * 165 * t)).astype(np.float32)
    path = tmp_path / "drone.wav"
    sf.write(path, drone, SR)
    song = analyzer.analyze(path).song
    assert song.tempo == 0.0 and song.tempo_text == "no steady beat"
    assert describe(load(path)).tempo_confidence < STEADY_BEAT_CONFIDENCE


CODECS = {
    ".wav": [],
    ".flac": [],
    # At the rates such files have; Vorbis quality 6 is about 192 kbps.
    ".mp3": ["-ar", "44100", "-c:a", "libmp3lame", "-b:a", "192k"],
    ".m4a": ["-ar", "44100", "-c:a", "aac", "-b:a", "192k"],
    ".ogg": ["-ar", "44100", "-c:a", "libvorbis", "-q:a", "6"],
    ".opus": ["-ar", "48000", "-c:a", "libopus", "-b:a", "192k"],
}


def test_one_song_one_profile_whatever_the_container(analyzer, tmp_path):
    audio = render(PIECES["example_song"], seconds=20.0)
    wav = tmp_path / "piece.wav"
    sf.write(wav, np.stack([audio.samples, 0.8 * audio.samples], axis=1), audio.sr)  # stereo, as files are
    profiles = {}
    for ext, codec in CODECS.items():
        path = wav if ext == ".wav" else tmp_path / f"piece{ext}"
        if ext != ".wav":
            subprocess.run([ffmpeg(), "-v", "error", "-y", "-i", str(wav), *codec, str(path)], check=True)
        profiles[ext] = analyzer.analyze(path, per_clip=False).song
    ref = profiles[".wav"]
    for ext, p in profiles.items():
        assert p.valence == pytest.approx(ref.valence, abs=0.02), ext
        assert p.energy == pytest.approx(ref.energy, abs=0.02), ext
        assert p.loudness == pytest.approx(ref.loudness, abs=0.5), ext
        assert p.tempo == pytest.approx(ref.tempo, rel=0.02), ext


def test_profile_from_dict_ignores_unknown_and_missing():
    p = Profile.from_dict({"valence": 0.9, "track_genre": "pop", "genre": "pop", "energy": float("nan"), "key": 7})
    assert (p.valence, p.genre, p.key, p.energy) == (0.9, "pop", 7, NEUTRAL["energy"])
    assert Profile.from_dict(p.to_dict()) == p
    assert p.key_name == "G major"


def test_quadrant_is_the_sign_of_each_heads_logit_not_a_cut_at_one_half():
    logits = np.array([-3.0, -1.0, -0.2, 0.2, 1.0, 3.0])
    for v_logit, v in zip(logits, to_spotify_scale(logits, "valence")):
        for e_logit, e in zip(logits, to_spotify_scale(logits, "energy")):
            expected = ("Q1" if v_logit > 0 else "Q2") if e_logit > 0 else ("Q4" if v_logit > 0 else "Q3")
            assert quadrant(float(v), float(e)) == expected, (v_logit, e_logit)
    # An energy logit of -1 is about 0.57 on Spotify's scale: above 0.5, yet more likely low arousal than high.
    assert to_spotify_scale(np.array([-1.0]), "energy")[0] > 0.5


def test_analysis_round_trips_through_json(analyzer, mood_songs):
    result: Analysis = analyzer.analyze(mood_songs["dark_minor"], per_clip=False)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["quadrant"] == "Q3"  # the sad piece: negative valence, low arousal
    assert "clips" not in data and data["indicators"]["loudness LUFS"] == pytest.approx(result.song.loudness, abs=1e-3)
    restored = Profile.from_dict(data).features
    assert restored.key == result.song.features.key and restored.tempo == pytest.approx(result.song.features.tempo, abs=1e-3)
    assert restored.chroma == pytest.approx(result.song.features.chroma, abs=1e-4)
