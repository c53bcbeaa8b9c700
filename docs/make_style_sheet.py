"""Draw the README's painter style sheets: one song in every style, and one style across the mood square.

    python docs/make_style_sheet.py [--song dataset/tutorial_data/example_song.flac] [--out docs/images]

Writes ``painter_styles.jpg`` (the song's centre clip, analysed, painted in each style with the style's first
prompt phrase and one scene), ``painter_mood_square.jpg`` (the landscape style over valence 0.15 / 0.5 / 0.85
from left to right and energy 0.85 / 0.5 / 0.15 from top to bottom, everything else held) and
``painter_free_text.jpg`` (ten free-text prompts, with subjects, counts and colours, beside their pictures and
the description the card writes from what was drawn).
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from a2i.mood import Profile, default_analyzer
from a2i.planner import select_clips
from a2i.render.painter import STYLES, paint, paint_with_record

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


FREE_TEXT = (
    "A watercolour of one lighthouse on a stormy coast at night. Deep indigo and silver light with crashing waves.",
    "Three boats on a calm bay at dawn, in peach and turquoise.",
    "An ink wash painting of a single tree in the snow below the mountains.",
    "Fireworks over a festival crowd, magenta and gold.",
    "A stained-glass window of a river winding through a forest under a full moon.",
    "Two figures walking a long road through desert dunes at sunset.",
    "A Bauhaus poster of a city skyline above a bridge, in cobalt and scarlet.",
    "A pointillist meadow of poppies with a bonfire and five birds, in crimson and sage.",
    "A cat asleep on a windowsill looking out on the sea in the rain.",
    "A topographic map of mountains above a still lake with clouds, in lavender and emerald.",
)
CAPTION = 92  # px under each free-text picture: the prompt and the card's description


def free_text_sheet(profile: Profile, size: int) -> Image.Image:
    """Ten free-text prompts beside their pictures: the prompt above, the card's description below."""
    width = 2 * TILE
    out = Image.new("RGB", (2 * width, 5 * (TILE + CAPTION)), "white")
    draw = ImageDraw.Draw(out)
    font = ImageFont.load_default(size=15)
    for i, text in enumerate(FREE_TEXT):
        image, drawn = paint_with_record(profile, prompt=text, size=size, seed=i)
        x, y = (i % 2) * width, (i // 2) * (TILE + CAPTION)
        out.paste(image.resize((TILE, TILE), Image.Resampling.LANCZOS), (x, y))
        lines = ["prompt: " + text, "shows: " + drawn.description]
        if drawn.not_drawn:
            lines.append("not drawn: " + ", ".join(drawn.not_drawn))
        rows = [row for line in lines for row in textwrap.wrap(line, 40)]
        for r, row in enumerate(rows[: (TILE + CAPTION - 8) // 18]):
            draw.text((x + TILE + 10, y + 6 + r * 18), row, fill="black", font=font)
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
    styles = [(paint(clip, prompt=f"{spec.phrases[0]} of a lighthouse and two boats below a city skyline at dusk", size=args.size,
                     seed=0), name)
              for name, spec in STYLES.items()]
    sheet(styles, 3).save(out / "painter_styles.jpg", quality=QUALITY)
    square = [(paint(Profile(valence=v, energy=e, tempo=70 + 90 * e, acousticness=1 - e), style="landscape", size=args.size, seed=3),
               f"valence {v:.2f} · energy {e:.2f}") for e in (0.85, 0.5, 0.15) for v in (0.15, 0.5, 0.85)]
    sheet(square, 3).save(out / "painter_mood_square.jpg", quality=QUALITY)
    free_text_sheet(clip, args.size).save(out / "painter_free_text.jpg", quality=QUALITY)
    print(f"wrote {out / 'painter_free_text.jpg'}")
    print(f"wrote {out / 'painter_styles.jpg'} (valence {clip.valence:.2f}, energy {clip.energy:.2f})")
    print(f"wrote {out / 'painter_mood_square.jpg'}")


if __name__ == "__main__":
    main()
