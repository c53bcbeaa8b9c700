"""Fixtures for the explorer: a small synthetic data folder, the app, a live server and chromium."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

N_TRACKS = 24
VARIANTS = 3
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "explore"


@pytest.fixture(scope="session")
def sizes() -> tuple[int, int]:
    """(songs, pictures per song) of the ``data_dir`` folder."""
    return N_TRACKS, VARIANTS


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """24 songs × 3 pictures, each song with its own 4-second tone, corners and edges included."""
    from a2i.explore.synthetic import make_folder

    return make_folder(tmp_path_factory.mktemp("explore") / "data", N_TRACKS, variants=VARIANTS, size=64,
                       audio="per-track", clip_seconds=4.0, seed=3)


#: The thesis folder's songs: (file stem, artists as the thesis stored them, x, y, picture?, clip?).
THESIS_SONGS = (
    ("alec", "['Alec Benjamin']", 0.22, 0.35, True, True),
    ("duo", "['Ada Lovelace', 'Bo Diddley']", 0.81, 0.77, True, True),
    ("nopicture", "['Cy Twombly']", 0.55, 0.15, False, True),  # picture gone, mean_color kept
    ("noclip", "Dee Dee;Ramone", 0.12, 0.88, True, False),      # clip gone
    ("bright", "['Eve']", 0.95, 0.95, True, True),              # a white picture under the quadrant label;
)                                                                # its clip is not audio (fails to play)


@pytest.fixture(scope="session")
def thesis_dir(tmp_path_factory) -> Path:
    """The thesis's explorer layout: static/jsons/*.json, static/images, static/audio_clips, paths relative
    to the folder above static, artists as Python-list strings, one picture and one clip missing."""
    import json

    import numpy as np
    from PIL import Image

    from a2i.audio import write
    from a2i.synth import tone

    root = tmp_path_factory.mktemp("thesis") / "exploration_gui"
    for sub in ("jsons", "images", "audio_clips"):
        (root / "static" / sub).mkdir(parents=True)
    rng = np.random.default_rng(5)
    for k, (stem, artists, x, y, has_picture, has_clip) in enumerate(THESIS_SONGS):
        image = f"static/images/{stem}_0.png"
        color = (255, 255, 255) if stem == "bright" else tuple(int(c) for c in rng.integers(40, 220, 3))
        if has_picture:
            pixels = np.clip(np.array(color) + rng.normal(0, 6, (128, 128, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / image)
        clip = f"static/audio_clips/{stem}.wav"
        if stem == "bright":
            (root / clip).write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" * 8)
        elif has_clip:
            write(root / clip, tone(1.0, freq=220.0 * (k + 1), sr=16000, fade=0.05))
        # Spotify's own valence and energy, which the thesis listed beside the position it plotted.
        track = {"x": x, "y": y, "artists": artists, "track_name": f"Song {stem}", "popularity": 10 * k,
                 "danceability": 0.5, "energy": round(1 - y, 2), "loudness": -9.0, "valence": round(1 - x, 2),
                 "track_genre": "pop",
                 "data": [{"image_path": image, "prompt": f"A long prompt for {stem}. " * 12, "track_genre": "pop",
                           "audio_path": clip, "mean_color": dict(zip("rgb", color))}]}
        (root / "static" / "jsons" / f"{stem}.json").write_text(json.dumps(track))
    return root


#: Overview sheets of 2×2 and detail sheets of 1 song for ``many_app``: its 300 songs need 75 + 300 sheets,
#: so a zoomed-in view spans far more sheets than a fixed cache of 16 (what the explorer had) could hold.
MANY_COLUMNS = 2


@pytest.fixture(scope="session")
def many_app(tmp_path_factory):
    """300 songs × 1 picture with tiny atlas sheets: zooming, lists and selections at scale, in seconds."""
    from a2i.explore import create_app
    from a2i.explore.synthetic import make_folder

    root = make_folder(tmp_path_factory.mktemp("many") / "data", 300, variants=1, size=24, audio="none", seed=4)
    app = create_app({"DATA_DIR": root, "CACHE_DIR": root.parent / "cache", "WARM": False,
                      "ATLAS_COLUMNS": MANY_COLUMNS})
    app.extensions["a2i_explore"].build_thumbnails(workers=1)
    return app


@pytest.fixture(scope="session")
def collection(data_dir, tmp_path_factory):
    from a2i.explore import load_collection

    return load_collection(data_dir, cache_dir=tmp_path_factory.mktemp("colors"))


@pytest.fixture(scope="session")
def app(collection, tmp_path_factory):
    from a2i.explore import create_app

    return create_app({"COLLECTION": collection, "CACHE_DIR": tmp_path_factory.mktemp("cache"), "WARM": False})


@pytest.fixture()
def client(app):
    return app.test_client()


def _live(app):
    """Serve ``app`` on a real threaded server at 127.0.0.1 (a free port); yields its URL."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:  # keep test output readable
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture()
def serve_app():
    """``serve_app(app)`` -> the URL of ``app`` on a live server, stopped after the test."""
    running = []

    def serve_(app):
        gen = _live(app)
        running.append(gen)
        return next(gen)

    yield serve_
    for gen in running:
        next(gen, None)


@pytest.fixture(scope="session")
def live_url(app):
    """The synthetic folder's app on a live server."""
    yield from _live(app)


@pytest.fixture(scope="session")
def thesis_url(thesis_dir, tmp_path_factory):
    """The thesis-layout folder, served as it is, on a live server."""
    from a2i.explore import create_app

    yield from _live(create_app({"DATA_DIR": thesis_dir, "CACHE_DIR": tmp_path_factory.mktemp("thesis-cache"), "WARM": False}))


@pytest.fixture()
def open_page(browser, live_url):
    """Opens the explorer (``open_page("?view=grid")``) and waits until every thumbnail is drawn.

    Each page gets its own browser context (``options`` go to ``browser.new_context``: viewport,
    device_scale_factor, is_mobile, has_touch); JavaScript errors on any of them fail the test.
    """
    contexts, errors = [], []

    def open_(query: str = "", *, url: str | None = None, **options):
        # bypass_csp: Playwright's wait_for_function evaluates strings, which the page's CSP forbids (as it
        # should); test_page_runs_under_its_own_csp checks the page itself without the bypass.
        options = {"viewport": {"width": 1400, "height": 860}, "bypass_csp": True, **options}
        context = browser.new_context(**options)
        contexts.append(context)
        pg = context.new_page()
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.goto((url or live_url) + query)
        pg.wait_for_function(
            "window.__explore && window.__explore.ready && window.__explore.thumbsDoneAt !== null", timeout=20_000
        )
        return pg

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture()
def page(open_page):
    return open_page()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/explore/ (git-ignored): screenshots to look at after a run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
