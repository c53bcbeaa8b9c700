"""How well valence and energy hold up on real music with emotion labels; refits the heads.

The data is the 4Q music-emotion set (Panda, Malheiro & Paiva, IEEE Trans. Affective Computing 2018): real
30-second excerpts with Russell-quadrant labels, laid out as ``DIR/labels.csv`` (``song``, ``quadrant``,
``valence_positive``, ``arousal_high``...) and ``DIR/audio/<song>.mp3``. It is not part of a2i: pass its path.

Reported, for vibenet's raw outputs (the baseline) and for a2i's heads under repeated cross-validation
grouped by artist (an artist's songs all in one fold, folds balanced by quadrant; each fold's heads fitted on
the other folds only), as the mean, its spread over the test folds and the largest spread of the repeats' means:

- valence ROC AUC (positive vs negative valence) and arousal ROC AUC (energy for high vs low arousal);
- valence AUC within calm songs (Q4 vs Q3) and within intense songs (Q1 vs Q2);
- quadrant accuracy (the sign of each head's logit; vibenet's raw outputs split at their median).

The penalty and the network evidence's weight are hyper-parameters: the SUMMARY line is the *nested* figure,
where each outer training set chooses them by its own inner grouped cross-validation (:data:`C_GRID` x
:data:`EMBEDDING_WEIGHTS`, the one-standard-error rule on the four goal figures, :data:`GOALS`) and never sees its test
fold; the grid's rows beside it are ordinary cross-validation, for comparison. The shipped heads use the
grid point that the same rule picks on the whole set. The evidence of version 5 (without the texture,
:func:`a2i.vibenet_model.texture`) is scored by the same nested procedure beside it, for comparison.

Every clip is analysed by a2i's own code (:meth:`a2i.mood.Analyzer.clip_evidence`, the song's evidence
combined from its 10-second clips as for any song) once; the evidence is cached in ``--cache`` (outside
the repository) under :data:`a2i.mood.EVIDENCE_VERSION` and a fingerprint of the code that computed it
(:func:`code_fingerprint`), so refits take seconds and a figure is never read from an older analysis's evidence.

    python benchmarks/mood_eval.py --data DIR
    python benchmarks/mood_eval.py --data DIR --write-weights a2i/mood_weights.py

``--write-weights`` refits the heads on the whole set with the chosen regularisation and writes the
constants module with the cross-validated figures in its docstring. It stores only fitted coefficients
and the evidence's mean and spread, nothing of any single clip.
"""

from __future__ import annotations

import os
import textwrap

# One BLAS thread: the fits are many small solves, which threads only slow down on a shared machine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import hashlib  # noqa: E402
import importlib  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy.stats import rankdata  # noqa: E402

from a2i import audio as audio_io  # noqa: E402
from a2i import mood, vibenet_model  # noqa: E402
from a2i.features import combine, summarize  # noqa: E402
from a2i.mood import EVIDENCE_FEATURES, MODEL_ATTRIBUTES  # noqa: E402
from a2i.progress import progress_bar  # noqa: E402

#: L2 penalties (sklearn's C: the inverse of the penalty on the summed log-loss) tried for the heads. 0.01 was
#: in the grid up to evidence version 4 and never chosen (0.832 / 0.704 valence / calm valence against 0.844
#: / 0.730 at 0.05), so it is left out to keep the nested search affordable.
C_GRID = (0.05, 0.1)

#: Spreads the network evidence's standardised columns (embedding and texture) are scaled to (:func:`fit_heads`):
#: under one L2 penalty a smaller spread regularises its 736 correlated columns more strongly than the few named
#: features. Evidence version 5 (256 embedding columns) used (0.3, 0.5, 1.0) (:data:`V5_EMBEDDING_WEIGHTS`); these are
#: those times sqrt(256 / 736), rounded, which keeps the block's summed variance where it was.
EMBEDDING_WEIGHTS = (0.2, 0.3, 0.6)

#: The grid of evidence version 5 (embedding and named features, no texture), for its comparison row.
V5_EMBEDDING_WEIGHTS = (0.3, 0.5, 1.0)

