"""Info cards: the picture beside what made it (title, genre, valence, energy, tempo) and what it shows.

A card is what a person shares or pins on a study wall, so it is a PNG in the 1200 x 630 link-preview
format, with the text panel tinted by the picture's own average colour.

When the backend can say what it drew (the painter's ``drawn`` record, :mod:`a2i.render.painter.drawn`),
the card's description ("shows") is written from that record, so every subject it names is in the picture;
the subjects the text named that could not be drawn are listed ("not drawn: cat"), and the prompt the
picture came from is kept below, labelled as the prompt.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from a2i.fonts import draw_text, fit
from a2i.mood import Profile

CARD_SIZE = (1200, 630)
#: Width of the text panel's lines: the card less the square picture and a 36-pixel margin either side.
TEXT_WIDTH = CARD_SIZE[0] - CARD_SIZE[1] - 2 * 36


def _bar(draw: ImageDraw.ImageDraw, xy: tuple[int, int], label: str, value: float, ink: tuple[int, int, int], size: int) -> None:
    x, y = xy
    draw_text(draw, (x, y), label, size=size, fill=ink)
    left, width = x + 150, 300
    draw.rounded_rectangle((left, y + 6, left + width, y + 20), radius=7, outline=ink, width=2)
    draw.rounded_rectangle((left, y + 6, left + max(14, int(width * value)), y + 20), radius=7, fill=ink)
    draw_text(draw, (left + width + 14, y), f"{value:.2f}", size=size, fill=ink)


def clip_subtitle(index: int, n_clips: int, start: float, end: float, seed: int) -> str:
    """A card's subtitle for clip ``index`` (0-based) of ``n_clips``: where it is in the song and its seed.

    Examples
    --------
    >>> clip_subtitle(1, 3, 10.0, 20.0, 6)
    'clip 2 of 3 · 10-20 s · seed 6'
    >>> clip_subtitle(0, 1, 0.0, 0.2, 0)  # a span whole seconds would hide ("0-0 s") gets tenths
    'clip 1 of 1 · 0.0-0.2 s · seed 0'
    """
    places = 0 if round(end) - round(start) >= 1 else 1
    return f"clip {index + 1} of {n_clips} · {start:.{places}f}-{end:.{places}f} s · seed {seed}"


DESCRIPTION_LINES = 5  # rows of the description ("shows"); the prompt takes what is left of the panel
PROMPT_TOP = 322  # px: where the text below the mood reading starts
LINE = 24  # px between rows of the description and the prompt
WRAP = 46  # characters per row at 18 px


def _block(draw: ImageDraw.ImageDraw, x: int, y: int, label: str, text: str, rows: int, ink: tuple[int, int, int],
           muted: tuple[int, int, int]) -> int:
    """A labelled paragraph of at most ``rows`` rows (the last cut with an ellipsis); returns the next free y."""
    draw_text(draw, (x, y), label, size=16, fill=muted)
    lines = textwrap.wrap(text, WRAP)
    if len(lines) > rows:
        lines = lines[: rows - 1] + [lines[rows - 1][: WRAP - 1] + "…"]
    for row, line in enumerate(lines):
        draw_text(draw, (x, y + 24 + row * LINE), fit(line, 18, TEXT_WIDTH), size=18, fill=ink)
    return y + 24 + len(lines) * LINE + 10


def info_card(picture: Image.Image, profile: Profile, prompt: str | None, *, subtitle: str | None = None,
              drawn: Mapping[str, Any] | None = None) -> Image.Image:
    """Compose a card: the picture on the left, the song and its mood reading on the right.

    Text in any script is drawn (see :mod:`a2i.fonts`), cut to the panel's width.

    Parameters
    ----------
    picture : PIL.Image.Image
    profile : Profile
        The clip's or song's profile; title/artist/genre come from the song's tags when present (the
        caller passes the file name as the title when the song has no title tag).
    prompt : str, optional
        The visual prompt attached to this picture.
    subtitle : str, optional
        e.g. "clip 2 · 10.0-20.0 s".
    drawn : mapping, optional
        What the picture shows (a painter ``Drawn`` record as a dict): its ``description`` is the card's
        "shows" text and its ``not_drawn`` the "not drawn" line; the prompt then follows, labelled.

    Examples
    --------
    >>> card = info_card(Image.new("RGB", (64, 64), "navy"), Profile(title="坂本龍一", artist="Björk"), "a calm sea")
    >>> card.size
    (1200, 630)
    """
    w, h = CARD_SIZE
    card = Image.new("RGB", CARD_SIZE)
    card.paste(picture.convert("RGB").resize((h, h), Image.Resampling.LANCZOS), (0, 0))
    mean = np.asarray(picture.convert("RGB").resize((32, 32))).reshape(-1, 3).mean(axis=0)
    panel = tuple(int(c * 0.35 + 18) for c in mean)
    ink = (245, 245, 245)
    muted = (200, 200, 200)
    draw = ImageDraw.Draw(card)
    draw.rectangle((h, 0, w, h), fill=panel)
    x = h + 36
    draw_text(draw, (x, 36), fit(profile.title or "Untitled", 34, TEXT_WIDTH), size=34, fill=ink)
    byline = " · ".join(s for s in (profile.artist, profile.genre) if s) or "unknown artist"
    draw_text(draw, (x, 84), fit(byline, 20, TEXT_WIDTH), size=20, fill=muted)
    if subtitle:
        draw_text(draw, (x, 112), fit(subtitle, 18, TEXT_WIDTH), size=18, fill=muted)
    _bar(draw, (x, 160), "valence", profile.valence, ink, 19)
    _bar(draw, (x, 195), "energy", profile.energy, ink, 19)
    _bar(draw, (x, 230), "danceability", profile.danceability, ink, 19)
    reading = f"{profile.tempo_text}   {profile.key_name}   loudness {profile.loudness:.1f} dB"
    draw_text(draw, (x, 272), fit(reading, 19, TEXT_WIDTH), size=19, fill=ink)
    y = PROMPT_TOP
    if drawn:
        y = _block(draw, x, y, "shows", str(drawn.get("description", "")), DESCRIPTION_LINES, ink, muted)
        missing = list(drawn.get("not_drawn") or [])
        if missing:
            draw_text(draw, (x, y), fit("not drawn: " + ", ".join(missing), 18, TEXT_WIDTH), size=18, fill=muted)
            y += LINE + 10
    if prompt:
        rows = max(1, (h - 20 - y - 24) // LINE)
        _block(draw, x, y, "prompt", prompt, rows, ink if not drawn else muted, muted)
    return card
