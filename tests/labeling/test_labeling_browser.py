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


def fill_survey(page, *, age: str, **choices: str) -> None:
    page.fill("#age", age)
    for name, value in choices.items():
        page.select_option(f"#{name}", value)
    page.click("#main button[type=submit]")


def answer_task(page, name: str, *, keyboard: bool = False) -> None:
    page.wait_for_selector("#grid .tile")
    wait_until(page, "[...document.querySelectorAll('#grid .tile')].every(t => !t.disabled)")
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
    # the deliberate form errors answer 400; anything else in the console is a bug
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

    page.wait_for_url("**/consent")
    shot(page, "03-consent")
    page.click("#main button[type=submit]")  # without ticking the box: told what to do
    assert page.locator(".error-text").count() == 1
    page.check("#agree")
    page.click("#main button[type=submit]")
    page.wait_for_url("**/survey")
    shot(page, "04-survey")
    fill_survey(page, age="29", sex="male", country_of_birth="DK", country_of_residence="SE",
                music_listening="weekly", preferred_language="en")

    page.wait_for_url("**/tutorial")
    page.wait_for_selector("#explanation:not([hidden])")
    answer_task(page, "05-tutorial")
    page.wait_for_selector("#reveal:not([hidden])")
    assert page.locator("#grid .tile.own").count() == 4
    shot(page, "06-tutorial-reveal")

    # A picture that has not loaded yet cannot be chosen; it can once it has.
    held, holding = [], [True]
    page.route("**/media/web/**", lambda route: held.append(route) if holding[0] else route.continue_())
    page.click("#continue")
    page.wait_for_url("**/tasks")
    wait_until(page, "document.querySelectorAll('#grid .tile.loading').length === 12")
    assert page.locator("#grid .tile[disabled]").count() == 12
    page.locator("#grid .tile").nth(0).click(force=True)
    assert page.locator('#grid .tile[aria-pressed="true"]').count() == 0
    holding[0] = False
    for route in held:
        route.continue_()
    answer_task(page, "07-task-1", keyboard=True)
    wait_until(page, "document.getElementById('progress-label').textContent.includes('2 of 2')")
    # focus moves to the new task's heading and a live region announces it
    wait_until(page, "document.activeElement && document.activeElement.id === 'task-heading'")
    assert "Task 2 of 2 is ready" in page.inner_text("#announce")
    # the enlarged view opens from the magnifier and its time is logged
    page.locator("#grid .zoom-button").nth(2).click()
    wait_until(page, "document.getElementById('zoom').open")
    wait_until(page, "document.getElementById('zoom-image').complete")
    shot(page, "08-zoom")
    page.click("#zoom-close")
    answer_task(page, "09-task-2")

    page.wait_for_url("**/feedback")
    page.fill("#text", "The second clip was my favourite.")
    shot(page, "10-feedback")
    page.click("button[value=send]")
    page.wait_for_url("**/thanks")
    shot(page, "11-thanks")
    assert "Thank you!" in page.content()
    with app.app_context():  # what the browser sent was stored: plays, loads, views and picks with their times
        from a2i.labeling.db import db
        from a2i.labeling.models import Submission

        answers = db.session.query(Submission).order_by(Submission.id).all()
        assert len(answers) == 3 and all(len(a.selected) == 2 and a.liked == "yes" for a in answers)
        kinds = [[e["type"] for e in a.interactions] for a in answers]
        assert all("load" in k and "play" in k and k.count("select") == 2 for k in kinds), kinds
        assert all(k.count("image_load") == 12 for k in kinds), kinds
        assert ["zoom_open", "zoom_close"] == [k for k in kinds[2] if k.startswith("zoom")]
        first_select = kinds[1].index("select")
        assert kinds[1][:first_select].count("image_load") >= 1  # a picture is picked only after it loaded
        times = [e["t"] for e in answers[1].interactions]
        assert times == sorted(times)

    page.click("a[lang=da]")
    page.wait_for_selector("html[lang=da]")
    shot(page, "12-thanks-danish")
    assert "Tak!" in page.content()
    assert not errors, errors

    # The admin logs in, looks at progress, capacity and agreement, and downloads the exports.
    admin = context.new_page()
    admin.goto(base + "/lang/en?next=/login")
    admin.click("text=Log out") if admin.locator("text=Log out").count() else None
    admin.goto(base + "/login")
    admin.fill("#username", "admin1")
    admin.fill("#password", PASSWORD)
    admin.click("#main button[type=submit]")
    admin.wait_for_url("**/admin/")
    assert admin.inner_text("#capacity") == "6"
    shot(admin, "20-admin")
    with admin.expect_download() as download_info:
        admin.click("a[href='/admin/export/choices.csv']")
    path = tmp_path / "choices.csv"
    download_info.value.save_as(path)
    lines = path.read_text().strip().splitlines()
    assert lines[0].startswith("submission_id,") and len(lines) == 1 + 3 * 12
    admin.goto(base + "/admin/agreement")
    shot(admin, "21-admin-agreement")
    context.close()


