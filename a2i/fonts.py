"""Text in pictures for any song's tags: Björk, 坂本龍一, Кино.

Why: Pillow's built-in font covers Latin only, so song titles in other scripts rendered as boxes. No one
font file covers every script, so text is drawn with a chain of fonts found on the machine: each character
in the first font that has a glyph for it (the way a browser falls back). The fonts are Debian packages
that ``make system-deps`` installs; without them the built-in font is used and a warning says what to
install.

Examples
--------
>>> from PIL import Image, ImageDraw
>>> image = Image.new("RGB", (400, 60))
>>> width = draw_text(ImageDraw.Draw(image), (10, 10), "Björk · 坂本龍一 · Кино", size=24, fill="white")
>>> width > 100
True
"""

from __future__ import annotations

import functools
import importlib.util
import warnings
from pathlib import Path

from PIL import ImageDraw, ImageFont

from a2i.errors import A2IWarning

#: Font files tried for each character, in order, with the Debian package that installs each
#: (``make system-deps`` installs them): DejaVu Sans covers Latin, Greek and Cyrillic; Droid Sans Fallback
#: Chinese, Japanese and Korean; Noto Sans CJK the same where a desktop already has it.
FONT_FILES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "fonts-dejavu-core"),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "fonts-droid-fallback"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "fonts-noto-cjk"),
    # Symbola: emoji and symbols as outlines (🎵 in a file name); colour emoji fonts are bitmaps at fixed sizes.
    ("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf", "fonts-symbola"),
)
#: Baseline below the top of a line, in font sizes (DejaVu Sans's ascent; the others' are close to it).
BASELINE = 0.93
#: A code point no font maps (the last private-use one): what it renders as is the font's "missing" glyph.
_UNMAPPED = "\U0010fffd"


def _font_paths() -> list[str]:
    paths = [path for path, _ in FONT_FILES if Path(path).is_file()]
    # matplotlib (the [dataset]/[train] extras) ships DejaVu Sans: Latin and Cyrillic without system fonts.
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.origin:
        bundled = Path(spec.origin).parent / "mpl-data/fonts/ttf/DejaVuSans.ttf"
        if bundled.is_file() and not any(p.endswith("DejaVuSans.ttf") for p in paths):
            paths.append(str(bundled))
    return paths


@functools.lru_cache(maxsize=32)
def fonts(size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, ...]:
    """The fallback chain at ``size`` pixels; Pillow's built-in font ends it (and is all of it, with a
    warning, when none of :data:`FONT_FILES` is installed)."""
    chain = [ImageFont.truetype(path, size) for path in _font_paths()]
    if not chain:
        packages = " ".join(package for _, package in FONT_FILES[:2])
        warnings.warn(f"no font with wide script coverage found; titles outside Latin show as boxes. Install "
                      f"Debian's {packages} (`make system-deps`)", A2IWarning, stacklevel=2)
    return (*chain, ImageFont.load_default(size=size))


@functools.lru_cache(maxsize=4096)
def _has_glyph(font: ImageFont.FreeTypeFont | ImageFont.ImageFont, char: str) -> bool:
    if char.isspace():
        return True
    mask = font.getmask(char)
    missing = font.getmask(_UNMAPPED)
    return mask.size != missing.size or bytes(mask) != bytes(missing)


def font_for(char: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The first font of :func:`fonts` that draws ``char`` (the last one when none does)."""
    chain = fonts(size)
    return next((font for font in chain if _has_glyph(font, char)), chain[-1])


def drawable(char: str, size: int) -> bool:
    """Whether any font of the chain draws ``char``; the others (an emoji with no emoji font installed, the
    invisible variation selector after one) are left out rather than drawn as boxes."""
    return any(_has_glyph(font, char) for font in fonts(size))


def _runs(text: str, size: int) -> list[tuple[str, ImageFont.FreeTypeFont | ImageFont.ImageFont]]:
    runs: list[tuple[str, ImageFont.FreeTypeFont | ImageFont.ImageFont]] = []
    for char in text:
        if not drawable(char, size):
            continue
        font = font_for(char, size)
        if runs and runs[-1][1] is font:
            runs[-1] = (runs[-1][0] + char, font)
        else:
            runs.append((char, font))
    return runs


def text_width(text: str, size: int) -> float:
    """Width in pixels of ``text`` drawn by :func:`draw_text`."""
    return sum(font.getlength(run) for run, font in _runs(text, size))


def fit(text: str, size: int, width: float) -> str:
    """``text``, cut with "…" so it fits in ``width`` pixels (CJK characters are about twice as wide as
    Latin ones, so a count of characters cannot do this).

    Examples
    --------
    >>> fit("a short title", 20, 1000)
    'a short title'
    >>> fit("a title far too long for a narrow box", 20, 120).endswith("…")
    True
    """
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def draw_text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, *, size: int, fill) -> float:  # noqa: ANN001
    """Draw one line with per-character font fallback, ``xy`` its top left; returns its width in pixels.

    Every run sits on one baseline (fonts differ in ascent, so aligning their tops would make a mixed
    title jump up and down).
    """
    x, y = xy
    baseline = y + round(BASELINE * size)
    for run, font in _runs(text, size):
        draw.text((x, baseline), run, fill=fill, font=font, anchor="ls")
        x += font.getlength(run)
    return x - xy[0]
