"""Song and clip mood profiles: the attributes the thesis fed to its prompt writer.

How each figure is made
-----------------------
======================  ===================================================================================
valence, energy         Fusion of the pretrained vibenet model with signal features (below); a clip's
                        figures are pooled halfway toward its song's (:func:`pool`).
danceability,           vibenet (an EfficientNet on log-mel spectrograms, trained on Free Music Archive clips
acousticness,           with Echo Nest/Spotify labels, ONNX weights shipped in the package), averaged over the
instrumentalness,       song's 10-second clips weighted by their unpadded length.
liveness, speechiness
tempo                   Autocorrelation of the mel spectral-flux onset envelope with a log-normal prior at
                        120 BPM (:func:`a2i.features.estimate_tempo`).
key, mode               Krumhansl-Kessler profiles against an 8192-point chromagram.
loudness                ITU-R BS.1770-4 integrated loudness (LUFS, gated; pyloudnorm). Spotify's own figure
                        is on the same dB scale.
title, artist, genre    The file's tags (ID3, Vorbis comments, MP4 atoms) when present.
======================  ===================================================================================

Valence and energy fusion
-------------------------
vibenet alone correlates only about 0.58 (valence) and 0.54 (energy) with Spotify's labels on short clips,
and its outputs sit on its training set's (Free Music Archive) scale, not Spotify's. Signal features carry
independent evidence: Spotify describes energy as "perceived loudness, timbre, onset rate, dynamic range and
general entropy", and across Spotify's catalogue energy correlates 0.76 with loudness and -0.73 with
acousticness; valence correlates 0.48 with danceability and 0.28 with loudness.

Each indicator ``i`` is standardised with its typical mean and spread on commercial music,
``z_i = s_i (x_i - m_i) / d_i`` (``s_i`` = +1 or -1), and given a *validity* ``r_i``, its expected correlation with
the target. Under the one-factor model (``z_i = r_i T + e_i`` with independent errors, the classical model
of several noisy measurements of one latent trait) the best linear combination weights each indicator by
``w_i = r_i / (1 - r_i^2)``; with ``S = sum r_i^2 / (1 - r_i^2)`` the composite ``C = sum w_i z_i`` gives the
posterior mean of the standardised target ``E[T | C] = C / (1 + S)`` and an expected correlation of
``sqrt(S / (1 + S))``. The estimate is mapped onto Spotify's scale with Spotify's catalogue mean and spread
(valence 0.474 +- 0.259, energy 0.641 +- 0.252) and clipped to [0, 1]. Shrinking toward the catalogue mean by
``1 / (1 + S)`` is what keeps the mean absolute error below that of always predicting the mean.

No constant below was fitted to labels: the means and spreads are typical values of each measure on
commercial music, and the validities are the published correlations above (discounted for measurement
error) or, for vibenet, the figures measured on real clips. They are listed in :data:`ENERGY_INDICATORS` and
:data:`VALENCE_INDICATORS`, and ``a2i analyze --json`` reports every indicator's raw value, so the
combination can be re-weighted when a labelled set is at hand.

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

import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from a2i import audio as audio_io
from a2i.errors import AudioError
from a2i.features import SignalFeatures, describe, spectrogram
from a2i.progress import progress_bar

ANALYSIS_SR = 22050
VIBENET_SR = 16000
MODEL_ATTRIBUTES = ("danceability", "acousticness", "instrumentalness", "liveness", "speechiness", "valence", "energy")
KEY_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


@dataclass(frozen=True)
class Indicator:
    """One piece of evidence about valence or energy: how to read it, its typical scale, its validity."""

    name: str
    read: Callable[[Mapping[str, float], SignalFeatures], float]
    mean: float
    spread: float
    validity: float
    sign: float = 1.0

    @property
    def weight(self) -> float:
        return self.validity / (1.0 - self.validity**2)

    def z(self, model: Mapping[str, float], feats: SignalFeatures) -> float:
        return self.sign * (self.read(model, feats) - self.mean) / self.spread


def _log10(value: float) -> float:
    return float(np.log10(max(value, 1e-6)))


ENERGY_INDICATORS: tuple[Indicator, ...] = (
    Indicator("vibenet energy", lambda m, f: m["energy"], 0.50, 0.28, 0.55),
    Indicator("loudness LUFS", lambda m, f: f.loudness, -11.0, 5.0, 0.70),
    Indicator("vibenet acousticness", lambda m, f: m["acousticness"], 0.45, 0.30, 0.45, sign=-1.0),
    Indicator("log spectral centroid", lambda m, f: _log10(f.centroid), 3.25, 0.15, 0.40),
    Indicator("log spectral flatness", lambda m, f: _log10(f.flatness), -2.0, 0.45, 0.35),
    Indicator("onset rate", lambda m, f: f.onset_rate, 3.5, 1.2, 0.25),
    Indicator("dynamic range dB", lambda m, f: f.dynamic_range, 8.0, 3.0, 0.25, sign=-1.0),
)

VALENCE_INDICATORS: tuple[Indicator, ...] = (
    Indicator("vibenet valence", lambda m, f: m["valence"], 0.42, 0.16, 0.58),
    Indicator("vibenet danceability", lambda m, f: m["danceability"], 0.55, 0.15, 0.30),
    Indicator("loudness LUFS", lambda m, f: f.loudness, -11.0, 5.0, 0.25),
    Indicator("vibenet instrumentalness", lambda m, f: m["instrumentalness"], 0.50, 0.30, 0.20, sign=-1.0),
    Indicator("major-mode strength", lambda m, f: f.mode_strength, 0.0, 0.15, 0.15),
)

#: Model output that carries no evidence: each fusion indicator's typical value (used for silent clips).
NEUTRAL_MODEL_OUTPUT = {
    "valence": 0.42, "energy": 0.50, "danceability": 0.55, "acousticness": 0.45, "instrumentalness": 0.50,
    "liveness": 0.20, "speechiness": 0.05,
}

#: Spotify catalogue mean and standard deviation (Spotify Tracks Dataset, 114,000 tracks).
CATALOGUE = {"valence": (0.474, 0.259), "energy": (0.641, 0.252)}


def fuse(indicators: tuple[Indicator, ...], target: str, model: Mapping[str, float], feats: SignalFeatures) -> float:
    """Posterior-mean estimate of ``target`` on Spotify's scale from standardised indicators.

    Examples
    --------
    A song at every indicator's typical value gets the catalogue mean:

    >>> from a2i.features import SignalFeatures
    >>> f = SignalFeatures(loudness=-11.0, centroid=10**3.25, rolloff=3000.0, flatness=0.01, flux=1.1,
    ...                    onset_rate=3.5, tempo=120.0, key=0, mode=1, mode_strength=0.0, dynamic_range=8.0)
    >>> m = {"energy": 0.5, "acousticness": 0.45, "valence": 0.42, "danceability": 0.55, "instrumentalness": 0.5}
    >>> round(fuse(ENERGY_INDICATORS, "energy", m, f), 3)
    0.641
    """
    zs = np.clip([ind.z(model, feats) for ind in indicators], -4.0, 4.0)
    weights = np.array([ind.weight for ind in indicators])
    s = float(np.sum(weights * np.array([ind.validity for ind in indicators])))
    posterior = float(np.dot(weights, zs)) / (1.0 + s)
    mean, spread = CATALOGUE[target]
    return float(np.clip(mean + spread * posterior, 0.0, 1.0))


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


def indicator_values(model: Mapping[str, float], feats: SignalFeatures) -> dict[str, float]:
    """Raw value of every fusion indicator, reported so the weighting can be audited or refitted."""
    values = {}
    for ind in ENERGY_INDICATORS + VALENCE_INDICATORS:
        values[ind.name] = round(float(ind.read(model, feats)), 4)
    return values


@dataclass
class Profile:
    """The Spotify-style description of a song or clip that prompts and pictures are made from.

    Floats are 0..1 where Spotify's are; ``tempo`` in BPM, ``key`` 0 (C) .. 11 (B), ``mode`` 1 major / 0
    minor, ``loudness`` in dB (LUFS).
    """

    valence: float = 0.5
    energy: float = 0.5
    danceability: float = 0.5
    acousticness: float = 0.5
    instrumentalness: float = 0.5
    liveness: float = 0.2
    speechiness: float = 0.05
    tempo: float = 120.0
    key: int = 0
    mode: int = 1
    loudness: float = -10.0
    title: str | None = None
    artist: str | None = None
    genre: str | None = None
    features: SignalFeatures | None = field(default=None, repr=False, compare=False)

    @property
    def key_name(self) -> str:
        return f"{KEY_NAMES[int(self.key) % 12]} {'major' if self.mode else 'minor'}"

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "features"}
        for name in ("valence", "energy", "danceability", "acousticness", "instrumentalness", "liveness", "speechiness"):
            out[name] = round(float(out[name]), 4)
        out["tempo"], out["loudness"] = round(float(self.tempo), 2), round(float(self.loudness), 2)
        out["key"], out["mode"] = int(self.key), int(self.mode)
        if self.features is not None:
            out["features"] = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self.features).items()}
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        """Build from any mapping with these keys (ours, or a Spotify row); unknown keys are ignored and
        missing or empty ones keep their neutral defaults."""
        names = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key not in names or value is None or (isinstance(value, float) and np.isnan(value)):
                continue
            if key == "features":
                value = SignalFeatures(**value) if isinstance(value, Mapping) else value
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
        out["model"] = {k: round(v, 4) for k, v in self.model.items()}
        out["indicators"] = self.indicators
        if per_clip:
            out["clips"] = [clip.to_dict() for clip in self.clips]
        return out


class Analyzer:
    """Loads vibenet once and profiles songs; reuse one instance for many songs.

    Thread-safe: the ONNX session is shared, its calls serialised.
    """

    def __init__(self) -> None:
        audio_io.quiet_pydub()  # before vibenet imports it
        from vibenet import load_model

        self._model = load_model()
        self._lock = threading.Lock()

    def predict_clips(self, clips: list[np.ndarray]) -> list[dict[str, float]]:
        """vibenet's seven attributes for each 16 kHz clip.

        A silent clip gets the neutral value of every attribute instead: the network's answer for digital
        silence is arbitrary, and silence should read as "quiet", which loudness alone then says.
        """
        rows: list[dict[str, float]] = []
        for clip in clips:
            if len(clip) == 0 or float(np.max(np.abs(clip))) < audio_io.SILENCE_PEAK:
                rows.append(dict(NEUTRAL_MODEL_OUTPUT))
                continue
            with self._lock:
                result = self._model.predict([clip], sr=VIBENET_SR)[0]
            rows.append({name: float(getattr(result, name)) for name in MODEL_ATTRIBUTES})
        return rows

    def analyze(self, path: str | Path, *, per_clip: bool = True, progress: bool = False) -> Analysis:
        """Profile a song and (``per_clip``) each of its 10-second clips.

        Parameters
        ----------
        path : str or Path
            Any format :func:`a2i.audio.load` reads.
        per_clip : bool
            Also fuse valence/energy per clip (the model runs on every clip either way: the song's figures
            are the clips' weighted mean).
        progress : bool
            Show a progress bar over the clips.

        Raises
        ------
        AudioError
            The file cannot be read.
        """
        song = audio_io.load(path, sr=ANALYSIS_SR)
        tags = audio_io.read_tags(path)
        clips = audio_io.split_clips(song, mode="all")
        song16 = audio_io.resample(song, VIBENET_SR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", audio_io.AudioWarning)  # already warned for this song just above
            clips16 = audio_io.split_clips(song16, mode="all")
        if len(clips16) != len(clips):  # pragma: no cover - both cut at the same boundaries in seconds
            raise AudioError(f"{path}: internal clip mismatch after resampling")

        iterator = progress_bar(range(len(clips)), enabled=progress and len(clips) > 1,
                                desc=f"Analyzing {Path(path).name}", unit="clip")
        spec = spectrogram(song)
        model_rows, clip_profiles = [], []
        for i in iterator:
            row = self.predict_clips([clips16[i].audio.samples])[0]
            model_rows.append(row)
            if per_clip:
                clip = clips[i]
                feats = describe(clip.audio, spec.slice_seconds(clip.start, clip.start + audio_io.CLIP_SECONDS))
                clip_profiles.append(_profile(ClipProfile, row, feats, tags, index=i, start=clip.start, end=clip.end))
        lengths = np.array([c.end - c.start for c in clips])
        model = {name: float(np.average([r[name] for r in model_rows], weights=lengths)) for name in MODEL_ATTRIBUTES}
        feats = describe(song, spec)
        profile = _profile(Profile, model, feats, tags)
        if per_clip:
            for clip_profile in clip_profiles:
                clip_profile.valence = pool(clip_profile.valence, profile.valence)
                clip_profile.energy = pool(clip_profile.energy, profile.energy)
        else:
            clip_profiles = [ClipProfile(index=c.index, start=c.start, end=c.end) for c in clips]
        return Analysis(str(path), profile, clip_profiles, model, indicator_values(model, feats), song.duration)


def _profile(cls: type[Profile], model: Mapping[str, float], feats: SignalFeatures, tags: Mapping[str, str | None], **extra: Any) -> Any:
    return cls(
        valence=fuse(VALENCE_INDICATORS, "valence", model, feats),
        energy=fuse(ENERGY_INDICATORS, "energy", model, feats),
        danceability=model["danceability"],
        acousticness=model["acousticness"],
        instrumentalness=model["instrumentalness"],
        liveness=model["liveness"],
        speechiness=model["speechiness"],
        tempo=feats.tempo,
        key=feats.key,
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
        f"  tempo {s.tempo:.1f} BPM   key {s.key_name}   loudness {s.loudness:.1f} dB" + (f"   genre {s.genre}" if s.genre else ""),
    ]
    if per_clip:
        lines.append("  clip   start    end  valence  energy  tempo  key")
        for c in result.clips:
            lines.append(f"  {c.index:>4} {c.start:7.1f} {c.end:6.1f}  {c.valence:7.2f} {c.energy:7.2f} {c.tempo:6.1f}  {c.key_name}")
    return "\n".join(lines)
