"""Training losses of the audio encoder, each with its weight in :class:`a2i.model.config.TrainConfig`.

- :class:`ContrastiveLoss`: a clip must be closer to its own song's prompt than to every other prompt in the
  batch (in-batch negatives, as CLIP) and to the mined hard negatives (other genre, other mood). Contrast
  teaches *which* music goes with which picture; the thesis had no in-batch negatives and only easy ones.
  InfoNCE (softmax over all candidates) or the sigmoid variant (SigLIP: each pair an independent binary
  decision, no global normalisation, robust at small batch).
- :class:`RegressionLoss`: the predicted ``prompt_embeds`` and ``pooled_prompt_embeds`` must *be* SDXL
  embeddings, not only point the right way: cosine fixes the direction of every token, MSE its scale. The
  thesis compared only mean-pooled, L2-normalised vectors, so nothing fixed the per-token scale SDXL was
  trained on and it needed guidance 15-30 to draw anything.
- :class:`DenoisingLoss`: the UNet's own noise-prediction loss on latents of pictures made from the song's
  prompts, conditioned on the predicted embeddings (AudioToken, SonicDiffusion): it measures what matters
  in the end, whether SDXL draws the song's pictures from them. Small-batch and GPU-bound; optional.

Across several processes the contrastive loss needs every process's features, with gradients:
:func:`gather_with_grad` uses ``torch.distributed.nn.functional.all_gather``, because accelerate's
``gather`` returns tensors without gradient (open_clip's ``gather_features``). With ``local_loss`` each
process scores only its own clips against all gathered prompts (memory O(B·N) instead of O(N²)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from a2i.errors import ConfigError

CONTRASTIVE_KINDS = ("infonce", "siglip")

#: CLIP's initial temperature 0.07 (Radford et al. 2021); logits are capped at scale 100 as in CLIP.
CLIP_INIT_SCALE, MAX_SCALE = 1 / 0.07, 100.0
#: SigLIP's initial scale 10 and bias -10 (Zhai et al. 2023, sec. 3.3): start with most pairs negative.
SIGLIP_INIT_SCALE, SIGLIP_INIT_BIAS = 10.0, -10.0


# --- distributed gathering (kept apart from the losses, as open_clip does) -----------------------------

def world() -> tuple[int, int]:
    """(rank, world size) of the default process group, (0, 1) without one."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def gather_with_grad(tensor: torch.Tensor) -> torch.Tensor:
    """Concatenate every process's ``tensor`` along dim 0, keeping the autograd graph.

    Backward sums each gathered slice's gradient back to the process that owns it, so every process's
    features learn from all other processes' losses.
    """
    rank, size = world()
    if size == 1:
        return tensor
    from torch.distributed.nn.functional import all_gather

    return torch.cat(all_gather(tensor.contiguous()), dim=0)


def gather_no_grad(tensor: torch.Tensor) -> torch.Tensor:
    """Concatenate every process's ``tensor`` along dim 0 (labels, ids: no gradient needed)."""
    import torch.distributed as dist

    rank, size = world()
    if size == 1:
        return tensor
    parts = [torch.empty_like(tensor) for _ in range(size)]
    dist.all_gather(parts, tensor.contiguous())
    return torch.cat(parts, dim=0)


# --- contrastive ---------------------------------------------------------------------------------------

@dataclass
class Logits:
    """Scores of one batch: clips against prompts and prompts against clips, with the positives marked.

    ``per_audio`` (rows, prompts) and ``per_text`` (rows, clips); ``positive_*`` are boolean masks of the
    same shapes (a prompt of the clip's own song); ``label_*`` the index of each row's sampled positive.
    """

    per_audio: torch.Tensor
    per_text: torch.Tensor
    positive_audio: torch.Tensor
    positive_text: torch.Tensor
    label_audio: torch.Tensor
    label_text: torch.Tensor


