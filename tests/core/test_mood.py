import json
import math

import numpy as np
import pytest
import soundfile as sf
from audio_fixtures import SR

from a2i.features import SignalFeatures
from a2i.mood import CATALOGUE, ENERGY_INDICATORS, NEUTRAL_MODEL_OUTPUT, VALENCE_INDICATORS, Analysis, Profile, fuse

UNIT = ("valence", "energy", "danceability", "acousticness", "instrumentalness", "liveness", "speechiness")


def neutral_features(**overrides) -> SignalFeatures:
    base = dict(loudness=-11.0, centroid=10**3.25, rolloff=3000.0, flatness=0.01, flux=1.1, onset_rate=3.5,
                tempo=120.0, key=0, mode=1, mode_strength=0.0, dynamic_range=8.0)
    return SignalFeatures(**{**base, **overrides})


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


def test_bright_major_fast_reads_happier_and_more_energetic(analyzer, mood_songs):
    bright = analyzer.analyze(mood_songs["bright_major"]).song
    dark = analyzer.analyze(mood_songs["dark_minor"]).song
    assert bright.valence > dark.valence + 0.15
    assert bright.energy > dark.energy + 0.3
    assert bright.tempo > dark.tempo and bright.mode == 1 and dark.mode == 0
    assert bright.loudness > dark.loudness


def test_every_clip_is_profiled(analyzer, tmp_path):
    from a2i.audio import write
    from a2i.synth import PIECES, render

    path = write(tmp_path / "build.flac", render(PIECES["example_song"], seconds=30.0))
    result = analyzer.analyze(path)
    clips = result.clips
    assert len(clips) == 3
    # The example song builds from a quiet intro to a full ending; the clips say so.
    assert clips[2].energy > clips[0].energy + 0.15
    assert result.song.title == "Night Drive to Morning" or result.song.title is None


def test_fusion_at_typical_values_gives_catalogue_mean():
    for indicators, target in ((ENERGY_INDICATORS, "energy"), (VALENCE_INDICATORS, "valence")):
        assert fuse(indicators, target, NEUTRAL_MODEL_OUTPUT, neutral_features()) == pytest.approx(CATALOGUE[target][0], abs=1e-3)


def test_fusion_is_monotonic_in_each_indicator():
    base = fuse(ENERGY_INDICATORS, "energy", NEUTRAL_MODEL_OUTPUT, neutral_features())
    louder = fuse(ENERGY_INDICATORS, "energy", NEUTRAL_MODEL_OUTPUT, neutral_features(loudness=-6.0))
    acoustic = fuse(ENERGY_INDICATORS, "energy", {**NEUTRAL_MODEL_OUTPUT, "acousticness": 0.9}, neutral_features())
    happier = fuse(VALENCE_INDICATORS, "valence", {**NEUTRAL_MODEL_OUTPUT, "valence": 0.7}, neutral_features())
    assert louder > base > acoustic
    assert happier > CATALOGUE["valence"][0]


def test_fusion_shrinks_toward_the_mean_and_stays_in_range():
    extreme = fuse(ENERGY_INDICATORS, "energy", {**NEUTRAL_MODEL_OUTPUT, "energy": 1.0, "acousticness": 0.0},
                   neutral_features(loudness=0.0, centroid=8000.0, flatness=0.5, onset_rate=8.0, dynamic_range=2.0))
    assert extreme == 1.0 or 0.9 < extreme <= 1.0
    # The weight of vibenet energy is r / (1 - r^2): more valid indicators count more.
    weights = {ind.name: ind.weight for ind in ENERGY_INDICATORS}
    assert weights["loudness LUFS"] > weights["vibenet energy"] > weights["onset rate"]
    assert math.isclose(weights["vibenet energy"], 0.55 / (1 - 0.55**2))


def test_silent_song_still_profiles(analyzer, tmp_path):
    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros(SR * 12), SR)
    with pytest.warns(UserWarning, match="silent"):
        song = analyzer.analyze(path).song
    assert song.energy < 0.2 and song.loudness == -70.0
    assert 0.0 <= song.valence <= 1.0


def test_profile_from_dict_ignores_unknown_and_missing():
    p = Profile.from_dict({"valence": 0.9, "track_genre": "pop", "genre": "pop", "energy": float("nan"), "key": 7})
    assert (p.valence, p.genre, p.key, p.energy) == (0.9, "pop", 7, 0.5)
    assert Profile.from_dict(p.to_dict()) == p
    assert p.key_name == "G major"


def test_analysis_round_trips_through_json(analyzer, mood_songs):
    result: Analysis = analyzer.analyze(mood_songs["dark_minor"], per_clip=False)
    data = json.loads(json.dumps(result.to_dict()))
    assert "clips" not in data and data["indicators"]["loudness LUFS"] == pytest.approx(result.song.loudness, abs=1e-3)
    restored = Profile.from_dict(data).features
    assert restored.key == result.song.features.key and restored.tempo == pytest.approx(result.song.features.tempo, abs=1e-3)
