"""Are the painter's video transitions crossfades? Mid-transition frames against the 50/50 blend.

    PYTHONPATH=. python benchmarks/bench_painter_transitions.py [--songs A.flac ...] [--segments beats sections fixed]
        [--transitions 20] [--size 640x360]

The transitions are the real ones of ``a2i video``: for each song (default: the bundled songs in
dataset/tutorial_data) and each ``--segments`` mode, the song is cut into segments and its keyframes planned
exactly as :func:`a2i.video.make.make_video` does (beat, section or 10-s segments, each segment's own profile
and template prompt, the song's seeds, the coda), every keyframe is prepared by the painter backend as the
video's route prepares it, and the frame halfway through each transition between consecutive keyframes is
drawn (no pulse, time held). A transition that two modes share (same keyframes) is measured once. The three
bundled songs give between 25 and 30 (each mode cuts a 30-second song into 2-4 segments, plus the coda).

Reported per transition: SSIM (grey, 256 px, Wang et al. 2004) of the mid frame to the 50/50 blend of its two
keyframes, and to each keyframe. A crossfade scores about 1 against the blend; a transition where each part of
the frame shows one picture scores lower against the blend than a crossfade does. Also reported: the share of
pixels that are a mix of both pictures (neither within 12 % of the way from one keyframe nor of the other),
the measure of a double exposure. The last line is the summary.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from a2i import audio as audio_io
from a2i.fileio import content_hash
from a2i.mood import ANALYSIS_SR, default_analyzer
from a2i.planner import Job, plan_keyframes
from a2i.render import get_backend
from a2i.render.painter.diversity import ssim
from a2i.video.onsets import analyze_rhythm
from a2i.video.segments import SEGMENT_MODES, find_segments, segment_profile

REPO = Path(__file__).resolve().parents[1]
MIXED = 0.12  # a pixel nearer than this fraction of the way to either keyframe counts as showing that keyframe


def grey(frame: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(frame).convert("L").resize((256, 256), Image.Resampling.BOX), dtype=np.float64)


def transitions(song: str, modes: list[str], analyzer, backend, size: tuple[int, int]):
    """Every (mode, index, keyframe a, keyframe b) of ``a2i video --segments MODE`` of the song, shared ones once."""
    waveform = audio_io.load(song, sr=ANALYSIS_SR)
    analysis = analyzer.analyze(song, per_clip=True)
    rhythm = analyze_rhythm(waveform)
    song_hash, seen, scenes = content_hash(song), set(), {}
    for mode in modes:
        cuts = find_segments(mode, rhythm, 0.0, waveform.duration)
        keys = plan_keyframes(analysis, [segment_profile(analysis, waveform, s) for s in cuts], Job(), song_hash)
        for i, (a, b) in enumerate(zip(keys, keys[1:])):
            ids = tuple((k.prompt, k.seed, k.style, round(k.clip.start, 2), round(k.clip.end, 2)) for k in (a, b))
            if ids in seen:
                continue
            seen.add(ids)
            for key, request in zip(ids, (a, b)):
                if key not in scenes:
                    scenes[key] = backend.scene(request.for_backend(), size=size)
            yield mode, i, scenes[ids[0]], scenes[ids[1]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--songs", nargs="*", default=[str(p) for p in sorted((REPO / "dataset" / "tutorial_data").glob("*.flac"))])
    parser.add_argument("--segments", nargs="*", choices=SEGMENT_MODES, default=["beats", "sections", "fixed"])
    parser.add_argument("--transitions", type=int, default=40, help="stop after this many")
    parser.add_argument("--size", default="640x360")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    analyzer, backend = default_analyzer(), get_backend("painter")
    rows = []
    for song in args.songs:
        for mode, index, a, b in transitions(song, args.segments, analyzer, backend, (width, height)):
            start, mid, end = (backend.frame(a, b, p, time=0.0) for p in (0.0, 0.5, 1.0))
            blend = ((start.astype(np.float64) + end) / 2).round().astype(np.uint8)
            gap = np.abs(start.astype(np.float64) - end).mean(axis=2)
            near_a = np.abs(mid.astype(np.float64) - start).mean(axis=2) <= MIXED * gap
            near_b = np.abs(mid.astype(np.float64) - end).mean(axis=2) <= MIXED * gap
            differs = gap > 20
            mixed = float((differs & ~near_a & ~near_b).sum() / max(differs.sum(), 1))
            rows.append((f"{Path(song).stem} {mode} {index}", ssim(grey(mid), grey(blend)), ssim(grey(mid), grey(start)),
                         ssim(grey(mid), grey(end)), mixed))
            print(f"{rows[-1][0]:26s} transition {len(rows):2d}: SSIM to blend {rows[-1][1]:.3f}, to a {rows[-1][2]:.3f}, "
                  f"to b {rows[-1][3]:.3f}, mixed pixels {mixed:.1%}")
            if len(rows) >= args.transitions:
                break
        if len(rows) >= args.transitions:
            break
    r = np.array([row[1:] for row in rows])
    print(f"SUMMARY {len(rows)} transitions at {width}x{height}: mean SSIM(mid, 50/50 blend) {r[:, 0].mean():.3f}, "
          f"to keyframe a {r[:, 1].mean():.3f}, to keyframe b {r[:, 2].mean():.3f}; mixed pixels {r[:, 3].mean():.1%} "
          f"(max {r[:, 3].max():.1%})")


if __name__ == "__main__":
    main()