#: The figures whose mean chooses the hyper-parameters, the four the issue sets goals for (valence,
#: arousal and calm-song valence AUC, quadrant accuracy). Hyper-parameters are chosen by the one-standard-
#: error rule (Breiman et al. 1984; Hastie, Tibshirani & Friedman, ch. 7.10): the most regularised grid point
#: (smallest embedding weight, then smallest C) whose mean is within one standard error of the best, since
#: points closer than that cannot be told apart on 400 songs, and a head that leans less on the embedding
#: keeps the named cues' say (loudness for energy) and extrapolates less on recordings unlike the set.
GOALS = ("valence AUC", "arousal AUC", "valence AUC calm", "quadrant accuracy")

#: Folds of the inner cross-validation that chooses the hyper-parameters inside each outer training set.
INNER_FOLDS = 4

#: Columns of the network's evidence (embedding, then texture) at the start of the evidence vector.
NETWORK = vibenet_model.EMBEDDING_SIZE + vibenet_model.TEXTURE_SIZE

#: Standardised evidence is clipped at three standard deviations, the range real music spans: beyond it a
#: measurement is out of the set's range (synthesized music, test tones) and counts no more. CV figures move
#: by under 0.01 against a limit of 5; the synthesized songs' valence ordering improves.
Z_LIMIT = 3.0


@dataclass
class Dataset:
    """Song evidence (n x d: embedding, texture, named features), vibenet's raw song attributes (n x 7) and
    the labels."""

    songs: list[str]
    x: np.ndarray
    raw: np.ndarray
    valence: np.ndarray
    arousal: np.ndarray
    quadrant: np.ndarray
    artist: np.ndarray


#: Version of vibenet's cached per-song outputs (embedding, texture and raw attributes): they depend only on the
#: network and on how a song is cut into clips, so a change to the signal features does not rerun vibenet.
VIBENET_CACHE_VERSION = 2

#: The a2i modules whose code the cached evidence comes from: the signal features (decoding, clips, spectra,
#: tempo, loudness, the named evidence's readers) and vibenet's outputs (decoding, clips, resampling, its mel
#: front end). A change to any of them, even to a comment, makes a new cache folder: a tempo change once left
#: the benchmark reading features of the code before it, under an unchanged evidence version.
FEATURE_SOURCES = ("audio", "decoding", "features", "loudness", "melscale", "tempo", "mood")
VIBENET_SOURCES = ("audio", "decoding", "vibenet_model")


def code_fingerprint(modules: tuple[str, ...]) -> str:
    """The first 10 hex digits of the SHA-256 of the source files of ``a2i.<module>`` for each of ``modules``."""
    digest = hashlib.sha256()
    for name in modules:
        digest.update(Path(importlib.import_module(f"a2i.{name}").__file__).read_bytes())
    return digest.hexdigest()[:10]


def _atomic_savez(path: Path, **arrays: np.ndarray) -> None:
    tmp = path.with_name(f".{path.name}")
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
    os.replace(tmp, path)


