"""The caches training reads, built as their own resumable step (``a2i train prepare``).

Training reads three caches from ``data.cache_dir``: the 48 kHz audio (:class:`a2i.model.data.AudioCache`),
SDXL's encoding of the prompts (:class:`a2i.model.targets.TargetCache`) and, with the denoising loss, the
latents of one picture per track (:class:`a2i.model.latents.LatentCache`). At full size they take hours:
decoding measured 0.30 s per 3-minute mp3 (3.3 h for 40,000 tracks on one process), and the targets and the
40,000 SDXL pictures take longer still. Built inside a multi-process training run, the other processes
would wait at a barrier until the process-group timeout killed the run. So:

- ``a2i train prepare --config FILE`` builds them, resumably (each cache skips what is done). Under
  ``accelerate launch`` / ``torchrun`` every process builds its own part: target shards and latent chunks
  ``r, r + w, ...`` (their files are written atomically, so processes share nothing that is half-written);
  the audio cache, one memory-mapped array, is built by the main process.
- ``a2i train`` with one process builds whatever is missing itself, as before; with several it only reads
  and refuses, naming this command, when a cache is incomplete.

Examples
--------
>>> import tempfile
>>> from a2i.model.config import load_config
>>> root = tempfile.mkdtemp()
>>> cfg = load_config("tiny", [f"data.cache_dir={root}", "log.progress=false", "data.cache_seconds=2.0"])
>>> prepare(cfg)  # the tiny corpus, its audio and its targets
>>> sorted(p.name for p in Path(root).iterdir() if p.name != "tiny-corpus")[:1]
['audio']
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from a2i.errors import ConfigError
from a2i.model.config import TrainConfig
from a2i.model.data import AudioCache, Corpus, read_corpus
from a2i.model.latents import LatentCache, latent_cache_key, pipeline_fingerprint
from a2i.model.targets import TargetCache, Targets, text_encoder_fingerprint

#: The fingerprint source of the tiny SDXL (built in memory from a seed, no folder).
TINY_SOURCE = "tiny-sdxl-seed0"


def make_accelerator(config: TrainConfig) -> Any:
    """The run's :class:`accelerate.Accelerator`: a real process group on CPU machines too, with an explicit
    timeout.

    ``cpu=True`` without CUDA: under ``torchrun`` on a CPU machine accelerate would otherwise report
    ``DistributedType.NO`` while torch.distributed has several ranks, and every rank would act as the main
    process (two checkpoint writers). The timeout is ``optim.timeout_s``.
    """
    import torch
    from accelerate import Accelerator
    from accelerate.utils import InitProcessGroupKwargs

    timeout = InitProcessGroupKwargs(timeout=timedelta(seconds=float(config.optim.timeout_s)))
    return Accelerator(cpu=not torch.cuda.is_available(), mixed_precision=config.optim.mixed_precision or None,
                       kwargs_handlers=[timeout])


@dataclass
class Caches:
    """What training reads: the corpus, its audio, its targets and (with the denoising loss) its latents."""

    corpus: Corpus
    audio: AudioCache
    targets: Targets
    latents: LatentCache | None
    sdxl: Any  # the full SDXL pipeline when the denoising loss is on (its UNet is the loss's), else None


def prepare(config: TrainConfig, accelerator: Any = None) -> Any:
    """Build this process's part of every cache that is not complete (resumable); no process waits for another.

    The main process decodes the audio; process ``r`` of ``w`` encodes target shards and draws latent
    chunks ``r, r + w, ...``. Run it again (or run ``a2i train``) to see what is still missing. Returns the
    SDXL pipeline it loaded for the latents (None without the denoising loss), so a one-process training run
    loads it once.
    """
    accelerator = accelerator or make_accelerator(config)
    rank, world, main = accelerator.process_index, accelerator.num_processes, accelerator.is_main_process
    progress = config.log.progress and main
    corpus = _corpus(config, accelerator)
    if main:
        AudioCache(Path(config.data.cache_dir) / "audio", config.data.cache_seconds).build(corpus.audio_paths,
                                                                                          progress=progress)
    if config.targets.mode == "cached":
        text_pipe, source = _text_pipe(config, accelerator.device)
        fingerprint = text_encoder_fingerprint(text_pipe, source)
        _target_cache(config, fingerprint).build(
            text_pipe, corpus.prompts, corpus.prompt_start, fingerprint=fingerprint,
            shard_songs=config.targets.shard_songs, batch_size=config.targets.batch_size, progress=progress,
            rank=rank, world=world)
    sdxl = None
    if config.loss.denoise > 0:
        sdxl = sdxl_pipeline(config, config.targets.text_encoders, accelerator.device)
        latents, prompts = _latent_cache(config, corpus, sdxl)
        latents.build(sdxl, prompts, image_size=config.loss.denoise_image_size, steps=config.loss.denoise_steps,
                      rank=rank, world=world, progress=progress)
    return sdxl


def open_caches(config: TrainConfig, accelerator: Any) -> Caches:
    """Open the complete caches for training. One process first builds whatever is missing itself; with
    several, an incomplete cache is refused with the command that completes it (``a2i train prepare``)."""
    sdxl = prepare(config, accelerator) if accelerator.num_processes == 1 else None
    corpus = _corpus(config, accelerator)
    audio = AudioCache(Path(config.data.cache_dir) / "audio", config.data.cache_seconds).check(len(corpus))
    cached = config.targets.mode == "cached"
    text_pipe, source = _text_pipe(config, "cpu" if cached else accelerator.device)  # cached: to fingerprint only
    if cached:
        targets = Targets("cached", corpus.prompts, regress=config.targets.regress,
                          cache=_target_cache(config, text_encoder_fingerprint(text_pipe, source)).open())
    else:
        targets = Targets(config.targets.mode, corpus.prompts, pipe=text_pipe, regress=config.targets.regress)
    latents = None
    if config.loss.denoise > 0:
        if sdxl is None:
            sdxl = sdxl_pipeline(config, config.targets.text_encoders, accelerator.device)
        latents = _latent_cache(config, corpus, sdxl)[0].check()
    return Caches(corpus, audio, targets, latents, sdxl)


def _target_cache(config: TrainConfig, fingerprint: str) -> TargetCache:
    return TargetCache(Path(config.data.cache_dir) / f"targets-{fingerprint[:12]}")


def _latent_cache(config: TrainConfig, corpus: Corpus, sdxl: Any) -> tuple[LatentCache, list[str]]:
    """The latent cache of this corpus, weights, size and step count, and the prompt of each track."""
    prompts = [corpus.prompts[corpus.prompt_start[t]] for t in range(len(corpus))]
    key = latent_cache_key(weights=pipeline_fingerprint(sdxl, _source(config.targets.text_encoders)),
                           track_ids=corpus.track_ids, prompts=prompts, image_size=config.loss.denoise_image_size,
                           steps=config.loss.denoise_steps)
    return LatentCache(config.data.cache_dir, key, len(corpus)), prompts


def _corpus(config: TrainConfig, accelerator: Any) -> Corpus:
    csv = config.data.csv
    if not csv:
        raise ConfigError("data.csv is empty: give the final dataset.csv (`a2i dataset split`) or 'tiny'")
    if csv == "tiny":
        from a2i.model.tiny import write_tiny_corpus

        folder = Path(config.data.cache_dir) / "tiny-corpus"
        if accelerator.is_main_process:
            write_tiny_corpus(folder, seconds=config.data.cache_seconds)
        accelerator.wait_for_everyone()  # seconds: the tiny corpus is 24 synthesized songs
        csv = folder / "dataset.csv"
    return read_corpus(csv, valid_fraction=config.data.valid_fraction, seed=config.optim.seed)


def _source(name: str) -> str:
    return TINY_SOURCE if name == "tiny" else name


def _text_pipe(config: TrainConfig, device: Any) -> tuple[Any, str]:
    """The text encoders the targets come from (tokenizers and encoders only for real weights)."""
    source = config.targets.text_encoders
    if source == "tiny":
        from a2i.render.tiny import build_tiny_sdxl

        return build_tiny_sdxl(seed=0), TINY_SOURCE
    from a2i.render.conditioning import load_text_encoders

    return load_text_encoders(source, device=str(device)), source


def sdxl_pipeline(config: TrainConfig, source: str, device: Any) -> Any:
    """A whole SDXL pipeline, loaded once per run, in ``loss.denoise_dtype`` on a GPU (float32 on a CPU).

    With ``loss.denoise_checkpointing`` the UNet recomputes its blocks in the backward pass (diffusers
    checkpoints whenever gradients are on, in eval mode too).
    """
    import torch

    dtype = torch.float32
    if torch.device(device).type != "cpu" and config.loss.denoise_dtype == "bf16":
        dtype = torch.bfloat16
    elif config.loss.denoise_dtype not in ("bf16", "fp32"):
        raise ConfigError(f"loss.denoise_dtype must be bf16 or fp32, got {config.loss.denoise_dtype!r}")
    if source == "tiny":
        from a2i.render.tiny import build_tiny_sdxl

        pipe = build_tiny_sdxl(seed=0)
    else:
        import diffusers

        from a2i.render.weights import from_pretrained

        pipe = from_pretrained(diffusers.StableDiffusionXLPipeline, source)
    pipe.set_progress_bar_config(disable=True)
    if config.loss.denoise_checkpointing:
        pipe.unet.enable_gradient_checkpointing()
    return pipe.to(device, dtype)
