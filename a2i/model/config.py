"""Every training option in one place (as open_clip's ``params.py``), read from a TOML/JSON file and ``--set``.

A config file has one table per section (``[encoder]``, ``[data]``, ``[targets]``, ``[loss]``, ``[optim]``,
``[log]``); ``--set section.key=value`` overrides any key (values are read as JSON, else as text). The
resolved config is written beside the results (``training_logs/<run>/config.json``) and inside every
checkpoint, so a run can be understood and resumed from its folder alone.

Built-in configs live in ``a2i/model/configs/``; ``--config tiny`` names one of them.

Examples
--------
>>> cfg = load_config("tiny", ["optim.lr=0.01", "loss.contrastive=siglip"])
>>> cfg.optim.lr, cfg.loss.contrastive, cfg.encoder.token_dim
(0.01, 'siglip', 64)
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from a2i.errors import ConfigError
from a2i.model.data import Augment
from a2i.model.encoder import EncoderConfig
from a2i.model.negatives import DEFAULT_MARGIN
from a2i.render.sdxl import SDXLSettings

#: Folder of the configs shipped with a2i (``--config tiny`` reads ``tiny.toml`` there).
BUILTIN_CONFIGS = Path(__file__).with_name("configs")


_AUGMENT = Augment()  # the augmentation defaults live with the augmentation (a2i.model.data.Augment)


@dataclass
class DataConfig:
    """Where the data is and how clips are drawn.

    Attributes
    ----------
    csv : str
        The final dataset.csv (``a2i dataset split``), or ``"tiny"`` for the generated tiny corpus. Empty
        (the default) is refused: there is no default dataset.
    cache_dir : str
        Folder of the 48 kHz audio cache, the target cache and the latent cache (relative to the working
        folder). Every cache is keyed by its inputs and refuses other inputs, so one folder per dataset.
    cache_seconds : float
        Seconds of each song kept in the audio cache, around its middle: the range training crops are drawn
        from (40,000 tracks × 30 s × 48 kHz × 2 bytes = 115 GB of disk).
    valid_fraction : float
        Share of each stratum carved from train as validation when the csv has no ``valid`` rows (0..1).
    workers : int
        DataLoader worker processes reading and augmenting clips (0: in the training process).
    gain_db, noise_prob, noise_snr_db, mix_prob, mix_gain_db
        Augmentation, see :class:`a2i.model.data.Augment` (dB, share 0..1, dB range, share, dB).
    negatives_k : int
        Hard-negative songs per clip for the contrastive loss (:mod:`a2i.model.negatives`).
    negatives_margin : float
        Smallest valence-energy distance of a hard negative (Spotify's 0..1 units).
    negatives_selection : str
        ``nearest`` (hardest past the margin), ``farthest`` or ``random``.
    """

    csv: str = ""
    cache_dir: str = "cache"
    cache_seconds: float = 30.0
    valid_fraction: float = 0.1
    workers: int = 2
    gain_db: float = _AUGMENT.gain_db
    noise_prob: float = _AUGMENT.noise_prob
    noise_snr_db: tuple[float, float] = _AUGMENT.noise_snr_db
    mix_prob: float = _AUGMENT.mix_prob
    mix_gain_db: float = _AUGMENT.mix_gain_db
    negatives_k: int = 4
    negatives_margin: float = DEFAULT_MARGIN
    negatives_selection: str = "nearest"

    def augment(self) -> Augment:
        """The :class:`Augment` these settings describe."""
        return Augment(**{f.name: getattr(self, f.name) for f in fields(Augment)})


@dataclass
class TargetsConfig:
    """What the encoder regresses to: SDXL's own encoding of the prompts (:mod:`a2i.model.targets`).

    Attributes
    ----------
    text_encoders : str
        Folder or hub id of the SDXL model whose text encoders make the targets, or ``"tiny"``.
    mode : str
        ``cached`` (encoded once into fp16 shards, memory-mapped) or ``online`` (encoded in each step).
    regress : str
        ``prompt`` (the default): regress to one prompt of the song drawn per step; ``mean``: to the
        per-position mean of the song's prompts (shortened vectors; see :mod:`a2i.model.targets`).
    shard_songs : int
        Songs per cache shard: the unit of resuming and of splitting the build between processes.
    batch_size : int
        Prompts per text-encoder forward pass while building the cache.
    """

    text_encoders: str = "stabilityai/stable-diffusion-xl-base-1.0"
    mode: str = "cached"
    regress: str = "prompt"
    shard_songs: int = 1024
    batch_size: int = 64


@dataclass
class LossConfig:
    """Weights of each loss (0 turns one off); see :mod:`a2i.model.losses` for why each exists.

    Attributes
    ----------
    contrastive : str
        ``infonce`` (CLIP's softmax) or ``siglip`` (pairwise sigmoid).
    contrastive_weight, token_cos, token_mse, pooled_cos, pooled_mse : float
        Weights of the contrastive loss and of the four regression terms (cosine: direction, MSE: scale).
    local_loss : bool
        Score only this process's clips against every gathered prompt (memory O(B·N) instead of O(N²)).
    token_weights : list of float or None
        One weight per token position (77); None weighs all alike.
    denoise : float
        Weight of the UNet's denoising loss (0: off). It needs latents of one picture per track, drawn once
        by SDXL (``denoise_steps`` steps at ``denoise_image_size`` px) from the track's first prompt and
        cached (``a2i train prepare``).
    denoise_image_size : int
        Pixel size of those pictures (SDXL's native 1024; latents are 1/8 of it).
    denoise_steps : int
        Sampling steps per cached picture (default: the SDXL backend's, :class:`a2i.render.sdxl.SDXLSettings`).
    denoise_dtype : str
        Precision of the frozen UNet in the denoising loss: ``bf16`` (half the memory; the gradient flows
        only to the embeddings) or ``fp32``. On a CPU the UNet always runs in float32.
    denoise_checkpointing : bool
        Recompute the UNet's blocks in the backward pass (gradient checkpointing): the activations of a
        2.6 B-parameter UNet at 128 × 128 latents are what does not fit otherwise (docs/training_memory.md).
    """

    contrastive: str = "infonce"
    contrastive_weight: float = 1.0
    local_loss: bool = False
    token_cos: float = 1.0
    token_mse: float = 1.0
    pooled_cos: float = 1.0
    pooled_mse: float = 1.0
    token_weights: list[float] | None = None
    denoise: float = 0.0
    denoise_image_size: int = 1024
    denoise_steps: int = SDXLSettings.steps
    denoise_dtype: str = "bf16"
    denoise_checkpointing: bool = True


@dataclass
class OptimConfig:
    """AdamW with linear warm-up and cosine decay, and the schedule of validation and checkpoints.

    Attributes
    ----------
    epochs : int
        Passes over the training split; the run's length when ``max_steps`` is 0.
    max_steps : int
        Optimizer steps to train; 0 (the default) means ``epochs`` × steps per epoch.
    batch_size : int
        Global batch per micro-step (clips, summed over all processes; must divide by their number): the
        number of in-batch negatives of the contrastive loss, so it does not change with the GPU count.
    grad_accum : int
        Micro-steps accumulated per optimizer step (the effective batch is ``batch_size × grad_accum``).
    lr : float
        Peak learning rate of the heads (resampler, projections, loss temperature).
    tower_lr : float
        Peak learning rate of the CLAP tower's trained parts (10× lower: pre-trained weights need small steps).
    weight_decay : float
        AdamW's decoupled weight decay on matrices (never on biases, norms, queries, positions, temperature).
    betas : (float, float)
        AdamW's moment decays; 0.98 as CLIP (Radford et al. 2021), steadier at large batch than 0.999.
    warmup_steps : int
        Optimizer steps of linear warm-up from 0 to the peak learning rate.
    min_lr_ratio : float
        Learning rate at the end of the cosine, as a share of the peak (0..1).
    clip_grad : float
        Largest global gradient norm (0: no clipping).
    mixed_precision : str
        ``"no"``, ``"fp16"`` or ``"bf16"``; ``""`` (the default) leaves it to ``accelerate launch``
        (``--mixed_precision``) or accelerate's config, i.e. float32 when neither says.
    seed : int
        Seeds the model's initialisation, the batch order, every augmentation and the denoising noise.
    eval_every : int
        Optimizer steps between validations; 0 (the default) means once per epoch.
    checkpoint_every : int
        Optimizer steps between checkpoints; 0 (the default) means at every validation. A checkpoint is
        also written when validation improves, at the end and when stopped early.
    early_stop_patience : int
        Validations without a better R@1 before training stops.
    timeout_s : float
        Seconds a process waits for the others at a collective (barrier, gather) before the run fails,
        instead of hanging: validation runs on the main process only and takes minutes at full size; caches
        are built beforehand (``a2i train prepare``), never while the other processes wait.
    """

    epochs: int = 10
    max_steps: int = 0
    batch_size: int = 32
    grad_accum: int = 1
    lr: float = 1e-4
    tower_lr: float = 1e-5
    weight_decay: float = 0.05
    betas: tuple[float, float] = (0.9, 0.98)
    warmup_steps: int = 500
    min_lr_ratio: float = 0.0
    clip_grad: float = 1.0
    mixed_precision: str = ""
    seed: int = 0
    eval_every: int = 0
    checkpoint_every: int = 0
    early_stop_patience: int = 5
    timeout_s: float = 3600.0


@dataclass
class LogConfig:
    """Where and how often to log.

    Attributes
    ----------
    log_dir : str
        Folder of the runs (``<log_dir>/<run_id>/``).
    run_id : str
        Name of this run's folder; ``""`` (the default) names it by the start time, ``YYYYmmdd-HHMMSS``.
    log_every : int
        Optimizer steps between training records in ``metrics.jsonl`` (step 1 is always logged).
    debug_images : str
        An SDXL folder or hub id to draw validation clips with at every validation (no text, only the
        predicted embeddings); ``""`` (the default) draws none. Loaded once per run.
    debug_image_size : int
        Pixel size of those pictures (512: a quick look, a quarter of SDXL's native area).
    progress : bool
        Show progress bars.
    """

    log_dir: str = "training_logs"
    run_id: str = ""
    log_every: int = 10
    debug_images: str = ""
    debug_image_size: int = 512
    progress: bool = True


@dataclass
class TrainConfig:
    """The whole training configuration."""

    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    data: DataConfig = field(default_factory=DataConfig)
    targets: TargetsConfig = field(default_factory=TargetsConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    log: LogConfig = field(default_factory=LogConfig)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        sections = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(sections))
        if unknown:
            raise ConfigError(f"unknown config sections: {', '.join(unknown)} (known: {', '.join(sections)})")
        kwargs = {}
        for name, value in data.items():
            section_type = sections[name].default_factory
            if name == "encoder":
                kwargs[name] = _encoder_config(dict(value))
                continue
            known = {f.name: f for f in fields(section_type)}
            bad = sorted(set(value) - set(known))
            if bad:
                raise ConfigError(f"unknown keys in [{name}]: {', '.join(bad)} (known: {', '.join(known)})")
            for key, item in value.items():
                check_type(f"{name}.{key}", item, known[key].type)
            kwargs[name] = section_type(**{k: tuple(v) if isinstance(v, list) and "tuple" in str(known[k].type) else v
                                           for k, v in value.items()})
        return cls(**kwargs)


#: What each annotation of the config dataclasses accepts, and how a message names it.
_TYPES: dict[str, tuple[str, Any]] = {
    "int": ("a whole number", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "float": ("a number", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)),
    "str": ("text", lambda v: isinstance(v, str)),
    "bool": ("true or false", lambda v: isinstance(v, bool)),
    "dict": ("a table", lambda v: isinstance(v, dict)),
    "None": ("nothing", lambda v: v is None),
    "tuple[float, float]": ("a pair of numbers, e.g. [20, 40]",
                            lambda v: isinstance(v, (list, tuple)) and len(v) == 2 and all(_TYPES["float"][1](x) for x in v)),
    "list[float]": ("a list of numbers", lambda v: isinstance(v, (list, tuple)) and all(_TYPES["float"][1](x) for x in v)),
}


def check_type(key: str, value: Any, annotation: Any) -> None:
    """Refuse a config value of the wrong type before anything loads, naming the key and the type expected.

    Why: ``--set optim.lr=fast`` once ran 21 s of set-up and then crashed with a ``TypeError``.

    Examples
    --------
    >>> check_type("optim.lr", 3e-4, "float")
    >>> check_type("optim.lr", "fast", "float")
    Traceback (most recent call last):
    ...
    a2i.errors.ConfigError: optim.lr: expected a number, got 'fast'; fix it in the config or with --set optim.lr=VALUE
    """
    alternatives = [part.strip() for part in str(annotation).split("|")]
    if any(part not in _TYPES for part in alternatives):
        return  # a type this check does not know is left to the dataclass
    if not any(_TYPES[part][1](value) for part in alternatives):
        expected = " or ".join(_TYPES[part][0] for part in alternatives)
        raise ConfigError(f"{key}: expected {expected}, got {value!r}; fix it in the config or with --set {key}=VALUE")


def _encoder_config(value: dict[str, Any]) -> EncoderConfig:
    """``preset = "tiny"`` starts from the tiny encoder (:mod:`a2i.model.tiny`); other keys override it."""
    known = {f.name: f for f in fields(EncoderConfig)}
    for key, item in value.items():
        if key in known:
            check_type(f"encoder.{key}", item, known[key].type)
    preset = value.pop("preset", None)
    if preset is None:
        return EncoderConfig.from_dict(value)
    if preset != "tiny":
        raise ConfigError(f"encoder.preset {preset!r}: the only preset is 'tiny'")
    from a2i.model.tiny import tiny_encoder_config

    return EncoderConfig.from_dict({**asdict(tiny_encoder_config()), **value})


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def load_config(source: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> TrainConfig:
    """Read a config file (TOML or JSON; a built-in name such as ``tiny``) and apply ``key=value`` overrides."""
    path = Path(source)
    if not path.is_file() and (BUILTIN_CONFIGS / f"{source}.toml").is_file():
        path = BUILTIN_CONFIGS / f"{source}.toml"
    if not path.is_file():
        builtin = ", ".join(sorted(p.stem for p in BUILTIN_CONFIGS.glob("*.toml")))
        raise ConfigError(f"--config {source}: no such file (built-in configs: {builtin})")
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"--config {path}: not valid {'JSON' if path.suffix == '.json' else 'TOML'}: {exc}") from exc
    for item in overrides:
        key, sep, value = item.partition("=")
        section, dot, name = key.strip().partition(".")
        if not sep or not dot or not name:
            raise ConfigError(f"--set {item!r}: write section.key=value, e.g. --set optim.lr=3e-4")
        data.setdefault(section, {})[name] = _parse_value(value.strip())
    try:
        return TrainConfig.from_dict(data)
    except TypeError as exc:
        raise ConfigError(f"--config {path}: {exc}") from exc
