"""Step 3: join the track list with what step 2 downloaded.

Tracks without audio (skipped, failed or never attempted) are dropped; the rest get the final column names
(``spotify_*``, ``youtube_*``, ``path_audio_full``). Tracks whose audio features Spotify did not give (the
``spotify`` route since the API change) are analyzed from the downloaded audio here and flagged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from a2i.dataset import schema
from a2i.dataset.audio_features import SOURCE_COLUMN, fill_missing_features
from a2i.dataset.storage import write_csv
from a2i.dataset.youtube import DOWNLOADED, load_records
from a2i.errors import DatasetError, require

#: Merged-table columns: the final schema up to the audio path, then the features' provenance.
MERGED_COLUMNS: tuple[str, ...] = (*schema.FINAL_COLUMNS[: schema.FINAL_COLUMNS.index("path_audio_full") + 1],
                                   SOURCE_COLUMN)


@dataclass
class MergeReport:
    tracks: int
    with_audio: int
    analyzed: int

    def summary(self) -> str:
        return (f"{self.with_audio} of {self.tracks} tracks have audio and were kept"
                f"{f'; {self.analyzed} analyzed for missing audio features' if self.analyzed else ''}")


def merge_downloads(tracks, youtube_dir: str | os.PathLike, *, analyzer=None, progress: bool = True):
    """Join a track-list DataFrame with a step-2 folder; return ``(merged DataFrame, MergeReport)``."""
    pd = require("pandas", "dataset")
    youtube_dir = Path(youtube_dir).resolve()
    records = pd.DataFrame([r for r in load_records(youtube_dir) if r.get("status") == DOWNLOADED])
    if records.empty:
        raise DatasetError(f"no downloaded tracks in {youtube_dir}; run `a2i dataset youtube` first")
    records = records.set_index("track_id")
    tracks = tracks.copy()
    tracks["track_id"] = tracks["track_id"].astype(str)
    has_audio = tracks["track_id"].isin(records.index)
    merged = tracks[has_audio].reset_index(drop=True)
    found = records.loc[merged["track_id"]]
    merged["youtube_url"] = found["url"].to_numpy()
    merged["youtube_title"] = found["title"].to_numpy()
    merged["youtube_views"] = pd.array(found["views"].to_numpy(), dtype="Int64")
    merged["youtube_duration_ms"] = pd.array(found["duration_ms"].to_numpy(), dtype="Int64")
    merged["youtube_video_skipped"] = False
    merged["youtube_title_download"] = found["title_download"].to_numpy()
    merged["youtube_english_captions"] = found["english_captions"].to_numpy()
    merged["path_audio_full"] = [str(youtube_dir / p) for p in found["audio_path"]]
    analyzed = fill_missing_features(merged, dict(zip(merged.index, merged["path_audio_full"])),
                                     analyzer=analyzer, progress=progress)
    table = schema.to_final(merged)
    table[SOURCE_COLUMN] = merged[SOURCE_COLUMN].to_numpy()
    report = MergeReport(tracks=len(tracks), with_audio=len(merged), analyzed=analyzed)
    return table[list(MERGED_COLUMNS)], report


def merge_csv(track_list: str | os.PathLike, youtube_dir: str | os.PathLike, output_csv: str | os.PathLike,
              **options) -> MergeReport:
    """Step 3 on files: track list CSV + step-2 folder -> merged CSV (atomic)."""
    from a2i.dataset.clean import read_track_list

    table, report = merge_downloads(read_track_list(track_list), youtube_dir, **options)
    write_csv(table, output_csv)
    return report
