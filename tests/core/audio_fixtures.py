"""Helpers shared by the core tests: tones and ffmpeg-encoded fixtures."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

from a2i import synth

SR = 22050


def tone(seconds: float, sr: int = SR, freq: float = 440.0, amp: float = 0.3) -> np.ndarray:
    return synth.tone(seconds, freq=freq, sr=sr, amp=amp).samples


def ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def encode(wav: Path, out: Path) -> Path:
    """Encode with ffmpeg (mp3 via libmp3lame, m4a via aac), as a user's files would be."""
    codec = {".mp3": ["-c:a", "libmp3lame", "-b:a", "128k"], ".m4a": ["-c:a", "aac", "-b:a", "128k"]}[out.suffix]
    subprocess.run([ffmpeg(), "-v", "error", "-y", "-i", str(wav), *codec, str(out)], check=True)
    return out
