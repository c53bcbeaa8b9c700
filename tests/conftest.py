"""Suite-wide settings: nothing in the tests may reach a model hub; how `make test`'s workers share the files."""

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# One OpenMP thread per test process (set before torch or NumPy load): OpenMP threads spin while they wait, so
# on a shared machine (two `make test` workers, ffmpeg, chromium) torch's threads fight for the cores:
# tests/sdxl/test_sdxl_backend.py took 31 s of CPU with the default threads and 10 s with one (load 4.4).
# The tests check results, not speed; a user's own runs keep torch's default.
os.environ.setdefault("OMP_NUM_THREADS", "1")

#: How every browser test starts Debian's chromium (Playwright never downloads a browser here).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist's ``--dist loadgroup`` (`make test`), every test file runs whole on one worker, as in
    a serial run, so its module fixtures are built once; files that share an expensive session fixture name
    one ``xdist_group`` (tests/model: the tiny training run). Runs before xdist reads the groups."""
    for item in items:
        if not any(item.iter_markers("xdist_group")):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


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
