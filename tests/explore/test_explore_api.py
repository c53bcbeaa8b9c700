"""The explorer's JSON API, its media routes and the `a2i explore` command line."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from a2i.cli import main
from a2i.errors import ConfigError
from a2i.explore.app import ATLAS_SIZE, parse_grid

REPO = Path(__file__).resolve().parents[2]


def test_index_inlines_the_meta_and_uses_only_local_assets(client):
    html = client.get("/").get_data(as_text=True)
    assert '<canvas id="base" aria-hidden="true">' in html
    meta = json.loads(html.split('<script id="meta" type="application/json">')[1].split("</script>")[0])
    assert meta["total"] == 24
    assert "http://" not in html and "https://" not in html  # no fonts or scripts from the internet
    for asset in ("/static/explore.js", "/static/explore.css"):
        body = client.get(asset).get_data(as_text=True)
        assert "http://" not in body and "https://" not in body


def test_meta_counts_genres_and_variants(client, collection):
    meta = client.get("/api/meta").get_json()
    assert meta["total"] == len(collection.tracks)
    assert meta["max_variants"] == 3
    assert meta["grid"] == [6, 4]
    assert {g["name"]: g["count"] for g in meta["genres"]} == collection.genres
    assert meta["atlas"]["size"] == ATLAS_SIZE


def test_meta_carries_the_quadrant_cuts_analyze_reports(client):
    from a2i.mood import even_odds, quadrant

    cut = client.get("/api/meta").get_json()["even_odds"]
    v, e = cut["valence"], cut["arousal"]
    assert (v, e) == (round(even_odds()["valence"], 4), round(even_odds()["energy"], 4))
    assert abs(v - 0.5) < 0.05 and e > 0.6  # energy's even odds are far from 0.5 on Spotify's scale
    # Just across each cut the reported quadrant flips: the page's cross is where `a2i analyze` changes quadrant.
    assert [quadrant(v + dv, e + de) for dv, de in ((1e-3, 1e-3), (-1e-3, 1e-3), (-1e-3, -1e-3), (1e-3, -1e-3))] == [
        "Q1", "Q2", "Q3", "Q4"]


def test_points_page_through_every_track(client, collection):
    rows = []
    for offset in range(0, 24, 10):
        page = client.get(f"/api/points?offset={offset}&limit=10").get_json()
        assert page["total"] == 24 and page["offset"] == offset
        rows += page["rows"]
    assert [r[0] for r in rows] == [t.id for t in collection.tracks]
    track_id, x, y, genre, name, artists, popularity, colors, slot, values = rows[1]
    track = collection.tracks[1]
    assert (x, y, name, artists) == (track.x, track.y, track.track_name, track.artists)
    fields = client.get("/api/meta").get_json()["fields"]
    assert fields[:2] == ["popularity", "danceability"]
    assert values == [track.metadata[name] for name in fields]
    assert sorted(r[8] for r in rows) == list(range(24))
    r, g, b = track.variants[2].mean_color
    assert colors[2] == (r << 16) | (g << 8) | b
    assert client.get("/api/points?offset=-1").status_code == 400
    assert client.get("/api/points?limit=abc").status_code == 400
    assert client.get("/api/points?offset=500").get_json()["rows"] == []


def test_track_details_link_to_served_media(client, collection):
    body = client.get("/api/tracks/3").get_json()
    track = collection.tracks[3]
    assert body["id"] == track.id and body["track_name"] == track.track_name
    assert body["data"][1]["prompt"] == track.variants[1].prompt
    for item in body["data"]:
        image = client.get(item["image_url"])
        assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
        audio = client.get(item["audio_url"])
        assert audio.status_code == 200 and audio.data[:4] == b"RIFF"
        preview = Image.open(io.BytesIO(client.get(item["preview_url"]).data))
        assert preview.format == "JPEG"
    assert client.get("/api/tracks/24").status_code == 404
    assert client.get("/api/preview/3/3.jpg").status_code == 404


def _slots(client) -> list[int]:
    """Each track's atlas slot, from the point rows (the 9th field)."""
    return [row[8] for row in client.get("/api/points?offset=0&limit=100").get_json()["rows"]]


