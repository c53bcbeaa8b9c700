"""Do songs look different, do a song's variants differ, and does the mood still lead the colour?

    PYTHONPATH=. python benchmarks/bench_painter_variety.py FOLDER [--songs 12] [--clips 60] [--size 256]

From the audio files in FOLDER (mp3, flac, wav, ogg; sorted by name), as ``a2i generate`` does with default
options (template prompts, the planner's song-aware seeds, the painter):

1. **between songs** (the first ``--songs``): each song's centre-clip picture; over every pair, the mean colour
   distance (RGB, 0..441) and the structure distance (``1 - SSIM`` at 256 px, grey); the least different pair's
   structure is the figure (target >= 0.5);
2. **within a song**: three variants of the centre clip (``--variants 3``): mean pairwise structure (target >=
   0.75) and colour distance (target >= 30), averaged over the songs;
3. **mood in charge** (the first ``--clips`` files): Spearman correlation between the analysed valence of the
   centre clip and its picture's mean HLS lightness, and between energy and mean HSV saturation (targets >= 0.40).

Never commit anything made from third-party audio. The last line is the summary.
"""

from __future__ import annotations

import argparse
from itertools import combinations
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.stats import spearmanr

from a2i.fileio import content_hash
from a2i.mood import default_analyzer
from a2i.planner import Job, plan
from a2i.render.painter import paint
from a2i.render.painter.diversity import colour_distance, ssim

AUDIO = (".mp3", ".flac", ".wav", ".ogg")


def grey256(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L").resize((256, 256), Image.Resampling.BOX), dtype=np.float64)


def structure(a: Image.Image, b: Image.Image) -> float:
    return 1.0 - ssim(grey256(a), grey256(b))


def light_sat(image: Image.Image) -> tuple[float, float]:
    rgb = np.asarray(image, dtype=np.float32) / 255.0
    mx, mn = rgb.max(axis=2), rgb.min(axis=2)
    return float(((mx + mn) / 2).mean()), float(np.where(mx > 0, (mx - mn) / np.maximum(mx, 1e-6), 0.0).mean())


def pictures(song: Path, analyzer, variants: int, size: int) -> tuple[list[Image.Image], float, float]:
    analysis = analyzer.analyze(song, per_clip=True)
    requests = plan(analysis, Job(variants=variants, size=size), content_hash(song))
    images = [paint(r.clip, prompt=r.prompt, style=r.style, size=size, seed=r.seed, features=r.clip.features) for r in requests]
    clip = requests[0].clip
    return images, clip.valence, clip.energy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--songs", type=int, default=12)
    parser.add_argument("--clips", type=int, default=60)
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()
    files = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() in AUDIO)
    analyzer = default_analyzer()
    firsts, within_s, within_c, moods = [], [], [], []
    for song in files[: max(args.songs, args.clips) + 10]:
        if len(moods) >= max(args.songs, args.clips):
            break
        variants = 3 if len(firsts) < args.songs else 1
        try:
            images, valence, energy = pictures(song, analyzer, variants, args.size)
        except Exception as exc:  # noqa: BLE001 - a song the analyser cannot read is skipped, and said so
            print(f"{song.name}: skipped, the analysis failed ({type(exc).__name__}: {exc})")
            continue
        moods.append((valence, energy, *light_sat(images[0])))
        if variants == 3:
            firsts.append(images[0])
            pairs = list(combinations(images, 2))
            within_s.append(np.mean([structure(a, b) for a, b in pairs]))
            within_c.append(np.mean([colour_distance(a, b) for a, b in pairs]))
            print(f"{song.name}: valence {valence:.2f} energy {energy:.2f}; "
                  f"variants structure {within_s[-1]:.3f}, colour {within_c[-1]:.1f}")
    pairs = [(structure(a, b), colour_distance(a, b)) for a, b in combinations(firsts, 2)]
    least = min(pairs)
    m = np.array(moods)
    rho_l = spearmanr(m[:, 0], m[:, 2]).statistic
    rho_s = spearmanr(m[:, 1], m[:, 3]).statistic
    print(f"between {len(firsts)} songs: structure mean {np.mean([p[0] for p in pairs]):.3f}, least different pair {least[0]:.3f}; "
          f"colour mean {np.mean([p[1] for p in pairs]):.1f}")
    print(f"SUMMARY songs {len(firsts)}: least-different pair structure {least[0]:.3f} | within-song variants structure "
          f"{np.mean(within_s):.3f}, colour {np.mean(within_c):.1f} | {len(moods)} clips: Spearman(valence, lightness) "
          f"{rho_l:.2f}, Spearman(energy, saturation) {rho_s:.2f}")


if __name__ == "__main__":
    main()
