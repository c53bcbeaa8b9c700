"""Pictures at every zoom: detail sheets for what is on screen, a bounded decoded cache, no redraw loop;
pinch-zoom on touch screens."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

#: Overview sheets of 2×2 and detail sheets of 1 song: 300 songs need 75 + 300 sheets, so a zoomed-in view
#: spans far more sheets than a fixed-size cache of 16 (what the explorer had) could hold at once.
COLUMNS = 2


@pytest.fixture(scope="module")
def many_app(tmp_path_factory):
    from a2i.explore import create_app
    from a2i.explore.synthetic import make_folder

    root = make_folder(tmp_path_factory.mktemp("many") / "data", 300, variants=1, size=24, audio="none", seed=4)
    app = create_app({"DATA_DIR": root, "CACHE_DIR": root.parent / "cache", "WARM": False, "ATLAS_COLUMNS": COLUMNS})
    app.extensions["a2i_explore"].build_thumbnails(workers=1)
    return app


def state(pg) -> dict:
    return pg.evaluate("window.__explore.state()")


def test_zoomed_in_every_song_in_view_shows_its_sharp_picture_then_the_page_rests(open_page, serve_app, many_app):
    pg = open_page(url=serve_app(many_app), device_scale_factor=2, viewport={"width": 1000, "height": 700})
    for zoom, cx, cy in ((3.0, 0.4, 0.6), (5.0, 0.7, 0.3), (2.0, 0.5, 0.5)):
        draws = state(pg)["draws"]
        pg.evaluate(f"window.__explore.setView({zoom}, {cx}, {cy})")
        pg.wait_for_function(f"(() => {{ const s = window.__explore.state(); return s.draws > {draws} &&"
                             " s.drawn > 0 && s.sharp === s.drawn && s.thumbs === s.drawn; })()",
                             timeout=2_000, polling=20)
        st = state(pg)
        assert st["level"] == 1 and st["drawn"] >= 5, st  # 2× screen, grown thumbnails: the 128-px sheets
        # Resting: no frame is drawn while nothing changes (the old decode/evict cycle redrew ~30 times a second).
        pg.wait_for_timeout(150)
        before = state(pg)["draws"]
        pg.wait_for_timeout(600)
        assert state(pg)["draws"] == before
    # The decoded cache stays bounded (96 MB) and keeps at least what the view needs.
    assert 0 < state(pg)["decodedMB"] <= 96


def test_other_variants_are_fetched_only_when_shown(open_page):
    pg = open_page()
    urls = pg.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert any("/api/atlas/0/" in u for u in urls)
    assert not any("/api/atlas/1/" in u or "/api/atlas/2/" in u for u in urls)
    pg.keyboard.press("2")
    pg.wait_for_function("window.__explore.state().thumbs === 24 && window.__explore.state().variant === 1")
    urls = pg.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert any("/api/atlas/1/" in u for u in urls) and not any("/api/atlas/2/" in u for u in urls)
