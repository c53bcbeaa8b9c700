"""Regenerate the README's sample outputs (every console block marked ``<!-- make docs: COMMAND -->``) and the
layer table of docs/architecture.md (from ``LAYERS`` in tests/core/test_layers.py, where the order is defined).

Each marked command is run as a user would run it (``python -m a2i ...`` in a scratch folder that sees the
repository's ``dataset/``, so files it writes never land in the checkout), and the console block after the
marker is replaced by ``$ COMMAND`` and what the command printed. ``tests/core/test_readme.py`` runs the same
commands and fails when the README differs, so the samples cannot go stale; whoever changes what a command
prints runs ``make docs``.

Usage::

    python docs/make_readme.py            # rewrite README.md and docs/architecture.md
    python docs/make_readme.py --check    # exit 1 if either is out of date
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
LAYERS_START, LAYERS_END = "<!-- layers: generated from tests/core/test_layers.py -->", "<!-- /layers -->"
#: A marker line, then a console block whose content the command's output replaces.
BLOCK = re.compile(r"(<!-- make docs: (?P<command>.+?) -->\n```console\n)(?P<body>.*?)(```)", re.S)


def run(command: str) -> str:
    """What ``command`` (starting with ``a2i``) prints, run in a scratch folder linked to the repository's
    ``dataset/``; globs are expanded there as a shell would."""
    words = shlex.split(command)
    if words[0] != "a2i":
        raise SystemExit(f"make_readme: only a2i commands can be samples, got {command!r}")
    with tempfile.TemporaryDirectory() as scratch:
        os.symlink(ROOT / "dataset", Path(scratch) / "dataset")
        argv = []
        for word in words[1:]:
            argv += sorted(glob.glob(word, root_dir=scratch)) if glob.has_magic(word) else [word]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
               "COLUMNS": "110"}
        done = subprocess.run([sys.executable, "-m", "a2i", *argv], cwd=scratch, env=env, capture_output=True,
                              text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"make_readme: `{command}` failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def render(text: str) -> str:
    """``text`` (the README) with every marked block's body regenerated."""
    return BLOCK.sub(lambda m: f"{m.group(1)}$ {m.group('command')}\n{run(m.group('command'))}{m.group(4)}", text)


def render_layers(text: str) -> str:
    """``text`` (docs/architecture.md) with its layer table regenerated from tests/core/test_layers.py."""
    spec = importlib.util.spec_from_file_location("test_layers", ROOT / "tests" / "core" / "test_layers.py")
    layers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(layers)
    head, rest = text.split(LAYERS_START, 1)
    return f"{head}{LAYERS_START}\n{layers.layer_table()}\n{LAYERS_END}{rest.split(LAYERS_END, 1)[1]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if a file is out of date")
    args = parser.parse_args(argv)
    stale = []
    for path, regenerate in ((ARCHITECTURE, render_layers), (README, render)):
        text = path.read_text(encoding="utf-8")
        fresh = regenerate(text)
        if fresh != text:
            stale.append(path.name)
            if not args.check:
                path.write_text(fresh, encoding="utf-8")
    if args.check:
        print(f"out of date: {', '.join(stale)}; run `make docs`" if stale else "up to date")
        return 1 if stale else 0
    print(f"regenerated: {', '.join(stale) or 'nothing (all up to date)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
