"""Draw the README's painter style sheets: one song in every style, and one style across the mood square.

    python docs/make_style_sheet.py [--song dataset/tutorial_data/example_song.flac] [--out docs/images]

Writes ``painter_styles.jpg`` (the song's centre clip, analysed, painted in each style with the style's first
prompt phrase) and ``painter_mood_square.jpg`` (the landscape style over valence 0.15 / 0.5 / 0.85 from left to
right and energy 0.85 / 0.5 / 0.15 from top to bottom, everything else held).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from a2i.mood import Profile, default_analyzer
from a2i.planner import select_clips
from a2i.render.painter import STYLES, paint

TILE = 320  # px per picture: big enough to read each style's marks in the README
LABEL = 34  # px of caption under each picture
QUALITY = 85  # JPEG quality: small files in the repository, no visible artefacts at this size


def sheet(tiles: list[tuple[Image.Image, str]], columns: int) -> Image.Image:
    rows = (len(tiles) + columns - 1) // columns
    out = Image.new("RGB", (columns * TILE, rows * (TILE + LABEL)), "white")
    draw = ImageDraw.Draw(out)
    font = ImageFont.load_default(size=18)
    for i, (image, caption) in enumerate(tiles):
        x, y = (i % columns) * TILE, (i // columns) * (TILE + LABEL)
        out.paste(image.resize((TILE, TILE), Image.Resampling.LANCZOS), (x, y))
        draw.text((x + TILE / 2, y + TILE + LABEL / 2), caption, fill="black", font=font, anchor="mm")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--song", default="dataset/tutorial_data/example_song.flac")
    parser.add_argument("--out", default="docs/images")
    parser.add_argument("--size", type=int, default=640, help="painting size before the sheet scales it down")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    clip = select_clips(default_analyzer().analyze(args.song, per_clip=True), "center")[0]
    styles = [(paint(clip, prompt=f"{spec.phrases[0]} of a coastal town at dusk", size=args.size, seed=0), name)
              for name, spec in STYLES.items()]
    sheet(styles, 3).save(out / "painter_styles.jpg", quality=QUALITY)
    square = [(paint(Profile(valence=v, energy=e, tempo=70 + 90 * e, acousticness=1 - e), style="landscape", size=args.size, seed=3),
               f"valence {v:.2f} · energy {e:.2f}") for e in (0.85, 0.5, 0.15) for v in (0.15, 0.5, 0.85)]
    sheet(square, 3).save(out / "painter_mood_square.jpg", quality=QUALITY)
    print(f"wrote {out / 'painter_styles.jpg'} (valence {clip.valence:.2f}, energy {clip.energy:.2f})")
    print(f"wrote {out / 'painter_mood_square.jpg'}")


if __name__ == "__main__":
    main()
