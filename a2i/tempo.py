"""Tempo: the one estimator the analysis, the prompts and the videos share, with its confidence.

The tempo of music is ambiguous by nature: the onsets of a 129 BPM song repeat every beat, every half beat
and every bar, and an autocorrelation peaks at all of them. Estimators that keep only the strongest
periodicity, weighted by a prior around 120 BPM (Ellis 2007, librosa), read fast songs at half their
tempo, slow songs at double and some at two thirds. Here the metrical level is chosen in three steps:

1. **Periodicity.** The autocorrelation of the onset envelope, combed over the beat and the bar (a lag
   scores its own autocorrelation plus half that of twice the lag), gives the strongest pulse and its
   relatives at the other metrical levels (x2, x1/2, x3/2, x2/3, x3, x1/3, x4, x1/4) as candidates.
2. **Beat-tracker agreement.** For every candidate the dynamic-programming beat tracker of Ellis (2007)
   follows the onsets, and the onsets *on* its beats are compared with those halfway *between* them. At
   the true tempo the beats carry the accents (kick, snare, chord changes) and the off-beats are weaker; at
   double tempo half the "beats" are off-beats, and at half tempo the "off-beats" are real beats, so the
   contrast falls either way; at 3:2 it falls too, because every other beat lands between the onsets.
3. **A broad prior** (one octave around 120 BPM, Moelants 2002) tips only near-ties.

The confidence is the product of how periodic the onsets are (:data:`STEADY_BEAT_CONFIDENCE` and below:
"no steady beat") and how clearly the chosen level beats the others (a softmax over the candidates'
scores). Everything is numpy on an onset envelope of about 43 frames a second: no numba kernel is compiled
on the hot path, and an hour of music is a few hundred thousand frames.

Examples
--------
>>> import numpy as np
>>> rate = 22050 / 512
>>> t = np.arange(int(20 * rate)) / rate
>>> env = (np.mod(t, 60 / 150) < 1 / rate).astype(float) + 0.3 * (np.mod(t + 30 / 150, 60 / 150) < 1 / rate)
>>> found = estimate(env, rate)
>>> round(found.bpm / 5) * 5, found.confidence > 0.5  # within a frame (23 ms) of the period
(150, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Tempo search range in BPM: the slowest and fastest beat a listener taps along to.
TEMPO_RANGE = (40.0, 240.0)

#: Centre and width (octaves) of the log-normal prior. 120 BPM is the preferred tapping tempo (Moelants
#: 2002, "Preferred tempo reconsidered"); one octave (as Ellis 2007 and librosa) lets the beat tracker's
#: evidence decide between neighbouring levels rather than the prior.
TEMPO_PRIOR_BPM = 120.0
TEMPO_PRIOR_OCTAVES = 1.0

#: Below this periodicity (the strongest normalised autocorrelation over the tempo range) there is no
#: steady beat: drones, pads and silence read under 0.05, the sparsest real song at hand about 0.11, a
#: metronome about 0.9. The tempo is then reported as 0 ("no steady beat").
STEADY_BEAT_CONFIDENCE = 0.1

#: A period is only measured when the onsets repeat it at least this often: the autocorrelation at a lag
#: of a quarter of the audio or more averages fewer than three repetitions, and two cycles of a tremolo (or
#: two strokes of anything) read as a "beat". Under four beats at the fastest tempo (1 s) there is no tempo.
MIN_BEATS = 4

#: Periodicity at which a pulse counts as fully clear (a drum track reads 0.3-0.6).
CLEAR_PERIODICITY = 0.3

#: Under this confidence the tempo is shown as uncertain ("≈ 83 BPM, uncertain").
UNCERTAIN_BELOW = 0.5

#: Metrical relatives of the strongest pulse that compete for the beat.
LEVELS = (1.0, 2.0, 0.5, 1.5, 2.0 / 3.0, 3.0, 1.0 / 3.0, 4.0, 0.25)

#: Weight of each term of a candidate's score: on/off-beat contrast (in standard deviations of the onset
#: envelope), combed periodicity (relative to the best), log prior. Chosen on synthesized pieces
#: (``benchmarks/tempo_eval.py``) and checked by hand on real recordings.
CONTRAST_WEIGHT = 1.0
PERIODICITY_WEIGHT = 1.0
PRIOR_WEIGHT = 1.0

#: How far (a share of its lag) a metrical relative of the strongest pulse may move to its own autocorrelation
#: peak: under the 4 % a tempo may be off. At 6 % the half of a real song's eighth-note pulse (133 BPM) slid
#: to a broad neighbouring peak at 122 BPM (its beat tracker and librosa's read 126-129); on the synthesized
#: pieces of ``benchmarks/tempo_eval.py`` 3 % and 6 % give the same results.
RELATIVE_WINDOW = 0.03

#: Softmax temperature turning score margins into the level's share of the confidence.
LEVEL_TEMPERATURE = 0.25

#: Ellis's tightness: how strongly the tracker keeps to the estimated tempo (librosa's default, 100).
BEAT_TIGHTNESS = 100.0


#: Compression of the mel power before the flux is taken: ``log(1 + ONSET_COMPRESSION * power / max)``. In
#: decibels with an 80 dB floor (as for timbre) a soft hi-hat rises as far as a kick and every eighth note
#: looks like a beat; this near-linear-at-the-bottom compression (the mu-law of Klapuri et al. 2006) keeps
#: the accents that mark the beat. 100 was the best of 10, 100 and 1000 on the synthesized pieces.
ONSET_COMPRESSION = 100.0


def onset_envelope(mel_power: np.ndarray) -> np.ndarray:
    """Onset strength per frame of a mel power spectrogram (bands x frames): the mean positive change of
    the compressed power, 0 for the first frame.

    Examples
    --------
    >>> import numpy as np
    >>> power = np.zeros((4, 6)); power[:, 3:] = 1.0
    >>> onset_envelope(power).round(2).tolist()
    [0.0, 0.0, 0.0, 4.62, 0.0, 0.0]
    """
    if mel_power.shape[1] < 2:
        return np.zeros(mel_power.shape[1])
    top = float(mel_power.max())
    compressed = np.log1p(ONSET_COMPRESSION * mel_power / top) if top > 0 else np.zeros_like(mel_power)
    return np.concatenate([[0.0], np.maximum(np.diff(compressed, axis=1), 0.0).mean(axis=0)])


@dataclass(frozen=True)
class Tempo:
    """A tempo estimate.

    Attributes
    ----------
    bpm : float
        Beats per minute; 0 when there is no steady beat.
    confidence : float
        0..1: periodicity times the chosen level's margin over the other metrical levels.
    periodicity : float
        Strongest normalised autocorrelation of the onsets over the tempo range (0 no pulse .. 1 a metronome).
    beats : ndarray
        Beat frames the tracker found at ``bpm`` (empty without a steady beat).
    """

    bpm: float
    confidence: float
    periodicity: float
    beats: np.ndarray

    @property
    def steady(self) -> bool:
        return self.bpm > 0


def _autocorrelation(env: np.ndarray, lags: int) -> np.ndarray:
    """Normalised autocorrelation (1 at lag 0) of a mean-removed envelope for lags 0 .. ``lags - 1``."""
    x = env - env.mean()
    n = 1 << int(np.ceil(np.log2(2 * len(x))))
    spec = np.fft.rfft(x, n)
    ac = np.fft.irfft(spec * np.conj(spec), n)[: min(lags, len(x))]
    ac = np.pad(ac, (0, lags - len(ac)))
    return ac / ac[0] if ac[0] > 0 else np.zeros(lags)


def _at(acf: np.ndarray, lag: np.ndarray | float) -> np.ndarray:
    """The autocorrelation at fractional lags (linear interpolation, 0 beyond its end)."""
    return np.interp(lag, np.arange(len(acf)), acf, right=0.0)


def _prior(bpm: np.ndarray | float) -> np.ndarray:
    return -0.5 * (np.log2(np.asarray(bpm) / TEMPO_PRIOR_BPM) / TEMPO_PRIOR_OCTAVES) ** 2


def track_beats(onset: np.ndarray, frame_rate: float, bpm: float, *, tightness: float = BEAT_TIGHTNESS) -> np.ndarray:
    """Beat frames by dynamic programming (Ellis 2007): onsets rewarded, deviations from the tempo penalised.

    The recursion reaches back at least half a beat, so a block of half a beat's frames depends only on
    frames before it and is computed at once: a three-minute song takes a few milliseconds, no numba.

    Examples
    --------
    >>> import numpy as np
    >>> env = np.zeros(400); env[::20] = 1.0
    >>> beats = track_beats(env, 40.0, 120.0)
    >>> bool(np.all(np.diff(beats) == 20))
    True
    """
    if len(onset) < 4 or not np.any(onset > 0) or bpm <= 0:
        return np.zeros(0, dtype=int)
    period = 60.0 * frame_rate / bpm
    local = onset / (onset.std() + 1e-12)
    lags = np.arange(max(1, int(round(period / 2))), int(round(2 * period)) + 1)
    penalty = -tightness * np.log(lags / period) ** 2
    score = local.astype(np.float64).copy()
    backlink = np.full(len(onset), -1)
    step = int(lags[0])
    for first in range(0, len(onset), step):
        frames = np.arange(first, min(first + step, len(onset)))
        candidates = frames[:, None] - lags[None, :]
        totals = np.where(candidates >= 0, score[np.maximum(candidates, 0)] + penalty, -np.inf)
        best = np.argmax(totals, axis=1)
        gain = totals[np.arange(len(frames)), best]
        joins = gain > 0  # only join a chain that helps (Ellis's first-beat rule)
        score[frames[joins]] = local[frames[joins]] + gain[joins]
        backlink[frames[joins]] = candidates[joins, best[joins]]
    tail = max(0, len(onset) - int(round(period)))
    beat = tail + int(np.argmax(score[tail:]))
    beats = [beat]
    while backlink[beats[-1]] >= 0:
        beats.append(int(backlink[beats[-1]]))
    return np.array(beats[::-1], dtype=int)


def _contrast(env: np.ndarray, beats: np.ndarray) -> float:
    """Mean onset strength on the beats minus the strongest onset between them, in the envelope's standard
    deviations.

    "Between" is the middle half of each beat interval. Its strongest onset, not the one at the exact
    midpoint, is what a false level meets: at half tempo a real beat, at double tempo nothing, and at a
    triple grouping of even eighths (3:2 and 1:3 errors) the eighths themselves, where the midpoint would
    fall between two of them and flatter the grouping.
    """
    if len(beats) < 3:
        return 0.0
    smooth = np.maximum(env, np.maximum(np.roll(env, 1), np.roll(env, -1)))  # a frame of timing slack
    gaps = np.diff(beats)
    lo, hi = beats[:-1] + np.ceil(gaps / 4).astype(int), beats[1:] - np.ceil(gaps / 4).astype(int)
    between = [float(env[a : b + 1].max()) if b >= a else 0.0 for a, b in zip(lo, hi)]
    return float((smooth[beats[1:-1]].mean() - np.mean(between[1:])) / (env.std() + 1e-12))


def _refine(acf: np.ndarray, lag: float, window: float = 0.06) -> float:
    """The autocorrelation peak within ``window`` (a share) of ``lag``, with parabolic interpolation."""
    lo, hi = int(np.floor(lag * (1 - window))), int(np.ceil(lag * (1 + window)))
    lo, hi = max(lo, 1), min(hi, len(acf) - 2)
    if hi <= lo:
        return lag
    best = lo + int(np.argmax(acf[lo : hi + 1]))
    a, b, c = acf[best - 1], acf[best], acf[best + 1]
    denom = a - 2 * b + c
    # The vertex of the parabola through a local maximum lies within half a lag of it; at the window's edge
    # (no local maximum) the parabola can point anywhere, so it is held to that half lag.
    return float(best + (np.clip(0.5 * (a - c) / denom, -0.5, 0.5) if denom < 0 else 0.0))


def estimate(onset: np.ndarray, frame_rate: float) -> Tempo:
    """The tempo of an onset-strength envelope (one value per analysis frame), with its confidence.

    Parameters
    ----------
    onset : ndarray
        Onset strength per frame (spectral flux), the whole song or a clip.
    frame_rate : float
        Frames per second.

    Returns
    -------
    Tempo
        ``bpm`` 0 and ``confidence`` under :data:`STEADY_BEAT_CONFIDENCE` when there is no steady beat;
        ``bpm`` 0 and ``confidence`` 0 when the envelope is too short to hold :data:`MIN_BEATS` beats at
        the fastest tempo.
    """
    onset = np.asarray(onset, dtype=np.float64)
    none = Tempo(0.0, 0.0, 0.0, np.zeros(0, dtype=int))
    fastest = 60.0 * frame_rate / TEMPO_RANGE[1]
    # The slowest beat the audio can show MIN_BEATS times: too little audio measures no period at all.
    slowest = min(60.0 * frame_rate / TEMPO_RANGE[0], len(onset) / MIN_BEATS)
    if len(onset) < 8 or slowest < fastest or not np.any(onset > 0) or onset.std() == 0:
        return none
    # 1. Periodicity: the combed autocorrelation over the tempo range.
    acf = _autocorrelation(onset, int(2 * slowest) + 3)
    lags = np.arange(max(1, int(np.floor(fastest))), min(int(np.ceil(slowest)), len(acf) - 1) + 1)
    if not len(lags):
        return none
    periodicity = float(np.clip(acf[lags].max(), 0.0, 1.0))
    if periodicity < STEADY_BEAT_CONFIDENCE:
        return Tempo(0.0, periodicity, periodicity, np.zeros(0, dtype=int))
    combed = acf[lags] + 0.5 * _at(acf, 2.0 * lags)
    strongest = _refine(acf, float(lags[int(np.argmax(combed + PRIOR_WEIGHT * 0.1 * _prior(60.0 * frame_rate / lags)))]))
    # 2. The metrical relatives of the strongest pulse compete, judged by the beat tracker. Refining may take
    # the strongest pulse itself out of the range (eighth notes just faster than the fastest tempo): it is
    # then no candidate, but its relatives are.
    candidates: list[float] = []
    for level in LEVELS:
        lag = strongest / level
        if fastest * 0.97 <= lag <= slowest * 1.03:
            lag = _refine(acf, lag, RELATIVE_WINDOW)
            if lag > 0 and all(abs(np.log(lag / c)) > 0.03 for c in candidates):
                candidates.append(lag)
    if not candidates:  # no relative in the range either (a short envelope): the range's nearest lag stands in
        candidates.append(float(np.clip(strongest, fastest, slowest)))
    best_comb = max(float(acf[int(round(c))] + 0.5 * _at(acf, 2.0 * c)) for c in candidates)
    scores, tracked = [], []
    for lag in candidates:
        bpm = 60.0 * frame_rate / lag
        beats = track_beats(onset, frame_rate, bpm)
        comb = float(_at(acf, lag) + 0.5 * _at(acf, 2.0 * lag)) / max(best_comb, 1e-9)
        scores.append(CONTRAST_WEIGHT * _contrast(onset, beats) + PERIODICITY_WEIGHT * comb + PRIOR_WEIGHT * float(_prior(bpm)))
        tracked.append((bpm, beats))
    scores_arr = np.array(scores)
    chosen = int(np.argmax(scores_arr))
    share = np.exp((scores_arr - scores_arr.max()) / LEVEL_TEMPERATURE)
    margin = float(share[chosen] / share.sum())
    # 3. Confidence: a clear pulse, clearly at this level.
    confidence = float(np.clip(periodicity / CLEAR_PERIODICITY, 0.0, 1.0) * margin)
    bpm, beats = tracked[chosen]
    return Tempo(float(np.clip(bpm, *TEMPO_RANGE)), confidence, periodicity, beats)
