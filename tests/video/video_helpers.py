"""Helpers for the video tests: ffprobe, frame extraction, beat-aligned test pieces."""

from __future__ import annotations

import json
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np

from a2i.audio import Audio

SR = 22050
REPO = Path(__file__).resolve().parents[2]


def probe(path: Path) -> dict:
    """ffprobe's view of a video: codec, pixel format, rate, counted frames and each stream's duration."""
    proc = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-show_entries",
                           "stream=codec_type,codec_name,pix_fmt,width,height,r_frame_rate,nb_read_frames,duration"
                           ":format=duration", "-of", "json", str(path)], capture_output=True, text=True, check=True)
    info = json.loads(proc.stdout)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = [s for s in info["streams"] if s["codec_type"] == "audio"]
    return {
        "codec": video["codec_name"], "pix_fmt": video["pix_fmt"], "size": (video["width"], video["height"]),
        "fps": Fraction(video["r_frame_rate"]), "frames": int(video["nb_read_frames"]),
        "video_seconds": float(video["duration"]), "audio_codec": audio[0]["codec_name"] if audio else None,
        "audio_seconds": float(audio[0]["duration"]) if audio else None, "format_seconds": float(info["format"]["duration"]),
    }


def read_frames(path: Path, size: tuple[int, int]) -> np.ndarray:
    """Every frame of a video as (N, H, W, 3) uint8 (small videos only)."""
    width, height = size
    proc = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
                          capture_output=True, check=True)
    return np.frombuffer(proc.stdout, np.uint8).reshape(-1, height, width, 3)


def beat_piece(seconds: float, bpm: float = 120.0, *, sr: int = SR) -> tuple[Audio, np.ndarray]:
    """A drum hit on every beat over a quiet sustained chord, and the beat times.

    The chord keeps the piece from being silent between hits (so the mood model hears music), while all the
    percussive energy is on the beats.
    """
    t = np.arange(int(seconds * sr)) / sr
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)) * 0.03
    beats = np.arange(0.27, seconds - 0.1, 60.0 / bpm)  # off the frame grids of common rates
    rng = np.random.default_rng(0)
    y = chord.astype(np.float64)
    for b in beats:
        i = int(b * sr)
        n = min(int(0.12 * sr), len(y) - i)
        env = np.exp(-np.arange(n) / (0.025 * sr))
        y[i : i + n] += env * (0.6 * rng.standard_normal(n) + 0.8 * np.sin(2 * np.pi * 60.0 * np.arange(n) / sr))
    return Audio((0.5 * y / np.abs(y).max()).astype(np.float32), sr), beats
