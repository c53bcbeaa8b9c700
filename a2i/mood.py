"""Song and clip mood profiles: the attributes the thesis fed to its prompt writer.

How each figure is made
-----------------------
======================  ===================================================================================
valence, energy         Logistic heads fitted on a labelled set of real music (below) over vibenet's
                        256-d embedding, the time spread of one of its mid-level layers and signal features;
                        a clip's figures are pooled halfway toward its song's (:func:`pool`).
danceability,           vibenet (an EfficientNet on log-mel spectrograms, trained on Free Music Archive clips
acousticness,           with Echo Nest/Spotify labels, ONNX weights shipped in the package), averaged over the
instrumentalness,       song's 10-second clips weighted by their real length.
liveness, speechiness
tempo                   :func:`a2i.tempo.estimate` over the clips' onset envelopes, each from where it starts
                        (periodicity, then the beat tracker picks the metrical level); 0 when there is no
                        steady beat or too little audio to measure a period.
key, mode               Krumhansl-Kessler profiles against the song's mean 8192-point chromagram.
loudness                ITU-R BS.1770-4 integrated loudness (LUFS, gated; pyloudnorm), gated again over clips.
title, artist, genre    The file's tags (ID3, Vorbis comments, MP4 atoms) when present.
======================  ===================================================================================

Every clip is described from its own real samples: a short song or a short last clip is never padded with
silence. vibenet needs a 10-second window, so a shorter clip is looped to fill it. On 2-second excerpts of
the 400 clips of the development set (below), looping keeps vibenet's arousal AUC at 0.892 (valence 0.650),
cutting (feeding only the real 2 s) gives 0.882 (0.654) and zero padding 0.859 (0.603): looping is kept.

Valence and energy
------------------
The estimates are fitted, not guessed; see :mod:`a2i.mood_weights` for the data, the protocol and the
cross-validated figures, and ``benchmarks/mood_eval.py`` for the command that measures and refits them.
Each is a regularised logistic head (:func:`fuse`) over one evidence vector per clip or song
(:func:`evidence`): vibenet's embedding (the 256-wide layer before its output heads, exposed from its ONNX
graph by :mod:`a2i.vibenet_model`), the texture (how much each of 480 channels of a mid-level layer varies
over the clip's time, :func:`a2i.vibenet_model.texture`: the embedding is a mean over the whole clip and
never sees how the music moves within it) and the named signal features of :data:`EVIDENCE_FEATURES`. The valence
head also weighs each piece of evidence by the energy estimate (an interaction term), because the cues of
positive valence differ between calm and intense music. The head's logit is standardised with its spread
on the development set and mapped onto Spotify's scale with Spotify's catalogue mean and spread, shrunk by
the expected correlation (``mean + r * spread * z`` near the middle, bent smoothly into (0, 1):
:func:`to_spotify_scale`): the figures keep Spotify's meaning, and shrinking is what keeps the mean
absolute error below that of always predicting the mean. A song's figure depends on that song alone.

Examples
--------
>>> from a2i.synth import PIECES, render
>>> from a2i.audio import write
>>> import tempfile, os, warnings
>>> path = write(os.path.join(tempfile.mkdtemp(), "bright.flac"), render(PIECES["bright_major"], seconds=12))
>>> result = analyze(path)
>>> 0.0 <= result.song.valence <= 1.0 and 0.0 <= result.song.energy <= 1.0
True
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from a2i import audio as audio_io
from a2i import mood_weights
from a2i.features import LOUDNESS_FLOOR, SignalFeatures, Summary, combine, summarize
from a2i.progress import progress_bar
from a2i.tempo import UNCERTAIN_BELOW
from a2i.vibenet_model import BATCH as VIBENET_BATCH
from a2i.vibenet_model import SAMPLE_RATE as VIBENET_SR
from a2i.vibenet_model import Vibenet

ANALYSIS_SR = 22050

#: BLAS threads for the analysis's numpy work: its matrix products are small (a 64 x 1025 mel bank on a
#: 10-second clip), so a second BLAS thread only adds hand-over and spinning, several times the product's
#: own cost when the cores are shared (summarize of a clip: 30 ms with one thread, 87 ms with two, under
#: load); the network runs beside it on its own thread instead.
BLAS_THREADS = 1


@functools.cache
def _blas() -> ThreadpoolController:
    """The BLAS libraries loaded when the first :class:`Analyzer` is made (numpy's, which the analysis uses),
    found once: finding them walks every loaded library through the dynamic loader, which waits while another
    thread loads one, as the analyser's own loading thread does with onnxruntime's (the analysis's limit then
    began up to 34 ms late, three runs of ``a2i analyze``); made before that thread starts, it waits for nothing."""
    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager[Any]:
    """``with one_blas_thread():`` runs its numpy work on :data:`BLAS_THREADS` BLAS threads: the one place that
    policy is applied, by the analysis (:meth:`Analyzer.analyze`) and by the work a video adds to it (its rhythm
    and its segments' features, :func:`a2i.video.make.make_video`). Enter it before starting a thread that
    does such work and leave it after that thread is done: a product run after the limit is lifted runs on the
    full pool, whose rounding differs, so the figures would depend on timing.

    Examples
    --------
    >>> with one_blas_thread():
    ...     product = np.ones((64, 1025), np.float32) @ np.ones((1025, 3), np.float32)
    >>> float(product[0, 0])
    1025.0
    """
    return _blas().limit(limits=BLAS_THREADS, user_api="blas")


#: Batches (of :data:`a2i.vibenet_model.BATCH` clips) the network may fall behind the decoding before the
#: decoding waits: two keep both busy, and a clip waiting holds 10 s of 22.05 kHz audio (0.9 MB).
BATCHES_AHEAD = 2

MODEL_ATTRIBUTES = ("danceability", "acousticness", "instrumentalness", "liveness", "speechiness", "valence", "energy")
KEY_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def _log10(value: float) -> float:
    return float(np.log10(max(value, 1e-6)))


#: The named signal evidence beside vibenet's embedding, each read from :class:`SignalFeatures` on the
#: scale it is fitted on (log scales for the spectral measures, which span decades). The 13 MFCC means
#: (:attr:`SignalFeatures.timbre`) were evidence too until version 5: under artist-grouped cross-validation
#: the heads do as well without them (``benchmarks/mood_eval.py`` reports both), they describe the
#: recording's spectral envelope more than the music, and synthesized or unusual recordings put them
#: three and more standard deviations outside the range of real music, where a linear head extrapolates.
EVIDENCE_FEATURES: tuple[tuple[str, Callable[[SignalFeatures], float]], ...] = (
    ("loudness LUFS", lambda f: f.loudness),
    ("log spectral centroid", lambda f: _log10(f.centroid)),
    ("log spectral rolloff", lambda f: _log10(f.rolloff)),
    ("log spectral flatness", lambda f: _log10(f.flatness)),
    ("spectral flux", lambda f: f.flux),
    ("onset rate", lambda f: f.onset_rate),
    ("major-mode strength", lambda f: f.mode_strength),
    ("dynamic range dB", lambda f: f.dynamic_range),
    ("key clarity", lambda f: f.key_clarity),
    ("mode variability", lambda f: f.mode_variability),
    ("consonance", lambda f: f.consonance),
    ("chroma entropy", lambda f: f.chroma_entropy),
    ("register", lambda f: f.register),
    ("warmth", lambda f: f.warmth),
    ("pulse clarity", lambda f: f.pulse_clarity),
    ("log2 tempo", lambda f: float(np.log2(max(f.tempo, 40.0)))),
    ("major chord share", lambda f: f.major_chords),
    ("triad fit", lambda f: f.triad_fit),
    ("chord change rate", lambda f: f.chord_changes),
    ("melody register", lambda f: f.melody_register),
)

#: Spotify catalogue mean and standard deviation (Spotify Tracks Dataset, 114,000 tracks): the scale the
#: estimates are reported on.
CATALOGUE = {"valence": (0.474, 0.259), "energy": (0.641, 0.252)}

#: Spotify's key for "no key detected".
NO_KEY = -1


#: The neutral mood, the one home of "no evidence": the mean of Spotify's catalogue (Spotify Tracks Dataset,
#: 114,000 tracks) for every attribute, the scale a2i reports on. A :class:`Profile` made without figures
#: starts here, a silent clip's network attributes are these (vibenet's answer for digital silence is
#: arbitrary), and silence's valence is this valence (:data:`SILENCE`). Tempo is the catalogue's mean too;
#: key -1 is Spotify's "no key": a profile with no evidence claims none.
NEUTRAL: dict[str, float] = {
    "valence": CATALOGUE["valence"][0], "energy": CATALOGUE["energy"][0], "danceability": 0.567,
    "acousticness": 0.315, "instrumentalness": 0.156, "liveness": 0.214, "speechiness": 0.085,
    "tempo": 122.15, "key": NO_KEY, "mode": 1, "loudness": -8.26,
}

#: Version of what :func:`evidence` measures; bump it with any change to the evidence (features, embedding,
#: clip handling), which also invalidates the fitted heads in :mod:`a2i.mood_weights` and the evaluation's cache.
#: Version 6 added the texture (:func:`a2i.vibenet_model.texture`).
EVIDENCE_VERSION = 6


def evidence(embedding: np.ndarray, texture: np.ndarray, feats: SignalFeatures) -> np.ndarray:
    """The vector the valence and energy heads read: vibenet's embedding, its texture, then
    :data:`EVIDENCE_FEATURES`."""
    named = [read(feats) for _, read in EVIDENCE_FEATURES]
    return np.concatenate([np.asarray(embedding, dtype=np.float64), np.asarray(texture, dtype=np.float64),
                           np.asarray(named, dtype=np.float64)])


def head_logits(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Valence and energy logits of evidence vectors (n x d or d), with the fitted constants.

    The valence head reads the standardised evidence ``z`` plus ``z * (p - 1/2)``, ``p`` the energy head's
    probability of high arousal.
    """
    w = mood_weights
    z = (np.atleast_2d(x) - w.CENTER) / w.SCALE
    z = np.clip(z, -w.Z_LIMIT, w.Z_LIMIT)
    energy = z @ w.ENERGY_WEIGHTS + w.ENERGY_BIAS
    p = 1.0 / (1.0 + np.exp(-energy))
    valence = np.concatenate([z, z * (p[:, None] - 0.5)], axis=1) @ w.VALENCE_WEIGHTS + w.VALENCE_BIAS
    return valence, energy


def to_spotify_scale(logit: np.ndarray, target: str) -> np.ndarray:
    """A head's logit on Spotify's 0..1 scale.

    The logit is standardised (``z``, with its mean and spread on the development set) and shrunk by its
    expected correlation ``r``; the figure is ``mean + spread * r * z`` near the middle (Spotify's catalogue
    mean and spread), bent smoothly into (0, 1) by a logistic curve with that value and slope at ``z = 0``,
    so extreme evidence keeps its order instead of piling up at 0 or 1.

    Examples
    --------
    >>> from a2i import mood_weights as w
    >>> float(to_spotify_scale(np.array([w.LOGIT_MEAN["energy"]]), "energy")[0]) == CATALOGUE["energy"][0]
    True
    """
    w = mood_weights
    z = (np.asarray(logit, dtype=np.float64) - w.LOGIT_MEAN[target]) / w.LOGIT_SPREAD[target]
    mean, spread = CATALOGUE[target]
    slope = spread * w.SHRINK[target] / (mean * (1.0 - mean))
    return 1.0 / (1.0 + np.exp(-(np.log(mean / (1.0 - mean)) + slope * z)))


def even_odds() -> dict[str, float]:
    """Where each head reads even odds on Spotify's scale: :func:`to_spotify_scale` of a zero logit, for
    ``"valence"`` and ``"energy"``. The one home of the quadrant boundaries: :func:`quadrant` cuts there and
    the explorer draws its quadrant lines there.

    Examples
    --------
    >>> cut = even_odds()
    >>> 0.45 < cut["valence"] < 0.53 and 0.6 < cut["energy"] < 0.68
    True
    """
    return {target: float(to_spotify_scale(np.zeros(1), target)[0]) for target in ("valence", "energy")}


def quadrant(valence: float, energy: float) -> str:
    """The Russell quadrant the heads read for figures on Spotify's scale: "Q1" (positive valence, high arousal:
    happy, excited), "Q2" (negative, high: tense, angry), "Q3" (negative, low: sad, bored) or "Q4" (positive,
    low: calm, content), the quadrants of the 4Q set the heads were fitted on.

    A figure counts as high where its head's logit is positive (even odds on that balanced set), which on
    Spotify's scale is near the catalogue's mean, not 0.5 (:func:`even_odds`: 0.49 for valence and 0.64 for
    energy with the current heads). Cut at 0.5 instead, the development set's cross-validated
    readings (5 x 5 folds grouped by artist, the shipped penalty) put 0.666 of the songs in their labelled
    quadrant instead of 0.710: that energy cut sits 1.5 logits below even odds.

    Examples
    --------
    >>> quadrant(0.9, 0.9), quadrant(0.2, 0.9), quadrant(0.2, 0.2), quadrant(0.9, 0.2)
    ('Q1', 'Q2', 'Q3', 'Q4')
    >>> quadrant(0.55, 0.55)  # energy 0.55 is below even odds of high arousal
    'Q4'
    """
    cut = even_odds()
    positive, high = valence > cut["valence"], energy > cut["energy"]
    return ("Q1" if positive else "Q2") if high else ("Q4" if positive else "Q3")


#: Valence and energy of silence: no evidence about valence (the neutral one), no energy at all. The
#: heads were fitted on music; silence is far outside what they saw.
SILENCE = (NEUTRAL["valence"], 0.0)


def fuse(embedding: np.ndarray, texture: np.ndarray, feats: SignalFeatures) -> tuple[float, float]:
    """Valence and energy on Spotify's scale from one clip's or song's evidence (:data:`SILENCE` for silence).

    Examples
    --------
    Silence has no energy and the neutral valence:

    >>> from a2i.synth import tone
    >>> from a2i.features import describe
    >>> fuse(np.zeros(256), np.zeros(480), describe(tone(2.0, amp=0.0))) == SILENCE
    True
    """
    if feats.loudness <= LOUDNESS_FLOOR:
        return SILENCE
    valence, energy = head_logits(evidence(embedding, texture, feats))
    return float(to_spotify_scale(valence, "valence")[0]), float(to_spotify_scale(energy, "energy")[0])


#: Columns of the network's evidence (embedding, then texture) at the start of the evidence vector.
_NETWORK_SIZE = mood_weights.EMBEDDING_SIZE + mood_weights.TEXTURE_SIZE

#: Weight of a clip's own valence/energy estimate against its song's (partial pooling, see :func:`pool`).
CLIP_POOLING = 0.5


def pool(clip_value: float, song_value: float, weight: float = CLIP_POOLING) -> float:
    """Partial pooling of a clip's estimate toward its song's.

    A 10-second estimate is much noisier than a whole song's (one model call against many), and the song is
    the best prior for each of its clips, so a clip's figure is the weighted mean of both. A build-up from a
    quiet intro to a loud ending still shows; one clip that the model misreads no longer swings its picture.

    Examples
    --------
    >>> pool(0.9, 0.5)
    0.7
    """
    return float(weight * clip_value + (1.0 - weight) * song_value)


@dataclass(frozen=True)
class ClipEvidence:
    """Everything a song keeps of one clip: signal summary, vibenet's attributes, embedding and texture, its span."""

    index: int
    start: float
    end: float
    summary: Summary
    model: dict[str, float]
    embedding: np.ndarray
    texture: np.ndarray
    silent: bool = False


def _heard(items: list[Any], silent: Callable[[Any], bool]) -> list[Any]:
    """The clips that speak for a song's mood: the audible ones, or all of them when the whole song is silent."""
    return items if all(silent(item) for item in items) else [item for item in items if not silent(item)]


def song_evidence(clips: list[ClipEvidence], features: SignalFeatures | None = None
                  ) -> tuple[dict[str, float], np.ndarray, np.ndarray, SignalFeatures]:
    """A song's model attributes, embedding, texture and features from its clips, weighted by real duration.

    Silent clips (a pause, a hidden track's gap) say nothing about the mood and are left out, unless the
    whole song is silent. ``features``: the song's features when already combined from those clips'
    summaries (:meth:`Analyzer.analyze` combines them while the network finishes its last clips).
    """
    clips = _heard(clips, lambda c: c.silent)  # each keeps its start: a silent clip left out stays a gap in time
    weights = np.array([c.end - c.start for c in clips], dtype=np.float64)
    weights = weights / weights.sum() if weights.sum() > 0 else np.full(len(clips), 1.0 / len(clips))
    model = {name: float(np.dot(weights, [c.model[name] for c in clips])) for name in MODEL_ATTRIBUTES}
    embedding = weights @ np.stack([c.embedding for c in clips])
    texture = weights @ np.stack([c.texture for c in clips])
    if features is None:
        features = combine([c.summary for c in clips], starts=[c.start for c in clips])
    return model, embedding, texture, features


def indicator_values(model: Mapping[str, float], feats: SignalFeatures) -> dict[str, float]:
    """Raw value of every named piece of evidence and vibenet output, reported so the heads can be audited."""
    values = {f"vibenet {name}": round(float(model[name]), 4) for name in MODEL_ATTRIBUTES}
    for name, read in EVIDENCE_FEATURES:
        values[name] = round(float(read(feats)), 4)
    return values


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, tuple):
        return [round(v, 4) for v in value]
    return value


def _features_from_dict(data: Mapping[str, Any]) -> SignalFeatures:
    known = {f.name for f in fields(SignalFeatures)}
    return SignalFeatures(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known})


