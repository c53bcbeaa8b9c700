"""The Examples sections of every a2i module's docstrings run and say what they print.

The modules are found, not listed: an example written into a module no list named never ran, and one went stale
unseen (``palette.at_time`` printed a night's lightness of a range changed since).
"""

import doctest
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "a2i"


def modules_with_examples() -> list[str]:
    """Every module of the a2i package whose source holds a doctest example (``>>> ``)."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if ">>> " in path.read_text(encoding="utf-8"):
            parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = modules_with_examples()


def test_the_modules_are_found():
    assert len(MODULES) > 50 and {"a2i.tempo", "a2i.render.sdxl", "a2i.labeling.auth"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
