"""One recording, several track ids: find them, so none is both trained on and tested on.

Spotify lists the same recording under several ids (the single, the album, a compilation, a regional
release). They get the same YouTube query, so the same audio is downloaded for each; split by id, one copy
lands in train and another in test and the test score measures memory. Two checks find them:

- before download, by metadata (:func:`metadata_groups`): the normalised artists + title (case, accents,
  punctuation, "feat." credits and remaster/remix-year suffixes removed), and the ISRC where the table has
  one (an ISRC names a recording, whatever its release);
- after download, by the audio itself (:func:`audio_fingerprint`, :func:`audio_groups`): a chroma
  fingerprint of the decoded audio, which re-encoding (mp3, AAC, another bitrate), a gain change or a
  little silence at either end barely moves, compared between tracks of about the same duration.

``a2i dataset clean`` keeps one row per metadata group (the most popular, with every genre of the group);
``a2i dataset split`` puts every group, metadata or audio, in one split.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

#: Fingerprint sample rate: chroma needs pitches up to ~4 kHz; 11,025 Hz decodes fast.
FINGERPRINT_SR = 11_025
#: STFT size and hop at that rate: 0.37 s windows every 0.19 s, coarse enough to ignore codec detail.
FINGERPRINT_N_FFT, FINGERPRINT_HOP = 4096, 2048
#: Seconds of chroma averaged into one fingerprint step (a 3-minute song: 360 steps of 12 values).
STEP_S = 0.5
#: Largest offset (s) searched between two copies: a release may add or trim a few seconds of silence.
MAX_SHIFT_S = 3.0
#: Largest duration difference (s) of two copies of one recording (re-encoding pads by milliseconds).
MAX_DURATION_GAP_S = 3.0
#: Smallest correlation of two fingerprints taken for one recording. Copies (FLAC, 96 kbit/s mp3, louder
#: with leading silence) measured >= 0.98 and three unrelated pieces <= 0.21
#: (tests/dataset/test_dataset_duplicates.py prints them).
MIN_CORRELATION = 0.9

_FEAT = re.compile(r"[\(\[]\s*(feat\.?|ft\.?|featuring|with)\s[^\)\]]*[\)\]]|\s(feat\.?|ft\.?|featuring)\s.*$")
#: Release suffixes of one recording (a remaster, the single/album version); a remix, an edit or a live take is
#: another recording and keeps its suffix.
_SUFFIX = re.compile(r"\s-\s.*\b(remaster(ed)?|single version|album version|mono|stereo)\b.*$"
                     r"|[\(\[][^\)\]]*\b(remaster(ed)?|single version|album version)\b[^\)\]]*[\)\]]")


def normalise_text(text: str) -> str:
    """Case, accents and punctuation removed, spaces collapsed.

    Examples
    --------
    >>> normalise_text("  Beyoncé — HALO! ")
    'beyonce halo'
    """
    return _normalise(_series([text]))[0]


def recording_key(title: str, artists: Sequence[str]) -> str:
    """A key equal for the releases of one recording: sorted normalised artists | normalised bare title.

    Examples
    --------
    >>> recording_key("Halo - 2011 Remaster", ["Beyoncé"]) == recording_key("Halo (feat. X)", ["beyonce"])
    True
    >>> recording_key("Halo", ["Beyoncé"]) == recording_key("Halo", ["Other Artist"])
    False
    """
    return recording_keys([title], [artists])[0]


def recording_keys(titles: Sequence[str], artists: Sequence[Sequence[str]]) -> list[str]:
    """:func:`recording_key` of many rows at once (vectorised: 100,000 rows in about a second)."""
    bare = _series(titles).str.casefold().str.replace(_FEAT, "", regex=True).str.replace(_SUFFIX, "", regex=True)
    names = _series([list(a) or [""] for a in artists]).explode()
    per_row: list[set[str]] = [set() for _ in range(len(titles))]
    for row, name in zip(names.index.tolist(), _normalise(names).tolist()):
        if name:
            per_row[row].add(name)
    return ["|".join(sorted(n)) + "||" + t for n, t in zip(per_row, _normalise(bare).tolist())]


def _series(values, index=None):
    import pandas as pd

    return pd.Series(list(values), index=index, dtype=object)


def _normalise(series):
    text = series.astype(str).str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    return text.str.casefold().str.replace(r"[^0-9a-z]+", " ", regex=True).str.strip()


class _Groups:
    """Union-find over row indices (plain lists: numpy scalars are slow one at a time)."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def union_equal(self, keys: Sequence[object]) -> None:
        first: dict[object, int] = {}
        for i, key in enumerate(keys):
            if key is None or key == "":
                continue
            j = first.setdefault(key, i)
            if j != i:
                self.union(j, i)

    def labels(self) -> np.ndarray:
        """Each row's group, numbered by the group's first row."""
        return np.array([self.find(i) for i in range(len(self.parent))], dtype=np.int64)