@dataclass
class Profile:
    """The Spotify-style description of a song or clip that prompts and pictures are made from.

    Floats are 0..1 where Spotify's are; ``tempo`` in BPM, ``key`` 0 (C) .. 11 (B), ``mode`` 1 major / 0
    minor, ``loudness`` in dB (LUFS). A field not given starts at the neutral mood (:data:`NEUTRAL`).
    ``tempo_confidence`` and ``key_confidence`` (0..1, ``None`` when not measured) say how sure the
    analysis is of the tempo's metrical level and of the key.
    """

    valence: float = NEUTRAL["valence"]
    energy: float = NEUTRAL["energy"]
    danceability: float = NEUTRAL["danceability"]
    acousticness: float = NEUTRAL["acousticness"]
    instrumentalness: float = NEUTRAL["instrumentalness"]
    liveness: float = NEUTRAL["liveness"]
    speechiness: float = NEUTRAL["speechiness"]
    tempo: float = NEUTRAL["tempo"]
    key: int = int(NEUTRAL["key"])
    mode: int = int(NEUTRAL["mode"])
    loudness: float = NEUTRAL["loudness"]
    tempo_confidence: float | None = None
    key_confidence: float | None = None
    title: str | None = None
    artist: str | None = None
    genre: str | None = None
    features: SignalFeatures | None = field(default=None, repr=False, compare=False)

    @property
    def key_name(self) -> str:
        """"E minor", or "no key" (Spotify's key -1: silence, nothing tonal)."""
        if int(self.key) == NO_KEY:
            return "no key"
        return f"{KEY_NAMES[int(self.key) % 12]} {'major' if self.mode else 'minor'}"

    @property
    def tempo_text(self) -> str:
        """"129 BPM"; "≈ 83 BPM, uncertain" when the analysis is unsure of the tempo (confidence under
        :data:`a2i.tempo.UNCERTAIN_BELOW`); "no steady beat" for tempo 0 (silence, drones, free time).

        Examples
        --------
        >>> Profile(tempo=129.2).tempo_text, Profile(tempo=83.0, tempo_confidence=0.3).tempo_text
        ('129 BPM', '≈ 83 BPM, uncertain')
        """
        if self.tempo <= 0:
            return "no steady beat"
        if self.tempo_confidence is not None and self.tempo_confidence < UNCERTAIN_BELOW:
            return f"≈ {self.tempo:.0f} BPM, uncertain"
        return f"{self.tempo:.0f} BPM"

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "features"}
        for name in ("valence", "energy", "danceability", "acousticness", "instrumentalness", "liveness", "speechiness"):
            out[name] = round(float(out[name]), 4)
        out["tempo"] = round(float(self.tempo), 2) if self.tempo > 0 else None
        out["loudness"] = round(float(self.loudness), 2)
        for name in ("tempo_confidence", "key_confidence"):
            out[name] = None if out[name] is None else round(float(out[name]), 4)
        out["key"], out["mode"] = (int(self.key), int(self.mode)) if int(self.key) != NO_KEY else (None, None)
        if self.features is not None:
            out["features"] = {k: _rounded(v) for k, v in asdict(self.features).items()}
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        """Build from any mapping with these keys (ours, or a Spotify row); unknown keys are ignored and
        missing or empty ones keep their neutral defaults. An explicit ``null`` tempo or key is what
        :meth:`to_dict` writes for "no steady beat" and "no key"."""
        names = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key in ("tempo", "key") and value is None:
                kwargs[key] = 0.0 if key == "tempo" else NO_KEY
                continue
            if key not in names or value is None or (isinstance(value, float) and np.isnan(value)):
                continue
            if key == "features":
                value = _features_from_dict(value) if isinstance(value, Mapping) else value
            kwargs[key] = value
        return cls(**kwargs)


