"""SDXL speed on a CUDA GPU: seconds per 1024 x 1024 picture at 30 steps, fp16 and bf16, with and without
``torch.compile``, the peak GPU memory, and the share of the card's bf16 peak that the speed implies.

With ``--model`` it times the real pipeline (weights from a folder or the Hugging Face cache). Without it,
it builds SDXL 1.0's UNet and VAE from their published configurations (below) with random weights and feeds
the UNet conditioning of the real shapes: the compute per step is identical, so the timing holds; the text
encoders (well under 1 % of the time) are left out. Nothing is downloaded.

    python benchmarks/sdxl_gpu.py [--model PATH_OR_ID] [--steps 30] [--repeats 3] [--no-compile]

The last line is the summary; on a machine without CUDA it says that the benchmark was skipped and why.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

#: stabilityai/stable-diffusion-xl-base-1.0, unet/config.json (the fields that differ from diffusers' defaults).
SDXL_UNET_CONFIG = {
    "addition_embed_type": "text_time",
    "addition_embed_type_num_heads": 64,
    "addition_time_embed_dim": 256,
    "attention_head_dim": [5, 10, 20],
    "block_out_channels": [320, 640, 1280],
    "cross_attention_dim": 2048,
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
    "in_channels": 4,
    "layers_per_block": 2,
    "out_channels": 4,
    "projection_class_embeddings_input_dim": 2816,
    "sample_size": 128,
    "transformer_layers_per_block": [1, 2, 10],
    "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
    "use_linear_projection": True,
}
#: stabilityai/stable-diffusion-xl-base-1.0, vae/config.json.
SDXL_VAE_CONFIG = {
    "block_out_channels": [128, 256, 512, 512],
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
    "in_channels": 3,
    "out_channels": 3,
    "latent_channels": 4,
    "layers_per_block": 2,
    "sample_size": 1024,
    "scaling_factor": 0.13025,
    "force_upcast": True,
}
#: The published parameter count of SDXL 1.0's UNet: a check that the configuration above is the real one.
SDXL_UNET_PARAMETERS = 2_567_463_684
#: Dense bf16 tensor-core peaks (TFLOP/s) from NVIDIA's data sheets, by a substring of the device name.
BF16_PEAK_TFLOPS = {"H200": 989.0, "H100 SXM": 989.0, "H100 NVL": 835.0, "H100 PCIe": 756.0, "H100": 756.0,
                    "A100": 312.0, "L40S": 362.0, "L4": 121.0, "A10": 125.0, "RTX 4090": 165.0}
TOKENS, POOLED = 77, 1280


def random_sdxl(dtype):
    """SDXL 1.0's UNet and VAE with random weights, in a pipeline without text encoders."""
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionXLPipeline, UNet2DConditionModel

    from a2i.render.tiny import SCHEDULER_CONFIG

    torch.manual_seed(0)
    unet = UNet2DConditionModel(**SDXL_UNET_CONFIG)
    count = sum(p.numel() for p in unet.parameters())
    if count != SDXL_UNET_PARAMETERS:
        raise SystemExit(f"the UNet configuration is not SDXL 1.0's: {count:,} parameters, expected {SDXL_UNET_PARAMETERS:,}")
    vae = AutoencoderKL(**SDXL_VAE_CONFIG)
    pipe = StableDiffusionXLPipeline(vae=vae, text_encoder=None, text_encoder_2=None, tokenizer=None, tokenizer_2=None,
                                     unet=unet, scheduler=EulerDiscreteScheduler(**SCHEDULER_CONFIG))
    return pipe.to("cuda", dtype)


def conditioning(dtype):
    import torch

    g = torch.Generator("cuda").manual_seed(0)
    embeds = torch.randn(1, TOKENS, SDXL_UNET_CONFIG["cross_attention_dim"], generator=g, device="cuda", dtype=dtype)
    pooled = torch.randn(1, POOLED, generator=g, device="cuda", dtype=dtype)
    return {"prompt_embeds": embeds, "pooled_prompt_embeds": pooled,
            "negative_prompt_embeds": torch.zeros_like(embeds), "negative_pooled_prompt_embeds": torch.zeros_like(pooled)}


