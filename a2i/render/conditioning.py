"""SDXL conditioning: what the UNet is conditioned on, made from text by diffusers itself, and mixed.

SDXL's UNet reads two things from its text side: ``prompt_embeds`` (B, 77, 2048), the penultimate hidden
states of CLIP ViT-L (768) and OpenCLIP bigG (1280) concatenated per token, and ``pooled_prompt_embeds``
(B, 1280), bigG's projected end-of-text embedding. :func:`encode_text` is the project's one way to make them
from text: a thin call of diffusers' own ``StableDiffusionXLPipeline.encode_prompt`` (never re-implemented), so
the image backend, the notebooks and the audio encoder's training targets (which it learns to predict) agree
to the bit with what the pipeline does with a text prompt.

Examples
--------
>>> from a2i.render.tiny import build_tiny_sdxl
>>> cond = encode_text(build_tiny_sdxl(), ["a calm blue sea", "a red storm"])
>>> tuple(cond.prompt_embeds.shape), tuple(cond.pooled_prompt_embeds.shape)
((2, 77, 64), (2, 32))
>>> bool(cond.negative_prompt_embeds.abs().sum() == 0)  # no negative prompt: zeros (force_zeros_for_empty_prompt)
True
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from a2i.errors import ConfigError, require

#: Norms below this are treated as zero vectors when mixing directions (float32 resolution near 1).
_EPS = 1e-6


@dataclass
class Conditioning:
    """The four tensors ``StableDiffusionXLPipeline.__call__`` accepts in place of text.

    ``negative_*`` are ``None`` when classifier-free guidance is off; otherwise they are the encoded negative
    prompt, or zeros (SDXL 1.0's ``force_zeros_for_empty_prompt``) when there is none.
    """

    prompt_embeds: Any
    pooled_prompt_embeds: Any
    negative_prompt_embeds: Any = None
    negative_pooled_prompt_embeds: Any = None

    def __len__(self) -> int:
        return int(self.prompt_embeds.shape[0])

    def as_pipeline_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for the pipeline call (``None`` entries left out, so the pipeline fills them)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def to(self, device: Any = None, dtype: Any = None) -> Conditioning:
        """The same tensors on ``device`` / in ``dtype``."""
        return Conditioning(**{f.name: None if getattr(self, f.name) is None else getattr(self, f.name).to(device=device, dtype=dtype)
                               for f in fields(self)})

    def select(self, index: int | slice) -> Conditioning:
        """Rows ``index`` of every tensor (keeps the batch dimension)."""
        index = slice(index, index + 1) if isinstance(index, int) else index
        return Conditioning(**{f.name: None if getattr(self, f.name) is None else getattr(self, f.name)[index] for f in fields(self)})


def encode_text(pipe: Any, prompts: str | Sequence[str], *, negative_prompt: str | Sequence[str] | None = None,
                prompt_2: str | Sequence[str] | None = None, negative_prompt_2: str | Sequence[str] | None = None,
                guidance: bool = True, device: Any = None, clip_skip: int | None = None) -> Conditioning:
    """Encode prompts exactly as ``pipe(prompt=...)`` would, through diffusers' ``encode_prompt``.

    Parameters
    ----------
    pipe : StableDiffusionXLPipeline
        Needs only its tokenizers and text encoders (see :func:`load_text_encoders`).
    prompts : str or list of str
        One row per prompt.
    negative_prompt : str or list of str, optional
        Without one, the negatives are zeros when the pipeline's ``force_zeros_for_empty_prompt`` is set
        (SDXL 1.0 sets it), otherwise the encoded empty prompt: the pipeline's own rule.
    prompt_2, negative_prompt_2 : optional
        Text for the second encoder (bigG); the first one's text when omitted, as in diffusers.
    guidance : bool
        Whether to compute the negatives (classifier-free guidance on); ``False`` leaves them ``None``.
    device : optional
        Where to encode; the pipeline's execution device by default.
    clip_skip : int, optional
        Layers skipped from the end before taking hidden states (diffusers' meaning; ``None`` = penultimate).
    """
    torch = require("torch", "sdxl")
    prompts = [prompts] if isinstance(prompts, str) else list(prompts)
    if not prompts:
        raise ConfigError("encode_text: prompts is empty; pass at least one prompt")
    with torch.no_grad():
        embeds, negative, pooled, negative_pooled = pipe.encode_prompt(
            prompt=prompts, prompt_2=prompt_2, device=device or pipe._execution_device, num_images_per_prompt=1,
            do_classifier_free_guidance=guidance, negative_prompt=negative_prompt, negative_prompt_2=negative_prompt_2,
            clip_skip=clip_skip)
    return Conditioning(embeds, pooled, negative, negative_pooled)


def load_text_encoders(model: str | os.PathLike[str], *, device: str = "cpu", dtype: Any = None) -> Any:
    """An SDXL pipeline with only its tokenizers and text encoders loaded (no UNet, no VAE).

    For the audio encoder's training targets: :func:`encode_text` works on it, and it needs about 1.6 GB
    instead of the full 7 GB. ``model`` is a folder or a hub id in the cache, as for ``--model``.

    Examples
    --------
    >>> import tempfile
    >>> from a2i.render.tiny import save_tiny_sdxl
    >>> text_only = load_text_encoders(save_tiny_sdxl(tempfile.mkdtemp()))
    >>> text_only.unet is None, text_only.vae is None
    (True, True)
    >>> tuple(encode_text(text_only, "rain").prompt_embeds.shape)
    (1, 77, 64)
    """
    diffusers = require("diffusers", "sdxl")
    from a2i.render.weights import from_pretrained

    kwargs = {"unet": None, "vae": None}
    if dtype is not None:
        kwargs["dtype"] = dtype
    pipe = from_pretrained(diffusers.StableDiffusionXLPipeline, model, **kwargs)
    pipe.set_progress_bar_config(disable=True)
    return pipe.to(device)


def _mix_rows(a: Any, b: Any, weight: float) -> Any:
    """Mix two tensors along their last axis: directions interpolated, then rescaled to the interpolated norm."""
    torch = require("torch", "sdxl")
    norm_a = a.norm(dim=-1, keepdim=True)
    norm_b = b.norm(dim=-1, keepdim=True)
    direction = (1 - weight) * a / norm_a.clamp_min(_EPS) + weight * b / norm_b.clamp_min(_EPS)
    norm = (1 - weight) * norm_a + weight * norm_b
    return torch.where(direction.norm(dim=-1, keepdim=True) > _EPS,
                       direction / direction.norm(dim=-1, keepdim=True).clamp_min(_EPS) * norm,
                       (1 - weight) * a + weight * b)


def blend(audio: Conditioning, text: Conditioning, weight: float) -> Conditioning:
    """A weighted mix of audio and text conditioning: ``weight`` 0 is the audio, 1 the text.

    Why not ``(1 - w) * audio + w * text``: CLIP token states have very different norms per position (the
    start token's is an order of magnitude above the rest) and two unrelated directions average to a shorter
    vector, so a plain sum shrinks the conditioning the UNet sees toward zero, i.e. toward the unconditional
    (empty prompt) side and a washed-out picture. Here every token vector, and the pooled vector, keeps a norm
    between the two inputs' norms: the directions are interpolated and renormalised, and the norm is
    interpolated separately (the per-token form of spherical interpolation). Negatives come from ``text``
    (the user's negative prompt, or zeros).

    Examples
    --------
    >>> import torch
    >>> a = Conditioning(torch.tensor([[[3.0, 0.0]]]), torch.tensor([[0.0, 2.0]]))
    >>> t = Conditioning(torch.tensor([[[0.0, 3.0]]]), torch.tensor([[2.0, 0.0]]))
    >>> mixed = blend(a, t, 0.5)
    >>> round(float(mixed.prompt_embeds.norm()), 4), round(float(mixed.pooled_prompt_embeds.norm()), 4)
    (3.0, 2.0)
    """
    if not 0.0 <= weight <= 1.0:
        raise ConfigError(f"--text-weight must be in [0, 1] (0 = the audio only, 1 = the text only), got {weight}")
    if len(text) == 1 and len(audio) > 1:
        text = Conditioning(**{f.name: None if getattr(text, f.name) is None
                               else getattr(text, f.name).expand(len(audio), *getattr(text, f.name).shape[1:])
                               for f in fields(text)})
    if audio.prompt_embeds.shape != text.prompt_embeds.shape or audio.pooled_prompt_embeds.shape != text.pooled_prompt_embeds.shape:
        raise ConfigError(f"blend: audio embeddings {tuple(audio.prompt_embeds.shape)} / {tuple(audio.pooled_prompt_embeds.shape)} "
                          f"and text embeddings {tuple(text.prompt_embeds.shape)} / {tuple(text.pooled_prompt_embeds.shape)} "
                          "differ in shape; the encoder must be trained for this SDXL model")
    text = text.to(device=audio.prompt_embeds.device, dtype=audio.prompt_embeds.dtype)
    return replace(text, prompt_embeds=_mix_rows(audio.prompt_embeds, text.prompt_embeds, weight),
                   pooled_prompt_embeds=_mix_rows(audio.pooled_prompt_embeds, text.pooled_prompt_embeds, weight))
