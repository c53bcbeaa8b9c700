"""The labeling site's screenshot in the README (docs/images/labeling_task.jpg), with real pictures.

Synthesizes five short songs (a2i.synth's pieces and two variations of them), paints four pictures of each
song's centre clip with ``a2i render`` (the painter, on the CPU), builds a study from them with ``a2i label
make-study`` (one tutorial song, four labeling songs), starts the site in a temporary instance folder, and
walks through it in Debian's chromium as an anonymous participant: consent, survey, the tutorial task, then a
labeling task with two pictures picked, photographed at 1280 px.

With ``--pages DIR`` it also photographs the participant's pages (consent, survey, task, the resume page a
known PROLIFIC_PID alone gets, withdrawal) at 1280 px and 375 px, in English and Danish, as PNG files for
review.

    python docs/make_labeling_screenshots.py [--out docs/images] [--pages DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: Seconds per song: long enough for a 10-second centre clip, short enough to paint in a minute.
SONG_SECONDS = 25.0
PID = "5f1a2b3c4d5e6f7a8b9c0d1e"


def _songs(folder: Path) -> list[Path]:
    """Five songs of different moods: the three synth pieces and two variations of them."""
    from a2i.audio import write
    from a2i.synth import MAJOR, MINOR, PIECES, render

    pieces = dict(PIECES)
    pieces["copper_lanterns"] = dataclasses.replace(PIECES["example_song"], title="Copper Lanterns", tempo=92.0,
                                                    tonic=67, scale=MAJOR, brightness=0.45, drums=0.4)
    pieces["frost_signal"] = dataclasses.replace(PIECES["bright_major"], title="Frost Signal", tempo=100.0,
                                                 scale=MINOR, brightness=0.7, drums=0.6, level_db=-16.0)
    return [write(folder / f"{name}.flac", render(spec, seconds=SONG_SECONDS)) for name, spec in pieces.items()]


def _a2i(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "a2i", *args], check=True, cwd=REPO)


def _wait_until(page, expression: str, timeout: float = 20.0) -> None:
    """Poll a JS expression (wait_for_function evaluates strings, which the site's CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {expression}")
        page.wait_for_timeout(50)


def _consent(page, base: str, code: str, lang: str, session: str) -> None:
    page.goto(f"{base}/lang/{lang}?next=/start/{code}%3FPROLIFIC_PID%3D{PID}%26SESSION_ID%3D{session}")


def _agree_and_survey(page, shot=None) -> None:
    """Agree on the consent page and fill in the survey (photographing it first when ``shot`` is given)."""
    page.check("#agree")
    page.click("#main button[type=submit]")
    page.wait_for_url("**/survey")
    if shot:
        shot("survey")
    page.fill("#age", "34")
    for name, value in (("sex", "female"), ("country_of_birth", "DK"), ("country_of_residence", "DK"),
                        ("music_listening", "daily")):
        page.select_option(f"#{name}", value)
    page.click("#main button[type=submit]")
    page.wait_for_url("**/tutorial")


def _grid_ready(page) -> None:
    """Wait for every picture, and play the clip (a task is answered after listening)."""
    page.wait_for_selector("#grid .tile")
    _wait_until(page, "[...document.querySelectorAll('#grid .tile')].every(t => !t.disabled) && "
                      "[...document.querySelectorAll('#grid img')].every(i => i.complete && i.naturalWidth > 0)")
    page.click("#replay")
    _wait_until(page, "document.getElementById('clip').currentTime > 0.2")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images")
    parser.add_argument("--pages", type=Path, help="also photograph every participant page here (PNG)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    os.environ["PYTHONPATH"] = str(REPO) + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else "")
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from a2i.labeling import create_app
    from a2i.labeling.make_study import make_study
    from a2i.labeling.manage import create_invites, init_db

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    tmp = Path(tempfile.mkdtemp(prefix="labeling-shots-"))
    songs = _songs(tmp / "songs")
    _a2i("render", *map(str, songs), "--out", str(tmp / "runs"), "--variants", "4", "--clips", "center",
         "--size", "512", "--seed", "3")
    runs = sorted(p for p in (tmp / "runs").iterdir() if p.is_dir())
    # dark_minor (Grey Harbour) is the practice song: the others are the labeling items
    runs.sort(key=lambda p: p.name != "dark_minor")
    study = make_study(runs, tmp / "study", tutorial=1, participants_per_item=5, tasks_per_participant=4,
                       contact="study@uni.example", researcher="The a2i team", title="Music and images")
    app = create_app({"INSTANCE_PATH": str(tmp / "instance"), "SECRET_KEY": "s" * 64, "STUDY_DIR": str(study.parent),
                      "CREATE_DATABASE": True, "SESSION_COOKIE_SECURE": False})
    init_db(app)
    code = create_invites(app, count=1, max_uses=50, days=None, bypass=True, note="screenshots")[0]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--headless"])
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            _consent(page, base, code, "en", "shots1")
            _agree_and_survey(page)
            _grid_ready(page)
            page.locator("#grid .tile").nth(0).click()
            page.check('input[name="liked"][value="yes"]')
            page.click("#submit")
            page.wait_for_selector("#reveal:not([hidden])")
            page.click("#continue")
            page.wait_for_url("**/tasks")
            _grid_ready(page)
            page.locator("#grid .tile").nth(1).click()
            page.locator("#grid .tile").nth(6).click()
            args.out.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out / "labeling_task.jpg"), type="jpeg", quality=82, full_page=True)
            print(args.out / "labeling_task.jpg")
            if args.pages:
                _pages(browser, base, app, args.pages)
            browser.close()
    finally:
        server.shutdown()
    return 0


def _pages(browser, base: str, app, folder: Path) -> None:
    """Every participant page at 1280 px and 375 px, in English and Danish."""
    from a2i.labeling.manage import create_invites

    folder.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "da"):
        for width in (1280, 375):
            code = create_invites(app, count=1, max_uses=5, days=None, bypass=True, note=None)[0]
            context = browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()

            def shot(name: str, page=page, lang=lang, width=width) -> None:
                path = folder / f"{name}-{lang}-{width}.png"
                page.screenshot(path=str(path), full_page=True)
                print(path)

            _consent(page, base, code, lang, "pages1")
            shot("consent")
            _agree_and_survey(page, shot)
            _grid_ready(page)
            shot("tutorial")
            page.goto(f"{base}/withdraw")
            page.click("#main button[type=submit]")  # without the confirmation box: the page asks for it
            shot("withdraw")
            stranger = browser.new_context(viewport={"width": width, "height": 900}).new_page()
            stranger.goto(f"{base}/lang/{lang}?next=/start/{code}%3FPROLIFIC_PID%3D{PID}")
            stranger.screenshot(path=str(folder / f"resume-{lang}-{width}.png"), full_page=True)
            print(folder / f"resume-{lang}-{width}.png")
            context.close()


if __name__ == "__main__":
    raise SystemExit(main())
