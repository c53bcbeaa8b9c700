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
