"""What the encoder learns to predict: SDXL's own encoding of the prompts written for each song.

Every target goes through :func:`a2i.render.conditioning.encode_text`, i.e. diffusers'
``StableDiffusionXLPipeline.encode_prompt``, so the encoder learns exactly what SDXL would be given for text.

Two modes (``targets.mode``):

- ``cached``: computed once, stored in half precision in shards that are memory-mapped, never loaded whole,
  and resumable shard by shard. What is stored, and why: all of ``prompt_embeds`` for every prompt would be
  77 × 2048 × 2 bytes = 315 KB a prompt, 126 GB for 400,000 prompts (40,000 songs × 10). Training needs
  less: the token regression's target is the *mean* of a song's prompt embeddings (the minimiser of the
  expected MSE to a randomly drawn prompt of the song, without its variance), and the contrastive loss
  compares only pooled vectors. So a shard stores, per song, the mean ``prompt_embeds`` (315 KB) and mean
  ``pooled_prompt_embeds`` (2.5 KB), and, per prompt, its ``pooled_prompt_embeds`` (2.5 KB): 40,000 songs
  and 400,000 prompts take 13.7 GB instead of 126 GB.
- ``online``: the frozen text encoders run inside the training step on the sampled prompts (no disk, more
  compute); the regression target is then the sampled prompt itself, an unbiased draw around the song mean.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from a2i.errors import ConfigError
from a2i.fileio import atomic_write_json

#: Version of the cache folder's layout (manifest keys and file names).
CACHE_VERSION = 1
TARGET_MODES = ("cached", "online")


def encode_prompts(pipe: Any, prompts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """(prompt_embeds, pooled_prompt_embeds) of ``prompts`` exactly as SDXL computes them for text.

    Prompts longer than CLIP's 77 tokens are cut there, as SDXL cuts them at generation; the target is what
    SDXL would see. diffusers and transformers warn about every such prompt, which would bury the progress
    bar of a 400,000-prompt cache, so their warnings are silenced here.
    """
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    from a2i.render.conditioning import encode_text

    levels = diffusers_logging.get_verbosity(), transformers_logging.get_verbosity()
    diffusers_logging.set_verbosity_error()
    transformers_logging.set_verbosity_error()
    try:
        cond = encode_text(pipe, prompts, guidance=False)
    finally:
        diffusers_logging.set_verbosity(levels[0])
        transformers_logging.set_verbosity(levels[1])
    return cond.prompt_embeds.float().cpu(), cond.pooled_prompt_embeds.float().cpu()


def text_encoder_fingerprint(pipe: Any, source: str) -> str:
    """Identifies the text encoders a cache was made with (their configs and a sample of their weights)."""
    parts = [source]
    for name in ("text_encoder", "text_encoder_2"):
        module = getattr(pipe, name)
        parts.append(json.dumps(module.config.to_diff_dict(), sort_keys=True, default=str))
        first = next(module.parameters())
        parts.append(repr(first.detach().flatten()[:16].float().tolist()))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class TargetCache:
    """Sharded, memory-mapped fp16 targets (see the module docstring for what is stored and why).

    Files in ``folder``: ``manifest.json`` and, per shard ``s``, ``tokens-s.npy`` (songs, 77, D) and
    ``song-pooled-s.npy`` (songs, P) with the song means, ``pooled-s.npy`` (prompts, P) per prompt.
    """

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self._maps: dict[str, np.ndarray] = {}
        self.manifest: dict[str, Any] | None = None

    def build(self, pipe: Any, prompts: list[str], prompt_start: np.ndarray, *, fingerprint: str,
              shard_songs: int = 1024, batch_size: int = 64, progress: bool = True) -> None:
        """Encode every song's prompts, shard by shard; finished shards are kept when the run is restarted."""
        from tqdm.auto import tqdm

        n_songs = len(prompt_start) - 1
        key = hashlib.sha256(json.dumps([fingerprint, prompts, prompt_start.tolist()]).encode()).hexdigest()
        manifest_path = self.folder / "manifest.json"
        if manifest_path.is_file():
            manifest = json.loads(manifest_path.read_text())
            if manifest.get("key") != key:
                raise ConfigError(f"{self.folder}: holds targets of other prompts or other text encoders; give "
                                  "targets.cache_dir a new folder (nothing there is overwritten)")
        else:
            bounds = list(range(0, n_songs, shard_songs)) + [n_songs]
            manifest = {"version": CACHE_VERSION, "key": key, "songs": n_songs, "prompts": len(prompts),
                        "shards": [{"songs": [a, b], "prompts": [int(prompt_start[a]), int(prompt_start[b])],
                                    "done": False} for a, b in zip(bounds[:-1], bounds[1:])]}
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_json(manifest_path, manifest)
        todo = [s for s, shard in enumerate(manifest["shards"]) if not shard["done"]]
        for s in tqdm(todo, desc="encoding prompts (SDXL targets)", unit="shard", disable=not progress or not todo):
            a, b = manifest["shards"][s]["songs"]
            pa, pb = manifest["shards"][s]["prompts"]
            tokens, pooled = [], []
            for start in range(pa, pb, batch_size):
                t, p = encode_prompts(pipe, prompts[start:min(pb, start + batch_size)])
                tokens.append(t)
                pooled.append(p)
            tokens, pooled = torch.cat(tokens), torch.cat(pooled)
            owner = np.repeat(np.arange(b - a), np.diff(prompt_start[a:b + 1]))
            counts = torch.from_numpy(np.bincount(owner, minlength=b - a)).float()
            index = torch.from_numpy(owner)
            song_tokens = torch.zeros(b - a, *tokens.shape[1:]).index_add_(0, index, tokens) / counts[:, None, None]
            song_pooled = torch.zeros(b - a, pooled.shape[1]).index_add_(0, index, pooled) / counts[:, None]
            for name, array in (("tokens", song_tokens), ("song-pooled", song_pooled), ("pooled", pooled)):
                _save_fp16(self.folder / f"{name}-{s:05d}.npy", array)
            manifest["shards"][s]["done"] = True
            manifest["token_shape"], manifest["pooled_dim"] = list(tokens.shape[1:]), int(pooled.shape[1])
            atomic_write_json(manifest_path, manifest)
        self.manifest = manifest

    def open(self) -> TargetCache:
        manifest_path = self.folder / "manifest.json"
        if not manifest_path.is_file():
            raise ConfigError(f"{self.folder}: no target cache; it is built by `a2i train` on its first run")
        self.manifest = json.loads(manifest_path.read_text())
        if not all(s["done"] for s in self.manifest["shards"]):
            raise ConfigError(f"{self.folder}: the target cache is incomplete; rerun `a2i train` to finish it")
        self._song_shard = np.concatenate([[s["songs"][0] for s in self.manifest["shards"]], [self.manifest["songs"]]])
        self._prompt_shard = np.concatenate([[s["prompts"][0] for s in self.manifest["shards"]],
                                             [self.manifest["prompts"]]])
        return self

    def _rows(self, name: str, ids: torch.Tensor, starts: np.ndarray) -> torch.Tensor:
        ids = ids.cpu().numpy()
        shard = np.searchsorted(starts, ids, side="right") - 1
        out = []
        for i, s in zip(ids, shard):
            path = self.folder / f"{name}-{s:05d}.npy"
            if str(path) not in self._maps:
                self._maps[str(path)] = np.load(path, mmap_mode="r")
            out.append(np.asarray(self._maps[str(path)][i - starts[s]], dtype=np.float32))
        return torch.from_numpy(np.stack(out))

    def song_targets(self, tracks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean (prompt_embeds, pooled_prompt_embeds) over each track's prompts, float32."""
        return self._rows("tokens", tracks, self._song_shard), self._rows("song-pooled", tracks, self._song_shard)

    def prompt_pooled(self, prompt_ids: torch.Tensor) -> torch.Tensor:
        """``pooled_prompt_embeds`` of single prompts, float32."""
        return self._rows("pooled", prompt_ids, self._prompt_shard)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_maps": {}}


def _save_fp16(path: Path, tensor: torch.Tensor) -> None:
    tmp = path.with_name(f".{path.name}.a2i-tmp.npy")
    np.save(tmp, tensor.numpy().astype(np.float16))
    os.replace(tmp, path)


class Targets:
    """The training step's view of the targets, cached or online.

    :meth:`batch` returns, for a batch: the regression targets (tokens, pooled) and the pooled vectors of
    the positive and negative prompts for the contrastive loss.
    """

    def __init__(self, mode: str, prompts: list[str], *, cache: TargetCache | None = None, pipe: Any = None) -> None:
        if mode not in TARGET_MODES:
            raise ConfigError(f"targets.mode must be one of {', '.join(TARGET_MODES)}, got {mode!r}")
        self.mode, self.prompts, self.cache, self.pipe = mode, prompts, cache, pipe

    def batch(self, tracks: torch.Tensor, prompt_ids: torch.Tensor,
              neg_prompt_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        if self.mode == "cached":
            tokens, pooled = self.cache.song_targets(tracks)
            return tokens, pooled, self.cache.prompt_pooled(prompt_ids), self.cache.prompt_pooled(neg_prompt_ids)
        ids = torch.cat([prompt_ids, neg_prompt_ids]).tolist()
        tokens, pooled = encode_prompts(self.pipe, [self.prompts[i] for i in ids])
        b = len(prompt_ids)
        return tokens[:b], pooled[:b], pooled[:b], pooled[b:]

    def song_targets(self, tracks: torch.Tensor, prompt_start: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean targets of whole songs (validation, output-bias initialisation)."""
        if self.mode == "cached":
            return self.cache.song_targets(tracks)
        tokens, pooled = [], []
        for t in tracks.tolist():
            tt, pp = encode_prompts(self.pipe, self.prompts[prompt_start[t]:prompt_start[t + 1]])
            tokens.append(tt.mean(0))
            pooled.append(pp.mean(0))
        return torch.stack(tokens), torch.stack(pooled)

    def prompt_pooled(self, prompt_ids: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
        if self.mode == "cached":
            return self.cache.prompt_pooled(prompt_ids)
        ids = prompt_ids.tolist()
        return torch.cat([encode_prompts(self.pipe, [self.prompts[i] for i in ids[s:s + batch_size]])[1]
                          for s in range(0, len(ids), batch_size)])
