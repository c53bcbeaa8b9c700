"""The audio encoder: a 10-second clip at 48 kHz → SDXL's ``prompt_embeds`` and ``pooled_prompt_embeds``.

CLAP's audio tower (HTSAT, laion/clap-htsat-unfused) turns the clip's log-mel spectrogram into a grid of
frame-level features (64 tokens of 768 at full size). A Perceiver resampler reads them: 77 learned token
queries and one pooled query attend, layer by layer, to the frames (and to each other, as in Flamingo's
resampler), so every output position can pick its own part of the music. The thesis instead broadcast one
pooled CLAP vector to all 77 positions, which made the token outputs nearly identical.

Heads project the token queries to the 2048-wide ``prompt_embeds`` (CLIP ViT-L's 768 ‖ OpenCLIP bigG's 1280
penultimate states, what diffusers' ``StableDiffusionXLPipeline.encode_prompt`` returns for text) and the pooled
query to the 1280-wide ``pooled_prompt_embeds``; SDXL needs both (the thesis fed it zeros for the pooled one).
A per-position output offset (``token_bias``) lets the heads represent what every prompt shares at a
position (the start token's state is the same for every prompt) without spending capacity on it;
:meth:`AudioEncoder.init_output_bias` starts it at the mean target.

Every parameter is an attribute of a registered module or an ``nn.Parameter`` assigned directly, never
``nn.Parameter(...).to(device)``, which returns a plain tensor: the thesis's positional embeddings were made
that way and were never trained or saved. ``tests/model/test_encoder.py`` checks registration, saving,
reloading and gradients for every parameter.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from a2i.errors import ConfigError
from a2i.fileio import atomic_write_json, atomic_write_text, current_umask
from a2i.model.frontend import MelFrontend, fit_length

#: The published CLAP checkpoint the thesis used: non-fusion HTSAT, 48 kHz, 10-second clips.
DEFAULT_CLAP = "laion/clap-htsat-unfused"

#: Files of a saved encoder.
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
CARD_NAME = "README.md"

#: Version of the saved folder's format (config.json keys and weight names); bumped on a breaking change.
FORMAT_VERSION = 1

TOWER_MODES = ("frozen", "partial", "full")


@dataclass
class EncoderConfig:
    """Everything needed to rebuild an :class:`AudioEncoder` (written to ``config.json``).

    Attributes
    ----------
    clap : str or None
        Folder or Hugging Face id of a CLAP model (``ClapModel`` or ``ClapAudioModel`` weights with a
        ``ClapFeatureExtractor``). Ignored when ``clap_audio_config`` is given.
    clap_audio_config, feature_extractor_config : dict or None
        Build the tower with random weights from these configs instead (tests, benchmarks). A saved encoder
        always stores both, so reloading needs no CLAP download.
    num_tokens, token_dim, pooled_dim : int
        The SDXL conditioning shape: 77 positions of 2048, and 1280 pooled (the tiny config uses 64 / 32).
    width, depth, heads, mlp_ratio : int, int, int, float
        The resampler's width, number of layers, attention heads and feed-forward expansion.
    tower : {"frozen", "partial", "full"}
        Train none of CLAP, its last ``tower_trainable_stages`` Swin stages (and final norm), or all of it.
    gradient_checkpointing : bool
        Recompute tower stages and resampler layers in the backward pass: less memory for an unfrozen tower.
    """

    clap: str | None = DEFAULT_CLAP
    clap_audio_config: dict | None = None
    feature_extractor_config: dict | None = None
    num_tokens: int = 77
    token_dim: int = 2048
    pooled_dim: int = 1280
    width: int = 1024
    depth: int = 4
    heads: int = 8
    mlp_ratio: float = 4.0
    tower: str = "frozen"
    tower_trainable_stages: int = 1
    gradient_checkpointing: bool = False
    format_version: int = field(default=FORMAT_VERSION)

    def __post_init__(self) -> None:
        if self.tower not in TOWER_MODES:
            raise ConfigError(f"encoder.tower must be one of {', '.join(TOWER_MODES)}, got {self.tower!r}")
        if self.width % self.heads:
            raise ConfigError(f"encoder.width ({self.width}) must be divisible by encoder.heads ({self.heads})")
        for name in ("num_tokens", "token_dim", "pooled_dim", "width", "depth", "heads"):
            if int(getattr(self, name)) < 1:
                raise ConfigError(f"encoder.{name} must be a positive integer, got {getattr(self, name)!r}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EncoderConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown encoder config keys: {', '.join(unknown)}")
        return cls(**data)


def load_clap(config: EncoderConfig) -> tuple[nn.Module, Any]:
    """CLAP's audio tower and its feature extractor, from configs or from a folder / the HF cache.

    A full ``ClapModel`` checkpoint (as published) is loaded whole and its audio tower kept. A non-fusion
    tower is always paired with ``truncation="rand_trunc"``, the preprocessing it was trained with.
    """
    from transformers import AutoConfig, ClapAudioConfig, ClapAudioModel, ClapFeatureExtractor, ClapModel

    if config.clap_audio_config is not None:
        tower = ClapAudioModel(ClapAudioConfig(**config.clap_audio_config))
        extractor = ClapFeatureExtractor(**(config.feature_extractor_config or {}))
    elif config.clap:
        try:
            model_type = AutoConfig.from_pretrained(config.clap).model_type
            if model_type == "clap":
                tower = ClapModel.from_pretrained(config.clap).audio_model
            else:
                tower = ClapAudioModel.from_pretrained(config.clap)
            extractor = ClapFeatureExtractor.from_pretrained(config.clap)
        except OSError as exc:
            raise ConfigError(
                f"encoder.clap={config.clap!r}: no CLAP model there ({exc}). Give a local folder with a CLAP "
                "model and its preprocessor_config.json, or an id already in the Hugging Face cache "
                f"(huggingface-cli download {DEFAULT_CLAP})"
            ) from exc
    else:
        raise ConfigError("encoder.clap is empty and no encoder.clap_audio_config is given; set one of them")
    if tower.config.enable_fusion:
        raise ConfigError(f"encoder.clap={config.clap!r} is a fusion CLAP; use a non-fusion one ({DEFAULT_CLAP})")
    extractor.truncation = "rand_trunc"
    return tower, extractor


def tower_frames(audio_config: Any) -> int:
    """Frame tokens of the tower's last hidden state: an n × n grid, n = spec_size / 2^(stages-1) / stride."""
    stride = audio_config.patch_stride
    stride = stride[0] if isinstance(stride, (list, tuple)) else stride
    side = audio_config.spec_size // 2 ** (len(audio_config.depths) - 1) // stride
    return side * side


