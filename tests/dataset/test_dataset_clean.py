"""Step 1 (clean) on small tables with known answers, and its error messages."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from a2i.dataset import schema
from a2i.dataset.clean import clean_csv, clean_tracks
from a2i.errors import DatasetError


def _row(track_id, genre, popularity=50, explicit=False, artists="A;B", **over):
    row = {"track_id": track_id, "artists": artists, "album_name": "Album", "track_name": f"Song {track_id}",
           "popularity": popularity, "duration_ms": 200000, "explicit": explicit, "danceability": 0.5,
           "energy": 0.6, "key": 5, "loudness": -7.0, "mode": 1, "speechiness": 0.05, "acousticness": 0.2,
           "instrumentalness": 0.0, "liveness": 0.1, "valence": 0.7, "tempo": 120.0, "time_signature": 4,
           "track_genre": genre}
    row.update(over)
    return row


def test_duplicates_keep_most_popular_row_and_merge_genres():
    df = pd.DataFrame([_row("t1", "pop", 40), _row("t1", "rock", 60), _row("t1", "pop", 30), _row("t2", "rock", 70)])
    out, report = clean_tracks(df, min_genre_size=0)
    assert list(out.columns) == list(schema.TRACK_LIST_COLUMNS)
    assert out["track_id"].tolist() == ["t1", "t2"]
    t1 = out.set_index("track_id").loc["t1"]
    assert t1["popularity"] == 60 and t1["track_genre"] == "rock"
    assert json.loads(t1["track_genres"]) == ["rock", "pop"]
    assert t1["original_index"] == 1  # the kept row's position in the input
    assert report.dropped["duplicate rows merged"] == 2


def test_artists_query_and_filters():
    rows = [_row("a", "pop", artists="Björk; Thom Yorke"), _row("b", "pop", explicit=True),
            _row("c", "pop", popularity=25), _row("d", "pop", album_name=None), _row("e", "tiny"), _row("f", "pop")]
    out, report = clean_tracks(pd.DataFrame(rows), min_genre_size=2)
    assert out["track_id"].tolist() == ["a", "f"]  # b explicit, c popularity <= 25, d missing, e small genre
    assert json.loads(out["artists"][0]) == ["Björk", "Thom Yorke"]
    assert out["youtube_search_query"][0] == "Song a - Björk, Thom Yorke, Official, music video"
    assert report.dropped == {"rows with missing values": 1, "duplicate rows merged": 0,
                              "same recording under another id (artist + title, ISRC)": 0, "explicit tracks": 1,
                              "tracks with popularity <= 25": 1, "tracks in genres with < 2 tracks": 1}
    kept, _ = clean_tracks(pd.DataFrame(rows), drop_explicit=False, min_popularity=None, min_genre_size=0)
    assert sorted(kept["track_id"]) == ["a", "b", "c", "e", "f"]


def test_kaggle_file_with_index_column(small_spotify_csv, tmp_path):
    report = clean_csv(small_spotify_csv, tmp_path / "tracks.csv", min_genre_size=100)
    out = pd.read_csv(tmp_path / "tracks.csv")
    raw = pd.read_csv(small_spotify_csv, index_col=0)
    assert out["track_id"].is_unique and len(out) == report.tracks_kept > 100
    assert (out["popularity"] > 25).all() and not out["explicit"].any()
    # original_index points at the kept row of the input file
    sample = out.sample(20, random_state=0)
    for _, row in sample.iterrows():
        source = raw.loc[row["original_index"]]
        assert source["track_id"] == row["track_id"] and source["popularity"] == row["popularity"]
    # each track's popularity is its maximum over the input rows
    best = raw.groupby("track_id")["popularity"].max()
    assert (out.set_index("track_id")["popularity"] == best[out["track_id"]].to_numpy()).all()


def test_bad_csv_lists_every_problem(tmp_path):
    rows = [_row("a", "pop", popularity="lots", explicit="maybe"), _row("b", "pop", valence=1.5)]
    df = pd.DataFrame(rows).drop(columns=["tempo", "mode"])
    path = tmp_path / "bad.csv"
    df.to_csv(path, index=False)
    with pytest.raises(DatasetError) as info:
        clean_csv(path, tmp_path / "out.csv")
    message = str(info.value)
    assert str(path) in message
    for expected in ("missing column(s): mode, tempo", "'popularity' must be numeric", "'lots'",
                     "'explicit' must be True/False", "'valence' must lie in 0..1"):
        assert expected in message
    assert not (tmp_path / "out.csv").exists()


def test_cli_clean_errors_are_one_line_without_traceback(tmp_path, small_spotify_csv, cli):
    result = cli("dataset", "clean", tmp_path / "nope.csv", tmp_path / "out.csv")
    assert result.returncode == 2
    assert "a2i: error:" in result.stderr and "does not exist" in result.stderr and "Traceback" not in result.stderr
    ok = cli("dataset", "clean", small_spotify_csv, tmp_path / "out.csv", "--min-genre-size", "0")
    assert ok.returncode == 0, ok.stderr
    assert "kept" in ok.stdout and (tmp_path / "out.csv").is_file()