def test_anonymous_phone_participant_in_danish(live_app, browser):
    """A Prolific participant on a 375-px phone, in Danish: consent, survey, a task opened by tapping a
    picture, the withdrawal page; then the study fills up and the next one is told so."""
    app, base = live_app
    link = invite(app, bypass=True, uses=10)
    phone = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True,
                                device_scale_factor=2, locale="da-DK")
    mobile = phone.new_page()
    errors: list[str] = []
    mobile.on("pageerror", lambda exc: errors.append(str(exc)))
    mobile.goto(f"{base}/start/{link}?PROLIFIC_PID=aaaabbbbccccdddd00001111")
    assert mobile.locator("html[lang=da]").count() == 1
    shot(mobile, "30-phone-consent-danish")
    mobile.check("#agree")
    mobile.click("#main button[type=submit]")
    mobile.wait_for_url("**/survey")
    assert mobile.locator("text=Log ud").count() == 0  # anonymous: nothing to log out of
    shot(mobile, "31-phone-survey-danish")
    fill_survey(mobile, age="40", sex="female", country_of_birth="DK", country_of_residence="DK",
                music_listening="daily", preferred_language="da")
    mobile.wait_for_url("**/tutorial")
    mobile.wait_for_selector("#grid .tile")
    wait_until(mobile, "[...document.querySelectorAll('#grid .tile')].every(t => !t.disabled)")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 375  # nothing overflows sideways
    shot(mobile, "32-phone-tutorial-danish")
    mobile.locator("#grid .tile").nth(1).tap()  # a tap opens the enlarged view
    wait_until(mobile, "document.getElementById('zoom').open")
    wait_until(mobile, "document.getElementById('zoom-image').complete")
    shot(mobile, "33-phone-zoom-danish")
    mobile.click("#zoom-toggle")  # choose it from the enlarged view
    mobile.click("#zoom-close")
    assert mobile.locator('#grid .tile[aria-pressed="true"]').count() == 1
    mobile.click("#withdraw-link")
    mobile.wait_for_url("**/withdraw")
    shot(mobile, "34-phone-withdraw-danish")
    assert not errors, errors
    phone.close()

    # English on a phone: the study-full message with the way back to the recruitment site.
    app.config["SCREENOUT_URL"] = "https://app.prolific.com/submissions/complete?cc=FULL1"
    with app.app_context():
        from a2i.labeling.db import db
        from a2i.labeling.models import Assignment, User

        study = app.extensions["a2i_study"]
        filler = User(username="filler1", stage="tasks")
        db.session.add(filler)
        db.session.flush()
        for n in range(study.participants_per_item):  # every item gets its answers
            user = filler if n == 0 else User(username=f"filler{n + 1}", stage="tasks")
            db.session.add(user)
            db.session.flush()
            for k, item in enumerate(study.items):
                db.session.add(Assignment(user_id=user.id, item_id=item.id, position=k, order_seed=1))
        db.session.commit()
    for name, size in (("35-phone-full", {"width": 375, "height": 812}), ("36-desktop-full", {"width": 1200,
                                                                                                "height": 800})):
        context = browser.new_context(viewport=size, locale="en-GB")
        late = context.new_page()
        late.goto(f"{base}/start/{link}?PROLIFIC_PID=eeeeffff0000111122223333")
        assert "The study is full" in late.content()
        assert late.get_attribute("#screenout", "href").endswith("cc=FULL1")
        shot(late, name)
        context.close()
