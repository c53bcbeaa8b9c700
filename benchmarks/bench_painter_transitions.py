"""Are the painter's video transitions crossfades? Mid-transition frames against the 50/50 blend.

    PYTHONPATH=. python benchmarks/bench_painter_transitions.py [--songs A.flac ...] [--transitions 20] [--size 640x360]

For consecutive clips of the songs (default: the bundled songs in dataset/tutorial_data), each clip's keyframe
is prepared as ``a2i video`` prepares it (template prompt of the clip, its seed) and the frame halfway between
two keyframes is drawn (the painter's motion, no pulse, time held). Reported per transition: SSIM (grey, 256 px,
Wang et al. 2004) of the mid frame to the 50/50 blend of its two keyframes, and to each keyframe. A crossfade
scores about 1 against the blend; a transition where each part of the frame shows one picture scores lower
against the blend than a crossfade does. Also reported: the share of pixels that are a mix of both pictures
(neither within 12 % of the way from one keyframe nor of the other), the measure of a double exposure.
The last line is the summary.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from a2i.mood import default_analyzer
from a2i.prompts import get_generator
from a2i.render.painter.diversity import ssim
from a2i.render.painter.motion import Scene, render_frame

REPO = Path(__file__).resolve().parents[1]
MIXED = 0.12  # a pixel nearer than this fraction of the way to either keyframe counts as showing that keyframe


def grey(frame: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(frame).convert("L").resize((256, 256), Image.Resampling.BOX), dtype=np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--songs", nargs="*", default=[str(p) for p in sorted((REPO / "dataset" / "tutorial_data").glob("*.flac"))])
    parser.add_argument("--transitions", type=int, default=20)
    parser.add_argument("--size", default="640x360")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    analyzer, writer = default_analyzer(), get_generator("template")
    rows = []
    for song in args.songs:
        clips = analyzer.analyze(song, per_clip=True).clips
        scenes = []
        for clip in clips:
            prompt = writer.generate(clip, n=10, seed=0)[clip.index % 10]
            scenes.append(Scene.prepare(clip, prompt=prompt, seed=clip.index, size=(width, height)))
        for a, b in zip(scenes, scenes[1:]):
            start, mid, end = (render_frame(a, b, p, time=0.0) for p in (0.0, 0.5, 1.0))
            blend = ((start.astype(np.float64) + end) / 2).round().astype(np.uint8)
            gap = np.abs(start.astype(np.float64) - end).mean(axis=2)
            near_a = np.abs(mid.astype(np.float64) - start).mean(axis=2) <= MIXED * gap
            near_b = np.abs(mid.astype(np.float64) - end).mean(axis=2) <= MIXED * gap
            differs = gap > 20
            mixed = float((differs & ~near_a & ~near_b).sum() / max(differs.sum(), 1))
            rows.append((Path(song).name, ssim(grey(mid), grey(blend)), ssim(grey(mid), grey(start)), ssim(grey(mid), grey(end)), mixed))
            print(f"{rows[-1][0]:24s} transition {len(rows):2d}: SSIM to blend {rows[-1][1]:.3f}, to a {rows[-1][2]:.3f}, "
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
