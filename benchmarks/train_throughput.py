"""Clips per second of one full training step of the audio encoder, and which part of the step dominates.

A step is what ``a2i train`` does: log-mel features on the device, the CLAP audio tower, the Perceiver
heads, the losses (contrastive with hard negatives, token and pooled regression), backward and AdamW. On a
GPU it measures CLAP HTSAT at its published size (laion/clap-htsat-unfused's architecture, random weights:
nothing is downloaded) with the default heads, in bf16 autocast at batch 32. Without a GPU it measures the
tiny configuration on the CPU and says that the GPU figure was skipped. It prints what that rate means for
one epoch over 40,000 tracks (one clip per track), and the rate an epoch of one hour needs.

With ``--denoise PX`` it also times the denoising loss as ``a2i train`` runs it: SDXL 1.0's full-size UNet
(random weights from its published configuration, ``benchmarks/sdxl_gpu.py``) in bf16 with gradient
checkpointing, forward and backward to the embeddings for every clip of the batch, on latents of PX-pixel
pictures, and prints its peak GPU memory (the figure ``docs/training_memory.md`` estimates). GPU only.

    python benchmarks/train_throughput.py [--batch 32] [--steps 10] [--tower full|partial|frozen] [--denoise 1024]
"""

from __future__ import annotations

import argparse
import time
from contextlib import nullcontext

import torch

from a2i.model.encoder import AudioEncoder, EncoderConfig
from a2i.model.losses import ContrastiveLoss, RegressionLoss
from a2i.model.tiny import tiny_encoder_config

#: Tracks in the thesis-scale dataset an epoch is quoted for.
EPOCH_TRACKS = 40_000
NEGATIVES = 4
#: SDXL's ``prompt_embeds`` shape per clip.
TOKENS_SHAPE = (77, 2048)


def full_size_config(tower: str) -> EncoderConfig:
    """HTSAT as published: ClapAudioConfig's and ClapFeatureExtractor's defaults are laion/clap-htsat-unfused's
    audio tower and 48 kHz front end (non-fusion, so ``rand_trunc``)."""
    return EncoderConfig(clap=None, clap_audio_config={}, feature_extractor_config={"truncation": "rand_trunc"},
                         tower=tower)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--tower", choices=["frozen", "partial", "full"], default="full")
    parser.add_argument("--denoise", type=int, metavar="PX", help="also time the denoising loss at this picture size")
    args = parser.parse_args()
    gpu = torch.cuda.is_available()
    device = torch.device("cuda" if gpu else "cpu")
    torch.manual_seed(0)
    config = full_size_config(args.tower) if gpu else tiny_encoder_config(tower=args.tower)
    encoder = AudioEncoder.from_config(config).to(device).train()
    contrastive, regression = ContrastiveLoss().to(device), RegressionLoss(config.num_tokens).to(device)
    params = [p for m in (encoder, contrastive) for p in m.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-4, fused=gpu)
    b = args.batch
    audio = torch.randn(b, encoder.clip_samples, device=device) * 0.1
    true_tokens = torch.randn(b, config.num_tokens, config.token_dim, device=device)
    true_pooled = torch.randn(b, config.pooled_dim, device=device)
    negatives = torch.randn(b * NEGATIVES, config.pooled_dim, device=device)
    tracks, neg_tracks = torch.arange(b, device=device), torch.arange(b, b * (NEGATIVES + 1), device=device)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if gpu else nullcontext()

    def sync() -> float:
        if gpu:
            torch.cuda.synchronize()
        return time.perf_counter()

    parts = dict.fromkeys(("features", "tower", "heads", "losses", "backward", "optimizer"), 0.0)
    total = 0.0
    for step in range(args.steps + 2):  # two warm-up steps
        t0 = sync()
        with autocast:
            features = encoder.frontend(audio)
            t1 = sync()
            frames = encoder.frames(features)
            t2 = sync()
            tokens, pooled = encoder.heads(frames)
            t3 = sync()
            losses = regression(tokens, pooled, true_tokens, true_pooled)
            loss = sum(losses.values()) + contrastive(pooled, true_pooled, negatives, tracks, neg_tracks)
            t4 = sync()
        loss.backward()
        t5 = sync()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        t6 = sync()
        if step >= 2:
            for name, seconds in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)):
                parts[name] += seconds
            total += t6 - t0
    rate = b * args.steps / total
    share = {k: v / total for k, v in parts.items()}
    dominant = max(share, key=share.get)
    print("share of a step: " + ", ".join(f"{k} {v:.0%}" for k, v in share.items()))
    if gpu:
        print(f"GPU: {torch.cuda.get_device_name()}, peak memory {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB")
        what = f"full-size HTSAT ({args.tower} tower), bf16, batch {b}, {device}"
    else:
        print("GPU figure skipped: no CUDA device here; this is the tiny configuration on the CPU")
        what = f"tiny config ({args.tower} tower), fp32, batch {b}, CPU"
    epoch_min = EPOCH_TRACKS / rate / 60
    print(f"train throughput, {what}: {rate:.1f} clips/s; {dominant} dominates ({share[dominant]:.0%}); "
          f"one {EPOCH_TRACKS:,}-track epoch = {epoch_min:.1f} min at this rate "
          f"({EPOCH_TRACKS / 3600:.1f} clips/s makes it one hour)")
    if args.denoise and gpu:
        denoise_step(args.batch, args.denoise, args.steps)
    elif args.denoise:
        print("denoising figure skipped: no CUDA device here (a 2.6 B-parameter UNet step needs a GPU)")


def denoise_step(batch: int, size: int, steps: int) -> None:
    """Seconds and peak memory of the denoising loss's forward and backward at ``batch`` clips of ``size`` px."""
    import diffusers
    from sdxl_gpu import SDXL_UNET_CONFIG, SDXL_UNET_PARAMETERS

    from a2i.model.losses import DenoisingLoss
    from a2i.render.tiny import SCHEDULER_CONFIG

    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    unet = diffusers.UNet2DConditionModel(**SDXL_UNET_CONFIG).to("cuda", torch.bfloat16)
    assert sum(p.numel() for p in unet.parameters()) == SDXL_UNET_PARAMETERS
    unet.enable_gradient_checkpointing()
    loss_fn = DenoisingLoss(unet, diffusers.DDPMScheduler(**SCHEDULER_CONFIG).config, size)
    latents = torch.randn(batch, 4, size // 8, size // 8, device="cuda")
    tokens = torch.randn(batch, TOKENS_SHAPE[0], TOKENS_SHAPE[1], device="cuda", requires_grad=True)
    pooled = torch.randn(batch, 1280, device="cuda", requires_grad=True)
    total = 0.0
    for step in range(steps + 1):  # one warm-up step
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        loss_fn(latents, tokens, pooled, torch.arange(batch) + step * batch).backward()
        torch.cuda.synchronize()
        total += (time.perf_counter() - t0) if step else 0.0
    peak = torch.cuda.max_memory_allocated() / 2**30
    print(f"denoising loss, SDXL UNet bf16 + gradient checkpointing, batch {batch} at {size} px: "
          f"{total / steps:.2f} s/step ({batch * steps / total:.1f} clips/s), peak GPU memory {peak:.1f} GiB")


if __name__ == "__main__":
    main()
