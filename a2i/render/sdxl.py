"""Stable Diffusion XL through diffusers: pictures from text, from audio embeddings, from both, or over the painter.

Four conditioning routes, all behind :meth:`SDXLBackend.render` (and :func:`a2i.render.get_backend`):

========================  =====================================================================================
(a) text                  the profile's prompt (or ``text=``) goes to the pipeline as text; diffusers encodes it
(b) embeddings            ``prompt_embeds`` (B, 77, 2048) + ``pooled_prompt_embeds`` (B, 1280), given directly
                          or made by the audio encoder (``encoder=DIR``) from the clip's waveform
(c) blend                 audio embeddings mixed with ``text=`` at ``text_weight`` (:func:`~a2i.render.
                          conditioning.blend`: per-token directions and norms interpolated, so the UNet sees
                          conditioning of the scale it was trained on)
(d) painter-initialised   ``init="painter"``: the procedural painter's picture of the clip is the init image of
                          SDXL img2img at ``strength``; the painter's music-colour mapping sets the palette and
                          layout, the prompt or embeddings what is drawn. Combines with (a), (b) or (c).
========================  =====================================================================================

Every picture has its own ``torch.Generator`` (seeded on the CPU, so a seed gives the same starting noise on
any device), so a picture is the same whether rendered alone or in a batch.

Examples
--------
>>> import tempfile
>>> from a2i.mood import Profile
>>> from a2i.render.tiny import save_tiny_sdxl
>>> backend = SDXLBackend(model=str(save_tiny_sdxl(tempfile.mkdtemp())), steps=2)
>>> backend.render(profile=Profile(valence=0.8), prompt="a sunny meadow", size=64, seed=0).size
(64, 64)
>>> backend.route
'text'
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from PIL import Image

from a2i.errors import ConfigError, RenderError, require
from a2i.features import SignalFeatures
from a2i.mood import Profile
from a2i.render import Request, check_style
from a2i.render.conditioning import Conditioning, blend, encode_text
from a2i.render.options import DEVICES, DTYPES, INITS, SCHEDULERS
from a2i.sizes import check_size

#: Guidance 1 turns classifier-free guidance off; SDXL pictures burn out (saturated, posterised) well before
#: 30, so larger values are taken for a typo.
GUIDANCE_RANGE = (1.0, 30.0)
#: Above this, a step count is taken for a typo (schedulers are trained on 1000 timesteps).
MAX_STEPS = 1000
#: diffusers' StableDiffusionXLPipeline.check_inputs: height and width divisible by 8 (the VAE's 8x downsampling).
SIZE_MULTIPLE = 8
#: Options fixed when the weights load; the others can change per call (:meth:`SDXLBackend.with_options`).
LOAD_OPTIONS = frozenset({"model", "encoder", "scheduler", "device", "dtype", "attention_slicing", "vae_slicing",
                          "vae_tiling", "cpu_offload"})
#: The time ids SDXL's UNet reads beside the pooled embedding: original size, crop corner, target size.
TIME_IDS = 6


@dataclass(frozen=True)
class SDXLSettings:
    """Every option of the SDXL backend, validated up front; recorded in the run folder as given.

    Defaults follow SDXL 1.0's model card and diffusers' pipeline defaults (30 steps is the thesis's setting;
    guidance 5.0 is diffusers' SDXL default). ``strength`` 0.6 keeps the painter's colours and layout while
    SDXL redraws the content (at 1.0 the init picture is forgotten).
    """

    model: str | None = None
    encoder: str | None = None
    text: str | None = None
    text_weight: float = 0.5
    negative: str | None = None
    init: str = "none"
    strength: float = 0.6
    steps: int = 30
    guidance: float = 5.0
    scheduler: str = "default"
    device: str = "auto"
    dtype: str = "auto"
    batch_size: int = 1
    attention_slicing: bool = False
    vae_slicing: bool = False
    vae_tiling: bool = False
    cpu_offload: bool = False

    def __post_init__(self) -> None:
        if not self.model:
            raise ConfigError("--model is required with --backend sdxl: a diffusers SDXL folder or a Hugging Face id "
                              "(e.g. stabilityai/stable-diffusion-xl-base-1.0)")
        for name, value, choices in (("--scheduler", self.scheduler, SCHEDULERS), ("--device", self.device, DEVICES),
                                     ("--dtype", self.dtype, DTYPES), ("--init", self.init, INITS)):
            if value not in choices:
                raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
        if not isinstance(self.steps, int) or not 1 <= self.steps <= MAX_STEPS:
            raise ConfigError(f"--steps must be an integer in 1..{MAX_STEPS}, got {self.steps!r}")
        low, high = GUIDANCE_RANGE
        if not low <= float(self.guidance) <= high:
            raise ConfigError(f"--guidance must be in [{low:g}, {high:g}] (1 turns guidance off), got {self.guidance}")
        if not 0.0 < float(self.strength) <= 1.0:
            raise ConfigError(f"--strength must be in (0, 1] (how much of the painter's picture SDXL redraws), got {self.strength}")
        if not 0.0 <= float(self.text_weight) <= 1.0:
            raise ConfigError(f"--text-weight must be in [0, 1] (0 = the audio only, 1 = the text only), got {self.text_weight}")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ConfigError(f"--batch-size must be a positive integer, got {self.batch_size!r}")
        if self.init == "painter" and int(self.steps * float(self.strength)) < 1:
            # diffusers' img2img denoises int(steps x strength) steps; 0 crashes inside the VAE.
            raise ConfigError(f"--init painter with --steps {self.steps} and --strength {self.strength} leaves no "
                              f"denoising step (int(steps x strength) = 0); use --steps "
                              f"{math.ceil(1 / float(self.strength))} or more, or a larger --strength")

    @property
    def route(self) -> str:
        """Which conditioning route the options select (before any explicit ``embeddings=``)."""
        if self.encoder:
            return "blend" if self.text else "embeddings"
        return "text"


def check_sdxl_size(size: int | tuple[int, int]) -> tuple[int, int]:
    """``(width, height)`` within a2i's bounds (:func:`a2i.sizes.check_size`), each a multiple of 8 for SDXL."""
    width, height = check_size(size)
    for name, side in (("width", width), ("height", height)):
        if side % SIZE_MULTIPLE:
            raise ConfigError(f"--size: {name} must be a multiple of {SIZE_MULTIPLE} for SDXL, got {side}")
    return width, height


def conditioning_widths(unet: Any) -> tuple[int, int]:
    """(token width, pooled width) a UNet expects: 2048 and 1280 for SDXL 1.0."""
    config = unet.config
    pooled = int(config.projection_class_embeddings_input_dim) - TIME_IDS * int(config.addition_time_embed_dim)
    return int(config.cross_attention_dim), pooled


def _config_json(location: str, name: str) -> dict[str, Any] | None:
    """A JSON config inside a local folder or a Hugging Face model already in the local cache, else ``None``
    (nothing is downloaded here; the weights' own load reports a model that cannot be found)."""
    path = Path(location) / name
    if not path.is_file() and not Path(location).exists():
        try:
            from huggingface_hub import try_to_load_from_cache

            cached = try_to_load_from_cache(location, name)
        except (ImportError, ValueError):
            cached = None
        path = Path(cached) if isinstance(cached, str) else path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def check_encoder_widths(model: str, encoder: str) -> None:
    """Refuse, from the two config files alone (before any weights load or any song is analysed), an audio
    encoder whose embedding widths are not those the SDXL model's UNet reads.

    Skipped when either config cannot be read here (the load then reports the missing folder or model).
    """
    unet = _config_json(model, "unet/config.json")
    saved = _config_json(encoder, "config.json")
    if unet is None or saved is None:
        return
    try:
        width = int(unet["cross_attention_dim"])
        pooled = int(unet["projection_class_embeddings_input_dim"]) - TIME_IDS * int(unet["addition_time_embed_dim"])
        given = (int(saved["token_dim"]), int(saved["pooled_dim"]))
    except (KeyError, TypeError, ValueError):
        return
    if given != (width, pooled):
        raise ConfigError(f"--encoder {encoder} makes embeddings of width {given[0]} (pooled {given[1]}), but the SDXL "
                          f"model {model} reads {width} (pooled {pooled}); use an encoder trained for this --model")


def as_conditioning(embeddings: Any) -> Conditioning:
    """A :class:`Conditioning` from one, a ``(prompt_embeds, pooled_prompt_embeds)`` pair, or a mapping."""
    if isinstance(embeddings, Conditioning):
        return embeddings
    if isinstance(embeddings, dict):
        return Conditioning(**embeddings)
    if isinstance(embeddings, (tuple, list)) and len(embeddings) == 2:
        return Conditioning(*embeddings)
    raise ConfigError("embeddings must be a Conditioning, a (prompt_embeds, pooled_prompt_embeds) pair or a mapping "
                      f"of those names, got {type(embeddings).__name__}")


def check_conditioning(cond: Conditioning, unet: Any, batch: int | None = None) -> None:
    """Shapes and widths against the loaded UNet, so a mismatch is named before any denoising."""
    width, pooled = conditioning_widths(unet)
    embeds, pool = cond.prompt_embeds, cond.pooled_prompt_embeds
    if embeds.ndim != 3 or embeds.shape[-1] != width:
        raise ConfigError(f"prompt_embeds must be (batch, tokens, {width}) for this SDXL model, got {tuple(embeds.shape)}; "
                          "the audio encoder must be trained for the SDXL model passed as --model")
    if pool.ndim != 2 or pool.shape[-1] != pooled:
        raise ConfigError(f"pooled_prompt_embeds must be (batch, {pooled}) for this SDXL model, got {tuple(pool.shape)}; "
                          "the audio encoder must be trained for the SDXL model passed as --model")
    if pool.shape[0] != embeds.shape[0] or (batch is not None and embeds.shape[0] != batch):
        raise ConfigError(f"prompt_embeds ({embeds.shape[0]} rows) and pooled_prompt_embeds ({pool.shape[0]} rows) "
                          f"must have one row per picture{f' ({batch})' if batch is not None else ''}")


def _concat(parts: Sequence[Conditioning], *, with_negatives: bool) -> Conditioning:
    """One batch from per-picture conditionings; negatives kept only when every part has them."""
    torch = require("torch", "sdxl")
    keep = with_negatives and all(p.negative_prompt_embeds is not None and p.negative_pooled_prompt_embeds is not None for p in parts)
    names = [f.name for f in fields(Conditioning)][: 4 if keep else 2]
    return Conditioning(**{name: torch.cat([getattr(p, name) for p in parts]) for name in names})


def _pick_device(torch: Any, device: str) -> str:
    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        return "mps" if mps is not None and mps.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("--device cuda: no CUDA GPU is visible to torch; use --device cpu (slow) or auto")
    if device == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ConfigError("--device mps: Apple's Metal backend is not available here; use --device cpu or auto")
    return device


def _pick_dtype(torch: Any, dtype: str, device: str) -> Any:
    if dtype == "auto":
        dtype = "fp32" if device == "cpu" else "fp16"
    if dtype == "fp16" and device == "cpu":
        raise ConfigError("--dtype fp16 is not supported on the CPU; use --dtype fp32 (or bf16)")
    return {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[dtype]


class SDXLBackend:
    """Stable Diffusion XL behind the backend interface; options are :class:`SDXLSettings`' fields.

    The weights load once, here, so a missing model fails before any song is analysed.
    """

    name = "sdxl"
    check_size = staticmethod(check_sdxl_size)
    motion = "latents"
    parallel = False  # one pipeline per GPU: several songs at once share it by batching, or shard by accelerate

    def __init__(self, **options: Any) -> None:
        given = {k: v for k, v in options.items() if v is not None}
        unknown = sorted(set(given) - {f.name for f in fields(SDXLSettings)})
        if unknown:
            raise ConfigError(f"the sdxl backend has no option {', '.join(unknown)}")
        self.settings = SDXLSettings(**given)
        if self.settings.encoder:
            check_encoder_widths(self.settings.model, self.settings.encoder)
        self.torch = require("torch", "sdxl")
        self.diffusers = require("diffusers", "sdxl")
        self.device = _pick_device(self.torch, self.settings.device)
        self.dtype = _pick_dtype(self.torch, self.settings.dtype, self.device)
        if self.settings.cpu_offload and self.device != "cuda":
            raise ConfigError("--cpu-offload moves SDXL's parts between the CPU and a CUDA GPU; it needs --device cuda")
        self.encoder = self._load_encoder(self.settings.encoder) if self.settings.encoder else None
        self.pipe = self._load_pipeline()
        self._shared: dict[str, Any] = {}  # built on first use, shared with with_options() copies

    def with_options(self, **changes: Any) -> SDXLBackend:
        """The same loaded weights with other rendering options (text, weights, guidance, steps, init, ...).

        Comparing routes or a guidance sweep then costs no reload; options that decide how the weights load
        (:data:`LOAD_OPTIONS`) need a new backend.

        Examples
        --------
        >>> import tempfile
        >>> from a2i.render.tiny import save_tiny_sdxl
        >>> backend = SDXLBackend(model=str(save_tiny_sdxl(tempfile.mkdtemp())), steps=2)
        >>> watercolour = backend.with_options(text="a watercolour", guidance=7.5)
        >>> watercolour.pipe is backend.pipe, watercolour.settings.guidance
        (True, 7.5)
        """
        fixed = sorted(set(changes) & LOAD_OPTIONS)
        if fixed:
            raise ConfigError(f"{', '.join(fixed)} decide how the weights load; build a new SDXLBackend to change them")
        clone = object.__new__(SDXLBackend)
        clone.__dict__.update(self.__dict__)
        clone.settings = replace(self.settings, **changes)
        return clone

    @property
    def route(self) -> str:
        """The conditioning route of pictures rendered without explicit ``embeddings=``."""
        return self.settings.route

    @property
    def batch_size(self) -> int:
        """Pictures per denoising batch (``--batch-size``)."""
        return self.settings.batch_size

    @property
    def styles(self) -> tuple[str, ...]:
        """With ``init="painter"``, the painter's styles (the init picture is painted in the one asked for);
        otherwise none: SDXL's style comes from the prompt's words."""
        if self.settings.init != "painter":
            return ()
        from a2i.render.painter.styles import STYLES

        return tuple(STYLES)

    @property
    def needs_audio(self) -> bool:
        """Whether :meth:`render` needs the clip's waveform (``audio=``): with an audio encoder."""
        return self.encoder is not None

    @property
    def options(self) -> dict[str, Any]:
        """Every option in force (defaults included) plus the route, device and dtype: the run record's entry."""
        return {**asdict(self.settings), "route": self.route, "resolved_device": self.device,
                "resolved_dtype": str(self.dtype).removeprefix("torch.")}

    def _load_pipeline(self) -> Any:
        from a2i.render.weights import from_pretrained

        s = self.settings
        pipe = from_pretrained(self.diffusers.StableDiffusionXLPipeline, s.model, dtype=self.dtype)
        scheduler = SCHEDULERS[s.scheduler]
        if scheduler is not None:
            pipe.scheduler = getattr(self.diffusers, scheduler).from_config(pipe.scheduler.config)
        if s.attention_slicing:
            pipe.enable_attention_slicing()
        if s.vae_slicing:
            pipe.vae.enable_slicing()
        if s.vae_tiling:
            pipe.vae.enable_tiling()
        if s.cpu_offload:
            pipe.enable_model_cpu_offload(device=self.device)
        else:
            pipe.to(self.device)
        pipe.set_progress_bar_config(disable=True)
        return pipe

    def _load_encoder(self, folder: str) -> Any:
        from a2i.model.encoder import AudioEncoder

        return AudioEncoder.from_pretrained(folder, device=self.device)

    @property
    def img2img(self) -> Any:
        """SDXL img2img over the same components (no second copy of the weights)."""
        if "img2img" not in self._shared:
            img2img = self.diffusers.StableDiffusionXLImg2ImgPipeline(
                **self.pipe.components, force_zeros_for_empty_prompt=self.pipe.config.force_zeros_for_empty_prompt)
            img2img.set_progress_bar_config(disable=True)
            self._shared["img2img"] = img2img
        return self._shared["img2img"]

    def render(self, *, profile: Profile | None = None, prompt: str | None = None, style: str | None = None,
               embeddings: Any = None, features: SignalFeatures | None = None, size: int | tuple[int, int] = 1024,
               seed: int = 0, audio: Any = None) -> Image.Image:
        """One RGB picture; see the module docstring for which route the arguments select.

        Parameters
        ----------
        profile : Profile, optional
            Needed with ``init="painter"`` (the painter paints it).
        prompt : str, optional
            The text of route (a); ``text=`` in the settings takes its place when given.
        style : str, optional
            With ``init="painter"``: the painter style of the init picture (see :attr:`styles`).
        embeddings : Conditioning or (prompt_embeds, pooled_prompt_embeds), optional
            Route (b) with these, or (c) when the settings have ``text=``.
        audio : a2i.audio.Audio, optional
            The clip's waveform, for the audio encoder.
        size, seed
            Picture size (multiples of 8) and its seed.
        """
        request = Request(seed=seed, profile=profile, prompt=prompt, style=style, embeddings=embeddings, audio=audio,
                          features=features)
        return self.render_many([request], size=size)[0]

    def render_many(self, requests: Sequence[Request], *, size: int | tuple[int, int] = 1024,
                    progress: Any = None) -> list[Image.Image]:
        """Pictures for many requests, ``batch_size`` at a time; each equals its :meth:`render` result."""
        width, height = check_sdxl_size(size)
        for request in requests:
            check_style(self, request.style)
        images: list[Image.Image] = []
        step = self.settings.batch_size
        for first in range(0, len(requests), step):
            images.extend(self._render_batch(list(requests[first:first + step]), width, height))
            if progress is not None:
                progress.update(len(requests[first:first + step]))
        return images

    def conditioning(self, requests: Sequence[Request]) -> Conditioning | None:
        """The embeddings the batch is conditioned on, or ``None`` for the text route (the pipeline encodes)."""
        s = self.settings
        given = [r.embeddings is not None for r in requests]
        if any(given) and not all(given):
            raise ConfigError("embeddings= must be given for every picture of a batch or for none")
        if all(given):
            audio_cond = _concat([as_conditioning(r.embeddings) for r in requests], with_negatives=not s.text)
        elif self.encoder is not None:
            if any(r.audio is None for r in requests):
                raise ConfigError("--encoder: the sdxl backend needs each clip's waveform (audio=) to embed it")
            audio_cond = self.encode_audio([r.audio for r in requests])
        else:
            return None
        check_conditioning(audio_cond, self.pipe.unet, batch=len(requests))
        if s.text:
            text = encode_text(self.pipe, [s.text] * len(requests), negative_prompt=s.negative,
                               guidance=s.guidance > 1, device=self.pipe._execution_device)
            return blend(audio_cond.to(self.pipe._execution_device), text, s.text_weight)
        return audio_cond.to(self.pipe._execution_device, self.pipe.unet.dtype)

    def encode_audio(self, clips: Sequence[Any]) -> Conditioning:
        """Route (b)'s conditioning for clips (:class:`a2i.audio.Audio`, one sample rate) from the audio encoder."""
        if self.encoder is None:
            raise ConfigError("encode_audio needs an audio encoder: pass encoder= (--encoder DIR)")
        rates = {clip.sr for clip in clips}
        if len(rates) != 1:
            raise ConfigError(f"audio= of one batch must share a sample rate, got {sorted(rates)}")
        prompt_embeds, pooled = self.encoder.encode([clip.samples for clip in clips], rates.pop(),
                                                    batch_size=self.settings.batch_size)
        return Conditioning(prompt_embeds, pooled)

    def pipeline_call(self, requests: Sequence[Request], width: int, height: int) -> tuple[Any, dict[str, Any]]:
        """The diffusers pipeline (text-to-image, or img2img for ``init="painter"``) and the keyword arguments a2i
        calls it with for one batch: the route's conditioning, the negatives, one CPU generator per picture,
        steps, guidance and, for img2img, the painter's init pictures and the strength. :meth:`render_many`
        is this call with ``output_type="pil"``; tests call it with ``output_type="np"`` to pin a2i's own routes
        as floats."""
        s = self.settings
        cond = self.conditioning(requests)
        if cond is None:
            prompts = [s.text or r.prompt for r in requests]
            if any(p is None for p in prompts):
                raise ConfigError("the sdxl backend needs a prompt (or --text, or --encoder with the clip's audio)")
            inputs: dict[str, Any] = {"prompt": prompts}
        else:
            inputs = cond.as_pipeline_kwargs()
        if s.negative and "negative_prompt_embeds" not in inputs:
            inputs["negative_prompt"] = [s.negative] * len(requests)
        inputs.update(num_inference_steps=s.steps, guidance_scale=float(s.guidance),
                      generator=[self.torch.Generator("cpu").manual_seed(int(r.seed)) for r in requests])
        if s.init == "painter":
            init = [self._painter_init(r, width, height) for r in requests]
            return self.img2img, {"image": init, "strength": float(s.strength), **inputs}
        return self.pipe, {"height": height, "width": width, **inputs}

    def _render_batch(self, requests: list[Request], width: int, height: int) -> list[Image.Image]:
        pipe, kwargs = self.pipeline_call(requests, width, height)
        try:
            return list(pipe(**kwargs, output_type="pil").images)
        except self.torch.OutOfMemoryError as exc:
            raise RenderError(f"SDXL ran out of {self.device} memory at {width}x{height}, batch {len(requests)}; "
                              "lower --batch-size or --size, or add --attention-slicing --vae-tiling "
                              "(or --cpu-offload on CUDA)") from exc

    def _painter_init(self, request: Request, width: int, height: int) -> Image.Image:
        from a2i.render.painter import paint

        if request.profile is None:
            raise ConfigError("--init painter needs the clip's profile (profile=) for the painter to paint")
        prompt = self.settings.text or request.prompt  # its art words pick the painter's style, as with the painter
        return paint(request.profile, prompt=prompt, style=request.style, size=(width, height), seed=request.seed,
                     features=request.features)
