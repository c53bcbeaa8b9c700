"""Step 2: find each track's music video on YouTube and download its audio, thumbnail and captions.

yt-dlp does the searching and downloading through its Python API. The search is a plain callable, so a
run can use YouTube's search (the default), search results a user already has (:class:`KnownResults`, e.g.
the URLs of a published dataset), or a local server in tests.

The run is built to be left alone for days on 40,000 tracks:

- **polite**: a shared rate limit spaces requests; a few workers run in parallel;
- **robust**: each request is retried with exponential backoff; a track that still fails gets a record with
  the reason and the run goes on;
- **resumable**: a track is finished when its metadata record ``metadata/<track_id>.json`` exists. The audio
  and thumbnail are downloaded into a scratch folder and moved into place first, the record is written last,
  each with an atomic rename, so a kill at any moment leaves no half-written file and a rerun skips exactly
  the finished tracks (downloaded or skipped). Failed tracks are tried again on a rerun.

Output layout::

    OUT/audio/<track_id>.<ext>        the best audio stream, as YouTube serves it (webm/opus, m4a, ...)
    OUT/thumbnails/<track_id>.<ext>   the video's thumbnail
    OUT/metadata/<track_id>.json      status (downloaded | skipped | failed), reason, title, channel,
                                      duration, views, URL, English captions (text), file paths
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from a2i.dataset.concurrency import RateLimiter, retry, run_parallel
from a2i.dataset.storage import TEMP_SUFFIX, atomic_move, atomic_write_json, read_json
from a2i.errors import ConfigError, DatasetError, require

#: ``search(query, max_results) -> [candidate info dicts, best match first]``.
Search = Callable[[str, int], list[dict]]

DOWNLOADED, SKIPPED, FAILED = "downloaded", "skipped", "failed"
_ENGLISH = ["en", "en-US", "en-GB", "en-orig"]


@dataclass(frozen=True)
class VideoFilter:
    """Which videos count as the track's music video (the thesis's rules, each adjustable).

    Fields missing from a candidate (e.g. the views of a direct file) are not held against it.
    """

    min_duration: float = 60.0
    max_duration: float = 600.0
    min_views: int = 100_000
    allow_age_restricted: bool = False

    def reject_reason(self, info: Mapping[str, Any]) -> str | None:
        """Why ``info`` fails the filter, or None when it passes."""
        duration = info.get("duration")
        if duration is not None and not self.min_duration <= float(duration) <= self.max_duration:
            return f"duration {float(duration):.0f} s outside {self.min_duration:.0f}..{self.max_duration:.0f} s"
        views = info.get("view_count")
        if views is not None and int(views) < self.min_views:
            return f"{int(views)} views < {self.min_views}"
        if not self.allow_age_restricted and (info.get("age_limit") or 0) >= 18:
            return "age-restricted"
        return None


def youtube_search(query: str, max_results: int = 5) -> list[dict]:
    """YouTube's own ranking for ``query``: flat entries (URL, title, duration, views) without downloading."""
    yt_dlp = require("yt_dlp", "dataset")
    options = {"quiet": True, "no_warnings": True, "extract_flat": "in_playlist", "skip_download": True}
    with yt_dlp.YoutubeDL(options) as ydl:
        result = ydl.extract_info(f"ytsearch{max_results}:{query}", download=False)
    return [dict(entry) for entry in (result or {}).get("entries") or [] if entry]


