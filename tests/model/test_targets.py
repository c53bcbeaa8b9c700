"""Targets are SDXL's own encoding (encode_text), cached in fp16 memory-mapped shards, resumable, or online."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from a2i.errors import ConfigError
from a2i.model import targets as targets_module
from a2i.model.targets import TargetCache, Targets, encode_prompts
from a2i.render.conditioning import encode_text
from a2i.render.tiny import build_tiny_sdxl

PROMPTS = ["a calm blue sea", "grey rain on a window", "a red storm", "fireworks over a city", "a quiet forest"]
START = np.array([0, 2, 3, 5])  # three songs: prompts 0-1, 2, 3-4


@pytest.fixture(scope="module")
def pipe():
    return build_tiny_sdxl(seed=0)


def test_cache_stores_song_means_and_prompt_pooled(tmp_path, pipe):
    cache = TargetCache(tmp_path / "t")
    cache.build(pipe, PROMPTS, START, fingerprint="tiny", shard_songs=2, batch_size=2, progress=False)
    cache.open()
    cond = encode_text(pipe, PROMPTS, guidance=False)
    tokens, pooled = cache.song_targets(torch.tensor([0, 2]))
    torch.testing.assert_close(tokens[0], cond.prompt_embeds[0:2].mean(0), atol=2e-2, rtol=2e-3)
    torch.testing.assert_close(pooled[1], cond.pooled_prompt_embeds[3:5].mean(0), atol=2e-3, rtol=2e-3)
    torch.testing.assert_close(cache.prompt_pooled(torch.tensor([4, 2])), cond.pooled_prompt_embeds[[4, 2]],
                               atol=2e-3, rtol=2e-3)
    shard = np.load(tmp_path / "t" / "tokens-00000.npy", mmap_mode="r")
    assert shard.dtype == np.float16 and shard.shape == (2, 77, 64)
    torch.testing.assert_close(cache.prompt_tokens(torch.tensor([4, 1])), cond.prompt_embeds[[4, 1]], atol=2e-2, rtol=2e-3)
    assert np.load(tmp_path / "t" / "prompt-tokens-00001.npy", mmap_mode="r").shape == (2, 77, 64)  # song 2: prompts 3, 4
    online = Targets("online", PROMPTS, pipe=pipe)
    t, p, pos, neg = online.batch(torch.tensor([0]), torch.tensor([1]), torch.tensor([3, 4]))
    torch.testing.assert_close(t[0], cond.prompt_embeds[1])
    torch.testing.assert_close(neg, cond.pooled_prompt_embeds[3:5])


def test_cache_resumes_by_shard_and_refuses_other_prompts(tmp_path, pipe, monkeypatch):
    calls = []
    real = targets_module.encode_prompts

    def failing(p, prompts):
        calls.append(list(prompts))
        if len(calls) == 3:  # a shape probe, shard 0, then killed while encoding shard 1
            raise KeyboardInterrupt
        return real(p, prompts)

    monkeypatch.setattr(targets_module, "encode_prompts", failing)
    cache = TargetCache(tmp_path / "t")
    with pytest.raises(KeyboardInterrupt):
        cache.build(pipe, PROMPTS, START, fingerprint="tiny", shard_songs=2, batch_size=8, progress=False)
    assert len(json.loads((tmp_path / "t" / "manifest.json").read_text())["shards"]) == 2
    assert (tmp_path / "t" / "pooled-00000.npy").is_file() and not (tmp_path / "t" / "pooled-00001.npy").exists()
    assert not list((tmp_path / "t").glob(".*a2i-tmp*"))  # nothing half-written left behind
    with pytest.raises(ConfigError, match="incomplete"):
        TargetCache(tmp_path / "t").open()
    calls.clear()
    monkeypatch.setattr(targets_module, "encode_prompts", real)
    cache.build(pipe, PROMPTS, START, fingerprint="tiny", shard_songs=2, batch_size=8, progress=False)
    assert TargetCache(tmp_path / "t").open().prompt_pooled(torch.tensor([4])).shape == (1, 32)
    with pytest.raises(ConfigError, match="new folder"):
        cache.build(pipe, PROMPTS[::-1], START, fingerprint="tiny", progress=False)
    assert encode_prompts(pipe, ["x"])[0].dtype == torch.float32


def test_processes_build_their_own_shards(tmp_path, pipe):
    """Process r of w encodes shards r, r + w, ...: two processes together build the cache one would."""
    whole, halves = TargetCache(tmp_path / "one"), TargetCache(tmp_path / "two")
    whole.build(pipe, PROMPTS, START, fingerprint="tiny", shard_songs=1, progress=False)
    halves.build(pipe, PROMPTS, START, fingerprint="tiny", shard_songs=1, progress=False, rank=1, world=2)
    assert halves.missing() == [0, 2]
    with pytest.raises(ConfigError, match="a2i train prepare"):
        TargetCache(tmp_path / "two").open()
    halves.build(pipe, PROMPTS, START, fingerprint="tiny", shard_songs=1, progress=False, rank=0, world=2)
    ids = torch.tensor([0, 1, 2])
    torch.testing.assert_close(halves.open().song_targets(ids)[0], whole.open().song_targets(ids)[0])


def test_regression_targets_are_real_prompts_by_default(tmp_path, pipe):
    """The default regresses to the step's sampled prompt (a real embedding), not to the song's per-position
    mean, whose vectors are shorter than any real prompt's."""
    from a2i.model.config import TargetsConfig

    assert TargetsConfig().regress == "prompt"
    cache = TargetCache(tmp_path / "t")
    cache.build(pipe, PROMPTS, START, fingerprint="tiny", shard_songs=2, progress=False)
    cond = encode_text(pipe, PROMPTS, guidance=False)
    tracks, prompt_ids, negatives = torch.tensor([0, 2]), torch.tensor([1, 3]), torch.tensor([2])
    tokens, pooled, positive, _ = Targets("cached", PROMPTS, cache=cache.open()).batch(tracks, prompt_ids, negatives)
    torch.testing.assert_close(tokens, cond.prompt_embeds[[1, 3]], atol=2e-2, rtol=2e-3)
    torch.testing.assert_close(pooled, positive)
    mean_tokens = Targets("cached", PROMPTS, cache=cache, regress="mean").batch(tracks, prompt_ids, negatives)[0]
    torch.testing.assert_close(mean_tokens[0], cond.prompt_embeds[0:2].mean(0), atol=2e-2, rtol=2e-3)
    # Averaging two unrelated prompts shortens the token vectors: what token_norm_ratio must not be measured on.
    assert float(mean_tokens[0].norm(dim=-1).mean()) < float(cond.prompt_embeds[0:2].norm(dim=-1).mean())
    sample_tokens, _ = Targets("cached", PROMPTS, cache=cache).regression_sample(torch.tensor([0, 1, 2]), START, seed=0)
    rows = [min(range(5), key=lambda i: float((cond.prompt_embeds[i] - t).abs().max())) for t in sample_tokens]
    assert rows[1] == 2 and rows[0] in (0, 1) and rows[2] in (3, 4)  # a real prompt of each song
    with pytest.raises(ConfigError, match="prompt, mean"):
        Targets("cached", PROMPTS, cache=cache, regress="median")
