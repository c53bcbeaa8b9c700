"""Info cards: the picture beside what made it (title, genre, valence, energy, tempo, the prompt).

A card is what a person shares or pins on a study wall, so it is a PNG in the 1200 x 630 link-preview
format, with the text panel tinted by the picture's own average colour.
"""

from __future__ import annotations

import textwrap

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from a2i.mood import Profile

CARD_SIZE = (1200, 630)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _bar(draw: ImageDraw.ImageDraw, xy: tuple[int, int], label: str, value: float, ink: tuple[int, int, int], font) -> None:
    x, y = xy
    draw.text((x, y), label, fill=ink, font=font)
    left, width = x + 150, 300
    draw.rounded_rectangle((left, y + 6, left + width, y + 20), radius=7, outline=ink, width=2)
    draw.rounded_rectangle((left, y + 6, left + max(14, int(width * value)), y + 20), radius=7, fill=ink)
    draw.text((left + width + 14, y), f"{value:.2f}", fill=ink, font=font)


def clip_subtitle(index: int, n_clips: int, start: float, end: float, seed: int) -> str:
    """A card's subtitle for clip ``index`` (0-based) of ``n_clips``: where it is in the song and its seed.

    Examples
    --------
    >>> clip_subtitle(1, 3, 10.0, 20.0, 6)
    'clip 2 of 3 · 10-20 s · seed 6'
    """
    return f"clip {index + 1} of {n_clips} · {start:.0f}-{end:.0f} s · seed {seed}"


def info_card(picture: Image.Image, profile: Profile, prompt: str | None, *, subtitle: str | None = None) -> Image.Image:
    """Compose a card: the picture on the left, the song and its mood reading on the right.

    Parameters
    ----------
    picture : PIL.Image.Image
    profile : Profile
        The clip's or song's profile; title/artist/genre come from the song's tags when present.
    prompt : str, optional
        The visual prompt attached to this picture.
    subtitle : str, optional
        e.g. "clip 2 · 10.0-20.0 s".
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
    title = profile.title or "Untitled"
    draw.text((x, 36), textwrap.shorten(title, 34, placeholder="…"), fill=ink, font=_font(34))
    byline = " · ".join(s for s in (profile.artist, profile.genre) if s) or "unknown artist"
    draw.text((x, 84), textwrap.shorten(byline, 48, placeholder="…"), fill=muted, font=_font(20))
    if subtitle:
        draw.text((x, 112), subtitle, fill=muted, font=_font(18))
    small = _font(19)
    _bar(draw, (x, 160), "valence", profile.valence, ink, small)
    _bar(draw, (x, 195), "energy", profile.energy, ink, small)
    _bar(draw, (x, 230), "danceability", profile.danceability, ink, small)
    draw.text((x, 272), f"{profile.tempo:.0f} BPM   {profile.key_name}   loudness {profile.loudness:.1f} dB", fill=ink, font=small)
    if prompt:
        draw.text((x, 322), "prompt", fill=muted, font=_font(16))
        lines = textwrap.wrap(prompt, 46)[:11]
        draw.multiline_text((x, 346), "\n".join(lines), fill=ink, font=_font(18), spacing=6)
    return card
