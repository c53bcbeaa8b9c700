"""A smoke test at SDXL's real widths and the real HTSAT configuration (shallow): a width, dtype or dropout
mistake fails here in seconds on a CPU, not on the first GPU run.

SDXL 1.0: CLIP ViT-L states (768) ‖ OpenCLIP bigG states (1280) → 2048 per token, pooled 1280, and the
UNet's added embedding reads pooled + 6 time ids × 256 = 2816. laion/clap-htsat-unfused: transformers'
``ClapAudioConfig`` defaults (hidden 768, 4 stages, dropout 0.1, 64 frame tokens) and ``ClapFeatureExtractor``
defaults (48 kHz, 10 s, 64 mel bins); only the depth is cut to one block per stage. Everything else is tiny.
The full-size random-weight run is a script, not a test: benchmarks/train_throughput.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from a2i.model.encoder import AudioEncoder, EncoderConfig
from a2i.model.losses import DenoisingLoss
from a2i.model.targets import encode_prompts

#: SDXL 1.0's widths (its text_encoder/, text_encoder_2/ and unet/ config.json).
CLIP_L, BIG_G, POOLED, TIME_EMBED = 768, 1280, 1280, 256


def real_width_sdxl():
    """SDXL's pipeline with the real conditioning widths and one-layer text encoders, a tiny UNet and VAE."""
    import diffusers
    import transformers

    from a2i.render.tiny import SCHEDULER_CONFIG, UNET_CONFIG, VAE_CONFIG, build_tiny_tokenizer

    def text(width, heads, cls):
        config = transformers.CLIPTextConfig(hidden_size=width, intermediate_size=64, num_attention_heads=heads,
                                             num_hidden_layers=1, vocab_size=1000, projection_dim=width,
                                             max_position_embeddings=77, bos_token_id=0, eos_token_id=1, pad_token_id=1)
        return cls(config).eval()

    torch.manual_seed(0)
    unet = diffusers.UNet2DConditionModel(**{**UNET_CONFIG, "cross_attention_dim": CLIP_L + BIG_G,
                                             "addition_time_embed_dim": TIME_EMBED,
                                             "projection_class_embeddings_input_dim": POOLED + 6 * TIME_EMBED})
    return diffusers.StableDiffusionXLPipeline(
        vae=diffusers.AutoencoderKL(**VAE_CONFIG).eval(), text_encoder=text(CLIP_L, 12, transformers.CLIPTextModel),
        text_encoder_2=text(BIG_G, 20, transformers.CLIPTextModelWithProjection), tokenizer=build_tiny_tokenizer(),
        tokenizer_2=build_tiny_tokenizer(), unet=unet.eval(),
        scheduler=diffusers.EulerDiscreteScheduler(**SCHEDULER_CONFIG))


@pytest.fixture(scope="module")
def pipe():
    return real_width_sdxl()


@pytest.fixture(scope="module")
def encoder():
    torch.manual_seed(0)
    config = EncoderConfig(clap=None, clap_audio_config={"depths": [1, 1, 1, 1]}, feature_extractor_config={},
                           width=1024, depth=1, heads=8, tower="partial")  # configs/sdxl.toml, one resampler layer
    return AudioEncoder.from_config(config)


def test_targets_and_unet_have_sdxl_widths(pipe):
    tokens, pooled = encode_prompts(pipe, ["a calm blue sea", "a red storm"])
    assert tokens.shape == (2, 77, 2048) and pooled.shape == (2, 1280)
    assert pipe.unet.config.projection_class_embeddings_input_dim == 2816


def test_real_htsat_encoder_feeds_the_real_width_unet_under_bf16(pipe, encoder):
    from a2i.render.conditioning import Conditioning
    from a2i.render.sdxl import check_conditioning

    assert encoder.clip_samples == 480_000 and encoder.n_frames == 64 and encoder.tower.config.hidden_size == 768
    dropouts = [m for m in encoder.tower.modules() if isinstance(m, torch.nn.Dropout) and m.p > 0]
    assert len(dropouts) >= 4  # the real HTSAT drops out in every block
    clips = torch.from_numpy(np.random.default_rng(0).normal(0, 0.05, (2, 480_000)).astype(np.float32))
    encoder.train()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        tokens, pooled = encoder(clips)
        loss_fn = DenoisingLoss(pipe.unet, pipe.scheduler.config, image_size=64)
        loss = loss_fn(torch.randn(2, 4, 8, 8), tokens, pooled, torch.tensor([0, 1]))
    assert tokens.shape == (2, 77, 2048) and pooled.shape == (2, 1280)
    check_conditioning(Conditioning(tokens.float(), pooled.float()), pipe.unet, batch=2)
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    loss.backward()
    grad = encoder.token_head.weight.grad
    assert grad is not None and torch.isfinite(grad).all() and grad.abs().sum() > 0
    assert all(p.grad is None for p in pipe.unet.parameters())


def test_frozen_stages_do_not_drop_out_the_trained_stage_does(encoder):
    """tower="partial": the first stages are frozen and in eval mode (deterministic), the last one trains
    with the real dropout (two passes differ)."""
    seen = {"first": [], "last": []}
    layers = encoder.tower.audio_encoder.layers
    hooks = [layers[0].register_forward_hook(lambda m, i, o: seen["first"].append(o[0].detach().clone())),
             layers[-1].register_forward_hook(lambda m, i, o: seen["last"].append(o[0].detach().clone()))]
    clip = torch.from_numpy(np.random.default_rng(1).normal(0, 0.05, (1, 480_000)).astype(np.float32))
    encoder.train()
    with torch.no_grad():
        encoder(clip)
        encoder(clip)
    for hook in hooks:
        hook.remove()
    assert torch.equal(seen["first"][0], seen["first"][1])
    assert not torch.equal(seen["last"][0], seen["last"][1])
