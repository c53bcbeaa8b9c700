"""A participant and an admin in Debian's chromium, driven by Playwright, against a live server on 127.0.0.1.

Every page is saved as a screenshot in ``test-artifacts/labeling/``.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from labeling_helpers import PASSWORD, invite, make_app

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "labeling"


@pytest.fixture
def live_app(tmp_path, study_dir):
    from werkzeug.serving import make_server

    from a2i.labeling.manage import add_admin

    app = make_app(tmp_path, study_dir)
    add_admin(app, "admin1", PASSWORD)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def wait_until(page, expression: str, timeout: float = 10.0) -> None:
    """Poll a JS expression from Python (wait_for_function evaluates strings, which the site's CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(50)


def answer_task(page, name: str, *, keyboard: bool = False) -> None:
    page.wait_for_selector("#grid .tile")
    page.click("#replay")
    wait_until(page, "document.getElementById('clip').currentTime > 0.2")
    state = page.evaluate("(() => { const a = document.getElementById('clip');"
                          " return {paused: a.paused, time: a.currentTime, src: a.currentSrc}; })()")
    assert state["time"] > 0.2 and not state["paused"] and "/media/audio/" in state["src"]
    tiles = page.locator("#grid .tile")
    assert tiles.count() == 12
    tiles.nth(0).click()
    if keyboard:  # the grid works from the keyboard: focus a tile and press Space
        tiles.nth(5).focus()
        page.keyboard.press("Space")
    else:
        tiles.nth(3).click()
    assert page.locator('#grid .tile[aria-pressed="true"]').count() == 2
    page.check('input[name="liked"][value="yes"]')
    shot(page, name)
    page.click("#submit")


def test_participant_study_and_admin_export(live_app, browser, tmp_path):
    app, base = live_app
    code = invite(app)
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # the deliberate form error answers 400; anything else in the console is a bug
    page.on("console", lambda msg: errors.append(msg.text)
            if msg.type == "error" and "status of 400" not in msg.text else None)

    page.goto(base + "/")
    shot(page, "01-login")
    page.click("text=Create an account")
    page.fill("#invite", code)
    page.fill("#username", "alice1")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", "different password")
    page.click("#main button[type=submit].primary")
    shot(page, "02-register-error")
    assert page.locator(".error-text").count() == 1
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("#main button[type=submit].primary")

    page.wait_for_url("**/survey")
    shot(page, "03-survey")
    page.fill("#age", "29")
    page.select_option("#sex", "male")
    page.fill("#nationality", "Danish")
    page.fill("#birth_nationality", "Swedish")
    page.select_option("#music_listening", "weekly")
    page.select_option("#preferred_language", "en")
    page.click("#main button[type=submit]")

    page.wait_for_url("**/tutorial")
    page.wait_for_selector("#explanation:not([hidden])")
    answer_task(page, "04-tutorial")
    page.wait_for_selector("#reveal:not([hidden])")
    assert page.locator("#grid .tile.own").count() == 4
    shot(page, "05-tutorial-reveal")
    page.click("#continue")

    page.wait_for_url("**/tasks")
    answer_task(page, "06-task-1", keyboard=True)
    wait_until(page, "document.getElementById('progress-label').textContent.includes('2 of 2')")
    answer_task(page, "07-task-2")

    page.wait_for_url("**/feedback")
    page.fill("#text", "The second clip was my favourite.")
    shot(page, "08-feedback")
    page.click("button[value=send]")
    page.wait_for_url("**/thanks")
    shot(page, "09-thanks")
    assert "Thank you!" in page.content()
    with app.app_context():  # what the browser sent was stored: plays and picks with their timestamps
        from a2i.labeling.db import db
        from a2i.labeling.models import Submission

        answers = db.session.query(Submission).order_by(Submission.id).all()
        assert len(answers) == 3 and all(len(a.selected) == 2 and a.liked == "yes" for a in answers)
        kinds = [[e["type"] for e in a.interactions] for a in answers]
        assert all(k[0] == "load" and "play" in k and k.count("select") == 2 for k in kinds), kinds
        times = [e["t"] for e in answers[1].interactions]
        assert times == sorted(times)

    page.click("a[lang=da]")
    page.wait_for_selector("html[lang=da]")
    shot(page, "10-thanks-danish")
    assert "Tak!" in page.content()
    assert not errors, errors

    # The same study on a phone.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                device_scale_factor=2)
    mobile = phone.new_page()
    mobile.goto(base + "/register?invite=" + invite(app))
    mobile.fill("#username", "bob22")
    mobile.fill("#password", PASSWORD)
    mobile.fill("#confirm", PASSWORD)
    mobile.click("#main button[type=submit].primary")
    mobile.wait_for_url("**/survey")
    shot(mobile, "11-phone-survey")
    for selector, value in (("#age", "40"), ("#nationality", "Danish"), ("#birth_nationality", "Danish")):
        mobile.fill(selector, value)
    mobile.select_option("#sex", "female")
    mobile.select_option("#music_listening", "daily")
    mobile.select_option("#preferred_language", "da")
    mobile.click("#main button[type=submit]")
    mobile.wait_for_url("**/tutorial")
    mobile.wait_for_selector("#grid .tile")
    width = mobile.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing overflows sideways
    shot(mobile, "12-phone-tutorial-danish")
    phone.close()

    # The admin logs in, looks at progress and agreement, and downloads the exports.
    admin = context.new_page()
    admin.goto(base + "/lang/en?next=/login")
    admin.click("text=Log out") if admin.locator("text=Log out").count() else None
    admin.goto(base + "/login")
    admin.fill("#username", "admin1")
    admin.fill("#password", PASSWORD)
    admin.click("#main button[type=submit]")
    admin.wait_for_url("**/admin/")
    shot(admin, "13-admin")
    with admin.expect_download() as download_info:
        admin.click("a[href='/admin/export/choices.csv']")
    path = tmp_path / "choices.csv"
    download_info.value.save_as(path)
    lines = path.read_text().strip().splitlines()
    assert lines[0].startswith("submission_id,") and len(lines) == 1 + 3 * 12
    admin.goto(base + "/admin/agreement")
    shot(admin, "14-admin-agreement")
    context.close()
