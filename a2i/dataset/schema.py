"""Column lists of every table the dataset steps read and write.

Three schemas matter: the Kaggle "Spotify Tracks Dataset" that ``dataset clean`` reads; the
*track list* that ``clean`` and ``spotify`` write and ``youtube`` and ``merge`` read (the Kaggle columns, one
row per track, plus the search query); and the final ``dataset.csv``. Lists are stored as JSON strings so a
CSV round trip keeps artists with commas intact.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Iterable

_encode_string = json.encoder.encode_basestring

#: Columns of the Kaggle Spotify Tracks Dataset (a leading unnamed index column may come first).
SPOTIFY_COLUMNS: tuple[str, ...] = (
    "track_id", "artists", "album_name", "track_name", "popularity", "duration_ms", "explicit",
    "danceability", "energy", "key", "loudness", "mode", "speechiness", "acousticness", "instrumentalness",
    "liveness", "valence", "tempo", "time_signature", "track_genre",
)

#: Audio features Spotify computed (and our analyzer can estimate when Spotify no longer gives them).
AUDIO_FEATURE_COLUMNS: tuple[str, ...] = (
    "danceability", "energy", "key", "loudness", "mode", "speechiness", "acousticness", "instrumentalness",
    "liveness", "valence", "tempo", "time_signature",
)

#: Numeric Kaggle columns; ``clean`` rejects a file where any of them holds text.
NUMERIC_COLUMNS: tuple[str, ...] = ("popularity", "duration_ms", *AUDIO_FEATURE_COLUMNS)

#: Kaggle columns that are fractions in 0..1.
UNIT_COLUMNS: tuple[str, ...] = (
    "danceability", "energy", "speechiness", "acousticness", "instrumentalness", "liveness", "valence",
)

#: The track list written by ``clean`` and ``spotify``: ``artists`` and ``track_genres`` are JSON lists,
#: ``track_genre`` is the genre of the kept (most popular) row, ``original_index`` its row in the input.
TRACK_LIST_COLUMNS: tuple[str, ...] = (
    *SPOTIFY_COLUMNS, "track_genres", "original_index", "youtube_search_query",
)

#: The final dataset.csv, in this order: the Spotify columns, then the YouTube download's, then the audio
#: file and the prompts (what ``a2i train`` reads, :data:`a2i.model.data.REQUIRED_COLUMNS`).
FINAL_COLUMNS: tuple[str, ...] = (
    "spotify_track_id", "spotify_track_name", "spotify_artists", "spotify_album_name", "spotify_genre",
    "spotify_popularity", "spotify_energy", "spotify_valence", "spotify_danceability", "spotify_tempo",
    "spotify_duration_ms", "spotify_key", "spotify_mode", "spotify_loudness", "spotify_time_signature",
    "spotify_acousticness", "spotify_instrumentalness", "spotify_speechiness", "spotify_liveness",
    "spotify_explicit_content", "spotify_original_index", "youtube_url", "youtube_title", "youtube_views",
    "youtube_duration_ms", "youtube_video_skipped", "youtube_search_query", "youtube_title_download",
    "youtube_english_captions", "path_audio_full", "openai_prompts", "train_valence_bin", "train_energy_bin",
    "train_stratify_key", "train_split",
)

#: Track-list column -> final column.
TRACK_TO_FINAL: dict[str, str] = {
    "track_id": "spotify_track_id",
    "track_name": "spotify_track_name",
    "artists": "spotify_artists",
    "album_name": "spotify_album_name",
    "track_genre": "spotify_genre",
    "popularity": "spotify_popularity",
    "energy": "spotify_energy",
    "valence": "spotify_valence",
    "danceability": "spotify_danceability",
    "tempo": "spotify_tempo",
    "duration_ms": "spotify_duration_ms",
    "key": "spotify_key",
    "mode": "spotify_mode",
    "loudness": "spotify_loudness",
    "time_signature": "spotify_time_signature",
    "acousticness": "spotify_acousticness",
    "instrumentalness": "spotify_instrumentalness",
    "speechiness": "spotify_speechiness",
    "liveness": "spotify_liveness",
    "explicit": "spotify_explicit_content",
    "original_index": "spotify_original_index",
    "youtube_search_query": "youtube_search_query",
}

#: Columns holding JSON lists in CSV files.
LIST_COLUMNS: tuple[str, ...] = ("artists", "track_genres", "spotify_artists", "openai_prompts")


def youtube_query(track_name: str, artists: Iterable[str]) -> str:
    """The search the thesis used: ``"<track> - <artist1>, <artist2>, Official, music video"``."""
    return f"{track_name} - {', '.join(artists)}, Official, music video"


def dump_list(values: Iterable[str]) -> str:
    """A list of strings as the JSON string stored in CSV cells (C-speed: called once per track)."""
    return "[" + ", ".join(map(_encode_string, values)) + "]"


def load_list(cell) -> list:
    """Parse a list cell: a JSON string, an already-parsed list, or empty (NaN/None/"") -> ``[]``."""
    if isinstance(cell, list):
        return cell
    if cell is None or (isinstance(cell, float) and cell != cell) or cell == "":
        return []
    value = json.loads(cell)
    return value if isinstance(value, list) else [value]


def to_final(df):
    """Rename a track-list or merged table to the final columns, adding absent ones empty, in final order.

    ``dataset split`` accepts the output of any earlier step (clean, merge, prompts) so a researcher without
    YouTube or an LLM can still split a cleaned Spotify list; the columns those steps would have filled stay
    empty.
    """
    out = df.rename(columns={k: v for k, v in TRACK_TO_FINAL.items() if k in df.columns})
    out = out.loc[:, ~out.columns.duplicated()]
    for column in FINAL_COLUMNS:
        if column not in out.columns:
            out[column] = None
    return out[list(FINAL_COLUMNS)]
