"""Synthetic tables in the Kaggle Spotify Tracks Dataset schema.

The real file cannot ship with the project (Spotify's terms), yet tests, notebooks and the benchmark need
data shaped like it: about 114,000 rows, 125 genres of 1,000 rows each, tracks repeated under several genres
with different popularity snapshots, a share of explicit and unpopular tracks, and a few missing values.
"""

from __future__ import annotations

from a2i.dataset import schema
from a2i.errors import ConfigError, require
from a2i.fileio import atomic_write_text

_WORDS = (
    "blue", "night", "fire", "river", "gold", "summer", "echo", "neon", "ghost", "velvet", "storm", "paper",
    "sun", "moon", "dance", "heart", "city", "road", "wild", "silver", "dream", "rain", "glass", "honey",
)


def spotify_table(n_rows: int = 114_000, *, n_genres: int = 125, duplicate_share: float = 0.2,
                  missing_rows: int = 3, seed: int = 0, index_column: bool = True):
    """A random table with the Kaggle columns and its quirks.

    Parameters
    ----------
    n_rows : int
        Rows in the table (before nothing is removed: duplicates are part of the count).
    n_genres : int
        Genres named ``genre000``...; rows are spread evenly over them as in the Kaggle file.
    duplicate_share : float
        Share of rows that repeat an earlier track under another genre with another popularity.
    missing_rows : int
        Rows with a missing album/track name (the Kaggle file has one).
    seed : int
        Random seed; equal seeds give equal tables.
    index_column : bool
        Write the Kaggle file's leading unnamed index column.
    """
    if n_rows < 1 or n_genres < 1:
        raise ConfigError(f"n_rows and n_genres must be positive, got {n_rows} and {n_genres}")
    np = require("numpy", "core")
    pd = require("pandas", "dataset")
    rng = np.random.default_rng(seed)
    n_unique = max(1, int(round(n_rows * (1 - duplicate_share))))
    source = np.concatenate([np.arange(n_unique), rng.integers(0, n_unique, n_rows - n_unique)])
    ids = np.char.add("trk", np.char.zfill(source.astype(str), 19))
    words = np.array(_WORDS)
    names = np.char.add(np.char.add(words[source % len(words)], " "), words[(source // 7) % len(words)])
    names = np.char.add(names, np.char.add(" ", source.astype(str)))
    n_artists = 1 + (source % 3 == 0).astype(int)
    first = np.char.add("Artist ", (source % 5000).astype(str))
    second = np.char.add(";Artist ", ((source * 7 + 11) % 5000).astype(str))
    artists = np.where(n_artists > 1, np.char.add(first, second), first)
    unit = rng.random((n_rows, 7))
    table = pd.DataFrame({
        "track_id": ids,
        "artists": artists,
        "album_name": np.char.add("Album ", (source // 10).astype(str)),
        "track_name": names,
        "popularity": rng.integers(0, 101, n_rows),
        "duration_ms": rng.integers(60_000, 600_000, n_rows),
        "explicit": rng.random(n_rows) < 0.08,
        "danceability": unit[:, 0].round(3),
        "energy": unit[:, 1].round(3),
        "key": rng.integers(0, 12, n_rows),
        "loudness": (-30 + 30 * rng.random(n_rows)).round(3),
        "mode": rng.integers(0, 2, n_rows),
        "speechiness": (unit[:, 2] * 0.5).round(4),
        "acousticness": unit[:, 3].round(4),
        "instrumentalness": (unit[:, 4] ** 3).round(6),
        "liveness": (unit[:, 5] * 0.8).round(4),
        "valence": unit[:, 6].round(3),
        "tempo": (60 + 140 * rng.random(n_rows)).round(3),
        "time_signature": rng.choice([3, 4, 4, 4, 5], n_rows),
        "track_genre": np.char.add("genre", np.char.zfill((np.arange(n_rows) * n_genres // n_rows).astype(str), 3)),
    })
    # A repeated track keeps its name and features but appears under another genre and popularity.
    first_rows = pd.Series(np.arange(n_rows)).groupby(source).transform("first").to_numpy()
    for column in ("explicit", "danceability", "energy", "key", "loudness", "mode", "speechiness",
                   "acousticness", "instrumentalness", "liveness", "valence", "tempo", "time_signature",
                   "duration_ms"):
        table[column] = table[column].to_numpy()[first_rows]
    if missing_rows:
        holes = rng.choice(n_rows, size=min(missing_rows, n_rows), replace=False)
        table.loc[holes, "album_name"] = None
    table = table[list(schema.SPOTIFY_COLUMNS)]
    return table.rename_axis(None) if index_column else table.reset_index(drop=True)


def write_spotify_csv(path, n_rows: int = 114_000, **options):
    """Write :func:`spotify_table` as a CSV shaped like the Kaggle download (leading unnamed index column)."""
    table = spotify_table(n_rows, **options)
    index = options.get("index_column", True)
    return atomic_write_text(path, table.to_csv(index=index))
