"""Fixtures for the core: synthesized songs in every format, one shared analyzer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audio_fixtures import SR, encode, tone

from a2i.audio import Audio, write
from a2i.synth import PIECES, render


@pytest.fixture(scope="session")
def song_files(tmp_path_factory) -> dict[str, Path]:
    """A 25-second two-tone piece in wav, flac, ogg, mp3 and m4a."""
    root = tmp_path_factory.mktemp("formats")
    y = np.concatenate([tone(12.5, freq=440.0), tone(12.5, freq=660.0)])
    wav = root / "song.wav"
    sf.write(wav, y, SR)
    files = {".wav": wav}
    for ext in (".flac", ".ogg"):
        sf.write(root / f"song{ext}", y, SR)
        files[ext] = root / f"song{ext}"
    for ext in (".mp3", ".m4a"):
        files[ext] = encode(wav, root / f"song{ext}")
    return files


@pytest.fixture(scope="session")
def mood_songs(tmp_path_factory) -> dict[str, Path]:
    """The synthesizer's bright/major/fast and dark/minor/slow pieces, 20 s each."""
    root = tmp_path_factory.mktemp("moods")
    return {name: write(root / f"{name}.flac", render(PIECES[name], seconds=20.0)) for name in ("bright_major", "dark_minor")}


@pytest.fixture(scope="session")
def analyzer():
    from a2i.mood import Analyzer

    return Analyzer()


@pytest.fixture
def audio_of():
    def make(samples: np.ndarray, sr: int = SR) -> Audio:
        return Audio(np.asarray(samples, dtype=np.float32), sr)

    return make