def metadata_groups(titles: Sequence[str], artists: Sequence[Sequence[str]],
                    isrcs: Sequence[str | None] | None = None) -> np.ndarray:
    """The group of each row (the index of its group's first row): same recording key, or same ISRC.

    Examples
    --------
    >>> metadata_groups(["Halo", "Halo - Remastered", "Rain"], [["A"], ["a"], ["A"]], ["X1", None, "X1"]).tolist()
    [0, 0, 0]
    """
    groups = _Groups(len(titles))
    groups.union_equal(recording_keys(titles, artists))
    if isrcs is not None:
        keys = _normalise(_series([i if isinstance(i, str) else "" for i in isrcs])).tolist()
        groups.union_equal([k or None for k in keys])
    return groups.labels()


def audio_fingerprint(samples: np.ndarray, sr: int) -> tuple[float, np.ndarray]:
    """(duration in seconds, chroma sequence (steps, 12) float32): the fingerprint of decoded mono audio.

    Chroma (energy per pitch class) averaged over :data:`STEP_S`-second steps, each step normalised to unit
    energy, so loudness and codec level do not count; re-encoding barely moves pitch-class energy.
    :func:`fingerprint_file` decodes a file first.
    """
    import librosa

    samples = np.asarray(samples, dtype=np.float32)
    if sr != FINGERPRINT_SR:
        samples = librosa.resample(samples, orig_sr=sr, target_sr=FINGERPRINT_SR)
    duration = len(samples) / FINGERPRINT_SR
    if len(samples) < FINGERPRINT_N_FFT:
        samples = np.pad(samples, (0, FINGERPRINT_N_FFT - len(samples)))
    chroma = librosa.feature.chroma_stft(y=samples, sr=FINGERPRINT_SR, n_fft=FINGERPRINT_N_FFT,
                                         hop_length=FINGERPRINT_HOP, norm=None, tuning=0.0)  # (12, frames)
    per_step = max(1, round(STEP_S * FINGERPRINT_SR / FINGERPRINT_HOP))
    n = max(1, chroma.shape[1] // per_step)
    steps = chroma[:, :n * per_step].reshape(12, n, per_step).mean(2).T if chroma.shape[1] >= per_step \
        else chroma.mean(1, keepdims=True).T
    steps = steps / (np.linalg.norm(steps, axis=1, keepdims=True) + 1e-9)
    return duration, steps.astype(np.float32)


def fingerprint_file(path: str | Path) -> tuple[float, np.ndarray]:
    """:func:`audio_fingerprint` of an audio file (anything :func:`a2i.audio.load` decodes)."""
    from a2i.audio import load

    audio = load(path, sr=FINGERPRINT_SR)
    return audio_fingerprint(audio.samples, audio.sr)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    x, y = a.ravel() - a.mean(), b.ravel() - b.mean()
    return float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y) + 1e-9))


def similarity(a: np.ndarray, b: np.ndarray, *, max_shift_s: float = MAX_SHIFT_S) -> float:
    """The best correlation of two chroma sequences over offsets up to ``max_shift_s`` (overlaps only).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((40, 12))
    >>> round(similarity(x, x[3:]), 3), similarity(x, rng.random((40, 12))) < 0.3
    (1.0, True)
    """
    best = -1.0
    lags = int(round(max_shift_s / STEP_S))
    for lag in range(-lags, lags + 1):
        x, y = (a[lag:], b) if lag >= 0 else (a, b[-lag:])
        n = min(len(x), len(y))
        if n >= max(1, min(len(a), len(b)) // 2):
            best = max(best, _correlation(x[:n], y[:n]))
    return best


def audio_groups(fingerprints: Sequence[tuple[float, np.ndarray] | None], *,
                 max_gap_s: float = MAX_DURATION_GAP_S, min_correlation: float = MIN_CORRELATION) -> np.ndarray:
    """The group of each row by audio: fingerprints correlating ≥ ``min_correlation`` (at their best offset)
    between tracks whose durations differ by ≤ ``max_gap_s``. Rows without a fingerprint (``None``) are
    their own group.

    Tracks are sorted by duration and each is compared only with the following ones within the gap, first by
    their mean chroma (one dot product), then, for the few that pass, at every offset.
    """
    groups = _Groups(len(fingerprints))
    have = [i for i, f in enumerate(fingerprints) if f is not None]
    order = sorted(have, key=lambda i: fingerprints[i][0])
    durations = np.array([fingerprints[i][0] for i in order])
    means = np.stack([fingerprints[i][1].mean(0) for i in order]) if order else np.zeros((0, 12))
    means = means - means.mean(1, keepdims=True)
    means /= np.linalg.norm(means, axis=1, keepdims=True) + 1e-9
    for pos, i in enumerate(order):
        stop = np.searchsorted(durations, durations[pos] + max_gap_s, side="right")
        near = pos + 1 + np.flatnonzero(means[pos + 1:stop] @ means[pos] >= min_correlation)
        for q in near.tolist():
            j = order[q]
            if similarity(fingerprints[i][1], fingerprints[j][1]) >= min_correlation:
                groups.union(i, j)
    return groups.labels()


def combine(*labels: np.ndarray) -> np.ndarray:
    """Groups joined: two rows are one group when any of ``labels`` puts them together."""
    groups = _Groups(len(labels[0]))
    for label in labels:
        groups.union_equal(label.tolist())
    return groups.labels()
