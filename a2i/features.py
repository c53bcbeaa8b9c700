"""Signal features of a waveform: loudness, timbre, rhythm and tonality, in plain numpy.

These are the hand-made descriptors :mod:`a2i.mood` fuses with the pretrained model. They are written with
numpy/scipy rather than librosa's ``stft``/``chroma`` because those compile numba kernels on first use
(15 s and more on a fresh install), and the first ``a2i`` call must not stall. One STFT per song is
computed and sliced per clip, so a 3-minute song costs a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.fft import rfft
from scipy.signal import find_peaks

from a2i.audio import Audio

N_FFT = 2048
HOP = 512
CHROMA_N_FFT = 8192
#: Frames transformed at once by :func:`spectrogram`: large enough for the FFT's speed, small enough that
#: memory does not grow with the song beyond the spectrogram itself.
STFT_BLOCK = 1024

#: Krumhansl & Kessler (1982) probe-tone key profiles, C major / C minor.
_KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])

#: Floor for silent signals, in LUFS / dB.
LOUDNESS_FLOOR = -70.0


@dataclass(frozen=True)
class Spectrogram:
    """Magnitude STFT (bins x frames) with the rates needed to interpret it."""

    magnitude: np.ndarray
    sr: int
    hop: int = HOP

    @property
    def frame_rate(self) -> float:
        return self.sr / self.hop

    @property
    def freqs(self) -> np.ndarray:
        return np.fft.rfftfreq(2 * (self.magnitude.shape[0] - 1), 1.0 / self.sr)

    def slice_seconds(self, start: float, end: float) -> Spectrogram:
        a, b = int(start * self.frame_rate), max(int(end * self.frame_rate), int(start * self.frame_rate) + 1)
        return Spectrogram(self.magnitude[:, a:b], self.sr, self.hop)


@dataclass(frozen=True)
class SignalFeatures:
    """Descriptors of one stretch of audio (a clip or the whole song).

    Attributes
    ----------
    loudness : float
        Integrated loudness, ITU-R BS.1770-4 (K-weighted, gated), in LUFS; close to Spotify's ``loudness``.
    centroid : float
        Mean spectral centroid in Hz (brightness).
    rolloff : float
        Mean 85 % spectral roll-off in Hz.
    flatness : float
        Mean spectral flatness (0 tonal .. 1 noise-like): distortion and cymbals raise it.
    flux : float
        Mean positive spectral flux of the log-mel spectrum per frame (how much the sound changes).
    onset_rate : float
        Detected note/beat onsets per second.
    tempo : float
        Beats per minute.
    key : int
        Pitch class of the tonic, 0 = C .. 11 = B.
    mode : int
        1 major, 0 minor.
    mode_strength : float
        Best major-key profile correlation minus best minor one (-1..1): how clearly major the harmony is.
    dynamic_range : float
        Spread of frame energies in dB (95th minus 10th percentile); compressed, loud music has little.
    """

    loudness: float
    centroid: float
    rolloff: float
    flatness: float
    flux: float
    onset_rate: float
    tempo: float
    key: int
    mode: int
    mode_strength: float
    dynamic_range: float


def spectrogram(audio: Audio, *, n_fft: int = N_FFT, hop: int = HOP) -> Spectrogram:
    """Hann-windowed magnitude STFT, frames centred by reflect padding like librosa's default."""
    y = audio.samples
    pad = n_fft // 2
    y = np.pad(y, (pad, pad), mode="reflect" if len(y) > pad else "constant")
    frames = sliding_window_view(y, n_fft)[::hop]
    window = np.hanning(n_fft + 1)[:-1].astype(np.float32)
    # In blocks of frames: the windowed copy and the complex spectrum of a whole song at once would take
    # several times the magnitude's memory (a 3-minute song: 250 MB more at the peak).
    mag = np.empty((n_fft // 2 + 1, len(frames)), dtype=np.float32)
    for first in range(0, len(frames), STFT_BLOCK):
        block = frames[first : first + STFT_BLOCK] * window
        mag[:, first : first + len(block)] = np.abs(rfft(block, axis=-1, workers=-1)).T
    return Spectrogram(mag, audio.sr, hop)


def _mel_filters(sr: int, n_fft: int, n_mels: int = 64) -> np.ndarray:
    """Triangular mel filterbank (Slaney-style, area-normalised)."""
    import librosa

    return librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmax=min(11025.0, sr / 2)).astype(np.float32)


def _chroma_filters(sr: int, n_fft: int) -> np.ndarray:
    """Map FFT bins to the 12 pitch classes with a Gaussian in log-frequency (bins between 55 Hz and 5 kHz)."""
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    valid = (freqs >= 55.0) & (freqs <= 5000.0)
    midi = np.zeros_like(freqs)
    midi[valid] = 69.0 + 12.0 * np.log2(freqs[valid] / 440.0)
    pcs = np.arange(12)[:, None]
    dist = np.abs(((midi[None, :] - pcs) + 6.0) % 12.0 - 6.0)
    weights = np.exp(-0.5 * (dist / 0.5) ** 2) * valid[None, :]
    return (weights / np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)).astype(np.float32)


