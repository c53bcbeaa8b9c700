"""The no-service route: a dataset from a folder of the user's own music.

No Spotify account, no YouTube, no LLM key: names come from the files' tags (or their file names), the
Spotify-style features from :class:`a2i.mood.Analyzer`, prompts from the offline templates (or an LLM when
asked), and the split is step 5's. The result has exactly the final ``dataset.csv`` schema; the columns only
Spotify or YouTube could fill (popularity, YouTube fields) stay empty, ``spotify_track_id`` is a stable id
made from the file's path inside the folder, and ``spotify_time_signature`` is 4 (the analyzer does not
estimate meter).

Each file's analysis is cached in ``OUT/analysis/<id>.json`` (atomically), so a large library resumes after
an interruption; an unreadable file is reported and left out, never the end of the run.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from a2i.audio import audio_files
from a2i.dataset import schema
from a2i.dataset.audio_features import ASSUMED_TIME_SIGNATURE, FROM_ANALYZER, SOURCE_COLUMN
from a2i.dataset.storage import atomic_write_json, read_json
from a2i.errors import A2IError, DatasetError, require
from a2i.progress import progress_bar
from a2i.prompts import DEFAULT_N


@dataclass
class FolderReport:
    files: int = 0
    analyzed: int = 0
    cached: int = 0
    unreadable: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        text = f"{self.files} audio files: {self.analyzed} analyzed, {self.cached} from cache"
        if self.unreadable:
            text += f", {len(self.unreadable)} unreadable (left out):"
            text += "".join(f"\n  {path}: {why}" for path, why in list(self.unreadable.items())[:10])
        return text


def track_id_for(relative_path: str) -> str:
    """A stable id for a file inside the music folder (same file, same id, on every machine)."""
    return "local-" + hashlib.sha1(relative_path.replace(os.sep, "/").encode("utf-8")).hexdigest()[:16]


def names_from_filename(path: Path) -> tuple[str, str | None]:
    """``(title, artist)`` from a file name like ``"03 - Artist - Title.mp3"`` or ``"Title.mp3"``."""
    stem = re.sub(r"^\d+[\s._-]+", "", path.stem).replace("_", " ").strip() or path.stem
    parts = [p.strip() for p in stem.split(" - ") if p.strip()]
    if len(parts) >= 2:
        return " - ".join(parts[1:]), parts[0]
    return stem, None


def describe_folder(music_dir: str | os.PathLike, cache_dir: str | os.PathLike, *, analyzer=None,
                    progress: bool = True):
    """One track-list row per readable file (tags + analyzer features); return ``(DataFrame, FolderReport)``."""
    pd = require("pandas", "dataset")
    from a2i.audio import read_tags
    from a2i.dataset.audio_features import profile_features

    root = Path(music_dir).resolve()
    cache_dir = Path(cache_dir)
    files = audio_files(root)
    report = FolderReport(files=len(files))
    rows = []
    for index, path in enumerate(progress_bar(files, enabled=progress, desc="analyzing", unit="song")):
        relative = str(path.relative_to(root))
        track_id = track_id_for(relative)
        cache = cache_dir / f"{track_id}.json"
        if cache.exists():
            row = read_json(cache)
            report.cached += 1
        else:
            try:
                if analyzer is None:
                    from a2i.mood import Analyzer

                    analyzer = Analyzer()
                analysis = analyzer.analyze(path, per_clip=False)
            except A2IError as exc:
                report.unreadable[relative] = str(exc)
                continue
            tags = read_tags(path)
            title, artist = names_from_filename(path)
            artists = [a.strip() for a in re.split(r"\s*[;/]\s*", tags.get("artist") or artist or "") if a.strip()]
            row = {
                "track_id": track_id,
                "artists": artists or ["unknown"],
                "album_name": tags.get("album") or (path.parent.name if path.parent != root else None),
                "track_name": tags.get("title") or title,
                "popularity": None,
                "duration_ms": int(round(analysis.duration * 1000)),
                "explicit": False,
                **profile_features(analysis.song),
                "track_genre": (tags.get("genre") or "unknown").strip().lower(),
                "path_audio_full": str(path),
                "relative_path": relative,
            }
            atomic_write_json(cache, row)
            report.analyzed += 1
        row["original_index"] = index
        rows.append(row)
    if not rows:
        raise DatasetError(f"none of the {len(files)} audio files under {root} could be read:\n{report.summary()}")
    df = pd.DataFrame(rows)
    df["time_signature"] = df["time_signature"].fillna(ASSUMED_TIME_SIGNATURE)
    df["artists"] = df["artists"].map(schema.dump_list)
    df["track_genres"] = df["track_genre"].map(lambda g: schema.dump_list([g]))
    df["youtube_search_query"] = None
    df[SOURCE_COLUMN] = FROM_ANALYZER
    return df, report


def from_folder(music_dir: str | os.PathLike, out_dir: str | os.PathLike, *, prompts: str = "template",
                n_prompts: int = DEFAULT_N, seed: int = 0, workers: int = 2, analyzer=None, progress: bool = True,
                generator_options=None, **split_options):
    """The whole no-service route into ``out_dir``: ``dataset.csv``, split reports, caches.

    ``split_options`` go to :func:`a2i.dataset.split.split_table`. A small folder has small strata: most
    tracks land in the pooled "rare" stratum, which is split 80/20 like any other.
    """
    from a2i.dataset.prompting import prompt_table
    from a2i.dataset.split import plot_split, split_report, split_table
    from a2i.dataset.storage import atomic_write_text, write_csv

    out_dir = Path(out_dir)
    df, report = describe_folder(music_dir, out_dir / "analysis", analyzer=analyzer, progress=progress)
    df, prompt_report = prompt_table(df, out_dir / "prompts", generator=prompts, n=n_prompts, seed=seed,
                                     workers=workers, progress=progress, generator_options=generator_options)
    if df.empty:
        raise DatasetError(f"no track got prompts:\n{prompt_report.summary()}")
    table = split_table(df, seed=seed, **split_options)
    write_csv(table, out_dir / "dataset.csv")
    atomic_write_text(out_dir / "split_report.txt", split_report(table, test_size=split_options.get("test_size", 0.2)))
    plot_split(table, out_dir / "split_report.png")
    return table, report, prompt_report
