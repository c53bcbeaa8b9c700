"""Regenerate the README's sample outputs: every console block marked ``<!-- make docs: COMMAND -->``.

Each marked command is run as a user would run it (``python -m a2i ...`` in a scratch folder that sees the
repository's ``dataset/``, so files it writes never land in the checkout), and the console block after the
marker is replaced by ``$ COMMAND`` and what the command printed. ``tests/core/test_readme.py`` runs the same
commands and fails when the README differs, so the samples cannot go stale; whoever changes what a command
prints runs ``make docs``.

Usage::

    python docs/make_readme.py            # rewrite README.md
    python docs/make_readme.py --check    # exit 1 if README.md is out of date
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if README.md is out of date")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    fresh = render(text)
    if args.check:
        print("README.md is up to date" if fresh == text else "README.md is out of date: run `make docs`")
        return 0 if fresh == text else 1
    if fresh != text:
        README.write_text(fresh, encoding="utf-8")
    print(f"README.md: {len(BLOCK.findall(text))} sample(s) regenerated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
