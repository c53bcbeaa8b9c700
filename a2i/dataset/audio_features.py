"""Spotify-style audio features from our own analyzer, for tracks Spotify no longer describes.

Spotify closed its audio-features endpoint to new applications in November 2024, and a user's own music was
never in Spotify's table. :class:`a2i.mood.Analyzer` estimates the same quantities from the audio, so every
route can end in the same schema. Rows filled this way are flagged ``audio_features_source = "a2i-analyzer"``
(``"spotify"`` for Spotify's own values, ``"missing"`` where neither was available).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

#: Meter is not estimated by the analyzer; common time is assumed (and flagged through the source column).
ASSUMED_TIME_SIGNATURE = 4

SOURCE_COLUMN = "audio_features_source"
FROM_SPOTIFY, FROM_ANALYZER, MISSING = "spotify", "a2i-analyzer", "missing"


def profile_features(profile) -> dict[str, Any]:
    """A :class:`a2i.mood.Profile` as the Kaggle feature columns."""
    return {
        "danceability": profile.danceability,
        "energy": profile.energy,
        "key": int(profile.key),
        "loudness": profile.loudness,
        "mode": int(profile.mode),
        "speechiness": profile.speechiness,
        "acousticness": profile.acousticness,
        "instrumentalness": profile.instrumentalness,
        "liveness": profile.liveness,
        "valence": profile.valence,
        "tempo": profile.tempo,
        "time_signature": ASSUMED_TIME_SIGNATURE,
    }


def analyze_features(path: str | os.PathLike, analyzer=None) -> dict[str, Any]:
    """Features of one audio file (whole-song profile, no per-clip detail)."""
    if analyzer is None:
        from a2i.mood import Analyzer

        analyzer = Analyzer()
    return profile_features(analyzer.analyze(path, per_clip=False).song)


def fill_missing_features(df, paths: Mapping[int, str], *, analyzer=None, progress: bool = True):
    """Fill rows whose audio features are missing from their audio file; return the number filled.

    Parameters
    ----------
    df : pandas.DataFrame
        Track-list columns (``valence``, ``energy``, ...); changed in place, including ``audio_features_source``.
    paths : mapping
        Row index -> audio path for the rows that have audio.
    """
    from a2i.dataset.schema import AUDIO_FEATURE_COLUMNS
    from a2i.progress import progress_bar

    if SOURCE_COLUMN not in df.columns:
        df[SOURCE_COLUMN] = FROM_SPOTIFY
    missing = df[list(AUDIO_FEATURE_COLUMNS)].isna().any(axis=1)
    todo = [index for index in df.index[missing] if index in paths]
    if todo and analyzer is None:
        from a2i.mood import Analyzer

        analyzer = Analyzer()
    for index in progress_bar(todo, enabled=progress and bool(todo), desc="analyzing audio", unit="track"):
        for column, value in analyze_features(paths[index], analyzer).items():
            df.loc[index, column] = value
        df.loc[index, SOURCE_COLUMN] = FROM_ANALYZER
    still = df[list(AUDIO_FEATURE_COLUMNS)].isna().any(axis=1)
    df.loc[still, SOURCE_COLUMN] = MISSING
    return len(todo)
