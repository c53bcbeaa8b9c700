"""`a2i video` on this machine: speed and memory of a whole song, and how well motion lands on the beat.

Measures (issue 10):

- render time as a fraction of the song's duration, for a synthesized 3-minute song at 1280 x 720, 24 fps,
  painter backend, default options (target <= 0.5); analysis, keyframes, drawing, encoding and muxing all
  included, wall clock, one process as a user runs it;
- peak memory (max RSS of the rendering process) for 1-minute and 3-minute songs (target: flat);
- beat alignment: Pearson r between the per-frame visual change (mean absolute difference of consecutive
  decoded frames) and the audio's onset strength at the same instants (``librosa.onset.onset_strength`` of
  the whole mix, the strongest value between one frame and the next), on the example songs in
  dataset/tutorial_data (target >= 0.5).

The long songs are synthesized into a temporary folder (never committed). Timings depend on the load:
the summary line records the load average.

    python benchmarks/bench_video.py [--size 1280x720] [--fps 24] [--songs A.flac B.mp3 ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "dataset" / "tutorial_data").glob("*.flac"))

#: Renders one video in a fresh interpreter and reports its own peak memory and the CPU time of it and of
#: its children (ffmpeg: encoding and muxing). The children's peak memory is not reported: on Linux it
#: counts this process's own memory at each fork.
_RENDER = """
import json, resource, sys, time
from a2i.video.make import make_video
song, out, size, fps = sys.argv[1:5]
start = time.perf_counter()
result = make_video(song, out, size=size, fps=fps, progress=False)
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": time.perf_counter() - start, "frames": result.n_frames, "python_mb": me.ru_maxrss / 1024,
                  "python_cpu": me.ru_utime + me.ru_stime, "ffmpeg_cpu": kids.ru_utime + kids.ru_stime}))
"""


def render(song: Path, out: Path, size: str, fps: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", _RENDER, str(song), str(out), size, fps], capture_output=True,
                          text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"render of {song} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def synthesize(seconds: float, folder: Path) -> Path:
    from a2i.audio import write
    from a2i.synth import PIECES
    from a2i.synth import render as synth

    return write(folder / f"song_{seconds:.0f}s.flac", synth(PIECES["example_song"], seconds=seconds))


def visual_change(video: Path, size: tuple[int, int]) -> np.ndarray:
    """Mean absolute difference of consecutive frames, decoding one frame at a time (flat memory)."""
    width, height = size
    frame_bytes = width * height * 3
    proc = subprocess.Popen(["ffmpeg", "-v", "error", "-i", str(video), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
                            stdout=subprocess.PIPE)
    change, previous = [], None
    while True:
        data = proc.stdout.read(frame_bytes)
        if len(data) < frame_bytes:
            break
        frame = np.frombuffer(data, np.uint8).astype(np.int16)
        if previous is not None:
            change.append(float(np.abs(frame - previous).mean()))
        previous = frame
    proc.wait()
    return np.array(change)


def beat_alignment(song: Path, video: Path, size: tuple[int, int], fps: float) -> float:
    """Pearson r of visual change against librosa's onset strength between consecutive frames."""
    import librosa

    from a2i.audio import load

    audio = load(song, sr=22050)
    hop = 512
    envelope = librosa.onset.onset_strength(y=audio.samples, sr=audio.sr, hop_length=hop)
    rate = audio.sr / hop
    change = visual_change(video, size)
    times = np.arange(1, len(change) + 1) / fps  # frame k + 1 appears here, showing the change since frame k
    onset = []
    for t in times:
        lo, hi = int(np.floor((t - 1 / fps) * rate + 0.5)) + 1, int(np.floor(t * rate + 0.5)) + 1
        lo, hi = max(0, min(lo, hi - 1)), min(max(hi, 1), len(envelope))
        onset.append(float(envelope[lo:hi].max()) if hi > lo else 0.0)
    return float(np.corrcoef(change, onset)[0, 1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--fps", default="24")
    parser.add_argument("--songs", nargs="*", type=Path, default=EXAMPLES, help="songs for the beat alignment")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    fps = float(args.fps)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        runs = {}
        for minutes in (1, 3):
            song = synthesize(60.0 * minutes, folder)
            runs[minutes] = render(song, folder / f"{minutes}min.mp4", args.size, args.fps)
            r = runs[minutes]
            print(f"{minutes}-minute song: {r['frames']} frames in {r['seconds']:.1f} s = {r['seconds'] / (60 * minutes):.2f} x "
                  f"the song (CPU: a2i {r['python_cpu']:.1f} s, ffmpeg {r['ffmpeg_cpu']:.1f} s); peak memory "
                  f"{r['python_mb']:.0f} MB; load average {os.getloadavg()[0]:.1f}", flush=True)
        alignment = {}
        for song in args.songs:
            video = folder / f"{song.stem}.mp4"
            render(song, video, args.size, args.fps)
            alignment[song.stem] = beat_alignment(song, video, (width, height), fps)
            print(f"beat alignment {song.name}: r = {alignment[song.stem]:.2f}", flush=True)

    ratio = runs[3]["seconds"] / 180.0
    load = os.getloadavg()[0]
    print(f"bench_video: 3-min song at {args.size}, {args.fps} fps, painter: {ratio:.2f} x song duration "
          f"({runs[3]['seconds']:.0f} s wall, CPU a2i {runs[3]['python_cpu']:.0f} s + ffmpeg {runs[3]['ffmpeg_cpu']:.0f} s; "
          f"target <= 0.5); peak memory 1 min {runs[1]['python_mb']:.0f} MB, "
          f"3 min {runs[3]['python_mb']:.0f} MB (x{runs[3]['python_mb'] / runs[1]['python_mb']:.2f}); beat alignment r "
          + ", ".join(f"{k} {v:.2f}" for k, v in alignment.items()) + f" (min {min(alignment.values()):.2f}, target >= 0.5); "
          f"load average {load:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
