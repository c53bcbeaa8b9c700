"""The README shows what the code prints, and the project cites only documents it contains."""

from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_make_readme():
    spec = importlib.util.spec_from_file_location("make_readme", ROOT / "docs" / "make_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_samples_are_what_the_commands_print():
    make_readme = load_make_readme()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [m.group("command") for m in make_readme.BLOCK.finditer(text)]
    assert "a2i analyze dataset/tutorial_data/*.flac" in commands and len(commands) >= 2
    assert make_readme.render(text) == text, "a README sample differs from what its command prints: run `make docs`"


def test_no_file_cites_a_document_the_project_does_not_have():
    """Every upper-case Markdown file name a tracked file cites is in the repository: the project stands alone (its
    architecture is in docs/architecture.md), so no reader is sent to a document it cannot open."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    present = {Path(name).name for name in tracked}
    cited = re.compile(r"\b([A-Z][A-Z_]+\.md)\b")
    missing = []
    for name in tracked:
        if not name.endswith((".py", ".md", ".ipynb", ".toml", ".cfg", ".txt", "Makefile")) or not (ROOT / name).is_file():
            continue
        for match in cited.finditer((ROOT / name).read_text(encoding="utf-8", errors="replace")):
            if match.group(1) not in present:
                missing.append(f"{name}: {match.group(1)}")
    assert not missing, f"cited but not in the repository: {missing}"
