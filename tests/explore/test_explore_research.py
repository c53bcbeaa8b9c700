"""What a researcher does with the map: select (Shift-click, lasso) and export, filter by values, colour by a
field, see a song's neighbours and files, list every song in view, play a selection through."""

from __future__ import annotations

import csv
import io

import pytest

pytestmark = pytest.mark.browser


def state(pg) -> dict:
    return pg.evaluate("window.__explore.state()")


def at(pg, i: int) -> tuple[float, float]:
    box = pg.locator("#overlay").bounding_box()
    x, y = pg.evaluate(f"window.__explore.screenOf({i})")
    return box["x"] + x, box["y"] + y


def topmost(collection) -> list[int]:
    """Songs by draw order, top first (popular songs draw last)."""
    return sorted(range(len(collection.tracks)), key=lambda i: (collection.tracks[i].metadata["popularity"], i),
                  reverse=True)


def test_shift_click_and_lasso_select_and_the_selection_downloads_as_csv(page, collection, tmp_path):
    a, b = topmost(collection)[:2]
    page.keyboard.down("Shift")
    page.mouse.click(*at(page, a))
    page.mouse.click(*at(page, b))
    page.mouse.click(*at(page, b))  # again: out of the selection
    page.keyboard.up("Shift")
    assert state(page)["selected"] == [a] and state(page)["pinned"] == -1  # selecting pins nothing
    # A lasso around the map's lower-left quarter takes exactly the songs plotted there.
    box = page.locator("#overlay").bounding_box()
    corners = [page.evaluate(f"window.__explore.toScreen({x}, {y})") for x, y in ((0, 0), (0.5, 0), (0.5, 0.5), (0, 0.5))]
    page.keyboard.down("Shift")
    page.mouse.move(box["x"] + corners[0][0] - 5, box["y"] + corners[0][1] + 5)
    page.mouse.down()
    for x, y in corners[1:] + corners[:1]:
        page.mouse.move(box["x"] + x + (4 if x > corners[0][0] else -5), box["y"] + y + (5 if y >= corners[0][1] else -4),
                        steps=3)
    page.mouse.up()
    page.keyboard.up("Shift")
    want = {a} | {i for i, t in enumerate(collection.tracks) if t.x <= 0.5 and t.y <= 0.5}
    assert set(state(page)["selected"]) == want
    assert page.locator("#sel-count").inner_text().startswith(f"{len(want)} songs selected")
    with page.expect_download() as info:
        page.locator("#sel-csv").click()
    download = info.value
    assert download.suggested_filename == f"selection-{len(want)}.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.path()).read())))
    assert sorted(r["id"] for r in rows) == sorted(collection.tracks[i].id for i in want)
    row = next(r for r in rows if r["id"] == collection.tracks[a].id)
    assert row["genre"] == collection.tracks[a].track_genre and float(row["valence"]) == collection.tracks[a].x
    assert row["pictures"].count(";") == 2
    page.locator("#sel-clear").click()
    assert state(page)["selected"] == []
    # From the keyboard: the song in focus on the map, S.
    page.locator("#map").focus()
    page.keyboard.press("ArrowRight")
    focus = state(page)["focus"]
    page.keyboard.press("s")
    assert focus >= 0 and state(page)["selected"] == [focus]


def test_value_filters_and_colour_by_a_field_with_its_legend(page, open_page, collection):
    rows = page.locator("#ranges .range")
    names = rows.locator(".rname").all_inner_texts()
    assert names[:2] == ["valence", "arousal"] and "popularity" in names and "danceability" in names
    pop = rows.nth(names.index("popularity"))
    pop.locator("input").first.fill("50")
    want = sum(t.metadata["popularity"] >= 50 for t in collection.tracks)
    page.wait_for_function(f"window.__explore.state().visible === {want}")
    rows.nth(0).locator("input").nth(1).fill("0.5")  # and valence at most 0.5
    want = sum(t.metadata["popularity"] >= 50 and t.x <= 0.5 for t in collection.tracks)
    page.wait_for_function(f"window.__explore.state().visible === {want}")
    assert 0 < want < len(collection.tracks)
    # The filters live in the address bar: the same URL opens the same map.
    # The address is written 120 ms after the last change: wait for both ranges, not for the first one alone
    # (an earlier write already holds `r=popularity`; the reload then showed 12 songs instead of 8).
    page.wait_for_function("new URLSearchParams(location.search).getAll('r').length === 2")
    again = open_page("?" + page.url.split("?", 1)[1])
    assert again.evaluate("window.__explore.state().visible") == want
    assert again.locator("#ranges .range").nth(0).locator("input").nth(1).input_value() == "0.5"
    pop.locator("input").first.fill("")
    rows.nth(0).locator("input").nth(1).fill("")
    page.wait_for_function(f"window.__explore.state().visible === {len(collection.tracks)}")
    # Colour by popularity: the least popular song is viridis' dark purple, the most popular its yellow.
    page.locator("#color-by").select_option("popularity")
    page.wait_for_function("window.__explore.state().colorBy === 'popularity'")
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert page.locator("#legend").is_visible()
    assert page.locator("#legend .ltitle").inner_text() == "popularity"
    pops = [t.metadata["popularity"] for t in collection.tracks]
    assert page.locator("#legend .lends").inner_text().split() == [f"{min(pops):.0f}", f"{max(pops):.0f}"]
    top = topmost(collection)[0]
    box = page.locator("#overlay").bounding_box()
    x, y = at(page, top)
    assert tuple(page.evaluate(f"window.__explore.pixel({x - box['x']}, {y - box['y']})")) == (253, 231, 37)
    page.wait_for_function("location.search.includes('c=popularity')")
    page.locator("#color-by").select_option("genre")
    assert page.locator("#legend .litem").count() == len(collection.genres)
    page.locator("#color-by").select_option("")
    assert page.locator("#legend").is_hidden()


