"""The no-service route: a dataset.csv from a folder of music with tags, file names and our analyzer."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from mutagen.flac import FLAC

from a2i.dataset import schema
from a2i.dataset.folder import names_from_filename, track_id_for


def _library(root: Path, make_tone) -> Path:
    (root / "Album One").mkdir(parents=True)
    for i, freq in enumerate((220, 262, 330)):
        path = root / "Album One" / f"0{i + 1} - Song {i}.flac"
        path.write_bytes(make_tone(3.0, freq, fmt="FLAC", seed=i))
        tags = FLAC(path)
        tags["title"], tags["artist"], tags["genre"] = f"Tagged {i}", "The Tones; Guest", "Ambient"
        tags.save()
    (root / "Band X - Untagged Tune.ogg").write_bytes(make_tone(3.0, 392))
    (root / "notes.txt").write_text("not audio")
    (root / "broken.mp3").write_bytes(b"not really an mp3")
    return root


def test_from_folder_writes_the_final_schema(tmp_path, cli, make_tone):
    music = _library(tmp_path / "music", make_tone)
    out = tmp_path / "out"
    result = cli("dataset", "from-folder", music, "--out", out, "--no-progress", "--n", "4")
    assert result.returncode == 0, result.stderr
    assert "1 unreadable" in result.stdout and "broken.mp3" in result.stdout
    table = pd.read_csv(out / "dataset.csv")
    assert list(table.columns) == list(schema.FINAL_COLUMNS)
    assert len(table) == 4 and table["spotify_track_id"].is_unique
    tagged = table[table["spotify_track_name"] == "Tagged 0"].iloc[0]
    assert json.loads(tagged["spotify_artists"]) == ["The Tones", "Guest"]
    assert tagged["spotify_genre"] == "ambient" and tagged["spotify_album_name"] == "Album One"
    untagged = table[table["spotify_track_name"] == "Untagged Tune"].iloc[0]
    assert json.loads(untagged["spotify_artists"]) == ["Band X"] and untagged["spotify_genre"] == "unknown"
    assert table["spotify_valence"].between(0, 1).all() and table["spotify_energy"].between(0, 1).all()
    assert (table["spotify_duration_ms"].between(2900, 3100)).all()
    assert all(len(json.loads(p)) == 4 for p in table["openai_prompts"])
    assert set(table["train_split"]) <= {"train", "test"} and (table["train_stratify_key"] == "rare").all()
    assert Path(untagged["path_audio_full"]).is_file()
    assert (out / "split_report.png").is_file() and len(list((out / "analysis").glob("*.json"))) == 4
    # A second run reuses the analysis cache and gives the same table.
    again = cli("dataset", "from-folder", music, "--out", out, "--no-progress", "--n", "4")
    assert "4 from cache" in again.stdout
    pd.testing.assert_frame_equal(pd.read_csv(out / "dataset.csv"), table)


def test_names_and_ids():
    assert names_from_filename(Path("03 - Artist - Title Here.mp3")) == ("Title Here", "Artist")
    assert names_from_filename(Path("just_a_title.wav")) == ("just a title", None)
    assert track_id_for("a/b.mp3") == track_id_for("a/b.mp3") != track_id_for("a/c.mp3")


def test_empty_folder_is_a_clean_error(tmp_path, cli):
    (tmp_path / "empty").mkdir()
    result = cli("dataset", "from-folder", tmp_path / "empty", "--out", tmp_path / "o")
    assert result.returncode == 2 and "no audio files" in result.stderr
