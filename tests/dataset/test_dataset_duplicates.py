"""One recording under several track ids: found by metadata and by audio, merged by clean, never split apart."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pandas as pd
import pytest

from a2i.audio import Audio, write
from a2i.dataset.clean import clean_tracks
from a2i.dataset.duplicates import audio_fingerprint, fingerprint_file, recording_key, similarity
from a2i.dataset.split import split_csv, split_table
from a2i.synth import PIECES, render

SECONDS = 20.0


def _spotify_row(track_id, name, artists, genre="pop", popularity=50, **extra):
    row = {"track_id": track_id, "artists": artists, "album_name": "Album", "track_name": name,
           "popularity": popularity, "duration_ms": 200_000, "explicit": False, "danceability": 0.5, "energy": 0.5,
           "key": 1, "loudness": -6.0, "mode": 1, "speechiness": 0.05, "acousticness": 0.1, "instrumentalness": 0.0,
           "liveness": 0.1, "valence": 0.5, "tempo": 120.0, "time_signature": 4, "track_genre": genre}
    return {**row, **extra}


def test_recording_key_ignores_release_dressing_but_not_other_recordings():
    same = ["Halo", "HALO", "Halo - 2011 Remaster", "Halo (Remastered 2009)", "Halo (feat. Someone)",
            "Halo - Single Version"]
    assert len({recording_key(t, ["Beyoncé"]) for t in same}) == 1
    assert recording_key("Halo", ["Beyoncé", "X"]) == recording_key("halo", ["x", "BEYONCE"])
    others = ["Halo - Live", "Halo (Remix)", "Halo - Radio Edit", "Halos"]
    assert len({recording_key(t, ["Beyoncé"]) for t in [same[0], *others]}) == 5


def test_clean_keeps_one_row_per_recording_with_every_genre():
    rows = [_spotify_row("single", "Halo", "Beyoncé", "pop", 80),
            _spotify_row("album", "Halo - 2011 Remaster", "Beyonce", "r-n-b", 60),
            _spotify_row("compilation", "Different Title", "Various", "dance", 40, isrc="USSM10804556"),
            _spotify_row("isrc-twin", "Halo (feat. Nobody)", "Beyoncé", "soul", 30),
            _spotify_row("other", "Rain", "Beyoncé", "pop", 70)]
    rows[0]["isrc"] = "USSM10804556"
    for row in rows[1:]:
        row.setdefault("isrc", None)
    out, report = clean_tracks(pd.DataFrame(rows), min_genre_size=0)
    assert sorted(out["track_id"]) == ["other", "single"]
    kept = out.set_index("track_id").loc["single"]
    assert json.loads(kept["track_genres"]) == ["pop", "r-n-b", "dance", "soul"]
    assert report.dropped["same recording under another id (artist + title, ISRC)"] == 3
    assert "3 same recording under another id" in report.summary()


def _final_rows(n_copies, n_others, titles=None):
    rows = []
    for i in range(n_copies):
        rows.append({"spotify_track_id": f"copy-{i}", "spotify_track_name": (titles or ["Halo"] * n_copies)[i],
                     "spotify_artists": json.dumps(["Beyoncé"]), "spotify_genre": "pop", "spotify_valence": 0.5,
                     "spotify_energy": 0.5})
    for i in range(n_others):
        rows.append({"spotify_track_id": f"other-{i}", "spotify_track_name": f"Song {i}",
                     "spotify_artists": json.dumps([f"Artist {i}"]), "spotify_genre": "pop", "spotify_valence": 0.5,
                     "spotify_energy": 0.5})
    return pd.DataFrame(rows)


def test_split_keeps_metadata_copies_in_one_split():
    titles = ["Halo", "Halo - 2011 Remaster", "HALO", "Halo (feat. X)"] * 3
    for seed in range(5):
        table = split_table(_final_rows(12, 48, titles), seed=seed)
        copies = table[table["spotify_track_id"].str.startswith("copy-")]
        assert copies["train_split"].nunique() == 1
        assert table.attrs["duplicate_rows"] == 11


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    """The same recording as FLAC, as a 96 kbit/s mp3, and louder with half a second of leading silence;
    and two other pieces."""
    root = tmp_path_factory.mktemp("recordings")
    song = render(PIECES["example_song"], seconds=SECONDS, seed=1)
    flac = write(root / "song.flac", song)
    mp3 = root / "song.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(flac), "-b:a", "96k", str(mp3)], check=True)
    shifted = np.concatenate([np.zeros(song.sr // 2, dtype=np.float32), song.samples * 1.5])
    louder = write(root / "louder.flac", Audio(np.clip(shifted, -1, 1), song.sr))
    others = [write(root / f"{name}.flac", render(PIECES[name], seconds=SECONDS, seed=2))
              for name in ("bright_major", "dark_minor")]
    return root, [flac, mp3, louder], others


def test_fingerprints_match_copies_and_tell_pieces_apart(recordings):
    _, copies, others = recordings
    prints = [fingerprint_file(p) for p in copies + others]
    scores = np.array([[similarity(a, b) for _, b in prints] for _, a in prints])
    print("fingerprint correlations (3 copies, 2 other pieces):\n", np.round(scores, 3))
    assert scores[:3, :3].min() >= 0.95
    assert scores[:3, 3:].max() < 0.6 and scores[3, 4] < 0.6
    assert abs(prints[2][0] - prints[0][0] - 0.5) < 0.05  # durations in seconds
    silent = audio_fingerprint(np.zeros(1000, dtype=np.float32), 22050)
    assert np.isfinite(silent[1]).all()


def test_split_with_audio_fingerprints_keeps_copies_under_other_names_together(recordings):
    root, copies, others = recordings
    titles = [f"Untitled {i}" for i in range(9)]  # metadata gives no hint: only the sound does
    table = _final_rows(9, 45, titles)
    paths = [copies[i % 3].name for i in range(9)] + [others[i % 2].name if i < 2 else "" for i in range(45)]
    table["path_audio_full"] = paths
    table.to_csv(root / "merged.csv", index=False)
    for seed in range(2):
        result = split_csv(root / "merged.csv", root / f"out-{seed}", plot=False, fingerprint_audio=True, seed=seed)
        split = result.table.set_index("spotify_track_id")["train_split"]
        assert split[[f"copy-{i}" for i in range(9)]].nunique() == 1
        assert split["other-0"] == split["other-0"] and result.table.attrs["duplicate_rows"] == 8
        assert "8 tracks are another track id" in result.report_text
    plain = split_table(table, seed=0)  # without the audio, the copies do span splits
    assert plain[plain["spotify_track_id"].str.startswith("copy-")]["train_split"].nunique() > 1