class KnownResults:
    """Search results given as data: a JSON object mapping a search query (or a track id) to candidates.

    Each candidate is a yt-dlp info dict with at least ``url``; ``title``, ``channel``, ``duration``,
    ``view_count``, ``age_limit``, ``thumbnail`` and ``subtitles`` fill in what the URL's extractor does not
    report. Use it to re-download the videos of a published dataset, or with search results from another
    tool. A query with no entry has no candidates (the track is skipped).
    """

    def __init__(self, mapping: Mapping[str, list[dict]]) -> None:
        self.mapping = {str(k): [dict(c) if isinstance(c, Mapping) else {"url": str(c)} for c in v]
                        for k, v in mapping.items()}

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> KnownResults:
        data = read_json(path)
        if not isinstance(data, dict):
            raise DatasetError(f"search results {path} must be a JSON object mapping queries to candidate lists")
        return cls(data)

    def __call__(self, query: str, max_results: int = 5) -> list[dict]:
        return self.mapping.get(query, [])[:max_results]


@dataclass
class DownloadSummary:
    """Counts of one run (``already`` = finished in an earlier run and not touched)."""

    downloaded: int = 0
    skipped: int = 0
    failed: int = 0
    already: int = 0
    reasons: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        text = (f"{self.downloaded} downloaded, {self.skipped} skipped, {self.failed} failed, "
                f"{self.already} already done")
        if self.reasons:
            text += "; reasons: " + "; ".join(f"{n}× {why}" for why, n in self.reasons.most_common(5))
        return text


def captions_to_text(vtt: str) -> str:
    """Plain text of a WebVTT caption file: no header, timings, tags, or the repeats of rolling captions."""
    lines: list[str] = []
    skipping_block = False
    for raw in vtt.splitlines():
        line = raw.strip()
        if not line:
            skipping_block = False
            continue
        if skipping_block or line.startswith(("WEBVTT", "Kind:", "Language:")) or "-->" in line \
                or line.isdigit():
            continue
        if line.startswith(("NOTE", "STYLE", "REGION")):
            skipping_block = True
            continue
        text = re.sub(r"<[^>]+>", "", line).strip()
        if text and (not lines or lines[-1] != text):
            lines.append(text)
    return " ".join(lines)


