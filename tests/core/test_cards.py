"""Info cards draw titles in any script, and the file name when a song has no title tag."""

import numpy as np
import pytest
from PIL import Image

from a2i import fonts
from a2i.cards import info_card
from a2i.cli import main
from a2i.errors import A2IWarning
from a2i.mood import Profile
from a2i.outputs import read_run

TITLE_BOX = (640, 20, 1190, 80)  # where the title is drawn


def _title(text: str) -> np.ndarray:
    card = info_card(Image.new("RGB", (64, 64), "navy"), Profile(title=text), None)
    return np.asarray(card.crop(TITLE_BOX).convert("L"), dtype=np.int16)


@pytest.mark.parametrize("title", ["Björk", "坂本龍一", "Кино", "Ελλάδα"])
def test_titles_in_any_script_are_not_missing_glyph_boxes(title):
    unmapped = "".join(chr(0xF0000 + i) for i in range(len(title)))  # private use: no font draws these
    drawn, boxes = _title(title), _title(unmapped)
    assert (drawn > 128).sum() > 50  # ink on the panel
    assert np.abs(drawn - boxes).sum() > 0
    for char in title:
        font = fonts.font_for(char, 34)
        assert fonts._has_glyph(font, char), (char, font)


def test_long_cjk_titles_are_cut_to_the_panel():
    text = "戦場のメリークリスマス" * 4
    cut = fonts.fit(text, 34, 400)
    assert cut.endswith("…") and fonts.text_width(cut, 34) <= 400 < fonts.text_width(text, 34)


def test_without_wide_fonts_cards_still_render_with_a_warning(monkeypatch):
    monkeypatch.setattr(fonts, "_font_paths", lambda: [])
    fonts.fonts.cache_clear()
    try:
        with pytest.warns(A2IWarning, match="fonts-dejavu-core fonts-droid-fallback"):
            card = info_card(Image.new("RGB", (64, 64)), Profile(title="坂本龍一"), "a prompt")
        assert card.size == (1200, 630)
    finally:
        fonts.fonts.cache_clear()


def test_card_shows_the_file_name_without_a_title_tag(tmp_path):
    from a2i.audio import write
    from a2i.synth import PIECES, render

    song = write(tmp_path / "Untagged Song.wav", render(PIECES["dark_minor"], seconds=6.0))
    assert main(["generate", str(song), "--out", str(tmp_path / "run"), "--size", "32"]) == 0
    run = read_run(tmp_path / "run")
    assert run.profile.title is None
    (picture,) = run.pictures
    card = np.asarray(Image.open(run.card_path(picture)).crop(TITLE_BOX).convert("L"), dtype=np.int16)
    panel = Image.open(run.card_path(picture)).getpixel((1190, 5))
    expected = info_card(Image.open(run.image_path(picture)), Profile(title="Untagged Song.wav"), None)
    assert expected.getpixel((1190, 5)) == panel
    assert np.array_equal(card, np.asarray(expected.crop(TITLE_BOX).convert("L"), dtype=np.int16))