@dataclass
class ClipProfile(Profile):
    """A profile of one 10-second clip; ``start``/``end`` in seconds within the song."""

    index: int = 0
    start: float = 0.0
    end: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["start"], out["end"] = round(self.start, 3), round(self.end, 3)
        return out


@dataclass
class Analysis:
    """Everything :class:`Analyzer` found in one song."""

    path: str
    song: Profile
    clips: list[ClipProfile]
    model: dict[str, float]
    indicators: dict[str, float]
    duration: float

    def to_dict(self, per_clip: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, **self.song.to_dict(), "duration": round(self.duration, 3)}
        out["quadrant"] = quadrant(self.song.valence, self.song.energy)
        out["model"] = {k: round(v, 4) for k, v in self.model.items()}
        out["indicators"] = self.indicators
        if per_clip:
            out["clips"] = [{**clip.to_dict(), "quadrant": quadrant(clip.valence, clip.energy)} for clip in self.clips]
        return out


class Analyzer:
    """Loads vibenet once and profiles songs; reuse one instance for many songs.

    Thread-safe: the ONNX session is shared, its calls serialised. The session is created on a thread of its
    own as the instance is made, so it is ready by the time the first clip is decoded; each analysis runs
    the network on a worker thread of its own call (threads do not survive a fork, so an instance copied
    into a worker process, as :mod:`a2i.batch` does, still works).
    """

    def __init__(self) -> None:
        self._net_made: Vibenet | None = None
        self._net_error: BaseException | None = None
        self._net_lock = threading.Lock()
        self._run_lock = threading.Lock()
        _blas()
        # Not a daemon: a process that ends before the session is made (a silent song needs no network) must
        # wait for it, as onnxruntime aborts the process when its constructor is cut off at exit.
        self._loading = threading.Thread(target=self._load, name="a2i-vibenet-load")
        self._loading.start()

    def _load(self) -> None:
        try:
            self._net_made = Vibenet()
        except BaseException as exc:  # raised where the network is first needed, in the caller's thread
            self._net_error = exc

    @property
    def _net(self) -> Vibenet:
        self._loading.join()
        with self._net_lock:
            if self._net_made is None:
                if self._net_error is not None:
                    raise self._net_error
                self._net_made = Vibenet()  # a forked copy whose parent was still loading
            return self._net_made

    def _run_net(self, clips: list[audio_io.Audio]) -> Any:
        """vibenet on audible clips: each resampled to 16 kHz and, when shorter than a full clip, looped to fill
        vibenet's 10-second window (see the module notes for why looping and not padding)."""
        window = int(round(audio_io.CLIP_SECONDS * VIBENET_SR))
        waves = np.stack([np.resize(audio_io.resample(clip, VIBENET_SR).samples, window) for clip in clips])
        net = self._net
        with self._run_lock:
            return net.run(waves)

    def clip_evidence(self, clips: Iterable[audio_io.Clip]) -> list[ClipEvidence]:
        """Signal summary, vibenet attributes, embedding and texture of each clip (22.05 kHz); see :meth:`_evidence`."""
        return self._evidence(clips)[0]

    def _evidence(self, clips: Iterable[audio_io.Clip]) -> tuple[list[ClipEvidence], SignalFeatures | None]:
        """Signal summary, vibenet attributes, embedding and texture of each clip (22.05 kHz).

        Each audible clip goes to vibenet (:meth:`_run_net`). A silent clip gets the attributes of
        :data:`NEUTRAL` and the development set's mean embedding and texture: the network's answer for digital
        silence is arbitrary, and silence should read as "quiet", which the features say.

        The network (with its resampling and mel front end) runs on the worker thread while this thread
        decodes and summarises the next clips (at most :data:`BATCHES_AHEAD` batches wait, which bounds
        memory), and the numpy work here uses one BLAS thread (:data:`BLAS_THREADS`). The song's features
        (:func:`a2i.features.combine` of the clips :func:`song_evidence` keeps, ``None`` for no clips) are
        combined here too, while the network finishes the last clips: the song's tempo is most of that work
        (30 ms of a 3-minute song), which otherwise waited for the network.
        """
        # Per batch: each clip's span, silence and summary (not its audio, which an hour-long file could not
        # keep), and the network's pending result for the batch's audible clips.
        batches: list[tuple[list[tuple[int, float, float, bool, Summary]], Future | None]] = []
        pending: list[tuple[audio_io.Clip, bool, Summary]] = []

        def submit() -> None:
            audible = [clip.audio for clip, silent, _ in pending if not silent]
            job = worker.submit(self._run_net, audible) if audible else None
            batches.append(([(c.index, c.start, c.end, silent, summary) for c, silent, summary in pending], job))
            pending.clear()
            waiting = [j for _, j in batches if j is not None and not j.done()]
            if len(waiting) > BATCHES_AHEAD:
                waiting[0].result()

        # The limit is entered first, so it is lifted only after the worker has run the last clips: lifted first
        # (as it was), the network's products for the clips still waiting ran on the full pool, whose rounding
        # differs (vibenet's mel front end by 2e-6), so the figures of a process that had not set one BLAS thread
        # itself (a video, the studio, a script) depended on which clips were done by then.
        with one_blas_thread(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="a2i-vibenet") as worker:
            for clip in clips:
                pending.append((clip, clip.audio.is_silent, summarize(clip.audio)))
                if len(pending) == VIBENET_BATCH:
                    submit()
            if pending:
                submit()
            heard = _heard([row for members, _ in batches for row in members], lambda row: row[3])
            song = combine([row[4] for row in heard], starts=[row[1] for row in heard]) if heard else None

        out: list[ClipEvidence] = []
        for members, job in batches:
            result = job.result() if job is not None else None
            row = 0
            for index, start, end, silent, summary in members:
                if silent:
                    model = {n: NEUTRAL[n] for n in MODEL_ATTRIBUTES}
                    embedding, texture = np.split(mood_weights.CENTER[:_NETWORK_SIZE], [mood_weights.EMBEDDING_SIZE])
                else:
                    model = {name: float(result.attributes[row, self._net.labels.index(name)]) for name in MODEL_ATTRIBUTES}
                    embedding, texture = result.embedding[row], result.texture[row]
                    row += 1
                out.append(ClipEvidence(index, start, end, summary, model, embedding, texture, silent=silent))
        return out, song

    def analyze(self, path: str | Path, *, per_clip: bool = True, progress: bool = False) -> Analysis:
        """Profile a song and (``per_clip``) each of its 10-second clips.

        The file is decoded and described clip by clip (:class:`a2i.audio.ClipStream`); only each clip's
        summary is kept, so an hour-long mix needs no more memory than a song.

        Parameters
        ----------
        path : str or Path
            Any format :func:`a2i.audio.load` reads.
        per_clip : bool
            Give each clip its own figures; otherwise each clip carries its song's figures (with its own
            span), never made-up ones.
        progress : bool
            Show a progress bar over the clips.

        Raises
        ------
        AudioError
            The file cannot be read.
        """
        stream = audio_io.ClipStream(path, sr=ANALYSIS_SR)
        # The tags are read (mutagen's import and a few reads, ~50 ms) beside the decoding, not after it.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="a2i-tags") as reader:
            tags_read = reader.submit(audio_io.read_tags, path)
            found, song = self._evidence(progress_bar(stream, enabled=progress, desc=f"Analyzing {Path(path).name}", unit="clip"))
            tags = tags_read.result()
        model, embedding, texture, feats = song_evidence(found, song)
        profile = _profile(Profile, model, embedding, texture, feats, tags)
        clip_profiles = []
        for c in found:
            if per_clip:
                clip_profile = _profile(ClipProfile, c.model, c.embedding, c.texture, c.summary.features, tags,
                                        index=c.index, start=c.start, end=c.end)
                clip_profile.valence = pool(clip_profile.valence, profile.valence)
                clip_profile.energy = pool(clip_profile.energy, profile.energy)
            else:
                clip_profile = ClipProfile(**{f.name: getattr(profile, f.name) for f in fields(Profile)},
                                           index=c.index, start=c.start, end=c.end)
            clip_profiles.append(clip_profile)
        return Analysis(str(path), profile, clip_profiles, model, indicator_values(model, feats), stream.duration)


