"""The thesis's own explorer folder, served as it is, and the holes real collections have."""

from __future__ import annotations

import io
import json
import os

import pytest
from PIL import Image

from a2i.errors import DatasetError
from a2i.explore import create_app, load_collection
from a2i.explore.app import ATLAS_SIZE
from a2i.explore.data import PLACEHOLDER_COLOR

#: Copied from tests/explore/conftest.py (THESIS_SONGS): the fixture folder's file stems.
STEMS = ("alec", "bright", "duo", "noclip", "nopicture")


@pytest.fixture(scope="module")
def thesis(thesis_dir, tmp_path_factory):
    return load_collection(thesis_dir, cache_dir=tmp_path_factory.mktemp("tc"))


@pytest.fixture(scope="module")
def thesis_client(thesis, tmp_path_factory):
    return create_app({"COLLECTION": thesis, "CACHE_DIR": tmp_path_factory.mktemp("tcache"), "WARM": False}).test_client()


def test_the_thesis_layout_loads_with_paths_relative_to_the_folder_above_static(thesis, thesis_dir):
    assert thesis.root == thesis_dir.resolve()
    assert [t.id for t in thesis.tracks] == list(STEMS)
    alec = next(t for t in thesis.tracks if t.id == "alec")
    assert alec.variants[0].image_path == "static/images/alec_0.png"
    assert alec.variants[0].audio_path == "static/audio_clips/alec.wav"


def test_python_list_artists_display_as_names(thesis):
    artists = {t.id: t.artists for t in thesis.tracks}
    assert artists["alec"] == "Alec Benjamin"
    assert artists["duo"] == "Ada Lovelace, Bo Diddley"
    assert artists["noclip"] == "Dee Dee, Ramone"  # Spotify's ';' still splits


def test_a_missing_picture_with_a_colour_and_a_missing_clip_stay_on_the_map(thesis, thesis_client):
    by_id = {t.id: t for t in thesis.tracks}
    nopic, noclip = by_id["nopicture"].variants[0], by_id["noclip"].variants[0]
    assert nopic.image_missing and not nopic.audio_missing and nopic.mean_color is not None
    assert noclip.audio_missing and not noclip.image_missing
    assert len(thesis.problems) == 2
    assert any("nopicture.json" in p and "drawn as its mean_color" in p for p in thesis.problems)
    assert any("noclip.json" in p and "without audio" in p for p in thesis.problems)

    ids = [t.id for t in thesis.tracks]
    i_pic, i_clip = ids.index("nopicture"), ids.index("noclip")
    body = thesis_client.get(f"/api/tracks/{i_clip}").get_json()
    assert body["data"][0]["audio_url"] is None and body["data"][0]["audio_missing"] is True
    body = thesis_client.get(f"/api/tracks/{i_pic}").get_json()
    assert body["data"][0]["image_missing"] is True
    assert body["data"][0]["image_url"] is None
    assert thesis_client.get("/files/static/images/nopicture_0.png").status_code == 404
    # The atlas cell of the missing picture is its mean colour; the preview too.
    sheet = Image.open(io.BytesIO(thesis_client.get("/api/atlas/0/0.jpg").data)).convert("RGB")
    cell = thesis_client.get("/api/meta").get_json()["atlas"]["thumb"]
    j = thesis_client.get("/api/points").get_json()["rows"][i_pic][8]  # its atlas slot
    got = sheet.crop((j * cell + 4, 4, (j + 1) * cell - 4, cell - 4)).resize((1, 1)).getpixel((0, 0))
    assert max(abs(a - b) for a, b in zip(got, nopic.mean_color)) <= 6
    preview = thesis_client.get(f"/api/preview/{i_pic}/0.jpg")
    assert preview.status_code == 200
    got = Image.open(io.BytesIO(preview.data)).convert("RGB").resize((1, 1)).getpixel((0, 0))
    assert max(abs(a - b) for a, b in zip(got, nopic.mean_color)) <= 6


def test_cli_serves_the_thesis_folder_and_reports_its_holes(thesis_dir, tmp_path, capsys, monkeypatch):
    from a2i.cli import main
    from a2i.explore import app as app_module

    served = {}
    monkeypatch.setattr(app_module, "serve", lambda app, **kw: served.update(app=app, **kw))
    assert main(["explore", "serve", str(thesis_dir), "--cache", str(tmp_path / "c"), "--no-warm"]) == 0
    assert len(served["app"].extensions["a2i_explore"].tracks) == len(STEMS)
    err = capsys.readouterr().err
    assert "2 missing files" in err and "noclip.json" in err and "nopicture.json" in err


