"""Tempo: the one estimator the analysis, the prompts and the videos share, with its confidence.

The tempo of music is ambiguous by nature: the onsets of a 129 BPM song repeat every beat, every half beat
and every bar, and an autocorrelation peaks at all of them. Estimators that keep only the strongest
periodicity read fast songs at half their tempo, slow songs at double and some at two thirds. Here every
plausible metrical level competes on evidence from several sources:

1. **Candidates.** The autocorrelation of the onset envelope, combed over the beat and the bar (a lag
   scores its own autocorrelation plus half that of twice the lag), gives the strongest pulse; its
   relatives at the other metrical levels (x2, x1/2, x3/2, x2/3, x3, x1/3, x4, x1/4) and the other strong
   peaks of the combed autocorrelation are the candidates.
2. **Evidence for each level**, added with weights :data:`LEVEL_WEIGHTS`:

   - *periodicity*: the combed autocorrelation at the level, relative to the best candidate's;
   - *beat-tracker agreement*: the dynamic-programming beat tracker of Ellis (2007) follows the onsets at
     the level, and the onsets *on* its beats are compared with the strongest one *between* them (at
     double tempo half the "beats" are off-beats, at half tempo the "off-beats" are real beats);
   - *bass periodicity*: the same combed autocorrelation in the bass bands alone (kick drum, bass line),
     which repeat at the beat or the bar and rarely at the eighth notes that hi-hats and strumming fill;
   - *subdivision*: the onsets halfway between the level's beats relative to those on them (eighth notes
     between quarter beats, against a tatum read as the beat with nothing between);
   - *human preference*: the log-normal prior of the tapped beat period of Klapuri, Eronen & Astola (2006),
     fitted on annotated recordings: median period 0.55 s (109 BPM), 0.40 octave wide; its median moves with
     the music's :func:`character` (:data:`MEDIAN_SHIFT`): listeners tap dense, busy, sharply accented music
     at a faster level than sparse, smooth music with the same periodicities (Hockman & Fujinaga 2010;
     Levy 2011). It moves part of the fast songs (a 180 BPM punk song) off their half without pulling
     slow songs with busy hi-hats to their double.
3. **Confidence**: how periodic the onsets are (under :data:`STEADY_BEAT_CONFIDENCE`: "no steady beat")
   times how clearly the chosen level beats the others (a softmax over the candidates' scores).
4. **The period** (:func:`refine_tempo`): the level's autocorrelation lag is whole frames (23 ms, 5 % of a
   beat at 129 BPM) made fractional by a parabola through a peak that a loose performance broadens, so a
   codec's rounding could move it 3 %. The level's tracked beats follow the onsets through the whole
   envelope; their mean spacing (a line through all of them, :func:`beat_period`) measures the period to a
   fraction of a frame, and the beats are tracked again at it, with the bass bands' onsets added
   (:func:`beat_envelope`: the kick and the bass decide where loose fills would hold two beat counts), and
   again at their own spacing until they stop moving (the tracker leans towards the tempo it is given), so
   that the reported tempo is the mean spacing of the beats reported with it. A song that speeds up or sways
   reads its mean tempo; the level is not changed (a spacing more than :data:`REFINE_LIMIT` away keeps the
   level's lag).

The weights (a conditional logit over the candidates, the prior's own weight fixed at 1) were fitted on the
synthesized pieces of ``benchmarks/tempo_eval.py`` and on 400 real clips whose tempo an independent
neural estimator gave, and cross-validated grouped by artist (``tempo_eval.py --fit-weights --labels``).
Everything is numpy on onset envelopes of about 43 frames a second: no numba kernel is compiled on the hot
path, and an hour of music is a few hundred thousand frames.

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
from numpy.lib.stride_tricks import sliding_window_view

#: Tempo search range in BPM: the slowest and fastest beat a listener taps along to.
TEMPO_RANGE = (40.0, 240.0)

#: Median (BPM) and width (octaves) of the log-normal prior over the beat: Klapuri, Eronen & Astola (2006),
#: "Analysis of the meter of acoustic musical signals", fitted on tapped beats of real recordings a median
#: period of 0.55 s (109 BPM) and a shape of 0.28 in natural log (0.40 octave). It weighs as much as the
#: evidence, so a clear bass or backbeat pulse at 60 or 190 BPM still wins.
TEMPO_PRIOR_BPM = 109.0
TEMPO_PRIOR_OCTAVES = 0.40

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

#: How many of the other strongest peaks of the combed autocorrelation also compete: a song whose strongest
#: pulse is a tatum outside the range (eighth notes at 275 a minute) or a swung figure keeps its beat among
#: them even when no simple ratio of the strongest pulse reaches it.
PEAK_CANDIDATES = 6

#: A peak competes only when it lies this far (a share of the lag) from every relative of the strongest pulse:
#: a loose real performance has broad peaks, and a neighbour of a relative (a real song's 122 BPM beside the
#: half of its 266-a-minute eighths, 133 refined to 126) is the same level measured worse.
PEAK_APART = 0.1

#: Weight of a one-octave-wide prior that only breaks near-ties when the strongest pulse is picked (whose
#: relatives then compete): the full prior there would pick the bar of a loose real song (62.6 BPM) over
#: its eighth notes, whose half is the beat.
STRONGEST_TIE_BREAK = 0.1

#: Mel bands centred below this frequency are the bass bands (kick drum, bass guitar, the low piano): their
#: onsets mark the beat or the bar, rarely the eighth notes of the hi-hats, shakers and strumming above.
BASS_BAND_HZ = 230.0

#: Weights of the evidence for a metrical level, in the order: periodicity (combed autocorrelation relative
#: to the best candidate's), beat-tracker contrast (on-beat minus between-beat onsets, in standard
#: deviations of the envelope), bass periodicity (combed autocorrelation of the bass bands), subdivision
#: (onsets halfway between the level's beats relative to those on them, :func:`_subdivision`); the prior's
#: weight is 1. Fitted with :data:`MEDIAN_SHIFT` by a conditional logit over the candidates (L2 penalty
#: 1.0) on the 126 synthesized pieces of ``benchmarks/tempo_eval.py`` and on 400 real 30-second clips whose
#: tempo an independent neural estimator gave (madmom's RNN beat tracker, trained on human beat
#: annotations); cross-validated grouped by artist (``tempo_eval.py --fit-weights --labels``).
LEVEL_WEIGHTS = (2.6, 1.31, 2.14, 1.69)

#: How the prior's median moves with the music's character (:func:`character`), in its log-tempo slope:
#: a level ``o`` octaves above :data:`TEMPO_PRIOR_BPM` gains ``o * (shift[0] + shift[1:] @ character)``,
#: which moves the log-normal prior's median by ``TEMPO_PRIOR_OCTAVES**2`` times that many octaves. Listeners
#: tap dense, busy, sharply accented music at a faster metrical level than sparse, smooth music of the same
#: periodicities (Hockman & Fujinaga 2010, "Fast vs slow: learning tempo octaves from user data"; Levy
#: 2011, "Improving perceptual tempo estimation with crowd-sourced annotations"). The order: constant,
#: strong onsets per second, mean onset strength, its variability (all relative to
#: :data:`CHARACTER_CENTRE`). Fitted with :data:`LEVEL_WEIGHTS`.
MEDIAN_SHIFT = (0.5, 1.04, 1.61, 2.08)

#: Typical :func:`character` of real music (the mean over 400 real 30-second clips of many genres), so that
#: the first :data:`MEDIAN_SHIFT` is the slope for a typical song: log2 of (strong onsets per second + 0.5),
#: natural log of the mean onset strength, the onsets' coefficient of variation.
CHARACTER_CENTRE = (1.81, -3.55, 1.21)

#: How far the character may move from :data:`CHARACTER_CENTRE`: three standard deviations of the same 400
#: clips (0.30, 0.50, 0.37). The slopes are fitted on real music; a click track lies far outside it and would
#: otherwise move the prior by octaves. (Two deviations cost real clips under 80 BPM a tenth of their
#: agreement; unbounded, three synthesized pieces more were misread.)
CHARACTER_RANGE = (0.90, 1.50, 1.11)

#: How far (a share of its lag) a metrical relative of the strongest pulse may move to its own autocorrelation
#: peak: under the 4 % a tempo may be off. At 6 % the half of a real song's eighth-note pulse (133 BPM) slid
#: to a broad neighbouring peak at 122 BPM (its beat tracker and librosa's read 126-129); on the synthesized
#: pieces of ``benchmarks/tempo_eval.py`` 3 % and 6 % give the same results.
RELATIVE_WINDOW = 0.03

#: Softmax temperature turning score margins into the level's share of the confidence. At 0.75, 17 % of 400
#: real clips read "uncertain" (< :data:`UNCERTAIN_BELOW`), and on those the level agreed with an independent
#: neural tempo estimator in 43 % against 77 % elsewhere; at 0.5 (before the weights grew with the character's
#: fit) only 11 % were flagged, at 1.0 23 %. The steady synthesized pieces stay confident at all three.
LEVEL_TEMPERATURE = 0.75

#: Ellis's tightness: how strongly the tracker keeps to the estimated tempo (librosa's default, 100).
BEAT_TIGHTNESS = 100.0

#: How far (a share of the level's tempo) the beats' own spacing may move the reported tempo
#: (:func:`refine_tempo`): a measured period, not another metrical level. Rubato and a 3 % error of the
#: autocorrelation's lag move it up to 7 %; the nearest other level (9:8) lies 12.5 % away, and candidates
#: closer than :data:`PEAK_APART` (10 %) are the same level measured worse.
REFINE_LIMIT = 0.1

#: At most this many trackings again in :func:`refine_tempo`, each at the spacing of the beats before: the
#: tracker's tightness holds its beats near the tempo it is given, so one tracking from a lag a few per cent off
#: still leans towards it (a loose real song: 120.5 from the lag, then 122.2, 124.3 and 125.8, where its beats
#: stop moving; an independent beat tracker's beats read 125.9). On 399 real 30-second clips the second tracking
#: repeats the first on 82 %, the fourth the third on 98 %; the bound keeps beats that alternate between two
#: counts from costing more (one clip of 399 reached it).
REFINE_ROUNDS = 6


#: Compression of the mel power before the flux is taken: ``log(1 + ONSET_COMPRESSION * power / max)``. In
#: decibels with an 80 dB floor (as for timbre) a soft hi-hat rises as far as a kick and every eighth note
#: looks like a beat; this near-linear-at-the-bottom compression (the mu-law of Klapuri et al. 2006) keeps
#: the accents that mark the beat. 100 was the best of 10, 100 and 1000 on the synthesized pieces.
ONSET_COMPRESSION = 100.0


def onset_envelopes(mel_power: np.ndarray, mel_hz: np.ndarray) -> np.ndarray:
    """Onset strength per frame of a mel power spectrogram (bands x frames), 2 x frames: row 0 the mean
    positive change of the compressed power over all bands, row 1 over the bass bands (centres ``mel_hz``
    under :data:`BASS_BAND_HZ`); 0 for the first frame.

    Examples
    --------
    >>> import numpy as np
    >>> power = np.zeros((4, 6)); power[:, 3:] = 1.0; power[2:, 3:] = 0.0
    >>> onset_envelopes(power, np.array([50.0, 150.0, 400.0, 900.0])).round(2).tolist()
    [[0.0, 0.0, 0.0, 2.31, 0.0, 0.0], [0.0, 0.0, 0.0, 4.62, 0.0, 0.0]]
    """
    if mel_power.shape[1] < 2:
        return np.zeros((2, mel_power.shape[1]))
    top = float(mel_power.max())
    compressed = np.log1p(ONSET_COMPRESSION * mel_power / top) if top > 0 else np.zeros_like(mel_power)
    rise = np.maximum(np.diff(compressed, axis=1), 0.0)
    bass = mel_hz < BASS_BAND_HZ
    rows = np.stack([rise.mean(axis=0), rise[bass].mean(axis=0) if np.any(bass) else np.zeros(rise.shape[1])])
    return np.concatenate([np.zeros((2, 1)), rows], axis=1)


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
        Beat frames the tracker found at the chosen level, whose mean spacing (:func:`beat_period`) is
        ``bpm`` unless :func:`refine_tempo` kept the level's own lag (empty without a steady beat).
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


def _prior(bpm: np.ndarray | float, octaves: float = TEMPO_PRIOR_OCTAVES) -> np.ndarray:
    """Log prior of a beat at ``bpm``: log-normal around :data:`TEMPO_PRIOR_BPM`, ``octaves`` wide."""
    return -0.5 * (np.log2(np.asarray(bpm) / TEMPO_PRIOR_BPM) / octaves) ** 2


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
    local = (onset / (onset.std() + 1e-12)).astype(np.float64)
    lags = np.arange(max(1, int(round(period / 2))), int(round(2 * period)) + 1)
    penalty = -tightness * np.log(lags / period) ** 2
    step, longest = int(lags[0]), len(lags) - 1 + int(lags[0])
    # score[t - lags] of a frame t is one window of the score read backwards, and the score before the song's
    # first frame is -inf (no chain reaches back there): the windows of that padded, reversed score are views
    # that see every score written below, so a block reads its totals without gathering indices.
    padded = np.full(longest + len(onset), -np.inf)
    padded[longest:] = local
    score = padded[longest:]
    windows = sliding_window_view(padded[::-1], len(lags))
    best = np.empty(len(onset), dtype=np.intp)  # the index into lags of each frame's best previous beat
    gains = np.empty(len(onset))  # and what joining that beat's chain adds
    top = len(padded) - longest + step
    buffer, rows = np.empty((step, len(lags))), np.arange(step)
    for first in range(0, len(onset), step):
        last = min(first + step, len(onset))
        # Frame t reads score[t - lags] = padded[t + longest - lags]: reversed, window top - 1 - t. The totals
        # go to a reused buffer and the best is gathered by its argmax: one reduction and no allocation per
        # block (a third quicker than max and argmax on fresh arrays; the same beats).
        totals = np.add(windows[top - last : top - first][::-1], penalty, out=buffer[: last - first])
        index = totals.argmax(axis=1)
        gain = totals[rows[: last - first], index]
        best[first:last], gains[first:last] = index, gain
        # Only join a chain that helps (Ellis's first-beat rule): a gain under 0 adds nothing.
        np.maximum(gain, 0.0, out=gain)
        gain += local[first:last]
        score[first:last] = gain
    chosen = np.where(gains > 0, best, -1)  # -1: the first beat of its chain
    tail = max(0, len(onset) - int(round(period)))
    beat = tail + int(np.argmax(score[tail:]))
    beats = [beat]
    while chosen[beats[-1]] >= 0:
        beats.append(beats[-1] - int(lags[chosen[beats[-1]]]))
    return np.array(beats[::-1], dtype=int)


def beat_period(beats: np.ndarray) -> float:
    """The mean spacing of beat frames: the least-squares slope of their frames on their index (0 with fewer
    than two beats).

    A tempo that drifts or sways gives its mean period: the slope of a line through every beat, not the
    spacing of the steadiest stretch. One of ``n`` beats placed a frame off moves it by at most ``6 / n**2``
    frames, so whole-frame beats measure a fractional period.

    Examples
    --------
    >>> import numpy as np
    >>> beats = np.round(np.arange(12) * 20.5 + 0.2)  # a beat every 20.5 frames, each on a whole frame
    >>> beats.astype(int).tolist()[:6], round(beat_period(beats), 2)
    ([0, 21, 41, 62, 82, 103], 20.51)
    """
    if len(beats) < 2:
        return 0.0
    index = np.arange(len(beats)) - (len(beats) - 1) / 2.0
    return float(index @ (beats - beats.mean()) / (index @ index))


def refine_tempo(onset: np.ndarray, frame_rate: float, bpm: float, beats: np.ndarray) -> tuple[float, np.ndarray]:
    """The tempo of a chosen metrical level measured over the whole envelope, and its beats.

    The level's tempo is an autocorrelation peak's lag, whole frames (23 ms, 5 % of a beat at 129 BPM) made
    fractional by a parabola through three points of a peak that a loose performance broadens: a codec's
    rounding could move it by 3 %. The beat tracker's beats at that tempo (``beats``) follow the onsets the
    whole way through, so their mean spacing (:func:`beat_period`, over a song's hundreds of beats) measures
    the period to a fraction of a frame; the beats are then tracked again at that tempo on ``onset``, and
    again at their own mean spacing until they stop moving (at most :data:`REFINE_ROUNDS` times), so that they
    do not lean towards the first guess, and their own mean spacing is the tempo. A song that speeds up
    reads its mean tempo, a swaying (rubato) one the tempo of its phrases as a whole.

    Parameters
    ----------
    onset : ndarray
        One onset envelope (frames,) to track the beats again on (:func:`estimate` gives the all-band envelope
        with the bass bands', see :func:`beat_envelope`).
    frame_rate : float
        Frames per second.
    bpm : float
        The chosen level's tempo.
    beats : ndarray
        The beat frames :func:`track_beats` found at ``bpm``.

    Returns
    -------
    tuple of (float, ndarray)
        The tempo and the beats whose mean spacing it is: those tracked last, or ``beats`` and their own
        spacing when the beats tracked again lie more than :data:`REFINE_LIMIT` from ``bpm`` (a later tracking
        that far away ends the search at the one before); ``bpm`` and
        ``beats`` themselves when there are fewer than :data:`MIN_BEATS` beats or even ``beats``' spacing
        lies that far (another level, not this one measured better).

    Examples
    --------
    >>> import numpy as np
    >>> rate = 22050 / 512
    >>> env = np.zeros(int(30 * rate)); env[np.round(np.arange(0, 29.9, 60 / 126.5) * rate).astype(int)] = 1.0
    >>> tempo, beats = refine_tempo(env, rate, 122.0, track_beats(env, rate, 122.0))  # a lag 3.5 % off
    >>> round(tempo, 1), round(60 * rate / beat_period(beats), 1)
    (126.5, 126.5)
    """
    if len(beats) < MIN_BEATS:
        return bpm, beats
    tempo = 60.0 * frame_rate / beat_period(beats)
    if not _same_level(tempo, bpm):
        return bpm, beats
    for _ in range(REFINE_ROUNDS):
        again = track_beats(onset, frame_rate, tempo)
        spacing = 60.0 * frame_rate / beat_period(again) if len(again) >= MIN_BEATS else 0.0
        if not _same_level(spacing, bpm):
            break
        settled = np.array_equal(again, beats)
        tempo, beats = spacing, again
        if settled:
            break
    return tempo, beats


def beat_envelope(onset: np.ndarray) -> np.ndarray:
    """The onset envelope the beats are tracked on again (:func:`refine_tempo`): the all-band onsets plus the bass
    bands' (:func:`onset_envelopes`' two rows), each in its own standard deviations, so that the kick and the
    bass line count as much as everything above them.

    In a loose real song the all-band onsets alone can hold two beat counts equally well where hi-hats,
    strumming or a vocal fill the time between the beats: the tracker then keeps whichever tempo it starts
    from (a 40-second song read 124.2 or 125.7 BPM from 83 or 84 beats, by codec). The bass marks the beat or
    the bar and decides; the first pass stays on the all-band onsets, so that sparse bass notes (a pianist's
    left hand, one a bar) do not hold a swaying tempo to its first guess. On 130 real clips read at the level
    of an independent neural beat tracker's beats, the share within 1 % of their tempo rose from 0.86 to 0.89;
    the synthesized pieces stayed within 1 %. A single envelope (frames,) is its own bass row, and so is the
    all-band row where the bass bands are silent.

    Examples
    --------
    >>> import numpy as np
    >>> onset = np.array([[0.0, 1.0, 0.0, 3.0], [0.0, 0.0, 0.0, 2.0]])
    >>> beat_envelope(onset).round(2).tolist()  # each row over its own standard deviation (1.22 and 0.87)
    [0.0, 0.82, 0.0, 4.76]
    """
    if onset.ndim == 1 or onset[1].std() == 0:
        return onset if onset.ndim == 1 else onset[0]
    return onset[0] / (onset[0].std() + 1e-12) + onset[1] / onset[1].std()


def _same_level(tempo: float, bpm: float) -> bool:
    """Whether ``tempo`` lies within :data:`REFINE_LIMIT` of ``bpm`` (either way, in ratio)."""
    return bool(tempo > 0 and abs(np.log(tempo / bpm)) <= np.log1p(REFINE_LIMIT))


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


def _subdivision(env: np.ndarray, beats: np.ndarray) -> float:
    """Mean onset strength halfway between the beats relative to that on them (a frame of timing slack).

    A level whose beats are subdivided (eighth notes between quarter beats) reads about 0.3-1; a tatum read
    as the beat, or a level with nothing between its beats, near 0.
    """
    if len(beats) < 3:
        return 0.0
    smooth = np.maximum(env, np.maximum(np.roll(env, 1), np.roll(env, -1)))
    halfway = (beats[:-1] + beats[1:]) // 2
    return float(smooth[halfway].mean() / (smooth[beats].mean() + 1e-12))


def character(onset: np.ndarray, frame_rate: float) -> np.ndarray:
    """What moves the prior's median (:data:`MEDIAN_SHIFT`): log2 of (strong onsets per second + 0.5), the
    natural log of the mean onset strength and its coefficient of variation, of one onset envelope.

    A strong onset is a local maximum above the envelope's mean plus one standard deviation; the half in
    log2(rate + 0.5) keeps a sparse envelope finite.

    Examples
    --------
    >>> import numpy as np
    >>> env = np.full(430, 0.01); env[::43] = 1.0  # an accent a second (the first, on the edge, is no peak)
    >>> character(env, 43.0).round(2).tolist()
    [0.49, -3.41, 4.52]
    """
    mean = float(onset.mean()) + 1e-12
    above = onset[1:-1] > mean + onset.std()
    peaks = above & (onset[1:-1] > onset[:-2]) & (onset[1:-1] >= onset[2:])
    rate = peaks.sum() / (len(onset) / frame_rate)
    return np.array([np.log2(rate + 0.5), np.log(mean), onset.std() / mean])


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


def _candidates(acf: np.ndarray, lags: np.ndarray, frame_rate: float, fastest: float, slowest: float) -> list[float]:
    """Candidate beat lags between ``fastest`` and ``slowest`` (frames): the relatives of the strongest combed
    pulse among ``lags`` (:data:`LEVELS`) and the other :data:`PEAK_CANDIDATES` strongest peaks of the combed
    autocorrelation, each refined to its own peak."""
    combed = acf[lags] + 0.5 * _at(acf, 2.0 * lags)
    strongest = _refine(acf, float(lags[int(np.argmax(combed + STRONGEST_TIE_BREAK * _prior(60.0 * frame_rate / lags, 1.0)))]))
    # Refining may take the strongest pulse itself out of the range (eighth notes just faster than the
    # fastest tempo): it is then no candidate, but its relatives are.
    relatives = [strongest / level for level in LEVELS]
    peaks = np.flatnonzero((combed[1:-1] >= combed[:-2]) & (combed[1:-1] >= combed[2:])) + 1
    strong_peaks = [float(lags[i]) for i in peaks[np.argsort(-combed[peaks])][:PEAK_CANDIDATES]]
    candidates: list[float] = []
    for lag, apart in [(lag, 0.03) for lag in relatives] + [(lag, PEAK_APART) for lag in strong_peaks]:
        if fastest * 0.97 <= lag <= slowest * 1.03:
            lag = _refine(acf, lag, RELATIVE_WINDOW)
            # Refined beyond the range's edge, a pulse would be reported as the edge itself (240 BPM).
            in_range = fastest * 0.99 <= lag <= slowest * 1.01
            if in_range and all(abs(np.log(lag / c)) > apart for c in candidates):
                candidates.append(lag)
    if not candidates:  # no relative in the range either (a short envelope): the range's nearest lag stands in
        candidates.append(float(np.clip(strongest, fastest, slowest)))
    return candidates


@dataclass(frozen=True)
class Levels:
    """The metrical levels that compete for the beat of some onset envelopes, and the evidence for each.

    Attributes
    ----------
    bpm : ndarray
        Each candidate level's tempo.
    evidence : ndarray
        Candidates x 4: periodicity, beat-tracker contrast, bass periodicity, subdivision (weighted by
        :data:`LEVEL_WEIGHTS`).
    prior : ndarray
        Each level's log prior (:data:`TEMPO_PRIOR_BPM`, :data:`TEMPO_PRIOR_OCTAVES`), before its median moves.
    character : ndarray
        The onsets' :func:`character` less :data:`CHARACTER_CENTRE` (held within :data:`CHARACTER_RANGE`),
        which moves the prior's median.
    beats : tuple of ndarray
        The beat frames the tracker found at each level.
    periodicity : float
        Strongest normalised autocorrelation of the onsets over the tempo range.
    """

    bpm: np.ndarray
    evidence: np.ndarray
    prior: np.ndarray
    beats: tuple[np.ndarray, ...]
    periodicity: float
    character: np.ndarray

    def design(self) -> np.ndarray:
        """Candidates x 8: the evidence, then each level's octaves above :data:`TEMPO_PRIOR_BPM` times
        (1, *character*): the columns :data:`LEVEL_WEIGHTS` and :data:`MEDIAN_SHIFT` weigh."""
        octaves = np.log2(self.bpm / TEMPO_PRIOR_BPM)
        return np.column_stack([self.evidence, octaves[:, None] * np.concatenate([[1.0], self.character])[None, :]])

    def scores(self) -> np.ndarray:
        """Each level's log score: the weighted evidence plus the prior, its median moved by the character."""
        return self.design() @ np.concatenate([LEVEL_WEIGHTS, MEDIAN_SHIFT]) + self.prior


def levels(onset: np.ndarray, frame_rate: float) -> Levels | float | None:
    """The candidate metrical levels of onset envelopes and their evidence (steps 1 and 2 of the module).

    Returns the periodicity alone (a float) when it is under :data:`STEADY_BEAT_CONFIDENCE`, and None when
    the envelopes are too short or empty; see :func:`estimate` for the arguments.

    Examples
    --------
    >>> import numpy as np
    >>> env = np.zeros(800); env[::20] = 1.0  # a click every 20 frames: 120 BPM at 40 frames a second
    >>> found = levels(env, 40.0)
    >>> 120.0 in found.bpm.round(1), found.evidence.shape[1], found.design().shape[1]
    (True, 4, 8)
    """
    onset = np.asarray(onset, dtype=np.float64)
    if onset.ndim not in (1, 2) or (onset.ndim == 2 and onset.shape[0] != 2):
        raise ValueError(f"onset must be one envelope (frames,) or two (2, frames), not of shape {onset.shape}")
    full, bass = (onset, onset) if onset.ndim == 1 else (onset[0], onset[1])
    fastest = 60.0 * frame_rate / TEMPO_RANGE[1]
    # The slowest beat the audio can show MIN_BEATS times: too little audio measures no period at all.
    slowest = min(60.0 * frame_rate / TEMPO_RANGE[0], len(full) / MIN_BEATS)
    if len(full) < 8 or slowest < fastest or not np.any(full > 0) or full.std() == 0:
        return None
    # 1. Periodicity: the combed autocorrelation over the tempo range, and the candidates it offers.
    acf = _autocorrelation(full, int(2 * slowest) + 3)
    lags = np.arange(max(1, int(np.floor(fastest))), min(int(np.ceil(slowest)), len(acf) - 1) + 1)
    if not len(lags):
        return None
    periodicity = float(np.clip(acf[lags].max(), 0.0, 1.0))
    if periodicity < STEADY_BEAT_CONFIDENCE:
        return periodicity
    candidates = np.array(_candidates(acf, lags, frame_rate, fastest, slowest))
    bass_acf = _autocorrelation(bass, int(2 * slowest) + 3) if onset.ndim == 2 else acf
    # 2. The evidence for each level: periodicity, the beat tracker's contrast, the bass's periodicity, the
    # onsets between its beats; and the music's character, which moves the prior.
    comb = _at(acf, candidates) + 0.5 * _at(acf, 2.0 * candidates)
    bpm = 60.0 * frame_rate / candidates
    beats = tuple(track_beats(full, frame_rate, b) for b in bpm)
    evidence = np.column_stack([comb / max(float(comb.max()), 1e-9), [_contrast(full, b) for b in beats],
                                _at(bass_acf, candidates) + 0.5 * _at(bass_acf, 2.0 * candidates),
                                [_subdivision(full, b) for b in beats]])
    spread = np.asarray(CHARACTER_RANGE)
    moved = np.clip(character(full, frame_rate) - np.asarray(CHARACTER_CENTRE), -spread, spread)
    return Levels(bpm, evidence, _prior(bpm), beats, periodicity, moved)


def estimate(onset: np.ndarray, frame_rate: float) -> Tempo:
    """The tempo of onset-strength envelopes (one value per analysis frame), with its confidence.

    Parameters
    ----------
    onset : ndarray
        Onset strength per frame (:func:`onset_envelopes`: all bands, then the bass bands; 2 x frames), the
        whole song or a clip. A single envelope (frames,) serves as both. Its level counts, not only its
        shape: the mean onset strength is part of the music's :func:`character`, so an envelope made by
        other means should be on :func:`onset_envelopes`' scale (a mean of about 0.01-0.1).
    frame_rate : float
        Frames per second.

    Returns
    -------
    Tempo
        ``bpm`` the mean spacing of its ``beats`` over the whole envelope (:func:`refine_tempo`);
        ``bpm`` 0 and ``confidence`` under :data:`STEADY_BEAT_CONFIDENCE` when there is no steady beat;
        ``bpm`` 0 and ``confidence`` 0 when the envelope is too short to hold :data:`MIN_BEATS` beats at
        the fastest tempo.
    """
    found = levels(onset, frame_rate)
    if found is None:
        return Tempo(0.0, 0.0, 0.0, np.zeros(0, dtype=int))
    if isinstance(found, float):
        return Tempo(0.0, found, found, np.zeros(0, dtype=int))
    scores = found.scores()
    chosen = int(np.argmax(scores))
    share = np.exp((scores - scores.max()) / LEVEL_TEMPERATURE)
    margin = float(share[chosen] / share.sum())
    # 3. Confidence: a clear pulse, clearly at this level.
    confidence = float(np.clip(found.periodicity / CLEAR_PERIODICITY, 0.0, 1.0) * margin)
    # 4. The period: the chosen level's beats, measured over the whole envelope.
    bpm, beats = refine_tempo(beat_envelope(np.asarray(onset, dtype=np.float64)), frame_rate, float(found.bpm[chosen]),
                              found.beats[chosen])
    return Tempo(float(np.clip(bpm, *TEMPO_RANGE)), confidence, found.periodicity, beats)
