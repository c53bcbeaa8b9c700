"""Tempo accuracy on synthesized pieces of known tempo, and on real recordings given on the command line.

Every piece of :func:`a2i.synth.groove` (rock, funk, swing, waltz, rubato piano, a piano ostinato without
drums) is rendered at tempi from 50 to 200 BPM and its tempo found as ``a2i analyze`` finds it
(:func:`a2i.features.song_tempo`: the onset envelopes of the 10-second clips, joined, then
:func:`a2i.tempo.estimate`).
Reported as in the MIREX tempo task: Acc1, the share within 4 % of the true tempo, and Acc2, the same with
octave errors (x2, x1/2, x3, x1/3) forgiven; librosa's ``beat_track`` on the same audio as a reference.

    python benchmarks/tempo_eval.py
    python benchmarks/tempo_eval.py --song path/to/song.mp3=129 --song other.flac=74

Real recordings are not part of a2i: pass them with their known tempo.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from a2i import audio as audio_io
from a2i.features import song_tempo
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


def correct(found: float, truth: float, octaves: bool) -> bool:
    factors = (1.0, 2.0, 0.5, 3.0, 1.0 / 3.0) if octaves else (1.0,)
    return any(abs(found - truth * f) <= TOLERANCE * truth * f for f in factors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--song", action="append", default=[], metavar="PATH=BPM", help="a real recording and its tempo")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each synthesized piece")
    parser.add_argument("--no-librosa", action="store_true", help="skip librosa's reference figures")
    parser.add_argument("--verbose", action="store_true", help="print every piece")
    args = parser.parse_args(argv)
    rows = []
    start = time.perf_counter()
    for style in GROOVE_STYLES:
        for i, bpm in enumerate(TEMPI):
            audio = groove(float(bpm), style, seconds=args.seconds, seed=i)
            found, confidence = a2i_tempo(audio)
            ref = float("nan") if args.no_librosa else librosa_tempo(audio)
            rows.append((style, bpm, found, confidence, ref))
            if args.verbose:
                print(f"{style:9s} {bpm:4d}  a2i {found:6.1f} (conf {confidence:.2f})  librosa {ref:6.1f}", flush=True)
    elapsed = time.perf_counter() - start
    print(f"{'style':9s}  n   a2i Acc1  a2i Acc2  librosa Acc1  librosa Acc2")
    for style in (*GROOVE_STYLES, "all"):
        sel = [r for r in rows if style in ("all", r[0])]
        acc = [np.mean([correct(r[k], r[1], o) for r in sel]) for k in (2, 4) for o in (False, True)]
        print(f"{style:9s} {len(sel):3d}  {acc[0]:8.3f}  {acc[1]:8.3f}  {acc[2]:12.3f}  {acc[3]:12.3f}")
    misses = [f"{r[0]} {r[1]}->{r[2]:.1f}" for r in rows if not correct(r[2], r[1], False)]
    print("a2i misses:", ", ".join(misses) or "none")
    for item in args.song:
        path, _, bpm = item.rpartition("=")
        song = audio_io.load(path)
        found, confidence = a2i_tempo(song)
        ref = float("nan") if args.no_librosa else librosa_tempo(song)
        print(f"{Path(path).name}: truth {float(bpm):.1f}  a2i {found:.1f} (confidence {confidence:.2f})  librosa {ref:.1f}")
    all_rows = rows
    acc1 = np.mean([correct(r[2], r[1], False) for r in all_rows])
    acc2 = np.mean([correct(r[2], r[1], True) for r in all_rows])
    print(f"SUMMARY tempo_eval n={len(all_rows)} acc1={acc1:.3f} acc2={acc2:.3f} ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
