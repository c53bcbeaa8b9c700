"""The valence × arousal map as a PNG: every song as its first picture, for reports and READMEs.

The browser explorer is the interactive view; this is the still one that ``a2i explore build`` writes next
to the data (the project's rule: a figure a person would rather see also gets a PNG). Drawn with Pillow, so
it needs no plotting extra.
"""

from __future__ import annotations

import os
from pathlib import Path

from a2i.explore.data import Collection
from a2i.fileio import atomic_save_png

_BG, _PLOT, _GUIDE, _TEXT, _ACCENT = (15, 17, 22), (18, 21, 28), (34, 39, 50), (194, 200, 214), (240, 180, 76)
X_WORDS = ((0.0, "sad"), (0.5, "neutral"), (1.0, "happy"))
Y_WORDS = ((0.0, "calm"), (0.5, "moderate"), (1.0, "intense"))


def save_map(collection: Collection, path: str | os.PathLike[str], *, size: tuple[int, int] = (1400, 900),
             thumb: int | None = None) -> Path:
    """Draw the collection on a valence × arousal map and save it as PNG.

    Parameters
    ----------
    collection
        The loaded data folder.
    path
        Where to write the PNG.
    size
        Picture size in pixels.
    thumb
        Thumbnail side; by default it shrinks as the number of songs grows.
    """
    from PIL import Image, ImageDraw, ImageFont

    width, height = size
    n = len(collection.tracks)
    side = thumb or (96 if n <= 12 else 64 if n <= 60 else 40 if n <= 600 else 20)
    left, right, top, bottom = 70, 30, 30, 70
    pad = side // 2 + 4  # songs at 0 and 1 draw whole, inside the frame
    x0, y0, x1, y1 = left + pad, top + pad, width - right - pad, height - bottom - pad
    image = Image.new("RGB", size, _BG)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=16)
    draw.rectangle((left, top, width - right, height - bottom), fill=_PLOT, outline=(58, 65, 82))
    for k in range(11):
        gx = x0 + (x1 - x0) * k / 10
        gy = y1 - (y1 - y0) * k / 10
        draw.line((gx, top + 1, gx, height - bottom - 1), fill=_GUIDE)
        draw.line((left + 1, gy, width - right - 1, gy), fill=_GUIDE)
        draw.text((gx, height - bottom + 6), f"{k / 10:.1f}", fill=(139, 147, 165), font=font, anchor="mt")
        draw.text((left - 8, gy), f"{k / 10:.1f}", fill=(139, 147, 165), font=font, anchor="rm")
    for t, word in X_WORDS:
        draw.text((x0 + (x1 - x0) * t, height - 22), word, fill=_TEXT, font=font, anchor="mm")
    draw.text((x0 + (x1 - x0) * 0.27, height - 22), "valence", fill=_ACCENT, font=font, anchor="mm")
    for t, word, color in (*((t, w, _TEXT) for t, w in Y_WORDS), (0.27, "arousal", _ACCENT)):
        label = Image.new("RGBA", (200, 24), (0, 0, 0, 0))
        ImageDraw.Draw(label).text((100, 12), word, fill=color, font=font, anchor="mm")
        rotated = label.rotate(90, expand=True)
        image.paste(rotated, (8, int(y1 - (y1 - y0) * t) - 100), rotated)
    order = sorted(collection.tracks, key=lambda t: (t.metadata.get("popularity") or -1))
    for track in order:
        cx, cy = x0 + (x1 - x0) * track.x, y1 - (y1 - y0) * track.y
        box = (int(cx - side / 2), int(cy - side / 2))
        try:
            if track.variants[0].image_missing:
                raise FileNotFoundError(track.variants[0].image_path)
            with Image.open(collection.root / track.variants[0].image_path) as picture:
                picture.draft("RGB", (side * 2, side * 2))
                tile = picture.convert("RGB").resize((side, side), Image.Resampling.LANCZOS)
        except (OSError, ValueError):
            tile = Image.new("RGB", (side, side), track.variants[0].mean_color or (90, 90, 90))
        image.paste(tile, box)
        draw.rectangle((box[0], box[1], box[0] + side - 1, box[1] + side - 1), outline=(10, 10, 14))
        if n <= 60:  # names below the picture, or above it near the bottom edge
            below = track.y > 0.15
            draw.text((cx, box[1] + side + 3 if below else box[1] - 3), track.track_name[:24], fill=_TEXT,
                      font=font, anchor="mt" if below else "mb")
    return atomic_save_png(image, path)  # a reader (or a killed build) never sees half a PNG
