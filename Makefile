# The README's two commands: `make demo` and `make test`. Both create .venv and install what they need,
# on a fresh machine with only Python 3.11, make and the package registries.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
SONG   ?= dataset/tutorial_data/example_song.flac
# Tests never reach a model hub: everything they load is built from configs in code.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test docs notebooks system-deps songs benchmarks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The core install (no torch, no web stack) keeps `make demo` to a few minutes.
$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

# --no-compile: pip would byte-compile all of torch, transformers, diffusers and the web stack (about 50 s of
# CPU); Python compiles just the modules a run imports, once, on first import instead (about 20 s for the tests).
$(VENV)/.all: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --no-compile -e ".[all]"
	@touch $@ $(VENV)/.core $(VENV)/.notebooks

# Debian packages the tests need: ffmpeg (audio fixtures, videos), chromium (browser tests), fonts that
# draw song titles in any script on info cards (the files a2i/fonts.py FONT_FILES looks for) and PostgreSQL
# (the labeling site's tests start a throwaway server; a2i/labeling/pgcluster.py looks for its binaries).
system-deps:
	@missing=""; \
	command -v ffmpeg >/dev/null 2>&1 || missing="$$missing ffmpeg"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	[ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || missing="$$missing fonts-droid-fallback"; \
	[ -f /usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf ] || missing="$$missing fonts-symbola"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

demo: $(VENV)/.core
	$(BIN)/a2i generate $(SONG) --clips all --overwrite

# The linter runs first: a lint failure fails `make test` before the long suite starts. The suite runs in
# TEST_WORKERS processes (pytest-xdist); each test file stays whole on one worker (tests/conftest.py), and
# `make test TEST_WORKERS=0` runs it in this process.
TEST_WORKERS ?= 2
test: $(VENV)/.all system-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

# The README's sample outputs (docs/make_readme.py; tests/core/test_readme.py checks them) and its figures.
# Whoever changes what a command prints, or how a picture looks, runs this and commits the result.
docs: $(VENV)/.all system-deps
	$(BIN)/python docs/make_readme.py
	$(BIN)/python docs/make_example_figures.py
	$(BIN)/python docs/make_style_sheet.py
	$(BIN)/python docs/make_video_preview.py
	$(BIN)/python docs/make_studio_screenshots.py
	$(BIN)/python docs/make_labeling_screenshots.py
	$(BIN)/python docs/make_explorer_screenshot.py

# JupyterLab on the repository, with the extras the numbered notebooks import (the [notebooks] extra).
$(VENV)/.notebooks: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[notebooks]"
	@touch $@

notebooks: $(VENV)/.notebooks
	$(BIN)/jupyter lab

# Re-render the bundled example songs from the synthesizer (they are committed; this is how they were made).
songs: $(VENV)/.core
	$(BIN)/python -m a2i.synth dataset/tutorial_data

benchmarks: $(VENV)/.all
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) outputs .pytest_cache
