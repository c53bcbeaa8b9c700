"""Loading and validating explorer data folders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from a2i.errors import DatasetError
from a2i.explore import load_collection, parse_track
from a2i.explore.data import mean_color


def _folder(tmp_path: Path, track: dict, name: str = "song.json") -> Path:
    """A data folder with one picture (red), one clip and the given track JSON."""
    (tmp_path / "media").mkdir(exist_ok=True)
    Image.new("RGB", (8, 8), (200, 30, 10)).save(tmp_path / "media" / "a.png")
    (tmp_path / "media" / "a.wav").write_bytes(b"RIFF")
    (tmp_path / name).write_text(json.dumps(track))
    return tmp_path


def _track(**changes) -> dict:
    track = {"x": 0.3, "y": 0.0, "artists": "Ada;Bo", "track_name": "Tide", "popularity": 40,
             "danceability": 0.5, "energy": 0.0, "loudness": -8.0, "valence": 0.3, "track_genre": "ambient",
             "data": [{"image_path": "media/a.png", "prompt": "a calm sea", "track_genre": "ambient",
                       "audio_path": "media/a.wav", "mean_color": {"r": 1, "g": 2, "b": 3}}]}
    track.update(changes)
    return track


def test_loads_every_track_with_its_variants(collection, data_dir, sizes):
    n_tracks, variants = sizes
    assert len(collection.tracks) == n_tracks
    assert collection.max_variants == variants
    assert sum(collection.genres.values()) == n_tracks
    first = collection.tracks[0]
    assert (first.x, first.y) == (0.0, 0.0)  # edge values are valid positions
    assert all((data_dir / v.image_path).is_file() for t in collection.tracks for v in t.variants)
    assert all(v.mean_color is not None for t in collection.tracks for v in t.variants)


def test_artists_list_or_semicolons_become_one_string(tmp_path):
    root = _folder(tmp_path, _track())
    assert load_collection(root, cache_dir=tmp_path / "c").tracks[0].artists == "Ada, Bo"
    (root / "song.json").write_text(json.dumps(_track(artists=["Ada", "Cy"])))
    assert load_collection(root, cache_dir=tmp_path / "c").tracks[0].artists == "Ada, Cy"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"x": None}, "'x'", "missing"),
        ({"y": 1.5}, "'y'", "between 0 and 1"),
        ({"x": "0.4"}, "'x'", "expected a number"),
        ({"popularity": True}, "'popularity'", "expected a number"),
        ({"track_name": 7}, "'track_name'", "expected a string"),
        ({"artists": {"a": 1}}, "'artists'", "list of strings"),
        ({"data": []}, "'data'", "non-empty list"),
        ({"data": [{"prompt": "x"}]}, "'data[0].image_path'", "missing"),
        ({"data": [{"image_path": "media/nope.png"}]}, "'data[0].image_path'", "does not exist"),
        ({"data": [{"image_path": "../outside.png"}]}, "'data[0].image_path'", "outside the data folder"),
        ({"data": [{"image_path": "/etc/hostname"}]}, "'data[0].image_path'", "outside the data folder"),
        ({"data": [{"image_path": "media/a.png", "audio_path": "../b.wav"}]}, "'data[0].audio_path'",
         "outside the data folder"),
        ({"data": [{"image_path": "media/a.png", "mean_color": {"r": 1, "g": 300, "b": 0}}]},
         "'data[0].mean_color.g'", "between 0 and 255"),
    ],
)
def test_validation_error_names_file_and_field(tmp_path, changes, field, words):
    root = _folder(tmp_path, _track(**changes))
    with pytest.raises(DatasetError) as info:
        load_collection(root, cache_dir=tmp_path / "c")
    message = str(info.value)
    assert "song.json" in message and f"field {field}" in message and words in message


def test_invalid_json_and_empty_folders_are_clear_errors(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_collection(tmp_path / "missing")
    with pytest.raises(DatasetError, match="holds no \\*.json track file.*a2i explore build"):
        load_collection(tmp_path)
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(DatasetError, match="broken.json: not valid JSON"):
        load_collection(tmp_path)
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "broken.json").unlink()
    with pytest.raises(DatasetError, match="list.json: top level: expected a JSON object"):
        load_collection(tmp_path)


def test_skip_invalid_keeps_the_good_tracks_and_reports_the_bad(tmp_path):
    root = _folder(tmp_path, _track())
    (root / "bad.json").write_text(json.dumps(_track(x=2)))
    skipped = []
    collection = load_collection(root, skip_invalid=True, cache_dir=tmp_path / "c", on_skip=skipped.append)
    assert [t.id for t in collection.tracks] == ["song"]
    assert len(skipped) == 1 and "bad.json" in str(skipped[0])


def test_missing_mean_colors_are_computed_and_cached(tmp_path):
    track = _track()
    del track["data"][0]["mean_color"]
    root = _folder(tmp_path, track)
    collection = load_collection(root, cache_dir=tmp_path / "cache")
    assert collection.tracks[0].variants[0].mean_color == (200, 30, 10)
    cache = json.loads((tmp_path / "cache" / "mean_colors.json").read_text())
    assert list(cache.values()) == [[200, 30, 10]]
    # A picture edited in place gets a new colour (the cache key includes mtime and size).
    Image.new("RGB", (9, 9), (0, 0, 255)).save(root / "media" / "a.png")
    assert load_collection(root, cache_dir=tmp_path / "cache").tracks[0].variants[0].mean_color == (0, 0, 255)


def test_mean_color_of_a_two_tone_picture():
    import io

    image = Image.new("RGB", (100, 50), (0, 0, 0))
    image.paste((200, 100, 50), (50, 0, 100, 50))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    buffer.seek(0)
    assert mean_color(buffer) == (100, 50, 25)


def test_write_then_parse_round_trips(collection, tmp_path):
    from a2i.explore import write_track

    shutil.copytree(collection.root / "media", tmp_path / "media")
    track = collection.tracks[5]
    path = write_track(tmp_path / f"{track.id}.json", track)
    again = parse_track(json.loads(path.read_text()), source=path, root=tmp_path)
    assert again == track


def test_deeply_nested_json_is_one_error_line_and_skip_invalid_skips_it(tmp_path):
    root = _folder(tmp_path, _track())
    (root / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DatasetError, match=r"deep.json: not valid JSON \(nested too deeply") as info:
        load_collection(root, cache_dir=tmp_path / "c")
    assert "\n" not in str(info.value) and info.value.__cause__ is None
    skipped = []
    collection = load_collection(root, skip_invalid=True, cache_dir=tmp_path / "c", on_skip=skipped.append)
    assert [t.id for t in collection.tracks] == ["song"]
    assert len(skipped) == 1 and "deep.json" in str(skipped[0])


def test_a_utf8_bom_file_is_read(tmp_path):
    root = _folder(tmp_path, _track(track_name="Tïde"))
    (root / "song.json").write_bytes(b"\xef\xbb\xbf" + (root / "song.json").read_bytes())
    assert load_collection(root, cache_dir=tmp_path / "c").tracks[0].track_name == "Tïde"


def test_cli_deep_json_with_skip_invalid_serves_the_rest(tmp_path, capsys):
    """The CLI's own path: --skip-invalid warns about the deep file in one line instead of a traceback."""
    from a2i.explore.app import create_app

    root = _folder(tmp_path, _track())
    (root / "deep.json").write_text("{\"a\":" * 50_000)
    warnings = []
    app = create_app({"DATA_DIR": str(root), "CACHE_DIR": str(tmp_path / "c"), "WARM": False,
                      "SKIP_INVALID": True, "ON_SKIP": warnings.append})
    assert len(app.extensions["a2i_explore"].tracks) == 1
    assert len(warnings) == 1 and "nested too deeply" in str(warnings[0])
