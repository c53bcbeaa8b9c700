"""The spotify route with the real spotipy client against a fake Spotify Web API on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import os
from collections import Counter
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from a2i.dataset import schema
from a2i.dataset.spotify import fetch_tracks

ARTISTS = {"ar1": ["indie pop", "dream pop"], "ar2": [], "ar3": ["techno"]}


def _track(i, artists, explicit=False):
    return {"id": f"tr{i}", "type": "track", "name": f"Song {i}", "popularity": 40 + i, "duration_ms": 180000 + i,
            "explicit": explicit, "album": {"name": f"Album {i}"},
            "artists": [{"id": a, "name": f"Artist {a}"} for a in artists]}


TRACKS = {f"tr{i}": _track(i, artists) for i, artists in enumerate([["ar1", "ar2"], ["ar2"], ["ar3"], ["ar1"]])}


def _features(track_id):
    i = int(track_id[2:])
    return {"id": track_id, "danceability": 0.5, "energy": 0.1 * (i + 1), "key": i, "loudness": -6.0, "mode": 1,
            "speechiness": 0.04, "acousticness": 0.3, "instrumentalness": 0.0, "liveness": 0.1,
            "valence": 0.2 * (i + 1), "tempo": 100.0 + i, "time_signature": 4}


@pytest.fixture
def spotify_api(json_server):
    """Start a fake Web API; ``features_closed`` makes /audio-features answer 403 as for new apps since 2024."""

    def start(*, features_closed: bool = False):
        def route(method, path, body, headers):
            server.hits[path.split("?")[0]] += 1
            if path == "/api/token":
                expected = "Basic " + base64.b64encode(b"cid:secret").decode()
                if method != "POST" or headers.get("Authorization") != expected:
                    return 400, {"error": "invalid_client"}
                return 200, {"access_token": "tok", "token_type": "Bearer", "expires_in": 3600}
            if headers.get("Authorization") != "Bearer tok":
                return 401, {"error": {"status": 401, "message": "No token provided"}}
            url = urlparse(path)
            query = parse_qs(url.query)
            ids = query.get("ids", [""])[0].split(",")
            if url.path == "/v1/playlists/pl1/items":
                offset = int(query.get("offset", ["0"])[0])
                items = [{"track": TRACKS["tr0"]}, {"track": TRACKS["tr1"]},
                         {"track": {"id": None, "is_local": True, "name": "local file"}}]
                if offset == 0:
                    return 200, {"items": items, "next": f"{server.url}/v1/playlists/pl1/items?offset=3&limit=3"}
                return 200, {"items": [{"track": TRACKS["tr2"]}, {"track": TRACKS["tr0"]}], "next": None}
            if url.path == "/v1/tracks/":
                return 200, {"tracks": [TRACKS.get(i) for i in ids]}
            if url.path == "/v1/artists/":
                return 200, {"artists": [{"id": i, "name": i, "genres": ARTISTS[i]} for i in ids]}
            if url.path == "/v1/audio-features/":
                if features_closed:
                    return 403, {"error": {"status": 403, "message": "Forbidden"}}
                return 200, {"audio_features": [_features(i) for i in ids]}
            return 404, {"error": {"status": 404, "message": "not found"}}

        server = json_server(route)
        server.hits = Counter()
        return server

    return start


def test_playlist_with_pagination_and_features(spotify_api):
    server = spotify_api()
    df, notes = fetch_tracks(playlist="https://open.spotify.com/playlist/pl1?si=abc", client_id="cid",
                             client_secret="secret", api_url=server.url + "/v1/", token_url=server.url + "/api/token",
                             progress=False)
    assert list(df.columns) == [*schema.TRACK_LIST_COLUMNS, "audio_features_source"]
    assert df["track_id"].tolist() == ["tr0", "tr1", "tr2"]  # local file and repeat left out
    tr0 = df.iloc[0]
    assert json.loads(tr0["artists"]) == ["Artist ar1", "Artist ar2"]
    assert tr0["track_genre"] == "indie pop" and json.loads(tr0["track_genres"]) == ["indie pop", "dream pop"]
    assert df.iloc[1]["track_genre"] == "unknown"
    assert tr0["youtube_search_query"] == "Song 0 - Artist ar1, Artist ar2, Official, music video"
    assert df["valence"].tolist() == pytest.approx([0.2, 0.4, 0.6]) and (df["audio_features_source"] == "spotify").all()
    assert notes == []
    assert server.hits["/api/token"] == 1  # one token for all calls


def test_cli_tracks_file_with_closed_features_uses_analyzer_and_flags(spotify_api, tmp_path, cli, make_tone):
    server = spotify_api(features_closed=True)
    (tmp_path / "ids.txt").write_text("tr0\nspotify:track:tr1\nhttps://open.spotify.com/track/tr3\n")
    audio = tmp_path / "audio"
    audio.mkdir()
    (audio / "tr1.ogg").write_bytes(make_tone(3.0, 330))
    env = {"SPOTIPY_CLIENT_ID": "cid", "SPOTIPY_CLIENT_SECRET": "secret"}
    result = cli("dataset", "spotify", "--tracks", tmp_path / "ids.txt", tmp_path / "tracks.csv",
                 "--audio-dir", audio, "--api-url", server.url + "/v1/", "--token-url", server.url + "/api/token",
                 env=env)
    assert result.returncode == 0, result.stderr
    assert "HTTP 403" in result.stdout and "1 track(s) got their audio features from the a2i analyzer" in result.stdout
    assert "2 track(s) have no audio features yet" in result.stdout
    df = pd.read_csv(tmp_path / "tracks.csv").set_index("track_id")
    assert df.loc["tr1", "audio_features_source"] == "a2i-analyzer" and 0 <= df.loc["tr1", "valence"] <= 1
    assert df.loc["tr1", "time_signature"] == 4
    assert df.loc["tr0", "audio_features_source"] == "missing" and pd.isna(df.loc["tr0", "valence"])


def test_missing_credentials_and_refusals_are_clean_errors(spotify_api, tmp_path, cli):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOTIPY")}
    env.update(SPOTIPY_CLIENT_ID="", SPOTIPY_CLIENT_SECRET="")
    result = cli("dataset", "spotify", "--playlist", "pl1", tmp_path / "out.csv", env=env)
    assert result.returncode == 2 and "SPOTIPY_CLIENT_ID" in result.stderr and "Traceback" not in result.stderr
    server = spotify_api()
    wrong = cli("dataset", "spotify", "--playlist", "pl1", tmp_path / "out.csv", "--api-url", server.url + "/v1/",
                "--token-url", server.url + "/api/token",
                env={"SPOTIPY_CLIENT_ID": "cid", "SPOTIPY_CLIENT_SECRET": "wrong"})
    assert wrong.returncode == 2 and "Spotify login failed" in wrong.stderr, wrong.stderr
    assert not (tmp_path / "out.csv").exists()
