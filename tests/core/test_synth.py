from pathlib import Path

import numpy as np

from a2i.audio import load, read_tags
from a2i.synth import PIECES, render, render_example_songs

REPO = Path(__file__).resolve().parents[2]


def test_render_is_deterministic_and_in_range():
    a, b = render(PIECES["bright_major"], seconds=3.0), render(PIECES["bright_major"], seconds=3.0)
    assert np.array_equal(a.samples, b.samples)
    assert a.duration == 3.0 and np.max(np.abs(a.samples)) <= 1.0
    assert not np.array_equal(a.samples, render(PIECES["bright_major"], seconds=3.0, seed=1).samples)


def test_bundled_pieces_are_the_synthesizer_output(tmp_path):
    written = render_example_songs(tmp_path, seconds=30.0)
    assert {p.name for p in written} == {"bright_major.flac", "dark_minor.flac", "example_song.flac"}
    for path in written:
        bundled = REPO / "dataset/tutorial_data" / path.name
        assert bundled.exists(), f"{bundled} missing: run `make songs`"
        assert np.allclose(load(bundled, sr=None).samples, load(path, sr=None).samples, atol=1e-4)
    assert read_tags(written[0])["artist"] == "a2i synthesizer"
