"""Tempo accuracy on synthesized pieces of known tempo, and on real recordings given on the command line.

Every piece of :func:`a2i.synth.groove` (rock, funk, swing, waltz, rubato piano, a piano ostinato without
drums) is rendered at tempi from 50 to 200 BPM and its tempo found as ``a2i analyze`` finds it
(:func:`a2i.features.song_tempo`: the onset envelopes of the 10-second clips, joined, then
:func:`a2i.tempo.estimate`).
Reported as in the MIREX tempo task: Acc1, the share within 4 % of the true tempo, and Acc2, the same with
octave errors (x2, x1/2, x3, x1/3) forgiven; librosa's ``beat_track`` on the same audio as a reference.

Real recordings are not part of a2i: pass them with their known tempo (``--song``), or pass any recordings
without a label to ``--stretch``: each is time-stretched by ffmpeg (rubberband, keeping the pitch; atempo
where ffmpeg lacks it) to ``--ratios`` of its tempo, and a stretched copy counts as consistent when its
tempo is the original's times the ratio (within 4 %). A metrical-level decision that hangs on a knife's edge
flips to another level when the music is 20 % faster or slower; the right level for real music stays.

    python benchmarks/tempo_eval.py
    python benchmarks/tempo_eval.py --song path/to/song.mp3=129 --song other.flac=74
    python benchmarks/tempo_eval.py --skip-synth --stretch some/folder --stretch-limit 40
    python benchmarks/tempo_eval.py --skip-synth --fit-weights   # refit a2i.tempo.LEVEL_WEIGHTS
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from a2i import audio as audio_io
from a2i import tempo as tempo_estimation
from a2i.features import song_onsets, song_tempo
from a2i.synth import GROOVE_STYLES, groove

#: Tempi of the synthesized pieces: the range of the issue (50-200 BPM), 10 BPM apart, and a few in between.
TEMPI = tuple(range(50, 201, 10)) + (64, 87, 93, 133, 174)

#: Acc1 tolerance (MIREX): 4 % of the true tempo.
TOLERANCE = 0.04


def a2i_tempo(audio: audio_io.Audio) -> tuple[float, float]:
    """Tempo and confidence as ``a2i analyze`` finds them (clip by clip, then the song)."""
    found = song_tempo(audio)
    return found.bpm, found.confidence


def librosa_tempo(audio: audio_io.Audio) -> float:
    import librosa

    tempo, _ = librosa.beat.beat_track(y=audio.samples, sr=audio.sr)
    return float(np.atleast_1d(tempo)[0])


#: Audio files ``--stretch`` picks up in a folder.
AUDIO_SUFFIXES = (".mp3", ".flac", ".wav", ".m4a", ".ogg")

#: L2 penalty of the ``--fit-weights`` conditional logit (as for ``a2i.tempo.LEVEL_WEIGHTS``).
FIT_PENALTY = 0.3


def stretched(path: Path, ratio: float, folder: Path) -> audio_io.Audio:
    """``path`` played ``ratio`` times as fast, pitch kept (ffmpeg rubberband; atempo without it)."""
    filters = subprocess.run(["ffmpeg", "-hide_banner", "-filters"], capture_output=True, text=True).stdout
    stretch = f"rubberband=tempo={ratio}" if " rubberband " in filters else f"atempo={ratio}"
    out = folder / f"{path.stem}_x{ratio}.flac"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(path), "-af", stretch, "-ac", "1", str(out)], check=True)
    return audio_io.load(out)


def stretch_check(paths: list[Path], ratios: tuple[float, ...]) -> float:
    """Share of stretched copies whose tempo is the original's times the ratio (within :data:`TOLERANCE`)."""
    hits = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            original = song_tempo(audio_io.load(path)).bpm
            found = [song_tempo(stretched(path, r, Path(tmp))).bpm for r in ratios]
            ok = [original > 0 and abs(f / original - r) <= TOLERANCE * r for f, r in zip(found, ratios)]
            hits += ok
            print(f"{path.name}: {original:.1f} BPM; stretched " + "  ".join(
                f"x{r}: {f:.1f}{'' if k else ' (level changed)'}" for r, f, k in zip(ratios, found, ok)), flush=True)
    return float(np.mean(hits)) if hits else float("nan")


def fit_weights(seconds: float) -> np.ndarray:
    """Refit :data:`a2i.tempo.LEVEL_WEIGHTS` on the synthesized pieces: a conditional logit over each piece's
    candidate levels (the prior's weight fixed at 1), L2 penalty :data:`FIT_PENALTY`."""
    from scipy.optimize import minimize

    pieces = []
    for style in GROOVE_STYLES:
        for i, bpm in enumerate(TEMPI):
            found = tempo_estimation.levels(*song_onsets(groove(float(bpm), style, seconds=seconds, seed=i)))
            hits = [] if found is None or isinstance(found, float) else [
                j for j, b in enumerate(found.bpm) if abs(b - bpm) <= TOLERANCE * bpm]
            if hits:
                pieces.append((found.evidence, found.prior, hits[0]))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = FIT_PENALTY * float(w @ w), 2 * FIT_PENALTY * w
        for evidence, prior, truth in pieces:
            score = evidence @ w + prior
            p = np.exp(score - score.max())
            p /= p.sum()
            total -= float(np.log(p[truth] + 1e-12))
            grad = grad - (evidence[truth] - p @ evidence)
        return total, grad

    return minimize(loss, np.zeros(3), jac=True, method="L-BFGS-B").x


