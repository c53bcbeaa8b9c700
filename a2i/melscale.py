"""Mel filterbanks in numpy: the Slaney-style bank of librosa's ``filters.mel`` (its defaults), without librosa.

Importing librosa takes most of a second and pulls in numba; the analysis needs only this one matrix from
it. The construction follows librosa 0.10's ``filters.mel`` with ``htk=False, norm="slaney"`` line by line
(mel scale linear below 1 kHz and logarithmic above, triangles on the FFT bin frequencies, each divided by
its width in Hz), and the tests compare the two bit for bit.

Examples
--------
>>> bank = mel_filters(sr=22050, n_fft=2048, n_mels=64)
>>> bank.shape, bank.dtype.name
((64, 1025), 'float32')
"""

from __future__ import annotations

import numpy as np

#: The Slaney mel scale: linear up to 1 kHz (3 mels per 200 Hz), logarithmic above (27 steps per octave's
#: log(6.4)), as in Slaney's Auditory Toolbox and librosa's default.
_F_SP = 200.0 / 3
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = np.log(6.4) / 27.0


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / _F_SP
    return np.where(hz >= _MIN_LOG_HZ, _MIN_LOG_MEL + np.log(np.maximum(hz, 1e-12) / _MIN_LOG_HZ) / _LOGSTEP, linear)


def mel_to_hz(mels: np.ndarray | float) -> np.ndarray:
    mels = np.asarray(mels, dtype=np.float64)
    return np.where(mels >= _MIN_LOG_MEL, _MIN_LOG_HZ * np.exp(_LOGSTEP * (mels - _MIN_LOG_MEL)), _F_SP * mels)


def mel_filters(*, sr: int, n_fft: int, n_mels: int = 128, fmin: float = 0.0, fmax: float | None = None) -> np.ndarray:
    """Triangular mel filters (n_mels x (1 + n_fft // 2)), area-normalised (Slaney), float32."""
    fmax = sr / 2.0 if fmax is None else fmax
    fftfreqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fftfreqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    # librosa rounds the triangles to float32 before the area normalisation: so does this, for the same bits.
    weights = np.maximum(0.0, np.minimum(lower, upper)).astype(np.float32)
    weights *= (2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels]))[:, None]
    return weights


def band_centres(filters: np.ndarray, *, sr: int, n_fft: int) -> np.ndarray:
    """Centre frequency (Hz) of each band of ``filters`` (bands x (1 + n_fft // 2), e.g. :func:`mel_filters`):
    the mean of its filter's frequencies, weighted by the filter. The analysis and the videos choose their bass
    bands by it (:data:`a2i.tempo.BASS_BAND_HZ`).

    Examples
    --------
    >>> bank = mel_filters(sr=22050, n_fft=2048, n_mels=64, fmax=11025.0)
    >>> centres = band_centres(bank, sr=22050, n_fft=2048)
    >>> bool(np.all(np.diff(centres) > 0)), round(float(centres[0])), round(float(centres[-1]))
    (True, 51, 10468)
    """
    return filters @ np.fft.rfftfreq(n_fft, 1.0 / sr) / np.maximum(filters.sum(axis=1), 1e-12)
