"""Losses: InfoNCE and SigLIP against hand-written formulas, false negatives masked, regression scale."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from a2i.errors import ConfigError
from a2i.model.losses import ContrastiveLoss, RegressionLoss


def features(seed=0, b=4, k=2, d=8):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(b, d, generator=g), torch.randn(b, d, generator=g), torch.randn(b * k, d, generator=g))


def test_infonce_is_clip_loss_over_in_batch_and_hard_negatives():
    audio, pos, neg = features()
    loss = ContrastiveLoss("infonce")
    got = loss(audio, pos, neg, torch.arange(4), torch.arange(10, 18))
    a, p, n = (F.normalize(x, dim=-1) for x in (audio, pos, neg))
    scale = 1 / 0.07
    a2t = F.cross_entropy(scale * a @ torch.cat([p, n]).T, torch.arange(4))
    t2a = F.cross_entropy(scale * p @ a.T, torch.arange(4))
    torch.testing.assert_close(got, (a2t + t2a) / 2)
    got.backward()
    assert loss.logit_scale.grad is not None


def test_prompts_of_the_same_song_are_not_negatives():
    audio, pos, neg = features()
    loss = ContrastiveLoss("infonce")
    # Negative 0 belongs to song 1 (in the batch): for clip 1 it must be dropped, not pushed away.
    neg_tracks = torch.tensor([1, 11, 12, 13, 14, 15, 16, 17])
    logits = loss.get_logits(audio, pos, neg, torch.arange(4), neg_tracks)
    assert logits.positive_audio[1, 4] and not logits.positive_audio[0, 4]
    masked = loss(audio, pos, neg, torch.arange(4), neg_tracks)
    unmasked = loss(audio, pos, neg, torch.arange(4), torch.arange(10, 18))
    a, p, n = (F.normalize(x, dim=-1) for x in (audio, pos, neg))
    row1 = (1 / 0.07) * a[1] @ torch.cat([p, n]).T
    keep = torch.ones(12, dtype=torch.bool)
    keep[4] = False
    change = F.cross_entropy(row1[keep][None], torch.tensor([1])) - F.cross_entropy(row1[None], torch.tensor([1]))
    torch.testing.assert_close(masked - unmasked, change / 4 / 2)


def test_siglip_is_pairwise_sigmoid():
    audio, pos, neg = features(1)
    loss = ContrastiveLoss("siglip")
    got = loss(audio, pos, neg, torch.arange(4), torch.arange(10, 18))
    a, p, n = (F.normalize(x, dim=-1) for x in (audio, pos, neg))
    labels = torch.cat([torch.eye(4), torch.zeros(4, 8)], 1) * 2 - 1
    a2t = -F.logsigmoid(labels * (10 * a @ torch.cat([p, n]).T - 10)).sum(1).mean()
    t2a = -F.logsigmoid((torch.eye(4) * 2 - 1) * (10 * p @ a.T - 10)).sum(1).mean()
    torch.testing.assert_close(got, (a2t + t2a) / 2)
    got.backward()
    assert loss.logit_bias.grad is not None
    with pytest.raises(ConfigError, match="infonce, siglip"):
        ContrastiveLoss("triplet")


def test_regression_fixes_direction_and_scale():
    g = torch.Generator().manual_seed(0)
    true_t, true_p = torch.randn(6, 77, 16, generator=g) * 5, torch.randn(6, 8, generator=g) * 3
    loss = RegressionLoss(77)
    loss.set_scale(true_t, true_p)
    exact = loss(true_t, true_p, true_t, true_p)
    assert all(float(v) < 1e-6 for v in exact.values())
    mean = loss(true_t.mean(0).expand_as(true_t), true_p.mean(0).expand_as(true_p), true_t, true_p)
    assert abs(float(mean["token_mse"]) - 1.0) < 1e-4 and abs(float(mean["pooled_mse"]) - 1.0) < 1e-4
    scaled = loss(true_t * 2, true_p * 2, true_t, true_p)  # right direction, wrong scale: only MSE sees it
    assert float(scaled["token_cos"]) < 1e-6 and float(scaled["token_mse"]) > 0.5
    weights = [0.0] + [1.0] * 76
    weighted = RegressionLoss(77, weights)
    wrong_first = true_t.clone()
    wrong_first[:, 0] += 100
    assert float(weighted(wrong_first, true_p, true_t, true_p)["token_mse"]) == 0.0
    with pytest.raises(ConfigError, match="77 non-negative"):
        RegressionLoss(77, [1.0, 2.0])


def test_denoising_loss_trains_the_embeddings_through_a_frozen_unet():
    from a2i.model.losses import DenoisingLoss
    from a2i.render.tiny import build_tiny_sdxl

    pipe = build_tiny_sdxl(seed=0)
    loss_fn = DenoisingLoss(pipe.unet, pipe.scheduler.config, image_size=64).train()
    latents = torch.randn(2, 4, 8, 8, generator=torch.Generator().manual_seed(0))
    tokens = torch.randn(2, 77, 64, requires_grad=True)
    pooled = torch.randn(2, 32, requires_grad=True)
    loss = loss_fn(latents, tokens, pooled, torch.tensor([1, 2]))
    loss.backward()
    assert tokens.grad.abs().sum() > 0 and pooled.grad.abs().sum() > 0
    assert all(p.grad is None for p in pipe.unet.parameters()) and not loss_fn.unet.training
    again = loss_fn(latents, tokens.detach(), pooled.detach(), torch.tensor([1, 2]))
    assert again.item() == pytest.approx(loss.item(), rel=1e-6)  # the seeds fix noise and timesteps
    assert float(again) == pytest.approx(1.0, abs=0.5)  # an untrained UNet predicts noise about as badly as zero


def _closed_form_alphas_cumprod(config) -> torch.Tensor:
    """abar_t of SDXL's "scaled_linear" schedule, written out (Ho et al. 2020 with SD's beta schedule)."""
    assert config.beta_schedule == "scaled_linear"
    betas = torch.linspace(config.beta_start ** 0.5, config.beta_end ** 0.5, config.num_train_timesteps,
                           dtype=torch.float64) ** 2
    return torch.cumprod(1 - betas, 0)


def test_denoising_noise_is_ddpm_forward_process_whatever_the_pipeline_scheduler_did():
    """x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, with the pipeline's betas, even right after the pipeline
    drew a picture (its Euler scheduler's step index then sits at sigma 0), and per item whatever the batch."""
    from a2i.model.losses import DenoisingLoss
    from a2i.render.tiny import build_tiny_sdxl

    pipe = build_tiny_sdxl(seed=0)
    pipe.set_progress_bar_config(disable=True)
    pipe(prompt="rain", height=64, width=64, num_inference_steps=2, output_type="latent")  # moves the Euler state
    loss_fn = DenoisingLoss(pipe.unet, pipe.scheduler.config, image_size=64)
    x0 = torch.randn(3, 4, 8, 8, generator=torch.Generator().manual_seed(0))
    noisy, eps, t = loss_fn.noise(x0, torch.tensor([11, 12, 13]))
    abar = _closed_form_alphas_cumprod(pipe.scheduler.config)[t].float()[:, None, None, None]
    torch.testing.assert_close(noisy, abar.sqrt() * x0 + (1 - abar).sqrt() * eps, rtol=1e-5, atol=1e-5)
    assert len(set(t.tolist())) == 3 and float(eps.std()) == pytest.approx(1.0, abs=0.2)
    # The UNet input is the DDPM x_t: unit variance for unit-variance latents at any t (the Euler
    # scheduler's x0 + sigma eps would need scaling by 1/sqrt(1 + sigma^2) first).
    big = torch.randn(2, 4, 64, 64, generator=torch.Generator().manual_seed(1))
    for seed in (21, 22):
        assert float(loss_fn.noise(big[:1], torch.tensor([seed]))[0].std()) == pytest.approx(1.0, abs=0.05)
    # An item is noised alike in any batch (one process or two): seed 12 alone equals its row above.
    alone, _, t_alone = loss_fn.noise(x0[1:2], torch.tensor([12]))
    torch.testing.assert_close(alone[0], noisy[1])
    assert t_alone.item() == t[1].item()
