"""The Examples sections of a2i.model's docstrings run and say what they print."""

import doctest
import importlib

import pytest

MODULES = ["a2i.model.config", "a2i.model.data", "a2i.model.encoder", "a2i.model.frontend", "a2i.model.losses",
           "a2i.model.metrics", "a2i.model.negatives", "a2i.model.tiny", "a2i.model.train"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
