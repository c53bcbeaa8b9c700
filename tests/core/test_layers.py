"""Imports point down: no module of a2i imports one of a higher layer, not even inside a function.

The layer order is defined here, once (docs/architecture.md shows it and is checked against it below).
A module belongs to the layer of the longest prefix that names it (``a2i`` alone names only the package's
``__init__``, so a new top-level module fails the test until it is placed); a module named ``cli`` (a sub-command's
argparse registration) belongs to the top layer wherever it lives. Modules of one layer may import each
other; a module may import any lower layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Low to high. Each entry: (layer name, module prefixes, why it sits there).
LAYERS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("base", ("a2i", "a2i.errors", "a2i.seeding", "a2i.fileio", "a2i.sizes", "a2i.progress", "a2i.fonts"),
     "errors, seeds, crash-safe files, sizes: used by everything, use nothing"),
    ("signal", ("a2i.decoding", "a2i.audio", "a2i.features", "a2i.tempo", "a2i.loudness", "a2i.melscale", "a2i.synth", "a2i.mood",
                "a2i.mood_weights", "a2i.vibenet_model", "a2i.model.encoder", "a2i.model.frontend"),
     "audio in, numbers out: decoding, features, the mood analysis and the networks that read audio"),
    ("words", ("a2i.vocabulary", "a2i.prompts"),
     "prompt writers: a profile in, text out; the words they share with the painter (mood bins, colours, styles)"),
    ("render", ("a2i.render", "a2i.cards"), "backends: one request in, one picture out; the info card"),
    ("outputs", ("a2i.outputs",), "the run folder schema: the one reader and writer of run records"),
    ("planner", ("a2i.planner",), "which pictures a song gets: clips, prompts, seeds, file names"),
    ("jobs", ("a2i.pipeline", "a2i.batch", "a2i.video"), "orchestrators: render a plan into files"),
    ("apps", ("a2i.dataset", "a2i.model", "a2i.explore", "a2i.labeling", "a2i.studio"),
     "built on the jobs: datasets, training, the explorer, the study site, the studio"),
    ("cli", ("a2i.cli", "a2i.cliargs", "a2i.__main__"), "the `a2i` command and every sub-command's options"),
)
CLI_LAYER = len(LAYERS) - 1


def layer_of(module: str) -> int:
    """The layer index of a dotted module name (see the module docstring)."""
    if module.split(".")[-1] == "cli":
        return CLI_LAYER
    best, index = -1, None
    for i, (_, prefixes, _) in enumerate(LAYERS):
        for prefix in prefixes:
            # "a2i" names the package's __init__ only, so a new top-level module must be placed in LAYERS.
            if (module == prefix or (prefix != "a2i" and module.startswith(prefix + "."))) and len(prefix) > best:
                best, index = len(prefix), i
    assert index is not None, f"{module} is in no layer; add it to LAYERS"
    return index


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """Every a2i module ``path`` (or ``source`` as if it were at ``path``) imports, with its line; ``from a2i.x
    import y`` counts as ``a2i.x.y`` when that is a module. Any depth of the file counts: top level, functions,
    ``TYPE_CHECKING`` blocks."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source if source is not None else path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                is_module = (ROOT / Path(*submodule.split("."))).with_suffix(".py").is_file() or \
                    (ROOT / Path(*submodule.split("."))).is_dir()
                found.append((node.lineno, submodule if is_module else base))
    return sorted({(line, name) for line, name in found if name == "a2i" or name.startswith("a2i.")})


def upward_imports() -> list[str]:
    bad = []
    for path in sorted((ROOT / "a2i").rglob("*.py")):
        module = module_name(path)
        mine = layer_of(module)
        for line, target in imports(path):
            if layer_of(target) > mine:
                bad.append(f"{path.relative_to(ROOT)}:{line}: {module} ({LAYERS[mine][0]}) imports "
                           f"{target} ({LAYERS[layer_of(target)][0]})")
    return bad


def test_no_module_imports_a_higher_layer():
    bad = upward_imports()
    assert not bad, "imports from a lower layer to a higher one:\n" + "\n".join(bad)


def test_the_check_sees_function_level_and_relative_imports():
    """The scanner must see an import hidden in a function, and resolve relative imports."""
    source = "def f():\n    from a2i.pipeline import generate\n    from ..outputs import read_run\n    import a2i.planner\n"
    probe = ROOT / "a2i" / "render" / "probe.py"
    assert imports(probe, source) == [(2, "a2i.pipeline"), (3, "a2i.outputs"), (4, "a2i.planner")]
    assert layer_of("a2i.render.painter.styles.ink") < layer_of("a2i.pipeline")
    assert layer_of("a2i.video.cli") == layer_of("a2i.render.cli") == CLI_LAYER
    assert layer_of("a2i.model.encoder") < layer_of("a2i.render.sdxl") < layer_of("a2i.model.train")


@pytest.mark.parametrize("path", sorted((ROOT / "a2i").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_has_a_layer(path):
    layer_of(module_name(path))


def layer_table() -> str:
    """The layers as docs/architecture.md lists them (between its ``layers`` markers)."""
    rows = ["| layer | modules | why there |", "|---|---|---|"]
    for name, prefixes, why in reversed(LAYERS):
        rows.append(f"| {name} | {', '.join(f'`{p}`' for p in prefixes)} | {why} |")
    return "\n".join(rows)


def test_architecture_doc_shows_these_layers():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    start, end = "<!-- layers: generated from tests/core/test_layers.py -->", "<!-- /layers -->"
    assert start in text and end in text, "docs/architecture.md lacks the layer table markers"
    shown = text.split(start, 1)[1].split(end, 1)[0].strip()
    assert shown == layer_table(), "docs/architecture.md's layer table differs from LAYERS; run docs/make_readme.py"