def load_dataset(data: Path, cache: Path) -> Dataset:
    """Analyse every clip once (cached) and return the evidence with the labels.

    vibenet's outputs are cached apart from the signal features (under :data:`VIBENET_CACHE_VERSION` and
    :data:`a2i.mood.EVIDENCE_VERSION`, each with the fingerprint of its code, :func:`code_fingerprint`), so new
    features cost a decode and the features, not the network.
    """
    rows = list(csv.DictReader(open(data / "labels.csv", newline="")))
    nets = cache / f"vibenet-v{VIBENET_CACHE_VERSION}-{code_fingerprint(VIBENET_SOURCES)}"
    feats_dir = cache / f"features-v{mood.EVIDENCE_VERSION}-{code_fingerprint(FEATURE_SOURCES)}"
    nets.mkdir(parents=True, exist_ok=True)
    feats_dir.mkdir(parents=True, exist_ok=True)
    analyzer = None
    todo = [r for r in rows if not (nets / f"{r['song']}.npz").exists() or not (feats_dir / f"{r['song']}.npy").exists()]
    for r in progress_bar(todo, desc="Analysing clips", unit="clip", enabled=bool(todo)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", audio_io.AudioWarning)
            song = audio_io.load(data / "audio" / f"{r['song']}.mp3", sr=mood.ANALYSIS_SR)
        clips = audio_io.split_clips(song, mode="all")
        if not (nets / f"{r['song']}.npz").exists():
            analyzer = analyzer or mood.Analyzer()
            found = analyzer.clip_evidence(clips)
            model, embedding, texture, feats = mood.song_evidence(found)
            _atomic_savez(nets / f"{r['song']}.npz", embedding=embedding, texture=texture,
                          raw=np.array([model[n] for n in MODEL_ATTRIBUTES]))
        else:
            feats = combine([summarize(c.audio) for c in clips])
        tmp = feats_dir / f".{r['song']}.npy"
        with open(tmp, "wb") as f:
            np.save(f, np.array([read(feats) for _, read in EVIDENCE_FEATURES], dtype=np.float64))
        os.replace(tmp, feats_dir / f"{r['song']}.npy")
    xs, raws = [], []
    for r in rows:
        with np.load(nets / f"{r['song']}.npz") as z:
            xs.append(np.concatenate([z["embedding"], z["texture"], np.load(feats_dir / f"{r['song']}.npy")]))
            raws.append(z["raw"])
    return Dataset(
        songs=[r["song"] for r in rows],
        x=np.array(xs),
        raw=np.array(raws),
        valence=np.array([int(r["valence_positive"]) for r in rows]),
        arousal=np.array([int(r["arousal_high"]) for r in rows]),
        quadrant=np.array([r["quadrant"] for r in rows]),
        artist=np.array([r["artist"] for r in rows]),
    )


#: The short-excerpt check: this long, from this far into each clip (the length of a short last clip).
EXCERPT_SECONDS = 2.0
EXCERPT_START = 5.0


def excerpt_check(d: Dataset, data: Path, cache: Path) -> list[str]:
    """vibenet's raw AUCs on 2-second excerpts fed as zero-padded, looped and cut windows (cached)."""
    folder = cache / f"excerpts-v{mood.EVIDENCE_VERSION}-{code_fingerprint(VIBENET_SOURCES)}"
    folder.mkdir(parents=True, exist_ok=True)
    audio_io.quiet_pydub()
    net = vibenet_model.Vibenet()
    window = int(audio_io.CLIP_SECONDS * vibenet_model.SAMPLE_RATE)
    rows = []
    for song in progress_bar(d.songs, desc="Excerpts", unit="clip"):
        path = folder / f"{song}.npy"
        if not path.exists():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", audio_io.AudioWarning)
                y = audio_io.load(data / "audio" / f"{song}.mp3", sr=vibenet_model.SAMPLE_RATE).samples
            start = int(EXCERPT_START * vibenet_model.SAMPLE_RATE)
            piece = y[start : start + int(EXCERPT_SECONDS * vibenet_model.SAMPLE_RATE)]
            fixed = net.run(np.stack([np.pad(piece, (0, window - len(piece))), np.resize(piece, window)])).attributes
            cut = net.run(piece[None, :]).attributes
            np.save(path, np.vstack([fixed, cut]))
        rows.append(np.load(path))
    attrs = np.array(rows)
    v, e = net.labels.index("valence"), net.labels.index("energy")
    out = []
    for i, name in enumerate(("zero-padded", "looped", "cut (real samples only)")):
        fig = figures(d, attrs[:, i, v], attrs[:, i, e], np.median(attrs[:, i, v]), np.median(attrs[:, i, e]))
        out.append(format_row(f"vibenet raw, 2-s excerpt {name}", fig))
    return out


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC through the Mann-Whitney rank sum (ties count half)."""
    ranks = rankdata(scores)
    pos = labels == 1
    n1, n0 = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def quadrants(v: np.ndarray, e: np.ndarray, v_cut: float = 0.0, e_cut: float = 0.0) -> np.ndarray:
    """The Russell quadrant each song reads as: high energy and positive valence Q1, negative Q2; low energy
    and negative valence Q3, positive Q4."""
    return np.where(e > e_cut, np.where(v > v_cut, "Q1", "Q2"), np.where(v > v_cut, "Q4", "Q3"))


#: The quadrants in the 4Q set's order: Q1 happy/excited, Q2 tense/angry, Q3 sad/bored, Q4 calm/content.
QUADRANTS = ("Q1", "Q2", "Q3", "Q4")


def figures(d: Dataset, v: np.ndarray, e: np.ndarray, v_cut: float, e_cut: float, idx: np.ndarray | None = None) -> dict[str, float]:
    """The five figures for valence scores ``v`` and energy scores ``e`` (on rows ``idx``)."""
    idx = np.arange(len(d.songs)) if idx is None else idx
    V, A, Q = d.valence[idx], d.arousal[idx], d.quadrant[idx]
    predicted = quadrants(v, e, v_cut, e_cut)
    return {
        "valence AUC": auc(V, v),
        "arousal AUC": auc(A, e),
        "valence AUC calm": auc(V[A == 0], v[A == 0]),
        "valence AUC intense": auc(V[A == 1], v[A == 1]),
        "quadrant accuracy": float(np.mean(predicted == Q)),
    }


def fit_logistic(z: np.ndarray, y: np.ndarray, c: float, iterations: int = 50) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression by Newton's method (penalty ``1 / c`` on the weights, not the bias).

    With more columns than rows the fit runs in the rows' span (``z = U S V'``; the penalised optimum has
    ``w = V a``, and ``|w| = |a|``), which gives the same weights from an n x n system instead of a k x k one.
    """
    n, k = z.shape
    if k > n:
        u, s, vt = np.linalg.svd(z, full_matrices=False)
        a, bias = fit_logistic(u * s, y, c, iterations)
        return vt.T @ a, bias
    a = np.hstack([z, np.ones((n, 1))])
    penalty = np.full(k + 1, 1.0 / c)
    penalty[-1] = 0.0
    w = np.zeros(k + 1)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(a @ w)))
        grad = a.T @ (p - y) + penalty * w
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w[:-1], float(w[-1])


