"""Draw the README's first two figures from a real `a2i generate` run of the bundled example song.

    python docs/make_example_figures.py [--song dataset/tutorial_data/example_song.flac] [--out docs/images]

Writes ``example_song_clips.jpg`` (every clip's picture, left to right, with the clip's features that the
painter maps under it: valence and energy, tempo and loudness, timbre brightness and dynamic range; the
mappings are in :mod:`a2i.render.painter.palette`) and ``card_example_song.jpg`` (the info card of the middle clip), both from one
:func:`a2i.pipeline.generate` run with the default options and ``clips="all"``, so the README shows exactly what
``make demo`` makes.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

from a2i.fonts import fonts
from a2i.outputs import read_run
from a2i.pipeline import generate

TILE = 360  # px per picture: three side by side fit the README's column
LABEL = 72  # px of caption under each picture: three lines of features
QUALITY = 85  # JPEG quality: small files in the repository, no visible artefacts at this size
CARD_WIDTH = 900  # px: the card readable in the README without being a large file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--song", default="dataset/tutorial_data/example_song.flac")
    parser.add_argument("--out", default="docs/images")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        run = read_run(generate(args.song, Path(scratch) / "run", clips="all", progress=False).out_dir)
        pictures = sorted(run.pictures, key=lambda p: p.clip)
        strip = Image.new("RGB", (TILE * len(pictures), TILE + LABEL), "white")
        draw, font = ImageDraw.Draw(strip), fonts(15)[0]  # the card's font: it has "≈" of an uncertain tempo
        for i, picture in enumerate(pictures):
            clip = run.clip(picture.clip)
            image = Image.open(run.image_path(picture)).convert("RGB").resize((TILE, TILE), Image.Resampling.LANCZOS)
            strip.paste(image, (i * TILE, 0))
            lines = [f"{clip.start:.0f}-{clip.end:.0f} s · valence {clip.valence:.2f} · energy {clip.energy:.2f}",
                     f"{clip.tempo_text} · loudness {clip.loudness:.1f} LUFS"]
            if clip.features is not None:
                lines.append(f"brightness {clip.features.centroid:.0f} Hz · dynamic range {clip.features.dynamic_range:.0f} dB")
            for row, line in enumerate(lines):
                draw.text((i * TILE + TILE / 2, TILE + 13 + 23 * row), line, fill="black", font=font, anchor="mm")
        strip.save(out / "example_song_clips.jpg", quality=QUALITY)
        card = Image.open(run.card_path(pictures[len(pictures) // 2])).convert("RGB")
        card = card.resize((CARD_WIDTH, round(card.height * CARD_WIDTH / card.width)), Image.Resampling.LANCZOS)
        card.save(out / "card_example_song.jpg", quality=QUALITY)
        for picture in pictures:
            print(f"clip {picture.clip}: {picture.prompt}")


if __name__ == "__main__":
    main()
