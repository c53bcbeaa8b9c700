"""A musician's walk through the studio in Debian's chromium (Playwright), against a live server on 127.0.0.1
and its worker: add a song, see the plot and the pictures, re-roll, write a prompt, reload, render a
short video, reload mid-render, download it; a song whose tags hold HTML; the 375-px phone layout."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser

#: Generous waits: the machine running the suite may be busy with other tests.
WAIT_MS = 60_000


def until(page, script: str, timeout_ms: int = WAIT_MS) -> None:
    """Poll ``script`` (a JS expression) until it is true. (``wait_for_function`` evaluates strings, which the
    page's Content-Security-Policy forbids; ``evaluate`` goes through the DevTools protocol instead.)"""
    end = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(f"() => Boolean({script})"):
        assert time.monotonic() < end, f"timed out waiting for {script}"
        time.sleep(0.1)


def picture_srcs(page) -> list[str]:
    return page.eval_on_selector_all(".card .img img", "els => els.map(e => e.getAttribute('src'))")


def test_add_see_edit_render_and_download(browser, live, songs, worker, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live)
    # 1. Add a song with the file picker; the pictures arrive (no preview badge left), and the plot.
    page.set_input_files("#file", str(songs["short"]))
    until(page, "document.querySelectorAll('.card .img img').length > 0 && "
                "!document.querySelector('.card .badge') && document.querySelector('#mood polyline')")
    n_cards = page.locator(".card").count()
    assert n_cards == page.locator("#clips button").count() >= 1
    assert all("_clip" in src for src in picture_srcs(page))
    points = page.get_attribute("#mood polyline.line-valence", "points").split()
    assert len(points) == n_cards and all(0 <= float(p.split(",")[1]) <= 120 for p in points)
    assert "BPM" in page.inner_text("#stats") or "no steady beat" in page.inner_text("#stats")
    until(page, "document.querySelectorAll('#sections button').length > 0")
    # the clips and sections are laid out along the waveform (sizes set through the CSP-safe CSSOM)
    wave = page.locator("#wave").bounding_box()
    boxes = [page.locator("#clips button").nth(i).bounding_box() for i in range(n_cards)]
    covered = sum(min(10.0, 12.0 - 10.0 * i) for i in range(n_cards)) / 12.0  # the 12-s song's clips, a short tail left out
    assert sum(b["width"] for b in boxes) == pytest.approx(wave["width"] * covered, abs=2)
    assert boxes[0]["x"] == pytest.approx(wave["x"], abs=1) and boxes[0]["width"] > 100
    assert page.locator("#sections button").first.bounding_box()["width"] > 10

    # 2. Re-roll the first clip: a second variant appears and is chosen.
    card = page.locator(".card").first
    card.locator(".reroll").click()
    until(page, "document.querySelectorAll('.card')[0].querySelectorAll('.variants button').length == 2")
    assert card.locator(".variants button[aria-pressed=true]").count() == 1
    rerolled = card.locator(".img img").get_attribute("src")
    assert rerolled.endswith("_v1.png")

    # 3. Write a prompt and paint it (keyboard only: focus, type, Tab to the button, Enter).
    card.locator("textarea").fill("stained glass window with a lighthouse at night")
    card.locator("textarea").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    until(page, "document.querySelectorAll('.card')[0].querySelectorAll('.variants button').length == 3")
    assert page.locator(".card").first.locator(".prompt").text_content() == "stained glass window with a lighthouse at night"

    # 4. A reload loses nothing: the chosen picture and its prompt are the written ones.
    page.reload()
    page.wait_for_selector(".card .variants")
    first = page.locator(".card").first
    assert first.locator(".img img").get_attribute("src").endswith("_v2.png")
    assert "lighthouse" in first.locator(".prompt").text_content()

    # 5. Render a small video; reload while it renders: the job is still there and finishes.
    page.select_option("select[name=size]", "640x360")
    page.select_option("select[name=fps]", "12")
    page.select_option("select[name=segments]", "fixed")
    page.click("#render")
    page.wait_for_selector(".job[data-kind=video]")
    page.reload()
    page.wait_for_selector(".job[data-kind=video]", timeout=WAIT_MS)  # the job survived the reload
    page.wait_for_selector("#download-video", timeout=3 * WAIT_MS)
    assert page.locator("#video video").count() == 1
    with page.expect_download() as download:
        page.click("#download-video")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.endswith(".mp4") and saved.read_bytes()[4:8] == b"ftyp"
    assert errors == []


def test_a_song_joins_the_songs_list_once_its_check_ends(browser, live, songs):
    """The songs list leaves out a song whose upload is still being checked (a long MP3 takes a second or more), and
    the page read the list only then: "No songs yet" stood beside the open song until a reload (the README's
    screenshot showed it). The page reads it again once the check is over. The server's answers are held at
    "checking" for the page's first look at the song, as a long upload's would be, so the order is not left to
    how fast this machine checks a short file."""
    import json

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = {"answers": 0, "checked": False}

    def project(route):  # GET /api/projects/<name>: the first answer says the check is still running
        response = route.fetch()
        body = response.json()
        seen["answers"] += 1
        if seen["answers"] == 1:
            body["checking"] = True  # held, whatever the server says: a slow machine may still be checking anyway
        elif not body.get("checking"):
            seen["checked"] = True  # later answers are the server's own; the check's end changes the song's version
        route.fulfill(response=response, body=json.dumps(body))

    def listing(route):  # GET /api/projects: what the server lists while the song is being checked
        response = route.fetch()
        body = response.json()
        if not seen["checked"]:
            body["projects"] = [p for p in body["projects"] if p["upload"] != "short.wav"]
        route.fulfill(response=response, body=json.dumps(body))

    page.route(lambda url: url.rstrip("/").endswith("/api/projects"), lambda route: listing(route)
               if route.request.method == "GET" else route.continue_())
    page.route("**/api/projects/*", lambda route: project(route) if route.request.method == "GET" else route.continue_())
    page.goto(live)
    page.set_input_files("#file", str(songs["short"]))
    until(page, "document.getElementById('song-title').textContent.length > 0")
    until(page, "document.querySelector('#songs a[aria-current=true]')")
    assert page.inner_text("#songs a[aria-current=true]").startswith(page.inner_text("#song-title"))
    assert "No songs yet" not in page.inner_text("#songs")


def test_html_in_song_tags_is_shown_as_text_and_never_runs(browser, live, songs):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(live)
    page.set_input_files("#file", str(songs["tagged"]))
    until(page, "document.getElementById('song-title').textContent.includes('Song')")
    assert page.inner_text("#song-title") == '<img src=x onerror="window.pwned=1">Song'
    assert "Test <b>Artist</b>" in page.inner_text("#song-sub")
    assert page.locator("#song-title img, #song-sub b, .songs img").count() == 0
    assert page.evaluate("window.pwned") is None and dialogs == []


def test_a_bad_upload_is_named_on_the_page(browser, live, tmp_path, songs):
    page = browser.new_page()
    page.goto(live)
    fake = tmp_path / "demo.mp3"
    fake.write_text("not music at all " * 100)
    page.set_input_files("#file", str(fake))
    alert = page.wait_for_selector("#upload-status .error")
    assert alert.inner_text().startswith("a2i: error: demo.mp3: ")
    # A cut file's header looks fine: the page is answered, opens the song, and is told when the check refuses it.
    cut = tmp_path / "cut.wav"
    cut.write_bytes(songs["short"].read_bytes()[: songs["short"].stat().st_size // 3])
    page.set_input_files("#file", str(cut))
    page.wait_for_function("() => (document.querySelector('#upload-status .error')?.textContent || '').includes('cut.wav')")
    assert page.inner_text("#upload-status .error").startswith("a2i: error: cut.wav: ") and page.is_hidden("#song")


def test_phone_layout_and_danish(browser, live, songs, worker):
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(live + "/?lang=da")
    assert page.inner_text(".drop-text") == "Slip en sang her, eller vælg en fil"
    assert page.get_attribute("html", "lang") == "da"
    page.set_input_files("#file", str(songs["tagged"]))
    page.wait_for_selector(".card")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sideways on a phone
    page.goto(live + "/")
    assert page.inner_text(".drop-text") == "Slip en sang her, eller vælg en fil"  # the choice is remembered
