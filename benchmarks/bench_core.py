"""Speed of the main job on this machine: the full profile of a 3-minute song, and the painter at 1024 x 1024.

Targets (issue: foundation): profile <= 3 s after warm-up; painter <= 0.5 s per picture.

    .venv/bin/python benchmarks/bench_core.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import soundfile as sf

from a2i.mood import Analyzer, Profile
from a2i.render.painter import paint
from a2i.synth import PIECES, render


def timed(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        song = Path(tmp) / "three_minutes.mp3"
        audio = render(PIECES["example_song"], seconds=180.0)
        sf.write(song, audio.samples, audio.sr, format="MP3")
        analyzer = Analyzer()
        analyzer.analyze(song)  # warm-up: model session, filter banks, caches
        profile_times = timed(lambda: analyzer.analyze(song, per_clip=True), 5)

    profiles = [Profile(valence=v, energy=e, tempo=70 + 90 * e, danceability=0.3 + 0.6 * v, acousticness=1 - e)
                for v in (0.15, 0.5, 0.85) for e in (0.15, 0.5, 0.9)]
    paint(profiles[0], size=1024, seed=0)  # warm-up
    paint_times = []
    for i, p in enumerate(profiles):
        paint_times += timed(lambda p=p, i=i: paint(p, size=1024, seed=i), 2)

    print(f"profile of a 3-minute mp3 (18 clips, per-clip too): median {statistics.median(profile_times):.2f} s, "
          f"max {max(profile_times):.2f} s over {len(profile_times)} runs")
    print(f"painter 1024x1024 over 9 moods x 2: median {statistics.median(paint_times):.3f} s, "
          f"max {max(paint_times):.3f} s")
    print(f"SUMMARY profile_3min_s={statistics.median(profile_times):.2f} (target <= 3.0)  "
          f"painter_1024_s={statistics.median(paint_times):.3f} max={max(paint_times):.3f} (target <= 0.5)")


if __name__ == "__main__":
    main()