class YouTubeDownloader:
    """Downloads tracks into an output folder; one instance per run, shared by the worker threads.

    Parameters
    ----------
    out_dir : path
        Output folder (see the module docstring for its layout).
    search : callable, optional
        ``search(query, max_results)``; default :func:`youtube_search`.
    video_filter : VideoFilter
        Which candidates are acceptable.
    max_candidates : int
        Search results considered per track; the first that passes the filter is downloaded.
    rate : float
        Requests per second across all workers (searches and downloads); 0 disables the limit.
    retries, backoff : int, float
        Retries per request and the first backoff in seconds (doubling each retry).
    ydl_options : dict, optional
        Extra yt-dlp options (e.g. ``{"cookiefile": ...}``), applied last.
    """

    def __init__(
        self,
        out_dir: str | os.PathLike,
        *,
        search: Search | None = None,
        video_filter: VideoFilter = VideoFilter(),
        max_candidates: int = 5,
        rate: float = 1.0,
        retries: int = 3,
        backoff: float = 2.0,
        ydl_options: Mapping[str, Any] | None = None,
    ) -> None:
        if max_candidates < 1 or retries < 0 or backoff < 0:
            raise ConfigError("max_candidates must be >= 1, retries and backoff >= 0")
        self.yt_dlp = require("yt_dlp", "dataset")
        self.out_dir = Path(out_dir)
        self.search = search or youtube_search
        self.filter = video_filter
        self.max_candidates = max_candidates
        self.limiter = RateLimiter(rate)
        self.retries = retries
        self.backoff = backoff
        self.ydl_options = dict(ydl_options or {})
        for sub in ("audio", "thumbnails", "metadata"):
            (self.out_dir / sub).mkdir(parents=True, exist_ok=True)
        self.work_dir = self.out_dir / ".work"

    # -- resume state -------------------------------------------------------------------------------------------
    def record_path(self, track_id: str) -> Path:
        return self.out_dir / "metadata" / f"{track_id}.json"

    def status(self, track_id: str) -> str | None:
        path = self.record_path(track_id)
        return read_json(path).get("status") if path.exists() else None

    def clear_leftovers(self) -> None:
        """Delete scratch files of an interrupted run; finished files are never touched."""
        shutil.rmtree(self.work_dir, ignore_errors=True)
        for sub in ("audio", "thumbnails", "metadata"):
            for leftover in (self.out_dir / sub).glob(f".*{TEMP_SUFFIX}"):
                leftover.unlink(missing_ok=True)

    # -- one track ----------------------------------------------------------------------------------------------
    def process(self, track_id: str, query: str) -> dict:
        """Search, filter, download and record one track; never raises for a per-track problem."""
        started = time.time()
        record: dict[str, Any] = {"track_id": track_id, "query": query}
        try:
            record.update(self._find_and_download(track_id, query))
        except Exception as exc:  # a broken track must not end a 40,000-track run
            record.update(status=FAILED, reason=f"{type(exc).__name__}: {_one_line(exc)}")
        record["seconds"] = round(time.time() - started, 2)
        atomic_write_json(self.record_path(track_id), record)
        return record

    def _find_and_download(self, track_id: str, query: str) -> dict:
        download_error = self.yt_dlp.utils.DownloadError
        candidates = retry(lambda: self.search(query, self.max_candidates), retries=self.retries,
                           backoff=self.backoff, retry_on=(download_error, OSError), limiter=self.limiter)
        rejected: list[str] = []
        for candidate in candidates[: self.max_candidates]:
            reason = self.filter.reject_reason(candidate)
            if reason:
                rejected.append(reason)
                continue
            result = retry(lambda candidate=candidate: self._download(track_id, candidate), retries=self.retries,
                           backoff=self.backoff, retry_on=(download_error, OSError), limiter=self.limiter)
            if isinstance(result, str):
                rejected.append(result)
                continue
            return result
        if not candidates:
            return {"status": SKIPPED, "reason": "no search results"}
        return {"status": SKIPPED, "reason": "no candidate passed the filters: " + "; ".join(rejected),
                "candidates_checked": len(candidates)}

    def _download(self, track_id: str, candidate: dict) -> dict | str:
        """Download one candidate into scratch, then move it into place; a str result is a filter rejection."""
        scratch = self.work_dir / track_id
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        rejection: list[str] = []

        def match_filter(info, *, incomplete=False):
            reason = self.filter.reject_reason(info)
            if reason:
                rejection.append(reason)
            return reason

        options = {
            "format": "bestaudio/best",
            "outtmpl": str(scratch / f"{track_id}.%(ext)s"),
            "paths": {"home": str(scratch), "temp": str(scratch)},
            "writethumbnail": True,
            "writesubtitles": True,
            "writeautomaticsub": True,
            "subtitleslangs": _ENGLISH,
            "subtitlesformat": "vtt/best",
            "match_filter": match_filter,
            "logger": _QuietLogger(),
            "quiet": True,
            "no_warnings": True,
            "noprogress": True,
            "noplaylist": True,
            "socket_timeout": 30,
            "retries": 2,
            "overwrites": True,
            **self.ydl_options,
        }
        entry = dict(candidate)
        entry.setdefault("_type", "url_transparent")
        try:
            with self.yt_dlp.YoutubeDL(options) as ydl:
                info = ydl.process_ie_result(entry, download=True)
            if rejection:
                return rejection[0]
            downloads = (info or {}).get("requested_downloads") or []
            audio = next((Path(d["filepath"]) for d in downloads if d.get("filepath")), None)
            if audio is None or not audio.is_file():
                raise self.yt_dlp.utils.DownloadError("yt-dlp reported no downloaded file")
            return self._finish(track_id, info, audio)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _finish(self, track_id: str, info: Mapping[str, Any], audio: Path) -> dict:
        audio_final = atomic_move(audio, self.out_dir / "audio" / f"{track_id}{audio.suffix}")
        thumbnail_final = None
        for thumb in info.get("thumbnails") or []:
            source = thumb.get("filepath")
            if source and Path(source).is_file():
                thumbnail_final = atomic_move(source, self.out_dir / "thumbnails" / f"{track_id}{Path(source).suffix}")
                break
        captions, captions_lang = None, None
        for lang, sub in (info.get("requested_subtitles") or {}).items():
            source = sub.get("filepath")
            if source and Path(source).is_file():
                captions = captions_to_text(Path(source).read_text(encoding="utf-8", errors="replace"))
                captions_lang = lang
                break
        duration = info.get("duration")
        return {
            "status": DOWNLOADED,
            "reason": None,
            "url": info.get("webpage_url") or info.get("original_url") or info.get("url"),
            "title": info.get("title"),
            "channel": info.get("channel") or info.get("uploader"),
            "duration": duration,
            "duration_ms": int(round(float(duration) * 1000)) if duration is not None else None,
            "views": info.get("view_count"),
            "age_limit": info.get("age_limit"),
            "english_captions": captions,
            "captions_language": captions_lang,
            "audio_path": str(audio_final.relative_to(self.out_dir)),
            "title_download": audio_final.name,
            "thumbnail_path": str(thumbnail_final.relative_to(self.out_dir)) if thumbnail_final else None,
        }

    # -- a whole run --------------------------------------------------------------------------------------------
    def run(
        self,
        tracks: Iterable[tuple[str, str]],
        *,
        workers: int = 4,
        retry_failed: bool = True,
        progress: bool = True,
    ) -> DownloadSummary:
        """Process ``(track_id, query)`` pairs that are not finished yet, ``workers`` at a time."""
        self.clear_leftovers()
        summary = DownloadSummary()
        todo = []
        for track_id, query in tracks:
            status = self.status(track_id)
            if status in (DOWNLOADED, SKIPPED) or (status == FAILED and not retry_failed):
                summary.already += 1
            else:
                todo.append((track_id, query))
        for record in run_parallel(lambda item: self.process(*item), todo, workers=workers, total=len(todo),
                                   desc="youtube", progress=progress):
            status = record["status"]
            setattr(summary, status, getattr(summary, status) + 1)
            if status != DOWNLOADED:
                summary.reasons[_reason_kind(record.get("reason") or "")] += 1
        return summary


