"""The Examples sections of the core modules' docstrings run and say what they print."""

import doctest
import importlib

import pytest

MODULES = [
    "a2i.audio",
    "a2i.cards",
    "a2i.cli",
    "a2i.decoding",
    "a2i.errors",
    "a2i.features",
    "a2i.fileio",
    "a2i.fonts",
    "a2i.loudness",
    "a2i.mood",
    "a2i.outputs",
    "a2i.planner",
    "a2i.progress",
    "a2i.prompts",
    "a2i.render",
    "a2i.render.painter",
    "a2i.render.painter.colour_keeping",
    "a2i.render.painter.colours",
    "a2i.render.painter.drawn",
    "a2i.render.painter.legibility",
    "a2i.render.painter.scene",
    "a2i.render.painter.scene.stack",
    "a2i.render.painter.text",
    "a2i.seeding",
    "a2i.sizes",
    "a2i.synth",
    "a2i.video.pacing",
    "a2i.vibenet_model",
    "a2i.vocabulary",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
