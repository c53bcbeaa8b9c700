"""Speed of the main job on this machine: the full profile of a 3-minute song, and the painter at 1024 x 1024.

Targets: profile <= 1.5 s after warm-up (issue 12); a 60-minute file analysed with peak memory <= 800 MB in
<= 40 s, against a 1-minute file's memory (issue 11); every painter style <= 0.3 s per 1024 x 1024 picture,
a 1280 x 720 video frame <= 10 ms, and `generate --size 1024` <= 0.5 s per picture more than `--size 64`
(issue 13).

    .venv/bin/python benchmarks/bench_core.py [--painter-only] [--skip-long]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import soundfile as sf

from a2i.mood import Analyzer, Profile
from a2i.pipeline import generate
from a2i.render.painter import STYLES, paint
from a2i.render.painter.motion import Scene, render_frame
from a2i.synth import PIECES, render


def timed(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


_MEASURE = """
import json, resource, sys, time
from a2i.mood import Analyzer
analyzer = Analyzer()
start = time.perf_counter()
result = analyzer.analyze(sys.argv[1], per_clip=True)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "clips": len(result.clips)}))
"""


def analysis_memory(path: Path) -> dict[str, float]:
    """Peak resident memory (MB, the whole process: Python, vibenet, the analysis) and seconds of analysing
    ``path`` in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def write_long(path: Path, minutes: int) -> Path:
    """An mp3 of ``minutes`` of the example song (3-minute renders back to back), written block by block."""
    audio = render(PIECES["example_song"], seconds=180.0)
    with sf.SoundFile(path, "w", samplerate=audio.sr, channels=1, format="MP3") as f:
        for _ in range(max(1, minutes // 3)):
            f.write(audio.samples)
    return path


def painter_times() -> dict[str, tuple[list[float], list[float]]]:
    """Seconds (wall, CPU) per 1024 x 1024 picture, for every style over nine moods.

    CPU time is reported beside wall time because the development machine is shared: under load the wall
    clock mostly measures the other processes.
    """
    profiles = [Profile(valence=v, energy=e, tempo=70 + 90 * e, danceability=0.3 + 0.6 * v, acousticness=1 - e)
                for v in (0.15, 0.5, 0.85) for e in (0.15, 0.5, 0.9)]
    times: dict[str, tuple[list[float], list[float]]] = {}
    for style in STYLES:
        paint(profiles[0], style=style, size=1024, seed=0)  # warm-up (imports, caches)
        wall, cpu = [], []
        for i, p in enumerate(profiles):
            start, start_cpu = time.perf_counter(), time.process_time()
            paint(p, style=style, size=1024, seed=i)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        times[style] = (wall, cpu)
    return times


def frame_times() -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds per 1280 x 720 video frame (a transition between two styles, then a hold)."""
    a = Scene.prepare(Profile(valence=0.3, energy=0.3), style="flow", seed=0, size=(1280, 720))
    b = Scene.prepare(Profile(valence=0.8, energy=0.8), style="glass", seed=1, size=(1280, 720))
    wall, cpu = [], []
    for i in range(96):
        start, start_cpu = time.perf_counter(), time.process_time()
        render_frame(a, b, min(1.0, i / 48), time=i / 24, pulse=1.0 if i % 12 == 0 else 0.0)
        wall.append(1000 * (time.perf_counter() - start))
        cpu.append(1000 * (time.process_time() - start_cpu))
    return wall, cpu


def generate_cost(analyzer: Analyzer) -> tuple[float, float, int]:
    """Seconds (wall, CPU) that ``generate --size 1024`` costs per picture more than ``--size 64``.

    The same song and analysis for both, so only painting, PNG encoding and the info cards differ.
    """
    with tempfile.TemporaryDirectory() as tmp:
        song = Path(tmp) / "one_minute.wav"
        audio = render(PIECES["example_song"], seconds=60.0)
        sf.write(song, audio.samples, audio.sr)
        analyzer.analyze(song)  # warm-up and cache
        costs = {}
        for size in (64, 1024):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = generate(song, Path(tmp) / f"out{size}", clips="all", size=size, progress=False, analyzer=analyzer)
            costs[size] = (time.perf_counter() - start, time.process_time() - start_cpu)
        n = len(result.images)
    return (costs[1024][0] - costs[64][0]) / n, (costs[1024][1] - costs[64][1]) / n, n


def main() -> None:
    parser = argparse.ArgumentParser(description="Speed of the profile, the painter and the video frames.")
    parser.add_argument("--painter-only", action="store_true", help="skip the 3-minute song's profile")
    parser.add_argument("--skip-long", action="store_true", help="skip the 1- vs 60-minute memory figure")
    args = parser.parse_args()
    profile_times = [float("nan")]
    memory = {"short": {"peak_mb": float("nan")}, "long": {"peak_mb": float("nan"), "seconds": float("nan")}}
    if not args.painter_only and not args.skip_long:
        with tempfile.TemporaryDirectory() as tmp:
            one = Path(tmp) / "one_minute.mp3"
            audio = render(PIECES["example_song"], seconds=60.0)
            sf.write(one, audio.samples, audio.sr, format="MP3")
            memory = {"short": analysis_memory(one), "long": analysis_memory(write_long(Path(tmp) / "sixty_minutes.mp3", 60))}
        print(f"analysis of a 1-minute mp3: peak memory {memory['short']['peak_mb']:.0f} MB, {memory['short']['seconds']:.1f} s; "
              f"60-minute mp3: peak memory {memory['long']['peak_mb']:.0f} MB, {memory['long']['seconds']:.1f} s "
              f"({memory['long']['clips']} clips)")
    if not args.painter_only:
        with tempfile.TemporaryDirectory() as tmp:
            song = Path(tmp) / "three_minutes.mp3"
            audio = render(PIECES["example_song"], seconds=180.0)
            sf.write(song, audio.samples, audio.sr, format="MP3")
            analyzer = Analyzer()
            analyzer.analyze(song)  # warm-up: model session, filter banks, caches
            profile_times = timed(lambda: analyzer.analyze(song, per_clip=True), 5)
        print(f"profile of a 3-minute mp3 (18 clips, per-clip too): median {statistics.median(profile_times):.2f} s, "
              f"max {max(profile_times):.2f} s over {len(profile_times)} runs")
    extra_wall, extra_cpu, pictures = generate_cost(Analyzer())
    print(f"generate --size 1024 over --size 64: {extra_wall:.3f} s wall, {extra_cpu:.3f} s CPU more per picture "
          f"({pictures} pictures, PNG encoding and info cards included)")
    times = painter_times()
    for style, (t, c) in times.items():
        print(f"painter {style:<12} 1024x1024 over 9 moods: median {statistics.median(t):.3f} s wall "
              f"({statistics.median(c):.3f} s CPU), max {max(t):.3f} s wall")
    worst = max(times, key=lambda s: statistics.median(times[s][0]))
    worst_cpu = max(statistics.median(c) for _, c in times.values())
    wall, cpu = frame_times()
    print(f"video frame 1280x720 (painter motion): median {statistics.median(wall):.1f} ms wall, "
          f"{statistics.median(cpu):.1f} ms CPU over {len(wall)} frames")
    print(f"SUMMARY profile_3min_s={statistics.median(profile_times):.2f} (target <= 1.5)  "
          f"memory_1min_mb={memory['short']['peak_mb']:.0f} memory_60min_mb={memory['long']['peak_mb']:.0f} (target <= 800) "
          f"analysis_60min_s={memory['long']['seconds']:.1f} (target <= 40)  "
          f"painter_1024_s={statistics.median(times[worst][0]):.3f} (slowest style: {worst}; slowest CPU median "
          f"{worst_cpu:.3f}; target <= 0.3)  generate_1024_extra_s={extra_wall:.3f} (cpu {extra_cpu:.3f}; target <= 0.5)  "
          f"frame_720p_ms={statistics.median(wall):.1f} (cpu {statistics.median(cpu):.1f}; target <= 10)")


if __name__ == "__main__":
    main()
