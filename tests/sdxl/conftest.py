"""Tiny random SDXL components for the sdxl tests: built once per session from configs in code, never downloaded."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def tiny_pipe():
    """The tiny pipeline in memory (seed 0 weights)."""
    from a2i.render.tiny import build_tiny_sdxl

    return build_tiny_sdxl(seed=0)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """The same tiny pipeline saved with save_pretrained: what ``--model DIR`` loads."""
    from a2i.render.tiny import save_tiny_sdxl

    return save_tiny_sdxl(tmp_path_factory.mktemp("tiny-sdxl"), seed=0)


@pytest.fixture(scope="session")
def text_backend(tiny_model_dir):
    """The SDXL backend on the saved tiny model, 2 steps: route (a), or (b) when given embeddings."""
    from a2i.render.sdxl import SDXLBackend

    return SDXLBackend(model=str(tiny_model_dir), steps=2)


@pytest.fixture(scope="session")
def songs(tmp_path_factory):
    """Two 12-second synthesized songs of opposite moods (no audio files from outside the project)."""
    from a2i.audio import write
    from a2i.synth import PIECES, render

    root = tmp_path_factory.mktemp("songs")
    return [write(root / f"{name}.flac", render(PIECES[name], seconds=12.0)) for name in ("bright_major", "dark_minor")]
