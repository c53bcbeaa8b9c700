"""The explorer on phones, with a keyboard and with a screen reader, and the thesis folder in the browser."""

from __future__ import annotations

import math

import pytest

pytestmark = pytest.mark.browser


def state(pg) -> dict:
    return pg.evaluate("window.__explore.state()")


def screen_of(pg, i: int) -> tuple[float, float]:
    x, y = pg.evaluate(f"window.__explore.screenOf({i})")
    return x, y


def next_frame(pg) -> None:
    pg.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def luminance(rgb) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def hex_rgb(text: str) -> tuple[int, int, int]:
    return int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16)


def topmost_songs(pg, popularity: list[float], n: int) -> list[int]:
    """Songs drawn on top at their own centre (popular songs draw last): what a finger there touches."""
    points = pg.evaluate("(() => { const st = __explore.state(); const out = [];"
                         " for (let i = 0; i < st.total; i++) out.push(__explore.screenOf(i)); return out; })()")
    half = pg.evaluate("window.__explore.thumb()") / 2
    order = sorted(range(len(points)), key=lambda i: (popularity[i], i))  # draw order
    rank = {i: k for k, i in enumerate(order)}
    found = []
    for i, (x, y) in enumerate(points):
        above = [j for j in range(len(points)) if rank[j] > rank[i]
                 and abs(points[j][0] - x) <= half + 1 and abs(points[j][1] - y) <= half + 1]
        if not above:
            found.append(i)
    assert len(found) >= n, f"only {len(found)} songs are on top at their centre"
    # Spread over the list: neighbours in index order are not neighbours on the map.
    return found[:: max(1, len(found) // n)][:n]


# ---- phones -----------------------------------------------------------------------------------------------

PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def test_phone_map_takes_the_width_filters_in_a_drawer_taps_pin_the_song_under_the_finger(open_page, collection,
                                                                                          artifacts):
    pg = open_page(**PHONE)
    box = pg.locator("#map").bounding_box()
    assert box["width"] >= 370 and box["height"] >= 400
    assert not pg.locator("#sidebar").is_visible()
    pg.screenshot(path=str(artifacts / "phone.png"))

    # Four taps on four songs pin exactly those four songs.
    overlay = pg.locator("#overlay").bounding_box()
    for i in topmost_songs(pg, [t.metadata["popularity"] for t in collection.tracks], 4):
        x, y = screen_of(pg, i)
        pg.touchscreen.tap(overlay["x"] + x, overlay["y"] + y)
        pg.wait_for_function(f"window.__explore.state().pinned === {i}")
        assert pg.locator("#popup-title").inner_text() == collection.tracks[i].track_name
        popup = pg.locator("#popup").bounding_box()
        assert popup["x"] >= 0 and popup["x"] + popup["width"] <= 375
        assert popup["y"] >= 0 and popup["y"] + popup["height"] <= 740
        pg.screenshot(path=str(artifacts / "phone-popup.png"))
        close = pg.locator("#popup-close").bounding_box()
        assert close["width"] >= 32  # finger-sized
        pg.touchscreen.tap(close["x"] + close["width"] / 2, close["y"] + close["height"] / 2)
        pg.locator("#popup").wait_for(state="hidden")
        assert state(pg)["pinned"] == -1

    # The drawer: opens over the map, filters work in it, Esc closes it.
    pg.locator("#btn-filters").tap()
    pg.locator("#sidebar").wait_for(state="visible")
    pg.wait_for_timeout(250)  # the slide-in transition
    pg.screenshot(path=str(artifacts / "phone-drawer.png"))
    pg.locator("#genres label", has_text="rock").tap()
    assert state(pg)["hiddenGenres"] == ["rock"]
    pg.keyboard.press("Escape")
    pg.locator("#sidebar").wait_for(state="hidden")
    pg.locator("#btn-filters").tap()
    pg.locator("#sidebar").wait_for(state="visible")
    pg.touchscreen.tap(360, 400)  # beside the drawer
    pg.locator("#sidebar").wait_for(state="hidden")


# ---- keyboard ---------------------------------------------------------------------------------------------

def test_shortcuts_keep_working_after_a_checkbox_or_number_field(page):
    page.locator("#genres label", has_text="rock").locator("input").click()
    page.locator("#genres label", has_text="rock").locator("input").click()
    assert page.evaluate("document.activeElement.type") == "checkbox"
    page.keyboard.press("t")
    assert state(page)["mode"] == "grid"
    page.locator("#grid-cols").fill("3")
    page.locator("#grid-cols").press("Enter")
    page.keyboard.press("ArrowUp")  # the number field keeps its own keys
    assert page.locator("#grid-cols").input_value() == "4"
    page.keyboard.press("m")
    assert page.locator("#btn-sound").get_attribute("aria-pressed") == "false"
    page.keyboard.press("t")
    assert state(page)["mode"] == "thumbs"
    page.locator("#search").fill("tm")  # a text field keeps every key
    assert state(page)["mode"] == "thumbs" and page.locator("#btn-sound").get_attribute("aria-pressed") == "false"


def _expected_neighbour(points, visible, start, dx, dy):
    fx, fy = points[start]
    best, best_score = -1, math.inf
    for i in visible:
        if i == start:
            continue
        vx, vy = points[i][0] - fx, points[i][1] - fy
        along, across = vx * dx + vy * dy, abs(vx * dy - vy * dx)
        if along <= 0.5 or across > along * 1.74:
            continue
        if along + 2 * across < best_score:
            best, best_score = i, along + 2 * across
    return best


def test_arrow_keys_walk_songs_enter_pins_and_plays_help_takes_and_returns_focus(page, collection, artifacts):
    page.locator("#map").focus()
    page.keyboard.press("ArrowRight")  # the first arrow lands on the song nearest the centre
    first = state(page)["focus"]
    assert first >= 0 and state(page)["zoom"] == 1  # arrows on the map move between songs, not the view
    assert page.locator("#popup-title").inner_text() == collection.tracks[first].track_name
    points = page.evaluate("(() => { const out = []; for (let i = 0; i < 24; i++) out.push(__explore.screenOf(i)); return out; })()")
    current = first
    for key, (dx, dy) in (("ArrowRight", (1, 0)), ("ArrowUp", (0, -1)), ("ArrowLeft", (-1, 0)), ("ArrowDown", (0, 1))):
        want = _expected_neighbour(points, range(24), current, dx, dy)
        page.keyboard.press(key)
        got = state(page)["focus"]
        assert got == (want if want >= 0 else current), (key, current, want, got)
        current = got
    page.screenshot(path=str(artifacts / "keyboard-focus.png"))
    page.keyboard.press("Enter")
    assert state(page)["pinned"] == current
    page.wait_for_function("(() => { const a = document.querySelector('#player'); return !a.paused && a.currentTime > 0; })()",
                           timeout=10_000)
    assert page.evaluate("document.querySelector('#player').src").endswith(collection.tracks[current].variants[0].audio_path)
    # Shift+arrow still pans.
    page.keyboard.press("+")
    cx = state(page)["cx"]
    page.keyboard.press("Shift+ArrowRight")
    assert state(page)["cx"] > cx
    # Help: focus goes into the dialog and comes back to the map.
    page.keyboard.press("?")
    assert page.evaluate("document.activeElement.id") == "help-close"
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('help').contains(document.activeElement)")
    page.screenshot(path=str(artifacts / "keyboard-help.png"))
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "map"


# ---- screen readers and contrast --------------------------------------------------------------------------

def test_the_map_is_labelled_and_lists_the_songs_in_view(page, collection, artifacts):
    assert page.locator("#map").get_attribute("role") == "application"
    assert "valence" in page.locator("#map").get_attribute("aria-label")
    page.keyboard.press("l")
    rows = page.locator("#list-body tr:not(.spacer)")
    assert rows.count() == 24
    first = rows.first.locator("th, td").all_inner_texts()
    top = max(range(24), key=lambda i: (collection.tracks[i].metadata["popularity"], i))
    track = collection.tracks[top]
    assert first == [track.track_name, track.artists, track.track_genre, f"{track.x:.2f}", f"{track.y:.2f}"]
    page.screenshot(path=str(artifacts / "list.png"))
    # Zoomed in, the list follows the view.
    page.keyboard.press("+")
    page.keyboard.press("+")
    page.wait_for_function("document.querySelectorAll('#list-body tr:not(.spacer)').length < 24")
    in_view = page.evaluate("(() => { const o = []; for (let i = 0; i < 24; i++) { const [x, y] = __explore.screenOf(i);"
                            " const f = [__explore.toScreen(0, 0), __explore.toScreen(1, 1)]; o.push([x, y]); } return o; })()")
    assert 0 < rows.count() < 24 and len(in_view) == 24
    # A row's button pins its song, and the pinned song is announced.
    name = rows.first.locator("button").inner_text()
    rows.first.locator("button").click()
    page.wait_for_function(f"document.getElementById('announce').textContent.includes({name!r})")
    announced = page.locator("#announce").inner_text()
    assert announced.startswith(f"Pinned {name}") and "Picture" in announced  # the prompt is read out too


def test_text_contrast_is_at_least_4_5(open_page, thesis_url, artifacts):
    pg = open_page(url=thesis_url)
    # Every DOM text against the first opaque background behind it.
    worst = pg.evaluate("""(() => {
        const rgb = (s) => s.match(/[\\d.]+/g).map(Number);
        const bg = (el) => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
            if (c.length < 4 || c[3] > 0.9) return c.slice(0, 3); } return [15, 17, 22]; };
        const out = [];
        for (const el of document.querySelectorAll('body *')) {
            if (!el.offsetParent || ![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
            out.push([el.tagName + '#' + el.id + '.' + el.className, rgb(getComputedStyle(el).color), bg(el)]);
        }
        return out; })()""")
    low = [(name, fg, back, round(contrast(fg, back), 2)) for name, fg, back in worst if contrast(fg, back) < 4.5]
    assert not low, low
    # Quadrant labels over a white picture, and grid counts over bright cells: the label's own background
    # (sampled inside its padding, from the labels and base canvases together) against its text colour.
    for mode in ("thumbs", "grid"):
        if mode == "grid":
            pg.keyboard.press("t")
            next_frame(pg)
        labels = pg.evaluate("window.__explore.labels")
        assert labels
        for label in labels:
            # The paddings left and right of the text (the text itself is anti-aliased into its background).
            for px, py in ((label["x"] + 2, label["y"] + label["h"] / 2), (label["x"] + label["w"] - 2, label["y"] + label["h"] / 2)):
                over = pg.evaluate(f"window.__explore.labelPixel({px}, {py})")
                under = pg.evaluate(f"window.__explore.pixel({px}, {py})")
                a = over[3] / 255
                seen = [round(o * a + u * (1 - a)) for o, u in zip(over[:3], under)]
                assert contrast(hex_rgb(label["color"]), seen) >= 4.5, (mode, label, seen)
        pg.screenshot(path=str(artifacts / f"thesis-{mode}.png"))


# ---- smaller fixes ----------------------------------------------------------------------------------------

def test_quadrant_cross_is_drawn_at_the_heads_even_odds_not_at_one_half(page):
    cross = page.evaluate("window.__explore.cross()")
    assert cross["arousal"] > 0.6  # from the server (a2i.mood.even_odds), not 0.5
    page.locator("#search").fill("no song is called this")  # an empty map: only the lines are drawn
    next_frame(page)
    (cx, cy), (hx, hy) = cross["at"], page.evaluate("__explore.toScreen(0.3, 0.5)")
    cross_rgb, guide_rgb = [43, 49, 64], [29, 33, 43]  # CROSS and GUIDE in explore.js
    # The horizontal cross is dashed: some of eight neighbouring pixels along it are the cross's colour.
    along = [page.evaluate(f"__explore.pixel({hx + dx}, {cy})") for dx in range(8)]
    assert cross_rgb in along, along
    assert page.evaluate(f"__explore.pixel({hx}, {hy})") == guide_rgb  # energy 0.5: an ordinary guide line
    down = [page.evaluate(f"__explore.pixel({cx}, {hy + dy})") for dy in range(8)]
    assert cross_rgb in down, down


def test_t_keeps_the_plot_still_and_axis_words_follow_the_zoom(page):
    before = page.evaluate("[__explore.toScreen(0.3, 0.3), __explore.toScreen(0.9, 0.7)]")
    page.keyboard.press("t")
    next_frame(page)
    assert page.evaluate("[__explore.toScreen(0.3, 0.3), __explore.toScreen(0.9, 0.7)]") == before
    page.keyboard.press("t")
    words = {w["word"]: w for w in page.evaluate("window.__explore.axisWords")}
    assert {"sad", "neutral", "happy", "calm", "intense"} <= set(words)
    for _ in range(4):
        page.keyboard.press("+")
    page.keyboard.press("ArrowRight")
    next_frame(page)
    words = page.evaluate("window.__explore.axisWords")
    span = 1 / state(page)["zoom"]
    x_words = [w for w in words if "x" in w]
    assert x_words, "no valence word in view"
    for w in x_words:  # each word sits at its value, and only words whose value is in view are drawn
        assert abs(state(page)["cx"] - w["at"]) <= span / 2 + 1e-6
        assert abs(w["x"] - page.evaluate(f"__explore.toScreen({w['at']}, 0)[0]")) <= 40
    assert "sad" not in [w["word"] for w in x_words]


def test_thesis_folder_popup_whole_prompt_position_and_audio_states(open_page, thesis_url, thesis_dir, artifacts):
    import json

    pg = open_page(url=thesis_url)
    ids = pg.evaluate("(() => { const o = []; for (let i = 0; i < 5; i++) o.push(window.__explore.id(i)); return o; })()")
    raw = {stem: json.loads((thesis_dir / "static" / "jsons" / f"{stem}.json").read_text()) for stem in ids}
    overlay = pg.locator("#overlay").bounding_box()

    def click(stem: str):
        x, y = screen_of(pg, ids.index(stem))
        pg.mouse.click(overlay["x"] + x, overlay["y"] + y)
        pg.wait_for_function(f"window.__explore.state().pinned === {ids.index(stem)}")
        pg.wait_for_function("document.querySelector('#popup-prompt').textContent.length > 0")

    click("alec")
    track = raw["alec"]
    assert pg.locator("#popup-artist").inner_text() == "Alec Benjamin"
    position = pg.locator("#popup-position").inner_text()
    assert f"valence {track['x']:.2f}, arousal {track['y']:.2f}" in position
    assert f"listed valence {track['valence']:.2f}" in position
    prompt = pg.locator("#popup-prompt")
    assert prompt.inner_text().strip("“”").strip() == track["data"][0]["prompt"].strip()
    assert prompt.evaluate("e => e.scrollHeight <= e.clientHeight + 1")  # not cut off
    pg.screenshot(path=str(artifacts / "thesis-pinned.png"))

    click("noclip")
    pg.wait_for_function("document.querySelector('#popup-audio').textContent.includes('missing')")
    click("bright")
    pg.wait_for_function("document.querySelector('#popup-audio').textContent === 'clip failed to play'", timeout=10_000)
    # The song whose picture is missing is drawn as its colour.
    i = ids.index("nopicture")
    x, y = screen_of(pg, i)
    want = tuple(raw["nopicture"]["data"][0]["mean_color"][c] for c in "rgb")
    got = pg.evaluate(f"window.__explore.pixel({x}, {y})")
    assert max(abs(a - b) for a, b in zip(got, want)) <= 8


def test_names_and_prompts_stay_text_in_the_list_popup_and_announcements(open_page, serve_app, tmp_path):
    import json

    from a2i.explore import create_app
    from a2i.explore.synthetic import make_folder

    root = make_folder(tmp_path / "d", 3, variants=1, size=16, audio="none", seed=4)
    payload = '<img src=x onerror="window.__pwned=1">'
    raw = json.loads((root / "track_1.json").read_text())
    raw.update(track_name=payload, artists=f"['{payload}']")
    raw["data"][0]["prompt"] = f"</script><script>window.__pwned=2</script>{payload}"
    (root / "track_1.json").write_text(json.dumps(raw))
    pg = open_page(url=serve_app(create_app({"DATA_DIR": root, "CACHE_DIR": tmp_path / "c", "WARM": False})))
    pg.keyboard.press("l")
    pg.locator("#list-body tr", has_text="onerror").locator("button").click()
    pg.wait_for_function("document.getElementById('announce').textContent.includes('onerror')")
    pg.locator("#search").fill("onerror")
    pg.locator("#results li").first.wait_for()
    assert pg.locator("#popup-title").inner_text() == payload
    assert pg.locator("#popup-artist").inner_text() == payload
    assert pg.evaluate("window.__pwned === undefined && document.querySelectorAll('img[src=x]').length === 0")
