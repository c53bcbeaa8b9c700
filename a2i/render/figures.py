"""Labelled picture grids: the tutorials' route comparison and the noise-level x guidance-scale figure.

Examples
--------
>>> from PIL import Image
>>> tiles = [[Image.new("RGB", (32, 32), (200, 40, 40))] * 3] * 2
>>> image_grid(tiles, row_labels=["a", "b"], col_labels=["1", "2", "3"], title="demo").size
(180, 112)
"""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image, ImageDraw

from a2i.errors import ConfigError
from a2i.fonts import draw_text, fit

#: Label text size in pixels; margins are derived from it so labels never overlap the pictures.
LABEL_SIZE = 12
_PAD = 4


def image_grid(rows: Sequence[Sequence[Image.Image]], *, row_labels: Sequence[str] = (), col_labels: Sequence[str] = (),
               title: str | None = None) -> Image.Image:
    """Pictures in rows and columns on white, with a label left of each row, above each column, and a title.

    Every picture is shown at the size of the first one, so a grid reads like a table.
    """
    if not rows or not rows[0] or any(len(row) != len(rows[0]) for row in rows):
        raise ConfigError("image_grid needs rows of equal, non-zero length")
    if (row_labels and len(row_labels) != len(rows)) or (col_labels and len(col_labels) != len(rows[0])):
        raise ConfigError("image_grid: one label per row and per column (or none)")
    width, height = rows[0][0].size
    left = 6 * LABEL_SIZE if row_labels else 0
    top = (LABEL_SIZE + 2 * _PAD if col_labels else 0) + (LABEL_SIZE + 2 * _PAD if title else 0)
    sheet = Image.new("RGB", (left + len(rows[0]) * (width + _PAD), top + len(rows) * (height + _PAD)), "white")
    draw = ImageDraw.Draw(sheet)
    if title:
        draw_text(draw, (_PAD, _PAD), fit(title, LABEL_SIZE, sheet.width - 2 * _PAD), size=LABEL_SIZE, fill=(0, 0, 0))
    label_top = top - LABEL_SIZE - _PAD
    for j, label in enumerate(col_labels):
        draw_text(draw, (left + j * (width + _PAD), label_top), fit(label, LABEL_SIZE, width), size=LABEL_SIZE, fill=(0, 0, 0))
    for i, row in enumerate(rows):
        y = top + i * (height + _PAD)
        if row_labels:
            draw_text(draw, (_PAD, y + height // 2 - LABEL_SIZE // 2), fit(row_labels[i], LABEL_SIZE, left - 2 * _PAD),
                      size=LABEL_SIZE, fill=(0, 0, 0))
        for j, picture in enumerate(row):
            sheet.paste(picture.convert("RGB").resize((width, height)), (left + j * (width + _PAD), y))
    return sheet
