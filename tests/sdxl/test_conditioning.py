"""encode_text is diffusers' encode_prompt; the text-only loader; the scale-keeping blend; the tiny pipeline."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from a2i.errors import ConfigError, RenderError
from a2i.render.conditioning import Conditioning, blend, encode_text, load_text_encoders


def test_blend_is_pinned(tiny_pipe):
    """a2i's own blend (not diffusers'): its numbers at weight 0.3 on the tiny pipeline's text encoders."""
    half = blend(encode_text(tiny_pipe, "a quiet piano"), encode_text(tiny_pipe, "a watercolour"), 0.3)
    np.testing.assert_allclose(half.prompt_embeds[0, 3, :4].numpy(), [-0.6655, 1.0966, -0.0665, -0.1773], atol=1e-3)
    np.testing.assert_allclose(half.pooled_prompt_embeds[0, :4].numpy(), [-0.4919, 0.5497, 0.7844, 2.2383], atol=1e-3)


def test_encode_text_is_encode_prompt(tiny_pipe):
    cond = encode_text(tiny_pipe, ["a calm sea", "a storm"], negative_prompt="blurry")
    embeds, negative, pooled, negative_pooled = tiny_pipe.encode_prompt(
        ["a calm sea", "a storm"], device="cpu", negative_prompt="blurry")
    for ours, theirs in zip((cond.prompt_embeds, cond.negative_prompt_embeds, cond.pooled_prompt_embeds,
                             cond.negative_pooled_prompt_embeds), (embeds, negative, pooled, negative_pooled)):
        assert torch.equal(ours, theirs)
    assert cond.prompt_embeds.shape == (2, 77, 64) and cond.pooled_prompt_embeds.shape == (2, 32)
    expected = np.array([-0.9231, 0.7421, -0.1997, 0.1144])
    np.testing.assert_allclose(cond.prompt_embeds[1, 3, :4].numpy(), expected, atol=1e-3)
    # The prompt matters, and the negative prompt is encoded (not zeros) when given.
    assert not torch.equal(cond.prompt_embeds[0], cond.prompt_embeds[1])
    assert cond.negative_prompt_embeds.abs().sum() > 0


def test_no_negative_prompt_gives_zeros_and_no_guidance_gives_none(tiny_pipe):
    cond = encode_text(tiny_pipe, "rain")
    assert torch.count_nonzero(cond.negative_prompt_embeds) == 0 and torch.count_nonzero(cond.negative_pooled_prompt_embeds) == 0
    plain = encode_text(tiny_pipe, "rain", guidance=False)
    assert plain.negative_prompt_embeds is None and set(plain.as_pipeline_kwargs()) == {"prompt_embeds", "pooled_prompt_embeds"}
    with pytest.raises(ConfigError, match="prompts is empty"):
        encode_text(tiny_pipe, [])


def test_text_only_loader_matches_the_full_pipeline(tiny_pipe, tiny_model_dir):
    text_only = load_text_encoders(tiny_model_dir)
    assert text_only.unet is None and text_only.vae is None
    ours, full = encode_text(text_only, "neon city at night"), encode_text(tiny_pipe, "neon city at night")
    # Saved and reloaded weights are the same; the reloaded encoders may pick another attention kernel.
    torch.testing.assert_close(ours.prompt_embeds, full.prompt_embeds, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(ours.pooled_prompt_embeds, full.pooled_prompt_embeds, atol=1e-5, rtol=1e-5)


def test_missing_weights_say_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(RenderError, match="hf download stabilityai/stable-diffusion-xl-base-1.0"):
        load_text_encoders("nobody/no-such-sdxl-model")
    with pytest.raises(RenderError, match="no model_index.json"):
        load_text_encoders(tmp_path)
    with pytest.raises(RenderError, match="not a folder"):
        load_text_encoders(tmp_path / "missing")


def test_blend_keeps_token_norms_and_moves_with_the_weight(tiny_pipe):
    audio, text = encode_text(tiny_pipe, "a quiet piano"), encode_text(tiny_pipe, "a watercolour")
    assert torch.allclose(blend(audio, text, 0.0).prompt_embeds, audio.prompt_embeds, atol=1e-5)
    assert torch.allclose(blend(audio, text, 1.0).pooled_prompt_embeds, text.pooled_prompt_embeds, atol=1e-5)
    half = blend(audio, text, 0.5)
    norms = half.prompt_embeds.norm(dim=-1)
    expected = (audio.prompt_embeds.norm(dim=-1) + text.prompt_embeds.norm(dim=-1)) / 2
    assert torch.allclose(norms, expected, rtol=1e-4)
    # A plain sum would be shorter wherever the two directions differ.
    plain = ((audio.prompt_embeds + text.prompt_embeds) / 2).norm(dim=-1)
    assert (plain < norms - 1e-3).any()
    assert torch.equal(half.negative_prompt_embeds, text.negative_prompt_embeds)
    with pytest.raises(ConfigError, match="--text-weight"):
        blend(audio, text, 1.5)
    wrong = Conditioning(audio.prompt_embeds[..., :32], audio.pooled_prompt_embeds)
    with pytest.raises(ConfigError, match="differ in shape"):
        blend(wrong, text, 0.5)
