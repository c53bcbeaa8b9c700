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


@pytest.fixture(scope="session")
def collection(data_dir, tmp_path_factory):
    from a2i.explore import load_collection

    return load_collection(data_dir, cache_dir=tmp_path_factory.mktemp("colors"))


@pytest.fixture(scope="session")
def app(collection, tmp_path_factory):
    from a2i.explore import create_app

    return create_app(collection=collection, cache_dir=tmp_path_factory.mktemp("cache"), warm=False)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_url(app):
    """The app on a real threaded server at 127.0.0.1 (a free port)."""
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
def open_page(browser, live_url):
    """Opens the explorer (``open_page("?view=grid")``) and waits until every thumbnail is drawn.

    Each page gets its own browser context; JavaScript errors on any of them fail the test.
    """
    contexts, errors = [], []

    def open_(query: str = ""):
        context = browser.new_context(viewport={"width": 1400, "height": 860})
        contexts.append(context)
        pg = context.new_page()
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.goto(live_url + query)
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