def correct(found: float, truth: float, octaves: bool) -> bool:
    factors = (1.0, 2.0, 0.5, 3.0, 1.0 / 3.0) if octaves else (1.0,)
    return any(abs(found - truth * f) <= TOLERANCE * truth * f for f in factors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--song", action="append", default=[], metavar="PATH=BPM", help="a real recording and its tempo")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each synthesized piece")
    parser.add_argument("--no-librosa", action="store_true", help="skip librosa's reference figures")
    parser.add_argument("--verbose", action="store_true", help="print every piece")
    parser.add_argument("--skip-synth", action="store_true", help="skip the synthesized pieces")
    parser.add_argument("--stretch", action="append", default=[], metavar="PATH",
                        help="a recording or a folder of them, for the time-stretch consistency check")
    parser.add_argument("--stretch-limit", type=int, default=0, help="take every n-th file so that at most this many are used")
    parser.add_argument("--ratios", default="0.8,1.25", help="stretch ratios, comma-separated (default 0.8,1.25)")
    parser.add_argument("--fit-weights", action="store_true", help="refit a2i.tempo.LEVEL_WEIGHTS on the synthesized pieces")
    args = parser.parse_args(argv)
    if args.fit_weights:
        print("LEVEL_WEIGHTS fitted:", tuple(round(float(w), 2) for w in fit_weights(args.seconds)),
              "in a2i.tempo:", tempo_estimation.LEVEL_WEIGHTS)
    rows = []
    start = time.perf_counter()
    for style in () if args.skip_synth else GROOVE_STYLES:
        for i, bpm in enumerate(TEMPI):
            audio = groove(float(bpm), style, seconds=args.seconds, seed=i)
            found, confidence = a2i_tempo(audio)
            ref = float("nan") if args.no_librosa else librosa_tempo(audio)
            rows.append((style, bpm, found, confidence, ref))
            if args.verbose:
                print(f"{style:9s} {bpm:4d}  a2i {found:6.1f} (conf {confidence:.2f})  librosa {ref:6.1f}", flush=True)
    for style in (*GROOVE_STYLES, "all") if rows else ():
        if style == GROOVE_STYLES[0]:
            print(f"{'style':9s}  n   a2i Acc1  a2i Acc2" + ("" if args.no_librosa else "  librosa Acc1  librosa Acc2"))
        sel = [r for r in rows if style in ("all", r[0])]
        acc = [np.mean([correct(r[k], r[1], o) for r in sel]) for k in (2, 4) for o in (False, True)]
        print(f"{style:9s} {len(sel):3d}  {acc[0]:8.3f}  {acc[1]:8.3f}" + ("" if args.no_librosa else f"  {acc[2]:12.3f}  {acc[3]:12.3f}"))
    misses = [f"{r[0]} {r[1]}->{r[2]:.1f}" for r in rows if not correct(r[2], r[1], False)]
    if rows:
        print("a2i misses:", ", ".join(misses) or "none")
    songs = []
    for item in args.song:
        path, _, bpm = item.rpartition("=")
        song = audio_io.load(path)
        found, confidence = a2i_tempo(song)
        ref = float("nan") if args.no_librosa else librosa_tempo(song)
        songs.append((float(bpm), found))
        print(f"{Path(path).name}: truth {float(bpm):.1f}  a2i {found:.1f} (confidence {confidence:.2f})  librosa {ref:.1f}")
    summary = []
    if rows:
        summary.append(f"n={len(rows)} acc1={np.mean([correct(r[2], r[1], False) for r in rows]):.3f} "
                       f"acc2={np.mean([correct(r[2], r[1], True) for r in rows]):.3f}")
    if songs:
        summary.append(f"songs={len(songs)} songs_acc1={np.mean([correct(f, t, False) for t, f in songs]):.3f} "
                       f"songs_acc2={np.mean([correct(f, t, True) for t, f in songs]):.3f}")
    if args.stretch:
        paths = sorted(p for root in map(Path, args.stretch) for p in ([root] if root.is_file() else root.rglob("*"))
                       if p.suffix.lower() in AUDIO_SUFFIXES)
        if args.stretch_limit and len(paths) > args.stretch_limit:
            paths = paths[:: int(np.ceil(len(paths) / args.stretch_limit))]
        ratios = tuple(float(r) for r in args.ratios.split(","))
        summary.append(f"stretched={len(paths) * len(ratios)} stretch_consistency={stretch_check(paths, ratios):.3f}")
    print(f"SUMMARY tempo_eval {' '.join(summary)} ({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
