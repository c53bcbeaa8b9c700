"""Variant diversity: how different a song's pictures are from each other (issue 13).

For each song, as ``a2i explore build`` does: analyse it, write ``--variants`` prompts from the song's
profile, and paint variant ``i`` of the centre clip with prompt ``i`` and seed ``seed + i``. Reports the mean
pairwise distance between a song's variants in mean colour (RGB, 0..441) and in structure
(``1 - SSIM`` of 128-px grey thumbnails, :mod:`a2i.render.painter.diversity`), and whether each variant kept
its clip's mood: its mean lightness and saturation against the mood's targets.

Goals (issue 13): structure distance >= 0.75, mean colour distance >= 30.

    python benchmarks/bench_variants.py SONG.mp3 ...            # the songs to measure (e.g. the example songs)
    python benchmarks/bench_variants.py                         # three synthesized pieces (a2i.synth)
    python benchmarks/bench_variants.py --painter OLD.py SONG   # another painter module (e.g. an old edition,
                                                                # from `git show REV:a2i/render/painter.py`)
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import statistics
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import numpy as np
from PIL import Image

from a2i.fileio import content_hash
from a2i.mood import default_analyzer
from a2i.planner import select_clips
from a2i.prompts import get_generator
from a2i.render.painter.diversity import variant_diversity
from a2i.render.painter.palette import mood_for
from a2i.seeding import song_seed


def load_painter(path: str | None) -> ModuleType:
    if path is None:
        import a2i.render.painter as painter

        return painter
    spec = importlib.util.spec_from_file_location("other_painter", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def synth_songs(folder: Path) -> list[Path]:
    import soundfile as sf

    from a2i.synth import PIECES, render

    paths = []
    for name in ("bright_major", "dark_minor", "example_song"):
        audio = render(PIECES[name], seconds=40.0)
        path = folder / f"{name}.wav"
        sf.write(path, audio.samples, audio.sr)
        paths.append(path)
    return paths


def lightness_saturation(image) -> tuple[float, float]:
    rgb = np.asarray(image, dtype=np.float32) / 255.0
    mx, mn = rgb.max(axis=2), rgb.min(axis=2)
    return float(((mx + mn) / 2).mean()), float(np.where(mx > 0, (mx - mn) / np.maximum(mx, 1e-6), 0.0).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("songs", nargs="*", help="audio files (default: three synthesized pieces)")
    parser.add_argument("--variants", type=int, default=3, help="pictures per song (default: 3, as the explorer)")
    parser.add_argument("--size", type=int, default=512, help="picture side in pixels (default: 512)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--painter", help="a painter module file to measure instead of a2i.render.painter")
    parser.add_argument("--grid", help="also save every song's variants as one PNG grid (a row per song) here")
    args = parser.parse_args()
    painter = load_painter(args.painter)
    takes_prompt = "prompt" in inspect.signature(painter.paint).parameters
    analyzer = default_analyzer()
    writer = get_generator("template")
    with tempfile.TemporaryDirectory() as tmp:
        songs = [Path(s) for s in args.songs] or synth_songs(Path(tmp))
        colour, structure, drift, rows = [], [], [], []
        for song in songs:
            analysis = analyzer.analyze(song, per_clip=True)
            clip = select_clips(analysis, "center")[0]
            prompts = writer.generate(analysis.song, n=args.variants, seed=song_seed(args.seed, content_hash(song)))
            images = []
            for i, prompt in enumerate(prompts):
                kwargs = {"prompt": prompt} if takes_prompt else {}
                images.append(painter.paint(clip, size=args.size, seed=args.seed + i, **kwargs))
            rows.append(images)
            c, s = variant_diversity(images)
            colour.append(c)
            structure.append(s)
            measured = [lightness_saturation(im) for im in images]
            target = mood_for(clip)
            drift += [abs(light - target.lightness) for light, _ in measured] + [abs(sat - target.saturation) for _, sat in measured]
            print(f"{song.name}: valence {clip.valence:.2f} energy {clip.energy:.2f}  colour {c:6.1f}  structure {s:.3f}  "
                  f"lightness {' '.join(f'{m[0]:.2f}' for m in measured)} (mood {target.lightness:.2f}±0.07)  "
                  f"saturation {' '.join(f'{m[1]:.2f}' for m in measured)} (mood {target.saturation:.2f})  "
                  f"styles: {', '.join(p.split(' of ')[0] for p in prompts)}")
    if args.grid:
        thumb = 256
        sheet = Image.new("RGB", (thumb * args.variants, thumb * len(rows)))
        for r, images in enumerate(rows):
            for c, image in enumerate(images):
                sheet.paste(image.resize((thumb, thumb), Image.Resampling.LANCZOS), (c * thumb, r * thumb))
        sheet.save(args.grid)
    print(f"SUMMARY painter={args.painter or 'a2i.render.painter'} songs={len(colour)} "
          f"colour_distance={statistics.mean(colour):.1f} (goal >= 30) structure_distance={statistics.mean(structure):.3f} "
          f"(goal >= 0.75) max_mood_drift={max(drift):.3f}")


if __name__ == "__main__":
    main()