class ResamplerLayer(nn.Module):
    """One Perceiver-resampler layer: queries attend to [frames; queries], then a feed-forward block."""

    def __init__(self, width: int, heads: int, mlp_ratio: float) -> None:
        super().__init__()
        self.norm_frames = nn.LayerNorm(width)
        self.norm_queries = nn.LayerNorm(width)
        self.attention = nn.MultiheadAttention(width, heads, batch_first=True)
        self.norm_ff = nn.LayerNorm(width)
        hidden = int(width * mlp_ratio)
        self.ff = nn.Sequential(nn.Linear(width, hidden), nn.GELU(), nn.Linear(hidden, width))

    def forward(self, queries: torch.Tensor, frames: torch.Tensor) -> torch.Tensor:
        q = self.norm_queries(queries)
        kv = torch.cat([self.norm_frames(frames), q], dim=1)
        queries = queries + self.attention(q, kv, kv, need_weights=False)[0]
        return queries + self.ff(self.norm_ff(queries))


class AudioEncoder(nn.Module):
    """CLAP audio tower + Perceiver resampler → (``prompt_embeds`` (B, 77, 2048), ``pooled`` (B, 1280)).

    Build one with :meth:`from_config` (new heads on a CLAP tower) or :meth:`from_pretrained` (a trained
    encoder folder); turn audio into SDXL conditioning with :meth:`encode`.

    Examples
    --------
    >>> from a2i.model.tiny import tiny_encoder_config
    >>> _ = torch.manual_seed(0)
    >>> model = AudioEncoder.from_config(tiny_encoder_config())
    >>> tokens, pooled = model.encode([np.zeros(8000, dtype=np.float32)], sr=16000)
    >>> tuple(tokens.shape), tuple(pooled.shape)
    ((1, 77, 64), (1, 32))
    """

    def __init__(self, config: EncoderConfig, tower: nn.Module, extractor: Any) -> None:
        super().__init__()
        self.config = config
        self.extractor = extractor
        self.tower = tower
        self.frontend = MelFrontend(extractor)
        hidden = tower.config.hidden_size
        self.n_frames = tower_frames(tower.config)
        self.frame_proj = nn.Linear(hidden, config.width)
        self.frame_pos = nn.Parameter(torch.randn(self.n_frames, config.width) * 0.02)
        self.queries = nn.Parameter(torch.randn(config.num_tokens + 1, config.width) * 0.02)
        self.summary = nn.Linear(config.width, config.width)
        self.layers = nn.ModuleList(
            ResamplerLayer(config.width, config.heads, config.mlp_ratio) for _ in range(config.depth)
        )
        self.norm_out = nn.LayerNorm(config.width)
        self.token_head = nn.Linear(config.width, config.token_dim)
        self.pooled_head = nn.Linear(config.width, config.pooled_dim)
        self.token_bias = nn.Parameter(torch.zeros(config.num_tokens, config.token_dim))
        # Output heads start at zero, so the encoder starts exactly at the mean target (init_output_bias)
        # instead of adding random noise larger than the differences between songs it must learn.
        for head in (self.token_head, self.pooled_head):
            nn.init.zeros_(head.weight)
            nn.init.zeros_(head.bias)
        self._set_tower_trainable()
        if config.gradient_checkpointing:
            self._enable_tower_checkpointing()

    # --- construction --------------------------------------------------------------------------------

    @classmethod
    def from_config(cls, config: EncoderConfig) -> AudioEncoder:
        """New (randomly initialised) heads on the CLAP tower the config names; seed torch first."""
        tower, extractor = load_clap(config)
        return cls(config, tower, extractor)

    @classmethod
    def from_pretrained(cls, folder: str | Path, *, device: str | torch.device | None = None) -> AudioEncoder:
        """Load an encoder saved by :meth:`save_pretrained` (config.json + model.safetensors).

        Every tensor must be present and nothing extra: a folder from another model is refused, not
        silently half-loaded.
        """
        from safetensors.torch import load_file

        folder = Path(folder)
        config_path, weights_path = folder / CONFIG_NAME, folder / WEIGHTS_NAME
        if not config_path.is_file() or not weights_path.is_file():
            raise ConfigError(
                f"{folder}: not a trained audio encoder (needs {CONFIG_NAME} and {WEIGHTS_NAME}); train one with "
                "`a2i train --config FILE` and pass its checkpoint folder (training_logs/<run>/checkpoints/best)"
            )
        data = json.loads(config_path.read_text(encoding="utf-8"))
        if data.get("format_version") != FORMAT_VERSION:
            raise ConfigError(f"{config_path}: format_version {data.get('format_version')!r}, this a2i reads "
                              f"{FORMAT_VERSION}; retrain or use the a2i version that wrote it")
        data.pop("model_card", None)
        model = cls.from_config(EncoderConfig.from_dict(data))
        state = load_file(str(weights_path), device="cpu")
        missing, unexpected = model.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise ConfigError(f"{weights_path}: weights do not match {config_path} (missing {list(missing)[:3]}, "
                              f"unexpected {list(unexpected)[:3]}); the folder is damaged or mixed")
        model.eval()
        return model.to(device) if device is not None else model

    def save_pretrained(self, folder: str | Path, *, card: dict[str, Any] | None = None) -> Path:
        """Write config.json (with the tower's and extractor's configs), model.safetensors and a model card.

        Parameters
        ----------
        card : dict, optional
            Training facts for the model card (run id, step, validation metrics, data).
        """
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().to("cpu").contiguous() for k, v in self.state_dict().items()}
        tmp = folder / f".{WEIGHTS_NAME}.a2i-tmp"
        save_file(state, str(tmp), metadata={"format": "pt", "a2i_format_version": str(FORMAT_VERSION)})
        os.chmod(tmp, 0o666 & ~current_umask())  # safetensors writes 0600; give it the mode every other file gets
        tmp.replace(folder / WEIGHTS_NAME)
        atomic_write_json(folder / CONFIG_NAME, self.saved_config())
        atomic_write_text(folder / CARD_NAME, self.model_card(card or {}))
        return folder

    def saved_config(self) -> dict[str, Any]:
        """The config with the tower's and extractor's own configs filled in (reloading needs no CLAP)."""
        data = asdict(self.config)
        data["clap_audio_config"] = {k: v for k, v in self.tower.config.to_diff_dict().items()
                                     if k not in ("transformers_version", "architectures", "model_type")}
        fx = self.extractor.to_dict()
        data["feature_extractor_config"] = {
            k: fx[k] for k in ("feature_size", "sampling_rate", "hop_length", "max_length_s", "fft_window_size",
                               "padding_value", "frequency_min", "frequency_max", "top_db", "truncation", "padding")
        }
        return data

    def model_card(self, card: dict[str, Any]) -> str:
        """A README.md saying what the model is, how it was trained and how to use it."""
        total = sum(p.numel() for p in self.parameters())
        trainable = sum(p.numel() for p in self.parameters() if p.requires_grad)
        facts = "\n".join(f"- {k}: {v}" for k, v in card.items()) or "- (no training facts recorded)"
        return (
            "# a2i audio encoder\n\n"
            "Maps a 10-second music clip (resampled to "
            f"{self.frontend.sampling_rate} Hz) to Stable Diffusion XL conditioning: `prompt_embeds` "
            f"({self.config.num_tokens} x {self.config.token_dim}) and `pooled_prompt_embeds` "
            f"({self.config.pooled_dim}), trained to land near SDXL's own encoding of prompts written for the "
            "song.\n\n"
            f"- CLAP audio tower: {self.config.clap or 'random, from config'} ({self.config.tower})\n"
            f"- Perceiver resampler: {self.config.depth} layers, width {self.config.width}, "
            f"{self.config.heads} heads, over {self.n_frames} CLAP frames\n"
            f"- parameters: {total:,} ({trainable:,} trained)\n\n"
            f"## Training\n\n{facts}\n\n"
            "## Use\n\n"
            "```bash\na2i generate SONG --backend sdxl --model PATH_TO_SDXL --encoder THIS_FOLDER\n```\n\n"
            "```python\nfrom a2i.model import AudioEncoder\n"
            "encoder = AudioEncoder.from_pretrained(\"THIS_FOLDER\")\n"
            "prompt_embeds, pooled_prompt_embeds = encoder.encode([waveform], sr=sr)\n```\n"
        )

    # --- training set-up -----------------------------------------------------------------------------

    def _set_tower_trainable(self) -> None:
        mode = self.config.tower
        for p in self.tower.parameters():
            p.requires_grad_(mode == "full")
        for module in self._trained_tower_parts():
            for p in module.parameters():
                p.requires_grad_(True)

    def _trained_tower_parts(self) -> tuple[nn.Module, ...]:
        """The tower modules that train in ``partial`` mode (the last Swin stages and the final norm)."""
        if self.config.tower != "partial":
            return ()
        encoder = self.tower.audio_encoder
        n = max(1, min(self.config.tower_trainable_stages, len(encoder.layers)))
        return (*encoder.layers[-n:], encoder.norm)

    def _enable_tower_checkpointing(self) -> None:
        recompute = functools.partial(checkpoint, use_reentrant=False)
        for stage in self.tower.audio_encoder.layers:
            stage.gradient_checkpointing = True
            stage._gradient_checkpointing_func = recompute

    def train(self, mode: bool = True) -> AudioEncoder:
        """Train mode for the heads and the tower parts that learn; frozen tower parts and every BatchNorm
        stay in eval mode.

        A frozen stage in train mode would still drop activations (the real HTSAT has dropout 0.1 in all
        12 blocks): noise in features nothing learns from, and random draws that differ between GPUs.
        BatchNorm statistics would depend on the per-device batch (so one and two processes would train
        differently) and a fine-tuned tower keeps its pre-trained running statistics.
        """
        super().train(mode)
        if mode and self.config.tower != "full":
            self.tower.eval()
            for module in self._trained_tower_parts():
                module.train()
        for module in self.tower.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.eval()
        return self

    @torch.no_grad()
    def init_output_bias(self, mean_tokens: torch.Tensor, mean_pooled: torch.Tensor) -> None:
        """Start the outputs at the mean target (as one initialises a regression head's bias at the data
        mean): the heads then learn only how a clip differs from the average prompt."""
        self.token_bias.copy_(mean_tokens.to(self.token_bias))
        self.pooled_head.bias.copy_(mean_pooled.to(self.pooled_head.bias))

    # --- forward -------------------------------------------------------------------------------------

    def frames(self, input_features: torch.Tensor) -> torch.Tensor:
        """CLAP's frame-level features (B, n_frames, hidden) for log-mel input (B, 1, T, mel)."""
        run = torch.no_grad() if self.config.tower == "frozen" else torch.enable_grad()
        with run:
            hidden = self.tower(input_features=input_features).last_hidden_state  # (B, C, F, T)
        frames = hidden.flatten(2).transpose(1, 2)
        if frames.shape[1] != self.n_frames:
            raise ConfigError(f"CLAP returned {frames.shape[1]} frames, expected {self.n_frames}; the feature "
                              "extractor does not match the tower")
        return frames

    def forward(self, waveforms: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Waveforms (B, clip samples) at :attr:`sampling_rate` → (prompt_embeds, pooled_prompt_embeds)."""
        return self.heads(self.frames(self.frontend(waveforms)))

    def heads(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The resampler and output heads on CLAP frames (B, n_frames, hidden)."""
        x = self.frame_proj(frames.to(self.frame_proj.weight.dtype)) + self.frame_pos
        # Every query starts from the clip's mean frame (a direct path the heads learn from quickly); the
        # cross-attention layers then give each position its own view of the frames.
        queries = self.queries.unsqueeze(0) + self.summary(x.mean(1)).unsqueeze(1)
        for layer in self.layers:
            if self.config.gradient_checkpointing and self.training:
                queries = checkpoint(layer, queries, x, use_reentrant=False)
            else:
                queries = layer(queries, x)
        queries = self.norm_out(queries)
        tokens = self.token_head(queries[:, :-1]) + self.token_bias
        pooled = self.pooled_head(queries[:, -1])
        return tokens, pooled

    @property
    def sampling_rate(self) -> int:
        return self.frontend.sampling_rate

    @property
    def clip_samples(self) -> int:
        return self.frontend.clip_samples

    @torch.no_grad()
    def encode(self, waveforms: list[np.ndarray] | np.ndarray, sr: int, *, batch_size: int = 8,
               device: str | torch.device | None = None,
               dtype: torch.dtype | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """SDXL conditioning for music clips: the method generation calls.

        Parameters
        ----------
        waveforms : list of 1-D numpy arrays, or a 2-D array (clips, samples)
            Mono audio at ``sr`` (any rate: it is resampled to the tower's 48 kHz). Clips longer than the
            tower's 10 seconds are cut to their first 10 seconds; shorter ones are repeated and padded.
        sr : int
            Sample rate of ``waveforms``.
        device, dtype : optional
            Where and in which precision to return the tensors (default: the model's device, float32), e.g.
            the SDXL pipeline's device and ``torch.float16``.

        Returns
        -------
        prompt_embeds : torch.Tensor
            (clips, 77, 2048): pass as ``prompt_embeds=`` to ``StableDiffusionXLPipeline``.
        pooled_prompt_embeds : torch.Tensor
            (clips, 1280): pass as ``pooled_prompt_embeds=``.
        """
        import soxr

        was_training = self.training
        self.eval()
        model_device = next(self.parameters()).device
        clips = [fit_length(soxr.resample(np.asarray(w, dtype=np.float32), sr, self.sampling_rate)
                            if sr != self.sampling_rate else w, self.clip_samples) for w in waveforms]
        tokens, pooled = [], []
        for start in range(0, len(clips), batch_size):
            batch = torch.from_numpy(np.stack(clips[start:start + batch_size])).to(model_device)
            t, p = self(batch)
            tokens.append(t.float())
            pooled.append(p.float())
        self.train(was_training)
        out_device = device if device is not None else model_device
        out_dtype = dtype or torch.float32
        return torch.cat(tokens).to(out_device, out_dtype), torch.cat(pooled).to(out_device, out_dtype)

