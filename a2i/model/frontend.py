"""CLAP's log-mel features computed in torch, on the training device.

:class:`transformers.ClapFeatureExtractor` computes the spectrogram in numpy, one clip at a time, on the CPU.
At batch 32 that costs more than the whole GPU step of the tower, so training would wait on it. This module
computes the same features (same Hann window, centred reflect-padded STFT, power spectrum, the extractor's
own Slaney mel filters, ``10 log10(max(mel, 1e-10))``) as one batched ``torch.stft``; a test checks it
against the extractor.

Only non-fusion towers are supported (``truncation="rand_trunc"``): laion/clap-htsat-unfused is one, and a
fusion tower needs four random crops per clip, which the clip-level cropping of :mod:`a2i.model.data`
already replaces.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from a2i.errors import ConfigError

#: The extractor's floor before the logarithm (transformers.audio_utils.spectrogram's ``mel_floor``).
MEL_FLOOR = 1e-10


class MelFrontend(nn.Module):
    """Waveforms (B, samples) at the extractor's rate → CLAP input features (B, 1, frames, mel bins).

    Parameters
    ----------
    extractor : transformers.ClapFeatureExtractor
        Its window, hop, rate, clip length and mel filters are copied; the filters are a non-persistent
        buffer (they are rebuilt from the extractor's config, never trained or saved).

    Examples
    --------
    >>> from transformers import ClapFeatureExtractor
    >>> fx = ClapFeatureExtractor(feature_size=16, sampling_rate=16000, hop_length=160, max_length_s=1,
    ...                           fft_window_size=400, frequency_max=8000, truncation="rand_trunc")
    >>> MelFrontend(fx)(torch.zeros(2, 16000)).shape
    torch.Size([2, 1, 101, 16])
    """

    def __init__(self, extractor: Any) -> None:
        super().__init__()
        if extractor.truncation != "rand_trunc":
            raise ConfigError(
                f"the CLAP feature extractor uses truncation={extractor.truncation!r}; the audio encoder needs a "
                "non-fusion tower and extractor (truncation='rand_trunc', e.g. laion/clap-htsat-unfused)"
            )
        self.sampling_rate = int(extractor.sampling_rate)
        self.n_fft = int(extractor.fft_window_size)
        self.hop_length = int(extractor.hop_length)
        self.clip_samples = int(extractor.nb_max_samples)
        filters = np.asarray(extractor.mel_filters_slaney, dtype=np.float32)  # (freq bins, mel bins)
        self.register_buffer("mel_filters", torch.from_numpy(filters), persistent=False)
        self.register_buffer("window", torch.hann_window(self.n_fft, periodic=True), persistent=False)

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        # Always float32, autocast or not: in fp16 the power spectrum's small mel energies underflow to 0
        # and the floor turns them into -100 dB (or -inf), and bf16's 8-bit mantissa moves features by up
        # to 0.6 dB from the float32 ones inference computes. The tower after it may run in low precision.
        with torch.autocast(device_type=waveforms.device.type, enabled=False):
            return self._features(waveforms.float())

    def _features(self, waveforms: torch.Tensor) -> torch.Tensor:
        spec = torch.stft(waveforms, self.n_fft, self.hop_length, window=self.window, center=True,
                          pad_mode="reflect", return_complex=True).abs().pow(2)  # (B, freq, frames)
        mel = torch.einsum("bft,fm->btm", spec, self.mel_filters)
        return (10.0 * torch.log10(mel.clamp_min(MEL_FLOOR))).unsqueeze(1)


def fit_length(waveform: np.ndarray, n: int) -> np.ndarray:
    """Crop a waveform to its first ``n`` samples, or repeat it and zero-pad it to ``n`` (the extractor's
    ``repeatpad``), so a short clip is seen as CLAP saw short clips in pre-training.

    Examples
    --------
    >>> fit_length(np.array([1.0, 2.0], dtype=np.float32), 5).tolist()
    [1.0, 2.0, 1.0, 2.0, 0.0]
    """
    waveform = np.asarray(waveform, dtype=np.float32)
    if len(waveform) >= n:
        return waveform[:n]
    if len(waveform) == 0:
        return np.zeros(n, dtype=np.float32)
    tiled = np.tile(waveform, n // len(waveform))
    return np.pad(tiled, (0, n - len(tiled)))
