"""Signal features of a waveform: loudness, timbre, rhythm and tonality, in plain numpy.

These are the hand-made descriptors :mod:`a2i.mood` fuses with the pretrained model. They are written in
numpy rather than with librosa's ``stft``/``chroma`` because those compile numba kernels on first use
(15 s and more on a fresh install), and importing librosa or scipy.signal alone takes most of a second:
the first ``a2i`` call must not stall.

A song is described clip by clip (:func:`summarize`, each transform computed once per clip) and its
figures are combined from the clips' summaries (:func:`combine`), so memory does not grow with the song's
length and the song's figures agree with its clips'.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from a2i import tempo as tempo_estimation
from a2i.audio import CLIP_SECONDS, MIN_LAST_CLIP, Audio
from a2i.loudness import integrated_loudness
from a2i.melscale import band_centres, mel_filters

N_FFT = 2048
HOP = 512
CHROMA_N_FFT = 8192
#: Frames transformed at once by :func:`spectrogram`: large enough for the FFT's speed, small enough that
#: memory does not grow with the song beyond the spectrogram itself. (Blocks of 64 Ki samples, which stay in the
#: core's cache, made the spectrograms 10 % quicker but the loudness's FFT 15 % slower: the allocator then hands
#: the loudness fresh memory for its 2 MB arrays; no gain in all, measured in whole analyses.)
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
        Mean spectral flatness (0 tonal .. 1 noise-like) below :data:`FLATNESS_MAX_HZ`, over bins no more
        than :data:`FLATNESS_RANGE_DB` under the frame's loudest: distortion and cymbals raise it, and the
        bins a lossy codec zeroes do not.
    flux : float
        Mean positive spectral flux of the log-mel spectrum per frame (how much the sound changes).
    onset_rate : float
        Detected note/beat onsets per second.
    tempo : float
        Beats per minute (:func:`a2i.tempo.estimate`); 0 when there is no steady beat.
    key : int
        Pitch class of the tonic, 0 = C .. 11 = B.
    mode : int
        1 major, 0 minor.
    mode_strength : float
        Best major-key profile correlation minus best minor one (-1..1): how clearly major the harmony is.
    dynamic_range : float
        Spread of frame energies in dB (95th minus 10th percentile); compressed, loud music has little.
    tempo_confidence : float
        0..1, how sure the tempo is (:attr:`a2i.tempo.Tempo.confidence`: a periodic pulse, clearly at this
        metrical level); under :data:`a2i.tempo.STEADY_BEAT_CONFIDENCE` there is no steady beat.
    key_clarity : float
        Mean best key-profile correlation over 3-second windows: how tonal the harmony is.
    mode_variability : float
        Spread of the windows' major-minus-minor strengths: harmony that moves between major and minor.
    consonance : float
        Interval-class consonance of simultaneous pitch classes (-1 dissonant .. 1 consonant).
    chroma_entropy : float
        Mean entropy of the frames' pitch-class distribution (nats): many pitch classes at once is noisy,
        dense harmony.
    register : float
        Mean log2 frequency of the 80-2000 Hz spectrum: a high or low melodic/harmonic register.
    warmth : float
        Share of spectral power below 500 Hz.
    chroma : tuple of float
        Mean pitch-class distribution (12 values, C first); the song's key is read from the clips' mean.
    bass_chroma : tuple of float
        Pitch-class distribution of the bass register (:data:`BASS_HZ`, 12 values, C first): names the tonic.
    key_confidence : float
        0..1, how clearly the key beats the runner-up (:func:`estimate_key`).
    pulse_clarity : float
        How periodic the onsets are (:attr:`a2i.tempo.Tempo.periodicity`): a steady groove against free time.
    major_chords, triad_fit, chord_changes : float
        Chord-level harmony (:func:`_chords`): the share of major chords, how well the windows fit a triad
        (tension), the share of windows where the chord changes.
    melody_register : float
        Upper quartile of the frames' strongest-partial pitch (log2 Hz, 200 Hz - 2 kHz): a high or low melody.
    triad_shares : tuple of float
        Fit-weighted share of the chord windows whose best triad is each of the 24 (C..B major, then C..B
        minor; :func:`_chords`): which chords the music dwells on; the key's tonic chord among them.
    timbre : tuple of float
        Means of the first 13 mel-frequency cepstral coefficients (the spectral envelope's shape). Their
        spreads over time were tried as evidence too: no better on real music, and far out of range on
        synthesized music.
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
    tempo_confidence: float = 0.0
    key_clarity: float = 0.0
    mode_variability: float = 0.0
    consonance: float = 0.0
    chroma_entropy: float = 0.0
    register: float = 0.0
    warmth: float = 0.0
    chroma: tuple[float, ...] = ()
    timbre: tuple[float, ...] = ()
    bass_chroma: tuple[float, ...] = ()
    key_confidence: float = 0.0
    pulse_clarity: float = 0.0
    major_chords: float = 0.5
    triad_fit: float = 0.0
    chord_changes: float = 0.0
    melody_register: float = 0.0
    triad_shares: tuple[float, ...] = ()


def spectrogram(audio: Audio, *, n_fft: int = N_FFT, hop: int = HOP, max_hz: float | None = None) -> Spectrogram:
    """Hann-windowed magnitude STFT, frames centred by reflect padding like librosa's default.

    ``max_hz``: the highest frequency the caller reads; the magnitudes of the bins above it are left 0 (their
    spectrum is computed with the rest, but not rounded, measured and transposed: a product with weights that
    are 0 there gives the same numbers either way).
    """
    y = audio.samples
    pad = n_fft // 2
    y = np.pad(y, (pad, pad), mode="reflect" if len(y) > pad else "constant")
    frames = sliding_window_view(y, n_fft)[::hop]
    window = np.hanning(n_fft + 1)[:-1].astype(np.float32)
    bins = n_fft // 2 + 1 if max_hz is None else min(n_fft // 2 + 1, int(np.floor(max_hz * n_fft / audio.sr)) + 1)
    mag = np.empty((n_fft // 2 + 1, len(frames)), dtype=np.float32)
    mag[bins:] = 0.0
    # In blocks of frames: the windowed copy and the complex spectrum of a whole song at once would take
    # several times the magnitude's memory (a 3-minute song: 250 MB more at the peak).
    for first in range(0, len(frames), STFT_BLOCK):
        block = frames[first : first + STFT_BLOCK]
        mag[:bins, first : first + len(block)] = np.abs(rfft_float32(block, window, bins=bins)).T
    return Spectrogram(mag, audio.sr, hop)


def rfft_float32(frames: np.ndarray, window: np.ndarray, n: int | None = None, *, bins: int | None = None) -> np.ndarray:
    """``np.fft.rfft(frames * window, n, axis=-1)`` of float32 frames and window: the same complex64 numbers, in
    about half the time.

    numpy's FFT of float32 input computes in float64 (its spectrum equals the float64 transform's rounded to
    complex64, bit for bit) and converts the input row by row on the way, which costs as much as the
    transform itself. Here the windowing product is taken in float32 as before and written straight into a
    float64 array, transformed, and the spectrum rounded to complex64: a 10-second clip's two spectrograms
    take about 6 ms instead of 11. ``bins``: only the first so many bins are rounded and returned.

    Examples
    --------
    >>> frames = np.random.default_rng(0).standard_normal((3, 64)).astype(np.float32)
    >>> window = np.hanning(64).astype(np.float32)
    >>> bool(np.array_equal(rfft_float32(frames, window), np.fft.rfft(frames * window, axis=-1)))
    True
    """
    windowed = np.empty(frames.shape)
    np.multiply(frames, window, out=windowed, dtype=np.float32, casting="unsafe")
    return np.fft.rfft(windowed, n, axis=-1)[:, :bins].astype(np.complex64)


def percentile(x: np.ndarray, q: float) -> np.floating:
    """``np.percentile(x, q)`` (its default linear method) of a non-empty array, bit for bit, without its one-time
    cost: numpy's partitions through ``np.unique``, which imports ``numpy.ma`` (9 ms of every analysis's first
    percentile, on the thread everything waits for), and each call takes 0.1 ms to this one's 0.01.

    The value is numpy's: the sorted values at the floor and ceiling of ``(n - 1) * q / 100``, interpolated as
    numpy's ``_lerp`` does in the array's own precision (``q`` a Python number: a weak scalar).

    Examples
    --------
    >>> x = np.random.default_rng(1).standard_normal(431).astype(np.float32)
    >>> [bool(percentile(x, q) == np.percentile(x, q)) for q in (10, 75, 95)]
    [True, True, True]
    """
    ordered = np.sort(np.ravel(x))
    n = len(ordered)
    virtual = (n - 1) * (q / 100)
    if virtual >= n - 1 or np.isnan(ordered[-1]):  # the top, or NaN where there is one
        return ordered[-1]
    below = int(virtual)
    t = virtual - below
    a, b = ordered[below], ordered[below + 1]
    return b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t


def find_peaks(x: np.ndarray, *, height: float, distance: int) -> np.ndarray:
    """Indices of the local maxima of ``x`` at least ``height`` high and ``distance`` samples apart.

    The rules of ``scipy.signal.find_peaks`` with ``height`` and ``distance`` (a flat top counts once, at
    its middle; of peaks too close together the higher stays, ties in scipy's order), in numpy, so importing
    this module does not import scipy.signal (0.4 s).

    Examples
    --------
    >>> find_peaks(np.array([0, 2, 0, 3, 3, 0, 1, 0, 5, 0.0]), height=1.0, distance=3).tolist()
    [3, 8]
    """
    x = np.asarray(x, dtype=np.float64)
    if len(x) < 3:
        return np.zeros(0, dtype=int)
    # Rising edge into a (possibly flat) top, then a falling edge out of it.
    change = np.flatnonzero(np.diff(x) != 0)
    if len(change) < 2:
        return np.zeros(0, dtype=int)
    step = np.sign(np.diff(x)[change])
    tops = np.flatnonzero((step[:-1] > 0) & (step[1:] < 0))
    peaks = (change[tops] + 1 + change[tops + 1]) // 2
    peaks = peaks[x[peaks] >= height]
    if distance > 1 and len(peaks) > 1:
        keep = np.ones(len(peaks), dtype=bool)
        for i in np.argsort(x[peaks])[::-1]:  # scipy's order, ties included (the same default argsort)
            if keep[i]:
                near = np.abs(peaks - peaks[i]) < distance
                near[i] = False
                keep &= ~near
        peaks = peaks[keep]
    return peaks


def _dct_matrix(n: int, k: int) -> np.ndarray:
    """The first ``k`` rows of the orthonormal DCT-II of length ``n`` (``scipy.fft.dct(norm="ortho")``)."""
    rows = np.cos(np.pi * (np.arange(n) + 0.5)[None, :] * np.arange(k)[:, None] / n) * np.sqrt(2.0 / n)
    rows[0] /= np.sqrt(2.0)
    return rows


#: Power below this is set to 0: squaring the magnitude of near-silent bins gives subnormal float32s,
#: which slow every matrix product with the spectrogram several-fold and weigh nothing (-300 dB).
POWER_FLOOR = 1e-30


def power_of(magnitude: np.ndarray) -> np.ndarray:
    """Squared magnitude with subnormal values flushed to 0 (:data:`POWER_FLOOR`)."""
    power = np.square(magnitude)
    power[power < POWER_FLOOR] = 0.0
    return power


def _mel_filters(sr: int, n_fft: int, n_mels: int = 64) -> np.ndarray:
    """Triangular mel filterbank (Slaney-style, area-normalised; librosa's, built in numpy)."""
    return mel_filters(sr=sr, n_fft=n_fft, n_mels=n_mels, fmax=min(11025.0, sr / 2))


#: The bass register for the key's tonic: the lowest octaves of a bass line (E1 41 Hz .. C4 260 Hz).
BASS_HZ = (40.0, 260.0)


#: The pitch range of the chroma (A1 .. 5 kHz): the long window's spectrum is read no higher (:func:`summarize`).
CHROMA_HZ = (55.0, 5000.0)


def _chroma_filters(sr: int, n_fft: int, low: float = CHROMA_HZ[0], high: float = CHROMA_HZ[1]) -> np.ndarray:
    """Map FFT bins to the 12 pitch classes with a Gaussian in log-frequency (bins between ``low`` and ``high`` Hz)."""
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    valid = (freqs >= low) & (freqs <= high)
    midi = np.zeros_like(freqs)
    midi[valid] = 69.0 + 12.0 * np.log2(freqs[valid] / 440.0)
    pcs = np.arange(12)[:, None]
    dist = np.abs(((midi[None, :] - pcs) + 6.0) % 12.0 - 6.0)
    weights = np.exp(-0.5 * (dist / 0.5) ** 2) * valid[None, :]
    weights = (weights / np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)).astype(np.float32)
    # The Gaussian's far tails underflow to subnormal float32s, which make the matrix product with a
    # spectrogram some fifty times slower (90 ms a clip instead of 2); they weigh nothing, so they are 0.
    weights[weights < 1e-12] = 0.0
    return weights


def _mel_centres(sr: int, n_fft: int) -> np.ndarray:
    """Centre frequency (Hz) of each mel band: the mean of its filter's frequencies."""
    return band_centres(_cached("mel", sr, n_fft), sr=sr, n_fft=n_fft)


@functools.cache
def _cached(kind: str, sr: int, n_fft: int) -> np.ndarray:
    """A filterbank (``"mel"``, ``"chroma"``, ``"bass"`` chroma) or the mel bands' centres (``"mel_hz"``), made once
    per sample rate and window per process."""
    makers = {"mel": lambda: _mel_filters(sr, n_fft), "chroma": lambda: _chroma_filters(sr, n_fft),
              "bass": lambda: _chroma_filters(sr, n_fft, *BASS_HZ), "mel_hz": lambda: _mel_centres(sr, n_fft)}
    return makers[kind]()


def chromagram(audio: Audio, *, n_fft: int = CHROMA_N_FFT) -> np.ndarray:
    """Frame-normalised pitch-class energy (12 x frames) from a long-window STFT; quiet frames dropped.

    Key finding needs semitone resolution at bass and tenor pitches (a semitone is 8 Hz at 130 Hz), which
    the 2048-point timbre STFT (10.8 Hz bins) smears; an 8192-point window resolves it.
    """
    magnitude = spectrogram(audio, n_fft=n_fft, hop=n_fft // 4, max_hz=CHROMA_HZ[1]).magnitude
    return _normalised_chroma(_cached("chroma", audio.sr, n_fft) @ magnitude)


def _normalised_chroma(chroma: np.ndarray) -> np.ndarray:
    energy = chroma.sum(axis=0)
    chroma = chroma[:, energy > energy.max() * 1e-3] if energy.size and energy.max() > 0 else chroma
    return chroma / (chroma.sum(axis=0, keepdims=True) + 1e-12)


#: BS.1770's gating block in seconds; shorter audio is measured as one block of its own length.
GATING_BLOCK = 0.4


def loudness_lufs(audio: Audio) -> float:
    """BS.1770 integrated loudness (:mod:`a2i.loudness`, pyloudnorm's meter in numpy); silence gives the floor.

    Audio shorter than one 400 ms gating block (a 0.2 s excerpt) is K-weighted and measured as a single
    block of its own length, so a loud excerpt reads loud instead of the -70 dB floor.
    """
    y = audio.samples
    if len(y) < 2 or audio.is_silent:
        return LOUDNESS_FLOOR
    block = min(GATING_BLOCK, (len(y) - 1) / audio.sr)
    value = integrated_loudness(y, audio.sr, block_seconds=block)
    return value if np.isfinite(value) else LOUDNESS_FLOOR


def _zscored(profile: np.ndarray) -> np.ndarray:
    centred = profile - profile.mean(axis=-1, keepdims=True)
    return centred / (np.linalg.norm(centred, axis=-1, keepdims=True) + 1e-12)


#: The 12 rotations of each Krumhansl-Kessler profile, z-scored, so a dot product is a correlation.
_KEY_TEMPLATES = np.stack([_zscored(np.stack([np.roll(t, k) for k in range(12)])) for t in (_KK_MINOR, _KK_MAJOR)])


def key_scores(profile: np.ndarray) -> np.ndarray:
    """Correlation of pitch-class profiles (... x 12) with the 24 keys: (... x 2 x 12), minor first."""
    return np.einsum("mkc,...c->...mk", _KEY_TEMPLATES, _zscored(np.asarray(profile, dtype=np.float64)))


#: Weight of the bass when choosing between a key and its relative. Relative keys (A# major, G minor) share
#: their notes, so their profile correlations can differ by a hair (0.003 on a real song) and a codec's noise
#: can flip them; the bass names the tonic: it dwells on the root of the home chord. At 0.5 the bass decides
#: when the profiles all but tie (a synthesized piece whose two versions differ only in the bass) but does
#: not overturn a clear minor profile: at 1 it turned a real song whose F minor profile beat A-flat major by
#: 0.34 into A-flat major (its bass sits on A-flat and C more than on F), and left a bundled E major piece
#: at confidence 0.08.
BASS_WEIGHT = 0.5

#: Weight of the tonic chord: the share of chord windows on the key's own triad (A# major for A# major, G
#: minor for G minor, :func:`_chords`). Music returns to its home chord; which of the two relative tonic
#: triads the windows choose is a discrete decision a codec's noise seldom changes (the sample whose m4a
#: once flipped holds 4 of 13 windows on A# major, 2 on G minor, in all four codecs), so it steadies the
#: pair's margin where the profiles and the bass are close.
TRIAD_WEIGHT = 0.5

#: A key wins clearly (confidence 1) when it beats its relative and every other key by this much.
KEY_CLEAR_MARGIN = 0.1


def estimate_key(chroma: np.ndarray, bass: np.ndarray | None = None,
                 triads: np.ndarray | None = None) -> tuple[int, int, float, float]:
    """Key, mode, mode strength and key confidence from chroma (12 or 12 x frames), the bass's and the
    chord windows' triad shares.

    1. The Krumhansl-Kessler correlations of the mean pitch-class profile with the 24 keys choose the
       best key and so its relative pair (A# major / G minor).
    2. Within the pair, each key adds :data:`BASS_WEIGHT` times how much the bass profile (pitch classes
       under 260 Hz, standardised) favours its tonic, and :data:`TRIAD_WEIGHT` times the share of chord
       windows on its tonic triad (``triads``: 24 shares, C..B major then C..B minor).
    The mode strength is the profiles' best major minus best minor correlation (without the bass: a valence
    feature, fitted as such); the confidence is the smaller of the winner's margin over its relative and
    the pair's margin over every other key, as a share of :data:`KEY_CLEAR_MARGIN`, at most 1.

    Examples
    --------
    >>> import numpy as np
    >>> c_major = np.array([5, 0, 3, 0, 4, 3, 0, 5, 0, 3, 0, 1], dtype=float)
    >>> key, mode, strength, confidence = estimate_key(c_major)
    >>> (key, mode), strength > 0
    ((0, 1), True)
    """
    profile = chroma.mean(axis=1) if chroma.ndim == 2 else chroma
    if chroma.size == 0 or not np.any(profile > 0):
        return 0, 1, 0.0, 0.0
    scores = key_scores(profile)
    strength = float(scores[1].max() - scores[0].max())
    mode, key = (int(i) for i in np.unravel_index(int(np.argmax(scores)), scores.shape))
    pair = [(mode, key), (1 - mode, (key + 3) % 12 if mode == 0 else (key + 9) % 12)]
    outside = np.delete(scores.ravel(), [m * 12 + k for m, k in pair]).max()
    judged = np.array([scores[m, k] for m, k in pair])
    if bass is not None and np.any(np.asarray(bass) > 0):
        b = _zscored(np.asarray(bass, dtype=np.float64))
        judged = judged + BASS_WEIGHT * np.array([b[k] for _, k in pair])
    if triads is not None and len(triads) == 24:
        # scores are minor-first, triads major-first: a key (mode, k)'s tonic triad is k + 12 * (1 - mode)
        judged = judged + TRIAD_WEIGHT * np.array([float(triads[k + 12 * (1 - m)]) for m, k in pair])
    win = int(np.argmax(judged))
    margin = min(abs(judged[0] - judged[1]), scores[pair[0]] - outside)
    mode, key = pair[win]
    return key, mode, strength, float(min(1.0, margin / KEY_CLEAR_MARGIN))


#: Consonance of each interval class (minor 2nd .. tritone), after the ranking of Malmberg (1918) and
#: Huron (1994): seconds and the tritone clash, thirds and fourths/fifths blend.
INTERVAL_CONSONANCE = np.array([-1.0, -0.5, 0.5, 0.6, 0.7, -0.8])

#: Window for the key-clarity and mode-variability statistics: about 3 s (32 hops of 2048 at 22.05 kHz),
#: a bar or two, short enough to follow chord changes, long enough to hold a key.
HARMONY_WINDOW_FRAMES = 32

#: Flatness is measured below this frequency (lossy codecs low-pass at 16 kHz and above) and over bins at
#: most this far below the frame's loudest (a codec zeroes quieter bins, which would read as tonality).
FLATNESS_MAX_HZ = 11025.0
FLATNESS_RANGE_DB = 60.0


def _harmony(chroma: np.ndarray) -> tuple[float, float, float, float]:
    """Key clarity, mode variability, consonance and chroma entropy of normalised chroma (12 x frames)."""
    if chroma.shape[1] == 0:
        return 0.0, 0.0, 0.0, 0.0
    step = HARMONY_WINDOW_FRAMES // 2
    windows = np.stack([chroma[:, s : s + HARMONY_WINDOW_FRAMES].mean(axis=1)
                        for s in range(0, max(1, chroma.shape[1] - HARMONY_WINDOW_FRAMES + 1), step)])
    scores = key_scores(windows)
    best = scores.max(axis=-1)
    pairs = np.array([(chroma * np.roll(chroma, d, axis=0)).sum(axis=0).mean() for d in range(1, 7)])
    consonance = float(INTERVAL_CONSONANCE @ pairs / (pairs.sum() + 1e-12))
    entropy = float(np.mean(-(chroma * np.log(chroma + 1e-12)).sum(axis=0)))
    return float(best.max(axis=-1).mean()), float((best[:, 1] - best[:, 0]).std()), consonance, entropy


#: Chord window: 8 chroma frames (8 x 2048 samples, 0.74 s at 22.05 kHz), about a beat or two: the span
#: a chord is held for.
CHORD_WINDOW_FRAMES = 8

#: Major and minor triad templates on the 12 pitch classes (root first), standardised: a dot product with a
#: standardised chroma window is a correlation.
_TRIADS = np.stack([_zscored(np.stack([np.roll(np.isin(np.arange(12), t).astype(float), k) for k in range(12)]))
                    for t in ((0, 4, 7), (0, 3, 7))])


def _chords(chroma: np.ndarray) -> tuple[float, float, float, np.ndarray]:
    """Chord-level harmony of normalised chroma (12 x frames): major share, triad fit, chord changes and the
    fit-weighted share of windows on each of the 24 triads (major C..B, then minor C..B).

    Every :data:`CHORD_WINDOW_FRAMES` window is matched with the 24 major and minor triads. The major share
    is the fit-weighted share of windows whose best triad is major (a song in a minor key can still move
    through major chords, and a major-key song through minor ones: what the ear hears is the chords); the
    triad fit is the mean best correlation (low: dissonant, clustered or tense harmony); the change rate is
    the share of windows whose best chord differs from the previous window's.
    """
    if chroma.shape[1] < CHORD_WINDOW_FRAMES:
        return 0.5, 0.0, 0.0, np.zeros(24)
    n = chroma.shape[1] // CHORD_WINDOW_FRAMES
    windows = chroma[:, : n * CHORD_WINDOW_FRAMES].reshape(12, n, CHORD_WINDOW_FRAMES).mean(axis=2).T
    fits = np.einsum("qkc,wc->wqk", _TRIADS, _zscored(windows))
    best = fits.reshape(n, -1).argmax(axis=1)
    fit = fits.reshape(n, -1).max(axis=1)
    weight = np.maximum(fit, 0.0)
    major = float(np.sum(weight * (best < 12)) / (weight.sum() + 1e-12)) if weight.sum() > 0 else 0.5
    changes = float(np.mean(best[1:] != best[:-1])) if n > 1 else 0.0
    shares = np.bincount(best, weights=weight, minlength=24) / (weight.sum() + 1e-12)
    return major, float(fit.mean()), changes, shares


@dataclass(frozen=True)
class Summary:
    """What one clip leaves behind for its song: its features, real length and onset envelopes (all bands
    and the bass bands, :func:`a2i.tempo.onset_envelopes`; 2 x 43 floats a second: an hour keeps 2.5 MB)."""

    features: SignalFeatures
    seconds: float
    onset_env: np.ndarray
    frame_rate: float


def _rows(freqs: np.ndarray, low: float, high: float, *, closed: bool = True) -> slice:
    """The bins of ascending ``freqs`` from ``low`` to ``high`` (both included when ``closed``, both excluded
    otherwise) as a slice: the rows the boolean mask would pick, as a view instead of a copy.

    Examples
    --------
    >>> f = np.array([0.0, 100.0, 200.0, 300.0])
    >>> _rows(f, 100.0, 300.0), _rows(f, 100.0, 300.0, closed=False)
    (slice(1, 4, None), slice(2, 3, None))
    """
    sides = ("left", "right") if closed else ("right", "left")
    return slice(int(np.searchsorted(freqs, low, sides[0])), int(np.searchsorted(freqs, high, sides[1])))


def summarize(audio: Audio) -> Summary:
    """Every :class:`SignalFeatures` of a waveform (a clip), each transform computed once.

    Examples
    --------
    >>> import numpy as np
    >>> sr = 22050
    >>> t = np.arange(sr * 4) / sr
    >>> clicks = (np.sin(2 * np.pi * 440 * t) * (np.mod(t, 0.5) < 0.05)).astype(np.float32)
    >>> round(summarize(Audio(clicks, sr)).features.tempo)
    120
    """
    spec = spectrogram(audio)
    mag = spec.magnitude
    power = power_of(mag)
    freqs = spec.freqs
    total = power.sum(axis=0) + 1e-12
    active = total > total.max() * 1e-4 if total.size else total.astype(bool)
    if not np.any(active):
        active = np.ones_like(total, dtype=bool)

    centroid = (freqs[:, None] * mag).sum(axis=0) / (mag.sum(axis=0) + 1e-12)
    cumulative = np.cumsum(mag, axis=0)
    rolloff = freqs[np.argmax(cumulative >= 0.85 * cumulative[-1:], axis=0)]
    band = power[_rows(freqs, -np.inf, FLATNESS_MAX_HZ)]
    floored = np.maximum(band, band.max(axis=0, keepdims=True) * 10 ** (-FLATNESS_RANGE_DB / 10) + 1e-20)
    flatness = np.exp(np.mean(np.log(floored), axis=0)) / np.mean(floored, axis=0)

    n_fft = 2 * (mag.shape[0] - 1)
    mel_power = _cached("mel", spec.sr, n_fft) @ power
    mel_db = 10.0 * np.log10(mel_power + 1e-10)
    # An 80 dB floor below the loudest bin (librosa's top_db) keeps near-silence from reading as activity.
    mel_db = np.maximum(mel_db, mel_db.max() - 80.0) if mel_db.size else mel_db
    flux_frames = np.maximum(np.diff(mel_db, axis=1), 0.0).mean(axis=0) if mel_db.shape[1] > 1 else np.zeros(1)
    onset_env = np.concatenate([[0.0], flux_frames])
    peaks = find_peaks(onset_env, height=onset_env.mean() + 0.5 * onset_env.std(),
                       distance=max(1, int(0.05 * spec.frame_rate)))
    duration = mag.shape[1] / spec.frame_rate
    beat_env = tempo_estimation.onset_envelopes(mel_power, _cached("mel_hz", spec.sr, n_fft))
    tempo = tempo_estimation.estimate(beat_env, spec.frame_rate)
    cepstra = _dct_matrix(mel_db.shape[0], 13) @ mel_db if mel_db.size else np.zeros((13, 1))

    # Everything read from the long window (chroma, bass, melody, register) lies under the chroma's top.
    long_mag = spectrogram(audio, n_fft=CHROMA_N_FFT, hop=CHROMA_N_FFT // 4, max_hz=CHROMA_HZ[1]).magnitude
    chroma = _normalised_chroma(_cached("chroma", audio.sr, CHROMA_N_FFT) @ long_mag)
    bass = _cached("bass", audio.sr, CHROMA_N_FFT) @ power_of(long_mag)
    bass = bass.sum(axis=1) / (bass.sum() + 1e-12)
    major_chords, triad_fit, chord_changes, triad_shares = _chords(chroma)
    key, mode, mode_strength, key_confidence = estimate_key(chroma, bass, triad_shares)
    clarity, variability, consonance, entropy = _harmony(chroma)
    # The melody's register: the pitch of the strongest partial between 200 Hz and 2 kHz, frame by frame,
    # its upper quartile (melodies sit above the accompaniment).
    long_freqs = np.fft.rfftfreq(CHROMA_N_FFT, 1.0 / audio.sr)
    melodic = _rows(long_freqs, 200.0, 2000.0)
    loud_frames = long_mag[melodic].max(axis=0) > long_mag[melodic].max() * 1e-2 if long_mag.size else np.zeros(0, bool)
    peaks_hz = long_freqs[melodic][np.argmax(long_mag[melodic][:, loud_frames], axis=0)] if np.any(loud_frames) else np.zeros(1)
    voiced = _rows(long_freqs, 80.0, 2000.0, closed=False)
    register_mag = long_mag[voiced]

    frame_db = 10.0 * np.log10(total[active] / n_fft)
    features = SignalFeatures(
        loudness=loudness_lufs(audio),
        centroid=float(centroid[active].mean()),
        rolloff=float(rolloff[active].mean()),
        flatness=float(flatness[active].mean()),
        flux=float(flux_frames[active[1:]].mean()) if np.any(active[1:]) else 0.0,
        onset_rate=float(len(peaks) / max(duration, 1e-6)),
        tempo=tempo.bpm,
        key=key,
        mode=mode,
        mode_strength=mode_strength,
        dynamic_range=float(percentile(frame_db, 95) - percentile(frame_db, 10)),
        tempo_confidence=tempo.confidence,
        pulse_clarity=tempo.periodicity,
        major_chords=major_chords,
        triad_fit=triad_fit,
        chord_changes=chord_changes,
        melody_register=float(percentile(np.log2(np.maximum(peaks_hz, 1.0)), 75)),
        key_clarity=clarity,
        mode_variability=variability,
        consonance=consonance,
        chroma_entropy=entropy,
        register=float((np.log2(long_freqs[voiced])[:, None] * register_mag).sum() / (register_mag.sum() + 1e-12)),
        warmth=float(power[_rows(freqs, -np.inf, 500.0, closed=False)].sum() / (power.sum() + 1e-12)),
        chroma=tuple(float(x) for x in (chroma.mean(axis=1) if chroma.shape[1] else np.zeros(12))),
        bass_chroma=tuple(float(x) for x in bass),
        key_confidence=key_confidence,
        timbre=tuple(float(x) for x in cepstra.mean(axis=1)),
        triad_shares=tuple(float(x) for x in triad_shares),
    )
    return Summary(features, audio.duration, beat_env, spec.frame_rate)


def join_onsets(envelopes: Sequence[np.ndarray], starts: Sequence[float], frame_rate: float) -> np.ndarray:
    """The onset envelopes of a song's clips (bands x frames each) as one song's, each clip from the frame where it
    starts.

    A clip of ``s`` seconds spans ``s * frame_rate`` frames (430.66 for 10 s at 22 050 Hz and hop 512), but its
    centred STFT has a frame at each whole hop and one more (431): clips joined end to end ran 0.08 % long, and
    every song's tempo read 0.08 % slow. Clip ``k`` starts at frame ``round(starts[k] * frame_rate)`` instead, so
    the song's frames keep time within half a frame however long it is, and a clip left out (a silent one: the
    analysis keeps only what is heard) leaves its frames empty rather than pulling the next clip onto its place
    (which put the beats after a silent break out of step: 130 BPM with a silent middle clip read 128.4). Where a
    clip's last frame and the next one's first fall on one frame, the larger stays (a clip's first frame is 0: it
    has no frame before it to rise from).

    Examples
    --------
    >>> clip = np.array([[0.0, 1.0, 0.0, 2.0]])  # 4 frames of a clip of 3.5 hops
    >>> join_onsets([clip, clip, clip], [0.0, 3.5, 7.0], 1.0).tolist()
    [[0.0, 1.0, 0.0, 2.0, 0.0, 1.0, 0.0, 2.0, 1.0, 0.0, 2.0]]
    >>> join_onsets([clip, clip], [0.0, 7.0], 1.0).tolist()  # the middle clip left out: its frames stay empty
    [[0.0, 1.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 2.0]]
    """
    first = np.rint(np.asarray(starts, dtype=np.float64) * frame_rate).astype(int)
    song = np.zeros((envelopes[0].shape[0], max(int(f) + e.shape[1] for f, e in zip(first, envelopes))),
                    dtype=np.result_type(*envelopes))
    for start, envelope in zip(first, envelopes):
        part = song[:, start : start + envelope.shape[1]]
        np.maximum(part, envelope, out=part)
    return song


def song_onsets(audio: Audio, *, seconds: float = CLIP_SECONDS) -> tuple[np.ndarray, float]:
    """The onset envelopes (:func:`a2i.tempo.onset_envelopes`, 2 x frames) of a whole waveform exactly as the
    analysis keeps them: those of its consecutive clips (as :func:`summarize` makes them), joined on the song's
    time axis (:func:`join_onsets`), a silent clip's frames empty (the analysis leaves it out of the song's
    figures; each clip's envelope is scaled by its own loudest frame, so a near-silent one would be all noise);
    and their frame rate.

    Examples
    --------
    >>> from a2i.synth import tone
    >>> envelopes, rate = song_onsets(tone(3.0))
    >>> envelopes.shape[0], round(rate, 1)
    (2, 43.1)
    """
    step = int(round(seconds * audio.sr))
    envs, starts, frame_rate = [], [], audio.sr / HOP
    for start in range(0, max(len(audio.samples), 1), step):
        if start and len(audio.samples) - start < MIN_LAST_CLIP * step:
            break  # a remainder the analysis drops too (:class:`a2i.audio.ClipStream`)
        clip = Audio(audio.samples[start : start + step], audio.sr)
        spec = spectrogram(clip)
        mel_power = _cached("mel", spec.sr, N_FFT) @ power_of(spec.magnitude)
        envelope = tempo_estimation.onset_envelopes(mel_power, _cached("mel_hz", spec.sr, N_FFT))
        envs.append(np.zeros_like(envelope) if clip.is_silent else envelope)
        starts.append(start / audio.sr)
    return join_onsets(envs, starts, frame_rate), frame_rate


def song_tempo(audio: Audio, *, seconds: float = CLIP_SECONDS) -> tempo_estimation.Tempo:
    """The tempo of a whole waveform exactly as the analysis finds it: :func:`a2i.tempo.estimate` of its
    :func:`song_onsets`.

    Examples
    --------
    >>> from a2i.synth import groove
    >>> round(song_tempo(groove(150.0, "rock", seconds=12.0)).bpm)
    150
    """
    return tempo_estimation.estimate(*song_onsets(audio, seconds=seconds))


def describe(audio: Audio) -> SignalFeatures:
    """All :class:`SignalFeatures` of a waveform taken whole (a clip, or a short song).

    Examples
    --------
    >>> from a2i.synth import tone
    >>> f = describe(tone(3.0, freq=440.0))
    >>> 430 < f.centroid < 460, f.tempo  # a steady tone: bright as its pitch, no beat
    (True, 0.0)
    """
    return summarize(audio).features


#: Features averaged over clips weighted by their real duration (the rest are combined as documented in
#: :func:`combine`).
_AVERAGED = ("centroid", "rolloff", "flux", "onset_rate", "dynamic_range", "key_clarity", "mode_variability",
             "major_chords", "triad_fit", "chord_changes", "melody_register",
             "consonance", "chroma_entropy", "register", "warmth")


def _gated_power_mean(levels: np.ndarray, weights: np.ndarray) -> float:
    """BS.1770's gating applied to clips: drop clips under the absolute gate, then those more than 10 LU
    under the mean power of the rest, and return the weighted power mean of what is left."""
    keep = levels > LOUDNESS_FLOOR
    if not np.any(keep):
        return LOUDNESS_FLOOR
    power = 10.0 ** (levels / 10.0)
    ungated = np.dot(weights[keep], power[keep]) / weights[keep].sum()
    keep &= levels > 10.0 * np.log10(ungated) - 10.0
    return float(10.0 * np.log10(np.dot(weights[keep], power[keep]) / weights[keep].sum()))


def combine(summaries: list[Summary], *, starts: Sequence[float] | None = None) -> SignalFeatures:
    """A song's features from its clips' summaries, weighted by their real durations.

    Loudness is the power mean of the clips' (as BS.1770 integrates power over the song), flatness the
    geometric mean, tempo and its confidence come from the clips' onset envelopes on the song's time axis
    (:func:`join_onsets`), key and mode from the mean pitch-class profile; the rest are weighted means. Nothing
    but the summaries is needed, so a song of any length is analysed in bounded memory. ``starts``: each clip's
    start in the song (seconds), where clips were left out (silent ones); by default they follow end to end.

    Examples
    --------
    >>> from a2i.synth import tone
    >>> parts = [summarize(tone(10.0, freq=440.0, amp=0.3)), summarize(tone(10.0, freq=440.0, amp=0.15))]
    >>> round(combine(parts).loudness - parts[0].features.loudness, 1)
    -2.0
    """
    if not summaries:
        raise ValueError("combine() needs at least one clip summary")
    weights = np.array([s.seconds for s in summaries], dtype=np.float64)
    weights = weights / weights.sum() if weights.sum() > 0 else np.full(len(summaries), 1.0 / len(summaries))
    feats = [s.features for s in summaries]

    def mean(name: str) -> float:
        return float(np.dot(weights, [getattr(f, name) for f in feats]))

    loudness = _gated_power_mean(np.array([f.loudness for f in feats]), weights)
    frame_rate = summaries[0].frame_rate
    if starts is None:
        starts = np.cumsum([0.0] + [s.seconds for s in summaries[:-1]])
    tempo = tempo_estimation.estimate(join_onsets([s.onset_env for s in summaries], starts, frame_rate), frame_rate)
    chroma = np.array([f.chroma if f.chroma else np.zeros(12) for f in feats])
    profile = weights @ chroma
    bass = weights @ np.array([f.bass_chroma if f.bass_chroma else np.zeros(12) for f in feats])
    triads = weights @ np.array([f.triad_shares if f.triad_shares else np.zeros(24) for f in feats])
    key, mode, mode_strength, key_confidence = estimate_key(profile, bass, triads)
    return SignalFeatures(
        loudness=loudness,
        flatness=float(np.exp(np.dot(weights, np.log([max(f.flatness, 1e-12) for f in feats])))),
        tempo=tempo.bpm,
        key=key,
        mode=mode,
        mode_strength=mode_strength,
        tempo_confidence=tempo.confidence,
        pulse_clarity=tempo.periodicity,
        chroma=tuple(float(x) for x in profile),
        bass_chroma=tuple(float(x) for x in bass),
        key_confidence=key_confidence,
        timbre=tuple(float(x) for x in weights @ np.array([f.timbre for f in feats])),
        triad_shares=tuple(float(x) for x in triads),
        **{name: mean(name) for name in _AVERAGED},
    )
