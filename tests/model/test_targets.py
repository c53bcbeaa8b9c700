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
    online = Targets("online", PROMPTS, pipe=pipe)
    t, p, pos, neg = online.batch(torch.tensor([0]), torch.tensor([1]), torch.tensor([3, 4]))
    torch.testing.assert_close(t[0], cond.prompt_embeds[1])
    torch.testing.assert_close(neg, cond.pooled_prompt_embeds[3:5])


def test_cache_resumes_by_shard_and_refuses_other_prompts(tmp_path, pipe, monkeypatch):
    calls = []
    real = targets_module.encode_prompts

    def failing(p, prompts):
        calls.append(list(prompts))
        if len(calls) == 2:
            raise KeyboardInterrupt  # killed while encoding the second shard
        return real(p, prompts)

    monkeypatch.setattr(targets_module, "encode_prompts", failing)
    cache = TargetCache(tmp_path / "t")
    with pytest.raises(KeyboardInterrupt):
        cache.build(pipe, PROMPTS, START, fingerprint="tiny", shard_songs=2, batch_size=8, progress=False)
    manifest = json.loads((tmp_path / "t" / "manifest.json").read_text())
    assert [s["done"] for s in manifest["shards"]] == [True, False]
    with pytest.raises(ConfigError, match="incomplete"):
        TargetCache(tmp_path / "t").open()
    calls.clear()
    monkeypatch.setattr(targets_module, "encode_prompts", real)
    cache.build(pipe, PROMPTS, START, fingerprint="tiny", shard_songs=2, batch_size=8, progress=False)
    assert TargetCache(tmp_path / "t").open().prompt_pooled(torch.tensor([4])).shape == (1, 32)
    with pytest.raises(ConfigError, match="new folder"):
        cache.build(pipe, PROMPTS[::-1], START, fingerprint="tiny", progress=False)
    assert encode_prompts(pipe, ["x"])[0].dtype == torch.float32