@dataclass
class Heads:
    """Fitted constants in the form :func:`a2i.mood.head_logits` reads."""

    center: np.ndarray
    scale: np.ndarray
    energy_weights: np.ndarray
    energy_bias: float
    valence_weights: np.ndarray
    valence_bias: float

    def logits(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = np.clip((x - self.center) / self.scale, -Z_LIMIT, Z_LIMIT)
        energy = z @ self.energy_weights + self.energy_bias
        p = 1.0 / (1.0 + np.exp(-energy))
        valence = np.hstack([z, z * (p[:, None] - 0.5)]) @ self.valence_weights + self.valence_bias
        return valence, energy


def fit_heads(x: np.ndarray, valence: np.ndarray, arousal: np.ndarray, c: float, embedding_weight: float = 1.0,
              network: int = NETWORK) -> Heads:
    """Both heads on evidence ``x``; the valence head's interaction uses the energy head's own fit.

    The first ``network`` columns (the network's evidence) are standardised to a spread of
    ``embedding_weight`` instead of 1, which under one L2 penalty regularises those many correlated columns
    more strongly than the few named features.
    """
    center, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    scale[:network] /= embedding_weight
    z = np.clip((x - center) / scale, -Z_LIMIT, Z_LIMIT)
    we, be = fit_logistic(z, arousal, c)
    p = 1.0 / (1.0 + np.exp(-(z @ we + be)))
    wv, bv = fit_logistic(np.hstack([z, z * (p[:, None] - 0.5)]), valence, c)
    return Heads(center, scale, we, be, wv, bv)


def folds(quadrant: np.ndarray, artist: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """A fold number per song, grouped by artist and balanced by quadrant (as scikit-learn's
    ``StratifiedGroupKFold``): all songs of an artist share a fold, so no fold is tested on an artist its
    heads were fitted on; artists are placed largest first, each in the fold whose quadrant counts it
    unbalances least."""
    names, group = np.unique(artist, return_inverse=True)
    quadrants = np.unique(quadrant)
    counts = np.array([[np.sum((group == g) & (quadrant == q)) for q in quadrants] for g in range(len(names))])
    order = rng.permutation(len(names))
    order = order[np.argsort(-counts[order].sum(axis=1), kind="stable")]
    load = np.zeros((k, len(quadrants)))
    target = counts.sum(axis=0) / k
    assigned = np.empty(len(names), dtype=int)
    for g in order:
        cost = [np.sum(np.maximum(load[f] + counts[g] - target, 0.0)) + 1e-3 * load[f].sum() for f in range(k)]
        assigned[g] = int(np.argmin(cost))
        load[assigned[g]] += counts[g]
    return assigned[group]


Figures = dict[str, tuple[float, float, float]]


def _summarise(rows: list[list[dict[str, float]]]) -> Figures:
    """Mean, spread over every test fold and spread of the repeats' means, per figure (rows: repeats x folds)."""
    names = rows[0][0]
    flat = [r for repeat in rows for r in repeat]
    return {name: (float(np.mean([r[name] for r in flat])), float(np.std([r[name] for r in flat])),
                   float(np.std([np.mean([r[name] for r in repeat]) for repeat in rows]))) for name in names}


def cross_validate(d: Dataset, columns: np.ndarray, c: float, k: int, repeats: int, seed: int = 0,
                   embedding_weight: float = 1.0, idx: np.ndarray | None = None) -> Figures:
    """Figures of heads fitted on ``columns`` of ``d.x`` under repeated grouped cross-validation of the
    songs ``idx`` (default all): mean, spread over folds, spread over repeats. ``embedding_weight`` applies
    to the chosen columns among the network's (:data:`NETWORK`), which come first."""
    x = d.x
    network = int(np.sum(columns < NETWORK))
    idx = np.arange(len(d.songs)) if idx is None else idx
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(repeats):
        fold = folds(d.quadrant[idx], d.artist[idx], k, rng)
        rows.append([])
        for f in range(k):
            train, test = idx[fold != f], idx[fold == f]
            heads = fit_heads(x[train][:, columns], d.valence[train], d.arousal[train], c, embedding_weight, network)
            v, e = heads.logits(x[test][:, columns])
            fig = figures(d, v, e, 0.0, 0.0, test)
            rows[-1].append({**fig, "goal": goal_score(fig)})
    return _summarise(rows)


def goal_score(fig: Figures | dict[str, float]) -> float:
    """The mean of the :data:`GOALS` figures (means, where given with spreads): what chooses hyper-parameters."""
    return float(np.mean([v[0] if isinstance(v, tuple) else v for name, v in fig.items() if name in GOALS]))


def one_standard_error(results: dict[tuple[float, float], Figures], n_folds: int) -> tuple[float, float]:
    """The most regularised (C, embedding weight) whose goal mean is within one standard error (the best
    point's spread over its ``n_folds`` test folds / sqrt(n_folds)) of the best (:data:`GOALS`)."""
    best = max(results, key=lambda key: results[key]["goal"][0])
    floor = results[best]["goal"][0] - results[best]["goal"][1] / np.sqrt(n_folds)
    return min((key for key in results if results[key]["goal"][0] >= floor), key=lambda key: (key[1], key[0]))


def choose(d: Dataset, idx: np.ndarray, k: int, repeats: int, seed: int, columns: np.ndarray,
           weights: tuple[float, ...]) -> tuple[float, float]:
    """The grid point (C, weight) :func:`one_standard_error` picks under grouped CV of the songs ``idx``."""
    grid = {(c, w): cross_validate(d, columns, c, k, repeats, seed, w, idx=idx) for c in C_GRID for w in weights}
    return one_standard_error(grid, k * repeats)


def nested_cross_validate(d: Dataset, k: int, repeats: int, seed: int = 0, columns: np.ndarray | None = None,
                          weights: tuple[float, ...] = EMBEDDING_WEIGHTS
                          ) -> tuple[Figures, dict[tuple[float, float], int], np.ndarray]:
    """Figures of the whole procedure, hyper-parameter choice included: every outer training set chooses C
    and the network's weight (from ``weights``) by :data:`INNER_FOLDS`-fold grouped CV of its own songs
    (:func:`choose`), then its heads are fitted on ``columns`` of the evidence (default all) and scored on
    the outer test fold, which took no part in either. Also returns how often each grid point was chosen and
    the quadrant confusion matrix of the test songs' readings (:func:`quadrant_confusion`), summed over the
    repeats."""
    columns = np.arange(d.x.shape[1]) if columns is None else columns
    network = int(np.sum(columns < NETWORK))
    rng = np.random.default_rng(seed)
    rows, chosen = [], {}
    confusion = np.zeros((len(QUADRANTS), len(QUADRANTS)), dtype=int)
    for _ in range(repeats):
        fold = folds(d.quadrant, d.artist, k, rng)
        rows.append([])
        for f in range(k):
            train, test = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
            c, w = choose(d, train, INNER_FOLDS, 1, seed + 1, columns, weights)
            chosen[(c, w)] = chosen.get((c, w), 0) + 1
            heads = fit_heads(d.x[train][:, columns], d.valence[train], d.arousal[train], c, w, network)
            v, e = heads.logits(d.x[test][:, columns])
            fig = figures(d, v, e, 0.0, 0.0, test)
            rows[-1].append({**fig, "goal": goal_score(fig)})
            confusion += quadrant_confusion(d.quadrant[test], quadrants(v, e))
    return _summarise(rows), chosen, confusion


def quadrant_confusion(truth: np.ndarray, read: np.ndarray) -> np.ndarray:
    """Counts of songs per (true quadrant, quadrant read), rows and columns in :data:`QUADRANTS` order.

    Examples
    --------
    >>> quadrant_confusion(np.array(["Q3", "Q3", "Q4"]), np.array(["Q4", "Q3", "Q4"]))[2:, 2:].tolist()
    [[1, 1], [0, 1]]
    """
    return np.array([[int(np.sum((truth == t) & (read == r))) for r in QUADRANTS] for t in QUADRANTS])


def describe_errors(confusion: np.ndarray) -> list[str]:
    """What limits quadrant accuracy, from a :func:`quadrant_confusion` matrix: the matrix (per repeat,
    when it sums several), the accuracy of each head's sign (arousal; valence among calm and intense songs),
    the quadrant accuracy the two would give if their errors were independent, and the largest error."""
    m = confusion
    hi, pos = np.array([1, 1, 0, 0], bool), np.array([1, 0, 0, 1], bool)  # Q1..Q4: high arousal, positive valence
    total = m.sum()
    arousal = (m[np.ix_(hi, hi)].sum() + m[np.ix_(~hi, ~hi)].sum()) / total
    def valence(rows: np.ndarray) -> float:
        sub = m[rows]
        return float((sub[:, pos].sum(axis=1) * pos[rows] + sub[:, ~pos].sum(axis=1) * ~pos[rows]).sum() / sub.sum())
    valence_all, calm, intense = valence(np.ones(4, bool)), valence(~hi), valence(hi)
    off = m - np.diag(np.diag(m))
    t, r = np.unravel_index(np.argmax(off), off.shape)
    return [
        "quadrant read (columns) against true (rows), " + ", ".join(
            f"{QUADRANTS[i]}: " + " ".join(f"{n:>4d}" for n in m[i]) for i in range(4)),
        f"arousal read right {arousal:.3f}; valence {valence_all:.3f} (calm songs {calm:.3f}, intense {intense:.3f}); "
        f"quadrant {np.trace(m) / total:.3f} against {arousal * valence_all:.3f} if the two errors were independent; "
        f"most common error: {QUADRANTS[t]} read as {QUADRANTS[r]} ({off[t, r] / total:.1%} of songs)",
    ]


def expected_correlation(auc_value: float) -> float:
    """Correlation of a score with the continuous trait a binary label splits at its median, from the AUC.

    For a bivariate normal score and trait with correlation r, the AUC against the sign of the trait is
    1/2 + arcsin(r) / pi (Sheppard's relation), so r = sin(pi (AUC - 1/2)).
    """
    return float(np.sin(np.pi * (auc_value - 0.5)))


def format_row(name: str, values: dict[str, float] | Figures) -> str:
    """A table row: each figure as mean±spread over the test folds (or a single value), then the largest
    spread of the repeats' means over the five figures."""
    shown = {k: v for k, v in values.items() if k != "goal"}
    cells = [f"{v[0]:.3f}±{v[1]:.3f}" if isinstance(v, tuple) else f"{v:.3f}      " for v in shown.values()]
    repeats = [v[2] for v in shown.values() if isinstance(v, tuple)]
    cells.append(f"±{max(repeats):.3f}" if repeats else " " * 6)
    return f"| {name:<48} | " + " | ".join(cells) + " |"


#: The table's header: valence AUC, arousal AUC, valence AUC within calm (Q3/Q4) and intense (Q1/Q2)
#: songs, quadrant accuracy, and the largest spread of the repeats' means.
TABLE_HEADER = ("| " + f"{'estimate':<48} | " + " | ".join(f"{h:<11}" for h in ("valence AUC", "arousal AUC", "val. calm",
                                                                                 "val. intens", "quadrant")) + " | repeat |\n"
                "|" + "-" * 50 + ("|" + "-" * 13) * 5 + "|--------|")


def write_weights(path: Path, heads: Heads, d: Dataset, cv: Figures, c: float, weight: float, k: int,
                  repeats: int, table: str) -> None:
    """Write the constants module :mod:`a2i.mood_weights`; ``cv`` (the nested figures) sets the shrinkage."""
    valence, energy = heads.logits(d.x)
    shrink = {"valence": expected_correlation(cv["valence AUC"][0]), "energy": expected_correlation(cv["arousal AUC"][0])}

    def arr(values: np.ndarray) -> str:
        body = textwrap.fill(", ".join(f"{v:.6g}" for v in values), 112, initial_indent="    ", subsequent_indent="    ")
        return "np.array([\n" + body + ",\n])"

    names = textwrap.fill(", ".join(n for n, _ in EVIDENCE_FEATURES), 108)
    text = f'''"""Fitted constants of :mod:`a2i.mood`'s valence and energy heads. Generated; do not edit by hand.

Written by ``python benchmarks/mood_eval.py --data DIR --write-weights a2i/mood_weights.py``.

Data: the development half of the 4Q music-emotion set (Panda, Malheiro & Paiva, "Novel audio features for
music emotion recognition", IEEE Trans. Affective Computing 2018): {len(d.songs)} real 30-second excerpts of
commercial recordings, {len(d.songs) // 4} per Russell quadrant, labelled from AllMusic mood tags. The other 500 songs
of the set are kept aside, unseen, to check the heads.

Evidence (:func:`a2i.mood.evidence`, version {mood.EVIDENCE_VERSION}): vibenet's {vibenet_model.EMBEDDING_SIZE}-d embedding and its
{vibenet_model.TEXTURE_SIZE}-d texture (:func:`a2i.vibenet_model.texture`: the time spread of each channel of a mid-level layer),
both duration-weighted means over the song's 10-second clips, and {len(EVIDENCE_FEATURES)} named signal features
(:data:`a2i.mood.EVIDENCE_FEATURES`:
{names}),
standardised with :data:`CENTER` and :data:`SCALE` (the set's mean and standard deviation) and clipped at +-{Z_LIMIT:g}.

Model: the energy head is an L2-penalised logistic regression of high arousal (Q1/Q2) on the evidence; the
valence head one of positive valence (Q1/Q4) on the evidence and the evidence times the energy head's
probability minus 1/2. Penalty C = {c:g} (inverse penalty on the summed log-loss, as scikit-learn's C) for both;
the network's columns (embedding and texture) are standardised to a spread of {weight:g} (so penalised more than
the named features). C and the weight are the point of the grid C {C_GRID} x weight {EMBEDDING_WEIGHTS} that the
one-standard-error rule picks on the mean of valence, arousal and calm-song valence AUC and quadrant accuracy
under grouped CV of the whole set (the most regularised point within one standard error of the best).

Protocol and figures: {repeats} x {k}-fold cross-validation grouped by artist (no artist on both sides of
a fold; folds balanced by quadrant), heads refitted on the training folds only; mean +- standard
deviation over the {repeats * k} test folds; "repeat": the largest standard deviation of the {repeats}
repeats' means over the five figures. The "nested" row is the honest figure of the whole procedure: each outer training set chose C and
the weight by its own {INNER_FOLDS}-fold grouped CV, never seeing its test fold; the grid rows are ordinary
CV with the hyper-parameters fixed, for comparison.

{table}

Scale: a logit is standardised with :data:`LOGIT_MEAN` and :data:`LOGIT_SPREAD` (its mean and spread over
the set) and shrunk by :data:`SHRINK`, the correlation with the underlying trait that the nested cross-validated
AUC implies (r = sin(pi (AUC - 1/2))), before Spotify's catalogue mean and spread put it on Spotify's scale
(:func:`a2i.mood.to_spotify_scale`).
"""

import numpy as np

EMBEDDING_SIZE = {vibenet_model.EMBEDDING_SIZE}
TEXTURE_SIZE = {vibenet_model.TEXTURE_SIZE}
Z_LIMIT = {Z_LIMIT!r}
CENTER = {arr(heads.center)}
SCALE = {arr(heads.scale)}
ENERGY_WEIGHTS = {arr(heads.energy_weights)}
ENERGY_BIAS = {heads.energy_bias:.6g}
VALENCE_WEIGHTS = {arr(heads.valence_weights)}
VALENCE_BIAS = {heads.valence_bias:.6g}
LOGIT_MEAN = {{"valence": {valence.mean():.6g}, "energy": {energy.mean():.6g}}}
LOGIT_SPREAD = {{"valence": {valence.std():.6g}, "energy": {energy.std():.6g}}}
SHRINK = {{"valence": {shrink["valence"]:.4f}, "energy": {shrink["energy"]:.4f}}}
'''
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="folder with labels.csv and audio/<song>.mp3")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "a2i-mood-eval",
                        help="where per-clip evidence is cached (default: %(default)s)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--excerpts", action="store_true",
                        help="also compare zero-padding, looping and cutting 2-second excerpts for vibenet")
    parser.add_argument("--write-weights", type=Path, help="refit on the whole set and write the constants module here")
    args = parser.parse_args(argv)
    if args.data is None:  # `make benchmarks` runs every script bare; the labelled set is not part of a2i
        print("SUMMARY mood_eval skipped: pass --data DIR, the folder of the labelled set")
        return 0
    if not (args.data / "labels.csv").is_file():
        parser.error(f"--data {args.data}: no labels.csv there; pass the folder of the labelled set")

    start = time.perf_counter()
    d = load_dataset(args.data, args.cache)
    print(f"{len(d.songs)} clips analysed or read from {args.cache} in {time.perf_counter() - start:.0f} s")
    lines = [TABLE_HEADER]

    def row(label: str, fig: dict[str, float] | Figures) -> None:
        lines.append(format_row(label, fig))
        print(lines[-1], flush=True)

    raw_v, raw_e = d.raw[:, MODEL_ATTRIBUTES.index("valence")], d.raw[:, MODEL_ATTRIBUTES.index("energy")]
    row("vibenet raw valence/energy (median split)", figures(d, raw_v, raw_e, np.median(raw_v), np.median(raw_e)))
    e = vibenet_model.EMBEDDING_SIZE
    every = np.arange(d.x.shape[1])
    grid = {}
    for c in C_GRID:
        for w in EMBEDDING_WEIGHTS:
            grid[(c, w)] = cross_validate(d, every, c, args.folds, args.repeats, embedding_weight=w)
            row(f"emb. + texture + features, C={c:g}, weight {w:g}", grid[(c, w)])
    c_ship, w_ship = one_standard_error(grid, args.folds * args.repeats)
    row(f"signal features only, C={c_ship:g}", cross_validate(d, np.arange(NETWORK, d.x.shape[1]), c_ship, args.folds, args.repeats))
    row(f"vibenet embedding + texture only, C={c_ship:g}, weight {w_ship:g}",
        cross_validate(d, np.arange(NETWORK), c_ship, args.folds, args.repeats, embedding_weight=w_ship))
    v5 = np.r_[np.arange(e), np.arange(NETWORK, d.x.shape[1])]
    v5_nested, _, _ = nested_cross_validate(d, args.folds, args.repeats, columns=v5, weights=V5_EMBEDDING_WEIGHTS)
    row("evidence v5 (no texture), nested", v5_nested)
    nested, chosen, confusion = nested_cross_validate(d, args.folds, args.repeats)
    row("nested: C and weight chosen inside each fold", nested)
    picks = ", ".join(f"C={c:g}/w={w:g}: {n}" for (c, w), n in sorted(chosen.items()))
    if args.excerpts:
        lines += excerpt_check(d, args.data, args.cache)
    table = "\n".join(lines)
    print()
    print(table)
    print(f"shipped: C={c_ship:g}, network weight {w_ship:g} (one-standard-error rule on the whole set); nested choices: {picks}")
    print("\n".join(["nested readings, summed over the repeats:"] + describe_errors(confusion)))
    if args.write_weights:
        heads = fit_heads(d.x, d.valence, d.arousal, c_ship, w_ship)
        write_weights(args.write_weights, heads, d, nested, c_ship, w_ship, args.folds, args.repeats, table)
        print(f"wrote {args.write_weights}")
    s = {name: value[0] for name, value in nested.items()}
    print(f"SUMMARY mood_eval n={len(d.songs)} valence_auc={s['valence AUC']:.3f} arousal_auc={s['arousal AUC']:.3f} "
          f"calm_valence_auc={s['valence AUC calm']:.3f} intense_valence_auc={s['valence AUC intense']:.3f} "
          f"quadrant_acc={s['quadrant accuracy']:.3f} (nested CV {args.repeats}x{args.folds} grouped by artist; shipped "
          f"C={c_ship:g}, network weight {w_ship:g}; vibenet raw valence_auc={auc(d.valence, raw_v):.3f} "
          f"arousal_auc={auc(d.arousal, raw_e):.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