@pytest.mark.parametrize("level, route", [(0, "atlas"), (1, "detail")])
def test_atlas_packs_each_tracks_thumbnail_in_its_slot(client, collection, level, route):
    meta = client.get("/api/meta").get_json()["atlas" if level == 0 else "detail"]
    cols, cell = meta["columns"], meta["thumb"]
    assert (cols, cell) == ((16, 48) if level == 0 else (8, 128))
    slots = _slots(client)
    assert sorted(slots) == list(range(len(collection.tracks)))
    for i in (0, 17, 23):
        sheet_index, j = divmod(slots[i], meta["size"])
        sheet = Image.open(io.BytesIO(client.get(f"/api/{route}/1/{sheet_index}.jpg").data)).convert("RGB")
        thumb = sheet.crop(((j % cols) * cell, (j // cols) * cell, (j % cols + 1) * cell, (j // cols + 1) * cell))
        got = thumb.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
        want = collection.tracks[i].variants[1].mean_color
        assert max(abs(a - b) for a, b in zip(got, want)) < 20, (i, got, want)
    assert client.get(f"/api/{route}/3/0.jpg").status_code == 404  # no 4th variant
    last = -(-len(collection.tracks) // meta["size"])
    assert client.get(f"/api/{route}/0/{last - 1}.jpg").status_code == 200
    assert client.get(f"/api/{route}/0/{last}.jpg").status_code == 404  # past the last sheet


def test_atlas_slots_follow_the_map_so_a_zoomed_view_needs_few_sheets(collection):
    """Z-order slots: the songs of any quarter of the map fill few detail sheets, not one each."""
    import random

    from a2i.explore.app import morton_order

    rng = random.Random(0)
    points = [(rng.random(), rng.random()) for _ in range(10_000)]
    slot = {index: position for position, index in enumerate(morton_order(points))}
    in_view = [i for i, (x, y) in enumerate(points) if 0.30 <= x < 0.42 and 0.55 <= y < 0.67]  # a 8.3x zoom
    sheets = {slot[i] // 64 for i in in_view}
    assert len(in_view) > 100 and len(sheets) <= len(in_view) / 64 * 3 + 4, (len(in_view), len(sheets))
    by_index = {i // 64 for i in in_view}  # sheets by file order, as before: one per few songs
    assert len(by_index) > 3 * len(sheets)


@pytest.mark.parametrize(
    "path",
    [
        "/files/../track_00.json",
        "/files/media/../track_00.json",
        "/files/%2e%2e/%2e%2e/etc/passwd",
        "/files/..%2f..%2fetc%2fpasswd",
        "/files//etc/passwd",
        "/files/track_00.json",  # inside the folder but not a picture or clip of a track
        "/files/media/nothing.png",
    ],
)
def test_only_referenced_media_are_served(client, path):
    assert client.get(path, follow_redirects=True).status_code == 404


def test_traversal_over_a_real_socket_is_404(live_url):
    import http.client
    from urllib.parse import urlparse

    url = urlparse(live_url)
    for raw in ("/files/../../etc/passwd", "/files/media/../../../../etc/passwd"):
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        conn.request("GET", raw)  # sent verbatim, no client-side normalisation
        response = conn.getresponse()
        assert response.status == 404 and b"root:" not in response.read()
        conn.close()


def test_parse_grid():
    assert parse_grid("6x4") == (6, 4)
    assert parse_grid("3×2") == (3, 2)
    for bad in ("6", "0x4", "6x40", "axb"):
        with pytest.raises(ConfigError, match="grid size"):
            parse_grid(bad)


def test_cli_reports_a_bad_folder_in_one_line(tmp_path, capsys):
    (tmp_path / "t.json").write_text(json.dumps({"x": 0.5, "y": 2, "data": []}))
    assert main(["explore", "serve", str(tmp_path), "--cache", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("a2i: error: ") and "t.json" in err and "field 'y'" in err
    assert "Traceback" not in err
    assert main(["explore", "serve", str(tmp_path), "--grid", "9"]) == 2


def test_main_server_script_help_and_bad_folder(tmp_path):
    script = REPO / "exploration_gui" / "main_server.py"
    ok = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and "DATA_DIR" in ok.stdout
    bad = subprocess.run([sys.executable, str(script), str(tmp_path / "nowhere")], capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 2 and "does not exist" in bad.stderr and "Traceback" not in bad.stderr


def test_a_port_in_use_is_one_line_not_an_address(data_dir, tmp_path, capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["explore", "serve", str(data_dir), "--port", str(port), "--no-warm",
                     "--cache", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert "open http" not in out
    assert err.startswith("a2i: error: cannot listen on 127.0.0.1:") and "--port" in err and err.count("\n") == 1


def test_media_are_nosniff_and_sandboxed(client, collection):
    track = collection.tracks[0]
    for url in (f"/files/{track.variants[0].image_path}", f"/files/{track.variants[0].audio_path}",
                "/api/atlas/0/0.jpg", "/api/preview/0/0.jpg"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    page = client.get("/")
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src" not in page.headers["Content-Security-Policy"]  # default-src 'self' covers scripts
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_the_point_page_cache_is_bounded(app, client):
    from a2i.explore.app import PAGE_CACHE_SIZE

    explorer = app.extensions["a2i_explore"]
    for limit in range(1, PAGE_CACHE_SIZE + 40):
        assert client.get(f"/api/points?offset=0&limit={limit}").status_code == 200
    assert len(explorer._pages) == PAGE_CACHE_SIZE


def test_serves_under_gunicorn_with_several_workers(data_dir, tmp_path, collection):
    """The README's multi-user set-up: gunicorn, two worker processes, the app built once (--preload)."""
    import socket
    import time
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Configured by the environment alone, as the module docstring shows: no Python in the command line.
    env = {**os.environ, "A2I_EXPLORE_DATA_DIR": str(data_dir), "A2I_EXPLORE_CACHE_DIR": str(tmp_path / "cache"),
           "A2I_EXPLORE_INSTANCE_PATH": str(tmp_path / "instance")}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--preload", "--bind",
                             f"127.0.0.1:{port}", "a2i.explore.app:create_app()"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/api/meta", timeout=2).read()
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()
                time.sleep(0.1)
        track = collection.tracks[3]
        urls = ["/", "/api/meta", "/api/points?offset=0&limit=10", "/api/tracks/3", "/api/atlas/1/0.jpg",
                "/api/preview/3/1.jpg", f"/files/{track.variants[0].image_path}", f"/files/{track.variants[0].audio_path}"]

        def get(url: str) -> tuple[int, bytes]:
            with urllib.request.urlopen(base + url, timeout=20) as response:
                return response.status, response.read()

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(get, urls * 4))
        assert all(status == 200 for status, _ in results)
        assert json.loads(results[3][1])["track_name"] == track.track_name
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_warm_start_builds_every_atlas_and_point_page_before_serving(collection, tmp_path):
    from a2i.explore import create_app

    app = create_app({"COLLECTION": collection, "CACHE_DIR": tmp_path, "PAGE_SIZE": 10, "WARM": True})
    explorer = app.extensions["a2i_explore"]
    assert sorted(explorer._pages) == [(0, 10), (10, 10), (20, 10)]
    # 24 songs: one overview sheet and one detail sheet of 64 per variant, decoded once.
    assert len(list((tmp_path / "atlas0").glob("*.jpg"))) == collection.max_variants
    assert len(list((tmp_path / "atlas1").glob("*.jpg"))) == collection.max_variants
    assert all(explorer.thumbs.has_atlas(explorer.atlas_cells(v, 0, level), level)
               for v in range(collection.max_variants) for level in (0, 1))


def test_a_media_file_swapped_for_a_symlink_while_serving_is_not_sent(collection, tmp_path):
    """Checked per request: a picture replaced by a link to /etc/passwd after start-up is a 404."""
    import shutil

    from a2i.explore import create_app, load_collection

    root = tmp_path / "data"
    shutil.copytree(collection.root, root)
    app = create_app({"COLLECTION": load_collection(root, cache_dir=tmp_path / "c"), "CACHE_DIR": tmp_path / "c",
                      "WARM": False})
    client = app.test_client()
    track = app.extensions["a2i_explore"].tracks[0]
    image, clip = track.variants[0].image_path, track.variants[0].audio_path
    assert client.get(f"/files/{image}").status_code == 200
    for path in (image, clip):
        (root / path).unlink()
        (root / path).symlink_to("/etc/passwd")
        response = client.get(f"/files/{path}")
        assert response.status_code == 404 and b"root:" not in response.data, path
    # The atlas and preview builders do not read through the link either: the cell is the song's colour.
    from PIL import Image

    preview = Image.open(io.BytesIO(client.get("/api/preview/0/0.jpg").data)).convert("RGB")
    assert preview.getpixel((5, 5)) == pytest.approx(track.variants[0].mean_color, abs=3)
    # A link that stays inside the folder is still fine.
    (root / image).unlink()
    (root / image).symlink_to(root / track.variants[1].image_path)
    assert client.get(f"/files/{image}").status_code == 200


def test_export_selection_as_csv_and_json(client, collection):
    import csv

    response = client.post("/api/export", json={"indices": [3, 0], "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="selection-2.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    assert [r["track_name"] for r in rows] == [collection.tracks[3].track_name, collection.tracks[0].track_name]
    t = collection.tracks[3]
    assert float(rows[0]["valence"]) == t.x and float(rows[0]["arousal"]) == t.y and rows[0]["genre"] == t.track_genre
    assert rows[0]["pictures"].split(";") == [str(collection.root / v.image_path) for v in t.variants]
    assert rows[0]["clip"] == str(collection.root / t.variants[0].audio_path)
    assert rows[0]["track_file"] == str(collection.root / f"{t.id}.json")
    body = client.post("/api/export", json={"indices": [5], "format": "json"}).get_json()
    assert body[0]["id"] == collection.tracks[5].id and len(body[0]["pictures"]) == 3
    assert body[0]["popularity"] == collection.tracks[5].metadata["popularity"]
    for bad in ({"indices": [99]}, {"indices": "1"}, {"indices": [True]}, {"indices": [1], "format": "xml"}):
        assert client.post("/api/export", json=bad).status_code == 400, bad
    assert client.post("/api/export", data="not json").status_code == 400


def test_neighbours_in_mood_space_and_in_an_embedding_field(tmp_path):
    """Any top-level list of numbers is an embedding: neighbours by cosine distance there, by distance in
    (valence, arousal) for "mood"; tracks without the field are left out."""
    from a2i.explore import create_app

    (tmp_path / "m").mkdir()
    Image.new("RGB", (8, 8), (9, 9, 9)).save(tmp_path / "m" / "a.png")
    songs = {"a": (0.10, 0.10, [1.0, 0.0, 0.0]), "b": (0.12, 0.11, [0.0, 1.0, 0.0]),
             "c": (0.90, 0.90, [0.9, 0.1, 0.0]), "d": (0.50, 0.50, [0.0, 0.7, 0.7]), "e": (0.11, 0.14, None)}
    for name, (x, y, vec) in songs.items():
        track = {"x": x, "y": y, "artists": "A", "track_name": name, "tempo": 100 + x,
                 "data": [{"image_path": "m/a.png", "mean_color": {"r": 1, "g": 2, "b": 3}}]}
        if vec is not None:
            track["clap"] = vec
        (tmp_path / f"{name}.json").write_text(json.dumps(track))
    client = create_app({"DATA_DIR": tmp_path, "CACHE_DIR": tmp_path / "c", "WARM": False}).test_client()
    meta = client.get("/api/meta").get_json()
    assert meta["embeddings"] == ["clap"] and meta["fields"] == ["tempo"]
    mood = client.get("/api/neighbours/0?k=3").get_json()
    assert mood["neighbours"] == [1, 4, 3]  # b, e, d by distance from a
    clap = client.get("/api/neighbours/0?space=clap&k=3").get_json()
    assert clap["neighbours"] == [2, 1, 3]  # c (cos 0.99), then b and d (cos 0), never e (no vector)
    assert clap["distances"][0] == pytest.approx(1 - 0.9 / (0.81 + 0.01) ** 0.5, abs=1e-5)
    assert client.get("/api/neighbours/4?space=clap").get_json()["neighbours"] == []
    assert client.get("/api/neighbours/0?space=nope").status_code == 400
    assert client.get("/api/neighbours/0?k=0").status_code == 400
    assert client.get("/api/neighbours/9").status_code == 404


def test_config_comes_from_the_instance_folder_then_the_environment(data_dir, tmp_path, monkeypatch):
    """The flaskr order: DEFAULTS < instance/config.py < A2I_EXPLORE_* < test_config."""
    from a2i.explore import create_app

    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(f"DATA_DIR = {str(data_dir)!r}\nGRID = '3x2'\nPAGE_SIZE = 7\nWARM = False\n")
    monkeypatch.setenv("A2I_EXPLORE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("A2I_EXPLORE_PAGE_SIZE", "5")
    app = create_app({"INSTANCE_PATH": str(instance)})
    meta = app.test_client().get("/api/meta").get_json()
    assert (meta["grid"], meta["page_size"], meta["total"]) == ([3, 2], 5, 24)
    assert app.instance_path == str(instance) and app.config["CACHE_DIR"] == str(tmp_path / "cache")
    assert create_app({"INSTANCE_PATH": str(instance), "GRID": [4, 4]}).config["GRID"] == (4, 4)
    with pytest.raises(ConfigError, match="DATA_DIR"):
        create_app({"INSTANCE_PATH": str(tmp_path / "empty")})
