"""Helpers of the encoder-training tests (a uniquely named module, so it never clashes with other areas')."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from a2i.model.tiny import TINY_CLAP_AUDIO

#: The short run the resume and two-process tests compare (every step logged, one checkpoint half-way).
SHORT = ["optim.max_steps=6", "optim.checkpoint_every=3", "optim.eval_every=100", "log.log_every=1"]

#: The tiny tower with the real HTSAT's dropout (0.1 in every block) and its last stage training: what makes
#: resuming depend on every random state and on frozen stages staying in eval mode.
DROPOUT = [
    "encoder.tower=partial",
    "encoder.clap_audio_config=" + json.dumps({**TINY_CLAP_AUDIO, "hidden_dropout_prob": 0.1,
                                               "attention_probs_dropout_prob": 0.1, "drop_path_rate": 0.1}),
]


def tiny_overrides(root: Path, *extra: str) -> list[str]:
    """``--set`` items that keep a tiny run's cache and logs under ``root`` (shared by the session's runs)."""
    return [f"data.cache_dir={root / 'cache'}", f"log.log_dir={root / 'logs'}", "log.progress=false", *extra]


def records(run: Path, kind: str = "train") -> list[dict]:
    lines = (run / "metrics.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r["kind"] == kind]


def weights(folder: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))
