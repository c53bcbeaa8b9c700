"""Benchmark the explorer in headless chromium on a large synthetic folder.

Builds (or reuses) a data folder of N songs (default 10,000), each with its own picture files, serves it
on 127.0.0.1 and measures in Debian's chromium:

- first render: navigation start → the frame where every song is on the map (colour squares), and →
  the frame where every thumbnail of the current variant is drawn; once with a cold thumbnail cache
  and once warm;
- interactions: the time from a key press (T, 1/2/3, +, 0, arrows), a wheel zoom or a hover to the end of
  the next painted frame. A capture-phase listener takes the event's timestamp, requests an animation
  frame and, from inside it, a task; that task runs once the frame holding the app's redraw has been
  painted.

Targets: first render ≤ 1 s, every interaction ≤ 50 ms. The summary line is printed last.

Usage::

    python benchmarks/bench_explore.py [--songs 10000] [--variants 3] [--data DIR] [--repeat 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required"]

# Records, for every keydown / pointermove / wheel, the time until the frame after it has been painted.
LATENCY_PROBE = """() => {
  window.__lat = [];
  const rec = (e) => {
    const t0 = e.timeStamp;
    requestAnimationFrame(() => setTimeout(() => window.__lat.push([e.type, performance.now() - t0]), 0));
  };
  for (const type of ["keydown", "pointermove", "wheel"]) window.addEventListener(type, rec, true);
}"""


def _serve(app):
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log between the measurements
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _load(browser, url: str, timeout_ms: int = 120_000) -> dict[str, float]:
    page = browser.new_page(viewport={"width": 1400, "height": 860})
    page.goto(url)
    page.wait_for_function("window.__explore && window.__explore.thumbsDoneAt !== null", timeout=timeout_ms)
    times = page.evaluate("({first: __explore.firstDrawAt, all: __explore.allPointsAt, thumbs: __explore.thumbsDoneAt})")
    return {"page": page, **times}


def _interactions(page, repeat: int) -> dict[str, list[float]]:
    # Measure the steady state: every variant's thumbnails fetched and scaled (the first seconds after load,
    # still fetching, are reported by the load times above).
    page.wait_for_function("window.__explore.pending() === 0", timeout=120_000, polling=50)
    print(f"every variant's thumbnails ready after {page.evaluate('performance.now()'):.0f} ms (warm)")
    page.evaluate(LATENCY_PROBE)
    box = page.locator("#overlay").bounding_box()
    results: dict[str, list[float]] = {}

    def measure(name: str, action) -> None:
        for _ in range(repeat):
            page.evaluate("window.__lat = []")
            action()
            page.wait_for_function("window.__lat.length > 0", timeout=10_000)
            page.wait_for_timeout(60)
            results.setdefault(name, []).append(page.evaluate("window.__lat[0][1]"))

    measure("T (grid on)", lambda: page.keyboard.press("t"))
    page.keyboard.press("t")
    page.wait_for_timeout(100)
    for key, name in (("t", "T (toggle)"), ("2", "variant 2"), ("3", "variant 3"), ("1", "variant 1"),
                      ("+", "zoom in key"), ("ArrowLeft", "pan key"), ("0", "reset view")):
        measure(name, lambda key=key: page.keyboard.press(key))
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    measure("wheel zoom", lambda: page.mouse.wheel(0, -120))
    page.keyboard.press("0")
    page.wait_for_timeout(100)
    # Hover: move onto a different song each time, so each move shows a new popup.
    songs = page.evaluate("""() => { const out = []; const st = __explore.state();
        for (let i = 0; i < st.total && out.length < 40; i += 97) { const [x, y] = __explore.screenOf(i); out.push([x, y]); }
        return out; }""")
    points = iter(songs)

    def hover() -> None:
        x, y = next(points)
        page.mouse.move(box["x"] + x, box["y"] + y)

    measure("hover popup", hover)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--songs", type=int, default=10_000, help="songs in the synthetic folder (default: 10000)")
    parser.add_argument("--variants", type=int, default=3, help="pictures per song (default: 3)")
    parser.add_argument("--data", help="reuse/keep the synthetic folder here (default: a temporary folder)")
    parser.add_argument("--repeat", type=int, default=5, help="samples per interaction (default: 5)")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    from a2i.explore import create_app
    from a2i.explore.synthetic import make_folder

    tmp = Path(tempfile.mkdtemp(prefix="a2i-bench-explore-"))
    data = Path(args.data) if args.data else tmp / "data"
    try:
        if not any(data.glob("*.json")):
            t = time.perf_counter()
            make_folder(data, args.songs, variants=args.variants, size=96, audio="shared", seed=1)
            print(f"built {args.songs} songs × {args.variants} pictures in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        app = create_app(data, cache_dir=tmp / "cache", warm=False)
        print(f"server start-up (load + validate {args.songs} JSON files): {time.perf_counter() - t:.2f} s")
        server = _serve(app)
        url = f"http://127.0.0.1:{server.server_port}/"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            cold = _load(browser, url)
            cold["page"].close()
            warm = _load(browser, url)
            for name, load in (("cold", cold), ("warm", warm)):
                print(f"{name} cache: first page drawn {load['first']:.0f} ms, all {args.songs} songs drawn "
                      f"{load['all']:.0f} ms, all thumbnails drawn {load['thumbs']:.0f} ms")
            results = _interactions(warm["page"], args.repeat)
            browser.close()
        server.shutdown()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    worst = 0.0
    for name, samples in results.items():
        worst = max(worst, max(samples))
        print(f"{name:>14}: median {statistics.median(samples):6.1f} ms   max {max(samples):6.1f} ms")
    first = warm["all"]
    ok = first <= 1000 and worst <= 50
    print(f"bench_explore: {args.songs} songs × {args.variants} pictures, first render {first:.0f} ms "
          f"(cold {cold['all']:.0f} ms; thumbnails {warm['thumbs']:.0f} ms warm, {cold['thumbs']:.0f} ms cold), "
          f"worst interaction {worst:.1f} ms -> {'PASS' if ok else 'MISS'} (targets 1000 ms, 50 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
