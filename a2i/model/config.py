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
from a2i.model.encoder import EncoderConfig
from a2i.model.negatives import DEFAULT_MARGIN

#: Folder of the configs shipped with a2i (``--config tiny`` reads ``tiny.toml`` there).
BUILTIN_CONFIGS = Path(__file__).with_name("configs")


@dataclass
class DataConfig:
    """Where the data is and how clips are drawn.

    ``csv`` is the final dataset.csv (``a2i dataset split``), or ``"tiny"`` for the generated tiny corpus.
    ``cache_dir`` holds the 48 kHz audio cache and the target cache (relative paths: to the working folder).
    """

    csv: str = ""
    cache_dir: str = "cache"
    cache_seconds: float = 30.0
    valid_fraction: float = 0.1
    workers: int = 2
    gain_db: float = 6.0
    noise_prob: float = 0.5
    noise_snr_db: tuple[float, float] = (20.0, 40.0)
    mix_prob: float = 0.0
    mix_gain_db: float = -12.0
    negatives_k: int = 4
    negatives_margin: float = DEFAULT_MARGIN
    negatives_selection: str = "nearest"


@dataclass
class TargetsConfig:
    """SDXL text encoders (folder or hub id of an SDXL model, or ``"tiny"``) and how targets are made."""

    text_encoders: str = "stabilityai/stable-diffusion-xl-base-1.0"
    mode: str = "cached"
    shard_songs: int = 1024
    batch_size: int = 64


@dataclass
class LossConfig:
    """Weights of each loss (0 turns one off); see :mod:`a2i.model.losses` for why each exists.

    ``denoise`` > 0 adds the UNet's denoising loss on latents of one picture per track, drawn once by SDXL
    (``denoise_steps`` steps at ``denoise_image_size``) from the track's first prompt and cached.
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
    denoise_steps: int = 30


@dataclass
class OptimConfig:
    """AdamW with linear warm-up and cosine decay; ``batch_size`` is the global batch per micro-step."""

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


@dataclass
class LogConfig:
    """Where and how often to log. ``debug_images`` is an SDXL folder to draw validation clips with."""

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
