"""Suite-wide settings: nothing in the tests may reach a model hub."""

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

#: How every browser test starts Debian's chromium (Playwright never downloads a browser here).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="session")
def browser():
    """One chromium for the whole run: Playwright's sync API allows a single driver loop per process."""
    from pathlib import Path

    # `make test` installs Debian's chromium; a missing browser is a set-up failure, never a skipped feature.
    assert Path(CHROMIUM).exists(), "Debian chromium is missing: run `make system-deps` (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
