"""A track list from Spotify itself: a playlist or a list of track ids, through the Web API (spotipy).

The Kaggle table is a 2022 snapshot; a research group building its own dataset starts from a playlist
instead. This writes the same track list ``dataset clean`` writes (one row per track, artists and genres as
JSON lists, the YouTube query), so steps 2-5 run unchanged.

Credentials: the client-credentials flow, with ``SPOTIPY_CLIENT_ID`` and ``SPOTIPY_CLIENT_SECRET`` from the
environment (create an app at https://developer.spotify.com/dashboard). No user login is needed.

Audio features: Spotify removed ``/audio-features`` for applications created after 27 November 2024. Where
the endpoint answers, its values are used (``audio_features_source = "spotify"``). Where it does not, the
features come from our analyzer when audio is at hand (``--audio-dir`` with files named ``<track_id>.*``;
``"a2i-analyzer"``), and otherwise stay empty and are flagged ``"missing"``: ``a2i dataset merge`` fills them
from the audio that ``a2i dataset youtube`` downloads. Genres come from the artists (Spotify gives tracks no
genre): the first genre of the first artist that has one, else ``"unknown"``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

from a2i.dataset import schema
from a2i.dataset.audio_features import FROM_SPOTIFY, SOURCE_COLUMN, fill_missing_features
from a2i.dataset.storage import write_csv
from a2i.errors import ConfigError, DatasetError, MissingFileError, require

UNKNOWN_GENRE = "unknown"


def connect(*, client_id: str | None = None, client_secret: str | None = None, api_url: str | None = None,
            token_url: str | None = None, retries: int = 3, timeout: float = 20.0):
    """A spotipy client on the client-credentials flow.

    ``api_url`` and ``token_url`` replace Spotify's addresses (a proxy, a mirror, or a test server).
    """
    spotipy = require("spotipy", "dataset")
    from spotipy.cache_handler import MemoryCacheHandler
    from spotipy.oauth2 import SpotifyClientCredentials

    client_id = client_id or os.environ.get("SPOTIPY_CLIENT_ID")
    client_secret = client_secret or os.environ.get("SPOTIPY_CLIENT_SECRET")
    if not client_id or not client_secret:
        raise ConfigError(
            "Spotify credentials are missing: set SPOTIPY_CLIENT_ID and SPOTIPY_CLIENT_SECRET (an app's client id "
            "and secret from https://developer.spotify.com/dashboard)"
        )
    auth = SpotifyClientCredentials(client_id=client_id, client_secret=client_secret,
                                    cache_handler=MemoryCacheHandler(), requests_timeout=timeout)
    if token_url:
        auth.OAUTH_TOKEN_URL = token_url
    client = spotipy.Spotify(auth_manager=auth, retries=retries, status_retries=retries, requests_timeout=timeout)
    if api_url:
        client.prefix = api_url.rstrip("/") + "/"
    return client


def read_track_ids(path: str | os.PathLike) -> list[str]:
    """Track ids, URIs or URLs from a text file (one a line) or a CSV with a ``track_id`` column."""
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"track file {path} does not exist; give one Spotify track id, URI or URL per line")
    if path.suffix.lower() == ".csv":
        from a2i.dataset.storage import read_csv

        df = read_csv(path, what="track file", dtype=str)
        if "track_id" not in df.columns:
            raise DatasetError(f"track file {path} has no 'track_id' column")
        return df["track_id"].dropna().str.strip().tolist()
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def _call(fn, what: str):
    spotipy = require("spotipy", "dataset")
    try:
        return fn()
    except spotipy.SpotifyException as exc:
        raise DatasetError(f"Spotify refused {what}: HTTP {exc.http_status}: {exc.msg}") from exc
    except spotipy.oauth2.SpotifyOauthError as exc:
        raise DatasetError(f"Spotify login failed ({exc}); check SPOTIPY_CLIENT_ID and SPOTIPY_CLIENT_SECRET") \
            from exc


def playlist_tracks(client, playlist: str) -> list[dict]:
    """Every track object of a playlist (local files, episodes and removed tracks are left out)."""
    page = _call(lambda: client.playlist_items(playlist, additional_types=("track",)), f"playlist {playlist}")
    tracks = []
    while page:
        for entry in page.get("items") or []:
            track = entry.get("track") or entry.get("item")
            if track and track.get("id") and track.get("type", "track") == "track" and not track.get("is_local"):
                tracks.append(track)
        page = _call(lambda p=page: client.next(p), f"playlist {playlist}") if page.get("next") else None
    return tracks


def track_objects(client, ids: Sequence[str]) -> list[dict]:
    """Track objects for ids/URIs/URLs, 50 per request; unknown ids are dropped."""
    out = []
    for start in range(0, len(ids), 50):
        batch = ids[start:start + 50]
        answer = _call(lambda b=batch: client.tracks(b), "the track list")
        out += [t for t in answer.get("tracks") or [] if t and t.get("id")]
    return out


def artist_genres(client, tracks: Iterable[dict]) -> dict[str, list[str]]:
    """Artist id -> genres, 50 artists per request."""
    ids = list(dict.fromkeys(a["id"] for t in tracks for a in t.get("artists") or [] if a.get("id")))
    genres: dict[str, list[str]] = {}
    for start in range(0, len(ids), 50):
        answer = _call(lambda b=ids[start:start + 50]: client.artists(b), "artist details")
        for artist in answer.get("artists") or []:
            if artist:
                genres[artist["id"]] = list(artist.get("genres") or [])
    return genres


def audio_features(client, ids: Sequence[str]) -> tuple[dict[str, dict], str | None]:
    """Track id -> Spotify's audio features, and why none came when the endpoint is closed to this app."""
    spotipy = require("spotipy", "dataset")
    features: dict[str, dict] = {}
    for start in range(0, len(ids), 100):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                answer = client.audio_features(list(ids[start:start + 100]))
        except spotipy.SpotifyException as exc:
            if exc.http_status in (401, 403, 404, 410):
                return features, f"the audio-features endpoint answered HTTP {exc.http_status} ({exc.msg})"
            raise DatasetError(f"Spotify refused audio features: HTTP {exc.http_status}: {exc.msg}") from exc
        features.update({f["id"]: f for f in answer or [] if f and f.get("id")})
    return features, None