def unet_flops(pipe, dtype) -> float:
    """FLOPs of one guided UNet call (batch 2) at 1024 x 1024, counted by torch's FLOP counter."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    latents = torch.randn(2, 4, 128, 128, device="cuda", dtype=dtype)
    added = {"text_embeds": torch.randn(2, POOLED, device="cuda", dtype=dtype),
             "time_ids": torch.tensor([[1024, 1024, 0, 0, 1024, 1024]] * 2, device="cuda", dtype=dtype)}
    text = torch.randn(2, TOKENS, SDXL_UNET_CONFIG["cross_attention_dim"], device="cuda", dtype=dtype)
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        pipe.unet(latents, torch.tensor(999, device="cuda"), encoder_hidden_states=text, added_cond_kwargs=added)
    return float(counter.get_total_flops())


def time_pipeline(pipe, inputs, steps: int, repeats: int) -> list[float]:
    import torch

    kwargs = {**inputs, "num_inference_steps": steps, "guidance_scale": 5.0, "height": 1024, "width": 1024,
              "output_type": "pil", "generator": torch.Generator("cpu").manual_seed(0)}
    pipe(**kwargs)  # warm-up (and, with torch.compile, compilation)
    times = []
    for _ in range(repeats):
        torch.cuda.synchronize()
        start = time.perf_counter()
        pipe(**kwargs)
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="time real weights (folder or Hugging Face id in the cache)")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dtypes", default="fp16,bf16")
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile runs")
    parser.add_argument("--peak-tflops", type=float, help="the card's dense bf16 peak, if not in the table")
    args = parser.parse_args(argv)

    import torch

    if not torch.cuda.is_available():
        print(f"sdxl_gpu: skipped: no CUDA device (torch {torch.__version__}, torch.cuda.is_available() is False); "
              "run it on a machine with an NVIDIA GPU")
        return 0
    from a2i.render.conditioning import encode_text
    from a2i.render.weights import from_pretrained

    name = torch.cuda.get_device_name()
    peak = args.peak_tflops or next((v for k, v in BF16_PEAK_TFLOPS.items() if k in name), None)
    dtypes = {"fp16": torch.float16, "bf16": torch.bfloat16}
    results = []
    for label in args.dtypes.split(","):
        dtype = dtypes[label]
        if args.model:
            from diffusers import StableDiffusionXLPipeline

            pipe = from_pretrained(StableDiffusionXLPipeline, args.model, dtype=dtype).to("cuda")
            inputs = encode_text(pipe, "a lighthouse on a cliff at dusk, oil painting").as_pipeline_kwargs()
        else:
            pipe = random_sdxl(dtype)
            inputs = conditioning(dtype)
        pipe.set_progress_bar_config(disable=True)
        flops = unet_flops(pipe, dtype) * args.steps
        for compiled in (False,) if args.no_compile else (False, True):
            if compiled:
                pipe.unet = torch.compile(pipe.unet)
            torch.cuda.reset_peak_memory_stats()
            times = time_pipeline(pipe, inputs, args.steps, args.repeats)
            seconds = statistics.median(times)
            tflops = flops / seconds / 1e12
            share = f"{tflops / peak:.0%} of {peak:g}" if peak else "unknown peak"
            line = (f"{label} compile={'yes' if compiled else 'no'}: {seconds:.2f} s/picture (median of {args.repeats}), "
                    f"peak {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB, UNet {tflops:.0f} TFLOP/s = {share} bf16 TFLOP/s")
            print(line, flush=True)
            results.append((label, compiled, seconds, tflops))
        del pipe
        torch.cuda.empty_cache()
    best = min(results, key=lambda r: r[2])
    source = args.model or "random SDXL 1.0 UNet+VAE"
    print(f"sdxl_gpu: {name}, {source}, 1024x1024, {args.steps} steps: best {best[2]:.2f} s/picture "
          f"({best[0]}, compile={'yes' if best[1] else 'no'}, {best[3]:.0f} TFLOP/s"
          + (f", {best[3] / peak:.0%} of bf16 peak)" if peak else ")"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