class ContrastiveLoss(nn.Module):
    """In-batch + hard-negative contrastive loss, InfoNCE or SigLIP, with a learned temperature.

    Parameters
    ----------
    kind : {"infonce", "siglip"}
    local_loss : bool
        Score only this process's clips (and prompts) as rows, against everything gathered.

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> loss = ContrastiveLoss("infonce")
    >>> a, negatives = torch.randn(4, 8), torch.randn(8, 8)
    >>> tracks, negative_tracks = torch.arange(4), torch.arange(4, 12)
    >>> matched = loss(a, a, negatives, tracks, negative_tracks).item()
    >>> shuffled = loss(a, a.roll(1, 0), negatives, tracks, negative_tracks).item()
    >>> matched < 0.1 < 1.0 < shuffled
    True
    """

    def __init__(self, kind: str = "infonce", *, local_loss: bool = False) -> None:
        super().__init__()
        if kind not in CONTRASTIVE_KINDS:
            raise ConfigError(f"loss.contrastive must be one of {', '.join(CONTRASTIVE_KINDS)}, got {kind!r}")
        self.kind, self.local_loss = kind, local_loss
        scale = SIGLIP_INIT_SCALE if kind == "siglip" else CLIP_INIT_SCALE
        self.logit_scale = nn.Parameter(torch.tensor(math.log(scale)))
        self.logit_bias = nn.Parameter(torch.tensor(SIGLIP_INIT_BIAS if kind == "siglip" else 0.0),
                                       requires_grad=kind == "siglip")

    def get_logits(self, audio: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor,
                   tracks: torch.Tensor, negative_tracks: torch.Tensor) -> Logits:
        """Gather features from every process and score clips against prompts.

        Parameters
        ----------
        audio, positives : (B, D)
            This process's clip features and the features of one prompt of each clip's song.
        negatives : (B·K, D)
            Prompts of the mined hard negatives; every clip is scored against all of them.
        tracks, negative_tracks : (B,), (B·K,)
            Song ids, so a prompt of the clip's own song is never counted as a negative.
        """
        audio, positives, negatives = (F.normalize(x.float(), dim=-1) for x in (audio, positives, negatives))
        all_audio, all_pos, all_neg = (gather_with_grad(x) for x in (audio, positives, negatives))
        all_tracks = gather_no_grad(tracks)
        text_tracks = torch.cat([all_tracks, gather_no_grad(negative_tracks)])
        texts = torch.cat([all_pos, all_neg])
        rank, _ = world()
        if self.local_loss:
            rows_audio, rows_text, row_tracks = audio, positives, tracks
            labels = torch.arange(len(audio), device=audio.device) + rank * len(audio)
        else:
            rows_audio, rows_text, row_tracks = all_audio, all_pos, all_tracks
            labels = torch.arange(len(all_audio), device=audio.device)
        scale = self.logit_scale.exp().clamp(max=MAX_SCALE)
        return Logits(
            per_audio=scale * rows_audio @ texts.T + self.logit_bias,
            per_text=scale * rows_text @ all_audio.T + self.logit_bias,
            positive_audio=row_tracks[:, None] == text_tracks[None, :],
            positive_text=row_tracks[:, None] == all_tracks[None, :],
            label_audio=labels, label_text=labels,
        )

    def forward(self, audio: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor,
                tracks: torch.Tensor, negative_tracks: torch.Tensor) -> torch.Tensor:
        logits = self.get_logits(audio, positives, negatives, tracks, negative_tracks)
        if self.kind == "siglip":
            # Every pair is its own binary decision: +1 for a prompt of the clip's song, -1 otherwise.
            sign_a = logits.positive_audio.float() * 2 - 1
            sign_t = logits.positive_text.float() * 2 - 1
            loss_a = -F.logsigmoid(sign_a * logits.per_audio).sum(1).mean()
            loss_t = -F.logsigmoid(sign_t * logits.per_text).sum(1).mean()
            return (loss_a + loss_t) / 2
        return (_masked_cross_entropy(logits.per_audio, logits.positive_audio, logits.label_audio)
                + _masked_cross_entropy(logits.per_text, logits.positive_text, logits.label_text)) / 2