_FILTER_CACHE: dict[tuple[str, int, int], np.ndarray] = {}


def _cached(kind: str, sr: int, n_fft: int) -> np.ndarray:
    key = (kind, sr, n_fft)
    if key not in _FILTER_CACHE:
        _FILTER_CACHE[key] = _mel_filters(sr, n_fft) if kind == "mel" else _chroma_filters(sr, n_fft)
    return _FILTER_CACHE[key]


def chromagram(audio: Audio, *, n_fft: int = CHROMA_N_FFT) -> np.ndarray:
    """Frame-normalised pitch-class energy (12 x frames) from a long-window STFT.

    Key finding needs semitone resolution at bass and tenor pitches (a semitone is 8 Hz at 130 Hz), which
    the 2048-point timbre STFT (10.8 Hz bins) smears; an 8192-point window resolves it.
    """
    mag = spectrogram(audio, n_fft=n_fft, hop=n_fft // 4).magnitude
    chroma = _cached("chroma", audio.sr, n_fft) @ mag
    energy = chroma.sum(axis=0)
    chroma = chroma[:, energy > energy.max() * 1e-3] if energy.size and energy.max() > 0 else chroma
    return chroma / (chroma.sum(axis=0, keepdims=True) + 1e-12)


def loudness_lufs(audio: Audio) -> float:
    """BS.1770 integrated loudness through pyloudnorm; silence and sub-block audio give the floor."""
    import pyloudnorm

    y = audio.samples
    if len(y) < int(0.4 * audio.sr) or audio.is_silent:
        return LOUDNESS_FLOOR
    with np.errstate(divide="ignore"):
        value = float(pyloudnorm.Meter(audio.sr).integrated_loudness(y.astype(np.float64)))
    return value if np.isfinite(value) else LOUDNESS_FLOOR


def estimate_tempo(onset_env: np.ndarray, frame_rate: float) -> float:
    """Tempo from the autocorrelation of the onset envelope, weighted by a log-normal prior around 120 BPM.

    The prior (one octave wide, as in Ellis 2007 and librosa) resolves the octave ambiguity of
    autocorrelation toward the tempo a listener would tap.
    """
    env = onset_env - onset_env.mean()
    if len(env) < 8 or not np.any(env):
        return 120.0
    n = 1 << int(np.ceil(np.log2(2 * len(env))))
    spec = np.fft.rfft(env, n)
    ac = np.fft.irfft(spec * np.conj(spec), n)[: len(env)]
    lags = np.arange(1, len(ac))
    bpm = 60.0 * frame_rate / lags
    usable = (bpm >= 40.0) & (bpm <= 240.0)
    if not np.any(usable):
        return 120.0
    prior = np.exp(-0.5 * (np.log2(bpm / 120.0)) ** 2)
    score = np.where(usable, ac[1:] * prior, -np.inf)
    best = int(np.argmax(score))
    # Parabolic interpolation around the peak for sub-frame lag precision.
    if 0 < best < len(score) - 1 and np.isfinite(score[best - 1]) and np.isfinite(score[best + 1]):
        a, b, c = score[best - 1], score[best], score[best + 1]
        denom = a - 2 * b + c
        shift = 0.5 * (a - c) / denom if denom != 0 else 0.0
        return float(60.0 * frame_rate / (lags[best] + shift))
    return float(bpm[best])


def estimate_key(chroma: np.ndarray) -> tuple[int, int, float]:
    """Key, mode and mode strength by correlating mean chroma with the 24 Krumhansl-Kessler profiles."""
    profile = chroma.mean(axis=1) if chroma.ndim == 2 else chroma
    if not np.any(profile > 0):
        return 0, 1, 0.0
    scores = np.empty((2, 12))
    for mode_index, template in enumerate((_KK_MINOR, _KK_MAJOR)):
        for tonic in range(12):
            scores[mode_index, tonic] = np.corrcoef(profile, np.roll(template, tonic))[0, 1]
    scores = np.nan_to_num(scores)
    mode, key = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return int(key), int(mode), float(scores[1].max() - scores[0].max())


def describe(audio: Audio, spec: Spectrogram | None = None) -> SignalFeatures:
    """All :class:`SignalFeatures` of a waveform; pass ``spec`` to reuse a song-wide STFT slice.

    Examples
    --------
    >>> import numpy as np
    >>> sr = 22050
    >>> t = np.arange(sr * 4) / sr
    >>> clicks = (np.sin(2 * np.pi * 440 * t) * (np.mod(t, 0.5) < 0.05)).astype(np.float32)
    >>> f = describe(Audio(clicks, sr))
    >>> round(f.tempo)
    120
    """
    spec = spec if spec is not None else spectrogram(audio)
    mag = spec.magnitude
    freqs = spec.freqs
    n_fft = 2 * (mag.shape[0] - 1)
    mel = _cached("mel", spec.sr, n_fft)
    # Per-frame figures in blocks of frames, as in `spectrogram`: whole-song temporaries (power, cumulative
    # sums, logarithms) would take several times the spectrogram's own memory.
    n = mag.shape[1]
    total, flatness = np.empty(n, np.float32), np.empty(n, np.float32)
    centroid, rolloff = np.empty(n), np.empty(n)
    mel_power = np.empty((mel.shape[0], n), np.float32)
    for first in range(0, n, STFT_BLOCK):
        block = mag[:, first : first + STFT_BLOCK]
        part = slice(first, first + block.shape[1])
        power = block**2
        total[part] = power.sum(axis=0) + 1e-12
        centroid[part] = (freqs[:, None] * block).sum(axis=0) / (block.sum(axis=0) + 1e-12)
        cumulative = np.cumsum(block, axis=0)
        rolloff[part] = freqs[np.argmax(cumulative >= 0.85 * cumulative[-1:], axis=0)]
        flatness[part] = np.exp(np.mean(np.log(power + 1e-10), axis=0)) / (np.mean(power, axis=0) + 1e-10)
        mel_power[:, part] = mel @ power
    active = total > total.max() * 1e-4 if total.size else total.astype(bool)
    if not np.any(active):
        active = np.ones_like(total, dtype=bool)

    mel_db = 10.0 * np.log10(mel_power + 1e-10)
    # An 80 dB floor below the loudest bin (librosa's top_db) keeps near-silence from reading as activity.
    mel_db = np.maximum(mel_db, mel_db.max() - 80.0) if mel_db.size else mel_db
    flux_frames = np.maximum(np.diff(mel_db, axis=1), 0.0).mean(axis=0) if mel_db.shape[1] > 1 else np.zeros(1)
    onset_env = np.concatenate([[0.0], flux_frames])
    peaks, _ = find_peaks(onset_env, height=onset_env.mean() + 0.5 * onset_env.std(),
                          distance=max(1, int(0.05 * spec.frame_rate)))
    duration = mag.shape[1] / spec.frame_rate

    key, mode, mode_strength = estimate_key(chromagram(audio))

    frame_db = 10.0 * np.log10(total[active] / n_fft)
    return SignalFeatures(
        loudness=loudness_lufs(audio),
        centroid=float(centroid[active].mean()),
        rolloff=float(rolloff[active].mean()),
        flatness=float(flatness[active].mean()),
        flux=float(flux_frames[active[1:]].mean()) if np.any(active[1:]) else 0.0,
        onset_rate=float(len(peaks) / max(duration, 1e-6)),
        tempo=estimate_tempo(onset_env, spec.frame_rate),
        key=key,
        mode=mode,
        mode_strength=mode_strength,
        dynamic_range=float(np.percentile(frame_db, 95) - np.percentile(frame_db, 10)),
    )
