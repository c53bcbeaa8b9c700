"""Steps 2 and 3 with the real yt-dlp against a local media server: filters, records, resume, kill, merge."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from a2i.dataset.localserve import LocalFileServer
from a2i.dataset.merge import MERGED_COLUMNS, merge_csv
from a2i.dataset.storage import TEMP_SUFFIX
from a2i.dataset.youtube import KnownResults, VideoFilter, YouTubeDownloader, captions_to_text, download_tracks

REPO = __import__("pathlib").Path(__file__).resolve().parents[2]


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 18), (200, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


VTT = "WEBVTT\nKind: captions\nLanguage: en\n\n00:00:00.000 --> 00:00:01.000\n<c>Hello</c> world\n\n" \
      "00:00:01.000 --> 00:00:02.000\nHello world\n\n00:00:02.000 --> 00:00:03.000\nsecond line\n"


@pytest.fixture
def site(tmp_path, make_tone):
    """A track list of 12 tracks, media for each on a local server, and search results pointing at it."""
    n = 12
    files = {f"/media/t{i:02d}.ogg": make_tone(1.0, 220 + 30 * i, seed=i) for i in range(n)}
    files.update({f"/thumb/t{i:02d}.jpg": _jpeg() for i in range(n)})
    files["/subs/t00.en.vtt"] = VTT.encode()
    server = LocalFileServer(files)
    tracks = pd.DataFrame({
        "track_id": [f"t{i:02d}" for i in range(n)],
        "track_name": [f"Song {i}" for i in range(n)],
        "artists": ['["Band"]'] * n,
        "youtube_search_query": [f"Song {i} - Band, Official, music video" for i in range(n)],
        "track_genre": ["pop"] * n,
        **{c: [0.5] * n for c in ("danceability", "energy", "speechiness", "acousticness", "instrumentalness",
                                   "liveness", "valence")},
        "key": [1] * n, "mode": [1] * n, "loudness": [-8.0] * n, "tempo": [110.0] * n, "time_signature": [4] * n,
    })
    track_csv = tmp_path / "tracks.csv"
    tracks.to_csv(track_csv, index=False)
    results = {}
    for i, query in enumerate(tracks["youtube_search_query"]):
        good = {"url": f"{server.url}/media/t{i:02d}.ogg", "title": f"Song {i} (Official Video)",
                "channel": "BandVEVO", "duration": 200, "view_count": 2_000_000, "age_limit": 0,
                "webpage_url": f"https://www.youtube.com/watch?v=vid{i:02d}",
                "thumbnail": f"{server.url}/thumb/t{i:02d}.jpg"}
        if i == 0:
            good["subtitles"] = {"en": [{"ext": "vtt", "url": f"{server.url}/subs/t00.en.vtt"}]}
            results[query] = [
                {**good, "url": f"{server.url}/media/short.ogg", "duration": 30},
                {**good, "url": f"{server.url}/media/unpopular.ogg", "view_count": 10},
                {**good, "url": f"{server.url}/media/restricted.ogg", "age_limit": 18},
                good,
            ]
        else:
            results[query] = [good]
    search_json = tmp_path / "search.json"
    search_json.write_text(json.dumps(results))
    yield {"server": server, "tracks": tracks, "track_csv": track_csv, "search_json": search_json,
           "results": results, "files": files}
    server.close()


def _no_partial_files(out):
    leftovers = [p for p in out.rglob("*") if p.is_file() and (p.name.endswith((TEMP_SUFFIX, ".part", ".ytdl"))
                                                               or ".work" in p.parts)]
    assert not leftovers, leftovers
    for record in (out / "metadata").glob("*.json"):
        json.loads(record.read_text())  # every record is complete JSON


def test_best_passing_candidate_with_metadata_thumbnail_and_captions(site, tmp_path):
    out = tmp_path / "yt"
    search = KnownResults.from_file(site["search_json"])
    summary = YouTubeDownloader(out, search=search, rate=0, retries=0).run(
        [("t00", site["tracks"]["youtube_search_query"][0])], progress=False)
    assert summary.downloaded == 1
    record = json.loads((out / "metadata" / "t00.json").read_text())
    assert record["status"] == "downloaded"
    assert record["url"] == "https://www.youtube.com/watch?v=vid00"
    assert (record["title"], record["channel"], record["duration"], record["views"]) == \
        ("Song 0 (Official Video)", "BandVEVO", 200, 2_000_000)
    assert record["english_captions"] == "Hello world second line"
    assert (out / record["audio_path"]).read_bytes() == site["files"]["/media/t00.ogg"]
    assert (out / record["thumbnail_path"]).read_bytes() == site["files"]["/thumb/t00.jpg"]
    # the rejected candidates were never requested
    assert not {"/media/short.ogg", "/media/unpopular.ogg", "/media/restricted.ogg"} & set(site["server"].hits)
    _no_partial_files(out)


def test_filters_failures_and_rerun(site, tmp_path):
    out = tmp_path / "yt"
    results = dict(site["results"])
    queries = site["tracks"]["youtube_search_query"].tolist()
    results[queries[1]] = [{**results[queries[1]][0], "url": site["server"].url + "/media/gone.ogg"}]  # 404
    results[queries[2]] = []  # no search results
    results[queries[3]] = [{**results[queries[3]][0], "duration": 700}]  # too long
    pairs = list(zip(site["tracks"]["track_id"], queries))[:6]
    downloader = YouTubeDownloader(out, search=KnownResults(results), rate=0, retries=1, backoff=0.01)
    summary = downloader.run(pairs, workers=3, progress=False)
    assert (summary.downloaded, summary.skipped, summary.failed) == (3, 2, 1)
    failed = json.loads((out / "metadata" / "t01.json").read_text())
    assert failed["status"] == "failed" and "404" in failed["reason"]
    assert "700 s outside 60..600 s" in json.loads((out / "metadata" / "t03.json").read_text())["reason"]
    assert site["server"].hits["/media/gone.ogg"] >= 2  # retried
    hits = dict(site["server"].hits)
    again = downloader.run(pairs, workers=3, progress=False)
    assert (again.already, again.failed) == (5, 1)  # only the failed track is tried again
    changed = {k for k in site["server"].hits if site["server"].hits[k] != hits.get(k)}
    assert changed == {"/media/gone.ogg"}
    # a looser filter is a user's choice
    assert VideoFilter(max_duration=800).reject_reason({"duration": 700}) is None
    _no_partial_files(out)


def test_captions_to_text_drops_timings_tags_and_repeats():
    assert captions_to_text(VTT) == "Hello world second line"
    assert captions_to_text("WEBVTT\n\nNOTE a comment\nstill comment\n\n1\n00:01.000 --> 00:02.000\nHi\n") == "Hi"


def test_kill_and_resume_downloads_nothing_twice(site, tmp_path):
    site["server"].delay = 0.15
    out = tmp_path / "yt"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "a2i", "dataset", "youtube", str(site["track_csv"]), str(out),
               "--search-results", str(site["search_json"]), "--rate", "0", "--workers", "2", "--no-progress"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline and len(list((out / "metadata").glob("*.json"))) < 4:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done_before = {p.stem for p in (out / "metadata").glob("*.json")}
    assert 4 <= len(done_before) < 12, "the run should have been interrupted mid-way"
    hits_before = dict(site["server"].hits)
    # Nothing half-written in the final folders, even right after the kill.
    for folder in ("audio", "thumbnails"):
        for path in (out / folder).iterdir():
            if not path.name.startswith("."):
                assert path.read_bytes() in site["files"].values()

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(done_before)} already done" in rerun.stdout
    for track_id in done_before:  # finished tracks were not fetched again
        for path in (f"/media/{track_id}.ogg", f"/thumb/{track_id}.jpg"):
            assert site["server"].hits[path] == hits_before[path], path
    records = {p.stem: json.loads(p.read_text()) for p in (out / "metadata").glob("*.json")}
    assert len(records) == 12 and all(r["status"] == "downloaded" for r in records.values())
    for track_id, record in records.items():
        assert (out / record["audio_path"]).read_bytes() == site["files"][f"/media/{track_id}.ogg"]
    _no_partial_files(out)


def test_merge_keeps_downloaded_tracks_and_analyzes_missing_features(site, tmp_path):
    out = tmp_path / "yt"
    tracks = site["tracks"].copy()
    tracks.loc[tracks["track_id"] == "t02", ["valence", "energy", "tempo"]] = np.nan  # Spotify gave none
    tracks.to_csv(site["track_csv"], index=False)
    results = dict(site["results"])
    results[tracks["youtube_search_query"][4]] = []
    download_tracks(site["track_csv"], out, search=KnownResults(results), rate=0, retries=0, progress=False, limit=6)
    report = merge_csv(site["track_csv"], out, tmp_path / "merged.csv", progress=False)
    merged = pd.read_csv(tmp_path / "merged.csv")
    assert list(merged.columns) == list(MERGED_COLUMNS)
    assert sorted(merged["spotify_track_id"]) == ["t00", "t01", "t02", "t03", "t05"]
    assert report.analyzed == 1
    row = merged.set_index("spotify_track_id").loc["t02"]
    assert row["audio_features_source"] == "a2i-analyzer" and 0 <= row["spotify_valence"] <= 1
    assert row["spotify_tempo"] == 0.0  # a 1-second tone has no steady beat: Spotify's own 0
    assert (merged["youtube_views"] == 2_000_000).all() and merged["youtube_video_skipped"].eq(False).all()
    assert all(os.path.isfile(p) for p in merged["path_audio_full"])