def _masked_cross_entropy(logits: torch.Tensor, positive: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy where other prompts of the row's own song are removed, not counted as negatives."""
    rows = torch.arange(len(labels), device=logits.device)
    keep = ~positive
    keep[rows, labels] = True
    return F.cross_entropy(logits.masked_fill(~keep, float("-inf")), labels)


# --- regression -------------------------------------------------------------------------------------

class RegressionLoss(nn.Module):
    """Cosine and MSE between predicted and true SDXL embeddings, tokens and pooled, optionally per-token
    weighted.

    MSE is divided by the targets' mean squared deviation (set once from training targets by
    :meth:`set_scale` and saved with the checkpoint), so its weight means the same at any embedding width
    and scale: 1.0 is as bad as predicting the mean target.

    Parameters
    ----------
    token_weights : sequence of float, optional
        One weight per position (77); e.g. less weight on the padding positions after the prompt's end.
    """

    def __init__(self, num_tokens: int, token_weights: list[float] | None = None) -> None:
        super().__init__()
        weights = torch.ones(num_tokens) if token_weights is None else torch.tensor(token_weights, dtype=torch.float32)
        if weights.shape != (num_tokens,) or bool((weights < 0).any()) or float(weights.sum()) <= 0:
            raise ConfigError(f"loss.token_weights must be {num_tokens} non-negative numbers, not all zero")
        self.register_buffer("token_weights", weights / weights.mean())
        self.register_buffer("token_scale", torch.tensor(1.0))
        self.register_buffer("pooled_scale", torch.tensor(1.0))

    @torch.no_grad()
    def set_scale(self, tokens: torch.Tensor, pooled: torch.Tensor) -> None:
        """Normalise MSE by the targets' spread: mean over elements of the squared deviation from the mean."""
        self.token_scale.copy_(((tokens - tokens.mean(0)) ** 2).mean().clamp_min(1e-12))
        self.pooled_scale.copy_(((pooled - pooled.mean(0)) ** 2).mean().clamp_min(1e-12))

    def forward(self, tokens: torch.Tensor, pooled: torch.Tensor, true_tokens: torch.Tensor,
                true_pooled: torch.Tensor) -> dict[str, torch.Tensor]:
        tokens, pooled = tokens.float(), pooled.float()
        true_tokens, true_pooled = true_tokens.float(), true_pooled.float()
        w = self.token_weights
        token_cos = 1 - F.cosine_similarity(tokens, true_tokens, dim=-1)  # (B, tokens)
        token_mse = ((tokens - true_tokens) ** 2).mean(-1) / self.token_scale
        return {
            "token_cos": (token_cos * w).mean(),
            "token_mse": (token_mse * w).mean(),
            "pooled_cos": (1 - F.cosine_similarity(pooled, true_pooled, dim=-1)).mean(),
            "pooled_mse": ((pooled - true_pooled) ** 2).mean() / self.pooled_scale,
        }


# --- denoising through the frozen UNet -----------------------------------------------------------------

class DenoisingLoss(nn.Module):
    """SDXL's training objective with the predicted conditioning: noise latents of a picture made from the
    song's prompts, and ask the frozen UNet to predict the noise (or v) given the audio's embeddings.

    Only the encoder learns (the UNet is frozen and in eval mode), so the gradient says how to change the
    embeddings for the UNet to recognise the song's picture.

    Noising is the forward process SDXL was trained with (Podell et al. 2023 train with the DDPM objective
    of Ho et al. 2020): ``x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps`` for a uniform ``t`` in
    0..999, through a :class:`diffusers.DDPMScheduler` built from the pipeline scheduler's config (same
    betas, same prediction type). The pipeline's own Euler scheduler is never used here: its ``add_noise``
    follows its inference ``step_index`` (sigma 0, clean latents, once a picture has been drawn) and works
    in sigma space, ``x_0 + sigma eps``, which the UNet only accepts after ``scale_model_input`` divides it
    by ``sqrt(1 + sigma^2)``; the DDPM ``x_t`` is that scaled input already.

    Noise and timestep of every item come from a generator seeded by the item's own seed, so an item is
    noised the same whichever process and batch it lands in: one process and two agree.

    Parameters
    ----------
    unet : diffusers.UNet2DConditionModel
        SDXL's UNet (frozen here), in the dtype it should run in (bf16 on a GPU).
    scheduler_config : mapping
        The pipeline scheduler's config (``pipe.scheduler.config``): betas, train timesteps, prediction type.
    image_size : int
        Pixel size the latents come from, for SDXL's size/crop conditioning (``time_ids``).
    """

    def __init__(self, unet: nn.Module, scheduler_config, image_size: int) -> None:
        super().__init__()
        from diffusers import DDPMScheduler

        self.unet = unet.requires_grad_(False).eval()
        self.scheduler = DDPMScheduler.from_config(scheduler_config)
        self.image_size = image_size

    def train(self, mode: bool = True) -> DenoisingLoss:
        super().train(mode)
        self.unet.eval()  # frozen: never dropout or batch statistics
        return self

    def noise(self, latents: torch.Tensor, seeds: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(noisy latents ``x_t``, noise ``eps``, timesteps ``t``) of a batch, each item from its own seed.

        Examples
        --------
        >>> from diffusers import DDPMScheduler
        >>> loss = DenoisingLoss(nn.Identity(), DDPMScheduler().config, 64)
        >>> x0 = torch.ones(2, 4, 8, 8)
        >>> noisy, eps, t = loss.noise(x0, torch.tensor([7, 7]))
        >>> bool((noisy[0] == noisy[1]).all()), t[0].item() == t[1].item()  # same seed, same noising
        (True, True)
        """
        steps_total = self.scheduler.config.num_train_timesteps
        noise, steps = [], []
        for seed in seeds.tolist():
            generator = torch.Generator().manual_seed(int(seed))
            steps.append(int(torch.randint(0, steps_total, (1,), generator=generator)))
            noise.append(torch.randn(latents.shape[1:], generator=generator))
        noise = torch.stack(noise).to(latents.device, latents.dtype)
        steps = torch.tensor(steps, dtype=torch.long, device=latents.device)
        return self.scheduler.add_noise(latents, noise, steps), noise, steps

    def forward(self, latents: torch.Tensor, tokens: torch.Tensor, pooled: torch.Tensor,
                seeds: torch.Tensor) -> torch.Tensor:
        """Mean squared error of the UNet's prediction, float32; ``seeds`` (B,) one per item."""
        latents = latents.float()
        b = latents.shape[0]
        dtype = self.unet.dtype
        noisy, noise, steps = self.noise(latents, seeds)
        size = float(self.image_size)
        time_ids = torch.tensor([[size, size, 0.0, 0.0, size, size]], device=latents.device, dtype=dtype).repeat(b, 1)
        pred = self.unet(noisy.to(dtype), steps, encoder_hidden_states=tokens.to(dtype),
                         added_cond_kwargs={"text_embeds": pooled.to(dtype), "time_ids": time_ids}).sample
        if self.scheduler.config.prediction_type == "v_prediction":
            target = self.scheduler.get_velocity(latents, noise, steps)
        else:
            target = noise
        return F.mse_loss(pred.float(), target.float())