def test_one_corrupt_picture_is_a_placeholder_not_a_500(tmp_path):
    from a2i.explore.synthetic import make_folder

    root = make_folder(tmp_path / "d", 3, variants=1, size=32, audio="none", seed=2, with_colors=False)
    (root / "media" / "track_1_1.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    collection = load_collection(root, cache_dir=tmp_path / "c")
    assert collection.tracks[1].variants[0].mean_color == PLACEHOLDER_COLOR
    assert any("track_1_1.png" in p for p in collection.problems)
    client = create_app({"COLLECTION": collection, "CACHE_DIR": tmp_path / "t", "WARM": False}).test_client()
    response = client.get("/api/atlas/0/0.jpg")
    assert response.status_code == 200
    sheet = Image.open(io.BytesIO(response.data)).convert("RGB")
    cell = sheet.height
    j = client.get("/api/points").get_json()["rows"][2][8]  # the neighbour's atlas slot
    neighbour = sheet.crop((j * cell, 0, (j + 1) * cell, cell)).resize((1, 1)).getpixel((0, 0))
    want = collection.tracks[2].variants[0].mean_color
    assert max(abs(a - b) for a, b in zip(neighbour, want)) < 20  # its neighbour still shows its picture
    assert client.get("/api/preview/1/0.jpg").status_code == 200
    # Deleted after start-up: still one placeholder, never a 500 for the sheet.
    (root / "media" / "track_2_1.png").unlink()
    client2 = create_app({"COLLECTION": collection, "CACHE_DIR": tmp_path / "t2", "WARM": False}).test_client()
    assert client2.get("/api/atlas/0/0.jpg").status_code == 200
    assert ATLAS_SIZE >= 3


def test_symlinks_leaving_the_folder_are_refused_unless_followed(tmp_path):
    outside = tmp_path / "outside.png"
    Image.new("RGB", (8, 8), (1, 2, 3)).save(outside)
    root = tmp_path / "data"
    (root / "media").mkdir(parents=True)
    os.symlink(outside, root / "media" / "a.png")
    Image.new("RGB", (8, 8), (9, 9, 9)).save(root / "media" / "real.png")
    os.symlink(root / "media" / "real.png", root / "media" / "inside.png")  # stays inside: fine
    track = {"x": 0.5, "y": 0.5, "artists": "A", "track_name": "T",
             "data": [{"image_path": "media/a.png"}, {"image_path": "media/inside.png"}]}
    (root / "t.json").write_text(json.dumps(track))
    with pytest.raises(DatasetError, match="symbolic link.*--follow-symlinks"):
        load_collection(root, cache_dir=tmp_path / "c")
    assert len(load_collection(root, cache_dir=tmp_path / "c", follow_symlinks=True).tracks) == 1
    from a2i.cli import main

    assert main(["explore", "serve", str(root), "--cache", str(tmp_path / "c"), "--port", "1"]) == 2


def test_the_map_figure_draws_missing_pictures_as_colour_and_is_written_atomically(thesis, tmp_path, monkeypatch):
    from PIL import PngImagePlugin

    from a2i.explore.figure import save_map

    out = save_map(thesis, tmp_path / "map.png", size=(700, 450))
    before = out.read_bytes()
    with Image.open(out) as figure:
        assert figure.size == (700, 450)
    track = next(t for t in thesis.tracks if t.id == "nopicture")
    # The figure's plot maps x, y inside the frame; the missing picture's square is its colour.
    left, right, top, bottom, pad = 70, 30, 30, 70, 96 // 2 + 4
    cx = left + pad + (700 - right - pad - left - pad) * track.x
    cy = 450 - bottom - pad - (450 - bottom - pad - top - pad) * track.y
    got = Image.open(out).convert("RGB").getpixel((int(cx), int(cy)))
    assert max(abs(a - b) for a, b in zip(got, track.variants[0].mean_color)) <= 2

    def crash(image, fp, filename, *args, **kwargs):
        fp.write(b"\x89PNG half")
        raise OSError("disk full")

    monkeypatch.setattr(PngImagePlugin, "_save", crash)
    monkeypatch.setitem(Image.SAVE, "PNG", crash)
    with pytest.raises(OSError):
        save_map(thesis, out, size=(700, 450))
    assert out.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["map.png"]