def _profile(cls: type[Profile], model: Mapping[str, float], embedding: np.ndarray, texture: np.ndarray,
             feats: SignalFeatures, tags: Mapping[str, str | None], **extra: Any) -> Any:
    valence, energy = fuse(embedding, texture, feats)
    return cls(
        valence=valence,
        energy=energy,
        danceability=model["danceability"],
        acousticness=model["acousticness"],
        instrumentalness=model["instrumentalness"],
        liveness=model["liveness"],
        speechiness=model["speechiness"],
        tempo=feats.tempo,
        tempo_confidence=feats.tempo_confidence,
        key_confidence=feats.key_confidence if any(feats.chroma) else None,
        key=feats.key if any(feats.chroma) else NO_KEY,
        mode=feats.mode,
        loudness=feats.loudness,
        title=tags.get("title"),
        artist=tags.get("artist"),
        genre=tags.get("genre"),
        features=feats,
        **extra,
    )

_DEFAULT: Analyzer | None = None
_DEFAULT_LOCK = threading.Lock()


def default_analyzer() -> Analyzer:
    """A process-wide :class:`Analyzer`, loaded on first use."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = Analyzer()
        return _DEFAULT


def analyze(path: str | Path, **kwargs: Any) -> Analysis:
    """:meth:`Analyzer.analyze` with the shared default analyzer."""
    return default_analyzer().analyze(path, **kwargs)


def format_table(result: Analysis, *, per_clip: bool = False) -> str:
    """A human-readable summary for the terminal."""
    s = result.song
    name = " - ".join(x for x in (s.artist, s.title) if x) or Path(result.path).name
    lines = [
        f"{name}  ({result.path}, {result.duration:.1f} s)",
        f"  valence {s.valence:.2f}   energy {s.energy:.2f}   danceability {s.danceability:.2f}   "
        f"acousticness {s.acousticness:.2f}",
        f"  instrumentalness {s.instrumentalness:.2f}   liveness {s.liveness:.2f}   speechiness {s.speechiness:.2f}",
        f"  tempo {s.tempo_text}   key {s.key_name}   loudness {s.loudness:.1f} dB" + (f"   genre {s.genre}" if s.genre else ""),
    ]
    if per_clip:
        lines.append("  clip   start    end  valence  energy  tempo  key")
        for c in result.clips:
            lines.append(f"  {c.index:>4} {c.start:7.1f} {c.end:6.1f}  {c.valence:7.2f} {c.energy:7.2f} {c.tempo:6.1f}  {c.key_name}")
    return "\n".join(lines)
