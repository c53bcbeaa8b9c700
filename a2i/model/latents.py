"""Latents of the denoising loss: one picture per track, drawn once by SDXL and cached in chunks.

The denoising loss (:class:`a2i.model.losses.DenoisingLoss`) noises the latents of a picture SDXL draws
from the track's first prompt (``output_type="latent"``: the UNet's own latent space, so no VAE round trip).
Drawing 40,000 pictures takes hours on several GPUs, so the cache is

- keyed by everything that decides its content: the SDXL weights (configs and a sample of every
  component's weights), the prompts, the tracks, the picture size and the number of sampling steps (a
  cache made with other inputs is never reused: it lives in another folder);
- written in chunks of :data:`CHUNK_TRACKS` tracks, each file atomic, so a killed build resumes at the
  first missing chunk;
- splittable between processes: process ``r`` of ``w`` draws chunks ``r, r + w, ...`` and nothing is
  shared but files that are complete or absent (``a2i train prepare`` under ``accelerate launch``).

A chunk is ``(tracks, 4, size/8, size/8)`` float16: 128 KB a track at 1024 px, 5.2 GB for 40,000 tracks.
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
from a2i.fileio import atomic_save_npy, atomic_write_json

#: Tracks per chunk file: about 8 MB at 1024 px; a lost chunk costs a few minutes of one GPU.
CHUNK_TRACKS = 64
#: Version of the folder's layout (manifest keys and file names).
LATENT_CACHE_VERSION = 1


def module_fingerprint(module: Any) -> list[str]:
    """A component's config and a sample of its weights (first 16 values of its first and last tensors)."""
    params = list(module.parameters())
    sample = [repr(p.detach().flatten()[:16].float().tolist()) for p in (params[0], params[-1])]
    return [json.dumps(module.config.to_diff_dict() if hasattr(module.config, "to_diff_dict") else dict(module.config),
                       sort_keys=True, default=str), *sample]


def pipeline_fingerprint(pipe: Any, source: str) -> str:
    """Identifies the SDXL weights latents are drawn with: source, UNet, VAE, text encoders, scheduler."""
    parts = [source, json.dumps(dict(pipe.scheduler.config), sort_keys=True, default=str)]
    for name in ("text_encoder", "text_encoder_2", "unet", "vae"):
        parts += module_fingerprint(getattr(pipe, name))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def latent_cache_key(*, weights: str, track_ids: list[str], prompts: list[str], image_size: int, steps: int) -> str:
    """The key of a latent cache: a hash of every input that decides its content.

    Examples
    --------
    >>> args = dict(weights="w", track_ids=["a"], prompts=["rain"], image_size=64)
    >>> latent_cache_key(**args, steps=2) != latent_cache_key(**args, steps=10)
    True
    """
    payload = [LATENT_CACHE_VERSION, weights, track_ids, prompts, int(image_size), int(steps)]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


class LatentCache:
    """Chunked fp16 latents, one picture per track, in ``root/latents-<key>/``.

    Parameters
    ----------
    root : path
        The cache folder (``data.cache_dir``).
    key : str
        :func:`latent_cache_key` of the inputs.
    n_tracks : int
    """

    def __init__(self, root: str | os.PathLike, key: str, n_tracks: int) -> None:
        self.folder = Path(root) / f"latents-{key[:16]}"
        self.key, self.n_tracks = key, n_tracks
        self.n_chunks = -(-n_tracks // CHUNK_TRACKS)
        self._maps: dict[int, np.ndarray] = {}

    def chunk_path(self, c: int) -> Path:
        return self.folder / f"chunk-{c:05d}.npy"

    def missing(self) -> list[int]:
        """Chunks not written yet."""
        return [c for c in range(self.n_chunks) if not self.chunk_path(c).is_file()]

    def build(self, pipe: Any, prompts: list[str], *, image_size: int, steps: int, rank: int = 0, world: int = 1,
              progress: bool = True) -> None:
        """Draw this process's missing chunks (``c % world == rank``); ``prompts`` one per track."""
        from tqdm.auto import tqdm

        if len(prompts) != self.n_tracks:
            raise ConfigError(f"latent cache: {len(prompts)} prompts for {self.n_tracks} tracks")
        manifest = {"version": LATENT_CACHE_VERSION, "key": self.key, "tracks": self.n_tracks,
                    "chunk_tracks": CHUNK_TRACKS, "image_size": image_size, "steps": steps}
        manifest_path = self.folder / "manifest.json"
        if manifest_path.is_file() and json.loads(manifest_path.read_text())["key"] != self.key:
            raise ConfigError(f"{self.folder}: holds latents of other inputs; remove it (nothing is overwritten)")
        atomic_write_json(manifest_path, manifest)  # every process writes the same content
        todo = [c for c in self.missing() if c % world == rank]
        for c in tqdm(todo, desc="latents for the denoising loss", unit="chunk", disable=not progress or not todo):
            rows = []
            for t in range(c * CHUNK_TRACKS, min(self.n_tracks, (c + 1) * CHUNK_TRACKS)):
                with torch.no_grad():
                    latent = pipe(prompt=prompts[t], height=image_size, width=image_size, num_inference_steps=steps,
                                  output_type="latent", generator=torch.Generator().manual_seed(t)).images
                rows.append(latent[0].float().cpu().numpy().astype(np.float16))
            atomic_save_npy(self.chunk_path(c), np.stack(rows))

    def check(self) -> LatentCache:
        """Refuse an incomplete cache, naming the command that completes it."""
        missing = self.missing()
        if missing:
            raise ConfigError(f"{self.folder}: {len(missing)} of {self.n_chunks} latent chunks are missing; run "
                              "`a2i train prepare` with the same config (resumable, one process per GPU)")
        return self

    def rows(self, tracks: np.ndarray) -> torch.Tensor:
        """Latents of ``tracks`` (track rows), float32, read from the memory-mapped chunks."""
        out = []
        for t in np.asarray(tracks).tolist():
            c = t // CHUNK_TRACKS
            if c not in self._maps:
                self._maps[c] = np.load(self.chunk_path(c), mmap_mode="r")
            out.append(np.asarray(self._maps[c][t - c * CHUNK_TRACKS], dtype=np.float32))
        return torch.from_numpy(np.stack(out))
