"""The Examples sections of the labeling modules' docstrings run and say what they print."""

import doctest
import importlib

import pytest

MODULES = ["a2i.labeling.auth", "a2i.labeling.cli", "a2i.labeling.export", "a2i.labeling.forms", "a2i.labeling.make_study",
           "a2i.labeling.manifest", "a2i.labeling.security"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
