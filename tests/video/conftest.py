"""Fixtures for the video tests: short songs, one shared mood analyzer."""

from __future__ import annotations

from pathlib import Path

import pytest
from video_helpers import beat_piece

from a2i.audio import write
from a2i.synth import PIECES, render

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def analyzer():
    from a2i.mood import Analyzer

    return Analyzer()


@pytest.fixture(scope="session")
def beat_song(tmp_path_factory) -> tuple[Path, list[float]]:
    """An 8-second piece with a drum hit on every beat at 120 BPM, and its beat times."""
    audio, beats = beat_piece(8.0)
    return write(tmp_path_factory.mktemp("beats") / "beats.wav", audio), beats.tolist()


@pytest.fixture(scope="session")
def two_part_song(tmp_path_factory) -> Path:
    """12 s of the dark ambient piece, then 12 s of the bright synth-pop one: one obvious section boundary."""
    import numpy as np

    from a2i.audio import Audio

    dark = render(PIECES["dark_minor"], seconds=12.0).samples
    bright = render(PIECES["bright_major"], seconds=12.0).samples
    return write(tmp_path_factory.mktemp("sections") / "two_part.flac", Audio(np.concatenate([dark, bright]), 22050))


@pytest.fixture(scope="session")
def example_song() -> Path:
    return REPO / "dataset" / "tutorial_data" / "example_song.flac"