def tracks_table(tracks: list[dict], genres: dict[str, list[str]], features: dict[str, dict]):
    """Spotify objects -> the track list (features absent -> NaN, flagged by the caller)."""
    pd = require("pandas", "dataset")
    rows = []
    seen = set()
    for position, track in enumerate(tracks):
        if track["id"] in seen:
            continue
        seen.add(track["id"])
        names = [a.get("name", "") for a in track.get("artists") or [] if a.get("name")]
        track_genres = list(dict.fromkeys(g for a in track.get("artists") or [] for g in genres.get(a.get("id"), [])))
        feature = features.get(track["id"], {})
        rows.append({
            "track_id": track["id"],
            "artists": schema.dump_list(names),
            "album_name": (track.get("album") or {}).get("name"),
            "track_name": track.get("name"),
            "popularity": track.get("popularity"),
            "duration_ms": track.get("duration_ms"),
            "explicit": bool(track.get("explicit", False)),
            **{column: feature.get(column) for column in schema.AUDIO_FEATURE_COLUMNS},
            "track_genre": track_genres[0] if track_genres else UNKNOWN_GENRE,
            "track_genres": schema.dump_list(track_genres or [UNKNOWN_GENRE]),
            "original_index": position,
            "youtube_search_query": schema.youtube_query(track.get("name", ""), names),
        })
    df = pd.DataFrame(rows, columns=list(schema.TRACK_LIST_COLUMNS))
    for column in schema.AUDIO_FEATURE_COLUMNS:
        df[column] = pd.to_numeric(df[column], errors="coerce")
    return df


def fetch_tracks(
    *,
    playlist: str | None = None,
    track_ids: Sequence[str] | None = None,
    audio_dir: str | os.PathLike | None = None,
    client=None,
    analyzer=None,
    progress: bool = True,
    **connect_options,
):
    """Build a track list from a playlist or track ids; return ``(DataFrame, notes)``.

    ``notes`` are sentences for the user (e.g. why features are missing). Exactly one of ``playlist`` and
    ``track_ids`` is required. ``connect_options`` go to :func:`connect` when no ``client`` is given.
    """
    if (playlist is None) == (track_ids is None):
        raise ConfigError("give exactly one of --playlist URL and --tracks FILE")
    client = client or connect(**connect_options)
    tracks = playlist_tracks(client, playlist) if playlist else track_objects(client, list(track_ids))
    if not tracks:
        raise DatasetError("Spotify returned no tracks; check the playlist URL or the track ids")
    ids = list(dict.fromkeys(t["id"] for t in tracks))
    features, closed = audio_features(client, ids)
    df = tracks_table(tracks, artist_genres(client, tracks), features)
    df[SOURCE_COLUMN] = FROM_SPOTIFY
    notes = []
    if closed:
        notes.append(f"Spotify gave no audio features: {closed}.")
    paths = {}
    if audio_dir is not None:
        folder = Path(audio_dir)
        if not folder.is_dir():
            raise DatasetError(f"--audio-dir {folder} is not a folder")
        from a2i.audio import AUDIO_EXTENSIONS

        by_id = {p.stem: p for p in folder.iterdir() if p.suffix.lower() in AUDIO_EXTENSIONS}
        paths = {i: str(by_id[t]) for i, t in zip(df.index, df["track_id"]) if t in by_id}
    analyzed = fill_missing_features(df, paths, analyzer=analyzer, progress=progress)
    missing = int((df[SOURCE_COLUMN] == "missing").sum())
    if analyzed:
        notes.append(f"{analyzed} track(s) got their audio features from the a2i analyzer (flagged "
                     f"{SOURCE_COLUMN}=a2i-analyzer).")
    if missing:
        notes.append(f"{missing} track(s) have no audio features yet (flagged {SOURCE_COLUMN}=missing): run "
                     "`a2i dataset youtube` then `a2i dataset merge`, which analyzes the downloaded audio, or "
                     "pass --audio-dir with files named <track_id>.<ext>.")
    return df, notes


def fetch_csv(output_csv: str | os.PathLike, **options) -> list[str]:
    """:func:`fetch_tracks` written to a CSV (atomic); returns the notes."""
    df, notes = fetch_tracks(**options)
    write_csv(df, output_csv)
    return [f"wrote {len(df)} tracks to {output_csv}", *notes]
