"""A tiny random Stable Diffusion XL pipeline, built from configs in code, for tests and notebooks.

Nothing is downloaded: every component is built from a config with random weights drawn from a seeded
generator, the way diffusers' own SDXL tests build theirs (``tests/pipelines/stable_diffusion_xl``). The
architecture is SDXL's (two CLIP text encoders whose penultimate states are concatenated, a pooled projection,
text-time additional embeddings, a UNet with cross-attention, a KL VAE, an Euler scheduler), only narrower:
token width 64 (= 32 + 32) instead of 2048 (= 768 + 1280) and pooled width 32 instead of 1280. A 64 x 64
picture in 2 steps takes a few seconds on one CPU core.

The tokenizers are byte-level CLIP tokenizers built offline: their vocabulary is the two special tokens plus
the 256 byte characters (with and without the end-of-word mark), so any text tokenizes without a vocabulary
file from a hub.

Examples
--------
>>> pipe = build_tiny_sdxl(seed=0)
>>> pipe.text_encoder.config.hidden_size + pipe.text_encoder_2.config.hidden_size
64
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from a2i.errors import require

#: Token width of each tiny text encoder; the UNet's cross-attention width is twice this (both encoders'
#: states are concatenated, as in SDXL).
TEXT_WIDTH = 32
#: Pooled embedding width of the tiny text_encoder_2 (its projection_dim).
POOLED_WIDTH = 32
#: CLIP's context length; kept at SDXL's 77 so tensor shapes read like the real model's (B, 77, width).
MAX_TOKENS = 77
#: The diffusers SDXL test sizes (tests/pipelines/stable_diffusion_xl/test_stable_diffusion_xl.py).
UNET_CONFIG: dict[str, Any] = {
    "block_out_channels": (32, 64),
    "layers_per_block": 2,
    "sample_size": 32,
    "in_channels": 4,
    "out_channels": 4,
    "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D"),
    "up_block_types": ("CrossAttnUpBlock2D", "UpBlock2D"),
    "attention_head_dim": (2, 4),
    "use_linear_projection": True,
    "addition_embed_type": "text_time",
    "addition_time_embed_dim": 8,
    "transformer_layers_per_block": (1, 2),
    # 6 time ids (original size, crop, target size) x 8 + the pooled width.
    "projection_class_embeddings_input_dim": 6 * 8 + POOLED_WIDTH,
    "cross_attention_dim": 2 * TEXT_WIDTH,
    "norm_num_groups": 1,
}
VAE_CONFIG: dict[str, Any] = {
    "block_out_channels": [32, 64],
    "in_channels": 3,
    "out_channels": 3,
    "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"],
    "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"],
    "latent_channels": 4,
    "sample_size": 128,
}
#: SDXL 1.0's scheduler settings (its scheduler/scheduler_config.json), with Euler as in diffusers' tests.
SCHEDULER_CONFIG: dict[str, Any] = {
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "steps_offset": 1,
    "beta_schedule": "scaled_linear",
    "timestep_spacing": "leading",
}
TEXT_CONFIG: dict[str, Any] = {
    "bos_token_id": 0,
    "eos_token_id": 1,
    "pad_token_id": 1,
    "hidden_size": TEXT_WIDTH,
    "intermediate_size": 37,
    "layer_norm_eps": 1e-05,
    "num_attention_heads": 4,
    "num_hidden_layers": 5,
    "vocab_size": 1000,
    "hidden_act": "gelu",
    "projection_dim": POOLED_WIDTH,
    "max_position_embeddings": MAX_TOKENS,
}


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character table (byte-level BPE; CLIP uses the same one).

    Printable Latin-1 bytes map to themselves; the rest are shifted past 255 so that every byte has a
    visible, non-whitespace character. transformers no longer exports it, hence these few lines.
    """
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = keep[:]
    shift = 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + shift)
            shift += 1
    return dict(zip(keep, map(chr, chars)))


def build_tiny_tokenizer() -> Any:
    """A byte-level CLIP tokenizer built offline: special tokens, 256 bytes, 256 end-of-word bytes, few merges."""
    transformers = require("transformers", "sdxl")
    byte_chars = list(_bytes_to_unicode().values())
    tokens = ["<|startoftext|>", "<|endoftext|>", *byte_chars, *(c + "</w>" for c in byte_chars)]
    vocab = {token: i for i, token in enumerate(tokens)}
    # A few merges so multi-byte tokens exist, as in a real BPE vocabulary.
    merges = [("t", "h"), ("th", "e</w>"), ("a", "n"), ("o", "n</w>")]
    for left, right in merges:
        vocab.setdefault(left + right, len(vocab))
    return transformers.CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=MAX_TOKENS)


def build_tiny_sdxl(seed: int = 0) -> Any:
    """A ``StableDiffusionXLPipeline`` with tiny random components; the same ``seed`` gives the same weights.

    Parameters
    ----------
    seed : int
        Seeds each component's initial weights (``torch.manual_seed`` before each is built, as diffusers'
        tests do), so pinned output slices are reproducible.
    """
    torch = require("torch", "sdxl")
    diffusers = require("diffusers", "sdxl")
    transformers = require("transformers", "sdxl")

    torch.manual_seed(seed)
    unet = diffusers.UNet2DConditionModel(**UNET_CONFIG)
    torch.manual_seed(seed)
    vae = diffusers.AutoencoderKL(**VAE_CONFIG)
    torch.manual_seed(seed)
    text_config = transformers.CLIPTextConfig(**TEXT_CONFIG)
    text_encoder = transformers.CLIPTextModel(text_config)
    text_encoder_2 = transformers.CLIPTextModelWithProjection(text_config)
    pipe = diffusers.StableDiffusionXLPipeline(
        vae=vae.eval(),
        text_encoder=text_encoder.eval(),
        text_encoder_2=text_encoder_2.eval(),
        tokenizer=build_tiny_tokenizer(),
        tokenizer_2=build_tiny_tokenizer(),
        unet=unet.eval(),
        scheduler=diffusers.EulerDiscreteScheduler(**SCHEDULER_CONFIG),
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


def save_tiny_sdxl(path: str | os.PathLike[str], seed: int = 0) -> Path:
    """Build the tiny pipeline and ``save_pretrained`` it to ``path``: a folder ``--model`` loads like real weights.

    Examples
    --------
    >>> import tempfile
    >>> folder = save_tiny_sdxl(tempfile.mkdtemp())
    >>> sorted(p.name for p in folder.iterdir())[:3]
    ['model_index.json', 'scheduler', 'text_encoder']
    """
    path = Path(path)
    build_tiny_sdxl(seed).save_pretrained(path)
    return path
