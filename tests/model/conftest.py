"""Session fixtures of the encoder tests: one tiny training run (and one short one) shared by every test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from encoder_training import SHORT, tiny_overrides  # noqa: E402


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tiny-train")


@pytest.fixture(scope="session")
def tiny_run(tiny_root) -> Path:
    """The tiny configuration, trained in full."""
    from a2i.model.config import load_config
    from a2i.model.train import train

    return train(load_config("tiny", tiny_overrides(tiny_root, "log.run_id=tiny")))


@pytest.fixture(scope="session")
def short_run(tiny_root, tiny_run) -> Path:
    """Six steps of the tiny configuration in one process, uninterrupted: the reference of the resume and
    two-process tests (after ``tiny_run``, so the corpus and caches exist)."""
    from a2i.model.config import load_config
    from a2i.model.train import train

    return train(load_config("tiny", tiny_overrides(tiny_root, *SHORT, "log.run_id=short")))
