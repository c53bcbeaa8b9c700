"""What the encoder learns to predict: SDXL's own encoding of the prompts written for each song.

Every target goes through :func:`a2i.render.conditioning.encode_text`, i.e. diffusers'
``StableDiffusionXLPipeline.encode_prompt``, so the encoder learns exactly what SDXL would be given for text.

Two modes (``targets.mode``):

- ``cached``: computed once, stored in half precision in shards that are memory-mapped, never loaded whole,
  and resumable shard by shard. A shard stores, per prompt, ``prompt_embeds`` (77 × 2048 × 2 bytes =
  315 KB) and ``pooled_prompt_embeds`` (2.5 KB), and, per song, their means: 40,000 songs × 10 prompts take
  126 GB + 13.7 GB of disk, read a row at a time.
- ``online``: the frozen text encoders run inside the training step on the sampled prompts (no disk, more
  compute).

What the regression learns (``targets.regress``):

- ``prompt`` (the default): each step, the clip's target is one prompt of its song, drawn by the item's own
  seeded generator (:class:`a2i.model.data.ClipDataset`), as GlueGen regresses each paired sample. Over
  the epochs the encoder sees every prompt and predicts what lies in all of them; every target is a real
  SDXL embedding with a real prompt's token norms.
- ``mean``: the per-position mean of the song's prompts. It minimises the same expected squared error
  without its variance, but a position's mean mixes words of prompts of other lengths with padding, and
  averaging unrelated vectors shortens them: the washed-out conditioning
  :func:`a2i.render.conditioning.blend` warns about. Kept as an option to compare.

Validation measures ``token_norm_ratio`` against the real prompts of the validation songs, never against
the shortened means.
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
from a2i.fileio import atomic_npy_writer, atomic_save_npy, atomic_write_json

#: Version of the cache folder's layout (manifest keys and file names).
CACHE_VERSION = 3
TARGET_MODES = ("cached", "online")
REGRESS_KINDS = ("prompt", "mean")


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
              shard_songs: int = 1024, batch_size: int = 64, progress: bool = True, rank: int = 0,
              world: int = 1) -> None:
        """Encode every song's prompts, shard by shard; finished shards are kept when the run is restarted.

        Process ``rank`` of ``world`` encodes shards ``rank, rank + world, ...``. A shard is done when its
        last file (``pooled-s.npy``) exists; every file is written atomically, and the manifest only once
        (every process writes the same), so processes share nothing half-written.
        """
        from tqdm.auto import tqdm

        n_songs = len(prompt_start) - 1
        key = hashlib.sha256(json.dumps([CACHE_VERSION, fingerprint, prompts, prompt_start.tolist()]).encode()).hexdigest()
        manifest_path = self.folder / "manifest.json"
        if manifest_path.is_file():
            manifest = json.loads(manifest_path.read_text())
            if manifest.get("key") != key:
                raise ConfigError(f"{self.folder}: holds targets of other prompts or other text encoders; give "
                                  "targets.cache_dir a new folder (nothing there is overwritten)")
        else:
            bounds = list(range(0, n_songs, shard_songs)) + [n_songs]
            with torch.no_grad():
                token_shape, pooled_dim = (tuple(x.shape[1:]) for x in encode_prompts(pipe, prompts[:1]))
            manifest = {"version": CACHE_VERSION, "key": key, "songs": n_songs, "prompts": len(prompts),
                        "token_shape": list(token_shape), "pooled_dim": int(pooled_dim[0]),
                        "shards": [{"songs": [a, b], "prompts": [int(prompt_start[a]), int(prompt_start[b])]}
                                   for a, b in zip(bounds[:-1], bounds[1:])]}
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_json(manifest_path, manifest)
        self.manifest = manifest
        todo = [s for s in self.missing() if s % world == rank]
        for s in tqdm(todo, desc="encoding prompts (SDXL targets)", unit="shard", disable=not progress or not todo):
            self._build_shard(pipe, prompts, prompt_start, s, batch_size)

    def _build_shard(self, pipe: Any, prompts: list[str], prompt_start: np.ndarray, s: int, batch_size: int) -> None:
        """Encode shard ``s`` batch by batch into memory-mapped files (never the whole shard in memory)."""
        a, b = self.manifest["shards"][s]["songs"]
        pa, pb = self.manifest["shards"][s]["prompts"]
        token_shape, pooled_dim = tuple(self.manifest["token_shape"]), self.manifest["pooled_dim"]
        owner = np.repeat(np.arange(b - a), np.diff(prompt_start[a:b + 1]))
        counts = np.bincount(owner, minlength=b - a).astype(np.float64)
        song_tokens = np.zeros((b - a, *token_shape), dtype=np.float32)  # sums: 630 KB a song at full size
        song_pooled = np.zeros((b - a, pooled_dim), dtype=np.float64)
        pooled = np.zeros((pb - pa, pooled_dim), dtype=np.float16)
        with atomic_npy_writer(self.folder / f"prompt-tokens-{s:05d}.npy", (pb - pa, *token_shape), np.float16) as out:
            for start in range(pa, pb, batch_size):
                stop = min(pb, start + batch_size)
                t, p = encode_prompts(pipe, prompts[start:stop])
                rows = owner[start - pa:stop - pa]
                np.add.at(song_tokens, rows, t.numpy())
                np.add.at(song_pooled, rows, p.numpy())
                pooled[start - pa:stop - pa] = p.numpy()
                out[start - pa:stop - pa] = t.numpy()
        song_tokens /= counts[:, None, None]
        atomic_save_npy(self.folder / f"tokens-{s:05d}.npy", song_tokens.astype(np.float16))
        atomic_save_npy(self.folder / f"song-pooled-{s:05d}.npy", (song_pooled / counts[:, None]).astype(np.float16))
        atomic_save_npy(self.folder / f"pooled-{s:05d}.npy", pooled)  # last: marks the shard done

    def missing(self) -> list[int]:
        """Shards not encoded yet."""
        return [s for s in range(len(self.manifest["shards"])) if not (self.folder / f"pooled-{s:05d}.npy").is_file()]

    def open(self) -> TargetCache:
        manifest_path = self.folder / "manifest.json"
        if not manifest_path.is_file():
            raise ConfigError(f"{self.folder}: no target cache; build it with `a2i train prepare` (or a one-process "
                              "`a2i train`)")
        self.manifest = json.loads(manifest_path.read_text())
        if self.missing():
            raise ConfigError(f"{self.folder}: the target cache is incomplete ({len(self.missing())} shards missing); "
                              "run `a2i train prepare` with the same config to finish it")
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

    def prompt_tokens(self, prompt_ids: torch.Tensor) -> torch.Tensor:
        """``prompt_embeds`` of single prompts, float32."""
        return self._rows("prompt-tokens", prompt_ids, self._prompt_shard)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_maps": {}}


class Targets:
    """The training step's view of the targets, cached or online.

    :meth:`batch` returns, for a batch: the regression targets (tokens, pooled: the sampled prompt's, or the
    song mean with ``regress="mean"``) and the pooled vectors of the positive and negative prompts for the
    contrastive loss.
    """

    def __init__(self, mode: str, prompts: list[str], *, cache: TargetCache | None = None, pipe: Any = None,
                 regress: str = "prompt") -> None:
        if mode not in TARGET_MODES:
            raise ConfigError(f"targets.mode must be one of {', '.join(TARGET_MODES)}, got {mode!r}")
        if regress not in REGRESS_KINDS:
            raise ConfigError(f"targets.regress must be one of {', '.join(REGRESS_KINDS)}, got {regress!r}")
        self.mode, self.prompts, self.cache, self.pipe, self.regress = mode, prompts, cache, pipe, regress

    def batch(self, tracks: torch.Tensor, prompt_ids: torch.Tensor,
              neg_prompt_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        if self.mode == "cached":
            positive = self.cache.prompt_pooled(prompt_ids)
            if self.regress == "mean":
                tokens, pooled = self.cache.song_targets(tracks)
            else:
                tokens, pooled = self.cache.prompt_tokens(prompt_ids), positive
            return tokens, pooled, positive, self.cache.prompt_pooled(neg_prompt_ids)
        ids = torch.cat([prompt_ids, neg_prompt_ids]).tolist()
        tokens, pooled = encode_prompts(self.pipe, [self.prompts[i] for i in ids])
        b = len(prompt_ids)
        if self.regress == "mean":
            raise ConfigError("targets.regress=mean needs targets.mode=cached (song means are computed once)")
        return tokens[:b], pooled[:b], pooled[:b], pooled[b:]

    def song_targets(self, tracks: torch.Tensor, prompt_start: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean targets of whole songs (the output bias's initialisation)."""
        if self.mode == "cached":
            return self.cache.song_targets(tracks)
        tokens, pooled = [], []
        for t in tracks.tolist():
            tt, pp = encode_prompts(self.pipe, self.prompts[prompt_start[t]:prompt_start[t + 1]])
            tokens.append(tt.mean(0))
            pooled.append(pp.mean(0))
        return torch.stack(tokens), torch.stack(pooled)

    def regression_sample(self, tracks: torch.Tensor, prompt_start: np.ndarray,
                          seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Targets as the regression sees them, one per track: a seeded random prompt of each song, or its
        mean (``regress="mean"``); their spread sets the MSE's scale."""
        if self.regress == "mean":
            return self.song_targets(tracks, prompt_start)
        rng = np.random.default_rng(seed)
        ids = torch.tensor([int(rng.integers(prompt_start[t], prompt_start[t + 1])) for t in tracks.tolist()])
        return self.prompt_tokens(ids), self.prompt_pooled(ids)

    def prompt_tokens(self, prompt_ids: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
        """``prompt_embeds`` of single prompts (validation's real token norms)."""
        if self.mode == "cached":
            return self.cache.prompt_tokens(prompt_ids)
        ids = prompt_ids.tolist()
        return torch.cat([encode_prompts(self.pipe, [self.prompts[i] for i in ids[s:s + batch_size]])[0]
                          for s in range(0, len(ids), batch_size)])

    def prompt_pooled(self, prompt_ids: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
        if self.mode == "cached":
            return self.cache.prompt_pooled(prompt_ids)
        ids = prompt_ids.tolist()
        return torch.cat([encode_prompts(self.pipe, [self.prompts[i] for i in ids[s:s + batch_size]])[1]
                          for s in range(0, len(ids), batch_size)])
