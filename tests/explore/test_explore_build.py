"""`a2i explore build`: songs in, an explorer data folder out (through the real analyzer and painter)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from a2i.cli import main
from a2i.explore import create_app, load_collection


def _song(path, notes, bpm, seconds=12.0, sr=22050, stereo=False):
    """A short synthesized piece: a repeated arpeggio of ``notes`` (Hz) at ``bpm`` (stereo: the right
    channel an octave up, so a downmix would be audible)."""
    t = np.arange(int(seconds * sr)) / sr
    beat = 60.0 / bpm
    index = (t // beat).astype(int) % len(notes)
    phase = t % beat
    wave = np.sin(2 * np.pi * np.asarray(notes)[index] * t) * np.exp(-3.0 * phase)
    if stereo:
        wave = np.stack([wave, np.sin(4 * np.pi * np.asarray(notes)[index] * t) * np.exp(-3.0 * phase)], axis=1)
    sf.write(path, (0.4 * wave).astype(np.float32), sr)
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("build")
    songs = [_song(root / "bright song.flac", [523.3, 659.3, 784.0], 150, sr=44100, stereo=True),
             _song(root / "dark.wav", [220.0, 261.6, 329.6], 60, seconds=2.0)]
    out = root / "explore"
    assert main(["explore", "build", *map(str, songs), "--out", str(out), "--variants", "2", "--size", "64",
                 "--clip-seconds", "3"]) == 0
    return out


def test_build_writes_a_valid_folder(built):
    from a2i.outputs import read_run

    collection = load_collection(built)
    assert sorted(t.id for t in collection.tracks) == ["bright-song", "dark"]
    for track in collection.tracks:
        assert 0.0 <= track.x <= 1.0 and 0.0 <= track.y <= 1.0
        assert len(track.variants) == 2
        prompts = [v.prompt for v in track.variants]
        assert all(prompts) and len(set(prompts)) == 2  # a different prompt per variant
        # The variants are one run of the main job (the planner's centre clip, variants 0 and 1), read back
        # through a2i.outputs.
        run = read_run(built / "runs" / track.id)
        assert run.options["clips"] == "center" and run.options["variants"] == 2
        assert [p.variant for p in run.pictures] == [0, 1] and len({p.seed for p in run.pictures}) == 2
        for variant, picture in zip(track.variants, run.pictures):
            assert variant.image_path == f"runs/{track.id}/{picture.image}"
            assert variant.prompt == picture.prompt
        clip = sf.info(built / track.variants[0].audio_path)
        if track.id == "bright-song":  # preview keeps the song's channels and rate, at a real bitrate
            assert (clip.channels, clip.samplerate, clip.format) == (2, 44100, "MP3")
            assert clip.duration == pytest.approx(3.0, abs=0.1)
            kbps = (built / track.variants[0].audio_path).stat().st_size * 8 / clip.duration / 1000
            assert kbps >= 150
        else:  # a 2-second song is not padded to 3 seconds of clip
            assert (clip.channels, clip.samplerate) == (1, 22050)
            assert clip.duration == pytest.approx(2.0, abs=0.1)  # MP3 frames round up by < 0.1 s
        with Image.open(built / track.variants[1].image_path) as image:
            assert image.size == (64, 64)
    raw = json.loads((built / "dark.json").read_text())
    assert set(raw) >= {"x", "y", "artists", "track_name", "popularity", "danceability", "energy", "loudness",
                        "valence", "track_genre", "data"}
    assert raw["x"] == raw["valence"] and raw["y"] == raw["energy"]
    assert set(raw["data"][0]["mean_color"]) == {"r", "g", "b"}
    # The two variants are different pictures.
    a, b = (np.asarray(Image.open(built / item["image_path"])) for item in raw["data"])
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 1.0
    with Image.open(built / "map.png") as figure:
        assert figure.size == (1400, 900)


def test_the_built_folder_serves(built, tmp_path):
    client = create_app({"DATA_DIR": built, "CACHE_DIR": tmp_path, "WARM": False}).test_client()
    assert client.get("/api/meta").get_json()["total"] == 2
    details = client.get("/api/tracks/0").get_json()
    audio = client.get(details["data"][0]["audio_url"])
    assert audio.status_code == 200 and audio.mimetype == "audio/mpeg"
    # From the popup to the files: the full picture, the run folder and its profile.
    item = details["data"][1]
    assert item["run_folder"] == str(built / "runs" / details["id"])
    profile = client.get(item["profile_url"])
    assert profile.status_code == 200 and "valence" in profile.get_data(as_text=True)
    assert client.get(item["image_url"]).status_code == 200
    assert details["track_file"] == str(built / f"{details['id']}.json")
    # Only a profile beside a served picture: not any JSON in the folder.
    assert client.get("/files/runs/profile.json").status_code == 404
    assert "tempo" in client.get("/api/meta").get_json()["fields"]


def test_build_refuses_bad_input_in_one_line(tmp_path, capsys):
    assert main(["explore", "build", str(tmp_path / "missing.wav"), "--out", str(tmp_path / "o")]) == 2
    assert "missing.wav does not exist" in capsys.readouterr().err
    song = _song(tmp_path / "s.wav", [440.0], 120, seconds=2.0)
    (tmp_path / "file").write_text("x")
    assert main(["explore", "build", str(song), "--out", str(tmp_path / "file")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_build_from_generate_output_folders(tmp_path):
    """A folder `a2i generate` wrote is taken as it is: its pictures, prompts and song, nothing painted again."""
    from a2i.outputs import read_run
    from a2i.pipeline import generate

    song = _song(tmp_path / "tune.wav", [330.0, 392.0], 100, seconds=4.0)
    run_dir = generate(song, tmp_path / "outputs" / "tune", size=48, progress=False).out_dir
    run = read_run(run_dir)
    out = tmp_path / "explore"
    assert main(["explore", "build", str(run_dir), "--out", str(out), "--variants", "4"]) == 0
    track = load_collection(out).tracks[0]
    assert track.id == "tune" and not (out / "runs").exists()
    assert [v.prompt for v in track.variants] == [p.prompt for p in run.pictures]
    # Not copied: the data folder's picture is the run's own file (a hard link), so 10,000 songs cost no
    # picture bytes twice.
    linked, source = out / track.variants[0].image_path, run.image_path(run.pictures[0])
    assert linked.stat().st_ino == source.stat().st_ino and linked.stat().st_nlink == 2
    assert track.metadata["tempo"] == round(run.profile.tempo, 1)
    assert (track.x, track.y) == (round(run.profile.valence, 4), round(run.profile.energy, 4))
    assert sf.info(out / track.variants[0].audio_path).duration == pytest.approx(4.0, abs=0.1)
    # A folder that is not a run is refused in one line.
    assert main(["explore", "build", str(tmp_path / "outputs"), "--out", str(out)]) == 2
