"""The studio's screenshots in the README: docs/images/studio_1280.jpg and docs/images/studio_375.jpg.

Synthesizes a one-minute song (a2i.synth's example song), starts a studio on it in a temporary folder with
its worker, adds the song through the page as a musician would, waits for every picture, re-rolls one clip
and restyles another so the variants strips show, starts a small video render, and photographs the page while it
renders (its progress in frames, the time left) in Debian's chromium at 1280 px and at 375 px.

    python docs/make_studio_screenshots.py [--out docs/images]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    os.environ["PYTHONPATH"] = str(REPO) + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else "")
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from a2i.audio import write
    from a2i.studio import create_app
    from a2i.studio.worker import start_worker
    from a2i.synth import PIECES, render

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request would bury the summary
    tmp = Path(tempfile.mkdtemp(prefix="studio-shots-"))
    song = write(tmp / "Night Drive.flac", render(PIECES["example_song"], seconds=60))
    app = create_app({"FOLDER": str(tmp / "studio")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    worker = start_worker(tmp / "studio")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--headless"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base)
            page.set_input_files("#file", str(song))
            deadline = time.monotonic() + 300
            while not page.evaluate("""() => { const cards = document.querySelectorAll('.card');
                  return cards.length > 1 && [...cards].every(c => { const i = c.querySelector('.img img');
                    return i && i.src.includes('_clip') && i.complete && i.naturalWidth > 0; })
                    && document.querySelectorAll('#sections button').length > 0; }"""):
                if time.monotonic() > deadline:
                    raise SystemExit("the pictures did not arrive within 300 s")
                time.sleep(0.3)
            page.locator(".card").nth(1).locator(".reroll").click()
            page.wait_for_selector(".card >> nth=1 >> .variants button:nth-child(2)")
            page.locator(".card").nth(2).locator("select").select_option("watercolour")
            page.wait_for_selector(".card >> nth=2 >> .variants button:nth-child(2)")
            # A 640 x 360 video of the pictures on the page, photographed while it renders (frames and time left).
            page.select_option("#video-form select[name=size]", "640x360")
            page.click("#render")
            page.wait_for_function("() => /\\d+:\\d\\d/.test(document.querySelector('#jobs .job strong')?.textContent || '')",
                                   timeout=300_000)
            time.sleep(1.0)
            page.mouse.move(5, 5)
            args.out.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out / "studio_1280.jpg"), type="jpeg", quality=82, full_page=True)
            phone = browser.new_page(viewport={"width": 375, "height": 812}, device_scale_factor=2)
            phone.goto(base + "/" + page.evaluate("location.hash"))
            phone.wait_for_selector(".card .img img")
            time.sleep(1.5)
            phone.evaluate("document.querySelector('.song-head').scrollIntoView()")
            top = phone.evaluate("document.querySelector('.song-head').getBoundingClientRect().top + scrollY")
            phone.screenshot(path=str(args.out / "studio_375.jpg"), type="jpeg", quality=80,
                             clip={"x": 0, "y": top, "width": 375, "height": 1500}, full_page=True)
            browser.close()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        server.shutdown()
    print(f"wrote {args.out / 'studio_1280.jpg'} and {args.out / 'studio_375.jpg'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
