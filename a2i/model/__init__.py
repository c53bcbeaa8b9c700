"""The audio encoder: CLAP's audio tower and learned heads that map a clip into SDXL's text-embedding space.

``a2i.model`` imports nothing heavy itself, so ``a2i train --help`` and the rest of the CLI start fast; the
names below load torch and transformers on first use (they come with the ``[train]`` extra).

Modules: :mod:`~a2i.model.encoder` (the model), :mod:`~a2i.model.frontend` (log-mel features on the device),
:mod:`~a2i.model.targets` (SDXL's encoding of the prompts), :mod:`~a2i.model.losses`,
:mod:`~a2i.model.negatives` (hard-negative mining), :mod:`~a2i.model.data`, :mod:`~a2i.model.config`,
:mod:`~a2i.model.train`, :mod:`~a2i.model.metrics`, :mod:`~a2i.model.tiny` (the tiny test config).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "AudioEncoder": "a2i.model.encoder",
    "EncoderConfig": "a2i.model.encoder",
    "TrainConfig": "a2i.model.config",
    "train": "a2i.model.train",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'a2i.model' has no attribute {name!r}")
