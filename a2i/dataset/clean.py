"""Step 1: turn the Kaggle Spotify Tracks Dataset into a clean track list, one row per track.

The Kaggle file lists a track once per genre it was collected under, sometimes with different popularity
snapshots. The thesis kept one row per track (the most popular snapshot), remembered all its genres, dropped
rows with missing values, explicit tracks, unpopular tracks (popularity <= 25) and genres with fewer than 100
tracks, and built the YouTube query for step 2. Everything here is vectorized pandas: 114,000 rows take well
under a second.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from a2i.dataset import schema
from a2i.dataset.storage import read_csv, write_csv
from a2i.errors import ConfigError, DatasetError, require

_TRUE = {"true", "1", "yes", "t"}
_FALSE = {"false", "0", "no", "f"}


@dataclass
class CleanReport:
    """How many rows each rule removed, in the order the rules ran."""

    rows_read: int
    dropped: dict[str, int] = field(default_factory=dict)
    tracks_kept: int = 0

    def summary(self) -> str:
        parts = ", ".join(f"{n} {why}" for why, n in self.dropped.items())
        return f"read {self.rows_read} rows; removed {parts}; kept {self.tracks_kept} tracks"


def validate_spotify_table(df, *, source: str = "input") -> None:
    """Check columns and types of a Kaggle-schema table; raise one :class:`DatasetError` listing every problem.

    A user fixing a 114,000-row CSV by hand should see all that is wrong at once, not one error per run.
    """
    pd = require("pandas", "dataset")
    problems: list[str] = []
    missing = [c for c in schema.SPOTIFY_COLUMNS if c not in df.columns]
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    for column in schema.NUMERIC_COLUMNS:
        if column not in df.columns or pd.api.types.is_numeric_dtype(df[column]):
            continue
        values = df[column]
        bad = values.notna() & pd.to_numeric(values, errors="coerce").isna()
        if bad.any():
            first = bad.idxmax()
            problems.append(
                f"column {column!r} must be numeric but has {int(bad.sum())} non-numeric value(s) "
                f"(first: {values[first]!r} on data row {first + 1})"
            )
    if "explicit" in df.columns and not pd.api.types.is_bool_dtype(df["explicit"]):
        text = df["explicit"].dropna().astype(str).str.strip().str.lower()
        bad = ~text.isin(_TRUE | _FALSE)
        if bad.any():
            first = bad.idxmax()
            problems.append(
                f"column 'explicit' must be True/False but has {int(bad.sum())} other value(s) "
                f"(first: {df['explicit'][first]!r} on data row {first + 1})"
            )
    for column in schema.UNIT_COLUMNS:
        if column in df.columns:
            values = pd.to_numeric(df[column], errors="coerce")
            bad = (values < 0) | (values > 1)
            if bad.any():
                problems.append(f"column {column!r} must lie in 0..1 but has {int(bad.sum())} value(s) outside")
    if len(df) == 0 and not missing:
        problems.append("the table has no data rows")
    if problems:
        raise DatasetError(
            f"{source} is not a Spotify Tracks Dataset table:\n  - " + "\n  - ".join(problems)
            + f"\nExpected columns: {', '.join(schema.SPOTIFY_COLUMNS)}"
        )


def clean_tracks(
    df,
    *,
    drop_explicit: bool = True,
    min_popularity: float | None = 25,
    min_genre_size: int = 100,
):
    """Apply step 1 to a Kaggle-schema DataFrame.

    Parameters
    ----------
    df : pandas.DataFrame
        The Spotify Tracks Dataset; a leading unnamed column (the Kaggle row index) is kept as
        ``original_index``, otherwise the row position is used.
    drop_explicit : bool
        Drop tracks marked explicit (the thesis did; the pictures are meant for a general audience).
    min_popularity : float or None
        Keep tracks with popularity strictly greater than this; None keeps all.
    min_genre_size : int
        Drop genres with fewer tracks than this after the other rules (too few to learn from or to
        stratify); 0 keeps all.

    Returns
    -------
    (pandas.DataFrame, CleanReport)
        The track list in :data:`schema.TRACK_LIST_COLUMNS` order, and what each rule removed.
    """
    pd = require("pandas", "dataset")
    if min_genre_size < 0:
        raise ConfigError(f"min_genre_size must be >= 0, got {min_genre_size}")
    df = df.copy()
    index_column = df.columns[0]
    if str(index_column).startswith("Unnamed") or str(index_column) == "":
        df = df.rename(columns={index_column: "original_index"})
    elif "original_index" not in df.columns:
        df["original_index"] = range(len(df))
    validate_spotify_table(df.drop(columns=["original_index"]))
    report = CleanReport(rows_read=len(df))

    for column in schema.NUMERIC_COLUMNS:
        df[column] = pd.to_numeric(df[column], errors="coerce")
    if not pd.api.types.is_bool_dtype(df["explicit"]):
        text = df["explicit"].astype("string").str.strip().str.lower()
        df["explicit"] = text.isin(_TRUE).where(text.notna())
    columns = [*schema.SPOTIFY_COLUMNS, "original_index"]
    isrc = df["isrc"].astype("string").fillna("") if "isrc" in df.columns else None
    df = df[columns]
    for column in ("track_id", "artists", "album_name", "track_name", "track_genre"):
        df[column] = df[column].where(df[column].astype("string").str.strip() != "")
    before = len(df)
    df = df.dropna()
    report.dropped["rows with missing values"] = before - len(df)

    # One row per track: the most popular snapshot; its genre first in the list of all genres.
    df = df.sort_values("popularity", ascending=False, kind="stable")
    genre_lists: dict[str, list[str]] = {}
    pairs = df.drop_duplicates(["track_id", "track_genre"])
    for track_id, genre in zip(pairs["track_id"].tolist(), pairs["track_genre"].tolist()):
        genre_lists.setdefault(track_id, []).append(genre)
    before = len(df)
    df = df.drop_duplicates("track_id").copy()
    report.dropped["duplicate rows merged"] = before - len(df)
    df = merge_same_recordings(df, genre_lists, None if isrc is None else isrc.loc[df.index], report)
    df["track_genres"] = [schema.dump_list(genre_lists[t]) for t in df["track_id"].tolist()]

    df["explicit"] = df["explicit"].astype(bool)
    if drop_explicit:
        before = len(df)
        df = df[~df["explicit"]]
        report.dropped["explicit tracks"] = before - len(df)
    if min_popularity is not None:
        before = len(df)
        df = df[df["popularity"] > min_popularity]
        report.dropped[f"tracks with popularity <= {min_popularity:g}"] = before - len(df)
    if min_genre_size:
        sizes = df["track_genre"].map(df["track_genre"].value_counts())
        before = len(df)
        df = df[sizes >= min_genre_size]
        report.dropped[f"tracks in genres with < {min_genre_size} tracks"] = before - len(df)

    artists = [
        [name.strip() for name in text.split(";") if name.strip()] for text in df["artists"].astype(str).tolist()
    ]
    df["artists"] = [schema.dump_list(names) for names in artists]
    df["youtube_search_query"] = [
        schema.youtube_query(name, names) for name, names in zip(df["track_name"].tolist(), artists)
    ]
    for column in ("popularity", "duration_ms", "key", "mode", "time_signature", "original_index"):
        df[column] = df[column].astype("int64")
    df = df.sort_values("original_index", kind="stable").reset_index(drop=True)
    report.tracks_kept = len(df)
    return df[list(schema.TRACK_LIST_COLUMNS)], report


def merge_same_recordings(df, genre_lists: dict[str, list[str]], isrc, report: CleanReport):
    """Keep one row per recording listed under several track ids (:mod:`a2i.dataset.duplicates`).

    ``df`` is sorted most popular first, so the kept row is the most popular release; it inherits every
    genre of the group (``genre_lists`` is updated). The count goes into ``report`` as
    ``"same recording under another id (artist + title, ISRC)"``.
    """
    np = require("numpy", "core")
    from a2i.dataset.duplicates import metadata_groups

    artists = [[n.strip() for n in str(text).split(";") if n.strip()] for text in df["artists"].tolist()]
    isrcs = None if isrc is None else [i or None for i in isrc.tolist()]
    groups = metadata_groups(df["track_name"].astype(str).tolist(), artists, isrcs)
    ids = df["track_id"].tolist()
    keep = groups == np.arange(len(groups))
    for member, lead in zip(ids, groups.tolist()):
        if ids[lead] != member:
            merged = genre_lists[ids[lead]]
            merged.extend(g for g in genre_lists[member] if g not in merged)
    report.dropped["same recording under another id (artist + title, ISRC)"] = int((~keep).sum())
    return df[keep]


def clean_csv(input_csv: str | os.PathLike, output_csv: str | os.PathLike, **options) -> CleanReport:
    """Read the Kaggle CSV, apply :func:`clean_tracks` and write the track list atomically.

    Keyword options are those of :func:`clean_tracks`.
    """
    df = read_csv(input_csv, what="Spotify CSV", low_memory=False)
    try:
        tracks, report = clean_tracks(df, **options)
    except DatasetError as exc:
        raise DatasetError(str(exc).replace("input is not", f"{input_csv} is not", 1)) from None
    write_csv(tracks, output_csv)
    return report


def read_track_list(path: str | os.PathLike):
    """Load a track list (output of ``clean`` or ``spotify``), checking the columns later steps need."""
    df = read_csv(path, what="track list", dtype={"track_id": str})
    needed = ("track_id", "track_name", "artists", "youtube_search_query")
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise DatasetError(
            f"track list {path} lacks column(s) {', '.join(missing)}; make it with `a2i dataset clean` or "
            "`a2i dataset spotify`"
        )
    if df["track_id"].duplicated().any():
        dupes = df.loc[df["track_id"].duplicated(), "track_id"].head(3).tolist()
        raise DatasetError(f"track list {path} repeats track_id(s) {dupes}; run `a2i dataset clean` on it first")
    return df


