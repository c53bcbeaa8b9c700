"""Both SDXL tutorials run top to bottom on the tiny random model (their TINY parameter's default), offline."""

from __future__ import annotations

from pathlib import Path

import pytest

TUTORIALS = Path(__file__).resolve().parents[2] / "tutorials"


def execute(name: str):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(TUTORIALS / name, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(TUTORIALS)}}).execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, (name, errors)
    return notebook


def outputs_text(notebook) -> str:
    return "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)


def test_notebooks_take_the_tiny_parameter():
    import nbformat

    for name in ("inference_examples.ipynb", "understand_sdxl.ipynb"):
        cells = [c for c in nbformat.read(TUTORIALS / name, as_version=4).cells if "parameters" in c.metadata.get("tags", [])]
        assert len(cells) == 1 and "TINY = True" in cells[0].source, name


@pytest.mark.notebook
def test_understand_sdxl_checks_every_step_against_diffusers():
    text = outputs_text(execute("understand_sdxl.ipynb"))
    assert "hand-written text encoding == encode_prompt" in text
    assert "hand-written loop == StableDiffusionXLPipeline" in text


@pytest.mark.notebook
def test_inference_examples_runs_every_route():
    notebook = execute("inference_examples.ipynb")
    assert "prompt_embeds (1, 77, 64) pooled (1, 32)" in outputs_text(notebook)
    last = [c for c in notebook.cells if c.cell_type == "code"][-1]
    assert any("image/png" in o.get("data", {}) for o in last.outputs)  # the routes figure
