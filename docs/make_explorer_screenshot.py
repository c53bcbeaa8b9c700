"""The explorer's screenshot in the README: docs/images/explorer.jpg.

Builds a small explorer data folder the way a user does (`a2i explore build`, the painter, 3 variants per song)
from the bundled songs (dataset/tutorial_data) and mood variations of the synthesizer's pieces (tempo,
brightness, drums, loudness and mode varied around each piece, tagged with a title and a genre), serves it
with `a2i explore serve`'s app and photographs the page in Debian's chromium at 1400 x 860 (and at 375 px,
written beside it as explorer_375.png in the scratch folder, for a look, not committed).

    python docs/make_explorer_screenshot.py [--out docs/images]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: (piece, title, genre, changes to its PieceSpec): variations that spread the songs over the mood plane.
VARIATIONS = (
    ("dark_minor", "Low Tide", "ambient", {"tempo": 54.0, "level_db": -30.0}),
    ("dark_minor", "Fog Bell", "ambient", {"tempo": 70.0, "brightness": 0.2}),
    ("dark_minor", "Cellar Door", "folk", {"tempo": 84.0, "brightness": 0.3, "drums": 0.3, "level_db": -22.0}),
    ("dark_minor", "Night Shift", "rock", {"tempo": 120.0, "brightness": 0.6, "drums": 0.9, "level_db": -13.0}),
    ("dark_minor", "Storm Front", "rock", {"tempo": 150.0, "brightness": 0.8, "drums": 1.0, "level_db": -10.0,
                                           "melody_density": 2.0}),
    ("bright_major", "Morning Room", "folk", {"tempo": 76.0, "drums": 0.0, "level_db": -24.0, "brightness": 0.5,
                                              "melody_density": 0.75}),
    ("bright_major", "Garden Path", "jazz", {"tempo": 96.0, "drums": 0.4, "level_db": -18.0, "brightness": 0.6}),
    ("bright_major", "Kite Day", "synth-pop", {"tempo": 118.0, "drums": 0.8, "level_db": -14.0}),
    ("bright_major", "Neon Run", "electronic", {"tempo": 150.0, "drums": 1.0, "level_db": -9.0}),
    ("bright_major", "Paper Boats", "jazz", {"tempo": 104.0, "drums": 0.5, "brightness": 0.4, "scale": (0, 2, 3, 5, 7, 9, 10)}),
    ("example_song", "Slow Build", "electronic", {"tempo": 100.0}),
    ("example_song", "Second Wind", "synth-pop", {"tempo": 128.0, "brightness": 0.8}),
)


def make_songs(folder: Path, seconds: float) -> list[Path]:
    """The bundled songs plus :data:`VARIATIONS`, as tagged FLAC files in ``folder``."""
    import mutagen.flac

    from a2i.audio import write
    from a2i.synth import PIECES, render

    songs = sorted((REPO / "dataset" / "tutorial_data").glob("*.flac"))
    for k, (piece, title, genre, changes) in enumerate(VARIATIONS):
        path = write(folder / f"{title.lower().replace(' ', '_')}.flac",
                     render(replace(PIECES[piece], title=title, genre=genre, **changes), seconds=seconds, seed=k + 1))
        tags = mutagen.flac.FLAC(path)
        tags["title"], tags["artist"], tags["genre"] = title, "a2i synthesizer", genre
        tags.save()
        songs.append(path)
    return songs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each synthesized song (default: 30)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    os.environ["PYTHONPATH"] = str(REPO) + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else "")
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from a2i.cli import main as a2i
    from a2i.explore import create_app

    # 1. Songs and the data folder, as a user builds it.
    tmp = Path(tempfile.mkdtemp(prefix="explorer-shot-"))
    songs = make_songs(tmp / "songs", args.seconds)
    data = tmp / "data"
    if a2i(["explore", "build", *map(str, songs), "--out", str(data), "--variants", "3", "--size", "256"]) != 0:
        raise SystemExit("a2i explore build failed")

    # 2. Serve it and photograph the map once every thumbnail is drawn.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request would bury the summary
    app = create_app({"DATA_DIR": data, "CACHE_DIR": tmp / "cache", "WARM": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ready = "window.__explore && window.__explore.ready && window.__explore.thumbsDoneAt !== null"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--headless"])
            for width, height, path in ((1400, 860, args.out / "explorer.jpg"), (375, 812, tmp / "explorer_375.png")):
                # bypass_csp: wait_for_function evaluates a string, which the page's CSP (rightly) forbids.
                context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{server.server_port}/")
                page.wait_for_function(ready, timeout=60_000)
                page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
                path.parent.mkdir(parents=True, exist_ok=True)
                if path.suffix == ".jpg":
                    page.screenshot(path=str(path), type="jpeg", quality=82)
                else:
                    page.screenshot(path=str(path))
                print(f"wrote {path}")
                context.close()
            browser.close()
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
