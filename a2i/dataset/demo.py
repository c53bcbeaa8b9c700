"""An offline stand-in for YouTube, so the download notebook runs anywhere (and in the test suite).

:func:`offline_site` synthesizes a short piece per track (a pulsing chord whose mode, brightness and pulse follow
the track's valence and energy), a thumbnail and an English caption file, serves them on 127.0.0.1 with
:class:`~a2i.dataset.localserve.LocalFileServer`, and returns search results in the shape YouTube's search
gives, including one decoy per track that the default filters reject (too few views). The real yt-dlp then
downloads from it exactly as it would from YouTube.
"""

from __future__ import annotations

import io

from a2i.dataset.localserve import LocalFileServer
from a2i.dataset.youtube import KnownResults


def _piece_bytes(valence: float, energy: float, seconds: float, seed: int, sr: int = 22050) -> bytes:
    """A pulsing chord: major and bright for high valence, minor and dull for low; faster pulses for energy.

    Deliberately simple (milliseconds to make): the demo is about the download machinery, not the music.
    """
    import numpy as np
    import soundfile as sf

    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    root = 196.0 * 2 ** (rng.integers(0, 7) / 12)
    third = 4 if valence >= 0.5 else 3
    wave = np.zeros_like(t)
    for semitones in (0, third, 7):
        freq = root * 2 ** (semitones / 12)
        for harmonic in range(1, 2 + int(4 * valence)):
            wave += np.sin(2 * np.pi * freq * harmonic * t) / harmonic**1.5
    pulse = 0.55 + 0.45 * np.sign(np.sin(2 * np.pi * (1 + 7 * energy) * t))
    wave = 0.25 * wave / np.abs(wave).max() * pulse + 0.02 * energy * rng.standard_normal(t.size)
    buffer = io.BytesIO()
    sf.write(buffer, wave.astype(np.float32), sr, format="OGG", subtype="VORBIS")
    return buffer.getvalue()


def _thumbnail(valence: float, energy: float) -> bytes:
    from PIL import Image

    colour = (int(80 + 170 * valence), int(60 + 120 * energy), int(200 - 150 * valence))
    buffer = io.BytesIO()
    Image.new("RGB", (160, 90), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def offline_site(tracks, *, seconds: float = 6.0) -> tuple[LocalFileServer, KnownResults]:
    """Serve synthesized media for ``tracks`` (a track-list DataFrame); return the server and search results.

    Close the server when done (``server.close()``). Durations in the results are the files' real lengths,
    so pass ``VideoFilter(min_duration=...)`` below ``seconds`` when downloading from it.
    """
    files: dict[str, bytes] = {}
    rows = list(tracks.itertuples(index=False))
    for i, row in enumerate(rows):
        files[f"/media/{row.track_id}.ogg"] = _piece_bytes(row.valence, row.energy, seconds, seed=i)
        files[f"/thumbs/{row.track_id}.jpg"] = _thumbnail(row.valence, row.energy)
        files[f"/subs/{row.track_id}.en.vtt"] = (
            f"WEBVTT\n\n00:00:00.000 --> 00:00:03.000\n{row.track_name}\n\n"
            "00:00:03.000 --> 00:00:06.000\n(instrumental)\n").encode()
    server = LocalFileServer(files)
    results = {}
    for i, row in enumerate(rows):
        video = {
            "url": f"{server.url}/media/{row.track_id}.ogg",
            "webpage_url": f"{server.url}/media/{row.track_id}.ogg",
            "title": f"{row.track_name} (Official Music Video)",
            "channel": "a2i offline demo",
            "duration": seconds,
            "view_count": 250_000 + 1000 * i,
            "age_limit": 0,
            "thumbnail": f"{server.url}/thumbs/{row.track_id}.jpg",
            "subtitles": {"en": [{"ext": "vtt", "url": f"{server.url}/subs/{row.track_id}.en.vtt"}]},
        }
        decoy = {**video, "title": f"{row.track_name} (fan cover)", "view_count": 812,
                 "url": f"{server.url}/media/decoy.ogg"}
        results[row.youtube_search_query] = [decoy, video]
    return server, KnownResults(results)