def download_tracks(
    track_list: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    workers: int = 4,
    limit: int | None = None,
    retry_failed: bool = True,
    progress: bool = True,
    **options,
) -> DownloadSummary:
    """Run step 2 on a track list CSV (output of ``clean`` or ``spotify``).

    Keyword options are those of :class:`YouTubeDownloader`; ``limit`` processes only the first N tracks.
    """
    from a2i.dataset.clean import read_track_list

    df = read_track_list(track_list)
    if limit is not None:
        df = df.head(limit)
    downloader = YouTubeDownloader(out_dir, **options)
    pairs = list(zip(df["track_id"].astype(str), df["youtube_search_query"].astype(str)))
    return downloader.run(pairs, workers=workers, retry_failed=retry_failed, progress=progress)


def load_records(out_dir: str | os.PathLike) -> list[dict]:
    """Every finished track's record in a step-2 output folder."""
    folder = Path(out_dir) / "metadata"
    if not folder.is_dir():
        raise DatasetError(f"{out_dir} has no metadata/ folder; is it the output folder of `a2i dataset youtube`?")
    return [read_json(path) for path in sorted(folder.glob("*.json"))]


class _QuietLogger:
    """yt-dlp logger that keeps errors off the terminal: they are raised, caught and recorded per track."""

    def debug(self, msg: str) -> None:
        pass

    info = warning = error = debug


def _one_line(exc: BaseException) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip().splitlines()
    return text[0] if text else repr(exc)


def _reason_kind(reason: str) -> str:
    """Group reasons for the summary (numbers removed so '812 views' and '95 views' count together)."""
    return re.sub(r"\d+(\.\d+)?", "N", reason)[:120]