def test_a_pinned_song_shows_its_nearest_neighbours_and_its_files(page, collection):
    i = topmost(collection)[0]
    page.mouse.click(*at(page, i))
    page.wait_for_function(f"window.__explore.state().pinned === {i}")
    t = collection.tracks[i]
    by_distance = sorted((j for j in range(len(collection.tracks)) if j != i),
                         key=lambda j: (collection.tracks[j].x - t.x) ** 2 + (collection.tracks[j].y - t.y) ** 2)
    assert state(page)["neighbours"] == by_distance[:8]
    near = page.locator("#popup-near button")
    assert near.all_inner_texts() == [collection.tracks[j].track_name for j in by_distance[:5]]
    page.locator("#popup-links a", has_text="full picture").wait_for()
    links = {a.inner_text(): a.get_attribute("href") for a in page.locator("#popup-links a").all()}
    assert links["full picture"].endswith(t.variants[0].image_path) and links["clip"].endswith(t.variants[0].audio_path)
    assert str(collection.root / f"{t.id}.json") in page.locator("#popup-links code").inner_text()
    near.first.click()  # a neighbour pins in turn
    page.wait_for_function(f"window.__explore.state().pinned === {by_distance[0]}")


def test_the_list_holds_every_song_in_view_virtualised_and_sortable(open_page, serve_app, many_app):
    pg = open_page(url=serve_app(many_app), viewport={"width": 1280, "height": 800})
    # The skip link is the first Tab stop and lands on the map.
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.className") == "skip"
    pg.keyboard.press("Enter")
    assert pg.evaluate("document.activeElement.id") == "map"
    pg.keyboard.press("l")
    assert pg.locator("#list-caption").inner_text().startswith("300 songs in view")
    rendered = pg.locator("#list-body tr:not(.spacer)").count()
    assert 10 < rendered < 100  # only the rows in the window exist
    assert pg.locator("#list-table").get_attribute("aria-rowcount") == "301"
    tracks = many_app.extensions["a2i_explore"].tracks
    pg.locator("#list thead th[data-key=genre] button").click()
    assert pg.locator("#list thead th[data-key=genre]").get_attribute("aria-sort") == "ascending"
    first_genre = pg.locator("#list-body tr:not(.spacer)").first.locator("td").nth(1).inner_text()
    assert first_genre == min(t.track_genre for t in tracks)
    pg.locator("#list thead th[data-key=valence] button").click()  # numbers: largest first
    pg.locator("#list-scroll").evaluate("e => { e.scrollTop = e.scrollHeight; }")
    pg.wait_for_function("(() => { const r = document.querySelector('#list-body').lastElementChild;"
                         " return r && !r.classList.contains('spacer'); })()")
    last = pg.locator("#list-body tr:not(.spacer)").last.locator("td").nth(2).inner_text()
    assert last == f"{min(t.x for t in tracks):.2f}"


def test_search_results_name_the_active_option_and_play_through_walks_the_selection(page, collection):
    search = page.locator("#search")
    search.click()
    page.keyboard.type("a")
    page.locator("#results li").first.wait_for()
    assert search.get_attribute("aria-activedescendant") == "result-0" and search.get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    assert search.get_attribute("aria-activedescendant") == "result-1"
    assert page.locator("#result-1").get_attribute("aria-selected") == "true"
    page.keyboard.press("Escape")
    search.fill("")
    page.locator("#overlay").focus()
    # Play-through: the selection in a walk from its saddest song to each nearest next one.
    picks = topmost(collection)[:3]
    page.keyboard.down("Shift")
    for i in picks:
        page.mouse.click(*at(page, i))
    page.keyboard.up("Shift")
    page.locator("#sel-play").click()
    start = min(picks, key=lambda i: collection.tracks[i].x)
    page.wait_for_function(f"window.__explore.state().playing === {start} && window.__explore.state().pinned === {start}")
    rest = [i for i in picks if i != start]
    t0 = collection.tracks[start]
    second = min(rest, key=lambda i: (collection.tracks[i].x - t0.x) ** 2 + (collection.tracks[i].y - t0.y) ** 2)
    page.evaluate("document.querySelector('#player').dispatchEvent(new Event('ended'))")  # the clip ended
    page.wait_for_function(f"window.__explore.state().playing === {second}")
    assert "Playing 2 / 3" in page.locator("#sel-playing").inner_text()
    page.keyboard.press("Escape")
    assert state(page)["playing"] == -1 and page.locator("#sel-play").inner_text() == "Play through"
